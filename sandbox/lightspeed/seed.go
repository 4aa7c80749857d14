package lightspeed

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"fortspeed/sandbox/demo"
	"fortspeed/sandbox/testapi"
)

// Reset replaces all data with a seed: "demo" (the believable store with sales), "empty"
// (shops, registers, employees, tax classes, price levels, payment and customer types) or
// "catalogue" (a generated catalogue, no sales). Tokens survive a reset; buckets do not.
func (s *Server) Reset(req testapi.ResetRequest) error {
	var cat demo.Catalogue
	switch req.Seed {
	case "", "demo":
		cat = demo.Demo()
	case "empty":
	case "catalogue":
		if req.Articles <= 0 {
			return fmt.Errorf("catalogue seed needs articles > 0, got %d", req.Articles)
		}
		if req.Families < 0 || req.Families > req.Articles {
			return fmt.Errorf("catalogue seed needs 0 <= families <= articles, got %d families", req.Families)
		}
		seed := req.RandomSeed
		if seed == 0 {
			seed = 1
		}
		cat = demo.Generate(req.Articles, req.Families, 0, seed)
	default:
		return fmt.Errorf("unknown seed %q: use demo, empty or catalogue", req.Seed)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.Limits != nil {
		s.noLimits = !*req.Limits
	}
	s.buckets = map[string]*bucket{}
	s.st = newStore(s.defs)
	now := s.clock.Now()
	s.seedBase(now)
	if err := s.seedCatalogueLocked(cat.Articles, wireTime(now)); err != nil {
		return fmt.Errorf("seed catalogue: %w", err)
	}
	if req.Seed == "" || req.Seed == "demo" {
		if err := s.seedCustomersLocked(cat.Customers[:min(25, len(cat.Customers))], wireTime(now)); err != nil {
			return fmt.Errorf("seed customers: %w", err)
		}
		if err := s.seedSalesLocked(rand.New(rand.NewPCG(7, 11)), 30, now); err != nil {
			return fmt.Errorf("seed sales: %w", err)
		}
	}
	return nil
}

// seedBase creates what every Lightspeed account has: shops, registers, employees, tax
// classes, price levels, customer and payment types, the system attribute sets.
func (s *Server) seedBase(t time.Time) {
	now := wireTime(t)
	st := s.st
	add := func(entity string, fields map[string]string) int {
		def := s.defs[entity]
		rec := blank(def)
		for k, v := range fields {
			rec[k] = v
		}
		if _, ok := def.byName["timeStamp"]; ok {
			rec["timeStamp"] = now
		}
		return st.tables[entity].insert(def.idField, rec)
	}
	for _, pl := range []string{"Default", "MSRP", "Online"} {
		add("PriceLevel", map[string]string{"name": pl, "canBeArchived": fmt.Sprint(pl != "Default"), "type": "default", "Calculation": ""})
	}
	for _, tc := range []struct {
		name string
		rate string
	}{{"Moms 25%", "0.25"}, {"Moms 12%", "0.12"}, {"Moms 6%", "0.06"}} {
		id := add("TaxClass", map[string]string{"name": tc.name, "classType": "item"})
		st.taxRates[id] = decimal.RequireFromString(tc.rate)
	}
	for _, shop := range []struct{ name, reg string }{{"Butiken Stockholm", "556677-1234"}, {"Butiken Göteborg", "556677-1234"}} {
		add("Shop", map[string]string{"name": shop.name, "timeZone": "Europe/Stockholm", "companyRegistrationNumber": shop.reg,
			"vatNumber": "SE556677123401", "priceLevelID": "1", "labelTitle": "true"})
	}
	add("Register", map[string]string{"name": "Kassa 1", "shopID": "1"})
	add("Register", map[string]string{"name": "Kassa 2", "shopID": "1"})
	add("Register", map[string]string{"name": "Kassa 1", "shopID": "2"})
	add("Employee", map[string]string{"firstName": "Karin", "lastName": "Butikschef", "employeeRoleID": "1"})
	add("Employee", map[string]string{"firstName": "Oskar", "lastName": "Säljare", "employeeRoleID": "2", "limitToShopID": "1"})
	add("Employee", map[string]string{"firstName": "Maja", "lastName": "Säljare", "employeeRoleID": "2", "limitToShopID": "2"})
	add("CustomerType", map[string]string{"name": "Privatperson"})
	add("CustomerType", map[string]string{"name": "Företag"})
	add("CustomerType", map[string]string{"name": "Personal"})
	for _, pt := range []struct{ name, typ, requireCustomer string }{
		{"Cash", "cash", "false"}, {"Credit Card", "credit card", "false"}, {"Swish", "user defined", "false"},
		{"Gift Card", "gift card", "false"}, {"Invoice", "user defined", "true"}, {"Credit Account", "credit account", "true"},
	} {
		add("PaymentType", map[string]string{"name": pt.name, "type": pt.typ, "requireCustomer": pt.requireCustomer,
			"internalReserved": fmt.Sprint(pt.typ == "credit account")})
	}
	for _, set := range [][4]string{{"Color/Size", "Color", "Size", ""}, {"Size", "", "Size", ""}, {"Color", "Color", "", ""},
		{"3 Attributes", "Attribute 1", "Attribute 2", "Attribute 3"}} {
		add("ItemAttributeSet", map[string]string{"name": set[0], "attributeName1": set[1], "attributeName2": set[2],
			"attributeName3": set[3], "system": "true"})
	}
}

// seedCatalogueLocked creates categories, one ItemMatrix per family and one Item per
// article with prices incl. VAT and stock split over the two shops.
func (s *Server) seedCatalogueLocked(articles []demo.Article, now string) error {
	categories := map[string]int{}
	var category func(path string) (int, error)
	category = func(path string) (int, error) {
		if id, ok := categories[path]; ok {
			return id, nil
		}
		parent, name := 0, path
		if i := strings.LastIndex(path, "/"); i >= 0 {
			p, err := category(path[:i])
			if err != nil {
				return 0, err
			}
			parent, name = p, path[i+1:]
		}
		id, err := s.createCategoryLocked(map[string]any{"name": name, "parentID": itoa(parent)}, now)
		categories[path] = id
		return id, err
	}
	taxClass := map[int]string{25: "1", 12: "2", 6: "3"}
	matrices := map[string]int{}
	for _, a := range articles {
		catID, err := category(a.Category)
		if err != nil {
			return err
		}
		incl := a.Price.Mul(decimal.NewFromInt(int64(100 + a.VAT))).Div(decimal.NewFromInt(100)).Round(2)
		prices := map[string]any{"ItemPrice": []any{
			map[string]any{"amount": incl.String(), "useTypeID": "1"},
			map[string]any{"amount": incl.String(), "useTypeID": "2"},
			map[string]any{"amount": incl.String(), "useTypeID": "3"},
		}}
		body := map[string]any{"description": a.Description, "customSku": a.Number, "ean": a.EAN,
			"defaultCost": a.PurchasePrice.String(), "categoryID": itoa(catID), "taxClassID": taxClass[a.VAT], "Prices": prices}
		if a.Family != "" {
			m, ok := matrices[a.Family]
			if !ok {
				m, err = s.createMatrixLocked(map[string]any{"description": a.FamilyName, "itemAttributeSetID": "1",
					"categoryID": itoa(catID), "taxClassID": taxClass[a.VAT], "defaultCost": a.PurchasePrice.String(), "Prices": prices}, now)
				if err != nil {
					return err
				}
				matrices[a.Family] = m
			}
			body["itemMatrixID"] = itoa(m)
			body["ItemAttributes"] = map[string]any{"attribute1": a.Colour, "attribute2": a.Size, "itemAttributeSetID": "1"}
		}
		stock := a.Stock.IntPart()
		second := stock / 2
		body["ItemShops"] = map[string]any{"ItemShop": []any{
			map[string]any{"shopID": "1", "qoh": fmt.Sprint(stock - second)},
			map[string]any{"shopID": "2", "qoh": fmt.Sprint(second)},
		}}
		if _, err := s.createItemLocked(body, now); err != nil {
			return fmt.Errorf("article %s: %w", a.Number, err)
		}
	}
	return nil
}

func (s *Server) seedCustomersLocked(customers []demo.Customer, now string) error {
	for _, c := range customers {
		first, last, _ := strings.Cut(c.Name, " ")
		typeID := "1"
		if c.Company != "" {
			typeID = "2"
		}
		body := map[string]any{"firstName": first, "lastName": last, "company": c.Company,
			"companyRegistrationNumber": c.OrgNumber, "customerTypeID": typeID,
			"Contact": map[string]any{"noEmail": "false", "noPhone": "false", "noMail": "true",
				"Emails":    map[string]any{"ContactEmail": map[string]any{"address": c.Email, "useType": "Primary"}},
				"Phones":    map[string]any{"ContactPhone": map[string]any{"number": c.Phone, "useType": "Mobile"}},
				"Addresses": map[string]any{"ContactAddress": map[string]any{"address1": c.Address, "city": c.City, "zip": c.ZipCode, "countryCode": c.CountryCode}},
			}}
		if _, err := s.createCustomerLocked(body, now); err != nil {
			return fmt.Errorf("customer %s: %w", c.Name, err)
		}
	}
	return nil
}

// seedSalesLocked creates n completed sales spread over the last 30 days.
func (s *Server) seedSalesLocked(rng *rand.Rand, n int, now time.Time) error {
	for i := range n {
		at := now.Add(-time.Duration(n-i) * 23 * time.Hour)
		id, err := s.randomSaleLocked(rng, wireTime(at))
		if err != nil {
			return err
		}
		if id == 0 {
			continue
		}
		sale := s.st.get("Sale", id)
		for _, k := range []string{"createTime", "timeStamp", "updatetime", "completeTime"} {
			sale[k] = wireTime(at)
		}
	}
	return nil
}

// randomSaleLocked creates one completed sale of 1–3 in-stock items, paid in full; half of
// them have a customer. Some carry a 4-decimal price, a line without an item or a ship-to. It returns 0 when nothing is in stock.
func (s *Server) randomSaleLocked(rng *rand.Rand, now string) (int, error) {
	shops := s.shopIDsLocked()
	if len(shops) == 0 {
		return 0, nil
	}
	shopID := shops[rng.IntN(len(shops))]
	var candidates []int
	for _, id := range s.st.tables["Item"].ids {
		it := s.st.get("Item", id)
		isID := s.st.itemShops[id][shopID]
		if it["archived"] == "false" && isID != 0 && s.st.get("ItemShop", isID).dec("qoh").IsPositive() && len(s.st.itemPrices[id]) > 0 {
			candidates = append(candidates, id)
		}
	}
	if len(candidates) == 0 {
		return 0, nil
	}
	var lines []any
	total := decimal.Zero
	used := map[int]bool{}
	for range 1 + rng.IntN(3) {
		id := candidates[rng.IntN(len(candidates))]
		if used[id] {
			continue
		}
		used[id] = true
		p := s.defaultPriceLocked(id)
		total = total.Add(p)
		lines = append(lines, map[string]any{"itemID": itoa(id), "unitQuantity": "1", "unitPrice": p.String()})
	}
	body := map[string]any{"shopID": itoa(shopID), "completed": true}
	paymentType := []string{"1", "2", "2", "3", "3"}[rng.IntN(5)]
	if customers := s.st.tables["Customer"].ids; len(customers) > 0 && rng.IntN(2) == 0 {
		body["customerID"] = itoa(customers[rng.IntN(len(customers))])
	}
	// The shapes of real shops, so a newcomer sees them sync: a price keyed in without VAT
	// (4 decimals), a line without an item (a gift wrap, freight) and a sale shipped to
	// another address.
	if rng.IntN(5) == 0 {
		first := lines[0].(map[string]any)
		p := decimal.RequireFromString(first["unitPrice"].(string))
		exVAT := p.Div(decimal.RequireFromString("1.1")).Round(4)
		first["unitPrice"] = exVAT.String()
		total = total.Sub(p).Add(exVAT)
	}
	if rng.IntN(4) == 0 {
		misc := []struct{ note, price string }{{"Presentinslagning", "29"}, {"Frakt", "79"}, {"Montering", "149.5"}}[rng.IntN(3)]
		lines = append(lines, map[string]any{"itemID": "0", "unitQuantity": "1", "unitPrice": misc.price,
			"Note": map[string]any{"note": misc.note, "isPublic": "true"}})
		total = total.Add(decimal.RequireFromString(misc.price))
	}
	if body["customerID"] != nil && rng.IntN(4) == 0 {
		body["ShipTo"] = map[string]any{"firstName": "Mottagare", "lastName": "Demo", "shipNote": "Ring innan leverans",
			"Contact": map[string]any{"Addresses": map[string]any{"ContactAddress": map[string]any{
				"address1": "Leveransvägen " + itoa(1+rng.IntN(40)), "zip": "411 01", "city": "Göteborg", "countryCode": "SE"}}}}
	}
	body["SaleLines"] = map[string]any{"SaleLine": lines}
	body["SalePayments"] = map[string]any{"SalePayment": map[string]any{"paymentTypeID": paymentType, "amount": total.Round(2).String()}}
	return s.createSaleLocked(body, now)
}

// DemoTick adds one completed sale (with payment and sometimes a customer), so a running
// stack has live work to poll.
func (s *Server) DemoTick(rng *rand.Rand) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A failure here only means the store had nothing to sell; the trickle tries again.
	s.randomSaleLocked(rng, wireTime(s.clock.Now()))
	if rng.IntN(3) == 0 {
		s.pickUpLocked(wireTime(s.clock.Now()))
	}
}

// stateView is GET /_sandbox/state: counts and full records per entity.
type stateView struct {
	AccountID string           `json:"account_id"`
	Counts    map[string]int   `json:"counts"`
	Records   map[string][]any `json:"records"`
}

// State dumps every record, rendered as the API would with its main relations.
func (s *Server) State() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := stateView{AccountID: s.opts.AccountID, Counts: map[string]int{}, Records: map[string][]any{}}
	full := map[string]relSet{"Item": {"ItemShops": true, "ItemAttributes": true}, "Customer": {"Contact": true},
		"Sale": {"SaleLines": true, "SalePayments": true}, "ItemMatrix": {}}
	for name, def := range s.defs {
		t := s.st.tables[name]
		v.Counts[name] = len(t.ids)
		recs := make([]any, 0, len(t.ids))
		for _, id := range t.ids {
			recs = append(recs, s.renderStoredLocked(def.name, t.rows[id], full[name]))
		}
		v.Records[name] = recs
	}
	return v
}

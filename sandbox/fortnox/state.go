package fortnox

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/shopspring/decimal"

	"fortspeed/sandbox/demo"
	"fortspeed/sandbox/testapi"
)

// state is everything the simulated company holds. Guarded by Server.mu.
type state struct {
	customers, articles, orders, prices map[string]*entry
	invoices, payments                  map[string]*entry
	priceLists, terms, modes, ways      map[string]*entry
	units, stockPoints, currencies      map[string]*entry
	stockPointOrder                     []string // ids in creation order; the first is the default
	// stock is the in-stock balance per article and stock point code (warehouse mode only;
	// without the module the article's QuantityInStock is the balance).
	stock               map[string]map[string]decimal.Decimal
	usedCustomerNumbers map[string]bool
	nextCustomer        int64
	nextArticle         int64
	nextOrder           int64
	nextInvoice         int64
	nextPayment         int64
	nextRowID           int64
	company             map[string]any
}

func (s *Server) newState() *state {
	tenant, err := strconv.ParseInt(s.opts.TenantID, 10, 64)
	var dbNumber any = s.opts.TenantID
	if err == nil {
		dbNumber = tenant
	}
	return &state{
		customers: map[string]*entry{}, articles: map[string]*entry{}, orders: map[string]*entry{},
		invoices: map[string]*entry{}, payments: map[string]*entry{},
		prices: map[string]*entry{}, priceLists: map[string]*entry{}, terms: map[string]*entry{},
		modes: map[string]*entry{}, ways: map[string]*entry{}, units: map[string]*entry{}, currencies: map[string]*entry{},
		stockPoints: map[string]*entry{}, stock: map[string]map[string]decimal.Decimal{},
		usedCustomerNumbers: map[string]bool{}, nextArticle: 100, nextRowID: 1000,
		company: map[string]any{
			"Address": "Storgatan 1", "City": "Stockholm", "CompanyName": "Fortspeed Demo AB",
			"CountryCode": "SE", "DatabaseNumber": dbNumber, "OrganizationNumber": "556677-8899",
			"VisitAddress": "Storgatan 1", "VisitCity": "Stockholm", "VisitCountryCode": "SE",
			"VisitZipCode": "111 22", "ZipCode": "111 22",
		},
	}
}

func jsonNumber(d decimal.Decimal) json.Number { return json.Number(d.String()) }

// Reset replaces the state with a seed: "demo", "empty" (settings registers only) or
// "catalogue" (a generated catalogue and 50 customers, no orders).
func (s *Server) Reset(req testapi.ResetRequest) error {
	var cat demo.Catalogue
	orders := 0
	switch req.Seed {
	case "demo", "":
		cat, orders = demo.Demo(), 30
	case "empty":
	case "catalogue":
		if req.Articles <= 0 {
			return fmt.Errorf("reset catalogue: articles must be positive, got %d", req.Articles)
		}
		if req.Families < 0 || req.Families > req.Articles {
			return fmt.Errorf("reset catalogue: families must be between 0 and articles (%d), got %d", req.Articles, req.Families)
		}
		cat = demo.Generate(req.Articles, req.Families, 50, req.RandomSeed)
	default:
		return fmt.Errorf("reset: unknown seed %q (want demo, empty or catalogue)", req.Seed)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = s.newState()
	s.noLimits = s.opts.NoLimits
	if req.Limits != nil {
		s.noLimits = !*req.Limits
	}
	s.limiter.reset()
	if err := s.seedSettings(); err != nil {
		return fmt.Errorf("reset %s: %w", req.Seed, err)
	}
	if err := s.seedCatalogue(cat); err != nil {
		return fmt.Errorf("reset %s: %w", req.Seed, err)
	}
	seed := req.RandomSeed
	if seed == 0 {
		seed = 1
	}
	if err := s.seedOrders(rand.New(rand.NewPCG(uint64(seed), 0x0fde)), orders); err != nil {
		return fmt.Errorf("reset %s: %w", req.Seed, err)
	}
	if req.Seed == "demo" || req.Seed == "" {
		c, err := s.newCustomer(record{"Name": "Kontantkund", "Type": "PRIVATE", "CountryCode": "SE"})
		if err != nil {
			return fmt.Errorf("reset %s: walk-in customer: %w", req.Seed, err)
		}
		if n := c.str("CustomerNumber"); n != WalkInCustomerNumber {
			return fmt.Errorf("reset %s: walk-in customer got number %s, want %s", req.Seed, n, WalkInCustomerNumber)
		}
	}
	return nil
}

func (s *Server) seedSettings() error {
	regs := map[string]register{}
	for _, reg := range s.registers() {
		regs[reg.path] = reg
	}
	seed := []struct {
		path string
		rec  record
	}{
		{"pricelists", record{"Code": "A", "Description": "Standardprislista", "PreSelected": true}},
		{"pricelists", record{"Code": "B", "Description": "Återförsäljare"}},
		{"termsofpayments", record{"Code": "0", "Description": "0 dagar"}},
		{"termsofpayments", record{"Code": "10", "Description": "10 dagar"}},
		{"termsofpayments", record{"Code": "15", "Description": "15 dagar"}},
		{"termsofpayments", record{"Code": "20", "Description": "20 dagar"}},
		{"termsofpayments", record{"Code": "30", "Description": "30 dagar"}},
		{"termsofpayments", record{"Code": "K", "Description": "Kontant"}},
		{"modesofpayments", record{"Code": "BG", "Description": "Bankgiro", "AccountNumber": "1930"}},
		{"modesofpayments", record{"Code": "PG", "Description": "Plusgiro", "AccountNumber": "1920"}},
		{"modesofpayments", record{"Code": "KORT", "Description": "Kortbetalning", "AccountNumber": "1580"}},
		{"modesofpayments", record{"Code": "SWISH", "Description": "Swish", "AccountNumber": "1930"}},
		{"modesofpayments", record{"Code": "KONTANT", "Description": "Kontant", "AccountNumber": "1910"}},
		{"wayofdeliveries", record{"Code": "P", "Description": "Posten", "DescriptionEnglish": "Mail"}},
		{"wayofdeliveries", record{"Code": "HAMT", "Description": "Hämtas", "DescriptionEnglish": "Pick-up"}},
		{"units", record{"Code": "st", "Description": "Styck", "CodeEnglish": "pcs"}},
		{"units", record{"Code": "par", "Description": "Par", "CodeEnglish": "pair"}},
		{"units", record{"Code": "förp", "Description": "Förpackning", "CodeEnglish": "pkg"}},
		{"currencies", record{"Code": "SEK", "Description": "Svensk krona", "Unit": decimal.NewFromInt(1), "BuyRate": decimal.NewFromInt(1), "SellRate": decimal.NewFromInt(1)}},
		{"currencies", record{"Code": "EUR", "Description": "Euro", "Unit": decimal.NewFromInt(1), "BuyRate": decimal.RequireFromString("11.45"), "SellRate": decimal.RequireFromString("11.55"), "IsAutomatic": true}},
		{"currencies", record{"Code": "NOK", "Description": "Norsk krona", "Unit": decimal.NewFromInt(100), "BuyRate": decimal.RequireFromString("98.10"), "SellRate": decimal.RequireFromString("99.30"), "IsAutomatic": true}},
	}
	for _, sd := range seed {
		if _, err := s.putRegister(regs[sd.path], sd.rec); err != nil {
			return fmt.Errorf("seed %s %s: %w", sd.path, sd.rec.str("Code"), err)
		}
	}
	if s.opts.Warehouse {
		s.storeStockPoint(record{"code": "LAGER", "name": "Huvudlager", "stockLocations": []record{{"code": "A1", "name": "Hylla A1"}}})
		s.storeStockPoint(record{"code": "BUTIK", "name": "Butik", "usingCompanyAddress": true})
	}
	return nil
}

func (s *Server) seedCatalogue(cat demo.Catalogue) error {
	for _, a := range cat.Articles {
		in := record{
			"ArticleNumber": a.Number, "Description": a.Description, "EAN": a.EAN, "Unit": a.Unit,
			"PurchasePrice": a.PurchasePrice, "VAT": decimal.NewFromInt(int64(a.VAT)),
			"Manufacturer": a.Manufacturer, "Weight": int64(a.Weight), "StockGoods": true,
			"WebshopArticle": true, "Note": a.LongDescription, "StockPlace": a.Category,
			"SalesAccount": salesAccount(decimal.NewFromInt(int64(a.VAT))),
		}
		if !s.opts.Warehouse {
			in["QuantityInStock"] = a.Stock
		}
		if _, err := s.newArticle(in); err != nil {
			return fmt.Errorf("seed article %s: %w", a.Number, err)
		}
		if s.opts.Warehouse {
			shop := a.Stock.Div(decimal.NewFromInt(3)).Floor()
			s.st.stock[a.Number] = map[string]decimal.Decimal{"LAGER": a.Stock.Sub(shop), "BUTIK": shop}
			s.refreshStock(a.Number)
		}
		if _, err := s.setPrice(record{"PriceList": "A", "ArticleNumber": a.Number, "Price": a.Price}, true); err != nil {
			return fmt.Errorf("seed price %s: %w", a.Number, err)
		}
	}
	for _, c := range cat.Customers {
		in := record{"Name": c.Name, "Type": "PRIVATE", "Email": c.Email, "Phone1": c.Phone,
			"Address1": c.Address, "ZipCode": c.ZipCode, "City": c.City, "CountryCode": c.CountryCode}
		if c.Company != "" {
			in["Name"], in["Type"], in["OrganisationNumber"], in["YourReference"] = c.Company, "COMPANY", c.OrgNumber, c.Name
		}
		if _, err := s.newCustomer(in); err != nil {
			return fmt.Errorf("seed customer %s: %w", c.Name, err)
		}
	}
	return nil
}

// WalkInCustomerNumber is the demo store's walk-in customer ("Kontantkund", no e-mail), on
// which a shop books anonymous till sales: `starter setup` finds it by the shipped
// orders.walk_in_customer name.
const WalkInCustomerNumber = "51"

// buyers are the customers orders are seeded for: the ones with an e-mail address, as
// webshop and phone orders have.
func (s *Server) buyers() []*entry {
	var out []*entry
	for _, e := range sortedEntries(s.st.customers) {
		if e.rec.str("Email") != "" {
			out = append(out, e)
		}
	}
	return out
}

// seedOrders creates n orders over the last weeks; every fifth has no external reference
// (entered in Fortnox by hand), the rest look like webshop or POS orders.
func (s *Server) seedOrders(rng *rand.Rand, n int) error {
	arts := sortedEntries(s.st.articles)
	custs := s.buyers()
	if len(arts) == 0 || len(custs) == 0 {
		return nil
	}
	for i := 0; i < n; i++ {
		cust := custs[(i*7)%len(custs)].rec.str("CustomerNumber")
		var rows []record
		for j := 0; j <= rng.IntN(3); j++ {
			qty := decimal.NewFromInt(int64(1 + rng.IntN(3)))
			rows = append(rows, record{"ArticleNumber": arts[rng.IntN(len(arts))].rec.str("ArticleNumber"),
				"OrderedQuantity": qty, "DeliveredQuantity": qty})
		}
		in := record{"CustomerNumber": cust, "OrderRows": rows,
			"OrderDate": s.clock.Now().In(s.location).AddDate(0, 0, -(n - i)).Format("2006-01-02")}
		if i%5 != 4 {
			in["ExternalInvoiceReference1"] = fmt.Sprintf("WEB-%05d", 20000+i)
		}
		if _, err := s.newOrder(in); err != nil {
			return fmt.Errorf("seed order %d: %w", i+1, err)
		}
	}
	return nil
}

// stateView is GET /_sandbox/state.
type stateView struct {
	Counts    map[string]int `json:"counts"`
	Warehouse bool           `json:"warehouse"`
	Customers []any          `json:"customers"`
	Articles  []any          `json:"articles"`
	Orders    []any          `json:"orders"`
	Prices    []any          `json:"prices"`
	Stock     []any          `json:"stock_balances,omitempty"`
}

// State returns counts and the full records, in the single-resource form.
func (s *Server) State() any {
	s.mu.RLock()
	defer s.mu.RUnlock()
	raw := func(v any) any { return json.RawMessage(fortnoxJSON(v)) }
	view := stateView{
		Counts: map[string]int{
			"customers": len(s.st.customers), "articles": len(s.st.articles), "orders": len(s.st.orders),
			"prices": len(s.st.prices), "pricelists": len(s.st.priceLists), "termsofpayments": len(s.st.terms),
			"modesofpayments": len(s.st.modes), "wayofdeliveries": len(s.st.ways), "units": len(s.st.units), "currencies": len(s.st.currencies),
			"stockpoints": len(s.st.stockPoints), "invoices": len(s.st.invoices), "invoicepayments": len(s.st.payments),
		},
		Warehouse: s.opts.Warehouse,
		Customers: []any{}, Articles: []any{}, Orders: []any{}, Prices: []any{},
	}
	for _, e := range sortedEntries(s.st.customers) {
		view.Customers = append(view.Customers, raw(s.schemas.customer.view(e.rec, nil, false)))
	}
	for _, e := range sortedEntries(s.st.articles) {
		view.Articles = append(view.Articles, raw(s.articleView(e.rec, false)))
		for _, sp := range s.stockPointsByCode() {
			point := sp.rec.str("code")
			if q, ok := s.st.stock[e.rec.str("ArticleNumber")][point]; ok {
				view.Stock = append(view.Stock, map[string]any{"itemId": e.rec.str("ArticleNumber"), "stockPointCode": point, "inStock": jsonNumber(q)})
			}
		}
	}
	for _, e := range sortedEntries(s.st.orders) {
		view.Orders = append(view.Orders, raw(s.schemas.order.view(e.rec, nil, false)))
	}
	for _, e := range sortedEntries(s.st.prices) {
		view.Prices = append(view.Prices, raw(s.priceView(e.rec, false)))
	}
	return view
}

// DemoTick is one step of the live demo trickle: a new order, a stock change and an
// article edit, so a running stack always has work.
func (s *Server) DemoTick(rng *rand.Rand) {
	s.mu.Lock()
	defer s.mu.Unlock()
	arts := sortedEntries(s.st.articles)
	custs := s.buyers()
	if len(arts) == 0 {
		return
	}
	now := s.clock.Now()
	if len(custs) > 0 {
		art := arts[rng.IntN(len(arts))].rec.str("ArticleNumber")
		qty := decimal.NewFromInt(int64(1 + rng.IntN(2)))
		in := record{"CustomerNumber": custs[rng.IntN(len(custs))].rec.str("CustomerNumber"),
			"ExternalInvoiceReference1": fmt.Sprintf("WEB-%05d", 30000+s.st.nextOrder),
			"OrderRows":                 []record{{"ArticleNumber": art, "OrderedQuantity": qty, "DeliveredQuantity": qty}}}
		// A tick never fails on valid seeded data; a failure would only mean an empty register.
		_, _ = s.newOrder(in)
	}
	// Stock change: a delivery of a few units (or a correction down) on one article.
	stocked := arts[rng.IntN(len(arts))]
	delta := decimal.NewFromInt(int64(rng.IntN(11) - 3))
	art := stocked.rec.str("ArticleNumber")
	if s.opts.Warehouse {
		if sp := s.defaultStockPoint(); sp != nil {
			if s.st.stock[art] == nil {
				s.st.stock[art] = map[string]decimal.Decimal{}
			}
			code := sp.rec.str("code")
			s.st.stock[art][code] = s.st.stock[art][code].Add(delta)
		}
	} else {
		stocked.rec["QuantityInStock"] = stocked.rec.dec("QuantityInStock").Add(delta)
	}
	s.refreshStock(art)
	stocked.modified = now
	// Article edit: a price adjustment in the default price list (SalesPrice changes).
	edited := arts[rng.IntN(len(arts))]
	key := priceKey("A", edited.rec.str("ArticleNumber"), decimal.Zero)
	if p, ok := s.st.prices[key]; ok {
		price := p.rec.dec("Price").Add(decimal.NewFromInt(int64(rng.IntN(21) - 10)))
		if price.IsPositive() {
			rec := p.rec.clone()
			rec["Price"] = price
			p.rec, p.modified = rec, now
		}
	}
	edited.modified = now
}

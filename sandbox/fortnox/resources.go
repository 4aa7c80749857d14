package fortnox

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

func (s *Server) url(parts ...string) string {
	esc := make([]string, len(parts))
	for i, p := range parts {
		esc[i] = url.PathEscape(p)
	}
	return s.opts.BaseURL + "/3/" + strings.Join(esc, "/")
}

// readBody reads a request body; a failed read is answered like an empty body.
func readBody(r *http.Request) []byte {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return nil
	}
	return body
}

// ---- customers ----

func (s *Server) customerListSpec() listSpec {
	return listSpec{
		search: map[string]func(*entry, string) (bool, *apiError){
			"customernumber": substring("CustomerNumber"), "name": substring("Name"),
			"zipcode": substring("ZipCode"), "city": substring("City"), "email": substring("Email"),
			"phone": substring("Phone1"), "organisationnumber": substring("OrganisationNumber"),
			"gln": substring("GLN"), "glndelivery": substring("GLNDelivery"),
		},
		filters: map[string]func(*entry) bool{
			"active":   func(e *entry) bool { return e.rec.boolean("Active") },
			"inactive": func(e *entry) bool { return !e.rec.boolean("Active") },
		},
		sorts:        map[string]func(a, b *entry) int{"customernumber": byString("CustomerNumber"), "name": byString("Name")},
		lastModified: true,
	}
}

func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request, _ []string) {
	lq, err := s.parseList(r, s.customerListSpec())
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	page, total, err := lq.apply(sortedEntries(s.st.customers))
	if err != nil {
		s.writeError(w, err)
		return
	}
	items := make([]any, len(page))
	for i, e := range page {
		v := s.schemas.customer.view(e.rec, customerListFields, true)
		v["Phone"] = v["Phone1"] // the list item says Phone, the resource Phone1
		delete(v, "Phone1")
		items[i] = s.wire("Customer", e.rec, v)
	}
	s.writeList(w, "Customers", items, lq, total)
}

func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request, p []string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.st.customers[p[0]]
	if !ok {
		s.writeError(w, notFound(codeCustomerNotFnd, "Kan inte hitta kunden."))
		return
	}
	s.writeSingle(w, http.StatusOK, "Customer", s.wire("Customer", e.rec, s.schemas.customer.view(e.rec, nil, false)))
}

// applyCountryCodes validates ISO codes and derives the read-only country names.
func applyCountryCodes(rec, in record) *apiError {
	for _, pair := range [][2]string{{"CountryCode", "Country"}, {"DeliveryCountryCode", "DeliveryCountry"}, {"VisitingCountryCode", "VisitingCountry"}} {
		code, ok := in[pair[0]].(string)
		if !ok {
			continue
		}
		if code == "" {
			rec[pair[1]] = ""
			continue
		}
		name, known := countryName(code)
		if !known {
			return badRequest(codeBadValue, "Ogiltig landskod (%s: %q, ISO 3166-1 alfa-2 förväntas).", pair[0], code)
		}
		rec[pair[0]] = strings.ToUpper(code)
		rec[pair[1]] = name
	}
	return nil
}

// checkCodes verifies that register codes a record refers to exist.
func (s *Server) checkCodes(in record) *apiError {
	refs := []struct {
		field string
		table map[string]*entry
	}{
		{"TermsOfPayment", s.st.terms}, {"WayOfDelivery", s.st.ways}, {"PriceList", s.st.priceLists}, {"Unit", s.st.units},
	}
	for _, ref := range refs {
		if code, ok := in[ref.field].(string); ok && code != "" {
			if _, exists := ref.table[code]; !exists {
				return badRequest(codeBadValue, "Ogiltigt värde (%s: %q finns inte).", ref.field, code)
			}
		}
	}
	return nil
}

func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request, _ []string) {
	in, err := s.schemas.customer.decodeBody(readBody(r), nil)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.newCustomer(in)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeCreated(w, "customers", "Customer", s.wire("Customer", rec, s.schemas.customer.view(rec, nil, false)))
}

// newCustomer stores a customer from a decoded body, with the server defaults of a real POST.
func (s *Server) newCustomer(in record) (record, *apiError) {
	if in.str("Name") == "" {
		return nil, badRequest(codeRequired, "Name måste fyllas i.")
	}
	if err := s.checkCodes(in); err != nil {
		return nil, err
	}
	num := in.str("CustomerNumber")
	if num != "" {
		if s.st.usedCustomerNumbers[num] {
			return nil, badRequest(codeCustomerInUse, "Kundnummer %s används redan. Kundnummer kan inte återanvändas.", num)
		}
	} else {
		for {
			s.st.nextCustomer++
			num = strconv.FormatInt(s.st.nextCustomer, 10)
			if !s.st.usedCustomerNumbers[num] {
				break
			}
		}
	}
	rec := record{
		"Active": true, "Currency": "SEK", "Type": "COMPANY", "VATType": "SEVAT", "PriceList": "A",
		"Email": "", "EmailInvoice": "", "EmailOrder": "", "EmailOffer": "", "Phone1": "", "Phone2": "",
		"OrganisationNumber": "", "ShowPriceVATIncluded": false, "TermsOfPayment": "",
		"DefaultDeliveryTypes": record{"Invoice": "PRINT", "Order": "PRINT", "Offer": "PRINT"},
		"DefaultTemplates":     record{"Invoice": "DEFAULTTEMPLATE", "Order": "DEFAULTTEMPLATE", "Offer": "DEFAULTTEMPLATE", "CashInvoice": "DEFAULTTEMPLATE"},
		"InvoiceDiscount":      decimal.Zero,
	}
	mergeInto(rec, in)
	if err := applyCountryCodes(rec, in); err != nil {
		return nil, err
	}
	rec["CustomerNumber"] = num
	rec["@url"] = s.url("customers", num)
	s.st.usedCustomerNumbers[num] = true
	s.st.customers[num] = &entry{rec: rec, modified: s.clock.Now()}
	return rec, nil
}

// mergeInto applies a partial update; nested objects merge field by field.
func mergeInto(rec, in record) {
	for k, v := range in {
		if sub, ok := v.(record); ok {
			if cur, ok := rec[k].(record); ok {
				cur = cur.clone()
				mergeInto(cur, sub)
				rec[k] = cur
				continue
			}
		}
		rec[k] = v
	}
}

func (s *Server) updateCustomer(w http.ResponseWriter, r *http.Request, p []string) {
	in, err := s.schemas.customer.decodeBody(readBody(r), nil)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.st.customers[p[0]]
	if !ok {
		s.writeError(w, notFound(codeCustomerNotFnd, "Kan inte hitta kunden."))
		return
	}
	if n, ok := in["CustomerNumber"].(string); ok && n != p[0] {
		s.writeError(w, badRequest(codeBadValue, "Kundnummer kan inte ändras (%s → %s).", p[0], n))
		return
	}
	if err := s.checkCodes(in); err != nil {
		s.writeError(w, err)
		return
	}
	rec := e.rec.clone()
	mergeInto(rec, in)
	if err := applyCountryCodes(rec, in); err != nil {
		s.writeError(w, err)
		return
	}
	e.rec, e.modified = rec, s.clock.Now()
	s.writeSingle(w, http.StatusOK, "Customer", s.wire("Customer", rec, s.schemas.customer.view(rec, nil, false)))
}

func (s *Server) deleteCustomer(w http.ResponseWriter, r *http.Request, p []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.customers[p[0]]; !ok {
		s.writeError(w, notFound(codeCustomerNotFnd, "Kan inte hitta kunden."))
		return
	}
	delete(s.st.customers, p[0]) // the number stays in usedCustomerNumbers: never reused
	w.WriteHeader(http.StatusNoContent)
}

// ---- articles ----

func (s *Server) articleListSpec() listSpec {
	return listSpec{
		search: map[string]func(*entry, string) (bool, *apiError){
			"articlenumber": substring("ArticleNumber"), "description": substring("Description"),
			"ean": substring("EAN"), "suppliernumber": substring("SupplierNumber"),
			"manufacturer": substring("Manufacturer"), "manufacturerarticlenumber": substring("ManufacturerArticleNumber"),
			"webshop": boolParam("webshop", "WebshopArticle"),
		},
		filters: map[string]func(*entry) bool{
			"active":   func(e *entry) bool { return e.rec.boolean("Active") },
			"inactive": func(e *entry) bool { return !e.rec.boolean("Active") },
		},
		sorts: map[string]func(a, b *entry) int{
			"articlenumber": byString("ArticleNumber"), "quantityinstock": byDecimal("QuantityInStock"),
			"reservedquantity": byDecimal("ReservedQuantity"), "stockvalue": byDecimal("StockValue"),
		},
		lastModified: true,
	}
}

// articleView adds the derived SalesPrice (price list "A", from quantity 0).
func (s *Server) articleView(rec record, list bool) map[string]any {
	var only []string
	if list {
		only = articleListFields
	}
	v := s.schemas.article.view(rec, only, list)
	if p, ok := s.st.prices[priceKey("A", rec.str("ArticleNumber"), decimal.Zero)]; ok {
		price := p.rec.dec("Price")
		if list {
			v["SalesPrice"] = price.String()
		} else {
			v["SalesPrice"] = jsonNumber(price)
		}
	}
	return v
}

func (s *Server) listArticles(w http.ResponseWriter, r *http.Request, _ []string) {
	lq, err := s.parseList(r, s.articleListSpec())
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	page, total, err := lq.apply(sortedEntries(s.st.articles))
	if err != nil {
		s.writeError(w, err)
		return
	}
	items := make([]any, len(page))
	for i, e := range page {
		items[i] = s.wire("Article", e.rec, s.articleView(e.rec, true))
	}
	s.writeList(w, "Articles", items, lq, total)
}

func (s *Server) getArticle(w http.ResponseWriter, r *http.Request, p []string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.st.articles[p[0]]
	if !ok {
		s.writeError(w, notFound(codeArticleNotFound, "Kan inte hitta artikeln."))
		return
	}
	s.writeSingle(w, http.StatusOK, "Article", s.wire("Article", e.rec, s.articleView(e.rec, false)))
}

// articleReadOnly is what the warehouse module makes read-only on articles.
func (s *Server) articleReadOnly() map[string]string {
	if !s.opts.Warehouse {
		return nil
	}
	return map[string]string{"QuantityInStock": "QuantityInStock kan inte ändras när Lager är aktiverat; lagersaldo ändras endast via lagerdokument."}
}

func (s *Server) createArticle(w http.ResponseWriter, r *http.Request, _ []string) {
	in, err := s.schemas.article.decodeBody(readBody(r), s.articleReadOnly())
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.newArticle(in)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeCreated(w, "articles", "Article", s.wire("Article", rec, s.articleView(rec, false)))
}

func (s *Server) newArticle(in record) (record, *apiError) {
	if in.str("Description") == "" {
		return nil, badRequest(codeRequired, "Description måste fyllas i.")
	}
	if err := s.checkCodes(in); err != nil {
		return nil, err
	}
	num := in.str("ArticleNumber")
	if num != "" {
		if _, exists := s.st.articles[num]; exists {
			return nil, badRequest(codeArticleInUse, "Artikelnummer \"%s\" används redan.", num)
		}
	} else {
		for {
			s.st.nextArticle++
			num = strconv.FormatInt(s.st.nextArticle, 10)
			if _, exists := s.st.articles[num]; !exists {
				break
			}
		}
	}
	rec := record{
		"Active": true, "Type": "STOCK", "StockGoods": false, "Expired": false, "Bulky": false,
		"Housework": false, "WebshopArticle": false, "VAT": decimal.Zero, "PurchasePrice": decimal.Zero,
		"QuantityInStock": decimal.Zero, "ReservedQuantity": decimal.Zero, "StockWarning": decimal.Zero,
		"SalesAccount": int64(3001), "PurchaseAccount": int64(4000), "EUAccount": int64(3108),
		"EUVATAccount": int64(3106), "ExportAccount": int64(3105), "EAN": "", "StockPlace": "",
		"Manufacturer": "", "ManufacturerArticleNumber": "", "Note": "", "SupplierNumber": "",
	}
	mergeInto(rec, in)
	rec["ArticleNumber"] = num
	rec["@url"] = s.url("articles", num)
	e := &entry{rec: rec, modified: s.clock.Now()}
	s.st.articles[num] = e
	if s.opts.Warehouse {
		s.st.stock[num] = map[string]decimal.Decimal{}
	}
	s.refreshStock(num)
	return rec, nil
}

func (s *Server) updateArticle(w http.ResponseWriter, r *http.Request, p []string) {
	in, err := s.schemas.article.decodeBody(readBody(r), s.articleReadOnly())
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.st.articles[p[0]]
	if !ok {
		s.writeError(w, notFound(codeArticleNotFound, "Kan inte hitta artikeln."))
		return
	}
	if n, ok := in["ArticleNumber"].(string); ok && n != p[0] {
		s.writeError(w, badRequest(codeBadValue, "Artikelnummer kan inte ändras (%s → %s).", p[0], n))
		return
	}
	if err := s.checkCodes(in); err != nil {
		s.writeError(w, err)
		return
	}
	rec := e.rec.clone()
	mergeInto(rec, in)
	e.rec, e.modified = rec, s.clock.Now()
	s.refreshStock(p[0])
	s.writeSingle(w, http.StatusOK, "Article", s.wire("Article", e.rec, s.articleView(e.rec, false)))
}

func (s *Server) deleteArticle(w http.ResponseWriter, r *http.Request, p []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.articles[p[0]]; !ok {
		s.writeError(w, notFound(codeArticleNotFound, "Kan inte hitta artikeln."))
		return
	}
	for _, o := range s.st.orders {
		for _, row := range o.rec.rows("OrderRows") {
			if row.str("ArticleNumber") == p[0] {
				s.writeError(w, badRequest(codeBadValue, "Artikeln %s används på order %s och kan inte tas bort.", p[0], o.rec.str("DocumentNumber")))
				return
			}
		}
	}
	delete(s.st.articles, p[0])
	delete(s.st.stock, p[0])
	for k, pr := range s.st.prices {
		if pr.rec.str("ArticleNumber") == p[0] {
			delete(s.st.prices, k)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// ---- prices ----

func priceKey(list, article string, from decimal.Decimal) string {
	return list + "\x00" + article + "\x00" + from.String()
}

func (s *Server) priceView(rec record, list bool) map[string]any {
	var only []string
	if list {
		only = priceListFields
	}
	return s.schemas.price.view(rec, only, list)
}

func (s *Server) listPrices(w http.ResponseWriter, r *http.Request, _ []string) {
	lq, err := s.parseList(r, listSpec{search: map[string]func(*entry, string) (bool, *apiError){
		"articlenumber": substring("ArticleNumber"), "pricelist": substring("PriceList"),
	}, lastModified: true})
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	page, total, err := lq.apply(sortedEntries(s.st.prices))
	if err != nil {
		s.writeError(w, err)
		return
	}
	items := make([]any, len(page))
	for i, e := range page {
		items[i] = s.priceView(e.rec, true)
	}
	s.writeList(w, "Prices", items, lq, total)
}

func (s *Server) sublistPrices(w http.ResponseWriter, r *http.Request, p []string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, ok := s.st.articles[p[1]]; !ok {
		s.writeError(w, notFound(codeArticleNotFound, "Kan inte hitta artikeln."))
		return
	}
	var items []any
	for _, e := range sortedEntries(s.st.prices) {
		if e.rec.str("PriceList") == p[0] && e.rec.str("ArticleNumber") == p[1] {
			items = append(items, s.priceView(e.rec, true))
		}
	}
	if items == nil {
		items = []any{}
	}
	writeJSONBytes(w, http.StatusOK, fortnoxJSON(map[string]any{"Prices": items}))
}

// priceParams reads {PriceList}/{ArticleNumber}[/{FromQuantity}].
func priceParams(p []string) (string, string, decimal.Decimal, *apiError) {
	from := decimal.Zero
	if len(p) == 3 {
		d, err := decimal.NewFromString(p[2])
		if err != nil {
			return "", "", from, badRequest(codeNotNumeric, "Värdet måste vara numeriskt (FromQuantity: %q).", p[2])
		}
		from = d.Round(2)
	}
	return p[0], p[1], from, nil
}

func (s *Server) getPrice(w http.ResponseWriter, r *http.Request, p []string) {
	list, art, from, err := priceParams(p)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.st.prices[priceKey(list, art, from)]
	if !ok {
		s.writeError(w, notFound(codeNotFound, "Kan inte hitta priset."))
		return
	}
	s.writeSingle(w, http.StatusOK, "Price", s.priceView(e.rec, false))
}

func (s *Server) createPrice(w http.ResponseWriter, r *http.Request, _ []string) {
	in, err := s.schemas.price.decodeBody(readBody(r), nil)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.setPrice(in, true)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeCreated(w, "prices", "Price", s.priceView(rec, false))
}

// setPrice creates (create=true) or replaces a price tier and touches its article.
func (s *Server) setPrice(in record, create bool) (record, *apiError) {
	list, art := in.str("PriceList"), in.str("ArticleNumber")
	if list == "" || art == "" {
		return nil, badRequest(codeRequired, "ArticleNumber och PriceList måste fyllas i.")
	}
	a, ok := s.st.articles[art]
	if !ok {
		return nil, badRequest(codeArticleInRow, "Kunde inte hitta artikel %q.", art)
	}
	if _, ok := s.st.priceLists[list]; !ok {
		return nil, badRequest(codeBadValue, "Ogiltigt värde (PriceList: %q finns inte).", list)
	}
	from := in.dec("FromQuantity").Round(2)
	key := priceKey(list, art, from)
	now := s.clock.Now()
	cur, exists := s.st.prices[key]
	if create && exists {
		return nil, badRequest(codeBadValue, "Det finns redan ett pris för %s i prislista %s från antal %s.", art, list, from)
	}
	rec := record{"Percent": decimal.Zero, "Price": decimal.Zero}
	if exists {
		rec = cur.rec.clone()
	}
	mergeInto(rec, in)
	rec["FromQuantity"] = from
	rec["Date"] = now.In(s.location).Format("2006-01-02 15:04")
	rec["@url"] = s.url("prices", list, art, from.String())
	s.st.prices[key] = &entry{rec: rec, modified: now}
	if list == "A" && from.IsZero() {
		a.modified = now // SalesPrice is part of the article
	}
	return rec, nil
}

func (s *Server) updatePrice(w http.ResponseWriter, r *http.Request, p []string) {
	list, art, from, err := priceParams(p)
	if err != nil {
		s.writeError(w, err)
		return
	}
	in, err := s.schemas.price.decodeBody(readBody(r), nil)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.prices[priceKey(list, art, from)]; !ok {
		s.writeError(w, notFound(codeNotFound, "Kan inte hitta priset."))
		return
	}
	for k, want := range map[string]string{"PriceList": list, "ArticleNumber": art} {
		if v, ok := in[k].(string); ok && v != want {
			s.writeError(w, badRequest(codeBadValue, "%s kan inte ändras (%s → %s).", k, want, v))
			return
		}
	}
	if v, ok := in["FromQuantity"].(decimal.Decimal); ok && !v.Equal(from) {
		s.writeError(w, badRequest(codeBadValue, "FromQuantity kan inte ändras (%s → %s).", from, v))
		return
	}
	in["PriceList"], in["ArticleNumber"], in["FromQuantity"] = list, art, from
	rec, err := s.setPrice(in, false)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeSingle(w, http.StatusOK, "Price", s.priceView(rec, false))
}

func (s *Server) deletePrice(w http.ResponseWriter, r *http.Request, p []string) {
	list, art, from, err := priceParams(p)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := priceKey(list, art, from)
	if _, ok := s.st.prices[key]; !ok {
		s.writeError(w, notFound(codeNotFound, "Kan inte hitta priset."))
		return
	}
	delete(s.st.prices, key)
	if a, ok := s.st.articles[art]; ok && list == "A" && from.IsZero() {
		a.modified = s.clock.Now()
	}
	w.WriteHeader(http.StatusNoContent)
}

// ---- settings registers (code-keyed) ----

// register is a simple code register such as /3/units.
type register struct {
	path, wrapper, listWrapper string
	schema                     *schema
	deletable                  bool
	required                   []string
	table                      func(st *state) map[string]*entry
}

func (s *Server) registers() []register {
	return []register{
		{path: "pricelists", wrapper: "PriceList", listWrapper: "PriceLists", schema: s.schemas.priceList, required: []string{"Code", "Description"}, table: func(st *state) map[string]*entry { return st.priceLists }},
		{path: "termsofpayments", wrapper: "TermsOfPayment", listWrapper: "TermsOfPayments", schema: s.schemas.termsOfPayment, deletable: true, required: []string{"Code", "Description"}, table: func(st *state) map[string]*entry { return st.terms }},
		{path: "modesofpayments", wrapper: "ModeOfPayment", listWrapper: "ModesOfPayments", schema: s.schemas.modeOfPayment, deletable: true, required: []string{"Code", "AccountNumber"}, table: func(st *state) map[string]*entry { return st.modes }},
		{path: "wayofdeliveries", wrapper: "WayOfDelivery", listWrapper: "WayOfDeliveries", schema: s.schemas.wayOfDelivery, deletable: true, required: []string{"Code"}, table: func(st *state) map[string]*entry { return st.ways }},
		{path: "units", wrapper: "Unit", listWrapper: "Units", schema: s.schemas.unit, deletable: true, required: []string{"Code", "Description"}, table: func(st *state) map[string]*entry { return st.units }},
		{path: "currencies", wrapper: "Currency", listWrapper: "Currencies", schema: s.schemas.currency, deletable: true, required: []string{"Code", "Description"}, table: func(st *state) map[string]*entry { return st.currencies }},
	}
}

func (s *Server) listRegister(w http.ResponseWriter, r *http.Request, reg register) {
	lq, err := s.parseList(r, listSpec{})
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	page, total, err := lq.apply(sortedEntries(reg.table(s.st)))
	if err != nil {
		s.writeError(w, err)
		return
	}
	items := make([]any, len(page))
	for i, e := range page {
		items[i] = reg.schema.view(e.rec, nil, true)
	}
	s.writeList(w, reg.listWrapper, items, lq, total)
}

func (s *Server) getRegister(w http.ResponseWriter, reg register, code string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := reg.table(s.st)[code]
	if !ok {
		s.writeError(w, notFound(codeNotFound, fmt.Sprintf("Kan inte hitta %s %q.", reg.wrapper, code)))
		return
	}
	s.writeSingle(w, http.StatusOK, reg.wrapper, reg.schema.view(e.rec, nil, false))
}

func (s *Server) createRegister(w http.ResponseWriter, r *http.Request, reg register) {
	in, err := reg.schema.decodeBody(readBody(r), nil)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.putRegister(reg, in)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeCreated(w, reg.path, reg.wrapper, reg.schema.view(rec, nil, false))
}

// putRegister stores a new register entry after the required and uniqueness checks.
func (s *Server) putRegister(reg register, in record) (record, *apiError) {
	for _, f := range reg.required {
		if in.str(f) == "" {
			return nil, badRequest(codeRequired, "%s måste fyllas i.", f)
		}
	}
	code := in.str("Code")
	table := reg.table(s.st)
	if _, exists := table[code]; exists {
		return nil, badRequest(codeBadValue, "Koden %q används redan.", code)
	}
	rec := record{}
	for _, f := range reg.schema.fields {
		if f.kind == kString {
			rec[f.name] = ""
		}
	}
	if reg.path == "pricelists" {
		rec["PreSelected"] = false
	}
	mergeInto(rec, in)
	rec["@url"] = s.url(reg.path, code)
	table[code] = &entry{rec: rec, modified: s.clock.Now()}
	return rec, nil
}

func (s *Server) updateRegister(w http.ResponseWriter, r *http.Request, reg register, code string) {
	in, err := reg.schema.decodeBody(readBody(r), nil)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := reg.table(s.st)[code]
	if !ok {
		s.writeError(w, notFound(codeNotFound, fmt.Sprintf("Kan inte hitta %s %q.", reg.wrapper, code)))
		return
	}
	if c, ok := in["Code"].(string); ok && c != code {
		s.writeError(w, badRequest(codeBadValue, "Koden kan inte ändras (%s → %s).", code, c))
		return
	}
	rec := e.rec.clone()
	mergeInto(rec, in)
	e.rec, e.modified = rec, s.clock.Now()
	s.writeSingle(w, http.StatusOK, reg.wrapper, reg.schema.view(rec, nil, false))
}

func (s *Server) deleteRegister(w http.ResponseWriter, reg register, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	table := reg.table(s.st)
	if _, ok := table[code]; !ok {
		s.writeError(w, notFound(codeNotFound, fmt.Sprintf("Kan inte hitta %s %q.", reg.wrapper, code)))
		return
	}
	delete(table, code)
	w.WriteHeader(http.StatusNoContent)
}

// ---- company information ----

func (s *Server) getCompany(w http.ResponseWriter, r *http.Request, _ []string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.writeSingle(w, http.StatusOK, "CompanyInformation", s.st.company)
}

package fortnox

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"fortspeed/internal/countries"
)

var hundred = decimal.NewFromInt(100)

func (s *Server) orderListSpec() listSpec {
	dateBound := func(after bool) func(*entry, string) (bool, *apiError) {
		return func(e *entry, v string) (bool, *apiError) {
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				return false, badRequest(codeBadParam, "Ogiltig parameter i anropet (datum %q, ÅÅÅÅ-MM-DD).", v)
			}
			d := e.rec.str("OrderDate")
			if after {
				return d >= v, nil
			}
			return d <= v, nil
		}
	}
	return listSpec{
		search: map[string]func(*entry, string) (bool, *apiError){
			"customername": substring("CustomerName"), "customernumber": substring("CustomerNumber"),
			"documentnumber": substring("DocumentNumber"), "costcenter": substring("CostCenter"),
			"externalinvoicereference1": substring("ExternalInvoiceReference1"),
			"externalinvoicereference2": substring("ExternalInvoiceReference2"),
			"project":                   substring("Project"), "ourreference": substring("OurReference"),
			"yourreference": substring("YourReference"), "ordertype": substring("OrderType"),
			"sent": boolParam("sent", "Sent"), "notcompleted": boolParam("notcompleted", "NotCompleted"),
			"fromdate": dateBound(true), "todate": dateBound(false),
			"label": func(e *entry, v string) (bool, *apiError) {
				for _, l := range e.rec.rows("Labels") {
					if id, ok := l["Id"].(int64); ok && strconv.FormatInt(id, 10) == v {
						return true, nil
					}
				}
				return false, nil
			},
		},
		filters: map[string]func(*entry) bool{
			"cancelled": func(e *entry) bool { return e.rec.boolean("Cancelled") },
			"expired": func(e *entry) bool {
				d := e.rec.str("DeliveryDate")
				return !e.rec.boolean("Cancelled") && d != "" && d < s.today() && e.rec.str("InvoiceReference") == "0"
			},
			"invoicecreated": func(e *entry) bool { return e.rec.str("InvoiceReference") != "0" },
			"invoicenotcreated": func(e *entry) bool {
				return !e.rec.boolean("Cancelled") && e.rec.str("InvoiceReference") == "0"
			},
		},
		sorts: map[string]func(a, b *entry) int{
			"customername": byString("CustomerName"), "customernumber": byString("CustomerNumber"),
			"orderdate": byString("OrderDate"), "documentnumber": byString("DocumentNumber"),
			"total": byDecimal("Total"),
		},
		lastModified: true,
	}
}

func (s *Server) today() string { return s.clock.Now().In(s.location).Format(time.DateOnly) }

func (s *Server) listOrders(w http.ResponseWriter, r *http.Request, _ []string) {
	lq, err := s.parseList(r, s.orderListSpec())
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	page, total, err := lq.apply(sortedEntries(s.st.orders))
	if err != nil {
		s.writeError(w, err)
		return
	}
	items := make([]any, len(page))
	for i, e := range page {
		items[i] = s.wire("Order", e.rec, s.schemas.order.view(e.rec, orderListFields, true))
	}
	s.writeList(w, "Orders", items, lq, total)
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request, p []string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.st.orders[p[0]]
	if !ok {
		s.writeError(w, notFound(codeOrderNotFound, "Kan inte hitta ordern."))
		return
	}
	s.writeSingle(w, http.StatusOK, "Order", s.wire("Order", e.rec, s.schemas.order.view(e.rec, nil, false)))
}

// validCountryName accepts the names Fortnox takes on documents: "Sverige" for Sweden,
// English names otherwise (the short, ISO or official name of any ISO 3166-1 country, and
// "Turkey", the English name before "Türkiye"). ISO codes and "Sweden" are refused.
func validCountryName(name string) bool {
	switch code := countries.Code(name); {
	case name == "Sverige" || name == "Turkey":
		return true
	case code == "" || code == "SE" || strings.EqualFold(name, code):
		return false
	}
	return true
}

func checkOrderCountries(in record) *apiError {
	for _, f := range []string{"Country", "DeliveryCountry"} {
		if v, ok := in[f].(string); ok && v != "" && !validCountryName(v) {
			return badRequest(codeBadValue, "Ogiltigt land (%s: %q). Ange landets namn, t.ex. \"Sverige\" eller \"Norway\".", f, v)
		}
	}
	return nil
}

func (s *Server) createOrder(w http.ResponseWriter, r *http.Request, _ []string) {
	in, err := s.schemas.order.decodeBody(readBody(r), nil)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.newOrder(in)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.writeCreated(w, "orders", "Order", s.wire("Order", rec, s.schemas.order.view(rec, nil, false)))
}

// newOrder creates an order like POST /3/orders: customer data copied, rows priced from the
// price list, totals computed and stock reserved.
func (s *Server) newOrder(in record) (record, *apiError) {
	custNo := in.str("CustomerNumber")
	if custNo == "" {
		return nil, badRequest(codeRequired, "CustomerNumber måste fyllas i.")
	}
	cust, ok := s.st.customers[custNo]
	if !ok {
		return nil, badRequest(codeCustomerMissing, "Kunde inte hitta kund %q.", custNo)
	}
	if err := checkOrderCountries(in); err != nil {
		return nil, err
	}
	if err := s.checkCodes(in); err != nil {
		return nil, err
	}
	c := cust.rec
	terms := c.str("TermsOfPayment")
	if terms == "" {
		terms = "30"
	}
	s.st.nextOrder++
	num := strconv.FormatInt(s.st.nextOrder, 10)
	rec := record{
		"@urlTaxReductionList": s.opts.BaseURL + "/3/taxreductions?filter=orders&referencenumber=" + num,
		"DocumentNumber":       num, "CustomerNumber": custNo, "CustomerName": c.str("Name"),
		"Address1": c.str("Address1"), "Address2": c.str("Address2"), "ZipCode": c.str("ZipCode"),
		"City": c.str("City"), "Country": c.str("Country"), "Phone1": c.str("Phone1"), "Phone2": c.str("Phone2"),
		"OrganisationNumber": c.str("OrganisationNumber"), "DeliveryName": c.str("DeliveryName"),
		"DeliveryAddress1": c.str("DeliveryAddress1"), "DeliveryAddress2": c.str("DeliveryAddress2"),
		"DeliveryZipCode": c.str("DeliveryZipCode"), "DeliveryCity": c.str("DeliveryCity"),
		"DeliveryCountry": c.str("DeliveryCountry"), "Currency": c.str("Currency"),
		"CurrencyRate": decimal.NewFromInt(1), "CurrencyUnit": decimal.NewFromInt(1),
		"PriceList": c.str("PriceList"), "TermsOfPayment": terms, "WayOfDelivery": c.str("WayOfDelivery"),
		"TermsOfDelivery": c.str("TermsOfDelivery"), "YourReference": c.str("YourReference"),
		"OurReference": c.str("OurReference"), "VATIncluded": c.boolean("ShowPriceVATIncluded"),
		"OrderDate": s.today(), "Language": "SV", "OrderType": "Order", "Cancelled": false, "Sent": false,
		"NotCompleted": false, "CopyRemarks": false, "HouseWork": false, "WarehouseReady": false,
		"ExternalInvoiceReference1": "", "ExternalInvoiceReference2": "", "YourOrderNumber": "",
		"Comments": "", "Remarks": "", "InvoiceReference": "0", "OfferReference": "0",
		"Freight": decimal.Zero, "AdministrationFee": decimal.Zero, "AdministrationFeeVAT": decimal.Zero,
		"BasisTaxReduction": decimal.Zero, "TaxReduction": decimal.Zero, "TaxReductionType": "none",
		"TimeBasisReference": int64(0), "Project": "", "CostCenter": "", "PrintTemplate": "oc",
		"Labels": []record{}, "OrderRows": []record{},
	}
	if rec.str("Currency") == "" {
		rec["Currency"] = "SEK"
	}
	if s.opts.Warehouse {
		rec["DeliveryState"] = "reservation"
		if sp := s.defaultStockPoint(); sp != nil {
			rec["StockPointCode"], rec["StockPointId"] = sp.rec.str("code"), sp.rec.str("id")
		}
	}
	rows := in.rows("OrderRows")
	delete(in, "OrderRows")
	mergeInto(rec, in)
	built, err := s.buildRows(rows, nil, rec)
	if err != nil {
		s.st.nextOrder--
		return nil, err
	}
	rec["OrderRows"] = built
	rec["@url"] = s.url("orders", num)
	s.computeTotals(rec)
	s.reserve(rec)
	s.st.orders[num] = &entry{rec: rec, modified: s.clock.Now()}
	return rec, nil
}

// buildRows applies Fortnox's row rules: with RowIds rows merge by id, without them by
// position; omitted rows are deleted and every row gets a new RowId.
func (s *Server) buildRows(in, old []record, order record) ([]record, *apiError) {
	byID := map[int64]record{}
	for _, r := range old {
		if id, ok := r["RowId"].(int64); ok {
			byID[id] = r
		}
	}
	anyID := false
	for _, r := range in {
		if _, ok := r["RowId"]; ok {
			anyID = true
		}
	}
	out := make([]record, 0, len(in))
	for i, inRow := range in {
		var row record
		switch id, hasID := inRow["RowId"].(int64); {
		case hasID:
			base, ok := byID[id]
			if !ok {
				return nil, badRequest(codeBadValue, "Raden med RowId %d finns inte på ordern.", id)
			}
			row = base.clone()
		case !anyID && i < len(old):
			row = old[i].clone()
		default:
			row = record{}
		}
		changedArticle := inRow.str("ArticleNumber") != "" && inRow.str("ArticleNumber") != row.str("ArticleNumber")
		if changedArticle { // a new article brings its own defaults unless the row sets them
			for _, k := range []string{"Description", "Unit", "VAT", "Price", "AccountNumber"} {
				delete(row, k)
			}
		}
		mergeInto(row, inRow)
		if err := s.fillRow(row, order, changedArticle || row["Price"] == nil); err != nil {
			return nil, err
		}
		s.st.nextRowID++
		row["RowId"] = s.st.nextRowID
		out = append(out, row)
	}
	return out, nil
}

// fillRow fills a row's defaults from its article and computes its total.
func (s *Server) fillRow(row, order record, fromArticle bool) *apiError {
	setDefault := func(k string, v any) {
		if _, ok := row[k]; !ok {
			row[k] = v
		}
	}
	if art := row.str("ArticleNumber"); art != "" {
		a, ok := s.st.articles[art]
		if !ok {
			return badRequest(codeArticleInRow, "Kunde inte hitta artikel %q.", art)
		}
		if fromArticle {
			setDefault("Description", a.rec.str("Description"))
			setDefault("Unit", a.rec.str("Unit"))
			setDefault("VAT", a.rec.dec("VAT"))
			if _, ok := row["Price"]; !ok {
				list := order.str("PriceList")
				if list == "" {
					list = "A"
				}
				price := decimal.Zero
				if p, ok := s.st.prices[priceKey(list, art, decimal.Zero)]; ok {
					price = p.rec.dec("Price")
				}
				if order.boolean("VATIncluded") {
					price = price.Mul(hundred.Add(a.rec.dec("VAT"))).Div(hundred).Round(2)
				}
				row["Price"] = price
			}
		}
	}
	setDefault("Description", "")
	setDefault("OrderedQuantity", decimal.Zero)
	setDefault("DeliveredQuantity", decimal.Zero)
	setDefault("Price", decimal.Zero)
	setDefault("Discount", decimal.Zero)
	setDefault("DiscountType", "PERCENT")
	setDefault("VAT", decimal.NewFromInt(25))
	setDefault("Unit", "")
	setDefault("HouseWork", false)
	setDefault("CostCenter", "")
	setDefault("Project", "")
	if _, ok := row["AccountNumber"]; !ok {
		row["AccountNumber"] = salesAccount(row.dec("VAT"))
	}
	if row.str("Description") == "" && row.str("ArticleNumber") == "" {
		return badRequest(codeRequired, "En orderrad måste ha ArticleNumber eller Description.")
	}
	gross := row.dec("DeliveredQuantity").Mul(row.dec("Price"))
	if row.str("DiscountType") == "AMOUNT" {
		gross = gross.Sub(row.dec("Discount"))
	} else {
		gross = gross.Mul(hundred.Sub(row.dec("Discount"))).Div(hundred)
	}
	row["Total"] = gross.Round(2)
	cost := decimal.Zero
	if a, ok := s.st.articles[row.str("ArticleNumber")]; ok {
		cost = row.dec("DeliveredQuantity").Mul(a.rec.dec("PurchasePrice"))
	}
	net := row.dec("Total")
	if order.boolean("VATIncluded") {
		net = net.Mul(hundred).Div(hundred.Add(row.dec("VAT")))
	}
	value := net.Sub(cost).Round(2)
	row["ContributionValue"] = value
	row["ContributionPercent"] = percent(value, net)
	if _, ok := row["ReservedQuantity"]; !ok {
		row["ReservedQuantity"] = decimal.Zero
	}
	return nil
}

func salesAccount(vat decimal.Decimal) int64 {
	switch vat.IntPart() {
	case 12:
		return 3002
	case 6:
		return 3003
	case 0:
		return 3004
	}
	return 3001
}

func percent(part, whole decimal.Decimal) decimal.Decimal {
	if whole.IsZero() {
		return decimal.Zero
	}
	return part.Mul(hundred).Div(whole).Round(2)
}

// computeTotals sets the read-only order totals from the rows (amounts on delivered quantity).
func (s *Server) computeTotals(o record) {
	net, vat, contribution := decimal.Zero, decimal.Zero, decimal.Zero
	for _, row := range o.rows("OrderRows") {
		total, rate := row.dec("Total"), row.dec("VAT")
		if o.boolean("VATIncluded") {
			exVAT := total.Mul(hundred).Div(hundred.Add(rate))
			net = net.Add(exVAT)
			vat = vat.Add(total.Sub(exVAT))
		} else {
			net = net.Add(total)
			vat = vat.Add(total.Mul(rate).Div(hundred))
		}
		contribution = contribution.Add(row.dec("ContributionValue"))
	}
	freight := o.dec("Freight")
	freightVAT := freight.Mul(decimal.NewFromInt(25)).Div(hundred).Round(2)
	net, vat = net.Round(2), vat.Add(freightVAT).Round(2)
	gross := net.Add(freight).Add(o.dec("AdministrationFee"))
	raw := gross.Add(vat)
	total := raw.Round(0)
	o["Net"], o["Gross"], o["TotalVAT"], o["FreightVAT"] = net, gross, vat, freightVAT
	o["Total"], o["TotalToPay"], o["RoundOff"] = total, total, total.Sub(raw).Round(2)
	o["ContributionValue"] = contribution.Round(2)
	o["ContributionPercent"] = percent(contribution, net)
}

// reserve adds the order's reservations to its articles. Without the warehouse module the
// whole ordered quantity is reserved (disposable stock may go negative); with it, only what
// is available at the stock point, and nothing in the "registration" state.
func (s *Server) reserve(o record) {
	if o.boolean("Cancelled") {
		return
	}
	point := o.str("StockPointCode")
	for _, row := range o.rows("OrderRows") {
		a, ok := s.st.articles[row.str("ArticleNumber")]
		if !ok || a.rec.str("Type") != "STOCK" {
			row["ReservedQuantity"] = decimal.Zero
			continue
		}
		qty := row.dec("OrderedQuantity")
		if s.opts.Warehouse {
			if o.str("DeliveryState") == "registration" {
				qty = decimal.Zero
			} else {
				avail := s.stockAt(a.rec.str("ArticleNumber"), point).Sub(s.reservedAt(a.rec.str("ArticleNumber"), point))
				qty = decimal.Max(decimal.Zero, decimal.Min(qty, avail))
			}
		}
		row["ReservedQuantity"] = qty
		a.rec["ReservedQuantity"] = a.rec.dec("ReservedQuantity").Add(qty)
		a.modified = s.clock.Now()
		s.refreshStock(a.rec.str("ArticleNumber"))
	}
}

// release takes the order's reservations back.
func (s *Server) release(o record) {
	for _, row := range o.rows("OrderRows") {
		qty := row.dec("ReservedQuantity")
		row["ReservedQuantity"] = decimal.Zero
		a, ok := s.st.articles[row.str("ArticleNumber")]
		if !ok || qty.IsZero() {
			continue
		}
		a.rec["ReservedQuantity"] = a.rec.dec("ReservedQuantity").Sub(qty)
		a.modified = s.clock.Now()
		s.refreshStock(a.rec.str("ArticleNumber"))
	}
}

func (s *Server) updateOrder(w http.ResponseWriter, r *http.Request, p []string) {
	in, err := s.schemas.order.decodeBody(readBody(r), nil)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.st.orders[p[0]]
	if !ok {
		s.writeError(w, notFound(codeOrderNotFound, "Kan inte hitta ordern."))
		return
	}
	if e.rec.boolean("Cancelled") {
		s.writeError(w, badRequest(codeOrderLocked, "Ordern %s är makulerad och kan inte ändras.", p[0]))
		return
	}
	if invoiced(e.rec) {
		s.writeError(w, badRequest(codeOrderLocked, "Ordern %s är fakturerad och kan inte ändras.", p[0]))
		return
	}
	if err := checkOrderCountries(in); err != nil {
		s.writeError(w, err)
		return
	}
	if err := s.checkCodes(in); err != nil {
		s.writeError(w, err)
		return
	}
	if n := in.str("CustomerNumber"); n != "" {
		if _, ok := s.st.customers[n]; !ok {
			s.writeError(w, badRequest(codeCustomerMissing, "Kunde inte hitta kund %q.", n))
			return
		}
	}
	rec := e.rec.clone()
	rows, hasRows := in["OrderRows"].([]record)
	delete(in, "OrderRows")
	mergeInto(rec, in)
	if hasRows {
		built, err := s.buildRows(rows, e.rec.rows("OrderRows"), rec)
		if err != nil {
			s.writeError(w, err)
			return
		}
		rec["OrderRows"] = built
	} else {
		for _, row := range rec.rows("OrderRows") {
			if err := s.fillRow(row, rec, false); err != nil {
				s.writeError(w, err)
				return
			}
		}
	}
	s.computeTotals(rec)
	s.release(e.rec)
	s.reserve(rec)
	e.rec, e.modified = rec, s.clock.Now()
	s.writeSingle(w, http.StatusOK, "Order", s.wire("Order", rec, s.schemas.order.view(rec, nil, false)))
}

func (s *Server) cancelOrder(w http.ResponseWriter, r *http.Request, p []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.st.orders[p[0]]
	if !ok {
		s.writeError(w, notFound(codeOrderNotFound, "Kan inte hitta ordern."))
		return
	}
	if e.rec.boolean("Cancelled") {
		s.writeError(w, badRequest(codeOrderLocked, "Ordern %s är redan makulerad.", p[0]))
		return
	}
	if invoiced(e.rec) {
		s.writeError(w, badRequest(codeOrderLocked, "Ordern %s är fakturerad och kan inte makuleras.", p[0]))
		return
	}
	rec := e.rec.clone()
	s.release(rec)
	rec["Cancelled"] = true
	e.rec, e.modified = rec, s.clock.Now()
	s.writeSingle(w, http.StatusOK, "Order", s.wire("Order", rec, s.schemas.order.view(rec, nil, false)))
}

// invoiced reports whether createinvoice has made an invoice of the order.
func invoiced(o record) bool {
	ref := o.str("InvoiceReference")
	return ref != "" && ref != "0"
}

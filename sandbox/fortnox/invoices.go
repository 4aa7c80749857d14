package fortnox

import (
	"net/http"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// createInvoice is PUT /3/orders/{n}/createinvoice: the order's delivered quantities become
// an invoice, the order links it (InvoiceReference) and can no longer change. The invoice
// takes the goods out of stock and releases the order's reservation, so disposable stock
// is the same before and after.
func (s *Server) createInvoice(w http.ResponseWriter, _ *http.Request, p []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.st.orders[p[0]]
	if !ok {
		s.writeError(w, notFound(codeOrderNotFound, "Kan inte hitta ordern."))
		return
	}
	o := e.rec
	switch {
	case o.boolean("Cancelled"):
		s.writeError(w, badRequest(codeOrderLocked, "Ordern %s är makulerad och kan inte faktureras.", p[0]))
		return
	case invoiced(o):
		s.writeError(w, badRequest(codeOrderLocked, "Ordern %s är redan fakturerad (faktura %s).", p[0], o.str("InvoiceReference")))
		return
	}
	delivered := false
	for _, row := range o.rows("OrderRows") {
		if !row.dec("DeliveredQuantity").IsZero() {
			delivered = true
		}
	}
	if !delivered {
		s.writeError(w, badRequest(codeOrderLocked, "Ordern %s har inga levererade rader att fakturera.", p[0]))
		return
	}
	s.st.nextInvoice++
	num := strconv.FormatInt(s.st.nextInvoice, 10)
	inv := record{"@url": s.url("invoices", num), "DocumentNumber": num, "OrderReference": o.str("DocumentNumber"),
		"InvoiceDate": s.today(), "InvoiceType": "INVOICE", "Booked": false, "Cancelled": false, "Credit": "false",
		"PaymentWay": "", "FinalPayDate": nil}
	for _, k := range []string{"CustomerNumber", "CustomerName", "Address1", "Address2", "ZipCode", "City", "Country",
		"DeliveryName", "DeliveryAddress1", "DeliveryAddress2", "DeliveryZipCode", "DeliveryCity", "DeliveryCountry",
		"DeliveryDate", "Currency", "PriceList", "TermsOfPayment", "WayOfDelivery", "VATIncluded", "Remarks",
		"ExternalInvoiceReference1", "ExternalInvoiceReference2", "YourOrderNumber", "YourReference", "OurReference",
		"Total", "TotalVAT", "Net", "Gross", "RoundOff", "TotalToPay"} {
		inv[k] = o[k]
	}
	days, err := strconv.Atoi(o.str("TermsOfPayment"))
	if err != nil {
		days = 0
	}
	inv["DueDate"] = s.clock.Now().In(s.location).AddDate(0, 0, days).Format(time.DateOnly)
	var rows []record
	for _, row := range o.rows("OrderRows") {
		ir := record{}
		for _, k := range []string{"AccountNumber", "ArticleNumber", "Description", "Discount", "DiscountType",
			"Price", "Unit", "VAT", "Total", "CostCenter", "Project"} {
			ir[k] = row[k]
		}
		ir["DeliveredQuantity"] = row.dec("DeliveredQuantity")
		s.st.nextRowID++
		ir["RowId"] = s.st.nextRowID
		rows = append(rows, ir)
	}
	inv["InvoiceRows"] = rows
	inv["Balance"] = o.dec("Total")
	s.st.invoices[num] = &entry{rec: inv, modified: s.clock.Now()}

	rec := o.clone()
	s.release(rec)
	s.deliver(rec)
	rec["InvoiceReference"] = num
	e.rec, e.modified = rec, s.clock.Now()
	s.writeSingle(w, http.StatusOK, "Invoice", s.schemas.invoice.view(inv, nil, false))
}

// deliver takes an invoiced order's delivered quantities out of stock: the article's
// QuantityInStock, or the order's stock point with the warehouse module.
func (s *Server) deliver(o record) {
	for _, row := range o.rows("OrderRows") {
		art := row.str("ArticleNumber")
		a, ok := s.st.articles[art]
		qty := row.dec("DeliveredQuantity")
		if !ok || a.rec.str("Type") != "STOCK" || qty.IsZero() {
			continue
		}
		if s.opts.Warehouse {
			point := o.str("StockPointCode")
			if s.st.stock[art] == nil {
				s.st.stock[art] = map[string]decimal.Decimal{}
			}
			s.st.stock[art][point] = s.st.stock[art][point].Sub(qty)
		} else {
			a.rec["QuantityInStock"] = a.rec.dec("QuantityInStock").Sub(qty)
		}
		a.modified = s.clock.Now()
		s.refreshStock(art)
	}
}

func (s *Server) getInvoice(w http.ResponseWriter, _ *http.Request, p []string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.st.invoices[p[0]]
	if !ok {
		s.writeError(w, notFound(codeInvoiceNotFound, "Kan inte hitta fakturan."))
		return
	}
	s.writeSingle(w, http.StatusOK, "Invoice", s.schemas.invoice.view(e.rec, nil, false))
}

func (s *Server) invoicePaymentListSpec() listSpec {
	return listSpec{
		search: map[string]func(*entry, string) (bool, *apiError){
			"invoicenumber": func(e *entry, v string) (bool, *apiError) {
				if _, err := strconv.ParseInt(v, 10, 32); err != nil {
					return false, badRequest(codeBadParam, "Ogiltig parameter i anropet (invoicenumber %q).", v)
				}
				return strconv.FormatInt(e.rec["InvoiceNumber"].(int64), 10) == v, nil
			},
		},
		sorts:        map[string]func(a, b *entry) int{"paymentdate": byString("PaymentDate")},
		lastModified: true,
	}
}

func (s *Server) listInvoicePayments(w http.ResponseWriter, r *http.Request, _ []string) {
	lq, err := s.parseList(r, s.invoicePaymentListSpec())
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	page, total, err := lq.apply(sortedEntries(s.st.payments))
	if err != nil {
		s.writeError(w, err)
		return
	}
	items := make([]any, len(page))
	for i, e := range page {
		items[i] = s.schemas.invoicePayment.view(e.rec, invoicePaymentListFields, true)
	}
	s.writeList(w, "InvoicePayments", items, lq, total)
}

func (s *Server) getInvoicePayment(w http.ResponseWriter, _ *http.Request, p []string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.st.payments[p[0]]
	if !ok {
		s.writeError(w, notFound(codeInvoiceNotFound, "Kan inte hitta inbetalningen."))
		return
	}
	s.writeSingle(w, http.StatusOK, "InvoicePayment", s.schemas.invoicePayment.view(e.rec, nil, false))
}

// createInvoicePayment is POST /3/invoicepayments: a payment against an invoice, in a known
// mode of payment, lowering its balance. The payment is not booked (bookkeep is a separate
// call the sandbox does not serve).
func (s *Server) createInvoicePayment(w http.ResponseWriter, r *http.Request, _ []string) {
	in, err := s.schemas.invoicePayment.decodeBody(readBody(r), nil)
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	invNo, ok := in["InvoiceNumber"].(int64)
	if !ok {
		s.writeError(w, badRequest(codeRequired, "InvoiceNumber måste fyllas i."))
		return
	}
	inv, ok := s.st.invoices[strconv.FormatInt(invNo, 10)]
	if !ok {
		s.writeError(w, badRequest(codeInvoiceNotFound, "Kan inte hitta faktura %d.", invNo))
		return
	}
	mode := in.str("ModeOfPayment")
	m, ok := s.st.modes[mode]
	if mode == "" || !ok {
		s.writeError(w, badRequest(codeBadValue, "Ogiltigt värde (ModeOfPayment: %q finns inte).", mode))
		return
	}
	amount := in.dec("Amount")
	if amount.IsZero() {
		s.writeError(w, badRequest(codeRequired, "Amount måste fyllas i."))
		return
	}
	date := in.str("PaymentDate")
	if date == "" {
		date = s.today()
	}
	s.st.nextPayment++
	num := strconv.FormatInt(s.st.nextPayment, 10)
	account, _ := strconv.ParseInt(m.rec.str("AccountNumber"), 10, 64)
	pay := record{"@url": s.url("invoicepayments", num), "Number": num, "InvoiceNumber": invNo,
		"Amount": amount, "AmountCurrency": amount, "Booked": false, "Currency": inv.rec.str("Currency"),
		"CurrencyRate": decimal.NewFromInt(1), "CurrencyUnit": decimal.NewFromInt(1),
		"ExternalInvoiceReference1": inv.rec.str("ExternalInvoiceReference1"),
		"ExternalInvoiceReference2": inv.rec.str("ExternalInvoiceReference2"),
		"InvoiceCustomerName":       inv.rec.str("CustomerName"), "InvoiceCustomerNumber": inv.rec.str("CustomerNumber"),
		"InvoiceDueDate": inv.rec.str("DueDate"), "InvoiceOCR": "", "InvoiceTotal": inv.rec.dec("Total").String(),
		"ModeOfPayment": mode, "ModeOfPaymentAccount": account, "PaymentDate": date, "Source": "manual",
		"VoucherNumber": nil, "VoucherSeries": nil, "VoucherYear": nil, "WriteOffs": []record{}}
	s.st.payments[num] = &entry{rec: pay, modified: s.clock.Now()}
	rec := inv.rec.clone()
	rec["Balance"] = rec.dec("Balance").Sub(amount)
	if rec.dec("Balance").IsZero() {
		rec["FinalPayDate"] = date
	}
	inv.rec, inv.modified = rec, s.clock.Now()
	s.writeCreated(w, "invoicepayments", "InvoicePayment", s.schemas.invoicePayment.view(pay, nil, false))
}

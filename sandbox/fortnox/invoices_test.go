package fortnox

import "testing"

// An order delivered at the till becomes an invoice; the invoice is paid in a mode of
// payment; the order is locked from then on.
func TestCreateInvoicePayAndLock(t *testing.T) {
	sb := start(t, Options{NoLimits: true}, "empty")
	sb.json("POST", "/3/customers", `{"Customer":{"Name":"Kund AB","TermsOfPayment":"10"}}`, 201)
	sb.json("POST", "/3/articles", `{"Article":{"ArticleNumber":"TS-1","Description":"T-shirt","VAT":25,"QuantityInStock":5}}`, 201)
	sb.json("POST", "/3/prices", `{"Price":{"ArticleNumber":"TS-1","PriceList":"A","Price":100}}`, 201)
	o := obj(sb.json("POST", "/3/orders", `{"Order":{"CustomerNumber":"1","OrderRows":[{"ArticleNumber":"TS-1","OrderedQuantity":2}]}}`, 201)["Order"])
	row := obj(list(o["OrderRows"])[0])

	// Nothing delivered: nothing to invoice.
	sb.wantError("PUT", "/3/orders/1/createinvoice", "", 400, "2000593")
	sb.json("PUT", "/3/orders/1", `{"Order":{"DeliveryDate":"2026-12-01","ExternalInvoiceReference2":"LS-7",
		"OrderRows":[{"RowId":`+numText(t, row["RowId"])+`,"DeliveredQuantity":2}]}}`, 200)
	if a := article(sb, "TS-1"); numText(t, a["ReservedQuantity"]) != "2" || numText(t, a["DisposableQuantity"]) != "3" {
		t.Fatalf("before the invoice: %v", a)
	}
	inv := obj(sb.json("PUT", "/3/orders/1/createinvoice", "", 200)["Invoice"])
	if inv["DocumentNumber"] != "1" || inv["OrderReference"] != "1" || inv["ExternalInvoiceReference2"] != "LS-7" ||
		numText(t, inv["Total"]) != "250" || numText(t, inv["Balance"]) != "250" || inv["DeliveryDate"] != "2026-12-01" {
		t.Fatalf("invoice: %v", inv)
	}
	if r := obj(list(inv["InvoiceRows"])[0]); r["ArticleNumber"] != "TS-1" || numText(t, r["DeliveredQuantity"]) != "2" {
		t.Fatalf("invoice row: %v", r)
	}
	// The invoice takes the goods out of stock and ends the reservation.
	if a := article(sb, "TS-1"); numText(t, a["QuantityInStock"]) != "3" || numText(t, a["ReservedQuantity"]) != "0" || numText(t, a["DisposableQuantity"]) != "3" {
		t.Fatalf("after the invoice: %v", a)
	}
	if got := obj(sb.json("GET", "/3/orders/1", "", 200)["Order"]); got["InvoiceReference"] != "1" {
		t.Fatalf("order links its invoice: %v", got["InvoiceReference"])
	}
	sb.wantError("PUT", "/3/orders/1/createinvoice", "", 400, "2000593")
	sb.wantError("PUT", "/3/orders/1", `{"Order":{"Remarks":"x"}}`, 400, "2000593")
	sb.wantError("PUT", "/3/orders/1/cancel", "", 400, "2000593")

	sb.wantError("POST", "/3/invoicepayments", `{"InvoicePayment":{"InvoiceNumber":1,"Amount":250,"ModeOfPayment":"NOPE"}}`, 400, "2000591")
	sb.wantError("POST", "/3/invoicepayments", `{"InvoicePayment":{"InvoiceNumber":9,"Amount":250,"ModeOfPayment":"KORT"}}`, 400, "2000434")
	pay := obj(sb.json("POST", "/3/invoicepayments", `{"InvoicePayment":{"InvoiceNumber":1,"Amount":250,"ModeOfPayment":"KORT","PaymentDate":"2026-12-01"}}`, 201)["InvoicePayment"])
	if pay["Number"] != "1" || pay["ModeOfPayment"] != "KORT" || pay["Booked"] != false {
		t.Fatalf("payment: %v", pay)
	}
	if got := obj(sb.json("GET", "/3/invoices/1", "", 200)["Invoice"]); numText(t, got["Balance"]) != "0" || got["FinalPayDate"] != "2026-12-01" {
		t.Fatalf("paid invoice: %v", got)
	}
	pays := list(sb.json("GET", "/3/invoicepayments?invoicenumber=1", "", 200)["InvoicePayments"])
	if len(pays) != 1 || obj(pays[0])["Amount"] != "250" {
		t.Fatalf("payments of invoice 1: %v", pays)
	}
	if none := list(sb.json("GET", "/3/invoicepayments?invoicenumber=2", "", 200)["InvoicePayments"]); len(none) != 0 {
		t.Fatalf("payments of invoice 2: %v", none)
	}
	sb.wantError("GET", "/3/invoices/2", "", 404, "2000434")
}

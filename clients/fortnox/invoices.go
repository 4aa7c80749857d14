package fortnox

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"fortspeed/clients"
)

// OrderDelivery marks an order delivered (PUT /3/orders/{n}): the rows' delivered
// quantities, which Fortnox invoices, the delivery date and the second external
// reference. Rows carry their RowId, so Fortnox updates them in place; a row left out of
// Rows would be deleted, so callers send every row.
type OrderDelivery struct {
	DeliveryDate              string           `json:"DeliveryDate,omitempty"`
	ExternalInvoiceReference2 string           `json:"ExternalInvoiceReference2,omitempty"`
	Rows                      []OrderRowUpdate `json:"OrderRows"`
}

// OrderRowUpdate names an existing row by RowId and sets its delivered quantity.
type OrderRowUpdate struct {
	RowID             Int  `json:"RowId"`
	DeliveredQuantity *Num `json:"DeliveredQuantity,omitempty"`
}

// DeliverOrder applies d to the order and returns it as Fortnox stored it. Fortnox gives
// every row a new RowId on each update.
func (cl *Client) DeliverOrder(ctx context.Context, documentNumber string, d OrderDelivery) (Order, error) {
	const op = "mark order delivered"
	id, err := pathID(op, "document number", documentNumber)
	if err != nil {
		return Order{}, err
	}
	if err := checkLengths(op, maxLen{"ExternalInvoiceReference2", &d.ExternalInvoiceReference2, 80}); err != nil {
		return Order{}, err
	}
	if len(d.Rows) == 0 {
		return Order{}, &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op, Message: "no rows: Fortnox would delete every row"}
	}
	return single[Order](ctx, cl, call{op: op, method: http.MethodPut, endpoint: "PUT /3/orders/{DocumentNumber}",
		path: "/3/orders/" + id, body: map[string]any{"Order": d}}, "Order")
}

// CancelOrder cancels an order (PUT /3/orders/{n}/cancel).
func (cl *Client) CancelOrder(ctx context.Context, documentNumber string) (Order, error) {
	const op = "cancel order"
	id, err := pathID(op, "document number", documentNumber)
	if err != nil {
		return Order{}, err
	}
	return single[Order](ctx, cl, call{op: op, method: http.MethodPut, endpoint: "PUT /3/orders/{DocumentNumber}/cancel",
		path: "/3/orders/" + id + "/cancel"}, "Order")
}

// Invoice is the part of an invoice the pick-up flow reads.
type Invoice struct {
	DocumentNumber            Text   `json:"DocumentNumber"`
	OrderReference            Text   `json:"OrderReference"`
	CustomerNumber            Text   `json:"CustomerNumber"`
	InvoiceDate               string `json:"InvoiceDate"`
	ExternalInvoiceReference2 Text   `json:"ExternalInvoiceReference2"`
	Currency                  string `json:"Currency"`
	Total                     Num    `json:"Total"`
	Balance                   Num    `json:"Balance"`
	Booked                    Bool   `json:"Booked"`
	Cancelled                 Bool   `json:"Cancelled"`
}

// CreateInvoice makes an invoice of an order's delivered rows (PUT
// /3/orders/{n}/createinvoice). It is not idempotent: an order invoiced once is refused the
// second time, and its InvoiceReference names the invoice.
func (cl *Client) CreateInvoice(ctx context.Context, documentNumber string) (Invoice, error) {
	const op = "create invoice from order"
	id, err := pathID(op, "document number", documentNumber)
	if err != nil {
		return Invoice{}, err
	}
	return single[Invoice](ctx, cl, call{op: op, method: http.MethodPut, endpoint: "PUT /3/orders/{DocumentNumber}/createinvoice",
		path: "/3/orders/" + id + "/createinvoice"}, "Invoice")
}

// GetInvoice fetches one invoice.
func (cl *Client) GetInvoice(ctx context.Context, documentNumber string) (Invoice, error) {
	const op = "get invoice"
	id, err := pathID(op, "document number", documentNumber)
	if err != nil {
		return Invoice{}, err
	}
	return single[Invoice](ctx, cl, call{op: op, method: http.MethodGet, endpoint: "GET /3/invoices/{DocumentNumber}",
		path: "/3/invoices/" + id}, "Invoice")
}

// InvoicePayment is a payment registered against a customer invoice.
type InvoicePayment struct {
	Number        Text   `json:"Number"`
	InvoiceNumber Int    `json:"InvoiceNumber"`
	Amount        Num    `json:"Amount"`
	PaymentDate   string `json:"PaymentDate"`
	ModeOfPayment Text   `json:"ModeOfPayment"`
	Booked        Bool   `json:"Booked"`
}

// InvoicePaymentInput registers a payment (POST /3/invoicepayments).
type InvoicePaymentInput struct {
	InvoiceNumber int64  `json:"InvoiceNumber"`
	Amount        Num    `json:"Amount"`
	PaymentDate   string `json:"PaymentDate,omitempty"`
	ModeOfPayment string `json:"ModeOfPayment"`
}

// InvoicePayments lists the payments of one invoice.
func (cl *Client) InvoicePayments(ctx context.Context, invoiceNumber int64) ([]InvoicePayment, error) {
	const op = "list invoice payments"
	if invoiceNumber <= 0 {
		return nil, &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op, Message: "invoice number must be positive"}
	}
	return collect[InvoicePayment](ctx, cl, call{op: op, method: http.MethodGet, endpoint: "GET /3/invoicepayments",
		path: "/3/invoicepayments", query: url.Values{"invoicenumber": {strconv.FormatInt(invoiceNumber, 10)}}}, "InvoicePayments")
}

// CreateInvoicePayment registers a payment; Fortnox leaves it unbooked.
func (cl *Client) CreateInvoicePayment(ctx context.Context, in InvoicePaymentInput) (InvoicePayment, error) {
	const op = "create invoice payment"
	switch {
	case in.InvoiceNumber <= 0:
		return InvoicePayment{}, &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op, Message: "invoice number must be positive"}
	case in.ModeOfPayment == "":
		return InvoicePayment{}, &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op, Message: "mode of payment is empty"}
	}
	in.Amount.Valid = true
	return single[InvoicePayment](ctx, cl, call{op: op, method: http.MethodPost, endpoint: "POST /3/invoicepayments",
		path: "/3/invoicepayments", body: map[string]any{"InvoicePayment": in}}, "InvoicePayment")
}

package mapping

import (
	"time"

	"github.com/shopspring/decimal"
)

// SourceOrder is an order as read from either vendor, in one neutral shape, so the same
// field-mapping expressions work in both directions. It is the environment of the order
// expressions: `customer.email`, `billing.city`, `lines[0].sku`, `payments[0].method`.
type SourceOrder struct {
	Vendor    string          `json:"vendor" expr:"vendor"` // "fortnox" or "lightspeed"
	ID        string          `json:"id" expr:"id"`         // saleID or DocumentNumber
	Date      string          `json:"date" expr:"date"`     // YYYY-MM-DD
	Currency  string          `json:"currency" expr:"currency"`
	Customer  SourceCustomer  `json:"customer" expr:"customer"`
	Billing   Address         `json:"billing" expr:"billing"`
	Shipping  Address         `json:"shipping" expr:"shipping"`
	Lines     []SourceLine    `json:"lines" expr:"lines"`
	Payments  []Payment       `json:"payments" expr:"payments"`
	Total     decimal.Decimal `json:"total" expr:"total"`
	VATIncl   bool            `json:"vat_included" expr:"vat_included"` // line prices include VAT
	Note      string          `json:"note" expr:"note"`
	Reference string          `json:"reference" expr:"reference"` // the source's own external reference, if any
	// Created is when the source record was made, where the source says (a Lightspeed
	// sale's createTime); zero when unknown. The target record made from it cannot be
	// older, which bounds the page's check-exists listing.
	Created time.Time `json:"created,omitzero" expr:"created"`
}

// LightspeedReferencePrefix starts the ExternalInvoiceReference1 of every Fortnox order made
// from a Lightspeed sale; orders-to-lightspeed skips such orders so a sale never comes back.
const LightspeedReferencePrefix = "LS-"

// OrderReference is the idempotency key a record of flow carries in the target: LS-<saleID>
// on Fortnox orders, the DocumentNumber on Lightspeed sales. It is the same rule enrich
// applies to the draft, so the parent can look a page's records up before enriching them.
func OrderReference(flow, sourceID string) string {
	if flow == FlowOrdersToFortnox {
		return LightspeedReferencePrefix + sourceID
	}
	return sourceID
}

// SourceCustomer is the buyer as the source knows it.
type SourceCustomer struct {
	ID        string `json:"id" expr:"id"`
	Email     string `json:"email" expr:"email"`
	FirstName string `json:"first_name" expr:"first_name"`
	LastName  string `json:"last_name" expr:"last_name"`
	Company   string `json:"company" expr:"company"`
	OrgNumber string `json:"org_number" expr:"org_number"`
	Phone     string `json:"phone" expr:"phone"`
}

// Address is a postal address; Street holds street and number as the source sends them.
type Address struct {
	Name        string `json:"name" expr:"name"`
	Street      string `json:"street" expr:"street"`
	Street2     string `json:"street2" expr:"street2"`
	PostalCode  string `json:"postal_code" expr:"postal_code"`
	City        string `json:"city" expr:"city"`
	CountryCode string `json:"country_code" expr:"country_code"` // ISO 3166-1 alpha-2
	Country     string `json:"country" expr:"country"`           // a name, as Fortnox orders carry it
}

// SourceLine is one order line.
type SourceLine struct {
	SKU         string          `json:"sku" expr:"sku"`
	Description string          `json:"description" expr:"description"`
	Quantity    decimal.Decimal `json:"quantity" expr:"quantity"`
	UnitPrice   decimal.Decimal `json:"unit_price" expr:"unit_price"`
	VATPercent  decimal.Decimal `json:"vat_percent" expr:"vat_percent"`
	Discount    decimal.Decimal `json:"discount" expr:"discount"` // percent
}

// Payment is one payment on a sale; Method is the source's payment type name.
type Payment struct {
	Method string          `json:"method" expr:"method"`
	Amount decimal.Decimal `json:"amount" expr:"amount"`
}

// OrderDraft is what enrich produces and commit writes: the target record in neutral form,
// with every setting applied and every code mapped, validated for the target.
type OrderDraft struct {
	Flow      string `json:"flow"`
	SourceID  string `json:"source_id"`
	Reference string `json:"reference"` // the idempotency key in the target (LS-<saleID>, or the DocumentNumber)
	Date      string `json:"date"`
	Currency  string `json:"currency"`

	Customer CustomerDraft `json:"customer"`
	Billing  Address       `json:"billing"`
	Shipping Address       `json:"shipping"`

	Lines []LineDraft `json:"lines"`

	PricesIncludeVAT bool            `json:"prices_include_vat"`
	Total            decimal.Decimal `json:"total"`

	PaymentMethod  string `json:"payment_method,omitempty"`  // the source's name
	ModeOfPayment  string `json:"mode_of_payment,omitempty"` // Fortnox code, or Lightspeed payment type name
	TermsOfPayment string `json:"terms_of_payment,omitempty"`
	WayOfDelivery  string `json:"way_of_delivery,omitempty"`
	PriceList      string `json:"price_list,omitempty"`
	Remarks        string `json:"remarks,omitempty"`
}

// CustomerDraft says how the target customer is found or created.
type CustomerDraft struct {
	Email     string `json:"email"`
	Name      string `json:"name"`    // the person
	Company   string `json:"company"` // non-empty: a company customer with Name as contact
	OrgNumber string `json:"org_number"`
	Phone     string `json:"phone"`
	// DefaultID is the target's default customer (number or id), used when UseDefault is set.
	UseDefault bool   `json:"use_default"`
	DefaultID  string `json:"default_id,omitempty"`
	// WalkIn is the name of the Fortnox walk-in customer (orders.walk_in_customer) the
	// sale is booked on: it has no e-mail and no default customer is set.
	WalkIn string `json:"walk_in,omitempty"`
}

// IsCompany reports whether the target customer is a company with a contact person.
func (c CustomerDraft) IsCompany() bool { return c.Company != "" }

// LineDraft is one target line.
type LineDraft struct {
	SKU         string          `json:"sku"`
	Description string          `json:"description"`
	Quantity    decimal.Decimal `json:"quantity"`
	UnitPrice   decimal.Decimal `json:"unit_price"`
	VATPercent  decimal.Decimal `json:"vat_percent"`
	Discount    decimal.Decimal `json:"discount"`
}

// SKUs lists the distinct SKUs of the draft in line order.
func (d OrderDraft) SKUs() []string {
	seen := make(map[string]bool, len(d.Lines))
	var out []string
	for _, l := range d.Lines {
		if l.SKU != "" && !seen[l.SKU] {
			seen[l.SKU] = true
			out = append(out, l.SKU)
		}
	}
	return out
}

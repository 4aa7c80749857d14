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
	// ReferenceSource names the system Reference comes from (a Lightspeed sale's
	// referenceNumberSource): "Fortnox" on a sale orders-to-lightspeed made.
	ReferenceSource string `json:"reference_source,omitempty" expr:"reference_source"`
	// Cancelled is set on a Fortnox order that was cancelled.
	Cancelled bool `json:"cancelled,omitempty" expr:"cancelled"`
	// Created is when the source record was made, where the source says (a Lightspeed
	// sale's createTime); zero when unknown. The target record made from it cannot be
	// older, which bounds the page's check-exists listing.
	Created time.Time `json:"created,omitzero" expr:"created"`
	// ReturnOf is the sale a return refunds (its lines' parentSaleLineID lead there), where
	// enrich could tell.
	ReturnOf string `json:"return_of,omitempty" expr:"return_of"`
}

// FortnoxReferenceSource is the referenceNumberSource of the Lightspeed sales made from
// Fortnox orders; their referenceNumber is the DocumentNumber.
const FortnoxReferenceSource = "Fortnox"

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
	// Misc marks a line without an item (Lightspeed itemID 0): a misc charge, a gift wrap,
	// a service. Its description is the line's note.
	Misc     bool   `json:"misc,omitempty" expr:"misc"`
	ItemID   string `json:"item_id,omitempty" expr:"item_id"`
	LineType string `json:"line_type,omitempty" expr:"line_type"` // Lightspeed's lineType (item_fee, …)
	// ParentLineID is the line a return line refunds.
	ParentLineID string `json:"parent_line_id,omitempty" expr:"parent_line_id"`
	// ItemSKUs are the item's SKU fields by their Lightspeed names (customSku,
	// manufacturerSku, systemSku, upc, ean); orders.sku_fields picks SKU from them.
	ItemSKUs map[string]string `json:"item_skus,omitempty" expr:"item_skus"`
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

	// Pickup is set on a completed sale that was a Fortnox order sent to the till: it
	// settles that order instead of becoming a new one.
	Pickup *Pickup `json:"pickup,omitempty"`
	// Cancelled is set when the source order was cancelled: its open sale is voided.
	Cancelled bool `json:"cancelled,omitempty"`
	// ReturnOf is the source record a return refunds (orders.returns credit).
	ReturnOf string `json:"return_of,omitempty"`
	// Notes say what the mapping changed on the way (lines dropped, text cleaned, prices
	// rounded), for the record's summary.
	Notes []string `json:"notes,omitempty"`
}

// Pickup says which Fortnox order a sale paid at the till settles, and how.
type Pickup struct {
	Order string `json:"order"` // the Fortnox DocumentNumber
	Mode  string `json:"mode"`  // PickupMark or PickupInvoice
}

// PickupReference is what a Fortnox order settled by a sale carries in
// ExternalInvoiceReference2: the same LS-<saleID> a sale's own order would carry in
// ExternalInvoiceReference1.
func PickupReference(saleID string) string { return OrderReference(FlowOrdersToFortnox, saleID) }

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
	// Account is the Fortnox sales account of a row without an article (a misc line).
	Account string `json:"account,omitempty"`

	index int  // the line's position in the source, for reasons
	misc  bool // the source line has no item
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

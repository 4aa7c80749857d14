package mapping

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"fortspeed/clients/fortnox"
)

// fortnoxPrivateType is Customer.Type of a private person in Fortnox.
const fortnoxPrivateType = "PRIVATE"

// FortnoxCustomer is the customer fields orders-to-fortnox maps and compares: identity,
// contact, the postal address (from the draft's billing address) and the delivery address
// (from its shipping address, written only when the customer is created). The rest of a
// Fortnox customer (terms, price list) is never touched. Values are trimmed; Type and the
// country codes are upper case.
type FortnoxCustomer struct {
	Type          string `json:"type"` // COMPANY or PRIVATE
	Name          string `json:"name"`
	YourReference string `json:"your_reference"` // the contact person of a company
	OrgNumber     string `json:"org_number"`
	Email         string `json:"email"`
	Phone         string `json:"phone"`

	Address1    string `json:"address1"`
	Address2    string `json:"address2"`
	ZipCode     string `json:"zip_code"`
	City        string `json:"city"`
	CountryCode string `json:"country_code"`

	DeliveryName        string `json:"delivery_name"`
	DeliveryAddress1    string `json:"delivery_address1"`
	DeliveryAddress2    string `json:"delivery_address2"`
	DeliveryZipCode     string `json:"delivery_zip_code"`
	DeliveryCity        string `json:"delivery_city"`
	DeliveryCountryCode string `json:"delivery_country_code"`
}

// Kind names the customer's type in a summary: "company" or "private".
func (f FortnoxCustomer) Kind() string { return strings.ToLower(f.Type) }

// WantedFortnoxCustomer maps the draft: a company with the person as YourReference, or a
// private person, with the billing address as the customer's address and the shipping
// address as its delivery address.
func WantedFortnoxCustomer(c CustomerDraft, billing, shipping Address) FortnoxCustomer {
	trim := strings.TrimSpace
	f := FortnoxCustomer{Type: fortnoxPrivateType, Name: trim(c.Name),
		OrgNumber: trim(c.OrgNumber), Email: trim(c.Email), Phone: trim(c.Phone),
		Address1: trim(billing.Street), Address2: trim(billing.Street2), ZipCode: trim(billing.PostalCode),
		City: trim(billing.City), CountryCode: strings.ToUpper(trim(billing.CountryCode)),
		DeliveryName: trim(shipping.Name), DeliveryAddress1: trim(shipping.Street), DeliveryAddress2: trim(shipping.Street2),
		DeliveryZipCode: trim(shipping.PostalCode), DeliveryCity: trim(shipping.City),
		DeliveryCountryCode: strings.ToUpper(trim(shipping.CountryCode))}
	if c.IsCompany() {
		f.Type, f.Name, f.YourReference = fortnoxCompanyType, trim(c.Company), trim(c.Name)
	}
	return f
}

// FortnoxCustomerOf is the mapped fields of a customer as Fortnox has it (GET
// /3/customers/{n}), normalised as WantedFortnoxCustomer normalises the draft.
func FortnoxCustomerOf(c fortnox.Customer) FortnoxCustomer {
	trim := strings.TrimSpace
	return FortnoxCustomer{Type: strings.ToUpper(c.Type), Name: trim(c.Name),
		YourReference: trim(c.YourReference), OrgNumber: trim(string(c.OrganisationNumber)),
		Email: trim(c.Email), Phone: trim(string(c.Phone1)),
		Address1: trim(c.Address1), Address2: trim(c.Address2), ZipCode: trim(string(c.ZipCode)),
		City: trim(c.City), CountryCode: strings.ToUpper(trim(c.CountryCode)),
		DeliveryName: trim(c.DeliveryName), DeliveryAddress1: trim(c.DeliveryAddress1), DeliveryAddress2: trim(c.DeliveryAddress2),
		DeliveryZipCode: trim(string(c.DeliveryZipCode)), DeliveryCity: trim(c.DeliveryCity),
		DeliveryCountryCode: strings.ToUpper(trim(c.DeliveryCountryCode))}
}

// fortnoxZip compares postal codes without spaces: "114 55" and "11455" are one code.
func fortnoxZip(s string) string { return strings.ReplaceAll(s, " ", "") }

// FortnoxCustomerChanges returns the partial update that brings have to want, the changed
// fields' Fortnox names, and have with the update applied. Empty wanted values never blank
// a field in Fortnox (a sale without a phone or an address says nothing about them);
// e-mails and country codes compare without case, organisation numbers by their digits
// (Fortnox formats them with a dash) and postal codes without spaces. The delivery address
// is left alone: a sale's ship-to is the order's delivery address (a gift, a work
// address), not a new default for every later order, and rewriting it would touch the
// customer on every such sale.
func FortnoxCustomerChanges(have, want FortnoxCustomer) (fortnox.CustomerInput, []string, FortnoxCustomer) {
	var in fortnox.CustomerInput
	var names []string
	merged := have
	set := func(name string, differs bool, value string, field **string, dst *string) {
		if value == "" || !differs {
			return
		}
		v := value
		*field, *dst = &v, v
		names = append(names, name)
	}
	set("Type", have.Type != want.Type, want.Type, &in.Type, &merged.Type)
	set("Name", have.Name != want.Name, want.Name, &in.Name, &merged.Name)
	set("YourReference", have.YourReference != want.YourReference, want.YourReference, &in.YourReference, &merged.YourReference)
	set("OrganisationNumber", digits(have.OrgNumber) != digits(want.OrgNumber), want.OrgNumber, &in.OrganisationNumber, &merged.OrgNumber)
	set("Email", !strings.EqualFold(have.Email, want.Email), want.Email, &in.Email, &merged.Email)
	set("Phone1", have.Phone != want.Phone, want.Phone, &in.Phone1, &merged.Phone)
	set("Address1", have.Address1 != want.Address1, want.Address1, &in.Address1, &merged.Address1)
	set("Address2", have.Address2 != want.Address2, want.Address2, &in.Address2, &merged.Address2)
	set("ZipCode", fortnoxZip(have.ZipCode) != fortnoxZip(want.ZipCode), want.ZipCode, &in.ZipCode, &merged.ZipCode)
	set("City", have.City != want.City, want.City, &in.City, &merged.City)
	set("CountryCode", !strings.EqualFold(have.CountryCode, want.CountryCode), want.CountryCode, &in.CountryCode, &merged.CountryCode)
	return in, names, merged
}

// FortnoxCustomerInput is the input that creates customer f: every mapped field that is
// set.
func FortnoxCustomerInput(f FortnoxCustomer) fortnox.CustomerInput {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return fortnox.CustomerInput{Type: opt(f.Type), Name: opt(f.Name), YourReference: opt(f.YourReference),
		OrganisationNumber: opt(f.OrgNumber), Email: opt(f.Email), Phone1: opt(f.Phone),
		Address1: opt(f.Address1), Address2: opt(f.Address2), ZipCode: opt(f.ZipCode), City: opt(f.City),
		CountryCode: opt(f.CountryCode), DeliveryName: opt(f.DeliveryName), DeliveryAddress1: opt(f.DeliveryAddress1),
		DeliveryAddress2: opt(f.DeliveryAddress2), DeliveryZipCode: opt(f.DeliveryZipCode), DeliveryCity: opt(f.DeliveryCity),
		DeliveryCountryCode: opt(f.DeliveryCountryCode)}
}

// FortnoxOrderInput builds the order of customer (a Fortnox customer number): rows with
// delivered = ordered quantity, because Fortnox totals an order by its delivered
// quantities; country names; the draft's reference as ExternalInvoiceReference1, the
// idempotency key. Fortnox orders have no mode of payment field, so the mapped mode opens
// the remarks ("Betalsätt: KORT"), which Fortnox copies to the invoice, where the
// bookkeeper needs it.
func FortnoxOrderInput(d OrderDraft, customer string) fortnox.OrderInput {
	opt := func(s string) *string {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		return &s
	}
	vatIncluded := d.PricesIncludeVAT
	in := fortnox.OrderInput{
		CustomerNumber: customer,
		CustomerName:   opt(d.Billing.Name),
		Address1:       opt(d.Billing.Street), Address2: opt(d.Billing.Street2),
		ZipCode: opt(d.Billing.PostalCode), City: opt(d.Billing.City), Country: opt(d.Billing.Country),
		DeliveryName:     opt(d.Shipping.Name),
		DeliveryAddress1: opt(d.Shipping.Street), DeliveryAddress2: opt(d.Shipping.Street2),
		DeliveryZipCode: opt(d.Shipping.PostalCode), DeliveryCity: opt(d.Shipping.City),
		DeliveryCountry:           opt(d.Shipping.Country),
		OrderDate:                 opt(d.Date),
		Currency:                  opt(d.Currency),
		TermsOfPayment:            opt(d.TermsOfPayment),
		WayOfDelivery:             opt(d.WayOfDelivery),
		PriceList:                 opt(d.PriceList),
		ExternalInvoiceReference1: opt(d.Reference),
		ExternalInvoiceReference2: opt(returnReference(d)),
		Remarks:                   opt(fortnoxRemarks(d)),
		VATIncluded:               &vatIncluded,
	}
	percent := "PERCENT"
	for _, l := range d.Lines {
		row := fortnox.OrderRowInput{
			ArticleNumber:     opt(l.SKU),
			Description:       opt(l.Description),
			OrderedQuantity:   fortnox.NumOf(l.Quantity),
			DeliveredQuantity: fortnox.NumOf(l.Quantity),
			Price:             fortnox.NumOf(l.UnitPrice),
			VAT:               fortnox.NumOf(l.VATPercent),
		}
		if !l.Discount.IsZero() {
			row.Discount, row.DiscountType = fortnox.NumOf(l.Discount), &percent
		}
		if account, err := strconv.ParseInt(l.Account, 10, 64); err == nil {
			row.AccountNumber = &account // a row without an article is booked on its sales account
		}
		in.OrderRows = append(in.OrderRows, row)
	}
	return in
}

// FortnoxOrderTotal is what the order of FortnoxOrderInput totals to: the sum of the lines
// after discount, in the draft's VAT mode, to two decimals.
func FortnoxOrderTotal(d OrderDraft) decimal.Decimal {
	total := decimal.Zero
	for _, l := range d.Lines {
		gross := l.Quantity.Mul(l.UnitPrice)
		total = total.Add(gross.Sub(gross.Mul(l.Discount).Div(hundred)))
	}
	return total.Round(2)
}

// returnReference is the reference of the order a return's original sale became, "" for
// a sale that is no return or whose original is unknown.
func returnReference(d OrderDraft) string {
	if d.ReturnOf == "" {
		return ""
	}
	return OrderReference(d.Flow, d.ReturnOf)
}

// fortnoxRemarks puts the mode of payment before the mapped remarks, within Fortnox's
// 1024 characters.
func fortnoxRemarks(d OrderDraft) string {
	r := strings.TrimSpace(d.Remarks)
	if ref := returnReference(d); ref != "" {
		r = strings.TrimSpace("Retur av försäljning " + d.ReturnOf + " (" + ref + ")\n" + r)
	}
	if d.ModeOfPayment != "" {
		r = strings.TrimSpace("Betalsätt: " + d.ModeOfPayment + "\n" + r)
	}
	if runes := []rune(r); len(runes) > 1024 {
		r = string(runes[:1024])
	}
	return r
}

package mapping

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"fortspeed/clients/lightspeed"
)

// LightspeedCustomer is the customer fields orders-to-lightspeed maps and compares: a
// company with the person as contact, or a private person, and the postal address. A
// Lightspeed contact's addresses carry no use type (billing or delivery), so the draft's
// billing address is the one it gets; the shipping address stays on the order. Values are
// trimmed; the country code is upper case.
type LightspeedCustomer struct {
	FirstName, LastName string
	Company             string // non-empty: a company customer with the person as contact
	OrgNumber           string // companyRegistrationNumber
	Phone               string
	Address             lightspeed.ContactAddress
}

// WantedLightspeedCustomer maps the draft: the person's name split at its last space, the
// company, and the billing address.
func WantedLightspeedCustomer(c CustomerDraft, billing Address) LightspeedCustomer {
	first, last := splitName(c.Name)
	trim := strings.TrimSpace
	return LightspeedCustomer{FirstName: first, LastName: last, Company: trim(c.Company),
		OrgNumber: trim(c.OrgNumber), Phone: trim(c.Phone),
		Address: lightspeed.ContactAddress{Address1: trim(billing.Street), Address2: trim(billing.Street2),
			City: trim(billing.City), Zip: trim(billing.PostalCode),
			CountryCode: strings.ToUpper(trim(billing.CountryCode)), Country: trim(billing.Country)}}
}

// Kind names the customer's type in a summary: "company" or "person".
func (c LightspeedCustomer) Kind() string {
	if c.Company != "" {
		return "company"
	}
	return "person"
}

// Fingerprint is the mapped fields as one string: a customer whose fingerprint is the one
// last seen or written needs no update.
func (c LightspeedCustomer) Fingerprint() string {
	a := c.Address
	return strings.Join([]string{c.FirstName, c.LastName, c.Company, c.OrgNumber, c.Phone,
		a.Address1, a.Address2, a.Zip, a.City, a.CountryCode, a.Country}, "\x1f")
}

// hasAddress reports whether the draft says anything about the address.
func (c LightspeedCustomer) hasAddress() bool {
	a := c.Address
	return a.Address1 != "" || a.Address2 != "" || a.City != "" || a.Zip != "" || a.CountryCode != "" || a.Country != ""
}

// phoneUse is the Lightspeed phone slot the mapped phone goes to.
func (c LightspeedCustomer) phoneUse() string {
	if c.Company != "" {
		return "Work"
	}
	return "Mobile"
}

func lsOptional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// LightspeedCustomerInput is the input that creates customer c with the e-mail as its
// primary one, and no marketing by e-mail, phone or mail.
func LightspeedCustomerInput(c LightspeedCustomer, email string) lightspeed.CustomerInput {
	yes := true
	contact := &lightspeed.ContactInput{NoEmail: &yes, NoPhone: &yes, NoMail: &yes,
		Emails: []lightspeed.ContactEmail{{Address: email, UseType: "Primary"}}}
	if c.Phone != "" {
		contact.Phones = []lightspeed.ContactPhone{{Number: c.Phone, UseType: c.phoneUse()}}
	}
	if c.hasAddress() {
		contact.Addresses = []lightspeed.ContactAddress{c.Address}
	}
	return lightspeed.CustomerInput{FirstName: lsOptional(c.FirstName), LastName: lsOptional(c.LastName),
		Company: lsOptional(c.Company), CompanyRegistrationNumber: lsOptional(c.OrgNumber), Contact: contact}
}

// LightspeedCustomerChanges returns the update that brings the existing customer to the
// wanted fields c, and the names of the changed fields: the mapped fields that are set and
// differ. A field the order leaves empty never blanks what the shop has. The phone goes to
// its slot (Work for a company, Mobile for a person) unless the customer has the number
// already; the mapped address is laid over the contact's first address. The contact's
// phone and address lists are sent whole, their other entries unchanged.
func LightspeedCustomerChanges(existing lightspeed.Customer, c LightspeedCustomer) (lightspeed.CustomerInput, []string) {
	var in lightspeed.CustomerInput
	var changed []string
	diff := func(name, want, have string, field **string) {
		if want != "" && want != strings.TrimSpace(have) {
			*field = lsOptional(want)
			changed = append(changed, name)
		}
	}
	diff("first name", c.FirstName, existing.FirstName, &in.FirstName)
	diff("last name", c.LastName, existing.LastName, &in.LastName)
	diff("company", c.Company, existing.Company, &in.Company)
	diff("organisation number", c.OrgNumber, existing.CompanyRegistrationNumber, &in.CompanyRegistrationNumber)
	if c.Phone != "" {
		var phones []lightspeed.ContactPhone
		have := false
		if existing.Contact != nil {
			for _, p := range existing.Contact.Phones {
				if strings.TrimSpace(p.Number) == c.Phone {
					have = true
				}
				if p.UseType != c.phoneUse() {
					phones = append(phones, p)
				}
			}
		}
		if !have {
			// The lists replace the contact's lists: keep the other slots as they are.
			in.Contact = &lightspeed.ContactInput{Phones: append(phones, lightspeed.ContactPhone{Number: c.Phone, UseType: c.phoneUse()})}
			changed = append(changed, "phone")
		}
	}
	if c.hasAddress() {
		// The mapped address is the contact's first; the list replaces the contact's list,
		// so the others are sent back unchanged.
		var have []lightspeed.ContactAddress
		if existing.Contact != nil {
			have = existing.Contact.Addresses
		}
		var first lightspeed.ContactAddress
		if len(have) > 0 {
			first = have[0]
		}
		merged, parts := c.mergeAddress(first)
		if len(parts) > 0 {
			if in.Contact == nil {
				in.Contact = &lightspeed.ContactInput{}
			}
			in.Contact.Addresses = append([]lightspeed.ContactAddress{merged}, have[min(1, len(have)):]...)
			changed = append(changed, "address ("+strings.Join(parts, ", ")+")")
		}
	}
	return in, changed
}

// mergeAddress lays the mapped address over have: set values replace, empty ones keep what
// the shop has. It reports the names of the parts that changed.
func (c LightspeedCustomer) mergeAddress(have lightspeed.ContactAddress) (lightspeed.ContactAddress, []string) {
	merged := have
	var changed []string
	set := func(name, want string, dst *string, same func(a, b string) bool) {
		if want != "" && !same(want, strings.TrimSpace(*dst)) {
			*dst = want
			changed = append(changed, name)
		}
	}
	exact := func(a, b string) bool { return a == b }
	noSpaces := func(a, b string) bool { return strings.ReplaceAll(a, " ", "") == strings.ReplaceAll(b, " ", "") }
	set("street", c.Address.Address1, &merged.Address1, exact)
	set("street 2", c.Address.Address2, &merged.Address2, exact)
	set("postal code", c.Address.Zip, &merged.Zip, noSpaces)
	set("city", c.Address.City, &merged.City, exact)
	set("country", c.Address.CountryCode, &merged.CountryCode, strings.EqualFold)
	if len(changed) > 0 && c.Address.CountryCode != "" && c.Address.Country != "" {
		merged.Country = c.Address.Country // keep the name in step with the code
	}
	if c.Address.CountryCode == "" {
		set("country", c.Address.Country, &merged.Country, strings.EqualFold)
	}
	return merged, changed
}

// LightspeedSaleLines builds the lines of the open sale: the item of each line's SKU from
// itemIDs, prices as the Lightspeed account counts them (taxInclusive: with VAT; the
// draft's prices are converted with the line's VAT percent when its VAT mode differs), the
// percent discount as an amount. A line without a positive quantity or with a negative
// price is an *Error whose Reason names the line and its SKU.
func LightspeedSaleLines(d OrderDraft, itemIDs map[string]int64, taxInclusive bool) ([]lightspeed.SaleLineInput, error) {
	hundred := decimal.NewFromInt(100)
	lines := make([]lightspeed.SaleLineInput, 0, len(d.Lines))
	for i, l := range d.Lines {
		if !l.Quantity.IsPositive() {
			return nil, dataError(fmt.Sprintf("lines[%d].quantity", i),
				"line %d (SKU %s) has quantity %s; an open sale needs a positive quantity", i+1, l.SKU, l.Quantity)
		}
		if l.UnitPrice.IsNegative() {
			return nil, dataError(fmt.Sprintf("lines[%d].unit_price", i), "line %d (SKU %s) has a negative price", i+1, l.SKU)
		}
		price := l.UnitPrice
		factor := hundred.Add(l.VATPercent).Div(hundred)
		switch {
		case taxInclusive && !d.PricesIncludeVAT:
			price = price.Mul(factor).Round(4)
		case !taxInclusive && d.PricesIncludeVAT:
			price = price.DivRound(factor, 4)
		}
		line := lightspeed.SaleLineInput{ItemID: itemIDs[strings.TrimSpace(l.SKU)], UnitQuantity: l.Quantity, UnitPrice: &price}
		if l.Discount.IsPositive() {
			amount := l.Quantity.Mul(price).Mul(l.Discount).Div(hundred).Round(2)
			line.DiscountAmount = &amount
		}
		lines = append(lines, line)
	}
	return lines, nil
}

package mapping

import (
	"fmt"
	"unicode/utf8"

	"fortspeed/clients/fortnox"
)

type fortnoxText struct {
	field string
	value string
	max   int // characters; Fortnox's maxLength for the field the draft feeds
}

// validateForFortnox checks what Fortnox would refuse, so the record becomes needs_fix with a
// reason naming the field instead of failing at commit. Reasons name the character, never
// the value, as values may be personal data.
func validateForFortnox(d *OrderDraft) error {
	texts := []fortnoxText{
		{"customer.email", d.Customer.Email, 1024}, {"customer.name", d.Customer.Name, 1024},
		{"customer.company", d.Customer.Company, 1024}, {"customer.org_number", d.Customer.OrgNumber, 30},
		{"customer.phone", d.Customer.Phone, 1024}, {"remarks", d.Remarks, 1024},
	}
	if d.Customer.IsCompany() {
		// A company's contact person becomes the Fortnox customer's YourReference.
		texts = append(texts, fortnoxText{"customer.name", d.Customer.Name, 50})
	}
	for _, a := range []struct {
		name string
		addr Address
	}{{"billing", d.Billing}, {"shipping", d.Shipping}} {
		texts = append(texts,
			fortnoxText{a.name + ".name", a.addr.Name, 1024}, fortnoxText{a.name + ".street", a.addr.Street, 1024},
			fortnoxText{a.name + ".street2", a.addr.Street2, 1024}, fortnoxText{a.name + ".postal_code", a.addr.PostalCode, 10},
			fortnoxText{a.name + ".city", a.addr.City, 1024})
	}
	for i, l := range d.Lines {
		texts = append(texts,
			fortnoxText{fmt.Sprintf("lines[%d].sku", i), l.SKU, 200},
			fortnoxText{fmt.Sprintf("lines[%d].description", i), l.Description, 0})
	}
	for _, t := range texts {
		if r, bad := fortnox.RefusedRune(t.value); bad {
			return dataError(t.field, "Fortnox refuses the character %q (U+%04X); fix it at the source or map it away with regex_replace", r, r)
		}
		if n := utf8.RuneCountInString(t.value); t.max > 0 && n > t.max {
			return dataError(t.field, "%d characters, Fortnox takes at most %d", n, t.max)
		}
	}
	return nil
}

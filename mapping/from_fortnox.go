package mapping

import (
	"strings"

	"github.com/shopspring/decimal"

	"fortspeed/clients/fortnox"
)

// VendorFortnox is SourceOrder.Vendor for orders read from Fortnox.
const VendorFortnox = "fortnox"

// fortnoxCompanyType is Customer.Type of a company customer in Fortnox.
const fortnoxCompanyType = "COMPANY"

// FromFortnoxListItem is the slim record a Fortnox order listing gives: enough to name the
// record and look it up in Lightspeed; enrich reads the full order before mapping it.
func FromFortnoxListItem(o fortnox.OrderListItem) SourceOrder {
	return SourceOrder{
		Vendor:    VendorFortnox,
		ID:        strings.TrimSpace(string(o.DocumentNumber)),
		Date:      strings.TrimSpace(o.OrderDate),
		Currency:  strings.TrimSpace(o.Currency),
		Customer:  SourceCustomer{ID: strings.TrimSpace(string(o.CustomerNumber))},
		Total:     o.Total.Decimal,
		Reference: strings.TrimSpace(string(o.ExternalInvoiceReference1)),
		Cancelled: bool(o.Cancelled),
	}
}

// FromFortnoxOrder turns a full Fortnox order (GET /3/orders/{n}, with its rows) into the
// neutral source order the orders-to-lightspeed expressions read. c is the order's customer
// when the caller read it — because the order has no e-mail of its own, as orders typed in
// Fortnox usually do not — and nil otherwise: it supplies the e-mail, whether the buyer is a
// company and the organisation number and phone, which an order does not carry.
//
// It only reshapes. Country names stay names (Mapper.Order resolves them to codes through
// orders.countries and orders.country_aliases), and every rule — defaults, payment table,
// validation — is applied by Mapper.Order, so odd data becomes needs_fix there with a reason
// naming the field. Fortnox orders carry no mode of payment (only terms of payment), so the
// order has no payments and the draft takes orders.default_payment_type.
func FromFortnoxOrder(o fortnox.Order, c *fortnox.Customer) SourceOrder {
	src := SourceOrder{
		Vendor:    VendorFortnox,
		ID:        strings.TrimSpace(string(o.DocumentNumber)),
		Date:      strings.TrimSpace(o.OrderDate),
		Currency:  strings.TrimSpace(o.Currency),
		Customer:  fortnoxBuyer(o, c),
		Total:     o.Total.Decimal,
		VATIncl:   bool(o.VATIncluded),
		Note:      o.Remarks,
		Reference: strings.TrimSpace(string(o.ExternalInvoiceReference1)),
		Cancelled: bool(o.Cancelled),
		Billing: Address{
			Name:       strings.TrimSpace(o.CustomerName),
			Street:     strings.TrimSpace(o.Address1),
			Street2:    strings.TrimSpace(o.Address2),
			PostalCode: strings.TrimSpace(string(o.ZipCode)),
			City:       strings.TrimSpace(o.City),
			Country:    strings.TrimSpace(o.Country),
		},
		Shipping: Address{
			Name:       strings.TrimSpace(o.DeliveryName),
			Street:     strings.TrimSpace(o.DeliveryAddress1),
			Street2:    strings.TrimSpace(o.DeliveryAddress2),
			PostalCode: strings.TrimSpace(string(o.DeliveryZipCode)),
			City:       strings.TrimSpace(o.DeliveryCity),
			Country:    strings.TrimSpace(o.DeliveryCountry),
		},
	}
	// An order copies the customer's address when it is created; a customer saved without a
	// country still has its code, which the order cannot carry.
	if src.Billing.Country == "" && c != nil {
		src.Billing.CountryCode = strings.ToUpper(strings.TrimSpace(c.CountryCode))
	}
	for _, r := range o.OrderRows {
		if strings.TrimSpace(string(r.ArticleNumber)) == "" && r.OrderedQuantity.Decimal.IsZero() {
			continue // a text row: a comment printed on the order, nothing to sell
		}
		src.Lines = append(src.Lines, fortnoxLine(r))
	}
	return src
}

// fortnoxBuyer reads who bought: the order's own e-mail first, then the customer record's.
// A Fortnox company customer has the company as Name and the contact person as
// YourReference; without the customer record an order with a YourReference other than its
// customer name is read as a company's.
func fortnoxBuyer(o fortnox.Order, c *fortnox.Customer) SourceCustomer {
	name := strings.TrimSpace(o.CustomerName)
	contact := strings.TrimSpace(o.YourReference)
	sc := SourceCustomer{
		ID:    strings.TrimSpace(string(o.CustomerNumber)),
		Email: strings.TrimSpace(o.EmailInformation.EmailAddressTo),
	}
	company := contact != "" && !strings.EqualFold(contact, name)
	if c != nil {
		if sc.Email == "" {
			sc.Email = strings.TrimSpace(c.Email)
		}
		if name == "" {
			name = strings.TrimSpace(c.Name)
		}
		if contact == "" {
			contact = strings.TrimSpace(c.YourReference)
		}
		company = strings.EqualFold(strings.TrimSpace(c.Type), fortnoxCompanyType)
		sc.OrgNumber = strings.TrimSpace(string(c.OrganisationNumber))
		sc.Phone = strings.TrimSpace(string(c.Phone1))
	}
	person := name
	if company {
		sc.Company, person = name, contact
	}
	sc.FirstName, sc.LastName = splitName(person)
	return sc
}

// splitName splits a full name at its last space: Fortnox keeps one name field, the
// mappings join first and last name again, and Lightspeed wants them apart.
func splitName(full string) (first, last string) {
	full = strings.Join(strings.Fields(full), " ")
	i := strings.LastIndex(full, " ")
	if i < 0 {
		return full, ""
	}
	return full[:i], full[i+1:]
}

// fortnoxLine reads one order row. An AMOUNT discount (off the row total) becomes the
// percent the neutral line carries, to 6 decimals, so the amount is recovered to the öre.
func fortnoxLine(r fortnox.OrderRow) SourceLine {
	l := SourceLine{
		SKU:         strings.TrimSpace(string(r.ArticleNumber)),
		Description: strings.TrimSpace(r.Description),
		Quantity:    r.OrderedQuantity.Decimal,
		UnitPrice:   r.Price.Decimal,
		VATPercent:  r.VAT.Decimal,
		Discount:    r.Discount.Decimal,
	}
	if strings.EqualFold(strings.TrimSpace(r.DiscountType), "AMOUNT") && !l.Discount.IsZero() {
		gross := l.Quantity.Mul(l.UnitPrice)
		if gross.IsZero() {
			l.Discount = decimal.Zero
		} else {
			l.Discount = l.Discount.Mul(decimal.NewFromInt(100)).DivRound(gross, 6)
		}
	}
	return l
}

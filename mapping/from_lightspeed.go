package mapping

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"fortspeed/clients/lightspeed"
)

// VendorLightspeed is SourceOrder.Vendor for sales read from Lightspeed.
const VendorLightspeed = "lightspeed"

// FromLightspeedSale turns a completed sale, read with its SaleLines.Item, SaleLines.Note,
// SalePayments.PaymentType, Customer.Contact and ShipTo.Contact relations, into the neutral
// source order the orders-to-fortnox expressions read. It only reshapes: every rule
// (defaults, payment table, countries, validation) is applied later by Mapper.Order, so a
// record that reads oddly here becomes needs_fix there with a reason naming the field. loc is the shop's time zone
// for the order date (UTC when nil): a sale at 00:30 local time belongs to that local day.
func FromLightspeedSale(s lightspeed.Sale, loc *time.Location) SourceOrder {
	if loc == nil {
		loc = time.UTC
	}
	src := SourceOrder{
		Vendor:    VendorLightspeed,
		ID:        strconv.FormatInt(int64(s.SaleID), 10),
		VATIncl:   bool(s.IsTaxInclusive),
		Total:     s.Total.Decimal,
		Reference: s.ReferenceNumber,

		ReferenceSource: strings.TrimSpace(s.ReferenceNumberSource),
	}
	if src.Total.IsZero() {
		src.Total = s.CalcTotal.Decimal
	}
	if when := lsSaleTime(s); !when.IsZero() {
		src.Date = when.In(loc).Format(time.DateOnly)
	}
	if s.CustomerID > 0 && s.Customer != nil {
		src.Customer, src.Billing = lightspeedCustomer(*s.Customer)
	}
	if s.ShipTo != nil {
		src.Shipping, src.Note = lightspeedShipTo(*s.ShipTo)
	}
	for _, l := range s.SaleLines {
		src.Lines = append(src.Lines, lightspeedLine(l))
	}
	for _, p := range s.SalePayments {
		src.Payments = append(src.Payments, Payment{Method: lsPaymentMethod(p), Amount: p.Amount.Decimal})
	}
	return src
}

// lsSaleTime is when the sale was completed, falling back to its last change.
func lsSaleTime(s lightspeed.Sale) time.Time {
	if !s.CompleteTime.IsZero() {
		return s.CompleteTime.Time
	}
	return s.TimeStamp.Time
}

// lsPaymentMethod is the payment type's name, the key of orders.payment_methods. Without the
// loaded relation it names the type id, so the table lookup fails visibly instead of the
// payment silently taking the default.
func lsPaymentMethod(p lightspeed.SalePayment) string {
	if p.PaymentType != nil && strings.TrimSpace(p.PaymentType.Name) != "" {
		return strings.TrimSpace(p.PaymentType.Name)
	}
	if p.PaymentTypeID > 0 {
		return fmt.Sprintf("payment type %d", int64(p.PaymentTypeID))
	}
	return ""
}

// lightspeedCustomer reads the buyer and their first address (Lightspeed contacts carry
// one postal address in practice; the shipping address is the sale's ship-to, or the
// mapping's fallback to this one).
func lightspeedCustomer(c lightspeed.Customer) (SourceCustomer, Address) {
	sc := SourceCustomer{
		ID:        strconv.FormatInt(int64(c.CustomerID), 10),
		FirstName: strings.TrimSpace(c.FirstName),
		LastName:  strings.TrimSpace(c.LastName),
		Company:   strings.TrimSpace(c.Company),
		OrgNumber: strings.TrimSpace(c.CompanyRegistrationNumber),
	}
	if c.Contact == nil {
		return sc, Address{}
	}
	sc.Email = lsContactEmail(c.Contact.Emails)
	sc.Phone = lsContactPhone(c.Contact.Phones)
	var billing Address
	if len(c.Contact.Addresses) > 0 {
		billing = lsAddress(c.Contact.Addresses[0])
	}
	return sc, billing
}

// lightspeedShipTo reads a sale's ship-to: the recipient (the company, else the person) and
// the first address of its contact, as the shipping address, and its ship note. Without an
// address the mapping falls back to the billing address.
func lightspeedShipTo(st lightspeed.ShipTo) (Address, string) {
	name := strings.TrimSpace(st.Company)
	if name == "" {
		name = strings.TrimSpace(strings.TrimSpace(st.FirstName) + " " + strings.TrimSpace(st.LastName))
	}
	a := Address{Name: name}
	if st.Contact != nil && len(st.Contact.Addresses) > 0 {
		a = lsAddress(st.Contact.Addresses[0])
		a.Name = name
	}
	return a, strings.TrimSpace(st.ShipNote)
}

func lsAddress(a lightspeed.ContactAddress) Address {
	return Address{
		Street:      strings.TrimSpace(a.Address1),
		Street2:     strings.TrimSpace(a.Address2),
		PostalCode:  strings.TrimSpace(a.Zip),
		City:        strings.TrimSpace(a.City),
		CountryCode: strings.ToUpper(strings.TrimSpace(a.CountryCode)),
		Country:     strings.TrimSpace(a.Country),
	}
}

// lsContactEmail prefers the primary address, then the first one given.
func lsContactEmail(emails lightspeed.List[lightspeed.ContactEmail]) string {
	first := ""
	for _, e := range emails {
		addr := strings.TrimSpace(e.Address)
		if addr == "" {
			continue
		}
		if strings.EqualFold(e.UseType, "Primary") {
			return addr
		}
		if first == "" {
			first = addr
		}
	}
	return first
}

// lsContactPhone prefers a mobile number, then work, then home, then any.
func lsContactPhone(phones lightspeed.List[lightspeed.ContactPhone]) string {
	for _, want := range []string{"Mobile", "Work", "Home", ""} {
		for _, p := range phones {
			n := strings.TrimSpace(p.Number)
			if n != "" && (want == "" || strings.EqualFold(p.UseType, want)) {
				return n
			}
		}
	}
	return ""
}

// lightspeedLine reads one sale line. The SKU is the item's customSku, which the products
// flow sets to the Fortnox ArticleNumber; ItemSKUs carries the item's other SKU fields for
// orders.sku_fields. A line without an item (itemID 0) is Misc, described by its note.
func lightspeedLine(l lightspeed.SaleLine) SourceLine {
	sl := SourceLine{
		Quantity:  l.UnitQuantity.Decimal,
		UnitPrice: l.UnitPrice.Decimal,
		LineType:  strings.TrimSpace(l.LineType),
		Misc:      l.ItemID == 0,
	}
	if l.ItemID > 0 {
		sl.ItemID = strconv.FormatInt(int64(l.ItemID), 10)
	}
	if l.ParentSaleLineID > 0 {
		sl.ParentLineID = strconv.FormatInt(int64(l.ParentSaleLineID), 10)
	}
	if l.Item != nil && l.ItemID > 0 {
		sl.SKU = strings.TrimSpace(l.Item.CustomSku)
		sl.Description = strings.TrimSpace(l.Item.Description)
		sl.ItemSKUs = map[string]string{"customSku": sl.SKU, "manufacturerSku": strings.TrimSpace(l.Item.ManufacturerSku),
			"systemSku": strings.TrimSpace(l.Item.SystemSku), "upc": strings.TrimSpace(l.Item.UPC), "ean": strings.TrimSpace(l.Item.EAN)}
	}
	if l.Note != nil && strings.TrimSpace(l.Note.Note) != "" && (sl.Misc || sl.Description == "") {
		sl.Description = strings.TrimSpace(l.Note.Note)
	}
	if l.Tax {
		sl.VATPercent = lsRatePercent(l.Tax1Rate.Decimal).Add(lsRatePercent(l.Tax2Rate.Decimal))
	}
	sl.Discount = lsDiscountPercent(l)
	return sl
}

// lsRatePercent reads a Lightspeed tax rate, a fraction (0.25), as a percentage; a value
// above 1 is taken to be a percentage already.
func lsRatePercent(r decimal.Decimal) decimal.Decimal {
	if r.GreaterThan(decimal.NewFromInt(1)) {
		return r
	}
	return r.Mul(decimal.NewFromInt(100))
}

// lsDiscountPercent expresses the line's discount (an amount, a fraction, or Lightspeed's
// computed calcLineDiscount, plus its calcTransactionDiscount) as a percentage of the gross
// line, as Fortnox rows take it. A discount that is not a whole percentage keeps four decimals, well under one öre on
// any real line.
func lsDiscountPercent(l lightspeed.SaleLine) decimal.Decimal {
	gross := l.UnitQuantity.Mul(l.UnitPrice.Decimal)
	if gross.IsZero() {
		return decimal.Zero
	}
	amount := l.CalcLineDiscount.Decimal
	if amount.IsZero() {
		amount = l.DiscountAmount.Decimal
		if !l.DiscountPercent.IsZero() {
			amount = amount.Add(gross.Mul(l.DiscountPercent.Decimal))
		}
	}
	// A discount on the whole sale reaches Fortnox through its lines, which carry shares.
	amount = amount.Add(l.CalcTransactionDiscount.Decimal)
	if amount.IsZero() {
		return decimal.Zero
	}
	return amount.Mul(decimal.NewFromInt(100)).DivRound(gross.Abs(), 4)
}

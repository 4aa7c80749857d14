package mapping

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func newTestMapper(t *testing.T, yaml string) *Mapper {
	t.Helper()
	s, err := Parse("settings.yaml", []byte(yaml))
	require.NoError(t, err)
	m, err := NewMapper(s)
	require.NoError(t, err)
	return m
}

// lightspeedSale is a completed Lightspeed sale in neutral form.
func lightspeedSale() SourceOrder {
	return SourceOrder{
		Vendor: "lightspeed", ID: "1042", Date: "2026-11-27", Currency: "SEK",
		Customer: SourceCustomer{ID: "55", Email: "Anna.Svensson@Example.se", FirstName: "Anna", LastName: "Svensson", Phone: "070-1234567"},
		Billing:  Address{Street: "Storgatan 12 B", PostalCode: "111 22", City: "Stockholm", CountryCode: "SE"},
		Lines: []SourceLine{
			{SKU: "TS-RED-M", Description: "T-shirt röd M", Quantity: dec("2"), UnitPrice: dec("199.95"), VATPercent: dec("25")},
			{SKU: "MUG-1", Description: "Mugg", Quantity: dec("1.5"), UnitPrice: dec("0.3333"), VATPercent: dec("12"), Discount: dec("10")},
		},
		Payments: []Payment{{Method: "Credit Card", Amount: dec("400.35")}},
		Total:    dec("400.35"), VATIncl: true, Note: "Hämtas i butik",
	}
}

// fortnoxOrder is a Fortnox order in neutral form.
func fortnoxOrder() SourceOrder {
	return SourceOrder{
		Vendor: "fortnox", ID: "501", Date: "2026-11-26", Currency: "SEK",
		Customer: SourceCustomer{ID: "1001", Email: "inköp@firma.se", FirstName: "Bo", LastName: "Ek", Company: "Firma AB", OrgNumber: "556677-8899"},
		Billing:  Address{Name: "Firma AB", Street: "Industrivägen 4", PostalCode: "41101", City: "Göteborg", Country: "Norge"},
		Shipping: Address{Name: "Lager", Street: "Hamnen 1", PostalCode: "0150", City: "Oslo", Country: "Norway"},
		Lines:    []SourceLine{{SKU: "TS-RED-M", Quantity: dec("10"), UnitPrice: dec("159.96"), VATPercent: dec("25")}},
		Payments: []Payment{{Method: "KORT"}},
		Total:    dec("1999.50"),
	}
}

func TestOrderToFortnoxPerson(t *testing.T) {
	m := newTestMapper(t, "")
	d, err := m.Order(FlowOrdersToFortnox, lightspeedSale())
	require.NoError(t, err)

	assert.Equal(t, "LS-1042", d.Reference)
	assert.Equal(t, "1042", d.SourceID)
	assert.Equal(t, FlowOrdersToFortnox, d.Flow)
	assert.Equal(t, "2026-11-27", d.Date)
	assert.Equal(t, "SEK", d.Currency)
	assert.Equal(t, CustomerDraft{Email: "Anna.Svensson@Example.se", Name: "Anna Svensson", Phone: "070-1234567"}, d.Customer)
	assert.False(t, d.Customer.IsCompany())
	assert.Equal(t, Address{Name: "Anna Svensson", Street: "Storgatan 12 B", PostalCode: "111 22", City: "Stockholm", CountryCode: "SE", Country: "Sverige"}, d.Billing)
	assert.Equal(t, d.Billing, d.Shipping, "an empty shipping address falls back to billing")
	assert.Equal(t, "Credit Card", d.PaymentMethod)
	assert.Equal(t, "KORT", d.ModeOfPayment)
	assert.Equal(t, "30", d.TermsOfPayment)
	assert.Equal(t, "A", d.PriceList)
	assert.True(t, d.PricesIncludeVAT)
	assert.Equal(t, "Hämtas i butik", d.Remarks)
	require.Len(t, d.Lines, 2)
	assert.Equal(t, "TS-RED-M", d.Lines[0].SKU)
	assert.Equal(t, "199.95", d.Lines[0].UnitPrice.String())
	assert.Equal(t, "1.5", d.Lines[1].Quantity.String(), "decimal quantities are kept")
	assert.Equal(t, "0.33", d.Lines[1].UnitPrice.String(), "prices are rounded half-up to the 2 decimals Fortnox keeps")
	assert.Equal(t, []string{"rounded 1 unit prices to 2 decimals"}, d.Notes)
	assert.Equal(t, "10", d.Lines[1].Discount.String())
	assert.Equal(t, "12", d.Lines[1].VATPercent.String())
	assert.Equal(t, "400.35", d.Total.String())
	assert.Equal(t, []string{"TS-RED-M", "MUG-1"}, d.SKUs())
}

func TestOrderToFortnoxCompany(t *testing.T) {
	m := newTestMapper(t, "")
	src := lightspeedSale()
	src.Customer.Company = "Firma AB"
	src.Customer.OrgNumber = "556677-8899"
	src.Shipping = Address{Street: "Lagervägen 3", PostalCode: "0150", City: "Oslo", CountryCode: "no"}
	d, err := m.Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)

	assert.True(t, d.Customer.IsCompany())
	assert.Equal(t, "Firma AB", d.Customer.Company)
	assert.Equal(t, "Anna Svensson", d.Customer.Name, "the person is the contact")
	assert.Equal(t, "556677-8899", d.Customer.OrgNumber)
	assert.Equal(t, "Firma AB", d.Billing.Name)
	assert.Equal(t, Address{Name: "Firma AB", Street: "Lagervägen 3", PostalCode: "0150", City: "Oslo", CountryCode: "NO", Country: "Norway"}, d.Shipping)
}

func TestOrderToLightspeed(t *testing.T) {
	m := newTestMapper(t, "")
	d, err := m.Order(FlowOrdersToLightspeed, fortnoxOrder())
	require.NoError(t, err)

	assert.Equal(t, "501", d.Reference, "the Fortnox DocumentNumber")
	assert.True(t, d.Customer.IsCompany())
	assert.Equal(t, "Bo Ek", d.Customer.Name)
	assert.Equal(t, "NO", d.Billing.CountryCode, "Swedish names resolve to codes")
	assert.Equal(t, "Norge", d.Billing.Country)
	assert.Equal(t, Address{Name: "Lager", Street: "Hamnen 1", PostalCode: "0150", City: "Oslo", CountryCode: "NO", Country: "Norway"}, d.Shipping)
	assert.Equal(t, "KORT", d.PaymentMethod)
	assert.Equal(t, "Credit Card", d.ModeOfPayment, "Fortnox mode of payment → Lightspeed payment type name")
	assert.Empty(t, d.TermsOfPayment, "Fortnox terms do not apply to Lightspeed sales")
	assert.False(t, d.PricesIncludeVAT)
	assert.Equal(t, "159.96", d.Lines[0].UnitPrice.String())
}

func TestOrderFortnoxNormalisesCountryNames(t *testing.T) {
	src := fortnoxOrder()
	src.Payments = nil
	d, err := newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	assert.Equal(t, "Norway", d.Billing.Country, "Fortnox wants English names: Norge becomes Norway")
	assert.Equal(t, "NO", d.Billing.CountryCode)
}

func TestOrderMissingEmail(t *testing.T) {
	src := lightspeedSale()
	src.Customer.Email = "  "

	// The shipped settings: the walk-in customer, by name.
	d, err := newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	assert.Equal(t, "Kontantkund", d.Customer.WalkIn)
	assert.False(t, d.Customer.UseDefault)
	assert.Empty(t, d.Customer.Email)

	renamed, err := newTestMapper(t, "orders:\n  walk_in_customer: Butikskund\n").Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	assert.Equal(t, "Butikskund", renamed.Customer.WalkIn)

	_, err = newTestMapper(t, "orders:\n  walk_in_customer: \"\"\n").Order(FlowOrdersToFortnox, src)
	var mErr *Error
	require.True(t, errors.As(err, &mErr), "%v", err)
	assert.Equal(t, "customer.email", mErr.Field)
	assert.Equal(t, "customer.email: the order has no customer e-mail, and neither orders.default_customer.fortnox nor orders.walk_in_customer is set", err.Error())

	// An explicit default customer wins over the walk-in customer.
	m := newTestMapper(t, "orders:\n  default_customer: {fortnox: \"1000\", lightspeed: \"7\"}\n")
	d, err = m.Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	assert.True(t, d.Customer.UseDefault)
	assert.Equal(t, "1000", d.Customer.DefaultID)
	assert.Empty(t, d.Customer.WalkIn)

	// The walk-in customer is a Fortnox customer: a Fortnox order without e-mail still
	// needs the Lightspeed default.
	lsrc := fortnoxOrder()
	lsrc.Customer.Email = ""
	_, err = newTestMapper(t, "").Order(FlowOrdersToLightspeed, lsrc)
	assert.EqualError(t, err, "customer.email: the order has no customer e-mail and orders.default_customer.lightspeed is not set")
	d, err = m.Order(FlowOrdersToLightspeed, lsrc)
	require.NoError(t, err)
	assert.Equal(t, "7", d.Customer.DefaultID)
	assert.Empty(t, d.Customer.WalkIn)
}

func TestOrderForcedDefaultCustomer(t *testing.T) {
	m := newTestMapper(t, "orders:\n  force_default_customer: true\n  default_customer: {fortnox: \"1000\", lightspeed: \"7\"}\n")
	d, err := m.Order(FlowOrdersToFortnox, lightspeedSale())
	require.NoError(t, err)
	assert.True(t, d.Customer.UseDefault)
	assert.Equal(t, "1000", d.Customer.DefaultID)
	assert.Empty(t, d.Customer.WalkIn, "forced: the default customer, not the walk-in customer")
	assert.Equal(t, "Anna.Svensson@Example.se", d.Customer.Email, "the mapped customer is kept for reference")
}

func TestOrderBadEmail(t *testing.T) {
	src := lightspeedSale()
	src.Customer.Email = "anna at example.se"
	_, err := newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.EqualError(t, err, "customer.email: not an e-mail address", "no personal data in reasons")
}

func TestOrderPaymentMapping(t *testing.T) {
	src := lightspeedSale()
	src.Payments = []Payment{{Method: "Gift Card", Amount: dec("10")}, {Method: "Klarna", Amount: dec("390.40")}}

	_, err := newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	var mErr *Error
	require.True(t, errors.As(err, &mErr))
	assert.Equal(t, "payment_method", mErr.Field)
	assert.Equal(t, `payment method "Klarna" has no Fortnox mode of payment in orders.payment_methods and there is no default`, mErr.Reason)

	d, err := newTestMapper(t, "orders:\n  default_mode_of_payment: BG\n").Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	assert.Equal(t, "Klarna", d.PaymentMethod, "the largest payment decides")
	assert.Equal(t, "BG", d.ModeOfPayment)

	d, err = newTestMapper(t, "orders:\n  payment_methods: {Klarna: KLARNA}\n").Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	assert.Equal(t, "KLARNA", d.ModeOfPayment)

	fsrc := fortnoxOrder()
	fsrc.Payments = []Payment{{Method: "AUTOGIRO"}}
	_, err = newTestMapper(t, "").Order(FlowOrdersToLightspeed, fsrc)
	require.EqualError(t, err, `payment_method: payment method "AUTOGIRO" has no Lightspeed payment type in orders.modes_of_payment and there is no default`)

	fsrc.Payments = nil
	d, err = newTestMapper(t, "").Order(FlowOrdersToLightspeed, fsrc)
	require.NoError(t, err)
	assert.Empty(t, d.ModeOfPayment, "no payment and no default leaves it empty")
}

func TestOrderUnknownCountry(t *testing.T) {
	src := lightspeedSale()
	src.Billing.CountryCode = "XX"
	_, err := newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.EqualError(t, err, `billing.country_code: no Fortnox country name for code "XX"; add it under orders.countries`)

	src.Billing.CountryCode = ""
	src.Billing.Country = "Atlantis"
	_, err = newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.EqualError(t, err, `billing.country: Fortnox does not know the country "Atlantis"; add it under orders.countries or orders.country_aliases`)
}

func TestOrderFortnoxRefusals(t *testing.T) {
	m := newTestMapper(t, "")
	src := lightspeedSale()
	src.Customer.LastName = "O'Brien"
	_, err := m.Order(FlowOrdersToFortnox, src)
	require.EqualError(t, err, `customer.name: Fortnox refuses the character '\'' (U+0027); fix it at the source or map it away with regex_replace`)

	lsrc := src
	lsrc.Payments = nil
	d, err := m.Order(FlowOrdersToLightspeed, lsrc)
	require.NoError(t, err, "Lightspeed takes the apostrophe")
	assert.Equal(t, "Anna O'Brien", d.Customer.Name)

	src = lightspeedSale()
	src.Billing.PostalCode = "111 22 333 44"
	_, err = m.Order(FlowOrdersToFortnox, src)
	require.EqualError(t, err, "billing.postal_code: 13 characters, Fortnox takes at most 10")

	src = lightspeedSale()
	src.Lines[1].Description = "Mugg\t<blå> \"stor\""
	src.Note = "Ring \"Kalle\""
	d, err = m.Order(FlowOrdersToFortnox, src)
	require.NoError(t, err, "texts that only describe are cleaned, not needs_fix")
	assert.Equal(t, "Mugg blå stor", d.Lines[1].Description)
	assert.Equal(t, "Ring Kalle", d.Remarks)
	assert.Contains(t, d.Notes, "dropped characters Fortnox refuses from lines[1].description, remarks")

	src = lightspeedSale()
	src.Shipping = Address{Name: "Kalle \"K\"", Street: "Gatan 1", City: "Malmö"}
	_, err = m.Order(FlowOrdersToFortnox, src)
	require.ErrorContains(t, err, "shipping.name: Fortnox refuses the character '\"'", "names stay strict")

	fixed := newTestMapper(t, `
mappings:
  orders-to-fortnox:
    customer.name: fortnox_clean(join(" ", customer.first_name, customer.last_name))
    billing.name: fortnox_clean(coalesce(billing.name, customer.company, join(" ", customer.first_name, customer.last_name)))
    shipping.name: fortnox_clean(billing.name)
`)
	src = lightspeedSale()
	src.Customer.LastName = "O'Brien"
	d, err = fixed.Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	assert.Equal(t, "Anna OBrien", d.Customer.Name)
	assert.Equal(t, "Anna OBrien", d.Billing.Name)
}

func TestOrderVATConversion(t *testing.T) {
	d, err := newTestMapper(t, "orders:\n  vat_included: excluded\n").Order(FlowOrdersToFortnox, lightspeedSale())
	require.NoError(t, err)
	assert.False(t, d.PricesIncludeVAT)
	assert.Equal(t, "159.96", d.Lines[0].UnitPrice.String())
	assert.Equal(t, "0.3", d.Lines[1].UnitPrice.String(), "0.2976 without VAT, rounded to 2 decimals")

	d, err = newTestMapper(t, "orders:\n  vat_included: included\n").Order(FlowOrdersToLightspeed, fortnoxOrder())
	require.NoError(t, err)
	assert.True(t, d.PricesIncludeVAT)
	assert.Equal(t, "199.95", d.Lines[0].UnitPrice.String())
}

func TestOrderUserExpressions(t *testing.T) {
	m := newTestMapper(t, `
tables:
  skus: {TS-RED-M: TSHIRT-RED-M}
mappings:
  orders-to-fortnox:
    customer.name: upper(customer.last_name) + ", " + customer.first_name
    billing.street: street_name(billing.street)
    billing.street2: street_number(billing.street)
    lines.sku: lookup("skus", line.sku, line.sku)
    lines.unit_price: round(mul(line.unit_price, 0.8), 2)
    lines.description: concat(index + 1, ". ", line.description)
    remarks: format_date(date, "DD.MM.YYYY") + " " + order.id
`)
	src := lightspeedSale()
	src.Total = dec("320.28") // the mapped prices are 80 %: the rows must still total the sale
	d, err := m.Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	assert.Equal(t, "SVENSSON, Anna", d.Customer.Name)
	assert.Equal(t, "Storgatan", d.Billing.Street)
	assert.Equal(t, "12 B", d.Billing.Street2)
	assert.Equal(t, "TSHIRT-RED-M", d.Lines[0].SKU)
	assert.Equal(t, "MUG-1", d.Lines[1].SKU)
	assert.Equal(t, "159.96", d.Lines[0].UnitPrice.String())
	assert.Equal(t, "2. Mugg", d.Lines[1].Description)
	assert.Equal(t, "27.11.2026 1042", d.Remarks)
}

func TestOrderBadLineNeverPanics(t *testing.T) {
	m := newTestMapper(t, "mappings:\n  orders-to-fortnox:\n    lines.quantity: line.description\n")
	_, err := m.Order(FlowOrdersToFortnox, lightspeedSale())
	require.EqualError(t, err, `lines[0].quantity: "T-shirt röd M" is not a number`)

	m = newTestMapper(t, "mappings:\n  orders-to-fortnox:\n    lines.description: truncate(line.description, 3) + payments[5].method\n")
	_, err = m.Order(FlowOrdersToFortnox, lightspeedSale())
	var mErr *Error
	require.True(t, errors.As(err, &mErr))
	assert.Equal(t, "lines[0].description", mErr.Field)
	assert.Contains(t, mErr.Reason, "expression failed")

	src := lightspeedSale()
	src.Lines[1].SKU = ""
	_, err = newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.EqualError(t, err, "lines[1].sku: the line has no SKU")

	src.Lines = nil
	src.Payments = []Payment{{Method: "KORT"}}
	_, err = newTestMapper(t, "").Order(FlowOrdersToLightspeed, src)
	require.EqualError(t, err, "lines: the order has no lines")
}

func TestOrderRecordErrors(t *testing.T) {
	m := newTestMapper(t, "")
	src := lightspeedSale()
	src.Date = "27/11/2026"
	_, err := m.Order(FlowOrdersToFortnox, src)
	require.EqualError(t, err, `date: "27/11/2026" is not a date like 2026-11-27`)

	src = lightspeedSale()
	src.Currency = "kr"
	_, err = m.Order(FlowOrdersToFortnox, src)
	require.EqualError(t, err, `currency: "KR" is not a three-letter currency code`)

	src = lightspeedSale()
	src.Currency = ""
	d, err := m.Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	assert.Equal(t, "SEK", d.Currency, "the settings currency fills a missing one")

	src.ID = ""
	_, err = m.Order(FlowOrdersToFortnox, src)
	require.EqualError(t, err, "id: the source order has no id")

	_, err = m.Order("products", lightspeedSale())
	var mErr *Error
	require.Error(t, err)
	assert.False(t, errors.As(err, &mErr), "an unknown flow is not a data error")
}

func TestNewMapperCompilesHandBuiltSettings(t *testing.T) {
	s, err := Load("")
	require.NoError(t, err)
	bare := &Settings{Orders: s.Orders, Products: s.Products, Tables: s.Tables, Mappings: s.Mappings}
	m, err := NewMapper(bare)
	require.NoError(t, err)
	_, err = m.Order(FlowOrdersToFortnox, lightspeedSale())
	require.NoError(t, err)

	_, err = NewMapper(nil)
	require.Error(t, err)
}

func BenchmarkOrderToFortnox(b *testing.B) {
	s, err := Load("")
	require.NoError(b, err)
	m, err := NewMapper(s)
	require.NoError(b, err)
	src := lightspeedSale()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Order(FlowOrdersToFortnox, src); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/order")
}

func TestOrderConcurrentUse(t *testing.T) {
	m := newTestMapper(t, "mappings:\n  orders-to-fortnox:\n    remarks: regex_replace(note, \"[aeiou]\", \"_\")\n")
	done := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			var err error
			for j := 0; j < 20 && err == nil; j++ {
				_, err = m.Order(FlowOrdersToFortnox, lightspeedSale())
			}
			done <- err
		}()
	}
	for i := 0; i < 8; i++ {
		require.NoError(t, <-done)
	}
}

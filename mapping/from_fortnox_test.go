package mapping

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients/fortnox"
)

func fxNum(s string) fortnox.Num { return *fortnox.NumOf(decimal.RequireFromString(s)) }

// fxCompanyOrder is a Fortnox order of a company customer, as GET /3/orders/{n} returns it.
func fxCompanyOrder() fortnox.Order {
	return fortnox.Order{
		DocumentNumber: "12", CustomerNumber: "7", CustomerName: "Firma AB", YourReference: "Bo Ek",
		Address1: "Industrivägen 4", ZipCode: "411 01", City: "Göteborg", Country: "Sverige",
		DeliveryName: "Lager", DeliveryAddress1: "Hamnen 1", DeliveryZipCode: "0150", DeliveryCity: "Oslo", DeliveryCountry: "Norge",
		OrderDate: "2026-11-26", Currency: "SEK", Remarks: "Hämtas fredag", ExternalInvoiceReference1: "WEB-20001",
		Total: fxNum("1999.50"),
		OrderRows: []fortnox.OrderRow{
			{ArticleNumber: "TS-RED-M", Description: "T-shirt röd M", OrderedQuantity: fxNum("10"), Price: fxNum("159.96"), VAT: fxNum("25")},
			{Description: "Tack för din beställning!"},
			{ArticleNumber: "MUG-1", OrderedQuantity: fxNum("2"), Price: fxNum("50"), VAT: fxNum("12"), Discount: fxNum("10"), DiscountType: "AMOUNT"},
		},
	}
}

func TestFromFortnoxOrderCompanyWithCustomer(t *testing.T) {
	c := &fortnox.Customer{CustomerNumber: "7", Name: "Firma AB", Type: "COMPANY", Email: "Inkop@Firma.se",
		OrganisationNumber: "556677-8899", Phone1: "031-123456", YourReference: "Bo Ek", CountryCode: "SE"}
	src := FromFortnoxOrder(fxCompanyOrder(), c)

	assert.Equal(t, VendorFortnox, src.Vendor)
	assert.Equal(t, "12", src.ID)
	assert.Equal(t, "2026-11-26", src.Date)
	assert.Equal(t, "WEB-20001", src.Reference)
	assert.Equal(t, "Hämtas fredag", src.Note)
	assert.Equal(t, "1999.5", src.Total.String())
	assert.Equal(t, SourceCustomer{ID: "7", Email: "Inkop@Firma.se", FirstName: "Bo", LastName: "Ek", Company: "Firma AB",
		OrgNumber: "556677-8899", Phone: "031-123456"}, src.Customer, "the e-mail comes from the customer when the order has none")
	assert.Equal(t, Address{Name: "Firma AB", Street: "Industrivägen 4", PostalCode: "411 01", City: "Göteborg", Country: "Sverige"}, src.Billing)
	assert.Equal(t, Address{Name: "Lager", Street: "Hamnen 1", PostalCode: "0150", City: "Oslo", Country: "Norge"}, src.Shipping)
	assert.Empty(t, src.Payments, "Fortnox orders carry no mode of payment")

	require.Len(t, src.Lines, 2, "the text row is dropped")
	assert.Equal(t, "TS-RED-M", src.Lines[0].SKU)
	assert.Equal(t, "159.96", src.Lines[0].UnitPrice.String())
	assert.Equal(t, "10", src.Lines[0].Quantity.String())
	assert.Equal(t, "25", src.Lines[0].VATPercent.String())
	assert.Equal(t, "10", src.Lines[1].Discount.String(), "an AMOUNT discount of 10 on 100 is 10 percent")
}

func TestFromFortnoxOrderOwnEmailAndPerson(t *testing.T) {
	o := fxCompanyOrder()
	o.CustomerName, o.YourReference = "Anna Maria Svensson", ""
	o.EmailInformation.EmailAddressTo = " anna@example.se "
	c := &fortnox.Customer{Name: "Anna Maria Svensson", Type: "PRIVATE", Email: "old@example.se"}

	src := FromFortnoxOrder(o, c)
	assert.Equal(t, "anna@example.se", src.Customer.Email, "the order's own e-mail wins")
	assert.Empty(t, src.Customer.Company)
	assert.Equal(t, "Anna Maria", src.Customer.FirstName)
	assert.Equal(t, "Svensson", src.Customer.LastName)
}

func TestFromFortnoxOrderWithoutCustomer(t *testing.T) {
	src := FromFortnoxOrder(fxCompanyOrder(), nil)
	assert.Equal(t, "Firma AB", src.Customer.Company, "a YourReference other than the name reads as a company's contact")
	assert.Equal(t, "Bo", src.Customer.FirstName)
	assert.Empty(t, src.Customer.Email)

	o := fxCompanyOrder()
	o.YourReference = ""
	o.Country = ""
	src = FromFortnoxOrder(o, nil)
	assert.Empty(t, src.Customer.Company)
	assert.Equal(t, "Firma", src.Customer.FirstName)
	assert.Equal(t, "AB", src.Customer.LastName)
	assert.Empty(t, src.Billing.CountryCode)
}

func TestFromFortnoxOrderCountryCodeFromCustomer(t *testing.T) {
	o := fxCompanyOrder()
	o.Country = ""
	src := FromFortnoxOrder(o, &fortnox.Customer{Type: "COMPANY", CountryCode: "no"})
	assert.Equal(t, "NO", src.Billing.CountryCode)
}

func TestFromFortnoxOrderMapsToLightspeedDraft(t *testing.T) {
	s, err := Parse("settings.yaml", nil)
	require.NoError(t, err)
	m, err := NewMapper(s)
	require.NoError(t, err)
	c := &fortnox.Customer{Type: "COMPANY", Email: "inkop@firma.se", OrganisationNumber: "556677-8899"}

	d, err := m.Order(FlowOrdersToLightspeed, FromFortnoxOrder(fxCompanyOrder(), c))
	require.NoError(t, err)
	assert.Equal(t, "12", d.Reference, "the DocumentNumber is the idempotency key")
	assert.Equal(t, "SE", d.Billing.CountryCode, "Sverige resolves to SE")
	assert.Equal(t, "NO", d.Shipping.CountryCode, "Norge resolves to NO")
	assert.Equal(t, CustomerDraft{Email: "inkop@firma.se", Name: "Bo Ek", Company: "Firma AB", OrgNumber: "556677-8899"}, d.Customer)
	assert.Equal(t, []string{"TS-RED-M", "MUG-1"}, d.SKUs())
}

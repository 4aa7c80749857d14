package mapping

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients/fortnox"
)

func TestFortnoxCustomerChangesNeverBlank(t *testing.T) {
	have := FortnoxCustomer{Type: fortnoxPrivateType, Name: "A", Address1: "Gatan 1", ZipCode: "123 45", City: "Ort", CountryCode: "SE",
		DeliveryAddress1: "Lager 1", DeliveryCountryCode: "SE"}
	want := FortnoxCustomer{Type: fortnoxPrivateType, Name: "A", ZipCode: "12345", CountryCode: "se", City: "Kiruna"}
	in, names, merged := FortnoxCustomerChanges(have, want)
	assert.Equal(t, []string{"City"}, names)
	require.NotNil(t, in.City)
	assert.Equal(t, "Kiruna", *in.City)
	assert.Nil(t, in.Address1)
	assert.Nil(t, in.ZipCode)
	assert.Equal(t, "Gatan 1", merged.Address1)
	assert.Equal(t, "Lager 1", merged.DeliveryAddress1)
	assert.Equal(t, "Kiruna", merged.City)
}

func TestFortnoxCustomerChangesLeaveTheDeliveryAddress(t *testing.T) {
	have := FortnoxCustomer{Type: fortnoxPrivateType, Name: "A"}
	want := FortnoxCustomer{Type: fortnoxPrivateType, Name: "A", DeliveryName: "Jobbet", DeliveryAddress1: "Hamnen 2",
		DeliveryZipCode: "62155", DeliveryCity: "Visby", DeliveryCountryCode: "SE"}
	in, names, merged := FortnoxCustomerChanges(have, want)
	assert.Empty(t, names, "a sale's ship-to goes on its order, not on the customer")
	assert.Equal(t, fortnox.CustomerInput{}, in)
	assert.Equal(t, have, merged)
}

func TestWantedFortnoxCustomerIsACompanyOrAPrivatePerson(t *testing.T) {
	billing := Address{Street: " Storgatan 1 ", PostalCode: "114 55", City: "Stockholm", CountryCode: "se"}
	shipping := Address{Name: "Lager", Street: "Hamnen 2", City: "Visby", CountryCode: "se"}

	company := WantedFortnoxCustomer(CustomerDraft{Email: " anna@firma.se ", Name: " Anna Svensson ", Company: " Firma AB ", OrgNumber: "556677-8899"}, billing, shipping)
	assert.Equal(t, FortnoxCustomer{Type: "COMPANY", Name: "Firma AB", YourReference: "Anna Svensson", OrgNumber: "556677-8899",
		Email: "anna@firma.se", Address1: "Storgatan 1", ZipCode: "114 55", City: "Stockholm", CountryCode: "SE",
		DeliveryName: "Lager", DeliveryAddress1: "Hamnen 2", DeliveryCity: "Visby", DeliveryCountryCode: "SE"}, company)
	assert.Equal(t, "company", company.Kind())

	private := WantedFortnoxCustomer(CustomerDraft{Email: "bo@example.se", Name: "Bo Ek"}, billing, Address{})
	assert.Equal(t, "PRIVATE", private.Type)
	assert.Equal(t, "Bo Ek", private.Name)
	assert.Empty(t, private.YourReference)
	assert.Empty(t, private.DeliveryCountryCode)
	assert.Equal(t, "private", private.Kind())
}

func TestFortnoxCustomerOfComparesAsTheDraft(t *testing.T) {
	have := FortnoxCustomerOf(fortnox.Customer{Type: "company", Name: " Firma AB ", YourReference: "Anna Svensson",
		OrganisationNumber: "556677-8899", Email: "ANNA@firma.se", Phone1: "08-123", Address1: "Storgatan 1",
		ZipCode: "114 55", City: "Stockholm", CountryCode: "se"})
	assert.Equal(t, "COMPANY", have.Type)
	assert.Equal(t, "Firma AB", have.Name)
	assert.Equal(t, "SE", have.CountryCode)

	want := WantedFortnoxCustomer(CustomerDraft{Email: "anna@firma.se", Name: "Anna Svensson", Company: "Firma AB", OrgNumber: "5566778899"},
		Address{Street: "Storgatan 1", PostalCode: "11455", City: "Stockholm", CountryCode: "SE"}, Address{})
	in, names, merged := FortnoxCustomerChanges(have, want)
	assert.Empty(t, names, "org number by digits, e-mail without case, postal code without spaces; an empty phone keeps 08-123")
	assert.Equal(t, fortnox.CustomerInput{}, in)
	assert.Equal(t, have, merged)

	want.Phone = "08-456"
	in, names, merged = FortnoxCustomerChanges(have, want)
	assert.Equal(t, []string{"Phone1"}, names)
	require.NotNil(t, in.Phone1)
	assert.Equal(t, "08-456", *in.Phone1)
	assert.Equal(t, "08-456", merged.Phone)
}

func TestFortnoxCustomerInputSendsTheSetFields(t *testing.T) {
	in := FortnoxCustomerInput(FortnoxCustomer{Type: "PRIVATE", Name: "Bo Ek", Email: "bo@example.se", CountryCode: "SE"})
	require.NotNil(t, in.Type)
	require.NotNil(t, in.Name)
	require.NotNil(t, in.Email)
	require.NotNil(t, in.CountryCode)
	assert.Equal(t, "Bo Ek", *in.Name)
	assert.Nil(t, in.YourReference)
	assert.Nil(t, in.Phone1)
	assert.Nil(t, in.DeliveryCountryCode)
}

func TestFortnoxOrderInput(t *testing.T) {
	d := OrderDraft{Reference: "LS-42", Date: "2024-05-02", Currency: "SEK", PricesIncludeVAT: true,
		Billing:       Address{Name: "Bo Ek", Street: "Storgatan 1", PostalCode: "114 55", City: "Stockholm", Country: "Sverige"},
		ModeOfPayment: "KORT", Remarks: " Hämtas i butik ",
		Lines: []LineDraft{
			{SKU: "TS-RED-M", Description: "T-shirt", Quantity: decimal.NewFromInt(2), UnitPrice: decimal.NewFromInt(100),
				VATPercent: decimal.NewFromInt(25), Discount: decimal.NewFromInt(10)},
			{SKU: "MUG", Quantity: decimal.NewFromInt(1), UnitPrice: decimal.RequireFromString("49.995"), VATPercent: decimal.NewFromInt(25)},
		}}
	in := FortnoxOrderInput(d, "1007")
	assert.Equal(t, "1007", in.CustomerNumber)
	require.NotNil(t, in.ExternalInvoiceReference1)
	assert.Equal(t, "LS-42", *in.ExternalInvoiceReference1)
	require.NotNil(t, in.Remarks)
	assert.Equal(t, "Betalsätt: KORT\nHämtas i butik", *in.Remarks)
	require.NotNil(t, in.VATIncluded)
	assert.True(t, *in.VATIncluded)
	assert.Nil(t, in.Address2, "empty fields are left out")
	assert.Nil(t, in.DeliveryName)
	require.Len(t, in.OrderRows, 2)
	first := in.OrderRows[0]
	require.NotNil(t, first.OrderedQuantity)
	require.NotNil(t, first.DeliveredQuantity)
	require.NotNil(t, first.Discount)
	assert.Equal(t, "TS-RED-M", *first.ArticleNumber)
	assert.Equal(t, "2", first.OrderedQuantity.String())
	assert.Equal(t, "2", first.DeliveredQuantity.String(), "Fortnox totals an order by its delivered quantities")
	assert.Equal(t, "10", first.Discount.String())
	assert.Equal(t, "PERCENT", *first.DiscountType)
	assert.Nil(t, in.OrderRows[1].Discount)
	assert.Nil(t, in.OrderRows[1].DiscountType)
	assert.Nil(t, in.OrderRows[1].Description)

	assert.Equal(t, "230.00", FortnoxOrderTotal(d).StringFixed(2), "2 × 100 less 10 %, and 49.995 rounded")

	d.ModeOfPayment, d.Remarks = "", strings.Repeat("å", 1100)
	in = FortnoxOrderInput(d, "1007")
	assert.Equal(t, 1024, utf8.RuneCountInString(*in.Remarks), "Fortnox takes 1024 characters of remarks")
}

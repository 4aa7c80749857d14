package mapping

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients/lightspeed"
)

func TestWantedLightspeedCustomer(t *testing.T) {
	c := WantedLightspeedCustomer(CustomerDraft{Email: "anna@firma.se", Name: "  Anna  Maria   Svensson ", Company: " Firma AB ", Phone: " 08-123 "},
		Address{Street: " Storgatan 1 ", PostalCode: "114 55", City: "Stockholm", CountryCode: "se", Country: "Sverige"})
	assert.Equal(t, LightspeedCustomer{FirstName: "Anna Maria", LastName: "Svensson", Company: "Firma AB", Phone: "08-123",
		Address: lightspeed.ContactAddress{Address1: "Storgatan 1", Zip: "114 55", City: "Stockholm", CountryCode: "SE", Country: "Sverige"}}, c)
	assert.Equal(t, "company", c.Kind())
	assert.Equal(t, "person", WantedLightspeedCustomer(CustomerDraft{Name: "Bo"}, Address{}).Kind())
	assert.Equal(t, "Bo", WantedLightspeedCustomer(CustomerDraft{Name: "Bo"}, Address{}).FirstName)

	same := WantedLightspeedCustomer(CustomerDraft{Name: "Anna Maria Svensson", Company: "Firma AB", Phone: "08-123"},
		Address{Street: "Storgatan 1", PostalCode: "114 55", City: "Stockholm", CountryCode: "SE", Country: "Sverige"})
	assert.Equal(t, c.Fingerprint(), same.Fingerprint(), "the e-mail is the cache key, not part of the fingerprint")
	same.Address.City = "Uppsala"
	assert.NotEqual(t, c.Fingerprint(), same.Fingerprint())
}

func TestLightspeedCustomerInput(t *testing.T) {
	in := LightspeedCustomerInput(LightspeedCustomer{FirstName: "Anna", LastName: "Svensson", Company: "Firma AB", Phone: "08-123"}, "anna@firma.se")
	require.NotNil(t, in.Company)
	assert.Equal(t, "Firma AB", *in.Company)
	assert.Nil(t, in.CompanyRegistrationNumber)
	require.NotNil(t, in.Contact)
	assert.Equal(t, []lightspeed.ContactEmail{{Address: "anna@firma.se", UseType: "Primary"}}, in.Contact.Emails)
	assert.Equal(t, []lightspeed.ContactPhone{{Number: "08-123", UseType: "Work"}}, in.Contact.Phones, "a company's phone is its work phone")
	assert.Nil(t, in.Contact.Addresses, "no address in the draft, none sent")
	for _, no := range []*bool{in.Contact.NoEmail, in.Contact.NoPhone, in.Contact.NoMail} {
		require.NotNil(t, no)
		assert.True(t, *no)
	}

	person := LightspeedCustomerInput(LightspeedCustomer{FirstName: "Bo", Phone: "070-1", Address: lightspeed.ContactAddress{City: "Visby"}}, "bo@example.se")
	assert.Equal(t, []lightspeed.ContactPhone{{Number: "070-1", UseType: "Mobile"}}, person.Contact.Phones)
	assert.Equal(t, []lightspeed.ContactAddress{{City: "Visby"}}, person.Contact.Addresses)
	assert.Nil(t, person.Company)
}

func TestLightspeedCustomerChangesKeepWhatTheShopHas(t *testing.T) {
	existing := lightspeed.Customer{CustomerID: 7, FirstName: "Anna", LastName: "Svensson", Contact: &lightspeed.Contact{
		Phones: lightspeed.List[lightspeed.ContactPhone]{{Number: "08-1", UseType: "Home"}, {Number: "070-old", UseType: "Mobile"}},
		Addresses: lightspeed.List[lightspeed.ContactAddress]{
			{Address1: "Gatan 1", Zip: "114 55", City: "Stockholm", CountryCode: "SE", Country: "Sverige"},
			{Address1: "Sommarstugan"},
		}}}
	want := WantedLightspeedCustomer(CustomerDraft{Name: "Anna Svensson", Phone: "070-2"},
		Address{PostalCode: "11455", City: "Uppsala", CountryCode: "se"})

	in, changed := LightspeedCustomerChanges(existing, want)
	assert.Equal(t, []string{"phone", "address (city)"}, changed)
	assert.Nil(t, in.FirstName)
	assert.Nil(t, in.LastName)
	assert.Nil(t, in.Company, "an empty company never blanks one")
	require.NotNil(t, in.Contact)
	assert.Equal(t, []lightspeed.ContactPhone{{Number: "08-1", UseType: "Home"}, {Number: "070-2", UseType: "Mobile"}}, in.Contact.Phones,
		"the mobile slot is replaced, the other slots sent back")
	assert.Equal(t, []lightspeed.ContactAddress{
		{Address1: "Gatan 1", Zip: "114 55", City: "Uppsala", CountryCode: "SE", Country: "Sverige"},
		{Address1: "Sommarstugan"},
	}, in.Contact.Addresses, "the first address takes the set parts; the postal code compares without spaces")

	existing.Contact.Phones = append(existing.Contact.Phones, lightspeed.ContactPhone{Number: "070-2", UseType: "Work"})
	existing.Contact.Addresses[0].City = "Uppsala"
	in, changed = LightspeedCustomerChanges(existing, want)
	assert.Empty(t, changed, "the number in any slot is the number")
	assert.Nil(t, in.Contact)

	want.Address = lightspeed.ContactAddress{CountryCode: "NO", Country: "Norge"}
	in, changed = LightspeedCustomerChanges(existing, want)
	assert.Equal(t, []string{"address (country)"}, changed)
	assert.Equal(t, "NO", in.Contact.Addresses[0].CountryCode)
	assert.Equal(t, "Norge", in.Contact.Addresses[0].Country, "the country name follows its code")
}

func TestLightspeedSaleLinesPriceAsTheAccountCounts(t *testing.T) {
	d := OrderDraft{Reference: "1042", PricesIncludeVAT: false, Lines: []LineDraft{
		{SKU: "TS-RED-M ", Quantity: decimal.NewFromInt(2), UnitPrice: decimal.NewFromInt(100), VATPercent: decimal.NewFromInt(25), Discount: decimal.NewFromInt(10)},
		{SKU: "MUG", Quantity: decimal.NewFromInt(1), UnitPrice: decimal.NewFromInt(50), VATPercent: decimal.NewFromInt(12)},
	}}
	ids := map[string]int64{"TS-RED-M": 11, "MUG": 12}

	lines, err := LightspeedSaleLines(d, ids, true)
	require.NoError(t, err)
	require.Len(t, lines, 2)
	assert.Equal(t, int64(11), lines[0].ItemID, "the SKU is looked up trimmed")
	assert.Equal(t, "125", lines[0].UnitPrice.String(), "prices without VAT get the line's VAT")
	require.NotNil(t, lines[0].DiscountAmount)
	assert.Equal(t, "25", lines[0].DiscountAmount.String(), "10 % of 2 × 125")
	assert.Equal(t, "56", lines[1].UnitPrice.String())
	assert.Nil(t, lines[1].DiscountAmount)

	lines, err = LightspeedSaleLines(d, ids, false)
	require.NoError(t, err)
	assert.Equal(t, "100", lines[0].UnitPrice.String(), "same VAT mode: the price as it is")

	d.PricesIncludeVAT = true
	lines, err = LightspeedSaleLines(d, ids, false)
	require.NoError(t, err)
	assert.Equal(t, "80", lines[0].UnitPrice.String(), "prices with VAT lose the line's VAT")
	assert.Equal(t, "44.6429", lines[1].UnitPrice.String(), "to four decimals")
}

func TestLightspeedSaleLinesRefuseWhatAnOpenSaleCannotHold(t *testing.T) {
	line := LineDraft{SKU: "MUG", Quantity: decimal.NewFromInt(1), UnitPrice: decimal.NewFromInt(50)}
	zero := line
	zero.Quantity = decimal.Zero
	_, err := LightspeedSaleLines(OrderDraft{Reference: "1042", Lines: []LineDraft{line, zero}}, nil, true)
	var bad *Error
	require.True(t, errors.As(err, &bad), "%v", err)
	assert.Equal(t, "lines[1].quantity", bad.Field)
	assert.Equal(t, "line 2 (SKU MUG) has quantity 0; an open sale needs a positive quantity", bad.Reason)

	negative := line
	negative.UnitPrice = decimal.NewFromInt(-1)
	_, err = LightspeedSaleLines(OrderDraft{Reference: "1042", Lines: []LineDraft{negative}}, nil, true)
	require.True(t, errors.As(err, &bad), "%v", err)
	assert.Equal(t, "lines[0].unit_price", bad.Field)
	assert.Equal(t, "line 1 (SKU MUG) has a negative price", bad.Reason)
}

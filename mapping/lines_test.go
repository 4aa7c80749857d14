package mapping

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients/lightspeed"
)

// miscSale is a sale with one item line and one line without an item (a gift wrap).
func miscSale() SourceOrder {
	src := lightspeedSale()
	src.Lines = []SourceLine{
		{SKU: "TS-RED-M", Description: "T-shirt röd M", Quantity: dec("2"), UnitPrice: dec("199.95"), VATPercent: dec("25")},
		{Misc: true, Description: "Presentinslagning", Quantity: dec("1"), UnitPrice: dec("25"), VATPercent: dec("25")},
	}
	src.Total = dec("424.90")
	return src
}

func TestOrderMiscLineRow(t *testing.T) {
	d, err := newTestMapper(t, "").Order(FlowOrdersToFortnox, miscSale())
	require.NoError(t, err)
	require.Len(t, d.Lines, 2)
	misc := d.Lines[1]
	assert.Empty(t, misc.SKU, "a row without an article")
	assert.Equal(t, "3001", misc.Account, "the BAS account of 25 % VAT")
	assert.Equal(t, "Presentinslagning", misc.Description)
	assert.Equal(t, []string{"TS-RED-M"}, d.SKUs(), "verify-products looks up the articles only")

	in := FortnoxOrderInput(d, "7")
	row := in.OrderRows[1]
	assert.Nil(t, row.ArticleNumber)
	require.NotNil(t, row.AccountNumber)
	assert.EqualValues(t, 3001, *row.AccountNumber)
	assert.Equal(t, "Presentinslagning", *row.Description)
	assert.True(t, row.Price.Equal(dec("25")))
	assert.True(t, row.VAT.Equal(dec("25")))
	assert.Nil(t, in.OrderRows[0].AccountNumber, "an article row takes the article's account")

	src := miscSale()
	src.Lines[1].Description = ""
	src.Lines[1].VATPercent = dec("12.00")
	d, err = newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	assert.Equal(t, "Övrigt", d.Lines[1].Description, "a line without a note gets the mapping's fallback")
	assert.Equal(t, "3002", d.Lines[1].Account, "12 % VAT, however the rate is written")
	src.Lines[1].LineType = "item_fee"
	d, err = newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	assert.Equal(t, "Avgift", d.Lines[1].Description, "a fee line without a note")

	src.Lines[1].VATPercent = dec("7")
	_, err = newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.EqualError(t, err, "lines[1].vat_percent: a line without an item at 7% VAT has no sales account in orders.misc_accounts")
}

func TestOrderMiscLineArticleOrNeedsFix(t *testing.T) {
	d, err := newTestMapper(t, "orders:\n  misc_lines: DIVERSE\n").Order(FlowOrdersToFortnox, miscSale())
	require.NoError(t, err)
	assert.Equal(t, "DIVERSE", d.Lines[1].SKU)
	assert.Equal(t, "Presentinslagning", d.Lines[1].Description, "the note describes the row")
	assert.Empty(t, d.Lines[1].Account)
	assert.Equal(t, []string{"TS-RED-M", "DIVERSE"}, d.SKUs())

	_, err = newTestMapper(t, "orders:\n  misc_lines: needs_fix\n").Order(FlowOrdersToFortnox, miscSale())
	require.EqualError(t, err, "lines[1]: a line without an item (a misc charge, fee or service) and orders.misc_lines is needs_fix")
}

func TestOrderZeroQuantityAndEmptySales(t *testing.T) {
	m := newTestMapper(t, "")
	src := miscSale()
	src.Lines = append([]SourceLine{{SKU: "GONE", Quantity: dec("0"), UnitPrice: dec("10")}}, src.Lines...)
	d, err := m.Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	require.Len(t, d.Lines, 2)
	assert.Equal(t, "TS-RED-M", d.Lines[0].SKU)
	assert.Equal(t, []string{"dropped 1 lines of quantity 0 (lines[0])"}, d.Notes)

	src.Lines = src.Lines[:1]
	_, err = m.Order(FlowOrdersToFortnox, src)
	var skip *Skip
	require.True(t, errors.As(err, &skip), "%v", err)
	assert.Equal(t, "every line of the sale has quantity 0 (lines[0]): nothing to order", skip.Reason)

	src.Lines = nil
	src.Payments = []Payment{{Method: "Cash", Amount: dec("500")}, {Method: "Credit Account", Amount: dec("-500")}}
	_, err = m.Order(FlowOrdersToFortnox, src)
	require.True(t, errors.As(err, &skip), "a deposit is skipped before its payments are mapped: %v", err)
	assert.Equal(t, "the sale has no lines (a deposit or an account payment): nothing to order", skip.Reason)
}

func TestOrderSKUFields(t *testing.T) {
	src := lightspeedSale()
	src.Lines[0].SKU = ""
	src.Lines[0].ItemID = "12"
	src.Lines[0].ItemSKUs = map[string]string{"customSku": "", "manufacturerSku": "MFR-1", "systemSku": "210000000012"}
	d, err := newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	assert.Equal(t, "MFR-1", d.Lines[0].SKU, "manufacturerSku when customSku is empty")

	d, err = newTestMapper(t, "orders:\n  sku_fields: [systemSku]\n").Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	assert.Equal(t, "210000000012", d.Lines[0].SKU)

	src.Lines[0].ItemSKUs = map[string]string{"upc": "7350000000012"}
	_, err = newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.EqualError(t, err, `lines[0].sku: item 12 ("T-shirt röd M") has none of customSku, manufacturerSku, systemSku (orders.sku_fields); give it one in Lightspeed`)
}

// returnSale refunds one T-shirt of sale 1042.
func returnSale() SourceOrder {
	src := lightspeedSale()
	src.ID = "1050"
	src.Lines = []SourceLine{{SKU: "TS-RED-M", Description: "T-shirt röd M", Quantity: dec("-1"), UnitPrice: dec("199.95"),
		VATPercent: dec("25"), ParentLineID: "77"}}
	src.Payments = []Payment{{Method: "Credit Card", Amount: dec("-199.95")}}
	src.Total = dec("-199.95")
	return src
}

func TestOrderReturns(t *testing.T) {
	src := returnSale()
	_, err := newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.EqualError(t, err, "lines: the sale is a return (negative quantities) and orders.returns is needs_fix: book it by hand, or set orders.returns to credit")
	src.ReturnOf = "1042"
	_, err = newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.ErrorContains(t, err, "the sale is a return of sale 1042 (negative quantities)")

	src.Lines[0].ParentLineID = ""
	_, err = newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.Error(t, err, "negative quantities alone make a return")

	d, err := newTestMapper(t, "orders:\n  returns: credit\n").Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	assert.Equal(t, "1042", d.ReturnOf)
	in := FortnoxOrderInput(d, "7")
	assert.Equal(t, "LS-1050", *in.ExternalInvoiceReference1)
	assert.Equal(t, "LS-1042", *in.ExternalInvoiceReference2, "the credit order names the original's order")
	assert.Contains(t, *in.Remarks, "Retur av försäljning 1042 (LS-1042)")
	assert.True(t, in.OrderRows[0].OrderedQuantity.Equal(dec("-1")))
	assert.True(t, in.OrderRows[0].DeliveredQuantity.Equal(dec("-1")))
	assert.True(t, FortnoxOrderTotal(d).Equal(dec("-199.95")))
}

func TestOrderPriceRoundingAndTotal(t *testing.T) {
	src := lightspeedSale()
	src.Lines = []SourceLine{{SKU: "TS-RED-M", Quantity: dec("3"), UnitPrice: dec("33.3350"), VATPercent: dec("25")}}
	src.Total = dec("100.01")
	d, err := newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.NoError(t, err, "3 × 33.335 = 100.005 is 100.01 on the sale, 3 × 33.34 = 100.02 in Fortnox: within rounding")
	assert.Equal(t, "33.34", d.Lines[0].UnitPrice.String(), "half-up")

	src.Total = dec("110.00") // a discount on the whole sale the rows do not carry
	_, err = newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.EqualError(t, err, "total: the Fortnox rows total 100.02 incl. VAT but the sale totals 110.00, more apart than rounding allows (0.03)")

	src.VATIncl = false
	src.Total = dec("125.03") // 100.005 + 25 % VAT, 8 decimals, rounded
	d, err = newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.NoError(t, err, "prices without VAT are compared with VAT added")
	assert.False(t, d.PricesIncludeVAT)
}

func TestOrderCountryOutsideEurope(t *testing.T) {
	src := lightspeedSale()
	src.Billing.CountryCode = "AR"
	d, err := newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	assert.Equal(t, "Argentina", d.Billing.Country)
	src.Billing = Address{Street: "Av. Corrientes 1", City: "Buenos Aires", Country: "argentina"}
	d, err = newTestMapper(t, "orders:\n  countries: {AR: Argentinien}\n").Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	assert.Equal(t, "AR", d.Billing.CountryCode, "country_code knows the English name")
	assert.Equal(t, "Argentinien", d.Billing.Country, "orders.countries overrides a single name")
}

func TestFromLightspeedSaleShapes(t *testing.T) {
	sale := lightspeed.Sale{SaleID: 9, Completed: true, IsTaxInclusive: true, Total: lightspeed.Dec(dec("524.90")),
		ShipToID: 3, ShipTo: &lightspeed.ShipTo{ShipToID: 3, FirstName: "Eva", LastName: "Ek", ShipNote: "Lämna vid dörren",
			Contact: &lightspeed.Contact{Addresses: lightspeed.List[lightspeed.ContactAddress]{{Address1: "Calle 1", City: "Buenos Aires", Zip: "C1000", CountryCode: "ar"}}}},
		SaleLines: lightspeed.List[lightspeed.SaleLine]{
			{ItemID: 12, UnitQuantity: lightspeed.Dec(dec("1")), UnitPrice: lightspeed.Dec(dec("499.9")),
				Item: &lightspeed.Item{ItemID: 12, SystemSku: "210000000012", Description: "Jacka"}},
			{ItemID: 0, UnitQuantity: lightspeed.Dec(dec("1")), UnitPrice: lightspeed.Dec(dec("25")), LineType: "item_fee",
				Note: &lightspeed.Note{Note: " Frakt "}},
			{ItemID: 12, UnitQuantity: lightspeed.Dec(dec("-1")), ParentSaleLineID: 40, Item: &lightspeed.Item{ItemID: 12}},
		}}
	src := FromLightspeedSale(sale, time.UTC)
	assert.Equal(t, Address{Name: "Eva Ek", Street: "Calle 1", PostalCode: "C1000", City: "Buenos Aires", CountryCode: "AR"}, src.Shipping)
	assert.Equal(t, "Lämna vid dörren", src.Note, "the ship note becomes the remarks")
	require.Len(t, src.Lines, 3)
	assert.Equal(t, "12", src.Lines[0].ItemID)
	assert.Equal(t, "210000000012", src.Lines[0].ItemSKUs["systemSku"])
	assert.False(t, src.Lines[0].Misc)
	assert.True(t, src.Lines[1].Misc)
	assert.Equal(t, "Frakt", src.Lines[1].Description)
	assert.Equal(t, "item_fee", src.Lines[1].LineType)
	assert.Equal(t, "40", src.Lines[2].ParentLineID)

	sale.ShipTo.Company = "Ek AB"
	assert.Equal(t, "Ek AB", FromLightspeedSale(sale, time.UTC).Shipping.Name, "a company recipient is the delivery name")
}

func TestOrderShipToIsTheDeliveryAddress(t *testing.T) {
	src := lightspeedSale()
	src.Shipping = Address{Name: "Eva Ek", Street: "Hamngatan 2", PostalCode: "411 01", City: "Göteborg", CountryCode: "SE"}
	d, err := newTestMapper(t, "").Order(FlowOrdersToFortnox, src)
	require.NoError(t, err)
	in := FortnoxOrderInput(d, "7")
	assert.Equal(t, "Eva Ek", *in.DeliveryName)
	assert.Equal(t, "Hamngatan 2", *in.DeliveryAddress1)
	assert.Equal(t, "Göteborg", *in.DeliveryCity)
	assert.Equal(t, "Sverige", *in.DeliveryCountry)
	assert.Equal(t, "Storgatan 12 B", *in.Address1, "the billing address stays the customer's")
}

func TestLineSettingsValidated(t *testing.T) {
	for yaml, want := range map[string]string{
		"orders:\n  misc_lines: \"\"\n":                                      "orders.misc_lines: want row, needs_fix or a Fortnox article number",
		"orders:\n  misc_accounts: {\"25\": \"30011\"}\n":                    `orders.misc_accounts."25": want a Fortnox account number of 4 digits, such as 3001, got "30011"`,
		"orders:\n  misc_accounts: {moms: \"3001\"}\n":                       `orders.misc_accounts."moms": want a VAT rate in percent, such as "25"`,
		"orders:\n  sku_fields: [customSku, barcode]\n":                      `orders.sku_fields[1]: unknown item field "barcode"`,
		"orders:\n  sku_fields: []\n":                                        "orders.sku_fields: must name at least one item field",
		"orders:\n  returns: refund\n":                                       `orders.returns: want needs_fix or credit, got "refund"`,
		"orders:\n  misc_accounts: {\"25\": \"3001\", \"25.0\": \"3002\"}\n": "the rate 25 is in the table twice",
	} {
		_, err := Parse("settings.yaml", []byte(yaml))
		require.Error(t, err, yaml)
		assert.Contains(t, err.Error(), want, yaml)
	}
}

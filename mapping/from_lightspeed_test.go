package mapping

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients/lightspeed"
)

// A sale as the API sends it with its relations: one line as a bare object, strings for
// numbers, a company customer with two e-mails and phones.
const lightspeedCompanySaleJSON = `{
 "saleID": "1042", "timeStamp": "2026-11-26T23:40:00+00:00", "completeTime": "2026-11-26T23:30:00+00:00",
 "completed": "true", "voided": "false", "isTaxInclusive": "true", "referenceNumber": "",
 "customerID": "55", "total": "440.00", "calcTotal": "439.996",
 "SaleLines": {"SaleLine": {"saleLineID": "1", "itemID": "7", "unitQuantity": "2", "unitPrice": "250",
   "discountAmount": "60", "tax": "true", "tax1Rate": "0.25", "tax2Rate": "0", "calcLineDiscount": "60",
   "Item": {"itemID": "7", "customSku": " TS-RED-M ", "systemSku": "210000000007", "description": "T-shirt röd M"}}},
 "SalePayments": {"SalePayment": [
   {"salePaymentID": "1", "paymentTypeID": "2", "amount": "400", "PaymentType": {"paymentTypeID": "2", "name": "Credit Card"}},
   {"salePaymentID": "2", "paymentTypeID": "9", "amount": "40", "PaymentType": ""}]},
 "Customer": {"customerID": "55", "firstName": "Anna", "lastName": "Svensson", "company": "Svensson Bygg AB",
   "companyRegistrationNumber": "556677-8899",
   "Contact": {"contactID": "3",
     "Emails": {"ContactEmail": [{"address": "other@example.se", "useType": "Secondary"}, {"address": "Anna@Example.se", "useType": "Primary"}]},
     "Phones": {"ContactPhone": [{"number": "08-123", "useType": "Home"}, {"number": "070-1234567", "useType": "Mobile"}]},
     "Addresses": {"ContactAddress": {"address1": "Storgatan 12 B", "address2": "", "city": "Oslo", "zip": "0150",
       "country": "Norway", "countryCode": "no"}}}}
}`

func decodeSale(t *testing.T, raw string) lightspeed.Sale {
	t.Helper()
	var s lightspeed.Sale
	require.NoError(t, json.Unmarshal([]byte(raw), &s))
	return s
}

func TestFromLightspeedSaleCompany(t *testing.T) {
	stockholm, err := time.LoadLocation("Europe/Stockholm")
	require.NoError(t, err)
	src := FromLightspeedSale(decodeSale(t, lightspeedCompanySaleJSON), stockholm)

	assert.Equal(t, VendorLightspeed, src.Vendor)
	assert.Equal(t, "1042", src.ID)
	assert.Equal(t, "2026-11-27", src.Date, "23:30 UTC is the next day in Stockholm")
	assert.True(t, src.VATIncl)
	assert.True(t, dec("440").Equal(src.Total))
	assert.Equal(t, SourceCustomer{ID: "55", Email: "Anna@Example.se", FirstName: "Anna", LastName: "Svensson",
		Company: "Svensson Bygg AB", OrgNumber: "556677-8899", Phone: "070-1234567"}, src.Customer)
	assert.Equal(t, Address{Street: "Storgatan 12 B", PostalCode: "0150", City: "Oslo", CountryCode: "NO", Country: "Norway"}, src.Billing)
	assert.Equal(t, Address{}, src.Shipping)

	require.Len(t, src.Lines, 1)
	l := src.Lines[0]
	assert.Equal(t, "TS-RED-M", l.SKU)
	assert.Equal(t, "T-shirt röd M", l.Description)
	assert.True(t, dec("2").Equal(l.Quantity))
	assert.True(t, dec("250").Equal(l.UnitPrice))
	assert.True(t, dec("25").Equal(l.VATPercent), "tax1Rate 0.25 is 25 %%, got %s", l.VATPercent)
	assert.True(t, dec("12").Equal(l.Discount), "60 off 500 is 12 %%, got %s", l.Discount)

	require.Len(t, src.Payments, 2)
	assert.Equal(t, "Credit Card", src.Payments[0].Method)
	assert.True(t, dec("400").Equal(src.Payments[0].Amount))
	assert.Equal(t, "payment type 9", src.Payments[1].Method, "an unloaded payment type is named by id")
}

func TestFromLightspeedSaleAnonymousAndUntaxed(t *testing.T) {
	src := FromLightspeedSale(decodeSale(t, `{"saleID": 7, "timeStamp": "2026-11-27T10:00:00+00:00", "completed": true,
		"isTaxInclusive": "false", "customerID": "0", "Customer": "", "total": "0", "calcTotal": "99.5",
		"SaleLines": {"SaleLine": [
		  {"unitQuantity": "1", "unitPrice": "99.5", "tax": "false", "tax1Rate": "0.25", "discountPercent": "0",
		   "Item": {"customSku": "MUG-1", "description": "Mugg"}},
		  {"unitQuantity": "1", "unitPrice": "10", "tax": "true", "tax1Rate": "12", "discountPercent": "0.1", "Item": ""}]},
		"SalePayments": ""}`), nil)

	assert.Equal(t, "2026-11-27", src.Date, "without completeTime the timeStamp dates the order")
	assert.False(t, src.VATIncl)
	assert.True(t, dec("99.5").Equal(src.Total), "calcTotal stands in for a zero total")
	assert.Equal(t, SourceCustomer{}, src.Customer, "an anonymous sale has no customer")
	assert.Empty(t, src.Payments)
	require.Len(t, src.Lines, 2)
	assert.True(t, src.Lines[0].VATPercent.IsZero(), "an untaxed line has no VAT")
	assert.True(t, src.Lines[0].Discount.IsZero())
	assert.Equal(t, "", src.Lines[1].SKU, "a line without an item has no SKU, which the mapper refuses")
	assert.True(t, dec("12").Equal(src.Lines[1].VATPercent), "a rate above 1 is already a percentage")
	assert.True(t, dec("10").Equal(src.Lines[1].Discount), "discountPercent 0.1 is 10 %%, got %s", src.Lines[1].Discount)
}

// The converted sale goes through the default orders-to-fortnox mapping.
func TestFromLightspeedSaleMapsToFortnoxDraft(t *testing.T) {
	m := newTestMapper(t, "")
	d, err := m.Order(FlowOrdersToFortnox, FromLightspeedSale(decodeSale(t, lightspeedCompanySaleJSON), nil))
	require.NoError(t, err)
	assert.Equal(t, "LS-1042", d.Reference)
	assert.Equal(t, "2026-11-26", d.Date, "UTC date without a location")
	assert.Equal(t, "Svensson Bygg AB", d.Customer.Company)
	assert.Equal(t, "Anna Svensson", d.Customer.Name)
	assert.Equal(t, "Anna@Example.se", d.Customer.Email)
	assert.Equal(t, "KORT", d.ModeOfPayment, "the largest payment decides")
	assert.Equal(t, "NO", d.Billing.CountryCode)
	assert.NotEmpty(t, d.Billing.Country)
	assert.Equal(t, "Storgatan 12 B", d.Shipping.Street, "shipping falls back to billing")
	assert.Equal(t, []string{"TS-RED-M"}, d.SKUs())
}

// A company's contact person becomes the Fortnox customer's YourReference, which takes 50
// characters; a private person's name may be longer.
func TestFortnoxContactPersonLength(t *testing.T) {
	m := newTestMapper(t, "")
	sale := decodeSale(t, lightspeedCompanySaleJSON)
	sale.Customer.LastName = "Svensson-Lindqvist af Hammarskjöld-Bernadotte Ek" // 53 with the first name
	_, err := m.Order(FlowOrdersToFortnox, FromLightspeedSale(sale, nil))
	require.EqualError(t, err, "customer.name: 53 characters, Fortnox takes at most 50")

	sale.Customer.Company = ""
	_, err = m.Order(FlowOrdersToFortnox, FromLightspeedSale(sale, nil))
	require.NoError(t, err)
}

// A discount on the whole sale comes as each line's calcTransactionDiscount: it is part of
// the line's discount, so the Fortnox rows total the sale's total.
func TestFromLightspeedSaleTransactionDiscount(t *testing.T) {
	sale := decodeSale(t, `{"saleID":"7","completed":"true","isTaxInclusive":"true","total":"180","timeStamp":"2026-11-27T10:00:00+00:00",
		"SaleLines":{"SaleLine":[
		  {"saleLineID":"1","itemID":"5","unitQuantity":"2","unitPrice":"50","tax":"true","tax1Rate":"0.25","calcLineDiscount":"0","calcTransactionDiscount":"10","Item":{"itemID":"5","customSku":"TS-1"}},
		  {"saleLineID":"2","itemID":"6","unitQuantity":"1","unitPrice":"100","tax":"true","tax1Rate":"0.25","calcLineDiscount":"0","calcTransactionDiscount":"10","Item":{"itemID":"6","customSku":"TS-2"}}]}}`)
	src := FromLightspeedSale(sale, nil)
	assert.True(t, dec("10").Equal(src.Lines[0].Discount), "10 of 100 is 10 %%, got %s", src.Lines[0].Discount)
	assert.True(t, dec("10").Equal(src.Lines[1].Discount), "got %s", src.Lines[1].Discount)
	d, err := newTestMapper(t, "orders: {default_customer: {fortnox: \"1\"}}\n").Order(FlowOrdersToFortnox, src)
	require.NoError(t, err, "the rows, with the sale's discount, total the sale")
	assert.Len(t, d.Lines, 2)
}

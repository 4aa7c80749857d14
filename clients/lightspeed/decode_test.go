package lightspeed

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients"
)

func TestScalarsAcceptStringsNumbersAndEmpty(t *testing.T) {
	var v struct {
		A, B, C, D Int
		E, F, G, H Bool
		I, J, K, L Decimal
		M, N       Time
	}
	in := `{"A":"20","B":20,"C":"","D":null,
		"E":"true","F":false,"G":"","H":"1",
		"I":"11.4860025","J":4.39,"K":"","L":null,
		"M":"2016-11-02T19:36:29+00:00","N":""}`
	require.NoError(t, json.Unmarshal([]byte(in), &v))
	assert.Equal(t, Int(20), v.A)
	assert.Equal(t, Int(20), v.B)
	assert.Equal(t, Int(0), v.C)
	assert.Equal(t, Int(0), v.D)
	assert.True(t, bool(v.E))
	assert.False(t, bool(v.F))
	assert.False(t, bool(v.G))
	assert.True(t, bool(v.H))
	assert.Equal(t, "11.4860025", v.I.String(), "7 decimals are kept exactly")
	assert.Equal(t, "4.39", v.J.String())
	assert.True(t, v.K.IsZero())
	assert.True(t, v.L.IsZero())
	assert.Equal(t, time.Date(2016, 11, 2, 19, 36, 29, 0, time.UTC), v.M.Time)
	assert.True(t, v.N.IsZero())
}

func TestScalarsRejectGarbageClearly(t *testing.T) {
	reason := func(in string, v any) string {
		err := json.Unmarshal([]byte(in), v)
		require.Error(t, err, in)
		return clients.DecodeReason(err)
	}
	assert.Equal(t, `"abc" is not a whole number`, reason(`"abc"`, new(Int)))
	assert.Equal(t, `"maybe" is not true or false`, reason(`"maybe"`, new(Bool)))
	assert.Equal(t, `"1,5" is not a number`, reason(`"1,5"`, new(Decimal)))
	assert.Equal(t, `an object is not a number`, reason(`{"x":1}`, new(Decimal)))
	assert.Equal(t, `"yesterday" is not a timestamp`, reason(`"yesterday"`, new(Time)))
	assert.Equal(t, `[1]: an object is not text`, reason(`["a",{}]`, new(Strings)))
}

// A record's bad value is named by its path through relations and one-or-many collections,
// with the value, so a needs_fix record says what to fix.
func TestDecodeErrorsNameTheFieldAndValue(t *testing.T) {
	for in, want := range map[string]string{
		`{"saleID":"1","SaleLines":{"SaleLine":[{"unitPrice":"1"},{"unitPrice":"N/A"}]}}`:      `SaleLines.SaleLine[1].unitPrice: "N/A" is not a number`,
		`{"saleID":"1","SaleLines":{"SaleLine":{"unitPrice":"N/A"}}}`:                          `SaleLines.SaleLine.unitPrice: "N/A" is not a number`,
		`{"saleID":"1","SaleLines":{"SaleLine":{"Item":{"itemID":"x1"}}}}`:                     `SaleLines.SaleLine.Item.itemID: "x1" is not a whole number`,
		`{"saleID":"1","Customer":{"Contact":{"Emails":{"ContactEmail":[{},{"address":7}]}}}}`: `Customer.Contact.Emails.ContactEmail[1].address: a number is not text`,
		`{"saleID":"1","completed":"sometimes"}`:                                               `completed: "sometimes" is not true or false`,
		`{"saleID":"1","SalePayments":5}`:                                                      `SalePayments: a number is not an object`,
		`{"saleID":"1","total":"` + strings.Repeat("9", 60) + `x"}`:                            `total: "` + strings.Repeat("9", 39) + `… is not a number`,
	} {
		var s Sale
		err := json.Unmarshal([]byte(in), &s)
		require.Error(t, err, in)
		assert.Equal(t, want, clients.DecodeReason(err), in)
	}
}

func TestDecimalMarshalsAsNativeNumber(t *testing.T) {
	b, err := json.Marshal(map[string]any{"amount": Dec(decimal.RequireFromString("11.4860025"))})
	require.NoError(t, err)
	assert.JSONEq(t, `{"amount":11.4860025}`, string(b))
}

func TestOneOrManyAcceptsEveryShape(t *testing.T) {
	type row struct {
		ID Int `json:"id"`
	}
	for in, want := range map[string]int{`[{"id":"1"},{"id":"2"}]`: 2, `{"id":"1"}`: 1, `""`: 0, `null`: 0, `[]`: 0} {
		var got OneOrMany[row]
		require.NoError(t, json.Unmarshal([]byte(in), &got), in)
		assert.Len(t, got, want, in)
	}
}

func TestStringsAcceptArrayStringOrEmpty(t *testing.T) {
	var m ItemMatrix
	require.NoError(t, json.Unmarshal([]byte(`{"attribute1Values":["Black","White"],"attribute2Values":"White","attribute3Values":""}`), &m))
	assert.Equal(t, Strings{"Black", "White"}, m.Attribute1Values)
	assert.Equal(t, Strings{"White"}, m.Attribute2Values)
	assert.Empty(t, m.Attribute3Values)
}

// A sale as the API sends it: all strings, one line as an object, empty relations as "",
// a loaded item and payment type, a customer with an empty Phones relation.
const saleJSON = `{"@attributes":{"count":"1"},"Sale":{"saleID":"12","timeStamp":"2026-01-02T10:00:00+00:00",
 "completed":"true","referenceNumber":"FX-1001","referenceNumberSource":"Fortnox","customerID":"7",
 "shopID":"1","registerID":"1","employeeID":"1","calcTotal":"11.4860025","total":"11.49","calcTax1":"2.2972005",
 "SaleLines":{"SaleLine":{"saleLineID":"3","itemID":"20","unitQuantity":"2","unitPrice":"4.5943","calcTotal":"11.4860025","tax":"true",
   "Item":{"itemID":"20","customSku":"TS-W-S","description":"T-Shirt"}}},
 "SalePayments":{"SalePayment":[{"salePaymentID":"1","paymentTypeID":"1","amount":"10","PaymentType":{"paymentTypeID":"1","name":"Cash"}},
   {"salePaymentID":"2","paymentTypeID":"2","amount":"1.49","PaymentType":""}]},
 "Customer":{"customerID":"7","firstName":"Jane","Contact":{"Emails":{"ContactEmail":{"address":"jane@example.com","useType":"Primary"}},
   "Phones":"","Addresses":{"ContactAddress":[{"address1":"Storgatan 1","city":"Stockholm","zip":"11122","countryCode":"SE"}]},"Websites":""}},
 "SaleNotes":"","unknownField":{"x":"y"}}}`

func TestSaleDecodesEveryQuirk(t *testing.T) {
	s, err := decodeOne[Sale]([]byte(saleJSON), "Sale")
	require.NoError(t, err)
	assert.Equal(t, Int(12), s.SaleID)
	assert.True(t, bool(s.Completed))
	assert.Equal(t, "FX-1001", s.ReferenceNumber)
	assert.Equal(t, "11.4860025", s.CalcTotal.String())
	require.Len(t, s.SaleLines, 1, "a single line arrives as an object")
	assert.Equal(t, "TS-W-S", s.SaleLines[0].Item.CustomSku)
	assert.Equal(t, "2", s.SaleLines[0].UnitQuantity.String())
	require.Len(t, s.SalePayments, 2)
	assert.Equal(t, "Cash", s.SalePayments[0].PaymentType.Name)
	assert.Equal(t, Int(0), s.SalePayments[1].PaymentType.PaymentTypeID, `"" relation decodes as empty`)
	require.NotNil(t, s.Customer)
	require.NotNil(t, s.Customer.Contact)
	assert.Equal(t, "jane@example.com", s.Customer.Contact.Emails[0].Address)
	assert.Empty(t, s.Customer.Contact.Phones)
	assert.Equal(t, "SE", s.Customer.Contact.Addresses[0].CountryCode)
}

func TestEmptyRelationsOnItem(t *testing.T) {
	item, err := decodeOne[Item]([]byte(`{"Item":{"itemID":"5","ItemShops":"","Prices":{"ItemPrice":{"amount":"20","useTypeID":"1","useType":"Default"}},
		"ItemAttributes":"","ItemECommerce":"","CustomFieldValues":{"CustomFieldValue":{"customFieldID":"2","value":"cotton"}}}}`), "Item")
	require.NoError(t, err)
	assert.Empty(t, item.ItemShops)
	require.Len(t, item.Prices, 1)
	assert.Equal(t, "20", item.Prices[0].Amount.String())
	assert.NotNil(t, item.ItemAttributes)
	assert.Equal(t, Int(0), item.ItemAttributes.ItemAttributeSetID)
	require.Len(t, item.CustomFields, 1)
	assert.Equal(t, "cotton", item.CustomFields[0].Value)
}

func TestRelationListAcceptsBothSpellingsOfAWrapper(t *testing.T) {
	var a, b List[SalePayment]
	require.NoError(t, json.Unmarshal([]byte(`{"SaleAccount":{"amount":"1"}}`), &a))
	require.NoError(t, json.Unmarshal([]byte(`{"SalesAccount":[{"amount":"1"},{"amount":"2"}]}`), &b))
	assert.Len(t, a, 1)
	assert.Len(t, b, 2)
}

func TestListEnvelopes(t *testing.T) {
	t.Run("missing entity key is an empty result", func(t *testing.T) {
		items, next, err := decodeList[Sale]([]byte(`{"@attributes":{"next":"","previous":""}}`), "Sale")
		require.NoError(t, err)
		assert.Empty(t, items)
		assert.Empty(t, next)
	})
	t.Run("entity key empty string or null", func(t *testing.T) {
		for _, body := range []string{`{"@attributes":{"next":""},"Sale":""}`, `{"Sale":null}`} {
			items, _, err := decodeList[Sale]([]byte(body), "Sale")
			require.NoError(t, err)
			assert.Empty(t, items)
		}
	})
	t.Run("one row is an object", func(t *testing.T) {
		items, next, err := decodeList[Sale]([]byte(`{"@attributes":{"next":"https://x/Sale.json?after=WzEwMF0%3D"},"Sale":{"saleID":"1"}}`), "Sale")
		require.NoError(t, err)
		require.Len(t, items, 1)
		assert.Equal(t, "https://x/Sale.json?after=WzEwMF0%3D", next)
	})
	t.Run("account list", func(t *testing.T) {
		acc, err := decodeOne[Account]([]byte(`{"@attributes":{"count":"1"},"Account":{"accountID":"123","name":"Shop","link":{"@attributes":{"href":"/API/V3/Account/123"}}}}`), "Account")
		require.NoError(t, err)
		assert.Equal(t, Int(123), acc.AccountID)
	})
	t.Run("not an object", func(t *testing.T) {
		_, _, err := decodeList[Sale]([]byte(`[1,2`), "Sale")
		assert.ErrorContains(t, err, "not a JSON object")
	})
}

package lightspeed

import (
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stockItem creates an item priced 125 incl. 25 % VAT with qoh 10 in shop 1.
func stockItem(t *testing.T, e *env, sku string) string {
	t.Helper()
	item := e.ok(http.MethodPost, acct+"Item.json", map[string]any{"description": "Väska " + sku, "customSku": sku, "taxClassID": 1,
		"Prices":    map[string]any{"ItemPrice": map[string]any{"amount": "125", "useTypeID": 1}},
		"ItemShops": map[string]any{"ItemShop": map[string]any{"shopID": 1, "qoh": 10}}})["Item"].(map[string]any)
	return item["itemID"].(string)
}

func qoh(t *testing.T, e *env, itemID, shopID string) string {
	t.Helper()
	item := e.ok(http.MethodGet, acct+`Item/`+itemID+`.json?load_relations=["ItemShops"]`, nil)["Item"].(map[string]any)
	return itemShopFor(item, shopID)["qoh"].(string)
}

func TestCompletedSaleNeedsPaymentsAndLowersStock(t *testing.T) {
	e := newEnv(t, "empty", unlimited)
	a, b := stockItem(t, e, "A-1"), stockItem(t, e, "B-1")
	lines := map[string]any{"SaleLine": []any{
		map[string]any{"itemID": a, "unitQuantity": 2},
		map[string]any{"itemID": b, "unitQuantity": "1", "unitPrice": "100"},
	}}
	// Total 2×125 + 100 = 350 incl. VAT.
	msg := e.fails(http.StatusBadRequest, http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "completed": true, "SaleLines": lines,
		"SalePayments": map[string]any{"SalePayment": map[string]any{"paymentTypeID": 2, "amount": "300"}}})
	assert.Contains(t, msg, "350.00")
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "completed": true, "SaleLines": lines})
	assert.Equal(t, "10", qoh(t, e, a, "1"), "a rejected sale changes nothing")

	sale := e.ok(http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "completed": true, "SaleLines": lines,
		"referenceNumber": "FX-1001", "referenceNumberSource": "Fortnox",
		"SalePayments": map[string]any{"SalePayment": []any{
			map[string]any{"paymentTypeID": 2, "amount": "300"}, map[string]any{"paymentTypeID": 3, "amount": 50}}}})["Sale"].(map[string]any)
	assert.Equal(t, "true", sale["completed"])
	assert.Equal(t, "350", sale["total"])
	assert.Equal(t, "70", sale["calcTax1"])
	assert.NotEmpty(t, sale["completeTime"])
	assert.Len(t, inner(sale["SaleLines"], "SaleLine"), 2)
	assert.Len(t, inner(sale["SalePayments"], "SalePayment"), 2)
	assert.Equal(t, "Butiken Stockholm", sale["Shop"].(map[string]any)["name"])
	line := inner(sale["SaleLines"], "SaleLine")[0]
	assert.Equal(t, "250", line["calcTotal"])
	assert.Equal(t, "0.25", line["tax1Rate"])
	assert.Equal(t, "8", qoh(t, e, a, "1"))
	assert.Equal(t, "9", qoh(t, e, b, "1"))
	assert.Equal(t, "8", qoh(t, e, a, "0"))

	// Found again by its reference number (the idempotency key).
	found := e.ok(http.MethodGet, acct+"Sale.json?referenceNumber=FX-1001&referenceNumberSource=Fortnox", nil)
	assert.Equal(t, sale["saleID"], list(found, "Sale")[0]["saleID"])
	// Completed sales cannot be archived or changed.
	e.fails(http.StatusBadRequest, http.MethodDelete, acct+"Sale/"+sale["saleID"].(string)+".json", nil)
	e.fails(http.StatusBadRequest, http.MethodPut, acct+"Sale/"+sale["saleID"].(string)+".json", map[string]any{"completed": false})
}

func TestOpenSaleThenComplete(t *testing.T) {
	e := newEnv(t, "empty", unlimited)
	a := stockItem(t, e, "A-2")
	open := e.ok(http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1,
		"SaleLines": map[string]any{"SaleLine": map[string]any{"itemID": a, "unitQuantity": 3}}})["Sale"].(map[string]any)
	assert.Equal(t, "false", open["completed"])
	assert.Equal(t, "", open["SalePayments"], "no payments is an empty relation")
	assert.IsType(t, map[string]any{}, open["SaleLines"].(map[string]any)["SaleLine"], "one line is an object")
	assert.Equal(t, "10", qoh(t, e, a, "1"), "open sales leave stock alone")
	id := open["saleID"].(string)

	e.fails(http.StatusBadRequest, http.MethodPut, acct+"Sale/"+id+".json", map[string]any{"completed": true})
	done := e.ok(http.MethodPut, acct+"Sale/"+id+".json", map[string]any{"completed": true,
		"SalePayments": map[string]any{"SalePayment": map[string]any{"paymentTypeID": 1, "amount": "400"}}})["Sale"].(map[string]any)
	assert.Equal(t, "true", done["completed"])
	assert.Equal(t, "25", done["change"], "cash overpayment becomes change")
	assert.NotEqual(t, open["timeStamp"], "")
	assert.Equal(t, "7", qoh(t, e, a, "1"))
	// A further PUT of a plain field does not lower stock again.
	e.ok(http.MethodPut, acct+"Sale/"+id+".json", map[string]any{"referenceNumber": "X"})
	assert.Equal(t, "7", qoh(t, e, a, "1"))

	// An unknown itemCode names itself in the error.
	msg := e.fails(http.StatusBadRequest, http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 2,
		"SaleLines": map[string]any{"SaleLine": map[string]any{"itemCode": "A-2-does-not-exist"}}})
	assert.Contains(t, msg, "A-2-does-not-exist")
}

func TestSaleValidation(t *testing.T) {
	e := newEnv(t, "demo", unlimited)
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Sale.json", map[string]any{"SaleLines": map[string]any{"SaleLine": map[string]any{"itemID": 1}}})
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "SaleLines": map[string]any{"SaleLine": map[string]any{"itemID": 999999}}})
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "customerID": 999})
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "SaleLines": map[string]any{"SaleLine": map[string]any{"itemID": 1}},
		"SalePayments": map[string]any{"SalePayment": map[string]any{"paymentTypeID": 5, "amount": "1"}}})
	// itemCode instead of itemID, archived by DELETE while open.
	item := e.ok(http.MethodGet, acct+"Item/2.json", nil)["Item"].(map[string]any)
	sale := e.ok(http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "SaleLines": map[string]any{"SaleLine": map[string]any{"itemCode": item["ean"]}}})["Sale"].(map[string]any)
	assert.Equal(t, "2", inner(sale["SaleLines"], "SaleLine")[0]["itemID"])
	archived := e.ok(http.MethodDelete, acct+"Sale/"+sale["saleID"].(string)+".json", nil)["Sale"].(map[string]any)
	assert.Equal(t, "true", archived["archived"])

	// Sales with their customer and its contact.
	out := e.ok(http.MethodGet, acct+`Sale.json?customerID=%3E%2C0&limit=1&load_relations=["SaleLines","Customer.Contact"]`, nil)
	s := list(out, "Sale")
	require.Len(t, s, 1)
	assert.NotEqual(t, "", s[0]["Customer"].(map[string]any)["Contact"])
}

func TestCustomerWrites(t *testing.T) {
	e := newEnv(t, "empty", unlimited)
	c := e.ok(http.MethodPost, acct+"Customer.json", map[string]any{"firstName": "Jane", "lastName": "Doe", "company": "Acme AB",
		"companyRegistrationNumber": "556000-0000", "customerTypeID": 2,
		"Contact": map[string]any{"noEmail": false,
			"Emails":    map[string]any{"ContactEmail": []any{map[string]any{"address": "jane@example.com", "useType": "Primary"}, map[string]any{"address": "jd@example.com", "useType": "Secondary"}}},
			"Phones":    map[string]any{"ContactPhone": map[string]any{"number": "+46 8 123", "useType": "Work"}},
			"Addresses": map[string]any{"ContactAddress": map[string]any{"address1": "Storgatan 1", "city": "Stockholm", "zip": "11122", "countryCode": "SE"}}},
	})["Customer"].(map[string]any)
	assert.Equal(t, "2", c["customerTypeID"])
	assert.Equal(t, "556000-0000", c["companyRegistrationNumber"])
	contact := c["Contact"].(map[string]any)
	assert.Equal(t, "false", contact["noEmail"])
	assert.IsType(t, []any{}, contact["Emails"].(map[string]any)["ContactEmail"])
	id := c["customerID"].(string)

	// Secondary addresses match Contact.email too.
	out := e.ok(http.MethodGet, acct+`Customer.json?load_relations=["Contact"]&Contact.email=jd%40example.com`, nil)
	assert.Equal(t, []string{id}, ids(out, "Customer"))
	out = e.ok(http.MethodGet, acct+`Customer.json?load_relations=["Contact"]&Contact.phoneWork=%2B46%208%20123`, nil)
	assert.Equal(t, []string{id}, ids(out, "Customer"))

	up := e.ok(http.MethodPut, acct+"Customer/"+id+".json", map[string]any{"lastName": "Smith",
		"Contact": map[string]any{"Emails": map[string]any{"ContactEmail": map[string]any{"address": "new@example.com"}}}})["Customer"].(map[string]any)
	assert.Equal(t, "Smith", up["lastName"])
	assert.Equal(t, "new@example.com", up["Contact"].(map[string]any)["Emails"].(map[string]any)["ContactEmail"].(map[string]any)["address"])
	assert.Equal(t, "+46 8 123", up["Contact"].(map[string]any)["Phones"].(map[string]any)["ContactPhone"].(map[string]any)["number"], "untouched lists stay")

	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Customer.json", map[string]any{"firstName": "X",
		"Contact": map[string]any{"Emails": map[string]any{"ContactEmail": map[string]any{"address": "x@example.com", "useType": "Work"}}}})
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Customer.json", map[string]any{"firstName": "X", "customerTypeID": 99})
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Customer.json", map[string]any{"title": "Dr"})

	del := e.ok(http.MethodDelete, acct+"Customer/"+id+".json", nil)["Customer"].(map[string]any)
	assert.Equal(t, "true", del["archived"])
	assert.Equal(t, "0", e.ok(http.MethodGet, acct+"Customer.json?count=1", nil)["@attributes"].(map[string]any)["count"])

	ct := e.ok(http.MethodPost, acct+"CustomerType.json", map[string]any{"name": "Grossist"})["CustomerType"].(map[string]any)
	assert.Equal(t, "Grossist", ct["name"])
}

func TestMalformedRequests(t *testing.T) {
	e := newEnv(t, "demo", unlimited)
	msg := e.fails(http.StatusBadRequest, http.MethodPost, acct+"Item.json", `{"description": "x",`)
	assert.Contains(t, msg, "not valid JSON")
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Item.json", `[1,2]`)
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Item.json", ``)
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Item.json", `{"description":"a"} {"x":1}`)
	msg = e.fails(http.StatusBadRequest, http.MethodPost, acct+"Item.json", map[string]any{"description": "x", "colour": "red"})
	assert.Contains(t, msg, "colour")
	msg = e.fails(http.StatusBadRequest, http.MethodPost, acct+"Item.json", map[string]any{"description": map[string]any{"a": 1}})
	assert.Contains(t, msg, "description")
	msg = e.fails(http.StatusBadRequest, http.MethodPost, acct+"Item.json", map[string]any{"description": "x", "categoryID": "abc"})
	assert.Contains(t, msg, "categoryID")
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Item.json", map[string]any{"description": "x", "tax": "maybe"})
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Item.json", map[string]any{"description": "x", "ItemShops": "nope"})
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Item.json", map[string]any{"description": "x", "Prices": map[string]any{"ItemPrice": map[string]any{"amount": "x", "useTypeID": 1}}})
	e.fails(http.StatusBadRequest, http.MethodPut, acct+"Item/1.json", map[string]any{"ItemShops": map[string]any{"ItemShop": map[string]any{"shopID": 1, "qoh": "lots"}}})
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "SaleLines": map[string]any{"SaleLine": []any{1, 2}}})
	e.fails(http.StatusNotFound, http.MethodGet, acct+"Item/abc.json", nil)
	e.fails(http.StatusNotFound, http.MethodGet, acct+"Unicorn.json", nil)
	e.fails(http.StatusMethodNotAllowed, http.MethodPost, acct+"Shop.json", map[string]any{"name": "x"})
	e.fails(http.StatusMethodNotAllowed, http.MethodPut, acct+"Item.json", map[string]any{"description": "x"})
	e.fails(http.StatusForbidden, http.MethodGet, "/API/V3/Account/1/Item.json", nil)
	e.fails(http.StatusBadRequest, http.MethodGet, acct+"Item.json?itemID=%3E%2Cabc", nil)
	e.fails(http.StatusBadRequest, http.MethodGet, acct+"Item.json?timeStamp=%3E%2Cyesterday", nil)
	e.fails(http.StatusBadRequest, http.MethodGet, acct+"Item.json?customSku=IN%2Cabc", nil)
	// Not-found message in the documented wording.
	assert.Equal(t, "Object of type 'Employee' not found with primary ID '99'.", e.fails(http.StatusNotFound, http.MethodGet, acct+"Employee/99.json", nil))
}

// An open sale's lines change and go one by one, and the totals follow; a completed
// sale's lines cannot; an open sale can be voided.
func TestOpenSaleLinesChangeDeleteAndVoid(t *testing.T) {
	e := newEnv(t, "empty", unlimited)
	a, b := stockItem(t, e, "A-3"), stockItem(t, e, "B-3")
	open := e.ok(http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "SaleLines": map[string]any{"SaleLine": []any{
		map[string]any{"itemID": a, "unitQuantity": 1}, map[string]any{"itemID": b, "unitQuantity": 2}}}})["Sale"].(map[string]any)
	id := open["saleID"].(string)
	assert.Equal(t, "375", open["total"])
	lines := inner(open["SaleLines"], "SaleLine")
	first, second := lines[0]["saleLineID"].(string), lines[1]["saleLineID"].(string)

	changed := e.ok(http.MethodPut, acct+"SaleLine/"+first+".json", map[string]any{"unitQuantity": 3, "unitPrice": "100"})["SaleLine"].(map[string]any)
	assert.Equal(t, "3", changed["unitQuantity"])
	sale := e.ok(http.MethodGet, acct+"Sale/"+id+`.json?load_relations=["SaleLines"]`, nil)["Sale"].(map[string]any)
	assert.Equal(t, "550", sale["total"], "3 × 100 + 2 × 125")

	e.ok(http.MethodDelete, acct+"SaleLine/"+second+".json", nil)
	sale = e.ok(http.MethodGet, acct+"Sale/"+id+`.json?load_relations=["SaleLines"]`, nil)["Sale"].(map[string]any)
	assert.Equal(t, "300", sale["total"])
	assert.Len(t, inner(sale["SaleLines"], "SaleLine"), 1)
	e.fails(http.StatusNotFound, http.MethodGet, acct+"SaleLine/"+second+".json", nil)

	// A new line by PUT on the sale, the existing one changed in the same request.
	sale = e.ok(http.MethodPut, acct+"Sale/"+id+".json", map[string]any{"SaleLines": map[string]any{"SaleLine": []any{
		map[string]any{"saleLineID": first, "unitQuantity": 1}, map[string]any{"itemID": b, "unitQuantity": 1}}}})["Sale"].(map[string]any)
	assert.Equal(t, "225", sale["total"], "1 × 100 + 1 × 125")

	voided := e.ok(http.MethodPut, acct+"Sale/"+id+".json", map[string]any{"voided": true})["Sale"].(map[string]any)
	assert.Equal(t, "true", voided["voided"])
	assert.Equal(t, "false", voided["completed"])
	assert.Contains(t, e.fails(http.StatusBadRequest, http.MethodDelete, acct+"SaleLine/"+first+".json", nil), "voided")
	assert.Equal(t, "10", qoh(t, e, a, "1"), "an open or voided sale leaves stock alone")

	done := e.ok(http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "completed": true,
		"SaleLines":    map[string]any{"SaleLine": map[string]any{"itemID": a, "unitQuantity": 1}},
		"SalePayments": map[string]any{"SalePayment": map[string]any{"paymentTypeID": 2, "amount": "125"}}})["Sale"].(map[string]any)
	line := inner(done["SaleLines"], "SaleLine")[0]["saleLineID"].(string)
	assert.Contains(t, e.fails(http.StatusBadRequest, http.MethodPut, acct+"SaleLine/"+line+".json", map[string]any{"unitQuantity": 2}), "completed")
	assert.Contains(t, e.fails(http.StatusBadRequest, http.MethodDelete, acct+"SaleLine/"+line+".json", nil), "completed")
}

// The demo trickle has customers collect orders sent from Fortnox: the oldest open sale
// from Fortnox is paid by card and completed.
func TestDemoTickPicksUpOpenFortnoxSales(t *testing.T) {
	e := newEnv(t, "demo", unlimited)
	a := stockItem(t, e, "A-4")
	open := e.ok(http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "referenceNumber": "1042", "referenceNumberSource": "Fortnox",
		"SaleLines": map[string]any{"SaleLine": map[string]any{"itemID": a, "unitQuantity": 2}}})["Sale"].(map[string]any)
	id := open["saleID"].(string)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 60 {
		e.srv.DemoTick(rng)
		if sale := e.ok(http.MethodGet, acct+"Sale/"+id+".json", nil)["Sale"].(map[string]any); sale["completed"] == "true" {
			assert.Equal(t, "250", sale["calcPayments"], "paid in full")
			assert.Equal(t, "8", qoh(t, e, a, "1"), "collected: the stock leaves the shop")
			return
		}
	}
	t.Fatal("no demo tick picked the open Fortnox sale up")
}

// The shapes real shops make: a line without an item described by its Note, a quantity-0
// line, an item without customSku, a ship-to, a deposit without lines, and refunds both as
// lines with parentSaleLineID and with POST Sale/{id}/refund.
func TestSaleShapesOfRealShops(t *testing.T) {
	e := newEnv(t, "empty", unlimited)
	a := stockItem(t, e, "A-1")
	bare := e.ok(http.MethodPost, acct+"Item.json", map[string]any{"description": "Gammal vara", "taxClassID": 1,
		"Prices": map[string]any{"ItemPrice": map[string]any{"amount": "10.5", "useTypeID": 1}}})["Item"].(map[string]any)
	assert.Equal(t, "", bare["customSku"], "an item made in the POS may have no customSku")
	assert.NotEmpty(t, bare["systemSku"])

	sale := e.ok(http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "completed": true,
		"SaleLines": map[string]any{"SaleLine": []any{
			map[string]any{"itemID": a, "unitQuantity": 1, "unitPrice": "99.1250"},
			map[string]any{"itemID": "0", "unitQuantity": 1, "unitPrice": "25", "Note": map[string]any{"note": "Presentinslagning \"guld\"", "isPublic": true}},
			map[string]any{"itemID": a, "unitQuantity": 0},
			map[string]any{"itemID": bare["itemID"], "unitQuantity": 2},
		}},
		"ShipTo": map[string]any{"firstName": "Eva", "lastName": "Ek", "shipNote": "Lämna vid dörren",
			"Contact": map[string]any{"Addresses": map[string]any{"ContactAddress": map[string]any{
				"address1": "Av. Corrientes 1", "city": "Buenos Aires", "zip": "C1000", "countryCode": "AR"}}}},
		"SalePayments": map[string]any{"SalePayment": map[string]any{"paymentTypeID": 1, "amount": "145.13"}}})["Sale"].(map[string]any)
	id := sale["saleID"].(string)
	assert.Equal(t, "145.13", sale["total"], "99.125 + 25 + 0 + 2 × 10.5, rounded once")
	assert.NotEqual(t, "0", sale["shipToID"])

	got := e.ok(http.MethodGet, acct+"Sale/"+id+`.json?load_relations=["SaleLines","SaleLines.Note","SaleLines.Item","ShipTo","ShipTo.Contact"]`, nil)["Sale"].(map[string]any)
	lines := inner(got["SaleLines"], "SaleLine")
	require.Len(t, lines, 4)
	assert.Equal(t, "0", lines[1]["itemID"])
	assert.Equal(t, "", lines[1]["Item"], "a line without an item has an empty Item relation")
	note := lines[1]["Note"].(map[string]any)
	assert.Equal(t, "Presentinslagning \"guld\"", note["note"])
	assert.Equal(t, "true", note["isPublic"])
	assert.Equal(t, note["noteID"], lines[1]["noteID"])
	assert.Equal(t, "", lines[0]["Note"], "a line without a note has an empty Note relation")
	assert.Equal(t, "0", lines[2]["unitQuantity"])
	shipTo := got["ShipTo"].(map[string]any)
	assert.Equal(t, "Eva", shipTo["firstName"])
	assert.Equal(t, "Lämna vid dörren", shipTo["shipNote"])
	addr := inner(shipTo["Contact"].(map[string]any)["Addresses"], "ContactAddress")
	require.Len(t, addr, 1)
	assert.Equal(t, "AR", addr[0]["countryCode"])
	plain := e.ok(http.MethodGet, acct+"Sale/"+id+".json", nil)["Sale"].(map[string]any)
	assert.NotContains(t, plain, "ShipTo", "relations only when loaded")

	// A deposit: no lines, cash in and credit account out, balancing to 0.
	customer := e.ok(http.MethodPost, acct+"Customer.json", map[string]any{"firstName": "Dora"})["Customer"].(map[string]any)
	deposit := e.ok(http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "completed": true, "customerID": customer["customerID"],
		"SalePayments": map[string]any{"SalePayment": []any{
			map[string]any{"paymentTypeID": 1, "amount": "500"}, map[string]any{"paymentTypeID": 6, "amount": "-500"}}}})["Sale"].(map[string]any)
	assert.Equal(t, "true", deposit["completed"])
	assert.Equal(t, "", deposit["SaleLines"])

	// A return line names the line it refunds; it returns that line's item, at most its quantity.
	parent := lines[0]["saleLineID"].(string)
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "completed": true,
		"SaleLines": map[string]any{"SaleLine": map[string]any{"parentSaleLineID": parent, "unitQuantity": -2, "unitPrice": "99.125"}}})
	ret := e.ok(http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "completed": true,
		"SaleLines":    map[string]any{"SaleLine": map[string]any{"parentSaleLineID": parent, "unitQuantity": -1, "unitPrice": "99.125"}},
		"SalePayments": map[string]any{"SalePayment": map[string]any{"paymentTypeID": 1, "amount": "-99.13"}}})["Sale"].(map[string]any)
	retLine := inner(ret["SaleLines"], "SaleLine")[0]
	assert.Equal(t, a, retLine["itemID"])
	assert.Equal(t, "-1", retLine["unitQuantity"])
	assert.Equal(t, parent, retLine["parentSaleLineID"])
	assert.Equal(t, "-99.13", ret["total"])
	assert.Equal(t, "10", qoh(t, e, a, "1"), "the returned unit is back in stock")

	// POST Sale/{id}/refund returns every line and pays back every payment.
	refund := e.ok(http.MethodPost, acct+"Sale/"+id+"/refund.json", nil)["Sale"].(map[string]any)
	assert.NotEqual(t, id, refund["saleID"])
	assert.Equal(t, "true", refund["completed"])
	assert.Equal(t, "-145.13", refund["total"])
	refundLines := inner(refund["SaleLines"], "SaleLine")
	require.Len(t, refundLines, 3, "the quantity-0 line has nothing to return")
	assert.Equal(t, lines[1]["saleLineID"], refundLines[1]["parentSaleLineID"])
	assert.Equal(t, "0", refundLines[1]["itemID"], "a misc line is refunded as a misc line")
	pays := inner(refund["SalePayments"], "SalePayment")
	require.Len(t, pays, 1)
	assert.Equal(t, "-145.13", pays[0]["amount"])
	e.fails(http.StatusMethodNotAllowed, http.MethodGet, acct+"Sale/"+id+"/refund.json", nil)
}

// The demo store's sales (make run) show the shapes of real shops: lines without an item,
// ship-to addresses and 4-decimal prices.
func TestDemoSalesCarryRealShapes(t *testing.T) {
	e := newEnv(t, "demo", unlimited)
	sales := list(e.ok(http.MethodGet, acct+`Sale.json?load_relations=["SaleLines","SaleLines.Note","ShipTo"]`, nil), "Sale")
	misc, shipped, fine := 0, 0, 0
	for _, s := range sales {
		if to, ok := s["ShipTo"].(map[string]any); ok && to["firstName"] != "" {
			shipped++
		}
		for _, l := range inner(s["SaleLines"], "SaleLine") {
			if l["itemID"] == "0" {
				misc++
				assert.NotEmpty(t, l["Note"].(map[string]any)["note"])
			}
			if p := l["unitPrice"].(string); len(p) > 3 && strings.Contains(p, ".") && len(p)-strings.Index(p, ".") == 5 {
				fine++
			}
		}
	}
	assert.Positive(t, misc, "lines without an item")
	assert.Positive(t, shipped, "sales with a ship-to")
	assert.Positive(t, fine, "4-decimal prices")
}

// A discount on the whole sale is spread over its lines as calcTransactionDiscount.
func TestSaleDiscountSpreadsOverLines(t *testing.T) {
	e := newEnv(t, "empty", unlimited)
	a, b := stockItem(t, e, "A-5"), stockItem(t, e, "B-5")
	sale := e.ok(http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "discountPercent": "0.1", "SaleLines": map[string]any{"SaleLine": []any{
		map[string]any{"itemID": a, "unitQuantity": 2}, map[string]any{"itemID": b, "unitQuantity": 1, "discountAmount": "25"}}}})["Sale"].(map[string]any)
	assert.Equal(t, "315", sale["total"], "(250 + 100) less 10 %")
	assert.Equal(t, "60", sale["calcDiscount"], "25 on a line and 35 on the sale")
	lines := inner(sale["SaleLines"], "SaleLine")
	assert.Equal(t, "25", lines[0]["calcTransactionDiscount"])
	assert.Equal(t, "10", lines[1]["calcTransactionDiscount"])
	assert.Equal(t, "25", lines[1]["calcLineDiscount"])
}

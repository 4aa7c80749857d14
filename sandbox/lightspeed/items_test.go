package lightspeed

import (
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestItemDescriptionRequired(t *testing.T) {
	e := newEnv(t, "empty", unlimited)
	msg := e.fails(http.StatusBadRequest, http.MethodPost, acct+"Item.json", map[string]any{"customSku": "X"})
	assert.Equal(t, "Item not created. An Item must have a description.", msg)
	msg = e.fails(http.StatusBadRequest, http.MethodPost, acct+"Category.json", map[string]any{"parentID": 0})
	assert.Equal(t, "name cannot be blank.", msg)
}

func TestItemBarcodeRules(t *testing.T) {
	e := newEnv(t, "empty", unlimited)
	e.fails(http.StatusUnprocessableEntity, http.MethodPost, acct+"Item.json", map[string]any{"description": "A", "ean": "1234567890"})
	e.fails(http.StatusUnprocessableEntity, http.MethodPost, acct+"Item.json", map[string]any{"description": "A", "ean": "123456789012345"})
	e.fails(http.StatusUnprocessableEntity, http.MethodPost, acct+"Item.json", map[string]any{"description": "A", "upc": "12345678901a"})
	e.ok(http.MethodPost, acct+"Item.json", map[string]any{"description": "A", "ean": "12345678901"})
	e.ok(http.MethodPost, acct+"Item.json", map[string]any{"description": "B", "ean": "12345678901234"})
	msg := e.fails(http.StatusUnprocessableEntity, http.MethodPost, acct+"Item.json", map[string]any{"description": "C", "ean": "12345678901"})
	assert.Contains(t, msg, "duplicate")
	// A PUT that would duplicate an EAN fails with 422 and changes nothing, stock included.
	msg = e.fails(http.StatusUnprocessableEntity, http.MethodPut, acct+"Item/2.json", map[string]any{"ean": "12345678901",
		"ItemShops": map[string]any{"ItemShop": map[string]any{"shopID": 1, "qoh": 9}}})
	assert.Contains(t, msg, "duplicate")
	item := e.ok(http.MethodGet, acct+`Item/2.json?load_relations=["ItemShops"]`, nil)["Item"].(map[string]any)
	assert.Equal(t, "12345678901234", item["ean"])
	assert.Equal(t, "0", itemShopFor(item, "1")["qoh"])
}

func TestItemShopsAndQOH(t *testing.T) {
	e := newEnv(t, "empty", unlimited)
	created := e.ok(http.MethodPost, acct+"Item.json", map[string]any{"description": "Mugg", "customSku": "MUG-1",
		"Prices": map[string]any{"ItemPrice": map[string]any{"amount": 99, "useType": "Default"}}})["Item"].(map[string]any)
	shops := inner(created["ItemShops"], "ItemShop")
	require.Len(t, shops, 3, "one per shop plus shop 0")
	for _, id := range []string{"0", "1", "2"} {
		require.NotNil(t, itemShopFor(created, id), "shop %s", id)
		assert.Equal(t, "0", itemShopFor(created, id)["qoh"])
	}
	assert.Equal(t, "99", inner(created["Prices"], "ItemPrice")[0]["amount"])
	assert.Equal(t, "Default", inner(created["Prices"], "ItemPrice")[0]["useType"])
	itemStamp := created["timeStamp"]
	is1 := itemShopFor(created, "1")["itemShopID"]
	oldShopStamp := itemShopFor(created, "1")["timeStamp"]

	e.advance(5 * time.Second)
	// By itemShopID and by shopID; qoh is absolute and shop 0 is their sum.
	updated := e.ok(http.MethodPut, acct+"Item/1.json", map[string]any{"ItemShops": map[string]any{"ItemShop": []any{
		map[string]any{"itemShopID": is1, "qoh": 7}, map[string]any{"shopID": 2, "qoh": "-2"}}}})["Item"].(map[string]any)
	assert.Equal(t, "7", itemShopFor(updated, "1")["qoh"])
	assert.Equal(t, "-2", itemShopFor(updated, "2")["qoh"])
	assert.Equal(t, "5", itemShopFor(updated, "0")["qoh"])
	assert.Equal(t, itemStamp, updated["timeStamp"], "stock changes do not move Item.timeStamp")
	assert.NotEqual(t, oldShopStamp, itemShopFor(updated, "1")["timeStamp"], "ItemShop.timeStamp moves")

	// Stock pollers find the change through ItemShop timeStamps.
	since := e.clock.Now().Add(-time.Second).UTC().Format("2006-01-02T15:04:05Z")
	changed := e.ok(http.MethodGet, acct+"ItemShop.json?sort=timeStamp&timeStamp=%3E%3D%2C"+since, nil)
	assert.Len(t, list(changed, "ItemShop"), 3)

	e.ok(http.MethodPut, acct+"Item/1.json", map[string]any{"ItemShops": map[string]any{"ItemShop": map[string]any{"shopID": 1, "qoh": 3}}})
	item := e.ok(http.MethodGet, acct+`Item/1.json?load_relations=["ItemShops"]`, nil)["Item"].(map[string]any)
	assert.Equal(t, "3", itemShopFor(item, "1")["qoh"], "sets, does not add")
	assert.Equal(t, "1", itemShopFor(item, "0")["qoh"])

	e.fails(http.StatusBadRequest, http.MethodPut, acct+"Item/1.json", map[string]any{"ItemShops": map[string]any{"ItemShop": map[string]any{"shopID": 0, "qoh": 3}}})
	e.fails(http.StatusBadRequest, http.MethodPut, acct+"Item/1.json", map[string]any{"ItemShops": map[string]any{"ItemShop": []any{
		map[string]any{"shopID": 1, "qoh": 3}, map[string]any{"shopID": 1, "qoh": 4}}}})
	e.fails(http.StatusBadRequest, http.MethodPut, acct+"Item/1.json", map[string]any{"ItemShops": map[string]any{"ItemShop": map[string]any{"qoh": 3}}})
	e.fails(http.StatusBadRequest, http.MethodPut, acct+"Item/1.json", map[string]any{"ItemShops": map[string]any{"ItemShop": map[string]any{"shopID": 9, "qoh": 3}}})

	// A field change moves Item.timeStamp.
	e.advance(5 * time.Second)
	renamed := e.ok(http.MethodPut, acct+"Item/1.json", map[string]any{"description": "Mugg stor"})["Item"].(map[string]any)
	assert.NotEqual(t, itemStamp, renamed["timeStamp"])

	// DELETE archives and zeroes stock; PUT cannot archive; archived=false un-archives.
	e.fails(http.StatusBadRequest, http.MethodPut, acct+"Item/1.json", map[string]any{"archived": true})
	deleted := e.ok(http.MethodDelete, acct+"Item/1.json", nil)["Item"].(map[string]any)
	assert.Equal(t, "true", deleted["archived"])
	for _, id := range []string{"0", "1", "2"} {
		assert.Equal(t, "0", itemShopFor(deleted, id)["qoh"])
	}
	e.ok(http.MethodGet, acct+"Item/1.json", nil)
	restored := e.ok(http.MethodPut, acct+"Item/1.json", map[string]any{"archived": false})["Item"].(map[string]any)
	assert.Equal(t, "false", restored["archived"])
}

func TestMatrixAttributeValues(t *testing.T) {
	e := newEnv(t, "empty", unlimited)
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"ItemMatrix.json", map[string]any{"description": "Tröja"})
	m := e.ok(http.MethodPost, acct+"ItemMatrix.json", map[string]any{"description": "Tröja", "itemAttributeSetID": 1,
		"Prices": map[string]any{"ItemPrice": map[string]any{"amount": "499", "useTypeID": 1}}})["ItemMatrix"].(map[string]any)
	assert.Equal(t, "", m["attribute1Values"])
	id := m["itemMatrixID"].(string)

	first := e.ok(http.MethodPost, acct+"Item.json", map[string]any{"itemMatrixID": id,
		"ItemAttributes": map[string]any{"attribute1": "Röd", "attribute2": "M"}})["Item"].(map[string]any)
	assert.Equal(t, "Tröja Röd M", first["description"], "matrix items are named after matrix and attributes")
	attrs := first["ItemAttributes"].(map[string]any)
	assert.Equal(t, "Röd", attrs["attribute1"])
	assert.Equal(t, "1", attrs["itemAttributeSetID"])
	assert.Equal(t, "499", inner(first["Prices"], "ItemPrice")[0]["amount"], "prices come from the matrix")

	m = e.ok(http.MethodGet, acct+"ItemMatrix/"+id+".json", nil)["ItemMatrix"].(map[string]any)
	assert.Equal(t, "Röd", m["attribute1Values"], "one value is a plain string")
	e.ok(http.MethodPost, acct+"Item.json", map[string]any{"itemMatrixID": id, "description": "Tröja blå L",
		"ItemAttributes": map[string]any{"attribute1": "Blå", "attribute2": "L"}})
	e.ok(http.MethodPost, acct+"Item.json", map[string]any{"itemMatrixID": id,
		"ItemAttributes": map[string]any{"attribute1": "Röd", "attribute2": "L"}})
	m = e.ok(http.MethodGet, acct+`ItemMatrix/`+id+`.json?load_relations=["Items","ItemAttributeSet"]`, nil)["ItemMatrix"].(map[string]any)
	assert.Equal(t, []any{"Röd", "Blå"}, m["attribute1Values"])
	assert.Equal(t, []any{"M", "L"}, m["attribute2Values"])
	assert.Len(t, inner(m["Items"], "Item"), 3)
	assert.Equal(t, "Color/Size", m["ItemAttributeSet"].(map[string]any)["name"])

	// Filter variants by their attributes through the loaded relation.
	out := e.ok(http.MethodGet, acct+`Item.json?load_relations=["ItemAttributes"]&ItemAttributes.attribute2=L`, nil)
	assert.Len(t, list(out, "Item"), 2)
}

func TestCategoriesNest(t *testing.T) {
	e := newEnv(t, "empty", unlimited)
	root := e.ok(http.MethodPost, acct+"Category.json", map[string]any{"name": "Kläder"})["Category"].(map[string]any)
	child := e.ok(http.MethodPost, acct+"Category.json", map[string]any{"name": "Jackor", "parentID": root["categoryID"]})["Category"].(map[string]any)
	assert.Equal(t, "Kläder/Jackor", child["fullPathName"])
	assert.Equal(t, "1", child["nodeDepth"])
	root = e.ok(http.MethodGet, acct+"Category/"+root["categoryID"].(string)+".json", nil)["Category"].(map[string]any)
	assert.Equal(t, "1", root["leftNode"])
	assert.Equal(t, "4", root["rightNode"])
	e.fails(http.StatusBadRequest, http.MethodDelete, acct+"Category/"+root["categoryID"].(string)+".json", nil)
	e.ok(http.MethodDelete, acct+"Category/"+child["categoryID"].(string)+".json", nil)
	e.fails(http.StatusNotFound, http.MethodGet, acct+"Category/"+child["categoryID"].(string)+".json", nil)
}

func TestDemoSeed(t *testing.T) {
	e := newEnv(t, "demo", unlimited)
	shops := list(e.ok(http.MethodGet, acct+`Shop.json?load_relations=["Registers"]`, nil), "Shop")
	require.Len(t, shops, 2)
	assert.Equal(t, "Butiken Stockholm", shops[0]["name"])
	assert.Equal(t, "Butiken Göteborg", shops[1]["name"])
	assert.NotEqual(t, "", shops[1]["Registers"])
	pts := list(e.ok(http.MethodGet, acct+"PaymentType.json", nil), "PaymentType")
	var names []string
	for _, p := range pts {
		names = append(names, p["name"].(string))
	}
	assert.Subset(t, names, []string{"Cash", "Credit Card", "Swish", "Gift Card", "Invoice"})
	pls := list(e.ok(http.MethodGet, acct+"PriceLevel.json", nil), "PriceLevel")
	assert.Equal(t, "Default", pls[0]["name"])
	assert.Len(t, list(e.ok(http.MethodGet, acct+"TaxClass.json", nil), "TaxClass"), 3)
	assert.Equal(t, "22", e.ok(http.MethodGet, acct+"ItemMatrix.json?count=1", nil)["@attributes"].(map[string]any)["count"])
	assert.Equal(t, "25", e.ok(http.MethodGet, acct+"Customer.json?count=1", nil)["@attributes"].(map[string]any)["count"])
	sales := e.ok(http.MethodGet, acct+"Sale.json?count=1&completed=true", nil)["@attributes"].(map[string]any)["count"]
	assert.Equal(t, "30", sales)
	withCustomer := e.ok(http.MethodGet, acct+"Sale.json?count=1&customerID=%3E%2C0", nil)["@attributes"].(map[string]any)["count"]
	assert.NotEqual(t, "0", withCustomer)
	assert.NotEqual(t, "30", withCustomer)
	item := e.ok(http.MethodGet, acct+`Item/1.json?load_relations=["Category"]`, nil)["Item"].(map[string]any)
	assert.NotEmpty(t, item["customSku"])
	assert.Len(t, item["ean"], 13)
	assert.Contains(t, item["Category"].(map[string]any)["fullPathName"], "/")

	// The trickle adds a completed sale.
	e.srv.DemoTick(rand.New(rand.NewPCG(1, 2)))
	sales = e.ok(http.MethodGet, acct+"Sale.json?count=1", nil)["@attributes"].(map[string]any)["count"]
	assert.Equal(t, "31", sales)
}

func TestItemECommerceAndCustomFields(t *testing.T) {
	e := newEnv(t, "empty", unlimited)
	for _, name := range []string{"Material", "Ursprung", "Skötsel", "Färg"} {
		e.ok(http.MethodPost, acct+"Item/CustomField.json", map[string]any{"name": name})
	}
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Item.json", map[string]any{"description": "Kopp",
		"CustomFieldValues": map[string]any{"CustomFieldValue": map[string]any{"customFieldID": 9, "value": "blå"}}})
	item := e.ok(http.MethodPost, acct+`Item.json?load_relations=["ItemECommerce","CustomFieldValues"]`, map[string]any{"description": "Kopp",
		"ItemECommerce":     map[string]any{"longDescription": "En stor kopp.", "weight": 0.3},
		"CustomFieldValues": map[string]any{"CustomFieldValue": map[string]any{"customFieldID": 4, "value": "blå"}}})["Item"].(map[string]any)
	ecom := item["ItemECommerce"].(map[string]any)
	assert.Equal(t, "En stor kopp.", ecom["longDescription"])
	assert.Equal(t, "0.3", ecom["weight"])
	assert.NotEqual(t, "0", ecom["itemECommerceID"])
	cf := item["CustomFieldValues"].(map[string]any)["CustomFieldValue"].(map[string]any)
	assert.Equal(t, "blå", cf["value"])
	assert.Equal(t, "Färg", cf["name"], "the value names its field")

	e.ok(http.MethodPut, acct+"Item/1.json", map[string]any{"ItemECommerce": map[string]any{"shortDescription": "Kopp"},
		"CustomFieldValues": map[string]any{"CustomFieldValue": map[string]any{"customFieldID": 4, "value": "röd"}}})
	item = e.ok(http.MethodGet, acct+`Item/1.json?load_relations=["ItemECommerce","CustomFieldValues"]`, nil)["Item"].(map[string]any)
	ecom = item["ItemECommerce"].(map[string]any)
	assert.Equal(t, "En stor kopp.", ecom["longDescription"], "a partial update keeps other texts")
	assert.Equal(t, "Kopp", ecom["shortDescription"])
	assert.Equal(t, "röd", item["CustomFieldValues"].(map[string]any)["CustomFieldValue"].(map[string]any)["value"])
	e.fails(http.StatusBadRequest, http.MethodPut, acct+"Item/1.json", map[string]any{"ItemECommerce": map[string]any{"colour": "x"}})
}

func TestItemShopEndpoint(t *testing.T) {
	e := newEnv(t, "demo", unlimited)
	shops := list(e.ok(http.MethodGet, acct+"ItemShop.json?itemID=1", nil), "ItemShop")
	require.Len(t, shops, 3)
	var shop1 map[string]any
	for _, s := range shops {
		if s["shopID"] == "1" {
			shop1 = s
		}
	}
	id := shop1["itemShopID"].(string)
	updated := e.ok(http.MethodPut, acct+"ItemShop/"+id+".json", map[string]any{"reorderPoint": 4, "reorderLevel": 10})["ItemShop"].(map[string]any)
	assert.Equal(t, "4", updated["reorderPoint"])
	assert.Equal(t, shop1["qoh"], updated["qoh"])
	assert.Contains(t, e.fails(http.StatusBadRequest, http.MethodPut, acct+"ItemShop/"+id+".json", map[string]any{"qoh": 1}), "PUT Item")
	e.fails(http.StatusMethodNotAllowed, http.MethodPost, acct+"ItemShop.json", map[string]any{"qoh": 1})
	// Boolean filters accept 1/0 as well as true/false; XML requests still get JSON.
	assert.Equal(t, "246", e.ok(http.MethodGet, acct+"Item.json?count=1&tax=1", nil)["@attributes"].(map[string]any)["count"])
	resp, out := e.call(http.MethodGet, acct+"Item/1.json?pretty_print=1", nil)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.Equal(t, "1", out["Item"].(map[string]any)["itemID"])
}

func TestItemCustomFieldDefinitions(t *testing.T) {
	e := newEnv(t, "empty", unlimited)
	made := e.ok(http.MethodPost, acct+"Item/CustomField.json", map[string]any{"name": "Material"})["CustomField"].(map[string]any)
	assert.Equal(t, "1", made["customFieldID"])
	assert.Equal(t, "string", made["type"], "text unless a type is given")
	e.ok(http.MethodPost, acct+"Item/CustomField.json", map[string]any{"name": "Vikt", "type": "float", "uom": "g"})
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Item/CustomField.json", map[string]any{"name": "material"})
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Item/CustomField.json", map[string]any{"name": ""})
	e.fails(http.StatusBadRequest, http.MethodPost, acct+"Item/CustomField.json", map[string]any{"name": "X", "type": "colour"})
	list := e.ok(http.MethodGet, acct+"Item/CustomField.json", nil)
	assert.Len(t, list["CustomField"], 2)
	one := e.ok(http.MethodGet, acct+"Item/CustomField/2.json", nil)["CustomField"].(map[string]any)
	assert.Equal(t, "Vikt", one["name"])
	e.fails(http.StatusNotFound, http.MethodGet, acct+"CustomField.json", nil)
}

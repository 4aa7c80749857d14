package lightspeed

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func unlimited(o *Options) { o.NoLimits = true }

func TestPagingFollowsNextUntilEmpty(t *testing.T) {
	e := newEnv(t, "demo", unlimited)
	count := e.ok(http.MethodGet, acct+"Item.json?count=1", nil)
	_, hasItems := count["Item"]
	assert.False(t, hasItems, "count=1 returns no records")
	total, err := strconv.Atoi(count["@attributes"].(map[string]any)["count"].(string))
	require.NoError(t, err)
	require.Equal(t, 246, total)

	seen := map[string]bool{}
	next := acct + "Item.json?limit=50"
	pages := 0
	var prev string
	for next != "" {
		out := e.ok(http.MethodGet, next, nil)
		attrs := out["@attributes"].(map[string]any)
		assert.Equal(t, "50", attrs["limit"])
		if pages == 0 {
			assert.Equal(t, "", attrs["previous"])
		} else {
			prev = attrs["previous"].(string)
			assert.NotEmpty(t, prev)
		}
		for _, it := range list(out, "Item") {
			id := it["itemID"].(string)
			assert.False(t, seen[id], "item %s twice", id)
			seen[id] = true
		}
		next = attrs["next"].(string)
		if next != "" {
			u, err := url.Parse(next)
			require.NoError(t, err)
			assert.NotEmpty(t, u.Query().Get("after"), "after lives only inside next")
			assert.Equal(t, "itemID", u.Query().Get("sort"))
		}
		pages++
	}
	assert.Equal(t, 5, pages)
	assert.Len(t, seen, total)

	// The previous link of the last page leads back to the fourth page.
	out := e.ok(http.MethodGet, prev, nil)
	items := list(out, "Item")
	require.Len(t, items, 50)
	assert.Equal(t, "151", items[0]["itemID"])

	// Descending sort by timeStamp with paging keeps every row once.
	seen = map[string]bool{}
	next = acct + "Item.json?limit=100&sort=-timeStamp"
	for next != "" {
		out := e.ok(http.MethodGet, next, nil)
		for _, it := range list(out, "Item") {
			seen[it["itemID"].(string)] = true
		}
		next = out["@attributes"].(map[string]any)["next"].(string)
	}
	assert.Len(t, seen, total)
}

// A changed-since listing sorted by the primary key: the cursor is the last sale's id, the
// timeStamp filter rides along in every next link, and a sale changed while paging keeps its
// place in the order (behind the reader if its id was read already).
func TestPagingSalesByIDWithATimeStampFilter(t *testing.T) {
	e := newEnv(t, "empty", unlimited)
	item := stockItem(t, e, "P-1")
	sale := func() string {
		e.advance(time.Second)
		return e.ok(http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "completed": true,
			"SaleLines":    map[string]any{"SaleLine": map[string]any{"itemID": item, "unitQuantity": 1}},
			"SalePayments": map[string]any{"SalePayment": map[string]any{"paymentTypeID": 1, "amount": "125"}}})["Sale"].(map[string]any)["saleID"].(string)
	}
	old := sale()
	since := e.clock.Now().Add(time.Second).UTC().Truncate(time.Second)
	var ids []string
	for range 5 {
		ids = append(ids, sale())
	}
	q := url.Values{"completed": {"true"}, "sort": {"saleID"}, "limit": {"2"}, "timeStamp": {">=," + since.Format(time.RFC3339)}}
	next := acct + "Sale.json?" + q.Encode()
	var got []string
	for page := 0; next != ""; page++ {
		out := e.ok(http.MethodGet, next, nil)
		rows := list(out, "Sale")
		for _, r := range rows {
			got = append(got, r["saleID"].(string))
		}
		next = out["@attributes"].(map[string]any)["next"].(string)
		if next == "" {
			continue
		}
		u, err := url.Parse(next)
		require.NoError(t, err)
		assert.Equal(t, "saleID", u.Query().Get("sort"))
		assert.Equal(t, ">=,"+since.Format(time.RFC3339), u.Query().Get("timeStamp"), "the filter rides along")
		cursor, err := base64.StdEncoding.DecodeString(u.Query().Get("after"))
		require.NoError(t, err)
		assert.Equal(t, "["+rows[len(rows)-1]["saleID"].(string)+"]", string(cursor), "sorted by the id, the cursor is the last id")
		if page == 0 {
			// Change a sale already read and one not yet read, and add one.
			e.advance(time.Second)
			e.ok(http.MethodPut, acct+"Sale/"+ids[0]+".json", map[string]any{"referenceNumber": "changed"})
			e.ok(http.MethodPut, acct+"Sale/"+ids[4]+".json", map[string]any{"referenceNumber": "changed"})
			e.ok(http.MethodPut, acct+"Sale/"+old+".json", map[string]any{"referenceNumber": "changed"})
			ids = append(ids, sale())
		}
	}
	assert.Equal(t, ids, got, "every sale of the window once, in id order; the old sale that entered it sits behind the reader")
	again := e.ok(http.MethodGet, acct+"Sale.json?"+q.Encode(), nil)
	assert.Equal(t, old, list(again, "Sale")[0]["saleID"], "a new listing finds the old sale, changed while the first one paged")
}

func TestPagingErrors(t *testing.T) {
	e := newEnv(t, "demo", unlimited)
	assert.Contains(t, e.fails(http.StatusBadRequest, http.MethodGet, acct+"Item.json?limit=101", nil), "limit")
	assert.Contains(t, e.fails(http.StatusBadRequest, http.MethodGet, acct+"Item.json?sort=customSku", nil), "itemID, timeStamp, description")
	assert.Contains(t, e.fails(http.StatusBadRequest, http.MethodGet, acct+"Item.json?after=notacursor!", nil), "after")
	assert.Contains(t, e.fails(http.StatusBadRequest, http.MethodGet, acct+"Item.json?count=1&limit=10", nil), "count")
	assert.Contains(t, e.fails(http.StatusBadRequest, http.MethodGet, acct+"Item.json?colour=red", nil), "colour")
}

func ids(out map[string]any, entity string) []string {
	var res []string
	for _, r := range list(out, entity) {
		res = append(res, r[strings.ToLower(entity[:1])+entity[1:]+"ID"].(string))
	}
	return res
}

func TestQueryOperators(t *testing.T) {
	e := newEnv(t, "demo", unlimited)
	get := func(q string) []string {
		t.Helper()
		return ids(e.ok(http.MethodGet, acct+"Item.json?"+q, nil), "Item")
	}
	assert.Equal(t, []string{"5"}, get("itemID=5"))
	assert.Len(t, get("itemID=%3E%2C240"), 6)                              // >,240
	assert.Len(t, get("itemID=%3E%3D%2C240"), 7)                           // >=,240
	assert.Len(t, get("itemID=%3C%2C5"), 4)                                // <,5
	assert.Len(t, get("itemID=%3C%3D%2C5"), 5)                             // <=,5
	assert.Equal(t, []string{"3", "4", "5"}, get("itemID=%3E%3C%2C3%2C5")) // ><,3,5
	assert.NotContains(t, get("itemID=!%3D%2C5&itemID=%3C%3D%2C10"), "5")  // !=,5
	assert.Len(t, get("itemID=!%3D%2C5&itemID=%3C%3D%2C10"), 9)
	item := e.ok(http.MethodGet, acct+"Item/7.json", nil)["Item"].(map[string]any)
	sku := item["customSku"].(string)
	assert.Equal(t, []string{"7"}, get("customSku="+url.QueryEscape(sku)))
	assert.Contains(t, get("description=~%2C"+url.QueryEscape("T-shirt%")), "1")
	for _, id := range get("description=~%2C" + url.QueryEscape("%merino%")) {
		d := e.ok(http.MethodGet, acct+"Item/"+id+".json", nil)["Item"].(map[string]any)["description"].(string)
		assert.Contains(t, strings.ToLower(d), "merino")
	}
	notLike := get("description=!~%2C" + url.QueryEscape("T-shirt%") + "&limit=100")
	assert.NotContains(t, notLike, "1")
	// IN with unquoted and quoted values.
	other := e.ok(http.MethodGet, acct+"Item/9.json", nil)["Item"].(map[string]any)["customSku"].(string)
	assert.Equal(t, []string{"7", "9"}, get("customSku="+url.QueryEscape("IN,["+sku+","+other+"]")))
	assert.Equal(t, []string{"7", "9"}, get("customSku="+url.QueryEscape(`IN,["`+sku+`","`+other+`"]`)))
	assert.Equal(t, []string{"2", "3"}, get("itemID="+url.QueryEscape("IN,[2,3]")))
	// or= with the reference's syntax: inner "=" as %3D, operands split by a raw pipe.
	assert.Equal(t, []string{"7", "9"}, get("or=customSku%3D"+url.QueryEscape(sku)+"|customSku%3D"+url.QueryEscape(other)))
	assert.Equal(t, []string{"7", "9"}, get("or=itemID%3D7|customSku%3D"+url.QueryEscape(other)))
	// itemCode matches id, ean or upc.
	ean := item["ean"].(string)
	assert.Equal(t, []string{"7"}, get("itemCode="+ean))
	// timeStamp filters with an offset.
	future := url.QueryEscape(">," + e.clock.Now().Add(time.Hour).Format("2006-01-02T15:04:05-07:00"))
	assert.Empty(t, get("timeStamp="+future))
	past := url.QueryEscape(">=," + e.clock.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05Z"))
	assert.Len(t, get("timeStamp="+past), 100)
	// Combined filters AND together.
	assert.Equal(t, []string{"7"}, get("itemID=%3E%2C5&customSku="+url.QueryEscape(sku)))
}

func TestRelationFilterNeedsLoadRelations(t *testing.T) {
	e := newEnv(t, "demo", unlimited)
	c := list(e.ok(http.MethodGet, acct+`Customer/4.json?load_relations=["Contact"]`, nil), "Customer")[0]
	email := inner(c["Contact"].(map[string]any)["Emails"], "ContactEmail")[0]["address"].(string)

	msg := e.fails(http.StatusBadRequest, http.MethodGet, acct+"Customer.json?Contact.email="+url.QueryEscape(email), nil)
	assert.Contains(t, msg, "load_relations")

	out := e.ok(http.MethodGet, acct+`Customer.json?load_relations=`+url.QueryEscape(`["Contact"]`)+`&Contact.email=`+url.QueryEscape(email), nil)
	assert.Equal(t, []string{"4"}, ids(out, "Customer"))

	// Stock filter on the loaded ItemShops relation.
	out = e.ok(http.MethodGet, acct+`Item.json?load_relations=["ItemShops"]&ItemShops.qoh=%3E%2C1000`, nil)
	assert.Empty(t, ids(out, "Item"))
	msg = e.fails(http.StatusBadRequest, http.MethodGet, acct+`Item.json?load_relations=["Nope"]`, nil)
	assert.Contains(t, msg, "Nope")
	e.fails(http.StatusBadRequest, http.MethodGet, acct+`Item.json?load_relations=[ItemShops`, nil)
}

func TestArchivedFilter(t *testing.T) {
	e := newEnv(t, "demo", unlimited)
	e.ok(http.MethodDelete, acct+"Item/3.json", nil)
	count := func(q string) string {
		return e.ok(http.MethodGet, acct+"Item.json?count=1"+q, nil)["@attributes"].(map[string]any)["count"].(string)
	}
	assert.Equal(t, "245", count(""))
	assert.Equal(t, "245", count("&archived=false"))
	assert.Equal(t, "246", count("&archived=true"))
	assert.Equal(t, "1", count("&archived=only"))
	e.fails(http.StatusBadRequest, http.MethodGet, acct+"Item.json?archived=maybe", nil)
}

func TestJSONShapes(t *testing.T) {
	e := newEnv(t, "demo", unlimited)
	// Every scalar is a string.
	item := e.ok(http.MethodGet, acct+"Item/1.json", nil)
	assert.Equal(t, map[string]any{"count": "1"}, item["@attributes"])
	for k, v := range item["Item"].(map[string]any) {
		if k != "Prices" {
			assert.IsType(t, "", v, k)
		}
	}
	// One result: an object; several: an array; none: no entity key.
	one := e.ok(http.MethodGet, acct+"Item.json?itemID=1", nil)
	assert.IsType(t, map[string]any{}, one["Item"])
	many := e.ok(http.MethodGet, acct+"Item.json?itemID=%3C%2C3", nil)
	assert.IsType(t, []any{}, many["Item"])
	none := e.ok(http.MethodGet, acct+"Item.json?customSku=does-not-exist", nil)
	_, has := none["Item"]
	assert.False(t, has)
	assert.Equal(t, "", none["@attributes"].(map[string]any)["next"])

	// One-element relation collections are objects; empty relations are "".
	c := e.ok(http.MethodPost, acct+"Customer.json", map[string]any{"firstName": "Solo",
		"Contact": map[string]any{"Emails": map[string]any{"ContactEmail": map[string]any{"address": "solo@example.se", "useType": "Primary"}}}})
	contact := c["Customer"].(map[string]any)["Contact"].(map[string]any)
	assert.IsType(t, map[string]any{}, contact["Emails"].(map[string]any)["ContactEmail"])
	assert.Equal(t, "", contact["Phones"])
	assert.Equal(t, "", contact["Addresses"])
	assert.Equal(t, "true", contact["noPhone"], "noPhone defaults to true")
	ls := e.ok(http.MethodGet, acct+`Item/1.json?load_relations=["ItemECommerce","ItemShops"]`, nil)["Item"].(map[string]any)
	assert.Equal(t, "", ls["ItemECommerce"])
	assert.IsType(t, []any{}, ls["ItemShops"].(map[string]any)["ItemShop"])

	acc := e.ok(http.MethodGet, "/API/V3/Account.json", nil)
	assert.Equal(t, "316401", acc["Account"].(map[string]any)["accountID"])
	// Without the .json suffix too.
	e.ok(http.MethodGet, acct+"Item/1", nil)
}

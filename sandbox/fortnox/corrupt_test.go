package fortnox

import (
	"encoding/json"
	"strings"
	"testing"

	"fortspeed/sandbox/testapi"
)

func TestCorruptionReachesListAndSingleOrderAnswers(t *testing.T) {
	sb := start(t, Options{NoLimits: true}, "demo")
	orders := list(sb.json("GET", "/3/orders?sortby=documentnumber&limit=500", "", 200)["Orders"])
	if len(orders) < 2 {
		t.Fatalf("the demo seed has orders, got %d", len(orders))
	}
	bad := obj(orders[0])["DocumentNumber"].(string)
	remote := testapi.Remote{URL: sb.srv.URL}
	if err := remote.Corrupt("Order", bad, "Total", map[string]any{"amount": 1}); err != nil {
		t.Fatal(err)
	}
	if err := remote.Corrupt("Order", bad, "OrderRows.0.Price", "N/A"); err != nil {
		t.Fatal(err)
	}
	for _, o := range list(sb.json("GET", "/3/orders?sortby=documentnumber&limit=500", "", 200)["Orders"]) {
		doc, total := obj(o)["DocumentNumber"], obj(o)["Total"]
		if _, isObj := total.(map[string]any); isObj != (doc == bad) {
			t.Fatalf("order %s listed with Total %v: only %s is corrupted", doc, total, bad)
		}
	}
	one := obj(sb.json("GET", "/3/orders/"+bad, "", 200)["Order"])
	if obj(one["Total"]) == nil || obj(list(one["OrderRows"])[0])["Price"] != "N/A" {
		t.Fatalf("the single GET carries both corruptions: Total %v, row %v", one["Total"], list(one["OrderRows"])[0])
	}
	state := decode(t, mustGet(t, sb, "/_sandbox/state"))
	seen := false
	for _, o := range list(state["orders"]) {
		if obj(o)["DocumentNumber"] == bad {
			seen = true
			if _, ok := obj(o)["Total"].(json.Number); !ok {
				t.Fatalf("GET /_sandbox/state shows the stored order, got Total %v", obj(o)["Total"])
			}
		}
	}
	if !seen {
		t.Fatalf("order %s is not in the state", bad)
	}
	if err := remote.ClearCorruptions(); err != nil {
		t.Fatal(err)
	}
	if one := obj(sb.json("GET", "/3/orders/"+bad, "", 200)["Order"]); obj(one["Total"]) != nil {
		t.Fatalf("cleared, yet Total is %v", one["Total"])
	}
	if err := remote.Corrupt("Invoice", "1", "Total", 1); err == nil || !strings.Contains(err.Error(), "Article, Customer, Order") {
		t.Fatalf("an unknown entity must be refused with the list of known ones, got %v", err)
	}
}

func mustGet(t *testing.T, sb *sandbox, path string) []byte {
	t.Helper()
	status, _, body := sb.raw("GET", path, "", "")
	if status != 200 {
		t.Fatalf("GET %s: %d %s", path, status, body)
	}
	return body
}

package fortnox

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestDropAfterCommitReallyCommits(t *testing.T) {
	sb := start(t, Options{NoLimits: true}, "demo")
	if s, _, b := sb.raw("PUT", "/_sandbox/faults", "", `{"drop_rate":1}`); s != 200 {
		t.Fatalf("faults: %d %s", s, b)
	}
	req, _ := http.NewRequest("POST", sb.srv.URL+"/3/customers", strings.NewReader(`{"Customer":{"Name":"Tappad Kund","Email":"tappad@example.se"}}`))
	req.Header.Set("Authorization", "Bearer "+sb.token)
	if resp, err := sb.srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped write answered %d", resp.StatusCode)
	}
	// Reads are never dropped; the write happened.
	m := sb.json("GET", "/3/customers?email=tappad@example.se", "", 200)
	if total, _, _ := meta(t, m); total != "1" {
		t.Fatalf("dropped create was not committed: %s", total)
	}
	// A failing write is answered, not dropped.
	sb.wantError("POST", "/3/customers", `{"Customer":{}}`, 400, "2000592")
	sb.raw("PUT", "/_sandbox/faults", "", `{}`)
}

func TestInjectedFaultsUseFortnoxBodies(t *testing.T) {
	sb := start(t, Options{NoLimits: true}, "empty")
	sb.raw("PUT", "/_sandbox/faults", "", `{"rate_limit_rate":1}`)
	status, hdr, body := sb.call("GET", "/3/units", "")
	if status != 429 || hdr.Get("Retry-After") == "" || !json.Valid(body) {
		t.Fatalf("injected 429: %d %v %s", status, hdr, body)
	}
	sb.raw("PUT", "/_sandbox/faults", "", `{"error_rate":1}`)
	seen := map[int]bool{}
	for i := 0; i < 30; i++ {
		status, hdr, body = sb.call("GET", "/3/units", "")
		seen[status] = true
		switch status {
		case 500:
			if c, _ := errorCode(t, body); c.String() != "1000003" {
				t.Fatalf("500 body %s", body)
			}
		case 502, 503:
			if !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
				t.Fatalf("%d content type %q", status, hdr.Get("Content-Type"))
			}
		default:
			t.Fatalf("error_rate 1 answered %d", status)
		}
	}
	if !seen[500] {
		t.Fatalf("no 500 in 30 faults: %v", seen)
	}
}

func TestEndpointNamesInStats(t *testing.T) {
	sb := start(t, Options{NoLimits: true}, "demo")
	sb.call("GET", "/3/orders/1", "")
	sb.call("GET", "/3/orders/2/", "")
	sb.call("PUT", "/3/orders/3/cancel", "")
	sb.call("GET", "/3/prices/A/ART-1001", "")
	sb.call("GET", "/3/prices/sublist/A/ART-1001", "")
	sb.call("GET", "/3/articles?limit=1", "")
	_, _, body := sb.raw("GET", "/_sandbox/stats", "", "")
	req := obj(decode(t, body)["requests"])
	for name, want := range map[string]string{"GET /3/orders/{id}": "2", "PUT /3/orders/{id}/cancel": "1",
		"GET /3/prices/{id}/{id}": "1", "GET /3/prices/sublist/{id}/{id}": "1", "GET /3/articles": "1"} {
		if got, _ := req[name].(json.Number); got.String() != want {
			t.Fatalf("requests[%q] = %v, want %s (all: %v)", name, req[name], want, req)
		}
	}
}

func TestSeeds(t *testing.T) {
	sb := start(t, Options{NoLimits: true}, "demo")
	_, _, body := sb.raw("GET", "/_sandbox/state", "", "")
	st := decode(t, body)
	counts := obj(st["counts"])
	for k, want := range map[string]string{"articles": "246", "customers": "51", "orders": "30", "prices": "246",
		"termsofpayments": "6", "modesofpayments": "5", "wayofdeliveries": "2", "units": "3"} {
		if counts[k].(json.Number).String() != want {
			t.Fatalf("demo %s = %v, want %s", k, counts[k], want)
		}
	}
	if len(list(st["articles"])) != 246 || len(list(st["orders"])) != 30 {
		t.Fatalf("state records missing")
	}
	// Demo prices: list A = the article's price excl. VAT.
	if p := obj(sb.json("GET", "/3/prices/A/TS-MAR-S", "", 200)["Price"]); numText(t, p["Price"]) != "199" {
		t.Fatalf("TS-MAR-S price %v", p["Price"])
	}
	for _, code := range []string{"0", "10", "15", "20", "30", "K"} {
		sb.json("GET", "/3/termsofpayments/"+code, "", 200)
	}
	for _, code := range []string{"BG", "PG", "KORT", "SWISH", "KONTANT"} {
		sb.json("GET", "/3/modesofpayments/"+code, "", 200)
	}
	c := obj(sb.json("GET", "/3/customers/1", "", 200)["Customer"])
	if c["Type"] != "COMPANY" || obj(sb.json("GET", "/3/customers/2", "", 200)["Customer"])["Type"] != "PRIVATE" {
		t.Fatalf("customer types: %v", c["Type"])
	}

	sb.raw("POST", "/_sandbox/reset", "", `{"seed":"empty"}`)
	if total, _, _ := meta(t, sb.json("GET", "/3/articles", "", 200)); total != "0" {
		t.Fatalf("empty seed has %s articles", total)
	}
	sb.json("GET", "/3/units/st", "", 200)

	sb.raw("POST", "/_sandbox/reset", "", `{"seed":"catalogue","articles":1000,"families":100,"random_seed":7}`)
	if total, _, _ := meta(t, sb.json("GET", "/3/articles?limit=1", "", 200)); total != "1000" {
		t.Fatalf("catalogue seed has %s articles", total)
	}
	if total, _, _ := meta(t, sb.json("GET", "/3/orders", "", 200)); total != "0" {
		t.Fatalf("catalogue seed has %s orders", total)
	}
	for _, bad := range []string{`{"seed":"catalogue"}`, `{"seed":"bogus"}`} {
		if s, _, b := sb.raw("POST", "/_sandbox/reset", "", bad); s != 400 {
			t.Fatalf("reset %s: %d %s", bad, s, b)
		}
	}
}

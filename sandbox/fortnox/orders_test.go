package fortnox

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func numText(t *testing.T, v any) string {
	t.Helper()
	switch x := v.(type) {
	case json.Number:
		return x.String()
	case string:
		return x
	}
	t.Fatalf("not a number: %#v", v)
	return ""
}

func article(sb *sandbox, n string) map[string]any {
	return obj(sb.json("GET", "/3/articles/"+n, "", 200)["Article"])
}

func TestOrdersTotalsReservationsAndCancel(t *testing.T) {
	sb := start(t, Options{NoLimits: true}, "empty")
	sb.json("POST", "/3/customers", `{"Customer":{"Name":"Kund AB","Address1":"Storgatan 2","City":"Umeå","ZipCode":"903 26","CountryCode":"SE","TermsOfPayment":"10"}}`, 201)
	sb.json("POST", "/3/articles", `{"Article":{"ArticleNumber":"TS-1","Description":"T-shirt","VAT":25,"PurchasePrice":40,"QuantityInStock":5,"Unit":"st"}}`, 201)
	sb.json("POST", "/3/prices", `{"Price":{"ArticleNumber":"TS-1","PriceList":"A","Price":159.2}}`, 201)

	sb.wantError("POST", "/3/orders", `{"Order":{"CustomerNumber":"77","OrderRows":[{"ArticleNumber":"TS-1","OrderedQuantity":1}]}}`, 400, "2000204")
	sb.wantError("POST", "/3/orders", `{"Order":{"CustomerNumber":"1","OrderRows":[{"ArticleNumber":"NOPE","OrderedQuantity":1}]}}`, 400, "2001302")
	sb.wantError("POST", "/3/orders", `{"Order":{"OrderRows":[]}}`, 400, "2000592")

	status, hdr, body := sb.call("POST", "/3/orders", `{"Order":{"CustomerNumber":"1","ExternalInvoiceReference1":"LS-7",
		"OrderRows":[{"ArticleNumber":"TS-1","OrderedQuantity":"8","DeliveredQuantity":2,"Discount":10},
		             {"Description":"Frakt enligt avtal","OrderedQuantity":1,"DeliveredQuantity":1,"Price":49,"VAT":25}]}}`)
	if status != 201 || hdr.Get("Location") != "orders" {
		t.Fatalf("create order: %d %s", status, body)
	}
	o := obj(decode(t, body)["Order"])
	if o["DocumentNumber"] != "1" || o["CustomerName"] != "Kund AB" || o["City"] != "Umeå" || o["Country"] != "Sverige" ||
		o["TermsOfPayment"] != "10" || o["OrderType"] != "Order" || o["Cancelled"] != false {
		t.Fatalf("order defaults: %v", o)
	}
	rows := list(o["OrderRows"])
	r0 := obj(rows[0])
	// Row price comes from price list A; totals are on the delivered quantity: 2 × 159.20 − 10 %.
	if numText(t, r0["Price"]) != "159.2" || numText(t, r0["Total"]) != "286.56" || r0["Description"] != "T-shirt" || r0["Unit"] != "st" {
		t.Fatalf("row 0: %v", r0)
	}
	if numText(t, o["Net"]) != "335.56" || numText(t, o["TotalVAT"]) != "83.89" || numText(t, o["Total"]) != "419" || numText(t, o["RoundOff"]) != "-0.45" {
		t.Fatalf("totals: Net %v VAT %v Total %v RoundOff %v", o["Net"], o["TotalVAT"], o["Total"], o["RoundOff"])
	}
	// Without the warehouse module the whole ordered quantity is reserved; disposable goes negative.
	a := article(sb, "TS-1")
	if numText(t, a["ReservedQuantity"]) != "8" || numText(t, a["QuantityInStock"]) != "5" || numText(t, a["DisposableQuantity"]) != "-3" {
		t.Fatalf("reservation: %v %v %v", a["ReservedQuantity"], a["QuantityInStock"], a["DisposableQuantity"])
	}
	if numText(t, r0["ReservedQuantity"]) != "8" {
		t.Fatalf("row ReservedQuantity %v", r0["ReservedQuantity"])
	}

	// PUT with RowIds: keep row 0 as is, drop row 1, add a new row; all RowIds are new.
	oldID := numText(t, r0["RowId"])
	upd := obj(sb.json("PUT", "/3/orders/1", `{"Order":{"OrderRows":[{"RowId":`+oldID+`,"OrderedQuantity":3},{"ArticleNumber":"TS-1","OrderedQuantity":1}]}}`, 200)["Order"])
	urows := list(upd["OrderRows"])
	if len(urows) != 2 || numText(t, obj(urows[0])["RowId"]) == oldID || numText(t, obj(urows[0])["DeliveredQuantity"]) != "2" {
		t.Fatalf("row update: %v", urows)
	}
	if a := article(sb, "TS-1"); numText(t, a["ReservedQuantity"]) != "4" || numText(t, a["DisposableQuantity"]) != "1" {
		t.Fatalf("reservation after PUT: %v %v", a["ReservedQuantity"], a["DisposableQuantity"])
	}
	// QuantityInStock is writable without the warehouse module.
	sb.json("PUT", "/3/articles/TS-1", `{"Article":{"QuantityInStock":10}}`, 200)
	if a := article(sb, "TS-1"); numText(t, a["DisposableQuantity"]) != "6" {
		t.Fatalf("disposable after stock write: %v", a["DisposableQuantity"])
	}

	c := obj(sb.json("PUT", "/3/orders/1/cancel", "", 200)["Order"])
	if c["Cancelled"] != true {
		t.Fatalf("cancel: %v", c)
	}
	if a := article(sb, "TS-1"); numText(t, a["ReservedQuantity"]) != "0" || numText(t, a["DisposableQuantity"]) != "10" {
		t.Fatalf("reservation after cancel: %v", a["ReservedQuantity"])
	}
	sb.wantError("PUT", "/3/orders/1/cancel", "", 400, "2000593")
	sb.wantError("PUT", "/3/orders/1", `{"Order":{"Comments":"x"}}`, 400, "2000593")
	if total, _, _ := meta(t, sb.json("GET", "/3/orders?filter=cancelled", "", 200)); total != "1" {
		t.Fatalf("filter=cancelled: %s", total)
	}
	sb.wantError("DELETE", "/3/articles/TS-1", "", 400, "2000591") // used on an order
}

func TestWarehouseModeStock(t *testing.T) {
	sb := start(t, Options{NoLimits: true, Warehouse: true}, "empty")
	tenant := sb.json("GET", "/api/warehouse/tenants-v4", "", 200)
	if tenant["activated"] != true || numText(t, tenant["tenantId"]) != "1234567" {
		t.Fatalf("tenants-v4: %v", tenant)
	}
	// Stock is read-only on articles: a lowercase 400.
	body := sb.wantError("POST", "/3/articles", `{"Article":{"Description":"x","QuantityInStock":5}}`, 400, "2003124")
	if !strings.Contains(string(body), `"message"`) {
		t.Fatalf("lowercase envelope: %s", body)
	}
	sb.json("POST", "/3/articles", `{"Article":{"ArticleNumber":"JK-1","Description":"Jacka"}}`, 201)
	sb.wantError("PUT", "/3/articles/JK-1", `{"Article":{"QuantityInStock":5}}`, 400, "2003124")

	status, _, out := sb.call("GET", "/api/warehouse/stockpoints-v1", "")
	var points []map[string]any
	if err := json.Unmarshal(out, &points); status != 200 || err != nil || len(points) != 2 {
		t.Fatalf("stock points: %d %s", status, out)
	}
	status, hdr, out := sb.call("POST", "/api/warehouse/stockpoints-v1", `{"code":"EXTRA","name":"Extralager"}`)
	if status != 201 || hdr.Get("Location") == "" {
		t.Fatalf("create stock point: %d %s", status, out)
	}
	if s, _, b := sb.call("POST", "/api/warehouse/stockpoints-v1", `{"code":"EXTRA","name":"Igen"}`); s != 400 || !strings.Contains(string(b), "alreadyexists") {
		t.Fatalf("duplicate stock point: %d %s", s, b)
	}
	sb.json("GET", "/api/warehouse/stockpoints-v1/EXTRA", "", 200)
	if s, _, b := sb.call("DELETE", "/api/warehouse/stockpoints-v1/EXTRA", ""); s != 204 {
		t.Fatalf("delete stock point: %d %s", s, b)
	}

	// Stock arrives through documents; the seed and trickle put it on stock points.
	sb.fx.mu.Lock()
	sb.fx.st.stock["JK-1"] = map[string]decimal.Decimal{"LAGER": decimal.NewFromInt(6), "BUTIK": decimal.NewFromInt(2)}
	sb.fx.refreshStock("JK-1")
	sb.fx.mu.Unlock()
	sb.json("POST", "/3/customers", `{"Customer":{"Name":"Lagerkund"}}`, 201)
	o := obj(sb.json("POST", "/3/orders", `{"Order":{"CustomerNumber":"1","OrderRows":[{"ArticleNumber":"JK-1","OrderedQuantity":10}]}}`, 201)["Order"])
	if o["DeliveryState"] != "reservation" || o["StockPointCode"] != "LAGER" {
		t.Fatalf("order warehouse fields: %v %v", o["DeliveryState"], o["StockPointCode"])
	}
	// Only what is available at the order's stock point is reserved.
	if r := obj(list(o["OrderRows"])[0]); numText(t, r["ReservedQuantity"]) != "6" {
		t.Fatalf("row reserved %v, want 6 (available at LAGER)", r["ReservedQuantity"])
	}
	a := article(sb, "JK-1")
	if numText(t, a["QuantityInStock"]) != "8" || numText(t, a["ReservedQuantity"]) != "6" || numText(t, a["DisposableQuantity"]) != "2" {
		t.Fatalf("article stock: %v %v %v", a["QuantityInStock"], a["ReservedQuantity"], a["DisposableQuantity"])
	}
	status, _, out = sb.call("GET", "/api/warehouse/status-v1/stockbalance?itemIds=JK-1", "")
	var bal []map[string]any
	if err := json.Unmarshal(out, &bal); status != 200 || err != nil || len(bal) != 2 {
		t.Fatalf("stockbalance: %d %s", status, out)
	}
	for _, b := range bal {
		switch b["stockPointCode"] {
		case "BUTIK":
			if b["inStock"] != float64(2) || b["availableStock"] != float64(2) {
				t.Fatalf("BUTIK balance %v", b)
			}
		case "LAGER":
			if b["inStock"] != float64(6) || b["availableStock"] != float64(0) {
				t.Fatalf("LAGER balance %v", b)
			}
		}
	}
	// Both parameter styles: comma-separated and repeated.
	for _, q := range []string{"itemIds=JK-1&stockPointCodes=LAGER,NONE", "itemIds=JK-1&stockPointCodes=LAGER&stockPointCodes=NONE"} {
		_, _, out = sb.call("GET", "/api/warehouse/status-v1/stockbalance?"+q, "")
		if err := json.Unmarshal(out, &bal); err != nil || len(bal) != 1 {
			t.Fatalf("stockbalance %s: %s", q, out)
		}
	}
	// Registration state reserves nothing.
	o = obj(sb.json("POST", "/3/orders", `{"Order":{"CustomerNumber":"1","DeliveryState":"registration","StockPointCode":"LAGER","OrderRows":[{"ArticleNumber":"JK-1","OrderedQuantity":1}]}}`, 201)["Order"])
	if r := obj(list(o["OrderRows"])[0]); numText(t, r["ReservedQuantity"]) != "0" {
		t.Fatalf("registration reserved %v", r["ReservedQuantity"])
	}
}

func TestWarehouseAPIWithoutModule(t *testing.T) {
	sb := start(t, Options{NoLimits: true}, "demo")
	if tenant := sb.json("GET", "/api/warehouse/tenants-v4", "", 200); tenant["activated"] != false {
		t.Fatalf("tenants-v4: %v", tenant)
	}
	status, _, out := sb.call("GET", "/api/warehouse/status-v1/stockbalance", "")
	m := decode(t, out)
	if status != 403 || m["error"] == nil || m["id"] == nil || m["message"] == nil {
		t.Fatalf("stockbalance without module: %d %s", status, out)
	}
}

func TestDemoTickAddsWork(t *testing.T) {
	for _, wh := range []bool{false, true} {
		sb := start(t, Options{NoLimits: true, Warehouse: wh}, "demo")
		before := numText(t, obj(sb.json("GET", "/3/orders?limit=1", "", 200)["MetaInformation"])["@TotalResources"])
		rng := rand.New(rand.NewPCG(3, 4))
		for i := 0; i < 5; i++ {
			sb.fx.DemoTick(rng)
		}
		after := numText(t, obj(sb.json("GET", "/3/orders?limit=1", "", 200)["MetaInformation"])["@TotalResources"])
		if before != "30" || after != "35" {
			t.Fatalf("warehouse=%v: orders %s → %s", wh, before, after)
		}
	}
}

// The rows orders-to-fortnox writes for real sales: a row without an article (AccountNumber,
// Description, Price, VAT), an order of negative rows (a return), and the country names of
// every ISO country, Sweden as "Sverige".
func TestOrderRowsWithoutArticleNegativeRowsAndCountries(t *testing.T) {
	sb := start(t, Options{NoLimits: true}, "empty")
	sb.json("POST", "/3/customers", `{"Customer":{"Name":"Kund AB","CountryCode":"AR"}}`, 201)
	if c := obj(sb.json("GET", "/3/customers/1", "", 200)["Customer"]); c["Country"] != "Argentina" {
		t.Fatalf("customer country of AR: %v", c["Country"])
	}
	sb.json("POST", "/3/articles", `{"Article":{"ArticleNumber":"TS-1","Description":"T-shirt","VAT":25}}`, 201)

	o := obj(sb.json("POST", "/3/orders", `{"Order":{"CustomerNumber":"1","VATIncluded":true,"DeliveryCountry":"Argentina","Country":"Sverige",
		"OrderRows":[{"ArticleNumber":"TS-1","OrderedQuantity":1,"DeliveredQuantity":1,"Price":100,"VAT":25},
		             {"Description":"Presentinslagning","AccountNumber":3002,"OrderedQuantity":1,"DeliveredQuantity":1,"Price":25,"VAT":12}]}}`, 201)["Order"])
	rows := list(o["OrderRows"])
	misc := obj(rows[1])
	if misc["ArticleNumber"] != nil || misc["Description"] != "Presentinslagning" || numText(t, misc["AccountNumber"]) != "3002" ||
		numText(t, misc["Total"]) != "25" || numText(t, misc["VAT"]) != "12" {
		t.Fatalf("row without an article: %v", misc)
	}
	if numText(t, obj(rows[0])["AccountNumber"]) != "3001" {
		t.Fatalf("an article row at 25 %% VAT defaults to 3001: %v", obj(rows[0])["AccountNumber"])
	}
	if o["DeliveryCountry"] != "Argentina" || numText(t, o["Total"]) != "125" {
		t.Fatalf("order: DeliveryCountry %v Total %v", o["DeliveryCountry"], o["Total"])
	}
	sb.wantError("POST", "/3/orders", `{"Order":{"CustomerNumber":"1","OrderRows":[{"AccountNumber":3001,"OrderedQuantity":1,"Price":5}]}}`, 400, "2000592")
	for _, bad := range []string{"Sweden", "AR", "Argentinien"} {
		sb.wantError("POST", "/3/orders", `{"Order":{"CustomerNumber":"1","DeliveryCountry":"`+bad+`","OrderRows":[{"ArticleNumber":"TS-1","OrderedQuantity":1}]}}`, 400, "2000591")
	}

	ret := obj(sb.json("POST", "/3/orders", `{"Order":{"CustomerNumber":"1","VATIncluded":true,"ExternalInvoiceReference1":"LS-9","ExternalInvoiceReference2":"LS-8",
		"OrderRows":[{"ArticleNumber":"TS-1","OrderedQuantity":-1,"DeliveredQuantity":-1,"Price":100,"VAT":25}]}}`, 201)["Order"])
	if numText(t, ret["Total"]) != "-100" || ret["ExternalInvoiceReference2"] != "LS-8" {
		t.Fatalf("return order: Total %v ref2 %v", ret["Total"], ret["ExternalInvoiceReference2"])
	}
}

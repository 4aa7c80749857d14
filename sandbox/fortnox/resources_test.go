package fortnox

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func meta(t *testing.T, m map[string]any) (total, pages, current string) {
	t.Helper()
	mi := obj(m["MetaInformation"])
	return mi["@TotalResources"].(json.Number).String(), mi["@TotalPages"].(json.Number).String(), mi["@CurrentPage"].(json.Number).String()
}

func TestPagingAndMetaInformation(t *testing.T) {
	sb := start(t, Options{NoLimits: true}, "demo")
	m := sb.json("GET", "/3/articles", "", 200)
	if total, pages, cur := meta(t, m); total != "246" || pages != "3" || cur != "1" || len(list(m["Articles"])) != 100 {
		t.Fatalf("default page: %s %s %s %d", total, pages, cur, len(list(m["Articles"])))
	}
	m = sb.json("GET", "/3/articles?limit=100&page=3", "", 200)
	if _, _, cur := meta(t, m); cur != "3" || len(list(m["Articles"])) != 46 {
		t.Fatalf("page 3: %s %d", cur, len(list(m["Articles"])))
	}
	m = sb.json("GET", "/3/articles?limit=500", "", 200)
	if len(list(m["Articles"])) != 246 {
		t.Fatalf("limit 500: %d", len(list(m["Articles"])))
	}
	m = sb.json("GET", "/3/customers?limit=10&offset=45", "", 200)
	if total, pages, _ := meta(t, m); total != "51" || pages != "1" || len(list(m["Customers"])) != 6 {
		t.Fatalf("offset: %s %s %d", total, pages, len(list(m["Customers"])))
	}
	// Empty result: @TotalPages 0, @CurrentPage 1, an empty array.
	status, _, body := sb.call("GET", "/3/customers?name=nobody-by-this-name", "")
	if status != 200 || string(body) != `{"MetaInformation":{"@TotalResources":0,"@TotalPages":0,"@CurrentPage":1},"Customers":[]}` {
		t.Fatalf("empty list: %d %s", status, body)
	}
	sb.wantError("GET", "/3/articles?limit=501", "", 400, "2000588")
	sb.wantError("GET", "/3/articles?limit=abc", "", 400, "2000588")
	sb.wantError("GET", "/3/articles?page=0", "", 400, "2000588")
	// Trailing slashes are accepted.
	if s, _, b := sb.call("GET", "/3/articles/", ""); s != 200 {
		t.Fatalf("trailing slash: %d %s", s, b)
	}
}

func TestSearchFiltersAndSorting(t *testing.T) {
	sb := start(t, Options{NoLimits: true}, "demo")
	// Substring, case-insensitive e-mail search returns partial matches too.
	m := sb.json("GET", "/3/customers?email=ANNA.", "", 200)
	emails := []string{}
	for _, c := range list(m["Customers"]) {
		emails = append(emails, obj(c)["Email"].(string))
	}
	if len(emails) < 2 || emails[0] != "anna.andersson1@example.se" {
		t.Fatalf("email substring search: %v", emails)
	}
	for _, e := range emails {
		if !strings.HasPrefix(e, "anna.") {
			t.Fatalf("email search matched %q", e)
		}
	}
	// externalinvoicereference1 on orders.
	m = sb.json("GET", "/3/orders?externalinvoicereference1=web-2000", "", 200)
	if total, _, _ := meta(t, m); total != "8" { // WEB-20000…20009 less the two hand-entered orders
		t.Fatalf("externalinvoicereference1=web-2000: %s orders", total)
	}
	sb.json("POST", "/3/orders", `{"Order":{"CustomerNumber":"3","ExternalInvoiceReference1":"LS-1042","OrderRows":[{"ArticleNumber":"ART-1001","OrderedQuantity":1}]}}`, 201)
	m = sb.json("GET", "/3/orders?externalinvoicereference1=LS-1042", "", 200)
	if rows := list(m["Orders"]); len(rows) != 1 || obj(rows[0])["ExternalInvoiceReference1"] != "LS-1042" {
		t.Fatalf("LS-1042: %v", rows)
	}
	m = sb.json("GET", "/3/orders?externalinvoicereference1=LS-1042&customernumber=3&filter=invoicenotcreated", "", 200)
	if total, _, _ := meta(t, m); total != "1" {
		t.Fatalf("combined search: %s", total)
	}
	// A few seeded orders have no external reference.
	empty := 0
	for _, o := range list(sb.json("GET", "/3/orders", "", 200)["Orders"]) {
		if obj(o)["ExternalInvoiceReference1"] == "" {
			empty++
		}
	}
	if empty < 3 {
		t.Fatalf("seeded orders without ExternalInvoiceReference1: %d", empty)
	}
	// Article number substring: "A100" style matches anywhere.
	m = sb.json("GET", "/3/articles?articlenumber=rt-100", "", 200)
	if total, _, _ := meta(t, m); total != "9" {
		t.Fatalf("articlenumber=rt-100: %s", total)
	}
	// Date ranges on orders (exact, not substring) and boolean params.
	days := map[string]bool{}
	for _, o := range list(sb.json("GET", "/3/orders?limit=500", "", 200)["Orders"]) {
		days[obj(o)["OrderDate"].(string)] = true
	}
	var first string
	for d := range days {
		if first == "" || d < first {
			first = d
		}
	}
	if total, _, _ := meta(t, sb.json("GET", "/3/orders?fromdate="+first+"&todate="+first, "", 200)); total != "1" {
		t.Fatalf("fromdate=todate=%s: %s orders", first, total)
	}
	sb.wantError("GET", "/3/orders?fromdate=igår", "", 400, "2000588")
	sb.json("PUT", "/3/orders/5", `{"Order":{"Labels":[{},{"Id":7}]}}`, 200)
	if total, _, _ := meta(t, sb.json("GET", "/3/orders?label=7", "", 200)); total != "1" {
		t.Fatalf("label=7: %s", total)
	}
	sb.wantError("GET", "/3/orders?sent=kanske", "", 400, "2000588")
	if total, _, _ := meta(t, sb.json("GET", "/3/orders?sent=false", "", 200)); total != "31" {
		t.Fatalf("sent=false: %s", total)
	}
	if total, _, _ := meta(t, sb.json("GET", "/3/articles?webshop=true", "", 200)); total != "246" {
		t.Fatalf("webshop=true: %s", total)
	}
	if total, _, _ := meta(t, sb.json("GET", "/3/customers?phone=070-", "", 200)); total != "50" {
		t.Fatalf("phone=070-: %s", total)
	}
	// Filters.
	sb.json("PUT", "/3/customers/2", `{"Customer":{"Active":false}}`, 200)
	if total, _, _ := meta(t, sb.json("GET", "/3/customers?filter=inactive", "", 200)); total != "1" {
		t.Fatalf("filter=inactive: %s", total)
	}
	if total, _, _ := meta(t, sb.json("GET", "/3/customers?filter=active", "", 200)); total != "50" {
		t.Fatalf("filter=active: %s", total)
	}
	body := sb.wantError("GET", "/3/orders?filter=bogus", "", 400, "2000587")
	if !strings.Contains(string(body), `"message":"Ett ogiltigt filter har anv\u00e4nts."`) {
		t.Fatalf("invalid filter body: %s", body)
	}
	sb.wantError("GET", "/3/customers?phone1=070", "", 400, "2000588")
	sb.wantError("GET", "/3/articles?sortby=description", "", 400, "2000588")
	// sortby + sortorder (both spellings).
	for _, order := range []string{"descending", "desc"} {
		m = sb.json("GET", "/3/customers?sortby=customernumber&sortorder="+order+"&limit=2", "", 200)
		if first := obj(list(m["Customers"])[0])["CustomerNumber"]; first != "51" {
			t.Fatalf("sortorder=%s: first %v", order, first)
		}
	}
	m = sb.json("GET", "/3/articles?sortby=quantityinstock&limit=500", "", 200)
	prev := -1e18
	for _, a := range list(m["Articles"]) {
		var q float64
		fmt.Sscan(obj(a)["QuantityInStock"].(string), &q)
		if q < prev {
			t.Fatalf("sortby=quantityinstock not ascending at %v", a)
		}
		prev = q
	}
	m = sb.json("GET", "/3/customers?sortby=name&limit=50", "", 200)
	names := list(m["Customers"])
	if strings.ToLower(obj(names[0])["Name"].(string)) > strings.ToLower(obj(names[1])["Name"].(string)) {
		t.Fatalf("sortby=name not sorted: %v, %v", obj(names[0])["Name"], obj(names[1])["Name"])
	}
}

func TestLastModifiedInStockholmTime(t *testing.T) {
	sb := start(t, Options{NoLimits: true}, "demo")
	sb.clock.Advance(48 * time.Hour)
	sb.token = sb.mint(`{}`)
	sb.json("PUT", "/3/articles/ART-1003", `{"Article":{"Note":"Ny text"}}`, 200)
	stockholm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	changed := sb.clock.Now().In(stockholm)
	for _, v := range []string{changed.Add(-time.Minute).Format("2006-01-02 15:04"), changed.Add(-time.Second).Format(time.DateTime), changed.Format(time.DateOnly)} {
		m := sb.json("GET", "/3/articles?lastmodified="+url.QueryEscape(v), "", 200)
		arts := list(m["Articles"])
		if len(arts) != 1 || obj(arts[0])["ArticleNumber"] != "ART-1003" {
			t.Fatalf("lastmodified=%s: %d articles", v, len(arts))
		}
	}
	// One minute after the change in Stockholm time finds nothing: the parameter is local time.
	m := sb.json("GET", "/3/articles?lastmodified="+url.QueryEscape(changed.Add(time.Minute).Format("2006-01-02 15:04")), "", 200)
	if total, _, _ := meta(t, m); total != "0" {
		t.Fatalf("lastmodified after change: %s", total)
	}
	sb.wantError("GET", "/3/articles?lastmodified=yesterday", "", 400, "2000588")
	sb.wantError("GET", "/3/units?lastmodified=2024-01-01", "", 400, "2000588")
}

func TestStringNumbersInListsNumbersInSingleViews(t *testing.T) {
	sb := start(t, Options{NoLimits: true}, "demo")
	item := obj(list(sb.json("GET", "/3/articles?articlenumber=ART-1001", "", 200)["Articles"])[0])
	for _, f := range []string{"QuantityInStock", "DisposableQuantity", "ReservedQuantity", "PurchasePrice", "VAT", "StockValue", "SalesPrice"} {
		if _, ok := item[f].(string); !ok {
			t.Fatalf("list item %s = %#v, want a string", f, item[f])
		}
	}
	if _, ok := item["Note"]; ok {
		t.Fatalf("list item is not slim: has Note")
	}
	single := obj(sb.json("GET", "/3/articles/ART-1001", "", 200)["Article"])
	for _, f := range []string{"QuantityInStock", "DisposableQuantity", "ReservedQuantity", "PurchasePrice", "VAT", "StockValue", "SalesPrice"} {
		if _, ok := single[f].(json.Number); !ok {
			t.Fatalf("single view %s = %#v, want a number", f, single[f])
		}
	}
	if !strings.HasSuffix(single["@url"].(string), "/3/articles/ART-1001") {
		t.Fatalf("@url %v", single["@url"])
	}
	// Nulls in single views where the list says "".
	cust := obj(sb.json("GET", "/3/customers/2", "", 200)["Customer"])
	if cust["Address2"] != nil {
		t.Fatalf("single Address2 = %#v, want null", cust["Address2"])
	}
	li := obj(list(sb.json("GET", "/3/customers?customernumber=2&limit=1", "", 200)["Customers"])[0])
	if li["Address2"] != "" || li["Phone"] == nil || li["Phone1"] != nil {
		t.Fatalf("list item Address2/Phone: %v", li)
	}
	// Order rows keep quantities as strings even in the single view.
	row := obj(list(obj(sb.json("GET", "/3/orders/1", "", 200)["Order"])["OrderRows"])[0])
	if _, ok := row["OrderedQuantity"].(string); !ok {
		t.Fatalf("row OrderedQuantity %#v", row["OrderedQuantity"])
	}
	if _, ok := row["Price"].(json.Number); !ok {
		t.Fatalf("row Price %#v", row["Price"])
	}
}

func TestCreateUpdateDeleteAndEnvelopes(t *testing.T) {
	sb := start(t, Options{NoLimits: true}, "demo")
	status, hdr, body := sb.call("POST", "/3/customers", `{"Customer":{"Name":"Åsa Öberg","Email":"asa@example.se","CountryCode":"NO"}}`)
	if status != 201 || hdr.Get("Location") != "customers" {
		t.Fatalf("create customer: %d %q %s", status, hdr.Get("Location"), body)
	}
	c := obj(decode(t, body)["Customer"])
	if c["CustomerNumber"] != "52" || c["Country"] != "Norway" || c["Currency"] != "SEK" || c["Type"] != "COMPANY" ||
		c["VATType"] != "SEVAT" || c["PriceList"] != "A" || c["Active"] != true || obj(c["DefaultDeliveryTypes"])["Invoice"] != "PRINT" {
		t.Fatalf("server defaults: %v", c)
	}
	if !strings.Contains(string(body), `"Name":"\u00c5sa \u00d6berg"`) {
		t.Fatalf("non-ASCII is not \\u-escaped: %s", body)
	}
	upd := obj(sb.json("PUT", "/3/customers/52", `{"Customer":{"City":"Oslo"}}`, 200)["Customer"])
	if upd["City"] != "Oslo" || upd["Email"] != "asa@example.se" {
		t.Fatalf("partial PUT: %v", upd)
	}
	if s, _, b := sb.call("DELETE", "/3/customers/52", ""); s != 204 || len(b) != 0 {
		t.Fatalf("delete: %d %s", s, b)
	}
	body = sb.wantError("GET", "/3/customers/52", "", 404, "2000433")
	if string(body) != `{"ErrorInformation":{"Code":2000433,"Error":1,"Message":"Kan inte hitta kunden."}}` {
		t.Fatalf("404 envelope: %s", body)
	}
	sb.wantError("POST", "/3/customers", `{"Customer":{"Name":"X","CustomerNumber":"52"}}`, 400, "2000637")
	sb.wantError("GET", "/3/articles/NOPE", "", 404, "2000428")
	sb.wantError("GET", "/3/orders/999", "", 404, "2000430")

	status, hdr, body = sb.call("POST", "/3/articles", `{"Article":{"Description":"A value","SalesAccount":1250}}`)
	a := obj(decode(t, body)["Article"])
	if status != 201 || hdr.Get("Location") != "articles" || a["ArticleNumber"] != "101" || a["Type"] != "STOCK" ||
		a["Active"] != true || a["SalesPrice"] != nil || a["VAT"].(json.Number).String() != "0" {
		t.Fatalf("create article: %d %s", status, body)
	}
	sb.wantError("POST", "/3/articles", `{"Article":{"Description":"dup","ArticleNumber":"101"}}`, 400, "2000013")
	sb.wantError("PUT", "/3/articles/101", `{"Article":{"ArticleNumber":"102"}}`, 400, "2000591")
	sb.wantError("POST", "/3/articles", `{"Article":{"EAN":"1"}}`, 400, "2000592")
	// Article numbers are strings and path-escaped: "/" travels as %2F.
	status, _, body = sb.call("POST", "/3/articles", `{"Article":{"ArticleNumber":"KIT/2 ÅR","Description":"Kit"}}`)
	if status != 201 || !strings.Contains(string(body), `articles\/KIT%2F2%20%C3%85R"`) {
		t.Fatalf("create KIT/2 ÅR: %d %s", status, body)
	}
	sb.json("GET", "/3/articles/"+url.PathEscape("KIT/2 ÅR"), "", 200)
	if s, _, b := sb.call("DELETE", "/3/articles/101", ""); s != 204 {
		t.Fatalf("delete article: %d %s", s, b)
	}

	// Prices: SalesPrice follows price list A.
	sb.json("POST", "/3/prices", `{"Price":{"ArticleNumber":"ART-1001","PriceList":"A","FromQuantity":10,"Price":70}}`, 201)
	sb.json("PUT", "/3/prices/A/ART-1001", `{"Price":{"Price":85.5}}`, 200)
	if p := obj(sb.json("GET", "/3/articles/ART-1001", "", 200)["Article"])["SalesPrice"].(json.Number); p.String() != "85.5" {
		t.Fatalf("SalesPrice after price PUT: %s", p)
	}
	tiers := list(sb.json("GET", "/3/prices/sublist/A/ART-1001", "", 200)["Prices"])
	if len(tiers) != 2 {
		t.Fatalf("sublist: %v", tiers)
	}
	if p := obj(sb.json("GET", "/3/prices/A/ART-1001/10", "", 200)["Price"]); p["Price"].(json.Number).String() != "70" {
		t.Fatalf("price tier 10: %v", p)
	}
	if s, _, _ := sb.call("DELETE", "/3/prices/A/ART-1001/10", ""); s != 204 {
		t.Fatalf("delete price tier: %d", s)
	}
	sb.wantError("POST", "/3/prices", `{"Price":{"ArticleNumber":"NOPE","PriceList":"A","Price":1}}`, 400, "2001302")

	// Settings registers.
	status, hdr, body = sb.call("POST", "/3/termsofpayments", `{"TermsOfPayment":{"Code":"21DAYS","Description":"A value"}}`)
	if status != 201 || hdr.Get("Location") != "termsofpayments" || !strings.Contains(string(body), `"@url":"http:\/\/127.0.0.1:8081\/3\/termsofpayments\/21DAYS"`) {
		t.Fatalf("create terms: %d %s", status, body)
	}
	for _, p := range []string{"/3/termsofpayments/K", "/3/modesofpayments/SWISH", "/3/wayofdeliveries/HAMT", "/3/units/par", "/3/pricelists/A"} {
		sb.json("GET", p, "", 200)
	}
	if s, _, _ := sb.call("DELETE", "/3/units/par", ""); s != 204 {
		t.Fatalf("delete unit: %d", s)
	}
	if s, _, _ := sb.call("DELETE", "/3/pricelists/B", ""); s != 405 {
		t.Fatalf("price lists have no DELETE: %d", s)
	}
}

func TestWriteValidation(t *testing.T) {
	sb := start(t, Options{NoLimits: true}, "demo")
	cases := []struct {
		name, path, body, code string
	}{
		{"read-only SalesPrice", "/3/articles", `{"Article":{"Description":"x","SalesPrice":100}}`, "2001399"},
		{"read-only @url", "/3/articles/ART-1001", `{"Article":{"@url":"x"}}`, "2001399"},
		{"read-only DisposableQuantity", "/3/articles/ART-1001", `{"Article":{"DisposableQuantity":1}}`, "2001399"},
		{"read-only Country", "/3/customers", `{"Customer":{"Name":"x","Country":"Sverige"}}`, "2001399"},
		{"read-only order Total", "/3/orders", `{"Order":{"CustomerNumber":"1","Total":5}}`, "2001399"},
		{"read-only row Total", "/3/orders", `{"Order":{"CustomerNumber":"1","OrderRows":[{"ArticleNumber":"ART-1001","Total":5}]}}`, "2001399"},
		{"unknown field", "/3/customers", `{"Customer":{"Name":"x","Shoe":"42"}}`, "2001399"},
		{"webshop is not a field", "/3/articles", `{"Article":{"Description":"x","Webshop":true}}`, "2001399"},
		{"no DeliveryCountryCode on orders", "/3/orders", `{"Order":{"CustomerNumber":"1","DeliveryCountryCode":"SE"}}`, "2001399"},
		{"unknown wrapper", "/3/customers", `{"Kund":{"Name":"x"}}`, "2001399"},
		{"string gets object", "/3/customers", `{"Customer":{"Name":{"a":1}}}`, "2000106"},
		{"number gets text", "/3/articles", `{"Article":{"Description":"x","PurchasePrice":"abc"}}`, "2000108"},
		{"absurd magnitude", "/3/articles", `{"Article":{"Description":"x","PurchasePrice":1e999999999}}`, "2000108"},
		{"int gets fraction", "/3/articles", `{"Article":{"Description":"x","Weight":1.5}}`, "2000108"},
		{"bool gets number", "/3/articles", `{"Article":{"Description":"x","Active":1}}`, "2000134"},
		{"bad JSON", "/3/customers", `{"Customer":{"Name":"x"`, "2002115"},
		{"trailing garbage", "/3/customers", `{"Customer":{"Name":"x"}} {`, "2002115"},
		{"empty body", "/3/customers", ``, "2001392"},
		{"array body", "/3/customers", `[]`, "2001392"},
		{"wrapper not object", "/3/customers", `{"Customer":[1]}`, "2001392"},
		{"rows not array", "/3/orders", `{"Order":{"CustomerNumber":"1","OrderRows":{}}}`, "2001392"},
		{"row not object", "/3/orders", `{"Order":{"CustomerNumber":"1","OrderRows":[7]}}`, "2001392"},
		{"forbidden characters", "/3/customers", `{"Customer":{"Name":"Kalle <Anka>"}}`, "2000359"},
		{"tab is forbidden", "/3/articles", `{"Article":{"Description":"a\tb"}}`, "2000359"},
		{"max length 200", "/3/articles", `{"Article":{"Description":"` + strings.Repeat("å", 201) + `"}}`, "2000590"},
		{"max length ZipCode", "/3/customers", `{"Customer":{"Name":"x","ZipCode":"12345678901"}}`, "2000590"},
		{"enum Type", "/3/customers", `{"Customer":{"Name":"x","Type":"PERSON"}}`, "2000591"},
		{"enum VATType", "/3/customers", `{"Customer":{"Name":"x","VATType":"NONE"}}`, "2000591"},
		{"bad country code", "/3/customers", `{"Customer":{"Name":"x","CountryCode":"XX"}}`, "2000591"},
		{"unknown terms code", "/3/customers", `{"Customer":{"Name":"x","TermsOfPayment":"99"}}`, "2000591"},
		{"bad date", "/3/orders", `{"Order":{"CustomerNumber":"1","OrderDate":"27/11/2026"}}`, "2000591"},
		{"order country as code", "/3/orders", `{"Order":{"CustomerNumber":"1","Country":"SE"}}`, "2000591"},
		{"Sweden must be Sverige", "/3/orders", `{"Order":{"CustomerNumber":"1","DeliveryCountry":"Sweden"}}`, "2000591"},
		{"missing Name", "/3/customers", `{"Customer":{"Email":"a@b.se"}}`, "2000592"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method := "POST"
			if strings.Count(tc.path, "/") > 2 {
				method = "PUT"
			}
			sb.t = t
			sb.wantError(method, tc.path, tc.body, 400, tc.code)
		})
	}
	sb.t = t
	// Allowed characters pass, including Swedish letters and the documented punctuation.
	sb.json("POST", "/3/customers", `{"Customer":{"Name":"Åke Ärlig-Öst & Co (AB) 50% #1 €½ @home","CountryCode":"SE"}}`, 201)
	// Rounding: 2 decimals, half-up.
	a := obj(sb.json("PUT", "/3/articles/ART-1002", `{"Article":{"PurchasePrice":1.125,"QuantityInStock":1.124,"StockWarning":"2.675"}}`, 200)["Article"])
	if a["PurchasePrice"].(json.Number).String() != "1.13" || a["QuantityInStock"].(json.Number).String() != "1.12" || a["StockWarning"].(json.Number).String() != "2.68" {
		t.Fatalf("rounding: %v %v %v", a["PurchasePrice"], a["QuantityInStock"], a["StockWarning"])
	}
	// Orders take country names; customers derive Country from CountryCode.
	o := obj(sb.json("POST", "/3/orders", `{"Order":{"CustomerNumber":"1","Country":"Sverige","DeliveryCountry":"Norway"}}`, 201)["Order"])
	if o["Country"] != "Sverige" || o["DeliveryCountry"] != "Norway" {
		t.Fatalf("order countries: %v %v", o["Country"], o["DeliveryCountry"])
	}
}

func TestMalformedRequestsNeverPanic(t *testing.T) {
	sb := start(t, Options{NoLimits: true}, "demo")
	bodies := []string{``, `null`, `0`, `"x"`, `[]`, `{}`, `{"Article":null}`, `{"Article":"x"}`, `{"Article":{"Description":null}}`,
		`{"Order":{"OrderRows":[{"RowId":"x"}]}}`, `{"Order":{"CustomerNumber":"1","OrderRows":[{"RowId":99999}]}}`,
		`{"Order":{"CustomerNumber":"1","Labels":[{"Id":"a"}]}}`, `{"Customer":{"DefaultDeliveryTypes":"x"}}`,
		`{"Customer":{"Name":"x","DefaultDeliveryTypes":{"Invoice":"FAX"}}}`, "\xff\xfe", `{"Price":{"FromQuantity":"x"}}`}
	paths := []string{"/3/customers", "/3/articles", "/3/orders", "/3/prices", "/3/units", "/3/customers/1", "/3/articles/ART-1001",
		"/3/orders/1", "/3/prices/A/ART-1001", "/3/prices/A/ART-1001/abc", "/3/units/st", "/3/orders/1/cancel"}
	for _, p := range paths {
		for _, b := range bodies {
			for _, m := range []string{"POST", "PUT"} {
				status, hdr, out := sb.call(m, p, b)
				if status >= 500 {
					t.Fatalf("%s %s %q: %d %s", m, p, b, status, out)
				}
				if status >= 400 && !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
					t.Fatalf("%s %s %q: non-JSON error %q", m, p, b, hdr.Get("Content-Type"))
				}
				if status >= 400 && status != 405 {
					errorCode(t, out)
				}
			}
		}
	}
	for _, p := range []string{"/3/nothing", "/3/customers/1/2/3"} {
		if s, _, b := sb.call("GET", p, ""); s < 400 || s >= 500 {
			t.Fatalf("GET %s: %d %s", p, s, b)
		}
	}
}

// Orders changed since a time, sorted by document number and paged: numbers sort by value,
// every page counts the pages of the whole window, and an order changed while paging keeps
// its place.
func TestOrdersByDocumentNumberInPages(t *testing.T) {
	sb := start(t, Options{NoLimits: true}, "demo")
	since := url.QueryEscape(sb.clock.Now().AddDate(0, -3, 0).In(sb.fx.location).Format("2006-01-02 15:04"))
	all := list(sb.json("GET", "/3/orders?lastmodified="+since+"&limit=500", "", 200)["Orders"])
	if len(all) < 10 {
		t.Fatalf("the demo seed has orders, got %d", len(all))
	}
	var got []int
	for page := 1; ; page++ {
		m := sb.json("GET", "/3/orders?lastmodified="+since+"&sortby=documentnumber&sortorder=ascending&limit=7&page="+strconv.Itoa(page), "", 200)
		for _, o := range list(m["Orders"]) {
			n, _ := strconv.Atoi(obj(o)["DocumentNumber"].(string))
			got = append(got, n)
		}
		_, pages, current := meta(t, m)
		if current != strconv.Itoa(page) {
			t.Fatalf("page %d says @CurrentPage %s", page, current)
		}
		if page == 1 {
			// Change the first order (read) and the last one (not yet read).
			sb.clock.Advance(time.Minute)
			sb.json("PUT", "/3/orders/"+strconv.Itoa(got[0]), `{"Order":{"Remarks":"ändrad"}}`, 200)
			sb.json("PUT", "/3/orders/"+obj(all[len(all)-1])["DocumentNumber"].(string), `{"Order":{"Remarks":"ändrad"}}`, 200)
		}
		if n, _ := strconv.Atoi(pages); page >= n {
			break
		}
	}
	if len(got) != len(all) || !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Fatalf("want %d orders once each in ascending number order, got %v", len(all), got)
	}
	for _, order := range []string{"asc", "descending"} {
		m := sb.json("GET", "/3/orders?sortby=documentnumber&sortorder="+order+"&limit=1", "", 200)
		first, _ := strconv.Atoi(obj(list(m["Orders"])[0])["DocumentNumber"].(string))
		if want := map[string]int{"asc": got[0], "descending": slices.Max(got)}[order]; first != want {
			t.Fatalf("sortorder=%s starts at %d, want %d", order, first, want)
		}
	}
	future := url.QueryEscape(sb.clock.Now().Add(time.Hour).In(sb.fx.location).Format("2006-01-02 15:04"))
	if total, pages, current := meta(t, sb.json("GET", "/3/orders?lastmodified="+future+"&sortby=documentnumber&limit=500", "", 200)); total != "0" || pages != "0" || current != "1" {
		t.Fatalf("an empty window: %s resources, %s pages, page %s", total, pages, current)
	}
}

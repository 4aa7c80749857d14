package fortnox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"fortspeed/clients"
)

// canned answers each path with a fixed response and records the requests it saw, to check
// decoding against the exact JSON shapes the reference documents.
type canned struct {
	mu     sync.Mutex
	routes map[string]answer // key: path
	seen   []*http.Request
	bodies []string
}

type answer struct {
	status  int
	ctype   string
	body    string
	headers map[string]string
}

func (c *canned) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	c.seen = append(c.seen, r)
	c.bodies = append(c.bodies, string(b))
	a, ok := c.routes[r.URL.Path]
	if !ok {
		a, ok = c.routes[r.URL.Path+"?page="+r.URL.Query().Get("page")]
	}
	c.mu.Unlock()
	if !ok {
		a = answer{status: 404, body: `{"ErrorInformation":{"Error":1,"Message":"no route","Code":2000000}}`}
	}
	if a.ctype == "" {
		a.ctype = "application/json"
	}
	w.Header().Set("Content-Type", a.ctype)
	for k, v := range a.headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func newCanned(t *testing.T, routes map[string]answer, mod ...func(*Config)) (*Client, *canned) {
	t.Helper()
	c := &canned{routes: routes}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	cfg := Config{BaseURL: srv.URL, Tokens: clients.StaticSource("tok-123")}
	for _, m := range mod {
		m(&cfg)
	}
	cl, err := New(cfg)
	require.NoError(t, err)
	return cl, c
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestListItemsWithStringNumbersNullsAndBlanks(t *testing.T) {
	cl, _ := newCanned(t, map[string]answer{"/3/articles": {status: 200, body: `{"MetaInformation":{"@TotalResources":3,"@TotalPages":1,"@CurrentPage":1},"Articles":[
	 {"@url":"https:\/\/api.fortnox.se\/3\/articles\/1","ArticleNumber":"1","Description":"A","DisposableQuantity":"0","PurchasePrice":"0","SalesPrice":null,"QuantityInStock":"0","ReservedQuantity":"0","StockValue":"0","VAT":null,"EAN":"","Unit":null,"WebshopArticle":"false","Housework":false},
	 {"ArticleNumber":"A-2","Description":"B","QuantityInStock":"-8","DisposableQuantity":"-8","ReservedQuantity":"","VAT":"25","SalesPrice":10,"WebshopArticle":true},
	 {"ArticleNumber":300,"Description":"C","QuantityInStock":"1.125","DisposableQuantity":"-0","VAT":12.5,"SalesPrice":"99.90","WebshopArticle":"1","Unknown":{"x":[1]}}]}`}})
	var items []ArticleListItem
	require.NoError(t, cl.Articles(testCtx(t), func(p []ArticleListItem) error { items = append(items, p...); return nil }))
	require.Len(t, items, 3)

	require.False(t, items[0].SalesPrice.Valid, "null price")
	require.False(t, items[0].VAT.Valid)
	require.True(t, items[0].QuantityInStock.Valid)
	require.True(t, items[0].QuantityInStock.IsZero())
	require.Empty(t, items[0].Unit)
	require.False(t, bool(items[0].WebshopArticle))

	require.True(t, items[1].QuantityInStock.Equal(dec("-8")))
	require.True(t, items[1].DisposableQuantity.Equal(dec("-8")))
	require.False(t, items[1].ReservedQuantity.Valid, `"" is no value`)
	require.True(t, items[1].VAT.Equal(dec("25")))
	require.True(t, items[1].SalesPrice.Equal(dec("10")))
	require.True(t, bool(items[1].WebshopArticle))

	require.Equal(t, "300", string(items[2].ArticleNumber), "a numeric article number")
	require.True(t, items[2].QuantityInStock.Equal(dec("1.125")))
	require.True(t, items[2].DisposableQuantity.IsZero())
	require.True(t, items[2].VAT.Equal(dec("12.5")))
	require.True(t, items[2].SalesPrice.Equal(dec("99.9")))
	require.True(t, bool(items[2].WebshopArticle))
}

func TestSingleOrderWithMixedTypes(t *testing.T) {
	cl, _ := newCanned(t, map[string]answer{"/3/orders/7": {status: 200, body: `{"Order":{"@url":"x","DocumentNumber":7,"CustomerNumber":"1","CustomerName":"Kund","Address1":null,"Address2":"","ZipCode":11122,"Country":"Sverige","DeliveryDate":null,"Cancelled":"false","Sent":false,"VATIncluded":"true","Total":1250.5,"TotalVAT":"250.1","TermsOfPayment":30,"ExternalInvoiceReference1":"LS-1","EmailInformation":{"EmailAddressTo":"a@b.se","EmailAddressCC":null},
	 "OrderRows":[{"RowId":"12","ArticleNumber":"101","OrderedQuantity":"1","DeliveredQuantity":"0","ReservedQuantity":"0","ContributionValue":"-0","Price":-9999999999.0,"Total":-0,"VAT":25,"Discount":0,"Unit":""},
	              {"RowId":13,"ArticleNumber":101,"OrderedQuantity":2.5,"DeliveredQuantity":null,"Price":"10.00","VAT":"12","Discount":"","Unit":null}]}}`}})
	o, err := cl.Order(testCtx(t), "7")
	require.NoError(t, err)
	require.Equal(t, "7", string(o.DocumentNumber))
	require.Empty(t, o.Address1)
	require.Equal(t, "11122", string(o.ZipCode))
	require.Empty(t, o.DeliveryDate)
	require.False(t, bool(o.Cancelled))
	require.True(t, bool(o.VATIncluded))
	require.True(t, o.Total.Equal(dec("1250.5")))
	require.True(t, o.TotalVAT.Equal(dec("250.1")))
	require.Equal(t, "30", string(o.TermsOfPayment))
	require.Equal(t, "a@b.se", o.EmailInformation.EmailAddressTo)
	require.Len(t, o.OrderRows, 2)
	r0, r1 := o.OrderRows[0], o.OrderRows[1]
	require.Equal(t, Int(12), r0.RowID)
	require.True(t, r0.OrderedQuantity.Equal(dec("1")))
	require.True(t, r0.Price.Equal(dec("-9999999999")))
	require.True(t, r0.Total.IsZero())
	require.Equal(t, Int(13), r1.RowID)
	require.Equal(t, "101", string(r1.ArticleNumber))
	require.True(t, r1.OrderedQuantity.Equal(dec("2.5")))
	require.False(t, r1.DeliveredQuantity.Valid)
	require.True(t, r1.Price.Equal(dec("10")))
	require.False(t, r1.Discount.Valid)
}

func TestErrorEnvelopes(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	cases := []struct {
		name    string
		answer  answer
		kind    clients.Kind
		code    string
		message string
		retry   time.Duration
	}{
		{"404 PascalCase", answer{status: 404, body: `{"ErrorInformation":{"Error":1,"Message":"Kan inte hitta kunden.","Code":2000433}}`},
			clients.NotFound, "2000433", "Kan inte hitta kunden.", 0},
		{"400 lowercase", answer{status: 400, body: `{"ErrorInformation":{"error":1,"message":"Ett ogiltigt filter har anv\u00e4nts.","code":2000587}}`},
			clients.Validation, "2000587", "Ett ogiltigt filter har använts.", 0},
		{"400 code as string", answer{status: 400, body: `{"ErrorInformation":{"error":"1","message":"Ogiltig parameter i anropet.","code":"2000588"}}`},
			clients.Validation, "2000588", "Ogiltig parameter i anropet.", 0},
		{"customer number in use", answer{status: 400, body: `{"ErrorInformation":{"error":1,"message":"Kundnummer 1 används redan","code":2000637}}`},
			clients.Conflict, "2000637", "Kundnummer 1 används redan", 0},
		{"article number taken", answer{status: 400, body: `{"ErrorInformation":{"error":1,"message":"Artikelnummer \"x\" används redan","code":"2000013"}}`},
			clients.Conflict, "2000013", `Artikelnummer "x" används redan`, 0},
		{"409", answer{status: 409, body: `{"message":"conflict"}`}, clients.Conflict, "", "conflict", 0},
		{"403 scope", answer{status: 403, body: `{"ErrorInformation":{"Error":1,"Message":"Har inte behörighet för scope","Code":2000663}}`},
			clients.InvalidGrant, "2000663", "Har inte behörighet för scope", 0},
		{"warehouse alreadyexists", answer{status: 400, body: `{"error":"alreadyexists","id":"9f1c","message":"Stock point exists"}`},
			clients.Conflict, "alreadyexists", "Stock point exists", 0},
		{"warehouse invalid", answer{status: 400, body: `{"error":"invalidparameter","id":"9f1d","message":"bad state"}`},
			clients.Validation, "invalidparameter", "bad state", 0},
		{"422", answer{status: 422, body: `{"message":"unprocessable"}`}, clients.Validation, "", "unprocessable", 0},
		{"429 seconds", answer{status: 429, body: `{"message":"Too Many Requests"}`, headers: map[string]string{"Retry-After": "3"}},
			clients.RateLimited, "", "Too Many Requests", 3 * time.Second},
		{"429 envelope, no Retry-After", answer{status: 429, body: `{"ErrorInformation":{"error":1,"message":"Too many","code":0}}`},
			clients.RateLimited, "0", "Too many", 5 * time.Second},
		{"500 envelope", answer{status: 500, body: `{"ErrorInformation":{"error":1,"message":"System exception","code":1000003}}`},
			clients.Transient, "1000003", "System exception", 0},
		{"503 HTML", answer{status: 503, ctype: "text/html", body: `<html><body>Underhåll</body></html>`},
			clients.Transient, "", "response is not JSON (text/html, 36 bytes)", 0},
		{"502 empty", answer{status: 502, ctype: "text/plain"}, clients.Transient, "", "response is not JSON (text/plain, 0 bytes)", 0},
		{"400 malformed", answer{status: 400, body: `{"ErrorInformation":{"error":1,`}, clients.Validation, "", "response is malformed JSON (application/json, 31 bytes)", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl, _ := newCanned(t, map[string]answer{"/3/customers/1": tc.answer})
			_, err := cl.Customer(testCtx(t), "1")
			ce := requireKind(t, err, tc.kind)
			require.Equal(t, tc.answer.status, ce.Status)
			require.Equal(t, tc.code, ce.Code)
			require.Equal(t, tc.message, ce.Message)
			if tc.retry > 0 {
				require.Equal(t, tc.retry, ce.RetryAfter)
			}
		})
	}
	t.Run("429 HTTP date", func(t *testing.T) {
		cl, _ := newCanned(t, map[string]answer{"/3/customers/1": {status: 429, headers: map[string]string{"Retry-After": date}}})
		_, err := cl.Customer(testCtx(t), "1")
		ce := requireKind(t, err, clients.RateLimited)
		require.InDelta(t, 90, ce.RetryAfter.Seconds(), 2)
	})
}

func TestUnusableSuccessBodies(t *testing.T) {
	cases := map[string]answer{
		"malformed JSON": {status: 200, body: `{"Customer":{"Name":"A"`},
		"HTML page":      {status: 200, ctype: "text/html", body: `<html>Fortnox</html>`},
		"wrong shape":    {status: 200, body: `{"Customer":{"Active":"maybe"}}`},
		"no wrapper":     {status: 200, body: `{"Something":{}}`},
	}
	for name, a := range cases {
		t.Run(name, func(t *testing.T) {
			cl, _ := newCanned(t, map[string]answer{"/3/customers/1": a})
			_, err := cl.Customer(testCtx(t), "1")
			ce := requireKind(t, err, clients.Transient)
			require.NotEmpty(t, ce.Message)
			require.NotContains(t, ce.Error(), "Fortnox</html>", "bodies are not copied into errors")
		})
	}
}

func TestRequestsSendNativeTypesAndNoReadOnlyFields(t *testing.T) {
	cl, c := newCanned(t, map[string]answer{"/3/orders": {status: 201, headers: map[string]string{"Location": "orders"},
		body: `{"Order":{"DocumentNumber":"1","CustomerNumber":"5","Total":199}}`}})
	o, err := cl.CreateOrder(testCtx(t), OrderInput{CustomerNumber: "5", Country: ptr("Sverige"), VATIncluded: ptr(false),
		OrderRows: []OrderRowInput{{ArticleNumber: ptr("A1"), OrderedQuantity: NumOf(dec("2")), Price: NumOf(dec("99.50"))}}})
	require.NoError(t, err)
	require.Equal(t, "1", string(o.DocumentNumber))

	require.Len(t, c.seen, 1)
	r := c.seen[0]
	require.Equal(t, http.MethodPost, r.Method)
	require.Equal(t, "Bearer tok-123", r.Header.Get("Authorization"))
	require.Equal(t, "application/json", r.Header.Get("Accept"))
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	require.JSONEq(t, `{"Order":{"CustomerNumber":"5","Country":"Sverige","VATIncluded":false,
		"OrderRows":[{"ArticleNumber":"A1","OrderedQuantity":2,"Price":99.5}]}}`, c.bodies[0])
}

func TestUpdateCustomerIsPartial(t *testing.T) {
	cl, c := newCanned(t, map[string]answer{"/3/customers/K 1": {status: 200, body: `{"Customer":{"CustomerNumber":"K 1","Name":"A","Active":"true"}}`}})
	cu, err := cl.UpdateCustomer(testCtx(t), "K 1", CustomerInput{Email: ptr("a@b.se"), CustomerNumber: ptr("other"), Active: ptr(true)})
	require.NoError(t, err)
	require.True(t, bool(cu.Active))
	require.Equal(t, "/3/customers/K%201", c.seen[0].URL.EscapedPath())
	require.JSONEq(t, `{"Customer":{"Email":"a@b.se","Active":true}}`, c.bodies[0])
}

func TestPagingWithCannedPages(t *testing.T) {
	page := func(cur, total int, refs ...string) answer {
		items := make([]map[string]any, len(refs))
		for i, r := range refs {
			items[i] = map[string]any{"DocumentNumber": i, "ExternalInvoiceReference1": r}
		}
		b, _ := json.Marshal(map[string]any{"MetaInformation": map[string]any{"@TotalResources": 5, "@TotalPages": total, "@CurrentPage": cur}, "Orders": items})
		return answer{status: 200, body: string(b)}
	}
	cl, c := newCanned(t, map[string]answer{
		"/3/orders?page=1": page(1, 3, "LS-1", "LS-10"),
		"/3/orders?page=2": page(2, 3, "ls-1", "LS-11"),
		"/3/orders?page=3": page(3, 3, "LS-1"),
	})
	got, err := cl.OrdersByExternalRef(testCtx(t), "LS-1")
	require.NoError(t, err)
	require.Len(t, got, 2, "exact matches only")
	require.Len(t, c.seen, 3)
	for i, r := range c.seen {
		q := r.URL.Query()
		require.Equal(t, "500", q.Get("limit"))
		require.Equal(t, []string{"1", "2", "3"}[i], q.Get("page"))
		require.Equal(t, "LS-1", q.Get("externalinvoicereference1"))
	}

	cl, c = newCanned(t, map[string]answer{"/3/customers": {status: 200,
		body: `{"MetaInformation":{"@TotalResources":0,"@TotalPages":0,"@CurrentPage":1},"Customers":[]}`}})
	found, err := cl.CustomersByEmail(testCtx(t), "x@y.se")
	require.NoError(t, err)
	require.Empty(t, found)
	require.Len(t, c.seen, 1)
}

func TestLastModifiedIsStockholmMinutes(t *testing.T) {
	cl, c := newCanned(t, map[string]answer{"/3/orders": {status: 200,
		body: `{"MetaInformation":{"@TotalResources":0,"@TotalPages":0,"@CurrentPage":1},"Orders":[]}`}})
	_, err := cl.OrdersPage(testCtx(t), OrdersPageQuery{Since: time.Date(2026, 6, 1, 12, 5, 59, 0, time.UTC)})
	require.NoError(t, err)
	require.Equal(t, "2026-06-01 14:05", c.seen[0].URL.Query().Get("lastmodified"))
	_, err = cl.OrdersPage(testCtx(t), OrdersPageQuery{Since: time.Date(2026, 1, 1, 12, 5, 0, 0, time.UTC)})
	require.NoError(t, err)
	require.Equal(t, "2026-01-01 13:05", c.seen[1].URL.Query().Get("lastmodified"))
}

func TestLogsCarryNoTokensOrPersonalData(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	cl, _ := newCanned(t, map[string]answer{"/3/customers": {status: 200,
		body: `{"MetaInformation":{"@TotalResources":1,"@TotalPages":1,"@CurrentPage":1},"Customers":[{"CustomerNumber":"1","Name":"Anna Secret","Email":"anna@secret.se"}]}`}},
		func(c *Config) { c.Logger = zap.New(core) })
	found, err := cl.CustomersByEmail(testCtx(t), "anna@secret.se")
	require.NoError(t, err)
	require.Len(t, found, 1)
	require.Equal(t, 1, logs.Len())
	e := logs.All()[0]
	fields := e.ContextMap()
	require.Equal(t, "GET /3/customers", fields["endpoint"])
	require.EqualValues(t, 200, fields["status"])
	var all strings.Builder
	for _, e := range logs.All() {
		b, _ := json.Marshal(e.ContextMap())
		all.WriteString(e.Message)
		all.Write(b)
	}
	for _, secret := range []string{"tok-123", "anna", "Secret"} {
		require.NotContains(t, all.String(), secret)
	}
}

func TestBadConfigAndInput(t *testing.T) {
	_, err := New(Config{})
	require.ErrorContains(t, err, "Tokens is required")
	_, err = New(Config{Tokens: clients.StaticSource("x"), BaseURL: "ftp://x"})
	require.ErrorContains(t, err, `BaseURL "ftp://x"`)

	cl, c := newCanned(t, nil)
	ctx := testCtx(t)
	_, err = cl.OrdersByExternalRef(ctx, "")
	requireKind(t, err, clients.Validation)
	_, err = cl.CustomersByEmail(ctx, "  ")
	requireKind(t, err, clients.Validation)
	_, err = cl.Prices(ctx, "")
	requireKind(t, err, clients.Validation)
	_, err = cl.CreateOrder(ctx, OrderInput{})
	requireKind(t, err, clients.Validation)
	_, err = cl.CreateOrder(ctx, OrderInput{CustomerNumber: "1", Currency: ptr("SEKK")})
	ce := requireKind(t, err, clients.Validation)
	require.Equal(t, "Currency is 4 characters, Fortnox allows 3", ce.Message)
	_, err = cl.UpdateCustomer(ctx, "", CustomerInput{})
	requireKind(t, err, clients.Validation)
	require.Empty(t, c.seen, "bad input costs no request")
}

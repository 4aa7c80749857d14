package lightspeed

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"fortspeed/clients"
)

// seen is one request as the fake API received it.
type seen struct {
	Method, Path, RawQuery, Auth string
	Body                         []byte
}

// fakeAPI records requests and answers them with handle.
type fakeAPI struct {
	mu     sync.Mutex
	reqs   []seen
	handle func(w http.ResponseWriter, r *http.Request, n int)
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), body})
	n := len(f.reqs)
	f.mu.Unlock()
	f.handle(w, r, n)
}

func (f *fakeAPI) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

func jsonAnswer(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// newFake starts a fake API and a client for account 1 with a static token.
func newFake(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) (*Client, *fakeAPI, *httptest.Server) {
	t.Helper()
	f := &fakeAPI{handle: handle}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL, AccountID: 1, Tokens: clients.StaticSource("tok"), Timeout: 5 * time.Second})
	require.NoError(t, err)
	return c, f, srv
}

func kindOf(t *testing.T, err error) *clients.Error {
	t.Helper()
	require.Error(t, err)
	var ce *clients.Error
	require.ErrorAs(t, err, &ce, "every error is a *clients.Error")
	return ce
}

func TestNewRejectsBadConfig(t *testing.T) {
	_, err := New(Config{})
	assert.ErrorContains(t, err, "Tokens is required")
	_, err = New(Config{Tokens: clients.StaticSource("x"), BaseURL: "ftp://x"})
	assert.ErrorContains(t, err, "not an http(s) URL")
	c, err := New(Config{Tokens: clients.StaticSource("x")})
	require.NoError(t, err)
	assert.Equal(t, DefaultBaseURL, c.base)
}

func TestRequestShape(t *testing.T) {
	c, f, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		jsonAnswer(w, 200, `{"@attributes":{"count":"1"},"Sale":{"saleID":"12"}}`)
	})
	s, err := c.Sale(context.Background(), 12)
	require.NoError(t, err)
	assert.Equal(t, Int(12), s.SaleID)
	r := f.requests()[0]
	assert.Equal(t, "GET", r.Method)
	assert.Equal(t, "/API/V3/Account/1/Sale/12.json", r.Path)
	assert.Equal(t, "Bearer tok", r.Auth)
	q, _ := url.ParseQuery(r.RawQuery)
	assert.Contains(t, q.Get("load_relations"), `"SaleLines"`)
	assert.Contains(t, q.Get("load_relations"), `"Customer.Contact"`)
}

func jwtWith(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc([]byte(claims)) + ".sig"
}

func TestAccountIDFromJWTClaim(t *testing.T) {
	f := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, _ int) {
		jsonAnswer(w, 200, `{"Shop":{"shopID":"1","name":"Main"}}`)
	}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, Tokens: clients.StaticSource(jwtWith(`{"acct":"4711","scope":"employee:all"}`))})
	require.NoError(t, err)
	shops, err := c.Shops(context.Background())
	require.NoError(t, err)
	require.Len(t, shops, 1)
	assert.Equal(t, "/API/V3/Account/4711/Shop.json", f.requests()[0].Path)
}

func TestAccountIDFromAccountEndpoint(t *testing.T) {
	f := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.URL.Path == "/API/V3/Account.json" {
			jsonAnswer(w, 200, `{"@attributes":{"count":"1"},"Account":{"accountID":"99","name":"Shop","link":{"@attributes":{"href":"/API/V3/Account/99"}}}}`)
			return
		}
		jsonAnswer(w, 200, `{"@attributes":{"next":"","previous":""}}`)
	}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, Tokens: clients.StaticSource("opaque-token")})
	require.NoError(t, err)
	id, err := c.AccountID(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int64(99), id)
	types, err := c.PaymentTypes(context.Background())
	require.NoError(t, err)
	assert.Empty(t, types)
	reqs := f.requests()
	require.Len(t, reqs, 2, "the account is looked up once")
	assert.Equal(t, "/API/V3/Account/99/PaymentType.json", reqs[1].Path)
}

// rotatingSource hands out "old" until refreshed, then "new"; it counts refreshes.
type rotatingSource struct {
	mu        sync.Mutex
	current   string
	refreshes int
}

func (s *rotatingSource) Token(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current, nil
}

func (s *rotatingSource) Refresh(_ context.Context, failed string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if failed == s.current {
		s.refreshes++
		s.current = fmt.Sprintf("new-%d", s.refreshes)
	}
	return s.current, nil
}

const oauth401 = `{"error":"access_denied","error_description":"The resource owner or authorization server denied the request.","hint":"Access token could not be verified"}`

func TestUnauthorizedRefreshesOnceThenSucceeds(t *testing.T) {
	f := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.Header.Get("Authorization") != "Bearer new-1" {
			jsonAnswer(w, 401, oauth401)
			return
		}
		jsonAnswer(w, 200, `{"TaxClass":[{"taxClassID":"1","name":"Item"},{"taxClassID":"2","name":"Labor"}]}`)
	}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	src := &rotatingSource{current: "old"}
	c, err := New(Config{BaseURL: srv.URL, AccountID: 1, Tokens: src})
	require.NoError(t, err)
	classes, err := c.TaxClasses(context.Background())
	require.NoError(t, err)
	assert.Len(t, classes, 2)
	assert.Equal(t, 1, src.refreshes)
	assert.Len(t, f.requests(), 2)
}

func TestUnauthorizedAfterOneRefreshFails(t *testing.T) {
	f := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, _ int) { jsonAnswer(w, 401, oauth401) }}
	srv := httptest.NewServer(f)
	defer srv.Close()
	src := &rotatingSource{current: "old"}
	c, err := New(Config{BaseURL: srv.URL, AccountID: 1, Tokens: src})
	require.NoError(t, err)
	_, err = c.Shops(context.Background())
	ce := kindOf(t, err)
	assert.Equal(t, clients.Unauthorized, ce.Kind)
	assert.Equal(t, "access_denied", ce.Code)
	assert.Contains(t, ce.Message, "Access token could not be verified")
	assert.Equal(t, 1, src.refreshes, "one refresh, no loop")
	assert.Len(t, f.requests(), 2)
}

func TestStatusesBecomeTypedErrors(t *testing.T) {
	cases := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		kind       clients.Kind
		code, msg  string
		retryAfter time.Duration
	}{
		{name: "400 envelope", status: 400, body: `{"httpCode":"400","httpMessage":"Bad Request","message":"Item not created. An Item must have a description.","errorClass":"Exception"}`,
			kind: clients.Validation, code: "Exception", msg: "An Item must have a description"},
		{name: "422 duplicate barcode", status: 422, body: `{"httpCode":"422","httpMessage":"Unprocessable Entity","message":"Duplicate EAN 1234567890123","errorClass":"ValidationException"}`,
			kind: clients.Conflict, code: "ValidationException", msg: "Duplicate EAN"},
		{name: "422 other", status: 422, body: `{"httpCode":422,"message":"upc must be 11 to 14 digits","errorClass":"ValidationException"}`,
			kind: clients.Validation, msg: "upc must be"},
		{name: "404", status: 404, body: `{"httpCode":"404","httpMessage":"Not Found","message":"Object of type 'Sale' not found with primary ID '2'.","errorClass":"Exception"}`,
			kind: clients.NotFound, msg: "not found with primary ID"},
		{name: "409", status: 409, body: `{"httpCode":"409","message":"edit conflict"}`, kind: clients.Conflict, msg: "edit conflict"},
		{name: "403 scope", status: 403, body: `{"httpCode":"403","message":"Forbidden"}`, kind: clients.InvalidGrant, msg: "lacks a scope"},
		{name: "429 bucket", status: 429, header: map[string]string{"Retry-After": "3", "X-LS-API-RateLimit-Type": "api-leaky-bucket", "X-LS-API-Bucket-Level": "92.57/90"},
			body: `{"httpCode":"429","httpMessage":"Too Many Requests","message":"Rate limit exceeded","errorClass":"RateLimitException"}`,
			kind: clients.RateLimited, code: "api-leaky-bucket", retryAfter: 3 * time.Second},
		{name: "429 burst without Retry-After", status: 429, header: map[string]string{"X-LS-API-RateLimit-Type": "api-burst-limiter"},
			body: `{"httpCode":"429","message":"burst rate limit exceeded"}`, kind: clients.RateLimited, retryAfter: time.Second},
		{name: "500", status: 500, body: `{"httpCode":"500","httpMessage":"Internal Server Error","message":"oops","errorClass":"Exception"}`, kind: clients.Transient, msg: "oops"},
		{name: "503 HTML outage page", status: 503, header: map[string]string{"Content-Type": "text/html"},
			body: `<html><head><title>Lightspeed is down for maintenance</title></head><body>…</body></html>`,
			kind: clients.Transient, msg: `not JSON (text/html): HTML page titled "Lightspeed is down for maintenance"`},
		{name: "502 empty", status: 502, kind: clients.Transient, msg: "Bad Gateway"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				if w.Header().Get("Content-Type") == "" {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			_, err := c.Item(context.Background(), 5)
			ce := kindOf(t, err)
			assert.Equal(t, tc.kind, ce.Kind)
			assert.Equal(t, "lightspeed", ce.Vendor)
			assert.Equal(t, "get item", ce.Op)
			assert.Equal(t, tc.status, ce.Status)
			if tc.code != "" {
				assert.Equal(t, tc.code, ce.Code)
			}
			assert.Contains(t, ce.Message, tc.msg)
			assert.Equal(t, tc.retryAfter, ce.RetryAfter)
		})
	}
}

func TestDroppedConnectionIsTransient(t *testing.T) {
	c, _, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		conn, _, err := w.(http.Hijacker).Hijack()
		require.NoError(t, err)
		_ = conn.Close()
	})
	_, err := c.CustomersByEmail(context.Background(), "jane@example.com")
	ce := kindOf(t, err)
	assert.Equal(t, clients.Transient, ce.Kind)
	assert.Equal(t, 0, ce.Status)
	assert.NotContains(t, err.Error(), "jane@example.com", "the query with the e-mail is not repeated in the error")
}

func TestTimeoutIsTransient(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	f := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, AccountID: 1, Tokens: clients.StaticSource("t"), Timeout: 50 * time.Millisecond})
	require.NoError(t, err)
	_, err = c.Shops(context.Background())
	assert.Equal(t, clients.Transient, kindOf(t, err).Kind)
}

func TestMalformedAnswersGiveClearErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		ct, body, msg string
		kind          clients.Kind
	}{
		"truncated JSON": {"application/json", `{"Sale":{"saleID":"1"`, "malformed answer", clients.Transient},
		// Valid JSON whose value has the wrong kind reads the same on every attempt: data to
		// fix, named by its field.
		"wrong types":     {"application/json", `{"Sale":{"saleID":{"x":1}}}`, "saleID: an object is not a whole number", clients.Validation},
		"HTML with 200":   {"text/html", `<html><title>Login</title></html>`, `not JSON (text/html): HTML page titled "Login"`, clients.Transient},
		"plain text body": {"text/plain", `upstream connect error`, `not JSON (text/plain): "upstream connect error"`, clients.Transient},
	} {
		t.Run(name, func(t *testing.T) {
			c, _, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				w.Header().Set("Content-Type", tc.ct)
				_, _ = io.WriteString(w, tc.body)
			})
			_, err := c.Sale(context.Background(), 1)
			ce := kindOf(t, err)
			assert.Equal(t, tc.kind, ce.Kind)
			assert.Contains(t, ce.Error(), tc.msg)
		})
	}
}

func TestPagingFollowsNextVerbatim(t *testing.T) {
	var srvURL string
	c, f, srv := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 1:
			next := srvURL + "/API/V3/Account/1/Sale.json?completed=true&sort=timeStamp&limit=100&after=WyIyMDI2LTAxLTAyIiwxMDBd"
			jsonAnswer(w, 200, `{"@attributes":{"next":"`+next+`","previous":""},"Sale":[{"saleID":"1"},{"saleID":"2"}]}`)
		case 2:
			jsonAnswer(w, 200, `{"@attributes":{"next":"`+srvURL+`/API/V3/Account/1/Sale.json?after=ZW5k","previous":"x"},"Sale":{"saleID":"3"}}`)
		default:
			jsonAnswer(w, 200, `{"@attributes":{"next":"","previous":"x"}}`)
		}
	})
	srvURL = srv.URL
	since := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	sales, err := c.CompletedSalesChangedSince(context.Background(), since)
	require.NoError(t, err)
	require.Len(t, sales, 3)
	assert.Equal(t, Int(3), sales[2].SaleID)
	reqs := f.requests()
	require.Len(t, reqs, 3)
	q, _ := url.ParseQuery(reqs[0].RawQuery)
	assert.Equal(t, "true", q.Get("completed"))
	assert.Equal(t, ">,2026-01-01T12:00:00Z", q.Get("timeStamp"))
	assert.Equal(t, "100", q.Get("limit"))
	assert.Equal(t, "completed=true&sort=timeStamp&limit=100&after=WyIyMDI2LTAxLTAyIiwxMDBd", reqs[1].RawQuery, "next is followed exactly")
	assert.Equal(t, "after=ZW5k", reqs[2].RawQuery)
}

func TestPagingStopsOnARepeatedNextLink(t *testing.T) {
	var srvURL string
	c, _, srv := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		jsonAnswer(w, 200, `{"@attributes":{"next":"`+srvURL+`/API/V3/Account/1/Shop.json?after=same"},"Shop":{"shopID":"1"}}`)
	})
	srvURL = srv.URL
	_, err := c.Shops(context.Background())
	assert.Contains(t, kindOf(t, err).Message, "same next-page link twice")
}

func decodeBody(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	require.NoError(t, d.Decode(&m))
	return m
}

func TestCreateSaleSendsNativeTypes(t *testing.T) {
	c, f, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		jsonAnswer(w, 200, `{"@attributes":{"count":"1"},"Sale":{"saleID":"77","completed":"false","referenceNumber":"FX-1","SaleLines":{"SaleLine":{"saleLineID":"1","itemID":"20","unitQuantity":"2"}}}}`)
	})
	price := decimal.RequireFromString("199.5")
	sale, err := c.CreateSale(context.Background(), SaleInput{ShopID: 1, RegisterID: 2, EmployeeID: 3, CustomerID: 7,
		ReferenceNumber: "FX-1", ReferenceNumberSource: "Fortnox",
		Lines: []SaleLineInput{{ItemID: 20, UnitQuantity: decimal.NewFromInt(2), UnitPrice: &price}, {ItemCode: "7350000000001", UnitQuantity: decimal.NewFromInt(1)}}})
	require.NoError(t, err)
	assert.Equal(t, Int(77), sale.SaleID)
	r := f.requests()[0]
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, "/API/V3/Account/1/Sale.json", r.Path)
	assert.JSONEq(t, `{"shopID":1,"registerID":2,"employeeID":3,"customerID":7,"completed":false,
		"referenceNumber":"FX-1","referenceNumberSource":"Fortnox",
		"SaleLines":{"SaleLine":[{"itemID":20,"unitQuantity":2,"unitPrice":199.5},{"itemCode":"7350000000001","unitQuantity":1}]}}`, string(r.Body))
}

func TestInvalidInputIsRejectedBeforeSending(t *testing.T) {
	c, f, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) { jsonAnswer(w, 200, `{}`) })
	ctx := context.Background()
	bad := "12ab"
	checks := map[string]error{}
	_, checks["sale without lines"] = c.CreateSale(ctx, SaleInput{ShopID: 1, RegisterID: 1, EmployeeID: 1})
	_, checks["sale line without item"] = c.CreateSale(ctx, SaleInput{ShopID: 1, RegisterID: 1, EmployeeID: 1, Lines: []SaleLineInput{{UnitQuantity: decimal.NewFromInt(1)}}})
	_, checks["item without description"] = c.CreateItem(ctx, ItemInput{})
	_, checks["bad ean"] = c.UpdateItem(ctx, 1, ItemInput{EAN: &bad})
	_, checks["stock in shop 0"] = c.UpdateItem(ctx, 1, ItemInput{Stock: []ItemStockInput{{QOH: decimal.NewFromInt(3)}}})
	_, checks["zero id"] = c.Item(ctx, 0)
	_, checks["empty e-mail"] = c.CustomersByEmail(ctx, " ")
	_, checks["two primary e-mails"] = c.CreateCustomer(ctx, CustomerInput{FirstName: &bad, Contact: &ContactInput{Emails: []ContactEmail{{"a@x.se", "Primary"}, {"b@x.se", "Primary"}}}})
	_, checks["category with slash"] = c.CreateCategory(ctx, "a/b", 0)
	_, checks["matrix without set"] = c.CreateItemMatrix(ctx, ItemMatrixInput{Description: "Tee"})
	for name, err := range checks {
		ce := kindOf(t, err)
		assert.Equal(t, clients.Validation, ce.Kind, name)
		assert.NotEmpty(t, ce.Message, name)
	}
	assert.Empty(t, f.requests(), "nothing invalid reaches the API")
}

func TestItemsBySKUBatchesOfAtMost100(t *testing.T) {
	c, f, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		var skus []string
		require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(r.URL.Query().Get("customSku"), "IN,")), &skus))
		var items []string
		for _, s := range skus[:2] {
			items = append(items, fmt.Sprintf(`{"itemID":"1","customSku":%q,"ItemShops":""}`, s))
		}
		jsonAnswer(w, 200, `{"@attributes":{"next":""},"Item":[`+strings.Join(items, ",")+`]}`)
	})
	var skus []string
	for i := range 250 {
		skus = append(skus, fmt.Sprintf("SKU-%03d", i))
	}
	skus = append(skus, "SKU-001", " ") // duplicates and blanks are dropped
	items, err := c.ItemsBySKU(context.Background(), skus)
	require.NoError(t, err)
	assert.Len(t, items, 6)
	reqs := f.requests()
	require.Len(t, reqs, 3)
	sizes := []int{}
	for _, r := range reqs {
		q, _ := url.ParseQuery(r.RawQuery)
		var batch []string
		require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(q.Get("customSku"), "IN,")), &batch))
		sizes = append(sizes, len(batch))
	}
	assert.Equal(t, []int{100, 100, 50}, sizes)
}

func TestCustomersByEmailKeepsOnlyExactMatches(t *testing.T) {
	c, f, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		jsonAnswer(w, 200, `{"@attributes":{"next":""},"Customer":[
			{"customerID":"1","Contact":{"Emails":{"ContactEmail":{"address":"JANE@Example.com","useType":"Primary"}}}},
			{"customerID":"2","Contact":{"Emails":{"ContactEmail":[{"address":"x@y.se","useType":"Primary"},{"address":"jane@example.com","useType":"Secondary"}]}}},
			{"customerID":"3","Contact":{"Emails":{"ContactEmail":{"address":"jane@example.com.au","useType":"Primary"}}}},
			{"customerID":"4","Contact":{"Emails":""}},
			{"customerID":"5","Contact":""}]}`)
	})
	found, err := c.CustomersByEmail(context.Background(), "Jane@example.com")
	require.NoError(t, err)
	require.Len(t, found, 2)
	assert.Equal(t, Int(1), found[0].CustomerID)
	assert.Equal(t, Int(2), found[1].CustomerID)
	q, _ := url.ParseQuery(f.requests()[0].RawQuery)
	assert.Equal(t, "Jane@example.com", q.Get("Contact.email"))
	assert.Equal(t, `["Contact"]`, q.Get("load_relations"))
}

func TestCreateCustomerSendsContactAndExplicitOptOuts(t *testing.T) {
	c, f, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		jsonAnswer(w, 200, `{"Customer":{"customerID":"9","firstName":"Jane","Contact":{"Emails":{"ContactEmail":{"address":"jane@example.com","useType":"Primary"}},"Phones":""}}}`)
	})
	first, last, company := "Jane", "Doe", "Acme AB"
	typ := int64(1)
	no := false
	cu, err := c.CreateCustomer(context.Background(), CustomerInput{FirstName: &first, LastName: &last, Company: &company, CustomerTypeID: &typ,
		Contact: &ContactInput{NoEmail: &no,
			Emails:    []ContactEmail{{Address: "jane@example.com", UseType: "Primary"}},
			Phones:    []ContactPhone{{Number: "+46 8 123", UseType: "Work"}},
			Addresses: []ContactAddress{{Address1: "Storgatan 1", City: "Stockholm", Zip: "11122", Country: "Sweden", CountryCode: "SE"}}}})
	require.NoError(t, err)
	assert.Equal(t, Int(9), cu.CustomerID)
	body := decodeBody(t, f.requests()[0].Body)
	assert.Equal(t, json.Number("1"), body["customerTypeID"])
	contact := body["Contact"].(map[string]any)
	assert.Equal(t, false, contact["noEmail"])
	assert.Equal(t, true, contact["noPhone"])
	assert.Equal(t, true, contact["noMail"])
	assert.Contains(t, string(f.requests()[0].Body), `"ContactAddress":[{"address1":"Storgatan 1"`)
	assert.NotContains(t, string(f.requests()[0].Body), "customerID", "read-only fields are never sent")

	// An update sends only what changed.
	_, err = c.UpdateCustomer(context.Background(), 9, CustomerInput{Company: &company})
	require.NoError(t, err)
	r := f.requests()[1]
	assert.Equal(t, "PUT", r.Method)
	assert.Equal(t, "/API/V3/Account/1/Customer/9.json", r.Path)
	assert.JSONEq(t, `{"company":"Acme AB"}`, string(r.Body))
}

func TestItemWritesCarryPricesStockAttributesAndTexts(t *testing.T) {
	c, f, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		jsonAnswer(w, 200, `{"Item":{"itemID":"31","customSku":"TS-R-M","ItemShops":{"ItemShop":[{"itemShopID":"5","shopID":"1","qoh":"4"},{"itemShopID":"6","shopID":"0","qoh":"4"}]}}}`)
	})
	desc, sku, ean, long := "T-Shirt Red M", "TS-R-M", "7350000000017", "Organic cotton"
	typ, cat, matrix := ItemTypeNonInventory, int64(4), int64(2)
	item, err := c.CreateItem(context.Background(), ItemInput{Description: &desc, CustomSku: &sku, EAN: &ean, ItemType: &typ,
		CategoryID: &cat, ItemMatrixID: &matrix,
		Prices:       []ItemPriceInput{{UseType: "Default", Amount: decimal.RequireFromString("199.00")}, {UseTypeID: 3, Amount: decimal.RequireFromString("189.5")}},
		Stock:        []ItemStockInput{{ShopID: 1, QOH: decimal.NewFromInt(4)}},
		Attributes:   &ItemAttributesInput{ItemAttributeSetID: 1, Attribute1: "Red", Attribute2: "M"},
		ECommerce:    &ItemECommerceInput{LongDescription: &long},
		CustomFields: []CustomFieldInput{{CustomFieldID: 2, Value: "cotton"}}})
	require.NoError(t, err)
	assert.Equal(t, "4", item.ItemShops[0].QOH.String())
	assert.JSONEq(t, `{"description":"T-Shirt Red M","customSku":"TS-R-M","ean":"7350000000017","itemType":"non_inventory",
		"categoryID":4,"itemMatrixID":2,
		"Prices":{"ItemPrice":[{"useType":"Default","amount":199},{"useTypeID":3,"amount":189.5}]},
		"ItemShops":{"ItemShop":[{"shopID":1,"qoh":4}]},
		"ItemAttributes":{"itemAttributeSetID":1,"attribute1":"Red","attribute2":"M","attribute3":""},
		"ItemECommerce":{"longDescription":"Organic cotton"},
		"CustomFieldValues":{"CustomFieldValue":[{"customFieldID":2,"value":"cotton"}]}}`, string(f.requests()[0].Body))

	_, err = c.UpdateItem(context.Background(), 31, ItemInput{Stock: []ItemStockInput{{ItemShopID: 5, QOH: decimal.NewFromInt(-2)}}})
	require.NoError(t, err)
	r := f.requests()[1]
	assert.Equal(t, "/API/V3/Account/1/Item/31.json", r.Path)
	assert.JSONEq(t, `{"ItemShops":{"ItemShop":[{"itemShopID":5,"qoh":-2}]}}`, string(r.Body))
}

func TestCategoryByPathMatchesTheFullPath(t *testing.T) {
	c, f, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		jsonAnswer(w, 200, `{"Category":[{"categoryID":"3","name":"Shirts","fullPathName":"Women/Shirts","parentID":"1"},
			{"categoryID":"4","name":"Shirts","fullPathName":"Men/Shirts","parentID":"2"}]}`)
	})
	cat, ok, err := c.CategoryByPath(context.Background(), " men / shirts ")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, Int(4), cat.CategoryID)
	q, _ := url.ParseQuery(f.requests()[0].RawQuery)
	assert.Equal(t, "shirts", q.Get("name"))
	_, ok, err = c.CategoryByPath(context.Background(), "Kids/Shirts")
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestLogsAndHookCarryNoSecretsOrPersonalData(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	var mu sync.Mutex
	var endpoints []string
	f := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("X-LS-API-Bucket-Level", "1/90")
		jsonAnswer(w, 200, `{"Customer":{"customerID":"1","firstName":"Jane","Contact":{"Emails":{"ContactEmail":{"address":"jane@example.com"}}}}}`)
	}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, AccountID: 1, Tokens: clients.StaticSource("secret-token"), Logger: zap.New(core),
		Hook: HookFuncs{OnRequest: func(endpoint string, status int, _ time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			endpoints = append(endpoints, fmt.Sprintf("%s %d", endpoint, status))
		}}})
	require.NoError(t, err)
	_, err = c.CustomersByEmail(context.Background(), "jane@example.com")
	require.NoError(t, err)
	_, err = c.Customer(context.Background(), 1)
	require.NoError(t, err)
	require.NotZero(t, logs.Len())
	for _, e := range logs.All() {
		line := fmt.Sprint(e.Message, e.ContextMap())
		for _, secret := range []string{"secret-token", "jane", "Jane"} {
			assert.NotContains(t, line, secret)
		}
	}
	assert.Equal(t, []string{"GET Customer 200", "GET Customer/{id} 200"}, endpoints)
	assert.Equal(t, "/API/V3/Account/1/Customer/1.json", f.requests()[1].Path)
}

func TestTokenSourceFailureIsTyped(t *testing.T) {
	c, f, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) { jsonAnswer(w, 401, oauth401) })
	_, err := c.Shops(context.Background())
	ce := kindOf(t, err)
	assert.Equal(t, clients.Unauthorized, ce.Kind, "a static token cannot be refreshed")
	assert.Equal(t, "lightspeed", ce.Vendor)
	assert.Len(t, f.requests(), 1)
}

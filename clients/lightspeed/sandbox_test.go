package lightspeed

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients"
	"fortspeed/sandbox/demo"
	lssandbox "fortspeed/sandbox/lightspeed"
	"fortspeed/sandbox/testapi"
)

// sandbox is an in-process Lightspeed simulator for one test.
type sandbox struct {
	t   testing.TB
	srv *httptest.Server
}

// newSandbox starts the simulator with opts (its BaseURL is set to the test server) and
// seeds it.
func newSandbox(t testing.TB, opts lssandbox.Options, seed string) *sandbox {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	opts.BaseURL = "http://" + srv.Listener.Addr().String()
	srv.Config.Handler = lssandbox.New(opts)
	srv.Start()
	t.Cleanup(srv.Close)
	sb := &sandbox{t: t, srv: srv}
	sb.call(http.MethodPost, "/_sandbox/reset", `{"seed":"`+seed+`"}`, nil)
	return sb
}

func (sb *sandbox) call(method, path, body string, out any) {
	sb.t.Helper()
	var raw any
	if body != "" {
		raw = json.RawMessage(body)
	}
	require.NoError(sb.t, testapi.Remote{URL: sb.srv.URL}.Call(method, path, raw, out))
}

// tokens mints a token pair without the consent step.
func (sb *sandbox) tokens() clients.Token {
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int    `json:"expires_in"`
	}
	sb.call(http.MethodPost, "/_sandbox/tokens", `{}`, &tok)
	require.NotEmpty(sb.t, tok.AccessToken)
	return clients.Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken,
		Expiry: time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second)}
}

func (sb *sandbox) stats() testapi.StatsView {
	var s testapi.StatsView
	sb.call(http.MethodGet, "/_sandbox/stats", "", &s)
	return s
}

func (sb *sandbox) faults(body string) { sb.call(http.MethodPut, "/_sandbox/faults", body, nil) }

// source is a RefreshingSource over the sandbox's token endpoint.
func (sb *sandbox) source(tok clients.Token) *clients.RefreshingSource {
	return clients.NewRefreshingSource(clients.OAuthConfig{Vendor: "lightspeed", TokenURL: sb.srv.URL + "/auth/oauth/token",
		ClientID: "fortspeed-demo", ClientSecret: "fortspeed-demo-secret", Auth: clients.AuthBody}, tok, nil)
}

// client builds a client without an account id, so it reads the JWT's acct claim.
func (sb *sandbox) client(tokens clients.TokenSource, hook Hook) *Client {
	sb.t.Helper()
	c, err := New(Config{BaseURL: sb.srv.URL, Tokens: tokens, Hook: hook, Timeout: 10 * time.Second})
	require.NoError(sb.t, err)
	return c
}

// requestCounter counts requests per endpoint through the client's Hook; the simulator's
// own counters are updated after the answer is written, so they can lag by one request.
type requestCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (rc *requestCounter) hook() Hook {
	rc.n = map[string]int{}
	return HookFuncs{OnRequest: func(endpoint string, _ int, _ time.Duration) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.n[endpoint]++
	}}
}

func (rc *requestCounter) count(endpoint string) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.n[endpoint]
}

func TestSandboxAccountAndLookups(t *testing.T) {
	sb := newSandbox(t, lssandbox.Options{}, "demo")
	c := sb.client(clients.StaticSource(sb.tokens().AccessToken), nil)
	ctx := context.Background()
	acct, err := c.AccountID(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(316401), acct)

	pts, err := c.PaymentTypes(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Cash", pts[0].Name)
	shops, err := c.Shops(ctx)
	require.NoError(t, err)
	assert.Len(t, shops, 2)
	levels, err := c.PriceLevels(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Default", levels[0].Name)
	classes, err := c.TaxClasses(ctx)
	require.NoError(t, err)
	assert.Len(t, classes, 3)
	regs, err := c.Registers(ctx)
	require.NoError(t, err)
	assert.Len(t, regs, 3)
	emps, err := c.Employees(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, emps)
	types, err := c.CustomerTypes(ctx)
	require.NoError(t, err)
	assert.Len(t, types, 3)
	sets, err := c.ItemAttributeSets(ctx)
	require.NoError(t, err)
	require.Len(t, sets, 4)
	assert.Equal(t, "Size", sets[1].AttributeName2)
	cats, err := c.Categories(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, cats)
	leaf := cats[len(cats)-1]
	found, ok, err := c.CategoryByPath(ctx, strings.ToUpper(leaf.FullPathName))
	require.NoError(t, err)
	require.True(t, ok, "path %q", leaf.FullPathName)
	assert.Equal(t, leaf.CategoryID, found.CategoryID)
	matrices, err := c.ItemMatrices(ctx)
	require.NoError(t, err)
	require.Len(t, matrices, 22, "one matrix per demo family")
	m, err := c.ItemMatrix(ctx, int64(matrices[0].ItemMatrixID))
	require.NoError(t, err)
	assert.NotEmpty(t, m.Items)
	assert.NotEmpty(t, m.Attribute2Values)
}

func TestSandboxItemsBySKUInBatches(t *testing.T) {
	sb := newSandbox(t, lssandbox.Options{}, "demo")
	var counter requestCounter
	c := sb.client(clients.StaticSource(sb.tokens().AccessToken), counter.hook())
	var skus []string
	for _, a := range demo.Demo().Articles {
		skus = append(skus, a.Number)
	}
	require.Greater(t, len(skus), 200)
	items, err := c.ItemsBySKU(context.Background(), append(skus, "NO-SUCH-SKU"))
	require.NoError(t, err)
	got := map[string]Item{}
	for _, it := range items {
		got[it.CustomSku] = it
	}
	for _, s := range skus {
		require.Contains(t, got, s)
	}
	assert.Len(t, items, len(skus))
	first := got[skus[0]]
	assert.NotEmpty(t, first.Prices)
	assert.NotEmpty(t, first.ItemShops)
	assert.Equal(t, 3, counter.count("GET Item"), "batches of 100, 100 and 47")
}

func TestSandboxCatalogueWrites(t *testing.T) {
	sb := newSandbox(t, lssandbox.Options{}, "demo")
	c := sb.client(clients.StaticSource(sb.tokens().AccessToken), nil)
	ctx := context.Background()
	parent, err := c.CreateCategory(ctx, "Testkläder", 0)
	require.NoError(t, err)
	child, err := c.CreateCategory(ctx, "Tröjor", int64(parent.CategoryID))
	require.NoError(t, err)
	assert.Equal(t, "Testkläder/Tröjor", child.FullPathName)
	byPath, ok, err := c.CategoryByPath(ctx, "testkläder/tröjor")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, child.CategoryID, byPath.CategoryID)

	matrix, err := c.CreateItemMatrix(ctx, ItemMatrixInput{Description: "Testtröja", ItemAttributeSetID: 1, CategoryID: int64(child.CategoryID),
		Prices: []ItemPriceInput{{UseTypeID: 1, Amount: decimal.RequireFromString("299")}}})
	require.NoError(t, err)
	require.NotZero(t, matrix.ItemMatrixID)

	field, err := c.CreateItemCustomField(ctx, "Material")
	require.NoError(t, err)
	require.EqualValues(t, 1, field.CustomFieldID)
	fields, err := c.ItemCustomFields(ctx)
	require.NoError(t, err)
	require.Len(t, fields, 1)
	assert.Equal(t, "Material", fields[0].Name)
	assert.Equal(t, "string", fields[0].Type)

	desc, sku, ean, long := "Testtröja Röd M", "TT-RED-M", "7350000000017", "Lång beskrivning"
	mid, cat := int64(matrix.ItemMatrixID), int64(child.CategoryID)
	created, err := c.CreateItem(ctx, ItemInput{Description: &desc, CustomSku: &sku, EAN: &ean, ItemMatrixID: &mid, CategoryID: &cat,
		Prices:       []ItemPriceInput{{UseTypeID: 1, Amount: decimal.RequireFromString("299.00")}, {UseType: "MSRP", Amount: decimal.RequireFromString("349")}},
		Stock:        []ItemStockInput{{ShopID: 1, QOH: decimal.NewFromInt(7)}},
		Attributes:   &ItemAttributesInput{ItemAttributeSetID: 1, Attribute1: "Röd", Attribute2: "M"},
		ECommerce:    &ItemECommerceInput{LongDescription: &long},
		CustomFields: []CustomFieldInput{{CustomFieldID: 1, Value: "bomull"}}})
	require.NoError(t, err)
	id := int64(created.ItemID)

	item, err := c.Item(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "TT-RED-M", item.CustomSku)
	assert.Equal(t, "7350000000017", item.EAN)
	require.NotNil(t, item.ItemAttributes)
	assert.Equal(t, "Röd", item.ItemAttributes.Attribute1)
	require.NotNil(t, item.ItemECommerce)
	assert.Equal(t, long, item.ItemECommerce.LongDescription)
	require.Len(t, item.CustomFields, 1)
	assert.Equal(t, "bomull", item.CustomFields[0].Value)
	assert.True(t, qohIn(item, 1).Equal(decimal.NewFromInt(7)), "qoh %v", item.ItemShops)
	assert.Equal(t, "299", priceOf(item, 1).String())

	before := time.Now().Add(-2 * time.Second)
	typ := ItemTypeDefault
	_, err = c.UpdateItem(ctx, id, ItemInput{ItemType: &typ, Stock: []ItemStockInput{{ShopID: 2, QOH: decimal.NewFromInt(3)}}})
	require.NoError(t, err)
	changed, err := c.ItemShopsChangedSince(ctx, before)
	require.NoError(t, err)
	var seen bool
	for _, s := range changed {
		if int64(s.ItemID) == id && s.ShopID == 2 {
			seen = true
			assert.Equal(t, "3", s.QOH.String())
		}
	}
	assert.True(t, seen, "the stock change is visible by ItemShop timeStamp")

	dup := "Dublett"
	_, err = c.CreateItem(ctx, ItemInput{Description: &dup, EAN: &ean})
	ce := kindOf(t, err)
	assert.Contains(t, []clients.Kind{clients.Conflict, clients.Validation}, ce.Kind, "duplicate EAN: %v", err)

	_, err = c.Item(ctx, 999999)
	assert.Equal(t, clients.NotFound, kindOf(t, err).Kind)
}

func qohIn(it Item, shop int64) decimal.Decimal {
	for _, s := range it.ItemShops {
		if int64(s.ShopID) == shop {
			return s.QOH.Decimal
		}
	}
	return decimal.NewFromInt(-1)
}

func priceOf(it Item, level int64) decimal.Decimal {
	for _, p := range it.Prices {
		if int64(p.UseTypeID) == level {
			return p.Amount.Decimal
		}
	}
	return decimal.NewFromInt(-1)
}

func TestSandboxCustomers(t *testing.T) {
	sb := newSandbox(t, lssandbox.Options{}, "demo")
	c := sb.client(clients.StaticSource(sb.tokens().AccessToken), nil)
	ctx := context.Background()
	existing := demo.Demo().Customers[0].Email
	found, err := c.CustomersByEmail(ctx, strings.ToUpper(existing))
	require.NoError(t, err)
	require.Len(t, found, 1, "exact, case-insensitive")

	first, last, company := "Test", "Kund", "Testbolaget AB"
	typ := int64(2)
	created, err := c.CreateCustomer(ctx, CustomerInput{FirstName: &first, LastName: &last, Company: &company, CustomerTypeID: &typ,
		Contact: &ContactInput{Emails: []ContactEmail{{Address: "test.kund@example.se", UseType: "Primary"}},
			Phones:    []ContactPhone{{Number: "+46 70 123 45 67", UseType: "Mobile"}},
			Addresses: []ContactAddress{{Address1: "Storgatan 1", City: "Stockholm", Zip: "11122", CountryCode: "SE"}}}})
	require.NoError(t, err)
	require.NotZero(t, created.CustomerID)

	found, err = c.CustomersByEmail(ctx, "Test.Kund@example.se")
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, created.CustomerID, found[0].CustomerID)
	require.NotNil(t, found[0].Contact)
	assert.Equal(t, "Stockholm", found[0].Contact.Addresses[0].City)

	newCompany := "Nya Testbolaget AB"
	_, err = c.UpdateCustomer(ctx, int64(created.CustomerID), CustomerInput{Company: &newCompany})
	require.NoError(t, err)
	again, err := c.Customer(ctx, int64(created.CustomerID))
	require.NoError(t, err)
	assert.Equal(t, newCompany, again.Company)
	assert.Equal(t, "Test", again.FirstName, "a partial update keeps other fields")

	none, err := c.CustomersByEmail(ctx, "nobody@example.se")
	require.NoError(t, err)
	assert.Empty(t, none)
}

func TestSandboxSales(t *testing.T) {
	sb := newSandbox(t, lssandbox.Options{}, "demo")
	c := sb.client(clients.StaticSource(sb.tokens().AccessToken), nil)
	ctx := context.Background()

	completed, err := c.CompletedSalesChangedSince(ctx, time.Now().AddDate(0, -2, 0))
	require.NoError(t, err)
	require.NotEmpty(t, completed, "the demo seed has completed sales")
	for i, s := range completed {
		assert.True(t, bool(s.Completed))
		require.NotEmpty(t, s.SaleLines, "sale %d", s.SaleID)
		require.NotEmpty(t, s.SalePayments, "sale %d", s.SaleID)
		assert.NotEmpty(t, s.SaleLines[0].Item.CustomSku, "SaleLines.Item is loaded")
		if i > 0 {
			assert.False(t, s.TimeStamp.Before(completed[i-1].TimeStamp.Time), "oldest first")
		}
	}

	items, err := c.ItemsBySKU(ctx, []string{demo.Demo().Articles[0].Number})
	require.NoError(t, err)
	require.Len(t, items, 1)
	price := decimal.RequireFromString("123.45")
	sale, err := c.CreateSale(ctx, SaleInput{ShopID: 1, RegisterID: 1, EmployeeID: 1,
		ReferenceNumber: "FX-9001", ReferenceNumberSource: "Fortnox",
		Lines: []SaleLineInput{{ItemID: int64(items[0].ItemID), UnitQuantity: decimal.NewFromInt(2), UnitPrice: &price}}})
	require.NoError(t, err)
	require.NotZero(t, sale.SaleID)
	assert.False(t, bool(sale.Completed))

	byRef, err := c.SalesByReference(ctx, "FX-9001")
	require.NoError(t, err)
	require.Len(t, byRef, 1)
	assert.Equal(t, sale.SaleID, byRef[0].SaleID)
	assert.Equal(t, "Fortnox", byRef[0].ReferenceNumberSource)

	got, err := c.Sale(ctx, int64(sale.SaleID))
	require.NoError(t, err)
	require.Len(t, got.SaleLines, 1, "one line arrives as an object")
	assert.Equal(t, "123.45", got.SaleLines[0].UnitPrice.String())
	assert.Equal(t, "2", got.SaleLines[0].UnitQuantity.String())

	none, err := c.SalesByReference(ctx, "FX-NONE")
	require.NoError(t, err)
	assert.Empty(t, none)
}

func TestSandboxFaultsBecomeTypedErrors(t *testing.T) {
	sb := newSandbox(t, lssandbox.Options{}, "demo")
	c := sb.client(clients.StaticSource(sb.tokens().AccessToken), nil)
	ctx := context.Background()

	sb.faults(`{"rate_limit_rate":1}`)
	_, err := c.Shops(ctx)
	ce := kindOf(t, err)
	assert.Equal(t, clients.RateLimited, ce.Kind)
	// The delay is the simulator's Retry-After, read here straight off the wire.
	acct, err := c.AccountID(ctx)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/API/V3/Account/%d/Shop.json", sb.srv.URL, acct), nil)
	require.NoError(t, err)
	raw, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = raw.Body.Close()
	require.Equal(t, http.StatusTooManyRequests, raw.StatusCode)
	secs, err := strconv.Atoi(raw.Header.Get("Retry-After"))
	require.NoError(t, err)
	assert.Positive(t, secs)
	assert.Equal(t, time.Duration(secs)*time.Second, ce.RetryAfter)

	sb.faults(`{"error_rate":1}`)
	_, err = c.Shops(ctx)
	assert.Equal(t, clients.Transient, kindOf(t, err).Kind)

	sb.faults(`{"drop_rate":1}`)
	first := "Tappad"
	_, err = c.CreateCustomer(ctx, CustomerInput{FirstName: &first})
	ce = kindOf(t, err)
	assert.Equal(t, clients.Transient, ce.Kind)
	assert.Zero(t, ce.Status)

	sb.faults(`{}`)
	shops, err := c.Shops(ctx)
	require.NoError(t, err)
	assert.Len(t, shops, 2)
}

func TestSandboxExpiredTokenRefreshesOnce(t *testing.T) {
	sb := newSandbox(t, lssandbox.Options{}, "demo")
	src := sb.source(sb.tokens())
	c := sb.client(src, nil)
	ctx := context.Background()
	_, err := c.Shops(ctx)
	require.NoError(t, err)
	sb.faults(`{"expire_tokens":true}`)
	shops, err := c.Shops(ctx)
	require.NoError(t, err)
	assert.Len(t, shops, 2)
	st := sb.stats()
	assert.Equal(t, int64(1), st.Requests["POST /auth/oauth/token"], "%v", st.Requests)
	assert.Equal(t, int64(1), st.Statuses["401"], "%v", st.Statuses)
}

func TestSandboxReusedRefreshTokenIsInvalidGrant(t *testing.T) {
	sb := newSandbox(t, lssandbox.Options{}, "demo")
	pair := sb.tokens()
	ctx := context.Background()
	// A refreshes with the pair and uses the new access token: the old refresh token dies.
	a := sb.source(clients.Token{RefreshToken: pair.RefreshToken})
	_, err := sb.client(a, nil).Shops(ctx)
	require.NoError(t, err)
	// B still holds the old pair.
	b := sb.source(clients.Token{RefreshToken: pair.RefreshToken})
	_, err = sb.client(b, nil).Shops(ctx)
	ce := kindOf(t, err)
	assert.Equal(t, clients.InvalidGrant, ce.Kind, "%v", err)
}

func TestSandboxTwoClientsShareOneRefresh(t *testing.T) {
	sb := newSandbox(t, lssandbox.Options{}, "demo")
	src := sb.source(sb.tokens())
	c1, c2 := sb.client(src, nil), sb.client(src, nil)
	ctx := context.Background()
	_, err := c1.Shops(ctx)
	require.NoError(t, err)
	_, err = c2.Shops(ctx)
	require.NoError(t, err)
	sb.faults(`{"expire_tokens":true}`)
	var wg sync.WaitGroup
	for _, c := range []*Client{c1, c2, c1, c2} {
		wg.Go(func() {
			_, err := c.Shops(ctx)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Equal(t, int64(1), sb.stats().Requests["POST /auth/oauth/token"], "%v", sb.stats().Requests)
}

// TestSandboxPacingAvoids429s drives the simulator's bucket and burst limiter hard: Category
// writes cost 10 drips, so a 500-drip bucket fills after 50 and the client must wait.
func TestSandboxPacingAvoids429s(t *testing.T) {
	sb := newSandbox(t, lssandbox.Options{Registers: 42, BurstLimit: 15}, "empty") // bucket 500, drip 21.5/s
	var mu sync.Mutex
	var waits int
	var waited time.Duration
	hook := HookFuncs{OnThrottle: func(_ string, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		waits++
		waited += d
	}}
	c := sb.client(clients.StaticSource(sb.tokens().AccessToken), hook)
	ctx := context.Background()
	for i := range 60 {
		_, err := c.CreateCategory(ctx, fmt.Sprintf("Kategori %d", i), 0)
		require.NoError(t, err)
	}
	for range 40 {
		_, err := c.Shops(ctx)
		require.NoError(t, err)
	}
	st := sb.stats()
	assert.Zero(t, st.Total429, "%v", st.Statuses)
	assert.Positive(t, waits, "the pacer had to wait")
	t.Logf("100 requests, %d waits totalling %s, %d 429s", waits, waited, st.Total429)
}

func TestSandboxPagingReadsEveryPageOnce(t *testing.T) {
	sb := newSandbox(t, lssandbox.Options{}, "demo")
	var counter requestCounter
	c := sb.client(clients.StaticSource(sb.tokens().AccessToken), counter.hook())
	shops, err := c.ItemShopsChangedSince(context.Background(), time.Time{})
	require.NoError(t, err)
	ids := map[Int]bool{}
	for _, s := range shops {
		assert.False(t, ids[s.ItemShopID], "item shop %d read twice", s.ItemShopID)
		ids[s.ItemShopID] = true
	}
	pages := counter.count("GET ItemShop")
	assert.Greater(t, len(shops), 2*len(demo.Demo().Articles), "every item has stock records in both shops")
	assert.Equal(t, (len(shops)+pageLimit-1)/pageLimit, pages, "one request per page of 100")
}

func TestSandboxSalesByReferences(t *testing.T) {
	sb := newSandbox(t, lssandbox.Options{}, "demo")
	calls := 0
	c := sb.client(clients.StaticSource(sb.tokens().AccessToken), HookFuncs{OnRequest: func(endpoint string, _ int, _ time.Duration) {
		if strings.Contains(endpoint, "Sale") {
			calls++
		}
	}})
	ctx := context.Background()

	items, err := c.ItemsBySKU(ctx, []string{demo.Demo().Articles[0].Number})
	require.NoError(t, err)
	require.Len(t, items, 1)
	want := map[string]Int{}
	for _, ref := range []string{"9101", "9102", "91,03"} {
		sale, err := c.CreateSale(ctx, SaleInput{ShopID: 1, RegisterID: 1, EmployeeID: 1,
			ReferenceNumber: ref, ReferenceNumberSource: "Fortnox",
			Lines: []SaleLineInput{{ItemID: int64(items[0].ItemID), UnitQuantity: decimal.NewFromInt(1)}}})
		require.NoError(t, err)
		want[ref] = sale.SaleID
	}

	refs := []string{"9101", "91,03", "9101", " ", "9102"}
	for i := range 150 {
		refs = append(refs, "NONE-"+strconv.Itoa(i))
	}
	calls = 0
	got, err := c.SalesByReferences(ctx, refs)
	require.NoError(t, err)
	assert.Equal(t, 3, calls, "152 listable references in two batches of at most 100, the one with a comma alone")
	found := map[string]Int{}
	for _, s := range got {
		assert.Equal(t, "Fortnox", s.ReferenceNumberSource)
		found[s.ReferenceNumber] = s.SaleID
	}
	assert.Equal(t, want, found)

	_, err = c.SalesByReferences(ctx, []string{"", " "})
	assert.Equal(t, clients.Validation, kindOf(t, err).Kind)
}

package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"fortspeed/clients"
	"fortspeed/clients/fortnox"
	"fortspeed/clients/lightspeed"
	"fortspeed/mapping"
	fxsandbox "fortspeed/sandbox/fortnox"
	lssandbox "fortspeed/sandbox/lightspeed"
	"fortspeed/sandbox/testapi"
)

// toLSFixture runs the orders-to-lightspeed activities against both sandboxes, seeded with
// the demo data, through real clients and Temporal's activity test environment.
type toLSFixture struct {
	t     testing.TB
	fxURL string
	lsURL string
	fxTok string
	a     toLightspeedSteps
	env   *testsuite.TestActivityEnvironment
}

// toLSSettings book sales in shop 1 at register 1 by employee 1; walk-in sales go to
// Lightspeed customer 1.
const toLSSettings = `
orders:
  default_customer: {fortnox: "51", lightspeed: "1"}
  lightspeed: {shop_id: "1", register_id: "1", employee_id: "1"}
`

func newToLSFixture(t testing.TB, settings string) *toLSFixture {
	t.Helper()
	fxSrv := httptest.NewServer(fxsandbox.New(fxsandbox.Options{NoLimits: true}))
	t.Cleanup(fxSrv.Close)
	lsSrv := httptest.NewUnstartedServer(nil)
	lsSrv.Config.Handler = lssandbox.New(lssandbox.Options{NoLimits: true, BaseURL: "http://" + lsSrv.Listener.Addr().String()})
	lsSrv.Start()
	t.Cleanup(lsSrv.Close)

	f := &toLSFixture{t: t, fxURL: fxSrv.URL, lsURL: lsSrv.URL}
	f.sandbox(f.fxURL, http.MethodPost, "/_sandbox/reset", map[string]any{"seed": "demo"}, nil)
	f.sandbox(f.lsURL, http.MethodPost, "/_sandbox/reset", map[string]any{"seed": "demo"}, nil)
	f.fxTok = f.mint(f.fxURL)

	fx, err := fortnox.New(fortnox.Config{BaseURL: f.fxURL, Tokens: clients.StaticSource(f.fxTok), RateLimit: 1000, RateWindow: time.Second})
	require.NoError(t, err)
	ls, err := lightspeed.New(lightspeed.Config{BaseURL: f.lsURL, AccountID: 316401, Tokens: clients.StaticSource(f.mint(f.lsURL))})
	require.NoError(t, err)
	s, err := mapping.Parse("settings.yaml", []byte(settings))
	require.NoError(t, err)
	m, err := mapping.NewMapper(s)
	require.NoError(t, err)

	f.a = toLightspeedSteps{NewOrdersToLightspeedSource("default", fx, m), NewOrdersToLightspeedTarget("default", ls, m)}
	var ts testsuite.WorkflowTestSuite
	f.env = ts.NewTestActivityEnvironment()
	f.a.register(f.env)
	// The re-check path of Commit, which the first attempt skips: the test environment
	// always runs attempt 1.
	f.env.RegisterActivityWithOptions(func(ctx context.Context, in CommitInput) (CommitResult, error) {
		return f.a.commit(ctx, in, true)
	}, activity.RegisterOptions{Name: "ToLightspeedCommitRetry"})
	return f
}

// sandbox calls a sandbox's /_sandbox/ API.
func (f *toLSFixture) sandbox(base, method, path string, body, out any) {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(f.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	require.NoError(f.t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(f.t, err)
	require.Less(f.t, resp.StatusCode, 300, "%s %s: %s", method, path, b)
	if out != nil {
		require.NoError(f.t, json.Unmarshal(b, out), "%s %s: %s", method, path, b)
	}
}

func (f *toLSFixture) mint(base string) string {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	f.sandbox(base, http.MethodPost, "/_sandbox/tokens", map[string]any{}, &tok)
	require.NotEmpty(f.t, tok.AccessToken)
	return tok.AccessToken
}

// lsRequests is how many API requests the Lightspeed sandbox has answered so far.
func (f *toLSFixture) lsRequests() int64 { return f.requests(f.lsURL) }

// fxRequests is how many API requests the Fortnox sandbox has answered so far.
func (f *toLSFixture) fxRequests() int64 { return f.requests(f.fxURL) }

func (f *toLSFixture) requests(base string) int64 {
	var s testapi.StatsView
	f.sandbox(base, http.MethodGet, "/_sandbox/stats", nil, &s)
	return s.Total
}

func (f *toLSFixture) lsFaults(faults testapi.Faults) {
	f.sandbox(f.lsURL, http.MethodPut, "/_sandbox/faults", faults, nil)
}

// run executes one activity method by its registered name.
func (f *toLSFixture) run(name string, in, out any) error {
	f.t.Helper()
	val, err := f.env.ExecuteActivity(name, in)
	if err != nil {
		return err
	}
	// Decode into a zero value: JSON leaves omitted fields as they were.
	v := reflect.ValueOf(out).Elem()
	v.Set(reflect.Zero(v.Type()))
	require.NoError(f.t, val.Get(out))
	return nil
}

func (f *toLSFixture) fetch(in FetchInput) FetchResult {
	f.t.Helper()
	var res FetchResult
	require.NoError(f.t, f.run(OrdersToLightspeedFetch, in, &res))
	return res
}

// draft fetches and enriches the Fortnox order number.
func (f *toLSFixture) draft(number string) mapping.OrderDraft {
	f.t.Helper()
	var res EnrichResult
	require.NoError(f.t, f.run(OrdersToLightspeedEnrich, EnrichInput{Tenant: "default", Source: mapping.SourceOrder{ID: number}, Refetch: true}, &res))
	return res.Draft
}

func (f *toLSFixture) fortnoxCustomer(number string) fortnox.Customer {
	f.t.Helper()
	c, err := f.a.Fortnox.Customer(context.Background(), number)
	require.NoError(f.t, err)
	return c
}

// fortnoxPut sends a write the Fortnox client has no method for (cancel).
func (f *toLSFixture) fortnoxPut(path string) {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodPut, f.fxURL+path, nil)
	require.NoError(f.t, err)
	req.Header.Set("Authorization", "Bearer "+f.fxTok)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	resp.Body.Close()
	require.Less(f.t, resp.StatusCode, 300)
}

func toLSAppError(t *testing.T, err error) *temporal.ApplicationError {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "want an ApplicationError, got %v", err)
	return appErr
}

func toLSAssertNeedsFix(t *testing.T, err error, contains string) {
	t.Helper()
	appErr := toLSAppError(t, err)
	assert.Equal(t, ErrorTypeNeedsFix, appErr.Type())
	assert.True(t, appErr.NonRetryable())
	assert.Contains(t, appErr.Error(), contains)
}

func TestToLightspeedFetchPagesAndCursor(t *testing.T) {
	f := newToLSFixture(t, toLSSettings)
	ctx := context.Background()
	// An order orders-to-fortnox made from a Lightspeed sale does not go to Lightspeed; a
	// cancelled order is taken, flagged, so the open sale it may have is voided.
	ref := "LS-4711"
	echo, err := f.a.Fortnox.CreateOrder(ctx, fortnox.OrderInput{CustomerNumber: "3", ExternalInvoiceReference1: &ref,
		OrderRows: []fortnox.OrderRowInput{{ArticleNumber: toLSPtr(toLSFirstSKU(t, f)), OrderedQuantity: fortnox.NumOf(decimal.NewFromInt(1))}}})
	require.NoError(t, err)
	f.fortnoxPut("/3/orders/2/cancel")

	before := time.Now()
	in := FetchInput{Tenant: "default", Since: time.Now().Add(-time.Hour), PageSize: 12}
	var pages []FetchResult
	for {
		res := f.fetch(in)
		pages = append(pages, res)
		if res.NextPageToken == "" {
			break
		}
		require.Less(t, len(pages), 5, "paging must end")
		in.PageToken = res.NextPageToken
	}

	require.Len(t, pages, 3, "31 listed orders in pages of 12")
	seen := map[string]bool{}
	for i, p := range pages {
		assert.False(t, p.Cursor.IsZero(), "page %d has a cursor", i+1)
		assert.Equal(t, pages[0].Cursor, p.Cursor, "every page carries the first listing time")
		for _, r := range decoded(t, p.Records) {
			assert.False(t, seen[r.ID], "order %s twice", r.ID)
			seen[r.ID] = true
			assert.Equal(t, mapping.VendorFortnox, r.Vendor)
			assert.Empty(t, r.Lines, "the listing only: each record's enrich reads the full order")
			assert.NotEmpty(t, r.Customer.ID, "the customer number")
			assert.Equal(t, r.ID == "2", r.Cancelled, "order %s: only order 2 is cancelled", r.ID)
		}
	}
	assert.Len(t, seen, 30)
	assert.True(t, seen["2"], "a cancelled order is taken")
	assert.False(t, seen[string(echo.DocumentNumber)], "orders from Lightspeed do not go back")
	assert.True(t, pages[0].Cursor.Before(before), "the cursor overlaps the listing time")
	assert.WithinDuration(t, before, pages[0].Cursor, 2*time.Minute)

	all := f.fetch(FetchInput{Tenant: "default", PageSize: 100})
	assert.Len(t, all.Records, 30, "a first run without a cursor reads every order")

	empty := f.fetch(FetchInput{Tenant: "default", Since: time.Now().Add(time.Hour), PageSize: 12})
	assert.Empty(t, empty.Records)
	assert.Empty(t, empty.NextPageToken)
	assert.WithinDuration(t, time.Now(), empty.Cursor, time.Minute, "an empty page still says when it listed")

	_, err = f.env.ExecuteActivity(OrdersToLightspeedFetch, FetchInput{Tenant: "default", PageToken: "x"})
	assert.True(t, toLSAppError(t, err).NonRetryable(), "a bad page token is not retried")
}

func toLSPtr(s string) *string { return &s }

// toLSFirstSKU is an article number the demo data has in both systems.
func toLSFirstSKU(t *testing.T, f *toLSFixture) string {
	t.Helper()
	o, err := f.a.Fortnox.Order(context.Background(), "1")
	require.NoError(t, err)
	require.NotEmpty(t, o.OrderRows)
	return string(o.OrderRows[0].ArticleNumber)
}

func TestToLightspeedEnrich(t *testing.T) {
	f := newToLSFixture(t, toLSSettings)
	res := f.fetch(FetchInput{Tenant: "default", Since: time.Now().Add(-time.Hour), PageSize: 100})
	// Enrich reads each listed order in full; the full records tell companies from persons.
	var company, person *mapping.SourceOrder
	for _, r := range decoded(t, res.Records) {
		o, err := f.a.Fortnox.Order(context.Background(), r.ID)
		require.NoError(t, err)
		full, err := f.a.fortnoxSource(context.Background(), o)
		require.NoError(t, err)
		if full.Customer.Company != "" && company == nil {
			company = &full
		}
		if full.Customer.Company == "" && person == nil {
			person = &full
		}
	}
	require.NotNil(t, company, "the demo has company orders")
	require.NotNil(t, person, "the demo has private orders")

	var listed EnrichResult
	require.NoError(t, f.run(OrdersToLightspeedEnrich, EnrichInput{Tenant: "default", Source: decoded(t, res.Records)[0]}, &listed))
	assert.NotEmpty(t, listed.Draft.Lines, "a listed order is read in full before it is mapped")

	var er EnrichResult
	require.NoError(t, f.run(OrdersToLightspeedEnrich, EnrichInput{Tenant: "default", Source: *company}, &er))
	assert.True(t, er.Draft.Customer.IsCompany())
	assert.NotEmpty(t, er.Draft.Customer.Name, "the contact person")
	assert.Equal(t, company.ID, er.Draft.Reference, "the DocumentNumber is the key")
	assert.Contains(t, er.Summary, "enrich: Fortnox order "+company.ID)

	require.NoError(t, f.run(OrdersToLightspeedEnrich, EnrichInput{Tenant: "default", Source: *person}, &er))
	assert.False(t, er.Draft.Customer.IsCompany())
	want := f.fortnoxCustomer(person.Customer.ID).CountryCode
	require.NotEmpty(t, want)
	assert.NotEmpty(t, person.Billing.Country, "Fortnox orders carry a country name")
	assert.Equal(t, want, er.Draft.Billing.CountryCode, "the country name %q resolves to its code", person.Billing.Country)

	// Payment mapping: the mode of payment table, and no default for an unknown one.
	src := *person
	src.Payments = []mapping.Payment{{Method: "KORT", Amount: src.Total}}
	require.NoError(t, f.run(OrdersToLightspeedEnrich, EnrichInput{Tenant: "default", Source: src}, &er))
	assert.Equal(t, "Credit Card", er.Draft.ModeOfPayment)
	src.Payments = []mapping.Payment{{Method: "KLARNA", Amount: src.Total}}
	err := f.run(OrdersToLightspeedEnrich, EnrichInput{Tenant: "default", Source: src}, &er)
	toLSAssertNeedsFix(t, err, `payment method "KLARNA"`)

	// Refetch re-reads the order from Fortnox, and gets the same draft.
	stale := *person
	stale.Lines = nil
	require.NoError(t, f.run(OrdersToLightspeedEnrich, EnrichInput{Tenant: "default", Source: stale, Refetch: true}, &er))
	assert.Len(t, er.Draft.Lines, len(person.Lines))
	assert.Contains(t, er.Summary, "re-read")
}

func TestToLightspeedEnrichBadDataNeedsFix(t *testing.T) {
	f := newToLSFixture(t, `orders: {lightspeed: {shop_id: "1", register_id: "1", employee_id: "1"}}`)
	ctx := context.Background()
	// Customer 51 is the walk-in customer without an e-mail, and no default is set.
	o, err := f.a.Fortnox.CreateOrder(ctx, fortnox.OrderInput{CustomerNumber: fxsandbox.WalkInCustomerNumber,
		OrderRows: []fortnox.OrderRowInput{{ArticleNumber: toLSPtr(toLSFirstSKU(t, f)), OrderedQuantity: fortnox.NumOf(decimal.NewFromInt(1))}}})
	require.NoError(t, err)
	var er EnrichResult
	err = f.run(OrdersToLightspeedEnrich, EnrichInput{Tenant: "default", Source: mapping.SourceOrder{ID: string(o.DocumentNumber)}, Refetch: true}, &er)
	toLSAssertNeedsFix(t, err, "no customer e-mail")
	assert.Contains(t, err.Error(), "Fortnox order "+string(o.DocumentNumber))

	src := mapping.SourceOrder{Vendor: mapping.VendorFortnox, ID: "99", Currency: "SEK",
		Customer: mapping.SourceCustomer{Email: "not-an-address", FirstName: "Anna"},
		Lines:    []mapping.SourceLine{{SKU: "X", Quantity: decimal.NewFromInt(1)}}}
	err = f.run(OrdersToLightspeedEnrich, EnrichInput{Tenant: "default", Source: src}, &er)
	toLSAssertNeedsFix(t, err, "customer.email")
	assert.NotContains(t, err.Error(), "not-an-address", "no personal data in the reason")

	// A listed order Fortnox no longer has is NotFound: not retried, the record needs a look.
	src.Customer.Email = "anna@example.se"
	src.Lines = nil
	err = f.run(OrdersToLightspeedEnrich, EnrichInput{Tenant: "default", Source: src}, &er)
	assert.Equal(t, "NotFound", toLSAppError(t, err).Type())
	assert.True(t, toLSAppError(t, err).NonRetryable())
}

func TestToLightspeedCheckExistsAndCommit(t *testing.T) {
	f := newToLSFixture(t, toLSSettings)
	ctx := context.Background()
	d := f.draft("1")

	var ce CheckExistsResult
	require.NoError(t, f.run(OrdersToLightspeedCheckExists, CheckExistsInput{Tenant: "default", Draft: d}, &ce))
	assert.False(t, ce.Exists)
	assert.Equal(t, "check-exists: Fortnox order 1 not in Lightspeed", ce.Summary)

	var up UpsertCustomerResult
	require.NoError(t, f.run(OrdersToLightspeedUpsertCustomer, UpsertCustomerInput{Tenant: "default", Customer: d.Customer}, &up))
	require.NotEmpty(t, up.CustomerID)
	var vp VerifyProductsResult
	require.NoError(t, f.run(OrdersToLightspeedVerifyProducts, VerifyProductsInput{Tenant: "default", SKUs: d.SKUs()}, &vp))
	require.Empty(t, vp.Missing)

	// A dry run writes nothing.
	calls := f.lsRequests()
	var cr CommitResult
	require.NoError(t, f.run(OrdersToLightspeedCommit, CommitInput{Tenant: "default", Draft: d, CustomerID: up.CustomerID, DryRun: true}, &cr))
	assert.Empty(t, cr.TargetID)
	assert.Contains(t, cr.Summary, "would create")
	assert.Equal(t, calls, f.lsRequests(), "a dry run makes no call")

	require.NoError(t, f.run(OrdersToLightspeedCommit, CommitInput{Tenant: "default", Draft: d, CustomerID: up.CustomerID}, &cr))
	require.NotEmpty(t, cr.TargetID)
	assert.Contains(t, cr.Summary, "commit: created open Lightspeed sale "+cr.TargetID+" for Fortnox order 1")
	assert.Equal(t, calls+1, f.lsRequests(), "known items: the commit is one write")

	id, err := strconv.ParseInt(cr.TargetID, 10, 64)
	require.NoError(t, err)
	sale, err := f.a.Lightspeed.Sale(ctx, id)
	require.NoError(t, err)
	order, err := f.a.Fortnox.Order(ctx, "1")
	require.NoError(t, err)
	assert.False(t, bool(sale.Completed), "an open sale")
	assert.Equal(t, "1", sale.ReferenceNumber)
	assert.Equal(t, LightspeedReferenceSource, sale.ReferenceNumberSource)
	assert.Equal(t, up.CustomerID, strconv.FormatInt(int64(sale.CustomerID), 10))
	assert.Equal(t, int64(1), int64(sale.ShopID))
	require.Len(t, sale.SaleLines, len(order.OrderRows))
	for i, row := range order.OrderRows {
		l := sale.SaleLines[i]
		require.NotNil(t, l.Item)
		assert.Equal(t, string(row.ArticleNumber), l.Item.CustomSku)
		assert.True(t, row.OrderedQuantity.Decimal.Equal(l.UnitQuantity.Decimal), "line %d quantity", i+1)
		want := row.Price.Decimal
		if !bool(order.VATIncluded) {
			want = want.Mul(decimal.NewFromInt(100).Add(row.VAT.Decimal)).Div(decimal.NewFromInt(100))
		}
		assert.True(t, want.Round(2).Equal(l.UnitPrice.Decimal.Round(2)), "line %d price %s, want %s incl. VAT", i+1, l.UnitPrice.Decimal, want)
	}
	assert.True(t, sale.Total.Decimal.Sub(order.Total.Decimal).Abs().LessThanOrEqual(decimal.NewFromInt(1)),
		"sale total %s, Fortnox total %s", sale.Total.Decimal, order.Total.Decimal)

	require.NoError(t, f.run(OrdersToLightspeedCheckExists, CheckExistsInput{Tenant: "default", Draft: d}, &ce))
	assert.True(t, ce.Exists)
	assert.Equal(t, cr.TargetID, ce.TargetID)
}

func TestToLightspeedCommitRetryAfterDroppedResponse(t *testing.T) {
	f := newToLSFixture(t, toLSSettings)
	d := f.draft("3")
	var vp VerifyProductsResult
	require.NoError(t, f.run(OrdersToLightspeedVerifyProducts, VerifyProductsInput{Tenant: "default", SKUs: d.SKUs()}, &vp))

	f.lsFaults(testapi.Faults{DropRate: 1})
	var cr CommitResult
	err := f.run(OrdersToLightspeedCommit, CommitInput{Tenant: "default", Draft: d}, &cr)
	require.Error(t, err, "the response is lost")
	assert.False(t, toLSAppError(t, err).NonRetryable(), "a lost response is retried")
	f.lsFaults(testapi.Faults{})

	require.NoError(t, f.run("ToLightspeedCommitRetry", CommitInput{Tenant: "default", Draft: d}, &cr))
	assert.NotEmpty(t, cr.TargetID)
	assert.Contains(t, cr.Summary, "of an earlier attempt")

	sales, err := f.a.Lightspeed.SalesByReference(context.Background(), "3")
	require.NoError(t, err)
	assert.Len(t, sales, 1, "the retry found the first write instead of duplicating it")
}

func TestToLightspeedUpsertCustomer(t *testing.T) {
	f := newToLSFixture(t, toLSSettings)
	upsert := func(c mapping.CustomerDraft, dryRun bool) UpsertCustomerResult {
		t.Helper()
		var res UpsertCustomerResult
		require.NoError(t, f.run(OrdersToLightspeedUpsertCustomer, UpsertCustomerInput{Tenant: "default", Customer: c, DryRun: dryRun}, &res))
		return res
	}
	// Fortnox customer 1 is also in the Lightspeed demo data.
	fc := f.fortnoxCustomer("1")
	require.NotEmpty(t, fc.Email)
	known := f.draft("1").Customer
	require.True(t, strings.EqualFold(fc.Email, known.Email) || known.Email != "", "a draft with an e-mail")

	t.Run("found exact and unchanged", func(t *testing.T) {
		c := mapping.CustomerDraft{Email: strings.ToUpper(toLSDemoEmail(t, f)), Name: toLSDemoName(t, f)}
		calls := f.lsRequests()
		res := upsert(c, false)
		assert.NotEmpty(t, res.CustomerID)
		assert.False(t, res.Created)
		assert.False(t, res.Updated, "same fields: no write")
		assert.Contains(t, res.Summary, "found Lightspeed customer "+res.CustomerID+" by e-mail, unchanged")
		assert.Equal(t, calls+1, f.lsRequests(), "one lookup, no write")

		again := upsert(c, false)
		assert.Equal(t, res.CustomerID, again.CustomerID)
		assert.Contains(t, again.Summary, "cached")
		assert.Equal(t, calls+1, f.lsRequests(), "a known customer costs no call")
	})

	t.Run("updated when different", func(t *testing.T) {
		c := mapping.CustomerDraft{Email: toLSDemoEmail(t, f), Name: "Ny Efternamn-Person", Phone: "070-0000000"}
		dry := upsert(c, true)
		assert.False(t, dry.Updated)
		assert.Contains(t, dry.Summary, "would update first name, last name, phone")
		res := upsert(c, false)
		assert.True(t, res.Updated)
		assert.Contains(t, res.Summary, "updated first name, last name, phone")
		id, _ := strconv.ParseInt(res.CustomerID, 10, 64)
		got, err := f.a.Lightspeed.Customer(context.Background(), id)
		require.NoError(t, err)
		assert.Equal(t, "Ny", got.FirstName)
		assert.Equal(t, "Efternamn-Person", got.LastName)
		found, err := f.a.Lightspeed.CustomersByEmail(context.Background(), c.Email)
		require.NoError(t, err)
		assert.Len(t, found, 1, "never duplicated")
	})

	t.Run("created company with contact", func(t *testing.T) {
		c := mapping.CustomerDraft{Email: "Inkop@Nyfirma.example", Name: "Bo Ek", Company: "Nyfirma AB", OrgNumber: "556000-1111", Phone: "031-22222"}
		dry := upsert(c, true)
		assert.Empty(t, dry.CustomerID)
		assert.Contains(t, dry.Summary, "would create a Lightspeed company customer")
		res := upsert(c, false)
		assert.True(t, res.Created)
		id, _ := strconv.ParseInt(res.CustomerID, 10, 64)
		got, err := f.a.Lightspeed.Customer(context.Background(), id)
		require.NoError(t, err)
		assert.Equal(t, "Nyfirma AB", got.Company)
		assert.Equal(t, "556000-1111", got.CompanyRegistrationNumber)
		assert.Equal(t, "Bo", got.FirstName)
		assert.Equal(t, "Ek", got.LastName)
		require.NotNil(t, got.Contact)
		require.Len(t, got.Contact.Emails, 1)
		assert.Equal(t, "inkop@nyfirma.example", strings.ToLower(got.Contact.Emails[0].Address))
		require.Len(t, got.Contact.Phones, 1)
		assert.Equal(t, "031-22222", got.Contact.Phones[0].Number)

		same := upsert(mapping.CustomerDraft{Email: "inkop@NYFIRMA.example", Name: "Bo Ek", Company: "Nyfirma AB", OrgNumber: "556000-1111", Phone: "031-22222"}, false)
		assert.Equal(t, res.CustomerID, same.CustomerID, "e-mail case does not matter")
		assert.False(t, same.Created)
	})

	t.Run("created person", func(t *testing.T) {
		res := upsert(mapping.CustomerDraft{Email: "karin@privat.example", Name: "Karin Lund"}, false)
		assert.True(t, res.Created)
		assert.Contains(t, res.Summary, "created Lightspeed person customer")
		id, _ := strconv.ParseInt(res.CustomerID, 10, 64)
		got, err := f.a.Lightspeed.Customer(context.Background(), id)
		require.NoError(t, err)
		assert.Empty(t, got.Company)
		assert.Equal(t, "Karin", got.FirstName)
	})

	t.Run("default and forced default", func(t *testing.T) {
		calls := f.lsRequests()
		res := upsert(mapping.CustomerDraft{UseDefault: true, DefaultID: "1"}, false)
		assert.Equal(t, "1", res.CustomerID)
		assert.Equal(t, "upsert-customer: default Lightspeed customer 1", res.Summary)
		res = upsert(mapping.CustomerDraft{Email: "karin@privat.example", Name: "Karin Lund", UseDefault: true, DefaultID: "1"}, false)
		assert.Equal(t, "1", res.CustomerID, "force default wins over the e-mail")
		assert.Equal(t, calls, f.lsRequests(), "the default customer costs no call")

		var out UpsertCustomerResult
		err := f.run(OrdersToLightspeedUpsertCustomer, UpsertCustomerInput{Tenant: "default", Customer: mapping.CustomerDraft{UseDefault: true, DefaultID: "walk-in"}}, &out)
		toLSAssertNeedsFix(t, err, "orders.default_customer.lightspeed")
	})
}

// toLSDemoEmail is the e-mail of the first private Lightspeed demo customer.
func toLSDemoEmail(t *testing.T, f *toLSFixture) string {
	return toLSDemoCustomer(t, f).Contact.Emails[0].Address
}

func toLSDemoName(t *testing.T, f *toLSFixture) string {
	c := toLSDemoCustomer(t, f)
	return c.FirstName + " " + c.LastName
}

func toLSDemoCustomer(t *testing.T, f *toLSFixture) lightspeed.Customer {
	t.Helper()
	for id := int64(1); id <= 25; id++ {
		c, err := f.a.Lightspeed.Customer(context.Background(), id)
		require.NoError(t, err)
		if c.Company == "" && c.Contact != nil && len(c.Contact.Emails) > 0 {
			return c
		}
	}
	t.Fatal("the Lightspeed demo data has no private customer with an e-mail")
	return lightspeed.Customer{}
}

func TestToLightspeedVerifyProducts(t *testing.T) {
	f := newToLSFixture(t, toLSSettings)
	d := f.draft("1")
	skus := append(d.SKUs(), "NO-SUCH-SKU", d.SKUs()[0])

	// The demo items were all stamped a moment ago; an index that listed an hour from now
	// sees them as old, as a real register's are.
	later := time.Now().Add(time.Hour)
	f.a.items.now = func() time.Time { return later }
	calls := f.lsRequests()
	var vp VerifyProductsResult
	require.NoError(t, f.run(OrdersToLightspeedVerifyProducts, VerifyProductsInput{Tenant: "default", SKUs: skus}, &vp))
	assert.Equal(t, []string{"NO-SUCH-SKU"}, vp.Missing)
	assert.Contains(t, vp.Summary, "1 of ")
	assert.Equal(t, calls+3, f.lsRequests(), "one listing of the demo's 246 items, 100 a page, for every record to come")

	var known VerifyProductsResult
	require.NoError(t, f.run(OrdersToLightspeedVerifyProducts, VerifyProductsInput{Tenant: "default", SKUs: d.SKUs()}, &known))
	assert.Empty(t, known.Missing)
	assert.Contains(t, known.Summary, "(0 listings of the item register)")
	assert.Equal(t, calls+3, f.lsRequests(), "known SKUs cost no call")

	require.NoError(t, f.run(OrdersToLightspeedVerifyProducts, VerifyProductsInput{Tenant: "default", SKUs: []string{"NO-SUCH-SKU"}}, &vp))
	assert.Equal(t, calls+4, f.lsRequests(), "an unknown SKU costs one listing of what changed")
}

func TestToLightspeedVendorFailures(t *testing.T) {
	f := newToLSFixture(t, toLSSettings)
	d := f.draft("1")

	f.lsFaults(testapi.Faults{ErrorRate: 1})
	var ce CheckExistsResult
	err := f.run(OrdersToLightspeedCheckExists, CheckExistsInput{Tenant: "default", Draft: d}, &ce)
	appErr := toLSAppError(t, err)
	assert.Equal(t, string(clients.Transient), appErr.Type())
	assert.False(t, appErr.NonRetryable(), "a 5xx is retried")
	f.lsFaults(testapi.Faults{})

	err = f.run(OrdersToLightspeedCheckExists, CheckExistsInput{Tenant: "shop2", Draft: d}, &ce)
	appErr = toLSAppError(t, err)
	assert.True(t, appErr.NonRetryable())
	assert.Contains(t, appErr.Error(), `"shop2"`)

	var cr CommitResult
	bad := d
	bad.Lines = append([]mapping.LineDraft(nil), d.Lines...)
	bad.Lines[0].Quantity = decimal.Zero
	err = f.run(OrdersToLightspeedCommit, CommitInput{Tenant: "default", Draft: bad}, &cr)
	toLSAssertNeedsFix(t, err, "quantity 0")
}

func TestToLightspeedForcedDefaultCustomer(t *testing.T) {
	f := newToLSFixture(t, toLSSettings+"  force_default_customer: true\n")
	d := f.draft("1")
	assert.True(t, d.Customer.UseDefault)
	assert.Equal(t, "1", d.Customer.DefaultID)
	var up UpsertCustomerResult
	require.NoError(t, f.run(OrdersToLightspeedUpsertCustomer, UpsertCustomerInput{Tenant: "default", Customer: d.Customer}, &up))
	assert.Equal(t, "1", up.CustomerID)
}

// BenchmarkToLightspeedCallsPerOrder runs every demo order through the six steps with the
// customer and item caches warm (steady state: known customers and products) and reports
// the vendor API calls per committed order.
func BenchmarkToLightspeedCallsPerOrder(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		f := newToLSFixture(b, toLSSettings)
		since := time.Now().Add(-time.Hour)
		warm := f.fetch(FetchInput{Tenant: "default", Since: since, PageSize: 100})
		for _, src := range decoded(b, warm.Records) {
			var er EnrichResult
			if err := f.run(OrdersToLightspeedEnrich, EnrichInput{Tenant: "default", Source: src}, &er); err != nil {
				continue
			}
			var up UpsertCustomerResult
			require.NoError(b, f.run(OrdersToLightspeedUpsertCustomer, UpsertCustomerInput{Tenant: "default", Customer: er.Draft.Customer, Billing: er.Draft.Billing, Shipping: er.Draft.Shipping}, &up))
			var vp VerifyProductsResult
			require.NoError(b, f.run(OrdersToLightspeedVerifyProducts, VerifyProductsInput{Tenant: "default", SKUs: er.Draft.SKUs()}, &vp))
		}
		fx0, ls0 := f.fxRequests(), f.lsRequests()
		b.StartTimer()

		res := f.fetch(FetchInput{Tenant: "default", Since: since, PageSize: 100})
		// The parent checks the page once; the children take its answer.
		entries := make([]CheckExistsEntry, 0, len(res.Records))
		for _, src := range decoded(b, res.Records) {
			entries = append(entries, CheckExistsEntry{Reference: mapping.OrderReference(mapping.FlowOrdersToLightspeed, src.ID)})
		}
		var page CheckExistsBatchResult
		require.NoError(b, f.run(OrdersToLightspeedCheckExistsBatch, CheckExistsBatchInput{Tenant: "default", Records: entries}, &page))
		require.Empty(b, page.Existing)
		committed := 0
		for _, src := range decoded(b, res.Records) {
			var er EnrichResult
			if err := f.run(OrdersToLightspeedEnrich, EnrichInput{Tenant: "default", Source: src}, &er); err != nil {
				continue
			}
			var up UpsertCustomerResult
			require.NoError(b, f.run(OrdersToLightspeedUpsertCustomer, UpsertCustomerInput{Tenant: "default", Customer: er.Draft.Customer, Billing: er.Draft.Billing, Shipping: er.Draft.Shipping}, &up))
			var vp VerifyProductsResult
			require.NoError(b, f.run(OrdersToLightspeedVerifyProducts, VerifyProductsInput{Tenant: "default", SKUs: er.Draft.SKUs()}, &vp))
			var cr CommitResult
			require.NoError(b, f.run(OrdersToLightspeedCommit, CommitInput{Tenant: "default", Draft: er.Draft, CustomerID: up.CustomerID}, &cr))
			committed++
		}
		b.StopTimer()
		require.Positive(b, committed)
		fx, ls := f.fxRequests()-fx0, f.lsRequests()-ls0
		b.ReportMetric(float64(fx+ls)/float64(committed), "calls/order")
		b.ReportMetric(float64(fx)/float64(committed), "fortnox-calls/order")
		b.ReportMetric(float64(ls)/float64(committed), "lightspeed-calls/order")
		b.Logf("%d orders committed: %d Fortnox calls (list + one GET per order), %d Lightspeed calls (one page check + write per order)", committed, fx, ls)
		b.StartTimer()
	}
}

func TestToLightspeedUpsertCustomerAddress(t *testing.T) {
	f := newToLSFixture(t, toLSSettings)
	ctx := context.Background()
	upsert := func(in UpsertCustomerInput) UpsertCustomerResult {
		t.Helper()
		in.Tenant = "default"
		var res UpsertCustomerResult
		require.NoError(t, f.run(OrdersToLightspeedUpsertCustomer, in, &res))
		return res
	}
	customer := mapping.CustomerDraft{Email: "adress@kund.example", Name: "Adam Adress"}
	billing := mapping.Address{Street: "Storgatan 1", Street2: "Lgh 1102", PostalCode: "114 55", City: "Stockholm", CountryCode: "SE", Country: "Sverige"}
	shipping := mapping.Address{Street: "Industrivägen 9", City: "Solna", CountryCode: "SE"}

	res := upsert(UpsertCustomerInput{Customer: customer, Billing: billing, Shipping: shipping})
	require.True(t, res.Created)
	id, err := strconv.ParseInt(res.CustomerID, 10, 64)
	require.NoError(t, err)
	got, err := f.a.Lightspeed.Customer(ctx, id)
	require.NoError(t, err)
	require.NotNil(t, got.Contact)
	require.Len(t, got.Contact.Addresses, 1, "the billing address; a contact address has no delivery use type")
	addr := got.Contact.Addresses[0]
	assert.Equal(t, "Storgatan 1", addr.Address1)
	assert.Equal(t, "Lgh 1102", addr.Address2)
	assert.Equal(t, "114 55", addr.Zip)
	assert.Equal(t, "Stockholm", addr.City)
	assert.Equal(t, "SE", addr.CountryCode)

	// A fresh worker (empty cache) finds the same address: no write.
	var ts testsuite.WorkflowTestSuite
	freshEnv := ts.NewTestActivityEnvironment()
	freshEnv.RegisterActivityWithOptions(NewOrdersToLightspeedTarget("default", f.a.Lightspeed, f.a.OrdersToLightspeedTarget.Mapper),
		activity.RegisterOptions{Name: OrdersToLightspeedPrefix})
	sameBilling := billing
	sameBilling.PostalCode = "11455"
	val, err := freshEnv.ExecuteActivity(OrdersToLightspeedUpsertCustomer,
		UpsertCustomerInput{Tenant: "default", Customer: customer, Billing: sameBilling})
	require.NoError(t, err)
	var same UpsertCustomerResult
	require.NoError(t, val.Get(&same))
	assert.False(t, same.Updated, same.Summary)
	assert.Contains(t, same.Summary, "unchanged")

	// A move updates the differing parts; empty values keep what the shop has.
	moved := mapping.Address{Street: "Drottninggatan 5", PostalCode: "41103", City: "Göteborg"}
	dry := upsert(UpsertCustomerInput{Customer: customer, Billing: moved, DryRun: true})
	assert.Contains(t, dry.Summary, "would update address (street, postal code, city)")
	upd := upsert(UpsertCustomerInput{Customer: customer, Billing: moved})
	assert.True(t, upd.Updated)
	assert.Contains(t, upd.Summary, "updated address (street, postal code, city)")
	got, err = f.a.Lightspeed.Customer(ctx, id)
	require.NoError(t, err)
	require.Len(t, got.Contact.Addresses, 1)
	addr = got.Contact.Addresses[0]
	assert.Equal(t, "Drottninggatan 5", addr.Address1)
	assert.Equal(t, "Lgh 1102", addr.Address2, "an empty value never blanks a field")
	assert.Equal(t, "41103", addr.Zip)
	assert.Equal(t, "Göteborg", addr.City)
	assert.Equal(t, "SE", addr.CountryCode)
	require.Len(t, got.Contact.Emails, 1, "the e-mail is kept")
	found, err := f.a.Lightspeed.CustomersByEmail(ctx, customer.Email)
	require.NoError(t, err)
	assert.Len(t, found, 1, "never duplicated")
}

func TestToLightspeedCheckExistsBatch(t *testing.T) {
	f := newToLSFixture(t, toLSSettings)
	res := f.fetch(FetchInput{Tenant: "default", Since: time.Now().Add(-time.Hour), PageSize: 100})
	require.GreaterOrEqual(t, len(res.Records), 2)
	first, second := res.Records[0].ID, res.Records[1].ID
	d := f.draft(first)
	var up UpsertCustomerResult
	require.NoError(t, f.run(OrdersToLightspeedUpsertCustomer, UpsertCustomerInput{Tenant: "default", Customer: d.Customer, Billing: d.Billing}, &up))
	var cr CommitResult
	require.NoError(t, f.run(OrdersToLightspeedCommit, CommitInput{Tenant: "default", Draft: d, CustomerID: up.CustomerID}, &cr))

	calls := f.lsRequests()
	var page CheckExistsBatchResult
	require.NoError(t, f.run(OrdersToLightspeedCheckExistsBatch, CheckExistsBatchInput{Tenant: "default", Records: []CheckExistsEntry{
		{Reference: first}, {Reference: second}, {Reference: "999999"},
	}}, &page))
	assert.Equal(t, calls+1, f.lsRequests(), "one call for the page")
	assert.Equal(t, map[string]string{first: cr.TargetID}, page.Existing)
	assert.Empty(t, page.Unchecked)
	assert.Equal(t, "check-exists: 1 of 3 Fortnox orders already in Lightspeed (one batched lookup)", page.Summary)

	var out CheckExistsBatchResult
	err := f.run(OrdersToLightspeedCheckExistsBatch, CheckExistsBatchInput{Tenant: "default", Records: []CheckExistsEntry{{Reference: " "}}}, &out)
	assert.True(t, toLSAppError(t, err).NonRetryable())
	err = f.run(OrdersToLightspeedCheckExistsBatch, CheckExistsBatchInput{Tenant: "other", Records: []CheckExistsEntry{{Reference: first}}}, &out)
	assert.True(t, toLSAppError(t, err).NonRetryable())
}

// toLightspeedSteps is both halves of orders-to-lightspeed, as a worker polling both vendor
// queues has them.
type toLightspeedSteps struct {
	*OrdersToLightspeedSource
	*OrdersToLightspeedTarget
}

func (s toLightspeedSteps) register(env interface {
	RegisterActivityWithOptions(any, activity.RegisterOptions)
}) {
	env.RegisterActivityWithOptions(s.OrdersToLightspeedSource, activity.RegisterOptions{Name: OrdersToLightspeedPrefix})
	env.RegisterActivityWithOptions(s.OrdersToLightspeedTarget, activity.RegisterOptions{Name: OrdersToLightspeedPrefix})
}

package lightspeed

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients"
	lssandbox "fortspeed/sandbox/lightspeed"
	"fortspeed/sandbox/testapi"
)

// pagingStore is a sandbox with a frozen clock the test moves, an item in ample stock and a
// client that sells it.
type pagingStore struct {
	*sandbox
	clock  *testapi.Clock
	c      *Client
	token  string
	itemID int64
	remote testapi.Remote
}

func newPagingStore(t *testing.T) *pagingStore {
	clock := testapi.NewClock()
	clock.SetScale(1e-9)
	sb := newSandbox(t, lssandbox.Options{Clock: clock, NoLimits: true}, "empty")
	tok := sb.tokens().AccessToken
	c := sb.client(clients.StaticSource(tok), nil)
	desc, sku := "Paging T-shirt", "PAGE-1"
	item, err := c.CreateItem(context.Background(), ItemInput{Description: &desc, CustomSku: &sku,
		Prices: []ItemPriceInput{{UseTypeID: 1, Amount: decimal.NewFromInt(100)}},
		Stock:  []ItemStockInput{{ShopID: 1, QOH: decimal.NewFromInt(100000)}}})
	require.NoError(t, err)
	return &pagingStore{sandbox: sb, clock: clock, c: c, token: tok, itemID: int64(item.ItemID), remote: testapi.Remote{URL: sb.srv.URL}}
}

// sell creates n completed sales of lines lines each, one second apart on the sandbox clock
// (the first at the clock's current time). It posts to the sandbox directly: the client
// would pace 250 writes under the burst limiter for seconds.
func (p *pagingStore) sell(n, lines int) []Int {
	p.t.Helper()
	var ids []Int
	for range n {
		var ls []string
		for range lines {
			ls = append(ls, fmt.Sprintf(`{"itemID":%d,"unitQuantity":1}`, p.itemID))
		}
		body := fmt.Sprintf(`{"shopID":1,"registerID":1,"employeeID":1,"completed":true,"SaleLines":{"SaleLine":[%s]},
			"SalePayments":{"SalePayment":{"paymentTypeID":1,"amount":%d}}}`, strings.Join(ls, ","), 100*lines)
		var out struct{ Sale Sale }
		p.api(http.MethodPost, "Sale.json", body, &out)
		ids = append(ids, out.Sale.SaleID)
		p.clock.Advance(time.Second)
	}
	return ids
}

// touch changes a completed sale the way a shop owner can, which moves its timeStamp.
func (p *pagingStore) touch(id Int) {
	p.api(http.MethodPut, "Sale/"+itoa(int64(id))+".json", `{"referenceNumber":"changed"}`, nil)
}

// api calls the sandbox's API directly with the store's token.
func (p *pagingStore) api(method, path, body string, out any) {
	p.t.Helper()
	req, err := http.NewRequest(method, p.srv.URL+"/API/V3/Account/316401/"+path, strings.NewReader(body))
	require.NoError(p.t, err)
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(p.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Equal(p.t, http.StatusOK, resp.StatusCode, "%s %s: %s", method, path, b)
	if out != nil {
		require.NoError(p.t, json.Unmarshal(b, out))
	}
}

// listCalls is how many sale listings the sandbox answered since its stats were zeroed.
func (p *pagingStore) listCalls() int64 {
	return p.stats().Requests["GET /API/V3/Account/{acct}/Sale"]
}

// readAll pages from since to the end, calling between after each page.
func (p *pagingStore) readAll(since time.Time, limit int, between func(page int)) (ids []Int, first SalePage) {
	p.t.Helper()
	q := SalesPageQuery{Since: since, Limit: limit}
	for n := 0; ; n++ {
		page, err := p.c.CompletedSalesPage(context.Background(), q)
		require.NoError(p.t, err)
		require.Empty(p.t, page.Undecodable)
		if n == 0 {
			first = page
		}
		for _, s := range page.Sales {
			ids = append(ids, s.SaleID)
			assert.True(p.t, bool(s.Completed))
			require.Len(p.t, s.SaleLines, 1)
			assert.Equal(p.t, "PAGE-1", s.SaleLines[0].Item.CustomSku, "the relations of saleRelations are loaded")
			require.Len(p.t, s.SalePayments, 1)
		}
		if between != nil {
			between(n)
		}
		if page.Next == "" {
			return ids, first
		}
		q = SalesPageQuery{Next: page.Next}
	}
}

func TestSalesPagesReadAWindowOnceWithOneCallAPage(t *testing.T) {
	p := newPagingStore(t)
	p.sell(3, 1) // before the window
	p.clock.Advance(time.Minute)
	since := p.clock.Now() // mid-second: the first sale below is stamped at its floor
	window := p.sell(250, 1)
	p.clock.Advance(time.Minute)
	for limit, calls := range map[int]int64{100: 3, 0: 3, 1000: 3, 50: 5} {
		p.call(http.MethodDelete, "/_sandbox/stats", "", nil)
		ids, first := p.readAll(since, limit, nil)
		assert.Equal(t, window, ids, "limit %d: every sale of the window once, in saleID order", limit)
		assert.Equal(t, calls, p.listCalls(), "limit %d: one listing a page", limit)
		// ListedAt is the sandbox's clock (frozen at the listing), less the margin and the
		// round trip.
		assert.WithinDuration(t, p.clock.Now().Add(-listingMargin), first.ListedAt, 30*time.Second, "limit %d", limit)
		assert.False(t, first.ListedAt.After(p.clock.Now().Add(-listingMargin)), "limit %d", limit)
	}
	t.Logf("250 sales: 3 listings at limit 100 (the old CompletedSalesChangedSince read all 3 pages for every workflow page)")
}

// A sale changed while a run pages keeps its place by id: read on a later page if it is
// ahead, not again if it is behind — and the next run, listing from the first page's
// ListedAt, finds it.
func TestSalesChangedWhilePagingAreNotLost(t *testing.T) {
	p := newPagingStore(t)
	old := p.sell(1, 1)[0]
	p.clock.Advance(time.Minute)
	since := p.clock.Now()
	window := p.sell(250, 1)
	p.clock.Advance(time.Minute)
	var added Int
	ids, first := p.readAll(since, 100, func(page int) {
		if page == 0 {
			p.clock.Advance(time.Second)
			p.touch(window[10])  // already read
			p.touch(window[200]) // not read yet
			p.touch(old)         // enters the window behind the reader
			added = p.sell(1, 1)[0]
		}
	})
	assert.Equal(t, append(window, added), ids, "each sale once in id order; the changed ones keep their places")

	p.clock.Advance(time.Minute)
	next, _ := p.readAll(first.ListedAt, 100, nil)
	assert.ElementsMatch(t, []Int{old, window[10], window[200], added}, next,
		"the next run from ListedAt reads every sale changed during the first, and no other")
}

func TestUndecodableSaleIsNamedAndTheRestOfThePageDecodes(t *testing.T) {
	p := newPagingStore(t)
	since := p.clock.Now()
	ids := p.sell(4, 2)
	lone := p.sell(1, 1)[0]
	require.NoError(t, p.remote.Corrupt("Sale", itoa(int64(ids[1])), "SaleLines.SaleLine.1.unitPrice", "N/A"))
	require.NoError(t, p.remote.Corrupt("Sale", itoa(int64(ids[2])), "saleID", map[string]any{"no": "id"}))
	require.NoError(t, p.remote.Corrupt("Sale", itoa(int64(lone)), "SaleLines.SaleLine.0.calcTotal", true))
	page, err := p.c.CompletedSalesPage(context.Background(), SalesPageQuery{Since: since})
	require.NoError(t, err)
	assert.Equal(t, []clients.Undecodable{
		{ID: itoa(int64(ids[1])), Reason: `SaleLines.SaleLine[1].unitPrice: "N/A" is not a number`},
		{ID: "", Reason: `saleID: an object is not a whole number`},
		{ID: itoa(int64(lone)), Reason: `SaleLines.SaleLine.calcTotal: true is not a number`},
	}, page.Undecodable)
	require.Len(t, page.Sales, 2)
	for i, s := range page.Sales {
		assert.Equal(t, []Int{ids[0], ids[3]}[i], s.SaleID)
		require.Len(t, s.SaleLines, 2)
		assert.Equal(t, "100", s.SaleLines[1].UnitPrice.String())
	}
}

func TestSalesPageRefusesANextLinkToAnotherPlace(t *testing.T) {
	p := newPagingStore(t)
	var counter requestCounter
	c := p.sandbox.client(clients.StaticSource(p.token), counter.hook())
	own := p.srv.URL + "/API/V3/Account/316401/Sale.json?sort=saleID&limit=100&after=WzEwMF0%3D"
	for _, next := range []string{
		"https://api.evil.example/API/V3/Account/316401/Sale.json?sort=saleID&after=WzEwMF0%3D",
		strings.Replace(own, "http://", "https://", 1),
		strings.Replace(own, "127.0.0.1", "localhost", 1),
		strings.Replace(own, "http://", "http://user:pw@", 1),
		strings.Replace(own, "/316401/", "/999/", 1),
		strings.Replace(own, "/Sale.json", "/Item.json", 1),
		"http://[::1",
	} {
		_, err := c.CompletedSalesPage(context.Background(), SalesPageQuery{Next: next})
		assert.Equal(t, clients.Validation, kindOf(t, err).Kind, next)
	}
	assert.Zero(t, counter.count("GET Sale"), "nothing is sent to a refused link")
	_, err := c.CompletedSalesPage(context.Background(), SalesPageQuery{Next: strings.TrimSuffix(own, ".json")})
	require.NoError(t, err, "the link's own form is followed")
	_, err = c.CompletedSalesPage(context.Background(), SalesPageQuery{Next: own})
	require.NoError(t, err)
}

func TestSalesPageRequestShapeAndListingTime(t *testing.T) {
	var srvURL string
	vendorNow := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC) // our clock is elsewhere
	c, f, srv := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 1:
			w.Header().Set("Date", vendorNow.Format(http.TimeFormat))
			jsonAnswer(w, 200, `{"@attributes":{"next":"`+srvURL+`/API/V3/Account/1/Sale.json?sort=saleID&limit=100&after=WzFd","previous":""},"Sale":{"saleID":"1"}}`)
		case 2:
			w.Header()["Date"] = nil // no Date: the local clock stands in
			jsonAnswer(w, 200, `{"@attributes":{"next":"","previous":"x"}}`)
		default:
			jsonAnswer(w, 200, `{"@attributes":{"next":"`+srvURL+`/API/V3/Account/1/Sale.json?after=same"},"Sale":{"saleID":"2"}}`)
		}
	})
	srvURL = srv.URL
	ctx := context.Background()
	page, err := c.CompletedSalesPage(ctx, SalesPageQuery{Since: time.Date(2025, 12, 31, 23, 59, 59, 900e6, time.UTC), Limit: 500})
	require.NoError(t, err)
	require.Len(t, page.Sales, 1, "one sale arrives as an object")
	assert.WithinDuration(t, vendorNow.Add(-listingMargin), page.ListedAt, 10*time.Second)
	assert.False(t, page.ListedAt.After(vendorNow.Add(-listingMargin)))
	q, err := url.ParseQuery(f.requests()[0].RawQuery)
	require.NoError(t, err)
	assert.Equal(t, url.Values{"completed": {"true"}, "timeStamp": {">=,2025-12-31T23:59:59Z"}, "sort": {"saleID"},
		"limit": {"100"}, "load_relations": {saleRelations()}}, q, "at or after the floored second, by id, at most 100")

	before := time.Now()
	last, err := c.CompletedSalesPage(ctx, SalesPageQuery{Next: page.Next})
	require.NoError(t, err)
	assert.Equal(t, "sort=saleID&limit=100&after=WzFd", f.requests()[1].RawQuery, "next is followed verbatim")
	assert.Empty(t, last.Sales)
	assert.Empty(t, last.Next)
	assert.WithinDuration(t, before.Add(-listingMargin), last.ListedAt, 10*time.Second)

	_, err = c.CompletedSalesPage(ctx, SalesPageQuery{Next: srvURL + "/API/V3/Account/1/Sale.json?after=same"})
	assert.Equal(t, clients.Transient, kindOf(t, err).Kind, "a next link that leads to itself")
	assert.Len(t, f.requests(), 3, "one request a page")
}

// An Until bounds the listing above: a sale stamped after it is not listed, on the first
// page or behind a next link, and one changed after it leaves the window.
func TestSalesPagesStopAtUntil(t *testing.T) {
	p := newPagingStore(t)
	since := p.clock.Now().Truncate(time.Second)
	inside := p.sell(3, 1)
	until := p.clock.Now().Add(-time.Second) // the last sale's second
	p.clock.Advance(time.Minute)
	p.sell(2, 1) // after the window
	p.touch(inside[0])

	var ids []Int
	q := SalesPageQuery{Since: since, Until: until, Limit: 1}
	for {
		page, err := p.c.CompletedSalesPage(context.Background(), q)
		require.NoError(t, err)
		for _, s := range page.Sales {
			ids = append(ids, s.SaleID)
			assert.False(t, s.TimeStamp.Time.After(until), "sale %d stamped %s, after %s", s.SaleID, s.TimeStamp.Time, until)
		}
		if page.Next == "" {
			break
		}
		q = SalesPageQuery{Next: page.Next}
	}
	assert.Equal(t, inside[1:], ids, "the sales of the window, without the one changed after it")
}

func TestTimeStampWindow(t *testing.T) {
	since := time.Date(2026, 11, 1, 8, 0, 0, 500, time.UTC)
	until := time.Date(2026, 11, 16, 9, 30, 15, 900_000_000, time.FixedZone("CET", 3600))
	assert.Equal(t, ">=,2026-11-01T08:00:00Z", timeStampWindow(since, time.Time{}), "no Until: unbounded, as before")
	assert.Equal(t, "><,2026-11-01T08:00:00Z,2026-11-16T08:30:15Z", timeStampWindow(since, until), "inclusive, to the second, in UTC")
}

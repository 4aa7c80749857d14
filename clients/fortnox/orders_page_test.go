package fortnox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients"
	fxsandbox "fortspeed/sandbox/fortnox"
	"fortspeed/sandbox/testapi"
)

// orderBook is a sandbox with a frozen clock the test moves, one customer and one article,
// and a client.
type orderBook struct {
	*sandbox
	clock  *testapi.Clock
	token  string
	cl     *Client
	remote testapi.Remote
}

func newOrderBook(t *testing.T) *orderBook {
	clock := testapi.NewClock()
	clock.SetScale(1e-9)
	sb := newSandbox(t, fxsandbox.Options{Clock: clock, NoLimits: true}, "empty")
	tok := sb.mint().AccessToken
	b := &orderBook{sandbox: sb, clock: clock, token: tok, cl: sb.client(clients.StaticSource(tok)),
		remote: testapi.Remote{URL: sb.srv.URL}}
	b.api(http.MethodPost, "/3/customers", `{"Customer":{"Name":"Kund AB","CountryCode":"SE"}}`, http.StatusCreated, nil)
	b.api(http.MethodPost, "/3/articles", `{"Article":{"ArticleNumber":"TS-1","Description":"T-shirt","QuantityInStock":100000}}`, http.StatusCreated, nil)
	return b
}

// api calls the sandbox's API directly: the client would pace 1,200 writes at 24 per 5 s.
func (b *orderBook) api(method, path, body string, want int, out any) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.srv.URL+path, strings.NewReader(body))
	require.NoError(b.t, err)
	req.Header.Set("Authorization", "Bearer "+b.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	require.Equal(b.t, want, resp.StatusCode, "%s %s: %s", method, path, raw)
	if out != nil {
		require.NoError(b.t, json.Unmarshal(raw, out))
	}
}

// order creates n orders, a second apart on the sandbox clock, and returns their numbers.
func (b *orderBook) order(n int) []string {
	b.t.Helper()
	var nums []string
	for range n {
		var out struct{ Order Order }
		b.api(http.MethodPost, "/3/orders", `{"Order":{"CustomerNumber":"1","OrderRows":[{"ArticleNumber":"TS-1","OrderedQuantity":1}]}}`,
			http.StatusCreated, &out)
		nums = append(nums, string(out.Order.DocumentNumber))
		b.clock.Advance(time.Second)
	}
	return nums
}

// change edits an order, which moves its last-modified time.
func (b *orderBook) change(number string) {
	b.api(http.MethodPut, "/3/orders/"+number, `{"Order":{"Remarks":"ändrad"}}`, http.StatusOK, nil)
}

func (b *orderBook) listCalls() int64 { return b.stats().Requests["GET /3/orders"] }

// readAll pages the window from since to its last page, calling between after each page;
// it returns the document numbers in the order read and the first page.
func (b *orderBook) readAll(since time.Time, limit int, between func(page int)) (nums []string, first OrderPage) {
	b.t.Helper()
	for page := 1; ; page++ {
		p, err := b.cl.OrdersPage(context.Background(), OrdersPageQuery{Since: since, Page: page, Limit: limit})
		require.NoError(b.t, err)
		require.Empty(b.t, p.Undecodable)
		require.Equal(b.t, page, p.Page)
		if page == 1 {
			first = p
		}
		for _, o := range p.Orders {
			nums = append(nums, string(o.DocumentNumber))
		}
		if between != nil {
			between(page)
		}
		if p.Page >= p.TotalPages {
			return nums, first
		}
	}
}

func TestOrderPagesReadAWindowOnceWithOneCallAPage(t *testing.T) {
	b := newOrderBook(t)
	b.order(5) // before the window
	b.clock.Advance(2 * time.Minute)
	since := b.clock.Now()
	window := b.order(1200)
	b.clock.Advance(2 * time.Minute)
	for limit, calls := range map[int]int64{500: 3, 0: 3, 5000: 3, 100: 12} {
		b.call(http.MethodDelete, "/_sandbox/stats", nil, nil)
		nums, first := b.readAll(since, limit, nil)
		assert.Equal(t, window, nums, "limit %d: every order of the window once, by document number", limit)
		assert.Equal(t, calls, b.listCalls(), "limit %d: one listing a page", limit)
		assert.Equal(t, int(calls), first.TotalPages, "limit %d", limit)
		// Less the round trip, which a loaded machine stretches: the clock is minutes from local time.
		assert.WithinDuration(t, b.clock.Now().Add(-listingMargin), first.ListedAt, 30*time.Second, "limit %d", limit)
		assert.False(t, first.ListedAt.After(b.clock.Now().Add(-listingMargin)), "limit %d", limit)
	}
	t.Logf("1,200 orders: 3 listings at limit 500 (the old OrdersChangedSince read all 3 pages for every workflow page)")

	empty, err := b.cl.OrdersPage(context.Background(), OrdersPageQuery{Since: b.clock.Now().Add(time.Hour)})
	require.NoError(t, err)
	assert.Equal(t, OrderPage{Page: 1, TotalPages: 0, ListedAt: empty.ListedAt}, empty, "an empty window has @TotalPages 0")
}

// Orders only enter the window and keep their place by number: one changed while the run
// pages is read (once, or twice when an entering order pushes it onto the next page), none
// is skipped, and the next run from the first page's ListedAt reads every change.
func TestOrdersChangedWhilePagingAreNotLost(t *testing.T) {
	b := newOrderBook(t)
	old := b.order(1)[0]
	b.clock.Advance(2 * time.Minute)
	since := b.clock.Now()
	window := b.order(1200)
	b.clock.Advance(2 * time.Minute)
	var added string
	nums, first := b.readAll(since, 500, func(page int) {
		if page == 1 {
			b.clock.Advance(time.Second)
			b.change(window[10])   // already read
			b.change(window[1100]) // not read yet
			b.change(old)          // enters the window ahead of every order: the rest move on by one
			added = b.order(1)[0]
		}
	})
	seen := map[string]int{}
	for _, n := range nums {
		seen[n]++
	}
	for _, n := range append(window, added) {
		assert.Positive(t, seen[n], "order %s skipped", n)
	}
	assert.Equal(t, 2, seen[window[499]], "the last order of page 1 is pushed onto page 2 and read again")
	assert.Len(t, nums, len(window)+2, "that one repeat and the new order, nothing else")

	b.clock.Advance(2 * time.Minute)
	next, _ := b.readAll(first.ListedAt, 500, nil)
	assert.ElementsMatch(t, []string{old, window[10], window[1100], added}, next,
		"the next run from ListedAt reads every order changed during the first, and no other")
}

func TestUndecodableOrderIsNamedAndTheRestOfThePageDecodes(t *testing.T) {
	b := newOrderBook(t)
	since := b.clock.Now()
	nums := b.order(4)
	require.NoError(t, b.remote.Corrupt("Order", nums[1], "Total", "12 kr"))
	require.NoError(t, b.remote.Corrupt("Order", nums[2], "DocumentNumber", map[string]any{"no": "number"}))
	require.NoError(t, b.remote.Corrupt("Order", nums[3], "DocumentNumber", 4))
	p, err := b.cl.OrdersPage(context.Background(), OrdersPageQuery{Since: since})
	require.NoError(t, err)
	assert.Equal(t, []clients.Undecodable{
		{ID: nums[1], Reason: `Total: "12 kr" is not a number`},
		{ID: "", Reason: `DocumentNumber: an object is not text`},
	}, p.Undecodable)
	require.Len(t, p.Orders, 2)
	assert.Equal(t, Text(nums[0]), p.Orders[0].DocumentNumber)
	assert.Equal(t, Text("4"), p.Orders[1].DocumentNumber, "a number where text belongs decodes")
	assert.True(t, p.Orders[0].Total.Valid)
}

func TestOrdersPageRequestShape(t *testing.T) {
	var seen []url.Values
	vendorNow := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC) // our clock is elsewhere
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.Query())
		w.Header().Set("Content-Type", "application/json")
		switch len(seen) {
		case 1:
			w.Header().Set("Date", vendorNow.Format(http.TimeFormat))
			fmt.Fprint(w, `{"MetaInformation":{"@TotalResources":"3","@TotalPages":"2","@CurrentPage":"2"},"Orders":[{"DocumentNumber":7,"Total":"10"}]}`)
		case 2:
			w.Header()["Date"] = nil // no Date: the local clock stands in
			fmt.Fprint(w, `{"Orders":[]}`)
		default:
			fmt.Fprint(w, `{"Orders":[{"DocumentNumber":"8"}]}`)
		}
	}))
	t.Cleanup(srv.Close)
	cl, err := New(Config{BaseURL: srv.URL, Tokens: clients.StaticSource("tok")})
	require.NoError(t, err)
	since := time.Date(2026, 6, 1, 9, 59, 59, 0, time.UTC) // 11:59 in Stockholm (summer time)
	p, err := cl.OrdersPage(context.Background(), OrdersPageQuery{Since: since, Page: 2, Limit: 9999})
	require.NoError(t, err)
	assert.Equal(t, url.Values{"lastmodified": {"2026-06-01 11:59"}, "sortby": {"documentnumber"}, "sortorder": {"ascending"},
		"page": {"2"}, "limit": {"500"}}, seen[0])
	assert.Equal(t, 2, p.Page)
	assert.Equal(t, 2, p.TotalPages)
	assert.Equal(t, Text("7"), p.Orders[0].DocumentNumber)
	assert.WithinDuration(t, vendorNow.Add(-listingMargin), p.ListedAt, 10*time.Second)
	assert.False(t, p.ListedAt.After(vendorNow.Add(-listingMargin)))

	before := time.Now()
	p, err = cl.OrdersPage(context.Background(), OrdersPageQuery{Since: since})
	require.NoError(t, err)
	assert.Equal(t, "1", seen[1].Get("page"))
	assert.Equal(t, OrderPage{Page: 1, ListedAt: p.ListedAt}, p, "no MetaInformation and no orders: nothing to read")
	assert.WithinDuration(t, before.Add(-listingMargin), p.ListedAt, 10*time.Second)

	_, err = cl.OrdersPage(context.Background(), OrdersPageQuery{Since: since})
	requireKind(t, err, clients.Transient)
}

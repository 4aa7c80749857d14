package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"fortspeed/clients"
	"fortspeed/clients/fortnox"
	"fortspeed/mapping"
	fxsandbox "fortspeed/sandbox/fortnox"
	"fortspeed/sandbox/testapi"
)

func TestWithoutDropsNamedItemsInOrder(t *testing.T) {
	id := func(s string) string { return s }
	kept, dropped := without([]string{"1", "2", "3", "2"}, id, map[string]bool{"2": true, "9": true})
	assert.Equal(t, []string{"1", "3"}, kept)
	assert.Equal(t, 2, dropped)
	kept, dropped = without([]string{"1"}, id, nil)
	assert.Equal(t, []string{"1"}, kept, "no bound keeps everything")
	assert.Zero(t, dropped)
}

func TestChangedAtOrAfterWithoutUntilCallsNothing(t *testing.T) {
	called := false
	set, err := changedAtOrAfter(context.Background(), time.Time{}, func(context.Context, time.Time) ([]string, error) {
		called = true
		return nil, nil
	})
	require.NoError(t, err)
	assert.Nil(t, set)
	assert.False(t, called, "an unbounded fetch costs no listing")
}

// Every Fortnox fetch with an Until leaves out what changed after it: an order cancelled
// and a variant edited three minutes later are not on the pages of orders-to-lightspeed,
// products (nor is the rest of its family, one record) or stock, nor among stock's changed
// orders; without the Until they are.
func TestFortnoxFetchesStopAtUntil(t *testing.T) {
	srv := httptest.NewServer(fxsandbox.New(fxsandbox.Options{NoLimits: true}))
	t.Cleanup(srv.Close)
	remote := testapi.Remote{URL: srv.URL}
	require.NoError(t, remote.Call(http.MethodPost, "/_sandbox/reset", map[string]any{"seed": "demo"}, nil))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, remote.Call(http.MethodPost, "/_sandbox/tokens", map[string]any{}, &tok))
	fx, err := fortnox.New(fortnox.Config{BaseURL: srv.URL, Tokens: clients.StaticSource(tok.AccessToken), RateLimit: 1000, RateWindow: time.Second})
	require.NoError(t, err)
	settings, err := mapping.Parse("settings.yaml", nil)
	require.NoError(t, err)
	mapper, err := mapping.NewMapper(settings)
	require.NoError(t, err)
	stock, err := NewStockSource("default", fx, settings)
	require.NoError(t, err)
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(NewOrdersToLightspeedSource("default", fx, mapper), activity.RegisterOptions{Name: OrdersToLightspeedPrefix})
	env.RegisterActivityWithOptions(NewProductsSource("default", fx, mapper), activity.RegisterOptions{Name: ProductsPrefix})
	env.RegisterActivityWithOptions(stock, activity.RegisterOptions{Name: StockPrefix})

	ctx := context.Background()
	articles, err := fx.ArticlesChangedSince(ctx, time.Unix(0, 0))
	require.NoError(t, err)
	require.NotEmpty(t, articles)
	// A variant: its family is one products record, left out whole.
	sku, family := "", ""
	for _, art := range articles {
		if n := string(art.ArticleNumber); mapper.RecordKey(n) != n {
			sku, family = n, mapper.RecordKey(n)
			break
		}
	}
	require.NotEmpty(t, sku, "the demo data has variant families")
	// The demo data was written now; the bound is a minute on (Fortnox keeps changes by the
	// minute), and the two changes come three minutes on.
	since, until := time.Now().Add(-time.Hour), time.Now().Add(time.Minute)
	require.NoError(t, remote.Call(http.MethodPut, "/_sandbox/clock", map[string]any{"advance_seconds": 180}, nil))
	call := func(method, path string, body any) {
		var rd io.Reader
		if body != nil {
			b, err := json.Marshal(body)
			require.NoError(t, err)
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequest(method, srv.URL+path, rd)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		require.Less(t, resp.StatusCode, 300, "%s %s: %s", method, path, answer)
	}
	call(http.MethodPut, "/3/orders/3/cancel", nil)
	call(http.MethodPut, "/3/articles/"+sku, map[string]any{"Article": map[string]any{"Description": "changed after the end of the backfill"}})

	run := func(name string, in, out any) {
		t.Helper()
		val, err := env.ExecuteActivity(name, in)
		require.NoError(t, err, name)
		require.NoError(t, val.Get(out))
	}
	ids := func(name string, in func(token string) any) []string {
		var out []string
		for token, n := "", 0; ; n++ {
			require.Less(t, n, 50, "paging must end")
			var page FetchResult
			run(name, in(token), &page)
			for _, r := range page.Records {
				out = append(out, r.ID)
				if name == ProductsPrefix+MethodFetch {
					var data ProductRecordData
					require.NoError(t, r.Decode(&data))
					out = append(out, data.SKUs...)
				}
			}
			if token = page.NextPageToken; token == "" {
				return out
			}
		}
	}
	plan := mapping.StockPlan{Calculation: mapping.StockAvailable, Shops: []mapping.StockShop{{ShopID: 1}}}
	changedOrders := map[bool]int{}
	for _, bound := range []time.Time{{}, until} {
		orders := ids(OrdersToLightspeedPrefix+MethodFetch, func(token string) any {
			return FetchInput{Tenant: "default", Since: since, Until: bound, PageToken: token, PageSize: 10}
		})
		products := ids(ProductsPrefix+MethodFetch, func(token string) any {
			return FetchInput{Tenant: "default", Since: since, Until: bound, PageToken: token, PageSize: 100}
		})
		stocked := ids(StockPrefix+MethodFetch, func(token string) any {
			return StockFetchInput{Tenant: "default", Since: since, Until: bound, PageToken: token, PageSize: 100, Plan: plan}
		})
		var ordered StockOrderedResult
		run(StockPrefix+MethodStockOrdered, StockOrderedInput{Tenant: "default", Since: since, Until: bound, Max: 1000}, &ordered)

		bounded := !bound.IsZero()
		assert.NotEmpty(t, orders)
		assert.Equal(t, !bounded, slices.Contains(orders, "3"), "until %s: the order cancelled after it", bound)
		assert.Equal(t, !bounded, slices.Contains(products, family), "until %s: the family of the article edited after it (products)", bound)
		assert.Equal(t, !bounded, slices.Contains(products, sku), "until %s: the article edited after it (products)", bound)
		assert.Equal(t, !bounded, slices.Contains(stocked, sku), "until %s: the article edited after it (stock)", bound)
		assert.Greater(t, len(stocked), 1, "the articles of the window stay")
		changedOrders[bounded] = ordered.Orders
	}
	assert.Positive(t, changedOrders[true])
	assert.Equal(t, changedOrders[false]-1, changedOrders[true], "stock's changed orders leave out the one cancelled after the bound")
}

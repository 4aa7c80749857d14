package activities

import (
	"net/http"
	"net/http/httptest"
	"sort"
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

// TestStockFetchReadsThePageBeforeAgainAfterADeletion pages 7 articles 3 at a time and
// deletes one of the first page's articles before the second page is read: the articles
// moved back onto the first page are read all the same.
func TestStockFetchReadsThePageBeforeAgainAfterADeletion(t *testing.T) {
	srv := httptest.NewServer(fxsandbox.New(fxsandbox.Options{NoLimits: true}))
	t.Cleanup(srv.Close)
	remote := testapi.Remote{URL: srv.URL}
	require.NoError(t, remote.Call(http.MethodPost, "/_sandbox/reset", map[string]any{"seed": "catalogue", "articles": 7, "random_seed": 4}, nil))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, remote.Call(http.MethodPost, "/_sandbox/tokens", map[string]any{}, &tok))
	fx, err := fortnox.New(fortnox.Config{BaseURL: srv.URL, Tokens: clients.StaticSource(tok.AccessToken), RateLimit: 1000, RateWindow: time.Second})
	require.NoError(t, err)
	settings, err := mapping.Parse("settings.yaml", nil)
	require.NoError(t, err)
	src, err := NewStockSource("default", fx, settings)
	require.NoError(t, err)
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(src, activity.RegisterOptions{Name: StockPrefix})
	fetch := func(token string) FetchResult {
		val, err := env.ExecuteActivity(StockPrefix+MethodFetch, StockFetchInput{Tenant: "default", PageToken: token, PageSize: 3,
			Plan: mapping.StockPlan{Calculation: mapping.StockAvailable, Shops: []mapping.StockShop{{ShopID: 1}}}})
		require.NoError(t, err)
		var res FetchResult
		require.NoError(t, val.Get(&res))
		return res
	}
	first := fetch("")
	require.Len(t, first.Records, 3)
	require.NotEmpty(t, first.NextPageToken)
	del, err := http.NewRequest(http.MethodDelete, srv.URL+"/3/articles/"+first.Records[0].ID, nil)
	require.NoError(t, err)
	del.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(del)
	require.NoError(t, err)
	resp.Body.Close()
	require.Less(t, resp.StatusCode, 300)

	seen := map[string]bool{}
	for _, r := range first.Records {
		seen[r.ID] = true
	}
	for token := first.NextPageToken; token != ""; {
		page := fetch(token)
		for _, r := range page.Records {
			seen[r.ID] = true
		}
		token = page.NextPageToken
	}
	var all []string
	for id := range seen {
		all = append(all, id)
	}
	sort.Strings(all)
	assert.Len(t, all, 7, "every article was read, the deleted one on the first page: %v", all)
}

// TestStockPlanWithoutTheWarehouseModule: a company whose warehouse API refuses the call
// (403, as one without the licence may answer) has its stock on the articles.
func TestStockPlanWithoutTheWarehouseModule(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"error":"forbidden","id":"x","message":"no licence"}`))
	}))
	t.Cleanup(srv.Close)
	fx, err := fortnox.New(fortnox.Config{BaseURL: srv.URL, Tokens: clients.StaticSource("t"), RateLimit: 1000, RateWindow: time.Second})
	require.NoError(t, err)
	settings, err := mapping.Parse("settings.yaml", []byte("stock: {shop_id: \"2\", stock_points: {BUTIK: \"1\"}}"))
	require.NoError(t, err)
	src, err := NewStockSource("default", fx, settings)
	require.NoError(t, err)
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(src, activity.RegisterOptions{Name: StockPrefix})
	val, err := env.ExecuteActivity(StockPrefix+MethodStockPlan, StockPlanInput{Tenant: "default"})
	require.NoError(t, err)
	var res StockPlanResult
	require.NoError(t, val.Get(&res))
	assert.False(t, res.Plan.Warehouse)
	assert.Equal(t, []mapping.StockShop{{ShopID: 2}}, res.Plan.Shops, "shop_id gets the article quantity")
	assert.Contains(t, res.Summary, "stock.stock_points apply only with the warehouse module")
	assert.Equal(t, time.Hour, res.Reconcile)
	assert.Equal(t, 2*time.Hour, res.PendingWindow)
}

// TestStockPlanWithTheWarehouseModule maps stock points as Fortnox spells them, and names a
// mapped stock point Fortnox does not have.
func TestStockPlanWithTheWarehouseModule(t *testing.T) {
	srv := httptest.NewServer(fxsandbox.New(fxsandbox.Options{NoLimits: true, Warehouse: true}))
	t.Cleanup(srv.Close)
	remote := testapi.Remote{URL: srv.URL}
	require.NoError(t, remote.Call(http.MethodPost, "/_sandbox/reset", map[string]any{"seed": "empty"}, nil))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, remote.Call(http.MethodPost, "/_sandbox/tokens", map[string]any{}, &tok))
	fx, err := fortnox.New(fortnox.Config{BaseURL: srv.URL, Tokens: clients.StaticSource(tok.AccessToken), RateLimit: 1000, RateWindow: time.Second})
	require.NoError(t, err)
	settings, err := mapping.Parse("settings.yaml", []byte(`stock: {stock_points: {butik: "1", LAGER: "2", NORR: "2", SODER: "3"}}`))
	require.NoError(t, err)
	src, err := NewStockSource("default", fx, settings)
	require.NoError(t, err)
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(src, activity.RegisterOptions{Name: StockPrefix})
	val, err := env.ExecuteActivity(StockPrefix+MethodStockPlan, StockPlanInput{Tenant: "default"})
	require.NoError(t, err)
	var res StockPlanResult
	require.NoError(t, val.Get(&res))
	assert.True(t, res.Plan.Warehouse)
	assert.Equal(t, []mapping.StockShop{{ShopID: 1, Points: []string{"BUTIK"}}, {ShopID: 2, Points: []string{"LAGER"}}}, res.Plan.Shops)
	assert.Equal(t, []string{
		"stock.stock_points.NORR: Fortnox has no stock point NORR; Lightspeed shop 2 gets no stock from it",
		"stock.stock_points.SODER: Fortnox has no stock point SODER; Lightspeed shop 3 gets no stock from it",
	}, res.Problems)
}

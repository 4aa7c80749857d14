package activities

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"fortspeed/clients"
	"fortspeed/clients/fortnox"
	"fortspeed/clients/lightspeed"
	"fortspeed/mapping"
	"fortspeed/sandbox/demo"
	fxsandbox "fortspeed/sandbox/fortnox"
	"fortspeed/sandbox/testapi"
)

func TestReadAgainRetriesOnlyWhatARetryFixes(t *testing.T) {
	ctx := context.Background()
	calls := 0
	v, err := readAgain(ctx, func() (int, error) {
		calls++
		if calls < 3 {
			return 0, &clients.Error{Kind: clients.Transient, Message: "502"}
		}
		return 7, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 7, v)
	assert.Equal(t, 3, calls, "two 5xx, then the answer")

	calls = 0
	_, err = readAgain(ctx, func() (int, error) {
		calls++
		return 0, &clients.Error{Kind: clients.Validation, Message: "bad"}
	})
	assert.Equal(t, clients.Validation, clients.KindOf(err))
	assert.Equal(t, 1, calls, "a refusal is not read again")

	calls = 0
	_, err = readAgain(ctx, func() (int, error) {
		calls++
		return 0, &clients.Error{Kind: clients.Transient}
	})
	assert.Equal(t, clients.Transient, clients.KindOf(err))
	assert.Equal(t, 3, calls, "the last error goes to Temporal's retries")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	start := time.Now()
	_, err = readAgain(cancelled, func() (int, error) { return 0, &clients.Error{Kind: clients.RateLimited, RetryAfter: time.Hour} })
	assert.Error(t, err)
	assert.Less(t, time.Since(start), time.Minute, "a cancelled activity does not wait")
}

func TestAttributeProblemNamesTheSlot(t *testing.T) {
	size := lightspeed.ItemAttributeSet{Name: "Size", AttributeName2: "Size"}
	ok := mapping.ItemDraft{SKU: "TS-M", Attributes: [3]string{"", "M", ""}}
	assert.Empty(t, attributeProblem(ok, size))
	bad := mapping.ItemDraft{SKU: "TS-RED-M", Attributes: [3]string{"Röd", "M", ""}}
	assert.Equal(t, `article TS-RED-M: attribute1 "Röd" cannot go in attribute set "Size", which has no attribute 1 (products.attributes)`,
		attributeProblem(bad, size))
}

func TestArticlePageToken(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 5, time.UTC)
	tok := articlePageToken{page: 3, listedAt: at, total: 1200}
	got, err := parseArticlePageToken(tok.String())
	require.NoError(t, err)
	assert.Equal(t, 3, got.page)
	assert.True(t, got.listedAt.Equal(at))
	assert.Equal(t, 1200, got.total)
	first, err := parseArticlePageToken("")
	require.NoError(t, err)
	assert.Equal(t, 1, first.page)
	for _, bad := range []string{"3", "x@2026-12-01T10:00:00Z@1", "0@2026-12-01T10:00:00Z@1", "2@yesterday@1", "2@2026-12-01T10:00:00Z@-1"} {
		_, err := parseArticlePageToken(bad)
		assert.Error(t, err, bad)
	}
}

// productsFetchEnv is the Fortnox steps of the products flow against a sandbox seeded with a
// generated catalogue.
func productsFetchEnv(t *testing.T, articles, families int) (*tfSandbox, string, *testsuite.TestActivityEnvironment) {
	t.Helper()
	srv := httptest.NewServer(fxsandbox.New(fxsandbox.Options{NoLimits: true}))
	t.Cleanup(srv.Close)
	sb := &tfSandbox{t: t, srv: srv}
	sb.call(http.MethodPost, "/_sandbox/reset", testapi.ResetRequest{Seed: "catalogue", Articles: articles, Families: families, RandomSeed: 1}, nil)
	token := sb.token()
	fx, err := fortnox.New(fortnox.Config{BaseURL: srv.URL, Tokens: clients.StaticSource(token), RateLimit: 10_000, Timeout: 10 * time.Second})
	require.NoError(t, err)
	s, err := mapping.Load("")
	require.NoError(t, err)
	m, err := mapping.NewMapper(s)
	require.NoError(t, err)
	src := NewProductsSource("default", fx, m)
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(src, activity.RegisterOptions{Name: ProductsPrefix})
	return sb, token, env
}

func TestProductsFetchGroupsFamiliesAndStepsBackAfterADeletion(t *testing.T) {
	sb, token, env := productsFetchEnv(t, 60, 5)
	fetch := func(token string) FetchResult {
		t.Helper()
		val, err := env.ExecuteActivity(ProductsPrefix+MethodFetch, FetchInput{Tenant: "default", PageToken: token, PageSize: 20})
		require.NoError(t, err)
		var res FetchResult
		require.NoError(t, val.Get(&res))
		return res
	}
	skus := map[string]bool{}
	record := func(res FetchResult) {
		for _, rec := range res.Records {
			var data ProductRecordData
			require.NoError(t, json.Unmarshal(rec.Data, &data))
			for _, sku := range data.SKUs {
				skus[sku] = true
			}
			_, family := mapping.FamilyOfKey(rec.ID)
			assert.Equal(t, !strings.HasPrefix(rec.ID, "ART-"), family, "%s: families are TS*, HD*…, single articles ART-1001…", rec.ID)
			assert.False(t, data.ListedAt.IsZero(), "the run's first listing time rides along for the prices")
		}
	}
	first := fetch("")
	record(first)
	require.NotEmpty(t, first.NextPageToken)
	// An article of the first page is deleted before the second page is read: the articles
	// after it move one place back, and the fetch reads the first page again.
	var gone string
	for _, rec := range first.Records {
		var data ProductRecordData
		require.NoError(t, json.Unmarshal(rec.Data, &data))
		if _, family := mapping.FamilyOfKey(rec.ID); !family {
			gone = data.SKUs[0]
		}
	}
	if gone == "" {
		var data ProductRecordData
		require.NoError(t, json.Unmarshal(first.Records[0].Data, &data))
		gone = data.SKUs[0]
	}
	req, err := http.NewRequest(http.MethodDelete, sb.srv.URL+"/3/articles/"+gone, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Less(t, resp.StatusCode, 300, "delete %s", gone)
	next := first.NextPageToken
	pages := 1
	for next != "" && pages < 10 {
		res := fetch(next)
		record(res)
		next = res.NextPageToken
		pages++
	}
	for _, a := range demo.Generate(60, 5, 50, 1).Articles {
		assert.True(t, skus[a.Number], "article %s was listed", a.Number)
	}
	assert.Equal(t, 5, pages, "pages 1, 2, then 1 and 2 again after page 2 showed the deletion, then 3")
}

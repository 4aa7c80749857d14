package lightspeed

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeadersOnEveryResponse(t *testing.T) {
	e := newEnv(t, "demo", nil)
	resp, _ := e.call(http.MethodGet, acct+"Item/1.json", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "1/90", resp.Header.Get("X-LS-API-Bucket-Level"))
	assert.Equal(t, "1", resp.Header.Get("X-LS-API-Drip-Rate"))
	assert.Equal(t, "1/20", resp.Header.Get("X-LS-API-Burst-Level"))
	assert.Equal(t, "1", resp.Header.Get("X-LS-API-Request-Cost"))
	assert.Equal(t, "316401", resp.Header.Get("X-LS-Acct-Id"))
	assert.Equal(t, "fortspeed-demo", resp.Header.Get("X-LS-OAuth-Client-Id"))

	// Errors are charged and carry the headers too.
	resp, _ = e.call(http.MethodGet, acct+"Item/999999.json", nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, "2/90", resp.Header.Get("X-LS-API-Bucket-Level"))

	// Half a second of drip at 1/s.
	e.advance(1500 * time.Millisecond)
	resp, _ = e.call(http.MethodGet, acct+"Item/1.json", nil)
	assert.Equal(t, "1.5/90", resp.Header.Get("X-LS-API-Bucket-Level"))
}

func TestRegistersScaleBucketAndDrip(t *testing.T) {
	e := newEnv(t, "empty", func(o *Options) { o.Registers = 3 })
	resp, _ := e.call(http.MethodGet, acct+"Shop.json", nil)
	assert.Equal(t, "1/110", resp.Header.Get("X-LS-API-Bucket-Level"))
	assert.Equal(t, "2", resp.Header.Get("X-LS-API-Drip-Rate"))
	e2 := newEnv(t, "empty", func(o *Options) { o.Registers = 2 })
	resp, _ = e2.call(http.MethodGet, acct+"Shop.json", nil)
	assert.Equal(t, "1.5", resp.Header.Get("X-LS-API-Drip-Rate"))
	assert.Equal(t, "1/100", resp.Header.Get("X-LS-API-Bucket-Level"))
}

func cost(t *testing.T, e *env, method, path string, body any) string {
	t.Helper()
	e.advance(time.Hour) // empty bucket, new burst window
	resp, out := e.call(method, path, body)
	require.Less(t, resp.StatusCode, 300, "%s %s: %v", method, path, out)
	return resp.Header.Get("X-LS-API-Request-Cost")
}

func TestRequestCosts(t *testing.T) {
	e := newEnv(t, "demo", func(o *Options) { o.TokenTTL = 1000 * time.Hour })
	line := map[string]any{"itemID": 1, "unitQuantity": 1}
	assert.Equal(t, "1", cost(t, e, http.MethodGet, acct+"Item.json", nil))
	assert.Equal(t, "1", cost(t, e, http.MethodPut, acct+"Item/1.json", map[string]any{"customSku": "X-1"}))
	assert.Equal(t, "1.5", cost(t, e, http.MethodPut, acct+"Item/1.json", map[string]any{"ItemShops": map[string]any{"ItemShop": map[string]any{"shopID": 1, "qoh": 5}}}))
	assert.Equal(t, "10", cost(t, e, http.MethodPost, acct+"Category.json", map[string]any{"name": "Ny"}))
	assert.Equal(t, "3", cost(t, e, http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "SaleLines": map[string]any{"SaleLine": []any{line, line}}}))
	item := e.ok(http.MethodGet, acct+"Item/1.json", nil)["Item"].(map[string]any)
	price := inner(item["Prices"], "ItemPrice")[0]["amount"]
	assert.Equal(t, "6", cost(t, e, http.MethodPost, acct+"Sale.json", map[string]any{"shopID": 1, "completed": true,
		"SaleLines": map[string]any{"SaleLine": line}, "SalePayments": map[string]any{"SalePayment": map[string]any{"paymentTypeID": 1, "amount": price}}}))
	assert.Equal(t, "10", cost(t, e, http.MethodGet, acct+"Item.json?count=1", nil))
	// load_relations: to-many 0.2, to-one 0.1, doubled on lists.
	assert.Equal(t, "1.3", cost(t, e, http.MethodGet, acct+`Item/1.json?load_relations=["ItemShops","Category"]`, nil))
	assert.Equal(t, "1.6", cost(t, e, http.MethodGet, acct+`Item.json?load_relations=["ItemShops","Category"]`, nil))
	// or= on one field is free; across fields +1 per operand.
	assert.Equal(t, "1", cost(t, e, http.MethodGet, acct+"Item.json?or=customSku%3DA|customSku%3DB", nil))
	assert.Equal(t, "3", cost(t, e, http.MethodGet, acct+"Item.json?or=customSku%3DA|ean%3DB", nil))
}

func TestLeakyBucketOverflowAndDrip(t *testing.T) {
	e := newEnv(t, "empty", nil)
	// Nine category writes at 10 drips fill the bucket to exactly 90.
	for i := range 8 {
		e.ok(http.MethodPost, acct+"Category.json", map[string]any{"name": fmt.Sprint("K", i)})
	}
	e.ok(http.MethodGet, acct+"Shop.json", nil)
	e.ok(http.MethodGet, acct+"Shop.json", nil)
	e.ok(http.MethodGet, acct+"Shop.json", nil)
	e.ok(http.MethodGet, acct+"Shop.json", nil)
	e.ok(http.MethodGet, acct+"Shop.json", nil)
	e.ok(http.MethodGet, acct+"Shop.json", nil)
	e.ok(http.MethodGet, acct+"Shop.json", nil)
	e.ok(http.MethodGet, acct+"Shop.json", nil)
	e.ok(http.MethodGet, acct+"Shop.json", nil)
	// Level 89: the next write overflows the bucket and is allowed once.
	resp, _ := e.call(http.MethodPost, acct+"Category.json", map[string]any{"name": "overflow"})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "99/90", resp.Header.Get("X-LS-API-Bucket-Level"))

	resp, out := e.call(http.MethodGet, acct+"Shop.json", nil)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "api-leaky-bucket", resp.Header.Get("X-LS-API-RateLimit-Type"))
	assert.Equal(t, "429", out["httpCode"])
	retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, retry, 1)
	assert.Equal(t, "99/90", resp.Header.Get("X-LS-API-Bucket-Level"), "a throttled request costs nothing")

	// Nine seconds of drip at 1/s bring the level to 90: still full.
	e.advance(9 * time.Second)
	resp, _ = e.call(http.MethodGet, acct+"Shop.json", nil)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	e.advance(1 * time.Second)
	resp, _ = e.call(http.MethodGet, acct+"Shop.json", nil)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "90/90", resp.Header.Get("X-LS-API-Bucket-Level"))
}

func TestBurstLimiter(t *testing.T) {
	e := newEnv(t, "empty", nil)
	// Real-speed time from the start of a virtual second, so Retry-After is in plain seconds.
	e.clock.SetScale(1)
	e.advance(time.Second - time.Duration(e.clock.Now().Nanosecond()) + time.Millisecond)
	for range 20 {
		e.ok(http.MethodGet, acct+"Shop.json", nil)
	}
	resp, out := e.call(http.MethodGet, acct+"Shop.json", nil)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "api-burst-limiter", resp.Header.Get("X-LS-API-RateLimit-Type"))
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.Equal(t, "20/20", resp.Header.Get("X-LS-API-Burst-Level"))
	assert.Contains(t, out["message"], "burst rate limit exceeded")
	e.advance(time.Second)
	e.ok(http.MethodGet, acct+"Shop.json", nil)
}

func TestNoLimits(t *testing.T) {
	e := newEnv(t, "empty", func(o *Options) { o.NoLimits = true })
	for range 200 {
		e.ok(http.MethodGet, acct+"Shop.json", nil)
	}
	// Reset can turn the limits back on.
	on := true
	resp, _ := e.callWith(http.MethodPost, "/_sandbox/reset", map[string]any{"seed": "empty", "limits": on}, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = e.call(http.MethodGet, acct+"Shop.json", nil)
	assert.Equal(t, "1/90", resp.Header.Get("X-LS-API-Bucket-Level"))
}

func TestBucketPerClient(t *testing.T) {
	e := newEnv(t, "empty", nil)
	e.ok(http.MethodPost, acct+"Category.json", map[string]any{"name": "A"})
	other, err := e.srv.MintTokens([]byte(`{"client_id":"other-app"}`))
	require.NoError(t, err)
	resp, _ := e.callWith(http.MethodGet, acct+"Shop.json", nil, other.(tokenResponse).AccessToken)
	assert.Equal(t, "1/90", resp.Header.Get("X-LS-API-Bucket-Level"), "another client has its own bucket")
	assert.Equal(t, "other-app", resp.Header.Get("X-LS-OAuth-Client-Id"))
	resp, _ = e.call(http.MethodGet, acct+"Shop.json", nil)
	assert.Equal(t, "11/90", resp.Header.Get("X-LS-API-Bucket-Level"))
}

package lightspeed

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"fortspeed/sandbox/testapi"
)

const acct = "/API/V3/Account/316401/"

// env is a simulator behind a loopback server with a frozen virtual clock, so bucket
// levels only change when a test advances time.
type env struct {
	t     *testing.T
	srv   *Server
	http  *httptest.Server
	clock *testapi.Clock
	token string
}

func newEnv(t *testing.T, seed string, mod func(*Options)) *env {
	t.Helper()
	clock := testapi.NewClock()
	clock.SetScale(1e-9)
	opts := Options{Clock: clock}
	if mod != nil {
		mod(&opts)
	}
	e := &env{t: t, clock: clock}
	e.http = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.srv.ServeHTTP(w, r) }))
	opts.BaseURL = e.http.URL
	e.srv = New(opts)
	t.Cleanup(e.http.Close)
	require.NoError(t, e.srv.Reset(testapi.ResetRequest{Seed: seed}))
	tok, err := e.srv.MintTokens(nil)
	require.NoError(t, err)
	e.token = tok.(tokenResponse).AccessToken
	return e
}

// call sends a request and decodes the JSON answer (nil for an empty body).
func (e *env) call(method, path string, body any) (*http.Response, map[string]any) {
	e.t.Helper()
	return e.callWith(method, path, body, e.token)
}

func (e *env) callWith(method, path string, body any, token string) (*http.Response, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(raw)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = e.http.URL + path
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(e.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	var out map[string]any
	if len(bytes.TrimSpace(raw)) > 0 {
		require.NoError(e.t, json.Unmarshal(raw, &out), "body: %s", raw)
	}
	return resp, out
}

// ok asserts a 200 and returns the body.
func (e *env) ok(method, path string, body any) map[string]any {
	e.t.Helper()
	resp, out := e.call(method, path, body)
	require.Equal(e.t, http.StatusOK, resp.StatusCode, "%s %s: %v", method, path, out)
	return out
}

// fails asserts the status and the standard error envelope and returns the message.
func (e *env) fails(status int, method, path string, body any) string {
	e.t.Helper()
	resp, out := e.call(method, path, body)
	require.Equal(e.t, status, resp.StatusCode, "%s %s: %v", method, path, out)
	require.Equal(e.t, http.StatusText(status), out["httpMessage"], "%v", out)
	require.IsType(e.t, "", out["httpCode"])
	require.NotEmpty(e.t, out["message"])
	return out["message"].(string)
}

func (e *env) advance(d time.Duration) { e.clock.Advance(d) }

// list returns the entity key of a list answer as a slice, whatever its shape.
func list(out map[string]any, key string) []map[string]any {
	switch v := out[key].(type) {
	case map[string]any:
		return []map[string]any{v}
	case []any:
		res := make([]map[string]any, 0, len(v))
		for _, x := range v {
			res = append(res, x.(map[string]any))
		}
		return res
	}
	return nil
}

// inner unwraps a relation wrapper such as {"ItemShop": …} into a slice.
func inner(v any, wrapper string) []map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	return list(m, wrapper)
}

func itemShopFor(item map[string]any, shopID string) map[string]any {
	for _, is := range inner(item["ItemShops"], "ItemShop") {
		if is["shopID"] == shopID {
			return is
		}
	}
	return nil
}

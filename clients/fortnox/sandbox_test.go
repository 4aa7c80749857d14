package fortnox

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"fortspeed/clients"
	fxsandbox "fortspeed/sandbox/fortnox"
	"fortspeed/sandbox/testapi"
)

// sandbox is an in-process Fortnox simulator driven over its /_sandbox/ test API.
type sandbox struct {
	t   testing.TB
	srv *httptest.Server
}

func newSandbox(t testing.TB, opts fxsandbox.Options, seed string) *sandbox {
	t.Helper()
	srv := httptest.NewServer(fxsandbox.New(opts))
	t.Cleanup(srv.Close)
	sb := &sandbox{t: t, srv: srv}
	sb.call(http.MethodPost, "/_sandbox/reset", map[string]any{"seed": seed}, nil)
	return sb
}

// call sends a /_sandbox/ request and decodes the answer into out (if not nil).
func (sb *sandbox) call(method, path string, body, out any) {
	sb.t.Helper()
	require.NoError(sb.t, testapi.Remote{URL: sb.srv.URL}.Call(method, path, body, out))
}

// mint returns a fresh token pair without the consent step.
func (sb *sandbox) mint() clients.Token {
	var tr struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int    `json:"expires_in"`
	}
	sb.call(http.MethodPost, "/_sandbox/tokens", map[string]any{}, &tr)
	require.NotEmpty(sb.t, tr.AccessToken)
	return clients.Token{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken,
		Expiry: time.Now().Add(time.Duration(tr.ExpiresIn) * time.Second)}
}

func (sb *sandbox) faults(f map[string]any) { sb.call(http.MethodPut, "/_sandbox/faults", f, nil) }

func (sb *sandbox) stats() testapi.StatsView {
	var s testapi.StatsView
	sb.call(http.MethodGet, "/_sandbox/stats", nil, &s)
	return s
}

// oauth describes the sandbox's token endpoint for a RefreshingSource.
func (sb *sandbox) oauth() clients.OAuthConfig {
	return clients.OAuthConfig{Vendor: "fortnox", TokenURL: sb.srv.URL + "/oauth-v1/token",
		ClientID: "fortspeed-demo", ClientSecret: "fortspeed-demo-secret", Auth: clients.AuthBasic}
}

// client builds a Client against the sandbox; tokens defaults to a freshly minted static one.
func (sb *sandbox) client(tokens clients.TokenSource, mod ...func(*Config)) *Client {
	sb.t.Helper()
	if tokens == nil {
		tokens = clients.StaticSource(sb.mint().AccessToken)
	}
	cfg := Config{BaseURL: sb.srv.URL, Tokens: tokens, TenantKey: "test"}
	for _, m := range mod {
		m(&cfg)
	}
	cl, err := New(cfg)
	require.NoError(sb.t, err)
	return cl
}

// requireKind asserts err is a *clients.Error of kind k and returns it.
func requireKind(t testing.TB, err error, k clients.Kind) *clients.Error {
	t.Helper()
	require.Error(t, err)
	var ce *clients.Error
	require.ErrorAs(t, err, &ce, "error %v is not a *clients.Error", err)
	require.Equal(t, k, ce.Kind, "error: %v", err)
	require.Equal(t, "fortnox", ce.Vendor)
	return ce
}

func ptr[T any](v T) *T { return &v }

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

package fortnox

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients"
	fxsandbox "fortspeed/sandbox/fortnox"
)

// refusalRecorder is a static token source that hears of refused requests.
type refusalRecorder struct {
	clients.StaticSource
	refused []string
}

func (r *refusalRecorder) Refused(_ context.Context, token, reason string) {
	r.refused = append(r.refused, token+" "+reason)
}

// TestMissingScopeIsReportedToTheConnection: a token authorized without the customer scope
// is refused with a 403; the request fails as InvalidGrant (only a new authorization helps)
// and the token source hears of it, naming the token, so the connection can pause.
func TestMissingScopeIsReportedToTheConnection(t *testing.T) {
	sb := newSandbox(t, fxsandbox.Options{NoLimits: true}, "demo")
	q := url.Values{"client_id": {"fortspeed-demo"}, "redirect_uri": {"http://127.0.0.1:1/callback"},
		"scope": {"companyinformation"}, "state": {"s"}, "response_type": {"code"}, "access_type": {"offline"}}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(sb.srv.URL + "/oauth-v1/auth?" + q.Encode())
	require.NoError(t, err)
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err, "status %d", resp.StatusCode)
	tok, err := clients.Exchange(context.Background(), sb.oauth(), loc.Query().Get("code"), "http://127.0.0.1:1/callback", "")
	require.NoError(t, err)

	rec := &refusalRecorder{StaticSource: clients.StaticSource(tok.AccessToken)}
	_, err = sb.client(rec).CustomersByName(context.Background(), "Kontantkund")
	require.Error(t, err)
	assert.Equal(t, clients.InvalidGrant, clients.KindOf(err))
	require.Len(t, rec.refused, 1)
	assert.Contains(t, rec.refused[0], tok.AccessToken+" fortnox:")
}

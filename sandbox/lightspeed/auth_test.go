package lightspeed

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (e *env) authorize() string {
	e.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(e.http.URL + "/auth/oauth/authorize?response_type=code&client_id=fortspeed-demo&scope=employee:all&state=xyz&redirect_uri=" +
		url.QueryEscape("https://app.example/callback"))
	require.NoError(e.t, err)
	resp.Body.Close()
	require.Equal(e.t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(e.t, err)
	assert.Equal(e.t, "app.example", loc.Host)
	assert.Equal(e.t, "xyz", loc.Query().Get("state"))
	require.NotEmpty(e.t, loc.Query().Get("code"))
	return loc.Query().Get("code")
}

func (e *env) tokenForm(v url.Values) (int, map[string]any) {
	e.t.Helper()
	resp, err := http.PostForm(e.http.URL+"/auth/oauth/token", v)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(e.t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func creds(extra ...string) url.Values {
	v := url.Values{"client_id": {"fortspeed-demo"}, "client_secret": {"fortspeed-demo-secret"}}
	for i := 0; i < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

func TestOAuthCodeExchangeAndRotation(t *testing.T) {
	e := newEnv(t, "empty", nil)
	code := e.authorize()
	status, tok := e.tokenForm(creds("grant_type", "authorization_code", "code", code))
	require.Equal(t, http.StatusOK, status, "%v", tok)
	assert.Equal(t, "Bearer", tok["token_type"])
	assert.EqualValues(t, 3600, tok["expires_in"])
	_, hasScope := tok["scope"]
	assert.False(t, hasScope, "the token response no longer carries scope")
	access, refresh := tok["access_token"].(string), tok["refresh_token"].(string)

	// The JWT carries the account in its acct claim.
	parts := strings.Split(access, ".")
	require.Len(t, parts, 3)
	claims, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	assert.Contains(t, string(claims), `"acct":"316401"`)

	// A code is single use.
	status, out := e.tokenForm(creds("grant_type", "authorization_code", "code", code))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "invalid_grant", out["error"])

	resp, _ := e.callWith(http.MethodGet, acct+"Shop.json", nil, access)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// Refresh with a JSON body works too.
	body := `{"client_id":"fortspeed-demo","client_secret":"fortspeed-demo-secret","grant_type":"refresh_token","refresh_token":"` + refresh + `"}`
	r2, err := http.Post(e.http.URL+"/auth/oauth/token", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	var second tokenResponse
	require.NoError(t, json.NewDecoder(r2.Body).Decode(&second))
	r2.Body.Close()
	require.Equal(t, http.StatusOK, r2.StatusCode)
	assert.NotEqual(t, refresh, second.RefreshToken)

	// Until the new access token is used, the old refresh token still works (retries).
	status, third := e.tokenForm(creds("grant_type", "refresh_token", "refresh_token", refresh))
	require.Equal(t, http.StatusOK, status, "%v", third)

	// Using a new access token revokes the refresh token it replaced.
	resp, _ = e.callWith(http.MethodGet, acct+"Shop.json", nil, third["access_token"].(string))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	status, out = e.tokenForm(creds("grant_type", "refresh_token", "refresh_token", refresh))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "invalid_grant", out["error"])

	// scope on a refresh is rejected (timothydc #36).
	status, out = e.tokenForm(creds("grant_type", "refresh_token", "refresh_token", second.RefreshToken, "scope", "employee:all"))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "invalid_grant", out["error"])

	// Wrong secret.
	status, out = e.tokenForm(url.Values{"client_id": {"fortspeed-demo"}, "client_secret": {"nope"}, "grant_type": {"refresh_token"}})
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "invalid_client", out["error"])

	// Non-POST on the token endpoint.
	r3, err := http.Get(e.http.URL + "/auth/oauth/token")
	require.NoError(t, err)
	r3.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, r3.StatusCode)
}

func TestOAuthCodeExpiresAfter60Seconds(t *testing.T) {
	e := newEnv(t, "empty", nil)
	code := e.authorize()
	e.advance(61 * time.Second)
	status, out := e.tokenForm(creds("grant_type", "authorization_code", "code", code))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "invalid_grant", out["error"])
}

func TestAccessTokenExpiryAnd401Body(t *testing.T) {
	e := newEnv(t, "empty", nil)
	e.ok(http.MethodGet, acct+"Shop.json", nil)
	e.advance(3601 * time.Second)
	resp, out := e.call(http.MethodGet, acct+"Shop.json", nil)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, "access_denied", out["error"])
	assert.Equal(t, deniedMessage, out["error_description"])
	assert.Equal(t, "Access token could not be verified", out["hint"])
	assert.Equal(t, "316401", resp.Header.Get("X-LS-Acct-Id"))

	resp, out = e.callWith(http.MethodGet, acct+"Shop.json", nil, "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, "access_denied", out["error"])

	// ExpireTokens through the test API.
	tok, err := e.srv.MintTokens([]byte(`{"client_id":"fortspeed-demo","expires_in":600}`))
	require.NoError(t, err)
	e.token = tok.(tokenResponse).AccessToken
	assert.Equal(t, 600, tok.(tokenResponse).ExpiresIn)
	e.ok(http.MethodGet, acct+"Shop.json", nil)
	resp, _ = e.callWith(http.MethodPut, "/_sandbox/faults", `{"expire_tokens":true}`, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = e.call(http.MethodGet, acct+"Shop.json", nil)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

func TestSandboxRoutes(t *testing.T) {
	e := newEnv(t, "empty", nil)
	resp, out := e.callWith(http.MethodPost, "/_sandbox/tokens", `{"client_id":"fortspeed-demo","expires_in":3600}`, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "Bearer", out["token_type"])
	assert.NotEmpty(t, out["access_token"])
	assert.NotEmpty(t, out["refresh_token"])

	resp, _ = e.callWith(http.MethodPost, "/_sandbox/reset", `{"seed":"catalogue","articles":40,"families":4,"random_seed":3}`, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, state := e.callWith(http.MethodGet, "/_sandbox/state", nil, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	counts := state["counts"].(map[string]any)
	assert.EqualValues(t, 40, counts["Item"])
	assert.EqualValues(t, 4, counts["ItemMatrix"])
	assert.EqualValues(t, 0, counts["Sale"])
	assert.EqualValues(t, 2, counts["Shop"])

	e.ok(http.MethodGet, acct+"Item/3.json", nil)
	resp, stats := e.callWith(http.MethodGet, "/_sandbox/stats", nil, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.EqualValues(t, 1, stats["requests"].(map[string]any)["GET /API/V3/Account/{acct}/Item/{id}"])

	resp, _ = e.callWith(http.MethodPost, "/_sandbox/reset", `{"seed":"nonsense"}`, "")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

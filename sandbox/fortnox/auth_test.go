package fortnox

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAuthorizationCodeFlowAndRefreshRotation(t *testing.T) {
	sb := start(t, Options{}, "empty")
	client := sb.srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	q := url.Values{"client_id": {"fortspeed-demo"}, "redirect_uri": {"http://127.0.0.1:9/cb"},
		"scope": {"article customer"}, "state": {"csrf-42"}, "response_type": {"code"}, "access_type": {"offline"}}
	resp, err := client.Get(sb.srv.URL + "/oauth-v1/auth?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("consent: status %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Host != "127.0.0.1:9" || loc.Query().Get("state") != "csrf-42" || loc.Query().Get("code") == "" {
		t.Fatalf("redirect %q lacks code/state", resp.Header.Get("Location"))
	}
	code := loc.Query().Get("code")

	// Bad client credentials: 401 invalid_client as text/plain.
	status, hdr, body := sb.form("/oauth-v1/token", "fortspeed-demo", "wrong", url.Values{"grant_type": {"authorization_code"}, "code": {code}}, nil)
	if status != 401 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") ||
		string(body) != `{"error":"invalid_client","error_description":"The client credentials are invalid"}` {
		t.Fatalf("invalid_client: %d %q %s", status, hdr.Get("Content-Type"), body)
	}

	status, _, body = sb.form("/oauth-v1/token", "fortspeed-demo", "fortspeed-demo-secret",
		url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://127.0.0.1:9/cb"}}, nil)
	if status != 200 {
		t.Fatalf("code exchange: %d %s", status, body)
	}
	var first tokenResponse
	if err := json.Unmarshal(body, &first); err != nil {
		t.Fatal(err)
	}
	if first.ExpiresIn != 3600 || first.TokenType != "bearer" || first.RefreshToken == "" || first.Scope != "article customer" {
		t.Fatalf("token response %+v", first)
	}
	// The access token is a JWT whose payload carries tenantId.
	parts := strings.Split(first.AccessToken, ".")
	if len(parts) != 3 {
		t.Fatalf("access token is not JWT-shaped: %s", first.AccessToken)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil || claims["tenantId"] != float64(1234567) {
		t.Fatalf("claims %s: %v", payload, err)
	}
	// Codes are single use.
	status, _, _ = sb.form("/oauth-v1/token", "fortspeed-demo", "fortspeed-demo-secret", url.Values{"grant_type": {"authorization_code"}, "code": {code}}, nil)
	if status != 400 {
		t.Fatalf("reused code: status %d, want 400", status)
	}

	// Refresh rotates; the old refresh token dies.
	status, _, body = sb.form("/oauth-v1/token", "fortspeed-demo", "fortspeed-demo-secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}}, nil)
	if status != 200 {
		t.Fatalf("refresh: %d %s", status, body)
	}
	var second tokenResponse
	json.Unmarshal(body, &second)
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Fatalf("refresh did not rotate: %+v", second)
	}
	status, hdr, body = sb.form("/oauth-v1/token", "fortspeed-demo", "fortspeed-demo-secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}}, nil)
	if status != 400 || string(body) != `{"error":"invalid_grant","error_description":"Invalid refresh token"}` || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("second use of refresh token: %d %s", status, body)
	}
	if s, _, b := sb.raw("GET", "/3/articles", second.AccessToken, ""); s != 200 {
		t.Fatalf("new access token rejected: %d %s", s, b)
	}
	// Only the granted scopes: "article customer" does not reach orders.
	status, _, body = sb.raw("GET", "/3/orders", second.AccessToken, "")
	if c, pascal := errorCode(t, body); status != 403 || c.String() != "2000663" || !pascal {
		t.Fatalf("missing scope: %d %s", status, body)
	}
}

func TestClientCredentialsNeedTenantHeader(t *testing.T) {
	sb := start(t, Options{TenantID: "998877"}, "empty")
	grant := url.Values{"grant_type": {"client_credentials"}}
	status, _, body := sb.form("/oauth-v1/token", "fortspeed-demo", "fortspeed-demo-secret", grant, nil)
	if status != 400 || !strings.Contains(string(body), "invalid_request") {
		t.Fatalf("without TenantId: %d %s", status, body)
	}
	status, _, body = sb.form("/oauth-v1/token", "fortspeed-demo", "fortspeed-demo-secret", grant, map[string]string{"TenantId": "1"})
	if status != 400 || !strings.Contains(string(body), "invalid_grant") {
		t.Fatalf("wrong tenant: %d %s", status, body)
	}
	status, _, body = sb.form("/oauth-v1/token", "fortspeed-demo", "fortspeed-demo-secret", grant, map[string]string{"TenantId": "998877"})
	var tok map[string]any
	json.Unmarshal(body, &tok)
	if status != 200 || tok["refresh_token"] != nil || tok["access_token"] == "" {
		t.Fatalf("client credentials: %d %s", status, body)
	}
	got := sb.json("GET", "/3/companyinformation", "", 200)
	if n := obj(got["CompanyInformation"])["DatabaseNumber"].(json.Number); n.String() != "998877" {
		t.Fatalf("DatabaseNumber %s, want the tenant id", n)
	}
}

func TestAccessTokensExpireOnTheVirtualClock(t *testing.T) {
	sb := start(t, Options{}, "empty")
	unauthorized := func(token, why string) {
		t.Helper()
		status, _, body := sb.raw("GET", "/3/units", token, "")
		if status != 401 || string(body) != `{"message":"unauthorized"}` {
			t.Fatalf("%s: %d %s", why, status, body)
		}
	}
	unauthorized("", "no bearer")
	unauthorized("not-a-token", "unknown bearer")
	sb.json("GET", "/3/units", "", 200)
	sb.clock.Advance(3599 * time.Second)
	sb.json("GET", "/3/units", "", 200)
	sb.clock.Advance(2 * time.Second)
	unauthorized(sb.token, "expired after 3600 s")

	// expire_tokens through the harness kills access tokens but not refresh tokens.
	status, _, body := sb.raw("POST", "/_sandbox/tokens", "", `{"expires_in":60}`)
	var pair tokenResponse
	json.Unmarshal(body, &pair)
	if status != 200 || pair.ExpiresIn != 60 || pair.TokenType != "bearer" || pair.RefreshToken == "" {
		t.Fatalf("mint: %d %s", status, body)
	}
	if s, _, b := sb.raw("PUT", "/_sandbox/faults", "", `{"expire_tokens":true}`); s != 200 {
		t.Fatalf("faults: %d %s", s, b)
	}
	unauthorized(pair.AccessToken, "after expire_tokens")
	status, _, body = sb.form("/oauth-v1/token", "fortspeed-demo", "fortspeed-demo-secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {pair.RefreshToken}}, nil)
	if status != 200 {
		t.Fatalf("refresh after expire_tokens: %d %s", status, body)
	}
	// Refresh tokens live 45 days.
	_, _, body = sb.raw("POST", "/_sandbox/tokens", "", `{}`)
	json.Unmarshal(body, &pair)
	sb.clock.Advance(45*24*time.Hour + time.Second)
	status, _, body = sb.form("/oauth-v1/token", "fortspeed-demo", "fortspeed-demo-secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {pair.RefreshToken}}, nil)
	if status != 400 || !strings.Contains(string(body), "invalid_grant") {
		t.Fatalf("refresh after 45 days: %d %s", status, body)
	}
	if s, _, b := sb.raw("POST", "/_sandbox/tokens", "", `{"expires_in":-1}`); s != 400 {
		t.Fatalf("negative expires_in: %d %s", s, b)
	}
}

func TestRateLimitSlidingWindow(t *testing.T) {
	sb := start(t, Options{}, "empty")
	for i := 1; i <= 25; i++ {
		if s, _, b := sb.call("GET", "/3/units", ""); s != 200 {
			t.Fatalf("request %d: %d %s", i, s, b)
		}
	}
	status, hdr, body := sb.call("GET", "/3/units", "")
	if status != 429 || hdr.Get("Retry-After") == "" || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("26th request: %d %v %s", status, hdr, body)
	}
	decode(t, body)
	// Another client of the same tenant has its own window.
	other := sb.mint(`{"client_id":"other-app"}`)
	if s, _, b := sb.raw("GET", "/3/units", other, ""); s != 200 {
		t.Fatalf("other client throttled: %d %s", s, b)
	}
	sb.clock.Advance(5 * time.Second)
	if s, _, b := sb.call("GET", "/3/units", ""); s != 200 {
		t.Fatalf("after the window: %d %s", s, b)
	}
	stats := decode(t, func() []byte { _, _, b := sb.raw("GET", "/_sandbox/stats", "", ""); return b }())
	if obj(stats["throttled"])["GET /3/units"].(json.Number).String() != "1" {
		t.Fatalf("stats: %v", stats)
	}
	// Limits off by reset (benchmarks).
	sb.raw("POST", "/_sandbox/reset", "", `{"seed":"empty","limits":false}`)
	for i := 0; i < 40; i++ {
		if s, _, b := sb.call("GET", "/3/units", ""); s != 200 {
			t.Fatalf("limits off, request %d: %d %s", i, s, b)
		}
	}
}

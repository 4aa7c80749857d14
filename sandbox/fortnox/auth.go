package fortnox

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	authCodeTTL     = 10 * time.Minute
	refreshTokenTTL = 45 * 24 * time.Hour
	defaultScope    = "article customer order invoice payment price settings companyinformation currency warehouse"
)

// tokenInfo is what the sandbox knows about an issued access token.
type tokenInfo struct {
	tenant  string
	client  string
	scopes  map[string]bool
	expires time.Time
}

type refreshInfo struct {
	tenant, client, scope string
	expires               time.Time
}

type codeInfo struct {
	client, redirect, scope string
	expires                 time.Time
}

// tokenStore issues and checks tokens on the virtual clock.
type tokenStore struct {
	mu      sync.Mutex
	access  map[string]tokenInfo
	refresh map[string]refreshInfo
	codes   map[string]codeInfo
}

func newTokenStore() *tokenStore {
	return &tokenStore{access: map[string]tokenInfo{}, refresh: map[string]refreshInfo{}, codes: map[string]codeInfo{}}
}

func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never returns an error: since Go 1.24 crypto/rand crashes the program instead
	return hex.EncodeToString(b)
}

func uuid() string {
	h := randomID(16)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// tokenResponse is the OAuth token answer (refresh token omitted for client credentials).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
	ExpiresIn    int    `json:"expires_in"`
	TokenType    string `json:"token_type"`
}

// issue mints an HS256 JWT with the tenantId claim, and a refresh token when withRefresh.
func (s *Server) issue(client, tenant, scope string, ttl time.Duration, withRefresh bool) tokenResponse {
	now := s.clock.Now()
	tenantNum, err := strconv.ParseInt(tenant, 10, 64)
	var tenantClaim any = tenant
	if err == nil {
		tenantClaim = tenantNum
	}
	claims, _ := json.Marshal(map[string]any{
		"iss": "https://apps.fortnox.se/oauth-v1", "tenantId": tenantClaim, "clientId": client,
		"scope": scope, "iat": now.Unix(), "exp": now.Add(ttl).Unix(), "jti": uuid(),
	})
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, []byte(s.opts.ClientSecret))
	mac.Write([]byte(signing))
	access := signing + "." + enc.EncodeToString(mac.Sum(nil))

	resp := tokenResponse{AccessToken: access, Scope: scope, ExpiresIn: int(ttl / time.Second), TokenType: "bearer"}
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	scopes := map[string]bool{}
	for _, sc := range strings.Fields(scope) {
		scopes[sc] = true
	}
	s.tokens.access[access] = tokenInfo{tenant: tenant, client: client, scopes: scopes, expires: now.Add(ttl)}
	if withRefresh {
		resp.RefreshToken = uuid()
		s.tokens.refresh[resp.RefreshToken] = refreshInfo{tenant: tenant, client: client, scope: scope, expires: now.Add(refreshTokenTTL)}
	}
	return resp
}

// authenticate returns the token of a request, or false for an unknown or expired one.
func (s *Server) authenticate(r *http.Request) (tokenInfo, bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return tokenInfo{}, false
	}
	tok := strings.TrimSpace(h[7:])
	s.tokens.mu.Lock()
	info, ok := s.tokens.access[tok]
	s.tokens.mu.Unlock()
	if !ok || !s.clock.Now().Before(info.expires) {
		return tokenInfo{}, false
	}
	return info, true
}

// requiredScope is the OAuth scope Fortnox demands for a /3/ resource. The warehouse API's
// scope is undocumented, so the sandbox does not demand one there.
func requiredScope(path string) string {
	segs := splitPath(path)
	if len(segs) < 2 || segs[0] != "3" {
		return ""
	}
	switch segs[1] {
	case "customers":
		return "customer"
	case "articles":
		return "article"
	case "orders":
		return "order"
	case "invoices":
		return "invoice"
	case "invoicepayments":
		return "payment"
	case "prices", "pricelists":
		return "price"
	case "termsofpayments", "modesofpayments", "wayofdeliveries", "units", "termsofdeliveries":
		return "settings"
	case "companyinformation":
		return "companyinformation"
	case "currencies":
		return "currency"
	}
	return ""
}

// ExpireTokens makes every access token expire now; refresh tokens stay valid.
func (s *Server) ExpireTokens() {
	now := s.clock.Now()
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	for k, v := range s.tokens.access {
		v.expires = now
		s.tokens.access[k] = v
	}
}

// RevokeTokens retires every refresh token and expires every access token.
func (s *Server) RevokeTokens() {
	s.ExpireTokens()
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	clear(s.tokens.refresh)
}

// MintTokens answers POST /_sandbox/tokens: a token pair without the consent step.
func (s *Server) MintTokens(body []byte) (any, error) {
	var req struct {
		ClientID  string `json:"client_id"`
		TenantID  string `json:"tenant_id"`
		ExpiresIn int    `json:"expires_in"`
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, fmt.Errorf("mint tokens: body must be {\"client_id\",\"tenant_id\",\"expires_in\"}: %w", err)
		}
	}
	if req.ClientID == "" {
		req.ClientID = s.opts.ClientID
	}
	if req.TenantID == "" {
		req.TenantID = s.opts.TenantID
	}
	if req.ExpiresIn < 0 {
		return nil, fmt.Errorf("mint tokens: expires_in must not be negative, got %d", req.ExpiresIn)
	}
	ttl := s.opts.TokenTTL
	if req.ExpiresIn > 0 {
		ttl = time.Duration(req.ExpiresIn) * time.Second
	}
	return s.issue(req.ClientID, req.TenantID, defaultScope, ttl, true), nil
}

func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	body, _ := json.Marshal(map[string]string{"error": code, "error_description": description})
	w.Write(body)
}

// serveAuthorize is the consent page: it approves at once and redirects with code and state.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	fail := func(msg string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "<html><body><h1>Fortnox</h1><p>%s</p></body></html>", msg)
	}
	switch {
	case q.Get("client_id") != s.opts.ClientID:
		fail("Okänd client_id.")
		return
	case q.Get("response_type") != "code":
		fail("response_type måste vara code.")
		return
	case q.Get("state") == "":
		fail("state saknas.")
		return
	case q.Get("scope") == "":
		fail("scope saknas.")
		return
	}
	redirect := q.Get("redirect_uri")
	target, err := url.Parse(redirect)
	if redirect == "" || err != nil || target.Scheme == "" {
		fail("redirect_uri saknas eller är ogiltig.")
		return
	}
	code := randomID(16)
	s.tokens.mu.Lock()
	s.tokens.codes[code] = codeInfo{client: s.opts.ClientID, redirect: redirect, scope: q.Get("scope"), expires: s.clock.Now().Add(authCodeTTL)}
	s.tokens.mu.Unlock()
	v := target.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	target.RawQuery = v.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// serveToken is POST /oauth-v1/token with Basic client authentication.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != s.opts.ClientID || secret != s.opts.ClientSecret {
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"invalid_client","error_description":"The client credentials are invalid"}`))
		return
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request body must be application/x-www-form-urlencoded")
		return
	}
	now := s.clock.Now()
	var resp tokenResponse
	switch grant := r.PostForm.Get("grant_type"); grant {
	case "authorization_code":
		code := r.PostForm.Get("code")
		s.tokens.mu.Lock()
		info, found := s.tokens.codes[code]
		delete(s.tokens.codes, code)
		s.tokens.mu.Unlock()
		if !found || !now.Before(info.expires) {
			writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "Invalid authorization code")
			return
		}
		if ru := r.PostForm.Get("redirect_uri"); ru != "" && ru != info.redirect {
			writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request")
			return
		}
		resp = s.issue(id, s.opts.TenantID, info.scope, s.opts.TokenTTL, true)
	case "refresh_token":
		tok := r.PostForm.Get("refresh_token")
		s.tokens.mu.Lock()
		info, found := s.tokens.refresh[tok]
		delete(s.tokens.refresh, tok) // single use, whatever happens next
		s.tokens.mu.Unlock()
		if !found || !now.Before(info.expires) || info.client != id {
			writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "Invalid refresh token")
			return
		}
		resp = s.issue(id, info.tenant, info.scope, s.opts.TokenTTL, true)
	case "client_credentials":
		tenant := r.Header.Get("TenantId")
		if tenant == "" {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The TenantId header is required for client_credentials")
			return
		}
		if tenant != s.opts.TenantID {
			writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "No service account consent for this tenant")
			return
		}
		resp = s.issue(id, tenant, defaultScope, s.opts.TokenTTL, false)
	case "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "grant_type is required")
		return
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant_type "+grant)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	body, _ := json.Marshal(resp)
	w.Write(body)
}

// rateLimiter is a sliding window of request times per tenant+client on the virtual clock.
type rateLimiter struct {
	mu   sync.Mutex
	hits map[string][]time.Time
}

// allow records a request, or returns how long until one would be allowed.
func (l *rateLimiter) allow(key string, now time.Time, limit int, window time.Duration) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	times := l.hits[key]
	cut := 0
	for cut < len(times) && !times[cut].After(now.Add(-window)) {
		cut++
	}
	times = times[cut:]
	if len(times) >= limit {
		l.hits[key] = times
		return times[0].Add(window).Sub(now), false
	}
	l.hits[key] = append(times, now)
	return 0, true
}

func (l *rateLimiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hits = map[string][]time.Time{}
}

// writeTooMany answers 429 with Retry-After in real seconds (what a client will sleep).
func (s *Server) writeTooMany(w http.ResponseWriter, wait time.Duration) {
	secs := int(math.Ceil(s.clock.RealDuration(wait).Seconds()))
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTooManyRequests)
	w.Write([]byte(`{"message":"Too Many Requests"}`))
}

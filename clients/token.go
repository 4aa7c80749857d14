package clients

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// TokenSource supplies access tokens to a vendor client. The connection workflow of a later
// issue implements it over a Temporal Update; RefreshingSource implements it in-process.
type TokenSource interface {
	// Token returns a valid access token.
	Token(ctx context.Context) (string, error)
	// Refresh is called after the vendor rejected failed with a 401. If the source already
	// holds a newer token it returns that one, so a burst of 401s refreshes once.
	Refresh(ctx context.Context, failed string) (string, error)
}

// RefusalReporter is a TokenSource that hears of a request the vendor refused although
// the token was valid (HTTP 403: a scope or licence is missing), which only a new
// authorization fixes. The vendor clients tell it after building the InvalidGrant error.
type RefusalReporter interface {
	Refused(ctx context.Context, token, reason string)
}

// ReportRefusal tells tokens of a refusal if it wants to know.
func ReportRefusal(ctx context.Context, tokens TokenSource, token string, err error) {
	if r, ok := tokens.(RefusalReporter); ok && KindOf(err) == InvalidGrant {
		r.Refused(ctx, token, err.Error())
	}
}

// Token is one OAuth token pair.
type Token struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry"`
}

// ClientAuth is how the client authenticates at the token endpoint.
type ClientAuth int

const (
	// AuthBasic sends client id and secret as HTTP Basic credentials (Fortnox).
	AuthBasic ClientAuth = iota
	// AuthBody sends them as client_id and client_secret form fields (Lightspeed).
	AuthBody
)

// TenantHeader carries the Fortnox tenant id on a client-credentials request. The reference
// marks the name as uncertain, so it lives in this one constant.
const TenantHeader = "TenantId"

// OAuthConfig describes a vendor's token endpoint.
type OAuthConfig struct {
	Vendor       string
	TokenURL     string
	ClientID     string
	ClientSecret string
	Auth         ClientAuth
	// TenantID switches to the client-credentials grant (Fortnox service accounts): no
	// refresh token; a new access token is minted when the old one expires.
	TenantID   string
	HTTPClient *http.Client
	Now        func() time.Time
	// OnRefresh, if set, is told of every token a RefreshingSource asks the endpoint for
	// (grant_type refresh_token or client_credentials) and of its error, for metrics.
	OnRefresh func(grant string, err error)
}

func (c OAuthConfig) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// expiryMargin makes a token count as expired shortly before it is, so a request never
// leaves with a token that dies on the way.
const expiryMargin = 60 * time.Second

// RefreshingSource keeps one token pair and refreshes it over the OAuth endpoint, one
// refresh at a time. Save is called with every new pair before its access token is used,
// because the old refresh token is dead from then on. A pair that cannot be saved is kept
// in memory and saved again on every later use until a save succeeds: dropping it would
// lose the connection, since the vendor has already retired the old refresh token.
type RefreshingSource struct {
	cfg        OAuthConfig
	save       func(context.Context, Token) error
	reportSave func(ctx context.Context, err error)

	mu      sync.Mutex
	tok     Token
	unsaved bool
}

// NewRefreshingSource starts from initial (which may hold only a refresh token).
func NewRefreshingSource(cfg OAuthConfig, initial Token, save func(context.Context, Token) error) *RefreshingSource {
	return &RefreshingSource{cfg: cfg, save: save, tok: initial}
}

// OnSaveFailure sets report, which hears err once when a rotated pair could not be saved
// and nil once a later save succeeded, so an operator gets one alert, not one per request.
// err never holds a token.
func (s *RefreshingSource) OnSaveFailure(report func(ctx context.Context, err error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reportSave = report
}

// Token returns the cached access token while it is valid, else refreshes.
func (s *RefreshingSource) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.validLocked() {
		s.saveLocked(ctx)
		return s.tok.AccessToken, nil
	}
	return s.refreshLocked(ctx)
}

// Refresh replaces failed unless it was already replaced.
func (s *RefreshingSource) Refresh(ctx context.Context, failed string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok.AccessToken != "" && s.tok.AccessToken != failed && s.validLocked() {
		s.saveLocked(ctx)
		return s.tok.AccessToken, nil
	}
	return s.refreshLocked(ctx)
}

// Mint asks the token endpoint for a new pair now, whatever the pair held, and returns it.
// The connection workflow's refresh activity uses it: the workflow decides when.
func (s *RefreshingSource) Mint(ctx context.Context) (Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.refreshLocked(ctx); err != nil {
		return Token{}, err
	}
	return s.tok, nil
}

// Unsaved reports whether the pair held now is not persisted yet.
func (s *RefreshingSource) Unsaved() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unsaved
}

// saveLocked saves the pair again if an earlier save failed.
func (s *RefreshingSource) saveLocked(ctx context.Context) {
	if !s.unsaved {
		return
	}
	if s.save(ctx, s.tok) != nil {
		return // reported when it first failed; the next use tries again
	}
	s.unsaved = false
	if s.reportSave != nil {
		s.reportSave(ctx, nil)
	}
}

// Current returns the token pair held now, for persistence.
func (s *RefreshingSource) Current() Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok
}

func (s *RefreshingSource) validLocked() bool {
	return s.tok.AccessToken != "" && s.cfg.now().Add(expiryMargin).Before(s.tok.Expiry)
}

func (s *RefreshingSource) refreshLocked(ctx context.Context) (string, error) {
	form := url.Values{}
	switch {
	case s.cfg.TenantID != "":
		form.Set("grant_type", "client_credentials")
	case s.tok.RefreshToken != "":
		form.Set("grant_type", "refresh_token")
		form.Set("refresh_token", s.tok.RefreshToken)
	default:
		return "", &Error{Kind: InvalidGrant, Vendor: s.cfg.Vendor, Op: "refresh token", Message: "no refresh token: authorize the connection first"}
	}
	tok, err := requestToken(ctx, s.cfg, form)
	if s.cfg.OnRefresh != nil {
		s.cfg.OnRefresh(form.Get("grant_type"), err)
	}
	if err != nil {
		return "", err
	}
	if tok.RefreshToken == "" && s.cfg.TenantID == "" {
		tok.RefreshToken = s.tok.RefreshToken
	}
	s.tok = tok
	if s.save != nil {
		wasUnsaved := s.unsaved
		err := s.save(ctx, tok)
		s.unsaved = err != nil
		switch {
		case err != nil && !wasUnsaved && s.reportSave != nil:
			s.reportSave(ctx, fmt.Errorf("save rotated %s token pair: %w", s.cfg.Vendor, err))
		case err == nil && wasUnsaved && s.reportSave != nil:
			s.reportSave(ctx, nil)
		}
	}
	return tok.AccessToken, nil
}

// Exchange trades an authorization code for the first token pair; verifier is the PKCE
// code verifier when the authorization sent a challenge.
func Exchange(ctx context.Context, cfg OAuthConfig, code, redirectURI, verifier string) (Token, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}}
	if redirectURI != "" {
		form.Set("redirect_uri", redirectURI)
	}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	return requestToken(ctx, cfg, form)
}

func requestToken(ctx context.Context, cfg OAuthConfig, form url.Values) (Token, error) {
	op := "token " + form.Get("grant_type")
	fail := func(kind Kind, status int, msg string, err error) (Token, error) {
		return Token{}, &Error{Kind: kind, Vendor: cfg.Vendor, Op: op, Status: status, Message: msg, Err: err}
	}
	if cfg.Auth == AuthBody {
		form.Set("client_id", cfg.ClientID)
		form.Set("client_secret", cfg.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return fail(Validation, 0, "bad token URL "+cfg.TokenURL, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if cfg.Auth == AuthBasic {
		req.SetBasicAuth(cfg.ClientID, cfg.ClientSecret)
	}
	if cfg.TenantID != "" {
		req.Header.Set(TenantHeader, cfg.TenantID)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	start := cfg.now()
	resp, err := hc.Do(req)
	if err != nil {
		return fail(Transient, 0, "", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fail(Transient, resp.StatusCode, "read token response", err)
	}
	// Both vendors answer token errors OAuth-style, sometimes as text/plain: parse the body
	// whatever the content type says.
	var out struct {
		AccessToken  string          `json:"access_token"`
		RefreshToken string          `json:"refresh_token"`
		ExpiresIn    json.RawMessage `json:"expires_in"`
		Error        string          `json:"error"`
		Description  string          `json:"error_description"`
	}
	jsonErr := json.Unmarshal(body, &out)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return fail(RateLimited, resp.StatusCode, "token endpoint rate limited", nil)
	case resp.StatusCode >= 500:
		return fail(Transient, resp.StatusCode, snippet(body), nil)
	case out.Error == "invalid_grant":
		return fail(InvalidGrant, resp.StatusCode, out.Error+": "+out.Description, nil)
	case out.Error == "invalid_client" || resp.StatusCode == http.StatusUnauthorized:
		return fail(Unauthorized, resp.StatusCode, "client credentials rejected: "+out.Description, nil)
	case resp.StatusCode >= 300 || out.Error != "":
		return fail(Validation, resp.StatusCode, strings.TrimSpace(out.Error+" "+out.Description+" "+snippet(body)), nil)
	case jsonErr != nil || out.AccessToken == "":
		return fail(Transient, resp.StatusCode, "token response is not a token: "+snippet(body), jsonErr)
	}
	secs := strings.Trim(string(out.ExpiresIn), `"`)
	var n float64
	if _, err := fmt.Sscan(secs, &n); err != nil || n <= 0 {
		n = 3600
	}
	return Token{AccessToken: out.AccessToken, RefreshToken: out.RefreshToken,
		Expiry: start.Add(time.Duration(n * float64(time.Second)))}, nil
}

// snippet shortens a body for an error message.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// StaticSource serves one fixed token; for tests and the sandboxes' minted tokens.
type StaticSource string

// Token returns the fixed token.
func (s StaticSource) Token(context.Context) (string, error) { return string(s), nil }

// Refresh cannot refresh a fixed token.
func (s StaticSource) Refresh(context.Context, string) (string, error) {
	return "", &Error{Kind: Unauthorized, Op: "refresh token", Message: "a static token cannot be refreshed"}
}

package lightspeed

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	codeTTL         = 60 * time.Second
	refreshTokenTTL = 30 * 24 * time.Hour
	deniedMessage   = "The resource owner or authorization server denied the request."
)

type authCode struct {
	clientID string
	scope    string
	expires  time.Time
	// challenge and method are the PKCE code challenge of the authorization, if any.
	challenge, method string
}

type accessToken struct {
	clientID string
	expires  time.Time
	// parentRefresh is the refresh token this access token replaced; it is revoked the first
	// time this access token is used (rotation per changelog 2026.01.15).
	parentRefresh string
}

type refreshToken struct {
	clientID string
	scope    string
	expires  time.Time // 30 days after issue, unless used
	revoked  bool
}

type authState struct {
	codes   map[string]*authCode
	access  map[string]*accessToken
	refresh map[string]*refreshToken
	secret  []byte
}

func newAuthState() authState {
	return authState{codes: map[string]*authCode{}, access: map[string]*accessToken{}, refresh: map[string]*refreshToken{},
		secret: []byte(randomHex(32))}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// tokenResponse is the token endpoint's answer; it no longer carries scope.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	TokenType    string `json:"token_type"`
}

// issueLocked creates an access/refresh pair. The access token is an HS256 JWT with the
// documented claims (acct, scope, exp …) so clients that decode it find the account.
func (s *Server) issueLocked(clientID, scope string, ttl time.Duration, parent string) tokenResponse {
	now := s.clock.Now()
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT","kid":"SANDBOX_2026"}`))
	claims, _ := json.Marshal(map[string]any{
		"iss": "https://cloud.lightspeedapp.com", "aud": clientID, "sub": "1", "acct": s.opts.AccountID,
		"scope": scope, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(ttl).Unix(), "jti": randomHex(8),
	})
	unsigned := header + "." + base64.RawURLEncoding.EncodeToString(claims)
	mac := hmac.New(sha256.New, s.auth.secret)
	mac.Write([]byte(unsigned))
	access := unsigned + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	refresh := "def50200" + randomHex(48)
	s.auth.access[access] = &accessToken{clientID: clientID, expires: now.Add(ttl), parentRefresh: parent}
	s.auth.refresh[refresh] = &refreshToken{clientID: clientID, scope: scope, expires: now.Add(refreshTokenTTL)}
	return tokenResponse{AccessToken: access, RefreshToken: refresh, ExpiresIn: int(ttl / time.Second), TokenType: "Bearer"}
}

// handleAuthorize approves at once: the sandbox has no user to ask.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "The authorize endpoint only accepts GET.", "Use GET")
		return
	}
	q := r.URL.Query()
	if q.Get("response_type") != "code" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_response_type", "The authorization server does not support obtaining an authorization code using this method.", "response_type must be \"code\"")
		return
	}
	if q.Get("client_id") != s.opts.ClientID {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed", "Unknown client_id")
		return
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.", "Check the `redirect_uri` parameter")
		return
	}
	target, err := url.Parse(redirect)
	if err != nil || target.Scheme == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The redirect_uri is not an absolute URL.", "Check the `redirect_uri` parameter")
		return
	}
	code := "def502" + randomHex(32)
	scope := q.Get("scope")
	if scope == "" {
		scope = "employee:all"
	}
	s.mu.Lock()
	method := q.Get("code_challenge_method")
	if q.Get("code_challenge") != "" && method == "" {
		method = "plain"
	}
	if method != "" && method != "S256" && method != "plain" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Code challenge method must be `plain` or `S256`", "Check the `code_challenge_method` parameter")
		return
	}
	s.auth.codes[code] = &authCode{clientID: s.opts.ClientID, scope: scope, expires: s.clock.Now().Add(codeTTL),
		challenge: q.Get("code_challenge"), method: method}
	s.mu.Unlock()
	v := target.Query()
	v.Set("code", code)
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	target.RawQuery = v.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// tokenParams reads form, multipart and JSON bodies alike, as the docs allow all three.
func tokenParams(r *http.Request) (map[string]string, bool) {
	out := map[string]string{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var m map[string]any
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			return nil, false
		}
		for k, v := range m {
			switch x := v.(type) {
			case string:
				out[k] = x
			case json.Number:
				out[k] = x.String()
			default:
				return nil, false
			}
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return nil, false
		}
		for k, v := range r.MultipartForm.Value {
			out[k] = v[0]
		}
	default:
		if err := r.ParseForm(); err != nil {
			return nil, false
		}
		for k, v := range r.PostForm {
			out[k] = v[0]
		}
	}
	return out, true
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "The token endpoint only accepts POST.", "Use POST")
		return
	}
	p, ok := tokenParams(r)
	if !ok {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.", "The request body could not be parsed")
		return
	}
	if p["client_id"] != s.opts.ClientID || p["client_secret"] != s.opts.ClientSecret {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed", "Check client_id and client_secret")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	invalidGrant := func(hint string) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.", hint)
	}
	switch p["grant_type"] {
	case "authorization_code":
		c, found := s.auth.codes[p["code"]]
		if p["code"] == "" {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request is missing a required parameter.", "Check the `code` parameter")
			return
		}
		if !found || c.clientID != p["client_id"] {
			invalidGrant("Cannot decrypt the authorization code")
			return
		}
		delete(s.auth.codes, p["code"]) // single use
		if !now.Before(c.expires) {
			invalidGrant("Authorization code has expired")
			return
		}
		if c.challenge != "" && !verifierMatches(c.challenge, c.method, p["code_verifier"]) {
			invalidGrant("Failed to verify `code_verifier`.")
			return
		}
		writeJSON(w, http.StatusOK, s.issueLocked(c.clientID, c.scope, s.opts.TokenTTL, ""))
	case "refresh_token":
		if _, has := p["scope"]; has {
			invalidGrant("The scope parameter must not be sent when refreshing a token")
			return
		}
		rt, found := s.auth.refresh[p["refresh_token"]]
		if p["refresh_token"] == "" {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request is missing a required parameter.", "Check the `refresh_token` parameter")
			return
		}
		switch {
		case !found || rt.clientID != p["client_id"]:
			invalidGrant("Cannot decrypt the refresh token")
			return
		case rt.revoked:
			invalidGrant("Token has been revoked")
			return
		case !now.Before(rt.expires):
			invalidGrant("Token has expired")
			return
		}
		writeJSON(w, http.StatusOK, s.issueLocked(rt.clientID, rt.scope, s.opts.TokenTTL, p["refresh_token"]))
	case "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request is missing a required parameter.", "Check the `grant_type` parameter")
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.", "Check the `grant_type` parameter")
	}
}

// authenticateLocked checks the bearer token; the first use of a refreshed access token
// revokes the refresh token it replaced.
func (s *Server) authenticateLocked(w http.ResponseWriter, r *http.Request) (string, bool) {
	// A rejected token has no client, hence no bucket; the account header still goes out.
	w.Header().Set("X-LS-Acct-Id", s.opts.AccountID)
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		writeOAuthError(w, http.StatusUnauthorized, "access_denied", deniedMessage, "Missing \"Authorization\" header")
		return "", false
	}
	at, found := s.auth.access[strings.TrimSpace(tok)]
	if !found {
		writeOAuthError(w, http.StatusUnauthorized, "access_denied", deniedMessage, "Access token could not be verified")
		return "", false
	}
	if !s.clock.Now().Before(at.expires) {
		writeOAuthError(w, http.StatusUnauthorized, "access_denied", deniedMessage, "Access token could not be verified")
		return "", false
	}
	if at.parentRefresh != "" {
		if old, ok := s.auth.refresh[at.parentRefresh]; ok {
			old.revoked = true
		}
		at.parentRefresh = ""
	}
	return at.clientID, true
}

// verifierMatches checks a PKCE code verifier against the authorization's challenge.
func verifierMatches(challenge, method, verifier string) bool {
	if verifier == "" {
		return false
	}
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		return hmac.Equal([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge))
	}
	return hmac.Equal([]byte(verifier), []byte(challenge))
}

// Package lightspeed simulates the Lightspeed Retail (R-Series) API V3 as documented in
// ../shared/reference/lightspeed-api.md: OAuth with rotating refresh tokens, the cost-based
// leaky bucket and burst limiter, cursor paging, every query operator, the JSON quirks
// (string scalars, one-or-many collections, "" relations) and the business rules of items,
// stock, customers and sales.
//
// The real API answers XML unless asked for JSON; the simulator always answers JSON, with
// or without the ".json" suffix and whatever the Accept header says, because every client
// of this project asks for JSON.
package lightspeed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"fortspeed/sandbox/testapi"
)

// Options configures a simulator; zero values give the documented defaults.
type Options struct {
	Clock        *testapi.Clock // nil → testapi.NewClock()
	ClientID     string         // default "fortspeed-demo"
	ClientSecret string         // default "fortspeed-demo-secret"
	AccountID    string         // default "316401"
	Registers    int            // default 1: bucket 90 + 10(r−1), drip 1 + 0.5(r−1) per s
	BurstLimit   int            // requests per 1 s burst window, default 20
	NoLimits     bool           // bucket and burst limiter off (benchmarks)
	TokenTTL     time.Duration  // default 3600 s
	BaseURL      string         // for @attributes.next and link hrefs; default "http://127.0.0.1:8082"
}

// Server is the simulator. One mutex guards data, tokens and buckets: requests are short
// and the simulator favours obvious correctness over parallel throughput.
type Server struct {
	opts    Options
	clock   *testapi.Clock
	harness *testapi.Harness
	handler http.Handler
	defs    map[string]*entityDef

	mu       sync.Mutex
	noLimits bool
	st       *store
	auth     authState
	buckets  map[string]*bucket
}

// New returns a simulator seeded with nothing; call Reset to seed it.
func New(opts Options) *Server {
	if opts.Clock == nil {
		opts.Clock = testapi.NewClock()
	}
	if opts.ClientID == "" {
		opts.ClientID = testapi.DemoClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = testapi.DemoClientSecret
	}
	if opts.AccountID == "" {
		opts.AccountID = "316401"
	}
	if opts.Registers <= 0 {
		opts.Registers = 1
	}
	if opts.BurstLimit <= 0 {
		opts.BurstLimit = 20
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.BaseURL == "" {
		opts.BaseURL = "http://127.0.0.1:8082"
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	s := &Server{
		opts:     opts,
		clock:    opts.Clock,
		harness:  testapi.NewHarness(opts.Clock),
		defs:     entityDefs(),
		noLimits: opts.NoLimits,
		auth:     newAuthState(),
		buckets:  map[string]*bucket{},
	}
	s.st = newStore(s.defs)
	s.seedBase(s.clock.Now())
	mux := http.NewServeMux()
	mux.HandleFunc("/auth/oauth/authorize", s.handleAuthorize)
	mux.HandleFunc("/auth/oauth/token", s.handleToken)
	mux.HandleFunc("/API/", s.handleAPI)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "No route for "+r.Method+" "+r.URL.Path+".")
	})
	s.handler = s.harness.Handler(s, mux)
	return s
}

// ServeHTTP serves the API, OAuth and the /_sandbox/ test API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// Harness exposes fault injection and counters to tests that set them directly.
func (s *Server) Harness() *testapi.Harness { return s.harness }

// apiError is an answer in the standard error envelope.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func unprocessable(format string, args ...any) error {
	return &apiError{status: http.StatusUnprocessableEntity, msg: fmt.Sprintf(format, args...)}
}

func notFound(entity string, id string) error {
	return &apiError{status: http.StatusNotFound, msg: fmt.Sprintf("Object of type '%s' not found with primary ID '%s'.", entity, id)}
}

// errorEnvelope is the standard R-Series error body; httpCode is a string on the wire.
func errorEnvelope(status int, msg string) map[string]string {
	class := "Exception"
	if status == http.StatusUnauthorized {
		class = "BadAuthenticationRequestError"
	}
	return map[string]string{"httpCode": strconv.Itoa(status), "httpMessage": http.StatusText(status), "message": msg, "errorClass": class}
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorEnvelope(status, msg))
}

// writeOAuthError answers in the auth server's shape, used for token errors and API 401s.
func writeOAuthError(w http.ResponseWriter, status int, code, description, hint string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description, "hint": hint})
}

// writeJSON writes v without HTML escaping, so next/previous URLs keep their plain "&".
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		buf.Reset()
		buf.WriteString(`{"httpCode":"500","httpMessage":"Internal Server Error","message":"response encoding failed","errorClass":"Exception"}` + "\n")
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// Endpoint names the route of r for the harness counters.
func (s *Server) Endpoint(r *http.Request) string {
	p := strings.TrimSuffix(r.URL.Path, ".json")
	segs := strings.Split(p, "/")
	// "", "API", "V3", "Account", acct, Entity, id, ...
	if len(segs) > 4 && segs[1] == "API" && segs[3] == "Account" {
		segs[4] = "{acct}"
		for i := 6; i < len(segs); i++ {
			if _, err := strconv.Atoi(segs[i]); err == nil {
				segs[i] = "{id}"
			}
		}
	}
	return r.Method + " " + strings.Join(segs, "/")
}

// WriteFault writes the body of an injected fault.
func (s *Server) WriteFault(w http.ResponseWriter, r *http.Request, status int, echo string) {
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("X-LS-API-RateLimit-Type", "api-leaky-bucket")
		writeError(w, status, "Rate limit exceeded: the request would overflow the leaky bucket.")
		return
	}
	msg := "The server had an error while processing the request."
	if status < 500 {
		msg = "Invalid request."
	}
	if echo != "" {
		msg += " (" + echo + ")"
	}
	writeError(w, status, msg)
}

// Entities names the record kinds PUT /_sandbox/corrupt accepts: every entity the API
// serves, by its API name ("Sale", "SaleLine", "Item", …).
func (s *Server) Entities() []string {
	names := make([]string, 0, len(s.defs))
	for name := range s.defs {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// ExpireTokens makes every issued access token expire now.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	for _, t := range s.auth.access {
		if t.expires.After(now) {
			t.expires = now
		}
	}
}

// RevokeTokens revokes every refresh token and expires every access token.
func (s *Server) RevokeTokens() {
	s.ExpireTokens()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.auth.refresh {
		t.revoked = true
	}
}

// mintRequest is the body of POST /_sandbox/tokens.
type mintRequest struct {
	ClientID  string `json:"client_id"`
	ExpiresIn int    `json:"expires_in"`
}

// MintTokens issues a token pair without the consent step, for tests.
func (s *Server) MintTokens(body []byte) (any, error) {
	var req mintRequest
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return nil, fmt.Errorf("token request must be {\"client_id\":\"…\",\"expires_in\":3600}: %w", err)
		}
	}
	if req.ClientID == "" {
		req.ClientID = s.opts.ClientID
	}
	if req.ExpiresIn < 0 {
		return nil, fmt.Errorf("expires_in must not be negative, got %d", req.ExpiresIn)
	}
	ttl := s.opts.TokenTTL
	if req.ExpiresIn > 0 {
		ttl = time.Duration(req.ExpiresIn) * time.Second
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueLocked(req.ClientID, "employee:all", ttl, ""), nil
}

// readBody reads a request body, capped so a runaway client cannot exhaust memory.
func readBody(r *http.Request) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r.Body, 8<<20))
}

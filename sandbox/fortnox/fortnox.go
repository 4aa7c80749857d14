// Package fortnox is a faithful in-memory simulator of the Fortnox REST API v3, its OAuth
// endpoints and the warehouse API, with the quirks integrations trip on (string numbers in
// lists, two error envelopes, single-use refresh tokens, the 25-per-5-s sliding limit).
package fortnox

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // lastmodified is Europe/Stockholm time, also on machines without zoneinfo

	"fortspeed/sandbox/testapi"
)

// Options configure a Server; zero values take the documented Fortnox defaults.
type Options struct {
	Clock        *testapi.Clock // nil → testapi.NewClock()
	ClientID     string         // default "fortspeed-demo"
	ClientSecret string         // default "fortspeed-demo-secret"
	TenantID     string         // default "1234567" (DatabaseNumber, JWT tenantId claim)
	Warehouse    bool           // warehouse module on (default false = stock writable on articles)
	RateLimit    int            // default 25 requests …
	RateWindow   time.Duration  // … per sliding 5 s window per tenant+client; the 26th → 429
	NoLimits     bool           // rate limit off (benchmarks)
	TokenTTL     time.Duration  // default 3600 s
	BaseURL      string         // used in @url fields; default "http://127.0.0.1:8081"
}

// Server is the simulator. It is an http.Handler serving the API and the /_sandbox/ routes.
type Server struct {
	opts     Options
	clock    *testapi.Clock
	harness  *testapi.Harness
	handler  http.Handler
	schemas  schemas
	tokens   *tokenStore
	limiter  rateLimiter
	location *time.Location

	routeTable []route

	mu       sync.RWMutex
	st       *state
	noLimits bool
}

// New returns a server with empty state.
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
	if opts.TenantID == "" {
		opts.TenantID = "1234567"
	}
	if opts.RateLimit <= 0 {
		opts.RateLimit = 25
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = 5 * time.Second
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.BaseURL == "" {
		opts.BaseURL = "http://127.0.0.1:8081"
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		loc = time.FixedZone("CET", 3600) // unreachable with time/tzdata linked in
	}
	s := &Server{
		opts:     opts,
		clock:    opts.Clock,
		harness:  testapi.NewHarness(opts.Clock),
		schemas:  newSchemas(),
		tokens:   newTokenStore(),
		limiter:  rateLimiter{hits: map[string][]time.Time{}},
		location: loc,
		noLimits: opts.NoLimits,
	}
	s.routeTable = s.routes()
	s.st = s.newState()
	s.handler = s.harness.Handler(s, http.HandlerFunc(s.serveAPI))
	return s
}

// Entities names the record kinds PUT /_sandbox/corrupt accepts, by the API's wrapper
// names; their ids are DocumentNumber, ArticleNumber and CustomerNumber.
func (s *Server) Entities() []string { return []string{"Article", "Customer", "Order"} }

// wire passes the rendering v of rec, as the API answers it, through the test API's
// corruptions.
func (s *Server) wire(entity string, rec record, v map[string]any) map[string]any {
	key := map[string]string{"Article": "ArticleNumber", "Customer": "CustomerNumber", "Order": "DocumentNumber"}[entity]
	return s.harness.Corrupt(entity, rec.str(key), v)
}

// ServeHTTP serves the whole API including /_sandbox/, wrapped by the test harness.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// route is one API operation. Patterns use the spec's path templates so the contract test
// can compare them with the OpenAPI document.
type route struct {
	method  string
	pattern string
	handle  func(s *Server, w http.ResponseWriter, r *http.Request, p []string)
	segs    []string
}

func (s *Server) routes() []route {
	rs := []route{
		{method: "GET", pattern: "/3/customers", handle: (*Server).listCustomers},
		{method: "POST", pattern: "/3/customers", handle: (*Server).createCustomer},
		{method: "GET", pattern: "/3/customers/{CustomerNumber}", handle: (*Server).getCustomer},
		{method: "PUT", pattern: "/3/customers/{CustomerNumber}", handle: (*Server).updateCustomer},
		{method: "DELETE", pattern: "/3/customers/{CustomerNumber}", handle: (*Server).deleteCustomer},
		{method: "GET", pattern: "/3/articles", handle: (*Server).listArticles},
		{method: "POST", pattern: "/3/articles", handle: (*Server).createArticle},
		{method: "GET", pattern: "/3/articles/{ArticleNumber}", handle: (*Server).getArticle},
		{method: "PUT", pattern: "/3/articles/{ArticleNumber}", handle: (*Server).updateArticle},
		{method: "DELETE", pattern: "/3/articles/{ArticleNumber}", handle: (*Server).deleteArticle},
		{method: "GET", pattern: "/3/orders", handle: (*Server).listOrders},
		{method: "POST", pattern: "/3/orders", handle: (*Server).createOrder},
		{method: "GET", pattern: "/3/orders/{DocumentNumber}", handle: (*Server).getOrder},
		{method: "PUT", pattern: "/3/orders/{DocumentNumber}", handle: (*Server).updateOrder},
		{method: "PUT", pattern: "/3/orders/{DocumentNumber}/cancel", handle: (*Server).cancelOrder},
		{method: "PUT", pattern: "/3/orders/{DocumentNumber}/createinvoice", handle: (*Server).createInvoice},
		{method: "GET", pattern: "/3/invoices/{DocumentNumber}", handle: (*Server).getInvoice},
		{method: "GET", pattern: "/3/invoicepayments", handle: (*Server).listInvoicePayments},
		{method: "POST", pattern: "/3/invoicepayments", handle: (*Server).createInvoicePayment},
		{method: "GET", pattern: "/3/invoicepayments/{Number}", handle: (*Server).getInvoicePayment},
		{method: "GET", pattern: "/3/prices", handle: (*Server).listPrices},
		{method: "POST", pattern: "/3/prices", handle: (*Server).createPrice},
		{method: "GET", pattern: "/3/prices/sublist/{PriceList}/{ArticleNumber}", handle: (*Server).sublistPrices},
		{method: "GET", pattern: "/3/prices/{PriceList}/{ArticleNumber}", handle: (*Server).getPrice},
		{method: "PUT", pattern: "/3/prices/{PriceList}/{ArticleNumber}", handle: (*Server).updatePrice},
		{method: "GET", pattern: "/3/prices/{PriceList}/{ArticleNumber}/{FromQuantity}", handle: (*Server).getPrice},
		{method: "PUT", pattern: "/3/prices/{PriceList}/{ArticleNumber}/{FromQuantity}", handle: (*Server).updatePrice},
		{method: "DELETE", pattern: "/3/prices/{PriceList}/{ArticleNumber}/{FromQuantity}", handle: (*Server).deletePrice},
		{method: "GET", pattern: "/3/companyinformation", handle: (*Server).getCompany},
		{method: "GET", pattern: "/api/warehouse/tenants-v4", handle: (*Server).getTenant},
		{method: "GET", pattern: "/api/warehouse/status-v1/stockbalance", handle: (*Server).getStockBalance},
		{method: "GET", pattern: "/api/warehouse/stockpoints-v1", handle: (*Server).listStockPoints},
		{method: "POST", pattern: "/api/warehouse/stockpoints-v1", handle: (*Server).createStockPoint},
		{method: "GET", pattern: "/api/warehouse/stockpoints-v1/{id}", handle: (*Server).getStockPoint},
		{method: "PUT", pattern: "/api/warehouse/stockpoints-v1/{id}", handle: (*Server).updateStockPoint},
		{method: "DELETE", pattern: "/api/warehouse/stockpoints-v1/{id}", handle: (*Server).deleteStockPoint},
	}
	for _, reg := range s.registers() {
		base := "/3/" + reg.path
		rs = append(rs,
			route{method: "GET", pattern: base, handle: func(s *Server, w http.ResponseWriter, r *http.Request, p []string) { s.listRegister(w, r, reg) }},
			route{method: "POST", pattern: base, handle: func(s *Server, w http.ResponseWriter, r *http.Request, p []string) { s.createRegister(w, r, reg) }},
			route{method: "GET", pattern: base + "/{Code}", handle: func(s *Server, w http.ResponseWriter, r *http.Request, p []string) { s.getRegister(w, reg, p[0]) }},
			route{method: "PUT", pattern: base + "/{Code}", handle: func(s *Server, w http.ResponseWriter, r *http.Request, p []string) { s.updateRegister(w, r, reg, p[0]) }},
		)
		if reg.deletable {
			rs = append(rs, route{method: "DELETE", pattern: base + "/{Code}", handle: func(s *Server, w http.ResponseWriter, r *http.Request, p []string) { s.deleteRegister(w, reg, p[0]) }})
		}
	}
	for i := range rs {
		rs[i].segs = splitPath(rs[i].pattern)
	}
	return rs
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match finds the route of an escaped path (the first listed wins, so literal segments such
// as "sublist" go before templates); pathKnown tells a wrong method from an unknown path.
// Parameters are unescaped after splitting, so an article number may contain "/" as %2F.
func (s *Server) match(method, path string) (rt *route, params []string, pathKnown bool) {
	segs := splitPath(path)
	for i := range s.routeTable {
		cand := &s.routeTable[i]
		if len(cand.segs) != len(segs) {
			continue
		}
		var ps []string
		ok := true
		for j, seg := range cand.segs {
			if strings.HasPrefix(seg, "{") {
				v, err := url.PathUnescape(segs[j])
				if err != nil {
					ok = false
					break
				}
				ps = append(ps, v)
				continue
			}
			if seg != segs[j] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		pathKnown = true
		if cand.method == method {
			return cand, ps, true
		}
	}
	return nil, nil, pathKnown
}

// Endpoint names the route of r for the counters, e.g. "GET /3/orders/{id}".
func (s *Server) Endpoint(r *http.Request) string {
	path := r.URL.Path
	switch strings.TrimRight(path, "/") {
	case "/oauth-v1/token", "/oauth-v1/auth":
		return r.Method + " " + strings.TrimRight(path, "/")
	}
	rt, _, _ := s.match(r.Method, r.URL.EscapedPath())
	if rt == nil {
		return r.Method + " " + path
	}
	segs := make([]string, len(rt.segs))
	for i, seg := range rt.segs {
		if strings.HasPrefix(seg, "{") {
			seg = "{id}"
		}
		segs[i] = seg
	}
	return r.Method + " /" + strings.Join(segs, "/")
}

// serveAPI dispatches OAuth, then authenticates, rate-limits and routes API calls.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	switch strings.TrimRight(r.URL.Path, "/") {
	case "/oauth-v1/auth":
		s.serveAuthorize(w, r)
		return
	case "/oauth-v1/token":
		if r.Method != http.MethodPost {
			writeOAuthError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
			return
		}
		s.serveToken(w, r)
		return
	}
	tok, ok := s.authenticate(r)
	if !ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"message":"unauthorized"}`))
		return
	}
	s.mu.RLock()
	limited := !s.noLimits
	s.mu.RUnlock()
	if limited {
		if wait, ok := s.limiter.allow(tok.tenant+"/"+tok.client, s.clock.Now(), s.opts.RateLimit, s.opts.RateWindow); !ok {
			s.writeTooMany(w, wait)
			return
		}
	}
	if scope := requiredScope(r.URL.Path); scope != "" && !tok.scopes[scope] {
		s.writeError(w, &apiError{status: http.StatusForbidden, code: codeMissingScope, message: "Har inte behörighet för scope (" + scope + ")."})
		return
	}
	rt, params, pathKnown := s.match(r.Method, r.URL.EscapedPath())
	if rt == nil {
		if pathKnown {
			s.writeError(w, &apiError{status: http.StatusMethodNotAllowed, code: codeBadParam, message: "Metoden " + r.Method + " stöds inte för " + r.URL.Path + "."})
			return
		}
		s.writeError(w, notFound(codeNotFound, "Ogiltig sökväg: "+r.URL.Path))
		return
	}
	rt.handle(s, w, r, params)
}

// WriteFault writes Fortnox's own answer for an injected status: the 429 body, the
// parameter-error envelope for other 4xx, the system-exception envelope for 500, and an
// HTML page for gateway errors (as during outages). echo is quoted as Fortnox quotes the
// parameters it rejects.
func (s *Server) WriteFault(w http.ResponseWriter, r *http.Request, status int, echo string) {
	quote := ""
	if echo != "" {
		quote = " (" + echo + ")"
	}
	switch {
	case status == http.StatusTooManyRequests:
		s.writeTooMany(w, s.opts.RateWindow)
	case status < 500:
		s.writeError(w, &apiError{status: status, code: codeBadParam, message: "Ogiltig parameter i anropet" + quote + "."})
	case status == http.StatusInternalServerError:
		s.writeError(w, &apiError{status: status, code: 1000003, message: "System exception" + quote})
	default:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		w.Write([]byte("<html><head><title>Fortnox</title></head><body><h1>Tjänsten är tillfälligt otillgänglig</h1>" +
			html.EscapeString(quote) + "</body></html>"))
	}
}

func writeJSONBytes(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// writeError uses the PascalCase envelope for 404 and 403 and the lowercase one otherwise,
// as observed.
func (s *Server) writeError(w http.ResponseWriter, e *apiError) {
	var body map[string]any
	if e.status == http.StatusNotFound || e.status == http.StatusForbidden {
		body = map[string]any{"ErrorInformation": map[string]any{"Error": 1, "Message": e.message, "Code": e.code}}
	} else {
		body = map[string]any{"ErrorInformation": map[string]any{"error": 1, "message": e.message, "code": e.code}}
	}
	writeJSONBytes(w, e.status, fortnoxJSON(body))
}

// writeSingle answers {"<Wrapper>":{…}}.
func (s *Server) writeSingle(w http.ResponseWriter, status int, wrapper string, v any) {
	writeJSONBytes(w, status, fortnoxJSON(map[string]any{wrapper: v}))
}

// writeCreated answers 201 with Fortnox's bare Location header.
func (s *Server) writeCreated(w http.ResponseWriter, resource, wrapper string, v any) {
	w.Header().Set("Location", resource)
	s.writeSingle(w, http.StatusCreated, wrapper, v)
}

package testapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// The demo OAuth client of both sandboxes (DESIGN.md, "The sandboxes").
const (
	DemoClientID     = "fortspeed-demo"
	DemoClientSecret = "fortspeed-demo-secret"
)

// Faults is what PUT /_sandbox/faults sets. Rates are probabilities per request (0..1).
type Faults struct {
	ErrorRate float64 `json:"error_rate"` // answer 5xx before the handler runs
	// ErrorStatus is the status error_rate answers (400-599); 0 picks 500, 502 or 503.
	ErrorStatus int `json:"error_status,omitempty"`
	// EchoQuery makes injected errors quote the request's path and query in the vendor's
	// message, as parameter errors and proxy pages do, so a test sees what a client keeps.
	EchoQuery     bool    `json:"echo_query,omitempty"`
	RateLimitRate float64 `json:"rate_limit_rate"` // answer 429 before the handler runs
	DropRate      float64 `json:"drop_rate"`       // run a write, commit it, then drop the connection
	LatencyMS     int     `json:"latency_ms"`      // added to every API request
	// LatencyOn limits latency_ms to one endpoint as the stats name it ("GET /3/customers"),
	// so a test can time out one step; empty: every request.
	LatencyOn    string `json:"latency_on,omitempty"`
	ExpireTokens bool   `json:"expire_tokens"` // expire every access token now (one-shot)
	// RevokeTokens revokes every refresh token and expires every access token (one-shot),
	// as a merchant removing the app does: the next refresh is invalid_grant.
	RevokeTokens bool `json:"revoke_tokens"`
}

// ResetRequest is the body of POST /_sandbox/reset.
type ResetRequest struct {
	// Seed is "demo" (the believable store), "empty", or "catalogue" (Articles articles of
	// which Families are variant families, generated from RandomSeed).
	Seed       string `json:"seed"`
	Articles   int    `json:"articles,omitempty"`
	Families   int    `json:"families,omitempty"`
	RandomSeed int64  `json:"random_seed,omitempty"`
	// Limits turns the vendor rate limits on or off (default on); benchmarks turn them off.
	Limits *bool `json:"limits,omitempty"`
}

// ClockRequest is the body of PUT /_sandbox/clock.
type ClockRequest struct {
	Scale          float64 `json:"scale,omitempty"`
	AdvanceSeconds float64 `json:"advance_seconds,omitempty"`
}

// StatsView is what GET /_sandbox/stats answers. Endpoint keys are "METHOD /route" with ids
// replaced by placeholders, so counts add up per endpoint, not per record.
type StatsView struct {
	Requests  map[string]int64 `json:"requests"`
	Throttled map[string]int64 `json:"throttled"`
	Statuses  map[string]int64 `json:"statuses"`
	Total     int64            `json:"total"`
	Total429  int64            `json:"total_429"`
	Faults    int64            `json:"faults_injected"`
	Dropped   int64            `json:"dropped"`
	// Cost is what a sandbox with a cost model charged the requests (Lightspeed: drips,
	// nested relations and load_relations included); 0 for the others.
	Cost float64 `json:"cost,omitempty"`
}

// Vendor is what a sandbox plugs into the harness.
type Vendor interface {
	// Endpoint names the route of r for the counters, e.g. "GET /3/orders/{id}".
	Endpoint(r *http.Request) string
	// WriteFault writes the vendor's own body for an injected status (429, 4xx or 5xx);
	// echo, when not empty, is the request line the vendor's message quotes.
	WriteFault(w http.ResponseWriter, r *http.Request, status int, echo string)
	Reset(ResetRequest) error
	State() any
	// MintTokens answers POST /_sandbox/tokens: a token pair without the consent step.
	MintTokens(body []byte) (any, error)
	ExpireTokens()
	RevokeTokens()
	// Entities names the record kinds PUT /_sandbox/corrupt accepts; the sandbox passes
	// each record it renders through Harness.Corrupt.
	Entities() []string
}

// Harness wraps a vendor's API with counters and faults and serves the /_sandbox/ routes.
type Harness struct {
	Clock *Clock

	mu        sync.Mutex
	faults    Faults
	rng       *rand.Rand
	requests  map[string]int64
	throttled map[string]int64
	statuses  map[string]int64
	total     int64
	total429  int64
	injected  int64
	dropped   int64
	cost      float64

	cmu         sync.Mutex // guards corruptions apart from mu: Corrupt runs inside the vendors' own locks
	corruptions []Corruption
}

// NewHarness returns a harness with no faults.
func NewHarness(clock *Clock) *Harness {
	if clock == nil {
		clock = NewClock()
	}
	h := &Harness{Clock: clock, rng: rand.New(rand.NewPCG(1, 2))}
	h.resetStats()
	return h
}

func (h *Harness) resetStats() {
	h.requests = map[string]int64{}
	h.throttled = map[string]int64{}
	h.statuses = map[string]int64{}
	h.total, h.total429, h.injected, h.dropped, h.cost = 0, 0, 0, 0, 0
}

// Charge adds what a request cost to the Cost counter.
func (h *Harness) Charge(cost float64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cost += cost
}

// SetFaults replaces the fault settings.
func (h *Harness) SetFaults(f Faults) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f.ExpireTokens = false
	f.RevokeTokens = false
	h.faults = f
}

// Faults returns the current fault settings.
func (h *Harness) Faults() Faults {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.faults
}

// Stats returns a copy of the counters.
func (h *Harness) Stats() StatsView {
	h.mu.Lock()
	defer h.mu.Unlock()
	cp := func(m map[string]int64) map[string]int64 {
		out := make(map[string]int64, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	return StatsView{Requests: cp(h.requests), Throttled: cp(h.throttled), Statuses: cp(h.statuses),
		Total: h.total, Total429: h.total429, Faults: h.injected, Dropped: h.dropped, Cost: h.cost}
}

// ResetStats zeroes the counters.
func (h *Harness) ResetStats() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.resetStats()
}

// record counts one answered request.
func (h *Harness) record(endpoint string, status int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests[endpoint]++
	h.statuses[fmt.Sprint(status)]++
	h.total++
	if status == http.StatusTooManyRequests {
		h.throttled[endpoint]++
		h.total429++
	}
}

// roll decides the faults of one request under the lock.
func (h *Harness) roll(endpoint string, write bool) (status int, echo, drop bool, latency time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := h.faults
	if f.LatencyOn == "" || f.LatencyOn == endpoint {
		latency = time.Duration(f.LatencyMS) * time.Millisecond
	}
	switch {
	case f.ErrorRate > 0 && h.rng.Float64() < f.ErrorRate:
		status = f.ErrorStatus
		if status == 0 {
			status = []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}[h.rng.IntN(3)]
		}
	case f.RateLimitRate > 0 && h.rng.Float64() < f.RateLimitRate:
		status = http.StatusTooManyRequests
	}
	if status != 0 {
		h.injected++
		return status, f.EchoQuery, false, latency
	}
	drop = write && f.DropRate > 0 && h.rng.Float64() < f.DropRate
	return 0, false, drop, latency
}

// Handler serves the /_sandbox/ routes and wraps every other request of api with counters
// and faults.
func (h *Harness) Handler(v Vendor, api http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /_sandbox/reset", func(w http.ResponseWriter, r *http.Request) {
		var req ResetRequest
		if !decodeBody(w, r, &req) {
			return
		}
		if req.Seed == "" {
			req.Seed = "demo"
		}
		if err := v.Reset(req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		h.ResetStats()
		h.SetFaults(Faults{})
		h.ClearCorruptions()
		writeJSON(w, http.StatusOK, map[string]string{"seed": req.Seed})
	})
	mux.HandleFunc("GET /_sandbox/state", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, v.State())
	})
	mux.HandleFunc("GET /_sandbox/stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, h.Stats())
	})
	mux.HandleFunc("DELETE /_sandbox/stats", func(w http.ResponseWriter, r *http.Request) {
		h.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, h.Faults())
	})
	mux.HandleFunc("PUT /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Faults
		if !decodeBody(w, r, &f) {
			return
		}
		for name, p := range map[string]float64{"error_rate": f.ErrorRate, "rate_limit_rate": f.RateLimitRate, "drop_rate": f.DropRate} {
			if p < 0 || p > 1 {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": name + " must be between 0 and 1"})
				return
			}
		}
		if f.ErrorStatus != 0 && (f.ErrorStatus < 400 || f.ErrorStatus > 599) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "error_status must be 400-599"})
			return
		}
		if f.LatencyMS < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "latency_ms must not be negative"})
			return
		}
		if f.ExpireTokens {
			v.ExpireTokens()
		}
		if f.RevokeTokens {
			v.RevokeTokens()
		}
		h.SetFaults(f)
		writeJSON(w, http.StatusOK, h.Faults())
	})
	mux.HandleFunc("PUT /_sandbox/clock", func(w http.ResponseWriter, r *http.Request) {
		var c ClockRequest
		if !decodeBody(w, r, &c) {
			return
		}
		if c.Scale < 0 || c.AdvanceSeconds < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "scale and advance_seconds must not be negative"})
			return
		}
		if c.Scale > 0 {
			h.Clock.SetScale(c.Scale)
		}
		h.Clock.Advance(time.Duration(c.AdvanceSeconds * float64(time.Second)))
		writeJSON(w, http.StatusOK, map[string]any{"now": h.Clock.Now().UTC().Format(time.RFC3339Nano), "scale": h.Clock.Scale()})
	})
	mux.HandleFunc("GET /_sandbox/corrupt", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, h.corruptionsView())
	})
	mux.HandleFunc("PUT /_sandbox/corrupt", func(w http.ResponseWriter, r *http.Request) {
		var c Corruption
		if !decodeBody(w, r, &c) {
			return
		}
		if err := c.check(v.Entities()); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		h.SetCorruption(c)
		writeJSON(w, http.StatusOK, h.corruptionsView())
	})
	mux.HandleFunc("DELETE /_sandbox/corrupt", func(w http.ResponseWriter, r *http.Request) {
		h.ClearCorruptions()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_sandbox/tokens", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		out, err := v.MintTokens(body)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.Handle("/_sandbox/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no test API route " + r.Method + " " + r.URL.Path})
	}))
	mux.Handle("/", h.wrap(v, api))
	return mux
}

func (h *Harness) wrap(v Vendor, api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Date is the vendor's clock, which stamps its records: a client that takes a
		// listing's time from it must see the clock the sandbox's timeStamps come from.
		w.Header().Set("Date", h.Clock.Now().UTC().Format(http.TimeFormat))
		endpoint := v.Endpoint(r)
		write := r.Method != http.MethodGet && r.Method != http.MethodHead
		status, echo, drop, latency := h.roll(endpoint, write)
		if latency > 0 {
			time.Sleep(latency)
		}
		if status != 0 {
			quoted := ""
			if echo {
				quoted = r.Method + " " + r.URL.RequestURI()
			}
			v.WriteFault(w, r, status, quoted)
			h.record(endpoint, status)
			return
		}
		if !drop {
			// Count before the answer leaves, so a client that reads the stats right after
			// its response sees its own request.
			rec := &statusRecorder{ResponseWriter: w, record: func(status int) { h.record(endpoint, status) }}
			api.ServeHTTP(rec, r)
			rec.settle(http.StatusOK)
			return
		}
		// Commit the write, then close the connection without an answer: the client cannot
		// tell whether it happened, which is what idempotency keys are for.
		buf := &bufferedWriter{header: http.Header{}, status: http.StatusOK}
		api.ServeHTTP(buf, r)
		h.record(endpoint, buf.status)
		if buf.status >= 300 {
			buf.flushTo(w)
			return
		}
		h.mu.Lock()
		h.dropped++
		h.mu.Unlock()
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	record func(status int)
	wrote  bool
}

// settle records status once, on the first header or body write.
func (s *statusRecorder) settle(status int) {
	if !s.wrote {
		s.wrote = true
		s.record(status)
	}
}

func (s *statusRecorder) WriteHeader(code int) {
	s.settle(code)
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.settle(http.StatusOK)
	return s.ResponseWriter.Write(b)
}

type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) WriteHeader(code int)        { b.status = code }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.body.Write(p) }

func (b *bufferedWriter) flushTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	w.WriteHeader(b.status)
	w.Write(b.body.Bytes())
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "read body: " + err.Error()})
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return true
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad JSON body: " + err.Error()})
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

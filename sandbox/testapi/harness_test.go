package testapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeVendor counts writes so a test can see that a dropped response still committed.
type fakeVendor struct {
	writes  atomic.Int32
	expired atomic.Bool
	reset   ResetRequest
}

func (f *fakeVendor) Endpoint(r *http.Request) string { return r.Method + " /things" }
func (f *fakeVendor) WriteFault(w http.ResponseWriter, r *http.Request, status int, _ string) {
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"fault":%d}`, status)
}
func (f *fakeVendor) Reset(req ResetRequest) error {
	if req.Seed == "bad" {
		return fmt.Errorf("unknown seed %q", req.Seed)
	}
	f.reset = req
	return nil
}
func (f *fakeVendor) State() any { return map[string]int32{"writes": f.writes.Load()} }
func (f *fakeVendor) MintTokens(body []byte) (any, error) {
	return map[string]string{"access_token": "t"}, nil
}
func (f *fakeVendor) ExpireTokens()      { f.expired.Store(true) }
func (f *fakeVendor) RevokeTokens()      { f.expired.Store(true) }
func (f *fakeVendor) Entities() []string { return []string{"Thing"} }

func newHarnessServer(t *testing.T) (*fakeVendor, *Harness, *httptest.Server) {
	v := &fakeVendor{}
	h := NewHarness(nil)
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			v.writes.Add(1)
			w.WriteHeader(http.StatusCreated)
		}
		io.WriteString(w, `{"ok":true}`)
	})
	srv := httptest.NewServer(h.Handler(v, api))
	t.Cleanup(srv.Close)
	return v, h, srv
}

func do(t *testing.T, method, url, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestFaultsAreInjectedAndCounted(t *testing.T) {
	_, _, srv := newHarnessServer(t)
	if resp, body := do(t, http.MethodPut, srv.URL+"/_sandbox/faults", `{"error_rate":1}`); resp.StatusCode != 200 {
		t.Fatalf("set faults: %d %s", resp.StatusCode, body)
	}
	resp, _ := do(t, http.MethodGet, srv.URL+"/things", "")
	if resp.StatusCode < 500 {
		t.Fatalf("error_rate 1 must answer 5xx, got %d", resp.StatusCode)
	}
	do(t, http.MethodPut, srv.URL+"/_sandbox/faults", `{"rate_limit_rate":1}`)
	resp, body := do(t, http.MethodGet, srv.URL+"/things", "")
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "429") {
		t.Fatalf("rate_limit_rate 1 must answer the vendor's 429, got %d %s", resp.StatusCode, body)
	}
	_, body = do(t, http.MethodGet, srv.URL+"/_sandbox/stats", "")
	var st StatsView
	json.Unmarshal([]byte(body), &st)
	if st.Total != 2 || st.Total429 != 1 || st.Faults != 2 || st.Requests["GET /things"] != 2 || st.Throttled["GET /things"] != 1 {
		t.Fatalf("stats do not add up: %+v", st)
	}
}

func TestDroppedWriteIsCommitted(t *testing.T) {
	v, _, srv := newHarnessServer(t)
	do(t, http.MethodPut, srv.URL+"/_sandbox/faults", `{"drop_rate":1}`)
	if resp, errText := do(t, http.MethodPost, srv.URL+"/things", `{}`); resp != nil {
		t.Fatalf("a dropped write must not be answered, got %d", resp.StatusCode)
	} else if errText == "" {
		t.Fatal("want a transport error")
	}
	if v.writes.Load() != 1 {
		t.Fatalf("the write must be committed before the drop, writes=%d", v.writes.Load())
	}
	if resp, _ := do(t, http.MethodGet, srv.URL+"/things", ""); resp == nil || resp.StatusCode != 200 {
		t.Fatal("reads are never dropped")
	}
}

func TestBadTestAPIInputIsRefusedClearly(t *testing.T) {
	v, _, srv := newHarnessServer(t)
	cases := []struct{ method, path, body, want string }{
		{http.MethodPut, "/_sandbox/faults", `{"error_rate":2}`, "error_rate must be between 0 and 1"},
		{http.MethodPut, "/_sandbox/faults", `{"latency_ms":-1}`, "latency_ms must not be negative"},
		{http.MethodPut, "/_sandbox/faults", `{"eror_rate":0.1}`, "unknown field"},
		{http.MethodPut, "/_sandbox/clock", `{"scale":-1}`, "must not be negative"},
		{http.MethodPost, "/_sandbox/reset", `{"seed":"bad"}`, "unknown seed"},
		{http.MethodGet, "/_sandbox/nope", ``, "no test API route"},
	}
	for _, c := range cases {
		resp, body := do(t, c.method, srv.URL+c.path, c.body)
		if resp.StatusCode < 400 || !strings.Contains(body, c.want) {
			t.Errorf("%s %s %s: want an error with %q, got %d %s", c.method, c.path, c.body, c.want, resp.StatusCode, body)
		}
	}
	do(t, http.MethodPut, srv.URL+"/_sandbox/faults", `{"expire_tokens":true}`)
	if !v.expired.Load() {
		t.Fatal("expire_tokens must reach the vendor")
	}
	if resp, _ := do(t, http.MethodPost, srv.URL+"/_sandbox/reset", `{"seed":"catalogue","articles":10}`); resp.StatusCode != 200 || v.reset.Articles != 10 {
		t.Fatalf("reset must pass its request on: %+v", v.reset)
	}
}

func TestClockScalesAndAdvances(t *testing.T) {
	c := NewClock()
	real := time.Unix(1000, 0)
	c.now = func() time.Time { return real }
	c.anchor, c.virt = real, real
	c.SetScale(60)
	real = real.Add(time.Second)
	if got := c.Now().Sub(time.Unix(1000, 0)); got != time.Minute {
		t.Fatalf("scale 60: one real second must be a virtual minute, got %s", got)
	}
	c.Advance(time.Hour)
	if got := c.Now().Sub(time.Unix(1000, 0)); got != time.Hour+time.Minute {
		t.Fatalf("advance: got %s", got)
	}
	if d := c.RealDuration(time.Minute); d != time.Second {
		t.Fatalf("a virtual minute at scale 60 takes a real second, got %s", d)
	}
	c.SetScale(0)
	if c.Scale() != 1 {
		t.Fatal("scale 0 falls back to real time")
	}
}

func TestRemoteCallsTheTestAPI(t *testing.T) {
	_, _, srv := newHarnessServer(t)
	r := Remote{URL: srv.URL}
	var f Faults
	if err := r.Call(http.MethodPut, "/_sandbox/faults", Faults{LatencyMS: 1}, &f); err != nil || f.LatencyMS != 1 {
		t.Fatalf("set faults through Remote: %+v, %v", f, err)
	}
	err := r.Call(http.MethodPut, "/_sandbox/faults", map[string]float64{"error_rate": 3}, nil)
	if err == nil || !strings.Contains(err.Error(), "HTTP 400") || !strings.Contains(err.Error(), "error_rate must be between 0 and 1") {
		t.Fatalf("a refused call must quote the answer, got %v", err)
	}
}

func TestDateHeaderFollowsTheVirtualClock(t *testing.T) {
	_, h, srv := newHarnessServer(t)
	h.Clock.Advance(48 * time.Hour)
	resp, _ := do(t, http.MethodGet, srv.URL+"/things", "")
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		t.Fatalf("Date %q: %v", resp.Header.Get("Date"), err)
	}
	if d := time.Until(date); d < 47*time.Hour || d > 49*time.Hour {
		t.Fatalf("Date must be the sandbox's clock, two days ahead; it is %s ahead", d)
	}
}

package fortnox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"fortspeed/sandbox/testapi"
)

// sandbox is a running simulator plus a bearer token, spoken to over plain HTTP.
type sandbox struct {
	t     testing.TB
	fx    *Server
	clock *testapi.Clock
	srv   *httptest.Server
	token string
}

func start(t *testing.T, opts Options, seed string) *sandbox {
	t.Helper()
	if opts.Clock == nil {
		opts.Clock = testapi.NewClock()
	}
	fx := New(opts)
	srv := httptest.NewServer(fx)
	t.Cleanup(srv.Close)
	sb := &sandbox{t: t, fx: fx, clock: opts.Clock, srv: srv}
	if seed != "" {
		status, _, body := sb.raw("POST", "/_sandbox/reset", "", `{"seed":"`+seed+`"}`)
		if status != 200 {
			t.Fatalf("reset %s: %d %s", seed, status, body)
		}
	}
	sb.token = sb.mint(`{}`)
	return sb
}

func (sb *sandbox) mint(body string) string {
	sb.t.Helper()
	status, _, out := sb.raw("POST", "/_sandbox/tokens", "", body)
	if status != 200 {
		sb.t.Fatalf("mint tokens: %d %s", status, out)
	}
	var tok map[string]any
	if err := json.Unmarshal(out, &tok); err != nil {
		sb.t.Fatalf("mint tokens: %v", err)
	}
	return tok["access_token"].(string)
}

// raw sends a request with an optional bearer token.
func (sb *sandbox) raw(method, path, token, body string) (int, http.Header, []byte) {
	sb.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, sb.srv.URL+path, rd)
	if err != nil {
		sb.t.Fatalf("new request: %v", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := sb.srv.Client().Do(req)
	if err != nil {
		sb.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		sb.t.Fatalf("read %s %s: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, out
}

// call is an authenticated API call.
func (sb *sandbox) call(method, path, body string) (int, http.Header, []byte) {
	sb.t.Helper()
	return sb.raw(method, path, sb.token, body)
}

// json calls and decodes the answer (numbers kept as json.Number), failing on another status.
func (sb *sandbox) json(method, path, body string, want int) map[string]any {
	sb.t.Helper()
	status, _, out := sb.call(method, path, body)
	if status != want {
		sb.t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, out)
	}
	return decode(sb.t, out)
}

func decode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func list(v any) []any         { l, _ := v.([]any); return l }

// form posts application/x-www-form-urlencoded with Basic auth.
func (sb *sandbox) form(path, user, pass string, vals url.Values, headers map[string]string) (int, http.Header, []byte) {
	sb.t.Helper()
	req, err := http.NewRequest("POST", sb.srv.URL+path, strings.NewReader(vals.Encode()))
	if err != nil {
		sb.t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := sb.srv.Client().Do(req)
	if err != nil {
		sb.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, out
}

// errorCode reads the lowercase (400) or PascalCase (404) envelope.
func errorCode(t testing.TB, b []byte) (code json.Number, pascal bool) {
	t.Helper()
	info := obj(decode(t, b)["ErrorInformation"])
	if info == nil {
		t.Fatalf("no ErrorInformation in %s", b)
	}
	if c, ok := info["Code"]; ok {
		return c.(json.Number), true
	}
	return info["code"].(json.Number), false
}

// wantError asserts status, envelope casing and code.
func (sb *sandbox) wantError(method, path, body string, status int, code string) []byte {
	sb.t.Helper()
	got, _, out := sb.call(method, path, body)
	if got != status {
		sb.t.Fatalf("%s %s %s: status %d, want %d: %s", method, path, body, got, status, out)
	}
	c, pascal := errorCode(sb.t, out)
	if c.String() != code {
		sb.t.Fatalf("%s %s %s: code %s, want %s: %s", method, path, body, c, code, out)
	}
	if pascal != (status == 404) {
		sb.t.Fatalf("%s %s: envelope casing wrong for %d: %s", method, path, status, out)
	}
	return out
}

func resetDemo() testapi.ResetRequest { return testapi.ResetRequest{Seed: "demo"} }

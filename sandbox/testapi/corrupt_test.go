package testapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// corruptServer renders two records through Harness.Corrupt the way a sandbox does: thing 1
// with one line (a lone object, the Lightspeed quirk) and thing 2 with two lines.
func corruptServer(t *testing.T) (*Harness, Remote, map[string]any) {
	stored := map[string]any{"id": "1", "total": "5", "lines": map[string]any{"line": map[string]any{"price": "5"}}}
	h := NewHarness(nil)
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		two := map[string]any{"id": "2", "lines": map[string]any{"line": []any{
			map[string]any{"price": "1"}, map[string]any{"price": "2"}}}}
		writeJSON(w, http.StatusOK, []any{h.Corrupt("Thing", "1", stored), h.Corrupt("Thing", "2", two)})
	})
	srv := httptest.NewServer(h.Handler(&fakeVendor{}, api))
	t.Cleanup(srv.Close)
	return h, Remote{URL: srv.URL}, stored
}

func getThings(t *testing.T, r Remote) string {
	t.Helper()
	var out json.RawMessage
	if err := r.Call(http.MethodGet, "/things", nil, &out); err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestCorruptionChangesEveryAnswerUntilCleared(t *testing.T) {
	h, r, stored := corruptServer(t)
	const clean = `[{"id":"1","lines":{"line":{"price":"5"}},"total":"5"},{"id":"2","lines":{"line":[{"price":"1"},{"price":"2"}]}}]`
	if got := getThings(t, r); got != clean {
		t.Fatalf("without corruptions: %s", got)
	}
	for _, c := range []struct {
		id, path string
		value    any
	}{
		{"1", "lines.line.0.price", "N/A"},     // index 0 of a lone object is the object
		{"2", "lines.line.1.price", "N/A"},     // a real array index
		{"1", "total", map[string]any{"x": 1}}, // any JSON
		{"1", "extra", nil},                    // a missing last key is added, null is a value
		{"2", "nowhere.at.all", 1},             // a path that leads nowhere changes nothing
	} {
		if err := r.Corrupt("Thing", c.id, c.path, c.value); err != nil {
			t.Fatal(err)
		}
	}
	const want = `[{"extra":null,"id":"1","lines":{"line":{"price":"N/A"}},"total":{"x":1}},{"id":"2","lines":{"line":[{"price":"1"},{"price":"N/A"}]}}]`
	for range 2 {
		if got := getThings(t, r); got != want {
			t.Fatalf("corrupted:\n got %s\nwant %s", got, want)
		}
	}
	if stored["total"] != "5" || stored["lines"].(map[string]any)["line"].(map[string]any)["price"] != "5" {
		t.Fatalf("the stored record must not change: %v", stored)
	}
	var listed []Corruption
	if err := r.Call(http.MethodGet, "/_sandbox/corrupt", nil, &listed); err != nil {
		t.Fatal(err)
	}
	applied := map[string]int64{}
	for _, c := range listed {
		applied[c.ID+" "+c.Path] = c.Applied
	}
	if applied["1 total"] != 2 || applied["2 lines.line.1.price"] != 2 || applied["2 nowhere.at.all"] != 0 {
		t.Fatalf("applied counts: %v", applied)
	}
	// The same entity, id and path replaces the earlier value.
	if err := r.Corrupt("Thing", "1", "total", "7"); err != nil {
		t.Fatal(err)
	}
	if got := getThings(t, r); !strings.Contains(got, `"total":"7"`) || len(h.Corruptions()) != 5 {
		t.Fatalf("replace: %s, %d corruptions", got, len(h.Corruptions()))
	}
	if err := r.ClearCorruptions(); err != nil {
		t.Fatal(err)
	}
	if got := getThings(t, r); got != clean {
		t.Fatalf("after DELETE /_sandbox/corrupt: %s", got)
	}
	r.Corrupt("Thing", "1", "total", "8")
	if err := r.Call(http.MethodPost, "/_sandbox/reset", map[string]string{"seed": "demo"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := getThings(t, r); got != clean {
		t.Fatalf("after a reset: %s", got)
	}
}

func TestBadCorruptionsAreRefused(t *testing.T) {
	_, r, _ := corruptServer(t)
	for body, want := range map[string]string{
		`{"entity":"Thing","id":"1","path":"total"}`:                    "value is missing",
		`{"entity":"Thing","id":"1","value":1}`:                         "needs entity, id, path and value",
		`{"entity":"Things","id":"1","path":"total","value":1}`:         "cannot be corrupted here; use one of Thing",
		`{"entity":"Thing","id":"1","path":"lines..price","value":1}`:   "empty step",
		`{"entity":"Thing","id":"1","path":"total","value":1,"x":true}`: "unknown field",
	} {
		var raw json.RawMessage = []byte(body)
		err := r.Call(http.MethodPut, "/_sandbox/corrupt", raw, nil)
		if err == nil || !strings.Contains(err.Error(), "HTTP 400") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want a 400 naming %q, got %v", body, want, err)
		}
	}
}

package testapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Remote drives a running sandbox's /_sandbox/ test API over HTTP, for the tests and
// benchmarks of the code that talks to the sandboxes.
type Remote struct {
	URL string // the sandbox's base URL
}

// Call sends body as JSON to path and decodes the answer into out (when not nil); an
// answer of 300 or more is an error that quotes it.
func (r Remote) Call(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: encode body: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.URL+path, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode %s: %w", method, path, b, err)
		}
	}
	return nil
}

// Corrupt makes every answer that renders the record entity/id carry value (any JSON-able
// Go value, nil for null) at path, until ClearCorruptions or a reset; see Corruption.
func (r Remote) Corrupt(entity, id, path string, value any) error {
	raw, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("corrupt %s %s: encode value: %w", entity, id, err)
	}
	return r.Call(http.MethodPut, "/_sandbox/corrupt", Corruption{Entity: entity, ID: id, Path: path, Value: raw}, nil)
}

// ClearCorruptions removes every corruption.
func (r Remote) ClearCorruptions() error {
	return r.Call(http.MethodDelete, "/_sandbox/corrupt", nil, nil)
}

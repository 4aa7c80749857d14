package lightspeed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"fortspeed/clients"
)

// errorEnvelope covers both error bodies: the API's {"httpCode":"400","httpMessage":…,
// "message":…,"errorClass":…} and the auth server's {"error","error_description","hint"}.
type errorEnvelope struct {
	HTTPCode         Int    `json:"httpCode"`
	HTTPMessage      string `json:"httpMessage"`
	Message          string `json:"message"`
	ErrorClass       string `json:"errorClass"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	Hint             string `json:"hint"`
}

func (e errorEnvelope) code() string {
	if e.ErrorClass != "" {
		return e.ErrorClass
	}
	return e.Error
}

func (e errorEnvelope) message() string {
	var parts []string
	for _, p := range []string{e.Message, e.ErrorDescription, e.Hint} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 && e.HTTPMessage != "" {
		parts = append(parts, e.HTTPMessage)
	}
	return strings.Join(parts, " — ")
}

// duplicateMessage recognises a 422 for a barcode or number already in use.
var duplicateMessage = regexp.MustCompile(`(?i)duplicate|already (exists|in use|used)|must be unique`)

// statusError turns a non-2xx answer into a typed error.
func (c *Client) statusError(op string, resp *resty.Response, cost float64) error {
	status := resp.StatusCode()
	body := resp.Body()
	e := &clients.Error{Vendor: vendor, Op: op, Status: status}
	var env errorEnvelope
	if looksLikeJSON(body) && json.Unmarshal(body, &env) == nil {
		e.Code, e.Message = env.code(), env.message()
	} else if len(bytes.TrimSpace(body)) > 0 {
		e.Message = "the error answer is not JSON (" + contentType(resp.Header()) + "): " + snippet(body)
	} else {
		e.Message = http.StatusText(status)
	}
	e.Message = clients.Scrub(e.Message, clients.RequestURL(resp.RawResponse))
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = clients.RateLimited
		e.RetryAfter = retryAfter(resp.Header(), c.pacer, cost)
		if t := resp.Header().Get("X-LS-API-RateLimit-Type"); t != "" {
			e.Code = t
		}
	case status == http.StatusUnauthorized:
		e.Kind = clients.Unauthorized
	case status == http.StatusForbidden:
		// A valid token without the scope: only a new authorization with more scopes helps.
		e.Kind = clients.InvalidGrant
		e.Message = "the token lacks a scope for this request; re-authorize: " + e.Message
	case status == http.StatusNotFound:
		e.Kind = clients.NotFound
	case status == http.StatusConflict:
		e.Kind = clients.Conflict
	case status == http.StatusUnprocessableEntity && duplicateMessage.MatchString(e.Message):
		e.Kind = clients.Conflict
	case status >= 500:
		e.Kind = clients.Transient
	default:
		e.Kind = clients.Validation
	}
	return e
}

// retryAfter reads Retry-After (seconds or an HTTP date); without it a burst 429 waits a
// second and a bucket 429 waits until the pacer expects room.
func retryAfter(h http.Header, p *pacer, cost float64) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
		return time.Second
	}
	if strings.Contains(h.Get("X-LS-API-RateLimit-Type"), "burst") {
		return time.Second
	}
	return p.bucketRetry(cost)
}

// decodeError reports a 2xx body that does not have the expected shape.
func (c *Client) decodeError(op string, err error) error {
	// Valid JSON with a value of the wrong kind ("unitPrice":"N/A") is data, not a fault:
	// every attempt reads the same, so it is Validation (needs_fix), named by the field.
	var bad *json.UnmarshalTypeError
	if errors.As(err, &bad) {
		return &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op, Status: http.StatusOK,
			Message: clients.DecodeReason(err), Err: err}
	}
	return &clients.Error{Kind: clients.Transient, Vendor: vendor, Op: op, Status: http.StatusOK,
		Message: "malformed answer", Err: err}
}

func looksLikeJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

func contentType(h http.Header) string {
	if ct := h.Get("Content-Type"); ct != "" {
		return ct
	}
	return "no content type"
}

// snippet shortens a non-JSON body (an HTML outage page) for an error message; an HTML
// page is reduced to its title when it has one.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.Index(strings.ToLower(s), "<title>"); i >= 0 {
		rest := s[i+len("<title>"):]
		if j := strings.Index(strings.ToLower(rest), "</title>"); j >= 0 {
			return "HTML page titled " + strconv.Quote(strings.TrimSpace(rest[:j]))
		}
	}
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return strconv.Quote(s)
}

// envelope is a list or single-record answer: "@attributes" plus the entity key, which is
// missing, "" or null when nothing matched.
func splitEnvelope(body []byte, key string) (json.RawMessage, string, error) {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, "", fmt.Errorf("answer is not a JSON object: %w", err)
	}
	var next string
	if raw, ok := env["@attributes"]; ok && !isEmptyJSON(raw) {
		var attrs struct {
			Next string `json:"next"`
		}
		if err := json.Unmarshal(raw, &attrs); err != nil {
			return nil, "", fmt.Errorf("@attributes: %w", err)
		}
		next = attrs.Next
	}
	return env[key], next, nil
}

// decodeList decodes the entity key of a list page (one-or-many) and the next-page URL.
func decodeList[T any](body []byte, key string) ([]T, string, error) {
	raw, next, err := splitEnvelope(body, key)
	if err != nil {
		return nil, "", err
	}
	var items OneOrMany[T]
	if raw != nil {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, "", fmt.Errorf("%s: %w", key, err)
		}
	}
	return items, next, nil
}

// decodeOne decodes the single record of a GET/POST/PUT answer.
func decodeOne[T any](body []byte, key string) (T, error) {
	var zero T
	items, _, err := decodeList[T](body, key)
	if err != nil {
		return zero, err
	}
	if len(items) != 1 {
		return zero, fmt.Errorf("expected one %s in the answer, found %d", key, len(items))
	}
	return items[0], nil
}

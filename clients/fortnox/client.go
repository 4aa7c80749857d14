// Package fortnox is the Fortnox API v3 client: the only code that speaks HTTP to Fortnox.
// It paces requests under the tenant's sliding-window limit, pages lists, decodes Fortnox's
// inconsistent JSON tolerantly and turns every failure into a *clients.Error.
package fortnox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // lastmodified is Stockholm time, also where no zoneinfo is installed

	"github.com/go-resty/resty/v2"
	"go.uber.org/zap"

	"fortspeed/clients"
)

const vendor = "fortnox"

// Hook and HookFuncs are the shared metrics hook of both vendor clients.
type (
	Hook      = clients.Hook
	HookFuncs = clients.HookFuncs
)

// Config configures a Client.
type Config struct {
	BaseURL    string              // default https://api.fortnox.se
	Tokens     clients.TokenSource // required
	TenantKey  string              // names the tenant in logs
	RateLimit  int                 // requests per RateWindow; default 24
	RateWindow time.Duration       // default 5 s
	// Pacer, when set, is shared with other Clients of the same tenant and overrides
	// RateLimit/RateWindow.
	Pacer      *Pacer
	Logger     *zap.Logger // nil → no logging
	Hook       Hook        // nil → none
	HTTPClient *http.Client
	Timeout    time.Duration // per request; default 30 s
}

// Client talks to one Fortnox tenant.
type Client struct {
	rc      *resty.Client
	tokens  clients.TokenSource
	pacer   *Pacer
	log     *zap.Logger
	hook    Hook
	window  time.Duration
	loc     *time.Location
	timeout time.Duration // per HTTP exchange, not counting the pacer's wait
}

// New checks cfg and builds a Client.
func New(cfg Config) (*Client, error) {
	if cfg.Tokens == nil {
		return nil, errors.New("fortnox client: Config.Tokens is required")
	}
	base := cfg.BaseURL
	if base == "" {
		base = "https://api.fortnox.se"
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("fortnox client: BaseURL %q is not an http(s) URL", base)
	}
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return nil, fmt.Errorf("fortnox client: load Stockholm time zone: %w", err)
	}
	pacer := cfg.Pacer
	if pacer == nil {
		pacer = NewPacer(cfg.RateLimit, cfg.RateWindow)
	}
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	if cfg.TenantKey != "" {
		log = log.With(zap.String("tenant", cfg.TenantKey))
	}
	// resty adjusts the http.Client it is given; work on a copy so a shared one is untouched.
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		cp := *cfg.HTTPClient
		hc = &cp
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	rc := resty.NewWithClient(hc).
		SetBaseURL(strings.TrimRight(base, "/")).
		SetRetryCount(0).
		SetLogger(silentLogger{}).
		SetHeader("Accept", "application/json")
	return &Client{rc: rc, tokens: cfg.Tokens, pacer: pacer, log: log.Named("fortnox"),
		hook: cfg.Hook, window: pacer.Window(), loc: loc, timeout: timeout}, nil
}

// silentLogger keeps resty from writing to stderr; the client logs through zap itself.
type silentLogger struct{}

func (silentLogger) Errorf(string, ...any) {}
func (silentLogger) Warnf(string, ...any)  {}
func (silentLogger) Debugf(string, ...any) {}

// call describes one request. endpoint is the route template used for logs and the hook
// (ids never appear there).
type call struct {
	op       string
	method   string
	endpoint string
	path     string
	query    url.Values
	body     any
}

// do sends c, refreshing the token once on a 401, and decodes a 2xx body into out (if not
// nil).
func (cl *Client) do(ctx context.Context, c call, out any) error {
	resp, err := cl.exchange(ctx, c)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	return decodeBody(c.op, resp, out)
}

// exchange sends c like do and returns the 2xx answer whole, for callers that read its
// headers or decode it their own way.
func (cl *Client) exchange(ctx context.Context, c call) (*resty.Response, error) {
	var payload []byte
	if c.body != nil {
		b, err := json.Marshal(c.body)
		if err != nil {
			return nil, &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: c.op, Message: "encode request", Err: err}
		}
		payload = b
	}
	tok, err := cl.tokens.Token(ctx)
	if err != nil {
		return nil, tokenErr(c.op, err)
	}
	resp, err := cl.send(ctx, c, tok, payload)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode() == http.StatusUnauthorized {
		tok, err = cl.tokens.Refresh(ctx, tok)
		if err != nil {
			return nil, tokenErr(c.op, err)
		}
		if resp, err = cl.send(ctx, c, tok, payload); err != nil {
			return nil, err
		}
	}
	if resp.StatusCode() >= 300 {
		err := cl.statusErr(c.op, resp)
		clients.ReportRefusal(ctx, cl.tokens, tok, err)
		return nil, err
	}
	return resp, nil
}

// tokenErr keeps a token source's *clients.Error (naming the vendor if the source did not)
// and wraps anything else.
func tokenErr(op string, err error) error {
	var ce *clients.Error
	if errors.As(err, &ce) {
		if ce.Vendor != "" {
			return err
		}
		cp := *ce
		cp.Vendor, cp.Op = vendor, op+": "+ce.Op
		return &cp
	}
	return &clients.Error{Kind: clients.Unauthorized, Vendor: vendor, Op: op, Message: "no access token", Err: err}
}

// send paces and performs one HTTP exchange. Failures without an answer become Transient.
func (cl *Client) send(ctx context.Context, c call, tok string, payload []byte) (*resty.Response, error) {
	waited, release, err := cl.pacer.Acquire(ctx)
	if waited > time.Millisecond {
		cl.log.Debug("throttled", zap.String("endpoint", c.endpoint), zap.Duration("wait", waited))
		if cl.hook != nil {
			cl.hook.Throttle(c.endpoint, waited)
		}
	}
	if err != nil {
		return nil, &clients.Error{Kind: clients.Transient, Vendor: vendor, Op: c.op, Message: "cancelled while waiting for the rate limit", Err: err}
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, cl.timeout)
	defer cancel()
	req := cl.rc.R().SetContext(ctx).SetHeader("Authorization", "Bearer "+tok)
	if c.query != nil {
		req.SetQueryParamsFromValues(c.query)
	}
	if payload != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(payload)
	}
	start := time.Now()
	resp, err := req.Execute(c.method, c.path)
	d := time.Since(start)
	status := 0
	if err == nil {
		status = resp.StatusCode()
	}
	cl.log.Debug("request", zap.String("method", c.method), zap.String("endpoint", c.endpoint),
		zap.Int("status", status), zap.Duration("duration", d))
	if cl.hook != nil {
		cl.hook.Request(c.endpoint, status, d)
	}
	if err != nil {
		return nil, &clients.Error{Kind: clients.Transient, Vendor: vendor, Op: c.op, Message: "no response", Err: clients.WithoutQuery(err)}
	}
	return resp, nil
}

// errorBody covers every error shape Fortnox uses: the ErrorInformation envelope in both
// key casings (encoding/json matches keys case-insensitively), {"message":"unauthorized"},
// and the warehouse API's {error,id,message}.
type errorBody struct {
	ErrorInformation *struct {
		Message string `json:"message"`
		Code    Text   `json:"code"`
	} `json:"ErrorInformation"`
	Error   Text   `json:"error"`
	ID      string `json:"id"`
	Message string `json:"message"`
}

// Fortnox codes that mean "that number is taken".
const (
	codeCustomerNumberInUse = "2000637"
	codeArticleNumberInUse  = "2000013"
)

// statusErr turns a non-2xx answer into a typed error.
func (cl *Client) statusErr(op string, resp *resty.Response) error {
	status := resp.StatusCode()
	e := &clients.Error{Vendor: vendor, Op: op, Status: status}
	body := resp.Body()
	var eb errorBody
	if isJSON(body) && json.Unmarshal(body, &eb) == nil {
		if eb.ErrorInformation != nil {
			e.Code = string(eb.ErrorInformation.Code)
			e.Message = eb.ErrorInformation.Message
		} else {
			e.Code = string(eb.Error)
			e.Message = eb.Message
		}
	} else {
		e.Message = nonJSONMessage(resp)
	}
	e.Message = clients.Scrub(e.Message, clients.RequestURL(resp.RawResponse))
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = clients.RateLimited
		e.RetryAfter = retryAfter(resp.Header().Get("Retry-After"), time.Now())
		if e.RetryAfter <= 0 {
			e.RetryAfter = cl.window
		}
	case status >= 500:
		e.Kind = clients.Transient
	case status == http.StatusUnauthorized:
		e.Kind = clients.Unauthorized
	case status == http.StatusForbidden:
		// A missing scope or licence: only a new authorization fixes it, so no retry.
		e.Kind = clients.InvalidGrant
	case status == http.StatusNotFound:
		e.Kind = clients.NotFound
	case status == http.StatusConflict, e.Code == codeCustomerNumberInUse, e.Code == codeArticleNumberInUse,
		strings.EqualFold(e.Code, "alreadyexists"):
		e.Kind = clients.Conflict
	default:
		e.Kind = clients.Validation
	}
	return e
}

// nonJSONMessage describes a body that is not JSON (an HTML outage page, a proxy error)
// without copying it: bodies may hold personal data.
func nonJSONMessage(resp *resty.Response) string {
	ct := resp.Header().Get("Content-Type")
	if ct == "" {
		ct = "no content type"
	}
	b := bytes.TrimSpace(resp.Body())
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		return fmt.Sprintf("response is malformed JSON (%s, %d bytes)", ct, len(b))
	}
	return fmt.Sprintf("response is not JSON (%s, %d bytes)", ct, len(b))
}

func isJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[') && json.Valid(b)
}

// decodeBody decodes a 2xx body. A body that is not JSON is Transient: it is what a proxy or
// an outage page produces, and a later attempt normally gets the real answer.
func decodeBody(op string, resp *resty.Response, out any) error {
	body := resp.Body()
	if !isJSON(body) {
		return &clients.Error{Kind: clients.Transient, Vendor: vendor, Op: op, Status: resp.StatusCode(), Message: nonJSONMessage(resp)}
	}
	if err := json.Unmarshal(body, out); err != nil {
		// Valid JSON with a value of the wrong kind is data, not a fault: every attempt
		// reads the same, so it is Validation (needs_fix), named by the field.
		var bad *json.UnmarshalTypeError
		if errors.As(err, &bad) {
			return &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op, Status: resp.StatusCode(), Message: clients.DecodeReason(err), Err: err}
		}
		return &clients.Error{Kind: clients.Transient, Vendor: vendor, Op: op, Status: resp.StatusCode(), Message: "response does not match the expected shape", Err: err}
	}
	return nil
}

// retryAfter reads Retry-After as seconds or as an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Sub(now)
	}
	return 0
}

// Package lightspeed is the Lightspeed Retail (R-Series) API V3 client: bearer auth with one
// refresh on a 401, pacing inside the cost-based leaky bucket, cursor paging, tolerant
// decoding of the API's all-strings, one-or-many JSON, and typed *clients.Error failures.
package lightspeed

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"
	"go.uber.org/zap"

	"fortspeed/clients"
)

// DefaultBaseURL is the production resource server.
const DefaultBaseURL = "https://api.lightspeedapp.com"

const (
	vendor         = "lightspeed"
	defaultTimeout = 30 * time.Second
	// pageLimit is the largest page V3 serves.
	pageLimit = 100
)

// Hook and HookFuncs are the shared metrics hook of both vendor clients.
type (
	Hook      = clients.Hook
	HookFuncs = clients.HookFuncs
)

// Config configures a Client. Tokens is required.
type Config struct {
	// BaseURL of the resource server; DefaultBaseURL when empty.
	BaseURL string
	// AccountID to work in; when 0 it is read from the access token's acct claim, else from
	// GET /API/V3/Account.json.
	AccountID int64
	Tokens    clients.TokenSource
	Logger    *zap.Logger
	Hook      Hook
	// HTTPClient to send requests with; a plain client when nil.
	HTTPClient *http.Client
	// Timeout per request; 30 s when 0.
	Timeout time.Duration
	// Pacer is shared by every Client of one account and OAuth client, because they share
	// one rate-limit bucket; a Client gets its own when nil.
	Pacer *Pacer
}

// Pacer holds the rate-limit state of one account+OAuth client and serializes its requests.
type Pacer struct{ p *pacer }

// NewPacer returns a pacer to share between the Clients of one account and OAuth client.
func NewPacer() *Pacer { return &Pacer{p: newPacer(time.Now)} }

// Client talks to one Lightspeed account with one OAuth client. Requests through one Client
// (or through Clients sharing a Pacer) are serialized, because the account+client share one
// rate-limit bucket.
type Client struct {
	base   string
	tokens clients.TokenSource
	log    *zap.Logger
	hook   Hook
	http   *resty.Client
	pacer  *pacer
	sleep  func(ctx context.Context, d time.Duration) error

	acctMu sync.Mutex
	acct   int64
}

// New checks cfg and builds a client.
func New(cfg Config) (*Client, error) {
	if cfg.Tokens == nil {
		return nil, errors.New("lightspeed client: Config.Tokens is required")
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("lightspeed client: BaseURL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.AccountID < 0 {
		return nil, fmt.Errorf("lightspeed client: AccountID %d is negative", cfg.AccountID)
	}
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	hook := cfg.Hook
	if hook == nil {
		hook = HookFuncs{}
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	var rc *resty.Client
	if cfg.HTTPClient != nil {
		rc = resty.NewWithClient(cfg.HTTPClient)
	} else {
		rc = resty.New()
	}
	rc.SetTimeout(timeout).SetRetryCount(0).SetLogger(discardLogger{}).
		SetHeader("Accept", "application/json")
	pc := cfg.Pacer
	if pc == nil {
		pc = NewPacer()
	}
	return &Client{base: base, tokens: cfg.Tokens, log: log, hook: hook, http: rc,
		pacer: pc.p, sleep: sleepCtx, acct: cfg.AccountID}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// AccountID returns the account the client works in, finding it once if not configured.
func (c *Client) AccountID(ctx context.Context) (int64, error) {
	c.acctMu.Lock()
	defer c.acctMu.Unlock()
	if c.acct != 0 {
		return c.acct, nil
	}
	tok, err := c.tokens.Token(ctx)
	if err != nil {
		return 0, tokenError("find account", err)
	}
	if id := accountFromJWT(tok); id != 0 {
		c.acct = id
		return id, nil
	}
	body, err := c.do(ctx, call{op: "find account", method: http.MethodGet, rawURL: c.base + "/API/V3/Account.json"})
	if err != nil {
		return 0, err
	}
	accounts, _, err := decodeList[Account](body, "Account")
	if err != nil {
		return 0, c.decodeError("find account", err)
	}
	switch len(accounts) {
	case 0:
		return 0, &clients.Error{Kind: clients.NotFound, Vendor: vendor, Op: "find account", Message: "the token reaches no account"}
	case 1:
		c.acct = int64(accounts[0].AccountID)
		return c.acct, nil
	}
	return 0, &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: "find account",
		Message: fmt.Sprintf("the token reaches %d accounts: configure the account id", len(accounts))}
}

// accountFromJWT reads the acct claim of a JWT access token without verifying it: the
// resource server verifies; the client only needs to know where to send requests.
func accountFromJWT(token string) int64 {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return 0
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return 0
	}
	var claims struct {
		Acct Int `json:"acct"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return 0
	}
	return int64(claims.Acct)
}

// call is one API request.
type call struct {
	op     string // what is attempted, for errors: "create sale"
	method string
	path   string     // below /API/V3/Account/{id}/, without .json: "Sale/12"
	query  url.Values // for path
	body   any
	list   bool   // a list endpoint (load_relations cost doubles)
	rawURL string // a complete URL (a next-page link) used verbatim instead of path+query
}

// do sends req with a bearer token, refreshing it once on a 401, and returns the body of a
// 2xx answer; every failure is a *clients.Error.
func (c *Client) do(ctx context.Context, req call) ([]byte, error) {
	resp, err := c.exchange(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.Body(), nil
}

// exchange is do returning the whole answer, for callers that read its headers.
func (c *Client) exchange(ctx context.Context, req call) (*resty.Response, error) {
	target := req.rawURL
	if target == "" {
		acct, err := c.AccountID(ctx)
		if err != nil {
			return nil, err
		}
		target = fmt.Sprintf("%s/API/V3/Account/%d/%s.json", c.base, acct, req.path)
		if len(req.query) > 0 {
			target += "?" + req.query.Encode()
		}
	}
	var payload []byte
	if req.body != nil {
		var err error
		if payload, err = json.Marshal(req.body); err != nil {
			return nil, &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: req.op, Message: "encode request body", Err: err}
		}
	}
	query := req.query
	if req.rawURL != "" {
		if u, err := url.Parse(req.rawURL); err == nil {
			query = u.Query()
		}
	}
	cost := estimateCost(req.method, entityPath(target), query, payload, req.list)

	token, err := c.tokens.Token(ctx)
	if err != nil {
		return nil, tokenError(req.op, err)
	}
	resp, err := c.send(ctx, req, target, payload, cost, token)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode() == http.StatusUnauthorized {
		fresh, err := c.tokens.Refresh(ctx, token)
		if err != nil {
			return nil, tokenError(req.op, err)
		}
		token = fresh
		if resp, err = c.send(ctx, req, target, payload, cost, token); err != nil {
			return nil, err
		}
	}
	if s := resp.StatusCode(); s >= 200 && s < 300 {
		if !looksLikeJSON(resp.Body()) {
			return nil, &clients.Error{Kind: clients.Transient, Vendor: vendor, Op: req.op, Status: s,
				Message: "the answer is not JSON (" + contentType(resp.Header()) + "): " + snippet(resp.Body())}
		}
		return resp, nil
	}
	err = c.statusError(req.op, resp, cost)
	clients.ReportRefusal(ctx, c.tokens, token, err)
	return nil, err
}

// send waits for the client's turn and the pacer, then sends one request.
func (c *Client) send(ctx context.Context, req call, target string, payload []byte, cost float64, token string) (*resty.Response, error) {
	endpoint := req.method + " " + endpointName(target)
	if err := c.pacer.acquire(ctx); err != nil {
		return nil, &clients.Error{Kind: clients.Transient, Vendor: vendor, Op: req.op, Message: "cancelled while waiting for a turn", Err: err}
	}
	defer c.pacer.release()
	if wait := c.pacer.wait(cost); wait > 0 {
		c.hook.Throttle(endpoint, wait)
		c.log.Debug("lightspeed throttle", zap.String("endpoint", endpoint), zap.Duration("wait", wait), zap.Float64("cost", cost))
		if err := c.sleep(ctx, wait); err != nil {
			return nil, &clients.Error{Kind: clients.Transient, Vendor: vendor, Op: req.op, Message: "cancelled while pacing", Err: err}
		}
	}
	r := c.http.R().SetContext(ctx).SetAuthToken(token)
	if payload != nil {
		r.SetHeader("Content-Type", "application/json").SetBody(payload)
	}
	c.pacer.sending()
	start := time.Now()
	resp, err := r.Execute(req.method, target)
	took := time.Since(start)
	status := 0
	if resp != nil && resp.RawResponse != nil {
		status = resp.StatusCode()
		c.pacer.observe(resp.Header())
	}
	c.hook.Request(endpoint, status, took)
	c.log.Debug("lightspeed request", zap.String("method", req.method), zap.String("endpoint", endpoint),
		zap.Int("status", status), zap.Duration("took", took), zap.Float64("cost", cost),
		zap.String("bucket", headerOrEmpty(resp, "X-LS-API-Bucket-Level")))
	if err != nil {
		return nil, &clients.Error{Kind: clients.Transient, Vendor: vendor, Op: req.op, Status: status, Message: "no answer", Err: clients.WithoutQuery(err)}
	}
	return resp, nil
}

func headerOrEmpty(resp *resty.Response, name string) string {
	if resp == nil || resp.RawResponse == nil {
		return ""
	}
	return resp.Header().Get(name)
}

// tokenError keeps a token source's *clients.Error and wraps anything else as Unauthorized.
func tokenError(op string, err error) error {
	var ce *clients.Error
	if errors.As(err, &ce) {
		if ce.Vendor == "" || ce.Op == "" {
			cp := *ce
			if cp.Vendor == "" {
				cp.Vendor = vendor
			}
			if cp.Op == "" {
				cp.Op = op
			}
			return &cp
		}
		return err
	}
	return &clients.Error{Kind: clients.Unauthorized, Vendor: vendor, Op: op, Message: "no access token", Err: err}
}

// idSegment matches an id in a URL path.
var idSegment = regexp.MustCompile(`^\d+$`)

// entityPath is the part of an API URL below /Account/{id}/ without .json: "Sale/12".
func entityPath(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return ""
	}
	p := strings.TrimSuffix(u.Path, ".json")
	if _, rest, ok := strings.Cut(p, "/API/V3/Account/"); ok {
		if _, below, ok := strings.Cut(rest, "/"); ok {
			return below
		}
		return ""
	}
	return strings.TrimPrefix(p, "/API/V3/")
}

// endpointName names a URL's route with ids replaced, for logs and metrics ("Sale/{id}");
// it never carries the query, which can hold personal data such as an e-mail address.
func endpointName(target string) string {
	p := entityPath(target)
	if p == "" {
		return "Account"
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if idSegment.MatchString(s) {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}

// discardLogger silences resty's own messages: they quote full URLs, whose queries can hold
// personal data (Contact.email=…); the client logs every request itself.
type discardLogger struct{}

func (discardLogger) Errorf(string, ...any) {}
func (discardLogger) Warnf(string, ...any)  {}
func (discardLogger) Debugf(string, ...any) {}

// itoa formats an id for a path or filter.
func itoa(id int64) string { return strconv.FormatInt(id, 10) }

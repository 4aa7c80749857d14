package fortnox

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"fortspeed/clients"
	fxsandbox "fortspeed/sandbox/fortnox"
)

func TestRateLimitedCarriesRetryAfterAndIsNotRetried(t *testing.T) {
	sb := newSandbox(t, fxsandbox.Options{}, "demo")
	cl := sb.client(nil)
	sb.faults(map[string]any{"rate_limit_rate": 1})

	_, err := cl.CompanyInformation(testCtx(t))
	ce := requireKind(t, err, clients.RateLimited)
	require.Equal(t, http.StatusTooManyRequests, ce.Status)
	require.Equal(t, 5*time.Second, ce.RetryAfter, "the sandbox sends Retry-After: 5")
	require.EqualValues(t, 1, sb.stats().Total429, "no retry inside the client")
}

func TestRealRateLimitTurnsIntoRateLimited(t *testing.T) {
	// A client paced above the server's limit sees the server's own 429.
	sb := newSandbox(t, fxsandbox.Options{RateLimit: 2, RateWindow: time.Minute}, "demo")
	cl := sb.client(nil, func(c *Config) { c.RateLimit = 10 })
	ctx := testCtx(t)
	for range 2 {
		_, err := cl.CompanyInformation(ctx)
		require.NoError(t, err)
	}
	_, err := cl.CompanyInformation(ctx)
	ce := requireKind(t, err, clients.RateLimited)
	require.Greater(t, ce.RetryAfter, time.Duration(0))
}

func TestServerErrorsAreTransient(t *testing.T) {
	sb := newSandbox(t, fxsandbox.Options{}, "demo")
	cl := sb.client(nil)
	sb.faults(map[string]any{"error_rate": 1})
	ctx := testCtx(t)
	// The sandbox picks 500 (JSON envelope), 502 or 503 (HTML page) at random.
	for range 6 {
		_, err := cl.CompanyInformation(ctx)
		ce := requireKind(t, err, clients.Transient)
		require.GreaterOrEqual(t, ce.Status, 500)
		require.NotEmpty(t, ce.Message)
	}
}

func TestDroppedConnectionIsTransient(t *testing.T) {
	sb := newSandbox(t, fxsandbox.Options{}, "empty")
	cl := sb.client(nil)
	sb.faults(map[string]any{"drop_rate": 1})
	_, err := cl.CreateCustomer(testCtx(t), CustomerInput{Name: ptr("Dropped")})
	ce := requireKind(t, err, clients.Transient)
	require.Zero(t, ce.Status)
	require.Error(t, ce.Err)
}

func TestTimeoutIsTransient(t *testing.T) {
	sb := newSandbox(t, fxsandbox.Options{}, "demo")
	cl := sb.client(nil, func(c *Config) { c.Timeout = 50 * time.Millisecond })
	sb.faults(map[string]any{"latency_ms": 500})
	_, err := cl.CompanyInformation(testCtx(t))
	requireKind(t, err, clients.Transient)
}

// countingSave counts the token pairs a RefreshingSource persists.
type countingSave struct{ n atomic.Int32 }

func (c *countingSave) save(context.Context, clients.Token) error { c.n.Add(1); return nil }

func TestExpiredTokenRefreshesOnceThenSucceeds(t *testing.T) {
	sb := newSandbox(t, fxsandbox.Options{}, "demo")
	saves := &countingSave{}
	src := clients.NewRefreshingSource(sb.oauth(), sb.mint(), saves.save)
	cl := sb.client(src)
	ctx := testCtx(t)
	_, err := cl.CompanyInformation(ctx)
	require.NoError(t, err)

	sb.faults(map[string]any{"expire_tokens": true})
	_, err = cl.CompanyInformation(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, saves.n.Load())
	st := sb.stats()
	require.EqualValues(t, 1, st.Statuses["401"])
}

func TestStillUnauthorizedAfterRefreshFails(t *testing.T) {
	sb := newSandbox(t, fxsandbox.Options{}, "demo")
	cl := sb.client(clients.StaticSource("not-a-token"))
	_, err := cl.CompanyInformation(testCtx(t))
	requireKind(t, err, clients.Unauthorized)

	// A source that hands out a new (still bad) token: one retry, then Unauthorized.
	bad := &badSource{}
	cl = sb.client(bad)
	_, err = cl.CompanyInformation(testCtx(t))
	ce := requireKind(t, err, clients.Unauthorized)
	require.Equal(t, http.StatusUnauthorized, ce.Status)
	require.Equal(t, "unauthorized", ce.Message)
	require.EqualValues(t, 1, bad.refreshes.Load())
}

type badSource struct{ refreshes atomic.Int32 }

func (b *badSource) Token(context.Context) (string, error) { return "bad-1", nil }
func (b *badSource) Refresh(context.Context, string) (string, error) {
	b.refreshes.Add(1)
	return "bad-2", nil
}

func TestReusedRefreshTokenIsInvalidGrant(t *testing.T) {
	sb := newSandbox(t, fxsandbox.Options{}, "demo")
	pair := sb.mint()
	stale := clients.Token{RefreshToken: pair.RefreshToken} // no access token: must refresh
	first := clients.NewRefreshingSource(sb.oauth(), stale, nil)
	_, err := sb.client(first).CompanyInformation(testCtx(t))
	require.NoError(t, err)

	second := clients.NewRefreshingSource(sb.oauth(), stale, nil) // same, now used, refresh token
	_, err = sb.client(second).CompanyInformation(testCtx(t))
	require.Equal(t, clients.InvalidGrant, clients.KindOf(err), "error: %v", err)
}

// gate holds requests carrying one token until n of them have arrived, so both clients are
// sure to see the 401 before either refreshes.
type gate struct {
	token string
	wg    sync.WaitGroup
	next  http.RoundTripper
}

func (g *gate) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") == "Bearer "+g.token {
		g.wg.Done()
		g.wg.Wait()
	}
	return g.next.RoundTrip(r)
}

func TestTwoClientsSharingASourceRefreshOnce(t *testing.T) {
	sb := newSandbox(t, fxsandbox.Options{}, "demo")
	pair := sb.mint()
	saves := &countingSave{}
	src := clients.NewRefreshingSource(sb.oauth(), pair, saves.save)
	sb.faults(map[string]any{"expire_tokens": true})

	g := &gate{token: pair.AccessToken, next: http.DefaultTransport}
	g.wg.Add(2)
	hc := &http.Client{Transport: g}
	pacer := NewPacer(0, 0)
	a := sb.client(src, func(c *Config) { c.HTTPClient, c.Pacer = hc, pacer })
	b := sb.client(src, func(c *Config) { c.HTTPClient, c.Pacer = hc, pacer })

	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, cl := range []*Client{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = cl.CompanyInformation(ctx)
		}()
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	require.EqualValues(t, 1, saves.n.Load(), "one refresh for both clients")
	require.EqualValues(t, 2, sb.stats().Statuses["401"])
}

func TestClientsOfOneTenantShareThePacer(t *testing.T) {
	// Server: 5 per 200 ms. Two clients sharing a 4-per-200-ms pacer never trip it.
	sb := newSandbox(t, fxsandbox.Options{RateLimit: 5, RateWindow: 200 * time.Millisecond}, "demo")
	pacer := NewPacer(4, 200*time.Millisecond)
	hook := &recordingHook{}
	a := sb.client(nil, func(c *Config) { c.Pacer, c.Hook = pacer, hook.hook() })
	b := sb.client(nil, func(c *Config) { c.Pacer, c.Hook = pacer, hook.hook() })
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, 24)
	for _, cl := range []*Client{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 12 {
				_, err := cl.CompanyInformation(ctx)
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Zero(t, sb.stats().Total429)
	require.EqualValues(t, 24, hook.requests.Load())
	require.Positive(t, hook.waits.Load(), "24 requests through a 4-slot window had to wait")
}

// recordingHook counts what the client reports, through HookFuncs.
type recordingHook struct {
	requests atomic.Int32
	waits    atomic.Int32
}

func (h *recordingHook) hook() Hook {
	return HookFuncs{
		OnRequest: func(endpoint string, status int, _ time.Duration) {
			if endpoint == "GET /3/companyinformation" && status == http.StatusOK {
				h.requests.Add(1)
			}
		},
		OnThrottle: func(endpoint string, _ time.Duration) {
			if endpoint == "GET /3/companyinformation" {
				h.waits.Add(1)
			}
		},
	}
}

func TestPacerWaitIsCancellable(t *testing.T) {
	p := NewPacer(1, time.Hour)
	_, release, err := p.Acquire(context.Background())
	require.NoError(t, err)
	release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err = p.Acquire(ctx)
	require.ErrorIs(t, err, context.Canceled)

	sb := newSandbox(t, fxsandbox.Options{}, "demo")
	cl := sb.client(nil, func(c *Config) { c.Pacer = p })
	_, err = cl.CompanyInformation(ctx)
	requireKind(t, err, clients.Transient)
}

// TestErrorsCarryNoQueryOrPersonalData: the customer lookup puts an e-mail address in the
// query; neither a timeout nor an error answer that quotes the request keeps it (or any
// query string) in the error, which becomes an activity failure and a log line.
func TestErrorsCarryNoQueryOrPersonalData(t *testing.T) {
	const email = "anna.andersson+vip@example.se"
	sb := newSandbox(t, fxsandbox.Options{}, "demo")
	requireClean := func(t *testing.T, err error) *clients.Error {
		t.Helper()
		var ce *clients.Error
		require.ErrorAs(t, err, &ce)
		msg := err.Error()
		for _, leak := range []string{email, url.QueryEscape(email), "anna", "example.se", "email=", "limit="} {
			require.NotContains(t, msg, leak, "error text: %s", msg)
		}
		return ce
	}

	t.Run("timeout", func(t *testing.T) {
		cl := sb.client(nil, func(c *Config) { c.Timeout = 50 * time.Millisecond })
		sb.faults(map[string]any{"latency_ms": 500})
		_, err := cl.CustomersByEmail(testCtx(t), email)
		ce := requireClean(t, err)
		require.Equal(t, clients.Transient, ce.Kind)
		require.Contains(t, err.Error(), "/3/customers", "the path stays: it names no one")
	})
	for _, status := range []int{http.StatusBadRequest, http.StatusInternalServerError, http.StatusBadGateway} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			cl := sb.client(nil)
			sb.faults(map[string]any{"error_rate": 1, "error_status": status, "echo_query": true})
			_, err := cl.CustomersByEmail(testCtx(t), email)
			ce := requireClean(t, err)
			require.Equal(t, status, ce.Status)
		})
	}
	sb.faults(map[string]any{})
}

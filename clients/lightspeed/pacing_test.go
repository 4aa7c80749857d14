package lightspeed

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients"
)

// fakeClock is a settable clock for the pacer.
type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time { return f.t }

func headers(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestPacerWaitsForRoomInTheBucket(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	p := newPacer(clock.now)
	assert.Zero(t, p.wait(1), "no reading yet: nothing to wait for")

	p.observe(headers("X-LS-API-Bucket-Level", "75.898271799086/90", "X-LS-API-Drip-Rate", "1"))
	assert.Zero(t, p.wait(10), "room for 14.1")
	assert.Equal(t, 1898271799*time.Nanosecond, p.wait(16).Round(time.Nanosecond), "(16 − (90 − 75.898…)) / 1")

	p.observe(headers("X-LS-API-Bucket-Level", "89.5/90", "X-LS-Api-Drip-Rate", "0.5"))
	assert.Equal(t, time.Second, p.wait(1), "fractional drip: (1 − 0.5) / 0.5")
	clock.t = clock.t.Add(400 * time.Millisecond)
	assert.InDelta(t, 0.6, p.wait(1).Seconds(), 1e-6, "the bucket drained 0.2 since the reading")
	clock.t = clock.t.Add(10 * time.Second)
	assert.Zero(t, p.wait(1))

	p.observe(headers("X-LS-API-Bucket-Level", "92.57/110", "X-LS-API-Drip-Rate", "2"))
	assert.Zero(t, p.wait(10), "a larger bucket from the headers is used")
	assert.InDelta(t, 2.57, p.wait(22.57).Seconds(), 1e-6, "(22.57 − (110 − 92.57)) / 2")
}

func TestPacerIgnoresMalformedHeaders(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	p := newPacer(clock.now)
	p.observe(headers("X-LS-API-Bucket-Level", "lots", "X-LS-API-Drip-Rate", "fast"))
	assert.Zero(t, p.wait(1))
	assert.Equal(t, defaultDripRate, p.drip)
}

func TestPacerRespectsTheBurstLimiter(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	p := newPacer(clock.now)
	p.observe(headers("X-LS-API-Burst-Level", "1/3"))
	for range 3 {
		assert.Zero(t, p.wait(1))
		p.sending()
	}
	assert.Equal(t, burstWindow, p.wait(1), "a fourth request in the same second waits for the window")
	clock.t = clock.t.Add(burstWindow)
	assert.Zero(t, p.wait(1))
}

func TestEstimatedCosts(t *testing.T) {
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	cases := []struct {
		name   string
		method string
		path   string
		query  url.Values
		body   string
		list   bool
		want   float64
	}{
		{"plain GET", "GET", "Item/1", nil, "", false, 1},
		{"count", "GET", "Item", q("count", "1"), "", true, 10},
		{"category write", "POST", "Category", nil, `{"name":"x","parentID":0}`, false, 10},
		{"open sale with two lines", "POST", "Sale", nil, `{"shopID":1,"SaleLines":{"SaleLine":[{"itemID":1},{"itemID":2}]}}`, false, 3},
		{"completed sale", "POST", "Sale", nil, `{"completed":true,"SaleLines":{"SaleLine":{"itemID":1}}}`, false, 5.5},
		{"customer with contact and e-mail", "POST", "Customer", nil, `{"firstName":"J","Contact":{"noEmail":true,"Emails":{"ContactEmail":[{"address":"a@b"}]}}}`, false, 2},
		{"list with relations", "GET", "Sale", q("load_relations", `["SaleLines","SaleLines.Item","Customer"]`), "", true, 1 + 0.4 + 0.4 + 0.2},
		{"single with relations", "GET", "Item/1", q("load_relations", `["ItemShops","ItemAttributes"]`), "", false, 1.3},
	}
	for _, tc := range cases {
		got := estimateCost(tc.method, tc.path, tc.query, []byte(tc.body), tc.list)
		assert.InDelta(t, tc.want, got, 1e-9, tc.name)
	}
}

// TestClientPacesFromResponseHeaders checks that the client waits before a request the
// bucket has no room for, reports the wait to the hook, and never waits without need.
func TestClientPacesFromResponseHeaders(t *testing.T) {
	var level = "89.6/90"
	c, f, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("X-LS-API-Bucket-Level", level)
		w.Header().Set("X-LS-API-Drip-Rate", "0.5")
		jsonAnswer(w, 200, `{"Shop":{"shopID":"1"}}`)
	})
	var mu sync.Mutex
	var slept, throttled []time.Duration
	c.sleep = func(_ context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		slept = append(slept, d)
		return nil
	}
	c.hook = HookFuncs{OnThrottle: func(endpoint string, d time.Duration) {
		assert.Equal(t, "GET Shop", endpoint)
		throttled = append(throttled, d)
	}}
	_, err := c.Shops(context.Background())
	require.NoError(t, err)
	assert.Empty(t, slept, "the first request has no reading to wait on")
	_, err = c.Shops(context.Background())
	require.NoError(t, err)
	require.Len(t, slept, 1)
	// (1 − (90 − 89.6)) / 0.5 = 1.2 s, less the few microseconds since the reading.
	assert.InDelta(t, 1.2, slept[0].Seconds(), 0.05)
	assert.Equal(t, slept, throttled)
	assert.Len(t, f.requests(), 2)
}

func TestPacingWaitEndsWithTheContext(t *testing.T) {
	c, f, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("X-LS-API-Bucket-Level", "90/90")
		w.Header().Set("X-LS-API-Drip-Rate", "0.01")
		jsonAnswer(w, 200, `{"Shop":{"shopID":"1"}}`)
	})
	_, err := c.Shops(context.Background())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = c.Shops(ctx)
	ce := kindOf(t, err)
	assert.Equal(t, clients.Transient, ce.Kind)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Len(t, f.requests(), 1, "the paced request was never sent")
}

func TestRequestsOfOneClientAreSerialized(t *testing.T) {
	var mu sync.Mutex
	inFlight, most := 0, 0
	c, _, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		_, _ = io.WriteString(w, `{"Shop":{"shopID":"1"}}`)
	})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := c.Shops(context.Background())
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Equal(t, 1, most)
}

func TestClientsSharingAPacerAreSerializedTogether(t *testing.T) {
	var mu sync.Mutex
	inFlight, most := 0, 0
	f := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, _ int) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		w.Header().Set("X-LS-API-Bucket-Level", "10/90")
		_, _ = io.WriteString(w, `{"Shop":{"shopID":"1"}}`)
	}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	shared := NewPacer()
	var wg sync.WaitGroup
	for range 3 {
		c, err := New(Config{BaseURL: srv.URL, AccountID: 1, Tokens: clients.StaticSource("t"), Pacer: shared})
		require.NoError(t, err)
		for range 3 {
			wg.Go(func() {
				_, err := c.Shops(context.Background())
				assert.NoError(t, err)
			})
		}
	}
	wg.Wait()
	assert.Equal(t, 1, most)
	shared.p.mu.Lock()
	defer shared.p.mu.Unlock()
	assert.Equal(t, 10.0, shared.p.level, "every client's responses update the shared reading")
}

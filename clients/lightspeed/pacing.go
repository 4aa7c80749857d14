package lightspeed

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Documented defaults of the leaky bucket for a one-register account (reference §4.1); the
// headers of the first response replace them.
const (
	defaultBucketSize = 90.0
	defaultDripRate   = 1.0
	defaultBurstLimit = 20
	// burstWindow is the burst limiter's 1-second window plus a margin, because the server's
	// fixed window need not line up with the client's clock.
	burstWindow = 1050 * time.Millisecond
)

// pacer keeps the client inside Lightspeed's cost-based leaky bucket and its burst limiter,
// so a well-behaved run never sees a 429. The client holds its turn for the whole request,
// so the bucket reading of one response is current when the next request is paced.
type pacer struct {
	now func() time.Time

	turn chan struct{} // one request in flight per client (account + OAuth client)

	mu         sync.Mutex
	level      float64   // bucket level at readAt
	size       float64   // bucket size
	drip       float64   // drips per second
	readAt     time.Time // when level was read; zero before the first response
	burstLimit int
	sent       []time.Time // send times within the last burst window
}

func newPacer(now func() time.Time) *pacer {
	return &pacer{now: now, turn: make(chan struct{}, 1), size: defaultBucketSize,
		drip: defaultDripRate, burstLimit: defaultBurstLimit}
}

// acquire waits for this client's turn.
func (p *pacer) acquire(ctx context.Context) error {
	select {
	case p.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *pacer) release() { <-p.turn }

// wait is how long a request of the given cost must wait now: until the bucket has room for
// it (level drained at the drip rate since the last reading) and the burst window allows one
// more request.
func (p *pacer) wait(cost float64) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	var bucketWait time.Duration
	if !p.readAt.IsZero() && p.drip > 0 {
		level := p.level - p.drip*now.Sub(p.readAt).Seconds()
		if level < 0 {
			level = 0
		}
		if over := cost - (p.size - level); over > 0 {
			bucketWait = time.Duration(over / p.drip * float64(time.Second))
		}
	}
	cutoff := now.Add(-burstWindow)
	kept := p.sent[:0]
	for _, t := range p.sent {
		if t.After(cutoff) {
			kept = append(kept, t)
		}
	}
	p.sent = kept
	var burstWait time.Duration
	if p.burstLimit > 0 && len(p.sent) >= p.burstLimit {
		// The oldest request that must leave the window for this one to fit.
		oldest := p.sent[len(p.sent)-p.burstLimit]
		burstWait = oldest.Add(burstWindow).Sub(now)
	}
	return max(bucketWait, burstWait)
}

// sending records a request leaving now, for the burst limiter.
func (p *pacer) sending() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, p.now())
}

// observe reads the rate-limit headers of any response, 429s included.
func (p *pacer) observe(h http.Header) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if level, size, ok := parseFraction(h.Get("X-LS-API-Bucket-Level")); ok {
		p.level, p.readAt = level, p.now()
		if size > 0 {
			p.size = size
		}
	}
	if drip, err := strconv.ParseFloat(strings.TrimSpace(h.Get("X-LS-API-Drip-Rate")), 64); err == nil && drip > 0 {
		p.drip = drip
	}
	if _, limit, ok := parseFraction(h.Get("X-LS-API-Burst-Level")); ok && limit >= 1 {
		p.burstLimit = int(limit)
	}
}

// bucketRetry estimates when a request of the given cost fits again, for a 429 that carries
// no Retry-After.
func (p *pacer) bucketRetry(cost float64) time.Duration {
	d := p.wait(cost)
	if d < time.Second {
		d = time.Second
	}
	return d
}

// parseFraction parses "75.89/90".
func parseFraction(v string) (float64, float64, bool) {
	a, b, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return 0, 0, false
	}
	x, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	y, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return x, y, true
}

// Request costs (reference §4.2): base 1; Sale writes 2 (+3 when completing); Category
// writes, reconciles and refunds 10; count=1 10; +0.5 per nested entity in a payload;
// load_relations 0.1 per x-to-one and 0.2 per x-to-many relation, doubled on lists and
// under x-to-many relations. Overestimating only costs a little waiting; underestimating
// costs a 429.

// isToMany says whether a relation name holds a collection; anything else is x-to-one.
func isToMany(name string) bool {
	switch name {
	case "SaleLines", "SalePayments", "SaleNotes", "ItemShops", "Prices", "ItemPrices", "Items",
		"Images", "ItemVendorNums", "ItemComponents", "TagRelations", "CustomFieldValues",
		"Registers", "ShelfLocations", "Tags", "TaxCategoryClasses", "InventorySales",
		"Signatures", "SaleAccounts", "SalesAccounts":
		return true
	}
	return false
}

// estimateCost prices one request before it is sent.
func estimateCost(method, entityPath string, query url.Values, body []byte, list bool) float64 {
	entity, _, _ := strings.Cut(entityPath, "/")
	cost := 1.0
	write := method != http.MethodGet
	switch {
	case query.Get("count") == "1":
		cost = 10
	case write && (entity == "Category" || strings.HasSuffix(strings.ToLower(entityPath), "/refund") || strings.HasSuffix(entityPath, "/Reconcile")):
		cost = 10
	case write && (entity == "Sale" || entity == "SaleLine"):
		cost = 2
		if bytes.Contains(body, []byte(`"completed":true`)) || bytes.Contains(body, []byte(`"completed":"true"`)) {
			cost += 3
		}
	}
	if len(body) > 0 {
		cost += 0.5 * float64(nestedEntities(body))
	}
	if rel := query.Get("load_relations"); rel != "" {
		var names []string
		if err := json.Unmarshal([]byte(rel), &names); err != nil {
			names = []string{"all"}
		}
		for _, name := range names {
			cost += relationCost(name, list)
		}
	}
	return cost
}

func relationCost(name string, list bool) float64 {
	if name == "all" {
		return 5 // discovery only; a generous guess
	}
	parts := strings.Split(name, ".")
	c := 0.1
	if isToMany(parts[len(parts)-1]) {
		c = 0.2
	}
	if list {
		c *= 2
	}
	for _, parent := range parts[:len(parts)-1] {
		if isToMany(parent) {
			c *= 2
		}
	}
	return c
}

// nestedEntities counts the objects below the top level of a payload that carry fields of
// their own (a SaleLine, a Contact, a ContactEmail), not the plural wrappers around them.
func nestedEntities(body []byte) int {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return 0
	}
	var count func(v any, depth int) int
	count = func(v any, depth int) int {
		n := 0
		switch t := v.(type) {
		case map[string]any:
			scalar := false
			for _, child := range t {
				switch child.(type) {
				case map[string]any, []any:
					n += count(child, depth+1)
				default:
					scalar = true
				}
			}
			if scalar && depth > 0 {
				n++
			}
		case []any:
			for _, child := range t {
				n += count(child, depth)
			}
		}
		return n
	}
	return count(v, 0)
}

package activities

import (
	"sync"
	"time"
)

// Cache remembers lookups across the activities of one worker process — customer ids by
// e-mail, SKUs known to exist — so an order in steady state costs no extra vendor reads.
// Entries expire after ttl, so changes made in the vendor's UI are seen within that time;
// a stale hit is safe because commit fails with a vendor error that is retried after the
// entry is dropped.
type Cache[V any] struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu sync.Mutex
	m  map[string]cacheEntry[V]
}

type cacheEntry[V any] struct {
	v       V
	expires time.Time
}

// NewCache holds at most max entries for ttl each.
func NewCache[V any](ttl time.Duration, max int) *Cache[V] {
	return &Cache[V]{ttl: ttl, max: max, now: time.Now, m: make(map[string]cacheEntry[V])}
}

// Get returns a live entry.
func (c *Cache[V]) Get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || c.now().After(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// Put stores v under key; when full it first drops expired entries, then an arbitrary one.
func (c *Cache[V]) Put(key string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; !ok && len(c.m) >= c.max {
		now := c.now()
		for k, e := range c.m {
			if now.After(e.expires) {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < c.max {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[key] = cacheEntry[V]{v: v, expires: c.now().Add(c.ttl)}
}

// Delete forgets key, after the vendor proved the entry wrong.
func (c *Cache[V]) Delete(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}

package activities

import (
	"context"
	"sync"
	"time"
)

// listingIndex answers "which of these keys does the vendor have" from listings of the
// vendor's register, kept per worker process. A cold worker pays one paged listing of the
// register instead of one lookup per record, and a key it does not know costs one listing
// of what changed since the last listing (usually one call) before it counts as missing,
// so a steady stream costs no more than the per-record lookup it replaces. The whole
// register is listed again every fullEvery, which drops what the vendor deleted.
//
// Lookups hold the lock while they list: records that arrive during a listing wait for it
// instead of starting listings of their own.
type listingIndex[V any] struct {
	// list calls put for every record changed at or after since; a zero since lists all.
	list      func(ctx context.Context, since time.Time, put func(key string, v V)) error
	fullEvery time.Duration
	// margin is taken off the time of the last listing for the next, covering clocks
	// and the vendor's filter granularity (Fortnox filters by the minute).
	margin time.Duration
	// keep chooses between two records listed under one key (nil: the later).
	keep func(old, new V) V
	now  func() time.Time

	mu      sync.Mutex
	entries map[string]V
	listed  time.Time // when the last listing began
	full    time.Time // when the last full listing began
}

func newListingIndex[V any](fullEvery, margin time.Duration, list func(ctx context.Context, since time.Time, put func(string, V)) error) *listingIndex[V] {
	return &listingIndex[V]{list: list, fullEvery: fullEvery, margin: margin, now: time.Now}
}

// lookup returns the entries of keys the vendor has, and how many listings it made.
func (x *listingIndex[V]) lookup(ctx context.Context, keys []string) (map[string]V, int, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	listings := 0
	if x.entries == nil || x.now().Sub(x.full) >= x.fullEvery {
		began := x.now()
		entries := map[string]V{}
		if err := x.list(ctx, time.Time{}, func(k string, v V) { x.set(entries, k, v) }); err != nil {
			return nil, 1, err
		}
		x.entries, x.listed, x.full = entries, began, began
		listings++
	}
	found := make(map[string]V, len(keys))
	missing := false
	for _, k := range keys {
		if v, ok := x.entries[k]; ok {
			found[k] = v
		} else {
			missing = true
		}
	}
	if !missing || listings > 0 {
		return found, listings, nil
	}
	began := x.now()
	if err := x.list(ctx, x.listed.Add(-x.margin), func(k string, v V) { x.set(x.entries, k, v) }); err != nil {
		return nil, listings + 1, err
	}
	x.listed = began
	for _, k := range keys {
		if v, ok := x.entries[k]; ok {
			found[k] = v
		}
	}
	return found, listings + 1, nil
}

func (x *listingIndex[V]) set(m map[string]V, k string, v V) {
	if old, ok := m[k]; ok && x.keep != nil {
		v = x.keep(old, v)
	}
	m[k] = v
}

// put records what the flow itself wrote, so the next lookup needs no listing for it.
func (x *listingIndex[V]) put(key string, v V) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.entries != nil {
		x.set(x.entries, key, v)
	}
}

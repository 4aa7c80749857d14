package activities

import (
	"context"
	"errors"
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
// A register larger than maxListed is not listed whole: the index keeps what the first
// pages held and asks lookup, the vendor's own lookup of a few keys, for the others, so a
// huge catalogue never costs a long listing.
//
// Lookups hold the lock while they call: records that arrive during a listing wait for it
// instead of starting listings of their own.
type listingIndex[V any] struct {
	// list calls put for every record changed at or after since (all when since is zero),
	// up to maxListed of them, and says whether it listed them all.
	list func(ctx context.Context, since time.Time, maxListed int, put func(key string, v V)) (complete bool, err error)
	// find looks keys up one way or another without a listing; it calls put for those found.
	find      func(ctx context.Context, keys []string, put func(key string, v V)) error
	maxListed int
	fullEvery time.Duration
	// margin is taken off the time of the last listing for the next, covering clocks
	// and the vendor's filter granularity (Fortnox filters by the minute).
	margin time.Duration
	// keep chooses between two records under one key (nil: the later).
	keep func(old, new V) V
	now  func() time.Time

	mu      sync.Mutex
	entries map[string]V
	partial bool      // the register was too large to list whole
	listed  time.Time // when the last listing began
	full    time.Time // when the last full listing began
}

// lookup returns the entries of keys the vendor has, and how many listings or lookups it
// made.
func (x *listingIndex[V]) lookup(ctx context.Context, keys []string) (map[string]V, int, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	now := x.now
	if now == nil {
		now = time.Now
	}
	calls := 0
	if x.entries == nil || now().Sub(x.full) >= x.fullEvery {
		began := now()
		entries := map[string]V{}
		complete, err := x.list(ctx, time.Time{}, x.maxListed, func(k string, v V) { x.set(entries, k, v) })
		if err != nil {
			return nil, 1, err
		}
		x.entries, x.partial, x.listed, x.full = entries, !complete, began, began
		calls++
	}
	missing := x.missing(keys)
	if len(missing) > 0 && (calls == 0 || x.partial) {
		began := now()
		put := func(k string, v V) { x.set(x.entries, k, v) }
		var err error
		if x.partial {
			err = x.find(ctx, missing, put)
		} else {
			_, err = x.list(ctx, x.listed.Add(-x.margin), 0, put)
		}
		calls++
		if err != nil {
			return nil, calls, err
		}
		if !x.partial {
			x.listed = began
		}
	}
	found := make(map[string]V, len(keys))
	for _, k := range keys {
		if v, ok := x.entries[k]; ok {
			found[k] = v
		}
	}
	return found, calls, nil
}

// errListedEnough stops a paged walk once it holds maxListed records.
var errListedEnough = errors.New("listed enough")

// walkUpTo runs a paged walk whose callback calls each once per record; each reports
// whether to go on (fewer than max so far, or no max). It says whether the walk ended.
func walkUpTo(max int, walk func(each func() bool) error) (bool, error) {
	n := 0
	err := walk(func() bool {
		n++
		return max <= 0 || n < max
	})
	if errors.Is(err, errListedEnough) {
		return false, nil
	}
	return err == nil, err
}

func (x *listingIndex[V]) missing(keys []string) []string {
	var out []string
	for _, k := range keys {
		if _, ok := x.entries[k]; !ok {
			out = append(out, k)
		}
	}
	return out
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

// drop forgets keys whose entries the vendor refused (an item deleted since it was listed):
// the next lookup asks again before it answers.
func (x *listingIndex[V]) drop(keys ...string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, k := range keys {
		delete(x.entries, k)
	}
}

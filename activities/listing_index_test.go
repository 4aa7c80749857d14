package activities

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// register is a fake vendor register for the index: records by key with the time they
// changed, and counters of what the index asked.
type register struct {
	mu           sync.Mutex
	records      map[string]time.Time
	lists, finds int
	listedSince  []time.Time
	clock        time.Time
}

func (r *register) index(maxListed int) *listingIndex[int] {
	return &listingIndex[int]{
		fullEvery: time.Hour, margin: time.Minute, maxListed: maxListed,
		now: func() time.Time { r.mu.Lock(); defer r.mu.Unlock(); return r.clock },
		list: func(_ context.Context, since time.Time, max int, put func(string, int)) (bool, error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.lists++
			r.listedSince = append(r.listedSince, since)
			n := 0
			for k, t := range r.records {
				if t.Before(since) {
					continue
				}
				if max > 0 && n >= max {
					return false, nil
				}
				put(k, 1)
				n++
			}
			return true, nil
		},
		find: func(_ context.Context, keys []string, put func(string, int)) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.finds++
			for _, k := range keys {
				if _, ok := r.records[k]; ok {
					put(k, 2)
				}
			}
			return nil
		},
	}
}

func TestListingIndexListsOnceAndWhatChangedOnAMiss(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	r := &register{records: map[string]time.Time{"A": t0, "B": t0}, clock: t0}
	x := r.index(0)
	ctx := context.Background()

	// Twenty records at once: one listing between them.
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			found, _, err := x.lookup(ctx, []string{"A", "B"})
			assert.NoError(t, err)
			assert.Len(t, found, 2)
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, r.lists)

	// A key made later is found by a listing of what changed since the last, less the margin.
	r.mu.Lock()
	r.clock = t0.Add(10 * time.Minute)
	r.records["C"] = r.clock
	r.mu.Unlock()
	found, calls, err := x.lookup(ctx, []string{"A", "C", "D"})
	require.NoError(t, err)
	assert.Equal(t, 1, calls)
	assert.Contains(t, found, "C")
	assert.NotContains(t, found, "D")
	assert.Equal(t, t0.Add(-time.Minute), r.listedSince[1])

	// After fullEvery the register is listed whole again.
	r.mu.Lock()
	r.clock = t0.Add(2 * time.Hour)
	r.mu.Unlock()
	_, _, err = x.lookup(ctx, []string{"A"})
	require.NoError(t, err)
	assert.Equal(t, 3, r.lists)
	assert.True(t, r.listedSince[2].IsZero(), "a full listing")
}

func TestListingIndexLooksUpByKeyWhenTheRegisterIsTooLarge(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	r := &register{records: map[string]time.Time{}, clock: t0}
	for i := range 50 {
		r.records[fmt.Sprintf("K%02d", i)] = t0
	}
	x := r.index(10)
	var keys []string
	for i := range 50 {
		keys = append(keys, fmt.Sprintf("K%02d", i))
	}
	found, _, err := x.lookup(context.Background(), append(keys, "NOPE"))
	require.NoError(t, err)
	assert.Len(t, found, 50, "the listed ten and the rest by lookup")
	assert.Equal(t, 1, r.lists, "the listing stops at maxListed")
	assert.Equal(t, 1, r.finds)
	assert.True(t, x.partial)
}

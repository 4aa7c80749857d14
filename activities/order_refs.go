package activities

import (
	"context"
	"sync"
	"time"

	"fortspeed/clients/fortnox"
)

// orderRefs remembers the Fortnox orders the page checks of orders-to-fortnox listed, by
// ExternalInvoiceReference1, per worker process. Without it every page of a backlog lists
// all LS- orders changed since its earliest sale, which includes every order the earlier
// pages made: a backlog of N sales then costs N²/50,000 listings. With it the first page
// lists the window once and each later page lists only what changed since the listing
// before (its own orders, usually one call). The memory is dropped every resetEvery, so an
// order deleted in Fortnox is not remembered for long (a commit re-checks in any case).
type orderRefs struct {
	list       func(ctx context.Context, since time.Time) ([]fortnox.OrderListItem, error)
	margin     time.Duration
	resetEvery time.Duration
	now        func() time.Time

	mu      sync.Mutex
	byRef   map[string]string // reference → lowest document number
	covered time.Time         // every order changed since covered was listed
	listed  time.Time         // when the last listing began
	reset   time.Time
}

// lookup returns the document numbers of the wanted references Fortnox has, listing what
// it does not know yet of the orders changed since since, and how many orders it listed.
func (r *orderRefs) lookup(ctx context.Context, since time.Time, wanted map[string]bool) (map[string]string, int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now
	if now == nil {
		now = time.Now
	}
	began := now()
	if r.byRef == nil || began.Sub(r.reset) >= r.resetEvery {
		r.byRef, r.covered, r.reset = map[string]string{}, time.Time{}, began
	}
	from := r.listed.Add(-r.margin)
	if r.covered.IsZero() || since.Before(r.covered) {
		from = since
	}
	orders, err := r.list(ctx, from)
	if err != nil {
		return nil, 0, err
	}
	for _, o := range orders {
		ref, id := string(o.ExternalInvoiceReference1), string(o.DocumentNumber)
		if have, ok := r.byRef[ref]; !ok || compareFortnoxNumbers(id, have) < 0 {
			r.byRef[ref] = id
		}
	}
	if r.covered.IsZero() || since.Before(r.covered) {
		r.covered = since
	}
	r.listed = began
	var existing map[string]string
	for ref := range wanted {
		if id, ok := r.byRef[ref]; ok {
			if existing == nil {
				existing = make(map[string]string)
			}
			existing[ref] = id
		}
	}
	return existing, len(orders), nil
}

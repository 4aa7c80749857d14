package activities

import (
	"context"
	"time"
)

// A bounded fetch (FetchInput.Until, `starter backfill --to`) leaves out the records changed
// after its end. Fortnox's lastmodified filter has no upper end and its list items carry no
// modification time, so a Fortnox fetch asks, after its page's listing, which records
// changed at or after Until (changedAtOrAfter) and drops them from the page (without).
// Asking after the listing means a record changed while the fetch ran is dropped too,
// never let through. Fortnox keeps changes by the minute, so the changes in Until's own
// minute before it are left out as well: the bound is never passed.

// changedAtOrAfter names the records list finds changed at or after until; a zero until
// (no bound) names none and costs no call.
func changedAtOrAfter(ctx context.Context, until time.Time, list func(context.Context, time.Time) ([]string, error)) (map[string]bool, error) {
	if until.IsZero() {
		return nil, nil
	}
	ids, err := list(ctx, until)
	if err != nil {
		return nil, vendorError(err)
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set, nil
}

// without keeps the items whose id is not in drop, in order, and counts the others.
func without[T any](items []T, id func(T) string, drop map[string]bool) ([]T, int) {
	if len(drop) == 0 {
		return items, 0
	}
	kept := make([]T, 0, len(items))
	for _, item := range items {
		if !drop[id(item)] {
			kept = append(kept, item)
		}
	}
	return kept, len(items) - len(kept)
}

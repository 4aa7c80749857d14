package clients

import (
	"net/http"
	"time"
)

// ListedAt is when a vendor read a listing, in the vendor's own clock, less margin: the
// cursor the next run lists from. The Date header (whole seconds, stamped no later than the
// answer left) less the request's round trip is at or before the moment the vendor ran the
// query, so nothing changed after that moment can lie behind the cursor. Without a usable
// Date the local send time stands in, which is only as good as the two clocks agree.
func ListedAt(date string, sent time.Time, roundTrip, margin time.Duration) time.Time {
	if t, err := http.ParseTime(date); err == nil {
		return t.Add(-roundTrip - margin).UTC()
	}
	return sent.Add(-margin).UTC()
}

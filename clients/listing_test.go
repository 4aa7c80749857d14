package clients

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestListedAtPrefersTheVendorsClock(t *testing.T) {
	sent := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	vendor := "Sun, 01 Mar 2026 11:00:07 GMT" // the vendor's clock runs an hour behind ours
	assert.Equal(t, time.Date(2026, 3, 1, 11, 0, 1, 500e6, time.UTC), ListedAt(vendor, sent, 500*time.Millisecond, 5*time.Second))
	assert.Equal(t, sent.Add(-5*time.Second), ListedAt("", sent, time.Second, 5*time.Second))
	assert.Equal(t, sent.Add(-5*time.Second), ListedAt("yesterday", sent, time.Second, 5*time.Second))
}

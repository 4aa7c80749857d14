package lightspeed

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"fortspeed/clients"
	lssandbox "fortspeed/sandbox/lightspeed"
)

// BenchmarkPacedRequests runs paced GETs (cost 1) for 60 s of real time against the
// simulator with its real limits: bucket 90, drip 1/s, burst 20/s. The allowance over the
// run is the initial bucket plus the drip; after the bucket is full the sustainable rate is
// the drip rate, so the rate over the last 30 s (long after the 90-request burst, which the
// burst limiter spreads over about 4.5 s) is reported separately against the drip.
func BenchmarkPacedRequests(b *testing.B) {
	const run = 60 * time.Second
	sb := newSandbox(b, lssandbox.Options{}, "empty")
	const steadyWindow = 30 * time.Second
	var mu sync.Mutex
	var waits int
	hook := HookFuncs{OnThrottle: func(_ string, _ time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		waits++
	}}
	c := sb.client(clients.StaticSource(sb.tokens().AccessToken), hook)
	ctx := context.Background()

	b.ResetTimer()
	start := time.Now()
	var ok, limited, steadyCount int
	for time.Since(start) < run {
		sentAt := time.Since(start)
		_, err := c.Shops(ctx)
		var ce *clients.Error
		switch {
		case err == nil:
			ok++
		case errors.As(err, &ce) && ce.Kind == clients.RateLimited:
			limited++
		default:
			b.Fatalf("request failed: %v", err)
		}
		if sentAt >= run-steadyWindow {
			steadyCount++
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()

	c.pacer.mu.Lock()
	size, drip := c.pacer.size, c.pacer.drip
	c.pacer.mu.Unlock()
	total := ok + limited
	achieved := float64(total) / elapsed.Seconds()
	allowed := (size + drip*elapsed.Seconds()) / elapsed.Seconds()
	steadyDur := elapsed - (run - steadyWindow)
	steady := float64(steadyCount) / steadyDur.Seconds()
	served429 := sb.stats().Total429

	b.ReportMetric(achieved, "req/s")
	b.ReportMetric(allowed, "allowed-req/s")
	b.ReportMetric(100*achieved/allowed, "%-of-allowed")
	b.ReportMetric(steady, "steady-req/s")
	b.ReportMetric(100*steady/drip, "%-of-drip")
	b.ReportMetric(float64(served429), "429s")
	b.Logf("%d requests in %s: %.3f req/s of %.3f allowed (bucket %.0f + drip %.2f/s) = %.1f%%; "+
		"last %s: %d requests = %.3f req/s against a drip of %.2f/s = %.1f%%; "+
		"%d pacing waits; 429s: %d seen by the client, %d served (%.2f%%)",
		total, elapsed.Round(time.Millisecond), achieved, allowed, size, drip, 100*achieved/allowed,
		steadyDur.Round(time.Millisecond), steadyCount, steady, drip, 100*steady/drip,
		waits, limited, served429, 100*float64(served429)/float64(total))
}

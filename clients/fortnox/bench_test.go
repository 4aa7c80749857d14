package fortnox

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fortspeed/clients"
	fxsandbox "fortspeed/sandbox/fortnox"
)

// pacedRun is how long BenchmarkPacedRequests keeps one tenant busy.
const pacedRun = 60 * time.Second

// BenchmarkPacedRequests runs two clients of one tenant, sharing a Pacer, flat out for 60 s
// of real time against the sandbox with Fortnox's real limit (25 per sliding 5 s), and
// reports the achieved rate against the allowed 5/s and the 429s seen.
func BenchmarkPacedRequests(b *testing.B) {
	sb := newSandbox(b, fxsandbox.Options{}, "demo")
	tokens := clients.StaticSource(sb.mint().AccessToken)
	pacer := NewPacer(0, 0)
	const allowed = 25.0 / 5.0
	for range b.N {
		sb.call("DELETE", "/_sandbox/stats", nil, nil)
		var ok, limited, failed atomic.Int64
		ctx, cancel := context.WithTimeout(context.Background(), pacedRun)
		start := time.Now()
		var wg sync.WaitGroup
		for range 2 {
			cl := sb.client(tokens, func(c *Config) { c.Pacer = pacer })
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					_, err := cl.CompanyInformation(ctx)
					switch {
					case err == nil:
						ok.Add(1)
					case clients.KindOf(err) == clients.RateLimited:
						limited.Add(1)
					case ctx.Err() == nil:
						failed.Add(1)
						b.Logf("request failed: %v", err)
					}
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		cancel()
		st := sb.stats()
		sent := ok.Load() + limited.Load()
		rate := float64(sent) / elapsed.Seconds()
		pct429 := 0.0
		if sent > 0 {
			pct429 = 100 * float64(st.Total429) / float64(sent)
		}
		b.ReportMetric(rate, "req/s")
		b.ReportMetric(allowed, "allowed-req/s")
		b.ReportMetric(100*rate/allowed, "%-of-allowed")
		b.ReportMetric(float64(st.Total429), "429s")
		b.Logf("%d requests in %s: %.2f req/s of %.2f allowed (%.1f%%), %d 429s (%.2f%%, server count %d), %d other failures",
			sent, elapsed.Round(time.Millisecond), rate, allowed, 100*rate/allowed, limited.Load(), pct429, st.Total429, failed.Load())
	}
}

package testapi

import (
	"io"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkGETs sends at least 20,000 GETs (urlFor(i) with the Authorization header auth)
// from 4 workers per core over loopback and reports requests per second, in total and per
// core. The fixed amount of work keeps the figure meaningful at -benchtime 1x (make bench);
// client and server share the cores, so per core is a lower bound for the server alone.
func BenchmarkGETs(b *testing.B, urlFor func(i int64) string, auth string) {
	procs := runtime.GOMAXPROCS(0)
	workers := procs * 4
	total := max(b.N, 20000)
	transport := &http.Transport{MaxIdleConns: workers, MaxIdleConnsPerHost: workers}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	began := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(total); i = next.Add(1) {
				req, _ := http.NewRequest(http.MethodGet, urlFor(i), nil)
				req.Header.Set("Authorization", auth)
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d requests failed", n, total)
	}
	rps := float64(total) / elapsed.Seconds()
	b.ReportMetric(rps, "req/s")
	b.ReportMetric(rps/float64(procs), "req/s/core")
	b.ReportMetric(0, "ns/op")
	b.Logf("%d GETs in %v with GOMAXPROCS=%d: %.0f req/s, %.0f req/s per core", total, elapsed.Round(time.Millisecond), procs, rps, rps/float64(procs))
}

package fortnox

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkSimpleGET measures GET /3/articles/{n} through the full handler (harness, auth,
// routing, JSON) over loopback HTTP with limits off. It runs a fixed amount of work even at
// -benchtime 1x (make bench) so the figure is meaningful; client and server share the cores,
// so the per-core figure is a lower bound for the server alone.
func BenchmarkSimpleGET(b *testing.B) {
	fx := New(Options{NoLimits: true})
	srv := httptest.NewServer(fx)
	defer srv.Close()
	sb := &sandbox{t: b, fx: fx, srv: srv}
	if status, _, body := sb.raw("POST", "/_sandbox/reset", "", `{"seed":"demo","limits":false}`); status != 200 {
		b.Fatalf("reset: %d %s", status, body)
	}
	token := sb.mint(`{}`)
	articles := []string{"TS-MAR-S", "TS-MAR-M", "TS-MAR-L", "ART-1001", "ART-1002"}

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
			for {
				i := next.Add(1)
				if i > int64(total) {
					return
				}
				req, _ := http.NewRequest("GET", srv.URL+"/3/articles/"+articles[i%int64(len(articles))], nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
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

package lightspeed

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"fortspeed/sandbox/testapi"
)

// BenchmarkSimpleGET measures GET Item/{id}.json through the full handler (harness,
// auth, limiter bookkeeping, rendering) with the limits off.
func BenchmarkSimpleGET(b *testing.B) {
	srv := New(Options{NoLimits: true})
	if err := srv.Reset(testapi.ResetRequest{Seed: "demo"}); err != nil {
		b.Fatal(err)
	}
	tok, err := srv.MintTokens(nil)
	if err != nil {
		b.Fatal(err)
	}
	auth := "Bearer " + tok.(tokenResponse).AccessToken
	var n atomic.Int64
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := n.Add(1)%246 + 1
			req := httptest.NewRequest(http.MethodGet, acct+"Item/"+strconv.FormatInt(id, 10)+".json", nil)
			req.Header.Set("Authorization", auth)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
	elapsed := time.Since(start).Seconds()
	perSec := float64(b.N) / elapsed
	b.ReportMetric(perSec, "req/s")
	b.ReportMetric(perSec/float64(runtime.GOMAXPROCS(0)), "req/s/core")
}

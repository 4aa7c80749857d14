package main

// BenchmarkProducts: what the products flow costs. A fresh stack gets a generated Fortnox
// catalogue (80% of it in size/colour families of about eight) and an empty Lightspeed,
// with both vendors' rate limits on and the sandboxes' clocks running fast, so that the
// first sync of 10,000 articles, about three hours of Lightspeed's one drip a second, takes
// minutes. The worker's Fortnox pacer is scaled with the clock. It reports:
//
//   - the drips the first sync spent against the least it can cost: one write per item,
//     matrix and category (10 drips each), plus the SKU lookups at 100 a request. Requests
//     are weighted by their base cost (10 for a category write, 1 for any other); the
//     surcharge per nested relation of a write body is the same for the bound's writes,
//     so it is left out of both;
//   - the drips the sandbox charged (with the surcharges) per second of sandbox time against
//     the bucket's 1 a second;
//   - the calls a run makes when nothing changed, for a 500-article catalogue and for the
//     big one;
//   - the peak memory (VmHWM) of the worker process.
//
// Figures only: nothing here fails on time. FORTSPEED_BENCH_PRODUCTS overrides the size
// of the big catalogue (default 10,000).

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"fortspeed/clients/lightspeed"
	"fortspeed/sandbox/testapi"
	"fortspeed/workflows"
)

// productsClockScale is how much faster than real time the sandboxes' clocks run.
const productsClockScale = 40

func BenchmarkProducts(b *testing.B) {
	big := 10000
	if v := os.Getenv("FORTSPEED_BENCH_PRODUCTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 500 {
			b.Fatalf("FORTSPEED_BENCH_PRODUCTS: want a number of at least 500, got %q", v)
		}
		big = n
	}
	small := productsNoChangeCalls(b, 500)
	b.Logf("nothing changed, 500 articles: %d calls", small)
	b.ReportMetric(float64(small), "calls-no-change-500")

	s := startStack(b, stackOptions{limits: true, settings: productSettings(""), extraEnv: map[string]string{
		"FORTSPEED_FORTNOX_REQUESTS_PER_5S": strconv.Itoa(24 * productsClockScale)}})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Minute)
	defer cancel()
	families := big * 4 / 5 / 8
	s.sandboxCall(ctx, http.MethodPost, s.fortnoxURL+"/_sandbox/reset",
		testapi.ResetRequest{Seed: "catalogue", Articles: big, Families: families, RandomSeed: 3}, nil)
	s.sandboxCall(ctx, http.MethodPost, s.lightspeedURL+"/_sandbox/reset", testapi.ResetRequest{Seed: "empty"}, nil)
	for _, url := range []string{s.fortnoxURL, s.lightspeedURL} {
		s.sandboxCall(ctx, http.MethodPut, url+"/_sandbox/clock", testapi.ClockRequest{Scale: productsClockScale, AdvanceSeconds: 120}, nil)
	}
	s.workerBinary()
	s.startWorkerProcess()
	resetStats(ctx, s)
	start := time.Now()
	first := s.runFlow(ctx, workflows.FlowProducts, time.Time{})
	s.waitSettled(ctx, workflows.FlowProducts)
	wall := time.Since(start)
	ls := s.stats(ctx, s.lightspeedURL)
	s.mu.Lock()
	pid := s.procs[len(s.procs)-1].cmd.Process.Pid
	s.mu.Unlock()
	peak, err := peakRSS(pid)
	if err != nil {
		b.Fatalf("peak memory of the worker: %v", err)
	}

	var drips, writes, categories, lookups float64
	for ep, n := range ls.Requests {
		cost := 1.0
		if !strings.HasPrefix(ep, "GET ") {
			writes += float64(n)
			if strings.Contains(ep, "/Category") {
				cost = 10
				categories += float64(n)
			}
		} else if strings.HasSuffix(ep, "/Item") {
			lookups += float64(n)
		}
		drips += cost * float64(n)
	}
	lsc, err := lightspeed.New(lightspeed.Config{BaseURL: s.lightspeedURL, AccountID: 316401,
		Tokens: mintToken(ctx, s, s.lightspeedURL), Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	all, _, err := lsc.ItemsChangedSince(ctx, time.Time{}, 0)
	if err != nil {
		b.Fatal(err)
	}
	ms, err := lsc.ItemMatrices(ctx)
	if err != nil {
		b.Fatal(err)
	}
	items, matrices, cats := len(all), len(ms), categories
	bound := float64(items) + float64(matrices) + 10*cats + float64((big+99)/100)
	sandboxSeconds := wall.Seconds() * productsClockScale
	b.Logf("first sync of %d articles (%d families): %+v", big, families, first)
	b.Logf("first sync: %d items, %d matrices, %.0f categories made; %.0f Lightspeed writes, %.0f item lookups, %d Lightspeed requests, %d 429s; %d Fortnox requests",
		items, matrices, cats, writes, lookups, ls.Total, ls.Total429, s.stats(ctx, s.fortnoxURL).Total)
	b.Logf("first sync: %.0f drips against a lower bound of %.0f (%.2f×)", drips, bound, drips/bound)
	b.Logf("first sync: %s wall, %.0f s of sandbox time; the sandbox charged %.0f drips (nested relations and loaded relations included): %.2f drips/s against the bucket's 1/s (%.0f%%)",
		wall.Round(time.Second), sandboxSeconds, ls.Cost, ls.Cost/sandboxSeconds, 100*ls.Cost/sandboxSeconds)
	b.Logf("first sync: worker peak memory %.1f MB", float64(peak)/1024)
	b.ReportMetric(drips/bound, "drips/lower-bound")
	b.ReportMetric(ls.Cost/sandboxSeconds, "drips/s-of-1")
	b.ReportMetric(float64(peak)/1024, "peak-MB")

	resetStats(ctx, s)
	s.advanceClocks(ctx, 2*time.Minute)
	s.runFlow(ctx, workflows.FlowProducts, first.Cursor)
	s.waitSettled(ctx, workflows.FlowProducts)
	calls := s.stats(ctx, s.fortnoxURL).Total + s.stats(ctx, s.lightspeedURL).Total
	b.Logf("nothing changed, %d articles: %d calls", big, calls)
	b.ReportMetric(float64(calls), "calls-no-change-big")
}

// productsNoChangeCalls syncs a catalogue of n articles without limits, then counts the
// calls of a run after it with nothing changed.
func productsNoChangeCalls(b *testing.B, n int) int64 {
	s, _, _ := productStack(b, n, n*4/5/8, "")
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	first := s.runFlow(ctx, workflows.FlowProducts, time.Time{})
	s.waitSettled(ctx, workflows.FlowProducts)
	s.advanceClocks(ctx, 2*time.Minute)
	resetStats(ctx, s)
	s.runFlow(ctx, workflows.FlowProducts, first.Cursor)
	s.waitSettled(ctx, workflows.FlowProducts)
	calls := s.stats(ctx, s.fortnoxURL).Total + s.stats(ctx, s.lightspeedURL).Total
	s.stopAll()
	return calls
}

package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"fortspeed/sandbox/testapi"
	"fortspeed/workflows"
)

// stockBenchSizes are the catalogue sizes of BenchmarkStockRunCosts:
// FORTSPEED_BENCH_STOCK_ARTICLES (comma-separated) or 500 and 10,000.
func stockBenchSizes(b *testing.B) []int {
	v := os.Getenv("FORTSPEED_BENCH_STOCK_ARTICLES")
	if v == "" {
		return []int{500, 10000}
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			b.Fatalf("FORTSPEED_BENCH_STOCK_ARTICLES: want positive numbers, got %q", v)
		}
		out = append(out, n)
	}
	return out
}

// apiCalls counts a sandbox's vendor API requests (not its OAuth token endpoint) and the
// Lightspeed item writes among them.
func apiCalls(st testapi.StatsView) (calls, writes int64) {
	for k, n := range st.Requests {
		if strings.Contains(k, "oauth") || strings.Contains(k, "/auth/") {
			continue
		}
		calls += n
		if k == lsItemWrite {
			writes += n
		}
	}
	return calls, writes
}

// stockCosts is what one stock run cost each vendor.
type stockCosts struct {
	fortnox, lightspeed, writes int64
	result                      workflows.SyncResult
	took                        time.Duration
}

func (s *stack) measureStockRun(ctx context.Context, since time.Time) stockCosts {
	resetStats(ctx, s)
	began := time.Now()
	res := s.runFlow(ctx, workflows.FlowStock, since)
	fx, _ := apiCalls(s.stats(ctx, s.fortnoxURL))
	ls, w := apiCalls(s.stats(ctx, s.lightspeedURL))
	return stockCosts{fortnox: fx, lightspeed: ls - w, writes: w, result: res, took: time.Since(began)}
}

func (c stockCosts) line() string {
	return fmt.Sprintf("%d Fortnox + %d Lightspeed calls and %d writes in %.1f s (%d articles read, %d written, %d already right)",
		c.fortnox, c.lightspeed, c.writes, c.took.Seconds(), c.result.Records, c.result.Updated, c.result.Records-c.result.Children)
}

// BenchmarkStockRunCosts measures, per catalogue size, what the stock flow's runs cost in
// vendor calls (counted by the sandboxes, without rate limits): the first full run (which
// writes the items whose qoh differs), an incremental run when nothing changed (goal: a
// handful, independent of the catalogue's size), and a full reconcile with nothing to write
// against the paged-read lower bound ceil(N/500) Fortnox + ceil(N/100) Lightspeed listings
// (goal: within 10%).
func BenchmarkStockRunCosts(b *testing.B) {
	for _, n := range stockBenchSizes(b) {
		b.Run(fmt.Sprintf("articles=%d", n), func(b *testing.B) {
			s := startStack(b, stackOptions{})
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
			defer cancel()
			s.seedCatalogue(ctx, n)
			s.startWorker()

			first := s.measureStockRun(ctx, fullReconcile)
			b.Logf("first run, %d articles: %s", n, first.line())

			// Fortnox's clock moves on two minutes, so the steady state's window (whole
			// minutes since the last run's cursor) no longer holds the seeded articles: the
			// first incremental run re-reads the minute of the seed, the second is a run a
			// minute after another with nothing changed.
			s.sandboxCall(ctx, http.MethodPut, s.fortnoxURL+"/_sandbox/clock", testapi.ClockRequest{AdvanceSeconds: 120}, nil)
			warm := s.measureStockRun(ctx, first.result.Cursor)
			idle := s.measureStockRun(ctx, warm.result.Cursor)
			b.Logf("incremental run, nothing changed, %d articles: %s", n, idle.line())

			full := s.measureStockRun(ctx, fullReconcile)
			bound := int64(math.Ceil(float64(n)/500) + math.Ceil(float64(n)/100))
			over := float64(full.fortnox+full.lightspeed)/float64(bound) - 1
			b.Logf("full reconcile, nothing to write, %d articles: %s; lower bound %d listings (%d + %d), %.1f%% over (goal ≤ 10%%)",
				n, full.line(), bound, int64(math.Ceil(float64(n)/500)), int64(math.Ceil(float64(n)/100)), 100*over)

			b.ReportMetric(float64(first.fortnox+first.lightspeed), "first-run-calls")
			b.ReportMetric(float64(first.writes), "first-run-writes")
			b.ReportMetric(float64(idle.fortnox+idle.lightspeed+idle.writes), "idle-incremental-calls")
			b.ReportMetric(float64(full.fortnox+full.lightspeed+full.writes), "reconcile-calls")
			b.ReportMetric(float64(bound), "reconcile-lower-bound")
			b.ReportMetric(100*over, "reconcile-%-over-bound")
			b.ReportMetric(full.took.Seconds(), "reconcile-s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// Workload of BenchmarkStockLatency.
const (
	stockLatencySchedule = time.Minute
	stockLatencyArticles = 100
	stockLatencyTicking  = 5 * time.Minute  // stock changes are made for this long
	stockLatencyMeanGap  = 30 * time.Second // mean pause between two changes (exponential)
	stockLatencyDrain    = 150 * time.Second
)

// BenchmarkStockLatency measures, with the real rate limits and a real 1-minute Schedule
// of the stock flow (as `starter setup` creates it), after the catalogue's first sync, the
// time from a Fortnox stock change (an article's QuantityInStock set through the API, at
// random moments for 5 minutes) to the moment Lightspeed's qoh shows it, polling every
// second. Goal: p95 under 90 s.
func BenchmarkStockLatency(b *testing.B) {
	s := startStack(b, stackOptions{limits: true})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	s.seedCatalogue(ctx, stockLatencyArticles)
	s.startWorker()
	// The catalogue's first sync writes most items (at Lightspeed's drip rate); the
	// latencies are of the steady state after it.
	first := s.runFlow(ctx, workflows.FlowStock, fullReconcile)
	b.Logf("first sync before the schedule: %d articles, %d items written", first.Records, first.Updated)
	createSchedule(ctx, b, s, workflows.FlowStock, stockLatencySchedule)

	var numbers []string
	for _, a := range s.fxStock(ctx).Articles {
		numbers = append(numbers, a.ArticleNumber)
	}
	sort.Strings(numbers)
	rng := rand.New(rand.NewPCG(2026, 10))
	gap := func() time.Duration {
		return max(2*time.Second, time.Duration(rng.ExpFloat64()*float64(stockLatencyMeanGap)))
	}
	type change struct {
		sku string
		qty int64
		at  time.Time
	}
	var changes []change
	latency := map[int]time.Duration{}
	began := time.Now()
	stop := began.Add(stockLatencyTicking)
	next := began.Add(gap())
	for {
		now := time.Now()
		if now.Before(stop) && !now.Before(next) {
			c := change{sku: numbers[len(changes)%len(numbers)], qty: int64(100 + len(changes)), at: time.Now()}
			s.setFortnoxStock(ctx, c.sku, c.qty)
			changes = append(changes, c)
			next = now.Add(gap())
		}
		polled := time.Now()
		items := s.lsItems(ctx)
		for i, c := range changes {
			if _, seen := latency[i]; seen {
				continue
			}
			if q, _ := items[c.sku].qoh("1"); q.IntPart() == c.qty {
				latency[i] = polled.Sub(c.at)
			}
		}
		if !now.Before(stop) && (len(latency) == len(changes) || now.After(stop.Add(stockLatencyDrain))) {
			break
		}
		time.Sleep(max(time.Second-time.Since(polled), 0))
	}
	reportLatencies(b, latency, len(changes), fmt.Sprintf("Fortnox stock change → Lightspeed qoh with a %s schedule, %d changes over %s",
		stockLatencySchedule, len(changes), stockLatencyTicking), "90 s", "changes", stockLatencyDrain)
}

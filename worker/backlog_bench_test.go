package main

// BenchmarkBacklog: what a big backlog costs each order flow. For each backlog size N a fresh
// stack (sandboxes without limits, demo seed) gets N completed Lightspeed sales and N waiting
// Fortnox orders, made by the sandboxes' own demo ticks, and each direction runs once from
// a Since just before its backlog, on fresh worker processes. It reports per direction the
// vendor listings of the fetch against the least a vendor-level position allows,
// ceil(N / page limit) + 1, the records committed, the wall time and the peak memory (VmHWM)
// of the worker processes, and how calls and memory grow from the smallest N to the
// largest. Figures only: nothing here fails on time.
//
// What is counted: the worker processes reach both sandboxes through a counting reverse
// proxy of this file (FORTNOX_*_URL and LIGHTSPEED_*_URL point at it), because the
// sandboxes' own counters key requests by route, not by query, and the fetch listing, the
// page check-exists listing and the commit's re-check all are GET /3/orders or GET …/Sale.
// The proxy keys each request by method, route and the names of its query parameters, and
// rewrites the sandbox's address in answers to its own, so Lightspeed's next links lead
// back through it. Its totals are compared with the sandboxes' counters.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fortspeed/sandbox/testapi"
	"fortspeed/workflows"
)

// Workload of BenchmarkBacklog.
const (
	// backlogPageLimitLightspeed and backlogPageLimitFortnox are the vendors' page limits:
	// orders-to-fortnox lists Lightspeed sales 100 at a time, orders-to-lightspeed Fortnox
	// orders 500 at a time (its run gets PageSize 500; the workflow default is 100).
	backlogPageLimitLightspeed = 100
	backlogPageLimitFortnox    = 500
	// backlogMaxConcurrent is the children in flight per parent run.
	backlogMaxConcurrent = 50
	// backlogHelpers is how many worker processes polling only the two vendor queues run
	// next to the whole worker (which polls all three): the worker's Fortnox pacer allows
	// 24 requests per 5 s per process, so one process alone needs over half an hour for
	// 5,000 orders each way. Each process's peak memory is reported on its own.
	backlogHelpers = 3
	// backlogStock is the quantity every Lightspeed item gets in both shops before the
	// sales are made, so that every demo tick finds something to sell.
	backlogStock = 1000000
)

// backlogSizes are the backlogs per direction; FORTSPEED_BENCH_BACKLOG ("1000,5000")
// overrides them.
func backlogSizes(b *testing.B) []int {
	v := os.Getenv("FORTSPEED_BENCH_BACKLOG")
	if v == "" {
		return []int{1000, 5000}
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			b.Fatalf("FORTSPEED_BENCH_BACKLOG: %q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out
}

func BenchmarkBacklog(b *testing.B) {
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 58*time.Minute)
	defer cancel()
	var runs []backlogRun
	var setup []string
	for _, n := range backlogSizes(b) {
		toLightspeed, toFortnox, note := runBacklog(ctx, b, n)
		for _, r := range []backlogRun{toLightspeed, toFortnox} {
			r.log(b)
			r.report(b)
		}
		runs = append(runs, toLightspeed, toFortnox)
		setup = append(setup, note)
	}
	if len(runs) >= 4 {
		var growth []string
		for _, flow := range []string{workflows.FlowOrdersToLightspeed, workflows.FlowOrdersToFortnox} {
			var first, last backlogRun
			for _, r := range runs {
				if r.flow == flow {
					if first.flow == "" {
						first = r
					}
					last = r
				}
			}
			ratio := func(x, y float64) float64 { return x / math.Max(y, 1e-9) }
			growth = append(growth, fmt.Sprintf("%s ×%.1f records: fetch listings ×%.2f (%d → %d), all vendor calls ×%.2f, wall ×%.2f, whole worker's peak memory ×%.2f (%.0f → %.0f MB)",
				flow, ratio(float64(last.n), float64(first.n)), ratio(float64(last.listings), float64(first.listings)), first.listings, last.listings,
				ratio(float64(last.total()), float64(first.total())), ratio(last.wall.Seconds(), first.wall.Seconds()),
				ratio(last.mainMB(), first.mainMB()), first.mainMB(), last.mainMB()))
			short := strings.TrimPrefix(flow, "orders-")
			b.ReportMetric(ratio(float64(last.listings), float64(first.listings)), short+"-listings-growth")
			b.ReportMetric(ratio(last.mainMB(), first.mainMB()), short+"-memory-growth")
		}
		setup = append(setup, fmt.Sprintf("growth from N=%d to N=%d: %s", runs[0].n, runs[len(runs)-1].n, strings.Join(growth, "; ")))
	}
	// One line: testing keeps only the first ten lines a benchmark logs.
	b.Logf("%s; whole benchmark %s", strings.Join(setup, "; "), time.Since(began).Round(time.Second))
	b.ReportMetric(0, "ns/op")
}

// runBacklog runs both directions over a backlog of n records each on a stack of its own,
// stopped before it returns.
func runBacklog(ctx context.Context, b *testing.B, n int) (toLightspeed, toFortnox backlogRun, note string) {
	started := time.Now()
	scope := &scopedTB{TB: b}
	defer scope.close()
	s := startStack(scope, stackOptions{maxConcurrent: backlogMaxConcurrent,
		productWait: 30 * time.Second, productRecheck: 10 * time.Second})
	fx := newCountingProxy(scope, s.fortnoxURL, fortnoxFetchListing)
	ls := newCountingProxy(scope, s.lightspeedURL, lightspeedFetchListing)
	s.env["FORTNOX_BASE_URL"], s.env["FORTNOX_AUTH_URL"] = fx.url, fx.url
	s.env["LIGHTSPEED_BASE_URL"], s.env["LIGHTSPEED_AUTH_URL"] = ls.url, ls.url
	s.workerBinary()
	stackTime := time.Since(started)

	seeding := time.Now()
	stockUp(ctx, s)
	// Fortnox's lastmodified filter has whole minutes: moving the sandbox's clock two
	// minutes on puts the backlog in a minute after the demo orders made at reset.
	var clock struct {
		Now time.Time `json:"now"`
	}
	s.sandboxCall(ctx, http.MethodPut, s.fortnoxURL+"/_sandbox/clock", testapi.ClockRequest{AdvanceSeconds: 120}, &clock)
	sinceFortnox := clock.Now.Truncate(time.Minute)
	ordersBefore := s.fortnoxState(ctx).Counts["orders"]
	rng := rand.New(rand.NewPCG(uint64(n), 3))
	for range n {
		s.fortnox.DemoTick(rng)
	}
	if made := s.fortnoxState(ctx).Counts["orders"] - ordersBefore; made != n {
		b.Fatalf("N=%d: the Fortnox demo ticks made %d orders", n, made)
	}
	// Sale timestamps have whole seconds: the backlog starts at the next one, after every
	// demo sale.
	sinceLightspeed := time.Now().Truncate(time.Second).Add(time.Second)
	time.Sleep(time.Until(sinceLightspeed))
	newest := newestSale(b, s.lightspeedState(ctx), 0)
	for made := 0; made < n; {
		for range n - made {
			s.lightspeed.DemoTick(rng)
		}
		now := newestSale(b, s.lightspeedState(ctx), newest)
		if now == newest {
			b.Fatalf("N=%d: the Lightspeed demo ticks made no sale", n)
		}
		made, newest = made+int(now-newest), now
	}
	seedTime := time.Since(seeding)

	// orders-to-lightspeed first: its open sales are not in orders-to-fortnox's listing of
	// completed ones, whereas orders-to-fortnox's orders would be in its listing.
	s.opts.pageSize = backlogPageLimitFortnox
	toLightspeed = runBacklogFlow(ctx, b, s, fx, ls, workflows.FlowOrdersToLightspeed, n, sinceFortnox, backlogPageLimitFortnox)
	s.opts.pageSize = backlogPageLimitLightspeed
	toFortnox = runBacklogFlow(ctx, b, s, fx, ls, workflows.FlowOrdersToFortnox, n, sinceLightspeed, backlogPageLimitLightspeed)
	note = fmt.Sprintf("N=%d: stack %s, %d sales + %d orders seeded by demo ticks in %s, whole worker + %d vendor-queue workers, maxConcurrent %d",
		n, stackTime.Round(100*time.Millisecond), n, n, seedTime.Round(100*time.Millisecond), backlogHelpers, backlogMaxConcurrent)
	return toLightspeed, toFortnox, note
}

// stockUp gives every Lightspeed item backlogStock in shops 1 and 2.
func stockUp(ctx context.Context, s *stack) {
	qoh := strconv.Itoa(backlogStock)
	for _, it := range s.lightspeedState(ctx).Records.Item {
		s.lightspeedAPI(ctx, http.MethodPut, "Item/"+it.ItemID+".json", map[string]any{
			"ItemShops": map[string]any{"ItemShop": []any{
				map[string]any{"shopID": "1", "qoh": qoh}, map[string]any{"shopID": "2", "qoh": qoh},
			}},
		}, nil)
	}
}

// backlogRun is one direction's run over a backlog.
type backlogRun struct {
	flow      string
	n         int
	pageLimit int
	result    workflows.SyncResult
	wall      time.Duration

	listings, distinct  int64         // fetch listings through the proxy, and distinct ones
	firstListing        time.Duration // from the parent's start to its first listing
	fortnox, lightspeed testapi.StatsView
	fxCalls, lsCalls    map[string]int64 // the proxy's counts by route and query names
	fxTotal, lsTotal    int64
	peakKB              []int64 // VmHWM of each worker process, the whole worker first
}

// runBacklogFlow runs one parent of flow from since on fresh worker processes with every
// counter zeroed, and stops the processes after reading their peak memory.
func runBacklogFlow(ctx context.Context, b *testing.B, s *stack, fx, ls *countingProxy, flow string, n int, since time.Time, pageLimit int) backlogRun {
	procs := startBacklogWorkers(s)
	resetStats(ctx, s)
	fx.reset()
	ls.reset()
	start := time.Now()
	res := s.runFlow(ctx, flow, since)
	wall := time.Since(start)
	s.waitSettled(ctx, flow)
	r := backlogRun{flow: flow, n: n, pageLimit: pageLimit, result: res, wall: wall,
		fortnox: s.stats(ctx, s.fortnoxURL), lightspeed: s.stats(ctx, s.lightspeedURL)}
	var fetch *countingProxy
	if flow == workflows.FlowOrdersToLightspeed {
		fetch = fx
	} else {
		fetch = ls
	}
	var first time.Time
	r.listings, r.distinct, first = fetch.listings()
	r.firstListing = first.Sub(start)
	r.fxCalls, r.fxTotal = fx.counts()
	r.lsCalls, r.lsTotal = ls.counts()
	for _, p := range procs {
		kb, err := peakRSS(p.cmd.Process.Pid)
		if err != nil {
			b.Fatalf("%s: peak memory of worker process %d: %v", flow, p.cmd.Process.Pid, err)
		}
		r.peakKB = append(r.peakKB, kb)
	}
	s.stopWorkerProcess()
	return r
}

// startBacklogWorkers starts the whole worker (all three task queues) and backlogHelpers
// processes polling fortnox-api and lightspeed-api. It does not wait for them: the task
// queues keep the parent's first tasks until they poll, so the run's wall time includes
// their start (the first fetch listing's delay is reported). DescribeTaskQueue is no
// readiness check here: it shows a poller only once it has polled the root partition,
// up to a minute after the process started.
func startBacklogWorkers(s *stack) []*workerProcess {
	s.startWorkerProcess()
	s.mu.Lock()
	procs := []*workerProcess{s.procs[len(s.procs)-1]}
	s.mu.Unlock()
	for i := range backlogHelpers {
		env := map[string]string{}
		for k, v := range s.env {
			env[k] = v
		}
		env["FORTSPEED_TASK_QUEUES"] = workflows.TaskQueueFortnox + "," + workflows.TaskQueueLightspeed
		p, _ := s.startWorkerProcessEnv(env, fmt.Sprintf("backlog-helper-%d.log", i+1))
		procs = append(procs, p)
	}
	return procs
}

// peakRSS reads a process's peak resident set size (VmHWM) in kB.
func peakRSS(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

func (r backlogRun) bound() int64 {
	return int64(math.Ceil(float64(r.n)/float64(r.pageLimit))) + 1
}

func (r backlogRun) total() int64 { return r.fxTotal + r.lsTotal }

func (r backlogRun) mainMB() float64 {
	if len(r.peakKB) == 0 {
		return 0
	}
	return float64(r.peakKB[0]) / 1024
}

// log writes two lines: testing keeps only the first ten lines a benchmark logs.
func (r backlogRun) log(b *testing.B) {
	vendor, endpoint := "Fortnox", "GET /3/orders?lastmodified (no externalinvoicereference1)"
	if r.flow == workflows.FlowOrdersToFortnox {
		vendor, endpoint = "Lightspeed", "GET /API/V3/Account/{id}/Sale?completed=true (no referenceNumber)"
	}
	helpers := make([]string, 0, len(r.peakKB))
	for _, kb := range r.peakKB[1:] {
		helpers = append(helpers, fmt.Sprintf("%.0f", float64(kb)/1024))
	}
	res := r.result
	b.Logf("%s N=%d: fetch = %d %s listings %s (%d distinct; the engine counted %d pages, continued as new %d×) vs bound ceil(%d/%d)+1 = %d: ratio %.3f (goal ≤ 1.05); %d records, %d committed, %d skipped, %d needs_fix, %d failed, %d in progress, %d duplicates; wall %s (%.1f committed/s; first listing after %s: worker start); peak memory (VmHWM) whole worker %.0f MB (goal < 300), vendor-queue workers %s MB",
		r.flow, r.n, r.listings, vendor, endpoint, r.distinct, res.Pages, res.Continued, r.n, r.pageLimit, r.bound(),
		float64(r.listings)/float64(r.bound()), res.Records, res.Committed, res.Skipped, res.NeedsFix, res.Failed, res.InProgress,
		res.Duplicates, r.wall.Round(100*time.Millisecond), float64(res.Committed)/r.wall.Seconds(),
		r.firstListing.Round(100*time.Millisecond), r.mainMB(), strings.Join(helpers, "/"))
	check := ""
	if r.fxTotal != r.fortnox.Total || r.lsTotal != r.lightspeed.Total {
		check = fmt.Sprintf(" (the sandboxes counted Fortnox %d, Lightspeed %d)", r.fortnox.Total, r.lightspeed.Total)
	}
	b.Logf("%s N=%d calls through the proxy: Fortnox %d, Lightspeed %d%s, %d 429s: %s", r.flow, r.n, r.fxTotal, r.lsTotal, check,
		r.fortnox.Total429+r.lightspeed.Total429, breakdown(r.fxCalls, r.lsCalls, 0))
}

func (r backlogRun) report(b *testing.B) {
	key := fmt.Sprintf("%s-%d-", strings.TrimPrefix(r.flow, "orders-"), r.n)
	b.ReportMetric(float64(r.listings), key+"listings")
	b.ReportMetric(float64(r.listings)/float64(r.bound()), key+"listings/bound")
	b.ReportMetric(float64(r.result.Committed), key+"committed")
	b.ReportMetric(r.wall.Seconds(), key+"wall-s")
	b.ReportMetric(r.mainMB(), key+"peak-MB")
}

// fortnoxFetchListing recognises orders-to-lightspeed's fetch, GET /3/orders with
// lastmodified and no externalinvoicereference1 (orders-to-fortnox's page check-exists
// lists by both), and names the page it lists.
func fortnoxFetchListing(r *http.Request) (string, bool) {
	q := r.URL.Query()
	if r.Method != http.MethodGet || strings.TrimRight(r.URL.Path, "/") != "/3/orders" ||
		!q.Has("lastmodified") || q.Has("externalinvoicereference1") {
		return "", false
	}
	return "lastmodified=" + q.Get("lastmodified") + " page=" + q.Get("page") + " limit=" + q.Get("limit"), true
}

// lightspeedFetchListing recognises orders-to-fortnox's fetch, GET …/Sale with
// completed=true and no referenceNumber (the check-exists lookups), and names the page it
// lists by its cursor.
func lightspeedFetchListing(r *http.Request) (string, bool) {
	q := r.URL.Query()
	if r.Method != http.MethodGet || !strings.HasSuffix(strings.TrimSuffix(r.URL.Path, ".json"), "/Sale") ||
		q.Get("completed") != "true" || q.Has("referenceNumber") {
		return "", false
	}
	return "timeStamp=" + q.Get("timeStamp") + " after=" + q.Get("after"), true
}

// countingProxy is a reverse proxy in front of one sandbox that counts every request by
// method, route (numeric path segments but the first as {id}) and the sorted names of its query, and
// each fetch listing by the page it asks for.
type countingProxy struct {
	url, target string
	listing     func(*http.Request) (string, bool)

	mu     sync.Mutex
	calls  map[string]int64
	listed map[string]int64
	first  time.Time // of the first listing
}

func newCountingProxy(tb testing.TB, target string, listing func(*http.Request) (string, bool)) *countingProxy {
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatalf("sandbox URL %q: %v", target, err)
	}
	p := &countingProxy{target: target, listing: listing}
	p.reset()
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.Out.Header.Del("Accept-Encoding") // plain answers, so their links can be rewritten
		},
		Transport: &http.Transport{MaxIdleConns: 200, MaxIdleConnsPerHost: 200, DisableCompression: true},
		ModifyResponse: func(resp *http.Response) error {
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			body = bytes.ReplaceAll(body, []byte(p.target), []byte(p.url))
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
			return nil
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.count(r)
		rp.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

func (p *countingProxy) count(r *http.Request) {
	segs := strings.Split(strings.TrimSuffix(r.URL.Path, ".json"), "/")
	for i, seg := range segs {
		// segs[1] is Fortnox's API version, "3".
		if _, err := strconv.ParseInt(seg, 10, 64); err == nil && i > 1 {
			segs[i] = "{id}"
		}
	}
	key := r.Method + " " + strings.Join(segs, "/")
	q := r.URL.Query()
	if len(q) > 0 {
		names := make([]string, 0, len(q))
		for name := range q {
			names = append(names, name)
		}
		sort.Strings(names)
		key += "?" + strings.Join(names, ",")
	}
	page, isListing := p.listing(r)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[key]++
	if isListing {
		p.listed[page]++
		if p.first.IsZero() {
			p.first = time.Now()
		}
	}
}

func (p *countingProxy) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls, p.listed, p.first = map[string]int64{}, map[string]int64{}, time.Time{}
}

// counts returns a copy of the counts by key and their total.
func (p *countingProxy) counts() (map[string]int64, int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int64, len(p.calls))
	var total int64
	for k, v := range p.calls {
		out[k] = v
		total += v
	}
	return out, total
}

// listings returns how many fetch listings went through, how many distinct pages they
// asked for (more listings than pages is re-listing) and when the first one came.
func (p *countingProxy) listings() (total, distinct int64, first time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range p.listed {
		total += n
	}
	return total, int64(len(p.listed)), p.first
}

// scopedTB runs the cleanups registered through it when close is called rather than at the
// end of the benchmark, so that each backlog size's stack is gone before the next starts.
type scopedTB struct {
	testing.TB

	mu       sync.Mutex
	cleanups []func()
}

func (t *scopedTB) Cleanup(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

func (t *scopedTB) close() {
	t.mu.Lock()
	fs := t.cleanups
	t.cleanups = nil
	t.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

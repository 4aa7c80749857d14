package main

// The benchmarks of issue 4 (`make bench`): vendor calls per order, the delay from a
// completed sale to its Fortnox order under a 30-second schedule, and orders per minute at
// the real vendor limits. Each runs one fixed workload on the whole stack of stack_test.go
// (dev server, both sandboxes, the worker in-process), whatever b.N is, and reports its
// figures with b.ReportMetric and b.Logf; none of them fails on time.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"fortspeed/clients"
	fxclient "fortspeed/clients/fortnox"
	lsclient "fortspeed/clients/lightspeed"
	"fortspeed/mapping"
	"fortspeed/sandbox/testapi"
	"fortspeed/workflows"
)

// Vendor limits the figures are measured against (shared/reference/*-api.md).
const (
	fortnoxRequestsPerMinute  = 25.0 * 60 / 5 // 25 requests per sliding 5 s
	fortnoxBurst              = 25.0          // what one window takes at once
	lightspeedBucketSize      = 90.0          // drips, one register
	lightspeedDripsPerMinute  = 60.0          // 1 drip per second
	lightspeedSaleWriteCost   = 2.0           // POST Sale, open (not completed)
	lightspeedNestedWriteCost = 0.5           // each nested entity of a write (a SaleLine)
)

// Where the benchmarks book their own Lightspeed sales: the demo account's first shop,
// register and employee, as the default orders.lightspeed settings say.
const (
	lightspeedShop     = 1
	lightspeedRegister = 1
	lightspeedEmployee = 1
)

// callsPerOrderRecords is N, the new records per direction of BenchmarkAPICallsPerOrder.
const callsPerOrderRecords = 50

// BenchmarkAPICallsPerOrder counts the vendor requests an order costs in each direction in
// steady state: a warm-up run first sees every customer and product (one source record per
// customer, together holding every SKU), then N new demo records for those customers are
// synced by one run, and the sandboxes' request counters, zeroed in between, are divided by
// N. The minimum is one write per order plus the amortised page reads; the goal is at most
// 2 calls per order on average.
func BenchmarkAPICallsPerOrder(b *testing.B) {
	began := time.Now()
	s := startStack(b, stackOptions{})
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	toFortnox := callsToFortnox(ctx, b, s, began)
	toLightspeed := callsToLightspeed(ctx, b, s, began)
	for _, p := range []callsPhase{toFortnox, toLightspeed} {
		p.log(b)
		b.ReportMetric(p.perOrder(p.total()), p.flow+"-calls/order")
		b.ReportMetric(p.perOrder(p.writes()), p.flow+"-writes/order")
	}
	b.ReportMetric((toFortnox.perOrder(toFortnox.total())+toLightspeed.perOrder(toLightspeed.total()))/2, "avg-calls/order")
	b.ReportMetric(0, "ns/op")
}

// callsToFortnox measures orders-to-fortnox: completed Lightspeed sales → Fortnox orders.
func callsToFortnox(ctx context.Context, b *testing.B, s *stack, began time.Time) callsPhase {
	flow := workflows.FlowOrdersToFortnox
	cover := coverLightspeed(ctx, b, s)
	warm := s.runFlow(ctx, flow, began.AddDate(0, 0, -40)) // the demo sales go back 30 days
	s.waitSettled(ctx, flow)
	b.Logf("%s warm-up: %d coverage sales + the demo sales: %s", flow, cover, resultLine(warm))

	// Sale timestamps have whole seconds: start at the next one, after every warm-up sale.
	since := time.Now().Truncate(time.Second).Add(time.Second)
	time.Sleep(time.Until(since))
	resetStats(ctx, s)
	rng := rand.New(rand.NewPCG(4, 1))
	for range callsPerOrderRecords {
		s.lightspeed.DemoTick(rng)
	}
	res := s.runFlow(ctx, flow, since)
	s.waitSettled(ctx, flow)
	return callsPhase{flow: flow, records: callsPerOrderRecords, result: res,
		fortnox: s.stats(ctx, s.fortnoxURL), lightspeed: s.stats(ctx, s.lightspeedURL)}
}

// callsToLightspeed measures orders-to-lightspeed: Fortnox orders → open Lightspeed sales.
func callsToLightspeed(ctx context.Context, b *testing.B, s *stack, began time.Time) callsPhase {
	flow := workflows.FlowOrdersToLightspeed
	cover := coverFortnox(ctx, b, s)
	warm := s.runFlow(ctx, flow, began.Add(-time.Minute)) // the demo orders were made at reset
	s.waitSettled(ctx, flow)
	b.Logf("%s warm-up: %d coverage orders + the demo orders: %s", flow, cover, resultLine(warm))

	// Fortnox's lastmodified filter has whole minutes, so a run from now would list the
	// warm-up's orders again. Moving the sandbox's clock two minutes on puts the new orders
	// in a minute of their own without waiting for it.
	var clock struct {
		Now time.Time `json:"now"`
	}
	s.sandboxCall(ctx, http.MethodPut, s.fortnoxURL+"/_sandbox/clock", testapi.ClockRequest{AdvanceSeconds: 120}, &clock)
	since := clock.Now.Truncate(time.Minute)
	resetStats(ctx, s)
	rng := rand.New(rand.NewPCG(4, 2))
	for range callsPerOrderRecords {
		s.fortnox.DemoTick(rng)
	}
	res := s.runFlow(ctx, flow, since)
	s.waitSettled(ctx, flow)
	return callsPhase{flow: flow, records: callsPerOrderRecords, result: res,
		fortnox: s.stats(ctx, s.fortnoxURL), lightspeed: s.stats(ctx, s.lightspeedURL)}
}

// callsPhase is what one measured run cost, as the sandboxes counted it.
type callsPhase struct {
	flow    string
	records int
	result  workflows.SyncResult

	fortnox, lightspeed testapi.StatsView
}

func (p callsPhase) total() int64 { return p.fortnox.Total + p.lightspeed.Total }

// writes counts every request that is not a read, on both vendors.
func (p callsPhase) writes() int64 {
	var n int64
	for _, st := range []testapi.StatsView{p.fortnox, p.lightspeed} {
		for endpoint, count := range st.Requests {
			if !strings.HasPrefix(endpoint, http.MethodGet+" ") {
				n += count
			}
		}
	}
	return n
}

func (p callsPhase) perOrder(n int64) float64 { return float64(n) / float64(p.records) }

// log writes three lines: testing keeps only the first ten lines a benchmark logs.
func (p callsPhase) log(b *testing.B) {
	b.Logf("%s: %d new records → %s", p.flow, p.records, resultLine(p.result))
	b.Logf("%s: %d vendor requests = %.2f per order (%.2f writes; minimum 1 write + amortised page reads; goal ≤ 2), %d 429s",
		p.flow, p.total(), p.perOrder(p.total()), p.perOrder(p.writes()), p.fortnox.Total429+p.lightspeed.Total429)
	b.Logf("%s: per endpoint: %s", p.flow, breakdown(p.fortnox.Requests, p.lightspeed.Requests, p.records))
}

// breakdown lists the requests per endpoint, most frequent first, with their share per
// order when records is not zero.
func breakdown(fortnox, lightspeed map[string]int64, records int) string {
	type row struct {
		name  string
		count int64
	}
	var rows []row
	for vendor, calls := range map[string]map[string]int64{"Fortnox": fortnox, "Lightspeed": lightspeed} {
		for endpoint, count := range calls {
			rows = append(rows, row{vendor + " " + endpoint, count})
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].count != rows[j].count {
			return rows[i].count > rows[j].count
		}
		return rows[i].name < rows[j].name
	})
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		if records > 0 {
			out = append(out, fmt.Sprintf("%s %d (%.2f/order)", r.name, r.count, float64(r.count)/float64(records)))
		} else {
			out = append(out, fmt.Sprintf("%s %d", r.name, r.count))
		}
	}
	return strings.Join(out, "; ")
}

func resultLine(r workflows.SyncResult) string {
	return fmt.Sprintf("%d records, %d committed, %d skipped, %d needs_fix, %d failed, %d in progress",
		r.Records, r.Committed, r.Skipped, r.NeedsFix, r.Failed, r.InProgress)
}

// resetStats zeroes both sandboxes' request counters.
func resetStats(ctx context.Context, s *stack) {
	for _, url := range []string{s.fortnoxURL, s.lightspeedURL} {
		s.sandboxCall(ctx, http.MethodDelete, url+"/_sandbox/stats", nil, nil)
	}
}

// mintToken mints an access token on a sandbox for the benchmark's own writes.
func mintToken(ctx context.Context, s *stack, baseURL string) clients.StaticSource {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	s.sandboxCall(ctx, http.MethodPost, baseURL+"/_sandbox/tokens", map[string]any{}, &tok)
	return clients.StaticSource(tok.AccessToken)
}

// coverLightspeed completes one sale per Lightspeed customer, the sales together holding
// every item once, so a run over them sees every customer and product. It returns the number
// of sales.
func coverLightspeed(ctx context.Context, b *testing.B, s *stack) int {
	st := s.lightspeedState(ctx)
	var cash int64
	for _, pt := range st.Records.PaymentType {
		if pt.Name == "Cash" {
			cash = parseID(b, "paymentTypeID", pt.PaymentTypeID)
		}
	}
	if cash == 0 || len(st.Records.Customer) == 0 {
		b.Fatalf("the Lightspeed demo account has no Cash payment type or no customers")
	}
	ls, err := lsclient.New(lsclient.Config{BaseURL: s.lightspeedURL, Tokens: mintToken(ctx, s, s.lightspeedURL)})
	if err != nil {
		b.Fatalf("lightspeed client: %v", err)
	}
	sales := make([]lsclient.SaleInput, len(st.Records.Customer))
	for i, c := range st.Records.Customer {
		sales[i] = lsclient.SaleInput{ShopID: lightspeedShop, RegisterID: lightspeedRegister, EmployeeID: lightspeedEmployee,
			CustomerID: parseID(b, "customerID", c.CustomerID), Completed: true}
	}
	price := decimal.NewFromInt(100)
	for i, it := range st.Records.Item {
		sale := &sales[i%len(sales)]
		sale.Lines = append(sale.Lines, lsclient.SaleLineInput{ItemID: parseID(b, "itemID", it.ItemID),
			UnitQuantity: decimal.NewFromInt(1), UnitPrice: &price})
	}
	for i := range sales {
		total := price.Mul(decimal.NewFromInt(int64(len(sales[i].Lines))))
		sales[i].Payments = []lsclient.SalePaymentInput{{PaymentTypeID: cash, Amount: total}}
		if _, err := ls.CreateSale(ctx, sales[i]); err != nil {
			b.Fatalf("create coverage sale %d: %v", i+1, err)
		}
	}
	return len(sales)
}

// coverFortnox makes one order per Fortnox customer with an e-mail (the ones demo orders
// are for), the orders together holding every article once. It returns the number of orders.
func coverFortnox(ctx context.Context, b *testing.B, s *stack) int {
	st := s.fortnoxState(ctx)
	var buyers []string
	for _, c := range st.Customers {
		if c.Email != "" {
			buyers = append(buyers, c.CustomerNumber)
		}
	}
	if len(buyers) == 0 {
		b.Fatalf("the Fortnox demo company has no customers with an e-mail")
	}
	// The sandbox has no limits here, so the client need not pace either.
	fx, err := fxclient.New(fxclient.Config{BaseURL: s.fortnoxURL, Tokens: mintToken(ctx, s, s.fortnoxURL),
		RateLimit: 1000, RateWindow: time.Second})
	if err != nil {
		b.Fatalf("fortnox client: %v", err)
	}
	orders := make([]fxclient.OrderInput, len(buyers))
	for i, number := range buyers {
		ref := fmt.Sprintf("WEB-%05d", 90000+i)
		orders[i] = fxclient.OrderInput{CustomerNumber: number, ExternalInvoiceReference1: &ref}
	}
	one := decimal.NewFromInt(1)
	for i, art := range st.Articles {
		number := art.ArticleNumber
		o := &orders[i%len(orders)]
		o.OrderRows = append(o.OrderRows, fxclient.OrderRowInput{ArticleNumber: &number,
			OrderedQuantity: fxclient.NumOf(one), DeliveredQuantity: fxclient.NumOf(one)})
	}
	for i := range orders {
		if _, err := fx.CreateOrder(ctx, orders[i]); err != nil {
			b.Fatalf("create coverage order %d: %v", i+1, err)
		}
	}
	return len(orders)
}

func parseID(b *testing.B, name, v string) int64 {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		b.Fatalf("Lightspeed %s %q is not a positive number", name, v)
	}
	return id
}

// Workload of BenchmarkSaleToOrderLatency.
const (
	latencySchedule = 30 * time.Second
	latencyTicking  = 210 * time.Second // sales are made for this long
	latencyMeanGap  = 7 * time.Second   // mean pause between two sales (exponential)
	latencyPoll     = 250 * time.Millisecond
	latencyDrain    = 90 * time.Second // how long after the last sale its order may take
)

// BenchmarkSaleToOrderLatency measures, with the real rate limits and a real Schedule that
// runs orders-to-fortnox every 30 s (created as `starter setup` creates it), the time from
// the completion of each sale to the moment its Fortnox order exists. Sales are completed
// at random moments (exponential gaps) for 3.5 minutes; the Fortnox sandbox is polled every
// 250 ms. Goal: p95 under 45 s.
func BenchmarkSaleToOrderLatency(b *testing.B) {
	s := startStack(b, stackOptions{limits: true})
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	createSchedule(ctx, b, s, workflows.FlowOrdersToFortnox, latencySchedule)

	rng := rand.New(rand.NewPCG(2026, 4))
	gap := func() time.Duration {
		return max(500*time.Millisecond, time.Duration(rng.ExpFloat64()*float64(latencyMeanGap)))
	}
	lastSale := newestSale(b, s.lightspeedState(ctx), 0)
	completed := map[int64]time.Time{}   // sale id → completion
	latency := map[int64]time.Duration{} // sale id → completion until its order was seen
	began := time.Now()
	stopTicking := began.Add(latencyTicking)
	nextTick := began.Add(gap())
	for {
		now := time.Now()
		if now.Before(stopTicking) && !now.Before(nextTick) {
			s.lightspeed.DemoTick(rng)
			newest := newestSale(b, s.lightspeedState(ctx), lastSale)
			for id := lastSale + 1; id <= newest; id++ {
				completed[id] = now
			}
			lastSale = newest
			nextTick = now.Add(gap())
		}
		polled := time.Now()
		for _, o := range s.fortnoxState(ctx).Orders {
			id, ok := saleOfOrder(o.ExternalInvoiceReference1)
			if at, sold := completed[id]; ok && sold {
				if _, seen := latency[id]; !seen {
					latency[id] = polled.Sub(at)
				}
			}
		}
		if !now.Before(stopTicking) && (len(latency) == len(completed) || now.After(stopTicking.Add(latencyDrain))) {
			break
		}
		wait := latencyPoll - time.Since(polled)
		if now.Before(stopTicking) {
			wait = min(wait, time.Until(nextTick))
		}
		time.Sleep(max(wait, 0))
	}

	reportLatencies(b, latency, len(completed), fmt.Sprintf("sale → Fortnox order with a %s schedule, %d sales over %s",
		latencySchedule, len(completed), latencyTicking), "45 s", "sales", latencyDrain)
}

// reportLatencies reports p50, p95 and the worst of a latency benchmark's n events (what,
// against the goal for p95), and how many did not arrive within drain of the last.
func reportLatencies[K comparable](b *testing.B, latency map[K]time.Duration, n int, what, goal, unit string, drain time.Duration) {
	var ds []time.Duration
	for _, d := range latency {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	missing := n - len(ds)
	if len(ds) == 0 {
		b.Logf("%s: none arrived within %s of the last", what, drain)
		b.ReportMetric(float64(missing), "missing")
		return
	}
	p50, p95, worst := percentile(ds, 50), percentile(ds, 95), ds[len(ds)-1]
	b.Logf("%s: p50 %.1f s, p95 %.1f s, max %.1f s (goal p95 < %s); %d not synced within %s of the last",
		what, p50.Seconds(), p95.Seconds(), worst.Seconds(), goal, missing, drain)
	b.Logf("all latencies (s): %s", formatSeconds(ds))
	b.ReportMetric(p50.Seconds(), "p50-s")
	b.ReportMetric(p95.Seconds(), "p95-s")
	b.ReportMetric(worst.Seconds(), "max-s")
	b.ReportMetric(float64(n), unit)
	b.ReportMetric(float64(missing), "missing")
	b.ReportMetric(0, "ns/op")
}

// createSchedule creates the flow's schedule as `starter setup` does (id, action, input
// from the settings, overlap SKIP) with the given interval, and deletes it at the end.
func createSchedule(ctx context.Context, b *testing.B, s *stack, flow string, every time.Duration) {
	settings, err := mapping.Load(s.settingsPath)
	if err != nil {
		b.Fatalf("load the stack's settings: %v", err)
	}
	input := workflows.SyncInput{Tenant: workflows.DefaultTenant, Flow: flow, Lookback: settings.Flows[flow].Lookback.D(),
		ProductWait: settings.Orders.ProductWait.D(), NeedsFixWait: settings.Orders.NeedsFixWait.D()}
	id := workflows.ScheduleID(workflows.DefaultTenant, flow)
	h, err := s.client.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:   id,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}},
		Action: &client.ScheduleWorkflowAction{
			ID:        id,
			Workflow:  workflows.WorkflowFlowSync,
			Args:      []any{input},
			TaskQueue: workflows.TaskQueueFortspeed,
		},
		Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP,
	})
	if err != nil {
		b.Fatalf("create schedule %s: %v", id, err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.Delete(ctx); err != nil {
			b.Logf("delete schedule %s: %v", id, err)
		}
	})
}

// newestSale is the highest completed sale id in the state, at least after.
func newestSale(b *testing.B, st lightspeedState, after int64) int64 {
	newest := after
	for _, sale := range st.Records.Sale {
		if id := parseID(b, "saleID", sale.SaleID); id > newest && sale.Completed == "true" {
			newest = id
		}
	}
	return newest
}

// saleOfOrder reads the sale id from a Fortnox order's ExternalInvoiceReference1, LS-<saleID>.
func saleOfOrder(ref string) (int64, bool) {
	rest, ok := strings.CutPrefix(ref, "LS-")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func formatSeconds(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = strconv.FormatFloat(d.Seconds(), 'f', 1, 64)
	}
	return strings.Join(parts, " ")
}

// Workload of BenchmarkOrdersPerMinute: 300 sales to Fortnox, the backlog the issue names
// (about a minute at Fortnox's limit), and 100 orders to Lightspeed, whose bucket allows
// 22.9 a minute (300 would add ten minutes to make bench for the same ratio).
const (
	toFortnoxBacklog  = 300
	throughputBacklog = 100
	// throughputLimit bounds one direction's run; a slower run reports what it committed.
	throughputLimit = 9 * time.Minute
)

// BenchmarkOrdersPerMinute runs a backlog of records per direction, one direction after
// the other, against the sandboxes with the real limits on (Fortnox 25 per sliding 5 s;
// Lightspeed a 90-drip bucket leaking 1 drip/s with the documented request costs) and the
// clients pacing as shipped, from a cold worker (no customer or product known yet). It
// reports the orders per minute achieved, the orders per minute the limits allow at the
// minimum call count (one write per order, reads amortised), and the 429s.
func BenchmarkOrdersPerMinute(b *testing.B) {
	began := time.Now()
	s := startStack(b, stackOptions{limits: true})
	s.startWorker()
	ctx, cancel := context.WithTimeout(context.Background(), 2*throughputLimit+2*time.Minute)
	defer cancel()

	// orders-to-fortnox: 300 completed sales, made after a whole second so that none of the
	// demo sales are in the backlog.
	since := time.Now().Truncate(time.Second).Add(time.Second)
	time.Sleep(time.Until(since))
	rng := rand.New(rand.NewPCG(60, 1))
	for range toFortnoxBacklog {
		s.lightspeed.DemoTick(rng)
	}
	toFortnox := runThroughput(ctx, b, s, workflows.FlowOrdersToFortnox, since)
	// Fortnox allows 300 requests a minute and an order needs one write there; the
	// Lightspeed page reads cost a drip per 100 sales.
	toFortnox.allowedPerMinute = fortnoxRequestsPerMinute
	toFortnox.bestTime = time.Duration(math.Max(0, float64(toFortnox.committed)-fortnoxBurst) / (fortnoxRequestsPerMinute / 60) * float64(time.Second))
	toFortnox.report(b)

	// orders-to-lightspeed: the 30 demo orders made at reset and 70 new ones. The
	// orders-to-fortnox run's orders (LS-…) are listed too and left out by fetch.
	rng = rand.New(rand.NewPCG(60, 2))
	for range throughputBacklog - 30 {
		s.fortnox.DemoTick(rng)
	}
	toLightspeed := runThroughput(ctx, b, s, workflows.FlowOrdersToLightspeed, began.Add(-time.Minute))
	// Lightspeed drips 60 a minute and an open sale costs 2 + 0.5 per line; Fortnox's 300
	// requests a minute allow 300 orders (one read each), so Lightspeed is the limit.
	drips := 0.0
	for _, sale := range s.lightspeedState(ctx).Records.Sale {
		if sale.ReferenceNumberSource == "Fortnox" {
			drips += lightspeedSaleWriteCost + lightspeedNestedWriteCost*float64(len(sale.SaleLines))
		}
	}
	if toLightspeed.committed > 0 && drips > 0 {
		perOrder := drips / float64(toLightspeed.committed)
		toLightspeed.allowedPerMinute = lightspeedDripsPerMinute / perOrder
		toLightspeed.bestTime = time.Duration(math.Max(0, drips-lightspeedBucketSize) / (lightspeedDripsPerMinute / 60) * float64(time.Second))
		b.Logf("%s: the sales written cost %.1f drips, %.2f per order", toLightspeed.flow, drips, perOrder)
	}
	toLightspeed.report(b)

	b.ReportMetric(toFortnox.perMinute(), "to-fortnox-orders/min")
	b.ReportMetric(toFortnox.allowedPerMinute, "to-fortnox-allowed-orders/min")
	b.ReportMetric(toLightspeed.perMinute(), "to-lightspeed-orders/min")
	b.ReportMetric(toLightspeed.allowedPerMinute, "to-lightspeed-allowed-orders/min")
	b.ReportMetric(float64(toFortnox.total429()+toLightspeed.total429()), "429s")
	b.ReportMetric(0, "ns/op")
}

// throughputRun is one direction's backlog run.
type throughputRun struct {
	flow      string
	committed int
	elapsed   time.Duration
	finished  bool

	fortnox, lightspeed testapi.StatsView
	// allowedPerMinute is the orders per minute the vendor limits allow at the minimum
	// call count, in steady state; bestTime is the least time the limits allow for this
	// backlog, counting the unused allowance at the start.
	allowedPerMinute float64
	bestTime         time.Duration
}

// runThroughput runs one parent of flow from since with the counters zeroed and waits up to
// throughputLimit for it.
func runThroughput(ctx context.Context, b *testing.B, s *stack, flow string, since time.Time) throughputRun {
	resetStats(ctx, s)
	start := time.Now()
	run := s.startFlow(ctx, flow, since)
	done := make(chan error, 1)
	var res workflows.SyncResult
	go func() { done <- run.Get(ctx, &res) }()
	tr := throughputRun{flow: flow}
	select {
	case err := <-done:
		if err != nil {
			b.Fatalf("%s: parent %s: %v", flow, run.GetID(), err)
		}
		tr.elapsed, tr.finished = time.Since(start), true
		tr.committed = res.Committed
		b.Logf("%s: %s", flow, resultLine(res))
	case <-time.After(throughputLimit):
		tr.elapsed = time.Since(start)
		// Each flow runs once on this stack, so every committed record is this run's.
		tr.committed = int(s.count(ctx, fmt.Sprintf(
			"WorkflowType = 'RecordSync' AND SyncFlow = '%s' AND SyncStatus = 'committed'", flow)))
		b.Logf("%s: not finished after %s; %d records committed so far", flow, throughputLimit, tr.committed)
	}
	tr.fortnox, tr.lightspeed = s.stats(ctx, s.fortnoxURL), s.stats(ctx, s.lightspeedURL)
	return tr
}

func (t throughputRun) perMinute() float64 { return float64(t.committed) / t.elapsed.Minutes() }

func (t throughputRun) total429() int64 { return t.fortnox.Total429 + t.lightspeed.Total429 }

func (t throughputRun) report(b *testing.B) {
	state := "finished"
	if !t.finished {
		state = "cut off"
	}
	share := 0.0
	if t.allowedPerMinute > 0 {
		share = 100 * t.perMinute() / t.allowedPerMinute
	}
	b.Logf("%s: %d orders committed in %s (%s): %.1f orders/min; the limits allow %.1f orders/min at one write per order (%.0f%%); best possible time for this backlog %s",
		t.flow, t.committed, t.elapsed.Round(100*time.Millisecond), state, t.perMinute(), t.allowedPerMinute, share, t.bestTime.Round(100*time.Millisecond))
	b.Logf("%s: %d Fortnox requests (%.1f/min of %.0f allowed), %d Lightspeed requests; 429s: Fortnox %d, Lightspeed %d",
		t.flow, t.fortnox.Total, float64(t.fortnox.Total)/t.elapsed.Minutes(), fortnoxRequestsPerMinute, t.lightspeed.Total,
		t.fortnox.Total429, t.lightspeed.Total429)
	b.Logf("%s: per endpoint: %s", t.flow, breakdown(t.fortnox.Requests, t.lightspeed.Requests, max(t.committed, 1)))
}

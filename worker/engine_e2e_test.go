package main

// Whole-stack tests of the flow engine: customer writes serialized across worker
// processes, a worker that polls only one vendor's queue, the sweep of records that failed
// in an outage (on demand and under a real Schedule), and a malformed sale that must not
// stall the flow. They assert what the sandboxes and the dev server hold, not timings.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enums "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"fortspeed/activities"
	"fortspeed/sandbox/testapi"
	"fortspeed/workflows"
)

// identityPrefix is how the Temporal identity of a worker process begins (the SDK's
// default identity is "<pid>@<host>@").
func identityPrefix(p *workerProcess) string { return strconv.Itoa(p.cmd.Process.Pid) + "@" }

// stillRunning reports whether the worker process has not exited.
func stillRunning(p *workerProcess) (bool, error) {
	select {
	case err := <-p.done:
		p.done <- err // for the stack's own stop
		return false, err
	default:
		return true, nil
	}
}

// waitFor polls cond until it holds; the test fails when ctx ends first.
func waitFor(ctx context.Context, tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			tb.Fatalf("gave up waiting: %s", what)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// executions lists every workflow execution the visibility query matches.
func (s *stack) executions(ctx context.Context, query string) []*workflowpb.WorkflowExecutionInfo {
	s.tb.Helper()
	var out []*workflowpb.WorkflowExecutionInfo
	var token []byte
	for {
		resp, err := s.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: query, PageSize: 1000, NextPageToken: token})
		require.NoError(s.tb, err, "list %q", query)
		out = append(out, resp.GetExecutions()...)
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return out
		}
	}
}

// activityIdentities maps each activity type of a history to the identities of the
// workers that ran it (the started event of each activity's last attempt).
func activityIdentities(hist *historypb.History) map[string][]string {
	scheduled := map[int64]string{}
	out := map[string][]string{}
	for _, e := range hist.GetEvents() {
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
			scheduled[e.GetEventId()] = a.GetActivityType().GetName()
		}
		if a := e.GetActivityTaskStartedEventAttributes(); a != nil {
			name := scheduled[a.GetScheduledEventId()]
			out[name] = append(out[name], a.GetIdentity())
		}
	}
	return out
}

// pollerIdentities lists the identities polling a task queue for activities.
func (s *stack) pollerIdentities(ctx context.Context, queue string) []string {
	s.tb.Helper()
	resp, err := s.client.DescribeTaskQueue(ctx, queue, enums.TASK_QUEUE_TYPE_ACTIVITY)
	require.NoError(s.tb, err, "describe task queue %s", queue)
	var out []string
	for _, p := range resp.GetPollers() {
		out = append(out, p.GetIdentity())
	}
	return out
}

// newCustomers are the Fortnox customers of after that before did not have.
func newCustomers(before, after fortnoxState) []fortnoxCustomer {
	had := map[string]bool{}
	for _, c := range before.Customers {
		had[c.CustomerNumber] = true
	}
	var out []fortnoxCustomer
	for _, c := range after.Customers {
		if !had[c.CustomerNumber] {
			out = append(out, c)
		}
	}
	return out
}

// TestTwoWorkersCreateEachNewCustomerOnce runs orders-to-fortnox on two worker processes
// at once over 60 sales of 12 customers Fortnox does not know, five sales each, with 20
// records in flight: records of one customer run at the same time on either process, and
// the CustomerUpsert child (one workflow id per e-mail) must make each customer once.
func TestTwoWorkersCreateEachNewCustomerOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-stack test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := startStack(t, stackOptions{maxConcurrent: 20})
	s.workerBinary()
	before, ls := s.fortnoxState(ctx), s.lightspeedState(ctx)
	item := anyItem(t, before, ls)
	cash := paymentTypeID(t, ls, "Cash")
	known := fortnoxEmails(before.Customers)
	since := time.Now().Add(-2 * time.Second)

	const customers, salesEach = 12, 5
	emailOf := map[string]string{} // sale id → the e-mail of its customer
	var emails []string
	for i := range customers {
		email := fmt.Sprintf("two.workers.%02d.e2e@example.com", i)
		require.Zero(t, known[email], "Fortnox already knows %s", email)
		emails = append(emails, email)
		id := s.createCustomer(ctx, lsNewCustomer{first: "Tova", last: fmt.Sprintf("Tvåarbetare %02d", i), email: email,
			street: fmt.Sprintf("Parallellgatan %d", i+1), zip: "11122", city: "Stockholm", country: "SE"})
		// One customer's sales one after the other, so they land in one batch of children.
		for j := range salesEach {
			emailOf[s.createSale(ctx, id, cash, lsNewLine{itemID: item.ItemID, qty: j + 1, price: "120.00"})] = email
		}
	}
	s.startWorkerProcess()
	s.startWorkerProcess()
	s.mu.Lock()
	procs := append([]*workerProcess(nil), s.procs...)
	s.mu.Unlock()
	require.Len(t, procs, 2)

	res := s.runFlow(ctx, workflows.FlowOrdersToFortnox, since)
	t.Logf("orders-to-fortnox: %+v", res)
	assert.Equal(t, customers*salesEach, res.Committed, "records committed: %+v", res)
	assert.Zero(t, s.waitSettled(ctx, workflows.FlowOrdersToFortnox), "records in needs_fix")

	after := s.fortnoxState(ctx)
	added := newCustomers(before, after)
	assert.Len(t, added, customers, "new Fortnox customers: %v", added)
	byEmail := customersByEmail(after)
	for _, email := range emails {
		assert.Len(t, byEmail[email], 1, "Fortnox customers with e-mail %s", email)
	}
	byRef := ordersByRef(after)
	for sale, email := range emailOf {
		orders := byRef[fortnoxLoopPrefix+sale]
		if !assert.Len(t, orders, 1, "Fortnox orders of sale %s", sale) || len(byEmail[email]) == 0 {
			continue
		}
		assert.Equal(t, byEmail[email][0].CustomerNumber, orders[0].CustomerNumber, "sale %s goes to the customer of %s", sale, email)
	}
	out := s.outcomes(ctx, workflows.FlowOrdersToFortnox)
	assert.Len(t, out, customers*salesEach, "record workflows")
	for sale := range emailOf {
		o := out[workflows.SourceKindSale+":"+sale]
		assert.Equal(t, workflows.StatusCommitted, o.Status, "sale %s (%s)", sale, o.WorkflowID)
		assert.Equal(t, enums.WORKFLOW_EXECUTION_STATUS_COMPLETED, o.Execution, "sale %s (%s)", sale, o.WorkflowID)
	}

	// The customer writes ran in both processes, and records of one customer did meet:
	// a record that found its customer's CustomerUpsert running waited for it.
	perProcess := map[string]int{}
	for _, info := range s.executions(ctx, fmt.Sprintf("WorkflowType = '%s'", workflows.WorkflowCustomerUpsert)) {
		ids := activityIdentities(s.history(ctx, info.GetExecution().GetWorkflowId(), info.GetExecution().GetRunId()))
		for _, id := range ids[activities.OrdersToFortnoxUpsertCustomer] {
			for i, p := range procs {
				if strings.HasPrefix(id, identityPrefix(p)) {
					perProcess[fmt.Sprintf("process %d", i+1)]++
				}
			}
		}
	}
	t.Logf("upsert-customer activities per worker process: %v", perProcess)
	assert.Len(t, perProcess, 2, "both worker processes wrote customers: %v", perProcess)
	met := 0
	for _, o := range out {
		for _, e := range s.history(ctx, o.WorkflowID, o.RunID).GetEvents() {
			if a := e.GetStartChildWorkflowExecutionFailedEventAttributes(); a != nil &&
				a.GetWorkflowType().GetName() == workflows.WorkflowCustomerUpsert {
				met++
				break
			}
		}
	}
	t.Logf("%d of %d records found their customer's write already running and waited", met, len(out))
	assert.Positive(t, met, "records of one customer ran at the same time")
}

// TestFortnoxOnlyWorkerNeedsNoLightspeedCredentials runs a worker process that polls only
// fortnox-api, with no Lightspeed variable and no Lightspeed token file, next to an
// in-process worker that polls fortspeed and lightspeed-api: it starts, stays up, and
// runs every Fortnox step of orders-to-fortnox.
func TestFortnoxOnlyWorkerNeedsNoLightspeedCredentials(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-stack test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := startStack(t, stackOptions{})
	s.workerBinary()

	env := map[string]string{}
	for k, v := range s.env {
		if !strings.HasPrefix(k, "LIGHTSPEED_") {
			env[k] = v
		}
	}
	env["FORTSPEED_TASK_QUEUES"] = workflows.TaskQueueFortnox
	env["FORTSPEED_STATE_DIR"] = t.TempDir() // no token file of any vendor
	env["FORTSPEED_LOG_LEVEL"] = "info"
	fortnoxOnly, logPath := s.startWorkerProcessEnv(env, "fortnox-only-worker.log")
	fortnoxID := identityPrefix(fortnoxOnly)

	s.env["FORTSPEED_TASK_QUEUES"] = workflows.TaskQueueFortspeed + "," + workflows.TaskQueueLightspeed
	s.startWorker()
	s.mu.Lock()
	inProcess := s.workers[0].proc.Queues()
	s.mu.Unlock()
	assert.ElementsMatch(t, []string{workflows.TaskQueueFortspeed, workflows.TaskQueueLightspeed}, inProcess)

	// Only the Fortnox-only process polls fortnox-api, and it polls nothing else.
	waitFor(ctx, t, "the Fortnox-only worker polls fortnox-api", func() bool {
		ids := s.pollerIdentities(ctx, workflows.TaskQueueFortnox)
		if running, err := stillRunning(fortnoxOnly); !running {
			t.Fatalf("the Fortnox-only worker exited (%v); its log:\n%s", err, readFile(t, logPath))
		}
		return len(ids) > 0
	})
	for _, id := range s.pollerIdentities(ctx, workflows.TaskQueueFortnox) {
		assert.True(t, strings.HasPrefix(id, fortnoxID), "fortnox-api poller %s is the Fortnox-only process (%s…)", id, fortnoxID)
	}
	waitFor(ctx, t, "the in-process worker polls lightspeed-api", func() bool {
		return len(s.pollerIdentities(ctx, workflows.TaskQueueLightspeed)) > 0
	})
	for _, id := range s.pollerIdentities(ctx, workflows.TaskQueueLightspeed) {
		assert.False(t, strings.HasPrefix(id, fortnoxID), "lightspeed-api poller %s is not the Fortnox-only process", id)
	}

	fx, ls := s.fortnoxState(ctx), s.lightspeedState(ctx)
	item := anyItem(t, fx, ls)
	cash := paymentTypeID(t, ls, "Cash")
	line := lsNewLine{itemID: item.ItemID, qty: 1, price: "199.00"}
	since := time.Now().Add(-2 * time.Second)
	buyer := s.createCustomer(ctx, lsNewCustomer{first: "Frida", last: "Fortnoxsidan", email: "fortnox.only.e2e@example.com",
		street: "Kövägen 1", zip: "41101", city: "Göteborg", country: "SE"})
	sales := []string{s.createSale(ctx, buyer, cash, line), s.createSale(ctx, buyer, cash, line), s.createSale(ctx, "", cash, line)}

	res := s.runFlow(ctx, workflows.FlowOrdersToFortnox, since)
	t.Logf("orders-to-fortnox: %+v", res)
	assert.Equal(t, len(sales), res.Committed, "records committed: %+v", res)
	byRef := ordersByRef(s.fortnoxState(ctx))
	for _, sale := range sales {
		assert.Len(t, byRef[fortnoxLoopPrefix+sale], 1, "Fortnox orders of sale %s", sale)
	}

	// Every Fortnox step ran in the Fortnox-only process, every other step elsewhere.
	fortnoxSteps := map[string]bool{}
	toFortnox, err := workflows.FlowByID(workflows.FlowOrdersToFortnox)
	require.NoError(t, err)
	for _, m := range toFortnox.Methods(workflows.TaskQueueFortnox) {
		fortnoxSteps[activities.OrdersToFortnoxPrefix+m] = true
	}
	checkRan := func(workflowID, runID string) {
		t.Helper()
		for name, ids := range activityIdentities(s.history(ctx, workflowID, runID)) {
			for _, id := range ids {
				if fortnoxSteps[name] {
					assert.True(t, strings.HasPrefix(id, fortnoxID), "%s of %s ran in %s, not the Fortnox-only process", name, workflowID, id)
				} else {
					assert.False(t, strings.HasPrefix(id, fortnoxID), "%s of %s ran in the Fortnox-only process", name, workflowID)
				}
			}
		}
	}
	ran := map[string]int{}
	parent := s.lastParent(ctx, workflows.FlowOrdersToFortnox)
	checkRan(parent, "")
	for _, o := range s.outcomes(ctx, workflows.FlowOrdersToFortnox) {
		checkRan(o.WorkflowID, o.RunID)
		for name := range activityIdentities(s.history(ctx, o.WorkflowID, o.RunID)) {
			ran[name]++
		}
	}
	for _, info := range s.executions(ctx, fmt.Sprintf("WorkflowType = '%s'", workflows.WorkflowCustomerUpsert)) {
		checkRan(info.GetExecution().GetWorkflowId(), info.GetExecution().GetRunId())
		for name := range activityIdentities(s.history(ctx, info.GetExecution().GetWorkflowId(), info.GetExecution().GetRunId())) {
			ran[name]++
		}
	}
	t.Logf("activities run (records and customer writes): %v", ran)
	assert.Positive(t, ran[activities.OrdersToFortnoxCommit], "commits ran")
	assert.Positive(t, ran[activities.OrdersToFortnoxUpsertCustomer], "customer writes ran")

	running, exit := stillRunning(fortnoxOnly)
	assert.True(t, running, "the Fortnox-only worker is still up (exit: %v)", exit)
	log := readFile(t, logPath)
	assert.Contains(t, log, `"worker started"`, "the Fortnox-only worker's log")
	assert.Contains(t, log, `"task_queues":["fortnox-api"]`, "the Fortnox-only worker's log")
	assert.NotContains(t, strings.ToLower(log), "lightspeed_", "the Fortnox-only worker asks for no Lightspeed variable")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// lsSaleTimes are the sales of the Lightspeed state with the time the API filters on.
type lsSaleTimes struct {
	Records struct {
		Sale []struct {
			SaleID    string    `json:"saleID"`
			TimeStamp time.Time `json:"timeStamp"`
		} `json:"Sale"`
	} `json:"records"`
}

// TestOneMalformedSaleDoesNotStallTheFlow lists 200 completed sales of which Lightspeed
// answers one with a line whose unitPrice is "N/A": the other 199 commit, that one is its
// own needs_fix record naming the sale and the field, the run's cursor passes all 200, and
// the next run from that cursor completes.
func TestOneMalformedSaleDoesNotStallTheFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-stack test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := startStack(t, stackOptions{webhook: true, maxConcurrent: 20})
	s.startWorker()
	s.startWorker()
	fx, ls := s.fortnoxState(ctx), s.lightspeedState(ctx)
	articles := map[string]bool{}
	for _, a := range fx.Articles {
		articles[a.ArticleNumber] = true
	}
	var items []string
	for _, it := range ls.Records.Item {
		if articles[it.CustomSku] {
			items = append(items, it.ItemID)
		}
	}
	require.NotEmpty(t, items, "Lightspeed items with a Fortnox article")
	cash := paymentTypeID(t, ls, "Cash")
	since := time.Now().Add(-2 * time.Second)

	const n = 200
	sales := make([]string, 0, n)
	for i := range n {
		sales = append(sales, s.createSale(ctx, "", cash, lsNewLine{itemID: items[i%len(items)], qty: 1 + i%3, price: "59.00"}))
	}
	bad := sales[n/3]
	require.NoError(t, testapi.Remote{URL: s.lightspeedURL}.Corrupt("Sale", bad, "SaleLines.SaleLine.0.unitPrice", "N/A"))
	// The cursor is when Lightspeed listed the first page, less a margin of a few seconds
	// (lightspeed.CompletedSalesPage); move Lightspeed's clock past the margin, as time
	// passes in a shop, so the sales are all older than the listing.
	s.sandboxCall(ctx, http.MethodPut, s.lightspeedURL+"/_sandbox/clock", testapi.ClockRequest{AdvanceSeconds: 30}, nil)

	res := s.runFlow(ctx, workflows.FlowOrdersToFortnox, since)
	t.Logf("run with the malformed sale %s: %+v", bad, res)
	assert.Equal(t, n, res.Records, "records listed")
	assert.Equal(t, n-1, res.Committed, "records committed")
	assert.Equal(t, 1, res.NeedsFix, "records in needs_fix")
	assert.Zero(t, res.Failed, "records failed")
	assert.Equal(t, 1, s.waitSettled(ctx, workflows.FlowOrdersToFortnox), "records parked in needs_fix")

	out := s.outcomes(ctx, workflows.FlowOrdersToFortnox)
	assert.Len(t, out, n, "record workflows")
	byRef := ordersByRef(s.fortnoxState(ctx))
	for _, sale := range sales {
		o := out[workflows.SourceKindSale+":"+sale]
		if sale == bad {
			assert.Equal(t, workflows.StatusNeedsFix, o.Status, "the malformed sale %s (%s)", sale, o.WorkflowID)
			assert.Empty(t, byRef[fortnoxLoopPrefix+sale], "no Fortnox order for the malformed sale")
			continue
		}
		assert.Equal(t, workflows.StatusCommitted, o.Status, "sale %s (%s)", sale, o.WorkflowID)
		assert.Len(t, byRef[fortnoxLoopPrefix+sale], 1, "Fortnox orders of sale %s", sale)
	}
	wf := saleWorkflowID(t, bad)
	if notes := s.webhook.mentioning(wf); assert.Len(t, notes, 1, "needs_fix notifications for %s", wf) {
		assert.Contains(t, notes[0], bad, "the reason names the sale")
		assert.Contains(t, notes[0], "unitPrice", "the reason names the field")
		t.Logf("needs_fix notification: %s", notes[0])
	}

	var times lsSaleTimes
	s.sandboxCall(ctx, http.MethodGet, s.lightspeedURL+"/_sandbox/state", nil, &times)
	ours := map[string]bool{}
	for _, sale := range sales {
		ours[sale] = true
	}
	seen := 0
	for _, sale := range times.Records.Sale {
		if ours[sale.SaleID] {
			seen++
			assert.False(t, sale.TimeStamp.After(res.Cursor), "cursor %s is past sale %s of %s", res.Cursor, sale.SaleID, sale.TimeStamp)
		}
	}
	assert.Equal(t, n, seen, "sales in the Lightspeed state")

	next := s.runFlow(ctx, workflows.FlowOrdersToFortnox, res.Cursor)
	t.Logf("next run from the cursor: %+v", next)
	assert.Zero(t, next.Failed, "records failed in the next run")
	assert.Zero(t, next.Records, "the next run lists none of the 200 again")
	assert.Zero(t, next.Committed, "nothing new to commit in the next run")
	assert.False(t, next.Cursor.Before(res.Cursor), "the cursor does not move back")
	assert.Equal(t, workflows.StatusNeedsFix, s.recordStatus(ctx, wf), "the malformed sale still waits for its fix")
	assert.Len(t, ordersByRef(s.fortnoxState(ctx))[fortnoxLoopPrefix+bad], 0, "still no order for the malformed sale")
	assert.Len(t, s.webhook.mentioning(wf), 1, "still one notification")
}

// waitForBackoff waits until the latest failure among the records is older than the
// sweep's backoff, so the next run's sweep takes every one of them.
func (s *stack) waitForBackoff(ctx context.Context, out map[string]recordOutcome, keys []string) {
	s.tb.Helper()
	var latest time.Time
	for _, key := range keys {
		for _, info := range s.executions(ctx, fmt.Sprintf("WorkflowId = '%s' AND ExecutionStatus = 'Failed'", out[key].WorkflowID)) {
			if at := info.GetCloseTime().AsTime(); at.After(latest) {
				latest = at
			}
		}
	}
	require.False(s.tb, latest.IsZero(), "no failed run among %v", keys)
	due := latest.Add(s.opts.sweepBackoff + 500*time.Millisecond)
	select {
	case <-ctx.Done():
		s.tb.Fatalf("context ended before the sweep backoff passed")
	case <-time.After(time.Until(due)):
	}
}

// TestFailedRecordsAreSweptAfterAnOutage: a Fortnox outage longer than the retry budget
// fails the records of a run; once Fortnox is back, a run whose fetch no longer lists them
// starts them again from its sweep, and each becomes one Fortnox order. Then, under a real
// Schedule, a Lightspeed outage longer than the retry budget fails the scheduled runs
// while sales keep coming, and once it ends every one of them reaches Fortnox.
func TestFailedRecordsAreSweptAfterAnOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-stack test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := startStack(t, stackOptions{retryBudget: 15 * time.Second, sweepBackoff: time.Second, maxConcurrent: 20})
	s.startWorker()
	fx, ls := s.fortnoxState(ctx), s.lightspeedState(ctx)
	item := anyItem(t, fx, ls)
	cash := paymentTypeID(t, ls, "Cash")
	line := lsNewLine{itemID: item.ItemID, qty: 2, price: "89.00"}
	const flow = workflows.FlowOrdersToFortnox

	// Fortnox down: the fetch works, every Fortnox step runs out of its budget.
	since := time.Now().Add(-2 * time.Second)
	ola := s.createCustomer(ctx, lsNewCustomer{first: "Ola", last: "Avbrott", email: "ola.outage.e2e@example.com",
		street: "Strömavbrottet 1", zip: "11122", city: "Stockholm", country: "SE"})
	sales := []string{
		s.createSale(ctx, ola, cash, line), s.createSale(ctx, ola, cash, line),
		s.createSale(ctx, s.createCustomer(ctx, lsNewCustomer{first: "Stina", last: "Stopp", email: "stina.outage.e2e@example.com"}), cash, line),
		s.createSale(ctx, "", cash, line), s.createSale(ctx, "", cash, line),
	}
	keys := make([]string, len(sales))
	for i, sale := range sales {
		keys[i] = workflows.SourceKindSale + ":" + sale
	}
	s.setFaults(ctx, testapi.Faults{ErrorRate: 1}, noFaults())
	res := s.runFlow(ctx, flow, since)
	t.Logf("run in the Fortnox outage: %+v", res)
	assert.Equal(t, len(sales), res.Records, "fetched")
	assert.Equal(t, len(sales), res.Failed, "failed records")
	assert.Zero(t, res.Committed)
	out := s.outcomes(ctx, flow)
	for _, key := range keys {
		assert.Equal(t, workflows.StatusFailed, out[key].Status, "%s after the outage run (%s)", key, out[key].WorkflowID)
		assert.Equal(t, enums.WORKFLOW_EXECUTION_STATUS_FAILED, out[key].Execution, "%s (%s)", key, out[key].WorkflowID)
	}
	byRef := ordersByRef(s.fortnoxState(ctx))
	for _, sale := range sales {
		assert.Empty(t, byRef[fortnoxLoopPrefix+sale], "no Fortnox order for sale %s in the outage", sale)
	}

	// Fortnox back. A fetch from after the outage's sales lists none of them: only the
	// sweep can bring them back.
	s.setFaults(ctx, noFaults(), noFaults())
	s.waitForBackoff(ctx, out, keys)
	res = s.runFlow(ctx, flow, time.Now().Add(2*time.Second))
	t.Logf("run after the Fortnox outage: %+v", res)
	assert.Zero(t, res.Records, "the fetch lists nothing new")
	assert.Equal(t, len(sales), res.Swept, "records swept")
	assert.Equal(t, len(sales), res.Committed, "swept records committed")
	assert.Zero(t, s.waitSettled(ctx, flow), "records in needs_fix")
	after := s.fortnoxState(ctx)
	byRef = ordersByRef(after)
	for _, sale := range sales {
		assert.Len(t, byRef[fortnoxLoopPrefix+sale], 1, "Fortnox orders of sale %s after the sweep", sale)
	}
	emails := customersByEmail(after)
	assert.Len(t, emails["ola.outage.e2e@example.com"], 1)
	assert.Len(t, emails["stina.outage.e2e@example.com"], 1)
	out = s.outcomes(ctx, flow)
	for _, key := range keys {
		assert.Equal(t, workflows.StatusCommitted, out[key].Status, "%s after the sweep (%s)", key, out[key].WorkflowID)
	}

	// Lightspeed down under a real Schedule, no --since: the scheduled runs read their
	// cursor from the last run that completed.
	input := s.syncInput(flow, time.Time{})
	input.Since = nil
	id := workflows.ScheduleID(workflows.DefaultTenant, flow)
	schedule, err := s.client.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:   id,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: 3 * time.Second}}},
		Action: &client.ScheduleWorkflowAction{
			ID: id, Workflow: workflows.WorkflowFlowSync, Args: []any{input}, TaskQueue: workflows.TaskQueueFortspeed,
		},
		Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP,
	})
	require.NoError(t, err, "create schedule %s", id)
	deleted := false
	t.Cleanup(func() {
		if deleted {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := schedule.Delete(ctx); err != nil {
			t.Logf("delete schedule %s: %v", id, err)
		}
	})
	scheduled := func(status string) int64 {
		return s.count(ctx, fmt.Sprintf("TemporalScheduledById = '%s' AND ExecutionStatus = '%s'", id, status))
	}
	waitFor(ctx, t, "a scheduled run completes", func() bool { return scheduled("Completed") > 0 })

	newSales := func(before lightspeedState) []string {
		had := map[string]bool{}
		for _, sale := range before.Records.Sale {
			had[sale.SaleID] = true
		}
		var out []string
		for _, sale := range s.lightspeedState(ctx).Records.Sale {
			if !had[sale.SaleID] && sale.Completed == "true" {
				out = append(out, sale.SaleID)
			}
		}
		return out
	}
	beforeOutage := s.lightspeedState(ctx)
	s.createSale(ctx, ola, cash, line)
	s.createSale(ctx, "", cash, line)
	s.setFaults(ctx, noFaults(), testapi.Faults{ErrorRate: 1})
	// The shop keeps selling in the outage; the sandbox takes these sales directly, since
	// its API answers 5xx to everyone.
	rng := newTickRand(42)
	for range 3 {
		s.lightspeed.DemoTick(rng)
	}
	waitFor(ctx, t, "a scheduled run fails in the Lightspeed outage", func() bool { return scheduled("Failed") > 0 })
	for range 2 {
		s.lightspeed.DemoTick(rng)
	}
	outageSales := newSales(beforeOutage)
	require.GreaterOrEqual(t, len(outageSales), 5, "sales made around the outage")
	s.setFaults(ctx, noFaults(), noFaults())

	waitFor(ctx, t, "every sale of the Lightspeed outage is a Fortnox order", func() bool {
		byRef := ordersByRef(s.fortnoxState(ctx))
		for _, sale := range outageSales {
			if len(byRef[fortnoxLoopPrefix+sale]) == 0 {
				return false
			}
		}
		return true
	})
	require.NoError(t, schedule.Delete(ctx), "delete schedule %s", id)
	deleted = true
	t.Logf("scheduled runs: %d completed, %d failed", scheduled("Completed"), scheduled("Failed"))
	byRef = ordersByRef(s.fortnoxState(ctx))
	for _, sale := range append(outageSales, sales...) {
		assert.Len(t, byRef[fortnoxLoopPrefix+sale], 1, "Fortnox orders of sale %s", sale)
	}
}

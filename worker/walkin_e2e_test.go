package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/client"

	fxsandbox "fortspeed/sandbox/fortnox"
	"fortspeed/workflows"
)

// walkInSettings are the shipped customer settings (no default customer, the walk-in
// customer Kontantkund) with only orders-to-fortnox on, so setup makes one schedule, daily:
// the test pauses it at once and runs the flow itself.
const walkInSettings = `# The shipped customer settings.
flows:
  orders-to-fortnox: {schedule: 1d}
  orders-to-lightspeed: {enabled: false}
  products: {enabled: false}
  stock: {enabled: false}
`

// TestOrdersWalkInCustomer is a fresh install's anonymous till sales: on the shipped
// settings, in a Fortnox company without a walk-in customer, they wait as needs_fix naming
// `starter setup`; setup creates the walk-in customer once, and retried and new anonymous
// sales commit on it while sales with an e-mail keep their own customer.
func TestOrdersWalkInCustomer(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-stack test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	s := startStack(t, stackOptions{settings: walkInSettings, webhook: true, needsFixWait: time.Hour})
	// The demo company has its Kontantkund; a fresh one has none.
	s.fortnoxAPI(ctx, http.MethodDelete, "/3/customers/"+fxsandbox.WalkInCustomerNumber, nil, nil)
	s.startWorker()
	fx, ls := s.fortnoxState(ctx), s.lightspeedState(ctx)
	item := anyItem(t, fx, ls)
	line := lsNewLine{itemID: item.ItemID, qty: 1, price: "199.00"}
	cash := paymentTypeID(t, ls, "Cash")
	since := time.Now().Add(-2 * time.Second)

	known := s.createCustomer(ctx, lsNewCustomer{first: "Klara", last: "Kund", email: "klara.walkin.e2e@example.com"})
	sales := map[string]string{
		"anonymous before setup": s.createSale(ctx, "", cash, line),
		"with e-mail":            s.createSale(ctx, known, cash, line),
	}
	res := s.runFlow(ctx, workflows.FlowOrdersToFortnox, since)
	assert.Equal(t, 1, res.Committed, "the sale with an e-mail: %+v", res)
	assert.Equal(t, 1, s.waitSettled(ctx, workflows.FlowOrdersToFortnox), "the anonymous sale waits")
	waiting := saleWorkflowID(t, sales["anonymous before setup"])
	assert.Equal(t, workflows.StatusNeedsFix, s.recordStatus(ctx, waiting))
	assert.Len(t, s.webhook.mentioning(waiting, "walk-in customer", "Kontantkund", "starter setup"), 1,
		"the reason says to run setup")

	out := s.starter(ctx, "setup")
	created := walkInCustomers(s.fortnoxState(ctx))
	require.Len(t, created, 1, "setup made the walk-in customer")
	number := created[0].CustomerNumber
	assert.NotEqual(t, fxsandbox.WalkInCustomerNumber, number, "a new customer, not the deleted one")
	assert.Equal(t, "PRIVATE", created[0].Type)
	assert.Contains(t, out, "anonymous sales go to Fortnox customer "+number+" Kontantkund (created)\n")
	assert.Contains(t, out, "schedule default:orders-to-fortnox: created, every 24h0m0s\n")
	assert.Less(t, strings.Index(out, "anonymous sales go"), strings.Index(out, "schedule default:orders-to-fortnox"),
		"the walk-in customer exists before the schedule's first run")
	require.NoError(t, s.client.ScheduleClient().GetHandle(ctx, workflows.ScheduleID(workflows.DefaultTenant, workflows.FlowOrdersToFortnox)).
		Pause(ctx, client.SchedulePauseOptions{Note: "the test runs the flow"}))

	s.retry(ctx, waiting)
	var retried workflows.RecordResult
	require.NoError(t, s.client.GetWorkflow(ctx, waiting, "").Get(ctx, &retried))
	assert.Equal(t, workflows.StatusCommitted, retried.Status)
	sales["anonymous after setup"] = s.createSale(ctx, "", cash, line)
	res = s.runFlow(ctx, workflows.FlowOrdersToFortnox, since)
	assert.Equal(t, 1, res.Committed, "the new anonymous sale: %+v", res)

	after := s.fortnoxState(ctx)
	byRef := ordersByRef(after)
	for _, name := range []string{"anonymous before setup", "anonymous after setup"} {
		if orders := byRef[fortnoxLoopPrefix+sales[name]]; assert.Len(t, orders, 1, name) {
			assert.Equal(t, number, orders[0].CustomerNumber, "%s: booked on the walk-in customer", name)
		}
	}
	if orders := byRef[fortnoxLoopPrefix+sales["with e-mail"]]; assert.Len(t, orders, 1) {
		assert.NotEqual(t, number, orders[0].CustomerNumber, "a sale with an e-mail keeps its own customer")
	}
	details := recordDetails(ctx, t, s, saleWorkflowID(t, sales["anonymous after setup"]))
	assert.Contains(t, details, "for walk-in customer "+number+" Kontantkund", "the record says where it was booked")

	// Setup again: found, never a second one.
	out = s.starter(ctx, "setup")
	assert.Contains(t, out, "anonymous sales go to Fortnox customer "+number+" Kontantkund (found)\n")
	assert.Len(t, walkInCustomers(s.fortnoxState(ctx)), 1, "one walk-in customer after two setups")
}

// walkInCustomers are the Fortnox customers named Kontantkund.
func walkInCustomers(fx fortnoxState) []fortnoxCustomer {
	var out []fortnoxCustomer
	for _, c := range fx.Customers {
		if c.Name == "Kontantkund" {
			out = append(out, c)
		}
	}
	return out
}

// starter runs the starter binary (built once per stack) with the stack's environment and
// returns its output.
func (s *stack) starter(ctx context.Context, args ...string) string {
	s.tb.Helper()
	bin := filepath.Join(s.dir, "starter")
	if _, err := os.Stat(bin); err != nil {
		out, err := exec.Command("go", "build", "-o", bin, "../starter").CombinedOutput()
		require.NoError(s.tb, err, "go build the starter: %s", out)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = processEnv(s.env)
	out, err := cmd.CombinedOutput()
	require.NoError(s.tb, err, "starter %s: %s", strings.Join(args, " "), out)
	return string(out)
}

// recordDetails are a record workflow's details as the Web UI shows them.
func recordDetails(ctx context.Context, t *testing.T, s *stack, workflowID string) string {
	t.Helper()
	v, err := s.client.QueryWorkflow(ctx, workflowID, "", "__temporal_workflow_metadata")
	require.NoError(t, err)
	var meta sdkpb.WorkflowMetadata
	require.NoError(t, v.Get(&meta))
	return meta.GetCurrentDetails()
}

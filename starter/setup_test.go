package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"fortspeed/activities"
	"fortspeed/clients/fortnox"
	"fortspeed/internal/workers"
	fxsandbox "fortspeed/sandbox/fortnox"
	"fortspeed/sandbox/testapi"
	"fortspeed/workflows"
)

func TestSetupIsIdempotent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := startServer(t, temporal.NewSearchAttributes()) // the server knows none of ours yet

	out, err := starter(ctx, "setup")
	require.NoError(t, err)
	assert.Contains(t, out, "search attributes: added SKUs, SourceID, SyncFlow, SyncStatus, TargetID, Tenant\n")
	assert.Contains(t, out, "schedule default:orders-to-fortnox: created, every 30s\n")
	assert.Contains(t, out, "schedule default:orders-to-lightspeed: created, every 30s\n")
	assert.Contains(t, out, "schedule default:products: created, every 5m0s\n")
	assert.Contains(t, out, "schedule default:stock: created, every 1m0s\n", "stock runs incrementally every minute")
	assert.Contains(t, out, "schedule default:alerts: created, every 5m0s (alerts: paused schedules, lag)\n")
	assert.Contains(t, out, "schedule default:alerts-digest: none (the digest is off: alerts.digest_at is empty)\n")

	// The settings change: orders-to-fortnox every 5 minutes, orders-to-lightspeed off.
	settings := filepath.Join(t.TempDir(), "settings.yaml")
	require.NoError(t, os.WriteFile(settings, []byte(
		"flows:\n  orders-to-fortnox: {enabled: true, schedule: 5m}\n  orders-to-lightspeed: {enabled: false}\n"+
			"orders:\n  product_wait: 2m\nalerts:\n  digest_at: \"07:30\"\n  lag: {products: 0s}\n"), 0o600))
	t.Setenv("FORTSPEED_MAPPING_FILE", settings)
	out, err = starter(ctx, "setup")
	require.NoError(t, err)
	assert.Contains(t, out, "search attributes: all 6 present\n")
	assert.Contains(t, out, "schedule default:orders-to-fortnox: updated, every 5m0s\n")
	assert.Contains(t, out, "schedule default:orders-to-lightspeed: paused, the flow is disabled in the settings\n")

	c := srv.Client()
	desc, err := c.ScheduleClient().GetHandle(ctx, "default:orders-to-fortnox").Describe(ctx)
	require.NoError(t, err)
	require.Len(t, desc.Schedule.Spec.Intervals, 1)
	assert.Equal(t, 5*time.Minute, desc.Schedule.Spec.Intervals[0].Every)
	assert.False(t, desc.Schedule.State.Paused)
	action, ok := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	require.True(t, ok)
	assert.Equal(t, workflows.TaskQueueFortspeed, action.TaskQueue)
	require.Len(t, action.Args, 1)
	var input workflows.SyncInput
	payload, ok := action.Args[0].(*commonpb.Payload)
	require.True(t, ok, "described schedule arguments are payloads")
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(payload, &input))
	assert.Equal(t, workflows.SyncInput{Tenant: "default", Flow: workflows.FlowOrdersToFortnox,
		Lookback: 24 * time.Hour, ProductWait: 2 * time.Minute, NeedsFixWait: 7 * 24 * time.Hour}, input)

	desc, err = c.ScheduleClient().GetHandle(ctx, "default:orders-to-lightspeed").Describe(ctx)
	require.NoError(t, err)
	assert.True(t, desc.Schedule.State.Paused)

	// The alert check follows the enabled flows and their lag; the digest runs daily.
	assert.Contains(t, out, "schedule default:alerts: updated, every 5m0s (alerts: paused schedules, lag)\n")
	assert.Contains(t, out, "schedule default:alerts-digest: created, daily at 07:30 Europe/Stockholm (alerts digest)\n")
	desc, err = c.ScheduleClient().GetHandle(ctx, "default:alerts").Describe(ctx)
	require.NoError(t, err)
	action, ok = desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	require.True(t, ok)
	assert.Equal(t, workflows.WorkflowAlertsCheck, action.Workflow)
	var check workflows.AlertsCheckInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(action.Args[0].(*commonpb.Payload), &check))
	assert.Equal(t, workflows.AlertsCheckInput{Tenant: "default", Flows: []activities.HealthFlow{
		{Flow: workflows.FlowOrdersToFortnox, ScheduleID: "default:orders-to-fortnox", Lag: time.Hour},
		{Flow: workflows.FlowProducts, ScheduleID: "default:products"},
		{Flow: workflows.FlowStock, ScheduleID: "default:stock", Lag: time.Hour},
	}}, check, "the disabled flow is not checked; products has no lag alert")
	desc, err = c.ScheduleClient().GetHandle(ctx, "default:alerts-digest").Describe(ctx)
	require.NoError(t, err)
	require.Len(t, desc.Schedule.Spec.Calendars, 1)
	assert.Equal(t, "Europe/Stockholm", desc.Schedule.Spec.TimeZoneName)
	assert.Equal(t, []client.ScheduleRange{{Start: 7, End: 7, Step: 1}}, desc.Schedule.Spec.Calendars[0].Hour)
	assert.Equal(t, []client.ScheduleRange{{Start: 30, End: 30, Step: 1}}, desc.Schedule.Spec.Calendars[0].Minute)

	// A third run with the same settings changes nothing and says so for the paused one.
	out, err = starter(ctx, "setup")
	require.NoError(t, err)
	assert.Contains(t, out, "schedule default:orders-to-lightspeed: paused (the flow is disabled in the settings)\n")

	// Enabled again: unpaused.
	t.Setenv("FORTSPEED_MAPPING_FILE", "")
	out, err = starter(ctx, "setup")
	require.NoError(t, err)
	assert.Contains(t, out, "schedule default:orders-to-lightspeed: updated, every 30s\n")
	assert.Contains(t, out, "schedule default:alerts-digest: paused, the digest is off: alerts.digest_at is empty\n")
	desc, err = c.ScheduleClient().GetHandle(ctx, "default:orders-to-lightspeed").Describe(ctx)
	require.NoError(t, err)
	assert.False(t, desc.Schedule.State.Paused)
}

// TestSetupWalkInCustomer: on the shipped settings (no default customer) setup finds the
// walk-in customer by its exact name or creates it once, and says where anonymous sales go.
func TestSetupWalkInCustomer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	startServer(t, workflows.DevServerSearchAttributes())
	fx, _ := useSandboxes(t)

	// Before Fortnox is connected: said, and the schedules are made all the same.
	out, err := starter(ctx, "setup")
	require.NoError(t, err)
	assert.Contains(t, out, "anonymous sales: walk-in customer Kontantkund not checked: Fortnox is not connected: run `starter connect fortnox`")
	assert.Contains(t, out, "; run `starter setup` again once Fortnox is connected\n")
	assert.Contains(t, out, "schedule default:orders-to-fortnox: created")

	t.Setenv("FORTNOX_TENANT_ID", "1234567") // the sandbox's service account
	startWorker(t)                           // which connects it as it starts
	out, err = starter(ctx, "setup")
	require.NoError(t, err)
	assert.Contains(t, out, "anonymous sales go to Fortnox customer "+fxsandbox.WalkInCustomerNumber+" Kontantkund (found)\n",
		"the demo store has its Kontantkund")

	// Another name, which Fortnox has only inside a longer one: created once, then found.
	e, err := loadEnvironment(workflows.DefaultTenant)
	require.NoError(t, err)
	c, err := e.dial(ctx)
	require.NoError(t, err)
	defer c.Close()
	fxc, err := workers.NewFortnoxClient(e.tenant, workers.Options{Env: e.env}, c, cliLogger(e.cfg))
	require.NoError(t, err)
	_, err = fxc.CreateCustomer(ctx, fortnox.CustomerInput{Name: ptr("Butikskund Malmö")})
	require.NoError(t, err)
	settings := filepath.Join(t.TempDir(), "settings.yaml")
	require.NoError(t, os.WriteFile(settings, []byte("orders:\n  walk_in_customer: Butikskund\n"), 0o600))
	t.Setenv("FORTSPEED_MAPPING_FILE", settings)
	out, err = starter(ctx, "setup")
	require.NoError(t, err)
	made, err := fxc.CustomersByName(ctx, "Butikskund")
	require.NoError(t, err)
	require.Len(t, made, 1)
	number := string(made[0].CustomerNumber)
	assert.Contains(t, out, "anonymous sales go to Fortnox customer "+number+" Butikskund (created)\n")
	got, err := fxc.Customer(ctx, number)
	require.NoError(t, err)
	assert.Equal(t, "PRIVATE", got.Type)
	assert.Empty(t, got.Email)

	out, err = starter(ctx, "setup")
	require.NoError(t, err)
	assert.Contains(t, out, "anonymous sales go to Fortnox customer "+number+" Butikskund (found)\n")
	again, err := fxc.CustomersByName(ctx, "Butikskund")
	require.NoError(t, err)
	assert.Len(t, again, 1, "a second setup makes no second walk-in customer")

	// A default customer is used as before, and no walk-in customer is looked up or made.
	require.NoError(t, os.WriteFile(settings, []byte("orders:\n  walk_in_customer: Kassakund\n  default_customer: {fortnox: \"3\"}\n"), 0o600))
	before := stats(t, fx.URL).Requests["GET /3/customers"]
	out, err = starter(ctx, "setup")
	require.NoError(t, err)
	assert.Contains(t, out, "anonymous sales go to the default Fortnox customer 3 (orders.default_customer.fortnox)\n")
	assert.NotContains(t, out, "Kassakund")
	assert.Equal(t, before, stats(t, fx.URL).Requests["GET /3/customers"], "no lookup of the walk-in customer")

	require.NoError(t, os.WriteFile(settings, []byte("orders:\n  walk_in_customer: \"\"\n"), 0o600))
	out, err = starter(ctx, "setup")
	require.NoError(t, err)
	assert.Contains(t, out, "anonymous sales: no default or walk-in customer is set, so sales without a customer e-mail become needs_fix\n")
}

func ptr[T any](v T) *T { return &v }

// stats reads a sandbox's request counts.
func stats(t *testing.T, baseURL string) testapi.StatsView {
	t.Helper()
	var s testapi.StatsView
	require.NoError(t, testapi.Remote{URL: baseURL}.Call(http.MethodGet, "/_sandbox/stats", nil, &s))
	return s
}

func TestParseRetention(t *testing.T) {
	d, err := parseRetention("7d")
	require.NoError(t, err)
	assert.Equal(t, 7*24*time.Hour, d)
	_, err = parseRetention("2h")
	require.EqualError(t, err, `--retention: at least 1d, got "2h"`)
	_, err = parseRetention("a week")
	require.ErrorContains(t, err, "--retention: bad duration")
	assert.Equal(t, "1 day", days(24*time.Hour))
	assert.Equal(t, "36h0m0s", days(36*time.Hour))
}

// TestSetupSetsRetentionAndStatusShowsIt: histories are personal data; setup sets how long
// the namespace keeps them and status shows the retention in force.
func TestSetupSetsRetentionAndStatusShowsIt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := startServer(t, workflows.DevServerSearchAttributes())

	out, err := starter(ctx, "setup", "--retention", "7d")
	require.NoError(t, err)
	assert.Contains(t, out, "namespace default: histories are kept 7 days after a workflow closes\n")
	desc, err := srv.Client().WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "default"})
	require.NoError(t, err)
	assert.Equal(t, 7*24*time.Hour, desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration())

	out, err = starter(ctx, "status")
	require.NoError(t, err)
	assert.Contains(t, out, "retention: namespace default deletes a history (and the customer data in it) 7 days after its workflow closes\n")
}

// TestSetupRunsPreflight: with both accounts connected setup ends with the pre-flight
// checks; a problem makes it exit code 4 after the schedules are made, in text and JSON.
func TestSetupRunsPreflight(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	startServer(t, workflows.DevServerSearchAttributes())
	connectSandboxes(ctx, t)

	out, err := starter(ctx, "setup")
	require.NoError(t, err, out)
	assert.Contains(t, out, "pre-flight: the settings of orders-to-fortnox, orders-to-lightspeed, products and stock match Fortnox and Lightspeed\n")

	settings := filepath.Join(t.TempDir(), "settings.yaml")
	require.NoError(t, os.WriteFile(settings, []byte("orders:\n  price_list: C\n"), 0o600))
	t.Setenv("FORTSPEED_MAPPING_FILE", settings)
	out, err = starter(ctx, "setup", "--output", "json")
	require.Error(t, err)
	assert.Equal(t, exitAttention, exitCode(err))
	var rep setupReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	assert.Equal(t, "search attributes: all 6 present", rep.SearchAttributes)
	require.Len(t, rep.Schedules, 6, "the four flows', the alert check's and the digest's")
	for _, s := range rep.Schedules {
		if s.Flow != "alerts-digest" {
			assert.Equal(t, "updated", s.Action, s)
		}
	}
	assert.Equal(t, []problem{{Setting: "orders.price_list", Value: "C", Problem: "is not a Fortnox price list; there are A and B"}}, rep.Check.Problems)
}

package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"fortspeed/workflows"
)

// startRecord starts a record-like workflow with the given status attributes and no worker,
// so it stays running exactly as set.
func startRecord(ctx context.Context, t *testing.T, c client.Client, id string, attrs ...temporal.SearchAttributeUpdate) {
	t.Helper()
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: "no-worker", TypedSearchAttributes: temporal.NewSearchAttributes(attrs...),
	}, workflows.WorkflowRecordSync, workflows.RecordInput{})
	require.NoError(t, err)
}

func TestRetry(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := startServer(t, workflows.DevServerSearchAttributes()).Client()

	startRecord(ctx, t, c, "default:orders-to-fortnox:sale:1", workflows.SyncStatusKey().ValueSet("needs_fix"))
	startRecord(ctx, t, c, "default:orders-to-fortnox:sale:2", workflows.SyncStatusKey().ValueSet("running"))
	startRecord(ctx, t, c, "default:orders-to-fortnox:sale:3", workflows.SyncStatusKey().ValueSet("needs_fix"),
		workflows.TenantKey().ValueSet("default"), workflows.SyncFlowKey().ValueSet("orders-to-fortnox"),
		workflows.SourceIDKey().ValueSet("sale:3"))
	require.NoError(t, c.TerminateWorkflow(ctx, "default:orders-to-fortnox:sale:3", "", "test"))
	startRecord(ctx, t, c, "default:orders-to-fortnox:manual-1")

	out, err := starter(ctx, "retry", "default:orders-to-fortnox:sale:1")
	require.NoError(t, err)
	assert.Equal(t, "retry sent to default:orders-to-fortnox:sale:1\n", out)
	assert.True(t, signalled(ctx, t, c, "default:orders-to-fortnox:sale:1"))

	// A record whose last run ended without committing starts again under its own id.
	out, err = starter(ctx, "retry", "default:orders-to-fortnox:sale:3")
	require.NoError(t, err)
	assert.Contains(t, out, "started default:orders-to-fortnox:sale:3 again (its last run ended terminated)")
	desc, err := c.DescribeWorkflow(ctx, "default:orders-to-fortnox:sale:3", "")
	require.NoError(t, err)
	assert.Equal(t, enums.WORKFLOW_EXECUTION_STATUS_RUNNING, desc.RawResponse.GetWorkflowExecutionInfo().GetStatus())
	assert.Equal(t, workflows.WorkflowRecordSync, desc.RawResponse.GetWorkflowExecutionInfo().GetType().GetName())

	for id, want := range map[string]string{
		"default:orders-to-fortnox:sale:2":   "workflow default:orders-to-fortnox:sale:2 is not waiting for a retry: its status is running, not needs_fix",
		"default:orders-to-fortnox:manual-1": "workflow default:orders-to-fortnox:manual-1 is not a record (no SyncStatus)",
		"default:orders-to-fortnox:sale:404": `no workflow "default:orders-to-fortnox:sale:404"`,
	} {
		_, err := starter(ctx, "retry", id)
		require.EqualError(t, err, want)
		if strings.Contains(id, "404") {
			assert.Equal(t, exitNotFound, exitCode(err))
		}
	}
	assert.False(t, signalled(ctx, t, c, "default:orders-to-fortnox:sale:2"), "a record that is not waiting gets no signal")
}

func signalled(ctx context.Context, t *testing.T, c client.Client, id string) bool {
	t.Helper()
	it := c.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if ev.GetEventType() == enums.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED {
			return ev.GetWorkflowExecutionSignaledEventAttributes().GetSignalName() == workflows.SignalRetry
		}
	}
	return false
}

func TestStatus(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := startServer(t, workflows.DevServerSearchAttributes()).Client()

	record := func(id, flow, status string) {
		startRecord(ctx, t, c, id, workflows.TenantKey().ValueSet("default"),
			workflows.SyncFlowKey().ValueSet(flow), workflows.SyncStatusKey().ValueSet(status))
	}
	record("default:orders-to-fortnox:sale:1", workflows.FlowOrdersToFortnox, "committed")
	record("default:orders-to-fortnox:sale:2", workflows.FlowOrdersToFortnox, "committed")
	record("default:orders-to-fortnox:sale:3", workflows.FlowOrdersToFortnox, "needs_fix")
	record("default:orders-to-lightspeed:order:1", workflows.FlowOrdersToLightspeed, "skipped")

	var out string
	var err error
	require.Eventually(t, func() bool {
		out, err = starter(ctx, "status")
		return containsAll(out, "    committed  2", "    skipped    1", "    needs_fix  1")
	}, 20*time.Second, 200*time.Millisecond, "visibility catches up: %s", out)
	assert.Equal(t, exitAttention, exitCode(err), "a record waits in needs_fix: %v", err)
	assert.Contains(t, out, "tenant default\nretention: namespace default deletes a history")
	assert.Contains(t, out, "\n\norders-to-fortnox\n  schedule   none (run `starter setup`)\n  last run   none yet\n")
	assert.Contains(t, out, "  oldest     default:orders-to-fortnox:sale:3, in needs_fix for ")
	assert.Contains(t, out, "waiting for a fix (1)")
	assert.Contains(t, out, "  default:orders-to-fortnox:sale:3  reason not recorded yet; see the Web UI\n")
	assert.Contains(t, out, "connection fortnox: not_connected (run `starter connect fortnox`)")

	out, err = starter(ctx, "status", "--flow", "orders-to-lightspeed")
	require.NoError(t, err, "nothing waits in this flow")
	assert.Contains(t, out, "after its workflow closes\n\norders-to-lightspeed\n")
	assert.NotContains(t, out, "orders-to-fortnox")
	assert.Contains(t, out, "    committed  0")
	assert.Contains(t, out, "    skipped    1")
	assert.Contains(t, out, "no record waits for a fix\n")

	out, err = starter(ctx, "status", "--output", "json")
	assert.Equal(t, exitAttention, exitCode(err))
	var rep statusReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	require.Len(t, rep.Flows, len(workflows.FlowIDs()))
	assert.Equal(t, int64(2), rep.Flows[0].Records["committed"])
	require.NotNil(t, rep.Flows[0].Oldest)
	assert.Equal(t, "default:orders-to-fortnox:sale:3", rep.Flows[0].Oldest.WorkflowID)
	assert.Equal(t, []recordIssue{{WorkflowID: "default:orders-to-fortnox:sale:3", Flow: workflows.FlowOrdersToFortnox,
		Reason: "reason not recorded yet; see the Web UI"}}, rep.NeedsFix)
	assert.Empty(t, rep.Failed)
}

// TestRetryAllNeedsFix signals every waiting record of a flow, and only those.
func TestRetryAllNeedsFix(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := startServer(t, workflows.DevServerSearchAttributes()).Client()
	record := func(id, flow, status string) {
		startRecord(ctx, t, c, id, workflows.TenantKey().ValueSet("default"),
			workflows.SyncFlowKey().ValueSet(flow), workflows.SyncStatusKey().ValueSet(status))
	}
	record("default:orders-to-fortnox:sale:1", workflows.FlowOrdersToFortnox, "needs_fix")
	record("default:orders-to-fortnox:sale:2", workflows.FlowOrdersToFortnox, "needs_fix")
	record("default:orders-to-fortnox:sale:3", workflows.FlowOrdersToFortnox, "running")
	record("default:products:article:TS-RED-M", workflows.FlowProducts, "needs_fix")

	var rep retryReport
	require.Eventually(t, func() bool {
		out, err := starter(ctx, "status", "--output", "json")
		var st statusReport
		require.NoError(t, json.Unmarshal([]byte(out), &st), "%s %v", out, err)
		return len(st.NeedsFix) == 3
	}, 20*time.Second, 200*time.Millisecond, "visibility catches up")
	out, err := starter(ctx, "retry", "--all-needs-fix", "--flow", "orders-to-fortnox", "--output", "json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	assert.Equal(t, []retried{
		{WorkflowID: "default:orders-to-fortnox:sale:1", Message: "retry sent to default:orders-to-fortnox:sale:1"},
		{WorkflowID: "default:orders-to-fortnox:sale:2", Message: "retry sent to default:orders-to-fortnox:sale:2"},
	}, rep.Retried)
	assert.True(t, signalled(ctx, t, c, "default:orders-to-fortnox:sale:2"))
	assert.False(t, signalled(ctx, t, c, "default:orders-to-fortnox:sale:3"), "not waiting")
	assert.False(t, signalled(ctx, t, c, "default:products:article:TS-RED-M"), "another flow")
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

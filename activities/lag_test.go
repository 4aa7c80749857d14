package activities

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enums "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/types/known/timestamppb"

	"fortspeed/internal/devserver"
)

func TestOldestOfTakesTheOlderChange(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	record := Lag{Since: t0, From: LagFromRecord, WorkflowID: "default:products:article:A"}
	cursor := Lag{Since: t0.Add(-time.Minute), From: LagFromCursor, WorkflowID: "default:products-x"}
	assert.Equal(t, cursor, OldestUnsynced(record, cursor), "a record in flight after the cursor: the changes since the cursor are older")
	later := Lag{Since: t0.Add(time.Hour), From: LagFromCursor}
	assert.Equal(t, record, OldestUnsynced(record, later), "a record waiting since before the cursor")
	assert.Equal(t, record, OldestUnsynced(record, Lag{}), "no successful run yet")
	assert.Equal(t, cursor, OldestUnsynced(Lag{}, cursor), "nothing waits")
	assert.Equal(t, Lag{}, OldestUnsynced(Lag{}, Lag{}))
}

// fakeRecord stands in for RecordSync: it sets the record's SyncStatus and ends as its
// mode says ("park" waits as needs_fix, "fail" fails, "commit" commits).
func fakeRecord(ctx workflow.Context, mode string) error {
	status := map[string]string{"park": "needs_fix", "fail": "failed", "commit": "committed"}[mode]
	if err := workflow.UpsertTypedSearchAttributes(ctx, temporal.NewSearchAttributeKeyKeyword("SyncStatus").ValueSet(status)); err != nil {
		return err
	}
	switch mode {
	case "park":
		return workflow.Await(ctx, func() bool { return false })
	case "fail":
		return temporal.NewNonRetryableApplicationError("boom", ErrorTypeSyncFailed, nil)
	}
	return nil
}

func fakeFlowSync(_ workflow.Context, cursor time.Time) (map[string]time.Time, error) {
	return map[string]time.Time{"cursor": cursor}, nil
}

// On a real dev server (whose visibility cannot order): the oldest waiting record is the
// oldest still running, parked or failed, past a failed run whose record committed since
// and past dry runs; the flow's lag is the older of it and the schedule's last cursor,
// and a manual run's cursor is not the schedule's.
func TestFlowLagOnDevServer(t *testing.T) {
	devserver.SkipIfShort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	keyword := temporal.NewSearchAttributeKeyKeyword
	srv, err := devserver.Start(ctx, temporal.NewSearchAttributes(
		keyword("SyncStatus").ValueSet(""), keyword("Tenant").ValueSet(""), keyword("SyncFlow").ValueSet("")), nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, srv.Stop()) }()
	c := srv.Client()
	w := worker.New(c, "lag-test", worker.Options{})
	w.RegisterWorkflowWithOptions(fakeRecord, workflow.RegisterOptions{Name: "RecordSync"})
	w.RegisterWorkflowWithOptions(fakeFlowSync, workflow.RegisterOptions{Name: "FlowSync"})
	require.NoError(t, w.Start())
	defer w.Stop()

	const flow = "products"
	attrs := temporal.NewSearchAttributes(keyword("Tenant").ValueSet("default"), keyword("SyncFlow").ValueSet(flow),
		keyword("SyncStatus").ValueSet("running"))
	start := func(id, typ string, arg any) client.WorkflowRun {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: "lag-test", TypedSearchAttributes: attrs}, typ, arg)
		require.NoError(t, err)
		return run
	}
	ended := func(run client.WorkflowRun) {
		var app *temporal.ApplicationError
		if err := run.Get(ctx, nil); err != nil {
			require.True(t, errors.As(err, &app), "%v", err)
		}
	}
	start("default:products:article:DRY:dry-run:r1", "RecordSync", "park")
	ended(start("default:products:article:A", "RecordSync", "fail"))
	ended(start("default:products:article:A", "RecordSync", "commit")) // swept and committed since
	failed := start("default:products:article:B", "RecordSync", "fail")
	ended(failed)
	start("default:products:article:C", "RecordSync", "park")
	bStarted, err := c.DescribeWorkflow(ctx, "default:products:article:B", failed.GetRunID())
	require.NoError(t, err)

	var lag Lag
	pollLag(ctx, t, "visibility shows the five runs", func() bool {
		lag, err = OldestWaitingRecord(ctx, c, "default", "default", flow)
		require.NoError(t, err)
		return lag.WorkflowID == "default:products:article:B"
	})
	assert.Equal(t, LagFromRecord, lag.From)
	assert.Equal(t, "failed", lag.Status)
	// Visibility keeps start times to the microsecond.
	assert.WithinDuration(t, bStarted.RawResponse.GetWorkflowExecutionInfo().GetStartTime().AsTime(), lag.Since, time.Microsecond)

	cursor := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ended(start("default:products-2026-01-02T03:04:05Z", "FlowSync", cursor))
	ended(start("default:products:manual-1", "FlowSync", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)))
	pollLag(ctx, t, "visibility shows the scheduled run", func() bool {
		lag, err = FlowLag(ctx, c, "default", "default", flow, "default:products")
		require.NoError(t, err)
		return lag.From == LagFromCursor
	})
	assert.Equal(t, Lag{Since: cursor, From: LagFromCursor, WorkflowID: "default:products-2026-01-02T03:04:05Z"}, lag,
		"the schedule's cursor is older than the waiting record; the manual run's is not the schedule's")

	// The lag alert measures the same: over a threshold it alerts, naming the cursor.
	_, err = c.ScheduleClient().Create(ctx, client.ScheduleOptions{ID: "default:products",
		Spec:   client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: 24 * 365 * time.Hour}}},
		Action: &client.ScheduleWorkflowAction{Workflow: "FlowSync", TaskQueue: "no-worker", Args: []any{cursor}}})
	require.NoError(t, err)
	records := &Records{Client: c, Namespace: "default"}
	health, err := records.Health(ctx, HealthInput{Tenant: "default", Flows: []HealthFlow{
		{Flow: flow, ScheduleID: "default:products", Lag: time.Hour}}})
	require.NoError(t, err)
	require.Len(t, health.Problems, 1)
	assert.Equal(t, AlertLagging, health.Problems[0].Status)
	assert.Contains(t, health.Problems[0].Reason, "over alerts.lag 1h0m0s: the cursor 2026-01-02T03:04:05Z of the last successful run default:products-2026-01-02T03:04:05Z")
	health, err = records.Health(ctx, HealthInput{Tenant: "default", Flows: []HealthFlow{
		{Flow: flow, ScheduleID: "default:products", Lag: 100 * 365 * 24 * time.Hour}}})
	require.NoError(t, err)
	assert.Empty(t, health.Problems, "under the threshold")
}

// pollLag checks cond every 100 ms until it holds; the context bounds the wait.
func pollLag(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			require.FailNow(t, "gave up waiting: "+what)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// orderingVisibility is a visibility store that orders (Elasticsearch): it answers the
// ordered query page by page and says which records' latest runs committed since.
type orderingVisibility struct {
	client.Client
	pages     [][]*workflowpb.WorkflowExecutionInfo
	committed map[string]bool
	queries   []string
	describes []string
}

func (v *orderingVisibility) ListWorkflow(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	v.queries = append(v.queries, req.GetQuery())
	n := 0
	if len(req.GetNextPageToken()) > 0 {
		n = int(req.GetNextPageToken()[0])
	}
	resp := &workflowservice.ListWorkflowExecutionsResponse{Executions: v.pages[n]}
	if n+1 < len(v.pages) {
		resp.NextPageToken = []byte{byte(n + 1)}
	}
	return resp, nil
}

func (v *orderingVisibility) DescribeWorkflow(_ context.Context, id, _ string) (*client.WorkflowExecutionDescription, error) {
	v.describes = append(v.describes, id)
	status := enums.WORKFLOW_EXECUTION_STATUS_FAILED
	if v.committed[id] {
		status = enums.WORKFLOW_EXECUTION_STATUS_COMPLETED
	}
	return &client.WorkflowExecutionDescription{RawResponse: &workflowservice.DescribeWorkflowExecutionResponse{
		WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{Status: status}}}, nil
}

// Where visibility orders, the listing is read oldest first and only as far as the first
// record that still waits: past a stale failed run onto the next page, and no further.
func TestOldestWaitingRecordReadsAnOrderedListingOnlyToTheFirstWaiting(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	exec := func(id string, status enums.WorkflowExecutionStatus, started time.Time) *workflowpb.WorkflowExecutionInfo {
		return &workflowpb.WorkflowExecutionInfo{Execution: &commonpb.WorkflowExecution{WorkflowId: id}, Status: status,
			StartTime: timestamppb.New(started)}
	}
	v := &orderingVisibility{
		pages: [][]*workflowpb.WorkflowExecutionInfo{
			{exec("default:stock:article:A", enums.WORKFLOW_EXECUTION_STATUS_FAILED, t0)},
			{exec("default:stock:article:B", enums.WORKFLOW_EXECUTION_STATUS_RUNNING, t0.Add(time.Minute)),
				exec("default:stock:article:C", enums.WORKFLOW_EXECUTION_STATUS_FAILED, t0.Add(2*time.Minute))},
			{exec("default:stock:article:D", enums.WORKFLOW_EXECUTION_STATUS_RUNNING, t0.Add(3*time.Minute))},
		},
		committed: map[string]bool{"default:stock:article:A": true},
	}
	lag, err := OldestWaitingRecord(context.Background(), v, "default", "default", "stock")
	require.NoError(t, err)
	assert.Equal(t, "default:stock:article:B", lag.WorkflowID)
	assert.True(t, t0.Add(time.Minute).Equal(lag.Since))
	assert.Equal(t, []string{"default:stock:article:A"}, v.describes, "only the failed run before it is checked")
	require.Len(t, v.queries, 2, "two pages, not the third")
	assert.Contains(t, v.queries[0], "ORDER BY StartTime ASC")
}

package workflows

import (
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"fortspeed/activities"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// pages serves FetchResults by page token ("" is the first page).
func pages(byToken map[string]activities.FetchResult) func(int, activities.FetchInput) (activities.FetchResult, error) {
	return func(_ int, in activities.FetchInput) (activities.FetchResult, error) {
		return byToken[in.PageToken], nil
	}
}

// fakeChildren replaces RecordSync with a recorder that answers per source id.
type fakeChildren struct {
	mu       sync.Mutex
	ids      []string
	inputs   []RecordInput
	status   map[string]Status
	running  int
	maxSeen  int
	duration time.Duration
	options  []workflow.Info
}

func (c *fakeChildren) run(ctx workflow.Context, in RecordInput) (RecordResult, error) {
	c.mu.Lock()
	c.ids = append(c.ids, workflow.GetInfo(ctx).WorkflowExecution.ID)
	c.inputs = append(c.inputs, in)
	c.options = append(c.options, *workflow.GetInfo(ctx))
	c.running++
	c.maxSeen = max(c.maxSeen, c.running)
	status := c.status[in.Source.ID]
	c.mu.Unlock()
	if c.duration > 0 {
		if err := workflow.Sleep(ctx, c.duration); err != nil {
			return RecordResult{}, err
		}
	}
	c.mu.Lock()
	c.running--
	c.mu.Unlock()
	switch status {
	case "":
		return RecordResult{Status: StatusCommitted, TargetID: "T-" + in.Source.ID}, nil
	case StatusFailed:
		return RecordResult{}, temporal.NewNonRetryableApplicationError("boom", activities.ErrorTypeSyncFailed, nil)
	}
	return RecordResult{Status: status}, nil
}

func (c *fakeChildren) sortedIDs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := append([]string(nil), c.ids...)
	sort.Strings(ids)
	return ids
}

func records(ids ...string) []activities.Record {
	out := make([]activities.Record, len(ids))
	for i, id := range ids {
		out[i] = orderRecord(id, "MUG")
	}
	return out
}

func TestOrdersSyncFansOutOneChildPerRecord(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{fetch: pages(map[string]activities.FetchResult{
		"":   {Records: records("1", "2"), NextPageToken: "p2", Cursor: t0.Add(time.Minute)},
		"p2": {Records: records("3", "4", "5"), Cursor: t0.Add(3 * time.Minute)},
	})}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	children := &fakeChildren{status: map[string]Status{"2": StatusSkipped, "4": StatusNeedsFix, "5": StatusFailed}}
	env.RegisterWorkflowWithOptions(children.run, workflow.RegisterOptions{Name: "RecordSync"})

	since := t0
	env.ExecuteWorkflow(FlowSync, SyncInput{Tenant: "default", Flow: FlowOrdersToFortnox, Since: &since, PageSize: 2, ProductWait: time.Hour})

	require.NoError(t, env.GetWorkflowError())
	var res SyncResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, SyncResult{
		Cursor: t0.Add(3 * time.Minute), Pages: 2, Records: 5, Children: 5,
		Committed: 2, Skipped: 1, NeedsFix: 1, Failed: 1,
	}, res)
	assert.Equal(t, []string{
		"default:orders-to-fortnox:sale:1", "default:orders-to-fortnox:sale:2", "default:orders-to-fortnox:sale:3",
		"default:orders-to-fortnox:sale:4", "default:orders-to-fortnox:sale:5",
	}, children.sortedIDs())
	require.Len(t, steps.fetchIn, 2)
	assert.Equal(t, activities.FetchInput{Tenant: "default", Since: t0, PageSize: 2}, steps.fetchIn[0])
	assert.Equal(t, "p2", steps.fetchIn[1].PageToken)
	assert.Equal(t, TaskQueueLightspeed, steps.queue("fetch"), "fetch runs on the source vendor's queue")
	for _, in := range children.inputs {
		assert.Equal(t, time.Hour, in.ProductWait, "settings reach the children")
	}
}

func TestOrdersSyncChildOptions(t *testing.T) {
	opts := RecordChildOptions("default:orders-to-lightspeed:order:17", "order:17")
	assert.Equal(t, enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY, opts.WorkflowIDReusePolicy)
	assert.Equal(t, enums.PARENT_CLOSE_POLICY_ABANDON, opts.ParentClosePolicy)
	assert.Equal(t, TaskQueueFortspeed, opts.TaskQueue)
	assert.Nil(t, opts.RetryPolicy, "a workflow retry would redo completed writes")
}

func TestOrdersSyncCarriesTheCursor(t *testing.T) {
	explicit := t0.Add(-time.Hour)
	tests := []struct {
		name       string
		since      *time.Time
		last       *SyncResult
		pageCursor time.Time
		wantSince  time.Time
		wantCursor time.Time
	}{
		{"previous run's cursor", nil, &SyncResult{Cursor: t0}, t0.Add(time.Minute), t0, t0.Add(time.Minute)},
		{"--since wins over the previous run", &explicit, &SyncResult{Cursor: t0}, time.Time{}, explicit, explicit},
		{"first run looks back a day", nil, nil, time.Time{},
			time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC), time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)},
		{"never moves backwards", nil, &SyncResult{Cursor: t0}, t0.Add(-time.Minute), t0, t0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t)
			steps := &fakeSteps{fetch: pages(map[string]activities.FetchResult{
				"": {Records: records("1"), Cursor: tt.pageCursor},
			})}
			steps.register(env, mustFlow(t, FlowOrdersToLightspeed))
			children := &fakeChildren{}
			env.RegisterWorkflowWithOptions(children.run, workflow.RegisterOptions{Name: "RecordSync"})
			if tt.last != nil {
				env.SetLastCompletionResult(*tt.last)
			}

			env.ExecuteWorkflow(FlowSync, SyncInput{Tenant: "default", Flow: FlowOrdersToLightspeed, Since: tt.since})

			require.NoError(t, env.GetWorkflowError())
			var res SyncResult
			require.NoError(t, env.GetWorkflowResult(&res))
			require.Len(t, steps.fetchIn, 1)
			assert.True(t, tt.wantSince.Equal(steps.fetchIn[0].Since), "since %s, want %s", steps.fetchIn[0].Since, tt.wantSince)
			assert.True(t, tt.wantCursor.Equal(res.Cursor), "cursor %s, want %s", res.Cursor, tt.wantCursor)
			assert.Equal(t, DefaultPageSize, steps.fetchIn[0].PageSize)
			assert.Equal(t, TaskQueueFortnox, steps.queue("fetch"))
			assert.Equal(t, []string{"default:orders-to-lightspeed:order:1"}, children.sortedIDs())
		})
	}
}

// A backfill's Until reaches every page's fetch, the continued run keeps it, and the run's
// cursor stops at it however late the pages' cursors are.
func TestFlowSyncBackfillStopsAtUntil(t *testing.T) {
	until := t0.Add(90 * time.Second)
	env := newEnv(t)
	env.SetContinueAsNewSuggested(true)
	steps := &fakeSteps{fetch: pages(map[string]activities.FetchResult{
		"":   {Records: records("1"), NextPageToken: "p2", Cursor: t0.Add(time.Minute)},
		"p2": {Records: records("2"), Cursor: t0.Add(time.Hour)},
	})}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	env.RegisterWorkflowWithOptions((&fakeChildren{}).run, workflow.RegisterOptions{Name: "RecordSync"})

	env.ExecuteWorkflow(FlowSync, SyncInput{Tenant: "default", Flow: FlowOrdersToFortnox, Since: &t0, Until: &until})

	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(env.GetWorkflowError(), &can), "got %v", env.GetWorkflowError())
	var next SyncInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.NotNil(t, next.Until, "the continued run keeps the bound")
	assert.True(t, until.Equal(*next.Until))
	require.Len(t, steps.fetchIn, 1)
	assert.True(t, until.Equal(steps.fetchIn[0].Until), "the fetch is bounded: %s", steps.fetchIn[0].Until)

	env = newEnv(t)
	steps = &fakeSteps{fetch: steps.fetch}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	env.RegisterWorkflowWithOptions((&fakeChildren{}).run, workflow.RegisterOptions{Name: "RecordSync"})
	env.ExecuteWorkflow(FlowSync, next)
	require.NoError(t, env.GetWorkflowError())
	var res SyncResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Len(t, steps.fetchIn, 1)
	assert.True(t, until.Equal(steps.fetchIn[0].Until))
	assert.True(t, until.Equal(res.Cursor), "cursor %s stops at %s, not at the page's", res.Cursor, until)
	assert.Equal(t, 2, res.Records)
}

// A scheduled run has no Until: its fetch is unbounded, as before Until existed.
func TestFlowSyncWithoutUntilIsUnbounded(t *testing.T) {
	in := SyncInput{}
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(
		mustPayloads(t, map[string]any{"tenant": "default", "flow": FlowOrdersToFortnox, "since": t0}), &in))
	assert.Nil(t, in.Until, "an input recorded before Until decodes unbounded")
	assert.True(t, untilTime(in.Until).IsZero())
	assert.Equal(t, t0.Add(time.Hour), advanceCursor(t0, t0.Add(time.Hour), nil))
	assert.Equal(t, t0, advanceCursor(t0, t0.Add(-time.Hour), nil), "never backwards")
	until := t0.Add(time.Minute)
	assert.Equal(t, until, advanceCursor(t0, t0.Add(time.Hour), &until))
	assert.Equal(t, t0.Add(30*time.Second), advanceCursor(t0, t0.Add(30*time.Second), &until))
}

func ptr[T any](v T) *T { return &v }

func mustPayloads(t *testing.T, v any) *commonpb.Payloads {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayloads(v)
	require.NoError(t, err)
	return p
}

func TestOrdersSyncContinuesAsNewWithItsState(t *testing.T) {
	env := newEnv(t)
	env.SetContinueAsNewSuggested(true)
	steps := &fakeSteps{fetch: pages(map[string]activities.FetchResult{
		"":   {Records: records("1", "2"), NextPageToken: "p2", Cursor: t0.Add(time.Minute)},
		"p2": {Records: records("3"), Cursor: t0.Add(2 * time.Minute)},
	})}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	children := &fakeChildren{}
	env.RegisterWorkflowWithOptions(children.run, workflow.RegisterOptions{Name: "RecordSync"})
	env.SetLastCompletionResult(SyncResult{Cursor: t0})

	env.ExecuteWorkflow(FlowSync, SyncInput{Tenant: "default", Flow: FlowOrdersToFortnox, DryRun: true})

	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(env.GetWorkflowError(), &can), "got %v", env.GetWorkflowError())
	assert.Equal(t, "FlowSync", can.WorkflowType.Name)
	var next SyncInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.NotNil(t, next.Since)
	assert.True(t, t0.Equal(*next.Since), "the next run keeps the same query")
	assert.Equal(t, "p2", next.PageToken)
	assert.True(t, next.DryRun)
	require.NotNil(t, next.Carried)
	assert.True(t, t0.Add(time.Minute).Equal(next.Carried.Cursor))
	assert.Equal(t, 2, next.Carried.Records)
	assert.Equal(t, 2, next.Carried.Committed, "children drained before continuing")
	assert.Equal(t, 1, next.Carried.Continued)
	assert.Len(t, children.ids, 2)
	for _, in := range children.inputs {
		assert.True(t, in.DryRun, "a dry run reaches every child")
	}
	// A finished dry run must not take the record's own id, or the real sync could never
	// start it (ALLOW_DUPLICATE_FAILED_ONLY).
	assert.Equal(t, []string{
		"default:orders-to-fortnox:sale:1:dry-run:default-test-run-id",
		"default:orders-to-fortnox:sale:2:dry-run:default-test-run-id",
	}, children.sortedIDs())
}

func TestOrdersSyncResumesAContinuedRun(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{fetch: pages(map[string]activities.FetchResult{
		"p2": {Records: records("3"), Cursor: t0.Add(2 * time.Minute)},
	})}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	env.RegisterWorkflowWithOptions((&fakeChildren{}).run, workflow.RegisterOptions{Name: "RecordSync"})
	since := t0
	carried := SyncResult{Cursor: t0.Add(time.Minute), Pages: 1, Records: 2, Children: 2, Committed: 2, Continued: 1}

	env.ExecuteWorkflow(FlowSync, SyncInput{Tenant: "default", Flow: FlowOrdersToFortnox, Since: &since, PageToken: "p2", Carried: &carried})

	require.NoError(t, env.GetWorkflowError())
	var res SyncResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, SyncResult{Cursor: t0.Add(2 * time.Minute), Pages: 2, Records: 3, Children: 3, Committed: 3, Continued: 1}, res)
	require.Len(t, steps.fetchIn, 1)
	assert.Equal(t, "p2", steps.fetchIn[0].PageToken)
	assert.True(t, t0.Equal(steps.fetchIn[0].Since))
}

func TestOrdersSyncBoundsConcurrency(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{fetch: pages(map[string]activities.FetchResult{
		"": {Records: records("1", "2", "3", "4", "5", "6", "7")},
	})}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	children := &fakeChildren{duration: time.Minute}
	env.RegisterWorkflowWithOptions(children.run, workflow.RegisterOptions{Name: "RecordSync"})

	start := env.Now()
	env.ExecuteWorkflow(FlowSync, SyncInput{Tenant: "default", Flow: FlowOrdersToFortnox, MaxConcurrent: 3})

	require.NoError(t, env.GetWorkflowError())
	var res SyncResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, 7, res.Committed)
	assert.Equal(t, 3, children.maxSeen)
	// Seven one-minute children three at a time take three rounds.
	assert.Equal(t, 3*time.Minute, env.Now().Sub(start).Round(time.Minute))
}

func TestOrdersSyncDedupesWithinARun(t *testing.T) {
	env := newEnv(t)
	// The fetch overlaps: record 2 has the same timestamp on both pages.
	steps := &fakeSteps{fetch: pages(map[string]activities.FetchResult{
		"":   {Records: records("1", "2"), NextPageToken: "p2", Cursor: t0},
		"p2": {Records: append(records("2", "3"), activities.Record{}), Cursor: t0},
	})}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	children := &fakeChildren{}
	env.RegisterWorkflowWithOptions(children.run, workflow.RegisterOptions{Name: "RecordSync"})

	env.ExecuteWorkflow(FlowSync, SyncInput{Tenant: "default", Flow: FlowOrdersToFortnox})

	require.NoError(t, env.GetWorkflowError())
	var res SyncResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, 3, res.Children)
	assert.Equal(t, 1, res.Duplicates)
	assert.Equal(t, 1, res.Invalid, "a record without an id")
	assert.Equal(t, 3, res.Committed)
}

// TestOrdersSyncTreatsARunningChildAsInProgress starts record 2's workflow before the
// parent reaches it (as a needs_fix child of an earlier run would be): the parent counts
// it as in progress and succeeds.
func TestOrdersSyncTreatsARunningChildAsInProgress(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{fetch: pages(map[string]activities.FetchResult{
		"":   {Records: records("1"), NextPageToken: "p2"},
		"p2": {Records: records("2")},
	})}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	waiting := func(ctx workflow.Context, _ RecordInput) (RecordResult, error) {
		return RecordResult{}, workflow.Sleep(ctx, 24*time.Hour)
	}
	env.RegisterWorkflowWithOptions(waiting, workflow.RegisterOptions{Name: "WaitingOrder"})
	first := func(ctx workflow.Context, in RecordInput) (RecordResult, error) {
		id, err := recordWorkflowID(in.Tenant, in.Flow, "2")
		if err != nil {
			return RecordResult{}, err
		}
		cctx := workflow.WithChildOptions(ctx, RecordChildOptions(id, "earlier run"))
		started := workflow.ExecuteChildWorkflow(cctx, "WaitingOrder", in).GetChildWorkflowExecution()
		if err := started.Get(ctx, nil); err != nil {
			return RecordResult{}, err
		}
		return RecordResult{Status: StatusCommitted}, nil
	}
	env.RegisterWorkflowWithOptions(first, workflow.RegisterOptions{Name: "RecordSync"})

	env.ExecuteWorkflow(FlowSync, SyncInput{Tenant: "default", Flow: FlowOrdersToFortnox, MaxConcurrent: 1})

	require.NoError(t, env.GetWorkflowError())
	var res SyncResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, 1, res.Committed)
	assert.Equal(t, 1, res.InProgress)
	assert.Zero(t, res.Failed)
}

// TestOrdersSyncDoesNotWaitForNeedsFix runs the real RecordSync children: the first record
// parks in needs_fix, frees its slot by signal, and the run finishes while it waits.
func TestOrdersSyncDoesNotWaitForNeedsFix(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{
		fetch: pages(map[string]activities.FetchResult{"": {Records: records("1", "2"), Cursor: t0}}),
		enrich: func(_ int, in activities.EnrichInput) (activities.EnrichResult, error) {
			if in.Source.ID == "1" {
				return activities.EnrichResult{}, activities.NeedsFixError("no e-mail and no default customer")
			}
			return activities.EnrichResult{Draft: draftOf(in.Source)}, nil
		},
	}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	env.RegisterWorkflow(RecordSync)

	env.ExecuteWorkflow(FlowSync, SyncInput{Tenant: "default", Flow: FlowOrdersToFortnox, MaxConcurrent: 1})

	require.NoError(t, env.GetWorkflowError())
	var res SyncResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, 1, res.NeedsFix)
	assert.Equal(t, 1, res.Committed)
	require.Len(t, steps.notifyIn, 1)
	assert.Equal(t, "default:orders-to-fortnox:sale:1", steps.notifyIn[0].WorkflowID)
	// Had the parent waited for the child to end, the child's needs_fix timeout would have
	// counted as failed, and record 2 (one slot) would have started a week late.
	assert.Zero(t, res.Failed)
}

func TestOrdersSyncFailsWhenFetchFails(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{fetch: func(int, activities.FetchInput) (activities.FetchResult, error) {
		return activities.FetchResult{}, temporal.NewNonRetryableApplicationError("lightspeed: refresh token revoked", "InvalidGrant", nil)
	}}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))

	env.ExecuteWorkflow(FlowSync, SyncInput{Tenant: "default", Flow: FlowOrdersToFortnox})

	var app *temporal.ApplicationError
	require.True(t, errors.As(env.GetWorkflowError(), &app))
	assert.Equal(t, activities.ErrorTypeSyncFailed, app.Type())
	assert.Contains(t, app.Message(), "fetch page 1")
	assert.Equal(t, 1, steps.count("fetch"), "InvalidGrant is not retried")
	require.Len(t, steps.alertIn, 2, "the connection's alert, one per channel")
	for _, in := range steps.alertIn {
		assert.Equal(t, activities.AlertReauthorize, in.Status)
		assert.Equal(t, "default:alerts:connection:lightspeed", in.WorkflowID)
		assert.Equal(t, "lightspeed refused fortspeed's authorization (met by default-test-workflow-id); run `starter connect lightspeed`, "+
			"then `starter retry` the records waiting for it: lightspeed: refresh token revoked", in.Reason,
			"the vendor's words, without the SDK's activity and event ids")
		assert.Equal(t, FlowOrdersToFortnox, in.Flow)
	}
}

// TestFlowSyncAlertsOncePerStreakOfFailedRuns: a scheduled run after a failed one (the
// schedule hands it the failure) fails without a second alert; other failures are
// flow_failed.
func TestFlowSyncAlertsOncePerStreakOfFailedRuns(t *testing.T) {
	for name, last := range map[string]error{"first failure": nil, "after a failed run": errors.New("fetch page 1: 503")} {
		t.Run(name, func(t *testing.T) {
			env := newEnv(t)
			steps := &fakeSteps{fetch: func(int, activities.FetchInput) (activities.FetchResult, error) {
				return activities.FetchResult{}, temporal.NewNonRetryableApplicationError("Lightspeed answered 400", "Validation", nil)
			}}
			steps.register(env, mustFlow(t, FlowOrdersToFortnox))
			if last != nil {
				env.SetLastError(last)
			}
			env.ExecuteWorkflow(FlowSync, SyncInput{Tenant: "default", Flow: FlowOrdersToFortnox})
			require.Error(t, env.GetWorkflowError())
			if last != nil {
				assert.Empty(t, steps.alertIn)
				return
			}
			require.Len(t, steps.alertIn, 2)
			assert.Equal(t, activities.AlertFlowFailed, steps.alertIn[0].Status)
			assert.Equal(t, "Lightspeed answered 400", steps.alertIn[0].Reason)
		})
	}
}

func TestOrdersSyncRejectsBadInput(t *testing.T) {
	tests := map[string]SyncInput{
		"unknown flow":       {Tenant: "default", Flow: "invoices"},
		"empty tenant":       {Flow: FlowOrdersToFortnox},
		"negative pagesize":  {Tenant: "default", Flow: FlowOrdersToFortnox, PageSize: -1},
		"negative budget":    {Tenant: "default", Flow: FlowOrdersToFortnox, RetryBudget: -time.Second},
		"negative backoff":   {Tenant: "default", Flow: FlowOrdersToFortnox, SweepBackoff: -time.Second},
		"until before since": {Tenant: "default", Flow: FlowOrdersToFortnox, Since: &t0, Until: ptr(t0.Add(-time.Minute))},
		"until at since":     {Tenant: "default", Flow: FlowOrdersToFortnox, Since: &t0, Until: &t0},
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			env := newEnv(t)
			steps := &fakeSteps{}
			steps.registerNotify(env)
			env.ExecuteWorkflow(FlowSync, in)
			var app *temporal.ApplicationError
			require.True(t, errors.As(env.GetWorkflowError(), &app))
			assert.Equal(t, activities.ErrorTypeInvalidInput, app.Type())
			assert.Equal(t, 2, steps.count("alert:flow_failed"), "a schedule with a bad input is alerted, once per channel")
		})
	}
}

// The last run of a sync starts the flow's failed records again, once each, after the
// records of its pages; a record the pages already brought is not started twice.
func TestFlowSyncSweepsFailedRecords(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{
		fetch: pages(map[string]activities.FetchResult{"": {Records: records("1"), Cursor: t0}}),
		sweep: func(_ int, in activities.FailedRecordsInput) (activities.FailedRecordsResult, error) {
			return activities.FailedRecordsResult{Records: []activities.FailedRecord{
				{WorkflowID: in.Prefix + "1", SourceID: "1", Failures: 1},
				{WorkflowID: in.Prefix + "7", SourceID: "7", Failures: 3},
			}}, nil
		},
	}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	children := &fakeChildren{}
	env.RegisterWorkflowWithOptions(children.run, workflow.RegisterOptions{Name: "RecordSync"})

	since := t0
	env.ExecuteWorkflow(FlowSync, SyncInput{Tenant: "default", Flow: FlowOrdersToFortnox, Since: &since, SweepBackoff: time.Minute})

	require.NoError(t, env.GetWorkflowError())
	var res SyncResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, 1, res.Swept)
	assert.Equal(t, 2, res.Committed)
	assert.Equal(t, []string{"default:orders-to-fortnox:sale:1", "default:orders-to-fortnox:sale:7"}, children.sortedIDs())
	for _, in := range children.inputs {
		if in.Source.ID == "7" {
			assert.Equal(t, 3, in.Failures)
			assert.Empty(t, in.Source.Data, "a swept record is read from the source")
		}
	}
	assert.Equal(t, 1, steps.count("sweep"))
}

// A dry run sweeps nothing: it must not start real records.
func TestFlowSyncDryRunDoesNotSweep(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{fetch: pages(map[string]activities.FetchResult{"": {Records: records("1"), Cursor: t0}})}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	env.RegisterWorkflowWithOptions((&fakeChildren{}).run, workflow.RegisterOptions{Name: "RecordSync"})
	env.ExecuteWorkflow(FlowSync, SyncInput{Tenant: "default", Flow: FlowOrdersToFortnox, DryRun: true})
	require.NoError(t, env.GetWorkflowError())
	assert.Zero(t, steps.count("sweep"))
}

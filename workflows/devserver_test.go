package workflows

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enums "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"

	"fortspeed/activities"
	"fortspeed/internal/devserver"
)

// EnvRecordHistories, when set, makes TestOrdersOnDevServer write the histories it
// records into testdata/ for TestReplayRecordedHistories.
const EnvRecordHistories = "FORTSPEED_RECORD_HISTORIES"

// TestOrdersOnDevServer runs both order flows on a real dev server with fake activities:
// what the test environment only imitates (the child's parked signal, a taken workflow id
// under ALLOW_DUPLICATE_FAILED_ONLY, search attributes) is checked against the server.
func TestOrdersOnDevServer(t *testing.T) {
	devserver.SkipIfShort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, DevServerSearchAttributes(), nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, srv.Stop()) }()
	c := srv.Client()

	toFortnox := &fakeSteps{
		fetch: pages(map[string]activities.FetchResult{"": {Records: records("1", "2", "3"), Cursor: t0}}),
		enrich: func(_ int, in activities.EnrichInput) (activities.EnrichResult, error) {
			if in.Source.ID == "2" && !in.Refetch {
				return activities.EnrichResult{}, activities.NeedsFixError("no e-mail and no default customer")
			}
			return activities.EnrichResult{Draft: draftOf(in.Source), Summary: "mapped to " + draftOf(in.Source).Reference}, nil
		},
	}
	toLightspeed := &fakeSteps{
		fetch: pages(map[string]activities.FetchResult{"": {Records: records("17"), Cursor: t0}}),
	}
	for _, queue := range []string{TaskQueueFortspeed, TaskQueueFortnox, TaskQueueLightspeed} {
		w := worker.New(c, queue, worker.Options{})
		if queue == TaskQueueFortspeed {
			RegisterWorkflows(w)
			// Notify is registered once, by the first fake.
			toFortnox.register(w, mustFlow(t, FlowOrdersToFortnox))
		} else {
			toFortnox.registerOrderSteps(w, mustFlow(t, FlowOrdersToFortnox))
		}
		toLightspeed.registerOrderSteps(w, mustFlow(t, FlowOrdersToLightspeed))
		require.NoError(t, w.Start())
		defer w.Stop()
	}

	since := t0
	in := SyncInput{Tenant: DefaultTenant, Flow: FlowOrdersToFortnox, Since: &since, MaxConcurrent: 2, NeedsFixWait: time.Hour}
	first := runParent(ctx, t, c, "run-1", in)
	assert.Equal(t, 2, first.Committed)
	assert.Equal(t, 1, first.NeedsFix, "the needs_fix child freed its slot by signal")
	assert.True(t, t0.Equal(first.Cursor))

	// The next run fetches the same records: two finished, one still waiting.
	second := runParent(ctx, t, c, "run-2", in)
	assert.Equal(t, 3, second.InProgress)
	assert.Zero(t, second.Failed)

	parked, err := recordWorkflowID(DefaultTenant, FlowOrdersToFortnox, "2")
	require.NoError(t, err)
	require.Equal(t, "needs_fix", syncStatus(ctx, t, c, parked))
	require.NoError(t, c.SignalWorkflow(ctx, parked, "", SignalRetry, nil))
	var retried RecordResult
	require.NoError(t, c.GetWorkflow(ctx, parked, "").Get(ctx, &retried))
	assert.Equal(t, RecordResult{Status: StatusCommitted, TargetID: "T-2"}, retried)
	assert.Equal(t, "committed", syncStatus(ctx, t, c, parked))
	assert.Equal(t, 1, toFortnox.count("notify"))
	assert.Equal(t, TaskQueueLightspeed, toFortnox.queue("enrich"))
	assert.Equal(t, TaskQueueFortnox, toFortnox.queue("commit"))

	back := runParent(ctx, t, c, "run-3", SyncInput{Tenant: DefaultTenant, Flow: FlowOrdersToLightspeed, Since: &since})
	assert.Equal(t, 1, back.Committed)
	assert.Equal(t, TaskQueueFortnox, toLightspeed.queue("enrich"))
	assert.Equal(t, TaskQueueLightspeed, toLightspeed.queue("commit"))

	committed, err := recordWorkflowID(DefaultTenant, FlowOrdersToFortnox, "1")
	require.NoError(t, err)
	toShop, err := recordWorkflowID(DefaultTenant, FlowOrdersToLightspeed, "17")
	require.NoError(t, err)
	recorded := map[string]string{
		"flow-sync-to-fortnox.json":                "default:orders-to-fortnox:run-1",
		"flow-sync-to-fortnox-overlap.json":        "default:orders-to-fortnox:run-2",
		"flow-sync-to-lightspeed.json":             "default:orders-to-lightspeed:run-3",
		"record-sync-to-fortnox-committed.json":    committed,
		"record-sync-to-fortnox-needs-fix.json":    parked,
		"record-sync-to-lightspeed-committed.json": toShop,
	}
	replayer := worker.NewWorkflowReplayer()
	RegisterWorkflows(replayer)
	for file, id := range recorded {
		hist := history(ctx, t, c, id)
		require.NoError(t, replayer.ReplayWorkflowHistory(nil, hist), file)
		if os.Getenv(EnvRecordHistories) != "" {
			raw, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(hist)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join("testdata", file), append(raw, '\n'), 0o644))
		}
	}
}

func runParent(ctx context.Context, t *testing.T, c client.Client, run string, in SyncInput) SyncResult {
	t.Helper()
	opts := client.StartWorkflowOptions{ID: ScheduleID(in.Tenant, in.Flow) + ":" + run, TaskQueue: TaskQueueFortspeed}
	wr, err := c.ExecuteWorkflow(ctx, opts, FlowSync, in)
	require.NoError(t, err)
	var res SyncResult
	require.NoError(t, wr.Get(ctx, &res))
	return res
}

func syncStatus(ctx context.Context, t *testing.T, c client.Client, id string) string {
	t.Helper()
	desc, err := c.DescribeWorkflow(ctx, id, "")
	require.NoError(t, err)
	payload := desc.RawResponse.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()[SearchAttrSyncStatus]
	require.NotNil(t, payload, "no SyncStatus on %s", id)
	var status string
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(payload, &status))
	return status
}

func history(ctx context.Context, t *testing.T, c client.Client, id string) *historypb.History {
	t.Helper()
	iter := c.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	hist := &historypb.History{}
	for iter.HasNext() {
		event, err := iter.Next()
		require.NoError(t, err)
		hist.Events = append(hist.Events, event)
	}
	return hist
}

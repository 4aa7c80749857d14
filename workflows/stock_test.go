package workflows

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"fortspeed/activities"
	"fortspeed/mapping"
)

// stockFakes stands in for the stock flow's activities with an empty catalogue; it records
// what each fetch asked for.
type stockFakes struct {
	mu      sync.Mutex
	fetches []activities.StockFetchInput
	ordered []activities.StockOrderedInput
}

func (f *stockFakes) register(env *testsuite.TestWorkflowEnvironment) {
	name := func(m string) activity.RegisterOptions {
		return activity.RegisterOptions{Name: activities.StockPrefix + m}
	}
	plan := mapping.StockPlan{Calculation: mapping.StockAvailable, Managed: true, Shops: []mapping.StockShop{{ShopID: 1}}}
	env.RegisterActivityWithOptions(func(context.Context, activities.StockPlanInput) (activities.StockPlanResult, error) {
		return activities.StockPlanResult{Plan: plan, Reconcile: time.Hour, PendingWindow: 2 * time.Hour, Summary: "plan"}, nil
	}, name(activities.MethodStockPlan))
	env.RegisterActivityWithOptions(func(_ context.Context, in activities.StockCheckShopsInput) (activities.StockCheckShopsResult, error) {
		return activities.StockCheckShopsResult{Plan: in.Plan, Summary: "shops"}, nil
	}, name(activities.MethodStockCheckShops))
	env.RegisterActivityWithOptions(func(context.Context, activities.StuckSalesInput) (activities.StuckSalesResult, error) {
		return activities.StuckSalesResult{Summary: "stuck"}, nil
	}, activity.RegisterOptions{Name: activities.StockStuckSales})
	env.RegisterActivityWithOptions(func(context.Context, activities.PendingSalesInput) (activities.PendingSalesResult, error) {
		return activities.PendingSalesResult{Summary: "pending"}, nil
	}, name(activities.MethodStockPendingSales))
	env.RegisterActivityWithOptions(func(_ context.Context, in activities.StockFetchInput) (activities.FetchResult, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.fetches = append(f.fetches, in)
		return activities.FetchResult{Cursor: time.Date(2026, 11, 27, 5, 59, 55, 0, time.UTC)}, nil
	}, name(activities.MethodFetch))
	env.RegisterActivityWithOptions(func(_ context.Context, in activities.StockOrderedInput) (activities.StockOrderedResult, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.ordered = append(f.ordered, in)
		return activities.StockOrderedResult{Summary: "ordered"}, nil
	}, name(activities.MethodStockOrdered))
	env.RegisterActivityWithOptions(func(context.Context, activities.FailedRecordsInput) (activities.FailedRecordsResult, error) {
		return activities.FailedRecordsResult{Summary: "sweep"}, nil
	}, activity.RegisterOptions{Name: activities.RecordsFailed})
}

// TestStockRunIsFullWhenTheReconcileIsDue: a scheduled stock run with no previous result,
// or whose last full reconcile is older than the reconcile interval, compares every article;
// one after a recent reconcile reads from the previous cursor and says when the last
// reconcile was.
func TestStockRunIsFullWhenTheReconcileIsDue(t *testing.T) {
	start := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	cursor := start.Add(-time.Minute)
	cases := []struct {
		name       string
		last       *SyncResult
		full       bool
		reconciled time.Time
	}{
		{"first run", nil, true, start},
		{"recent reconcile", &SyncResult{Cursor: cursor, Reconciled: start.Add(-10 * time.Minute)}, false, start.Add(-10 * time.Minute)},
		{"reconcile due", &SyncResult{Cursor: cursor, Reconciled: start.Add(-61 * time.Minute)}, true, start},
		{"a cursor from before reconciles were kept", &SyncResult{Cursor: cursor}, true, start},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := newEnv(t)
			env.RegisterWorkflowWithOptions(FlowSync, workflow.RegisterOptions{Name: WorkflowFlowSync})
			fakes := &stockFakes{}
			fakes.register(env)
			if c.last != nil {
				env.SetLastCompletionResult(*c.last)
			}
			env.ExecuteWorkflow(WorkflowFlowSync, SyncInput{Tenant: DefaultTenant, Flow: FlowStock})
			require.True(t, env.IsWorkflowCompleted())
			require.NoError(t, env.GetWorkflowError())
			var res SyncResult
			require.NoError(t, env.GetWorkflowResult(&res))
			require.Len(t, fakes.fetches, 1)
			assert.Equal(t, c.full, res.Full)
			assert.Equal(t, c.full, fakes.fetches[0].Since.IsZero(), "a full run fetches every article")
			assert.Equal(t, 500, fakes.fetches[0].PageSize, "Fortnox pages of 500")
			assert.True(t, c.reconciled.Equal(res.Reconciled), "reconciled %s, want %s", res.Reconciled, c.reconciled)
			if c.full {
				assert.Empty(t, fakes.ordered, "a full run reads every article, not the changed orders")
			} else {
				assert.True(t, cursor.Equal(fakes.fetches[0].Since))
				require.Len(t, fakes.ordered, 1, "an incremental run reads the changed orders")
				assert.True(t, cursor.Equal(fakes.ordered[0].Since))
			}
			assert.True(t, time.Date(2026, 11, 27, 5, 59, 55, 0, time.UTC).Equal(res.Cursor), "the cursor is when the first page was listed")
		})
	}
}

// A stock backfill's Until reaches the article fetch and the changed orders, and its
// cursor stops at it (the fetch's listing time is later).
func TestStockBackfillStopsAtUntil(t *testing.T) {
	since := time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
	until := time.Date(2026, 11, 27, 5, 0, 0, 0, time.UTC)
	env := newEnv(t)
	env.RegisterWorkflowWithOptions(FlowSync, workflow.RegisterOptions{Name: WorkflowFlowSync})
	fakes := &stockFakes{}
	fakes.register(env)
	env.ExecuteWorkflow(WorkflowFlowSync, SyncInput{Tenant: DefaultTenant, Flow: FlowStock, Since: &since, Until: &until})
	require.NoError(t, env.GetWorkflowError())
	var res SyncResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Len(t, fakes.fetches, 1)
	assert.True(t, until.Equal(fakes.fetches[0].Until), "fetch until %s", fakes.fetches[0].Until)
	require.Len(t, fakes.ordered, 1)
	assert.True(t, until.Equal(fakes.ordered[0].Until), "changed orders until %s", fakes.ordered[0].Until)
	assert.True(t, until.Equal(res.Cursor), "cursor %s stops at %s", res.Cursor, until)
}

package workflows

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"fortspeed/activities"
)

func TestOrderSyncCommitsBothDirections(t *testing.T) {
	tests := []struct {
		flow        string
		sourceQueue string
		targetQueue string
		sourceID    string
	}{
		{FlowOrdersToFortnox, TaskQueueLightspeed, TaskQueueFortnox, "sale:1042"},
		{FlowOrdersToLightspeed, TaskQueueFortnox, TaskQueueLightspeed, "order:1042"},
	}
	for _, tt := range tests {
		t.Run(tt.flow, func(t *testing.T) {
			env := newEnv(t)
			steps := &fakeSteps{}
			steps.register(env, mustFlow(t, tt.flow))
			trail := watchSearchAttributes(env)

			env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: tt.flow, Source: orderRecord("1042", "TS-RED-M", "MUG")})

			require.True(t, env.IsWorkflowCompleted())
			require.NoError(t, env.GetWorkflowError())
			var res RecordResult
			require.NoError(t, env.GetWorkflowResult(&res))
			assert.Equal(t, RecordResult{Status: StatusCommitted, TargetID: "T-1042"}, res)

			for step, queue := range map[string]string{
				"enrich": tt.sourceQueue, "check-exists": tt.targetQueue, "upsert-customer": tt.targetQueue,
				"verify-products": tt.targetQueue, "commit": tt.targetQueue,
			} {
				assert.Equal(t, 1, steps.count(step), step)
				assert.Equal(t, queue, steps.queue(step), step)
			}
			assert.Zero(t, steps.count("notify"))
			assert.Equal(t, "C-7", steps.commitIn[0].CustomerID)
			assert.False(t, steps.commitIn[0].DryRun)
			assert.False(t, steps.enrichIn[0].Refetch)

			assert.Equal(t, []string{"running", "committed"}, trail.statusTrail())
			assert.Equal(t, "T-1042", trail.targetID)
			assert.Equal(t, []string{"TS-RED-M", "MUG"}, trail.skus)
			assert.Equal(t, tt.sourceID, trail.sourceID)
		})
	}
}

// A sale enrich finds nothing to write for (no lines: a deposit) is skipped with the reason
// as its note, and no target step runs.
func TestOrderSyncSkipsWhatEnrichSkips(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{
		enrich: func(int, activities.EnrichInput) (activities.EnrichResult, error) {
			return activities.EnrichResult{Skip: "the sale has no lines", Summary: "enrich: sale 1042 skipped"}, nil
		},
	}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	trail := watchSearchAttributes(env)

	env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1042", "MUG")})

	require.NoError(t, env.GetWorkflowError())
	var res RecordResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, RecordResult{Status: StatusSkipped, Reason: "the sale has no lines"}, res)
	for _, step := range []string{"check-exists", "upsert-customer", "verify-products", "commit", "notify"} {
		assert.Zero(t, steps.count(step), step)
	}
	assert.Equal(t, []string{"running", "skipped"}, trail.statusTrail())
}

func TestOrderSyncSkipsExistingOrder(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{
		exists: func(int, activities.CheckExistsInput) (activities.CheckExistsResult, error) {
			return activities.CheckExistsResult{Exists: true, TargetID: "55", Summary: "order 55 has LS-1042"}, nil
		},
	}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	trail := watchSearchAttributes(env)

	env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1042", "MUG")})

	require.NoError(t, env.GetWorkflowError())
	var res RecordResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, RecordResult{Status: StatusSkipped, TargetID: "55"}, res)
	assert.Zero(t, steps.count("upsert-customer"))
	assert.Zero(t, steps.count("verify-products"))
	assert.Zero(t, steps.count("commit"))
	assert.Equal(t, []string{"running", "skipped"}, trail.statusTrail())
	assert.Equal(t, "55", trail.targetID)
}

func TestOrderSyncNeedsFixThenRetryCommits(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{
		enrich: func(n int, in activities.EnrichInput) (activities.EnrichResult, error) {
			if n == 1 {
				return activities.EnrichResult{}, activities.NeedsFixError("payment method \"Swish\" has no mode of payment and there is no default")
			}
			return activities.EnrichResult{Draft: draftOf(in.Source), Summary: "mapped"}, nil
		},
	}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	trail := watchSearchAttributes(env)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalRetry, nil) }, 2*time.Hour)

	env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1042", "MUG")})

	require.NoError(t, env.GetWorkflowError())
	var res RecordResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, StatusCommitted, res.Status)
	require.Len(t, steps.enrichIn, 2)
	assert.False(t, steps.enrichIn[0].Refetch)
	assert.True(t, steps.enrichIn[1].Refetch, "a retry re-reads the fixed source record")
	require.Len(t, steps.notifyIn, 1)
	assert.Equal(t, activities.NotifyInput{
		Tenant: "default", Flow: FlowOrdersToFortnox, WorkflowID: "default-test-workflow-id",
		SourceID: "sale:1042", Reason: `payment method "Swish" has no mode of payment and there is no default`,
		Status: "needs_fix", Channel: activities.ChannelWebhook,
	}, steps.notifyIn[0])
	assert.Equal(t, 1, steps.count("notify:email"), "the e-mail copy has its own activity")
	assert.Equal(t, []string{"running", "needs_fix", "running", "committed"}, trail.statusTrail())
}

func TestOrderSyncNeedsFixSurvivesADeadWebhook(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{
		verify: func(n int, _ activities.VerifyProductsInput) (activities.VerifyProductsResult, error) {
			if n == 1 {
				return activities.VerifyProductsResult{}, activities.NeedsFixError("SKU MUG is inactive in Fortnox")
			}
			return activities.VerifyProductsResult{}, nil
		},
		notifyErr: temporal.NewNonRetryableApplicationError("webhook answered 404", "Validation", nil),
	}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	trail := watchSearchAttributes(env)
	// starter retry may send a note with the signal; the workflow ignores the payload.
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalRetry, "fixed in Fortnox") }, time.Hour)

	env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1042", "MUG")})

	require.NoError(t, env.GetWorkflowError())
	var res RecordResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, StatusCommitted, res.Status)
	assert.Equal(t, 1, steps.count("notify"))
	assert.Equal(t, []string{"running", "needs_fix", "running", "committed"}, trail.statusTrail())
}

func TestOrderSyncRetryDoesNotRedoCompletedSteps(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{
		commit: func(n int, in activities.CommitInput) (activities.CommitResult, error) {
			if n == 1 {
				return activities.CommitResult{}, temporal.NewNonRetryableApplicationError(
					"Fortnox refused the delivery name: over 50 characters", "Validation", nil)
			}
			return activities.CommitResult{TargetID: "77", Summary: "created order 77"}, nil
		},
	}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	watchSearchAttributes(env)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalRetry, nil) }, time.Hour)

	env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1042", "MUG")})

	require.NoError(t, env.GetWorkflowError())
	var res RecordResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, RecordResult{Status: StatusCommitted, TargetID: "77"}, res)
	assert.Equal(t, 2, steps.count("enrich"))
	assert.Equal(t, 1, steps.count("check-exists"), "same draft: not looked up again")
	assert.Equal(t, 1, steps.count("upsert-customer"), "same customer: not written again")
	assert.Equal(t, 1, steps.count("verify-products"), "same SKUs, all found before: not asked again")
	assert.Equal(t, 2, steps.count("commit"))
	assert.Equal(t, 1, steps.count("notify"))
}

func TestOrderSyncRetryRedoesStepsWhoseInputChanged(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{
		enrich: func(n int, in activities.EnrichInput) (activities.EnrichResult, error) {
			d := draftOf(in.Source)
			if n > 1 {
				d.Customer.Email = "anna.fixed@example.com"
			}
			return activities.EnrichResult{Draft: d}, nil
		},
		customer: func(n int, _ activities.UpsertCustomerInput) (activities.UpsertCustomerResult, error) {
			if n == 1 {
				return activities.UpsertCustomerResult{}, temporal.NewNonRetryableApplicationError(
					"Fortnox refused the e-mail address", "Validation", nil)
			}
			return activities.UpsertCustomerResult{CustomerID: "C-9", Created: true}, nil
		},
	}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	watchSearchAttributes(env)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalRetry, nil) }, time.Hour)

	env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1042", "MUG")})

	require.NoError(t, env.GetWorkflowError())
	assert.Equal(t, 2, steps.count("check-exists"), "the draft changed: looked up again")
	assert.Equal(t, 2, steps.count("upsert-customer"))
	require.Len(t, steps.commitIn, 1)
	assert.Equal(t, "C-9", steps.commitIn[0].CustomerID)
}

func TestOrderSyncNeedsFixTimesOutAndFails(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{
		enrich: func(int, activities.EnrichInput) (activities.EnrichResult, error) {
			return activities.EnrichResult{}, activities.NeedsFixError("no e-mail and no default customer")
		},
	}
	steps.register(env, mustFlow(t, FlowOrdersToLightspeed))
	trail := watchSearchAttributes(env)
	// One retry while the data is still bad: same reason, so no second notification.
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalRetry, nil) }, time.Hour)

	env.ExecuteWorkflow(RecordSync, RecordInput{
		Tenant: "default", Flow: FlowOrdersToLightspeed, Source: orderRecord("17", "MUG"), NeedsFixWait: 48 * time.Hour,
	})

	require.True(t, env.IsWorkflowCompleted())
	err := env.GetWorkflowError()
	require.Error(t, err)
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app))
	assert.Equal(t, activities.ErrorTypeNeedsFixTimeout, app.Type())
	assert.Contains(t, app.Message(), "no e-mail and no default customer")
	assert.Equal(t, 2, steps.count("enrich"))
	assert.Equal(t, 1, steps.count("notify"), "needs_fix again for the same reason after a retry: no second notification")
	assert.Equal(t, 1, steps.count("notify:email"))
	require.Len(t, steps.alertIn, 2, "the failure: one alert per channel")
	for _, in := range steps.alertIn {
		assert.Equal(t, "failed", in.Status)
		assert.Contains(t, in.Reason, "needs_fix not retried within 48h0m0s")
	}
	assert.Equal(t, []string{"running", "needs_fix", "running", "needs_fix", "failed"}, trail.statusTrail())
}

func TestOrderSyncWaitsForMissingProducts(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{
		verify: func(n int, in activities.VerifyProductsInput) (activities.VerifyProductsResult, error) {
			if n < 3 {
				return activities.VerifyProductsResult{Missing: []string{"TS-RED-M"}}, nil
			}
			return activities.VerifyProductsResult{Summary: "all 2 SKUs found"}, nil
		},
	}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	trail := watchSearchAttributes(env)

	env.ExecuteWorkflow(RecordSync, RecordInput{
		Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1042", "TS-RED-M", "MUG"),
		ProductWait: 10 * time.Minute, ProductRecheck: time.Minute,
	})

	require.NoError(t, env.GetWorkflowError())
	var res RecordResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, StatusCommitted, res.Status)
	assert.Equal(t, 3, steps.count("verify-products"))
	assert.Zero(t, steps.count("notify"))
	assert.Equal(t, []string{"running", "committed"}, trail.statusTrail())
}

func TestOrderSyncMissingProductsBecomeNeedsFixAfterTheWait(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{
		verify: func(int, activities.VerifyProductsInput) (activities.VerifyProductsResult, error) {
			return activities.VerifyProductsResult{Missing: []string{"TS-RED-M"}}, nil
		},
	}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	watchSearchAttributes(env)

	start := env.Now()
	env.ExecuteWorkflow(RecordSync, RecordInput{
		Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1042", "TS-RED-M"),
		ProductWait: 10 * time.Minute, ProductRecheck: 3 * time.Minute, NeedsFixWait: time.Hour,
	})

	err := env.GetWorkflowError()
	require.Error(t, err)
	require.Len(t, steps.notifyIn, 1)
	assert.Equal(t, "products not in Fortnox after waiting 10m0s: TS-RED-M", steps.notifyIn[0].Reason)
	// Lookups at 0, 3, 6, 9 and 10 minutes: the last one at the deadline.
	assert.Equal(t, 5, steps.count("verify-products"))
	assert.Zero(t, steps.count("commit"))
	assert.Equal(t, 70*time.Minute, env.Now().Sub(start).Round(time.Minute))
}

func TestOrderSyncDryRunWritesNothing(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	trail := watchSearchAttributes(env)

	env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1042", "MUG"), DryRun: true})

	require.NoError(t, env.GetWorkflowError())
	var res RecordResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, StatusDryRun, res.Status)
	require.Len(t, steps.customIn, 1)
	assert.True(t, steps.customIn[0].DryRun, "upsert-customer must only look up")
	require.Len(t, steps.commitIn, 1)
	assert.True(t, steps.commitIn[0].DryRun, "commit must not write")
	assert.Equal(t, []string{"running", "dry_run"}, trail.statusTrail())
}

func TestOrderSyncDryRunReportsNeedsFixWithoutWaiting(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{
		verify: func(int, activities.VerifyProductsInput) (activities.VerifyProductsResult, error) {
			return activities.VerifyProductsResult{Missing: []string{"GHOST"}}, nil
		},
	}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	watchSearchAttributes(env)

	start := env.Now()
	env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1042", "GHOST"), DryRun: true})

	require.NoError(t, env.GetWorkflowError())
	var res RecordResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, StatusNeedsFix, res.Status)
	assert.Contains(t, res.Reason, "GHOST")
	assert.Zero(t, steps.count("notify"), "a dry run notifies nobody")
	assert.Zero(t, steps.count("commit"))
	assert.Equal(t, 1, steps.count("verify-products"))
	assert.Equal(t, time.Duration(0), env.Now().Sub(start).Round(time.Minute))
}

func TestOrderSyncFailsOnNonDataError(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{
		commit: func(int, activities.CommitInput) (activities.CommitResult, error) {
			return activities.CommitResult{}, temporal.NewNonRetryableApplicationError("order series exhausted", "Conflict", nil)
		},
	}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	trail := watchSearchAttributes(env)

	env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1042", "MUG")})

	err := env.GetWorkflowError()
	require.Error(t, err)
	var app *temporal.ApplicationError
	require.True(t, errors.As(err, &app))
	assert.Equal(t, activities.ErrorTypeSyncFailed, app.Type())
	assert.Contains(t, app.Message(), "order series exhausted")
	assert.Zero(t, steps.count("notify"))
	assert.Equal(t, []string{"running", "failed"}, trail.statusTrail())
}

func TestOrderSyncRejectsBadInput(t *testing.T) {
	tests := map[string]RecordInput{
		"unknown flow":   {Tenant: "default", Flow: "orders-to-nowhere", Source: orderRecord("1")},
		"empty tenant":   {Flow: FlowOrdersToFortnox, Source: orderRecord("1")},
		"tenant colon":   {Tenant: "a:b", Flow: FlowOrdersToFortnox, Source: orderRecord("1")},
		"empty id":       {Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("")},
		"negative wait":  {Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1"), NeedsFixWait: -time.Second},
		"id with colons": {Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1:2")},
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			env := newEnv(t)
			env.ExecuteWorkflow(RecordSync, in)
			var app *temporal.ApplicationError
			require.True(t, errors.As(env.GetWorkflowError(), &app))
			assert.Equal(t, activities.ErrorTypeInvalidInput, app.Type())
			assert.True(t, app.NonRetryable())
		})
	}
}

func TestNeedsFixReason(t *testing.T) {
	tests := []struct {
		err    error
		reason string
		ok     bool
	}{
		{activities.NeedsFixError("SKU X\nis unknown"), "SKU X is unknown", true},
		{temporal.NewNonRetryableApplicationError("too long", "Validation", nil), "too long", true},
		{fmt.Errorf("commit: %w", temporal.NewNonRetryableApplicationError("no customer 9", "NotFound", nil)), "no customer 9", true},
		{temporal.NewNonRetryableApplicationError("grant revoked", "InvalidGrant", nil), "re-authorization needed (starter connect), then retry: grant revoked", true},
		{temporal.NewApplicationError("503", "Transient"), "", false},
		{errors.New("plain"), "", false},
		{needsFixError{reason: "products missing"}, "products missing", true},
	}
	for _, tt := range tests {
		reason, ok := needsFixReason(tt.err)
		assert.Equal(t, tt.ok, ok, tt.err.Error())
		assert.Equal(t, tt.reason, reason, tt.err.Error())
	}
}

// A record started again by the sweep or `starter retry` carries its id alone: enrich
// reads it from the source.
func TestRecordSyncWithOnlyAnIDReadsTheSource(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{
		enrich: func(_ int, in activities.EnrichInput) (activities.EnrichResult, error) {
			if !in.Refetch {
				return activities.EnrichResult{}, activities.NeedsFixError("enrich was not told to read the source")
			}
			src := sourceOrder(in.Source.ID, "MUG")
			return activities.EnrichResult{Draft: draftOf(src), Summary: "read from the source"}, nil
		},
	}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))

	env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToFortnox, Source: activities.Record{ID: "31"}, Failures: 2})

	require.NoError(t, env.GetWorkflowError())
	var res RecordResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, StatusCommitted, res.Status)
	assert.Equal(t, "31", steps.enrichIn[0].Source.ID)
}

package workflows

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"fortspeed/activities"
	"fortspeed/mapping"
)

func TestOrdersSyncChecksExistenceOncePerPage(t *testing.T) {
	env := newEnv(t)
	page1 := records("1", "2", "1")
	page1[0].Created = t0.Add(-time.Hour)
	steps := &fakeSteps{
		fetch: pages(map[string]activities.FetchResult{
			"":   {Records: page1, NextPageToken: "p2", Cursor: t0.Add(time.Minute)},
			"p2": {Records: records("3", "4"), Cursor: t0.Add(2 * time.Minute)},
		}),
		batch: func(n int, in activities.CheckExistsBatchInput) (activities.CheckExistsBatchResult, error) {
			if n == 1 {
				return activities.CheckExistsBatchResult{Existing: map[string]string{"LS-2": "77"}, Summary: "1 of 2 found"}, nil
			}
			return activities.CheckExistsBatchResult{Unchecked: []string{"LS-4"}, Summary: "0 of 1 found"}, nil
		},
	}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	children := &fakeChildren{}
	env.RegisterWorkflowWithOptions(children.run, workflow.RegisterOptions{Name: "RecordSync"})

	since := t0
	env.ExecuteWorkflow(FlowSync, SyncInput{Tenant: "default", Flow: FlowOrdersToFortnox, Since: &since})

	require.NoError(t, env.GetWorkflowError())
	assert.Equal(t, 2, steps.count("check-exists-batch"), "one lookup per page")
	assert.Equal(t, TaskQueueFortnox, steps.queue("check-exists-batch"), "the lookup runs on the target's queue")
	require.Len(t, steps.batchIn, 2)
	assert.Equal(t, activities.CheckExistsBatchInput{Tenant: "default", Records: []activities.CheckExistsEntry{
		{Reference: "LS-1", Created: t0.Add(-time.Hour)}, {Reference: "LS-2"},
	}}, steps.batchIn[0], "references as enrich makes them, duplicates once, with the sale times")
	known := map[string]*PageCheck{}
	for _, in := range children.inputs {
		known[in.Source.ID] = in.PageCheck
	}
	assert.Equal(t, &PageCheck{Reference: "LS-1"}, known["1"], "checked, not there")
	assert.Equal(t, &PageCheck{Reference: "LS-2", Exists: true, TargetID: "77"}, known["2"])
	assert.Equal(t, &PageCheck{Reference: "LS-3"}, known["3"])
	assert.Nil(t, known["4"], "a record the lookup could not answer for checks itself")
}

func TestOrdersSyncWithoutPageLookupWhenItFails(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{
		fetch: pages(map[string]activities.FetchResult{"": {Records: records("1", "2"), Cursor: t0}}),
		batch: func(int, activities.CheckExistsBatchInput) (activities.CheckExistsBatchResult, error) {
			return activities.CheckExistsBatchResult{}, temporal.NewNonRetryableApplicationError("listing refused", "Validation", errors.New("bad"))
		},
	}
	steps.register(env, mustFlow(t, FlowOrdersToLightspeed))
	children := &fakeChildren{}
	env.RegisterWorkflowWithOptions(children.run, workflow.RegisterOptions{Name: "RecordSync"})

	since := t0
	env.ExecuteWorkflow(FlowSync, SyncInput{Tenant: "default", Flow: FlowOrdersToLightspeed, Since: &since})

	require.NoError(t, env.GetWorkflowError(), "a failed page lookup costs only the saving")
	var res SyncResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, 2, res.Committed)
	require.Len(t, steps.batchIn, 1)
	assert.Equal(t, "1", steps.batchIn[0].Records[0].Reference, "to Lightspeed the reference is the document number")
	for _, in := range children.inputs {
		assert.Nil(t, in.PageCheck)
	}
}

func TestOrderSyncTakesThePageLookup(t *testing.T) {
	t.Run("not there: no check-exists call", func(t *testing.T) {
		env := newEnv(t)
		steps := &fakeSteps{}
		steps.register(env, mustFlow(t, FlowOrdersToFortnox))

		env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1042", "MUG"),
			PageCheck: &PageCheck{Reference: "LS-1042"}})

		require.NoError(t, env.GetWorkflowError())
		var res RecordResult
		require.NoError(t, env.GetWorkflowResult(&res))
		assert.Equal(t, StatusCommitted, res.Status)
		assert.Zero(t, steps.count("check-exists"))
		assert.Equal(t, 1, steps.count("commit"))
	})

	t.Run("exists: skipped without a call", func(t *testing.T) {
		env := newEnv(t)
		steps := &fakeSteps{}
		steps.register(env, mustFlow(t, FlowOrdersToFortnox))
		trail := watchSearchAttributes(env)

		env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1042", "MUG"),
			PageCheck: &PageCheck{Reference: "LS-1042", Exists: true, TargetID: "55"}})

		require.NoError(t, env.GetWorkflowError())
		var res RecordResult
		require.NoError(t, env.GetWorkflowResult(&res))
		assert.Equal(t, RecordResult{Status: StatusSkipped, TargetID: "55"}, res)
		assert.Zero(t, steps.count("check-exists"))
		assert.Zero(t, steps.count("upsert-customer"))
		assert.Zero(t, steps.count("commit"))
		assert.Equal(t, "55", trail.targetID)
	})

	t.Run("another reference: looks itself", func(t *testing.T) {
		env := newEnv(t)
		steps := &fakeSteps{}
		steps.register(env, mustFlow(t, FlowOrdersToFortnox))

		env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1042", "MUG"),
			PageCheck: &PageCheck{Reference: "LS-9"}})

		require.NoError(t, env.GetWorkflowError())
		assert.Equal(t, 1, steps.count("check-exists"))
	})

	t.Run("retry after needs_fix looks itself", func(t *testing.T) {
		env := newEnv(t)
		steps := &fakeSteps{
			enrich: func(n int, in activities.EnrichInput) (activities.EnrichResult, error) {
				if n == 1 {
					return activities.EnrichResult{}, activities.NeedsFixError("no e-mail and no default customer")
				}
				return activities.EnrichResult{Draft: draftOf(in.Source), Summary: "mapped"}, nil
			},
		}
		steps.register(env, mustFlow(t, FlowOrdersToFortnox))
		env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalRetry, nil) }, time.Hour)

		env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1042", "MUG"),
			PageCheck: &PageCheck{Reference: "LS-1042"}})

		require.NoError(t, env.GetWorkflowError())
		var res RecordResult
		require.NoError(t, env.GetWorkflowResult(&res))
		assert.Equal(t, StatusCommitted, res.Status)
		assert.Equal(t, 1, steps.count("check-exists"), "the page's answer is old by now")
	})
}

func TestOrderSyncPassesTheAddressesToUpsertCustomer(t *testing.T) {
	env := newEnv(t)
	billing := mapping.Address{Street: "Storgatan 1", PostalCode: "11455", City: "Stockholm", CountryCode: "SE"}
	shipping := mapping.Address{Name: "Lagret", Street: "Hamnen 2", City: "Visby", CountryCode: "SE"}
	steps := &fakeSteps{
		enrich: func(_ int, in activities.EnrichInput) (activities.EnrichResult, error) {
			d := draftOf(in.Source)
			d.Billing, d.Shipping = billing, shipping
			return activities.EnrichResult{Draft: d, Summary: "mapped"}, nil
		},
	}
	steps.register(env, mustFlow(t, FlowOrdersToLightspeed))

	env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToLightspeed, Source: orderRecord("17", "MUG")})

	require.NoError(t, env.GetWorkflowError())
	require.Len(t, steps.customIn, 1)
	assert.Equal(t, billing, steps.customIn[0].Billing)
	assert.Equal(t, shipping, steps.customIn[0].Shipping)
}

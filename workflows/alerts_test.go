package workflows

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"fortspeed/activities"
)

func TestRecordFailureIsAlertedOnTheFirstFailedRunOnly(t *testing.T) {
	for name, failures := range map[string]int{"first run": 0, "started again by the sweep": 2} {
		t.Run(name, func(t *testing.T) {
			env := newEnv(t)
			steps := &fakeSteps{commit: func(int, activities.CommitInput) (activities.CommitResult, error) {
				return activities.CommitResult{}, temporal.NewNonRetryableApplicationError("Fortnox answered 503 for an hour", "Transient", nil)
			}}
			steps.register(env, mustFlow(t, FlowOrdersToFortnox))
			watchSearchAttributes(env)
			env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToFortnox,
				Source: orderRecord("1042", "MUG"), Failures: failures})
			require.Error(t, env.GetWorkflowError())
			if failures > 0 {
				assert.Empty(t, steps.alertIn, "the record's first failure was alerted")
				return
			}
			require.Len(t, steps.alertIn, 2)
			assert.ElementsMatch(t, []string{activities.ChannelWebhook, activities.ChannelEmail},
				[]string{steps.alertIn[0].Channel, steps.alertIn[1].Channel}, "the two channels' activities run side by side")
			assert.Equal(t, "failed", steps.alertIn[0].Status)
			assert.Equal(t, "sale:1042", steps.alertIn[0].SourceID)
			assert.Contains(t, steps.alertIn[0].Reason, "Fortnox answered 503 for an hour")
		})
	}
}

// TestRecordRefusedAuthorizationAlertsTheConnection: a record refused by the vendor starts
// the connection's alert instead of its own.
func TestRecordRefusedAuthorizationAlertsTheConnection(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{commit: func(n int, _ activities.CommitInput) (activities.CommitResult, error) {
		if n == 1 {
			return activities.CommitResult{}, temporal.NewNonRetryableApplicationError("fortnox: refresh token: InvalidGrant", "InvalidGrant", nil)
		}
		return activities.CommitResult{TargetID: "9", Summary: "created order 9"}, nil
	}}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	watchSearchAttributes(env)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalRetry, nil) }, time.Second)
	env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("7", "MUG")})
	require.NoError(t, env.GetWorkflowError())
	assert.Empty(t, steps.notifyIn, "the connection is alerted, not the record")
	require.Len(t, steps.alertIn, 2)
	assert.Equal(t, activities.AlertReauthorize, steps.alertIn[0].Status)
	assert.Equal(t, "default:alerts:connection:fortnox", steps.alertIn[0].WorkflowID)
	assert.Contains(t, steps.alertIn[0].Reason, "fortnox refused fortspeed's authorization (met by default-test-workflow-id)")
}

func TestRecordOffersAChannelThatWasDownAgainAtTheNextPark(t *testing.T) {
	env := newEnv(t)
	steps := &fakeSteps{
		enrich: func(int, activities.EnrichInput) (activities.EnrichResult, error) {
			return activities.EnrichResult{}, activities.NeedsFixError("no e-mail and no default customer")
		},
		notifyErr: temporal.NewNonRetryableApplicationError("webhook answered 404", "Validation", nil),
	}
	steps.register(env, mustFlow(t, FlowOrdersToLightspeed))
	watchSearchAttributes(env)
	env.RegisterDelayedCallback(func() {
		steps.mu.Lock()
		steps.notifyErr = nil
		steps.mu.Unlock()
		env.SignalWorkflow(SignalRetry, nil)
	}, time.Hour)
	env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToLightspeed,
		Source: orderRecord("17", "MUG"), NeedsFixWait: 48 * time.Hour})
	require.Error(t, env.GetWorkflowError())
	assert.Equal(t, 2, steps.count("notify"), "the webhook missed the first park, so it gets the second")
	assert.Equal(t, 1, steps.count("notify:email"), "e-mail took the first: not repeated")
}

// healthFake answers the alert check's lookup with problems and records its alerts;
// failOn makes one channel fail.
type healthFake struct {
	problems []activities.Problem
	failOn   string
	mu       sync.Mutex // the channels' activities run side by side
	sent     []activities.NotifyInput
}

func (h *healthFake) register(env activityRegistry) {
	env.RegisterActivityWithOptions(func(context.Context, activities.HealthInput) (activities.HealthResult, error) {
		return activities.HealthResult{Problems: h.problems, Summary: "health"}, nil
	}, activity.RegisterOptions{Name: activities.RecordsHealth})
	env.RegisterActivityWithOptions(func(_ context.Context, in activities.NotifyInput) (activities.NotifyResult, error) {
		if in.Channel == h.failOn {
			return activities.NotifyResult{}, temporal.NewNonRetryableApplicationError("down", activities.ErrorTypeNotifyFailed, nil)
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		h.sent = append(h.sent, in)
		return activities.NotifyResult{Summary: "sent"}, nil
	}, activity.RegisterOptions{Name: activities.NotifyAlert})
}

func TestAlertsCheckAlertsEachConditionOnceWhileItLasts(t *testing.T) {
	paused := activities.Problem{Key: "paused:default:stock:inventory", Status: activities.AlertSchedulePaused,
		Flow: FlowStock, ScheduleID: "default:stock", Reason: "schedule default:stock is paused by kim, note \"inventory\""}
	lag := activities.Problem{Key: "lag:products", Status: activities.AlertLagging, Flow: FlowProducts,
		ScheduleID: "default:products", Reason: "no run of products has succeeded for more than 1h0m0s"}
	env := newEnv(t)
	h := &healthFake{problems: []activities.Problem{lag, paused}, failOn: activities.ChannelEmail}
	h.register(env)
	// The previous check alerted the pause on both channels and a lag that has cleared.
	env.SetLastCompletionResult(AlertsCheckResult{Alerted: []string{
		"webhook " + paused.Key, "email " + paused.Key, "webhook lag:stock"}})

	env.ExecuteWorkflow(AlertsCheck, AlertsCheckInput{Tenant: "default"})

	require.NoError(t, env.GetWorkflowError())
	var res AlertsCheckResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Len(t, h.sent, 1, "only the new lag, and only where it went through")
	assert.Equal(t, activities.NotifyInput{Tenant: "default", Flow: FlowProducts, WorkflowID: "default:products",
		Status: activities.AlertLagging, Reason: lag.Reason, Channel: activities.ChannelWebhook, Link: activities.LinkSchedule}, h.sent[0])
	assert.Equal(t, []string{"webhook lag:products", "webhook " + paused.Key, "email " + paused.Key}, res.Alerted,
		"the failed e-mail is tried at the next check; the cleared lag is forgotten, so it alerts again if it returns")
}

func TestAlertsDigestSendsOneMessagePerChannel(t *testing.T) {
	env := newEnv(t)
	var asked activities.DigestInput
	env.RegisterActivityWithOptions(func(_ context.Context, in activities.DigestInput) (activities.DigestResult, error) {
		asked = in
		return activities.DigestResult{Reason: "since yesterday: 3 committed", Lines: []string{"default:stock:article:X needs_fix: SKU on two items"}}, nil
	}, activity.RegisterOptions{Name: activities.RecordsDigest})
	h := &healthFake{}
	h.register(env)

	env.ExecuteWorkflow(AlertsDigest, AlertsDigestInput{Tenant: "default", Flows: []string{FlowStock}})

	require.NoError(t, env.GetWorkflowError())
	assert.Equal(t, []activities.DigestFlow{{Flow: FlowStock, Prefix: "default:stock:article:"}}, asked.Flows)
	assert.Equal(t, "2026-11-26T06:00:00Z", asked.Since.UTC().Format("2006-01-02T15:04:05Z"), "a day back")
	require.Len(t, h.sent, 2)
	for _, in := range h.sent {
		assert.Equal(t, activities.AlertDigest, in.Status)
		assert.Equal(t, "default:alerts-digest", in.WorkflowID)
		assert.Equal(t, []string{"default:stock:article:X needs_fix: SKU on two items"}, in.Lines)
	}
}

func TestAlertsDigestFailsWhenAChannelFails(t *testing.T) {
	env := newEnv(t)
	env.RegisterActivityWithOptions(func(context.Context, activities.DigestInput) (activities.DigestResult, error) {
		return activities.DigestResult{Reason: "quiet day"}, nil
	}, activity.RegisterOptions{Name: activities.RecordsDigest})
	(&healthFake{failOn: activities.ChannelWebhook}).register(env)
	env.ExecuteWorkflow(AlertsDigest, AlertsDigestInput{Tenant: "default"})
	err := env.GetWorkflowError()
	require.Error(t, err)
	var app *temporal.ApplicationError
	assert.True(t, errors.As(err, &app))
	assert.Contains(t, err.Error(), "digest by webhook")
}

// TestSweptRecordAlertsOnlyANewReason: a record the sweep starts again after its needs_fix
// wait ran out is not alerted again for the reason its last run failed with; a new reason
// is alerted.
func TestSweptRecordAlertsOnlyANewReason(t *testing.T) {
	for name, tc := range map[string]struct {
		last string
		want int
	}{
		"same reason": {last: "needs_fix not retried within 168h0m0s: no e-mail and no default customer", want: 0},
		"new reason":  {last: "commit: Fortnox answered 503", want: 1},
	} {
		t.Run(name, func(t *testing.T) {
			env := newEnv(t)
			steps := &fakeSteps{enrich: func(int, activities.EnrichInput) (activities.EnrichResult, error) {
				return activities.EnrichResult{}, activities.NeedsFixError("no e-mail and no default customer")
			}}
			steps.register(env, mustFlow(t, FlowOrdersToLightspeed))
			watchSearchAttributes(env)
			env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToLightspeed,
				Source: orderRecord("17", "MUG"), Failures: 1, LastFailure: tc.last, NeedsFixWait: time.Hour})
			require.Error(t, env.GetWorkflowError(), "the wait runs out")
			assert.Equal(t, tc.want, steps.count("notify"))
			assert.Empty(t, steps.alertIn, "the failure of a swept record is not alerted again")
		})
	}
}

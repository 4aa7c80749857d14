package main

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enums "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/sdk/client"

	"fortspeed/activities"
	"fortspeed/clients"
	"fortspeed/internal/workers"
	"fortspeed/sandbox/testapi"
	"fortspeed/workflows"
)

// TestAlerts drives every alert through the real stack, to a local webhook receiver and a
// local SMTP server, and finds each alert on both, once: a record in needs_fix that is
// retried and needs the same fix again, the same record failing when its wait runs out, a
// connection whose refresh token was used up elsewhere and a vendor that answers only 5xx
// (two scheduled runs fail on each, one alert each), a paused schedule and a lagging flow
// (two runs of the alert check, one alert each), and the digest.
func TestAlerts(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-stack test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	s := startStack(t, stackOptions{settings: badSettings, webhook: true, smtp: true,
		productWait: 2 * time.Second, productRecheck: time.Second, needsFixWait: 20 * time.Second, retryBudget: 5 * time.Second})
	s.startWorker()
	fx, ls := s.fortnoxState(ctx), s.lightspeedState(ctx)
	line := lsNewLine{itemID: anyItem(t, fx, ls).ItemID, qty: 1, price: "149.00"}
	since := time.Now().Add(-2 * time.Second)

	// needs_fix → retry without a fix → needs_fix for the same reason → the wait runs out.
	sale := s.createSale(ctx, s.createCustomer(ctx, lsNewCustomer{first: "Greta", last: "Larm", email: "greta.alerts@example.com"}),
		paymentTypeID(t, ls, "Gift Card"), line)
	record := saleWorkflowID(t, sale)
	res := s.runFlow(ctx, workflows.FlowOrdersToFortnox, since)
	require.Equal(t, 1, res.NeedsFix, "%+v", res)
	s.retry(ctx, record)
	require.Error(t, s.client.GetWorkflow(ctx, record, "").Get(ctx, nil), "the second needs_fix wait runs out")
	signals, notifies := 0, 0
	for _, ev := range s.history(ctx, record, "").GetEvents() {
		if ev.GetWorkflowExecutionSignaledEventAttributes().GetSignalName() == workflows.SignalRetry {
			signals++
		}
		if ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() == activities.NotifyNeedsFix {
			notifies++
		}
	}
	assert.Equal(t, 1, signals, "the record was retried before its wait ran out")
	assert.Equal(t, 2, notifies, "two parks, one needs_fix notification per channel")
	replayAndRecord(ctx, t, s, record, "record-sync-to-fortnox-alerts-failed.json")

	// The connection: another holder rotated the worker's Lightspeed refresh token (it is
	// single use) and the access token expired. Two scheduled runs fail on it.
	flowSchedule := s.createTestSchedule(ctx, workflows.ScheduleID(workflows.DefaultTenant, workflows.FlowOrdersToFortnox),
		workflows.WorkflowFlowSync, s.syncInput(workflows.FlowOrdersToFortnox, since))
	s.useUpLightspeedRefreshToken(ctx)
	for n := int64(1); n <= 2; n++ {
		require.NoError(t, flowSchedule.Trigger(ctx, client.ScheduleTriggerOptions{}))
		s.waitScheduled(ctx, flowSchedule.GetID(), enums.WORKFLOW_EXECUTION_STATUS_FAILED, n)
	}
	s.recordScheduled(ctx, t, flowSchedule.GetID(), "flow-sync-alerts-reauthorize-again.json", "flow-sync-alerts-reauthorize.json")
	replayAndRecord(ctx, t, s, workflows.ConnectionAlertID(workflows.DefaultTenant, workers.VendorLightspeed), "connection-alert.json")

	// A flow run failing: Fortnox answers every call with a 5xx until the retry budget is
	// spent. Two scheduled runs fail.
	toLightspeed := s.createTestSchedule(ctx, workflows.ScheduleID(workflows.DefaultTenant, workflows.FlowOrdersToLightspeed),
		workflows.WorkflowFlowSync, s.syncInput(workflows.FlowOrdersToLightspeed, since))
	s.setFaults(ctx, testapi.Faults{ErrorRate: 1}, testapi.Faults{})
	for n := int64(1); n <= 2; n++ {
		require.NoError(t, toLightspeed.Trigger(ctx, client.ScheduleTriggerOptions{}))
		s.waitScheduled(ctx, toLightspeed.GetID(), enums.WORKFLOW_EXECUTION_STATUS_FAILED, n)
	}
	s.setFaults(ctx, testapi.Faults{}, testapi.Faults{})
	s.recordScheduled(ctx, t, toLightspeed.GetID(), "flow-sync-alerts-failed-again.json", "flow-sync-alerts-failed.json")

	// The check: the flow's schedule paused with a note, products never run (lag 1ms),
	// orders-to-lightspeed without a lag alert. Two scheduled checks.
	const note = "stocktaking until Monday"
	require.NoError(t, flowSchedule.Pause(ctx, client.SchedulePauseOptions{Note: note}))
	products := workflows.ScheduleID(workflows.DefaultTenant, workflows.FlowProducts)
	s.createTestSchedule(ctx, products, workflows.WorkflowFlowSync, s.syncInput(workflows.FlowProducts, since))
	check := s.createTestSchedule(ctx, workflows.AlertsScheduleID(workflows.DefaultTenant), workflows.WorkflowAlertsCheck,
		workflows.AlertsCheckInput{Tenant: workflows.DefaultTenant, Flows: []activities.HealthFlow{
			{Flow: workflows.FlowOrdersToFortnox, ScheduleID: flowSchedule.GetID(), Lag: time.Millisecond},
			{Flow: workflows.FlowOrdersToLightspeed, ScheduleID: toLightspeed.GetID()},
			{Flow: workflows.FlowProducts, ScheduleID: products, Lag: time.Millisecond},
		}})
	for n := int64(1); n <= 2; n++ {
		require.NoError(t, check.Trigger(ctx, client.ScheduleTriggerOptions{}))
		s.waitScheduled(ctx, check.GetID(), enums.WORKFLOW_EXECUTION_STATUS_COMPLETED, n)
	}
	s.recordScheduled(ctx, t, check.GetID(), "alerts-check-held.json", "alerts-check.json")

	// The digest.
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "default:alerts-digest:test", TaskQueue: workflows.TaskQueueFortspeed},
		workflows.WorkflowAlertsDigest, workflows.AlertsDigestInput{Tenant: workflows.DefaultTenant, Flows: []string{workflows.FlowOrdersToFortnox}})
	require.NoError(t, err)
	var digest activities.DigestResult
	require.NoError(t, run.Get(ctx, &digest))
	replayAndRecord(ctx, t, s, run.GetID(), "alerts-digest.json")

	for _, text := range s.webhook.texts() {
		t.Logf("alert: %s", text)
	}
	alerts := []struct {
		name  string
		parts []string
	}{
		{"needs_fix", []string{record + " is needs_fix", "Gift Card"}},
		{"failed", []string{record + " is failed", "needs_fix not retried within 20s", "Gift Card"}},
		{"re-authorization", []string{"default:alerts:connection:lightspeed is reauthorize_required",
			"lightspeed refused fortspeed's authorization (met by default:orders-to-fortnox-", "run `starter connect lightspeed`", "invalid_grant"}},
		{"flow run failed", []string{"default:orders-to-lightspeed-", "is flow_failed", "fortnox: list a page of changed orders: Transient"}},
		{"paused schedule", []string{"default:orders-to-fortnox is schedule_paused", fmt.Sprintf("note %q", note), "paused by "}},
		{"lag", []string{"default:products is lagging", "over alerts.lag 1ms", "no run has succeeded since schedule default:products was made"}},
		{"digest", []string{"default:alerts-digest is digest", "1 failed"}},
	}
	for _, a := range alerts {
		assert.Len(t, s.webhook.mentioning(a.parts...), 1, "%s: once by webhook, in %q", a.name, s.webhook.texts())
		assert.Len(t, s.mailsMentioning(a.parts...), 1, "%s: once by e-mail", a.name)
	}
	assert.Len(t, s.webhook.texts(), len(alerts), "nothing else by webhook: %q", s.webhook.texts())
	assert.Len(t, s.smtp.Messages(), len(alerts), "nothing else by e-mail")
	assert.Empty(t, s.webhook.mentioning("default:orders-to-lightspeed is lagging"), "a flow without a lag alert")
	for _, m := range s.mailsMentioning("is digest") {
		assert.Contains(t, m, "- "+record+" failed: needs_fix not retried within 20s", "the digest lists the failed record")
	}
	for _, text := range s.webhook.texts() {
		assert.NotContains(t, text, "greta", "alerts carry ids, never personal data")
		assert.NotContains(t, text, "Larm")
	}
}

// createTestSchedule creates a schedule of workflowType that only fires when triggered
// (its interval is ten years) and deletes it at the end of the test.
func (s *stack) createTestSchedule(ctx context.Context, id, workflowType string, input any) client.ScheduleHandle {
	s.tb.Helper()
	h, err := s.client.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:      id,
		Spec:    client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: 10 * 365 * 24 * time.Hour}}},
		Action:  &client.ScheduleWorkflowAction{ID: id, Workflow: workflowType, Args: []any{input}, TaskQueue: workflows.TaskQueueFortspeed},
		Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP,
	})
	require.NoError(s.tb, err, "create schedule %s", id)
	s.tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.Delete(ctx); err != nil {
			s.tb.Logf("delete schedule %s: %v", id, err)
		}
	})
	return h
}

// recordScheduled replays (and with FORTSPEED_RECORD_HISTORIES stores) the runs of the
// schedule, newest first, as files.
func (s *stack) recordScheduled(ctx context.Context, t *testing.T, id string, files ...string) {
	t.Helper()
	runs := s.executions(ctx, fmt.Sprintf("TemporalScheduledById = '%s'", id))
	require.Len(t, runs, len(files), "runs of %s", id)
	slices.SortFunc(runs, func(a, b *workflowpb.WorkflowExecutionInfo) int {
		return b.GetStartTime().AsTime().Compare(a.GetStartTime().AsTime())
	})
	for i, run := range runs {
		replayAndRecordRun(ctx, t, s, run.GetExecution().GetWorkflowId(), run.GetExecution().GetRunId(), files[i])
	}
}

// waitScheduled waits until n runs of the schedule have ended with status.
func (s *stack) waitScheduled(ctx context.Context, id string, status enums.WorkflowExecutionStatus, n int64) {
	s.tb.Helper()
	query := fmt.Sprintf("TemporalScheduledById = '%s' AND ExecutionStatus = '%s'", id, strings.TrimPrefix(status.String(), "WORKFLOW_EXECUTION_STATUS_"))
	waitFor(ctx, s.tb, fmt.Sprintf("%d runs of %s end %s", n, id, status), func() bool { return s.count(ctx, query) >= n })
}

// useUpLightspeedRefreshToken refreshes the stack's first Lightspeed token pair as another
// holder of it would (a copy of an old token file) and uses the new access token, which
// spends the connection's refresh token, then expires every access token: the worker's
// next Lightspeed call is refused and the connection's refresh is invalid_grant.
func (s *stack) useUpLightspeedRefreshToken(ctx context.Context) {
	s.tb.Helper()
	other := clients.NewRefreshingSource(workers.LightspeedOAuth(s.config(), nil), clients.Token{RefreshToken: s.lightspeedPair.RefreshToken}, nil)
	access, err := other.Token(ctx)
	require.NoError(s.tb, err, "the other holder's refresh")
	s.vendorCall(ctx, http.MethodGet, s.lightspeedURL+"/API/V3/Account.json", access, nil, nil)
	s.setFaults(ctx, testapi.Faults{}, testapi.Faults{ExpireTokens: true})
}

// mailsMentioning returns the subject and body of every delivered e-mail that contains
// every one of parts.
func (s *stack) mailsMentioning(parts ...string) []string {
	s.tb.Helper()
	var out []string
	for _, m := range s.smtp.Messages() {
		subject, err := new(mime.WordDecoder).DecodeHeader(m.Msg.Header.Get("Subject"))
		require.NoError(s.tb, err)
		text := subject + "\n" + m.Body
		all := true
		for _, p := range parts {
			all = all && strings.Contains(text, p)
		}
		if all {
			out = append(out, text)
		}
	}
	return out
}

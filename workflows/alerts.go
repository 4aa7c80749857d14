package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"fortspeed/activities"
	"fortspeed/clients"
)

// changeAlerts is the GetVersion change id of the alerts. Version 1: a record's needs_fix
// notification goes out once per channel, a record's first failure and a failed flow run
// are alerted.
const changeAlerts = "alerts"

// The workflow type names of the periodic alert check and the daily digest.
const (
	WorkflowAlertsCheck  = "AlertsCheck"
	WorkflowAlertsDigest = "AlertsDigest"
)

// AlertChannels are the channels every alert is offered to, each in an activity of its
// own; a channel that is not configured answers so at once.
func AlertChannels() []string {
	return []string{activities.ChannelWebhook, activities.ChannelEmail}
}

// alertSent is one channel's answer to an alert.
type alertSent struct {
	channel string
	summary string
	err     error
}

// sendAlert offers in to every channel for which skip is false, all at once, and returns
// their answers in channel order. name is the Notify activity (NotifyNeedsFix for a
// record's parking, whose input `starter status` reads, or NotifyAlert).
func sendAlert(ctx workflow.Context, name string, in activities.NotifyInput, skip func(channel string) bool) []alertSent {
	type pending struct {
		channel string
		fut     workflow.Future
	}
	var started []pending
	for _, ch := range AlertChannels() {
		if skip != nil && skip(ch) {
			continue
		}
		opts := NotifyActivityOptions()
		opts.Summary = fmt.Sprintf("notify (%s): %s %s", ch, in.Status, in.WorkflowID)
		one := in
		one.Channel = ch
		started = append(started, pending{ch, workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), name, one)})
	}
	out := make([]alertSent, 0, len(started))
	for _, p := range started {
		var res activities.NotifyResult
		err := p.fut.Get(ctx, &res)
		out = append(out, alertSent{channel: p.channel, summary: res.Summary, err: err})
	}
	return out
}

// alertFlowFailed tells the operator that a flow's parent run failed, once per streak of
// failed scheduled runs: the schedule hands each run the previous run's failure
// (workflow.GetLastError), and a run after a failed one stays quiet. A failure whose cause
// is a refused authorization is a reauthorize_required alert naming the vendor's error.
func alertFlowFailed(ctx workflow.Context, in SyncInput, runErr error, logger log.Logger) {
	if in.DryRun || workflow.IsContinueAsNewError(runErr) || temporal.IsCanceledError(runErr) {
		return
	}
	if workflow.GetVersion(ctx, changeAlerts, workflow.DefaultVersion, 1) < 1 {
		return
	}
	if workflow.GetLastError(ctx) != nil {
		logger.Info("flow run failed again; the first failure of the streak was alerted", "error", runErr)
		return
	}
	status, reason := activities.AlertFlowFailed, rootCause(runErr)
	if isReauthorize(runErr) {
		status = activities.AlertReauthorize
		reason = "re-authorization needed (starter connect), the flow stops until then: " + reason
	}
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	for _, res := range sendAlert(ctx, activities.NotifyAlert, activities.NotifyInput{
		Tenant: in.Tenant, Flow: in.Flow, WorkflowID: id, Status: status, Reason: reason,
	}, nil) {
		if res.err != nil {
			logger.Error("flow failure alert not sent", "channel", res.channel, "error", res.err)
		}
	}
}

// rootCause is the message of the innermost error: the vendor's or the step's own words,
// without the SDK's activity and event ids.
func rootCause(err error) string {
	msg := err.Error()
	for e := err; e != nil; e = errors.Unwrap(e) {
		if app, ok := e.(*temporal.ApplicationError); ok {
			msg = app.Message()
		}
	}
	return oneLine(msg)
}

// isReauthorize reports whether err comes from a refused authorization: a dead refresh
// token or a missing scope, which only `starter connect` fixes.
func isReauthorize(err error) bool {
	var app *temporal.ApplicationError
	for e := err; errors.As(e, &app); e = app.Unwrap() {
		if app.Type() == string(clients.InvalidGrant) {
			return true
		}
	}
	return false
}

// AlertsCheckInput names the tenant's enabled flows and each one's lag threshold (zero:
// no lag alert).
type AlertsCheckInput struct {
	Tenant string                  `json:"tenant"`
	Flows  []activities.HealthFlow `json:"flows"`
}

// AlertsCheckResult is what the check has alerted and still holds: "<channel> <key>"
// pairs. The next scheduled check reads it (workflow.GetLastCompletionResult), so a
// condition is alerted once while it lasts, and again only after it cleared.
type AlertsCheckResult struct {
	Alerted []string `json:"alerted,omitempty"`
}

// AlertsCheck is the periodic check of what no record or flow run can report itself: a
// paused schedule (its runs do not happen) and a flow that has not succeeded for longer
// than its lag.
func AlertsCheck(ctx workflow.Context, in AlertsCheckInput) (AlertsCheckResult, error) {
	if err := checkTenant(in.Tenant); err != nil {
		return AlertsCheckResult{}, invalidInput("alerts check", err)
	}
	logger := log.With(workflow.GetLogger(ctx), "tenant", in.Tenant)
	var before AlertsCheckResult
	if workflow.HasLastCompletionResult(ctx) {
		if err := workflow.GetLastCompletionResult(ctx, &before); err != nil {
			return AlertsCheckResult{}, fmt.Errorf("read the previous check's alerts: %w", err)
		}
	}
	opts := SweepActivityOptions()
	opts.Summary = fmt.Sprintf("health: schedules and lag of %d flows", len(in.Flows))
	var health activities.HealthResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activities.RecordsHealth,
		activities.HealthInput{Tenant: in.Tenant, Flows: in.Flows}).Get(ctx, &health); err != nil {
		return before, err
	}
	var now AlertsCheckResult
	for _, p := range health.Problems {
		key := func(ch string) string { return ch + " " + p.Key }
		for _, ch := range AlertChannels() {
			if slices.Contains(before.Alerted, key(ch)) {
				now.Alerted = append(now.Alerted, key(ch))
			}
		}
		for _, res := range sendAlert(ctx, activities.NotifyAlert, activities.NotifyInput{
			Tenant: in.Tenant, Flow: p.Flow, WorkflowID: p.ScheduleID, Status: p.Status, Reason: p.Reason,
			Link: activities.LinkSchedule,
		}, func(ch string) bool { return slices.Contains(before.Alerted, key(ch)) }) {
			if res.err != nil {
				logger.Error("alert not sent; the next check tries again", "channel", res.channel, "key", p.Key, "error", res.err)
				continue
			}
			now.Alerted = append(now.Alerted, key(res.channel))
		}
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**%s alerts**: %s; %d alerts held", in.Tenant, health.Summary, len(now.Alerted)))
	return now, nil
}

// AlertsDigestInput names the tenant and its flows; Window is how far back the counts
// reach (zero: a day).
type AlertsDigestInput struct {
	Tenant string        `json:"tenant"`
	Flows  []string      `json:"flows"`
	Window time.Duration `json:"window,omitempty"`
}

// AlertsDigest sends the tenant's daily digest: the records of the day by outcome, and
// every record waiting in needs_fix or failed. Its schedule runs it once a day, so it is
// one message per tenant and day.
func AlertsDigest(ctx workflow.Context, in AlertsDigestInput) (activities.DigestResult, error) {
	if err := checkTenant(in.Tenant); err != nil {
		return activities.DigestResult{}, invalidInput("alerts digest", err)
	}
	window := in.Window
	if window <= 0 {
		window = 24 * time.Hour
	}
	var flows []activities.DigestFlow
	for _, id := range in.Flows {
		flow, err := FlowByID(id)
		if err != nil {
			return activities.DigestResult{}, invalidInput("alerts digest", err)
		}
		flows = append(flows, activities.DigestFlow{Flow: id, Prefix: RecordWorkflowID(in.Tenant, id, flow.Kind+":")})
	}
	opts := SweepActivityOptions()
	opts.Summary = "digest: count and list the records"
	var digest activities.DigestResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activities.RecordsDigest,
		activities.DigestInput{Tenant: in.Tenant, Flows: flows, Since: workflow.Now(ctx).Add(-window)}).Get(ctx, &digest); err != nil {
		return digest, err
	}
	var failed error
	for _, res := range sendAlert(ctx, activities.NotifyAlert, activities.NotifyInput{
		Tenant: in.Tenant, WorkflowID: DigestScheduleID(in.Tenant), Status: activities.AlertDigest,
		Reason: digest.Reason, Lines: digest.Lines, Link: activities.LinkNone,
	}, nil) {
		if res.err != nil {
			failed = errors.Join(failed, fmt.Errorf("digest by %s: %w", res.channel, res.err))
		}
	}
	return digest, failed
}

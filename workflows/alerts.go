package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"fortspeed/activities"
	"fortspeed/clients"
)

// changeAlerts is the GetVersion change id of the alerts. Version 1: a record's needs_fix
// notification goes out once per channel, a record's first failure and a failed flow run
// are alerted, and a refused authorization starts the connection's alert (a child).
const changeAlerts = "alerts"

// The workflow type names of the periodic alert check, the daily digest and a
// connection's re-authorization alert.
const (
	WorkflowAlertsCheck     = "AlertsCheck"
	WorkflowAlertsDigest    = "AlertsDigest"
	WorkflowConnectionAlert = "ConnectionAlert"
)

// ConnectionAlertQuiet is how long a connection's re-authorization alert holds off the
// next one while records and runs keep meeting the refusal.
const ConnectionAlertQuiet = 24 * time.Hour

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
// is a refused authorization is the connection's alert instead.
func alertFlowFailed(ctx workflow.Context, in SyncInput, runErr error, logger log.Logger) {
	if in.DryRun || workflow.IsContinueAsNewError(runErr) || temporal.IsCanceledError(runErr) {
		return
	}
	if workflow.GetVersion(ctx, changeAlerts, workflow.DefaultVersion, 1) < 1 {
		return
	}
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	if isReauthorize(runErr) {
		alertConnection(ctx, in.Tenant, in.Flow, id, runErr, logger)
		return
	}
	if workflow.GetLastError(ctx) != nil {
		logger.Info("flow run failed again; the first failure of the streak was alerted", "error", runErr)
		return
	}
	for _, res := range sendAlert(ctx, activities.NotifyAlert, activities.NotifyInput{
		Tenant: in.Tenant, Flow: in.Flow, WorkflowID: id, Status: activities.AlertFlowFailed, Reason: rootCause(runErr),
	}, nil) {
		if res.err != nil {
			logger.Error("flow failure alert not sent", "channel", res.channel, "error", res.err)
		}
	}
}

// ConnectionAlertID is the workflow id of a connection's re-authorization alert.
func ConnectionAlertID(tenant, vendor string) string { return tenant + ":alerts:connection:" + vendor }

// ConnectionAlertInput is a refused authorization that a record or flow run (MetBy) met.
type ConnectionAlertInput struct {
	Tenant string `json:"tenant"`
	Vendor string `json:"vendor"`
	Flow   string `json:"flow"`
	MetBy  string `json:"met_by"`
	Reason string `json:"reason"`
	// Quiet overrides ConnectionAlertQuiet.
	Quiet time.Duration `json:"quiet,omitempty"`
}

// ConnectionAlert alerts that a connection needs re-authorization, then holds its workflow
// id for a quiet time: each record and run that meets the refusal meanwhile starts it again,
// which does nothing while it runs, so a dead connection is one alert a day, not one per
// record.
func ConnectionAlert(ctx workflow.Context, in ConnectionAlertInput) error {
	logger := log.With(workflow.GetLogger(ctx), "tenant", in.Tenant, "vendor", in.Vendor)
	reason := fmt.Sprintf("%s refused fortspeed's authorization (met by %s); run `starter connect %s`, then `starter retry` the records waiting for it: %s",
		in.Vendor, in.MetBy, in.Vendor, in.Reason)
	for _, res := range sendAlert(ctx, activities.NotifyAlert, activities.NotifyInput{
		Tenant: in.Tenant, Flow: in.Flow, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID,
		Status: activities.AlertReauthorize, Reason: reason,
	}, nil) {
		if res.err != nil {
			logger.Error("re-authorization alert not sent", "channel", res.channel, "error", res.err)
		}
	}
	quiet := in.Quiet
	if quiet <= 0 {
		quiet = ConnectionAlertQuiet
	}
	return workflow.NewTimerWithOptions(ctx, quiet, workflow.TimerOptions{
		Summary: "quiet: further refusals of this connection are not alerted again",
	}).Get(ctx, nil)
}

// alertConnection starts the connection's alert unless it already runs (then the refusal
// was alerted within the quiet time). It waits only for the start: the alert outlives the
// record or run that met the refusal.
func alertConnection(ctx workflow.Context, tenant, flow, metBy string, cause error, logger log.Logger) {
	startConnectionAlert(ctx, ConnectionAlertInput{Tenant: tenant, Vendor: vendorOf(cause), Flow: flow, MetBy: metBy, Reason: rootCause(cause)}, logger)
}

// startConnectionAlert starts the connection's alert of in unless it already runs.
func startConnectionAlert(ctx workflow.Context, in ConnectionAlertInput, logger log.Logger) {
	tenant, vendor := in.Tenant, in.Vendor
	opts := workflow.ChildWorkflowOptions{
		WorkflowID:            ConnectionAlertID(tenant, vendor),
		TaskQueue:             TaskQueueFortspeed,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
		StaticSummary:         "re-authorization alert: " + vendor,
	}
	child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), WorkflowConnectionAlert, in)
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !isAlreadyStarted(err) {
		logger.Error("re-authorization alert not started", "vendor", vendor, "error", err)
	}
}

// vendorOf names the vendor of a client error: its message begins with it ("lightspeed:
// refresh token: InvalidGrant …", clients.Error).
func vendorOf(err error) string {
	vendor, _, _ := strings.Cut(rootCause(err), ":")
	switch vendor {
	case "fortnox", "lightspeed":
		return vendor
	}
	return "unknown"
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
// paused schedule (its runs do not happen) and a flow whose oldest unsynced change is
// older than its lag (activities.FlowLag).
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

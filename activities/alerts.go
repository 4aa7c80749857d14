package activities

import (
	"context"
	"errors"
	"fmt"
	failurepb "go.temporal.io/api/failure/v1"
	"slices"
	"strings"
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

// The alert statuses besides the records' own needs_fix and failed.
const (
	AlertFlowFailed     = "flow_failed"
	AlertReauthorize    = "reauthorize_required"
	AlertSchedulePaused = "schedule_paused"
	AlertLagging        = "lagging"
	AlertDigest         = "digest"
)

// HealthFlow is one flow the periodic alert check looks at. Lag zero checks no lag.
type HealthFlow struct {
	Flow       string        `json:"flow"`
	ScheduleID string        `json:"schedule_id"`
	Lag        time.Duration `json:"lag,omitempty"`
}

// HealthInput asks after the tenant's enabled flows.
type HealthInput struct {
	Tenant string       `json:"tenant"`
	Flows  []HealthFlow `json:"flows"`
}

// Problem is one condition to alert on. Key names the condition, so the check alerts once
// while it lasts and again only when it comes back.
type Problem struct {
	Key        string `json:"key"`
	Status     string `json:"status"`
	Flow       string `json:"flow"`
	ScheduleID string `json:"schedule_id"`
	Reason     string `json:"reason"`
}

// HealthResult lists the problems found, by key.
type HealthResult struct {
	Problems []Problem `json:"problems,omitempty"`
	Summary  string    `json:"summary"`
}

func (r HealthResult) StepSummary() string { return r.Summary }

// Health finds the flows whose schedule is paused (with its note and who paused it) and
// those whose oldest unsynced change (FlowLag) is older than their lag. A flow without a
// schedule has not been set up and is left out. One describe per schedule, and FlowLag's
// reads per flow with a lag set.
func (a *Records) Health(ctx context.Context, in HealthInput) (HealthResult, error) {
	var res HealthResult
	for _, f := range in.Flows {
		desc, err := a.Client.ScheduleClient().GetHandle(ctx, f.ScheduleID).Describe(ctx)
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			continue
		}
		if err != nil {
			return HealthResult{}, fmt.Errorf("describe schedule %s: %w", f.ScheduleID, err)
		}
		if st := desc.Schedule.State; st != nil && st.Paused {
			res.Problems = append(res.Problems, Problem{
				Key:    "paused:" + f.ScheduleID + ":" + st.Note,
				Status: AlertSchedulePaused, Flow: f.Flow, ScheduleID: f.ScheduleID,
				Reason: fmt.Sprintf("schedule %s is paused%s, note %q: the flow does not run until it is unpaused",
					f.ScheduleID, a.pausedBy(ctx, f.ScheduleID), st.Note),
			})
			continue // a paused flow lags by design; the pause is the alert
		}
		if f.Lag <= 0 {
			continue
		}
		lag, err := FlowLag(ctx, a.Client, a.Namespace, in.Tenant, f.Flow, f.ScheduleID)
		if err != nil {
			return HealthResult{}, err
		}
		if lag.Since.IsZero() {
			// Nothing waits and no run has succeeded: the changes since the schedule was
			// made are the unsynced ones.
			lag = Lag{Since: desc.Info.CreatedAt, From: LagFromSchedule, WorkflowID: f.ScheduleID}
		}
		if age := time.Since(lag.Since); age > f.Lag {
			res.Problems = append(res.Problems, Problem{
				Key: "lag:" + f.Flow, Status: AlertLagging, Flow: f.Flow, ScheduleID: f.ScheduleID,
				Reason: fmt.Sprintf("the oldest unsynced change of %s is %s old, over alerts.lag %s: %s",
					f.Flow, roundAge(age), f.Lag, lag.Describe()),
			})
		}
	}
	slices.SortFunc(res.Problems, func(x, y Problem) int { return strings.Compare(x.Key, y.Key) })
	res.Summary = fmt.Sprintf("health: %d of %d flows need attention", len(res.Problems), len(in.Flows))
	return res, nil
}

// roundAge rounds a lag for reading: to the second, or to the millisecond under one.
func roundAge(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}

// pausedBy says who paused the schedule and when, as " by <identity> at <time>". Temporal
// keeps neither on a schedule; the server's scheduler workflow (temporal-sys-scheduler:<id>)
// records each pause as a "patch" signal with the caller's identity. Where that history
// cannot be read (another scheduler implementation, no permission) it says so.
func (a *Records) pausedBy(ctx context.Context, scheduleID string) string {
	const unknown = " (who paused it is not recorded by this server)"
	it := a.Client.GetWorkflowHistory(ctx, "temporal-sys-scheduler:"+scheduleID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	who := ""
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return unknown
		}
		if s := ev.GetWorkflowExecutionSignaledEventAttributes(); s != nil && s.GetSignalName() == "patch" && s.GetIdentity() != "" {
			who = fmt.Sprintf(" by %s at %s", s.GetIdentity(), ev.GetEventTime().AsTime().UTC().Format(time.RFC3339))
		}
	}
	if who == "" {
		return unknown
	}
	return who
}

// DigestFlow is one flow of the digest: its id and the workflow id prefix of its records.
type DigestFlow struct {
	Flow   string `json:"flow"`
	Prefix string `json:"prefix"`
}

// DigestInput asks for the tenant's day: the record counts since Since and every record
// waiting in needs_fix or failed now.
type DigestInput struct {
	Tenant string       `json:"tenant"`
	Flows  []DigestFlow `json:"flows"`
	Since  time.Time    `json:"since"`
}

// digestLines bounds the records a digest lists (a message stays readable); its counts
// are complete and `starter status` lists them all.
const digestLines = 50

// DigestResult is the digest's text: Reason the counts, Lines the records.
type DigestResult struct {
	Reason  string   `json:"reason"`
	Lines   []string `json:"lines,omitempty"`
	Summary string   `json:"summary"`
}

func (r DigestResult) StepSummary() string { return r.Summary }

// Digest counts the records that ran since in.Since by outcome and lists those waiting in
// needs_fix and those whose last run failed, with their reasons.
func (a *Records) Digest(ctx context.Context, in DigestInput) (DigestResult, error) {
	scope := fmt.Sprintf("WorkflowType = 'RecordSync' AND Tenant = '%s' AND StartTime > '%s'", in.Tenant, in.Since.UTC().Format(time.RFC3339))
	var counts []string
	for _, st := range []string{"committed", "updated", "skipped", "needs_fix", "failed"} {
		resp, err := a.Client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: a.Namespace,
			Query: fmt.Sprintf("%s AND SyncStatus = '%s'", scope, st)})
		if err != nil {
			return DigestResult{}, fmt.Errorf("count %s records: %w", st, err)
		}
		counts = append(counts, fmt.Sprintf("%d %s", resp.GetCount(), st))
	}
	var lines []string
	more := 0
	add := func(line string) {
		if len(lines) < digestLines {
			lines = append(lines, line)
		} else {
			more++
		}
	}
	waiting := 0
	query := fmt.Sprintf("WorkflowType = 'RecordSync' AND Tenant = '%s' AND SyncStatus = 'needs_fix' AND ExecutionStatus = 'Running'", in.Tenant)
	err := a.listRuns(ctx, query, func(id, runID string) error {
		waiting++
		reason, err := NeedsFixReason(ctx, a.Client, a.DataConverter, id, runID)
		if err != nil {
			return err
		}
		add(fmt.Sprintf("%s needs_fix: %s", id, reason))
		return nil
	})
	if err != nil {
		return DigestResult{}, err
	}
	failed := 0
	for _, f := range in.Flows {
		res, err := a.Failed(ctx, FailedRecordsInput{Tenant: in.Tenant, Flow: f.Flow, Prefix: f.Prefix, Limit: 1 << 20, Backoff: -1})
		if err != nil {
			return DigestResult{}, err
		}
		for _, r := range res.Records {
			failed++
			add(fmt.Sprintf("%s failed: %s", r.WorkflowID, r.LastFailure))
		}
	}
	if more > 0 {
		lines = append(lines, fmt.Sprintf("… and %d more (starter status lists them all)", more))
	}
	out := DigestResult{
		Reason: fmt.Sprintf("since %s: %s; now %d records wait for a fix and %d failed",
			in.Since.UTC().Format("2006-01-02 15:04 MST"), strings.Join(counts, ", "), waiting, failed),
		Lines: lines,
	}
	out.Summary = "digest: " + out.Reason
	return out, nil
}

// listRuns calls each with the workflow and run id of every execution the query matches.
func (a *Records) listRuns(ctx context.Context, query string, each func(id, runID string) error) error {
	var token []byte
	for {
		resp, err := a.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: a.Namespace, Query: query, PageSize: 1000, NextPageToken: token,
		})
		if err != nil {
			return fmt.Errorf("list workflows (%s): %w", query, err)
		}
		for _, e := range resp.GetExecutions() {
			if err := each(e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId()); err != nil {
				return err
			}
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return nil
		}
	}
}

// FailureMessage is the text of a failure read from raw history, which the failure
// converter stored encrypted: dc (the worker's codec; nil: the SDK default) decodes it.
func FailureMessage(dc converter.DataConverter, f *failurepb.Failure) string {
	if dc == nil {
		dc = converter.GetDefaultDataConverter()
	}
	converter.DecodeCommonFailureAttributes(dc, f)
	return strings.TrimSpace(f.GetMessage())
}

// CloseReason is the failure message of the record's last run. (A function, not a
// method of Records, whose every method is an activity.)
func CloseReason(ctx context.Context, c client.Client, dc converter.DataConverter, workflowID string) string {
	it := c.GetWorkflowHistory(ctx, workflowID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return "(history not readable: " + err.Error() + ")"
		}
		if f := ev.GetWorkflowExecutionFailedEventAttributes().GetFailure(); f != nil {
			return FailureMessage(dc, f)
		}
	}
	return "(no failure message)"
}

// NeedsFixReason is the reason of the record's latest needs_fix notification, which the
// workflow sends each time the reason changes; else the latest failed step's message.
// The notification's input is a payload, so it is read with dc, the worker's codec (nil:
// the SDK default).
func NeedsFixReason(ctx context.Context, c client.Client, dc converter.DataConverter, workflowID, runID string) (string, error) {
	if dc == nil {
		dc = converter.GetDefaultDataConverter()
	}
	reason, failed := "", ""
	it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return "", fmt.Errorf("read history of %s: %w", workflowID, err)
		}
		switch ev.GetEventType() {
		case enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			attrs := ev.GetActivityTaskScheduledEventAttributes()
			if attrs.GetActivityType().GetName() != NotifyNeedsFix {
				continue
			}
			var in NotifyInput
			if err := dc.FromPayloads(attrs.GetInput(), &in); err == nil && in.Reason != "" {
				reason = in.Reason
			}
		case enums.EVENT_TYPE_ACTIVITY_TASK_FAILED:
			failed = FailureMessage(dc, ev.GetActivityTaskFailedEventAttributes().GetFailure())
		}
	}
	switch {
	case reason != "":
		return reason, nil
	case failed != "":
		return failed, nil
	}
	return "reason not recorded yet; see the Web UI", nil
}

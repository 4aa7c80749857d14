package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"fortspeed/activities"
	"fortspeed/internal/connections"
	"fortspeed/internal/workers"
	"fortspeed/workflows"
)

func newStatusCommand(out io.Writer) *cobra.Command {
	var flow string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show per flow the schedule, the last run, the records by status and those that need a person",
		Long: "status shows for the tenant and each flow: the schedule (next run, or paused and why), the\n" +
			"last scheduled run and its counts, the records by sync status, the sync lag (the age of\n" +
			"the oldest unsynced change: the oldest record running, in needs_fix or failed, or the\n" +
			"cursor of the last successful scheduled run when that is older, since the changes after\n" +
			"it wait for the next run) and the oldest record in needs_fix; then the records waiting\n" +
			"in needs_fix and those whose last run failed, with their reasons, and the state of each\n" +
			"vendor connection (connected, reauthorize_required or not_connected) as its connection\n" +
			"workflow holds it. Exit code 4 when a connection needs re-authorization or records wait\n" +
			"in needs_fix or failed. Without --tenant it covers every tenant (JSON: {\"tenants\":\n" +
			"[...]} when there are several).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if flow != "" {
				if err := checkFlow(flow); err != nil {
					return usageError(fmt.Errorf("--flow: %w", err))
				}
			}
			e, err := loadEnvironment(tenantFlag(cmd))
			if err != nil {
				return err
			}
			dc, err := e.payloads()
			if err != nil {
				return err
			}
			c, err := e.dial(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			var reps []statusReport
			var attention error
			for _, t := range e.scope(cmd) {
				rep, err := status(cmd.Context(), c, dc, e.cfg.Temporal.Namespace, t.Name, flow, time.Now())
				if err != nil {
					return workers.TenantError(t.Name, err)
				}
				if rep.Connections, err = connectionStates(cmd.Context(), c, t.Name); err != nil {
					return workers.TenantError(t.Name, err)
				}
				reps = append(reps, rep)
				if err := rep.attention(); err != nil && attention == nil {
					attention = workers.TenantError(t.Name, err)
				}
			}
			if err := emitTenants(cmd, out, reps); err != nil {
				return err
			}
			return attention
		},
	}
	cmd.Flags().StringVar(&flow, "flow", "", "only this flow ("+joinWords(workflows.FlowIDs(), "or")+")")
	return cmd
}

// statusOrder is the order the counts are printed in.
func statusOrder() []workflows.Status {
	return []workflows.Status{workflows.StatusRunning, workflows.StatusCommitted, workflows.StatusUpdated,
		workflows.StatusSkipped, workflows.StatusNeedsFix, workflows.StatusFailed, workflows.StatusDryRun}
}

// statusReport is the tenant's state. Only the default tenant is served today: further
// tenants of the settings file have no workers yet.
type statusReport struct {
	Tenant      string                     `json:"tenant"`
	Retention   string                     `json:"retention"`
	Flows       []flowStatus               `json:"flows"`
	NeedsFix    []recordIssue              `json:"needs_fix"`
	Failed      []recordIssue              `json:"failed"`
	Connections []workflows.ConnectionView `json:"connections,omitempty"`
}

type flowStatus struct {
	Flow     string           `json:"flow"`
	Schedule *scheduleInfo    `json:"schedule"`
	LastRun  *lastRun         `json:"last_run"`
	Records  map[string]int64 `json:"records"`
	// LagSeconds is the age of the oldest unsynced change, and LagFrom what it is measured
	// from (activities.FlowLag). Absent while nothing waits and no scheduled run completed.
	LagSeconds *int64          `json:"lag_seconds,omitempty"`
	LagFrom    *activities.Lag `json:"lag_from,omitempty"`
	// Oldest is the record waiting in needs_fix that fortspeed first met earliest (its
	// source change is older still); failed records are listed apart, without an age.
	Oldest *recordAge `json:"oldest_unsynced,omitempty"`
}

type scheduleInfo struct {
	ID      string     `json:"id"`
	Every   string     `json:"every,omitempty"`
	Paused  bool       `json:"paused"`
	Note    string     `json:"note,omitempty"`
	NextRun *time.Time `json:"next_run,omitempty"`
}

type lastRun struct {
	WorkflowID string                `json:"workflow_id"`
	Status     string                `json:"status"`
	Started    time.Time             `json:"started"`
	Closed     *time.Time            `json:"closed,omitempty"`
	Result     *workflows.SyncResult `json:"result,omitempty"`
	Failure    string                `json:"failure,omitempty"`
}

type recordAge struct {
	WorkflowID string    `json:"workflow_id"`
	Since      time.Time `json:"since"`
	AgeSeconds int64     `json:"age_seconds"`
}

// recordIssue is a record that waits for a person, with the reason.
type recordIssue struct {
	WorkflowID string `json:"workflow_id"`
	Flow       string `json:"flow"`
	Reason     string `json:"reason"`
}

// connectionStates are the tenant's connections as their workflows hold them, without
// calling the vendors (`starter check` does): connected, reauthorize_required (why, and
// which schedules it paused) or not_connected.
func connectionStates(ctx context.Context, c client.Client, tenant string) ([]workflows.ConnectionView, error) {
	var out []workflows.ConnectionView
	for _, vendor := range []string{workflows.VendorFortnox, workflows.VendorLightspeed} {
		qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		view, err := connections.State(qctx, c, tenant, vendor)
		timedOut := qctx.Err() != nil
		cancel()
		if timedOut {
			view = workflows.ConnectionView{Tenant: tenant, Vendor: vendor, Status: "unknown",
				Reason: "no worker answered for the connection within 10s"}
		} else if err != nil {
			return nil, err
		}
		out = append(out, view)
	}
	return out, nil
}

func (r statusReport) attention() error {
	for _, cs := range r.Connections {
		if cs.Status == workflows.ConnectionReauthorizeRequired {
			return attentionError(fmt.Errorf("the %s connection needs re-authorization: run `starter connect %s%s`", cs.Vendor, cs.Vendor, tenantArg(r.Tenant)))
		}
	}
	if n := len(r.NeedsFix) + len(r.Failed); n > 0 {
		return attentionError(fmt.Errorf("%d records wait in needs_fix, %d failed", len(r.NeedsFix), len(r.Failed)))
	}
	return nil
}

func (r statusReport) writeText(w io.Writer) {
	fmt.Fprintf(w, "tenant %s\n", r.Tenant)
	fmt.Fprintf(w, "retention: %s\n", r.Retention)
	for _, f := range r.Flows {
		fmt.Fprintf(w, "\n%s\n", f.Flow)
		switch s := f.Schedule; {
		case s == nil:
			fmt.Fprintln(w, "  schedule   none (run `starter setup`)")
		case s.Paused:
			fmt.Fprintf(w, "  schedule   %s every %s, paused: %s\n", s.ID, s.Every, s.Note)
		case s.NextRun != nil:
			fmt.Fprintf(w, "  schedule   %s every %s, next run %s\n", s.ID, s.Every, s.NextRun.UTC().Format(time.RFC3339))
		default:
			fmt.Fprintf(w, "  schedule   %s every %s\n", s.ID, s.Every)
		}
		switch l := f.LastRun; {
		case l == nil:
			fmt.Fprintln(w, "  last run   none yet")
		case l.Result != nil:
			fmt.Fprintf(w, "  last run   %s %s at %s: %s\n", l.WorkflowID, l.Status, l.Closed.UTC().Format(time.RFC3339), countsLine(*l.Result))
		case l.Failure != "":
			fmt.Fprintf(w, "  last run   %s %s: %s\n", l.WorkflowID, l.Status, l.Failure)
		default:
			fmt.Fprintf(w, "  last run   %s %s since %s\n", l.WorkflowID, l.Status, l.Started.UTC().Format(time.RFC3339))
		}
		if f.LagSeconds != nil && f.LagFrom != nil {
			fmt.Fprintf(w, "  lag        %s, the oldest unsynced change: %s\n", time.Duration(*f.LagSeconds)*time.Second, f.LagFrom.Describe())
		}
		if o := f.Oldest; o != nil {
			fmt.Fprintf(w, "  oldest     %s, in needs_fix for %s\n", o.WorkflowID, time.Duration(o.AgeSeconds)*time.Second)
		}
		fmt.Fprintln(w, "  records")
		for _, st := range statusOrder() {
			fmt.Fprintf(w, "    %-10s %d\n", st, f.Records[string(st)])
		}
	}
	fmt.Fprintln(w)
	if len(r.NeedsFix) == 0 {
		fmt.Fprintln(w, "no record waits for a fix")
	} else {
		fmt.Fprintf(w, "waiting for a fix (%d); after fixing the data at the source run `starter retry <workflow id>`:\n", len(r.NeedsFix))
		for _, x := range r.NeedsFix {
			fmt.Fprintf(w, "  %s  %s\n", x.WorkflowID, x.Reason)
		}
	}
	if len(r.Failed) == 0 {
		fmt.Fprintln(w, "no failed record waits for another run")
	} else {
		fmt.Fprintf(w, "failed (%d); the next runs start them again, `starter retry <workflow id>` does it now:\n", len(r.Failed))
		for _, x := range r.Failed {
			fmt.Fprintf(w, "  %s  %s\n", x.WorkflowID, x.Reason)
		}
	}
	for _, cs := range r.Connections {
		line := fmt.Sprintf("connection %s: %s", cs.Vendor, cs.Status)
		switch {
		case cs.Status == workflows.ConnectionNotConnected:
			line += fmt.Sprintf(" (run `starter connect %s%s`)", cs.Vendor, tenantArg(r.Tenant))
		case cs.Status == workflows.ConnectionConnected && cs.ServiceAccount:
			line += ", service account"
		case cs.Status == workflows.ConnectionConnected && !cs.Expiry.IsZero():
			line += fmt.Sprintf(", %d refreshes, access token valid until %s", cs.Refreshes, cs.Expiry.UTC().Format(time.RFC3339))
		}
		if cs.Reason != "" {
			line += ": " + cs.Reason
		}
		if len(cs.Paused) > 0 {
			line += fmt.Sprintf("; paused %s until `starter connect %s%s`", strings.Join(cs.Paused, ", "), cs.Vendor, tenantArg(r.Tenant))
		}
		fmt.Fprintln(w, line)
	}
}

// tenantScope is the visibility query of a tenant's records, of one flow or all.
func tenantScope(tenant, flow string) string {
	scope := fmt.Sprintf("%s = '%s'", workflows.SearchAttrTenant, tenant)
	if flow != "" {
		scope += fmt.Sprintf(" AND %s = '%s'", workflows.SearchAttrSyncFlow, flow)
	}
	return scope
}

func status(ctx context.Context, c client.Client, dc converter.DataConverter, namespace, tenant, only string, now time.Time) (statusReport, error) {
	rep := statusReport{Tenant: tenant, NeedsFix: []recordIssue{}, Failed: []recordIssue{}}
	var err error
	if rep.Retention, err = retention(ctx, c, namespace); err != nil {
		return rep, err
	}
	for _, flow := range workflows.FlowIDs() {
		if only != "" && flow != only {
			continue
		}
		fs, err := flowState(ctx, c, dc, namespace, tenant, flow, now)
		if err != nil {
			return rep, err
		}
		query := fmt.Sprintf("%s AND %s = '%s' AND ExecutionStatus = 'Running'", tenantScope(tenant, flow), workflows.SearchAttrSyncStatus, workflows.StatusNeedsFix)
		waiting, err := listChildren(ctx, c, namespace, query)
		if err != nil {
			return rep, err
		}
		sortRecords(waiting)
		for _, ex := range waiting {
			reason, err := activities.NeedsFixReason(ctx, c, dc, ex.workflowID, ex.runID)
			if err != nil {
				return rep, err
			}
			rep.NeedsFix = append(rep.NeedsFix, recordIssue{WorkflowID: ex.workflowID, Flow: flow, Reason: reason})
			fs.noteOldest(ex, now)
		}
		failed, err := failedRecords(ctx, c, dc, namespace, tenant, flow)
		if err != nil {
			return rep, err
		}
		for _, f := range failed {
			rep.Failed = append(rep.Failed, recordIssue{WorkflowID: f.WorkflowID, Flow: flow, Reason: f.LastFailure})
		}
		rep.Flows = append(rep.Flows, fs)
	}
	return rep, nil
}

// noteOldest keeps the earliest started of the unsynced records.
func (f *flowStatus) noteOldest(ex childExecution, now time.Time) {
	if ex.started.IsZero() || f.Oldest != nil && !ex.started.Before(f.Oldest.Since) {
		return
	}
	f.Oldest = &recordAge{WorkflowID: ex.workflowID, Since: ex.started, AgeSeconds: int64(now.Sub(ex.started) / time.Second)}
}

// flowState reads a flow's record counts, its schedule and last scheduled run, and its lag.
func flowState(ctx context.Context, c client.Client, dc converter.DataConverter, namespace, tenant, flow string, now time.Time) (flowStatus, error) {
	fs := flowStatus{Flow: flow, Records: map[string]int64{}}
	for _, st := range statusOrder() {
		query := fmt.Sprintf("%s AND %s = '%s'", tenantScope(tenant, flow), workflows.SearchAttrSyncStatus, st)
		if st == workflows.StatusNeedsFix {
			// A record waits in needs_fix while it runs; a finished one with that status
			// was a dry run's verdict.
			query += " AND ExecutionStatus = 'Running'"
		}
		resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace, Query: query})
		if err != nil {
			return fs, fmt.Errorf("count %s records of %s: %w", st, flow, err)
		}
		fs.Records[string(st)] = resp.GetCount()
	}
	id := workflows.ScheduleID(tenant, flow)
	if err := fs.readSchedule(ctx, c, dc, id); err != nil {
		return fs, err
	}
	return fs, fs.measureLag(ctx, c, namespace, tenant, id, now)
}

// readSchedule reads the flow's schedule and its last scheduled run; a flow without a
// schedule has neither.
func (f *flowStatus) readSchedule(ctx context.Context, c client.Client, dc converter.DataConverter, id string) error {
	desc, err := c.ScheduleClient().GetHandle(ctx, id).Describe(ctx)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("describe schedule %s: %w", id, err)
	}
	si := &scheduleInfo{ID: id}
	if spec := desc.Schedule.Spec; spec != nil && len(spec.Intervals) > 0 {
		si.Every = spec.Intervals[0].Every.String()
	}
	if st := desc.Schedule.State; st != nil {
		si.Paused, si.Note = st.Paused, st.Note
	}
	if next := desc.Info.NextActionTimes; len(next) > 0 && !si.Paused {
		si.NextRun = &next[0]
	}
	f.Schedule = si
	recent := desc.Info.RecentActions
	if len(recent) == 0 || recent[len(recent)-1].StartWorkflowResult == nil {
		return nil
	}
	f.LastRun, err = readLastRun(ctx, c, dc, recent[len(recent)-1].StartWorkflowResult.WorkflowID)
	return err
}

// measureLag sets the flow's lag (activities.FlowLag). The cursor is the last scheduled
// run's when the schedule's latest run completed (read from the schedule, it is newer than
// what visibility may have indexed yet), else the latest completed one visibility lists.
func (f *flowStatus) measureLag(ctx context.Context, c client.Client, namespace, tenant, scheduleID string, now time.Time) error {
	record, err := activities.OldestWaitingRecord(ctx, c, namespace, tenant, f.Flow)
	if err != nil {
		return err
	}
	var cursor activities.Lag
	if l := f.LastRun; l != nil && l.Result != nil && !l.Result.Cursor.IsZero() {
		cursor = activities.Lag{Since: l.Result.Cursor, From: activities.LagFromCursor, WorkflowID: l.WorkflowID}
	} else if cursor, err = activities.LastScheduledCursor(ctx, c, namespace, tenant, f.Flow, scheduleID); err != nil {
		return err
	}
	lag := activities.OldestUnsynced(record, cursor)
	if lag.Since.IsZero() {
		return nil
	}
	seconds := int64(now.Sub(lag.Since) / time.Second)
	f.LagSeconds, f.LagFrom = &seconds, &lag
	return nil
}

// readLastRun describes a scheduled run (its latest run, after continue-as-new) and reads
// its result when it completed.
func readLastRun(ctx context.Context, c client.Client, dc converter.DataConverter, workflowID string) (*lastRun, error) {
	desc, err := c.DescribeWorkflow(ctx, workflowID, "")
	if err != nil {
		return nil, fmt.Errorf("describe run %s: %w", workflowID, err)
	}
	info := desc.RawResponse.GetWorkflowExecutionInfo()
	lr := &lastRun{WorkflowID: workflowID, Started: info.GetStartTime().AsTime(),
		Status: strings.ToLower(strings.TrimPrefix(info.GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_"))}
	if ct := info.GetCloseTime(); ct != nil {
		t := ct.AsTime()
		lr.Closed = &t
	}
	switch info.GetStatus() {
	case enums.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		var res workflows.SyncResult
		if err := c.GetWorkflow(ctx, workflowID, "").Get(ctx, &res); err != nil {
			return nil, fmt.Errorf("read the result of %s: %w", workflowID, err)
		}
		lr.Result = &res
	case enums.WORKFLOW_EXECUTION_STATUS_RUNNING:
	default:
		lr.Failure = activities.CloseReason(ctx, c, dc, workflowID)
	}
	return lr, nil
}

// failedRecords lists the flow's records whose last run failed: the next scheduled runs
// start them again (with a backoff), `starter retry` at once.
func failedRecords(ctx context.Context, c client.Client, dc converter.DataConverter, namespace, tenant, flowID string) ([]activities.FailedRecord, error) {
	flow, err := workflows.FlowByID(flowID)
	if err != nil {
		return nil, err
	}
	records := &activities.Records{Client: c, Namespace: namespace, DataConverter: dc}
	// A negative backoff makes every failed record due, so all are listed.
	res, err := records.Failed(ctx, activities.FailedRecordsInput{Tenant: tenant, Flow: flow.ID,
		Prefix: workflows.RecordWorkflowID(tenant, flow.ID, flow.Kind+":"), Limit: 1 << 20, Backoff: -1})
	if err != nil {
		return nil, err
	}
	return res.Records, nil
}

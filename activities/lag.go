package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

// What a flow's lag is measured from (Lag.From).
const (
	// LagFromRecord: the oldest record not synced yet (running, in needs_fix, or whose
	// latest run failed), by when its workflow started.
	LagFromRecord = "record"
	// LagFromCursor: the cursor of the last successful scheduled run; every change after it
	// waits for the next run.
	LagFromCursor = "cursor"
	// LagFromSchedule: no run succeeded yet and nothing waits: when the schedule was made.
	LagFromSchedule = "schedule"
)

// Lag is the age of a flow's oldest unsynced change: Since is when that change was known,
// From says what it is, WorkflowID names the record or the run whose cursor it is, and
// Status is the record's (running, needs_fix or failed). Zero Since: nothing is known (no
// waiting record and no successful run yet).
type Lag struct {
	Since      time.Time `json:"since"`
	From       string    `json:"from"`
	WorkflowID string    `json:"workflow_id,omitempty"`
	Status     string    `json:"status,omitempty"`
}

// Describe says in words what the lag is measured from.
func (l Lag) Describe() string {
	at := l.Since.UTC().Format(time.RFC3339)
	switch l.From {
	case LagFromRecord:
		return fmt.Sprintf("record %s, %s, started %s", l.WorkflowID, l.Status, at)
	case LagFromCursor:
		return fmt.Sprintf("the cursor %s of the last successful run %s; changes after it wait for the next run", at, l.WorkflowID)
	}
	return fmt.Sprintf("no run has succeeded since schedule %s was made at %s", l.WorkflowID, at)
}

// OldestUnsynced is the older of the waiting record and the cursor (either zero when not
// known): changes after the cursor are not synced either, so a record started after it (one in flight) does not make the
// lag smaller than the cursor's age.
func OldestUnsynced(record, cursor Lag) Lag {
	switch {
	case record.Since.IsZero():
		return cursor
	case cursor.Since.IsZero() || !cursor.Since.Before(record.Since):
		return record
	}
	return cursor
}

// FlowLag is the age of the flow's oldest unsynced change, as `starter status` shows it and
// the lag alert measures it: the oldest record of the flow not synced yet, or the cursor of
// its schedule's last successful run when that is older. It reads visibility: the waiting
// records oldest first (OldestWaitingRecord) and the schedule's latest completed run (one
// listing of one execution, and its result).
func FlowLag(ctx context.Context, c client.Client, namespace, tenant, flow, scheduleID string) (Lag, error) {
	record, err := OldestWaitingRecord(ctx, c, namespace, tenant, flow)
	if err != nil {
		return Lag{}, err
	}
	cursor, err := LastScheduledCursor(ctx, c, namespace, tenant, flow, scheduleID)
	if err != nil {
		return Lag{}, err
	}
	return OldestUnsynced(record, cursor), nil
}

// lagPage is how many waiting records one ordered listing reads; the walk stops at the
// first that still waits, so it reads further pages only past stale failed runs.
const lagPage = 20

// OldestWaitingRecord finds the flow's record that has waited longest: running or parked
// in needs_fix, or failed with no later run that succeeded. One visibility query lists the
// candidates oldest start first (ORDER BY StartTime); a server whose visibility cannot
// order (the SQL stores, the dev server) lists them unordered, which reads every record
// that waits or failed within the retention, never the synced ones. A failed run counts
// only while its record's latest run is failed or running (one describe each, walked
// oldest first until one counts): a record swept and committed since leaves its old failed
// run in visibility. Dry runs are left out.
func OldestWaitingRecord(ctx context.Context, c client.Client, namespace, tenant, flow string) (Lag, error) {
	query := fmt.Sprintf("WorkflowType = 'RecordSync' AND Tenant = '%s' AND SyncFlow = '%s' AND SyncStatus IN ('running', 'needs_fix', 'failed') "+
		"AND (ExecutionStatus = 'Running' OR ExecutionStatus = 'Failed')", tenant, flow)
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: namespace,
			Query: query + " ORDER BY StartTime ASC", PageSize: lagPage, NextPageToken: token})
		if len(token) == 0 && orderUnsupported(err) {
			break
		}
		if err != nil {
			return Lag{}, fmt.Errorf("list the waiting records of %s: %w", flow, err)
		}
		found, err := firstWaiting(ctx, c, candidates(resp.GetExecutions()))
		if err != nil || !found.Since.IsZero() {
			return found, err
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return Lag{}, nil
		}
	}
	// The store cannot order: read every candidate, then walk them oldest first.
	var all []candidate
	for token = nil; ; {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: namespace,
			Query: query, PageSize: 1000, NextPageToken: token})
		if err != nil {
			return Lag{}, fmt.Errorf("list the waiting records of %s: %w", flow, err)
		}
		all = append(all, candidates(resp.GetExecutions())...)
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	slices.SortStableFunc(all, func(x, y candidate) int { return x.started.Compare(y.started) })
	return firstWaiting(ctx, c, all)
}

// orderUnsupported recognises the answer of a visibility store that cannot order (the SQL
// stores say "operation is not supported: 'order by' clause"); any refusal of the query
// is taken as one, and the unordered query says what else is wrong with it.
func orderUnsupported(err error) bool {
	var invalid *serviceerror.InvalidArgument
	var unimplemented *serviceerror.Unimplemented
	return errors.As(err, &invalid) || errors.As(err, &unimplemented)
}

// candidate is one execution of the waiting-records listing.
type candidate struct {
	workflowID, runID, status string
	started                   time.Time
	failed                    bool
}

func candidates(execs []*workflowpb.WorkflowExecutionInfo) []candidate {
	out := make([]candidate, 0, len(execs))
	for _, e := range execs {
		id := e.GetExecution().GetWorkflowId()
		if strings.Contains(id, ":dry-run:") {
			continue
		}
		c := candidate{workflowID: id, runID: e.GetExecution().GetRunId(), started: e.GetStartTime().AsTime(),
			failed: e.GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_FAILED}
		if p := e.GetSearchAttributes().GetIndexedFields()["SyncStatus"]; p != nil {
			_ = converter.GetDefaultDataConverter().FromPayload(p, &c.status) // a keyword; unreadable leaves it blank
		}
		if c.failed {
			c.status = "failed"
		}
		out = append(out, c)
	}
	return out
}

// firstWaiting is the first candidate, in the given order, whose record still waits.
func firstWaiting(ctx context.Context, c client.Client, cands []candidate) (Lag, error) {
	for _, cand := range cands {
		if cand.failed {
			desc, err := c.DescribeWorkflow(ctx, cand.workflowID, "")
			if err != nil {
				return Lag{}, fmt.Errorf("describe %s: %w", cand.workflowID, err)
			}
			switch desc.RawResponse.GetWorkflowExecutionInfo().GetStatus() {
			case enums.WORKFLOW_EXECUTION_STATUS_FAILED, enums.WORKFLOW_EXECUTION_STATUS_RUNNING:
			default:
				continue // synced (or ended by an operator) since
			}
		}
		return Lag{Since: cand.started, From: LagFromRecord, WorkflowID: cand.workflowID, Status: cand.status}, nil
	}
	return Lag{}, nil
}

// LastScheduledCursor is the cursor of the schedule's latest completed run (zero Lag when
// none completed) (its workflow ids are
// "<schedule id>-<time>"; manual syncs and backfills are not the schedule's): visibility
// lists closed runs latest first, so one execution is read, then its result.
func LastScheduledCursor(ctx context.Context, c client.Client, namespace, tenant, flow, scheduleID string) (Lag, error) {
	query := fmt.Sprintf("WorkflowType = 'FlowSync' AND Tenant = '%s' AND SyncFlow = '%s' AND ExecutionStatus = 'Completed' AND WorkflowId STARTS_WITH '%s-'",
		tenant, flow, scheduleID)
	resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: namespace, Query: query, PageSize: 1})
	if err != nil {
		return Lag{}, fmt.Errorf("list the completed runs of %s: %w", flow, err)
	}
	execs := resp.GetExecutions()
	if len(execs) == 0 {
		return Lag{}, nil
	}
	run := execs[0].GetExecution()
	var res struct {
		Cursor time.Time `json:"cursor"`
	}
	if err := c.GetWorkflow(ctx, run.GetWorkflowId(), run.GetRunId()).Get(ctx, &res); err != nil {
		return Lag{}, fmt.Errorf("read the result of %s: %w", run.GetWorkflowId(), err)
	}
	if res.Cursor.IsZero() {
		return Lag{}, nil
	}
	return Lag{Since: res.Cursor, From: LagFromCursor, WorkflowID: run.GetWorkflowId()}, nil
}

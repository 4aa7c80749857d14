package activities

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

// Records reads the flows' record workflows from Temporal's visibility store. It talks to
// no vendor; register it with RecordsPrefix on the fortspeed queue.
type Records struct {
	Client    client.Client
	Namespace string
	// DataConverter reads payloads in histories (needs_fix reasons); nil is the SDK default.
	DataConverter converter.DataConverter
	// Backoff is the wait after a record's first failure before the sweep starts it
	// again; it doubles with every further failure, up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
}

// FailedRecordsInput asks for the records of one flow whose last run failed. Prefix is the
// workflow id every record of the flow starts with ("default:orders-to-fortnox:sale:").
type FailedRecordsInput struct {
	Tenant string `json:"tenant"`
	Flow   string `json:"flow"`
	Prefix string `json:"prefix"`
	Limit  int    `json:"limit"`
	// Backoff overrides the Records' Backoff when not zero; negative lists every failed
	// record whatever its backoff (`starter status`).
	Backoff time.Duration `json:"backoff,omitempty"`
}

// FailedRecord is one record to start again: its source id (the end of its workflow id),
// how many of its runs failed so far and the failure message of the last, so the next run
// does not alert again what was alerted.
type FailedRecord struct {
	WorkflowID  string `json:"workflow_id"`
	SourceID    string `json:"source_id"`
	Failures    int    `json:"failures"`
	LastFailure string `json:"last_failure,omitempty"`
}

// FailedRecordsResult lists the records due for another run, oldest failure first, at
// most Limit of them; Waiting counts those whose backoff has not passed yet.
type FailedRecordsResult struct {
	Records []FailedRecord `json:"records,omitempty"`
	Waiting int            `json:"waiting"`
	Summary string         `json:"summary"`
}

func (r FailedRecordsResult) StepSummary() string { return r.Summary }

// Failed lists the flow's records whose latest run failed and whose backoff has passed. A
// record with a later run that did not fail (running, committed, or ended by an operator)
// is left alone. Two visibility queries, and one read of each listed record's close event.
func (a *Records) Failed(ctx context.Context, in FailedRecordsInput) (FailedRecordsResult, error) {
	if strings.TrimSpace(in.Prefix) == "" || strings.ContainsAny(in.Prefix, "'\"") {
		return FailedRecordsResult{}, InvalidInputError("failed records of %s: workflow id prefix %q is empty or quoted", in.Flow, in.Prefix)
	}
	limit := in.Limit
	if limit <= 0 {
		limit = 100
	}
	type failed struct {
		count int
		last  time.Time
	}
	runs := map[string]*failed{}
	err := a.list(ctx, fmt.Sprintf("WorkflowId STARTS_WITH '%s' AND ExecutionStatus = 'Failed'", in.Prefix), func(id string, closed time.Time) {
		if strings.Contains(id, ":dry-run:") {
			return
		}
		f := runs[id]
		if f == nil {
			f = &failed{}
			runs[id] = f
		}
		f.count++
		if closed.After(f.last) {
			f.last = closed
		}
	})
	if err != nil {
		return FailedRecordsResult{}, err
	}
	if len(runs) == 0 {
		return FailedRecordsResult{Summary: "sweep: no failed records"}, nil
	}
	// A record whose latest run did not fail has a run of another status; a record can
	// only start again after a failure, so any such run is the later one.
	err = a.list(ctx, fmt.Sprintf("WorkflowId STARTS_WITH '%s' AND ExecutionStatus != 'Failed'", in.Prefix), func(id string, _ time.Time) {
		delete(runs, id)
	})
	if err != nil {
		return FailedRecordsResult{}, err
	}
	backoff := a.Backoff
	if in.Backoff != 0 {
		backoff = in.Backoff
	}
	now := time.Now()
	var res FailedRecordsResult
	for id, f := range runs {
		if now.Before(f.last.Add(sweepBackoff(backoff, a.MaxBackoff, f.count))) {
			res.Waiting++
			continue
		}
		res.Records = append(res.Records, FailedRecord{WorkflowID: id, SourceID: strings.TrimPrefix(id, in.Prefix), Failures: f.count})
	}
	slices.SortFunc(res.Records, func(x, y FailedRecord) int {
		return runs[x.WorkflowID].last.Compare(runs[y.WorkflowID].last)
	})
	due := len(res.Records)
	if due > limit {
		res.Records = res.Records[:limit]
	}
	for i := range res.Records {
		res.Records[i].LastFailure = CloseReason(ctx, a.Client, a.DataConverter, res.Records[i].WorkflowID)
	}
	res.Summary = fmt.Sprintf("sweep: %d failed records due for another run (%d taken), %d waiting for their backoff", due, len(res.Records), res.Waiting)
	return res, nil
}

// sweepBackoff is base·2^(failures−1), at most max (no cap when max is zero).
func sweepBackoff(base, max time.Duration, failures int) time.Duration {
	if base <= 0 {
		return 0
	}
	d := base
	for i := 1; i < failures && (max <= 0 || d < max); i++ {
		d *= 2
	}
	if max > 0 && d > max {
		d = max
	}
	return d
}

// list pages through the executions the query matches.
func (a *Records) list(ctx context.Context, query string, each func(id string, closed time.Time)) error {
	var token []byte
	for {
		resp, err := a.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: a.Namespace, Query: query, PageSize: 1000, NextPageToken: token,
		})
		if err != nil {
			return fmt.Errorf("list workflows (%s): %w", query, err)
		}
		for _, e := range resp.GetExecutions() {
			if e.GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED {
				continue
			}
			each(e.GetExecution().GetWorkflowId(), e.GetCloseTime().AsTime())
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return nil
		}
	}
}

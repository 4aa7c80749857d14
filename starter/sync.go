package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	enums "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"fortspeed/activities"
	"fortspeed/workflows"
)

func newSyncCommand(out io.Writer) *cobra.Command {
	var since string
	var dryRun, wait bool
	cmd := &cobra.Command{
		Use:   "sync <flow>",
		Short: "Run a flow now (orders-to-fortnox or orders-to-lightspeed)",
		Long: "sync starts one run of the flow now, from the cursor of its last scheduled run or from\n" +
			"--since. --wait waits for the run and prints its counts; --dry-run writes nothing, waits,\n" +
			"and prints what each record would do, one line per record.",
		Example: "  starter sync orders-to-fortnox --since 2026-11-01 --dry-run\n" +
			"  starter sync orders-to-lightspeed --since 2h --wait",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("name one flow: %s", joinWords(workflows.FlowIDs(), "or"))
			}
			return checkFlow(args[0])
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := loadEnvironment()
			if err != nil {
				return err
			}
			now := time.Now()
			input := scheduledInput(e.settings, args[0])
			input.DryRun = dryRun
			if since != "" {
				t, err := parseSince(since, now)
				if err != nil {
					return err
				}
				input.Since = &t
			}
			c, err := e.dial(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			return syncNow(cmd.Context(), c, e, input, now, wait || dryRun, out)
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "start from this time (2026-11-27T08:00:00Z), date (2026-11-27) or duration ago (2h, 3d)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "write nothing; print what each record would do (implies --wait)")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait for the run and print its counts")
	return cmd
}

// parseSince reads --since: an RFC 3339 time, a date (midnight UTC) or a duration before
// now in hours, minutes or days.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n > 0 {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since: want a time (2026-11-27T08:00:00Z), a date (2026-11-27) or a duration ago (2h, 3d), got %q", s)
}

// manualWorkflowID names a manual run apart from the scheduled ones.
func manualWorkflowID(tenant, flow string, now time.Time) string {
	return fmt.Sprintf("%s:%s:manual-%d", tenant, flow, now.Unix())
}

func syncNow(ctx context.Context, c client.Client, e environment, input workflows.SyncInput, now time.Time, wait bool, out io.Writer) error {
	id := manualWorkflowID(input.Tenant, input.Flow, now)
	what := "sync"
	if input.DryRun {
		what = "dry run"
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:            id,
		TaskQueue:     workflows.TaskQueueFortspeed,
		StaticSummary: fmt.Sprintf("manual %s of %s", what, input.Flow),
	}, workflows.WorkflowFlowSync, input)
	if err != nil {
		return fmt.Errorf("start %s of %s: %w", what, input.Flow, err)
	}
	fmt.Fprintf(out, "started %s %s\n", what, id)
	if u := e.workflowURL(id); u != "" {
		fmt.Fprintf(out, "Web UI: %s\n", u)
	}
	if !wait {
		return nil
	}
	var res workflows.SyncResult
	if err := run.Get(ctx, &res); err != nil {
		return fmt.Errorf("%s %s: %w", what, id, err)
	}
	fmt.Fprintf(out, "%d records on %d pages: %d committed, %d updated, %d skipped, %d needs_fix, %d failed, %d dry run, %d already in progress\n",
		res.Records, res.Pages, res.Committed, res.Updated, res.Skipped, res.NeedsFix, res.Failed, res.DryRun, res.InProgress)
	if !input.DryRun {
		return nil
	}
	dc, err := e.payloads()
	if err != nil {
		return err
	}
	expected := res.Committed + res.Updated + res.Skipped + res.NeedsFix + res.Failed + res.DryRun
	lines, err := dryRunLines(ctx, c, dc, e.cfg.Temporal.Namespace, id, expected)
	if err != nil {
		return err
	}
	for _, line := range lines {
		fmt.Fprintln(out, line)
	}
	return nil
}

// dryRunLines finds the children of a dry run by visibility (parent id) and says in one
// line per record what it would do, from the record's result and its steps' summaries.
// Visibility lags the children's completion a little, so it asks again until all are seen.
func dryRunLines(ctx context.Context, c client.Client, dc converter.DataConverter, namespace, parentID string, expected int) ([]string, error) {
	query := fmt.Sprintf("ParentWorkflowId = '%s'", parentID)
	var execs []childExecution
	deadline := time.Now().Add(20 * time.Second)
	for {
		var err error
		execs, err = listChildren(ctx, c, namespace, query)
		if err != nil {
			return nil, err
		}
		if len(execs) >= expected || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	sortRecords(execs)
	lines := make([]string, 0, len(execs))
	for _, ex := range execs {
		line, err := recordLine(ctx, c, dc, ex)
		if err != nil {
			return nil, err
		}
		lines = append(lines, line)
	}
	return lines, nil
}

// sortRecords orders records by source kind, then by id as a number where it is one, so
// sale:2 comes before sale:10.
func sortRecords(execs []childExecution) {
	key := func(ex childExecution) (string, int64, string) {
		name := ex.sourceID
		if name == "" {
			name = ex.workflowID
		}
		kind, id, _ := strings.Cut(name, ":")
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return kind, -1, id
		}
		return kind, n, ""
	}
	sort.SliceStable(execs, func(i, j int) bool {
		ki, ni, si := key(execs[i])
		kj, nj, sj := key(execs[j])
		if ki != kj {
			return ki < kj
		}
		if ni != nj {
			return ni < nj
		}
		return si < sj
	})
}

type childExecution struct {
	workflowID, runID, sourceID string
}

func listChildren(ctx context.Context, c client.Client, namespace, query string) ([]childExecution, error) {
	var out []childExecution
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: namespace, Query: query, NextPageToken: token,
		})
		if err != nil {
			return nil, fmt.Errorf("list workflows (%s): %w", query, err)
		}
		for _, info := range resp.GetExecutions() {
			ex := info.GetExecution()
			out = append(out, childExecution{
				workflowID: ex.GetWorkflowId(), runID: ex.GetRunId(),
				sourceID: keyword(info.GetSearchAttributes(), workflows.SearchAttrSourceID),
			})
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return out, nil
		}
	}
}

// recordLine reads a record's history: the result, or the failure, and the summaries of
// the steps that decide what would be written.
func recordLine(ctx context.Context, c client.Client, dc converter.DataConverter, ex childExecution) (string, error) {
	scheduled := map[int64]string{}
	var summaries []string
	var result *workflows.RecordResult
	failure := ""
	it := c.GetWorkflowHistory(ctx, ex.workflowID, ex.runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return "", fmt.Errorf("read history of %s: %w", ex.workflowID, err)
		}
		switch ev.GetEventType() {
		case enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			scheduled[ev.GetEventId()] = ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()
		case enums.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			attrs := ev.GetActivityTaskCompletedEventAttributes()
			if s := stepSummary(dc, scheduled[attrs.GetScheduledEventId()], attrs); s != "" {
				summaries = append(summaries, s)
			}
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
			var r workflows.RecordResult
			if err := dc.FromPayloads(ev.GetWorkflowExecutionCompletedEventAttributes().GetResult(), &r); err != nil {
				return "", fmt.Errorf("decode result of %s: %w", ex.workflowID, err)
			}
			result = &r
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
			failure = activities.FailureMessage(dc, ev.GetWorkflowExecutionFailedEventAttributes().GetFailure())
		}
	}
	name := ex.sourceID
	if name == "" {
		name = ex.workflowID
	}
	verdict := "still running"
	switch {
	case result != nil && result.Status == workflows.StatusDryRun && recordFlow(ex.workflowID) == workflows.FlowStock:
		verdict = "would write"
	case result != nil && result.Status == workflows.StatusDryRun:
		verdict = "would create"
	case result != nil && result.Status == workflows.StatusSkipped:
		verdict = "skip, exists as " + result.TargetID
	case result != nil && result.Status == workflows.StatusNeedsFix:
		verdict = "needs fix: " + result.Reason
	case result != nil:
		verdict = string(result.Status)
	case failure != "":
		verdict = "failed: " + failure
	}
	if len(summaries) == 0 {
		return fmt.Sprintf("%s: %s", name, verdict), nil
	}
	return fmt.Sprintf("%s: %s (%s)", name, verdict, strings.Join(summaries, "; ")), nil
}

// recordFlow is the flow part of a record's workflow id (<tenant>:<flow>:<kind>:<id>).
func recordFlow(workflowID string) string {
	parts := strings.SplitN(workflowID, ":", 3)
	if len(parts) < 3 {
		return ""
	}
	return parts[1]
}

// stepSummary is the summary of a completed check-exists, upsert-customer, commit or stock
// write: the steps whose outcome is what a dry run would write.
func stepSummary(dc converter.DataConverter, activityType string, attrs *historypb.ActivityTaskCompletedEventAttributes) string {
	_, method, ok := strings.Cut(activityType, ".")
	if !ok {
		return ""
	}
	switch method {
	case activities.MethodUpsertCustomer, activities.MethodCommit, activities.MethodStockWrite:
	default:
		return ""
	}
	var out struct {
		Summary string `json:"summary"`
	}
	if err := dc.FromPayloads(attrs.GetResult(), &out); err != nil {
		return ""
	}
	return out.Summary
}

package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
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
		Short: "Run a flow now (" + joinWords(workflows.FlowIDs(), "or") + ")",
		Long: "sync starts one run of the flow now, from the cursor of its last scheduled run or from\n" +
			"--since. On a terminal it follows the run with a progress bar and live counts (committed,\n" +
			"updated, skipped, needs_fix, failed; Ctrl-C stops following, not the run); elsewhere it says\n" +
			"in one line what it started, or with --wait what the run did. --dry-run writes nothing,\n" +
			"waits, and prints a table of what each record would do. Exit code 4 when records ended in\n" +
			"needs_fix or failed.",
		Example: "  starter sync orders-to-fortnox --since 2026-11-01 --dry-run\n" +
			"  starter sync orders-to-lightspeed --since 2h --wait --output json",
		Args: flowArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := loadEnvironment(tenantFlag(cmd))
			if err != nil {
				return err
			}
			now := time.Now()
			input := scheduledInput(e.tenant.Name, e.settings, args[0])
			input.DryRun = dryRun
			if since != "" {
				t, err := parseTime("--since", since, now)
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
			what := "sync"
			if dryRun {
				what = "dry run"
			}
			run := syncRun{id: manualWorkflowID(input.Tenant, input.Flow, now), what: what, input: input, wait: wait || dryRun}
			return syncNow(cmd, c, e, run, out)
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "start from this time (2026-11-27T08:00:00Z), date (2026-11-27) or duration ago (2h, 3d)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "write nothing; print what each record would do (implies --wait)")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait for the run and print its counts")
	return cmd
}

// parseTime reads a time flag: an RFC 3339 time, a date (midnight UTC) or a duration
// before now in hours, minutes or days.
func parseTime(flag, s string, now time.Time) (time.Time, error) {
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
	return time.Time{}, usageError(fmt.Errorf("%s: want a time (2026-11-27T08:00:00Z), a date (2026-11-27) or a duration ago (2h, 3d), got %q", flag, s))
}

// manualWorkflowID names a manual run apart from the scheduled ones.
func manualWorkflowID(tenant, flow string, now time.Time) string {
	return fmt.Sprintf("%s:%s:manual-%d", tenant, flow, now.Unix())
}

// syncRun is one parent run started by sync or backfill.
type syncRun struct {
	id, what string
	input    workflows.SyncInput
	wait     bool
}

// syncReport is what sync or backfill started and, when it waited, what the run did.
type syncReport struct {
	WorkflowID string                `json:"workflow_id"`
	RunID      string                `json:"run_id"`
	Kind       string                `json:"kind"`
	Flow       string                `json:"flow"`
	Since      *time.Time            `json:"since,omitempty"`
	Until      *time.Time            `json:"until,omitempty"`
	WebUI      string                `json:"web_ui,omitempty"`
	Result     *workflows.SyncResult `json:"result,omitempty"`
	Records    []recordVerdict       `json:"records,omitempty"`
}

func (r syncReport) writeText(w io.Writer) {
	if r.Result == nil {
		fmt.Fprintf(w, "started %s %s\n", r.Kind, r.WorkflowID)
	} else {
		fmt.Fprintf(w, "%s %s: %s\n", r.Kind, r.WorkflowID, countsLine(*r.Result))
	}
	if r.WebUI != "" {
		fmt.Fprintf(w, "Web UI: %s\n", r.WebUI)
	}
	if len(r.Records) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RECORD\tWOULD\tDETAIL")
	for _, v := range r.Records {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", v.Record, v.Action, v.Detail)
	}
	tw.Flush()
}

// attention is exit code 4 when records of a finished run need a person.
func (r syncReport) attention() error {
	if r.Result == nil || r.Result.NeedsFix+r.Result.Failed == 0 {
		return nil
	}
	return attentionError(fmt.Errorf("%s %s: %d records in needs_fix, %d failed: see `starter status`",
		r.Kind, r.WorkflowID, r.Result.NeedsFix, r.Result.Failed))
}

func countsLine(res workflows.SyncResult) string {
	return fmt.Sprintf("%d records on %d pages: %d committed, %d updated, %d skipped, %d needs_fix, %d failed, %d dry run, %d already in progress",
		res.Records, res.Pages, res.Committed, res.Updated, res.Skipped, res.NeedsFix, res.Failed, res.DryRun, res.InProgress)
}

// syncNow starts the run and, when asked or on a terminal, follows it to its end.
func syncNow(cmd *cobra.Command, c client.Client, e environment, run syncRun, out io.Writer) error {
	ctx := cmd.Context()
	in := run.input
	wr, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:            run.id,
		TaskQueue:     workflows.TaskQueueFortspeed,
		StaticSummary: fmt.Sprintf("manual %s of %s", run.what, in.Flow),
	}, workflows.WorkflowFlowSync, in)
	if err != nil {
		return fmt.Errorf("start %s of %s: %w", run.what, in.Flow, err)
	}
	rep := syncReport{WorkflowID: run.id, RunID: wr.GetRunID(), Kind: run.what, Flow: in.Flow, Since: in.Since,
		Until: in.Until, WebUI: e.workflowURL(run.id)}
	bar := !jsonOutput(cmd) && isTerminal(out)
	if !run.wait && !bar {
		return emit(cmd, out, rep)
	}
	var res workflows.SyncResult
	if bar {
		err = followRun(ctx, c, e.cfg.Temporal.Namespace, wr, &res, out)
	} else {
		err = wr.Get(ctx, &res)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", run.what, run.id, err)
	}
	rep.Result = &res
	if in.DryRun {
		dc, err := e.payloads()
		if err != nil {
			return err
		}
		expected := res.Committed + res.Updated + res.Skipped + res.NeedsFix + res.Failed + res.DryRun
		if rep.Records, err = dryRunRecords(ctx, c, dc, e.cfg.Temporal.Namespace, run.id, expected); err != nil {
			return err
		}
	}
	if err := emit(cmd, out, rep); err != nil {
		return err
	}
	return rep.attention()
}

// dryRunRecords finds the children of a dry run by visibility (parent id) and says per
// record what it would do, from the record's result and its steps' summaries. Visibility
// lags the children's completion a little, so it asks again until all are seen.
func dryRunRecords(ctx context.Context, c client.Client, dc converter.DataConverter, namespace, parentID string, expected int) ([]recordVerdict, error) {
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
	verdicts := make([]recordVerdict, 0, len(execs))
	for _, ex := range execs {
		v, err := readVerdict(ctx, c, dc, ex)
		if err != nil {
			return nil, err
		}
		verdicts = append(verdicts, v)
	}
	return verdicts, nil
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
	started                     time.Time
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
				started:  info.GetStartTime().AsTime(),
			})
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return out, nil
		}
	}
}

// recordVerdict is what one record of a dry run would do.
type recordVerdict struct {
	Record string `json:"record"`
	Action string `json:"action"` // create, write, skip, needs_fix, failed, running, or the status
	Detail string `json:"detail"`
}

// readVerdict reads a record's history: the result, or the failure, and the summaries of
// the steps that decide what would be written.
func readVerdict(ctx context.Context, c client.Client, dc converter.DataConverter, ex childExecution) (recordVerdict, error) {
	scheduled := map[int64]string{}
	var summaries []string
	var result *workflows.RecordResult
	failure, commitRan := "", false
	it := c.GetWorkflowHistory(ctx, ex.workflowID, ex.runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return recordVerdict{}, fmt.Errorf("read history of %s: %w", ex.workflowID, err)
		}
		switch ev.GetEventType() {
		case enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			scheduled[ev.GetEventId()] = ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()
		case enums.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			attrs := ev.GetActivityTaskCompletedEventAttributes()
			if _, method, _ := strings.Cut(scheduled[attrs.GetScheduledEventId()], "."); method == activities.MethodCommit {
				commitRan = true
			}
			if s := stepSummary(dc, scheduled[attrs.GetScheduledEventId()], attrs); s != "" {
				summaries = append(summaries, s)
			}
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
			var r workflows.RecordResult
			if err := dc.FromPayloads(ev.GetWorkflowExecutionCompletedEventAttributes().GetResult(), &r); err != nil {
				return recordVerdict{}, fmt.Errorf("decode result of %s: %w", ex.workflowID, err)
			}
			result = &r
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
			failure = activities.FailureMessage(dc, ev.GetWorkflowExecutionFailedEventAttributes().GetFailure())
		}
	}
	v := recordVerdict{Record: ex.sourceID, Action: "running", Detail: strings.Join(summaries, "; ")}
	if v.Record == "" {
		v.Record = ex.workflowID
	}
	switch {
	case result != nil && result.Status == workflows.StatusDryRun && commitRan:
		v.Action = "create"
	case result != nil && result.Status == workflows.StatusDryRun && isOrderFlow(recordFlow(ex.workflowID)):
		v.Action = "update"
	case result != nil && result.Status == workflows.StatusDryRun:
		v.Action = "write" // products and stock: the detail says what would be created or changed
	case result != nil && result.Status == workflows.StatusSkipped:
		v.Action = "skip"
		v.Detail = join("; ", "exists as "+result.TargetID, v.Detail)
	case result != nil && result.Status == workflows.StatusNeedsFix:
		v.Action = "needs_fix"
		v.Detail = join("; ", result.Reason, v.Detail)
	case result != nil:
		v.Action = string(result.Status)
	case failure != "":
		v.Action = "fail"
		v.Detail = join("; ", failure, v.Detail)
	}
	return v, nil
}

// join joins the non-empty parts.
func join(sep string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

func isOrderFlow(flow string) bool {
	return flow == workflows.FlowOrdersToFortnox || flow == workflows.FlowOrdersToLightspeed
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

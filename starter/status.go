package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"fortspeed/activities"
	"fortspeed/internal/workers"
	"fortspeed/workflows"
)

func newStatusCommand(out io.Writer) *cobra.Command {
	var flow string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Count the records per sync status and list those that wait for a fix",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if flow != "" {
				if err := checkFlow(flow); err != nil {
					return fmt.Errorf("--flow: %w", err)
				}
			}
			e, err := loadEnvironment()
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
			return status(cmd.Context(), c, dc, e.cfg.Temporal.Namespace, flow, out)
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

func status(ctx context.Context, c client.Client, dc converter.DataConverter, namespace, flow string, out io.Writer) error {
	scope := fmt.Sprintf("%s = '%s'", workflows.SearchAttrTenant, workers.Tenant)
	title := "all flows"
	if flow != "" {
		scope += fmt.Sprintf(" AND %s = '%s'", workflows.SearchAttrSyncFlow, flow)
		title = flow
	}
	if err := showRetention(ctx, c, namespace, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "records of %s (tenant %s):\n", title, workers.Tenant)
	for _, st := range statusOrder() {
		query := fmt.Sprintf("%s AND %s = '%s'", scope, workflows.SearchAttrSyncStatus, st)
		if st == workflows.StatusNeedsFix {
			// A record waits in needs_fix while it runs; a finished one with that status
			// was a dry run's verdict.
			query += " AND ExecutionStatus = 'Running'"
		}
		resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace, Query: query})
		if err != nil {
			return fmt.Errorf("count %s records: %w", st, err)
		}
		fmt.Fprintf(out, "  %-10s %d\n", st, resp.GetCount())
	}

	query := fmt.Sprintf("%s AND %s = '%s' AND ExecutionStatus = 'Running'", scope, workflows.SearchAttrSyncStatus, workflows.StatusNeedsFix)
	waiting, err := listChildren(ctx, c, namespace, query)
	if err != nil {
		return err
	}
	sortRecords(waiting)
	records := &activities.Records{Client: c, Namespace: namespace, DataConverter: dc}
	if len(waiting) == 0 {
		fmt.Fprintln(out, "no record waits for a fix")
	} else {
		fmt.Fprintf(out, "waiting for a fix (%d); after fixing the data at the source run `starter retry <workflow id>`:\n", len(waiting))
		for _, ex := range waiting {
			reason, err := activities.NeedsFixReason(ctx, c, dc, ex.workflowID, ex.runID)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "  %s  %s\n", ex.workflowID, reason)
		}
	}
	return failedRecords(ctx, records, flow, out)
}

// failedRecords lists the records whose last run failed: the next scheduled runs start
// them again (with a backoff), `starter retry` at once.
func failedRecords(ctx context.Context, records *activities.Records, only string, out io.Writer) error {
	var failed []activities.FailedRecord
	for _, flow := range workflows.Flows() {
		if only != "" && flow.ID != only {
			continue
		}
		// A negative backoff makes every failed record due, so all are listed.
		res, err := records.Failed(ctx, activities.FailedRecordsInput{Tenant: workers.Tenant, Flow: flow.ID,
			Prefix: workflows.RecordWorkflowID(workers.Tenant, flow.ID, flow.Kind+":"), Limit: 1 << 20, Backoff: -1})
		if err != nil {
			return err
		}
		failed = append(failed, res.Records...)
	}
	if len(failed) == 0 {
		fmt.Fprintln(out, "no failed record waits for another run")
		return nil
	}
	fmt.Fprintf(out, "failed (%d); the next runs start them again, `starter retry <workflow id>` does it now:\n", len(failed))
	for _, f := range failed {
		fmt.Fprintf(out, "  %s  %s\n", f.WorkflowID, f.LastFailure)
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	enums "go.temporal.io/api/enums/v1"
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
				if err := checkOrderFlow(flow); err != nil {
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
	cmd.Flags().StringVar(&flow, "flow", "", "only this flow (orders-to-fortnox or orders-to-lightspeed)")
	return cmd
}

// statusOrder is the order the counts are printed in.
func statusOrder() []workflows.Status {
	return []workflows.Status{workflows.StatusRunning, workflows.StatusCommitted, workflows.StatusUpdated,
		workflows.StatusSkipped, workflows.StatusNeedsFix, workflows.StatusFailed, workflows.StatusDryRun}
}

func status(ctx context.Context, c client.Client, dc converter.DataConverter, namespace, flow string, out io.Writer) error {
	scope := fmt.Sprintf("%s = '%s'", workflows.SearchAttrTenant, workers.Tenant)
	title := "all order flows"
	if flow != "" {
		scope += fmt.Sprintf(" AND %s = '%s'", workflows.SearchAttrSyncFlow, flow)
		title = flow
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
	if len(waiting) == 0 {
		fmt.Fprintln(out, "no record waits for a fix")
		return nil
	}
	fmt.Fprintf(out, "waiting for a fix (%d); after fixing the data at the source run `starter retry <workflow id>`:\n", len(waiting))
	for _, ex := range waiting {
		reason, err := needsFixReason(ctx, c, dc, ex)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  %s  %s\n", ex.workflowID, reason)
	}
	return nil
}

// needsFixReason is the reason of the record's latest needs_fix notification, which the
// workflow sends each time the reason changes; else the latest failed step's message.
func needsFixReason(ctx context.Context, c client.Client, dc converter.DataConverter, ex childExecution) (string, error) {
	reason, failed := "", ""
	it := c.GetWorkflowHistory(ctx, ex.workflowID, ex.runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return "", fmt.Errorf("read history of %s: %w", ex.workflowID, err)
		}
		switch ev.GetEventType() {
		case enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			attrs := ev.GetActivityTaskScheduledEventAttributes()
			if attrs.GetActivityType().GetName() != activities.NotifyNeedsFix {
				continue
			}
			var in activities.NotifyInput
			if err := dc.FromPayloads(attrs.GetInput(), &in); err == nil && in.Reason != "" {
				reason = in.Reason
			}
		case enums.EVENT_TYPE_ACTIVITY_TASK_FAILED:
			failed = ev.GetActivityTaskFailedEventAttributes().GetFailure().GetMessage()
		}
	}
	switch {
	case reason != "":
		return reason, nil
	case failed != "":
		return strings.TrimSpace(failed), nil
	}
	return "reason not recorded yet; see the Web UI", nil
}

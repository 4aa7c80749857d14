package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"fortspeed/workflows"
)

func newRetryCommand(out io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "retry <workflow id>",
		Short: "Retry a needs_fix record after its data was fixed at the source",
		Long: "retry signals a record's workflow that waits in needs_fix; it re-reads the record from\n" +
			"the source and goes on from the step that needed the fix. `starter status` lists them.",
		Example: "  starter retry default:orders-to-fortnox:sale:1042",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 || strings.TrimSpace(args[0]) == "" {
				return errors.New("name one workflow id, such as default:orders-to-fortnox:sale:1042 (see `starter status`)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := loadEnvironment()
			if err != nil {
				return err
			}
			c, err := e.dial(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			if err := retry(cmd.Context(), c, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(out, "retry sent to %s\n", args[0])
			return nil
		},
	}
}

// retry signals a record that waits in needs_fix. Anything else gets an error saying what
// the workflow is doing instead, because a signal to it would be silently ignored.
func retry(ctx context.Context, c client.Client, workflowID string) error {
	desc, err := c.DescribeWorkflowExecution(ctx, workflowID, "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return fmt.Errorf("no workflow %q", workflowID)
	}
	if err != nil {
		return fmt.Errorf("describe %s: %w", workflowID, err)
	}
	info := desc.GetWorkflowExecutionInfo()
	if info.GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return fmt.Errorf("workflow %s is not waiting for a retry: it has ended (%s)", workflowID, info.GetStatus())
	}
	status := keyword(info.GetSearchAttributes(), workflows.SearchAttrSyncStatus)
	if status != string(workflows.StatusNeedsFix) {
		if status == "" {
			return fmt.Errorf("workflow %s is not waiting for a retry: it is not a record (no SyncStatus)", workflowID)
		}
		return fmt.Errorf("workflow %s is not waiting for a retry: its status is %s, not needs_fix", workflowID, status)
	}
	if err := c.SignalWorkflow(ctx, workflowID, "", workflows.SignalRetry, nil); err != nil {
		return fmt.Errorf("signal retry to %s: %w", workflowID, err)
	}
	return nil
}

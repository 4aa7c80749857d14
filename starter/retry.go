package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	commonpb "go.temporal.io/api/common/v1"
	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"fortspeed/activities"
	"fortspeed/mapping"
	"fortspeed/workflows"
)

func newRetryCommand(out io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "retry <workflow id>",
		Short: "Retry a needs_fix or failed record after its data was fixed at the source",
		Long: "retry signals a record's workflow that waits in needs_fix; it re-reads the record from\n" +
			"the source and goes on from the step that needed the fix. A record whose last run ended\n" +
			"without committing (failed, or its needs_fix wait ran out) is started again. `starter\n" +
			"status` lists both.",
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
			msg, err := retry(cmd.Context(), c, e.settings, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(out, msg)
			return nil
		},
	}
}

// retry signals a record that waits in needs_fix, or starts a record whose last run
// ended without committing (failed, timed out, terminated) again under its own workflow id:
// the new run reads the record from its source. A record that is running or committed
// gets an error saying so, because a signal to it would be silently ignored.
func retry(ctx context.Context, c client.Client, settings *mapping.Settings, workflowID string) (string, error) {
	desc, err := c.DescribeWorkflow(ctx, workflowID, "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return "", fmt.Errorf("no workflow %q", workflowID)
	}
	if err != nil {
		return "", fmt.Errorf("describe %s: %w", workflowID, err)
	}
	info := desc.RawResponse.GetWorkflowExecutionInfo()
	attrs := info.GetSearchAttributes()
	status := keyword(attrs, workflows.SearchAttrSyncStatus)
	if status == "" {
		return "", fmt.Errorf("workflow %s is not a record (no SyncStatus)", workflowID)
	}
	switch info.GetStatus() {
	case enums.WORKFLOW_EXECUTION_STATUS_RUNNING:
		if status != string(workflows.StatusNeedsFix) {
			return "", fmt.Errorf("workflow %s is not waiting for a retry: its status is %s, not needs_fix", workflowID, status)
		}
		if err := c.SignalWorkflow(ctx, workflowID, "", workflows.SignalRetry, nil); err != nil {
			return "", fmt.Errorf("signal retry to %s: %w", workflowID, err)
		}
		return "retry sent to " + workflowID, nil
	case enums.WORKFLOW_EXECUTION_STATUS_COMPLETED, enums.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		return "", fmt.Errorf("workflow %s has nothing to retry: it ended %s", workflowID, status)
	}
	input, err := rerunInput(settings, workflowID, attrs)
	if err != nil {
		return "", err
	}
	_, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                    workflowID,
		TaskQueue:             workflows.TaskQueueFortspeed,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		StaticSummary:         fmt.Sprintf("%s started again by starter retry", input.Flow),
	}, workflows.WorkflowRecordSync, input)
	if err != nil {
		return "", fmt.Errorf("start %s again: %w", workflowID, err)
	}
	return fmt.Sprintf("started %s again (its last run ended %s); it reads the record from the source", workflowID,
		strings.ToLower(strings.TrimPrefix(info.GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_"))), nil
}

// rerunInput is the input of a new run of an ended record, from its search attributes
// (the flow and source key) and the settings: the record's data is read from the source.
func rerunInput(settings *mapping.Settings, workflowID string, attrs *commonpb.SearchAttributes) (workflows.RecordInput, error) {
	flowID := keyword(attrs, workflows.SearchAttrSyncFlow)
	flow, err := workflows.FlowByID(flowID)
	if err != nil {
		return workflows.RecordInput{}, fmt.Errorf("workflow %s: %w", workflowID, err)
	}
	sourceKey := keyword(attrs, workflows.SearchAttrSourceID)
	id, ok := strings.CutPrefix(sourceKey, flow.Kind+":")
	if !ok || id == "" {
		return workflows.RecordInput{}, fmt.Errorf("workflow %s: source id %q is not a %s", workflowID, sourceKey, flow.Kind)
	}
	sync := scheduledInput(settings, flowID)
	return workflows.RecordInput{
		Tenant: keyword(attrs, workflows.SearchAttrTenant), Flow: flowID, Source: activities.Record{ID: id},
		ProductWait: sync.ProductWait, ProductRecheck: sync.ProductRecheck, NeedsFixWait: sync.NeedsFixWait,
	}, nil
}

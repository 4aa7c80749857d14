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
	var all bool
	var flow string
	cmd := &cobra.Command{
		Use:   "retry <workflow id> | --all-needs-fix [--flow F]",
		Short: "Retry a needs_fix or failed record after its data was fixed at the source",
		Long: "retry signals a record's workflow that waits in needs_fix; it re-reads the record from\n" +
			"the source and goes on from the step that needed the fix. A record whose last run ended\n" +
			"without committing (failed, or its needs_fix wait ran out) is started again. `starter\n" +
			"status` lists both. --all-needs-fix signals every record of the tenant (of --flow) that\n" +
			"waits in needs_fix.",
		Example: "  starter retry default:orders-to-fortnox:sale:1042\n  starter retry --all-needs-fix --flow orders-to-fortnox",
		Args: func(_ *cobra.Command, args []string) error {
			switch {
			case all && len(args) > 0:
				return errors.New("give a workflow id or --all-needs-fix, not both")
			case all:
				if flow != "" {
					if err := checkFlow(flow); err != nil {
						return fmt.Errorf("--flow: %w", err)
					}
				}
				return nil
			case flow != "":
				return errors.New("--flow goes with --all-needs-fix")
			case len(args) != 1 || strings.TrimSpace(args[0]) == "":
				return errors.New("name one workflow id, such as default:orders-to-fortnox:sale:1042 (see `starter status`), or --all-needs-fix")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := loadEnvironment(tenantFlag(cmd))
			if err != nil {
				return err
			}
			c, err := e.dial(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			var rep retryReport
			if all {
				rep, err = retryAllNeedsFix(cmd.Context(), c, e.cfg.Temporal.Namespace, e.tenant.Name, flow)
			} else {
				var msg string
				msg, err = retry(cmd.Context(), c, e.settings, args[0])
				rep.Retried = []retried{{WorkflowID: args[0], Message: msg}}
			}
			if err != nil {
				return err
			}
			return emit(cmd, out, rep)
		},
	}
	cmd.Flags().BoolVar(&all, "all-needs-fix", false, "signal every record that waits in needs_fix")
	cmd.Flags().StringVar(&flow, "flow", "", "with --all-needs-fix: only this flow")
	return cmd
}

// retryReport lists the records retry signalled or started again.
type retryReport struct {
	Retried []retried `json:"retried"`
}

type retried struct {
	WorkflowID string `json:"workflow_id"`
	Message    string `json:"message"`
}

func (r retryReport) writeText(w io.Writer) {
	if len(r.Retried) == 0 {
		fmt.Fprintln(w, "no record waits in needs_fix")
	}
	for _, x := range r.Retried {
		fmt.Fprintln(w, x.Message)
	}
}

// retryAllNeedsFix signals every running needs_fix record of the tenant, or of one flow.
func retryAllNeedsFix(ctx context.Context, c client.Client, namespace, tenant, flow string) (retryReport, error) {
	query := fmt.Sprintf("%s AND %s = '%s' AND ExecutionStatus = 'Running'", tenantScope(tenant, flow),
		workflows.SearchAttrSyncStatus, workflows.StatusNeedsFix)
	waiting, err := listChildren(ctx, c, namespace, query)
	if err != nil {
		return retryReport{}, err
	}
	sortRecords(waiting)
	rep := retryReport{Retried: []retried{}}
	for _, ex := range waiting {
		if err := c.SignalWorkflow(ctx, ex.workflowID, ex.runID, workflows.SignalRetry, nil); err != nil {
			return rep, fmt.Errorf("signal retry to %s (after %d others): %w", ex.workflowID, len(rep.Retried), err)
		}
		rep.Retried = append(rep.Retried, retried{WorkflowID: ex.workflowID, Message: "retry sent to " + ex.workflowID})
	}
	return rep, nil
}

// retry signals a record that waits in needs_fix, or starts a record whose last run
// ended without committing (failed, timed out, terminated) again under its own workflow id:
// the new run reads the record from its source. A record that is running or committed
// gets an error saying so, because a signal to it would be silently ignored.
func retry(ctx context.Context, c client.Client, settings *mapping.Settings, workflowID string) (string, error) {
	desc, err := c.DescribeWorkflow(ctx, workflowID, "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return "", notFoundError(fmt.Errorf("no workflow %q", workflowID))
	}
	if err != nil {
		return "", fmt.Errorf("describe %s: %w", workflowID, err)
	}
	info := desc.RawResponse.GetWorkflowExecutionInfo()
	attrs := info.GetSearchAttributes()
	status := keyword(attrs, workflows.SearchAttrSyncStatus)
	if status == "" {
		return "", usageError(fmt.Errorf("workflow %s is not a record (no SyncStatus)", workflowID))
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
	tenant := keyword(attrs, workflows.SearchAttrTenant)
	sync := scheduledInput(tenant, settings, flowID)
	return workflows.RecordInput{
		Tenant: tenant, Flow: flowID, Source: activities.Record{ID: id},
		ProductWait: sync.ProductWait, ProductRecheck: sync.ProductRecheck, NeedsFixWait: sync.NeedsFixWait,
	}, nil
}

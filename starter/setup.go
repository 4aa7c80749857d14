package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"fortspeed/internal/workers"
	"fortspeed/mapping"
	"fortspeed/workflows"
)

func newSetupCommand(out io.Writer) *cobra.Command {
	var retention string
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Register the search attributes and create or update the schedules from the settings",
		Long: "setup adds the search attributes the Temporal server lacks, then creates or updates one\n" +
			"schedule per enabled flow of the settings file (FORTSPEED_MAPPING_FILE) and pauses the\n" +
			"schedules of disabled flows. Running it again changes nothing that is already right.\n\n" +
			"Workflow histories hold customer data until the namespace's retention deletes them, a\n" +
			"retention period after each workflow closes. --retention sets it on a self-hosted\n" +
			"namespace (fortspeed recommends " + defaultRetentionText + "); on Temporal Cloud set it with tcld or the\n" +
			"Cloud UI instead.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var keep time.Duration
			if retention != "" {
				var err error
				if keep, err = parseRetention(retention); err != nil {
					return err
				}
			}
			e, err := loadEnvironment()
			if err != nil {
				return err
			}
			c, err := e.dial(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			if keep > 0 {
				if err := setRetention(cmd.Context(), c, e.cfg.Temporal.Namespace, keep, out); err != nil {
					return err
				}
			}
			return setup(cmd.Context(), c, e.cfg.Temporal.Namespace, e.settings, 0, out)
		},
	}
	cmd.Flags().StringVar(&retention, "retention", "", "set the namespace's history retention, such as "+defaultRetentionText+" (self-hosted only)")
	return cmd
}

// setup makes the server match the settings. every overrides the schedule interval of
// every flow when not zero (`starter dev` runs the demo every 30 s).
func setup(ctx context.Context, c client.Client, namespace string, settings *mapping.Settings, every time.Duration, out io.Writer) error {
	if err := ensureSearchAttributes(ctx, c, namespace, out); err != nil {
		return err
	}
	for _, flow := range mapping.FlowIDs() {
		f, _ := settings.Flow(flow)
		id := workflows.ScheduleID(workers.Tenant, flow)
		switch {
		case !slices.Contains(workflows.FlowIDs(), flow):
			if f.Enabled {
				fmt.Fprintf(out, "schedule %s: not created, the %s flow has no workflow yet\n", id, flow)
			}
		case !f.Enabled:
			if err := pauseSchedule(ctx, c, id, out); err != nil {
				return err
			}
		default:
			interval := f.Schedule.D()
			if every > 0 {
				interval = every
			}
			if interval <= 0 {
				return fmt.Errorf("settings: flows.%s.schedule: want a positive interval, got %s", flow, interval)
			}
			if err := upsertSchedule(ctx, c, id, scheduledInput(settings, flow), interval, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// ensureSearchAttributes adds the fortspeed search attributes the namespace lacks and
// refuses one that exists with another type, since upserts would then fail at run time.
func ensureSearchAttributes(ctx context.Context, c client.Client, namespace string, out io.Writer) error {
	list, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes of namespace %s: %w", namespace, err)
	}
	have := list.GetCustomAttributes()
	missing := map[string]enums.IndexedValueType{}
	for _, def := range workflows.SearchAttributeDefinitions() {
		t, ok := have[def.Name]
		switch {
		case !ok:
			missing[def.Name] = def.Type
		case t != def.Type:
			return fmt.Errorf("search attribute %s exists as %s, fortspeed needs %s: remove it or use another namespace", def.Name, t, def.Type)
		}
	}
	if len(missing) == 0 {
		fmt.Fprintf(out, "search attributes: all %d present\n", len(workflows.SearchAttributeDefinitions()))
		return nil
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: missing,
	})
	if err != nil {
		return fmt.Errorf("add search attributes to namespace %s: %w", namespace, err)
	}
	names := make([]string, 0, len(missing))
	for name := range missing {
		names = append(names, name)
	}
	sort.Strings(names)
	fmt.Fprintf(out, "search attributes: added %s\n", strings.Join(names, ", "))
	return nil
}

// upsertSchedule creates the schedule, or brings an existing one to the settings and
// unpauses it (a disabled flow that is enabled again runs again).
func upsertSchedule(ctx context.Context, c client.Client, id string, input workflows.SyncInput, every time.Duration, out io.Writer) error {
	spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}}
	action := &client.ScheduleWorkflowAction{
		ID:        id,
		Workflow:  workflows.WorkflowFlowSync,
		Args:      []any{input},
		TaskQueue: workflows.TaskQueueFortspeed,
	}
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:      id,
		Spec:    spec,
		Action:  action,
		Overlap: enums.SCHEDULE_OVERLAP_POLICY_SKIP,
	})
	if err == nil {
		fmt.Fprintf(out, "schedule %s: created, every %s\n", id, every)
		return nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("create schedule %s: %w", id, err)
	}
	err = c.ScheduleClient().GetHandle(ctx, id).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			s.Spec = &spec
			s.Action = action
			if s.Policy == nil {
				s.Policy = &client.SchedulePolicies{}
			}
			s.Policy.Overlap = enums.SCHEDULE_OVERLAP_POLICY_SKIP
			if s.State == nil {
				s.State = &client.ScheduleState{}
			}
			s.State.Paused = false
			s.State.Note = ""
			return &client.ScheduleUpdate{Schedule: &s}, nil
		},
	})
	if err != nil {
		return fmt.Errorf("update schedule %s: %w", id, err)
	}
	fmt.Fprintf(out, "schedule %s: updated, every %s\n", id, every)
	return nil
}

// pauseSchedule pauses the schedule of a disabled flow; pausing keeps its history and
// the cursor of its last run, which deleting would lose.
func pauseSchedule(ctx context.Context, c client.Client, id string, out io.Writer) error {
	h := c.ScheduleClient().GetHandle(ctx, id)
	desc, err := h.Describe(ctx)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		fmt.Fprintf(out, "schedule %s: none (flow disabled)\n", id)
		return nil
	}
	if err != nil {
		return fmt.Errorf("describe schedule %s: %w", id, err)
	}
	if desc.Schedule.State != nil && desc.Schedule.State.Paused {
		fmt.Fprintf(out, "schedule %s: paused (flow disabled)\n", id)
		return nil
	}
	if err := h.Pause(ctx, client.SchedulePauseOptions{Note: "flow disabled in the settings"}); err != nil {
		return fmt.Errorf("pause schedule %s: %w", id, err)
	}
	fmt.Fprintf(out, "schedule %s: paused, the flow is disabled in the settings\n", id)
	return nil
}

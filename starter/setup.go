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

	"fortspeed/clients/fortnox"
	"fortspeed/internal/workers"
	"fortspeed/mapping"
	"fortspeed/workflows"
)

func newSetupCommand(out io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "setup",
		Short: "Register the search attributes, the walk-in customer and the schedules, then run the pre-flight checks",
		Long: "setup adds the search attributes the Temporal server lacks, finds or creates the Fortnox\n" +
			"walk-in customer that sales without a customer e-mail are booked on (orders.walk_in_customer,\n" +
			"when no default customer is set), then creates or updates one schedule per enabled flow of\n" +
			"the settings file (FORTSPEED_MAPPING_FILE) and pauses the schedules of disabled flows.\n" +
			"Last it runs the pre-flight checks (`starter check`) and ends with exit code 4 when they\n" +
			"find problems. Running it again changes nothing that is already right.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := loadEnvironment()
			if err != nil {
				return err
			}
			c, err := e.dial(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			rep, err := setup(cmd.Context(), c, e.cfg.Temporal.Namespace, e.settings, 0, openAccounts(e.cfg, e.env))
			if err != nil {
				return err
			}
			if err := emit(cmd, out, rep); err != nil {
				return err
			}
			return rep.Check.attention(false)
		},
	}
}

// setupReport is what setup did, one line per step in text.
type setupReport struct {
	SearchAttributes string           `json:"search_attributes"`
	AnonymousSales   string           `json:"anonymous_sales"`
	Schedules        []scheduleChange `json:"schedules"`
	Check            checkReport      `json:"check"`
}

// scheduleChange is what setup did to one flow's schedule.
type scheduleChange struct {
	ID     string `json:"id"`
	Flow   string `json:"flow"`
	Action string `json:"action"` // created, updated, paused, unchanged, none, not_created
	Every  string `json:"every,omitempty"`
	Line   string `json:"message"`
}

func (r setupReport) writeText(w io.Writer) {
	fmt.Fprintln(w, r.SearchAttributes)
	if r.AnonymousSales != "" {
		fmt.Fprintln(w, r.AnonymousSales)
	}
	for _, s := range r.Schedules {
		fmt.Fprintln(w, s.Line)
	}
	r.Check.writeText(w)
}

// setup makes the server and Fortnox match the settings and checks the settings against
// the accounts. every overrides the schedule interval of every flow when not zero
// (`starter dev` runs the demo every 30 s). The walk-in customer comes before the
// schedules, so their first runs find it. Pre-flight problems are in the report, not an
// error: the caller decides what they mean.
func setup(ctx context.Context, c client.Client, namespace string, settings *mapping.Settings, every time.Duration,
	acc accounts) (setupReport, error) {
	var rep setupReport
	var err error
	if rep.SearchAttributes, err = ensureSearchAttributes(ctx, c, namespace); err != nil {
		return rep, err
	}
	if rep.AnonymousSales, err = ensureWalkInCustomer(ctx, settings, acc); err != nil {
		return rep, err
	}
	for _, flow := range mapping.FlowIDs() {
		f, _ := settings.Flow(flow)
		id := workflows.ScheduleID(workers.Tenant, flow)
		var ch scheduleChange
		switch {
		case !slices.Contains(workflows.FlowIDs(), flow):
			if !f.Enabled {
				continue
			}
			ch = scheduleChange{Action: "not_created", Line: fmt.Sprintf("schedule %s: not created, the %s flow has no workflow yet", id, flow)}
		case !f.Enabled:
			if ch, err = pauseSchedule(ctx, c, id); err != nil {
				return rep, err
			}
		default:
			interval := f.Schedule.D()
			if every > 0 {
				interval = every
			}
			if interval <= 0 {
				return rep, usageError(fmt.Errorf("settings: flows.%s.schedule: want a positive interval, got %s", flow, interval))
			}
			if ch, err = upsertSchedule(ctx, c, id, scheduledInput(settings, flow), interval); err != nil {
				return rep, err
			}
		}
		ch.ID, ch.Flow = id, flow
		rep.Schedules = append(rep.Schedules, ch)
	}
	rep.Check, err = preflight(ctx, settings, acc.fx, acc.fxErr, acc.ls, acc.lsErr)
	return rep, err
}

// ensureWalkInCustomer says in one line which Fortnox customer orders-to-fortnox books sales
// without a customer e-mail on. When that is the walk-in customer, it finds it by name (the
// lowest number when several have it) or creates it. Only setup creates it: workers that
// met the first anonymous sales at once would each make one. Without a Fortnox connection
// it says so and goes on, so the schedules are made before `starter connect fortnox`.
func ensureWalkInCustomer(ctx context.Context, settings *mapping.Settings, acc accounts) (string, error) {
	o := settings.Orders
	name := o.WalkInCustomer
	switch {
	case !settings.Flows[mapping.FlowOrdersToFortnox].Enabled:
		return "", nil
	case o.ForceDefaultCustomer:
		return fmt.Sprintf("every sale goes to the default Fortnox customer %s (orders.force_default_customer)", o.DefaultCustomer.Fortnox), nil
	case o.DefaultCustomer.Fortnox != "":
		return fmt.Sprintf("anonymous sales go to the default Fortnox customer %s (orders.default_customer.fortnox)", o.DefaultCustomer.Fortnox), nil
	case name == "":
		return "anonymous sales: no default or walk-in customer is set, so sales without a customer e-mail become needs_fix", nil
	}
	fxc := acc.fx
	if fxc == nil {
		return fmt.Sprintf("anonymous sales: walk-in customer %s not checked: %v; run `starter setup` again once Fortnox is connected", name, acc.fxErr), nil
	}
	found, err := fxc.CustomersByName(ctx, name)
	if err != nil {
		return "", fmt.Errorf("find the walk-in customer %q (orders.walk_in_customer) in Fortnox: %w", name, err)
	}
	number, how := "", "found"
	if len(found) > 0 {
		number = string(found[0].CustomerNumber)
	} else {
		private := "PRIVATE"
		made, err := fxc.CreateCustomer(ctx, fortnox.CustomerInput{Name: &name, Type: &private})
		if err != nil {
			return "", fmt.Errorf("create the walk-in customer %q (orders.walk_in_customer) in Fortnox: %w", name, err)
		}
		number, how = string(made.CustomerNumber), "created"
	}
	return fmt.Sprintf("anonymous sales go to Fortnox customer %s %s (%s)", number, name, how), nil
}

// ensureSearchAttributes adds the fortspeed search attributes the namespace lacks and
// refuses one that exists with another type, since upserts would then fail at run time.
func ensureSearchAttributes(ctx context.Context, c client.Client, namespace string) (string, error) {
	list, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return "", fmt.Errorf("list search attributes of namespace %s: %w", namespace, err)
	}
	have := list.GetCustomAttributes()
	missing := map[string]enums.IndexedValueType{}
	for _, def := range workflows.SearchAttributeDefinitions() {
		t, ok := have[def.Name]
		switch {
		case !ok:
			missing[def.Name] = def.Type
		case t != def.Type:
			return "", fmt.Errorf("search attribute %s exists as %s, fortspeed needs %s: remove it or use another namespace", def.Name, t, def.Type)
		}
	}
	if len(missing) == 0 {
		return fmt.Sprintf("search attributes: all %d present", len(workflows.SearchAttributeDefinitions())), nil
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: missing,
	})
	if err != nil {
		return "", fmt.Errorf("add search attributes to namespace %s: %w", namespace, err)
	}
	names := make([]string, 0, len(missing))
	for name := range missing {
		names = append(names, name)
	}
	sort.Strings(names)
	return "search attributes: added " + strings.Join(names, ", "), nil
}

// disabledNote is the pause note of a disabled flow's schedule; only a schedule paused with
// it is unpaused by setup, so a pause an operator made (`starter pause`) stands.
const disabledNote = "flow disabled in the settings"

// upsertSchedule creates the schedule, or brings an existing one to the settings and
// unpauses it when it was paused for a disabled flow (enabled again, it runs again).
func upsertSchedule(ctx context.Context, c client.Client, id string, input workflows.SyncInput, every time.Duration) (scheduleChange, error) {
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
		return scheduleChange{Action: "created", Every: every.String(), Line: fmt.Sprintf("schedule %s: created, every %s", id, every)}, nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return scheduleChange{}, fmt.Errorf("create schedule %s: %w", id, err)
	}
	kept, held := false, ""
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
			if s.State.Paused && s.State.Note != disabledNote {
				kept, held = true, s.State.Note
			} else {
				s.State.Paused = false
				s.State.Note = ""
			}
			return &client.ScheduleUpdate{Schedule: &s}, nil
		},
	})
	if err != nil {
		return scheduleChange{}, fmt.Errorf("update schedule %s: %w", id, err)
	}
	line := fmt.Sprintf("schedule %s: updated, every %s", id, every)
	if kept {
		line += fmt.Sprintf(" (stays paused: %q; `starter resume` runs it)", held)
	}
	return scheduleChange{Action: "updated", Every: every.String(), Line: line}, nil
}

// pauseSchedule pauses the schedule of a disabled flow; pausing keeps its history and
// the cursor of its last run, which deleting would lose.
func pauseSchedule(ctx context.Context, c client.Client, id string) (scheduleChange, error) {
	h := c.ScheduleClient().GetHandle(ctx, id)
	desc, err := h.Describe(ctx)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return scheduleChange{Action: "none", Line: fmt.Sprintf("schedule %s: none (flow disabled)", id)}, nil
	}
	if err != nil {
		return scheduleChange{}, fmt.Errorf("describe schedule %s: %w", id, err)
	}
	if desc.Schedule.State != nil && desc.Schedule.State.Paused {
		return scheduleChange{Action: "unchanged", Line: fmt.Sprintf("schedule %s: paused (flow disabled)", id)}, nil
	}
	if err := h.Pause(ctx, client.SchedulePauseOptions{Note: disabledNote}); err != nil {
		return scheduleChange{}, fmt.Errorf("pause schedule %s: %w", id, err)
	}
	return scheduleChange{Action: "paused", Line: fmt.Sprintf("schedule %s: paused, the flow is disabled in the settings", id)}, nil
}

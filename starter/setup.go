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

	"fortspeed/activities"
	"fortspeed/clients/fortnox"
	"fortspeed/internal/workers"
	"fortspeed/mapping"
	"fortspeed/workflows"
)

func newSetupCommand(out io.Writer) *cobra.Command {
	var retention string
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Register the search attributes, the walk-in customer and the schedules from the settings",
		Long: "setup adds the search attributes the Temporal server lacks, finds or creates the Fortnox\n" +
			"walk-in customer that sales without a customer e-mail are booked on (orders.walk_in_customer,\n" +
			"when no default customer is set), then creates or updates one schedule per enabled flow of\n" +
			"the settings file (FORTSPEED_MAPPING_FILE) and pauses the schedules of disabled flows.\n" +
			"Running it again changes nothing that is already right.\n\n" +
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
			fx := func() (*fortnox.Client, error) {
				return workers.NewFortnoxClient(e.cfg, workers.Options{Env: e.env}, cliLogger(e.cfg))
			}
			return setup(cmd.Context(), c, e.cfg.Temporal.Namespace, e.settings, 0, fx, out)
		},
	}
	cmd.Flags().StringVar(&retention, "retention", "", "set the namespace's history retention, such as "+defaultRetentionText+" (self-hosted only)")
	return cmd
}

// setup makes the server and Fortnox match the settings. every overrides the schedule
// interval of every flow when not zero (`starter dev` runs the demo every 30 s); fx builds
// the Fortnox client, only when the walk-in customer is used. The walk-in customer comes
// before the schedules, so their first runs find it.
func setup(ctx context.Context, c client.Client, namespace string, settings *mapping.Settings, every time.Duration,
	fx func() (*fortnox.Client, error), out io.Writer) error {
	if err := ensureSearchAttributes(ctx, c, namespace, out); err != nil {
		return err
	}
	if err := ensureWalkInCustomer(ctx, settings, fx, out); err != nil {
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
			if err := pauseSchedule(ctx, c, id, "the flow is disabled in the settings", out); err != nil {
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
			if err := upsertSchedule(ctx, c, id, everySpec(interval), workflows.WorkflowFlowSync, scheduledInput(settings, flow),
				fmt.Sprintf("every %s", interval), out); err != nil {
				return err
			}
		}
	}
	return setupAlerts(ctx, c, settings, out)
}

// setupAlerts makes the schedule of the periodic alert check and, when alerts.digest_at is
// set, of the daily digest; without it the digest's schedule is paused.
func setupAlerts(ctx context.Context, c client.Client, settings *mapping.Settings, out io.Writer) error {
	a := settings.Alerts
	var check workflows.AlertsCheckInput
	digest := workflows.AlertsDigestInput{Tenant: workers.Tenant}
	check.Tenant = workers.Tenant
	for _, flow := range workflows.FlowIDs() {
		if f, _ := settings.Flow(flow); !f.Enabled {
			continue
		}
		check.Flows = append(check.Flows, activities.HealthFlow{Flow: flow,
			ScheduleID: workflows.ScheduleID(workers.Tenant, flow), Lag: a.Lag[flow].D()})
		digest.Flows = append(digest.Flows, flow)
	}
	every := a.CheckEvery.D()
	if err := upsertSchedule(ctx, c, workflows.AlertsScheduleID(workers.Tenant), everySpec(every),
		workflows.WorkflowAlertsCheck, check, fmt.Sprintf("every %s (alerts: paused schedules, lag)", every), out); err != nil {
		return err
	}
	id := workflows.DigestScheduleID(workers.Tenant)
	hour, minute, on := a.Digest()
	if !on {
		return pauseSchedule(ctx, c, id, "the digest is off in the settings (alerts.digest_at)", out)
	}
	spec := client.ScheduleSpec{
		Calendars:    []client.ScheduleCalendarSpec{{Hour: []client.ScheduleRange{{Start: hour}}, Minute: []client.ScheduleRange{{Start: minute}}}},
		TimeZoneName: a.TimeZone,
	}
	return upsertSchedule(ctx, c, id, spec, workflows.WorkflowAlertsDigest, digest,
		fmt.Sprintf("daily at %s %s (alerts digest)", a.DigestAt, a.TimeZone), out)
}

func everySpec(every time.Duration) client.ScheduleSpec {
	return client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}}
}

// ensureWalkInCustomer says in one line which Fortnox customer orders-to-fortnox books sales
// without a customer e-mail on. When that is the walk-in customer, it finds it by name (the
// lowest number when several have it) or creates it. Only setup creates it: workers that
// met the first anonymous sales at once would each make one. Without a Fortnox connection
// it says so and goes on, so the schedules are made before `starter connect fortnox`.
func ensureWalkInCustomer(ctx context.Context, settings *mapping.Settings, fx func() (*fortnox.Client, error), out io.Writer) error {
	o := settings.Orders
	name := o.WalkInCustomer
	switch {
	case !settings.Flows[mapping.FlowOrdersToFortnox].Enabled:
		return nil
	case o.ForceDefaultCustomer:
		fmt.Fprintf(out, "every sale goes to the default Fortnox customer %s (orders.force_default_customer)\n", o.DefaultCustomer.Fortnox)
		return nil
	case o.DefaultCustomer.Fortnox != "":
		fmt.Fprintf(out, "anonymous sales go to the default Fortnox customer %s (orders.default_customer.fortnox)\n", o.DefaultCustomer.Fortnox)
		return nil
	case name == "":
		fmt.Fprintln(out, "anonymous sales: no default or walk-in customer is set, so sales without a customer e-mail become needs_fix")
		return nil
	}
	fxc, err := fx()
	if err != nil {
		fmt.Fprintf(out, "anonymous sales: walk-in customer %s not checked: %v; run `starter setup` again once Fortnox is connected\n", name, err)
		return nil
	}
	found, err := fxc.CustomersByName(ctx, name)
	if err != nil {
		return fmt.Errorf("find the walk-in customer %q (orders.walk_in_customer) in Fortnox: %w", name, err)
	}
	number, how := "", "found"
	if len(found) > 0 {
		number = string(found[0].CustomerNumber)
	} else {
		private := "PRIVATE"
		made, err := fxc.CreateCustomer(ctx, fortnox.CustomerInput{Name: &name, Type: &private})
		if err != nil {
			return fmt.Errorf("create the walk-in customer %q (orders.walk_in_customer) in Fortnox: %w", name, err)
		}
		number, how = string(made.CustomerNumber), "created"
	}
	fmt.Fprintf(out, "anonymous sales go to Fortnox customer %s %s (%s)\n", number, name, how)
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

// upsertSchedule creates the schedule of workflowType with input, or brings an existing
// one to the settings and unpauses it (a disabled flow that is enabled again runs again).
// when says how often it runs, for the output.
func upsertSchedule(ctx context.Context, c client.Client, id string, spec client.ScheduleSpec, workflowType string, input any,
	when string, out io.Writer) error {
	action := &client.ScheduleWorkflowAction{
		ID:        id,
		Workflow:  workflowType,
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
		fmt.Fprintf(out, "schedule %s: created, %s\n", id, when)
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
	fmt.Fprintf(out, "schedule %s: updated, %s\n", id, when)
	return nil
}

// pauseSchedule pauses the schedule of something the settings turned off, saying why;
// pausing keeps its history and the cursor of its last run, which deleting would lose.
func pauseSchedule(ctx context.Context, c client.Client, id, why string, out io.Writer) error {
	h := c.ScheduleClient().GetHandle(ctx, id)
	desc, err := h.Describe(ctx)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		fmt.Fprintf(out, "schedule %s: none (%s)\n", id, why)
		return nil
	}
	if err != nil {
		return fmt.Errorf("describe schedule %s: %w", id, err)
	}
	if desc.Schedule.State != nil && desc.Schedule.State.Paused {
		fmt.Fprintf(out, "schedule %s: paused (%s)\n", id, why)
		return nil
	}
	if err := h.Pause(ctx, client.SchedulePauseOptions{Note: why}); err != nil {
		return fmt.Errorf("pause schedule %s: %w", id, err)
	}
	fmt.Fprintf(out, "schedule %s: paused, %s\n", id, why)
	return nil
}

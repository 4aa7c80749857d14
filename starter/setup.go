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
		Short: "Register the search attributes, the walk-in customer and the schedules, then run the pre-flight checks",
		Long: "setup adds the search attributes the Temporal server lacks, finds or creates the Fortnox\n" +
			"walk-in customer that sales without a customer e-mail are booked on (orders.walk_in_customer,\n" +
			"when no default customer is set), then creates or updates one schedule per enabled flow of\n" +
			"the settings file (FORTSPEED_MAPPING_FILE) and pauses the schedules of disabled flows, and\n" +
			"the schedules of the alert check and the daily digest. Last it runs the pre-flight checks\n" +
			"(`starter check`) and ends with exit code 4 when they find problems. Running it again\n" +
			"changes nothing that is already right.\n\n" +
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
					return usageError(err)
				}
			}
			e, err := loadEnvironment(tenantFlag(cmd))
			if err != nil {
				return err
			}
			c, err := e.dial(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			var kept string
			if keep > 0 {
				if kept, err = setRetention(cmd.Context(), c, e.cfg.Temporal.Namespace, keep); err != nil {
					return err
				}
			}
			var reps []setupReport
			for _, t := range e.scope(cmd) {
				rep, err := setup(cmd.Context(), c, e.cfg.Temporal.Namespace, t, 0, openAccounts(c, t, e.env))
				if err != nil {
					return workers.TenantError(t.Name, err)
				}
				rep.Retention = kept
				reps = append(reps, rep)
			}
			if err := emitTenants(cmd, out, reps); err != nil {
				return err
			}
			var problems error
			for _, rep := range reps {
				if err := rep.Check.attention(false); err != nil && problems == nil {
					problems = err
				}
			}
			return problems
		},
	}
	cmd.Flags().StringVar(&retention, "retention", "", "set the namespace's history retention, such as "+defaultRetentionText+" (self-hosted only)")
	return cmd
}

// setupReport is what setup did, one line per step in text.
type setupReport struct {
	Tenant           string           `json:"tenant"`
	Retention        string           `json:"retention,omitempty"`
	SearchAttributes string           `json:"search_attributes"`
	AnonymousSales   string           `json:"anonymous_sales"`
	Schedules        []scheduleChange `json:"schedules"`
	Check            checkReport      `json:"check"`
}

// scheduleChange is what setup did to one flow's schedule.
type scheduleChange struct {
	ID     string `json:"id"`
	Flow   string `json:"flow"`   // the flow, or alerts and alerts-digest
	Action string `json:"action"` // created, updated, paused, unchanged, none, not_created
	Every  string `json:"every,omitempty"`
	Line   string `json:"message"`
}

func (r setupReport) writeText(w io.Writer) {
	if r.Tenant != workflows.DefaultTenant {
		fmt.Fprintf(w, "tenant %s\n", r.Tenant)
	}
	if r.Retention != "" {
		fmt.Fprintln(w, r.Retention)
	}
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
func setup(ctx context.Context, c client.Client, namespace string, t workers.Tenant, every time.Duration,
	acc accounts) (setupReport, error) {
	rep := setupReport{Tenant: t.Name}
	settings := t.Settings
	var err error
	if rep.SearchAttributes, err = ensureSearchAttributes(ctx, c, namespace); err != nil {
		return rep, err
	}
	if rep.AnonymousSales, err = ensureWalkInCustomer(ctx, settings, acc); err != nil {
		return rep, err
	}
	for _, flow := range mapping.FlowIDs() {
		f, _ := settings.Flow(flow)
		id := workflows.ScheduleID(t.Name, flow)
		var ch scheduleChange
		switch {
		case !slices.Contains(workflows.FlowIDs(), flow):
			if !f.Enabled {
				continue
			}
			ch = scheduleChange{Action: "not_created", Line: fmt.Sprintf("schedule %s: not created, the %s flow has no workflow yet", id, flow)}
		case !f.Enabled:
			if ch, err = pauseSchedule(ctx, c, id, disabledNote, "the flow is disabled in the settings"); err != nil {
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
			if ch, err = upsertSchedule(ctx, c, id, everySpec(interval), workflows.WorkflowFlowSync, scheduledInput(t.Name, settings, flow),
				fmt.Sprintf("every %s", interval)); err != nil {
				return rep, err
			}
			ch.Every = interval.String()
		}
		ch.ID, ch.Flow = id, flow
		rep.Schedules = append(rep.Schedules, ch)
	}
	alerts, err := setupAlerts(ctx, c, t.Name, settings)
	if err != nil {
		return rep, err
	}
	rep.Schedules = append(rep.Schedules, alerts...)
	rep.Check, err = preflight(ctx, settings, acc.fx, acc.fxErr, acc.ls, acc.lsErr)
	return rep, err
}

// setupAlerts makes the schedule of the periodic alert check and, when alerts.digest_at is
// set, of the daily digest; without it the digest's schedule is paused.
func setupAlerts(ctx context.Context, c client.Client, tenant string, settings *mapping.Settings) ([]scheduleChange, error) {
	a := settings.Alerts
	check := workflows.AlertsCheckInput{Tenant: tenant}
	digest := workflows.AlertsDigestInput{Tenant: tenant}
	for _, flow := range workflows.FlowIDs() {
		if f, _ := settings.Flow(flow); !f.Enabled {
			continue
		}
		check.Flows = append(check.Flows, activities.HealthFlow{Flow: flow,
			ScheduleID: workflows.ScheduleID(tenant, flow), Lag: a.Lag[flow].D()})
		digest.Flows = append(digest.Flows, flow)
	}
	every := a.CheckEvery.D()
	id := workflows.AlertsScheduleID(tenant)
	ch, err := upsertSchedule(ctx, c, id, everySpec(every), workflows.WorkflowAlertsCheck, check,
		fmt.Sprintf("every %s (alerts: paused schedules, lag)", every))
	if err != nil {
		return nil, err
	}
	ch.ID, ch.Flow, ch.Every = id, "alerts", every.String()
	changes := []scheduleChange{ch}
	id = workflows.DigestScheduleID(tenant)
	hour, minute, on := a.Digest()
	if !on {
		ch, err = pauseSchedule(ctx, c, id, digestOffNote, "the digest is off: alerts.digest_at is empty")
	} else {
		spec := client.ScheduleSpec{
			Calendars:    []client.ScheduleCalendarSpec{{Hour: []client.ScheduleRange{{Start: hour}}, Minute: []client.ScheduleRange{{Start: minute}}}},
			TimeZoneName: a.TimeZone,
		}
		ch, err = upsertSchedule(ctx, c, id, spec, workflows.WorkflowAlertsDigest, digest,
			fmt.Sprintf("daily at %s %s (alerts digest)", a.DigestAt, a.TimeZone))
	}
	if err != nil {
		return nil, err
	}
	ch.ID, ch.Flow = id, "alerts-digest"
	return append(changes, ch), nil
}

func everySpec(every time.Duration) client.ScheduleSpec {
	return client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}}
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

// The pause notes of the schedules setup pauses itself: a disabled flow's and the digest's
// when it is off. Only a schedule paused with one of them is unpaused by setup, so a pause
// an operator made (`starter pause`) stands.
const (
	disabledNote  = "flow disabled in the settings"
	digestOffNote = "digest off in the settings"
)

// upsertSchedule creates the schedule of workflowType with input, or brings an existing one
// to the settings and unpauses it when setup paused it (a disabled flow enabled again runs
// again). when says how often it runs, for the report.
func upsertSchedule(ctx context.Context, c client.Client, id string, spec client.ScheduleSpec, workflowType string, input any,
	when string) (scheduleChange, error) {
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
		return scheduleChange{Action: "created", Line: fmt.Sprintf("schedule %s: created, %s", id, when)}, nil
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
			if s.State.Paused && s.State.Note != disabledNote && s.State.Note != digestOffNote {
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
	line := fmt.Sprintf("schedule %s: updated, %s", id, when)
	if kept {
		line += fmt.Sprintf(" (stays paused: %q; `starter resume` runs it)", held)
	}
	return scheduleChange{Action: "updated", Line: line}, nil
}

// pauseSchedule pauses the schedule of something the settings turned off with note, saying
// why; pausing keeps its history and the cursor of its last run, which deleting would lose.
func pauseSchedule(ctx context.Context, c client.Client, id, note, why string) (scheduleChange, error) {
	h := c.ScheduleClient().GetHandle(ctx, id)
	desc, err := h.Describe(ctx)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return scheduleChange{Action: "none", Line: fmt.Sprintf("schedule %s: none (%s)", id, why)}, nil
	}
	if err != nil {
		return scheduleChange{}, fmt.Errorf("describe schedule %s: %w", id, err)
	}
	if desc.Schedule.State != nil && desc.Schedule.State.Paused {
		return scheduleChange{Action: "unchanged", Line: fmt.Sprintf("schedule %s: paused (%s)", id, why)}, nil
	}
	if err := h.Pause(ctx, client.SchedulePauseOptions{Note: note}); err != nil {
		return scheduleChange{}, fmt.Errorf("pause schedule %s: %w", id, err)
	}
	return scheduleChange{Action: "paused", Line: fmt.Sprintf("schedule %s: paused, %s", id, why)}, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"fortspeed/workflows"
)

// flowArg checks the one flow argument of a command.
func flowArg(_ *cobra.Command, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("name one flow: %s", joinWords(workflows.FlowIDs(), "or"))
	}
	return checkFlow(args[0])
}

// scheduleStateReport is a schedule's state after pause or resume.
type scheduleStateReport struct {
	Schedule string `json:"schedule"`
	Paused   bool   `json:"paused"`
	Note     string `json:"note"`
	Changed  bool   `json:"changed"`
}

func (r scheduleStateReport) writeText(w io.Writer) {
	state := "running"
	if r.Paused {
		state = "paused"
	}
	if !r.Changed {
		state = "already " + state
	}
	if r.Note != "" {
		fmt.Fprintf(w, "schedule %s: %s (%s)\n", r.Schedule, state, r.Note)
		return
	}
	fmt.Fprintf(w, "schedule %s: %s\n", r.Schedule, state)
}

// newPauseCommand is `starter pause` (pause true) or `starter resume`.
func newPauseCommand(out io.Writer, pause bool) *cobra.Command {
	var note string
	verb, short := "resume", "Resume a flow's schedule"
	if pause {
		verb, short = "pause", "Pause a flow's schedule, with a note saying why"
	}
	cmd := &cobra.Command{
		Use:   verb + " <flow>",
		Short: short,
		Long: "pause stops a flow's schedule from starting runs, and resume lets it start them again;\n" +
			"a run in progress goes on. The note is shown by `starter status`, the Web UI and\n" +
			"`temporal schedule describe`. `starter setup` keeps a pause made here.",
		Example: "  starter pause orders-to-fortnox --note \"year-end closing, until 2 Jan\"\n" +
			"  starter resume orders-to-fortnox",
		Args: flowArg,
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
			rep, err := setPaused(cmd.Context(), c, workflows.ScheduleID(e.tenant.Name, args[0]), pause, note)
			if err != nil {
				return err
			}
			return emit(cmd, out, rep)
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "why (default: paused/resumed by starter)")
	return cmd
}

// setPaused pauses or unpauses a schedule; one already in that state is left as it is,
// with its note, unless a new note is given.
func setPaused(ctx context.Context, c client.Client, id string, pause bool, note string) (scheduleStateReport, error) {
	h := c.ScheduleClient().GetHandle(ctx, id)
	desc, err := h.Describe(ctx)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return scheduleStateReport{}, notFoundError(fmt.Errorf("no schedule %s: run `starter setup` (or the flow is not enabled)", id))
	}
	if err != nil {
		return scheduleStateReport{}, fmt.Errorf("describe schedule %s: %w", id, err)
	}
	rep := scheduleStateReport{Schedule: id, Paused: pause}
	if st := desc.Schedule.State; st != nil && st.Paused == pause && note == "" {
		rep.Note = st.Note
		return rep, nil
	}
	if note == "" {
		note = "resumed by starter"
		if pause {
			note = "paused by starter"
		}
	}
	if pause {
		err = h.Pause(ctx, client.SchedulePauseOptions{Note: note})
	} else {
		err = h.Unpause(ctx, client.ScheduleUnpauseOptions{Note: note})
	}
	if err != nil {
		return scheduleStateReport{}, fmt.Errorf("pause/resume schedule %s: %w", id, err)
	}
	rep.Note, rep.Changed = note, true
	return rep, nil
}

func newBackfillCommand(out io.Writer) *cobra.Command {
	var from, to string
	var wait bool
	cmd := &cobra.Command{
		Use:   "backfill <flow> --from T [--to T]",
		Short: "Sync a flow's records changed in a past period (records from before fortspeed, or a gap)",
		Long: "backfill runs the flow once for the records changed from --from to --to (default now),\n" +
			"under its own workflow id (<tenant>:<flow>:backfill-<unix time>), so the schedule's cursor\n" +
			"does not move. A record whose last change is after --to is left out (the schedule syncs\n" +
			"it), and the run's cursor stops at --to. Lightspeed bounds its listing to the second;\n" +
			"Fortnox keeps changes by the minute, so with a --to inside a minute the Fortnox records\n" +
			"changed in that minute before it are left out too. Records already synced are skipped by\n" +
			"their idempotency key. A schedule backfill (`temporal schedule backfill`) would not help\n" +
			"here: every scheduled run reads from the cursor of the run before it, not from its\n" +
			"scheduled time.",
		Example: "  starter backfill orders-to-fortnox --from 2026-11-01 --to 2026-11-16 --wait",
		Args:    flowArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			now := time.Now()
			if from == "" {
				return usageError(errors.New("--from: name the time to sync from (2026-11-01, 2026-11-01T08:00:00Z or 14d)"))
			}
			start, err := parseTime("--from", from, now)
			if err != nil {
				return err
			}
			end := now
			if to != "" {
				if end, err = parseTime("--to", to, now); err != nil {
					return err
				}
			}
			if !end.After(start) {
				return usageError(fmt.Errorf("--to %s is not after --from %s", end.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339)))
			}
			e, err := loadEnvironment(tenantFlag(cmd))
			if err != nil {
				return err
			}
			input := scheduledInput(e.tenant.Name, e.settings, args[0])
			input.Since, input.Until = &start, &end
			c, err := e.dial(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			run := syncRun{id: fmt.Sprintf("%s:%s:backfill-%d", input.Tenant, input.Flow, now.Unix()), what: "backfill",
				input: input, wait: wait}
			return syncNow(cmd, c, e, run, out)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "sync the records changed since this time, date or duration ago (required)")
	cmd.Flags().StringVar(&to, "to", "", "leave out the records changed after this time, date or duration ago (default now)")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait for the run and print its counts")
	return cmd
}

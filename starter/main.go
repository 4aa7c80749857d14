// Command starter is the operator CLI of fortspeed: it registers search attributes and
// schedules, runs a flow now, retries a record that needed a fix, shows the sync status,
// connects the vendor accounts and starts the whole local stack for `make run`.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"fortspeed/workflows"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starter:", err)
	}
	os.Exit(exitCode(err))
}

// run executes one command line; main exits once on its error. stdin answers init.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	root := newRootCommand(stdin, stdout)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return root.ExecuteContext(ctx)
}

func newRootCommand(in io.Reader, out io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "starter",
		Short: "Operate fortspeed: schedules, manual syncs, retries, status and connections",
		Long: "starter operates fortspeed against the Temporal server and vendor accounts that the\n" +
			"environment configures (TEMPORAL_*, FORTNOX_*, LIGHTSPEED_*, FORTSPEED_*).\n\n" + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError(fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath()))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return checkOutput(cmd, cmd.Flag("output").Value.String())
		},
	}
	root.PersistentFlags().String("output", outputText, "answer as text or json (json: one document on stdout)")
	root.PersistentFlags().String("tenant", workflows.DefaultTenant, "the tenant of the settings file to work on; setup and status cover every tenant unless it is given")
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	root.AddCommand(
		newInitCommand(in, out),
		withJSON(newSetupCommand(out)),
		withJSON(newCheckCommand(out)),
		withJSON(newSyncCommand(out)),
		withJSON(newBackfillCommand(out)),
		withJSON(newRetryCommand(out)),
		withJSON(newPauseCommand(out, true)),
		withJSON(newPauseCommand(out, false)),
		withJSON(newStatusCommand(out)),
		newConnectCommand(out),
		newDevCommand(out),
		newCodecServerCommand(out),
	)
	for _, c := range root.Commands() {
		c.Long = strings.TrimRight(c.Long, "\n") + "\n\n" + exitCodesHelp
		if check := c.Args; check != nil {
			c.Args = func(cmd *cobra.Command, args []string) error { return usageError(check(cmd, args)) }
		}
	}
	return root
}

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
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starter:", err)
		os.Exit(1)
	}
}

// run executes one command line; main exits once on its error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := newRootCommand(stdout)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return root.ExecuteContext(ctx)
}

func newRootCommand(out io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "starter",
		Short: "Operate fortspeed: schedules, manual syncs, retries, status and connections",
		Long: "starter operates fortspeed against the Temporal server and vendor accounts that the\n" +
			"environment configures (TEMPORAL_*, FORTNOX_*, LIGHTSPEED_*, FORTSPEED_*).",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newSetupCommand(out),
		newSyncCommand(out),
		newRetryCommand(out),
		newStatusCommand(out),
		newConnectCommand(out),
		newDevCommand(out),
		newCodecServerCommand(out),
	)
	return root
}

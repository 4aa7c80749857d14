package main

import (
	"io"

	"github.com/spf13/cobra"

	"fortspeed/clients/fortnox"
	"fortspeed/clients/lightspeed"
	"fortspeed/internal/config"
	"fortspeed/internal/workers"
)

func newCheckCommand(out io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Check the settings against the connected Fortnox and Lightspeed accounts (pre-flight)",
		Long: "check reads the registers of both accounts and checks that every value the settings of the\n" +
			"enabled flows name exists there: modes and terms of payment, ways of delivery, price lists,\n" +
			"currencies, VAT rates and the default customer in Fortnox; shops, registers, employees,\n" +
			"price levels, payment types, attribute sets, tax classes and custom fields in Lightspeed;\n" +
			"and every table entry (payment_methods, modes_of_payment, tax_classes, stock_points …).\n" +
			"Each problem is one line naming the setting, the value and what exists instead. It writes\n" +
			"nothing. Exit code 4 when there are problems, 5 when a vendor is not connected.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := loadEnvironment()
			if err != nil {
				return err
			}
			acc := openAccounts(e.cfg, e.env)
			rep, err := preflight(cmd.Context(), e.settings, acc.fx, acc.fxErr, acc.ls, acc.lsErr)
			if err != nil {
				return err
			}
			if err := emit(cmd, out, rep); err != nil {
				return err
			}
			return rep.attention(true)
		},
	}
}

// accounts are the vendor clients of the default tenant; one that cannot be made (not
// connected yet) is nil, with the reason.
type accounts struct {
	fx    *fortnox.Client
	fxErr error
	ls    *lightspeed.Client
	lsErr error
}

func openAccounts(cfg config.Config, env workers.Env) accounts {
	var a accounts
	logger := cliLogger(cfg)
	a.fx, a.fxErr = workers.NewFortnoxClient(cfg, workers.Options{Env: env}, logger)
	a.ls, a.lsErr = workers.NewLightspeedClient(cfg, workers.Options{Env: env}, logger)
	return a
}

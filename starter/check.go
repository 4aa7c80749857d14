package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"fortspeed/clients/fortnox"
	"fortspeed/clients/lightspeed"
	"fortspeed/internal/connections"
	"fortspeed/internal/workers"
	"fortspeed/workflows"
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
			e, err := loadEnvironment(tenantFlag(cmd))
			if err != nil {
				return err
			}
			c, err := e.dial(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			acc := openAccounts(c, e.tenant, e.env)
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

// accounts are the vendor clients of one tenant; one that cannot be made (no app
// configured) is nil, with the reason. Their tokens come from the tenant's connections.
type accounts struct {
	fx    *fortnox.Client
	fxErr error
	ls    *lightspeed.Client
	lsErr error
}

func openAccounts(c client.Client, t workers.Tenant, env workers.Env) accounts {
	var a accounts
	logger := cliLogger(t.Config)
	a.fx, a.fxErr = workers.NewFortnoxClient(t, workers.Options{Env: env}, c, logger)
	if a.fxErr == nil {
		if a.fxErr = connected(c, t, workflows.VendorFortnox); a.fxErr != nil {
			a.fx = nil
		}
	}
	a.ls, a.lsErr = workers.NewLightspeedClient(t, workers.Options{Env: env}, c, logger)
	if a.lsErr == nil {
		if a.lsErr = connected(c, t, workflows.VendorLightspeed); a.lsErr != nil {
			a.ls = nil
		}
	}
	return a
}

// connected is nil when the tenant's connection to vendor hands out tokens, else why not
// and what to run. A service account connects itself when a worker starts.
func connected(c client.Client, t workers.Tenant, vendor string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	view, err := connections.State(ctx, c, t.Name, vendor)
	if ctx.Err() != nil {
		return fmt.Errorf("no worker answers for the %s connection of tenant %s: start a worker, which hands out its tokens", displayVendor(vendor), t.Name)
	}
	if err != nil {
		return err
	}
	switch view.Status {
	case workflows.ConnectionConnected:
		return nil
	case workflows.ConnectionReauthorizeRequired:
		return fmt.Errorf("%s needs re-authorization: run `starter connect %s%s` (%s)", displayVendor(vendor), vendor, tenantArg(t.Name), view.Reason)
	}
	return fmt.Errorf("%s is not connected: run `starter connect %s%s`", displayVendor(vendor), vendor, tenantArg(t.Name))
}

// tenantArg is the --tenant flag a suggested command needs.
func tenantArg(tenant string) string {
	if tenant == workflows.DefaultTenant {
		return ""
	}
	return " --tenant " + tenant
}

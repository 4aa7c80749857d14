package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/mapping"
	"fortspeed/workflows"
)

// TestInitNonInteractive sets fortspeed up from flags alone: it connects Lightspeed (the
// sandbox approves at once), writes only the answers, checks them and runs setup; run
// again it keeps the comments a person added to the file.
func TestInitNonInteractive(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := startServer(t, workflows.DevServerSearchAttributes()).Client()
	useSandboxes(t)
	t.Setenv("FORTNOX_TENANT_ID", "1234567")
	startWorker(t)
	file := filepath.Join(t.TempDir(), "fortspeed.yaml")

	out, err := starter(ctx, "init", "--non-interactive", "--follow", "--file", file,
		"--flows", "orders-to-fortnox,stock", "--schedule", "orders-to-fortnox=1m",
		"--payment-method", "Cash=KONTANT", "--payment-method", "Gift Card=KORT",
		"--default-customer", "-", "--walk-in-customer", "Kontantkund",
		"--stock-calculation", "physical", "--stock-shop", "2")
	require.NoError(t, err, out)
	t.Logf("init:\n%s", out)
	assert.Contains(t, out, "Lightspeed connected (default:connection:lightspeed, connected)")
	assert.Contains(t, out, "wrote "+file+"; the worker and starter read it with FORTSPEED_MAPPING_FILE="+file+"\n")
	assert.Contains(t, out, "schedule default:orders-to-fortnox: created, every 1m0s\n")
	assert.Contains(t, out, "schedule default:stock: created, every 1m0s\n")
	assert.Contains(t, out, "schedule default:orders-to-lightspeed: none (the flow is disabled in the settings)\n")
	assert.Contains(t, out, "anonymous sales go to Fortnox customer 51 Kontantkund (found)\n")
	assert.Contains(t, out, "pre-flight: the settings of orders-to-fortnox and stock match Fortnox and Lightspeed\n")

	s, err := mapping.Load(file)
	require.NoError(t, err)
	assert.True(t, s.Flows[mapping.FlowOrdersToFortnox].Enabled)
	assert.False(t, s.Flows[mapping.FlowOrdersToLightspeed].Enabled)
	assert.False(t, s.Flows[mapping.FlowProducts].Enabled)
	assert.Equal(t, time.Minute, s.Flows[mapping.FlowOrdersToFortnox].Schedule.D())
	assert.Equal(t, "KORT", s.Orders.PaymentMethods["Gift Card"])
	assert.Equal(t, "physical", s.Stock.Calculation)
	assert.Equal(t, "2", s.Stock.ShopID)
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(data), newSettingsHeader), "a new file says what it is:\n%s", data)
	assert.NotContains(t, string(data), "country_aliases", "a new file holds the answers, not a copy of the defaults")
	assert.NotContains(t, string(data), "Debit Card", "nor the defaults' payment types")
	t.Logf("written:\n%s", data)
	_, err = c.ScheduleClient().GetHandle(ctx, "default:stock").Describe(ctx)
	require.NoError(t, err)

	// A person's comment survives the next init.
	require.NoError(t, os.WriteFile(file, append(data, []byte("# our own note: shop 2 is the web store\n")...), 0o600))
	out, err = starter(ctx, "init", "--non-interactive", "--file", file, "--stock-shop", "1", "--no-setup")
	require.NoError(t, err, out)
	data, err = os.ReadFile(file)
	require.NoError(t, err)
	assert.Contains(t, string(data), "# our own note: shop 2 is the web store")
	s, err = mapping.Load(file)
	require.NoError(t, err)
	assert.Equal(t, "1", s.Stock.ShopID)
	assert.Equal(t, "KORT", s.Orders.PaymentMethods["Gift Card"], "answers of the first run stay")

	// FORTSPEED_MAPPING_FILE may name the file init is to write.
	named := filepath.Join(t.TempDir(), "settings.yaml")
	t.Setenv("FORTSPEED_MAPPING_FILE", named)
	out, err = starter(ctx, "init", "--non-interactive", "--no-setup", "--flows", "stock")
	require.NoError(t, err, out)
	s, err = mapping.Load(named)
	require.NoError(t, err)
	assert.True(t, s.Flows[mapping.FlowStock].Enabled)
	assert.False(t, s.Flows[mapping.FlowOrdersToFortnox].Enabled)

	_, err = starter(ctx, "init", "--non-interactive", "--file", file, "--schedule", "stock", "--no-setup")
	assert.EqualError(t, err, `--schedule "stock": want flow=interval, e.g. orders-to-fortnox=1m`)
	assert.Equal(t, exitUsage, exitCode(err))
}

// TestInitAsks answers init's questions as a person would at the terminal: the values it
// offers come from the accounts, an empty answer keeps the current value.
func TestInitAsks(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	connectSandboxes(ctx, t)
	file := filepath.Join(t.TempDir(), "fortspeed.yaml")
	answers := strings.Join([]string{
		"orders,stock",                     // a flow that does not exist: asked again
		"orders-to-fortnox,products,stock", // flows
		"soon", "", "",                     // schedules of orders-to-fortnox, products, stock: refused, asked again
		"2m", "", "",
		"", "", // no default customer; the walk-in customer stays Kontantkund
		"", "", "", "KORT", "BG", "", // Cash, Credit Account, Credit Card, Gift Card, Invoice, Swish
		"none",          // variant rule
		"physical", "2", // stock calculation and shop
	}, "\n") + "\n"
	out, err := starterWithInput(ctx, answers, "init", "--file", file, "--no-setup")
	require.NoError(t, err, out)
	t.Logf("init:\n%s", out)
	assert.Contains(t, out, "Flows to run, comma-separated (orders-to-fortnox, orders-to-lightspeed, products, stock) [orders-to-fortnox,orders-to-lightspeed,products,stock]: ")
	assert.Contains(t, out, `unknown flow "orders" (known: orders-to-fortnox, orders-to-lightspeed, products, stock); again, please:`)
	assert.Contains(t, out, `flows."orders-to-fortnox".schedule: bad duration "soon"`)
	assert.Contains(t, out, `Fortnox mode of payment for Lightspeed "Gift Card" (`)
	assert.Contains(t, out, "KONTANT")
	assert.Contains(t, out, "Lightspeed shop id that gets the Fortnox stock (1 (Butiken Stockholm), 2 (Butiken Göteborg)) [1]: ")
	assert.Contains(t, out, "pre-flight: the settings of orders-to-fortnox, products and stock match Fortnox and Lightspeed\n")

	s, err := mapping.Load(file)
	require.NoError(t, err)
	assert.False(t, s.Flows[mapping.FlowOrdersToLightspeed].Enabled)
	assert.Equal(t, 2*time.Minute, s.Flows[mapping.FlowOrdersToFortnox].Schedule.D())
	assert.Equal(t, 5*time.Minute, s.Flows[mapping.FlowProducts].Schedule.D())
	assert.Equal(t, "KORT", s.Orders.PaymentMethods["Gift Card"])
	assert.Equal(t, "BG", s.Orders.PaymentMethods["Invoice"])
	assert.Equal(t, "KONTANT", s.Orders.PaymentMethods["Cash"])
	assert.Equal(t, "Kontantkund", s.Orders.WalkInCustomer)
	assert.Equal(t, mapping.GroupingNone, s.Products.VariantGrouping.Rule)
	assert.Equal(t, "physical", s.Stock.Calculation)
	assert.Equal(t, "2", s.Stock.ShopID)
}

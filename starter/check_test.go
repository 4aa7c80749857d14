package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/workflows"
)

// connectSandboxes starts a dev server and a worker and connects both demo accounts:
// Fortnox by its service account (the worker connects it as it starts), Lightspeed by the
// OAuth flow the sandbox approves at once.
func connectSandboxes(ctx context.Context, t *testing.T) {
	t.Helper()
	if os.Getenv("TEMPORAL_ADDRESS") == "" {
		startServer(t, workflows.DevServerSearchAttributes())
	}
	useSandboxes(t)
	t.Setenv("FORTNOX_TENANT_ID", "1234567")
	startWorker(t)
	_, err := starter(ctx, "connect", "lightspeed", "--follow")
	require.NoError(t, err)
}

// TestCheck runs the pre-flight checks against the demo accounts: the shipped settings
// pass, a file with five mistakes names all five, and a vendor that is not connected is
// exit code 5, never a pass.
func TestCheck(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	startServer(t, workflows.DevServerSearchAttributes())
	t.Setenv("FORTNOX_CLIENT_ID", "")
	_, err := starter(ctx, "check")
	require.Error(t, err)
	assert.Equal(t, exitConnect, exitCode(err), "nothing connected: %v", err)

	connectSandboxes(ctx, t)
	out, err := starter(ctx, "check")
	require.NoError(t, err, out)
	assert.Equal(t, "pre-flight: orders.payment_methods: \"Card\" and \"Debit Card\" name no Lightspeed payment type, so never match; "+
		"there are Cash, Credit Account, Credit Card, Gift Card, Invoice and Swish\n"+
		"pre-flight: the settings of orders-to-fortnox, orders-to-lightspeed, products and stock match Fortnox and Lightspeed\n", out,
		"the shipped settings map payment types other accounts have; that is a note, not a problem")

	settings := filepath.Join(t.TempDir(), "settings.yaml")
	require.NoError(t, os.WriteFile(settings, []byte(`
orders:
  payment_methods: {Cash: KONTANTER}
  terms_of_payment: "45"
  currency: DKK
  lightspeed: {register_id: "9"}
products:
  price_level: Wholesale
`), 0o600))
	t.Setenv("FORTSPEED_MAPPING_FILE", settings)
	out, err = starter(ctx, "check")
	require.Error(t, err)
	assert.Equal(t, exitAttention, exitCode(err))
	t.Logf("check:\n%s", out)
	want := []string{
		`orders.payment_methods.Cash: "KONTANTER" is not a Fortnox mode of payment; there are BG, KONTANT, KORT, PG and SWISH`,
		`orders.terms_of_payment: "45" is not a Fortnox terms of payment; there are 0, 10, 15, 20, 30 and K`,
		`orders.currency: "DKK" is not a Fortnox currency; there are EUR, NOK and SEK`,
		`orders.lightspeed.register_id: "9" is not a Lightspeed register id of shop 1; there are 1 (Kassa 1) and 2 (Kassa 2)`,
		`products.price_level: "Wholesale" is not a Lightspeed price level; there are Default, MSRP and Online`,
	}
	for _, line := range want {
		assert.Contains(t, out, "\n  "+line)
	}
	assert.Contains(t, out, "pre-flight: 5 problems in the settings of")

	out, err = starter(ctx, "check", "--output", "json")
	assert.Equal(t, exitAttention, exitCode(err))
	var rep checkReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	assert.Equal(t, []string{"Fortnox", "Lightspeed"}, rep.Checked)
	require.Len(t, rep.Problems, 5)
	settingsNamed := make([]string, len(rep.Problems))
	for i, p := range rep.Problems {
		settingsNamed[i] = p.Setting + "=" + p.Value
		assert.True(t, strings.HasPrefix(p.Problem, "is not a "), p.Problem)
	}
	assert.ElementsMatch(t, []string{"orders.payment_methods.Cash=KONTANTER", "orders.terms_of_payment=45", "orders.currency=DKK",
		"orders.lightspeed.register_id=9", "products.price_level=Wholesale"}, settingsNamed)

	// Every other register a setting names.
	require.NoError(t, os.WriteFile(settings, []byte(`
orders:
  default_customer: {fortnox: "9999", lightspeed: "9999"}
  default_mode_of_payment: KREDIT
  way_of_delivery: DHL
  misc_lines: GIFTWRAP
  modes_of_payment: {KORT: Amex}
  lightspeed: {shop_id: "1", register_id: "1", employee_id: "99"}
products:
  attribute_set: Colour
  tax_classes: {"24": "Moms 24%"}
  features: {Tillverkare: article.manufacturer}
  currency: USD
stock:
  shop_id: "7"
`), 0o600))
	out, err = starter(ctx, "check", "--output", "json")
	assert.Equal(t, exitAttention, exitCode(err))
	rep = checkReport{}
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	settingsNamed = settingsNamed[:0]
	for _, p := range rep.Problems {
		settingsNamed = append(settingsNamed, p.Setting+"="+p.Value)
	}
	assert.ElementsMatch(t, []string{"orders.default_customer.fortnox=9999", "orders.default_customer.lightspeed=9999",
		"orders.default_mode_of_payment=KREDIT", "orders.way_of_delivery=DHL", "orders.misc_lines=GIFTWRAP",
		"orders.modes_of_payment.KORT=Amex", "orders.lightspeed.employee_id=99", "products.attribute_set=Colour",
		"products.tax_classes.24=Moms 24%", "products.tax_classes=24", "products.currency=USD", "stock.shop_id=7"}, settingsNamed, out)
	assert.Contains(t, out, `"problem": "is not a VAT rate Fortnox books (percent); there are 0, 6, 12 and 25"`)
	assert.Contains(t, rep.Notes, `products.features: Lightspeed has no custom field "Tillverkare"; the products flow creates it (text) on its first run`)
}

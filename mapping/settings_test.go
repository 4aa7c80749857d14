package mapping

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadDefaults(t *testing.T) {
	s, err := Load("")
	require.NoError(t, err)

	for _, id := range FlowIDs() {
		f, ok := s.Flow(id)
		require.True(t, ok, id)
		assert.True(t, f.Enabled, id)
	}
	assert.Equal(t, 30*time.Second, s.Flows[FlowOrdersToFortnox].Schedule.D())
	assert.Equal(t, 30*time.Second, s.Flows[FlowOrdersToLightspeed].Schedule.D())
	assert.Equal(t, 10*time.Minute, s.Orders.ProductWait.D())
	assert.Equal(t, 7*24*time.Hour, s.Orders.NeedsFixWait.D())
	assert.Equal(t, "SEK", s.Orders.Currency)
	assert.Equal(t, "Sverige", s.Orders.Countries["SE"])
	fns := newFunctions(s)
	assert.Equal(t, "Norway", fns.countryName("NO"), "built in, not listed in defaults.yaml")
	assert.Equal(t, "Argentina", fns.countryName("AR"))
	assert.Equal(t, "AR", fns.countryCode("argentina"), "country_code knows the English names")
	assert.Equal(t, "KR", fns.countryCode("Korea, Republic of"), "and the ISO names beside the short ones")
	assert.Equal(t, "CZ", fns.countryCode("Czechia"))
	assert.Equal(t, "Czech Republic", fns.countryName("CZ"), "orders.countries overrides the built-in name")
	assert.Equal(t, "NO", s.Orders.CountryAliases["Norge"])
	assert.Equal(t, "KORT", s.Orders.PaymentMethods["Credit Card"])
	assert.Equal(t, StockAvailable, s.Stock.Calculation)
	assert.Empty(t, s.Tenants)
	assert.Len(t, s.compiled[FlowOrdersToFortnox].order, len(orderFields()))
	assert.Len(t, s.compiled[FlowOrdersToFortnox].lines, len(lineFields()))
	assert.Len(t, s.compiled[FlowOrdersToLightspeed].order, len(orderFields()))
}

func TestLoadMergesUserFileOverDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "settings.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
flows:
  orders-to-fortnox: {schedule: 1m}
  stock: {enabled: false}
orders:
  payment_methods:
    Klarna: KLARNA
  default_customer: {fortnox: "1000"}
  needs_fix_wait: 48h
tenants:
  shop2:
    fortnox:
      client_id: {env: SHOP2_FORTNOX_CLIENT_ID}
      client_secret: {file: /run/secrets/shop2}
    lightspeed:
      client_id: {env: SHOP2_LS_ID}
      client_secret: {env: SHOP2_LS_SECRET}
      account_id: {env: SHOP2_LS_ACCOUNT}
mappings:
  orders-to-fortnox:
    customer.name: upper(customer.last_name)
`), 0o600))

	s, err := Load(path)
	require.NoError(t, err)

	assert.Equal(t, time.Minute, s.Flows[FlowOrdersToFortnox].Schedule.D())
	assert.True(t, s.Flows[FlowOrdersToFortnox].Enabled, "unset keys keep their defaults")
	assert.False(t, s.Flows[FlowStock].Enabled)
	assert.Equal(t, time.Minute, s.Flows[FlowStock].Schedule.D())
	assert.Equal(t, "KLARNA", s.Orders.PaymentMethods["Klarna"])
	assert.Equal(t, "KORT", s.Orders.PaymentMethods["Credit Card"], "tables merge key by key")
	assert.Equal(t, "1000", s.Orders.DefaultCustomer.Fortnox)
	assert.Equal(t, "Kontantkund", s.Orders.WalkInCustomer, "the walk-in customer's default name")
	assert.Equal(t, "1", s.Orders.Lightspeed.ShopID)
	assert.Equal(t, 48*time.Hour, s.Orders.NeedsFixWait.D())
	assert.Equal(t, "SHOP2_FORTNOX_CLIENT_ID", s.Tenants["shop2"].Fortnox.ClientID.Env)
	assert.Equal(t, "/run/secrets/shop2", s.Tenants["shop2"].Fortnox.ClientSecret.File)
	assert.Equal(t, "upper(customer.last_name)", s.Mappings[FlowOrdersToFortnox]["customer.name"])
	assert.Equal(t, "billing.city", s.Mappings[FlowOrdersToFortnox]["billing.city"])
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	require.ErrorContains(t, err, "read settings")
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"empty mode of payment", "orders:\n  payment_methods:\n    Card: \"\"\n",
			`settings.yaml: orders.payment_methods."Card": mode of payment must not be empty`},
		{"unknown top key", "order:\n  currency: SEK\n",
			`settings.yaml: order: unknown key (known: alerts, flows, mappings, orders, products, stock, tables, tenants)`},
		{"unknown nested key", "orders:\n  curency: SEK\n", `settings.yaml: orders.curency: unknown key (known: `},
		{"unknown flow", "flows:\n  invoices: {enabled: true, schedule: 1m}\n",
			`settings.yaml: flows."invoices": unknown flow (known: orders-to-fortnox, orders-to-lightspeed, products, stock)`},
		{"bad duration", "flows:\n  stock: {schedule: 5 minutes}\n",
			`settings.yaml: flows."stock".schedule: bad duration "5 minutes": want a duration such as`},
		{"duration as number", "orders:\n  product_wait: 10\n",
			`settings.yaml: orders.product_wait: want a duration such as "30s", "10m" or "7d", got 10`},
		{"too short schedule", "flows:\n  stock: {schedule: 10ms}\n", `settings.yaml: flows."stock".schedule: must be at least 1s`},
		{"bool wanted", "orders:\n  force_default_customer: maybe\n",
			`settings.yaml: orders.force_default_customer: want true or false, got "maybe"`},
		{"forced default without default", "orders:\n  force_default_customer: true\n",
			`settings.yaml: orders.default_customer.fortnox: must be set when force_default_customer is on`},
		{"walk-in customer with spaces", "orders:\n  walk_in_customer: \" Kontantkund\"\n",
			`settings.yaml: orders.walk_in_customer: must not start or end with spaces ("" turns the walk-in customer off)`},
		{"walk-in customer Fortnox refuses", "orders:\n  walk_in_customer: \"Kund <kassa>\"\n",
			`settings.yaml: orders.walk_in_customer: Fortnox refuses the character '<' (U+003C) in a customer name`},
		{"walk-in customer not text", "orders:\n  walk_in_customer: {name: Kontantkund}\n",
			`settings.yaml: orders.walk_in_customer: `},
		{"bad currency", "orders:\n  currency: kronor\n",
			`settings.yaml: orders.currency: want a three-letter ISO 4217 code such as SEK, got "kronor"`},
		{"bad vat mode", "orders:\n  vat_included: yes\n", `settings.yaml: orders.vat_included: want source, included or excluded, got "yes"`},
		{"bad country code", "orders:\n  countries:\n    swe: Sverige\n", `settings.yaml: orders.countries."swe": want an ISO 3166-1 alpha-2 code`},
		{"bad alias", "orders:\n  country_aliases:\n    Schweden: Sweden\n", `settings.yaml: orders.country_aliases."Schweden": want an ISO 3166-1 alpha-2 code in capitals, such as SE, got "Sweden"`},
		{"inline secret", "tenants:\n  shop2:\n    fortnox:\n      client_secret: hunter2\n",
			`settings.yaml: tenants."shop2".fortnox.client_secret: want {env: VARIABLE} or {file: /path}, got "hunter2" (secrets are never written in the settings file)`},
		{"missing secret ref", "tenants:\n  shop2:\n    fortnox:\n      client_id: {env: A}\n",
			`settings.yaml: tenants."shop2".fortnox.client_secret: missing: name the env variable or file that holds it`},
		{"default tenant listed", "tenants:\n  default: {}\n", `settings.yaml: tenants."default": the default tenant is configured by the environment`},
		{"bad tenant name", "tenants:\n  Shop:Two: {}\n", `settings.yaml: tenants."Shop:Two": tenant names are`},
		{"bad expression", "mappings:\n  orders-to-fortnox:\n    customer.name: upper(customer.nmae)\n",
			`settings.yaml: mappings."orders-to-fortnox"."customer.name": bad expression: type mapping.SourceCustomer has no field nmae`},
		{"unknown function", "mappings:\n  orders-to-fortnox:\n    customer.name: shout(customer.email)\n",
			`settings.yaml: mappings."orders-to-fortnox"."customer.name": bad expression:`},
		{"line field in order expression", "mappings:\n  orders-to-fortnox:\n    remarks: line.sku\n",
			`settings.yaml: mappings."orders-to-fortnox"."remarks": bad expression: unknown name line`},
		{"wrong result type", "mappings:\n  orders-to-fortnox:\n    lines.quantity: line.sku == \"x\"\n",
			`settings.yaml: mappings."orders-to-fortnox"."lines.quantity": expression gives bool, want a number`},
		{"unknown draft field", "mappings:\n  orders-to-fortnox:\n    customer.fax: customer.phone\n",
			`settings.yaml: mappings."orders-to-fortnox"."customer.fax": unknown draft field (known: `},
		{"empty expression", "mappings:\n  orders-to-lightspeed:\n    remarks: \"\"\n",
			`settings.yaml: mappings."orders-to-lightspeed"."remarks": expression must not be empty`},
		{"mapping for a flow without mappings", "mappings:\n  stock:\n    name: x\n",
			`settings.yaml: mappings."stock": field mappings exist for orders-to-fortnox, orders-to-lightspeed and products only`},
		{"unknown product mapping field", "mappings:\n  products:\n    colour: x\n",
			`settings.yaml: mappings."products"."colour": unknown product field (known: category, cost, description`},
		{"product mapping of an unknown article field", "mappings:\n  products:\n    name: article.colour\n",
			`settings.yaml: mappings."products"."name": bad expression: type mapping.SourceArticle has no field colour`},
		{"unknown lookup table", "mappings:\n  orders-to-fortnox:\n    remarks: lookup(\"stores\", id, \"\")\n",
			`settings.yaml: mappings."orders-to-fortnox"."remarks": lookup: no table "stores" (define it under tables:)`},
		{"table shadows builtin", "tables:\n  countries: {}\n", `settings.yaml: tables."countries": name is taken by a built-in table`},
		{"unknown product field", "products:\n  update_fields: [name, colour]\n",
			`settings.yaml: products.update_fields[1]: unknown product field "colour"`},
		{"create without sku", "products:\n  create_fields: [name]\n", `settings.yaml: products.create_fields: must include sku`},
		{"bad grouping", "products:\n  variant_grouping: {rule: magic}\n", `settings.yaml: products.variant_grouping.rule: want none, pattern or field, got "magic"`},
		{"bad grouping field", "products:\n  variant_grouping: {rule: field, field: colour}\n",
			`settings.yaml: products.variant_grouping.field: want one of manufacturer_article_number, got "colour"`},
		{"grouping without family", "products:\n  variant_grouping: {rule: pattern, pattern: '^(\\w+)-'}\n",
			`settings.yaml: products.variant_grouping.pattern: needs a named group (?P<family>...)`},
		{"bad grouping pattern", "products:\n  variant_grouping: {rule: pattern, pattern: '(?P<family>'}\n",
			`settings.yaml: products.variant_grouping.pattern: bad regular expression`},
		{"bad attribute", "products:\n  attributes: {attribute4: group.color}\n", `settings.yaml: products.attributes."attribute4": want attribute1, attribute2 or attribute3`},
		{"bad attribute expression", "products:\n  attributes: {attribute1: group.color +}\n", `settings.yaml: products.attributes."attribute1": bad expression`},
		{"bad tax class rate", "products:\n  tax_classes: {moms: Moms 25%}\n", `settings.yaml: products.tax_classes."moms": want a VAT rate in percent`},
		{"negative tax class rate", "products:\n  tax_classes: {\"-5\": Moms}\n", `settings.yaml: products.tax_classes."-5": want a VAT rate in percent`},
		{"tax class rate twice", "products:\n  tax_classes: {\"25.0\": Moms 25%}\n", `settings.yaml: products.tax_classes."25.0": the rate 25 is in the table twice`},
		{"misspelt group", "products:\n  attributes: {attribute2: group.sise}\n",
			`settings.yaml: products.attributes."attribute2": group.sise: no such group (the variant pattern's groups are family, color, size)`},
		{"sku on update", "products:\n  update_fields: [name, sku]\n", `settings.yaml: products.update_fields: must not include sku`},
		{"bad stock calculation", "stock:\n  calculation: magic\n", `settings.yaml: stock.calculation: want available or physical, got "magic"`},
		{"negative buffer", "stock:\n  safety_buffer: -2\n", `settings.yaml: stock.safety_buffer: must not be negative`},
		{"fractional buffer", "stock:\n  safety_buffer: 1.5\n", `settings.yaml: stock.safety_buffer: want a whole number, got 1.5`},
		{"list wanted", "products:\n  create_fields: sku\n", `settings.yaml: products.create_fields: want a list, got "sku"`},
		{"missing shop id", "orders:\n  lightspeed: {shop_id: \"\"}\n", `settings.yaml: orders.lightspeed.shop_id: must be set while orders-to-lightspeed is enabled`},
		{"bad yaml", "orders: [\n", `settings.yaml: not valid YAML:`},
		{"alert check too often", "alerts:\n  check_every: 1s\n", `settings.yaml: alerts.check_every: must be at least 10s`},
		{"lag of an unknown flow", "alerts:\n  lag: {invoices: 1h}\n", `settings.yaml: alerts.lag."invoices": unknown flow (known: orders-to-fortnox, orders-to-lightspeed, products, stock)`},
		{"negative lag", "alerts:\n  lag: {stock: -1h}\n", `settings.yaml: alerts.lag."stock": must not be negative`},
		{"bad digest time", "alerts:\n  digest_at: 7am\n", `settings.yaml: alerts.digest_at: want a time of day such as "07:00", or "" for no digest, got "7am"`},
		{"bad time zone", "alerts:\n  time_zone: Mars/Olympus\n", `settings.yaml: alerts.time_zone: want an IANA time zone such as "Europe/Stockholm", got "Mars/Olympus"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("settings.yaml", []byte(tt.yaml))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
}

func TestDisabledLightspeedFlowNeedsNoShop(t *testing.T) {
	_, err := Parse("settings.yaml", []byte("flows:\n  orders-to-lightspeed: {enabled: false}\norders:\n  lightspeed: {shop_id: \"\"}\n"))
	require.NoError(t, err)
}

func TestDefaultsYAMLIsACopy(t *testing.T) {
	b := DefaultsYAML()
	b[0] = 'X'
	assert.NotEqual(t, byte('X'), DefaultsYAML()[0])
}

func TestFlowLookbackMergesAndValidates(t *testing.T) {
	s, err := Parse("settings.yaml", []byte("flows:\n  orders-to-fortnox: {lookback: 45d}\n"))
	if err != nil {
		t.Fatal(err)
	}
	f := s.Flows[FlowOrdersToFortnox]
	if f.Lookback.D() != 45*24*time.Hour || !f.Enabled || f.Schedule.D() != 30*time.Second {
		t.Fatalf("lookback must merge over the default flow settings: %+v", f)
	}
	if s.Flows[FlowOrdersToLightspeed].Lookback.D() != 24*time.Hour {
		t.Fatalf("default lookback is a day: %+v", s.Flows[FlowOrdersToLightspeed])
	}
	_, err = Parse("settings.yaml", []byte("flows:\n  orders-to-fortnox: {lookback: -1h}\n"))
	if err == nil || !strings.Contains(err.Error(), `flows."orders-to-fortnox".lookback: must not be negative`) {
		t.Fatalf("a negative lookback must be refused naming the key, got %v", err)
	}
}

func TestAlertSettings(t *testing.T) {
	s, err := Parse("settings.yaml", nil)
	require.NoError(t, err)
	assert.Equal(t, 5*time.Minute, s.Alerts.CheckEvery.D())
	assert.Equal(t, time.Hour, s.Alerts.Lag[FlowStock].D())
	_, _, on := s.Alerts.Digest()
	assert.False(t, on, "the digest is off by default")

	s, err = Parse("settings.yaml", []byte("alerts:\n  digest_at: \"07:30\"\n  lag: {stock: 0s}\n"))
	require.NoError(t, err)
	h, m, on := s.Alerts.Digest()
	assert.True(t, on)
	assert.Equal(t, []int{7, 30}, []int{h, m})
	assert.Zero(t, s.Alerts.Lag[FlowStock].D(), "0s turns the stock lag alert off")
	assert.Equal(t, 24*time.Hour, s.Alerts.Lag[FlowProducts].D(), "the other flows keep their default")
}

package mapping

import (
	_ "embed"
	"fmt"
	"os"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/shopspring/decimal"

	"fortspeed/clients/fortnox"
)

// Flow ids, as used in settings, workflow ids and schedules.
const (
	FlowOrdersToFortnox    = "orders-to-fortnox"
	FlowOrdersToLightspeed = "orders-to-lightspeed"
	FlowProducts           = "products"
	FlowStock              = "stock"
)

// FlowIDs lists every flow id in a stable order.
func FlowIDs() []string {
	return []string{FlowOrdersToFortnox, FlowOrdersToLightspeed, FlowProducts, FlowStock}
}

//go:embed defaults.yaml
var defaultsYAML []byte

// DefaultsYAML returns the embedded default settings file, documented, so `starter` can
// print it as a starting point for a user's own file.
func DefaultsYAML() []byte { return append([]byte(nil), defaultsYAML...) }

// Settings is the whole datamapper file: flows, their settings and the field mappings.
type Settings struct {
	Tenants  map[string]Tenant            `yaml:"tenants"`
	Flows    map[string]Flow              `yaml:"flows"`
	Orders   OrderSettings                `yaml:"orders"`
	Products ProductSettings              `yaml:"products"`
	Stock    StockSettings                `yaml:"stock"`
	Alerts   AlertSettings                `yaml:"alerts"`
	Tables   map[string]map[string]string `yaml:"tables"`
	// Mappings holds per order flow the expression of each draft field.
	Mappings map[string]map[string]string `yaml:"mappings"`

	compiled map[string]*flowPrograms
	products *productPrograms
}

// Tenant is one further retailer; it names where its secrets are, never the secrets.
type Tenant struct {
	// Settings is the tenant's own settings file (flows, orders, products, stock, tables,
	// mappings); empty: the tenant runs with this file's settings.
	Settings   string                `yaml:"settings"`
	Fortnox    FortnoxCredentials    `yaml:"fortnox"`
	Lightspeed LightspeedCredentials `yaml:"lightspeed"`
}

// FortnoxCredentials says where a tenant's Fortnox secrets are. The endpoints default to
// the environment's (FORTNOX_BASE_URL, FORTNOX_AUTH_URL).
type FortnoxCredentials struct {
	ClientID     SecretRef `yaml:"client_id"`
	ClientSecret SecretRef `yaml:"client_secret"`
	TenantID     SecretRef `yaml:"tenant_id"`
	BaseURL      string    `yaml:"base_url"`
	AuthURL      string    `yaml:"auth_url"`
}

// LightspeedCredentials says where a tenant's Lightspeed secrets are. The endpoints
// default to the environment's (LIGHTSPEED_BASE_URL, LIGHTSPEED_AUTH_URL).
type LightspeedCredentials struct {
	ClientID     SecretRef `yaml:"client_id"`
	ClientSecret SecretRef `yaml:"client_secret"`
	AccountID    SecretRef `yaml:"account_id"`
	BaseURL      string    `yaml:"base_url"`
	AuthURL      string    `yaml:"auth_url"`
}

// SecretRef points at a secret: an environment variable or a file, exactly one.
type SecretRef struct {
	Env  string `yaml:"env"`
	File string `yaml:"file"`
}

// IsSet reports whether the reference points anywhere.
func (r SecretRef) IsSet() bool { return r.Env != "" || r.File != "" }

func (r *SecretRef) decodeSetting(node any) error {
	m, ok := node.(map[string]any)
	if !ok {
		return fmt.Errorf("want {env: VARIABLE} or {file: /path}, got %s (secrets are never written in the settings file)", describe(node))
	}
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s: want a text value, got %s", k, describe(v))
		}
		switch k {
		case "env":
			r.Env = s
		case "file":
			r.File = s
		default:
			return fmt.Errorf("%s: unknown key (known: env, file)", k)
		}
	}
	if r.Env != "" && r.File != "" {
		return fmt.Errorf("give env or file, not both")
	}
	return nil
}

// Flow says whether a flow runs and how often its schedule fires.
type Flow struct {
	Enabled  bool     `yaml:"enabled"`
	Schedule Duration `yaml:"schedule"`
	// Lookback is how far back a flow's first run reads, before it has a cursor: the date
	// from which records are taken over when fortspeed is installed.
	Lookback Duration `yaml:"lookback"`
}

// PerTarget holds one value per target system.
type PerTarget struct {
	Fortnox    string `yaml:"fortnox"`
	Lightspeed string `yaml:"lightspeed"`
}

// VAT modes for the prices on a draft.
const (
	VATSource   = "source"   // keep the source's prices as they are
	VATIncluded = "included" // target prices include VAT
	VATExcluded = "excluded" // target prices exclude VAT
)

// OrderSettings apply to both order flows after the field mappings.
type OrderSettings struct {
	// DefaultCustomer is the Fortnox CustomerNumber and the Lightspeed customerID used when
	// a record has no e-mail, or always when ForceDefaultCustomer is on.
	DefaultCustomer      PerTarget `yaml:"default_customer"`
	ForceDefaultCustomer bool      `yaml:"force_default_customer"`
	// WalkInCustomer is the name of the Fortnox customer that orders-to-fortnox books sales
	// without a customer e-mail on when no Fortnox default customer is set. `starter setup`
	// finds or creates it; the worker finds it by name. "" turns it off.
	WalkInCustomer string `yaml:"walk_in_customer"`
	// PaymentMethods maps a Lightspeed payment type name to a Fortnox mode of payment.
	PaymentMethods       map[string]string `yaml:"payment_methods"`
	DefaultModeOfPayment string            `yaml:"default_mode_of_payment"`
	// ModesOfPayment maps a Fortnox mode of payment to a Lightspeed payment type name.
	ModesOfPayment     map[string]string `yaml:"modes_of_payment"`
	DefaultPaymentType string            `yaml:"default_payment_type"`
	TermsOfPayment     string            `yaml:"terms_of_payment"`
	WayOfDelivery      string            `yaml:"way_of_delivery"`
	PriceList          string            `yaml:"price_list"`
	Currency           string            `yaml:"currency"`
	VATIncluded        string            `yaml:"vat_included"`
	// Countries maps an ISO 3166-1 alpha-2 code to the country name Fortnox uses.
	Countries map[string]string `yaml:"countries"`
	// CountryAliases maps further country names (Swedish, common spellings) to a code.
	CountryAliases map[string]string `yaml:"country_aliases"`
	// MiscLines says what becomes of a sale line without an item: MiscRow, MiscNeedsFix, or
	// else the Fortnox article number it is booked on.
	MiscLines string `yaml:"misc_lines"`
	// MiscAccounts maps a VAT rate ("25") to the Fortnox sales account of misc rows.
	MiscAccounts map[string]string `yaml:"misc_accounts"`
	// SKUFields are the Lightspeed item fields a line's SKU is taken from, first non-empty.
	SKUFields []string `yaml:"sku_fields"`
	// Returns says what becomes of a sale with negative quantities: ReturnsNeedsFix or
	// ReturnsCredit.
	Returns      string             `yaml:"returns"`
	ProductWait  Duration           `yaml:"product_wait"`
	NeedsFixWait Duration           `yaml:"needs_fix_wait"`
	Lightspeed   LightspeedSaleSite `yaml:"lightspeed"`
	// OnPickup is what orders-to-fortnox does with a Fortnox order collected and paid at the
	// till: PickupMark or PickupInvoice.
	OnPickup string `yaml:"on_pickup"`
}

// orders.misc_lines and orders.returns values.
const (
	MiscRow         = "row"       // a Fortnox row without an article, on a sales account
	MiscNeedsFix    = "needs_fix" // the sale is needs_fix
	ReturnsNeedsFix = "needs_fix" // a return is needs_fix, naming the sale it returns
	ReturnsCredit   = "credit"    // a Fortnox order with negative rows, referencing the original
)

// SKUFieldNames are the Lightspeed item fields orders.sku_fields may name.
func SKUFieldNames() []string {
	return []string{"customSku", "manufacturerSku", "systemSku", "upc", "ean"}
}

// The orders.on_pickup choices.
const (
	PickupMark    = "mark"    // the order is marked delivered, linked to the sale
	PickupInvoice = "invoice" // marked, invoiced, and the invoice paid in the sale's mode of payment
)

// LightspeedSaleSite is where sales created in Lightspeed are booked.
type LightspeedSaleSite struct {
	ShopID     string `yaml:"shop_id"`
	RegisterID string `yaml:"register_id"`
	EmployeeID string `yaml:"employee_id"`
}

// productFields lists the names usable in create_fields and update_fields.
func productFields() []string {
	return []string{"name", "sku", "description", "long_description", "price", "cost", "ean", "category", "attributes", "features", "vat", "quantity"}
}

// ProductSettings drive the products flow. The field values themselves are expressions
// under mappings.products; these say what is sent when, and how articles form families.
type ProductSettings struct {
	CreateFields      []string        `yaml:"create_fields"`
	UpdateFields      []string        `yaml:"update_fields"`
	UpdateDescription bool            `yaml:"update_description"`
	VariantGrouping   VariantGrouping `yaml:"variant_grouping"`
	// AttributeSet is the Lightspeed attribute set of every family's matrix, by name.
	AttributeSet string `yaml:"attribute_set"`
	// Attributes are the expressions of a variant's attribute1..3 values.
	Attributes map[string]string `yaml:"attributes"`
	// Features are Lightspeed custom field name → expression; a field that does not exist
	// is created (as text) once.
	Features         map[string]string `yaml:"features"`
	PriceList        string            `yaml:"price_list"` // the Fortnox price list prices come from
	PriceIncludesVAT bool              `yaml:"price_includes_vat"`
	PriceLevel       string            `yaml:"price_level"` // the Lightspeed price level they go to
	Currency         string            `yaml:"currency"`
	// TaxClasses maps a Fortnox VAT rate ("25") to a Lightspeed tax class name.
	TaxClasses      map[string]string `yaml:"tax_classes"`
	ArchiveInactive bool              `yaml:"archive_inactive"`
}

// Variant grouping rules.
const (
	GroupingNone    = "none"    // every article is its own item
	GroupingPattern = "pattern" // a regular expression over the article number
	GroupingField   = "field"   // the value of one article field
)

// VariantGrouping says which Fortnox articles become one Lightspeed item matrix: the
// articles whose numbers match Pattern with the same `family` group, or (rule field) the
// articles with the same value of Field.
type VariantGrouping struct {
	Rule    string `yaml:"rule"`
	Pattern string `yaml:"pattern"`
	Field   string `yaml:"field"`
}

// FamilyFields are the article fields rule field can group by: Fortnox can search articles
// by them, so a family's members are found with one listing.
func FamilyFields() []string {
	return []string{"manufacturer_article_number"}
}

// Stock calculations.
const (
	StockAvailable = "available" // in stock − reserved
	StockPhysical  = "physical"  // in stock
)

// StockSettings drive the stock flow (mapping/stock.go computes with them).
type StockSettings struct {
	Calculation  string `yaml:"calculation"`
	SafetyBuffer int64  `yaml:"safety_buffer"`
	FloorAtZero  bool   `yaml:"floor_at_zero"`
	Managed      bool   `yaml:"managed"`
	// ManagedExcept lists article-number patterns (path.Match globs, "GIFT-*") whose
	// articles take the opposite of Managed: the per-article rule.
	ManagedExcept []string          `yaml:"managed_except"`
	StockPoints   map[string]string `yaml:"stock_points"` // Fortnox stock point code → Lightspeed shopID
	// ShopID is the Lightspeed shop that gets the article quantity when Fortnox has no
	// warehouse module (stock_points then do not apply).
	ShopID string `yaml:"shop_id"`
	// Reconcile is how often a run compares every article instead of only those changed
	// since the last run; the incremental runs follow flows.stock.schedule.
	Reconcile Duration `yaml:"reconcile"`
	// PendingSalesWindow is how far back a run looks for completed Lightspeed sales that
	// are not yet Fortnox orders (their units are held back from the written value).
	PendingSalesWindow Duration `yaml:"pending_sales_window"`
}

// AlertSettings shape the periodic alert check and the daily digest.
type AlertSettings struct {
	// CheckEvery is how often the check of paused schedules and lag runs.
	CheckEvery Duration `yaml:"check_every"`
	// Lag is, per flow, how long it may go without a successful run; zero: no alert.
	Lag map[string]Duration `yaml:"lag"`
	// DigestAt is the daily digest's time of day, "HH:MM" in TimeZone; "": no digest.
	DigestAt string `yaml:"digest_at"`
	TimeZone string `yaml:"time_zone"`
}

// Digest returns the digest's hour and minute, and whether there is one.
func (a AlertSettings) Digest() (hour, minute int, on bool) {
	t, err := time.Parse("15:04", a.DigestAt)
	if err != nil {
		return 0, 0, false
	}
	return t.Hour(), t.Minute(), true
}

func (a AlertSettings) validate() error {
	if a.CheckEvery.D() < 10*time.Second {
		return pathError("alerts.check_every", "must be at least 10s")
	}
	for _, id := range sortedStringKeys(a.Lag) {
		p := mapKeyPath("alerts.lag", id)
		if !contains(FlowIDs(), id) {
			return pathError(p, "unknown flow (known: "+strings.Join(FlowIDs(), ", ")+")")
		}
		if a.Lag[id].D() < 0 {
			return pathError(p, "must not be negative")
		}
	}
	if a.DigestAt != "" {
		if _, _, ok := a.Digest(); !ok {
			return pathError("alerts.digest_at", fmt.Sprintf("want a time of day such as \"07:00\", or \"\" for no digest, got %q", a.DigestAt))
		}
	}
	if _, err := time.LoadLocation(a.TimeZone); err != nil || a.TimeZone == "" {
		return pathError("alerts.time_zone", fmt.Sprintf("want an IANA time zone such as \"Europe/Stockholm\", got %q", a.TimeZone))
	}
	return nil
}

// Load reads the settings: the embedded defaults, with the file at path (if any) merged over
// them, validated and with every expression compiled. Errors are one line naming the file,
// the key path and what is wrong.
func Load(path string) (*Settings, error) {
	if path == "" {
		return Parse("defaults.yaml (embedded)", nil)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read settings: %w", err)
	}
	return Parse(path, data)
}

// Parse is Load for a settings file already in memory; name labels its errors.
func Parse(name string, data []byte) (*Settings, error) {
	var s Settings
	if err := s.merge("defaults.yaml (embedded)", defaultsYAML); err != nil {
		return nil, err
	}
	if err := s.merge(name, data); err != nil {
		return nil, err
	}
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := s.compile(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &s, nil
}

func (s *Settings) merge(name string, data []byte) error {
	var tree any
	if err := yaml.Unmarshal(data, &tree); err != nil {
		return fmt.Errorf("%s: not valid YAML: %s", name, oneLine(err.Error()))
	}
	if tree == nil {
		return nil
	}
	if err := decodeInto("", tree, reflect.ValueOf(s).Elem()); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func oneLine(s string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return first
}

// Flow returns the settings of a flow id.
func (s *Settings) Flow(id string) (Flow, bool) {
	f, ok := s.Flows[id]
	return f, ok
}

// validTenantName keeps tenant names safe inside workflow and schedule ids.
func validTenantName(name string) bool {
	if name == "" || len(name) > 40 || name[0] == '-' {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func (s *Settings) validate() error {
	for _, name := range sortedStringKeys(s.Tenants) {
		p := mapKeyPath("tenants", name)
		if name == "default" {
			return pathError(p, "the default tenant is configured by the environment, not listed here")
		}
		if !validTenantName(name) {
			return pathError(p, "tenant names are 1–40 lower-case letters, digits or '-' (they are part of workflow ids)")
		}
		t := s.Tenants[name]
		refs := []struct {
			key string
			ref SecretRef
		}{
			{"fortnox.client_id", t.Fortnox.ClientID}, {"fortnox.client_secret", t.Fortnox.ClientSecret},
			{"lightspeed.client_id", t.Lightspeed.ClientID}, {"lightspeed.client_secret", t.Lightspeed.ClientSecret},
			{"lightspeed.account_id", t.Lightspeed.AccountID},
		}
		for _, r := range refs {
			if !r.ref.IsSet() {
				return pathError(joinPath(p, r.key), "missing: name the env variable or file that holds it")
			}
		}
	}
	known := FlowIDs()
	for _, id := range sortedStringKeys(s.Flows) {
		p := mapKeyPath("flows", id)
		if !contains(known, id) {
			return pathError(p, "unknown flow (known: "+strings.Join(known, ", ")+")")
		}
		if s.Flows[id].Schedule.D() < time.Second {
			return pathError(joinPath(p, "schedule"), "must be at least 1s")
		}
		if s.Flows[id].Lookback.D() < 0 {
			return pathError(joinPath(p, "lookback"), "must not be negative")
		}
	}
	if err := s.Orders.validate(s.Flows); err != nil {
		return err
	}
	if err := s.Products.validate(); err != nil {
		return err
	}
	if err := s.Stock.validate(); err != nil {
		return err
	}
	if err := s.Alerts.validate(); err != nil {
		return err
	}
	for _, name := range sortedStringKeys(s.Tables) {
		if contains(builtinTables(), name) {
			return pathError(mapKeyPath("tables", name), "name is taken by a built-in table")
		}
	}
	for _, flow := range sortedStringKeys(s.Mappings) {
		if flow != FlowOrdersToFortnox && flow != FlowOrdersToLightspeed && flow != FlowProducts {
			return pathError(mapKeyPath("mappings", flow), "field mappings exist for orders-to-fortnox, orders-to-lightspeed and products only")
		}
	}
	return nil
}

func (o *OrderSettings) validate(flows map[string]Flow) error {
	for _, k := range sortedStringKeys(o.PaymentMethods) {
		if strings.TrimSpace(o.PaymentMethods[k]) == "" {
			return pathError(mapKeyPath("orders.payment_methods", k), "mode of payment must not be empty")
		}
	}
	for _, k := range sortedStringKeys(o.ModesOfPayment) {
		if strings.TrimSpace(o.ModesOfPayment[k]) == "" {
			return pathError(mapKeyPath("orders.modes_of_payment", k), "Lightspeed payment type must not be empty")
		}
	}
	for _, k := range sortedStringKeys(o.Countries) {
		p := mapKeyPath("orders.countries", k)
		if len(k) != 2 || strings.ToUpper(k) != k {
			return pathError(p, "want an ISO 3166-1 alpha-2 code in capitals, such as SE")
		}
		if strings.TrimSpace(o.Countries[k]) == "" {
			return pathError(p, "country name must not be empty")
		}
	}
	for _, k := range sortedStringKeys(o.CountryAliases) {
		if c := o.CountryAliases[k]; len(c) != 2 || strings.ToUpper(c) != c {
			return pathError(mapKeyPath("orders.country_aliases", k), fmt.Sprintf("want an ISO 3166-1 alpha-2 code in capitals, such as SE, got %q", c))
		}
	}
	if len(o.Currency) != 3 || strings.ToUpper(o.Currency) != o.Currency {
		return pathError("orders.currency", fmt.Sprintf("want a three-letter ISO 4217 code such as SEK, got %q", o.Currency))
	}
	if !contains([]string{VATSource, VATIncluded, VATExcluded}, o.VATIncluded) {
		return pathError("orders.vat_included", fmt.Sprintf("want source, included or excluded, got %q", o.VATIncluded))
	}
	if !contains([]string{PickupMark, PickupInvoice}, o.OnPickup) {
		return pathError("orders.on_pickup", fmt.Sprintf("want mark or invoice, got %q", o.OnPickup))
	}
	if err := o.validateLines(); err != nil {
		return err
	}
	if o.ProductWait < 0 {
		return pathError("orders.product_wait", "must not be negative")
	}
	if o.NeedsFixWait.D() < time.Minute {
		return pathError("orders.needs_fix_wait", "must be at least 1m")
	}
	if w := o.WalkInCustomer; w != "" {
		if strings.TrimSpace(w) != w {
			return pathError("orders.walk_in_customer", "must not start or end with spaces (\"\" turns the walk-in customer off)")
		}
		if n := utf8.RuneCountInString(w); n > 1024 {
			return pathError("orders.walk_in_customer", fmt.Sprintf("%d characters, a Fortnox customer name takes at most 1024", n))
		}
		if r, bad := fortnox.RefusedRune(w); bad {
			return pathError("orders.walk_in_customer", fmt.Sprintf("Fortnox refuses the character %q (U+%04X) in a customer name", r, r))
		}
	}
	if o.ForceDefaultCustomer {
		if flows[FlowOrdersToFortnox].Enabled && o.DefaultCustomer.Fortnox == "" {
			return pathError("orders.default_customer.fortnox", "must be set when force_default_customer is on")
		}
		if flows[FlowOrdersToLightspeed].Enabled && o.DefaultCustomer.Lightspeed == "" {
			return pathError("orders.default_customer.lightspeed", "must be set when force_default_customer is on")
		}
	}
	if flows[FlowOrdersToLightspeed].Enabled {
		if o.Lightspeed.ShopID == "" {
			return pathError("orders.lightspeed.shop_id", "must be set while orders-to-lightspeed is enabled")
		}
		if o.Lightspeed.RegisterID == "" {
			return pathError("orders.lightspeed.register_id", "must be set while orders-to-lightspeed is enabled")
		}
		if o.Lightspeed.EmployeeID == "" {
			return pathError("orders.lightspeed.employee_id", "must be set while orders-to-lightspeed is enabled")
		}
	}
	return nil
}

// validateLines checks the settings of sale lines: misc lines, their accounts, SKU fields
// and returns. The account table is normalised by rate ("25.0" and "25" are one rate).
func (o *OrderSettings) validateLines() error {
	if strings.TrimSpace(o.MiscLines) == "" {
		return pathError("orders.misc_lines", "want row, needs_fix or a Fortnox article number")
	}
	accounts := map[string]string{}
	for _, k := range sortedStringKeys(o.MiscAccounts) {
		p := mapKeyPath("orders.misc_accounts", k)
		rate, err := decimal.NewFromString(strings.TrimSpace(k))
		if err != nil || rate.IsNegative() {
			return pathError(p, "want a VAT rate in percent, such as \"25\"")
		}
		if a := o.MiscAccounts[k]; len(a) != 4 || !positiveID(a) {
			return pathError(p, fmt.Sprintf("want a Fortnox account number of 4 digits, such as 3001, got %q", a))
		}
		if _, twice := accounts[rate.String()]; twice {
			return pathError(p, "the rate "+rate.String()+" is in the table twice")
		}
		accounts[rate.String()] = o.MiscAccounts[k]
	}
	o.MiscAccounts = accounts
	if o.MiscLines == MiscRow && len(accounts) == 0 {
		return pathError("orders.misc_accounts", "must give at least one VAT rate's account while misc_lines is row")
	}
	if len(o.SKUFields) == 0 {
		return pathError("orders.sku_fields", "must name at least one item field ("+strings.Join(SKUFieldNames(), ", ")+")")
	}
	for i, f := range o.SKUFields {
		if !contains(SKUFieldNames(), f) {
			return pathError(fmt.Sprintf("orders.sku_fields[%d]", i), fmt.Sprintf("unknown item field %q (known: %s)", f, strings.Join(SKUFieldNames(), ", ")))
		}
	}
	if o.Returns != ReturnsNeedsFix && o.Returns != ReturnsCredit {
		return pathError("orders.returns", fmt.Sprintf("want needs_fix or credit, got %q", o.Returns))
	}
	return nil
}

func (p *ProductSettings) validate() error {
	for name, list := range map[string][]string{"products.create_fields": p.CreateFields, "products.update_fields": p.UpdateFields} {
		for i, f := range list {
			if !contains(productFields(), f) {
				return pathError(fmt.Sprintf("%s[%d]", name, i), fmt.Sprintf("unknown product field %q (known: %s)", f, strings.Join(productFields(), ", ")))
			}
		}
	}
	if !contains(p.CreateFields, "sku") {
		return pathError("products.create_fields", "must include sku: it is the key that pairs articles and items")
	}
	if contains(p.UpdateFields, "sku") {
		return pathError("products.update_fields", "must not include sku: an item is found by its SKU, which never changes")
	}
	if contains(p.UpdateFields, "quantity") {
		return pathError("products.update_fields", "must not include quantity: the stock flow keeps quantities (quantity is for create_fields)")
	}
	switch p.VariantGrouping.Rule {
	case GroupingNone:
	case GroupingPattern:
		re, err := regexp.Compile(p.VariantGrouping.Pattern)
		if err != nil {
			return pathError("products.variant_grouping.pattern", "bad regular expression: "+oneLine(err.Error()))
		}
		if re.SubexpIndex("family") < 0 {
			return pathError("products.variant_grouping.pattern", "needs a named group (?P<family>...): the part of the article number its family shares")
		}
	case GroupingField:
		if !contains(FamilyFields(), p.VariantGrouping.Field) {
			return pathError("products.variant_grouping.field", fmt.Sprintf("want one of %s, got %q", strings.Join(FamilyFields(), ", "), p.VariantGrouping.Field))
		}
	default:
		return pathError("products.variant_grouping.rule", fmt.Sprintf("want none, pattern or field, got %q", p.VariantGrouping.Rule))
	}
	if strings.TrimSpace(p.AttributeSet) == "" {
		return pathError("products.attribute_set", "must name a Lightspeed attribute set, such as Color/Size")
	}
	for _, k := range sortedStringKeys(p.Attributes) {
		if !contains([]string{"attribute1", "attribute2", "attribute3"}, k) {
			return pathError(mapKeyPath("products.attributes", k), "want attribute1, attribute2 or attribute3")
		}
	}
	for _, k := range sortedStringKeys(p.Features) {
		if strings.TrimSpace(k) == "" {
			return pathError("products.features", "a custom field name must not be empty")
		}
	}
	rates := map[string]string{}
	for _, k := range sortedStringKeys(p.TaxClasses) {
		rate, err := decimal.NewFromString(strings.TrimSpace(k))
		if err != nil || rate.IsNegative() {
			return pathError(mapKeyPath("products.tax_classes", k), "want a VAT rate in percent, such as \"25\"")
		}
		if strings.TrimSpace(p.TaxClasses[k]) == "" {
			return pathError(mapKeyPath("products.tax_classes", k), "tax class name must not be empty")
		}
		if _, twice := rates[rate.String()]; twice {
			return pathError(mapKeyPath("products.tax_classes", k), "the rate "+rate.String()+" is in the table twice")
		}
		rates[rate.String()] = p.TaxClasses[k] // "25.0" and "25" are one rate, as Fortnox sends it
	}
	p.TaxClasses = rates
	if strings.TrimSpace(p.PriceList) == "" {
		return pathError("products.price_list", "must name a Fortnox price list, such as A")
	}
	if p.PriceLevel == "" {
		return pathError("products.price_level", "must not be empty")
	}
	if len(p.Currency) != 3 || strings.ToUpper(p.Currency) != p.Currency {
		return pathError("products.currency", fmt.Sprintf("want a three-letter ISO 4217 code such as SEK, got %q", p.Currency))
	}
	return nil
}

func (st *StockSettings) validate() error {
	if st.Calculation != StockAvailable && st.Calculation != StockPhysical {
		return pathError("stock.calculation", fmt.Sprintf("want available or physical, got %q", st.Calculation))
	}
	if st.SafetyBuffer < 0 {
		return pathError("stock.safety_buffer", "must not be negative")
	}
	for _, k := range sortedStringKeys(st.StockPoints) {
		if st.StockPoints[k] == "" {
			return pathError(mapKeyPath("stock.stock_points", k), "Lightspeed shop id must not be empty")
		}
		if !positiveID(st.StockPoints[k]) {
			return pathError(mapKeyPath("stock.stock_points", k), fmt.Sprintf("want a Lightspeed shop id (a positive number; shop 0 is the derived total), got %q", st.StockPoints[k]))
		}
	}
	if !positiveID(st.ShopID) {
		return pathError("stock.shop_id", fmt.Sprintf("want a Lightspeed shop id (a positive number; shop 0 is the derived total), got %q", st.ShopID))
	}
	for i, p := range st.ManagedExcept {
		if _, err := path.Match(p, ""); err != nil || strings.TrimSpace(p) == "" {
			return pathError(fmt.Sprintf("stock.managed_except[%d]", i), fmt.Sprintf("%q is not an article number pattern", p))
		}
	}
	if st.Reconcile.D() < time.Minute {
		return pathError("stock.reconcile", "must be at least 1m")
	}
	if st.PendingSalesWindow.D() < time.Minute {
		return pathError("stock.pending_sales_window", "must be at least 1m")
	}
	return nil
}

// positiveID reports whether s is a positive decimal id.
func positiveID(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n > 0
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func sortedStringKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TenantNames lists the further tenants in a stable order.
func (s *Settings) TenantNames() []string { return sortedStringKeys(s.Tenants) }

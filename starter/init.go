package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"fortspeed/clients/fortnox"
	"fortspeed/clients/lightspeed"
	"fortspeed/internal/workers"
	"fortspeed/mapping"
	"fortspeed/workflows"
)

// initOptions are the answers given as flags; a question whose flag is set is not asked.
type initOptions struct {
	file             string
	nonInteractive   bool
	follow           bool
	noSetup          bool
	printDefaults    bool
	flows            string
	schedules        []string
	defaultCustomer  string
	walkInCustomer   string
	paymentMethods   []string
	variantRule      string
	stockCalculation string
	stockShop        string
	stockPoints      []string
}

func newInitCommand(in io.Reader, out io.Writer) *cobra.Command {
	var o initOptions
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Set fortspeed up: connect both accounts, answer the settings questions, check and run setup",
		Long: "init is the installation assistant. It connects Fortnox and Lightspeed (`starter connect`)\n" +
			"when they are not yet, then asks for the flows to run and their schedules and what their\n" +
			"settings need: the Fortnox customer for sales without an e-mail, the Fortnox mode of payment\n" +
			"of each Lightspeed payment type, the variant rule, the stock calculation and which\n" +
			"Lightspeed shop gets the stock, offering the values it reads from the accounts. It writes the\n" +
			"settings file (an existing one keeps its comments; a new one holds only the answers, merged\n" +
			"over the defaults), runs the pre-flight checks and `starter setup`. Every question has a\n" +
			"flag; with --non-interactive the questions without one keep their current value. Only the\n" +
			"default tenant is served today, so init sets that one up.",
		Example: "  starter init\n" +
			"  starter init --non-interactive --file fortspeed.yaml --flows orders-to-fortnox,stock \\\n" +
			"    --schedule orders-to-fortnox=1m --payment-method Cash=KONTANT --stock-shop 1",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.printDefaults {
				_, err := out.Write(mapping.DefaultsYAML())
				return err
			}
			return runInit(cmd, o, in, out)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.file, "file", "", "the settings file to write (default FORTSPEED_MAPPING_FILE, else fortspeed.yaml)")
	f.BoolVar(&o.nonInteractive, "non-interactive", false, "ask nothing: flags answer, the rest keeps its current value")
	f.BoolVar(&o.follow, "follow", false, "connect: open the authorize URLs itself (sandboxes approve at once)")
	f.BoolVar(&o.noSetup, "no-setup", false, "write and check the settings, but do not run setup")
	f.BoolVar(&o.printDefaults, "print-defaults", false, "print the documented default settings and stop")
	f.StringVar(&o.flows, "flows", "", "the flows to run, comma-separated ("+strings.Join(workflows.FlowIDs(), ",")+")")
	f.StringArrayVar(&o.schedules, "schedule", nil, "flow=interval, e.g. orders-to-fortnox=1m (repeatable)")
	f.StringVar(&o.defaultCustomer, "default-customer", "", "Fortnox customer number for sales without an e-mail (none: the walk-in customer)")
	f.StringVar(&o.walkInCustomer, "walk-in-customer", "", "name of the Fortnox walk-in customer")
	f.StringArrayVar(&o.paymentMethods, "payment-method", nil, "Lightspeed payment type=Fortnox mode of payment, e.g. Cash=KONTANT (repeatable)")
	f.StringVar(&o.variantRule, "variant-rule", "", "which articles are variants of one item: none, pattern or field")
	f.StringVar(&o.stockCalculation, "stock-calculation", "", "available (in stock - reserved) or physical (in stock)")
	f.StringVar(&o.stockShop, "stock-shop", "", "Lightspeed shop id that gets the stock (Fortnox without the warehouse module)")
	f.StringArrayVar(&o.stockPoints, "stock-point", nil, "Fortnox stock point=Lightspeed shop id, e.g. LAGER=1 (repeatable; warehouse module)")
	return cmd
}

// asker asks one question at a time on the terminal, or takes the flag's answer.
type asker struct {
	in          *bufio.Reader
	out         io.Writer
	interactive bool
}

// ask returns the flag's value when it was given, else the answer to the question (the
// current value on an empty line, or without a terminal to ask on).
func (a *asker) ask(prompt, current, flag string, given bool) (string, error) {
	if given {
		return strings.TrimSpace(flag), nil
	}
	if !a.interactive {
		return current, nil
	}
	fmt.Fprintf(a.out, "%s [%s]: ", prompt, current)
	line, err := a.in.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", usageError(fmt.Errorf("%s: no answer (%v); give it as a flag with --non-interactive", prompt, err))
	}
	if line = strings.TrimSpace(line); line != "" {
		return line, nil
	}
	return current, nil
}

// registers are what init offers from the connected accounts.
type registers struct {
	modes, paymentTypes, shops, stockPoints []string
	warehouse                               bool
}

func runInit(cmd *cobra.Command, o initOptions, in io.Reader, out io.Writer) error {
	ctx := cmd.Context()
	e, err := loadVariables()
	if err != nil {
		return err
	}
	path := cmp.Or(o.file, e.cfg.Fortspeed.MappingFile, "fortspeed.yaml")
	from := path
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		from = "" // a new file starts from the defaults
	}
	current, err := mapping.Load(from)
	if err != nil {
		return usageError(err)
	}
	doc, err := openSettingsFile(path, current)
	if err != nil {
		return usageError(err)
	}
	a := &asker{in: bufio.NewReader(in), out: out, interactive: !o.nonInteractive}
	changed := cmd.Flags().Changed

	c, err := e.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	tenant := workers.Tenant{Name: workflows.DefaultTenant, Config: e.cfg, Settings: current}
	acc := openAccounts(c, tenant, e.env)
	for _, vendor := range []struct {
		name string
		err  error
	}{{workers.VendorFortnox, acc.fxErr}, {workers.VendorLightspeed, acc.lsErr}} {
		if vendor.err == nil {
			continue
		}
		want := o.follow // without a terminal only the sandboxes' consent can be followed
		if a.interactive {
			answer, err := a.ask(fmt.Sprintf("%s is not connected (%v). Connect now? (yes/no)", displayVendor(vendor.name), vendor.err), "yes", "", false)
			if err != nil {
				return err
			}
			want = strings.HasPrefix(strings.ToLower(answer), "y")
		}
		if !want {
			fmt.Fprintf(out, "%s not connected: run `starter connect %s`; values are not offered from it\n", displayVendor(vendor.name), vendor.name)
			continue
		}
		if err := connect(ctx, c, tenant, vendor.name, connectOptions{follow: o.follow}, out); err != nil {
			return err
		}
	}
	acc = openAccounts(c, tenant, e.env)
	regs, err := readRegisters(ctx, acc)
	if err != nil {
		return err
	}

	// Each section's answers are checked by the settings parser the worker uses; at the
	// terminal a section whose answers it refuses is asked again.
	q := initQuestions{a: a, o: o, changed: changed, doc: doc, regs: regs}
	settings := current
	for _, section := range []func(*mapping.Settings) error{q.flows, q.schedules, q.customer, q.payments, q.variants, q.stock} {
		for {
			if err := section(settings); err != nil {
				return err
			}
			next, err := doc.parse()
			if err == nil {
				settings = next
				break
			}
			if !a.interactive {
				return err
			}
			fmt.Fprintf(out, "%v\nagain, please:\n", err)
		}
	}
	if err := doc.write(); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s; the worker and starter read it with FORTSPEED_MAPPING_FILE=%s\n", path, path)

	if o.noSetup {
		rep, err := preflight(ctx, settings, acc.fx, acc.fxErr, acc.ls, acc.lsErr)
		if err != nil {
			return err
		}
		rep.writeText(out)
		return rep.attention(false)
	}
	tenant.Settings = settings
	rep, err := setup(ctx, c, e.cfg.Temporal.Namespace, tenant, 0, acc)
	if err != nil {
		return err
	}
	rep.writeText(out)
	return rep.Check.attention(false)
}

// readRegisters reads what init offers; a vendor that is not connected offers nothing.
func readRegisters(ctx context.Context, acc accounts) (registers, error) {
	var r registers
	if fx := acc.fx; fx != nil {
		modes, err := fx.ModesOfPayments(ctx)
		if err != nil {
			return r, fmt.Errorf("read the Fortnox modes of payment: %w", err)
		}
		for _, m := range modes {
			r.modes = append(r.modes, string(m.Code))
		}
		if r.warehouse, r.stockPoints, err = stockPointCodes(ctx, fx); err != nil {
			return r, err
		}
	}
	if ls := acc.ls; ls != nil {
		types, err := ls.PaymentTypes(ctx)
		if err != nil {
			return r, fmt.Errorf("read the Lightspeed payment types: %w", err)
		}
		for _, t := range types {
			if !bool(t.Archived) {
				r.paymentTypes = append(r.paymentTypes, t.Name)
			}
		}
		shops, err := ls.Shops(ctx)
		if err != nil {
			return r, fmt.Errorf("read the Lightspeed shops: %w", err)
		}
		r.shops = shopNames(shops)
	}
	return r, nil
}

func stockPointCodes(ctx context.Context, fx *fortnox.Client) (bool, []string, error) {
	wh, err := fx.WarehouseStatus(ctx)
	if err != nil {
		return false, nil, fmt.Errorf("read the Fortnox warehouse status: %w", err)
	}
	if !bool(wh.Activated) {
		return false, nil, nil
	}
	points, err := fx.StockPoints(ctx, "ACTIVE")
	if err != nil {
		return true, nil, fmt.Errorf("read the Fortnox stock points: %w", err)
	}
	codes := make([]string, 0, len(points))
	for _, p := range points {
		codes = append(codes, string(p.Code))
	}
	return true, codes, nil
}

func shopNames(shops []lightspeed.Shop) []string {
	var out []string
	for _, s := range shops {
		if !bool(s.Archived) {
			out = append(out, fmt.Sprintf("%d (%s)", int64(s.ShopID), s.Name))
		}
	}
	return out
}

// initQuestions asks the questions of each settings section and writes the answers.
type initQuestions struct {
	a       *asker
	o       initOptions
	changed func(string) bool
	doc     *settingsFile
	regs    registers
}

// offer is a prompt with the values to choose from, when the account gave some.
func offer(prompt string, values []string) string {
	if len(values) == 0 {
		return prompt
	}
	return fmt.Sprintf("%s (%s)", prompt, strings.Join(values, ", "))
}

func (q *initQuestions) flows(current *mapping.Settings) error {
	var on []string
	for _, id := range mapping.FlowIDs() {
		if current.Flows[id].Enabled {
			on = append(on, id)
		}
	}
	answer, err := q.a.ask(offer("Flows to run, comma-separated", mapping.FlowIDs()), strings.Join(on, ","), q.o.flows, q.changed("flows"))
	if err != nil {
		return err
	}
	chosen := map[string]bool{}
	for _, id := range strings.Split(answer, ",") {
		if id = strings.TrimSpace(id); id == "" {
			continue
		}
		if !slices.Contains(mapping.FlowIDs(), id) {
			if !q.a.interactive || q.changed("flows") {
				return usageError(fmt.Errorf("flows: unknown flow %q (known: %s)", id, strings.Join(mapping.FlowIDs(), ", ")))
			}
			fmt.Fprintf(q.a.out, "unknown flow %q (known: %s); again, please:\n", id, strings.Join(mapping.FlowIDs(), ", "))
			return q.flows(current)
		}
		chosen[id] = true
	}
	for _, id := range mapping.FlowIDs() {
		if err := q.doc.set(chosen[id], "flows", id, "enabled"); err != nil {
			return err
		}
	}
	return nil
}

func (q *initQuestions) schedules(s *mapping.Settings) error {
	given, err := pairs("schedule", "flow=interval, e.g. orders-to-fortnox=1m", q.o.schedules)
	if err != nil {
		return err
	}
	for flow := range given {
		if !slices.Contains(mapping.FlowIDs(), flow) {
			return usageError(fmt.Errorf("--schedule %s=%s: unknown flow (known: %s)", flow, given[flow], strings.Join(mapping.FlowIDs(), ", ")))
		}
	}
	for _, id := range mapping.FlowIDs() {
		if !s.Flows[id].Enabled {
			continue
		}
		flag, ok := given[id]
		answer, err := q.a.ask(fmt.Sprintf("How often %s runs", id), durationText(s.Flows[id].Schedule.D()), flag, ok)
		if err != nil {
			return err
		}
		if err := q.doc.set(answer, "flows", id, "schedule"); err != nil {
			return err
		}
	}
	return nil
}

func (q *initQuestions) customer(s *mapping.Settings) error {
	if !s.Flows[mapping.FlowOrdersToFortnox].Enabled {
		return nil
	}
	number, err := q.a.ask("Fortnox customer number for sales without a customer e-mail (- for none: a walk-in customer by name)",
		s.Orders.DefaultCustomer.Fortnox, q.o.defaultCustomer, q.changed("default-customer"))
	if err != nil {
		return err
	}
	if number == "-" {
		number = ""
	}
	if err := q.doc.set(number, "orders", "default_customer", "fortnox"); err != nil {
		return err
	}
	if number != "" {
		return nil
	}
	name, err := q.a.ask("Name of the Fortnox walk-in customer (setup finds or creates it)", s.Orders.WalkInCustomer,
		q.o.walkInCustomer, q.changed("walk-in-customer"))
	if err != nil {
		return err
	}
	return q.doc.set(name, "orders", "walk_in_customer")
}

// payments asks the Fortnox mode of payment of each Lightspeed payment type the account
// has (or the table has, without a connection); an empty answer keeps the current one.
func (q *initQuestions) payments(s *mapping.Settings) error {
	if !s.Flows[mapping.FlowOrdersToFortnox].Enabled {
		return nil
	}
	table := map[string]string{}
	for k, v := range s.Orders.PaymentMethods {
		table[k] = v
	}
	given, err := pairs("payment-method", "Lightspeed payment type=Fortnox mode of payment, e.g. Cash=KONTANT", q.o.paymentMethods)
	if err != nil {
		return err
	}
	names := q.regs.paymentTypes
	if len(names) == 0 {
		names = sortedKeys(table)
	}
	for _, name := range askedKeys(names, given) {
		flag, ok := given[name]
		mode, err := q.a.ask(offer(fmt.Sprintf("Fortnox mode of payment for Lightspeed %q", name), q.regs.modes), table[name], flag, ok)
		if err != nil {
			return err
		}
		if mode != "" {
			table[name] = mode
		}
	}
	// The file's table is merged over the defaults' key by key: it needs only what differs.
	defaults, err := mapping.Load("")
	if err != nil {
		return err
	}
	own := map[string]string{}
	for name, mode := range table {
		if defaults.Orders.PaymentMethods[name] != mode {
			own[name] = mode
		}
	}
	return q.doc.set(own, "orders", "payment_methods")
}

func (q *initQuestions) variants(s *mapping.Settings) error {
	if !s.Flows[mapping.FlowProducts].Enabled {
		return nil
	}
	rule, err := q.a.ask(offer("Which Fortnox articles are variants of one Lightspeed item", []string{mapping.GroupingNone, mapping.GroupingPattern, mapping.GroupingField}),
		s.Products.VariantGrouping.Rule, q.o.variantRule, q.changed("variant-rule"))
	if err != nil {
		return err
	}
	return q.doc.set(rule, "products", "variant_grouping", "rule")
}

// stock asks the calculation and where the stock goes: one shop, or a shop per Fortnox
// stock point with the warehouse module.
func (q *initQuestions) stock(s *mapping.Settings) error {
	if !s.Flows[mapping.FlowStock].Enabled {
		return nil
	}
	calc, err := q.a.ask(offer("Stock sent to Lightspeed", []string{mapping.StockAvailable, mapping.StockPhysical}),
		s.Stock.Calculation, q.o.stockCalculation, q.changed("stock-calculation"))
	if err != nil {
		return err
	}
	if err := q.doc.set(calc, "stock", "calculation"); err != nil {
		return err
	}
	if !q.regs.warehouse && len(q.o.stockPoints) == 0 {
		shop, err := q.a.ask(offer("Lightspeed shop id that gets the Fortnox stock", q.regs.shops), s.Stock.ShopID, q.o.stockShop, q.changed("stock-shop"))
		if err != nil {
			return err
		}
		return q.doc.set(shop, "stock", "shop_id")
	}
	points := map[string]string{}
	for k, v := range s.Stock.StockPoints {
		points[k] = v
	}
	given, err := pairs("stock-point", "Fortnox stock point=Lightspeed shop id, e.g. LAGER=1", q.o.stockPoints)
	if err != nil {
		return err
	}
	for _, code := range askedKeys(q.regs.stockPoints, given) {
		flag, ok := given[code]
		shop, err := q.a.ask(offer(fmt.Sprintf("Lightspeed shop id for Fortnox stock point %s (empty: leave it out)", code), q.regs.shops), points[code], flag, ok)
		if err != nil {
			return err
		}
		if _, err := strconv.ParseInt(shop, 10, 64); err != nil {
			delete(points, code)
			continue
		}
		points[code] = shop
	}
	return q.doc.set(points, "stock", "stock_points")
}

// pairs reads a repeatable key=value flag.
func pairs(flag, want string, values []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range values {
		k, v, ok := strings.Cut(kv, "=")
		if k = strings.TrimSpace(k); !ok || k == "" {
			return nil, usageError(fmt.Errorf("--%s %q: want %s", flag, kv, want))
		}
		out[k] = strings.TrimSpace(v)
	}
	return out, nil
}

// askedKeys are the table keys init asks about, sorted: those the account has and those a
// flag names.
func askedKeys(have []string, given map[string]string) []string {
	keys := slices.Clone(have)
	for k := range given {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

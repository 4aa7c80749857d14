package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"fortspeed/clients"
	"fortspeed/clients/fortnox"
	"fortspeed/clients/lightspeed"
	"fortspeed/mapping"
)

// problem is one setting whose value the connected account does not have.
type problem struct {
	Setting string `json:"setting"`
	Value   string `json:"value"`
	Problem string `json:"problem"`
}

func (p problem) String() string { return fmt.Sprintf("%s: %q %s", p.Setting, p.Value, p.Problem) }

// checkReport is what the pre-flight checks found. A vendor that is not connected is not
// checked, and says why, so a check never passes silently on nothing.
type checkReport struct {
	Flows      []string  `json:"flows"`
	Checked    []string  `json:"checked"`
	NotChecked []string  `json:"not_checked,omitempty"`
	Notes      []string  `json:"notes,omitempty"`
	Problems   []problem `json:"problems"`
}

func (r checkReport) writeText(w io.Writer) {
	for _, n := range r.NotChecked {
		fmt.Fprintf(w, "pre-flight: %s\n", n)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "pre-flight: %s\n", n)
	}
	if len(r.Checked) == 0 {
		return
	}
	if len(r.Problems) == 0 {
		fmt.Fprintf(w, "pre-flight: the settings of %s match %s\n", joinWords(r.Flows, "and"), joinWords(r.Checked, "and"))
		return
	}
	fmt.Fprintf(w, "pre-flight: %d problems in the settings of %s:\n", len(r.Problems), joinWords(r.Flows, "and"))
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  %s\n", p)
	}
}

// attention is the error a report with problems ends the command with; with connected
// also when a vendor was not checked (`starter check`: a check of nothing is no pass;
// setup runs before `starter connect` as well).
func (r checkReport) attention(connected bool) error {
	switch {
	case len(r.Problems) > 0:
		return attentionError(fmt.Errorf("pre-flight: %d settings name what the accounts do not have; fix them and run again", len(r.Problems)))
	case connected && len(r.NotChecked) > 0:
		return connectError(fmt.Errorf("pre-flight: %s", strings.Join(r.NotChecked, "; ")))
	}
	return nil
}

// swedishVATRates are the VAT percentages Fortnox books Swedish sales at. Fortnox has no
// VAT register to read; an article or row with another rate is refused.
var swedishVATRates = []string{"0", "6", "12", "25"}

// register is what one vendor register holds, for looking a setting's value up in it.
type register struct {
	noun string
	fold bool // names compare case-insensitively and trimmed, as the activities match them
	has  map[string]bool
	list []string
}

func newRegister(noun string, fold bool, values ...string) *register {
	r := &register{noun: noun, fold: fold, has: map[string]bool{}}
	for _, v := range values {
		r.add(v)
	}
	return r
}

func (r *register) add(v string) {
	if strings.TrimSpace(v) == "" {
		return
	}
	r.has[r.key(v)] = true
	r.list = append(r.list, v)
}

// addAs adds a value looked up by key and shown as display: an id with its name.
func (r *register) addAs(key, display string) {
	r.has[r.key(key)] = true
	r.list = append(r.list, display)
}

func (r *register) key(v string) string {
	if r.fold {
		return strings.ToLower(strings.TrimSpace(v))
	}
	return v
}

// instead says what the register has.
func (r *register) instead() string {
	if len(r.list) == 0 {
		return "there are none"
	}
	list := slices.Clone(r.list)
	slices.SortFunc(list, compareNatural)
	return "there are " + joinWords(list, "and")
}

// preflight checks the settings of the enabled flows against the accounts: every value a
// setting names must exist there. fx or ls nil means that vendor is not connected (why is
// in fxErr, lsErr); its values are then not checked.
func preflight(ctx context.Context, settings *mapping.Settings, fx *fortnox.Client, fxErr error,
	ls *lightspeed.Client, lsErr error) (checkReport, error) {
	c := &checker{settings: settings}
	for _, id := range mapping.FlowIDs() {
		if settings.Flows[id].Enabled {
			c.report.Flows = append(c.report.Flows, id)
		}
	}
	if fx == nil {
		c.report.NotChecked = append(c.report.NotChecked, "Fortnox not checked: "+fxErr.Error())
	} else if err := c.fortnox(ctx, fx); err != nil {
		return checkReport{}, err
	}
	if ls == nil {
		c.report.NotChecked = append(c.report.NotChecked, "Lightspeed not checked: "+lsErr.Error())
	} else if err := c.lightspeed(ctx, ls); err != nil {
		return checkReport{}, err
	}
	c.vatRates()
	if c.report.Problems == nil {
		c.report.Problems = []problem{}
	}
	return c.report, nil
}

type checker struct {
	settings *mapping.Settings
	report   checkReport
}

func (c *checker) enabled(flow string) bool { return c.settings.Flows[flow].Enabled }

// want records a problem when value is set and the register lacks it.
func (c *checker) want(setting, value string, r *register) {
	if strings.TrimSpace(value) == "" || r.has[r.key(value)] {
		return
	}
	c.report.Problems = append(c.report.Problems, problem{Setting: setting, Value: value,
		Problem: "is not a " + r.noun + "; " + r.instead()})
}

// wantEach checks every value (or, with keys, every key) of a settings table.
func (c *checker) wantEach(table string, m map[string]string, keys bool, r *register) {
	for _, k := range sortedKeys(m) {
		if keys {
			c.want(table, k, r)
		} else {
			c.want(entryPath(table, k), m[k], r)
		}
	}
}

// unusedKeys notes the keys of a table that name a source value the account does not have:
// such an entry is never used, so it is no problem, but it may be a misspelt name.
func (c *checker) unusedKeys(table string, m map[string]string, r *register) {
	var unused []string
	for _, k := range sortedKeys(m) {
		if !r.has[r.key(k)] {
			unused = append(unused, strconv.Quote(k))
		}
	}
	if len(unused) > 0 {
		verb := "names"
		if len(unused) > 1 {
			verb = "name"
		}
		c.report.Notes = append(c.report.Notes, fmt.Sprintf("%s: %s %s no %s, so never match; %s",
			table, joinWords(unused, "and"), verb, r.noun, r.instead()))
	}
}

// fill reads a vendor register into a new register; add picks what of each entry counts.
func fill[T any](ctx context.Context, noun string, fold bool, list func(context.Context) ([]T, error), add func(r *register, v T)) (*register, error) {
	items, err := list(ctx)
	if err != nil {
		return nil, fmt.Errorf("pre-flight: %w", err)
	}
	r := newRegister(noun, fold)
	for _, it := range items {
		add(r, it)
	}
	return r, nil
}

// byCode adds a Fortnox register entry by its code.
func byCode[T any](code func(T) fortnox.Text) func(*register, T) {
	return func(r *register, v T) { r.add(string(code(v))) }
}

// byID adds a Lightspeed entry that is not archived by its id, shown with its name.
func byID(r *register, id int64, name string, archived bool) {
	if !archived {
		r.addAs(strconv.FormatInt(id, 10), fmt.Sprintf("%d (%s)", id, strings.TrimSpace(name)))
	}
}

// exists records a problem when a single record the settings name is not found.
func (c *checker) exists(setting, value, problemText string, err error) error {
	switch {
	case clients.KindOf(err) == clients.NotFound:
		c.report.Problems = append(c.report.Problems, problem{Setting: setting, Value: value, Problem: problemText})
	case err != nil:
		return fmt.Errorf("pre-flight: %w", err)
	}
	return nil
}

func (c *checker) fortnox(ctx context.Context, fx *fortnox.Client) error {
	c.report.Checked = append(c.report.Checked, "Fortnox")
	o, p := c.settings.Orders, c.settings.Products
	toFortnox, toLightspeed := c.enabled(mapping.FlowOrdersToFortnox), c.enabled(mapping.FlowOrdersToLightspeed)
	if toFortnox || toLightspeed {
		r, err := fill(ctx, "Fortnox mode of payment", false, fx.ModesOfPayments,
			byCode(func(m fortnox.ModeOfPayment) fortnox.Text { return m.Code }))
		if err != nil {
			return err
		}
		if toFortnox {
			c.wantEach("orders.payment_methods", o.PaymentMethods, false, r)
			c.want("orders.default_mode_of_payment", o.DefaultModeOfPayment, r)
		}
		if toLightspeed {
			c.unusedKeys("orders.modes_of_payment", o.ModesOfPayment, r)
		}
	}
	if toFortnox {
		r, err := fill(ctx, "Fortnox terms of payment", false, fx.TermsOfPayments,
			byCode(func(t fortnox.TermsOfPayment) fortnox.Text { return t.Code }))
		if err != nil {
			return err
		}
		c.want("orders.terms_of_payment", o.TermsOfPayment, r)
		if r, err = fill(ctx, "Fortnox way of delivery", false, fx.WayOfDeliveries,
			byCode(func(w fortnox.WayOfDelivery) fortnox.Text { return w.Code })); err != nil {
			return err
		}
		c.want("orders.way_of_delivery", o.WayOfDelivery, r)
		if n := o.DefaultCustomer.Fortnox; n != "" {
			_, err := fx.Customer(ctx, n)
			if err := c.exists("orders.default_customer.fortnox", n, "is not a Fortnox customer number", err); err != nil {
				return err
			}
		}
		if a := o.MiscLines; a != mapping.MiscRow && a != mapping.MiscNeedsFix && a != "" {
			_, err := fx.Article(ctx, a)
			if err := c.exists("orders.misc_lines", a, "is not a Fortnox article number (nor row or needs_fix)", err); err != nil {
				return err
			}
		}
	}
	products := c.enabled(mapping.FlowProducts)
	if toFortnox || products {
		lists, err := fill(ctx, "Fortnox price list", false, fx.PriceLists,
			byCode(func(l fortnox.PriceList) fortnox.Text { return l.Code }))
		if err != nil {
			return err
		}
		currencies, err := fill(ctx, "Fortnox currency", true, fx.Currencies,
			byCode(func(cu fortnox.Currency) fortnox.Text { return cu.Code }))
		if err != nil {
			return err
		}
		if !currencies.has["sek"] {
			currencies.add("SEK") // the accounting currency, listed or not
		}
		if toFortnox {
			c.want("orders.price_list", o.PriceList, lists)
			c.want("orders.currency", o.Currency, currencies)
		}
		if products {
			c.want("products.price_list", p.PriceList, lists)
			c.want("products.currency", p.Currency, currencies)
		}
	}
	if c.enabled(mapping.FlowStock) && len(c.settings.Stock.StockPoints) > 0 {
		return c.stockPoints(ctx, fx)
	}
	return nil
}

// stockPoints checks the stock point codes of stock.stock_points: they need the warehouse
// module, and an active stock point of each code.
func (c *checker) stockPoints(ctx context.Context, fx *fortnox.Client) error {
	wh, err := fx.WarehouseStatus(ctx)
	if err != nil {
		return fmt.Errorf("pre-flight: %w", err)
	}
	r := newRegister("Fortnox stock point (this company has no warehouse module: use stock.shop_id)", false)
	if bool(wh.Activated) {
		active := func(ctx context.Context) ([]fortnox.StockPoint, error) { return fx.StockPoints(ctx, "ACTIVE") }
		if r, err = fill(ctx, "Fortnox stock point", false, active,
			byCode(func(sp fortnox.StockPoint) fortnox.Text { return sp.Code })); err != nil {
			return err
		}
	}
	c.wantEach("stock.stock_points", c.settings.Stock.StockPoints, true, r)
	return nil
}

func (c *checker) lightspeed(ctx context.Context, ls *lightspeed.Client) error {
	c.report.Checked = append(c.report.Checked, "Lightspeed")
	o, st := c.settings.Orders, c.settings.Stock
	toFortnox, toLightspeed := c.enabled(mapping.FlowOrdersToFortnox), c.enabled(mapping.FlowOrdersToLightspeed)
	if toFortnox || toLightspeed {
		r, err := fill(ctx, "Lightspeed payment type", true, ls.PaymentTypes, func(r *register, t lightspeed.PaymentType) {
			if !bool(t.Archived) {
				r.add(t.Name)
			}
		})
		if err != nil {
			return err
		}
		if toFortnox {
			c.unusedKeys("orders.payment_methods", o.PaymentMethods, r)
		}
		if toLightspeed {
			c.wantEach("orders.modes_of_payment", o.ModesOfPayment, false, r)
			c.want("orders.default_payment_type", o.DefaultPaymentType, r)
		}
	}
	stock := c.enabled(mapping.FlowStock)
	if toLightspeed || stock {
		shops, err := fill(ctx, "Lightspeed shop id", false, ls.Shops, func(r *register, s lightspeed.Shop) {
			byID(r, int64(s.ShopID), s.Name, bool(s.Archived))
		})
		if err != nil {
			return err
		}
		if toLightspeed {
			if err := c.saleSite(ctx, ls, shops); err != nil {
				return err
			}
		}
		if stock && len(st.StockPoints) == 0 {
			c.want("stock.shop_id", st.ShopID, shops)
		}
		if stock {
			c.wantEach("stock.stock_points", st.StockPoints, false, shops)
		}
	}
	if c.enabled(mapping.FlowProducts) {
		return c.catalog(ctx, ls, c.settings.Products)
	}
	return nil
}

// saleSite checks where orders-to-lightspeed books its sales: a shop, a register of that
// shop, an employee, and the default customer.
func (c *checker) saleSite(ctx context.Context, ls *lightspeed.Client, shops *register) error {
	site := c.settings.Orders.Lightspeed
	c.want("orders.lightspeed.shop_id", site.ShopID, shops)
	r, err := fill(ctx, "Lightspeed register id of shop "+site.ShopID, false, ls.Registers, func(r *register, reg lightspeed.Register) {
		if strconv.FormatInt(int64(reg.ShopID), 10) == site.ShopID {
			byID(r, int64(reg.RegisterID), reg.Name, false)
		}
	})
	if err != nil {
		return err
	}
	c.want("orders.lightspeed.register_id", site.RegisterID, r)
	if r, err = fill(ctx, "Lightspeed employee id", false, ls.Employees, func(r *register, e lightspeed.Employee) {
		byID(r, int64(e.EmployeeID), e.FirstName+" "+e.LastName, bool(e.Archived))
	}); err != nil {
		return err
	}
	c.want("orders.lightspeed.employee_id", site.EmployeeID, r)
	if id := c.settings.Orders.DefaultCustomer.Lightspeed; id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			c.report.Problems = append(c.report.Problems, problem{Setting: "orders.default_customer.lightspeed", Value: id,
				Problem: "is not a Lightspeed customer id (a positive number)"})
			return nil
		}
		_, err = ls.Customer(ctx, n)
		return c.exists("orders.default_customer.lightspeed", id, "is not a Lightspeed customer id", err)
	}
	return nil
}

// catalog checks what the products flow names in Lightspeed: price level, attribute set,
// tax classes and the custom fields of its features.
func (c *checker) catalog(ctx context.Context, ls *lightspeed.Client, p mapping.ProductSettings) error {
	r, err := fill(ctx, "Lightspeed price level", true, ls.PriceLevels, func(r *register, l lightspeed.PriceLevel) {
		if !bool(l.Archived) {
			r.add(l.Name)
		}
	})
	if err != nil {
		return err
	}
	c.want("products.price_level", p.PriceLevel, r)
	if p.VariantGrouping.Rule != mapping.GroupingNone {
		if r, err = fill(ctx, "Lightspeed attribute set", true, ls.ItemAttributeSets, func(r *register, s lightspeed.ItemAttributeSet) {
			if !bool(s.Archived) {
				r.add(s.Name)
			}
		}); err != nil {
			return err
		}
		c.want("products.attribute_set", p.AttributeSet, r)
	}
	if r, err = fill(ctx, "Lightspeed tax class", true, ls.TaxClasses, func(r *register, tc lightspeed.TaxClass) { r.add(tc.Name) }); err != nil {
		return err
	}
	c.wantEach("products.tax_classes", p.TaxClasses, false, r)
	if len(p.Features) == 0 {
		return nil
	}
	fields, err := ls.ItemCustomFields(ctx)
	if err != nil {
		return fmt.Errorf("pre-flight: %w", err)
	}
	live, archived := newRegister("", true), newRegister("", true)
	for _, f := range fields {
		if bool(f.Archived) {
			archived.add(f.Name)
		} else {
			live.add(f.Name)
		}
	}
	var created []string
	for _, name := range sortedKeys(p.Features) {
		switch {
		case live.has[live.key(name)]:
		case archived.has[archived.key(name)]:
			c.report.Problems = append(c.report.Problems, problem{Setting: "products.features", Value: name,
				Problem: "is an archived Lightspeed custom field: unarchive it or rename the feature"})
		default:
			created = append(created, name)
		}
	}
	if len(created) > 0 {
		c.report.Notes = append(c.report.Notes, fmt.Sprintf("products.features: Lightspeed has no custom field %s; the products flow creates it (text) on its first run",
			joinWords(quoteAll(created), "or")))
	}
	return nil
}

// vatRates checks the tables keyed by VAT rate against the rates Fortnox books.
func (c *checker) vatRates() {
	r := newRegister("VAT rate Fortnox books (percent)", false, swedishVATRates...)
	if c.enabled(mapping.FlowOrdersToFortnox) && c.settings.Orders.MiscLines == mapping.MiscRow {
		c.wantEach("orders.misc_accounts", c.settings.Orders.MiscAccounts, true, r)
	}
	if c.enabled(mapping.FlowProducts) {
		c.wantEach("products.tax_classes", c.settings.Products.TaxClasses, true, r)
	}
}

// compareNatural orders numbers as numbers ("6" before "12") and text as text.
func compareNatural(a, b string) int {
	na, errA := strconv.ParseFloat(a, 64)
	nb, errB := strconv.ParseFloat(b, 64)
	switch {
	case errA == nil && errB == nil:
		return cmp.Compare(na, nb)
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}

// entryPath names one entry of a settings table: orders.payment_methods.Cash, or with
// quotes when the key has spaces or dots.
func entryPath(table, key string) string {
	if strings.ContainsAny(key, " .\"") {
		return fmt.Sprintf("%s[%q]", table, key)
	}
	return table + "." + key
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

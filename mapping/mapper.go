package mapping

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"
)

// Error is a data error in one record: the record cannot be mapped as it is. The activity
// turns it into needs_fix with Error() as the one-line reason.
type Error struct {
	Field  string // the draft or source field, such as customer.email or lines[2].sku
	Reason string
}

func (e *Error) Error() string { return e.Field + ": " + e.Reason }

func dataError(field, format string, args ...any) *Error {
	return &Error{Field: field, Reason: fmt.Sprintf(format, args...)}
}

type fieldKind int

const (
	textField fieldKind = iota
	decimalField
)

// orderFields are the order-level draft fields a mapping can set.
func orderFields() map[string]fieldKind {
	m := map[string]fieldKind{"remarks": textField, "date": textField, "currency": textField}
	for _, f := range []string{"email", "name", "company", "org_number", "phone"} {
		m["customer."+f] = textField
	}
	for _, a := range []string{"billing", "shipping"} {
		for _, f := range []string{"name", "street", "street2", "postal_code", "city", "country_code", "country"} {
			m[a+"."+f] = textField
		}
	}
	return m
}

// lineFields are the per-line draft fields a mapping can set.
func lineFields() map[string]fieldKind {
	return map[string]fieldKind{
		"lines.sku": textField, "lines.description": textField,
		"lines.quantity": decimalField, "lines.unit_price": decimalField,
		"lines.vat_percent": decimalField, "lines.discount": decimalField,
	}
}

type program struct {
	field string
	kind  fieldKind
	prog  *vm.Program
}

// flowPrograms are one flow's compiled field mappings, in a stable order.
type flowPrograms struct {
	order []program
	lines []program
}

// orderEnv is the environment of order-level expressions: the order's fields at the top
// level and the whole order as `order`.
func orderEnv(src SourceOrder) map[string]any {
	return map[string]any{
		"order": src, "vendor": src.Vendor, "id": src.ID, "date": src.Date, "currency": src.Currency,
		"customer": src.Customer, "billing": src.Billing, "shipping": src.Shipping,
		"lines": src.Lines, "payments": src.Payments, "total": src.Total,
		"vat_included": src.VATIncl, "note": src.Note, "reference": src.Reference,
	}
}

// lineEnv adds the line (`line`) and its position (`index`, from 0) to the order env.
func lineEnv(src SourceOrder, line SourceLine, index int) map[string]any {
	env := orderEnv(src)
	env["line"] = line
	env["index"] = index
	return env
}

// compile compiles every field mapping against typed environments, so a misspelt field,
// an unknown function or a wrong result type fails at load.
func (s *Settings) compile() error {
	fns := newFunctions(s)
	opts := fns.options()
	s.compiled = make(map[string]*flowPrograms)
	orderKinds, lineKinds := orderFields(), lineFields()
	for _, flow := range []string{FlowOrdersToFortnox, FlowOrdersToLightspeed} {
		fp := &flowPrograms{}
		fields := s.Mappings[flow]
		for _, field := range sortedStringKeys(fields) {
			path := mapKeyPath(mapKeyPath("mappings", flow), field)
			src := fields[field]
			kind, isOrder := orderKinds[field]
			env := orderEnv(SourceOrder{})
			if !isOrder {
				var isLine bool
				if kind, isLine = lineKinds[field]; !isLine {
					return pathError(path, "unknown draft field (known: "+strings.Join(append(sortedStringKeys(orderKinds), sortedStringKeys(lineKinds)...), ", ")+")")
				}
				env = lineEnv(SourceOrder{}, SourceLine{}, 0)
			}
			prog, err := compileExpr(path, src, env, kind, fns, opts)
			if err != nil {
				return err
			}
			p := program{field: field, kind: kind, prog: prog}
			if isOrder {
				fp.order = append(fp.order, p)
			} else {
				fp.lines = append(fp.lines, p)
			}
		}
		s.compiled[flow] = fp
	}
	return s.compileProducts(fns, opts)
}

// compileExpr compiles one field expression at path against env: not empty, well-formed,
// of the field's kind, and naming only tables that exist.
func compileExpr(path, src string, env any, kind fieldKind, fns *functions, opts []expr.Option) (*vm.Program, error) {
	if strings.TrimSpace(src) == "" {
		return nil, pathError(path, `expression must not be empty (write '""' for an empty value)`)
	}
	prog, err := expr.Compile(src, append([]expr.Option{expr.Env(env)}, opts...)...)
	if err != nil {
		return nil, pathError(path, "bad expression: "+oneLine(err.Error()))
	}
	if err := checkResultType(prog, kind); err != nil {
		return nil, pathError(path, err.Error())
	}
	if err := checkLookups(prog, fns); err != nil {
		return nil, pathError(path, err.Error())
	}
	return prog, nil
}

func checkResultType(prog *vm.Program, kind fieldKind) error {
	t := prog.Node().Type()
	if t == nil || t.Kind() == reflect.Interface {
		return nil
	}
	decimalType := reflect.TypeOf(decimal.Decimal{})
	switch t.Kind() {
	case reflect.String, reflect.Int, reflect.Int64, reflect.Float64:
		return nil
	case reflect.Struct:
		if t == decimalType {
			return nil
		}
	}
	want := "text"
	if kind == decimalField {
		want = "a number"
	}
	return fmt.Errorf("expression gives %s, want %s", t, want)
}

// checkLookups makes lookup("table", …) with a literal table name fail at load when the
// table does not exist.
func checkLookups(prog *vm.Program, fns *functions) error {
	var err error
	node := prog.Node()
	ast.Find(node, func(n ast.Node) bool {
		call, ok := n.(*ast.CallNode)
		if !ok || err != nil {
			return false
		}
		if id, ok := call.Callee.(*ast.IdentifierNode); !ok || (id.Value != "lookup" && id.Value != "prefix_lookup") || len(call.Arguments) == 0 {
			return false
		}
		if name, ok := call.Arguments[0].(*ast.StringNode); ok {
			if _, found := fns.tables[name.Value]; !found {
				err = fmt.Errorf("%s: no table %q (define it under tables:)", call.Callee.(*ast.IdentifierNode).Value, name.Value)
			}
		}
		return false
	})
	return err
}

// Mapper maps source records to target drafts with one set of settings.
type Mapper struct {
	settings *Settings
	fns      *functions
}

// NewMapper returns a mapper for settings from Load or Parse.
func NewMapper(s *Settings) (*Mapper, error) {
	if s == nil {
		return nil, fmt.Errorf("new mapper: no settings")
	}
	if s.compiled == nil {
		if err := s.compile(); err != nil {
			return nil, fmt.Errorf("new mapper: %w", err)
		}
	}
	return &Mapper{settings: s, fns: newFunctions(s)}, nil
}

// Settings returns the settings the mapper applies.
func (m *Mapper) Settings() *Settings { return m.settings }

// Order maps a source order for a flow (orders-to-fortnox or orders-to-lightspeed): the field
// mappings first, then the order settings, then validation for the target. Bad data returns
// a *Error; an unknown flow is a plain error.
func (m *Mapper) Order(flow string, src SourceOrder) (OrderDraft, error) {
	fp, ok := m.settings.compiled[flow]
	if !ok {
		return OrderDraft{}, fmt.Errorf("map order %s: unknown order flow %q", src.ID, flow)
	}
	d := OrderDraft{Flow: flow, SourceID: src.ID, Total: src.Total, PricesIncludeVAT: src.VATIncl}
	if strings.TrimSpace(src.ID) == "" {
		return OrderDraft{}, dataError("id", "the source order has no id")
	}
	env := orderEnv(src)
	for _, p := range fp.order {
		v, err := expr.Run(p.prog, env)
		if err != nil {
			return OrderDraft{}, dataError(p.field, "expression failed: %s", oneLine(err.Error()))
		}
		s, err := toText(v)
		if err != nil {
			return OrderDraft{}, dataError(p.field, "%s", err.Error())
		}
		setOrderField(&d, p.field, s)
	}
	toFortnox := flow == FlowOrdersToFortnox
	var dropped []string
	for i, line := range src.Lines {
		if toFortnox && line.Quantity.IsZero() {
			dropped = append(dropped, fmt.Sprintf("lines[%d]", i))
			continue
		}
		line, err := m.pickSKU(line, i)
		if err != nil {
			return OrderDraft{}, err
		}
		ld, err := mapLine(fp.lines, src, line, i)
		if err != nil {
			return OrderDraft{}, err
		}
		ld.index, ld.misc = i, line.Misc
		if line.Misc {
			ld.SKU = "" // booked by orders.misc_lines, never by what the mapping made of its SKU
		}
		d.Lines = append(d.Lines, ld)
	}
	if len(dropped) > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("dropped %d lines of quantity 0 (%s)", len(dropped), strings.Join(dropped, ", ")))
	}
	if toFortnox {
		switch {
		case len(src.Lines) == 0:
			return OrderDraft{}, &Skip{Reason: "the sale has no lines (a deposit or an account payment): nothing to order"}
		case len(d.Lines) == 0:
			return OrderDraft{}, &Skip{Reason: fmt.Sprintf("every line of the sale has quantity 0 (%s): nothing to order", strings.Join(dropped, ", "))}
		}
		if err := m.applyLines(src, &d); err != nil {
			return OrderDraft{}, err
		}
	}
	if err := m.applySettings(flow, src, &d); err != nil {
		return OrderDraft{}, err
	}
	return d, nil
}

// Skip says a source record has nothing to write: the record is skipped with Reason, not
// needs_fix.
type Skip struct{ Reason string }

func (s *Skip) Error() string { return "skip: " + s.Reason }

// pickSKU sets the line's SKU from the first of orders.sku_fields the item has. A line read
// without its item's SKU fields (from Fortnox, or recorded before they were read) keeps its
// SKU; an item with none of them is a data error naming the item.
func (m *Mapper) pickSKU(line SourceLine, i int) (SourceLine, error) {
	if line.Misc || line.ItemSKUs == nil {
		return line, nil
	}
	fields := m.settings.Orders.SKUFields
	for _, f := range fields {
		if v := strings.TrimSpace(line.ItemSKUs[f]); v != "" {
			line.SKU = v
			return line, nil
		}
	}
	return line, dataError(fmt.Sprintf("lines[%d].sku", i), "item %s (%q) has none of %s (orders.sku_fields); give it one in Lightspeed",
		line.ItemID, line.Description, strings.Join(fields, ", "))
}

func mapLine(progs []program, src SourceOrder, line SourceLine, i int) (LineDraft, error) {
	env := lineEnv(src, line, i)
	var ld LineDraft
	for _, p := range progs {
		field := fmt.Sprintf("lines[%d].%s", i, strings.TrimPrefix(p.field, "lines."))
		v, err := expr.Run(p.prog, env)
		if err != nil {
			return LineDraft{}, dataError(field, "expression failed: %s", oneLine(err.Error()))
		}
		if p.kind == textField {
			s, err := toText(v)
			if err != nil {
				return LineDraft{}, dataError(field, "%s", err.Error())
			}
			switch p.field {
			case "lines.sku":
				ld.SKU = s
			case "lines.description":
				ld.Description = s
			}
			continue
		}
		n, err := toDecimal(v)
		if err != nil {
			return LineDraft{}, dataError(field, "%s", err.Error())
		}
		switch p.field {
		case "lines.quantity":
			ld.Quantity = n
		case "lines.unit_price":
			ld.UnitPrice = n
		case "lines.vat_percent":
			ld.VATPercent = n
		case "lines.discount":
			ld.Discount = n
		}
	}
	return ld, nil
}

func setOrderField(d *OrderDraft, field, v string) {
	section, name, _ := strings.Cut(field, ".")
	switch section {
	case "remarks":
		d.Remarks = v
	case "date":
		d.Date = v
	case "currency":
		d.Currency = v
	case "customer":
		switch name {
		case "email":
			d.Customer.Email = v
		case "name":
			d.Customer.Name = v
		case "company":
			d.Customer.Company = v
		case "org_number":
			d.Customer.OrgNumber = v
		case "phone":
			d.Customer.Phone = v
		}
	case "billing":
		setAddressField(&d.Billing, name, v)
	case "shipping":
		setAddressField(&d.Shipping, name, v)
	}
}

func setAddressField(a *Address, name, v string) {
	switch name {
	case "name":
		a.Name = v
	case "street":
		a.Street = v
	case "street2":
		a.Street2 = v
	case "postal_code":
		a.PostalCode = v
	case "city":
		a.City = v
	case "country_code":
		a.CountryCode = v
	case "country":
		a.Country = v
	}
}

// applySettings adds what the order settings decide: reference, payment, commercial
// defaults, VAT, country names and the customer.
func (m *Mapper) applySettings(flow string, src SourceOrder, d *OrderDraft) error {
	o := m.settings.Orders
	toFortnox := flow == FlowOrdersToFortnox
	d.Reference = OrderReference(flow, src.ID)
	if toFortnox {
		d.TermsOfPayment = o.TermsOfPayment
		d.WayOfDelivery = o.WayOfDelivery
		d.PriceList = o.PriceList
	}
	if d.Currency == "" {
		d.Currency = o.Currency
	}
	if len(d.Currency) != 3 || strings.ToUpper(d.Currency) != d.Currency {
		return dataError("currency", "%q is not a three-letter currency code", d.Currency)
	}
	if d.Date != "" {
		if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
			return dataError("date", "%q is not a date like 2026-11-27", d.Date)
		}
	}
	d.Cancelled = src.Cancelled
	if d.Cancelled && !toFortnox {
		return nil // only its open sale, if any, is voided: nothing else of it is written
	}
	if toFortnox && strings.EqualFold(src.ReferenceSource, FortnoxReferenceSource) && strings.TrimSpace(src.Reference) != "" {
		return m.applyPickup(src, d)
	}
	if err := m.applyPayment(toFortnox, src, d); err != nil {
		return err
	}
	if len(d.Lines) == 0 {
		return dataError("lines", "the order has no lines")
	}
	for _, l := range d.Lines {
		if strings.TrimSpace(l.SKU) == "" && l.Account == "" {
			return dataError(fmt.Sprintf("lines[%d].sku", l.index), "the line has no SKU")
		}
		if l.VATPercent.IsNegative() {
			return dataError(fmt.Sprintf("lines[%d].vat_percent", l.index), "negative VAT %s%%", l.VATPercent)
		}
	}
	applyVAT(o.VATIncluded, d)
	if toFortnox {
		if err := roundForFortnox(src, d); err != nil {
			return err
		}
		cleanForFortnox(d)
	}
	if err := m.applyCountry("billing", &d.Billing, toFortnox); err != nil {
		return err
	}
	if err := m.applyCountry("shipping", &d.Shipping, toFortnox); err != nil {
		return err
	}
	if err := m.applyCustomer(toFortnox, d); err != nil {
		return err
	}
	if toFortnox {
		return validateForFortnox(d)
	}
	return nil
}

// applyPickup drafts the settling of the Fortnox order that a sale paid at the till came
// from. That order has its customer and addresses already, so neither is checked here;
// commit compares the sale's lines with the order's rows. Invoicing needs the mode of
// payment the invoice is paid in.
func (m *Mapper) applyPickup(src SourceOrder, d *OrderDraft) error {
	mode := m.settings.Orders.OnPickup
	d.Pickup = &Pickup{Order: strings.TrimSpace(src.Reference), Mode: mode}
	if mode != PickupInvoice {
		return nil
	}
	if err := m.applyPayment(true, src, d); err != nil {
		return err
	}
	if d.ModeOfPayment == "" {
		return dataError("payment_method", "the sale has no payment to pay Fortnox order %s's invoice with, and orders.default_mode_of_payment is not set", d.Pickup.Order)
	}
	return nil
}

// applyPayment maps the payment method of the largest payment.
func (m *Mapper) applyPayment(toFortnox bool, src SourceOrder, d *OrderDraft) error {
	var method string
	var largest decimal.Decimal
	for _, p := range src.Payments {
		if strings.TrimSpace(p.Method) == "" {
			continue
		}
		if method == "" || p.Amount.Abs().GreaterThan(largest) {
			method, largest = strings.TrimSpace(p.Method), p.Amount.Abs()
		}
	}
	d.PaymentMethod = method
	o := m.settings.Orders
	table, def, setting, target := o.PaymentMethods, o.DefaultModeOfPayment, "orders.payment_methods", "Fortnox mode of payment"
	if !toFortnox {
		table, def, setting, target = o.ModesOfPayment, o.DefaultPaymentType, "orders.modes_of_payment", "Lightspeed payment type"
	}
	if method == "" {
		d.ModeOfPayment = def
		return nil
	}
	if v, ok := table[method]; ok {
		d.ModeOfPayment = v
		return nil
	}
	if def == "" {
		return dataError("payment_method", "payment method %q has no %s in %s and there is no default", method, target, setting)
	}
	d.ModeOfPayment = def
	return nil
}

// applyVAT converts line prices when the target wants them with or without VAT and the
// source sent them the other way. Removing VAT rounds to 4 decimals.
func applyVAT(mode string, d *OrderDraft) {
	want := d.PricesIncludeVAT
	switch mode {
	case VATIncluded:
		want = true
	case VATExcluded:
		want = false
	}
	if want == d.PricesIncludeVAT {
		return
	}
	for i := range d.Lines {
		l := &d.Lines[i]
		factor := hundred.Add(l.VATPercent).Div(hundred)
		if want {
			l.UnitPrice = l.UnitPrice.Mul(factor)
		} else {
			l.UnitPrice = l.UnitPrice.DivRound(factor, 4)
		}
	}
	d.PricesIncludeVAT = want
}

// applyCountry fills the code from the name and, for Fortnox, the name Fortnox accepts.
func (m *Mapper) applyCountry(field string, a *Address, toFortnox bool) error {
	if a.CountryCode == "" && a.Country != "" {
		a.CountryCode = m.fns.countryCode(a.Country)
	}
	if !toFortnox || (a.CountryCode == "" && a.Country == "") {
		return nil
	}
	if a.CountryCode == "" {
		return dataError(field+".country", "Fortnox does not know the country %q; add it under orders.countries or orders.country_aliases", a.Country)
	}
	name := m.fns.countryName(a.CountryCode)
	if name == "" {
		return dataError(field+".country_code", "no Fortnox country name for code %q; add it under orders.countries", a.CountryCode)
	}
	a.CountryCode = strings.ToUpper(a.CountryCode)
	a.Country = name
	return nil
}

// applyCustomer decides between the record's own customer, the default customer and, for
// a Fortnox order without e-mail and without a default, the walk-in customer.
func (m *Mapper) applyCustomer(toFortnox bool, d *OrderDraft) error {
	o := m.settings.Orders
	def, setting := o.DefaultCustomer.Fortnox, "orders.default_customer.fortnox"
	if !toFortnox {
		def, setting = o.DefaultCustomer.Lightspeed, "orders.default_customer.lightspeed"
	}
	c := &d.Customer
	c.Email = strings.TrimSpace(c.Email)
	switch {
	case o.ForceDefaultCustomer:
		if def == "" {
			return dataError("customer", "force_default_customer is on but %s is not set", setting)
		}
		c.UseDefault, c.DefaultID = true, def
	case c.Email == "" && def != "":
		c.UseDefault, c.DefaultID = true, def
	case c.Email == "" && toFortnox && o.WalkInCustomer != "":
		c.WalkIn = o.WalkInCustomer
	case c.Email == "":
		if toFortnox {
			return dataError("customer.email", "the order has no customer e-mail, and neither %s nor orders.walk_in_customer is set", setting)
		}
		return dataError("customer.email", "the order has no customer e-mail and %s is not set", setting)
	case !strings.Contains(c.Email, "@") || strings.ContainsAny(c.Email, " \t<>,;"):
		return dataError("customer.email", "not an e-mail address")
	case c.Name == "" && c.Company == "":
		return dataError("customer.name", "the customer has neither a name nor a company")
	}
	return nil
}

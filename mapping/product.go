package mapping

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"
)

// SourceArticle is a Fortnox article as the product expressions see it (`article.*`).
// Price is the first tier of products.price_list, excl. VAT; HasPrice and HasVAT say
// whether Fortnox had a value at all (real article listings send null prices and VAT).
type SourceArticle struct {
	Number             string          `json:"number" expr:"number"`
	Description        string          `json:"description" expr:"description"`
	EAN                string          `json:"ean" expr:"ean"`
	Unit               string          `json:"unit" expr:"unit"`
	Manufacturer       string          `json:"manufacturer" expr:"manufacturer"`
	ManufacturerNumber string          `json:"manufacturer_article_number" expr:"manufacturer_article_number"`
	Note               string          `json:"note" expr:"note"`
	StockPlace         string          `json:"stock_place" expr:"stock_place"`
	Type               string          `json:"type" expr:"type"` // STOCK or SERVICE
	Price              decimal.Decimal `json:"price" expr:"price"`
	HasPrice           bool            `json:"has_price" expr:"has_price"`
	PurchasePrice      decimal.Decimal `json:"purchase_price" expr:"purchase_price"`
	VAT                decimal.Decimal `json:"vat" expr:"vat"`
	HasVAT             bool            `json:"has_vat" expr:"has_vat"`
	Weight             decimal.Decimal `json:"weight" expr:"weight"`
	// Stock is the article register's stock (in stock, available); nil with the warehouse
	// module, whose stock is per stock point and left to the stock flow.
	Stock   *StockFigures `json:"stock,omitempty" expr:"stock"`
	Active  bool          `json:"active" expr:"active"`
	Expired bool          `json:"expired" expr:"expired"`
	Webshop bool          `json:"webshop" expr:"webshop"`
}

// FamilyEnv is the family of the article being mapped (`family.*`).
type FamilyEnv struct {
	Key  string `expr:"key"`  // the family group ("TS"); the SKU of a single article
	Name string `expr:"name"` // the words the members' descriptions start with alike
}

// ProductDraft is one record of the products flow: a family of variants (one Lightspeed
// matrix) or one single article, mapped and validated for Lightspeed.
type ProductDraft struct {
	Key    string `json:"key"`
	Family bool   `json:"family"`
	// Name is the matrix description of a family.
	Name     string `json:"name,omitempty"`
	Category string `json:"category,omitempty"` // a path, "Kläder/T-shirts"
	// AttributeSet names the matrix's Lightspeed attribute set.
	AttributeSet string      `json:"attribute_set,omitempty"`
	Items        []ItemDraft `json:"items"`
	// Problems are the articles that cannot be synced as they are, one line each; their
	// items are left alone and the others synced.
	Problems []string `json:"problems,omitempty"`
}

// SKUs lists the SKUs of the draft's items.
func (d ProductDraft) SKUs() []string {
	out := make([]string, 0, len(d.Items))
	for _, it := range d.Items {
		out = append(out, it.SKU)
	}
	return out
}

// ItemDraft is one Lightspeed item as the article maps to it. Price is the amount at the
// price level, with VAT when products.price_includes_vat is on.
type ItemDraft struct {
	SKU              string            `json:"sku"`
	Name             string            `json:"name"`
	ShortDescription string            `json:"short_description,omitempty"`
	LongDescription  string            `json:"long_description,omitempty"`
	EAN              string            `json:"ean,omitempty"`
	Price            decimal.Decimal   `json:"price"`
	Cost             decimal.Decimal   `json:"cost"`
	VAT              decimal.Decimal   `json:"vat"`
	TaxClass         string            `json:"tax_class,omitempty"`
	Attributes       [3]string         `json:"attributes"`
	Features         map[string]string `json:"features,omitempty"`
	// Stock is the article's Fortnox stock for the quantity a new item starts with (nil: none
	// is sent, the stock flow writes it).
	Stock *StockFigures `json:"stock,omitempty"`
	// Archive says the article is inactive or expired and products.archive_inactive is on;
	// Active that it is neither and the setting is on, so an archived item comes back.
	// With the setting off, archiving is the shop's business.
	Archive bool `json:"archive,omitempty"`
	Active  bool `json:"active,omitempty"`
}

// Lightspeed limits the draft is checked against.
const (
	lightspeedNameMax = 255
)

// productPrograms are the compiled product expressions.
type productPrograms struct {
	fields     map[string]*vm.Program // mappings.products
	attributes [3]*vm.Program         // products.attributes, nil where unset
	features   map[string]*vm.Program
	grouping   *regexp.Regexp // nil for rule none
}

// productFieldKinds are the fields mappings.products sets.
func productFieldKinds() map[string]fieldKind {
	return map[string]fieldKind{
		"name": textField, "description": textField, "long_description": textField,
		"family_name": textField, "price": decimalField, "cost": decimalField,
		"ean": textField, "category": textField,
	}
}

func productEnv(a SourceArticle, groups map[string]string, fam FamilyEnv) map[string]any {
	if groups == nil {
		groups = map[string]string{}
	}
	return map[string]any{"article": a, "group": groups, "family": fam}
}

func (s *Settings) compileProducts(fns *functions, opts []expr.Option) error {
	pp := &productPrograms{fields: map[string]*vm.Program{}, features: map[string]*vm.Program{}}
	env := productEnv(SourceArticle{}, nil, FamilyEnv{})
	if s.Products.VariantGrouping.Rule == GroupingPattern {
		pp.grouping = regexp.MustCompile(s.Products.VariantGrouping.Pattern) // checked by validate
	}
	var groups []string
	if pp.grouping != nil {
		for _, name := range pp.grouping.SubexpNames() {
			if name != "" {
				groups = append(groups, name)
			}
		}
	}
	compile := func(path, src string, kind fieldKind) (*vm.Program, error) {
		prog, err := compileExpr(path, src, env, kind, fns, opts)
		if err != nil || pp.grouping == nil { // without families, groups are never read
			return prog, err
		}
		if err := checkGroups(prog, groups); err != nil {
			return nil, pathError(path, err.Error())
		}
		return prog, nil
	}
	kinds := productFieldKinds()
	fields := s.Mappings[FlowProducts]
	for _, field := range sortedStringKeys(fields) {
		path := mapKeyPath(mapKeyPath("mappings", FlowProducts), field)
		kind, ok := kinds[field]
		if !ok {
			return pathError(path, "unknown product field (known: "+strings.Join(sortedStringKeys(kinds), ", ")+")")
		}
		prog, err := compile(path, fields[field], kind)
		if err != nil {
			return err
		}
		pp.fields[field] = prog
	}
	for _, field := range sortedStringKeys(kinds) {
		if pp.fields[field] == nil {
			return pathError(mapKeyPath(mapKeyPath("mappings", FlowProducts), field), "must be set (write '\"\"' for an empty value)")
		}
	}
	for i, slot := range []string{"attribute1", "attribute2", "attribute3"} {
		src, ok := s.Products.Attributes[slot]
		if !ok {
			continue
		}
		prog, err := compile(mapKeyPath("products.attributes", slot), src, textField)
		if err != nil {
			return err
		}
		pp.attributes[i] = prog
	}
	for _, name := range sortedStringKeys(s.Products.Features) {
		prog, err := compile(mapKeyPath("products.features", name), s.Products.Features[name], textField)
		if err != nil {
			return err
		}
		pp.features[name] = prog
	}
	s.products = pp
	return nil
}

// checkGroups makes group.<name> fail at load when the variant pattern has no such named
// group (a misspelt group is empty on every article).
func checkGroups(prog *vm.Program, groups []string) error {
	var err error
	ast.Find(prog.Node(), func(n ast.Node) bool {
		m, ok := n.(*ast.MemberNode)
		if !ok || err != nil {
			return false
		}
		id, ok := m.Node.(*ast.IdentifierNode)
		name, isName := m.Property.(*ast.StringNode)
		if ok && isName && id.Value == "group" && !slices.Contains(groups, name.Value) {
			err = fmt.Errorf("group.%s: no such group (the variant pattern's groups are %s)", name.Value, strings.Join(groups, ", "))
		}
		return false
	})
	return err
}

// FamilyOf returns the family key of an article number and the named groups of its match;
// ok is false for an article that is its own item.
func (m *Mapper) FamilyOf(number string) (key string, groups map[string]string, ok bool) {
	re := m.settings.products.grouping
	if re == nil {
		return "", nil, false
	}
	match := re.FindStringSubmatch(number)
	if match == nil {
		return "", nil, false
	}
	groups = map[string]string{}
	for i, name := range re.SubexpNames() {
		if name != "" {
			groups[name] = match[i]
		}
	}
	if groups["family"] == "" {
		return "", nil, false
	}
	return groups["family"], groups, true
}

// FamilyRecordSuffix ends the key of a family's record ("TS*": every TS article), so a
// family never shares its record with a single article whose number is the family's name.
const FamilyRecordSuffix = "*"

// RecordKey is the products record an article number belongs to: its family ("TS*"), or
// its own number. Under rule field the number alone does not say: see RecordKeyOf.
func (m *Mapper) RecordKey(number string) string {
	if key, _, ok := m.FamilyOf(number); ok {
		return key + FamilyRecordSuffix
	}
	return number
}

// FamilyField is the article field families are grouped by, "" unless the rule is field.
func (m *Mapper) FamilyField() string {
	if g := m.settings.Products.VariantGrouping; g.Rule == GroupingField {
		return g.Field
	}
	return ""
}

// RecordKeyOf is the products record an article belongs to: under rule field its family is
// the value of the field ("STYLE-1*"); an article without one, or with one that cannot be
// a workflow id's part (a space or colon), is its own record.
func (m *Mapper) RecordKeyOf(a SourceArticle) string {
	field := m.FamilyField()
	if field == "" {
		return m.RecordKey(a.Number)
	}
	if v := strings.TrimSpace(a.FieldValue(field)); v != "" && !strings.ContainsAny(v, ": \t\n") {
		return v + FamilyRecordSuffix
	}
	return a.Number
}

// FieldValue is the value of one of FamilyFields.
func (a SourceArticle) FieldValue(field string) string {
	if field == "manufacturer_article_number" {
		return a.ManufacturerNumber
	}
	return ""
}

// FamilyOfKey returns the family a record key names, and false for a single article's key.
func FamilyOfKey(key string) (string, bool) {
	if f, ok := strings.CutSuffix(key, FamilyRecordSuffix); ok && f != "" {
		return f, true
	}
	return "", false
}

// Product maps the articles of one record (a family's members, or one article) to a draft.
// An article whose data cannot go to Lightspeed is a line in Problems and has no item; an
// error is returned only when the record as a whole cannot be mapped.
func (m *Mapper) Product(key string, articles []SourceArticle) (ProductDraft, error) {
	if strings.TrimSpace(key) == "" {
		return ProductDraft{}, dataError("key", "the product record has no key")
	}
	if len(articles) == 0 {
		return ProductDraft{}, dataError("articles", "no Fortnox article belongs to %s", key)
	}
	articles = slices.Clone(articles)
	sort.Slice(articles, func(i, j int) bool { return articles[i].Number < articles[j].Number })
	pp, ps := m.settings.products, m.settings.Products
	d := ProductDraft{Key: key}
	fam := FamilyEnv{Key: key}
	if family, ok := FamilyOfKey(key); ok {
		d.Family, d.AttributeSet, fam.Key = true, ps.AttributeSet, family
		var names []string
		for _, a := range articles {
			names = append(names, a.Description)
		}
		fam.Name = commonWords(names)
	}
	for i, a := range articles {
		if got := m.RecordKeyOf(a); got != key {
			d.Problems = append(d.Problems, fmt.Sprintf("article %s: belongs to record %s, not %s", a.Number, got, key))
			continue
		}
		_, groups, _ := m.FamilyOf(a.Number)
		env := productEnv(a, groups, fam)
		text := func(field string) (string, error) { return runText(field, pp.fields[field], env) }
		number := func(field string) (decimal.Decimal, error) {
			v, err := expr.Run(pp.fields[field], env)
			if err != nil {
				return decimal.Decimal{}, fmt.Errorf("%s: expression failed: %s", field, oneLine(err.Error()))
			}
			n, err := toDecimal(v)
			if err != nil {
				return decimal.Decimal{}, fmt.Errorf("%s: %s", field, err)
			}
			return n, nil
		}
		it, category, familyName, err := m.productItem(a, d.Family, env, text, number)
		if err != nil {
			d.Problems = append(d.Problems, fmt.Sprintf("article %s: %s", a.Number, err))
			continue
		}
		if i == 0 || d.Category == "" {
			d.Category = category
		}
		if d.Family && d.Name == "" {
			d.Name = familyName
		}
		d.Items = append(d.Items, it)
	}
	if d.Family && d.Name == "" && len(d.Items) > 0 {
		d.Name = fam.Key
	}
	if d.Family && len([]rune(d.Name)) > lightspeedNameMax {
		return ProductDraft{}, dataError("family_name", "%q is longer than Lightspeed's %d characters", d.Name, lightspeedNameMax)
	}
	return d, nil
}

// productItem maps one article; the error is the article's problem.
func (m *Mapper) productItem(a SourceArticle, family bool, env map[string]any, text func(string) (string, error),
	number func(string) (decimal.Decimal, error)) (it ItemDraft, category, familyName string, err error) {
	ps, pp := m.settings.Products, m.settings.products
	it = ItemDraft{SKU: strings.TrimSpace(a.Number)}
	if it.SKU == "" {
		return it, "", "", fmt.Errorf("no article number")
	}
	if it.Name, err = text("name"); err != nil {
		return
	}
	if it.Name == "" {
		return it, "", "", fmt.Errorf("name: the article has no description")
	}
	if n := len([]rune(it.Name)); n > lightspeedNameMax {
		return it, "", "", fmt.Errorf("name: %d characters, Lightspeed takes at most %d", n, lightspeedNameMax)
	}
	if it.ShortDescription, err = text("description"); err != nil {
		return
	}
	if it.LongDescription, err = text("long_description"); err != nil {
		return
	}
	if it.EAN, err = text("ean"); err != nil {
		return
	}
	if it.EAN != "" && !ValidGTIN(it.EAN) {
		return it, "", "", fmt.Errorf("ean: %q is not a valid EAN/GTIN (8, 12, 13 or 14 digits with a correct check digit)", it.EAN)
	}
	if category, err = text("category"); err != nil {
		return
	}
	if familyName, err = text("family_name"); err != nil {
		return
	}
	if !a.HasPrice {
		return it, "", "", fmt.Errorf("price: no price in Fortnox price list %s", ps.PriceList)
	}
	var net decimal.Decimal
	if net, err = number("price"); err != nil {
		return
	}
	if net.IsNegative() {
		return it, "", "", fmt.Errorf("price: %s is negative", net)
	}
	if it.Cost, err = number("cost"); err != nil {
		return
	}
	it.VAT = a.VAT
	if ps.PriceIncludesVAT {
		if !a.HasVAT {
			return it, "", "", fmt.Errorf("vat: Fortnox has no VAT rate for the article, so the price incl. VAT is unknown")
		}
		it.Price = net.Mul(decimal.NewFromInt(100).Add(a.VAT)).Div(decimal.NewFromInt(100)).Round(2)
	} else {
		it.Price = net.Round(2)
	}
	if len(ps.TaxClasses) > 0 && a.HasVAT {
		it.TaxClass = ps.TaxClasses[a.VAT.String()]
		if it.TaxClass == "" {
			return it, "", "", fmt.Errorf("vat: no Lightspeed tax class for %s%% VAT in products.tax_classes", a.VAT)
		}
	}
	for i, prog := range pp.attributes {
		if prog == nil || !family { // a single item has no attributes
			continue
		}
		if it.Attributes[i], err = runText(fmt.Sprintf("attribute%d", i+1), prog, env); err != nil {
			return it, "", "", err
		}
	}
	for name, prog := range pp.features {
		v, err := runText("features."+name, prog, env)
		if err != nil {
			return it, "", "", err
		}
		if v != "" {
			if it.Features == nil {
				it.Features = map[string]string{}
			}
			it.Features[name] = v
		}
	}
	it.Stock = a.Stock
	it.Archive = ps.ArchiveInactive && (!a.Active || a.Expired)
	it.Active = ps.ArchiveInactive && !it.Archive
	return it, category, familyName, nil
}

// runText runs a text expression and trims its result; the error names field.
func runText(field string, prog *vm.Program, env map[string]any) (string, error) {
	v, err := expr.Run(prog, env)
	if err != nil {
		return "", fmt.Errorf("%s: expression failed: %s", field, oneLine(err.Error()))
	}
	s, err := toText(v)
	if err != nil {
		return "", fmt.Errorf("%s: %s", field, err)
	}
	return strings.TrimSpace(s), nil
}

// commonWords is the longest run of leading words all names share ("T-shirt bomull svart
// M" and "T-shirt bomull vit L" give "T-shirt bomull").
func commonWords(names []string) string {
	if len(names) == 0 {
		return ""
	}
	common := strings.Fields(names[0])
	for _, n := range names[1:] {
		words := strings.Fields(n)
		i := 0
		for i < len(common) && i < len(words) && common[i] == words[i] {
			i++
		}
		common = common[:i]
	}
	return strings.Join(common, " ")
}

// ValidGTIN checks an EAN-8, UPC-A (12), EAN-13 or GTIN-14 and its check digit.
func ValidGTIN(s string) bool {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return false
	}
	sum := 0
	for i := range len(s) {
		c := s[len(s)-1-i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i > 0 && i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return sum%10 == 0
}

package lightspeed

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// filter is one condition "field=op,value": ops are =, >, >=, <, <=, ><, !=, ~, !~, IN.
type filter struct {
	field  string // "Rel.field" for relation filters
	op     string
	values []string
}

type listQuery struct {
	filters   []filter
	ors       [][]filter
	sortField string
	desc      bool
	sortGiven bool
	limit     int
	limitSet  bool
	after     []any
	before    []any
	count     bool
	rels      relSet
	archived  string
}

// reservedParam reports whether a query parameter is paging or relation control, not a filter.
func reservedParam(name string) bool {
	switch name {
	case "limit", "sort", "after", "before", "count", "load_relations", "archived", "archive", "or", "pretty_print":
		return true
	}
	return false
}

// parseRelations reads load_relations: a JSON array of names or "all".
func parseRelations(def *entityDef, raw string) (relSet, error) {
	rels := relSet{}
	if raw == "" {
		return rels, nil
	}
	if raw == "all" {
		for name, rel := range def.relations {
			if !strings.HasPrefix(name, "CustomFieldValues") || rel.modelled {
				rels[name] = true
			}
		}
		return rels, nil
	}
	var names []string
	if err := json.Unmarshal([]byte(raw), &names); err != nil {
		return nil, badRequest("load_relations must be a JSON array of relation names such as [\"ItemShops\"] or \"all\", got %q.", raw)
	}
	for _, n := range names {
		if _, ok := def.relations[n]; !ok {
			return nil, badRequest("Invalid relation '%s' for %s. Valid relations: %s.", n, def.name, strings.Join(sortedRelations(def), ", "))
		}
		rels[n] = true
	}
	return rels, nil
}

func sortedRelations(def *entityDef) []string {
	names := make([]string, 0, len(def.relations))
	for n := range def.relations {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// parseQuery reads the query string of a request on def; list is false for single records,
// which take only load_relations.
func (s *Server) parseQuery(def *entityDef, u *url.URL, list bool) (*listQuery, error) {
	vals := u.Query()
	q := &listQuery{limit: 100, sortField: def.idField, archived: "false"}
	var err error
	if q.rels, err = parseRelations(def, vals.Get("load_relations")); err != nil {
		return nil, err
	}
	if !list {
		return q, nil
	}
	if c := vals.Get("count"); c != "" {
		if c != "1" && c != "true" {
			return nil, badRequest("count must be 1, got %q.", c)
		}
		for _, p := range []string{"limit", "sort", "after", "before"} {
			if vals.Has(p) {
				return nil, badRequest("count cannot be combined with %s.", p)
			}
		}
		q.count = true
	}
	if l := vals.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 || n > 100 {
			return nil, badRequest("limit must be an integer between 0 and 100, got %q.", l)
		}
		q.limit, q.limitSet = n, true
	}
	if so := vals.Get("sort"); so != "" {
		field := strings.TrimPrefix(so, "-")
		if !contains(def.sortable, field) {
			return nil, badRequest("Cannot sort %s by '%s'. Sortable fields: %s.", def.name, field, strings.Join(def.sortable, ", "))
		}
		q.sortField, q.desc, q.sortGiven = field, strings.HasPrefix(so, "-"), true
	}
	for _, p := range []string{"after", "before"} {
		raw := vals.Get(p)
		if raw == "" {
			continue
		}
		key, err := decodeCursor(raw)
		if err != nil {
			return nil, badRequest("Invalid '%s' cursor; follow the @attributes next/previous URLs instead of building one.", p)
		}
		if p == "after" {
			q.after = key
		} else {
			q.before = key
		}
	}
	if a := vals.Get("archived"); a != "" {
		switch a {
		case "true", "1":
			q.archived = "true"
		case "false", "0":
			q.archived = "false"
		case "only":
			q.archived = "only"
		default:
			return nil, badRequest("archived must be true, false or only, got %q.", a)
		}
	}
	for name, vs := range vals {
		if reservedParam(name) {
			continue
		}
		for _, v := range vs {
			f, err := s.parseFilter(def, q.rels, name, v)
			if err != nil {
				return nil, err
			}
			q.filters = append(q.filters, f)
		}
	}
	sort.Slice(q.filters, func(i, j int) bool { return q.filters[i].field < q.filters[j].field })
	for _, raw := range orParams(u.RawQuery) {
		var group []filter
		for _, part := range raw {
			name, value, ok := strings.Cut(part, "=")
			if !ok || name == "" {
				return nil, badRequest("or expressions look like or=field%%3Dvalue|field%%3Dvalue, got %q.", part)
			}
			f, err := s.parseFilter(def, q.rels, name, value)
			if err != nil {
				return nil, err
			}
			group = append(group, f)
		}
		q.ors = append(q.ors, group)
	}
	return q, nil
}

// orParams splits each raw "or" parameter on unencoded pipes (a literal pipe is %7C); a
// client that encoded the separators too gets them split after decoding.
func orParams(rawQuery string) [][]string {
	var out [][]string
	for _, kv := range strings.Split(rawQuery, "&") {
		rawName, rawValue, _ := strings.Cut(kv, "=")
		if name, err := url.QueryUnescape(rawName); err != nil || name != "or" {
			continue
		}
		var parts []string
		if strings.Contains(rawValue, "|") {
			for _, p := range strings.Split(rawValue, "|") {
				d, err := url.QueryUnescape(p)
				if err != nil {
					d = p
				}
				parts = append(parts, d)
			}
		} else {
			d, err := url.QueryUnescape(rawValue)
			if err != nil {
				d = rawValue
			}
			parts = strings.Split(d, "|")
		}
		out = append(out, parts)
	}
	return out
}

func (s *Server) parseFilter(def *entityDef, rels relSet, name, raw string) (filter, error) {
	k, err := s.filterKind(def, rels, name)
	if err != nil {
		return filter{}, err
	}
	f := filter{field: name, op: "="}
	value := raw
	for _, op := range []string{"><", ">=", "<=", "!=", "!~", "IN", ">", "<", "~", "="} {
		if rest, ok := strings.CutPrefix(raw, op+","); ok {
			f.op, value = op, rest
			break
		}
	}
	switch f.op {
	case "><":
		a, b, ok := strings.Cut(value, ",")
		if !ok {
			return filter{}, badRequest("%s: the between operator takes two values, ><,from,to.", name)
		}
		f.values = []string{a, b}
	case "IN":
		inner := strings.TrimSpace(value)
		if !strings.HasPrefix(inner, "[") || !strings.HasSuffix(inner, "]") {
			return filter{}, badRequest("%s: IN takes a bracketed list, IN,[a,b].", name)
		}
		inner = strings.TrimSpace(inner[1 : len(inner)-1])
		if inner != "" {
			for _, v := range strings.Split(inner, ",") {
				v = strings.TrimSpace(v)
				if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
					v = v[1 : len(v)-1]
				}
				f.values = append(f.values, v)
			}
		}
		if len(f.values) > 100 {
			return filter{}, badRequest("%s: IN takes at most 100 values, got %d.", name, len(f.values))
		}
	default:
		f.values = []string{value}
	}
	if name == "itemCode" && f.op != "=" && f.op != "IN" {
		return filter{}, badRequest("itemCode supports only =, IN and or.")
	}
	for i, v := range f.values {
		switch k {
		case kTime:
			if f.op == "~" || f.op == "!~" {
				continue
			}
			t, ok := parseFilterTime(v)
			if !ok {
				return filter{}, badRequest("%s: %q is not a date and time like 2024-01-31T12:00:00+00:00.", name, v)
			}
			f.values[i] = wireTime(t)
		case kBool:
			switch strings.ToLower(v) {
			case "1", "true":
				f.values[i] = "true"
			case "0", "false":
				f.values[i] = "false"
			default:
				return filter{}, badRequest("%s: %q is not true or false.", name, v)
			}
		case kInt, kDecimal:
			if f.op == "~" || f.op == "!~" {
				continue
			}
			if _, err := decimal.NewFromString(v); err != nil {
				return filter{}, badRequest("%s: %q is not a number.", name, v)
			}
		}
	}
	return f, nil
}

// contactFilterFields are the filterable Contact fields, including the pseudo-fields the
// search docs name (email, phoneHome …).
func contactFilterFields() []string {
	return []string{"email", "phoneHome", "phoneWork", "mobile", "pager", "fax", "address1", "address2",
		"city", "state", "zip", "country", "countryCode", "custom", "noEmail", "noPhone", "noMail", "contactID", "timeStamp", "url"}
}

// filterKind validates a filter's field (and that a relation filter's relation is loaded)
// and returns how to compare it.
func (s *Server) filterKind(def *entityDef, rels relSet, name string) (kind, error) {
	if name == "itemCode" && def.name == "Item" {
		return kString, nil
	}
	rel, sub, dotted := strings.Cut(name, ".")
	if !dotted {
		f, ok := def.byName[name]
		if !ok {
			return 0, badRequest("Invalid query parameter '%s' for %s: not a field of %s.", name, def.name, def.name)
		}
		return f.kind, nil
	}
	if _, ok := def.relations[rel]; !ok {
		return 0, badRequest("Invalid query parameter '%s' for %s: %s is not a relation of %s.", name, def.name, rel, def.name)
	}
	if strings.Contains(sub, ".") {
		return 0, badRequest("Invalid query parameter '%s': relation filters go one level deep only.", name)
	}
	if !rels[rel] {
		return 0, badRequest("To filter on '%s' the relation must be loaded: add load_relations=[\"%s\"].", name, rel)
	}
	switch target := relationTarget(def.name, rel); target {
	case "Contact":
		if contains(contactFilterFields(), sub) {
			return kString, nil
		}
	case "ItemAttributes":
		if contains([]string{"attribute1", "attribute2", "attribute3", "itemAttributeSetID"}, sub) {
			return kString, nil
		}
	case "":
	default:
		if f, ok := s.defs[target].byName[sub]; ok {
			return f.kind, nil
		}
	}
	return 0, badRequest("Invalid query parameter '%s': %s has no field '%s'.", name, rel, sub)
}

// relationTarget names the entity a relation holds; "Contact" and "ItemAttributes" are
// nested objects rather than entities.
func relationTarget(entity, rel string) string {
	switch rel {
	case "ItemShops":
		return "ItemShop"
	case "Items":
		return "Item"
	case "SaleLines":
		return "SaleLine"
	case "SalePayments":
		return "SalePayment"
	case "Registers":
		return "Register"
	case "Parent":
		return "Category"
	case "Category", "TaxClass", "CustomerType", "Customer", "Shop", "PriceLevel", "PaymentType", "ItemAttributeSet",
		"Item", "Contact", "ItemAttributes":
		return rel
	}
	return ""
}

// relatedRecordsLocked returns the records a relation filter looks at. Contact yields one
// record per e-mail address so that Contact.email matches any of them.
func (s *Server) relatedRecordsLocked(entity string, rec record, rel string) []record {
	st := s.st
	def := s.defs[entity]
	id := rec.int(def.idField)
	one := func(target, fk string) []record {
		if r := st.get(target, rec.int(fk)); r != nil {
			return []record{r}
		}
		return nil
	}
	switch entity + "." + rel {
	case "Item.ItemShops":
		var out []record
		for _, isID := range st.itemShops[id] {
			out = append(out, st.get("ItemShop", isID))
		}
		return out
	case "Item.ItemAttributes":
		if a := st.attrs[id]; a != nil {
			return []record{{"attribute1": a.values[0], "attribute2": a.values[1], "attribute3": a.values[2], "itemAttributeSetID": strconv.Itoa(a.setID)}}
		}
	case "Item.Category", "ItemMatrix.Category":
		return one("Category", "categoryID")
	case "Item.TaxClass", "ItemMatrix.TaxClass":
		return one("TaxClass", "taxClassID")
	case "ItemMatrix.ItemAttributeSet":
		return one("ItemAttributeSet", "itemAttributeSetID")
	case "ItemMatrix.Items":
		var out []record
		for _, itemID := range s.matrixItemsLocked(id) {
			out = append(out, st.get("Item", itemID))
		}
		return out
	case "Customer.Contact":
		return contactRecords(st.contacts[id])
	case "Customer.CustomerType":
		return one("CustomerType", "customerTypeID")
	case "Sale.SaleLines":
		var out []record
		for _, l := range st.saleLines[id] {
			out = append(out, st.get("SaleLine", l))
		}
		return out
	case "Sale.SalePayments":
		var out []record
		for _, p := range st.salePayments[id] {
			out = append(out, st.get("SalePayment", p))
		}
		return out
	case "Sale.Customer":
		return one("Customer", "customerID")
	case "Sale.Shop", "ItemShop.Shop", "Register.Shop":
		return one("Shop", "shopID")
	case "Category.Parent":
		return one("Category", "parentID")
	case "Shop.Registers":
		var out []record
		for _, rid := range st.tables["Register"].ids {
			if r := st.get("Register", rid); r.int("shopID") == id {
				out = append(out, r)
			}
		}
		return out
	case "Shop.PriceLevel":
		return one("PriceLevel", "priceLevelID")
	case "ItemShop.Item", "SaleLine.Item":
		return one("Item", "itemID")
	case "SalePayment.PaymentType":
		return one("PaymentType", "paymentTypeID")
	}
	return nil
}

func contactRecords(c *contact) []record {
	if c == nil {
		return nil
	}
	base := record{"contactID": strconv.Itoa(c.id), "custom": c.custom, "noEmail": c.noEmail, "noPhone": c.noPhone,
		"noMail": c.noMail, "timeStamp": c.timeStamp, "email": ""}
	phoneKeys := map[string]string{"Home": "phoneHome", "Work": "phoneWork", "Mobile": "mobile", "Pager": "pager", "Fax": "fax"}
	for _, p := range c.phones {
		base[phoneKeys[p["useType"]]] = p["number"]
	}
	if len(c.addresses) > 0 {
		for _, k := range []string{"address1", "address2", "city", "state", "zip", "country", "countryCode"} {
			base[k] = c.addresses[0][k]
		}
	}
	if len(c.websites) > 0 {
		base["url"] = c.websites[0]["url"]
	}
	out := []record{base}
	for i, e := range c.emails {
		if i == 0 {
			base["email"] = e["address"]
			continue
		}
		out = append(out, record{"email": e["address"]})
	}
	return out
}

// matchesLocked applies every filter (AND) and every or-group to rec.
func (s *Server) matchesLocked(def *entityDef, rec record, q *listQuery) bool {
	if def.archived {
		arch := rec["archived"] == "true"
		switch q.archived {
		case "false":
			if arch {
				return false
			}
		case "only":
			if !arch {
				return false
			}
		}
	}
	for _, f := range q.filters {
		if !s.filterMatchesLocked(def, rec, f) {
			return false
		}
	}
	for _, group := range q.ors {
		any := false
		for _, f := range group {
			if s.filterMatchesLocked(def, rec, f) {
				any = true
				break
			}
		}
		if !any {
			return false
		}
	}
	return true
}

func (s *Server) filterMatchesLocked(def *entityDef, rec record, f filter) bool {
	if f.field == "itemCode" {
		for _, k := range []string{"itemID", "upc", "ean"} {
			if matchValue(kString, rec[k], f) {
				return true
			}
		}
		return false
	}
	rel, sub, dotted := strings.Cut(f.field, ".")
	if !dotted {
		return matchValue(def.byName[f.field].kind, rec[f.field], f)
	}
	k := kString
	if t := s.defs[relationTarget(def.name, rel)]; t != nil {
		k = t.byName[sub].kind
	}
	related := s.relatedRecordsLocked(def.name, rec, rel)
	negative := f.op == "!=" || f.op == "!~"
	if negative {
		// "has no such value": every related value must pass.
		for _, r := range related {
			if !matchValue(k, r[sub], f) {
				return false
			}
		}
		return len(related) > 0 || f.op == "!="
	}
	for _, r := range related {
		if matchValue(k, r[sub], f) {
			return true
		}
	}
	return false
}

func matchValue(k kind, v string, f filter) bool {
	switch f.op {
	case "=":
		return compare(k, v, f.values[0]) == 0
	case "!=":
		return compare(k, v, f.values[0]) != 0
	case ">":
		return compare(k, v, f.values[0]) > 0
	case ">=":
		return compare(k, v, f.values[0]) >= 0
	case "<":
		return compare(k, v, f.values[0]) < 0
	case "<=":
		return compare(k, v, f.values[0]) <= 0
	case "><":
		return compare(k, v, f.values[0]) >= 0 && compare(k, v, f.values[1]) <= 0
	case "~":
		return like(v, f.values[0])
	case "!~":
		return !like(v, f.values[0])
	case "IN":
		for _, x := range f.values {
			if compare(k, v, x) == 0 {
				return true
			}
		}
	}
	return false
}

// compare orders two wire values: numbers numerically, everything else as strings without
// regard to case (MySQL's default collation); wire times compare as strings.
func compare(k kind, a, b string) int {
	if k == kInt || k == kDecimal {
		da, errA := decimal.NewFromString(a)
		db, errB := decimal.NewFromString(b)
		if errA == nil && errB == nil {
			return da.Cmp(db)
		}
	}
	if k == kTime {
		return strings.Compare(a, b)
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b))
}

// like is SQL LIKE with % wildcards, case-insensitive.
func like(v, pattern string) bool {
	v, pattern = strings.ToLower(v), strings.ToLower(pattern)
	parts := strings.Split(pattern, "%")
	if len(parts) == 1 {
		return v == pattern
	}
	if !strings.HasPrefix(v, parts[0]) {
		return false
	}
	v = v[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(v, p)
		if i < 0 {
			return false
		}
		v = v[i+len(p):]
	}
	return strings.HasSuffix(v, last)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func decodeCursor(raw string) ([]any, error) {
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		b, err = base64.URLEncoding.DecodeString(raw)
		if err != nil {
			return nil, err
		}
	}
	var key []any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&key); err != nil {
		return nil, err
	}
	if len(key) == 0 || len(key) > 2 {
		return nil, badRequest("cursor has %d parts", len(key))
	}
	return key, nil
}

package fortnox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// kind is the JSON type of a field as Fortnox reads and writes it.
type kind uint8

const (
	kString kind = iota
	kNumber      // money or quantity: rounded to 2 decimals, a number in single views
	kNumStr      // a number Fortnox always sends as a string (order row quantities)
	kInt
	kBool
	kDate // "YYYY-MM-DD"
	kObject
	kRows
)

// field describes one property of a resource. The contract test checks every writable field
// against the OpenAPI spec, so names, maxLength and enums mirror it exactly.
type field struct {
	name     string
	kind     kind
	max      int // runes; 0 = no limit in the spec
	enum     []string
	readOnly bool
	sub      *schema // kObject and kRows
}

// schema is the field list of one resource, with the wrapper key its bodies use.
type schema struct {
	wrapper string
	specRef string // the spec's component schema, for the contract test
	fields  []field
	byName  map[string]*field
}

func newSchema(wrapper, specRef string, fields ...field) *schema {
	s := &schema{wrapper: wrapper, specRef: specRef, fields: fields, byName: map[string]*field{}}
	for i := range s.fields {
		s.byName[s.fields[i].name] = &s.fields[i]
	}
	return s
}

func str(name string, max int) field      { return field{name: name, kind: kString, max: max} }
func num(name string) field               { return field{name: name, kind: kNumber} }
func integer(name string) field           { return field{name: name, kind: kInt} }
func boolean(name string) field           { return field{name: name, kind: kBool} }
func date(name string) field              { return field{name: name, kind: kDate} }
func enum(name string, v ...string) field { return field{name: name, kind: kString, enum: v} }
func ro(f field) field                    { f.readOnly = true; return f }

// record is one stored resource: strings, decimal.Decimal, int64, bool, nil, record (nested
// object) or []record (rows). Keys are the Fortnox field names.
type record map[string]any

func (r record) str(k string) string {
	s, _ := r[k].(string)
	return s
}

func (r record) dec(k string) decimal.Decimal {
	switch v := r[k].(type) {
	case decimal.Decimal:
		return v
	case int64:
		return decimal.NewFromInt(v)
	}
	return decimal.Zero
}

func (r record) boolean(k string) bool {
	b, _ := r[k].(bool)
	return b
}

func (r record) rows(k string) []record {
	rows, _ := r[k].([]record)
	return rows
}

// clone copies a record deeply enough that stored state never aliases a caller's map.
func (r record) clone() record {
	out := make(record, len(r))
	for k, v := range r {
		switch x := v.(type) {
		case record:
			out[k] = x.clone()
		case []record:
			rows := make([]record, len(x))
			for i := range x {
				rows[i] = x[i].clone()
			}
			out[k] = rows
		default:
			out[k] = v
		}
	}
	return out
}

// Error codes. Those marked "sandbox" are not documented by Fortnox; clients must not
// depend on them.
const (
	codeNotAlphanumeric = 2000106
	codeNotNumeric      = 2000108
	codeNotBoolean      = 2000134
	codeCustomerMissing = 2000204
	codeBadChars        = 2000359
	codeArticleNotFound = 2000428
	codeCustomerNotFnd  = 2000433
	codeOrderNotFound   = 2000430 // sandbox: "Kan inte hitta ordern."
	codeNotFound        = 2000425 // sandbox: other registers
	codeBadFilter       = 2000587
	codeBadParam        = 2000588
	codeCustomerInUse   = 2000637
	codeArticleInUse    = 2000013
	codeArticleInRow    = 2001302
	codeMissingScope    = 2000663
	codeNoData          = 2001392
	codeBadField        = 2001399
	codeBadJSON         = 2002115
	codeWarehouseStock  = 2003124 // sandbox: stock changes only through documents in Lager mode
	codeTooLong         = 2000590 // sandbox: value longer than the field allows
	codeBadValue        = 2000591 // sandbox: enum, date, country or code not valid
	codeRequired        = 2000592 // sandbox: required field missing
	codeOrderLocked     = 2000593 // sandbox: cancelled or invoiced order cannot change
	codeInvoiceNotFound = 2000434 // sandbox: "Kan inte hitta fakturan."
)

// apiError is an answer in one of Fortnox's error envelopes.
type apiError struct {
	status  int
	code    int
	message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %d %s", e.status, e.code, e.message) }

func badRequest(code int, format string, args ...any) *apiError {
	return &apiError{status: 400, code: code, message: fmt.Sprintf(format, args...)}
}

func notFound(code int, message string) *apiError {
	return &apiError{status: 404, code: code, message: message}
}

// allowedPunct is Fortnox's list of permitted non-alphanumeric characters (formats page).
const allowedPunct = "–:.,;^¤#%§£$€¢¥©™°&/()=+-*_!?²³®½@ \u00a0\n\r"

// badRune returns the first character Fortnox would refuse (error 2000359).
func badRune(s string) (rune, bool) {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(allowedPunct, r) {
			continue
		}
		return r, true
	}
	return 0, false
}

// decodeBody parses a write body {"<Wrapper>":{…}} into a partial record, rejecting what the
// real API rejects. readOnly names fields that are read-only only in the current mode.
func (s *schema) decodeBody(body []byte, readOnly map[string]string) (record, *apiError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, badRequest(codeNoData, "Ingen eller felaktig typ av data.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil || dec.More() {
		return nil, badRequest(codeBadJSON, "Error deserializing JSON: JSON_ERROR_SYNTAX")
	}
	obj, ok := top.(map[string]any)
	if !ok {
		return nil, badRequest(codeNoData, "Ingen eller felaktig typ av data.")
	}
	for k := range obj {
		if k != s.wrapper {
			return nil, badRequest(codeBadField, "Felaktigt fältnamn (%s).", k)
		}
	}
	inner, ok := obj[s.wrapper].(map[string]any)
	if !ok {
		return nil, badRequest(codeNoData, "Ingen eller felaktig typ av data: %s saknas.", s.wrapper)
	}
	return s.decodeObject(inner, "", readOnly)
}

func (s *schema) decodeObject(in map[string]any, prefix string, readOnly map[string]string) (record, *apiError) {
	out := make(record, len(in))
	for k, raw := range in {
		f, ok := s.byName[k]
		if !ok {
			return nil, badRequest(codeBadField, "Felaktigt fältnamn (%s%s).", prefix, k)
		}
		if f.readOnly {
			return nil, badRequest(codeBadField, "Felaktigt fältnamn (%s%s): fältet är skrivskyddat.", prefix, k)
		}
		if why, ok := readOnly[prefix+k]; ok {
			return nil, badRequest(codeWarehouseStock, "%s", why)
		}
		if raw == nil {
			continue
		}
		v, err := f.convert(raw, prefix+k, readOnly)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

func (f *field) convert(raw any, path string, readOnly map[string]string) (any, *apiError) {
	switch f.kind {
	case kString:
		var s string
		switch v := raw.(type) {
		case string:
			s = v
		case json.Number:
			s = v.String()
		default:
			return nil, badRequest(codeNotAlphanumeric, "Värdet måste vara alfanumeriskt (%s).", path)
		}
		if r, bad := badRune(s); bad {
			return nil, badRequest(codeBadChars, "Värdet innehåller ej tillåtna tecken (%s: %q).", path, r)
		}
		if f.max > 0 && utf8.RuneCountInString(s) > f.max {
			return nil, badRequest(codeTooLong, "Värdet är för långt (%s: högst %d tecken).", path, f.max)
		}
		if len(f.enum) > 0 && !contains(f.enum, s) {
			return nil, badRequest(codeBadValue, "Ogiltigt värde (%s: %q; tillåtna: %s).", path, s, strings.Join(f.enum, ", "))
		}
		return s, nil
	case kNumber, kNumStr:
		d, ok := toDecimal(raw)
		if !ok {
			return nil, badRequest(codeNotNumeric, "Värdet måste vara numeriskt (%s).", path)
		}
		return d.Round(2), nil
	case kInt:
		d, ok := toDecimal(raw)
		if !ok || !d.IsInteger() {
			return nil, badRequest(codeNotNumeric, "Värdet måste vara numeriskt (%s).", path)
		}
		return d.IntPart(), nil
	case kBool:
		switch v := raw.(type) {
		case bool:
			return v, nil
		case string:
			if v == "true" || v == "false" {
				return v == "true", nil
			}
		}
		return nil, badRequest(codeNotBoolean, "Värdet måste vara en boolean (%s).", path)
	case kDate:
		s, ok := raw.(string)
		if !ok {
			return nil, badRequest(codeBadValue, "Ogiltigt datum (%s).", path)
		}
		if s == "" {
			return nil, nil
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, badRequest(codeBadValue, "Ogiltigt datum (%s: %q, format ÅÅÅÅ-MM-DD).", path, s)
		}
		return s, nil
	case kObject:
		m, ok := raw.(map[string]any)
		if !ok {
			return nil, badRequest(codeNoData, "Ingen eller felaktig typ av data (%s).", path)
		}
		return f.sub.decodeObject(m, path+".", readOnly)
	case kRows:
		list, ok := raw.([]any)
		if !ok {
			return nil, badRequest(codeNoData, "Ingen eller felaktig typ av data (%s).", path)
		}
		rows := make([]record, 0, len(list))
		for i, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				return nil, badRequest(codeNoData, "Ingen eller felaktig typ av data (%s[%d]).", path, i)
			}
			row, err := f.sub.decodeObject(m, fmt.Sprintf("%s[%d].", path, i), readOnly)
			if err != nil {
				return nil, err
			}
			rows = append(rows, row)
		}
		return rows, nil
	}
	return nil, badRequest(codeBadField, "Felaktigt fältnamn (%s).", path)
}

func toDecimal(raw any) (decimal.Decimal, bool) {
	var s string
	switch v := raw.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = strings.TrimSpace(v)
	default:
		return decimal.Zero, false
	}
	if len(s) > 40 {
		return decimal.Zero, false
	}
	d, err := decimal.NewFromString(s)
	// Fortnox amounts stay within ±1e14 with 2 decimals; bounding the exponent first keeps
	// inputs like 1e999999999 from turning into billion-digit integers.
	if err != nil || d.Exponent() > 15 || d.Exponent() < -20 || d.Abs().GreaterThanOrEqual(maxAmount) {
		return decimal.Zero, false
	}
	return d, true
}

// maxAmount bounds numbers on write (QuantityInStock's documented minimum is -1e14).
var maxAmount = decimal.New(1, 15)

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// view renders a record for JSON. A single view (list=false) sends numbers as numbers and
// unset values as null; a list item sends numbers as strings and unset strings as "".
func (s *schema) view(r record, only []string, list bool) map[string]any {
	out := make(map[string]any, len(r))
	emit := func(f *field) {
		v, ok := r[f.name]
		if !ok {
			v = nil
		}
		out[f.name] = renderValue(f, v, list)
	}
	if only == nil {
		for i := range s.fields {
			emit(&s.fields[i])
		}
		return out
	}
	for _, name := range only {
		emit(s.byName[name])
	}
	return out
}

func renderValue(f *field, v any, list bool) any {
	switch x := v.(type) {
	case nil:
		if list && (f.kind == kString || f.kind == kDate) {
			return ""
		}
		if f.kind == kRows {
			return []any{}
		}
		return nil
	case decimal.Decimal:
		if list || f.kind == kNumStr {
			return x.String()
		}
		return json.Number(x.String())
	case int64:
		if list {
			return fmt.Sprint(x)
		}
		return x
	case bool:
		return x
	case record:
		return f.sub.view(x, nil, list)
	case []record:
		rows := make([]any, len(x))
		for i, row := range x {
			rows[i] = f.sub.view(row, nil, list)
		}
		return rows
	}
	return v
}

// fortnoxJSON encodes like the real service: non-ASCII as \u escapes and "/" as "\/".
func fortnoxJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte(`{"ErrorInformation":{"error":1,"message":"System exception","code":1000003}}`)
	}
	raw := bytes.TrimRight(buf.Bytes(), "\n")
	out := make([]byte, 0, len(raw)+len(raw)/8)
	inString := false
	for i := 0; i < len(raw); {
		c := raw[i]
		if c == '"' && (i == 0 || !escaped(raw, i)) {
			inString = !inString
		}
		if c < utf8.RuneSelf {
			if c == '/' && inString {
				out = append(out, '\\', '/')
			} else {
				out = append(out, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(raw[i:])
		if r > 0xFFFF {
			r1, r2 := utf16Pair(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += size
	}
	return out
}

// escaped reports whether the quote at i is preceded by an odd number of backslashes.
func escaped(b []byte, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}

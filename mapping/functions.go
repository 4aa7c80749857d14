package mapping

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/shopspring/decimal"

	"fortspeed/clients/fortnox"
	"fortspeed/internal/countries"
)

// builtinTables names the settings tables lookup() reads besides the user's own.
func builtinTables() []string {
	return []string{"payment_methods", "modes_of_payment", "countries", "country_aliases"}
}

// functions holds what the expression functions need from the settings. Regular
// expressions are compiled once per pattern and kept for the life of the settings.
type functions struct {
	tables map[string]map[string]string
	codes  map[string]string // lower-case country name or alias → code

	mu      sync.Mutex
	regexps map[string]*regexp.Regexp
}

func newFunctions(s *Settings) *functions {
	// countries is the whole ISO 3166-1 table in English with orders.countries over it.
	names := make(map[string]string, 256)
	f := &functions{
		tables: map[string]map[string]string{
			"payment_methods":  s.Orders.PaymentMethods,
			"modes_of_payment": s.Orders.ModesOfPayment,
			"countries":        names,
			"country_aliases":  s.Orders.CountryAliases,
		},
		codes:   make(map[string]string),
		regexps: make(map[string]*regexp.Regexp),
	}
	for name, t := range s.Tables {
		f.tables[name] = t
	}
	// country_code understands, in rising precedence: every English name of the ISO table
	// (countries.Code), the names orders.countries gives, and orders.country_aliases.
	countries.Codes(func(code string, english []string) { names[code] = english[0] })
	for code, name := range s.Orders.Countries {
		names[code] = name
		f.codes[strings.ToLower(name)] = code
	}
	for alias, code := range s.Orders.CountryAliases {
		f.codes[strings.ToLower(alias)] = code
	}
	return f
}

// countryName returns the Fortnox name of an ISO code, "" when unknown.
func (f *functions) countryName(code string) string {
	return f.tables["countries"][strings.ToUpper(strings.TrimSpace(code))]
}

// countryCode returns the ISO code of a country name, alias or code, "" when unknown.
func (f *functions) countryCode(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	if code := strings.ToUpper(name); len(code) == 2 && f.tables["countries"][code] != "" {
		return code
	}
	if code, ok := f.codes[strings.ToLower(name)]; ok {
		return code
	}
	return countries.Code(name)
}

func (f *functions) regexp(pattern string) (*regexp.Regexp, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if re, ok := f.regexps[pattern]; ok {
		return re, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("regex_replace: bad pattern %q: %v", pattern, err)
	}
	f.regexps[pattern] = re
	return re, nil
}

// options are the expr options every field expression is compiled with.
func (f *functions) options() []expr.Option {
	text := func(fn func(string) string) func(...any) (any, error) {
		return func(p ...any) (any, error) { return fn(p[0].(string)), nil }
	}
	return []expr.Option{
		expr.Function("upper", text(strings.ToUpper), new(func(string) string)),
		expr.Function("lower", text(strings.ToLower), new(func(string) string)),
		expr.Function("trim", text(strings.TrimSpace), new(func(string) string)),
		expr.Function("title", text(title), new(func(string) string)),
		expr.Function("digits", text(digits), new(func(string) string)),
		expr.Function("fortnox_clean", text(fortnox.CleanText), new(func(string) string)),
		expr.Function("street_name", text(func(s string) string { return splitStreet(s)[0] }), new(func(string) string)),
		expr.Function("street_number", text(func(s string) string { return splitStreet(s)[1] }), new(func(string) string)),
		expr.Function("split_street", func(p ...any) (any, error) {
			parts := splitStreet(p[0].(string))
			return []string{parts[0], parts[1]}, nil
		}, new(func(string) []string)),
		expr.Function("country_name", text(f.countryName), new(func(string) string)),
		expr.Function("country_code", text(f.countryCode), new(func(string) string)),
		expr.Function("concat", func(p ...any) (any, error) {
			var b strings.Builder
			for _, v := range p {
				s, err := toText(v)
				if err != nil {
					return nil, fmt.Errorf("concat: %w", err)
				}
				b.WriteString(s)
			}
			return b.String(), nil
		}, new(func(...any) string)),
		expr.Function("join", func(p ...any) (any, error) {
			var parts []string
			for _, v := range p[1:] {
				s, err := toText(v)
				if err != nil {
					return nil, fmt.Errorf("join: %w", err)
				}
				if s = strings.TrimSpace(s); s != "" {
					parts = append(parts, s)
				}
			}
			return strings.Join(parts, p[0].(string)), nil
		}, new(func(string, ...any) string)),
		expr.Function("coalesce", func(p ...any) (any, error) {
			for _, v := range p {
				if s := v.(string); strings.TrimSpace(s) != "" {
					return s, nil
				}
			}
			return "", nil
		}, new(func(...string) string)),
		expr.Function("default", func(p ...any) (any, error) {
			if isEmpty(p[0]) {
				return p[1], nil
			}
			return p[0], nil
		}, new(func(any, any) any)),
		expr.Function("truncate", func(p ...any) (any, error) {
			return truncate(p[0].(string), p[1].(int)), nil
		}, new(func(string, int) string)),
		expr.Function("replace", func(p ...any) (any, error) {
			return strings.ReplaceAll(p[0].(string), p[1].(string), p[2].(string)), nil
		}, new(func(string, string, string) string)),
		expr.Function("regex_replace", func(p ...any) (any, error) {
			re, err := f.regexp(p[1].(string))
			if err != nil {
				return nil, err
			}
			return re.ReplaceAllString(p[0].(string), p[2].(string)), nil
		}, new(func(string, string, string) string)),
		expr.Function("lookup", func(p ...any) (any, error) {
			name, key := p[0].(string), p[1].(string)
			table, ok := f.tables[name]
			if !ok {
				return nil, fmt.Errorf("lookup: no table %q", name)
			}
			if v, ok := table[key]; ok {
				return v, nil
			}
			return p[2].(string), nil
		}, new(func(string, string, string) string)),
		expr.Function("prefix_lookup", func(p ...any) (any, error) {
			name, text := p[0].(string), p[1].(string)
			table, ok := f.tables[name]
			if !ok {
				return nil, fmt.Errorf("prefix_lookup: no table %q", name)
			}
			best, found := "", false
			for k := range table {
				if strings.HasPrefix(text, k) && (!found || len(k) > len(best)) {
					best, found = k, true
				}
			}
			if !found {
				return p[2].(string), nil
			}
			return table[best], nil
		}, new(func(string, string, string) string)),
		expr.Function("format_date", func(p ...any) (any, error) {
			return formatDate(p[0].(string), p[1].(string))
		}, new(func(string, string) string)),
		expr.Function("dec", func(p ...any) (any, error) { return toDecimal(p[0]) }, new(func(any) decimal.Decimal)),
		expr.Function("add", arith("add", func(a, b decimal.Decimal) (decimal.Decimal, error) { return a.Add(b), nil }), new(func(any, any) decimal.Decimal)),
		expr.Function("sub", arith("sub", func(a, b decimal.Decimal) (decimal.Decimal, error) { return a.Sub(b), nil }), new(func(any, any) decimal.Decimal)),
		expr.Function("mul", arith("mul", func(a, b decimal.Decimal) (decimal.Decimal, error) { return a.Mul(b), nil }), new(func(any, any) decimal.Decimal)),
		expr.Function("div", arith("div", func(a, b decimal.Decimal) (decimal.Decimal, error) {
			if b.IsZero() {
				return decimal.Decimal{}, fmt.Errorf("division by zero")
			}
			return a.DivRound(b, 16), nil
		}), new(func(any, any) decimal.Decimal)),
		expr.Function("round", func(p ...any) (any, error) {
			d, err := toDecimal(p[0])
			if err != nil {
				return nil, fmt.Errorf("round: %w", err)
			}
			places := 0
			if len(p) > 1 {
				places = p[1].(int)
			}
			return d.Round(int32(places)), nil
		}, new(func(any) decimal.Decimal), new(func(any, int) decimal.Decimal)),
	}
}

func arith(name string, op func(a, b decimal.Decimal) (decimal.Decimal, error)) func(...any) (any, error) {
	return func(p ...any) (any, error) {
		a, err := toDecimal(p[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		b, err := toDecimal(p[1])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		d, err := op(a, b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return d, nil
	}
}

// splitStreet splits a street address into name and number the Swedish way: the number is
// everything from the first word that starts with a digit ("Storgatan 12 B" → "Storgatan",
// "12 B"). A leading number ("12 Main Street") is moved to the number part.
func splitStreet(s string) [2]string {
	words := strings.Fields(s)
	if len(words) == 0 {
		return [2]string{"", ""}
	}
	if startsWithDigit(words[0]) {
		return [2]string{strings.Join(words[1:], " "), strings.TrimSuffix(words[0], ",")}
	}
	for i := 1; i < len(words); i++ {
		if startsWithDigit(words[i]) {
			return [2]string{strings.TrimSuffix(strings.Join(words[:i], " "), ","), strings.Join(words[i:], " ")}
		}
	}
	return [2]string{strings.Join(words, " "), ""}
}

func startsWithDigit(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsDigit(r)
}

func title(s string) string {
	var b strings.Builder
	start := true
	for _, r := range s {
		if start {
			b.WriteRune(unicode.ToUpper(r))
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
		start = unicode.IsSpace(r) || r == '-'
	}
	return b.String()
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func truncate(s string, n int) string {
	if n < 0 {
		n = 0
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// formatDate formats a date (YYYY-MM-DD or RFC 3339) with a layout written as YYYY, MM, DD,
// HH, mm and ss, or as a Go layout.
func formatDate(d, layout string) (string, error) {
	if d == "" {
		return "", nil
	}
	var t time.Time
	var err error
	if len(d) == len(time.DateOnly) {
		t, err = time.Parse(time.DateOnly, d)
	} else {
		t, err = time.Parse(time.RFC3339, d)
	}
	if err != nil {
		return "", fmt.Errorf("format_date: %q is not a date like 2026-11-27 or 2026-11-27T10:00:00Z", d)
	}
	goLayout := strings.NewReplacer("YYYY", "2006", "YY", "06", "MM", "01", "DD", "02", "HH", "15", "mm", "04", "ss", "05").Replace(layout)
	return t.Format(goLayout), nil
}

// isEmpty is what default() treats as missing: nothing, blank text or a zero number.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case decimal.Decimal:
		return x.IsZero()
	case int:
		return x == 0
	case int64:
		return x == 0
	case float64:
		return x == 0
	}
	return false
}

// toText converts an expression result to text for a text field.
func toText(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case decimal.Decimal:
		return x.String(), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	}
	return "", fmt.Errorf("want text, got %s", kindOf(v))
}

// toDecimal converts an expression value to a decimal; float literals go through their
// shortest decimal form, so 1.25 stays exactly 1.25.
func toDecimal(v any) (decimal.Decimal, error) {
	switch x := v.(type) {
	case decimal.Decimal:
		return x, nil
	case *decimal.Decimal:
		if x == nil {
			return decimal.Zero, nil
		}
		return *x, nil
	case nil:
		return decimal.Zero, nil
	case int:
		return decimal.NewFromInt(int64(x)), nil
	case int64:
		return decimal.NewFromInt(x), nil
	case float64:
		return decimal.NewFromString(strconv.FormatFloat(x, 'f', -1, 64))
	case string:
		if strings.TrimSpace(x) == "" {
			return decimal.Zero, nil
		}
		d, err := decimal.NewFromString(strings.TrimSpace(x))
		if err != nil {
			return decimal.Decimal{}, fmt.Errorf("%q is not a number", x)
		}
		return d, nil
	}
	return decimal.Decimal{}, fmt.Errorf("want a number, got %s", kindOf(v))
}

func kindOf(v any) string {
	if v == nil {
		return "nothing"
	}
	switch reflect.TypeOf(v).Kind() {
	case reflect.Bool:
		return "true/false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a record"
	}
	return reflect.TypeOf(v).String()
}

package lightspeed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"fortspeed/clients"
)

// Lightspeed answers every scalar as a string ("itemID":"20", "tax":"true"), an empty value
// as "" and sometimes null; the types below accept all of those as well as native JSON, so a
// change of representation never breaks decoding. A value none of them can read is a
// clients.BadValue, and the collections below put the element's place in its path, so a
// page decoder can name the field ("SaleLines.SaleLine[1].unitPrice") of a bad record.

// unquote returns the textual content of a JSON scalar and whether it was empty ("" or null).
func unquote(b []byte) (string, bool, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return "", true, nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", false, err
		}
		s = strings.TrimSpace(s)
		return s, s == "", nil
	}
	if b[0] == '{' || b[0] == '[' {
		return "", false, fmt.Errorf("expected a scalar, got %.20s", b)
	}
	return string(b), false, nil
}

// Int is an id or count that arrives as "20", 20, "" or null (the last two mean 0).
type Int int64

// UnmarshalJSON accepts a number or a numeric string.
func (n *Int) UnmarshalJSON(b []byte) error {
	s, empty, err := unquote(b)
	if err != nil {
		return clients.BadValue(b, reflect.TypeFor[Int]())
	}
	if empty {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// Some ids arrive as "12.0" in older payloads; accept integral decimals.
		d, derr := decimal.NewFromString(s)
		if derr != nil || !d.IsInteger() {
			return clients.BadValue(b, reflect.TypeFor[Int]())
		}
		v = d.IntPart()
	}
	*n = Int(v)
	return nil
}

// Bool arrives as "true"/"false", a JSON boolean, "1"/"0" or "".
type Bool bool

// UnmarshalJSON accepts a boolean or its string forms.
func (v *Bool) UnmarshalJSON(b []byte) error {
	s, empty, err := unquote(b)
	if err != nil {
		return clients.BadValue(b, reflect.TypeFor[Bool]())
	}
	if empty {
		*v = false
		return nil
	}
	p, err := strconv.ParseBool(strings.ToLower(s))
	if err != nil {
		return clients.BadValue(b, reflect.TypeFor[Bool]())
	}
	*v = Bool(p)
	return nil
}

// Decimal is money or a quantity: "11.4860025", 4.39, "" or null (zero). Lightspeed does
// not round calculated values, so they must not pass through float64.
type Decimal struct{ decimal.Decimal }

// Dec wraps a decimal for the response types, mostly in tests.
func Dec(d decimal.Decimal) Decimal { return Decimal{d} }

// UnmarshalJSON accepts a number or a numeric string.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s, empty, err := unquote(b)
	if err != nil {
		return clients.BadValue(b, reflect.TypeFor[Decimal]())
	}
	if empty {
		d.Decimal = decimal.Zero
		return nil
	}
	v, err := decimal.NewFromString(s)
	if err != nil {
		return clients.BadValue(b, reflect.TypeFor[Decimal]())
	}
	d.Decimal = v
	return nil
}

// MarshalJSON writes a native JSON number, as requests should.
func (d Decimal) MarshalJSON() ([]byte, error) { return []byte(d.Decimal.String()), nil }

// Time is a Lightspeed timestamp ("2016-11-02T19:36:29+00:00"); "" or null is the zero time.
type Time struct{ time.Time }

// UnmarshalJSON parses the timestamp formats Lightspeed has been seen to use.
func (t *Time) UnmarshalJSON(b []byte) error {
	s, empty, err := unquote(b)
	if err != nil {
		return clients.BadValue(b, reflect.TypeFor[Time]())
	}
	if empty {
		t.Time = time.Time{}
		return nil
	}
	// The API uses RFC 3339; older payloads use a zone without a colon or none at all.
	for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04:05-0700", "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return clients.BadValue(b, reflect.TypeFor[Time]())
}

// Strings is a list that arrives as an array, a single string or "" (ItemMatrix
// attribute1Values and friends).
type Strings []string

// UnmarshalJSON accepts an array of strings, one string, "" or null.
func (s *Strings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var raw []json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return fmt.Errorf("string list: %w", err)
		}
		out := make([]string, 0, len(raw))
		for i, r := range raw {
			v, empty, err := unquote(r)
			if err != nil {
				return clients.InField(clients.BadValue(r, reflect.TypeFor[string]()), "["+strconv.Itoa(i)+"]")
			}
			if !empty {
				out = append(out, v)
			}
		}
		*s = out
		return nil
	}
	v, empty, err := unquote(b)
	if err != nil {
		return clients.BadValue(b, reflect.TypeFor[Strings]())
	}
	if empty {
		*s = nil
		return nil
	}
	*s = Strings{v}
	return nil
}

// isEmptyJSON reports the shapes Lightspeed uses for "nothing here": "", null, {} and [].
func isEmptyJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	switch string(b) {
	case "", "null", `""`, "{}", "[]":
		return true
	}
	return false
}

// OneOrMany is a collection that is an array with several elements but a bare object with
// exactly one; "" and null mean none. OneOrMany[json.RawMessage] splits a list page into
// its records, so each can be decoded on its own.
type OneOrMany[T any] []T

// UnmarshalJSON accepts an array, one object, "" or null. An element that fails is named
// by its index ("[1].unitPrice"); a lone object has none, as on the wire.
func (m *OneOrMany[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if isEmptyJSON(b) {
		*m = nil
		return nil
	}
	if b[0] == '[' {
		var raws []json.RawMessage
		if err := json.Unmarshal(b, &raws); err != nil {
			return err
		}
		many := make([]T, len(raws))
		for i, raw := range raws {
			if err := json.Unmarshal(raw, &many[i]); err != nil {
				return clients.InField(err, "["+strconv.Itoa(i)+"]")
			}
		}
		*m = many
		return nil
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*m = OneOrMany[T]{one}
	return nil
}

// List is an XML-derived relation: a plural wrapper holding a singular key,
// {"SaleLine":[…]} or {"SaleLine":{…}}, or "" when the relation is empty. The inner key is
// not checked, so spelling variants (SaleAccounts/SalesAccounts) decode alike.
type List[T any] []T

// UnmarshalJSON accepts the wrapper object, "" or null (and, tolerantly, a bare array).
func (l *List[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if isEmptyJSON(b) {
		*l = nil
		return nil
	}
	if b[0] == '[' {
		var many OneOrMany[T]
		if err := json.Unmarshal(b, &many); err != nil {
			return err
		}
		*l = List[T](many)
		return nil
	}
	var wrapper map[string]json.RawMessage
	if err := json.Unmarshal(b, &wrapper); err != nil {
		if _, ok := err.(*json.UnmarshalTypeError); ok {
			return err // a relation that is a number or so: encoding/json names the field
		}
		return fmt.Errorf("relation list: %w", err)
	}
	keys := make([]string, 0, len(wrapper))
	for key := range wrapper {
		if !strings.HasPrefix(key, "@") {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	var out List[T]
	for _, key := range keys {
		raw := wrapper[key]
		var many OneOrMany[T]
		if err := json.Unmarshal(raw, &many); err != nil {
			return clients.InField(err, key)
		}
		out = append(out, many...)
	}
	*l = out
	return nil
}

// decodeRelation decodes a single-record relation that may be "" (empty) into v through an
// alias type without methods, so the caller's UnmarshalJSON does not recurse.
func decodeRelation[A any](b []byte, v *A) error {
	if isEmptyJSON(b) {
		return nil
	}
	return json.Unmarshal(b, v)
}

package fortnox

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"fortspeed/clients"
)

// Fortnox sends the same field as a number in a single-resource GET and as a string in list
// items and document rows, and mixes null with "" (reference §5.2). These types accept every
// form, so a response never fails to decode over a representation. A value none of them can
// read is a clients.BadValue, which names the field when a page is decoded record by record.

// unquote returns the text inside a JSON string, or the raw token of a number/bool. ok is
// false for null.
func unquote(b []byte) (s string, ok bool, err error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return "", false, nil
	}
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return "", false, err
		}
		return strings.TrimSpace(s), true, nil
	}
	return string(b), true, nil
}

// Num is a decimal money amount or quantity that decodes from a number, a numeric string,
// null or "" (the last two leave it zero with Valid false). It encodes as a plain JSON
// number, because Fortnox wants native types in requests.
type Num struct {
	decimal.Decimal
	Valid bool // false when the field was null, "" or absent
}

// NumOf wraps d for a request field.
func NumOf(d decimal.Decimal) *Num { return &Num{Decimal: d, Valid: true} }

// UnmarshalJSON accepts 12, 12.5, "12", "-0", "", null.
func (n *Num) UnmarshalJSON(b []byte) error {
	s, ok, err := unquote(b)
	if err != nil {
		return clients.BadValue(b, reflect.TypeFor[Num]())
	}
	if !ok || s == "" {
		*n = Num{}
		return nil
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return clients.BadValue(b, reflect.TypeFor[Num]())
	}
	*n = Num{Decimal: d, Valid: true}
	return nil
}

// MarshalJSON writes an unquoted number (null when not Valid).
func (n Num) MarshalJSON() ([]byte, error) {
	if !n.Valid {
		return []byte("null"), nil
	}
	return []byte(n.Decimal.String()), nil
}

// Int is an integer that decodes from a number, a numeric string, null or "".
type Int int64

// UnmarshalJSON accepts 3, "3", 3.0, "", null.
func (i *Int) UnmarshalJSON(b []byte) error {
	s, ok, err := unquote(b)
	if err != nil {
		return clients.BadValue(b, reflect.TypeFor[Int]())
	}
	if !ok || s == "" {
		*i = 0
		return nil
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		*i = Int(v)
		return nil
	}
	d, err := decimal.NewFromString(s)
	if err != nil || !d.IsInteger() {
		return clients.BadValue(b, reflect.TypeFor[Int]())
	}
	*i = Int(d.IntPart())
	return nil
}

// Bool decodes from true/false, "true"/"false", "1"/"0", null or "" (the last two: false).
type Bool bool

// UnmarshalJSON accepts the forms above, case-insensitively.
func (v *Bool) UnmarshalJSON(b []byte) error {
	s, ok, err := unquote(b)
	if err != nil {
		return clients.BadValue(b, reflect.TypeFor[Bool]())
	}
	if !ok || s == "" {
		*v = false
		return nil
	}
	switch strings.ToLower(s) {
	case "true", "1", "yes":
		*v = true
	case "false", "0", "no":
		*v = false
	default:
		return clients.BadValue(b, reflect.TypeFor[Bool]())
	}
	return nil
}

// Text is a string that may arrive as a number (DocumentNumber, CustomerNumber) or null.
type Text string

// UnmarshalJSON accepts "A1", 12, null.
func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		*t = ""
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return clients.BadValue(b, reflect.TypeFor[Text]())
		}
		*t = Text(s)
		return nil
	}
	if b[0] == '{' || b[0] == '[' {
		return clients.BadValue(b, reflect.TypeFor[Text]())
	}
	*t = Text(b)
	return nil
}

// String returns the text.
func (t Text) String() string { return string(t) }

package clients

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Undecodable is a listed record that could not be decoded. The page clients decode each
// record on its own, so one malformed value costs that record, not the page: the caller
// makes it a needs_fix record instead of failing the listing forever. Reason quotes the
// bad value, which is record data: keep it where record data may go, not in plain logs.
type Undecodable struct {
	// ID is the record's id as the vendor wrote it (saleID, DocumentNumber), read leniently;
	// "" when even the id is unreadable.
	ID string
	// Reason names the field and the value: `SaleLines.SaleLine[1].unitPrice: "N/A" is not a number`.
	Reason string
}

// BadValue is the error a tolerant decoder of type t returns for the JSON value raw it
// cannot read. It is an *json.UnmarshalTypeError on purpose: encoding/json then sets the
// path of struct fields around the value, so DecodeReason can name the field.
func BadValue(raw []byte, t reflect.Type) error {
	return &json.UnmarshalTypeError{Value: valueText(raw), Type: t}
}

// valueText is a JSON value as a reason quotes it: scalars as written (shortened), objects
// and arrays by their kind.
func valueText(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
		return "nothing"
	case raw[0] == '{':
		return "object"
	case raw[0] == '[':
		return "array"
	}
	const max = 40
	if utf8.RuneCount(raw) <= max {
		return string(raw)
	}
	r := []rune(string(raw))
	return string(r[:max]) + "…"
}

// InField puts a decode error from inside a collection under the step that leads to it
// ("SaleLine", "[1]"), keeping a path encoding/json can extend; other errors are wrapped
// with the step.
func InField(err error, step string) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("%s: %w", step, err)
	}
	switch {
	case te.Field == "":
		te.Field = step
	case strings.HasPrefix(te.Field, "["):
		te.Field = step + te.Field
	default:
		te.Field = step + "." + te.Field
	}
	return te
}

// DecodeReason says in one line why a record did not decode: the field path and the value
// when the error names them (`SaleLines.SaleLine[1].unitPrice: "N/A" is not a number`),
// else the error itself.
func DecodeReason(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		r := article(te.Value) + " is not " + want(te.Type)
		if te.Field != "" {
			r = te.Field + ": " + r
		}
		return r
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("malformed JSON at byte %d", se.Offset)
	}
	return err.Error()
}

// article turns encoding/json's own value kinds ("number", "object") into words; values a
// tolerant decoder quoted stay as they are.
func article(v string) string {
	switch v {
	case "string", "number", "bool":
		if v == "bool" {
			v = "boolean"
		}
		return "a " + v
	case "object", "array":
		return "an " + v
	}
	if n, ok := strings.CutPrefix(v, "number "); ok {
		return n
	}
	return v
}

var (
	decimalType = reflect.TypeFor[decimal.Decimal]()
	timeType    = reflect.TypeFor[time.Time]()
)

// want names what a Go type takes, looking through the thin wrappers the clients decode
// into (struct{decimal.Decimal}, a named int64).
func want(t reflect.Type) string {
	if t == nil {
		return "valid here"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct {
		inner := t
		if t.NumField() > 0 && t.Field(0).Anonymous {
			inner = t.Field(0).Type
		}
		switch inner {
		case decimalType:
			return "a number"
		case timeType:
			return "a timestamp"
		}
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "text"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return "an object"
}

// RecordID reads the id under key of a raw record leniently, as a string or a number, so an
// undecodable record can still be named; "" when it is missing or of another kind. The key
// matches case-insensitively, as encoding/json matches fields.
func RecordID(raw json.RawMessage, key string) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return ""
	}
	v, ok := fields[key]
	if !ok {
		for k, x := range fields {
			if strings.EqualFold(k, key) {
				v, ok = x, true
				break
			}
		}
	}
	if !ok {
		return ""
	}
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return ""
		}
		return strings.TrimSpace(s)
	}
	var n json.Number
	if json.Unmarshal(v, &n) != nil {
		return ""
	}
	return n.String()
}

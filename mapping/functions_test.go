package mapping

import (
	"testing"

	"github.com/expr-lang/expr"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eval compiles and runs one expression against the defaults, with a small order as env.
func eval(t *testing.T, src string) any {
	t.Helper()
	s, err := Load("")
	require.NoError(t, err)
	s.Tables = map[string]map[string]string{"stores": {"1": "Stockholm"}}
	f := newFunctions(s)
	order := SourceOrder{ID: "7", Date: "2026-11-27", Customer: SourceCustomer{FirstName: "anna", LastName: "svensson"},
		Lines: []SourceLine{{SKU: "TS-1", Quantity: decimal.RequireFromString("3"), UnitPrice: decimal.RequireFromString("99.95")}}}
	env := lineEnv(order, order.Lines[0], 0)
	prog, err := expr.Compile(src, append([]expr.Option{expr.Env(env)}, f.options()...)...)
	require.NoError(t, err, src)
	out, err := expr.Run(prog, env)
	require.NoError(t, err, src)
	return out
}

func TestFunctions(t *testing.T) {
	tests := []struct {
		expr string
		want any
	}{
		{`upper("åsa")`, "ÅSA"},
		{`lower("ÅSA")`, "åsa"},
		{`trim("  x  ")`, "x"},
		{`title("anna-lena SVENSSON")`, "Anna-Lena Svensson"},
		{`concat("LS-", id, "/", 2)`, "LS-7/2"},
		{`join(" ", customer.first_name, "", customer.last_name)`, "anna svensson"},
		{`coalesce("", "  ", "b", "c")`, "b"},
		{`coalesce("", "")`, ""},
		{`default("", "x")`, "x"},
		{`default("a", "x")`, "a"},
		{`default(dec(0), 5)`, 5},
		{`truncate("Götgatan", 3)`, "Göt"},
		{`truncate("ab", 5)`, "ab"},
		{`replace("a-b-c", "-", "")`, "abc"},
		{`regex_replace("070-123 45 67", "[^0-9]+", "")`, "0701234567"},
		{`split_street("Storgatan 12 B")`, []string{"Storgatan", "12 B"}},
		{`street_name("Storgatan 12 B")`, "Storgatan"},
		{`street_number("Storgatan 12 B")`, "12 B"},
		{`street_number("Storgatan 12B")`, "12B"},
		{`street_name("Gamla Allén 5, lgh 1102")`, "Gamla Allén"},
		{`street_number("Gamla Allén 5, lgh 1102")`, "5, lgh 1102"},
		{`street_name("Drottninggatan")`, "Drottninggatan"},
		{`street_number("Drottninggatan")`, ""},
		{`split_street("12 Main Street")`, []string{"Main Street", "12"}},
		{`street_number("Box 123")`, "123"},
		{`country_name("se")`, "Sverige"},
		{`country_name("NO")`, "Norway"},
		{`country_name("XX")`, ""},
		{`country_code("Sverige")`, "SE"},
		{`country_code("norge")`, "NO"},
		{`country_code("United Kingdom")`, "GB"},
		{`country_code("dk")`, "DK"},
		{`country_code("Atlantis")`, ""},
		{`digits("556677-8899")`, "5566778899"},
		{`fortnox_clean("O'Brien\t<AB>")`, "OBrien AB"},
		{`lookup("stores", "1", "?")`, "Stockholm"},
		{`lookup("stores", "2", "?")`, "?"},
		{`lookup("payment_methods", "Cash", "")`, "KONTANT"},
		{`format_date(date, "DD/MM/YYYY")`, "27/11/2026"},
		{`format_date("2026-11-27T10:05:00Z", "YYYY-MM-DD HH:mm")`, "2026-11-27 10:05"},
		{`format_date("", "YYYY")`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			assert.Equal(t, tt.want, eval(t, tt.expr))
		})
	}
}

func TestDecimalFunctionsKeepPrecision(t *testing.T) {
	tests := []struct{ expr, want string }{
		{`dec("1.25")`, "1.25"},
		{`add(0.1, 0.2)`, "0.3"},
		{`sub(line.unit_price, "0.95")`, "99"},
		{`mul(line.unit_price, line.quantity)`, "299.85"},
		{`div(10, 4)`, "2.5"},
		{`round(div(10, 3), 2)`, "3.33"},
		{`round(2.5)`, "3"},
		{`round(mul(line.unit_price, 1.25), 2)`, "124.94"},
		{`line.unit_price.Mul(dec(2))`, "199.9"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got, ok := eval(t, tt.expr).(decimal.Decimal)
			require.True(t, ok)
			assert.Equal(t, tt.want, got.String())
		})
	}
}

func TestFunctionErrors(t *testing.T) {
	s, err := Load("")
	require.NoError(t, err)
	f := newFunctions(s)
	env := orderEnv(SourceOrder{})
	for _, src := range []string{`div(1, 0)`, `dec("abc")`, `regex_replace("a", "(", "")`, `format_date("27/11/2026", "YYYY")`, `lookup(id, "a", "b")`} {
		t.Run(src, func(t *testing.T) {
			prog, err := expr.Compile(src, append([]expr.Option{expr.Env(env)}, f.options()...)...)
			require.NoError(t, err)
			_, err = expr.Run(prog, env)
			require.Error(t, err)
		})
	}
	_, err = expr.Compile(`upper(total)`, append([]expr.Option{expr.Env(env)}, f.options()...)...)
	require.Error(t, err, "argument types are checked at compile time")
}

func TestParseDuration(t *testing.T) {
	d, err := ParseDuration("7d")
	require.NoError(t, err)
	assert.Equal(t, "168h0m0s", d.String())
	_, err = ParseDuration("xd")
	require.ErrorContains(t, err, "whole number of days")
}

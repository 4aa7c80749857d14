package fortnox

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"fortspeed/clients"
)

func TestFlexibleScalars(t *testing.T) {
	var v struct {
		N []Num  `json:"n"`
		I []Int  `json:"i"`
		B []Bool `json:"b"`
		T []Text `json:"t"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{
		"n":[1, "2.50", "-0", "", null, " 3 "],
		"i":[7, "8", 9.0, "", null],
		"b":[true, "false", "TRUE", "1", "0", "", null],
		"t":["A1", 42, null, ""]}`), &v))
	require.Equal(t, []string{"1", "2.5", "0", "0", "0", "3"}, []string{v.N[0].String(), v.N[1].String(), v.N[2].String(), v.N[3].String(), v.N[4].String(), v.N[5].String()})
	require.Equal(t, []bool{true, true, true, false, false, true}, []bool{v.N[0].Valid, v.N[1].Valid, v.N[2].Valid, v.N[3].Valid, v.N[4].Valid, v.N[5].Valid})
	require.Equal(t, []Int{7, 8, 9, 0, 0}, v.I)
	require.Equal(t, []Bool{true, false, true, true, false, false, false}, v.B)
	require.Equal(t, []Text{"A1", "42", "", ""}, v.T)

	b, err := json.Marshal(struct {
		A Num  `json:"a"`
		B *Num `json:"b,omitempty"`
		C Num  `json:"c"`
	}{A: Num{Decimal: dec("12.30"), Valid: true}})
	require.NoError(t, err)
	require.JSONEq(t, `{"a":12.3,"c":null}`, string(b))

	for bad, want := range map[string]string{
		`{"n":["1,5"]}`:   `n: "1,5" is not a number`,
		`{"i":["1.5"]}`:   `i: "1.5" is not a whole number`,
		`{"b":["maybe"]}`: `b: "maybe" is not true or false`,
		`{"t":[{}]}`:      `t: an object is not text`,
	} {
		err := json.Unmarshal([]byte(bad), &v)
		require.Error(t, err, bad)
		require.Equal(t, want, clients.DecodeReason(err), bad)
	}
}

func TestListItemDecodeErrorsNameTheField(t *testing.T) {
	var o OrderListItem
	err := json.Unmarshal([]byte(`{"DocumentNumber":"7","Total":"12 kr"}`), &o)
	require.Error(t, err)
	require.Equal(t, `Total: "12 kr" is not a number`, clients.DecodeReason(err))
	err = json.Unmarshal([]byte(`{"DocumentNumber":"7","CustomerName":{"first":"A"}}`), &o)
	require.Error(t, err)
	require.Equal(t, `CustomerName: an object is not text`, clients.DecodeReason(err))
}

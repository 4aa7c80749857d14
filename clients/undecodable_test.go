package clients

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRecordIDIsReadLeniently(t *testing.T) {
	for raw, want := range map[string]string{
		`{"saleID":"12","x":1}`:    "12",
		`{"saleID":12}`:            "12",
		`{"SALEID":" 12 "}`:        "12",
		`{"saleID":null}`:          "",
		`{"saleID":{"id":1}}`:      "",
		`{"other":"1"}`:            "",
		`["not","a","record"]`:     "",
		`{"DocumentNumber":"A-7"}`: "",
	} {
		assert.Equal(t, want, RecordID(json.RawMessage(raw), "saleID"), raw)
	}
	assert.Equal(t, "1042", RecordID(json.RawMessage(`{"DocumentNumber":1042}`), "DocumentNumber"))
}

func TestDecodeReasonWithoutAField(t *testing.T) {
	type Amount struct{ V int64 }
	assert.Equal(t, `true is not an object`, DecodeReason(BadValue([]byte(`true`), reflect.TypeFor[Amount]())))
	assert.Equal(t, `[0].x: "?" is not a whole number`,
		DecodeReason(InField(InField(BadValue([]byte(`"?"`), reflect.TypeFor[int64]()), "x"), "[0]")))
	assert.Equal(t, "SaleLine: boom", DecodeReason(InField(errors.New("boom"), "SaleLine")))
	var syn error = json.Unmarshal([]byte(`{"a":`), new(map[string]any))
	assert.Contains(t, DecodeReason(syn), "JSON")
}

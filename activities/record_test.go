package activities

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/mapping"
)

// decoded reads the fetched records' data as the order flows' source shape.
func decoded(t testing.TB, recs []Record) []mapping.SourceOrder {
	t.Helper()
	out := make([]mapping.SourceOrder, len(recs))
	for i, r := range recs {
		if err := r.Decode(&out[i]); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	return out
}

func TestRecordRoundTrips(t *testing.T) {
	created := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	src := mapping.SourceOrder{Vendor: "lightspeed", ID: "12", Total: decimal.RequireFromString("10.50"), Created: created}
	b, err := json.Marshal(NewRecord("12", created, src))
	require.NoError(t, err)
	var back Record
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, "12", back.ID)
	assert.True(t, created.Equal(back.Created))
	var got mapping.SourceOrder
	require.NoError(t, back.Decode(&got))
	assert.Equal(t, "10.5", got.Total.String())
}

// Histories recorded before the flow engine carry a bare mapping.SourceOrder where the
// engine has a Record: it must still read, with the order as its data.
func TestRecordReadsTheBareSourceOrderOfOldHistories(t *testing.T) {
	old := `{"vendor":"lightspeed","id":"7","date":"2026-11-27","total":"99","created":"2026-11-27T08:00:00Z"}`
	var r Record
	require.NoError(t, json.Unmarshal([]byte(old), &r))
	assert.Equal(t, "7", r.ID)
	assert.Equal(t, 2026, r.Created.Year())
	var got mapping.SourceOrder
	require.NoError(t, r.Decode(&got))
	assert.Equal(t, "2026-11-27", got.Date)
}

func TestRecordWithAProblemHasNoData(t *testing.T) {
	var r Record
	require.NoError(t, json.Unmarshal([]byte(`{"id":"9","problem":"SaleLines.SaleLine[0].unitPrice: \"N/A\" is not a number"}`), &r))
	assert.Equal(t, "9", r.ID)
	assert.Contains(t, r.Problem, "unitPrice")
	assert.Error(t, r.Decode(&mapping.SourceOrder{}))
}

func TestSweepBackoffDoubles(t *testing.T) {
	assert.Equal(t, 5*time.Minute, sweepBackoff(5*time.Minute, time.Hour, 1))
	assert.Equal(t, 20*time.Minute, sweepBackoff(5*time.Minute, time.Hour, 3))
	assert.Equal(t, time.Hour, sweepBackoff(5*time.Minute, time.Hour, 30))
	assert.Zero(t, sweepBackoff(-1, time.Hour, 2), "a negative backoff makes every record due")
}

// The sweep and `starter retry` start a record with its id alone: it must come back without
// data, so the flow reads it from the source.
func TestRecordWithOnlyAnIDHasNoData(t *testing.T) {
	b, err := json.Marshal(Record{ID: "31"})
	require.NoError(t, err)
	var r Record
	require.NoError(t, json.Unmarshal(b, &r))
	assert.Equal(t, "31", r.ID)
	assert.Empty(t, r.Data)
	require.NoError(t, json.Unmarshal([]byte(`{"id":"31","data":null}`), &r))
	assert.Empty(t, r.Data)
}

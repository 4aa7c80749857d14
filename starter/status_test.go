package main

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/activities"
)

// The lag reads as its age and what it is measured from, in text and in JSON (lag_seconds
// as before, lag_from beside it); a flow with nothing to measure shows none.
func TestStatusShowsWhatTheLagIsMeasuredFrom(t *testing.T) {
	since := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	seconds := int64(150)
	rep := statusReport{Tenant: "default", Retention: "7d", Flows: []flowStatus{
		{Flow: "orders-to-fortnox", Records: map[string]int64{}, LagSeconds: &seconds, LagFrom: &activities.Lag{
			Since: since, From: activities.LagFromRecord, WorkflowID: "default:orders-to-fortnox:sale:12", Status: "needs_fix"}},
		{Flow: "stock", Records: map[string]int64{}},
	}}
	var text bytes.Buffer
	rep.writeText(&text)
	assert.Contains(t, text.String(), "\n  lag        2m30s, the oldest unsynced change: record default:orders-to-fortnox:sale:12, needs_fix, started 2026-11-26T12:00:00Z\n")
	assert.Equal(t, 1, bytes.Count(text.Bytes(), []byte("  lag ")), "stock has no lag to show:\n%s", text.String())

	b, err := json.Marshal(rep)
	require.NoError(t, err)
	var doc struct {
		Flows []map[string]json.RawMessage `json:"flows"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.JSONEq(t, `150`, string(doc.Flows[0]["lag_seconds"]))
	assert.JSONEq(t, `{"since":"2026-11-26T12:00:00Z","from":"record","workflow_id":"default:orders-to-fortnox:sale:12","status":"needs_fix"}`,
		string(doc.Flows[0]["lag_from"]))
	assert.NotContains(t, doc.Flows[1], "lag_seconds")
	assert.NotContains(t, doc.Flows[1], "lag_from")
}

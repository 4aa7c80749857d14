package activities

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Record is one source record as a flow's fetch found it, in the shape the flow engine
// carries for every flow: the engine needs only its id (the last part of the record's
// workflow id) and when it was made (which bounds the page-wide check-exists); Data is the
// flow's own source shape (mapping.SourceOrder for the order flows), which only that flow's
// steps decode.
//
// Problem is set instead of Data when the vendor sent the record in a shape that cannot be
// decoded or mapped: the record becomes its own needs_fix record with Problem as the
// reason, and the page, the cursor and the other records go on.
type Record struct {
	ID      string
	Created time.Time
	Problem string
	Data    json.RawMessage
}

type recordJSON struct {
	ID      string          `json:"id"`
	Created time.Time       `json:"created,omitzero"`
	Problem string          `json:"problem,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// MarshalJSON writes {"id","created","problem","data"}.
func (r Record) MarshalJSON() ([]byte, error) {
	return json.Marshal(recordJSON(r))
}

// UnmarshalJSON reads the engine's shape and, for histories recorded before the engine,
// the order flows' bare mapping.SourceOrder (no "data" key, and always a "vendor" one): that
// whole object is the record's Data, and its "id" and "created" are the record's. A record
// of the engine with only an id (one the sweep starts again) stays without data.
func (r *Record) UnmarshalJSON(b []byte) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return fmt.Errorf("source record: %w", err)
	}
	var v recordJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("source record: %w", err)
	}
	_, hasData := keys["data"]
	if _, legacy := keys["vendor"]; legacy && !hasData {
		v.Data = bytes.Clone(b)
	}
	if bytes.Equal(bytes.TrimSpace(v.Data), []byte("null")) {
		v.Data = nil
	}
	*r = Record(v)
	return nil
}

// NewRecord wraps a flow's source record. The data of a fetch always marshals (plain
// structs of strings, decimals and times); an error is a bug, reported as the record's
// Problem so it still reaches needs_fix instead of vanishing.
func NewRecord(id string, created time.Time, data any) Record {
	raw, err := json.Marshal(data)
	if err != nil {
		return Record{ID: id, Created: created, Problem: fmt.Sprintf("encode source record %s: %v", id, err)}
	}
	return Record{ID: id, Created: created, Data: raw}
}

// Decode reads the record's Data into v (the flow's source shape).
func (r Record) Decode(v any) error {
	if len(r.Data) == 0 {
		return fmt.Errorf("source record %s has no data", r.ID)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		return fmt.Errorf("source record %s: %w", r.ID, err)
	}
	return nil
}

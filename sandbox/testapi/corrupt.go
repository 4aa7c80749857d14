package testapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Corruption replaces one value in the wire output of one record, so a test can hand a
// client a malformed record (a "N/A" unit price, an object where a total belongs) among good
// ones, as real APIs sometimes do.
//
// PUT /_sandbox/corrupt sets one; a later one with the same entity, id and path replaces it.
// GET /_sandbox/corrupt lists them with how often each was applied; DELETE /_sandbox/corrupt
// and POST /_sandbox/reset remove them all. Every API answer that renders the record carries
// the corruption — list pages, the single GET, the answer to a write, the record nested in
// another one — until then. Stored data is untouched: GET /_sandbox/state shows the record as
// it is held.
type Corruption struct {
	// Entity is the record kind as the vendor's API names it: "Sale", "SaleLine", "Item"
	// (Lightspeed), "Order", "Customer", "Article" (Fortnox). Other names are refused.
	Entity string `json:"entity"`
	// ID is the record's id: saleID, itemID… or DocumentNumber, CustomerNumber, ArticleNumber.
	// A record created later with this id is corrupted too.
	ID string `json:"id"`
	// Path is dot-separated keys and array indexes below the record, e.g.
	// "SaleLines.SaleLine.0.unitPrice" or "OrderRows.1.Price". Index 0 also selects a lone
	// object, which is how a one-element Lightspeed collection arrives. The last key is added
	// when the record lacks it; any other step that does not exist leaves the answer as it is.
	Path string `json:"path"`
	// Value is any JSON, null included; it is written verbatim.
	Value json.RawMessage `json:"value"`
	// Applied counts the answers that carried it (in answers only).
	Applied int64 `json:"applied"`
}

// check refuses a corruption that could never apply; entities are the vendor's kinds.
func (c *Corruption) check(entities []string) error {
	switch {
	case c.Entity == "" || c.ID == "" || c.Path == "":
		return fmt.Errorf(`a corruption needs entity, id, path and value: {"entity":"Sale","id":"12","path":"SaleLines.SaleLine.0.unitPrice","value":"N/A"}`)
	case !slices.Contains(entities, c.Entity):
		return fmt.Errorf("entity %q cannot be corrupted here; use one of %s", c.Entity, strings.Join(entities, ", "))
	case len(bytes.TrimSpace(c.Value)) == 0:
		return fmt.Errorf("value is missing: give any JSON, null included")
	case !json.Valid(c.Value):
		return fmt.Errorf("value is not JSON")
	}
	if slices.Contains(strings.Split(c.Path, "."), "") {
		return fmt.Errorf("path %q has an empty step", c.Path)
	}
	var compact bytes.Buffer
	json.Compact(&compact, c.Value) // valid, checked above
	c.Value = compact.Bytes()
	c.Applied = 0
	return nil
}

// SetCorruption adds c, replacing one for the same entity, id and path.
func (h *Harness) SetCorruption(c Corruption) {
	h.cmu.Lock()
	defer h.cmu.Unlock()
	for i, old := range h.corruptions {
		if old.Entity == c.Entity && old.ID == c.ID && old.Path == c.Path {
			h.corruptions[i] = c
			return
		}
	}
	h.corruptions = append(h.corruptions, c)
}

// Corruptions returns the corruptions in force.
func (h *Harness) Corruptions() []Corruption {
	h.cmu.Lock()
	defer h.cmu.Unlock()
	return slices.Clone(h.corruptions)
}

// corruptionsView is the answer of GET and PUT /_sandbox/corrupt: never null.
func (h *Harness) corruptionsView() []Corruption {
	if cs := h.Corruptions(); cs != nil {
		return cs
	}
	return []Corruption{}
}

// ClearCorruptions removes every corruption.
func (h *Harness) ClearCorruptions() {
	h.cmu.Lock()
	defer h.cmu.Unlock()
	h.corruptions = nil
}

// Corrupt applies the corruptions of one record to its rendered wire object and returns the
// result. v itself is not changed (the path is copied on the way down), so a rendering
// that shares maps with stored data cannot alter the data. A sandbox calls it wherever its
// API renders a record.
func (h *Harness) Corrupt(entity, id string, v map[string]any) map[string]any {
	h.cmu.Lock()
	defer h.cmu.Unlock()
	for i := range h.corruptions {
		c := &h.corruptions[i]
		if c.Entity != entity || c.ID != id {
			continue
		}
		if out, ok := replaceAt(v, strings.Split(c.Path, "."), c.Value); ok {
			if m, isMap := out.(map[string]any); isMap {
				v = m
				c.Applied++
			}
		}
	}
	return v
}

// replaceAt returns v with the value at path replaced, copying every map and slice it
// changes; ok is false when the path does not lead anywhere in v.
func replaceAt(v any, path []string, value json.RawMessage) (any, bool) {
	if len(path) == 0 {
		return value, true
	}
	step := path[0]
	switch node := v.(type) {
	case map[string]any:
		child, has := node[step]
		switch {
		case !has && step == "0":
			// A one-element collection arrives as the element itself.
			return replaceAt(node, path[1:], value)
		case !has && len(path) > 1:
			return v, false
		}
		out, ok := replaceAt(child, path[1:], value)
		if !ok {
			return v, false
		}
		cp := make(map[string]any, len(node)+1)
		for k, x := range node {
			cp[k] = x
		}
		cp[step] = out
		return cp, true
	case []any:
		i, err := strconv.Atoi(step)
		if err != nil || i < 0 || i >= len(node) {
			return v, false
		}
		out, ok := replaceAt(node[i], path[1:], value)
		if !ok {
			return v, false
		}
		cp := slices.Clone(node)
		cp[i] = out
		return cp, true
	}
	return v, false
}

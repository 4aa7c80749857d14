package lightspeed

import (
	"slices"
	"sort"
	"strings"
)

// applyFields copies the scalar fields of body onto rec. Relation keys listed in nested are
// left to the caller; read-only fields are ignored as the API ignores them; anything else
// unknown is an error naming the field.
func applyFields(def *entityDef, rec record, body map[string]any, nested ...string) error {
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if contains(nested, k) {
			continue
		}
		f, ok := def.byName[k]
		if !ok {
			return badRequest("Unknown field '%s' for %s.", k, def.name)
		}
		if f.readOnly {
			continue
		}
		v, err := scalarString(def.name, f, body[k])
		if err != nil {
			return err
		}
		if v == "" && (f.kind == kInt || f.kind == kDecimal) {
			v = "0"
		}
		if v == "" && f.kind == kBool {
			v = "false"
		}
		rec[f.name] = v
	}
	return nil
}

// elements reads a nested collection in any of the shapes the API accepts:
// {"Wrapper": {…}}, {"Wrapper": [{…}, …]}, a bare object or array, or ""/null for none.
func elements(entity, key, wrapper string, v any) ([]map[string]any, error) {
	bad := badRequest("%s.%s must look like {\"%s\": {…}} or {\"%s\": [{…}, …]}.", entity, key, wrapper, wrapper)
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		if strings.TrimSpace(x) == "" {
			return nil, nil
		}
		return nil, bad
	case []any:
		return objectList(x, bad)
	case map[string]any:
		inner, ok := x[wrapper]
		if !ok {
			if len(x) == 0 {
				return nil, nil
			}
			return []map[string]any{x}, nil
		}
		if len(x) != 1 {
			return nil, bad
		}
		switch y := inner.(type) {
		case map[string]any:
			return []map[string]any{y}, nil
		case []any:
			return objectList(y, bad)
		case nil, string:
			return nil, nil
		}
	}
	return nil, bad
}

func objectList(list []any, bad error) ([]map[string]any, error) {
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, bad
		}
		out = append(out, m)
	}
	return out, nil
}

// createSimpleLocked creates a flat entity whose required field is required.
func (s *Server) createSimpleLocked(def *entityDef, body map[string]any, required string, now string) (int, error) {
	rec := blank(def)
	if err := applyFields(def, rec, body); err != nil {
		return 0, err
	}
	if strings.TrimSpace(rec[required]) == "" {
		return 0, badRequest("%s cannot be blank.", required)
	}
	if _, ok := def.byName["timeStamp"]; ok {
		rec["timeStamp"] = now
	}
	return s.st.tables[def.name].insert(def.idField, rec), nil
}

func (s *Server) updateSimpleLocked(def *entityDef, id int, body map[string]any, now string) error {
	rec := s.st.get(def.name, id)
	next := copyRecord(rec)
	if err := applyFields(def, next, body); err != nil {
		return err
	}
	if _, ok := def.byName["name"]; ok && strings.TrimSpace(next["name"]) == "" {
		return badRequest("name cannot be blank.")
	}
	if _, ok := def.byName["timeStamp"]; ok {
		next["timeStamp"] = now
	}
	for k, v := range next {
		rec[k] = v
	}
	return nil
}

func copyRecord(rec record) record {
	out := make(record, len(rec))
	for k, v := range rec {
		out[k] = v
	}
	return out
}

// checkRef verifies a foreign key points at an existing record (0 means none).
func (s *Server) checkRef(entity, field string, rec record, target string) error {
	id := rec.int(field)
	if id != 0 && s.st.get(target, id) == nil {
		return badRequest("%s.%s: %s %d does not exist.", entity, field, target, id)
	}
	return nil
}

// customFieldTypes are the value types Lightspeed offers for an item custom field.
var customFieldTypes = []string{"string", "boolean", "date", "float", "integer", "single_choice", "multi_choice"}

// createCustomFieldLocked creates an item custom field; a name is required, names are
// unique among the fields not archived, and the type defaults to string.
func (s *Server) createCustomFieldLocked(body map[string]any, now string) (int, error) {
	def := s.defs["CustomField"]
	rec := blank(def)
	rec["type"], rec["archived"], rec["createTime"] = "string", "false", now
	if err := applyFields(def, rec, body); err != nil {
		return 0, err
	}
	name := strings.TrimSpace(rec["name"])
	if name == "" {
		return 0, badRequest("name cannot be blank.")
	}
	if !slices.Contains(customFieldTypes, rec["type"]) {
		return 0, badRequest("CustomField.type: '%s' is not a valid type.", rec["type"])
	}
	for _, other := range s.st.tables["CustomField"].rows {
		if other["archived"] != "true" && strings.EqualFold(strings.TrimSpace(other["name"]), name) {
			return 0, badRequest("A custom field named '%s' already exists.", name)
		}
	}
	rec["timeStamp"] = now
	return s.st.tables["CustomField"].insert(def.idField, rec), nil
}

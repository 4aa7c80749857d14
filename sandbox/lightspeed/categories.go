package lightspeed

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

func (s *Server) createCategoryLocked(body map[string]any, now string) (int, error) {
	def := s.defs["Category"]
	rec := blank(def)
	if err := applyFields(def, rec, body); err != nil {
		return 0, err
	}
	if strings.TrimSpace(rec["name"]) == "" {
		return 0, badRequest("name cannot be blank.")
	}
	if err := s.checkRef("Category", "parentID", rec, "Category"); err != nil {
		return 0, err
	}
	rec["createTime"], rec["timeStamp"] = now, now
	id := s.st.tables["Category"].insert("categoryID", rec)
	s.rebuildCategoryTreeLocked(now)
	return id, nil
}

func (s *Server) updateCategoryLocked(id int, body map[string]any, now string) error {
	rec := s.st.get("Category", id)
	next := copyRecord(rec)
	if err := applyFields(s.defs["Category"], next, body); err != nil {
		return err
	}
	if strings.TrimSpace(next["name"]) == "" {
		return badRequest("name cannot be blank.")
	}
	if err := s.checkRef("Category", "parentID", next, "Category"); err != nil {
		return err
	}
	// A category cannot move under itself or one of its descendants.
	for p := next.int("parentID"); p != 0; p = s.st.get("Category", p).int("parentID") {
		if p == id {
			return badRequest("Category.parentID: category %d cannot be its own ancestor.", id)
		}
	}
	next["timeStamp"] = now
	for k, v := range next {
		rec[k] = v
	}
	s.rebuildCategoryTreeLocked(now)
	return nil
}

// deleteCategoryLocked really deletes, unless the category has sub-categories.
func (s *Server) deleteCategoryLocked(id int) (int, any, error) {
	for _, other := range s.st.tables["Category"].ids {
		if s.st.get("Category", other).int("parentID") == id {
			return 0, nil, badRequest("Category %d has sub-categories and cannot be deleted.", id)
		}
	}
	out := s.singleLocked(s.defs["Category"], id, nil)
	s.st.tables["Category"].remove(id)
	s.rebuildCategoryTreeLocked(wireTime(s.clock.Now()))
	return http.StatusOK, out, nil
}

// rebuildCategoryTreeLocked recomputes fullPathName, nodeDepth and the nested-set
// leftNode/rightNode numbering; timeStamps move only for categories whose values changed.
func (s *Server) rebuildCategoryTreeLocked(now string) {
	t := s.st.tables["Category"]
	children := map[int][]int{}
	for _, id := range t.ids {
		p := t.rows[id].int("parentID")
		children[p] = append(children[p], id)
	}
	for _, c := range children {
		sort.Slice(c, func(i, j int) bool {
			return strings.ToLower(t.rows[c[i]]["name"]) < strings.ToLower(t.rows[c[j]]["name"])
		})
	}
	counter := 0
	var walk func(id, depth int, path string)
	walk = func(id, depth int, path string) {
		rec := t.rows[id]
		full := rec["name"]
		if path != "" {
			full = path + "/" + rec["name"]
		}
		counter++
		left := counter
		for _, c := range children[id] {
			walk(c, depth+1, full)
		}
		counter++
		vals := map[string]string{"fullPathName": full, "nodeDepth": strconv.Itoa(depth),
			"leftNode": strconv.Itoa(left), "rightNode": strconv.Itoa(counter)}
		changed := false
		for k, v := range vals {
			if rec[k] != v {
				rec[k], changed = v, true
			}
		}
		if changed && rec["timeStamp"] != "" {
			rec["timeStamp"] = now
		}
	}
	for _, root := range children[0] {
		walk(root, 0, "")
	}
}

package fortnox

import (
	"bytes"
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	defaultLimit = 100
	maxLimit     = 500
)

// entry is a stored record with its last-modified time (for ?lastmodified=).
type entry struct {
	rec      record
	modified time.Time
}

// listSpec is what one list endpoint accepts beyond page/limit/offset.
type listSpec struct {
	search       map[string]func(e *entry, v string) (bool, *apiError)
	filters      map[string]func(e *entry) bool
	sorts        map[string]func(a, b *entry) int
	lastModified bool
}

type listQuery struct {
	page, limit, offset int
	preds               []func(e *entry) (bool, *apiError)
	sort                func(a, b *entry) int
	desc                bool
}

// substring matches a field case-insensitively anywhere in its value, like Fortnox's ILIKE.
func substring(fieldName string) func(e *entry, v string) (bool, *apiError) {
	return func(e *entry, v string) (bool, *apiError) {
		return strings.Contains(strings.ToLower(e.rec.str(fieldName)), strings.ToLower(v)), nil
	}
}

// boolParam matches a boolean field against "true"/"false".
func boolParam(param, fieldName string) func(e *entry, v string) (bool, *apiError) {
	return func(e *entry, v string) (bool, *apiError) {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, badRequest(codeBadParam, "Ogiltig parameter i anropet (%s=%q är inte true/false).", param, v)
		}
		return e.rec.boolean(fieldName) == b, nil
	}
}

func byString(fieldName string) func(a, b *entry) int {
	return func(a, b *entry) int { return naturalCompare(a.rec.str(fieldName), b.rec.str(fieldName)) }
}

func byDecimal(fieldName string) func(a, b *entry) int {
	return func(a, b *entry) int { return a.rec.dec(fieldName).Cmp(b.rec.dec(fieldName)) }
}

// naturalCompare orders numeric keys by value ("2" < "10") and the rest as text.
func naturalCompare(a, b string) int {
	ai, aerr := strconv.ParseInt(a, 10, 64)
	bi, berr := strconv.ParseInt(b, 10, 64)
	switch {
	case aerr == nil && berr == nil:
		return cmp.Compare(ai, bi)
	case aerr == nil:
		return -1
	case berr == nil:
		return 1
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b))
}

// parseLastModified reads the three documented formats as Europe/Stockholm local time.
func (s *Server) parseLastModified(v string) (time.Time, bool) {
	for _, layout := range []string{time.DateTime, "2006-01-02 15:04", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, v, s.location); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func positiveInt(q map[string][]string, name string, def int) (int, *apiError) {
	v, ok := q[name]
	if !ok || v[0] == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < 0 || (n == 0 && name != "offset") {
		return 0, badRequest(codeBadParam, "Ogiltig parameter i anropet (%s=%q).", name, v[0])
	}
	return n, nil
}

// parseList validates the query string of a list call. Every parameter must be known:
// Fortnox answers 2000588 for unsupported ones and 2000587 for an unknown filter.
func (s *Server) parseList(r *http.Request, spec listSpec) (listQuery, *apiError) {
	q := r.URL.Query()
	lq := listQuery{}
	var err *apiError
	if lq.page, err = positiveInt(q, "page", 1); err != nil {
		return lq, err
	}
	if lq.limit, err = positiveInt(q, "limit", defaultLimit); err != nil {
		return lq, err
	}
	if lq.limit > maxLimit {
		return lq, badRequest(codeBadParam, "Ogiltig parameter i anropet (limit=%d, högst %d).", lq.limit, maxLimit)
	}
	if lq.offset, err = positiveInt(q, "offset", 0); err != nil {
		return lq, err
	}
	for name, vals := range q {
		v := vals[0]
		switch name {
		case "page", "limit", "offset":
		case "filter":
			f, ok := spec.filters[strings.ToLower(v)]
			if !ok {
				return lq, badRequest(codeBadFilter, "Ett ogiltigt filter har använts.")
			}
			lq.preds = append(lq.preds, func(e *entry) (bool, *apiError) { return f(e), nil })
		case "sortby":
			f, ok := spec.sorts[strings.ToLower(v)]
			if !ok {
				return lq, badRequest(codeBadParam, "Ogiltig parameter i anropet (sortby=%q).", v)
			}
			lq.sort = f
		case "sortorder":
			switch strings.ToLower(v) {
			case "ascending", "asc":
			case "descending", "desc":
				lq.desc = true
			default:
				return lq, badRequest(codeBadParam, "Ogiltig parameter i anropet (sortorder=%q).", v)
			}
		case "lastmodified":
			if !spec.lastModified {
				return lq, badRequest(codeBadParam, "Ogiltig parameter i anropet (lastmodified).")
			}
			t, ok := s.parseLastModified(v)
			if !ok {
				return lq, badRequest(codeBadParam, "Ogiltig parameter i anropet (lastmodified=%q; ÅÅÅÅ-MM-DD[ TT:MM[:SS]]).", v)
			}
			lq.preds = append(lq.preds, func(e *entry) (bool, *apiError) { return !e.modified.Before(t), nil })
		default:
			f, ok := spec.search[name]
			if !ok {
				return lq, badRequest(codeBadParam, "Ogiltig parameter i anropet (%s).", name)
			}
			lq.preds = append(lq.preds, func(e *entry) (bool, *apiError) { return f(e, v) })
		}
	}
	return lq, nil
}

// apply filters, sorts and pages the entries (already in key order).
func (lq listQuery) apply(all []*entry) (page []*entry, total int, err *apiError) {
	matched := make([]*entry, 0, len(all))
	for _, e := range all {
		keep := true
		for _, p := range lq.preds {
			ok, perr := p(e)
			if perr != nil {
				return nil, 0, perr
			}
			if !ok {
				keep = false
				break
			}
		}
		if keep {
			matched = append(matched, e)
		}
	}
	if lq.sort != nil {
		slices.SortStableFunc(matched, lq.sort)
	}
	if lq.desc {
		slices.Reverse(matched)
	}
	total = len(matched)
	if lq.offset < len(matched) {
		matched = matched[lq.offset:]
	} else {
		matched = nil
	}
	start := (lq.page - 1) * lq.limit
	if start >= len(matched) {
		return nil, total, nil
	}
	return matched[start:min(len(matched), start+lq.limit)], total, nil
}

// writeList answers {"MetaInformation":{…},"<Wrapper>":[…]} with MetaInformation first.
func (s *Server) writeList(w http.ResponseWriter, wrapper string, items []any, lq listQuery, total int) {
	pages := 0
	if n := total - min(total, lq.offset); n > 0 {
		pages = (n + lq.limit - 1) / lq.limit
	}
	if items == nil {
		items = []any{}
	}
	var buf bytes.Buffer
	buf.WriteString(`{"MetaInformation":{"@TotalResources":`)
	buf.WriteString(strconv.Itoa(total))
	buf.WriteString(`,"@TotalPages":`)
	buf.WriteString(strconv.Itoa(pages))
	buf.WriteString(`,"@CurrentPage":`)
	buf.WriteString(strconv.Itoa(lq.page))
	buf.WriteString(`},"`)
	buf.WriteString(wrapper)
	buf.WriteString(`":`)
	buf.Write(fortnoxJSON(items))
	buf.WriteString("}")
	writeJSONBytes(w, http.StatusOK, buf.Bytes())
}

// sortedEntries lists a table in natural key order.
func sortedEntries(m map[string]*entry) []*entry {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, naturalCompare)
	out := make([]*entry, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

package lightspeed

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// apiRequest is one parsed call on /API/V3/Account/{acct}/{Entity}[/{id}].
type apiRequest struct {
	r        *http.Request
	method   string
	entity   string
	id       string
	body     map[string]any
	bodyErr  error
	query    *listQuery
	queryErr error
	refund   bool // POST Sale/{id}/refund
}

func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, ".json")
	segs := strings.Split(strings.Trim(path, "/"), "/")
	// Item/CustomField is the one nested collection served: fold it into one entity name.
	if len(segs) >= 6 && segs[4] == "Item" && segs[5] == "CustomField" {
		segs = append(append(segs[:4:4], "CustomField"), segs[6:]...)
	} else if len(segs) >= 5 && segs[4] == "CustomField" {
		segs[4] = "Item.CustomField" // only under Item: an unknown resource here
	}
	// POST Sale/{id}/refund is the one action served under a record.
	refund := len(segs) == 7 && segs[4] == "Sale" && strings.EqualFold(segs[6], "refund")
	if refund {
		segs = segs[:6]
	}
	if len(segs) < 3 || segs[0] != "API" || segs[1] != "V3" || segs[2] != "Account" || len(segs) > 6 {
		writeError(w, http.StatusNotFound, "No API route "+r.Method+" "+r.URL.Path+"; paths look like /API/V3/Account/{accountID}/{Entity}.json.")
		return
	}
	rq := &apiRequest{r: r, method: r.Method, refund: refund}
	if len(segs) >= 5 {
		rq.entity = segs[4]
	}
	if len(segs) == 6 {
		rq.id = segs[5]
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		raw, err := readBody(r)
		if err != nil {
			rq.bodyErr = badRequest("The request body could not be read.")
		} else if refund && len(bytes.TrimSpace(raw)) == 0 {
			rq.body = map[string]any{} // a refund of the whole sale needs no body
		} else {
			rq.body, rq.bodyErr = decodeObject(raw)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	clientID, ok := s.authenticateLocked(w, r)
	if !ok {
		return
	}
	if len(segs) >= 4 && segs[3] != s.opts.AccountID {
		w.Header().Set("X-LS-OAuth-Client-Id", clientID)
		writeError(w, http.StatusForbidden, "The access token does not grant access to account "+segs[3]+".")
		return
	}
	def := s.defs[rq.entity]
	if def != nil && (r.Method == http.MethodGet || r.Method == http.MethodPost || r.Method == http.MethodPut) {
		rq.query, rq.queryErr = s.parseQuery(def, r.URL, r.Method == http.MethodGet && rq.id == "")
	}
	cost := 1.0
	if rq.queryErr == nil && rq.bodyErr == nil {
		cost = s.requestCost(rq)
	}
	if !s.limitLocked(w, clientID, cost) {
		return
	}
	status, out, err := s.serveLocked(rq, segs, def)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = &apiError{status: http.StatusInternalServerError, msg: "The server had an error while processing the request."}
		}
		writeError(w, ae.status, ae.msg)
		return
	}
	if r.URL.Query().Has("pretty_print") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "    ")
		enc.Encode(out)
		return
	}
	writeJSON(w, status, out)
}

func (s *Server) serveLocked(rq *apiRequest, segs []string, def *entityDef) (int, any, error) {
	switch {
	case len(segs) <= 4:
		if rq.method != http.MethodGet {
			return 0, nil, &apiError{status: http.StatusMethodNotAllowed, msg: "Method " + rq.method + " not allowed on Account."}
		}
		return http.StatusOK, map[string]any{"@attributes": map[string]string{"count": "1"}, "Account": map[string]any{
			"accountID": s.opts.AccountID, "name": "Fortspeed Demo AB",
			"link": map[string]any{"@attributes": map[string]string{"href": "/API/V3/Account/" + s.opts.AccountID}},
		}}, nil
	case def == nil:
		return 0, nil, &apiError{status: http.StatusNotFound, msg: "Invalid resource '" + rq.entity + "'."}
	}
	if rq.bodyErr != nil {
		return 0, nil, rq.bodyErr
	}
	if rq.queryErr != nil {
		return 0, nil, rq.queryErr
	}
	var id int
	if rq.id != "" {
		n, err := strconv.Atoi(rq.id)
		if err != nil || n <= 0 || s.st.get(def.name, n) == nil {
			return 0, nil, notFound(def.name, rq.id)
		}
		id = n
	}
	notAllowed := &apiError{status: http.StatusMethodNotAllowed, msg: "Method " + rq.method + " not allowed on " + def.name + "."}
	if rq.refund {
		if rq.method != http.MethodPost {
			return 0, nil, notAllowed
		}
		refundID, err := s.refundSaleLocked(id, rq.body, wireTime(s.clock.Now()))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, s.singleLocked(def, refundID, relSet{"SaleLines": true, "SalePayments": true, "Shop": true}), nil
	}
	switch rq.method {
	case http.MethodGet:
		if id == 0 {
			return s.listLocked(def, rq)
		}
		return http.StatusOK, s.singleLocked(def, id, rq.query.rels), nil
	case http.MethodPost:
		if !def.writes["POST"] || id != 0 {
			return 0, nil, notAllowed
		}
	case http.MethodPut:
		if !def.writes["PUT"] || id == 0 {
			return 0, nil, notAllowed
		}
	case http.MethodDelete:
		if !def.writes["DELETE"] || id == 0 {
			return 0, nil, notAllowed
		}
	default:
		return 0, nil, notAllowed
	}
	now := wireTime(s.clock.Now())
	var err error
	switch def.name + " " + rq.method {
	case "Item POST":
		id, err = s.createItemLocked(rq.body, now)
	case "Item PUT":
		err = s.updateItemLocked(id, rq.body, now)
	case "Item DELETE":
		s.archiveItemLocked(id, now)
	case "ItemShop PUT":
		err = s.updateItemShopLocked(id, rq.body, now)
	case "ItemMatrix POST":
		id, err = s.createMatrixLocked(rq.body, now)
	case "ItemMatrix PUT":
		err = s.updateMatrixLocked(id, rq.body, now)
	case "ItemMatrix DELETE":
		s.st.get("ItemMatrix", id)["archived"] = "true"
		s.st.get("ItemMatrix", id)["timeStamp"] = now
	case "ItemAttributeSet POST":
		id, err = s.createSimpleLocked(def, rq.body, "name", now)
	case "CustomField POST":
		id, err = s.createCustomFieldLocked(rq.body, now)
	case "CustomField PUT":
		err = s.updateSimpleLocked(def, id, rq.body, now)
	case "CustomField DELETE":
		s.st.get("CustomField", id)["archived"] = "true"
		s.st.get("CustomField", id)["timeStamp"] = now
	case "Category POST":
		id, err = s.createCategoryLocked(rq.body, now)
	case "Category PUT":
		err = s.updateCategoryLocked(id, rq.body, now)
	case "Category DELETE":
		return s.deleteCategoryLocked(id)
	case "Customer POST":
		id, err = s.createCustomerLocked(rq.body, now)
	case "Customer PUT":
		err = s.updateCustomerLocked(id, rq.body, now)
	case "Customer DELETE":
		s.st.get("Customer", id)["archived"] = "true"
		s.st.get("Customer", id)["timeStamp"] = now
	case "CustomerType POST", "PaymentType POST":
		id, err = s.createSimpleLocked(def, rq.body, "name", now)
	case "CustomerType PUT", "PaymentType PUT":
		err = s.updateSimpleLocked(def, id, rq.body, now)
	case "Sale POST":
		id, err = s.createSaleLocked(rq.body, now)
	case "Sale PUT":
		err = s.updateSaleLocked(id, rq.body, now)
	case "Sale DELETE":
		err = s.archiveSaleLocked(id, now)
	case "SaleLine PUT":
		err = s.updateSaleLineLocked(id, rq.body, now)
	case "SaleLine DELETE":
		out := s.singleLocked(def, id, relSet{})
		if err := s.deleteSaleLineLocked(id, now); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, out, nil
	default:
		return 0, nil, notAllowed
	}
	if err != nil {
		return 0, nil, err
	}
	rels := relSet{}
	if rq.query != nil {
		for k := range rq.query.rels {
			rels[k] = true
		}
	}
	// Write responses include what the docs samples show: an Item's ItemShops, a
	// Customer's Contact, a Sale's lines, payments, Shop and Customer.
	switch def.name {
	case "Item":
		rels["ItemShops"] = true
		if s.st.attrs[id] != nil {
			rels["ItemAttributes"] = true
		}
	case "Customer":
		rels["Contact"] = true
	case "Sale":
		rels["SaleLines"], rels["SalePayments"], rels["Shop"] = true, true, true
		if s.st.get("Sale", id).int("customerID") > 0 {
			rels["Customer"] = true
		}
	}
	return http.StatusOK, s.singleLocked(def, id, rels), nil
}

func (s *Server) singleLocked(def *entityDef, id int, rels relSet) map[string]any {
	return map[string]any{"@attributes": map[string]string{"count": "1"}, def.name: s.renderLocked(def.name, s.st.get(def.name, id), rels)}
}

// listLocked answers a query: filter, sort, cut a page at the cursor and link the next and
// previous pages. With no match the entity key is left out.
func (s *Server) listLocked(def *entityDef, rq *apiRequest) (int, any, error) {
	q := rq.query
	t := s.st.tables[def.name]
	var rows []record
	for _, id := range t.ids {
		rec := t.rows[id]
		if s.matchesLocked(def, rec, q) {
			rows = append(rows, rec)
		}
	}
	if q.count {
		return http.StatusOK, map[string]any{"@attributes": map[string]string{"count": strconv.Itoa(len(rows))}}, nil
	}
	sk := def.byName[q.sortField].kind
	cmpKey := func(rec record, key []any) int {
		c := compare(sk, rec[q.sortField], keyString(key[0]))
		if c == 0 && len(key) > 1 {
			c = compare(kInt, rec[def.idField], keyString(key[1]))
		}
		if q.desc {
			c = -c
		}
		return c
	}
	if q.sortField != def.idField {
		sort.SliceStable(rows, func(i, j int) bool {
			c := compare(sk, rows[i][q.sortField], rows[j][q.sortField])
			if c == 0 {
				return rows[i].int(def.idField) < rows[j].int(def.idField)
			}
			return c < 0
		})
	}
	if q.desc {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	var start, end int // the first page starts at 0; every case sets end
	switch {
	case q.after != nil:
		start = sort.Search(len(rows), func(i int) bool { return cmpKey(rows[i], q.after) > 0 })
		end = min(len(rows), start+q.limit)
	case q.before != nil:
		end = sort.Search(len(rows), func(i int) bool { return cmpKey(rows[i], q.before) >= 0 })
		start = max(0, end-q.limit)
	default:
		end = min(len(rows), q.limit)
	}
	page := rows[start:end]
	attrs := map[string]string{"limit": strconv.Itoa(q.limit), "next": "", "previous": ""}
	if end < len(rows) && len(page) > 0 {
		attrs["next"] = s.pageURL(def, rq, "after", s.cursor(def, q, page[len(page)-1]))
	}
	if start > 0 && len(page) > 0 {
		attrs["previous"] = s.pageURL(def, rq, "before", s.cursor(def, q, page[0]))
	}
	out := map[string]any{"@attributes": attrs}
	elems := make([]any, 0, len(page))
	for _, rec := range page {
		elems = append(elems, s.renderLocked(def.name, rec, q.rels))
	}
	switch len(elems) {
	case 0:
	case 1:
		out[def.name] = elems[0]
	default:
		out[def.name] = elems
	}
	return http.StatusOK, out, nil
}

func keyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// cursor is base64(JSON) of the row's sort value and id ([id] when sorting by id).
func (s *Server) cursor(def *entityDef, q *listQuery, rec record) string {
	var key []any
	id, _ := strconv.Atoi(rec[def.idField])
	if q.sortField == def.idField {
		key = []any{id}
	} else {
		key = []any{rec[q.sortField], id}
	}
	b, _ := json.Marshal(key)
	return base64.StdEncoding.EncodeToString(b)
}

// pageURL keeps the request's filters and appends sort, limit and the cursor, as the real
// next/previous links do.
func (s *Server) pageURL(def *entityDef, rq *apiRequest, param, cursor string) string {
	vals := rq.r.URL.Query()
	vals.Del("after")
	vals.Del("before")
	q := rq.query
	if !q.sortGiven {
		vals.Set("sort", def.idField)
	}
	vals.Set("limit", strconv.Itoa(q.limit))
	vals.Set(param, cursor)
	return s.opts.BaseURL + rq.r.URL.Path + "?" + vals.Encode()
}

// decodeObject parses a JSON object body, keeping numbers exact.
func decodeObject(raw []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, badRequest("The request body is empty; send a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, badRequest("The request body is not valid JSON (syntax error at byte %d).", syn.Offset)
		}
		return nil, badRequest("The request body is not valid JSON.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badRequest("The request body must hold a single JSON object.")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, badRequest("The request body must be a JSON object, not %s.", jsonTypeName(v))
	}
	return m, nil
}

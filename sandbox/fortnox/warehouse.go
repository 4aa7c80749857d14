package fortnox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// writeWarehouseError answers in the warehouse API's own {error,id,message} shape.
func (s *Server) writeWarehouseError(w http.ResponseWriter, status int, code, message string) {
	body, _ := json.Marshal(map[string]string{"error": code, "id": uuid(), "message": message})
	writeJSONBytes(w, status, body)
}

// stockAt is the in-stock balance of an article at a stock point (warehouse mode).
func (s *Server) stockAt(article, point string) decimal.Decimal {
	return s.st.stock[article][point]
}

// reservedAt sums the reservations of open orders at a stock point.
func (s *Server) reservedAt(article, point string) decimal.Decimal {
	sum := decimal.Zero
	for _, o := range s.st.orders {
		if o.rec.boolean("Cancelled") || o.rec.str("StockPointCode") != point {
			continue
		}
		for _, row := range o.rec.rows("OrderRows") {
			if row.str("ArticleNumber") == article {
				sum = sum.Add(row.dec("ReservedQuantity"))
			}
		}
	}
	return sum
}

// refreshStock recomputes an article's derived stock fields:
// DisposableQuantity = QuantityInStock − ReservedQuantity, and in warehouse mode
// QuantityInStock is the sum over stock points.
func (s *Server) refreshStock(article string) {
	e, ok := s.st.articles[article]
	if !ok {
		return
	}
	if s.opts.Warehouse {
		sum := decimal.Zero
		for _, q := range s.st.stock[article] {
			sum = sum.Add(q)
		}
		e.rec["QuantityInStock"] = sum.Round(2)
	}
	qty := e.rec.dec("QuantityInStock")
	e.rec["DisposableQuantity"] = qty.Sub(e.rec.dec("ReservedQuantity")).Round(2)
	e.rec["StockValue"] = qty.Mul(e.rec.dec("PurchasePrice")).Round(2)
}

// defaultStockPoint is the first active stock point created (the main warehouse).
func (s *Server) defaultStockPoint() *entry {
	for _, id := range s.st.stockPointOrder {
		if sp, ok := s.st.stockPoints[id]; ok && sp.rec.boolean("active") {
			return sp
		}
	}
	return nil
}

// stockPointsByCode lists stock points in code order, for stable answers.
func (s *Server) stockPointsByCode() []*entry {
	out := make([]*entry, 0, len(s.st.stockPoints))
	for _, e := range s.st.stockPoints {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *entry) int { return strings.Compare(a.rec.str("code"), b.rec.str("code")) })
	return out
}

func (s *Server) getTenant(w http.ResponseWriter, r *http.Request, _ []string) {
	id, err := strconv.ParseInt(s.opts.TenantID, 10, 64)
	var tenant any = s.opts.TenantID
	if err == nil {
		tenant = id
	}
	body, _ := json.Marshal(map[string]any{"activated": s.opts.Warehouse, "tenantId": tenant})
	writeJSONBytes(w, http.StatusOK, body)
}

// multiParam reads a parameter given comma-separated, repeated, or both.
func multiParam(r *http.Request, name string) map[string]bool {
	out := map[string]bool{}
	for _, v := range r.URL.Query()[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out[part] = true
			}
		}
	}
	return out
}

func (s *Server) requireWarehouse(w http.ResponseWriter) bool {
	if s.opts.Warehouse {
		return true
	}
	s.writeWarehouseError(w, http.StatusForbidden, "warehousenotactivated", "Fortnox Lager är inte aktiverat för företaget.")
	return false
}

func (s *Server) getStockBalance(w http.ResponseWriter, r *http.Request, _ []string) {
	if !s.requireWarehouse(w) {
		return
	}
	items, points := multiParam(r, "itemIds"), multiParam(r, "stockPointCodes")
	s.mu.RLock()
	defer s.mu.RUnlock()
	type balance struct {
		ItemID         string      `json:"itemId"`
		StockPointCode string      `json:"stockPointCode"`
		AvailableStock json.Number `json:"availableStock"`
		InStock        json.Number `json:"inStock"`
	}
	out := []balance{}
	for _, a := range sortedEntries(s.st.articles) {
		art := a.rec.str("ArticleNumber")
		if len(items) > 0 && !items[art] {
			continue
		}
		for _, sp := range s.stockPointsByCode() {
			code := sp.rec.str("code")
			if len(points) > 0 && !points[code] {
				continue
			}
			in, ok := s.st.stock[art][code]
			if !ok {
				continue
			}
			avail := in.Sub(s.reservedAt(art, code))
			out = append(out, balance{ItemID: art, StockPointCode: code, AvailableStock: jsonNumber(avail), InStock: jsonNumber(in)})
		}
	}
	body, _ := json.Marshal(out)
	writeJSONBytes(w, http.StatusOK, body)
}

func (s *Server) findStockPoint(idOrCode string) *entry {
	if e, ok := s.st.stockPoints[idOrCode]; ok {
		return e
	}
	for _, e := range s.st.stockPoints {
		if strings.EqualFold(e.rec.str("code"), idOrCode) {
			return e
		}
	}
	return nil
}

func (s *Server) listStockPoints(w http.ResponseWriter, r *http.Request, _ []string) {
	if !s.requireWarehouse(w) {
		return
	}
	q := strings.ToLower(r.URL.Query().Get("q"))
	state := strings.ToUpper(r.URL.Query().Get("state"))
	if state == "" {
		state = "ACTIVE"
	}
	if state != "ACTIVE" && state != "INACTIVE" && state != "ALL" {
		s.writeWarehouseError(w, http.StatusBadRequest, "invalidparameter", "state måste vara ACTIVE, INACTIVE eller ALL.")
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []any{}
	for _, e := range s.stockPointsByCode() {
		active := e.rec.boolean("active")
		if (state == "ACTIVE" && !active) || (state == "INACTIVE" && active) {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(e.rec.str("code")+" "+e.rec.str("name")), q) {
			continue
		}
		out = append(out, s.schemas.stockPoint.view(e.rec, nil, false))
	}
	writeJSONBytes(w, http.StatusOK, fortnoxJSON(out))
}

func (s *Server) getStockPoint(w http.ResponseWriter, r *http.Request, p []string) {
	if !s.requireWarehouse(w) {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.findStockPoint(p[0])
	if e == nil {
		s.writeWarehouseError(w, http.StatusNotFound, "notfound", "Lagerstället "+p[0]+" finns inte.")
		return
	}
	writeJSONBytes(w, http.StatusOK, fortnoxJSON(s.schemas.stockPoint.view(e.rec, nil, false)))
}

// decodeStockPoint parses the unwrapped camelCase body of the warehouse API.
func (s *Server) decodeStockPoint(w http.ResponseWriter, r *http.Request) (record, bool) {
	dec := json.NewDecoder(bytes.NewReader(readBody(r)))
	dec.UseNumber()
	var in map[string]any
	if err := dec.Decode(&in); err != nil {
		s.writeWarehouseError(w, http.StatusBadRequest, "invalidjson", "Ogiltig JSON i anropet.")
		return nil, false
	}
	rec, aerr := s.schemas.stockPoint.decodeObject(in, "", nil)
	if aerr != nil {
		s.writeWarehouseError(w, http.StatusBadRequest, "invalidvalue", aerr.message)
		return nil, false
	}
	return rec, true
}

func (s *Server) createStockPoint(w http.ResponseWriter, r *http.Request, _ []string) {
	if !s.requireWarehouse(w) {
		return
	}
	in, ok := s.decodeStockPoint(w, r)
	if !ok {
		return
	}
	if in.str("code") == "" || in.str("name") == "" {
		s.writeWarehouseError(w, http.StatusBadRequest, "invalidvalue", "code och name måste fyllas i.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findStockPoint(in.str("code")) != nil {
		s.writeWarehouseError(w, http.StatusBadRequest, "alreadyexists", "Lagerstället "+in.str("code")+" finns redan.")
		return
	}
	rec := s.storeStockPoint(in)
	w.Header().Set("Location", "stockpoints-v1/"+rec.str("id"))
	writeJSONBytes(w, http.StatusCreated, fortnoxJSON(s.schemas.stockPoint.view(rec, nil, false)))
}

func (s *Server) storeStockPoint(in record) record {
	id := uuid()
	rec := record{"active": true, "usingCompanyAddress": true, "stockLocations": []record{}}
	mergeInto(rec, in)
	rec["id"] = id
	for _, loc := range rec.rows("stockLocations") {
		loc["id"], loc["stockPointId"] = uuid(), id
	}
	s.st.stockPoints[id] = &entry{rec: rec, modified: s.clock.Now()}
	s.st.stockPointOrder = append(s.st.stockPointOrder, id)
	return rec
}

func (s *Server) updateStockPoint(w http.ResponseWriter, r *http.Request, p []string) {
	if !s.requireWarehouse(w) {
		return
	}
	in, ok := s.decodeStockPoint(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.findStockPoint(p[0])
	if e == nil {
		s.writeWarehouseError(w, http.StatusNotFound, "notfound", "Lagerstället "+p[0]+" finns inte.")
		return
	}
	if c := in.str("code"); c != "" && c != e.rec.str("code") {
		s.writeWarehouseError(w, http.StatusBadRequest, "invalidvalue", "code kan inte ändras.")
		return
	}
	rec := e.rec.clone()
	mergeInto(rec, in)
	for _, loc := range rec.rows("stockLocations") {
		if loc.str("id") == "" {
			loc["id"] = uuid()
		}
		loc["stockPointId"] = rec.str("id")
	}
	e.rec, e.modified = rec, s.clock.Now()
	writeJSONBytes(w, http.StatusOK, fortnoxJSON(s.schemas.stockPoint.view(rec, nil, false)))
}

func (s *Server) deleteStockPoint(w http.ResponseWriter, r *http.Request, p []string) {
	if !s.requireWarehouse(w) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.findStockPoint(p[0])
	if e == nil {
		s.writeWarehouseError(w, http.StatusNotFound, "notfound", "Lagerstället "+p[0]+" finns inte.")
		return
	}
	code := e.rec.str("code")
	for art, points := range s.st.stock {
		if q, ok := points[code]; ok && !q.IsZero() {
			s.writeWarehouseError(w, http.StatusBadRequest, "inuse", "Lagerstället "+code+" har saldo för artikel "+art+" och kan inte tas bort.")
			return
		}
	}
	delete(s.st.stockPoints, e.rec.str("id"))
	for _, points := range s.st.stock {
		delete(points, code)
	}
	w.WriteHeader(http.StatusNoContent)
}

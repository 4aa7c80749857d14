package lightspeed

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// bucket is the leaky bucket and burst window of one (account, OAuth client).
type bucket struct {
	level       float64
	last        time.Time
	burstWindow int64 // virtual Unix second of the burst window
	burstCount  int
}

func (s *Server) bucketSize() float64 { return 90 + 10*float64(s.opts.Registers-1) }
func (s *Server) dripRate() float64   { return 1 + 0.5*float64(s.opts.Registers-1) }

func formatFloat(f float64) string {
	return strconv.FormatFloat(math.Round(f*1000)/1000, 'f', -1, 64)
}

// limitLocked charges cost to the client's bucket and writes the X-LS-* headers. It answers
// the 429 itself and returns false when the request must not run. The first request that
// overflows the bucket is allowed (reference §4.1); later ones wait until the level is below
// the size again.
func (s *Server) limitLocked(w http.ResponseWriter, clientID string, cost float64) bool {
	h := w.Header()
	h.Set("X-LS-Acct-Id", s.opts.AccountID)
	h.Set("X-LS-OAuth-Client-Id", clientID)
	// Per real second on a fast clock, like Retry-After, so a client pacing on it keeps up
	// with a benchmark's scaled time (1 a second at scale 1); a clock slowed or stopped by
	// a test reports the virtual rate.
	h.Set("X-LS-API-Drip-Rate", formatFloat(s.dripRate()*max(1, s.clock.Scale())))
	h.Set("X-LS-API-Request-Cost", formatFloat(cost))
	size := s.bucketSize()
	if s.noLimits {
		s.harness.Charge(cost)
		h.Set("X-LS-API-Bucket-Level", "0/"+formatFloat(size))
		h.Set("X-LS-API-Burst-Level", "0/"+strconv.Itoa(s.opts.BurstLimit))
		return true
	}
	now := s.clock.Now()
	b := s.buckets[clientID]
	if b == nil {
		b = &bucket{last: now}
		s.buckets[clientID] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.level = math.Max(0, b.level-elapsed*s.dripRate())
	}
	b.last = now
	if sec := now.Unix(); sec != b.burstWindow {
		b.burstWindow, b.burstCount = sec, 0
	}
	burstHeader := func() { h.Set("X-LS-API-Burst-Level", strconv.Itoa(b.burstCount)+"/"+strconv.Itoa(s.opts.BurstLimit)) }
	if b.level >= size {
		h.Set("X-LS-API-Bucket-Level", formatFloat(b.level)+"/"+formatFloat(size))
		burstHeader()
		wait := math.Floor((b.level-size)/s.dripRate()) + 1
		s.throttle(w, wait, "api-leaky-bucket", "Rate limit exceeded: the request would overflow the leaky bucket.")
		return false
	}
	if b.burstCount >= s.opts.BurstLimit {
		h.Set("X-LS-API-Bucket-Level", formatFloat(b.level)+"/"+formatFloat(size))
		burstHeader()
		s.throttle(w, 1, "api-burst-limiter", "Rate limit exceeded: burst rate limit exceeded, wait at least 1 second.")
		return false
	}
	b.level += cost
	b.burstCount++
	s.harness.Charge(cost) // a refused request fills no bucket
	h.Set("X-LS-API-Bucket-Level", formatFloat(b.level)+"/"+formatFloat(size))
	burstHeader()
	return true
}

// throttle answers 429; Retry-After is in real seconds so a client sleeping on it sees the
// virtual drip it expects at any clock scale.
func (s *Server) throttle(w http.ResponseWriter, virtualSeconds float64, kind, msg string) {
	real := s.clock.RealDuration(time.Duration(virtualSeconds * float64(time.Second)))
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(real.Seconds())))))
	w.Header().Set("X-LS-API-RateLimit-Type", kind)
	writeError(w, http.StatusTooManyRequests, msg)
}

// requestCost applies the cost table of reference §4.2.
func (s *Server) requestCost(rq *apiRequest) float64 {
	cost := 1.0
	write := rq.method != http.MethodGet
	if rq.refund {
		return 10 // POST Sale/#/Refund (reference §5)
	}
	if write {
		switch rq.entity {
		case "Sale", "SaleLine":
			cost = 2
			if rq.method != http.MethodDelete && rq.body != nil {
				if c, ok := rq.body["completed"]; ok && truthy(c) {
					cost += 3
				}
			}
		case "Category":
			if rq.method == http.MethodPost || rq.method == http.MethodPut {
				cost = 10
			}
		}
		if rq.body != nil && (rq.method == http.MethodPost || rq.method == http.MethodPut) {
			cost += 0.5 * float64(nestedEntities(rq.body))
		}
	}
	if rq.query == nil {
		return cost
	}
	if rq.query.count {
		return 10
	}
	list := rq.id == ""
	if def := s.defs[rq.entity]; def != nil {
		for name := range rq.query.rels {
			rel, ok := def.relations[name]
			if !ok {
				continue
			}
			c := 0.1
			if rel.many {
				c = 0.2
			}
			if list || nestedUnderMany(def, name) {
				c *= 2
			}
			cost += c
		}
	}
	for _, group := range rq.query.ors {
		cost += orCost(group)
	}
	return cost
}

// nestedUnderMany reports whether a dotted relation sits under an x-to-many relation.
func nestedUnderMany(def *entityDef, name string) bool {
	parent, _, ok := strings.Cut(name, ".")
	return ok && def.relations[parent].many
}

// orCost: free on one field; +1 per operand across fields of the entity with at most one
// range operator; otherwise +10 per entity and +1 per extra operand.
func orCost(group []filter) float64 {
	fields := map[string]bool{}
	entities := map[string]bool{}
	ranges := 0
	for _, f := range group {
		fields[f.field] = true
		rel, _, _ := strings.Cut(f.field, ".")
		if !strings.Contains(f.field, ".") {
			rel = ""
		}
		entities[rel] = true
		switch f.op {
		case ">", ">=", "<", "<=", "><":
			ranges++
		}
	}
	switch {
	case len(fields) <= 1:
		return 0
	case len(entities) == 1 && entities[""] && ranges <= 1:
		return float64(len(group))
	}
	return 10*float64(len(entities)) + float64(len(group)-1)
}

// nestedEntities counts the relation entities of a payload: each object inside a nested
// relation (a SaleLine, a ContactEmail, the Contact itself) costs 0.5.
func nestedEntities(body map[string]any) int {
	n := 0
	var walk func(v any, top bool)
	walk = func(v any, top bool) {
		switch x := v.(type) {
		case map[string]any:
			if !top {
				n++
			}
			for _, child := range x {
				switch c := child.(type) {
				case map[string]any:
					// A plural wrapper such as {"SaleLine": …} is not itself an entity.
					if len(c) == 1 && isWrapper(c) {
						for _, inner := range c {
							walk(inner, false)
						}
						continue
					}
					walk(c, false)
				case []any:
					walk(c, false)
				}
			}
		case []any:
			for _, e := range x {
				if m, ok := e.(map[string]any); ok {
					walk(m, false)
				}
			}
		}
	}
	walk(body, true)
	return n
}

func isWrapper(m map[string]any) bool {
	for k, v := range m {
		switch v.(type) {
		case map[string]any, []any:
			return k != "" && k[0] >= 'A' && k[0] <= 'Z'
		}
	}
	return false
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return x == "true" || x == "1"
	}
	return false
}

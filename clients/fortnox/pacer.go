package fortnox

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Pacer keeps a tenant under Fortnox's sliding-window limit (25 per 5 s trips it, so 24).
// Share one Pacer between every Client of the same tenant in a process: the limit is per
// client-id and tenant, not per Client value.
//
// A slot is stamped when its response has arrived, not when the request leaves: the server
// saw the request no later than that, so waiting a full window from the stamp can never put
// more than the limit into any server-side window, whatever the network latency.
type Pacer struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	slots   []*slot       // in-flight (zero done) and recently finished requests, oldest first
	changed chan struct{} // closed and replaced when a slot finishes
}

type slot struct{ done time.Time }

// NewPacer allows limit requests per window; zero values take 24 per 5 s.
func NewPacer(limit int, window time.Duration) *Pacer {
	if limit <= 0 {
		limit = 24
	}
	if window <= 0 {
		window = 5 * time.Second
	}
	return &Pacer{limit: limit, window: window, now: time.Now, changed: make(chan struct{})}
}

// Limit and Window describe the allowed rate.
func (p *Pacer) Limit() int { return p.limit }

// Window is the length of the sliding window.
func (p *Pacer) Window() time.Duration { return p.window }

// Acquire waits until a request may be sent and returns how long it waited and the release
// function to call once the response (or the failure) is in.
func (p *Pacer) Acquire(ctx context.Context) (time.Duration, func(), error) {
	start := p.now()
	for {
		p.mu.Lock()
		now := p.now()
		p.pruneLocked(now)
		if len(p.slots) < p.limit {
			s := &slot{}
			p.slots = append(p.slots, s)
			p.mu.Unlock()
			return now.Sub(start), func() { p.release(s) }, nil
		}
		wait := time.Duration(-1)
		for _, s := range p.slots {
			if !s.done.IsZero() {
				if w := s.done.Add(p.window).Sub(now); wait < 0 || w < wait {
					wait = w
				}
			}
		}
		changed := p.changed
		p.mu.Unlock()

		var timer *time.Timer
		var fire <-chan time.Time
		if wait >= 0 {
			timer = time.NewTimer(wait + time.Millisecond)
			fire = timer.C
		}
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return p.now().Sub(start), nil, fmt.Errorf("wait for a request slot: %w", ctx.Err())
		case <-fire:
		case <-changed:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

func (p *Pacer) release(s *slot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !s.done.IsZero() {
		return
	}
	s.done = p.now()
	close(p.changed)
	p.changed = make(chan struct{})
}

// pruneLocked drops finished slots older than the window.
func (p *Pacer) pruneLocked(now time.Time) {
	keep := p.slots[:0]
	for _, s := range p.slots {
		if s.done.IsZero() || now.Sub(s.done) < p.window {
			keep = append(keep, s)
		}
	}
	for i := len(keep); i < len(p.slots); i++ {
		p.slots[i] = nil
	}
	p.slots = keep
}

// Pacers hands out one Pacer per tenant, so every Client a process builds for a tenant shares
// that tenant's window. Keep one Pacers per process (e.g. in the worker's dependencies).
type Pacers struct {
	limit  int
	window time.Duration

	mu     sync.Mutex
	byName map[string]*Pacer
}

// NewPacers gives each tenant limit requests per window; zero values take 24 per 5 s.
func NewPacers(limit int, window time.Duration) *Pacers {
	return &Pacers{limit: limit, window: window, byName: map[string]*Pacer{}}
}

// For returns the tenant's Pacer, creating it on first use.
func (ps *Pacers) For(tenant string) *Pacer {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p, ok := ps.byName[tenant]
	if !ok {
		p = NewPacer(ps.limit, ps.window)
		ps.byName[tenant] = p
	}
	return p
}

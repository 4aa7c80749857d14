// Package testapi holds what both vendor sandboxes share: the scaled clock, fault
// injection, request counters and the /_sandbox/ test API routes.
package testapi

import (
	"sync"
	"time"
)

// Clock is the sandbox's notion of time. Rate-limit windows and token lifetimes read it, so
// a test can make an hour pass in a second (scale) or jump (advance) without sleeping.
type Clock struct {
	mu     sync.Mutex
	anchor time.Time // real time at the last scale change
	virt   time.Time // virtual time at anchor
	scale  float64
	now    func() time.Time
}

// NewClock returns a clock that follows real time (scale 1).
func NewClock() *Clock {
	n := time.Now()
	return &Clock{anchor: n, virt: n, scale: 1, now: time.Now}
}

// Now is the virtual time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	real := c.now().Sub(c.anchor)
	return c.virt.Add(time.Duration(float64(real) * c.scale))
}

// Scale is how many virtual seconds pass per real second.
func (c *Clock) Scale() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.scale <= 0 {
		return 1 // real time until SetScale
	}
	return c.scale
}

// SetScale changes the speed of virtual time from now on; time never jumps backwards.
func (c *Clock) SetScale(scale float64) {
	if scale <= 0 {
		scale = 1
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.virt = c.nowLocked()
	c.anchor = c.now()
	c.scale = scale
}

// Advance jumps virtual time forward by d.
func (c *Clock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.virt = c.nowLocked().Add(d)
	c.anchor = c.now()
}

// RealDuration converts a virtual duration into the real time it takes at the current scale,
// for Retry-After style answers that a client will sleep on.
func (c *Clock) RealDuration(d time.Duration) time.Duration {
	s := c.Scale()
	return time.Duration(float64(d) / s)
}

package clients

import "time"

// Hook is told of every vendor request and every pacing wait, for metrics. Both vendor
// clients take one, so a single metrics type serves both.
type Hook interface {
	// Request reports one HTTP exchange; status is 0 when no answer arrived.
	Request(endpoint string, status int, took time.Duration)
	// Throttle reports a wait the pacer imposed before a request to endpoint.
	Throttle(endpoint string, wait time.Duration)
}

// HookFuncs adapts plain functions to Hook; nil functions are skipped.
type HookFuncs struct {
	OnRequest  func(endpoint string, status int, took time.Duration)
	OnThrottle func(endpoint string, wait time.Duration)
}

// Request calls OnRequest.
func (h HookFuncs) Request(endpoint string, status int, took time.Duration) {
	if h.OnRequest != nil {
		h.OnRequest(endpoint, status, took)
	}
}

// Throttle calls OnThrottle.
func (h HookFuncs) Throttle(endpoint string, wait time.Duration) {
	if h.OnThrottle != nil {
		h.OnThrottle(endpoint, wait)
	}
}

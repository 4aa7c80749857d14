// Package clients holds what both vendor clients share: the error kinds activities turn
// into Temporal ApplicationErrors, and the OAuth token sources.
package clients

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies a vendor failure by what the caller should do about it.
type Kind string

// The kinds are also the Temporal ApplicationError types (DESIGN.md, "Retries").
const (
	Validation   Kind = "Validation"   // the vendor refused the data: fix it, do not retry
	NotFound     Kind = "NotFound"     // the record does not exist
	Conflict     Kind = "Conflict"     // duplicate or state conflict (e.g. number in use)
	Unauthorized Kind = "Unauthorized" // token rejected even after one refresh
	InvalidGrant Kind = "InvalidGrant" // refresh token dead or scope missing: re-authorization needed
	RateLimited  Kind = "RateLimited"  // 429; RetryAfter says when to try again
	Transient    Kind = "Transient"    // 5xx, timeouts, connection resets: retry
)

// Error is every failure a vendor client returns.
type Error struct {
	Kind       Kind
	Vendor     string // "fortnox" or "lightspeed"
	Op         string // what was attempted, e.g. "create order"
	Status     int    // HTTP status, 0 when there was no answer
	Code       string // the vendor's own error code, if any
	Message    string // the vendor's message, or a description of the failure
	RetryAfter time.Duration
	Err        error // the underlying cause, if any
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: %s: %s", e.Vendor, e.Op, e.Kind)
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d", e.Status)
		if e.Code != "" {
			msg += ", code " + e.Code
		}
		msg += ")"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of a client error anywhere in err's chain, or "" if there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// Retryable says whether trying the same call again can succeed without a change of data
// or credentials.
func (k Kind) Retryable() bool {
	switch k {
	case RateLimited, Transient, Unauthorized:
		return true
	}
	return false
}

// Package clients holds what both vendor clients share: the error kinds activities turn
// into Temporal ApplicationErrors, and the OAuth token sources.
package clients

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
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

// WithoutQuery drops the query from the URL inside a transport error, so an e-mail address
// in a filter does not travel on in error messages, activity failures and logs.
func WithoutQuery(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	clean := *ue
	if u, perr := url.Parse(ue.URL); perr == nil {
		u.RawQuery = ""
		clean.URL = u.String()
	} else {
		clean.URL = ""
	}
	return &clean
}

// emailAddress matches an e-mail address anywhere in a text; queryString a URL's query.
var (
	emailAddress = regexp.MustCompile(`[^\s"'<>()\[\],;:=&?/]+@[^\s"'<>()\[\],;:=&?/]+\.[A-Za-z]{2,}`)
	queryString  = regexp.MustCompile(`\?[^\s"'<>()]+=[^\s"'<>()]*`)
)

// RequestURL is the URL a response answered, for Scrub; nil when there is none.
func RequestURL(resp *http.Response) *url.URL {
	if resp == nil || resp.Request == nil {
		return nil
	}
	return resp.Request.URL
}

// Scrub removes personal data from a vendor's error message about the request to u (nil
// if unknown): query strings, each of u's query values (raw and URL-encoded), which
// vendors quote when they reject a parameter, and e-mail addresses.
func Scrub(message string, u *url.URL) string {
	message = queryString.ReplaceAllString(message, "?…")
	if u != nil {
		for _, vals := range u.Query() {
			for _, v := range vals {
				if len(v) < 3 {
					continue // page numbers and flags: not data, and too common to cut
				}
				message = strings.ReplaceAll(message, v, "…")
				message = strings.ReplaceAll(message, url.QueryEscape(v), "…")
			}
		}
	}
	return emailAddress.ReplaceAllString(message, "…")
}

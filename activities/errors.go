package activities

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"fortspeed/clients"
)

// The ApplicationError types of fortspeed's own failures, one per situation, the same in
// every flow. The vendor error kinds (clients.Kind: RateLimited, Transient, Unauthorized,
// InvalidGrant, Validation, NotFound) are the types of vendor failures.
const (
	// ErrorTypeNeedsFix is a data problem that only a change at the source can fix: the
	// record becomes needs_fix and waits for a retry signal. Validation and NotFound from a
	// vendor lead to needs_fix as well.
	ErrorTypeNeedsFix = "NeedsFix"
	// ErrorTypeInvalidInput is an input no retry can fix: a workflow started with an
	// unknown flow or an empty tenant, or a record meant for a tenant this worker does not
	// serve.
	ErrorTypeInvalidInput = "InvalidInput"
	// ErrorTypeConfig is a setting or wiring mistake (a shop, register or notifier that is
	// not configured): retrying the same call cannot fix it; changing the settings does.
	ErrorTypeConfig = "Config"
	// ErrorTypeSyncFailed is a record or run that failed for a reason other than its data
	// (retries exhausted, timeouts); a later run's sweep starts the record again.
	ErrorTypeSyncFailed = "SyncFailed"
	// ErrorTypeNeedsFixTimeout is a needs_fix record nobody retried within its wait.
	ErrorTypeNeedsFixTimeout = "NeedsFixTimeout"
	// ErrorTypeNotifyFailed is a webhook that did not take the notification; it is retried.
	ErrorTypeNotifyFailed = "NotifyFailed"
)

// NeedsFixError returns the non-retryable error an activity returns for bad data. reason
// is one line a shop owner can act on ("SKU TS-RED-M is not in Fortnox"); it becomes the
// record's needs_fix reason and the notification text, so it holds no tokens and no more
// personal data than needed to find the record.
func NeedsFixError(reason string) error {
	return temporal.NewNonRetryableApplicationError(reason, ErrorTypeNeedsFix, nil)
}

// InvalidInputError is the non-retryable ErrorTypeInvalidInput error.
func InvalidInputError(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrorTypeInvalidInput, nil)
}

// ConfigError is the non-retryable ErrorTypeConfig error.
func ConfigError(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrorTypeConfig, nil)
}

// checkTenant refuses a call for a tenant the activity struct does not serve.
func checkTenant(serves, step, tenant string) error {
	if tenant != serves {
		return InvalidInputError("%s: input is for tenant %q but this worker serves tenant %q", step, tenant, serves)
	}
	return nil
}

// vendorError turns a client error into the ApplicationError the retry policies of
// workflows/options.go understand: the type is the clients.Kind, a 429 carries its delay,
// and data errors are not retried (the workflow makes them needs_fix). Errors that did not
// come from a client are returned as they are and retried by Temporal.
func vendorError(err error) error {
	var ce *clients.Error
	if !errors.As(err, &ce) {
		return err
	}
	opts := temporal.ApplicationErrorOptions{NonRetryable: !ce.Kind.Retryable(), Cause: nil}
	if ce.Kind == clients.RateLimited && ce.RetryAfter > 0 {
		opts.NextRetryDelay = ce.RetryAfter
	}
	return temporal.NewApplicationErrorWithOptions(ce.Error(), string(ce.Kind), opts)
}

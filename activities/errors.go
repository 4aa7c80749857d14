package activities

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"fortspeed/clients"
)

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

package activities

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"fortspeed/clients"
)

func TestVendorErrorKeepsKindRetryabilityAndDelay(t *testing.T) {
	cases := []struct {
		kind      clients.Kind
		retryable bool
	}{
		{clients.Validation, false}, {clients.NotFound, false}, {clients.Conflict, false},
		{clients.InvalidGrant, false}, {clients.Unauthorized, true}, {clients.Transient, true},
		{clients.RateLimited, true},
	}
	for _, c := range cases {
		err := vendorError(fmt.Errorf("create order: %w", &clients.Error{Kind: c.kind, Vendor: "fortnox", Op: "create order", RetryAfter: 3 * time.Second}))
		var ae *temporal.ApplicationError
		if !errors.As(err, &ae) {
			t.Fatalf("%s: want an ApplicationError, got %T", c.kind, err)
		}
		if ae.Type() != string(c.kind) || ae.NonRetryable() == c.retryable {
			t.Fatalf("%s: type %q non-retryable %v", c.kind, ae.Type(), ae.NonRetryable())
		}
		if c.kind == clients.RateLimited && ae.NextRetryDelay() != 3*time.Second {
			t.Fatalf("429 must carry its delay, got %s", ae.NextRetryDelay())
		}
	}
	plain := errors.New("boom")
	if vendorError(plain) != plain {
		t.Fatal("a non-client error must pass through unchanged")
	}
}

package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/internal/connections"
	"fortspeed/sandbox/testapi"
	"fortspeed/workflows"
)

// soakDuration is how long TestTokensExpiringUnderThreeWorkers runs: ten minutes, or
// FORTSPEED_SOAK (a Go duration) when set.
func soakDuration(t *testing.T) time.Duration {
	v := os.Getenv("FORTSPEED_SOAK")
	if v == "" {
		return 10 * time.Minute
	}
	d, err := time.ParseDuration(v)
	require.NoError(t, err, "FORTSPEED_SOAK")
	return d
}

// TestTokensExpiringUnderThreeWorkers: three worker processes sync sales while every access
// token lives five seconds, and now and then the sandbox expires them all at once, so all
// three meet a burst of 401s. Every sale is synced, no refresh is ever refused (the
// connections stay connected: an invalid_grant would have made them reauthorize_required),
// and each refresh the vendor saw is one the connection made, never more than one per
// token lifetime or burst.
func TestTokensExpiringUnderThreeWorkers(t *testing.T) {
	run := soakDuration(t)
	ctx, cancel := context.WithTimeout(context.Background(), run+5*time.Minute)
	defer cancel()
	const ttl = 5 * time.Second
	s := startStack(t, stackOptions{tokenTTL: ttl})
	for range 3 {
		s.startWorker()
	}
	fx, ls := s.fortnoxState(ctx), s.lightspeedState(ctx)
	item := anyItem(t, fx, ls)
	cash := paymentTypeID(t, ls, "Cash")
	since := time.Now().Add(-time.Second)
	for _, url := range []string{s.fortnoxURL, s.lightspeedURL} {
		s.sandboxCall(ctx, "DELETE", url+"/_sandbox/stats", nil, nil)
	}

	start := time.Now()
	var sales []string
	bursts := 0
	for time.Since(start) < run {
		s.mu.Lock()
		clear(s.tokens) // the test's own API token lives five seconds too
		s.mu.Unlock()
		sales = append(sales, s.createSale(ctx, "", cash, lsNewLine{itemID: item.ItemID, qty: 1, price: "50.00"}))
		if len(sales)%3 == 0 {
			s.setFaults(ctx, testapi.Faults{ExpireTokens: true}, testapi.Faults{ExpireTokens: true})
			bursts++
		}
		res := s.runFlow(ctx, workflows.FlowOrdersToFortnox, since)
		require.Zero(t, res.Failed, "run %d", len(sales))
		time.Sleep(2 * time.Second)
	}
	elapsed := time.Since(start)
	for _, sale := range sales {
		assert.Equal(t, workflows.StatusCommitted, s.recordStatus(ctx, saleWorkflowID(t, sale)), sale)
	}

	maxRefreshes := int64(elapsed/(ttl*9/10)) + int64(bursts) + 2
	for vendor, url := range map[string]string{workflows.VendorFortnox: s.fortnoxURL, workflows.VendorLightspeed: s.lightspeedURL} {
		view, err := connections.State(ctx, s.client, workflows.DefaultTenant, vendor)
		require.NoError(t, err)
		assert.Equal(t, workflows.ConnectionConnected, view.Status, "%s: no refresh was refused", vendor)
		var tokenCalls int64
		for endpoint, n := range s.stats(ctx, url).Requests {
			if strings.Contains(endpoint, "token") && !strings.Contains(endpoint, "_sandbox") {
				tokenCalls += n
			}
		}
		t.Logf("%s: %d sales in %s, %d bursts of expiry, %d token requests, %d refreshes by the connection (at most %d allowed)",
			vendor, len(sales), elapsed.Round(time.Second), bursts, tokenCalls, view.Refreshes, maxRefreshes)
		assert.Positive(t, tokenCalls, vendor)
		assert.LessOrEqual(t, tokenCalls, view.Refreshes, "%s: every token request was the connection's", vendor)
		assert.LessOrEqual(t, view.Refreshes, maxRefreshes, "%s: at most one refresh per token lifetime or burst", vendor)
		replayAndRecord(ctx, t, s, workflows.ConnectionWorkflowID(workflows.DefaultTenant, vendor), "connection-"+vendor+".json")
	}
}

package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"fortspeed/activities"
	"fortspeed/clients"
)

// TestConnectionKeepsAnUnusedRefreshTokenAlive: a Lightspeed connection nobody asks for a
// token (the shop closed for a month) spends its refresh token before the vendor's 30 days
// for an unused one run out, and not before; an idle access token is not refreshed.
func TestConnectionKeepsAnUnusedRefreshTokenAlive(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	start := env.Now()
	var spent []time.Time
	env.RegisterActivityWithOptions(func(_ context.Context, in activities.RefreshInput) (clients.Token, error) {
		spent = append(spent, env.Now())
		return clients.Token{AccessToken: "a-" + in.RefreshToken, RefreshToken: in.RefreshToken + "+", Expiry: env.Now().Add(time.Hour)}, nil
	}, activity.RegisterOptions{Name: activities.ConnectionRefresh})
	env.RegisterDelayedCallback(func() {
		res, err := env.QueryWorkflow(QueryConnection)
		require.NoError(t, err)
		var view ConnectionView
		require.NoError(t, res.Get(&view))
		assert.Equal(t, ConnectionConnected, view.Status)
		assert.Equal(t, int64(2), view.Refreshes, "kept alive twice in 45 days")
		env.CancelWorkflow()
	}, 45*24*time.Hour)
	env.ExecuteWorkflow(Connection, ConnectionInput{Tenant: "default", Vendor: VendorLightspeed, State: ConnectionState{
		Token:  clients.Token{AccessToken: "a0", RefreshToken: "r0", Expiry: start.Add(time.Hour)},
		Status: ConnectionConnected, MintedAt: start, RefreshedAt: start,
	}})
	require.Len(t, spent, 2)
	keep := refreshTokenKeepAlive[VendorLightspeed]
	assert.WithinDuration(t, start.Add(keep), spent[0], time.Minute, "the first keep-alive")
	assert.WithinDuration(t, start.Add(2*keep), spent[1], time.Minute, "the next one counts from the last refresh")
	assert.Less(t, keep, 30*24*time.Hour)
}

// TestConnectionRefreshesAUsedTokenAheadOfExpiry: once a token was handed out, the
// connection refreshes it a tenth of its lifetime before it expires, once.
func TestConnectionRefreshesAUsedTokenAheadOfExpiry(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	start := env.Now()
	refreshes := 0
	env.RegisterActivityWithOptions(func(_ context.Context, in activities.RefreshInput) (clients.Token, error) {
		refreshes++
		return clients.Token{AccessToken: "a1", RefreshToken: "r1", Expiry: env.Now().Add(time.Hour)}, nil
	}, activity.RegisterOptions{Name: activities.ConnectionRefresh})
	var got AccessToken
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(UpdateToken, "1", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { t.Errorf("rejected: %v", err) },
			OnComplete: func(v any, err error) {
				require.NoError(t, err)
				got = v.(AccessToken)
			},
		}, TokenRequest{})
	}, time.Minute)
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, 3*time.Hour)
	env.ExecuteWorkflow(Connection, ConnectionInput{Tenant: "default", Vendor: VendorLightspeed, State: ConnectionState{
		Token:  clients.Token{AccessToken: "a0", RefreshToken: "r0", Expiry: start.Add(time.Hour)},
		Status: ConnectionConnected, MintedAt: start, RefreshedAt: start,
	}})
	assert.Equal(t, "a0", got.Token, "a valid token is handed out as it is")
	assert.WithinDuration(t, start.Add(59*time.Minute), got.RefreshAfter, 0, "a tenth of its lifetime, at most a minute, before expiry")
	assert.Equal(t, 1, refreshes, "refreshed once ahead of expiry; the new token, unused, waits")
}

// TestConnectionRefusedForAMissingScope: a 403 for the token in use makes the connection
// reauthorize_required and pauses the tenant's schedules; a refusal naming an older token
// changes nothing, and a token request is then refused without touching the vendor.
func TestConnectionRefusedForAMissingScope(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	start := env.Now()
	var paused []string
	env.RegisterActivityWithOptions(func(_ context.Context, in activities.PauseInput) (activities.PauseResult, error) {
		paused = append(paused, in.ScheduleIDs...)
		return activities.PauseResult{Paused: in.ScheduleIDs}, nil
	}, activity.RegisterOptions{Name: activities.SchedulesPause})
	env.RegisterWorkflowWithOptions(func(workflow.Context, ConnectionAlertInput) error { return nil },
		workflow.RegisterOptions{Name: WorkflowConnectionAlert})
	update := func(name string, arg any, check func(any, error)) {
		env.UpdateWorkflow(name, name+"-"+time.Now().String(), &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { check(nil, err) }, OnComplete: check}, arg)
	}
	env.RegisterDelayedCallback(func() {
		update(UpdateRefused, RefusedRequest{Token: "old", Reason: "403"}, func(v any, err error) {
			require.NoError(t, err)
			assert.Equal(t, ConnectionConnected, v.(ConnectionView).Status, "an older token's refusal is stale")
		})
	}, time.Minute)
	env.RegisterDelayedCallback(func() {
		update(UpdateRefused, RefusedRequest{Token: "a0", Reason: "fortnox: list customers: InvalidGrant (HTTP 403): missing scope"}, func(v any, err error) {
			require.NoError(t, err)
			assert.Equal(t, ConnectionReauthorizeRequired, v.(ConnectionView).Status)
		})
	}, 2*time.Minute)
	env.RegisterDelayedCallback(func() {
		update(UpdateToken, TokenRequest{}, func(_ any, err error) {
			require.Error(t, err)
			assert.Contains(t, err.Error(), "needs re-authorization (`starter connect fortnox`): fortnox: list customers")
		})
		env.CancelWorkflow()
	}, 3*time.Minute)
	env.ExecuteWorkflow(Connection, ConnectionInput{Tenant: "default", Vendor: VendorFortnox, State: ConnectionState{
		Token:  clients.Token{AccessToken: "a0", RefreshToken: "r0", Expiry: start.Add(time.Hour)},
		Status: ConnectionConnected, MintedAt: start, RefreshedAt: start,
	}})
	assert.Equal(t, []string{"default:orders-to-fortnox", "default:orders-to-lightspeed", "default:products", "default:stock"}, paused)
}

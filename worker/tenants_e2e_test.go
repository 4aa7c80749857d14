package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"fortspeed/clients"
	"fortspeed/internal/connections"
	"fortspeed/internal/tokenfile"
	"fortspeed/internal/workers"
	fxsandbox "fortspeed/sandbox/fortnox"
	lssandbox "fortspeed/sandbox/lightspeed"
	"fortspeed/sandbox/testapi"
	"fortspeed/workflows"
)

// TestTwoTenantsSideBySide: one worker process serves the default tenant and a second
// retailer, shop2, with its own Fortnox company and Lightspeed account (sandboxes of its
// own), settings entry, connections and task queues. Both sync their demo sales. Then
// shop2's merchant revokes the app: shop2's connection needs re-authorization, and the
// default tenant goes on syncing a new sale as if nothing happened.
func TestTwoTenantsSideBySide(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	s := startStack(t, stackOptions{webhook: true})
	fx2, ls2 := serveTenantSandboxes(t)
	s.env["SHOP2_CLIENT_ID"], s.env["SHOP2_CLIENT_SECRET"] = testapi.DemoClientID, testapi.DemoClientSecret
	s.env["SHOP2_FORTNOX_TENANT"], s.env["SHOP2_LIGHTSPEED_ACCOUNT"] = "1234567", "316401"
	s.writeSettings(baseSettings + fmt.Sprintf(`tenants:
  shop2:
    fortnox:
      client_id: {env: SHOP2_CLIENT_ID}
      client_secret: {env: SHOP2_CLIENT_SECRET}
      tenant_id: {env: SHOP2_FORTNOX_TENANT}
      base_url: %[1]s
      auth_url: %[1]s
    lightspeed:
      client_id: {env: SHOP2_CLIENT_ID}
      client_secret: {env: SHOP2_CLIENT_SECRET}
      account_id: {env: SHOP2_LIGHTSPEED_ACCOUNT}
      base_url: %[2]s
      auth_url: %[2]s
`, fx2.URL, ls2.URL))
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int    `json:"expires_in"`
	}
	s.sandboxCall(ctx, http.MethodPost, ls2.URL+"/_sandbox/tokens", map[string]any{}, &tok)
	require.NoError(t, tokenfile.Save(workers.TokenPath(s.stateDir, "shop2", workers.VendorLightspeed), clients.Token{
		AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(time.Hour)}))
	s.startWorker()
	proc := s.workers[0].proc
	assert.Equal(t, []string{"default", "shop2"}, proc.Tenants())
	assert.ElementsMatch(t, []string{"fortspeed", "fortnox-api", "fortnox-api@shop2", "lightspeed-api", "lightspeed-api@shop2"}, proc.Queues())

	since := time.Now().Add(-60 * 24 * time.Hour)
	runTenant := func(tenant, name string) (workflows.SyncResult, error) {
		in := s.syncInput(workflows.FlowOrdersToFortnox, since)
		in.Tenant = tenant
		run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: workflows.ScheduleID(tenant, workflows.FlowOrdersToFortnox) + ":" + name, TaskQueue: workflows.TaskQueueFortspeed,
		}, workflows.WorkflowFlowSync, in)
		require.NoError(t, err)
		var res workflows.SyncResult
		return res, run.Get(ctx, &res)
	}
	first, err := runTenant("default", "first")
	require.NoError(t, err)
	second, err := runTenant("shop2", "first")
	require.NoError(t, err)
	assert.Positive(t, first.Committed)
	assert.Equal(t, first.Committed, second.Committed, "the same demo store, synced into shop2's own Fortnox")
	assert.Equal(t, int64(second.Committed), s.count(ctx, "Tenant = 'shop2' AND SyncStatus = 'committed'"))
	assert.Equal(t, int64(first.Committed), s.count(ctx, "Tenant = 'default' AND SyncStatus = 'committed' AND SyncFlow = 'orders-to-fortnox'"))

	// shop2's merchant removes the app from Lightspeed.
	s.sandboxCall(ctx, http.MethodPut, ls2.URL+"/_sandbox/faults", testapi.Faults{RevokeTokens: true}, nil)
	_, err = runTenant("shop2", "revoked")
	require.ErrorContains(t, err, "re-authorization")
	view, err := connections.State(ctx, s.client, "shop2", workflows.VendorLightspeed)
	require.NoError(t, err)
	assert.Equal(t, workflows.ConnectionReauthorizeRequired, view.Status)
	replayAndRecord(ctx, t, s, workflows.ConnectionWorkflowID("shop2", workflows.VendorLightspeed), "connection-refused.json")

	fx, ls := s.fortnoxState(ctx), s.lightspeedState(ctx)
	item := anyItem(t, fx, ls)
	sale := s.createSale(ctx, "", paymentTypeID(t, ls, "Cash"), lsNewLine{itemID: item.ItemID, qty: 1, price: "99.00"})
	after, err := runTenant("default", "after-revoke")
	require.NoError(t, err, "the default tenant is not held up by shop2's connection")
	assert.Equal(t, workflows.StatusCommitted, s.recordStatus(ctx, saleWorkflowID(t, sale)))
	assert.Zero(t, after.Failed)
	view, err = connections.State(ctx, s.client, "default", workflows.VendorLightspeed)
	require.NoError(t, err)
	assert.Equal(t, workflows.ConnectionConnected, view.Status)

	// A sale at shop2 while it is disconnected, then `starter connect` again (the pair its
	// consent gives): the backlog syncs on the running worker, and one alert was sent.
	own, ownTokens := s.lightspeedURL, s.tokens
	s.lightspeedURL, s.tokens = ls2.URL, map[string]string{} // the stack's API helpers on shop2's account
	waiting := s.createSale(ctx, "", paymentTypeID(t, ls, "Cash"), lsNewLine{itemID: item.ItemID, qty: 2, price: "99.00"})
	s.lightspeedURL, s.tokens = own, ownTokens
	s.sandboxCall(ctx, http.MethodPost, ls2.URL+"/_sandbox/tokens", map[string]any{}, &tok)
	view, err = connections.Connect(ctx, s.client, "shop2", workflows.VendorLightspeed, workflows.ConnectRequest{Token: clients.Token{
		AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(time.Hour)}})
	require.NoError(t, err)
	assert.Equal(t, workflows.ConnectionConnected, view.Status)
	_, err = runTenant("shop2", "reconnected")
	require.NoError(t, err)
	assert.Equal(t, workflows.StatusCommitted, s.recordStatus(ctx, workflows.RecordWorkflowID("shop2", workflows.FlowOrdersToFortnox, "sale:"+waiting)))
	alerts := s.webhook.mentioning("shop2", "starter connect lightspeed")
	assert.Len(t, alerts, 1, "one re-authorization alert: %v", s.webhook.texts())
}

// serveTenantSandboxes starts a further Fortnox and Lightspeed sandbox with the demo store.
func serveTenantSandboxes(t *testing.T) (fortnox, lightspeed *httptest.Server) {
	t.Helper()
	seed := testapi.ResetRequest{Seed: "demo", RandomSeed: 1}
	fortnox = httptest.NewUnstartedServer(nil)
	fs := fxsandbox.New(fxsandbox.Options{NoLimits: true, BaseURL: "http://" + fortnox.Listener.Addr().String()})
	require.NoError(t, fs.Reset(seed))
	fortnox.Config.Handler = fs
	fortnox.Start()
	t.Cleanup(fortnox.Close)
	lightspeed = httptest.NewUnstartedServer(nil)
	ls := lssandbox.New(lssandbox.Options{NoLimits: true, BaseURL: "http://" + lightspeed.Listener.Addr().String()})
	require.NoError(t, ls.Reset(seed))
	lightspeed.Config.Handler = ls
	lightspeed.Start()
	t.Cleanup(lightspeed.Close)
	return fortnox, lightspeed
}

package workers

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"fortspeed/activities"
	"fortspeed/internal/connections"
	"fortspeed/internal/devserver"
	"fortspeed/workflows"
)

// TestRefreshHandsTheSamePairToItsRetry: the refresh activity spends a single-use refresh
// token. When its result does not reach the workflow and Temporal retries it, the retry
// gets the pair the vendor already answered with, and spends nothing; once the workflow
// names the token spent, the kept pair is forgotten.
func TestRefreshHandsTheSamePairToItsRetry(t *testing.T) {
	sb := startSandboxes(t)
	cfg := sandboxConfig(t, sb)
	minted := mintToken(t, sb.lightspeed, 3600)
	var refreshes int
	oauth := LightspeedOAuth(cfg, nil)
	oauth.OnRefresh = func(string, error) { refreshes++ }
	a := &activities.Connection{Tenant: "default", OAuth: oauth}
	ctx := context.Background()
	in := activities.RefreshInput{Tenant: "default", RefreshToken: minted.RefreshToken}

	first, err := a.Refresh(ctx, in)
	require.NoError(t, err)
	require.NotEqual(t, minted.RefreshToken, first.RefreshToken)
	retried, err := a.Refresh(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, first, retried, "the retry hands out the pair already minted")
	assert.Equal(t, 1, refreshes, "one call to the token endpoint")

	next, err := a.Refresh(ctx, activities.RefreshInput{Tenant: "default", RefreshToken: first.RefreshToken, Spent: []string{minted.RefreshToken}})
	require.NoError(t, err)
	assert.NotEqual(t, first.RefreshToken, next.RefreshToken)
	assert.Equal(t, 2, refreshes)

	_, _ = a.Refresh(ctx, in) // forgotten: the vendor decides about the old token now
	assert.Equal(t, 3, refreshes, "a spent token whose pair was forgotten goes to the vendor again")

	_, err = a.Refresh(ctx, activities.RefreshInput{Tenant: "shop2", RefreshToken: next.RefreshToken})
	require.Error(t, err, "a refresh for another tenant is refused")
	assert.Equal(t, 3, refreshes)
}

// TestConnectionContinuesAsNew: a connection serves a few updates per run here, then
// continues as new with its state: the token it hands out and its refresh count survive
// the new run, and callers never see the change.
func TestConnectionContinuesAsNew(t *testing.T) {
	devserver.SkipIfShort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sb := startSandboxes(t)
	srv, err := devserver.Start(ctx, workflows.DevServerSearchAttributes(), nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, srv.Stop()) }()
	cfg := sandboxConfig(t, sb)
	cfg.Temporal.Address = srv.FrontendHostPort()
	cfg.Fortnox.TenantID = "1234567"
	proc, err := New(ctx, cfg, Options{Env: Env{StateDir: t.TempDir()}, Logger: zap.NewNop(), Client: srv.Client()})
	require.NoError(t, err)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go proc.Run(runCtx)

	id := workflows.ConnectionWorkflowID("default", VendorFortnox)
	require.NoError(t, srv.Client().TerminateWorkflow(ctx, id, "", "the test starts its own"))
	_, err = srv.Client().ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueueFortspeed},
		workflows.WorkflowConnection, workflows.ConnectionInput{Tenant: "default", Vendor: VendorFortnox, ContinueAfter: 3,
			State: workflows.ConnectionState{ServiceAccount: true, Status: workflows.ConnectionConnected}})
	require.NoError(t, err)
	var first string
	for i := range 10 {
		src := connections.NewSource(srv.Client(), "default", VendorFortnox) // a new process each time: no cache
		tok, err := src.Token(ctx)
		require.NoError(t, err, "request %d", i)
		if first == "" {
			first = tok
		}
		assert.Equal(t, first, tok, "the same token across runs")
	}
	view, err := connections.State(ctx, srv.Client(), "default", VendorFortnox)
	require.NoError(t, err)
	assert.Equal(t, int64(1), view.Refreshes, "one mint; the count came along")
	desc, err := srv.Client().DescribeWorkflow(ctx, id, "")
	require.NoError(t, err)
	info := desc.RawResponse.GetWorkflowExecutionInfo()
	assert.NotEqual(t, info.GetFirstRunId(), info.GetExecution().GetRunId(), "the connection continued as new")
}

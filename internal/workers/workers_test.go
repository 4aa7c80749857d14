package workers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"fortspeed/clients"
	"fortspeed/clients/fortnox"
	"fortspeed/clients/lightspeed"
	"fortspeed/internal/codec"
	"fortspeed/internal/config"
	"fortspeed/internal/connections"
	"fortspeed/internal/devserver"
	"fortspeed/internal/tokenfile"
	fxsandbox "fortspeed/sandbox/fortnox"
	lssandbox "fortspeed/sandbox/lightspeed"
	"fortspeed/sandbox/testapi"
	"fortspeed/workflows"
)

// sandboxes are both simulators on loopback with the demo store.
type sandboxes struct {
	fortnox, lightspeed *httptest.Server
}

// serve starts a simulator whose links point at its own address (Lightspeed pages by
// absolute next links).
func serve(t *testing.T, build func(baseURL string) http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.Handler = build("http://" + srv.Listener.Addr().String())
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func startSandboxes(t *testing.T) sandboxes {
	t.Helper()
	seed := testapi.ResetRequest{Seed: "demo", RandomSeed: 1}
	fx := serve(t, func(base string) http.Handler {
		s := fxsandbox.New(fxsandbox.Options{BaseURL: base, NoLimits: true})
		require.NoError(t, s.Reset(seed))
		return s
	})
	ls := serve(t, func(base string) http.Handler {
		s := lssandbox.New(lssandbox.Options{BaseURL: base, NoLimits: true})
		require.NoError(t, s.Reset(seed))
		return s
	})
	return sandboxes{fortnox: fx, lightspeed: ls}
}

// mintToken asks a sandbox's test API for a token pair that expires in expiresIn seconds.
func mintToken(t *testing.T, srv *httptest.Server, expiresIn int) clients.Token {
	t.Helper()
	body, _ := json.Marshal(map[string]int{"expires_in": expiresIn})
	resp, err := http.Post(srv.URL+"/_sandbox/tokens", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(raw))
	var out struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int    `json:"expires_in"`
	}
	require.NoError(t, json.Unmarshal(raw, &out))
	return clients.Token{AccessToken: out.AccessToken, RefreshToken: out.RefreshToken,
		Expiry: time.Now().Add(time.Duration(out.ExpiresIn) * time.Second)}
}

// sandboxConfig is the default configuration pointed at the sandboxes' demo app, with
// plaintext payloads allowed unless a test sets keys.
func sandboxConfig(t *testing.T, sb sandboxes) config.Config {
	t.Helper()
	cfg, err := config.Load()
	require.NoError(t, err)
	cfg.Fortspeed.AllowPlaintext = true
	cfg.Fortnox = config.Fortnox{BaseURL: sb.fortnox.URL, AuthURL: sb.fortnox.URL,
		ClientID: "fortspeed-demo", ClientSecret: "fortspeed-demo-secret"}
	cfg.Lightspeed = config.Lightspeed{BaseURL: sb.lightspeed.URL, AuthURL: sb.lightspeed.URL,
		ClientID: "fortspeed-demo", ClientSecret: "fortspeed-demo-secret"}
	return cfg
}

func TestNewRefusesMissingCredentials(t *testing.T) {
	sb := startSandboxes(t)
	ctx := context.Background()
	env := Env{StateDir: t.TempDir()}

	tests := []struct {
		name string
		edit func(*config.Config)
		want string
	}{
		{"no payload keys", func(c *config.Config) { c.Fortspeed.AllowPlaintext = false }, "FORTSPEED_ENCRYPTION_KEYS: not set"},
		{"no Fortnox app", func(c *config.Config) { c.Fortnox.ClientSecret = "" }, "FORTNOX_CLIENT_ID and FORTNOX_CLIENT_SECRET: both must be set"},
		{"no Lightspeed app", func(c *config.Config) { c.Fortnox.TenantID = "1234567"; c.Lightspeed.ClientID = "" }, "LIGHTSPEED_CLIENT_ID and LIGHTSPEED_CLIENT_SECRET: both must be set"},
		{"bad account", func(c *config.Config) { c.Fortnox.TenantID = "1234567"; c.Lightspeed.AccountID = "shop" }, `LIGHTSPEED_ACCOUNT_ID: want a positive number, got "shop"`},
		{"bad mapping file", func(c *config.Config) { c.Fortspeed.MappingFile = env.StateDir + "/none.yaml" }, "read settings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := sandboxConfig(t, sb)
			tt.edit(&cfg)
			_, err := New(ctx, cfg, Options{Env: env, Logger: zap.NewNop()})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
}

func TestLoadEnv(t *testing.T) {
	t.Setenv("HOME", "/home/shop")
	e, err := LoadEnv()
	require.NoError(t, err)
	assert.Equal(t, "/home/shop/.fortspeed", e.StateDir)
	assert.Equal(t, "/home/shop/.fortspeed/tokens/default-fortnox.json", TokenPath(e.StateDir, workflows.DefaultTenant, VendorFortnox))

	t.Setenv("FORTSPEED_STATE_DIR", "/var/lib/fortspeed")
	t.Setenv("FORTSPEED_FORTNOX_ACTIVITIES_PER_SECOND", "4.5")
	e, err = LoadEnv()
	require.NoError(t, err)
	assert.Equal(t, "/var/lib/fortspeed", e.StateDir)
	assert.Equal(t, 4.5, e.FortnoxActivitiesPerSecond)

	for key, want := range map[string]string{
		"FORTSPEED_LIGHTSPEED_ACTIVITIES_PER_SECOND": `FORTSPEED_LIGHTSPEED_ACTIVITIES_PER_SECOND: want a number, got "fast"`,
		"FORTSPEED_WEB_UI_URL":                       `FORTSPEED_WEB_UI_URL: want an http(s) URL, got "fast"`,
	} {
		t.Run(key, func(t *testing.T) {
			t.Setenv(key, "fast")
			_, err := LoadEnv()
			require.EqualError(t, err, want)
		})
	}
	t.Setenv("FORTSPEED_FORTNOX_ACTIVITIES_PER_SECOND", "-1")
	_, err = LoadEnv()
	require.EqualError(t, err, "FORTSPEED_FORTNOX_ACTIVITIES_PER_SECOND: must not be negative, got -1")
}

// countingHook counts the requests a vendor client reports.
type countingHook struct {
	mu       sync.Mutex
	requests int
}

func (h *countingHook) Request(string, int, time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests++
}

func (h *countingHook) Throttle(string, time.Duration) {}

func (h *countingHook) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests
}

var (
	_ fortnox.Hook    = (*countingHook)(nil)
	_ lightspeed.Hook = (*countingHook)(nil)
)

// TestProcessSyncsOrdersOnDevServer builds a process from the configuration — dialled
// client with encryption, Fortnox by client credentials, Lightspeed from a token file
// that must rotate — and runs both order flows through it against the sandboxes.
func TestProcessSyncsOrdersOnDevServer(t *testing.T) {
	devserver.SkipIfShort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sb := startSandboxes(t)
	srv, err := devserver.Start(ctx, workflows.DevServerSearchAttributes(), nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, srv.Stop()) }()

	env := Env{StateDir: t.TempDir()}
	lsToken := mintToken(t, sb.lightspeed, 2)
	tokenPath := TokenPath(env.StateDir, workflows.DefaultTenant, VendorLightspeed)
	require.NoError(t, tokenfile.Save(tokenPath, lsToken))

	cfg := sandboxConfig(t, sb)
	cfg.Temporal.Address = srv.FrontendHostPort()
	cfg.Fortnox.TenantID = "1234567" // the sandbox's service account
	cfg.Fortspeed.EncryptionKeys = config.EncryptionKeys{{ID: "test", Secret: bytes.Repeat([]byte{7}, 32)}}
	hooks := Hooks{Fortnox: &countingHook{}, Lightspeed: &countingHook{}}
	proc, err := New(ctx, cfg, Options{Env: env, Logger: zap.NewNop(), Hooks: hooks})
	require.NoError(t, err)
	defer proc.Close()
	assert.Equal(t, []string{workflows.TaskQueueFortspeed, workflows.TaskQueueFortnox, workflows.TaskQueueLightspeed}, proc.Queues())

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- proc.Run(runCtx) }()

	time.Sleep(3 * time.Second) // the minted Lightspeed token is now expired: the first call refreshes
	since := time.Now().Add(-30 * 24 * time.Hour)
	for _, flow := range []string{workflows.FlowOrdersToFortnox, workflows.FlowOrdersToLightspeed} {
		run, err := proc.Client().ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: workflows.ScheduleID(workflows.DefaultTenant, flow) + ":wiring-test", TaskQueue: workflows.TaskQueueFortspeed,
		}, workflows.WorkflowFlowSync, workflows.SyncInput{Tenant: workflows.DefaultTenant, Flow: flow, Since: &since, NeedsFixWait: time.Minute})
		require.NoError(t, err)
		var res workflows.SyncResult
		require.NoError(t, run.Get(ctx, &res), flow)
		assert.Positive(t, res.Records, flow)
		assert.Positive(t, res.Committed, flow)
		assert.Zero(t, res.Failed, flow)
		assertEncrypted(ctx, t, proc.Client(), run.GetID())
	}
	assert.Positive(t, hooks.Fortnox.(*countingHook).count())
	assert.Positive(t, hooks.Lightspeed.(*countingHook).count())

	assert.NoFileExists(t, tokenPath, "the token file was handed to the connection workflow")
	assert.FileExists(t, tokenPath+".imported")
	for vendor, serviceAccount := range map[string]bool{VendorLightspeed: false, VendorFortnox: true} {
		view, err := connections.State(ctx, proc.Client(), workflows.DefaultTenant, vendor)
		require.NoError(t, err)
		assert.Equal(t, workflows.ConnectionConnected, view.Status, vendor)
		assert.Equal(t, serviceAccount, view.ServiceAccount, vendor)
		assert.Positive(t, view.Refreshes, "%s: the connection minted or refreshed its token", vendor)
		assertEncrypted(ctx, t, proc.Client(), workflows.ConnectionWorkflowID(workflows.DefaultTenant, vendor))
	}

	stop()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

// assertEncrypted checks that the workflow's input went to the server encrypted.
func assertEncrypted(ctx context.Context, t *testing.T, c client.Client, workflowID string) {
	t.Helper()
	it := c.GetWorkflowHistory(ctx, workflowID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	require.True(t, it.HasNext())
	ev, err := it.Next()
	require.NoError(t, err)
	input := ev.GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()
	require.NotEmpty(t, input)
	assert.Equal(t, codec.MetadataEncoding, string(input[0].GetMetadata()["encoding"]))
	assert.NotContains(t, string(input[0].GetData()), "orders-to", "the input is not readable on the server")
}

// TestWorkflowQueueNeedsNoVendorCredentials: a process that only runs workflows (scaled
// apart from the vendor queues) starts without any token.
func TestWorkflowQueueNeedsNoVendorCredentials(t *testing.T) {
	devserver.SkipIfShort(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, workflows.DevServerSearchAttributes(), nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, srv.Stop()) }()

	cfg, err := config.Load()
	require.NoError(t, err)
	cfg.Fortspeed.TaskQueues = config.TaskQueues{workflows.TaskQueueFortspeed}
	proc, err := New(ctx, cfg, Options{Env: Env{StateDir: t.TempDir()}, Logger: zap.NewNop(), Client: srv.Client()})
	require.NoError(t, err)
	defer proc.Close()
	assert.Equal(t, []string{workflows.TaskQueueFortspeed}, proc.Queues())
}

package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.uber.org/zap"

	"fortspeed/internal/config"
	"fortspeed/internal/devserver"
	"fortspeed/internal/workers"
	fxsandbox "fortspeed/sandbox/fortnox"
	lssandbox "fortspeed/sandbox/lightspeed"
	"fortspeed/sandbox/testapi"
)

// starter runs one command line and returns its output.
func starter(ctx context.Context, args ...string) (string, error) {
	return starterWithInput(ctx, "", args...)
}

// starterWithInput runs one command line that reads input as its terminal's answers.
func starterWithInput(ctx context.Context, input string, args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := run(ctx, args, strings.NewReader(input), &out, &errOut)
	return out.String(), err
}

// startServer starts a dev server with attrs registered and points TEMPORAL_ADDRESS at it.
// Payloads stay plaintext (explicitly allowed), so the tests read them with the SDK's
// default converter.
func startServer(t *testing.T, attrs temporal.SearchAttributes) *testsuite.DevServer {
	t.Helper()
	devserver.SkipIfShort(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := devserver.Start(ctx, attrs, nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Stop()) })
	t.Setenv("TEMPORAL_ADDRESS", srv.FrontendHostPort())
	t.Setenv("FORTSPEED_ALLOW_PLAINTEXT", "true")
	return srv
}

// startWorker runs a worker process on the environment as the test set it (after
// useSandboxes and startServer): the connections hand out their tokens through it.
func startWorker(t *testing.T) {
	t.Helper()
	cfg, err := config.Load()
	require.NoError(t, err)
	env, err := workers.LoadEnv()
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	proc, err := workers.New(ctx, cfg, workers.Options{Env: env, Logger: zap.NewNop()})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- proc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		proc.Close()
	})
}

// serveSandbox starts a simulator whose links point at its own loopback address.
func serveSandbox(t *testing.T, build func(baseURL string) http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.Handler = build("http://" + srv.Listener.Addr().String())
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// useSandboxes starts both simulators with the demo store and points the environment at
// them with the demo app and a private state directory.
func useSandboxes(t *testing.T) (fortnox, lightspeed *httptest.Server) {
	t.Helper()
	seed := testapi.ResetRequest{Seed: "demo", RandomSeed: 1}
	fortnox = serveSandbox(t, func(base string) http.Handler {
		s := fxsandbox.New(fxsandbox.Options{BaseURL: base, NoLimits: true})
		require.NoError(t, s.Reset(seed))
		return s
	})
	lightspeed = serveSandbox(t, func(base string) http.Handler {
		s := lssandbox.New(lssandbox.Options{BaseURL: base, NoLimits: true})
		require.NoError(t, s.Reset(seed))
		return s
	})
	for k, v := range map[string]string{
		"FORTNOX_BASE_URL": fortnox.URL, "FORTNOX_AUTH_URL": fortnox.URL,
		"FORTNOX_CLIENT_ID": "fortspeed-demo", "FORTNOX_CLIENT_SECRET": "fortspeed-demo-secret",
		"LIGHTSPEED_BASE_URL": lightspeed.URL, "LIGHTSPEED_AUTH_URL": lightspeed.URL,
		"LIGHTSPEED_CLIENT_ID": "fortspeed-demo", "LIGHTSPEED_CLIENT_SECRET": "fortspeed-demo-secret",
		"FORTSPEED_STATE_DIR": t.TempDir(),
	} {
		t.Setenv(k, v)
	}
	return fortnox, lightspeed
}

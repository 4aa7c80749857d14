package main

// The whole-stack harness of the integration tests and benchmarks: a real Temporal dev
// server, both vendor sandboxes on loopback, a settings file, and the worker either
// in-process (workers.New) or as the built binary (so a test can SIGKILL it).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
	enums "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"fortspeed/clients"
	"fortspeed/internal/config"
	"fortspeed/internal/devserver"
	"fortspeed/internal/notify/smtptest"
	"fortspeed/internal/temporalclient"
	"fortspeed/internal/tokenfile"
	"fortspeed/internal/workers"
	fxsandbox "fortspeed/sandbox/fortnox"
	lssandbox "fortspeed/sandbox/lightspeed"
	"fortspeed/sandbox/testapi"
	"fortspeed/workflows"
)

// stackOptions shape one stack. The zero value is the fault test's stack: sandboxes without
// rate limits, demo seed, the walk-in customer as Fortnox default, no webhook.
type stackOptions struct {
	// limits turns the sandboxes' real vendor rate limits on.
	limits bool
	// settings is the whole settings file; "" is baseSettings.
	settings string
	// webhook starts a receiver and points FORTSPEED_NOTIFY_WEBHOOK_URL at it.
	webhook bool
	// smtp starts a recording SMTP server on loopback and points FORTSPEED_SMTP_* at it.
	smtp bool
	// seed is the sandboxes' reset seed; "" is "demo".
	seed string
	// productWait, productRecheck and needsFixWait go into every SyncInput; zero: defaults.
	productWait    time.Duration
	productRecheck time.Duration
	needsFixWait   time.Duration
	// maxConcurrent and pageSize go into every SyncInput; zero: the workflow defaults.
	maxConcurrent int
	pageSize      int
	// retryBudget and sweepBackoff go into every SyncInput; zero: the workflow's and the
	// worker's defaults.
	retryBudget  time.Duration
	sweepBackoff time.Duration
	// extraEnv is added to the worker's environment (in-process and binary).
	extraEnv map[string]string
	// warehouse turns the Fortnox sandbox's warehouse module on.
	warehouse bool
	// tokenTTL is the lifetime of the access tokens both sandboxes issue; zero: an hour.
	tokenTTL time.Duration
}

// baseSettings is the settings file every stack starts from: the demo walk-in customer as
// the Fortnox default for anonymous sales.
const baseSettings = `orders:
  default_customer: {fortnox: "` + fxsandbox.WalkInCustomerNumber + `", lightspeed: ""}
`

// stack is one running whole stack. Its fields are for the tests to read; the methods
// start and stop the worker and drive and inspect the flows.
type stack struct {
	tb   testing.TB
	opts stackOptions

	dev    *testsuite.DevServer
	client client.Client

	fortnox       *fxsandbox.Server
	lightspeed    *lssandbox.Server
	fortnoxURL    string
	lightspeedURL string
	// lightspeedPair is the token pair the stack's token file starts the Lightspeed
	// connection with, as an earlier `starter connect` left it.
	lightspeedPair clients.Token

	dir          string // the stack's temp dir
	stateDir     string // FORTSPEED_STATE_DIR (token files)
	settingsPath string // FORTSPEED_MAPPING_FILE
	env          map[string]string
	webhook      *webhookReceiver
	smtp         *smtptest.Server

	mu      sync.Mutex
	workers []*inProcessWorker
	procs   []*workerProcess
	runs    int
	tokens  map[string]string // vendor → access token of the test's own API calls
}

// startStack starts the dev server and the sandboxes, seeds them, mints the Lightspeed
// token and writes the settings. The worker is not started: call startWorker or
// startWorkerProcess. Everything stops at the end of the test.
func startStack(tb testing.TB, opts stackOptions) *stack {
	tb.Helper()
	devserver.SkipIfShort(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := tb.TempDir()
	s := &stack{tb: tb, opts: opts, dir: dir, stateDir: filepath.Join(dir, "state"),
		settingsPath: filepath.Join(dir, "settings.yaml")}

	logs, err := os.Create(filepath.Join(dir, "temporal.log"))
	require.NoError(tb, err)
	tb.Cleanup(func() { logs.Close() })
	dev, err := devserver.Start(ctx, workflows.DevServerSearchAttributes(), logs)
	require.NoError(tb, err)
	s.dev = dev
	tb.Cleanup(func() {
		if err := dev.Stop(); err != nil {
			tb.Logf("stop dev server: %v", err)
		}
	})
	sdkLogs, err := os.Create(filepath.Join(dir, "sdk.log"))
	require.NoError(tb, err)
	tb.Cleanup(func() { sdkLogs.Close() })
	// The in-process workers share this client, so its log is the SDK side of their log.
	// Its payloads are plaintext, as the stack's FORTSPEED_ALLOW_PLAINTEXT says, so the
	// histories replay and record as they are.
	copts, err := temporalclient.Options(config.Config{
		Temporal:  config.Temporal{Address: dev.FrontendHostPort(), Namespace: "default"},
		Fortspeed: config.Fortspeed{AllowPlaintext: true},
	}, nil)
	require.NoError(tb, err)
	copts.Logger = fileSDKLogger(sdkLogs)
	c, err := client.DialContext(ctx, copts)
	require.NoError(tb, err)
	s.client = c
	tb.Cleanup(c.Close)

	// Each sandbox writes its own URL into paging links, so it is built once its listener
	// has an address.
	fxHTTP := httptest.NewUnstartedServer(nil)
	s.fortnoxURL = "http://" + fxHTTP.Listener.Addr().String()
	s.fortnox = fxsandbox.New(fxsandbox.Options{NoLimits: !opts.limits, BaseURL: s.fortnoxURL, Warehouse: opts.warehouse, TokenTTL: opts.tokenTTL})
	fxHTTP.Config.Handler = s.fortnox
	fxHTTP.Start()
	tb.Cleanup(fxHTTP.Close)
	lsHTTP := httptest.NewUnstartedServer(nil)
	s.lightspeedURL = "http://" + lsHTTP.Listener.Addr().String()
	s.lightspeed = lssandbox.New(lssandbox.Options{NoLimits: !opts.limits, BaseURL: s.lightspeedURL, TokenTTL: opts.tokenTTL})
	lsHTTP.Config.Handler = s.lightspeed
	lsHTTP.Start()
	tb.Cleanup(lsHTTP.Close)

	seed := opts.seed
	if seed == "" {
		seed = "demo"
	}
	limits := opts.limits
	for _, url := range []string{s.fortnoxURL, s.lightspeedURL} {
		s.sandboxCall(ctx, http.MethodPost, url+"/_sandbox/reset", testapi.ResetRequest{Seed: seed, Limits: &limits}, nil)
	}

	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int    `json:"expires_in"`
	}
	s.sandboxCall(ctx, http.MethodPost, s.lightspeedURL+"/_sandbox/tokens", map[string]any{}, &tok)
	require.NotEmpty(tb, tok.AccessToken, "Lightspeed sandbox minted no token")
	s.lightspeedPair = clients.Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken,
		Expiry: time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second)}
	require.NoError(tb, tokenfile.Save(workers.TokenPath(s.stateDir, workflows.DefaultTenant, workers.VendorLightspeed), s.lightspeedPair))

	s.writeSettings(opts.settings)
	if opts.webhook {
		s.webhook = newWebhookReceiver(tb)
	}
	s.env = map[string]string{
		"TEMPORAL_ADDRESS":          dev.FrontendHostPort(),
		"TEMPORAL_NAMESPACE":        "default",
		"FORTNOX_BASE_URL":          s.fortnoxURL,
		"FORTNOX_AUTH_URL":          s.fortnoxURL,
		"FORTNOX_CLIENT_ID":         testapi.DemoClientID,
		"FORTNOX_CLIENT_SECRET":     testapi.DemoClientSecret,
		"FORTNOX_TENANT_ID":         "1234567",
		"LIGHTSPEED_BASE_URL":       s.lightspeedURL,
		"LIGHTSPEED_AUTH_URL":       s.lightspeedURL,
		"LIGHTSPEED_CLIENT_ID":      testapi.DemoClientID,
		"LIGHTSPEED_CLIENT_SECRET":  testapi.DemoClientSecret,
		"LIGHTSPEED_ACCOUNT_ID":     "316401",
		"FORTSPEED_STATE_DIR":       s.stateDir,
		"FORTSPEED_MAPPING_FILE":    s.settingsPath,
		"FORTSPEED_METRICS_ADDR":    "127.0.0.1:0",
		"FORTSPEED_LOG_LEVEL":       "warn",
		"FORTSPEED_LOG_FORMAT":      "json",
		"FORTSPEED_ALLOW_PLAINTEXT": "true",
	}
	if s.webhook != nil {
		s.env["FORTSPEED_NOTIFY_WEBHOOK_URL"] = s.webhook.url
	}
	if opts.smtp {
		// Plain SMTP without credentials: the notifier's STARTTLS and AUTH have unit tests.
		s.smtp, err = smtptest.Start(smtptest.Options{NoTLS: true})
		require.NoError(tb, err)
		tb.Cleanup(s.smtp.Close)
		host, port, err := net.SplitHostPort(s.smtp.Addr)
		require.NoError(tb, err)
		s.env["FORTSPEED_SMTP_HOST"], s.env["FORTSPEED_SMTP_PORT"] = host, port
		s.env["FORTSPEED_SMTP_FROM"], s.env["FORTSPEED_SMTP_TO"] = "fortspeed <alerts@shop.example>", "ops@shop.example"
	}
	for k, v := range opts.extraEnv {
		s.env[k] = v
	}
	s.tokens = map[string]string{}
	tb.Cleanup(s.stopAll)
	return s
}

// fileSDKLogger writes the SDK's warnings and errors (every retried activity is one) to w
// rather than into the test output.
func fileSDKLogger(w io.Writer) sdklog.Logger {
	return sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// writeSettings replaces the settings file; "" writes baseSettings. A running worker keeps
// the settings it started with: restart it to apply them.
func (s *stack) writeSettings(body string) {
	s.tb.Helper()
	if body == "" {
		body = baseSettings
	}
	require.NoError(s.tb, os.WriteFile(s.settingsPath, []byte(body), 0o600))
}

// config is the worker configuration of the stack, read the way the worker reads it.
func (s *stack) config() config.Config {
	s.tb.Helper()
	for k, v := range s.env {
		s.tb.Setenv(k, v)
	}
	cfg, err := config.Load()
	require.NoError(s.tb, err)
	return cfg
}

// inProcessWorker is a worker run by workers.New in the test process.
type inProcessWorker struct {
	cancel context.CancelFunc
	done   chan error
	proc   *workers.Process
}

// startWorker starts one more worker in-process with the stack's settings as they are
// now. Each worker process has its own vendor pacers, so against sandboxes without limits
// more workers mean more throughput, as more processes do in production.
func (s *stack) startWorker() {
	s.tb.Helper()
	cfg := s.config()
	logFile, err := os.OpenFile(filepath.Join(s.dir, "worker.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	require.NoError(s.tb, err)
	logger := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
		zapcore.AddSync(logFile), zapcore.WarnLevel))
	ctx, cancel := context.WithCancel(context.Background())
	proc, err := workers.New(ctx, cfg, workers.Options{
		Env:    workers.Env{StateDir: s.stateDir},
		Logger: logger, Client: s.client,
	})
	if err != nil {
		cancel()
		logFile.Close()
		s.tb.Fatalf("build worker: %v", err)
	}
	w := &inProcessWorker{cancel: cancel, done: make(chan error, 1), proc: proc}
	go func() {
		err := proc.Run(ctx)
		proc.Close()
		logFile.Close()
		w.done <- err
	}()
	s.mu.Lock()
	s.workers = append(s.workers, w)
	s.mu.Unlock()
}

// stopWorker stops every in-process worker gracefully.
func (s *stack) stopWorker() {
	s.tb.Helper()
	s.mu.Lock()
	ws := s.workers
	s.workers = nil
	s.mu.Unlock()
	for _, w := range ws {
		w.cancel()
	}
	for _, w := range ws {
		select {
		case err := <-w.done:
			if err != nil && !errors.Is(err, context.Canceled) {
				s.tb.Errorf("worker stopped with an error: %v", err)
			}
		case <-time.After(time.Minute):
			s.tb.Errorf("in-process worker did not stop within a minute")
		}
	}
}

// workerProcess is the worker binary running as a child process.
type workerProcess struct {
	cmd  *exec.Cmd
	done chan error
}

// workerBinary builds the worker once per stack into its temp dir.
func (s *stack) workerBinary() string {
	s.tb.Helper()
	bin := filepath.Join(s.dir, "worker")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	cmd := exec.Command("go", "build", "-o", bin, ".")
	out, err := cmd.CombinedOutput()
	require.NoError(s.tb, err, "go build the worker: %s", out)
	return bin
}

// startWorkerProcess starts one more worker binary with the stack's environment; its
// output is appended to worker-process.log in the stack's temp dir.
func (s *stack) startWorkerProcess() {
	s.tb.Helper()
	s.startWorkerProcessEnv(s.env, "worker-process.log")
}

// stackVariablePrefixes are the variables the stack sets; startWorkerProcessEnv keeps none
// of them from the test process's own environment (startWorker puts them there).
var stackVariablePrefixes = []string{"TEMPORAL_", "FORTNOX_", "LIGHTSPEED_", "FORTSPEED_"}

// startWorkerProcessEnv starts one more worker binary whose fortspeed environment is
// exactly env, logging to logName in the stack's temp dir. It is stopped with the others.
func (s *stack) startWorkerProcessEnv(env map[string]string, logName string) (*workerProcess, string) {
	s.tb.Helper()
	bin := s.workerBinary()
	logPath := filepath.Join(s.dir, logName)
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	require.NoError(s.tb, err)
	cmd := exec.Command(bin)
	cmd.Env = processEnv(env)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	require.NoError(s.tb, cmd.Start())
	p := &workerProcess{cmd: cmd, done: make(chan error, 1)}
	go func() {
		p.done <- cmd.Wait()
		logFile.Close()
	}()
	s.mu.Lock()
	s.procs = append(s.procs, p)
	s.mu.Unlock()
	return p, logPath
}

// processEnv is the environment of a child process whose fortspeed environment is exactly
// env: the test process's own, less the stack's variables, plus env.
func processEnv(env map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		keep := true
		for _, prefix := range stackVariablePrefixes {
			if strings.HasPrefix(kv, prefix) {
				keep = false
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// kill sends SIGKILL to every worker process and waits until they are gone: a crash, with
// no graceful stop of anything in flight.
func (s *stack) kill() {
	s.tb.Helper()
	s.mu.Lock()
	ps := s.procs
	s.procs = nil
	s.mu.Unlock()
	require.NotEmpty(s.tb, ps, "no worker process to kill")
	for _, p := range ps {
		require.NoError(s.tb, p.cmd.Process.Signal(syscall.SIGKILL))
	}
	for _, p := range ps {
		<-p.done
	}
}

// stopWorkerProcess stops every worker process gracefully (SIGTERM).
func (s *stack) stopWorkerProcess() {
	s.tb.Helper()
	s.mu.Lock()
	ps := s.procs
	s.procs = nil
	s.mu.Unlock()
	for _, p := range ps {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			s.tb.Logf("signal worker process: %v", err)
		}
	}
	for _, p := range ps {
		select {
		case <-p.done:
		case <-time.After(time.Minute):
			p.cmd.Process.Kill()
			<-p.done
			s.tb.Errorf("worker process did not stop within a minute of SIGTERM")
		}
	}
}

func (s *stack) stopAll() {
	s.stopWorker()
	s.stopWorkerProcess()
	if s.tb.Failed() {
		for _, name := range []string{"worker.log", "worker-process.log", "sdk.log"} {
			if b, err := os.ReadFile(filepath.Join(s.dir, name)); err == nil && len(b) > 0 {
				s.tb.Logf("%s (last 4 KiB):\n%s", name, tail(b, 4096))
			}
		}
	}
}

func tail(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	return b[len(b)-n:]
}

// syncInput is the parent input the stack's options make for flow.
func (s *stack) syncInput(flow string, since time.Time) workflows.SyncInput {
	return workflows.SyncInput{
		Tenant: workflows.DefaultTenant, Flow: flow, Since: &since,
		PageSize: s.opts.pageSize, MaxConcurrent: s.opts.maxConcurrent,
		ProductWait: s.opts.productWait, ProductRecheck: s.opts.productRecheck, NeedsFixWait: s.opts.needsFixWait,
		RetryBudget: s.opts.retryBudget, SweepBackoff: s.opts.sweepBackoff,
	}
}

// startFlow starts one parent run of flow, fetching from since, and returns its handle.
func (s *stack) startFlow(ctx context.Context, flow string, since time.Time) client.WorkflowRun {
	s.tb.Helper()
	s.mu.Lock()
	s.runs++
	id := fmt.Sprintf("%s:test-run-%d", workflows.ScheduleID(workflows.DefaultTenant, flow), s.runs)
	s.mu.Unlock()
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueueFortspeed},
		workflows.WorkflowFlowSync, s.syncInput(flow, since))
	require.NoError(s.tb, err)
	return run
}

// runFlow runs one parent of flow from since to its end and returns its result.
func (s *stack) runFlow(ctx context.Context, flow string, since time.Time) workflows.SyncResult {
	s.tb.Helper()
	return s.waitParent(ctx, s.startFlow(ctx, flow, since))
}

// waitParent waits for a parent run; when it does not finish, the failure names the
// activities it was stuck on and their last errors.
func (s *stack) waitParent(ctx context.Context, run client.WorkflowRun) workflows.SyncResult {
	s.tb.Helper()
	var res workflows.SyncResult
	if err := run.Get(ctx, &res); err != nil {
		s.tb.Fatalf("parent %s: %v%s", run.GetID(), err, s.pending(run.GetID()))
	}
	return res
}

// pending describes the pending activities of a workflow, for failure messages.
func (s *stack) pending(workflowID string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	desc, err := s.client.DescribeWorkflow(ctx, workflowID, "")
	if err != nil {
		return "; describe: " + err.Error()
	}
	var b strings.Builder
	for _, a := range desc.RawResponse.GetPendingActivities() {
		fmt.Fprintf(&b, "\n  pending %s: attempt %d, last failure: %s", a.GetActivityType().GetName(), a.GetAttempt(),
			a.GetLastFailure().GetMessage())
	}
	return b.String()
}

// waitSettled waits until no record workflow of flow is running except those parked in
// needs_fix, and returns how many are parked.
func (s *stack) waitSettled(ctx context.Context, flow string) int {
	s.tb.Helper()
	base := fmt.Sprintf("WorkflowType = 'RecordSync' AND SyncFlow = '%s' AND ExecutionStatus = 'Running'", flow)
	for {
		running := s.count(ctx, base)
		parked := s.count(ctx, base+" AND SyncStatus = 'needs_fix'")
		if running == parked {
			return int(parked)
		}
		select {
		case <-ctx.Done():
			s.tb.Fatalf("flow %s did not settle: %d record workflows running, %d of them needs_fix", flow, running, parked)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (s *stack) count(ctx context.Context, query string) int64 {
	s.tb.Helper()
	resp, err := s.client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
	require.NoError(s.tb, err, "count %q", query)
	return resp.GetCount()
}

// recordOutcome is one record workflow as visibility shows it.
type recordOutcome struct {
	WorkflowID string
	RunID      string
	Execution  enums.WorkflowExecutionStatus
	Status     workflows.Status
	TargetID   string
}

// outcomes lists the latest run of every record workflow of flow, by source key
// ("sale:12"). Closed runs of an id that ran again are left out.
func (s *stack) outcomes(ctx context.Context, flow string) map[string]recordOutcome {
	s.tb.Helper()
	out := map[string]recordOutcome{}
	started := map[string]time.Time{}
	query := fmt.Sprintf("WorkflowType = 'RecordSync' AND SyncFlow = '%s'", flow)
	var token []byte
	for {
		resp, err := s.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: query, PageSize: 1000, NextPageToken: token})
		require.NoError(s.tb, err)
		for _, info := range resp.GetExecutions() {
			fields := info.GetSearchAttributes().GetIndexedFields()
			key := keywordOf(s.tb, fields[workflows.SearchAttrSourceID])
			at := info.GetStartTime().AsTime()
			if prev, ok := started[key]; ok && prev.After(at) {
				continue
			}
			started[key] = at
			out[key] = recordOutcome{
				WorkflowID: info.GetExecution().GetWorkflowId(), RunID: info.GetExecution().GetRunId(),
				Execution: info.GetStatus(),
				Status:    workflows.Status(keywordOf(s.tb, fields[workflows.SearchAttrSyncStatus])),
				TargetID:  keywordOf(s.tb, fields[workflows.SearchAttrTargetID]),
			}
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return out
		}
	}
}

func keywordOf(tb testing.TB, p interface{ GetData() []byte }) string {
	tb.Helper()
	if p == nil || len(p.GetData()) == 0 {
		return ""
	}
	var s string
	require.NoError(tb, json.Unmarshal(p.GetData(), &s))
	return s
}

// recordStatus is the SyncStatus of one record workflow's current run.
func (s *stack) recordStatus(ctx context.Context, workflowID string) workflows.Status {
	s.tb.Helper()
	desc, err := s.client.DescribeWorkflow(ctx, workflowID, "")
	require.NoError(s.tb, err)
	payload := desc.RawResponse.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()[workflows.SearchAttrSyncStatus]
	if payload == nil {
		return ""
	}
	var status string
	require.NoError(s.tb, converter.GetDefaultDataConverter().FromPayload(payload, &status))
	return workflows.Status(status)
}

// retry sends the retry signal to a needs_fix record, as `starter retry` does.
func (s *stack) retry(ctx context.Context, workflowID string) {
	s.tb.Helper()
	require.NoError(s.tb, s.client.SignalWorkflow(ctx, workflowID, "", workflows.SignalRetry, nil))
}

// history reads the whole history of a workflow's latest run.
func (s *stack) history(ctx context.Context, workflowID, runID string) *historypb.History {
	s.tb.Helper()
	iter := s.client.GetWorkflowHistory(ctx, workflowID, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	hist := &historypb.History{}
	for iter.HasNext() {
		event, err := iter.Next()
		require.NoError(s.tb, err)
		hist.Events = append(hist.Events, event)
	}
	return hist
}

// setFaults sets the injected faults of both sandboxes.
func (s *stack) setFaults(ctx context.Context, fortnox, lightspeed testapi.Faults) {
	s.tb.Helper()
	s.sandboxCall(ctx, http.MethodPut, s.fortnoxURL+"/_sandbox/faults", fortnox, nil)
	s.sandboxCall(ctx, http.MethodPut, s.lightspeedURL+"/_sandbox/faults", lightspeed, nil)
}

// faultsOfIssue4 are the faults of the issue's fault test: 10% 5xx, 5% 429 and 3% of the
// writes committed with the answer dropped.
func faultsOfIssue4() testapi.Faults {
	return testapi.Faults{ErrorRate: 0.10, RateLimitRate: 0.05, DropRate: 0.03}
}

// noFaults turns fault injection off.
func noFaults() testapi.Faults { return testapi.Faults{} }

// newTickRand is the deterministic random source of demo ticks.
func newTickRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x5eed)) }

// stats reads a sandbox's request counters.
func (s *stack) stats(ctx context.Context, baseURL string) testapi.StatsView {
	s.tb.Helper()
	var v testapi.StatsView
	s.sandboxCall(ctx, http.MethodGet, baseURL+"/_sandbox/stats", nil, &v)
	return v
}

// sandboxCall calls a /_sandbox/ route (url is the sandbox's base URL and the route) and
// decodes its answer into out (if not nil).
func (s *stack) sandboxCall(_ context.Context, method, url string, body, out any) {
	s.tb.Helper()
	require.NoError(s.tb, testapi.Remote{}.Call(method, url, body, out))
}

// fortnoxState is the Fortnox sandbox's GET /_sandbox/state, with the fields tests check.
type fortnoxState struct {
	Counts    map[string]int    `json:"counts"`
	Customers []fortnoxCustomer `json:"customers"`
	Articles  []fortnoxArticle  `json:"articles"`
	Orders    []fortnoxOrder    `json:"orders"`
}

type fortnoxCustomer struct {
	CustomerNumber     string `json:"CustomerNumber"`
	Name               string `json:"Name"`
	Email              string `json:"Email"`
	Type               string `json:"Type"`
	YourReference      string `json:"YourReference"`
	OrganisationNumber string `json:"OrganisationNumber"`
	Address1           string `json:"Address1"`
	ZipCode            string `json:"ZipCode"`
	City               string `json:"City"`
	CountryCode        string `json:"CountryCode"`
}

type fortnoxArticle struct {
	ArticleNumber string `json:"ArticleNumber"`
	Description   string `json:"Description"`
}

type fortnoxOrder struct {
	DocumentNumber            string            `json:"DocumentNumber"`
	CustomerNumber            string            `json:"CustomerNumber"`
	CustomerName              string            `json:"CustomerName"`
	ExternalInvoiceReference1 string            `json:"ExternalInvoiceReference1"`
	Total                     decimal.Decimal   `json:"Total"`
	TotalVAT                  decimal.Decimal   `json:"TotalVAT"`
	VATIncluded               bool              `json:"VATIncluded"`
	Currency                  string            `json:"Currency"`
	TermsOfPayment            string            `json:"TermsOfPayment"`
	Cancelled                 bool              `json:"Cancelled"`
	Address1                  string            `json:"Address1"`
	City                      string            `json:"City"`
	Country                   string            `json:"Country"`
	OrderRows                 []fortnoxOrderRow `json:"OrderRows"`
}

type fortnoxOrderRow struct {
	ArticleNumber     string          `json:"ArticleNumber"`
	OrderedQuantity   decimal.Decimal `json:"OrderedQuantity"`
	DeliveredQuantity decimal.Decimal `json:"DeliveredQuantity"`
	Price             decimal.Decimal `json:"Price"`
	VAT               decimal.Decimal `json:"VAT"`
	Discount          decimal.Decimal `json:"Discount"`
}

func (s *stack) fortnoxState(ctx context.Context) fortnoxState {
	s.tb.Helper()
	var st fortnoxState
	s.sandboxCall(ctx, http.MethodGet, s.fortnoxURL+"/_sandbox/state", nil, &st)
	return st
}

// lightspeedState is the Lightspeed sandbox's GET /_sandbox/state, with the fields tests
// check. Lightspeed's one-or-many relations are normalised to slices.
type lightspeedState struct {
	Counts  map[string]int `json:"counts"`
	Records struct {
		Sale        []lsSale        `json:"Sale"`
		Customer    []lsCustomer    `json:"Customer"`
		Item        []lsItem        `json:"Item"`
		PaymentType []lsPaymentType `json:"PaymentType"`
	} `json:"records"`
}

type lsSale struct {
	SaleID                string                `json:"saleID"`
	Completed             string                `json:"completed"`
	Voided                string                `json:"voided"`
	Archived              string                `json:"archived"`
	CustomerID            string                `json:"customerID"`
	ReferenceNumber       string                `json:"referenceNumber"`
	ReferenceNumberSource string                `json:"referenceNumberSource"`
	CalcTotal             decimal.Decimal       `json:"calcTotal"`
	CalcSubtotal          decimal.Decimal       `json:"calcSubtotal"`
	Total                 decimal.Decimal       `json:"total"`
	SaleLines             lsMany[lsSaleLine]    `json:"SaleLines"`
	SalePayments          lsMany[lsSalePayment] `json:"SalePayments"`
}

type lsSaleLine struct {
	ItemID       string          `json:"itemID"`
	UnitQuantity decimal.Decimal `json:"unitQuantity"`
	UnitPrice    decimal.Decimal `json:"unitPrice"`
	CalcTotal    decimal.Decimal `json:"calcTotal"`
	CalcSubtotal decimal.Decimal `json:"calcSubtotal"`
	Tax1Rate     decimal.Decimal `json:"tax1Rate"`
}

type lsSalePayment struct {
	PaymentTypeID string          `json:"paymentTypeID"`
	Amount        decimal.Decimal `json:"amount"`
}

type lsCustomer struct {
	CustomerID string    `json:"customerID"`
	FirstName  string    `json:"firstName"`
	LastName   string    `json:"lastName"`
	Company    string    `json:"company"`
	Contact    lsContact `json:"Contact"`
}

type lsContact struct {
	Emails    lsMany[lsEmail]   `json:"Emails"`
	Addresses lsMany[lsAddress] `json:"Addresses"`
}

// UnmarshalJSON accepts "" for a customer without a contact.
func (c *lsContact) UnmarshalJSON(b []byte) error {
	if string(b) == `""` || string(b) == "null" {
		*c = lsContact{}
		return nil
	}
	type plain lsContact
	return json.Unmarshal(b, (*plain)(c))
}

type lsEmail struct {
	Address string `json:"address"`
}

type lsAddress struct {
	Address1    string `json:"address1"`
	City        string `json:"city"`
	Zip         string `json:"zip"`
	CountryCode string `json:"countryCode"`
}

type lsItem struct {
	ItemID    string `json:"itemID"`
	CustomSku string `json:"customSku"`
}

type lsPaymentType struct {
	PaymentTypeID string `json:"paymentTypeID"`
	Name          string `json:"name"`
}

// email is the customer's first e-mail address.
func (c lsCustomer) email() string {
	if len(c.Contact.Emails) == 0 {
		return ""
	}
	return c.Contact.Emails[0].Address
}

// lsMany is a Lightspeed relation: "" when empty, {"Wrapper": {…}} for one element and
// {"Wrapper": [{…}, …]} for several.
type lsMany[T any] []T

func (m *lsMany[T]) UnmarshalJSON(b []byte) error {
	if s := string(bytes.TrimSpace(b)); s == `""` || s == "null" {
		*m = nil
		return nil
	}
	var wrapper map[string]json.RawMessage
	if err := json.Unmarshal(b, &wrapper); err != nil {
		return fmt.Errorf("lightspeed relation: %w", err)
	}
	for _, raw := range wrapper {
		raw = bytes.TrimSpace(raw)
		if len(raw) > 0 && raw[0] == '[' {
			var list []T
			if err := json.Unmarshal(raw, &list); err != nil {
				return err
			}
			*m = list
			return nil
		}
		var one T
		if err := json.Unmarshal(raw, &one); err != nil {
			return err
		}
		*m = []T{one}
	}
	return nil
}

func (s *stack) lightspeedState(ctx context.Context) lightspeedState {
	s.tb.Helper()
	var st lightspeedState
	s.sandboxCall(ctx, http.MethodGet, s.lightspeedURL+"/_sandbox/state", nil, &st)
	return st
}

// webhookReceiver is a Slack-compatible webhook that records every notification.
type webhookReceiver struct {
	url string

	mu     sync.Mutex
	bodies []map[string]any
}

func newWebhookReceiver(tb testing.TB) *webhookReceiver {
	wr := &webhookReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, "bad JSON: "+err.Error(), http.StatusBadRequest)
			return
		}
		wr.mu.Lock()
		wr.bodies = append(wr.bodies, body)
		wr.mu.Unlock()
		w.Write([]byte("ok"))
	}))
	tb.Cleanup(srv.Close)
	wr.url = srv.URL + "/hooks/fortspeed"
	return wr
}

// texts returns the "text" field of every notification received, in order.
func (wr *webhookReceiver) texts() []string {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	out := make([]string, 0, len(wr.bodies))
	for _, b := range wr.bodies {
		text, _ := b["text"].(string)
		out = append(out, text)
	}
	return out
}

// mentioning returns the notifications whose text contains every one of parts.
func (wr *webhookReceiver) mentioning(parts ...string) []string {
	var out []string
	for _, text := range wr.texts() {
		all := true
		for _, p := range parts {
			if !strings.Contains(text, p) {
				all = false
				break
			}
		}
		if all {
			out = append(out, text)
		}
	}
	return out
}

// fortnoxAPI calls the Fortnox API as the test's own service account (client credentials),
// to make and fix source data. Faults should be off.
func (s *stack) fortnoxAPI(ctx context.Context, method, path string, body, out any) {
	s.tb.Helper()
	s.mu.Lock()
	token := s.tokens[workers.VendorFortnox]
	s.mu.Unlock()
	if token == "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.fortnoxURL+"/oauth-v1/token",
			strings.NewReader("grant_type=client_credentials"))
		require.NoError(s.tb, err)
		req.SetBasicAuth(testapi.DemoClientID, testapi.DemoClientSecret)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("TenantId", "1234567")
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		s.do(req, &tok)
		require.NotEmpty(s.tb, tok.AccessToken, "Fortnox sandbox issued no token")
		token = tok.AccessToken
		s.mu.Lock()
		s.tokens[workers.VendorFortnox] = token
		s.mu.Unlock()
	}
	s.vendorCall(ctx, method, s.fortnoxURL+path, token, body, out)
}

// lightspeedAPI calls the Lightspeed API of the sandbox account with a token pair of its
// own (the worker's pair rotates on its own), at /API/V3/Account/{id}/{path}.
func (s *stack) lightspeedAPI(ctx context.Context, method, path string, body, out any) {
	s.tb.Helper()
	s.mu.Lock()
	token := s.tokens[workers.VendorLightspeed]
	s.mu.Unlock()
	if token == "" {
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		s.sandboxCall(ctx, http.MethodPost, s.lightspeedURL+"/_sandbox/tokens", map[string]any{}, &tok)
		token = tok.AccessToken
		s.mu.Lock()
		s.tokens[workers.VendorLightspeed] = token
		s.mu.Unlock()
	}
	s.vendorCall(ctx, method, s.lightspeedURL+"/API/V3/Account/316401/"+path, token, body, out)
}

func (s *stack) vendorCall(ctx context.Context, method, url, token string, body, out any) {
	s.tb.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(s.tb, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	require.NoError(s.tb, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	s.do(req, out)
}

func (s *stack) do(req *http.Request, out any) {
	s.tb.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.tb, err, "%s %s", req.Method, req.URL)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(s.tb, err)
	require.Less(s.tb, resp.StatusCode, 300, "%s %s: %s", req.Method, req.URL, raw)
	if out != nil {
		require.NoError(s.tb, json.Unmarshal(raw, out), "%s %s: %s", req.Method, req.URL, raw)
	}
}

// lastParent is the workflow id of the latest parent run the stack started for flow.
func (s *stack) lastParent(ctx context.Context, flow string) string {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	require.Positive(s.tb, s.runs, "no parent run started")
	for n := s.runs; n > 0; n-- {
		id := fmt.Sprintf("%s:test-run-%d", workflows.ScheduleID(workflows.DefaultTenant, flow), n)
		if _, err := s.client.DescribeWorkflow(ctx, id, ""); err == nil {
			return id
		}
	}
	s.tb.Fatalf("no parent run of %s found", flow)
	return ""
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"fortspeed/internal/codec"
	"fortspeed/internal/config"
	"fortspeed/internal/devserver"
	"fortspeed/internal/logging"
	"fortspeed/internal/metrics"
	"fortspeed/internal/temporalclient"
	"fortspeed/internal/workers"
	"fortspeed/mapping"
	"fortspeed/sandbox/demo"
	fxsandbox "fortspeed/sandbox/fortnox"
	lssandbox "fortspeed/sandbox/lightspeed"
	"fortspeed/sandbox/testapi"
	"fortspeed/workflows"
)

// The fixed local addresses of DESIGN.md.
const (
	devTemporalAddr   = "127.0.0.1:7233"
	devUIPort         = "8233"
	devWebUI          = "http://localhost:8233"
	devFortnoxAddr    = "127.0.0.1:8081"
	devLightspeedAddr = "127.0.0.1:8082"
	devCodecAddr      = "127.0.0.1:8083"
	devMetricsAddr    = "127.0.0.1:9464"
	devSchedule       = 30 * time.Second
	devTrickle        = 10 * time.Second
	devKeyID          = "demo"
)

func newDevCommand(out io.Writer) *cobra.Command {
	var dir string
	var keepHistory bool
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the whole local stack: dev server, sandboxes, worker and schedules (make run)",
		Long: "dev starts the Temporal dev server from ./bin/temporal (127.0.0.1:7233, Web UI on 8233,\n" +
			"data kept in .run/), the Fortnox and Lightspeed sandboxes with demo data and new demo\n" +
			"activity every 10 s (127.0.0.1:8081 and 8082), connects both, creates 30-second schedules\n" +
			"for both order flows and runs the worker, which serves its Prometheus metrics on\n" +
			"http://127.0.0.1:9464/metrics (FORTSPEED_METRICS_ADDR when set; set empty: none).\n" +
			"Payloads are encrypted with a demo key made in .run/ on first start. Ctrl-C stops\n" +
			"everything it started.\n\n" +
			"The sandboxes start from the same demo data on every start, with the same ids, so the\n" +
			"workflow history starts fresh too: kept, it would take the new records for ones already\n" +
			"synced. --keep-history keeps the last run's database instead.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return dev(cmd.Context(), dir, keepHistory, out)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", ".run", "directory for the dev server's database, the demo key, tokens and logs")
	cmd.Flags().BoolVar(&keepHistory, "keep-history", false, "reuse the last run's workflow history (records with reused sandbox ids are then not synced again)")
	return cmd
}

func dev(ctx context.Context, dir string, keepHistory bool, out io.Writer) error {
	e, err := loadEnvironment(workflows.DefaultTenant)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	metricsAddr := devMetrics(e.cfg.Fortspeed.MetricsAddr, os.LookupEnv)
	addrs := []string{devTemporalAddr, "127.0.0.1:" + devUIPort, devFortnoxAddr, devLightspeedAddr, devCodecAddr}
	if metricsAddr != "" {
		addrs = append(addrs, metricsAddr)
	}
	for _, addr := range addrs {
		if err := checkFree(addr); err != nil {
			return err
		}
	}
	if !keepHistory {
		if err := removeHistory(dir); err != nil {
			return err
		}
	}
	keys, keyFile, err := demoKey(dir)
	if err != nil {
		return err
	}
	cfg := devConfig(e.cfg, keys)
	cfg.Fortspeed.MetricsAddr = metricsAddr
	if cfg.Fortspeed.MappingFile == "" {
		if cfg.Fortspeed.MappingFile, err = demoSettings(dir); err != nil {
			return err
		}
		if e.settings, err = mapping.Load(cfg.Fortspeed.MappingFile); err != nil {
			return err
		}
	}
	env := e.env
	env.StateDir = filepath.Join(dir, "state")
	env.WebUIURL = devWebUI

	logger := cliLogger(cfg)
	defer logger.Sync()

	// The codec server lets the Web UI show the encrypted payloads and step summaries as text.
	// It listens on loopback: the Web UI cannot send a bearer token, so it is let through by
	// its origin, and everyone else (the CLI) needs the token made for this run.
	codecToken, tokenFile, err := devCodecToken(dir)
	if err != nil {
		return err
	}
	codecLn, err := net.Listen("tcp", devCodecAddr)
	if err != nil {
		return fmt.Errorf("codec server: %w", err)
	}
	codecOpts, err := codecOptions(config.Fortspeed{CodecOrigin: devWebUI, CodecToken: codecToken}, devCodecAddr)
	if err != nil {
		codecLn.Close()
		return err
	}
	codecCtx, stopCodec := context.WithCancel(ctx)
	defer stopCodec()
	go serveCodec(codecCtx, codecLn, keys, codecOpts)

	// The worker's metrics, as the worker process serves them; built before the client,
	// which reports the SDK's metrics into them.
	var m *metrics.Metrics
	var sdkMetrics client.MetricsHandler
	if cfg.Fortspeed.MetricsAddr != "" {
		if m, err = metrics.New(logger); err != nil {
			return err
		}
		defer m.Close()
		sdkMetrics = m.Handler()
	}

	srv, err := startDevServer(ctx, dir, cfg, logger, sdkMetrics)
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Fprintf(out, "Temporal dev server on %s (log: %s)\n", devTemporalAddr, filepath.Join(dir, "temporal.log"))

	stopSandboxes, err := startSandboxes(ctx)
	if err != nil {
		return err
	}
	defer stopSandboxes()
	fmt.Fprintf(out, "Fortnox sandbox on http://%s, Lightspeed sandbox on http://%s (demo data, new activity every %s)\n",
		devFortnoxAddr, devLightspeedAddr, devTrickle)

	// The worker runs first: the connections hand out their tokens through it, and setup's
	// pre-flight checks read the accounts with them.
	workerOpts := workers.Options{Env: env, Logger: logger, Client: srv.client}
	if m != nil {
		workerOpts.Hooks = m.Hooks()
	}
	proc, err := workers.New(ctx, cfg, workerOpts)
	if err != nil {
		return err
	}
	defer proc.Close()
	metricsLine := "Metrics: off (FORTSPEED_METRICS_ADDR is empty)"
	if m != nil {
		bound, stopMetrics, err := m.Serve(cfg.Fortspeed.MetricsAddr, srv.client, cfg.Temporal.Namespace, proc.Tenants())
		if err != nil {
			return err
		}
		defer stopMetrics()
		metricsLine = "Metrics: http://" + bound + "/metrics"
	}
	runCtx, stopWorker := context.WithCancel(ctx)
	defer stopWorker()
	ran := make(chan error, 1)
	go func() { ran <- proc.Run(runCtx) }()
	fmt.Fprintf(out, "worker polling %s\n", strings.Join(proc.Queues(), ", "))

	tenant := workers.Tenant{Name: workflows.DefaultTenant, Config: cfg, Settings: e.settings}
	for _, vendor := range []string{workers.VendorFortnox, workers.VendorLightspeed} {
		if err := connect(ctx, srv.client, tenant, vendor, connectOptions{follow: true}, out); err != nil {
			return err
		}
	}
	rep, err := setup(ctx, srv.client, cfg.Temporal.Namespace, tenant, devSchedule, openAccounts(srv.client, tenant, env))
	if err != nil {
		return err
	}
	rep.writeText(out)
	fmt.Fprintln(out)
	fmt.Fprintf(out, "Web UI: %s\n", devWebUI)
	fmt.Fprintln(out, metricsLine)
	fmt.Fprintf(out, "Payloads are encrypted with the demo key in %s; the Web UI reads them through\n"+
		"the codec server on http://%s, the CLI with its token:\n"+
		"  %s workflow show -w <id> --codec-endpoint http://%s --codec-auth \"Bearer $(cat %s)\"\n",
		keyFile, devCodecAddr, srv.cmd.Path, devCodecAddr, tokenFile)
	fmt.Fprintf(out, "Other starter commands against this stack need the demo key, for example:\n"+
		"  FORTSPEED_ENCRYPTION_KEYS=$(cat %s) go run ./starter status\n", keyFile)
	fmt.Fprintln(out, "Ctrl-C stops the worker, the sandboxes and the dev server.")
	return <-ran
}

// devMetrics is where the stack's worker serves its metrics: FORTSPEED_METRICS_ADDR when
// the user set it (empty: off), else devMetricsAddr rather than the worker's default, so
// a worker started beside the stack (go run ./worker) still gets 127.0.0.1:9090.
func devMetrics(configured string, lookup func(string) (string, bool)) string {
	if _, set := lookup("FORTSPEED_METRICS_ADDR"); set {
		return configured
	}
	return devMetricsAddr
}

// devConfig points the configuration at the local stack; everything else (webhook,
// mapping file, log level) stays as the environment says.
func devConfig(base config.Config, keys []codec.Key) config.Config {
	cfg := base
	cfg.Temporal = config.Temporal{Address: devTemporalAddr, Namespace: "default"}
	cfg.Fortnox = config.Fortnox{
		BaseURL: "http://" + devFortnoxAddr, AuthURL: "http://" + devFortnoxAddr,
		ClientID: testapi.DemoClientID, ClientSecret: testapi.DemoClientSecret,
	}
	cfg.Lightspeed = config.Lightspeed{
		BaseURL: "http://" + devLightspeedAddr, AuthURL: "http://" + devLightspeedAddr,
		ClientID: testapi.DemoClientID, ClientSecret: testapi.DemoClientSecret,
	}
	cfg.Fortspeed.EncryptionKeys = keys
	cfg.Fortspeed.TaskQueues = config.TaskQueues{workflows.TaskQueueFortspeed, workflows.TaskQueueFortnox, workflows.TaskQueueLightspeed}
	return cfg
}

// checkFree fails fast with the address in the message, instead of a dev server that
// times out or a sandbox that dies later.
func checkFree(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s is in use: is another `make run` or dev server running? (%w)", addr, err)
	}
	return ln.Close()
}

// demoKey reads the demo encryption key from dir, making it on first start, so the
// persisted workflows of earlier runs stay readable.
func demoKey(dir string) ([]codec.Key, string, error) {
	path := filepath.Join(dir, "encryption-key")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, "", fmt.Errorf("make demo key: %w", err)
		}
		b = []byte(devKeyID + ":" + base64.StdEncoding.EncodeToString(secret) + "\n")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, "", fmt.Errorf("write demo key: %w", err)
		}
	} else if err != nil {
		return nil, "", fmt.Errorf("read demo key: %w", err)
	}
	keys, err := codec.ParseKeys(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, "", fmt.Errorf("demo key %s: %w (delete the file to make a new one)", path, err)
	}
	return keys, path, nil
}

// devCodecToken makes the codec server's bearer token of this run and writes it to a file
// only the user can read, so it never appears on the terminal.
func devCodecToken(dir string) (token, path string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("make codec token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	path = filepath.Join(dir, "codec-token")
	if err := os.WriteFile(path, []byte(token), 0o600); err != nil {
		return "", "", fmt.Errorf("write codec token: %w", err)
	}
	return token, path, nil
}

// removeHistory deletes the dev server's database (SQLite with its journal files).
func removeHistory(dir string) error {
	for _, name := range []string{"temporal.db", "temporal.db-wal", "temporal.db-shm", "temporal.db-journal"} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("start with a fresh workflow history: %w", err)
		}
	}
	return nil
}

// demoSettings writes the settings of the demo store, used when FORTSPEED_MAPPING_FILE is
// not set. They keep the shipped customer settings, so a newcomer sees what a fresh install
// does: setup finds the demo store's walk-in customer Kontantkund, and anonymous till sales
// are booked on it.
func demoSettings(dir string) (string, error) {
	path := filepath.Join(dir, "settings.yaml")
	content := "# Demo settings, written by `starter dev` on every start; set FORTSPEED_MAPPING_FILE to use your own.\n" +
		"# The demo store's sales and orders go back a month: take them all over on the first run.\n" +
		"flows:\n" +
		"  orders-to-fortnox: {lookback: 45d}\n" +
		"  orders-to-lightspeed: {lookback: 45d}\n" +
		"# The demo store's colour codes, categories by article number and its manufacturer as a\n" +
		"# custom field, for the products flow.\n" +
		demo.SettingsTables + "products:\n" + demo.SettingsFeatures
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return "", fmt.Errorf("write demo settings: %w", err)
	}
	return path, nil
}

// devServer is the Temporal dev server process of `starter dev`. It runs in its own
// process group, so the terminal's Ctrl-C reaches only starter, which then stops the worker
// while the server is still there, and the server last.
type devServer struct {
	cmd    *exec.Cmd
	log    *os.File
	exited chan struct{}
	client client.Client
}

func startDevServer(ctx context.Context, dir string, cfg config.Config, logger *zap.Logger, sdkMetrics client.MetricsHandler) (*devServer, error) {
	path, err := devserver.CLIPath()
	if err != nil {
		return nil, err
	}
	opts, err := temporalclient.Options(cfg, zap.NewNop())
	if err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(devTemporalAddr)
	args := []string{"server", "start-dev", "--ip", host, "--port", port, "--ui-port", devUIPort,
		"--namespace", cfg.Temporal.Namespace, "--db-filename", filepath.Join(dir, "temporal.db"),
		"--log-level", "warn", "--dynamic-config-value", "frontend.enableServerVersionCheck=false",
		"--ui-codec-endpoint", "http://" + devCodecAddr}
	for _, def := range workflows.SearchAttributeDefinitions() {
		args = append(args, "--search-attribute", def.Name+"="+def.Type.String())
	}
	logFile, err := os.OpenFile(filepath.Join(dir, "temporal.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("dev server log: %w", err)
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	detach(cmd)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start the Temporal dev server %s: %w", path, err)
	}
	s := &devServer{cmd: cmd, log: logFile, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(s.exited)
	}()

	deadline := time.Now().Add(time.Minute)
	for {
		dialCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := client.DialContext(dialCtx, opts)
		cancel()
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-s.exited:
			logFile.Close()
			return nil, fmt.Errorf("the Temporal dev server exited at start; see %s", logFile.Name())
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("the Temporal dev server did not answer on %s within a minute; see %s", devTemporalAddr, logFile.Name())
		}
	}
	opts.Logger = logging.NewTemporalLogger(logger)
	opts.MetricsHandler = sdkMetrics
	if s.client, err = client.DialContext(ctx, opts); err != nil {
		s.stop()
		return nil, fmt.Errorf("connect to the dev server: %w", err)
	}
	return s, nil
}

// stop interrupts the server, as Ctrl-C would, and kills it if it does not exit in time.
func (s *devServer) stop() {
	if s.client != nil {
		s.client.Close()
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.log.Close()
}

// startSandboxes serves both simulators with the demo store on their fixed addresses and
// adds demo activity every devTrickle, as `go run ./sandbox --trickle 10s` does.
func startSandboxes(ctx context.Context) (stop func(), err error) {
	clock := testapi.NewClock()
	fx := fxsandbox.New(fxsandbox.Options{Clock: clock, BaseURL: "http://" + devFortnoxAddr})
	// The demo store has three registers (bucket 110, drip 2/s), so the seeded backlog of
	// orders is written within the first two minutes, as a shop of that size would see it.
	ls := lssandbox.New(lssandbox.Options{Clock: clock, Registers: 3, BaseURL: "http://" + devLightspeedAddr})
	seed := testapi.ResetRequest{Seed: "demo", RandomSeed: 1}
	if err := fx.Reset(seed); err != nil {
		return nil, fmt.Errorf("seed the Fortnox sandbox: %w", err)
	}
	if err := ls.Reset(seed); err != nil {
		return nil, fmt.Errorf("seed the Lightspeed sandbox: %w", err)
	}
	servers := []*http.Server{
		{Addr: devFortnoxAddr, Handler: fx, ReadHeaderTimeout: 10 * time.Second},
		{Addr: devLightspeedAddr, Handler: ls, ReadHeaderTimeout: 10 * time.Second},
	}
	for i, srv := range servers {
		ln, err := net.Listen("tcp", srv.Addr)
		if err != nil {
			for _, started := range servers[:i] {
				started.Close()
			}
			return nil, fmt.Errorf("sandbox on %s: %w", srv.Addr, err)
		}
		go srv.Serve(ln)
	}
	tickCtx, cancel := context.WithCancel(ctx)
	go func() {
		rng := mathrand.New(mathrand.NewPCG(uint64(time.Now().UnixNano()), 7))
		t := time.NewTicker(devTrickle)
		defer t.Stop()
		for {
			select {
			case <-tickCtx.Done():
				return
			case <-t.C:
				fx.DemoTick(rng)
				ls.DemoTick(rng)
			}
		}
	}()
	return func() {
		cancel()
		shutdown, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		for _, srv := range servers {
			srv.Shutdown(shutdown)
		}
	}, nil
}

// Package workers builds a worker process from the configuration — logger, payload codec,
// Temporal client, token sources, vendor clients, mapper, notifier, activities and one
// Temporal worker per task queue — so the worker main, `starter dev` and the integration
// tests run exactly the same wiring.
package workers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"fortspeed/activities"
	"fortspeed/clients"
	"fortspeed/clients/fortnox"
	"fortspeed/clients/lightspeed"
	"fortspeed/internal/config"
	"fortspeed/internal/logging"
	"fortspeed/internal/notify"
	"fortspeed/internal/temporalclient"
	"fortspeed/internal/tokenfile"
	"fortspeed/mapping"
	"fortspeed/workflows"
)

// Tenant is the tenant a worker process serves. Further tenants of the settings file need
// task queues of their own, which the workflows do not have yet.
const Tenant = workflows.DefaultTenant

// shopLocation is the time zone of order dates on Fortnox orders.
const shopLocation = "Europe/Stockholm"

// vendorQueueConcurrency bounds the activities one process runs per vendor queue: the
// vendor client serializes them through its pacer anyway, and a short queue there keeps
// each activity well inside its StartToClose timeout.
const vendorQueueConcurrency = 20

// workerStopTimeout is how long a stopping worker lets running activities finish.
const workerStopTimeout = 5 * time.Second

// Hooks receive the vendor clients' request, throttle and token events, for metrics.
type Hooks struct {
	Fortnox    fortnox.Hook
	Lightspeed lightspeed.Hook
	// TokenRefresh is told of every token a connection asks its vendor for.
	TokenRefresh func(vendor, grant string, err error)
}

// onRefresh is the OnRefresh of vendor's token source.
func (h Hooks) onRefresh(vendor string) func(grant string, err error) {
	if h.TokenRefresh == nil {
		return nil
	}
	return func(grant string, err error) { h.TokenRefresh(vendor, grant, err) }
}

// Options are the dependencies a caller may supply; every zero field is built from the
// configuration.
type Options struct {
	Env Env
	// Logger is the process logger; nil builds one from FORTSPEED_LOG_LEVEL/FORMAT.
	Logger *zap.Logger
	// Client is an existing Temporal client (tests, `starter dev`); nil dials one from the
	// configuration, which Close then closes.
	Client     client.Client
	Hooks      Hooks
	HTTPClient *http.Client
	// MetricsHandler receives the Temporal SDK's metrics, and the workflows' own through
	// workflow.GetMetricsHandler, when the process dials its own client; nil: none.
	MetricsHandler client.MetricsHandler
}

// Process is a worker process: one Temporal worker per configured task queue.
type Process struct {
	logger    *zap.Logger
	client    client.Client
	ownClient bool
	workers   []queueWorker
	fatal     chan error
}

type queueWorker struct {
	queue string
	w     worker.Worker
}

// New builds the process. A missing credential or a bad setting is one clear error line.
func New(ctx context.Context, cfg config.Config, opts Options) (*Process, error) {
	logger := opts.Logger
	if logger == nil {
		var err error
		if logger, err = logging.New(cfg.Fortspeed.LogLevel, cfg.Fortspeed.LogFormat); err != nil {
			return nil, err
		}
	}
	// Checked first, so a process without payload keys says that before anything else. A
	// process handed its client (tests) reads histories with the SDK's default without keys.
	dc, err := temporalclient.DataConverter(cfg.Fortspeed)
	if err != nil {
		if opts.Client == nil {
			return nil, err
		}
		dc = converter.GetDefaultDataConverter()
	}
	settings, err := mapping.Load(cfg.Fortspeed.MappingFile)
	if err != nil {
		return nil, err
	}
	mapper, err := mapping.NewMapper(settings)
	if err != nil {
		return nil, err
	}
	webhook, email, err := newNotifiers(cfg, opts.HTTPClient)
	if err != nil {
		return nil, err
	}

	p := &Process{logger: logger, client: opts.Client, fatal: make(chan error, 3)}
	queues := cfg.Fortspeed.TaskQueues
	// A process builds only the vendor clients of the queues it polls: each activity
	// struct talks to one vendor, so a fortnox-api worker needs no Lightspeed credentials.
	var deps flowDeps
	deps.mapper = mapper
	deps.settings = settings
	conns := connections{env: opts.Env, logger: logger, notifier: notify.All{webhook, email}}
	if queues.Has(workflows.TaskQueueFortnox) {
		if deps.fortnox, err = newFortnoxClient(cfg, opts, conns); err != nil {
			return nil, err
		}
	}
	if queues.Has(workflows.TaskQueueLightspeed) {
		if deps.lightspeed, err = newLightspeedClient(cfg, opts, conns); err != nil {
			return nil, err
		}
	}
	if deps.location, err = time.LoadLocation(shopLocation); err != nil {
		return nil, fmt.Errorf("load shop time zone %s: %w", shopLocation, err)
	}
	if p.client == nil {
		if p.client, err = dial(ctx, cfg, logger, opts.MetricsHandler); err != nil {
			return nil, err
		}
		p.ownClient = true
	}

	for _, queue := range queues {
		w, err := p.newWorker(queue, opts.Env)
		if err != nil {
			p.Close()
			return nil, err
		}
		if queue == workflows.TaskQueueFortspeed {
			workflows.RegisterWorkflows(w)
			w.RegisterActivityWithOptions(&activities.Notify{
				Webhook: webhook, Email: email, WebUIURL: opts.Env.WebUIURL, Namespace: cfg.Temporal.Namespace,
			}, activity.RegisterOptions{Name: activities.NotifyPrefix})
			w.RegisterActivityWithOptions(&activities.Records{
				Client: p.client, Namespace: cfg.Temporal.Namespace, DataConverter: dc,
				Backoff: sweepBackoff, MaxBackoff: sweepMaxBackoff,
			}, activity.RegisterOptions{Name: activities.RecordsPrefix})
			w.RegisterActivityWithOptions(&activities.StockSales{Client: p.client, Namespace: cfg.Temporal.Namespace},
				activity.RegisterOptions{Name: activities.StockSalesPrefix})
		}
		for _, flow := range workflows.Flows() {
			if len(flow.Methods(queue)) == 0 {
				continue
			}
			steps, err := flowActivities(flow.ID, queue, deps)
			if err != nil {
				p.Close()
				return nil, err
			}
			w.RegisterActivityWithOptions(steps, activity.RegisterOptions{Name: flow.Prefix})
		}
		p.workers = append(p.workers, queueWorker{queue: queue, w: w})
	}
	return p, nil
}

// The sweep of failed records waits this long after a record's first failure before it
// starts it again, doubling with each further failure up to the maximum.
const (
	sweepBackoff    = 5 * time.Minute
	sweepMaxBackoff = 6 * time.Hour
)

// flowDeps are what the flows' activity structs are built from; a vendor client is nil
// when the process does not poll that vendor's queue.
type flowDeps struct {
	fortnox    *fortnox.Client
	lightspeed *lightspeed.Client
	mapper     *mapping.Mapper
	settings   *mapping.Settings
	location   *time.Location
}

// flowActivities builds the activity struct that runs one flow's steps on one vendor
// queue. A new flow adds its structs here.
func flowActivities(flow, queue string, d flowDeps) (any, error) {
	switch {
	case flow == workflows.FlowOrdersToFortnox && queue == workflows.TaskQueueLightspeed:
		return activities.NewOrdersToFortnoxSource(Tenant, d.lightspeed, d.mapper, d.location)
	case flow == workflows.FlowOrdersToFortnox && queue == workflows.TaskQueueFortnox:
		return activities.NewOrdersToFortnoxTarget(Tenant, d.fortnox)
	case flow == workflows.FlowOrdersToLightspeed && queue == workflows.TaskQueueFortnox:
		return activities.NewOrdersToLightspeedSource(Tenant, d.fortnox, d.mapper), nil
	case flow == workflows.FlowOrdersToLightspeed && queue == workflows.TaskQueueLightspeed:
		return activities.NewOrdersToLightspeedTarget(Tenant, d.lightspeed, d.mapper), nil
	case flow == workflows.FlowProducts && queue == workflows.TaskQueueFortnox:
		return activities.NewProductsSource(Tenant, d.fortnox, d.mapper), nil
	case flow == workflows.FlowProducts && queue == workflows.TaskQueueLightspeed:
		return activities.NewProductsTarget(Tenant, d.lightspeed, d.mapper)
	case flow == workflows.FlowStock && queue == workflows.TaskQueueFortnox:
		return activities.NewStockSource(Tenant, d.fortnox, d.settings)
	case flow == workflows.FlowStock && queue == workflows.TaskQueueLightspeed:
		return activities.NewStockTarget(Tenant, d.lightspeed)
	}
	return nil, fmt.Errorf("flow %s has steps on task queue %s but no activities for it", flow, queue)
}

func (p *Process) newWorker(queue string, env Env) (worker.Worker, error) {
	opts := worker.Options{
		// In-flight vendor calls get a moment to finish on shutdown rather than being cut
		// off between the write and its answer.
		WorkerStopTimeout: workerStopTimeout,
		OnFatalError: func(err error) {
			select {
			case p.fatal <- fmt.Errorf("worker on task queue %s: %w", queue, err):
			default:
			}
		},
	}
	switch queue {
	case workflows.TaskQueueFortspeed:
	case workflows.TaskQueueFortnox:
		opts.DisableWorkflowWorker = true
		opts.MaxConcurrentActivityExecutionSize = vendorQueueConcurrency
		opts.TaskQueueActivitiesPerSecond = env.FortnoxActivitiesPerSecond
	case workflows.TaskQueueLightspeed:
		opts.DisableWorkflowWorker = true
		opts.MaxConcurrentActivityExecutionSize = vendorQueueConcurrency
		opts.TaskQueueActivitiesPerSecond = env.LightspeedActivitiesPerSecond
	default:
		return nil, fmt.Errorf("FORTSPEED_TASK_QUEUES: unknown task queue %q", queue)
	}
	return worker.New(p.client, queue, opts), nil
}

// Client is the process's Temporal client.
func (p *Process) Client() client.Client { return p.client }

// Queues lists the task queues the process polls.
func (p *Process) Queues() []string {
	out := make([]string, len(p.workers))
	for i, qw := range p.workers {
		out[i] = qw.queue
	}
	return out
}

// Run polls every queue until ctx ends, then stops the workers gracefully. It returns
// early with the error of a worker that cannot go on (for example an unknown namespace).
func (p *Process) Run(ctx context.Context) error {
	for i, qw := range p.workers {
		if err := qw.w.Start(); err != nil {
			for _, started := range p.workers[:i] {
				started.w.Stop()
			}
			return fmt.Errorf("start worker on task queue %s: %w", qw.queue, err)
		}
	}
	p.logger.Info("worker started", zap.Strings("task_queues", p.Queues()))
	var err error
	select {
	case <-ctx.Done():
	case err = <-p.fatal:
	}
	for _, qw := range p.workers {
		qw.w.Stop()
	}
	p.logger.Info("worker stopped")
	return err
}

// Close releases the Temporal client if the process dialled it.
func (p *Process) Close() {
	if p.ownClient && p.client != nil {
		p.client.Close()
	}
}

// Dial connects to Temporal as configured, with the payload codec and logger in place.
func Dial(ctx context.Context, cfg config.Config, logger *zap.Logger) (client.Client, error) {
	return dial(ctx, cfg, logger, nil)
}

func dial(ctx context.Context, cfg config.Config, logger *zap.Logger, metrics client.MetricsHandler) (client.Client, error) {
	opts, err := temporalclient.Options(cfg, logger)
	if err != nil {
		return nil, err
	}
	opts.MetricsHandler = metrics
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w", cfg.Temporal.Address, cfg.Temporal.Namespace, err)
	}
	return c, nil
}

// newNotifiers builds the alert channels that are configured; nil for one that is not.
func newNotifiers(cfg config.Config, hc *http.Client) (webhook, email notify.Notifier, err error) {
	if u := cfg.Fortspeed.NotifyWebhookURL; u != "" {
		if webhook, err = notify.NewWebhook(u, hc); err != nil {
			return nil, nil, fmt.Errorf("FORTSPEED_NOTIFY_WEBHOOK_URL: %w", err)
		}
	}
	if s := cfg.Fortspeed.SMTP; s.Host != "" {
		email, err = notify.NewSMTP(notify.SMTPConfig{Host: s.Host, Port: s.Port, Username: s.Username,
			Password: s.Password, From: s.From, To: s.Recipients()})
		if err != nil {
			return nil, nil, fmt.Errorf("FORTSPEED_SMTP_*: %w", err)
		}
	}
	return webhook, email, nil
}

// FortnoxOAuth is the token endpoint of the configured Fortnox app.
func FortnoxOAuth(cfg config.Config, hc *http.Client) clients.OAuthConfig {
	return clients.OAuthConfig{
		Vendor:       VendorFortnox,
		TokenURL:     strings.TrimRight(cfg.Fortnox.AuthURL, "/") + "/oauth-v1/token",
		ClientID:     cfg.Fortnox.ClientID,
		ClientSecret: cfg.Fortnox.ClientSecret,
		Auth:         clients.AuthBasic,
		TenantID:     cfg.Fortnox.TenantID,
		HTTPClient:   hc,
	}
}

// LightspeedOAuth is the token endpoint of the configured Lightspeed app.
func LightspeedOAuth(cfg config.Config, hc *http.Client) clients.OAuthConfig {
	return clients.OAuthConfig{
		Vendor:       VendorLightspeed,
		TokenURL:     strings.TrimRight(cfg.Lightspeed.AuthURL, "/") + "/auth/oauth/token",
		ClientID:     cfg.Lightspeed.ClientID,
		ClientSecret: cfg.Lightspeed.ClientSecret,
		Auth:         clients.AuthBody,
		HTTPClient:   hc,
	}
}

// CheckApp reports a vendor app without client id or secret, naming the variables.
func CheckApp(vendor, clientID, clientSecret string) error {
	if clientID != "" && clientSecret != "" {
		return nil
	}
	prefix := strings.ToUpper(vendor)
	return fmt.Errorf("%s_CLIENT_ID and %s_CLIENT_SECRET: both must be set (the %s app's OAuth client)", prefix, prefix, displayName(vendor))
}

func displayName(vendor string) string {
	if vendor == VendorLightspeed {
		return "Lightspeed"
	}
	return "Fortnox"
}

// connections builds the token sources of the process's vendor connections.
type connections struct {
	env      Env
	logger   *zap.Logger
	notifier notify.Notifier
}

// tokenSource is a connection's rotating token pair from its token file: the file must
// exist (written by `starter connect`) and every rotation is saved back to it.
func (c connections) tokenSource(vendor string, oauth clients.OAuthConfig) (*clients.RefreshingSource, error) {
	path := TokenPath(c.env.StateDir, Tenant, vendor)
	tok, err := tokenfile.Load(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no %s token: run `starter connect %s` (looked for %s)", displayName(vendor), vendor, path)
	}
	if err != nil {
		return nil, err
	}
	src := clients.NewRefreshingSource(oauth, tok, tokenfile.Saver(path))
	src.OnSaveFailure(c.reportUnsaved(vendor, path))
	return src, nil
}

// NewFortnoxClient is the Fortnox client of the configured tenant, with the worker's
// credentials (service account, or the token file of `starter connect`) and pacing, for a
// command outside a worker (starter setup). A rotated pair it cannot save is logged.
func NewFortnoxClient(cfg config.Config, opts Options, logger *zap.Logger) (*fortnox.Client, error) {
	return newFortnoxClient(cfg, opts, connections{env: opts.Env, logger: logger, notifier: notify.Nop{}})
}

// reportUnsaved tells the operator, once, that a rotated token pair lives only in this
// process until its file can be written again: a restart before then loses the connection.
func (c connections) reportUnsaved(vendor, path string) func(context.Context, error) {
	log := c.logger.With(zap.String("vendor", vendor), zap.String("token_file", path))
	return func(ctx context.Context, err error) {
		if err == nil {
			log.Info("rotated token pair saved again")
			return
		}
		reason := fmt.Sprintf("the rotated %s token pair could not be saved (%v); the worker keeps it in memory and saves it again on the next use: free disk space or make %s writable before the worker stops, or run `starter connect %s` after a restart",
			displayName(vendor), err, path, vendor)
		log.Error("rotated token pair not saved; kept in memory", zap.Error(err))
		n := notify.Notification{Tenant: Tenant, WorkflowID: Tenant + ":connection:" + vendor, Status: "token_not_saved", Reason: reason}
		if nerr := c.notifier.Notify(ctx, n); nerr != nil {
			log.Error("notify: token pair not saved", zap.Error(nerr))
		}
	}
}

func newFortnoxClient(cfg config.Config, opts Options, conns connections) (*fortnox.Client, error) {
	if err := CheckApp(VendorFortnox, cfg.Fortnox.ClientID, cfg.Fortnox.ClientSecret); err != nil {
		return nil, err
	}
	oauth := FortnoxOAuth(cfg, opts.HTTPClient)
	oauth.OnRefresh = opts.Hooks.onRefresh(VendorFortnox)
	var tokens clients.TokenSource
	if cfg.Fortnox.TenantID != "" {
		// A service account mints its tokens with client credentials: nothing to store.
		tokens = clients.NewRefreshingSource(oauth, clients.Token{}, nil)
	} else {
		src, err := conns.tokenSource(VendorFortnox, oauth)
		if err != nil {
			return nil, err
		}
		tokens = src
	}
	c, err := fortnox.New(fortnox.Config{
		BaseURL: cfg.Fortnox.BaseURL, Tokens: tokens, TenantKey: Tenant,
		// One pacer for the process: every Fortnox call of the tenant shares its limit.
		Pacer:  fortnox.NewPacer(opts.Env.FortnoxRequestsPer5s, 5*time.Second),
		Logger: conns.logger, Hook: opts.Hooks.Fortnox, HTTPClient: opts.HTTPClient,
	})
	if err != nil {
		return nil, fmt.Errorf("FORTNOX_BASE_URL: %w", err)
	}
	return c, nil
}

func newLightspeedClient(cfg config.Config, opts Options, conns connections) (*lightspeed.Client, error) {
	if err := CheckApp(VendorLightspeed, cfg.Lightspeed.ClientID, cfg.Lightspeed.ClientSecret); err != nil {
		return nil, err
	}
	var account int64
	if s := cfg.Lightspeed.AccountID; s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("LIGHTSPEED_ACCOUNT_ID: want a positive number, got %q", s)
		}
		account = n
	}
	oauth := LightspeedOAuth(cfg, opts.HTTPClient)
	oauth.OnRefresh = opts.Hooks.onRefresh(VendorLightspeed)
	tokens, err := conns.tokenSource(VendorLightspeed, oauth)
	if err != nil {
		return nil, err
	}
	c, err := lightspeed.New(lightspeed.Config{
		BaseURL: cfg.Lightspeed.BaseURL, AccountID: account, Tokens: tokens,
		Logger: conns.logger, Hook: opts.Hooks.Lightspeed, HTTPClient: opts.HTTPClient,
		Pacer: lightspeed.NewPacer(),
	})
	if err != nil {
		return nil, fmt.Errorf("LIGHTSPEED_BASE_URL: %w", err)
	}
	return c, nil
}

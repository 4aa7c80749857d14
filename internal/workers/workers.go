// Package workers builds a worker process from the configuration — logger, payload codec,
// Temporal client, token sources, vendor clients, mapper, notifier, activities and one
// Temporal worker per task queue — so the worker main, `starter dev` and the integration
// tests run exactly the same wiring.
package workers

import (
	"context"
	"fmt"
	"net/http"
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
	"fortspeed/internal/connections"
	"fortspeed/internal/logging"
	"fortspeed/internal/notify"
	"fortspeed/internal/temporalclient"
	"fortspeed/mapping"
	"fortspeed/workflows"
)

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
	tenants   []string
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
	tenants, err := LoadTenants(cfg)
	if err != nil {
		return nil, err
	}
	webhook, email, err := newNotifiers(cfg, opts.HTTPClient)
	if err != nil {
		return nil, err
	}
	location, err := time.LoadLocation(shopLocation)
	if err != nil {
		return nil, fmt.Errorf("load shop time zone %s: %w", shopLocation, err)
	}

	p := &Process{logger: logger, client: opts.Client, fatal: make(chan error, 3)}
	queues := cfg.Fortspeed.TaskQueues
	// Every vendor client of the process is built before dialling, so a missing credential
	// is reported without a Temporal server. A process builds only the vendor clients of
	// the queues it polls: a fortnox-api worker needs no Lightspeed credentials.
	deps := make([]flowDeps, len(tenants))
	for i, t := range tenants {
		mapper, err := mapping.NewMapper(t.Settings)
		if err != nil {
			return nil, TenantError(t.Name, err)
		}
		deps[i] = flowDeps{tenant: t.Name, mapper: mapper, settings: t.Settings, location: location}
		if queues.Has(workflows.TaskQueueFortnox) {
			if err := CheckApp(VendorFortnox, t.Config.Fortnox.ClientID, t.Config.Fortnox.ClientSecret); err != nil {
				return nil, TenantError(t.Name, err)
			}
		}
		if queues.Has(workflows.TaskQueueLightspeed) {
			if err := CheckApp(VendorLightspeed, t.Config.Lightspeed.ClientID, t.Config.Lightspeed.ClientSecret); err != nil {
				return nil, TenantError(t.Name, err)
			}
			if _, err := lightspeedAccount(t.Config.Lightspeed.AccountID); err != nil {
				return nil, TenantError(t.Name, err)
			}
		}
	}
	if p.client == nil {
		if p.client, err = dial(ctx, cfg, logger, opts.MetricsHandler); err != nil {
			return nil, err
		}
		p.ownClient = true
	}
	for i, t := range tenants {
		p.tenants = append(p.tenants, t.Name)
		d := &deps[i]
		if queues.Has(workflows.TaskQueueFortnox) {
			if d.fortnox, err = newFortnoxClient(t.Name, t.Config, opts, p.client, logger); err != nil {
				p.Close()
				return nil, TenantError(t.Name, err)
			}
		}
		if queues.Has(workflows.TaskQueueLightspeed) {
			if d.lightspeed, err = newLightspeedClient(t.Name, t.Config, opts, p.client, logger); err != nil {
				p.Close()
				return nil, TenantError(t.Name, err)
			}
		}
		if err := importConnections(ctx, p.client, t, opts.Env, logger); err != nil {
			p.Close()
			return nil, TenantError(t.Name, err)
		}
	}

	for _, queue := range queues {
		if queue == workflows.TaskQueueFortspeed {
			w, err := p.newWorker(queue, queue, opts.Env)
			if err != nil {
				p.Close()
				return nil, err
			}
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
			w.RegisterActivityWithOptions(&activities.Schedules{Client: p.client},
				activity.RegisterOptions{Name: activities.SchedulesPrefix})
			p.workers = append(p.workers, queueWorker{queue: queue, w: w})
			continue
		}
		// Each tenant polls its own queue of the vendor, with its own clients and limit.
		for i, t := range tenants {
			tq := workflows.TenantQueue(t.Name, queue)
			w, err := p.newWorker(queue, tq, opts.Env)
			if err != nil {
				p.Close()
				return nil, err
			}
			for _, flow := range workflows.Flows() {
				if len(flow.Methods(queue)) == 0 {
					continue
				}
				steps, err := flowActivities(flow.ID, queue, deps[i])
				if err != nil {
					p.Close()
					return nil, err
				}
				w.RegisterActivityWithOptions(steps, activity.RegisterOptions{Name: flow.Prefix})
			}
			oauth := FortnoxOAuth(t.Config, opts.HTTPClient)
			if queue == workflows.TaskQueueLightspeed {
				oauth = LightspeedOAuth(t.Config, opts.HTTPClient)
			}
			oauth.OnRefresh = opts.Hooks.onRefresh(oauth.Vendor)
			w.RegisterActivityWithOptions(&activities.Connection{Tenant: t.Name, OAuth: oauth},
				activity.RegisterOptions{Name: activities.ConnectionPrefix})
			p.workers = append(p.workers, queueWorker{queue: tq, w: w})
		}
	}
	return p, nil
}

// TenantError names the tenant an error is about, unless it is the default one.
func TenantError(tenant string, err error) error {
	if tenant == workflows.DefaultTenant || err == nil {
		return err
	}
	return fmt.Errorf("tenant %s: %w", tenant, err)
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
	tenant     string
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
		return activities.NewOrdersToFortnoxSource(d.tenant, d.lightspeed, d.mapper, d.location)
	case flow == workflows.FlowOrdersToFortnox && queue == workflows.TaskQueueFortnox:
		return activities.NewOrdersToFortnoxTarget(d.tenant, d.fortnox)
	case flow == workflows.FlowOrdersToLightspeed && queue == workflows.TaskQueueFortnox:
		return activities.NewOrdersToLightspeedSource(d.tenant, d.fortnox, d.mapper), nil
	case flow == workflows.FlowOrdersToLightspeed && queue == workflows.TaskQueueLightspeed:
		return activities.NewOrdersToLightspeedTarget(d.tenant, d.lightspeed, d.mapper), nil
	case flow == workflows.FlowProducts && queue == workflows.TaskQueueFortnox:
		return activities.NewProductsSource(d.tenant, d.fortnox, d.mapper), nil
	case flow == workflows.FlowProducts && queue == workflows.TaskQueueLightspeed:
		return activities.NewProductsTarget(d.tenant, d.lightspeed, d.mapper)
	case flow == workflows.FlowStock && queue == workflows.TaskQueueFortnox:
		return activities.NewStockSource(d.tenant, d.fortnox, d.settings)
	case flow == workflows.FlowStock && queue == workflows.TaskQueueLightspeed:
		return activities.NewStockTarget(d.tenant, d.lightspeed)
	}
	return nil, fmt.Errorf("flow %s has steps on task queue %s but no activities for it", flow, queue)
}

// newWorker is the worker of taskQueue, which is queue or a tenant's queue of that vendor.
func (p *Process) newWorker(queue, taskQueue string, env Env) (worker.Worker, error) {
	opts := worker.Options{
		// In-flight vendor calls get a moment to finish on shutdown rather than being cut
		// off between the write and its answer.
		WorkerStopTimeout: workerStopTimeout,
		OnFatalError: func(err error) {
			select {
			case p.fatal <- fmt.Errorf("worker on task queue %s: %w", taskQueue, err):
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
	return worker.New(p.client, taskQueue, opts), nil
}

// Client is the process's Temporal client.
func (p *Process) Client() client.Client { return p.client }

// Tenants lists the tenants the process serves.
func (p *Process) Tenants() []string { return p.tenants }

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

// NewFortnoxClient is the Fortnox client of a tenant, its tokens from the tenant's
// connection workflow, for a command outside a worker (the pre-flight checks of `starter`).
func NewFortnoxClient(t Tenant, opts Options, c client.Client, logger *zap.Logger) (*fortnox.Client, error) {
	if err := CheckApp(VendorFortnox, t.Config.Fortnox.ClientID, t.Config.Fortnox.ClientSecret); err != nil {
		return nil, err
	}
	return newFortnoxClient(t.Name, t.Config, opts, c, logger)
}

// NewLightspeedClient is NewFortnoxClient for Lightspeed.
func NewLightspeedClient(t Tenant, opts Options, c client.Client, logger *zap.Logger) (*lightspeed.Client, error) {
	if err := CheckApp(VendorLightspeed, t.Config.Lightspeed.ClientID, t.Config.Lightspeed.ClientSecret); err != nil {
		return nil, err
	}
	return newLightspeedClient(t.Name, t.Config, opts, c, logger)
}

func newFortnoxClient(tenant string, cfg config.Config, opts Options, c client.Client, logger *zap.Logger) (*fortnox.Client, error) {
	fc, err := fortnox.New(fortnox.Config{
		BaseURL: cfg.Fortnox.BaseURL, Tokens: connections.NewSource(c, tenant, VendorFortnox), TenantKey: tenant,
		// One pacer per tenant and process: every Fortnox call of the company shares its limit.
		Pacer:  fortnox.NewPacer(opts.Env.FortnoxRequestsPer5s, 5*time.Second),
		Logger: logger, Hook: opts.Hooks.Fortnox, HTTPClient: opts.HTTPClient,
	})
	if err != nil {
		return nil, fmt.Errorf("FORTNOX_BASE_URL: %w", err)
	}
	return fc, nil
}

func newLightspeedClient(tenant string, cfg config.Config, opts Options, c client.Client, logger *zap.Logger) (*lightspeed.Client, error) {
	account, err := lightspeedAccount(cfg.Lightspeed.AccountID)
	if err != nil {
		return nil, err
	}
	lc, err := lightspeed.New(lightspeed.Config{
		BaseURL: cfg.Lightspeed.BaseURL, AccountID: account, Tokens: connections.NewSource(c, tenant, VendorLightspeed),
		Logger: logger, Hook: opts.Hooks.Lightspeed, HTTPClient: opts.HTTPClient,
		Pacer: lightspeed.NewPacer(),
	})
	if err != nil {
		return nil, fmt.Errorf("LIGHTSPEED_BASE_URL: %w", err)
	}
	return lc, nil
}

// lightspeedAccount reads LIGHTSPEED_ACCOUNT_ID; empty is 0: the client reads the account
// from the token.
func lightspeedAccount(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("LIGHTSPEED_ACCOUNT_ID: want a positive number, got %q", s)
	}
	return n, nil
}

// Package metrics is what a worker serves on FORTSPEED_METRICS_ADDR, shared by the worker
// process and `starter dev`, so the local stack exposes the same series as production.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/otlptranslator"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.uber.org/zap"

	"fortspeed/activities"
	"fortspeed/clients"
	"fortspeed/clients/fortnox"
	"fortspeed/clients/lightspeed"
	"fortspeed/internal/workers"
	"fortspeed/workflows"
)

// Metrics is everything a worker serves, on one registry: the Go runtime, the vendor
// clients' requests, pacing waits and token requests, and, through an OpenTelemetry meter
// exported to the same registry, the Temporal SDK's metrics and the workflows' own
// (workflows.MetricRecords, workflows.MetricFlowCursor).
type Metrics struct {
	reg      *prometheus.Registry
	logger   *zap.Logger
	vendor   *vendorMetrics
	sdk      client.MetricsHandler
	provider *sdkmetric.MeterProvider
}

// New builds the metrics on a registry of their own. Build them before the worker, whose
// clients and SDK report into them (Hooks, Handler); serve them once it has a client.
func New(logger *zap.Logger) (*Metrics, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exporter, err := otelprom.New(
		otelprom.WithRegisterer(reg),
		otelprom.WithTranslationStrategy(otlptranslator.UnderscoreEscapingWithSuffixes),
		otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo(),
		otelprom.WithAggregationSelector(secondsBuckets),
	)
	if err != nil {
		return nil, fmt.Errorf("metrics: Prometheus exporter: %w", err)
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	sdk := temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter: provider.Meter("fortspeed"),
		// Counters that only go up are Prometheus counters (_total), so rate() works.
		UseMonotonicCounters: true,
		// The default panics; a metric that cannot be recorded must not stop a sync.
		OnError: func(err error) { logger.Warn("metric not recorded", zap.Error(err)) },
	})
	return &Metrics{reg: reg, logger: logger, vendor: newVendorMetrics(reg), sdk: sdk, provider: provider}, nil
}

// Registry is the registry the metrics are gathered from.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler is the Temporal SDK's metrics handler (client.Options.MetricsHandler).
func (m *Metrics) Handler() client.MetricsHandler { return m.sdk }

// Serve adds the waiting records of the tenants (read through c) and serves /metrics on addr;
// it returns the address it listens on.
func (m *Metrics) Serve(addr string, c client.Client, namespace string, tenants []string) (bound string, stop func(), err error) {
	if err := m.reg.Register(newRecordsWaiting(c, namespace, tenants...)); err != nil {
		return "", nil, fmt.Errorf("metrics: %w", err)
	}
	return serve(addr, m.reg, m.logger)
}

// serve serves /metrics on addr and returns the address it listens on. It listens before
// returning, so a port in use is a start-up error rather than a log line later.
func serve(addr string, reg *prometheus.Registry, logger *zap.Logger) (bound string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("FORTSPEED_METRICS_ADDR: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	// A collector that cannot answer (visibility down) leaves its series out of the scrape
	// rather than failing the whole scrape.
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		Registry: reg, ErrorHandling: promhttp.ContinueOnError, ErrorLog: zap.NewStdLog(logger),
	}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics server stopped", zap.Error(err))
		}
	}()
	logger.Info("metrics on /metrics", zap.String("addr", ln.Addr().String()))
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// secondsBuckets gives the SDK's latencies (seconds) buckets from 5 ms to a day: the OTel
// default is made for milliseconds, and a needs_fix record's workflow lasts days.
func secondsBuckets(kind sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	if kind == sdkmetric.InstrumentKindHistogram {
		return sdkmetric.AggregationExplicitBucketHistogram{
			Boundaries: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 86400},
		}
	}
	return sdkmetric.DefaultAggregationSelector(kind)
}

// Hooks connects the vendor clients and token sources to the metrics.
func (m *Metrics) Hooks() workers.Hooks {
	return workers.Hooks{
		Fortnox: m.vendor.hook(workers.VendorFortnox), Lightspeed: m.vendor.hook(workers.VendorLightspeed),
		TokenRefresh: m.vendor.tokenRefresh,
	}
}

// Close flushes nothing (Prometheus pulls) but releases the meter provider.
func (m *Metrics) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m.provider.Shutdown(ctx)
}

// vendorMetrics counts the vendor clients' requests, pacing waits and token requests, so
// an operator sees how close each connection runs to its rate limit and what the vendors
// answer.
type vendorMetrics struct {
	requests       *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	throttles      *prometheus.CounterVec
	throttleWait   *prometheus.CounterVec
	tokenRefreshes *prometheus.CounterVec
}

func newVendorMetrics(reg prometheus.Registerer) *vendorMetrics {
	m := &vendorMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fortspeed_vendor_requests_total",
			Help: "Vendor API requests by vendor, endpoint and HTTP status (0: no answer).",
		}, []string{"vendor", "endpoint", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "fortspeed_vendor_request_duration_seconds",
			Help:    "Vendor API request duration by vendor and endpoint.",
			Buckets: prometheus.ExponentialBuckets(0.025, 2, 10),
		}, []string{"vendor", "endpoint"}),
		throttles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fortspeed_vendor_throttle_waits_total",
			Help: "Waits the client's pacer imposed before a request, by vendor and endpoint.",
		}, []string{"vendor", "endpoint"}),
		throttleWait: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fortspeed_vendor_throttle_wait_seconds_total",
			Help: "Time spent waiting for the client's pacer, by vendor and endpoint.",
		}, []string{"vendor", "endpoint"}),
		tokenRefreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fortspeed_token_refreshes_total",
			Help: "Access tokens asked of a vendor's token endpoint, by vendor, grant (refresh_token, client_credentials) and outcome (ok, or the error kind).",
		}, []string{"vendor", "grant", "outcome"}),
	}
	reg.MustRegister(m.requests, m.duration, m.throttles, m.throttleWait, m.tokenRefreshes)
	return m
}

func (m *vendorMetrics) tokenRefresh(vendor, grant string, err error) {
	outcome := "ok"
	if err != nil {
		outcome = string(clients.KindOf(err))
		if outcome == "" {
			outcome = "error"
		}
	}
	m.tokenRefreshes.WithLabelValues(vendor, grant, outcome).Inc()
}

// vendorHook is the Hook of one vendor's client; it satisfies both clients' Hook.
type vendorHook struct {
	m      *vendorMetrics
	vendor string
}

var (
	_ fortnox.Hook    = vendorHook{}
	_ lightspeed.Hook = vendorHook{}
)

func (m *vendorMetrics) hook(vendor string) vendorHook { return vendorHook{m: m, vendor: vendor} }

// Request counts one HTTP exchange.
func (h vendorHook) Request(endpoint string, status int, took time.Duration) {
	h.m.requests.WithLabelValues(h.vendor, endpoint, strconv.Itoa(status)).Inc()
	h.m.duration.WithLabelValues(h.vendor, endpoint).Observe(took.Seconds())
}

// Throttle counts one pacing wait.
func (h vendorHook) Throttle(endpoint string, wait time.Duration) {
	h.m.throttles.WithLabelValues(h.vendor, endpoint).Inc()
	h.m.throttleWait.WithLabelValues(h.vendor, endpoint).Add(wait.Seconds())
}

// recordsWaiting reports, at each scrape, the records that wait for someone now: those
// parked in needs_fix and those whose latest run failed, per flow. The counters cannot say
// this (a record counted needs_fix may have committed since), so it asks Temporal's
// visibility, as `starter status` does. Every replica reports the same figures: the
// dashboard takes their max.
type recordsWaiting struct {
	client    client.Client
	namespace string
	tenants   []string
	desc      *prometheus.Desc
}

// RecordsWaitingName is the series of the records waiting now.
const RecordsWaitingName = "fortspeed_records_waiting"

// recordsWaitingTimeout bounds the visibility queries of one scrape.
const recordsWaitingTimeout = 10 * time.Second

func newRecordsWaiting(c client.Client, namespace string, tenants ...string) *recordsWaiting {
	return &recordsWaiting{client: c, namespace: namespace, tenants: tenants, desc: prometheus.NewDesc(
		RecordsWaitingName,
		"Records waiting now, by tenant, flow and status: needs_fix (parked for a fix at the source) or failed (latest run failed; a later run starts it again).",
		[]string{"tenant", "flow", "status"}, nil)}
}

func (r *recordsWaiting) Describe(ch chan<- *prometheus.Desc) { ch <- r.desc }

func (r *recordsWaiting) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), recordsWaitingTimeout)
	defer cancel()
	records := &activities.Records{Client: r.client, Namespace: r.namespace}
	for _, tenant := range r.tenants {
		r.collect(ctx, ch, records, tenant)
	}
}

func (r *recordsWaiting) collect(ctx context.Context, ch chan<- prometheus.Metric, records *activities.Records, tenant string) {
	for _, flow := range workflows.Flows() {
		query := fmt.Sprintf("%s = '%s' AND %s = '%s' AND %s = '%s' AND ExecutionStatus = 'Running'",
			workflows.SearchAttrTenant, tenant, workflows.SearchAttrSyncFlow, flow.ID,
			workflows.SearchAttrSyncStatus, workflows.StatusNeedsFix)
		parked, err := r.client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: r.namespace, Query: query})
		if err != nil {
			ch <- prometheus.NewInvalidMetric(r.desc, fmt.Errorf("count needs_fix records of %s: %w", flow.ID, err))
			return
		}
		ch <- prometheus.MustNewConstMetric(r.desc, prometheus.GaugeValue, float64(parked.GetCount()), tenant, flow.ID, string(workflows.StatusNeedsFix))
		// A negative backoff lists every failed record, due or not.
		failed, err := records.Failed(ctx, activities.FailedRecordsInput{Tenant: tenant, Flow: flow.ID,
			Prefix: workflows.RecordWorkflowID(tenant, flow.ID, flow.Kind+":"), Limit: 1 << 20, Backoff: -1})
		if err != nil {
			ch <- prometheus.NewInvalidMetric(r.desc, fmt.Errorf("list failed records of %s: %w", flow.ID, err))
			return
		}
		ch <- prometheus.MustNewConstMetric(r.desc, prometheus.GaugeValue, float64(len(failed.Records)+failed.Waiting), tenant, flow.ID, string(workflows.StatusFailed))
	}
}

package main

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"fortspeed/sandbox/testapi"
	"fortspeed/workflows"
)

// The worker binary, as production runs it, serves the SDK's and fortspeed's metrics
// while it syncs, with the counts the run reports; and every series the dashboard asks
// for is among them.
func TestMetricsDuringASync(t *testing.T) {
	if testing.Short() {
		t.Skip("whole-stack test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	s := startStack(t, stackOptions{productWait: 2 * time.Second, productRecheck: time.Second, needsFixWait: time.Hour})
	env := maps.Clone(s.env)
	env["FORTSPEED_METRICS_ADDR"] = freeLoopbackAddr(t)
	// A pacer this slow waits before some requests, so the throttle series exist.
	env["FORTSPEED_FORTNOX_REQUESTS_PER_5S"] = "3"
	_, logPath := s.startWorkerProcessEnv(env, "metrics-worker.log")
	metricsURL := "http://" + env["FORTSPEED_METRICS_ADDR"] + "/metrics"
	waitFor(ctx, t, "the worker serves /metrics", func() bool {
		_, err := scrape(metricsURL)
		return err == nil
	})

	fx, ls := s.fortnoxState(ctx), s.lightspeedState(ctx)
	line := lsNewLine{itemID: anyItem(t, fx, ls).ItemID, qty: 1, price: "250.00"}
	cash := paymentTypeID(t, ls, "Cash")
	since := time.Now().Add(-2 * time.Second)
	const good = 3
	for range good {
		s.createSale(ctx, "", cash, line) // anonymous: the default customer
	}
	unknown := s.createItem(ctx, "E2E-METRICS-NOSKU", "10.00")
	s.createSale(ctx, "", cash, lsNewLine{itemID: unknown, qty: 1, price: "10.00"}) // needs_fix: no such article

	fortnox429Before := s.stats(ctx, s.fortnoxURL).Total429
	// Half the Fortnox answers are 429 (activities fail and are retried), and every Lightspeed
	// access token expires now, so the worker refreshes its token.
	s.setFaults(ctx, testapi.Faults{RateLimitRate: 0.5}, testapi.Faults{ExpireTokens: true})
	run := s.startFlow(ctx, workflows.FlowOrdersToFortnox, since)
	waitFor(ctx, t, "a record counted while the run goes on", func() bool {
		fams, err := scrape(metricsURL)
		return err == nil && sum(fams, "fortspeed_records_total", nil) > 0
	})
	res := s.waitParent(ctx, run)
	require.Equal(t, 1, s.waitSettled(ctx, workflows.FlowOrdersToFortnox), "the unknown SKU's record waits in needs_fix")
	s.setFaults(ctx, noFaults(), noFaults())
	require.Equal(t, good, res.Committed, "run: %+v", res)
	require.Equal(t, 1, res.NeedsFix, "run: %+v", res)
	// A run with an invalid input fails: the SDK's workflow failure series.
	bad, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "metrics-bad-input", TaskQueue: workflows.TaskQueueFortspeed},
		workflows.WorkflowFlowSync, workflows.SyncInput{Flow: workflows.FlowOrdersToFortnox})
	require.NoError(t, err)
	require.Error(t, bad.Get(ctx, nil))

	fams, err := scrape(metricsURL)
	require.NoError(t, err, "scrape; worker log:\n%s", readFile(t, logPath))
	flow := map[string]string{"tenant": workflows.DefaultTenant, "flow": workflows.FlowOrdersToFortnox}
	with := func(kv ...string) map[string]string {
		m := maps.Clone(flow)
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	assert.Equal(t, float64(good), sum(fams, "fortspeed_records_total", with("outcome", "committed")))
	assert.Equal(t, 1.0, sum(fams, "fortspeed_records_total", with("outcome", "needs_fix")))
	assert.Equal(t, 0.0, sum(fams, "fortspeed_records_total", with("outcome", "failed")))
	assert.Equal(t, 1.0, sum(fams, "fortspeed_records_waiting", with("status", "needs_fix")))
	assert.Equal(t, 0.0, sum(fams, "fortspeed_records_waiting", with("status", "failed")))
	assert.Equal(t, float64(res.Cursor.Unix()), sum(fams, "fortspeed_flow_cursor_timestamp_seconds", flow))

	// Every 429 the sandbox sent reached the worker's metrics, as an API answer or a token
	// request turned down.
	fortnox429 := s.stats(ctx, s.fortnoxURL).Total429 - fortnox429Before
	assert.Positive(t, fortnox429)
	assert.Equal(t, float64(fortnox429),
		sum(fams, "fortspeed_vendor_requests_total", map[string]string{"vendor": "fortnox", "status": "429"})+
			sum(fams, "fortspeed_token_refreshes_total", map[string]string{"vendor": "fortnox", "outcome": "RateLimited"}))
	assert.Positive(t, sum(fams, "fortspeed_vendor_requests_total", map[string]string{"vendor": "lightspeed", "status": "200"}))
	assert.Positive(t, sum(fams, "fortspeed_vendor_throttle_waits_total", map[string]string{"vendor": "fortnox"}))
	assert.Positive(t, sum(fams, "fortspeed_vendor_throttle_wait_seconds_total", map[string]string{"vendor": "fortnox"}))
	assert.Positive(t, sum(fams, "fortspeed_token_refreshes_total",
		map[string]string{"vendor": "fortnox", "grant": "client_credentials", "outcome": "ok"}), "the service account minted its token")
	assert.Equal(t, 1.0, sum(fams, "fortspeed_token_refreshes_total",
		map[string]string{"vendor": "lightspeed", "grant": "refresh_token", "outcome": "ok"}), "one refresh for the burst of 401s")

	// The SDK's own: the good records' and the parent's workflows completed; the bad run
	// failed; the 429s failed activity attempts; workflow tasks were timed.
	assert.Equal(t, float64(good), sum(fams, "temporal_workflow_completed_total", map[string]string{"workflow_type": workflows.WorkflowRecordSync}))
	assert.Equal(t, 1.0, sum(fams, "temporal_workflow_completed_total", map[string]string{"workflow_type": workflows.WorkflowFlowSync}))
	assert.Equal(t, 1.0, sum(fams, "temporal_workflow_failed_total", map[string]string{"workflow_type": workflows.WorkflowFlowSync}))
	assert.Positive(t, sum(fams, "temporal_activity_execution_failed_total", nil))
	assert.Positive(t, sum(fams, "temporal_workflow_task_execution_latency_seconds_count", nil))

	for _, q := range dashboardQueries(t) {
		for _, name := range metricNames(q.expr) {
			assert.True(t, served(fams, name), "panel %q asks for %s, which the worker does not serve", q.panel, name)
		}
	}
}

// freeLoopbackAddr is a loopback address no one listens on now.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// scrape reads the metrics url serves, by family name.
func scrape(url string) (map[string]*dto.MetricFamily, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	return parser.TextToMetricFamilies(resp.Body)
}

// sum adds up the series of a counter, gauge or untyped family (for name_count, the
// histogram's counts) whose labels include labels.
func sum(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	family, field := name, ""
	if _, ok := fams[name]; !ok {
		for _, suffix := range []string{"_count", "_sum"} {
			if base, found := strings.CutSuffix(name, suffix); found {
				family, field = base, suffix
			}
		}
	}
	var total float64
	for _, m := range fams[family].GetMetric() {
		if !hasLabels(m, labels) {
			continue
		}
		switch {
		case field == "_count":
			total += float64(m.GetHistogram().GetSampleCount())
		case field == "_sum":
			total += m.GetHistogram().GetSampleSum()
		case m.Counter != nil:
			total += m.GetCounter().GetValue()
		case m.Gauge != nil:
			total += m.GetGauge().GetValue()
		default:
			total += m.GetUntyped().GetValue()
		}
	}
	return total
}

func hasLabels(m *dto.Metric, labels map[string]string) bool {
	found := 0
	for _, l := range m.GetLabel() {
		if v, ok := labels[l.GetName()]; ok {
			if v != l.GetValue() {
				return false
			}
			found++
		}
	}
	return found == len(labels)
}

// served says whether a series name of a query is in the scrape: a family, or a
// histogram's _bucket, _count or _sum.
func served(fams map[string]*dto.MetricFamily, name string) bool {
	if _, ok := fams[name]; ok {
		return true
	}
	for _, suffix := range []string{"_bucket", "_count", "_sum"} {
		if base, found := strings.CutSuffix(name, suffix); found && fams[base].GetType() == dto.MetricType_HISTOGRAM {
			return true
		}
	}
	return false
}

package metrics

import (
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"fortspeed/clients"
)

func TestVendorMetricsCountRequestsAndThrottles(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newVendorMetrics(reg)
	fx, ls := m.hook("fortnox"), m.hook("lightspeed")

	fx.Request("POST /3/orders", 201, 40*time.Millisecond)
	fx.Request("POST /3/orders", 201, 60*time.Millisecond)
	fx.Request("GET /3/customers", 429, 10*time.Millisecond)
	ls.Request("GET /API/V3/Account/{id}/Sale.json", 0, time.Second)
	fx.Throttle("POST /3/orders", 1500*time.Millisecond)

	assert.Equal(t, 2.0, value(t, m.requests.WithLabelValues("fortnox", "POST /3/orders", "201")))
	assert.Equal(t, 1.0, value(t, m.requests.WithLabelValues("fortnox", "GET /3/customers", "429")))
	assert.Equal(t, 1.0, value(t, m.requests.WithLabelValues("lightspeed", "GET /API/V3/Account/{id}/Sale.json", "0")))
	assert.Equal(t, 1.0, value(t, m.throttles.WithLabelValues("fortnox", "POST /3/orders")))
	assert.InDelta(t, 1.5, value(t, m.throttleWait.WithLabelValues("fortnox", "POST /3/orders")), 1e-9)
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() == "fortspeed_vendor_request_duration_seconds" {
			assert.Len(t, f.GetMetric(), 3, "one series per vendor and endpoint")
		}
	}
}

// value reads a counter's current value.
func value(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	require.NoError(t, c.Write(&m))
	return m.GetCounter().GetValue()
}

func TestTokenRefreshesByOutcome(t *testing.T) {
	m := newVendorMetrics(prometheus.NewRegistry())
	m.tokenRefresh("lightspeed", "refresh_token", nil)
	m.tokenRefresh("lightspeed", "refresh_token", &clients.Error{Kind: clients.InvalidGrant})
	m.tokenRefresh("fortnox", "client_credentials", errors.New("save rotated token: disk full"))
	assert.Equal(t, 1.0, value(t, m.tokenRefreshes.WithLabelValues("lightspeed", "refresh_token", "ok")))
	assert.Equal(t, 1.0, value(t, m.tokenRefreshes.WithLabelValues("lightspeed", "refresh_token", "InvalidGrant")))
	assert.Equal(t, 1.0, value(t, m.tokenRefreshes.WithLabelValues("fortnox", "client_credentials", "error")))
}

// The SDK's metrics reach the registry with Prometheus names: counters as counters with
// _total, timers as histograms in seconds, gauges as gauges, each with the handler's tags.
func TestSDKMetricsExportToTheRegistry(t *testing.T) {
	m, err := New(zap.NewNop())
	require.NoError(t, err)
	defer m.Close()
	reg := m.Registry()
	h := m.sdk.WithTags(map[string]string{"flow": "stock"})
	h.Counter("temporal_workflow_completed").Inc(2)
	h.Timer("temporal_activity_execution_latency").Record(1500 * time.Millisecond)
	h.Gauge("fortspeed_flow_cursor_timestamp_seconds").Update(1.7e9)

	families, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]*dto.MetricFamily{}
	for _, f := range families {
		got[f.GetName()] = f
	}
	require.Contains(t, got, "temporal_workflow_completed_total")
	assert.Equal(t, dto.MetricType_COUNTER, got["temporal_workflow_completed_total"].GetType())
	assert.Equal(t, 2.0, got["temporal_workflow_completed_total"].GetMetric()[0].GetCounter().GetValue())
	require.Contains(t, got, "temporal_activity_execution_latency_seconds")
	hist := got["temporal_activity_execution_latency_seconds"].GetMetric()[0].GetHistogram()
	assert.Equal(t, uint64(1), hist.GetSampleCount())
	assert.InDelta(t, 1.5, hist.GetSampleSum(), 1e-9)
	require.Contains(t, got, "fortspeed_flow_cursor_timestamp_seconds")
	gauge := got["fortspeed_flow_cursor_timestamp_seconds"].GetMetric()[0]
	assert.Equal(t, 1.7e9, gauge.GetGauge().GetValue())
	assert.Equal(t, "flow", gauge.GetLabel()[0].GetName())
	assert.Contains(t, got, "go_goroutines", "the Go runtime collector is registered")
}

func TestServeMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	newVendorMetrics(reg).hook("fortnox").Request("GET /3/orders", 200, time.Millisecond)
	addr, stop, err := serve("127.0.0.1:0", reg, zap.NewNop())
	require.NoError(t, err)
	defer stop()

	resp, err := http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Contains(t, string(body), `fortspeed_vendor_requests_total{endpoint="GET /3/orders",status="200",vendor="fortnox"} 1`)

	_, _, err = serve(addr, reg, zap.NewNop())
	require.ErrorContains(t, err, "FORTSPEED_METRICS_ADDR: listen on "+addr)
}

package main

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
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

func TestServeMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	newVendorMetrics(reg).hook("fortnox").Request("GET /3/orders", 200, time.Millisecond)
	addr, stop, err := serveMetrics("127.0.0.1:0", reg, zap.NewNop())
	require.NoError(t, err)
	defer stop()

	resp, err := http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Contains(t, string(body), `fortspeed_vendor_requests_total{endpoint="GET /3/orders",status="200",vendor="fortnox"} 1`)

	_, _, err = serveMetrics(addr, reg, zap.NewNop())
	require.ErrorContains(t, err, "FORTSPEED_METRICS_ADDR: listen on "+addr)
}

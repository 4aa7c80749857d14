package main

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"fortspeed/clients/fortnox"
	"fortspeed/clients/lightspeed"
)

// vendorMetrics counts the vendor clients' requests and pacing waits, so an operator sees
// how close each connection runs to its rate limit and what the vendors answer.
type vendorMetrics struct {
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	throttles    *prometheus.CounterVec
	throttleWait *prometheus.CounterVec
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
	}
	reg.MustRegister(m.requests, m.duration, m.throttles, m.throttleWait)
	return m
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

package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"fortspeed/internal/codec"
	"fortspeed/internal/config"
	"fortspeed/internal/devserver"
	"fortspeed/mapping"
	"fortspeed/workflows"
)

func TestDemoKeyIsMadeOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	first, path, err := demoKey(dir)
	require.NoError(t, err)
	require.Len(t, first, 1)
	assert.Equal(t, "demo", first[0].ID)
	assert.Len(t, first[0].Secret, 32)
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	again, _, err := demoKey(dir)
	require.NoError(t, err)
	assert.Equal(t, first, again, "the next start decrypts the last one's payloads")

	require.NoError(t, os.WriteFile(path, []byte("demo:short"), 0o600))
	_, _, err = demoKey(dir)
	require.ErrorContains(t, err, "delete the file to make a new one")
}

func TestDemoSettingsAndConfig(t *testing.T) {
	dir := t.TempDir()
	path, err := demoSettings(dir)
	require.NoError(t, err)
	settings, err := mapping.Load(path)
	require.NoError(t, err)
	assert.Empty(t, settings.Orders.DefaultCustomer.Fortnox, "the demo keeps the shipped customer settings")
	assert.Equal(t, "Kontantkund", settings.Orders.WalkInCustomer, "anonymous sales go to the walk-in customer")

	base, err := config.Load()
	require.NoError(t, err)
	base.Fortspeed.NotifyWebhookURL = "https://hooks.example/T1"
	keys, _, err := demoKey(dir)
	require.NoError(t, err)
	cfg := devConfig(base, keys)
	assert.Equal(t, "127.0.0.1:7233", cfg.Temporal.Address)
	assert.Equal(t, "http://127.0.0.1:8081", cfg.Fortnox.BaseURL)
	assert.Equal(t, "http://127.0.0.1:8082", cfg.Lightspeed.AuthURL)
	assert.Equal(t, "fortspeed-demo", cfg.Lightspeed.ClientID)
	assert.Equal(t, keys, []codec.Key(cfg.Fortspeed.EncryptionKeys))
	assert.Equal(t, "https://hooks.example/T1", cfg.Fortspeed.NotifyWebhookURL, "the user's own settings stay")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "temporal.db"), []byte("old"), 0o600))
	require.NoError(t, removeHistory(dir))
	assert.NoFileExists(t, filepath.Join(dir, "temporal.db"))
	require.NoError(t, removeHistory(dir), "nothing to remove is fine")
}

// The stack's worker serves its metrics on 127.0.0.1:9464 unless the user named an address;
// an address set empty turns them off.
func TestDevMetricsAddress(t *testing.T) {
	unset := func(string) (string, bool) { return "", false }
	set := func(string) (string, bool) { return "", true }
	assert.Equal(t, "127.0.0.1:9464", devMetrics("127.0.0.1:9090", unset), "the worker's default is not the stack's")
	assert.Equal(t, "127.0.0.1:9999", devMetrics("127.0.0.1:9999", set))
	assert.Empty(t, devMetrics("", set))
}

// `starter dev` (make run) prints the metrics URL among the others, and a scrape of it
// finds the worker's series: the SDK's, the records waiting (read from visibility), and
// the vendor requests of a run of a flow triggered on the stack.
func TestDevServesMetrics(t *testing.T) {
	devserver.SkipIfShort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	addr := freeLoopbackAddr(t)
	t.Setenv("FORTSPEED_METRICS_ADDR", addr)
	t.Setenv("FORTSPEED_LOG_LEVEL", "warn")
	out := &lockedBuffer{}
	devCtx, stopDev := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- dev(devCtx, t.TempDir(), false, out) }()
	defer func() {
		stopDev()
		<-done
	}()

	metricsURL := "http://" + addr + "/metrics"
	pollUntil(ctx, t, "dev prints the metrics URL", func() bool {
		select {
		case err := <-done:
			done <- err // for the deferred wait
			require.NoError(t, err, out.String())
			require.Fail(t, "dev returned", out.String())
		default:
		}
		return strings.Contains(out.String(), "Metrics: "+metricsURL+"\n")
	})

	c, err := client.DialContext(ctx, client.Options{HostPort: devTemporalAddr, Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.ScheduleClient().GetHandle(ctx, workflows.ScheduleID(workflows.DefaultTenant, workflows.FlowOrdersToFortnox)).
		Trigger(ctx, client.ScheduleTriggerOptions{}))

	var fams map[string]*dto.MetricFamily
	pollUntil(ctx, t, "the scrape shows the triggered run completed", func() bool {
		fams, err = scrapeMetrics(metricsURL)
		return err == nil && hasSeries(fams, "temporal_workflow_completed_total", "workflow_type", workflows.WorkflowFlowSync)
	})
	assert.True(t, hasSeries(fams, "fortspeed_vendor_requests_total", "endpoint", "GET Sale"), "the run's sales listing")
	assert.True(t, hasSeries(fams, "fortspeed_records_waiting", "flow", workflows.FlowOrdersToFortnox), "records waiting, from visibility")
	assert.Contains(t, fams, "temporal_request_total", "the SDK's metrics")
	assert.Contains(t, fams, "go_goroutines")
}

// lockedBuffer is dev's output, written by its goroutine and read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// pollUntil checks cond every 200 ms until it holds; the context bounds the wait.
func pollUntil(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			require.FailNow(t, "gave up waiting: "+what)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func scrapeMetrics(url string) (map[string]*dto.MetricFamily, error) {
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

// hasSeries says whether the family has a series with the label's value.
func hasSeries(fams map[string]*dto.MetricFamily, name, label, value string) bool {
	for _, m := range fams[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label && l.GetValue() == value {
				return true
			}
		}
	}
	return false
}

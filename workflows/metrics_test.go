package workflows

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"fortspeed/activities"
)

// capturedMetrics is a client.MetricsHandler that keeps what it is given, keyed by
// "name{k=v,…}" with the tags sorted.
type capturedMetrics struct {
	mu     *sync.Mutex
	tags   map[string]string
	values map[string]float64
}

func newCapturedMetrics() *capturedMetrics {
	return &capturedMetrics{mu: &sync.Mutex{}, tags: map[string]string{}, values: map[string]float64{}}
}

func (c *capturedMetrics) WithTags(tags map[string]string) client.MetricsHandler {
	merged := maps.Clone(c.tags)
	maps.Copy(merged, tags)
	return &capturedMetrics{mu: c.mu, tags: merged, values: c.values}
}

func (c *capturedMetrics) key(name string, only []string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(c.tags)) {
		if slices.Contains(only, k) {
			parts = append(parts, k+"="+c.tags[k])
		}
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// fortspeedTags are the tags the tests look at; the SDK adds its own (workflow_type…).
var fortspeedTags = []string{MetricTagTenant, MetricTagFlow, MetricTagOutcome}

func (c *capturedMetrics) Counter(name string) client.MetricsCounter {
	return counterFunc(func(d int64) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.values[c.key(name, fortspeedTags)] += float64(d)
	})
}

func (c *capturedMetrics) Gauge(name string) client.MetricsGauge {
	return gaugeFunc(func(v float64) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.values[c.key(name, fortspeedTags)] = v
	})
}

func (c *capturedMetrics) Timer(string) client.MetricsTimer {
	return client.MetricsNopHandler.Timer("")
}

// fortspeed returns the captured fortspeed_ metrics.
func (c *capturedMetrics) fortspeed() map[string]float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]float64{}
	for k, v := range c.values {
		if strings.HasPrefix(k, "fortspeed_") {
			out[k] = v
		}
	}
	return out
}

type counterFunc func(int64)

func (f counterFunc) Inc(d int64) { f(d) }

type gaugeFunc func(float64)

func (f gaugeFunc) Update(v float64) { f(v) }

func newMeasuredEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *capturedMetrics) {
	t.Helper()
	m := newCapturedMetrics()
	var ts testsuite.WorkflowTestSuite
	ts.SetMetricsHandler(m)
	return newEnvOf(t, &ts), m
}

func TestRecordSyncCountsEachOutcomeItReaches(t *testing.T) {
	env, m := newMeasuredEnv(t)
	steps := &fakeSteps{
		enrich: func(n int, in activities.EnrichInput) (activities.EnrichResult, error) {
			if n == 1 {
				return activities.EnrichResult{}, activities.NeedsFixError("no e-mail")
			}
			return activities.EnrichResult{Draft: draftOf(in.Source), Summary: "mapped"}, nil
		},
	}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	watchSearchAttributes(env)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalRetry, nil) }, time.Hour)

	env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1042", "MUG")})

	require.NoError(t, env.GetWorkflowError())
	assert.Equal(t, map[string]float64{
		"fortspeed_records{flow=orders-to-fortnox,outcome=needs_fix,tenant=default}": 1,
		"fortspeed_records{flow=orders-to-fortnox,outcome=committed,tenant=default}": 1,
	}, m.fortspeed(), "running is not an outcome")
}

func TestRecordSyncDryRunCountsNothing(t *testing.T) {
	env, m := newMeasuredEnv(t)
	steps := &fakeSteps{}
	steps.register(env, mustFlow(t, FlowOrdersToFortnox))
	watchSearchAttributes(env)

	env.ExecuteWorkflow(RecordSync, RecordInput{Tenant: "default", Flow: FlowOrdersToFortnox, Source: orderRecord("1042", "MUG"), DryRun: true})

	require.NoError(t, env.GetWorkflowError())
	assert.Empty(t, m.fortspeed())
}

func TestFlowSyncSetsItsCursorWhenItCompletes(t *testing.T) {
	for _, dryRun := range []bool{false, true} {
		env, m := newMeasuredEnv(t)
		steps := &fakeSteps{fetch: pages(map[string]activities.FetchResult{
			"": {Records: records("1"), Cursor: t0.Add(time.Minute)},
		})}
		steps.register(env, mustFlow(t, FlowOrdersToFortnox))
		children := &fakeChildren{}
		env.RegisterWorkflowWithOptions(children.run, workflow.RegisterOptions{Name: WorkflowRecordSync})

		since := t0
		env.ExecuteWorkflow(FlowSync, SyncInput{Tenant: "default", Flow: FlowOrdersToFortnox, Since: &since, DryRun: dryRun})

		require.NoError(t, env.GetWorkflowError())
		want := map[string]float64{
			"fortspeed_flow_cursor_timestamp_seconds{flow=orders-to-fortnox,tenant=default}": float64(t0.Add(time.Minute).Unix()),
		}
		if dryRun {
			want = map[string]float64{} // a dry run moves no cursor
		}
		assert.Equal(t, want, m.fortspeed(), "dry run %v", dryRun)
	}
}

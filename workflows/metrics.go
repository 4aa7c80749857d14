package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// The metrics the workflows emit. They go through workflow.GetMetricsHandler, which drops
// them while a worker replays history, so each event counts once however often its
// workflow is replayed. The handler is the worker client's (an OpenTelemetry meter the
// worker exports to Prometheus), and adds namespace, task_queue and workflow_type.
const (
	// MetricRecords counts records reaching an outcome, tagged tenant, flow and outcome
	// (committed, updated, skipped, needs_fix, failed). needs_fix counts each time a
	// record is parked, so one fixed and retried counts as needs_fix and then as its final
	// outcome. Dry runs are not counted. Prometheus: fortspeed_records_total.
	MetricRecords = "fortspeed_records"
	// MetricFlowCursor is the cursor of a flow's last completed run as a Unix time, tagged
	// tenant and flow: every change before it has been read and its record has settled
	// (or waits in needs_fix or failed, which MetricRecords counts). time() minus it is the
	// sync lag, an upper bound on the age of the oldest change not yet read.
	MetricFlowCursor = "fortspeed_flow_cursor_timestamp_seconds"
)

// Metric tag names.
const (
	MetricTagTenant  = "tenant"
	MetricTagFlow    = "flow"
	MetricTagOutcome = "outcome"
)

func countRecord(ctx workflow.Context, tenant, flow string, outcome Status) {
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{
		MetricTagTenant: tenant, MetricTagFlow: flow, MetricTagOutcome: string(outcome),
	}).Counter(MetricRecords).Inc(1)
}

func setFlowCursor(ctx workflow.Context, tenant, flow string, cursor time.Time) {
	if cursor.IsZero() {
		return
	}
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{
		MetricTagTenant: tenant, MetricTagFlow: flow,
	}).Gauge(MetricFlowCursor).Update(float64(cursor.Unix()))
}

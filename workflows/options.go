package workflows

import (
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"fortspeed/activities"
	"fortspeed/clients"
)

// Defaults for the SyncInput and RecordInput fields left zero; the settings file overrides
// them through `starter setup` (schedules) and `starter sync`.
const (
	DefaultPageSize      = 100 // Lightspeed's maximum page size
	DefaultMaxConcurrent = 10  // children in flight per parent run
	// DefaultLookback is how far back the first run of a flow looks when it has neither a
	// --since nor a previous run's cursor.
	DefaultLookback = 24 * time.Hour
	// DefaultProductWait is how long an order waits for missing products (the product flow
	// may bring them) before it becomes needs_fix.
	DefaultProductWait = 15 * time.Minute
	// DefaultProductRecheck is the pause between two product lookups while waiting.
	DefaultProductRecheck = time.Minute
	// DefaultNeedsFixWait is how long a needs_fix record waits for the retry signal before
	// it fails.
	DefaultNeedsFixWait = 7 * 24 * time.Hour
)

// NonRetryableErrorTypes are the ApplicationError types that no retry of the same call can
// fix: bad data (needs_fix) and a dead refresh token (re-authorization). Activities mark
// them non-retryable themselves; listing them here also covers an error that forgot to.
func NonRetryableErrorTypes() []string {
	return []string{
		string(clients.Validation),
		string(clients.NotFound),
		string(clients.InvalidGrant),
		activities.ErrorTypeNeedsFix,
		activities.ErrorTypeInvalidInput,
		activities.ErrorTypeConfig,
	}
}

// VendorRetryPolicy retries vendor calls with backoff until ScheduleToClose runs out.
// RateLimited errors carry NextRetryDelay from Retry-After, which overrides the backoff.
func VendorRetryPolicy() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:        time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        time.Minute,
		NonRetryableErrorTypes: NonRetryableErrorTypes(),
	}
}

// VendorActivityOptions are the options of an activity on a vendor queue (TaskQueueFortnox
// or TaskQueueLightspeed). One activity makes a few paced calls, so StartToClose covers a
// wait for the rate limiter; ScheduleToClose bounds all retries, after which the record
// fails and can be re-run. Eager execution is off so every call passes through the queue's
// rate limit.
func VendorActivityOptions(queue string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		TaskQueue:              queue,
		StartToCloseTimeout:    2 * time.Minute,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            VendorRetryPolicy(),
		DisableEagerExecution:  true,
	}
}

// FetchActivityOptions are the options of the parent's page fetch. A page may need several
// paced calls, so the activity heartbeats while it works and a worker that died is noticed
// within HeartbeatTimeout rather than StartToClose.
func FetchActivityOptions(queue string) workflow.ActivityOptions {
	opts := VendorActivityOptions(queue)
	opts.StartToCloseTimeout = 5 * time.Minute
	opts.HeartbeatTimeout = time.Minute
	return opts
}

// NotifyActivityOptions are the options of the vendor-free notification on TaskQueueFortspeed:
// a webhook that is down is retried for an hour, then the record waits without it.
func NotifyActivityOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		TaskQueue:              TaskQueueFortspeed,
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        5 * time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        5 * time.Minute,
			NonRetryableErrorTypes: NonRetryableErrorTypes(),
		},
	}
}

// SweepActivityOptions are the options of the parent's lookup of failed records, a
// visibility query on TaskQueueFortspeed: a sweep that cannot run waits for the next run.
func SweepActivityOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		TaskQueue:              TaskQueueFortspeed,
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: 5 * time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
	}
}

// RecordChildOptions are the options of one record's child workflow. ALLOW_DUPLICATE_FAILED_ONLY
// makes the workflow id the dedupe key: a record that committed, was skipped or is still
// running is never started again, a failed one may be. ABANDON lets a needs_fix child wait
// for days after its parent run has finished. There is no workflow retry: a retry would
// re-run completed, non-reversible steps.
func RecordChildOptions(workflowID, summary string) workflow.ChildWorkflowOptions {
	return workflow.ChildWorkflowOptions{
		WorkflowID:            workflowID,
		TaskQueue:             TaskQueueFortspeed,
		WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		ParentClosePolicy:     enums.PARENT_CLOSE_POLICY_ABANDON,
		StaticSummary:         summary,
	}
}

// withRetryBudget bounds the activity's retries by budget (SyncInput.RetryBudget) when it
// is set.
func withRetryBudget(opts workflow.ActivityOptions, budget time.Duration) workflow.ActivityOptions {
	if budget > 0 {
		opts.ScheduleToCloseTimeout = budget
	}
	return opts
}

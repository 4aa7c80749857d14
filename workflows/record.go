package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"fortspeed/activities"
	"fortspeed/clients"
)

// The workflow type names. Workflows start each other by name, because FlowSync and
// RecordSync are registered under two names each.
const (
	WorkflowFlowSync       = "FlowSync"
	WorkflowRecordSync     = "RecordSync"
	WorkflowCustomerUpsert = "CustomerUpsert"
)

// The workflow type names of runs recorded before the flow engine: the order flows' parent
// and child. The worker registers FlowSync and RecordSync under these names too, so those
// runs (a needs_fix record waits for days) replay and finish.
const (
	LegacyOrdersSync = "OrdersSync"
	LegacyOrderSync  = "OrderSync"
)

// WorkflowRegistry is what a worker and a replayer offer to register workflows.
type WorkflowRegistry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// RegisterWorkflows registers every workflow of the engine, under the legacy names too.
func RegisterWorkflows(r WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(FlowSync, workflow.RegisterOptions{Name: WorkflowFlowSync})
	r.RegisterWorkflowWithOptions(RecordSync, workflow.RegisterOptions{Name: WorkflowRecordSync})
	r.RegisterWorkflowWithOptions(CustomerUpsert, workflow.RegisterOptions{Name: WorkflowCustomerUpsert})
	r.RegisterWorkflowWithOptions(FlowSync, workflow.RegisterOptions{Name: LegacyOrdersSync})
	r.RegisterWorkflowWithOptions(RecordSync, workflow.RegisterOptions{Name: LegacyOrderSync})
	r.RegisterWorkflowWithOptions(AlertsCheck, workflow.RegisterOptions{Name: WorkflowAlertsCheck})
	r.RegisterWorkflowWithOptions(AlertsDigest, workflow.RegisterOptions{Name: WorkflowAlertsDigest})
	r.RegisterWorkflowWithOptions(ConnectionAlert, workflow.RegisterOptions{Name: WorkflowConnectionAlert})
	r.RegisterWorkflowWithOptions(Connection, workflow.RegisterOptions{Name: WorkflowConnection})
}

// RecordInput syncs one record. The waits come from the settings; zero means the default.
type RecordInput struct {
	Tenant string            `json:"tenant"`
	Flow   string            `json:"flow"`
	Source activities.Record `json:"source"`
	DryRun bool              `json:"dry_run"`

	ProductWait    time.Duration `json:"product_wait,omitempty"`
	ProductRecheck time.Duration `json:"product_recheck,omitempty"`
	NeedsFixWait   time.Duration `json:"needs_fix_wait,omitempty"`

	// PageCheck is what the parent's page-wide check-exists found for this record; nil
	// when the child was started without it (by hand, by an older parent, or when the
	// page lookup could not answer), and then the child looks itself.
	PageCheck *PageCheck `json:"page_check,omitempty"`
	// RetryBudget bounds each vendor step's retries (SyncInput.RetryBudget).
	RetryBudget time.Duration `json:"retry_budget,omitempty"`
	// Failures is how many earlier runs of the record failed, and LastFailure the last
	// one's message; set by the sweep that started it again.
	Failures    int    `json:"failures,omitempty"`
	LastFailure string `json:"last_failure,omitempty"`
}

// PageCheck is the page lookup's answer for one record: whether the target has Reference,
// and under which id.
type PageCheck struct {
	Reference string `json:"reference"`
	Exists    bool   `json:"exists"`
	TargetID  string `json:"target_id,omitempty"`
	// State is the lookup's flow-specific answer (CheckExistsBatchResult.States).
	State json.RawMessage `json:"state,omitempty"`
}

func (in RecordInput) withDefaults() (RecordInput, Flow, error) {
	if err := checkTenant(in.Tenant); err != nil {
		return in, Flow{}, err
	}
	flow, err := FlowByID(in.Flow)
	if err != nil {
		return in, flow, err
	}
	if _, err := flow.SourceKey(in.Source.ID); err != nil {
		return in, flow, err
	}
	if in.ProductWait < 0 || in.ProductRecheck < 0 || in.NeedsFixWait < 0 {
		return in, flow, fmt.Errorf("negative product wait %s, product recheck %s or needs_fix wait %s",
			in.ProductWait, in.ProductRecheck, in.NeedsFixWait)
	}
	if in.ProductWait == 0 {
		in.ProductWait = DefaultProductWait
	}
	if in.ProductRecheck == 0 {
		in.ProductRecheck = DefaultProductRecheck
	}
	if in.NeedsFixWait == 0 {
		in.NeedsFixWait = DefaultNeedsFixWait
	}
	return in, flow, nil
}

// RecordResult is one record's outcome. Reason says why a dry run would need a fix.
type RecordResult struct {
	Status   Status `json:"status"`
	TargetID string `json:"target_id,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// RecordSync moves one record from source to target through its flow's steps. Bad data
// parks it in needs_fix until a retry signal (then it re-reads the source and goes on,
// skipping steps whose input has not changed) or until NeedsFixWait runs out (then it
// fails, and a later run's sweep starts it again).
func RecordSync(ctx workflow.Context, in RecordInput) (RecordResult, error) {
	in, flow, err := in.withDefaults()
	if err != nil {
		return RecordResult{}, invalidInput("record sync", err)
	}
	key := flow.Kind + ":" + in.Source.ID
	r := &recordRun{
		in:         in,
		flow:       flow,
		key:        key,
		workflowID: workflow.GetInfo(ctx).WorkflowExecution.ID,
		logger:     log.With(workflow.GetLogger(ctx), "tenant", in.Tenant, "flow", in.Flow, "sourceID", key),
		memos:      map[string]stepMemo{},
		alerted:    map[string]string{},
	}
	return r.run(ctx)
}

// recordRun is one RecordSync execution's state: what it has done so far, for the retry
// after needs_fix and for the details shown in the UI. A flow's attempt reads and writes
// it through runStep, note and the helpers below.
type recordRun struct {
	in         RecordInput
	flow       Flow
	key        string
	workflowID string
	logger     log.Logger

	status   Status
	targetID string
	skus     []string
	log      []string // the details lines, newest last
	// refetch is set after a needs_fix retry: the data was fixed at the source, so the
	// first step reads the record again.
	refetch bool

	memos map[string]stepMemo // step name → its last clean run

	notified string // the needs_fix reason last notified (runs recorded before changeAlerts)
	// alerted is, per channel, the status and reason it last took: a record is alerted
	// once per state and reason however often it is retried, and a channel that was down
	// is offered the alert again at the next chance.
	alerted map[string]string
	parked  bool // the parent has been told this record waits
}

// maxDetailLines bounds the details log so a record retried many times stays readable.
const maxDetailLines = 30

func (r *recordRun) run(ctx workflow.Context) (RecordResult, error) {
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		TenantKey().ValueSet(r.in.Tenant),
		SyncFlowKey().ValueSet(r.in.Flow),
		SourceIDKey().ValueSet(r.key),
		SyncStatusKey().ValueSet(string(StatusRunning)),
	); err != nil {
		return RecordResult{}, fmt.Errorf("upsert search attributes: %w", err)
	}
	r.status = StatusRunning
	if r.in.Failures > 0 {
		r.note(ctx, "sweep", fmt.Sprintf("started again after %d failed runs; re-reading the record from %s", r.in.Failures, r.flow.Source))
	}
	for {
		res, err := r.attempt(ctx)
		if err == nil {
			if err := r.finish(ctx, res.Status, res.TargetID, res.Reason); err != nil {
				return res, err
			}
			return res, nil
		}
		reason, isDataProblem := needsFixReason(err)
		if !isDataProblem {
			msg := oneLine(err.Error())
			if serr := r.finish(ctx, StatusFailed, "", msg); serr != nil {
				r.logger.Error("record the failed status", "error", serr)
			}
			r.alertFailed(ctx, msg)
			return RecordResult{}, temporal.NewNonRetryableApplicationError(msg, activities.ErrorTypeSyncFailed, err)
		}
		if r.in.DryRun {
			// A dry run reports the problem and writes, notifies and waits for nothing.
			if err := r.finish(ctx, StatusNeedsFix, "", reason); err != nil {
				return RecordResult{}, err
			}
			return RecordResult{Status: StatusNeedsFix, Reason: reason}, nil
		}
		var reauthorize error
		if isReauthorize(err) {
			reauthorize = err
		}
		if err := r.park(ctx, reason, reauthorize); err != nil {
			return RecordResult{}, err
		}
		if !r.waitForRetry(ctx) {
			msg := fmt.Sprintf("needs_fix not retried within %s: %s", r.in.NeedsFixWait, reason)
			if err := r.finish(ctx, StatusFailed, "", msg); err != nil {
				return RecordResult{}, err
			}
			r.alertFailed(ctx, msg)
			return RecordResult{}, temporal.NewNonRetryableApplicationError(msg, activities.ErrorTypeNeedsFixTimeout, nil)
		}
		r.note(ctx, "retry", "signal received; re-reading the record from "+r.flow.Source)
		if err := r.setStatus(ctx, StatusRunning); err != nil {
			return RecordResult{}, err
		}
		r.refetch = true
	}
}

// attempt runs the flow's steps once. A record the fetch could not decode needs a fix
// before any step; after a retry its first step reads it again from the source.
func (r *recordRun) attempt(ctx workflow.Context) (RecordResult, error) {
	if p := r.in.Source.Problem; p != "" && !r.refetch {
		return RecordResult{}, needsFixError{reason: fmt.Sprintf("%s %s cannot be read: %s", r.flow.Source, r.key, p)}
	}
	return r.flow.attempt(ctx, r)
}

// park makes the record needs_fix: status, details, one notification per distinct reason
// (the connection's alert when reauthorize, a refused authorization, is the reason), and a
// signal that frees the parent's slot.
func (r *recordRun) park(ctx workflow.Context, reason string, reauthorize error) error {
	r.note(ctx, "needs_fix", reason)
	if err := r.setStatus(ctx, StatusNeedsFix); err != nil {
		return err
	}
	r.logger.Warn("record needs a fix at the source", "reason", reason)
	if workflow.GetVersion(ctx, changeAlerts, workflow.DefaultVersion, 1) >= 1 {
		if reauthorize != nil {
			// The connection is alerted once, not every record that waits for it.
			alertConnection(ctx, r.in.Tenant, r.in.Flow, r.workflowID, reauthorize, r.logger)
			r.note(ctx, "notify", "the connection's re-authorization is alerted by "+ConnectionAlertID(r.in.Tenant, vendorOf(reauthorize)))
		} else {
			r.alert(ctx, activities.NotifyNeedsFix, StatusNeedsFix, reason)
		}
	} else if reason != r.notified {
		opts := NotifyActivityOptions()
		opts.Summary = "notify: needs_fix " + r.key
		var sent activities.NotifyResult
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activities.NotifyNeedsFix,
			activities.NotifyInput{
				Tenant: r.in.Tenant, Flow: r.in.Flow, WorkflowID: r.workflowID, SourceID: r.key, Reason: reason,
			}).Get(ctx, &sent)
		if err != nil {
			// The record is visible as needs_fix in the UI either way; a dead webhook must
			// not turn a fixable record into a failed one.
			r.logger.Error("needs_fix notification not sent", "error", err)
			r.note(ctx, "notify", "not sent: "+oneLine(err.Error()))
		} else {
			r.notified = reason
			r.note(ctx, "notify", sent.Summary)
		}
	}
	if parent := workflow.GetInfo(ctx).ParentWorkflowExecution; parent != nil && !r.parked {
		r.parked = true
		err := workflow.SignalExternalWorkflow(ctx, parent.ID, "", SignalRecordParked, r.workflowID).Get(ctx, nil)
		if err != nil {
			// The parent run is gone (finished or terminated); nothing holds a slot for us.
			r.logger.Info("parent not told about needs_fix", "parent", parent.ID, "error", err)
		}
	}
	return nil
}

// alert offers the record's state to every channel that has not yet taken this status
// and reason, and notes each answer in the details.
func (r *recordRun) alert(ctx workflow.Context, activity string, status Status, reason string) {
	key := string(status) + ": " + reason
	if r.in.Failures > 0 && strings.Contains(r.in.LastFailure, reason) {
		// The run the sweep restarted failed for this reason (its needs_fix wait ran out),
		// which was alerted then.
		r.note(ctx, "notify", "alerted by an earlier run; not sent again")
		return
	}
	in := activities.NotifyInput{Tenant: r.in.Tenant, Flow: r.in.Flow, WorkflowID: r.workflowID, SourceID: r.key,
		Status: string(status), Reason: reason}
	for _, res := range sendAlert(ctx, activity, in, func(ch string) bool { return r.alerted[ch] == key }) {
		if res.err != nil {
			// The record is visible in the UI either way; a dead channel must not turn a
			// fixable record into a failed one.
			r.logger.Error("alert not sent", "channel", res.channel, "status", status, "error", res.err)
			r.note(ctx, "notify", res.channel+" not sent: "+oneLine(res.err.Error()))
			continue
		}
		r.alerted[res.channel] = key
		r.note(ctx, "notify", res.summary)
	}
}

// alertFailed alerts the record's failure, on its first failed run only: the sweep starts
// a failed record again with its count of failures, and each of those runs failing again
// is the same failed record, listed by `starter status` and the digest.
func (r *recordRun) alertFailed(ctx workflow.Context, reason string) {
	if r.in.DryRun || r.in.Failures > 0 {
		return
	}
	if workflow.GetVersion(ctx, changeAlerts, workflow.DefaultVersion, 1) < 1 {
		return
	}
	r.alert(ctx, activities.NotifyAlert, StatusFailed, reason)
}

// waitForRetry waits for the retry signal up to NeedsFixWait and reports whether it came.
func (r *recordRun) waitForRetry(ctx workflow.Context) bool {
	retry := workflow.GetSignalChannel(ctx, SignalRetry)
	// A retry sent before the record was parked asks for nothing.
	for retry.ReceiveAsync(nil) {
	}
	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	timer := workflow.NewTimerWithOptions(timerCtx, r.in.NeedsFixWait, workflow.TimerOptions{
		Summary: "needs_fix: wait for the retry signal",
	})
	retried := false
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(retry, func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		retried = true
	})
	sel.AddFuture(timer, func(workflow.Future) {})
	sel.Select(ctx)
	cancelTimer()
	// Several clicks on retry mean one retry.
	for retry.ReceiveAsync(nil) {
	}
	return retried
}

func (r *recordRun) finish(ctx workflow.Context, status Status, targetID, reason string) error {
	switch {
	case reason != "":
		r.note(ctx, string(status), reason)
	case targetID != "":
		r.note(ctx, string(status), fmt.Sprintf("%s id %s", r.flow.Target, targetID))
	default:
		r.note(ctx, string(status), "done")
	}
	if targetID != "" {
		r.targetID = targetID
		if err := workflow.UpsertTypedSearchAttributes(ctx, TargetIDKey().ValueSet(targetID)); err != nil {
			return fmt.Errorf("upsert target id: %w", err)
		}
	}
	return r.setStatus(ctx, status)
}

func (r *recordRun) setStatus(ctx workflow.Context, status Status) error {
	r.status = status
	if status != StatusRunning && !r.in.DryRun {
		countRecord(ctx, r.in.Tenant, r.in.Flow, status)
	}
	r.showDetails(ctx)
	if err := workflow.UpsertTypedSearchAttributes(ctx, SyncStatusKey().ValueSet(string(status))); err != nil {
		return fmt.Errorf("upsert status %s: %w", status, err)
	}
	return nil
}

// setSKUs makes the record findable by the SKUs it carries (every order waiting for a
// product).
func (r *recordRun) setSKUs(ctx workflow.Context, skus []string) error {
	if len(skus) == 0 || slices.Equal(skus, r.skus) {
		return nil
	}
	r.skus = skus
	if err := workflow.UpsertTypedSearchAttributes(ctx, SKUsKey().ValueSet(skus)); err != nil {
		return fmt.Errorf("upsert SKUs: %w", err)
	}
	return nil
}

// note adds one line to the details the UI shows (a Markdown list), so a record reads
// like a log.
func (r *recordRun) note(ctx workflow.Context, step, summary string) {
	if summary == "" {
		summary = "done"
	}
	line := fmt.Sprintf("- %s %s: %s", workflow.Now(ctx).UTC().Format("15:04:05"), step, oneLine(summary))
	r.log = append(r.log, line)
	if len(r.log) > maxDetailLines {
		r.log = r.log[len(r.log)-maxDetailLines:]
	}
	r.showDetails(ctx)
}

func (r *recordRun) showDetails(ctx workflow.Context) {
	head := fmt.Sprintf("**%s** %s → %s: %s", r.key, r.flow.Source, r.flow.Target, r.status)
	if r.targetID != "" {
		head += fmt.Sprintf(" (%s id %s)", r.flow.Target, r.targetID)
	}
	workflow.SetCurrentDetails(ctx, head+"\n\n"+strings.Join(r.log, "\n"))
}

// stepOptions are the activity options of one of the flow's steps, on its queue, with the
// summary the UI shows.
func (r *recordRun) stepOptions(step, summary string) workflow.ActivityOptions {
	opts := withRetryBudget(VendorActivityOptions(TenantQueue(r.in.Tenant, r.flow.Queue(step))), r.in.RetryBudget)
	opts.Summary = summary
	return opts
}

// stepMemo remembers a step that completed, with its input, so the run after a needs_fix
// retry does not redo a step whose input is unchanged.
type stepMemo struct {
	input  string // the JSON of the input
	output []byte // the JSON of the result
}

// runStep runs the flow's step, or returns its remembered result when the same input
// already completed, and notes the outcome in the details.
func runStep[Out activities.StepResult](ctx workflow.Context, r *recordRun, step string, opts workflow.ActivityOptions, in any) (Out, error) {
	return runStepWith(ctx, r, step, in, func(out *Out) error {
		return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), r.flow.Activity(step), in).Get(ctx, out)
	})
}

// runStepWith is runStep with the step run by exec (an activity, or a child that runs it).
func runStepWith[Out activities.StepResult](ctx workflow.Context, r *recordRun, step string, in any, exec func(out *Out) error) (Out, error) {
	var out Out
	raw, err := toJSON(in)
	if err != nil {
		return out, fmt.Errorf("encode %s input: %w", step, err)
	}
	if m, ok := r.memos[step]; ok && m.input == string(raw) {
		if err := fromJSON(m.output, &out); err == nil {
			r.note(ctx, step, "unchanged since the last run, not repeated")
			return out, nil
		}
	}
	if err := exec(&out); err != nil {
		return out, fmt.Errorf("%s: %w", step, err)
	}
	if b, err := toJSON(out); err == nil {
		r.memos[step] = stepMemo{input: string(raw), output: b}
	}
	r.note(ctx, step, out.StepSummary())
	return out, nil
}

// toJSON and fromJSON are encoding/json for workflow code. It reflects, which workflowcheck
// cannot prove deterministic; on plain structs (and maps, whose keys it sorts) its output
// is the same on every replay.
//
//workflowcheck:ignore
func toJSON(v any) ([]byte, error) { return json.Marshal(v) }

//workflowcheck:ignore
func fromJSON(b []byte, v any) error { return json.Unmarshal(b, v) }

// forget drops a step's memo: its answer was not clean (a lookup that found something
// missing), so the run after a retry must ask again.
func (r *recordRun) forget(step string) { delete(r.memos, step) }

// needsFixError is a data problem the workflow itself finds (products still missing).
type needsFixError struct{ reason string }

func (e needsFixError) Error() string { return "needs fix: " + e.reason }

// needsFixReason reports whether err is a data problem that waits for a fix, and its
// one-line reason. A dead refresh token waits too: after `starter connect` a retry commits.
func needsFixReason(err error) (string, bool) {
	var nf needsFixError
	if errors.As(err, &nf) {
		return oneLine(nf.reason), true
	}
	var app *temporal.ApplicationError
	if !errors.As(err, &app) {
		return "", false
	}
	switch app.Type() {
	case activities.ErrorTypeNeedsFix, string(clients.Validation), string(clients.NotFound):
		return oneLine(app.Message()), true
	case string(clients.InvalidGrant):
		return oneLine("re-authorization needed (starter connect), then retry: " + app.Message()), true
	}
	return "", false
}

// oneLine keeps summaries and reasons to one short line for the UI and notifications.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const limit = 300
	if runes := []rune(s); len(runes) > limit {
		return string(runes[:limit]) + "…"
	}
	return s
}

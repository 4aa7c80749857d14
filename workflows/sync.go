package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"fortspeed/activities"
)

// changeFlowEngine is the GetVersion change id of the flow engine. Version 1: the parent
// starts RecordSync children (OrderSync before) and ends its last run with a sweep of the
// flow's failed records; the record child serializes new customers by e-mail across
// processes (a CustomerUpsert child instead of the bare activity).
const changeFlowEngine = "flow-engine"

// changePageCheckExists is the GetVersion change id of the page-wide check-exists: version
// 1 runs one CheckExistsBatch activity per fetched page before the page's children start.
const changePageCheckExists = "page-check-exists"

func checkTenant(tenant string) error {
	if tenant == "" {
		return errors.New("tenant is empty")
	}
	if strings.ContainsAny(tenant, ": \t\n") {
		return fmt.Errorf("tenant %q contains a colon or space", tenant)
	}
	return nil
}

func invalidInput(what string, err error) error {
	return temporal.NewNonRetryableApplicationError(what+": "+err.Error(), activities.ErrorTypeInvalidInput, nil)
}

// SyncInput starts one run of a flow's parent. The schedule passes the settings;
// `starter sync` may add Since and DryRun, `starter backfill` Since and Until. PageToken
// and Carried are set only by the parent itself when it continues as new.
type SyncInput struct {
	Tenant string `json:"tenant"`
	Flow   string `json:"flow"`
	// Since overrides the cursor of the previous run (`starter sync --since`).
	Since *time.Time `json:"since,omitempty"`
	// Until bounds a backfill (`starter backfill --to`): the sources leave out the records
	// changed after it, and the run's cursor never goes past it. Absent (every scheduled
	// run, and every input recorded before it existed): no bound.
	Until  *time.Time `json:"until,omitempty"`
	DryRun bool       `json:"dry_run"`

	PageSize      int           `json:"page_size,omitempty"`
	MaxConcurrent int           `json:"max_concurrent,omitempty"`
	Lookback      time.Duration `json:"lookback,omitempty"`

	// Passed on to every child (RecordInput).
	ProductWait    time.Duration `json:"product_wait,omitempty"`
	ProductRecheck time.Duration `json:"product_recheck,omitempty"`
	NeedsFixWait   time.Duration `json:"needs_fix_wait,omitempty"`
	// RetryBudget bounds the retries of each vendor activity (its ScheduleToClose); after
	// it the record fails and a later run's sweep starts it again. Zero: an hour.
	RetryBudget time.Duration `json:"retry_budget,omitempty"`
	// SweepBackoff is the wait after a record's first failure before a run starts it again
	// (doubling with each failure); zero takes the worker's.
	SweepBackoff time.Duration `json:"sweep_backoff,omitempty"`

	PageToken string      `json:"page_token,omitempty"`
	Carried   *SyncResult `json:"carried,omitempty"`
}

func (in SyncInput) withDefaults() (SyncInput, Flow, error) {
	if err := checkTenant(in.Tenant); err != nil {
		return in, Flow{}, err
	}
	flow, err := FlowByID(in.Flow)
	if err != nil {
		return in, Flow{}, err
	}
	if in.PageSize < 0 || in.MaxConcurrent < 0 || in.Lookback < 0 || in.RetryBudget < 0 || in.SweepBackoff < 0 {
		return in, flow, fmt.Errorf("negative page size %d, max concurrent %d, lookback %s, retry budget %s or sweep backoff %s",
			in.PageSize, in.MaxConcurrent, in.Lookback, in.RetryBudget, in.SweepBackoff)
	}
	if in.Until != nil && in.Since != nil && !in.Since.IsZero() && !in.Until.After(*in.Since) {
		return in, flow, fmt.Errorf("until %s is not after since %s",
			in.Until.UTC().Format(time.RFC3339), in.Since.UTC().Format(time.RFC3339))
	}
	if in.PageSize == 0 {
		in.PageSize = DefaultPageSize
	}
	if in.MaxConcurrent == 0 {
		in.MaxConcurrent = DefaultMaxConcurrent
	}
	if in.Lookback == 0 {
		in.Lookback = DefaultLookback
	}
	return in, flow, nil
}

// SyncResult is what a parent run did. Cursor is the high-water mark the next scheduled
// run starts from (workflow.GetLastCompletionResult); it never moves backwards.
type SyncResult struct {
	Cursor  time.Time `json:"cursor"`
	Pages   int       `json:"pages"`
	Records int       `json:"records"`
	// Children is the number of child workflows the run started or tried to start.
	Children int `json:"children"`
	// InProgress counts records whose workflow id was already taken: running (for example
	// waiting in needs_fix), or finished earlier by a run whose fetch overlapped this one.
	InProgress int `json:"in_progress"`
	// Duplicates counts records fetched twice within this run.
	Duplicates int `json:"duplicates"`
	// Invalid counts records without a usable id; they cannot have a workflow.
	Invalid int `json:"invalid"`
	// Swept counts failed records of earlier runs that this run started again.
	Swept     int `json:"swept,omitempty"`
	Committed int `json:"committed"`
	Updated   int `json:"updated"`
	Skipped   int `json:"skipped"`
	NeedsFix  int `json:"needs_fix"`
	Failed    int `json:"failed"`
	DryRun    int `json:"dry_run"`
	// Continued is how many times the run continued as new.
	Continued int `json:"continued"`
	// Full says the run compared every source record, not only those changed since the
	// cursor, and Reconciled is when the last such run began (the stock flow's reconcile).
	Full       bool      `json:"full,omitempty"`
	Reconciled time.Time `json:"reconciled,omitzero"`
}

func (r SyncResult) line() string {
	return fmt.Sprintf("%d records on %d pages: %d committed, %d updated, %d skipped, %d needs_fix, %d failed, "+
		"%d dry run, %d in progress, %d swept; cursor %s",
		r.Records, r.Pages, r.Committed, r.Updated, r.Skipped, r.NeedsFix, r.Failed, r.DryRun, r.InProgress,
		r.Swept, r.Cursor.UTC().Format(time.RFC3339))
}

// FlowSync is the scheduled parent of every flow: it fetches the source's changed records
// page by page since its cursor, checks each page's existence in the target at once, and
// starts one RecordSync child per record, at most MaxConcurrent at a time. A child that
// reaches needs_fix frees its slot (it tells the parent by signal) and goes on waiting
// after the parent has finished. The last run of a sync sweeps the flow's failed records
// and starts them again, so nothing that did not commit stays behind the cursor. A run that
// fails is alerted, once per streak of failed scheduled runs.
func FlowSync(ctx workflow.Context, in SyncInput) (SyncResult, error) {
	logger := log.With(workflow.GetLogger(ctx), "tenant", in.Tenant, "flow", in.Flow)
	res, err := flowSync(ctx, in, logger)
	switch {
	case err != nil:
		alertFlowFailed(ctx, in, err, logger)
	case !in.DryRun:
		setFlowCursor(ctx, in.Tenant, in.Flow, res.Cursor)
	}
	return res, err
}

func flowSync(ctx workflow.Context, in SyncInput, logger log.Logger) (SyncResult, error) {
	in, flow, err := in.withDefaults()
	if err != nil {
		return SyncResult{}, invalidInput("flow sync", err)
	}
	if flow.sync != nil {
		return flow.sync(ctx, in, flow, logger)
	}

	since, err := syncStart(ctx, flow, in)
	if err != nil {
		return SyncResult{}, err
	}
	var result SyncResult
	if in.Carried != nil {
		result = *in.Carried
	}
	if result.Cursor.Before(since) {
		result.Cursor = since
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		TenantKey().ValueSet(in.Tenant), SyncFlowKey().ValueSet(in.Flow)); err != nil {
		return result, fmt.Errorf("upsert search attributes: %w", err)
	}

	// Runs recorded before the page-wide check-exists replay without it.
	checkPages := workflow.GetVersion(ctx, changePageCheckExists, workflow.DefaultVersion, 1) >= 1
	engine := workflow.GetVersion(ctx, changeFlowEngine, workflow.DefaultVersion, 1)
	fan := newFanOut(ctx, flow, in, engine, &result, logger)
	token := in.PageToken
	for {
		page, err := fetchPage(ctx, flow, in, since, token, result.Pages+1)
		if err != nil {
			fan.drain(ctx)
			return result, temporal.NewApplicationErrorWithCause(
				fmt.Sprintf("fetch page %d: %v", result.Pages+1, err), activities.ErrorTypeSyncFailed, err)
		}
		result.Pages++
		result.Records += len(page.Records)
		var checked map[string]PageCheck
		if checkPages {
			checked = checkPage(ctx, flow, in, page.Records, result.Pages, logger)
		}
		for _, rec := range page.Records {
			var known *PageCheck
			if c, ok := checked[rec.ID]; ok {
				known = &c
			}
			fan.start(ctx, rec, known, activities.FailedRecord{})
		}
		result.Cursor = advanceCursor(result.Cursor, page.Cursor, in.Until)
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("**%s %s**: page %d fetched. %s",
			in.Tenant, in.Flow, result.Pages, result.line()))

		token = page.NextPageToken
		if token == "" {
			break
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return SyncResult{}, continueAsNew(ctx, fan, in, since, token, &result, logger)
		}
	}
	if engine >= 1 && !in.DryRun {
		sweepFailed(ctx, fan, flow, in, logger)
	}
	fan.drain(ctx)
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**%s %s**: done. %s", in.Tenant, in.Flow, result.line()))
	logger.Info("flow sync done", "records", result.Records, "committed", result.Committed,
		"needsFix", result.NeedsFix, "failed", result.Failed, "swept", result.Swept, "cursor", result.Cursor)
	return result, nil
}

// continueAsNew ends the run with a new one that goes on with the same query at the page
// of token, carrying the counts. It drains the fan-out first so every child's parked signal
// reaches this run and the counts are complete. The new run has the type this one has: runs
// started as OrdersSync before the engine go on as one.
func continueAsNew(ctx workflow.Context, fan *fanOut, in SyncInput, since time.Time, token string, result *SyncResult, logger log.Logger) error {
	fan.drain(ctx) // the fan-out counts into *result
	next := in
	next.Since = &since
	next.PageToken = token
	carried := *result
	carried.Continued++
	next.Carried = &carried
	logger.Info("continuing as new", "pages", result.Pages, "records", result.Records)
	return workflow.NewContinueAsNewError(ctx, workflow.GetInfo(ctx).WorkflowType.Name, next)
}

// syncStart picks the time the fetch starts from: the explicit Since, else the previous
// run's cursor, else a lookback from now (the beginning for a flow whose first run reads
// everything).
func syncStart(ctx workflow.Context, flow Flow, in SyncInput) (time.Time, error) {
	if in.Since != nil && !in.Since.IsZero() {
		return *in.Since, nil
	}
	if workflow.HasLastCompletionResult(ctx) {
		var last SyncResult
		if err := workflow.GetLastCompletionResult(ctx, &last); err != nil {
			return time.Time{}, fmt.Errorf("read previous run's cursor: %w", err)
		}
		if !last.Cursor.IsZero() {
			return last.Cursor, nil
		}
	}
	if flow.FirstRunAll {
		return time.Time{}, nil
	}
	return workflow.Now(ctx).Add(-in.Lookback), nil
}

// advanceCursor is the run's cursor after a page whose cursor is page: the later of the
// two, but never past until, so a backfill's result never claims what it left out.
func advanceCursor(cursor, page time.Time, until *time.Time) time.Time {
	if page.After(cursor) {
		cursor = page
	}
	if until != nil && cursor.After(*until) {
		cursor = *until
	}
	return cursor
}

// untilTime is the bound an activity takes: zero for none.
func untilTime(until *time.Time) time.Time {
	if until == nil {
		return time.Time{}
	}
	return *until
}

// window names a fetch's time window for its summary.
func window(since time.Time, until *time.Time) string {
	if until == nil {
		return "since " + since.UTC().Format(time.RFC3339)
	}
	return "from " + since.UTC().Format(time.RFC3339) + " to " + until.UTC().Format(time.RFC3339)
}

func fetchPage(ctx workflow.Context, flow Flow, in SyncInput, since time.Time, token string, n int) (activities.FetchResult, error) {
	opts := withRetryBudget(FetchActivityOptions(TenantQueue(in.Tenant, flow.Queue(StepFetch))), in.RetryBudget)
	opts.Summary = fmt.Sprintf("fetch: %s %ss %s, page %d", flow.Source, flow.Kind, window(since, in.Until), n)
	var page activities.FetchResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), flow.Activity(StepFetch),
		activities.FetchInput{Tenant: in.Tenant, Since: since, Until: untilTime(in.Until), PageToken: token, PageSize: in.PageSize},
	).Get(ctx, &page)
	return page, err
}

// checkPage asks the target once which of the page's records it already has, and returns
// the answer per source id. A record left out (no usable id, undecodable, or one the
// lookup could not answer for) gets no answer, and its child checks itself. A failed
// lookup costs nothing but the saving: every child then checks itself.
func checkPage(ctx workflow.Context, flow Flow, in SyncInput, recs []activities.Record, n int, logger log.Logger) map[string]PageCheck {
	if flow.Reference == nil {
		return nil
	}
	entries := make([]activities.CheckExistsEntry, 0, len(recs))
	seen := make(map[string]bool, len(recs))
	for _, rec := range recs {
		if _, err := flow.SourceKey(rec.ID); err != nil || rec.Problem != "" {
			continue // never started, or needs_fix without a lookup
		}
		ref := flow.Reference(rec.ID)
		if seen[ref] {
			continue
		}
		seen[ref] = true
		entry := activities.CheckExistsEntry{Reference: ref, Created: rec.Created}
		if flow.PageData {
			entry.Data = rec.Data
		}
		entries = append(entries, entry)
	}
	if len(entries) == 0 {
		return nil
	}
	opts := withRetryBudget(VendorActivityOptions(TenantQueue(in.Tenant, flow.Queue(StepCheckExistsBatch))), in.RetryBudget)
	opts.Summary = fmt.Sprintf("check-exists: look up the %d %ss of page %d in %s", len(entries), flow.Kind, n, flow.Target)
	var res activities.CheckExistsBatchResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), flow.Activity(StepCheckExistsBatch),
		activities.CheckExistsBatchInput{Tenant: in.Tenant, Records: entries}).Get(ctx, &res)
	if err != nil {
		logger.Warn("page check-exists failed; each record checks itself", "page", n, "error", err)
		return nil
	}
	unchecked := make(map[string]bool, len(res.Unchecked))
	for _, ref := range res.Unchecked {
		unchecked[ref] = true
	}
	out := make(map[string]PageCheck, len(recs))
	for _, rec := range recs {
		ref := flow.Reference(rec.ID)
		if !seen[ref] || unchecked[ref] || rec.Problem != "" {
			continue
		}
		id, exists := res.Existing[ref]
		out[rec.ID] = PageCheck{Reference: ref, Exists: exists, TargetID: id, State: res.States[ref]}
	}
	return out
}

// sweepFailed starts again the flow's records whose last run failed (retries exhausted in
// an outage, or a needs_fix wait that ran out), once each one's backoff has passed. A
// sweep that cannot list costs nothing but the delay: the next run sweeps again.
func sweepFailed(ctx workflow.Context, fan *fanOut, flow Flow, in SyncInput, logger log.Logger) {
	opts := SweepActivityOptions()
	opts.Summary = fmt.Sprintf("sweep: find failed %s records to start again", flow.ID)
	var res activities.FailedRecordsResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activities.RecordsFailed,
		activities.FailedRecordsInput{Tenant: in.Tenant, Flow: flow.ID, Limit: in.PageSize,
			Prefix: RecordWorkflowID(in.Tenant, flow.ID, flow.Kind+":"), Backoff: in.SweepBackoff}).Get(ctx, &res)
	if err != nil {
		logger.Warn("sweep of failed records did not run; the next run tries again", "error", err)
		return
	}
	for _, rec := range res.Records {
		if fan.start(ctx, activities.Record{ID: rec.SourceID}, nil, rec) {
			fan.result.Swept++
		}
	}
}

// fanOut runs the children of one parent run with bounded concurrency. A slot is held
// from the child's start until it finishes or signals that it is parked in needs_fix.
type fanOut struct {
	reruns  bool // the flow's Reruns, as this run has it
	flow    Flow
	in      SyncInput
	engine  workflow.Version
	sel     workflow.Selector
	running map[string]bool // workflow ids holding a slot
	seen    map[string]bool // workflow ids started by this run
	result  *SyncResult
	logger  log.Logger
}

func newFanOut(ctx workflow.Context, flow Flow, in SyncInput, engine workflow.Version, result *SyncResult, logger log.Logger) *fanOut {
	reruns := flow.Reruns
	if reruns && flow.rerunsChange != "" {
		// Runs recorded before the flow reran records had a completed record's start fail
		// as already started, and nothing after it: they replay without reruns.
		reruns = workflow.GetVersion(ctx, flow.rerunsChange, workflow.DefaultVersion, 1) >= 1
	}
	f := &fanOut{
		reruns:  reruns,
		flow:    flow,
		in:      in,
		engine:  engine,
		sel:     workflow.NewSelector(ctx),
		running: make(map[string]bool),
		seen:    make(map[string]bool),
		result:  result,
		logger:  logger,
	}
	f.sel.AddReceive(workflow.GetSignalChannel(ctx, SignalRecordParked), func(c workflow.ReceiveChannel, _ bool) {
		var id string
		c.Receive(ctx, &id)
		if f.running[id] {
			delete(f.running, id)
			f.result.NeedsFix++
		}
	})
	return f
}

// start starts the record's child unless this run already did; it reports whether it did.
// failed is the sweep's account of the record's failed runs (zero when it was fetched).
func (f *fanOut) start(ctx workflow.Context, rec activities.Record, known *PageCheck, failed activities.FailedRecord) bool {
	id, err := f.flow.RecordWorkflowID(f.in.Tenant, rec.ID)
	if err != nil {
		f.result.Invalid++
		f.logger.Warn("record without a usable id is not synced", "error", err)
		return false
	}
	if f.in.DryRun {
		id = DryRunWorkflowID(id, workflow.GetInfo(ctx).WorkflowExecution.RunID)
	}
	if f.seen[id] {
		if failed.Failures == 0 {
			f.result.Duplicates++
		}
		return false
	}
	f.seen[id] = true
	for len(f.running) >= f.in.MaxConcurrent {
		f.sel.Select(ctx)
	}
	key := f.flow.Kind + ":" + rec.ID
	summary := fmt.Sprintf("%s %s → %s", key, f.flow.Source, f.flow.Target)
	input := RecordInput{
		Tenant:         f.in.Tenant,
		Flow:           f.in.Flow,
		Source:         rec,
		DryRun:         f.in.DryRun,
		ProductWait:    f.in.ProductWait,
		ProductRecheck: f.in.ProductRecheck,
		NeedsFixWait:   f.in.NeedsFixWait,
		PageCheck:      known,
		Failures:       failed.Failures,
		LastFailure:    failed.LastFailure,
		RetryBudget:    f.in.RetryBudget,
	}
	childType := WorkflowRecordSync
	if f.engine < 1 {
		childType = LegacyOrderSync
	}
	opts := RecordChildOptions(id, summary)
	if f.reruns {
		opts.WorkflowIDReusePolicy = enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
	}
	child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), childType, input)
	f.result.Children++
	f.running[id] = true
	f.sel.AddFuture(child, func(fut workflow.Future) {
		var res RecordResult
		err := fut.Get(ctx, &res)
		if !f.running[id] {
			return // parked earlier and already counted as needs_fix
		}
		delete(f.running, id)
		f.count(id, res, err)
		if f.reruns && isAlreadyStarted(err) {
			// The record changed at the source while its last run waits in needs_fix
			// (or still runs): ask it to read the source again, as `starter retry` would.
			// A run that is not waiting drops the signal when it parks.
			workflow.SignalExternalWorkflow(ctx, id, "", SignalRetry, nil)
		}
	})
	return true
}

func (f *fanOut) count(id string, res RecordResult, err error) {
	if err != nil {
		if isAlreadyStarted(err) {
			f.result.InProgress++
			return
		}
		f.result.Failed++
		f.logger.Warn("record sync failed", "workflowID", id, "error", err)
		return
	}
	switch res.Status {
	case StatusCommitted:
		f.result.Committed++
	case StatusUpdated:
		f.result.Updated++
	case StatusSkipped:
		f.result.Skipped++
	case StatusNeedsFix:
		f.result.NeedsFix++
	case StatusDryRun:
		f.result.DryRun++
	default:
		f.result.Failed++
		f.logger.Warn("record sync ended with an unexpected status", "workflowID", id, "status", res.Status)
	}
}

func (f *fanOut) drain(ctx workflow.Context) {
	for len(f.running) > 0 {
		f.sel.Select(ctx)
	}
}

// isAlreadyStarted recognises the start failure of a child whose id is taken: the server
// reports ChildWorkflowExecutionAlreadyStartedError, the test environment the service error.
func isAlreadyStarted(err error) bool {
	var started *temporal.ChildWorkflowExecutionAlreadyStartedError
	var service *serviceerror.WorkflowExecutionAlreadyStarted
	return errors.As(err, &started) || errors.As(err, &service)
}

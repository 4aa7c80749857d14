package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"fortspeed/activities"
	"fortspeed/clients"
	"fortspeed/mapping"
)

// ErrorTypeInvalidInput is the failure type of a workflow started with input it cannot
// run (unknown flow, empty tenant, negative durations).
const ErrorTypeInvalidInput = "InvalidInput"

// ErrorTypeNeedsFixTimeout is the failure type of a needs_fix record nobody retried within
// its NeedsFixWait. The failure lets ALLOW_DUPLICATE_FAILED_ONLY start the record again.
const ErrorTypeNeedsFixTimeout = "NeedsFixTimeout"

// ErrorTypeSyncFailed is the failure type of a record whose step failed for a reason other
// than its data (retries exhausted, timeouts).
const ErrorTypeSyncFailed = "SyncFailed"

// orderRoute says where each step of an order flow runs: the source vendor's queue for
// fetch and enrich, the target's for the rest.
type orderRoute struct {
	names       activities.OrderActivityNames
	sourceQueue string
	targetQueue string
	sourceKind  string
	source      string // vendor names for summaries
	target      string
}

func orderRouteFor(flow string) (orderRoute, error) {
	switch flow {
	case FlowOrdersToFortnox:
		return orderRoute{
			names:       activities.OrderActivityNamesWithPrefix(activities.OrdersToFortnoxPrefix),
			sourceQueue: TaskQueueLightspeed,
			targetQueue: TaskQueueFortnox,
			sourceKind:  SourceKindSale,
			source:      "Lightspeed",
			target:      "Fortnox",
		}, nil
	case FlowOrdersToLightspeed:
		return orderRoute{
			names:       activities.OrderActivityNamesWithPrefix(activities.OrdersToLightspeedPrefix),
			sourceQueue: TaskQueueFortnox,
			targetQueue: TaskQueueLightspeed,
			sourceKind:  SourceKindOrder,
			source:      "Fortnox",
			target:      "Lightspeed",
		}, nil
	}
	return orderRoute{}, fmt.Errorf("unknown order flow %q (want %q or %q)",
		flow, FlowOrdersToFortnox, FlowOrdersToLightspeed)
}

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
	return temporal.NewNonRetryableApplicationError(what+": "+err.Error(), ErrorTypeInvalidInput, nil)
}

// SyncInput starts one run of an order flow's parent. The schedule passes the settings;
// `starter sync` may add Since and DryRun. PageToken and Carried are set only by the
// parent itself when it continues as new.
type SyncInput struct {
	Tenant string `json:"tenant"`
	Flow   string `json:"flow"`
	// Since overrides the cursor of the previous run (`starter sync --since`).
	Since  *time.Time `json:"since,omitempty"`
	DryRun bool       `json:"dry_run"`

	PageSize      int           `json:"page_size,omitempty"`
	MaxConcurrent int           `json:"max_concurrent,omitempty"`
	Lookback      time.Duration `json:"lookback,omitempty"`

	// Passed on to every child (OrderInput).
	ProductWait    time.Duration `json:"product_wait,omitempty"`
	ProductRecheck time.Duration `json:"product_recheck,omitempty"`
	NeedsFixWait   time.Duration `json:"needs_fix_wait,omitempty"`

	PageToken string      `json:"page_token,omitempty"`
	Carried   *SyncResult `json:"carried,omitempty"`
}

func (in SyncInput) withDefaults() (SyncInput, error) {
	if err := checkTenant(in.Tenant); err != nil {
		return in, err
	}
	if _, err := orderRouteFor(in.Flow); err != nil {
		return in, err
	}
	if in.PageSize < 0 || in.MaxConcurrent < 0 || in.Lookback < 0 {
		return in, fmt.Errorf("negative page size %d, max concurrent %d or lookback %s",
			in.PageSize, in.MaxConcurrent, in.Lookback)
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
	return in, nil
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
	Invalid   int `json:"invalid"`
	Committed int `json:"committed"`
	Updated   int `json:"updated"`
	Skipped   int `json:"skipped"`
	NeedsFix  int `json:"needs_fix"`
	Failed    int `json:"failed"`
	DryRun    int `json:"dry_run"`
	// Continued is how many times the run continued as new.
	Continued int `json:"continued"`
}

func (r SyncResult) line() string {
	return fmt.Sprintf("%d records on %d pages: %d committed, %d skipped, %d needs_fix, %d failed, "+
		"%d dry run, %d in progress; cursor %s",
		r.Records, r.Pages, r.Committed, r.Skipped, r.NeedsFix, r.Failed, r.DryRun, r.InProgress,
		r.Cursor.UTC().Format(time.RFC3339))
}

// OrdersSync is the scheduled parent of an order flow: it fetches the source's changed
// orders page by page since its cursor and starts one OrderSync child per order, at most
// MaxConcurrent at a time. A child that reaches needs_fix frees its slot (it tells the
// parent by signal) and goes on waiting after the parent has finished.
func OrdersSync(ctx workflow.Context, in SyncInput) (SyncResult, error) {
	in, err := in.withDefaults()
	if err != nil {
		return SyncResult{}, invalidInput("orders sync", err)
	}
	route, err := orderRouteFor(in.Flow)
	if err != nil {
		return SyncResult{}, invalidInput("orders sync", err)
	}
	logger := log.With(workflow.GetLogger(ctx), "tenant", in.Tenant, "flow", in.Flow)

	since, err := syncStart(ctx, in)
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
	fan := newOrderFanOut(ctx, in.MaxConcurrent, &result, logger)
	token := in.PageToken
	for {
		page, err := fetchPage(ctx, route, in, since, token, result.Pages+1)
		if err != nil {
			fan.drain(ctx)
			return result, temporal.NewApplicationErrorWithCause(
				fmt.Sprintf("fetch page %d: %v", result.Pages+1, err), ErrorTypeSyncFailed, err)
		}
		result.Pages++
		result.Records += len(page.Records)
		var checked map[string]PageCheck
		if checkPages {
			checked = checkPage(ctx, route, in, page.Records, result.Pages, logger)
		}
		for _, rec := range page.Records {
			var known *PageCheck
			if c, ok := checked[rec.ID]; ok {
				known = &c
			}
			fan.start(ctx, in, route, rec, known)
		}
		if page.Cursor.After(result.Cursor) {
			result.Cursor = page.Cursor
		}
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("**%s %s**: page %d fetched. %s",
			in.Tenant, in.Flow, result.Pages, result.line()))

		token = page.NextPageToken
		if token == "" {
			break
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			// Drain first so every child's parked signal reaches this run and the counts
			// are complete; the next run goes on with the same query at the next page.
			fan.drain(ctx)
			next := in
			next.Since = &since
			next.PageToken = token
			carried := result
			carried.Continued++
			next.Carried = &carried
			logger.Info("continuing as new", "pages", result.Pages, "records", result.Records)
			return SyncResult{}, workflow.NewContinueAsNewError(ctx, OrdersSync, next)
		}
	}
	fan.drain(ctx)
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**%s %s**: done. %s", in.Tenant, in.Flow, result.line()))
	logger.Info("orders sync done", "records", result.Records, "committed", result.Committed,
		"needsFix", result.NeedsFix, "failed", result.Failed, "cursor", result.Cursor)
	return result, nil
}

// syncStart picks the time the fetch starts from: the explicit Since, else the previous
// run's cursor, else a lookback from now.
func syncStart(ctx workflow.Context, in SyncInput) (time.Time, error) {
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
	return workflow.Now(ctx).Add(-in.Lookback), nil
}

// changePageCheckExists is the GetVersion change id of the page-wide check-exists: version
// 1 runs one CheckExistsBatch activity per fetched page before the page's children start.
const changePageCheckExists = "page-check-exists"

// checkPage asks the target once which of the page's records it already has, and returns
// the answer per source id. A record left out (no usable id, or one the lookup could not
// answer for) gets no answer, and its child checks itself. A failed lookup costs nothing
// but the saving: every child then checks itself, as without the page lookup.
func checkPage(ctx workflow.Context, route orderRoute, in SyncInput, recs []mapping.SourceOrder, n int, logger log.Logger) map[string]PageCheck {
	entries := make([]activities.CheckExistsEntry, 0, len(recs))
	seen := make(map[string]bool, len(recs))
	for _, rec := range recs {
		if _, err := OrderSourceKey(in.Flow, rec.ID); err != nil {
			continue // never started, see orderFanOut.start
		}
		ref := mapping.OrderReference(in.Flow, rec.ID)
		if seen[ref] {
			continue
		}
		seen[ref] = true
		entries = append(entries, activities.CheckExistsEntry{Reference: ref, Created: rec.Created})
	}
	if len(entries) == 0 {
		return nil
	}
	opts := VendorActivityOptions(route.targetQueue)
	opts.Summary = fmt.Sprintf("check-exists: look up the %d %ss of page %d in %s", len(entries), route.sourceKind, n, route.target)
	var res activities.CheckExistsBatchResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), route.names.CheckExistsBatch,
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
		ref := mapping.OrderReference(in.Flow, rec.ID)
		if !seen[ref] || unchecked[ref] {
			continue
		}
		id, exists := res.Existing[ref]
		out[rec.ID] = PageCheck{Reference: ref, Exists: exists, TargetID: id}
	}
	return out
}

func fetchPage(ctx workflow.Context, route orderRoute, in SyncInput, since time.Time, token string, n int) (activities.FetchResult, error) {
	opts := FetchActivityOptions(route.sourceQueue)
	opts.Summary = fmt.Sprintf("fetch: %s %ss since %s, page %d",
		route.source, route.sourceKind, since.UTC().Format(time.RFC3339), n)
	var page activities.FetchResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), route.names.Fetch,
		activities.FetchInput{Tenant: in.Tenant, Since: since, PageToken: token, PageSize: in.PageSize},
	).Get(ctx, &page)
	return page, err
}

// orderFanOut runs the children of one parent run with bounded concurrency. A slot is held
// from the child's start until it finishes or signals that it is parked in needs_fix.
type orderFanOut struct {
	limit   int
	sel     workflow.Selector
	running map[string]bool // workflow ids holding a slot
	seen    map[string]bool // workflow ids started by this run
	result  *SyncResult
	logger  log.Logger
}

func newOrderFanOut(ctx workflow.Context, limit int, result *SyncResult, logger log.Logger) *orderFanOut {
	f := &orderFanOut{
		limit:   limit,
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

func (f *orderFanOut) start(ctx workflow.Context, in SyncInput, route orderRoute, rec mapping.SourceOrder, known *PageCheck) {
	id, err := OrderWorkflowID(in.Tenant, in.Flow, rec.ID)
	if err != nil {
		f.result.Invalid++
		f.logger.Warn("record without a usable id is not synced", "error", err)
		return
	}
	if in.DryRun {
		id = DryRunWorkflowID(id, workflow.GetInfo(ctx).WorkflowExecution.RunID)
	}
	if f.seen[id] {
		f.result.Duplicates++
		return
	}
	f.seen[id] = true
	for len(f.running) >= f.limit {
		f.sel.Select(ctx)
	}
	key := route.sourceKind + ":" + rec.ID
	child := workflow.ExecuteChildWorkflow(
		workflow.WithChildOptions(ctx, OrderChildOptions(id, fmt.Sprintf("%s %s → %s", key, route.source, route.target))),
		OrderSync,
		OrderInput{
			Tenant:         in.Tenant,
			Flow:           in.Flow,
			Source:         rec,
			DryRun:         in.DryRun,
			ProductWait:    in.ProductWait,
			ProductRecheck: in.ProductRecheck,
			NeedsFixWait:   in.NeedsFixWait,
			PageCheck:      known,
		})
	f.result.Children++
	f.running[id] = true
	f.sel.AddFuture(child, func(fut workflow.Future) {
		var res OrderResult
		err := fut.Get(ctx, &res)
		if !f.running[id] {
			return // parked earlier and already counted as needs_fix
		}
		delete(f.running, id)
		f.count(id, res, err)
	})
}

func (f *orderFanOut) count(id string, res OrderResult, err error) {
	if err != nil {
		if isAlreadyStarted(err) {
			f.result.InProgress++
			return
		}
		f.result.Failed++
		f.logger.Warn("order sync failed", "workflowID", id, "error", err)
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
		f.logger.Warn("order sync ended with an unexpected status", "workflowID", id, "status", res.Status)
	}
}

func (f *orderFanOut) drain(ctx workflow.Context) {
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

// OrderInput syncs one order. The waits come from the settings; zero means the default.
type OrderInput struct {
	Tenant string              `json:"tenant"`
	Flow   string              `json:"flow"`
	Source mapping.SourceOrder `json:"source"`
	DryRun bool                `json:"dry_run"`

	ProductWait    time.Duration `json:"product_wait,omitempty"`
	ProductRecheck time.Duration `json:"product_recheck,omitempty"`
	NeedsFixWait   time.Duration `json:"needs_fix_wait,omitempty"`

	// PageCheck is what the parent's page-wide check-exists found for this record; nil
	// when the child was started without it (by hand, by an older parent, or when the
	// page lookup could not answer), and then the child looks itself.
	PageCheck *PageCheck `json:"page_check,omitempty"`
}

// PageCheck is the page lookup's answer for one record: whether the target has Reference,
// and under which id.
type PageCheck struct {
	Reference string `json:"reference"`
	Exists    bool   `json:"exists"`
	TargetID  string `json:"target_id,omitempty"`
}

func (in OrderInput) withDefaults() (OrderInput, error) {
	if err := checkTenant(in.Tenant); err != nil {
		return in, err
	}
	if _, err := OrderSourceKey(in.Flow, in.Source.ID); err != nil {
		return in, err
	}
	if in.ProductWait < 0 || in.ProductRecheck < 0 || in.NeedsFixWait < 0 {
		return in, fmt.Errorf("negative product wait %s, product recheck %s or needs_fix wait %s",
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
	return in, nil
}

// OrderResult is one order's outcome. Reason says why a dry run would need a fix.
type OrderResult struct {
	Status   Status `json:"status"`
	TargetID string `json:"target_id,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// OrderSync moves one order from source to target: enrich, check-exists, upsert-customer,
// verify-products, commit. Bad data parks it in needs_fix until a retry signal (then it
// re-reads the source and goes on, skipping steps whose input has not changed) or until
// NeedsFixWait runs out (then it fails).
func OrderSync(ctx workflow.Context, in OrderInput) (OrderResult, error) {
	in, err := in.withDefaults()
	if err != nil {
		return OrderResult{}, invalidInput("order sync", err)
	}
	route, err := orderRouteFor(in.Flow)
	if err != nil {
		return OrderResult{}, invalidInput("order sync", err)
	}
	key := route.sourceKind + ":" + in.Source.ID
	r := &orderRun{
		in:         in,
		route:      route,
		key:        key,
		workflowID: workflow.GetInfo(ctx).WorkflowExecution.ID,
		logger:     log.With(workflow.GetLogger(ctx), "tenant", in.Tenant, "flow", in.Flow, "sourceID", key),
	}
	return r.run(ctx)
}

// orderRun is one OrderSync execution's state: what it has done so far, for the retry
// after needs_fix and for the details shown in the UI.
type orderRun struct {
	in         OrderInput
	route      orderRoute
	key        string
	workflowID string
	logger     log.Logger

	status   Status
	targetID string
	skus     []string
	log      []string // the details lines, newest last

	checked  stepMemo[activities.CheckExistsResult]
	customer stepMemo[activities.UpsertCustomerResult]
	verified stepMemo[activities.VerifyProductsResult]

	notified string // the needs_fix reason last notified
	parked   bool   // the parent has been told this record waits
}

// maxDetailLines bounds the details log so a record retried many times stays readable.
const maxDetailLines = 30

func (r *orderRun) run(ctx workflow.Context) (OrderResult, error) {
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		TenantKey().ValueSet(r.in.Tenant),
		SyncFlowKey().ValueSet(r.in.Flow),
		SourceIDKey().ValueSet(r.key),
		SyncStatusKey().ValueSet(string(StatusRunning)),
	); err != nil {
		return OrderResult{}, fmt.Errorf("upsert search attributes: %w", err)
	}
	r.status = StatusRunning
	refetch := false
	for {
		res, err := r.attempt(ctx, refetch)
		if err == nil {
			if err := r.finish(ctx, res.Status, res.TargetID, ""); err != nil {
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
			return OrderResult{}, temporal.NewNonRetryableApplicationError(msg, ErrorTypeSyncFailed, err)
		}
		if r.in.DryRun {
			// A dry run reports the problem and writes, notifies and waits for nothing.
			if err := r.finish(ctx, StatusNeedsFix, "", reason); err != nil {
				return OrderResult{}, err
			}
			return OrderResult{Status: StatusNeedsFix, Reason: reason}, nil
		}
		if err := r.park(ctx, reason); err != nil {
			return OrderResult{}, err
		}
		if !r.waitForRetry(ctx) {
			msg := fmt.Sprintf("needs_fix not retried within %s: %s", r.in.NeedsFixWait, reason)
			if err := r.finish(ctx, StatusFailed, "", msg); err != nil {
				return OrderResult{}, err
			}
			return OrderResult{}, temporal.NewNonRetryableApplicationError(msg, ErrorTypeNeedsFixTimeout, nil)
		}
		r.note(ctx, "retry", "signal received; re-reading the record from "+r.route.source)
		if err := r.setStatus(ctx, StatusRunning); err != nil {
			return OrderResult{}, err
		}
		refetch = true
	}
}

// attempt runs the steps once. It returns a needsFixError (or an activity's data error)
// for bad data and any other error for a failure.
func (r *orderRun) attempt(ctx workflow.Context, refetch bool) (OrderResult, error) {
	tenant := r.in.Tenant
	dryRun := r.in.DryRun

	opts := VendorActivityOptions(r.route.sourceQueue)
	opts.Summary = fmt.Sprintf("enrich: map %s %s to a %s draft", r.route.source, r.key, r.route.target)
	if refetch {
		opts.Summary += " (re-read after fix)"
	}
	var enriched activities.EnrichResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), r.route.names.Enrich,
		activities.EnrichInput{Tenant: tenant, Source: r.in.Source, Refetch: refetch}).Get(ctx, &enriched)
	if err != nil {
		return OrderResult{}, fmt.Errorf("enrich: %w", err)
	}
	r.note(ctx, "enrich", enriched.Summary)
	draft := enriched.Draft
	if err := r.setSKUs(ctx, draft.SKUs()); err != nil {
		return OrderResult{}, err
	}

	opts = VendorActivityOptions(r.route.targetQueue)
	exists, err := r.checkExists(ctx, opts, draft, refetch)
	if err != nil {
		return OrderResult{}, err
	}
	if exists.Exists {
		return OrderResult{Status: StatusSkipped, TargetID: exists.TargetID}, nil
	}

	opts.Summary = fmt.Sprintf("upsert-customer: find or write the customer in %s", r.route.target)
	if draft.Customer.UseDefault {
		opts.Summary = fmt.Sprintf("upsert-customer: use the default %s customer", r.route.target)
	}
	customer, err := runStep(ctx, r, &r.customer, "upsert-customer", opts, r.route.names.UpsertCustomer,
		activities.UpsertCustomerInput{Tenant: tenant, Customer: draft.Customer,
			Billing: draft.Billing, Shipping: draft.Shipping, DryRun: dryRun})
	if err != nil {
		return OrderResult{}, fmt.Errorf("upsert-customer: %w", err)
	}

	if err := r.verifyProducts(ctx, draft.SKUs()); err != nil {
		return OrderResult{}, err
	}

	opts.Summary = fmt.Sprintf("commit: create %s in %s", draft.Reference, r.route.target)
	if dryRun {
		opts.Summary = fmt.Sprintf("commit (dry run): would create %s in %s", draft.Reference, r.route.target)
	}
	// A commit that succeeded ends the run, so there is nothing to remember for a retry.
	var fresh stepMemo[activities.CommitResult]
	commit, err := runStep(ctx, r, &fresh, "commit", opts, r.route.names.Commit,
		activities.CommitInput{Tenant: tenant, Draft: draft, CustomerID: customer.CustomerID, DryRun: dryRun})
	if err != nil {
		return OrderResult{}, fmt.Errorf("commit: %w", err)
	}
	if dryRun {
		return OrderResult{Status: StatusDryRun, TargetID: commit.TargetID}, nil
	}
	return OrderResult{Status: StatusCommitted, TargetID: commit.TargetID}, nil
}

// checkExists looks the draft up in the target, or takes the parent's page lookup.
//
// The page-time answer is safe to act on: only this record's own child creates its target
// record (the workflow id is per record and never runs twice at once), so nothing can
// create it between the parent's lookup and this step, and an earlier failed run's write
// came before the lookup. A commit that still meets the record (a write whose answer was
// lost) is caught by Commit, which re-checks on every retry attempt. After a needs_fix
// retry the record re-reads its source, time has passed, and it looks again itself; so does
// a draft whose reference is not the one the page looked up.
//
// Taking the page's answer leaves out a command, yet needs no GetVersion: the choice
// depends only on the input, and a child recorded before PageCheck existed has none in its
// input, so it replays through the CheckExists activity as it ran.
func (r *orderRun) checkExists(ctx workflow.Context, opts workflow.ActivityOptions, draft mapping.OrderDraft, refetch bool) (activities.CheckExistsResult, error) {
	if pc := r.in.PageCheck; pc != nil && !refetch && pc.Reference == draft.Reference {
		res := activities.CheckExistsResult{Exists: pc.Exists, TargetID: pc.TargetID,
			Summary: fmt.Sprintf("not in %s (checked with its page)", r.route.target)}
		if pc.Exists {
			res.Summary = fmt.Sprintf("%s is %s record %s (found with its page)", draft.Reference, r.route.target, pc.TargetID)
		}
		r.note(ctx, "check-exists", res.Summary)
		return res, nil
	}
	opts.Summary = fmt.Sprintf("check-exists: look up %s in %s", draft.Reference, r.route.target)
	res, err := runStep(ctx, r, &r.checked, "check-exists", opts, r.route.names.CheckExists,
		activities.CheckExistsInput{Tenant: r.in.Tenant, Draft: draft})
	if err != nil {
		return res, fmt.Errorf("check-exists: %w", err)
	}
	return res, nil
}

// verifyProducts asks the target for the order's SKUs until all exist or ProductWait has
// passed since the first lookup; a dry run does not wait.
func (r *orderRun) verifyProducts(ctx workflow.Context, skus []string) error {
	deadline := workflow.Now(ctx).Add(r.in.ProductWait)
	opts := VendorActivityOptions(r.route.targetQueue)
	for {
		opts.Summary = fmt.Sprintf("verify-products: look up %d SKUs in %s", len(skus), r.route.target)
		res, err := runStep(ctx, r, &r.verified, "verify-products", opts, r.route.names.VerifyProducts,
			activities.VerifyProductsInput{Tenant: r.in.Tenant, SKUs: skus})
		if err != nil {
			return fmt.Errorf("verify-products: %w", err)
		}
		if len(res.Missing) == 0 {
			return nil
		}
		// Only a clean answer counts as done: a retry after needs_fix must ask again.
		r.verified = stepMemo[activities.VerifyProductsResult]{}
		missing := strings.Join(res.Missing, ", ")
		now := workflow.Now(ctx)
		if r.in.DryRun || !now.Before(deadline) {
			return needsFixError{reason: fmt.Sprintf("products not in %s after waiting %s: %s",
				r.route.target, r.in.ProductWait, missing)}
		}
		wait := min(r.in.ProductRecheck, deadline.Sub(now))
		r.note(ctx, "verify-products", fmt.Sprintf("waiting %s for %s", wait, missing))
		timer := workflow.NewTimerWithOptions(ctx, wait, workflow.TimerOptions{
			Summary: fmt.Sprintf("wait for products in %s", r.route.target),
		})
		if err := timer.Get(ctx, nil); err != nil {
			return fmt.Errorf("wait for products: %w", err)
		}
	}
}

// park makes the record needs_fix: status, details, one notification per distinct reason,
// and a signal that frees the parent's slot.
func (r *orderRun) park(ctx workflow.Context, reason string) error {
	r.note(ctx, "needs_fix", reason)
	if err := r.setStatus(ctx, StatusNeedsFix); err != nil {
		return err
	}
	r.logger.Warn("order needs a fix at the source", "reason", reason)
	if reason != r.notified {
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

// waitForRetry waits for the retry signal up to NeedsFixWait and reports whether it came.
func (r *orderRun) waitForRetry(ctx workflow.Context) bool {
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

func (r *orderRun) finish(ctx workflow.Context, status Status, targetID, reason string) error {
	switch {
	case reason != "":
		r.note(ctx, string(status), reason)
	case targetID != "":
		r.note(ctx, string(status), fmt.Sprintf("%s id %s", r.route.target, targetID))
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

func (r *orderRun) setStatus(ctx workflow.Context, status Status) error {
	r.status = status
	r.showDetails(ctx)
	if err := workflow.UpsertTypedSearchAttributes(ctx, SyncStatusKey().ValueSet(string(status))); err != nil {
		return fmt.Errorf("upsert status %s: %w", status, err)
	}
	return nil
}

func (r *orderRun) setSKUs(ctx workflow.Context, skus []string) error {
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
func (r *orderRun) note(ctx workflow.Context, step, summary string) {
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

func (r *orderRun) showDetails(ctx workflow.Context) {
	head := fmt.Sprintf("**%s** %s → %s: %s", r.key, r.route.source, r.route.target, r.status)
	if r.targetID != "" {
		head += fmt.Sprintf(" (%s id %s)", r.route.target, r.targetID)
	}
	workflow.SetCurrentDetails(ctx, head+"\n\n"+strings.Join(r.log, "\n"))
}

// stepMemo remembers a step that completed, with its input, so the run after a needs_fix
// retry does not redo a step whose input is unchanged.
type stepMemo[T any] struct {
	done  bool
	input string // the JSON of the input
	out   T
}

// runStep runs one activity, or returns its remembered result when the same input
// already completed, and notes the outcome in the details.
func runStep[In, Out any](ctx workflow.Context, r *orderRun, memo *stepMemo[Out], step string,
	opts workflow.ActivityOptions, name string, in In) (Out, error) {
	var out Out
	raw, err := json.Marshal(in)
	if err != nil {
		return out, fmt.Errorf("encode %s input: %w", step, err)
	}
	if memo.done && memo.input == string(raw) {
		r.note(ctx, step, "unchanged since the last run, not repeated")
		return memo.out, nil
	}
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), name, in).Get(ctx, &out); err != nil {
		return out, err
	}
	*memo = stepMemo[Out]{done: true, input: string(raw), out: out}
	r.note(ctx, step, stepSummary(out))
	return out, nil
}

// stepSummary is the activity's own one-line account of what it did.
func stepSummary(out any) string {
	switch v := out.(type) {
	case activities.CheckExistsResult:
		return v.Summary
	case activities.UpsertCustomerResult:
		return v.Summary
	case activities.VerifyProductsResult:
		return v.Summary
	case activities.CommitResult:
		return v.Summary
	}
	return ""
}

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

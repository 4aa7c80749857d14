package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"fortspeed/activities"
)

// The stock flow's steps, as the log names them.
const (
	stepStockPlan      = "plan"
	stepStockShops     = "check-shops"
	stepStuckSales     = "stuck-sales"
	stepPendingSales   = "pending-sales"
	stepCommittedSales = "committed-sales"
	stepStockCompare   = "compare"
	stepStockRead      = "read"
	stepStockWrite     = "write"
	stepOrdered        = "changed-by-orders"
	stepReadArticles   = "read-articles"
)

// stockOrderedMax bounds the changed orders an incremental run reads one by one for their
// articles; past it the next run is a full reconcile, which costs less.
const stockOrderedMax = 100

// stockReadBatch is how many articles one read-articles step reads (one call each).
const stockReadBatch = 100

// stockClockMargin is how far before the cursor (Fortnox's clock) a Lightspeed sale still
// counts as new to an incremental run.
const stockClockMargin = time.Minute

// stockSettingsRecord is the source id of the stock flow's settings record: the
// configuration problems a run finds (a stock point mapped to a shop Lightspeed does not
// have) wait in it as needs_fix, named and notified once, while the rest syncs.
const stockSettingsRecord = "settings"

// stockFullSince is the Since that asks for a full reconcile (`starter sync stock --since
// 1970-01-01`): everything changed since the beginning of time.
var stockFullSince = time.Unix(0, 0)

// stock is Fortnox stock → Lightspeed qoh. A run does not start a child per article: it
// reads Fortnox a page at a time (the fetch), compares each page with Lightspeed at once
// (the compare, on the Lightspeed queue), and starts a record only for an article whose
// item needs a write or a person. Records allow re-runs: the same article is written again
// whenever its stock changes.
func stock() Flow {
	return Flow{
		ID: FlowStock, Source: "Fortnox", Target: "Lightspeed", Kind: SourceKindArticle,
		Prefix: activities.StockPrefix,
		Steps: []Step{
			{StepFetch, activities.MethodFetch, TaskQueueFortnox},
			{stepStockPlan, activities.MethodStockPlan, TaskQueueFortnox},
			{stepStockShops, activities.MethodStockCheckShops, TaskQueueLightspeed},
			{stepPendingSales, activities.MethodStockPendingSales, TaskQueueLightspeed},
			{stepCommittedSales, activities.MethodStockCommittedSales, TaskQueueFortnox},
			{stepStockCompare, activities.MethodStockComparePage, TaskQueueLightspeed},
			{stepStockRead, activities.MethodStockRead, TaskQueueFortnox},
			{stepOrdered, activities.MethodStockOrdered, TaskQueueFortnox},
			{stepReadArticles, activities.MethodStockReadArticles, TaskQueueFortnox},
			{stepStockWrite, activities.MethodStockWrite, TaskQueueLightspeed},
		},
		Settings: "stock",
		Key:      "SKU (Lightspeed customSku = Fortnox ArticleNumber) + shopID",
		Reruns:   true,
		attempt:  attemptStock,
		sync:     stockSync,
	}
}

// stockActivity runs one of the stock flow's activities on its step's queue.
func stockActivity[Out activities.StepResult](ctx workflow.Context, flow Flow, step string, opts workflow.ActivityOptions, summary string, in any) (Out, error) {
	var out Out
	opts.Summary = summary
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), flow.Activity(step), in).Get(ctx, &out)
	if err != nil {
		return out, fmt.Errorf("%s: %w", step, err)
	}
	return out, nil
}

func stockOptions(flow Flow, tenant, step string, budget time.Duration) workflow.ActivityOptions {
	return withRetryBudget(VendorActivityOptions(TenantQueue(tenant, flow.Queue(step))), budget)
}

// stockPagedOptions are the options of a step that makes several paced vendor calls and
// heartbeats meanwhile (a page's compare, the pending sales).
func stockPagedOptions(flow Flow, tenant, step string, budget time.Duration) workflow.ActivityOptions {
	return withRetryBudget(FetchActivityOptions(TenantQueue(tenant, flow.Queue(step))), budget)
}

// stockPlan is the run's plan: the settings with Fortnox's warehouse mode and stock points
// (plan) and Lightspeed's shops (check-shops), and the problems found on the way.
func stockPlan(ctx workflow.Context, flow Flow, tenant string, budget time.Duration) (activities.StockPlanResult, error) {
	plan, err := stockActivity[activities.StockPlanResult](ctx, flow, stepStockPlan, stockOptions(flow, tenant, stepStockPlan, budget),
		"plan: warehouse module, stock points and settings from Fortnox", activities.StockPlanInput{Tenant: tenant})
	if err != nil {
		return plan, err
	}
	shops, err := stockActivity[activities.StockCheckShopsResult](ctx, flow, stepStockShops, stockOptions(flow, tenant, stepStockShops, budget),
		fmt.Sprintf("check-shops: the %d mapped shops in Lightspeed", len(plan.Plan.Shops)),
		activities.StockCheckShopsInput{Tenant: tenant, Plan: plan.Plan})
	if err != nil {
		return plan, err
	}
	plan.Plan = shops.Plan
	plan.Problems = append(plan.Problems, shops.Problems...)
	plan.Summary += "; " + shops.Summary
	return plan, nil
}

// stockSold is what completed Lightspeed sales have taken that Fortnox's figures do not
// hold yet, so that a write never puts sold units back on the shelf ("a till sale is never
// undone"). A completed sale lowered qoh in Lightspeed at once; Fortnox counts it only once
// orders-to-fortnox has made it an order (its reservation lowers the available figure).
// So the units of a sale count against Fortnox's figures from its completion until an
// order with ExternalInvoiceReference1 LS-<saleID> exists in Fortnox, and not after — no
// double deduction once the order flow commits it. The sales looked at are the completed
// ones of the pending-sales window (the order flow normally commits within a minute), plus
// the ones the order flow holds in Temporal uncommitted however old (running, in needs_fix,
// or failed: stuck-sales); Fortnox itself answers which are orders (committed-sales).
// Sales that came from Fortnox orders are not counted: their order already holds the stock.
//
// It is read before any Fortnox stock figure of the run, so an order committed in between
// is at worst deducted twice for one run (the safe side: never sell what is not there) and
// never missed.
//
// sinceRun is the incremental run's cursor (zero in a full run): the SKUs of sales at or
// after it (and not after a backfill's until) come back too, so the run compares their
// articles again — a sale that completed between the last run's compare and its write was
// put back by that write, and this run takes it off again.
func stockSold(ctx workflow.Context, flow Flow, tenant string, window, budget time.Duration, sinceRun time.Time, until *time.Time) ([]activities.SoldUnits, []string, string, error) {
	since := workflow.Now(ctx).Add(-window)
	opts := SweepActivityOptions()
	opts.Summary = "stuck-sales: orders-to-fortnox sales not committed (Temporal)"
	var stuck activities.StuckSalesResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activities.StockStuckSales,
		activities.StuckSalesInput{Tenant: tenant, Prefix: RecordWorkflowID(tenant, FlowOrdersToFortnox, SourceKindSale+":")},
	).Get(ctx, &stuck); err != nil {
		return nil, nil, "", fmt.Errorf("%s: %w", stepStuckSales, err)
	}
	pending, err := stockActivity[activities.PendingSalesResult](ctx, flow, stepPendingSales, stockPagedOptions(flow, tenant, stepPendingSales, budget),
		fmt.Sprintf("pending-sales: completed Lightspeed sales since %s and %d stuck ones", since.UTC().Format(time.RFC3339), len(stuck.SaleIDs)),
		activities.PendingSalesInput{Tenant: tenant, Since: since, SaleIDs: stuck.SaleIDs})
	if err != nil {
		return nil, nil, "", err
	}
	if len(pending.Sales) == 0 {
		return nil, nil, "no completed sale is waiting to become a Fortnox order", nil
	}
	var recent []string
	for _, sale := range pending.Sales {
		// The cursor is Fortnox's clock, the sale's Lightspeed's: a minute's margin
		// covers the two running apart.
		if sinceRun.IsZero() || sale.At.Before(sinceRun.Add(-stockClockMargin)) || (until != nil && sale.At.After(*until)) {
			continue
		}
		for _, l := range sale.Lines {
			if l.SKU != "" && !slices.Contains(recent, l.SKU) {
				recent = append(recent, l.SKU)
			}
		}
	}
	slices.Sort(recent)
	ids := make([]string, len(pending.Sales))
	for i, s := range pending.Sales {
		ids[i] = s.SaleID
	}
	committed, err := stockActivity[activities.CommittedSalesResult](ctx, flow, stepCommittedSales, stockOptions(flow, tenant, stepCommittedSales, budget),
		fmt.Sprintf("committed-sales: which of %d sales are Fortnox orders", len(ids)),
		activities.CommittedSalesInput{Tenant: tenant, Since: since, SaleIDs: ids})
	if err != nil {
		return nil, nil, "", err
	}
	var sold []activities.SoldUnits
	waiting := 0
	for _, s := range pending.Sales {
		if slices.Contains(committed.Committed, s.SaleID) {
			continue
		}
		waiting++
		sold = append(sold, s.Lines...)
	}
	return sold, recent, fmt.Sprintf("%d completed sales not yet Fortnox orders hold back their units", waiting), nil
}

// stockSync is the stock flow's parent run. A run is incremental — the articles Fortnox
// changed since the cursor — or a full reconcile of every article when none ran within the
// reconcile interval (stock.reconcile), when it has no cursor, or when Since is the epoch.
// Either way: plan, pending sales, then page by page a Fortnox fetch, one compare of the
// page with Lightspeed, and a record for each article that needs a write or a fix. With
// nothing changed that is a handful of calls whatever the catalogue's size.
func stockSync(ctx workflow.Context, in SyncInput, flow Flow, logger log.Logger) (SyncResult, error) {
	started := workflow.Now(ctx)
	var result SyncResult
	if in.Carried != nil {
		result = *in.Carried
	}
	var last SyncResult
	if in.Carried == nil && workflow.HasLastCompletionResult(ctx) {
		if err := workflow.GetLastCompletionResult(ctx, &last); err != nil {
			return result, fmt.Errorf("read previous run's cursor: %w", err)
		}
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		TenantKey().ValueSet(in.Tenant), SyncFlowKey().ValueSet(in.Flow)); err != nil {
		return result, fmt.Errorf("upsert search attributes: %w", err)
	}
	fail := func(what string, err error) (SyncResult, error) {
		return result, temporal.NewApplicationErrorWithCause(fmt.Sprintf("%s: %v", what, err), activities.ErrorTypeSyncFailed, err)
	}

	plan, err := stockPlan(ctx, flow, in.Tenant, in.RetryBudget)
	if err != nil {
		return fail("plan", err)
	}
	if len(plan.Problems) > 0 {
		logger.Warn("stock settings need a fix", "problems", plan.Problems)
		if !in.DryRun {
			startStockSettingsRecord(ctx, flow, in, plan.Problems, logger)
		}
	}

	var since time.Time // zero: every article
	switch {
	case in.Carried != nil:
		if !in.Carried.Full && in.Since != nil {
			since = *in.Since
		}
	case in.Since != nil && !in.Since.IsZero():
		if in.Since.After(stockFullSince) {
			since = *in.Since
		}
	case !last.Cursor.IsZero() && !last.Reconciled.IsZero() && started.Sub(last.Reconciled) < plan.Reconcile:
		since = last.Cursor
	}
	if in.Carried == nil {
		result.Cursor = since
		result.Full = since.IsZero()
		result.Reconciled = last.Reconciled
		if result.Full {
			result.Reconciled = started
		}
	}

	sold, recentlySold, soldLine, err := stockSold(ctx, flow, in.Tenant, plan.PendingWindow, in.RetryBudget, since, in.Until)
	if err != nil {
		return fail("pending sales", err)
	}
	mode := "incremental: articles changed since " + since.UTC().Format(time.RFC3339)
	if since.IsZero() {
		mode = "full reconcile: every article"
	}
	header := fmt.Sprintf("**%s %s** (%s). %s. %s.", in.Tenant, in.Flow, mode, plan.Summary, soldLine)

	fan := newFanOut(ctx, flow, in, 1, &result, logger)
	read := map[string]bool{} // the articles this run's pages read
	token := in.PageToken
	for {
		n := result.Pages + 1
		opts := withRetryBudget(FetchActivityOptions(TenantQueue(in.Tenant, flow.Queue(StepFetch))), in.RetryBudget)
		opts.Summary = fmt.Sprintf("fetch: Fortnox article stock, page %d (%s)", n, mode)
		var page activities.FetchResult
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), flow.Activity(StepFetch),
			activities.StockFetchInput{Tenant: in.Tenant, Since: since, Until: untilTime(in.Until), PageToken: token, PageSize: stockPageSize(in), Plan: plan.Plan},
		).Get(ctx, &page)
		if err != nil {
			fan.drain(ctx)
			return fail(fmt.Sprintf("fetch page %d", n), err)
		}
		result.Pages++
		result.Records += len(page.Records)
		for _, rec := range page.Records {
			read[rec.ID] = true
		}
		if err := compareStock(ctx, flow, in, plan, sold, page.Records, fmt.Sprintf("page %d", n), fan, &result); err != nil {
			fan.drain(ctx)
			return fail(fmt.Sprintf("compare page %d", n), err)
		}
		result.Cursor = advanceCursor(result.Cursor, page.Cursor, in.Until)
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("%s\n\npage %d compared. %s", header, result.Pages, result.line()))

		token = page.NextPageToken
		if token == "" {
			break
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return SyncResult{}, continueAsNew(ctx, fan, in, since, token, &result, logger)
		}
	}
	if !since.IsZero() {
		if err := stockOrderedArticles(ctx, flow, in, plan, sold, recentlySold, since, read, fan, &result); err != nil {
			fan.drain(ctx)
			return fail("changed-by-orders", err)
		}
	}
	if !in.DryRun {
		sweepFailed(ctx, fan, flow, in, logger)
	}
	fan.drain(ctx)
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("%s\n\ndone. %s", header, result.line()))
	logger.Info("stock sync done", "full", result.Full, "articles", result.Records, "written", result.Updated,
		"needsFix", result.NeedsFix, "failed", result.Failed, "cursor", result.Cursor)
	return result, nil
}

// compareStock compares fetched records with Lightspeed in one step and starts a record
// for each article that needs one; a record that could not be read needs a fix on its own.
func compareStock(ctx workflow.Context, flow Flow, in SyncInput, plan activities.StockPlanResult, sold []activities.SoldUnits,
	recs []activities.Record, what string, fan *fanOut, result *SyncResult) error {
	var compare []activities.Record
	for _, rec := range recs {
		if rec.Problem != "" {
			fan.start(ctx, rec, nil, activities.FailedRecord{}) // needs_fix on its own, naming the bad value
			continue
		}
		compare = append(compare, rec)
	}
	if len(compare) == 0 {
		return nil
	}
	cmp, err := stockActivity[activities.StockCompareResult](ctx, flow, stepStockCompare, stockPagedOptions(flow, in.Tenant, stepStockCompare, in.RetryBudget),
		fmt.Sprintf("compare: the %d articles of %s with Lightspeed", len(compare), what),
		activities.StockCompareInput{Tenant: in.Tenant, Plan: plan.Plan, Articles: compare, Sold: sold})
	if err != nil {
		return err
	}
	// Articles already right start no record: the result counts records, as every flow's
	// does (Records − Children is what was already right or has no item).
	for _, rec := range cmp.Records {
		fan.start(ctx, rec, nil, activities.FailedRecord{})
	}
	return nil
}

// stockOrderedArticles is the incremental run's second signal: the articles on the Fortnox
// orders changed since the cursor, whose reservations change their available stock without
// touching the articles, and those of the Lightspeed sales since the cursor (recentlySold).
// Those the pages did not read are read and compared. With more changed orders than
// stockOrderedMax the next run is a full reconcile instead.
func stockOrderedArticles(ctx workflow.Context, flow Flow, in SyncInput, plan activities.StockPlanResult, sold []activities.SoldUnits,
	recentlySold []string, since time.Time, read map[string]bool, fan *fanOut, result *SyncResult) error {
	ordered, err := stockActivity[activities.StockOrderedResult](ctx, flow, stepOrdered, stockPagedOptions(flow, in.Tenant, stepOrdered, in.RetryBudget),
		fmt.Sprintf("changed-by-orders: articles on the Fortnox orders changed since %s", since.UTC().Format(time.RFC3339)),
		activities.StockOrderedInput{Tenant: in.Tenant, Since: since, Until: untilTime(in.Until), Max: stockOrderedMax})
	if err != nil {
		return err
	}
	if ordered.Overflow {
		result.Reconciled = time.Time{} // the next run compares everything
		return nil
	}
	var extra []string
	for _, sku := range append(ordered.Articles, recentlySold...) {
		if !read[sku] && !slices.Contains(extra, sku) {
			extra = append(extra, sku)
		}
	}
	for start := 0; start < len(extra); start += stockReadBatch {
		batch := extra[start:min(start+stockReadBatch, len(extra))]
		got, err := stockActivity[activities.StockReadArticlesResult](ctx, flow, stepReadArticles, stockPagedOptions(flow, in.Tenant, stepReadArticles, in.RetryBudget),
			fmt.Sprintf("read-articles: %d articles on changed orders", len(batch)),
			activities.StockReadArticlesInput{Tenant: in.Tenant, SKUs: batch, Plan: plan.Plan})
		if err != nil {
			return err
		}
		result.Records += len(got.Records)
		if err := compareStock(ctx, flow, in, plan, sold, got.Records, "changed orders", fan, result); err != nil {
			return err
		}
	}
	return nil
}

// stockPageSize is Fortnox's page of 500 articles unless the run asks for fewer: the
// engine's default page (100, Lightspeed's) would cost five times the Fortnox listings.
func stockPageSize(in SyncInput) int {
	if in.PageSize > 0 && in.PageSize != DefaultPageSize {
		return in.PageSize
	}
	return 500
}

// startStockSettingsRecord starts the settings record with the run's configuration
// problems, unless it already waits (then it holds them: a retry reads them again).
func startStockSettingsRecord(ctx workflow.Context, flow Flow, in SyncInput, problems []string, logger log.Logger) {
	id := RecordWorkflowID(in.Tenant, flow.ID, stockSettingsRecord)
	opts := RecordChildOptions(id, "stock settings")
	opts.WorkflowIDReusePolicy = enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
	data, err := toJSON(problems)
	if err != nil {
		logger.Warn("stock settings record not started", "error", err)
		return
	}
	child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), WorkflowRecordSync, RecordInput{
		Tenant: in.Tenant, Flow: in.Flow, NeedsFixWait: in.NeedsFixWait, RetryBudget: in.RetryBudget,
		Source: activities.Record{ID: stockSettingsRecord, Data: data},
	})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !isAlreadyStarted(err) {
		logger.Warn("stock settings record not started", "error", err)
	}
}

// attemptStock runs one article's record: the write the page's compare found, or — for a
// record started again by the sweep or retried after a fix — a fresh read and compare first.
func attemptStock(ctx workflow.Context, r *recordRun) (RecordResult, error) {
	if r.in.Source.ID == stockSettingsRecord {
		return attemptStockSettings(ctx, r)
	}
	if err := r.setSKUs(ctx, []string{r.in.Source.ID}); err != nil {
		return RecordResult{}, err
	}
	var w activities.StockWrite
	if r.refetch || len(r.in.Source.Data) == 0 || fromJSON(r.in.Source.Data, &w) != nil || w.SKU == "" {
		var done *RecordResult
		var err error
		if w, done, err = restock(ctx, r); err != nil || done != nil {
			if done != nil {
				return *done, nil
			}
			return RecordResult{}, err
		}
	}
	if w.Problem != "" {
		return RecordResult{}, needsFixError{reason: w.Problem}
	}
	summary := fmt.Sprintf("write: item %d (%s) in Lightspeed", w.ItemID, w.SKU)
	if r.in.DryRun {
		summary = fmt.Sprintf("write (dry run): item %d (%s)", w.ItemID, w.SKU)
	}
	res, err := runStep[activities.StockWriteResult](ctx, r, stepStockWrite, r.stepOptions(stepStockWrite, summary),
		activities.StockWriteInput{Tenant: r.in.Tenant, Write: w, DryRun: r.in.DryRun})
	if err != nil {
		return RecordResult{}, err
	}
	if r.in.DryRun {
		return RecordResult{Status: StatusDryRun, TargetID: res.TargetID}, nil
	}
	return RecordResult{Status: StatusUpdated, TargetID: res.TargetID}, nil
}

// restock reads the article again and compares it alone, as a run's page would: the plan,
// the pending sales, the Fortnox read and the Lightspeed compare. done is the record's end
// when nothing is left to write (the article is gone from Fortnox, or already right).
func restock(ctx workflow.Context, r *recordRun) (activities.StockWrite, *RecordResult, error) {
	sku := r.in.Source.ID
	plan, err := stockPlan(ctx, r.flow, r.in.Tenant, r.in.RetryBudget)
	if err != nil {
		return activities.StockWrite{}, nil, err
	}
	r.note(ctx, stepStockPlan, plan.Summary)
	sold, _, soldLine, err := stockSold(ctx, r.flow, r.in.Tenant, plan.PendingWindow, r.in.RetryBudget, time.Time{}, nil)
	if err != nil {
		return activities.StockWrite{}, nil, err
	}
	r.note(ctx, stepPendingSales, soldLine)
	read, err := stockActivity[activities.StockReadResult](ctx, r.flow, stepStockRead, stockOptions(r.flow, r.in.Tenant, stepStockRead, r.in.RetryBudget),
		fmt.Sprintf("read: article %s from Fortnox", sku), activities.StockReadInput{Tenant: r.in.Tenant, SKU: sku, Plan: plan.Plan})
	if err != nil {
		return activities.StockWrite{}, nil, err
	}
	r.note(ctx, stepStockRead, read.Summary)
	if !read.Found {
		return activities.StockWrite{}, &RecordResult{Status: StatusSkipped}, nil
	}
	if read.Record.Problem != "" {
		return activities.StockWrite{}, nil, needsFixError{reason: fmt.Sprintf("Fortnox article %s cannot be read: %s", sku, read.Record.Problem)}
	}
	cmp, err := stockActivity[activities.StockCompareResult](ctx, r.flow, stepStockCompare, stockOptions(r.flow, r.in.Tenant, stepStockCompare, r.in.RetryBudget),
		fmt.Sprintf("compare: article %s with Lightspeed", sku),
		activities.StockCompareInput{Tenant: r.in.Tenant, Plan: plan.Plan, Articles: []activities.Record{read.Record}, Sold: sold})
	if err != nil {
		return activities.StockWrite{}, nil, err
	}
	r.note(ctx, stepStockCompare, cmp.Summary)
	if len(cmp.Records) == 0 {
		return activities.StockWrite{}, &RecordResult{Status: StatusSkipped}, nil
	}
	var w activities.StockWrite
	if err := fromJSON(cmp.Records[0].Data, &w); err != nil {
		return activities.StockWrite{}, nil, fmt.Errorf("compare result of %s: %w", sku, err)
	}
	return w, nil, nil
}

// attemptStockSettings runs the settings record: needs_fix with the problems the run found
// and, after a retry, the plan again, needs_fix again while a problem remains.
func attemptStockSettings(ctx workflow.Context, r *recordRun) (RecordResult, error) {
	var problems []string
	if !r.refetch && fromJSON(r.in.Source.Data, &problems) == nil && len(problems) > 0 {
		return RecordResult{}, needsFixError{reason: strings.Join(problems, "; ")}
	}
	plan, err := stockPlan(ctx, r.flow, r.in.Tenant, r.in.RetryBudget)
	if err != nil {
		return RecordResult{}, err
	}
	r.note(ctx, stepStockPlan, plan.Summary)
	if len(plan.Problems) > 0 {
		return RecordResult{}, needsFixError{reason: strings.Join(plan.Problems, "; ")}
	}
	return RecordResult{Status: StatusSkipped}, nil
}

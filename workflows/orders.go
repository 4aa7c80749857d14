package workflows

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"fortspeed/activities"
	"fortspeed/mapping"
)

// attemptOrder runs an order's steps once: enrich, check-exists, upsert-customer,
// verify-products, commit. It returns a needsFixError (or an activity's data error) for bad
// data and any other error for a failure.
func attemptOrder(ctx workflow.Context, r *recordRun) (RecordResult, error) {
	// A record the sweep or `starter retry` started again carries only its id, and one
	// the fetch could not decode carries none of its data: enrich reads them from the source.
	refetch := r.refetch
	var src mapping.SourceOrder
	if len(r.in.Source.Data) == 0 || fromJSON(r.in.Source.Data, &src) != nil {
		src = mapping.SourceOrder{ID: r.in.Source.ID}
		refetch = true
	}
	f := r.flow
	summary := fmt.Sprintf("enrich: map %s %s to a %s draft", f.Source, r.key, f.Target)
	if refetch {
		summary += " (re-read from the source)"
	}
	var enriched activities.EnrichResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, r.stepOptions("enrich", summary)), f.Activity("enrich"),
		activities.EnrichInput{Tenant: r.in.Tenant, Source: src, Refetch: refetch}).Get(ctx, &enriched)
	if err != nil {
		return RecordResult{}, fmt.Errorf("enrich: %w", err)
	}
	r.note(ctx, "enrich", enriched.Summary)
	if enriched.Skip != "" {
		// Nothing to write (a sale without lines). Histories recorded before Skip existed
		// never carry it, so they replay through the steps below as they ran.
		return RecordResult{Status: StatusSkipped, Reason: enriched.Skip}, nil
	}
	draft := enriched.Draft
	if err := r.setSKUs(ctx, draft.SKUs()); err != nil {
		return RecordResult{}, err
	}

	if draft.Pickup != nil {
		return settlePickup(ctx, r, draft)
	}

	exists, err := checkOrderExists(ctx, r, draft)
	if err != nil {
		return RecordResult{}, err
	}
	if exists.Exists {
		if r.flow.hasStep(stepUpdateSale) && workflow.GetVersion(ctx, changeOrderUpdates, workflow.DefaultVersion, 1) >= 1 {
			return updateSale(ctx, r, draft, exists.TargetID)
		}
		return RecordResult{Status: StatusSkipped, TargetID: exists.TargetID}, nil
	}
	if draft.Cancelled {
		return RecordResult{Status: StatusSkipped,
			Reason: fmt.Sprintf("%s was cancelled in %s before it was sent: nothing to do", draft.Reference, f.Source)}, nil
	}

	summary = fmt.Sprintf("upsert-customer: find or write the customer in %s", f.Target)
	if draft.Customer.UseDefault {
		summary = fmt.Sprintf("upsert-customer: use the default %s customer", f.Target)
	}
	customer, err := upsertCustomer(ctx, r, r.stepOptions("upsert-customer", summary),
		activities.UpsertCustomerInput{Tenant: r.in.Tenant, Customer: draft.Customer,
			Billing: draft.Billing, Shipping: draft.Shipping, DryRun: r.in.DryRun})
	if err != nil {
		return RecordResult{}, err
	}

	if err := verifyProducts(ctx, r, draft.SKUs()); err != nil {
		return RecordResult{}, err
	}

	summary = fmt.Sprintf("commit: create %s in %s", draft.Reference, f.Target)
	if r.in.DryRun {
		summary = fmt.Sprintf("commit (dry run): would create %s in %s", draft.Reference, f.Target)
	}
	commit, err := runStep[activities.CommitResult](ctx, r, "commit", r.stepOptions("commit", summary),
		activities.CommitInput{Tenant: r.in.Tenant, Draft: draft, CustomerID: customer.CustomerID, DryRun: r.in.DryRun})
	if err != nil {
		return RecordResult{}, err
	}
	if r.in.DryRun {
		return RecordResult{Status: StatusDryRun, TargetID: commit.TargetID}, nil
	}
	return RecordResult{Status: StatusCommitted, TargetID: commit.TargetID}, nil
}

// changeOrderUpdates is the GetVersion change id of carrying a Fortnox order's later
// changes to its open sale (update-sale); before it a record whose sale existed was skipped.
const changeOrderUpdates = "order-updates"

// changeOrderReruns is the GetVersion change id of orders-to-lightspeed's parent running an
// order's record again when it changes (Flow.Reruns).
const changeOrderReruns = "order-reruns"

// The steps an order flow runs in place of creating a target record.
const (
	stepSettlePickup = "settle-pickup"
	stepUpdateSale   = "update-sale"
)

// settlePickup settles the Fortnox order a sale paid at the till came from; it never
// creates an order, so one purchase is one order in the books.
func settlePickup(ctx workflow.Context, r *recordRun, draft mapping.OrderDraft) (RecordResult, error) {
	p := draft.Pickup
	summary := fmt.Sprintf("settle-pickup: %s Fortnox order %s, paid at the till", pickupVerb(p.Mode), p.Order)
	if r.in.DryRun {
		summary = "(dry run) " + summary
	}
	res, err := runStep[activities.SettleResult](ctx, r, stepSettlePickup, r.stepOptions(stepSettlePickup, summary),
		activities.SettleInput{Tenant: r.in.Tenant, Draft: draft, DryRun: r.in.DryRun})
	if err != nil {
		return RecordResult{}, err
	}
	return changedResult(r, res.Changed, res.TargetID), nil
}

func pickupVerb(mode string) string {
	if mode == mapping.PickupInvoice {
		return "mark delivered, invoice and pay"
	}
	return "mark delivered"
}

// updateSale carries a changed or cancelled order over to the sale made from it.
func updateSale(ctx workflow.Context, r *recordRun, draft mapping.OrderDraft, saleID string) (RecordResult, error) {
	summary := fmt.Sprintf("update-sale: bring %s sale %s in line with %s %s", r.flow.Target, saleID, r.flow.Source, draft.Reference)
	in := activities.UpdateSaleInput{Tenant: r.in.Tenant, Draft: draft, SaleID: saleID, DryRun: r.in.DryRun}
	if pc := r.in.PageCheck; pc != nil && !r.refetch && pc.Reference == draft.Reference && pc.TargetID == saleID {
		in.Known = pc.State
	}
	res, err := runStep[activities.UpdateSaleResult](ctx, r, stepUpdateSale, r.stepOptions(stepUpdateSale, summary), in)
	if err != nil {
		return RecordResult{}, err
	}
	return changedResult(r, res.Changed, saleID), nil
}

// changedResult is the status of a step that changes an existing target record: updated
// when it did, skipped when there was nothing left to do.
func changedResult(r *recordRun, changed bool, targetID string) RecordResult {
	switch {
	case r.in.DryRun:
		return RecordResult{Status: StatusDryRun, TargetID: targetID}
	case changed:
		return RecordResult{Status: StatusUpdated, TargetID: targetID}
	}
	return RecordResult{Status: StatusSkipped, TargetID: targetID}
}

// checkOrderExists looks the draft up in the target, or takes the parent's page lookup.
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
func checkOrderExists(ctx workflow.Context, r *recordRun, draft mapping.OrderDraft) (activities.CheckExistsResult, error) {
	if pc := r.in.PageCheck; pc != nil && !r.refetch && pc.Reference == draft.Reference {
		res := activities.CheckExistsResult{Exists: pc.Exists, TargetID: pc.TargetID,
			Summary: fmt.Sprintf("not in %s (checked with its page)", r.flow.Target)}
		if pc.Exists {
			res.Summary = fmt.Sprintf("%s is %s record %s (found with its page)", draft.Reference, r.flow.Target, pc.TargetID)
		}
		r.note(ctx, "check-exists", res.Summary)
		return res, nil
	}
	opts := r.stepOptions("check-exists", fmt.Sprintf("check-exists: look up %s in %s", draft.Reference, r.flow.Target))
	return runStep[activities.CheckExistsResult](ctx, r, "check-exists", opts,
		activities.CheckExistsInput{Tenant: r.in.Tenant, Draft: draft})
}

// verifyProducts asks the target for the order's SKUs until all exist or ProductWait has
// passed since the first lookup; a dry run does not wait.
func verifyProducts(ctx workflow.Context, r *recordRun, skus []string) error {
	const step = "verify-products"
	deadline := workflow.Now(ctx).Add(r.in.ProductWait)
	for {
		opts := r.stepOptions(step, fmt.Sprintf("verify-products: look up %d SKUs in %s", len(skus), r.flow.Target))
		res, err := runStep[activities.VerifyProductsResult](ctx, r, step, opts,
			activities.VerifyProductsInput{Tenant: r.in.Tenant, SKUs: skus})
		if err != nil {
			return err
		}
		if len(res.Missing) == 0 {
			return nil
		}
		// Only a clean answer counts as done: a retry after needs_fix must ask again.
		r.forget(step)
		missing := strings.Join(res.Missing, ", ")
		now := workflow.Now(ctx)
		if r.in.DryRun || !now.Before(deadline) {
			return needsFixError{reason: fmt.Sprintf("products not in %s after waiting %s: %s",
				r.flow.Target, r.in.ProductWait, missing)}
		}
		wait := min(r.in.ProductRecheck, deadline.Sub(now))
		r.note(ctx, step, fmt.Sprintf("waiting %s for %s", wait, missing))
		timer := workflow.NewTimerWithOptions(ctx, wait, workflow.TimerOptions{
			Summary: fmt.Sprintf("wait for products in %s", r.flow.Target),
		})
		if err := timer.Get(ctx, nil); err != nil {
			return fmt.Errorf("wait for products: %w", err)
		}
	}
}

// upsertCustomer runs upsert-customer. A customer found or made by e-mail runs inside a
// CustomerUpsert child whose workflow id is the tenant, the target and the e-mail's hash:
// Temporal runs at most one workflow per id, so records of one new customer on any number
// of worker processes create it once; the others wait for it and then find it. The default
// customer and dry runs write no customer and need no such lock.
func upsertCustomer(ctx workflow.Context, r *recordRun, opts workflow.ActivityOptions, in activities.UpsertCustomerInput) (activities.UpsertCustomerResult, error) {
	const step = "upsert-customer"
	serialize := workflow.GetVersion(ctx, changeFlowEngine, workflow.DefaultVersion, 1) >= 1 &&
		!in.DryRun && !in.Customer.UseDefault && in.Customer.Email != ""
	if !serialize {
		return runStep[activities.UpsertCustomerResult](ctx, r, step, opts, in)
	}
	return runStepWith(ctx, r, step, in, func(out *activities.UpsertCustomerResult) error {
		id := CustomerWorkflowID(r.in.Tenant, r.flow.Target, in.Customer.Email)
		input := CustomerUpsertInput{Activity: r.flow.Activity(step), Queue: opts.TaskQueue, Summary: opts.Summary,
			RetryBudget: opts.ScheduleToCloseTimeout, Input: in}
		for wait := time.Second; ; wait = min(2*wait, 15*time.Second) {
			child := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
				WorkflowID:            id,
				TaskQueue:             TaskQueueFortspeed,
				WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
				StaticSummary:         fmt.Sprintf("upsert-customer for %s", r.key),
			}), WorkflowCustomerUpsert, input)
			err := child.Get(ctx, out)
			if err == nil || !isAlreadyStarted(err) {
				return err
			}
			r.note(ctx, step, fmt.Sprintf("another record is writing this customer; waiting %s", wait))
			if err := workflow.NewTimerWithOptions(ctx, wait, workflow.TimerOptions{
				Summary: "wait for the other record's customer write",
			}).Get(ctx, nil); err != nil {
				return err
			}
		}
	})
}

// CustomerWorkflowID is the id of the CustomerUpsert child of one customer. Workflow ids
// are not encrypted, so it holds 24 bits of the e-mail's hash, not the e-mail: enough that
// two customers rarely share one (they would only wait for each other), too few to tell
// the e-mail from.
func CustomerWorkflowID(tenant, target, email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return fmt.Sprintf("%s:customer:%s:%s", tenant, strings.ToLower(target), hex.EncodeToString(sum[:3]))
}

// CustomerUpsertInput is the upsert-customer activity a CustomerUpsert child runs.
type CustomerUpsertInput struct {
	Activity string `json:"activity"`
	Queue    string `json:"queue"`
	Summary  string `json:"summary"`
	// RetryBudget is the activity's ScheduleToClose, as the record's own steps have it.
	RetryBudget time.Duration                  `json:"retry_budget,omitempty"`
	Input       activities.UpsertCustomerInput `json:"input"`
}

// CustomerUpsert runs one upsert-customer activity under the customer's own workflow id
// (see upsertCustomer). Its error is the activity's, so the record reads it as its own.
func CustomerUpsert(ctx workflow.Context, in CustomerUpsertInput) (activities.UpsertCustomerResult, error) {
	var out activities.UpsertCustomerResult
	opts := withRetryBudget(VendorActivityOptions(in.Queue), in.RetryBudget)
	opts.Summary = in.Summary
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), in.Activity, in.Input).Get(ctx, &out)
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return out, app
	}
	return out, err
}

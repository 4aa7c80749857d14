package workflows

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"fortspeed/activities"
)

// The products flow's step names, as the record's log shows them.
const (
	stepEnsureCategory = "ensure-category"
	stepCheckItems     = "check-exists"
	stepWriteItems     = "write"
)

func products() Flow {
	return Flow{
		ID: FlowProducts, Source: "Fortnox", Target: "Lightspeed", Kind: SourceKindArticle,
		Prefix: activities.ProductsPrefix,
		Steps: []Step{
			{StepFetch, activities.MethodFetch, TaskQueueFortnox},
			{"enrich", activities.MethodEnrich, TaskQueueFortnox},
			{StepCheckExistsBatch, activities.MethodCheckExistsBatch, TaskQueueLightspeed},
			{stepEnsureCategory, activities.MethodEnsureCategory, TaskQueueLightspeed},
			{stepCheckItems, activities.MethodCheckItems, TaskQueueLightspeed},
			{stepWriteItems, activities.MethodWriteItems, TaskQueueLightspeed},
		},
		Settings: "products",
		Key:      "Lightspeed Item.customSku = Fortnox ArticleNumber",
		// The page lookup is by the SKUs of each record (its data), keyed by the record.
		Reference:   func(id string) string { return id },
		PageData:    true,
		Reruns:      true,
		FirstRunAll: true,
		attempt:     attemptProduct,
	}
}

// attemptProduct syncs one family (or single article): enrich reads its articles from
// Fortnox, ensure-category makes its category, check-exists finds its items by SKU (the
// page's lookup first), and write creates, updates or archives them. An article with bad
// data, or one Lightspeed refuses, makes the record needs_fix once the others are written.
func attemptProduct(ctx workflow.Context, r *recordRun) (RecordResult, error) {
	f := r.flow
	summary := fmt.Sprintf("enrich: read %s from %s and map it", r.key, f.Source)
	var data activities.ProductRecordData
	_ = fromJSON(r.in.Source.Data, &data) // none for a record started again by its id
	in := activities.ProductEnrichInput{Tenant: r.in.Tenant, Key: r.in.Source.ID, ListedAt: data.ListedAt}
	if r.refetch {
		in.ListedAt = time.Time{} // fixed at the source since the run: read the prices again
	}
	var enriched activities.ProductEnrichResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, r.stepOptions("enrich", summary)), f.Activity("enrich"),
		in).Get(ctx, &enriched)
	if err != nil {
		return RecordResult{}, fmt.Errorf("enrich: %w", err)
	}
	r.note(ctx, "enrich", enriched.Summary)
	d := enriched.Draft
	if err := r.setSKUs(ctx, d.SKUs()); err != nil {
		return RecordResult{}, err
	}
	if len(d.Items) == 0 {
		if len(d.Problems) > 0 {
			return RecordResult{}, needsFixError{reason: strings.Join(d.Problems, "; ")}
		}
		return RecordResult{Status: StatusSkipped}, nil
	}

	var category activities.EnsureCategoryResult
	if d.Category != "" {
		opts := r.stepOptions(stepEnsureCategory, "ensure-category: find or make "+d.Category+" in "+f.Target)
		if category, err = runStep[activities.EnsureCategoryResult](ctx, r, stepEnsureCategory, opts,
			activities.EnsureCategoryInput{Tenant: r.in.Tenant, Path: d.Category, DryRun: r.in.DryRun}); err != nil {
			return RecordResult{}, err
		}
	}

	check := activities.CheckItemsInput{Tenant: r.in.Tenant, Draft: d}
	if pc := r.in.PageCheck; pc != nil && !r.refetch {
		check.Page = pc.State
	}
	opts := r.stepOptions(stepCheckItems, fmt.Sprintf("check-exists: find the %d SKUs in %s", len(d.Items), f.Target))
	found, err := runStep[activities.CheckItemsResult](ctx, r, stepCheckItems, opts, check)
	if err != nil {
		return RecordResult{}, err
	}
	r.forget(stepCheckItems) // Lightspeed changes under us: a retry looks again

	summary = fmt.Sprintf("write: create or update %d items in %s", len(d.Items), f.Target)
	if r.in.DryRun {
		summary = fmt.Sprintf("write (dry run): what would be written of %d items in %s", len(d.Items), f.Target)
	}
	written, err := runStep[activities.WriteItemsResult](ctx, r, stepWriteItems, r.stepOptions(stepWriteItems, summary),
		activities.WriteItemsInput{Tenant: r.in.Tenant, Draft: d, Items: found.Items, Skip: found.Duplicates, MatrixID: found.MatrixID,
			Recheck:    r.refetch || r.in.Failures > 0,
			CategoryID: category.CategoryID, DryRun: r.in.DryRun})
	if err != nil {
		return RecordResult{}, err
	}
	problems := append(append(append([]string(nil), d.Problems...), found.Problems...), written.Problems...)
	if len(problems) > 0 {
		r.forget(stepWriteItems)
		return RecordResult{}, needsFixError{reason: strings.Join(problems, "; ")}
	}
	target := ""
	if written.MatrixID > 0 {
		target = strconv.FormatInt(written.MatrixID, 10) // the family's matrix
	}
	switch {
	case r.in.DryRun:
		return RecordResult{Status: StatusDryRun, TargetID: target}, nil
	case len(written.Created) > 0:
		return RecordResult{Status: StatusCommitted, TargetID: target}, nil
	case len(written.Updated) > 0 || len(written.Archived) > 0:
		return RecordResult{Status: StatusUpdated, TargetID: target}, nil
	}
	return RecordResult{Status: StatusSkipped, TargetID: target}, nil
}

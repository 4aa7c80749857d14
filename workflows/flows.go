package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"fortspeed/activities"
	"fortspeed/mapping"
)

// Flow describes one flow to the engine: the scheduled parent (FlowSync) and the record
// child (RecordSync) run every flow from its descriptor, and the worker, `starter` and the
// datamapper read the same registry (Flows), so adding a flow means its own files plus one
// entry there.
type Flow struct {
	ID string
	// Source and Target are the vendors, as the record's log names them.
	Source, Target string
	// Kind is the first part of a record's source key ("sale" in "sale:1042").
	Kind string
	// Prefix is the registered name prefix of the flow's activities
	// (activity.RegisterOptions.Name); Steps say which queue each method runs on.
	Prefix string
	Steps  []Step
	// Settings is the section of the settings file the flow reads (mapping.Settings).
	Settings string
	// Key is the idempotency key in the target, in words (DESIGN.md's table).
	Key string
	// Reference is the record's idempotency key in the target from its source id alone,
	// so the parent can look a whole page up at once; nil when the flow has no page check.
	Reference func(sourceID string) string
	// PageData sends each record's data with the page lookup (the products flow looks up
	// the SKUs of its records); order records are looked up by reference alone.
	PageData bool
	// FirstRunAll makes a run without a cursor read every source record, not a lookback:
	// a catalogue is synced whole the first time.
	FirstRunAll bool
	// Reruns lets a record's workflow id run again after it completed (products, stock: a
	// later change is a new run of the same record); without it only a failed record runs
	// again (orders). Either way two runs of one record never overlap.
	Reruns bool
	// rerunsChange is the GetVersion change id of a flow that began to rerun records after
	// it had run without (orders-to-lightspeed); "" when it always did.
	rerunsChange string
	// attempt runs the record's steps once (see recordRun).
	attempt func(ctx workflow.Context, r *recordRun) (RecordResult, error)
	// sync, when set, is the flow's own parent run in place of FlowSync's page loop, for a
	// flow that compares pages rather than starting a child per fetched record (stock). It
	// builds on the same parts: syncStart, fetchPage, fanOut, sweepFailed.
	sync func(ctx workflow.Context, in SyncInput, flow Flow, logger log.Logger) (SyncResult, error)
}

// Step is one activity of a flow and the task queue it runs on.
type Step struct {
	Name   string // as the record's log names it ("check-exists")
	Method string // the activity struct's method ("CheckExists")
	Queue  string
}

// The engine's own steps, which every flow has: the parent's page fetch and, when the flow
// has a Reference, its page-wide existence check.
const (
	StepFetch            = "fetch"
	StepCheckExistsBatch = "check-exists-page"
)

// Flows is the registry: every flow the engine runs.
func Flows() []Flow {
	return []Flow{ordersToFortnox(), ordersToLightspeed(), products(), stock()}
}

// FlowIDs lists the registered flow ids in registry order.
func FlowIDs() []string {
	var ids []string
	for _, f := range Flows() {
		ids = append(ids, f.ID)
	}
	return ids
}

// FlowByID finds a registered flow.
func FlowByID(id string) (Flow, error) {
	for _, f := range Flows() {
		if f.ID == id {
			return f, nil
		}
	}
	return Flow{}, fmt.Errorf("unknown flow %q (want one of %s)", id, strings.Join(FlowIDs(), ", "))
}

// hasStep reports whether the flow has the named step.
func (f Flow) hasStep(name string) bool {
	return slices.ContainsFunc(f.Steps, func(s Step) bool { return s.Name == name })
}

// step finds a step by name; the registry is fixed, so a missing step is a bug that the
// registry test catches.
func (f Flow) step(name string) Step {
	i := slices.IndexFunc(f.Steps, func(s Step) bool { return s.Name == name })
	if i < 0 {
		panic(fmt.Sprintf("flow %s has no step %q", f.ID, name))
	}
	return f.Steps[i]
}

// Activity is the registered name of the step's activity.
func (f Flow) Activity(step string) string { return f.Prefix + f.step(step).Method }

// Queue is the task queue the step runs on.
func (f Flow) Queue(step string) string { return f.step(step).Queue }

// Methods lists the activity methods the flow runs on queue.
func (f Flow) Methods(queue string) []string {
	var out []string
	for _, s := range f.Steps {
		if s.Queue == queue && !slices.Contains(out, s.Method) {
			out = append(out, s.Method)
		}
	}
	return out
}

// SourceKey names a source record by kind and id ("sale:1042", "order:17"); it is the
// SourceID search attribute and the last part of the record's workflow id.
func (f Flow) SourceKey(sourceID string) (string, error) {
	if sourceID == "" {
		return "", fmt.Errorf("%s source key: empty source id", f.ID)
	}
	if strings.ContainsAny(sourceID, ": \t\n") {
		return "", fmt.Errorf("%s source key: source id %q contains a colon or space", f.ID, sourceID)
	}
	return f.Kind + ":" + sourceID, nil
}

// RecordWorkflowID is the workflow id of one record's child workflow.
func (f Flow) RecordWorkflowID(tenant, sourceID string) (string, error) {
	key, err := f.SourceKey(sourceID)
	if err != nil {
		return "", err
	}
	return RecordWorkflowID(tenant, f.ID, key), nil
}

// orderSteps are the steps of an order flow: fetch and enrich on the source's queue, the
// rest on the target's.
func orderSteps(sourceQueue, targetQueue string) []Step {
	return []Step{
		{StepFetch, activities.MethodFetch, sourceQueue},
		{"enrich", activities.MethodEnrich, sourceQueue},
		{StepCheckExistsBatch, activities.MethodCheckExistsBatch, targetQueue},
		{"check-exists", activities.MethodCheckExists, targetQueue},
		{"upsert-customer", activities.MethodUpsertCustomer, targetQueue},
		{"verify-products", activities.MethodVerifyProducts, targetQueue},
		{"commit", activities.MethodCommit, targetQueue},
	}
}

func ordersToFortnox() Flow {
	return Flow{
		ID: FlowOrdersToFortnox, Source: "Lightspeed", Target: "Fortnox", Kind: SourceKindSale,
		Prefix: activities.OrdersToFortnoxPrefix,
		Steps: append(orderSteps(TaskQueueLightspeed, TaskQueueFortnox),
			Step{stepSettlePickup, activities.MethodSettlePickup, TaskQueueFortnox}),
		Settings:  "orders",
		Key:       "Fortnox ExternalInvoiceReference1 = LS-<saleID>",
		Reference: func(id string) string { return mapping.OrderReference(mapping.FlowOrdersToFortnox, id) },
		attempt:   attemptOrder,
	}
}

func ordersToLightspeed() Flow {
	return Flow{
		ID: FlowOrdersToLightspeed, Source: "Fortnox", Target: "Lightspeed", Kind: SourceKindOrder,
		Prefix: activities.OrdersToLightspeedPrefix,
		Steps: append(orderSteps(TaskQueueFortnox, TaskQueueLightspeed),
			Step{stepUpdateSale, activities.MethodUpdateSale, TaskQueueLightspeed}),
		Settings:  "orders",
		Key:       "Lightspeed Sale.referenceNumber = DocumentNumber, referenceNumberSource Fortnox",
		Reference: func(id string) string { return mapping.OrderReference(mapping.FlowOrdersToLightspeed, id) },
		// An order edited or cancelled after its sale was made runs again (update-sale).
		Reruns:       true,
		rerunsChange: changeOrderReruns,
		attempt:      attemptOrder,
	}
}

package workflows

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"fortspeed/activities"
	"fortspeed/mapping"
)

// fakeSteps stands in for one flow's activities, registered under their real names. Each
// behaviour func gets the 1-based number of the call; a nil func gives the happy answer.
type fakeSteps struct {
	enrich   func(n int, in activities.EnrichInput) (activities.EnrichResult, error)
	exists   func(n int, in activities.CheckExistsInput) (activities.CheckExistsResult, error)
	customer func(n int, in activities.UpsertCustomerInput) (activities.UpsertCustomerResult, error)
	verify   func(n int, in activities.VerifyProductsInput) (activities.VerifyProductsResult, error)
	commit   func(n int, in activities.CommitInput) (activities.CommitResult, error)
	fetch    func(n int, in activities.FetchInput) (activities.FetchResult, error)
	batch    func(n int, in activities.CheckExistsBatchInput) (activities.CheckExistsBatchResult, error)
	sweep    func(n int, in activities.FailedRecordsInput) (activities.FailedRecordsResult, error)

	mu       sync.Mutex
	counts   map[string]int
	queues   map[string]string // step → task queue of its last call
	enrichIn []activities.EnrichInput
	customIn []activities.UpsertCustomerInput
	commitIn []activities.CommitInput
	fetchIn  []activities.FetchInput
	batchIn  []activities.CheckExistsBatchInput
	// notifyIn are the needs_fix notifications on the webhook channel (each alert goes to
	// every channel; count("notify") counts alerts, count("notify:email") the e-mail copies);
	// alertIn every other alert, on every channel.
	notifyIn  []activities.NotifyInput
	notifyErr error // the webhook's answer
	alertIn   []activities.NotifyInput
}

func (f *fakeSteps) record(ctx context.Context, step string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.counts == nil {
		f.counts = make(map[string]int)
		f.queues = make(map[string]string)
	}
	f.counts[step]++
	f.queues[step] = activity.GetInfo(ctx).TaskQueue
	return f.counts[step]
}

func (f *fakeSteps) count(step string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[step]
}

func (f *fakeSteps) queue(step string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queues[step]
}

// activityRegistry is what both the test environment and a real worker offer.
type activityRegistry interface {
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// register registers the flow's six steps and the notification.
func (f *fakeSteps) register(env activityRegistry, flow Flow) {
	f.registerOrderSteps(env, flow)
	f.registerNotify(env)
}

func (f *fakeSteps) registerOrderSteps(env activityRegistry, flow Flow) {
	env.RegisterActivityWithOptions(func(ctx context.Context, in activities.FetchInput) (activities.FetchResult, error) {
		n := f.record(ctx, "fetch")
		f.mu.Lock()
		f.fetchIn = append(f.fetchIn, in)
		f.mu.Unlock()
		if f.fetch != nil {
			return f.fetch(n, in)
		}
		return activities.FetchResult{}, nil
	}, activity.RegisterOptions{Name: flow.Activity("fetch")})

	env.RegisterActivityWithOptions(func(ctx context.Context, in activities.EnrichInput) (activities.EnrichResult, error) {
		n := f.record(ctx, "enrich")
		f.mu.Lock()
		f.enrichIn = append(f.enrichIn, in)
		f.mu.Unlock()
		if f.enrich != nil {
			return f.enrich(n, in)
		}
		return activities.EnrichResult{Draft: draftOf(in.Source), Summary: "mapped " + in.Source.ID}, nil
	}, activity.RegisterOptions{Name: flow.Activity("enrich")})

	env.RegisterActivityWithOptions(func(ctx context.Context, in activities.CheckExistsInput) (activities.CheckExistsResult, error) {
		n := f.record(ctx, "check-exists")
		if f.exists != nil {
			return f.exists(n, in)
		}
		return activities.CheckExistsResult{Summary: in.Draft.Reference + " not found"}, nil
	}, activity.RegisterOptions{Name: flow.Activity("check-exists")})

	env.RegisterActivityWithOptions(func(ctx context.Context, in activities.CheckExistsBatchInput) (activities.CheckExistsBatchResult, error) {
		n := f.record(ctx, "check-exists-batch")
		f.mu.Lock()
		f.batchIn = append(f.batchIn, in)
		f.mu.Unlock()
		if f.batch != nil {
			return f.batch(n, in)
		}
		return activities.CheckExistsBatchResult{Summary: fmt.Sprintf("none of %d found", len(in.Records))}, nil
	}, activity.RegisterOptions{Name: flow.Activity("check-exists-page")})

	env.RegisterActivityWithOptions(func(ctx context.Context, in activities.UpsertCustomerInput) (activities.UpsertCustomerResult, error) {
		n := f.record(ctx, "upsert-customer")
		f.mu.Lock()
		f.customIn = append(f.customIn, in)
		f.mu.Unlock()
		if f.customer != nil {
			return f.customer(n, in)
		}
		return activities.UpsertCustomerResult{CustomerID: "C-7", Summary: "found customer C-7 by e-mail"}, nil
	}, activity.RegisterOptions{Name: flow.Activity("upsert-customer")})

	env.RegisterActivityWithOptions(func(ctx context.Context, in activities.VerifyProductsInput) (activities.VerifyProductsResult, error) {
		n := f.record(ctx, "verify-products")
		if f.verify != nil {
			return f.verify(n, in)
		}
		return activities.VerifyProductsResult{Summary: "all SKUs found"}, nil
	}, activity.RegisterOptions{Name: flow.Activity("verify-products")})

	env.RegisterActivityWithOptions(func(ctx context.Context, in activities.CommitInput) (activities.CommitResult, error) {
		n := f.record(ctx, "commit")
		f.mu.Lock()
		f.commitIn = append(f.commitIn, in)
		f.mu.Unlock()
		if f.commit != nil {
			return f.commit(n, in)
		}
		if in.DryRun {
			return activities.CommitResult{Summary: "would create " + in.Draft.Reference}, nil
		}
		return activities.CommitResult{TargetID: "T-" + in.Draft.SourceID, Summary: "created " + in.Draft.Reference}, nil
	}, activity.RegisterOptions{Name: flow.Activity("commit")})
}

func (f *fakeSteps) registerNotify(env activityRegistry) {
	env.RegisterActivityWithOptions(func(ctx context.Context, in activities.NotifyInput) (activities.NotifyResult, error) {
		if in.Channel == activities.ChannelEmail {
			f.record(ctx, "notify:email")
			return activities.NotifyResult{Summary: "notify: no email configured"}, nil
		}
		f.record(ctx, "notify")
		f.mu.Lock()
		defer f.mu.Unlock()
		f.notifyIn = append(f.notifyIn, in)
		return activities.NotifyResult{Summary: "posted to the webhook"}, f.notifyErr
	}, activity.RegisterOptions{Name: activities.NotifyNeedsFix})
	env.RegisterActivityWithOptions(func(ctx context.Context, in activities.NotifyInput) (activities.NotifyResult, error) {
		f.record(ctx, "alert:"+in.Status)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.alertIn = append(f.alertIn, in)
		return activities.NotifyResult{Summary: "sent " + in.Status}, nil
	}, activity.RegisterOptions{Name: activities.NotifyAlert})
	env.RegisterActivityWithOptions(func(ctx context.Context, in activities.FailedRecordsInput) (activities.FailedRecordsResult, error) {
		n := f.record(ctx, "sweep")
		if f.sweep != nil {
			return f.sweep(n, in)
		}
		return activities.FailedRecordsResult{Summary: "no failed records"}, nil
	}, activity.RegisterOptions{Name: activities.RecordsFailed})
}

// draftOf is a minimal enrich: the draft carries the source's SKUs and id.
func draftOf(src mapping.SourceOrder) mapping.OrderDraft {
	d := mapping.OrderDraft{
		SourceID:  src.ID,
		Reference: "LS-" + src.ID,
		Date:      src.Date,
		Currency:  src.Currency,
		Customer:  mapping.CustomerDraft{Email: src.Customer.Email, Name: src.Customer.FirstName},
		Total:     src.Total,
	}
	for _, l := range src.Lines {
		d.Lines = append(d.Lines, mapping.LineDraft{SKU: l.SKU, Quantity: l.Quantity, UnitPrice: l.UnitPrice})
	}
	return d
}

func sourceOrder(id string, skus ...string) mapping.SourceOrder {
	o := mapping.SourceOrder{
		Vendor:   "lightspeed",
		ID:       id,
		Date:     "2026-11-27",
		Currency: "SEK",
		Customer: mapping.SourceCustomer{Email: "anna@example.com", FirstName: "Anna"},
		Total:    decimal.RequireFromString("249.00"),
	}
	for _, s := range skus {
		o.Lines = append(o.Lines, mapping.SourceLine{SKU: s, Quantity: decimal.NewFromInt(1), UnitPrice: decimal.RequireFromString("124.50")})
	}
	return o
}

// saTrail records the search attributes a workflow upserts, in order.
type saTrail struct {
	mu       sync.Mutex
	statuses []string
	targetID string
	skus     []string
	sourceID string
}

func watchSearchAttributes(env *testsuite.TestWorkflowEnvironment) *saTrail {
	trail := &saTrail{}
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		trail.mu.Lock()
		defer trail.mu.Unlock()
		if v, ok := sa.GetKeyword(SyncStatusKey()); ok {
			trail.statuses = append(trail.statuses, v)
		}
		if v, ok := sa.GetKeyword(TargetIDKey()); ok {
			trail.targetID = v
		}
		if v, ok := sa.GetKeywordList(SKUsKey()); ok {
			trail.skus = v
		}
		if v, ok := sa.GetKeyword(SourceIDKey()); ok {
			trail.sourceID = v
		}
	}).Return(nil)
	return trail
}

func (s *saTrail) statusTrail() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.statuses...)
}

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	return newEnvOf(t, &testsuite.WorkflowTestSuite{})
}

func newEnvOf(t *testing.T, ts *testsuite.WorkflowTestSuite) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	env := ts.NewTestWorkflowEnvironment()
	env.SetStartTime(time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC))
	env.SetTestTimeout(30 * time.Second)
	env.RegisterWorkflowWithOptions(CustomerUpsert, workflow.RegisterOptions{Name: WorkflowCustomerUpsert})
	env.RegisterWorkflowWithOptions(ConnectionAlert, workflow.RegisterOptions{Name: WorkflowConnectionAlert})
	return env
}

func mustFlow(t *testing.T, id string) Flow {
	t.Helper()
	f, err := FlowByID(id)
	require.NoError(t, err)
	return f
}

// orderRecord is sourceOrder as the engine carries it.
func orderRecord(id string, skus ...string) activities.Record {
	o := sourceOrder(id, skus...)
	return activities.NewRecord(o.ID, o.Created, o)
}

func recordWorkflowID(tenant, flow, sourceID string) (string, error) {
	f, err := FlowByID(flow)
	if err != nil {
		return "", err
	}
	return f.RecordWorkflowID(tenant, sourceID)
}

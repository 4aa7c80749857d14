package workflows

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/activities"
)

func TestWorkflowIDs(t *testing.T) {
	id, err := recordWorkflowID(DefaultTenant, FlowOrdersToFortnox, "1042")
	require.NoError(t, err)
	assert.Equal(t, "default:orders-to-fortnox:sale:1042", id)

	id, err = recordWorkflowID(DefaultTenant, FlowOrdersToLightspeed, "17")
	require.NoError(t, err)
	assert.Equal(t, "default:orders-to-lightspeed:order:17", id)

	assert.Equal(t, "default:products:article:TS-RED-M", RecordWorkflowID(DefaultTenant, FlowProducts, "article:TS-RED-M"))
	assert.Equal(t, "shop2:stock", ScheduleID("shop2", FlowStock))
}

func TestRecordWorkflowIDRejectsBadIDs(t *testing.T) {
	for _, tt := range []struct{ flow, id, want string }{
		{FlowOrdersToFortnox, "", "empty source id"},
		{FlowOrdersToFortnox, "1:2", "contains a colon or space"},
		{FlowOrdersToFortnox, "1 2", "contains a colon or space"},
		{"invoices", "1", `unknown flow "invoices"`},
	} {
		_, err := recordWorkflowID(DefaultTenant, tt.flow, tt.id)
		require.Error(t, err, tt.id)
		assert.Contains(t, err.Error(), tt.want)
	}
}

func TestSearchAttributeDefinitions(t *testing.T) {
	got := map[string]string{}
	for _, d := range SearchAttributeDefinitions() {
		got[d.Name] = d.Type.String()
	}
	assert.Equal(t, map[string]string{
		"SyncStatus": "Keyword", "Tenant": "Keyword", "SyncFlow": "Keyword",
		"SourceID": "Keyword", "TargetID": "Keyword", "SKUs": "KeywordList",
	}, got)
	assert.Equal(t, "SyncStatus", SyncStatusKey().GetName())
	assert.Equal(t, "SKUs", SKUsKey().GetName())
}

func TestRegistryUsesRegisteredNames(t *testing.T) {
	toFortnox := mustFlow(t, FlowOrdersToFortnox)
	assert.Equal(t, activities.OrdersToFortnoxEnrich, toFortnox.Activity("enrich"))
	assert.Equal(t, "OrdersToFortnox.Commit", toFortnox.Activity("commit"))
	assert.Equal(t, TaskQueueLightspeed, toFortnox.Queue("enrich"), "a flow reads its source on the source's queue")
	assert.Equal(t, TaskQueueFortnox, toFortnox.Queue("commit"))
	toLightspeed := mustFlow(t, FlowOrdersToLightspeed)
	assert.Equal(t, activities.OrdersToLightspeedFetch, toLightspeed.Activity(StepFetch))
	assert.Equal(t, "OrdersToLightspeed.VerifyProducts", toLightspeed.Activity("verify-products"))
	assert.Equal(t, []string{"Fetch", "Enrich"}, toLightspeed.Methods(TaskQueueFortnox))
	assert.Equal(t, "Notify.NeedsFix", activities.NotifyNeedsFix)
	for _, f := range Flows() {
		assert.NotNil(t, f.attempt, f.ID)
		for _, s := range f.Steps {
			assert.Contains(t, []string{TaskQueueFortnox, TaskQueueLightspeed}, s.Queue, "%s %s runs on a vendor queue", f.ID, s.Name)
		}
	}
	_, err := FlowByID("nope")
	assert.ErrorContains(t, err, `unknown flow "nope"`)
}

func TestCustomerWorkflowIDHoldsNoEmail(t *testing.T) {
	id := CustomerWorkflowID("default", "Fortnox", " Anna@Example.com ")
	assert.Equal(t, id, CustomerWorkflowID("default", "Fortnox", "anna@example.com"), "one id per customer, whatever the case")
	assert.NotContains(t, strings.ToLower(id), "anna")
	assert.Regexp(t, `^default:customer:fortnox:[0-9a-f]{6}$`, id)
	assert.NotEqual(t, id, CustomerWorkflowID("default", "Fortnox", "bo@example.com"))
}

func TestActivityOptions(t *testing.T) {
	for _, typ := range []string{"Validation", "NotFound", "InvalidGrant", "NeedsFix"} {
		assert.Contains(t, NonRetryableErrorTypes(), typ)
	}
	assert.NotContains(t, NonRetryableErrorTypes(), "RateLimited")
	assert.NotContains(t, NonRetryableErrorTypes(), "Transient")

	vendor := VendorActivityOptions(TaskQueueFortnox)
	assert.Equal(t, TaskQueueFortnox, vendor.TaskQueue)
	assert.True(t, vendor.DisableEagerExecution, "eager activities bypass the queue's rate limit")
	assert.Greater(t, vendor.ScheduleToCloseTimeout, vendor.StartToCloseTimeout)

	fetch := FetchActivityOptions(TaskQueueLightspeed)
	assert.Positive(t, fetch.HeartbeatTimeout)
	assert.Less(t, fetch.HeartbeatTimeout, fetch.StartToCloseTimeout)

	assert.Equal(t, TaskQueueFortspeed, NotifyActivityOptions().TaskQueue)
}

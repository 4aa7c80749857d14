package workflows

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/activities"
)

func TestWorkflowIDs(t *testing.T) {
	id, err := OrderWorkflowID(DefaultTenant, FlowOrdersToFortnox, "1042")
	require.NoError(t, err)
	assert.Equal(t, "default:orders-to-fortnox:sale:1042", id)

	id, err = OrderWorkflowID(DefaultTenant, FlowOrdersToLightspeed, "17")
	require.NoError(t, err)
	assert.Equal(t, "default:orders-to-lightspeed:order:17", id)

	assert.Equal(t, "default:products:article:TS-RED-M", RecordWorkflowID(DefaultTenant, FlowProducts, "article:TS-RED-M"))
	assert.Equal(t, "shop2:stock", ScheduleID("shop2", FlowStock))
}

func TestOrderSourceKeyRejectsBadIDs(t *testing.T) {
	for _, tt := range []struct{ flow, id, want string }{
		{FlowOrdersToFortnox, "", "empty source id"},
		{FlowOrdersToFortnox, "1:2", "contains a colon or space"},
		{FlowOrdersToFortnox, "1 2", "contains a colon or space"},
		{FlowProducts, "1", `unknown order flow "products"`},
	} {
		_, err := OrderSourceKey(tt.flow, tt.id)
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

func TestRoutesUseRegisteredNames(t *testing.T) {
	toFortnox := mustRoute(t, FlowOrdersToFortnox)
	assert.Equal(t, activities.OrdersToFortnoxEnrich, toFortnox.names.Enrich)
	assert.Equal(t, "OrdersToFortnox.Commit", toFortnox.names.Commit)
	toLightspeed := mustRoute(t, FlowOrdersToLightspeed)
	assert.Equal(t, activities.OrdersToLightspeedFetch, toLightspeed.names.Fetch)
	assert.Equal(t, "OrdersToLightspeed.VerifyProducts", toLightspeed.names.VerifyProducts)
	assert.Equal(t, "Notify.NeedsFix", activities.NotifyNeedsFix)
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

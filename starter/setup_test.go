package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"fortspeed/workflows"
)

func TestSetupIsIdempotent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := startServer(t, temporal.NewSearchAttributes()) // the server knows none of ours yet

	out, err := starter(ctx, "setup")
	require.NoError(t, err)
	assert.Contains(t, out, "search attributes: added SKUs, SourceID, SyncFlow, SyncStatus, TargetID, Tenant\n")
	assert.Contains(t, out, "schedule default:orders-to-fortnox: created, every 30s\n")
	assert.Contains(t, out, "schedule default:orders-to-lightspeed: created, every 30s\n")
	assert.Contains(t, out, "schedule default:products: created, every 5m0s\n")
	assert.Contains(t, out, "schedule default:stock: created, every 1m0s\n", "stock runs incrementally every minute")

	// The settings change: orders-to-fortnox every 5 minutes, orders-to-lightspeed off.
	settings := filepath.Join(t.TempDir(), "settings.yaml")
	require.NoError(t, os.WriteFile(settings, []byte(
		"flows:\n  orders-to-fortnox: {enabled: true, schedule: 5m}\n  orders-to-lightspeed: {enabled: false}\n"+
			"orders:\n  product_wait: 2m\n"), 0o600))
	t.Setenv("FORTSPEED_MAPPING_FILE", settings)
	out, err = starter(ctx, "setup")
	require.NoError(t, err)
	assert.Contains(t, out, "search attributes: all 6 present\n")
	assert.Contains(t, out, "schedule default:orders-to-fortnox: updated, every 5m0s\n")
	assert.Contains(t, out, "schedule default:orders-to-lightspeed: paused, the flow is disabled in the settings\n")

	c := srv.Client()
	desc, err := c.ScheduleClient().GetHandle(ctx, "default:orders-to-fortnox").Describe(ctx)
	require.NoError(t, err)
	require.Len(t, desc.Schedule.Spec.Intervals, 1)
	assert.Equal(t, 5*time.Minute, desc.Schedule.Spec.Intervals[0].Every)
	assert.False(t, desc.Schedule.State.Paused)
	action, ok := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	require.True(t, ok)
	assert.Equal(t, workflows.TaskQueueFortspeed, action.TaskQueue)
	require.Len(t, action.Args, 1)
	var input workflows.SyncInput
	payload, ok := action.Args[0].(*commonpb.Payload)
	require.True(t, ok, "described schedule arguments are payloads")
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(payload, &input))
	assert.Equal(t, workflows.SyncInput{Tenant: "default", Flow: workflows.FlowOrdersToFortnox,
		Lookback: 24 * time.Hour, ProductWait: 2 * time.Minute, NeedsFixWait: 7 * 24 * time.Hour}, input)

	desc, err = c.ScheduleClient().GetHandle(ctx, "default:orders-to-lightspeed").Describe(ctx)
	require.NoError(t, err)
	assert.True(t, desc.Schedule.State.Paused)

	// A third run with the same settings changes nothing and says so for the paused one.
	out, err = starter(ctx, "setup")
	require.NoError(t, err)
	assert.Contains(t, out, "schedule default:orders-to-lightspeed: paused (flow disabled)\n")

	// Enabled again: unpaused.
	t.Setenv("FORTSPEED_MAPPING_FILE", "")
	out, err = starter(ctx, "setup")
	require.NoError(t, err)
	assert.Contains(t, out, "schedule default:orders-to-lightspeed: updated, every 30s\n")
	desc, err = c.ScheduleClient().GetHandle(ctx, "default:orders-to-lightspeed").Describe(ctx)
	require.NoError(t, err)
	assert.False(t, desc.Schedule.State.Paused)
}

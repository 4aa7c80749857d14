package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"

	"fortspeed/workflows"
)

// TestPauseResume pauses and resumes a schedule with notes, shows that setup keeps an
// operator's pause and status shows it, and that an unknown schedule is exit code 3.
func TestPauseResume(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := startServer(t, workflows.DevServerSearchAttributes()).Client()

	_, err := starter(ctx, "pause", "stock")
	require.Error(t, err)
	assert.Equal(t, exitNotFound, exitCode(err))
	assert.EqualError(t, err, "no schedule default:stock: run `starter setup` (or the flow is not enabled)")

	_, err = starter(ctx, "setup")
	require.NoError(t, err)
	out, err := starter(ctx, "pause", "orders-to-fortnox", "--note", "year-end closing")
	require.NoError(t, err)
	assert.Equal(t, "schedule default:orders-to-fortnox: paused (year-end closing)\n", out)
	desc, err := c.ScheduleClient().GetHandle(ctx, "default:orders-to-fortnox").Describe(ctx)
	require.NoError(t, err)
	assert.True(t, desc.Schedule.State.Paused)
	assert.Equal(t, "year-end closing", desc.Schedule.State.Note)

	out, err = starter(ctx, "pause", "orders-to-fortnox", "--output", "json")
	require.NoError(t, err)
	var st scheduleStateReport
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	assert.Equal(t, scheduleStateReport{Schedule: "default:orders-to-fortnox", Paused: true, Note: "year-end closing"}, st,
		"pausing a paused schedule keeps its note")

	out, err = starter(ctx, "setup")
	require.NoError(t, err)
	assert.Contains(t, out, "schedule default:orders-to-fortnox: updated, every 30s (stays paused: \"year-end closing\"; `starter resume` runs it)\n")

	out, err = starter(ctx, "status", "--flow", "orders-to-fortnox")
	require.NoError(t, err)
	assert.Contains(t, out, "  schedule   default:orders-to-fortnox every 30s, paused: year-end closing\n")

	out, err = starter(ctx, "resume", "orders-to-fortnox")
	require.NoError(t, err)
	assert.Equal(t, "schedule default:orders-to-fortnox: running (resumed by starter)\n", out)
	desc, err = c.ScheduleClient().GetHandle(ctx, "default:orders-to-fortnox").Describe(ctx)
	require.NoError(t, err)
	assert.False(t, desc.Schedule.State.Paused)

	out, err = starter(ctx, "status", "--flow", "orders-to-fortnox", "--output", "json")
	require.NoError(t, err)
	var rep statusReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	require.Len(t, rep.Flows, 1)
	require.NotNil(t, rep.Flows[0].Schedule)
	assert.False(t, rep.Flows[0].Schedule.Paused)
	assert.NotNil(t, rep.Flows[0].Schedule.NextRun, "a running schedule says when it runs next")
	assert.Equal(t, "30s", rep.Flows[0].Schedule.Every)
}

// TestBackfill starts a backfill run with its own id and --from as the start; without a
// worker it stays running, which is all the command promises without --wait.
func TestBackfill(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := startServer(t, workflows.DevServerSearchAttributes()).Client()

	out, err := starter(ctx, "backfill", "orders-to-fortnox", "--from", "2026-11-01", "--to", "2026-11-16", "--output", "json")
	require.NoError(t, err)
	var rep syncReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	assert.Regexp(t, `^default:orders-to-fortnox:backfill-\d+$`, rep.WorkflowID)
	assert.Equal(t, "backfill", rep.Kind)
	require.NotNil(t, rep.Since)
	assert.Equal(t, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), rep.Since.UTC())
	require.NotNil(t, rep.Until)
	assert.Nil(t, rep.Result, "no --wait: started only")

	var input workflows.SyncInput
	it := c.GetWorkflowHistory(ctx, rep.WorkflowID, "", false, 0)
	ev, err := it.Next()
	require.NoError(t, err)
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(ev.GetWorkflowExecutionStartedEventAttributes().GetInput(), &input))
	require.NotNil(t, input.Since)
	assert.Equal(t, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), input.Since.UTC())
	assert.Equal(t, workflows.FlowOrdersToFortnox, input.Flow)
}

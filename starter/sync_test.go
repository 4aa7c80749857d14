package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"fortspeed/activities"
	"fortspeed/internal/config"
	"fortspeed/internal/workers"
	"fortspeed/workflows"
)

// TestSyncOnTheStack connects both sandboxes, runs the worker in-process and drives the
// order flows through the starter: a dry run that lists each record, a real run, status.
func TestSyncOnTheStack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startStack(ctx, t)

	out, err := starter(ctx, "sync", "orders-to-fortnox", "--since", "30d", "--dry-run")
	okOrAttention(t, out, err)
	t.Logf("dry run:\n%s", out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.GreaterOrEqual(t, len(lines), 3, out)
	assert.Regexp(t, `^dry run default:orders-to-fortnox:manual-\d+: \d+ records on \d+ pages: 0 committed, 0 updated, 0 skipped, \d+ needs_fix, 0 failed, \d+ dry run`, lines[0])
	assert.Regexp(t, `^RECORD +WOULD +DETAIL$`, lines[1])
	records := lines[2:]
	wouldCreate := 0
	for _, line := range records {
		assert.Regexp(t, `^sale:\d+ +(create +.*commit \(dry run\)|create|needs_fix +\S)`, line)
		if strings.Contains(line, " create ") {
			wouldCreate++
		}
	}
	assert.Positive(t, wouldCreate, out)

	// The same as JSON: one document, a verdict per record.
	out, err = starter(ctx, "sync", "orders-to-fortnox", "--since", "30d", "--dry-run", "--output", "json")
	okOrAttention(t, out, err)
	var dry syncReport
	require.NoError(t, json.Unmarshal([]byte(out), &dry), out)
	require.NotNil(t, dry.Result)
	assert.Equal(t, "dry run", dry.Kind)
	assert.Len(t, dry.Records, len(records))
	for _, v := range dry.Records {
		assert.Contains(t, []string{"create", "needs_fix"}, v.Action, v)
	}

	out, err = starter(ctx, "status", "--flow", "orders-to-fortnox")
	okOrAttention(t, out, err)
	assert.Contains(t, out, "committed  0", "a dry run commits nothing")

	out, err = starter(ctx, "sync", "orders-to-fortnox", "--since", "30d", "--wait")
	okOrAttention(t, out, err)
	assert.Equal(t, 1, strings.Count(out, "\n"), "one summary line: %s", out)
	assert.Regexp(t, `\d+ records on \d+ pages: [1-9]\d* committed, 0 updated, 0 skipped, \d+ needs_fix, 0 failed, 0 dry run`, out)
	assert.Equal(t, len(records), countRecords(t, out), "the real run sees the records the dry run listed")

	// The stock flow's dry run lists the items it would write, with what.
	out, err = starter(ctx, "sync", "stock", "--since", "1970-01-01", "--dry-run")
	require.NoError(t, err, out)
	t.Logf("stock dry run (first lines):\n%s", strings.Join(strings.SplitN(out, "\n", 6)[:5], "\n"))
	stock := strings.Split(strings.TrimSpace(out), "\n")
	require.GreaterOrEqual(t, len(stock), 3, out)
	assert.Regexp(t, `^dry run default:stock:manual-\d+: \d+ records on \d+ pages: 0 committed, 0 updated, 0 skipped, 0 needs_fix, 0 failed, [1-9]\d* dry run`, stock[0])
	for _, line := range stock[2:] {
		assert.Regexp(t, `^article:\S+ +write +write \(dry run\): would set item \d+ \(\S+\): qoh -?\d+ in shop 1 \(was -?\d+\)$`, line)
	}

	require.Eventually(t, func() bool {
		out, err = starter(ctx, "status", "--flow", "orders-to-fortnox")
		okOrAttention(t, out, err)
		return !strings.Contains(out, "committed  0")
	}, 20*time.Second, 200*time.Millisecond)
	t.Logf("status:\n%s", out)
	if strings.Contains(out, "waiting for a fix") {
		assert.NotContains(t, out, "reason not recorded yet", "the reason comes from the notification")
	}

	// A scheduled run in status: the schedule is paused at once and triggered once.
	out, err = starter(ctx, "setup")
	require.NoError(t, err, out)
	_, err = starter(ctx, "pause", "orders-to-lightspeed", "--note", "test: one triggered run")
	require.NoError(t, err)
	require.NoError(t, c.ScheduleClient().GetHandle(ctx, "default:orders-to-lightspeed").Trigger(ctx, client.ScheduleTriggerOptions{}))
	var st statusReport
	require.Eventually(t, func() bool {
		out, err = starter(ctx, "status", "--flow", "orders-to-lightspeed", "--output", "json")
		okOrAttention(t, out, err)
		st = statusReport{}
		require.NoError(t, json.Unmarshal([]byte(out), &st), out)
		return st.Flows[0].LastRun != nil && st.Flows[0].LastRun.Status == "completed"
	}, time.Minute, 200*time.Millisecond, "the triggered run completes: %s", out)
	f := st.Flows[0]
	require.NotNil(t, f.LastRun.Result)
	assert.Positive(t, f.LastRun.Result.Records, "the demo orders")
	require.NotNil(t, f.LagSeconds, "a completed run has a cursor")
	assert.GreaterOrEqual(t, *f.LagSeconds, int64(0))
	require.NotNil(t, f.LagFrom, "the lag says what it is measured from")
	if f.LagFrom.From == activities.LagFromRecord {
		assert.Contains(t, []string{"running", "needs_fix", "failed"}, f.LagFrom.Status, "a record not synced yet: %+v", f.LagFrom)
	} else {
		assert.Equal(t, activities.LagFromCursor, f.LagFrom.From)
		assert.Regexp(t, `^default:orders-to-lightspeed-`, f.LagFrom.WorkflowID, "the scheduled run's cursor")
		assert.True(t, f.LagFrom.Since.Equal(f.LastRun.Result.Cursor), "the last run's cursor: %+v", f.LagFrom)
	}
	assert.Equal(t, "test: one triggered run", f.Schedule.Note)
	out, err = starter(ctx, "status", "--flow", "orders-to-lightspeed")
	okOrAttention(t, out, err)
	t.Logf("status after a scheduled run:\n%s", out)
	assert.Regexp(t, `\n  last run   default:orders-to-lightspeed-\S+ completed at \S+: \d+ records on \d+ pages: `, out)
	assert.Regexp(t, `\n  lag        \S+, the oldest unsynced change: (record default:orders-to-lightspeed:order:\S+, (running|needs_fix|failed), started|the cursor \S+ of the last successful run default:orders-to-lightspeed-)`, out)
}

// startStack starts the sandboxes and a dev server, connects both accounts and runs the
// worker in-process until the test ends.
func startStack(ctx context.Context, t *testing.T) client.Client {
	t.Helper()
	useSandboxes(t)
	srv := startServer(t, workflows.DevServerSearchAttributes())
	for _, vendor := range []string{"fortnox", "lightspeed"} {
		_, err := starter(ctx, "connect", vendor, "--follow")
		require.NoError(t, err)
	}
	cfg, err := config.Load()
	require.NoError(t, err)
	env, err := workers.LoadEnv()
	require.NoError(t, err)
	proc, err := workers.New(ctx, cfg, workers.Options{Env: env, Logger: zap.NewNop()})
	require.NoError(t, err)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- proc.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		require.NoError(t, <-done)
		proc.Close()
	})
	return srv.Client()
}

// okOrAttention accepts success or exit code 4 (records in needs_fix): the demo data has
// sales that need a fix on purpose.
func okOrAttention(t *testing.T, out string, err error) {
	t.Helper()
	if err != nil {
		require.Equal(t, exitAttention, exitCode(err), "%v\n%s", err, out)
	}
}

// countRecords reads the record count from the counts line.
func countRecords(t *testing.T, out string) int {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		var n, pages int
		_, counts, ok := strings.Cut(line, ": ")
		if _, err := fmt.Sscanf(counts, "%d records on %d pages", &n, &pages); ok && err == nil {
			return n
		}
	}
	t.Fatalf("no counts line in %q", out)
	return 0
}

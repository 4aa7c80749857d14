package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"golang.org/x/term"

	"fortspeed/workflows"
)

// isTerminal reports whether w is a terminal, where sync draws its progress bar.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// liveCounts are the children of a run by outcome, as visibility shows them.
type liveCounts struct {
	started                                            int64
	committed, updated, skipped, needsFix, failed, dry int64
}

func (l liveCounts) done() int64 {
	return l.committed + l.updated + l.skipped + l.needsFix + l.failed + l.dry
}

func (l liveCounts) String() string {
	s := fmt.Sprintf("%d committed, %d updated, %d skipped, %d needs_fix, %d failed", l.committed, l.updated, l.skipped, l.needsFix, l.failed)
	if l.dry > 0 {
		s += fmt.Sprintf(", %d dry run", l.dry)
	}
	return s
}

// followRun waits for the run and meanwhile draws a bar of its records: the children started
// so far against those with an outcome, with the counts per outcome. The parent keeps its
// counts to itself until it ends, so the live counts come from the children's SyncStatus
// in visibility (a little behind); the final line is the parent's own result.
func followRun(ctx context.Context, c client.Client, namespace string, run client.WorkflowRun, res *workflows.SyncResult, out io.Writer) error {
	done := make(chan error, 1)
	go func() { done <- run.Get(ctx, res) }()
	bar := progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(out),
		progressbar.OptionSetDescription("starting"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionSetWidth(30),
		progressbar.OptionFullWidth(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetRenderBlankState(true),
	)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				_ = bar.Exit()
				fmt.Fprintln(out)
				return err
			}
			final := liveCounts{started: int64(res.Children), committed: int64(res.Committed), updated: int64(res.Updated),
				skipped: int64(res.Skipped), needsFix: int64(res.NeedsFix), failed: int64(res.Failed), dry: int64(res.DryRun)}
			total := max(final.done(), 1)
			bar.ChangeMax64(total)
			bar.Describe(final.String())
			_ = bar.Set64(total)
			_ = bar.Finish()
			fmt.Fprintln(out)
			return nil
		case <-tick.C:
			live, err := countChildren(ctx, c, namespace, run.GetID())
			if err != nil {
				bar.Describe("counts unavailable: " + err.Error())
				continue
			}
			if live.started > 0 {
				bar.ChangeMax64(live.started)
				_ = bar.Set64(min(live.done(), live.started))
			}
			bar.Describe(live.String())
		}
	}
}

// countChildren counts a parent's children per SyncStatus.
func countChildren(ctx context.Context, c client.Client, namespace, parentID string) (liveCounts, error) {
	var l liveCounts
	scope := fmt.Sprintf("ParentWorkflowId = '%s'", parentID)
	for _, q := range []struct {
		status workflows.Status
		n      *int64
	}{
		{"", &l.started}, {workflows.StatusCommitted, &l.committed}, {workflows.StatusUpdated, &l.updated},
		{workflows.StatusSkipped, &l.skipped}, {workflows.StatusNeedsFix, &l.needsFix}, {workflows.StatusFailed, &l.failed},
		{workflows.StatusDryRun, &l.dry},
	} {
		query := scope
		if q.status != "" {
			query += fmt.Sprintf(" AND %s = '%s'", workflows.SearchAttrSyncStatus, q.status)
		}
		resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace, Query: query})
		if err != nil {
			return l, fmt.Errorf("count the records of %s: %w", parentID, err)
		}
		*q.n = resp.GetCount()
	}
	return l, nil
}

package workflows

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
)

// TestReplayRecordedHistories replays every history in testdata/ (exported from a real run
// with `temporal workflow show --workflow-id ID --output json`) against the current code,
// so a change that would break running workflows fails here instead of in production.
// Guard such a change with workflow.GetVersion and record a new history beside the old.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	if len(files) == 0 {
		t.Skip("no recorded histories in workflows/testdata (see testdata/README.md)")
	}
	replayer := worker.NewWorkflowReplayer()
	RegisterWorkflows(replayer)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			require.NoError(t, replayer.ReplayWorkflowHistoryFromJSONFile(nil, file))
		})
	}
}

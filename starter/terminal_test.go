package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSyncProgressBar runs `starter sync` in a tmux pane, a real terminal, against the
// stack: it draws the progress bar with the live counts and finishes it at 100 % with the
// run's own counts, then prints the summary line.
func TestSyncProgressBar(t *testing.T) {
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not installed (apt-get install tmux)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	startStack(ctx, t)

	dir := t.TempDir()
	bin := filepath.Join(dir, "starter")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	// The pane's shell gets the test's environment through a script: a tmux server keeps
	// the environment it started with.
	var script strings.Builder
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		for _, prefix := range []string{"TEMPORAL_", "FORTNOX_", "LIGHTSPEED_", "FORTSPEED_"} {
			if strings.HasPrefix(k, prefix) {
				fmt.Fprintf(&script, "export %s='%s'\n", k, strings.ReplaceAll(v, "'", `'\''`))
			}
		}
	}
	fmt.Fprintf(&script, "%s sync orders-to-fortnox --since 30d\necho \"exit=$?\"\nsleep 600\n", bin)
	scriptPath := filepath.Join(dir, "run.sh")
	require.NoError(t, os.WriteFile(scriptPath, []byte(script.String()), 0o700))

	sock := filepath.Join(dir, "tmux.sock")
	tm := func(args ...string) (string, error) {
		out, err := exec.CommandContext(ctx, tmux, append([]string{"-S", sock}, args...)...).CombinedOutput()
		return string(out), err
	}
	_, err = tm("new-session", "-d", "-x", "160", "-y", "20", "sh", scriptPath)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = exec.Command(tmux, "-S", sock, "kill-server").CombinedOutput() })

	var pane string
	require.Eventually(t, func() bool {
		pane, err = tm("capture-pane", "-p")
		require.NoError(t, err, pane)
		return strings.Contains(pane, "exit=")
	}, 2*time.Minute, 200*time.Millisecond, "the sync ends: %s", pane)
	t.Logf("pane:\n%s", pane)
	assert.Contains(t, pane, "exit=0")
	assert.Regexp(t, `30 committed, 0 updated, 0 skipped, 0 needs_fix, 0 failed +100% \|█+\| \(30/30\)`, pane, "the bar finished with the run's counts")
	assert.Regexp(t, `sync default:orders-to-fortnox:manual-\d+: 30 records on 1 pages: 30 committed`, pane)
}

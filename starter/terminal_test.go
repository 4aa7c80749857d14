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

	"fortspeed/workflows"
)

// terminal is a tmux pane, a real terminal, running one starter command line.
type terminal struct {
	t    *testing.T
	ctx  context.Context
	tmux string
	sock string
}

// startTerminal builds starter and runs it with args in a new tmux pane, with the test's
// environment (a tmux server keeps the environment it started with, so a script passes
// it on). The pane prints exit=<code> when starter ends.
func startTerminal(ctx context.Context, t *testing.T, args ...string) *terminal {
	t.Helper()
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		t.Skip("tmux is not installed (apt-get install tmux)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "starter")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
	var script strings.Builder
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		for _, prefix := range []string{"TEMPORAL_", "FORTNOX_", "LIGHTSPEED_", "FORTSPEED_"} {
			if strings.HasPrefix(k, prefix) {
				fmt.Fprintf(&script, "export %s=%s\n", k, quote(v))
			}
		}
	}
	script.WriteString(quote(bin))
	for _, a := range args {
		script.WriteString(" " + quote(a))
	}
	script.WriteString("\necho \"exit=$?\"\nsleep 600\n")
	scriptPath := filepath.Join(dir, "run.sh")
	require.NoError(t, os.WriteFile(scriptPath, []byte(script.String()), 0o700))

	term := &terminal{t: t, ctx: ctx, tmux: tmux, sock: filepath.Join(dir, "tmux.sock")}
	term.run("new-session", "-d", "-x", "160", "-y", "50", "sh", scriptPath)
	t.Cleanup(func() { _, _ = exec.Command(tmux, "-S", term.sock, "kill-server").CombinedOutput() })
	return term
}

func (term *terminal) run(args ...string) string {
	term.t.Helper()
	out, err := exec.CommandContext(term.ctx, term.tmux, append([]string{"-S", term.sock}, args...)...).CombinedOutput()
	require.NoError(term.t, err, string(out))
	return string(out)
}

// answer waits for the n-th question (a prompt ends in "]: ") and types text and Enter,
// as a person answering it.
func (term *terminal) answer(n int, text string) {
	term.t.Helper()
	var pane string
	require.Eventually(term.t, func() bool {
		pane = term.run("capture-pane", "-p", "-J", "-S", "-200")
		return strings.Count(pane, "]: ") >= n
	}, time.Minute, 100*time.Millisecond, "question %d is asked: %s", n, pane)
	if text != "" {
		term.run("send-keys", "-t", "0", "-l", text)
	}
	term.run("send-keys", "-t", "0", "Enter")
}

// waitExit waits for starter to end and returns the pane's text.
func (term *terminal) waitExit() string {
	term.t.Helper()
	var pane string
	require.Eventually(term.t, func() bool {
		pane = term.run("capture-pane", "-p", "-J", "-S", "-200")
		return strings.Contains(pane, "exit=")
	}, 2*time.Minute, 200*time.Millisecond, "starter ends: %s", pane)
	term.t.Logf("pane:\n%s", pane)
	return pane
}

// TestSyncProgressBar runs `starter sync` on a terminal against the stack: it draws the
// progress bar with the live counts and finishes it at 100 % with the run's own counts,
// then prints the summary line.
func TestSyncProgressBar(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	startStack(ctx, t)

	pane := startTerminal(ctx, t, "sync", "orders-to-fortnox", "--since", "30d").waitExit()
	assert.Contains(t, pane, "exit=0")
	assert.Regexp(t, `30 committed, 0 updated, 0 skipped, 0 needs_fix, 0 failed +100% \|█+\| \(30/30\)`, pane, "the bar finished with the run's counts")
	assert.Regexp(t, `sync default:orders-to-fortnox:manual-\d+: 30 records on 1 pages: 30 committed`, pane)
}

// TestInitOnATerminal completes a set-up with init on a terminal: Lightspeed is connected
// when init asks, the answers are typed, the file is written, checked and set up.
func TestInitOnATerminal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	startServer(t, workflows.DevServerSearchAttributes())
	useSandboxes(t)
	t.Setenv("FORTNOX_TENANT_ID", "1234567")
	startWorker(t)
	file := filepath.Join(t.TempDir(), "fortspeed.yaml")

	term := startTerminal(ctx, t, "init", "--follow", "--file", file)
	for i, text := range []string{
		"yes",                     // connect Lightspeed
		"orders-to-fortnox,stock", // flows
		"1m", "",                  // schedules
		"", "", // no default customer; walk-in Kontantkund
		"", "", "", "KORT", "", "", // payment types
		"", "2", // stock calculation and shop
	} {
		term.answer(i+1, text)
	}
	pane := term.waitExit()
	assert.Contains(t, pane, "exit=0")
	assert.Contains(t, pane, "Lightspeed is not connected")
	assert.Contains(t, pane, "Lightspeed connected (default:connection:lightspeed, connected)")
	assert.Contains(t, pane, "wrote "+file)
	assert.Contains(t, pane, "schedule default:orders-to-fortnox: created, every 1m0s")
	assert.Contains(t, pane, "pre-flight: the settings of orders-to-fortnox and stock match Fortnox and Lightspeed")
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Contains(t, string(data), "Gift Card: KORT")
	assert.Contains(t, string(data), `shop_id: "2"`)
}

package workers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"fortspeed/internal/notify"
	"fortspeed/internal/tokenfile"
)

// recordingNotifier keeps the notifications it is sent.
type recordingNotifier struct {
	mu   sync.Mutex
	sent []notify.Notification
}

func (r *recordingNotifier) Notify(_ context.Context, n notify.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, n)
	return nil
}

// readOnly makes dir unwritable until the returned function undoes it. It takes away the
// write permission; root writes regardless, so there the directory is swapped for a file,
// which fails every write below it the same way.
func readOnly(t *testing.T, dir string) (restore func()) {
	t.Helper()
	if os.Geteuid() != 0 {
		require.NoError(t, os.Chmod(dir, 0o500))
		return func() { require.NoError(t, os.Chmod(dir, 0o700)) }
	}
	moved := dir + ".moved"
	require.NoError(t, os.Rename(dir, moved))
	require.NoError(t, os.WriteFile(dir, nil, 0o400))
	return func() {
		require.NoError(t, os.Remove(dir))
		require.NoError(t, os.Rename(moved, dir))
	}
}

// TestUnsavedTokenPairIsKeptAlertedAndSavedAgain: the sandbox rotates the refresh token
// while the token directory is read-only. The new pair is used and kept, one alert and
// one log line say so without the token, and the next use once the directory is writable
// saves it; the saved refresh token is the live one.
func TestUnsavedTokenPairIsKeptAlertedAndSavedAgain(t *testing.T) {
	sb := startSandboxes(t)
	cfg := sandboxConfig(t, sb)
	env := Env{StateDir: t.TempDir()}
	path := TokenPath(env.StateDir, Tenant, VendorLightspeed)
	minted := mintToken(t, sb.lightspeed, 2) // inside the expiry margin: the first use refreshes
	require.NoError(t, tokenfile.Save(path, minted))

	core, logs := observer.New(zapcore.DebugLevel)
	notes := &recordingNotifier{}
	conns := connections{env: env, logger: zap.New(core), notifier: notes}
	src, err := conns.tokenSource(VendorLightspeed, LightspeedOAuth(cfg, nil))
	require.NoError(t, err)
	ctx := context.Background()

	restore := readOnly(t, filepath.Dir(path))
	access, err := src.Token(ctx)
	require.NoError(t, err, "the rotated pair is used although it could not be saved")
	rotated := src.Current()
	require.NotEqual(t, minted.RefreshToken, rotated.RefreshToken)
	require.True(t, src.Unsaved())
	_, err = src.Token(ctx)
	require.NoError(t, err)

	require.Len(t, notes.sent, 1, "one alert, not one per use")
	assert.Equal(t, "token_not_saved", notes.sent[0].Status)
	assert.Equal(t, "default:connection:lightspeed", notes.sent[0].WorkflowID)
	assert.Contains(t, notes.sent[0].Reason, "keeps it in memory")
	require.Equal(t, 1, logs.FilterMessage("rotated token pair not saved; kept in memory").Len())

	restore()
	_, err = src.Token(ctx)
	require.NoError(t, err)
	assert.False(t, src.Unsaved())
	assert.Equal(t, 1, logs.FilterMessage("rotated token pair saved again").Len())
	onDisk, err := tokenfile.Load(path)
	require.NoError(t, err)
	assert.Equal(t, rotated.RefreshToken, onDisk.RefreshToken)
	assert.Equal(t, rotated.AccessToken, onDisk.AccessToken)

	for _, entry := range logs.All() {
		line := entry.Message
		for k, v := range entry.ContextMap() {
			line += fmt.Sprintf(" %s=%v", k, v)
		}
		for _, secret := range []string{access, rotated.RefreshToken, minted.AccessToken, minted.RefreshToken} {
			assert.NotContains(t, line, secret, "log line: %s", line)
		}
	}
	for _, n := range notes.sent {
		assert.NotContains(t, n.Reason, rotated.RefreshToken)
	}

	// The saved pair is the live one: a new process starting from the file refreshes with it.
	again, err := conns.tokenSource(VendorLightspeed, LightspeedOAuth(cfg, nil))
	require.NoError(t, err)
	_, err = again.Refresh(ctx, access)
	require.NoError(t, err, "the refresh token on disk was not retired")
}

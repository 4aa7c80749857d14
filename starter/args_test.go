package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBadArguments(t *testing.T) {
	ctx := context.Background()
	t.Setenv("FORTNOX_CLIENT_ID", "")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"sync"}, "name one flow: orders-to-fortnox, orders-to-lightspeed, products or stock"},
		{[]string{"sync", "orders"}, `unknown flow "orders"; the flows that run are orders-to-fortnox, orders-to-lightspeed, products and stock`},
		{[]string{"sync", "orders-to-fortnox", "--since", "yesterday"}, `--since: want a time (2026-11-27T08:00:00Z), a date (2026-11-27) or a duration ago (2h, 3d), got "yesterday"`},
		{[]string{"sync", "orders-to-fortnox", "--wait=maybe"}, `invalid argument "maybe" for "--wait" flag`},
		{[]string{"status", "--flow", "invoices"}, `--flow: unknown flow "invoices"`},
		{[]string{"retry"}, "name one workflow id, such as default:orders-to-fortnox:sale:1042"},
		{[]string{"retry", " "}, "name one workflow id"},
		{[]string{"connect"}, "name one vendor: fortnox or lightspeed"},
		{[]string{"connect", "shopify"}, `unknown vendor "shopify": want fortnox or lightspeed`},
		{[]string{"connect", "fortnox", "--port", "70000"}, "--port: want 0 (any free port) to 65535, got 70000"},
		{[]string{"connect", "fortnox"}, "FORTNOX_CLIENT_ID and FORTNOX_CLIENT_SECRET: both must be set"},
		{[]string{"connect", "fortnox", "--output", "json"}, "--output json: starter connect has no JSON answer"},
		{[]string{"status", "--output", "yaml"}, `--output: want text or json, got "yaml"`},
		{[]string{"check", "now"}, `unknown command "now" for "starter check"`},
		{[]string{"pause"}, "name one flow: orders-to-fortnox, orders-to-lightspeed, products or stock"},
		{[]string{"resume", "orders"}, `unknown flow "orders"`},
		{[]string{"backfill", "stock"}, "--from: name the time to sync from"},
		{[]string{"backfill", "stock", "--from", "soon"}, `--from: want a time (2026-11-27T08:00:00Z), a date (2026-11-27) or a duration ago (2h, 3d), got "soon"`},
		{[]string{"retry", "--all-needs-fix", "--flow", "x"}, `--flow: unknown flow "x"`},
		{[]string{"backfill", "stock", "--from", "2026-11-20", "--to", "2026-11-01"}, "--to 2026-11-01T00:00:00Z is not after --from 2026-11-20T00:00:00Z"},
		{[]string{"retry", "--flow", "stock"}, "--flow goes with --all-needs-fix"},
		{[]string{"retry", "x", "--all-needs-fix"}, "give a workflow id or --all-needs-fix, not both"},
		{[]string{"sync", "stock", "--dry-run=perhaps"}, `invalid argument "perhaps" for "--dry-run" flag`},
		{[]string{"setup", "now"}, `unknown command "now" for "starter setup"`},
		{[]string{"deploy"}, `unknown command "deploy" for "starter"`},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			_, err := starter(ctx, tt.args...)
			require.Error(t, err, tt.args)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, exitUsage, exitCode(err), "%v: %v", tt.args, err)
		})
	}

	t.Run("bad environment", func(t *testing.T) {
		t.Setenv("FORTSPEED_LOG_LEVEL", "loud")
		_, err := starter(ctx, "status")
		require.EqualError(t, err, `FORTSPEED_LOG_LEVEL: want debug, info, warn or error, got "loud"`)
		assert.Equal(t, exitUsage, exitCode(err))
	})
}

// TestHelpListsExitCodes: scripts find the exit codes in --help of starter and each command.
func TestHelpListsExitCodes(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"status", "--help"}, {"sync", "--help"}} {
		out, err := starter(context.Background(), args...)
		require.NoError(t, err)
		assert.Contains(t, out, exitCodesHelp, args)
	}
}

// TestUnreachableServer is exit code 5, so a script can tell an outage from a bad record.
func TestUnreachableServer(t *testing.T) {
	t.Setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")
	t.Setenv("FORTSPEED_ALLOW_PLAINTEXT", "true")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := starter(ctx, "status")
	require.Error(t, err)
	assert.Equal(t, exitConnect, exitCode(err), "%v", err)
}

// TestNoPayloadKeys is a configuration error (exit code 2) naming how to make a key, before
// anything reaches Temporal.
func TestNoPayloadKeys(t *testing.T) {
	t.Setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")
	for _, v := range []string{"FORTSPEED_ENCRYPTION_KEYS", "FORTSPEED_ALLOW_PLAINTEXT"} {
		t.Setenv(v, "") // restored after the test
		require.NoError(t, os.Unsetenv(v))
	}
	_, err := starter(context.Background(), "status")
	require.Error(t, err)
	assert.Equal(t, exitUsage, exitCode(err), "%v", err)
	assert.Contains(t, err.Error(), "openssl rand -base64 32")
}

func TestDevHelp(t *testing.T) {
	out, err := starter(context.Background(), "dev", "--help")
	require.NoError(t, err)
	assert.Contains(t, out, "dev starts the Temporal dev server")
	assert.Contains(t, out, "--dir string")
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2026-11-20T08:30:00Z":      time.Date(2026, 11, 20, 8, 30, 0, 0, time.UTC),
		"2026-11-20T08:30:00+01:00": time.Date(2026, 11, 20, 7, 30, 0, 0, time.UTC),
		"2026-11-20":                time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
		"90m":                       now.Add(-90 * time.Minute),
		"3d":                        now.Add(-72 * time.Hour),
	} {
		got, err := parseTime("--since", in, now)
		require.NoError(t, err, in)
		assert.True(t, want.Equal(got), "%s: got %s", in, got)
	}
	for _, bad := range []string{"", "-2h", "0d", "2w", "27/11/2026"} {
		_, err := parseTime("--since", bad, now)
		require.Error(t, err, bad)
	}
}

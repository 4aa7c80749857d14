package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/internal/codec"
	"fortspeed/internal/config"
	"fortspeed/mapping"
)

func TestDemoKeyIsMadeOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	first, path, err := demoKey(dir)
	require.NoError(t, err)
	require.Len(t, first, 1)
	assert.Equal(t, "demo", first[0].ID)
	assert.Len(t, first[0].Secret, 32)
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	again, _, err := demoKey(dir)
	require.NoError(t, err)
	assert.Equal(t, first, again, "the next start decrypts the last one's payloads")

	require.NoError(t, os.WriteFile(path, []byte("demo:short"), 0o600))
	_, _, err = demoKey(dir)
	require.ErrorContains(t, err, "delete the file to make a new one")
}

func TestDemoSettingsAndConfig(t *testing.T) {
	dir := t.TempDir()
	path, err := demoSettings(dir)
	require.NoError(t, err)
	settings, err := mapping.Load(path)
	require.NoError(t, err)
	assert.Empty(t, settings.Orders.DefaultCustomer.Fortnox, "the demo keeps the shipped customer settings")
	assert.Equal(t, "Kontantkund", settings.Orders.WalkInCustomer, "anonymous sales go to the walk-in customer")

	base, err := config.Load()
	require.NoError(t, err)
	base.Fortspeed.NotifyWebhookURL = "https://hooks.example/T1"
	keys, _, err := demoKey(dir)
	require.NoError(t, err)
	cfg := devConfig(base, keys)
	assert.Equal(t, "127.0.0.1:7233", cfg.Temporal.Address)
	assert.Equal(t, "http://127.0.0.1:8081", cfg.Fortnox.BaseURL)
	assert.Equal(t, "http://127.0.0.1:8082", cfg.Lightspeed.AuthURL)
	assert.Equal(t, "fortspeed-demo", cfg.Lightspeed.ClientID)
	assert.Equal(t, keys, []codec.Key(cfg.Fortspeed.EncryptionKeys))
	assert.Equal(t, "https://hooks.example/T1", cfg.Fortspeed.NotifyWebhookURL, "the user's own settings stay")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "temporal.db"), []byte("old"), 0o600))
	require.NoError(t, removeHistory(dir))
	assert.NoFileExists(t, filepath.Join(dir, "temporal.db"))
	require.NoError(t, removeHistory(dir), "nothing to remove is fine")
}

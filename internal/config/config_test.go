package config

import (
	"bytes"
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func key(fill byte, n int) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{fill}, n))
}

func TestLoadDefaults(t *testing.T) {
	// Bare names must never be read as fallbacks for the full ones.
	t.Setenv("PORT", "1")
	t.Setenv("ADDRESS", "x:1")
	t.Setenv("USERNAME", "root")
	c, err := Load()
	require.NoError(t, err)

	assert.Equal(t, "127.0.0.1:7233", c.Temporal.Address)
	assert.Equal(t, "default", c.Temporal.Namespace)
	assert.Equal(t, "https://api.fortnox.se", c.Fortnox.BaseURL)
	assert.Equal(t, "https://apps.fortnox.se", c.Fortnox.AuthURL)
	assert.Equal(t, "https://api.lightspeedapp.com", c.Lightspeed.BaseURL)
	assert.Equal(t, "https://cloud.lightspeedapp.com", c.Lightspeed.AuthURL)
	assert.Equal(t, "info", c.Fortspeed.LogLevel)
	assert.Equal(t, "json", c.Fortspeed.LogFormat)
	assert.Equal(t, TaskQueues{QueueWorkflows, QueueFortnox, QueueLightspeed}, c.Fortspeed.TaskQueues)
	assert.Equal(t, 587, c.Fortspeed.SMTP.Port)
	assert.Empty(t, c.Fortspeed.SMTP.Username)
	assert.Empty(t, c.Fortspeed.EncryptionKeys)
	assert.Equal(t, "127.0.0.1:8083", c.Fortspeed.CodecAddr)
}

func TestLoadValues(t *testing.T) {
	env := map[string]string{
		"TEMPORAL_ADDRESS":             "ns.acct.tmprl.cloud:7233",
		"TEMPORAL_NAMESPACE":           "ns.acct",
		"TEMPORAL_API_KEY":             "apikey",
		"FORTNOX_BASE_URL":             "http://127.0.0.1:8081",
		"FORTNOX_CLIENT_ID":            "fortspeed-demo",
		"LIGHTSPEED_ACCOUNT_ID":        "12345",
		"FORTSPEED_ENCRYPTION_KEYS":    "k2:" + key(2, 32) + ",k1:" + key(1, 32),
		"FORTSPEED_TASK_QUEUES":        "fortnox-api, fortspeed,fortnox-api",
		"FORTSPEED_LOG_LEVEL":          "debug",
		"FORTSPEED_LOG_FORMAT":         "console",
		"FORTSPEED_MAPPING_FILE":       "/etc/fortspeed/settings.yaml",
		"FORTSPEED_NOTIFY_WEBHOOK_URL": "https://hooks.example/T1/B2",
		"FORTSPEED_SMTP_HOST":          "smtp.example",
		"FORTSPEED_SMTP_FROM":          "fortspeed@example.se",
		"FORTSPEED_SMTP_TO":            "ops@example.se",
		"FORTSPEED_SMTP_PORT":          "25",
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	c, err := Load()
	require.NoError(t, err)
	assert.Equal(t, "ns.acct.tmprl.cloud:7233", c.Temporal.Address)
	assert.Equal(t, "apikey", c.Temporal.APIKey)
	assert.Equal(t, "http://127.0.0.1:8081", c.Fortnox.BaseURL)
	assert.Equal(t, "fortspeed-demo", c.Fortnox.ClientID)
	assert.Equal(t, "12345", c.Lightspeed.AccountID)
	require.Len(t, c.Fortspeed.EncryptionKeys, 2)
	assert.Equal(t, "k2", c.Fortspeed.EncryptionKeys[0].ID)
	assert.Equal(t, TaskQueues{QueueFortnox, QueueWorkflows}, c.Fortspeed.TaskQueues)
	assert.True(t, c.Fortspeed.TaskQueues.Has(QueueFortnox))
	assert.False(t, c.Fortspeed.TaskQueues.Has(QueueLightspeed))
	assert.Equal(t, 25, c.Fortspeed.SMTP.Port)
	assert.Equal(t, []string{"ops@example.se"}, c.Fortspeed.SMTP.Recipients())
	assert.Equal(t, "/etc/fortspeed/settings.yaml", c.Fortspeed.MappingFile)
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"short key", map[string]string{"FORTSPEED_ENCRYPTION_KEYS": "k1:" + key(1, 16)}, `FORTSPEED_ENCRYPTION_KEYS: key "k1" is 16 bytes, want 32`},
		{"key not base64", map[string]string{"FORTSPEED_ENCRYPTION_KEYS": "k1:???"}, `FORTSPEED_ENCRYPTION_KEYS: key "k1" is not base64`},
		{"unknown queue", map[string]string{"FORTSPEED_TASK_QUEUES": "fortspeed,shopify-api"}, `FORTSPEED_TASK_QUEUES: unknown task queue "shopify-api" (known: fortspeed, fortnox-api, lightspeed-api)`},
		{"no queue", map[string]string{"FORTSPEED_TASK_QUEUES": " , "}, `FORTSPEED_TASK_QUEUES: name at least one task queue`},
		{"bad bool", map[string]string{"TEMPORAL_TLS": "sure"}, `TEMPORAL_TLS: want true or false, got "sure"`},
		{"bad int", map[string]string{"FORTSPEED_SMTP_PORT": "smtp"}, `FORTSPEED_SMTP_PORT: want a whole number, got "smtp"`},
		{"port range", map[string]string{"FORTSPEED_SMTP_PORT": "70000"}, `FORTSPEED_SMTP_PORT: want 1-65535, got 70000`},
		{"bad url", map[string]string{"FORTNOX_BASE_URL": "api.fortnox.se"}, `FORTNOX_BASE_URL: want an http(s) URL, got "api.fortnox.se"`},
		{"bad webhook", map[string]string{"FORTSPEED_NOTIFY_WEBHOOK_URL": "hooks/secret-part"}, `FORTSPEED_NOTIFY_WEBHOOK_URL: not an http(s) URL`},
		{"origin slash", map[string]string{"FORTSPEED_CODEC_ORIGIN": "http://localhost:8233/"}, `FORTSPEED_CODEC_ORIGIN: no trailing / on an origin`},
		{"bad address", map[string]string{"TEMPORAL_ADDRESS": "localhost"}, `TEMPORAL_ADDRESS: want host:port, got "localhost"`},
		{"empty namespace", map[string]string{"TEMPORAL_NAMESPACE": ""}, `TEMPORAL_NAMESPACE: must not be empty`},
		{"cert without key", map[string]string{"TEMPORAL_TLS_CLIENT_CERT_PATH": "/c.pem"}, `TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH: set both or neither`},
		{"api key and cert", map[string]string{"TEMPORAL_API_KEY": "k", "TEMPORAL_TLS_CLIENT_CERT_PATH": "/c.pem", "TEMPORAL_TLS_CLIENT_KEY_PATH": "/k.pem"}, `TEMPORAL_API_KEY: set an API key or a TLS client certificate, not both`},
		{"log level", map[string]string{"FORTSPEED_LOG_LEVEL": "loud"}, `FORTSPEED_LOG_LEVEL: want debug, info, warn or error, got "loud"`},
		{"log format", map[string]string{"FORTSPEED_LOG_FORMAT": "xml"}, `FORTSPEED_LOG_FORMAT: want json or console, got "xml"`},
		{"smtp without to", map[string]string{"FORTSPEED_SMTP_HOST": "smtp.example"}, `FORTSPEED_SMTP_FROM and FORTSPEED_SMTP_TO: must be set with FORTSPEED_SMTP_HOST`},
		{"smtp to without host", map[string]string{"FORTSPEED_SMTP_TO": "ops@example.se"}, `FORTSPEED_SMTP_HOST: must be set with FORTSPEED_SMTP_FROM, FORTSPEED_SMTP_TO or FORTSPEED_SMTP_USERNAME`},
		{"smtp bad from", map[string]string{"FORTSPEED_SMTP_HOST": "smtp.example", "FORTSPEED_SMTP_FROM": "fortspeed", "FORTSPEED_SMTP_TO": "ops@example.se"}, `FORTSPEED_SMTP_FROM: want an e-mail address, got "fortspeed"`},
		{"smtp bad to", map[string]string{"FORTSPEED_SMTP_HOST": "smtp.example", "FORTSPEED_SMTP_FROM": "a@example.se", "FORTSPEED_SMTP_TO": "ops@example.se, kim"}, `FORTSPEED_SMTP_TO: want comma-separated e-mail addresses, "kim" is not one`},
		{"smtp user without password", map[string]string{"FORTSPEED_SMTP_HOST": "smtp.example", "FORTSPEED_SMTP_FROM": "a@example.se", "FORTSPEED_SMTP_TO": "ops@example.se", "FORTSPEED_SMTP_USERNAME": "u"}, `FORTSPEED_SMTP_USERNAME and FORTSPEED_SMTP_PASSWORD: set both or neither`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			_, err := Load()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "envconfig", "no library wording")
		})
	}
}

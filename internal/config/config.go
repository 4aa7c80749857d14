// Package config reads the environment of a fortspeed process (the tenant `default`) into
// one struct, so every main validates it the same way and fails at start with one line that
// names the variable and what is wrong.
package config

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"

	"github.com/kelseyhightower/envconfig"
	"go.uber.org/zap/zapcore"

	"fortspeed/internal/codec"
)

// Task queues, as DESIGN.md names them.
const (
	QueueWorkflows  = "fortspeed"
	QueueFortnox    = "fortnox-api"
	QueueLightspeed = "lightspeed-api"
)

// Config is the whole environment.
//
// The groups are embedded and every variable carries its full name, because envconfig
// would otherwise also read a bare fallback name (PORT, USERNAME) from the environment.
type Config struct {
	Temporal
	Fortnox
	Lightspeed
	Fortspeed
}

// Temporal holds the connection, under Temporal's standard variable names.
type Temporal struct {
	Address   string `envconfig:"TEMPORAL_ADDRESS" default:"127.0.0.1:7233"`
	Namespace string `envconfig:"TEMPORAL_NAMESPACE" default:"default"`
	APIKey    string `envconfig:"TEMPORAL_API_KEY"`
	// TLS turns on server-authenticated TLS without client certificates.
	TLS                        bool   `envconfig:"TEMPORAL_TLS"`
	TLSClientCertPath          string `envconfig:"TEMPORAL_TLS_CLIENT_CERT_PATH"`
	TLSClientKeyPath           string `envconfig:"TEMPORAL_TLS_CLIENT_KEY_PATH"`
	TLSServerCACertPath        string `envconfig:"TEMPORAL_TLS_SERVER_CA_CERT_PATH"`
	TLSServerName              string `envconfig:"TEMPORAL_TLS_SERVER_NAME"`
	TLSDisableHostVerification bool   `envconfig:"TEMPORAL_TLS_DISABLE_HOST_VERIFICATION"`
}

// Fortnox holds the default tenant's Fortnox app and endpoints.
type Fortnox struct {
	BaseURL      string `envconfig:"FORTNOX_BASE_URL" default:"https://api.fortnox.se"`
	AuthURL      string `envconfig:"FORTNOX_AUTH_URL" default:"https://apps.fortnox.se"`
	ClientID     string `envconfig:"FORTNOX_CLIENT_ID"`
	ClientSecret string `envconfig:"FORTNOX_CLIENT_SECRET"`
	// TenantID is set for a service account (client credentials, no refresh token).
	TenantID string `envconfig:"FORTNOX_TENANT_ID"`
}

// Lightspeed holds the default tenant's Lightspeed app and endpoints.
type Lightspeed struct {
	BaseURL      string `envconfig:"LIGHTSPEED_BASE_URL" default:"https://api.lightspeedapp.com"`
	AuthURL      string `envconfig:"LIGHTSPEED_AUTH_URL" default:"https://cloud.lightspeedapp.com"`
	ClientID     string `envconfig:"LIGHTSPEED_CLIENT_ID"`
	ClientSecret string `envconfig:"LIGHTSPEED_CLIENT_SECRET"`
	AccountID    string `envconfig:"LIGHTSPEED_ACCOUNT_ID"`
}

// Fortspeed holds fortspeed's own settings.
type Fortspeed struct {
	// MappingFile is the YAML settings file; empty uses the embedded defaults.
	MappingFile    string         `envconfig:"FORTSPEED_MAPPING_FILE"`
	EncryptionKeys EncryptionKeys `envconfig:"FORTSPEED_ENCRYPTION_KEYS"`
	// AllowPlaintext lets a process run without EncryptionKeys, for development only:
	// payloads then reach Temporal readable.
	AllowPlaintext bool   `envconfig:"FORTSPEED_ALLOW_PLAINTEXT"`
	MetricsAddr    string `envconfig:"FORTSPEED_METRICS_ADDR" default:"127.0.0.1:9090"`
	// NotifyWebhookURL receives the alerts as Slack-compatible JSON; empty: none.
	NotifyWebhookURL string `envconfig:"FORTSPEED_NOTIFY_WEBHOOK_URL"`
	SMTP
	LogLevel   string     `envconfig:"FORTSPEED_LOG_LEVEL" default:"info"`
	LogFormat  string     `envconfig:"FORTSPEED_LOG_FORMAT" default:"json"` // json | console
	TaskQueues TaskQueues `envconfig:"FORTSPEED_TASK_QUEUES" default:"fortspeed,fortnox-api,lightspeed-api"`
	// CodecAddr, CodecOrigin, CodecToken and CodecHosts configure `starter codec-server`.
	CodecAddr   string `envconfig:"FORTSPEED_CODEC_ADDR" default:"127.0.0.1:8083"`
	CodecOrigin string `envconfig:"FORTSPEED_CODEC_ORIGIN" default:"http://localhost:8233"`
	// CodecToken is the bearer token; required when CodecAddr is not a loopback address.
	CodecToken string `envconfig:"FORTSPEED_CODEC_TOKEN"`
	// CodecHosts are the host:port names the codec server is reached by (behind a proxy,
	// on a wildcard address); empty: its listen address.
	CodecHosts []string `envconfig:"FORTSPEED_CODEC_HOSTS"`
}

// SMTP configures the alerts by e-mail; no host: none. STARTTLS is used whenever the
// server offers it, and a username makes fortspeed authenticate (PLAIN, only over TLS).
type SMTP struct {
	Host     string `envconfig:"FORTSPEED_SMTP_HOST"`
	Port     int    `envconfig:"FORTSPEED_SMTP_PORT" default:"587"`
	Username string `envconfig:"FORTSPEED_SMTP_USERNAME"`
	Password string `envconfig:"FORTSPEED_SMTP_PASSWORD"`
	// From is the sender, "alerts@shop.example" or "fortspeed <alerts@shop.example>".
	From string `envconfig:"FORTSPEED_SMTP_FROM"`
	// To is a comma-separated list of recipients.
	To string `envconfig:"FORTSPEED_SMTP_TO"`
}

// Recipients splits To into its addresses.
func (s SMTP) Recipients() []string {
	var out []string
	for _, a := range strings.Split(s.To, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

func (s SMTP) validate() error {
	if s.Host == "" {
		if s.From != "" || s.To != "" || s.Username != "" {
			return fmt.Errorf("FORTSPEED_SMTP_HOST: must be set with FORTSPEED_SMTP_FROM, FORTSPEED_SMTP_TO or FORTSPEED_SMTP_USERNAME")
		}
		return nil
	}
	if s.From == "" || s.To == "" {
		return fmt.Errorf("FORTSPEED_SMTP_FROM and FORTSPEED_SMTP_TO: must be set with FORTSPEED_SMTP_HOST")
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		return fmt.Errorf("FORTSPEED_SMTP_FROM: want an e-mail address, got %q", s.From)
	}
	for _, a := range s.Recipients() {
		if _, err := mail.ParseAddress(a); err != nil {
			return fmt.Errorf("FORTSPEED_SMTP_TO: want comma-separated e-mail addresses, %q is not one", a)
		}
	}
	if (s.Username == "") != (s.Password == "") {
		return fmt.Errorf("FORTSPEED_SMTP_USERNAME and FORTSPEED_SMTP_PASSWORD: set both or neither")
	}
	return nil
}

// EncryptionKeys are the payload keys, "id1:base64key,id2:base64key"; the first encrypts.
type EncryptionKeys []codec.Key

// Decode implements envconfig.Decoder.
func (k *EncryptionKeys) Decode(value string) error {
	keys, err := codec.ParseKeys(value)
	if err != nil {
		return err
	}
	*k = keys
	return nil
}

// TaskQueues are the queues a worker polls.
type TaskQueues []string

// Decode implements envconfig.Decoder.
func (q *TaskQueues) Decode(value string) error {
	known := []string{QueueWorkflows, QueueFortnox, QueueLightspeed}
	var out []string
	for _, name := range strings.Split(value, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !contains(known, name) {
			return fmt.Errorf("unknown task queue %q (known: %s)", name, strings.Join(known, ", "))
		}
		if !contains(out, name) {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return fmt.Errorf("name at least one task queue (%s)", strings.Join(known, ", "))
	}
	*q = out
	return nil
}

// Has reports whether the worker polls the queue.
func (q TaskQueues) Has(name string) bool { return contains(q, name) }

// Load reads and validates the environment.
func Load() (Config, error) {
	var c Config
	if err := envconfig.Process("", &c); err != nil {
		return Config{}, cleanError(err)
	}
	if err := c.validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// cleanError turns envconfig's long messages into "VARIABLE: what is wrong".
func cleanError(err error) error {
	var pe *envconfig.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.TypeName {
	case "bool":
		return fmt.Errorf("%s: want true or false, got %q", pe.KeyName, pe.Value)
	case "int":
		return fmt.Errorf("%s: want a whole number, got %q", pe.KeyName, pe.Value)
	}
	return fmt.Errorf("%s: %v", pe.KeyName, pe.Err)
}

func (c Config) validate() error {
	urls := []struct{ name, value string }{
		{"FORTNOX_BASE_URL", c.Fortnox.BaseURL}, {"FORTNOX_AUTH_URL", c.Fortnox.AuthURL},
		{"LIGHTSPEED_BASE_URL", c.Lightspeed.BaseURL}, {"LIGHTSPEED_AUTH_URL", c.Lightspeed.AuthURL},
		{"FORTSPEED_CODEC_ORIGIN", c.Fortspeed.CodecOrigin},
	}
	for _, u := range urls {
		if err := checkURL(u.value); err != nil {
			return fmt.Errorf("%s: %w", u.name, err)
		}
	}
	if c.Fortspeed.NotifyWebhookURL != "" {
		// The URL itself is a secret (Slack webhooks are bearer URLs): never echo it.
		if err := checkURL(c.Fortspeed.NotifyWebhookURL); err != nil {
			return fmt.Errorf("FORTSPEED_NOTIFY_WEBHOOK_URL: not an http(s) URL")
		}
	}
	if strings.HasSuffix(c.Fortspeed.CodecOrigin, "/") {
		return fmt.Errorf("FORTSPEED_CODEC_ORIGIN: no trailing / on an origin, got %q", c.Fortspeed.CodecOrigin)
	}
	if c.Temporal.Address == "" || !strings.Contains(c.Temporal.Address, ":") {
		return fmt.Errorf("TEMPORAL_ADDRESS: want host:port, got %q", c.Temporal.Address)
	}
	if c.Temporal.Namespace == "" {
		return fmt.Errorf("TEMPORAL_NAMESPACE: must not be empty")
	}
	if (c.Temporal.TLSClientCertPath == "") != (c.Temporal.TLSClientKeyPath == "") {
		return fmt.Errorf("TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH: set both or neither")
	}
	if c.Temporal.APIKey != "" && c.Temporal.TLSClientCertPath != "" {
		return fmt.Errorf("TEMPORAL_API_KEY: set an API key or a TLS client certificate, not both")
	}
	var lvl zapcore.Level
	if err := lvl.UnmarshalText([]byte(c.Fortspeed.LogLevel)); err != nil {
		return fmt.Errorf("FORTSPEED_LOG_LEVEL: want debug, info, warn or error, got %q", c.Fortspeed.LogLevel)
	}
	if c.Fortspeed.LogFormat != "json" && c.Fortspeed.LogFormat != "console" {
		return fmt.Errorf("FORTSPEED_LOG_FORMAT: want json or console, got %q", c.Fortspeed.LogFormat)
	}
	if err := c.Fortspeed.SMTP.validate(); err != nil {
		return err
	}
	if p := c.Fortspeed.SMTP.Port; p <= 0 || p > 65535 {
		return fmt.Errorf("FORTSPEED_SMTP_PORT: want 1-65535, got %d", p)
	}
	return nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an http(s) URL, got %q", s)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

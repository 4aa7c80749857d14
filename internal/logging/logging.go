// Package logging builds the process logger (zap) and bridges the Temporal SDK onto it, so
// every line — ours and the SDK's — has one format and one redaction rule: values of keys
// that name secrets or personal data (token, secret, password, authorization, email …)
// are never printed.
package logging

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/log"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Redacted replaces the value of a sensitive field.
const Redacted = "[redacted]"

// New returns a logger at level (debug, info, warn, error) in format json (production) or
// console (development), with redaction on every field.
func New(level, format string) (*zap.Logger, error) {
	var lvl zapcore.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level: want debug, info, warn or error, got %q", level)
	}
	var cfg zap.Config
	switch format {
	case "json", "":
		cfg = zap.NewProductionConfig()
	case "console":
		cfg = zap.NewDevelopmentConfig()
	default:
		return nil, fmt.Errorf("log format: want json or console, got %q", format)
	}
	cfg.Level = zap.NewAtomicLevelAt(lvl)
	logger, err := cfg.Build(zap.WrapCore(Redact))
	if err != nil {
		return nil, fmt.Errorf("build logger: %w", err)
	}
	return logger, nil
}

// Redact wraps a core so sensitive fields are redacted, whichever API logged them.
func Redact(core zapcore.Core) zapcore.Core { return redactingCore{core} }

type redactingCore struct{ zapcore.Core }

func (c redactingCore) With(fields []zapcore.Field) zapcore.Core {
	return redactingCore{c.Core.With(redactFields(fields))}
}

func (c redactingCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c redactingCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	return c.Core.Write(e, redactFields(fields))
}

func redactFields(fields []zapcore.Field) []zapcore.Field {
	var out []zapcore.Field
	for i, f := range fields {
		if !Sensitive(f.Key) {
			continue
		}
		if out == nil {
			out = append([]zapcore.Field(nil), fields...)
		}
		out[i] = zap.String(f.Key, Redacted)
	}
	if out == nil {
		return fields
	}
	return out
}

// Sensitive reports whether a key names a secret or personal data.
func Sensitive(key string) bool {
	k := strings.ToLower(key)
	for _, word := range []string{"token", "secret", "password", "passwd", "authorization", "email", "e-mail", "apikey", "api_key", "cookie", "credential"} {
		if strings.Contains(k, word) {
			return true
		}
	}
	return false
}

// Secret is a field whose value is never printed, whatever its key.
func Secret(key string) zap.Field { return zap.String(key, Redacted) }

// TemporalLogger is the Temporal SDK's log.Logger over zap.
type TemporalLogger struct {
	z *zap.Logger
}

var (
	_ log.Logger          = TemporalLogger{}
	_ log.WithLogger      = TemporalLogger{}
	_ log.WithSkipCallers = TemporalLogger{}
)

// NewTemporalLogger bridges the SDK onto z; the SDK's caller is reported, not this adapter.
func NewTemporalLogger(z *zap.Logger) TemporalLogger {
	return TemporalLogger{z: z.WithOptions(zap.AddCallerSkip(1))}
}

// Debug logs at debug level.
func (l TemporalLogger) Debug(msg string, keyvals ...any) { l.z.Debug(msg, fields(keyvals)...) }

// Info logs at info level.
func (l TemporalLogger) Info(msg string, keyvals ...any) { l.z.Info(msg, fields(keyvals)...) }

// Warn logs at warn level.
func (l TemporalLogger) Warn(msg string, keyvals ...any) { l.z.Warn(msg, fields(keyvals)...) }

// Error logs at error level.
func (l TemporalLogger) Error(msg string, keyvals ...any) { l.z.Error(msg, fields(keyvals)...) }

// With returns a logger that adds keyvals to every line.
func (l TemporalLogger) With(keyvals ...any) log.Logger {
	return TemporalLogger{z: l.z.With(fields(keyvals)...)}
}

// WithCallerSkip returns a logger that skips depth more stack frames.
func (l TemporalLogger) WithCallerSkip(depth int) log.Logger {
	return TemporalLogger{z: l.z.WithOptions(zap.AddCallerSkip(depth))}
}

// fields turns the SDK's alternating keys and values into zap fields, redacting sensitive
// keys here too so the bridge is safe even over a core without Redact.
func fields(keyvals []any) []zap.Field {
	out := make([]zap.Field, 0, (len(keyvals)+1)/2)
	for i := 0; i < len(keyvals); i += 2 {
		key, ok := keyvals[i].(string)
		if !ok {
			key = fmt.Sprint(keyvals[i])
		}
		if i+1 >= len(keyvals) {
			out = append(out, zap.String("!BADKEY", key))
			break
		}
		if Sensitive(key) {
			out = append(out, Secret(key))
			continue
		}
		out = append(out, zap.Any(key, keyvals[i+1]))
	}
	return out
}

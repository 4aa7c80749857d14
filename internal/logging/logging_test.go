package logging

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func observed(level zapcore.Level) (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(level)
	return zap.New(Redact(core)), logs
}

func TestNew(t *testing.T) {
	for _, format := range []string{"json", "console", ""} {
		l, err := New("debug", format)
		require.NoError(t, err, format)
		assert.True(t, l.Core().Enabled(zapcore.DebugLevel))
	}
	l, err := New("warn", "json")
	require.NoError(t, err)
	assert.False(t, l.Core().Enabled(zapcore.InfoLevel))

	_, err = New("loud", "json")
	require.EqualError(t, err, `log level: want debug, info, warn or error, got "loud"`)
	_, err = New("info", "xml")
	require.EqualError(t, err, `log format: want json or console, got "xml"`)
}

func TestRedactingCore(t *testing.T) {
	l, logs := observed(zapcore.DebugLevel)
	l.With(zap.String("access_token", "eyJ.abc")).Info("refreshed",
		zap.String("customerEmail", "anna@example.se"),
		zap.String("Authorization", "Bearer x"),
		zap.String("client_secret", "s"),
		zap.String("saleID", "1042"),
	)
	require.Equal(t, 1, logs.Len())
	ctx := logs.All()[0].ContextMap()
	assert.Equal(t, Redacted, ctx["access_token"])
	assert.Equal(t, Redacted, ctx["customerEmail"])
	assert.Equal(t, Redacted, ctx["Authorization"])
	assert.Equal(t, Redacted, ctx["client_secret"])
	assert.Equal(t, "1042", ctx["saleID"], "ids stay readable")
}

func TestSensitive(t *testing.T) {
	for _, k := range []string{"token", "RefreshToken", "password", "e-mail", "Email", "x-api_key", "apiKey", "Cookie"} {
		assert.True(t, Sensitive(k), k)
	}
	for _, k := range []string{"WorkflowID", "sku", "tenant", "Attempt"} {
		assert.False(t, Sensitive(k), k)
	}
}

func TestTemporalLogger(t *testing.T) {
	z, logs := observed(zapcore.DebugLevel)
	var l log.Logger = NewTemporalLogger(z)

	l.Debug("d", "WorkflowID", "default:stock")
	l.Info("i", "Attempt", 2)
	l.Warn("w", "token", "abc")
	l.Error("e", "odd")
	with := l.(log.WithLogger).With("Namespace", "default", "password", "pw")
	with.Info("with")
	l.(log.WithSkipCallers).WithCallerSkip(1).Info("skip")

	all := logs.All()
	require.Len(t, all, 6)
	assert.Equal(t, zapcore.DebugLevel, all[0].Level)
	assert.Equal(t, "default:stock", all[0].ContextMap()["WorkflowID"])
	assert.Equal(t, int64(2), all[1].ContextMap()["Attempt"])
	assert.Equal(t, zapcore.WarnLevel, all[2].Level)
	assert.Equal(t, Redacted, all[2].ContextMap()["token"])
	assert.Equal(t, zapcore.ErrorLevel, all[3].Level)
	assert.Equal(t, "odd", all[3].ContextMap()["!BADKEY"])
	assert.Equal(t, "default", all[4].ContextMap()["Namespace"])
	assert.Equal(t, Redacted, all[4].ContextMap()["password"])
	assert.Equal(t, "skip", all[5].Message)
}

func TestTemporalLoggerRedactsWithoutCore(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	NewTemporalLogger(zap.New(core)).Info("x", "refresh_token", "abc")
	assert.Equal(t, Redacted, logs.All()[0].ContextMap()["refresh_token"])
}

package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.uber.org/zap"

	"fortspeed/internal/config"
	"fortspeed/internal/logging"
	"fortspeed/internal/temporalclient"
	"fortspeed/internal/workers"
	"fortspeed/mapping"
	"fortspeed/workflows"
)

// environment is what every command reads first: the configuration, the worker's own
// variables, the tenants of the settings file and the one the command works on (--tenant):
// cfg and settings are that tenant's.
type environment struct {
	cfg      config.Config
	env      workers.Env
	settings *mapping.Settings
	tenant   workers.Tenant
	tenants  []workers.Tenant
}

// loadEnvironment reads everything for tenant. A bad variable or settings file, or an
// unknown tenant, is a usage error: the command line's setting is wrong.
func loadEnvironment(tenant string) (environment, error) {
	e, err := loadVariables()
	if err != nil {
		return e, err
	}
	if e.tenants, err = workers.LoadTenants(e.cfg); err != nil {
		return e, usageError(err)
	}
	if e.tenant, err = workers.FindTenant(e.tenants, tenant); err != nil {
		return e, usageError(err)
	}
	e.cfg, e.settings = e.tenant.Config, e.tenant.Settings
	return e, nil
}

// tenantFlag is the --tenant of cmd.
func tenantFlag(cmd *cobra.Command) string {
	if f := cmd.Flag("tenant"); f != nil {
		return f.Value.String()
	}
	return workflows.DefaultTenant
}

// tenantSet reports whether the command line named a tenant: then a command about every
// tenant (setup, status) works on that one only.
func tenantSet(cmd *cobra.Command) bool {
	f := cmd.Flag("tenant")
	return f != nil && f.Changed
}

// scope is the tenants a command about every tenant works on.
func (e environment) scope(cmd *cobra.Command) []workers.Tenant {
	if tenantSet(cmd) {
		return []workers.Tenant{e.tenant}
	}
	return e.tenants
}

// loadVariables is the environment without the settings file, for init, which writes it.
func loadVariables() (environment, error) {
	cfg, err := config.Load()
	if err != nil {
		return environment{}, usageError(err)
	}
	env, err := workers.LoadEnv()
	if err != nil {
		return environment{}, usageError(err)
	}
	return environment{cfg: cfg, env: env}, nil
}

// cliLogger keeps the SDK quiet on the terminal unless FORTSPEED_LOG_LEVEL asks for more:
// a command's output is its answer, not the client's connection chatter.
func cliLogger(cfg config.Config) *zap.Logger {
	level := "warn"
	if _, set := os.LookupEnv("FORTSPEED_LOG_LEVEL"); set {
		level = cfg.Fortspeed.LogLevel
	}
	return terminalLogger(level)
}

// terminalLogger is a console logger for people, with the same redaction as the worker's
// but without stack traces: on a terminal they bury the one line that matters.
func terminalLogger(level string) *zap.Logger {
	zc := zap.NewDevelopmentConfig()
	zc.DisableStacktrace = true
	if err := zc.Level.UnmarshalText([]byte(level)); err != nil {
		zc.Level = zap.NewAtomicLevelAt(zap.WarnLevel)
	}
	logger, err := zc.Build(zap.WrapCore(logging.Redact))
	if err != nil {
		return zap.NewNop()
	}
	return logger
}

// dial connects to Temporal with the same codec as the worker, so inputs and results
// decode.
func (e environment) dial(ctx context.Context) (client.Client, error) {
	// Without payload keys (and plaintext not allowed) nothing may reach Temporal: a
	// configuration error, not an outage.
	if _, err := e.payloads(); err != nil {
		return nil, err
	}
	c, err := workers.Dial(ctx, e.cfg, cliLogger(e.cfg))
	return c, connectError(err)
}

// payloads is the converter for reading histories: the worker's.
func (e environment) payloads() (converter.DataConverter, error) {
	dc, err := temporalclient.DataConverter(e.cfg.Fortspeed)
	return dc, usageError(err)
}

// workflowURL is the Web UI page of a workflow, "" without FORTSPEED_WEB_UI_URL.
func (e environment) workflowURL(workflowID string) string {
	base := strings.TrimRight(e.env.WebUIURL, "/")
	if base == "" {
		return ""
	}
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s", base, url.PathEscape(e.cfg.Temporal.Namespace), url.PathEscape(workflowID))
}

// checkFlow names the flows a command accepts when given another: the engine's registry.
func checkFlow(flow string) error {
	if _, err := workflows.FlowByID(flow); err == nil {
		return nil
	}
	running := joinWords(workflows.FlowIDs(), "and")
	if slices.Contains(mapping.FlowIDs(), flow) {
		return fmt.Errorf("flow %q has no workflow yet; the flows that run are %s", flow, running)
	}
	return fmt.Errorf("unknown flow %q; the flows that run are %s", flow, running)
}

// keyword reads a Keyword search attribute; search attributes are never encrypted, so the
// default converter decodes them.
func keyword(sa *commonpb.SearchAttributes, name string) string {
	p, ok := sa.GetIndexedFields()[name]
	if !ok {
		return ""
	}
	var s string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &s); err != nil {
		return ""
	}
	return s
}

// scheduledInput is a flow's parent input from the settings: what a schedule passes and a
// manual sync starts from.
func scheduledInput(tenant string, settings *mapping.Settings, flow string) workflows.SyncInput {
	return workflows.SyncInput{
		Tenant:       tenant,
		Flow:         flow,
		Lookback:     settings.Flows[flow].Lookback.D(),
		ProductWait:  settings.Orders.ProductWait.D(),
		NeedsFixWait: settings.Orders.NeedsFixWait.D(),
	}
}

// joinWords lists words as a sentence does: "a, b and c".
func joinWords(words []string, conj string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conj + " " + words[len(words)-1]
}

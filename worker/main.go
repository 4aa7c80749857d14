// Command worker runs fortspeed's workflows and activities: it polls the task queues of
// FORTSPEED_TASK_QUEUES (default all three) until SIGINT or SIGTERM, then stops gracefully.
// Start more of them to scale out.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"fortspeed/internal/config"
	"fortspeed/internal/logging"
	"fortspeed/internal/metrics"
	"fortspeed/internal/workers"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	env, err := workers.LoadEnv()
	if err != nil {
		return err
	}
	logger, err := logging.New(cfg.Fortspeed.LogLevel, cfg.Fortspeed.LogFormat)
	if err != nil {
		return err
	}
	defer logger.Sync()

	opts := workers.Options{Env: env, Logger: logger}
	var m *metrics.Metrics
	if cfg.Fortspeed.MetricsAddr != "" {
		if m, err = metrics.New(logger); err != nil {
			return err
		}
		defer m.Close()
		opts.Hooks, opts.MetricsHandler = m.Hooks(), m.Handler()
	}
	// The process is built before anything listens, so a missing key or credential is the
	// one line the worker stops with.
	proc, err := workers.New(ctx, cfg, opts)
	if err != nil {
		return err
	}
	defer proc.Close()
	if m != nil {
		_, stopMetrics, err := m.Serve(cfg.Fortspeed.MetricsAddr, proc.Client(), cfg.Temporal.Namespace, proc.Tenants())
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	return proc.Run(ctx)
}

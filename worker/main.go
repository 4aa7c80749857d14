// Command worker runs fortspeed's workflows and activities: it polls the task queues of
// FORTSPEED_TASK_QUEUES (default all three) until SIGINT or SIGTERM, then stops gracefully.
// Start more of them to scale out.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"fortspeed/internal/config"
	"fortspeed/internal/logging"
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
	var reg *prometheus.Registry
	if cfg.Fortspeed.MetricsAddr != "" {
		reg = prometheus.NewRegistry()
		m, err := newMetrics(reg, logger)
		if err != nil {
			return err
		}
		defer m.close()
		opts.Hooks, opts.MetricsHandler = m.hooks(), m.sdk
	}
	// The process is built before anything listens, so a missing key or credential is the
	// one line the worker stops with.
	proc, err := workers.New(ctx, cfg, opts)
	if err != nil {
		return err
	}
	defer proc.Close()
	if reg != nil {
		for _, t := range proc.Tenants() {
			reg.MustRegister(newRecordsWaiting(proc.Client(), cfg.Temporal.Namespace, t))
		}
		_, stopMetrics, err := serveMetrics(cfg.Fortspeed.MetricsAddr, reg, logger)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	return proc.Run(ctx)
}

// serveMetrics serves /metrics on addr and returns the address it listens on. It listens
// before returning, so a port in use is a start-up error rather than a log line later.
func serveMetrics(addr string, reg *prometheus.Registry, logger *zap.Logger) (bound string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("FORTSPEED_METRICS_ADDR: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	// A collector that cannot answer (visibility down) leaves its series out of the scrape
	// rather than failing the whole scrape.
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		Registry: reg, ErrorHandling: promhttp.ContinueOnError, ErrorLog: zap.NewStdLog(logger),
	}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics server stopped", zap.Error(err))
		}
	}()
	logger.Info("metrics on /metrics", zap.String("addr", ln.Addr().String()))
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

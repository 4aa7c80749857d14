// Package devserver starts the pinned Temporal dev server for integration tests and
// `make run`, so both use the same binary that `make` built into ./bin.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

// EnvCLI names the variable that points at the Temporal CLI binary; `make test` sets it.
const EnvCLI = "FORTSPEED_TEMPORAL_CLI"

// CLIPath finds the Temporal CLI: $FORTSPEED_TEMPORAL_CLI, else bin/temporal in the module root.
func CLIPath() (string, error) {
	if p := os.Getenv(EnvCLI); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvCLI, p, err)
		}
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "bin", "temporal")
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("no Temporal CLI at %s and %s is unset: run `make test`, which builds it and runs these tests, or `make temporal-cli` once", p, EnvCLI)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: cannot find bin/temporal")
		}
		dir = parent
	}
}

// Start runs a dev server on a free port with the given search attributes registered.
// Its log goes to logs (io.Discard if nil). Stop it with Stop.
func Start(ctx context.Context, attrs temporal.SearchAttributes, logs io.Writer) (*testsuite.DevServer, error) {
	path, err := CLIPath()
	if err != nil {
		return nil, err
	}
	if logs == nil {
		logs = io.Discard
	}
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:     path,
		ClientOptions:    &client.Options{Namespace: "default"},
		SearchAttributes: attrs,
		LogLevel:         "error",
		Stdout:           logs,
		Stderr:           logs,
	})
	if err != nil {
		return nil, fmt.Errorf("start Temporal dev server from %s: %w", path, err)
	}
	return srv, nil
}

package devserver

import "testing"

// SkipIfShort skips tb under `go test -short`, which runs without a dev server. Every test
// that starts one calls it first (through its package's helper); `make test` runs them.
func SkipIfShort(tb testing.TB) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("starts a Temporal dev server: skipped under -short; run `make test`, which builds ./bin/temporal and runs it")
	}
}

# fortspeed — see README.md. The two commands a newcomer needs: `make run` and `make test`.
TEMPORAL_CLI_VERSION := v1.5.1
# staticcheck and workflowcheck, pinned like the CLI. workflowcheck is released apart from
# the SDK: v0.6.0 builds with Go 1.26 (v0.3.0 does not), reports nothing inside
# go.temporal.io/sdk v1.51.0 and reports every finding on every run (v0.5.0 sometimes
# missed some). When go.mod moves to a newer SDK, check it still does.
STATICCHECK_VERSION := v0.8.2
WORKFLOWCHECK_VERSION := v0.6.0
BIN := $(CURDIR)/bin
TEMPORAL := $(BIN)/temporal
# Each lint tool lives in a folder named after its version, so a bump installs it anew.
STATICCHECK := $(BIN)/staticcheck-$(STATICCHECK_VERSION)/staticcheck
WORKFLOWCHECK := $(BIN)/workflowcheck-$(WORKFLOWCHECK_VERSION)/workflowcheck
GO ?= go

.PHONY: run test lint race fmt-check vet staticcheck workflowcheck tidy-check bench temporal-cli

# The pinned Temporal CLI, built from source once into ./bin (about four minutes).
$(TEMPORAL):
	@mkdir -p $(BIN)
	@echo "building the Temporal CLI $(TEMPORAL_CLI_VERSION) into ./bin (once, a few minutes)…"
	GOBIN=$(BIN) $(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)

temporal-cli: $(TEMPORAL)

$(STATICCHECK):
	GOBIN=$(@D) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(WORKFLOWCHECK):
	GOBIN=$(@D) $(GO) install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION)

# Every static check. -k runs them all even when one fails, so one run lists every finding;
# make lint fails if any did.
lint:
	@$(MAKE) --no-print-directory -k fmt-check vet staticcheck workflowcheck tidy-check

vet:
	$(GO) vet ./...

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

# Non-determinism in the workflow code (map ranges, goroutines, time.Now, … reached from a
# workflow function), across the packages' tests too.
workflowcheck: $(WORKFLOWCHECK)
	$(WORKFLOWCHECK) ./workflows/...

# Fails when go mod tidy would change go.mod or go.sum, and prints the change.
fmt-check:
	@echo "gofmt -l"
	@files=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './bin/*')); \
		if [ -n "$$files" ]; then echo "gofmt would change: $$files (run gofmt -w)" >&2; exit 1; fi

tidy-check:
	@echo "$(GO) mod tidy -diff"
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy and commit the result" >&2; exit 1; }

# The tests that need no dev server (those of go test -short) under the race detector.
race:
	$(GO) test -race -short -count=1 -timeout 20m ./...

# Everything CI runs: lint, the race run, then unit, workflow, replay and integration tests
# (the integration tests start the dev server from ./bin/temporal and the sandboxes
# in-process).
test: lint race $(TEMPORAL)
	FORTSPEED_TEMPORAL_CLI=$(TEMPORAL) $(GO) test -count=1 -timeout 45m ./...

# Benchmarks print figures; they never pass or fail on time. The output goes to the screen
# and to bench-report.txt. -p 1 runs one package's benchmarks at a time, so the whole-stack
# ones in ./worker do not share the two cores with another package's. /bin/sh has no
# pipefail, so a failed benchmark or build is read from the report.
bench: $(TEMPORAL)
	FORTSPEED_TEMPORAL_CLI=$(TEMPORAL) $(GO) test -p 1 -run '^$$' -bench . -benchtime 1x -timeout 60m ./... 2>&1 | tee bench-report.txt
	@if grep -Eq '^(--- )?FAIL' bench-report.txt; then echo "make bench: a benchmark failed, see bench-report.txt" >&2; exit 1; fi
	@echo "make bench: figures written to bench-report.txt"

# The stack's worker serves its metrics on 127.0.0.1:9464 unless FORTSPEED_METRICS_ADDR is
# set (starter dev picks the default, so `go run ./starter dev` does the same).
run: $(TEMPORAL)
	$(GO) run ./starter dev

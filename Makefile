# fortspeed — see README.md. The two commands a newcomer needs: `make run` and `make test`.
TEMPORAL_CLI_VERSION := v1.5.1
BIN := $(CURDIR)/bin
TEMPORAL := $(BIN)/temporal
GO ?= go

.PHONY: run test bench vet temporal-cli

# The pinned Temporal CLI, built from source once into ./bin (about four minutes).
$(TEMPORAL):
	@mkdir -p $(BIN)
	@echo "building the Temporal CLI $(TEMPORAL_CLI_VERSION) into ./bin (once, a few minutes)…"
	GOBIN=$(BIN) $(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)

temporal-cli: $(TEMPORAL)

vet:
	$(GO) vet ./...

# Everything CI runs: vet, unit, workflow, replay and integration tests (the integration
# tests start the dev server from ./bin/temporal and the sandboxes in-process).
test: $(TEMPORAL) vet
	FORTSPEED_TEMPORAL_CLI=$(TEMPORAL) $(GO) test -count=1 -timeout 45m ./...

# Benchmarks print figures; they never pass or fail on time. The output goes to the screen
# and to bench-report.txt. -p 1 runs one package's benchmarks at a time, so the whole-stack
# ones in ./worker do not share the two cores with another package's. /bin/sh has no
# pipefail, so a failed benchmark or build is read from the report.
bench: $(TEMPORAL)
	FORTSPEED_TEMPORAL_CLI=$(TEMPORAL) $(GO) test -p 1 -run '^$$' -bench . -benchtime 1x -timeout 60m ./... 2>&1 | tee bench-report.txt
	@if grep -Eq '^(--- )?FAIL' bench-report.txt; then echo "make bench: a benchmark failed, see bench-report.txt" >&2; exit 1; fi
	@echo "make bench: figures written to bench-report.txt"

run: $(TEMPORAL)
	$(GO) run ./starter dev

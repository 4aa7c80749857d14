# fortspeed — see README.md. The two commands a newcomer needs: `make run` and `make test`.
TEMPORAL_CLI_VERSION := v1.5.1
BIN := $(CURDIR)/bin
TEMPORAL := $(BIN)/temporal
GO ?= go

.PHONY: run test bench vet temporal-cli sandbox

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

# Benchmarks print figures; they never pass or fail on time.
bench: $(TEMPORAL)
	FORTSPEED_TEMPORAL_CLI=$(TEMPORAL) $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

run: $(TEMPORAL)
	$(GO) run ./sandbox --trickle 10s

# Everything a newcomer and CI need: `make run` and `make test`.
SHELL        := /bin/bash
GO           ?= go
OCB_VERSION  := v0.165.0
PROM_VERSION := v0.316.0
HELM_VERSION := v3.21.4
GOLANGCI_VERSION := v2.15.0
CHART_VERSION := 0.170.0
# Tools are installed for the host's platform, under versioned names so that a version bump installs anew.
LOCALBIN     := $(CURDIR)/.tools
OCB          := $(LOCALBIN)/ocb-$(OCB_VERSION)
PROMETHEUS   := $(LOCALBIN)/prometheus-$(PROM_VERSION)
PROMTOOL     := $(LOCALBIN)/promtool-$(PROM_VERSION)
HELM         := $(LOCALBIN)/helm-$(HELM_VERSION)
GOLANGCI     := $(LOCALBIN)/golangci-lint-$(GOLANGCI_VERSION)
# The upstream chart: the copy beside the repository where there is one, else pulled into .tools/.
SHARED_CHART := $(abspath ../shared/charts/opentelemetry-collector)
PULLED_CHART := $(LOCALBIN)/charts/opentelemetry-collector-$(CHART_VERSION)
CHART        := $(if $(wildcard $(SHARED_CHART)/Chart.yaml),$(SHARED_CHART),$(PULLED_CHART))
DIST         := bin/otelcol-forge
SIM          := bin/forgeapi-sim
MDATAGEN     := $(GO) tool -modfile=internal/tools/go.mod mdatagen
LOGS         := receiver/forgelogsreceiver
USAGE        := receiver/forgeusagereceiver
METRICS      := receiver/forgemetricsreceiver

.PHONY: all help build sim run test unit e2e ops-check deploy-check generate generate-check lint bench bench-e2e bench-scale bench-fresh fuzz mutate clean

all: build

## help: this list of targets
help:
	@awk '/^## /{sub(/^## /, ""); if (split($$0, p, ": ") > 1) { printf "  %-14s %s\n", p[1], substr($$0, length(p[1]) + 3) } else { printf "  %-14s %s\n", "", $$0 } }' $(MAKEFILE_LIST)

# go-install installs package $(2) at version $(3) as $(1).
define go-install
mkdir -p $(LOCALBIN)
GOBIN=$(LOCALBIN) $(GO) install $(2)@$(3)
mv $(LOCALBIN)/$(notdir $(2)) $(1)
endef

$(OCB):
	$(call go-install,$@,go.opentelemetry.io/collector/cmd/builder,$(OCB_VERSION))

$(PROMETHEUS):
	$(call go-install,$@,github.com/prometheus/prometheus/cmd/prometheus,$(PROM_VERSION))

$(PROMTOOL):
	$(call go-install,$@,github.com/prometheus/prometheus/cmd/promtool,$(PROM_VERSION))

$(HELM):
	$(call go-install,$@,helm.sh/helm/v3/cmd/helm,$(HELM_VERSION))

$(GOLANGCI):
	$(call go-install,$@,github.com/golangci/golangci-lint/v2/cmd/golangci-lint,$(GOLANGCI_VERSION))

$(PULLED_CHART)/Chart.yaml: | $(HELM)
	rm -rf $(PULLED_CHART) $(LOCALBIN)/charts/pull
	$(HELM) pull opentelemetry-collector --repo https://open-telemetry.github.io/opentelemetry-helm-charts \
		--version $(CHART_VERSION) --untar --untardir $(LOCALBIN)/charts/pull
	mv $(LOCALBIN)/charts/pull/opentelemetry-collector $(PULLED_CHART)

## build: the collector distribution at bin/otelcol-forge
build: $(OCB)
	mkdir -p build
	$(OCB) --config builder-config.yaml
	mkdir -p bin
	cp build/otelcol-forge/otelcol-forge $(DIST)

## sim: the Forge API simulator at bin/forgeapi-sim
sim:
	$(GO) build -o $(SIM) ./cmd/forgeapi-sim

## run: start the simulator and the collector with otelcol-config.yaml
run: build sim
	./scripts/run.sh

## test: unit tests with the race detector, then the end-to-end tests against the built collector
test: unit e2e

## unit: the unit tests, with the race detector, shuffled so that no test depends on another's leftovers
unit:
	$(GO) test -race -count=1 -shuffle=on ./...

## e2e: the end-to-end tests against the built collector
## e2e: the end-to-end tests against the built collector
e2e: build
	$(GO) test -count=1 -tags e2e -timeout 20m ./test/e2e/...

## ops-check: promtool checks and unit tests of the alerts, then the alerts and the dashboard on a
## real Prometheus scraping the built collector
ops-check: build sim $(PROMETHEUS) $(PROMTOOL)
	$(PROMTOOL) check rules deploy/prometheus/alerts.yaml
	$(PROMTOOL) test rules deploy/prometheus/*_test.yaml
	PROMETHEUS=$(PROMETHEUS) PROMTOOL=$(PROMTOOL) $(GO) test -count=1 -tags ops -timeout 15m ./test/ops/...

## deploy-check: render deploy/helm/values.yaml with the upstream chart, check the objects and
## validate the collector config they carry
deploy-check: build $(HELM) $(CHART)/Chart.yaml
	HELM=$(HELM) CHART=$(CHART) $(GO) test -count=1 -tags helm ./test/deploy/...

## generate: regenerate mdatagen output and golden files
generate:
	$(MDATAGEN) $(LOGS)/metadata.yaml
	$(MDATAGEN) $(METRICS)/metadata.yaml
	$(MDATAGEN) $(USAGE)/metadata.yaml
	@# golden.WriteLogs marks the writing run failed on purpose; the second run checks the new files.
	-$(GO) test ./$(LOGS)/internal/logsapi/ -run TestDecodeGolden -count=1 -update >/dev/null
	$(GO) test ./$(LOGS)/internal/logsapi/ -run TestDecodeGolden -count=1
	$(GO) test ./$(METRICS)/internal/metricsapi/ -run TestDecodeGolden -count=1 -update
	$(GO) test ./$(METRICS)/internal/metricsapi/ -run TestDecodeGolden -count=1
	$(GO) test ./$(USAGE)/internal/usageapi/ -run TestDecodeGolden -count=1 -update
	$(GO) test ./$(USAGE)/internal/usageapi/ -run TestDecodeGolden -count=1

## generate-check: fail when `make generate` changes a committed file (generated code out of date)
generate-check: generate
	@test -z "$$(git status --porcelain)" || (git status --short; echo 'make generate changed the files above: commit what it generates'; exit 1)

## lint: go mod tidy, go vet, gofmt and golangci-lint (.golangci.yaml says which linters and why)
lint: $(GOLANGCI)
	$(GO) mod tidy -diff
	cd internal/tools && $(GO) mod tidy -diff
	$(GO) vet ./...
	$(GO) vet -tags e2e,ops,helm ./test/...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GOLANGCI) run --build-tags e2e,ops,helm ./...

## fuzz: run each fuzz target for FUZZTIME inputs (20000x). Counts, not durations: a duration races the
## fuzzing coordinator's own deadline and can fail with "context deadline exceeded" on a busy machine.
FUZZTIME ?= 20000x
fuzz:
	$(GO) test ./$(LOGS)/internal/logsapi/ -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 200x
	$(GO) test ./$(LOGS)/internal/logsapi/ -run '^$$' -fuzz '^FuzzQueryURL$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 200x
	$(GO) test ./$(METRICS)/internal/metricsapi/ -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 200x
	$(GO) test ./$(METRICS)/internal/metricsapi/ -run '^$$' -fuzz '^FuzzAppMetrics$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 200x
	$(GO) test ./$(USAGE)/internal/usageapi/ -run '^$$' -fuzz '^FuzzParsePage$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 200x

## mutate: break each promise in turn (test/mutate) and check that the unit tests catch it on every
## one of RUNS shuffled runs; the working tree is never written (docs/testing.md)
RUNS ?= 3
mutate:
	$(GO) run ./test/mutate -runs $(RUNS) $(MUTATE_FLAGS)

## bench: Go benchmarks of decoding (with the ratio to the sidecar baseline), a stream and checkpoints
bench:
	./scripts/bench.sh

## bench-e2e: CPU and peak RSS per million records, forgelogs receiver against cron job + sidecar
bench-e2e: build
	$(GO) run ./test/benche2e -collector $(DIST)

## bench-fresh: 15 minutes of live traffic with late records at the default settings: freshness, late records, cost
bench-fresh: build
	$(GO) run ./test/benche2e -mode fresh -collector $(DIST)

## bench-scale: one collector polling 1 to 1,000 streams at the real budget, then the lag of live apps
## beside an app with a deep backlog; about 12 minutes, so not part of CI. SCALE_FLAGS go to both,
## e.g. SCALE_FLAGS='-duration 3m'
SCALE_FLAGS ?=
bench-scale: build
	$(GO) run ./test/benche2e -mode scale -collector $(DIST) $(SCALE_FLAGS)
	$(GO) run ./test/benche2e -mode fairness -collector $(DIST) $(SCALE_FLAGS)

## clean: remove what the build and make run leave behind
clean:
	rm -rf bin build var

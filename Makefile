# Everything a newcomer and CI need: `make run` and `make test`.
SHELL        := /bin/bash
GO           ?= go
OCB_VERSION  := v0.165.0
LOCALBIN     := $(CURDIR)/.tools
OCB          := $(LOCALBIN)/ocb-$(OCB_VERSION)
DIST         := bin/otelcol-forge
SIM          := bin/forgeapi-sim
MDATAGEN     := $(GO) tool -modfile=internal/tools/go.mod mdatagen
COMPONENT    := receiver/forgelogsreceiver

.PHONY: all build sim run test unit e2e generate lint bench bench-e2e fuzz mutate clean

all: build

$(OCB):
	mkdir -p $(LOCALBIN)
	GOBIN=$(LOCALBIN) $(GO) install go.opentelemetry.io/collector/cmd/builder@$(OCB_VERSION)
	mv $(LOCALBIN)/builder $(OCB)

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

unit:
	$(GO) test -race -count=1 ./...

e2e: build
	$(GO) test -count=1 -tags e2e -timeout 20m ./test/e2e/...

## generate: regenerate mdatagen output and golden files
generate:
	$(MDATAGEN) $(COMPONENT)/metadata.yaml
	@# golden.WriteLogs marks the writing run failed on purpose; the second run checks the new files.
	-$(GO) test ./$(COMPONENT)/internal/forgeapi/ -run TestDecodeGolden -count=1 -update >/dev/null
	$(GO) test ./$(COMPONENT)/internal/forgeapi/ -run TestDecodeGolden -count=1

lint:
	$(GO) vet ./...
	$(GO) vet -tags e2e ./test/...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)

## fuzz: run each fuzz target briefly (FUZZTIME each)
FUZZTIME ?= 10s
fuzz:
	$(GO) test ./$(COMPONENT)/internal/forgeapi/ -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./$(COMPONENT)/internal/forgeapi/ -run '^$$' -fuzz '^FuzzQueryURL$$' -fuzztime $(FUZZTIME)

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

clean:
	rm -rf bin build var

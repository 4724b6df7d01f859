# curator — see README.md. `make demo` runs the main job on the embedded
# emulator; `make test` runs every test with the race detector.

GO       ?= go
BIN      := bin/curator
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
DEMO_DIR ?= .curator-demo

.PHONY: all build test lint bench demo reliability clean

all: lint build test

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/curator

# The watch soak (500 reconciles) is built without the race detector, so
# it runs on its own after the race-checked suite.
test:
	$(GO) test -race -count=1 ./...
	$(GO) test -count=1 -run '^TestWatchSoak$$' ./reconcile

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# The Go benchmarks at BENCH_BASE and at HEAD compared by benchstat (a
# regression shows the day it lands), then the estate-scale tables of
# curator-bench (against the emulator: cold plan, requests, no-op re-plan,
# apply, watch; the estate page's answers and first paint in chromium), headed by the date, build and machine load they were
# measured at: the README's Performance section is pasted from one run.
# BENCH_BASE is the last commit of the previous release round.
BENCH_BASE ?= 78e3ee3
bench: build
	scripts/benchcmp.sh $(BENCH_BASE)
	$(GO) run ./cmd/curator-bench -curator $(BIN)

# The main job on the embedded default: validate, plan and apply the
# quickstart against the in-process emulator (state in $(DEMO_DIR)), with
# replication slowed so its progress shows, then plan again: no changes;
# then the same for the repository of configurations examples/repo.
demo: build
	@rm -rf $(DEMO_DIR)
	./$(BIN) validate examples/quickstart
	./$(BIN) --state $(DEMO_DIR) --replication-rate 4 apply --auto-approve examples/quickstart
	./$(BIN) --state $(DEMO_DIR) plan --detailed-exitcode examples/quickstart
	./$(BIN) validate examples/repo
	./$(BIN) --state $(DEMO_DIR) --replication-rate 4 apply --auto-approve examples/repo
	./$(BIN) --state $(DEMO_DIR) plan --detailed-exitcode examples/repo

# The reliability suite in full: faults on ~500 resources, ten SIGKILLed
# applies, secrets; then a minute of fuzzing for each decoder. (make test
# runs the suite in a short form and the fuzz seed corpora.)
reliability:
	CURATOR_RELIABILITY=long $(GO) test -race -count=1 -run Reliability -v ./cmd/curator
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime 60s ./schema
	$(GO) test -run '^$$' -fuzz '^FuzzDecodePlan$$' -fuzztime 60s ./planner
	$(GO) test -run '^$$' -fuzz '^FuzzEncodeStringLoadsBack$$' -fuzztime 60s ./schema

clean:
	rm -rf bin $(DEMO_DIR)

# rtagent — the two commands a fresh machine needs are `make run` and `make test`.
GO      ?= go
BIN     ?= bin/rtagent
AGENTS  ?= agents.yaml
export CGO_ENABLED = 1
# gordonklaus/portaudio trips the race detector's checkptr on the second stream
# open (see testdata/audio/README.md); the check is disabled for that package only.
RACEFLAGS := -race -gcflags=github.com/gordonklaus/portaudio=-d=checkptr=0

.PHONY: all deps test-deps build run test bench gobench fuzz lint fmt clean

all: build

deps:
	@scripts/deps.sh

test-deps:
	@scripts/deps.sh --test

build: deps
	$(GO) build -o $(BIN) ./cmd/rtagent

# The chat UI with the example agents on the offline simulator, or on the OpenAI
# Realtime API when OPENAI_API_KEY is set.
run: build
	./$(BIN) chat --agents $(AGENTS) $(if $(OPENAI_API_KEY),,--sim) $(ARGS)

test: test-deps
	$(GO) vet ./...
	$(GO) test $(RACEFLAGS) -timeout 9m ./...

# The project's benchmark (issue 13): the real binary against a fake GA server —
# CPU per audio-minute, peak RSS, send → sink latency, start-up. BENCHFLAGS passes
# flags (go run ./internal/bench -h); `make gobench` runs the Go micro-benchmarks.
bench: deps
	$(GO) run ./internal/bench $(BENCHFLAGS)

gobench: test-deps
	$(GO) test -run '^$$' -bench . -benchmem -timeout 20m ./...

# Each fuzz target in turn for FUZZTIME (make test runs their seed corpora).
# A new coverage-expanding input is minimised for at most FUZZMINIMIZE executions:
# with the default (60 s) the minimiser's quadratic search over a multi-KiB input
# (the agents.yaml seeds, ~1 ms per execution) stalls the fuzzer at 0 execs/s for
# a minute after every new input. Crashers land in the package's testdata/fuzz.
FUZZTIME     ?= 5m
FUZZMINIMIZE ?= 1000x
FUZZ_TARGETS := \
	./internal/agent:FuzzParse \
	./internal/transcript:FuzzWriter \
	./internal/audio:FuzzDecodeWAV \
	./internal/realtime/openai:FuzzDecodeEvent \
	./internal/realtime/openai:FuzzConnection \
	./internal/textsafe:FuzzString

fuzz: test-deps
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) $$pkg; \
	done

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	$(GO) mod tidy -diff

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin

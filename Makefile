# dict-events. `make run` runs the demo on the embedded bus; `make test` runs
# lint, unit tests, then starts real Pulsar and Kafka (testenv/), runs the
# integration tests against them and stops them, also on failure. Brokers
# that were already up before `make test` are left running (KEEP_BROKERS=1
# keeps them too).
SHELL := /bin/bash
GO    ?= go

export PULSAR_URL       ?= pulsar://127.0.0.1:6650
export PULSAR_ADMIN_URL ?= http://127.0.0.1:8080
export KAFKA_BROKERS    ?= 127.0.0.1:9092

# Prints how long a phase took: $(call timed,name,command)
timed = @t0=$$(date +%s); echo "==> $(1)"; $(2); rc=$$?; echo "==> $(1): $$(( $$(date +%s) - t0 ))s (exit $$rc)"; exit $$rc

.PHONY: run test test-unit test-integration lint proto proto-check tools brokers-up brokers-down examples bench load

run:
	$(GO) run ./cmd/dictevents demo

test: tools
	$(call timed,lint,$(MAKE) --no-print-directory lint)
	$(call timed,proto-check,$(MAKE) --no-print-directory proto-check)
	$(call timed,unit tests,$(MAKE) --no-print-directory test-unit)
	$(call timed,examples,$(MAKE) --no-print-directory examples)
	@t0=$$(date +%s); rc=0; was_up=0; \
	  testenv/brokers status >/dev/null 2>&1 && was_up=1; \
	  echo "==> brokers up"; testenv/brokers up || rc=$$?; \
	  echo "==> brokers up: $$(( $$(date +%s) - t0 ))s (exit $$rc)"; \
	  if [ $$rc -eq 0 ]; then \
	    t1=$$(date +%s); echo "==> integration tests"; \
	    $(MAKE) --no-print-directory test-integration || rc=$$?; \
	    echo "==> integration tests: $$(( $$(date +%s) - t1 ))s (exit $$rc)"; \
	  fi; \
	  if [ $$was_up = 0 ] && [ "$(KEEP_BROKERS)" != 1 ]; then testenv/brokers down || true; \
	  else echo "==> brokers were already up before make test: left running"; fi; \
	  echo "==> brokers and integration: $$(( $$(date +%s) - t0 ))s (exit $$rc)"; \
	  exit $$rc

# Unit tests: no broker needed; integration tests report that they did not run.
test-unit:
	$(GO) test -race -count=1 ./...
	@echo "unit tests done; integration tests were not run here (they need DICTEVENTS_INTEGRATION=1 and the brokers: make test)"

# Every test against the running brokers. -p 1: packages share the brokers
# and some tests restart them.
test-integration:
	DICTEVENTS_INTEGRATION=1 $(GO) test -count=1 -p 1 -timeout 40m ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt wants to rewrite:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# examples/ are programs: build them all so they keep compiling.
examples:
	$(GO) build -o /dev/null ./examples/...

# protoc comes from Debian's protobuf-compiler; protoc-gen-go is pinned by go.mod's tool line.
tools:
	@command -v protoc >/dev/null || { echo "installing protobuf-compiler"; \
	  (apt-get install -y -qq protobuf-compiler >/dev/null 2>&1 || \
	   (apt-get update -qq && apt-get install -y -qq protobuf-compiler >/dev/null)); }
	@mkdir -p bin && $(GO) build -o bin/protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go

proto: tools
	protoc --plugin=protoc-gen-go=bin/protoc-gen-go -I proto \
	  --go_out=. --go_opt=module=github.com/lbpay-lab/dict-events \
	  $$(find proto -name '*.proto')

# Regenerates into a temporary directory and fails if the committed code differs.
proto-check: tools
	@tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	  protoc --plugin=protoc-gen-go=bin/protoc-gen-go -I proto \
	    --go_out=$$tmp --go_opt=module=github.com/lbpay-lab/dict-events \
	    $$(find proto -name '*.proto') || exit 1; \
	  for f in $$(cd $$tmp && find . -name '*.pb.go'); do \
	    diff -u "$$tmp/$$f" "$$f" || { echo "$$f is stale: run make proto"; exit 1; }; \
	  done; echo "generated code is current"

brokers-up:
	testenv/brokers up

brokers-down:
	testenv/brokers down

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# The load matrix behind BENCHMARKS.md: every backend, default and low-latency
# batching, saturated (throughput) and at 1,000 events/s (latency). Needs the
# brokers up (make brokers-up).
LOAD_BACKENDS ?= mem:// $(PULSAR_URL) kafka://$(KAFKA_BROKERS)
load:
	@$(GO) build -o bin/dictevents ./cmd/dictevents
	@for url in $(LOAD_BACKENDS); do for ll in "" --low-latency; do \
	  bin/dictevents load --broker $$url $$ll --events 20000 --concurrency 64 || exit 1; \
	  bin/dictevents load --broker $$url $$ll --events 5000 --concurrency 16 --rate 1000 || exit 1; \
	done; done

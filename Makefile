# alertgate — see README.md. Every target works on a machine with Go (and
# redis-server for the Redis tests; .ci/run installs it).

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN     := bin/alertgate
CONFIG  ?= config/alertgate.yml

.PHONY: all build run test bench bench-am bench-go lint fmt

all: lint test build

## build: a static binary in bin/ (the same flags as the Dockerfile).
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/alertgate

## run: build and serve the example config on :9095 (memory store, dry run).
run: build
	$(BIN) serve --config $(CONFIG) --listen :9095 --log-format text

## test: every test, with the race detector. This is what CI runs.
test:
	$(GO) test -race -count=1 ./...

## soak: two replicas on Redis under a mixed load for SOAK_DURATION (30m),
## with a Redis restart and a SIGTERM; writes its section of
## e2e/RESULTS.md. Not part of test.
SOAK_DURATION ?= 30m
.PHONY: soak
soak:
	SOAK_DURATION=$(SOAK_DURATION) SOAK_RESULTS=$(CURDIR)/e2e/RESULTS.md \
		$(GO) test -tags soak -count=1 -timeout 0 -run '^TestSoak' -v ./e2e/

## bench: the running server under load (memory store, then a Redis it
## starts), the storm day's noise figure, written to e2e/RESULTS.md. Set
## BENCH_FLAGS, e.g. BENCH_FLAGS="-runs memory -duration 5s", or
## "-alertmanager URL" to compare with an Alertmanager already running.
bench:
	$(GO) run ./e2e/bench $(BENCH_FLAGS)

## bench-am: make bench with Prometheus Alertmanager side by side (built
## from its module source by e2e/bench/build-alertmanager.sh).
AM_VERSION ?= v0.35.0
bench-am:
	$(GO) run ./e2e/bench -alertmanager-bin "$$(GO=$(GO) e2e/bench/build-alertmanager.sh $(AM_VERSION))" $(BENCH_FLAGS)

## bench-go: Go benchmarks with allocations (parsers, store, pipeline).
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## lint: gofmt and go vet must be clean.
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags e2e ./...
	$(GO) vet -tags soak ./e2e/

fmt:
	gofmt -w $$(git ls-files '*.go')

## lint-deploy: lint and render the Helm chart, with its defaults and with
## every optional part on (helm comes through the Go module proxy; not part
## of test).
HELM  ?= $(GO) run helm.sh/helm/v3/cmd/helm@v3.22.0
CHART := deploy/helm/alertgate
# helm built by `go run` assumes Kubernetes 1.20; the chart needs 1.30.
KUBE_VERSION ?= 1.32.0
.PHONY: lint-deploy
lint-deploy:
	$(HELM) lint --strict --kube-version $(KUBE_VERSION) $(CHART)
	$(HELM) template alertgate $(CHART) --kube-version $(KUBE_VERSION) >/dev/null
	$(HELM) template alertgate $(CHART) --kube-version $(KUBE_VERSION) --set ingress.enabled=true,serviceMonitor.enabled=true,redis.persistence.enabled=true >/dev/null
	$(HELM) template alertgate $(CHART) --kube-version $(KUBE_VERSION) --set redis.enabled=false,externalRedis.address=redis.example:6379,secrets.create=false,secrets.existingSecret=alertgate-env >/dev/null

## fuzz-short: every fuzz target for FUZZTIME each (CI runs this after the tests).
FUZZTIME ?= 10s
FUZZ_TARGETS := \
	./router/source/alertmanager:FuzzParse \
	./router/source/alertmanager:FuzzLeniency \
	./router/source/alertmanager:FuzzParse_FastPathMatchesReference \
	./router/source/newrelic:FuzzParse \
	./router/source/newrelic:FuzzLeniency \
	./router/source/cloudwatch:FuzzReceive \
	./router/source/cloudwatch:FuzzLeniency \
	./router/source/cloudwatch:FuzzCertURL \
	./router/source/eventbridge:FuzzReceive \
	./router/source/eventbridge:FuzzLeniency \
	./router/notify/slack:FuzzParseInteraction \
	./alert:FuzzBinary \
	./config:FuzzParse \
	./enrich/runbook:FuzzLoad \
	./enrich/llm:FuzzSanitize \
	./web/session:FuzzUser

.PHONY: fuzz-short
fuzz-short:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "fuzz $$pkg $$fn ($(FUZZTIME))"; \
		.ci/fuzz-target $(GO) $$pkg $$fn $(FUZZTIME); \
	done

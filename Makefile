# atlas-backup — `make help` lists the targets.
SHELL := /bin/bash
GO ?= go
PKGS := ./...
GOTEST_FLAGS ?= -count=1 -timeout 60m

.PHONY: help
help: ## list targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

.PHONY: deps
deps: ## install what a fresh machine lacks (Debian packages, moto, Go modules)
	scripts/install-deps

.PHONY: build
build: ## build the CLI into bin/
	$(GO) build -trimpath -o bin/atlas-backup ./cmd/atlas-backup

.PHONY: demo
demo: ## the main job end to end: stack up, seed, backup into S3 (moto), verify, summary
	scripts/demo

.PHONY: bench
bench: ## benchmarks: archive+upload throughput and peak RSS; end-to-end backup vs the manual commands
	scripts/bench

.PHONY: unit
unit: ## unit tests only (no servers)
	$(GO) test $(GOTEST_FLAGS) $(PKGS)

.PHONY: test
test: ## start the local stack if needed, run unit + integration tests, stop what was started
	scripts/test

.PHONY: check
check: ## gofmt, go vet, go mod tidy diff, unit tests with -race
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) vet -tags integration $(PKGS)
	@cp go.mod /tmp/go.mod.check; cp go.sum /tmp/go.sum.check; $(GO) mod tidy; \
	 if ! diff -q go.mod /tmp/go.mod.check >/dev/null || ! diff -q go.sum /tmp/go.sum.check >/dev/null; then \
	   cp /tmp/go.mod.check go.mod; cp /tmp/go.sum.check go.sum; echo "go mod tidy changes go.mod/go.sum"; exit 1; fi
	$(GO) test -race $(GOTEST_FLAGS) $(PKGS)

.PHONY: stack-up
stack-up: ## start the local stack of real servers (KDC, moto, SolrCloud, HBase, Atlas conf)
	scripts/stack up

.PHONY: stack-down
stack-down: ## stop the local stack
	scripts/stack down

.PHONY: stack-status
stack-status: ## health of each local server
	scripts/stack status

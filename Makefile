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

# Lambda functions: one bootstrap (functions/main.go) for every function of template.yaml;
# each function's Handler names its step (shared/handler/dispatch.go).
LAMBDA_HANDLERS := $(shell sed -n 's/^      Handler: //p' template.yaml)
LAMBDA_GOARCH ?= arm64
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -ldflags='-s -w'

.PHONY: build
build: ## build the CLI into bin/ and the one Lambda bootstrap (linux/arm64, norpc, stripped) into dist/lambda/
	$(GO) build -trimpath -o bin/atlas-backup ./cmd/atlas-backup
	CGO_ENABLED=0 GOOS=linux GOARCH=$(LAMBDA_GOARCH) $(GO) build $(LAMBDA_FLAGS) -o dist/lambda/bootstrap ./functions
	@{ echo '# written by make build: sam build (BuildMethod makefile) copies the one bootstrap for every function'; \
	  for h in $(LAMBDA_HANDLERS); do \
	    lg=$$(echo $$h | sed -E 's/(^|-)([a-z])/\U\2/g')Function; \
	    printf 'build-%s:\n\tcp bootstrap $$(ARTIFACTS_DIR)/bootstrap\n' $$lg; \
	  done; } > dist/lambda/Makefile
	@ls -l dist/lambda/bootstrap | awk '{printf "  %-40s %8.1f MB, %d functions\n", $$9, $$5/1048576, '"$(words $(LAMBDA_HANDLERS))"'}'

.PHONY: validate
validate: ## cfn-lint (no errors or warnings), asl-validator on every ASL file, sam validate --lint and sam build (no Docker); installs the tools it lacks
	scripts/install-deps serverless
	cfn-lint template.yaml
	cd scripts/sfn && node validate.mjs $(addprefix ../../,$(wildcard statemachine/*.asl.json))
	@if command -v sam >/dev/null; then \
	  set -ex; [ dist/lambda/Makefile -nt template.yaml ] || $(MAKE) build; \
	  SAM_CLI_TELEMETRY=0 sam validate --lint --region $${AWS_REGION:-us-east-1}; \
	  SAM_CLI_TELEMETRY=0 sam build --region $${AWS_REGION:-us-east-1} --build-dir .aws-sam/build; \
	else echo "validate: sam not installed (python3 -m pip install 'aws-sam-cli==1.170.0'): skipped sam validate/build" >&2; fi

PACKAGE_BUCKET ?=
STACK_NAME ?= atlas-backup
.PHONY: package
package: build ## sam build, then upload the functions to s3://$(PACKAGE_BUCKET) and write dist/packaged.yaml
	@[ -n "$(PACKAGE_BUCKET)" ] || { echo "package: set PACKAGE_BUCKET=<artifact bucket>"; exit 2; }
	@command -v sam >/dev/null || { echo "package: sam not installed: run scripts/install-deps serverless (or python3 -m pip install 'aws-sam-cli==1.170.0')"; exit 2; }
	SAM_CLI_TELEMETRY=0 sam build --build-dir .aws-sam/build
	SAM_CLI_TELEMETRY=0 sam package --template-file .aws-sam/build/template.yaml --s3-bucket $(PACKAGE_BUCKET) --output-template-file dist/packaged.yaml

.PHONY: deploy
deploy: ## deploy dist/packaged.yaml (documented in README "Serverless"; needs AWS credentials and PARAMS)
	@[ -f dist/packaged.yaml ] || { echo "deploy: run make package first"; exit 2; }
	@[ -n "$(PARAMS)" ] || { echo "deploy: set PARAMS='ClusterName=... AtlasHostInstanceId=... KeytabSecretArns=...'"; exit 2; }
	@command -v sam >/dev/null || { echo "deploy: sam not installed: run scripts/install-deps serverless (or python3 -m pip install 'aws-sam-cli==1.170.0')"; exit 2; }
	SAM_CLI_TELEMETRY=0 sam deploy --template-file dist/packaged.yaml --stack-name $(STACK_NAME) \
	  --capabilities CAPABILITY_IAM --parameter-overrides $(PARAMS)

.PHONY: sfn-e2e
sfn-e2e: ## backup and restore state machines end to end on this host: functions under aws-lambda-rie, statemachine/*.asl.json under aws-local-stepfunctions, the local stack behind
	scripts/sfn-e2e

.PHONY: lifecycle
lifecycle: ## retention, lock, hooks and events acceptance on the stack with the full 30 backups in a row (make test runs 10)
	scripts/stack status >/dev/null 2>&1 || scripts/stack up
	LIFECYCLE_BACKUPS=30 $(GO) test -tags integration -count=1 -timeout 90m -v -run 'TestRetentionManyBackups|TestLockTwoCLIs|TestHooks' ./cmd/atlas-backup/

.PHONY: faults
faults: ## fault-injection suite on the stack: HBase killed/paused mid-export and mid-import, KDC down, S3 cut, two CLIs at once, CLI SIGKILLed; prints each outcome and time to outcome (README "Faults")
	scripts/faults

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
test: ## install what the machine lacks, start the local stack if needed, run unit + integration tests and the sfn e2e, stop what was started
	scripts/test

.PHONY: check
check: ## gofmt, go vet, go mod tidy diff, unit tests with -race
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) vet -tags integration $(PKGS)
	$(GO) vet -tags integration,faults ./cmd/atlas-backup/
	$(GO) vet -tags sfn ./scripts/sfn/...
	@$(GO) mod tidy -diff || { echo "check: go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
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

# workplace-mcp: the two commands a new user needs are `make dev` and `make test`.
# Everything the project installs goes into the git-ignored .tools/ folder.

SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo

.PHONY: help dev test tools lint unit e2e e2e-mcp e2e-extension template stack-up stack-down clean-dev

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

dev: ## Run the whole service on 127.0.0.1:9000 with the emulator, the fakes and the demo workspace.
	@infra/scripts/dev.sh

test: tools lint unit e2e template ## Everything CI runs.
	@echo "make test: all checks passed"

tools: ## Install the project's own tools into .tools/ (idempotent).
	@infra/scripts/bootstrap.sh

lint: ## cargo fmt --check and clippy with warnings as errors.
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

unit: ## Unit, handler and emulator-backed integration tests.
	$(CARGO) test --workspace --locked

e2e: e2e-extension e2e-mcp ## End-to-end tests with real clients and harnesses.

e2e-extension: ## The Cequence extension under an emulated Extensions + Telemetry API.
	@tests/extension/run.sh

e2e-mcp: ## The MCP endpoint with real MCP clients under cargo lambda watch.
	@tests/e2e/run.sh

template: ## cfn-lint and sam validate --lint on template.yaml.
	@infra/scripts/lint-template.sh

stack-up: ## Start the local stack in the background (for tests and debugging).
	@infra/scripts/stack.sh up

stack-down: ## Stop the background stack.
	@infra/scripts/stack.sh down

clean-dev: stack-down ## Forget the dev key, token and logs.
	rm -rf .dev

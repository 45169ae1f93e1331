# workplace-mcp: the two commands a new user needs are `make dev` and `make test`.
# Everything the project installs goes into the git-ignored .tools/ folder.

SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo

.PHONY: help dev test tools lint gates unit security smoke extension e2e tenants template bench profile load relevance build-CequenceExtensionLayer stack-up stack-down clean-dev demo-files fuzz

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

dev: ## Run the whole service on 127.0.0.1:9000 with the emulator, the fakes and the demo workspace.
	@infra/scripts/dev.sh

test: tools lint gates unit security template extension smoke e2e tenants ## Everything CI runs.
	@echo "make test: all checks passed"

tools: ## Install the project's own tools into .tools/ (idempotent).
	@infra/scripts/bootstrap.sh

lint: ## cargo fmt --check and clippy with warnings as errors.
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

gates: ## cargo doc with warnings denied, no unused dependencies (cargo-machete), cargo-deny licenses/bans/sources offline.
	@infra/scripts/gates.sh

unit: ## Unit, handler and emulator-backed integration tests.
	$(CARGO) test --workspace --locked

security: ## The adversarial suite: JWT attack corpus (in-process and over HTTP against the local stack), cross-principal and property tests, a short run of every fuzz target.
	$(CARGO) test --locked -p workplace-auth --test test_tokens --test test_service_tokens --test test_token_forgery
	$(CARGO) test --locked -p workplace-service --test test_jwt_attacks --test test_cross_principal --test test_service_token_identity --test test_cache_access --test prop_rrf
	$(CARGO) test --locked -p workplace-ratelimit --test prop_gcra
	@tests/security/run.sh
	@fuzz/run.sh --smoke

template: ## cfn-lint, sam validate --lint, the SAM transform, checkov and the alarm rules on template.yaml (offline).
	@infra/scripts/lint-template.sh

extension: ## The Cequence extension under an emulated Extensions + Telemetry API and OTLP sink.
	@tests/extension/run.sh

e2e: ## The MCP endpoint with real clients: Python SDK 1.x and 2.x, Inspector, conformance, LangChain, CrewAI.
	@tests/e2e/run.sh

smoke: ## The local stack as a new user meets it: the README's curl calls.
	@tests/smoke/run.sh

tenants: ## The cross-tenant suite: two demo organisations on the local stack (STACK_TENANTS=1), every route, tool, id, cursor, cache and limit tried across them, admin CLI changes within the TTL, the usage report.
	@tests/tenants/run.sh

bench: ## Lambda-billed cost of every release function and of a Python reference, under a Runtime API emulator (not part of `make test`).
	@infra/bench/run.sh

profile: ## Where a warm three-source MCP search spends its instructions: callgrind on the release build with symbols, split by part (not part of `make test`).
	@infra/bench/profile.sh

relevance: ## The relevance benchmark: recall@5 and nDCG@10 per query category, query planner vs pass-through baseline, one run against the fakes (docs/RELEVANCE.md).
	$(CARGO) test --locked -p workplace-service --test test_relevance -- --nocapture --include-ignored --test-threads 1

load: ## The Artillery load test against a local stack with a low per-user limit; checks admitted/limited counts (not part of `make test`).
	@infra/load/run.sh

stack-up: ## Start the local stack in the background (for tests and debugging).
	@infra/scripts/stack.sh up

stack-down: ## Stop the background stack.
	@infra/scripts/stack.sh down

demo-files: ## Regenerate the demo Office/PDF files the fakes serve (deterministic; output is checked in).
	@source infra/scripts/lib.sh && pip_ensure infra/fakes/corpus/files/requirements-demo-files.txt \
	  && "$$VENV/bin/python" infra/fakes/corpus/files/generate.py

fuzz: ## Long fuzz runs: every target of fuzz/ (FUZZ_SECONDS each, default 300), then each document parser of shared/extract (FUZZ_SECONDS, default 60).
	@fuzz/run.sh
	@shared/extract/fuzz/run.sh

clean-dev: stack-down ## Forget the dev key, token and logs.
	rm -rf .dev

# Called by `sam build` for the CequenceExtensionLayer (BuildMethod: makefile): an arm64 release
# build of the extension, placed where Lambda looks for external extensions.
build-CequenceExtensionLayer:
	PATH="$(CURDIR)/.tools/venv/bin:$$PATH" cargo lambda build --release --extension --arm64 -p cequence-extension
	mkdir -p "$(ARTIFACTS_DIR)/extensions"
	cp target/lambda/extensions/cequence-extension "$(ARTIFACTS_DIR)/extensions/cequence-extension"

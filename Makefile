# The project's commands. `make local` and `make test` are the two a newcomer needs (see README).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.12 is the Lambda runtime; find it on PATH or in pyenv (also needed by `sam build`).
PYTHON312 := $(shell python3.12 -c 'import sys; print(sys.executable)' 2>/dev/null)
ifeq ($(PYTHON312),)
PYTHON312 := $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) $(wildcard /usr/bin/python3.12) $(wildcard /usr/local/bin/python3.12))
endif
# The virtualenvs take 3.12, else 3.13 (pyproject allows both): lint, typecheck, the tests, `make
# local` and `sam validate` run on either; only `make build` (so `make test`) needs 3.12 itself.
PYTHON313 := $(shell python3.13 -c 'import sys; print(sys.executable)' 2>/dev/null)
ifeq ($(PYTHON313),)
PYTHON313 := $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(wildcard /usr/bin/python3.13) $(wildcard /usr/local/bin/python3.13))
endif
PYTHON := $(or $(PYTHON312),$(PYTHON313))
VENV := .venv
SAM_VENV := .venv-sam
CHECKS_VENV := .venv-checks
PY := $(VENV)/bin/python
SAM := $(SAM_VENV)/bin/sam
# pytest on every core (pytest-xdist): each worker has its own moto and, for e2e, its own stack.
PYTEST := $(VENV)/bin/pytest -n auto --dist worksteal
export PATH := $(if $(PYTHON312),$(dir $(PYTHON312)):)$(PATH)

.PHONY: help install local test test-fast lint typecheck template-check smoke unit integration e2e coverage validate build openapi openapi-check bench bench-training bench-scoring clean
.PHONY: events sam-local sam-image

help:  ## list the commands
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 (or 3.13) not found (install it, e.g. pyenv install 3.12)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@echo "Installing the app and its dev tools into $(VENV) (about a minute on a fresh clone)"
	$(PY) -m pip install --progress-bar on -e '.[dev]'
	touch $@

$(SAM_VENV)/.installed: requirements-sam.txt
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	@echo "Installing the AWS SAM CLI into $(SAM_VENV) (about a minute on a fresh clone)"
	$(SAM_VENV)/bin/pip install --progress-bar on -r requirements-sam.txt
	touch $@

$(CHECKS_VENV)/.installed: requirements-checks.txt
	test -x $(CHECKS_VENV)/bin/python || $(PYTHON) -m venv $(CHECKS_VENV)
	$(CHECKS_VENV)/bin/pip install --quiet -r requirements-checks.txt
	touch $@

install: $(VENV)/.installed $(SAM_VENV)/.installed $(CHECKS_VENV)/.installed  ## create the virtualenvs (done by every target that needs them)

local: $(VENV)/.installed  ## start the whole service on http://127.0.0.1:3000 (moto as AWS); Ctrl-C stops it
	$(PY) -m local.stack

sam-local: $(VENV)/.installed $(SAM_VENV)/.installed  ## the API under `sam local start-api` (Docker) on http://127.0.0.1:3000, moto as AWS; Ctrl-C stops both
	$(PY) -m local.sam_local --arch $(shell uname -m)

sam-image: $(VENV)/.installed $(SAM_VENV)/.installed  ## Docker, the Lambda base image and the functions built for this machine (cached); without Docker one loud line, no error
	@$(PY) -m local.sam_local --prepare-only --arch $(shell uname -m) || [ $$? -eq 3 ]

lint: $(VENV)/.installed  ## ruff (lint + format check) and the layers (import-linter contracts in pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(VENV)/.installed  ## mypy --strict
	$(VENV)/bin/mypy

smoke:  ## the README walk-through against a deployment: make smoke URL=<ApiUrl> KEY=<key> NAMESPACE=<its namespace>
	@test -n "$(URL)" -a -n "$(KEY)" -a -n "$(NAMESPACE)" || { echo "usage: make smoke URL=<ApiUrl> KEY=<api key> NAMESPACE=<the key's namespace>"; exit 2; }
	$(or $(PYTHON312),python3) scripts/smoke.py --url "$(URL)" --key "$(KEY)" --namespace "$(NAMESPACE)"

template-check: $(VENV)/.installed $(CHECKS_VENV)/.installed  ## cfn-lint (serverless rules) + checkov on template.yaml, against template-baseline.yaml
	$(PY) scripts/template_checks.py --cfn-lint $(VENV)/bin/cfn-lint --checkov $(CHECKS_VENV)/bin/checkov

# Each function's log group, alarms, dashboard rows, baseline entry and requirements.txt are
# derived from its template entry (docs/template.md); tests/unit/test_template_parts.py checks them.
.PHONY: template-parts template-parts-check
template-parts: $(VENV)/.installed  ## write template.yaml's per-function parts from its functions (log groups, alarms, dashboard, ...)
	$(PY) scripts/template_parts.py

template-parts-check: $(VENV)/.installed  ## fail when a per-function part of template.yaml (or what else it derives) is stale
	$(PY) scripts/template_parts.py --check

coverage: $(VENV)/.installed  ## every test (unit, integration, e2e) with branch coverage >= 90%
	$(PYTEST) --cov --cov-report=term --cov-fail-under=90

unit: $(VENV)/.installed  ## unit tests only (no network)
	$(PYTEST) tests/unit

integration: $(VENV)/.installed  ## integration tests only (moto in-process)
	$(PYTEST) tests/integration

e2e: $(VENV)/.installed  ## end-to-end tests only (the local stack over HTTP)
	$(PYTEST) tests/e2e

test-fast: $(VENV)/.installed  ## every test but the slow ones (marked slow), for local iteration
	$(PYTEST) -m "not slow"

validate: $(SAM_VENV)/.installed  ## sam validate --lint (offline)
	AWS_DEFAULT_REGION=us-east-1 SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --template-file template.yaml

build: $(SAM_VENV)/.installed  ## sam build without Docker (needs python3.12, the functions' runtime)
	@test -n "$(PYTHON312)" || { echo "sam build needs Python 3.12 (the Lambda runtime) to build without Docker; install it (e.g. pyenv install 3.12)"; exit 1; }
	AWS_DEFAULT_REGION=us-east-1 SAM_CLI_TELEMETRY=0 $(SAM) build --template-file template.yaml --build-dir .aws-sam/build --cached --parallel

openapi: $(VENV)/.installed  ## regenerate docs/openapi.json from the code
	$(PY) -m u22a8.api.openapi > docs/openapi.json

openapi-check: $(VENV)/.installed  ## fail when docs/openapi.json differs from the code
	$(PY) -m u22a8.api.openapi | diff -u docs/openapi.json - && echo "docs/openapi.json is up to date"

events: $(VENV)/.installed  ## regenerate events/ (a ready event per function, for sam local invoke)
	$(PY) -m local.sam_events

bench: $(VENV)/.installed  ## benchmarks (not tests): cold start and AWS calls per request
	$(PY) bench/cold_start.py

bench-training: $(VENV)/.installed  ## benchmark: training runs on the local stack (1k/10k samples, each effort; minutes)
	$(PY) bench/training.py

.PHONY: bench-quality
bench-quality: $(VENV)/.installed  ## benchmark: real text (npm summaries), each effort beside a scikit-learn peer (minutes)
	$(PY) bench/quality.py

bench-scoring: $(VENV)/.installed  ## benchmark: warm scoring latency and cold artifact load, as ratios to a read
	$(PY) bench/scoring.py

# The quick checks two at a time (each one's output kept together), then the base image and the
# tests, whose long output is best read as it comes.
CHECKS := lint typecheck template-check validate build openapi-check
test: $(VENV)/.installed $(SAM_VENV)/.installed $(CHECKS_VENV)/.installed  ## everything CI runs
	@$(MAKE) --no-print-directory -j2 --output-sync=target $(CHECKS)
	@$(MAKE) --no-print-directory sam-image coverage

# Mutation testing of the core (tools/mutation.py); CPU heavy, so not part of `make test`.
MUTATION_MODULES := shared/u22a8/data/models_repo.py shared/u22a8/data/model_update.py shared/u22a8/domain/runs_service.py shared/u22a8/domain/reconcile.py
# The tests that exercise them (the slow stateful and whole-workflow suites left out).
MUTATION_TESTS := tests/unit $(addprefix tests/integration/,test_read_models.py test_patch_model.py \
	test_create_model.py test_archive_model.py test_concurrency.py test_train.py test_cancel.py \
	test_cancel_right_after_train.py test_runs.py test_faults.py test_reconcile.py \
	test_reconcile_leftovers.py test_retrain.py test_retrain_start.py test_hostile_findings.py \
	test_failures.py test_dynamodb_calls.py)
MUTATION_MINUTES ?= 90
.PHONY: mutation
mutation: $(VENV)/.installed  ## mutation testing of models_repo and model_update, runs_service, reconcile (slow; MUTATION_MINUTES=90)
	$(PY) tools/mutation.py $(MUTATION_MODULES) --tests $(MUTATION_TESTS) --budget-minutes $(MUTATION_MINUTES)

clean:  ## remove build output and tool caches (not the virtualenvs)
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache .coverage

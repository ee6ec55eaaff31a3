# The two set-up-and-run commands: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: venv demo test lint bench clean

venv: $(PY)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

demo: venv
	$(PIP) install -q -e .
	$(VENV)/bin/spatialcoupling demo --out demo-output --force

test: venv
	$(PIP) install -q -e ".[test]"
	$(PY) -m ruff check .
	$(PY) -m pytest -q

bench: venv
	$(PIP) install -q -e ".[test,bench]"
	$(PY) benchmarks/run.py

clean:
	rm -rf demo-output build *.egg-info .pytest_cache

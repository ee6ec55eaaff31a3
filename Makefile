# Set-up-and-run commands: `make demo`, `make test` (lint, docs and every test), `make test-fast`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

# Files already in ruff's format. TEMPORARY: the lead widens this to `.` after the round's format pass
# (the lint plan of this release: `ruff format .`, then the FORMATTED list goes).
FORMATTED ?= tests/conftest.py \
	tests/test_version.py \
	docs/hooks.py \
	tests/test_autocorrelation.py \
	tests/test_autocorrelation_api.py \
	tests/test_clubs.py \
	tests/test_convergence.py \
	tests/test_convergence_api.py \
	tests/test_convergence_checks.py \
	tests/test_drivers_bivariate.py \
	tests/test_drivers_detector.py \
	tests/test_drivers_hotspots.py \
	tests/test_drivers_obstacle.py \
	tests/test_drivers_results.py \
	tests/test_drivers_robustness.py \
	tests/test_drivers_topsis.py \
	tests/test_dynamics_density.py \
	tests/test_dynamics_gravity.py \
	tests/test_dynamics_markov.py \
	tests/test_dynamics_rank.py \
	tests/test_dynamics_space_time.py \
	tests/test_inequality.py \
	tests/test_notebooks.py \
	tests/test_readme.py \
	tests/test_spatial_panel.py \
	tests/test_spatial_panel_api.py \
	tests/test_spatial_panel_checks.py \
	tests/test_tables_compat.py \
	tests/test_tables_layouts.py \
	tests/test_tables_regression.py \
	notebooks

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

# every check CI runs: lint, the documentation site, all tests and doctests (slow ones included)
test: install lint docs
	$(PY) -m pytest -q

# the quick loop while editing: tests and doctests without the ones marked slow
test-fast: install
	$(PY) -m pytest -q -m "not slow"

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check $(FORMATTED)
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

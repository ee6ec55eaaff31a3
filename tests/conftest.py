"""Shared fixtures: the bundled US data and its queen weights, built once per test session.

Each fixture hands a test its own copy, so a test that changes its frame or the weights' transform
cannot change another test's input.
"""

import copy
import os
import warnings

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("SPATIALCOUPLING_PROGRESS", "0")


@pytest.fixture(scope="session")
def _us_states_once():
    import spatialcoupling as sc

    return sc.datasets.load("us_states")


@pytest.fixture(scope="session")
def _us_queen_once(_us_states_once):
    import spatialcoupling as sc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sc.spatial_weights(_us_states_once, kind="queen")


@pytest.fixture
def us_states(_us_states_once):
    """The 48 contiguous US states (GeoDataFrame indexed by state name, libpysal's us48 boundaries)."""
    return _us_states_once.copy()


@pytest.fixture
def us_queen(_us_queen_once):
    """Row-standardised queen contiguity weights of the 48 states (libpysal ``W``, ids = state names)."""
    return copy.deepcopy(_us_queen_once)


@pytest.fixture
def us_income():
    """BEA per-capita personal income of the 48 states, 1929–2009, a (region, period) Series."""
    import spatialcoupling as sc

    return sc.datasets.load("us_income")

"""The written-out ``__all__`` lists match the lazy export tables they document."""

import importlib

import pytest

import spatialcoupling as sc
from spatialcoupling import dynamics


def test_package_all_is_the_export_table():
    assert sc.__all__ == sorted([*sc._EXPORTS, *sc._SUBMODULES, "__version__"])
    assert dir(sc) == sc.__all__


def test_dynamics_all_is_the_export_table():
    assert dynamics.__all__ == sorted(dynamics._EXPORTS)
    assert dir(dynamics) == dynamics.__all__


@pytest.mark.parametrize("module", ["spatialcoupling", "spatialcoupling.dynamics"])
def test_every_listed_name_resolves(module):
    mod = importlib.import_module(module)
    for name in mod.__all__:
        assert getattr(mod, name) is not None, name

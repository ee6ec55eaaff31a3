"""Interval quantiles of the bootstrap replicates against numpy's quantile functions."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from spatialcoupling.inequality._bootstrap import _column_quantiles


def _draws(seed: int, nan: bool) -> np.ndarray:
    rng = np.random.default_rng(seed)
    draws = np.round(rng.normal(size=(199, 12)), 1)  # ties
    draws[:3, 2] = np.inf
    draws[5, 3] = -np.inf
    draws[:, 4] = 0.25  # a constant column
    if nan:
        draws[rng.random(draws.shape) < 0.05] = np.nan
        draws[:, 5] = np.nan  # nothing to read
    return draws


def _nanquantile(draws: np.ndarray, prob: float) -> np.ndarray:
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanquantile(draws, prob, axis=0)


@pytest.mark.parametrize("nan", [False, True])
@pytest.mark.parametrize("levels", [(0.95,), (0.025, 0.975), (0.0, 1.0), (0.5,)])
def test_quantiles_at_one_level_per_entry(nan, levels):
    draws = _draws(1, nan)
    ncol = draws.shape[1]
    got = _column_quantiles(draws, *(np.full(ncol, p) for p in levels))
    finite = ~np.isinf(draws).any(axis=0)  # numpy interpolates ±inf into NaN; the package keeps the infinity
    for g, p in zip(got, levels, strict=True):
        np.testing.assert_allclose(g[finite], _nanquantile(draws, p)[finite], rtol=1e-14, atol=1e-15)
    # a column of NaN makes every column go through the full sort: the same values
    padded = np.column_stack([draws, np.full(draws.shape[0], np.nan)])
    by_sort = _column_quantiles(padded, *(np.full(ncol + 1, p) for p in levels))
    for g, s in zip(got, by_sort, strict=True):
        np.testing.assert_array_equal(g, s[:ncol])


def test_quantiles_at_levels_per_column():
    draws = _draws(2, nan=False)
    probs = np.linspace(0.05, 0.95, draws.shape[1])
    (got,) = _column_quantiles(draws, probs)
    ref = np.array([_nanquantile(draws[:, [c]], probs[c])[0] for c in range(draws.shape[1])])
    np.testing.assert_allclose(got, ref, rtol=1e-14, atol=1e-15)

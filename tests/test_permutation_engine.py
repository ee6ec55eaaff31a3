"""The one conditional-permutation engine: permuted lags against their definition, the folded counts
against the exact permutation distribution (unequal weights, a self-weight), the same numbers for any
n_jobs in the driver statistics, and the OPGD search's q against a labelling of every candidate."""

from __future__ import annotations

from itertools import permutations as ordered_samples

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from spatialcoupling.autocorrelation._permutation import _draw_distinct, _permuted_lags, conditional_lag_counts
from spatialcoupling.drivers import BivariateLocalMoran, DifferentialLocalMoran, GeoDetector, HotSpots
from spatialcoupling.drivers._breaks import breaks, classify, natural_breaks
from spatialcoupling.drivers.detector import q_statistic


@pytest.mark.parametrize("rows", [np.array([3, 4, 5, 6, 7, 8]), np.array([2, 5, 6, 11, 30, 47])])
def test_permuted_lags_with_unequal_weights_follow_the_definition(rows):
    # region i takes the values at j + (j >= i) for its drawn indices j in 0..n-2 (it never draws itself)
    rng = np.random.default_rng(0)
    n, T, P, k = 50, 3, 300, 6
    z = rng.normal(size=(n, T))
    wts = rng.random((rows.size, k))
    draws = _draw_distinct(rng, P, k, n - 1)
    lags = _permuted_lags(rows, wts, z, draws)
    taken = draws[:, None, :] + (draws[:, None, :] >= rows[None, :, None])  # (P, rows, k)
    direct = np.einsum("ck,pckt->pct", wts, z[taken])
    np.testing.assert_allclose(lags, direct, rtol=0, atol=1e-12)


def _exact_folded(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """min(P(lag* >= lag), P(lag* <= lag)) over every ordered draw of the neighbours from the others."""
    n = y.size
    out = np.empty(n)
    for i in range(n):
        nb = np.flatnonzero((w[i] != 0) & (np.arange(n) != i))
        obs = w[i, nb] @ y[nb]
        others = [j for j in range(n) if j != i]
        lags = np.array([w[i, nb] @ y[list(d)] for d in ordered_samples(others, nb.size)])
        tol = 1e-9 * np.abs(y).max() * np.abs(w[i]).sum()
        out[i] = min((lags >= obs - tol).mean(), (lags <= obs + tol).mean())
    return out


def test_folded_counts_match_the_exact_distribution_with_unequal_weights_and_a_self_weight():
    rng = np.random.default_rng(5)
    n = 7
    w = np.zeros((n, n))
    for i in range(n):  # a ring with chords, weights 1, 2, 3 ...: unequal within every row
        for step, value in ((1, 1.0), (-1, 2.0), (3, 0.5)):
            w[i, (i + step) % n] = value
    np.fill_diagonal(w, 4.0)  # held fixed: it must not change the counts
    y = np.round(rng.normal(size=n), 2)
    P = 20000
    lag, count, _ = conditional_lag_counts(sp.csr_matrix(w), y[:, None], permutations=P, seed=2)
    np.testing.assert_allclose(lag[:, 0], (w - np.diag(np.diag(w))) @ y)
    exact = _exact_folded(y, w)
    se = np.sqrt(exact * (1 - exact) / P) + 1e-9
    assert np.all(np.abs(count[:, 0] / P - exact) < 5 * se + 1e-4)
    # an affine change of the values changes no comparison (each row's weight sum is fixed)
    _, again, _ = conditional_lag_counts(sp.csr_matrix(w), 1e6 + 3.0 * y[:, None], permutations=P, seed=2)
    np.testing.assert_array_equal(again, count)


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match="2-D"):
        conditional_lag_counts(sp.eye(3, format="csr"), np.ones(3), permutations=9, seed=1)
    with pytest.raises(ValueError, match="do not match 4 regions"):
        conditional_lag_counts(sp.eye(3, format="csr"), np.ones((4, 1)), permutations=9, seed=1)


@pytest.fixture
def lattice():
    """A 6 x 6 rook lattice with inverse-distance-like unequal weights and three periods."""
    from libpysal.weights import W, lat2W

    rook = lat2W(6, 6)
    ids = [f"r{i}" for i in range(36)]
    neighbours = {ids[i]: [ids[j] for j in rook.neighbors[i]] for i in range(36)}
    weights = {ids[i]: [1.0 / (1 + abs(i - j)) for j in rook.neighbors[i]] for i in range(36)}
    w = W(neighbours, weights, silence_warnings=True)
    rng = np.random.default_rng(1)
    index = pd.MultiIndex.from_product([ids, [2020, 2021, 2022]], names=["region", "period"])
    x = pd.Series(rng.normal(size=len(index)), index=index, name="x")
    y = pd.Series(rng.normal(size=len(index)), index=index, name="y")
    return w, x, y


def test_driver_statistics_give_the_same_numbers_for_any_n_jobs(lattice):
    w, x, y = lattice
    for transform in ("r", "b"):
        one = HotSpots(permutations=99, seed=4, transform=transform, n_jobs=1).fit(x, w).table
        two = HotSpots(permutations=99, seed=4, transform=transform, n_jobs=2).fit(x, w).table
        pd.testing.assert_frame_equal(one, two)
    one = BivariateLocalMoran(permutations=99, seed=4).fit(x, y, w).table
    two = BivariateLocalMoran(permutations=99, seed=4, n_jobs=2).fit(x, y, w).table
    pd.testing.assert_frame_equal(one, two)
    one = DifferentialLocalMoran(permutations=99, seed=4).fit(x, w).table
    two = DifferentialLocalMoran(permutations=99, seed=4, n_jobs=-1).fit(x, w).table
    pd.testing.assert_frame_equal(one, two)


def test_bivariate_and_differential_share_one_constructor():
    assert "__init__" not in vars(BivariateLocalMoran)
    model = DifferentialLocalMoran(spans=[(2020, 2022)], permutations=9, seed=1, n_jobs=2)
    assert model.get_params()["spans"] == [(2020, 2022)]
    assert model.get_params()["n_jobs"] == 2


def test_opgd_search_q_equals_the_q_of_each_candidate_labelled_on_its_own():
    rng = np.random.default_rng(3)
    idx = pd.MultiIndex.from_product([[f"r{i}" for i in range(60)], [2020]], names=["region", "period"])
    x = np.round(rng.lognormal(size=60), 1)  # ties: equal values stay in one class
    y = pd.Series(np.log(x) + rng.normal(scale=0.5, size=60), index=idx, name="D")
    res = GeoDetector(method="optimal", k_range=(3, 6), by="period").fit(y, pd.DataFrame({"x": x}, index=idx))
    search = res.search.loc[(2020, "x")]
    natural = natural_breaks(x, 6)
    for (method, k), row in search.iterrows():
        cuts = natural[k] if method == "natural" else breaks(x, method, k)
        codes = classify(x, cuts)
        assert row["q"] == pytest.approx(q_statistic(y.to_numpy(), codes), abs=1e-12)
        assert row["strata"] == np.unique(codes).size
    assert res.table.loc[(2020, "x"), "q"] == pytest.approx(search["q"].max(), abs=1e-12)

"""Rank mobility checked against scipy, giddy's Tau and SpatialTau (with its published example
and its own permutations) and a hand-ranked case."""

# giddy draws its permutations from numpy's global random state; the tests replay them
# ruff: noqa: NPY002

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kendalltau

import spatialcoupling as sc
from spatialcoupling.dynamics import RankMobility
from spatialcoupling.dynamics.rank import spatial_tau


@pytest.fixture(scope="module")
def income():
    return sc.datasets.load("us_income")


def test_tau_equals_scipy_and_giddy(income):
    from giddy.rank import Tau

    r = RankMobility(permutations=0).fit(income)
    wide = income.unstack("period")
    for a, b in [(1929, 1930), (1929, 2009), (1990, 1991)]:
        expected, p = kendalltau(wide[a], wide[b])
        assert r.table.loc[(a, b), "tau"] == pytest.approx(expected)
        assert r.table.loc[(a, b), "p_value"] == pytest.approx(p)
        assert r.table.loc[(a, b), "tau"] == pytest.approx(Tau(wide[a].to_numpy(), wide[b].to_numpy()).tau)
    assert "tau_spatial" not in r.table.columns
    assert (1929, 2009) in r.table.index
    assert len(r.table) == 81


def test_spatial_tau_equals_giddy_published():
    """giddy SpatialTau docs: Mexican states, block weights of the esquivel99 regions,
    np.random.seed(12345); [SpatialTau(y[:, i], y[:, i + 1], w, 99) for i in range(6)]."""
    import libpysal

    f = libpysal.io.open(libpysal.examples.get_path("mexico.csv"))
    y = np.transpose(np.array([f.by_col[f"pcgdp{dec}"] for dec in range(1940, 2010, 10)]))
    w = libpysal.weights.block_weights(np.array(f.by_col["esquivel99"]))
    np.random.seed(12345)
    perms = [np.array([np.random.permutation(len(y)) for _ in range(99)]) for _ in range(6)]
    published = [
        "   0.397    0.659    0.010",
        "   0.492    0.706    0.010",
        "   0.651    0.772    0.020",
        "   0.714    0.752    0.210",
        "   0.683    0.705    0.270",
        "   0.810    0.819    0.280",
    ]
    for i in range(6):
        res = spatial_tau(y[:, i], y[:, i + 1], w.sparse, perms[i])
        assert f"{res['tau_spatial']:8.3f} {res['expected']:8.3f} {res['p_sim']:8.3f}" == published[i]


def test_spatial_tau_counts_by_hand():
    import scipy.sparse as sp

    # a path 0-1-2-3; x = ranks 1 2 3 4, y swaps 2 and 3
    x = np.array([1.0, 2.0, 3.0, 4.0])
    y = np.array([1.0, 3.0, 2.0, 4.0])
    a = sp.csr_matrix(np.array([[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]], dtype=float))
    res = spatial_tau(x, y, a)
    # pairs (0,1): concordant; (1,2): discordant; (2,3): concordant
    assert (res["concordant"], res["discordant"], res["pairs"]) == (2, 1, 3)
    assert res["tau_spatial"] == pytest.approx(1 / 3)
    assert np.isnan(res["p_sim"])


def test_ranks_and_changes_by_hand():
    idx = pd.MultiIndex.from_product([["a", "b", "c", "d"], [1, 2, 3]], names=["region", "period"])
    y = pd.Series([4, 1, 1, 3, 3, 4, 2, 4, 3, 1, 2, 2], index=idx, dtype=float)
    r = RankMobility(permutations=0).fit(y)
    # period 1: a 4, b 3, c 2, d 1 -> ranks 1 2 3 4; period 3: a 1, b 4, c 3, d 2 -> 4 1 2 3
    assert r.ranks[1].tolist() == [1, 2, 3, 4]
    assert r.ranks[3].tolist() == [4, 1, 2, 3]
    assert r.ranks[2].tolist() == [4, 2, 1, 3]  # period 2: a 1, b 3, c 4, d 2
    ch = r.changes
    assert ch["change"].tolist() == [-3, 1, 1, 1]
    assert ch.loc["a", "largest_fall"] == 3
    assert ch.loc["c", "largest_rise"] == 2
    assert ch.loc["a", "mean_abs_change"] == pytest.approx(1.5)


def test_ties_share_the_smallest_rank():
    idx = pd.MultiIndex.from_product([["a", "b", "c"], [1, 2]], names=["region", "period"])
    y = pd.Series([5, 1, 5, 2, 1, 3], index=idx, dtype=float)
    assert RankMobility(permutations=0).fit(y).ranks[1].tolist() == [1, 1, 3]


def test_spatial_tau_of_the_states_is_seeded(income, us_queen):
    w = us_queen
    a = RankMobility(permutations=99, seed=4).fit(income, w).table
    b = RankMobility(permutations=99, seed=4).fit(income, w).table
    pd.testing.assert_frame_equal(a, b)
    assert (a["tau_spatial"] <= 1).all()
    assert a["p_sim"].between(0, 0.5).all()
    assert (a["pairs"] == w.sparse.nnz / 2).all()  # queen links among the 48 states, each pair once


def test_result_contract_and_plots(income, tmp_path, us_states, us_queen):
    us, w = us_states, us_queen
    r = RankMobility(permutations=19, seed=1, pairs="first").fit(income, w)
    assert r.table.index[0] == (1929, 1930)
    assert r.table.index[-1] == (1929, 2009)
    assert len(r.table) == 80
    assert r.plot().axes
    assert r.plot(kind="map", regions=us).axes
    with pytest.raises(ValueError, match="needs regions"):
        r.plot(kind="map")
    r.export(tmp_path / "rank.xlsx")
    assert set(r.tables) == {"table", "ranks", "changes", "settings_table"}

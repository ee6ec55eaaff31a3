"""The batched Dagum kernels at bootstrap scale: pair sums and their moments against every pair
formed by hand, results independent of the order the sort gives tied values, and the same
numbers for any n_jobs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spatialcoupling as sc
from spatialcoupling.inequality import _dagum_core
from spatialcoupling.inequality._dagum_core import _pair_sums, _sorted_sample


def _brute_force(ys, lab, W, k):
    """P[m, j, h] and A[m, i, h] with every pair formed: A_ih = Σ_{r ∈ h} w_r (y_i − y_r)⁺."""
    pos = np.maximum(ys[:, None] - ys[None, :], 0.0)  # (i, r)
    onehot = (lab[:, None] == np.arange(k)).astype(float)
    A = np.einsum("ir,mr,rh->mih", pos, W, onehot)
    P = np.einsum("mi,ij,mih->mjh", W, onehot, A)
    return P, A


@pytest.mark.parametrize("integer", [True, False])
def test_pair_sums_and_moments_equal_every_pair_formed(integer):
    rng = np.random.default_rng(3)
    n, k, m = 41, 4, 37  # m above the block size: several blocks, the last one short
    lab_raw = np.concatenate([np.arange(k), rng.integers(0, k, n - k)])
    ys, lab, _, _ = _sorted_sample(rng.lognormal(0, 0.6, n), lab_raw)
    W = rng.integers(0, 4, (m, n)).astype(float) if integer else rng.uniform(0.1, 2.0, (m, n))
    W[:, np.searchsorted(np.sort(lab), np.arange(k))] += 1.0  # keep every group weighted
    P_ref, A_ref = _brute_force(ys, lab, W, k)
    np.testing.assert_allclose(_pair_sums(ys, lab, W, k, None), P_ref, rtol=1e-12, atol=1e-12)

    yc = rng.normal(size=(m, n))
    Tc = rng.normal(size=(m, n))
    moments = {"yc": yc, "Tc": Tc, "A_own": np.empty((m, n)), "a_mom": np.empty((3, m, k, k))}
    P = _pair_sums(ys, lab, W, k, moments)
    np.testing.assert_allclose(P, P_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(moments["A_own"], A_ref[:, np.arange(n), lab], rtol=1e-12, atol=1e-12)
    onehot = (lab[:, None] == np.arange(k)).astype(float)
    for c, other in enumerate((A_ref, yc[:, :, None], Tc[:, :, None])):
        ref = np.einsum("mi,il,mih->mlh", W, onehot, A_ref * other)
        np.testing.assert_allclose(moments["a_mom"][c], ref, rtol=1e-10, atol=1e-10)


def _tied_panel():
    """Quarter-unit values with many ties: every sum of the kernels is exact in floating point."""
    rng = np.random.default_rng(11)
    n, T = 300, 2
    regions = [f"r{i:03d}" for i in range(n)]
    index = pd.MultiIndex.from_product([regions, [2000, 2001]], names=["region", "period"])
    series = pd.Series(rng.integers(1, 13, n * T) / 4.0, index=index)
    groups = pd.Series([f"g{i % 3}" for i in range(n)], index=regions)
    return series, groups


@pytest.mark.parametrize("ci", ["percentile", "symmetric-t"])
def test_order_of_tied_values_does_not_change_results(monkeypatch, ci):
    """Stable, default and reversed orders of ties (the argument is in ``_value_order``)."""
    series, groups = _tied_panel()
    values = series.xs(2000, level="period").to_numpy()
    orders = {
        "default": np.argsort,
        "stable": lambda v: np.argsort(v, kind="stable"),
        "reversed ties": lambda v: np.lexsort((-np.arange(v.size), v)),
    }
    assert not np.array_equal(orders["stable"](values), orders["reversed ties"](values))
    fits = {}
    for name, order in orders.items():
        monkeypatch.setattr(_dagum_core, "_value_order", order)
        res = sc.DagumGini(bootstrap=30, seed=5, ci=ci).fit(series, groups)
        fits[name] = (res.table, res.between)
    ref_table, ref_between = fits["stable"]
    for name in ("default", "reversed ties"):
        table, between = fits[name]
        if ci == "percentile":  # every partial sum exact: equal to the last bit
            pd.testing.assert_frame_equal(table, ref_table, check_exact=True)
            pd.testing.assert_frame_equal(between, ref_between, check_exact=True)
        else:  # standard errors divide by group means: equal to the rounding of reordered sums
            pd.testing.assert_frame_equal(table, ref_table, rtol=1e-12)
            pd.testing.assert_frame_equal(between, ref_between, rtol=1e-12)


def test_same_numbers_for_any_n_jobs():
    series, groups = _tied_panel()
    kw = {"bootstrap": 70, "seed": 9}
    one = sc.DagumGini(**kw, n_jobs=1).fit(series, groups)
    two = sc.DagumGini(**kw, n_jobs=2).fit(series, groups)
    pd.testing.assert_frame_equal(one.table, two.table, check_exact=True)
    pd.testing.assert_frame_equal(one.between, two.between, check_exact=True)

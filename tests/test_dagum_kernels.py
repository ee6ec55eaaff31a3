"""The Dagum bootstrap kernels against every pair formed by hand: the pair sums of the one-gather
path (frequency weights, ties, a one-member group, a group without members, exact zeros for
groups that do not overlap) and the replicate draws against their definition
``start_g + floor(u · n_g)`` with numpy's own uniforms."""

from __future__ import annotations

import numpy as np
import pytest

from spatialcoupling.inequality._bootstrap import _draw_counts, _replicate_uniforms
from spatialcoupling.inequality._dagum_core import (
    _dagum_group_major,
    _dagum_weighted,
    _group_layout,
    _pair_sums,
    _pair_sums_group_major,
    _sorted_sample,
)


def _every_pair(y: np.ndarray, lab: np.ndarray, W: np.ndarray, k: int) -> np.ndarray:
    """P[m, j, h] = Σ_{i ∈ j} Σ_{r ∈ h} w_i w_r (y_i − y_r)⁺ with every pair formed (any order of y)."""
    pos = np.maximum(y[:, None] - y[None, :], 0.0)
    onehot = (lab[:, None] == np.arange(k)).astype(float)
    return np.einsum("mi,ij,ir,mr,rh->mjh", W, onehot, pos, W, onehot)


def _sample(rng, n, k, *, ties: bool, absent: int | None):
    """Values with a one-member group (code 0) and, optionally, a code without members."""
    codes = [c for c in range(k) if c != absent]
    lab = np.concatenate([[0], rng.choice(codes[1:], n - 1)])
    y = rng.lognormal(0, 0.6, n)
    if ties:
        y = np.round(y * 2) / 2
    return y, lab


@pytest.mark.parametrize(("ties", "absent"), [(False, None), (True, None), (True, 3), (False, 2)])
def test_pair_sums_equal_every_pair_formed(ties, absent):
    rng = np.random.default_rng(17)
    n, k, m = 37, 5, 9
    y, lab_raw = _sample(rng, n, k, ties=ties, absent=absent)
    ys, lab, _, _ = _sorted_sample(y, lab_raw)
    W = rng.integers(0, 4, (m, n)).astype(float)  # frequency weights, some values not drawn
    W[:, lab == 0] = np.arange(1, m + 1)[:, None]  # the one-member group is drawn in every row
    ref = _every_pair(ys, lab, W, k)
    scale = np.abs(ref).max()
    np.testing.assert_allclose(_pair_sums(ys, lab, W, k, None), ref, rtol=1e-12, atol=1e-12 * scale)
    moments = {
        "yc": rng.normal(size=(m, n)),
        "Tc": rng.normal(size=(m, n)),
        "A_own": np.empty((m, n)),
        "a_mom": np.empty((3, m, k, k)),
    }
    np.testing.assert_allclose(_pair_sums(ys, lab, W, k, moments), ref, rtol=1e-12, atol=1e-12 * scale)
    if absent is not None:
        assert np.all(ref[:, absent, :] == 0)
        assert np.all(_pair_sums(ys, lab, W, k, None)[:, :, absent] == 0)


def test_pair_sums_with_the_group_sizes_given():
    """The bootstrap passes the group sizes (every row of a within-group resample keeps them)."""
    rng = np.random.default_rng(5)
    n, k, m = 40, 4, 12
    y, lab_raw = _sample(rng, n, k, ties=True, absent=None)
    ys, lab, _, _ = _sorted_sample(y, lab_raw)
    layout = _group_layout(ys, lab, k)
    sizes = np.bincount(lab, minlength=k)
    # draws within groups: every row's group sums equal the sizes
    Wg = np.zeros((m, n))
    for g in range(k):
        members = np.flatnonzero(layout.lab == g)
        picks = rng.choice(members, (m, members.size))
        for row in range(m):
            np.add.at(Wg[row], picks[row], 1.0)
    wy = Wg * layout.ys
    fixed = np.broadcast_to(sizes.astype(float), (m, k))
    P = _pair_sums_group_major(layout, Wg, wy, fixed, layout.group_sum(wy), None)
    ref = _every_pair(layout.ys, layout.lab, Wg, k)
    np.testing.assert_allclose(P, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())
    with_sizes = _dagum_group_major(layout, Wg, 0.0, variance=False, sizes=sizes)
    computed = _dagum_group_major(layout, Wg, 0.0, variance=False)
    for key in ("G", "Gw", "Gnb", "Gt", "Gjh", "D"):
        np.testing.assert_allclose(with_sizes[key], computed[key], rtol=1e-13, atol=1e-15)


def test_groups_that_do_not_overlap_give_exact_zeros():
    """The transvariation of separated groups is exactly 0 (and D_jh exactly 1 is not blurred):
    the poorer group's side is summed directly, from zeros."""
    rng = np.random.default_rng(2)
    low, mid, high = rng.uniform(0, 1, 11), rng.uniform(2, 3, 7), rng.uniform(5, 9, 9)
    y = np.concatenate([high, low, mid])
    lab_raw = np.concatenate([np.zeros(9, int), np.ones(11, int), np.full(7, 2)])
    ys, lab, _, _ = _sorted_sample(y, lab_raw)
    W = rng.integers(1, 4, (6, y.size)).astype(float)
    P = _pair_sums(ys, lab, W, 3, None)
    for poor, rich in ((1, 0), (1, 2), (2, 0)):
        assert np.all(P[:, poor, rich] == 0.0)
    out = _dagum_weighted(ys, lab, W, 3)
    assert np.all(out["p"] == 0.0)
    assert np.all(out["Gt"] == 0.0)


def test_draw_counts_follow_the_replicate_streams():
    """Value i of group g draws start_g + floor(u_i · n_g), u from numpy's default_rng of the child."""
    rng = np.random.default_rng(8)
    sizes = np.array([1, 4, 9, 2, 13])
    n = int(sizes.sum())
    slot = rng.permutation(n)  # column of every value in the result
    parent = np.random.SeedSequence(41).spawn(3)[1]
    first, count = 5, 70  # several blocks of rows
    u = _replicate_uniforms(parent, first, count, n)
    high = np.repeat(sizes, sizes)
    low = np.repeat(np.cumsum(sizes) - sizes, sizes)
    drawn = low + np.minimum(np.floor(u * high).astype(int), high - 1)
    expected = np.zeros((count, n))
    for row in range(count):
        np.add.at(expected[row], slot[drawn[row]], 1.0)
    np.testing.assert_array_equal(_draw_counts(parent, first, count, sizes, slot), expected)
    # every value's group keeps its size
    group_of_column = np.empty(n, dtype=int)
    group_of_column[slot] = np.repeat(np.arange(sizes.size), sizes)
    for g, size in enumerate(sizes):
        assert np.all(expected[:, group_of_column == g].sum(axis=1) == size)


def test_largest_uniform_times_a_group_size_stays_below_it():
    """floor(u · n_g) < n_g for the largest uniform 1 − 2**-53 (rounding is monotone, so for all u)."""
    u = 1.0 - 2.0**-53
    sizes = np.concatenate([np.arange(1, 200_001), 2 ** np.arange(18, 40), 2 ** np.arange(18, 40) - 1])
    products = u * sizes.astype(np.float64)
    assert np.all(products < sizes)
    assert np.all(products.astype(np.int64) == sizes - 1)

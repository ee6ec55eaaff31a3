"""The linearised variances of the Dagum terms against a brute-force linearisation.

The reference is written here from the definitions, independently of the package's kernels:
every term is a function of the weighted group sizes ``n_j``, the weighted group sums ``S_j``
and the pair sums ``P_jh = Σ_{i ∈ j} Σ_{r ∈ h} w_i w_r (y_i − y_r)⁺``. Their derivatives in each
weight ``w_i`` are formed from all n² differences, the derivatives of the terms in those sums by
the complex step (exact to rounding), and the variance is ``Σ_l n_l/(n_l − 1) Σ_{i ∈ l} w_i (L_i −
L̄_l)²`` with ``L`` the chain rule's product (0 for a group of total weight 1).
"""

from __future__ import annotations

import numpy as np
import pytest

from spatialcoupling.inequality import _dagum_core
from spatialcoupling.inequality._dagum_core import (
    _dagum_group_major,
    _dagum_weighted,
    _flatten_var,
    _group_layout,
    _sorted_sample,
)


def _terms(nj: np.ndarray, Sj: np.ndarray, P: np.ndarray, richer: np.ndarray) -> np.ndarray:
    """Every term in the flat layout from the sums (complex-safe; ``richer[j, h]``: j is the
    richer of the pair, fixed at the point)."""
    k = nj.size
    n, S = nj.sum(), Sj.sum()
    mu = S / n
    scale = n * n * mu
    muj = Sj / nj
    diag = np.array([P[j, j] for j in range(k)])
    G = P.sum() / scale
    cw = diag / scale
    Gjj = diag / (nj**2 * muj)
    pair = {name: [] for name in ("Gjh", "D", "d", "p", "cnb", "ct")}
    for j, h in zip(*np.triu_indices(k, 1), strict=True):
        r, q = (j, h) if richer[j, h] else (h, j)  # (richer, poorer)
        nn = nj[j] * nj[h]
        total = P[j, h] + P[h, j]
        dmu = muj[r] - muj[q]
        pair["Gjh"].append(total / (nn * (muj[j] + muj[h])))
        pair["D"].append(dmu * nn / total)
        pair["d"].append(P[r, q] / nn)
        pair["p"].append(P[q, r] / nn)
        pair["cnb"].append(dmu * nn / scale)
        pair["ct"].append(2 * P[q, r] / scale)
    cnb, ct = np.array(pair["cnb"]), np.array(pair["ct"])
    Gw, Gnb, Gt = cw.sum(), cnb.sum(), ct.sum()
    parts = [
        [G, Gw, Gnb, Gt, mu],
        [Gw / G, Gnb / G, Gt / G],
        muj,
        Sj / S,
        Gjj,
        cw,
        cw / G,
        pair["Gjh"],
        pair["D"],
        pair["d"],
        pair["p"],
        cnb,
        ct,
        cnb / G,
        ct / G,
    ]
    return np.concatenate([np.asarray(x, dtype=complex) for x in parts])


def _brute_force_variance(y: np.ndarray, g: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    """The variance of every term under weights ``w`` (values ``y`` in groups ``g``), by the chain rule."""
    onehot = (g[:, None] == np.arange(k)).astype(float)  # n × k
    pos = np.maximum(y[:, None] - y[None, :], 0.0)  # (y_i − y_r)⁺
    nj = onehot.T @ w
    Sj = onehot.T @ (w * y)
    P = onehot.T @ (w[:, None] * pos * w[None, :]) @ onehot
    muj = Sj / nj
    codes = np.arange(k)
    richer = (muj[:, None] > muj[None, :]) | ((muj[:, None] == muj[None, :]) & (codes[:, None] < codes[None, :]))
    # d aggregate / d w_i: n (n × k), S (n × k), P (n × k × k)
    A = pos @ (w[:, None] * onehot)  # A[i, h] = Σ_{r ∈ h} w_r (y_i − y_r)⁺
    B = pos.T @ (w[:, None] * onehot)  # B[i, h] = Σ_{r ∈ h} w_r (y_r − y_i)⁺
    dP = onehot[:, :, None] * A[:, None, :] + B[:, :, None] * onehot[:, None, :]
    jac = np.concatenate([onehot, onehot * y[:, None], dP.reshape(y.size, -1)], axis=1)
    # d term / d aggregate by the complex step
    point = np.concatenate([nj, Sj, P.ravel()])
    step = 1e-30
    grads = []
    for c in range(point.size):
        a = point.astype(complex)
        a[c] += 1j * step
        grads.append(_terms(a[:k], a[k : 2 * k], a[2 * k :].reshape(k, k), richer).imag / step)
    L = jac @ np.array(grads)  # n × terms
    var = np.zeros(L.shape[1])
    for lab in range(k):
        sel = g == lab
        n_l = w[sel].sum()
        if n_l <= 1:
            continue
        Lbar = w[sel] @ L[sel] / n_l
        var += n_l / (n_l - 1) * (w[sel] @ (L[sel] - Lbar) ** 2)
    return var


def _sample(k: int, n: int, seed: int, level: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values with ties (rounded), group 0 with one member, and frequency-weight rows that leave some
    values undrawn (weight 0); every group keeps a positive weight."""
    rng = np.random.default_rng(seed)
    lab = np.concatenate([[0], np.arange(1, k), rng.integers(1, k, n - k)]).astype(np.intp)
    y = level + np.round(rng.lognormal(0, 0.6, n), 1)  # ties within and across groups
    W = rng.integers(0, 4, (5, n)).astype(float)
    W[:, lab == 0] = [[1.0], [3.0], [1.0], [2.0], [1.0]]  # the one-member group: weight 1 (no spread) or more
    W[0] = 1.0  # the sample itself
    for row in W:
        for grp in range(k):
            if row[lab == grp].sum() == 0:
                row[np.flatnonzero(lab == grp)[0]] = 1.0
    return y, lab, W


@pytest.mark.parametrize(("k", "n", "level"), [(3, 17, 0.0), (4, 40, 0.0), (5, 33, 50.0)])
def test_variance_against_brute_force_linearisation(k, n, level):
    y, lab, W = _sample(k, n, seed=k * 10 + n, level=level)
    assert np.unique(y).size < n  # ties
    ys, labs, where, y0 = _sorted_sample(y, lab)
    Ws = np.empty_like(W)
    Ws[:, where] = W
    got = _flatten_var(_dagum_weighted(ys, labs, Ws, k, y0, variance=True)["var"])
    for row in range(W.shape[0]):
        ref = _brute_force_variance(y, lab, W[row], k)
        np.testing.assert_allclose(got[row], ref, rtol=1e-9, atol=1e-13 * np.abs(ref).max())


def test_variance_in_blocks_with_known_sizes(monkeypatch):
    """The bootstrap's call: group-major weights with the group sizes given, rows split into several blocks."""
    k, n = 4, 31
    y, lab, W = _sample(k, n, seed=7)
    sizes = np.bincount(lab, minlength=k)
    W = W * 0 + 1
    rng = np.random.default_rng(3)
    for row in W[1:]:  # resample within groups: the group sizes stay
        row[:] = 0
        for grp in range(k):
            members = np.flatnonzero(lab == grp)
            np.add.at(row, rng.choice(members, members.size), 1.0)
    ys, labs, where, y0 = _sorted_sample(y, lab)
    layout = _group_layout(ys, labs, k)
    Wg = np.empty_like(W)
    Wg[:, layout.inverse[where]] = W
    monkeypatch.setattr(_dagum_core, "_PAIR_CELLS", 2 * k * n)  # blocks of two rows
    got = _flatten_var(_dagum_group_major(layout, Wg, y0, variance=True, sizes=sizes)["var"])
    for row in range(W.shape[0]):
        ref = _brute_force_variance(y, lab, W[row], k)
        np.testing.assert_allclose(got[row], ref, rtol=1e-9, atol=1e-13 * np.abs(ref).max())

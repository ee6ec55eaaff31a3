"""Conditional permutations of spatial lags, every period at once.

Local statistics whose value at region ``i`` is a monotone function of the spatial lag of
some values (Getis-Ord Gi*, the bivariate and differential local Moran's I) share one
engine: :func:`lag_counts` draws, for each region, ``permutations`` random sets of ``k_i``
other regions (``k_i`` its number of neighbours; the value of ``i`` itself is held fixed,
which is the conditional randomisation of Anselin 1995) and counts how many permuted lags
are at least and at most the observed one.

* Regions with the same number of neighbours share their draws (as esda's and GeoDa's
  implementations share one table of random neighbour sets): a ``(permutations, k)`` array of
  distinct indices in ``0 .. n-2``, where region ``i`` maps index ``j`` to ``j + (j >= i)``,
  which skips ``i`` itself. Each group's draws come from its own child of
  ``numpy.random.SeedSequence(seed)`` (spawned in increasing order of ``k``), so the numbers
  depend only on the seed, the weights and the data.
* When every weight of a row is the same (binary or row-standardised contiguity, k-nearest
  neighbours), the draws of a permutation are sorted and the permuted lag of region ``i`` is
  ``c_i (Σ_m y[d_m] + Σ_{m >= pos_i} (y[d_m + 1] - y[d_m]))`` with ``pos_i = #{d_m < i}``: one
  gather per permutation and period instead of one per region. Other rows (inverse distance)
  take the weighted sum of the gathered values.
* Permuted lags within ``1e-9`` of the observed one (relative to the row's weight sum times
  the largest absolute value of the period) count as ties on both sides, so a permutation
  that reproduces the observed neighbours counts as extreme.

The engine is small and written for this subpackage; the package's LISA engine
(``spatialcoupling.autocorrelation``) is organised differently (it relabels regions by
cardinality and reuses draws for local Geary) and is not imported here.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["folded_p", "lag_counts"]

#: elements of one intermediate (regions × permutations × periods [× k]) array
_CHUNK = 1 << 23
_TIE = 1e-9


def _distinct_draws(rng: np.random.Generator, permutations: int, k: int, m: int) -> np.ndarray:
    """``permutations`` rows of ``k`` distinct integers in ``0 .. m-1``, in random order."""
    if k == 0:
        return np.empty((permutations, 0), dtype=np.intp)
    if 4 * k > m:
        return np.argsort(rng.random((permutations, m)), axis=1)[:, :k].astype(np.intp)
    draws = rng.integers(0, m, size=(permutations, k))
    while True:
        ordered = np.sort(draws, axis=1)
        bad = np.flatnonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1))
        if bad.size == 0:
            return draws.astype(np.intp)
        draws[bad] = rng.integers(0, m, size=(bad.size, k))


def _equal_rows(w: sp.csr_matrix) -> np.ndarray:
    """Whether all weights of each row are the same."""
    data = w.data
    if data.size == 0:
        return np.ones(w.shape[0], dtype=bool)
    rows = np.repeat(np.arange(w.shape[0]), np.diff(w.indptr))
    hi = np.full(w.shape[0], -np.inf)
    lo = np.full(w.shape[0], np.inf)
    np.maximum.at(hi, rows, data)
    np.minimum.at(lo, rows, data)
    return np.isclose(hi, lo, rtol=1e-12, atol=0) | (np.diff(w.indptr) == 0)


def lag_counts(
    w: sp.csr_matrix, y: np.ndarray, permutations: int, seed: np.random.SeedSequence
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed spatial lags and the counts of permuted lags at least / at most them.

    Parameters
    ----------
    w : scipy.sparse.csr_matrix (n, n)
        Weights without self-links (the diagonal is ignored).
    y : ndarray (n, T)
        Values whose neighbours are permuted, one column per period.
    permutations : int
        Number of conditional permutations.
    seed : numpy.random.SeedSequence

    Returns
    -------
    lag, ge, le : ndarray (n, T)
        ``W y`` and, per region and period, ``#{lag* >= lag}`` and ``#{lag* <= lag}`` (ties on
        both sides). Rows of regions without neighbours have counts equal to ``permutations``.
    """
    w = sp.csr_matrix(w - sp.diags(w.diagonal()))
    w.eliminate_zeros()
    w.sort_indices()
    n, periods = y.shape
    lag = np.asarray(w @ y)
    card = np.diff(w.indptr)
    ge = np.full((n, periods), permutations, dtype=np.int64)
    le = np.full((n, periods), permutations, dtype=np.int64)
    ks = np.unique(card[card > 0])
    if ks.size == 0:
        return lag, ge, le
    equal = _equal_rows(w)
    rowsum = np.asarray(np.abs(w).sum(axis=1)).ravel()
    scale = np.abs(y).max(axis=0)[None, :]
    for k, child in zip(ks, seed.spawn(len(ks)), strict=True):
        rng = np.random.default_rng(child)
        draws = _distinct_draws(rng, permutations, int(k), n - 1)
        members = np.flatnonzero(card == k)
        fast = members[equal[members]]
        slow = members[~equal[members]]
        if fast.size:
            _count_equal(w, y, lag, draws, fast, rowsum, scale, ge, le)
        if slow.size:
            _count_general(w, y, lag, draws, slow, rowsum, scale, ge, le)
    return lag, ge, le


def _tally(
    perm: np.ndarray, obs: np.ndarray, tol: np.ndarray, ge: np.ndarray, le: np.ndarray, rows: np.ndarray
) -> None:
    """Add the counts of ``perm`` (r, P, T) against ``obs`` (r, T) to rows ``rows``."""
    ge[rows] = (perm >= (obs - tol)[:, None, :]).sum(axis=1)
    le[rows] = (perm <= (obs + tol)[:, None, :]).sum(axis=1)


def _count_equal(w, y, lag, draws, members, rowsum, scale, ge, le) -> None:
    permutations, k = draws.shape
    periods = y.shape[1]
    ordered = np.sort(draws, axis=1)
    ya = y[ordered]  # (P, k, T)
    delta = y[ordered + 1] - ya
    tail = np.zeros((permutations, k + 1, periods))
    tail[:, :k] = np.cumsum(delta[:, ::-1], axis=1)[:, ::-1]
    base = ya.sum(axis=1)  # (P, T)
    coef = w.data[w.indptr[members]]  # the common weight of each row
    step = max(1, _CHUNK // max(1, permutations * (periods + k)))
    cols = np.arange(permutations)[None, :]
    for start in range(0, members.size, step):
        rows = members[start : start + step]
        pos = (ordered[None, :, :] < rows[:, None, None]).sum(axis=2)  # (r, P)
        perm = coef[start : start + step, None, None] * (base[None] + tail[cols, pos])  # (r, P, T)
        tol = _TIE * rowsum[rows, None] * np.maximum(scale, 1e-300)
        _tally(perm, lag[rows], tol, ge, le, rows)


def _count_general(w, y, lag, draws, members, rowsum, scale, ge, le) -> None:
    permutations, k = draws.shape
    periods = y.shape[1]
    step = max(1, _CHUNK // max(1, permutations * k * periods))
    for start in range(0, members.size, step):
        rows = members[start : start + step]
        idx = draws[None, :, :] + (draws[None, :, :] >= rows[:, None, None])  # (r, P, k)
        starts = w.indptr[rows]
        weights = w.data[starts[:, None] + np.arange(k)[None, :]]  # (r, k)
        perm = np.matmul(weights[:, None, None, :], np.take(y, idx, axis=0))[:, :, 0, :]  # (r, P, T)
        tol = _TIE * rowsum[rows, None] * np.maximum(scale, 1e-300)
        _tally(perm, lag[rows], tol, ge, le, rows)


def folded_p(ge: np.ndarray, le: np.ndarray, permutations: int, two_sided: bool) -> np.ndarray:
    """The folded pseudo p ``(1 + min(ge, le)) / (1 + permutations)``, doubled (at most 1) when
    ``two_sided``."""
    p = (1.0 + np.minimum(ge, le)) / (1.0 + permutations)
    return np.minimum(1.0, 2.0 * p) if two_sided else p

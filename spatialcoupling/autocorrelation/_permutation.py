"""The permutation engines: conditional permutations for local statistics, random permutations
for the global statistics.

One conditional-permutation engine serves every local statistic of the form "a fixed value at
region i times the spatial lag of permuted values around it": local Moran's I and local Geary's
c (:class:`spatialcoupling.LocalMoran`, through :func:`_lisa_counts`), and, through the public
:func:`conditional_lag_counts`, local Getis-Ord Gi* (the region's own value held fixed, its
neighbours permuted), the bivariate local Moran's I (``x_i`` fixed, the lag of ``y`` permuted) and
the differential local Moran's I (the local Moran of a change) of :mod:`spatialcoupling.drivers`.
Weights with unequal values in a row (inverse distance, kernels) are handled too.

Why the conditional-permutation inference is written here and not taken from esda
---------------------------------------------------------------------------------
esda's ``Moran_Local`` (and ``G_Local``, ``Moran_Local_BV``) handle one period per call, so a
panel of T periods pays T passes over the weights and T sets of random draws, and they run
their conditional permutations through numba, whose import and first compilation cost more
than the whole computation for a provincial panel. The measured gap (against esda looped over
the periods and against pygeoda, warm and in fresh processes): see
``benchmarks/results/benchmarks.md`` (``benchmarks/bench_lisa.py``) and
``benchmarks/results/drivers.md`` (``benchmarks/bench_drivers.py``).

How it works
------------
Here the random neighbour sets are drawn once per block of regions and reused for every
period: the draws depend only on the cardinalities of W, not on the data. Regions are first
relabelled so that those with the same number of neighbours k are contiguous (the conditional
permutation does not depend on labels), and a block is a run of consecutive positions with
equal k. The draws are a ``(permutations, k)`` array of distinct indices in ``0..n-2``; region
i maps index j to ``j + (j >= i)``, which skips i itself. With ``zA = z[draws]`` and
``zB = z[draws + 1]`` (one small gather per block, all periods at once) the permuted lag of
region i is ``sum_m w_im (zA_m + [draws_m >= i] (zB_m - zA_m))``.

* A permutation whose k draws all fall outside the block's range of positions gives every
  region of the block the same permuted lag. Blocks are at most about ``n / (4k)`` long, so
  most permutations are of this kind (all but roughly a fifth, fewer still for large n); their
  contribution to every region's count comes from the sorted lags and one binary search per
  region and period.
* For the other permutations, with equal weights within a row (row-standardised or binary
  contiguity), ``[draws_m >= i]`` holds for a prefix of the block, so the block's permuted lags
  are one cumulative sum of shape (permutations, block, periods); other weights (and local
  Geary) use one batched matrix product.
* The mean and variance of Ii under the conditional permutations are computed exactly
  (sampling without replacement from the other n - 1 values) rather than from the draws
  (:func:`_conditional_moments`).

As in esda, the regions of a block share their draws, so their p-values are not independent
of each other; each one is a valid conditional-permutation p. Blocks get their own seeds from
``numpy.random.SeedSequence(seed).spawn`` and do not depend on ``n_jobs``, so the numbers are
the same however the work is split.

For a statistic ``f_i * lag_i`` with ``f_i`` held fixed (Gi*, bivariate and differential local
Moran), :func:`conditional_lag_counts` counts the permuted lags of the neighbours against the
observed one: the region's own weight adds the same constant to every draw and a positive
``f_i`` (or a negative one, which swaps the two sides) leaves the folded count unchanged, so the
count of the lag is the count of the statistic. It puts every period on a common scale first
(``(v - mean) / sd``; with the weight sum of a row fixed under the permutations this changes no
comparison), so the tie tolerance is relative to the spread of the period.

The global statistics draw one permutation of ``range(n)`` after another from one generator
(:func:`_simulate`); the same permutations serve every period.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._parallel import parallel_map
from .._progress import counter

__all__ = ["conditional_lag_counts"]

#: upper bound on the number of float64 cells of one permutation block (about 64 MB)
_BLOCK_CELLS = 8_000_000


def _one_blas_thread() -> AbstractContextManager[Any]:
    """BLAS limited to one thread while the blocks run.

    The matrix products of a block are small (rows x k times k x permutations * periods): a second
    BLAS thread cost more CPU than it saved (six times the CPU time per product on the shared 2-core
    machine of ``benchmarks/results/drivers.md``), and the blocks are already spread over
    ``n_jobs`` workers. threadpoolctl comes with scikit-learn (an esda dependency); without it BLAS
    keeps its own setting.
    """
    try:
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - installed with scikit-learn
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _seed_sequence(seed: Any) -> tuple[np.random.SeedSequence, int]:
    """A SeedSequence and the integer that reproduces it (recorded when seed=None)."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    entropy = ss.entropy if isinstance(ss.entropy, int) else int(np.asarray(ss.entropy).ravel()[0])
    return ss, int(entropy)


def _gathered(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values`` (n × periods) permuted by every row of ``rows`` (batch × n), laid out as one
    n × (batch · periods) array (column ``b · periods + t`` is permutation b of period t): the
    layout of one sparse product, gathered directly (no transposed copy). ``np.take`` along axis 0
    copies whole rows (about five times faster than fancy indexing, which copies value by value, at
    90,000 regions × 10 periods); callers pass a C-ordered ``values`` (a frame's ``to_numpy`` is
    column-major, and a copy is made here, once per batch, when it is not)."""
    n, periods = values.shape
    return np.take(np.ascontiguousarray(values), rows.T, axis=0).reshape(n, rows.shape[0] * periods)


class _QuadraticForm:
    """``v'Wv`` for every column v of a block, through the upper triangle of ``W + W'``.

    ``v'Wv = v'((W + W')/2)v = Σ_{i<j} (w_ij + w_ji) v_i v_j + Σ_i w_ii v_i²``: one sparse product
    with ``triu(W + W', 1)`` (half the entries of W for a symmetric pattern) and the diagonal. The
    permuted statistics of Moran's I and Getis-Ord G are such forms; the values agree with
    ``v'(Wv)`` to rounding (the folded p counts values within ``1e-9`` of the observed one as ties).
    """

    def __init__(self, W: sp.spmatrix) -> None:
        W = sp.csr_matrix(W, dtype=float)
        self.upper = sp.triu(W + W.T, k=1, format="csr")
        diag = W.diagonal()
        self.diag = diag if np.any(diag) else None

    def __call__(self, block: np.ndarray, batch: int) -> np.ndarray:
        """The forms of the columns of an n × (batch · periods) block, as batch × periods."""
        out = _column_dots(block, np.asarray(self.upper @ block), batch)
        if self.diag is not None:
            out = out + np.einsum("i,ij,ij->j", self.diag, block, block).reshape(batch, -1)
        return out


def _column_dots(a: np.ndarray, b: np.ndarray, batch: int) -> np.ndarray:
    """``Σ_i a[i, c] b[i, c]`` of every column c of two n × (batch · periods) arrays, as batch × periods."""
    return np.einsum("ij,ij->j", a, b).reshape(batch, -1)


def _batch(cells: int) -> int:
    """Permutations per batch so that one batch holds about 4 million floats."""
    return max(1, min(256, 4_000_000 // max(1, cells)))


def _simulate(
    permutations: int, seed: Any, n: int, cells: int, stat: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray | None, int | None]:
    """``stat`` of every random permutation, in batches: (permutations, periods), and the seed.

    ``stat`` maps a (batch, n) array of permuted positions to (batch, periods). One
    permutation of ``range(n)`` is drawn after another from one generator, so the numbers
    do not depend on the batch size. The same permutations serve every period. Returns
    ``(None, None)`` without permutations; otherwise the integer that reproduces the seed.
    """
    if not permutations:
        return None, None
    ss, entropy = _seed_sequence(seed)
    rng = np.random.default_rng(ss)
    step = _batch(cells)
    out = []
    for start in range(0, permutations, step):
        size = min(step, permutations - start)
        out.append(stat(np.stack([rng.permutation(n) for _ in range(size)])))
    return np.concatenate(out), entropy


def _draw_distinct(rng: np.random.Generator, permutations: int, k: int, m: int) -> np.ndarray:
    """``permutations`` rows of k distinct integers in ``0..m-1``, each row a uniformly random
    ordered sample without replacement."""
    if k == 0:
        return np.empty((permutations, 0), dtype=np.intp)
    if m <= 64 or 4 * k > m:
        return rng.random((permutations, m)).argsort(axis=1)[:, :k].astype(np.intp)
    out = rng.integers(0, m, size=(permutations, k), dtype=np.intp)
    todo = np.arange(permutations)  # rows not yet checked: only redrawn rows are checked again
    while True:
        s = np.sort(out[todo], axis=1)
        todo = todo[(s[:, 1:] == s[:, :-1]).any(axis=1)]
        if not todo.size:
            return out
        out[todo] = rng.integers(0, m, size=(todo.size, k), dtype=np.intp)


def _plan_blocks(card: np.ndarray, permutations: int, periods: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Order of the regions by cardinality, and blocks of positions in that order.

    Regions are relabelled so that those with the same number of neighbours are contiguous
    (the conditional permutation does not depend on the labels); a block is a run of
    consecutive positions with equal cardinality, at most about ``n / (4 k)`` long (so that
    most random draws fall outside it, see :func:`_block_counts`) and small enough for
    memory. The plan depends only on the cardinalities, the permutations and the number of
    periods (never on n_jobs), so the seeds spawned per block give the same numbers however
    blocks are run.
    """
    n = len(card)
    order = np.argsort(card, kind="stable")
    sorted_card = card[order]
    blocks: list[np.ndarray] = []
    for k in np.unique(sorted_card):
        if k == 0:
            continue
        members = np.flatnonzero(sorted_card == k)
        size = max(1, min(_BLOCK_CELLS // (permutations * max(int(k), periods)), max(32, n // (4 * int(k)))))
        blocks.extend(members[s : s + size] for s in range(0, len(members), size))
    return order, blocks


def _permuted_lags(
    rows: np.ndarray,
    wts: np.ndarray,
    z: np.ndarray,
    draws: np.ndarray,
    workspace: dict | None = None,
    factor_out: list | None = None,
) -> np.ndarray:
    """Spatial lags of the regions ``rows`` under the conditional permutations ``draws``.

    ``draws`` is (permutations, k) of distinct indices in ``0..n-2``; region i takes
    ``j + (j >= i)`` so that it never draws itself. With ``zA = z[draws]``,
    ``zB = z[draws + 1]`` and ``D = zB - zA`` (shared by the whole block) the lag of region i
    is ``sum_m w_im (zA_m + [draws_m >= i] D_m)``. When every region of the block has equal
    weights (row-standardised or binary contiguity) and the rows are sorted, ``[draws_m >=
    rows_j]`` holds for a prefix of the block, so the lag of row j is
    ``w_j (sum_m zB_m - sum_{m: cut_m <= j} D_m)``: one cumulative sum over the block, no
    per-region gather. ``workspace`` keeps the (permutations, rows + 1, periods) buffer between
    blocks. Returns (permutations, rows, periods). When ``factor_out`` is a list and the weights
    are equal and positive, the common row weight is not applied: it is appended to
    ``factor_out`` (the caller compares in unweighted units, one pass fewer).
    """
    P, k = draws.shape
    c, T = len(rows), z.shape[1]
    sorted_rows = bool(np.all(np.diff(rows) > 0))
    if sorted_rows and not np.all(wts == wts[:, :1]):
        return _weighted_lags(rows, wts, z, draws)
    zA = z[draws]  # (P, k, T)
    zB = z[draws + 1]
    if sorted_rows:
        cut = np.searchsorted(rows, draws, side="right")  # rows[j] <= draw  <=>  j < cut
        size = P * (c + 1) * T
        flat = workspace.get("edges") if workspace is not None else None
        if flat is None or flat.size < size:
            flat = np.empty(size)
            if workspace is not None:
                workspace["edges"] = flat
        edges = flat[:size].reshape(P, c + 1, T)
        edges.fill(0.0)
        edges[:, 0, :] = zB.sum(axis=1)
        np.subtract.at(edges, (np.repeat(np.arange(P), k), cut.ravel()), (zB - zA).reshape(-1, T))
        np.add.accumulate(edges, axis=1, out=edges)
        out = edges[:, :c, :]
        if factor_out is not None and np.all(wts[:, 0] > 0):
            factor_out.append(wts[:, 0].copy())
        else:
            out *= wts[:, 0][None, :, None]
        return out
    mask = draws[:, None, :] >= rows[None, :, None]  # (P, c, k)
    out = np.matmul(mask * wts[None, :, :], zB - zA)
    out += np.tensordot(wts, zA, axes=([1], [1])).transpose(1, 0, 2)
    return out


def _weighted_lags(rows: np.ndarray, wts: np.ndarray, z: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Permuted lags of sorted ``rows`` with weights that differ within a row (inverse distance).

    A draw at or above every row of the block (``cut == rows``) gives all of them ``z[draw + 1]``,
    one below every row ``z[draw]``: with those values the lags of all permutations are one matrix
    product ``wts @ base`` of shape (rows, k) x (k, permutations * periods). Only the draws that
    fall inside the block's range of positions (about ``k * rows / n`` per permutation) shift for
    a prefix of the rows; their corrections ``w_jm (z[draw + 1] - z[draw])`` are added per
    permutation. Returns (permutations, rows, periods).
    """
    P, k = draws.shape
    c, T = len(rows), z.shape[1]
    drawn = np.ascontiguousarray(draws.T)  # (k, P): the gathers below come out as (k, P, T)
    cut = np.searchsorted(rows, drawn, side="right")  # rows[j] <= draw  <=>  j < cut
    base = z[drawn + (cut == c)]  # (k, P, T)
    out = (wts @ base.reshape(k, P * T)).reshape(c, P, T).transpose(1, 0, 2)
    mm, pp = np.nonzero((cut > 0) & (cut < c))
    if mm.size:
        order = np.argsort(pp, kind="stable")
        mm, pp = mm[order], pp[order]
        d = drawn[mm, pp]
        shifted = np.arange(c)[None, :] < cut[mm, pp][:, None]  # (pairs, c)
        delta = (z[d + 1] - z[d])[:, None, :]  # (pairs, 1, T)
        contrib = (wts[:, mm].T * shifted)[:, :, None] * delta  # (pairs, c, T)
        perms, first = np.unique(pp, return_index=True)
        out[perms] += np.add.reduceat(contrib, first, axis=0)
    return out


def _block_counts(
    rows: np.ndarray,
    weight: np.ndarray,
    z: np.ndarray,
    lag: np.ndarray,
    draws: np.ndarray,
    tol: np.ndarray,
    two_sided: bool,
    workspace: dict | None,
) -> np.ndarray:
    """Permutation counts for a block of consecutive positions with equal positive row weights.

    A draw j shifts to ``j + 1`` only for the rows at or below it, so a permutation whose k draws
    all lie outside the block's position range gives every row of the block the same permuted
    lag (unweighted sum ``v``). For those "flat" permutations the counts come from the sorted
    values of ``v`` and a binary search per row; only the others (about ``k * rows / n`` of
    them) go through the full (permutations, rows, periods) computation.
    """
    c, T = len(rows), z.shape[1]
    cut = np.searchsorted(rows, draws, side="right")
    flat = np.all((cut == 0) | (cut == c), axis=1)
    obs = lag / weight[:, None]  # (c, T) in unweighted units
    thr = np.broadcast_to(np.asarray(tol).reshape(c, -1), (c, T)) / weight[:, None]
    if two_sided:
        obs = np.abs(obs)
    count = np.zeros((c, T), dtype=np.int64)
    if flat.any():
        d = draws[flat]
        v = np.where((cut[flat] == c)[..., None], z[d + 1], z[d]).sum(axis=1)  # (F, T)
        F = len(d)
        ge = np.empty((c, T), dtype=np.int64)
        le = np.empty((c, T), dtype=np.int64)
        sv = np.sort(np.abs(v) if two_sided else v, axis=0)
        for t in range(T):
            ge[:, t] = F - np.searchsorted(sv[:, t], obs[:, t] - thr[:, t], side="left")
            if not two_sided:
                le[:, t] = np.searchsorted(sv[:, t], obs[:, t] + thr[:, t], side="right")
        ge_total, le_total = ge, le  # the directed rule adds the other draws below
        if two_sided:
            count += ge
    else:
        ge_total = np.zeros((c, T), dtype=np.int64)
        le_total = np.zeros((c, T), dtype=np.int64)
    if not flat.all():
        factor: list = []
        wts = np.repeat(weight[:, None], draws.shape[1], axis=1)
        sim = _permuted_lags(rows, wts, z, draws[~flat], workspace, factor)
        if not factor:  # pragma: no cover - weights are positive here
            sim = sim / weight[None, :, None]

        def tally(flags: np.ndarray) -> np.ndarray:
            return flags.view(np.uint8).sum(axis=0, dtype=np.int64)

        if two_sided:
            np.abs(sim, out=sim)
            count += tally(sim >= (obs - thr)[None])
        else:
            ge_total = ge_total + tally(sim >= (obs - thr)[None])
            le_total = le_total + tally(sim <= (obs + thr)[None])
    if not two_sided:
        count = np.minimum(ge_total, le_total)
    return count


def _lisa_block(
    rows: np.ndarray,
    wts: np.ndarray,
    z: np.ndarray,
    lag: np.ndarray,
    ss: np.random.SeedSequence,
    permutations: int,
    two_sided: bool,
    lag2: np.ndarray | None = None,
    self_w: np.ndarray | None = None,
    workspace: dict | None = None,
) -> tuple[np.ndarray, ...]:
    """Permutation counts for one block of regions (all with k neighbours; ``wts`` is (rows, k)).

    Returns the number of draws at least as extreme as the observed statistic, shape
    (rows, periods). With ``lag2`` (the observed lag of z**2) also the counts and permutation
    mean of local Geary's c, from the same draws.
    """
    n, T = z.shape
    k = wts.shape[1]
    rng = np.random.default_rng(ss)
    draws = _draw_distinct(rng, permutations, k, n - 1)  # (P, k)
    extra: tuple[np.ndarray, ...] = ()
    own = np.zeros(len(rows)) if self_w is None else self_w
    has_self = bool(np.any(own != 0))
    obs = lag[None, :, :]
    tol = 1e-10 * (np.abs(wts).sum(axis=1)[None, :, None] * np.abs(z).max() + 1.0)
    if lag2 is not None:
        both = _permuted_lags(rows, wts, np.concatenate([z, z * z], axis=1), draws, workspace)  # (P, c, 2T)
        sim = both[..., :T]
        zi = z[rows][None]
        sw = wts.sum(axis=1)[None, :, None]
        if has_self:  # a region's weight on itself stays with its own value
            both[..., :T] += own[None, :, None] * zi
            both[..., T:] += own[None, :, None] * zi * zi
            sw = sw + own[None, :, None]
        c_sim = zi * zi * sw - 2.0 * zi * sim + both[..., T:]
        c_obs = zi * zi * sw - 2.0 * zi * lag[None] + lag2[None]
        c_mean = c_sim.mean(axis=0)
        ctol = 1e-10 * (np.abs(c_obs) + 1.0)
        if two_sided:  # folded about the permutation mean (c is not centred on 0)
            c_count = np.count_nonzero(np.abs(c_sim - c_mean) >= np.abs(c_obs - c_mean) - ctol, axis=0)
        else:
            c_count = np.minimum(
                np.count_nonzero(c_sim >= c_obs - ctol, axis=0), np.count_nonzero(c_sim <= c_obs + ctol, axis=0)
            )
        extra = (c_count, c_mean)
        del c_sim
    elif not has_self and np.all(wts == wts[:, :1]) and np.all(wts[:, 0] > 0) and np.all(np.diff(rows) == 1):
        return (_block_counts(rows, wts[:, 0], z, lag, draws, tol[0], two_sided, workspace),)
    else:
        factor: list = []
        sim = _permuted_lags(rows, wts, z, draws, workspace, factor_out=factor)  # (P, c, T)
        unit = factor[0][None, :, None] if factor else None
        if unit is not None:  # compare in units of the common row weight
            obs = obs / unit
            tol = tol / unit
        if has_self:
            self_term = (own[:, None] * z[rows])[None]
            sim += self_term if unit is None else self_term / unit

    def tally(flags: np.ndarray) -> np.ndarray:
        return flags.view(np.uint8).sum(axis=0, dtype=np.int64)

    if two_sided:
        # |z_i lag*| >= |z_i lag|  <=>  |lag*| >= |lag|  (z_i == 0 is handled by the caller)
        np.abs(sim, out=sim)
        count = tally(sim >= np.abs(obs) - tol)
    else:
        count = np.minimum(tally(sim >= obs - tol), tally(sim <= obs + tol))
    return (count, *extra)


def _conditional_moments(z: np.ndarray, off: Any, diagonal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact mean and variance of Ii under conditional permutation, per region and period.

    The neighbours' values are a sample without replacement of k_i of the N = n - 1 other
    values, with mean ``mu_i = (sum z - z_i) / N`` and variance ``s2_i`` (ddof 0), so
    ``E[lag*] = W_i mu_i + w_ii z_i`` and ``Var[lag*] = s2_i (N sum w**2 - (sum w)**2) / (N - 1)``
    (sums over the off-diagonal weights ``off`` of row i; ``diagonal`` holds ``w_ii``); Ii is
    ``(n - 1) z_i lag / sum(z**2)``.
    """
    n = z.shape[0]
    N = n - 1
    wsum = np.asarray(off.sum(axis=1)).ravel()[:, None]
    w2 = np.asarray(off.multiply(off).sum(axis=1)).ravel()[:, None]
    mu = (z.sum(axis=0) - z) / N
    s2 = (np.square(z).sum(axis=0) - z * z) / N - mu * mu
    e_lag = wsum * mu + diagonal[:, None] * z
    v_lag = s2 * (N * w2 - wsum**2) / max(N - 1, 1)
    scale = (n - 1) * z / np.square(z).sum(axis=0)
    return scale * e_lag, scale * scale * v_lag


def _lisa_counts(
    z: np.ndarray,
    lag: np.ndarray,
    off: Any,
    diagonal: np.ndarray,
    cardinalities: np.ndarray,
    *,
    permutations: int,
    seed: Any,
    two_sided: bool,
    lag2: np.ndarray | None = None,
    n_jobs: int | None = 1,
    progress: bool | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Conditional-permutation counts of every region and period, block by block.

    Parameters
    ----------
    z, lag : ndarray
        Standardised values and their spatial lag, regions × periods.
    off, diagonal, cardinalities
        The weights without self-neighbours (CSR, sorted), the weights on oneself and the
        number of neighbours per region.
    permutations, seed, two_sided
        Number of draws, the seed (None: fresh entropy) and the counting rule.
    lag2 : ndarray, optional
        Spatial lag of ``z**2``: also count local Geary's c from the same draws.
    n_jobs, progress
        Workers (joblib) and the progress bar; the numbers do not depend on them.

    Returns
    -------
    count, geary_count, geary_mean : ndarray
        Draws at least as extreme as observed (regions × periods); for local Geary also its
        permutation mean (zeros and NaN without ``lag2``).
    entropy : int
        The integer that reproduces the seed.
    """
    n, T = z.shape
    ss, entropy = _seed_sequence(seed)
    order, blocks = _plan_blocks(cardinalities, permutations, T)
    seeds = ss.spawn(len(blocks))
    tasks = []
    for rows, s in zip(blocks, seeds, strict=True):
        orig = order[rows]
        k = int(cardinalities[orig[0]])
        pos = off.indptr[orig][:, None] + np.arange(k)[None, :]
        tasks.append((rows, off.data[pos], diagonal[orig], s))
    common: dict[str, Any] = {"z": np.ascontiguousarray(z[order]), "permutations": permutations, "two_sided": two_sided}
    jobs = 1 if n_jobs is None else int(n_jobs)
    n_tasks = 1 if jobs == 1 else min(len(tasks), 4 * (jobs if jobs > 0 else 8))
    groups = [tasks[g::n_tasks] for g in range(n_tasks)] if tasks else []
    groups = [g for g in groups if g]

    tick = counter("LISA permutations", len(tasks))  # one part per block of regions

    def run(group: list[tuple]) -> list[tuple[np.ndarray, ...]]:
        workspace: dict = {}
        return [
            _lisa_block(
                rows,
                wts,
                lag=lag[order[rows]],
                ss=s,
                self_w=sw,
                lag2=None if lag2 is None else lag2[order[rows]],
                workspace=workspace,
                **common,
            )
            for rows, wts, sw, s in tick.each(group)
        ]

    with _one_blas_thread():
        outputs = parallel_map(run, groups, n_jobs=jobs, desc="permutations", progress=progress, report=False)
    count = np.zeros((n, T))
    g_count = np.zeros((n, T))
    g_mean = np.full((n, T), np.nan)
    for group, out in zip(groups, outputs, strict=True):
        for (rows, *_), res in zip(group, out, strict=True):
            count[order[rows]] = res[0]
            if lag2 is not None:
                g_count[order[rows]], g_mean[order[rows]] = res[1:]
    return count, g_count, g_mean, entropy


def conditional_lag_counts(
    w: Any,
    values: np.ndarray,
    *,
    permutations: int,
    seed: Any,
    n_jobs: int | None = 1,
    progress: bool | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Spatial lags of ``values`` and their folded conditional-permutation counts, every period at once.

    For each region i the values of its ``k_i`` neighbours are replaced by ``k_i`` values drawn
    without replacement from the other ``n - 1`` regions (the value at i is held fixed), and the
    permuted lag ``sum_m w_im v[draw_m]`` is compared with the observed lag. This is the inference
    of every statistic ``f_i * lag_i`` with ``f_i`` fixed: local Getis-Ord Gi* (``f_i`` a positive
    constant; the unit's own weight adds a constant), the bivariate local Moran's I (``f_i =
    zx_i``) and the differential local Moran's I.

    Parameters
    ----------
    w : scipy.sparse matrix (n, n)
        Spatial weights; the diagonal (a region's weight on itself) is ignored, since it adds the
        same amount to every permuted and to the observed lag. Rows may have unequal weights.
    values : ndarray (n, T)
        The values whose neighbours are permuted, one column per period.
    permutations : int
        Number of conditional permutations (>= 1).
    seed : None, int >= 0 or numpy.random.SeedSequence
        Seed of the draws; the numbers do not depend on ``n_jobs``.
    n_jobs, progress
        Workers (joblib) and the progress bar.

    Returns
    -------
    lag : ndarray (n, T)
        The observed lags ``sum_{j != i} w_ij v_j``.
    count : ndarray (n, T)
        ``min(#{lag* >= lag}, #{lag* <= lag})``: permuted lags within a relative ``1e-10`` of the
        observed one count on both sides. The folded pseudo p is ``(1 + count) / (1 +
        permutations)``. Regions without neighbours have count 0 (their p is undefined: the
        caller reports them).
    entropy : int
        The integer that reproduces the seed.

    Examples
    --------
    A ring of six regions; the region between the two largest values has the most extreme lag:

    >>> import numpy as np, scipy.sparse as sp
    >>> ring = sp.csr_matrix(np.roll(np.eye(6), 1, axis=1) + np.roll(np.eye(6), -1, axis=1))
    >>> v = np.array([[5.0], [1.0], [2.0], [0.0], [3.0], [4.0]])
    >>> lag, count, _ = conditional_lag_counts(ring, v, permutations=999, seed=1)
    >>> lag[:, 0]
    array([5., 7., 1., 5., 4., 8.])
    >>> int(np.argmin(count[:, 0]))
    5
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"conditional_lag_counts: values must be regions x periods (2-D), got shape {values.shape}")
    off = sp.csr_matrix(w, dtype=float, copy=True)
    if off.shape != (values.shape[0], values.shape[0]):
        raise ValueError(f"conditional_lag_counts: weights of shape {off.shape} do not match {values.shape[0]} regions")
    off = sp.csr_matrix(off - sp.diags(off.diagonal()))
    off.eliminate_zeros()
    off.sort_indices()
    n = values.shape[0]
    lag = np.asarray(off @ values)
    centre = values.mean(axis=0)
    spread = values.std(axis=0)
    unit = np.where(spread > 0, spread, 1.0)
    z = np.ascontiguousarray(np.where(spread > 0, (values - centre) / unit, 0.0))
    count, _, _, entropy = _lisa_counts(
        z,
        np.asarray(off @ z),
        off,
        np.zeros(n),
        np.diff(off.indptr),
        permutations=permutations,
        seed=seed,
        two_sided=False,
        n_jobs=n_jobs,
        progress=progress,
    )
    return lag, count.astype(np.int64), entropy

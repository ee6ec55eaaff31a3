"""Bootstrap of the Dagum decomposition: replicate streams, resampling and interval limits.

Replicates resample regions with replacement within each group (group sizes kept). Every
replicate draws from its own generator, seeded from the period's
``numpy.random.SeedSequence`` child (spawned per period and per replicate), so the numbers are
the same for any ``n_jobs`` or joblib backend.

**Replicate streams.** Replicate ``b`` draws from ``default_rng(parent.spawn(B)[b])``. Building
``B`` SeedSequence children and generators one by one costs about as much as the decomposition
of a replicate of a small panel, so the children's generator states are computed for all
replicates at once with numpy's published algorithms (SeedSequence's entropy mixing, PCG64's
seeding; the same numbers, which a test checks against numpy for several kinds of seed), and one
PCG64 object is set to each state in turn to draw (``Generator.random``, written into the batch's
array). Entropy this code does not read falls back to numpy's own spawn. Value ``i`` of group
``g`` draws ``start_g + floor(u_i · n_g)``; the draws are counted straight into the columns of
the group-major layout of the sorted values (:func:`_draw_counts`).

**Intervals.** ``"symmetric-t"``: ``θ̂ ± c·se`` with ``c`` the ``1 − α`` quantile of
``|θ* − θ̂| / se*``; ``"studentized"``: the equal-tailed bootstrap-t; ``"percentile"``; ``"bc"``
(Efron's bias-corrected percentile). See :func:`_intervals`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from ._dagum_core import (
    _dagum_group_major,
    _flatten,
    _flatten_var,
    _group_layout,
    _Scratch,
    _sorted_sample,
    _term_bounds,
)

#: cap on (replicates × observations) evaluated in one batch, to bound memory
_BATCH_CELLS = 1 << 20
#: interval methods of DagumGini(ci=...), the default first
_CI_METHODS: tuple[str, ...] = ("symmetric-t", "studentized", "percentile", "bc")

# constants of numpy's SeedSequence and PCG64 seeding
_SS_INIT_A, _SS_MULT_A = 0x43B0D7E5, 0x931E8875
_SS_INIT_B, _SS_MULT_B = 0x8B51F9DD, 0x58F38DED
_SS_MIX_L, _SS_MIX_R = 0xCA01F9DD, 0x4973F715
_MASK32 = 0xFFFFFFFF
_MASK128 = (1 << 128) - 1
_PCG64_MULT = (2549297995355413924 << 64) + 4865540595714422341


# ---------------------------------------------------------------------------
# replicate streams
# ---------------------------------------------------------------------------
def _uint32_words(x: Any) -> np.ndarray | None:
    """SeedSequence's reading of an entropy value or a spawn key as 32-bit words, lowest
    first (None for a value it reads otherwise, e.g. a string)."""
    if isinstance(x, np.ndarray) and x.dtype == np.uint32:
        return x.astype(np.uint32, copy=True).ravel()
    if isinstance(x, bool):
        return None
    if isinstance(x, int | np.integer):
        n = int(x)
        if n < 0:
            return None
        words = [n & _MASK32]
        n >>= 32
        while n:
            words.append(n & _MASK32)
            n >>= 32
        return np.array(words, dtype=np.uint32)
    if isinstance(x, list | tuple | range | np.ndarray):
        parts = [_uint32_words(v) for v in x]
        words_of = [p for p in parts if p is not None]
        if len(words_of) < len(parts):
            return None
        return np.concatenate(words_of) if words_of else np.zeros(0, dtype=np.uint32)
    return None


def _hashmix(value: Any, hash_const: list[int]) -> Any:
    value = value ^ np.uint32(hash_const[0])
    hash_const[0] = (hash_const[0] * _SS_MULT_A) & _MASK32
    value = value * np.uint32(hash_const[0])
    return value ^ (value >> np.uint32(16))


def _mix(x: Any, y: Any) -> Any:
    r = x * np.uint32(_SS_MIX_L) - y * np.uint32(_SS_MIX_R)
    return r ^ (r >> np.uint32(16))


def _child_states(parent: np.random.SeedSequence, first: int, count: int) -> list[tuple[int, int]] | None:
    """PCG64 ``(state, inc)`` after seeding from children ``first .. first + count − 1`` of
    ``parent`` (as ``parent.spawn`` numbers them), or None when the entropy is not read here."""
    run = _uint32_words(parent.entropy)
    key = _uint32_words(parent.spawn_key)
    if run is None or key is None:
        return None
    pool_size = int(parent.pool_size)
    if run.size < pool_size:  # children always have a spawn key: numpy pads the entropy
        run = np.concatenate([run, np.zeros(pool_size - run.size, dtype=np.uint32)])
    index = np.arange(first, first + count, dtype=np.uint64)
    if first + count - 1 > _MASK32:
        return None
    prefix = np.concatenate([run, key])
    entropy = np.empty((count, prefix.size + 1), dtype=np.uint32)
    entropy[:, :-1] = prefix
    entropy[:, -1] = index.astype(np.uint32)
    width = entropy.shape[1]
    hc = [_SS_INIT_A]
    zero = np.zeros(count, dtype=np.uint32)
    pool = np.empty((count, pool_size), dtype=np.uint32)
    for i in range(pool_size):
        pool[:, i] = _hashmix(entropy[:, i] if i < width else zero, hc)
    for i_src in range(pool_size):
        for i_dst in range(pool_size):
            if i_src != i_dst:
                pool[:, i_dst] = _mix(pool[:, i_dst], _hashmix(pool[:, i_src], hc))
    for i_src in range(pool_size, width):
        for i_dst in range(pool_size):
            pool[:, i_dst] = _mix(pool[:, i_dst], _hashmix(entropy[:, i_src], hc))
    # generate_state(4, uint64): 8 words from the pool, paired little-endian
    words = np.empty((count, 8), dtype=np.uint32)
    hb = _SS_INIT_B
    for i in range(8):
        data = pool[:, i % pool_size] ^ np.uint32(hb)
        hb = (hb * _SS_MULT_B) & _MASK32
        data = data * np.uint32(hb)
        words[:, i] = data ^ (data >> np.uint32(16))
    w = words.astype(np.uint64)
    v = (w[:, 0::2] | (w[:, 1::2] << np.uint64(32))).tolist()
    states = []
    for v0, v1, v2, v3 in v:
        # PCG64 seeding: inc = 2·initseq + 1; state = ((inc + initstate)·M + inc) mod 2^128
        inc = ((((v2 << 64) | v3) << 1) | 1) & _MASK128
        state = ((inc + ((v0 << 64) | v1)) * _PCG64_MULT + inc) & _MASK128
        states.append((state, inc))
    return states


def _replicate_rows(
    parent: np.random.SeedSequence, first: int, count: int, n: int, fill, states: list | None = None
) -> None:
    """Call ``fill(b, generator)`` for replicates ``b = 0 .. count − 1``, the generator set to
    ``default_rng(c)`` for child ``c = first + b`` of ``parent`` (see the section comment);
    ``states``: those children's :func:`_child_states` when already computed."""
    if states is None:
        states = _child_states(parent, first, count)
    if states is None:
        for b, i in enumerate(range(first, first + count)):
            child = np.random.SeedSequence(parent.entropy, spawn_key=(*parent.spawn_key, i), pool_size=parent.pool_size)
            fill(b, np.random.default_rng(child))
        return
    bitgen = np.random.PCG64(0)
    gen = np.random.Generator(bitgen)
    for b, (state, inc) in enumerate(states):
        bitgen.state = {
            "bit_generator": "PCG64",
            "state": {"state": state, "inc": inc},
            "has_uint32": 0,
            "uinteger": 0,
        }
        fill(b, gen)


def _replicate_uniforms(parent: np.random.SeedSequence, first: int, count: int, n: int) -> np.ndarray:
    """``[default_rng(c).random(n) for c in children first .. first + count − 1 of parent]``
    as a (count, n) array, without building the children (see the section comment)."""
    out = np.empty((count, n))

    def fill(b: int, gen: np.random.Generator) -> None:
        gen.random(out=out[b])

    _replicate_rows(parent, first, count, n, fill)
    return out


#: replicates whose draws are counted together in :func:`_draw_counts` (arrays of this many rows stay in cache)
_DRAW_ROWS = 32


def _draw_counts(
    parent: np.random.SeedSequence,
    first: int,
    count: int,
    sizes: np.ndarray,
    slot: np.ndarray,
    scratch: _Scratch | None = None,
    states: list | None = None,
) -> np.ndarray:
    """How often each value is drawn in replicates ``first .. first + count − 1``, as a
    (count, n) float array in the order given by ``slot``.

    Value ``i`` of group ``g`` (values ordered by group, ``n_g`` members from ``start_g``) draws
    ``start_g + floor(u · n_g)`` with ``u`` the replicate's ``i``-th uniform; ``slot[j]`` is the
    column of value ``j`` in the result. ``u · n_g`` is below ``n_g`` in floating point for every
    ``u ≤ 1 − 2**-53`` (the product rounds to at most the double below ``n_g``), so no clipping
    is needed.
    """
    n = slot.size
    high = np.repeat(sizes, sizes).astype(np.float64)
    low = np.repeat(np.cumsum(sizes) - sizes, sizes)
    scratch = scratch or _Scratch()
    u = scratch.get("u", (count, n))
    counts = scratch.get("counts", (count, n))

    def fill(b: int, gen: np.random.Generator) -> None:
        gen.random(out=u[b])

    _replicate_rows(parent, first, count, n, fill, states)
    rows_ = min(count, _DRAW_ROWS)
    offsets = n * np.arange(rows_, dtype=np.intp)[:, None]
    idx_buf = np.empty((rows_, n), dtype=np.intp)
    cell_buf = np.empty((rows_, n), dtype=np.intp)
    for a in range(0, count, _DRAW_ROWS):
        block = u[a : a + _DRAW_ROWS]
        b = block.shape[0]
        block *= high
        idx = idx_buf[:b]
        np.copyto(idx, block, casting="unsafe")  # truncation = floor for these non-negative values
        idx += low
        cells = np.take(slot, idx, out=cell_buf[:b], mode="clip")  # in range by construction
        cells += offsets[:b]
        np.copyto(counts[a : a + b], np.bincount(cells.ravel(), minlength=b * n).reshape(b, n))
    return counts


#: values × replicates evaluated together inside one batch of :func:`_bootstrap_chunk` (arrays stay in cache)
_EVAL_CELLS = 1 << 18


def _bootstrap_chunk(item: tuple) -> tuple[np.ndarray, np.ndarray | None]:
    """Flat Dagum vectors (and, given the estimate, studentized deviations) of bootstrap
    replicates ``first .. first + count − 1`` of one period (``parent``: the period's
    SeedSequence, whose children seed the replicates)."""
    values, labels, k, (parent, first, count), estimate = item
    sizes = np.bincount(labels, minlength=k)
    ys, lab, where, y0 = _sorted_sample(values, labels)
    layout = _group_layout(ys, lab, k)
    slot = layout.inverse[where]
    step = max(1, _EVAL_CELLS // values.size)
    thetas, tstats = [], []
    scratch = _Scratch()
    states = _child_states(parent, first, count)  # once for the chunk: its cost is mostly per call
    for a in range(0, count, step):
        part = None if states is None else states[a : a + step]
        Wg = _draw_counts(parent, first + a, min(step, count - a), sizes, slot, scratch, part)
        # resampling within groups keeps the group sizes: the weights' group sums are the sizes
        out = _dagum_group_major(layout, Wg, y0, variance=estimate is not None, sizes=sizes, scratch=scratch)
        theta = _flatten(out)
        thetas.append(theta)
        if estimate is not None:
            tstats.append(_tstats(theta, _flatten_var(out["var"]), estimate))
    if estimate is None:
        return np.concatenate(thetas), None
    return np.concatenate(thetas), np.concatenate(tstats)


# ---------------------------------------------------------------------------
# interval limits
# ---------------------------------------------------------------------------
def _column_quantiles(draws: np.ndarray, *levels: np.ndarray) -> list[np.ndarray]:
    """Linear-interpolation quantiles of each column of ``draws``, one array per entry of
    ``levels`` (each holding every column's own level), ignoring NaN (as
    ``numpy.nanquantile`` with the default method); ±inf sort to the ends. One sort serves
    every level; one level shared by every column without NaN (the symmetric-t interval) is read
    from a partition instead (the same values)."""
    shared = len(levels) == 1 and min(draws.shape) > 0 and np.all(levels[0] == levels[0].flat[0])
    with np.errstate(invalid="ignore", over="ignore"):
        any_nan = np.isnan(draws.sum()) if shared else True  # NaN when a value is (or with +inf and -inf: sort)
    if not any_nan:
        return [_shared_level_quantile(draws, float(levels[0].flat[0]))]
    cnt = np.sum(~np.isnan(draws), axis=0)
    cols = np.arange(draws.shape[1])
    srt = np.sort(draws, axis=0)  # NaN last
    out = []
    for probs in levels:
        pos = probs * np.maximum(cnt - 1, 0)
        lo = np.floor(pos).astype(np.intp)
        hi = np.minimum(lo + 1, np.maximum(cnt - 1, 0))
        frac = pos - lo
        a, b = srt[lo, cols], srt[hi, cols]
        with np.errstate(invalid="ignore"):
            q = np.where(frac == 0, a, np.where(a == b, a, a * (1 - frac) + b * frac))
        out.append(np.where(cnt > 0, q, np.nan))
    return out


def _shared_level_quantile(draws: np.ndarray, prob: float) -> np.ndarray:
    """:func:`_column_quantiles` at one level for every column of ``draws`` without NaN: the two order
    statistics read from one partition (the lower one) and the smallest value above it."""
    top = draws.shape[0] - 1
    pos = prob * top
    lo = int(np.floor(pos))
    hi = min(lo + 1, top)
    part = np.partition(draws, lo, axis=0)
    a = part[lo]
    b = part[hi:].min(axis=0) if hi > lo else a
    frac = pos - lo
    with np.errstate(invalid="ignore"):
        return np.where(frac == 0, a, np.where(a == b, a, a * (1 - frac) + b * frac))


def _intervals(
    draws: np.ndarray,
    estimate: np.ndarray,
    alpha: float,
    method: str,
    tstats: np.ndarray | None = None,
    se: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Limits of every column (term) from the bootstrap replicates.

    Parameters
    ----------
    draws : ndarray (B, F)
        Replicate values of the F terms.
    estimate : ndarray (F,)
        The point estimates.
    alpha : float
        The intervals cover ``1 − alpha``.
    method : {"symmetric-t", "studentized", "percentile", "bc"}
        ``"symmetric-t"``: ``θ̂ ± c·se`` with ``c`` the ``1 − α`` quantile of
        ``|tstats|``; ``"studentized"``: ``[θ̂ − t*_{1−α/2} se, θ̂ − t*_{α/2} se]`` with
        ``t*`` the quantiles of ``tstats``; ``"percentile"``: the ``α/2`` and
        ``1 − α/2`` quantiles of ``draws``; ``"bc"``: Efron's bias-corrected percentile
        levels ``Φ(2 z0 ± z_{1−α/2})``, ``z0 = Φ⁻¹(share of replicates below θ̂)``.
    tstats : ndarray (B, F), optional
        ``(θ* − θ̂) / se*`` of every replicate (the two t methods).
    se : ndarray (F,), optional
        Standard error of every estimate (the two t methods).

    Returns
    -------
    (lower, upper) : tuple of ndarray (F,)
        A side without a finite limit is ±inf (t replicates whose standard error is 0
        while their value moved).
    """
    ncol = draws.shape[1]
    if method in ("symmetric-t", "studentized"):
        if tstats is None or se is None:
            raise ValueError(f"interval method {method!r} needs the replicates' tstats and the standard errors se")
        return _t_intervals(estimate, alpha, method, tstats, se)
    if method == "percentile":
        p_lo = np.full(ncol, alpha / 2)
        p_hi = np.full(ncol, 1 - alpha / 2)
    else:
        valid = ~np.isnan(draws)
        cnt = np.maximum(valid.sum(axis=0), 1)
        below = (np.sum(draws < estimate, axis=0) + 0.5 * np.sum(draws == estimate, axis=0)) / cnt
        below = np.clip(below, 1 / (cnt + 1), cnt / (cnt + 1))
        z0 = ndtri(below)
        z = ndtri(1 - alpha / 2)
        p_lo, p_hi = ndtr(2 * z0 - z), ndtr(2 * z0 + z)
    lower, upper = _column_quantiles(draws, p_lo, p_hi)
    return lower, upper


def _t_intervals(
    estimate: np.ndarray, alpha: float, method: str, tstats: np.ndarray, se: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The two studentized intervals of :func:`_intervals`."""
    ncol = tstats.shape[1]
    if method == "symmetric-t":
        (c,) = _column_quantiles(np.abs(tstats), np.full(ncol, 1 - alpha))
        with np.errstate(invalid="ignore"):
            half = np.where(c == 0, 0.0, c * se)
        return estimate - half, estimate + half
    t_lo, t_hi = _column_quantiles(tstats, np.full(ncol, alpha / 2), np.full(ncol, 1 - alpha / 2))
    with np.errstate(invalid="ignore"):
        lower = np.where(t_hi == 0, estimate, estimate - t_hi * se)
        upper = np.where(t_lo == 0, estimate, estimate - t_lo * se)
    return lower, upper


def _interval_limits(
    draws: np.ndarray,
    estimate: np.ndarray,
    se: np.ndarray | None,
    tstats: np.ndarray | None,
    alpha: float,
    method: str,
    k: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The reported limits: :func:`_intervals`, sides without a finite limit as NaN, and
    limits beyond a term's range (:func:`_term_bounds`) set to that bound.

    Returns
    -------
    lower, upper : ndarray (F,)
    unbounded : ndarray of bool (F,)
        Terms with a side that had no finite limit (reported as NaN).
    clipped : ndarray of bool (F,)
        Terms with a limit moved to the term's range.
    """
    lower, upper = _intervals(draws, estimate, alpha, method, tstats, se)
    unbounded = np.isinf(lower) | np.isinf(upper)
    lb, ub = _term_bounds(k)
    with np.errstate(invalid="ignore"):
        clipped = (lower < lb) | (upper > ub)
    lower = np.where(np.isinf(lower), np.nan, np.maximum(lower, lb))
    upper = np.where(np.isinf(upper), np.nan, np.minimum(upper, ub))
    return lower, upper, unbounded, clipped & ~unbounded


def _tstats(theta: np.ndarray, var: np.ndarray, estimate: np.ndarray) -> np.ndarray:
    """``(θ* − θ̂) / se*`` per replicate and term; 0 when the replicate equals the estimate
    (to rounding), ±inf when it moved but its standard error is 0, NaN when undefined."""
    se = np.sqrt(np.maximum(var, 0.0))
    tiny = np.abs(theta)
    tiny += np.abs(estimate)
    tiny *= 1e-10
    se[~(se > tiny)] = 0.0
    t = np.subtract(theta, estimate)
    small = np.abs(t) <= tiny
    with np.errstate(invalid="ignore", divide="ignore"):
        t /= se
    t[small] = 0.0
    return t

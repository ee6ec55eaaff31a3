"""The Dagum decomposition on arrays: O(n log n) terms and their linearised variances.

For a period with ``n`` regions of mean ``μ`` split into groups ``j`` with ``n_j``
members of mean ``μ_j`` (``p_j = n_j / n``, ``s_j = n_j μ_j / (n μ)``):

- ``G = Σ_i Σ_r |y_i − y_r| / (2 n² μ)`` (normalised by ``n²``, not ``n(n − 1)``,
  so that the identity below holds exactly);
- ``G_jj = Σ_{i,r ∈ j} |y_i − y_r| / (2 n_j² μ_j)`` (a group's own Gini);
- ``G_jh = Σ_{i ∈ j} Σ_{r ∈ h} |y_i − y_r| / (n_j n_h (μ_j + μ_h))``;
- ``d_jh = mean of (y_i − y_r)⁺``, ``p_jh = mean of (y_r − y_i)⁺`` over the pairs
  ``i ∈ j``, ``r ∈ h`` with ``j`` the group of the larger mean;
  ``D_jh = (d_jh − p_jh) / (d_jh + p_jh)`` (0 when ``d_jh + p_jh = 0``);
- ``G_w = Σ_j G_jj p_j s_j``, ``G_nb = Σ_{j>h} G_jh (p_j s_h + p_h s_j) D_jh``,
  ``G_t = Σ_{j>h} G_jh (p_j s_h + p_h s_j) (1 − D_jh)`` and ``G = G_w + G_nb + G_t``.

**Algorithm.** The values of a period are sorted once; walking the sorted order with, for
every group ``h``, the running count and running sum of ``h``'s members gives
``P_jh = Σ_{i ∈ j} Σ_{r ∈ h} (y_i − y_r)⁺`` for all group pairs at once, since for sorted
values ``(y_i − y_r)⁺`` is ``y_i − y_r`` for the ``r`` below ``i`` and 0 above (ties
contribute 0 either way). Every term of the decomposition is a ``P_jh`` over ``n² μ``:
``G_w`` term ``P_jj / (n² μ)``, ``G_t`` term ``2 P_hj / (n² μ)`` (poorer group's side),
``G_nb`` term ``n_j n_h (μ_j − μ_h) / (n² μ)``. The cost is O(n log n + k n) time and O(k n)
memory per replicate for ``k`` groups; no pair of observations is ever formed. Values are shifted by the
period's minimum before the running sums (differences do not change), which keeps rounding
error relative to the spread rather than the level. A bootstrap replicate is evaluated as
frequency weights on the period's sorted values (no sort per replicate), a batch of replicates
as the rows of one array, in group-major order (the sorted positions grouped by group,
:class:`_GroupLayout`): group sums are contiguous, running sums are kept per group, and the
running counts of every group at every position are read with one gather and reduced per group
by matrix products (:func:`_pair_sums_group_major`). The sort is numpy's default one: the order
of tied values does not enter any term (:func:`_value_order`). There is no compiled kernel: the
per-value work is a few numpy passes over (replicates × groups × values) arrays held small enough
to stay in cache, with reused scratch arrays (:class:`_Scratch`).

**Layout.** One evaluation's numbers travel as a flat vector (:func:`_flatten`): the overall
terms, then per group, then per pair of groups (in the order of ``np.triu_indices(k, 1)``);
:func:`_unflatten` names the parts.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np


def _dagum_weighted(
    ys: np.ndarray,
    lab: np.ndarray,
    W: np.ndarray,
    k: int,
    y0: float = 0.0,
    *,
    variance: bool = False,
) -> dict[str, Any]:
    """Dagum terms of one sorted cross-section under every row of frequency weights ``W``.

    Parameters
    ----------
    ys : ndarray (n,)
        Values sorted ascending and shifted by ``y0`` (so ``ys[0] = 0`` for the sample's minimum).
    lab : ndarray (n,)
        Group code 0..k-1 of each sorted value.
    W : ndarray (m, n)
        Non-negative weights, one row per evaluation: ones for the sample itself,
        resampling counts for a bootstrap replicate. Every group must keep a
        positive weight in every row.
    k : int
        Number of groups.
    y0 : float
        The shift, added back to the means.
    variance : bool
        Also return ``"var"``: the linearised (infinitesimal-jackknife) variance of
        every reported term under resampling within groups, keyed as in
        :func:`_unflatten` (see Notes).

    Returns
    -------
    dict
        Arrays with a leading row axis: scalars (m,), per group (m, k) and per pair
        (m, k(k−1)/2) in the order of ``np.triu_indices(k, 1)``.

    Notes
    -----
    A weight ``w_i`` counts value ``i`` ``w_i`` times, so a resample is evaluated
    without sorting it again: with ``C^h_i`` and ``S^h_i`` the running weight and
    weighted sum of group ``h`` up to sorted position ``i``,
    ``A_ih = y_i C^h_i − S^h_i = Σ_{r ∈ h} w_r (y_i − y_r)⁺`` and
    ``P_jh = Σ_{i ∈ j} w_i A_ih``. Every term is a smooth function of the group
    sums ``S_j``, the ``P_jh`` and the sizes, so its derivative with respect to
    ``w_i`` (``i`` in group ``l``) is a combination of ``y_i``, ``A_ih``,
    ``B_ih = Σ_{r ∈ h} w_r (y_r − y_i)⁺`` and the sums of these over groups
    (``T_i = Σ_r w_r |y_i − y_r|``, the within-group part ``Tw_i`` and the
    transvariation part ``Q_i``). The variance is
    ``Σ_l n_l/(n_l − 1) Σ_{i ∈ l} w_i (L_i − L̄_l)²`` with ``L_i`` that derivative,
    which for a group mean is the jackknife's ``s²/n_l``; it is assembled from the
    within-group covariances of those few per-value quantities, in O(m n k) like the
    terms themselves.
    """
    layout = _group_layout(ys, lab, k)
    return _dagum_group_major(layout, W[:, layout.order], y0, variance=variance)


class _Scratch:
    """Reusable scratch arrays for repeated evaluations (allocating a few MB afresh on every call
    costs page faults that take longer than the arithmetic done in them)."""

    def __init__(self) -> None:
        self._store: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """An uninitialised float array of ``shape`` (its contents are those of the last use)."""
        size = int(np.prod(shape))
        buf = self._store.get(name)
        if buf is None or buf.size < size:
            buf = self._store[name] = np.empty(size)
        return buf[:size].reshape(shape)


class _GroupLayout(NamedTuple):
    """One cross-section in group-major order: the sorted positions grouped by group, ascending
    within a group, with the gather plans of :func:`_pair_sums_group_major`."""

    order: np.ndarray  # sorted position of every group-major position
    inverse: np.ndarray  # group-major position of every sorted position
    ys: np.ndarray  # shifted values, group-major
    lab: np.ndarray  # group codes, group-major (non-decreasing)
    sizes: np.ndarray  # members per group
    starts: np.ndarray  # first group-major position of every group
    head: np.ndarray  # (k·n,) slot of C_h(q) in the running array, row h, position q
    mixed: np.ndarray  # ((k−1)·n,) rows h ≠ g(q) in order (g, h, q), read from the tail half where h is the poorer
    poorer_first: np.ndarray  # (pairs,) True when j is the poorer of the pair (j, h), j < h

    @property
    def k(self) -> int:
        return int(self.sizes.size)

    @property
    def every_group(self) -> bool:
        return bool(np.all(self.sizes > 0))

    def group_sum(self, X: np.ndarray) -> np.ndarray:
        """Σ over the members of each group along the last axis (``(..., n) → (..., k)``);
        0 for a group without members."""
        if self.every_group:
            return np.add.reduceat(X, self.starts, axis=-1)
        out = np.zeros((*X.shape[:-1], self.k))
        present = np.flatnonzero(self.sizes)
        if present.size:
            out[..., present] = np.add.reduceat(X, self.starts[present], axis=-1)
        return out

    def spans(self) -> list[tuple[int, slice, slice]]:
        """``(g, members, slots)`` of every group with members: its group-major positions and
        its inclusive running-sum slots (the slot before them holds 0)."""
        out = []
        for g in np.flatnonzero(self.sizes):
            a, n_g = int(self.starts[g]), int(self.sizes[g])
            out.append((int(g), slice(a, a + n_g), slice(a + g + 1, a + g + 1 + n_g)))
        return out


def _group_layout(ys: np.ndarray, lab: np.ndarray, k: int) -> _GroupLayout:
    """The group-major layout of a sorted cross-section and its gather plans.

    Running sums of a per-value quantity are kept per group in an array of ``n + k`` slots:
    group ``h`` owns slots ``starts[h] + h .. starts[h] + h + n_h``, a leading 0 and then the sum
    over its first 1, 2, … members. ``head[h, q]`` is the slot holding the sum over the members
    of ``h`` at sorted positions up to that of ``q``. For the pair sums without moments a
    second copy of the slots, minus the group's total (the members of ``h`` above ``q``,
    negated), follows; ``mixed`` reads it where ``h`` is the poorer group of ``(h, group of q)``
    by the unweighted means (ties: the higher code).
    """
    n = ys.size
    order = np.argsort(lab, kind="stable")
    inverse = np.empty(n, dtype=np.intp)
    inverse[order] = np.arange(n)
    sizes = np.bincount(lab, minlength=k)
    starts = np.cumsum(sizes) - sizes
    lab_g = lab[order]
    # members of h at sorted positions <= that of each group-major position
    counts = np.cumsum(lab[None, :] == np.arange(k)[:, None], axis=1)[:, order]
    head = (starts + np.arange(k))[:, None] + counts
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(sizes > 0, np.bincount(lab, weights=ys, minlength=k) / np.maximum(sizes, 1), -np.inf)
    codes = np.arange(k)
    richer = (means[:, None] > means[None, :]) | (
        (means[:, None] == means[None, :]) & (codes[:, None] < codes[None, :])
    )
    tail = ~richer[:, lab_g]  # row h is not the richer of (h, group of q): read the tail copy
    mixed = head + (n + k) * tail
    # every group's members against the other groups only (its own row is summed within the group)
    blocks = [mixed[:, lab_g == g][np.arange(k) != g].ravel() for g in range(k)]
    mixed = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.intp)
    jj, hh = np.triu_indices(k, 1)
    return _GroupLayout(
        order=order,
        inverse=inverse,
        ys=ys[order],
        lab=lab_g,
        sizes=sizes,
        starts=starts,
        head=head.ravel(),
        mixed=mixed.ravel(),
        poorer_first=richer[hh, jj],
    )


def _dagum_group_major(
    layout: _GroupLayout,
    Wg: np.ndarray,
    y0: float,
    *,
    variance: bool,
    sizes: np.ndarray | None = None,
    scratch: _Scratch | None = None,
) -> dict[str, Any]:
    """:func:`_dagum_weighted` on weights in group-major order (``Wg`` = ``W[:, layout.order]``).

    ``sizes``: the weights' group sums when known (a bootstrap resampling within groups keeps the
    group sizes), else computed. ``scratch``: arrays to reuse between calls.
    """
    k = layout.k
    ys = layout.ys
    scratch = scratch or _Scratch()
    wy = np.multiply(Wg, ys, out=scratch.get("wy", Wg.shape))
    # weighted group sizes, m × k
    sizes = layout.group_sum(Wg) if sizes is None else np.broadcast_to(np.asarray(sizes, float), (Wg.shape[0], k))
    nw = sizes.sum(axis=1)
    sum_shift = layout.group_sum(wy)
    with np.errstate(invalid="ignore", divide="ignore"):
        mus_j = sum_shift / sizes
    mu_j = mus_j + y0
    stot = sum_shift.sum(axis=1)
    mu = stot / nw + y0

    moments = None
    A_tot = np.empty(0)
    if variance:
        # A_i = Σ_r w_r (y_i − y_r)⁺ from running sums in sorted order, and
        # T_i = Σ_r w_r |y_i − y_r| = A_i + B_i with B_i = Σ_r w_r (y_r − y_i)⁺ = A_i + S − n y_i
        W_sorted = Wg[:, layout.inverse]
        ys_sorted = ys[layout.inverse]
        cum_w = np.cumsum(W_sorted, axis=1)
        cum_s = np.cumsum(np.multiply(W_sorted, ys_sorted, out=W_sorted), axis=1)
        A_tot = (np.multiply(ys_sorted, cum_w, out=cum_w) - cum_s)[:, layout.order]
        moments = _centred_values(layout, Wg, sizes, mus_j, A_tot, stot, nw, scratch)
    P = _pair_sums_group_major(layout, Wg, wy, sizes, sum_shift, moments, scratch)
    # overall: Σ_i Σ_r w_i w_r (y_i − y_r)⁺ = Σ_i Σ_r w_i w_r |y_i − y_r| / 2, the sum of all pair sums
    num_all = P.sum(axis=(1, 2))
    out = _terms(P, sizes, nw, mus_j, mu_j, mu, num_all, k)
    if variance:
        assert moments is not None
        out["var"] = _variance_of_terms(out, layout, Wg, sizes, mus_j, A_tot, num_all, P, moments)
    return out


def _centred_values(layout: _GroupLayout, Wg, sizes, mus_j, A_tot, stot, nw, scratch) -> dict[str, np.ndarray]:
    """The per-value quantities the variance needs, centred within groups: ``y`` and
    ``T_i = Σ_r w_r |y_i − y_r| = 2 A_i + S − n y_i``, with the arrays that :func:`_pair_sums_group_major`
    fills. ``"Z"`` (4 × m × n) holds the centred ``y`` and ``T`` in its first two rows (the other two are
    filled by :func:`_variance_of_terms`)."""
    m, n = Wg.shape
    k = layout.k
    lab = layout.lab
    Z = scratch.get("Z", (4, m, n))
    yc, Tc = Z[0], Z[1]
    T = np.multiply(A_tot, 2.0, out=Tc)
    T += stot[:, None]
    T -= nw[:, None] * layout.ys
    with np.errstate(invalid="ignore", divide="ignore"):
        np.subtract(layout.ys, mus_j[:, lab], out=yc)
        Tc -= (layout.group_sum(Wg * T) / sizes)[:, lab]
    return {
        "Z": Z,
        "yc": yc,
        "Tc": Tc,
        "A_own": scratch.get("A_own", (m, n)),  # A_i,g(i)
        "a_mom": np.zeros((3, m, k, k)),  # Σ_l w A_h², Cov_l(A_h, y), Cov_l(A_h, T)
    }


#: values × groups × replicates evaluated together in :func:`_pair_sums_group_major` (a few MB)
_PAIR_CELLS = 1 << 18


def _pair_sums(ys: np.ndarray, lab: np.ndarray, W: np.ndarray, k: int, moments: dict | None) -> np.ndarray:
    """``P[:, j, h] = Σ_{i ∈ j} w_i A_ih`` with ``A_ih = Σ_{r ∈ h} w_r (y_i − y_r)⁺``, for every row
    of ``W`` (m × k × k), on sorted values; with ``moments`` (arrays in sorted order), also the
    within-group moments of the ``A_ih`` (see :func:`_pair_sums_group_major`)."""
    layout = _group_layout(ys, lab, k)
    Wg = W[:, layout.order]
    wy = Wg * layout.ys
    sizes = layout.group_sum(Wg)
    sum_shift = layout.group_sum(wy)
    if moments is None:
        return _pair_sums_group_major(layout, Wg, wy, sizes, sum_shift, None)
    inner = {
        "yc": moments["yc"][:, layout.order],
        "Tc": moments["Tc"][:, layout.order],
        "A_own": np.empty_like(moments["A_own"]),
        "a_mom": np.zeros_like(moments["a_mom"]),
    }
    P = _pair_sums_group_major(layout, Wg, wy, sizes, sum_shift, inner)
    moments["A_own"][:] = inner["A_own"][:, layout.inverse]
    moments["a_mom"][:] = inner["a_mom"]
    return P


def _local_running(layout: _GroupLayout, X: np.ndarray, out: np.ndarray) -> None:
    """Running sums of ``X`` (b × n, group-major) within each group into the slots of
    :func:`_group_layout` (``out``: b × (n + k), every group's leading slot set to 0)."""
    out[:, layout.starts + np.arange(layout.k)] = 0.0
    for _g, members, slots in layout.spans():
        np.cumsum(X[:, members], axis=1, out=out[:, slots])


def _pair_sums_group_major(
    layout: _GroupLayout,
    Wg: np.ndarray,
    wy: np.ndarray,
    sizes: np.ndarray,
    sum_shift: np.ndarray,
    moments: dict | None,
    scratch: _Scratch | None = None,
) -> np.ndarray:
    """The pair sums ``P`` (m × k × k) of weights ``Wg`` in group-major order (``wy = Wg · ys``,
    ``sizes`` and ``sum_shift`` their group sums); with ``moments``, also the within-group
    moments of the ``A_ih`` and ``A_own``.

    A group's own sum ``P_gg = Σ_{i ∈ g} w_i (y_i C_g(i) − S_g(i)) = Σ_{i ∈ g} w_i y_i (2 C_g(i) − w_i −
    W_g)`` needs only the running weights within the group (without moments). For two groups,
    with ``C_h(i)`` the weight of ``h`` at sorted positions ``≤ i`` and ``W_h`` its total,
    ``Σ_{i ∈ j} w_i S_h(i) = Σ_{r ∈ h} w_r y_r (W_j − C_j(r))`` (``j ≠ h``), so

        ``P_jh = Σ_{i ∈ j} w_i y_i C_h(i) + Σ_{r ∈ h} w_r y_r (C_j(r) − W_j)``

    and ``P_hj = P_jh + W_j S_h − W_h S_j`` (the sum of ``y_i − y_r`` over the pairs). Both
    parts are read from one gathered array of running weight counts — ``C_h(q)`` where ``h`` is
    the richer group of ``(h, group of q)``, ``C_h(q) − W_h`` where it is the poorer — and
    reduced per group by a matrix product. ``P_jh`` is computed directly for ``j`` the poorer
    group of the sample (the transvariation side, exactly 0 when no member of ``j`` lies above a
    member of ``h``: both parts are sums of zeros) and ``P_hj`` from the identity (the larger
    side: a sum of non-negative parts in exact arithmetic). Counts are exact in floating point.

    With ``moments`` every ``A_ih = y_i C_h(i) − S_h(i)`` is formed (one gather of the running
    weights and weighted values, stored side by side) and ``P``, ``Σ_{i ∈ l} w_i A_ih yc_i`` and
    ``Σ w A Tc`` come out of one matrix product per group, ``Σ w A²`` out of another; then both
    ``P_jh`` and ``P_hj`` are direct sums. Tied values contribute ``y_i − y_r = 0`` whichever of
    them the sort puts first. Replicates are taken in blocks of ``_PAIR_CELLS`` (values × groups ×
    replicates), measured at 2,848 values in 8 and 31 groups (larger blocks leave the cache).
    """
    m, n = Wg.shape
    k = layout.k
    ys = layout.ys
    P = np.zeros((m, k, k))
    spans = layout.spans()
    block = max(1, _PAIR_CELLS // max(1, k * n))
    scratch = scratch or _Scratch()
    # running weights per group, then running weighted values or tails
    run = scratch.get("run", (m, 2 * (n + k)))
    if moments is None:
        head = run[:, : n + k]
        _local_running(layout, Wg, head)
        for g, members, slots in spans:
            # own group: Σ_{i ∈ g} w_i S_g(i) = Σ_{r ∈ g} w_r y_r (W_g − C_g(r) + w_r), so
            # P_gg = Σ_{i ∈ g} w_i y_i (2 C_g(i) − w_i − W_g), the factor an exact integer for counts
            factor = np.multiply(head[:, slots], 2.0)
            factor -= Wg[:, members]
            factor -= sizes[:, g, None]
            P[:, g, g] = np.einsum("bi,bi->b", wy[:, members], factor)
        if sizes.strides[0] == 0:  # the same group totals in every row (a bootstrap within groups)
            np.subtract(head, np.repeat(sizes[0], layout.sizes + 1), out=run[:, n + k :])
        else:
            totals = head[:, layout.starts + np.arange(k) + layout.sizes]  # (m, k) = W_h
            np.subtract(head, np.repeat(totals, layout.sizes + 1, axis=1), out=run[:, n + k :])
        M = np.zeros((m, k, k))
        others = [np.flatnonzero(np.arange(k) != g) for g in range(k)]
        for a in range(0, m if k > 1 else 0, block):
            rows = slice(a, a + block)
            part = run[rows]
            b = part.shape[0]
            # indices are in range by construction: mode="clip" skips numpy's per-index check (2x faster)
            G = np.take(part, layout.mixed, axis=1, out=scratch.get("G", (b, (k - 1) * n)), mode="clip")
            v = wy[rows]
            for g, members, _slots in spans:
                # members of g against the k − 1 other groups: a (b, k − 1, n_g) block of G
                n_g = members.stop - members.start
                part_g = G[:, (k - 1) * members.start : (k - 1) * members.stop].reshape(b, k - 1, n_g)
                M[rows, g, others[g]] = np.matmul(part_g, v[:, members, None])[:, :, 0]
        jj, hh = np.triu_indices(k, 1)
        first = layout.poorer_first
        p_side, r_side = np.where(first, jj, hh), np.where(first, hh, jj)  # (poorer, richer) of every pair
        direct = M[:, p_side, r_side] + M[:, r_side, p_side]
        P[:, p_side, r_side] = direct
        P[:, r_side, p_side] = direct + (
            sizes[:, p_side] * sum_shift[:, r_side] - sizes[:, r_side] * sum_shift[:, p_side]
        )
    else:
        # running weights and weighted values side by side: one gather reads both
        pairs = run.reshape(m, n + k, 2)
        _local_running(layout, Wg, pairs[:, :, 0])
        _local_running(layout, wy, pairs[:, :, 1])
        heads = layout.head
        Fp = scratch.get("F", (3, m, n))  # per value: w, w yc, w Tc
        np.copyto(Fp[0], Wg)
        np.multiply(Wg, moments["yc"], out=Fp[1])
        np.multiply(Wg, moments["Tc"], out=Fp[2])
        F = Fp.transpose(1, 2, 0)  # (m, n, 3)
        a_mom = moments["a_mom"]
        # A_i,g(i) from the running sums of i's own group (the same products as the block's A below)
        own_plan = heads.reshape(k, n)[layout.lab, np.arange(n)]
        own = np.take(pairs, own_plan, axis=1, out=scratch.get("own", (m, n, 2)), mode="clip")
        np.multiply(own[:, :, 0], ys, out=moments["A_own"])
        moments["A_own"] -= own[:, :, 1]
        for a in range(0, m, block):
            rows = slice(a, a + block)
            part = pairs[rows]
            b = part.shape[0]
            X = np.take(part, heads, axis=1, out=scratch.get("G", (b, k * n, 2)), mode="clip")
            A = np.multiply(X[:, :, 0].reshape(b, k, n), ys, out=scratch.get("A", (b, k, n)))
            A -= X[:, :, 1].reshape(b, k, n)  # A[:, h, q] = A_{q, h} = y_q C_h(q) − S_h(q)
            R = scratch.get("R", (b, k, k, 4))  # [:, g, h]: Σ_{i ∈ g} w A_ih {1, yc, Tc, A_ih}
            R[:] = 0.0
            Fb = F[rows]
            for g, members, _slots in spans:
                R[:, g, :, :3] = np.matmul(A[:, :, members], Fb[:, members, :])
            np.multiply(A, A, out=A)
            for g, members, _slots in spans:
                R[:, g, :, 3:] = np.matmul(A[:, :, members], Fb[:, members, :1])
            P[rows] = R[..., 0]
            a_mom[1, rows] = R[..., 1]
            a_mom[2, rows] = R[..., 2]
            a_mom[0, rows] = R[..., 3]
    np.maximum(P, 0.0, out=P)  # each summand is >= 0; clear rounding residue
    return P


def _terms(P, sizes, nw, mus_j, mu_j, mu, num_all, k) -> dict[str, Any]:
    """Every reported term from the pair sums ``P``, the group sizes and means."""
    scale = nw * nw * mu  # n² μ
    G = num_all / scale
    diag = P[:, np.arange(k), np.arange(k)]
    with np.errstate(invalid="ignore", divide="ignore"):
        Gjj = np.where(mu_j > 0, diag / (sizes**2 * mu_j), 0.0)
    cw = diag / scale[:, None]

    jj, hh = np.triu_indices(k, 1)
    nn = sizes[:, jj] * sizes[:, hh]
    Pjh, Phj = P[:, jj, hh], P[:, hh, jj]
    total = Pjh + Phj
    j_richer = mus_j[:, jj] >= mus_j[:, hh]
    p_side = np.where(j_richer, Phj, Pjh)  # sums from the poorer group's side
    d_side = np.where(j_richer, Pjh, Phj)
    dmu = np.abs(mus_j[:, jj] - mus_j[:, hh])
    msum = mu_j[:, jj] + mu_j[:, hh]
    with np.errstate(invalid="ignore", divide="ignore"):
        Gjh = np.where(msum > 0, total / (nn * msum), 0.0)
        D = np.where(total > 0, dmu * nn / total, 0.0)
    D = np.minimum(D, 1.0)
    cnb = dmu * nn / scale[:, None]
    ct = 2.0 * p_side / scale[:, None]
    return {
        "mu": mu,
        "G": G,
        "Gw": cw.sum(axis=1),
        "Gnb": cnb.sum(axis=1),
        "Gt": ct.sum(axis=1),
        "mu_j": mu_j,
        "s_j": sizes * mu_j / (nw * mu)[:, None],
        "Gjj": Gjj,
        "cw": cw,
        "Gjh": Gjh,
        "D": D,
        "d": d_side / nn,
        "p": p_side / nn,
        "cnb": cnb,
        "ct": ct,
    }


def _variance_of_terms(out, layout, W, sizes, mus_j, A_tot, num_all, P, moments) -> dict[str, np.ndarray]:
    """The per-value parts of the within-group and transvariation sums, centred within groups,
    then :func:`_linearised_variance`."""
    k = sizes.shape[1]
    lab = layout.lab
    nw = sizes.sum(axis=1)
    scale = nw * nw * out["mu"]
    jj, hh = np.triu_indices(k, 1)
    nn = sizes[:, jj] * sizes[:, hh]
    total = P[:, jj, hh] + P[:, hh, jj]
    j_richer = mus_j[:, jj] >= mus_j[:, hh]
    msum = out["mu_j"][:, jj] + out["mu_j"][:, hh]
    # B_ih = Σ_{r ∈ h} w_r (y_r − y_i)⁺ = A_ih + S_h − n_h y_i, so B's moments follow from A's and y's;
    # Tw_i = A_ig + B_ig = 2 A_ig + S_g − n_g y_i (g = own group) and
    # Q_i = Σ_{h ≠ g} (B_ih if g is the richer of (g, h) else A_ih) = A_i − A_ig + Σ_{h: g richer} (S_h − n_h y_i),
    # with A_i = Σ_h A_ih. Within group g the weighted means of A_ig and A_i are P_gg / n_g and Σ_h P_gh / n_g
    # (the pair sums), so the centred values need no further group sums.
    codes = np.arange(k)
    richer = (
        (mus_j[:, :, None] > mus_j[:, None, :])
        | ((mus_j[:, :, None] == mus_j[:, None, :]) & (codes[:, None] < codes[None, :]))
    ).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        own_mean = P[:, codes, codes] / sizes
        all_mean = P.sum(axis=2) / sizes
    above = np.einsum("rlh,rh->rl", richer, sizes)  # Σ_{h: g richer} n_h
    yc = moments["yc"]
    Z = moments["Z"]  # per value: y, T, Tw, Q, centred within its group (y and T already there)
    A_own = moments["A_own"]
    own = np.subtract(A_own, own_mean[:, lab], out=Z[2])
    np.subtract(A_tot, (all_mean - own_mean)[:, lab], out=Z[3])
    Z[3] -= A_own
    Z[3] -= above[:, lab] * yc
    own *= 2.0
    own -= sizes[:, lab] * yc
    return _linearised_variance(
        out, layout, W, sizes, num_all, scale, mus_j, Z, P, moments["a_mom"], j_richer, total, nn, msum
    )


def _linearised_variance(
    out, layout, W, sizes, SP, scale, mus_j, Z, P, a_mom, j_richer, total, nn, msum
) -> dict[str, np.ndarray]:
    """Assemble the variance of every term from within-group covariances (see :func:`_dagum_weighted`)."""
    f, cov = _member_covariances(layout, W, sizes, Z)
    nw = sizes.sum(axis=1)
    Nmu = scale / nw
    with np.errstate(invalid="ignore", divide="ignore"):
        inv_scale = 1.0 / scale
        inv_sp = np.where(SP > 0, 1.0 / SP, np.nan)
    var = _overall_variances(out, cov, sizes, mus_j, nw, Nmu, inv_scale, inv_sp)
    var.update(_group_variances(out, cov, sizes, Nmu, inv_scale, inv_sp))
    sides = _pair_sides(f, cov, sizes, P, a_mom)
    var.update(_pair_variances(out, cov, sides, sizes, mus_j, j_richer, total, nn, msum, Nmu, inv_scale, inv_sp))
    return var


#: the per-value coordinates of :func:`_variance_of_terms`, in the order of the first axis of its array ``Z``
_COORDS = ("y", "T", "w", "Q")


def _member_covariances(
    layout: _GroupLayout, W: np.ndarray, sizes: np.ndarray, Z: np.ndarray
) -> tuple[np.ndarray, dict[tuple[str, str], np.ndarray]]:
    """The jackknife factor n/(n-1) per group and the within-group covariances of the coordinates y, T, w, Q
    (``Z``: 4 × m × n, centred within groups): ``Σ_{i ∈ l} w_i z_i z_iᵀ`` by one batched product per group."""
    m = W.shape[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(sizes > 1, sizes / (sizes - 1), 0.0)  # jackknife's small-sample factor
    WZ = np.multiply(Z, W)
    moments = np.zeros((m, layout.k, 4, 4))
    for g, members, _slots in layout.spans():
        np.matmul(WZ[:, :, members].transpose(1, 0, 2), Z[:, :, members].transpose(1, 2, 0), out=moments[:, g])
    moments *= f[:, :, None, None]
    cov: dict[tuple[str, str], np.ndarray] = {}
    for a, name_a in enumerate(_COORDS):
        for b, name_b in enumerate(_COORDS):
            cov[(name_a, name_b)] = moments[:, :, a, b]
    return f, cov


def _quad(cov: dict[tuple[str, str], np.ndarray], coef: dict[str, Any]) -> np.ndarray:
    """Σ_l Σ_{c,c'} a_c a_c' Cov_l(c, c') for coefficients of shape (m,) or (m, k)."""
    total_ = 0.0
    items = [(c, np.asarray(v)) for c, v in coef.items()]
    items = [(c, v[:, None] if v.ndim == 1 else v) for c, v in items]
    for i, (c1, v1) in enumerate(items):
        for c2, v2 in items[i:]:
            term = v1 * v2 * cov[(c1, c2)]
            total_ = total_ + (term if c1 == c2 else 2 * term)
    return np.sum(total_, axis=1)


def _overall_variances(out, cov, sizes, mus_j, nw, Nmu, inv_scale, inv_sp) -> dict[str, np.ndarray]:
    """Variances of the mean, G and its components and of their shares of G."""
    with np.errstate(invalid="ignore", divide="ignore"):
        G = out["G"]
        share = {name: out[name] / np.where(G > 0, G, np.nan) for name in ("Gw", "Gnb", "Gt")}

    def quad(coef: dict[str, Any]) -> np.ndarray:
        return _quad(cov, coef)

    # sign of each group against every other, weighted by the other's size: Σ_h sgn(μ_l − μ_h) n_h
    sgn = np.sign(mus_j[:, :, None] - mus_j[:, None, :])
    sgnsum = np.einsum("rlh,rh->rl", sgn, sizes)
    var: dict[str, np.ndarray] = {}
    var["mean"] = quad({"y": 1.0 / nw})
    var["G"] = quad({"T": inv_scale, "y": -G / Nmu})
    var["Gw"] = quad({"w": inv_scale, "y": -out["Gw"] / Nmu})
    var["Gnb"] = quad({"y": sgnsum * inv_scale[:, None] - (out["Gnb"] / Nmu)[:, None]})
    var["Gt"] = quad({"Q": 2 * inv_scale, "y": -out["Gt"] / Nmu})
    var["Gw_share"] = quad({"w": inv_sp, "T": -share["Gw"] * inv_sp})
    var["Gnb_share"] = quad({"y": sgnsum * inv_sp[:, None], "T": -share["Gnb"] * inv_sp})
    var["Gt_share"] = quad({"Q": 2 * inv_sp, "T": -share["Gt"] * inv_sp})
    return var


def _group_variances(out, cov, sizes, Nmu, inv_scale, inv_sp) -> dict[str, np.ndarray]:
    """Variances of the terms of one group j (only its own members move G_jj and mean_j; all move the overall μ)."""
    var: dict[str, np.ndarray] = {}
    G = out["G"]
    Vyy, Vww, Cyw, CTw = cov[("y", "y")], cov[("w", "w")], cov[("y", "w")], cov[("T", "w")]
    Vy_tot, VT_tot = Vyy.sum(axis=1), cov[("T", "T")].sum(axis=1)
    mu_j = out["mu_j"]
    with np.errstate(invalid="ignore", divide="ignore"):
        var["mean_j"] = Vyy / sizes**2
        s_j = out["s_j"]
        var["s_j"] = ((1 - s_j) ** 2 * Vyy + s_j**2 * (Vy_tot[:, None] - Vyy)) / Nmu[:, None] ** 2
        a_w = np.where(mu_j > 0, 1.0 / (sizes**2 * mu_j), 0.0)
        a_y = np.where(mu_j > 0, -out["Gjj"] / (sizes * mu_j), 0.0)
        var["G_jj"] = a_w**2 * Vww + a_y**2 * Vyy + 2 * a_w * a_y * Cyw
        cwy = out["cw"] / Nmu[:, None]
        var["Gw_contrib"] = (
            cwy**2 * Vy_tot[:, None] + inv_scale[:, None] ** 2 * Vww - 2 * inv_scale[:, None] * cwy * Cyw
        )
        cws = out["cw"] / np.where(G > 0, G, np.nan)[:, None]
        aT = -cws * inv_sp[:, None]
        var["Gw_contrib_share"] = aT**2 * VT_tot[:, None] + inv_sp[:, None] ** 2 * Vww + 2 * inv_sp[:, None] * aT * CTw
    return var


def _pair_sides(f, cov, sizes, P, a_mom) -> list[dict[str, np.ndarray]]:
    """For the pairs (j, h), j < h, the covariances of the members of j (first) and of h (second)."""
    k = sizes.shape[1]
    jj, hh = np.triu_indices(k, 1)
    Vyy, VTT, CyT = cov[("y", "y")], cov[("T", "T")], cov[("y", "T")]
    sides = []
    for grp, oth in ((jj, hh), (hh, jj)):
        fl = f[:, grp]
        sides.append(
            {
                "AA": fl * (a_mom[0][:, grp, oth] - P[:, grp, oth] ** 2 / sizes[:, grp]),
                "Ay": fl * a_mom[1][:, grp, oth],
                "AT": fl * a_mom[2][:, grp, oth],
                "yy": Vyy[:, grp],
                "TT": VTT[:, grp],
                "yT": CyT[:, grp],
                "n_o": sizes[:, oth],
            }
        )
    return sides


def _pair_variances(
    out, cov, sides, sizes, mus_j, j_richer, total, nn, msum, Nmu, inv_scale, inv_sp
) -> dict[str, np.ndarray]:
    """Variances of the terms of a pair (j, h).

    Coefficients on y and T for every group, plus the pair's own sums for the members of j and h. A
    member of j moves P_jh by A_ih and P_hj by B_ih = A_ih − n_h y_i (centred), so a term
    a1·P_jh + a2·P_hj + ay·y + aT·T has L_i = (a1 + a2) A_ih + (ay − n_h a2) y_i + aT T_i; for a member
    of h the roles of P_jh and P_hj swap.
    """
    var: dict[str, np.ndarray] = {}
    G = out["G"]
    k = sizes.shape[1]
    jj, hh = np.triu_indices(k, 1)
    Vy_tot, VT_tot = cov[("y", "y")].sum(axis=1), cov[("T", "T")].sum(axis=1)
    CyT_tot = cov[("y", "T")].sum(axis=1)
    sg = np.sign(mus_j[:, jj] - mus_j[:, hh])
    nj, nh = sizes[:, jj], sizes[:, hh]

    def pair_var(a_y0=None, a_T0=None, e_yj=None, e_yh=None, c_tot=None, c_d=None, c_p=None):
        """Variance of a pair term with coefficients c_tot on P_jh + P_hj, c_d / c_p on the richer /
        poorer side's sum, a_y0 / a_T0 on y / T for every group and e_y on y for j and h
        (None = 0)."""
        total_ = 0.0
        if a_y0 is not None:
            total_ = total_ + a_y0**2 * Vy_tot[:, None]
        if a_T0 is not None:
            total_ = total_ + a_T0**2 * VT_tot[:, None]
        if a_y0 is not None and a_T0 is not None:
            total_ = total_ + 2 * a_y0 * a_T0 * CyT_tot[:, None]
        c_jh = c_hj = c_tot  # coefficients on P_jh and P_hj
        for c, on_jh in ((c_d, j_richer), (c_p, ~j_richer)):
            if c is not None:
                add_jh, add_hj = np.where(on_jh, c, 0.0), np.where(on_jh, 0.0, c)
                c_jh = add_jh if c_jh is None else c_jh + add_jh
                c_hj = add_hj if c_hj is None else c_hj + add_hj
        for side, e_y, a_near, a_far in ((sides[0], e_yj, c_jh, c_hj), (sides[1], e_yh, c_hj, c_jh)):
            # a_near: the coefficient of the sum this group's members enter through A, a_far through B.
            # Only the change from the every-group part (a_y0, a_T0) is added here.
            aA = None if a_near is None else a_near + a_far
            ey = e_y
            if a_far is not None:
                ey = -side["n_o"] * a_far if ey is None else ey - side["n_o"] * a_far
            if aA is not None:
                total_ = total_ + aA**2 * side["AA"]
                if a_T0 is not None:
                    total_ = total_ + 2 * aA * a_T0 * side["AT"]
            if ey is not None:
                ay = ey if a_y0 is None else a_y0 + ey
                total_ = total_ + ey * (ay if a_y0 is None else ay + a_y0) * side["yy"]
                if aA is not None:
                    total_ = total_ + 2 * aA * ay * side["Ay"]
                if a_T0 is not None:
                    total_ = total_ + 2 * ey * a_T0 * side["yT"]
            elif aA is not None and a_y0 is not None:
                total_ = total_ + 2 * aA * a_y0 * side["Ay"]
        return total_

    with np.errstate(invalid="ignore", divide="ignore"):
        Gjh, D = out["Gjh"], out["D"]
        c_g = np.where(msum > 0, 1.0 / (nn * msum), 0.0)
        var["G_jh"] = pair_var(e_yj=-Gjh * c_g * nh, e_yh=-Gjh * c_g * nj, c_tot=c_g)
        inv_tot = np.where(total > 0, 1.0 / total, 0.0)
        var["D_jh"] = pair_var(e_yj=sg * nh * inv_tot, e_yh=-sg * nj * inv_tot, c_tot=-D * inv_tot)
        var["d_jh"] = pair_var(c_d=1.0 / nn)
        var["p_jh"] = pair_var(c_p=1.0 / nn)
        isc = inv_scale[:, None]
        var["Gnb_contrib"] = pair_var(a_y0=-out["cnb"] / Nmu[:, None], e_yj=sg * nh * isc, e_yh=-sg * nj * isc)
        var["Gt_contrib"] = pair_var(a_y0=-out["ct"] / Nmu[:, None], c_p=np.broadcast_to(2 * isc, nn.shape))
        isp = inv_sp[:, None]
        Gs = np.where(G > 0, G, np.nan)[:, None]
        var["Gnb_contrib_share"] = pair_var(a_T0=-out["cnb"] / Gs * isp, e_yj=sg * nh * isp, e_yh=-sg * nj * isp)
        var["Gt_contrib_share"] = pair_var(a_T0=-out["ct"] / Gs * isp, c_p=np.broadcast_to(2 * isp, nn.shape))
    return var


def _value_order(values: np.ndarray) -> np.ndarray:
    """The order that sorts ``values`` ascending, ties in any order (numpy's default sort).

    Ties cannot change a result: every term is a sum over pairs of ``w_i w_r (y_i − y_r)⁺``
    (and over values of functions of ``y_i``, its group and such pair sums), and two tied values
    give ``y_i − y_r = 0`` and equal per-value quantities whichever of them comes first, so
    swapping tied values only reorders the summands of the same sums: results agree to the
    rounding of a reordered sum, exactly when every partial sum is exact (a test checks both
    with stable, default and reversed tie orders).
    """
    return np.argsort(values)


def _sorted_sample(values: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Sort a cross-section once: shifted sorted values, their labels, each value's sorted position, shift."""
    order = _value_order(values)
    y0 = float(values[order[0]])
    where = np.empty(values.size, dtype=np.intp)
    where[order] = np.arange(values.size)
    return values[order] - y0, labels[order], where, y0


def _sorted_values(values: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Shifted sorted values, their labels and the shift (as :func:`_sorted_sample`, without
    the positions)."""
    order = _value_order(values)
    y0 = float(values[order[0]])
    return values[order] - y0, labels[order], y0


def _dagum_batch(Y: np.ndarray, labels: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Dagum terms of one cross-section ``Y`` (1 × n); ``labels`` (n,) holds group codes 0..k-1."""
    ys, lab, y0 = _sorted_values(Y[0], labels)
    return _dagum_weighted(ys, lab, np.ones((1, ys.size)), k, y0)


def _rank_by_mean(mu_j: np.ndarray) -> np.ndarray:
    """1-based rank of each group by decreasing mean (ties: earlier code first)."""
    order = np.lexsort((np.arange(mu_j.size), -mu_j))
    rank = np.empty(mu_j.size, dtype=int)
    rank[order] = np.arange(1, mu_j.size + 1)
    return rank


# layout of one replicate's numbers as a flat vector
#: the terms reported for every pair of groups, in table order
_PAIR_TERMS: tuple[str, ...] = (
    "G_jh",
    "D_jh",
    "d_jh",
    "p_jh",
    "Gnb_contrib",
    "Gt_contrib",
    "Gnb_contrib_share",
    "Gt_contrib_share",
)


def _flatten(out: dict[str, np.ndarray]) -> np.ndarray:
    mu = out["mu"]
    G = out["G"]
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = np.where(G > 0, 1.0 / G, np.nan)[:, None]
    parts = [
        np.column_stack([G, out["Gw"], out["Gnb"], out["Gt"], mu]),
        np.column_stack([out["Gw"], out["Gnb"], out["Gt"]]) * inv,
        out["mu_j"],
        out["s_j"],
        out["Gjj"],
        out["cw"],
        out["cw"] * inv,
        out["Gjh"],
        out["D"],
        out["d"],
        out["p"],
        out["cnb"],
        out["ct"],
        out["cnb"] * inv,
        out["ct"] * inv,
    ]
    return np.concatenate(parts, axis=1)


def _flatten_var(var: dict[str, np.ndarray]) -> np.ndarray:
    """The variances of :func:`_linearised_variance` in the layout of :func:`_flatten`."""
    names = ["G", "Gw", "Gnb", "Gt", "mean", "Gw_share", "Gnb_share", "Gt_share"]
    names += ["mean_j", "s_j", "G_jj", "Gw_contrib", "Gw_contrib_share", *_PAIR_TERMS]
    return np.concatenate([var[nm][:, None] if var[nm].ndim == 1 else var[nm] for nm in names], axis=1)


def _unflatten(vec: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Inverse of :func:`_flatten` along the last axis."""
    npairs = k * (k - 1) // 2
    sizes = [("G", 1), ("Gw", 1), ("Gnb", 1), ("Gt", 1), ("mean", 1)]
    sizes += [("Gw_share", 1), ("Gnb_share", 1), ("Gt_share", 1)]
    sizes += [("mean_j", k), ("s_j", k), ("G_jj", k), ("Gw_contrib", k), ("Gw_contrib_share", k)]
    sizes += [(name, npairs) for name in _PAIR_TERMS]
    out, pos = {}, 0
    for name, size in sizes:
        out[name] = vec[..., pos : pos + size]
        pos += size
    return out


def _term_bounds(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Range of every term of the flat layout: all are >= 0; Ginis, shares, s_j and D_jh are <= 1
    (means and d_jh, p_jh are in the data's units)."""
    idx = _unflatten(np.arange(_flat_size(k)), k)
    upper = np.ones(_flat_size(k))
    for name in ("mean", "mean_j", "d_jh", "p_jh"):
        upper[idx[name]] = np.inf
    return np.zeros(_flat_size(k)), upper


def _flat_size(k: int) -> int:
    return 8 + 5 * k + len(_PAIR_TERMS) * (k * (k - 1) // 2)


def _point(item: tuple) -> tuple[np.ndarray, np.ndarray | None]:
    """Flat Dagum vector of one period and, when asked, the linearised standard error of
    every term."""
    values, labels, k, *want_se = item
    ys, lab, y0 = _sorted_values(values, labels)
    with_se = bool(want_se[0]) if want_se else True
    out = _dagum_weighted(ys, lab, np.ones((1, ys.size)), k, y0, variance=with_se)
    if not with_se:
        return _flatten(out)[0], None
    return _flatten(out)[0], np.sqrt(np.maximum(_flatten_var(out["var"])[0], 0.0))

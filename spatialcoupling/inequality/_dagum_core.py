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
frequency weights on the period's sorted values (no sort per replicate), a whole batch of
replicates as the rows of one array; :func:`_pair_sums` takes them in blocks with the
replicates as the innermost axis. The sort is numpy's default one: the order of tied values
does not enter any term (:func:`_value_order`).

**Layout.** One evaluation's numbers travel as a flat vector (:func:`_flatten`): the overall
terms, then per group, then per pair of groups (in the order of ``np.triu_indices(k, 1)``);
:func:`_unflatten` names the parts.
"""

from __future__ import annotations

from typing import Any

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
    m, _n = W.shape
    unit = m == 1 and bool(np.all(W == 1.0))  # the sample itself: counts instead of weights
    group_sum = _group_summer(lab, k) if (variance or not unit) else None

    def by_group(X: np.ndarray) -> np.ndarray:
        """Σ over the values of each group, for every row of X (m × n → m × k)."""
        if group_sum is None:
            return np.bincount(lab, weights=X[0], minlength=k)[None, :]
        return group_sum(X)

    wy = W * ys
    sizes = by_group(W)  # weighted group sizes, m × k
    nw = sizes.sum(axis=1)
    sum_shift = by_group(wy)
    with np.errstate(invalid="ignore", divide="ignore"):
        mus_j = sum_shift / sizes
    mu_j = mus_j + y0
    stot = sum_shift.sum(axis=1)
    mu = stot / nw + y0

    moments = None
    cum_w = cum_s = np.empty(0)
    if variance:
        cum_w = np.cumsum(W, axis=1)
        cum_s = np.cumsum(wy, axis=1)
        moments = _centred_values(ys, lab, W, group_sum, sizes, mus_j, cum_w, cum_s, stot, nw)
    P = _pair_sums(ys, lab, W, k, moments)
    # overall: Σ_i Σ_r w_i w_r (y_i − y_r)⁺ = Σ_i Σ_r w_i w_r |y_i − y_r| / 2, the sum of all pair sums
    num_all = P.sum(axis=(1, 2))
    out = _terms(P, sizes, nw, mus_j, mu_j, mu, num_all, k)
    if variance:
        assert moments is not None
        out["var"] = _variance_of_terms(
            out, ys, lab, W, group_sum, sizes, sum_shift, mus_j, cum_w, cum_s, num_all, P, moments
        )
    return out


def _group_summer(lab: np.ndarray, k: int):
    """A function summing the values of each group along the last axis (``(..., n) → (..., k)``).

    One gather into group order and :func:`numpy.add.reduceat`: about four times faster than a
    product with a one-hot (n × k) matrix at 2,848 values in 31 groups (BLAS is held to one thread
    inside the bootstrap, and a product costs 2k operations per value against two passes here).
    Groups without a member sum to 0.
    """
    order = np.argsort(lab, kind="stable")
    sizes = np.bincount(lab, minlength=k)
    present = np.flatnonzero(sizes)
    starts = (np.cumsum(sizes) - sizes)[present]
    every_group = present.size == k

    def group_sum(X: np.ndarray) -> np.ndarray:
        if present.size == 0:
            return np.zeros((*X.shape[:-1], k))
        sums = np.add.reduceat(X[..., order], starts, axis=-1)
        if every_group:
            return sums
        out = np.zeros((*X.shape[:-1], k))
        out[..., present] = sums
        return out

    return group_sum


def _centred_values(ys, lab, W, group_sum, sizes, mus_j, cum_w, cum_s, stot, nw) -> dict[str, np.ndarray]:
    """The per-value quantities the variance needs, centred within groups: ``y`` and
    ``T_i = Σ_r w_r |y_i − y_r|``, with the arrays that :func:`_pair_sums` fills."""
    m, n = W.shape
    k = sizes.shape[1]
    T = ys * cum_w - cum_s + (stot[:, None] - cum_s) - ys * (nw[:, None] - cum_w)
    with np.errstate(invalid="ignore", divide="ignore"):
        yc = ys - mus_j[:, lab]
        Tc = T - (group_sum(W * T) / sizes)[:, lab]
    return {
        "yc": yc,
        "Tc": Tc,
        "A_own": np.empty((m, n)),  # A_i,g(i)
        "a_mom": np.empty((3, m, k, k)),  # Σ_l w A_h², Cov_l(A_h, y), Cov_l(A_h, T)
    }


#: replicates evaluated together in :func:`_pair_sums` (groups × values × replicates arrays stay in cache)
_PAIR_BLOCK = 16


def _running_by_group(lab: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gather plan for running sums of each group, in group-major order.

    Returns ``order`` (the sorted positions grouped by group, ascending within a group), the
    start of each group in it and ``idx`` (k × n): with ``R`` a running sum (leading 0) of a
    per-value quantity taken in the order ``order``, ``R[idx[h, q]] − R[start_h]`` is its sum over
    the members of group ``h`` at sorted positions up to ``order[q]``.
    """
    order = np.argsort(lab, kind="stable")
    sizes = np.bincount(lab, minlength=k)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    counts = np.cumsum(lab[None, :] == np.arange(k)[:, None], axis=1)  # members of h at positions <= i
    return order, starts, (starts[:, None] + counts)[:, order]


def _running_rows(X: np.ndarray) -> np.ndarray:
    """Running sums along each row of ``X`` (b × n) with a leading 0, as an (n + 1) × b array
    (numpy's cumulative sum is fast along the last axis, slow along the first)."""
    run = np.zeros((X.shape[0], X.shape[1] + 1))
    np.cumsum(X, axis=1, out=run[:, 1:])
    return np.ascontiguousarray(run.T)


def _pair_sums(ys: np.ndarray, lab: np.ndarray, W: np.ndarray, k: int, moments: dict | None) -> np.ndarray:
    """``P[:, j, h] = Σ_{i ∈ j} w_i A_ih`` with ``A_ih = Σ_{r ∈ h} w_r (y_i − y_r)⁺``, for every row
    of ``W`` (m × k × k); with ``moments``, also the within-group moments of the ``A_ih``.

    With ``C_h(i)`` and ``S_h(i)`` the weight and weighted sum of group ``h`` at sorted positions
    ``≤ i``, ``A_ih = y_i C_h(i) − S_h(i)``. The values are handled in group-major order (the
    sorted positions grouped by group) with the replicates as the innermost axis: one running
    sum of the weights and one of the weighted values per replicate, read for every group at
    every position (row gathers), give ``A``; sums over a group's members are then sums over
    contiguous blocks (``numpy.add.reduceat``). Tied values contribute ``y_i − y_r = 0``
    whichever of them the sort puts first, so the order of ties does not enter any term.
    """
    m, n = W.shape
    P = np.empty((m, k, k))
    order, starts, idx = _running_by_group(lab, k)
    flat = idx.ravel()
    ys_g, lab_g = ys[order], lab[order]
    cols = np.arange(n)
    for a in range(0, m, _PAIR_BLOCK):
        rows = slice(a, a + _PAIR_BLOCK)
        Wg = W[rows][:, order]
        Wt = np.ascontiguousarray(Wg.T)  # (n, b): group-major values × replicates
        b = Wt.shape[1]
        run = _running_rows(Wg)
        A = np.take(run, flat, axis=0).reshape(k, n, b)
        A -= run[starts][:, None, :]  # C_h at every position
        A *= ys_g[None, :, None]
        run = _running_rows(Wg * ys_g)
        S = np.take(run, flat, axis=0).reshape(k, n, b)
        S -= run[starts][:, None, :]  # S_h at every position
        A -= S  # A[h, q, :] = A_{order[q], h}
        np.multiply(A, Wt[None], out=S)  # w_i A_ih
        P[rows] = np.add.reduceat(S, starts, axis=1).transpose(2, 1, 0)
        if moments is None:
            continue
        moments["A_own"][rows, order] = A[lab_g, cols].T
        a_mom = moments["a_mom"]
        # yc and Tc are centred within groups, so Σ w A yc is already a covariance
        others = (A, moments["yc"][rows][:, order].T[None], moments["Tc"][rows][:, order].T[None])
        for c, other in enumerate(others):
            a_mom[c, rows] = np.add.reduceat(S * other, starts, axis=1).transpose(2, 1, 0)
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


def _variance_of_terms(
    out, ys, lab, W, group_sum, sizes, sum_shift, mus_j, cum_w, cum_s, num_all, P, moments
) -> dict[str, np.ndarray]:
    """The per-value parts of the within-group and transvariation sums, then
    :func:`_linearised_variance`."""
    k = sizes.shape[1]
    nw = sizes.sum(axis=1)
    scale = nw * nw * out["mu"]
    jj, hh = np.triu_indices(k, 1)
    nn = sizes[:, jj] * sizes[:, hh]
    total = P[:, jj, hh] + P[:, hh, jj]
    j_richer = mus_j[:, jj] >= mus_j[:, hh]
    msum = out["mu_j"][:, jj] + out["mu_j"][:, hh]
    # B_ih = Σ_{r ∈ h} w_r (y_r − y_i)⁺ = A_ih + S_h − n_h y_i, so B's moments follow from A's and y's;
    # Tw_i = A_ig + B_ig (g = own group); Q_i = Σ_{h ≠ g} (B_ih if g is the richer of (g, h) else A_ih)
    codes = np.arange(k)
    richer = (
        (mus_j[:, :, None] > mus_j[:, None, :])
        | ((mus_j[:, :, None] == mus_j[:, None, :]) & (codes[:, None] < codes[None, :]))
    ).astype(float)
    A_own = moments["A_own"]
    A_tot = ys * cum_w - cum_s
    Tw = 2 * A_own + sum_shift[:, lab] - sizes[:, lab] * ys
    Q = (
        A_tot
        - A_own
        + np.einsum("rlh,rh->rl", richer, sum_shift)[:, lab]
        - np.einsum("rlh,rh->rl", richer, sizes)[:, lab] * ys
    )
    return _linearised_variance(
        out,
        W,
        group_sum,
        lab,
        sizes,
        num_all,
        scale,
        mus_j,
        moments["yc"],
        moments["Tc"],
        Tw,
        Q,
        P,
        moments["a_mom"],
        j_richer,
        total,
        nn,
        msum,
    )


def _linearised_variance(
    out, W, group_sum, lab, sizes, SP, scale, mus_j, yc, Tc, Tw, Q, P, a_mom, j_richer, total, nn, msum
) -> dict[str, np.ndarray]:
    """Assemble the variance of every term from within-group covariances (see :func:`_dagum_weighted`)."""
    f, cov = _member_covariances(W, group_sum, lab, sizes, yc, Tc, Tw, Q)
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


def _member_covariances(
    W, group_sum, lab, sizes, yc, Tc, Tw, Q
) -> tuple[np.ndarray, dict[tuple[str, str], np.ndarray]]:
    """The jackknife factor n/(n-1) per group and the within-group covariances of the coordinates y, T, w, Q."""
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(sizes > 1, sizes / (sizes - 1), 0.0)  # jackknife's small-sample factor
        Twc = Tw - (group_sum(W * Tw) / sizes)[:, lab]
        Qc = Q - (group_sum(W * Q) / sizes)[:, lab]
    coords = {"y": yc, "T": Tc, "w": Twc, "Q": Qc}
    names = list(coords)
    cov: dict[tuple[str, str], np.ndarray] = {}
    keys = [(a, b) for a_i, a in enumerate(names) for b in names[a_i:]]
    stack = np.empty((len(keys), *W.shape))
    weighted = {a: W * coords[a] for a in names}
    for i, (a, b) in enumerate(keys):
        np.multiply(weighted[a], coords[b], out=stack[i])
    moments = group_sum(stack)  # (10, m, k)
    for key, mom in zip(keys, moments, strict=True):
        cov[key] = cov[key[::-1]] = f * mom
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

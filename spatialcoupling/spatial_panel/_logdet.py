"""Linear algebra of a spatial weights matrix W for maximum likelihood: ln|I − ρW| and traces.

The spatial panel estimators need, for a scalar ρ,

* the log-determinant ``ln|I − ρW|`` at every step of the likelihood search;
* at the optimum the traces ``tr(G)``, ``tr(G²)`` and ``tr(G'G)`` of ``G = W(I − ρW)⁻¹``
  (information matrix), and ``1'G'G1``-type corrections for the Lee–Yu time transformation;
* for impacts, ``tr((I − ρW)⁻¹)`` and ``tr((I − ρW)⁻¹W)`` for many simulated ρ.

Three log-determinant methods are offered, as in the literature (LeSage & Pace 2009, ch. 4):

``eigen``
    The eigenvalues of W, once (symmetric eigen-solver when W is a row-standardised symmetric
    binary matrix, which is similar to a symmetric matrix); exact and cheapest per evaluation;
    O(N³) once, so for N up to about a thousand.
``lu``
    A sparse LU factorisation of ``I − ρW`` at every evaluation; exact; the cost grows with the
    fill-in of the factors (measured timings: ``benchmarks/results/benchmarks.md``).
``chebyshev``
    Pace & LeSage (2004): ``ln(1 − ρx)`` is interpolated on [−1, 1] by a Chebyshev series of
    degree ``order`` and ``tr(T_j(W))`` is estimated with seeded Rademacher probes (Hutchinson);
    approximate, for very large N. Needs real eigenvalues in [−1, 1] (row-standardised W).

These are written here rather than taken from spreg because spreg builds a dense N × N inverse
(``spinv``) for its standard errors, which is what makes its ``ML_LagFE`` slow at N in the
thousands (``benchmarks/bench_spatial_panel.py``; results in ``benchmarks/results/benchmarks.md``).

This module was ``spatialcoupling._spatial_linalg``; that name remains as an alias.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as sla

__all__ = [
    "DENSE_MAX_N",
    "IMPACT_EIGEN_MAX_N",
    "PROBES",
    "LogDet",
    "eigenvalues",
    "is_row_standardised",
    "multiple_of_identity_after_demeaning",
    "row_sums",
]

#: a seed of the random probes: an integer or a numpy SeedSequence (see ``spatialcoupling._params.Seed``)
SeedLike = int | np.random.SeedSequence

#: N up to which dense algebra (eigenvalues, exact traces by inversion) is used by default
DENSE_MAX_N = 1000
#: Rademacher probes for stochastic traces
PROBES = 256
#: N up to which impacts use the eigenvalues of W (computed once) rather than a power series
IMPACT_EIGEN_MAX_N = 2000


def is_row_standardised(W: sp.csr_matrix) -> bool:
    """True when every row of W sums to one."""
    return bool(np.allclose(np.asarray(W.sum(axis=1)).ravel(), 1.0))


def row_sums(W: sp.csr_matrix) -> np.ndarray:
    """The row sums of W."""
    return np.asarray(W.sum(axis=1)).ravel()


def multiple_of_identity_after_demeaning(W: sp.csr_matrix, tol: float = 1e-10) -> float | None:
    """``c`` when ``QWQ = cQ`` with ``Q = I − 11'/N``, else None.

    When it holds, W maps every cross-section with mean zero to ``c`` times itself: after the time
    effects are removed, ``QWy = c·Qy`` (for a W whose rows sum to one), so the spatial lag is
    collinear with the dependent variable and a spatial parameter is not identified. This is the
    case of a group in which every region is a neighbour of every other (row-standardised W:
    ``c = −1/(N − 1)``). Computed from sparse sums, without forming ``QWQ``:
    ``‖QWQ‖² = ‖W‖² − ‖W'1‖²/N − (‖W1‖² − (1'W1)²/N)/N`` and ``tr(QWQ) = tr(W) − 1'W1/N``, and
    ``‖QWQ − cQ‖² = ‖QWQ‖² − tr(QWQ)²/(N − 1)`` at the best ``c``.
    """
    n = W.shape[0]
    if n < 2:
        return None
    r = row_sums(W)
    col = np.asarray(W.sum(axis=0)).ravel()
    total = float(r.sum())
    fro2 = float(W.multiply(W).sum())
    if fro2 == 0:
        return None
    qwq2 = fro2 - float(col @ col) / n - (float(r @ r) - total * total / n) / n
    tr = float(W.diagonal().sum()) - total / n
    gap = qwq2 - tr * tr / (n - 1)
    return tr / (n - 1) if gap <= tol * fro2 else None


def eigenvalues(W: sp.csr_matrix) -> np.ndarray:
    """Eigenvalues of W: real ones through a symmetric similar matrix when W is a row-standardised
    symmetric binary matrix (``W = D⁻¹B``), else the general (possibly complex) ones."""
    B = (W != 0).astype(float)
    d = np.asarray(B.sum(axis=1)).ravel()
    if np.all(d > 0) and abs(B - B.T).sum() == 0 and abs(W - sp.diags(1 / d) @ B).sum() < 1e-10 * W.shape[0]:
        s = sp.diags(1 / np.sqrt(d))
        return np.linalg.eigvalsh((s @ B @ s).toarray())
    if abs(W - W.T).sum() < 1e-12 * W.shape[0]:
        return np.linalg.eigvalsh(W.toarray())
    values = np.linalg.eigvals(W.toarray())
    return values.real if np.allclose(values.imag, 0) else values


class LogDet:
    """``ln|I − ρW|`` and the traces the likelihood needs, by the chosen method.

    Parameters
    ----------
    W : scipy.sparse matrix
    method : {"auto", "eigen", "lu", "chebyshev"}
        ``auto`` takes ``eigen`` for N ≤ ``DENSE_MAX_N`` and ``lu`` above.
    seed : int or numpy.random.SeedSequence
        Seed of the Rademacher probes (``chebyshev`` and the stochastic ``tr(G'G)`` at large N).
    order : int
        Degree of the Chebyshev series.
    """

    def __init__(self, W: sp.csr_matrix, method: str = "auto", seed: SeedLike = 0, order: int = 40) -> None:
        self.W = sp.csr_matrix(W, dtype=float)
        self.n = self.W.shape[0]
        self.seed = seed
        if method == "auto":
            method = "eigen" if self.n <= DENSE_MAX_N else "lu"
        self.method = method
        self.eig = eigenvalues(self.W) if method == "eigen" else None
        self._cheb = _chebyshev_traces(self.W, order, seed) if method == "chebyshev" else None
        self._identity = sp.identity(self.n, format="csc")

    @property
    def dense(self) -> bool:
        """Whether N is small enough (``N ≤ DENSE_MAX_N``) for dense algebra (exact traces by inversion)."""
        return self.n <= DENSE_MAX_N

    # -- bounds --------------------------------------------------------------
    def bounds(self) -> tuple[float, float]:
        """The admissible interval of ρ: (1/λ_min, 1/λ_max) with real eigenvalues, else (−1, 1)
        for a row-standardised W (its spectral radius is 1)."""
        if self.eig is not None and np.isrealobj(self.eig):
            lo, hi = float(np.min(self.eig)), float(np.max(self.eig))
            return (1 / lo if lo < 0 else -1.0, 1 / hi if hi > 0 else 1.0)
        return (-1.0, 1.0)

    # -- log-determinant -----------------------------------------------------
    def __call__(self, rho: float) -> float:
        if self.eig is not None:
            return float(np.sum(np.log(np.abs(1 - rho * self.eig))))
        if self._cheb is not None:
            return float(_chebyshev_coefficients(rho, len(self._cheb) - 1) @ self._cheb)
        lu = sla.splu(sp.csc_matrix(self._identity - rho * self.W))
        return float(np.sum(np.log(np.abs(lu.U.diagonal()))))

    def solver(self, rho: float, transpose: bool = False) -> Callable[[np.ndarray], np.ndarray]:
        """A function solving ``(I − ρW) x = b`` (or the transposed system)."""
        lu = sla.splu(sp.csc_matrix(self._identity - rho * self.W))
        return (lambda b: lu.solve(b, trans="T")) if transpose else lu.solve

    # -- traces at the optimum -----------------------------------------------
    def traces(self, rho: float) -> dict[str, Any]:
        """``tr(G)``, ``tr(G²)``, ``tr(G'G)`` and ``‖G'1‖²/N`` for ``G = W(I − ρW)⁻¹``, with a note on
        how they were computed."""
        if self.dense:
            G = self.W.toarray() @ np.linalg.inv(np.eye(self.n) - rho * self.W.toarray())
            col = G.sum(axis=0)
            return {
                "trG": float(np.trace(G)),
                "trG2": float(np.sum(G * G.T)),
                "trGtG": float(np.sum(G * G)),
                "colG": float(col @ col / self.n),
                "how": "exact (dense inverse)",
            }
        if self.eig is not None:
            f = self.eig / (1 - rho * self.eig)
            trG, trG2 = float(np.sum(f).real), float(np.sum(f * f).real)
            how = "tr(G), tr(G²) from the eigenvalues"
        else:
            trG, trG2 = self._traces_by_differences(rho)
            how = "tr(G), tr(G²) from derivatives of the sparse-LU log-determinant"
        solve, solve_t = self.solver(rho), self.solver(rho, transpose=True)
        rng = np.random.default_rng(self.seed)
        probes = rng.choice([-1.0, 1.0], size=(self.n, PROBES))
        gu = self.W @ solve(probes)
        trGtG = float(np.sum(gu * gu) / PROBES)
        gt1 = solve_t(self.W.T @ np.ones(self.n))
        how += (
            f"; tr(G'G) by Hutchinson's estimator with {PROBES} seeded probes (relative s.e. about "
            f"{np.std(np.sum(gu * gu, axis=0)) / np.sqrt(PROBES) / max(trGtG, 1e-300):.1e})"
        )
        return {"trG": trG, "trG2": trG2, "trGtG": trGtG, "colG": float(gt1 @ gt1 / self.n), "how": how}

    def _traces_by_differences(self, rho: float) -> tuple[float, float]:
        """``tr(G) = −d ln|A|/dρ`` and ``tr(G²) = −d² ln|A|/dρ²`` by central differences of the exact
        (LU) log-determinant."""
        h = 1e-4
        exact = LogDet(self.W, "lu")
        f0, fp, fm = exact(rho), exact(rho + h), exact(rho - h)
        fpp, fmm = exact(rho + 2 * h), exact(rho - 2 * h)
        d1 = (-fpp + 8 * fp - 8 * fm + fmm) / (12 * h)
        d2 = (-fpp + 16 * fp - 30 * f0 + 16 * fm - fmm) / (12 * h * h)
        return -d1, -d2

    # -- traces for impacts ----------------------------------------------------
    def impact_traces(self, rhos: np.ndarray, terms: int = 120) -> tuple[np.ndarray, np.ndarray, str]:
        """``tr((I − ρW)⁻¹)/N`` and ``tr((I − ρW)⁻¹W)/N`` for each ρ in ``rhos``.

        Exact from the eigenvalues when they are known (or N ≤ 2,000, when they are computed
        here); otherwise the power series ``Σ ρ^j tr(W^j)`` with ``tr(W^j)`` exact for j ≤ 2 and
        estimated by seeded Rademacher probes above (LeSage & Pace 2009, §4.3)."""
        rhos = np.atleast_1d(np.asarray(rhos, float))
        eig = self.eig
        if eig is None and self.n <= IMPACT_EIGEN_MAX_N:
            eig = eigenvalues(self.W)
        if eig is not None:
            inv = 1 / (1 - rhos[:, None] * eig[None, :])
            return (
                np.real(inv.sum(axis=1)) / self.n,
                np.real((inv * eig[None, :]).sum(axis=1)) / self.n,
                "exact, from the eigenvalues of W",
            )
        tr = _power_traces(self.W, terms + 1, self.seed) / self.n
        powers = rhos[:, None] ** np.arange(terms + 1)[None, :]
        direct = powers @ tr[: terms + 1]
        lagged = powers[:, :-1] @ tr[1 : terms + 1]
        tail = float(np.max(np.abs(rhos))) ** terms / (1 - float(np.max(np.abs(rhos))))
        return (
            direct,
            lagged,
            (
                f"power series of {terms} terms with tr(W^j), j > 2, from {PROBES} seeded "
                f"probes; truncation error below {tail:.1e} per region"
            ),
        )


def _power_traces(W: sp.csr_matrix, terms: int, seed: SeedLike) -> np.ndarray:
    """``tr(W^j)`` for j = 0..terms−1: exact for j ≤ 2, Hutchinson estimates above."""
    n = W.shape[0]
    rng = np.random.default_rng(seed)
    u = rng.choice([-1.0, 1.0], size=(n, PROBES))
    out = np.empty(terms)
    v = u
    for j in range(terms):
        out[j] = np.sum(u * v) / PROBES
        v = W @ v
    out[0] = n
    if terms > 1:
        out[1] = W.diagonal().sum()
    if terms > 2:
        out[2] = W.multiply(W.T).sum()
    return out


def _chebyshev_traces(W: sp.csr_matrix, order: int, seed: SeedLike) -> np.ndarray:
    """Estimated ``tr(T_j(W))`` for j = 0..order with the j = 0 term halved (so that the series is a
    plain dot product with the coefficients)."""
    n = W.shape[0]
    rng = np.random.default_rng(seed)
    u = rng.choice([-1.0, 1.0], size=(n, PROBES))
    out = np.empty(order + 1)
    t_prev, t_cur = u, W @ u
    out[0] = n / 2
    out[1] = W.diagonal().sum()
    for j in range(2, order + 1):
        t_prev, t_cur = t_cur, 2 * (W @ t_cur) - t_prev
        out[j] = np.sum(u * t_cur) / PROBES
    return out


def _chebyshev_coefficients(rho: float, order: int) -> np.ndarray:
    """Chebyshev coefficients of ``x ↦ ln(1 − ρx)`` on [−1, 1] from the values at the nodes."""
    k = np.arange(order + 1)
    x = np.cos(np.pi * (k + 0.5) / (order + 1))
    f = np.log(1 - rho * x)
    return 2 / (order + 1) * np.cos(np.pi * np.outer(k, k + 0.5) / (order + 1)) @ f

"""Linear algebra of a spatial weights matrix W for maximum likelihood: ln|I − ρW| and traces.

The spatial panel estimators need, for a scalar ρ,

* the log-determinant ``ln|I − ρW|`` at every step of the likelihood search;
* at the optimum the traces ``tr(G)``, ``tr(G²)`` and ``tr(G'G)`` of ``G = W(I − ρW)⁻¹``
  (information matrix), and ``1'G'G1``-type corrections for the Lee–Yu time transformation;
* for impacts, ``tr((I − ρW)⁻¹)`` and ``tr((I − ρW)⁻¹W)`` for many simulated ρ.

Four log-determinant methods are offered, as in the literature (LeSage & Pace 2009, ch. 4):

``eigen``
    The eigenvalues of W, once (symmetric eigen-solver when W is a row-standardised symmetric
    binary matrix, which is similar to a symmetric matrix); exact and cheapest per evaluation;
    O(N³) once, so for N up to about a thousand.
``lu``
    A sparse LU factorisation of ``I − ρW`` at every evaluation; exact; the cost grows with the
    fill-in of the factors (measured timings: ``benchmarks/results/benchmarks.md``). A structurally
    symmetric W is ordered by minimum degree on ``A' + A`` and factorised without pivoting when
    ``I − ρW`` is diagonally dominant (:meth:`WeightsAlgebra._lu_options`): half the fill and time of
    the default ordering on large lattices. The derivatives ``−tr(G)``, ``−tr(G²)`` come from a
    five-point stencil of exact values (:meth:`WeightsAlgebra.exact_derivatives`).
``chebyshev``
    Pace & LeSage (2004): ``ln(1 − ρx)`` is interpolated on [−1, 1] by a Chebyshev series of
    degree ``order`` and ``tr(T_j(W))`` is estimated with seeded Rademacher probes (Hutchinson);
    approximate, for very large N. Needs real eigenvalues in [−1, 1] (row-standardised W).
``interpolated``
    The exact (sparse-LU) log-determinant at Chebyshev–Lobatto nodes of fixed pieces of (−1, 1),
    interpolated by a Chebyshev series on each piece (LU on a grid, as Barry & Pace 1999 and R's
    spatialreg "SE" methods, with polynomial instead of spline interpolation). The pieces shrink
    geometrically towards ±1 (piece ``[1 − 2d, 1 − d]``), where the eigenvalues of a
    row-standardised W put the singularities of ``ln|I − ρW|``, so every piece is as far from a
    singularity as it is long and a series of 8–32 terms reaches the tolerance ``INTERPOLATION_TOL``
    (relative to the largest |value| on the piece, checked on the series' last coefficients and
    stated on the fit); a piece is built the first time a search enters it. Beyond the last piece
    (within ``2⁻²³`` of ±1) the exact LU is used. ``tr(G)`` and ``tr(G²)`` are the series'
    derivatives. Needs a row-standardised W. Cheap when several fits share a W (model tests,
    β convergence with several models, a robustness grid): the pieces are kept with the weights.

Blocks of probes: ``(I − ρW)⁻¹`` times the Rademacher probes of ``tr(G'G)`` is the Neumann series
``Σ ρ^j W^j`` when it reaches ``SERIES_TOL`` in fewer products with W than a solve with the LU
factors costs (small |ρ|, as for a variable without spatial dependence), else the LU solve; the two
agree to ``SERIES_TOL``. The impacts' power series stops at the number of terms whose truncation
bound is below ``IMPACT_SERIES_TOL`` for the largest simulated |ρ| (at most ``IMPACT_TERMS``).

Reuse across fits: everything that depends only on W — eigenvalues, exact LU values already
computed, interpolation pieces, the probe traces of the Chebyshev method and of the impacts, the
last LU factorisation — is kept in a :class:`WeightsAlgebra` held in a small least-recently-used
cache (``CACHE_SIZE`` weights matrices) keyed by :func:`weights_key`: the shape, the number of
non-zeros and a BLAKE2 digest of the canonical CSR arrays (indptr, indices, data). The key is
not the object's identity, so a W rebuilt or sent to a worker process hits the cache, and a W
changed in place (same shape, other values) does not. A fit gives the same numbers with or
without the cache (the cached items are deterministic functions of W and the seed);
:func:`clear_cache` empties it.

These are written here rather than taken from spreg because spreg builds a dense N × N inverse
(``spinv``) for its standard errors, which is what makes its ``ML_LagFE`` slow at N in the
thousands (``benchmarks/bench_spatial_panel.py``; results in ``benchmarks/results/benchmarks.md``).

This module was ``spatialcoupling._spatial_linalg``; that name remains as an alias.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as sla

__all__ = [
    "CACHE_SIZE",
    "DENSE_MAX_N",
    "IMPACT_EIGEN_MAX_N",
    "IMPACT_SERIES_TOL",
    "IMPACT_TERMS",
    "INTERPOLATION_TOL",
    "PROBES",
    "SERIES_COST",
    "SERIES_TOL",
    "STENCIL_STEP",
    "LogDet",
    "WeightsAlgebra",
    "algebra_of",
    "clear_cache",
    "eigenvalues",
    "is_row_standardised",
    "multiple_of_identity_after_demeaning",
    "row_sums",
    "weights_key",
]

#: a seed of the random probes: an integer or a numpy SeedSequence (see ``spatialcoupling._params.Seed``)
SeedLike = int | np.random.SeedSequence

#: N up to which dense algebra (eigenvalues, exact traces by inversion) is used by default
DENSE_MAX_N = 1000
#: Rademacher probes for stochastic traces
PROBES = 256
#: N up to which impacts use the eigenvalues of W (computed once) rather than a power series
IMPACT_EIGEN_MAX_N = 2000
#: weights matrices whose algebra is kept between fits (least recently used dropped first)
CACHE_SIZE = 8
#: relative tolerance of the interpolated log-determinant on each piece
INTERPOLATION_TOL = 1e-12
#: the interpolation pieces reach 2**-_DEPTH from ±1; beyond, the exact LU is used
_DEPTH = 23
#: the last LU factorisation is kept when its factors hold at most this many entries (about 50 MB)
_KEEP_LU_NNZ = 4_000_000
#: right-hand sides from which a block is solved by triangular solves of the LU factors
_BLOCK_RHS = 8
#: exact LU values kept per W (the memo is emptied when it is full)
_MEMO_SIZE = 20_000
#: step of the five-point stencil of exact LU values giving the derivatives of ln|I − ρW|
STENCIL_STEP = 1e-4
#: relative truncation error of the Neumann series used for (I − ρW)⁻¹ times a block of probes
SERIES_TOL = 1e-14
#: a product with W per stored entry costs about this fraction of a pair of triangular solves per factor entry
SERIES_COST = 2.0
#: relative truncation error (per region) aimed at by the power series of the impacts' traces
IMPACT_SERIES_TOL = 1e-12
#: the most terms of that power series
IMPACT_TERMS = 120


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


def _canonical(W: Any) -> sp.csr_matrix:
    """W as a float CSR matrix with sorted indices and no duplicate entries (a copy)."""
    M = sp.csr_matrix(W, dtype=float, copy=True)
    M.sum_duplicates()
    M.sort_indices()
    return M


def weights_key(W: Any) -> tuple[tuple[int, int], int, str]:
    """The cache key of a weights matrix: shape, number of stored entries and a BLAKE2 digest of the
    canonical CSR arrays (indptr, indices, data).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> W = sp.csr_matrix([[0, 1.0], [1.0, 0]])
    >>> weights_key(W) == weights_key(W.copy())
    True
    >>> weights_key(W) == weights_key(W * 0.5)
    False
    """
    M = W if _is_canonical(W) else _canonical(W)
    digest = hashlib.blake2b(digest_size=16)
    for a in (M.indptr, M.indices, M.data):
        digest.update(np.ascontiguousarray(a).tobytes())
    return (int(M.shape[0]), int(M.shape[1])), int(M.nnz), digest.hexdigest()


def _is_canonical(W: Any) -> bool:
    return (
        isinstance(W, sp.csr_matrix)
        and W.dtype == np.float64
        and bool(W.has_canonical_format)
        and W.indices.dtype == np.int32
        and W.indptr.dtype == np.int32
    )


def _seed_key(seed: SeedLike) -> Any:
    if isinstance(seed, np.random.SeedSequence):
        return ("ss", str(seed.entropy), tuple(seed.spawn_key), seed.pool_size)
    return ("int", int(seed))


class WeightsAlgebra:
    """What the likelihood needs from one weights matrix W, computed once and kept.

    Eigenvalues (on first use), exact sparse-LU values of ``ln|I − ρW|`` already computed, the
    pieces of the interpolated log-determinant, the probe traces of the Chebyshev method and of the
    impacts, and the last LU factorisation of ``I − ρW``. Obtained through :func:`algebra_of`,
    which keeps one per W in a least-recently-used cache.
    """

    def __init__(self, W: sp.csr_matrix, key: tuple) -> None:
        self.W = W
        self.key = key
        self.n = W.shape[0]
        self._identity = sp.identity(self.n, format="csc")
        self._eig: np.ndarray | None = None
        self._memo: dict[float, float] = {}
        self._pieces: dict[int, tuple[float, float, np.ndarray, float]] = {}
        self._traces: dict[tuple, np.ndarray] = {}
        self._lu: tuple[float, Any] | None = None
        self._factors: tuple[Any, sp.csr_matrix, sp.csr_matrix] | None = None
        self._row_std: bool | None = None
        self._sym_pattern: bool | None = None
        self._dominance: tuple[np.ndarray, np.ndarray] | None = None
        self._stencil: tuple[float, np.ndarray] | None = None
        #: entries of the last LU factors (about the same for every ρ: one pattern, one ordering)
        self.factor_nnz: int | None = None
        self._norm_inf: float | None = None
        self._holding = 0
        self._lock = threading.Lock()

    @property
    def row_standardised(self) -> bool:
        """Whether every row of W sums to one."""
        if self._row_std is None:
            self._row_std = is_row_standardised(self.W)
        return self._row_std

    def eigenvalues(self) -> np.ndarray:
        """The eigenvalues of W (:func:`eigenvalues`), computed on first use."""
        if self._eig is None:
            self._eig = eigenvalues(self.W)
        return self._eig

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Keep the last LU factorisation whatever its size while the block runs (one fit: the
        log-likelihood, the traces and the solves at the estimate share one factorisation), and
        drop it afterwards if it is larger than ``_KEEP_LU_NNZ`` entries."""
        with self._lock:
            self._holding += 1
        try:
            yield
        finally:
            with self._lock:
                self._holding -= 1
                if not self._holding and (self.factor_nnz or 0) > _KEEP_LU_NNZ:
                    self._lu, self._factors = None, None

    def lu(self, rho: float) -> Any:
        """The sparse LU factorisation of ``I − ρW`` (the last one is kept unless its factors hold more than
        ``_KEEP_LU_NNZ`` entries, so that a very large W does not keep its factors in memory between fits;
        within :meth:`holding` it is kept)."""
        last = self._lu
        if last is not None and last[0] == rho:
            return last[1]
        lu = sla.splu(sp.csc_matrix(self._identity - rho * self.W), **self._lu_options(rho))
        self.factor_nnz = lu.L.nnz + lu.U.nnz
        if lu.L.nnz + lu.U.nnz <= _KEEP_LU_NNZ or self._holding:
            self._lu = (rho, lu)
        else:
            self._lu, self._factors = None, None
        return lu

    @property
    def structurally_symmetric(self) -> bool:
        """Whether W has a link j → i for every link i → j (contiguity, distance bands; not k-nearest)."""
        if self._sym_pattern is None:
            P = (self.W != 0).astype(np.int8)
            self._sym_pattern = bool((P != P.T).nnz == 0)
        return self._sym_pattern

    def _lu_options(self, rho: float) -> dict[str, Any]:
        """SuperLU's settings for ``I − ρW``.

        A structurally symmetric W is ordered by minimum degree on the pattern of ``A' + A``
        (``MMD_AT_PLUS_A``): on a 300 × 300 queen lattice the factors hold 7.8 instead of 13.8 million
        entries and a factorisation takes half the time of the default column ordering (COLAMD), which
        remains for other W (``benchmarks/bench_logdet.py``). When ``I − ρW`` is strictly diagonally
        dominant by rows (``|1 − ρw_ii| > |ρ| Σ_{j≠i} |w_ij|``, e.g. any row-standardised W with
        ``|ρ| < 1``), Gaussian elimination needs no pivoting (its growth factor is at most 2), so the
        diagonal is taken as pivot (``diag_pivot_thresh=0``, symmetric mode), which keeps the ordering's
        fill; otherwise partial pivoting as usual.
        """
        if not self.structurally_symmetric:
            return {}
        if self._dominance is None:
            absW = abs(self.W)
            diag = self.W.diagonal()
            self._dominance = (diag, np.asarray(absW.sum(axis=1)).ravel() - np.abs(diag))
        diag, off = self._dominance
        if bool(np.all(np.abs(1 - rho * diag) > abs(rho) * off)):
            return {"permc_spec": "MMD_AT_PLUS_A", "diag_pivot_thresh": 0.0, "options": {"SymmetricMode": True}}
        return {"permc_spec": "MMD_AT_PLUS_A"}

    def solve(self, rho: float, b: np.ndarray) -> np.ndarray:
        """``(I − ρW)⁻¹ b`` from the LU factors; a block of many right-hand sides goes through sparse
        triangular solves of the factors (several times faster than SuperLU's own solve for a block:
        ``benchmarks/bench_spatial_panel.py``), a vector through SuperLU's."""
        lu = self.lu(float(rho))
        if b.ndim == 1 or b.shape[1] < _BLOCK_RHS:
            return lu.solve(b)
        factors = self._factors
        if factors is None or factors[0] is not lu:
            factors = (lu, lu.L.tocsr(), lu.U.tocsr())
            if self._lu is not None and self._lu[1] is lu:  # kept with the factorisation only
                self._factors = factors
        _, L, U = factors
        # Pr A Pc = L U: A x = b  <=>  L U (Pc' x) = Pr b
        pb = np.empty_like(b, dtype=float)
        pb[lu.perm_r] = b
        z = sla.spsolve_triangular(L, pb, lower=True, unit_diagonal=True)
        z = sla.spsolve_triangular(U, z, lower=False)
        return z[lu.perm_c]

    def exact(self, rho: float) -> float:
        """``ln|I − ρW|`` from the sparse LU factorisation (values already computed are kept)."""
        rho = float(rho)
        value = self._memo.get(rho)
        if value is None:
            value = float(np.sum(np.log(np.abs(self.lu(rho).U.diagonal()))))
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            self._memo[rho] = value
        return value

    def exact_many(self, rhos: np.ndarray) -> np.ndarray:
        return np.array([self.exact(r) for r in rhos])

    def exact_derivatives(self, rho: float) -> tuple[float, float]:
        """First and second derivatives in ρ of the exact (LU) ``ln|I − ρW|``.

        From the quartic through the exact values at ``c + jh``, j = −2..2, ``h = STENCIL_STEP``: at
        its centre c these are the five-point central differences (error ``O(h⁴)`` plus rounding of
        about ``ε|ln|A||/h``). The last stencil is kept, and a ρ within ``h`` of its centre is
        answered from the same quartic (the derivatives of the interpolant there, of the same
        accuracy), so a Newton polish of the likelihood near one point and the traces at its result
        cost five factorisations in all."""
        rho = float(rho)
        h = STENCIL_STEP
        got = self._stencil
        if got is None or abs(rho - got[0]) > h:
            centre = rho
            f = self.exact_many(centre + h * np.arange(-2.0, 3.0))
            coef = np.array(
                [
                    f[2],
                    (f[0] - 8 * f[1] + 8 * f[3] - f[4]) / 12,
                    (-f[0] + 16 * f[1] - 30 * f[2] + 16 * f[3] - f[4]) / 24,
                    (-f[0] + 2 * f[1] - 2 * f[3] + f[4]) / 12,
                    (f[0] - 4 * f[1] + 6 * f[2] - 4 * f[3] + f[4]) / 24,
                ]
            )
            got = self._stencil = (centre, coef)
        centre, c = got
        t = (rho - centre) / h
        d1 = c[1] + t * (2 * c[2] + t * (3 * c[3] + t * 4 * c[4]))
        d2 = 2 * c[2] + t * (6 * c[3] + t * 12 * c[4])
        return float(d1 / h), float(d2 / (h * h))

    def series_terms(self, rho: float, tol: float = SERIES_TOL) -> int | None:
        """Terms m of the Neumann series ``Σ_{j<m} ρ^j W^j b`` for ``(I − ρW)⁻¹ b`` within ``tol``
        (relative to ``‖b‖∞``; bound ``q^m/(1 − q)``, ``q = |ρ|‖W‖∞``), or None when the series is
        dearer than a solve with the LU factors (``m·nnz(W) > SERIES_COST·nnz(L + U)``, the
        measured relative cost of one product with W and of one pair of triangular solves per
        entry) or does not converge (``q ≥ 1``)."""
        if self._norm_inf is None:
            self._norm_inf = float(np.max(np.asarray(abs(self.W).sum(axis=1)).ravel(), initial=0.0))
        q = abs(float(rho)) * self._norm_inf
        if q >= 1:
            return None
        m = 1 if q == 0 else max(1, int(np.ceil(np.log(tol * (1 - q)) / np.log(q))))
        if self.factor_nnz is None:
            self.lu(float(rho))
        if m * max(self.W.nnz, 1) > SERIES_COST * float(self.factor_nnz or 0):
            return None
        return m

    def inverse_times(self, rho: float, b: np.ndarray) -> np.ndarray:
        """``(I − ρW)⁻¹ b`` for a block b: by the Neumann series when it converges within
        ``SERIES_TOL`` in fewer products than a solve costs (:meth:`series_terms`), else by
        :meth:`solve` from the LU factors."""
        m = self.series_terms(rho)
        if m is None:
            return self.solve(rho, b)
        out = np.array(b, dtype=float, copy=True)
        v = out
        for _ in range(m - 1):
            v = self.W @ v
            v *= rho
            out += v
        return out

    # -- interpolated log-determinant -------------------------------------------------------
    def interpolated(self, rho: float, derivative: int = 0) -> float:
        """``ln|I − ρW|`` (or its first or second derivative in ρ) from the interpolation piece
        holding ρ; exact LU within ``2⁻²³`` of ±1 (derivatives there by central differences)."""
        index = _piece_index(rho)
        if index is None:
            if derivative == 0:
                return self.exact(rho)
            h = 1e-3 * (1 - abs(rho))
            f = self.exact_many(np.array([rho - h, rho, rho + h]))
            return float((f[2] - f[0]) / (2 * h) if derivative == 1 else (f[2] - 2 * f[1] + f[0]) / (h * h))
        a, b, coef, _ = self.piece(index)
        x = (2 * float(rho) - a - b) / (b - a)
        c = coef
        for _ in range(derivative):
            c = np.polynomial.chebyshev.chebder(c) * (2 / (b - a))
        return float(np.polynomial.chebyshev.chebval(x, c))

    def piece(self, index: int) -> tuple[float, float, np.ndarray, float]:
        """Interval, Chebyshev coefficients and the estimated relative error of one piece, built
        from exact LU values at nested Chebyshev–Lobatto nodes (8, 16, 32 intervals) until the last
        coefficients fall below ``INTERPOLATION_TOL``."""
        got = self._pieces.get(index)
        if got is not None:
            return got
        a, b = _piece_bounds(index)
        coef, err = np.zeros(1), np.inf
        for m in (8, 16, 32):
            x = np.cos(np.pi * np.arange(m + 1) / m)  # Lobatto nodes on [-1, 1], nested on doubling
            f = self.exact_many((a + b) / 2 + (b - a) / 2 * x)
            coef = _lobatto_coefficients(f)
            scale = max(1.0, float(np.max(np.abs(f))))
            err = float(np.max(np.abs(coef[-3:]))) / scale
            if err <= INTERPOLATION_TOL:
                break
        out = (a, b, coef, err)
        with self._lock:
            self._pieces[index] = out
        return out

    def interpolation_error(self) -> float:
        """The largest estimated relative error of the pieces built so far (0 when none)."""
        return max((p[3] for p in self._pieces.values()), default=0.0)

    # -- stochastic traces kept per seed ----------------------------------------------------
    def kept(self, name: str, seed: SeedLike, size: int, compute: Callable[[], np.ndarray]) -> np.ndarray:
        """A seeded trace vector (``name``, ``size``) computed once per seed."""
        key = (name, size, _seed_key(seed))
        got = self._traces.get(key)
        if got is None:
            got = compute()
            got.setflags(write=False)
            with self._lock:
                self._traces[key] = got
        return got

    def kept_prefix(self, name: str, seed: SeedLike, size: int, compute: Callable[[int], np.ndarray]) -> np.ndarray:
        """A seeded sequence (``name``) of at least ``size`` terms whose first terms do not depend on
        its length: a kept longer one is reused, a shorter one is replaced by ``compute(size)``."""
        key = (name, "prefix", _seed_key(seed))
        got = self._traces.get(key)
        if got is None or len(got) < size:
            got = compute(size)
            got.setflags(write=False)
            with self._lock:
                self._traces[key] = got
        return got


def _piece_bounds(index: int) -> tuple[float, float]:
    """Piece 0 is [−1/2, 1/2]; piece k > 0 is [1 − 2^{−k}, 1 − 2^{−k−1}] ([1/2, 3/4], [3/4, 7/8] …); negative
    indices mirror them towards −1."""
    if index == 0:
        return -0.5, 0.5
    k = abs(index)
    lo, hi = 1 - 2.0 ** (-k), 1 - 2.0 ** (-k - 1)
    return (lo, hi) if index > 0 else (-hi, -lo)


def _piece_index(rho: float) -> int | None:
    """The piece holding ρ, or None within ``2⁻²³`` of ±1."""
    r = abs(float(rho))
    if r <= 0.5:
        return 0
    if r >= 1 - 2.0 ** (-_DEPTH):
        return None
    k = int(np.floor(-np.log2(1 - r)))  # 1 − r in (2^{-k-1}, 2^{-k}]
    if 1 - r > 2.0 ** (-k):  # guard the rounding of log2
        k -= 1
    elif 1 - r <= 2.0 ** (-k - 1):
        k += 1
    return k if rho > 0 else -k


def _lobatto_coefficients(f: np.ndarray) -> np.ndarray:
    """Chebyshev coefficients of the interpolant through values at ``cos(πj/m)``, j = 0..m."""
    m = len(f) - 1
    j = np.arange(m + 1)
    w = np.ones(m + 1)
    w[0] = w[-1] = 0.5
    c = 2 / m * np.cos(np.pi * np.outer(j, j) / m) @ (w * f)
    c[0] /= 2
    c[-1] /= 2
    return c


_CACHE: OrderedDict[tuple, WeightsAlgebra] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def algebra_of(W: Any) -> WeightsAlgebra:
    """The :class:`WeightsAlgebra` of W from the cache (built and cached on a miss).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> W = sp.csr_matrix([[0, 1.0], [1.0, 0]])
    >>> algebra_of(W) is algebra_of(W.copy())
    True
    """
    M = W if _is_canonical(W) else _canonical(W)
    key = weights_key(M)
    with _CACHE_LOCK:
        got = _CACHE.get(key)
        if got is not None:
            _CACHE.move_to_end(key)
            return got
    if M is W:
        M = W.copy()
    M.data.setflags(write=False)
    made = WeightsAlgebra(M, key)
    with _CACHE_LOCK:
        got = _CACHE.setdefault(key, made)
        _CACHE.move_to_end(key)
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return got


def clear_cache() -> None:
    """Forget every kept :class:`WeightsAlgebra`."""
    with _CACHE_LOCK:
        _CACHE.clear()


class LogDet:
    """``ln|I − ρW|`` and the traces the likelihood needs, by the chosen method.

    Everything that depends only on W (and the seed) comes from the :class:`WeightsAlgebra` of W
    kept in the cache of :func:`algebra_of`, so fits that share a W share that work.

    Parameters
    ----------
    W : scipy.sparse matrix
    method : {"auto", "eigen", "lu", "interpolated", "chebyshev"}
        ``auto`` takes ``eigen`` for N ≤ ``DENSE_MAX_N`` and ``lu`` above. Not ``interpolated`` for one
        large W: its first fit builds at least one piece from 17–33 factorisations, where the direct
        search and its Newton polish take about 15 in all (a two-way SAR on a 150 × 150 queen lattice:
        15 against 50 factorisations; on 300 × 300, 17 against 51 and about twice the time,
        ``benchmarks/bench_logdet.py --grid``); the pieces pay off only when several fits share a W.
    seed : int or numpy.random.SeedSequence
        Seed of the Rademacher probes (``chebyshev`` and the stochastic ``tr(G'G)`` at large N).
    order : int
        Degree of the Chebyshev series.

    Examples
    --------
    >>> import libpysal
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> w = libpysal.weights.lat2W(5, 5)
    >>> w.transform = "r"
    >>> W = sp.csr_matrix(w.sparse)
    >>> exact = np.linalg.slogdet(np.eye(25) - 0.4 * W.toarray())[1]
    >>> bool(abs(LogDet(W, "interpolated")(0.4) - exact) < 1e-10)
    True
    """

    def __init__(self, W: sp.csr_matrix, method: str = "auto", seed: SeedLike = 0, order: int = 40) -> None:
        self.algebra = algebra_of(W)
        self.W = self.algebra.W
        self.n = self.W.shape[0]
        self.seed = seed
        if method == "auto":
            method = "eigen" if self.n <= DENSE_MAX_N else "lu"
        if method == "interpolated" and not self.algebra.row_standardised:
            raise ValueError(
                "logdet='interpolated' needs a row-standardised W (every row summing to 1, so that the "
                "singularities of ln|I - rho W| lie outside (-1, 1)); set w.transform = 'r' or use logdet='lu'"
            )
        self.method = method
        self.eig = self.algebra.eigenvalues() if method == "eigen" else None
        self._cheb = (
            self.algebra.kept("chebyshev", seed, order, lambda: _chebyshev_traces(self.W, order, seed))
            if method == "chebyshev"
            else None
        )

    @property
    def dense(self) -> bool:
        """Whether N is small enough (``N ≤ DENSE_MAX_N``) for dense algebra (exact traces by inversion)."""
        return self.n <= DENSE_MAX_N

    @property
    def how(self) -> str:
        """How the log-determinant was evaluated (the method, with the error bound when approximate)."""
        if self.method == "interpolated":
            return (
                "interpolated: sparse LU at Chebyshev-Lobatto nodes of pieces of (-1, 1), estimated relative "
                f"error at most {max(self.algebra.interpolation_error(), 1e-16):.1e}"
            )
        return self.method

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
        if self.method == "interpolated":
            return self.algebra.interpolated(rho)
        return self.algebra.exact(rho)

    def derivatives(self, rho: float) -> tuple[float, float]:
        """First and second derivatives of ``ln|I − ρW|`` in ρ (``−tr(G)`` and ``−tr(G²)``): exact from
        the eigenvalues, from the series of the interpolated method, from a five-point stencil of
        exact LU values (:meth:`WeightsAlgebra.exact_derivatives`) or of the Chebyshev approximation."""
        if self.eig is not None:
            f = self.eig / (1 - rho * self.eig)
            return float(-np.sum(f).real), float(-np.sum(f * f).real)
        if self.method == "interpolated":
            return self.algebra.interpolated(rho, 1), self.algebra.interpolated(rho, 2)
        if self._cheb is not None:
            h = STENCIL_STEP
            fm2, fm1, f0, fp1, fp2 = (self(rho + j * h) for j in (-2, -1, 0, 1, 2))
            return (fm2 - 8 * fm1 + 8 * fp1 - fp2) / (12 * h), (-fm2 + 16 * fm1 - 30 * f0 + 16 * fp1 - fp2) / (
                12 * h * h
            )
        return self.algebra.exact_derivatives(rho)

    def solver(self, rho: float, transpose: bool = False) -> Callable[[np.ndarray], np.ndarray]:
        """A function solving ``(I − ρW) x = b`` (or the transposed system)."""
        lu = self.algebra.lu(float(rho))
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
        elif self.method == "interpolated":
            trG, trG2 = -self.algebra.interpolated(rho, 1), -self.algebra.interpolated(rho, 2)
            how = "tr(G), tr(G²) from derivatives of the interpolated log-determinant"
        else:
            trG, trG2 = self._traces_by_differences(rho)
            how = "tr(G), tr(G²) from derivatives of the sparse-LU log-determinant"
        solve_t = self.solver(rho, transpose=True)
        rng = np.random.default_rng(self.seed)
        probes = rng.choice([-1.0, 1.0], size=(self.n, PROBES))
        gu = self.W @ self.algebra.inverse_times(rho, probes)
        del probes
        squares = np.einsum("ij,ij->j", gu, gu)
        del gu
        trGtG = float(np.sum(squares) / PROBES)
        gt1 = solve_t(self.W.T @ np.ones(self.n))
        how += (
            f"; tr(G'G) by Hutchinson's estimator with {PROBES} seeded probes (relative s.e. about "
            f"{np.std(squares) / np.sqrt(PROBES) / max(trGtG, 1e-300):.1e})"
        )
        return {"trG": trG, "trG2": trG2, "trGtG": trGtG, "colG": float(gt1 @ gt1 / self.n), "how": how}

    def _traces_by_differences(self, rho: float) -> tuple[float, float]:
        """``tr(G) = −d ln|A|/dρ`` and ``tr(G²) = −d² ln|A|/dρ²`` by central differences of the exact
        (LU) log-determinant."""
        d1, d2 = self.algebra.exact_derivatives(rho)
        return -d1, -d2

    # -- traces for impacts ----------------------------------------------------
    def impact_traces(self, rhos: np.ndarray, terms: int | None = None) -> tuple[np.ndarray, np.ndarray, str]:
        """``tr((I − ρW)⁻¹)/N`` and ``tr((I − ρW)⁻¹W)/N`` for each ρ in ``rhos``.

        Exact from the eigenvalues when they are known (or N ≤ 2,000, when they are computed
        here); otherwise the power series ``Σ ρ^j tr(W^j)`` with ``tr(W^j)`` exact for j ≤ 2 and
        estimated by seeded Rademacher probes above (LeSage & Pace 2009, §4.3). The series has
        ``terms`` terms; by default as many as bring the truncation error (per region, for the largest
        ``|ρ|``) below ``IMPACT_SERIES_TOL``, at most ``IMPACT_TERMS``. The traces of a longer series
        begin with those of a shorter one (same probes), so the number of terms changes only the
        truncation, which the note states."""
        rhos = np.atleast_1d(np.asarray(rhos, float))
        eig = self.eig
        if eig is None and self.n <= IMPACT_EIGEN_MAX_N:
            eig = self.algebra.eigenvalues()
        if eig is not None:
            inv = 1 / (1 - rhos[:, None] * eig[None, :])
            return (
                np.real(inv.sum(axis=1)) / self.n,
                np.real((inv * eig[None, :]).sum(axis=1)) / self.n,
                "exact, from the eigenvalues of W",
            )
        top = float(np.max(np.abs(rhos)))
        if terms is None:
            terms = IMPACT_TERMS
            if top < 1:
                need = np.log(IMPACT_SERIES_TOL * (1 - top)) / np.log(top) if top > 0 else 1.0
                terms = int(min(IMPACT_TERMS, max(3, np.ceil(need))))
        tr = self.algebra.kept_prefix(
            "power", self.seed, terms + 1, lambda size: _power_traces(self.W, size, self.seed)
        )
        tr = tr[: terms + 1] / self.n
        powers = rhos[:, None] ** np.arange(terms + 1)[None, :]
        direct = powers @ tr[: terms + 1]
        lagged = powers[:, :-1] @ tr[1 : terms + 1]
        tail = top**terms / (1 - top)
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
        out[j] = np.vdot(u, v) / PROBES
        if j + 1 < terms:
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

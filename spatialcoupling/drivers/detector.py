"""Geographic detector (地理探测器): factor, interaction, risk and ecological detectors, with OPGD.

Conventions (Wang et al. 2010, IJGIS 24(1); Wang, Zhang & Fu 2016, Ecological Indicators 67)
------------------------------------------------------------------------------------------
For a response ``y`` (e.g. D) and a factor whose strata ``h = 1 … L`` hold ``N_h`` of the ``N``
observations:

* factor detector: ``q = 1 − Σ_h N_h σ_h² / (N σ²) = 1 − SSW / SST`` (population variances);
  ``F = (N − L) / (L − 1) · q / (1 − q)`` and its p-value ``p`` from the non-central F
  distribution ``F(L − 1, N − L; λ)`` with ``λ = (Σ_h ȳ_h² − (Σ_h √N_h ȳ_h)² / N) / σ²``
  (Wang et al. 2016, as in R's GD and gdverse and the ``geodetector`` package); ``p_anova`` is the
  classical (central) one-way ANOVA F-test of the same F, which is what most statistics packages
  report. The non-central p is much larger than the ANOVA one: it asks whether q differs from
  what the stratum means would give by chance under the alternative, not whether the means
  differ;
* interaction detector: ``q(a ∩ b)``, the q of the strata formed by crossing two factors, against
  ``q_a`` and ``q_b``: ``"nonlinear-weaken"`` (``q_ab < min``), ``"uni-variable weaken"``
  (``min <= q_ab <= max``), ``"bi-variable enhance"`` (``max < q_ab < q_a + q_b``),
  ``"independent"`` (``q_ab = q_a + q_b``) and ``"nonlinear-enhance"`` (``q_ab > q_a + q_b``);
  equalities hold within ``1e-10``. On the same observations crossing never lowers q, so the two
  weakening types occur only when ``q_ab`` equals the larger q (one factor's strata nest in the
  other's);
* risk detector: Welch's t-test between the means of every pair of strata
  (``t = (ȳ_a − ȳ_b) / sqrt(s_a² / N_a + s_b² / N_b)``, Welch–Satterthwaite degrees of freedom,
  two-sided p), significant when ``p <= alpha``;
* ecological detector: ``F = N_a (N_b − 1) SSW_a / (N_b (N_a − 1) SSW_b)``, here ``SSW_a / SSW_b``
  (same observations), against ``F(N − 1, N − 1)``, two-sided p (as the ``geodetector`` package;
  gdverse reports the one-sided ``P(F > f)``, GD compares with the 0.9 quantile).

A stratum with a single observation is kept (its variance is 0), as in Wang et al.'s formula; the
``geodetector`` package drops such strata before computing q and the F-test (its N and L then
differ). The risk detector cannot test a stratum of one (its rows are NaN, noted).

Discretisation of numeric factors (:mod:`spatialcoupling.drivers._breaks`): ``"quantile"``,
``"equal"`` (interval), ``"natural"`` (Fisher–Jenks) or ``"geometric"`` with ``k`` classes, or
``"optimal"``: the optimal-parameters geographic detector (OPGD, Song et al. 2020) tries every
method of ``methods`` with every class count in ``k_range`` and keeps the one with the largest q
(the first in that order on a tie); every candidate is in the ``search`` table. Columns that are
not numeric, and numeric columns named in ``categorical``, are used as strata as they are.

Runs: every period on its own (``by="period"``), all region-periods together (``"pooled"``) or
both (default); a run's strata come from its own values.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations, pairwise
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .._params import InstanceOf, Interval, Model, NJobs, Options
from .._series import PERIOD, REGION, _preview, as_region_period_series
from ._base import DriverResult
from ._breaks import METHODS, breaks, classify, natural_breaks

__all__ = ["INTERACTIONS", "GeoDetector", "GeoDetectorResult", "interaction_type", "q_statistic"]

INTERACTIONS = ("nonlinear-weaken", "uni-variable weaken", "bi-variable enhance", "independent", "nonlinear-enhance")
_TOL = 1e-10
POOLED = "pooled"


def q_statistic(y: np.ndarray, codes: np.ndarray) -> float:
    """``q = 1 − SSW / SST`` of ``y`` stratified by integer ``codes``."""
    n_h, s_h, ss_h = _moments(y, codes)
    sst = float(((y - y.mean()) ** 2).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        ssw = float(np.where(n_h > 0, ss_h - s_h**2 / np.where(n_h > 0, n_h, 1), 0.0).sum())
    return 1.0 - ssw / sst if sst > 0 else np.nan


def _moments(y: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    size = int(codes.max()) + 1
    return (
        np.bincount(codes, minlength=size).astype(float),
        np.bincount(codes, weights=y, minlength=size),
        np.bincount(codes, weights=y * y, minlength=size),
    )


def interaction_type(q_a: float, q_b: float, q_ab: float) -> str:
    """The interaction type of two factors (see the module docstring)."""
    lo, hi, total = min(q_a, q_b), max(q_a, q_b), q_a + q_b
    if q_ab < lo - _TOL:
        return INTERACTIONS[0]
    if q_ab <= hi + _TOL:
        return INTERACTIONS[1]
    if abs(q_ab - total) <= _TOL:
        return INTERACTIONS[3]
    return INTERACTIONS[2] if q_ab < total else INTERACTIONS[4]


def _factor_row(y: np.ndarray, codes: np.ndarray) -> dict[str, float]:
    n_h, s_h, ss_h = _moments(y, codes)
    present = n_h > 0
    n_h, s_h, ss_h = n_h[present], s_h[present], ss_h[present]
    N, L = float(y.size), int(present.sum())
    mean_h = s_h / n_h
    sst = float(((y - y.mean()) ** 2).sum())
    ssw = float((ss_h - s_h * mean_h).sum())
    q = 1.0 - ssw / sst if sst > 0 else np.nan
    row = {"q": q, "F": np.nan, "p": np.nan, "p_anova": np.nan, "strata": L, "n": int(N)}
    if L < 2 or N <= L or not np.isfinite(q):
        return row
    F = (N - L) / (L - 1) * q / (1 - q) if q < 1 else np.inf
    sigma2 = sst / N
    lam = (float((mean_h**2).sum()) - float((np.sqrt(n_h) * mean_h).sum()) ** 2 / N) / sigma2
    row["F"] = F
    row["p"] = float(stats.ncf.sf(F, L - 1, N - L, max(lam, 0.0))) if np.isfinite(F) else 0.0
    row["p_anova"] = float(stats.f.sf(F, L - 1, N - L)) if np.isfinite(F) else 0.0
    return row


def _sorted_q(
    xs: np.ndarray, ys: np.ndarray, ys2: np.ndarray, sst: float, cut_sets: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """q and the number of non-empty strata of every set of class bounds, from one sort.

    ``xs`` is the factor sorted, ``ys`` / ``ys2`` the centred response and its square in that
    order; class ``c`` of bounds ``b`` holds ``b_{c-1} < x <= b_c`` (as :func:`classify`), i.e. the
    positions between ``searchsorted(xs, b, "right")`` of consecutive bounds. The class sums are
    segment sums of the sorted arrays (``numpy.add.reduceat``), with no per-candidate labelling.
    """
    n = xs.size
    q = np.full(len(cut_sets), np.nan)
    strata = np.zeros(len(cut_sets), dtype=np.int64)
    for c, cuts in enumerate(cut_sets):
        ends = np.searchsorted(xs, cuts, side="right")
        starts = np.unique(np.concatenate([[0], ends]))
        starts = starts[starts < n]
        sizes = np.diff(np.append(starts, n))
        s = np.add.reduceat(ys, starts)
        ssw = float((np.add.reduceat(ys2, starts) - s * s / sizes).sum())
        strata[c] = starts.size
        q[c] = 1.0 - ssw / sst if sst > 0 else np.nan
    return q, strata


class GeoDetector(Model):
    """Geographic detector of a response against factors, per period and pooled.

    Settings go to the constructor, data to :meth:`fit`:
    ``GeoDetector(method="optimal").fit(D, factors)``.

    Parameters
    ----------
    method : {"quantile", "equal", "natural", "geometric", "optimal"}
        Discretisation of numeric factors; ``"optimal"`` is the OPGD search.
    k : int
        Number of classes (>= 2) when ``method`` is not ``"optimal"``.
    methods : sequence of str
        Methods the OPGD search tries (default all four).
    k_range : (int, int)
        Smallest and largest class count of the OPGD search (inclusive; default 3 … 8).
    categorical : sequence of str
        Numeric factors to use as strata as they are (codes such as zone numbers).
    by : {"both", "period", "pooled"}
        Run every period, all region-periods together, or both.
    alpha : float
        Significance level of the risk and ecological detectors.
    n_jobs : None or int
        Runs computed in parallel (joblib; -1 every core). The results do not depend on it.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> idx = pd.MultiIndex.from_product([range(6), [2020]], names=["region", "period"])
    >>> y = pd.Series([1.0, 1.2, 0.9, 3.0, 3.2, 2.9], index=idx)
    >>> zone = pd.DataFrame({"zone": ["a", "a", "a", "b", "b", "b"]}, index=idx)
    >>> res = GeoDetector(by="pooled").fit(y, zone)
    >>> round(float(res.table.loc[("pooled", "zone"), "q"]), 4)
    0.9847
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "method": [Options(*METHODS, "optimal")],
        "k": [Interval(int, 2, None)],
        "methods": [
            InstanceOf((list, tuple), "a list of methods", check=lambda v: len(v) > 0 and all(m in METHODS for m in v))
        ],
        "k_range": [
            InstanceOf(
                (list, tuple),
                "a pair (smallest, largest) of class counts >= 2",
                check=lambda v: len(v) == 2 and all(isinstance(x, int) for x in v) and 2 <= v[0] <= v[1],
            )
        ],
        "categorical": [InstanceOf((list, tuple), "a list of column names")],
        "by": [Options("both", "period", "pooled")],
        "alpha": [Interval(float, 0, 1, closed="neither")],
        "n_jobs": [NJobs()],
    }

    def __init__(
        self,
        method: str = "quantile",
        k: int = 5,
        methods: Sequence[str] = METHODS,
        k_range: tuple[int, int] = (3, 8),
        categorical: Sequence[str] = (),
        by: str = "both",
        alpha: float = 0.05,
        n_jobs: int | None = 1,
    ) -> None:
        self.method = method
        self.k = k
        self.methods = methods
        self.k_range = k_range
        self.categorical = categorical
        self.by = by
        self.alpha = alpha
        self.n_jobs = n_jobs
        self._validate_params()

    # -- data ------------------------------------------------------------------------
    def _data(self, y: pd.Series, factors: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame, list[str]]:
        y = as_region_period_series(y, name="GeoDetector: y")
        if isinstance(factors, pd.Series):
            factors = factors.to_frame()
        if not isinstance(factors, pd.DataFrame) or factors.shape[1] == 0:
            raise TypeError(
                "GeoDetector: factors must be a DataFrame of factor columns indexed by (region, period) "
                "or by region (factors that do not change over time)"
            )
        notes: list[str] = []
        unknown = [c for c in self.categorical if c not in factors.columns]
        if unknown:
            raise ValueError(
                f"GeoDetector: categorical names {_preview(unknown)} that are not factor columns "
                f"({_preview(list(factors.columns))})"
            )
        if isinstance(factors.index, pd.MultiIndex) and factors.index.nlevels == 2:
            frame = factors.copy()
            frame.index = frame.index.set_names([REGION, PERIOD])
            missing = y.index.difference(frame.index)
            if len(missing):
                raise ValueError(f"GeoDetector: factors lack {len(missing)} region-period(s) of y: {_preview(missing)}")
            extra = frame.index.difference(y.index)
            if len(extra):
                notes.append(f"{len(extra)} region-period(s) of the factors are not in y and were not used")
            frame = frame.loc[y.index]
        elif not isinstance(factors.index, pd.MultiIndex):
            regions = y.index.get_level_values(REGION)
            absent = pd.Index(regions.unique()).difference(factors.index)
            if len(absent):
                raise ValueError(f"GeoDetector: factors (indexed by region) lack region(s) {_preview(absent)} of y")
            if factors.index.has_duplicates:
                raise ValueError(
                    f"GeoDetector: regions listed twice in factors: "
                    f"{_preview(factors.index[factors.index.duplicated()].unique())}"
                )
            frame = factors.reindex(regions)
            frame.index = y.index
        else:
            raise ValueError("GeoDetector: factors must be indexed by (region, period) or by region")
        frame.columns = [str(c) for c in frame.columns]
        bad = frame.isna()
        if bad.to_numpy().any():
            cells = bad.stack()
            raise ValueError(
                f"GeoDetector: missing factor values at (region, period, factor) "
                f"{_preview(cells[cells].index)}; fill them or drop those region-periods from y"
            )
        return y, frame, notes

    # -- fit -----------------------------------------------------------------------------
    def fit(self, y: pd.Series, factors: pd.DataFrame) -> GeoDetectorResult:
        """Run the four detectors on every run (each period and/or pooled).

        Parameters
        ----------
        y : pandas.Series
            Region × period response (e.g. ``ccd.D``).
        factors : DataFrame
            Factor columns indexed by (region, period), or by region for factors that do not change
            over time (zones). Numeric columns are discretised, others used as strata.
        """
        self._validate_params()
        y, frame, notes = self._data(y, factors)
        if frame.shape[1] < 1:
            raise ValueError("GeoDetector: no factors")
        categorical = {
            c
            for c in frame.columns
            if c in set(map(str, self.categorical))
            or not pd.api.types.is_numeric_dtype(frame[c])
            or pd.api.types.is_bool_dtype(frame[c])
        }
        runs: list[tuple[Any, np.ndarray]] = []
        periods = y.index.get_level_values(PERIOD)
        if self.by in ("period", "both"):
            codes, uniques = pd.factorize(periods, sort=True)
            runs += [(uniques[t], np.flatnonzero(codes == t)) for t in range(len(uniques))]
        if self.by in ("pooled", "both"):
            runs.append((POOLED, np.arange(len(y))))
        parts: dict[str, list[pd.DataFrame]] = {
            k: [] for k in ("table", "interaction", "risk", "ecological", "strata", "search")
        }
        from .._parallel import parallel_map

        values = y.to_numpy()
        results = parallel_map(
            self._run_item,
            [(label, values[rows], frame.iloc[rows], categorical) for label, rows in runs],
            n_jobs=self.n_jobs,
            desc="runs",
        )
        for out, run_notes in results:
            notes += run_notes
            for key, value in out.items():
                parts[key].append(value)
        keys = {
            "table": ["run", "factor"],
            "interaction": ["run", "factor_a", "factor_b"],
            "risk": ["run", "factor", "stratum_a", "stratum_b"],
            "ecological": ["run", "factor_a", "factor_b"],
            "strata": ["run", "factor", "stratum"],
            "search": ["run", "factor", "method", "k"],
        }
        tables = {
            key: pd.concat(value, ignore_index=True).set_index(keys[key]) if value else pd.DataFrame()
            for key, value in parts.items()
        }
        settings = {
            "method": self.method,
            "k": self.k if self.method != "optimal" else "-",
            "methods": list(self.methods) if self.method == "optimal" else "-",
            "k_range": list(self.k_range) if self.method == "optimal" else "-",
            "categorical": sorted(categorical),
            "by": self.by,
            "alpha": self.alpha,
            "response": str(y.name or "y"),
        }
        return GeoDetectorResult(tables, settings, notes)

    def _run_item(
        self, item: tuple[Any, np.ndarray, pd.DataFrame, set[str]]
    ) -> tuple[dict[str, pd.DataFrame], list[str]]:
        notes: list[str] = []
        return self._run(*item, notes), notes

    def _run(
        self, label: Any, y: np.ndarray, frame: pd.DataFrame, categorical: set[str], notes: list[str]
    ) -> dict[str, pd.DataFrame]:
        codes: dict[str, np.ndarray] = {}
        labels: dict[str, list] = {}
        factor_rows, strata_rows, search_rows = [], [], []
        for name in frame.columns:
            values = frame[name]
            if name in categorical:
                c, uniques = pd.factorize(values, sort=True)
                codes[name] = c.astype(np.intp)
                info = {"method": "categorical", "k": len(uniques)}
                bounds = [(u, u) for u in uniques]
                labels[name] = list(uniques)
            else:
                x = values.to_numpy(dtype=float)
                method, k, cuts, candidates = self._discretise(name, label, x, y, notes)
                search_rows += candidates
                codes[name] = classify(x, cuts)
                info = {"method": method, "k": k}
                edges = np.concatenate([[x.min()], cuts, [x.max()]])
                bounds = list(pairwise(edges))
                labels[name] = [
                    ("[" if h == 0 else "(") + f"{lo_:.6g}, {hi_:.6g}]" for h, (lo_, hi_) in enumerate(bounds)
                ]
            row = {"run": label, "factor": name, **_factor_row(y, codes[name]), **info}
            factor_rows.append(row)
            n_h, s_h, _ = _moments(y, codes[name])
            for h, (lower, upper) in enumerate(bounds):
                if h < n_h.size:
                    strata_rows.append(
                        {
                            "run": label,
                            "factor": name,
                            "stratum": h,
                            "label": labels[name][h],
                            "lower": lower,
                            "upper": upper,
                            "n": int(n_h[h]),
                            "mean": s_h[h] / n_h[h] if n_h[h] else np.nan,
                        }
                    )
            if row["strata"] < 2:
                notes.append(f"run {label!r}: factor {name!r} has a single stratum; q is 0 and untested")
        out = {"table": pd.DataFrame(factor_rows), "strata": pd.DataFrame(strata_rows)}
        if search_rows:
            out["search"] = pd.DataFrame(search_rows)
        risk = self._risk(label, y, codes, labels, notes)
        if len(risk):
            out["risk"] = risk
        if len(codes) >= 2:
            q = {row["factor"]: row["q"] for row in factor_rows}
            out["interaction"] = self._interaction(label, y, codes, q)
            out["ecological"] = self._ecological(label, y, codes)
        return out

    def _discretise(
        self, name: str, label: Any, x: np.ndarray, y: np.ndarray, notes: list[str]
    ) -> tuple[str, int, np.ndarray, list[dict[str, Any]]]:
        if self.method != "optimal":
            try:
                cuts = breaks(x, self.method, self.k)
            except ValueError as err:
                raise ValueError(
                    f"GeoDetector: factor {name!r} (run {label!r}): {err}; choose another method or shift the factor"
                ) from err
            if cuts.size + 1 < self.k:
                notes.append(
                    f"run {label!r}: factor {name!r} gives {cuts.size + 1} class(es) instead of {self.k} "
                    "(repeated values)"
                )
            return self.method, self.k, cuts, []
        lo, hi = self.k_range
        order = np.argsort(x, kind="stable")
        xs = x[order]
        unique = np.unique(xs)
        yc = y - y.mean()
        ys, ys2 = yc[order], np.square(yc[order])
        sst = float(np.square(yc).sum())
        natural = natural_breaks(xs, hi) if "natural" in self.methods else {}
        methods, ks, cut_sets = [], [], []
        for method in self.methods:
            if method == "geometric" and unique[0] <= 0:
                notes.append(
                    f"run {label!r}: factor {name!r} has values <= 0; geometric intervals left out of the search"
                )
                continue
            if method == "quantile":  # one percentile call for every class count
                qs = [100.0 * np.arange(1, k) / k for k in range(lo, hi + 1)]
                flat = np.percentile(xs, np.concatenate(qs))
                bounds = np.cumsum([0] + [q.size for q in qs])
            for i, k in enumerate(range(lo, hi + 1)):
                if unique.size <= k:
                    cuts = unique[:-1]
                elif method == "natural":
                    cuts = natural[k] if k in natural else unique[:-1]
                elif method == "quantile":
                    cuts = np.unique(flat[bounds[i] : bounds[i + 1]])
                else:
                    cuts = breaks(xs, method, k, unique=unique)
                methods.append(method)
                ks.append(k)
                cut_sets.append(cuts)
        if not cut_sets:
            raise ValueError(f"GeoDetector: no discretisation in the search applies to factor {name!r} (run {label!r})")
        q, strata = _sorted_q(xs, ys, ys2, sst, cut_sets)
        best = 0
        for c in range(1, len(cut_sets)):  # the first of the largest q in the search order
            if q[c] > q[best] + 1e-12:
                best = c
        candidates = [
            {"run": label, "factor": name, "method": m, "k": k, "q": qc, "strata": st}
            for m, k, qc, st in zip(methods, ks, q.tolist(), strata.tolist(), strict=True)
        ]
        return methods[best], ks[best], cut_sets[best], candidates

    def _risk(
        self, label: Any, y: np.ndarray, codes: dict[str, np.ndarray], labels: dict[str, list], notes: list[str]
    ) -> pd.DataFrame:
        frames = []
        for name, c in codes.items():
            n_h, s_h, ss_h = _moments(y, c)
            present = np.flatnonzero(n_h > 0)
            if present.size < 2:
                continue
            n, mean = n_h[present], s_h[present] / n_h[present]
            with np.errstate(divide="ignore", invalid="ignore"):
                var = np.where(n > 1, (ss_h[present] - n * mean**2) / (n - 1), np.nan)
            a, b = np.triu_indices(present.size, k=1)
            va, vb = var[a] / n[a], var[b] / n[b]
            with np.errstate(divide="ignore", invalid="ignore"):
                t = (mean[a] - mean[b]) / np.sqrt(va + vb)
                df = (va + vb) ** 2 / (va**2 / (n[a] - 1) + vb**2 / (n[b] - 1))
            p = 2.0 * stats.t.sf(np.abs(t), df)
            if (n < 2).any():
                notes.append(f"run {label!r}: factor {name!r} has strata of one observation; their risk tests are NaN")
            frames.append(
                pd.DataFrame(
                    {
                        "run": label,
                        "factor": name,
                        "stratum_a": np.asarray(labels[name], dtype=object)[present[a]],
                        "stratum_b": np.asarray(labels[name], dtype=object)[present[b]],
                        "mean_a": mean[a],
                        "mean_b": mean[b],
                        "n_a": n[a].astype(int),
                        "n_b": n[b].astype(int),
                        "t": t,
                        "df": df,
                        "p": p,
                        "significant": p <= self.alpha,
                    }
                )
            )
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, ignore_index=True)

    def _interaction(
        self, label: Any, y: np.ndarray, codes: dict[str, np.ndarray], q: dict[str, float]
    ) -> pd.DataFrame:
        rows = []
        for a, b in combinations(codes, 2):
            crossed = codes[a] * (int(codes[b].max()) + 1) + codes[b]
            q_ab = q_statistic(y, np.unique(crossed, return_inverse=True)[1].astype(np.intp))
            q_a, q_b = q[a], q[b]
            rows.append(
                {
                    "run": label,
                    "factor_a": a,
                    "factor_b": b,
                    "q_a": q_a,
                    "q_b": q_b,
                    "q_ab": q_ab,
                    "interaction": interaction_type(q_a, q_b, q_ab),
                }
            )
        return pd.DataFrame(rows)

    def _ecological(self, label: Any, y: np.ndarray, codes: dict[str, np.ndarray]) -> pd.DataFrame:
        ssw = {}
        for name, c in codes.items():
            n_h, s_h, ss_h = _moments(y, c)
            with np.errstate(divide="ignore", invalid="ignore"):
                ssw[name] = float(np.where(n_h > 0, ss_h - s_h**2 / np.where(n_h > 0, n_h, 1), 0.0).sum())
        n = y.size
        rows = []
        for a, b in combinations(codes, 2):
            F = ssw[a] / ssw[b] if ssw[b] > 0 else np.inf
            p = float(min(1.0, 2.0 * min(stats.f.sf(F, n - 1, n - 1), stats.f.cdf(F, n - 1, n - 1))))
            rows.append({"run": label, "factor_a": a, "factor_b": b, "F": F, "p": p, "significant": p <= self.alpha})
        return pd.DataFrame(rows)


class GeoDetectorResult(DriverResult):
    """Results of the geographic detector.

    Attributes
    ----------
    table : DataFrame
        Factor detector, (run, factor) rows: q, F, p (non-central F, Wang et al. 2016), p_anova,
        strata, n, method, k.
    interaction : DataFrame
        (run, factor_a, factor_b): q_a, q_b, q_ab, interaction (one of :data:`INTERACTIONS`).
    risk : DataFrame
        (run, factor, stratum_a, stratum_b), strata by their labels: mean_a, mean_b, n_a, n_b, t, df, p, significant.
    ecological : DataFrame
        (run, factor_a, factor_b): F, p, significant.
    strata : DataFrame
        (run, factor, stratum code): label (the category, or the class interval), lower, upper, n,
        mean of y.
    search : DataFrame
        With ``method="optimal"``: q of every (method, k) tried, (run, factor, method, k) rows.
    """

    _table_names = ("table", "interaction", "risk", "ecological", "strata", "search")
    _title = "Geographic detector"

    @property
    def factor(self) -> pd.DataFrame:
        return self._get("table")

    @property
    def interaction(self) -> pd.DataFrame:
        return self._get("interaction")

    @property
    def risk(self) -> pd.DataFrame:
        return self._get("risk")

    @property
    def ecological(self) -> pd.DataFrame:
        return self._get("ecological")

    @property
    def strata(self) -> pd.DataFrame:
        return self._get("strata")

    @property
    def search(self) -> pd.DataFrame:
        return self._get("search")

    @property
    def runs(self) -> list:
        return list(dict.fromkeys(self._tables["table"].index.get_level_values("run")))

    def q(self) -> pd.DataFrame:
        """Factors × runs table of q."""
        return self._tables["table"]["q"].unstack("run").reindex(columns=self.runs)

    def interaction_matrix(self, run: Any = POOLED) -> pd.DataFrame:
        """Factors × factors: q on the diagonal, q(a ∩ b) off it, for one run."""
        if run not in self.runs:
            raise KeyError(f"no run {run!r}; runs: {_preview(self.runs)}")
        q = self._tables["table"].xs(run, level="run")["q"]
        m = pd.DataFrame(np.diag(q.to_numpy()), index=q.index, columns=q.index)
        inter = self._tables["interaction"]
        if len(inter):
            part = inter.xs(run, level="run")
            for (a, b), value in part["q_ab"].items():
                m.loc[a, b] = m.loc[b, a] = value
        return m

    def _summary_table(self) -> pd.DataFrame:
        return self._tables["table"]

    def plot(self, kind: str = "q", run: Any = None, ax: Any = None, title: str | None = None, language: str = "en"):
        """``"q"``: bars of q per factor and run; ``"interaction"``: the interaction matrix of ``run``
        (default the pooled run, else the last period)."""
        from ..plotting import drivers as figures

        if kind == "q":
            return figures.q_bars(self.q(), ax=ax, language=language, title=title or "Geographic detector: q by factor")
        if kind == "interaction":
            run = (POOLED if POOLED in self.runs else self.runs[-1]) if run is None else run
            return figures.heatmap(
                self.interaction_matrix(run),
                ax=ax,
                language=language,
                cmap="Blues",
                value_label="q",
                title=title or f"Interaction detector, {run}",
            )
        raise ValueError(f"kind must be 'q' or 'interaction', got {kind!r}")

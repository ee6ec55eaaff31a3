"""Coupling coordination degree of two or more subsystems.

For subsystem scores ``U_1 … U_n`` in [0, 1] of a region-period:

- classic coupling degree ``C = n · (Π U_i)^(1/n) / Σ U_i`` (for two subsystems
  ``C = 2 √(U1 U2) / (U1 + U2)``);
- revised coupling degree (Wang Shujia, Kong Wei, Ren Lang, Zhi Dandan & Dai Bingtao 2021,
  "Research on misuses and modification of coupling coordination degree model in China",
  Journal of Natural Resources 36(3), 793–810)::

      C = sqrt{ [1 - Σ_{i>j} |U_i - U_j| / Σ_{m=1}^{n-1} m] · [Π_i (U_i / max_j U_j)]^(1/(n-1)) }

  for two subsystems ``C = sqrt((1 - |U1 - U2|) · min(U1, U2) / max(U1, U2))``. The product
  term is read as the product of the ratios ``U_i / max U`` (each subsystem relative to the
  most developed one), the only reading that agrees with the two-subsystem form and keeps
  C in [0, 1] for any n.
  Unlike the classic C it depends on the gap between the levels, not only on their ratio;
- coordination index ``T = Σ θ_i U_i`` with contribution coefficients ``θ`` summing to 1;
- coupling coordination degree ``D = √(C · T)``.

When every ``U_i`` of a region-period is 0, ``C`` is undefined; it is then set to 0
(so ``D = 0``) and each such cell is reported in ``.notes``.

Grades of D come from one table (:mod:`spatialcoupling._grades`, shared with the grade maps):
by default left-open, right-closed intervals of width 0.1 (grade 1 "Extremely maladjusted" …
grade 10 "High-quality coordinated"); D = 0 is grade 1.
The relative development ``U_a / U_b`` of two subsystems names the lagging one:
below 0.9 "a lags", 0.9–1.1 "synchronous", above 1.1 "b lags" (bands configurable).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from ._aliases import in_region_order
from ._grades import DEFAULT_GRADES, grade_of, validate_grades
from ._groups import as_groups, conventional_order, group_codes
from ._params import InstanceOf, Model, Options
from ._results import Result, copied
from ._series import PERIOD, REGION, _preview, as_region_period_series
from .scores import SubsystemScores

__all__ = ["DEFAULT_GRADES", "CouplingCoordination", "CouplingResult", "coupling_degree", "grade_of"]

MODELS = ("classic", "revised")


def coupling_degree(U: np.ndarray, model: str = "classic") -> np.ndarray:
    """Coupling degree C for rows of subsystem scores ``U`` (shape rows × n).

    Rows whose scores are all 0 give NaN (undefined); callers report them.

    Examples
    --------
    >>> coupling_degree(np.array([[0.25, 0.25], [0.1, 0.4]])).round(6)
    array([1. , 0.8])
    """
    U = np.asarray(U, dtype=float)
    n = U.shape[1]
    if model == "classic":
        total = U.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            geo = np.exp(np.log(U).mean(axis=1)) if np.all(U > 0) else np.prod(U, axis=1) ** (1.0 / n)
            return np.where(total > 0, n * geo / total, np.nan)
    if model == "revised":
        i, j = np.triu_indices(n, k=1)
        mean_gap = np.abs(U[:, i] - U[:, j]).sum(axis=1) / (n * (n - 1) / 2)
        top = U.max(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.prod(U / top[:, None], axis=1) ** (1.0 / (n - 1))
            return np.where(top > 0, np.sqrt(np.clip(1.0 - mean_gap, 0.0, None) * ratio), np.nan)
    raise ValueError(f"model must be 'classic' or 'revised', got {model!r}")


def _checked_contributions(contributions: Mapping[str, float] | None) -> dict[str, float] | None:
    """Contribution coefficients as ``{subsystem: θ}`` (None: equal), checked: >= 0, summing to 1."""
    if contributions is None:
        return None
    out = {str(k): float(v) for k, v in dict(contributions).items()}
    negative = {k: v for k, v in out.items() if not v >= 0}
    if negative:
        raise ValueError(f"contributions must be >= 0; got {negative}")
    total = sum(out.values())
    if not np.isclose(total, 1.0, atol=1e-9):
        raise ValueError(f"contributions must sum to 1, got {total:g} ({out})")
    return out


def _checked_pairs(pairs: Sequence[tuple[str, str]] | None) -> list[tuple[str, str]] | None:
    """Pairs of subsystems as a list of 2-tuples of different names (None: no pairs)."""
    if pairs is None:
        return None
    out = [tuple(p) for p in pairs]
    bad = [p for p in out if len(p) != 2 or p[0] == p[1]]
    if bad:
        raise ValueError(f"pairs must be (subsystem_a, subsystem_b) with two different names; got {bad}")
    return out  # type: ignore[return-value]


def _checked_lag_bands(lag_bands: Sequence[float]) -> tuple[float, float]:
    """``(low, high)`` with ``0 < low <= 1 <= high``."""
    try:
        lo, hi = (float(v) for v in lag_bands)
    except (TypeError, ValueError):
        raise ValueError(f"lag_bands must be two numbers (low, high), got {lag_bands!r}") from None
    if not 0 < lo <= 1 <= hi:
        raise ValueError(f"lag_bands must satisfy 0 < low <= 1 <= high, got {tuple(lag_bands)}")
    return lo, hi


class CouplingCoordination(Model):
    """Coupling coordination degree model.

    Settings go to the constructor (checked again by :meth:`fit`), the subsystem scores to
    :meth:`fit`: ``CouplingCoordination(contributions={"MS": 0.4, "AM": 0.6}).fit(scores)``.

    Parameters
    ----------
    contributions : mapping subsystem -> θ, optional
        Contribution coefficients of the coordination index T; must be >= 0 and sum
        to 1. ``None`` gives equal contributions.
    model : {"classic", "revised"}
        Coupling degree formula (see module docstring for both, with the source of
        the revised one).
    grades : sequence of (upper bound, label) or DataFrame with upper/label, optional
        Classification of D; default the 10 grades of width 0.1.
    pairs : sequence of (subsystem, subsystem), optional
        Also compute C, T and D for each pair (sector-level analysis). A pair's
        contributions are the pair's θ renormalised to sum to 1 (equal when
        ``contributions`` is None).
    lag_bands : (low, high)
        Bands of the relative development ``U_a / U_b`` naming the lagging subsystem.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.MultiIndex.from_tuples([("a", 2020), ("b", 2020)], names=["region", "period"])
    >>> U = pd.DataFrame({"MS": [0.2, 0.8], "AM": [0.2, 0.2]}, index=idx)
    >>> ccd = CouplingCoordination(contributions={"MS": 0.5, "AM": 0.5}).fit(U)
    >>> ccd.table[["C", "T", "D", "grade"]].round(4).to_numpy().tolist()
    [[1.0, 0.2, 0.4472, 5.0], [0.8, 0.5, 0.6325, 7.0]]
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "contributions": [None, InstanceOf(Mapping, "a mapping subsystem -> contribution")],
        "model": [Options(*MODELS)],
        "grades": [None, InstanceOf((list, tuple, pd.DataFrame), "a list of (upper bound, label) or a DataFrame")],
        "pairs": [None, InstanceOf((list, tuple), "a list of (subsystem, subsystem) pairs")],
        "lag_bands": [InstanceOf((list, tuple), "two numbers (low, high)")],
    }

    def __init__(
        self,
        contributions: Mapping[str, float] | None = None,
        model: Literal["classic", "revised"] = "classic",
        grades: Sequence[tuple[float, str]] | pd.DataFrame | None = None,
        pairs: Sequence[tuple[str, str]] | None = None,
        lag_bands: tuple[float, float] = (0.9, 1.1),
    ):
        self.contributions = contributions
        self.model = model
        self.grades = grades
        self.pairs = pairs
        self.lag_bands = lag_bands
        self._validate_params()
        self.contributions = _checked_contributions(contributions)
        self.grades = validate_grades(grades)
        self.pairs = _checked_pairs(pairs)
        self.lag_bands = _checked_lag_bands(lag_bands)

    def _validate_params(self) -> None:
        super()._validate_params()
        _checked_contributions(self.contributions)
        validate_grades(self.grades)
        _checked_pairs(self.pairs)
        _checked_lag_bands(self.lag_bands)

    def fit(self, scores: SubsystemScores | pd.DataFrame) -> CouplingResult:
        """Compute C, T, D, grades and the lagging subsystem per region-period.

        Parameters
        ----------
        scores : SubsystemScores or DataFrame
            Subsystem scores U in [0, 1], (region, period) rows × subsystem columns.

        Returns
        -------
        CouplingResult
        """
        self._validate_params()
        contributions = _checked_contributions(self.contributions)
        grades = validate_grades(self.grades)
        lag_bands = _checked_lag_bands(self.lag_bands)
        U = self._scores_frame(scores)
        subsystems = list(U.columns)
        theta = _theta(subsystems, contributions)
        notes: list[str] = []
        table = self._compute(U, subsystems, theta, grades, lag_bands, notes, prefix="")
        pair_tables = {}
        for a, b in _checked_pairs(self.pairs) or []:
            unknown = [s for s in (a, b) if s not in subsystems]
            if unknown:
                raise ValueError(f"pair ({a!r}, {b!r}): unknown subsystem(s) {unknown}; subsystems: {subsystems}")
            pair_theta = _pair_theta(a, b, contributions)
            pair_tables[(a, b)] = self._compute(
                U[[a, b]], [a, b], pair_theta, grades, lag_bands, notes, prefix=f"{a}-{b}: "
            )
        return CouplingResult(
            table=in_region_order(table, REGION),
            pair_tables={pair: in_region_order(t, REGION) for pair, t in pair_tables.items()},
            theta=theta,
            model=self.model,
            grades=grades,
            notes=notes,
        )

    # -- pieces ------------------------------------------------------------------
    @staticmethod
    def _scores_frame(scores: SubsystemScores | pd.DataFrame) -> pd.DataFrame:
        U = scores.scores if isinstance(scores, SubsystemScores) else scores
        if not isinstance(U, pd.DataFrame):
            raise TypeError("fit() takes SubsystemScores or a DataFrame of U per subsystem indexed by (region, period)")
        if U.shape[1] < 2:
            raise ValueError(f"coupling needs at least two subsystems; got {list(U.columns)}")
        cols = {c: as_region_period_series(U[c], name=f"U[{c!r}]") for c in U.columns}
        U = pd.DataFrame(cols)
        out = (U < 0) | (U > 1)
        if out.to_numpy().any():
            cells = out.stack()
            raise ValueError(
                "subsystem scores must lie in [0, 1]; outside at (region, period, subsystem) "
                f"{_preview(cells[cells].index)}"
            )
        U.columns = [str(c) for c in U.columns]
        return U

    def _compute(
        self,
        U: pd.DataFrame,
        subsystems: list[str],
        theta: dict[str, float],
        grades: tuple[tuple[float, str], ...],
        lag_bands: tuple[float, float],
        notes: list[str],
        prefix: str,
    ) -> pd.DataFrame:
        values = U[subsystems].to_numpy(dtype=float)
        C = coupling_degree(values, self.model)
        undefined = np.isnan(C)
        if undefined.any():
            cells = U.index[undefined]
            notes.append(
                f"{prefix}C undefined (all subsystem scores 0) at {len(cells)} region-period(s), set to 0: "
                f"{_preview(cells, 5)}"
            )
            C = np.where(undefined, 0.0, C)
        C = np.minimum(C, 1.0)  # C <= 1 exactly (AM-GM); removes floating-point excess only
        T = values @ np.array([theta[s] for s in subsystems])
        D = np.sqrt(C * T)
        grade, label = grade_of(D, grades)
        relative, lagging = _lagging(values, subsystems, lag_bands)
        columns: dict[str, Any] = {f"U_{s}": U[s].to_numpy() for s in subsystems}
        columns.update(C=C, T=T, D=D, grade=grade, grade_label=label, C_undefined=undefined)
        columns.update(relative=relative, lagging=lagging)
        return pd.DataFrame(columns, index=U.index)  # one frame, not a column insert per measure


def _lagging(
    values: np.ndarray, subsystems: list[str], lag_bands: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Relative development ``U_a / U_b`` (min/max for more than two) and the lagging subsystem."""
    lo, hi = lag_bands
    if len(subsystems) == 2:
        a, b = subsystems
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            rel = values[:, 0] / values[:, 1]
        lag = np.select([rel < lo, rel > hi], [f"{a} lags", f"{b} lags"], default="synchronous").astype(object)
        lag[np.isnan(rel)] = "undefined"
        return rel, lag
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = values.min(axis=1) / values.max(axis=1)
    names = np.array([f"{s} lags" for s in subsystems], dtype=object)[values.argmin(axis=1)]
    lag = np.where(rel < lo, names, "synchronous").astype(object)
    lag[np.isnan(rel)] = "undefined"
    return rel, lag


def _theta(subsystems: list[str], contributions: dict[str, float] | None) -> dict[str, float]:
    """The contribution of every subsystem (equal when none are given)."""
    if contributions is None:
        return {s: 1.0 / len(subsystems) for s in subsystems}
    missing = [s for s in subsystems if s not in contributions]
    extra = [s for s in contributions if s not in subsystems]
    if missing or extra:
        raise ValueError(
            f"contributions must name exactly the subsystems {subsystems}; missing {missing}, unknown {extra}"
        )
    return {s: contributions[s] for s in subsystems}


def _pair_theta(a: str, b: str, contributions: dict[str, float] | None) -> dict[str, float]:
    """A pair's contributions: the pair's θ renormalised to sum to 1 (equal when not given)."""
    if contributions is None or a not in contributions or b not in contributions:
        return {a: 0.5, b: 0.5}
    total = contributions[a] + contributions[b]
    if total == 0:
        raise ValueError(f"pair ({a!r}, {b!r}): both contributions are 0")
    return {a: contributions[a] / total, b: contributions[b] / total}


class CouplingResult(Result):
    """Coupling degree C, coordination index T, degree D and grades per region-period.

    Attributes
    ----------
    table : DataFrame
        (region, period) rows: ``U_<subsystem>`` …, C, T, D, grade (1–10),
        grade_label, C_undefined, relative (U_a/U_b, or min/max for n > 2), lagging.
    D : Series
        Region × period coupling coordination degree.
    pairs : DataFrame
        Long table of the pairwise results (pair, region, period, C, T, D, grade…)
        when ``pairs=`` was given.
    """

    _table_names = ("table", "pairs")

    def __init__(self, *, table, pair_tables, theta, model, grades, notes):
        self._table = table
        self._pair_tables = pair_tables
        self.theta = MappingProxyType(dict(theta))
        self.model = model
        self.grades = grades
        self._notes = list(notes)
        self._freeze()

    table = copied("_table")

    @property
    def D(self) -> pd.Series:
        return self._table["D"].rename("D")

    @property
    def C(self) -> pd.Series:
        return self._table["C"].rename("C")

    @property
    def T(self) -> pd.Series:
        return self._table["T"].rename("T")

    @property
    def subsystems(self) -> list[str]:
        return list(self.theta)

    @property
    def pairs(self) -> pd.DataFrame:
        if not self._pair_tables:
            return pd.DataFrame()
        frames = []
        for (a, b), t in self._pair_tables.items():
            f = t.reset_index()
            f.insert(0, "pair", f"{a}-{b}")
            frames.append(f)
        return pd.concat(frames, ignore_index=True).set_index(["pair", REGION, PERIOD])

    def pair(self, a: str, b: str) -> pd.DataFrame:
        """The table of one pair of subsystems."""
        if (a, b) not in self._pair_tables:
            raise KeyError(f"pair ({a!r}, {b!r}) was not computed; pairs: {list(self._pair_tables)}")
        return self._pair_tables[(a, b)].copy()

    # -- summaries a study reports ---------------------------------------------------
    def by_group(self, groups: Mapping[Any, Any] | pd.Series, value: str = "D") -> pd.DataFrame:
        """Mean of ``value`` (default D) per group and period, with an ``All`` column.

        ``groups`` maps every region to its group (through :func:`spatialcoupling._groups.as_groups`):
        a region without a group is an error naming it.
        """
        who = "CouplingResult.by_group"
        series = self._table[value]
        codes, labels, _ = group_codes(series.index.get_level_values(REGION), as_groups(groups, who), who)
        frame = series.to_frame()
        frame["group"] = np.asarray(labels, dtype=object)[codes]
        out = frame.groupby([PERIOD, "group"])[value].mean().unstack("group")
        out = out[conventional_order(out.columns)]  # East, Central, West …: China's divisions as papers list them
        out["All"] = series.groupby(PERIOD).mean()
        return out

    def growth(
        self, spans: Sequence[tuple[Any, Any]], groups: Mapping[Any, Any] | pd.Series | None = None
    ) -> pd.DataFrame:
        """Average annual growth rate of D, ``(D_t1 / D_t0)^(1/(t1 - t0)) - 1``, per span.

        Rows: one per region; with ``groups`` the index has two levels ``(kind, name)``
        with kind ``"region"`` or ``"group"`` (each group's mean D, and ``All``).
        Columns: one per span, labelled ``"t0-t1"``. A growth rate that is undefined
        (D = 0 at the start, or D missing at an end point) is NaN and named in a warning.

        The exponent ``1 / (t1 - t0)`` needs numeric periods (years): with text
        periods (``"2009/10"``) or dates this raises a ValueError naming them,
        rather than guessing a spacing from their order.
        """
        wide = in_region_order(self._table["D"].unstack(PERIOD), REGION)
        if not pd.api.types.is_numeric_dtype(wide.columns.dtype) or pd.api.types.is_bool_dtype(wide.columns.dtype):
            raise ValueError(
                f"growth() needs numeric periods (years) to compute an annual rate; the periods are "
                f"{_preview(wide.columns, 5)} ({wide.columns.dtype}). Relabel them as years (e.g. the first year "
                "of '2009/10'), or read the panel with periods such as 2009 or '2009年', which become years"
            )
        rows = wide
        if groups is not None:
            means = self.by_group(groups).T
            rows = pd.concat({"region": wide, "group": means}, names=["kind", "name"])
        out = {}
        for t0, t1 in spans:
            for t in (t0, t1):
                if t not in wide.columns:
                    raise ValueError(f"span ({t0}, {t1}): period {t!r} not in the result ({list(wide.columns)})")
            if not t1 > t0:
                raise ValueError(f"span ({t0}, {t1}): the end must come after the start")
            with np.errstate(divide="ignore", invalid="ignore"):
                rate = (rows[t1] / rows[t0]) ** (1.0 / (t1 - t0)) - 1.0
            undefined = rows.index[(rows[t0] == 0).to_numpy()]
            if len(undefined):
                warnings.warn(f"growth {t0}-{t1} undefined (D = 0 in {t0}) for {_preview(undefined)}", stacklevel=2)
                rate[(rows[t0] == 0).to_numpy()] = np.nan
            gaps = rows.index[rows[[t0, t1]].isna().any(axis=1).to_numpy()]
            if len(gaps):
                warnings.warn(
                    f"growth {t0}-{t1} undefined (D missing in {t0} or {t1}) for {_preview(gaps)}", stacklevel=2
                )
            out[f"{t0}-{t1}"] = rate
        result = pd.DataFrame(out)
        if groups is None:
            result.index.name = REGION
        return result

    def grade_counts(self) -> pd.DataFrame:
        """Number of regions in each grade per period (all grades as columns)."""
        counts = self._table.groupby([PERIOD, "grade"]).size().unstack("grade", fill_value=0)
        all_grades = range(1, len(self.grades) + 1)
        counts = counts.reindex(columns=all_grades, fill_value=0)
        counts.columns = [f"{k} {self.grades[k - 1][1]}" for k in all_grades]
        return counts

    def first_period_at_or_above(
        self, threshold: float, groups: Mapping[Any, Any] | pd.Series | None = None
    ) -> pd.Series:
        """First period in which D (or a group's mean D) reaches ``threshold``; NaN if never."""
        wide = in_region_order(self._table["D"].unstack(PERIOD), REGION) if groups is None else self.by_group(groups).T
        reached = wide >= threshold
        first = reached.idxmax(axis=1).where(reached.any(axis=1))
        return first.rename(f"first_period_D>={threshold}")

    def summary(self) -> str:
        head = f"Coupling coordination ({self.model} C, θ = {self.theta})"
        lines = [head, "=" * len(head)]
        lines += [f"note: {n}" for n in self.notes]
        stats = self._table.groupby(PERIOD)[["C", "T", "D"]].agg(["mean", "min", "max"])
        with pd.option_context("display.width", 140):
            lines.append(stats.to_string(float_format=lambda v: f"{v:.4f}"))
            lines.append("")
            lines.append(self.grade_counts().to_string())
        return "\n".join(lines)

    def plot(
        self,
        groups: Mapping[Any, Any] | pd.Series | None = None,
        value: str = "D",
        *,
        ax: Any = None,
        language: str = "en",
    ):
        """Mean D (or another column, ``value``) over time, per group when ``groups`` is given, with
        the grade bounds that fall in the range of the values as grey lines.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from .plotting.coupling import coupling_chart

        if groups is None:
            means: pd.DataFrame | pd.Series = self._table[value].groupby(PERIOD).mean().rename("mean")
        else:
            means = self.by_group(groups, value=value)
        lo, hi = self._table[value].min(), self._table[value].max()
        lines = [upper for upper, _ in self.grades[:-1] if lo <= upper <= hi]
        return coupling_chart(means, value=value, model=self.model, grade_lines=lines, ax=ax, language=language)

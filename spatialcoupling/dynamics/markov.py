"""Markov chains of discretised states and spatial Markov chains (Rey 2001).

A region's value in each period is put into a state (quantile class, coordination grade or a
class between given break points); the transition matrix counts the moves from the state in
period ``t`` to the state in period ``t + step`` over all regions and periods and divides each
row by its total. The steady state is the long-run distribution of the chain; the mean first
passage time from ``i`` to ``j`` is the expected number of steps to reach ``j`` first (on the
diagonal: the recurrence time); the sojourn time is the expected stay, ``1 / (1 - p_ii)``.

The spatial Markov chain (Rey 2001) conditions the transitions on the state of the region's
spatial lag (the row-standardised weighted mean of its neighbours) at the start of the move:
one matrix per lag class. Bickenbach and Bode's (2003) likelihood-ratio and Q tests compare
the conditional matrices (spatial dependence of the transitions), and, for the classic chain,
the matrices of contiguous sub-periods (time homogeneity) and of region groups.

What is used from giddy and what is written here:

* the steady state and the passage times are giddy's (``giddy.ergodic``), the LR and Q tests
  giddy's ``markov.homogeneity``, the chi-square of a conditional matrix against the pooled one
  giddy's ``markov.chi2``;
* the states and the counts are computed here (one ``bincount`` over lag class, origin and
  destination): giddy's ``Spatial_Markov`` counts in a Python loop over regions and periods (see
  ``benchmarks/results/dynamics.md`` for the times), and neither giddy class has classes by
  coordination grades, moves over more than one period, or time-homogeneity tests by sub-period.

Data goes to ``fit``, settings to the constructor:
``MarkovChain(k=5).fit(D)``, ``SpatialMarkov(k=5).fit(D, w)``.

References: Rey, S. J. (2001) Spatial empirics for economic growth and convergence,
Geographical Analysis 33(3); Bickenbach, F. and Bode, E. (2003) Evaluating the Markov property
in studies of economic convergence, International Regional Science Review 26(3); Kemeny, J. G.
and Snell, J. L. (1976) Finite Markov Chains.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._groups import as_groups, group_codes
from .._params import Boolean, InstanceOf, Interval, Model, Options
from .._series import PERIOD, REGION
from ._base import DynamicsResult, aligned_weights, balanced_panel, require
from ._chains import (
    Classes,
    chain_summary,
    count_transitions,
    discretise,
    homogeneity_test,
    relative_to_mean,
)

__all__ = ["MarkovChain", "MarkovResult", "SpatialMarkov", "SpatialMarkovResult"]

_SEQUENCE = InstanceOf((list, tuple, np.ndarray, pd.Series), "a sequence of numbers")
_GRADES = InstanceOf((list, tuple, pd.DataFrame), "a grade table ((upper, label), ...)")

_CLASS_CONSTRAINTS: dict[str, list[Any]] = {
    "classes": [Options("quantile", "grades", "breaks")],
    "k": [Interval(int, 2, None)],
    "scope": [Options("pooled", "period")],
    "breaks": [None, _SEQUENCE],
    "grades": [None, _GRADES],
    "relative": [Boolean()],
    "step": [Interval(int, 1, None)],
}


def _check_combination(model: Any, lag: bool = False) -> None:
    who = type(model).__name__
    if model.breaks is not None and model.classes != "breaks":
        raise ValueError(f"{who}: breaks is given but classes={model.classes!r}; set classes='breaks' or drop breaks")
    if model.grades is not None and model.classes != "grades":
        raise ValueError(f"{who}: grades is given but classes={model.classes!r}; set classes='grades' or drop grades")
    if lag and model.lag_breaks is not None and model.classes != "breaks":
        raise ValueError(f"{who}: lag_breaks is given but classes={model.classes!r}; set classes='breaks'")
    if model.classes == "breaks" and model.breaks is None:
        raise ValueError(f"{who}: classes='breaks' needs breaks=[b1, b2, ...] (increasing interior break points)")


def _matrix(
    values: np.ndarray, labels: list[str], totals: np.ndarray | None = None, index: pd.Index | None = None
) -> pd.DataFrame:
    frame = pd.DataFrame(
        values, index=index if index is not None else pd.Index(labels, name="from"), columns=pd.Index(labels, name="to")
    )
    if totals is not None:
        frame.insert(0, "n", totals.astype(int))
    return frame


def _states_frame(wide: pd.DataFrame, classes: Classes, values: pd.DataFrame) -> pd.DataFrame:
    labels = np.asarray(classes.labels, dtype=object)
    index = pd.MultiIndex.from_product([wide.index, wide.columns], names=[REGION, PERIOD])
    return pd.DataFrame(
        {"value": values.to_numpy().ravel(), "state": labels[classes.codes.ravel()], "code": classes.codes.ravel() + 1},
        index=index,
    )


def _test_row(name: str, regimes: list[str], res: dict[str, float]) -> dict[str, Any]:
    return {"test": name, "regimes": " | ".join(map(str, regimes)), **res}


class MarkovChain(Model):
    """Classic Markov chain of discretised states of a region × period series.

    Data goes to ``fit``, settings to the constructor: ``MarkovChain(k=5).fit(D, groups=None)``.

    Parameters
    ----------
    classes : {"quantile", "grades", "breaks"}
        How values become states: ``k`` quantile classes (``scope``), the coordination grades
        (``grades``; the ten default grades or a merged table), or intervals between ``breaks``.
    k : int
        Number of quantile classes (>= 2).
    scope : {"pooled", "period"}
        Quantiles of all region-periods together (fixed bounds; default, as giddy's
        ``Spatial_Markov(fixed=True)``) or of each period (relative positions).
    breaks : sequence of float, optional
        Increasing interior break points for ``classes="breaks"``: states ``(-inf, b1]``,
        ``(b1, b2]``, …, ``(b_last, inf)``.
    grades : grade table, optional
        ``((upper, label), ...)`` for ``classes="grades"`` (None: the ten grades of width 0.1);
        merge grades by giving fewer, wider ones, e.g. ``((0.4, "maladjusted"), (0.6, "transition"),
        (1.0, "coordinated"))``.
    relative : bool
        Divide every value by its period's mean first (relative income, as in Rey 2001).
    step : int
        Periods between the two states of a move (1: consecutive periods).
    time_regimes : int
        Number of contiguous sub-periods compared by the time-homogeneity test (1: no test).

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> income = sc.datasets.load("us_income")
    >>> m = MarkovChain(k=5, relative=True).fit(income)
    >>> m.counts.loc["Q1"].tolist()  # n, then the moves to Q1 … Q5
    [773, 707, 58, 7, 1, 0]
    >>> m.steady_state["steady_state"].round(4).tolist()
    [0.1796, 0.2163, 0.215, 0.2113, 0.1778]
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **_CLASS_CONSTRAINTS,
        "time_regimes": [Interval(int, 1, None)],
    }

    def __init__(
        self,
        classes: str = "quantile",
        k: int = 5,
        scope: str = "pooled",
        breaks: Any = None,
        grades: Any = None,
        relative: bool = False,
        step: int = 1,
        time_regimes: int = 2,
    ) -> None:
        self.classes = classes
        self.k = k
        self.scope = scope
        self.breaks = breaks
        self.grades = grades
        self.relative = relative
        self.step = step
        self.time_regimes = time_regimes
        self._validate_params()

    def fit(self, series: pd.Series, groups: Any = None) -> MarkovResult:
        """Transition counts and probabilities, steady state, passage times and homogeneity tests.

        Parameters
        ----------
        series : pandas.Series
            Region × period values, balanced (every region in every period).
        groups : mapping or Series, optional
            Region → group; adds a test that the groups share one transition matrix.
        """
        self._validate_params()
        require("giddy")
        _check_combination(self)
        who = type(self).__name__
        wide = balanced_panel(series, who, min_periods=self.step + 1)
        notes: list[str] = []
        values = relative_to_mean(wide, who) if self.relative else wide
        if self.relative:
            notes.append("values divided by their period mean (relative values)")
        cls = discretise(
            values, method=self.classes, k=self.k, scope=self.scope, breaks=self.breaks, grades=self.grades, who=who
        )
        notes += cls.notes
        k, s = cls.k, self.step
        codes = cls.codes
        origin, dest = codes[:, :-s], codes[:, s:]
        intervals = origin.shape[1]
        per_interval = count_transitions(
            origin, dest, k, np.broadcast_to(np.arange(intervals), origin.shape), intervals
        )
        counts = per_interval.sum(axis=0)
        stats = chain_summary(counts, cls.labels)
        notes += stats["notes"]
        periods = list(wide.columns)

        tests = []
        if self.time_regimes > 1:
            if intervals < self.time_regimes:
                notes.append(
                    f"time homogeneity not tested: {intervals} transition interval(s) for "
                    f"{self.time_regimes} sub-periods"
                )
            else:
                blocks = np.array_split(np.arange(intervals), self.time_regimes)
                stack = np.stack([per_interval[b].sum(axis=0) for b in blocks])
                names = [f"{periods[b[0]]}-{periods[b[-1] + s]}" for b in blocks]
                tests.append(_test_row("time", names, homogeneity_test(stack)))
        if groups is not None:
            g = as_groups(groups, who)
            gcodes, glabels, gnotes = group_codes(wide.index, g, who)
            notes += gnotes
            stack = count_transitions(origin, dest, k, np.repeat(gcodes[:, None], intervals, axis=1), len(glabels))
            tests.append(_test_row("groups", glabels, homogeneity_test(stack)))
        homog = pd.DataFrame(tests, columns=["test", "regimes", "LR", "Q", "dof", "p_LR", "p_Q"]).set_index("test")

        rows = counts.sum(axis=1)
        index = pd.Index(cls.labels, name="class")
        first = np.bincount(codes[:, 0], minlength=k) / codes.shape[0]
        last = np.bincount(codes[:, -1], minlength=k) / codes.shape[0]
        steady = pd.DataFrame(
            {"initial": first, "final": last, "steady_state": stats["steady"], "sojourn": stats["sojourn"]}, index=index
        )
        tables = {
            "table": _matrix(stats["p"], cls.labels, rows),
            "counts": _matrix(counts, cls.labels, rows).astype(int),
            "steady_state": steady,
            "first_passage": _matrix(stats["mfpt"], cls.labels),
            "homogeneity": homog,
            "classes": cls.bounds,
            "states": _states_frame(wide, cls, values),
        }
        settings = {
            "variable": str(getattr(series, "name", None) or "series"),
            **self.get_params(),
            "breaks": None if self.breaks is None else list(np.asarray(self.breaks, float)),
            "grades": None if self.grades is None else "custom",
            "regions": wide.shape[0],
            "periods": f"{periods[0]}-{periods[-1]}",
            "transitions": int(counts.sum()),
        }
        return MarkovResult(tables, settings, notes)


class MarkovResult(DynamicsResult):
    """A fitted Markov chain.

    Tables: ``table`` (transition probabilities: one row per state at ``t`` with its number of
    moves ``n`` and the probabilities of the states at ``t + step``; NaN rows for states never
    left), ``counts`` (the same layout with counts), ``steady_state`` (initial and final shares,
    the steady state, the sojourn time per state), ``first_passage`` (mean first passage times,
    from → to), ``homogeneity`` (LR and Q tests of time and group homogeneity), ``classes`` (the
    bounds of the states), ``states`` (value, state and code of every region-period).
    """

    _table_names = ("table", "counts", "steady_state", "first_passage", "homogeneity", "classes", "states")
    _summary_tables = ("steady_state", "homogeneity")

    @property
    def counts(self) -> pd.DataFrame:
        return self._get("counts")

    @property
    def steady_state(self) -> pd.DataFrame:
        return self._get("steady_state")

    @property
    def first_passage(self) -> pd.DataFrame:
        return self._get("first_passage")

    @property
    def homogeneity(self) -> pd.DataFrame:
        return self._get("homogeneity")

    @property
    def classes(self) -> pd.DataFrame:
        return self._get("classes")

    @property
    def states(self) -> pd.DataFrame:
        return self._get("states")

    def plot(self, kind: str = "matrix", ax: Any = None, language: str = "en", **kwargs: Any) -> Any:
        """``kind="matrix"``: the transition probabilities as a heat map; ``"steady_state"``: initial,
        final and steady-state shares per state."""
        from ..plotting import dynamics as dplot

        title = f"Markov chain of {self.settings['variable']} ({self.settings['classes']})"
        if kind == "matrix":
            return dplot.transition_heatmap(
                self._store["table"].drop(columns="n"), ax=ax, title=title, language=language, **kwargs
            )
        if kind == "steady_state":
            return dplot.state_shares(
                self._store["steady_state"][["initial", "final", "steady_state"]],
                ax=ax,
                title=title,
                language=language,
                **kwargs,
            )
        raise ValueError(f"kind must be 'matrix' or 'steady_state', got {kind!r}")


class SpatialMarkov(Model):
    """Spatial Markov chain (Rey 2001): transitions conditioned on the state of the spatial lag.

    Data goes to ``fit``, settings to the constructor: ``SpatialMarkov(k=5).fit(D, w)``.

    Parameters
    ----------
    classes, k, scope, breaks, grades, relative, step
        As for :class:`MarkovChain`; the same rule classifies the values and their lags.
    m : int, optional
        Number of quantile classes of the lag (default: ``k``).
    lag_breaks : sequence of float, optional
        Break points of the lag classes for ``classes="breaks"`` (default: ``breaks``).

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> income = sc.datasets.load("us_income")
    >>> w = sc.spatial_weights(sc.datasets.load("us_states"), kind="queen")
    >>> sm = SpatialMarkov(k=5, relative=True).fit(income, w)
    >>> int(sm.tests.loc["LR", "dof"]), round(float(sm.tests.loc["LR", "statistic"]), 3)
    (60, 170.659)
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **_CLASS_CONSTRAINTS,
        "m": [None, Interval(int, 2, None)],
        "lag_breaks": [None, _SEQUENCE],
    }

    def __init__(
        self,
        classes: str = "quantile",
        k: int = 5,
        m: int | None = None,
        scope: str = "pooled",
        breaks: Any = None,
        lag_breaks: Any = None,
        grades: Any = None,
        relative: bool = False,
        step: int = 1,
    ) -> None:
        self.classes = classes
        self.k = k
        self.m = m
        self.scope = scope
        self.breaks = breaks
        self.lag_breaks = lag_breaks
        self.grades = grades
        self.relative = relative
        self.step = step
        self._validate_params()

    def fit(self, series: pd.Series, w: Any) -> SpatialMarkovResult:
        """Conditional transition matrices, their steady states and passage times, and the tests.

        Parameters
        ----------
        series : pandas.Series
            Region × period values, balanced.
        w : libpysal W or Graph, or SpatialWeights
            Spatial weights on the regions of the series (row-standardised here).
        """
        self._validate_params()
        require("giddy")
        from giddy.markov import chi2

        _check_combination(self, lag=True)
        who = type(self).__name__
        wide = balanced_panel(series, who, min_periods=self.step + 1, min_regions=3)
        sw = aligned_weights(w, wide.index, who)
        notes: list[str] = []
        values = relative_to_mean(wide, who) if self.relative else wide
        if self.relative:
            notes.append("values divided by their period mean (relative values); lags of the relative values")
        lag = pd.DataFrame(np.asarray(sw.sparse @ values.to_numpy()), index=wide.index, columns=wide.columns)
        cls = discretise(
            values, method=self.classes, k=self.k, scope=self.scope, breaks=self.breaks, grades=self.grades, who=who
        )
        lag_breaks = self.lag_breaks if self.lag_breaks is not None else self.breaks
        lcls = discretise(
            lag,
            method=self.classes,
            k=self.m or self.k,
            scope=self.scope,
            breaks=lag_breaks,
            grades=self.grades,
            who=who,
            what="lag",
        )
        notes += cls.notes + lcls.notes
        k, m, s = cls.k, lcls.k, self.step
        origin, dest, stratum = cls.codes[:, :-s], cls.codes[:, s:], lcls.codes[:, :-s]
        T = count_transitions(origin, dest, k, stratum, m)
        pooled = T.sum(axis=0)
        lag_names = [f"lag {lab}" for lab in lcls.labels]

        glob = chain_summary(pooled, cls.labels, "pooled chain")
        notes += glob["notes"]
        p_blocks, c_blocks, f_blocks, steady_rows, chi_rows = [], [], [], [], []
        for i, name in enumerate(lag_names):  # one small chain per lag class
            st = chain_summary(T[i], cls.labels, name)
            notes += st["notes"]
            idx = pd.MultiIndex.from_product([[name], cls.labels], names=["lag", "from"])
            rows = T[i].sum(axis=1)
            p_blocks.append(_matrix(st["p"], cls.labels, rows, idx))
            c_blocks.append(_matrix(T[i], cls.labels, rows, idx).astype(int))
            f_blocks.append(_matrix(st["mfpt"], cls.labels, None, idx))
            steady_rows.append(st["steady"])
            x2, p, dof = chi2(T[i], pooled)
            chi_rows.append({"test": f"chi2 {name}", "statistic": float(x2), "dof": float(dof), "p_value": float(p)})
        hom = homogeneity_test(T)
        tests = pd.DataFrame(
            [
                {"test": "LR", "statistic": hom["LR"], "dof": float(hom["dof"]), "p_value": hom["p_LR"]},
                {"test": "Q", "statistic": hom["Q"], "dof": float(hom["dof"]), "p_value": hom["p_Q"]},
                *chi_rows,
            ]
        ).set_index("test")
        steady = pd.DataFrame(
            [*steady_rows, glob["steady"]],
            index=pd.Index([*lag_names, "pooled"], name="lag"),
            columns=pd.Index(cls.labels, name="class"),
        )
        bounds = pd.concat({"value": cls.bounds, "lag": lcls.bounds}, names=["variable"])
        states = _states_frame(wide, cls, values)
        states["lag"] = lag.to_numpy().ravel()
        states["lag_state"] = np.asarray(lcls.labels, dtype=object)[lcls.codes.ravel()]
        tables = {
            "table": pd.concat(p_blocks),
            "counts": pd.concat(c_blocks),
            "pooled": _matrix(glob["p"], cls.labels, pooled.sum(axis=1)),
            "steady_state": steady,
            "first_passage": pd.concat(f_blocks),
            "tests": tests,
            "classes": bounds,
            "states": states,
        }
        periods = list(wide.columns)
        settings = {
            "variable": str(getattr(series, "name", None) or "series"),
            **self.get_params(),
            "m": m,
            "breaks": None if self.breaks is None else list(np.asarray(self.breaks, float)),
            "lag_breaks": None if lag_breaks is None else list(np.asarray(lag_breaks, float)),
            "grades": None if self.grades is None else "custom",
            "weights": sw.name or "given",
            "regions": wide.shape[0],
            "periods": f"{periods[0]}-{periods[-1]}",
            "transitions": int(pooled.sum()),
        }
        return SpatialMarkovResult(tables, settings, notes)


class SpatialMarkovResult(DynamicsResult):
    """A fitted spatial Markov chain.

    Tables: ``table`` (the conditional transition probabilities, indexed by lag class and
    state at ``t``, with the number of moves ``n``), ``counts``, ``pooled`` (the classic chain of
    all moves), ``steady_state`` (one row per lag class and the pooled chain),
    ``first_passage`` (per lag class), ``tests`` (Bickenbach–Bode LR and Q tests that the
    conditional matrices are equal, i.e. no spatial dependence of the transitions, and each
    lag class's chi-square against the pooled matrix), ``classes`` (bounds of the value and
    lag states), ``states`` (value, lag and their states per region-period).
    """

    _table_names = ("table", "counts", "pooled", "steady_state", "first_passage", "tests", "classes", "states")
    _summary_tables = ("pooled", "steady_state", "tests")

    @property
    def counts(self) -> pd.DataFrame:
        return self._get("counts")

    @property
    def pooled(self) -> pd.DataFrame:
        return self._get("pooled")

    @property
    def steady_state(self) -> pd.DataFrame:
        return self._get("steady_state")

    @property
    def first_passage(self) -> pd.DataFrame:
        return self._get("first_passage")

    @property
    def tests(self) -> pd.DataFrame:
        return self._get("tests")

    @property
    def classes(self) -> pd.DataFrame:
        return self._get("classes")

    @property
    def states(self) -> pd.DataFrame:
        return self._get("states")

    def plot(self, ax: Any = None, language: str = "en", **kwargs: Any) -> Any:
        """One heat map of the transition probabilities per lag class (and the pooled chain)."""
        from ..plotting import dynamics as dplot

        probs = self._store["table"].drop(columns="n")
        mats = {lag: probs.xs(lag, level="lag") for lag in probs.index.get_level_values("lag").unique()}
        mats["pooled"] = self._store["pooled"].drop(columns="n")
        t = self._store["tests"]
        caption = (
            f"LR = {t.loc['LR', 'statistic']:.2f} (p = {t.loc['LR', 'p_value']:.3g}), "
            f"Q = {t.loc['Q', 'statistic']:.2f} (p = {t.loc['Q', 'p_value']:.3g}), dof {t.loc['LR', 'dof']:.0f}"
        )
        return dplot.transition_panels(
            mats,
            title=f"Spatial Markov chain of {self.settings['variable']}",
            caption=caption,
            language=language,
            **kwargs,
        )

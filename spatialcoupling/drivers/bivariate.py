"""Bivariate and differential local Moran's I, with GeoDa's cluster conventions.

Conventions
-----------
* Bivariate (GeoDa's "Bivariate Local Moran", esda's ``Moran_Local_BV``, pygeoda's
  ``local_bimoran``): in each period ``x`` and ``y`` are standardised with the sample standard
  deviation (``ddof=1``) and ``I_i = zx_i Σ_j w_ij zy_j``: the value of ``x`` at ``i`` against the
  spatial lag of ``y`` around it. (esda writes it ``(n-1) zx_i lag_i / Σ zx²`` with population
  standard deviations, which is the same number.)
* Differential (GeoDa's "Differential Local Moran"): the change ``y_t1 − y_t0`` of each region
  is standardised the same way and ``I_i = z_i Σ_j w_ij z_j``.
* Inference by conditional permutations: ``zx_i`` is held fixed and the neighbours' ``zy``
  are drawn from the other regions (the engine shared with :class:`spatialcoupling.LocalMoran`,
  :func:`spatialcoupling.autocorrelation._permutation.conditional_lag_counts`). A region's weight
  on itself, if the weights have one, is left out of the lag.
  ``alternative="directed"`` (default) is the folded pseudo p of GeoDa and esda,
  ``(1 + min(#{I* >= I}, #{I* <= I})) / (1 + permutations)``; ``"two-sided"`` doubles it (at
  most 1). A region with ``zx_i = 0`` has ``I* = 0`` for every draw and gets ``p = 1``.
* A region-period is significant when ``p <= alpha`` (GeoDa's rule); ``adjust="fdr"`` uses the
  Benjamini–Hochberg step-up rule and ``"bonferroni"`` ``alpha / m`` within each period (``m``
  the regions with neighbours).
* Clusters: ``HH`` (``zx > 0`` and lag ``> 0``), ``LL`` (both ``<= 0``), ``LH``, ``HL`` when
  significant, ``ns`` otherwise, ``isolated`` for regions without neighbours (p NaN). Map colours
  are GeoDa's (HH ``#FF0000``, LL ``#0000FF``, LH ``#a7adf9``, HL ``#f4ada8``, ns ``#eeeeee``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._params import InstanceOf, Interval, Model, NJobs, Options, Seed
from .._series import PERIOD, REGION, _plain, _preview
from .._weights import as_weights
from ..autocorrelation._permutation import conditional_lag_counts
from ._base import DriverResult, benjamini_hochberg_cutoff, folded_p, seed_sequence, wide_on_weights

__all__ = ["CLUSTERS", "BivariateLocalMoran", "DifferentialLocalMoran", "LocalClusterResult"]

CLUSTERS = ("HH", "LL", "LH", "HL", "ns", "isolated")


def _standardise(values: np.ndarray) -> np.ndarray:
    return (values - values.mean(axis=0)) / values.std(axis=0, ddof=1)


class _LocalModel(Model):
    """Settings and the permutation run shared by the bivariate and differential local Moran."""

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "permutations": [Interval(int, 1, None)],
        "alpha": [Interval(float, 0, 1, closed="neither")],
        "adjust": [Options(None, "fdr", "bonferroni")],
        "alternative": [Options("directed", "two-sided")],
        "transform": [Options("r", "b")],
        "seed": [Seed()],
        "n_jobs": [NJobs()],
    }

    def __init__(
        self,
        permutations: int = 999,
        alpha: float = 0.05,
        adjust: str | None = None,
        alternative: str = "directed",
        transform: str = "r",
        seed: Any = None,
        n_jobs: int | None = 1,
    ) -> None:
        self.permutations = permutations
        self.alpha = alpha
        self.adjust = adjust
        self.alternative = alternative
        self.transform = transform
        self.seed = seed
        self.n_jobs = n_jobs
        self._validate_params()

    def _run(
        self,
        zx: np.ndarray,
        zy: np.ndarray,
        sw: Any,
        periods: list,
        columns: dict[str, np.ndarray],
        notes: list[str],
        variable: str,
    ) -> LocalClusterResult:
        w = sw.transformed(self.transform).sparse
        n, T = zx.shape
        ss, entropy = seed_sequence(self.seed)
        lag, count, _ = conditional_lag_counts(w, zy, permutations=self.permutations, seed=ss, n_jobs=self.n_jobs)
        Ii = zx * lag
        p = folded_p(count, self.permutations, self.alternative == "two-sided")
        card = np.diff(w.indptr) - (w.diagonal() != 0)
        isolated = np.broadcast_to((card == 0)[:, None], (n, T))
        zero = zx == 0
        p = np.where(zero, 1.0, p)
        p = np.where(isolated, np.nan, p)
        valid = ~isolated
        cut = self._cutoffs(p, valid)
        sig = valid & (p <= cut[None, :])
        quadrant = np.where(zx > 0, np.where(lag > 0, "HH", "HL"), np.where(lag > 0, "LH", "LL")).astype(object)
        cluster = np.where(sig, quadrant, "ns").astype(object)
        cluster[isolated] = "isolated"
        if isolated.any():
            ids = [sw.ids[i] for i in np.flatnonzero(card == 0)]
            notes.append(f"{len(ids)} region(s) without neighbours are not tested (p NaN, 'isolated'): {_preview(ids)}")
        floor = (2.0 if self.alternative == "two-sided" else 1.0) / (self.permutations + 1)
        if (cut < floor).all() and self.adjust is None and self.alpha < floor:
            notes.append(
                f"alpha = {self.alpha} is below the smallest attainable pseudo p {floor:.3g}; "
                "nothing can be significant"
            )
        data = {name: values.ravel() for name, values in columns.items()}
        data.update(
            {
                "lag": lag.ravel(),
                "Ii": Ii.ravel(),
                "quadrant": quadrant.ravel(),
                "p_sim": p.ravel(),
                "significant": sig.ravel(),
                "cluster": pd.Categorical(cluster.ravel(), categories=list(CLUSTERS)),
            }
        )
        index = pd.MultiIndex.from_product([list(sw.ids), periods], names=[REGION, PERIOD])
        table = pd.DataFrame(data, index=index)
        counts = table.groupby(PERIOD, observed=False, sort=False)["cluster"].value_counts().unstack("cluster")
        counts = counts.reindex(index=periods, columns=list(CLUSTERS), fill_value=0).astype(int)
        counts.columns = counts.columns.astype(str)
        settings = {
            "variable": variable,
            "weights": sw.name or "given",
            "transform": self.transform,
            "permutations": self.permutations,
            "alpha": self.alpha,
            "adjust": self.adjust or "none",
            "alternative": self.alternative,
            "seed": self.seed if entropy is None else entropy,
        }
        cutoffs = pd.DataFrame({"cutoff": cut}, index=pd.Index(periods, name=PERIOD))
        return LocalClusterResult({"table": table, "counts": counts, "cutoffs": cutoffs}, settings, notes)

    def _cutoffs(self, p: np.ndarray, valid: np.ndarray) -> np.ndarray:
        if self.adjust == "fdr":
            return benjamini_hochberg_cutoff(p, valid, self.alpha)
        if self.adjust == "bonferroni":
            return self.alpha / np.maximum(valid.sum(axis=0), 1)
        return np.full(p.shape[1], self.alpha)


class BivariateLocalMoran(_LocalModel):
    """Bivariate local Moran's I: ``x`` at each region against the spatial lag of ``y``.

    Settings go to the constructor, data to :meth:`fit`:
    ``BivariateLocalMoran(permutations=999, seed=1).fit(D, gdp_per_capita, w)``.

    Parameters
    ----------
    permutations : int
        Conditional permutations (>= 1).
    alpha : float
        Significance level (``p <= alpha``).
    adjust : {None, "fdr", "bonferroni"}
        Multiple-testing rule within each period.
    alternative : {"directed", "two-sided"}
        The folded pseudo p of GeoDa and esda, or its double.
    transform : {"r", "b"}
        Row-standardised (default, as GeoDa) or binary weights.
    seed : None, int >= 0 or numpy.random.SeedSequence
        Seed of the permutations (None: fresh entropy, recorded in ``settings``).
    n_jobs : int or None
        Workers for the permutations (joblib; -1 all cores); the same seed gives the same
        numbers for any ``n_jobs``.

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> from spatialcoupling.drivers import BivariateLocalMoran
    >>> g = sc.datasets.load("us_states")
    >>> w = sc.spatial_weights(g, kind="queen")
    >>> x = g[["1990"]].stack().rename_axis(["region", "period"])
    >>> y = g[["1980"]].stack().rename_axis(["region", "period"]).rename({"1980": "1990"}, level=1)
    >>> res = BivariateLocalMoran(permutations=99, seed=1).fit(x, y, w)
    >>> list(res.counts.columns)
    ['HH', 'LL', 'LH', 'HL', 'ns', 'isolated']
    """

    def fit(self, x: pd.Series, y: pd.Series, w: Any) -> LocalClusterResult:
        """Local I of ``x`` against the lag of ``y`` in every period both cover.

        Parameters
        ----------
        x, y : pandas.Series
            Region × period series on the regions of ``w`` and the same periods.
        w : libpysal W or Graph, or SpatialWeights
        """
        self._validate_params()
        sw = as_weights(w)
        wx = wide_on_weights(x, sw.ids, "x", "BivariateLocalMoran")
        wy = wide_on_weights(y, sw.ids, "y", "BivariateLocalMoran")
        if list(wx.columns) != list(wy.columns):
            only_x = [p for p in wx.columns if p not in set(wy.columns)]
            only_y = [p for p in wy.columns if p not in set(wx.columns)]
            raise ValueError(
                f"BivariateLocalMoran: x and y cover different periods: only in x {_preview(only_x)}; "
                f"only in y {_preview(only_y)}; select the common periods first"
            )
        X, Y = wx.to_numpy(), wy.to_numpy()
        zx, zy = _standardise(X), _standardise(Y)
        names = f"{getattr(x, 'name', None) or 'x'} ~ lag({getattr(y, 'name', None) or 'y'})"
        columns = {"x": X, "y": Y, "zx": zx, "zy": zy}
        return self._run(zx, zy, sw, list(wx.columns), columns, list(sw.notes), names)


class DifferentialLocalMoran(_LocalModel):
    """Differential local Moran's I: the local Moran's I of the change between two periods.

    Settings go to the constructor, data to :meth:`fit`:
    ``DifferentialLocalMoran(spans=[(2009, 2024)], seed=1).fit(D, w)``.

    Parameters
    ----------
    spans : sequence of (start, end), optional
        The period pairs; default the first and the last period. Each gives the change
        ``y_end − y_start``; the table's period label is ``"start-end"``.
    permutations, alpha, adjust, alternative, transform, seed, n_jobs
        As for :class:`BivariateLocalMoran`.
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **_LocalModel._parameter_constraints,
        "spans": [None, InstanceOf((list, tuple), "a list of (start, end) pairs")],
    }

    def __init__(
        self,
        spans: Sequence[tuple[Any, Any]] | None = None,
        permutations: int = 999,
        alpha: float = 0.05,
        adjust: str | None = None,
        alternative: str = "directed",
        transform: str = "r",
        seed: Any = None,
        n_jobs: int | None = 1,
    ) -> None:
        self.spans = spans
        super().__init__(permutations, alpha, adjust, alternative, transform, seed, n_jobs)

    def fit(self, series: pd.Series, w: Any) -> LocalClusterResult:
        """Local I of the change of ``series`` over each span.

        Parameters
        ----------
        series : pandas.Series
            Region × period values (e.g. ``ccd.D``) on the regions of ``w``.
        w : libpysal W or Graph, or SpatialWeights
        """
        self._validate_params()
        sw = as_weights(w)
        from .._series import as_region_period_series, require_balanced

        s = as_region_period_series(series, name="DifferentialLocalMoran: series")
        wide = require_balanced(s, name="DifferentialLocalMoran: series")
        periods = list(wide.columns)
        spans = [(periods[0], periods[-1])] if self.spans is None else [tuple(p) for p in self.spans]
        for span in spans:
            if len(span) != 2:
                raise ValueError(f"DifferentialLocalMoran: a span is a pair (start, end); got {span!r}")
            absent = [p for p in span if p not in periods]
            if absent:
                raise ValueError(
                    f"DifferentialLocalMoran: span {span!r}: period(s) {_preview(absent)} not in the "
                    f"series (periods {_preview(periods)})"
                )
            if span[0] == span[1]:
                raise ValueError(f"DifferentialLocalMoran: span {span!r} starts and ends in the same period")
        labels = [f"{_plain(a)}-{_plain(b)}" for a, b in spans]
        start = wide[[a for a, _ in spans]].to_numpy()
        end = wide[[b for _, b in spans]].to_numpy()
        change = pd.DataFrame(end - start, index=wide.index, columns=labels).stack()
        change.index = change.index.set_names([REGION, PERIOD])
        cw = wide_on_weights(change, sw.ids, "the change", "DifferentialLocalMoran").reindex(columns=labels)
        delta = cw.to_numpy()
        order = wide.index.get_indexer(list(sw.ids))
        z = _standardise(delta)
        columns = {"start": start[order], "end": end[order], "change": delta, "z": z}
        return self._run(z, z, sw, labels, columns, list(sw.notes), f"change of {getattr(series, 'name', None) or 'y'}")


class LocalClusterResult(DriverResult):
    """Bivariate or differential LISA clusters per region and period (or span).

    Attributes
    ----------
    table : DataFrame
        (region, period) rows: the inputs (``x, y, zx, zy``, or ``start, end, change, z``), lag,
        Ii, quadrant, p_sim, significant, cluster (HH, LL, LH, HL, ns, isolated).
    counts : DataFrame
        Regions per cluster and period.
    cutoffs : DataFrame
        The p cut-off used in each period (``alpha``, or the adjusted one).
    """

    _table_names = ("table", "counts", "cutoffs")
    _title = "Local Moran's I clusters"

    @property
    def counts(self) -> pd.DataFrame:
        return self._get("counts")

    @property
    def cutoffs(self) -> pd.DataFrame:
        return self._get("cutoffs")

    @property
    def periods(self) -> list:
        return list(self._tables["counts"].index)

    def clusters(self, period: Any) -> pd.Series:
        """The cluster of every region in ``period`` (a period label, or ``"start-end"``)."""
        if period not in self.periods:
            raise KeyError(f"no period {period!r}; periods: {_preview(self.periods)}")
        return self._tables["table"].xs(period, level=PERIOD)["cluster"].astype(str)

    def _summary_table(self) -> pd.DataFrame:
        return self._tables["counts"]

    def plot(
        self,
        period: Any = None,
        regions: Any = None,
        ax: Any = None,
        title: str | None = None,
        language: str = "en",
        **kwargs: Any,
    ):
        """A cluster map of ``period`` on ``regions`` in GeoDa's colours, or, without ``regions``,
        the cluster counts per period."""
        from ..plotting import drivers as figures

        variable = self._settings["variable"]
        if regions is None:
            return figures.class_counts(
                self.counts, figures.GEODA_COLORS, ax=ax, title=title or f"Clusters: {variable}", language=language
            )
        period = self.periods[-1] if period is None else period
        caption = (
            f"{variable}; {self._settings['permutations']} permutations, alpha={self._settings['alpha']}, "
            f"adjust={self._settings['adjust']}, p {self._settings['alternative']}"
        )
        return figures.category_map(
            regions,
            self.clusters(period),
            figures.GEODA_COLORS,
            ax=ax,
            title=title or f"{variable}, {period}",
            caption=caption,
            language=language,
            **kwargs,
        )

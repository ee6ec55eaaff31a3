"""Local spatial autocorrelation: LISA (local Moran's I) for every region and period, with
GeoDa's cluster conventions, and optionally local Geary's c and local Getis-Ord Gi*.

Data goes to ``fit``, settings to the constructor::

    LocalMoran(permutations=999, alpha=0.05, seed=1).fit(series, w)

The conventions (standardisation, the counting rules of the pseudo p, significance, cluster
codes) are listed in :mod:`spatialcoupling.autocorrelation`; the permutation engine is in
:mod:`spatialcoupling.autocorrelation._permutation`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._aliases import in_region_order
from .._clusters import CLUSTERS, QUADRANTS
from .._params import Boolean, Interval, Model, NJobs, Options, Seed
from .._results import FIGURE_SUFFIXES, Result, copied
from .._series import PERIOD, REGION, preview
from .._weights import SpatialWeights
from ._permutation import _conditional_moments, _lisa_counts
from ._prepare import (
    off_diagonal,
    region_table,
    transform_label,
    transformed_weights,
    weights_label,
)
from ._significance import _adjusted_significance

__all__ = ["CLUSTERS", "QUADRANTS", "ClusterTransitions", "LocalMoran", "LocalMoranResult"]

_GEARY_CLUSTERS = ["HH", "LL", "other+", "negative", "ns", "isolated"]


class LocalMoran(Model):
    """Local Moran's I (LISA) for every region and period with GeoDa's cluster conventions.

    Data goes to ``fit``, settings to the constructor: ``LocalMoran(permutations=999,
    seed=1).fit(series, w)``.

    Parameters
    ----------
    w : libpysal.weights.W, optional
        Deprecated: pass the weights to ``fit``.
    permutations : int
        Conditional permutations for the pseudo p-values (>= 1; 999 as GeoDa and esda).
    alpha : float
        Significance level; a region-period is significant when ``p_sim <= alpha`` (after adjustment).
    seed : None, int >= 0 or numpy.random.SeedSequence
        Seed of the permutations; the same seed gives the same p-values for any ``n_jobs``.
        Without a seed one is drawn and recorded in ``result.settings["seed"]``.
    adjust : {None, "fdr", "bonferroni"}
        Multiple-testing adjustment over the non-isolated regions of each period.
    n_jobs : int or None
        Parallel workers for the permutation blocks (joblib; -1 for every core, None for one);
        results do not depend on it.
    alternative : {"directed", "two-sided"}
        Counting rule of the pseudo p (see :mod:`spatialcoupling.autocorrelation`): "directed"
        (default) is the folded one-sided rule of GeoDa, esda and spdep, in the observed
        direction; "two-sided" counts ``|I*| >= |I|``.
    transform : {"r", "b", None}
        Transformation applied to a copy of the weights (default row-standardised).
    gi_star : bool
        Also compute the local Getis-Ord Gi* z-score (``Gi_star`` column, analytic normal
        approximation on the weights with the region itself included).
    local_geary : bool
        Also compute local Geary's c, ``c_i = sum_j w_ij (z_i - z_j)**2`` (``geary``), its pseudo p
        from the same conditional permutations (``p_geary``; "two-sided" folds about the
        permutation mean, "directed" as GeoDa) and GeoDa's local Geary clusters
        (``geary_cluster``: HH, LL, other+ for positive association with mixed signs, negative,
        ns, isolated; positive association when c_i is below its permutation mean).
    progress : bool, optional
        Show a progress bar (default: only in a terminal).

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> income = sc.datasets.load("us_income")
    >>> w = sc.spatial_weights(sc.datasets.load("us_states"), kind="queen")
    >>> lisa = LocalMoran(permutations=99, seed=1).fit(income.loc[:, [1929, 2009]], w)
    >>> lisa.counts.loc[2009, ["HH", "LL"]].tolist()  # regions per cluster type
    [6, 7]
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "permutations": [Interval(int, 1, None)],
        "alpha": [Interval(float, 0, 1, closed="neither")],
        "seed": [Seed()],
        "adjust": [Options(None, "fdr", "bonferroni")],
        "n_jobs": [NJobs()],
        "alternative": [Options("directed", "two-sided")],
        "transform": [Options("r", "b", None)],
        "gi_star": [Boolean()],
        "local_geary": [Boolean()],
        "progress": [None, Boolean()],
    }

    def __init__(
        self,
        w: Any = None,
        permutations: int = 999,
        alpha: float = 0.05,
        seed: Any = None,
        adjust: str | None = None,
        n_jobs: int | None = 1,
        *,
        alternative: str = "directed",
        transform: str | None = "r",
        gi_star: bool = False,
        local_geary: bool = False,
        progress: bool | None = None,
    ):
        self.w = w
        self.permutations = permutations
        self.alpha = alpha
        self.seed = seed
        self.adjust = adjust.lower() if isinstance(adjust, str) else adjust
        self.n_jobs = n_jobs
        self.alternative = alternative
        self.transform = transform.lower() if isinstance(transform, str) else transform
        self.gi_star = gi_star
        self.local_geary = local_geary
        self.progress = progress
        self._validate_params()
        if w is not None:
            warnings.warn(
                "pass w to fit: LocalMoran(...).fit(series, w); the constructor's w is deprecated",
                DeprecationWarning,
                stacklevel=2,
            )

    def _weights(self, w: Any) -> Any:
        if w is not None and self.w is not None:
            raise TypeError(
                "LocalMoran: w was given to the constructor (deprecated) and to fit; "
                "pass it to fit only: LocalMoran(...).fit(series, w)"
            )
        if w is None and self.w is None:
            raise TypeError("LocalMoran.fit needs the spatial weights: LocalMoran(...).fit(series, w)")
        return w if w is not None else self.w

    def fit(self, series: pd.Series, w: Any = None) -> LocalMoranResult:
        """Compute Ii, z, lag, quadrant, p_sim and cluster for every region-period.

        Parameters
        ----------
        series : Series
            Region × period values.
        w : libpysal W or Graph, or SpatialWeights
            Spatial weights over exactly the regions of the series.
        """
        self._validate_params()
        name = getattr(series, "name", None) or "series"
        raw = self._weights(w)
        sw = transformed_weights(raw, self.transform)
        wide, notes = region_table(series, sw, "series")
        ids = list(wide.index)
        y = wide.to_numpy()
        n, T = y.shape
        if n < 3:
            raise ValueError(f"series: at least 3 regions are needed for conditional permutations, got {n}")
        permutations = int(self.permutations)
        alpha = float(self.alpha)
        z = (y - y.mean(axis=0)) / y.std(axis=0)
        z = np.ascontiguousarray(z)
        lag = np.asarray(sw.sparse @ z)
        Ii = (n - 1) * z * lag / (z * z).sum(axis=0)

        off, diagonal = off_diagonal(sw)
        card = np.diff(off.indptr)
        lag2 = np.asarray(sw.sparse @ (z * z)) if self.local_geary else None
        count, g_count, g_mean, entropy = _lisa_counts(
            z,
            lag,
            off,
            diagonal,
            card,
            permutations=permutations,
            seed=self.seed,
            two_sided=self.alternative == "two-sided",
            lag2=lag2,
            n_jobs=self.n_jobs,
            progress=self.progress,
        )
        p_sim = (count + 1.0) / (permutations + 1.0)
        isolated = card == 0
        p_sim[isolated] = np.nan
        zero = (z == 0) & ~isolated[:, None]
        p_sim[zero] = 1.0
        EI_perm, VI_perm = _conditional_moments(z, off, diagonal)
        with np.errstate(divide="ignore", invalid="ignore"):
            z_perm = (Ii - EI_perm) / np.sqrt(VI_perm)

        quadrant = np.where(z > 0, np.where(lag > 0, 1, 4), np.where(lag > 0, 2, 3))
        valid = np.repeat(~isolated[:, None], T, axis=1)
        sig, cut = _adjusted_significance(p_sim, valid, alpha, self.adjust)
        labels = np.array([QUADRANTS[q] for q in (1, 2, 3, 4)], dtype=object)[quadrant - 1]
        cluster = np.where(sig, labels, "ns").astype(object)
        cluster[isolated] = "isolated"
        quad_label = labels.copy()
        quad_label[isolated] = None

        notes += self._notes(ids, isolated, zero, permutations, alpha)
        periods = list(wide.columns)
        index = pd.MultiIndex.from_product([ids, periods], names=[REGION, PERIOD])
        data = {
            "value": y.ravel(),
            "z": z.ravel(),
            "lag": lag.ravel(),
            "Ii": Ii.ravel(),
            "EI_perm": EI_perm.ravel(),
            "z_perm": z_perm.ravel(),
            "quadrant": quad_label.ravel(),
            "p_sim": p_sim.ravel(),
            "significant": sig.ravel(),
            "cluster": pd.Categorical(cluster.ravel(), categories=list(CLUSTERS)),
        }
        if lag2 is not None:
            data.update(self._local_geary(sw, z, lag, lag2, g_count, g_mean, isolated, valid, permutations, alpha))
        if self.gi_star:
            data["Gi_star"] = _gi_star_z(transformed_weights(raw, "b"), y).ravel()
        table = pd.DataFrame(data, index=index)
        settings = {
            "weights": weights_label(sw, transform_label(sw, self.transform), card),
            "transform": transform_label(sw, self.transform),
            "permutations": permutations,
            "seed": self.seed if self.seed is not None else entropy,
            "alpha": alpha,
            "adjust": self.adjust or "none",
            "alternative": self.alternative,
            "variable": str(name),
        }
        cutoffs = pd.Series(cut, index=pd.Index(periods, name=PERIOD), name="cutoff")
        return LocalMoranResult(table, settings, cutoffs, notes, sw.sparse)

    def _notes(self, ids: list, isolated: np.ndarray, zero: np.ndarray, permutations: int, alpha: float) -> list[str]:
        """Islands, unattainable cut-offs (also warned) and values equal to the period mean."""
        notes = []
        if isolated.any():
            notes.append(
                f"{int(isolated.sum())} region(s) without neighbours labelled 'isolated' (no p-value): "
                f"{preview([ids[i] for i in np.flatnonzero(isolated)])}"
            )
        floor = 1.0 / (permutations + 1)
        if self.adjust is not None:
            m = int((~isolated).sum())
            if alpha / m < floor:
                msg = (
                    f"the {self.adjust} cut-off alpha/m = {alpha}/{m} = {alpha / m:.3g} is below the "
                    f"smallest attainable pseudo p 1/(permutations+1) = {floor:.3g}"
                    + (
                        ": no region can be significant; "
                        if self.adjust == "bonferroni"
                        else " (only BH steps with larger cut-offs can reject); "
                    )
                    + f"use at least {math.ceil(m / alpha)} permutations"
                )
                warnings.warn(msg, UserWarning, stacklevel=3)
                notes.append(msg)
        if alpha < floor:
            msg = f"alpha = {alpha} is below the smallest attainable pseudo p {floor:.3g}; nothing can be significant"
            warnings.warn(msg, UserWarning, stacklevel=3)
            notes.append(msg)
        if zero.any():
            notes.append(f"{int(zero.sum())} region-period(s) equal to the period mean get p_sim = 1")
        return notes

    def _local_geary(
        self,
        sw: SpatialWeights,
        z: np.ndarray,
        lag: np.ndarray,
        lag2: np.ndarray,
        g_count: np.ndarray,
        g_mean: np.ndarray,
        isolated: np.ndarray,
        valid: np.ndarray,
        permutations: int,
        alpha: float,
    ) -> dict[str, Any]:
        """The columns geary, p_geary and geary_cluster."""
        c_obs = z * z * np.asarray(sw.sparse.sum(axis=1)) - 2.0 * z * lag + lag2
        p_geary = (g_count + 1.0) / (permutations + 1.0)
        p_geary[isolated] = np.nan
        g_sig, _ = _adjusted_significance(p_geary, valid, alpha, self.adjust)
        positive = c_obs < g_mean
        kind = np.where(
            positive,
            np.where((z > 0) & (lag > 0), "HH", np.where((z <= 0) & (lag <= 0), "LL", "other+")),
            "negative",
        ).astype(object)
        g_cluster = np.where(g_sig, kind, "ns").astype(object)
        g_cluster[isolated] = "isolated"
        return {
            "geary": c_obs.ravel(),
            "p_geary": p_geary.ravel(),
            "geary_cluster": pd.Categorical(g_cluster.ravel(), categories=_GEARY_CLUSTERS),
        }


def _gi_star_z(binary: SpatialWeights, y: np.ndarray) -> np.ndarray:
    """Local Getis-Ord Gi* z-scores (binary weights with the region itself, analytic moments)."""
    import scipy.sparse as sp

    m = binary.sparse
    m = (m + sp.identity(m.shape[0], format="csr")).tocsr()
    m.data[:] = 1.0
    n = y.shape[0]
    wi = np.asarray(m.sum(axis=1)).ravel()[:, None]
    s1 = np.asarray(m.multiply(m).sum(axis=1)).ravel()[:, None]
    mean = y.mean(axis=0)
    s = np.sqrt((y**2).mean(axis=0) - mean**2)
    num = (m @ y) - wi * mean
    den = s * np.sqrt((n * s1 - wi**2) / (n - 1))
    return num / den


class ClusterTransitions(Result):
    """How regions moved between LISA cluster types from one period to another.

    ``.table``: one row per region with the clusters in both periods and whether it changed;
    ``.matrix``: counts, clusters of ``p0`` as rows and of ``p1`` as columns. ``.settings``:
    those of the LISA, plus ``from`` and ``to`` (the two periods).
    """

    _table_names = ("table", "matrix")

    def __init__(
        self,
        moves: pd.DataFrame,
        matrix: pd.DataFrame,
        settings: Mapping[str, Any] | None = None,
        caption: str = "",
    ):
        self._moves = moves
        self._matrix = matrix
        self.settings = MappingProxyType(dict(settings or {}))
        self._caption = caption
        self._notes: list[str] = []
        self._freeze()

    table = copied("_moves")

    matrix = copied("_matrix")

    def plot(self, ax: Any = None, *, title: str | None = None, caption: bool | str = True, **kwargs: Any) -> Any:
        """The count matrix as a heatmap (clusters of the first period as rows).

        ``caption=False`` leaves out the settings line; other keywords (``cmap=``,
        ``figsize=``) go to :func:`spatialcoupling.plotting.lisa.transition_matrix`.
        """
        from ..plotting import lisa as figures

        if title is None:
            s = self.settings
            title = f"LISA cluster transitions, {s['from']} → {s['to']}" if "from" in s else "LISA cluster transitions"
        text = self._caption if caption is True else (caption or None)
        return figures.transition_matrix(self._matrix, ax=ax, title=title, caption=text, **kwargs)


class LocalMoranResult(Result):
    """LISA per region-period: ``.table`` indexed by (region, period).

    Columns: ``value``, ``z`` (standardised value), ``lag`` (spatial lag of z), ``Ii``,
    ``EI_perm`` and ``z_perm`` (exact mean of Ii under the conditional permutations and the
    z-value against their exact variance), ``quadrant`` (HH/LH/LL/HL), ``p_sim``, ``significant``,
    ``cluster`` (HH, LL, LH, HL, ns, isolated). ``.settings`` records the weights,
    permutations, seed, alpha and adjustment; ``.cutoffs`` the p cut-off per period. Rows list
    China's provinces in yearbook order (:func:`spatialcoupling.regions.region_order`), other
    regions in the order of the weights.
    """

    _table_names = ("table", "counts", "cutoffs", "settings_table")

    def __init__(
        self,
        table: pd.DataFrame,
        settings: dict[str, Any],
        cutoffs: pd.Series,
        notes: list[str],
        sparse: Any,
    ):
        self._table = in_region_order(table)
        self.settings = MappingProxyType(dict(settings))
        self._cutoffs = cutoffs
        self._notes = list(notes)
        self._sparse = sparse
        self._freeze()

    table = copied("_table")

    @property
    def periods(self) -> list:
        """The periods of the table, in order."""
        return list(self._table.index.get_level_values(PERIOD).unique())

    @property
    def regions(self) -> list:
        """The regions of the table, in its order (see the class docstring)."""
        return list(self._table.index.get_level_values(REGION).unique())

    cutoffs = copied("_cutoffs")

    @property
    def settings_table(self) -> pd.DataFrame:
        """The settings as a one-column table (for spreadsheets)."""
        return pd.DataFrame(
            {"value": [str(v) for v in self.settings.values()]}, index=pd.Index(list(self.settings), name="setting")
        )

    @property
    def caption(self) -> str:
        """One line recording how the clusters were obtained (used in figure captions)."""
        s = self.settings
        return (
            f"LISA of {s['variable']}: W {s['weights']}; {s['permutations']} permutations, seed {s['seed']}; "
            f"p <= {s['alpha']} ({s['alternative']} pseudo p), adjustment: {s['adjust']}"
        )

    def summary(self) -> str:
        """Settings, notes and the number of regions per cluster type and period."""
        lines = ["LocalMoranResult", "================", self.caption]
        lines += [f"note: {n}" for n in self.notes]
        lines.append(self.counts.to_string())
        return "\n".join(lines)

    @property
    def counts(self) -> pd.DataFrame:
        """Regions per cluster type (columns HH, LL, LH, HL, ns, isolated) per period."""
        counts = pd.crosstab(self._table.index.get_level_values(PERIOD), self._table["cluster"], dropna=False).reindex(
            columns=list(CLUSTERS), fill_value=0
        )
        counts.index.name = PERIOD
        counts.columns.name = "cluster"
        return counts

    def _check_period(self, period: Any) -> Any:
        if period not in set(self.periods):
            raise ValueError(f"period {period!r} is not in the result; periods: {preview(self.periods)}")
        return period

    def clusters(self, period: Any) -> pd.Series:
        """Cluster label of every region in ``period``."""
        self._check_period(period)
        return self._table.xs(period, level=PERIOD)["cluster"]

    def transitions(self, p0: Any, p1: Any) -> ClusterTransitions:
        """Cluster changes between periods ``p0`` and ``p1`` (per region and as a count matrix)."""
        a = self.clusters(p0)
        b = self.clusters(p1)
        moves = pd.DataFrame({f"cluster_{p0}": a, f"cluster_{p1}": b})
        moves["changed"] = a.astype(str) != b.astype(str)
        matrix = pd.crosstab(a, b, dropna=False).reindex(index=list(CLUSTERS), columns=list(CLUSTERS), fill_value=0)
        matrix.index.name = f"cluster_{p0}"
        matrix.columns.name = f"cluster_{p1}"
        return ClusterTransitions(moves, matrix, {**self.settings, "from": p0, "to": p1}, self.caption)

    # -- plots ----------------------------------------------------------------
    def plot(
        self,
        period: Any = None,
        regions: Any = None,
        kind: str = "cluster",
        periods: Sequence | None = None,
        language: str = "en",
        **kwargs: Any,
    ) -> Any:
        """Cluster map, significance map or Moran scatterplot.

        Parameters
        ----------
        period : period label, optional
            Period to draw (default: the last). Ignored when ``periods`` is given.
        regions : GeoDataFrame, optional
            Boundaries indexed by region id (or with a column holding the ids); required for
            maps, not for ``kind="scatter"``.
        kind : {"cluster", "significance", "scatter"}
        periods : sequence, optional
            Several periods as a multi-panel figure (2 columns; e.g. 2009/2014/2019/2024 as 2×2).
        language : {"en", "zh"}
            Language of every text of the figure.
        **kwargs
            Passed to :mod:`spatialcoupling.plotting.lisa` (``inset=False``, ``title=``,
            ``figsize=``, ``language=``...); ``caption=False`` leaves out the settings line.
        """
        from ..plotting import lisa as figures

        if kind not in ("cluster", "significance", "scatter"):
            raise ValueError(f"kind must be 'cluster', 'significance' or 'scatter', got {kind!r}")
        kwargs["language"] = language
        caption = kwargs.pop("caption", True)
        text = self.caption if caption is True else (caption or None)
        variable = str(self.settings["variable"])
        if periods is not None:
            for p in periods:
                self._check_period(p)
            return figures.lisa_panels(
                self.table, list(periods), regions=regions, kind=kind, variable=variable, caption=text, **kwargs
            )
        period = self.periods[-1] if period is None else self._check_period(period)
        if kind == "scatter":
            return figures.moran_scatterplot(self.table, period, variable=variable, caption=text, **kwargs)
        if regions is None:
            raise ValueError("regions= (a GeoDataFrame of the boundaries) is needed to draw a map")
        draw = figures.cluster_map if kind == "cluster" else figures.significance_map
        return draw(self.table, regions, period, variable=variable, caption=text, **kwargs)

    # -- export -----------------------------------------------------------------
    def export(self, path: str | Path, **kwargs: Any) -> Path:
        """Write the result; the format follows the suffix.

        ``.gpkg``/``.shp``/``.geojson`` need ``regions=`` (GeoDataFrame) and write one row per
        region-period, or one layer per period with ``layout="layers"`` (for .shp/.geojson: one
        file per period, ``<stem>_<period>``). Every row carries the settings in columns
        ``weights``, ``perms``, ``seed``, ``alpha``, ``adjust``; GeoPackage layers also get them
        as layer metadata. Shapefile field names (<= 10 characters): region, period, value, z,
        lag, Ii, EI_perm, z_perm, quadrant, p_sim, signif, cluster, weights, perms, seed, alpha,
        adjust. ``.html``: interactive map of one ``period=`` through GeoDataFrame.explore
        (needs folium). ``.csv``/``.xlsx``/``.tex``/``.md``: tables; ``.png``/``.svg``/``.pdf``:
        the figure of ``.plot(**kwargs)`` with the settings in its caption.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".html":
            from .. import layers

            path.parent.mkdir(parents=True, exist_ok=True)
            regions = kwargs.pop("regions", None)
            period = kwargs.pop("period", None)
            if period is not None:
                self._check_period(period)
            layers.explore_clusters(
                self.table, self.settings, regions, period=period, path=path, caption=self.caption, **kwargs
            )
            return path
        if suffix in FIGURE_SUFFIXES and "regions" not in kwargs and kwargs.get("kind") != "scatter":
            raise ValueError(
                f"exporting a map to {path.name!r} needs regions= (GeoDataFrame); "
                "or pass kind='scatter' for the Moran scatterplot"
            )
        return super().export(path, **kwargs)

    def to_geodataframe(self, regions: Any, period: Any = None) -> Any:
        """The table joined to the boundaries (one row per region-period, or one period)."""
        from .. import layers

        if period is not None:
            self._check_period(period)
        return layers.lisa_geodataframe(self.table, self.settings, regions, period=period)

    def _export_geo(self, path: Path, regions: Any = None, layout: str = "long", **kwargs: Any) -> None:
        from .. import layers

        if regions is None:
            raise ValueError(f"exporting to {path.name!r} needs regions= (a GeoDataFrame of the boundaries)")
        if layout not in ("long", "layers"):
            raise ValueError(f"layout must be 'long' (one row per region-period) or 'layers', got {layout!r}")
        layers.write_lisa_layers(self.table, self.settings, regions, path, layout=layout)

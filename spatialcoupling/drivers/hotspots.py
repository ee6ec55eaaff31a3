"""Hot and cold spots: local Getis-Ord Gi* with conditional-permutation p-values.

Conventions
-----------
* Weights include the region itself (Gi*, Getis & Ord 1992; Ord & Getis 1995): the
  adapted weights get a self-weight equal to the row's largest weight (1 for binary weights)
  and are then transformed, ``transform="r"`` (default, as GeoDa and esda's default) or
  ``"b"`` (binary, as ArcGIS's contiguity and distance-band weights).
* ``G = Σ_j w_ij x_j / Σ_j x_j`` (reported as ``G``; needs ``Σ x ≠ 0``) and the standard
  normal score of Getis & Ord / ArcGIS's ``GiZScore``::

      z_i = (Σ_j w_ij x_j - x̄ Σ_j w_ij) / (S sqrt((n Σ_j w_ij² - (Σ_j w_ij)²) / (n - 1)))

  with ``S`` the population standard deviation of the period. ``z`` does not change when a
  row is scaled, so it is the same under ``"r"`` and ``"b"``; it equals esda's ``G_Local(...,
  transform="B", star=True).Zs``. (esda's ``Zs`` under ``transform="R"`` uses the cardinality
  form of the variance, which is the standard one only for binary weights.)
* ``p_norm`` is the two-sided normal p of ``z``. ``p_sim`` is the pseudo p of the conditional
  permutations (``x_i`` held fixed, its neighbours drawn from the other regions by the engine
  shared with :class:`spatialcoupling.LocalMoran`,
  :func:`spatialcoupling.autocorrelation._permutation.conditional_lag_counts`):
  ``alternative="two-sided"`` (default) doubles the folded p
  ``(1 + min(#{G* >= G}, #{G* <= G})) / (1 + permutations)`` (at most 1), to be read against the
  same confidence levels as ArcGIS's two-sided normal p;
  ``alternative="directed"`` is the folded p itself (GeoDa's and esda's ``p_sim``).
* Classes follow ArcGIS's ``Gi_Bin``: ``±3`` at 99 %, ``±2`` at 95 %, ``±1`` at 90 %
  confidence (``p <= 0.01, 0.05, 0.10``), the sign of ``z`` giving hot (+) or cold (−), 0 not
  significant. ``adjust="fdr"`` applies the Benjamini–Hochberg rule within each period at each
  of the three levels (ArcGIS's "False Discovery Rate correction").
* Regions without neighbours keep only their own value: their p is NaN and their class 0,
  labelled ``"isolated"`` in ``cluster``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from .._params import Interval, Model, NJobs, Options, Seed
from .._series import PERIOD, REGION, _preview
from .._weights import as_weights
from ..autocorrelation._permutation import conditional_lag_counts
from ._base import DriverResult, benjamini_hochberg_cutoff, folded_p, seed_sequence, wide_on_weights

__all__ = ["HOTSPOT_CLASSES", "HotSpotResult", "HotSpots"]

#: Gi_Bin -> label, in the order of the legend
HOTSPOT_CLASSES: dict[int, str] = {
    3: "Hot spot (99%)",
    2: "Hot spot (95%)",
    1: "Hot spot (90%)",
    0: "Not significant",
    -1: "Cold spot (90%)",
    -2: "Cold spot (95%)",
    -3: "Cold spot (99%)",
}
_LEVELS = (0.10, 0.05, 0.01)


class HotSpots(Model):
    """Local Getis-Ord Gi* hot and cold spots of a region × period series, every period at once.

    Settings go to the constructor, data to :meth:`fit`:
    ``HotSpots(permutations=999, seed=1).fit(D, w)``.

    Parameters
    ----------
    permutations : int
        Conditional permutations for ``p_sim`` (0: only the normal p).
    p : {"sim", "norm"}
        Which p-value sets the classes (``"sim"`` needs permutations).
    alternative : {"two-sided", "directed"}
        Two-sided (ArcGIS's reading of the confidence levels) or the folded one-sided pseudo p
        of GeoDa and esda; applies to ``p_sim``.
    adjust : {None, "fdr"}
        Benjamini–Hochberg false discovery rate within each period, at each confidence level.
    transform : {"r", "b"}
        Row-standardised (default) or binary weights, after the self-weight is added.
    seed : None, int >= 0 or numpy.random.SeedSequence
        Seed of the permutations (None: fresh entropy, recorded in ``settings``).
    n_jobs : int or None
        Workers for the permutations (joblib; -1 all cores); the same seed gives the same
        numbers for any ``n_jobs``.

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> from spatialcoupling.drivers import HotSpots
    >>> g = sc.datasets.load("us_states")
    >>> w = sc.spatial_weights(g, kind="queen")
    >>> income = g[["1990", "2000"]].stack().rename_axis(["region", "period"])
    >>> res = HotSpots(permutations=99, seed=1).fit(income, w)
    >>> sorted(res.counts.columns)[:2]
    ['Cold spot (90%)', 'Cold spot (95%)']
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "permutations": [Interval(int, 0, None)],
        "p": [Options("sim", "norm")],
        "alternative": [Options("two-sided", "directed")],
        "adjust": [Options(None, "fdr")],
        "transform": [Options("r", "b")],
        "seed": [Seed()],
        "n_jobs": [NJobs()],
    }

    def __init__(
        self,
        permutations: int = 999,
        p: str = "sim",
        alternative: str = "two-sided",
        adjust: str | None = None,
        transform: str = "r",
        seed: Any = None,
        n_jobs: int | None = 1,
    ) -> None:
        self.permutations = permutations
        self.p = p
        self.alternative = alternative
        self.adjust = adjust
        self.transform = transform
        self.seed = seed
        self.n_jobs = n_jobs
        self._validate_params()

    def fit(self, series: pd.Series, w: Any) -> HotSpotResult:
        """Gi*, its z, p-values and ArcGIS classes for every region and period.

        Parameters
        ----------
        series : pandas.Series
            Region × period values (e.g. ``ccd.D``), balanced, on the regions of ``w``.
        w : libpysal W or Graph, or SpatialWeights
            Spatial weights (their own transformation is ignored: see ``transform``).

        Returns
        -------
        HotSpotResult
        """
        self._validate_params()
        if self.p == "sim" and self.permutations == 0:
            raise ValueError("HotSpots: p='sim' needs permutations > 0; set permutations (e.g. 999) or p='norm'")
        sw = as_weights(w)
        wide = wide_on_weights(series, sw.ids, "series", "HotSpots")
        x = wide.to_numpy()
        n, periods = x.shape
        if n < 3:
            raise ValueError(f"HotSpots: at least 3 regions are needed, got {n}")
        notes: list[str] = list(sw.notes)
        off = sw.sparse - sp.diags(sw.sparse.diagonal())
        off = sp.csr_matrix(off)
        off.eliminate_zeros()
        if self.transform == "b":
            off.data[:] = 1.0
        card = np.diff(off.indptr)
        isolated = card == 0
        rowmax = np.ones(n)
        if off.nnz:
            rowmax[~isolated] = np.maximum.reduceat(np.abs(off.data), off.indptr[:-1][~isolated])
        star = sp.csr_matrix(off + sp.diags(rowmax))
        if self.transform == "r":
            star = sp.csr_matrix(sp.diags(1.0 / np.asarray(star.sum(axis=1)).ravel()) @ star)
        self_w = star.diagonal()
        neigh = sp.csr_matrix(star - sp.diags(self_w))
        neigh.eliminate_zeros()

        total = x.sum(axis=0)
        sw_x = np.asarray(star @ x)
        with np.errstate(divide="ignore", invalid="ignore"):
            G = np.where(total != 0, sw_x / total, np.nan)
        wsum = np.asarray(star.sum(axis=1)).ravel()[:, None]
        w2 = np.asarray(star.multiply(star).sum(axis=1)).ravel()[:, None]
        mean = x.mean(axis=0)
        S = x.std(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (sw_x - wsum * mean) / (S * np.sqrt((n * w2 - wsum**2) / (n - 1)))
        z[isolated] = np.nan
        p_norm = 2.0 * stats.norm.sf(np.abs(z))
        data: dict[str, Any] = {"value": x.ravel(), "G": G.ravel(), "z": z.ravel(), "p_norm": p_norm.ravel()}
        entropy = None
        if self.permutations:
            ss, entropy = seed_sequence(self.seed)
            _, count, _ = conditional_lag_counts(neigh, x, permutations=self.permutations, seed=ss, n_jobs=self.n_jobs)
            p_sim = folded_p(count, self.permutations, self.alternative == "two-sided")
            p_sim[isolated] = np.nan
            data["p_sim"] = p_sim.ravel()
        p_used = (data["p_sim"] if self.p == "sim" else data["p_norm"]).reshape(n, periods)
        gi_bin = self._bins(p_used, z, isolated, notes)
        data["gi_bin"] = gi_bin.ravel()
        labels = np.array([HOTSPOT_CLASSES[b] for b in (3, 2, 1, 0, -1, -2, -3)], dtype=object)
        label = labels[3 - gi_bin]
        label[np.broadcast_to(isolated[:, None], label.shape)] = "isolated"
        data["cluster"] = pd.Categorical(label.ravel(), categories=[*labels, "isolated"])
        index = pd.MultiIndex.from_product([list(sw.ids), list(wide.columns)], names=[REGION, PERIOD])
        table = pd.DataFrame(data, index=index)
        if isolated.any():
            notes.append(
                f"{int(isolated.sum())} region(s) without neighbours are not tested (p NaN, class "
                f"'isolated'): {_preview([sw.ids[i] for i in np.flatnonzero(isolated)])}"
            )
        if (total == 0).any():
            notes.append("G is undefined (NaN) in periods whose values sum to 0; z and p are unaffected")
        floor = 1.0 / (self.permutations + 1) if self.permutations else 0.0
        if self.p == "sim" and floor * (2 if self.alternative == "two-sided" else 1) > 0.01:
            notes.append(
                f"with {self.permutations} permutations the smallest pseudo p is "
                f"{floor * (2 if self.alternative == 'two-sided' else 1):.3g}: the 99% class cannot be "
                "reached; use at least 199 permutations (two-sided) or 99 (directed)"
            )
        counts = table.groupby(PERIOD, observed=False)["cluster"].value_counts().unstack("cluster")
        counts = counts.reindex(columns=[*labels, "isolated"], fill_value=0).astype(int)
        counts.columns = counts.columns.astype(str)
        if not isolated.any():
            counts = counts.drop(columns="isolated")
        settings = {
            "weights": sw.name or "given",
            "transform": self.transform,
            "permutations": self.permutations,
            "p": self.p,
            "alternative": self.alternative,
            "adjust": self.adjust or "none",
            "seed": self.seed if entropy is None else entropy,
        }
        return HotSpotResult({"table": table, "counts": counts}, settings, notes)

    def _bins(self, p: np.ndarray, z: np.ndarray, isolated: np.ndarray, notes: list[str]) -> np.ndarray:
        valid = np.isfinite(p) & ~isolated[:, None]
        level = np.zeros(p.shape, dtype=np.int64)
        for k, alpha in enumerate(_LEVELS, start=1):
            if self.adjust == "fdr":
                cut = benjamini_hochberg_cutoff(p, valid, alpha)[None, :]
            else:
                cut = np.full((1, p.shape[1]), alpha)
            level = np.where(valid & (p <= cut), k, level)
        if self.adjust == "fdr":
            notes.append("confidence levels after the Benjamini–Hochberg false discovery rate rule within each period")
        return (np.sign(np.nan_to_num(z)) * level).astype(np.int64)


class HotSpotResult(DriverResult):
    """Gi* hot and cold spots per region and period.

    Attributes
    ----------
    table : DataFrame
        (region, period) rows: value, G, z, p_norm, p_sim (with permutations), gi_bin (−3 … 3,
        ArcGIS's ``Gi_Bin``) and cluster (the class label, or ``"isolated"``).
    counts : DataFrame
        Number of regions in each class per period.
    settings : mapping (read-only)
    notes : list of str
    """

    _table_names = ("table", "counts")
    _title = "Hot and cold spots (Getis-Ord Gi*)"

    @property
    def counts(self) -> pd.DataFrame:
        return self._get("counts")

    @property
    def periods(self) -> list:
        return list(self._tables["counts"].index)

    def classes(self, period: Any) -> pd.Series:
        """The class label of every region in ``period``."""
        if period not in self.periods:
            raise KeyError(f"HotSpotResult: no period {period!r}; periods: {_preview(self.periods)}")
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
        """A hot-spot map of ``period`` on ``regions`` (a GeoDataFrame indexed by region) in
        ArcGIS's colours, or, without ``regions``, the class counts per period."""
        from ..plotting import drivers as figures

        if regions is None:
            return figures.class_counts(
                self.counts,
                figures.HOTSPOT_COLORS,
                ax=ax,
                title=title or "Hot and cold spots (Gi*) per period",
                language=language,
            )
        period = self.periods[-1] if period is None else period
        caption = (
            f"Gi*, {self._settings['transform']} weights, p_{self._settings['p']}, "
            f"{self._settings['permutations']} permutations, adjust={self._settings['adjust']}"
        )
        return figures.category_map(
            regions,
            self.classes(period),
            figures.HOTSPOT_COLORS,
            ax=ax,
            title=title or f"Hot and cold spots, {period}",
            caption=caption,
            language=language,
            **kwargs,
        )

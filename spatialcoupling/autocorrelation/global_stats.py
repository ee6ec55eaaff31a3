"""Global spatial autocorrelation per period: Moran's I, Geary's C, Getis-Ord G, bivariate Moran's I.

Every statistic is computed for all periods of a region × period series at once, with its
analytic moments (the formulas of esda, vectorised over periods; esda itself is not imported)
and, with ``permutations > 0``, a folded pseudo p from random permutations drawn once and used
for every period (see :mod:`spatialcoupling.autocorrelation._permutation`).

Data goes to ``fit``, settings to the constructor::

    GlobalMoran(permutations=999, seed=1).fit(series, w)
    BivariateMoran(permutations=999, seed=1).fit(x, y, w)
"""

from __future__ import annotations

import warnings
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._notes import unique_notes
from .._params import Boolean, Interval, Model, Options, Seed
from .._results import Result, copied
from .._series import PERIOD, as_region_period_series, preview
from .._weights import SpatialWeights
from ._permutation import _column_dots, _gathered, _QuadraticForm, _simulate
from ._prepare import (
    Moments,
    off_diagonal,
    region_table,
    transform_label,
    transformed_weights,
    weight_moments,
    weights_label,
)
from ._significance import _fold_p, _tail_p

__all__ = [
    "BivariateMoran",
    "BivariateMoranResult",
    "GetisOrdG",
    "GetisOrdGResult",
    "GlobalGeary",
    "GlobalGearyResult",
    "GlobalMoran",
    "GlobalMoranResult",
]


class _GlobalResult(Result):
    """Per-period global statistic: ``.table`` indexed by period."""

    #: the column of ``.table`` holding the statistic
    statistic: ClassVar[str] = ""
    #: the statistic's name on a figure's axis
    label: ClassVar[str] = ""

    def __init__(self, table: pd.DataFrame, settings: dict[str, Any], notes: list[str]):
        self._table = table
        self.settings = MappingProxyType(dict(settings))
        self._notes = list(notes)
        self._freeze()

    table = copied("_table")

    @property
    def caption(self) -> str:
        """One line recording the weights, permutations and seed (used in figure captions)."""
        s = self.settings
        return f"W {s['weights']}; {s['permutations']} permutations, seed {s['seed']}"

    def plot(self, ax: Any = None, alpha: float = 0.05, p: str = "p_sim", language: str = "en", **kwargs: Any) -> Any:
        """The statistic over the periods; filled markers where ``p <= alpha``.

        Parameters
        ----------
        ax : matplotlib Axes, optional
        alpha : float
            Significance level of the markers.
        p : str
            The p-value column. The default ``"p_sim"`` falls back to ``"p_norm"`` when the
            statistic was computed without permutations (the legend names the column used).
        language : {"en", "zh"}
            Language of the figure's text.
        **kwargs
            ``title=``, ``figsize=``: passed to
            :func:`spatialcoupling.plotting.global_stats.statistic_by_period`.
        """
        from ..plotting import global_stats as figures

        tab = self._table
        column: str | None = p
        if p == "p_sim" and p not in tab.columns:
            column = "p_norm" if "p_norm" in tab.columns else None
        kwargs.setdefault("label", self.label)
        expected = f"E{self.statistic}"
        if expected in tab.columns:
            kwargs.setdefault("reference", expected)
        return figures.statistic_by_period(
            tab, self.statistic, p=column, alpha=alpha, caption=self.caption, ax=ax, language=language, **kwargs
        )


class GlobalMoranResult(_GlobalResult):
    """Global Moran's I per period (columns I, EI, VI_norm, VI_rand, z_norm, z_rand, p_norm, p_rand,
    and with permutations EI_sim, z_sim, p_sim)."""

    statistic = "I"
    label = "Moran's I"


class GlobalGearyResult(_GlobalResult):
    """Geary's C per period (C, EC, VC_norm, VC_rand, z_norm, z_rand, p_norm, p_rand, and with
    permutations EC_sim, z_sim, p_sim)."""

    statistic = "C"
    label = "Geary's C"


class GetisOrdGResult(_GlobalResult):
    """General G per period (G, EG, VG, z_norm, p_norm, and with permutations EG_sim, z_sim, p_sim)."""

    statistic = "G"
    label = "General G"


class BivariateMoranResult(_GlobalResult):
    """Bivariate Moran's I per period (I, and with permutations EI_sim, z_sim, p_sim)."""

    statistic = "I"
    label = "Bivariate Moran's I"


class _GlobalModel(Model):
    """Settings and data handling shared by the global statistics."""

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "permutations": [Interval(int, 0, None)],
        "seed": [Seed()],
        "two_tailed": [Boolean()],
        "transform": [Options("r", "b", None)],
    }
    _fit_call: ClassVar[str] = "fit(series, w)"

    def __init__(
        self,
        w: Any = None,
        permutations: int = 999,
        seed: Any = None,
        two_tailed: bool = True,
        *,
        transform: str | None = "r",
    ):
        self._setup(w, permutations, seed, two_tailed, transform)

    def _setup(self, w: Any, permutations: int, seed: Any, two_tailed: bool, transform: str | None) -> None:
        """Store and check the settings; warn when the weights come the deprecated way."""
        self.w = w
        self.permutations = permutations
        self.seed = seed
        self.two_tailed = two_tailed
        self.transform = transform.lower() if isinstance(transform, str) else transform
        self._validate_params()
        if w is not None:
            warnings.warn(
                f"pass w to fit: {type(self).__name__}(...).{self._fit_call}; the constructor's w is deprecated",
                DeprecationWarning,
                stacklevel=3,
            )

    def _weights(self, w: Any) -> Any:
        """The weights of this fit: ``fit``'s, else the deprecated constructor's."""
        if w is not None and self.w is not None:
            raise TypeError(
                f"{type(self).__name__}: w was given to the constructor (deprecated) and to fit; "
                f"pass it to fit only: {type(self).__name__}(...).{self._fit_call}"
            )
        if w is None and self.w is None:
            raise TypeError(
                f"{type(self).__name__}.fit needs the spatial weights: {type(self).__name__}(...).{self._fit_call}"
            )
        return w if w is not None else self.w

    def _prepare(
        self, series: pd.Series, w: Any, name: str
    ) -> tuple[SpatialWeights, Moments, pd.DataFrame, str, list[str]]:
        """Validate the settings, the weights and the series; the table in the weights' order."""
        self._validate_params()
        sw = transformed_weights(self._weights(w), self.transform)
        if sw.n < 4:
            raise ValueError(f"{name}: at least 4 regions are needed for the moments of the statistic, got {sw.n}")
        wide, notes = region_table(series, sw, name)
        off, _ = off_diagonal(sw)
        card = np.diff(off.indptr)
        islands = np.flatnonzero(card == 0)
        if len(islands):
            notes.append(
                f"{len(islands)} region(s) without neighbours kept (their spatial lag is 0): "
                f"{preview([wide.index[i] for i in islands])}"
            )
        label = weights_label(sw, transform_label(sw, self.transform), card)
        return sw, weight_moments(sw), wide, label, notes

    def _add_simulated(
        self, table: pd.DataFrame, sim: np.ndarray | None, observed: np.ndarray, mean_column: str
    ) -> None:
        """Add the permutation mean, z and folded pseudo p of ``observed`` (one per period) to ``table``."""
        if sim is None:
            return
        table[mean_column] = sim.mean(axis=0)
        table["z_sim"] = (observed - sim.mean(axis=0)) / sim.std(axis=0)
        table["p_sim"] = _fold_p(sim, observed, int(self.permutations))

    def _simulate(self, n: int, cells: int, stat: Any) -> tuple[np.ndarray | None, int | None]:
        return _simulate(int(self.permutations), self.seed, n, cells, stat)

    def _settings(self, sw: SpatialWeights, label: str, entropy: int | None) -> dict[str, Any]:
        return {
            "weights": label,
            "transform": transform_label(sw, self.transform),
            "permutations": int(self.permutations),
            "seed": self.seed if self.seed is not None else entropy,
            "two_tailed": bool(self.two_tailed),
        }


class GlobalMoran(_GlobalModel):
    """Global Moran's I for every period of a region × period series.

    Data goes to ``fit``, settings to the constructor: ``GlobalMoran(permutations=999,
    seed=1).fit(series, w)``.

    Parameters
    ----------
    w : libpysal.weights.W, optional
        Deprecated: pass the weights to ``fit``.
    permutations : int
        Random permutations for the pseudo p-value ``p_sim`` (0 to skip).
    seed : None, int >= 0 or numpy.random.SeedSequence
        Seed of the permutations; the same seed gives the same ``p_sim``. Without one, a seed
        is drawn and recorded in ``result.settings["seed"]``.
    two_tailed : bool
        Double the normal-approximation p-values (as esda).
    transform : {"r", "b", None}
        Transformation applied to a copy of the weights ("r" row-standardised, as esda's
        default; None: as given).

    Notes
    -----
    ``p_sim`` (and ``p_sim`` of the other global statistics) is the folded pseudo p of
    esda and GeoDa, ``(1 + min(#{I* >= I}, #{I* <= I})) / (1 + permutations)``, one-sided in
    the direction of the observed statistic, with permuted values equal to the observed one
    up to rounding counted as ties on both sides (so p does not depend on the variable's
    units); ``two_tailed`` applies to the normal approximations, as in esda. The
    permutations are drawn once and used for every period.

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> income = sc.datasets.load("us_income")
    >>> w = sc.spatial_weights(sc.datasets.load("us_states"), kind="queen")
    >>> res = GlobalMoran(permutations=99, seed=1).fit(income.loc[:, [1929, 2009]], w)
    >>> res.table["I"].round(3).tolist()
    [0.627, 0.429]
    """

    _result = GlobalMoranResult

    def fit(self, series: pd.Series, w: Any = None) -> GlobalMoranResult:
        """Compute I, E[I], Var[I] (normality, randomisation), z, p and p_sim per period.

        Parameters
        ----------
        series : Series
            Region × period values.
        w : libpysal W or Graph, or SpatialWeights
            Spatial weights over exactly the regions of the series.
        """
        sw, mom, wide, label, notes = self._prepare(series, w, "series")
        y = wide.to_numpy()
        n = float(sw.n)
        z = np.ascontiguousarray(y - y.mean(axis=0))  # rows are gathered by the permutations
        m2 = (z * z).sum(axis=0)
        I = n / mom.s0 * (z * (sw.sparse @ z)).sum(axis=0) / m2  # noqa: E741
        EI = -1.0 / (n - 1)
        s0, s1, s2 = mom.s0, mom.s1, mom.s2
        VI_norm = (n * n * s1 - n * s2 + 3 * s0**2) / ((n - 1) * (n + 1) * s0**2) - EI**2
        k = ((z**4).sum(axis=0) / n) / (m2 / n) ** 2
        A = n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0**2)
        B = k * ((n * n - n) * s1 - 2 * n * s2 + 6 * s0**2)
        VI_rand = (A - B) / ((n - 1) * (n - 2) * (n - 3) * s0**2) - EI**2
        z_norm = (I - EI) / np.sqrt(VI_norm)
        z_rand = (I - EI) / np.sqrt(VI_rand)
        table = pd.DataFrame(
            {
                "I": I,
                "EI": EI,
                "VI_norm": VI_norm,
                "VI_rand": VI_rand,
                "z_norm": z_norm,
                "z_rand": z_rand,
                "p_norm": _tail_p(z_norm, self.two_tailed),
                "p_rand": _tail_p(z_rand, self.two_tailed),
            },
            index=pd.Index(wide.columns, name=PERIOD),
        )

        form = _QuadraticForm(sw.sparse)

        def stat(rows: np.ndarray) -> np.ndarray:
            zp = _gathered(z, rows)  # n × (batch · T)
            return n / mom.s0 * form(zp, len(rows)) / m2

        sim, entropy = self._simulate(sw.n, z.size, stat)
        self._add_simulated(table, sim, I, "EI_sim")
        return self._result(table, self._settings(sw, label, entropy), notes)


class GlobalGeary(_GlobalModel):
    """Geary's C for every period (E[C] = 1; C < 1 means positive autocorrelation).

    Data goes to ``fit``, settings to the constructor: ``GlobalGeary(permutations=999,
    seed=1).fit(series, w)``; the settings are those of :class:`GlobalMoran`.

    Notes
    -----
    Table columns: C, EC, VC_norm, VC_rand, z_norm, z_rand, p_norm, p_rand and (with
    permutations) EC_sim, z_sim, p_sim. esda's ``Geary.p_norm`` is one-tailed; pass
    ``two_tailed=False`` for the same number.

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> income = sc.datasets.load("us_income")
    >>> w = sc.spatial_weights(sc.datasets.load("us_states"), kind="queen")
    >>> GlobalGeary(permutations=0).fit(income.loc[:, [1929, 2009]], w).table["C"].round(3).tolist()
    [0.368, 0.591]
    """

    _result = GlobalGearyResult

    def fit(self, series: pd.Series, w: Any = None) -> GlobalGearyResult:
        """Compute Geary's C and its moments per period (``w`` as in :meth:`GlobalMoran.fit`)."""
        sw, mom, wide, label, notes = self._prepare(series, w, "series")
        y = wide.to_numpy()
        n = float(sw.n)
        coo = sw.sparse.tocoo()
        z = y - y.mean(axis=0)
        m2 = (z * z).sum(axis=0)

        def calc(values: np.ndarray) -> np.ndarray:
            diff = values[..., coo.row, :] - values[..., coo.col, :]
            return (n - 1) * (coo.data[:, None] * diff**2).sum(axis=-2) / (2.0 * mom.s0 * m2)

        C = calc(y)
        s0, s1, s2 = mom.s0, mom.s1, mom.s2
        k = ((z**4).sum(axis=0) / n) / (m2 / n) ** 2
        A = (n - 1) * s1 * (n * n - 3 * n + 3 - (n - 1) * k)
        B = 0.25 * ((n - 1) * s2 * (n * n + 3 * n - 6 - (n * n - n + 2) * k))
        Cc = s0**2 * (n * n - 3 - (n - 1) ** 2 * k)
        VC_rand = (A - B + Cc) / (n * (n - 2) * (n - 3) * s0**2)
        VC_norm = (1 / (2 * (n + 1) * s0**2)) * ((2 * s1 + s2) * (n - 1) - 4 * s0**2)
        z_norm = (C - 1.0) / np.sqrt(VC_norm)
        z_rand = (C - 1.0) / np.sqrt(VC_rand)
        table = pd.DataFrame(
            {
                "C": C,
                "EC": 1.0,
                "VC_norm": VC_norm,
                "VC_rand": VC_rand,
                "z_norm": z_norm,
                "z_rand": z_rand,
                "p_norm": _tail_p(z_norm, self.two_tailed),
                "p_rand": _tail_p(z_rand, self.two_tailed),
            },
            index=pd.Index(wide.columns, name=PERIOD),
        )
        sim, entropy = self._simulate(sw.n, max(coo.nnz, sw.n) * y.shape[1], lambda rows: calc(y[rows]))
        self._add_simulated(table, sim, C, "EC_sim")
        return self._result(table, self._settings(sw, label, entropy), notes)


class GetisOrdG(_GlobalModel):
    """Getis-Ord general G for every period (values must be positive).

    Data goes to ``fit``, settings to the constructor: ``GetisOrdG(permutations=999,
    seed=1).fit(series, w)``; the settings are those of :class:`GlobalMoran`, except that
    ``transform`` defaults to ``"b"`` (binary weights, as esda).

    Notes
    -----
    Table columns: G, EG, VG, z_norm, p_norm and (with permutations) EG_sim, z_sim, p_sim.
    esda's ``G.p_norm`` is one-tailed; pass ``two_tailed=False`` for the same number.

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> income = sc.datasets.load("us_income")
    >>> w = sc.spatial_weights(sc.datasets.load("us_states"), kind="queen")
    >>> GetisOrdG(permutations=0).fit(income.loc[:, [1929, 2009]], w).table["G"].round(4).tolist()
    [0.0969, 0.0936]
    """

    _result = GetisOrdGResult

    def __init__(
        self,
        w: Any = None,
        permutations: int = 999,
        seed: Any = None,
        two_tailed: bool = True,
        *,
        transform: str | None = "b",
    ):
        self._setup(w, permutations, seed, two_tailed, transform)

    def fit(self, series: pd.Series, w: Any = None) -> GetisOrdGResult:
        """Compute G, E[G], Var[G], z and p per period (``w`` as in :meth:`GlobalMoran.fit`)."""
        as_region_period_series(series, name="series", positive=True)
        sw, mom, wide, label, notes = self._prepare(series, w, "series")
        y = wide.to_numpy()
        n = float(sw.n)
        sy, sy2, sy3, sy4 = ((y**q).sum(axis=0) for q in (1, 2, 3, 4))
        den = sy**2 - sy2
        G = (y * (sw.sparse @ y)).sum(axis=0) / den
        s0, s1, s2 = mom.s0, mom.s1, mom.s2
        EG = s0 / (n * (n - 1))
        b0 = (n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0**2
        b1 = -((n * n - n) * s1 - 2 * n * s2 + 6 * s0**2)
        b2 = -(2 * n * s1 - (n + 3) * s2 + 6 * s0**2)
        b3 = 4 * (n - 1) * s1 - 2 * (n + 1) * s2 + 8 * s0**2
        b4 = s1 - s2 + s0**2
        EG2 = (b0 * sy2**2 + b1 * sy4 + b2 * sy**2 * sy2 + b3 * sy * sy3 + b4 * sy**4) / (
            den**2 * n * (n - 1) * (n - 2) * (n - 3)
        )
        VG = EG2 - EG**2
        z_norm = (G - EG) / np.sqrt(VG)
        table = pd.DataFrame(
            {"G": G, "EG": EG, "VG": VG, "z_norm": z_norm, "p_norm": _tail_p(z_norm, self.two_tailed)},
            index=pd.Index(wide.columns, name=PERIOD),
        )

        form = _QuadraticForm(sw.sparse)
        yc = np.ascontiguousarray(y)  # rows are gathered by the permutations

        def stat(rows: np.ndarray) -> np.ndarray:
            yp = _gathered(yc, rows)  # n × (batch · T)
            return form(yp, len(rows)) / den

        sim, entropy = self._simulate(sw.n, y.size, stat)
        self._add_simulated(table, sim, G, "EG_sim")
        return self._result(table, self._settings(sw, label, entropy), notes)


class BivariateMoran(_GlobalModel):
    """Bivariate Moran's I per period: ``I = zx' W zy / (n - 1)`` (esda's Moran_BV).

    Data goes to ``fit``, settings to the constructor: ``BivariateMoran(permutations=999,
    seed=1).fit(x, y, w)``; the settings are those of :class:`GlobalMoran`.

    Notes
    -----
    ``zx`` and ``zy`` are standardised with the sample sd (ddof=1) per period; inference by
    permuting ``y``. ``fit(x, y, w)`` takes two region × period series on the same regions
    and periods.

    Examples
    --------
    With ``y = x`` the statistic is Moran's I of ``x``:

    >>> import spatialcoupling as sc
    >>> income = sc.datasets.load("us_income").loc[:, [1929, 2009]]
    >>> w = sc.spatial_weights(sc.datasets.load("us_states"), kind="queen")
    >>> BivariateMoran(permutations=0).fit(income, income, w).table["I"].round(3).tolist()
    [0.627, 0.429]
    """

    _result = BivariateMoranResult
    _fit_call = "fit(x, y, w)"

    def fit(self, x: pd.Series, y: pd.Series, w: Any = None) -> BivariateMoranResult:
        """Compute I, EI_sim, z_sim and p_sim per period (``w`` as in :meth:`GlobalMoran.fit`)."""
        sw, _, wx, label, notes = self._prepare(x, w, "x")
        wy, notes_y = region_table(y, sw, "y")
        if list(wx.columns) != list(wy.columns):
            only_x = [p for p in wx.columns if p not in set(wy.columns)]
            only_y = [p for p in wy.columns if p not in set(wx.columns)]
            raise ValueError(
                f"x and y cover different periods: only in x {preview(only_x)}; only in y {preview(only_y)}"
            )
        X, Y = wx.to_numpy(), wy.to_numpy()
        n = float(sw.n)
        zx = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
        zy = np.ascontiguousarray((Y - Y.mean(axis=0)) / Y.std(axis=0, ddof=1))  # rows gathered by the permutations
        I = (zx * (sw.sparse @ zy)).sum(axis=0) / (n - 1)  # noqa: E741
        table = pd.DataFrame({"I": I}, index=pd.Index(wx.columns, name=PERIOD))
        sim, entropy = self._simulate(
            sw.n,
            Y.size,
            lambda rows: (
                _column_dots(np.tile(zx, len(rows)), np.asarray(sw.sparse @ _gathered(zy, rows)), len(rows)) / (n - 1)
            ),
        )
        self._add_simulated(table, sim, I, "EI_sim")
        return self._result(table, self._settings(sw, label, entropy), unique_notes([*notes, *notes_y]))

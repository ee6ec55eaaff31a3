"""Alternative composite scores: TOPSIS and grey relational analysis, with the weights of fitted scores.

Both take fitted :class:`~spatialcoupling.SubsystemScores` (their indicator weights, and their
min-max standardised values) and return U per subsystem in the layout of
``SubsystemScores.scores`` ((region, period) rows × subsystem columns), which
``sc.CouplingCoordination(...).fit(result.scores)`` takes as it takes the weighted sums. With
entropy weights this is entropy-TOPSIS (entropy-weighted grey relational analysis).

TOPSIS (Hwang & Yoon 1981), per subsystem ``s`` with weights ``w_j`` (summing to 1 within ``s``):

* normalisation ``normalize="minmax"`` (default): ``r_ij = z_ij``, the scores' min-max values
  with the direction applied (a negative indicator's best value is 1); ``normalize="vector"``:
  ``r_ij = x_ij / sqrt(Σ_i x_ij²)`` over the scope's rows, from the raw panel (all values must be
  >= 0), the direction entering through the ideal points;
* ``v_ij = w_j r_ij``; positive ideal ``v⁺_j`` the best ``v_ij`` of the scope's rows (largest for
  positive indicators and for every min-max column, smallest for negative indicators under
  ``"vector"``), negative ideal ``v⁻_j`` the worst;
* ``D⁺_i = sqrt(Σ_j (v_ij − v⁺_j)²)``, ``D⁻_i = sqrt(Σ_j (v_ij − v⁻_j)²)`` and the closeness
  ``U_i = D⁻_i / (D⁺_i + D⁻_i)`` in [0, 1].

Grey relational analysis (Deng 1982), per subsystem on ``z``: reference sequence the best value
of each indicator over the scope (1 under min-max), ``Δ_ij = |z_0j − z_ij|``, relational
coefficient ``ξ_ij = (Δ_min + ρ Δ_max) / (Δ_ij + ρ Δ_max)`` with ``Δ_min``, ``Δ_max`` over the
scope's rows and the subsystem's indicators and the distinguishing coefficient ``ρ`` (0.5), and the
weighted relational grade ``U_i = Σ_j w_j ξ_ij``. ``U`` lies in ``[ρ / (1 + ρ), 1]`` when
``Δ_min = 0`` (one third with ρ = 0.5), not in [0, 1]: coupling degrees from it are not
comparable with those of the weighted sum.

``scope="pooled"`` takes the ideal points (and the vector norms and the Δ range) over all
region-periods, so scores are comparable over time; ``"period"`` over each period's regions.
By default the scope of the fitted scores is used.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._params import Interval, Model, Options
from .._series import PERIOD, _preview
from ._base import DriverResult

__all__ = ["CompositeScores", "GreyRelational", "Topsis"]


def _scope_rows(index: pd.MultiIndex, scope: str) -> list[np.ndarray]:
    if scope == "pooled":
        return [np.arange(len(index))]
    codes, _ = pd.factorize(index.get_level_values(PERIOD), sort=True)
    return [np.flatnonzero(codes == k) for k in range(codes.max() + 1)]


class _Composite(Model):
    method = ""
    scope: str | None = None

    def _inputs(self, scores: Any) -> tuple[pd.DataFrame, pd.DataFrame, str]:
        for attribute in ("weights", "standardized", "scores"):
            if not hasattr(scores, attribute):
                raise TypeError(
                    f"{type(self).__name__}.fit takes fitted SubsystemScores (from "
                    f"EntropyWeights(...).fit(panel, system)); got {type(scores).__name__} without .{attribute}"
                )
        scope = str(self.scope or getattr(scores, "scope", "pooled"))
        return scores.weights, scores.standardized, scope

    @staticmethod
    def _weights_of(weights: pd.DataFrame, names: list[str], rows: np.ndarray, index: pd.MultiIndex) -> np.ndarray:
        """Weights of ``names`` for ``rows`` ((rows, k); per period when the weights have periods)."""
        if PERIOD in weights.columns:
            wide = weights.pivot(index=PERIOD, columns="indicator", values="weight")[names]
            return wide.loc[index.get_level_values(PERIOD)[rows]].to_numpy(dtype=float)
        w = weights.drop_duplicates("indicator").set_index("indicator").loc[names, "weight"].to_numpy(dtype=float)
        return np.broadcast_to(w, (len(rows), len(names)))

    def _result(
        self, U: pd.DataFrame, extra: dict[str, pd.DataFrame], settings: dict[str, Any], notes: list[str]
    ) -> CompositeScores:
        return CompositeScores({"scores": U, **extra}, {"method": self.method, **settings}, notes)


class Topsis(_Composite):
    """TOPSIS closeness per subsystem, with the weights of fitted scores (entropy-TOPSIS).

    Settings go to the constructor, data to :meth:`fit`: ``Topsis().fit(scores)``, or
    ``Topsis(normalize="vector").fit(scores, panel)``.

    Parameters
    ----------
    normalize : {"minmax", "vector"}
        Use the scores' min-max values (default) or the vector-normalised raw indicators.
    scope : {None, "pooled", "period"}
        Rows over which ideal points (and vector norms) are taken; None: the scores' scope.

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> from spatialcoupling.datasets.simulate import china_demo_system, simulate_panel
    >>> panel = sc.read_panel(simulate_panel(), region="region", period="period")
    >>> scores = sc.EntropyWeights().fit(panel, china_demo_system())
    >>> U = Topsis().fit(scores).scores
    >>> ccd = sc.CouplingCoordination().fit(U)
    >>> bool(ccd.D.between(0, 1).all())
    True
    """

    method = "topsis"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "normalize": [Options("minmax", "vector")],
        "scope": [Options(None, "pooled", "period")],
    }

    def __init__(self, normalize: str = "minmax", scope: str | None = None) -> None:
        self.normalize = normalize
        self.scope = scope
        self._validate_params()

    def fit(self, scores: Any, panel: Any = None) -> CompositeScores:
        """Closeness U, and the distances D⁺ and D⁻, per subsystem and region-period.

        Parameters
        ----------
        scores : SubsystemScores
            Fitted scores: their weights and, under ``"minmax"``, their standardised values.
        panel : Panel or DataFrame, optional
            The raw indicators, needed with ``normalize="vector"``.
        """
        self._validate_params()
        weights, z, scope = self._inputs(scores)
        notes: list[str] = []
        if self.normalize == "vector":
            r, sign = self._vector(weights, z, panel)
        else:
            if panel is not None:
                notes.append("normalize='minmax' uses the scores' standardised values; the panel passed was not used")
            r, sign = z, pd.Series(1.0, index=z.columns)
        subsystems = list(dict.fromkeys(weights["subsystem"]))
        U = pd.DataFrame(index=z.index, columns=subsystems, dtype=float)
        d_plus = U.copy()
        d_minus = U.copy()
        for s in subsystems:
            names = list(dict.fromkeys(weights.loc[weights["subsystem"] == s, "indicator"]))
            values = r[names].to_numpy(dtype=float)
            direction = sign[names].to_numpy(dtype=float)
            for rows in _scope_rows(z.index, scope):
                v = self._weights_of(weights, names, rows, z.index) * values[rows]
                best = np.where(direction > 0, v.max(axis=0), v.min(axis=0))
                worst = np.where(direction > 0, v.min(axis=0), v.max(axis=0))
                dp = np.sqrt(((v - best) ** 2).sum(axis=1))
                dm = np.sqrt(((v - worst) ** 2).sum(axis=1))
                d_plus.iloc[rows, d_plus.columns.get_loc(s)] = dp
                d_minus.iloc[rows, d_minus.columns.get_loc(s)] = dm
                with np.errstate(invalid="ignore", divide="ignore"):
                    U.iloc[rows, U.columns.get_loc(s)] = np.where(dp + dm > 0, dm / (dp + dm), np.nan)
        undefined = U.isna().to_numpy()
        if undefined.any():
            cells = U.stack(future_stack=True)
            raise ValueError(
                f"Topsis: closeness undefined (both ideal points equal) at {_preview(cells[cells.isna()].index, 5)}"
            )
        settings = {"normalize": self.normalize, "scope": scope, "weights": getattr(scores, "method", "given")}
        return self._result(U, {"d_plus": d_plus, "d_minus": d_minus}, settings, notes)

    @staticmethod
    def _vector(weights: pd.DataFrame, z: pd.DataFrame, panel: Any) -> tuple[pd.DataFrame, pd.Series]:
        if panel is None:
            raise ValueError(
                "Topsis(normalize='vector') needs the raw indicators: fit(scores, panel); or use "
                "normalize='minmax', which works on the scores' standardised values"
            )
        data = panel.data if hasattr(panel, "data") else panel
        names = list(z.columns)
        absent = [c for c in names if c not in data.columns]
        if absent:
            raise ValueError(f"Topsis: indicators {_preview(absent)} of the scores are not columns of the panel")
        x = data[names].astype(float)
        missing = z.index.difference(x.index)
        if len(missing):
            raise ValueError(f"Topsis: region-periods of the scores absent from the panel: {_preview(missing)}")
        x = x.loc[z.index]
        negative = [c for c in names if (x[c] < 0).any()]
        if negative:
            raise ValueError(
                f"Topsis: vector normalisation needs values >= 0; negative values in {_preview(negative)}. "
                "Use normalize='minmax'"
            )
        scope_rows = _scope_rows(z.index, "pooled")
        r = x.copy()
        for rows in scope_rows:
            block = x.to_numpy()[rows]
            r.iloc[rows] = block / np.sqrt((block**2).sum(axis=0))
        direction = weights.drop_duplicates("indicator").set_index("indicator")["direction"]
        sign = direction.map({"+": 1.0, "-": -1.0}).reindex(names).fillna(1.0)
        return r, sign


class GreyRelational(_Composite):
    """Weighted grey relational grade per subsystem, with the weights of fitted scores.

    Settings go to the constructor, data to :meth:`fit`: ``GreyRelational(rho=0.5).fit(scores)``.

    Parameters
    ----------
    rho : float
        Distinguishing coefficient in (0, 1] (0.5 by convention).
    scope : {None, "pooled", "period"}
        Rows over which the reference sequence and Δ range are taken; None: the scores' scope.
    """

    method = "grey relational"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "rho": [Interval(float, 0, 1, closed="right")],
        "scope": [Options(None, "pooled", "period")],
    }

    def __init__(self, rho: float = 0.5, scope: str | None = None) -> None:
        self.rho = rho
        self.scope = scope
        self._validate_params()

    def fit(self, scores: Any) -> CompositeScores:
        """Grey relational grade U per subsystem and region-period."""
        self._validate_params()
        weights, z, scope = self._inputs(scores)
        subsystems = list(dict.fromkeys(weights["subsystem"]))
        U = pd.DataFrame(index=z.index, columns=subsystems, dtype=float)
        for s in subsystems:
            names = list(dict.fromkeys(weights.loc[weights["subsystem"] == s, "indicator"]))
            values = z[names].to_numpy(dtype=float)
            for rows in _scope_rows(z.index, scope):
                block = values[rows]
                delta = np.abs(block.max(axis=0) - block)
                lo, hi = delta.min(), delta.max()
                xi = (lo + self.rho * hi) / (delta + self.rho * hi)
                U.iloc[rows, U.columns.get_loc(s)] = (self._weights_of(weights, names, rows, z.index) * xi).sum(axis=1)
        notes = [
            f"grey relational grades lie in [{self.rho / (1 + self.rho):.3f}, 1] (rho = {self.rho}), not in [0, 1]"
        ]
        settings = {"rho": self.rho, "scope": scope, "weights": getattr(scores, "method", "given")}
        return self._result(U, {}, settings, notes)


class CompositeScores(DriverResult):
    """Composite scores U per subsystem from TOPSIS or grey relational analysis.

    Attributes
    ----------
    scores : DataFrame
        (region, period) × subsystem U, the layout of ``SubsystemScores.scores``; pass it to
        ``sc.CouplingCoordination(...).fit``.
    d_plus, d_minus : DataFrame
        TOPSIS only: distances to the positive and negative ideal points.
    """

    _table_names = ("scores", "d_plus", "d_minus")
    _title = "Composite scores"

    @property
    def scores(self) -> pd.DataFrame:
        return self._get("scores")

    @property
    def d_plus(self) -> pd.DataFrame:
        if "d_plus" not in self._tables:
            raise AttributeError("d_plus is a TOPSIS table; this result is from grey relational analysis")
        return self._get("d_plus")

    @property
    def d_minus(self) -> pd.DataFrame:
        if "d_minus" not in self._tables:
            raise AttributeError("d_minus is a TOPSIS table; this result is from grey relational analysis")
        return self._get("d_minus")

    def U(self, subsystem: str) -> pd.Series:
        """The score of one subsystem as a region × period Series."""
        if subsystem not in self._tables["scores"].columns:
            raise KeyError(f"unknown subsystem {subsystem!r}; subsystems: {list(self._tables['scores'].columns)}")
        return self._tables["scores"][subsystem].rename(f"U_{subsystem}")

    def _summary_table(self) -> pd.DataFrame:
        return self._tables["scores"].groupby(PERIOD).mean()

    def plot(self, ax: Any = None, title: str | None = None, language: str = "en"):
        """Mean U per subsystem over time."""
        from ..plotting import drivers as figures

        return figures.lines(
            self._tables["scores"].groupby(PERIOD).mean(),
            ax=ax,
            language=language,
            ylabel="mean composite score U",
            title=title or f"Subsystem scores ({self._settings['method']})",
        )

"""Objective weights and subsystem scores.

Indicators are standardised by min-max over the scope's rows (``scope="pooled"``:
all region-periods; ``scope="period"``: the regions of one period):

- positive indicator ``z = (x - min) / (max - min)``; negative ``z = (max - x) / (max - min)``;
- ``z' = z + shift`` (default 1e-4) so that ``ln p`` is defined.

Weights are computed per subsystem and sum to 1 within it:

- entropy: ``p = z' / Σ z'``, ``e_j = -(1/ln m) Σ p ln p`` over the scope's ``m`` rows,
  ``d_j = 1 - e_j``, ``w_j = d_j / Σ d`` (pooled: the "entropy method with time variable");
- coefficient of variation: ``w ∝ sd / |mean|`` of the raw indicator;
- CRITIC (Diakoulaki et al. 1995): ``w ∝ σ_j Σ_k (1 - r_jk)`` on the standardised data;
- equal: ``1 / k``;
- combined: ``w ∝ Π_m w_m`` (multiplicative) or the mean of the methods' weights.

The composite score of a subsystem is ``U_s = Σ_j w_j z_j`` on the un-shifted
``z`` (``score_on="shifted"`` uses ``z'``), so ``U`` lies in [0, 1].

No library offers these weighting schemes for panels with per-subsystem and
per-period scopes, so they are written here, vectorised over indicators.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ._results import Result, copied
from ._series import PERIOD, _plain, _preview, missing_cells
from .indicators import IndicatorSystem
from .panel import Panel

Scope = Literal["pooled", "period"]


class _ObjectiveWeights:
    """Shared settings, validation and fitting of objective weighting methods."""

    method: str = ""

    def __init__(
        self,
        normalize: Literal["minmax"] = "minmax",
        scope: Scope = "pooled",
        shift: float = 1e-4,
        *,
        constant: Literal["error", "drop"] = "error",
        score_on: Literal["raw", "shifted"] = "raw",
    ):
        if normalize != "minmax":
            raise ValueError(f"normalize must be 'minmax', got {normalize!r}")
        if scope not in ("pooled", "period"):
            raise ValueError(f"scope must be 'pooled' or 'period', got {scope!r}")
        if not (np.isfinite(shift) and shift >= 0):
            raise ValueError(f"shift must be a finite number >= 0, got {shift!r}")
        if constant not in ("error", "drop"):
            raise ValueError(f"constant must be 'error' or 'drop', got {constant!r}")
        if score_on not in ("raw", "shifted"):
            raise ValueError(f"score_on must be 'raw' or 'shifted', got {score_on!r}")
        self.normalize = normalize
        self.scope = scope
        self.shift = float(shift)
        self.constant = constant
        self.score_on = score_on

    def __repr__(self) -> str:
        return f"{type(self).__name__}(scope={self.scope!r}, shift={self.shift})"

    def _setting_notes(self) -> list[str]:
        return []

    # subclasses: weights and diagnostics for one subsystem in one scope block
    def _block_weights(self, z: np.ndarray, x: np.ndarray, names: list[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        raise NotImplementedError

    def fit(self, panel: Panel | pd.DataFrame, system: IndicatorSystem) -> SubsystemScores:
        """Standardise, weight and score every subsystem.

        Parameters
        ----------
        panel : Panel or DataFrame
            Indicator panel indexed by ``(region, period)``.
        system : IndicatorSystem
            Which columns form which subsystem, and their directions.

        Returns
        -------
        SubsystemScores
        """
        data = panel.data if isinstance(panel, Panel) else _frame_from(panel)
        system.check_columns(data)
        table = system.table
        x = data[system.indicators].astype(float)
        _require_complete(x)
        notes: list[str] = self._setting_notes()
        _note_unbalanced(x.index, self.scope, notes)
        _require_block_sizes(x.index, self.scope)
        x, table = self._handle_constant(x, table, notes)
        blocks = _scope_blocks(x.index, self.scope)
        z = pd.DataFrame(np.nan, index=x.index, columns=x.columns)
        direction = table.set_index("indicator")["direction"].reindex(x.columns).to_numpy()
        for rows in blocks.values():
            z.iloc[rows] = _minmax(x.to_numpy()[rows], direction)
        zs = z + self.shift
        weight_rows = []
        scores = pd.DataFrame(index=x.index, columns=list(dict.fromkeys(table["subsystem"])), dtype=float)
        for subsystem, sub in table.groupby("subsystem", sort=False):
            names = list(sub["indicator"])
            cols = [x.columns.get_loc(n) for n in names]
            for key, rows in blocks.items():
                w, diag = self._block_weights(zs.to_numpy()[np.ix_(rows, cols)], x.to_numpy()[np.ix_(rows, cols)], names)
                basis = (zs if self.score_on == "shifted" else z).to_numpy()[np.ix_(rows, cols)]
                scores.iloc[rows, scores.columns.get_loc(subsystem)] = basis @ w
                frame = sub[["indicator", "subsystem", "dimension", "direction"]].copy()
                for name, values in diag.items():
                    frame[name] = values
                frame["weight"] = w
                if self.scope == "period":
                    frame.insert(0, PERIOD, key)
                weight_rows.append(frame)
        if self.score_on == "raw":
            # U is a convex combination of values in [0, 1]: remove floating-point excess (< 1e-12) only
            excess = (scores - 1.0).max().max()
            if excess > 1e-12:  # pragma: no cover - would be a bug, not rounding
                raise RuntimeError(f"subsystem score exceeds 1 by {excess}")
            scores = scores.clip(lower=0.0, upper=1.0)
        else:
            notes.append(f"score_on='shifted': U = Σ w (z + shift) lies in [{self.shift:g}, {1 + self.shift:g}]")
        weights = pd.concat(weight_rows, ignore_index=True)
        weights["direction"] = np.where(weights["direction"] > 0, "+", "-")
        return SubsystemScores(
            weights=weights,
            standardized=z,
            scores=scores,
            method=self.method,
            scope=self.scope,
            shift=self.shift,
            notes=notes,
        )

    def _handle_constant(self, x: pd.DataFrame, table: pd.DataFrame, notes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
        blocks = _scope_blocks(x.index, self.scope)
        constant: dict[str, list] = {}
        values = x.to_numpy()
        for key, rows in blocks.items():
            block = values[rows]
            flat = np.nanmax(block, axis=0) == np.nanmin(block, axis=0)
            for j in np.flatnonzero(flat):
                constant.setdefault(x.columns[j], []).append(key)
        if not constant:
            return x, table
        where = "; ".join(
            f"{ind!r}" + ("" if self.scope == "pooled" else f" in period(s) {_preview(keys, 5)}") for ind, keys in constant.items()
        )
        if self.constant == "error":
            raise ValueError(
                f"constant indicator(s) (max = min, no information for weighting): {where}. "
                "Remove them from the indicator system or pass constant='drop'."
            )
        dropped = list(constant)
        remaining = table[~table["indicator"].isin(dropped)]
        empty = sorted(set(table["subsystem"]) - set(remaining["subsystem"]))
        if empty:
            raise ValueError(f"dropping constant indicator(s) {dropped} leaves subsystem(s) {empty} with no indicators")
        notes.append(f"dropped constant indicator(s) {dropped} (max = min: {where})")
        return x.drop(columns=dropped), remaining


class EntropyWeights(_ObjectiveWeights):
    """Entropy-method weights.

    Parameters
    ----------
    normalize : {"minmax"}
        Standardisation (min-max with direction).
    scope : {"pooled", "period"}
        ``"pooled"`` standardises over all region-periods and gives one weight per
        indicator (``k = 1 / ln(N·T)``); ``"period"`` standardises and weights each
        period separately (the weights table then has a period column).
    shift : float
        Added to standardised values before taking logs (default 1e-4).
    constant : {"error", "drop"}
        A constant indicator in the scope raises an error naming it, or is dropped
        and reported in ``.notes``.
    score_on : {"raw", "shifted"}
        Score on the un-shifted ``z`` (default) or on ``z + shift``.

    Examples
    --------
    >>> scores = EntropyWeights(scope="pooled").fit(panel, system)   # doctest: +SKIP
    >>> scores.weights[["indicator", "entropy", "d", "weight"]]       # doctest: +SKIP
    """

    method = "entropy"

    def _block_weights(self, z, x, names):
        m = z.shape[0]
        if m < 2:
            raise ValueError("entropy weights need at least two rows in each scope block")
        p = z / z.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(p > 0, p * np.log(p), 0.0)
        e = -plogp.sum(axis=0) / np.log(m)
        d = 1.0 - e
        if d.sum() <= 0:
            raise ValueError(f"entropy weights undefined: every indicator of {names} has maximal entropy")
        return d / d.sum(), {"entropy": e, "d": d}


class CVWeights(_ObjectiveWeights):
    """Coefficient-of-variation weights: ``w ∝ sd / |mean|`` of the raw indicators.

    Parameters are those of :class:`EntropyWeights`; the standardisation only
    matters for the scores.
    """

    method = "cv"

    def _block_weights(self, z, x, names):
        mean = x.mean(axis=0)
        sd = x.std(axis=0, ddof=1)
        zero = np.flatnonzero(mean == 0)
        if zero.size:
            raise ValueError(f"CV weights undefined: indicator(s) {[names[j] for j in zero]} have mean 0")
        cv = sd / np.abs(mean)
        return cv / cv.sum(), {"mean": mean, "sd": sd, "cv": cv}


class CriticWeights(_ObjectiveWeights):
    """CRITIC weights: ``w_j ∝ σ_j Σ_k (1 - r_jk)`` on the standardised indicators.

    σ is the standard deviation (ddof=1) and r the Pearson correlation of the
    standardised values. A subsystem with one indicator gets weight 1.
    """

    method = "critic"

    def _block_weights(self, z, x, names):
        sd = z.std(axis=0, ddof=1)
        if z.shape[1] == 1:
            conflict = np.ones(1)
        else:
            r = np.corrcoef(z, rowvar=False)
            conflict = (1.0 - r).sum(axis=0)
        info = sd * conflict
        if info.sum() <= 0:
            raise ValueError(f"CRITIC weights undefined for {names}: no variation or conflict")
        return info / info.sum(), {"sd": sd, "conflict": conflict, "information": info}


class EqualWeights(_ObjectiveWeights):
    """Equal weights ``1 / k`` within each subsystem."""

    method = "equal"

    def _block_weights(self, z, x, names):
        k = z.shape[1]
        return np.full(k, 1.0 / k), {}


class CombinedWeights(_ObjectiveWeights):
    """Combination of several objective weightings.

    Parameters
    ----------
    methods : sequence of weighting objects
        E.g. ``[EntropyWeights(), CriticWeights()]``; their scope and shift are
        overridden by this object's so the combination is on one standardisation.
    how : {"multiplicative", "mean"}
        ``w ∝ Π_m w_m`` normalised within the subsystem, or the mean of the weights.
    """

    method = "combined"

    def __init__(self, methods: Sequence[_ObjectiveWeights], how: Literal["multiplicative", "mean"] = "multiplicative", **kwargs):
        super().__init__(**kwargs)
        methods = list(methods)
        if len(methods) < 2:
            raise ValueError("CombinedWeights needs at least two weighting methods")
        bad = [m for m in methods if not isinstance(m, _ObjectiveWeights) or isinstance(m, CombinedWeights)]
        if bad:
            raise ValueError(f"CombinedWeights takes weighting objects such as EntropyWeights(); got {bad}")
        if how not in ("multiplicative", "mean"):
            raise ValueError(f"how must be 'multiplicative' or 'mean', got {how!r}")
        self.methods = methods
        self.how = how

    def _setting_notes(self) -> list[str]:
        differ = [
            f"{type(m).__name__}(scope={m.scope!r}, shift={m.shift:g})"
            for m in self.methods
            if (m.scope, m.shift) != (self.scope, self.shift)
        ]
        if not differ:
            return []
        return [
            f"combined weights use one standardisation (scope={self.scope!r}, shift={self.shift:g}); "
            f"the settings of {', '.join(differ)} were not used"
        ]

    def _block_weights(self, z, x, names):
        parts = np.vstack([m._block_weights(z, x, names)[0] for m in self.methods])
        if self.how == "multiplicative":
            raw = parts.prod(axis=0)
            if raw.sum() <= 0:
                raise ValueError(f"multiplicative combination undefined for {names}: a method gives all-zero weights")
            w = raw / raw.sum()
        else:
            w = parts.mean(axis=0)
        return w, {f"w_{m.method}": parts[i] for i, m in enumerate(self.methods)}


class SubsystemScores(Result):
    """Weights, standardised indicators and composite scores U per subsystem.

    Attributes
    ----------
    weights : DataFrame
        indicator, subsystem, dimension, direction, method diagnostics (entropy
        ``entropy`` and ``d``; CRITIC ``sd``, ``conflict``, ``information``; CV
        ``mean``, ``sd``, ``cv``) and weight; a period column when ``scope="period"``.
    dimension_weights : DataFrame
        Sum of indicator weights per subsystem and dimension (the usual
        "weights by dimension" table of a study).
    standardized : DataFrame
        Min-max standardised indicators ``z`` (before the shift), (region, period) rows.
    scores : DataFrame
        (region, period) × subsystem composite scores U in [0, 1].
    """

    _table_names = ("scores", "weights", "dimension_weights")

    def __init__(self, *, weights, standardized, scores, method, scope, shift, notes):
        self._weights = weights
        self._standardized = standardized
        self._scores = scores
        self.method = method
        self.scope = scope
        self.shift = shift
        self._notes = list(notes)
        self._freeze()

    weights = copied("_weights")

    standardized = copied("_standardized")

    scores = copied("_scores")

    @property
    def table(self) -> pd.DataFrame:
        return self.scores

    @property
    def subsystems(self) -> list[str]:
        return list(self._scores.columns)

    @property
    def dimension_weights(self) -> pd.DataFrame:
        keys = ([PERIOD] if PERIOD in self._weights.columns else []) + ["subsystem", "dimension"]
        out = self._weights.groupby(keys, sort=False)["weight"].sum().reset_index()
        out["indicators"] = self._weights.groupby(keys, sort=False)["indicator"].agg(", ".join).to_numpy()
        return out

    def U(self, subsystem: str) -> pd.Series:
        """The composite score of one subsystem as a region × period Series."""
        if subsystem not in self._scores.columns:
            raise KeyError(f"unknown subsystem {subsystem!r}; subsystems: {self.subsystems}")
        return self._scores[subsystem].rename(f"U_{subsystem}")

    def summary(self) -> str:
        head = f"Subsystem scores ({self.method} weights, scope={self.scope}, shift={self.shift})"
        lines = [head, "=" * len(head)]
        lines += [f"note: {n}" for n in self.notes]
        with pd.option_context("display.width", 120, "display.max_rows", 200):
            lines.append(self.weights.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
            lines.append("")
            lines.append(self._scores.groupby(PERIOD).mean().to_string(float_format=lambda v: f"{v:.4f}"))
        return "\n".join(lines)

    def plot(self, kind: Literal["weights", "scores"] = "scores"):
        """Mean U per subsystem over time (``"scores"``) or the weight of each indicator (``"weights"``)."""
        import matplotlib
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4))
        if kind == "scores":
            self._scores.groupby(PERIOD).mean().plot(ax=ax, marker="o")
            ax.set_ylabel("mean composite score U")
            ax.set_title(f"Subsystem scores ({self.method} weights)")
        elif kind == "weights":
            w = self._weights if PERIOD not in self._weights.columns else self._weights.groupby(["indicator", "subsystem"], sort=False)["weight"].mean().reset_index()
            colors = matplotlib.colormaps["tab10"](pd.factorize(w["subsystem"])[0] % 10)
            ax.barh(w["indicator"], w["weight"], color=colors)
            ax.invert_yaxis()
            ax.set_xlabel("weight within subsystem")
            ax.set_title(f"Indicator weights ({self.method})")
        else:
            raise ValueError(f"kind must be 'scores' or 'weights', got {kind!r}")
        fig.tight_layout()
        return fig


def _frame_from(data: pd.DataFrame) -> pd.DataFrame:
    """A user's DataFrame indexed by (region, period), checked the way a Panel is."""
    if not isinstance(data, pd.DataFrame) or not isinstance(data.index, pd.MultiIndex) or data.index.nlevels != 2:
        raise TypeError("expected a Panel or a DataFrame indexed by (region, period); use sc.read_panel(...)")
    return Panel(data.rename(columns=str)).data


def _require_complete(x: pd.DataFrame) -> None:
    bad = ~np.isfinite(x.to_numpy(dtype=float))
    if bad.any():
        cells = [(x.index[i][0], x.index[i][1], x.columns[j]) for i, j in zip(*np.nonzero(bad), strict=True)]
        raise ValueError(
            f"missing or infinite values in indicators at (region, period, indicator) {_preview(cells)}; "
            "fill gaps with panel.interpolate() (reported on the panel) before weighting"
        )


def _note_unbalanced(index: pd.MultiIndex, scope: Scope, notes: list[str]) -> None:
    absent = len(missing_cells(index))
    if absent:
        m = "the rows present" if scope == "period" else f"m = {len(index)} rows (not N·T = {len(index) + absent})"
        notes.append(f"unbalanced panel: {absent} region-period(s) absent; the scope uses {m}")


def _require_block_sizes(index: pd.MultiIndex, scope: Scope) -> None:
    for key, rows in _scope_blocks(index, scope).items():
        if len(rows) < 2:
            where = "the panel" if scope == "pooled" else f"period {_plain(key)!r}"
            raise ValueError(
                f"{where} has {len(rows)} row(s); min-max standardisation and weights need at least 2 "
                f"(scope={scope!r}: use scope='pooled' or more regions)"
            )


def _scope_blocks(index: pd.MultiIndex, scope: Scope) -> dict[object, np.ndarray]:
    """Row positions of each scope block: all rows, or the rows of each period."""
    if scope == "pooled":
        return {"pooled": np.arange(len(index))}
    periods = index.get_level_values(PERIOD)
    codes, uniques = pd.factorize(periods, sort=True)
    return {uniques[k]: np.flatnonzero(codes == k) for k in range(len(uniques))}


def _minmax(x: np.ndarray, direction: np.ndarray) -> np.ndarray:
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = hi - lo
    return np.where(direction > 0, (x - lo) / span, (hi - x) / span)

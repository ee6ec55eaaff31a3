"""Objective weights and subsystem scores.

Indicators are standardised by min-max over the scope's rows (``scope="pooled"``:
all region-periods; ``scope="period"``: the regions of one period):

- positive indicator ``z = (x - min) / (max - min)``; negative ``z = (max - x) / (max - min)``;
- ``z' = z + shift`` (default 1e-4) so that ``ln p`` is defined.

Weights are computed per subsystem and sum to 1 within it:

- entropy: ``p = z' / Σ z'``, ``e_j = -(1/ln m) Σ p ln p`` over the scope's ``m`` rows,
  ``d_j = 1 - e_j``, ``w_j = d_j / Σ d`` (pooled: the "entropy method with time variable");
- coefficient of variation: ``w ∝ sd / mean`` of the raw indicator, for
  ratio-scale data only (no negative values);
- CRITIC (Diakoulaki et al. 1995): ``w ∝ σ_j Σ_k (1 - r_jk)`` on the standardised data;
- equal: ``1 / k``;
- given (subjective, e.g. AHP): the weights carried by the indicator system,
  ``w_j = g_j / Σ_{k ∈ s} g_k`` within the subsystem ``s``;
- combined: ``w ∝ Π_m w_m`` (multiplicative) or the mean of the methods' weights;
  with a given weighting among the methods this is the usual subjective-objective
  combination.

The composite score of a subsystem is ``U_s = Σ_j w_j z_j`` on the un-shifted
``z`` (``score_on="shifted"`` uses ``z'``), so ``U`` lies in [0, 1].

No library offers these weighting schemes for panels with per-subsystem and
per-period scopes, so they are written here, vectorised over indicators.

Settings go to the constructor (declared once as parameter constraints and checked again by
``fit``), data to ``fit``: ``EntropyWeights(scope="period").fit(panel, system)``. This module was
``spatialcoupling.weighting`` in 0.1; that import path still works.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from ._aliases import in_region_order
from ._params import InstanceOf, Interval, Model, Options
from ._results import Result, copied
from ._series import PERIOD, _plain, _preview, missing_cells
from .indicators import IndicatorSystem
from .panel import Panel

__all__ = [
    "CVWeights",
    "CombinedWeights",
    "CriticWeights",
    "EntropyWeights",
    "EqualWeights",
    "GivenWeights",
    "Scope",
    "SubsystemScores",
]

Scope = Literal["pooled", "period", "period_minmax"]

#: the settings every weighting method shares
_COMMON_CONSTRAINTS: dict[str, list[Any]] = {
    "normalize": [Options("minmax")],
    "scope": [Options("pooled", "period")],
    "shift": [Interval(float, 0, None)],
    "constant": [Options("error", "drop")],
    "score_on": [Options("raw", "shifted")],
}


class _ObjectiveWeights(Model):
    """Shared settings, validation and fitting of objective weighting methods."""

    _parameter_constraints = _COMMON_CONSTRAINTS
    method: str = ""
    #: whether the method uses the given (subjective) weights of the indicator system
    uses_given: bool = False

    def __init__(
        self,
        normalize: Literal["minmax"] = "minmax",
        scope: Scope = "pooled",
        shift: float = 1e-4,
        *,
        constant: Literal["error", "drop"] = "error",
        score_on: Literal["raw", "shifted"] = "raw",
    ):
        self.normalize = normalize
        self.scope = scope
        self.shift = shift
        self.constant = constant
        self.score_on = score_on
        self._validate_params()
        self.shift = float(shift)

    def _setting_notes(self) -> list[str]:
        return []

    # subclasses: weights and diagnostics for one subsystem in one scope block; ``given`` holds
    # the given weights of ``names`` for methods that use them (None otherwise)
    def _block_weights(
        self, z: np.ndarray, x: np.ndarray, names: list[str], given: np.ndarray | None = None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        raise NotImplementedError

    def _check_data(self, x: pd.DataFrame) -> None:
        """Refuse data the method is not defined for (subclasses)."""

    def _given(
        self, system: IndicatorSystem, table: pd.DataFrame, notes: list[str], stacklevel: int = 3
    ) -> pd.Series | None:
        """The given weights to use (None), noting and warning when the system's are left unused."""
        weights = system.weights
        if weights is None or not weights.notna().any():
            return None
        note = (
            f"the indicator system carries given weights for {int(weights.notna().sum())} indicator(s); "
            f"{type(self).__name__} computed its weights from the data and did not use them. Use GivenWeights() to "
            "use them, or CombinedWeights([GivenWeights(), EntropyWeights()]) to combine them with objective weights"
        )
        notes.append(note)
        warnings.warn(note, UserWarning, stacklevel=stacklevel)
        return None

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
        self._validate_params()
        data = panel.data if isinstance(panel, Panel) else _frame_from(panel)
        system.check_columns(data)
        table = system.table
        x = data[system.indicators].astype(float)
        _require_complete(x)
        notes: list[str] = self._setting_notes()
        std_scope = _standardising_scope(self.scope)
        _note_unbalanced(x.index, std_scope, notes)
        _require_block_sizes(x.index, std_scope)
        x, table = self._handle_constant(x, table, notes)
        self._check_data(x)
        given = self._given(system, table, notes)
        notes[:0] = [f"indicator system: {n}" for n in system.notes]
        blocks = _scope_blocks(x.index, std_scope)
        direction = table.set_index("indicator")["direction"].reindex(x.columns).to_numpy()
        # numpy arrays throughout the loops: one column copy per subsystem, none per period
        x_values = x.to_numpy()
        z_values = np.empty_like(x_values)
        for rows in blocks.values():
            z_values[rows] = _minmax(x_values if len(blocks) == 1 else x_values[rows], direction)
        zs_values = z_values + float(self.shift)
        z = pd.DataFrame(z_values, index=x.index, columns=x.columns)
        codes = pd.factorize(x.index.get_level_values(PERIOD), sort=True)[0]
        weight_rows = []
        score_names = list(dict.fromkeys(table["subsystem"]))
        score_values = np.empty((len(x), len(score_names)))
        weight_blocks = _scope_blocks(x.index, "pooled") if self.scope == "period_minmax" else blocks
        for subsystem, sub in table.groupby("subsystem", sort=False):
            names = list(sub["indicator"])
            cols = _columns_of(x.columns, names)
            g = None if given is None else given.reindex(names).to_numpy(dtype=float)
            zs_sub, x_sub = zs_values[:, cols], x_values[:, cols]
            basis_sub = zs_sub if self.score_on == "shifted" else z_values[:, cols]
            target = score_names.index(subsystem)
            for key, rows in weight_blocks.items():
                whole = len(weight_blocks) == 1  # one block holds every row: no row selection
                zs_rows = zs_sub if whole else zs_sub[rows]
                if self.scope == "period_minmax":
                    w, diag = self._period_minmax_weights(zs_rows, codes if whole else codes[rows], names)
                else:
                    w, diag = self._block_weights(zs_rows, x_sub if whole else x_sub[rows], names, g)
                if whole:
                    score_values[:, target] = basis_sub @ w
                else:
                    score_values[rows, target] = basis_sub[rows] @ w
                columns: dict[str, Any] = {
                    c: sub[c].to_numpy() for c in ("indicator", "subsystem", "dimension", "direction")
                }
                columns.update(diag)
                columns["weight"] = w
                if self.scope == "period":
                    columns = {PERIOD: [key] * len(w), **columns}
                weight_rows.append(pd.DataFrame(columns))
        if self.score_on == "raw":
            # U is a convex combination of values in [0, 1]: remove floating-point excess (< 1e-12) only
            excess = (score_values - 1.0).max()
            if excess > 1e-12:  # pragma: no cover - would be a bug, not rounding
                raise RuntimeError(f"subsystem score exceeds 1 by {excess}")
            np.clip(score_values, 0.0, 1.0, out=score_values)
        scores = pd.DataFrame(score_values, index=x.index, columns=score_names)
        if self.score_on != "raw":
            notes.append(f"score_on='shifted': U = Σ w (z + shift) lies in [{self.shift:g}, {1 + self.shift:g}]")
        weights = pd.concat(weight_rows, ignore_index=True)
        weights["direction"] = np.where(weights["direction"] > 0, "+", "-")
        return SubsystemScores(
            weights=weights,
            standardized=z,
            scores=scores,
            method=self.method,
            scope=self.scope,
            shift=float(self.shift),
            notes=notes,
        )

    def _period_minmax_weights(self, z: np.ndarray, codes: np.ndarray, names: list[str]) -> tuple[np.ndarray, dict]:
        raise ValueError(f"scope='period_minmax' is a scope of EntropyWeights only, not of {type(self).__name__}")

    def _handle_constant(
        self, x: pd.DataFrame, table: pd.DataFrame, notes: list[str]
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        blocks = _scope_blocks(x.index, _standardising_scope(self.scope))
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
            f"{ind!r}" + ("" if self.scope == "pooled" else f" in period(s) {_preview(keys, 5)}")
            for ind, keys in constant.items()
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

    Settings go to the constructor (checked again by ``fit``), data to ``fit``:
    ``EntropyWeights(scope="period").fit(panel, system)``; the same holds for every
    weighting class of this module.

    Parameters
    ----------
    normalize : {"minmax"}
        Standardisation (min-max with direction).
    scope : {"pooled", "period", "period_minmax"}
        Which published variant of the entropy method:

        - ``"pooled"``: the entropy method "with time variable" (Yang Li et al.'s panel
          form): min-max over all ``m = N·T`` region-periods, ``p_ij = z'_ij / Σ z'``
          over them, ``k = 1 / ln(N·T)``, one weight per indicator;
        - ``"period"``: the cross-section entropy method applied to each period alone
          (min-max, ``p`` and ``k = 1 / ln N`` within the period); one weight per
          indicator and period (the weights table then has a period column);
        - ``"period_minmax"``: the service–manufacturing study's recipe (its Formulas
          4–7): min-max within each year (``x_min,jt``, ``x_max,jt``), ``p_ijt = z'_ijt /
          Σ_i z'_ijt`` within the year, ``k = 1 / ln I`` (``I`` regions), and one pooled
          weight per indicator: ``e_j = (1/T) Σ_t e_jt`` with ``e_jt = -k Σ_i p_ijt ln
          p_ijt``, ``d_j = 1 - e_j``, ``w_j = d_j / Σ d``. The paper prints ``e_j = -k Σ_t
          Σ_i p ln p`` with ``k = 1/ln I``; summed over ``T`` years that lies in ``[0, T]``
          and makes ``d_j`` negative for ``T ≥ 2``, so the yearly entropies are averaged
          (equivalently ``w_j ∝ Σ_t (1 - e_jt)``). Scores use the yearly standardised
          values (Formula 8). ``I`` is the number of regions in each year.
    shift : float
        Added to standardised values before taking logs (default 1e-4).
    constant : {"error", "drop"}
        A constant indicator in the scope raises an error naming it, or is dropped
        and reported in ``.notes``.
    score_on : {"raw", "shifted"}
        Score on the un-shifted ``z`` (default) or on ``z + shift``.

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> from spatialcoupling.datasets.simulate import china_demo_system
    >>> panel = sc.read_panel(sc.datasets.load("china_demo")).interpolate()
    >>> scores = EntropyWeights(scope="pooled").fit(panel, china_demo_system())
    >>> scores.weights.groupby("subsystem", sort=False)["weight"].sum().round(12).tolist()
    [1.0, 1.0]
    >>> list(scores.scores.columns)
    ['MS', 'AM']
    """

    method = "entropy"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **_COMMON_CONSTRAINTS,
        "scope": [Options("pooled", "period", "period_minmax")],
    }

    def _period_minmax_weights(self, z: np.ndarray, codes: np.ndarray, names: list[str]) -> tuple[np.ndarray, dict]:
        """One weight per indicator from yearly entropies (``scope="period_minmax"``, see the class)."""
        n_periods = int(codes.max()) + 1
        totals = np.zeros((n_periods, z.shape[1]))
        np.add.at(totals, codes, z)
        sizes = np.bincount(codes, minlength=n_periods)
        p = z / totals[codes]
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(p > 0, p * np.log(p), 0.0)
        sums = np.zeros((n_periods, z.shape[1]))
        np.add.at(sums, codes, plogp)
        e_t = -sums / np.log(sizes)[:, None]
        e = e_t.mean(axis=0)
        d = 1.0 - e
        if d.sum() <= 0:
            raise ValueError(
                f"entropy weights undefined: every indicator of {names} has maximal entropy in every period"
            )
        return d / d.sum(), {"entropy": e, "d": d}

    def _block_weights(self, z, x, names, given=None):
        m = z.shape[0]
        if m < 2:
            raise ValueError("entropy weights need at least two rows in each scope block")
        p = z / z.sum(axis=0)
        if p.min() > 0:  # the usual case (a positive shift): a plain log, much faster than a masked one
            logp = np.log(p)
        else:
            logp = np.zeros_like(p)
            np.log(p, out=logp, where=p > 0)  # p ln p = 0 at p = 0
        e = -(p * logp).sum(axis=0) / np.log(m)
        d = 1.0 - e
        if d.sum() <= 0:
            raise ValueError(f"entropy weights undefined: every indicator of {names} has maximal entropy")
        return d / d.sum(), {"entropy": e, "d": d}


def _columns_of(columns: pd.Index, names: list[str]) -> slice | list[int]:
    """Positions of ``names`` in ``columns``: a slice (selecting a view, not a copy) when they are
    consecutive and in order, else the list of positions."""
    cols = [columns.get_loc(n) for n in names]
    if cols == list(range(cols[0], cols[0] + len(cols))):
        return slice(cols[0], cols[0] + len(cols))
    return cols


class CVWeights(_ObjectiveWeights):
    """Coefficient-of-variation weights: ``w ∝ sd / mean`` of the raw indicators.

    Parameters are those of :class:`EntropyWeights`; the standardisation only
    matters for the scores.

    Notes
    -----
    The coefficient of variation is meaningful for ratio-scale data, where 0
    means "none" (output, counts, shares): it compares spreads relative to the
    level. For data that can be negative (growth rates, balances, standardised
    scores) the mean can be near 0 and ``sd / mean`` arbitrarily large, so a single
    indicator would take almost all the weight. The rule: an indicator with any
    negative value is refused (the error names it, with its minimum); with
    non-negative values the mean is positive unless the indicator is constant,
    which is refused (or dropped) as for every method. Use
    :class:`CriticWeights` or :class:`EntropyWeights`, which work on the min-max
    standardised data, for such indicators.
    """

    method = "cv"

    def _check_data(self, x):
        values = x.to_numpy(dtype=float)
        low = values.min(axis=0)
        bad = np.flatnonzero(low < 0)
        if bad.size:
            at = values[:, bad].argmin(axis=0)
            detail = "; ".join(
                f"{x.columns[j]!r} (min {low[j]:g} at {_plain(x.index[i])!r}, "
                f"{int((values[:, j] < 0).sum())} negative value(s))"
                for j, i in zip(bad[:10], at[:10], strict=False)
            )
            raise ValueError(
                f"CV weights need ratio-scale data without negative values (sd / mean is meaningless when the mean "
                f"can be near 0); negative values in indicator(s) {detail}. Use CriticWeights() or EntropyWeights(), "
                "which weight the min-max standardised data, or remove these indicators from the system"
            )

    def _block_weights(self, z, x, names, given=None):
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

    def _block_weights(self, z, x, names, given=None):
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

    def _block_weights(self, z, x, names, given=None):
        k = z.shape[1]
        return np.full(k, 1.0 / k), {}


class GivenWeights(_ObjectiveWeights):
    """Given (subjective) weights, e.g. from AHP or an expert survey.

    The weights come from the indicator system (a ``weight`` column of its table,
    or ``{direction = "+", weight = 0.3}`` in TOML; see
    :attr:`IndicatorSystem.weights <spatialcoupling.indicators.IndicatorSystem.weights>`)
    or from ``weights=``. Within each subsystem ``s`` they are normalised,
    ``w_j = g_j / Σ_{k ∈ s} g_k``; when a subsystem's given weights did not sum to 1
    (e.g. global AHP weights over all indicators) a note gives the sum. The
    indicators are standardised as for the objective methods, and the scores are
    ``U_s = Σ w_j z_j``.

    Parameters
    ----------
    weights : mapping or Series indicator -> weight, optional
        Use these instead of the system's weights (they must cover every indicator).
    normalize, scope, shift, constant, score_on
        As for :class:`EntropyWeights`; here ``scope`` only sets the standardisation
        (the weights are the same in every period) and ``constant="drop"`` removes a
        constant indicator and renormalises the others' weights.

    Raises
    ------
    ValueError
        In ``fit``: no given weights, indicators without a weight (named), a
        subsystem whose given weights are all 0 (named).

    Examples
    --------
    >>> system = IndicatorSystem.from_frame(table_with_weight_column)     # doctest: +SKIP
    >>> scores = GivenWeights().fit(panel, system)                         # doctest: +SKIP
    >>> CombinedWeights([GivenWeights(), EntropyWeights()]).fit(panel, system)  # doctest: +SKIP
    """

    method = "given"
    uses_given = True
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **_COMMON_CONSTRAINTS,
        "weights": [None, InstanceOf((Mapping, pd.Series), "a mapping or Series indicator -> weight")],
    }

    def __init__(
        self,
        weights: Mapping[str, float] | pd.Series | None = None,
        normalize: Literal["minmax"] = "minmax",
        scope: Scope = "pooled",
        shift: float = 1e-4,
        *,
        constant: Literal["error", "drop"] = "error",
        score_on: Literal["raw", "shifted"] = "raw",
    ):
        self.weights = weights
        super().__init__(normalize, scope, shift, constant=constant, score_on=score_on)
        self.weights = _given_weights(weights)

    def __repr__(self) -> str:
        source = "system" if self.weights is None else f"{len(self.weights)} given"
        return f"GivenWeights(weights={source}, scope={self.scope!r})"

    def _given(self, system, table, notes, stacklevel=3):
        own = _given_weights(self.weights)
        if own is not None:
            given = own
            if system.weights is not None and system.weights.notna().any():
                notes.append(
                    "given weights: weights= of GivenWeights used instead of the indicator system's weight column"
                )
        else:
            given = system.weights
            if given is None or not given.notna().any():
                raise ValueError(
                    "GivenWeights: the indicator system carries no given weights; add a 'weight' column to the "
                    "indicator table (or weight = ... in TOML), or pass GivenWeights(weights={indicator: weight})"
                )
        given = given.reindex(table["indicator"])
        lacking = list(given.index[given.isna()])
        if lacking:
            raise ValueError(
                f"GivenWeights: no given weight for indicator(s) {_preview(lacking)}; give every indicator of the "
                "system a weight (0 to leave one out)"
            )
        sums = given.groupby(table.set_index("indicator")["subsystem"], sort=False).sum()
        zero = list(sums.index[sums <= 0])
        if zero:
            raise ValueError(
                f"GivenWeights: the given weights of subsystem(s) {zero} are all 0; give them positive weights"
            )
        off = sums[~np.isclose(sums, 1.0, rtol=0, atol=1e-9)]
        if len(off):
            detail = ", ".join(f"{k!r}: {v:.6g}" for k, v in off.items())
            notes.append(f"given weights normalised to sum to 1 within each subsystem (they summed to {detail})")
        return given

    def _block_weights(self, z, x, names, given=None):
        if given is None:  # pragma: no cover - fit always passes them
            raise RuntimeError("GivenWeights needs the given weights")
        return given / given.sum(), {"given": given}


class CombinedWeights(_ObjectiveWeights):
    """Combination of several objective weightings.

    Parameters
    ----------
    methods : sequence of weighting objects
        E.g. ``[EntropyWeights(), CriticWeights()]``, or ``[GivenWeights(),
        EntropyWeights()]`` to combine given (subjective, e.g. AHP) weights with
        objective ones; at most one :class:`GivenWeights`. Their scope and shift are
        overridden by this object's so the combination is on one standardisation.
    how : {"multiplicative", "mean"}
        ``w ∝ Π_m w_m`` normalised within the subsystem, or the mean of the weights.
    """

    method = "combined"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **_COMMON_CONSTRAINTS,
        "methods": [InstanceOf(list, "a list of weighting objects such as [EntropyWeights(), CriticWeights()]")],
        "how": [Options("multiplicative", "mean")],
    }

    def __init__(
        self,
        methods: Sequence[_ObjectiveWeights],
        how: Literal["multiplicative", "mean"] = "multiplicative",
        normalize: Literal["minmax"] = "minmax",
        scope: Scope = "pooled",
        shift: float = 1e-4,
        *,
        constant: Literal["error", "drop"] = "error",
        score_on: Literal["raw", "shifted"] = "raw",
    ):
        self.methods = list(methods)
        self.how = how
        super().__init__(normalize, scope, shift, constant=constant, score_on=score_on)

    def _validate_params(self) -> None:
        super()._validate_params()
        methods = self.methods
        if len(methods) < 2:
            raise ValueError("CombinedWeights needs at least two weighting methods")
        bad = [m for m in methods if not isinstance(m, _ObjectiveWeights) or isinstance(m, CombinedWeights)]
        if bad:
            raise ValueError(f"CombinedWeights takes weighting objects such as EntropyWeights(); got {bad}")
        if sum(isinstance(m, GivenWeights) for m in methods) > 1:
            raise ValueError("CombinedWeights takes at most one GivenWeights; merge the given weights into one")
        for m in methods:
            m._validate_params()

    @property
    def uses_given(self) -> bool:  # type: ignore[override]
        """Whether one of the methods uses the given weights of the indicator system."""
        return any(m.uses_given for m in self.methods)

    def _check_data(self, x):
        for m in self.methods:
            m._check_data(x)

    def _given(self, system, table, notes, stacklevel=3):
        for m in self.methods:
            if isinstance(m, GivenWeights):
                return m._given(system, table, notes)
        return super()._given(system, table, notes, stacklevel=stacklevel + 1)

    def _setting_notes(self) -> list[str]:
        differ = [
            f"{type(m).__name__}(scope={m.scope!r}, shift={m.shift:g})"
            for m in self.methods
            if (m.scope, m.shift) != (self.scope, self.shift)
        ]
        if not differ:
            return []
        return [
            (
                f"combined weights use one standardisation (scope={self.scope!r}, shift={self.shift:g}); "
                f"the settings of {', '.join(differ)} were not used"
            )
        ]

    def _block_weights(self, z, x, names, given=None):
        parts = np.vstack([m._block_weights(z, x, names, given)[0] for m in self.methods])
        if self.how == "multiplicative":
            raw = parts.prod(axis=0)
            if raw.sum() <= 0:
                raise ValueError(f"multiplicative combination undefined for {names}: a method gives all-zero weights")
            w = raw / raw.sum()
        else:
            w = parts.mean(axis=0)
        return w, {f"w_{m.method}": parts[i] for i, m in enumerate(self.methods)}


def _given_weights(weights: Mapping[str, float] | pd.Series | None) -> pd.Series | None:
    """Given weights as a float Series indicator -> weight (None when not given), checked.

    Raises
    ------
    ValueError
        Weights that are not finite numbers >= 0, named with their values.
    """
    if weights is None:
        return None
    series = pd.Series(weights, dtype=object) if not isinstance(weights, pd.Series) else weights.copy()
    series.index = series.index.map(str)
    numeric = pd.to_numeric(series, errors="coerce").astype(float)
    bad = series.index[~(np.isfinite(numeric) & (numeric >= 0))]
    if len(bad):
        raise ValueError(
            "GivenWeights: weights must be finite numbers >= 0; got "
            f"{', '.join(f'{i!r}: {series[i]!r}' for i in bad[:10])}"
        )
    return numeric.rename("weight")


class SubsystemScores(Result):
    """Weights, standardised indicators and composite scores U per subsystem.

    Attributes
    ----------
    weights : DataFrame
        indicator, subsystem, dimension, direction, method diagnostics (entropy
        ``entropy`` and ``d``; CRITIC ``sd``, ``conflict``, ``information``; CV
        ``mean``, ``sd``, ``cv``; given ``given``, the weight as given; combined
        ``w_<method>``) and weight; a period column when ``scope="period"``.
    dimension_weights : DataFrame
        Sum of indicator weights per subsystem and dimension (the usual
        "weights by dimension" table of a study).
    standardized : DataFrame
        Min-max standardised indicators ``z`` (before the shift), (region, period) rows.
    scores : DataFrame
        (region, period) × subsystem composite scores U in [0, 1].

    The (region, period) tables list China's provinces in yearbook order
    (:func:`spatialcoupling.regions.region_order`), other regions in the panel's order.
    """

    _table_names = ("scores", "weights", "dimension_weights")

    def __init__(self, *, weights, standardized, scores, method, scope, shift, notes):
        self._weights = weights
        self._standardized = in_region_order(standardized)
        self._scores = in_region_order(scores)
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

    def score_of(self, subsystem: str) -> pd.Series:
        """The composite score U of one subsystem as a region × period Series named ``U_<subsystem>``.

        ``.scores`` holds every subsystem's U as the columns of one frame.

        Raises
        ------
        KeyError
            An unknown subsystem (the subsystems are listed).
        """
        if subsystem not in self._scores.columns:
            raise KeyError(f"unknown subsystem {subsystem!r}; subsystems: {self.subsystems}")
        return self._scores[subsystem].rename(f"U_{subsystem}")

    def U(self, subsystem: str) -> pd.Series:
        """Deprecated: use :meth:`score_of` (one subsystem) or ``.scores`` (every subsystem).

        ``U`` is kept as a method so that 0.1's ``scores.U("MS")`` keeps working; it is not a
        property like ``CouplingResult.D`` because one name cannot be both without confusion.
        """
        warnings.warn(
            f"SubsystemScores.U is deprecated: use scores.score_of({subsystem!r}) for one subsystem or "
            "scores.scores for every subsystem",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.score_of(subsystem)

    def summary(self) -> str:
        head = f"Subsystem scores ({self.method} weights, scope={self.scope}, shift={self.shift})"
        lines = [head, "=" * len(head)]
        lines += [f"note: {n}" for n in self.notes]
        with pd.option_context("display.width", 120, "display.max_rows", 200):
            lines.append(self.weights.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
            lines.append("")
            lines.append(self._scores.groupby(PERIOD).mean().to_string(float_format=lambda v: f"{v:.4f}"))
        return "\n".join(lines)

    def plot(self, kind: Literal["weights", "scores"] = "scores", *, ax: Any = None, language: str = "en"):
        """Mean U per subsystem over time (``"scores"``) or the weight of each indicator,
        coloured by subsystem with a legend (``"weights"``; with ``scope="period"`` the mean
        weight over the periods).

        Returns
        -------
        matplotlib.figure.Figure
        """
        from .plotting import scores as charts

        if kind == "scores":
            return charts.mean_scores_chart(self._scores.groupby(PERIOD).mean(), self.method, ax=ax, language=language)
        if kind == "weights":
            return charts.indicator_weights_chart(self.weights, self.method, ax=ax, language=language)
        raise ValueError(f"kind must be 'scores' or 'weights', got {kind!r}")


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


def _standardising_scope(scope: Scope) -> Scope:
    """The blocks min-max runs over: the periods for ``"period"`` and ``"period_minmax"``."""
    return "period" if scope == "period_minmax" else scope


def _scope_blocks(index: pd.MultiIndex, scope: Scope) -> dict[object, np.ndarray]:
    """Row positions of each scope block: all rows, or the rows of each period."""
    if scope == "pooled":
        return {"pooled": np.arange(len(index))}
    periods = index.get_level_values(PERIOD)
    codes, uniques = pd.factorize(periods, sort=True)
    return {uniques[k]: np.flatnonzero(codes == k) for k in range(len(uniques))}


def _minmax(x: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """``(x − min) / span`` for positive indicators, ``(max − x) / span`` for negative ones."""
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = hi - lo
    positive = direction > 0
    if positive.all():  # one expression, not both evaluated everywhere
        return (x - lo) / span
    out = (hi - x) / span
    out[:, positive] = (x[:, positive] - lo[positive]) / span[positive]
    return out

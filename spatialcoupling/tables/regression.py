"""Regression tables as esttab and xsmle print them: models side by side.

Each model is a :class:`ModelColumn`: a name, a coefficient frame (term × ``coef``, ``std_error``,
``p_value``, optionally ``statistic``, ``ci_lower``, ``ci_upper`` and ``block``) and footer
statistics. :func:`regression_table` puts models in columns:

- every coefficient with significance stars (``*`` p < 0.1, ``**`` p < 0.05, ``***`` p < 0.01 by
  default, configurable) and, in the row under it, in parentheses, its standard error (or its t/z
  statistic, its p-value, or its 95% interval in brackets);
- rows in blocks as xsmle prints them: ``Main`` (the regressors), ``Wx`` (their spatial lags
  ``W_<x>``, shown under the regressor's name), ``Spatial`` (ρ, λ), ``Variance`` (σ²), and for
  beta convergence ``Convergence`` (speed, half-life; no stars); impacts in ``Direct``,
  ``Indirect`` and ``Total``;
- a footer: model, fixed/random effects rows (``Region FE: Yes``), Lee–Yu, N, regions, periods,
  R² where the caller gives it, log-likelihood, AIC, BIC.

The adapters :meth:`ModelColumn.from_spatial_panel`, :meth:`ModelColumn.from_panel_ols`,
:meth:`ModelColumn.from_beta`, :meth:`ModelColumn.from_impacts` and :func:`beta_columns` read only
public attributes of the package's results (duck typing: this module imports no analysis module).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._format import format_cell, format_number, format_p, is_missing, star_levels, stars
from .table import PaperTable

__all__ = [
    "BLOCK_ORDER",
    "FOOTER_ORDER",
    "ModelColumn",
    "beta_columns",
    "block_of",
    "impacts_table",
    "regression_table",
]

#: order of the coefficient blocks; blocks not listed follow in order of appearance
BLOCK_ORDER = ("Main", "Wx", "Spatial", "Variance", "Direct", "Indirect", "Total", "Convergence")
#: order of the footer rows; other statistics follow in order of appearance
FOOTER_ORDER = (
    "Model",
    "Region FE",
    "Year FE",
    "Region RE",
    "Lee–Yu",
    "N",
    "Regions",
    "Periods",
    "R² (within)",
    "R²",
    "Log-likelihood",
    "AIC",
    "BIC",
)
FOOTER = "Statistics"
#: printed names of spatial and variance parameters
TERM_LABELS = {
    "rho": "ρ",
    "lambda": "λ",
    "sigma2": "σ²",
    "phi": "φ",
    "const": "Constant",
    "half_life": "Half-life",
    "speed": "Speed",
}
_SPATIAL = {"rho", "lambda"}
_VARIANCE = {"sigma2", "sigma2_e", "sigma_e", "sigma2_u", "sigma_u", "phi", "theta"}
_BELOW = ("std_error", "statistic", "p_value", "ci", None)
_EFFECT_ROWS = {
    "individual": ("Yes", "No", "No"),
    "time": ("No", "Yes", "No"),
    "twoway": ("Yes", "Yes", "No"),
    "none": ("No", "No", "No"),
    "pooled": ("No", "No", "No"),
    "random": ("No", "No", "Yes"),
}


def block_of(term: str) -> tuple[str, str]:
    """The block of a term and the name it is printed under: ``W_x`` → (``Wx``, ``x``), ``rho`` →
    (``Spatial``, ``rho``), ``sigma2`` → (``Variance``, ``sigma2``), others → (``Main``, term).

    Examples
    --------
    >>> block_of("W_ln_y"), block_of("lambda"), block_of("gov_share")
    (('Wx', 'ln_y'), ('Spatial', 'lambda'), ('Main', 'gov_share'))
    """
    term = str(term)
    if term.startswith("W_") and len(term) > 2:
        return "Wx", term[2:]
    if term in _SPATIAL:
        return "Spatial", term
    if term in _VARIANCE:
        return "Variance", term
    return "Main", term


def _effect_stats(effects: Any) -> dict[str, str]:
    rows = _EFFECT_ROWS.get(str(effects))
    if rows is None:
        return {}
    out = {"Region FE": rows[0], "Year FE": rows[1]}
    if rows[2] == "Yes":
        out["Region RE"] = "Yes"
    return out


@dataclass(frozen=True)
class ModelColumn:
    """One model of a regression table.

    Parameters
    ----------
    name : str
        Column header (``"SDM"``, ``"East"``, ``"(1)"``).
    coefficients : DataFrame
        One row per term (index): ``coef``, ``std_error``, ``p_value`` and optionally
        ``statistic`` (t or z), ``ci_lower``, ``ci_upper``, ``block``. Without ``block`` the block
        follows the term's name (:func:`block_of`). An index of two levels is read as
        ``(block, term)``.
    stats : mapping
        Footer rows, e.g. ``{"N": 435, "Region FE": "Yes", "Log-likelihood": 812.3}``.
    group : str
        Spanner over the column (e.g. ``"Conditional"``); columns with the same group are joined.
    statistic : str
        Name of the test statistic (``"z"`` for maximum likelihood, ``"t"`` for least squares).
    notes : sequence of str
        Notes printed under the table (e.g. why a group could not be estimated).

    Examples
    --------
    >>> coef = pd.DataFrame({"coef": [-0.45, 0.11], "std_error": [0.03, 0.07], "p_value": [1e-9, 0.12]},
    ...                     index=["ln_y", "rho"])
    >>> m = ModelColumn("SAR", coef, {"N": 435})
    >>> m.frame()[["block", "term"]].values.tolist()
    [['Main', 'ln_y'], ['Spatial', 'rho']]
    """

    name: str
    coefficients: pd.DataFrame
    stats: Mapping[str, Any] = field(default_factory=dict)
    group: str = ""
    statistic: str = "z"
    notes: Sequence[str] = ()

    def __post_init__(self) -> None:
        frame = self.coefficients
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"model {self.name!r}: coefficients must be a DataFrame, got {type(frame).__name__}")
        missing = [c for c in ("coef", "std_error", "p_value") if c not in frame.columns]
        if missing:
            raise ValueError(
                f"model {self.name!r}: the coefficient frame lacks column(s) {missing}; it has "
                f"{list(frame.columns)} (rename e.g. 'estimate' to 'coef')"
            )
        object.__setattr__(self, "coefficients", frame.copy())
        object.__setattr__(self, "stats", dict(self.stats))
        object.__setattr__(self, "notes", tuple(self.notes))

    def frame(self) -> pd.DataFrame:
        """The coefficients with ``block`` and ``term`` columns (one row per term, in order)."""
        frame = self.coefficients.copy()
        if frame.index.nlevels == 2:
            blocks = frame.index.get_level_values(0).astype(str)
            terms = frame.index.get_level_values(1).astype(str)
        else:
            pairs = [block_of(t) for t in frame.index]
            blocks = pd.Index([p[0] for p in pairs])
            terms = pd.Index([p[1] for p in pairs])
            if "block" in frame.columns:
                given = frame["block"].astype(object)
                keep = given.notna().to_numpy()
                blocks = pd.Index(np.where(keep, given.astype(str), blocks))
                terms = pd.Index(np.where(keep, frame.index.astype(str), terms))
        out = frame.drop(columns=["block"], errors="ignore").reset_index(drop=True)
        out.insert(0, "term", terms.to_numpy())
        out.insert(0, "block", blocks.to_numpy())
        duplicated = out.duplicated(["block", "term"])
        if duplicated.any():
            twice = out.loc[duplicated, ["block", "term"]].values.tolist()
            raise ValueError(
                f"model {self.name!r}: terms {twice} appear twice in their block; give them distinct names"
            )
        return out

    # -- adapters -------------------------------------------------------------------------------
    @classmethod
    def from_spatial_panel(
        cls, result: Any, name: str | None = None, *, group: str = "", stats: Mapping[str, Any] | None = None
    ) -> ModelColumn:
        """A column from a spatial panel fit: its ``table`` (coef, std_error, z, p_value, ci_lower,
        ci_upper), σ² in the Variance block, and a footer from ``model``, ``effects``,
        ``lee_yu_applied``, ``nobs``, ``n_regions``, ``n_periods``, ``loglik``, ``aic``, ``bic``."""
        table = result.table.rename(columns={"z": "statistic"})
        sigma2 = getattr(result, "sigma2", None)
        if sigma2 is not None and "sigma2" not in table.index:
            row = pd.DataFrame({"coef": [float(sigma2)]}, index=pd.Index(["sigma2"], name=table.index.name))
            table = pd.concat([table, row])
        model = str(getattr(result, "model", "")).upper()
        footer: dict[str, Any] = {"Model": model, **_effect_stats(getattr(result, "effects", None))}
        if hasattr(result, "lee_yu_applied"):
            footer["Lee–Yu"] = "Yes" if result.lee_yu_applied else "No"
        footer.update(_counts(result))
        for key, attr in (("Log-likelihood", "loglik"), ("AIC", "aic"), ("BIC", "bic")):
            value = getattr(result, attr, None)
            if value is not None:
                footer[key] = float(value)
        footer.update(stats or {})
        return cls(name or model, table, footer, group=group, statistic="z")

    @classmethod
    def from_panel_ols(
        cls, fit: Any, name: str | None = None, *, group: str = "", stats: Mapping[str, Any] | None = None
    ) -> ModelColumn:
        """A column from a least-squares panel fit (``params``, ``std_errors``, ``tstats``,
        ``pvalues``, ``dof``, ``sigma2``, ``nobs``, ``model``, ``effects``, ``resid``); 95% intervals
        from the t distribution with ``dof`` degrees of freedom."""
        from scipy import stats as st

        params = fit.params
        se = fit.std_errors.reindex(params.index)
        half = float(st.t.ppf(0.975, fit.dof)) * se if getattr(fit, "dof", None) else 1.959964 * se
        table = pd.DataFrame(
            {
                "coef": params,
                "std_error": se,
                "statistic": fit.tstats.reindex(params.index),
                "p_value": fit.pvalues.reindex(params.index),
                "ci_lower": params - half,
                "ci_upper": params + half,
            }
        )
        if getattr(fit, "sigma2", None) is not None:
            table = pd.concat([table, pd.DataFrame({"coef": [float(fit.sigma2)]}, index=["sigma2"])])
        model = str(getattr(fit, "model", "ols")).upper()
        footer: dict[str, Any] = {"Model": model, **_effect_stats(getattr(fit, "effects", None))}
        footer.update(_counts(fit))
        footer.update(stats or {})
        return cls(name or model, table, footer, group=group, statistic="t")

    @classmethod
    def from_beta(
        cls, result: Any, name: str | None = None, *, group: str = "", stats: Mapping[str, Any] | None = None
    ) -> ModelColumn:
        """A column from a beta-convergence result: the coefficients of its underlying fit
        (``detail``), its speed and half-life (with standard errors, no stars) in a Convergence
        block. A result whose ``detail`` is None (a group that could not be estimated) gives an
        empty column and its ``reason`` as a note."""
        detail = getattr(result, "detail", None)
        label = name or str(getattr(result, "model", "model")).upper()
        if detail is None:
            reason = getattr(result, "reason", None) or "not estimable"
            empty = pd.DataFrame(columns=["coef", "std_error", "p_value"], dtype=float)
            return cls(
                label,
                empty,
                {"Model": str(getattr(result, "model", "")).upper(), **(stats or {})},
                group=group,
                notes=(f"{label}: {reason}",),
            )
        if hasattr(detail, "loglik") and hasattr(detail, "table"):
            base = cls.from_spatial_panel(detail, label, group=group, stats=stats)
        else:
            base = cls.from_panel_ols(detail, label, group=group, stats=stats)
        rows = pd.DataFrame(
            {
                "coef": [getattr(result, "speed", np.nan), getattr(result, "half_life", np.nan)],
                "std_error": [getattr(result, "speed_se", np.nan), getattr(result, "half_life_se", np.nan)],
                "p_value": [np.nan, np.nan],
                "block": ["Convergence", "Convergence"],
            },
            index=["speed", "half_life"],
        )
        coefficients = pd.concat([base.coefficients, rows])
        footer = dict(base.stats)
        if str(getattr(result, "model", "")).startswith("ols (Barro"):
            footer["Model"] = "OLS (cross-section)"
        return cls(label, coefficients, footer, group=group, statistic=base.statistic, notes=base.notes)

    @classmethod
    def from_impacts(
        cls, impacts: Any, name: str, *, group: str = "", stats: Mapping[str, Any] | None = None
    ) -> ModelColumn:
        """A column of direct, indirect and total effects: a frame indexed by (variable, effect)
        with ``estimate``, ``std_error``, ``z``, ``p_value`` (``ci_lower``, ``ci_upper``), or a
        result whose ``impacts`` (or whose ``detail.impacts``, every regressor of a beta
        convergence fit) is such a frame."""
        frame = impacts
        if not isinstance(frame, pd.DataFrame):
            detail = getattr(impacts, "detail", None)
            source = detail if getattr(detail, "impacts", None) is not None else impacts
            frame = getattr(source, "impacts", None)
            if frame is None:
                raise ValueError(
                    f"model {name!r}: the result has no impacts (they exist for SAR, SDM, SAC, SLX "
                    "and SDEM fits with draws > 0)"
                )
        if frame.index.nlevels != 2:
            raise ValueError(
                f"model {name!r}: impacts must be indexed by (variable, effect); got {frame.index.nlevels} level(s)"
            )
        variables = frame.index.get_level_values(0).astype(str)
        effects = frame.index.get_level_values(1).astype(str).str.capitalize()
        table = frame.rename(columns={"estimate": "coef", "z": "statistic"}).copy()
        table.index = pd.MultiIndex.from_arrays([effects, variables], names=["block", "term"])
        return cls(name, table, dict(stats or {}), group=group, statistic="z")


def _counts(fit: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    nobs = getattr(fit, "nobs", None)
    if nobs is not None:
        out["N"] = int(nobs)
    regions = getattr(fit, "n_regions", None)
    periods = getattr(fit, "n_periods", None)
    resid = getattr(fit, "resid", None)
    index = getattr(resid, "index", None)
    if (regions is None or periods is None) and isinstance(index, pd.MultiIndex):
        regions = regions if regions is not None else index.get_level_values(0).nunique()
        periods = periods if periods is not None else index.get_level_values(1).nunique()
    if regions is not None:
        out["Regions"] = int(regions)
    if periods is not None:
        out["Periods"] = int(periods)
    return out


def beta_columns(result: Any, *, name: str = "All regions", group: str = "") -> list[ModelColumn]:
    """The overall fit of a beta-convergence result and one column per region group
    (``by_group``), in that order (groups not estimable give empty columns with the reason)."""
    columns = [ModelColumn.from_beta(result, name, group=group)]
    for label, res in getattr(result, "by_group", {}).items():
        columns.append(ModelColumn.from_beta(res, str(label), group=group))
    return columns


# -- the table -------------------------------------------------------------------------------------
def _below_text(row: pd.Series, below: str | None, decimals: int) -> str:
    if below is None:
        return ""
    if below == "ci":
        lo, hi = row.get("ci_lower", np.nan), row.get("ci_upper", np.nan)
        if is_missing(lo) or is_missing(hi):
            return ""
        return f"[{format_number(lo, decimals)}, {format_number(hi, decimals)}]"
    if below == "statistic":
        value = row.get("statistic", np.nan)
        if is_missing(value):
            coef, se = row.get("coef", np.nan), row.get("std_error", np.nan)
            value = coef / se if not (is_missing(coef) or is_missing(se)) and se > 0 else np.nan
        text = format_number(value, 2)
    elif below == "p_value":
        text = format_p(row.get("p_value", np.nan), decimals)
    else:
        text = format_number(row.get("std_error", np.nan), decimals)
    return f"({text})" if text else ""


def _order(values: Sequence[str], preferred: Sequence[str]) -> list[str]:
    seen = list(dict.fromkeys(values))
    first = [v for v in preferred if v in seen]
    return first + [v for v in seen if v not in first]


def _unique_names(models: Sequence[ModelColumn]) -> list[str]:
    keys = [(m.group, m.name) for m in models]
    if len(set(keys)) == len(keys):
        return [m.name for m in models]
    return [f"({i + 1}) {m.name}" for i, m in enumerate(models)]


def regression_table(
    models: Sequence[ModelColumn],
    *,
    below: str | None = "std_error",
    stars: Mapping[float, str] | Sequence[float] | bool | None = True,
    decimals: int = 3,
    labels: Mapping[str, str] | None = None,
    order: Sequence[str] | None = None,
    footer: Sequence[str] | None = None,
    caption: str = "",
    name: str = "regression",
    notes: Sequence[str] = (),
) -> PaperTable:
    """Models side by side: coefficients with stars, standard errors under them, a footer.

    Parameters
    ----------
    models : sequence of ModelColumn
    below : {"std_error", "statistic", "p_value", "ci", None}
        What the row under each coefficient shows: the standard error, the t/z statistic, the
        p-value (in parentheses) or the 95% interval (in brackets); None for no second row.
    stars : bool, sequence of levels or mapping level → mark
        Significance marks (default * 0.1, ** 0.05, *** 0.01); False for none.
    decimals : int
        Decimals of coefficients, standard errors and footer numbers (statistics get 2).
    labels : mapping, optional
        Printed names of terms (``{"ln_y": "ln D"}``) and blocks; ρ, λ, σ² are named by default.
    order : sequence of str, optional
        Terms to put first within their block (the others follow in order of appearance).
    footer : sequence of str, optional
        The footer rows to show, in order (default: every statistic any model has, in
        :data:`FOOTER_ORDER`).
    caption, name : str
        Caption and short name of the table.
    notes : sequence of str
        Notes added after the automatic ones (significance levels, what is in parentheses).

    Returns
    -------
    PaperTable
        Rows keyed by (block, term, statistic) with statistic ``coef`` or what ``below`` shows,
        then the footer rows (block ``Statistics``); one text column per model.

    Raises
    ------
    ValueError
        No models, or an unknown ``below`` (named).
    """
    if not models:
        raise ValueError("regression_table needs at least one ModelColumn")
    if below not in _BELOW:
        raise ValueError(f"below must be one of {', '.join(map(repr, _BELOW))}; got {below!r}")
    levels = star_levels(stars)
    names = {**TERM_LABELS, **(labels or {})}
    frames = [m.frame() for m in models]
    blocks = _order([b for f in frames for b in f["block"]], BLOCK_ORDER)
    below_name = {"std_error": "se", "statistic": "stat", "p_value": "p", "ci": "ci"}.get(below or "", "")
    keys: list[tuple[str, str, str]] = []
    columns: list[list[str]] = [[] for _ in models]
    for block in blocks:
        terms = _order([t for f in frames for t in f.loc[f["block"] == block, "term"]], order or ())
        if "const" in terms and "const" not in (order or ()):  # the constant last, as esttab prints it
            terms = [t for t in terms if t != "const"] + ["const"]
        for term in terms:
            shown = names.get(term, term)
            coefs, belows = [], []
            for f in frames:
                hit = f[(f["block"] == block) & (f["term"] == term)]
                if hit.empty:
                    coefs.append("")
                    belows.append("")
                    continue
                row = hit.iloc[0]
                coef = format_number(row["coef"], decimals)
                coefs.append(coef + (stars_for(row, levels) if coef else ""))
                belows.append(_below_text(row, below, decimals))
            keys.append((names.get(block, block), shown, "coef"))
            for m, text in enumerate(coefs):
                columns[m].append(text)
            if below is not None and any(belows):  # no empty row under a term without standard errors (σ²)
                keys.append((names.get(block, block), shown, below_name))
                for m, text in enumerate(belows):
                    columns[m].append(text)
    stat_rows = list(footer) if footer is not None else _order([k for m in models for k in m.stats], FOOTER_ORDER)
    for key in stat_rows:
        keys.append((FOOTER, str(key), "value"))
        for m, model in enumerate(models):
            value = model.stats.get(key, "")
            kind = "integer" if isinstance(value, int | np.integer) and not isinstance(value, bool) else "number"
            columns[m].append(format_cell(value, kind, decimals))
    index = pd.MultiIndex.from_tuples(keys, names=["block", "term", "statistic"])
    headers = _unique_names(models)
    if any(m.group for m in models):
        col_index: pd.Index = pd.MultiIndex.from_arrays([[m.group for m in models], headers])
    else:
        col_index = pd.Index(headers, dtype=object)
    body = pd.DataFrame(dict(enumerate(columns)), index=index)
    body.columns = col_index
    auto = _notes(models, below, levels)
    return PaperTable(
        body,
        caption=caption,
        name=name,
        notes=(*auto, *notes),
        kinds=dict.fromkeys(body.columns, "text"),
        decimals=decimals,
        panel="block",
        unlabelled_panels=(FOOTER,),
        hidden=("statistic",),
        key_labels={"term": ""},
    )


def stars_for(row: pd.Series, levels: Sequence[tuple[float, str]]) -> str:
    """The stars of a coefficient row (none without a p-value)."""
    return stars(row.get("p_value", np.nan), levels)


def _notes(models: Sequence[ModelColumn], below: str | None, levels: Sequence[tuple[float, str]]) -> list[str]:
    kinds = sorted({m.statistic for m in models})
    what = {
        "std_error": "Standard errors in parentheses.",
        "statistic": f"{' or '.join(kinds)} statistics in parentheses.",
        "p_value": "p-values in parentheses.",
        "ci": "95% confidence intervals in brackets.",
    }.get(below or "", "")
    out = [what] if what else []
    if levels:
        out.append(", ".join(f"{mark} p < {level:g}" for level, mark in levels) + ".")
    if len(kinds) > 1 or kinds == ["t"]:
        out.append(
            "p-values from the t distribution for least squares (OLS, FE) and from the normal distribution "
            "for maximum likelihood."
        )
    for m in models:
        out += list(m.notes)
    return out


def impacts_table(
    models: Sequence[ModelColumn], *, caption: str = "", name: str = "impacts", **kwargs: Any
) -> PaperTable:
    """Direct, indirect and total effects of every regressor, models side by side (columns made
    with :meth:`ModelColumn.from_impacts`); the options of :func:`regression_table`."""
    notes = (*kwargs.pop("notes", ()), "Direct, indirect and total effects as LeSage & Pace (2009) define them.")
    return regression_table(models, caption=caption, name=name, notes=notes, **kwargs)

"""Sentences of interpretation under the results of a study, generated from their numbers.

Each function takes the plain table of a result and returns sentences that say no more than
the numbers do: a count of significant periods, not "strong clustering"; a share averaged over
periods, not a trend; a sign with its p-value. Significance is read at a fixed level (5% unless
given) and the level is always named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "beta_sentences",
    "dagum_sentences",
    "lisa_sentences",
    "moran_sentences",
    "percent",
    "sigma_sentences",
]


def percent(value: float, decimals: int = 0) -> str:
    """``0.804`` -> ``"80%"``."""
    return f"{100 * value:.{decimals}f}%"


def _level(alpha: float) -> str:
    return f"{100 * alpha:g}%"


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def moran_significant(table: pd.DataFrame, alpha: float = 0.05, column: str = "p_sim") -> tuple[int, int, int]:
    """(periods with I > 0 and p <= alpha, periods with I < 0 and p <= alpha, periods) of a Moran table."""
    p = table[column if column in table.columns else "p_norm"].to_numpy(float)
    i = table["I"].to_numpy(float)
    sig = p <= alpha
    return int(np.sum(sig & (i > 0))), int(np.sum(sig & (i < 0))), len(table)


def moran_sentences(table: pd.DataFrame, alpha: float = 0.05) -> list[str]:
    """What the global Moran's I per period says: sign and the count of significant periods.

    Significance by the permutation pseudo p-value (``p_sim``) when the table has it.
    """
    pos, neg, n = moran_significant(table, alpha)
    test = "permutation pseudo p-value" if "p_sim" in table.columns else "normal approximation"
    i = table["I"].to_numpy(float)
    lo, hi = float(np.min(i)), float(np.max(i))
    if pos == 0 and neg == 0:
        return [
            (
                f"Global Moran's I of D ranges from {lo:.3f} to {hi:.3f} and is not significant at {_level(alpha)} in "
                f"any of the {n} periods ({test}): the data show no evidence of global spatial autocorrelation of D."
            )
        ]
    parts = []
    if pos:
        parts.append(f"positive and significant at {_level(alpha)} in {pos} of {n} periods")
    if neg:
        parts.append(f"negative and significant at {_level(alpha)} in {neg} of {n} periods")
    rest = n - pos - neg
    tail = f"; not significant in the other {rest}" if rest else ""
    return [f"Global Moran's I of D (from {lo:.3f} to {hi:.3f}) is {' and '.join(parts)}{tail} ({test})."]


def lisa_sentences(
    moran: pd.DataFrame | None, counts: pd.DataFrame, n_regions: int, alpha: float, adjust: str | None
) -> list[str]:
    """The warning to read before the LISA maps, and the count of significant regions.

    When the global Moran's I is significant in no period the maps are preceded by saying so;
    without an adjustment for multiple testing, about ``alpha`` of the regions are expected to
    be significant by chance in each period.
    """
    out = []
    if moran is not None:
        pos, neg, n = moran_significant(moran, alpha)
        if pos + neg == 0:
            out.append(
                f"Global Moran's I is not significant at {_level(alpha)} in any of the {n} periods: the "
                "local clusters below should not be read as a spatial pattern of D."
            )
    clusters = [c for c in ("HH", "LL", "LH", "HL") if c in counts.columns]
    if clusters:
        significant = counts[clusters].sum(axis=1)
        out.append(
            f"Regions in a significant cluster (HH, LL, LH, HL) per mapped period: from {int(significant.min())} "
            f"to {int(significant.max())} of {n_regions}."
        )
    if not adjust or adjust == "none":
        expected = alpha * n_regions
        out.append(
            f"Each region is tested once per period ({n_regions} tests) without an adjustment for multiple "
            f"testing: about {expected:.1f} regions per period are expected to be significant at "
            f'{_level(alpha)} by chance alone (set lisa.adjust = "fdr" to control the false discovery rate).'
        )
    return out


def dagum_sentences(table: pd.DataFrame) -> list[str]:
    """The average contribution of the three Dagum components, and the range of G."""
    shares = {k: float(table[f"{k}_share"].mean()) for k in ("Gw", "Gnb", "Gt")}
    g = table["G"].to_numpy(float)
    first, last = table.index[0], table.index[-1]
    largest = max(shares, key=lambda k: shares[k])
    names = {"Gw": "within-group", "Gnb": "net between-group", "Gt": "transvariation"}
    return [
        (
            f"The overall Gini of D is {g[0]:.3f} in {first} and {g[-1]:.3f} in {last} "
            f"(range {g.min():.3f}–{g.max():.3f})."
        ),
        (
            f"On average over the {len(table)} periods the net between-group component contributes "
            f"{percent(shares['Gnb'])}, the within-group component {percent(shares['Gw'])} and transvariation "
            f"{percent(shares['Gt'])}; the largest source is the {names[largest]} component."
        ),
    ]


def sigma_sentences(trend: pd.DataFrame, measure: str, alpha: float = 0.05) -> list[str]:
    """The sign and significance of the trend of the dispersion (the overall row)."""
    row = trend.loc["overall"] if "overall" in trend.index else trend.iloc[0]
    slope, p = float(row["slope"]), float(row["p_value"])
    if p <= alpha:
        verdict = "falls over time: sigma convergence" if slope < 0 else "rises over time: sigma divergence"
        text = f"The {measure} of D {verdict} (slope {slope:.4f} per period, {_p_text(p)})."
    else:
        text = (
            f"The trend of the {measure} of D is not significant at {_level(alpha)} (slope {slope:.4f} per "
            f"period, {_p_text(p)}): no evidence of sigma convergence or divergence."
        )
    return [text]


def _total_ln_y(impacts: pd.DataFrame | None) -> tuple[float, float] | None:
    """(estimate, p) of the total effect of ln y in an impacts frame (by effect, or by (variable, effect))."""
    if impacts is None or len(impacts) == 0:
        return None
    frame = impacts
    if frame.index.nlevels == 2:
        if "ln_y" not in frame.index.get_level_values(0):
            return None
        frame = frame.xs("ln_y", level=0)
    if "total" not in frame.index:
        return None
    return float(frame.loc["total", "estimate"]), float(frame.loc["total", "p_value"])


def beta_sentences(results: Mapping[str, Any], alpha: float = 0.05) -> list[str]:
    """Sign and significance of β for each kind; the total effect of ln y of spatial models.

    ``results``: kind -> BetaResult (``beta``, ``p_value``, ``speed``, ``half_life``, ``impacts``).
    """
    out = []
    for kind, res in results.items():
        beta, p = float(res.beta), float(res.p_value)
        name = kind.capitalize()
        if not np.isfinite(beta):
            out.append(f"{name} β could not be estimated.")
            continue
        sign = "negative" if beta < 0 else "positive"
        total = _total_ln_y(getattr(res, "impacts", None))
        total_weak = total is not None and total[1] > alpha
        if p > alpha:
            out.append(
                f"{name} β = {beta:.4f} is {sign} but not significant at {_level(alpha)} ({_p_text(p)}): no "
                f"evidence of {kind} β convergence; the implied speed and half-life are not significant either."
            )
            continue
        text = f"{name} β = {beta:.4f} is {sign} and significant at {_level(alpha)} ({_p_text(p)})"
        if total_weak:
            est, p_total = total  # type: ignore[misc]
            out.append(text + ".")
            out.append(
                f"In the spatial model the total effect of ln D on growth ({est:.4f}, {_p_text(p_total)}) is "
                f"not significant at {_level(alpha)}: convergence is not established once the spillovers are "
                "counted, and the speed and half-life implied by it are not significant either."
            )
            continue
        text += ": D converges" if beta < 0 else ": D diverges"
        if beta < 0 and np.isfinite(res.speed):
            text += f", implied speed {res.speed:.4f} per period, half-life {res.half_life:.1f} periods"
        out.append(text + ".")
        if total is not None:
            out.append(
                f"The total effect of ln D (direct + indirect, {total[0]:.4f}, {_p_text(total[1])}) is "
                f"significant at {_level(alpha)}."
            )
    return out


def group_sentence(by_group: pd.DataFrame, value: str = "D") -> list[str]:
    """The groups with the highest and lowest mean of ``value`` in the last period
    (``by_group``: periods as rows, groups as columns)."""
    if by_group.shape[1] < 2 or by_group.empty:
        return []
    last = by_group.index[-1]
    col = by_group.iloc[-1].astype(float)
    return [
        (
            f"In {last} the mean {value} is highest in {col.idxmax()} ({col.max():.3f}) and lowest in "
            f"{col.idxmin()} ({col.min():.3f})."
        )
    ]


def count_sentence(counts: Mapping[str, int] | pd.Series, what: str, period: Any) -> list[str]:
    """``"In 2024: 5 hot spots, 3 cold spots, 21 not significant."``"""
    items = [f"{int(v)} {k}" for k, v in dict(counts).items()]
    return [f"In {period}: {', '.join(items)} ({what})."] if items else []


def listing(values: Sequence[Any], limit: int = 5) -> str:
    """``a, b, c`` (and ``… (n more)``)."""
    values = list(values)
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (f" … ({len(values) - limit} more)" if len(values) > limit else "")

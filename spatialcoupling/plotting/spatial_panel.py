"""Coefficient charts of spatial panel models: estimates with intervals, and the impacts.

Both functions take plain frames: a coefficient table with ``coef``, ``ci_lower`` and ``ci_upper``
columns indexed by term, and an impacts table indexed by (variable, effect) with ``estimate``,
``ci_lower`` and ``ci_upper``. Intervals that are missing (NaN) are drawn as points only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._base import check_language, font_kwargs, new_ax, set_title, tr, translate_text

__all__ = ["coefficient_plot", "impacts_plot", "interval_plot"]

EFFECT_ORDER = ("direct", "indirect", "total")
EFFECT_COLORS = {"direct": "#1f77b4", "indirect": "#ff7f0e", "total": "#2ca02c"}


def _require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs the column(s) {missing}; it has {list(frame.columns)}")


def interval_plot(
    ax: Any,
    labels: list[str],
    estimate: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    color: str = "#1f77b4",
    offset: float = 0.0,
    label: str | None = None,
) -> None:
    """Horizontal point estimates with interval bars, one row per label (first at the top)."""
    pos = np.arange(len(labels))[::-1] + offset
    low = np.where(np.isfinite(lower), estimate - lower, 0.0)
    high = np.where(np.isfinite(upper), upper - estimate, 0.0)
    ax.errorbar(
        estimate,
        pos,
        xerr=np.vstack([low, high]),
        fmt="o",
        ms=4,
        color=color,
        ecolor=color,
        elinewidth=1.2,
        capsize=2.5,
        label=label,
    )
    ax.set_yticks(np.arange(len(labels))[::-1])
    ax.set_yticklabels(labels, **font_kwargs(labels))
    ax.axvline(0.0, color="#555555", lw=0.7, ls=":")


def impacts_plot(
    impacts: pd.DataFrame,
    *,
    ax: Any = None,
    title: str | None = "Impacts (95% intervals)",
    figsize: tuple[float, float] = (5.5, 4.0),
    language: str = "en",
) -> Any:
    """Direct, indirect and total effects per variable with their 95% intervals.

    Parameters
    ----------
    impacts : DataFrame
        Indexed by (variable, effect) with ``estimate``, ``ci_lower``, ``ci_upper``.
    ax : matplotlib Axes, optional
    title : str, optional
    figsize : (float, float)

    Returns
    -------
    matplotlib.figure.Figure
    """
    _require(impacts, ("estimate", "ci_lower", "ci_upper"), "impacts_plot")
    check_language(language)
    fig, ax = new_ax(ax, figsize)
    variables = list(pd.unique(impacts.index.get_level_values(0)))
    effects = [e for e in EFFECT_ORDER if e in set(impacts.index.get_level_values(1))]
    step = 0.8 / max(len(effects), 1)
    for j, effect in enumerate(effects):
        part = impacts.xs(effect, level=1).reindex(variables)
        interval_plot(
            ax,
            [str(v) for v in variables],
            part["estimate"].to_numpy(float),
            part["ci_lower"].to_numpy(float),
            part["ci_upper"].to_numpy(float),
            color=EFFECT_COLORS[effect],
            offset=0.4 - step / 2 - j * step,
            label=tr(effect, language),
        )
    font = font_kwargs(["中"]) if language == "zh" else {}
    ax.legend(frameon=False, loc="best", prop={"size": 7, **({"family": font["fontfamily"]} if font else {})})
    xlabel = tr("effect", language)
    ax.set_xlabel(xlabel, **font_kwargs([xlabel]))
    if title:
        set_title(ax, title, language=language)
    return fig


def coefficient_plot(
    table: pd.DataFrame,
    impacts: pd.DataFrame | None = None,
    *,
    title: str | None = None,
    ax: Any = None,
    figsize: tuple[float, float] | None = None,
    language: str = "en",
) -> Any:
    """Coefficients with their 95% intervals; with ``impacts``, a second panel of the impacts.

    Parameters
    ----------
    table : DataFrame
        Indexed by term with ``coef``, ``ci_lower``, ``ci_upper``.
    impacts : DataFrame, optional
        Indexed by (variable, effect) with ``estimate``, ``ci_lower``, ``ci_upper``; ignored when
        ``ax`` is given.
    title : str, optional
        Figure title.
    ax : matplotlib Axes, optional
        Draw the coefficients on it.
    figsize : (float, float), optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    _require(table, ("coef", "ci_lower", "ci_upper"), "coefficient_plot")
    import matplotlib.pyplot as plt

    check_language(language)

    labels = [str(t) for t in table.index]
    shown = impacts if impacts is not None and ax is None and len(impacts) > 0 else None
    if ax is not None:
        fig, axes = ax.figure, [ax]
    elif shown is not None:
        height = max(3.0, 0.35 * max(len(labels), len(shown)) + 1.2)
        fig, pair = plt.subplots(1, 2, figsize=figsize or (10.0, height))
        axes = list(pair)
    else:
        fig, single = plt.subplots(figsize=figsize or (5.5, max(2.5, 0.35 * len(labels) + 1.2)))
        axes = [single]
    interval_plot(
        axes[0],
        labels,
        table["coef"].to_numpy(float),
        table["ci_lower"].to_numpy(float),
        table["ci_upper"].to_numpy(float),
    )
    xlabel = tr("coefficient (95% interval)", language)
    axes[0].set_xlabel(xlabel, **font_kwargs([xlabel]))
    set_title(axes[0], "Coefficients", language=language)
    if shown is not None:
        impacts_plot(shown, ax=axes[1], language=language)
    if title:
        text = translate_text(title, language)
        fig.suptitle(text, fontsize=11, **font_kwargs([text]))
    fig.tight_layout()
    return fig

"""Charts of indicator weights and subsystem scores, from the tables of a SubsystemScores result.

Every function takes plain frames and returns a matplotlib ``Figure``;
:meth:`SubsystemScores.plot` calls them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._series import PERIOD
from ._base import check_language, font_kwargs, legend, new_ax, set_title, tr, translate_text

__all__ = ["indicator_weights_chart", "mean_scores_chart", "subsystem_colors"]


def _label(setter: Any, text: str, language: str) -> None:
    shown = translate_text(text, language)
    setter(shown, **font_kwargs([shown]))


def _legend(ax: Any, language: str) -> None:
    """The axes' legend again, its labels translated, in a CJK font when needed."""
    handles, labels = ax.get_legend_handles_labels()
    labels = [translate_text(lab, language) for lab in labels]
    font = font_kwargs(labels + (["中"] if language == "zh" else []))
    prop = {"size": 8, "family": font["fontfamily"]} if font else {"size": 8}
    ax.legend(handles, labels, prop=prop)


def subsystem_colors(subsystems: pd.Series | list) -> dict[Any, str]:
    """One colour of matplotlib's ``tab10`` per subsystem, in order of first appearance."""
    import matplotlib
    from matplotlib.colors import to_hex

    names = list(dict.fromkeys(subsystems))
    cmap = matplotlib.colormaps["tab10"]
    return {name: to_hex(cmap(i % 10)) for i, name in enumerate(names)}


def mean_scores_chart(mean_scores: pd.DataFrame, method: str, *, ax: Any = None, language: str = "en") -> Any:
    """Mean composite score U of every subsystem over time.

    Parameters
    ----------
    mean_scores : DataFrame
        Periods (the index) × subsystems (the columns): the mean U of each period.
    method : str
        The weighting method, for the title.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_language(language)
    fig, ax = new_ax(ax, (7, 4))
    mean_scores.plot(ax=ax, marker="o")
    _label(ax.set_ylabel, "mean composite score U", language)
    _label(ax.set_xlabel, "Year", language)
    set_title(ax, f"Subsystem scores ({tr(method, language)} weights)", fontsize=12, language=language)
    _legend(ax, language)
    fig.tight_layout()
    return fig


def indicator_weights_chart(weights: pd.DataFrame, method: str, *, ax: Any = None, language: str = "en") -> Any:
    """Horizontal bars of the weight of every indicator, coloured by subsystem, with a legend
    that names the subsystem of each colour.

    Parameters
    ----------
    weights : DataFrame
        Columns ``indicator``, ``subsystem`` and ``weight`` (and ``period`` when the weights
        differ by period: the bars then show the mean weight over the periods).
    method : str
        The weighting method, for the title.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_language(language)
    n_bars = len(weights.drop_duplicates(["indicator", "subsystem"])) if PERIOD in weights.columns else len(weights)
    fig, ax = new_ax(ax, (7, max(4.0, 0.2 * n_bars + 1.4)))  # one readable row per indicator
    w = weights
    if PERIOD in w.columns:
        w = w.groupby(["indicator", "subsystem"], sort=False)["weight"].mean().reset_index()
    colors = subsystem_colors(w["subsystem"])
    names = [str(i) for i in w["indicator"]]
    ax.barh(range(len(names)), w["weight"], color=[colors[s] for s in w["subsystem"]])
    ax.set_yticks(range(len(names)), names, **font_kwargs(names))
    ax.invert_yaxis()
    xlabel = tr("weight within subsystem", language)
    if PERIOD in weights.columns:
        xlabel += f" ({tr('mean over periods', language)})"
    _label(ax.set_xlabel, xlabel, language)
    set_title(ax, f"Indicator weights ({tr(method, language)})", fontsize=12, language=language)
    legend(
        ax,
        [str(s) for s in colors],
        list(colors.values()),
        title=tr("subsystem", language),
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),  # right of the bars, never over them
    )
    fig.tight_layout()
    return fig

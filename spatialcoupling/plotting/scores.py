"""Charts of indicator weights and subsystem scores, from the tables of a SubsystemScores result.

Every function takes plain frames and returns a matplotlib ``Figure``;
:meth:`SubsystemScores.plot` calls them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._series import PERIOD
from ._base import font_kwargs, legend, new_ax

__all__ = ["indicator_weights_chart", "mean_scores_chart", "subsystem_colors"]


def subsystem_colors(subsystems: pd.Series | list) -> dict[Any, str]:
    """One colour of matplotlib's ``tab10`` per subsystem, in order of first appearance."""
    import matplotlib
    from matplotlib.colors import to_hex

    names = list(dict.fromkeys(subsystems))
    cmap = matplotlib.colormaps["tab10"]
    return {name: to_hex(cmap(i % 10)) for i, name in enumerate(names)}


def mean_scores_chart(mean_scores: pd.DataFrame, method: str, *, ax: Any = None) -> Any:
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
    fig, ax = new_ax(ax, (7, 4))
    mean_scores.plot(ax=ax, marker="o")
    ax.set_ylabel("mean composite score U")
    ax.set_title(f"Subsystem scores ({method} weights)")
    fig.tight_layout()
    return fig


def indicator_weights_chart(weights: pd.DataFrame, method: str, *, ax: Any = None) -> Any:
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
    fig, ax = new_ax(ax, (7, 4))
    w = weights
    if PERIOD in w.columns:
        w = w.groupby(["indicator", "subsystem"], sort=False)["weight"].mean().reset_index()
    colors = subsystem_colors(w["subsystem"])
    names = [str(i) for i in w["indicator"]]
    ax.barh(range(len(names)), w["weight"], color=[colors[s] for s in w["subsystem"]])
    ax.set_yticks(range(len(names)), names, **font_kwargs(names))
    ax.invert_yaxis()
    ax.set_xlabel("weight within subsystem" + (" (mean over periods)" if PERIOD in weights.columns else ""))
    ax.set_title(f"Indicator weights ({method})")
    legend(ax, [str(s) for s in colors], list(colors.values()), title="subsystem", loc="lower right")
    fig.tight_layout()
    return fig

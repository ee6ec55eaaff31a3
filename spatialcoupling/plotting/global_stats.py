"""A global statistic over time, from the per-period table of a global statistic.

The functions take the table (``GlobalMoranResult.table`` and the like: one row per period), the
name of the statistic's column, the p-value column and a caption string, never a result.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._base import caption as add_caption
from ._base import new_ax

__all__ = ["statistic_by_period"]


def statistic_by_period(
    table: pd.DataFrame,
    statistic: str,
    p: str | None = "p_sim",
    *,
    alpha: float = 0.05,
    caption: str | None = None,
    title: str | None = None,
    ax: Any = None,
    figsize: tuple[float, float] = (6, 3.5),
) -> Any:
    """The statistic per period as a line; filled markers where ``p <= alpha``.

    Parameters
    ----------
    table : DataFrame
        One row per period (the index labels the x axis).
    statistic : str
        The column to draw (e.g. ``"I"`` for Moran's I).
    p : str or None
        The p-value column deciding the filled markers; None draws the line only.
    alpha : float
        Significance level of the markers.
    caption, title : str, optional
        Settings line at the bottom and the title (default: ``<statistic> by period``).
    ax, figsize
        Axes to draw on, figure size.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        ``statistic`` or ``p`` is not a column of ``table`` (the columns are listed).

    Examples
    --------
    >>> import pandas as pd
    >>> tab = pd.DataFrame({"I": [0.31, 0.28, 0.12], "p_sim": [0.001, 0.004, 0.2]}, index=[2000, 2010, 2020])
    >>> fig = statistic_by_period(tab, "I", "p_sim")
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ['2000', '2010', '2020']
    """
    for column in (statistic, p):
        if column is not None and column not in table.columns:
            raise ValueError(f"table has no column {column!r}; columns: {list(table.columns)}")
    values = table[statistic].to_numpy()
    fig, ax = new_ax(ax, figsize)
    x = np.arange(len(table))
    ax.plot(x, values, color="#333333", linewidth=1.0)
    if p is not None:
        sig = (table[p] <= alpha).to_numpy()
        ax.scatter(x[sig], values[sig], color="#d62728", zorder=3, label=f"{p} <= {alpha}")
        ax.scatter(x[~sig], values[~sig], facecolors="white", edgecolors="#333333", zorder=3, label="not significant")
        ax.legend(fontsize=7, frameon=False)
    ax.set_xticks(x)
    ax.set_xticklabels([str(v) for v in table.index], rotation=45 if len(x) > 8 else 0, fontsize=7)
    ax.set_ylabel(statistic)
    ax.set_title(title if title is not None else f"{statistic} by period", fontsize=10)
    if caption:
        add_caption(fig, caption)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig

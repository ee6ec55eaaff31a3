"""A global statistic over time, from the per-period table of a global statistic.

The functions take the table (``GlobalMoranResult.table`` and the like: one row per period), the
name of the statistic's column, the p-value column and a caption string, never a result.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._base import caption as add_caption
from ._base import check_language, font_kwargs, new_ax, tr, translate_text

__all__ = ["statistic_by_period"]


#: readable names of the p-value columns in a legend
P_NAMES = {"p_sim": "pseudo p", "p_norm": "p (normal)", "p_rand": "p (randomisation)", "p_z_sim": "p (z of the draws)"}


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
    reference: str | None = None,
    label: str | None = None,
    max_ticks: int = 16,
    language: str = "en",
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
    reference : str, optional
        A column drawn as a dashed reference line (e.g. ``"EI"``, the expected Moran's I under
        no autocorrelation).
    label : str, optional
        A readable name of the statistic for the axis and the title (e.g. ``"Moran's I"``).
    max_ticks : int
        At most this many year labels on the x axis (every k-th year beyond it).
    language : {"en", "zh"}
        Language of the axis labels, legend, title and caption.

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
    check_language(language)
    for column in (statistic, p, reference):
        if column is not None and column not in table.columns:
            raise ValueError(f"table has no column {column!r}; columns: {list(table.columns)}")
    values = table[statistic].to_numpy()
    name = label or statistic
    fig, ax = new_ax(ax, figsize)
    x = np.arange(len(table))
    ax.plot(x, values, color="#333333", linewidth=1.0)
    if p is not None:
        sig = (table[p] <= alpha).to_numpy()
        shown_p = P_NAMES.get(p, p)
        ax.scatter(
            x[sig], values[sig], color="#d62728", zorder=3, label=translate_text(f"{shown_p} ≤ {alpha:g}", language)
        )
        ax.scatter(
            x[~sig],
            values[~sig],
            facecolors="white",
            edgecolors="#333333",
            zorder=3,
            label=tr("not significant", language),
        )
    if reference is not None:
        ref = tr("expected value E[I]", language) if reference == "EI" else f"E[{reference[1:]}]"
        ax.plot(x, table[reference].to_numpy(), color="#777777", linewidth=0.8, linestyle="--", label=ref, zorder=1)
    if p is not None or reference is not None:
        font = font_kwargs([tr("not significant", language)])
        prop = {"size": 7, "family": font["fontfamily"]} if font else None
        ax.legend(fontsize=7, frameon=False, loc="best", prop=prop)
    step = max(1, int(np.ceil(len(x) / max_ticks)))
    ax.set_xticks(x[::step])
    ax.set_xticklabels([str(v) for v in table.index[::step]], rotation=45 if len(x[::step]) > 8 else 0, fontsize=7)
    xlabel = tr("Year", language)
    ax.set_xlabel(xlabel, **font_kwargs([xlabel]))
    ax.set_ylabel(name)
    text = translate_text(title if title is not None else f"{name}, {tr('by year', language)}", language)
    ax.set_title(text, fontsize=10, **font_kwargs([text]))
    fig.tight_layout()
    if caption:
        add_caption(fig, caption, language)
    return fig

"""Charts of the coupling coordination degree, from the tables of a CouplingResult.

Every function takes plain frames and numbers and returns a matplotlib ``Figure``;
:meth:`CouplingResult.plot` calls them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ._base import check_language, font_kwargs, new_ax, set_title, tr, translate_text

__all__ = ["coupling_chart"]


def coupling_chart(
    means: pd.DataFrame | pd.Series,
    *,
    value: str = "D",
    model: str = "classic",
    grade_lines: Sequence[float] = (),
    ax: Any = None,
    language: str = "en",
) -> Any:
    """Mean coupling coordination degree over time, one line per column of ``means``.

    Parameters
    ----------
    means : DataFrame or Series
        Periods (the index) × groups (e.g. ``CouplingResult.by_group``, with its ``All``
        column), or one Series of means (its name is the legend label).
    value : str
        What the means are of (``"D"``, ``"C"``, ``"T"``), for the axis label.
    model : str
        The coupling model, for the title.
    grade_lines : sequence of float
        Grade bounds drawn as light grey horizontal lines.
    ax : matplotlib Axes, optional
    language : {"en", "zh"}
        Language of the title, axis labels and legend.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_language(language)
    fig, ax = new_ax(ax, (7, 4))
    if isinstance(means, pd.Series):
        means.plot(ax=ax, marker="o", label=str(means.name))
    else:
        means.plot(ax=ax, marker="o")
    for upper in grade_lines:
        ax.axhline(upper, color="0.8", lw=0.8, zorder=0)
    ylabel = f"{tr('coupling coordination degree', language)} {value}"
    ax.set_ylabel(ylabel, **font_kwargs([ylabel]))
    xlabel = tr("Year", language)
    ax.set_xlabel(xlabel, **font_kwargs([xlabel]))
    set_title(ax, f"Coupling coordination ({tr(model, language)} model)", fontsize=12, language=language)
    handles, labels = ax.get_legend_handles_labels()
    labels = [translate_text(lab, language) for lab in labels]
    font = font_kwargs(labels + (["中"] if language == "zh" else []))
    prop = {"size": 8, "family": font["fontfamily"]} if font else {"size": 8}
    if means.ndim > 1 and means.shape[1] > 4:  # many groups: the legend goes right of the axes, off the lines
        ax.legend(handles, labels, frameon=False, prop=prop, loc="center left", bbox_to_anchor=(1.01, 0.5))
    else:
        ax.legend(handles, labels, frameon=False, prop=prop)
    fig.tight_layout()
    return fig

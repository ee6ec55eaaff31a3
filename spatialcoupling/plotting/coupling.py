"""Charts of the coupling coordination degree, from the tables of a CouplingResult.

Every function takes plain frames and numbers and returns a matplotlib ``Figure``;
:meth:`CouplingResult.plot` calls them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ._base import new_ax

__all__ = ["coupling_chart"]


def coupling_chart(
    means: pd.DataFrame | pd.Series,
    *,
    value: str = "D",
    model: str = "classic",
    grade_lines: Sequence[float] = (),
    ax: Any = None,
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

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = new_ax(ax, (7, 4))
    if isinstance(means, pd.Series):
        means.plot(ax=ax, marker="o", label=str(means.name))
    else:
        means.plot(ax=ax, marker="o")
    for upper in grade_lines:
        ax.axhline(upper, color="0.8", lw=0.8, zorder=0)
    ax.set_ylabel(f"coupling coordination degree {value}")
    ax.set_title(f"Coupling coordination ({model} model)")
    if means.ndim > 1 and means.shape[1] > 4:  # many groups: the legend goes right of the axes, off the lines
        ax.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    else:
        ax.legend(frameon=False)
    fig.tight_layout()
    return fig

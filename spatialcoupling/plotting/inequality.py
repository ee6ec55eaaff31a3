"""Charts of inequality decompositions, from the tables of a Dagum or Theil result.

Every function takes plain frames (the result's ``table``, ``within`` and ``between``) and
returns a matplotlib ``Figure``; :meth:`DagumResult.plot` and :meth:`TheilResult.plot` call them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._series import PERIOD, _plain, _preview
from ._base import new_ax

__all__ = ["between_heatmap", "dagum_decomposition_chart", "theil_chart", "within_gini_chart"]

#: colours and legend names of the three parts of Dagum's decomposition
_PARTS = {
    "Gw_share": ("#4C72B0", "within (Gw)"),
    "Gnb_share": ("#DD8452", "net between (Gnb)"),
    "Gt_share": ("#55A868", "transvariation (Gt)"),
}


def _period_axis(ax: Any, periods: pd.Index) -> None:
    x = np.arange(len(periods))
    ax.set_xticks(x, [str(_plain(p)) for p in periods], rotation=45 if len(x) > 8 else 0)
    ax.set_xlabel(PERIOD)


def dagum_decomposition_chart(table: pd.DataFrame, *, ax: Any = None) -> Any:
    """Stacked shares of Gw, Gnb and Gt per period, with G on a second axis.

    Parameters
    ----------
    table : DataFrame
        One row per period (the index): ``G``, ``Gw_share``, ``Gnb_share``, ``Gt_share`` and,
        optionally, ``G_lower`` / ``G_upper`` (drawn as error bars).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = new_ax(ax, (8, 4.5))
    x = np.arange(len(table))
    bottom = np.zeros(len(table))
    for col, (color, name) in _PARTS.items():
        vals = 100 * table[col].fillna(0).to_numpy()
        ax.bar(x, vals, bottom=bottom, color=color, label=name, width=0.8)
        bottom += vals
    ax.set_ylabel("share of G (%)")
    ax.set_ylim(0, 100)
    ax2 = ax.twinx()
    if "G_lower" in table.columns:
        err = np.vstack([table["G"] - table["G_lower"], table["G_upper"] - table["G"]]).clip(min=0)
        ax2.errorbar(x, table["G"], yerr=err, color="black", marker="o", capsize=3, label="G (bootstrap interval)")
    else:
        ax2.plot(x, table["G"], color="black", marker="o", label="G")
    ax2.set_ylabel("overall Gini G")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, frameon=False, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4)
    ax.set_title("Dagum Gini decomposition", pad=24)
    _period_axis(ax, table.index)
    fig.tight_layout()
    return fig


def within_gini_chart(within: pd.DataFrame, periods: pd.Index, *, intervals: bool | None = None,
                      ax: Any = None) -> Any:
    """Each group's own Gini ``G_jj`` over time, with bootstrap bands when asked.

    Parameters
    ----------
    within : DataFrame
        ``(period, group)`` rows with ``G_jj`` and, optionally, ``G_jj_lower`` / ``G_jj_upper``.
    periods : Index
        The periods in the order of the horizontal axis.
    intervals : bool, optional
        Draw the bands (default: when there are at most 3 groups).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = new_ax(ax, (8, 4.5))
    w = within.reset_index()
    show_bands = intervals if intervals is not None else w["group"].nunique() <= 3
    pos = {p: i for i, p in enumerate(periods)}
    for group, sub in w.groupby("group", sort=False):
        xs = sub[PERIOD].map(pos).to_numpy()
        line = ax.plot(xs, sub["G_jj"], marker="o", ms=3, label=str(group))[0]
        if show_bands and "G_jj_lower" in sub.columns:
            ax.fill_between(xs, sub["G_jj_lower"], sub["G_jj_upper"], color=line.get_color(), alpha=0.12, lw=0)
    ax.set_ylabel("within-group Gini G_jj")
    ax.legend(frameon=False, fontsize=8, ncol=2)
    ax.set_title("Gini within groups")
    _period_axis(ax, pd.Index(periods))
    fig.tight_layout()
    return fig


def between_heatmap(within: pd.DataFrame, between: pd.DataFrame, period: Any, *, value: str = "G_jh",
                    ax: Any = None) -> Any:
    """Heatmap of a between-group term for one period, groups by rank, ``G_jj`` on the diagonal
    for ``G_jh``.

    Parameters
    ----------
    within : DataFrame
        ``(period, group)`` rows with ``rank`` and ``G_jj``.
    between : DataFrame
        ``(period, group_j, group_h)`` rows with ``value``.
    period
        The period to show.
    value : {"G_jh", "D_jh"}
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        Unknown ``value``; a period that is not in ``within`` (the periods are listed).
    """
    if value not in ("G_jh", "D_jh"):
        raise ValueError(f"value must be 'G_jh' or 'D_jh', got {value!r}")
    periods = within.index.get_level_values(PERIOD).unique()
    if period not in periods:
        raise ValueError(f"period {period!r} is not in the result; choose one of {_preview(periods)}")
    fig, ax = new_ax(ax, (6.5, 5.5))
    wi = within.xs(period, level=PERIOD).sort_values("rank")
    names = list(wi.index)
    k = len(names)
    mat = np.full((k, k), np.nan)
    at = {g: i for i, g in enumerate(names)}
    if value == "G_jh":
        mat[np.arange(k), np.arange(k)] = wi["G_jj"].to_numpy()
    if len(between):
        bt = between.xs(period, level=PERIOD)
        rows = np.array([at[g] for g in bt.index.get_level_values("group_j")], dtype=int)
        cols = np.array([at[g] for g in bt.index.get_level_values("group_h")], dtype=int)
        vals = bt[value].to_numpy(dtype=float)
        mat[rows, cols] = vals
        mat[cols, rows] = vals
    im = ax.imshow(mat, cmap="viridis")
    ax.set_xticks(range(k), [str(n) for n in names], rotation=45, ha="right")
    ax.set_yticks(range(k), [str(n) for n in names])
    finite = mat[np.isfinite(mat)]
    mid = (finite.min() + finite.max()) / 2 if finite.size else 0
    for i, j in zip(*np.nonzero(np.isfinite(mat)), strict=True):
        ax.text(j, i, f"{mat[i, j]:.3f}", ha="center", va="center", fontsize=7,
                color="white" if mat[i, j] < mid else "black")
    fig.colorbar(im, ax=ax, shrink=0.8, label=value + (" (diagonal: G_jj)" if value == "G_jh" else ""))
    ax.set_title(f"Between-group {value}, {_plain(period)}")
    fig.tight_layout()
    return fig


def theil_chart(table: pd.DataFrame, kind: str, *, ax: Any = None) -> Any:
    """A Theil index over time, stacked into within and between parts when the table has them.

    Parameters
    ----------
    table : DataFrame
        One row per period (the index): ``theil`` and, optionally, ``within`` and ``between``.
    kind : {"T", "L"}
        Which index, for the labels.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = new_ax(ax, (7, 4))
    x = np.arange(len(table))
    if "within" in table.columns:
        ax.stackplot(x, table["within"], table["between"], labels=["within", "between"], alpha=0.7)
    ax.plot(x, table["theil"], color="black", marker="o", label=f"Theil {kind}")
    _period_axis(ax, table.index)
    ax.set_ylabel(f"Theil {kind}")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig

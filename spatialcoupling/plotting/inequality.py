"""Charts of inequality decompositions, from the tables of a Dagum or Theil result.

Every function takes plain frames (the result's ``table``, ``within`` and ``between``) and
returns a matplotlib ``Figure``; :meth:`DagumResult.plot` and :meth:`TheilResult.plot` call them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._series import PERIOD, _plain, _preview
from ._base import check_language, font_kwargs, new_ax, tr

__all__ = ["between_gini_chart", "between_heatmap", "dagum_decomposition_chart", "theil_chart", "within_gini_chart"]

#: colours and legend names of the three parts of Dagum's decomposition
_PARTS = {
    "Gw_share": ("#4C72B0", "within (Gw)"),
    "Gnb_share": ("#DD8452", "net between (Gnb)"),
    "Gt_share": ("#55A868", "transvariation (Gt)"),
}


def _period_axis(ax: Any, periods: pd.Index, language: str = "en") -> None:
    x = np.arange(len(periods))
    ax.set_xticks(x, [str(_plain(p)) for p in periods], rotation=45 if len(x) > 8 else 0)
    _text(ax.set_xlabel, tr("Year", language))


def _text(setter: Any, text: str, **kwargs: Any) -> Any:
    """Call a matplotlib text setter with a CJK font when ``text`` needs one."""
    return setter(text, **kwargs, **font_kwargs([text]))


def _legend(ax: Any, *args: Any, **kwargs: Any) -> Any:
    labels = args[1] if len(args) > 1 else [h.get_label() for h in ax.get_legend_handles_labels()[0]]
    font = font_kwargs(list(map(str, labels)))
    if font:
        kwargs["prop"] = {"family": font["fontfamily"], "size": kwargs.pop("fontsize", 8)}
    return ax.legend(*args, **kwargs)


def dagum_decomposition_chart(table: pd.DataFrame, *, ax: Any = None, language: str = "en") -> Any:
    """Stacked shares of Gw, Gnb and Gt per period, with G on a second axis.

    Parameters
    ----------
    table : DataFrame
        One row per period (the index): ``G``, ``Gw_share``, ``Gnb_share``, ``Gt_share`` and,
        optionally, ``G_lower`` / ``G_upper`` (drawn as error bars).
    ax : matplotlib Axes, optional
    language : {"en", "zh"}
        Language of the labels, legend and title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_language(language)
    fig, ax = new_ax(ax, (8, 4.5))
    x = np.arange(len(table))
    bottom = np.zeros(len(table))
    for col, (color, name) in _PARTS.items():
        vals = 100 * table[col].fillna(0).to_numpy()
        ax.bar(x, vals, bottom=bottom, color=color, label=tr(name, language), width=0.8)
        bottom += vals
    _text(ax.set_ylabel, tr("share of G (%)", language))
    ax.set_ylim(0, 100)
    ax2 = ax.twinx()
    if "G_lower" in table.columns:
        err = np.vstack([table["G"] - table["G_lower"], table["G_upper"] - table["G"]]).clip(min=0)
        ax2.errorbar(
            x, table["G"], yerr=err, color="black", marker="o", capsize=3, label=tr("G (bootstrap interval)", language)
        )
    else:
        ax2.plot(x, table["G"], color="black", marker="o", label="G")
    _text(ax2.set_ylabel, tr("overall Gini G", language))
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    _legend(ax, h1 + h2, l1 + l2, frameon=False, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4)
    _text(ax.set_title, tr("Dagum Gini decomposition", language), pad=24)
    _period_axis(ax, table.index, language)
    fig.tight_layout()
    return fig


def within_gini_chart(
    within: pd.DataFrame, periods: pd.Index, *, intervals: bool | None = None, ax: Any = None, language: str = "en"
) -> Any:
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
    language : {"en", "zh"}

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_language(language)
    fig, ax = new_ax(ax, (8, 4.5))
    w = within.reset_index()
    show_bands = intervals if intervals is not None else w["group"].nunique() <= 3
    pos = {p: i for i, p in enumerate(periods)}
    for group, sub in w.groupby("group", sort=False):
        xs = sub[PERIOD].map(pos).to_numpy()
        line = ax.plot(xs, sub["G_jj"], marker="o", ms=3, label=str(group))[0]
        if show_bands and "G_jj_lower" in sub.columns:
            ax.fill_between(xs, sub["G_jj_lower"], sub["G_jj_upper"], color=line.get_color(), alpha=0.12, lw=0)
    _text(ax.set_ylabel, f"{tr('within-group Gini', language)} G_jj")
    _legend(ax, frameon=False, fontsize=8, ncol=2, loc="best")
    _text(ax.set_title, tr("Gini within groups", language))
    _period_axis(ax, pd.Index(periods), language)
    fig.tight_layout()
    return fig


def between_heatmap(
    within: pd.DataFrame,
    between: pd.DataFrame,
    period: Any,
    *,
    value: str = "G_jh",
    ax: Any = None,
    language: str = "en",
) -> Any:
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
    check_language(language)
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
        ax.text(
            j,
            i,
            f"{mat[i, j]:.3f}",
            ha="center",
            va="center",
            fontsize=7,
            color="white" if mat[i, j] < mid else "black",
        )
    bar = fig.colorbar(im, ax=ax, shrink=0.8)
    _text(bar.set_label, value + (f" ({tr('diagonal', language)}: G_jj)" if value == "G_jh" else ""))
    _text(ax.set_title, f"{tr('Between-group', language)} {value}, {_plain(period)}")
    fig.tight_layout()
    return fig


def between_gini_chart(
    between: pd.DataFrame, periods: pd.Index, *, value: str = "G_jh", ax: Any = None, language: str = "en"
) -> Any:
    """Each pair of groups' between-group term over time, one line per pair.

    Parameters
    ----------
    between : DataFrame
        ``(period, group_j, group_h)`` rows with ``value``.
    periods : Index
        The periods in the order of the horizontal axis.
    value : {"G_jh", "D_jh"}
    ax : matplotlib Axes, optional
    language : {"en", "zh"}

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_language(language)
    if value not in ("G_jh", "D_jh"):
        raise ValueError(f"value must be 'G_jh' or 'D_jh', got {value!r}")
    fig, ax = new_ax(ax, (8, 4.5))
    b = between.reset_index()
    pos = {p: i for i, p in enumerate(periods)}
    for (gj, gh), sub in b.groupby(["group_j", "group_h"], sort=False):
        ax.plot(sub[PERIOD].map(pos).to_numpy(), sub[value], marker="o", ms=3, label=f"{gj} – {gh}")
    _text(ax.set_ylabel, f"{tr('between-group Gini', language)} {value}")
    _legend(ax, frameon=False, fontsize=8, ncol=2, loc="best")
    _text(ax.set_title, tr("Gini between groups", language))
    _period_axis(ax, pd.Index(periods), language)
    fig.tight_layout()
    return fig


def theil_chart(table: pd.DataFrame, kind: str, *, ax: Any = None, language: str = "en") -> Any:
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
    check_language(language)
    fig, ax = new_ax(ax, (7, 4))
    x = np.arange(len(table))
    if "within" in table.columns:
        ax.stackplot(
            x, table["within"], table["between"], labels=[tr("within", language), tr("between", language)], alpha=0.7
        )
    ax.plot(x, table["theil"], color="black", marker="o", label=f"Theil {kind}")
    _period_axis(ax, table.index, language)
    ax.set_ylabel(f"Theil {kind}")
    _legend(ax, frameon=False, loc="best")
    fig.tight_layout()
    return fig

"""Convergence charts from plain frames: sigma over time, beta with intervals, club transition paths.

* :func:`sigma_plot` takes a wide frame, periods × groups, of a dispersion measure;
* :func:`beta_plot` takes one row per fit (``"all"``, then the groups) with ``beta``, ``speed`` and
  ``half_life`` and their ``_lower``/``_upper`` interval bounds;
* :func:`club_paths_plot` takes the relative transition paths (regions × periods), the club of
  every region and the clubs in the order to draw them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._base import check_language, font_kwargs, new_ax, set_title, tr, translate_text

__all__ = ["DIVERGENT_COLOR", "beta_plot", "club_paths_plot", "sigma_plot"]

#: colour of the regions that belong to no club
DIVERGENT_COLOR = "0.5"


def _legend(ax: Any, labels: list[str], language: str = "en") -> None:
    """The legend; with more than four lines right of the axes, off the lines."""
    font = font_kwargs(labels + (["中"] if language == "zh" else []))
    prop = {"size": 8, "family": font["fontfamily"]} if font else {"size": 8}
    if len(labels) > 4:
        ax.legend(prop=prop, frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5))
    else:
        ax.legend(prop=prop)


def _axis_labels(ax: Any, xlabel: str | None, ylabel: str | None, language: str) -> None:
    for text, setter in ((xlabel, ax.set_xlabel), (ylabel, ax.set_ylabel)):
        if text:
            shown = translate_text(text, language)
            setter(shown, **font_kwargs([shown]))


def sigma_plot(
    wide: pd.DataFrame,
    measure: str,
    *,
    ax: Any = None,
    figsize: tuple[float, float] = (7, 4),
    language: str = "en",
    **kwargs: Any,
) -> Any:
    """The dispersion measure over time, one line per group.

    Parameters
    ----------
    wide : DataFrame
        Periods × groups (e.g. ``"overall"`` and the region groups).
    measure : str
        Name of the measure, for the axis label and title.
    ax : matplotlib Axes, optional
    figsize : (float, float)
    language : {"en", "zh"}
        Language of the title, axis labels and the all-regions line's name.
    **kwargs
        Passed to ``Axes.plot``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_language(language)
    fig, ax = new_ax(ax, figsize)
    names = [translate_text(str(c), language) for c in wide.columns]
    for label, name in zip(wide.columns, names, strict=True):
        ax.plot(wide.index, wide[label], marker="o", ms=3, label=name, **kwargs)
    _axis_labels(ax, "Year", measure, language)
    set_title(ax, f"Sigma convergence ({measure})", fontsize=12, language=language)
    _legend(ax, names, language)
    fig.tight_layout()
    return fig


def _estimates_with_intervals(
    ax: Any, labels: list[str], value: np.ndarray, lower: np.ndarray, upper: np.ndarray, color: str
) -> np.ndarray:
    pos = np.arange(len(labels))[::-1].astype(float)
    shown = np.isfinite(value)
    err = np.vstack(
        [np.where(np.isfinite(lower), value - lower, 0.0), np.where(np.isfinite(upper), upper - value, 0.0)]
    )
    ax.errorbar(
        value[shown],
        pos[shown],
        xerr=err[:, shown],
        fmt="o",
        ms=4,
        color=color,
        ecolor=color,
        elinewidth=1.2,
        capsize=2.5,
    )
    ax.set_yticks(pos)
    ax.set_yticklabels(labels, **font_kwargs(labels))
    return pos


def beta_plot(
    estimates: pd.DataFrame,
    *,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    language: str = "en",
) -> Any:
    """β with its interval per fit, and the speed of convergence with its interval beside it.

    Parameters
    ----------
    estimates : DataFrame
        Indexed by fit (``"all"``, then the groups) with ``beta``, ``beta_lower``, ``beta_upper``,
        ``speed``, ``speed_lower``, ``speed_upper`` and ``half_life``. Fits without an estimate
        (NaN) keep their row, marked "not estimated"; a β outside (−1, 0) has no speed.
    title : str, optional
    figsize : (float, float), optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    needed = ("beta", "beta_lower", "beta_upper", "speed", "speed_lower", "speed_upper", "half_life")
    missing = [c for c in needed if c not in estimates.columns]
    if missing:
        raise ValueError(f"beta_plot needs the column(s) {missing}; it has {list(estimates.columns)}")
    import matplotlib.pyplot as plt

    check_language(language)
    labels = [translate_text(str(i), language) for i in estimates.index]
    height = max(2.6, 0.4 * len(labels) + 1.4)
    fig, (left, right) = plt.subplots(1, 2, figsize=figsize or (9.5, height), sharey=True)
    beta = estimates["beta"].to_numpy(float)
    pos = _estimates_with_intervals(
        left, labels, beta, estimates["beta_lower"].to_numpy(float), estimates["beta_upper"].to_numpy(float), "#1f77b4"
    )
    left.axvline(0.0, color="#555555", lw=0.7, ls=":")
    _axis_labels(left, "β (95% interval)", None, language)
    set_title(left, "Coefficient of ln y", language=language)
    speed = estimates["speed"].to_numpy(float)
    _estimates_with_intervals(
        right,
        labels,
        speed,
        estimates["speed_lower"].to_numpy(float),
        estimates["speed_upper"].to_numpy(float),
        "#2ca02c",
    )
    half = estimates["half_life"].to_numpy(float)
    for y, s, h, b in zip(pos, speed, half, beta, strict=True):  # one label per fit
        if np.isfinite(s):
            text = f"{tr('half-life', language)} {h:.3g}"
            right.annotate(text, (s, y), xytext=(4, 4), textcoords="offset points", fontsize=7, **font_kwargs([text]))
        else:
            reason = tr("not estimated" if not np.isfinite(b) else "no convergence (β not in (−1, 0))", language)
            right.annotate(
                reason,
                (0.02, y),
                xycoords=("axes fraction", "data"),
                fontsize=7,
                color="#777777",
                va="center",
                **font_kwargs([reason]),
            )
    _axis_labels(right, "speed per period (95% interval)", None, language)
    set_title(right, "Speed and half-life", language=language)
    if title:
        text = translate_text(title, language)
        fig.suptitle(text, fontsize=11, **font_kwargs([text]))
    fig.tight_layout()
    return fig


def club_paths_plot(
    paths: pd.DataFrame,
    clubs: pd.Series,
    order: list[str],
    *,
    ax: Any = None,
    members: bool = True,
    divergent: str = "divergent",
    figsize: tuple[float, float] = (8, 4.5),
    language: str = "en",
    **kwargs: Any,
) -> Any:
    """Relative transition paths: each club's average (thick) and, with ``members=True``, its regions
    (thin); the regions of no club in grey.

    Parameters
    ----------
    paths : DataFrame
        Regions × periods of the relative transition ``h_it``.
    clubs : Series
        Region → club label.
    order : list of str
        The clubs to draw, in order (their colours follow it).
    ax : matplotlib Axes, optional
    members : bool
        Draw every region's path besides the club averages.
    divergent : str
        The label of the regions in no club.
    figsize : (float, float)
    **kwargs
        Passed to ``Axes.plot`` for the averages.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    check_language(language)
    fig, ax = new_ax(ax, figsize)
    x = list(paths.columns)
    colors = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    for j, label in enumerate(order):
        rows = paths.loc[clubs.index[clubs == label]]
        color = DIVERGENT_COLOR if label == divergent else colors[j % len(colors)]
        if members and len(rows):
            ax.plot(x, rows.to_numpy().T, color=color, lw=0.5, alpha=0.3)
        name = f"{translate_text(str(label), language)} ({len(rows)})"
        ax.plot(x, rows.mean().to_numpy(), color=color, lw=2.2, label=name, **kwargs)
    ax.axhline(1.0, color="k", lw=0.6, ls=":")
    _axis_labels(ax, "Year", "relative transition h", language)
    set_title(ax, "Convergence clubs (Phillips–Sul)", fontsize=12, language=language)
    _legend(ax, [translate_text(str(o), language) for o in order], language)
    fig.tight_layout()
    return fig

"""One adapter for region groups (region → group label) and one policy for them.

Every step that takes ``groups=`` (Dagum, Theil, sigma and beta convergence, group means of
D) goes through :func:`as_groups` and :func:`group_codes`, so the same inputs are accepted and
the same problems reported everywhere:

* ``groups`` is a mapping region → label, a Series indexed by region, or a one-column
  DataFrame; it is copied (later changes to the caller's object do not reach a model).
* A region of the data without a group (absent from ``groups`` or labelled NaN) is an
  error naming it: the tool never drops regions from a group statistic silently. Label such
  regions explicitly (e.g. ``"other"``) or drop them from the series first.
* Regions listed in ``groups`` but absent from the data are reported in the notes.
* Groups are ordered by their label (sorted when the labels sort, else in order of first
  appearance) in the statistics; tables and figures of group means list the groups of China's
  usual divisions in their conventional order (:func:`conventional_order`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._series import _plain, _preview

__all__ = ["CONVENTIONAL_ORDERS", "as_groups", "conventional_order", "group_codes", "group_labels"]

#: the usual order of China's regional divisions, as papers list them: East, Central, West (and
#: Northeast, the four-region division of the State Council), and the eight comprehensive economic
#: zones of the State Council's Development Research Center from the north-east along the coast,
#: then inland; in English (the bundled ``region3``, ``region4`` and ``zone8``) and in Chinese
CONVENTIONAL_ORDERS: tuple[tuple[str, ...], ...] = (
    ("East", "Central", "West"),
    ("East", "Central", "West", "Northeast"),
    (
        "Northeast",
        "Northern Coastal",
        "Eastern Coastal",
        "Southern Coastal",
        "Middle Yellow River",
        "Middle Yangtze River",
        "Southwest",
        "Northwest",
    ),
    ("东部", "中部", "西部"),
    ("东部", "中部", "西部", "东北"),
    ("东北", "北部沿海", "东部沿海", "南部沿海", "黄河中游", "长江中游", "西南", "西北"),
)


def as_groups(groups: Any, who: str) -> pd.Series:
    """A copy of ``groups`` as a Series region → label, checked.

    Raises
    ------
    TypeError, ValueError
        Naming ``who`` (the model) and what is wrong: not a mapping, a multi-level index,
        regions listed twice, empty.
    """
    if isinstance(groups, pd.DataFrame):
        if groups.shape[1] != 1:
            raise TypeError(
                f"{who}: groups must be a mapping region -> group or a Series; got a DataFrame with "
                f"columns {list(groups.columns)}"
            )
        groups = groups.iloc[:, 0]
    if isinstance(groups, pd.Series):
        s = groups.copy()
    elif isinstance(groups, Mapping):
        s = pd.Series(dict(groups), dtype=object)
    else:
        raise TypeError(
            f"{who}: groups must be a mapping region -> group or a pandas Series indexed by region, "
            f"got {type(groups).__name__}"
        )
    if isinstance(s.index, pd.MultiIndex):
        raise ValueError(f"{who}: groups must be indexed by region only (one level), got {s.index.nlevels} levels")
    if len(s) == 0:
        raise ValueError(f"{who}: groups is empty; give every region a group")
    dup = s.index[s.index.duplicated()]
    if len(dup):
        raise ValueError(f"{who}: regions listed twice in groups: {_preview(dup.unique())}; give each region one group")
    return s


def conventional_order(labels: Any) -> list:
    """``labels`` in the conventional order of the first division of :data:`CONVENTIONAL_ORDERS`
    that holds them all (a subset keeps that order), else as given.

    Examples
    --------
    >>> conventional_order(["Central", "East", "West"])
    ['East', 'Central', 'West']
    >>> conventional_order(["b", "a"])
    ['b', 'a']
    """
    present = list(labels)
    wanted = set(present)
    for order in CONVENTIONAL_ORDERS:
        if wanted <= set(order):
            return [label for label in order if label in wanted]
    return present


def group_labels(groups: pd.Series) -> list:
    """The distinct labels of ``groups`` (without NaN), sorted when they sort."""
    values = pd.unique(groups[groups.notna()].to_numpy())
    try:
        return sorted(values)
    except TypeError:
        return list(values)


def group_codes(regions: pd.Index | np.ndarray, groups: pd.Series, who: str) -> tuple[np.ndarray, list, list[str]]:
    """Integer group code of every entry of ``regions``, the labels, and notes.

    Raises
    ------
    ValueError
        Naming the regions without a group (with a hint when the ids differ only in type,
        e.g. integers against text).
    """
    regions = pd.Index(regions)
    labelled = groups[groups.notna()]
    pos = labelled.index.get_indexer(regions)
    missing = regions[pos < 0]
    if len(missing):
        uniq = pd.unique(missing)
        hint = ""
        if len(uniq) == len(pd.unique(regions)) and len(labelled):
            a, b = type(_plain(regions[0])).__name__, type(_plain(labelled.index[0])).__name__
            if a != b:
                hint = f" (the series' regions are {a} but groups is keyed by {b})"
        raise ValueError(
            f"{who}: {len(uniq)} region(s) without a group: {_preview(uniq)}{hint}; "
            "add them to groups (e.g. as 'other') or drop them from the series"
        )
    labels = group_labels(labelled)
    codes = pd.Index(labels).get_indexer(labelled.to_numpy())[pos]
    notes = []
    unused = labelled.index.difference(pd.Index(pd.unique(regions)))
    if len(unused):
        notes.append(f"{len(unused)} region(s) in groups are not in the series: {_preview(unused)}")
    return codes.astype(np.intp), labels, notes

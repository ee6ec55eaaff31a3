"""Preparing a spatial panel: y, X and W checked and arranged as arrays in the order of W.

Conventions used by every estimator of the package:

* the weights go through :func:`spatialcoupling._weights.as_weights`, so a libpysal ``W``, a
  libpysal ``Graph`` and a :class:`~spatialcoupling._weights.SpatialWeights` are accepted alike
  and the caller's object is never changed;
* the regions of ``y`` are matched to the ids of W through :func:`spatialcoupling._ids.id_keys`,
  so ``110000`` in the data and ``"110000"`` in the weights are one region; the region labels
  of the results are those of ``y``, in the order of W;
* arrays are ``(N, T)`` for y and ``(N, T, k)`` for X; stacked vectors run period by period
  (the N regions of the first period, then those of the second, …), as in Elhorst (2014).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._ids import id_keys
from .._series import PERIOD, REGION, _preview
from .._weights import as_weights

__all__ = ["PanelData", "describe_rows", "lag", "prepare", "stack", "unstack"]


@dataclass(frozen=True)
class PanelData:
    """A balanced panel as arrays: y (N, T), X (N, T, k), W (N × N) in the order of W's ids.

    ``regions`` are the labels of the data (``y``) in the order of W's rows.
    """

    regions: list
    periods: list
    y: np.ndarray
    X: np.ndarray
    names: list[str]
    W: sp.csr_matrix

    @property
    def n(self) -> int:
        return len(self.regions)

    @property
    def t(self) -> int:
        return len(self.periods)

    @property
    def index(self) -> pd.MultiIndex:
        return pd.MultiIndex.from_product([self.regions, self.periods], names=[REGION, PERIOD])


def _repeated_keys(labels: list, keys: list[str]) -> list[list]:
    """Groups of distinct labels that share a key (e.g. ``1`` and ``"1"``)."""
    frame = pd.DataFrame({"label": pd.Series(labels, dtype=object), "key": keys})
    repeated = frame[frame["key"].duplicated(keep=False)]
    return [list(g) for _, g in repeated.groupby("key", sort=True)["label"]]


#: (labels of y, ids of W) -> the labels in W's order, for refits on the same regions and weights
_ORDER_CACHE: OrderedDict[tuple[tuple, ...], list] = OrderedDict()
_ORDER_CACHE_SIZE = 8


def _regions_in_w_order(y_regions: pd.Index, w_ids: tuple) -> list:
    """The labels of ``y_regions`` in the order of ``w_ids``, matched by :func:`id_keys` (kept for the
    last few pairs of label and id sequences, so that refits on the same regions do not match again).

    Raises
    ------
    ValueError
        Naming regions found on one side only, or ids that stand for the same region twice.
    """
    labels = list(y_regions)
    ids = tuple(w_ids)
    key = (tuple(labels), tuple(map(type, labels)), ids, tuple(map(type, ids)))  # 1 and 1.0 stay apart
    got = _ORDER_CACHE.get(key)
    if got is not None:
        _ORDER_CACHE.move_to_end(key)
        return list(got)
    order = _match_regions(labels, w_ids)
    _ORDER_CACHE[key] = order
    while len(_ORDER_CACHE) > _ORDER_CACHE_SIZE:
        _ORDER_CACHE.popitem(last=False)
    return list(order)


def _match_regions(labels: list, w_ids: tuple) -> list:
    y_keys, w_keys = id_keys(labels), id_keys(w_ids)
    for side, items, keys in (("y", labels, y_keys), ("W", list(w_ids), w_keys)):
        twice = _repeated_keys(items, keys)
        if twice:
            raise ValueError(
                f"{side} names one region twice with different spellings: {_preview(twice)}; "
                "use one spelling per region"
            )
    # object indexes: hashed lookups (a text index backed by pyarrow takes a per-value path in isin)
    y_index, w_index = pd.Index(y_keys, dtype=object), pd.Index(w_keys, dtype=object)
    pos = y_index.get_indexer(w_index)  # the row of y of every id of W
    in_w = w_index.get_indexer(y_index) >= 0
    only_w = list(pd.Index(list(w_ids), dtype=object)[pos < 0])
    only_y = list(pd.Index(labels, dtype=object)[~in_w])
    if only_w or only_y:
        raise ValueError(
            f"W ids and y regions differ: in W only {_preview(sorted(only_w, key=str))}; "
            f"in y only {_preview(sorted(only_y, key=str))}; build W from the same regions"
        )
    return list(pd.Index(labels, dtype=object)[pos])


def _checked_frames(y: Any, X: Any) -> tuple[pd.Series, pd.DataFrame]:
    """Copies of y and X with the index names (region, period), after the type and shape checks."""
    if not isinstance(y, pd.Series):
        raise TypeError(f"y must be a pandas Series indexed by (region, period); got {type(y).__name__}")
    if isinstance(X, pd.Series):
        X = X.to_frame()
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame indexed by (region, period); got {type(X).__name__}")
    for name, obj in (("y", y), ("X", X)):
        if not isinstance(obj.index, pd.MultiIndex) or obj.index.nlevels != 2:
            raise ValueError(f"{name} must be indexed by (region, period)")
        if obj.index.duplicated().any():
            twice = obj.index[obj.index.duplicated()]
            raise ValueError(f"{name} has duplicate (region, period) rows: {_preview(twice)}")
    if X.shape[1] == 0:
        raise ValueError("X has no columns; give at least one regressor")
    y = y.copy()
    y.index = y.index.set_names([REGION, PERIOD])
    X = X.copy()
    X.index = X.index.set_names([REGION, PERIOD])
    bad = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if bad or not pd.api.types.is_numeric_dtype(y):
        raise ValueError(f"non-numeric data in {bad or ['y']}; convert to numbers first")
    return y, X


def prepare(y: pd.Series, X: pd.DataFrame, w: Any) -> PanelData:
    """Validate y, X and w and arrange them as arrays in the order of W.

    Parameters
    ----------
    y : Series indexed by (region, period)
    X : DataFrame on the same index
    w : libpysal W or Graph, or SpatialWeights, whose ids are the regions of y

    Raises
    ------
    TypeError, ValueError
        Naming the rows, cells, columns or regions at fault: wrong types, duplicate rows, regions
        of y missing from W (or the reverse), an unbalanced panel, missing or infinite values.
    """
    y, X = _checked_frames(y, X)
    weights = as_weights(w)
    regions = _regions_in_w_order(y.index.get_level_values(REGION).unique(), weights.ids)
    periods = sorted(y.index.get_level_values(PERIOD).unique())
    full = pd.MultiIndex.from_product([regions, periods], names=[REGION, PERIOD])
    gaps = full.difference(y.index)
    if len(gaps):
        raise ValueError(
            f"unbalanced panel: y lacks (region, period) {_preview(gaps)}; the estimator needs every "
            "region in every period (interpolate or drop the period)"
        )
    xgaps = full.difference(X.index)
    if len(xgaps):
        raise ValueError(f"X lacks (region, period) rows present in y: {_preview(xgaps)}")
    yv = y.reindex(full).to_numpy(float)
    Xv = X.reindex(full).to_numpy(float)
    for label, values, cols in (("y", yv[:, None], ["y"]), ("X", Xv, list(X.columns))):
        rows, colidx = np.nonzero(~np.isfinite(values))
        if len(rows):
            where = [(full[r][0], full[r][1], cols[c]) for r, c in zip(rows[:10], colidx[:10], strict=True)]
            raise ValueError(f"missing or infinite values in {label} at (region, period, column) {_preview(where)}")
    n, t = len(regions), len(periods)
    W = sp.csr_matrix(weights.sparse, dtype=float)
    return PanelData(regions, periods, yv.reshape(n, t), Xv.reshape(n, t, -1), [str(c) for c in X.columns], W)


def lag(W: sp.csr_matrix, a: np.ndarray) -> np.ndarray:
    """W applied to every period (and column) of an (N, T, ...) array."""
    shape = a.shape
    return (W @ a.reshape(shape[0], -1)).reshape(shape)


def stack(a: np.ndarray) -> np.ndarray:
    """(N, T) → NT vector, or (N, T, k) → NT × k matrix, stacked period by period."""
    if a.ndim == 2:
        return a.T.reshape(-1)
    return a.transpose(1, 0, 2).reshape(-1, a.shape[2])


def unstack(v: np.ndarray, n: int, t: int) -> np.ndarray:
    """A stacked NT vector back to (N, T)."""
    return v.reshape(t, n).T


def describe_rows(regions: list, sums: np.ndarray) -> str:
    """Regions whose row of W does not sum to one, for a message."""
    bad = np.flatnonzero(~np.isclose(sums, 1.0))
    zero = [regions[i] for i in bad if sums[i] == 0]
    other = [f"{regions[i]!r} ({sums[i]:.3g})" for i in bad if sums[i] != 0]
    parts = []
    if zero:
        parts.append(f"{_preview(zero)} {'has' if len(zero) == 1 else 'have'} no neighbour (row sum 0)")
    if other:
        parts.append(f"the rows of {len(other)} region(s) do not sum to 1 (e.g. {', '.join(other[:3])})")
    return "; ".join(parts)

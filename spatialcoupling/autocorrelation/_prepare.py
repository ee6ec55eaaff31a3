"""A series and its spatial weights made ready for the statistics.

Weights go through :func:`spatialcoupling._weights.as_weights` (a libpysal ``W``, a libpysal
``Graph`` or a :class:`~spatialcoupling._weights.SpatialWeights`) and are transformed on a copy,
so the caller's object is never modified. The regions of the series are matched to the ids of
the weights through :func:`spatialcoupling._ids.id_keys` (``110000`` and ``"110000"`` are one
region); the tables keep the series' own spelling of the ids, in the order of the weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._ids import id_keys
from .._series import as_region_period_series, preview, require_balanced
from .._weights import SpatialWeights, as_weights


@dataclass(frozen=True)
class Moments:
    """The weight sums of the analytic moments of the global statistics (Cliff and Ord).

    ``s0 = sum_ij w_ij``, ``s1 = 1/2 sum_ij (w_ij + w_ji)**2`` and
    ``s2 = sum_i (w_i. + w_.i)**2``.
    """

    s0: float
    s1: float
    s2: float


def weight_moments(sw: SpatialWeights) -> Moments:
    """``s0``, ``s1`` and ``s2`` of the weights matrix."""
    m = sw.sparse
    sym = m + m.T
    s0 = float(m.sum())
    s1 = 0.5 * float(sym.multiply(sym).sum())
    s2 = float(((np.asarray(m.sum(axis=1)).ravel() + np.asarray(m.sum(axis=0)).ravel()) ** 2).sum())
    return Moments(s0, s1, s2)


def transformed_weights(w: Any, transform: str | None) -> SpatialWeights:
    """``w`` adapted to :class:`SpatialWeights` and transformed on a copy (None: as given)."""
    return as_weights(w).transformed(transform)


def transform_label(sw: SpatialWeights, transform: str | None) -> str:
    """The transformation recorded on results: the one asked for, else the weights' own."""
    return transform if transform is not None else sw.transform


def off_diagonal(sw: SpatialWeights) -> tuple[sp.csr_matrix, np.ndarray]:
    """The weights without self-neighbours (sorted CSR) and the diagonal (weights on oneself)."""
    m = sw.sparse
    diagonal = m.diagonal()
    off = m
    if np.any(diagonal != 0):
        off = sp.csr_matrix(m - sp.diags(diagonal, format="csr"))
        off.eliminate_zeros()
    off.sort_indices()
    return off, diagonal


def weights_label(sw: SpatialWeights, transform: str, cardinalities: np.ndarray) -> str:
    """One line describing the weights, for settings and captions."""
    k = cardinalities
    base = f"{sw.name}, " if isinstance(sw.name, str) else ""
    return (
        f"{base}n={sw.n}, transform={transform}, neighbours min/mean/max="
        f"{k.min() if len(k) else 0}/{k.mean() if len(k) else 0:.2f}/{k.max() if len(k) else 0}, "
        f"islands={int((k == 0).sum())}"
    )


def _repeated(ids: list, keys: list[str]) -> list:
    frame = pd.DataFrame({"id": pd.Series(ids, dtype=object), "key": keys})
    return frame.loc[frame["key"].duplicated(keep=False), "id"].tolist()


def region_table(series: pd.Series, sw: SpatialWeights, name: str) -> tuple[pd.DataFrame, list[str]]:
    """Validate ``series`` and return it as a regions (in the weights' order) × periods table.

    Returns
    -------
    wide : DataFrame
        Float values, one row per region (the series' ids, in the order of ``sw.ids``), one
        column per period.
    notes : list of str
        Ids matched through their text form (e.g. ``"110000"`` to ``110000``).

    Raises
    ------
    ValueError
        Regions of the weights absent from the series or the reverse (both listed), two
        ids that are one region as number and as text, or a period whose values are constant.
    """
    s = as_region_period_series(series, name=name)
    wide = require_balanced(s, name=name)
    have = list(wide.index)
    have_keys = id_keys(have)
    want = list(sw.ids)
    want_keys = id_keys(want)
    for label, ids, keys in ((name, have, have_keys), ("the spatial weights", want, want_keys)):
        twice = _repeated(ids, keys)
        if twice:
            raise ValueError(
                f"{label}: the region ids {preview(twice)} name one region twice (as number and as text, or "
                "with surrounding white space); use one spelling per region"
            )
    have_set, want_set = set(have_keys), set(want_keys)
    if have_set != want_set:
        missing = [r for r, k in zip(want, want_keys, strict=True) if k not in have_set]
        extra = [r for r, k in zip(have, have_keys, strict=True) if k not in want_set]
        parts = []
        if missing:
            parts.append(f"{len(missing)} region(s) of w.id_order absent from the series: {preview(missing)}")
        if extra:
            parts.append(f"{len(extra)} region(s) of the series absent from w.id_order: {preview(extra)}")
        raise ValueError(
            f"{name}: regions do not match the spatial weights; "
            + "; ".join(parts)
            + ". Build w from the same regions (sc.spatial_weights) or subset the series."
        )
    pos = pd.Series(np.arange(len(have)), index=pd.Index(have_keys))
    wide = wide.iloc[pos.loc[want_keys].to_numpy()]
    notes = []
    respelled = [(h, w) for h, w in zip(wide.index, want, strict=True) if not (h == w and type(h) is type(w))]
    if respelled:
        pairs = ", ".join(f"{h!r} ↔ {w!r}" for h, w in respelled[:5])
        more = f" … and {len(respelled) - 5} more" if len(respelled) > 5 else ""
        notes.append(
            f"{len(respelled)} region id(s) of the series matched to the weights' ids by their text form: {pairs}{more}"
        )
    sd = wide.std(axis=0, ddof=0).to_numpy()
    const = [p for p, v in zip(wide.columns, sd, strict=True) if not v > 1e-14 * max(1.0, float(np.abs(wide[p]).max()))]
    if const:
        raise ValueError(
            f"{name}: the values are constant across regions in period(s) {preview(const)}; "
            "spatial autocorrelation (Moran's I) is undefined there. Drop those periods."
        )
    return wide, notes

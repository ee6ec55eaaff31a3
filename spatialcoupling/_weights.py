"""One adapter for spatial weights: a libpysal ``W`` or ``Graph`` as ids and a sparse matrix.

Every step that takes spatial weights goes through :func:`as_weights`, so a libpysal ``W``
(what :func:`spatialcoupling.spatial_weights` returns), a libpysal ``Graph`` or an already
adapted :class:`SpatialWeights` are accepted alike, and the ids, the matrix and the
transformation are read the same way everywhere. The caller's object is never modified
(esda's statistics set ``w.transform`` on the object they are given; here a transformed copy
is made).

Transformation labels follow libpysal: ``"R"`` row-standardised, ``"B"`` binary, ``"O"`` as
built; they are compared without regard to case (libpysal's ``W.transform`` is ``"R"`` after
``w.transform = "r"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = ["SpatialWeights", "as_weights"]

_LABELS = {"r": "R", "b": "B", "o": "O", "v": "V", "d": "D"}


def _label(transform: Any) -> str:
    text = str(transform or "O").strip()
    return _LABELS.get(text.lower(), text.upper())


@dataclass(frozen=True, eq=False)
class SpatialWeights:
    """Spatial weights as plain data: the ids (in matrix order) and a CSR matrix.

    Attributes
    ----------
    ids : tuple
        Region ids in the order of the rows and columns of ``sparse``.
    sparse : scipy.sparse.csr_matrix
        Float weights, duplicates summed, explicit zeros removed, indices sorted.
    transform : str
        ``"R"``, ``"B"``, ``"O"`` (libpysal's labels).
    name : str or None
        What the weights are (e.g. ``"queen"``), for captions.
    notes : tuple of str
        What was done when the weights were built (islands linked, regions left out).
    original : scipy.sparse.csr_matrix or None
        The weights as built, before the transformation, when known (weights built by
        :func:`spatialcoupling.spatialweights.sparse_weights`).
    """

    ids: tuple
    sparse: sp.csr_matrix
    transform: str = "O"
    name: str | None = None
    notes: tuple[str, ...] = field(default=())
    original: sp.csr_matrix | None = None

    @classmethod
    def of(
        cls,
        ids: Any,
        sparse: Any,
        transform: Any = "O",
        *,
        name: str | None = None,
        notes: Any = (),
        original: Any = None,
    ) -> SpatialWeights:
        """Weights of ``ids`` (plain Python values, as :func:`as_weights` reads them off a ``W``) and
        the matrix ``sparse`` (cleaned: float, duplicates summed, no explicit zeros, sorted)."""
        kept = None if original is None else _clean(original)
        return cls(tuple(_plain_ids(ids)), _clean(sparse), _label(transform), name, tuple(notes), kept)

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def mean_neighbors(self) -> float:
        """Mean number of neighbours per region (libpysal's ``W.mean_neighbors``)."""
        return float(np.diff(self.sparse.indptr).mean())

    @property
    def cardinalities(self) -> np.ndarray:
        """Number of neighbours of every region (self-links excluded)."""
        off = self.sparse - sp.diags(self.sparse.diagonal())
        off = sp.csr_matrix(off)
        off.eliminate_zeros()
        return np.diff(off.indptr)

    @property
    def islands(self) -> list:
        """Ids of regions without a neighbour."""
        return [self.ids[i] for i in np.flatnonzero(self.cardinalities == 0)]

    @property
    def is_row_standardised(self) -> bool:
        """Every row with a neighbour sums to one (rows of islands are zero)."""
        rs = np.asarray(self.sparse.sum(axis=1)).ravel()
        return bool(np.allclose(rs[rs != 0], 1.0))

    def transformed(self, transform: str | None) -> SpatialWeights:
        """A copy with weights row-standardised (``"r"``), binary (``"b"``) or as they are (None)."""
        if transform is None:
            return self
        label = _label(transform)
        m = self.sparse.copy()
        if label == "B":
            m.data[:] = 1.0
        elif label == "R":
            rs = np.asarray(m.sum(axis=1)).ravel()
            scale = np.divide(1.0, rs, out=np.zeros_like(rs), where=rs != 0)
            m = sp.csr_matrix(sp.diags(scale) @ m)
        else:
            raise ValueError(f"transform must be 'r' (row-standardise), 'b' (binary) or None, got {transform!r}")
        return SpatialWeights(self.ids, _clean(m), label, self.name, self.notes)

    def subset(self, members: Any, transform: str | None = "r") -> SpatialWeights:
        """The weights among ``members`` only (in that order), transformed again.

        Links to regions outside ``members`` are dropped; with ``transform="r"`` the rows
        are re-standardised within the subset (a member whose neighbours are all outside
        gets a zero row, see :attr:`islands`).
        """
        members = list(members)
        pos = {k: i for i, k in enumerate(self.ids)}
        missing = [m for m in members if m not in pos]
        if missing:
            from ._series import _preview

            raise ValueError(f"weights: no region(s) {_preview(missing)} among the weights' ids")
        idx = np.fromiter((pos[m] for m in members), dtype=np.intp, count=len(members))
        sub = self.sparse[idx][:, idx]
        out = SpatialWeights(tuple(members), _clean(sub), self.transform, self.name, self.notes)
        return out.transformed(transform) if transform is not None else out

    def to_libpysal(self) -> Any:
        """A libpysal ``W`` with the same ids, neighbours and weights."""
        from libpysal.weights import WSP

        return WSP(self.sparse, id_order=list(self.ids)).to_W(silence_warnings=True)


def _clean(m: Any) -> sp.csr_matrix:
    out = sp.csr_matrix(m, dtype=float, copy=True)
    out.sum_duplicates()
    out.eliminate_zeros()
    out.sort_indices()
    return out


def as_weights(w: Any) -> SpatialWeights:
    """Adapt a libpysal ``W`` or ``Graph`` (or a :class:`SpatialWeights`) to ids and a matrix.

    Raises
    ------
    TypeError
        When ``w`` is neither, naming its type and how to build weights.
    """
    if isinstance(w, SpatialWeights):
        return w
    ids = getattr(w, "id_order", None)
    transform = getattr(w, "transform", None)
    if ids is None and hasattr(w, "unique_ids"):  # libpysal.graph.Graph
        ids = w.unique_ids
        transform = getattr(w, "transformation", "O")
    sparse = _w_matrix(w, ids) if ids is not None else None
    if sparse is None:
        sparse = getattr(w, "sparse", None)
    if ids is None or sparse is None:
        raise TypeError(
            f"w must be a libpysal W or Graph (ids and a sparse matrix), got {type(w).__name__}; "
            "build one with sc.spatial_weights(regions) or libpysal.weights.Queen.from_dataframe"
        )
    notes = tuple(getattr(w, "spatialcoupling_notes", ()) or ())
    name = getattr(w, "name", None) or getattr(w, "kind", None)
    return SpatialWeights(
        tuple(_plain_ids(ids)), _clean(sparse), _label(transform), name if isinstance(name, str) else None, notes
    )


def _w_matrix(w: Any, ids: Any) -> sp.csr_matrix | None:
    """The matrix of a libpysal ``W`` from its ``neighbors`` and ``weights`` in one pass (None for other types).

    libpysal builds ``W.sparse`` row by row in Python on first use, which is slow at tens of
    thousands of regions; here the lists are chained and the neighbour ids looked up with one
    hash join. Rows follow ``ids`` (``W.id_order``). Falls back (None) when a neighbour is not
    among the ids.
    """
    neighbors, weights = getattr(w, "neighbors", None), getattr(w, "weights", None)
    if not isinstance(neighbors, dict) or not isinstance(weights, dict):
        return None
    order = list(ids)
    n = len(order)
    try:
        counts = np.fromiter((len(neighbors[i]) for i in order), dtype=np.int64, count=n)
        total = int(counts.sum())
        values = np.fromiter(chain.from_iterable(weights[i] for i in order), dtype=float, count=total)
    except (KeyError, TypeError, ValueError):
        return None
    index = pd.Index(order, dtype=object)
    if not index.is_unique:
        return None
    cols = index.get_indexer(pd.Index(list(chain.from_iterable(neighbors[i] for i in order)), dtype=object))
    if (cols < 0).any():
        return None
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return sp.csr_matrix((values, cols, indptr), shape=(n, n))


def _plain_ids(ids: Any) -> list:
    out = []
    for v in ids:
        item = getattr(v, "item", None)
        out.append(item() if callable(item) and getattr(v, "ndim", 1) == 0 else v)
    return out

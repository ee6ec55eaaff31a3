"""Queen and rook contiguity from the polygons' shared vertices and edges, in O(V log V).

Two regions are queen neighbours when their boundaries share at least one vertex (the same
coordinates exactly) and rook neighbours when they share at least one edge (two consecutive
boundary vertices, in either order) — the definitions of libpysal's ``Queen`` and ``Rook``
(``weights._contW_lists``), which give the same neighbour sets on the bundled provinces, the US
states, China's counties and regular lattices (tested).

Written here rather than called from libpysal because libpysal walks the vertices in Python
dictionaries and sets: at 2,848 Chinese counties and on a 300 × 300 lattice (90,000 cells) it
was 10× and more slower than this sort-based version, which labels every vertex (or edge) by
sorting its coordinates once and joins the regions that share a label
(``benchmarks/bench_weights.py``, ``benchmarks/results/benchmarks.md``). The result is a sparse
binary matrix; :func:`spatialcoupling.spatial_weights` wraps it into the libpysal ``W`` users
get.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["contiguity_matrix"]


def _vertex_labels(coords: np.ndarray) -> tuple[np.ndarray, int]:
    """An integer label per coordinate row, equal for equal coordinates; and the number of labels.

    The rows are sorted once as complex numbers (x, then y) and labelled by comparing neighbours
    in that order; equal floats give equal labels, ``0.0`` and ``-0.0`` included, as libpysal's
    coordinate tuples do.
    """
    z = coords[:, 0] + 1j * coords[:, 1]
    order = np.argsort(z)
    srt = z[order]
    new = np.ones(len(srt), dtype=bool)
    new[1:] = srt[1:] != srt[:-1]
    labels = np.empty(len(z), dtype=np.int64)
    labels[order] = np.cumsum(new) - 1
    return labels, int(new.sum())


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``numpy.unique`` by one sort and an adjacent comparison (several times faster on int64)."""
    srt = np.sort(values)
    keep = np.ones(len(srt), dtype=bool)
    keep[1:] = srt[1:] != srt[:-1]
    return srt[keep]


def _group_members(start: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Positions ``start[g] .. start[g] + size[g] - 1`` of every group, concatenated."""
    base = np.repeat(start, size)
    within = np.arange(size.sum()) - np.repeat(np.cumsum(size) - size, size)
    return base + within


def _shared_pairs(keys: np.ndarray, owners: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of the ``n`` owners that share at least one key (a pair may repeat)."""
    combo = _sorted_unique(keys.astype(np.int64) * np.int64(n) + owners.astype(np.int64))
    k, o = combo // n, combo % n
    start = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    size = np.diff(np.r_[start, len(k)])
    shared = size > 1
    start, size = start[shared], size[shared]
    if not len(start):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    # keys shared by two owners (most border vertices): one pair each
    two = size == 2
    pi, pj = o[start[two]], o[start[two] + 1]
    # keys shared by more: every member against every member of the same key
    start, size = start[~two], size[~two]
    member = _group_members(start, size)
    reps = np.repeat(size, size)
    left = np.repeat(member, reps)
    right = np.repeat(np.repeat(start, size), reps) + (np.arange(len(left)) - np.repeat(np.cumsum(reps) - reps, reps))
    i, j = o[left], o[right]
    keep = i < j
    pairs = _sorted_unique(np.r_[pi * np.int64(n) + pj, i[keep] * np.int64(n) + j[keep]])
    return pairs // n, pairs % n


def contiguity_matrix(geometries: Any, kind: str = "queen") -> sp.csr_matrix:
    """Binary symmetric contiguity matrix of polygons (row i = the i-th geometry).

    Parameters
    ----------
    geometries : array-like of shapely (Multi)Polygons, or a GeoSeries/GeoDataFrame
    kind : {"queen", "rook"}
        Shared vertex or shared edge.

    Returns
    -------
    scipy.sparse.csr_matrix
        n × n, ones where two regions are neighbours, zero diagonal.

    Examples
    --------
    >>> import shapely
    >>> cells = [shapely.box(x, y, x + 1, y + 1) for y in range(2) for x in range(2)]
    >>> contiguity_matrix(cells, "queen").toarray().astype(int)
    array([[0, 1, 1, 1],
           [1, 0, 1, 1],
           [1, 1, 0, 1],
           [1, 1, 1, 0]])
    >>> contiguity_matrix(cells, "rook").toarray().astype(int)
    array([[0, 1, 1, 0],
           [1, 0, 0, 1],
           [1, 0, 0, 1],
           [0, 1, 1, 0]])
    """
    import shapely

    if kind not in ("queen", "rook"):
        raise ValueError(f"kind must be 'queen' or 'rook', got {kind!r}")
    geoms = getattr(geometries, "geometry", geometries)
    geoms = np.asarray(getattr(geoms, "values", geoms), dtype=object)
    n = len(geoms)
    # every ring of every part of a region, chained in order, as libpysal walks them
    coords, owners = shapely.get_coordinates(geoms, return_index=True)
    labels, count = _vertex_labels(coords)
    if kind == "queen":
        i, j = _shared_pairs(labels, owners, n)
    else:
        same = owners[1:] == owners[:-1]
        a, b = labels[:-1][same], labels[1:][same]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keep = lo != hi  # a repeated vertex is not an edge
        i, j = _shared_pairs(lo[keep] * np.int64(max(count, 1)) + hi[keep], owners[:-1][same][keep], n)
    data = np.ones(2 * len(i))
    m = sp.csr_matrix((data, (np.r_[i, j], np.r_[j, i])), shape=(n, n))
    m.sum_duplicates()
    m.data[:] = 1.0
    return m

"""Queen and rook contiguity from the polygons' shared vertices and edges, in O(V log V).

Two regions are queen neighbours when their boundaries share at least one vertex (the same
coordinates exactly) and rook neighbours when they share at least one edge (two consecutive
boundary vertices, in either order) — the definitions of libpysal's ``Queen`` and ``Rook``
(``weights._contW_lists``), which give the same neighbour sets on the bundled provinces, the US
states, China's counties and regular lattices (tested).

Written here rather than called from libpysal because libpysal walks the vertices in Python
dictionaries and sets: at 2,848 Chinese counties and on a 300 × 300 lattice (90,000 cells) it
was 10× and more slower than this sort-based version, which labels every vertex (or edge) by
sorting hashes of its coordinates once and joins the regions that share a label
(``benchmarks/bench_weights.py``, ``benchmarks/results/benchmarks.md``). The result is a sparse
binary matrix; :func:`spatialcoupling.spatial_weights` wraps it into the libpysal ``W`` users
get.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["contiguity_matrix"]


def _vertex_groups(coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The coordinate rows grouped by equal coordinates: ``order`` (the rows, each group's
    together and in ascending row order within it) and ``new`` (True where ``order`` starts a
    group).

    Equal floats are equal coordinates, ``0.0`` and ``-0.0`` included, as libpysal's coordinate
    tuples have it. The rows are grouped by one sort of 64-bit keys: a hash of the two
    coordinates' bits in the high bits and the row's position in the low bits (numpy sorts
    integers with SIMD instructions, several times faster than an argsort of the coordinates as
    complex numbers). Rows of one hash are then checked to hold equal coordinates; two different
    points with the same hash (rare) fall back to :func:`_vertex_groups_by_sort`, so the groups
    are exact either way.
    """
    n = len(coords)
    bits = max(int(n - 1).bit_length(), 1)
    if n == 0 or bits > 40:
        return _vertex_groups_by_sort(coords)
    xy = np.ascontiguousarray(coords, dtype=np.float64) + 0.0  # -0.0 + 0.0 is 0.0: equal floats, equal bits
    h = _coordinate_hash(xy)
    low = np.uint64((1 << bits) - 1)
    keys = np.sort((h & ~low) | np.arange(n, dtype=np.uint64))
    order = (keys & low).astype(np.intp)
    same = (keys[1:] >> np.uint64(bits)) == (keys[:-1] >> np.uint64(bits))
    srt = xy.view(np.complex128).ravel()[order]  # one 16-byte gather per row (a row gather is slower)
    if np.any(same & (srt[1:] != srt[:-1])):
        return _vertex_groups_by_sort(coords)  # a hash shared by different points
    return order, np.r_[True, ~same]


def _coordinate_hash(xy: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row's two float64 bit patterns (multiply–add, then a shift–xor)."""
    with np.errstate(over="ignore"):
        h = xy[:, 0].view(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + xy[:, 1].view(np.uint64) * np.uint64(
            0xC2B2AE3D27D4EB4F
        )
    h ^= h >> np.uint64(31)
    return h


def _vertex_groups_by_sort(coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_vertex_groups` by a stable sort of the rows as complex numbers (x, then y)."""
    z = coords[:, 0] + 1j * coords[:, 1]
    order = np.argsort(z, kind="stable")
    srt = z[order]
    new = np.ones(len(srt), dtype=bool)
    new[1:] = srt[1:] != srt[:-1]
    return order, new


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
    """Distinct pairs (i < j) of the ``n`` owners that share at least one key."""
    bits = max(int(n - 1).bit_length(), 1)
    top = int(keys.max()) if len(keys) else 0
    if top.bit_length() + bits <= 62:  # key and owner packed in one integer: shifts, not divisions
        # sorted only: a key's repeated owners are skipped by _pairs_in_groups
        combo = np.sort((keys.astype(np.int64) << np.int64(bits)) | owners.astype(np.int64))
        k, o = combo >> np.int64(bits), (combo & np.int64((1 << bits) - 1)).astype(np.int32)
    else:
        combo = np.sort(keys.astype(np.int64) * np.int64(n) + owners.astype(np.int64))
        k, o = combo // n, combo % n
    return _pairs_in_groups(np.r_[True, k[1:] != k[:-1]], o, n)


def _pairs_in_groups(new: np.ndarray, o: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pairs (i < j) of the ``n`` owners ``o`` that share a group (``new``: True where a
    group starts; owners ascending within a group, repeats allowed)."""
    keep = new.copy()
    keep[1:] |= o[1:] != o[:-1]  # one row per owner of a group
    new, o = new[keep], o[keep]
    start = np.flatnonzero(new)
    size = np.diff(np.r_[start, len(o)])
    shared = size > 1
    start, size = start[shared], size[shared]
    if not len(start):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    # keys shared by two owners (most border vertices): one pair each
    two = size == 2
    pi, pj = o[start[two]].astype(np.int64), o[start[two] + 1].astype(np.int64)
    # keys shared by more: every member against every member of the same key
    start, size = start[~two], size[~two]
    member = _group_members(start, size)
    reps = np.repeat(size, size)
    left = np.repeat(member, reps)
    right = np.repeat(np.repeat(start, size), reps) + (np.arange(len(left)) - np.repeat(np.cumsum(reps) - reps, reps))
    i, j = o[left].astype(np.int64), o[right].astype(np.int64)
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
    order, new = _vertex_groups(coords)
    if kind == "queen":  # the grouping already holds each vertex's owners, in ascending order
        # owners as 32-bit integers: the gather in vertex order is several times faster than in 64 bits
        i, j = _pairs_in_groups(new, owners.astype(np.int32)[order] if n < 2**31 else owners[order], n)
    else:
        labels = np.empty(len(order), dtype=np.int32 if len(order) < 2**31 else np.int64)
        labels[order] = np.cumsum(new, dtype=labels.dtype) - 1
        count = int(new.sum())
        same = owners[1:] == owners[:-1]
        a, b = labels[:-1][same], labels[1:][same]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keep = lo != hi  # a repeated vertex is not an edge
        edges = lo[keep].astype(np.int64) * np.int64(max(count, 1)) + hi[keep]
        i, j = _shared_pairs(edges, owners[:-1][same][keep], n)
    data = np.ones(2 * len(i))
    # the pairs are distinct, so every entry is a single 1
    return sp.csr_matrix((data, (np.r_[i, j], np.r_[j, i])), shape=(n, n))

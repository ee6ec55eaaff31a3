"""Class breaks for the geographic detector: quantile, equal interval, natural breaks, geometric.

Quantile and equal-interval breaks are mapclassify's (``Quantiles``: the ``100 j / k`` percentiles
with numpy's linear interpolation; ``EqualInterval``: ``min + j (max - min) / k``), computed here
in one line each because mapclassify's classifiers also compute fit summaries on construction, which
dominated an OPGD search (the tests check that the breaks agree with mapclassify's). Natural breaks
are the Fisher–Jenks optimum (the partition of the sorted values into ``k`` classes with the
smallest within-class sum of squares), computed here because mapclassify's ``FisherJenks`` is an
``O(k n²)`` dynamic programme for one class count per call (a Python loop, or compiled when numba is
installed), while the OPGD search needs every class count of a range for every factor and run: one
table here gives them all (the measured gap, against the numba-compiled version, is in
``benchmarks/results/drivers_no_grid.md``). The breaks equal mapclassify's on data with ties (tested).
The optimum is found by dynamic programming over the distinct
values (weighted by their counts, so equal values are never split between classes), with the
divide-and-conquer rule that the best start of the last class does not decrease with the end
(Fisher 1958's cost satisfies the quadrangle inequality), vectorised over every segment of a
recursion depth: ``O(k n log n)`` for ``n`` distinct values. One pass gives the breaks of every
class count up to ``k``.

Geometric intervals: breaks ``min · (max / min)^(j / k)``, ``j = 1 … k − 1``, a geometric
progression from the minimum to the maximum; defined for positive values only.

Breaks are the upper bounds of the classes except the last (the convention of mapclassify's
``bins`` without the maximum); a value ``v`` falls in class ``#{b < v}``, so class ``c`` holds
``b_{c-1} < v <= b_c``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["METHODS", "breaks", "classify", "natural_breaks"]

METHODS = ("quantile", "equal", "natural", "geometric")


def classify(values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Class code (0, 1, …) of each value for upper bounds ``cuts``."""
    return np.searchsorted(np.asarray(cuts, dtype=float), values, side="left").astype(np.intp)


def breaks(values: np.ndarray, method: str, k: int, unique: np.ndarray | None = None) -> np.ndarray:
    """The ``k - 1`` (or fewer, when values repeat) inner upper bounds of ``method`` for ``values``
    (``unique``: their sorted distinct values, when already known).

    Raises
    ------
    ValueError
        ``geometric`` with a value <= 0; an unknown method.
    """
    values = np.asarray(values, dtype=float)
    if unique is None:
        unique = np.unique(values)
    if unique.size <= k:
        return unique[:-1]
    if method == "quantile":
        cuts = np.percentile(values, 100.0 * np.arange(1, k) / k)
    elif method == "equal":
        cuts = unique[0] + (unique[-1] - unique[0]) * np.arange(1, k) / k
    elif method == "natural":
        cuts = natural_breaks(values, k)[k]
    elif method == "geometric":
        lo, hi = unique[0], unique[-1]
        if lo <= 0:
            raise ValueError(f"geometric intervals need values > 0; the minimum is {lo:g}")
        cuts = lo * (hi / lo) ** (np.arange(1, k) / k)
    else:
        raise ValueError(f"unknown discretisation method {method!r}; use one of {METHODS}")
    return np.unique(np.asarray(cuts, dtype=float))


def natural_breaks(values: np.ndarray, k: int) -> dict[int, np.ndarray]:
    """Fisher–Jenks breaks for every class count ``2 … k``: ``{m: inner upper bounds}``."""
    unique, counts = np.unique(np.asarray(values, dtype=float), return_counts=True)
    n = unique.size
    k = min(k, n)
    wt = counts.astype(float)
    centred = unique - np.average(unique, weights=counts)  # smaller sums, less cancellation
    cw = np.concatenate([[0.0], np.cumsum(wt)])
    cs = np.concatenate([[0.0], np.cumsum(wt * centred)])
    cq = np.concatenate([[0.0], np.cumsum(wt * centred**2)])
    # within-class sum of squares of values j..i: cq[i+1] - cq[j] - (cs[i+1] - cs[j])² / (cw[i+1] - cw[j])
    best = cq[1:] - cs[1:] ** 2 / cw[1:]  # one class: values 0..i
    starts = [np.zeros(n, dtype=np.intp)]
    for m in range(2, k + 1):
        # the part of the objective that depends on the start j: best_{m-1}(j - 1) - cq[j]
        a = np.full(n, np.inf)
        a[1:] = best[:-1] - cq[1:n]
        new = np.full(n, np.inf)
        opt = np.zeros(n, dtype=np.intp)
        # segments of ends [lo, hi] with the start searched in [olo, ohi]
        lo = np.array([m - 1])
        hi = np.array([n - 1])
        olo = np.array([m - 1])
        ohi = np.array([n - 1])
        while lo.size:
            mid = (lo + hi) // 2
            size = np.minimum(mid, ohi) - olo + 1
            offsets = np.cumsum(size) - size
            total = int(offsets[-1] + size[-1])
            seg = np.repeat(np.arange(size.size), size)
            j = np.arange(total)
            j += np.take(olo - offsets, seg)
            ds = np.take(cs[mid + 1], seg)
            ds -= np.take(cs, j)
            dw = np.take(cw[mid + 1], seg)
            dw -= np.take(cw, j)
            np.square(ds, out=ds)
            ds /= dw
            value = np.take(a, j)
            value -= ds
            low = np.minimum.reduceat(value, offsets)
            hits = np.flatnonzero(value <= np.take(low, seg))
            first = np.ones(hits.size, dtype=bool)
            first[1:] = seg[hits[1:]] != seg[hits[:-1]]
            choice = j[hits[first]]
            new[mid] = low + cq[mid + 1]
            opt[mid] = choice
            left = mid - 1 >= lo
            right = mid + 1 <= hi
            lo, hi, olo, ohi = (
                np.concatenate([lo[left], mid[right] + 1]),
                np.concatenate([mid[left] - 1, hi[right]]),
                np.concatenate([olo[left], choice[right]]),
                np.concatenate([choice[left], ohi[right]]),
            )
        best = new
        starts.append(opt)
    out: dict[int, np.ndarray] = {}
    for m in range(2, k + 1):
        end = n - 1
        cut_at = []
        for level in range(m, 1, -1):
            begin = int(starts[level - 1][end])
            cut_at.append(begin - 1)
            end = begin - 1
        out[m] = unique[np.array(sorted(cut_at), dtype=np.intp)]
    return out

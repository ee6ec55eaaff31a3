"""Inequality: exact Dagum Gini decomposition, Theil indices, Gini and coefficient of variation.

Modules
-------
``measures``
    Gini, Theil's T and L and the coefficient of variation of one cross-section (arrays).
``dagum``
    :class:`DagumGini` (decomposition by region groups, period by period, with bootstrap
    intervals), :class:`DagumResult` and :func:`dagum_decomposition` (one cross-section, arrays).
``theil_index``
    :class:`TheilIndex` and :class:`TheilResult` (T or L per period, within/between groups);
    not ``theil``, which would shadow the function :func:`theil` when imported.
``_dagum_core``, ``_bootstrap``
    The O(n log n) decomposition and its linearised variances on arrays; the replicate streams,
    resampling and interval limits.

Why this is written here: the ``inequality`` package (PySAL) has Gini and Theil (T only,
decomposition by ``TheilD``) but no Dagum decomposition and no Theil L; its results are used as
cross-checks in the tests. The Dagum implementations in common use (R ``dineq``-style scripts,
Stata/MATLAB codes) are O(n²); ``benchmarks/bench_dagum.py`` measures the gap against a
vectorised pairwise version (results in ``benchmarks/results/benchmarks.md``).
"""

from __future__ import annotations

from .dagum import DagumGini, DagumResult, dagum_decomposition
from .measures import coefficient_of_variation, gini, theil
from .theil_index import TheilIndex, TheilResult

__all__ = [
    "DagumGini",
    "DagumResult",
    "TheilIndex",
    "TheilResult",
    "coefficient_of_variation",
    "dagum_decomposition",
    "gini",
    "theil",
]

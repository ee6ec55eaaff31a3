"""Alias of :mod:`spatialcoupling.convergence.clubs` (the module's place before 0.2).

Import from ``spatialcoupling.convergence`` (or ``spatialcoupling.convergence.clubs``); this module
re-exports the public names.
"""

from __future__ import annotations

from .convergence.clubs import (
    CORE_RULES,
    DIVERGENT,
    HAC_METHODS,
    MERGE_METHODS,
    MIN_PERIODS_USED,
    ClubConvergence,
    ClubResult,
    LogTTest,
    hp_trend,
    newey_west_lags,
)

__all__ = [
    "CORE_RULES",
    "DIVERGENT",
    "HAC_METHODS",
    "MERGE_METHODS",
    "MIN_PERIODS_USED",
    "ClubConvergence",
    "ClubResult",
    "LogTTest",
    "hp_trend",
    "newey_west_lags",
]

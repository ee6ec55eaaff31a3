"""Alias of :mod:`spatialcoupling.spatial_panel._logdet` (the module's name before 0.2).

Import from ``spatialcoupling.spatial_panel._logdet``; this module re-exports its public names.
"""

from __future__ import annotations

from .spatial_panel._logdet import (
    DENSE_MAX_N,
    IMPACT_EIGEN_MAX_N,
    PROBES,
    LogDet,
    eigenvalues,
    is_row_standardised,
    multiple_of_identity_after_demeaning,
    row_sums,
)

__all__ = [
    "DENSE_MAX_N",
    "IMPACT_EIGEN_MAX_N",
    "PROBES",
    "LogDet",
    "eigenvalues",
    "is_row_standardised",
    "multiple_of_identity_after_demeaning",
    "row_sums",
]

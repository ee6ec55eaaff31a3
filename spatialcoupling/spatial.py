"""0.1 import path of :mod:`spatialcoupling.spatialweights` (building spatial weights)."""

from __future__ import annotations

from .spatialweights import (
    EARTH_RADIUS_KM,
    KIND_OPTIONS,
    KINDS,
    NOTES_ATTR,
    SPATIAL_WEIGHTS_CONSTRAINTS,
    great_circle_km,
    read_weights,
    spatial_weights,
    write_weights,
)

__all__ = [
    "EARTH_RADIUS_KM",
    "KINDS",
    "KIND_OPTIONS",
    "NOTES_ATTR",
    "SPATIAL_WEIGHTS_CONSTRAINTS",
    "great_circle_km",
    "read_weights",
    "spatial_weights",
    "write_weights",
]

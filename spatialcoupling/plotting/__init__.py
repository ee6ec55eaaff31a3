"""Figures from plain data: maps, LISA maps and plots, and the charts of every analysis step.

Every function here takes pandas frames, Series and GeoDataFrames (never result objects) and
returns a matplotlib ``Figure``; results call them from their ``.plot()`` methods, as libpysal's
``graph`` plots do. Figures are saved through :func:`spatialcoupling._figures.save_figure`.

Submodules (imported on first use): ``maps`` (region maps, the China frames and inset,
choropleths, multi-panel maps), ``lisa`` (cluster and significance maps, Moran scatterplot),
``global_stats`` (a global statistic over time), ``inequality`` (Dagum and Theil charts),
``convergence`` and ``spatial_panel`` (sigma/beta and coefficient charts), ``scores`` and
``coupling`` (weights, scores and D over time).
"""

from __future__ import annotations

import importlib
from typing import Any

_SUBMODULES = (
    "maps",
    "lisa",
    "global_stats",
    "inequality",
    "convergence",
    "spatial_panel",
    "scores",
    "coupling",
    "dynamics",
    "drivers",
)

__all__ = list(_SUBMODULES)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'spatialcoupling.plotting' has no attribute {name!r}")

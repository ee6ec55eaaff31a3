"""Distribution dynamics: how a region × period series moves over time.

* :class:`KernelDensity` — kernel densities per period (and group): peaks, modes, spread, tails;
  overlaid curves, the 3-D surface and a ridgeline.
* :class:`MarkovChain` — transitions between discretised states (quantiles, coordination grades,
  given breaks): probabilities, steady state, first passage times, homogeneity tests.
* :class:`SpatialMarkov` — transitions conditioned on the state of the spatial lag (Rey 2001) with
  the LR and Q tests of spatial dependence.
* :class:`SpaceTimeLISA` — LISA quadrant transitions, Rey's transition types, LISA time paths
  (length, tortuosity, direction) and the directional rose.
* :class:`GravityCentre` — the weighted centre of gravity per period, its moves in km, and the
  standard deviational ellipse.
* :class:`RankMobility` — ranks, rank changes, Kendall's τ and the spatial τ.

Data goes to ``fit``, settings to the constructor, as everywhere in the package.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "KernelDensity": "density",
    "DensityResult": "density",
    "MarkovChain": "markov",
    "MarkovResult": "markov",
    "SpatialMarkov": "markov",
    "SpatialMarkovResult": "markov",
    "SpaceTimeLISA": "space_time",
    "SpaceTimeLISAResult": "space_time",
    "GravityCentre": "gravity",
    "GravityResult": "gravity",
    "RankMobility": "rank",
    "RankResult": "rank",
}

# the public names, written out for static tools (tests/test_exports.py checks it is sorted(_EXPORTS))
__all__ = [
    "DensityResult",
    "GravityCentre",
    "GravityResult",
    "KernelDensity",
    "MarkovChain",
    "MarkovResult",
    "RankMobility",
    "RankResult",
    "SpaceTimeLISA",
    "SpaceTimeLISAResult",
    "SpatialMarkov",
    "SpatialMarkovResult",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'spatialcoupling.dynamics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__

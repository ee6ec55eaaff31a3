"""spatialcoupling: from regional indicator panels to publishable spatial evidence.

Subsystem scores (entropy and other objective weights), coupling coordination
degrees, spatial weights, global and local Moran's I, Dagum Gini decomposition,
sigma and beta convergence with spatial panel models, and studies that chain
them into tables, figures, maps and a report.

The top-level names are loaded lazily, so ``import spatialcoupling`` stays light
and a command-line run pays only for the stages it uses.
"""

from __future__ import annotations

import importlib
from typing import Any


def _read_version() -> str:
    """The version written once, in pyproject.toml: from the installed metadata, else from the source tree."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("spatialcoupling")
    except PackageNotFoundError:  # a source tree on sys.path that is not installed
        import tomllib
        from pathlib import Path

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        try:
            return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "0+unknown"


__version__ = _read_version()

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # panel data and indicator systems
    "Panel": "panel",
    "read_panel": "panel",
    "IndicatorSystem": "indicators",
    # objective weights and subsystem scores
    "EntropyWeights": "scores",
    "CriticWeights": "scores",
    "CVWeights": "scores",
    "EqualWeights": "scores",
    "CombinedWeights": "scores",
    "GivenWeights": "scores",
    "SubsystemScores": "scores",
    # coupling coordination
    "CouplingCoordination": "coupling",
    "CouplingResult": "coupling",
    # geography
    "read_regions": "regions",
    "match_regions": "regions",
    "spatial_weights": "spatialweights",
    "sparse_weights": "spatialweights",
    # spatial autocorrelation
    "GlobalMoran": "autocorrelation",
    "GlobalGeary": "autocorrelation",
    "GetisOrdG": "autocorrelation",
    "BivariateMoran": "autocorrelation",
    "LocalMoran": "autocorrelation",
    # inequality
    "DagumGini": "inequality",
    "TheilIndex": "inequality",
    # convergence and spatial panels
    "SpatialPanel": "spatial_panel",
    "SigmaConvergence": "convergence",
    "BetaConvergence": "convergence",
    "ClubConvergence": "clubs",
    # distribution dynamics
    "KernelDensity": "dynamics",
    "MarkovChain": "dynamics",
    "SpatialMarkov": "dynamics",
    "SpaceTimeLISA": "dynamics",
    "GravityCentre": "dynamics",
    "RankMobility": "dynamics",
    # why and where: obstacle degree, geographic detector, hot spots, bivariate LISA, scores, robustness
    "ObstacleDegree": "drivers",
    "GeoDetector": "drivers",
    "HotSpots": "drivers",
    "BivariateLocalMoran": "drivers",
    "DifferentialLocalMoran": "drivers",
    "Topsis": "drivers",
    "GreyRelational": "drivers",
    "RobustnessGrid": "drivers",
    # studies
    "Study": "study",
}

_SUBMODULES = {"datasets", "layers", "maps", "plotting"}

# the public names, written out for static tools (tests/test_exports.py checks that this list is
# sorted([*_EXPORTS, *_SUBMODULES, "__version__"]))
__all__ = [
    "BetaConvergence",
    "BivariateLocalMoran",
    "BivariateMoran",
    "CVWeights",
    "ClubConvergence",
    "CombinedWeights",
    "CouplingCoordination",
    "CouplingResult",
    "CriticWeights",
    "DagumGini",
    "DifferentialLocalMoran",
    "EntropyWeights",
    "EqualWeights",
    "GeoDetector",
    "GetisOrdG",
    "GivenWeights",
    "GlobalGeary",
    "GlobalMoran",
    "GravityCentre",
    "GreyRelational",
    "HotSpots",
    "IndicatorSystem",
    "KernelDensity",
    "LocalMoran",
    "MarkovChain",
    "ObstacleDegree",
    "Panel",
    "RankMobility",
    "RobustnessGrid",
    "SigmaConvergence",
    "SpaceTimeLISA",
    "SpatialMarkov",
    "SpatialPanel",
    "Study",
    "SubsystemScores",
    "TheilIndex",
    "Topsis",
    "__version__",
    "datasets",
    "layers",
    "maps",
    "match_regions",
    "plotting",
    "read_panel",
    "read_regions",
    "sparse_weights",
    "spatial_weights",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'spatialcoupling' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__

"""Why and where: what holds the coupling coordination degree back and what drives its pattern.

* :class:`ObstacleDegree` — obstacle degree of every indicator, dimension and subsystem
  (障碍度模型), from fitted subsystem scores;
* :class:`GeoDetector` — geographic detector (地理探测器): factor, interaction, risk and ecological
  detectors, with quantile / equal / natural-breaks / geometric discretisation and the OPGD search;
* :class:`HotSpots` — local Getis-Ord Gi* with conditional-permutation p-values, FDR and ArcGIS's
  hot/cold-spot classes;
* :class:`BivariateLocalMoran`, :class:`DifferentialLocalMoran` — bivariate and differential LISA in
  GeoDa's conventions;
* :class:`Topsis`, :class:`GreyRelational` — alternative composite scores U per subsystem that feed
  ``sc.CouplingCoordination``;
* :class:`RobustnessGrid` — reruns the key results over alternative weightings, contribution
  coefficients, coupling models and spatial weights and reports how much each conclusion moves.

Every class takes its settings in the constructor and its data in ``fit``, and returns a result
with ``.table`` and named tables, ``.notes``, read-only ``.settings``, ``.summary()``, ``.plot()``
and ``.export(path)``.
"""

from __future__ import annotations

from .bivariate import BivariateLocalMoran, DifferentialLocalMoran, LocalClusterResult
from .detector import GeoDetector, GeoDetectorResult
from .hotspots import HotSpotResult, HotSpots
from .obstacle import ObstacleDegree, ObstacleResult
from .robustness import RobustnessGrid, RobustnessResult, default_weightings
from .topsis import CompositeScores, GreyRelational, Topsis

__all__ = [
    "BivariateLocalMoran",
    "CompositeScores",
    "DifferentialLocalMoran",
    "GeoDetector",
    "GeoDetectorResult",
    "GreyRelational",
    "HotSpotResult",
    "HotSpots",
    "LocalClusterResult",
    "ObstacleDegree",
    "ObstacleResult",
    "RobustnessGrid",
    "RobustnessResult",
    "Topsis",
    "default_weightings",
]

"""Global and local spatial autocorrelation of a region × period series, every period at once.

Global statistics per period (:mod:`.global_stats`): :class:`GlobalMoran` (Moran's I with its
moments under normality and randomisation and a permutation p-value), :class:`GlobalGeary`
(Geary's C), :class:`GetisOrdG` (general G) and :class:`BivariateMoran` (Moran's I between one
series and the spatial lag of another). Local statistics per region-period (:mod:`.local`):
:class:`LocalMoran` (LISA) with GeoDa's cluster conventions, and optionally local Geary's c
(same permutations) and local Getis-Ord Gi*.

Data goes to ``fit``, settings to the constructor:
``GlobalMoran(permutations=999, seed=1).fit(series, w)``,
``LocalMoran(permutations=999, alpha=0.05, seed=1).fit(series, w)``.

Conventions
-----------
* Local Moran's I follows esda: ``z = (y - mean) / sd`` (population sd, per period),
  ``lag = W z`` and ``Ii = (n - 1) z_i lag_i / sum(z**2)``.
* Pseudo p-values come from conditional permutations (the value of region i is held fixed,
  its neighbours are drawn at random from the other n - 1 regions).
  ``alternative="directed"`` (the default) is the folded one-sided rule of GeoDa, esda (its
  default) and spdep (``Pr(folded) Sim``):
  ``p = (1 + min(#{I* >= I}, #{I* <= I})) / (1 + permutations)``, a one-sided p in the
  direction of the observed statistic; under the null about ``2 alpha`` of the regions get
  ``p <= alpha``. Use it to reproduce GeoDa, esda or spdep maps. ``alternative="two-sided"``
  counts draws at least as extreme in absolute value,
  ``p = (1 + #{|I*| >= |I|}) / (1 + permutations)``; under the null about ``alpha`` of the
  regions get ``p <= alpha``. Ties (a draw that reproduces the observed neighbour values up
  to rounding) count as extreme. A region whose standardised value is exactly 0 has
  ``Ii = 0`` for every draw and gets ``p = 1``.
* A region-period is significant when ``p <= alpha`` (GeoDa's rule; esda uses
  ``p < alpha``). ``adjust="bonferroni"`` uses ``alpha / m`` and ``adjust="fdr"`` the
  Benjamini-Hochberg step-up rule, where m counts the non-isolated regions of the period.
  When the cut-off is below the smallest attainable pseudo p, ``1 / (permutations + 1)``, a
  warning says so and the note is kept on the result.
* Cluster codes: ``HH``, ``LL``, ``LH`` (low value among high neighbours), ``HL``, ``ns``
  (not significant) and ``isolated`` for regions without neighbours (they are never labelled
  HH/LL; esda would give them p = 0.001).
* Weights are transformed on a copy (``transform="r"`` row-standardises, as esda does by
  default); the weights passed in are never modified (esda's statistics set ``w.transform`` on
  the caller's object). A libpysal ``W`` or ``Graph`` is accepted alike. The series' regions
  are matched to the weights' ids as text (``110000`` and ``"110000"`` are one region).
* The global statistics use their analytic moments (the formulas of esda), vectorised over
  periods; esda itself is not imported.

Why the permutation inference is written here and not taken from esda: see
:mod:`spatialcoupling.autocorrelation._permutation` (one set of draws for every period, no
numba) and the measured gap in ``benchmarks/results/benchmarks.md``.

Figures are drawn by :mod:`spatialcoupling.plotting.lisa` and
:mod:`spatialcoupling.plotting.global_stats` from the results' tables; GIS layers are written
by :mod:`spatialcoupling.layers`.
"""

from __future__ import annotations

from .._clusters import CLUSTERS, QUADRANTS
from .global_stats import (
    BivariateMoran,
    BivariateMoranResult,
    GetisOrdG,
    GetisOrdGResult,
    GlobalGeary,
    GlobalGearyResult,
    GlobalMoran,
    GlobalMoranResult,
)
from .local import ClusterTransitions, LocalMoran, LocalMoranResult

__all__ = [
    "CLUSTERS",
    "QUADRANTS",
    "BivariateMoran",
    "BivariateMoranResult",
    "ClusterTransitions",
    "GetisOrdG",
    "GetisOrdGResult",
    "GlobalGeary",
    "GlobalGearyResult",
    "GlobalMoran",
    "GlobalMoranResult",
    "LocalMoran",
    "LocalMoranResult",
]

"""Convergence of a region × period series: sigma, beta (with spatial panel models) and clubs.

* :class:`SigmaConvergence` (``sigma``): dispersion per period, overall and per group, and its trend;
* :class:`BetaConvergence` (``beta``): growth on the initial level by OLS, FE, the Barro cross-section
  or a spatial panel model, with speed, half-life, impacts and model-choice tests;
* :class:`ClubConvergence` (``clubs``): the Phillips–Sul log t test and convergence clubs.

Settings go to the constructors, data to ``fit``: ``SigmaConvergence(measure="cv").fit(D, groups=None)``,
``BetaConvergence(kind=..., model=...).fit(D, w=None, controls=None, groups=None)``,
``ClubConvergence(...).fit(D)``.
"""

from __future__ import annotations

from .beta import (
    BETA_EFFECTS,
    BETA_MODELS,
    MIN_GROUP,
    SPATIAL_EFFECTS,
    SPATIAL_MODELS,
    SPEED_FORM,
    BetaConvergence,
    BetaResult,
    speed_half_life,
)
from .clubs import (
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
from .sigma import MEASURES, OVERALL, SigmaConvergence, SigmaResult, trend_test

__all__ = [
    "BETA_EFFECTS",
    "BETA_MODELS",
    "CORE_RULES",
    "DIVERGENT",
    "HAC_METHODS",
    "MEASURES",
    "MERGE_METHODS",
    "MIN_GROUP",
    "MIN_PERIODS_USED",
    "OVERALL",
    "SPATIAL_EFFECTS",
    "SPATIAL_MODELS",
    "SPEED_FORM",
    "BetaConvergence",
    "BetaResult",
    "ClubConvergence",
    "ClubResult",
    "LogTTest",
    "SigmaConvergence",
    "SigmaResult",
    "hp_trend",
    "newey_west_lags",
    "speed_half_life",
    "trend_test",
]

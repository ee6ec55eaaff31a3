"""Spatial panel models estimated by maximum likelihood, their tests and impacts.

``SpatialPanel(model, effects).fit(y, X, w)`` estimates an OLS, SLX, SAR, SDM, SEM, SDEM or SAC panel
with individual, time, two-way, no or random effects and returns a :class:`SpatialPanelResult`
(see :mod:`spatialcoupling.spatial_panel.model` for the equations, the Lee–Yu correction and what
is refused).

Modules: ``model`` (the estimator), ``results`` (the result), ``impacts`` (direct, indirect and total
effects), ``diagnostics`` (LM, Wald, LR, Hausman and the model-choice tests), ``_data`` (preparing y,
X and W), ``_logdet`` (log-determinants and traces of W).
"""

from __future__ import annotations

from .diagnostics import hausman_test, lm_tests, lr_test, model_tests, wald_test
from .impacts import IMPACT_ROUNDS
from .model import EFFECTS, LOGDETS, MODELS, RANDOM_EFFECTS_MODELS, EstimationTimeout, SpatialPanel
from .results import SpatialPanelResult

__all__ = [
    "EFFECTS",
    "IMPACT_ROUNDS",
    "LOGDETS",
    "MODELS",
    "RANDOM_EFFECTS_MODELS",
    "EstimationTimeout",
    "SpatialPanel",
    "SpatialPanelResult",
    "hausman_test",
    "lm_tests",
    "lr_test",
    "model_tests",
    "wald_test",
]

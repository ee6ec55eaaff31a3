"""0.1 import path of :mod:`spatialcoupling.scores` (indicator weights and subsystem scores)."""

from __future__ import annotations

from .scores import (
    CombinedWeights,
    CriticWeights,
    CVWeights,
    EntropyWeights,
    EqualWeights,
    GivenWeights,
    Scope,
    SubsystemScores,
)

__all__ = [
    "CVWeights",
    "CombinedWeights",
    "CriticWeights",
    "EntropyWeights",
    "EqualWeights",
    "GivenWeights",
    "Scope",
    "SubsystemScores",
]

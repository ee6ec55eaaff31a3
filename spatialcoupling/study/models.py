"""The analysis objects of a study, built from the settings of their sections: one function each.

Every construction of an analysis object by the study is here, so that the way the study calls
the models (which settings go to the constructor, which data) is written once. Each function
takes the settings of its section (``cfg``, a mapping of study keys) and the data the model is
constructed with; the keys' defaults and their constructor parameters come from the schema
(:func:`spatialcoupling.study.schema.model_params`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .schema import model_params, setting

__all__ = [
    "Bound",
    "beta_effects",
    "beta_model",
    "coupling_model",
    "dagum_model",
    "lisa_model",
    "moran_model",
    "sigma_model",
    "spatial_panel_model",
    "weighting_model",
]


@dataclass(frozen=True)
class Bound:
    """A model with the data it is fitted with besides the series: ``fit(series)`` calls
    ``model.fit(series, **data)``. The settings stay on the model (read through this object)."""

    model: Any
    data: Mapping[str, Any] = field(default_factory=dict)

    def fit(self, series: Any) -> Any:
        return self.model.fit(series, **self.data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)


def weighting_model(cfg: Mapping[str, Any]) -> Any:
    """The weighting object of ``[weighting]``: ``method`` picks the class (``combined``
    combines ``methods``)."""
    from .. import scores as wmod

    classes = {
        "entropy": wmod.EntropyWeights,
        "critic": wmod.CriticWeights,
        "cv": wmod.CVWeights,
        "equal": wmod.EqualWeights,
        "given": wmod.GivenWeights,
    }
    params = model_params("weighting", cfg)
    how = {"how": params.pop("how")} if "how" in params else {}
    method = setting(cfg, "weighting", "method")
    if method == "combined":
        parts = [classes[m](**params) for m in setting(cfg, "weighting", "methods")]
        return wmod.CombinedWeights(parts, **how, **params)
    return classes[method](**params)


def coupling_model(cfg: Mapping[str, Any]) -> Any:
    """The :class:`~spatialcoupling.CouplingCoordination` of ``[coupling]``."""
    from ..coupling import CouplingCoordination

    return CouplingCoordination(**model_params("coupling", cfg))


def moran_model(cfg: Mapping[str, Any], w: Any) -> Any:
    """The :class:`~spatialcoupling.GlobalMoran` of ``[moran]`` on the weights ``w``."""
    from ..autocorrelation import GlobalMoran

    return Bound(GlobalMoran(**model_params("moran", cfg)), {"w": w})


def lisa_model(cfg: Mapping[str, Any], w: Any) -> Any:
    """The :class:`~spatialcoupling.LocalMoran` of ``[lisa]`` on the weights ``w``."""
    from ..autocorrelation import LocalMoran

    return Bound(LocalMoran(**model_params("lisa", cfg)), {"w": w})


def dagum_model(cfg: Mapping[str, Any], groups: pd.Series | None) -> Any:
    """The :class:`~spatialcoupling.DagumGini` of ``[dagum]`` with the region groups ``groups``."""
    from ..inequality import DagumGini

    return Bound(DagumGini(**model_params("dagum", cfg)), {"groups": groups})


def sigma_model(cfg: Mapping[str, Any], groups: pd.Series | None) -> Any:
    """The :class:`~spatialcoupling.SigmaConvergence` of ``[sigma]`` (by group when ``groups``)."""
    from ..convergence import SigmaConvergence

    return Bound(SigmaConvergence(**model_params("sigma", cfg)), {"groups": groups})


def beta_effects(cfg: Mapping[str, Any]) -> str | None:
    """``beta.effects``, or the default of the model: two-way for FE and spatial models, none for OLS."""
    if "effects" in cfg:
        return str(cfg["effects"])
    return None if setting(cfg, "beta", "model") == "ols" else "twoway"


def beta_model(
    cfg: Mapping[str, Any], kind: str, w: Any, controls: pd.DataFrame | None, groups: pd.Series | None
) -> Any:
    """The :class:`~spatialcoupling.BetaConvergence` of ``[beta]`` for ``kind``
    (``"absolute"`` or ``"conditional"``, which takes ``controls``)."""
    from ..convergence import BetaConvergence

    params = model_params("beta", cfg)
    effects = beta_effects(cfg)
    if effects is not None:
        params["effects"] = effects
    data = {"w": w, "controls": controls if kind == "conditional" else None, "groups": groups}
    return Bound(BetaConvergence(kind=kind, **params), data)


def spatial_panel_model(cfg: Mapping[str, Any]) -> Any:
    """The :class:`~spatialcoupling.SpatialPanel` a spatial ``[beta]`` model fits (None for OLS/FE).

    Built by the check only, so that settings the estimator refuses (effects a model does not
    take) are found before a run; :class:`~spatialcoupling.BetaConvergence` builds its own.
    Also refuses a negative ``beta.seed`` (the seed of the impact simulations) for every model.
    """
    from ..spatial_panel import SpatialPanel

    seed = setting(cfg, "beta", "seed")
    if isinstance(seed, int) and not isinstance(seed, bool) and seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    model = setting(cfg, "beta", "model")
    if model in ("ols", "fe"):
        return None
    return SpatialPanel(
        model,
        beta_effects(cfg) or "individual",
        lee_yu=setting(cfg, "beta", "lee_yu"),
        draws=setting(cfg, "beta", "draws"),
        seed=seed,
    )


# -- distribution dynamics and drivers --------------------------------------------------------------
def density_model(cfg: Mapping[str, Any]) -> Any:
    """The :class:`~spatialcoupling.dynamics.KernelDensity` of ``[density]``."""
    from ..dynamics import KernelDensity

    params = model_params("density", cfg)
    if isinstance(params.get("bandwidth"), int) and not isinstance(params.get("bandwidth"), bool):
        params["bandwidth"] = float(params["bandwidth"])
    return KernelDensity(**params)


def markov_models(cfg: Mapping[str, Any], w: Any) -> dict[str, Any]:
    """The :class:`~spatialcoupling.dynamics.MarkovChain` of ``[markov]`` and, with ``spatial = true``,
    the :class:`~spatialcoupling.dynamics.SpatialMarkov` on the weights ``w``."""
    from ..dynamics import MarkovChain, SpatialMarkov

    params = model_params("markov", cfg)
    built: dict[str, Any] = {"markov": MarkovChain(**params)}
    if setting(cfg, "markov", "spatial"):
        built["spatial_markov"] = Bound(SpatialMarkov(**params), {"w": w})
    return built


def space_time_models(cfg: Mapping[str, Any], w: Any) -> dict[str, Any]:
    """The :class:`~spatialcoupling.dynamics.SpaceTimeLISA` of ``[space_time]`` and, with
    ``rank = true``, the :class:`~spatialcoupling.dynamics.RankMobility` (same seed) on ``w``."""
    from ..dynamics import RankMobility, SpaceTimeLISA

    params = model_params("space_time", cfg)
    built: dict[str, Any] = {"space_time": Bound(SpaceTimeLISA(**params), {"w": w})}
    if setting(cfg, "space_time", "rank"):
        built["rank"] = Bound(RankMobility(seed=params.get("seed")), {"w": w})
    return built


def gravity_model(cfg: Mapping[str, Any], regions: Any) -> Any:
    """The :class:`~spatialcoupling.dynamics.GravityCentre` of ``[gravity]`` on the boundaries ``regions``."""
    from ..dynamics import GravityCentre

    return Bound(GravityCentre(**model_params("gravity", cfg)), {"regions": regions})


def obstacle_model(cfg: Mapping[str, Any]) -> Any:
    """The :class:`~spatialcoupling.drivers.ObstacleDegree` of ``[obstacle]``."""
    from ..drivers import ObstacleDegree

    return ObstacleDegree(**model_params("obstacle", cfg))


def detector_model(cfg: Mapping[str, Any], factors: pd.DataFrame | None) -> Any:
    """The :class:`~spatialcoupling.drivers.GeoDetector` of ``[detector]`` on the factor columns ``factors``."""
    from ..drivers import GeoDetector

    return Bound(GeoDetector(**model_params("detector", cfg)), {"factors": factors})


def hotspots_model(cfg: Mapping[str, Any], w: Any) -> Any:
    """The :class:`~spatialcoupling.drivers.HotSpots` of ``[hotspots]`` on the weights ``w``."""
    from ..drivers import HotSpots

    return Bound(HotSpots(**model_params("hotspots", cfg)), {"w": w})


def bivariate_model(cfg: Mapping[str, Any], y: pd.Series | None, w: Any) -> Any:
    """The :class:`~spatialcoupling.drivers.BivariateLocalMoran` of ``[bivariate]``: D against the lag
    of the column ``y``."""
    from ..drivers import BivariateLocalMoran

    return Bound(BivariateLocalMoran(**model_params("bivariate", cfg)), {"y": y, "w": w})


def robustness_model(cfg: Mapping[str, Any], weighting: Any, coupling: Any, system: Any, w: Any, groups: Any) -> Any:
    """The :class:`~spatialcoupling.drivers.RobustnessGrid` of ``[robustness]``: the study's weighting,
    contributions and coupling model first (the baseline), then the alternatives of the section."""
    from ..drivers import RobustnessGrid
    from ..drivers.robustness import default_weightings

    params = model_params("robustness", cfg)
    chosen = setting(cfg, "robustness", "weightings")
    weightings = {"study": weighting, **{k: v for k, v in default_weightings().items() if k in chosen}}
    base = getattr(coupling, "contributions", None)
    contributions = [base, *[tuple(c) for c in cfg.get("contributions", [])]]
    models = params.pop("models", None)
    if models is not None:
        models = list(dict.fromkeys([getattr(coupling, "model", "classic"), *models]))
    else:
        models = [getattr(coupling, "model", "classic")]
    grid = RobustnessGrid(weightings=weightings, contributions=contributions, models=models, beta=None, **params)
    return Bound(grid, {"system": system, "weights": {"study": w}, "groups": groups})

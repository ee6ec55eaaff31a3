"""A documented simulator of indicator panels shaped like a provincial coupling study.

``china_demo`` is SYNTHETIC. It has the shape of a typical study of a modern
service industry (MS) and an advanced manufacturing industry (AM) across 29
Chinese provinces (the 31 mainland units without Tibet and Hainan) in 2009–2024:
two subsystems, five dimensions of two indicators each per subsystem, some
negative indicators, and four control variables. The numbers are not yearbook
data; swap in real data by reading your own table with ``sc.read_panel`` and
keeping the same column names (or your own indicator system).

How it is generated (all from one ``seed``):

1. Each region has a latent development level per subsystem,
   ``l_s(i, 0) = gradient_s(i) + f_s(i)``, where the gradient rises towards the
   east coast (longitude and latitude of the provincial capital) and ``f_s`` is a
   spatially autocorrelated Gaussian field with covariance
   ``exp(-d_ij / range_km)`` over great-circle distances between capitals.
2. Levels grow and converge: ``l_s(i, t) = l̄_s(t) + (l_s(i, 0) - l̄_s(0)) · exp(-κ t) + ε``
   with a common trend ``l̄_s(t)``, convergence rate ``κ`` and small spatially
   correlated shocks ``ε``.
3. The subsystems are coupled: AM's level loads on MS's with ``coupling_strength``.
4. Indicator ``j`` is ``exp(a_j ± b_j · l + u)`` (``-`` for negative indicators)
   with idiosyncratic noise ``u``.
5. Optionally a few cells are blanked at random (``missing``) so that the gap
   filling and its report can be seen.

Capital coordinates are public geographic facts (approximate, to 0.01°).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..indicators import parse_direction

#: approximate coordinates (lon, lat) of the provincial capitals
CAPITALS: dict[str, tuple[float, float]] = {
    "Beijing": (116.40, 39.90),
    "Tianjin": (117.20, 39.13),
    "Hebei": (114.51, 38.04),
    "Shanxi": (112.55, 37.87),
    "Inner Mongolia": (111.75, 40.84),
    "Liaoning": (123.43, 41.80),
    "Jilin": (125.32, 43.82),
    "Heilongjiang": (126.53, 45.80),
    "Shanghai": (121.47, 31.23),
    "Jiangsu": (118.80, 32.06),
    "Zhejiang": (120.16, 30.27),
    "Anhui": (117.23, 31.82),
    "Fujian": (119.30, 26.08),
    "Jiangxi": (115.86, 28.68),
    "Shandong": (117.00, 36.65),
    "Henan": (113.63, 34.75),
    "Hubei": (114.31, 30.59),
    "Hunan": (112.94, 28.23),
    "Guangdong": (113.26, 23.13),
    "Guangxi": (108.37, 22.82),
    "Hainan": (110.35, 20.02),
    "Chongqing": (106.55, 29.56),
    "Sichuan": (104.07, 30.67),
    "Guizhou": (106.63, 26.65),
    "Yunnan": (102.83, 24.88),
    "Tibet": (91.13, 29.65),
    "Shaanxi": (108.94, 34.34),
    "Gansu": (103.83, 36.06),
    "Qinghai": (101.78, 36.62),
    "Ningxia": (106.23, 38.49),
    "Xinjiang": (87.62, 43.83),
}

#: the 29 provinces of the demo (without Tibet and Hainan)
DEMO_REGIONS: tuple[str, ...] = tuple(r for r in CAPITALS if r not in {"Tibet", "Hainan"})

#: subsystem -> dimension -> indicator -> direction
DEMO_SYSTEM: dict[str, dict[str, dict[str, str]]] = {
    "MS": {
        "factor_supply": {"ms_fixed_investment": "+", "ms_employment": "+"},
        "industrial_scale": {"ms_value_added": "+", "ms_firms": "+"},
        "economic_benefit": {"ms_labour_productivity": "+", "ms_profit_rate": "+"},
        "growth_potential": {"ms_market_size": "+", "ms_rd_staff": "+"},
        "green_development": {"ms_energy_intensity": "-", "ms_digital_penetration": "+"},
    },
    "AM": {
        "factor_supply": {"am_fixed_investment": "+", "am_employment": "+"},
        "industrial_scale": {"am_output": "+", "am_firms": "+"},
        "economic_benefit": {"am_labour_productivity": "+", "am_profit_rate": "+"},
        "innovation": {"am_rd_intensity": "+", "am_patents": "+"},
        "green_development": {"am_energy_intensity": "-", "am_wastewater_intensity": "-"},
    },
}

#: control variables for conditional convergence (names and meaning)
DEMO_CONTROLS: dict[str, str] = {
    "gov_share": "government expenditure / GDP",
    "openness": "trade / GDP",
    "urbanization": "urban population share",
    "human_capital": "average years of schooling",
}


def _great_circle_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lon), np.radians(lat)
    dlon = lon[:, None] - lon[None, :]
    dlat = lat[:, None] - lat[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def simulate_panel(
    regions: Mapping[str, tuple[float, float]] | Iterable[str] | None = None,
    periods: Iterable[int] = range(2009, 2025),
    *,
    seed: int = 0,
    system: Mapping[str, Mapping[str, Mapping[str, str]]] | None = None,
    range_km: float = 700.0,
    convergence: float = 0.06,
    coupling_strength: float = 0.6,
    noise: float = 0.2,
    missing: int = 0,
    controls: bool = True,
) -> pd.DataFrame:
    """Simulate a long indicator panel with spatial autocorrelation, gradients and convergence.

    Parameters
    ----------
    regions : mapping name -> (lon, lat), or names from :data:`CAPITALS`, optional
        Default: the 29 provinces of :data:`DEMO_REGIONS`.
    periods : iterable of int
        Periods (years).
    seed : int
        Seed of all random draws; the same seed gives the same panel.
    system : mapping, optional
        Indicator system ``{subsystem: {dimension: {indicator: "+"/"-"}}}``;
        default :data:`DEMO_SYSTEM`. Each subsystem gets its own latent level.
    range_km : float
        Range of the exponential spatial covariance of the latent fields.
    convergence : float
        Annual rate κ at which regional gaps in the latent level shrink.
    coupling_strength : float
        How much the second and later subsystems' levels load on the first's.
    noise : float
        Standard deviation of idiosyncratic indicator noise (log scale).
    missing : int
        Number of indicator cells blanked at random (to exercise gap filling).
    controls : bool
        Add the control variables of :data:`DEMO_CONTROLS`.

    Returns
    -------
    pandas.DataFrame
        Long format with columns ``region``, ``period``, the indicators and controls.
    """
    if regions is None:
        regions = {r: CAPITALS[r] for r in DEMO_REGIONS}
    elif not isinstance(regions, Mapping):
        names = list(regions)
        if len(set(names)) != len(names):
            raise ValueError(f"regions listed more than once: {sorted({r for r in names if names.count(r) > 1})}")
        unknown = [r for r in names if r not in CAPITALS]
        if unknown:
            raise ValueError(f"no coordinates for regions {unknown}; pass a mapping name -> (lon, lat)")
        regions = {r: CAPITALS[r] for r in names}
    system = DEMO_SYSTEM if system is None else system
    periods = list(periods)
    if len(periods) < 2:
        raise ValueError("simulate_panel needs at least two periods")
    if len(set(periods)) != len(periods):
        raise ValueError(f"periods must be distinct, got {periods}")
    if not 0 <= convergence < 1:
        raise ValueError(f"convergence must be in [0, 1), got {convergence}")
    if not 0 <= coupling_strength <= 1:
        raise ValueError(f"coupling_strength must be in [0, 1], got {coupling_strength}")
    if not range_km > 0:
        raise ValueError(f"range_km must be > 0, got {range_km}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    interior = len(regions) * max(len(periods) - 2, 0)
    if not 0 <= missing <= interior:
        raise ValueError(f"missing must be between 0 and {interior} (the interior region-periods), got {missing}")
    directions = {
        ind: parse_direction(d, ind) for dims in system.values() for inds in dims.values() for ind, d in inds.items()
    }
    names = list(regions)
    n, T = len(names), len(periods)
    lon = np.array([regions[r][0] for r in names], dtype=float)
    lat = np.array([regions[r][1] for r in names], dtype=float)
    rng = np.random.default_rng(seed)
    dist = _great_circle_km(lon, lat)
    chol = np.linalg.cholesky(np.exp(-dist / range_km) + 1e-9 * np.eye(n))
    coast = (lon - lon.mean()) / lon.std() + 0.3 * (lat - lat.mean()) / lat.std()
    t = np.arange(T, dtype=float)
    levels: dict[str, np.ndarray] = {}
    first_field = None
    for k, subsystem in enumerate(system):
        field = chol @ rng.standard_normal(n)
        if first_field is None:
            first_field = field
        else:
            field = coupling_strength * first_field + np.sqrt(1 - coupling_strength**2) * field
        start = 0.7 * coast + 0.6 * field
        trend = 0.09 * (1 + 0.2 * k) * t  # common upward trend
        gap = (start - start.mean())[:, None] * np.exp(-convergence * t)[None, :]
        shocks = np.cumsum(0.05 * (chol @ rng.standard_normal((n, T))), axis=1)
        levels[subsystem] = start.mean() + trend[None, :] + gap + shocks
    columns: dict[str, np.ndarray] = {}
    for subsystem, dims in system.items():
        level = levels[subsystem]
        for indicators in dims.values():
            for indicator in indicators:
                a, b = rng.uniform(1.0, 4.0), rng.uniform(0.5, 1.2)
                sign = float(directions[indicator])
                columns[indicator] = np.exp(a + sign * b * level + noise * rng.standard_normal((n, T)))
    if controls:
        base = levels[next(iter(system))]
        columns["gov_share"] = np.clip(0.25 - 0.03 * base + 0.02 * rng.standard_normal((n, T)), 0.05, 0.9)
        columns["openness"] = np.exp(-1.5 + 0.5 * base + 0.1 * rng.standard_normal((n, T)))
        columns["urbanization"] = np.clip(
            0.5 + 0.08 * base + 0.01 * t[None, :] + 0.02 * rng.standard_normal((n, T)), 0.2, 0.95
        )
        columns["human_capital"] = 8.5 + 0.6 * base + 0.05 * t[None, :] + 0.1 * rng.standard_normal((n, T))
    frame = pd.DataFrame(
        {"region": np.repeat(names, T), "period": np.tile(periods, n), **{k: v.ravel() for k, v in columns.items()}}
    )
    if missing:
        indicator_cols = [i for dims in system.values() for inds in dims.values() for i in inds]
        # only interior cells, so that linear interpolation can fill every gap
        rows = rng.choice(np.flatnonzero(~frame["period"].isin([periods[0], periods[-1]])), size=missing, replace=False)
        cols = rng.choice(indicator_cols, size=missing)
        for r, c in zip(rows, cols, strict=True):
            frame.loc[r, c] = np.nan
    return frame


def china_demo_system():
    """The indicator system of ``china_demo`` as an :class:`~spatialcoupling.IndicatorSystem`."""
    from ..indicators import IndicatorSystem

    return IndicatorSystem.from_dict(DEMO_SYSTEM)


def load_china_demo() -> pd.DataFrame:
    """The SYNTHETIC ``china_demo`` panel: 29 provinces × 2009–2024, MS and AM, 6 gaps (seed 2024)."""
    return simulate_panel(seed=2024, missing=6)

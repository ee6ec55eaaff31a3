"""The result contract of the driver analyses: tables as copies, read-only settings, notes, summary,
real figures (maps from plain data), export by suffix; settings declared once and checked in fit."""

from __future__ import annotations

import warnings
from types import MappingProxyType

import matplotlib
import numpy as np
import pandas as pd
import pytest

import spatialcoupling as sc
from spatialcoupling._params import Model
from spatialcoupling.datasets.simulate import DEMO_REGIONS, china_demo_system, simulate_panel

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def results():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = sc.read_panel(simulate_panel(periods=range(2018, 2021)), region="region", period="period")
        regions = sc.datasets.load("china_provinces").set_index("name_en").loc[list(DEMO_REGIONS)]
        w = sc.spatial_weights(regions, kind="queen")
        scores = sc.EntropyWeights().fit(panel, china_demo_system())
        D = sc.CouplingCoordination().fit(scores).D
        factors = panel.data[["gov_share", "openness"]].join(regions[["zone8"]], on="region")
        out = {
            "obstacle": sc.ObstacleDegree().fit(scores),
            "detector": sc.GeoDetector(method="optimal", k_range=(3, 4)).fit(D, factors),
            "hotspots": sc.HotSpots(permutations=99, seed=1).fit(D, w),
            "bivariate": sc.BivariateLocalMoran(permutations=99, seed=1).fit(D, scores.U("MS"), w),
            "differential": sc.DifferentialLocalMoran(permutations=99, seed=1).fit(D, w),
            "topsis": sc.Topsis().fit(scores),
            "grey": sc.GreyRelational().fit(scores),
            "robustness": sc.RobustnessGrid(
                weightings={"entropy": sc.EntropyWeights(), "equal": sc.EqualWeights()},
                beta=None,
                permutations=0,
                seed=1,
            ).fit(panel, china_demo_system(), {"queen": w}),
        }
    return out, regions


NAMES = ["obstacle", "detector", "hotspots", "bivariate", "differential", "topsis", "grey", "robustness"]


@pytest.mark.parametrize("name", NAMES)
def test_contract(results, name, tmp_path):
    res = results[0][name]
    assert isinstance(res.settings, MappingProxyType)
    with pytest.raises(TypeError):
        res.settings["x"] = 1
    table = res.table
    assert isinstance(table, pd.DataFrame)
    assert len(table)
    table.iloc[0, 0] = None
    assert not res.table.equals(table) or table.iloc[0, 0] == res.table.iloc[0, 0]
    assert next(iter(res.tables)) == res._table_names[0]
    assert isinstance(res.notes, list)
    assert isinstance(res.summary(), str)
    assert len(res.summary()) > 20
    with pytest.raises(AttributeError, match="immutable"):
        res.new_attribute = 1
    fig = res.plot()
    assert isinstance(fig, matplotlib.figure.Figure)
    assert fig.axes
    matplotlib.pyplot.close(fig)
    assert res.export(tmp_path / f"{name}.csv").stat().st_size > 0
    assert res.export(tmp_path / f"{name}.xlsx").stat().st_size > 0
    assert res.export(tmp_path / f"{name}.png").stat().st_size > 0


@pytest.mark.parametrize("name", ["hotspots", "bivariate", "differential"])
def test_maps_from_plain_data(results, name, tmp_path):
    res, regions = results[0][name], results[1]
    fig = res.plot(regions=regions)
    assert fig.axes[0].get_legend() is not None
    matplotlib.pyplot.close(fig)
    assert res.export(tmp_path / f"{name}_map.png", regions=regions).stat().st_size > 0


def test_other_plots(results):
    out = results[0]
    for fig in (out["obstacle"].plot(kind="dimensions"), out["detector"].plot(kind="interaction")):
        assert fig.axes
        matplotlib.pyplot.close(fig)
    with pytest.raises(ValueError, match="kind must be"):
        out["obstacle"].plot(kind="map")


def test_map_colours_are_the_conventions():
    from spatialcoupling.plotting.drivers import HOTSPOT_COLORS, category_map

    assert HOTSPOT_COLORS["Hot spot (99%)"] == "#D62F27"
    assert HOTSPOT_COLORS["Cold spot (99%)"] == "#4575B5"
    import geopandas as gpd
    import shapely

    frame = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], index=["a"])
    with pytest.raises(ValueError, match=r"no colour for categories \['odd'\]"):
        category_map(frame, pd.Series({"a": "odd"}), HOTSPOT_COLORS)


@pytest.mark.parametrize(
    "cls",
    [
        sc.ObstacleDegree,
        sc.GeoDetector,
        sc.HotSpots,
        sc.BivariateLocalMoran,
        sc.DifferentialLocalMoran,
        sc.Topsis,
        sc.GreyRelational,
        sc.RobustnessGrid,
    ],
)
def test_settings_declared_once(cls):
    assert issubclass(cls, Model)
    model = cls()
    assert set(model.get_params()) == set(cls._parameter_constraints)
    assert "Settings go to the constructor, data" in " ".join((cls.__doc__ or "").split())
    assert repr(model).startswith(cls.__name__)


def test_a_setting_changed_after_construction_is_checked_in_fit(results):
    model = sc.Topsis()
    model.normalize = "l2"
    with pytest.raises(ValueError, match="normalize must be one of 'minmax', 'vector'"):
        model.fit(None)
    assert np.isfinite(results[0]["topsis"].scores.to_numpy()).all()

"""Kernel densities checked against scipy's gaussian_kde, the explicit Epanechnikov formula, R's
bandwidth rules and R's density(), and a hand-made two-peaked sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import gaussian_kde

import spatialcoupling as sc
from spatialcoupling._params import InvalidParameterError
from spatialcoupling.dynamics import KernelDensity
from spatialcoupling.dynamics.density import bandwidth_rule, kernel_density


@pytest.fixture(scope="module")
def relative():
    income = sc.datasets.load("us_income")
    return (income / income.groupby(level="period").transform("mean")).rename("relative income")


def _series(values: np.ndarray, periods=(2000, 2001)) -> pd.Series:
    n = values.shape[0]
    idx = pd.MultiIndex.from_product([[f"r{i:03d}" for i in range(n)], list(periods)], names=["region", "period"])
    return pd.Series(values.ravel(), index=idx, name="x")


def test_gaussian_curve_equals_the_formula_and_scipy(relative):
    kd = KernelDensity(bandwidth="silverman").fit(relative)
    for period in (1929, 1970, 2009):
        curve = kd.curves.xs(period, level="period")
        x = relative.xs(period, level="period").to_numpy()
        h = kd.table.loc[period, "bandwidth"]
        g = curve["x"].to_numpy()
        u = (g[:, None] - x[None, :]) / h
        formula = np.exp(-0.5 * u**2).sum(axis=1) / (np.sqrt(2 * np.pi) * len(x) * h)
        np.testing.assert_allclose(curve["density"], formula, rtol=1e-10, atol=1e-13)
        scipy_kde = gaussian_kde(x, bw_method=h / x.std(ddof=1))  # scipy's bandwidth = factor × s
        np.testing.assert_allclose(curve["density"], scipy_kde(g), rtol=1e-10, atol=1e-13)


def test_bandwidth_rules_equal_r():
    # R 4: x <- <1929 relative incomes>; bw.nrd0(x); bw.nrd(x); y <- c(1, 2, 4, 8); bw.nrd0(y); bw.nrd(y)
    income = sc.datasets.load("us_income")
    x = (income / income.groupby(level="period").transform("mean")).xs(1929, level="period").round(10).to_numpy()
    assert bandwidth_rule(x, "silverman") == pytest.approx(0.149019436838588, rel=1e-9)
    assert bandwidth_rule(x, "scott") == pytest.approx(0.175511781165448, rel=1e-9)
    y = np.array([1.0, 2.0, 4.0, 8.0])
    assert bandwidth_rule(y, "silverman") == pytest.approx(1.65428020785183, rel=1e-12)
    assert bandwidth_rule(y, "scott") == pytest.approx(1.94837446702549, rel=1e-12)


@pytest.mark.parametrize("scale", [1.0, 40_000.0])
def test_epanechnikov_equals_explicit_formula(scale):
    rng = np.random.default_rng(5)
    x = np.concatenate([[0.1, 0.4, 0.45, 0.9], rng.uniform(0, 1, 300)]) * scale
    grid = np.linspace(-0.5, 1.5, 401) * scale
    h = 0.07 * scale
    u = (grid[:, None] - x[None, :]) / h
    k = np.where(np.abs(u) < np.sqrt(5), 3 / (4 * np.sqrt(5)) * (1 - u**2 / 5), 0.0)
    np.testing.assert_allclose(
        kernel_density(x, grid, h, "epanechnikov"), k.sum(axis=1) / (len(x) * h), rtol=1e-9, atol=1e-12 / scale
    )
    # a proper density with variance h² for one point: ∫ f = 1 and ∫ u² K(u) du = 1
    fine = np.linspace(-1, 1, 200_001)
    f = kernel_density(np.array([0.0]), fine, 0.2, "epanechnikov")
    assert np.trapezoid(f, fine) == pytest.approx(1.0, abs=1e-8)
    assert np.trapezoid(fine**2 * f, fine) == pytest.approx(0.2**2, rel=1e-6)


def test_epanechnikov_close_to_r_density():
    # R: density(x, bw = 0.1, kernel = "epanechnikov", n = 512, from = 0.2, to = 2.2) on the 1929 relative
    # incomes, at points 1, 100, 200, 300, 400 (R bins the data, so agreement is to about 1e-3)
    income = sc.datasets.load("us_income")
    x = (income / income.groupby(level="period").transform("mean")).xs(1929, level="period").to_numpy()
    at = np.array([0.2, 0.587475538160470, 0.978864970645793, 1.370254403131115, 1.761643835616438])
    r = np.array([0.0, 8.68599064140350e-01, 1.09350139842239, 5.09664332859154e-01, 2.09622091500411e-01])
    np.testing.assert_allclose(kernel_density(x, at, 0.1, "epanechnikov"), r, atol=5e-3)


def test_two_peaks_found_and_measured():
    rng = np.random.default_rng(3)
    one = rng.normal(0.5, 0.05, size=(400, 1))
    two = np.concatenate([rng.normal(0.3, 0.04, 200), rng.normal(0.7, 0.04, 200)])[:, None]
    kd = KernelDensity(bandwidth=0.03, grid=1024).fit(_series(np.hstack([one, two])))
    t = kd.table
    assert t.loc[2000, "modes"] == 1
    assert t.loc[2001, "modes"] == 2
    assert abs(t.loc[2000, "peak"] - 0.5) < 0.02
    locs = sorted(kd.peaks.loc[2001, "location"])
    assert abs(locs[0] - 0.3) < 0.02
    assert abs(locs[1] - 0.7) < 0.02
    # the tails are measured from the highest mode to where f falls to 5% of its height
    curve = kd.curves.xs(2000, level="period")
    level = 0.05 * t.loc[2000, "height"]
    above = curve[curve["density"] >= level]["x"]
    assert t.loc[2000, "tail_right"] == pytest.approx(above.max() - t.loc[2000, "peak"])
    assert t.loc[2000, "spread"] == pytest.approx(one.std(ddof=1))


def test_groups_add_rows_and_curves_integrate_to_one(relative):
    groups = sc.datasets.load("us_states")["SUB_REGION"]
    kd = KernelDensity(kernel="epanechnikov").fit(relative, groups=groups)
    labels = kd.table.index.get_level_values("group").unique()
    assert labels[0] == "all"
    assert len(labels) == 1 + groups.nunique()
    assert kd.table.xs("all", level="group")["n"].eq(48).all()
    curves = kd.curves
    step = kd.settings["grid_step"]
    mass = curves.groupby(level=["group", "period"])["density"].sum() * step
    np.testing.assert_allclose(mass.xs("all", level="group"), 1.0, atol=5e-4)
    np.testing.assert_allclose(mass, 1.0, atol=1e-2)  # groups of three states: narrow kernels on a coarse grid


def test_group_named_all_and_constant_period_are_errors():
    values = np.column_stack([np.ones(5), np.arange(5.0)])
    with pytest.raises(ValueError, match=r"all values are equal in period 2000.*bandwidth"):
        KernelDensity().fit(_series(values))
    groups = {f"r{i:03d}": "all" for i in range(5)}
    with pytest.raises(ValueError, match="labelled 'all'"):
        KernelDensity(bandwidth=0.5).fit(_series(values), groups=groups)
    with pytest.raises(InvalidParameterError, match="bandwidth"):
        KernelDensity(bandwidth=-1.0)
    with pytest.raises(InvalidParameterError, match="kernel"):
        KernelDensity(kernel="triangular")


def test_result_contract_and_plots(relative, tmp_path):
    kd = KernelDensity().fit(relative)
    assert set(kd.tables) == {"table", "peaks", "curves", "settings_table"}
    with pytest.raises(TypeError):
        kd.settings["kernel"] = "x"
    t = kd.table
    t.iloc[0, 0] = -1
    assert kd.table.iloc[0, 0] != -1
    assert "KernelDensity" not in kd.summary()
    assert "DensityResult" in kd.summary()
    for kind in ("curves", "surface", "ridgeline"):
        fig = kd.plot(kind=kind, periods=[1929, 1969, 2009])
        assert fig.axes
    kd.export(tmp_path / "density.xlsx")
    kd.export(tmp_path / "density.png", kind="ridgeline")
    assert (tmp_path / "density.png").stat().st_size > 0
    with pytest.raises(ValueError, match="kind"):
        kd.plot(kind="violin")

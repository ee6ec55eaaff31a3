"""Robustness grid: each cell's numbers against the same chain run by hand through the public API and
scipy's rank correlations; seeds independent of n_jobs; the conclusions table summarises the cells."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import spatialcoupling as sc
from spatialcoupling._params import InvalidParameterError
from spatialcoupling.datasets.simulate import DEMO_REGIONS, china_demo_system, simulate_panel
from spatialcoupling.drivers import RobustnessGrid

BETA = {"kind": "absolute", "model": "sar", "effects": "twoway", "draws": 0, "tests": False}


@pytest.fixture(scope="module")
def setup():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = sc.read_panel(simulate_panel(periods=range(2015, 2021)), region="region", period="period")
        regions = sc.datasets.load("china_provinces").set_index("name_en").loc[list(DEMO_REGIONS)]
        weights = {
            "queen": sc.spatial_weights(regions, kind="queen"),
            "knn4": lambda: sc.spatial_weights(regions, kind="knn", k=4),
        }
    return panel, china_demo_system(), weights, regions["zone8"]


@pytest.fixture(scope="module")
def grid(setup):
    panel, system, weights, groups = setup
    model = RobustnessGrid(
        weightings={"entropy": sc.EntropyWeights(), "critic": sc.CriticWeights()},
        contributions=[(0.5, 0.5), {"MS": 0.4, "AM": 0.6}],
        permutations=99,
        beta=BETA,
        seed=5,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(panel, system, weights, groups=groups)


def test_cells_match_the_chain_run_by_hand(setup, grid):
    panel, system, weights, groups = setup
    cells = grid.cells
    assert len(cells) == 2 * 2 * 1 * 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = (
            sc.CouplingCoordination(contributions={"MS": 0.5, "AM": 0.5})
            .fit(sc.EntropyWeights().fit(panel, system))
            .D.unstack("period")
        )
        D = sc.CouplingCoordination(contributions={"MS": 0.4, "AM": 0.6}).fit(sc.CriticWeights().fit(panel, system)).D
        w = weights["knn4"]()
        row = cells.loc[("critic", "0.4/0.6", "classic", "knn4")]
        wide = D.unstack("period").loc[base.index]
        rho = [stats.spearmanr(wide[p], base[p]).statistic for p in base.columns]
        tau = [stats.kendalltau(wide[p], base[p]).statistic for p in base.columns]
        assert row["spearman"] == pytest.approx(np.mean(rho))
        assert row["spearman_min"] == pytest.approx(np.min(rho))
        assert row["kendall"] == pytest.approx(np.mean(tau))
        moran = sc.GlobalMoran(permutations=0).fit(D, w).table
        assert row["I_mean"] == pytest.approx(moran["I"].mean())
        assert row["I_positive"] == pytest.approx((moran["I"] > 0).mean())
        beta = sc.BetaConvergence(**BETA).fit(D, w=w)
        assert row["beta"] == pytest.approx(beta.beta, rel=1e-6)
        assert row["beta_p"] == pytest.approx(beta.p_value, rel=1e-4, abs=1e-12)
        dagum = sc.DagumGini().fit(D, groups).table
        for share in ("Gw_share", "Gnb_share", "Gt_share"):
            assert row[share] == pytest.approx(dagum[share].mean())
    first = cells.iloc[0]
    assert first["spearman"] == pytest.approx(1.0)
    assert first["kendall"] == pytest.approx(1.0)
    assert grid.settings["baseline"] == "entropy / 0.5/0.5 / classic / queen"


def test_conclusions_summarise_the_cells(grid):
    table, cells = grid.table, grid.cells
    spear = table.loc["D ranks: Spearman with the baseline"]
    assert spear["min"] == pytest.approx(cells["spearman"].min())
    assert spear["baseline"] == pytest.approx(1.0)
    moran = table.loc["Moran's I: sign and significance"]
    assert moran["agree"] == pytest.approx(cells["I_agrees"].mean())
    beta = table.loc["β convergence: sign and significance"]
    assert beta["agree"] == pytest.approx(cells["beta_agrees"].mean())
    assert beta["min"] == pytest.approx(cells["beta"].min())
    dagum = table.loc["Dagum: Gnb_share"]
    assert dagum["max"] == pytest.approx(cells["Gnb_share"].max())
    np.testing.assert_array_equal(cells["kept"], cells[["I_agrees", "beta_agrees", "dagum_agrees"]].all(axis=1))
    fig = grid.plot()
    assert fig.axes


def test_numbers_do_not_depend_on_n_jobs(setup, grid):
    panel, system, weights, groups = setup
    model = RobustnessGrid(
        weightings={"entropy": sc.EntropyWeights(), "critic": sc.CriticWeights()},
        contributions=[(0.5, 0.5), {"MS": 0.4, "AM": 0.6}],
        permutations=99,
        beta=BETA,
        seed=5,
        n_jobs=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = model.fit(panel, system, weights, groups=groups)
    pd.testing.assert_frame_equal(again.cells, grid.cells)


def test_revised_model_axis_and_skipped_parts(setup):
    panel, system, weights, _ = setup
    model = RobustnessGrid(
        weightings={"equal": sc.EqualWeights()}, models=("classic", "revised"), permutations=0, beta=None, seed=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(panel, system, {"queen": weights["queen"]})
    assert list(res.cells.index.get_level_values("model")) == ["classic", "revised"]
    assert "beta" not in res.cells
    assert "Gw_share" not in res.cells
    assert any("Dagum" in n for n in res.notes)
    assert any("beta=None" in n for n in res.notes)
    revised = res.cells.loc[("equal", "equal", "revised", "queen")]
    assert revised["spearman"] < 1.0


def test_bad_inputs(setup):
    panel, system, weights, _ = setup
    with pytest.raises(ValueError, match=r"give 3 value\(s\) for the 2 subsystems"):
        RobustnessGrid(contributions=[(0.2, 0.3, 0.5)], beta=None).fit(panel, system, weights)
    with pytest.raises(TypeError, match="non-empty mapping"):
        RobustnessGrid(beta=None).fit(panel, system, [weights["queen"]])
    with pytest.raises(InvalidParameterError, match="models"):
        RobustnessGrid(models=("classic", "new"))
    with pytest.raises(InvalidParameterError, match="n_jobs"):
        RobustnessGrid(n_jobs=0)


def test_the_grid_makes_no_deprecated_call(setup):
    """Every model of a cell is fitted in the data-to-fit style (no DeprecationWarning from the package)."""
    panel, system, weights, groups = setup
    model = RobustnessGrid(
        weightings={"entropy": sc.EntropyWeights()},
        contributions=[(0.5, 0.5)],
        permutations=9,
        beta=BETA,
        seed=1,
        n_jobs=1,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", DeprecationWarning)
        result = model.fit(panel, system, {"queen": weights["queen"]}, groups=groups)
    assert not result.cells["reason"].astype(bool).any()

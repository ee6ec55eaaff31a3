"""The demo simulator: reproducible, spatially autocorrelated, converging."""

import numpy as np
import pandas as pd
from libpysal.weights import KNN

import spatialcoupling as sc
from spatialcoupling.datasets.simulate import CAPITALS, DEMO_REGIONS, DEMO_SYSTEM, simulate_panel


def test_same_seed_same_panel():
    pd.testing.assert_frame_equal(simulate_panel(seed=3), simulate_panel(seed=3))
    assert not simulate_panel(seed=3).equals(simulate_panel(seed=4))


def test_shape_of_china_demo():
    frame = sc.datasets.load("china_demo")
    assert frame["region"].nunique() == 29
    assert "Tibet" not in set(frame["region"])
    assert "Hainan" not in set(frame["region"])
    assert sorted(frame["period"].unique()) == list(range(2009, 2025))
    indicators = [i for dims in DEMO_SYSTEM.values() for inds in dims.values() for i in inds]
    assert len(indicators) == 20
    assert int(frame[indicators].isna().sum().sum()) == 6


def test_spatial_autocorrelation_and_convergence():
    import esda

    panel = sc.read_panel(simulate_panel(seed=11)).interpolate()
    ccd = sc.CouplingCoordination({"MS": 0.4, "AM": 0.6}).fit(
        sc.EntropyWeights().fit(panel, sc.IndicatorSystem.from_dict(DEMO_SYSTEM))
    )
    w = KNN.from_array(np.array([CAPITALS[r] for r in DEMO_REGIONS]), k=4, ids=list(DEMO_REGIONS))
    w.transform = "r"
    D = ccd.D.xs(2009, level="period").reindex(list(DEMO_REGIONS)).to_numpy()
    assert esda.Moran(D, w, permutations=0).I > 0.2
    wide = ccd.D.unstack("period")
    cv = wide.std() / wide.mean()
    assert cv[2024] < cv[2009]

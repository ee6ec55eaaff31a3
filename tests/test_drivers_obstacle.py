"""Obstacle degree against a hand computation from the weights and standardised values of fitted scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spatialcoupling as sc
from spatialcoupling._params import InvalidParameterError
from spatialcoupling.drivers import ObstacleDegree

# given weights within each subsystem: A = {a1: 0.2, a2: 0.3 (dimension d1), a3: 0.5 (d2)}, B = {b1: 0.6, b2: 0.4}
SPEC = {
    "A": {
        "d1": {"a1": {"direction": "+", "weight": 0.2}, "a2": {"direction": "-", "weight": 0.3}},
        "d2": {"a3": {"direction": "+", "weight": 0.5}},
    },
    "B": {"e1": {"b1": {"direction": "+", "weight": 0.6}, "b2": {"direction": "+", "weight": 0.4}}},
}
RAW = {  # region, period: a1, a2, a3, b1, b2
    ("p", 1): [1.0, 5.0, 2.0, 3.0, 1.0],
    ("q", 1): [3.0, 1.0, 4.0, 1.0, 2.0],
    ("r", 1): [2.0, 3.0, 1.0, 2.0, 5.0],
    ("p", 2): [4.0, 2.0, 3.0, 4.0, 3.0],
    ("q", 2): [5.0, 4.0, 5.0, 2.0, 4.0],
    ("r", 2): [3.0, 2.0, 2.0, 5.0, 2.0],
}


@pytest.fixture(scope="module")
def scores():
    frame = pd.DataFrame(RAW, index=["a1", "a2", "a3", "b1", "b2"]).T
    frame.index.names = ["region", "period"]
    system = sc.IndicatorSystem.from_dict(SPEC)
    return sc.GivenWeights().fit(frame, system)


def _by_hand(scope: str = "subsystem", theta: dict | None = None) -> dict:
    frame = pd.DataFrame(RAW, index=["a1", "a2", "a3", "b1", "b2"]).T
    lo, hi = frame.min(), frame.max()
    z = (frame - lo) / (hi - lo)
    z["a2"] = (hi["a2"] - frame["a2"]) / (hi["a2"] - lo["a2"])  # negative indicator
    w = {"a1": 0.2, "a2": 0.3, "a3": 0.5, "b1": 0.6, "b2": 0.4}
    sub = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B"}
    theta = theta or {"A": 0.5, "B": 0.5}
    out = {}
    for cell in RAW:
        F = {j: w[j] * (theta[sub[j]] if scope == "system" else 1.0) for j in w}
        prod = {j: F[j] * (1 - z.loc[cell, j]) for j in w}
        for j in w:
            members = [k for k in w if sub[k] == sub[j]] if scope == "subsystem" else list(w)
            out[(*cell, j)] = prod[j] / sum(prod[k] for k in members)
    return out


def test_obstacle_degree_by_hand(scores):
    res = ObstacleDegree(top=2).fit(scores)
    hand = _by_hand()
    t = res.table
    for key, value in hand.items():
        assert t.loc[key, "obstacle"] == pytest.approx(value)
    # factor contribution = weight within the dimension × the dimension's weight = the indicator's weight
    assert t.loc[("p", 1, "a1"), "weight_in_dimension"] == pytest.approx(0.2 / 0.5)
    assert t.loc[("p", 1, "a1"), "dimension_weight"] == pytest.approx(0.5)
    assert t.loc[("p", 1, "a1"), "contribution"] == pytest.approx(0.2)
    # deviation 1 - z; a2 is negative: z = (max - x) / (max - min)
    assert t.loc[("p", 1, "a2"), "deviation"] == pytest.approx(1 - (5 - 5) / 4)
    assert t.loc[("q", 1, "a2"), "deviation"] == pytest.approx(1 - (5 - 1) / 4)
    dims = res.dimensions
    assert dims.loc[("p", 1, "A", "d1"), "obstacle"] == pytest.approx(hand[("p", 1, "a1")] + hand[("p", 1, "a2")])
    subs = res.subsystems
    np.testing.assert_allclose(subs["obstacle"], 1.0)


def test_top_factors_and_national_ranking(scores):
    res = ObstacleDegree(top=2).fit(scores)
    hand = pd.Series(_by_hand()).sort_index()
    top = res.top
    for region, period in RAW:
        cell = hand.loc[(region, period)].sort_values(ascending=False)
        assert list(top.loc[(region, period), "indicator"]) == list(cell.index[:2])
        np.testing.assert_allclose(top.loc[(region, period), "obstacle"], cell.to_numpy()[:2])
    mean = hand.groupby(level=[1, 2]).mean()
    ranking = res.ranking
    for (period, ind), value in mean.items():
        assert ranking.loc[(period, ind), "mean_obstacle"] == pytest.approx(value)
    first = mean.loc[1].sort_values(ascending=False).index[0]
    assert res.rank_table().loc[first, 1] == 1
    cells = res.top_table(2)
    assert cells.shape == (3, 2)
    assert cells.iloc[0, 0].endswith("%)")


def test_system_scope_with_contributions(scores):
    res = ObstacleDegree(scope="system", contributions={"A": 0.4, "B": 0.6}).fit(scores)
    hand = _by_hand("system", {"A": 0.4, "B": 0.6})
    for key, value in hand.items():
        assert res.table.loc[key, "obstacle"] == pytest.approx(value)
    np.testing.assert_allclose(res.table.groupby(["region", "period"])["obstacle"].sum(), 1.0)
    with pytest.raises(ValueError, match=r"name exactly the subsystems \['A', 'B'\]"):
        ObstacleDegree(scope="system", contributions={"A": 1.0}).fit(scores)
    with pytest.raises(ValueError, match="sum to 1"):
        ObstacleDegree(scope="system", contributions={"A": 0.5, "B": 0.6}).fit(scores)


def test_per_period_weights_and_no_obstacle_cells():
    from spatialcoupling.datasets.simulate import china_demo_system, simulate_panel

    panel = sc.read_panel(
        simulate_panel(regions=["Beijing", "Shanghai", "Gansu", "Henan"], periods=[2020, 2021]),
        region="region",
        period="period",
    )
    fitted = sc.EntropyWeights(scope="period").fit(panel, china_demo_system())
    res = ObstacleDegree().fit(fitted)
    weights = fitted.weights.set_index(["period", "indicator"])["weight"]
    t = res.table
    for period in (2020, 2021):
        got = t.xs(("Gansu", period), level=("region", "period"))["contribution"]
        np.testing.assert_allclose(got, weights.loc[period].reindex(got.index))
    subsystem = fitted.weights.drop_duplicates("indicator").set_index("indicator")["subsystem"]
    best = fitted.standardized.eq(1).T.groupby(subsystem).all().T
    cells = best.any(axis=1)
    for cell in cells[cells].index:
        assert t.xs(cell, level=("region", "period"))["obstacle"].isna().any()
        assert any("best value" in n for n in res.notes)


def test_bad_inputs(scores):
    with pytest.raises(TypeError, match="fitted SubsystemScores"):
        ObstacleDegree().fit(pd.DataFrame({"a": [1.0]}))
    with pytest.raises(InvalidParameterError, match="top"):
        ObstacleDegree(top=0)
    with pytest.raises(InvalidParameterError, match="scope"):
        ObstacleDegree(scope="dimension")


def test_region_at_the_best_value_has_no_obstacle():
    raw = dict(RAW)
    raw[("q", 2)] = [5.0, 4.0, 5.0, 6.0, 6.0]  # best in both indicators of B
    frame = pd.DataFrame(raw, index=["a1", "a2", "a3", "b1", "b2"]).T
    frame.index.names = ["region", "period"]
    fitted = sc.GivenWeights().fit(frame, sc.IndicatorSystem.from_dict(SPEC))
    res = ObstacleDegree().fit(fitted)
    assert res.table.loc[("q", 2, "b1"), "obstacle"] != res.table.loc[("q", 2, "b1"), "obstacle"]  # NaN
    assert np.isnan(res.subsystems.loc[("q", 2, "B"), "obstacle"])
    assert res.subsystems.loc[("q", 2, "A"), "obstacle"] == pytest.approx(1.0)
    assert any("('q', 2)" in n for n in res.notes)

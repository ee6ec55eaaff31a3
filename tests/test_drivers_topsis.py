"""TOPSIS and grey relational analysis against hand computations; the scores feed the coupling model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spatialcoupling as sc
from spatialcoupling._params import InvalidParameterError
from spatialcoupling.drivers import GreyRelational, Topsis

SPEC = {"A": {"a1": "+", "a2": "-", "a3": "+"}, "B": {"b1": "+", "b2": "+"}}
RAW = {
    ("p", 1): [1.0, 5.0, 2.0, 3.0, 1.0],
    ("q", 1): [3.0, 1.0, 4.0, 1.0, 2.0],
    ("r", 1): [2.0, 3.0, 1.0, 2.0, 5.0],
    ("p", 2): [4.0, 2.0, 3.0, 4.0, 3.0],
    ("q", 2): [5.0, 4.0, 5.0, 2.0, 4.0],
    ("r", 2): [3.0, 2.0, 2.0, 5.0, 2.0],
}
COLS = ["a1", "a2", "a3", "b1", "b2"]


def _frame() -> pd.DataFrame:
    frame = pd.DataFrame(RAW, index=COLS).T
    frame.index.names = ["region", "period"]
    return frame.sort_index()


@pytest.fixture(scope="module")
def scores():
    return sc.EntropyWeights().fit(_frame(), sc.IndicatorSystem.from_dict(SPEC))


def _weights(scores, names):
    return scores.weights.set_index("indicator").loc[names, "weight"].to_numpy()


def test_topsis_minmax_by_hand(scores):
    res = Topsis().fit(scores)
    x = _frame()
    for sub, names in (("A", ["a1", "a2", "a3"]), ("B", ["b1", "b2"])):
        w = _weights(scores, names)
        z = []
        for name in names:
            col = x[name].to_numpy()
            zz = (col - col.min()) / (col.max() - col.min())
            z.append(1 - zz if SPEC[sub][name] == "-" else zz)
        v = np.column_stack(z) * w
        best, worst = v.max(axis=0), v.min(axis=0)
        dp = np.sqrt(((v - best) ** 2).sum(axis=1))
        dm = np.sqrt(((v - worst) ** 2).sum(axis=1))
        np.testing.assert_allclose(res.scores[sub].to_numpy(), dm / (dp + dm))
        np.testing.assert_allclose(res.d_plus[sub].to_numpy(), dp)
        np.testing.assert_allclose(res.d_minus[sub].to_numpy(), dm)


def test_topsis_vector_by_hand(scores):
    res = Topsis(normalize="vector").fit(scores, _frame())
    x = _frame()
    names = ["a1", "a2", "a3"]
    w = _weights(scores, names)
    r = x[names].to_numpy() / np.sqrt((x[names].to_numpy() ** 2).sum(axis=0))
    v = r * w
    best = np.array([v[:, 0].max(), v[:, 1].min(), v[:, 2].max()])  # a2 is negative: its ideal is the smallest
    worst = np.array([v[:, 0].min(), v[:, 1].max(), v[:, 2].min()])
    dp = np.sqrt(((v - best) ** 2).sum(axis=1))
    dm = np.sqrt(((v - worst) ** 2).sum(axis=1))
    np.testing.assert_allclose(res.scores["A"].to_numpy(), dm / (dp + dm))
    assert res.settings["normalize"] == "vector"


def test_topsis_per_period_ideals(scores):
    res = Topsis(scope="period").fit(scores)
    z = scores.standardized
    names = ["b1", "b2"]
    w = _weights(scores, names)
    for period in (1, 2):
        v = z.xs(period, level="period")[names].to_numpy() * w
        dp = np.sqrt(((v - v.max(axis=0)) ** 2).sum(axis=1))
        dm = np.sqrt(((v - v.min(axis=0)) ** 2).sum(axis=1))
        np.testing.assert_allclose(res.scores.xs(period, level="period")["B"].to_numpy(), dm / (dp + dm))


def test_grey_relational_by_hand(scores):
    res = GreyRelational(rho=0.5).fit(scores)
    z = scores.standardized
    names = ["a1", "a2", "a3"]
    w = _weights(scores, names)
    delta = np.abs(z[names].to_numpy().max(axis=0) - z[names].to_numpy())
    xi = (delta.min() + 0.5 * delta.max()) / (delta + 0.5 * delta.max())
    np.testing.assert_allclose(res.scores["A"].to_numpy(), xi @ w)
    assert res.scores.to_numpy().min() >= 1 / 3 - 1e-12
    assert any("[0.333, 1]" in n for n in res.notes)
    with pytest.raises(AttributeError, match="TOPSIS table"):
        res.d_plus  # noqa: B018


def test_scores_feed_the_coupling_model(scores):
    U = Topsis().fit(scores).scores
    ccd = sc.CouplingCoordination(contributions={"A": 0.4, "B": 0.6}).fit(U)
    C = 2 * np.sqrt(U["A"] * U["B"]) / (U["A"] + U["B"])
    T = 0.4 * U["A"] + 0.6 * U["B"]
    np.testing.assert_allclose(ccd.D.to_numpy(), np.sqrt(C * T).to_numpy())
    assert list(U.columns) == list(scores.scores.columns)
    assert U.index.equals(scores.scores.index)


def test_bad_inputs(scores):
    with pytest.raises(ValueError, match="needs the raw indicators"):
        Topsis(normalize="vector").fit(scores)
    negative = _frame().assign(a1=lambda f: f["a1"] - 3)
    with pytest.raises(ValueError, match=r"values >= 0; negative values in 'a1'"):
        Topsis(normalize="vector").fit(scores, negative)
    with pytest.raises(TypeError, match="fitted SubsystemScores"):
        GreyRelational().fit(_frame())
    with pytest.raises(InvalidParameterError, match="rho"):
        GreyRelational(rho=0)

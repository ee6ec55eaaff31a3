"""Markov chains checked against giddy's published US income example (Rey 2001), giddy itself,
and hand counts on small cases."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import spatialcoupling as sc
from spatialcoupling._params import InvalidParameterError
from spatialcoupling.dynamics import MarkovChain, SpatialMarkov


@pytest.fixture(scope="module")
def income():
    return sc.datasets.load("us_income")


@pytest.fixture(scope="module")
def gal_w():
    """giddy's weights of the example (states48.gal), with the state names as ids."""
    import libpysal

    gal = libpysal.io.open(libpysal.examples.get_path("states48.gal")).read()
    names = pd.read_csv(libpysal.examples.get_path("usjoin.csv"))["Name"].tolist()
    neighbours = {names[int(i)]: [names[int(j)] for j in nb] for i, nb in gal.neighbors.items()}
    return libpysal.weights.W(neighbours, silence_warnings=True)


def _panel(table: list[list[float]]) -> pd.Series:
    values = np.asarray(table, dtype=float)
    idx = pd.MultiIndex.from_product(
        [[f"r{i}" for i in range(values.shape[0])], range(2000, 2000 + values.shape[1])], names=["region", "period"]
    )
    return pd.Series(values.ravel(), index=idx, name="x")


# -- the classic chain ---------------------------------------------------------------------------
def test_relative_income_quintiles_equal_giddy_published(income):
    # giddy Markov docs: rpci = pci / pci.mean(axis=0); rq = mc.Quantiles(rpci.flatten()).yb
    m = MarkovChain(k=5, relative=True).fit(income)
    published = [[707, 58, 7, 1, 0], [50, 629, 80, 1, 1], [4, 79, 610, 73, 2], [0, 7, 72, 650, 37], [0, 0, 0, 48, 724]]
    assert m.counts.drop(columns="n").to_numpy().tolist() == published
    np.testing.assert_allclose(
        m.steady_state["steady_state"], [0.17957376, 0.21631443, 0.21499942, 0.21134662, 0.17776576], atol=5e-9
    )


def test_quintiles_per_period_equal_giddy_published(income):
    # giddy Markov docs: q5 = np.array([mc.Quantiles(y).yb for y in pci]).transpose()
    m = MarkovChain(k=5, scope="period").fit(income)
    published = [[729, 71, 1, 0, 0], [72, 567, 80, 3, 0], [0, 81, 631, 86, 2], [0, 3, 86, 573, 56], [0, 0, 1, 57, 741]]
    assert m.counts.drop(columns="n").to_numpy().tolist() == published
    np.testing.assert_allclose(m.table.drop(columns="n").iloc[0], [0.91011236, 0.0886392, 0.00124844, 0, 0], atol=5e-9)
    np.testing.assert_allclose(
        m.steady_state["steady_state"], [0.20774716, 0.18725774, 0.20740537, 0.18821787, 0.20937187], atol=5e-9
    )


def test_first_passage_times_equal_giddy(income):
    from giddy.ergodic import mfpt

    m = MarkovChain(k=5, relative=True).fit(income)
    p = m.table.drop(columns="n").to_numpy()
    np.testing.assert_allclose(m.first_passage.to_numpy(), mfpt(p), rtol=1e-10)
    # recurrence time = 1 / steady-state share (Kemeny and Snell)
    np.testing.assert_allclose(np.diag(m.first_passage), 1 / m.steady_state["steady_state"], rtol=1e-10)


def test_hand_count_two_states():
    # states by the break 0.5: r0 L L H H, r1 H L L H, r2 L H H H
    series = _panel([[0.1, 0.2, 0.7, 0.8], [0.9, 0.3, 0.4, 0.6], [0.2, 0.6, 0.7, 0.9]])
    m = MarkovChain(classes="breaks", breaks=[0.5], time_regimes=1).fit(series)
    # moves: r0 LL LH HH, r1 HL LL LH, r2 LH HH HH -> LL 2, LH 3, HL 1, HH 3
    assert m.counts.drop(columns="n").to_numpy().tolist() == [[2, 3], [1, 3]]
    assert m.counts["n"].tolist() == [5, 4]
    p = np.array([[2 / 5, 3 / 5], [1 / 4, 3 / 4]])
    np.testing.assert_allclose(m.table.drop(columns="n").to_numpy(), p)
    # two-state chain: pi_L = p_HL / (p_LH + p_HL); passage L->H = 1/p_LH, H->L = 1/p_HL
    pi_l = p[1, 0] / (p[0, 1] + p[1, 0])
    np.testing.assert_allclose(m.steady_state["steady_state"], [pi_l, 1 - pi_l])
    np.testing.assert_allclose(m.first_passage.to_numpy(), [[1 / pi_l, 1 / p[0, 1]], [1 / p[1, 0], 1 / (1 - pi_l)]])
    np.testing.assert_allclose(m.steady_state["sojourn"], 1 / (1 - np.diag(p)))
    assert m.steady_state["initial"].tolist() == [2 / 3, 1 / 3]
    assert list(m.classes.index) == ["<=0.5", ">0.5"]


def test_hand_count_over_two_periods():
    series = _panel([[0.1, 0.2, 0.7, 0.8], [0.9, 0.3, 0.4, 0.6], [0.2, 0.6, 0.7, 0.9]])
    m = MarkovChain(classes="breaks", breaks=[0.5], step=2, time_regimes=1).fit(series)
    # t -> t+2: r0 L->H, L->H; r1 H->L, L->H; r2 L->H, H->H
    assert m.counts.drop(columns="n").to_numpy().tolist() == [[0, 4], [1, 1]]


def test_grades_and_merged_grades():
    d = _panel([[0.05, 0.15, 0.25], [0.55, 0.65, 0.62], [0.95, 0.85, 1.0]])
    m = MarkovChain(classes="grades", time_regimes=1).fit(d)
    assert len(m.counts) == 10
    assert m.states.loc[("r0", 2001), "state"] == "Seriously maladjusted"
    assert m.counts.loc["Barely coordinated", "Primary coordinated"] == 1  # 0.55 -> 0.65
    assert any("never observed" in n for n in m.notes)
    assert m.table.loc["Slightly maladjusted"].drop("n").isna().all()  # never left: no estimate, not zero
    merged = MarkovChain(classes="grades", grades=[(0.5, "low"), (1.0, "high")], time_regimes=1).fit(d)
    assert merged.counts.drop(columns="n").to_numpy().tolist() == [[2, 0], [0, 4]]
    with pytest.raises(ValueError, match=r"\('r1', 2001\) are outside"):
        MarkovChain(classes="grades").fit(_panel([[0.1, 0.2], [0.3, 1.5]]))


def test_hitting_times_equal_giddy_and_handle_reducible_chains():
    from giddy.ergodic import mfpt

    from spatialcoupling.dynamics._chains import hitting_times

    oz = np.array([[0.5, 0.25, 0.25], [0.5, 0.0, 0.5], [0.25, 0.25, 0.5]])  # Kemeny and Snell's Land of Oz
    np.testing.assert_allclose(hitting_times(oz), mfpt(oz), rtol=1e-12)
    # two closed classes {0, 1} and {2}: no passage between them
    p = np.array([[0.5, 0.5, 0.0], [0.2, 0.8, 0.0], [0.0, 0.0, 1.0]])
    m = hitting_times(p)
    assert np.isinf(m[0, 2])
    assert np.isinf(m[2, 0])
    assert m[0, 1] == pytest.approx(2.0)
    assert m[2, 2] == pytest.approx(1.0)
    assert m[0, 0] == pytest.approx(1 + 0.5 * 5.0)  # return to 0: one step, or via 1 (mean 1/0.2 steps back)


def test_time_and_group_homogeneity_equal_giddy(income):
    import mapclassify as mc
    from giddy.markov import Markov, homogeneity

    groups = sc.datasets.load("us_states")["SUB_REGION"]
    m = MarkovChain(k=5, relative=True, time_regimes=2).fit(income, groups=groups)
    wide = income.unstack("period")
    rel = wide / wide.mean(axis=0)
    q = mc.Quantiles(rel.to_numpy().ravel(), k=5).yb.reshape(rel.shape)
    # 80 intervals split 40 | 40: periods 0..40 and 40..80 (giddy counts each block separately)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        halves = [
            Markov(q[:, :41], classes=np.arange(5), summary=False).transitions,
            Markov(q[:, 40:], classes=np.arange(5), summary=False).transitions,
        ]
        ht = homogeneity(halves)
    row = m.homogeneity.loc["time"]
    assert row["LR"] == pytest.approx(ht.LR)
    assert row["Q"] == pytest.approx(ht.Q)
    assert row["dof"] == ht.dof
    labels = groups.reindex(wide.index).to_numpy()
    per_group = [Markov(q[labels == g], classes=np.arange(5), summary=False).transitions for g in sorted(set(labels))]
    hg = homogeneity(per_group)
    assert m.homogeneity.loc["groups", "LR"] == pytest.approx(hg.LR)
    assert m.homogeneity.loc["groups", "p_Q"] == pytest.approx(hg.Q_p_value)


# -- the spatial chain ---------------------------------------------------------------------------
def test_spatial_markov_equals_giddy_published(income, gal_w):
    # giddy Spatial_Markov docs, case (1): Spatial_Markov(rpci, w, fixed=True, k=5, m=5)
    sm = SpatialMarkov(k=5, relative=True).fit(income, gal_w)
    t = sm.tests
    assert f"{t.loc['LR', 'statistic']:.3f}" == "170.659"
    assert f"{t.loc['Q', 'statistic']:.3f}" == "200.624"
    assert t.loc["LR", "dof"] == 60
    np.testing.assert_allclose(
        sm.classes.loc["value", "upper"].to_numpy()[:-1], [0.83999133, 0.94707545, 1.03242697, 1.14911154], atol=5e-9
    )
    np.testing.assert_allclose(
        sm.classes.loc["lag", "upper"].to_numpy()[:-1], [0.88973386, 0.95891917, 1.01469758, 1.1183566], atol=5e-9
    )
    p = sm.table.drop(columns="n")
    np.testing.assert_allclose(p.loc["lag Q1"].iloc[0], [0.96341463, 0.0304878, 0.00609756, 0, 0], atol=5e-9)
    np.testing.assert_allclose(p.loc["lag Q5"].iloc[4], [0, 0, 0, 0.02352941, 0.97647059], atol=5e-9)
    np.testing.assert_allclose(
        sm.steady_state.loc["lag Q1"], [0.43509425, 0.2635327, 0.20363044, 0.06841983, 0.02932278], atol=5e-9
    )
    np.testing.assert_allclose(
        sm.steady_state.loc["lag Q5"], [0.01776781, 0.19964349, 0.19009833, 0.25524697, 0.3372434], atol=5e-9
    )
    np.testing.assert_allclose(
        sm.first_passage.loc["lag Q1"].iloc[0],
        [2.29835259, 28.95614035, 46.14285714, 80.80952381, 279.42857143],
        atol=5e-8,
    )
    np.testing.assert_allclose(
        sm.pooled.drop(columns="n").iloc[0], [0.91461837, 0.07503234, 0.00905563, 0.00129366, 0], atol=5e-9
    )


def test_spatial_markov_k5_m4_and_chi2_equal_giddy_published(income, gal_w):
    sm = SpatialMarkov(k=5, m=4, relative=True).fit(income, gal_w)
    assert f"{sm.tests.loc['LR', 'statistic']:.3f}" == "172.105"
    assert f"{sm.tests.loc['Q', 'statistic']:.3f}" == "321.128"
    assert sm.tests.loc["LR", "dof"] == 45
    # giddy chi2 docs: Spatial_Markov(rpci, w, fixed=True) (k = m = 4); chi2(T[0], transitions)
    sm4 = SpatialMarkov(k=4, relative=True).fit(income, gal_w)
    assert sm4.counts.loc["lag Q1"].drop(columns="n").to_numpy().tolist() == [
        [562, 22, 1, 0],
        [12, 201, 22, 0],
        [0, 17, 97, 4],
        [0, 0, 3, 19],
    ]
    row = sm4.tests.loc["chi2 lag Q1"]
    assert row["statistic"] == pytest.approx(23.39728441473295)
    assert row["dof"] == 9
    assert row["p_value"] == pytest.approx(0.005363116704861337)


def test_spatial_markov_breaks_leave_empty_rows_as_nan(income, gal_w):
    # giddy docs case (3): cutoffs = lag_cutoffs = [0.8, 0.9, 1, 1.2]
    sm = SpatialMarkov(classes="breaks", breaks=[0.8, 0.9, 1, 1.2], relative=True).fit(income, gal_w)
    p = sm.table.drop(columns="n")
    np.testing.assert_allclose(p.loc["lag <=0.8"].iloc[1], [0.10638298, 0.68085106, 0.21276596, 0, 0], atol=5e-9)
    np.testing.assert_allclose(p.loc["lag >1.2"].iloc[2], [0, 0.06666667, 0.9, 0.03333333, 0], atol=5e-9)
    assert p.loc["lag <=0.8"].iloc[4].isna().all()  # giddy prints zeros: no move was observed
    assert any("never observed" in n for n in sm.notes)


def test_spatial_markov_hand_count():
    import libpysal

    # a path of 4 regions: lag = mean of the neighbours
    w = libpysal.weights.W({"r0": ["r1"], "r1": ["r0", "r2"], "r2": ["r1", "r3"], "r3": ["r2"]})
    series = _panel([[0.1, 0.9, 0.8], [0.2, 0.1, 0.9], [0.9, 0.8, 0.1], [0.8, 0.2, 0.3]])
    sm = SpatialMarkov(classes="breaks", breaks=[0.5]).fit(series, w)
    y = series.unstack("period").to_numpy()
    a = np.array([[0, 1, 0, 0], [0.5, 0, 0.5, 0], [0, 0.5, 0, 0.5], [0, 0, 1, 0]])
    lag = a @ y
    counts = np.zeros((2, 2, 2), int)
    for i in range(4):
        for t in range(2):
            counts[int(lag[i, t] > 0.5), int(y[i, t] > 0.5), int(y[i, t + 1] > 0.5)] += 1
    got = sm.counts.drop(columns="n").to_numpy().reshape(2, 2, 2)
    assert got.tolist() == counts.tolist()
    np.testing.assert_allclose(sm.states["lag"].to_numpy(), lag.ravel())


def test_spatial_markov_queen_weights_of_the_states_match_the_gal(income, gal_w, us_queen):
    queen = us_queen
    a = SpatialMarkov(k=5, relative=True).fit(income, queen).tests
    b = SpatialMarkov(k=5, relative=True).fit(income, gal_w).tests
    pd.testing.assert_frame_equal(a, b)


# -- inputs and settings -------------------------------------------------------------------------
def test_bad_settings_and_inputs(income, gal_w):
    with pytest.raises(InvalidParameterError, match="k must be"):
        MarkovChain(k=1)
    with pytest.raises(ValueError, match="breaks is given but classes='quantile'"):
        MarkovChain(breaks=[0.5]).fit(income)
    with pytest.raises(ValueError, match="needs breaks"):
        MarkovChain(classes="breaks").fit(income)
    with pytest.raises(ValueError, match="strictly increasing"):
        MarkovChain(classes="breaks", breaks=[0.5, 0.2]).fit(income)
    gappy = income.drop(("Alabama", 1950))
    with pytest.raises(ValueError, match=r"unbalanced.*Alabama"):
        MarkovChain().fit(gappy)
    with pytest.raises(ValueError, match="not in the weights: 'Alabama'"):
        SpatialMarkov().fit(income, _without(gal_w))
    with pytest.raises(ValueError, match=r"relative=True.*not positive"):
        MarkovChain(relative=True).fit(income - 1e9)


def _without(w):
    import libpysal

    neighbours = {k: [j for j in v if j != "Alabama"] for k, v in w.neighbors.items() if k != "Alabama"}
    return libpysal.weights.W(neighbours, silence_warnings=True)


def test_islands_are_an_error(income):
    import libpysal

    ids = sorted(income.index.get_level_values("region").unique())
    neighbours = {k: ([ids[i + 1]] if i % 2 == 0 and i + 1 < len(ids) else []) for i, k in enumerate(ids)}
    for i, k in enumerate(ids):
        if i % 2 == 1:
            neighbours[k] = [ids[i - 1]]
    neighbours[ids[-1]] = []
    w = libpysal.weights.W(neighbours, silence_warnings=True)
    with pytest.raises(ValueError, match=r"without neighbours.*Wyoming"):
        SpatialMarkov().fit(income, w)


def test_result_contract(income, gal_w, tmp_path):
    m = MarkovChain(k=5, relative=True).fit(income)
    sm = SpatialMarkov(k=5, relative=True).fit(income, gal_w)
    for res in (m, sm):
        assert "settings_table" in res.tables
        with pytest.raises(TypeError):
            res.settings["k"] = 3
        with pytest.raises(AttributeError):
            res.foo = 1
        res.export(tmp_path / f"{type(res).__name__}.xlsx")
        res.export(tmp_path / f"{type(res).__name__}.csv")
        assert res.plot().axes
        assert "note" in res.summary() or res.notes == []
    assert m.plot(kind="steady_state").axes
    assert m.settings["transitions"] == 48 * 80


def test_missing_giddy_names_the_extra(income, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "giddy", None)
    with pytest.raises(ImportError, match=r"spatialcoupling\[dynamics\]"):
        MarkovChain().fit(income)

"""Coupling coordination against the formulas written out in the tests."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spatialcoupling as sc
from spatialcoupling.coupling import grade_of


def frame(u1, u2, u3=None):
    idx = pd.MultiIndex.from_tuples([(f"r{i}", 2020) for i in range(len(u1))], names=["region", "period"])
    data = {"MS": u1, "AM": u2}
    if u3 is not None:
        data["X"] = u3
    return pd.DataFrame(data, index=idx)


def test_two_subsystems_by_hand():
    U = frame([0.3, 0.8, 0.5], [0.6, 0.2, 0.5])
    res = sc.CouplingCoordination({"MS": 0.4, "AM": 0.6}).fit(U)
    for (u1, u2), (_, row) in zip(U.to_numpy(), res.table.iterrows(), strict=True):
        c = 2 * math.sqrt(u1 * u2) / (u1 + u2)
        t = 0.4 * u1 + 0.6 * u2
        assert row["C"] == pytest.approx(c, rel=1e-12)
        assert row["T"] == pytest.approx(t, rel=1e-12)
        assert row["D"] == pytest.approx(math.sqrt(c * t), rel=1e-12)
    # equal scores: C = 1
    assert res.table["C"].iloc[2] == pytest.approx(1.0)


def test_n_subsystems_by_hand():
    U = frame([0.3, 0.9], [0.6, 0.1], [0.2, 0.4])
    res = sc.CouplingCoordination().fit(U)
    for (u1, u2, u3), c in zip(U.to_numpy(), res.table["C"], strict=True):
        assert c == pytest.approx(3 * (u1 * u2 * u3) ** (1 / 3) / (u1 + u2 + u3), rel=1e-12)
    np.testing.assert_allclose(res.T, U.mean(axis=1))


def test_revised_two_and_three_subsystems_by_hand():
    U = frame([0.3, 0.8], [0.6, 0.2])
    res = sc.CouplingCoordination(model="revised").fit(U)
    for (u1, u2), c in zip(U.to_numpy(), res.C, strict=True):
        assert c == pytest.approx(math.sqrt((1 - abs(u1 - u2)) * min(u1, u2) / max(u1, u2)), rel=1e-12)
    U3 = frame([0.3], [0.6], [0.45])
    c3 = sc.CouplingCoordination(model="revised").fit(U3).C.iloc[0]
    gaps = abs(0.3 - 0.6) + abs(0.3 - 0.45) + abs(0.6 - 0.45)
    expected = math.sqrt((1 - gaps / (1 + 2)) * ((0.3 / 0.6) * (0.6 / 0.6) * (0.45 / 0.6)) ** (1 / 2))
    assert c3 == pytest.approx(expected, rel=1e-12)
    # the revised degree depends on the level gap, not only the ratio
    a = sc.CouplingCoordination(model="revised").fit(frame([0.1], [0.2])).C.iloc[0]
    b = sc.CouplingCoordination(model="revised").fit(frame([0.4], [0.8])).C.iloc[0]
    assert a > b
    c1 = sc.CouplingCoordination().fit(frame([0.1], [0.2])).C.iloc[0]
    c2 = sc.CouplingCoordination().fit(frame([0.4], [0.8])).C.iloc[0]
    assert c1 == pytest.approx(c2)


def test_all_zero_scores_reported_not_nan():
    res = sc.CouplingCoordination().fit(frame([0.0, 0.5], [0.0, 0.5]))
    assert res.table["C"].iloc[0] == 0
    assert res.table["D"].iloc[0] == 0
    assert bool(res.table["C_undefined"].iloc[0])
    assert any("C undefined" in n and "'r0'" in n for n in res.notes)
    assert not res.table[["C", "T", "D"]].isna().any().any()


@pytest.mark.parametrize(
    ("d", "grade"),
    [(0.0, 1), (0.05, 1), (0.1, 1), (0.1000001, 2), (0.5, 5), (0.55, 6), (0.6, 6), (0.9, 9), (0.95, 10), (1.0, 10)],
)
def test_grades_left_open_right_closed(d, grade):
    assert grade_of(np.array([d]))[0][0] == grade


def test_grade_labels_and_custom_table():
    _g, labels = grade_of(np.array([0.65]))
    assert labels[0] == "Primary coordinated"
    custom = [(0.5, "low"), (1.0, "high")]
    res = sc.CouplingCoordination(grades=custom).fit(frame([0.1, 0.9], [0.1, 0.9]))
    assert list(res.table["grade_label"]) == ["low", "high"]
    with pytest.raises(ValueError, match="increasing"):
        sc.CouplingCoordination(grades=[(0.5, "a"), (0.4, "b"), (1.0, "c")])


def test_contributions_validated():
    with pytest.raises(ValueError, match=r"sum to 1, got 0\.9"):
        sc.CouplingCoordination({"MS": 0.4, "AM": 0.5})
    with pytest.raises(ValueError, match=r"missing \['AM'\].*unknown \['XX'\]"):
        sc.CouplingCoordination({"MS": 0.4, "XX": 0.6}).fit(frame([0.2], [0.3]))
    with pytest.raises(ValueError, match="model"):
        sc.CouplingCoordination(model="fancy")


def test_scores_outside_unit_interval_named():
    with pytest.raises(ValueError, match=r"\('r1', 2020, 'AM'\)"):
        sc.CouplingCoordination().fit(frame([0.2, 0.3], [0.3, 1.3]))


def test_lagging_bands():
    res = sc.CouplingCoordination().fit(frame([0.4, 0.5, 0.6], [0.5, 0.5, 0.5]))
    assert list(res.table["lagging"]) == ["MS lags", "synchronous", "AM lags"]
    np.testing.assert_allclose(res.table["relative"], [0.8, 1.0, 1.2])
    res3 = sc.CouplingCoordination().fit(frame([0.2], [0.5], [0.6]))
    assert res3.table["lagging"].iloc[0] == "MS lags"


def test_pairs_renormalise_contributions():
    U = frame([0.3, 0.8], [0.6, 0.2], [0.5, 0.5])
    res = sc.CouplingCoordination({"MS": 0.2, "AM": 0.6, "X": 0.2}, pairs=[("MS", "AM")]).fit(U)
    pair = res.pair("MS", "AM")
    np.testing.assert_allclose(pair["T"], 0.25 * U["MS"] + 0.75 * U["AM"])
    assert res.pairs.index.names == ["pair", "region", "period"]


def panel_result():
    idx = pd.MultiIndex.from_product([["a", "b", "c", "d"], [2009, 2010, 2011]], names=["region", "period"])
    rng = np.random.default_rng(2)
    U = pd.DataFrame(rng.uniform(0.1, 0.9, size=(12, 2)), index=idx, columns=["MS", "AM"])
    return U, sc.CouplingCoordination({"MS": 0.4, "AM": 0.6}).fit(U)


GROUPS = {"a": "East", "b": "East", "c": "West", "d": "West"}


def test_by_group_growth_and_first_period():
    _U, res = panel_result()
    D = res.D
    by = res.by_group(GROUPS)
    assert by.loc[2010, "East"] == pytest.approx((D[("a", 2010)] + D[("b", 2010)]) / 2)
    assert by.loc[2011, "All"] == pytest.approx(D.xs(2011, level="period").mean())
    growth = res.growth([(2009, 2011)], groups=GROUPS)
    assert growth.loc[("region", "a"), "2009-2011"] == pytest.approx((D[("a", 2011)] / D[("a", 2009)]) ** 0.5 - 1)
    assert growth.loc[("group", "West"), "2009-2011"] == pytest.approx(
        (by.loc[2011, "West"] / by.loc[2009, "West"]) ** 0.5 - 1
    )
    assert res.growth([(2009, 2010)]).index.name == "region"
    first = res.first_period_at_or_above(0.5)
    wide = D.unstack()
    for region in wide.index:
        above = [p for p in wide.columns if wide.loc[region, p] >= 0.5]
        assert (first[region] == above[0]) if above else np.isnan(first[region])
    with pytest.raises(ValueError, match="'d'"):
        res.by_group({"a": "E", "b": "E", "c": "W"})


def test_by_group_uses_the_one_groups_policy():
    _, res = panel_result()
    with pytest.raises(ValueError, match=r"by_group: 1 region\(s\) without a group: 'd'"):
        res.by_group(pd.Series({"a": "E", "b": "E", "c": "W", "d": np.nan}))
    with pytest.raises(ValueError, match=r"listed twice in groups: 'a'"):
        res.by_group(pd.Series(["E", "W", "E", "W", "W"], index=["a", "a", "b", "c", "d"]))
    with pytest.raises(TypeError, match="mapping region -> group"):
        res.by_group(["E", "W"])
    # a one-column DataFrame works as a Series does
    pd.testing.assert_frame_equal(res.by_group(pd.DataFrame({"zone": GROUPS})), res.by_group(GROUPS))


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("contributions", {"MS": 0.3, "AM": 0.3}, "sum to 1, got 0.6"),
        ("lag_bands", (2.0, 3.0), "lag_bands must satisfy 0 < low <= 1 <= high"),
        ("grades", [(0.5, "a"), (0.4, "b"), (1.0, "c")], "increasing"),
        ("pairs", [("MS", "MS")], "two different names"),
        ("model", "fancy", "model must be one of 'classic', 'revised'; got 'fancy'"),
    ],
)
def test_settings_changed_after_construction_are_checked_by_fit(name, value, match):
    model = sc.CouplingCoordination({"MS": 0.4, "AM": 0.6})
    setattr(model, name, value)
    with pytest.raises(ValueError, match=match):
        model.fit(frame([0.2, 0.5], [0.3, 0.4]))


def test_plot_draws_grade_bounds_within_the_range_of_D():
    import matplotlib.pyplot as plt

    _, res = panel_result()
    fig = res.plot(groups=GROUPS)
    ax = fig.axes[0]
    lo, hi = res.D.min(), res.D.max()
    expected = [u for u, _ in res.grades[:-1] if lo <= u <= hi]
    drawn = sorted(
        line.get_ydata()[0]
        for line in ax.get_lines()
        if line.get_linestyle() == "-" and len(set(line.get_ydata())) == 1 and line.get_color() == "0.8"
    )
    assert drawn == pytest.approx(expected)
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["All", "East", "West"]
    plt.close(fig)
    fig = res.plot()
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["mean"]
    plt.close(fig)


def test_grade_counts_sum_to_regions():
    _, res = panel_result()
    counts = res.grade_counts()
    assert counts.shape[1] == 10
    assert (counts.sum(axis=1) == 4).all()


def test_outputs(tmp_path):
    _, res = panel_result()
    assert "Coupling coordination" in res.summary()
    res.export(tmp_path / "ccd.csv")
    back = pd.read_csv(tmp_path / "ccd.csv", index_col=[0, 1])
    np.testing.assert_allclose(back["D"], res.D)
    res.export(tmp_path / "ccd.png", groups=GROUPS)
    with pytest.raises(AttributeError):
        res.model = "revised"


unit = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(u1=unit, u2=unit, theta=st.floats(0, 1))
def test_properties(u1, u2, theta):
    res = sc.CouplingCoordination({"MS": theta, "AM": 1 - theta}).fit(frame([u1], [u2]))
    row = res.table.iloc[0]
    # the formula, evaluated independently (C is undefined, reported as 0, when both are 0)
    c = 2 * math.sqrt(u1) * math.sqrt(u2) / (u1 + u2) if u1 + u2 > 0 else 0.0
    assert c <= 1 + 1e-12
    assert row["C"] == pytest.approx(c, rel=1e-9, abs=1e-12)
    assert row["D"] == pytest.approx(math.sqrt(c * (theta * u1 + (1 - theta) * u2)), rel=1e-9, abs=1e-12)
    rev = sc.CouplingCoordination(model="revised").fit(frame([u1], [u2])).table.iloc[0]
    top = max(u1, u2)
    c_rev = math.sqrt((1 - abs(u1 - u2)) * min(u1, u2) / top) if top > 0 else 0.0
    assert rev["C"] == pytest.approx(c_rev, rel=1e-9, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(a=unit, b=unit)
def test_grades_monotone(a, b):
    lo, hi = sorted([a, b])
    g = grade_of(np.array([lo, hi]))[0]
    assert g[0] <= g[1]


def test_growth_with_text_periods_is_a_clear_error():
    idx = pd.MultiIndex.from_product([["a", "b"], ["2009/10", "2010/11"]], names=["region", "period"])
    U = pd.DataFrame({"MS": [0.2, 0.3, 0.4, 0.5], "AM": [0.3, 0.4, 0.5, 0.6]}, index=idx)
    res = sc.CouplingCoordination().fit(U)
    with pytest.raises(ValueError, match=r"growth\(\) needs numeric periods.*'2009/10', '2010/11'.*years"):
        res.growth([("2009/10", "2010/11")])

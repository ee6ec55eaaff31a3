"""The tables of the papers: Table-4 growth, Dagum layouts, indicator weights, descriptive statistics.

Every number is checked against a hand computation on small data written out in the test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import spatialcoupling as sc
from spatialcoupling.tables import (
    dagum_between_table,
    dagum_table,
    dagum_within_table,
    descriptive_table,
    growth_table,
    weights_table,
)

# D of three regions in 2010-2013; A and B in group g1, C in g2
D_VALUES = {
    "A": [0.40, 0.44, 0.46, 0.50],
    "B": [0.20, 0.25, 0.24, 0.30],
    "C": [0.60, 0.60, 0.63, 0.66],
}
YEARS = [2010, 2011, 2012, 2013]
GROUPS = {"A": "g1", "B": "g1", "C": "g2"}


def _series(values=D_VALUES, years=YEARS) -> pd.Series:
    idx = pd.MultiIndex.from_tuples([(r, y) for r in values for y in years], names=["region", "period"])
    return pd.Series([v for r in values for v in values[r]], index=idx, name="D")


def _geometric(d0: float, d1: float, years: int) -> float:
    return (d1 / d0) ** (1 / years) - 1


def _arithmetic(path: list[float]) -> float:
    return sum(path[i + 1] / path[i] - 1 for i in range(len(path) - 1)) / (len(path) - 1)


# -- Table 4 -----------------------------------------------------------------------------------
def test_growth_table_matches_hand_computation_of_both_forms():
    table = growth_table(_series(), [(2010, 2013), (2011, 2013)], groups=GROUPS, growth="both", aggregate="both")
    body = table.body
    geo, ari = "Geometric mean rate", "Mean of annual rates"
    for r, path in D_VALUES.items():
        row = body.loc[(GROUPS[r], "region", r)]
        assert row[("D", "2010")] == path[0]
        assert row[("D", "2013")] == path[3]
        assert row[(geo, "2010~2013")] == pytest.approx(_geometric(path[0], path[3], 3), rel=1e-12)
        assert row[(geo, "2011~2013")] == pytest.approx(_geometric(path[1], path[3], 2), rel=1e-12)
        assert row[(ari, "2010~2013")] == pytest.approx(_arithmetic(path), rel=1e-12)
        assert row[(ari, "2011~2013")] == pytest.approx(_arithmetic(path[1:]), rel=1e-12)
    # group g1: growth of the mean D, and the mean of the regional rates
    mean_path = [(a + b) / 2 for a, b in zip(D_VALUES["A"], D_VALUES["B"], strict=True)]
    of_mean = body.loc[("g1", "group", "g1: growth of the mean")]
    mean_of = body.loc[("g1", "group", "g1: mean of regional rates")]
    assert of_mean[("D", "2011")] == pytest.approx(mean_path[1])
    assert of_mean[(geo, "2010~2013")] == pytest.approx(_geometric(mean_path[0], mean_path[3], 3))
    assert of_mean[(ari, "2010~2013")] == pytest.approx(_arithmetic(mean_path))
    assert mean_of[(geo, "2010~2013")] == pytest.approx((_geometric(0.40, 0.50, 3) + _geometric(0.20, 0.30, 3)) / 2)
    assert mean_of[(ari, "2010~2013")] == pytest.approx((_arithmetic(D_VALUES["A"]) + _arithmetic(D_VALUES["B"])) / 2)
    # the national rows cover all three regions
    national = [sum(v[i] for v in D_VALUES.values()) / 3 for i in range(4)]
    nat = body.loc[("National", "national", "National: growth of the mean")]
    assert nat[(geo, "2010~2013")] == pytest.approx(_geometric(national[0], national[3], 3))
    nat2 = body.loc[("National", "national", "National: mean of regional rates")]
    assert nat2[(ari, "2011~2013")] == pytest.approx(np.mean([_arithmetic(v[1:]) for v in D_VALUES.values()]))
    # regions under their group, the group rows after them, the national rows last
    assert [k[2] for k in body.index] == [
        "A",
        "B",
        "g1: growth of the mean",
        "g1: mean of regional rates",
        "C",
        "g2: growth of the mean",
        "g2: mean of regional rates",
        "National: growth of the mean",
        "National: mean of regional rates",
    ]
    # the note defines both forms, both aggregates and the end points of a sub-period
    text = " ".join(table.notes)
    assert "(D_t1 / D_t0)^(1/(t1 - t0)) - 1" in text
    assert "D_t / D_(t-1) - 1" in text
    assert "runs from D in t0 to D in t1" in text
    assert "growth of the mean D" in text
    assert "mean of the regional growth rates" in text
    # growth is printed in percent, D with 3 decimals
    rows = {tuple(k): v for kind, _, k, v in table.print_rows() if kind == "row"}
    a_row = next(v for k, v in rows.items() if k == ("A",))
    assert a_row[0] == "0.400"
    assert a_row[3] == f"{100 * _geometric(0.40, 0.50, 3):.2f}"
    assert table.print_spanners()[3] == "Geometric mean rate (%)"


def test_growth_table_default_form_labels_and_no_groups():
    spans = {"2011~2013": (2010, 2013)}  # growth years 2011-2013 from D in 2010
    table = growth_table(_series(), spans, years=[2013])
    body = table.body
    assert list(body.columns) == [("D", "2013"), ("Average annual growth", "2011~2013")]
    assert body.loc[("region", "B"), ("Average annual growth", "2011~2013")] == pytest.approx(_geometric(0.20, 0.30, 3))
    assert list(body.index.get_level_values("level")) == ["region"] * 3 + ["National"]
    assert "Group and national rows: mean D; growth: the growth of the mean D" in " ".join(table.notes)


def test_growth_table_refuses_what_it_cannot_compute():
    with pytest.raises(ValueError, match=r"period\(s\) 2015 not in D"):
        growth_table(_series(), [(2010, 2015)])
    with pytest.raises(ValueError, match="end must come after the start"):
        growth_table(_series(), [(2013, 2010)])
    gappy = _series({"A": [0.4, 0.5, 0.6]}, [2010, 2012, 2013])
    with pytest.raises(ValueError, match=r"every year from 2010 to 2013; missing 2011"):
        growth_table(gappy, [(2010, 2013)], growth="arithmetic")
    assert growth_table(gappy, [(2010, 2013)]).body.shape == (2, 3)  # the geometric form needs the end points only
    text = _series()
    text.index = text.index.set_levels(["y10", "y11", "y12", "y13"], level="period")
    with pytest.raises(ValueError, match="numeric periods"):
        growth_table(text, [("y10", "y13")])
    with pytest.raises(ValueError, match=r"region\(s\) without a group: 'C'"):
        growth_table(_series(), [(2010, 2013)], groups={"A": "g1", "B": "g1"})
    with pytest.raises(ValueError, match="group_order must list every group"):
        growth_table(_series(), [(2010, 2013)], groups=GROUPS, group_order=["g1"])
    with pytest.raises(ValueError, match="growth must be one of"):
        growth_table(_series(), [(2010, 2013)], growth="log")


def test_growth_from_zero_is_an_empty_cell_with_a_warning():
    values = {**D_VALUES, "B": [0.0, 0.25, 0.24, 0.30]}
    with pytest.warns(RuntimeWarning, match=r"undefined.*'B'"):
        table = growth_table(_series(values), [(2010, 2013)], aggregate="mean_of_growth")
    assert np.isnan(table.body.loc[("region", "B"), ("Average annual growth", "2010~2013")])
    # the mean of the regional rates is not taken over the remaining regions silently
    assert np.isnan(table.body.loc[("National", "National"), ("Average annual growth", "2010~2013")])


def test_growth_table_agrees_with_coupling_growth_on_the_demo():
    """The geometric form is the one CouplingResult.growth computes."""
    D = _demo_D()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = growth_table(D, [(2009, 2014), (2014, 2024)])
    wide = D.unstack("period")
    expected = (wide[2024] / wide[2014]) ** (1 / 10) - 1
    got = table.body.xs("region", level="level")[("Average annual growth", "2014~2024")]
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12)


def _demo_D() -> pd.Series:
    rng = np.random.default_rng(3)
    regions = [f"R{i:02d}" for i in range(12)]
    years = list(range(2009, 2025))
    base = rng.uniform(0.2, 0.7, len(regions))
    trend = rng.uniform(0.0, 0.04, len(regions))
    values = base[:, None] * np.exp(trend[:, None] * np.arange(len(years)))
    idx = pd.MultiIndex.from_product([regions, years], names=["region", "period"])
    return pd.Series(values.ravel(), index=idx, name="D")


# -- Dagum -------------------------------------------------------------------------------------
def _between_frame() -> pd.DataFrame:
    """X richer than Y in 2000, Y richer than X in 2001; Z always poorest."""
    rows = [
        (2000, "X", "Y", 1, 2, 0.10, 0.60, 0.20, 0.05),
        (2000, "X", "Z", 1, 3, 0.30, 0.90, 0.40, 0.01),
        (2000, "Y", "Z", 2, 3, 0.20, 0.80, 0.30, 0.02),
        (2001, "Y", "X", 1, 2, 0.12, 0.50, 0.25, 0.08),
        (2001, "Y", "Z", 1, 3, 0.25, 0.85, 0.35, 0.02),
        (2001, "X", "Z", 2, 3, 0.22, 0.70, 0.28, 0.05),
    ]
    frame = pd.DataFrame(
        rows, columns=["period", "group_j", "group_h", "rank_j", "rank_h", "G_jh", "D_jh", "d_jh", "p_jh"]
    )
    return frame.set_index(["period", "group_j", "group_h"])


def test_between_pairs_have_one_orientation_for_all_years():
    between = _between_frame()
    g = dagum_between_table(between)
    # mean ranks: X 1.5, Y 1.5 (tie: X appears first), Z 3
    assert list(g.body.columns) == ["X–Y", "X–Z", "Y–Z"]
    assert not g.body.isna().any().any()  # no empty cell: the year × pair pivot is full
    assert g.body.loc[2001, "X–Y"] == 0.12  # G_jh is symmetric
    d = dagum_between_table(between, value="D_jh")
    assert d.body.loc[2000, "X–Y"] == 0.60
    assert d.body.loc[2001, "X–Y"] == -0.50
    dd = dagum_between_table(between, value="d_jh")
    assert dd.body.loc[2001, "X–Y"] == 0.08
    assert dd.body.loc[2000, "X–Y"] == 0.20
    assert "D_jh changes sign" in d.notes[0]
    assert "mean rank over all periods" in d.notes[0]
    given = dagum_between_table(between, order=["Z", "Y", "X"])
    assert list(given.body.columns) == ["Z–Y", "Z–X", "Y–X"]
    with pytest.raises(ValueError, match="group_order must list every group"):
        dagum_between_table(between, order=["Z", "Y"])
    with pytest.raises(ValueError, match="value must be one of"):
        dagum_between_table(between, value="Gjh")


def test_dagum_layouts_of_a_fit():
    rng = np.random.default_rng(0)
    regions = [f"R{i:02d}" for i in range(18)]
    idx = pd.MultiIndex.from_product([regions, [2018, 2019, 2020]], names=["region", "period"])
    series = pd.Series(rng.lognormal(0, 0.6, len(idx)), index=idx)
    groups = {r: ["East", "Central", "West", "North"][i % 4] for i, r in enumerate(regions)}
    res = sc.DagumGini().fit(series, groups)
    table = dagum_table(res.table)
    np.testing.assert_allclose(table.body[("Gini", "G")], res.table["G"])
    np.testing.assert_allclose(table.body[("Contribution", "Gnb")], res.table["Gnb_share"])
    assert table.print_spanners()[-1] == "Contribution (%)"
    between = dagum_between_table(res.between)
    assert between.body.shape == (3, 6)
    assert not between.body.isna().any().any()
    long = res.between.reset_index()
    for _, row in long.iterrows():
        a, b = row["group_j"], row["group_h"]
        label = f"{a}–{b}" if f"{a}–{b}" in between.body.columns else f"{b}–{a}"
        assert between.body.loc[row["period"], label] == row["G_jh"]
    within = dagum_within_table(res.within)
    mean_rank = res.within["rank"].groupby(level=1).mean()
    assert sorted(within.body.columns) == sorted(mean_rank.index)
    assert np.all(np.diff(mean_rank[list(within.body.columns)].to_numpy()) >= 0)  # by mean rank
    assert within.body.loc[2019, "East"] == res.within.loc[(2019, "East"), "G_jj"]
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['Gt_share'\]"):
        dagum_table(res.table.drop(columns="Gt_share"))


# -- indicator weights ------------------------------------------------------------------------------
WEIGHTS = pd.DataFrame(
    {
        "indicator": ["a1", "a2", "b1", "c1", "c2", "c3"],
        "subsystem": ["S", "S", "S", "T", "T", "T"],
        "dimension": ["scale", "scale", "quality", "scale", "green", "green"],
        "direction": ["+", "+", "-", "+", "+", "-"],
        "weight": [0.25, 0.35, 0.40, 0.50, 0.30, 0.20],
    }
)


def test_weights_table_has_dimension_subtotals():
    table = weights_table(WEIGHTS, labels={"a1": "Fixed investment"})
    body = table.body
    assert body.loc[("S", "scale", "Subtotal"), "Weight"] == pytest.approx(0.60)
    assert body.loc[("S", "quality", "Subtotal"), "Weight"] == pytest.approx(0.40)
    assert body.loc[("T", "green", "Subtotal"), "Weight"] == pytest.approx(0.50)
    assert [k[2] for k in body.index] == [
        "Fixed investment",
        "a2",
        "Subtotal",
        "b1",
        "Subtotal",
        "c1",
        "Subtotal",
        "c2",
        "c3",
        "Subtotal",
    ]
    assert body.loc[("T", "green", "c3"), "Direction"] == "-"
    printed = [cells for kind, _, _, cells in table.print_rows() if kind == "row"]
    assert printed[0] == ["+", "0.2500"]  # four decimals, as the papers print weights
    assert len(weights_table(WEIGHTS, subtotals=False).body) == 6
    partial = WEIGHTS.assign(dimension=["scale", None, "quality", "scale", "green", "green"])
    with pytest.raises(ValueError, match=r"indicators 'a2' have no dimension"):
        weights_table(partial)
    flat = weights_table(WEIGHTS.drop(columns="dimension")).body
    assert flat.index.names == ["subsystem", "indicator"]
    assert len(flat) == 6


# -- descriptive statistics ---------------------------------------------------------------------------
def test_descriptive_statistics_match_numpy():
    D = _demo_D()
    x = (D * 2 + 1).rename("x")
    x.iloc[3] = np.nan
    pooled = descriptive_table({"D": D, "x": x})
    row = pooled.body.loc["x"]
    values = x.dropna().to_numpy()
    assert row["N"] == values.size
    assert row["Mean"] == pytest.approx(values.mean())
    assert row["SD"] == pytest.approx(np.std(values, ddof=1))
    assert (row["Min"], row["Max"]) == (values.min(), values.max())
    by_year = descriptive_table({"D": D, "x": x}, by="period", labels={"D": "Coupling coordination D"})
    body = by_year.body
    assert body.index.names == ["variable", "period"]
    year = D.xs(2015, level="period").to_numpy()
    cell = body.loc[("Coupling coordination D", 2015)]
    assert cell["SD"] == pytest.approx(np.std(year, ddof=1))
    assert cell["N"] == 12
    assert list(body.index.get_level_values(0).unique()) == ["Coupling coordination D", "x"]
    with pytest.raises(ValueError, match=r"columns \['name'\] are not numeric"):
        descriptive_table(pd.DataFrame({"name": ["a"], "v": [1.0]}), columns=["name", "v"])
    with pytest.raises(ValueError, match="by='year' is neither an index level"):
        descriptive_table(D, by="year")


def test_growth_from_zero_is_named_in_the_note_with_its_effect_on_the_mean_of_rates():
    values = {**D_VALUES, "B": [0.0, 0.25, 0.24, 0.30]}
    with pytest.warns(RuntimeWarning, match=r"undefined.*'B'"):
        table = growth_table(_series(values), [(2010, 2013), (2011, 2013)], aggregate="both")
    body, col = table.body, "Average annual growth"
    mean_rates = ("National", "National: mean of regional rates")
    growth_of_mean = ("National", "National: growth of the mean")
    # 2010~2013: B has no rate, so the mean of regional rates is empty; the growth of the mean is the
    # hand-computed rate of the mean D (0.40 + 0 + 0.60) / 3 -> (0.50 + 0.30 + 0.66) / 3 over 3 years
    assert np.isnan(body.loc[("region", "B"), (col, "2010~2013")])
    assert np.isnan(body.loc[mean_rates, (col, "2010~2013")])
    assert body.loc[growth_of_mean, (col, "2010~2013")] == pytest.approx(_geometric(1.0 / 3, 1.46 / 3, 3))
    # 2011~2013: every region has a rate; the mean of the three hand-computed rates
    rates = [_geometric(0.44, 0.50, 2), _geometric(0.25, 0.30, 2), _geometric(0.60, 0.66, 2)]
    assert body.loc[mean_rates, (col, "2011~2013")] == pytest.approx(sum(rates) / 3, rel=1e-12)
    note = " ".join(table.notes)
    assert "No growth rate (the region's D is 0 at the start of the sub-period" in note
    assert "'B' in 2010~2013." in note
    assert "2011~2013" not in note.split("No growth rate")[1].split(".")[0]
    assert "leaving the region out would bias the mean downwards; the growth of the mean is defined." in note


def test_growth_table_without_undefined_rates_has_no_such_note():
    table = growth_table(_series(), [(2010, 2013)], aggregate="mean_of_growth")
    assert not any("No growth rate" in n for n in table.notes)


def test_growth_with_missing_D_leaves_the_cells_it_touches_empty_and_names_them():
    """B lacks D in 2012 (inside the span, not an end point), C in 2013 (an end point). Hand computation:
    every rate that needs a missing year is empty, the others are the usual rates; a group or national
    mean D with a missing member is empty in that year, and so is its growth of the mean."""
    values = {**D_VALUES, "B": [0.20, 0.25, np.nan, 0.30], "C": [0.60, 0.60, 0.63, np.nan]}
    with pytest.warns(RuntimeWarning, match=r"a value it needs is missing for") as caught:
        table = growth_table(
            _series(values), [(2010, 2013), (2010, 2011)], groups=GROUPS, growth="both", aggregate="both"
        )
    messages = sorted(str(w.message) for w in caught)
    assert messages == [
        "growth 2010~2013 (arithmetic) undefined: a value it needs is missing for 'B', 'C'; those cells are empty",
        "growth 2010~2013 (geometric) undefined: a value it needs is missing for 'C'; those cells are empty",
    ]
    body = table.body
    geo, ari = "Geometric mean rate", "Mean of annual rates"

    def cell(key, column):
        return body.loc[key, column]

    a, b = ("g1", "region", "A"), ("g1", "region", "B")
    c = ("g2", "region", "C")
    assert cell(a, (geo, "2010~2013")) == pytest.approx(_geometric(0.40, 0.50, 3))
    assert cell(b, (geo, "2010~2013")) == pytest.approx(_geometric(0.20, 0.30, 3))  # end points there
    assert np.isnan(cell(b, (ari, "2010~2013")))  # needs 2012
    assert cell(b, (ari, "2010~2011")) == pytest.approx(0.25 / 0.20 - 1)
    assert np.isnan(cell(c, ("D", "2013")))
    assert np.isnan(cell(c, (geo, "2010~2013")))
    assert cell(c, (geo, "2010~2011")) == pytest.approx(0.0)
    # g1: the mean D at the end points is complete, 2012 is not
    g1_mean = ("g1", "group", "g1: growth of the mean")
    assert cell(g1_mean, (geo, "2010~2013")) == pytest.approx(_geometric(0.30, 0.40, 3))
    assert np.isnan(cell(g1_mean, (ari, "2010~2013")))
    g1_rates = ("g1", "group", "g1: mean of regional rates")
    assert cell(g1_rates, (geo, "2010~2013")) == pytest.approx(
        (_geometric(0.40, 0.50, 3) + _geometric(0.20, 0.30, 3)) / 2
    )
    assert np.isnan(cell(g1_rates, (ari, "2010~2013")))
    # national: C is missing in 2013, so the national mean D of 2013 and every rate to 2013 are empty
    nat = ("National", "national", "National: growth of the mean")
    assert np.isnan(cell(nat, ("D", "2013")))
    assert np.isnan(cell(nat, (geo, "2010~2013")))
    assert cell(nat, ("D", "2010")) == pytest.approx(0.40)
    assert cell(nat, (geo, "2010~2011")) == pytest.approx((0.44 + 0.25 + 0.60) / 3 / 0.40 - 1)
    assert np.isnan(cell(("National", "national", "National: mean of regional rates"), (ari, "2010~2013")))
    note = " ".join(table.notes)
    missing = note.split("No growth rate (the region's D is missing in a year the rate needs; the cell is empty): ")[1]
    assert missing.startswith("'C' in 2010~2013 (geometric mean rate); 'B', 'C' in 2010~2013 (mean of annual rates).")
    assert "'A'" not in missing
    assert "2010~2011" not in missing.split(".")[0]
    assert "a missing rate is unknown" in note
    assert "a mean over the other members would compare different sets of regions within one row." in note
    md = table.flat()
    assert md.shape[0] == len(body)  # every row kept, nothing dropped

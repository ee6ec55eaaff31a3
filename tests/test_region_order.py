"""Analysis tables list China's provinces in yearbook order (Beijing, Tianjin, Hebei, … by adcode) and
other regions in the order they come in, through one rule (``sc.regions.region_order``)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spatialcoupling as sc
import spatialcoupling.regions
from spatialcoupling._aliases import in_region_order
from spatialcoupling.tables import growth_table

#: the first provinces of China's statistical yearbooks (adcodes 110000, 120000, 130000, 140000, 150000)
YEARBOOK_HEAD = ["Beijing", "Tianjin", "Hebei", "Shanxi", "Inner Mongolia"]


@pytest.fixture(scope="module")
def demo_coupling():
    """Coupling of the China demo, read as the demo study reads it (English province names)."""
    from spatialcoupling.study import inputs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = inputs.panel({"dataset": "china_demo", "interpolate": "linear"}, Path("."))
        system = inputs.indicator_system({"dataset": "china_demo"}, Path("."))
        scores = sc.EntropyWeights(shift=1e-4).fit(panel, system)
        return sc.CouplingCoordination(contributions={"MS": 0.4, "AM": 0.6}).fit(scores)


def test_region_order_rule():
    assert sc.regions.region_order(["Hebei", "北京", "Tianjin", "Hebei"]) == ["北京", "Tianjin", "Hebei"]
    assert sc.regions.region_order([130000, 110000]) == [110000, 130000]
    assert sc.regions.region_order(["Texas", "Alabama", "Ohio"]) == ["Texas", "Alabama", "Ohio"]  # as given
    # a province with a row that is not one (a national total): not all provinces, so as given
    assert sc.regions.region_order(["Hebei", "National", "Beijing"]) == ["Hebei", "National", "Beijing"]


def test_china_demo_coupling_tables_in_yearbook_order(demo_coupling):
    table = demo_coupling.table
    assert list(dict.fromkeys(table.index.get_level_values("region")))[:5] == YEARBOOK_HEAD
    assert list(demo_coupling.D.index.get_level_values("region").unique()[:3]) == YEARBOOK_HEAD[:3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert list(demo_coupling.growth([(2009, 2014)]).index[:5]) == YEARBOOK_HEAD
    assert list(demo_coupling.first_period_at_or_above(0.3).index[:5]) == YEARBOOK_HEAD
    body = growth_table(demo_coupling.D, [(2009, 2014)]).body
    assert [name for level, name in body.index[:5]] == YEARBOOK_HEAD
    # periods stay in order within each region
    assert list(table.loc["Beijing"].index) == sorted(table.loc["Beijing"].index)


def test_us_tables_keep_the_input_order(us_income):
    D = (us_income / us_income.max()).rename("D")
    # the states in a non-alphabetical order: they stay as given
    states = list(D.index.get_level_values("region").unique())
    shuffled = [states[i] for i in np.random.default_rng(0).permutation(len(states))]
    frame = D.to_frame().reindex(pd.MultiIndex.from_product([shuffled, D.index.levels[1]], names=D.index.names))
    assert in_region_order(frame) is frame
    assert list(in_region_order(frame.reset_index())["region"].unique()) == shuffled
    wide = D.unstack("period")
    assert list(in_region_order(wide).index) == list(wide.index)  # alphabetical stays alphabetical
    body = growth_table(D, [(1929, 1939)]).body
    assert [name for level, name in body.index if level == "region"] == states


def test_study_writer_lists_provinces_in_yearbook_order(tmp_path):
    from spatialcoupling.study.output import OutputWriter
    from spatialcoupling.study.steps import Table

    frame = pd.DataFrame(
        {"D": [0.3, 0.5, 0.4, 0.2]},
        index=pd.MultiIndex.from_product([["Hebei", "Beijing"], [2009, 2010]], names=["region", "period"]),
    )
    writer = OutputWriter(tmp_path, {"tables": ["csv"], "figures": []}, synthetic=False)
    writer.write_table("coupling", Table(frame))
    written = pd.read_csv(tmp_path / "tables" / "coupling.csv", encoding="utf-8-sig")
    assert list(written["region"]) == ["Beijing", "Beijing", "Hebei", "Hebei"]
    assert list(written["D"]) == [0.4, 0.2, 0.3, 0.5]  # rows moved with their values


def test_report_tables_list_provinces_in_yearbook_order():
    """The HTML report shows a step's own frame (not the writer's copy): the same order as the files."""
    from spatialcoupling.study.report import _frame_html
    from spatialcoupling.study.steps import Table

    frame = pd.DataFrame({"U_MS": [0.3, 0.5, 0.4]}, index=pd.Index(["Hebei", "Tianjin", "Beijing"], name="region"))
    html, n = _frame_html(Table(frame), 10)
    assert n == 3
    flat, _ = _frame_html(Table(frame, flat_in_report=True), 10)
    assert flat == html  # keys as columns either way
    positions = [html.index(f"<td>{name}</td>") for name in ("Beijing", "Tianjin", "Hebei")]
    assert positions == sorted(positions)
    assert html.index("0.4000") < html.index("0.5000") < html.index("0.3000")  # rows moved with their values


def test_group_means_list_china_divisions_in_their_conventional_order(demo_coupling):
    """East, Central, West (not alphabetical) and the eight zones from the north-east along the coast,
    then inland; the means themselves are those of a plain groupby."""
    provinces = sc.datasets.load("china_provinces").set_index("name_en")
    regions = demo_coupling.table.index.get_level_values("region").unique()
    for column, order in [
        ("region3", ["East", "Central", "West"]),
        (
            "zone8",
            [
                "Northeast",
                "Northern Coastal",
                "Eastern Coastal",
                "Southern Coastal",
                "Middle Yellow River",
                "Middle Yangtze River",
                "Southwest",
                "Northwest",
            ],
        ),
    ]:
        groups = provinces.loc[regions, column]
        by = demo_coupling.by_group(groups)
        assert list(by.columns) == [*order, "All"]
        d = demo_coupling.table["D"]
        expected = d.groupby(
            [d.index.get_level_values("period"), groups.reindex(d.index.get_level_values("region")).to_numpy()]
        ).mean()
        assert by.loc[2024, "East" if column == "region3" else "Northeast"] == pytest.approx(
            expected.loc[(2024, "East" if column == "region3" else "Northeast")]
        )
    from spatialcoupling._groups import conventional_order

    assert conventional_order(["West", "East"]) == ["East", "West"]
    assert conventional_order(["B", "A"]) == ["B", "A"]  # unknown labels: as given


def test_dagum_within_lines_in_conventional_order():
    rng = np.random.default_rng(0)
    idx = pd.MultiIndex.from_product([list("abcdefgh"), [2009, 2010]], names=["region", "period"])
    d = pd.Series(rng.random(len(idx)), index=idx)
    groups = dict(zip("abcdefgh", ["West", "West", "Central", "Central", "East", "East", "West", "East"], strict=True))
    result = sc.DagumGini().fit(d, groups)
    assert list(result.within.index.get_level_values("group").unique()) == ["Central", "East", "West"]  # the table
    fig = result.plot(kind="within")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["East", "Central", "West"]


# -- every analysis result keyed by region ------------------------------------------------------


def _shuffled_inputs(ids, seed):
    """D (region × 6 years, seeded values) and ring weights (each region next to its two neighbours in
    the list), both in the shuffled order ``ids``; the weights' content does not matter for the order."""
    import scipy.sparse as sp

    from spatialcoupling._weights import SpatialWeights

    rng = np.random.default_rng(seed)
    index = pd.MultiIndex.from_product([ids, range(2010, 2016)], names=["region", "period"])
    D = pd.Series(rng.uniform(0.2, 0.8, len(index)), index=index, name="D")
    n = len(ids)
    rows = np.repeat(np.arange(n), 2)
    cols = np.column_stack([(np.arange(n) - 1) % n, (np.arange(n) + 1) % n]).ravel()
    ring = sp.csr_matrix((np.full(2 * n, 0.5), (rows, cols)), shape=(n, n))
    return D, SpatialWeights(tuple(ids), ring, "R", "ring")


def _panel_of(D):
    """A two-subsystem panel whose four indicators are seeded functions of D (for scores-based results)."""
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({c: D.to_numpy() * rng.uniform(0.5, 1.5, len(D)) for c in ("a1", "a2", "b1", "b2")}, D.index)
    system = sc.IndicatorSystem.from_frame(
        pd.DataFrame({"indicator": ["a1", "a2", "b1", "b2"], "subsystem": ["A", "A", "B", "B"], "direction": "+"})
    )
    return sc.Panel(frame), system


#: one builder per analysis whose result has tables keyed by region: name → fit(D, w, scores)
RESULT_BUILDERS = {
    "SubsystemScores": lambda D, w, s: s,
    "LocalMoran": lambda D, w, s: sc.LocalMoran(permutations=19, seed=1).fit(D, w),
    "HotSpots": lambda D, w, s: sc.HotSpots(permutations=19, seed=1).fit(D, w),
    "BivariateLocalMoran": lambda D, w, s: sc.BivariateLocalMoran(permutations=19, seed=1).fit(D, D**2, w),
    "DifferentialLocalMoran": lambda D, w, s: sc.DifferentialLocalMoran(permutations=19, seed=1).fit(D, w),
    "MarkovChain": lambda D, w, s: sc.MarkovChain().fit(D),
    "SpatialMarkov": lambda D, w, s: sc.SpatialMarkov().fit(D, w),
    "RankMobility": lambda D, w, s: sc.RankMobility().fit(D, w),
    "SpaceTimeLISA": lambda D, w, s: sc.SpaceTimeLISA(permutations=19, seed=1).fit(D, w),
    "ObstacleDegree": lambda D, w, s: sc.ObstacleDegree().fit(s),
    "Topsis": lambda D, w, s: sc.Topsis().fit(s),
}


def _region_tables(result):
    """Every public table of ``result`` with a region index level, index or column: name → region ids in order."""
    frames = dict(result.tables)
    for name in ("scores", "standardized", "clubs", "transition_paths"):
        if hasattr(result, name):
            frames[name] = getattr(result, name)
    out = {}
    for name, frame in frames.items():
        index = frame.index
        if isinstance(index, pd.MultiIndex) and "region" in index.names:
            ids = index.get_level_values("region")
        elif index.name == "region":
            ids = index
        elif isinstance(frame, pd.DataFrame) and "region" in frame.columns:
            ids = pd.Index(frame["region"])
        else:
            continue
        out[name] = list(dict.fromkeys(ids))
    return out


@pytest.fixture(scope="module")
def china_shuffled():
    provinces = sc.datasets.load("china_province_aliases")
    provinces = provinces.loc[provinces["kind"] == "en", "alias"].drop_duplicates().tolist()
    ids = [provinces[i] for i in np.random.default_rng(3).permutation(len(provinces))]
    assert ids[:3] != YEARBOOK_HEAD[:3]
    D, w = _shuffled_inputs(ids, seed=1)
    panel, system = _panel_of(D)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = sc.EntropyWeights().fit(panel, system)
        return {name: build(D, w, scores) for name, build in RESULT_BUILDERS.items()}, D


def test_every_result_lists_china_provinces_in_yearbook_order(china_shuffled):
    results, D = china_shuffled
    yearbook = sc.regions.region_order(D.index.get_level_values("region"))
    assert yearbook[:5] == YEARBOOK_HEAD
    seen = set()
    for name, result in results.items():
        for table, ids in _region_tables(result).items():
            assert ids == yearbook, f"{name}.{table} starts {ids[:3]}"
            seen.add(name)
    assert seen == set(RESULT_BUILDERS)  # every builder has at least one region table
    # rows moved with their values: the LISA value column is the input D of the same (region, period)
    lisa = results["LocalMoran"].table
    assert np.array_equal(lisa["value"].to_numpy(), D.reindex(lisa.index).to_numpy())
    clusters = results["HotSpots"].table
    assert list(clusters.loc["Beijing"].index) == list(range(2010, 2016))  # periods in order within a region


def test_club_convergence_lists_china_provinces_in_yearbook_order():
    provinces = sc.datasets.load("china_provinces")["name_en"].tolist()
    ids = [provinces[i] for i in np.random.default_rng(4).permutation(len(provinces))]
    rng = np.random.default_rng(2)
    index = pd.MultiIndex.from_product([ids, range(2000, 2016)], names=["region", "period"])
    x = pd.Series(10 * np.exp(rng.normal(0, 0.1, len(index)).reshape(len(ids), -1).cumsum(1)).ravel(), index=index)
    result = sc.ClubConvergence().fit(x)
    for table, got in _region_tables(result).items():
        assert got[:5] == YEARBOOK_HEAD, table
    assert result.clubs.index.is_unique


def test_us_results_keep_their_order(us_income):
    """Not China's provinces: each result lists the states as it did before the rule (the weights' order
    for the local statistics, which here is the shuffled input order)."""
    states = list(us_income.index.get_level_values("region").unique())
    ids = [states[i] for i in np.random.default_rng(3).permutation(len(states))]
    D, w = _shuffled_inputs(ids, seed=1)
    lisa = sc.LocalMoran(permutations=19, seed=1).fit(D, w)
    assert _region_tables(lisa)["table"] == ids
    hot = sc.HotSpots(permutations=19, seed=1).fit(D, w)
    assert _region_tables(hot)["table"] == ids
    markov = sc.MarkovChain().fit(D)
    assert _region_tables(markov)["states"] == sorted(ids)  # the chain's own (sorted) order, unchanged

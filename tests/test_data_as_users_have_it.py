"""Users' data as they have it (issue 15): yearbook workbooks, Chinese names, derived indicators, the lock file.

References are independent of the code: hand counts of cells and notes, the adcodes of the
provinces as published (GB/T 2260), and the service–manufacturing study's entropy formulas
computed by explicit loops in the test.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spatialcoupling as sc
from spatialcoupling._derive import DeriveError, parse
from spatialcoupling.indicators import parse_direction
from spatialcoupling.regions import match_regions, yearbook_order
from spatialcoupling.study import Study, StudyError

YEARS = [2009, 2010, 2011, 2012, 2013]
#: mixed spellings of six provinces, with their adcodes (GB/T 2260)
MIXED = {
    "北京市": 110000,
    "Tianjin": 120000,
    "河北": 130000,
    "Shanxi": 140000,
    "Nei Mongol": 150000,
    "辽宁省": 210000,
}


def _sheet(values: np.ndarray, labels: list[str], names: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(values, columns=labels).astype(object)
    frame.insert(0, "region", names)
    return frame


def _workbook(path: Path, years_line: bool = False) -> Path:
    """One sheet per indicator, a 说明 sheet first, '2009年' columns and '—' cells; with ``years_line``,
    the am_out sheet has a second header line of plain years (2009, 2010, …) under its labels."""
    rng = np.random.default_rng(5)
    names = list(MIXED)
    labels = ["2009年", "2010年", "2011 年", "2012年", "2013年末"]
    n, t = len(names), len(YEARS)
    growth = 1 + rng.uniform(0.05, 0.15, size=(n, t)).cumsum(axis=1)
    sheets = {
        "ms_fai": 100 * growth * rng.uniform(0.5, 2, size=(n, 1)),
        "fai_price": 100 * (1.02 ** np.arange(t)) * np.ones((n, 1)),
        "ms_va": rng.uniform(10, 50, size=(n, t)),
        "am_out": rng.uniform(20, 80, size=(n, t)),
        "am_energy": rng.uniform(1, 5, size=(n, t)),
    }
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"说明": ["数据来源：中国统计年鉴", "单位：亿元"]}).to_excel(xw, sheet_name="说明", index=False)
        for name, values in sheets.items():
            frame = _sheet(values, labels, names)
            if name == "ms_va":
                frame.iloc[2, 3] = "—"  # 河北, 2011
            if name == "am_energy":
                frame.iloc[4, 2] = "…"  # Nei Mongol, 2010
            if name == "am_out" and years_line:
                frame = pd.concat([pd.DataFrame([[None, *YEARS]], columns=frame.columns), frame], ignore_index=True)
            frame.to_excel(xw, sheet_name=name, index=False)
    return path


# -- layouts ----------------------------------------------------------------------------------
def test_one_indicator_per_sheet_skips_the_notes_sheet(tmp_path):
    panel = sc.read_panel(_workbook(tmp_path / "wb.xlsx"), sheets="*")
    assert panel.columns == ["ms_fai", "fai_price", "ms_va", "am_out", "am_energy"]
    assert list(panel.periods) == YEARS
    assert len(panel.regions) == 6
    assert len(panel) == 30
    assert any("skipped sheet '说明'" in n for n in panel.notes)
    # the missing tokens, one each, counted per indicator with the cell
    assert any("1 cell(s) of 'ms_va'" in n and "'—'" in n and "'河北'/2011" in n for n in panel.notes)
    assert any("1 cell(s) of 'am_energy'" in n and "'…'" in n for n in panel.notes)
    assert int(panel.data.isna().sum().sum()) == 2


def test_sheets_as_a_list_or_a_mapping(tmp_path):
    book = _workbook(tmp_path / "wb.xlsx")
    panel = sc.read_panel(book, sheets=["ms_va", "am_out"])
    assert panel.columns == ["ms_va", "am_out"]
    named = sc.read_panel(book, sheets={"ms_va": "value_added", "am_out": "output"})
    assert named.columns == ["value_added", "output"]
    with pytest.raises(ValueError, match="sheet '说明' has no region column 'region'"):
        sc.read_panel(book, sheets=["说明", "ms_va"])
    with pytest.raises(ValueError, match=r"no sheet\(s\) \['gdp'\]"):
        sc.read_panel(book, sheets=["gdp"])
    with pytest.raises(ValueError, match=r"sheets=.*an Excel workbook"):
        sc.read_panel(pd.DataFrame({"region": ["a"]}), sheets="*")


def test_periods_as_columns_for_one_indicator(tmp_path):
    path = tmp_path / "gdp.csv"
    pd.DataFrame({"region": ["a", "b"], "2009年": ["1,200", "—"], "2010年末": ["1,300", "2,000"]}).to_csv(
        path, index=False
    )
    panel = sc.read_panel(path, indicator="gdp", thousands=",")
    assert panel["gdp"].to_dict() == {
        ("a", 2009): 1200.0,
        ("a", 2010): 1300.0,
        ("b", 2009): pytest.approx(np.nan, nan_ok=True),
        ("b", 2010): 2000.0,
    }
    assert any("read as years" in n for n in panel.notes)
    with pytest.raises(ValueError, match=r"thousands=','"):
        sc.read_panel(path, indicator="gdp")  # the hint for the comma


@pytest.mark.parametrize("token", ["—", "--", "…", "...", "..", "-", "/", "n.a.", "——", "N.A."])
def test_missing_tokens_read_as_missing(token):
    frame = pd.DataFrame({"region": ["a", "a", "b", "b"], "period": [1, 2, 1, 2], "x": ["1", token, "3", "-4"]})
    panel = sc.read_panel(frame)
    assert panel["x"].isna().tolist() == [False, True, False, False]
    assert panel["x"].iloc[3] == -4.0  # a negative number is not the '-' token
    assert any(f"1 cell(s) of 'x' read as missing ({token!r}" in n for n in panel.notes)


def test_na_values_add_tokens():
    frame = pd.DataFrame({"region": ["a", "b"], "period": [1, 1], "x": ["暂无", "2"]})
    with pytest.raises(ValueError, match="na_values="):
        sc.read_panel(frame)
    assert sc.read_panel(frame, na_values=["暂无"])["x"].isna().sum() == 1


def test_semicolon_csv_hint(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("region;period;x\na;2009;1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"sep=';'"):
        sc.read_panel(path)


def test_gb18030_workbook_names_and_year_labels_in_a_csv(tmp_path):
    path = tmp_path / "gbk.csv"
    frame = pd.DataFrame({"省份": ["北京", "内蒙古自治区"], "2009 年": [1, 2], "2010年": [3, 4]})
    path.write_bytes(frame.to_csv(index=False).encode("gb18030"))
    panel = sc.read_panel(path, region="省份", indicator="gdp", regions="china_provinces")
    assert list(panel.regions) == [110000, 150000]
    assert any("GB18030" in n for n in panel.notes)


# -- directions and TOML ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("正向", 1),
        ("负向", -1),
        ("正", 1),
        ("负", -1),
        ("+", 1),
        ("-", -1),
        ("positive", 1),
        ("negative", -1),
        ("＋", 1),
        ("－", -1),
        ("−", -1),
        ("逆向", -1),
    ],
)
def test_directions_in_chinese_and_symbols(text, sign):
    assert parse_direction(text, "x") == sign


def test_indicator_system_with_chinese_directions():
    system = sc.IndicatorSystem.from_dict({"MS": {"scale": {"a": "正向", "b": "负向"}}})
    assert system.table.set_index("indicator")["direction"].to_dict() == {"a": 1, "b": -1}


def test_unquoted_chinese_toml_key_gets_a_hint(tmp_path):
    path = tmp_path / "system.toml"
    path.write_text('[MS.规模]\n增加值 = "正向"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r'TOML needs such keys in quotes, e\.g\. \["MS"\."规模"\]'):
        sc.IndicatorSystem.from_file(path)
    study = tmp_path / "study.toml"
    study.write_text('[data]\ndataset = "china_demo"\n[indicators.MS.规模]\nx = "+"\n', encoding="utf-8")
    with pytest.raises(StudyError, match="not ASCII: TOML needs such keys in quotes"):
        Study.from_file(study)


# -- region names -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spelling", "adcode"),
    [
        ("北京市", 110000),
        ("北京", 110000),
        ("内蒙古自治区", 150000),
        ("内蒙古", 150000),
        ("广西壮族自治区", 450000),
        ("广西", 450000),
        ("宁夏回族自治区", 640000),
        ("新疆维吾尔自治区", 650000),
        ("Inner Mongolia Autonomous Region", 150000),
        ("Inner Mongolia", 150000),
        ("Nei Mongol", 150000),
        ("Guangxi Zhuang Autonomous Region", 450000),
        ("Guangxi", 450000),
        ("Xizang", 540000),
        ("Tibet", 540000),
        ("Shanxi", 140000),
        ("Shaanxi", 610000),
        ("Shaanxi Province", 610000),
        ("Hebei Sheng", 130000),
        ("Beijing Municipality", 110000),
        (110000, 110000),
        ("110000", 110000),
        (" 110000 ", 110000),
        ("ＧＵＡＮＧＤＯＮＧ", 440000),
        ("ｓｈａａｎｘｉ", 610000),
        ("Xinjiang Uygur Autonomous Region", 650000),
    ],
)
@pytest.mark.filterwarnings("ignore:match_regions. dropped")
def test_every_alias_family_matches_the_bundled_provinces(spelling, adcode):
    provinces = sc.datasets.load("china_provinces")
    ids = [spelling] + [o for o in ["北京", "天津", "河北省"] if _code(o) != adcode]
    matched = match_regions(provinces, ids, extra="drop")
    assert int(matched.loc[spelling, "adcode"]) == adcode
    assert matched.index.is_unique


def _code(name: str) -> int:
    from spatialcoupling._aliases import resolve

    return resolve([name]).codes[name]


def test_aliases_applied_are_noted_and_the_study_workbook_matches(tmp_path):
    panel = sc.read_panel(_workbook(tmp_path / "wb.xlsx"), sheets="*")
    provinces = sc.datasets.load("china_provinces")
    with pytest.warns(UserWarning, match="dropped 25 boundary"):
        matched = match_regions(provinces, panel, extra="drop")
    assert [int(c) for c in matched["adcode"]] == list(MIXED.values())
    notes = sc._notes.notes_of(matched)
    assert any("'Nei Mongol' → 150000" in n and "'河北' → 130000" in n for n in notes)


def test_ambiguous_alias_is_refused_with_the_candidates():
    provinces = sc.datasets.load("china_provinces")
    with pytest.raises(
        ValueError,
        match=r"'Shan-hsi' is ambiguous: it could be 山西 / Shanxi \(140000\) or "
        r"陕西 / Shaanxi \(610000\)",
    ):
        match_regions(provinces, ["北京", "Shan-hsi"], extra="drop")


def test_unknown_name_suggests_the_nearest():
    provinces = sc.datasets.load("china_provinces")
    with pytest.raises(ValueError, match=r"'Bejing' is not a known name \(nearest: 北京 / Beijing \(110000\)"):
        match_regions(provinces, ["Bejing", "天津"], extra="drop")


def test_one_province_spelled_twice_is_refused():
    provinces = sc.datasets.load("china_provinces")
    with pytest.raises(ValueError, match="one province spelled twice"):
        match_regions(provinces, ["北京", "Beijing"], extra="drop")
    frame = pd.DataFrame({"region": ["北京", "Beijing"], "period": [1, 1], "x": [1.0, 2.0]})
    with pytest.raises(ValueError, match="one province spelled two ways"):
        sc.read_panel(frame, regions="china_provinces")


def test_read_panel_regions_gives_adcodes_and_notes_the_aliases():
    frame = pd.DataFrame(
        {
            "region": ["新疆", "Peking", "Guangxi Zhuang Autonomous Region"],
            "period": [1] * 3,
            "x": [1.0, 2.0, 3.0],
        }
    )
    panel = sc.read_panel(frame, regions="china_provinces")
    assert list(panel.regions) == [110000, 450000, 650000]
    assert any("'Peking' → 110000" in n for n in panel.notes)
    with pytest.raises(ValueError, match="'Atlantis' is not a known name"):
        sc.read_panel(frame.assign(region=["Atlantis", "北京", "天津"]), regions="china_provinces")


def test_yearbook_order_of_names():
    names = ["新疆", "广东省", "Beijing", "上海", "Shaanxi", "Shanxi"]
    assert yearbook_order(names) == ["Beijing", "Shanxi", "上海", "广东省", "Shaanxi", "新疆"]
    frame = pd.DataFrame({"region": names, "period": [1] * 6, "x": np.arange(6.0)})
    assert list(sc.read_panel(frame).regions) == yearbook_order(names)
    assert yearbook_order(["b", "a"]) == ["a", "b"]  # not China's provinces: sorted as they are


# -- panel operations -----------------------------------------------------------------------------
@pytest.fixture
def small():
    idx = pd.MultiIndex.from_product([["a", "b", "c"], [2009, 2010, 2011]], names=["region", "period"])
    frame = pd.DataFrame(
        {
            "x": [1.0, np.nan, 3.0, 2.0, 4.0, 8.0, 5.0, 5.0, 5.0],
            "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
            "pop": [10.0] * 9,
        },
        index=idx,
    )
    return sc.Panel(frame).interpolate()


def test_operations_keep_notes_and_filled(small):
    assert small.filled["x"].sum() == 1
    out = small.select(regions=["a", "b"]).drop(periods=[2011]).rename({"x": "xx"}).rename_regions({"a": "A"})
    assert list(out.regions) == ["A", "b"]
    assert list(out.periods) == [2009, 2010]
    assert bool(out.filled.loc[("A", 2010), "xx"])
    assert out.filled.values.sum() == 1
    assert out.notes[: len(small.notes)] == small.notes
    assert any("rename_regions: 'a' → 'A'" in n for n in out.notes)
    with pytest.raises(ValueError, match=r"region\(s\) 'z' not in the panel"):
        small.drop(regions=["z"])
    with pytest.raises(ValueError, match="would name two regions"):
        small.rename_regions({"a": "b"})
    with pytest.raises(ValueError, match="mix text and numbers"):
        small.rename_regions({"a": 1})


def test_selecting_dropping_and_renaming_keep_the_panel_order(small):
    """select, drop and rename keep the rows in the panel's order (no re-sort); renamed ids that are
    China's provinces take the yearbook order, and leaving out a national total puts the provinces that
    remain in yearbook order; values, .filled and .notes move with their rows."""
    renamed = small.rename_regions({"a": "zz"})  # the panel's order, not the alphabet: zz stays first
    assert list(renamed.regions) == ["zz", "b", "c"]
    assert renamed["x"].loc[("zz", 2009)] == small["x"].loc[("a", 2009)]
    assert bool(renamed.filled.loc[("zz", 2010), "x"])
    assert renamed.filled.values.sum() == 1
    for out in (
        renamed.select(periods=[2009, 2010]),
        renamed.drop(periods=[2011]),
        renamed.select(regions=["c", "zz"]),  # the order of the panel, not of the list
        renamed.drop(regions=["b"]),
        renamed.rename({"x": "x2"}),
        renamed.select(columns=["y", "x"]),
    ):
        assert list(out.regions) == [r for r in ["zz", "b", "c"] if r in set(out.regions)]
        assert out.notes[: len(renamed.notes)] == renamed.notes
        assert out.filled.index.equals(out.data.index)
        assert list(out.filled.columns) == out.columns
        assert out.data.equals(
            renamed.data.loc[out.data.index, [{"x2": "x"}.get(c, c) for c in out.columns]].set_axis(out.columns, axis=1)
        )
        if "x" in out.columns:
            assert out.filled["x"].sum() == (1 if ("zz", 2010) in out.data.index else 0)
    assert renamed.select(columns=["y", "x"]).columns == ["y", "x"]
    # renaming into China's provinces: the yearbook order (Beijing 110000, Tianjin 120000, Hebei 130000)
    provinces = small.rename_regions({"a": "Tianjin", "b": "Hebei", "c": "Beijing"})
    assert list(provinces.regions) == ["Beijing", "Tianjin", "Hebei"]
    assert provinces["y"].loc["Beijing"].tolist() == [7.0, 8.0, 9.0]  # c's values
    # a national total makes the rows "not all provinces" (alphabetical); dropping it gives the yearbook order
    with_total = small.rename_regions({"a": "Tianjin", "b": "National", "c": "Beijing"})
    with_total = sc.Panel(with_total.data, with_total.filled, with_total.notes)
    assert list(with_total.regions) == ["Beijing", "National", "Tianjin"]
    assert list(with_total.drop(regions=["National"]).regions) == ["Beijing", "Tianjin"]
    assert list(with_total.select(regions=["Tianjin", "Beijing"]).regions) == ["Beijing", "Tianjin"]
    with pytest.raises(ValueError, match="would name two regions"):
        renamed.rename_regions({"b": "zz"})
    with pytest.raises(ValueError, match="nothing would be left"):
        small.drop(columns=["x", "y", "pop"])


def test_sum_mean_log_per_capita_by_hand(small):
    out = small.sum(["x", "y"], name="s").mean(["x", "y"], name="m").log("y").per_capita("y", "pop", scale=100)
    assert out["s"][("c", 2010)] == 13.0
    assert out["m"][("c", 2010)] == 6.5
    assert out["ln_y"][("b", 2011)] == pytest.approx(math.log(6.0))
    assert out["y_per_capita"][("a", 2011)] == pytest.approx(30.0)
    assert sum("sum: 's'" in n for n in out.notes) == 1
    with pytest.raises(ValueError, match="non-positive"):
        small.derive("d", "y - 5").log("d")


# -- the derive grammar ------------------------------------------------------------------------------
def test_derive_expressions_by_hand(small):
    out = small.derive("g", "growth(y) * 100").derive("r", "ratio(x, y) + 1").derive("k", "-(x + y) / 2")
    assert out["g"][("a", 2010)] == pytest.approx(100.0)
    assert np.isnan(out["g"][("a", 2009)])
    assert out["r"][("b", 2010)] == pytest.approx(4 / 5 + 1)
    assert out["k"][("c", 2011)] == pytest.approx(-7.0)
    assert any("derive: 'g' = growth(y) * 100" in n for n in out.notes)
    assert any("growth_rate: 'growth(y)' undefined in 3 cell(s)" in n for n in out.notes)


def test_derive_capital_stock_equals_the_method(small):
    by_method = small.capital_stock("y", "pop", depreciation=0.1, base_period=2009, name="K")["K"]
    derived = small.derive("K", "capital_stock(y, deflator=pop, depreciation=0.1, base_period=2009)")["K"]
    pd.testing.assert_series_equal(derived, by_method)
    # K0 = I0 / (g + δ) with g the average growth of real investment (a: 1 → 3 over 2 years)
    g = 3.0**0.5 - 1
    assert by_method[("a", 2009)] == pytest.approx(1.0 / (g + 0.1))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("growth(y", r"expected '\)'"),
        ("__import__('os')", "unexpected character"),
        ("open(y)", "unknown function"),
        ("y.real", "unexpected character '.'"),
        ("growth(y, x)", "takes 1 argument"),
        ("log(y, base=2)", "unknown keyword"),
        ("y y", "after a complete expression"),
        ("", "empty"),
        ("sum(y)", "at least two"),
    ],
)
def test_derive_grammar_refuses_what_it_does_not_know(text, message):
    with pytest.raises(DeriveError, match=message):
        parse(text)


def test_derive_names_unknown_columns_and_division_by_zero(small):
    with pytest.raises(ValueError, match=r"unknown column\(s\) \['gdp'\]"):
        small.derive("d", "gdp / pop")
    with pytest.raises(ValueError, match="infinite"):
        small.derive("d", "y / (pop - 10)")
    with pytest.raises(ValueError, match="not a column"):
        small.derive("d", "1 + 2")


# -- the service–manufacturing study's entropy recipe ------------------------------------------------
def test_entropy_period_minmax_equals_the_papers_formulas_by_hand():
    regions, years = ["a", "b", "c"], [1, 2]
    x1 = {("a", 1): 1.0, ("b", 1): 2.0, ("c", 1): 4.0, ("a", 2): 3.0, ("b", 2): 3.5, ("c", 2): 5.0}
    x2 = {("a", 1): 9.0, ("b", 1): 3.0, ("c", 1): 6.0, ("a", 2): 2.0, ("b", 2): 8.0, ("c", 2): 4.0}
    idx = pd.MultiIndex.from_tuples(list(x1), names=["region", "period"])
    panel = sc.Panel(pd.DataFrame({"x1": list(x1.values()), "x2": list(x2.values())}, index=idx))
    system = sc.IndicatorSystem.from_dict({"S": {"x1": "+", "x2": "-"}})
    scores = sc.EntropyWeights(scope="period_minmax", shift=0.0).fit(panel, system)

    # Formulas 4-5: min-max within each year; 6: e_jt = -(1/ln I) Σ_i p ln p; e_j the mean over years; 7
    entropy = {}
    z = {}
    for name, values, sign in (("x1", x1, 1), ("x2", x2, -1)):
        e_years = []
        for t in years:
            col = [values[(r, t)] for r in regions]
            lo, hi = min(col), max(col)
            zs = [(v - lo) / (hi - lo) if sign > 0 else (hi - v) / (hi - lo) for v in col]
            for r, v in zip(regions, zs, strict=True):
                z[(name, r, t)] = v
            total = sum(zs)
            e_years.append(-sum((v / total) * math.log(v / total) for v in zs if v > 0) / math.log(len(regions)))
        entropy[name] = sum(e_years) / len(years)
    d = {k: 1 - e for k, e in entropy.items()}
    w = {k: v / sum(d.values()) for k, v in d.items()}
    got = scores.weights.set_index("indicator")["weight"]
    assert got["x1"] == pytest.approx(w["x1"], rel=1e-12)
    assert got["x2"] == pytest.approx(w["x2"], rel=1e-12)
    assert len(scores.weights) == 2  # one pooled weight per indicator
    # Formula 8: the score on the yearly standardised values
    for r in regions:
        for t in years:
            expected = w["x1"] * z[("x1", r, t)] + w["x2"] * z[("x2", r, t)]
            assert scores.scores.loc[(r, t), "S"] == pytest.approx(expected, rel=1e-12)


def test_period_minmax_is_an_entropy_scope_only():
    with pytest.raises(ValueError, match="scope"):
        sc.CriticWeights(scope="period_minmax")


# -- the study file: derive, periods, renames, lock ---------------------------------------------------
def _study(folder: Path) -> Path:
    _workbook(folder / "yearbook.xlsx", years_line=True)
    text = """
[data]
path = "yearbook.xlsx"
sheets = "*"
regions = "china_provinces"
drop_regions = ["山西"]
periods = [2010, 2013]

[data.derive]
ms_real_fai = "deflate(ms_fai, fai_price, base_period=2009)"
ms_capital = "capital_stock(ms_fai, deflator=fai_price, depreciation=0.096)"
ms_fai_growth = "growth(ms_real_fai)"

[indicators.MS.scale]
ms_capital = "正向"
ms_va = "+"
ms_fai_growth = "positive"

[indicators.AM.output]
am_out = "正"
am_energy = "负向"

[weighting]
method = "entropy"
scope = "period_minmax"

[coupling]
contributions = { MS = 0.5, AM = 0.5 }

[output]
tables = ["csv"]
figures = ["png"]
"""
    path = folder / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_study_file_alone_runs_capital_growth_entropy_and_D(tmp_path, capsys):
    from spatialcoupling.cli import main

    study = _study(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(study), "--out", str(out), "--quiet"]) == 0
    result = Study.from_file(study)
    panel = result.load_panel()
    assert list(panel.periods) == [2010, 2011, 2012, 2013]
    assert list(panel.regions) == [c for c in MIXED.values() if c != 140000]
    assert any("drop: removed region(s) 140000" in n for n in panel.notes)
    assert any("sheet 'am_out': two-line header" in n and "repeats the periods (2009–2013)" in n for n in panel.notes)
    assert not panel["ms_fai_growth"].isna().any()  # 2010's growth used 2009, kept before the period cut
    # the capital stock by hand for 北京 (110000): real investment I_t = I_t · P_2009 / P_t
    raw = sc.read_panel(tmp_path / "yearbook.xlsx", sheets="*", regions="china_provinces").interpolate()
    inv = raw["ms_fai"].xs(110000) * raw["fai_price"].xs(110000).iloc[0] / raw["fai_price"].xs(110000)
    g = (inv.iloc[-1] / inv.iloc[0]) ** (1 / 4) - 1
    k = inv.iloc[0] / (g + 0.096)
    for t in range(1, 5):
        k = 0.904 * k + inv.iloc[t]
        if YEARS[t] >= 2010:
            assert panel["ms_capital"][(110000, YEARS[t])] == pytest.approx(k, rel=1e-12)
    D = pd.read_csv(out / "tables" / "coupling.csv")
    assert len(D) == 20
    assert D["D"].between(0, 1).all()
    weights = pd.read_csv(out / "tables" / "weights.csv")
    assert "period" not in weights.columns
    assert len(weights) == 5
    lock = tomllib.loads((out / "study.lock.toml").read_text(encoding="utf-8"))
    paths = {e["path"] for e in lock["inputs"]}
    assert paths == {"study.toml", "yearbook.xlsx"}
    assert all(len(e["sha256"]) == 64 and e["size"] > 0 for e in lock["inputs"])
    assert [d["name"] for d in lock["data"]["derived"]] == [
        "ms_real_fai",
        "ms_capital",
        "ms_fai_growth",
    ]
    assert lock["data"]["fill_counts"] == {"am_energy": 1, "ms_va": 1}
    assert any("Nei Mongol" in a for a in lock["data"]["aliases"])

    # check --lock: the same inputs pass; a changed workbook fails naming it
    capsys.readouterr()
    assert main(["check", "--lock", str(out), str(study)]) == 0
    assert "inputs match" in capsys.readouterr().out
    with (tmp_path / "yearbook.xlsx").open("ab") as fh:
        fh.write(b"\0")
    assert main(["check", "--lock", str(out / "study.lock.toml"), str(study)]) == 1
    err = capsys.readouterr().err
    assert "yearbook.xlsx: changed" in err


def test_study_data_keys_are_checked_with_their_paths(tmp_path):
    base = {"data": {"dataset": "china_demo"}, "indicators": {"dataset": "china_demo"}}
    bad = {
        **base,
        "data": {
            "dataset": "china_demo",
            "derive": {"x": "growth(ms_va"},
            "periods": [2020, 2010],
            "sheets": "all",
            "regions": "usa",
        },
    }
    with pytest.raises(StudyError) as info:
        Study.from_dict(bad)
    text = str(info.value)
    assert "data.derive.x: expected ')'" in text
    assert "data.periods: first must not come after last" in text
    assert "data.sheets:" in text
    assert "data.regions:" in text


def test_study_derive_errors_name_the_key(tmp_path):
    settings = {
        "data": {"dataset": "china_demo", "derive": {"z": "log(nothing)"}},
        "indicators": {"dataset": "china_demo"},
    }
    with pytest.raises(StudyError, match=r"data.derive.z: .*unknown column\(s\) \['nothing'\]"):
        Study.from_dict(settings).check()


def test_study_matches_mixed_names_onto_the_bundled_provinces(tmp_path):
    _workbook(tmp_path / "yearbook.xlsx")
    settings = {
        "data": {"path": "yearbook.xlsx", "sheets": "*"},
        "indicators": {"MS": {"scale": {"ms_fai": "+", "ms_va": "+"}}, "AM": {"output": {"am_out": "+"}}},
        "regions": {"dataset": "china_provinces", "extra": "drop"},
        "weights": {"kind": "knn", "k": 2},
        "moran": {"permutations": 9},
    }
    notes = Study.from_dict(settings, base_dir=tmp_path).check()
    assert any("matched through the alias table 'china_provinces'" in n and "'Nei Mongol' → 150000" in n for n in notes)

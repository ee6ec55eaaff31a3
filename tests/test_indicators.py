"""Indicator systems: construction from dict/TOML/table and validation messages."""

import pandas as pd
import pytest

import spatialcoupling as sc

SPEC = {
    "MS": {"factor_supply": {"ms_fai": "+", "ms_emp": "+"}, "efficiency": {"ms_energy": "-"}},
    "AM": {"scale": {"am_output": "+"}, "innovation": {"am_rd": "positive", "am_pollution": "negative"}},
}


def test_from_dict_order_and_directions():
    system = sc.IndicatorSystem.from_dict(SPEC)
    assert system.subsystems == ["MS", "AM"]
    assert system.indicators_of("MS") == ["ms_fai", "ms_emp", "ms_energy"]
    t = system.table.set_index("indicator")
    assert t.loc["ms_energy", "direction"] == -1
    assert t.loc["am_rd", "direction"] == 1
    assert t.loc["am_pollution", "dimension"] == "innovation"


def test_toml_round_trip(tmp_path):
    path = tmp_path / "ind.toml"
    path.write_text(
        '[MS.factor_supply]\nms_fai = "+"\nms_emp = "+"\n[MS.efficiency]\nms_energy = "-"\n'
        '[AM.scale]\nam_output = "+"\n[AM.innovation]\nam_rd = "+"\nam_pollution = "-"\n'
    )
    system = sc.IndicatorSystem.from_file(path)
    assert system.to_dict()["AM"]["innovation"] == {"am_rd": "+", "am_pollution": "-"}


def test_from_frame_and_csv(tmp_path):
    frame = pd.DataFrame(
        {"indicator": ["a", "b"], "subsystem": ["S1", "S2"], "dimension": ["d", "e"], "direction": ["+", "-"]}
    )
    path = tmp_path / "ind.csv"
    frame.to_csv(path, index=False)
    assert sc.IndicatorSystem.from_file(path).subsystems == ["S1", "S2"]


def test_unknown_direction_named():
    with pytest.raises(ValueError, match=r"'ms_fai'.*'up'"):
        sc.IndicatorSystem.from_dict({"MS": {"d": {"ms_fai": "up"}}, "AM": {"d": {"x": "+"}}})


def test_indicator_in_two_subsystems_named():
    with pytest.raises(ValueError, match=r"'shared' in \['AM', 'MS'\]"):
        sc.IndicatorSystem.from_dict({"MS": {"d": {"shared": "+"}}, "AM": {"d": {"shared": "+"}}})


def test_empty_subsystem_named():
    with pytest.raises(ValueError, match="'AM'"):
        sc.IndicatorSystem.from_dict({"MS": {"d": {"a": "+"}}, "AM": {}})


def test_missing_columns_all_listed():
    system = sc.IndicatorSystem.from_dict(SPEC)
    with pytest.raises(ValueError, match=r"\['ms_emp', 'am_rd'\]"):
        system.check_columns(["ms_fai", "ms_energy", "am_output", "am_pollution"])


def test_sector_subsystems():
    # sub-sectors as subsystems: education x advanced manufacturing
    system = sc.IndicatorSystem.from_dict({"edu": {"d": {"e1": "+"}}, "AM": {"d": {"a1": "+"}}})
    assert system.subset(["edu"]).indicators == ["e1"]


# -- given (subjective) weights are kept, files are read like panels -------------------------
WEIGHTED = pd.DataFrame(
    {
        "indicator": ["a", "b", "c", "d"],
        "subsystem": ["S1", "S1", "S2", "S2"],
        "dimension": ["d1", "d1", "d2", "d2"],
        "direction": ["+", "-", "+", "+"],
        "weight": [0.2, 0.3, 0.1, 0.4],
        "label": ["GDP", "energy", "R&D", "patents"],
    }
)


@pytest.mark.parametrize("source", ["frame", ".csv", ".xlsx"])
def test_weight_column_kept(tmp_path, source):
    if source == "frame":
        system = sc.IndicatorSystem.from_frame(WEIGHTED)
    else:
        path = tmp_path / f"ind{source}"
        (WEIGHTED.to_csv if source == ".csv" else WEIGHTED.to_excel)(path, index=False)
        system = sc.IndicatorSystem.from_file(path)
    assert system.weights.to_dict() == {"a": 0.2, "b": 0.3, "c": 0.1, "d": 0.4}
    assert list(system.table["weight"]) == [0.2, 0.3, 0.1, 0.4]
    assert list(system.table["label"]) == ["GDP", "energy", "R&D", "patents"]  # other columns are kept too
    assert system.subset(["S2"]).weights.to_dict() == {"c": 0.1, "d": 0.4}


def test_no_weights_is_none_and_blank_weights_are_nan():
    assert sc.IndicatorSystem.from_frame(WEIGHTED.drop(columns="weight")).weights is None
    partial = WEIGHTED.assign(weight=[0.2, None, 0.1, 0.4])
    assert sc.IndicatorSystem.from_frame(partial).weights.isna().tolist() == [False, True, False, False]
    assert sc.IndicatorSystem.from_frame(WEIGHTED.rename(columns={"weight": "Weight"})).weights["d"] == 0.4


def test_weights_in_toml_and_round_trip(tmp_path):
    path = tmp_path / "ind.toml"
    path.write_text(
        '[S1.d1]\na = {direction = "+", weight = 0.2}\nb = {direction = "-", weight = 0.3}\n'
        '[S2]\nc = {direction = "+", weight = 0.1}\nd = {direction = "+", weight = 0.4}\n'
    )
    system = sc.IndicatorSystem.from_file(path)
    assert system.weights.to_dict() == {"a": 0.2, "b": 0.3, "c": 0.1, "d": 0.4}
    t = system.table.set_index("indicator")
    assert t.loc["b", "direction"] == -1
    assert t.loc["c", "dimension"] == "S2"
    assert system.to_dict()["S1"]["d1"]["b"] == {"direction": "-", "weight": 0.3}
    assert sc.IndicatorSystem.from_dict(system.to_dict()).weights.equals(system.weights)


def test_bad_weights_named():
    with pytest.raises(ValueError, match=r"not a number for 'b': 'high'"):
        sc.IndicatorSystem.from_frame(WEIGHTED.assign(weight=["0.2", "high", "0.1", "0.4"]))
    with pytest.raises(ValueError, match=r">= 0; got 'c': -0.1"):
        sc.IndicatorSystem.from_frame(WEIGHTED.assign(weight=[0.2, 0.3, -0.1, 0.4]))
    with pytest.raises(ValueError, match=r"S1.d1.a: an indicator table takes the keys 'direction'"):
        sc.IndicatorSystem.from_dict({"S1": {"d1": {"a": {"direction": "+", "w": 1}}}})


def test_indicator_csv_gb18030_and_separator(tmp_path):
    frame = WEIGHTED.assign(label=["地区生产总值", "能耗", "研发", "专利"])
    path = tmp_path / "ind.csv"
    frame.to_csv(path, index=False, encoding="gb18030")
    system = sc.IndicatorSystem.from_file(path)
    assert list(system.table["label"]) == ["地区生产总值", "能耗", "研发", "专利"]
    assert any("GB18030" in n and "'ind.csv'" in n for n in system.notes)
    frame.to_csv(path, index=False, sep=";")
    with pytest.raises(ValueError, match=r"'ind.csv'.*sep=';'"):
        sc.IndicatorSystem.from_file(path)
    assert sc.IndicatorSystem.from_file(path, sep=";").weights["b"] == 0.3
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=r"indicator table 'ind.csv' is empty"):
        sc.IndicatorSystem.from_file(path)

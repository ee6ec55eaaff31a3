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
    assert t.loc["ms_energy", "direction"] == -1 and t.loc["am_rd", "direction"] == 1
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
    frame = pd.DataFrame({"indicator": ["a", "b"], "subsystem": ["S1", "S2"], "dimension": ["d", "e"], "direction": ["+", "-"]})
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

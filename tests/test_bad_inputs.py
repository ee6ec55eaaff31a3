"""Bad inputs to panels, indicator systems, weights, coupling and studies: each error names the item."""

import warnings

import numpy as np
import pandas as pd
import pytest

import spatialcoupling as sc
from spatialcoupling.cli import main
from spatialcoupling.datasets.simulate import simulate_panel
from spatialcoupling.study import StudyError


def frame():
    return pd.DataFrame(
        {
            "r": ["A", "A", "A", "B", "B", "B"],
            "t": [2000, 2001, 2002] * 2,
            "x": [1.0, 2, 3, 4, 5, 6],
            "y": [2.0, 1, 3, 5, 4, 6],
        }
    )


SYSTEM = sc.IndicatorSystem.from_dict({"S1": {"d": {"x": "+"}}, "S2": {"d": {"y": "-"}}})


def test_infinite_value_named():
    f = frame()
    f.loc[4, "y"] = np.inf
    with pytest.raises(ValueError, match=r"column 'y', region 'B', period 2001: inf"):
        sc.read_panel(f, region="r", period="t")
    data = sc.read_panel(frame(), region="r", period="t").data
    data.loc[("B", 2001), "y"] = -np.inf
    with pytest.raises(ValueError, match=r"\('B', 2001, 'y'\)"):
        sc.EntropyWeights().fit(data, SYSTEM)


def test_blank_subsystem_or_indicator_named():
    table = pd.DataFrame({"indicator": ["a", "b", "c"], "subsystem": ["S1", np.nan, "S2"], "direction": "+"})
    with pytest.raises(ValueError, match=r"blank subsystem in row\(s\) \[2\] \(\['b'\]\)"):
        sc.IndicatorSystem.from_frame(table)
    table = pd.DataFrame({"indicator": ["a", " "], "subsystem": ["S1", "S2"], "direction": "+"})
    with pytest.raises(ValueError, match="blank indicator"):
        sc.IndicatorSystem.from_frame(table)


@pytest.mark.parametrize("direction", [True, 1.0, ["+"], None])
def test_direction_types_rejected(direction):
    with pytest.raises(ValueError, match=r"'a'|S\.d"):
        sc.IndicatorSystem.from_dict({"S": {"d": {"a": direction}}, "T": {"d": {"b": "+"}}})


def test_direction_list_names_path():
    with pytest.raises(ValueError, match=r"S\.d: expected a table"):
        sc.IndicatorSystem.from_dict({"S": {"d": ["a", "b"]}, "T": {"d": {"b": "+"}}})


def test_period_kinds():
    f = frame()
    f["t"] = pd.to_datetime(f["t"].astype(str) + "-01-01")
    panel = sc.read_panel(f, region="r", period="t")
    assert pd.api.types.is_datetime64_any_dtype(panel.periods.dtype)
    with pytest.raises(ValueError, match="numeric periods"):
        panel.capital_stock("x")
    f = frame()
    f["t"] = f["t"] > 2000
    with pytest.raises(ValueError, match="True/False"):
        sc.read_panel(f, region="r", period="t")
    f = frame().astype({"t": object})
    f.loc[0, "t"] = "2000a"
    with pytest.raises(ValueError, match=r"mixes numbers and text: \['2000a'\]"):
        sc.read_panel(f, region="r", period="t")
    f = frame()
    f["t"] = f["t"].astype(str)
    assert list(sc.read_panel(f, region="r", period="t").periods) == [2000, 2001, 2002]


def test_mixed_region_id_types():
    f = frame().astype({"r": object})
    f.loc[0:2, "r"] = 1
    f.loc[3:5, "r"] = "1"
    with pytest.raises(ValueError, match="mix text and numbers"):
        sc.read_panel(f, region="r", period="t")


def test_region_or_period_missing_rows_named():
    f = frame().astype({"r": object})
    f.loc[1, "r"] = None
    with pytest.raises(ValueError, match=r"without a region id \(file lines \[3\]"):
        sc.read_panel(f, region="r", period="t")
    f = frame().astype({"t": float})
    f.loc[4, "t"] = np.nan
    with pytest.raises(ValueError, match=r"without a period \(file lines \[6\]"):
        sc.read_panel(f, region="r", period="t")


def test_duplicate_columns_named():
    f = pd.concat([frame(), frame()[["x"]]], axis=1)
    with pytest.raises(ValueError, match=r"more than once: \['x'\]"):
        sc.read_panel(f, region="r", period="t")
    with pytest.raises(ValueError, match="more than once"):
        sc.read_panel(frame(), region="r", period="t", columns=["x", "x"])


def test_unrelated_index_is_not_read_as_indicator():
    panel = sc.read_panel(frame().rename_axis("obs"), region="r", period="t")
    assert panel.columns == ["x", "y"]


def test_integer_column_names_become_text():
    f = frame().rename(columns={"x": 1, "y": 2})
    panel = sc.read_panel(f, region="r", period="t")
    system = sc.IndicatorSystem.from_frame(
        pd.DataFrame({"indicator": [1, 2], "subsystem": ["S1", "S2"], "direction": "+"})
    )
    assert sc.EntropyWeights().fit(panel, system).weights["indicator"].tolist() == ["1", "2"]


def test_wide_odd_columns_and_duplicates():
    wide = pd.DataFrame({"region": ["A", "B"], "gdp_2000": [1.0, 2.0], "gdp_1e3": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"\['gdp_1e3'\]"):
        sc.read_panel(wide, wide=True)
    wide = pd.DataFrame({"region": ["A", "A"], "gdp_2000": [1.0, 2.0]})
    with pytest.raises(ValueError, match="duplicate regions 'A'"):
        sc.read_panel(wide, wide=True)
    wide = pd.DataFrame({"region": ["A", "B"], "gdp_2000": [1.0, 2.0], "gdp_02000": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"\['gdp_2000', 'gdp_02000'\] name the same indicator and period"):
        sc.read_panel(wide, wide=True)


def test_growth_rate_gap_and_zero():
    f = pd.DataFrame({"r": ["A"] * 3, "t": [2000, 2001, 2004], "x": [100.0, 110.0, 146.41]})
    out = sc.read_panel(f, region="r", period="t").growth_rate("x")
    assert np.isnan(out.data.loc[("A", 2004), "x_growth"])
    assert out.data.loc[("A", 2001), "x_growth"] == pytest.approx(0.1)
    assert any("2004" in n and "gap" in n for n in out.notes)
    f = frame()
    f.loc[1, "x"] = 0.0
    with pytest.raises(ValueError, match=r"previous value is 0 at \(region, period\) \('A', 2002\)"):
        sc.read_panel(f, region="r", period="t").growth_rate("x")


def test_deflate_and_capital_stock_inputs():
    f = frame()
    f["p"] = [100.0, 0.0, 110, 100, 105, 110]
    panel = sc.read_panel(f, region="r", period="t")
    with pytest.raises(ValueError, match="base_period 1999"):
        panel.deflate("x", "p", 1999)
    with pytest.raises(ValueError, match=r"non-positive at \(region, period\) \('A', 2001\)"):
        panel.deflate("x", "p", 2000)
    f = frame()
    f.loc[2, "x"] = -1.0
    with pytest.raises(ValueError, match=r"non-positive at \('A', 2002\)"):
        sc.read_panel(f, region="r", period="t").capital_stock("x")


def test_capital_stock_with_deflator_positional_and_uneven_steps():
    f = pd.DataFrame({"r": ["A"] * 3, "t": [2000, 2001, 2003], "inv": [10.0, 11.0, 13.31], "p": [1.0, 1.0, 1.0]})
    out = sc.read_panel(f, region="r", period="t").capital_stock("inv", "p", depreciation=0.1)
    g = (13.31 / 10) ** (1 / 3) - 1
    k0 = 10 / (g + 0.1)
    k1 = 0.9 * k0 + 11
    k2 = 0.9**2 * k1 + 13.31  # two years of depreciation across the gap
    np.testing.assert_allclose(out.data["capital_stock"], [k0, k1, k2])


def test_period_scope_needs_two_regions():
    f = frame()[frame()["r"] == "A"]
    panel = sc.read_panel(f, region="r", period="t")
    with pytest.raises(ValueError, match=r"period 2000 has 1 row\(s\)"):
        sc.EntropyWeights(scope="period").fit(panel, SYSTEM)


def test_constant_in_one_period_named_with_period():
    f = frame()
    f.loc[f["t"] == 2001, "x"] = 5.0
    panel = sc.read_panel(f, region="r", period="t")
    with pytest.raises(ValueError, match=r"'x' in period\(s\) 2001"):
        sc.EntropyWeights(scope="period").fit(panel, SYSTEM)


def test_unbalanced_panel_reported_by_weighting():
    panel = sc.read_panel(frame().drop(index=[4]), region="r", period="t")
    scores = sc.EntropyWeights().fit(panel, SYSTEM)
    assert any("unbalanced panel: 1 region-period(s) absent" in n and "m = 5" in n for n in scores.notes)


def test_dataframe_input_checked_like_panel():
    data = sc.read_panel(frame(), region="r", period="t").data.rename_axis(["prov", "year"])
    scores = sc.EntropyWeights(scope="period").fit(data, SYSTEM)
    assert scores.scores.index.names == ["region", "period"]
    with pytest.raises(ValueError, match=r"duplicate region-periods: \('A', 2000\)"):
        sc.EntropyWeights().fit(pd.concat([data, data.iloc[[0]]]), SYSTEM)


def test_shifted_scores_not_clipped_and_noted():
    panel = sc.read_panel(frame(), region="r", period="t")
    scores = sc.EntropyWeights(score_on="shifted", shift=0.05).fit(panel, SYSTEM)
    assert scores.scores.max().max() == pytest.approx(1.05)
    assert any("[0.05, 1.05]" in n for n in scores.notes)


def test_combined_weights_reports_overridden_settings():
    panel = sc.read_panel(frame(), region="r", period="t")
    res = sc.CombinedWeights([sc.EntropyWeights(scope="period"), sc.CriticWeights()]).fit(panel, SYSTEM)
    assert any("EntropyWeights(scope='period'" in n for n in res.notes)
    with pytest.raises(ValueError, match="how"):
        sc.CombinedWeights([sc.EntropyWeights(), sc.CriticWeights()], how="max")


def test_coupling_settings_named():
    with pytest.raises(ValueError, match="must be >= 0"):
        sc.CouplingCoordination({"A": 1.2, "B": -0.2})
    with pytest.raises(ValueError, match=r"last grade's upper bound must be >= 1 \(D can reach 1\), got 0.9"):
        sc.CouplingCoordination(grades=[(0.5, "low"), (0.9, "high")])
    with pytest.raises(ValueError, match="lag_bands"):
        sc.CouplingCoordination(lag_bands=(1.2, 1.5))
    U = pd.DataFrame({"A": [0.2, 0.3], "B": [0.4, 0.5]}, index=pd.MultiIndex.from_tuples([("r", 1), ("s", 1)]))
    with pytest.raises(ValueError, match=r"unknown subsystem\(s\) \['Z'\]"):
        sc.CouplingCoordination(pairs=[("A", "Z")]).fit(U)


def test_coupling_result_summaries_refuse_or_report():
    U = pd.DataFrame(
        {"A": [0.0, 0.3, 0.2, 0.4], "B": [0.0, 0.5, 0.3, 0.6]}, index=pd.MultiIndex.from_product([["r", "s"], [1, 2]])
    )
    res = sc.CouplingCoordination().fit(U)
    with pytest.raises(ValueError, match="'s'"):
        res.by_group({"r": "E", "s": np.nan})
    with pytest.warns(UserWarning, match=r"undefined \(D = 0 in 1\) for 'r'"):
        growth = res.growth([(1, 2)])
    assert np.isnan(growth.loc["r", "1-2"])
    with pytest.raises(TypeError):
        res.theta["A"] = 9.0


def test_panel_constructor_copies():
    data = sc.read_panel(frame(), region="r", period="t").data
    panel = sc.Panel(data)
    data.loc[("A", 2000), "x"] = 99.0
    assert panel.data.loc[("A", 2000), "x"] == 1.0
    with pytest.raises(ValueError, match="duplicate"):
        sc.Panel(pd.concat([data, data.iloc[[0]]]))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"coupling_strength": 1.5}, "coupling_strength"),
        ({"range_km": 0}, "range_km"),
        ({"noise": -1}, "noise"),
        ({"missing": 10_000}, "missing"),
        ({"regions": ["Beijing", "Beijing", "Hebei"]}, "more than once"),
    ],
)
def test_simulator_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_panel(**kwargs)


def test_simulator_directions_parsed_like_systems():
    system = {"S": {"d": {"a": "+ ", "b": "-"}}}
    f = simulate_panel(system=system, controls=False, seed=1)
    assert np.corrcoef(np.log(f["a"]), np.log(f["b"]))[0, 1] < -0.5


def test_study_validation_names_keys(tmp_path):
    bad = {
        "data": {"dataset": "china_demo", "interpolate": "cubic"},
        "indicators": {"dataset": "china_demo"},
        "weighting": {"method": "combined", "methods": ["entropy", "bogus"], "shift": -1},
        "coupling": {"contributions": {"MS": 1.2, "AM": -0.2}, "pairs": [["MS"]], "spans": [[2016, 2009]]},
    }
    with pytest.raises(StudyError) as info:
        sc.Study.from_dict(bad)
    msg = str(info.value)
    for expected in [
        "data.interpolate: must be 'linear' or false",
        "weighting.methods: unknown method(s) ['bogus']",
        "coupling.pairs[0]",
        "coupling.spans[0]: the end must come after the start",
    ]:
        assert expected in msg, expected
    # the models' own checks, under the key path (the wording is the model's)
    for prefix, words in [
        ("weighting.shift: must be", [">= 0", "-1"]),
        ("coupling.contributions: must be", [">= 0", "-0.2"]),
    ]:
        lines = [line.strip() for line in msg.splitlines() if line.strip().startswith(prefix)]
        assert lines, (prefix, msg)
        assert all(w in lines[0] for w in words), (prefix, msg)


def test_study_check_finds_gaps_and_unknown_pairs(tmp_path):
    study = sc.Study.from_dict(
        {
            "data": {"dataset": "china_demo", "interpolate": False},
            "indicators": {"dataset": "china_demo"},
            "coupling": {"pairs": [["MS", "ZZ"]]},
        }
    )
    with pytest.raises(StudyError) as info:
        study.check()
    assert "data.interpolate: 6 indicator cell(s) still missing" in str(info.value)
    assert "coupling: unknown subsystem(s) ['ZZ']" in str(info.value)


def test_run_failure_names_the_step(tmp_path):
    # gaps are found by Study.check, which run calls first; a constant indicator only by the fit
    frame = sc.datasets.load("china_demo")
    frame["am_output"] = 1.0
    frame.to_csv(tmp_path / "panel.csv", index=False)
    study = sc.Study.from_dict(
        {"data": {"path": "panel.csv"}, "indicators": {"dataset": "china_demo"}}, base_dir=tmp_path
    )
    with pytest.raises(ValueError, match=r"^scores: constant indicator"):
        study.run(tmp_path / "out", progress=False)
    study = sc.Study.from_dict(
        {"data": {"dataset": "china_demo", "interpolate": False}, "indicators": {"dataset": "china_demo"}}
    )
    with pytest.raises(StudyError, match=r"data.interpolate: 6 indicator cell\(s\) still missing"):
        study.run(tmp_path / "out2", progress=False)


def test_cli_failure_exit_code_1(tmp_path, monkeypatch, capsys):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sc.Study, "run", boom)
    good = tmp_path / "s.toml"
    good.write_text('[data]\ndataset = "china_demo"\n[indicators]\ndataset = "china_demo"\n')
    assert main(["run", str(good), "--out", str(tmp_path / "o")]) == 1
    assert "RuntimeError: disk on fire" in capsys.readouterr().err


def test_synthetic_data_named_in_tables(tmp_path):
    study = sc.Study.from_dict(
        {
            "data": {"dataset": "china_demo"},
            "indicators": {"dataset": "china_demo"},
            "output": {"tables": ["csv", "xlsx"], "figures": ["png"]},
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = study.run(tmp_path / "o", progress=False).out
    assert "SYNTHETIC" in (out / "tables" / "README.txt").read_text()
    about = pd.read_excel(out / "tables" / "tables.xlsx", sheet_name="about", index_col=0)
    assert "SYNTHETIC" in about.loc["WARNING", "value"]

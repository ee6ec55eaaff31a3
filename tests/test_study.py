"""Study files, the command line and the demo output."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spatialcoupling as sc
from spatialcoupling.cli import main
from spatialcoupling.datasets.simulate import china_demo_system
from spatialcoupling.study import StudyError, demo_study

BASE = {
    "data": {"dataset": "china_demo", "interpolate": "linear"},
    "indicators": {"dataset": "china_demo"},
    "weighting": {"method": "entropy"},
    "coupling": {"contributions": {"MS": 0.4, "AM": 0.6}, "spans": [[2009, 2016]]},
    "output": {"tables": ["csv", "xlsx"], "figures": ["png"]},
}


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("study") / "out"
    return sc.Study.from_dict(BASE).run(out, progress=False)


def test_study_equals_objects_by_hand(base_run):
    panel = sc.read_panel(sc.datasets.load("china_demo")).interpolate()
    scores = sc.EntropyWeights().fit(panel, china_demo_system())
    ccd = sc.CouplingCoordination({"MS": 0.4, "AM": 0.6}).fit(scores)
    pd.testing.assert_series_equal(base_run["coupling"].D, ccd.D)
    written = pd.read_csv(base_run.out / "tables" / "coupling.csv", index_col=[0, 1])
    np.testing.assert_allclose(written["D"].to_numpy(), ccd.D.to_numpy(), rtol=1e-12)


def test_output_folder_contents(base_run):
    out = base_run.out
    assert (out / "report.html").exists() and (out / "study.lock.toml").exists()
    sheets = pd.read_excel(out / "tables" / "tables.xlsx", sheet_name=None)
    assert {"weights", "scores", "coupling"} <= set(sheets)
    assert (out / "figures" / "coupling_D_mean.png").stat().st_size > 1000
    report = (out / "report.html").read_text()
    assert "SYNTHETIC" in report and "data:image/png;base64" in report
    lock = (out / "study.lock.toml").read_text()
    assert "[versions]" in lock and "numpy" in lock and 'method = "entropy"' in lock
    assert not list(out.parent.glob(".out.*")), "temporary folder left behind"


def test_existing_folder_needs_force(base_run):
    with pytest.raises(FileExistsError, match="force"):
        sc.Study.from_dict(BASE).run(base_run.out)


def test_every_problem_reported_with_key_path(tmp_path):
    bad = {
        "data": {"path": "missing.csv"},
        "indicators": {"dataset": "china_demo"},
        "coupling": {"contributions": {"MS": 0.4, "AM": 0.5}, "model": "fancy"},
        "weighting": {"method": "entropy", "bogus": 1},
        "lisa": {"alpha": "high"},
        "nonsense": {},
    }
    with pytest.raises(StudyError) as info:
        sc.Study.from_dict(bad, base_dir=tmp_path)
    msg = str(info.value)
    for expected in [
        "coupling.contributions: must sum to 1, got 0.9",
        "coupling.model: must be one of classic, revised",
        "data.path: file not found",
        "weighting.bogus: unknown setting",
        "lisa.alpha: must be int or float",
        "nonsense: unknown section",
        "lisa: needs a [regions] section",
    ]:
        assert expected in msg, expected


def test_check_reports_input_problems(tmp_path):
    frame = sc.datasets.load("china_demo").drop(columns=["am_output"])
    frame.to_csv(tmp_path / "panel.csv", index=False)
    study = sc.Study.from_dict(
        {**BASE, "data": {"path": "panel.csv"}, "beta": {"kinds": ["conditional"], "controls": ["nope"]}},
        base_dir=tmp_path,
    )
    with pytest.raises(StudyError) as info:
        study.check()
    assert "'am_output'" in str(info.value)
    assert "beta.controls: column(s) ['nope']" in str(info.value)


def test_failed_run_writes_nothing(tmp_path):
    frame = sc.datasets.load("china_demo")
    frame["am_output"] = 1.0  # constant indicator: the weighting step fails
    frame.to_csv(tmp_path / "panel.csv", index=False)
    study = sc.Study.from_dict({**BASE, "data": {"path": "panel.csv"}}, base_dir=tmp_path)
    with pytest.raises(ValueError, match="am_output"):
        study.run(tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["panel.csv"]


def test_cli_exit_codes(tmp_path, capsys):
    good = tmp_path / "study.toml"
    good.write_text(
        '[data]\ndataset = "china_demo"\n[indicators]\ndataset = "china_demo"\n'
        '[coupling]\ncontributions = {MS = 0.4, AM = 0.6}\n[output]\ntables = ["csv"]\nfigures = ["png"]\n'
    )
    assert main(["check", str(good)]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["run", str(good), "--out", str(tmp_path / "res"), "--quiet"]) == 0
    assert (tmp_path / "res" / "report.html").exists()
    bad = tmp_path / "bad.toml"
    bad.write_text('[data]\ndataset = "china_demo"\n[indicators]\ndataset = "china_demo"\n[coupling]\ncontributions = {MS = 0.4, AM = 0.5}\n')
    assert main(["run", str(bad), "--out", str(tmp_path / "bad-out")]) == 2
    err = capsys.readouterr().err
    assert "coupling.contributions: must sum to 1, got 0.9" in err
    assert not (tmp_path / "bad-out").exists()
    broken = tmp_path / "broken.toml"
    broken.write_text("[data\n")
    assert main(["check", str(broken)]) == 2
    assert main(["datasets"]) == 0
    assert "china_demo" in capsys.readouterr().out


def test_cli_entry_point_runs_demo(tmp_path):
    out = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "spatialcoupling.cli", "demo", "--out", str(out), "--quiet"],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "report.html").exists()
    assert (out / "tables" / "tables.xlsx").exists()
    assert any(Path(out, "figures").glob("*.png"))
    assert {"lisa_clusters_2009.png", "lisa_clusters_2024.png", "lisa_clusters_panel.png"} <= {p.name for p in (out / "maps").iterdir()}
    assert (out / "layers" / "clusters.gpkg").exists() and (out / "layers" / "coupling.gpkg").exists()


def test_demo_study_is_valid():
    assert demo_study("china_demo").check() is not None
    with pytest.raises(ValueError, match="unknown demo"):
        demo_study("nope")


SPATIAL = {
    **BASE,
    "regions": {"dataset": "china_provinces", "id": "name_en", "groupings": ["zone8"], "extra": "drop"},
    "weights": {"kind": "queen"},
    "moran": {"permutations": 99, "seed": 3},
    "lisa": {"permutations": 99, "seed": 3, "periods": [2009, 2024]},
    "dagum": {"grouping": "zone8"},
    "sigma": {"measure": "cv", "grouping": "zone8"},
    "beta": {"kinds": ["absolute", "conditional"], "model": "sdm", "effects": "twoway", "controls": ["gov_share", "openness"],
             "draws": 200, "seed": 4},
    "output": {"tables": ["csv", "xlsx", "tex"], "figures": ["png"]},
}


@pytest.fixture(scope="module")
def spatial_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("spatial") / "out"
    return sc.Study.from_dict(SPATIAL).run(out, progress=False)


def test_spatial_study_equals_objects_by_hand(spatial_run):
    D = spatial_run["D"]
    with pytest.warns(UserWarning, match="Hainan"):
        regions = sc.match_regions(sc.datasets.load("china_provinces"), D, on="name_en", extra="drop")
    w = sc.spatial_weights(regions, kind="queen", ids=list(D.index.get_level_values("region").unique()))
    moran = sc.GlobalMoran(w, permutations=99, seed=3).fit(D)
    pd.testing.assert_frame_equal(spatial_run["moran"].table, moran.table)
    lisa = sc.LocalMoran(w, permutations=99, seed=3).fit(D)
    pd.testing.assert_frame_equal(spatial_run["lisa"].table, lisa.table)
    dagum = sc.DagumGini(regions["zone8"]).fit(D)
    pd.testing.assert_frame_equal(spatial_run["dagum"].table, dagum.table)
    sigma = sc.SigmaConvergence("cv", groups=regions["zone8"]).fit(D)
    pd.testing.assert_frame_equal(spatial_run["sigma"].trend, sigma.trend)
    controls = spatial_run["panel"].data[["gov_share", "openness"]]
    beta = sc.BetaConvergence(kind="conditional", model="sdm", effects="twoway", w=w, controls=controls,
                              draws=200, seed=4).fit(D)
    assert spatial_run["beta_conditional"].beta == pytest.approx(beta.beta, rel=1e-12)
    pd.testing.assert_frame_equal(spatial_run["beta_conditional"].impacts, beta.impacts)
    pd.testing.assert_frame_equal(spatial_run["beta_conditional"].tests, beta.tests)
    assert spatial_run["beta_absolute"].beta < 0
    assert any("Hainan" in n and "Tibet" in n for n in spatial_run.notes)


def test_spatial_study_outputs(spatial_run):
    import geopandas as gpd

    out = spatial_run.out
    clusters = gpd.read_file(out / "layers" / "clusters.gpkg")
    assert "cluster" in clusters.columns and clusters.crs is not None
    coupling = gpd.read_file(out / "layers" / "coupling.gpkg")
    assert len(coupling) == 29 and "D_2024" in coupling.columns
    assert (out / "maps" / "lisa_clusters_panel.png").exists()
    assert (out / "tables" / "dagum.tex").exists() and (out / "tables" / "global_moran.tex").exists()
    sheets = pd.read_excel(out / "tables" / "tables.xlsx", sheet_name=None)
    assert {"global_moran", "lisa_counts", "dagum", "D_by_zone8", "sigma_trend", "beta"} <= set(sheets)
    assert (out / "tables" / "beta.tex").exists()
    assert {"beta_impacts", "beta_tests", "beta_model"} <= set(sheets)
    assert "W_ln_y" in set(sheets["beta_model"]["term"])


def test_real_data_demo_us_productivity(tmp_path):
    result = demo_study("us_productivity").run(tmp_path / "us", progress=False)
    D = result["D"]
    assert D.index.get_level_values("region").nunique() == 48
    assert sorted(D.index.get_level_values("period").unique()) == list(range(1970, 1987))
    # the same chain by hand
    raw = sc.datasets.load("us_productivity").reset_index()
    panel = sc.read_panel(raw, region="st_abb", period="period", columns=["hwy", "water", "util", "pc", "gsp", "emp", "unemp"])
    system = sc.IndicatorSystem.from_dict({
        "INFRA": {"public_capital": {"hwy": "+", "water": "+", "util": "+"}},
        "ECON": {"output": {"gsp": "+"}, "inputs": {"pc": "+", "emp": "+"}, "labour_market": {"unemp": "-"}},
    })
    ccd = sc.CouplingCoordination({"INFRA": 0.5, "ECON": 0.5}).fit(sc.EntropyWeights().fit(panel, system))
    pd.testing.assert_series_equal(D, ccd.D)
    assert "SYNTHETIC" not in (result.out / "report.html").read_text()

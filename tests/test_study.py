"""Study files, the command line and the demo output."""

import re
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
    assert (out / "report.html").exists()
    assert (out / "study.lock.toml").exists()
    sheets = pd.read_excel(out / "tables" / "tables.xlsx", sheet_name=None)
    assert {"weights", "scores", "coupling"} <= set(sheets)
    assert (out / "figures" / "coupling_D_mean.png").stat().st_size > 1000
    report = (out / "report.html").read_text()
    assert "SYNTHETIC" in report
    assert "data:image/png;base64" in report
    lock = (out / "study.lock.toml").read_text()
    assert "[versions]" in lock
    assert "numpy" in lock
    assert 'method = "entropy"' in lock
    assert not list(out.parent.glob(".out.*")), "temporary folder left behind"


def test_run_records_the_seconds_of_each_step(base_run):
    """Where a run's time went: the inputs, every step of the study file, waiting for the files written in
    the background, the workbook and report, in the result and in the lock file."""
    import tomllib

    seconds = base_run.seconds
    assert next(iter(seconds)) == "inputs"
    assert {"scores", "coupling", "files (waiting)", "workbook and report", "lock"} <= set(seconds)
    assert all(v >= 0 for v in seconds.values())
    lock = tomllib.loads((base_run.out / "study.lock.toml").read_text(encoding="utf-8"))
    assert set(lock["seconds"]) == set(seconds) - {"lock"}
    assert lock["seconds"]["coupling"] == seconds["coupling"]


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
        "data.path: file not found",
        "weighting.bogus: unknown setting",
        "lisa.alpha: must be int or float",
        "nonsense: unknown section",
        "lisa: needs a [regions] section",
    ]:
        assert expected in msg, expected
    assert {"classic", "revised", "fancy"} <= set(re.findall(r"\w+", _line(msg, "coupling.model: must be one of")))
    assert msg.count("coupling.contributions") == 1, "the model's message, once"


def _line(msg: str, prefix: str) -> str:
    """The line of ``msg`` that starts with ``prefix`` (a key path and the start of its message)."""
    lines = [line.strip() for line in msg.splitlines() if line.strip().startswith(prefix)]
    assert lines, f"no line starts with {prefix!r} in:\n{msg}"
    return lines[0]


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
    bad.write_text(
        '[data]\ndataset = "china_demo"\n[indicators]\ndataset = "china_demo"\n'
        "[coupling]\ncontributions = {MS = 0.4, AM = 0.5}\n"
    )
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
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "report.html").exists()
    assert (out / "tables" / "tables.xlsx").exists()
    assert any(Path(out, "figures").glob("*.png"))
    assert {"lisa_clusters_2009.png", "lisa_clusters_2024.png", "lisa_clusters_panel.png"} <= {
        p.name for p in (out / "maps").iterdir()
    }
    assert (out / "layers" / "clusters.gpkg").exists()
    assert (out / "layers" / "coupling.gpkg").exists()
    # the report reads like a study: numbered captions, the source, sentences checked against the tables
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Table 1." in report
    assert "Figure 1." in report
    assert "SYNTHETIC panel generated by" in report
    moran = pd.read_csv(out / "tables" / "global_moran.csv", encoding="utf-8-sig")
    k = int(((moran["p_sim"] <= 0.05) & (moran["I"] > 0)).sum())
    assert f"significant at 5% in {k} of {len(moran)} periods" in report
    dagum = pd.read_csv(out / "tables" / "dagum.csv", encoding="utf-8-sig")
    assert f"net between-group component contributes {100 * (dagum['Gnb'] / dagum['G']).mean():.0f}%" in report
    for section in (
        "Kernel density of D",
        "Markov chains of D",
        "Centre of gravity of D",
        "Obstacle degree",
        "Geographic detector",
        "Hot and cold spots of D",
        "Space-time transitions of LISA",
    ):
        assert f". {section}</h2>" in report, section
    assert (out / "tables" / "tables.docx").exists()
    assert (out / "layers" / "clusters.qml").exists()


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
    "beta": {
        "kinds": ["absolute", "conditional"],
        "model": "sdm",
        "effects": "twoway",
        "controls": ["gov_share", "openness"],
        "draws": 200,
        "seed": 4,
    },
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
    w = sc.spatial_weights(regions, kind="queen", ids=list(spatial_run["panel"].regions))
    moran = sc.GlobalMoran(w, permutations=99, seed=3).fit(D)
    pd.testing.assert_frame_equal(spatial_run["moran"].table, moran.table)
    lisa = sc.LocalMoran(w, permutations=99, seed=3).fit(D)
    pd.testing.assert_frame_equal(spatial_run["lisa"].table, lisa.table)
    dagum = sc.DagumGini(regions["zone8"]).fit(D)
    pd.testing.assert_frame_equal(spatial_run["dagum"].table, dagum.table)
    sigma = sc.SigmaConvergence("cv", groups=regions["zone8"]).fit(D)
    pd.testing.assert_frame_equal(spatial_run["sigma"].trend, sigma.trend)
    controls = spatial_run["panel"].data[["gov_share", "openness"]]
    beta = sc.BetaConvergence(
        kind="conditional", model="sdm", effects="twoway", w=w, controls=controls, draws=200, seed=4
    ).fit(D)
    assert spatial_run["beta_conditional"].beta == pytest.approx(beta.beta, rel=1e-12)
    pd.testing.assert_frame_equal(spatial_run["beta_conditional"].impacts, beta.impacts)
    pd.testing.assert_frame_equal(spatial_run["beta_conditional"].tests, beta.tests)
    assert spatial_run["beta_absolute"].beta < 0
    assert any("Hainan" in n and "Tibet" in n for n in spatial_run.notes)


def test_spatial_study_outputs(spatial_run):
    import geopandas as gpd

    out = spatial_run.out
    clusters = gpd.read_file(out / "layers" / "clusters.gpkg")
    assert "cluster" in clusters.columns
    assert clusters.crs is not None
    coupling = gpd.read_file(out / "layers" / "coupling.gpkg")
    # one row per boundary and period: the 31 provincial units (Hainan and Tibet without data kept) x 16 years
    assert len(coupling) == 31 * 16
    assert {"D", "C", "T", "U_MS", "U_AM", "grade", "date"} <= set(coupling.columns)
    no_data = coupling[coupling["region"].isin(["Hainan", "Tibet"])]
    assert len(no_data) == 2 * 16
    assert no_data["D"].isna().all()
    assert (out / "maps" / "lisa_clusters_panel.png").exists()
    assert (out / "tables" / "dagum.tex").exists()
    assert (out / "tables" / "global_moran.tex").exists()
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
    panel = sc.read_panel(
        raw, region="st_abb", period="period", columns=["hwy", "water", "util", "pc", "gsp", "emp", "unemp"]
    )
    system = sc.IndicatorSystem.from_dict(
        {
            "INFRA": {"public_capital": {"hwy": "+", "water": "+", "util": "+"}},
            "ECON": {"output": {"gsp": "+"}, "inputs": {"pc": "+", "emp": "+"}, "labour_market": {"unemp": "-"}},
        }
    )
    ccd = sc.CouplingCoordination({"INFRA": 0.5, "ECON": 0.5}).fit(sc.EntropyWeights().fit(panel, system))
    pd.testing.assert_series_equal(D, ccd.D)
    report = (result.out / "report.html").read_text()
    assert "SYNTHETIC" not in report
    assert "Munnell, A. H. (1990)" in report
    assert "Table 1." in report
    assert "Figure 1." in report
    density = result["density"].table  # the demo's kernel density section, its sentence from the table
    assert f"from {density['peak'].iloc[0]:.3f} in 1970 to {density['peak'].iloc[-1]:.3f} in 1986" in report


# -- check catches what run rejects ------------------------------------------------------
CHECKED = {**BASE, "regions": {"dataset": "china_provinces", "id": "name_en", "groupings": ["zone8"], "extra": "drop"}}


def _problems(settings, base_dir=None):
    with pytest.raises(StudyError) as info:
        sc.Study.from_dict(settings, base_dir=base_dir).check()
    return str(info.value)


@pytest.mark.parametrize(
    ("extra", "prefix", "words"),
    [
        ({"weights": {"kind": "queens"}}, "weights.kind: must be one of queen, rook", ["queens"]),
        (
            {"weights": {"kind": "queen", "k": 4}},
            "weights: spatial_weights: option(s) ['k'] do not apply to kind='queen'",
            [],
        ),
        (
            {"weights": {"kind": "queen"}, "lisa": {"permutations": 0}},
            "lisa.permutations: must be an integer >= 1",
            ["0"],
        ),
        ({"weights": {"kind": "queen"}, "lisa": {"alpha": 1}}, "lisa.alpha: must be a number", ["0", "1"]),
        ({"dagum": {"grouping": "zone8", "bootstrap": 1}}, "dagum.bootstrap: bootstrap=1 gives no interval", []),
        ({"weights": {"kind": "queen"}, "moran": {"seed": -1}}, "moran.seed: must be", ["non-negative", "-1"]),
        ({"weights": {"kind": "queen"}, "lisa": {"seed": -1}}, "lisa.seed: must be", ["non-negative", "-1"]),
        ({"dagum": {"grouping": "zone8", "seed": -1}}, "dagum.seed: must be None, a non-negative integer", ["-1"]),
        ({"beta": {"seed": -1}}, "beta.seed: must be", ["non-negative integer", "-1"]),
        ({"beta": {"interval": 0}}, "beta.interval: must be", ["1", "0"]),
        (
            {"beta": {"interval": 16}},
            "beta.interval: growth over 16 periods needs more than 16 periods; the data has 16",
            [],
        ),
        (
            {"weights": {"kind": "queen"}, "beta": {"model": "sem", "effects": "random"}},
            "beta.effects: ",
            ["random", "sem"],
        ),
        (
            {"weights": {"kind": "queen"}, "lisa": {"alternative": "greater"}},
            "lisa.alternative: must be one of",
            ["two-sided", "directed", "greater"],
        ),
        ({"weights": {"kind": "queen"}, "lisa": {"language": "fr"}}, "lisa.language: must be one of en, zh", ["fr"]),
        ({"dagum": {"grouping": "zone8", "ci": "wild"}}, "dagum.ci: must be", ["percentile", "bc", "wild"]),
        ({"dagum": {"grouping": "zone8", "alpha": 1.5}}, "dagum.alpha: must", ["(0, 1)", "1.5"]),
        ({"dagum": {"bootstrap": 9}}, "dagum.grouping: missing", []),
    ],
)
def test_check_catches_what_run_rejects(extra, prefix, words):
    """Each problem on its own line, opened by its key path; the words the problem is about in that line
    (the wording of a model's message may change, its key path and key words may not)."""
    line = _line(_problems({**CHECKED, **extra}), prefix)
    for word in words:
        assert word in line, (word, line)


def test_check_reports_every_model_problem_at_once():
    bad = {
        **CHECKED,
        "weights": {"kind": "queen", "k": 4},
        "moran": {"seed": -1},
        "lisa": {"permutations": 0, "alpha": 1},
        "dagum": {"grouping": "zone8", "bootstrap": 1},
        "beta": {"model": "sem", "effects": "random", "interval": 16, "seed": -2},
    }
    msg = _problems(bad)
    for expected in [
        "weights: spatial_weights: option(s) ['k']",
        "moran.seed:",
        "lisa.permutations:",
        "lisa.alpha:",
        "dagum.bootstrap:",
        "beta.interval: growth over 16 periods",
        "beta.seed:",
        "beta.effects:",
    ]:
        assert expected in msg, expected
    assert "random" in msg.split("beta.effects:")[1].splitlines()[0]
    assert "'sem'" in msg


def test_check_is_fast_and_computes_nothing(monkeypatch):
    from spatialcoupling.autocorrelation import GlobalMoran, LocalMoran
    from spatialcoupling.inequality import DagumGini

    def refuse(*args, **kwargs):
        raise AssertionError("check must not fit models")

    for cls in (GlobalMoran, LocalMoran, DagumGini, sc.BetaConvergence, sc.SigmaConvergence):
        monkeypatch.setattr(cls, "fit", refuse)
    study = sc.Study.from_dict(
        {**SPATIAL, "lisa": {"permutations": 99999}, "dagum": {"grouping": "zone8", "bootstrap": 99999}}
    )
    import time

    start = time.perf_counter()
    study.check()
    assert time.perf_counter() - start < 20


def _demo_csv(tmp_path, **columns):
    frame = sc.datasets.load("china_demo")
    for name, make in columns.items():
        frame[name] = make(frame)
    frame.to_csv(tmp_path / "panel.csv", index=False)
    return {**SPATIAL, "data": {"path": "panel.csv"}}


def test_check_finds_collinear_controls(tmp_path):
    settings = _demo_csv(
        tmp_path,
        mix=lambda f: 2 * f["gov_share"] - f["openness"],
        fixed=lambda f: f.groupby("region")["openness"].transform("mean"),
    )
    settings["beta"] = {**SPATIAL["beta"], "controls": ["gov_share", "openness", "mix", "fixed"]}
    msg = _problems(settings, tmp_path)
    assert (
        "beta.controls: column 'mix' is a linear combination of ['gov_share', 'openness'] once the region and "
        "period effects are removed"
    ) in msg
    assert "beta.controls: column 'fixed' does not vary once the region and period effects are removed" in msg
    # a time-invariant control is fine for pooled OLS, the collinear one is not
    settings["beta"] = {"kinds": ["conditional"], "model": "ols", "controls": ["gov_share", "openness", "mix", "fixed"]}
    msg = _problems(settings, tmp_path)
    assert "'mix' is a linear combination of ['gov_share', 'openness'] once the constant is removed" in msg
    assert "'fixed'" not in msg


def test_control_rank_by_hand():
    """The rank rule against a hand-made two-way panel: x3 = x1 + region part + period part."""
    from spatialcoupling.study.checks import control_problems as _control_problems

    idx = pd.MultiIndex.from_product([["a", "b", "c"], [1, 2, 3, 4]], names=["region", "period"])
    rng = np.random.default_rng(0)
    x1 = rng.normal(size=12)
    region_part = np.repeat([1.0, -2.0, 0.5], 4)
    period_part = np.tile([0.3, 0.1, -0.7, 2.0], 3)
    frame = pd.DataFrame({"x1": x1, "x2": rng.normal(size=12), "x3": x1 + region_part + period_part}, index=idx)
    assert _control_problems(frame, [1, 2, 3, 4], "twoway") == [
        (
            "beta.controls: column 'x3' is a linear combination of ['x1'] "
            "once the region and period effects are removed "
            "(collinear controls); drop one of them"
        )
    ]
    assert _control_problems(frame, [1, 2, 3, 4], "none") == []  # not collinear with a constant only
    frame["x4"] = region_part
    assert any(
        "'x4' does not vary once the region effects are removed" in p
        for p in _control_problems(frame, [1, 2, 3, 4], "individual")
    )


def test_check_names_missing_control_cells(tmp_path):
    def holes(f):  # the first period of two regions: linear interpolation does not extrapolate
        x = f["gov_share"].copy()
        x[(f["period"] == 2009) & f["region"].isin(["Beijing", "Hebei"])] = np.nan
        return x

    settings = _demo_csv(tmp_path, holey=holes)
    settings["beta"] = {**SPATIAL["beta"], "controls": ["holey", "openness"]}
    msg = _problems(settings, tmp_path)
    assert "beta.controls: column 'holey' has 2 missing cell(s)" in msg


def test_check_turns_warnings_into_notes(recwarn):
    notes = sc.Study.from_dict(SPATIAL).check()
    assert any("Hainan" in n and "Tibet" in n for n in notes)
    assert not [w for w in recwarn if not issubclass(w.category, DeprecationWarning)]


def test_cli_check_prints_no_python_warning_lines(tmp_path):
    study = tmp_path / "study.toml"
    study.write_text(
        '[data]\ndataset = "china_demo"\n[indicators]\ndataset = "china_demo"\n'
        "[coupling]\ncontributions = {MS = 0.4, AM = 0.6}\n"
        '[regions]\ndataset = "china_provinces"\nid = "name_en"\nextra = "drop"\n[weights]\nkind = "queen"\n'
    )
    proc = subprocess.run(
        [sys.executable, "-m", "spatialcoupling.cli", "check", str(study)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr
    assert "warnings.warn" not in proc.stderr
    assert "note: " in proc.stdout
    assert "Hainan" in proc.stdout


def test_run_refuses_before_computing_what_check_rejects(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("no step may run")

    monkeypatch.setattr(sc.Study, "_run_into", refuse)
    with pytest.raises(StudyError, match=r"lisa\.alpha"):
        sc.Study.from_dict({**SPATIAL, "lisa": {"alpha": 1}}).run(tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == []


# -- other study bugs ------------------------------------------------------------------------
def test_boundary_id_column_named_region(tmp_path):
    import geopandas as gpd

    boundaries = sc.datasets.load("china_provinces").rename(columns={"name_en": "region"}).reset_index(drop=True)
    boundaries.to_file(tmp_path / "provinces.gpkg")
    settings = {
        **BASE,
        "regions": {"file": "provinces.gpkg", "id": "region", "groupings": ["zone8"], "extra": "drop"},
        "output": {"tables": ["csv"], "figures": ["png"]},
    }
    study = sc.Study.from_dict(settings, base_dir=tmp_path)
    study.check()
    result = study.run(tmp_path / "out", progress=False)
    layer = gpd.read_file(result.out / "layers" / "coupling.gpkg")
    # every boundary (31, Hainan and Tibet without data) in every period, the ids once, in 'region'
    assert len(layer) == 31 * 16
    assert list(layer.columns).count("region") == 1
    last = layer[layer["period"] == 2024].set_index("region")["D"]
    assert last[["Hainan", "Tibet"]].isna().all()
    pd.testing.assert_series_equal(
        last.dropna().sort_index(),
        result["D"].xs(2024, level="period").sort_index(),
        check_names=False,
    )


def test_safe_names_from_labels():
    from spatialcoupling.study import safe_name

    assert safe_name("2009/10") == "2009-10"
    assert safe_name("../../etc/passwd") == "etc-passwd"
    assert safe_name("..") == "x"
    assert safe_name("") == "x"
    assert safe_name("lisa_clusters_2009年") == "lisa_clusters_2009年"
    for label in ["a\\b", "a/b", "..", "a..b", "C:\\x"]:
        name = safe_name(label)
        assert "/" not in name
        assert "\\" not in name
        assert ".." not in name


@pytest.fixture(scope="module")
def text_period_run(tmp_path_factory):
    """Periods labelled '2009/10' (and one '../../2009'), LISA maps in Chinese, directed p, Dagum bootstrap."""
    folder = tmp_path_factory.mktemp("labels")
    frame = sc.read_panel(sc.datasets.load("china_demo")).interpolate().data.reset_index()
    labels = {p: (f"../../{p}" if p == 2009 else f"{p}/{(p + 1) % 100:02d}") for p in sorted(frame["period"].unique())}
    frame["period"] = frame["period"].map(labels)
    frame.to_csv(folder / "panel.csv", index=False)
    settings = {
        **SPATIAL,
        "data": {"path": "panel.csv", "interpolate": False},
        "coupling": {"contributions": {"MS": 0.4, "AM": 0.6}},
        "lisa": {"permutations": 99, "seed": 3, "alternative": "directed", "language": "zh"},
        "dagum": {"grouping": "zone8", "bootstrap": 49, "seed": 2, "ci": "bc", "alpha": 0.1},
        "output": {"tables": ["csv"], "figures": ["png"]},
    }
    del settings["beta"], settings["sigma"]
    return sc.Study.from_dict(settings, base_dir=folder).run(folder / "out", progress=False)


def test_map_file_names_from_labels_are_safe(text_period_run):
    out = text_period_run.out
    maps = sorted(p.name for p in (out / "maps").iterdir())
    assert "lisa_clusters_-2009.png" in maps
    assert "lisa_clusters_2013-14.png" in maps
    every = [p for p in out.parent.rglob("*") if p.is_file() and p.name != "panel.csv"]
    assert all(out in p.parents for p in every), "a file was written outside the output folder"


def test_lisa_and_dagum_options_reach_the_models(text_period_run):
    lisa = text_period_run["lisa"]
    assert lisa.settings["alternative"] == "directed"
    dagum = text_period_run["dagum"]
    D = text_period_run["D"]
    regions = sc.match_regions(sc.datasets.load("china_provinces"), D, on="name_en", extra="drop")
    w = sc.spatial_weights(regions, kind="queen", ids=list(text_period_run["panel"].regions))
    by_hand = sc.LocalMoran(w, permutations=99, seed=3, alternative="directed").fit(D)
    pd.testing.assert_frame_equal(lisa.table, by_hand.table)
    from spatialcoupling.inequality import DagumGini

    by_hand = DagumGini(regions["zone8"], bootstrap=49, seed=2, ci="bc", alpha=0.1).fit(D)
    pd.testing.assert_frame_equal(dagum.table, by_hand.table)
    default = DagumGini(regions["zone8"], bootstrap=49, seed=2).fit(D)
    assert not dagum.table.equals(default.table)  # the interval settings changed the intervals


def test_map_language_reaches_the_maps(monkeypatch, tmp_path):
    """The cluster maps the run writes have their legends in lisa.language (read off the figures
    the writer gets, whichever plotting function drew them)."""
    from spatialcoupling.maps import CLUSTER_NAMES, CLUSTER_NAMES_ZH
    from spatialcoupling.study.output import OutputWriter

    texts: dict[str, set[str]] = {}
    original = OutputWriter.write_figure

    def spy(self, name, figure, **kw):
        if figure.folder == "maps":
            shown = {t.get_text() for t in figure.figure.findobj(lambda a: hasattr(a, "get_text"))}
            texts[name] = {t.split(" (")[0] for t in shown}  # legend labels carry counts: "高-高 (3)"
        return original(self, name, figure, **kw)

    monkeypatch.setattr(OutputWriter, "write_figure", spy)
    settings = {
        **CHECKED,
        "weights": {"kind": "queen"},
        "lisa": {"permutations": 9, "periods": [2024], "language": "zh"},
        "output": {"tables": ["csv"], "figures": ["png"]},
    }
    sc.Study.from_dict(settings).run(tmp_path / "out", progress=False)
    assert set(texts) == {"lisa_clusters_panel", "lisa_clusters_2024"}
    for name, shown in texts.items():
        assert set(CLUSTER_NAMES_ZH.values()) - {"孤立"} <= shown, (name, sorted(shown))
        assert not shown & {v for k, v in CLUSTER_NAMES.items() if v != CLUSTER_NAMES_ZH.get(k)}, name


def test_every_step_keeps_its_notes(text_period_run):
    dagum = text_period_run["dagum"]
    assert dagum.notes, "the Dagum bootstrap should note its caveat"
    for note in dagum.notes:
        assert f"dagum: {note}" in text_period_run.notes
    for name in ("lisa",):
        for note in text_period_run[name].notes:
            assert f"{name}: {note}" in text_period_run.notes
    report = (text_period_run.out / "report.html").read_text()
    import html as _html

    assert _html.escape(f"dagum: {dagum.notes[0]}") in report


def test_too_large_tables_go_to_csv(tmp_path, monkeypatch):
    import spatialcoupling._results as results_mod

    monkeypatch.setattr(results_mod, "XLSX_MAX_ROWS", 100)  # the coupling table has 464 rows
    settings = {**BASE, "output": {"tables": ["xlsx"], "figures": ["png"]}}
    result = sc.Study.from_dict(settings).run(tmp_path / "out", progress=False)
    tables = result.out / "tables"
    sheets = pd.read_excel(tables / "tables.xlsx", sheet_name=None)
    assert "coupling" not in sheets
    assert "weights" in sheets
    assert (tables / "coupling.csv").exists()
    assert not (tables / "weights.csv").exists()
    assert any("'coupling'" in n and "tables/coupling.csv" in n for n in result.notes)
    about = sheets["about"].set_index("item")["value"]
    assert "coupling" in about["not in this workbook"]


def test_names_starting_a_formula_are_neutralised_in_study_tables(tmp_path):
    import openpyxl

    frame = sc.datasets.load("china_demo")
    frame["region"] = frame["region"].replace({"Beijing": '=HYPERLINK("http://x")', "Tianjin": "@Tianjin"})
    frame.to_csv(tmp_path / "panel.csv", index=False)
    result = sc.Study.from_dict({**BASE, "data": {"path": "panel.csv"}}, base_dir=tmp_path).run(
        tmp_path / "out", progress=False
    )
    book = openpyxl.load_workbook(result.out / "tables" / "tables.xlsx")
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert '\'=HYPERLINK("http://x")' in {c.value for c in cells}
    raw = (result.out / "tables" / "coupling.csv").read_text()
    assert "\n'@Tianjin," in raw
    assert "\n@Tianjin" not in raw
    assert "\n=HYPERLINK" not in raw


def test_study_uses_given_weights_of_the_indicator_system(tmp_path):
    """weighting.method = "given" scores with the weights of the indicator system, as
    GivenWeights does by hand; the weights are normalised within each subsystem."""
    spec = china_demo_system().to_dict()
    given = {}
    for dims in spec.values():
        for dims_items in dims.values():
            for k, (name, direction) in enumerate(list(dims_items.items())):
                weight = 1.0 + k + len(name) % 3
                dims_items[name] = {"direction": direction, "weight": weight}
                given[name] = weight
    settings = {
        "data": {"dataset": "china_demo"},
        "indicators": spec,
        "weighting": {"method": "given"},
        "coupling": {"contributions": {"MS": 0.4, "AM": 0.6}},
    }
    res = sc.Study.from_dict(settings).run(tmp_path / "out", progress=False)
    weights = res["scores"].weights.set_index("indicator")["weight"]
    system = sc.IndicatorSystem.from_dict(spec)
    for subsystem in system.subsystems:
        names = system.indicators_of(subsystem)
        raw = np.array([given[n] for n in names])
        np.testing.assert_allclose(weights[names].to_numpy(), raw / raw.sum(), atol=1e-12)
    panel = sc.read_panel(sc.datasets.load("china_demo").reset_index()).interpolate()
    by_hand = sc.GivenWeights().fit(panel, system)
    pd.testing.assert_frame_equal(res["scores"].scores, by_hand.scores)

"""The study package: inputs read and models built once, typed steps that write nothing, one
writer, a schema that follows the models' declared constraints, and its reference."""

import re
from pathlib import Path

import pandas as pd
import pytest

import spatialcoupling as sc
from spatialcoupling._params import Options
from spatialcoupling.study import StudyError, schema
from spatialcoupling.study.steps import Figure, Layer, StepOutput, Table, steps_of

BASE = {
    "data": {"dataset": "china_demo", "interpolate": "linear"},
    "indicators": {"dataset": "china_demo"},
    "weighting": {"method": "entropy"},
    "coupling": {"contributions": {"MS": 0.4, "AM": 0.6}, "spans": [[2009, 2016]]},
    "output": {"tables": ["csv"], "figures": ["png"]},
}
REGIONS = {"dataset": "china_provinces", "id": "name_en", "groupings": ["zone8"], "extra": "drop"}
#: a study with every step, small enough to run quickly
EVERY_STEP = {
    **BASE,
    "regions": REGIONS,
    "weights": {"kind": "queen"},
    "moran": {"permutations": 9, "seed": 3},
    "lisa": {"permutations": 9, "seed": 3, "periods": [2009, 2024]},
    "dagum": {"grouping": "zone8"},
    "sigma": {"measure": "cv", "grouping": "zone8"},
    "beta": {"kinds": ["absolute", "conditional"], "model": "fe", "controls": ["gov_share", "openness"]},
}


def _boundary_file(folder: Path) -> dict:
    """EVERY_STEP with the boundaries in a GeoPackage of ``folder`` (so that reading it can be counted)."""
    sc.datasets.load("china_provinces").reset_index(drop=True).to_file(folder / "provinces.gpkg")
    return {**EVERY_STEP, "regions": {**REGIONS, "dataset": None, "file": "provinces.gpkg"}}


def _without_none(settings: dict) -> dict:
    return {s: {k: v for k, v in block.items() if v is not None} for s, block in settings.items()}


def _counting(monkeypatch, owner, name, counts, key):
    original = getattr(owner, name)

    def counted(*args, **kwargs):
        counts[key] = counts.get(key, 0) + 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)


def test_inputs_read_once_and_models_built_once_per_run(tmp_path, monkeypatch):
    """The boundary file is read once, the panel once, the weights built once, and each model
    constructed once: the run uses what the check read and built."""
    import spatialcoupling.panel as panel_mod
    import spatialcoupling.regions as regions_mod
    import spatialcoupling.spatialweights as spatial_mod
    from spatialcoupling.autocorrelation import GlobalMoran, LocalMoran
    from spatialcoupling.inequality import DagumGini

    settings = _without_none(_boundary_file(tmp_path))
    counts: dict[str, int] = {}
    _counting(monkeypatch, regions_mod, "read_regions", counts, "read_regions")
    _counting(monkeypatch, panel_mod, "read_panel", counts, "read_panel")
    _counting(monkeypatch, spatial_mod, "sparse_weights", counts, "sparse_weights")  # the run's (no libpysal W)
    classes = (
        sc.EntropyWeights,
        sc.CouplingCoordination,
        GlobalMoran,
        LocalMoran,
        DagumGini,
        sc.SigmaConvergence,
        sc.BetaConvergence,
    )
    for cls in classes:
        _counting(monkeypatch, cls, "__init__", counts, cls.__name__)
    result = sc.Study.from_dict(settings, base_dir=tmp_path).run(tmp_path / "out", progress=False)
    assert counts == {
        "read_regions": 1,
        "read_panel": 1,
        "sparse_weights": 1,
        "EntropyWeights": 1,
        "CouplingCoordination": 1,
        "GlobalMoran": 1,
        "LocalMoran": 1,
        "DagumGini": 1,
        "SigmaConvergence": 1,
        "BetaConvergence": 2,
    }
    assert result["beta_conditional"].beta < 0
    assert len(result["regions"]) == 29
    assert len(result["boundaries"]) == 31  # the maps draw the regions without data too


def test_steps_return_typed_outputs_and_write_nothing(tmp_path, monkeypatch):
    """Every step returns a StepOutput whose report section names its own tables and figures;
    no step writes a file (writing is the writer's)."""
    import geopandas as gpd
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure as MplFigure

    study = sc.Study.from_dict(EVERY_STEP)
    inputs = study._prepare()

    def refuse(*args, **kwargs):
        raise AssertionError("a step wrote a file")

    for owner, name in (
        (MplFigure, "savefig"),
        (pd.DataFrame, "to_csv"),
        (pd.DataFrame, "to_excel"),
        (gpd.GeoDataFrame, "to_file"),
    ):
        monkeypatch.setattr(owner, name, refuse)
    monkeypatch.chdir(tmp_path)
    done: dict = {}
    names = []
    for name, step in steps_of(study.settings):
        out = step(inputs, done)
        names.append(name)
        assert isinstance(out, StepOutput)
        assert out.name == name
        assert all(isinstance(t, Table) and isinstance(t.frame, pd.DataFrame) for t in out.tables.values())
        # a figure is a matplotlib Figure, or a function that draws one (the writer calls it)
        drawn = {k: f.figure() if callable(f.figure) else f.figure for k, f in out.figures.items()}
        assert all(isinstance(f, Figure) and f.folder in ("figures", "maps") for f in out.figures.values())
        assert all(isinstance(fig, MplFigure) for fig in drawn.values())
        assert all(isinstance(x, Layer) and isinstance(x.frame, gpd.GeoDataFrame) for x in out.layers.values())
        assert out.section is not None
        assert set(out.section.tables) <= set(out.tables)
        assert set(out.section.figures) <= set(out.figures)
        assert all(out.tables[t].caption for t in out.section.tables)
        done.update(out.results)
        for fig in drawn.values():
            plt.close(fig)
    assert names == ["data", "scores", "coupling", "regions", "weights", "moran", "lisa", "dagum", "sigma", "beta"]
    assert list(tmp_path.iterdir()) == []


def test_writer_saves_each_figure_once_per_format(tmp_path, monkeypatch):
    import spatialcoupling.study.output as output_mod

    saved: list[tuple[str, int]] = []
    original = output_mod.save_figure

    def spy(fig, path, **kwargs):
        saved.append((str(Path(path).relative_to(tmp_path / "runs")).split("/", 1)[1], kwargs.get("dpi", 300)))
        return original(fig, path, **kwargs)

    monkeypatch.setattr(output_mod, "save_figure", spy)
    # workers = 0: the figures are saved in this process, where the spy sees them
    run = sc.Study.from_dict({**BASE, "output": {"tables": ["csv"], "figures": ["png", "svg"], "workers": 0}}).run(
        tmp_path / "runs" / "a", progress=False
    )
    stems = {Path(p).with_suffix("").as_posix() for p, _ in saved}
    assert stems == {"figures/scores_over_time", "figures/indicator_weights", "figures/coupling_D_mean"}
    assert sorted(saved) == sorted({(f"{s}.{fmt}", 300) for s in stems for fmt in ("png", "svg")})
    assert {p.relative_to(run.out).as_posix() for p in run.files if p.suffix in (".png", ".svg")} == {
        p for p, _ in saved
    }
    saved.clear()
    run = sc.Study.from_dict({**BASE, "output": {"tables": ["csv"], "figures": ["svg"], "workers": 0}}).run(
        tmp_path / "runs" / "b", progress=False
    )
    # each figure once as SVG, and once as the report's PNG preview (not an output file)
    assert sorted(saved) == sorted([(f"{s}.svg", 300) for s in stems] + [(f"{s}.png", 150) for s in stems])
    assert not [p for p in run.files if p.suffix == ".png"]


# -- the schema follows the models' declared constraints ----------------------------------------------
def test_keys_of_a_model_with_constraints_use_them_not_the_hand_checks(monkeypatch):
    """Once a model declares constraints for a parameter, the study validates the key with them
    (reporting the model's message under the key path) instead of its hand-written checks."""
    monkeypatch.setattr(
        sc.SigmaConvergence, "_parameter_constraints", {"measure": [Options("cv", "gini")]}, raising=False
    )
    settings = {**EVERY_STEP, "sigma": {"measure": "sd"}}  # allowed by the hand-written values
    with pytest.raises(StudyError) as info:
        sc.Study.from_dict(settings).check()
    assert info.value.problems == ["sigma.measure: must be one of 'cv', 'gini'; got 'sd'"]
    with pytest.raises(StudyError) as info:
        sc.Study.from_dict({**EVERY_STEP, "sigma": {"measure": "bogus"}}).check()
    assert info.value.problems == ["sigma.measure: must be one of 'cv', 'gini'; got 'bogus'"]
    # the models built without data are checked at construction, the same way
    monkeypatch.setattr(
        sc.CouplingCoordination, "_parameter_constraints", {"model": [Options("classic")]}, raising=False
    )
    with pytest.raises(StudyError) as info:
        sc.Study.from_dict({**BASE, "coupling": {"model": "revised"}})
    assert info.value.problems == ["coupling.model: must be one of 'classic'; got 'revised'"]
    # and the reference describes the key by the constraint
    rows = {(s, k.name): allowed for s, k, allowed, _ in schema.reference_rows()}
    assert rows[("sigma", "measure")] == "one of 'cv', 'gini'"


def test_model_messages_under_the_key_path():
    error = ValueError("LocalMoran: alpha must be a number in (0, 1); got 5.0")
    assert schema.model_message("lisa.alpha", error, owner="LocalMoran", param="alpha") == (
        "lisa.alpha: must be a number in (0, 1); got 5.0"
    )
    assert schema.model_message("dagum.bootstrap", ValueError("bootstrap=1 gives no interval"), param="bootstrap") == (
        "dagum.bootstrap: bootstrap=1 gives no interval"
    )
    assert schema.model_message("weights", ValueError("weights: kind")) == "weights: kind"


# -- the reference ------------------------------------------------------------------------------------------
#: every key a 0.1 study file could set (0.1's schema), but coupling.grouping, which 0.1 accepted and ignored
KEYS_01 = {
    "data": ["dataset", "path", "region", "period", "sheet", "wide", "interpolate", "extrapolate", "columns"],
    "indicators": ["dataset", "file"],
    "weighting": ["method", "scope", "shift", "constant", "methods", "how"],
    "coupling": ["contributions", "model", "pairs", "spans", "threshold"],
    "regions": ["dataset", "file", "id", "layer", "groupings", "extra"],
    "weights": [
        "kind",
        "islands",
        "standardize",
        "k",
        "threshold",
        "power",
        "cutoff",
        "binary",
        "variable",
        "matrix",
        "geographic",
    ],
    "moran": ["permutations", "seed"],
    "lisa": ["permutations", "alpha", "seed", "adjust", "periods", "alternative", "language"],
    "dagum": ["grouping", "bootstrap", "seed", "ci", "alpha"],
    "sigma": ["measure", "grouping"],
    "beta": ["kinds", "model", "effects", "controls", "interval", "seed", "grouping", "draws", "lee_yu", "tests"],
    "output": ["tables", "figures"],
}
#: keys added since 0.1 (the Table-4 growth options, the report, distribution dynamics and drivers)
KEYS_NEW = {
    "coupling": ["growth", "growth_rows", "years"],
    "output": [],
    "density": ["kernel", "bandwidth", "years"],
    "markov": ["classes", "k", "scope", "breaks", "spatial"],
    "space_time": ["permutations", "alpha", "seed", "rank"],
    "gravity": ["variant", "crs"],
    "obstacle": ["top", "scope"],
    "detector": ["factors", "method", "k", "by", "alpha"],
    "hotspots": ["permutations", "seed", "adjust", "periods"],
    "bivariate": ["column", "permutations", "alpha", "seed", "periods"],
    "robustness": ["weightings", "contributions", "models", "permutations", "seed", "n_jobs"],
    "report": ["language"],
}
_SAMPLE = {str: "x", int: 1, float: 0.5, bool: True, list: [], dict: {}}


def _reference_keys(text: str) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    section = None
    for line in text.splitlines():
        heading = re.match(r"## \[(\w+)\]", line)
        if heading:
            section = keys.setdefault(heading.group(1), [])
        row = re.match(r"\| `(\w+)` \|", line)
        if row and section is not None:
            section.append(row.group(1))
    return keys


def _unknown(settings: dict) -> list[str]:
    try:
        sc.Study.from_dict(settings)
    except StudyError as exc:
        return [p for p in exc.problems if "unknown setting" in p or "unknown section" in p]
    return []


def test_reference_lists_every_key_run_accepts():
    text = schema.reference_markdown()
    listed = _reference_keys(text)
    assert set(listed) == set(KEYS_01) | set(KEYS_NEW)
    for section, keys in KEYS_01.items():
        assert set(keys) <= set(listed[section]), section
    for section, keys in KEYS_NEW.items():
        assert set(keys) <= set(listed[section]), section
    # every key listed is one a study accepts; any other key is refused
    for section, keys in listed.items():
        for key in keys:
            sample = _SAMPLE[schema.SECTIONS[section].key(key).types[0]]
            assert _unknown({**BASE, section: {key: sample}}) == [], (section, key)
        assert _unknown({**BASE, section: {"no_such_key": 1}}) == [
            f"{section}.no_such_key: unknown setting; {section} takes {', '.join(keys)}"
        ]
    for line in text.splitlines():
        if line.startswith("| `"):
            assert len(line.split(" | ")) == 4, line
            assert "(none)" not in line.split(" | ")[1], line


def test_demo_study_files_use_only_listed_keys():
    import tomllib

    listed = _reference_keys(schema.reference_markdown())
    folder = Path(sc.__file__).parent / "datasets" / "data"
    for path in sorted(folder.glob("*_study.toml")):
        settings = tomllib.loads(path.read_text())
        for section, block in settings.items():
            for key, value in block.items():
                assert key in listed[section] or (section == "indicators" and isinstance(value, dict)), (path, key)


def test_coupling_grouping_is_refused_not_ignored():
    """0.1 accepted coupling.grouping and did nothing with it."""
    assert _unknown({**BASE, "coupling": {"grouping": "zone8"}}) == [
        (
            "coupling.grouping: unknown setting; coupling takes contributions, model, pairs, spans, threshold, growth, "
            "growth_rows, years"
        )
    ]


@pytest.mark.parametrize(
    ("workers", "problem"),
    [(-1, "must be a number of processes >= 0"), (1.5, "must be int, got 1.5"), (True, "must be int, got True")],
)
def test_a_bad_number_of_background_workers_is_named(workers, problem):
    with pytest.raises(StudyError) as info:
        sc.Study.from_dict({**BASE, "output": {"tables": ["csv"], "figures": ["png"], "workers": workers}})
    [text] = info.value.problems
    assert text.startswith("output.workers")
    assert problem in text

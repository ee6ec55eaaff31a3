"""Every figure a study writes, checked where it is saved: no two text, legend, inset, scale-bar or
north-arrow boxes overlap (the China demo study, in English and in Chinese)."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

pytest.importorskip("geopandas")
import matplotlib  # noqa: E402

matplotlib.use("Agg")

from tests.test_maps_standard import _boxes, _english_left, _overlaps  # noqa: E402


def _demo_settings(language: str) -> dict:
    """The China demo study with few permutations and no bootstrap (the figures are the same kinds)."""
    text = (resources.files("spatialcoupling.datasets") / "data" / "china_demo_study.toml").read_text("utf-8")
    settings = tomllib.loads(text)
    for section in ("moran", "lisa", "space_time", "hotspots"):
        if section in settings:
            settings[section]["permutations"] = 99
    settings["dagum"].pop("bootstrap", None)
    settings.pop("beta", None)  # a spatial Durbin panel per kind: slow, and its chart is tested in test_maps_dynamics
    settings["output"] = {"tables": ["csv"], "figures": ["png"]}
    settings["language"] = language
    return settings


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_box_overlaps_on_any_study_figure(tmp_path, monkeypatch, language):
    """About 40 s per language on 2 shared cores: the only test that runs every figure step of a study."""
    import spatialcoupling.study.output as output
    from spatialcoupling.study import Study

    seen: dict[str, list] = {}
    english: dict[str, set] = {}
    save = output.save_figure

    def checked(fig, path, *args, **kwargs):
        seen[path.stem] = _overlaps(_boxes(fig))
        english[path.stem] = _english_left(fig)
        return save(fig, path, *args, **kwargs)

    monkeypatch.setattr(output, "save_figure", checked)
    Study.from_dict(_demo_settings(language)).run(tmp_path / "out", progress=False)
    assert {"D_by_zone8", "sigma", "gravity", "rank_map", "hotspots_2024", "lisa_clusters_panel"} <= set(seen)
    assert {name: bad for name, bad in seen.items() if bad} == {}
    if language == "zh":
        assert {name: words for name, words in english.items() if words} == {}

"""Every figure a study writes, checked where it is saved: no two text, legend, inset, scale-bar or
north-arrow boxes overlap (the China demo study; the synthetic-data mark included)."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

pytest.importorskip("geopandas")
import matplotlib

matplotlib.use("Agg")

from tests.test_maps_standard import _boxes, _overlaps

#: sections whose figures are checked one by one elsewhere and that are slow in a study
#: (spatial Durbin panels, kernel densities, Markov chains, the detector and obstacle runs)
LEFT_OUT = ("beta", "density", "markov", "obstacle", "detector")


def _demo_settings() -> dict:
    """The China demo study on six years with 99 permutations, no bootstrap and without the slow sections."""
    text = (resources.files("spatialcoupling.datasets") / "data" / "china_demo_study.toml").read_text("utf-8")
    settings = tomllib.loads(text)
    for section in ("moran", "lisa", "space_time", "hotspots"):
        settings[section]["permutations"] = 99
    settings["dagum"].pop("bootstrap", None)
    for section in LEFT_OUT:
        settings.pop(section, None)
    settings["data"]["periods"] = [2016, 2021]  # six years: every figure kind, a fraction of the work
    settings["coupling"]["spans"] = [[2016, 2021]]
    settings["lisa"]["periods"] = [2016, 2018, 2019, 2021]
    settings["hotspots"]["periods"] = [2016, 2021]
    # figures saved in this process (no background processes), where the test's check sees them
    settings["output"] = {"tables": ["csv"], "figures": ["png"], "workers": 0}
    return settings


@pytest.mark.slow
def test_no_box_overlaps_on_any_study_figure(tmp_path, monkeypatch):
    """The one test that runs the figure steps of a whole study (about 30 s on 2 shared cores)."""
    from spatialcoupling.study import Study, output

    seen: dict[str, list] = {}
    save = output.save_figure

    def checked(fig, path, *args, **kwargs):
        seen[path.stem] = _overlaps(_boxes(fig))
        kwargs["dpi"] = 40  # the boxes are checked above; a small file is enough for the report
        return save(fig, path, *args, **kwargs)

    monkeypatch.setattr(output, "save_figure", checked)
    Study.from_dict(_demo_settings()).run(tmp_path / "out", progress=False)
    expected = {"D_by_zone8", "D_by_region3", "sigma", "gravity", "rank_map", "rank_tau", "hotspots_2021"}
    assert expected | {"lisa_clusters_panel", "moran_scatter_last", "dagum_shares", "indicator_weights"} <= set(seen)
    # the study's synthetic-data mark (bottom right) is placed below everything drawn: no exception
    bad = seen
    assert {name: pairs for name, pairs in bad.items() if pairs} == {}

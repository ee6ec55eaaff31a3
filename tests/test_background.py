"""Work in forked background processes (spatialcoupling._background) and the study writer that uses it:
results, warnings and errors come back; the files are the same as when written in the run's process."""

from __future__ import annotations

import itertools
import os
import time
import warnings
from pathlib import Path

import pytest

import spatialcoupling as sc
from spatialcoupling import datasets, maps
from spatialcoupling._background import Background, can_fork

forking = pytest.mark.skipif(not can_fork(), reason="background processes are forked on Linux only")


@forking
def test_results_and_warnings_come_back_in_order_from_other_processes():
    jobs = Background(max_children=2)

    def work(k):
        warnings.warn(f"warned by job {k}", RuntimeWarning, stacklevel=1)
        return k * 10, os.getpid()

    for k in range(4):
        jobs.submit(f"job {k}", lambda k=k: work(k))
    done = jobs.wait()
    assert [tag for tag, _, _ in done] == [f"job {k}" for k in range(4)]
    assert [result[0] for _, result, _ in done] == [0, 10, 20, 30]
    assert os.getpid() not in {result[1] for _, result, _ in done}
    for k, (_, _, caught) in enumerate(done):
        assert [(w.category, str(w.message)) for w in caught] == [(RuntimeWarning, f"warned by job {k}")]
    assert jobs.wait() == []  # nothing left


def test_no_children_runs_the_work_at_once_here():
    jobs = Background(max_children=0)
    jobs.submit("here", os.getpid)
    [(tag, pid, caught)] = jobs.wait()
    assert (tag, pid, caught) == ("here", os.getpid(), [])


@forking
def test_a_failed_job_raises_its_own_exception_naming_the_job_after_the_others_finish(tmp_path):
    jobs = Background(max_children=2)

    def fail():
        raise KeyError("no such column 'D'")

    jobs.submit("maps/broken", fail)
    jobs.submit("tables/fine", lambda: (tmp_path / "fine.txt").write_text("x"))
    with pytest.raises(KeyError, match="no such column") as info:
        jobs.wait()
    note = "\n".join(info.value.__notes__)
    assert "maps/broken" in note
    assert "Traceback" in note
    assert "in fail" in note
    assert (tmp_path / "fine.txt").read_text() == "x"


@forking
def test_a_result_that_cannot_be_sent_back_is_an_error_naming_its_type():
    jobs = Background(max_children=1)
    jobs.submit("lambda", lambda: lambda: None)
    with pytest.raises(RuntimeError, match=r"PicklingError|AttributeError") as info:
        jobs.wait()
    assert "lambda" in "\n".join(info.value.__notes__)


@forking
def test_at_most_max_children_run_at_once(tmp_path):
    jobs = Background(max_children=1)

    def stamp(k):
        start = time.monotonic()
        time.sleep(0.15)
        (tmp_path / f"{k}.txt").write_text(f"{start} {time.monotonic()}")

    for k in range(3):
        jobs.submit(str(k), lambda k=k: stamp(k))
    jobs.wait()
    spans = sorted(tuple(map(float, (tmp_path / f"{k}.txt").read_text().split())) for k in range(3))
    assert all(later[0] >= earlier[1] for earlier, later in itertools.pairwise(spans))


@forking
def test_cancel_stops_the_children_before_they_write(tmp_path):
    jobs = Background(max_children=2)

    def slow():
        time.sleep(5)
        (tmp_path / "late.txt").write_text("x")

    started = time.monotonic()
    jobs.submit("slow", slow)
    jobs.cancel()
    assert time.monotonic() - started < 4
    time.sleep(0.2)
    assert not (tmp_path / "late.txt").exists()
    assert jobs.wait() == []


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_a_bad_number_of_children_is_refused(bad):
    with pytest.raises(ValueError, match="max_children"):
        Background(bad)


# -- the study writer -----------------------------------------------------------------------------------
def _chart_and_map():
    """A chart with ticks and text, and a map of the bundled provinces with legend, scale bar and inset."""
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    chart, ax = plt.subplots(figsize=(4, 3))
    ax.plot(np.arange(10), np.arange(10) ** 1.5, label="D")
    ax.set_title("耦合协调度 D")
    ax.legend()
    provinces = datasets.load("china_provinces")
    values = pd.Series(np.linspace(0.2, 0.8, len(provinces)), index=provinces.index, name="D")
    return chart, maps.choropleth(values, provinces, title="D in 2020")


@pytest.mark.slow  # two maps and two charts, each saved twice (about 3 s)
@forking
def test_figures_saved_in_the_background_are_the_files_saved_here(tmp_path):
    from spatialcoupling.study.output import OutputWriter
    from spatialcoupling.study.steps import Figure

    files = {}
    for workers in (0, 2):
        writer = OutputWriter(
            tmp_path / str(workers), {"tables": [], "figures": ["png", "svg"]}, synthetic=True, workers=workers
        )
        (tmp_path / str(workers)).mkdir()
        chart, drawn = _chart_and_map()
        writer.write_figure("chart", Figure(chart))
        writer.write_figure("map", Figure(drawn, "maps"))
        writer.finish()
        files[workers] = {p.relative_to(writer.folder).as_posix(): p.read_bytes() for p in writer.files}
    assert sorted(files[2]) == ["figures/chart.png", "figures/chart.svg", "maps/map.png", "maps/map.svg"]
    assert files[2] == files[0]


@pytest.mark.slow  # two short study runs (about 5 s): the one check of the runner's side of the background
@forking
def test_a_study_keeps_background_warnings_as_notes_and_fails_on_a_background_error(tmp_path, monkeypatch):
    from spatialcoupling.study import output

    save = output._save_targets

    def warn_then_save(fig, targets):
        warnings.warn(f"drawn in process {os.getpid()}", UserWarning, stacklevel=1)
        save(fig, targets)

    monkeypatch.setattr(output, "_save_targets", warn_then_save)
    settings = {
        "data": {"dataset": "china_demo", "interpolate": "linear", "periods": [2009, 2012]},
        "indicators": {"dataset": "china_demo"},
        "weighting": {"method": "entropy"},
        "coupling": {"contributions": {"MS": 0.4, "AM": 0.6}, "spans": [[2009, 2012]]},
        "output": {"tables": ["csv"], "figures": ["png"]},
    }
    run = sc.Study.from_dict(settings).run(tmp_path / "out", progress=False)
    drawn = [n for n in run.notes if "drawn in process" in n]
    assert drawn
    assert all(n.startswith(("scores: ", "coupling: ")) for n in drawn)
    assert str(os.getpid()) not in " ".join(drawn)  # saved by other processes
    assert all(Path(p).exists() for p in run.files)

    def fail(fig, targets):
        raise OSError(f"disk full while writing {targets[0][0].name}")

    monkeypatch.setattr(output, "_save_targets", fail)
    with pytest.raises(OSError, match=r"disk full while writing scores_over_time\.png") as info:
        sc.Study.from_dict(settings).run(tmp_path / "failed", progress=False)
    assert "figures/scores_over_time" in "\n".join(info.value.__notes__)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no folder of the failed run is left

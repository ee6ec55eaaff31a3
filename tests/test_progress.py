"""Progress reported inside long computations (``spatialcoupling._progress``).

The loops report once per block of work to a listener set with ``reporting``; the tests capture the
calls, check that the count advances to its total within one computation, and that the numbers are the
same with and without a listener (and with worker threads). Without a listener nothing is printed.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import spatialcoupling as sc
from spatialcoupling import _progress
from spatialcoupling.study import runner


class Calls(list):
    def __call__(self, task, done, total, label):
        self.append((task, done, total, label))

    def of(self, task):
        return [c for c in self if c[0] == task]


def _advances(calls, total=None):
    done = [c[1] for c in calls]
    assert done == list(range(1, len(done) + 1)), done
    assert len(done) > 1
    assert {c[2] for c in calls} == {total if total is not None else len(done)}


def test_lisa_reports_each_block_and_numbers_do_not_change(us_income, us_queen, capsys):
    series = us_income[us_income.index.get_level_values(1).isin([1990, 2000, 2009])]
    model = sc.LocalMoran(permutations=99, seed=3)
    quiet = model.fit(series, us_queen).table
    calls = Calls()
    with _progress.reporting(calls):
        heard = model.fit(series, us_queen).table
    lisa = calls.of("LISA permutations")
    _advances(lisa)
    assert lisa[-1][1] == lisa[-1][2]
    pd.testing.assert_frame_equal(quiet, heard)
    threads = Calls()
    with _progress.reporting(threads):
        parallel = sc.LocalMoran(permutations=99, seed=3, n_jobs=2).fit(series, us_queen).table
    _advances(threads.of("LISA permutations"), total=lisa[0][2])  # ticked from worker threads
    pd.testing.assert_frame_equal(quiet, parallel)
    assert capsys.readouterr() == ("", "")  # the listener prints nothing itself, the library nothing at all


def test_dagum_bootstrap_reports_each_batch_and_numbers_do_not_change(monkeypatch):
    from spatialcoupling.inequality import dagum

    monkeypatch.setattr(dagum, "_BATCH_CELLS", 4000)  # several batches of draws per period
    rng = np.random.default_rng(0)
    regions = [f"r{i}" for i in range(20)]
    index = pd.MultiIndex.from_product([regions, [2000, 2001]], names=["region", "period"])
    series = pd.Series(rng.lognormal(size=len(index)), index=index, name="D")
    groups = pd.Series(["east"] * 10 + ["west"] * 10, index=regions)
    model = sc.DagumGini(bootstrap=199, seed=5)
    quiet = model.fit(series, groups).table
    calls = Calls()
    with _progress.reporting(calls):
        heard = model.fit(series, groups).table
    _advances(calls.of("Dagum bootstrap"))
    pd.testing.assert_frame_equal(quiet, heard)


def test_spatial_panel_fit_names_the_model():
    calls = Calls()
    with _progress.reporting(calls):
        _progress.report("spatial panel fit", label="SDM, fixed effects")
    assert calls == [("spatial panel fit", None, None, "SDM, fixed effects")]
    assert not _progress.listening()


def _small_panel():
    import libpysal

    w = libpysal.weights.lat2W(5, 5)
    w.transform = "r"
    rng = np.random.default_rng(4)
    index = pd.MultiIndex.from_product([list(w.id_order), range(2000, 2006)], names=["region", "period"])
    X = pd.DataFrame({"x": rng.normal(size=len(index))}, index=index)
    y = pd.Series(0.5 * X["x"].to_numpy() + rng.normal(size=len(index)), index=index, name="y")
    return y, X, w


def test_spatial_panel_reports_inside_the_likelihood_search_and_the_impact_draws(capsys):
    """Each likelihood evaluation of the search over rho is counted (the total is not known: the search
    stops when it converges), the impact simulation in its three parts; the estimates are the same with
    and without a listener, and nothing is printed."""
    y, X, w = _small_panel()
    model = sc.SpatialPanel("sdm", "individual", draws=50, seed=2)
    quiet = model.fit(y, X, w)
    calls = Calls()
    with _progress.reporting(calls):
        heard = model.fit(y, X, w)
    search = calls.of("likelihood search over rho")
    assert [c[1] for c in search] == list(range(1, len(search) + 1))
    assert len(search) > 5
    assert {c[2] for c in search} == {None}
    assert {c[3] for c in search} == {"SDM, individual effects"}
    impacts = calls.of("impacts simulation")
    assert [(c[1], c[2], c[3]) for c in impacts] == [(1, 3, "50 draws"), (2, 3, "traces"), (3, 3, "effects")]
    assert calls.index(search[-1]) < calls.index(impacts[0])  # the search ends before the draws
    pd.testing.assert_frame_equal(quiet.table, heard.table)
    pd.testing.assert_frame_equal(quiet.impacts, heard.impacts)
    sac = Calls()
    with _progress.reporting(sac):
        sc.SpatialPanel("sac", "individual", draws=0).fit(y, X, w)
    evaluations = [c[1] for c in sac.of("SAC likelihood search")]
    assert evaluations == list(range(1, len(evaluations) + 1))
    assert len(evaluations) > 3
    assert capsys.readouterr() == ("", "")
    assert runner._part(*search[2]) == "likelihood search over rho 3 SDM, individual effects"


def test_counter_without_listener_or_in_another_process_is_silent():
    tick = _progress.counter("work", 3)
    tick()  # nobody listens
    calls = Calls()
    with _progress.reporting(calls):
        tick = _progress.counter("work", 3)
    copy = pickle.loads(pickle.dumps(tick))  # what a worker process receives
    copy()
    assert calls == []
    tick("a")
    assert calls == [("work", 1, 3, "a")]
    assert list(tick.each("bc")) == ["b", "c"]
    assert calls[-1] == ("work", 3, 3, "")


@pytest.mark.parametrize(
    ("task", "done", "total", "label", "text"),
    [
        ("LISA permutations", 3, 8, "", "lisa permutations 3/8"),
        ("lisa maps", 1, 4, "2009", "lisa maps 1/4 2009"),
        ("spatial panel fit", None, None, "SDM, fixed effects", "spatial panel fit SDM, fixed effects"),
        ("grid", 2, 12, "", "robustness grid 2/12"),
    ],
)
def test_bar_text_of_a_part(task, done, total, label, text):
    assert runner._part(task, done, total, label) == text

"""The shared adapters: spatial weights (W and Graph alike), region groups, parameter constraints."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from libpysal.weights import Queen

import spatialcoupling as sc
from spatialcoupling._groups import as_groups, group_codes
from spatialcoupling._params import (
    Boolean,
    Interval,
    InvalidParameterError,
    Model,
    NJobs,
    Options,
    Seed,
    describe,
    validate_params,
)
from spatialcoupling._weights import as_weights


@pytest.fixture(scope="module")
def states():
    return sc.datasets.load("us_states")


@pytest.mark.parametrize("build", ["W", "Graph"])
def test_weights_adapter_reads_w_and_graph_alike(states, build):
    """As esda's tests do: the same contiguity from libpysal's W and Graph gives the same ids,
    matrix and transformation label."""
    if build == "W":
        w = Queen.from_dataframe(states, use_index=True, silence_warnings=True)
        w.transform = "r"
    else:
        w = Graph.build_contiguity(states, rook=False).transform("r")
    a = as_weights(w)
    assert a.ids == tuple(states.index)
    assert a.transform == "R"
    assert a.is_row_standardised
    # Washington's neighbours are Idaho and Oregon, half each
    row = a.sparse[a.ids.index("Washington")]
    got = {a.ids[j]: v for j, v in zip(row.indices, row.data, strict=True)}
    assert got == {"Idaho": 0.5, "Oregon": 0.5}


def test_weights_adapter_does_not_touch_the_callers_object(states):
    w = sc.spatial_weights(states, kind="queen", ids=list(states.index), standardize="b")
    before = w.sparse.copy()
    r = as_weights(w).transformed("r")
    assert w.transform == "B"
    assert abs(w.sparse - before).sum() == 0
    np.testing.assert_allclose(np.asarray(r.sparse.sum(axis=1)).ravel(), 1.0)


def test_weights_subset_restandardises_and_names_islands(states):
    a = as_weights(sc.spatial_weights(states, kind="queen", ids=list(states.index)))
    sub = a.subset(["Maine", "New Hampshire", "Vermont", "Texas"])
    assert sub.ids == ("Maine", "New Hampshire", "Vermont", "Texas")
    assert sub.islands == ["Texas"]
    rs = np.asarray(sub.sparse.sum(axis=1)).ravel()
    np.testing.assert_allclose(rs, [1.0, 1.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="Atlantis"):
        a.subset(["Maine", "Atlantis"])


def test_weights_adapter_refuses_other_objects():
    with pytest.raises(TypeError, match="libpysal W or Graph"):
        as_weights(np.eye(3))


def test_groups_one_policy():
    groups = as_groups({"a": "x", "b": "y", "c": "x", "d": "z"}, "Test")
    codes, labels, notes = group_codes(pd.Index(["a", "b", "c"]), groups, "Test")
    assert labels in (["x", "y"], ["x", "y", "z"])
    assert list(np.asarray(labels)[codes]) == ["x", "y", "x"]
    assert notes
    assert "'d'" in notes[0]
    with pytest.raises(ValueError, match=r"region\(s\) without a group: 'e'"):
        group_codes(pd.Index(["a", "e"]), groups, "Test")
    with pytest.raises(ValueError, match="int but groups is keyed by str"):
        group_codes(pd.Index([1, 2]), as_groups({"1": "x", "2": "y"}, "Test"), "Test")
    with pytest.raises(ValueError, match="listed twice"):
        as_groups(pd.Series(["x", "y"], index=["a", "a"]), "Test")
    original = {"a": "x"}
    copied = as_groups(original, "Test")
    original["a"] = "changed"
    assert copied["a"] == "x"


class _Toy(Model):
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "alpha": [Interval(float, 0, 1, closed="neither")],
        "permutations": [Interval(int, 0, None)],
        "adjust": [Options(None, "fdr", "bonferroni")],
        "seed": [Seed()],
        "n_jobs": [NJobs()],
        "flag": [Boolean()],
    }

    def __init__(self, alpha=0.05, permutations=999, adjust=None, seed=None, n_jobs=1, flag=False):
        self.alpha, self.permutations, self.adjust = alpha, permutations, adjust
        self.seed, self.n_jobs, self.flag = seed, n_jobs, flag
        self._validate_params()

    def fit(self):
        self._validate_params()
        return self


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"alpha": 1.0}, r"alpha must be a number in \(0, 1\); got 1.0"),
        ({"alpha": True}, "alpha"),
        ({"permutations": 9.5}, "permutations must be an integer >= 0"),
        ({"permutations": -1}, "permutations"),
        ({"adjust": "holm"}, "adjust must be one of None, 'fdr', 'bonferroni'; got 'holm'"),
        ({"seed": -3}, "seed must be None, a non-negative integer"),
        ({"seed": True}, "seed"),
        ({"n_jobs": 0}, "n_jobs must be None or a non-zero integer"),
        ({"flag": 1}, "flag must be True or False"),
    ],
)
def test_constraints_name_the_parameter(kwargs, message):
    with pytest.raises(InvalidParameterError, match=message):
        _Toy(**kwargs)


def test_constraints_are_checked_again_in_fit():
    toy = _Toy()
    toy.alpha = 5.0
    with pytest.raises(ValueError, match="_Toy: alpha"):
        toy.fit()


def test_constraint_accepts_numpy_scalars_and_reports_all_problems():
    _Toy(alpha=np.float64(0.1), permutations=np.int64(99), seed=np.random.SeedSequence(1), n_jobs=-1)
    with pytest.raises(InvalidParameterError) as err:
        validate_params(_Toy._parameter_constraints, {"alpha": 2.0, "seed": -1}, "Toy")
    assert "alpha" in str(err.value)
    assert "seed" in str(err.value)


def test_describe_lists_settings_with_defaults():
    rows = {r["parameter"]: r for r in describe(_Toy)}
    assert rows["alpha"]["default"] == "0.05"
    assert rows["adjust"]["allowed"] == "one of None, 'fdr', 'bonferroni'"
    assert repr(_Toy(alpha=0.1)) == "_Toy(alpha=0.1)"

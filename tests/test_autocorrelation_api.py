"""The call style of the autocorrelation models: data to ``fit``, settings declared once and checked
in ``fit``, the deprecated constructor ``w`` still working, and the package layout."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

libpysal = pytest.importorskip("libpysal")

import spatialcoupling as sc  # noqa: E402
from spatialcoupling._params import InvalidParameterError  # noqa: E402
from spatialcoupling._weights import as_weights  # noqa: E402
from spatialcoupling.autocorrelation import (  # noqa: E402
    BivariateMoran,
    ClusterTransitions,
    GetisOrdG,
    GlobalGeary,
    GlobalMoran,
    LocalMoran,
)

PACKAGE = Path(sc.__file__).parent


@pytest.fixture(scope="module")
def lattice():
    w = libpysal.weights.lat2W(5, 5)
    rng = np.random.default_rng(4)
    idx = pd.MultiIndex.from_product([w.id_order, [2000, 2001, 2002]], names=["region", "period"])
    y = pd.Series(rng.lognormal(size=len(idx)), index=idx, name="y")
    x = pd.Series(rng.lognormal(size=len(idx)), index=idx, name="x")
    return w, y, x


GLOBAL = [GlobalMoran, GlobalGeary, GetisOrdG]


@pytest.mark.parametrize("cls", GLOBAL)
def test_old_constructor_w_warns_and_gives_the_same_numbers(cls, lattice):
    w, y, _ = lattice
    new = cls(permutations=49, seed=2).fit(y, w)
    with pytest.warns(DeprecationWarning, match=rf"pass w to fit: {cls.__name__}\(\.\.\.\)\.fit\(series, w\)") as rec:
        old = cls(w, permutations=49, seed=2).fit(y)
    assert rec[0].filename == __file__, "the warning points at the caller"
    pd.testing.assert_frame_equal(new.table, old.table)
    assert dict(new.settings) == dict(old.settings)


def test_old_style_bivariate_and_local(lattice):
    w, y, x = lattice
    with pytest.warns(DeprecationWarning, match=r"BivariateMoran\(\.\.\.\)\.fit\(x, y, w\)"):
        old = BivariateMoran(w, permutations=49, seed=2).fit(x, y)
    pd.testing.assert_frame_equal(old.table, BivariateMoran(permutations=49, seed=2).fit(x, y, w).table)
    with pytest.warns(DeprecationWarning, match=r"LocalMoran\(\.\.\.\)\.fit\(series, w\)") as rec:
        lisa_old = LocalMoran(w, permutations=49, seed=2).fit(y)
    assert rec[0].filename == __file__
    pd.testing.assert_frame_equal(lisa_old.table, LocalMoran(permutations=49, seed=2).fit(y, w).table)


@pytest.mark.parametrize("cls", [*GLOBAL, LocalMoran])
def test_w_twice_or_never_is_an_error(cls, lattice):
    w, y, _ = lattice
    with pytest.raises(TypeError, match="needs the spatial weights"):
        cls(permutations=9).fit(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        model = cls(w, permutations=9)
    with pytest.raises(TypeError, match=r"constructor .*and to fit"):
        model.fit(y, w)


def test_new_style_warns_nothing(lattice):
    w, y, x = lattice
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for cls in GLOBAL:
            cls(permutations=9, seed=1).fit(y, w)
        BivariateMoran(permutations=9, seed=1).fit(x, y, w)
        LocalMoran(permutations=99, seed=1).fit(y, w)


@pytest.mark.parametrize(
    ("cls", "setting", "value"),
    [
        (LocalMoran, "alpha", 5.0),
        (LocalMoran, "permutations", 0),
        (LocalMoran, "adjust", "holm"),
        (LocalMoran, "gi_star", "yes"),
        (LocalMoran, "n_jobs", 0),
        (GlobalMoran, "permutations", -1),
        (GlobalMoran, "two_tailed", "no"),
        (GetisOrdG, "transform", "x"),
        (GlobalGeary, "seed", -3),
    ],
)
def test_settings_are_checked_in_init_and_again_in_fit(cls, setting, value, lattice):
    w, y, _ = lattice
    with pytest.raises(InvalidParameterError, match=rf"{cls.__name__}: {setting} must be"):
        cls(**{setting: value})
    model = cls(permutations=9)
    setattr(model, setting, value)  # changed after construction
    with pytest.raises(InvalidParameterError, match=rf"{setting} must be .*got {value!r}"):
        model.fit(y, w)


def test_constraints_cover_every_setting():
    import inspect

    for cls in [*GLOBAL, BivariateMoran, LocalMoran]:
        names = set(inspect.signature(cls.__init__).parameters) - {"self", "w"}
        assert names == set(cls._parameter_constraints), cls.__name__
        assert "w" not in cls._parameter_constraints  # data, not a setting


def test_seed_and_n_jobs_rules(lattice):
    w, y, _ = lattice
    a = LocalMoran(permutations=99, seed=np.random.SeedSequence(5), n_jobs=None).fit(y, w)
    b = LocalMoran(permutations=99, seed=np.random.SeedSequence(5), n_jobs=2).fit(y, w)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.settings["seed"] is not None
    # upper-case options keep working as in 0.1
    assert LocalMoran(adjust="FDR", transform="R").get_params()["adjust"] == "fdr"


def test_spatial_weights_and_graph_are_accepted(lattice):
    from libpysal.graph import Graph

    w, y, _ = lattice
    base = GlobalMoran(permutations=19, seed=1).fit(y, w).table
    for other in (as_weights(w), Graph.from_W(w)):
        pd.testing.assert_frame_equal(GlobalMoran(permutations=19, seed=1).fit(y, other).table, base)


def test_global_result_plot_falls_back_only_for_the_default_p(lattice):
    w, y, _ = lattice
    res = GlobalMoran(permutations=0).fit(y, w)
    assert res.statistic == "I"
    fig = res.plot()
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[0] == "p (normal) ≤ 0.05"  # the normal-approximation p (no permutations), named readably
    with pytest.raises(ValueError, match="no column 'p_rand2'"):
        res.plot(p="p_rand2")


def test_cluster_transitions_plot_is_a_heatmap_of_the_counts(lattice):
    w, y, _ = lattice
    lisa = LocalMoran(permutations=99, seed=3, alpha=0.2).fit(y, w)
    tr = lisa.transitions(2000, 2002)
    assert isinstance(tr, ClusterTransitions)
    assert tr.settings["from"] == 2000
    assert tr.settings["to"] == 2002
    assert tr.settings["permutations"] == 99
    fig = tr.plot()
    ax = fig.axes[0]
    cells = np.array([float(t.get_text()) for t in ax.texts]).reshape(tr.matrix.shape)
    a = lisa.clusters(2000).astype(str)
    b = lisa.clusters(2002).astype(str)
    by_hand = pd.crosstab(a, b).reindex(index=list(tr.matrix.index), columns=list(tr.matrix.columns), fill_value=0)
    np.testing.assert_array_equal(cells, by_hand.to_numpy())
    assert [t.get_text() for t in ax.get_yticklabels()] == list(sc.autocorrelation.CLUSTERS)
    assert ax.get_title() == "LISA cluster transitions, 2000 → 2002"
    assert "99 permutations" in " ".join(t.get_text() for t in fig.texts)


# ----------------------------------------------------------------------------- layout
def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of every import in a file, relative imports resolved to dotted paths."""
    tree = ast.parse(path.read_text())
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = parts[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            out.append((module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
    return out


MINE = [
    "autocorrelation/__init__.py",
    "autocorrelation/global_stats.py",
    "autocorrelation/local.py",
    "autocorrelation/_permutation.py",
    "autocorrelation/_significance.py",
    "autocorrelation/_prepare.py",
    "plotting/maps.py",
    "plotting/lisa.py",
    "plotting/global_stats.py",
    "layers.py",
    "maps.py",
    "_clusters.py",
    "_boundaries.py",
]


@pytest.mark.parametrize("name", MINE)
def test_no_private_names_from_other_packages(name):
    path = PACKAGE / name
    home = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    for module, names in _imports(path):
        if not module.startswith("spatialcoupling"):
            continue
        sibling = home != "spatialcoupling" and (module.rsplit(".", 1)[0] == home or module == home)
        for n in names:
            shared_module = module == "spatialcoupling" and (PACKAGE / f"{n}.py").exists()
            if n.startswith("_") and not sibling and not shared_module:
                raise AssertionError(f"{name} imports the private {n} from {module}")


@pytest.mark.parametrize("name", ["plotting/maps.py", "plotting/lisa.py", "plotting/global_stats.py", "layers.py"])
def test_plotting_and_layers_import_no_analysis_module(name):
    for module, names in _imports(PACKAGE / name):
        if module == "spatialcoupling":
            assert all(n.startswith("_") for n in names), f"{name} imports {names} from spatialcoupling"
        elif module.startswith("spatialcoupling."):
            top = module.split(".")[1]
            assert top.startswith("_") or top == "plotting", f"{name} imports {module}"

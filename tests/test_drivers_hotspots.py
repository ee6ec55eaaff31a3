"""Gi* hot spots: statistic and z against esda, pseudo p against the exact conditional-permutation
distribution and against esda / pygeoda within Monte Carlo error, ArcGIS classes, FDR, counts."""

from __future__ import annotations

import math
import warnings
from itertools import combinations, permutations

import numpy as np
import pandas as pd
import pytest

from spatialcoupling._params import InvalidParameterError
from spatialcoupling.drivers import HotSpots
from spatialcoupling.drivers._base import benjamini_hochberg_cutoff


def _ring(n: int = 8, chords: tuple = ((0, 4),)):
    """A ring of n regions (two neighbours each) with extra chords, as a libpysal W."""
    from libpysal.weights import W

    nb = {i: {(i - 1) % n, (i + 1) % n} for i in range(n)}
    for a, b in chords:
        nb[a].add(b)
        nb[b].add(a)
    ids = [f"r{i}" for i in range(n)]
    return W({ids[i]: [ids[j] for j in sorted(v)] for i, v in nb.items()}, silence_warnings=True), ids


def _series(ids, columns, periods=(2020,)):
    values = np.column_stack(columns)
    frame = pd.DataFrame(values, index=ids, columns=list(periods)).stack()
    frame.index.names = ["region", "period"]
    return frame


def _exact_folded(y: np.ndarray, neighbours: dict[int, list[int]], weights: dict[int, list[float]] | None = None):
    """The exact folded conditional-permutation p of the lag of every region (ties on both sides)."""
    n = y.size
    out = np.empty(n)
    for i in range(n):
        nb = neighbours[i]
        w = np.ones(len(nb)) if weights is None else np.asarray(weights[i])
        obs = float(w @ y[nb])
        others = [j for j in range(n) if j != i]
        draws = permutations(others, len(nb)) if weights is not None else combinations(others, len(nb))
        lags = np.array([float(w @ y[list(d)]) for d in draws])
        tol = 1e-9 * np.abs(w).sum() * np.abs(y).max()
        ge, le = (lags >= obs - tol).mean(), (lags <= obs + tol).mean()
        out[i] = min(ge, le)
    return out


@pytest.fixture
def states(us_states, us_queen):
    return us_states, us_queen


def test_statistic_and_z_match_esda(states):
    esda = pytest.importorskip("esda")
    g, w = states
    x = g.loc[w.id_order, ["1990", "2000"]]
    series = x.stack().rename_axis(["region", "period"])
    table = HotSpots(permutations=0, p="norm").fit(series, w).table
    from libpysal.weights import W

    lw = W(w.neighbors, id_order=list(w.id_order), silence_warnings=True)
    for period in ("1990", "2000"):
        v = x[period].to_numpy(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = esda.G_Local(v, lw, transform="R", star=True, permutations=0)
            b = esda.G_Local(v, lw, transform="B", star=True, permutations=0)
        part = table.xs(period, level="period").loc[list(w.id_order)]
        np.testing.assert_allclose(part["G"], r.Gs, rtol=1e-12)
        np.testing.assert_allclose(part["z"], b.Zs, rtol=1e-10)  # ArcGIS / Getis-Ord z
        np.testing.assert_allclose(part["p_norm"], 2 * b.p_norm, rtol=1e-10)


def test_z_by_hand_and_the_same_under_binary_weights():
    w, ids = _ring()
    y = np.array([5.0, 7, 3, 9, 4, 6, 8, 2])
    res_r = HotSpots(permutations=0, p="norm").fit(_series(ids, [y]), w).table
    res_b = HotSpots(permutations=0, p="norm", transform="b").fit(_series(ids, [y]), w).table
    n, mean, s = y.size, y.mean(), y.std()
    i = 0  # neighbours 1, 7, 4 and itself
    members = [0, 1, 7, 4]
    num = y[members].sum() - mean * 4
    z = num / (s * math.sqrt((n * 4 - 16) / (n - 1)))
    assert res_b["z"].iloc[i] == pytest.approx(z)
    assert res_r["z"].iloc[i] == pytest.approx(z)
    assert res_r["G"].iloc[i] == pytest.approx(y[members].sum() / 4 / y.sum())
    assert res_b["G"].iloc[i] == pytest.approx(y[members].sum() / y.sum())


def test_pseudo_p_matches_the_exact_permutation_distribution():
    w, ids = _ring(9, chords=((0, 4), (2, 6)))
    rng = np.random.default_rng(0)
    y = np.round(rng.normal(size=9), 3)
    P = 20000
    table = HotSpots(permutations=P, seed=7, alternative="directed").fit(_series(ids, [y]), w).table
    neighbours = {i: sorted(int(j[1:]) for j in w.neighbors[ids[i]]) for i in range(9)}
    exact = _exact_folded(y, neighbours)
    expected = (1 + P * exact) / (P + 1)
    se = np.sqrt(exact * (1 - exact) / P) + 1e-9
    assert np.all(np.abs(table["p_sim"].to_numpy() - expected) < 5 * se + 1e-4)
    two = HotSpots(permutations=P, seed=7).fit(_series(ids, [y]), w).table
    np.testing.assert_allclose(two["p_sim"], np.minimum(1, 2 * table["p_sim"]))


def test_pseudo_p_with_unequal_weights_matches_the_exact_distribution():
    from libpysal.weights import W

    ids = [f"r{i}" for i in range(7)]
    nb = {0: [1, 2], 1: [0, 3], 2: [0, 4], 3: [1, 5], 4: [2, 6], 5: [3, 6], 6: [4, 5]}
    wts = {i: [1.0 + 0.5 * k for k in range(len(v))] for i, v in nb.items()}
    w = W({ids[i]: [ids[j] for j in v] for i, v in nb.items()}, {ids[i]: wts[i] for i in nb}, silence_warnings=True)
    y = np.array([3.1, 0.4, 2.2, 5.0, 1.7, 0.9, 4.4])
    P = 20000
    table = HotSpots(permutations=P, seed=3, alternative="directed", transform="r").fit(_series(ids, [y]), w).table
    # after the self-weight (the row's largest weight) the row is standardised: the neighbours' weights in
    # proportion 1 : 1.5, which is what the exact distribution uses
    exact = _exact_folded(y, nb, wts)
    expected = (1 + P * exact) / (P + 1)
    se = np.sqrt(exact * (1 - exact) / P) + 1e-9
    assert np.all(np.abs(table["p_sim"].to_numpy() - expected) < 5 * se + 1e-4)


@pytest.mark.slow
def test_pseudo_p_agrees_with_esda_and_pygeoda(states):
    esda = pytest.importorskip("esda")
    g, w = states
    x = g.loc[w.id_order, "1990"].to_numpy(float)
    series = _series(list(w.id_order), [x], ("1990",))
    P = 9999
    P_ESDA = 2999  # esda without a warm numba cache is the slow part of this test
    ours = HotSpots(permutations=P, seed=11, alternative="directed").fit(series, w).table["p_sim"].to_numpy()
    from libpysal.weights import W

    lw = W(w.neighbors, id_order=list(w.id_order), silence_warnings=True)
    card = np.array([len(w.neighbors[i]) for i in w.id_order])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = esda.G_Local(x, lw, transform="R", star=True, permutations=P_ESDA, seed=5).p_sim
    # esda counts #{G* < G} (strict) on the low side: it is lower by up to the tie probability 1/(n-1)
    # for regions with one neighbour; elsewhere the two agree within Monte Carlo error
    se = np.sqrt(theirs * (1 - theirs) / P_ESDA + ours * (1 - ours) / P)
    tie = np.where(card == 1, 1 / (len(x) - 1), 0.0)
    assert np.all(np.abs(ours - theirs) <= 5 * se + tie + 2e-3)
    pygeoda = pytest.importorskip("pygeoda")
    frame = g.loc[w.id_order].reset_index(drop=True)
    pw = pygeoda.queen_weights(pygeoda.open(frame))
    lisa = pygeoda.local_gstar(pw, list(x), permutations=P, seed=5)
    np.testing.assert_allclose(
        np.array(lisa.lisa_values()), HotSpots(permutations=0, p="norm").fit(series, w).table["G"], rtol=1e-9
    )
    # pygeoda's pseudo p differ from esda's by up to 0.03 at 9,999 permutations (its local Moran too), lower
    # by about 0.008 on average: compared loosely
    theirs = np.array(lisa.lisa_pvalues())
    assert np.corrcoef(ours, theirs)[0, 1] > 0.99
    assert np.abs(ours - theirs).max() < 0.04 + tie.max()


def test_arcgis_classes_counts_and_fdr():
    w, ids = _ring(12, chords=())
    y1 = np.array([9.0, 10, 9.5, 8, 1, 0.5, 1.5, 2, 5, 5.5, 4, 6])
    y2 = y1[::-1].copy()
    series = _series(ids, [y1, y2], (1, 2))
    res = HotSpots(permutations=0, p="norm").fit(series, w)
    t = res.table
    z, p = t["z"].to_numpy(), t["p_norm"].to_numpy()
    level = np.select([p <= 0.01, p <= 0.05, p <= 0.10], [3, 2, 1], 0)
    np.testing.assert_array_equal(t["gi_bin"], np.sign(z) * level)
    labels = {
        3: "Hot spot (99%)",
        2: "Hot spot (95%)",
        1: "Hot spot (90%)",
        0: "Not significant",
        -1: "Cold spot (90%)",
        -2: "Cold spot (95%)",
        -3: "Cold spot (99%)",
    }
    assert list(t["cluster"].astype(str)) == [labels[b] for b in t["gi_bin"]]
    counts = res.counts
    assert counts.loc[1].sum() == 12
    assert counts.loc[1, "Hot spot (99%)"] == int((t.xs(1, level="period")["gi_bin"] == 3).sum())
    fdr = HotSpots(permutations=0, p="norm", adjust="fdr").fit(series, w).table
    assert (np.abs(fdr["gi_bin"]) <= np.abs(t["gi_bin"])).all()
    assert any("false discovery" in n for n in HotSpots(permutations=0, p="norm", adjust="fdr").fit(series, w).notes)


def test_benjamini_hochberg_matches_statsmodels():
    multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests
    rng = np.random.default_rng(2)
    p = np.concatenate([rng.uniform(size=(40, 3)) ** 3, rng.uniform(size=(40, 3))])
    valid = np.ones_like(p, dtype=bool)
    cut = benjamini_hochberg_cutoff(p, valid, 0.05)
    for t in range(3):
        reject = multipletests(p[:, t], alpha=0.05, method="fdr_bh")[0]
        np.testing.assert_array_equal(p[:, t] <= cut[t], reject)


def test_same_seed_same_numbers_and_isolated_regions():
    from libpysal.weights import W

    ids = [f"r{i}" for i in range(6)]
    w = W(
        {"r0": ["r1"], "r1": ["r0", "r2"], "r2": ["r1", "r3"], "r3": ["r2", "r4"], "r4": ["r3"], "r5": []},
        silence_warnings=True,
    )
    y = _series(ids, [np.array([1.0, 2, 3, 4, 5, 6])])
    a = HotSpots(permutations=99, seed=4).fit(y, w)
    b = HotSpots(permutations=99, seed=4).fit(y, w)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.table.loc[("r5", 2020), "cluster"] == "isolated"
    assert np.isnan(a.table.loc[("r5", 2020), "p_sim"])
    assert any("without neighbours" in n and "r5" in n for n in a.notes)
    assert isinstance(HotSpots(permutations=99).fit(y, w).settings["seed"], int)  # fresh entropy recorded


def test_bad_inputs():
    w, ids = _ring()
    y = _series(ids, [np.arange(8.0)])
    with pytest.raises(ValueError, match="p='sim' needs permutations"):
        HotSpots(permutations=0).fit(y, w)
    with pytest.raises(ValueError, match=r"absent from series: 'r7'"):
        HotSpots().fit(y.drop("r7", level="region"), w)
    with pytest.raises(InvalidParameterError, match="alternative"):
        HotSpots(alternative="greater")
    model = HotSpots()
    model.seed = -1
    with pytest.raises(InvalidParameterError, match="seed"):
        model.fit(y, w)

"""Bivariate and differential local Moran: statistics against esda and pygeoda, pseudo p against the
exact conditional-permutation distribution, GeoDa's clusters and colours."""

from __future__ import annotations

import warnings
from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from spatialcoupling._params import InvalidParameterError
from spatialcoupling.drivers import BivariateLocalMoran, DifferentialLocalMoran


@pytest.fixture
def states(us_states, us_queen):
    return us_states.loc[list(us_queen.id_order)], us_queen


def _long(frame: pd.DataFrame) -> pd.Series:
    return frame.stack().rename_axis(["region", "period"])


def _libpysal(w):
    from libpysal.weights import W

    return W(w.neighbors, id_order=list(w.id_order), silence_warnings=True)


@pytest.mark.slow
def test_bivariate_matches_esda_and_pygeoda(states):
    esda = pytest.importorskip("esda")
    g, w = states
    x = _long(g[["1990", "2000"]])
    y = _long(g[["1980", "1990"]].set_axis(["1990", "2000"], axis=1))
    P = 9999
    res = BivariateLocalMoran(permutations=P, seed=3).fit(x, y, w)
    lw = _libpysal(w)
    card = np.array([len(w.neighbors[i]) for i in w.id_order])
    for period, other in (("1990", "1980"), ("2000", "1990")):
        part = res.table.xs(period, level="period")
        xv, yv = g[period].to_numpy(float), g[other].to_numpy(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            e = esda.Moran_Local_BV(xv, yv, lw, permutations=P, seed=1)
        np.testing.assert_allclose(part["Ii"], e.Is, rtol=1e-10, atol=1e-14)
        # esda folds with #{I* < I} (strict): lower by the tie probability 1/(n-1) for one-neighbour regions
        se = np.sqrt(e.p_sim * (1 - e.p_sim) / P)
        tie = np.where(card == 1, 1 / (len(xv) - 1), 0.0)
        assert np.all(np.abs(part["p_sim"].to_numpy() - e.p_sim) <= 5 * se + tie + 2e-3)
        quadrant = np.select(
            [(e.zx > 0) & (lw.sparse @ e.zy > 0), (e.zx <= 0) & (lw.sparse @ e.zy <= 0), e.zx <= 0],
            ["HH", "LL", "LH"],
            "HL",
        )
        np.testing.assert_array_equal(part["quadrant"], quadrant)
    pygeoda = pytest.importorskip("pygeoda")
    pw = pygeoda.queen_weights(pygeoda.open(g.reset_index(drop=True)))
    lisa = pygeoda.local_bimoran(
        pw, list(g["1990"].astype(float)), list(g["1980"].astype(float)), permutations=P, seed=2
    )
    part = res.table.xs("1990", level="period")
    np.testing.assert_allclose(part["Ii"], np.array(lisa.lisa_values()), rtol=1e-9, atol=1e-12)
    theirs = np.array(lisa.lisa_pvalues())
    assert np.corrcoef(part["p_sim"], theirs)[0, 1] > 0.99
    labels = lisa.lisa_labels()  # GeoDa's: 0 ns, 1 High-High, 2 Low-Low, 3 Low-High, 4 High-Low
    geoda = {"Not significant": "ns", "High-High": "HH", "Low-Low": "LL", "Low-High": "LH", "High-Low": "HL"}
    clusters = [geoda[labels[c]] for c in lisa.lisa_clusters()]
    agree = np.mean(np.array(clusters) == part["cluster"].astype(str).to_numpy())
    assert agree >= 0.9  # only regions with p near 0.05 may differ between two random draws


def test_geoda_colours():
    from spatialcoupling.plotting.drivers import GEODA_COLORS

    assert GEODA_COLORS["HH"] == "#FF0000"
    assert GEODA_COLORS["LL"] == "#0000FF"
    assert GEODA_COLORS["LH"] == "#a7adf9"
    assert GEODA_COLORS["HL"] == "#f4ada8"
    assert GEODA_COLORS["ns"] == "#eeeeee"
    pygeoda = pytest.importorskip("pygeoda")
    import spatialcoupling as sc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = sc.datasets.load("us_states").reset_index(drop=True)
    pw = pygeoda.queen_weights(pygeoda.open(g))
    lisa = pygeoda.local_bimoran(pw, list(g["1990"].astype(float)), list(g["1980"].astype(float)), permutations=99)
    colours = dict(zip(lisa.lisa_labels(), lisa.lisa_colors(), strict=False))
    assert colours["High-High"] == GEODA_COLORS["HH"]
    assert colours["Low-High"] == GEODA_COLORS["LH"]
    assert colours["High-Low"] == GEODA_COLORS["HL"]
    assert colours["Not significant"] == GEODA_COLORS["ns"]


def test_pseudo_p_matches_the_exact_distribution():
    from libpysal.weights import W

    n = 9
    ids = [f"r{i}" for i in range(n)]
    nb = {i: sorted({(i - 1) % n, (i + 1) % n} | ({4} if i == 0 else {0} if i == 4 else set())) for i in range(n)}
    w = W({ids[i]: [ids[j] for j in v] for i, v in nb.items()}, silence_warnings=True)
    rng = np.random.default_rng(1)
    x, y = np.round(rng.normal(size=n), 3), np.round(rng.normal(size=n), 3)
    idx = pd.MultiIndex.from_product([ids, [1]], names=["region", "period"])
    P = 20000
    res = BivariateLocalMoran(permutations=P, seed=9).fit(pd.Series(x, idx), pd.Series(y, idx), w).table
    zx = (x - x.mean()) / x.std(ddof=1)
    zy = (y - y.mean()) / y.std(ddof=1)
    exact = np.empty(n)
    for i in range(n):
        k = len(nb[i])
        obs = zx[i] * zy[nb[i]].mean()
        draws = np.array([zx[i] * zy[list(c)].mean() for c in combinations([j for j in range(n) if j != i], k)])
        tol = 1e-9
        exact[i] = min((draws >= obs - tol).mean(), (draws <= obs + tol).mean())
    expected = (1 + P * exact) / (P + 1)
    se = np.sqrt(exact * (1 - exact) / P)
    assert np.all(np.abs(res["p_sim"].to_numpy() - expected) < 5 * se + 1e-4)
    np.testing.assert_allclose(res["Ii"], zx * np.array([zy[nb[i]].mean() for i in range(n)]))


def test_differential_is_the_local_moran_of_the_change(states):
    esda = pytest.importorskip("esda")
    g, w = states
    series = _long(g[["1980", "1990", "2000"]])
    P = 9999
    res = DifferentialLocalMoran(spans=[("1980", "2000"), ("1990", "2000")], permutations=P, seed=2).fit(series, w)
    assert res.periods == ["1980-2000", "1990-2000"]
    lw = _libpysal(w)
    card = np.array([len(w.neighbors[i]) for i in w.id_order])
    change = g["2000"].to_numpy(float) - g["1980"].to_numpy(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = esda.Moran_Local(change, lw, permutations=P, seed=4)
    part = res.table.xs("1980-2000", level="period")
    np.testing.assert_allclose(part["change"], change)
    np.testing.assert_allclose(part["Ii"], e.Is, rtol=1e-10)
    se = np.sqrt(e.p_sim * (1 - e.p_sim) / P)
    tie = np.where(card == 1, 1 / (len(change) - 1), 0.0)
    assert np.all(np.abs(part["p_sim"].to_numpy() - e.p_sim) <= 5 * se + tie + 2e-3)
    default = DifferentialLocalMoran(permutations=99, seed=1).fit(series, w)
    assert default.periods == ["1980-2000"]


def test_significance_rules_and_counts(states):
    g, w = states
    x = _long(g[["1990"]])
    y = _long(g[["1980"]].set_axis(["1990"], axis=1))
    base = BivariateLocalMoran(permutations=999, seed=1).fit(x, y, w)
    t = base.table
    np.testing.assert_array_equal(t["significant"], t["p_sim"] <= 0.05)
    expected = np.where(t["significant"], t["quadrant"], "ns")
    np.testing.assert_array_equal(t["cluster"].astype(str), expected)
    assert base.counts.loc["1990"].sum() == len(g)
    two = BivariateLocalMoran(permutations=999, seed=1, alternative="two-sided").fit(x, y, w).table
    np.testing.assert_allclose(two["p_sim"], np.minimum(1, 2 * t["p_sim"]))
    bonf = BivariateLocalMoran(permutations=999, seed=1, adjust="bonferroni").fit(x, y, w)
    assert bonf.cutoffs.loc["1990", "cutoff"] == pytest.approx(0.05 / len(g))
    assert bonf.table["significant"].sum() <= t["significant"].sum()


def test_bad_inputs(states):
    g, w = states
    x = _long(g[["1990"]])
    with pytest.raises(ValueError, match="different periods"):
        BivariateLocalMoran(permutations=9).fit(x, _long(g[["1980"]]), w)
    with pytest.raises(ValueError, match=r"span \('1990', '2020'\).*'2020'"):
        DifferentialLocalMoran(spans=[("1990", "2020")]).fit(_long(g[["1980", "1990"]]), w)
    with pytest.raises(InvalidParameterError, match="permutations"):
        BivariateLocalMoran(permutations=0)
    with pytest.raises(InvalidParameterError, match="spans"):
        DifferentialLocalMoran(spans="1990-2000")

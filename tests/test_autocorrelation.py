"""Global and local spatial autocorrelation checked against esda on libpysal's us_income data,
against formulas written out here, and against the null distribution of pseudo p-values."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

esda = pytest.importorskip("esda")
libpysal = pytest.importorskip("libpysal")
gpd = pytest.importorskip("geopandas")

from spatialcoupling.autocorrelation import (  # noqa: E402
    CLUSTERS,
    BivariateMoran,
    GetisOrdG,
    GlobalGeary,
    GlobalMoran,
    LocalMoran,
)

YEARS = ["1929", "1950", "1970", "1990", "2009"]
ESDA_LABELS = {"High-High": "HH", "Low-Low": "LL", "Low-High": "LH", "High-Low": "HL", "Insignificant": "ns"}


@pytest.fixture(scope="module")
def us48():
    gdf = gpd.read_file(libpysal.examples.get_path("us48.shp")).set_index("STATE_NAME", drop=False)
    income = pd.read_csv(libpysal.examples.get_path("usjoin.csv")).set_index("Name")
    return gdf, income


def queen(gdf, transform="O"):
    w = libpysal.weights.Queen.from_dataframe(
        gdf, ids=gdf["STATE_NAME"].tolist(), use_index=False, silence_warnings=True
    )
    w.transform = transform
    return w


@pytest.fixture(scope="module")
def panel(us48):
    gdf, income = us48
    wide = income.loc[gdf["STATE_NAME"], YEARS].astype(float)
    s = wide.stack()
    s.index.names = ["region", "period"]
    s.name = "income"
    return s


@pytest.fixture(scope="module")
def lisa(us48, panel):
    return LocalMoran(permutations=999, seed=7).fit(panel, queen(us48[0]))


def values(panel, year, w):
    return panel.xs(year, level="period").loc[w.id_order].to_numpy()


# --------------------------------------------------------------------- global
def test_global_moran_equals_esda(us48, panel):
    w = queen(us48[0])
    res = GlobalMoran(permutations=99, seed=1).fit(panel, w)
    assert w.transform == "O", "fit must not change the caller's weights"
    wr = queen(us48[0], "r")
    for year in YEARS:
        m = esda.Moran(values(panel, year, wr), wr, permutations=0)
        row = res.table.loc[year]
        for ours, theirs in [
            ("I", "I"),
            ("EI", "EI"),
            ("VI_norm", "VI_norm"),
            ("VI_rand", "VI_rand"),
            ("z_norm", "z_norm"),
            ("z_rand", "z_rand"),
            ("p_norm", "p_norm"),
            ("p_rand", "p_rand"),
        ]:
            assert row[ours] == pytest.approx(getattr(m, theirs), abs=1e-10, rel=1e-9), ours
        assert 0 < row["p_sim"] <= 1


def test_global_moran_one_tailed_and_permutation_p(us48, panel):
    w = queen(us48[0])
    one = GlobalMoran(permutations=199, seed=3, two_tailed=False).fit(panel, w).table
    wr = queen(us48[0], "r")
    m = esda.Moran(values(panel, "1990", wr), wr, permutations=0, two_tailed=False)
    assert one.loc["1990", "p_norm"] == pytest.approx(m.p_norm, abs=1e-12)
    again = GlobalMoran(permutations=199, seed=3, two_tailed=False).fit(panel, w).table
    pd.testing.assert_series_equal(one["p_sim"], again["p_sim"])
    # strong autocorrelation: no permuted I reaches the observed one
    assert (one["p_sim"] == 1 / 200).all()
    assert one["EI_sim"].abs().max() < 0.1


def test_geary_equals_esda(us48, panel):
    res = GlobalGeary(permutations=0, two_tailed=False).fit(panel, queen(us48[0])).table  # esda: one-tailed
    wr = queen(us48[0], "r")
    for year in YEARS:
        g = esda.Geary(values(panel, year, wr), wr, permutations=0)
        for col in ("C", "VC_norm", "VC_rand", "z_norm", "z_rand", "p_norm", "p_rand"):
            assert res.loc[year, col] == pytest.approx(getattr(g, col), abs=1e-10, rel=1e-9), col


def test_getis_ord_g_equals_esda(us48, panel):
    res = GetisOrdG(permutations=0, two_tailed=False).fit(panel, queen(us48[0])).table
    wb = queen(us48[0], "B")
    for year in YEARS:
        g = esda.G(values(panel, year, wb), wb, permutations=0)
        for col in ("G", "EG", "VG", "z_norm", "p_norm"):
            assert res.loc[year, col] == pytest.approx(getattr(g, col), abs=1e-10, rel=1e-9), col


def test_getis_ord_g_needs_positive_values(us48, panel):
    bad = panel.copy()
    bad.loc[("Texas", "1970")] = -1.0
    with pytest.raises(ValueError, match="Texas"):
        GetisOrdG().fit(bad, queen(us48[0]))


def test_bivariate_moran_equals_esda(us48, panel):
    w = queen(us48[0])
    x = panel
    y = panel.groupby(level="region").shift(-1).fillna(panel)  # another variable on the same cells
    res = BivariateMoran(permutations=99, seed=1).fit(x, y, w).table
    wr = queen(us48[0], "r")
    for year in YEARS:
        bv = esda.Moran_BV(values(x, year, wr), values(y, year, wr), wr, permutations=0)
        assert res.loc[year, "I"] == pytest.approx(bv.I, abs=1e-10)
    assert res["p_sim"].between(0, 1).all()


# --------------------------------------------------------------------- local
def test_local_moran_statistics_equal_esda(us48, panel, lisa):
    wr = queen(us48[0], "r")
    for year in YEARS:
        lm = esda.Moran_Local(values(panel, year, wr), wr, permutations=0)
        tab = lisa.table.xs(year, level="period").loc[wr.id_order]
        np.testing.assert_allclose(tab["Ii"], lm.Is, atol=1e-10)
        np.testing.assert_allclose(tab["z"], lm.z, atol=1e-10)
        np.testing.assert_allclose(tab["lag"], libpysal.weights.lag_spatial(wr, lm.z), atol=1e-10)
        quad = pd.Series(lm.q).map({1: "HH", 2: "LH", 3: "LL", 4: "HL"}).to_numpy()
        assert (tab["quadrant"].to_numpy() == quad).all()


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_cluster_labels_agree_with_esda(us48, panel):
    # esda 2.x's default rule ('directed', as GeoDa) with p < alpha
    res = LocalMoran(permutations=999, seed=11, alternative="directed").fit(panel, queen(us48[0]))
    wr = queen(us48[0], "r")
    agree = []
    for year in YEARS:
        lm = esda.Moran_Local(values(panel, year, wr), wr, permutations=999, seed=5)
        theirs = pd.Series(lm.get_cluster_labels(0.05)).map(ESDA_LABELS).to_numpy()
        ours = res.table.xs(year, level="period").loc[wr.id_order, "cluster"].astype(str).to_numpy()
        agree.append((theirs == ours).mean())
        diff = np.abs(res.table.xs(year, level="period").loc[wr.id_order, "p_sim"] - lm.p_sim)
        assert diff.max() < 0.1
        assert diff.mean() < 0.02
    assert np.mean(agree) >= 0.95, agree


def test_p_sim_reproducible_and_independent_of_n_jobs(us48, panel):
    w = queen(us48[0])
    a = LocalMoran(permutations=199, seed=42).fit(panel, w).table
    b = LocalMoran(permutations=199, seed=42).fit(panel, w).table
    c = LocalMoran(permutations=199, seed=43).fit(panel, w).table
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["p_sim"], c["p_sim"])
    d = LocalMoran(permutations=199, seed=42, n_jobs=2).fit(panel, w).table
    pd.testing.assert_frame_equal(a, d)


def test_seed_none_is_recorded_and_reproduces(us48, panel):
    w = queen(us48[0])
    first = LocalMoran(permutations=99).fit(panel, w)
    seed = first.settings["seed"]
    assert isinstance(seed, int)
    again = LocalMoran(permutations=99, seed=seed).fit(panel, w)
    pd.testing.assert_series_equal(first.table["p_sim"], again.table["p_sim"])


def test_pseudo_p_has_nominal_size_under_the_null():
    """On a 20x20 lattice with independent values, about 5% of p <= 0.05 (two-sided),
    about 10% with the directed (GeoDa) rule, and p_sim matches the exact permutation
    distribution of a region's lag."""
    w = libpysal.weights.lat2W(20, 20, rook=False)
    rng = np.random.default_rng(0)
    periods = 12
    vals = rng.normal(size=(w.n, periods))
    s = pd.DataFrame(vals, index=w.id_order, columns=range(periods)).stack()
    s.index.names = ["region", "period"]
    two = LocalMoran(permutations=499, seed=1, alternative="two-sided").fit(s, w).table["p_sim"]
    directed = LocalMoran(permutations=499, seed=1).fit(s, w).table["p_sim"]
    n = len(two)  # 4800 region-periods
    tol = 4 * np.sqrt(0.05 * 0.95 / n) + 0.01  # generous: neighbouring p-values are correlated
    assert abs((two <= 0.05).mean() - 0.05) < tol
    assert abs((directed <= 0.05).mean() - 0.10) < 2 * tol
    assert abs(two.mean() - 0.5) < 0.03


def test_pseudo_p_matches_exact_enumeration():
    """A region with one neighbour among 6 regions: the exact two-sided permutation p is a
    simple count over the 5 other regions; 9999 draws must get close to it."""
    ids = list(range(6))
    neighbors = {0: [1], 1: [0, 2], 2: [1, 3], 3: [2, 4], 4: [3, 5], 5: [4]}
    w = libpysal.weights.W(neighbors, id_order=ids, silence_warnings=True)
    y = np.array([3.0, 2.5, -1.0, 0.2, -2.0, 0.4])
    s = pd.Series(y, index=pd.MultiIndex.from_product([ids, [2000]], names=["region", "period"]))
    tab = LocalMoran(permutations=9999, seed=2, alternative="two-sided").fit(s, w).table
    z = (y - y.mean()) / y.std()
    # region 0: lag = z[1]; the null draws its single neighbour uniformly from regions 1..5
    exact = np.mean(np.abs(z[0] * z[1:]) >= abs(z[0] * z[1]) - 1e-12)
    assert tab.loc[(0, 2000), "p_sim"] == pytest.approx(exact, abs=0.02)


@pytest.mark.parametrize("weights", [(0.5, 0.5), (0.8, 0.2)])
def test_pseudo_p_matches_exact_enumeration_two_neighbours(weights):
    """Region 2 with neighbours 1 and 3 (equal weights: prefix-sum path; unequal: matrix path):
    the exact p averages over all ordered pairs of distinct other regions."""
    from itertools import permutations as perms

    ids = list(range(7))
    neighbors = {0: [1], 1: [0, 2], 2: [1, 3], 3: [2, 4], 4: [3, 5], 5: [4, 6], 6: [5]}
    wdict = {i: [1.0] * len(v) for i, v in neighbors.items()}
    wdict[2] = list(weights)
    w = libpysal.weights.W(neighbors, wdict, id_order=ids, silence_warnings=True)
    y = np.array([1.0, 2.5, -1.5, 0.3, -2.0, 0.4, 1.1])
    s = pd.Series(np.repeat(y, 2), index=pd.MultiIndex.from_product([ids, [2000, 2001]], names=["region", "period"]))
    tab = LocalMoran(permutations=9999, seed=4, transform=None, alternative="two-sided").fit(s, w).table
    z = (y - y.mean()) / y.std()
    a, b = weights
    obs = abs(a * z[1] + b * z[3])
    others = [j for j in ids if j != 2]
    draws = [abs(a * z[i] + b * z[j]) >= obs - 1e-12 for i, j in perms(others, 2)]
    exact = np.mean(draws)
    assert tab.loc[(2, 2000), "p_sim"] == pytest.approx(exact, abs=0.02)
    assert tab.loc[(2, 2000), "lag"] == pytest.approx(a * z[1] + b * z[3], abs=1e-12)


def test_self_weight_stays_with_the_region():
    """A weight of a region on itself (kernel weights) is not permuted: exact enumeration."""
    ids = list(range(6))
    neighbors = {0: [0, 1], 1: [0, 2], 2: [1, 3], 3: [2, 4], 4: [3, 5], 5: [4]}
    weights = {0: [0.5, 0.5], 1: [1.0, 1.0], 2: [1.0, 1.0], 3: [1.0, 1.0], 4: [1.0, 1.0], 5: [1.0]}
    w = libpysal.weights.W(neighbors, weights, id_order=ids, silence_warnings=True)
    y = np.array([3.0, 2.5, -1.0, 0.2, -2.0, 0.4])
    s = pd.Series(y, index=pd.MultiIndex.from_product([ids, [2000]], names=["region", "period"]))
    tab = LocalMoran(permutations=9999, seed=5, transform=None, alternative="two-sided").fit(s, w).table
    z = (y - y.mean()) / y.std()
    lag_all = 0.5 * z[0] + 0.5 * z[1:]
    obs = 0.5 * z[0] + 0.5 * z[1]
    assert tab.loc[(0, 2000), "lag"] == pytest.approx(obs, abs=1e-12)
    exact = np.mean(np.abs(lag_all) >= abs(obs) - 1e-12)
    assert tab.loc[(0, 2000), "p_sim"] == pytest.approx(exact, abs=0.02)


def test_exact_conditional_moments_by_enumeration():
    """EI_perm and z_perm use the exact mean and variance of Ii over all equally likely
    neighbour draws; enumerate them for region 2 (neighbours 1 and 3) of a 7-region chain."""
    from itertools import permutations as perms

    ids = list(range(7))
    neighbors = {0: [1], 1: [0, 2], 2: [1, 3], 3: [2, 4], 4: [3, 5], 5: [4, 6], 6: [5]}
    w = libpysal.weights.W(neighbors, id_order=ids, silence_warnings=True)
    y = np.array([1.0, 2.5, -1.5, 0.3, -2.0, 0.4, 1.1])
    s = pd.Series(y, index=pd.MultiIndex.from_product([ids, [2000]], names=["region", "period"]))
    tab = LocalMoran(permutations=99, seed=1).fit(s, w).table
    z = (y - y.mean()) / y.std()
    others = [j for j in ids if j != 2]
    scale = 6 * z[2] / np.sum(z**2)
    values = np.array([scale * 0.5 * (z[a] + z[b]) for a, b in perms(others, 2)])
    row = tab.loc[(2, 2000)]
    assert row["EI_perm"] == pytest.approx(values.mean(), abs=1e-12)
    assert row["z_perm"] == pytest.approx((row["Ii"] - values.mean()) / values.std(), abs=1e-10)


def test_counts_and_transitions(lisa):
    counts = lisa.counts
    assert list(counts.columns) == list(CLUSTERS)
    assert (counts.sum(axis=1) == 48).all()
    tab = lisa.table
    for year in YEARS:
        expected = tab.xs(year, level="period")["cluster"].astype(str).value_counts()
        for c in CLUSTERS:
            assert counts.loc[year, c] == expected.get(c, 0)
    tr = lisa.transitions("1929", "2009")
    assert tr.matrix.to_numpy().sum() == 48
    a = tab.xs("1929", level="period")["cluster"].astype(str)
    b = tab.xs("2009", level="period")["cluster"].astype(str)
    assert tr.matrix.loc["HH", "HH"] == ((a == "HH") & (b == "HH")).sum()
    assert tr.table["changed"].sum() == (a != b).sum()
    assert np.trace(tr.matrix.to_numpy()) == (a == b).sum()


def test_cluster_rule_is_p_le_alpha(lisa):
    tab = lisa.table
    sig = tab["p_sim"] <= 0.05
    assert (tab["significant"] == sig).all()
    assert (tab.loc[~sig, "cluster"].astype(str) == "ns").all()
    assert (tab.loc[sig, "cluster"].astype(str) == tab.loc[sig, "quadrant"]).all()


def test_bonferroni_and_fdr(us48, panel):
    w = queen(us48[0])
    raw = LocalMoran(permutations=9999, seed=3).fit(panel, w).table
    bonf = LocalMoran(permutations=9999, seed=3, adjust="bonferroni").fit(panel, w)
    fdr = LocalMoran(permutations=9999, seed=3, adjust="fdr").fit(panel, w)
    np.testing.assert_array_equal(raw["p_sim"], bonf.table["p_sim"])
    assert (bonf.table["significant"] == (raw["p_sim"] <= 0.05 / 48)).all()
    for year in YEARS:
        p = raw.xs(year, level="period")["p_sim"]
        m = len(p)
        # Benjamini-Hochberg written out: reject p_(1..k) with k the largest rank where p_(k) <= k*alpha/m
        ranks = p.rank(method="first").astype(int)
        ok = [r for r in range(1, m + 1) if np.sort(p.to_numpy())[r - 1] <= r * 0.05 / m]
        k = max(ok) if ok else 0
        threshold = np.sort(p.to_numpy())[k - 1] if k else -1
        expected = p <= threshold
        got = fdr.table.xs(year, level="period")["significant"]
        assert (got == expected).all(), year
        assert ranks.max() == m
    assert fdr.table["significant"].sum() >= bonf.table["significant"].sum()


def test_adjustment_warns_when_cutoff_unattainable(us48, panel):
    with pytest.warns(UserWarning, match=r"1/\(permutations\+1\)"):
        res = LocalMoran(permutations=99, seed=1, adjust="bonferroni").fit(panel, queen(us48[0]))
    assert not res.table["significant"].any()
    assert any("bonferroni" in n for n in res.notes)


def test_islands_are_isolated(us48):
    gdf = us48[0]
    ids = ["a", "b", "c", "d", "e", "f"]
    neighbors = {"a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c", "e"], "e": ["d"], "f": []}
    w = libpysal.weights.W(neighbors, id_order=ids, silence_warnings=True)
    rng = np.random.default_rng(1)
    s = pd.Series(rng.normal(size=12), index=pd.MultiIndex.from_product([ids, [1, 2]], names=["region", "period"]))
    res = LocalMoran(permutations=99, seed=1).fit(s, w)
    f = res.table.xs("f", level="region")
    assert (f["cluster"].astype(str) == "isolated").all()
    assert f["p_sim"].isna().all()
    assert any("'f'" in n for n in res.notes)
    assert res.counts["isolated"].tolist() == [1, 1]
    assert len(gdf) == 48


def test_gi_star_equals_esda(us48, panel):
    res = LocalMoran(permutations=99, seed=1, gi_star=True).fit(panel, queen(us48[0])).table
    wb = queen(us48[0], "B")
    for year in ("1929", "2009"):
        g = esda.G_Local(values(panel, year, wb), wb, transform="B", star=True, permutations=0)
        np.testing.assert_allclose(res.xs(year, level="period").loc[wb.id_order, "Gi_star"], g.Zs, atol=1e-10)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_local_geary_equals_esda(us48, panel):
    # integer ids 0..47: esda's Geary_Local returns its values in sorted-id order
    gdf = us48[0].reset_index(drop=True)
    names = gdf["STATE_NAME"].tolist()
    w_int = libpysal.weights.Queen.from_dataframe(gdf, use_index=True, silence_warnings=True)
    s_int = panel.rename(index={name: i for i, name in enumerate(names)}, level="region")
    res = LocalMoran(permutations=999, seed=2, local_geary=True, alternative="directed").fit(s_int, w_int).table
    wr = libpysal.weights.Queen.from_dataframe(gdf, use_index=True, silence_warnings=True)
    for year in ("1929", "2009"):
        y = s_int.xs(year, level="period").loc[wr.id_order].to_numpy()
        lg = esda.Geary_Local(connectivity=wr, permutations=999, labels=True).fit(y)
        tab = res.xs(year, level="period").loc[wr.id_order]
        np.testing.assert_allclose(tab["geary"], lg.localG, atol=1e-10)
        diff = np.abs(tab["p_geary"].to_numpy() - lg.p_sim)
        assert diff.mean() < 0.02
        assert diff.max() < 0.1
        # esda label 2 = low values in a low neighbourhood (positive association), significant
        ll = tab["geary_cluster"].astype(str) == "LL"
        assert ((lg.labs == 2) == ll.to_numpy()).mean() >= 0.9


def test_local_geary_exact_enumeration():
    ids = list(range(6))
    neighbors = {0: [1], 1: [0, 2], 2: [1, 3], 3: [2, 4], 4: [3, 5], 5: [4]}
    w = libpysal.weights.W(neighbors, id_order=ids, silence_warnings=True)
    y = np.array([3.0, 2.5, -1.0, 0.2, -2.0, 0.4])
    s = pd.Series(y, index=pd.MultiIndex.from_product([ids, [2000]], names=["region", "period"]))
    tab = LocalMoran(permutations=9999, seed=2, local_geary=True, alternative="two-sided").fit(s, w).table
    z = (y - y.mean()) / y.std()
    c_all = (z[0] - z[1:]) ** 2  # the five equally likely values under the null
    obs = (z[0] - z[1]) ** 2
    assert tab.loc[(0, 2000), "geary"] == pytest.approx(obs, abs=1e-12)
    exact = np.mean(np.abs(c_all - c_all.mean()) >= abs(obs - c_all.mean()) - 1e-12)
    assert tab.loc[(0, 2000), "p_geary"] == pytest.approx(exact, abs=0.02)
    # the default (directed, GeoDa) rule: the smaller tail, ties counted on both sides
    directed = LocalMoran(permutations=9999, seed=2, local_geary=True).fit(s, w).table
    tail = min(np.mean(c_all >= obs - 1e-12), np.mean(c_all <= obs + 1e-12))
    assert directed.loc[(0, 2000), "p_geary"] == pytest.approx(tail, abs=0.02)


def test_result_is_immutable_and_input_untouched(us48, panel, lisa):
    before = panel.copy()
    LocalMoran(permutations=99, seed=1).fit(panel, queen(us48[0]))
    pd.testing.assert_series_equal(panel, before)
    with pytest.raises(AttributeError):
        lisa.settings = {}
    assert "income" in lisa.summary()


# --------------------------------------------------------------------- bad input
def test_regions_not_matching_weights_are_listed(us48, panel):
    w = queen(us48[0])
    dropped = panel.drop("Ohio", level="region")
    renamed = panel.rename(index={"Texas": "Texass"}, level="region")
    with pytest.raises(ValueError, match="Ohio"):
        LocalMoran().fit(dropped, w)
    with pytest.raises(ValueError, match=r"Texas.*Texass|Texass.*Texas") as err:
        GlobalMoran().fit(renamed, w)
    assert "absent from the series" in str(err.value)
    assert "absent from w.id_order" in str(err.value)


def test_ids_match_as_text():
    """Weights with ids 0..4 and a series with ids "0".."4" are the same regions (as in
    match_regions); the table keeps the series' spelling and a note says how they matched."""
    w = libpysal.weights.lat2W(1, 5)
    y = np.array([1.0, 3.0, 2.0, 5.0, 4.0])
    s = pd.Series(y, index=pd.MultiIndex.from_product([[str(i) for i in range(5)], [1]]))
    res = LocalMoran(permutations=99, seed=1).fit(s, w)
    assert res.regions == ["0", "1", "2", "3", "4"]
    assert any("text form" in n and "'0' ↔ 0" in n for n in res.notes)
    z = (y - y.mean()) / y.std()
    lag = np.array([z[1], (z[0] + z[2]) / 2, (z[1] + z[3]) / 2, (z[2] + z[4]) / 2, z[3]])  # row-standardised chain
    np.testing.assert_allclose(res.table["lag"], lag, atol=1e-12)
    glob = GlobalMoran(permutations=0).fit(s, w)
    assert glob.table.loc[1, "I"] == pytest.approx(5 / 5 * (z @ lag) / (z @ z), abs=1e-12)
    assert any("text form" in n for n in glob.notes)


def test_one_region_spelled_twice_is_refused():
    w = libpysal.weights.lat2W(1, 5)
    ids = [0, "0", 2, 3, 4]
    s = pd.Series(np.arange(5.0), index=pd.MultiIndex.from_arrays([ids, [1] * 5]))
    with pytest.raises(ValueError, match=r"0, '0'.*one region twice"):
        LocalMoran(permutations=9).fit(s, w)


def test_nan_names_region_and_period(us48, panel):
    bad = panel.copy()
    bad.loc[("Iowa", "1950")] = np.nan
    with pytest.raises(ValueError, match=r"Iowa.*1950"):
        LocalMoran().fit(bad, queen(us48[0]))


def test_constant_period_is_rejected(us48, panel):
    bad = panel.copy()
    bad.loc[pd.IndexSlice[:, "1970"]] = 5.0
    for model in (LocalMoran(), GlobalMoran()):
        with pytest.raises(ValueError, match=r"constant.*'1970'.*undefined"):
            model.fit(bad, queen(us48[0]))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"permutations": 0}, "permutations"),
        ({"permutations": 9.5}, "permutations"),
        ({"alpha": 1.5}, "alpha"),
        ({"adjust": "holm"}, "adjust"),
        ({"alternative": "greater"}, "alternative"),
        ({"transform": "x"}, "transform"),
        ({"seed": "abc"}, "seed"),
        ({"n_jobs": 0}, "n_jobs"),
    ],
)
def test_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LocalMoran(**kwargs)


def test_bad_weights_and_period(lisa, panel):
    with pytest.raises(TypeError, match="libpysal W"):
        LocalMoran().fit(panel, np.eye(3))
    with pytest.raises(ValueError, match="1931"):
        lisa.transitions("1929", "1931")


def test_no_warning_for_plain_fit(us48, panel):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LocalMoran(permutations=99, seed=1).fit(panel, queen(us48[0]))


# --------------------------------------------------------------------- properties
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_LATTICE = libpysal.weights.lat2W(4, 5)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False), min_size=20, max_size=20).filter(
        lambda v: np.std(v) > 1e-3 * (1 + np.max(np.abs(v)))
    ),
    scale=st.floats(0.01, 100),
    shift=st.floats(-100, 100),
)
def test_lisa_properties(values, scale, shift):
    """Sum of Ii = (n - 1) * global I (row-standardised W); an increasing affine map of the
    values changes nothing; a decreasing one swaps HH<->LL and LH<->HL with the same p."""
    ids = _LATTICE.id_order
    y = np.asarray(values)
    s = pd.Series(y, index=pd.MultiIndex.from_product([ids, [1]], names=["region", "period"]))
    model = LocalMoran(permutations=99, seed=3)
    base = model.fit(s, _LATTICE).table
    I = GlobalMoran(permutations=0).fit(s, _LATTICE).table.loc[1, "I"]  # noqa: E741
    assert base["Ii"].sum() == pytest.approx(19 * I, rel=1e-9, abs=1e-9)
    up = model.fit(s * scale + shift, _LATTICE).table
    np.testing.assert_allclose(up["Ii"], base["Ii"], rtol=1e-6, atol=1e-8)
    assert (up["p_sim"] == base["p_sim"]).mean() >= 0.95  # ties at rounding level may move
    down = model.fit(-s, _LATTICE).table
    swap = {"HH": "LL", "LL": "HH", "LH": "HL", "HL": "LH"}
    np.testing.assert_allclose(down["Ii"], base["Ii"], rtol=1e-9, atol=1e-9)
    assert (down["quadrant"].map(swap) == base["quadrant"]).mean() >= 0.95


def test_libpysal_graph_gives_the_same_numbers(us48, panel):
    from libpysal.graph import Graph

    gdf = us48[0]
    g = Graph.build_contiguity(gdf.set_index("STATE_NAME"), rook=False)
    a = LocalMoran(permutations=99, seed=1).fit(panel, queen(gdf)).table
    b = LocalMoran(permutations=99, seed=1).fit(panel, g).table
    pd.testing.assert_frame_equal(a, b)


def test_unbalanced_and_period_mismatch(us48, panel):
    w = queen(us48[0])
    with pytest.raises(ValueError, match=r"unbalanced.*Utah"):
        LocalMoran().fit(panel.drop(("Utah", "1950")), w)
    other = panel.drop("2009", level="period")
    with pytest.raises(ValueError, match="2009"):
        BivariateMoran(permutations=9).fit(panel, other, w)


@pytest.mark.parametrize("two_sided", [True, False])
def test_block_counts_equal_brute_force(two_sided):
    """The shortcut for permutations whose draws miss the block equals counting every permuted
    lag by direct gather (region i takes draw j as j + (j >= i))."""
    from spatialcoupling.autocorrelation._permutation import _block_counts, _draw_distinct

    rng = np.random.default_rng(0)
    n, T, k, P = 200, 3, 4, 500
    z = rng.normal(size=(n, T))
    for rows in (np.arange(10, 60), np.arange(150, 199), np.arange(0, 200 - 1)):
        weight = np.full(len(rows), 1.0 / k)
        lag = rng.normal(scale=0.5, size=(len(rows), T))
        draws = _draw_distinct(rng, P, k, n - 1)
        tol = np.full((1, len(rows), 1), 1e-10)
        got = _block_counts(rows, weight, z, lag, draws, tol, two_sided, {})
        idx = draws[None, :, :] + (draws[None, :, :] >= rows[:, None, None])  # (c, P, k)
        sim = z[idx].sum(axis=2) * weight[:, None, None]  # (c, P, T)
        if two_sided:
            expected = (np.abs(sim) >= np.abs(lag)[:, None, :] - 1e-9).sum(axis=1)
        else:
            ge = (sim >= lag[:, None, :] - 1e-9).sum(axis=1)
            le = (sim <= lag[:, None, :] + 1e-9).sum(axis=1)
            expected = np.minimum(ge, le)
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("transform", [lambda y: y, lambda y: 0.001 * y + 1, lambda y: 1000 * y - 7])
def test_global_pseudo_p_with_ties_does_not_depend_on_units(transform):
    """2x2 rook lattice, values (1, 2, 2, 1): I = -1 and a third of all permutations tie it.

    The exact folded p over the 24 equally likely permutations counts ties on both sides;
    the pseudo p must approach it for y and for any affine rescaling of y (before, rounding
    decided whether a tie counted, giving 0.01 for y and 0.27 for 0.001 y + 1)."""
    from itertools import permutations as perms

    w = libpysal.weights.lat2W(2, 2)
    ids = list(w.id_order)
    y = np.array([1.0, 2.0, 2.0, 1.0])
    s = pd.Series(transform(y), index=pd.MultiIndex.from_product([ids, [2000]], names=["region", "period"]))
    res = GlobalMoran(permutations=9999, seed=3).fit(s, w).table.iloc[0]
    W = w.full()[0] / w.full()[0].sum(axis=1, keepdims=True)

    def moran(v):
        z = v - v.mean()
        return len(v) / W.sum() * z @ W @ z / (z @ z)

    obs = moran(y)
    stats_ = np.array([moran(y[list(p)]) for p in perms(range(4))])
    exact = min(np.mean(stats_ >= obs - 1e-9), np.mean(stats_ <= obs + 1e-9))
    assert res["I"] == pytest.approx(obs, abs=1e-9)
    assert exact == pytest.approx(1 / 3)
    assert res["p_sim"] == pytest.approx(exact, abs=0.02)


def test_lisa_default_is_the_folded_geoda_rule(us48, panel):
    """The default pseudo p is the folded (directed) rule of GeoDa, esda and spdep."""
    w = queen(us48[0])
    default = LocalMoran(permutations=99, seed=7).fit(panel, w)
    directed = LocalMoran(permutations=99, seed=7, alternative="directed").fit(panel, w)
    assert default.settings["alternative"] == "directed"
    pd.testing.assert_series_equal(default.table["p_sim"], directed.table["p_sim"])


def test_result_settings_are_read_only(us48, panel):
    w = queen(us48[0])
    lisa = LocalMoran(permutations=99, seed=7).fit(panel, w)
    moran = GlobalMoran(permutations=99, seed=7).fit(panel, w)
    for res in (lisa, moran):
        with pytest.raises(TypeError):
            res.settings["permutations"] = 5
    with pytest.raises(TypeError):
        lisa.settings["alpha"] = 5.0


def test_moran_and_lisa_agree_with_frozen_spdep_numbers(us_income, us_queen):
    """R spdep 1.2-7 on the US state incomes (queen, row-standardised), frozen with
    tests/reference/spdep_us_income.R: global I and its randomisation variance to 1e-10,
    local Ii up to spdep's n/(n - 1) scaling, and the default pseudo p equal to spdep's
    "Pr(folded) Sim" up to Monte Carlo noise (9999 draws on both sides)."""
    ref = pd.read_csv(Path(__file__).parent / "reference" / "spdep_us_income.csv").set_index(["region", "period"])
    income = us_income
    y = income[income.index.get_level_values("period").isin([1929, 1969, 2009])]
    w = us_queen
    glob = GlobalMoran(permutations=0).fit(y, w).table
    first = ref.groupby("period")[["I_global", "VI_rand"]].first()
    np.testing.assert_allclose(glob["I"], first["I_global"], atol=1e-10)
    np.testing.assert_allclose(glob["VI_rand"], first["VI_rand"], atol=1e-10)
    local = LocalMoran(permutations=9999, seed=1).fit(y, w).table
    joined = local.join(ref.rename(columns={"Ii": "Ii_spdep"}), how="inner")
    assert len(joined) == 144
    n = 48
    np.testing.assert_allclose(joined["Ii"], joined["Ii_spdep"] * (n - 1) / n, atol=1e-10)
    diff = (joined["p_sim"] - joined["p_folded_sim"]).abs()
    assert diff.mean() < 0.015
    assert diff.max() < 0.05

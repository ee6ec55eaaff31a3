"""Geographic detector: q by hand, the published example of the ``geodetector`` package, discretisation
against mapclassify and brute force, OPGD, interaction types, risk and ecological detectors."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from spatialcoupling._params import InvalidParameterError
from spatialcoupling.drivers import GeoDetector
from spatialcoupling.drivers._breaks import breaks, classify, natural_breaks
from spatialcoupling.drivers.detector import INTERACTIONS, interaction_type, q_statistic

# The example data set shipped with the ``geodetector`` package 0.2.0 on PyPI (MIT licence),
# ``geodetector/dataset/data/disease.csv``: incidence of a disease in 185 units with three
# categorical factors (type, region, level), one "incidence,type,region,level" row per item.
DISEASE = """
    5.94,7,5,5 5.87,5,5,5 5.92,5,5,5 6.32,1,7,1 6.49,3,2,4 6.46,3,2,4 6.51,3,2,4 6.7,3,2,4 6.68,3,2,4 6.65,3,2,4
    6.65,3,2,4 6.6,3,2,4 6.66,3,2,4 5.86,5,5,5 6.93,3,2,4 6.5,3,2,4 6.37,3,2,4 6.64,3,2,4 6.43,7,9,1 7.01,2,9,1
    6.77,2,9,1 6.36,7,9,1 6.44,7,9,3 6.52,7,9,1 5.83,5,6,7 6.32,7,9,1 6.33,7,9,1 6.46,7,9,1 6.63,7,9,6
    6.53,3,9,1 6.59,7,9,4 6.58,2,9,1 6.63,3,9,6 6.61,2,9,1 7.04,3,9,4 5.89,5,6,5 6.57,2,9,1 6.53,3,9,4
    6.58,3,9,4 6.53,3,9,1 6.55,3,9,4 6.57,2,9,1 6.57,1,7,1 6.49,2,7,4 6.56,2,9,4 6.57,1,7,1 5.97,5,6,5
    6.54,2,7,4 6.71,3,9,6 6.58,3,9,1 6.63,7,9,6 7.42,3,2,6 6.71,3,4,1 6.82,3,2,6 6.56,3,2,6 6.82,3,2,6
    5.86,5,6,7 6.8,3,2,6 7.74,3,2,6 6.92,3,2,6 6.75,3,2,6 7.06,3,2,6 7.1,3,2,6 6.69,3,4,6 6.81,3,2,6 6.99,3,2,6
    6.79,3,2,6 5.98,5,6,5 7.01,3,2,6 7.2,3,2,6 6.95,3,2,4 6.74,3,4,6 6.77,3,4,1 6.73,3,4,6 6.57,7,3,3 7.55,7,3,3
    6.04,1,6,5 6.28,7,3,3 6.38,7,3,3 6.21,7,3,3 6.33,7,3,3 6.19,7,3,3 6.45,7,3,2 6.19,7,3,2 6.14,7,3,2 6.2,7,3,2
    6.14,3,3,2 5.95,1,5,5 6.27,7,3,3 6.14,3,3,2 6.18,7,1,2 6.09,7,1,2 6.04,7,1,3 6.01,7,5,2 6.01,7,5,3
    6.09,7,1,3 5.85,5,6,5 5.88,7,5,5 5.8,5,6,7 5.78,5,6,7 5.7,5,6,7 5.82,5,6,7 5.73,5,6,7 5.79,5,6,7 5.8,5,6,7
    6.45,1,8,3 6.47,1,8,3 6.11,3,8,1 5.98,7,5,5 6.12,1,8,3 6.15,1,8,1 6.04,3,8,1 6.06,3,8,3 5.95,3,8,1
    6.09,3,8,1 6.11,3,8,1 6.27,1,8,1 6.28,1,8,1 6.28,1,8,1 5.96,1,5,5 6.23,1,8,1 6.53,1,8,1 6.25,1,8,3
    6.14,3,1,3 6.48,3,1,3 6.02,1,1,3 6.03,1,1,3 6.13,3,1,3 6.07,3,1,3 6.09,3,1,3 5.66,5,5,5 6.2,3,1,1 6.13,1,1,3
    5.99,1,1,3 6.13,1,1,1 6.01,7,1,3 6.11,1,1,3 6.17,1,1,1 6.19,3,1,1 6.18,1,1,3 6.09,1,1,3 5.74,5,5,5
    6.19,7,1,3 6.29,1,1,3 6.25,1,1,1 6.24,1,1,1 6.33,3,1,1 6.23,3,1,3 6.35,1,8,1 6.32,1,1,1 6.37,1,1,1
    6.21,1,1,1 5.88,5,5,5 6.2,1,1,1 6.58,1,8,1 6.44,1,8,1 6.48,1,8,1 7.4,2,8,1 6.38,1,7,1 6.44,1,8,1 6.65,1,8,1
    6.86,1,8,1 6.71,1,3,1 6.1,5,5,5 6.88,7,3,1 6.72,7,3,1 6.3,7,3,1 6.65,1,7,1 6.34,1,8,1 7.22,1,3,1 6.5,1,3,3
    6.52,1,3,1 6.53,7,3,1 6.43,7,3,1 5.89,5,5,5 6.5,7,3,3 6.48,7,3,3 6.5,7,3,1 6.38,1,7,1 6.18,3,1,3 6.39,1,7,1
    6.45,1,8,1 6.86,2,7,1 6.29,2,7,1 6.49,1,7,1
"""
# the output the package's README publishes for it (factor detector: q and p)
PUBLISHED_Q = {"type": (0.3857, 0.372145), "region": (0.6378, 0.000129), "level": (0.6067, 0.043382)}


def _disease() -> tuple[pd.Series, pd.DataFrame]:
    values = np.array([[float(v) for v in item.split(",")] for item in DISEASE.split()])
    idx = pd.MultiIndex.from_arrays([np.arange(len(values)), np.full(len(values), 2000)], names=["region", "period"])
    y = pd.Series(values[:, 0], index=idx, name="incidence")
    factors = pd.DataFrame(values[:, 1:].astype(int), index=idx, columns=["type", "region", "level"])
    return y, factors


def _panel(n: int = 40, periods: tuple = (2020, 2021), seed: int = 0) -> tuple[pd.Series, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product([[f"r{i}" for i in range(n)], list(periods)], names=["region", "period"])
    x1 = rng.lognormal(size=len(idx))
    x2 = rng.normal(size=len(idx))
    zone = np.repeat(rng.integers(0, 3, size=n), len(periods))
    y = pd.Series(np.log(x1) + 0.5 * zone + rng.normal(scale=0.3, size=len(idx)), index=idx, name="D")
    return y, pd.DataFrame({"x1": x1, "x2": x2, "zone": zone}, index=idx)


def test_published_example_factor_detector():
    y, factors = _disease()
    res = GeoDetector(categorical=["type", "region", "level"], by="pooled").fit(y, factors)
    for name, (q, p) in PUBLISHED_Q.items():
        row = res.table.loc[("pooled", name)]
        assert row["q"] == pytest.approx(q, abs=5e-5)
        assert row["p"] == pytest.approx(p, abs=5e-7)
        assert row["strata"] == factors[name].nunique()


def test_q_by_hand():
    # y = 1, 2, 3 | 10, 12 : strata means 2 and 11, SSW = 2 + 2, SST = Σ (y - 5.6)²
    y = np.array([1.0, 2.0, 3.0, 10.0, 12.0])
    codes = np.array([0, 0, 0, 1, 1])
    sst = ((y - y.mean()) ** 2).sum()
    assert q_statistic(y, codes) == pytest.approx(1 - 4.0 / sst)
    # Wang's form: 1 - Σ N_h σ_h² / (N σ²) with population variances
    by_var = 1 - (3 * np.var(y[:3]) + 2 * np.var(y[3:])) / (5 * np.var(y))
    assert q_statistic(y, codes) == pytest.approx(by_var)
    idx = pd.MultiIndex.from_arrays([range(5), [1] * 5], names=["region", "period"])
    res = GeoDetector(by="pooled").fit(pd.Series(y, index=idx), pd.DataFrame({"g": list("aaabb")}, index=idx))
    row = res.table.loc[("pooled", "g")]
    q = 1 - 4.0 / sst
    F = (5 - 2) / (2 - 1) * q / (1 - q)
    assert row["F"] == pytest.approx(F)
    assert row["p_anova"] == pytest.approx(stats.f_oneway(y[:3], y[3:]).pvalue)
    lam = (2.0**2 + 11.0**2 - (np.sqrt(3) * 2 + np.sqrt(2) * 11) ** 2 / 5) / np.var(y)
    assert row["p"] == pytest.approx(stats.ncf.sf(F, 1, 3, lam))


def test_published_example_other_detectors_agree_with_geodetector():
    """Risk (Welch t) and ecological (F of the unexplained variances) agree with the package's output;
    the interaction q differs where crossing the factors makes strata of one unit, which the package drops."""
    y, factors = _disease()
    res = GeoDetector(categorical=["type", "region", "level"], by="pooled").fit(y, factors)
    eco = res.ecological.loc["pooled"]
    assert eco.loc[("type", "region"), "F"] == pytest.approx(1.695855, abs=1e-6)
    assert eco.loc[("type", "region"), "p"] == pytest.approx(0.000375, abs=1e-6)
    assert eco.loc[("region", "level"), "F"] == pytest.approx(0.921013, abs=1e-6)
    risk = res.risk.loc[("pooled", "type")]
    assert risk.loc[(1, 2), "t"] == pytest.approx(-3.835231, abs=1e-6)
    assert risk.loc[(1, 2), "p"] == pytest.approx(1.641402e-03, rel=1e-5)
    assert risk.loc[(5, 7), "t"] == pytest.approx(-9.727646, abs=1e-6)
    # interaction: our q(type ∩ region) keeps the strata of one unit; dropping them gives the package's 0.723184
    inter = res.interaction.loc[("pooled", "type", "region")]
    crossed = factors["type"].astype(str) + "/" + factors["region"].astype(str)
    counts = crossed.map(crossed.value_counts())
    keep = (counts > 1).to_numpy()
    q_dropped = q_statistic(y.to_numpy()[keep], pd.factorize(crossed[keep])[0])
    assert q_dropped == pytest.approx(0.723184, abs=1e-6)
    assert inter["q_ab"] == pytest.approx(q_statistic(y.to_numpy(), pd.factorize(crossed)[0]))
    assert inter["q_ab"] > q_dropped
    assert inter["interaction"] == "bi-variable enhance"


def test_live_geodetector_package_when_installed():
    gd = pytest.importorskip("geodetector")
    y, factors = _disease()
    frame = factors.reset_index(drop=True).assign(incidence=y.to_numpy())
    theirs = gd.GeoDetector(factors=["type", "region", "level"], target="incidence")
    theirs.fit(frame)
    ours = GeoDetector(categorical=["type", "region", "level"], by="pooled").fit(y, factors).table.loc["pooled"]
    q = theirs.q_values_.set_index("variable")
    np.testing.assert_allclose(ours["q"], q.loc[ours.index, "q_value"], atol=1e-12)
    np.testing.assert_allclose(ours["p"], q.loc[ours.index, "p_value"], rtol=1e-6)


def test_interaction_types():
    assert interaction_type(0.3, 0.5, 0.2) == "nonlinear-weaken"
    assert interaction_type(0.3, 0.5, 0.4) == "uni-variable weaken"
    assert interaction_type(0.3, 0.5, 0.5) == "uni-variable weaken"  # nested strata
    assert interaction_type(0.3, 0.5, 0.6) == "bi-variable enhance"
    assert interaction_type(0.3, 0.5, 0.8) == "independent"
    assert interaction_type(0.3, 0.5, 0.9) == "nonlinear-enhance"
    assert set(INTERACTIONS) == {
        "nonlinear-weaken",
        "uni-variable weaken",
        "bi-variable enhance",
        "independent",
        "nonlinear-enhance",
    }


def test_risk_and_ecological_by_hand():
    y, factors = _panel()
    res = GeoDetector(method="quantile", k=4, by="period").fit(y, factors)
    run = 2020
    yy = y.xs(run, level="period").to_numpy()
    x1 = factors.xs(run, level="period")["x1"].to_numpy()
    codes = classify(x1, np.percentile(x1, [25, 50, 75]))
    risk = res.risk.loc[(run, "x1")]
    labels = res.strata.loc[(run, "x1")]["label"]
    for a, b in combinations(range(4), 2):
        t = stats.ttest_ind(yy[codes == a], yy[codes == b], equal_var=False)
        row = risk.loc[(labels[a], labels[b])]
        assert row["t"] == pytest.approx(t.statistic)
        assert row["p"] == pytest.approx(t.pvalue)
    zone = factors.xs(run, level="period")["zone"].to_numpy()
    ssw = {}
    for name, c in (("x1", codes), ("zone", zone)):
        ssw[name] = sum(((yy[c == h] - yy[c == h].mean()) ** 2).sum() for h in np.unique(c))
    F = ssw["x1"] / ssw["zone"]
    eco = res.ecological.loc[(run, "x1", "zone")]
    assert eco["F"] == pytest.approx(F)
    assert eco["p"] == pytest.approx(2 * min(stats.f.sf(F, 39, 39), stats.f.cdf(F, 39, 39)))


def test_runs_per_period_and_pooled_and_region_factors():
    y, factors = _panel()
    zone = factors.xs(2020, level="period")[["zone"]].astype(str)  # indexed by region: broadcast to periods
    res = GeoDetector(by="both").fit(y, factors[["x1"]].join(zone, on="region"))
    assert res.runs == [2020, 2021, "pooled"]
    pooled = res.table.loc[("pooled", "zone")]
    assert pooled["n"] == 80
    assert pooled["q"] == pytest.approx(q_statistic(y.to_numpy(), pd.factorize(factors["zone"])[0]))
    per = res.table.loc[(2021, "zone")]
    y21 = y.xs(2021, level="period").to_numpy()
    assert per["q"] == pytest.approx(q_statistic(y21, pd.factorize(factors.xs(2021, level="period")["zone"])[0]))
    assert res.q().shape == (2, 3)
    m = res.interaction_matrix("pooled")
    assert m.loc["x1", "zone"] == m.loc["zone", "x1"] == res.interaction.loc[("pooled", "x1", "zone"), "q_ab"]


@pytest.mark.slow
def test_breaks_agree_with_mapclassify():
    mapclassify = pytest.importorskip("mapclassify")
    rng = np.random.default_rng(3)
    for n in (30, 500):
        x = rng.lognormal(size=n)
        for k in (3, 5, 8):
            np.testing.assert_allclose(breaks(x, "quantile", k), mapclassify.Quantiles(x, k=k).bins[:-1])
            np.testing.assert_allclose(breaks(x, "equal", k), mapclassify.EqualInterval(x, k=k).bins[:-1])


def _sse(x: np.ndarray, cuts: np.ndarray) -> float:
    c = classify(x, cuts)
    return float(sum(((x[c == h] - x[c == h].mean()) ** 2).sum() for h in np.unique(c)))


def test_natural_breaks_are_the_fisher_jenks_optimum():
    rng = np.random.default_rng(4)
    x = np.round(rng.lognormal(size=14), 2)
    unique = np.unique(x)
    for k in (2, 3, 4):
        best = min(_sse(x, unique[list(c)]) for c in combinations(range(unique.size - 1), k - 1))
        assert _sse(x, natural_breaks(x, k)[k]) == pytest.approx(best)
    mapclassify = pytest.importorskip("mapclassify")
    y = np.round(rng.lognormal(size=120), 1)  # ties: equal values never split
    for k in (3, 5):
        ours = natural_breaks(y, k)[k]
        assert _sse(y, ours) <= _sse(y, mapclassify.FisherJenks(y, k=k).bins[:-1]) + 1e-9
    # every class count of the one-pass table gives mapclassify's FisherJenks breaks exactly, on data with
    # many ties (values rounded to one decimal)
    for seed in (0, 1, 2):
        z = np.round(np.random.default_rng(seed).lognormal(size=150), 1)
        table = natural_breaks(z, 8)
        for k in (2, 3, 5, 8):
            np.testing.assert_array_equal(table[k], mapclassify.FisherJenks(z, k=k).bins[:-1])


def test_geometric_intervals():
    x = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    np.testing.assert_allclose(breaks(x, "geometric", 4), [2.0, 4.0, 8.0])
    with pytest.raises(ValueError, match="values > 0"):
        breaks(np.array([0.0, 1.0, 2.0, 3.0, 5.0, 7.0]), "geometric", 3)


def test_opgd_keeps_the_largest_q_and_lists_every_candidate():
    y, factors = _panel()
    res = GeoDetector(method="optimal", k_range=(3, 5), by="pooled").fit(y, factors[["x1", "x2"]])
    search = res.search.loc[("pooled", "x1")]
    assert len(search) == 4 * 3
    best = search["q"].idxmax()
    row = res.table.loc[("pooled", "x1")]
    assert (row["method"], row["k"]) == best
    assert row["q"] == pytest.approx(search["q"].max())
    # x2 has negative values: geometric left out, said so
    assert "geometric" not in res.search.loc[("pooled", "x2")].index.get_level_values("method")
    assert any("x2" in n and "geometric" in n for n in res.notes)


def test_bad_inputs_name_what_is_wrong():
    y, factors = _panel()
    gaps = factors.copy()
    gaps.iloc[3, 0] = np.nan
    with pytest.raises(ValueError, match=r"missing factor values.*'r1', 2021, 'x1'"):
        GeoDetector().fit(y, gaps)
    with pytest.raises(ValueError, match="categorical names"):
        GeoDetector(categorical=["nope"]).fit(y, factors)
    with pytest.raises(ValueError, match=r"factor 'x2'.*values > 0"):
        GeoDetector(method="geometric").fit(y, factors[["x2"]])
    with pytest.raises(ValueError, match=r"lack 2 region-period"):
        GeoDetector().fit(y, factors.iloc[2:])
    with pytest.raises(InvalidParameterError, match="k_range"):
        GeoDetector(method="optimal", k_range=(5, 3))
    with pytest.raises(InvalidParameterError, match="method must be"):
        GeoDetector(method="jenks")

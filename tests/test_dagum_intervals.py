"""DagumGini bootstrap intervals: standard errors, the interval formulas by hand, the demo
study's estimates inside their intervals, the notes, and a small seeded coverage simulation.

The full-size coverage study is ``benchmarks/bench_dagum_coverage.py`` (results in
``benchmarks/results/dagum_coverage.md``); the simulation here is a reduced, seeded copy of
its idea with the population values computed by quadrature in the test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import spatialcoupling as sc
from spatialcoupling.datasets.simulate import china_demo_system
from spatialcoupling.inequality._bootstrap import _child_states, _intervals, _replicate_uniforms
from spatialcoupling.inequality._dagum_core import (
    _dagum_weighted,
    _flat_size,
    _flatten,
    _flatten_var,
    _point,
    _sorted_sample,
    _unflatten,
)

HEADLINE = ("G", "Gw", "Gnb", "Gt", "Gw_share", "Gnb_share", "Gt_share")


def one_period(values, groups, period=2020):
    regions = [f"r{i:04d}" for i in range(len(values))]
    series = pd.Series(
        np.asarray(values, dtype=float),
        index=pd.MultiIndex.from_arrays([regions, [period] * len(values)], names=["region", "period"]),
    )
    return series, dict(zip(regions, groups, strict=True))


def slot_gini_and_se(x: np.ndarray, lab: np.ndarray) -> tuple[float, float]:
    """Overall Gini of ``x`` (every pair formed) and its linearised standard error written out:
    ``L_i = Σ_r |x_i − x_r| / (N² μ) − G x_i / (N μ)``, ``var = Σ_l n_l/(n_l − 1) Σ_{i ∈ l} (L_i − L̄_l)²``."""
    N, mu = x.size, x.mean()
    T = np.abs(x[:, None] - x[None, :]).sum(axis=1)
    G = T.sum() / (2 * N * N * mu)
    L = T / (N * N * mu) - G * x / (N * mu)
    var = 0.0
    for g in np.unique(lab):
        Lg = L[lab == g]
        if Lg.size > 1:
            var += Lg.size / (Lg.size - 1) * np.sum((Lg - Lg.mean()) ** 2)
    return G, np.sqrt(var)


# ---------------------------------------------------------------------------
# standard errors
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(("k", "n", "level"), [(2, 7, 0.0), (4, 19, 2.0), (8, 29, 1e3)])
def test_linearised_variance_equals_numeric_derivative(k, n, level):
    """Every term's variance against Σ_l n_l/(n_l − 1) Σ w (L − L̄)² with L from central
    differences of the term in each weight (a weighted row, as in a bootstrap replicate)."""
    rng = np.random.default_rng(k * 100 + n)
    lab = np.sort(np.concatenate([np.arange(k), rng.integers(0, k, n - k)])).astype(np.intp)
    v = level + rng.lognormal(0, 0.5, n)
    ys, labs, _, y0 = _sorted_sample(v, lab)
    w = rng.integers(1, 4, n).astype(float)
    analytic = _flatten_var(_dagum_weighted(ys, labs, w[None], k, y0, variance=True)["var"])[0]
    eps = 1e-6 * max(1.0, w.max())
    rows = np.vstack([w + eps * np.eye(n), w - eps * np.eye(n)])
    flat = _flatten(_dagum_weighted(ys, labs, rows, k, y0))
    L = (flat[:n] - flat[n:]) / (2 * eps)
    numeric = np.zeros(flat.shape[1])
    for g in range(k):
        sel = labs == g
        wg, ng = w[sel], w[sel].sum()
        if ng <= 1:  # a single draw: no spread to measure, as in the package
            continue
        Lbar = wg @ L[sel] / ng
        numeric += ng / (ng - 1) * (wg @ (L[sel] - Lbar) ** 2)
    np.testing.assert_allclose(analytic, numeric, rtol=2e-5, atol=1e-12 * np.abs(numeric).max())


def test_standard_errors_by_hand():
    # the worked fixture: groups {1, 2, 3}, {2, 4, 6}, {5, 7}
    y = np.array([1.0, 2.0, 3.0, 2.0, 4.0, 6.0, 5.0, 7.0])
    lab = np.array([0, 0, 0, 1, 1, 1, 2, 2], dtype=np.intp)
    est, se = _point((y, lab, 3))
    idx = _unflatten(np.arange(_flat_size(3)), 3)
    # a group mean: the jackknife's s / sqrt(n_j)
    for g, members in enumerate(([1, 2, 3], [2, 4, 6], [5, 7])):
        assert se[idx["mean_j"][g]] == pytest.approx(np.std(members, ddof=1) / np.sqrt(len(members)), rel=1e-12)
    assert se[idx["mean"][0]] == pytest.approx(
        np.sqrt(sum(np.var(m, ddof=1) * len(m) for m in ([1, 2, 3], [2, 4, 6], [5, 7]))) / 8, rel=1e-12
    )
    G, seG = slot_gini_and_se(y, lab)
    assert est[idx["G"][0]] == pytest.approx(0.3, rel=1e-14)
    assert pytest.approx(0.3, rel=1e-14) == G
    assert se[idx["G"][0]] == pytest.approx(seG, rel=1e-12)


# ---------------------------------------------------------------------------
# the interval formulas
# ---------------------------------------------------------------------------
def _replicates_by_hand(seed: int, B: int):
    """The worked fixture resampled as DagumGini documents it, G and its se per replicate."""
    y = np.array([1.0, 2.0, 3.0, 2.0, 4.0, 6.0, 5.0, 7.0])
    labels = ["A"] * 3 + ["B"] * 3 + ["C"] * 2
    series, groups = one_period(y, labels)
    lab = np.array([0, 0, 0, 1, 1, 1, 2, 2])
    sizes = np.array([3, 3, 2])
    starts = np.array([0, 3, 6])
    high, low = np.repeat(sizes, sizes), np.repeat(starts, sizes)
    G0, se0 = slot_gini_and_se(y, lab)
    t = []
    for s in np.random.SeedSequence(seed).spawn(1)[0].spawn(B):
        pick = low + np.floor(np.random.default_rng(s).random(y.size) * high).astype(int)
        Gb, seb = slot_gini_and_se(y[pick], lab)
        with np.errstate(divide="ignore"):  # every group collapsed to one region: t = ±inf
            t.append((Gb - G0) / seb)
    return series, groups, G0, se0, np.array(t)


def test_symmetric_t_interval_by_hand():
    B, seed = 40, 5
    series, groups, G0, se0, t = _replicates_by_hand(seed, B)
    row = sc.DagumGini(bootstrap=B, seed=seed).fit(series, groups).table.loc[2020]
    c = np.quantile(np.abs(t), 0.95)
    assert row["G_lower"] == pytest.approx(max(G0 - c * se0, 0.0), rel=1e-10)
    assert row["G_upper"] == pytest.approx(min(G0 + c * se0, 1.0), rel=1e-10)
    assert row["G_lower"] <= row["G"] <= row["G_upper"]


def test_studentized_interval_by_hand():
    B, seed = 40, 6
    series, groups, G0, se0, t = _replicates_by_hand(seed, B)
    row = sc.DagumGini(bootstrap=B, seed=seed, ci="studentized", alpha=0.1).fit(series, groups).table.loc[2020]
    assert row["G_lower"] == pytest.approx(max(G0 - np.quantile(t, 0.95) * se0, 0.0), rel=1e-10)
    assert row["G_upper"] == pytest.approx(min(G0 - np.quantile(t, 0.05) * se0, 1.0), rel=1e-10)


def test_interval_rules_on_a_small_table():
    # columns: an ordinary term, a term whose replicates never move, one whose se collapses
    draws = np.array([[1.0, 2.0, 3.0], [1.5, 2.0, 3.5], [0.5, 2.0, 3.0], [1.2, 2.0, 3.0]])
    estimate = np.array([1.0, 2.0, 3.0])
    se = np.array([0.5, 0.0, 0.2])
    t = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, np.inf], [-2.0, 0.0, 0.0], [0.4, 0.0, 0.0]])
    lo, hi = _intervals(draws, estimate, 0.5, "symmetric-t", t, se)
    c = np.quantile([0.0, 1.0, 2.0, 0.4], 0.5)
    assert lo[0] == pytest.approx(1.0 - c * 0.5)
    assert hi[0] == pytest.approx(1.0 + c * 0.5)
    assert lo[1] == hi[1] == 2.0  # no movement: no width
    assert np.isfinite(lo[2])
    assert np.isfinite(hi[2])
    lo, hi = _intervals(draws, estimate, 0.2, "symmetric-t", t, se)
    assert np.isinf(lo[2])
    assert np.isinf(hi[2])


def test_bad_ci_names_the_choices():
    with pytest.raises(ValueError, match=r"'symmetric-t', 'studentized', 'percentile', 'bc'.*'bca'"):
        sc.DagumGini(ci="bca")


# ---------------------------------------------------------------------------
# the replicates' random streams
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "parent",
    [
        np.random.SeedSequence(1),
        np.random.SeedSequence(2**70 + 5),  # entropy of several 32-bit words
        np.random.SeedSequence([1, 2, 3, 4, 5, 6, 7]),  # longer than the pool
        np.random.SeedSequence(),  # fresh 128-bit entropy
        np.random.SeedSequence(12, pool_size=8),
        np.random.SeedSequence(0).spawn(3)[2],  # a spawned parent, as every period's is
        np.random.SeedSequence(np.array([7, 2**31], dtype=np.uint32)),
        np.random.SeedSequence(3, spawn_key=(5, 2**40)),
    ],
    ids=["int", "big-int", "long-list", "fresh", "pool8", "spawned", "uint32-array", "wide-key"],
)
def test_replicate_streams_equal_numpy_spawn(parent):
    children = np.random.SeedSequence(parent.entropy, spawn_key=parent.spawn_key, pool_size=parent.pool_size).spawn(60)
    for first, count, n in ((0, 60, 30), (17, 5, 3)):
        expected = np.array([np.random.default_rng(c).random(n) for c in children[first : first + count]])
        np.testing.assert_array_equal(_replicate_uniforms(parent, first, count, n), expected)


def test_replicate_streams_fall_back_to_numpy_beyond_32_bit_child_numbers():
    parent = np.random.SeedSequence(5)
    first = 2**32 - 2  # child numbers past 2**32 take two spawn-key words: numpy's own path
    assert _child_states(parent, first, 3) is None
    expected = np.array(
        [np.random.default_rng(np.random.SeedSequence(5, spawn_key=(first + i,))).random(4) for i in range(3)]
    )
    np.testing.assert_array_equal(_replicate_uniforms(parent, first, 3, 4), expected)


def test_two_fits_with_one_seed_sequence_give_the_same_numbers():
    """fit copies a SeedSequence seed before spawning: spawning from the caller's object would
    count its children and give other streams on the second fit."""
    rng = np.random.default_rng(4)
    series, groups = one_period(rng.lognormal(0, 0.5, 12), ["a", "b", "c"] * 4)
    seed = np.random.SeedSequence(77)
    model = sc.DagumGini(bootstrap=30, seed=seed)
    first = model.fit(series, groups)
    second = model.fit(series, groups)
    pd.testing.assert_frame_equal(first.table, second.table)
    pd.testing.assert_frame_equal(first.between, second.between)
    assert seed.n_children_spawned == 0  # the caller's object is left as it was


def test_seed_sequence_seed_gives_the_numbers_of_its_entropy():
    rng = np.random.default_rng(2)
    series, groups = one_period(rng.lognormal(0, 0.5, 12), ["a", "b", "c"] * 4)
    a = sc.DagumGini(bootstrap=30, seed=np.random.SeedSequence(77)).fit(series, groups)
    b = sc.DagumGini(bootstrap=30, seed=77).fit(series, groups)
    pd.testing.assert_frame_equal(a.table, b.table)


# ---------------------------------------------------------------------------
# the demo study: estimates inside their intervals
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_dagum():
    panel = sc.read_panel(sc.datasets.load("china_demo")).interpolate()
    scores = sc.EntropyWeights().fit(panel, china_demo_system())
    D = sc.CouplingCoordination({"MS": 0.4, "AM": 0.6}).fit(scores).D
    zones = sc.datasets.load("china_provinces").set_index("name_en")["zone8"]
    zones = zones[zones.index.isin(D.index.get_level_values("region"))]
    return sc.DagumGini(bootstrap=199, seed=1).fit(D, zones)


def test_demo_estimates_inside_their_intervals(demo_dagum):
    t = demo_dagum.table
    assert len(t) == 16
    for col in HEADLINE:
        assert t[f"{col}_lower"].notna().all(), col
        assert t[f"{col}_upper"].notna().all(), col
        inside = (t[f"{col}_lower"] <= t[col]) & (t[col] <= t[f"{col}_upper"])
        assert inside.all(), f"{col} outside its interval in {list(t.index[~inside])}"
    for frame in (demo_dagum.within, demo_dagum.between):
        for col in [c[: -len("_lower")] for c in frame.columns if c.endswith("_lower")]:
            lo, hi, est = frame[f"{col}_lower"], frame[f"{col}_upper"], frame[col]
            ok = lo.isna() | hi.isna() | ((lo <= est) & (est <= hi))
            assert ok.all(), col
    assert not any("outside their" in n for n in demo_dagum.notes)


def test_demo_notes_say_what_the_interval_is_for_and_where_not_to_trust_it(demo_dagum):
    notes = "\n".join(demo_dagum.notes)
    assert "intervals for the population values" in notes
    assert "'Southern Coastal' (2)" in notes
    assert "fewer than 5 members" in notes
    assert "barely overlap" in notes
    # terms of the 2- and 3-member groups have no finite studentized limit: empty and reported
    within = demo_dagum.within.xs(2024, level="period")
    assert np.isnan(within.loc["Southern Coastal", "mean_lower"])
    assert "left empty (NaN)" in notes
    assert "were set to it" in notes  # limits clipped to [0, 1] are reported
    assert (demo_dagum.table["Gt_lower"] >= 0).all()


# ---------------------------------------------------------------------------
# a small seeded coverage simulation
# ---------------------------------------------------------------------------
SIZES = (6, 5, 4)
LOGMEANS = (0.5, 0.2, 0.0)
SIGMA = 0.4


def lognormal_population() -> dict[str, float]:
    """G, Gw, Gnb, Gt of three log-normal groups with shares SIZES / 15, by quadrature."""
    dists = [stats.lognorm(SIGMA, scale=np.exp(m)) for m in LOGMEANS]
    p = np.array(SIZES) / sum(SIZES)
    mu_j = np.array([d.mean() for d in dists])
    pos = np.array(
        [
            [integrate.quad(lambda t, a=a, b=b: b.cdf(t) * a.sf(t), 0, np.inf, limit=200)[0] for b in dists]
            for a in dists
        ]
    )
    delta = pos + pos.T
    # within a log-normal group E|X − X'| / (2μ) is the log-normal Gini 2Φ(σ/√2) − 1
    np.testing.assert_allclose(np.diag(delta) / (2 * mu_j), 2 * stats.norm.cdf(SIGMA / np.sqrt(2)) - 1, rtol=1e-7)
    mu = p @ mu_j
    G = p @ delta @ p / (2 * mu)
    Gw = (p**2 * np.diag(delta)).sum() / (2 * mu)
    jj, hh = np.triu_indices(len(SIZES), 1)
    Gnb = (p[jj] * p[hh] * np.abs(mu_j[jj] - mu_j[hh])).sum() / mu
    return {"G": G, "Gw": Gw, "Gnb": Gnb, "Gt": G - Gw - Gnb}


@pytest.mark.slow
def test_coverage_in_a_small_seeded_simulation():
    """300 samples of 15 regions in groups of 6, 5 and 4 (one period each), 199 replicates:
    the default intervals cover the population values near the nominal 95%; percentile
    intervals of Gw (the 0.1 default) do not."""
    pop = lognormal_population()
    R = 300
    rng = np.random.default_rng(11)
    regions = [f"r{i:02d}" for i in range(sum(SIZES))]
    groups = dict(zip(regions, np.repeat(["a", "b", "c"], SIZES), strict=True))
    vals = np.concatenate([rng.lognormal(m, SIGMA, (R, n)) for m, n in zip(LOGMEANS, SIZES, strict=True)], axis=1)
    index = pd.MultiIndex.from_product([range(R), regions], names=["period", "region"])
    series = pd.Series(vals.ravel(), index=index).swaplevel().sort_index()
    coverage = {}
    for ci in ("symmetric-t", "percentile"):
        t = sc.DagumGini(bootstrap=199, seed=7, ci=ci).fit(series, groups).table
        coverage[ci] = {k: float(((t[f"{k}_lower"] <= v) & (v <= t[f"{k}_upper"])).mean()) for k, v in pop.items()}
    sym = coverage["symmetric-t"]
    assert all(0.87 <= c <= 0.99 for c in sym.values()), sym
    assert np.mean(list(sym.values())) >= 0.90, sym
    assert coverage["percentile"]["Gw"] < 0.5, coverage["percentile"]

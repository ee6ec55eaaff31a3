"""Dagum Gini decomposition, Theil, Gini and CV against references written out in the tests.

The Dagum reference below forms every pair of observations, exactly as the
definitions in Dagum (1997) read; it shares no code with
the package. Theil T and the plain Gini are also checked against PySAL's
``inequality`` package.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inequality.gini import Gini as PysalGini
from inequality.theil import Theil as PysalTheil
from inequality.theil import TheilD as PysalTheilD
from scipy.stats import norm

import spatialcoupling as sc
from spatialcoupling.inequality import (
    coefficient_of_variation,
    dagum_decomposition,
    gini,
    theil,
)
from spatialcoupling.inequality._bootstrap import _intervals


# ---------------------------------------------------------------------------
# reference: every pair formed explicitly
# ---------------------------------------------------------------------------
def pairwise_dagum(y, g):
    y = np.asarray(y, dtype=float)
    g = np.asarray(g)
    n, mu = y.size, y.mean()
    G = np.abs(y[:, None] - y[None, :]).sum() / (2 * n * n * mu)
    labels = sorted(set(g.tolist()))
    members = {lab: y[g == lab] for lab in labels}
    mean = {lab: members[lab].mean() for lab in labels}
    p = {lab: members[lab].size / n for lab in labels}
    s = {lab: members[lab].size * mean[lab] / (n * mu) for lab in labels}
    gjj = {}
    for lab, a in members.items():
        tot = np.abs(a[:, None] - a[None, :]).sum()
        gjj[lab] = tot / (2 * a.size**2 * mean[lab]) if mean[lab] > 0 else 0.0
    order = sorted(labels, key=lambda lab: -mean[lab])  # decreasing mean
    pairs = {}
    Gw = sum(gjj[lab] * p[lab] * s[lab] for lab in labels)
    Gnb = Gt = 0.0
    for a_i, j in enumerate(order):
        for h in order[a_i + 1 :]:
            diff = members[j][:, None] - members[h][None, :]
            msum = mean[j] + mean[h]
            gjh = np.abs(diff).sum() / (diff.size * msum) if msum > 0 else 0.0
            d = np.maximum(diff, 0).mean()
            pp = np.maximum(-diff, 0).mean()
            D = (d - pp) / (d + pp) if d + pp > 0 else 0.0
            w = p[j] * s[h] + p[h] * s[j]
            Gnb += gjh * w * D
            Gt += gjh * w * (1 - D)
            pairs[frozenset((j, h))] = {"G_jh": gjh, "D_jh": D, "d_jh": d, "p_jh": pp}
    return {
        "G": G,
        "Gw": Gw,
        "Gnb": Gnb,
        "Gt": Gt,
        "G_jj": gjj,
        "mean": mean,
        "p": p,
        "s": s,
        "pairs": pairs,
    }


def one_period(values, groups, period=2020):
    regions = [f"r{i:04d}" for i in range(len(values))]
    series = pd.Series(
        np.asarray(values, dtype=float),
        index=pd.MultiIndex.from_arrays([regions, [period] * len(values)], names=["region", "period"]),
    )
    return series, dict(zip(regions, groups, strict=True))


def assert_matches_reference(res, ref, period=2020, rtol=1e-12):
    row = res.table.loc[period]
    scale = ref["G"]
    for key in ("G", "Gw", "Gnb", "Gt"):
        assert row[key] == pytest.approx(ref[key], rel=rtol, abs=1e-14 * max(scale, 1e-300)), key
    within = res.within.xs(period, level="period")
    for lab, value in ref["G_jj"].items():
        assert within.loc[lab, "G_jj"] == pytest.approx(value, rel=rtol, abs=1e-15), lab
        assert within.loc[lab, "mean"] == pytest.approx(ref["mean"][lab], rel=1e-13)
        assert within.loc[lab, "p_j"] == pytest.approx(ref["p"][lab], rel=1e-13)
        assert within.loc[lab, "s_j"] == pytest.approx(ref["s"][lab], rel=1e-12, abs=1e-15)
    between = res.between.xs(period, level="period")
    assert len(between) == len(ref["pairs"])
    for (gj, gh), b in between.iterrows():
        r = ref["pairs"][frozenset((gj, gh))]
        assert within.loc[gj, "mean"] >= within.loc[gh, "mean"]  # richer group first
        for key in ("G_jh", "D_jh", "d_jh", "p_jh"):
            assert b[key] == pytest.approx(r[key], rel=rtol, abs=1e-13 * max(r["d_jh"] + r["p_jh"], 1)), key


# ---------------------------------------------------------------------------
# the worked fixture
# ---------------------------------------------------------------------------
def test_worked_fixture_exact():
    series, groups = one_period([1, 2, 3, 2, 4, 6, 5, 7], ["A"] * 3 + ["B"] * 3 + ["C"] * 2)
    res = sc.DagumGini().fit(series, groups)
    row = res.table.loc[2020]
    expected = {
        "G": Fraction(3, 10),
        "Gw": Fraction(7, 120),
        "Gnb": Fraction(9, 40),
        "Gt": Fraction(1, 60),
    }
    for key, value in expected.items():
        assert row[key] == pytest.approx(float(value), rel=1e-14), key
        assert row[f"{key}_share"] == pytest.approx(float(value / expected["G"]), rel=1e-13) if key != "G" else True
    # by hand: sum of |differences| within {1,2,3} is 8, within {2,4,6} 16, within {5,7} 4
    w = res.within.xs(2020, level="period")
    assert list(w.index) == ["C", "B", "A"]  # ordered by decreasing mean 6 > 4 > 2
    assert list(w["rank"]) == [1, 2, 3]
    assert w.loc["A", "G_jj"] == pytest.approx(8 / (2 * 9 * 2))
    assert w.loc["B", "G_jj"] == pytest.approx(16 / (2 * 9 * 4))
    assert w.loc["C", "G_jj"] == pytest.approx(4 / (2 * 4 * 6))
    b = res.between.xs(2020, level="period")
    # C = {5,7} against A = {1,2,3}: every difference positive, total 24
    assert b.loc[("C", "A"), "G_jh"] == pytest.approx(24 / (6 * (6 + 2)))
    assert b.loc[("C", "A"), "D_jh"] == pytest.approx(1.0)
    assert b.loc[("C", "A"), "p_jh"] == 0.0
    assert b.loc[("C", "A"), "d_jh"] == pytest.approx(4.0)
    # B = {2,4,6} against A = {1,2,3}: positive part 19/9, negative part 1/9
    assert b.loc[("B", "A"), "d_jh"] == pytest.approx(19 / 9)
    assert b.loc[("B", "A"), "p_jh"] == pytest.approx(1 / 9)
    assert b.loc[("B", "A"), "D_jh"] == pytest.approx((19 - 1) / (19 + 1))


# ---------------------------------------------------------------------------
# against the pairwise reference
# ---------------------------------------------------------------------------
def _cases():
    rng = np.random.default_rng(20240501)
    yield (
        "random_unequal_sizes",
        rng.lognormal(0, 1, 157),
        rng.choice(list("abcdef"), 157, p=[0.4, 0.25, 0.15, 0.1, 0.07, 0.03]),
    )
    yield "ties", rng.integers(0, 5, 120).astype(float), rng.choice(list("wxyz"), 120)
    y = rng.gamma(2.0, 3.0, 40)
    g = np.array(["big"] * 25 + ["mid"] * 14 + ["solo"])
    yield "one_member_group", y, g
    yield (
        "equal_means",
        np.array([1.0, 3.0, 2.0, 2.0, 0.5, 3.5, 5.0, 9.0]),
        np.array(["A", "A", "B", "B", "C", "C", "D", "D"]),
    )
    yield (
        "with_zeros",
        np.where(rng.random(60) < 0.3, 0.0, rng.exponential(1.0, 60)),
        rng.choice(["p", "q", "r"], 60),
    )
    yield "high_level_small_spread", 1e6 + rng.normal(0, 1, 80), rng.choice(["u", "v"], 80)


@pytest.mark.parametrize(("name", "y", "g"), list(_cases()), ids=[c[0] for c in _cases()])
def test_equals_pairwise_definition(name, y, g):
    series, groups = one_period(y, g)
    res = sc.DagumGini().fit(series, groups)
    ref = pairwise_dagum(y, g)
    assert_matches_reference(res, ref)
    row = res.table.loc[2020]
    assert row["Gw"] + row["Gnb"] + row["Gt"] == pytest.approx(row["G"], rel=1e-12)
    # contributions add up to the terms
    w = res.within.xs(2020, level="period")
    b = res.between.xs(2020, level="period")
    assert w["Gw_contrib"].sum() == pytest.approx(row["Gw"], rel=1e-12)
    assert b["Gnb_contrib"].sum() == pytest.approx(row["Gnb"], rel=1e-12, abs=1e-15)
    assert b["Gt_contrib"].sum() == pytest.approx(row["Gt"], rel=1e-12, abs=1e-15)


def test_equal_means_give_zero_D():
    y = [1.0, 3.0, 2.0, 2.0]
    series, groups = one_period(y, ["A", "A", "B", "B"])
    b = sc.DagumGini().fit(series, groups).between
    assert b["D_jh"].iloc[0] == 0.0
    # identical groups: d + p = 0, D defined as 0
    series, groups = one_period([2.0, 2.0, 2.0, 2.0, 4.0], ["A", "A", "B", "B", "C"])
    b = sc.DagumGini().fit(series, groups).between.xs(2020, level="period")
    assert b.loc[("A", "B") if ("A", "B") in b.index else ("B", "A"), "D_jh"] == 0.0


def test_array_function_matches_reference():
    rng = np.random.default_rng(3)
    y = rng.pareto(3.0, 300) + 0.1
    g = rng.integers(0, 9, 300)
    out = dagum_decomposition(y, g)
    ref = pairwise_dagum(y, g)
    for key in ("G", "Gw", "Gnb", "Gt"):
        assert out[key] == pytest.approx(ref[key], rel=1e-12)
    assert out["groups"] == sorted(ref["mean"], key=lambda lab: -ref["mean"][lab])


# ---------------------------------------------------------------------------
# identities and invariances
# ---------------------------------------------------------------------------
def test_one_group_is_plain_gini_and_matches_pysal():
    rng = np.random.default_rng(11)
    y = rng.lognormal(0, 0.7, 250)
    series, groups = one_period(y, ["all"] * y.size)
    row = sc.DagumGini().fit(series, groups).table.loc[2020]
    expected = PysalGini(y).g
    assert row["G"] == pytest.approx(expected, rel=1e-12)
    assert row["Gw"] == pytest.approx(expected, rel=1e-12)
    assert row["Gnb"] == 0.0
    assert row["Gt"] == 0.0
    assert gini(y) == pytest.approx(expected, rel=1e-12)


def test_net_between_is_gini_of_group_means():
    rng = np.random.default_rng(5)
    y = rng.lognormal(0, 1, 200)
    g = rng.integers(0, 6, 200)
    means = pd.Series(y).groupby(g).transform("mean").to_numpy()
    series, groups = one_period(y, g)
    row = sc.DagumGini().fit(series, groups).table.loc[2020]
    assert row["Gnb"] == pytest.approx(PysalGini(means).g, rel=1e-12)


def test_invariances_scale_duplication_relabelling():
    rng = np.random.default_rng(8)
    y = rng.gamma(1.5, 2.0, 90)
    g = rng.choice(["e", "f", "h", "k"], 90)
    base = dagum_decomposition(y, g)
    scaled = dagum_decomposition(y * 37.5, g)
    doubled = dagum_decomposition(np.concatenate([y, y]), np.concatenate([g, g]))
    relabel = {"e": "zz", "f": "aa", "h": "mm", "k": "bb"}
    relabelled = dagum_decomposition(y, [relabel[x] for x in g])
    for key in ("G", "Gw", "Gnb", "Gt"):
        assert scaled[key] == pytest.approx(base[key], rel=1e-12)
        assert doubled[key] == pytest.approx(base[key], rel=1e-12)
        assert relabelled[key] == pytest.approx(base[key], rel=1e-12)
    assert [relabel[x] for x in base["groups"]] == relabelled["groups"]


values_strategy = st.lists(
    st.tuples(
        st.integers(0, 20) | st.just(0.0) | st.floats(1e-6, 1e3),
        st.sampled_from("abcd"),
    ),
    min_size=2,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(values_strategy)
def test_property_against_reference_and_identity(data):
    y = np.array([float(v) for v, _ in data])
    g = np.array([lab for _, lab in data])
    if not y.sum() > 0:
        return
    out = dagum_decomposition(y, g)
    ref = pairwise_dagum(y, g)
    for key in ("G", "Gw", "Gnb", "Gt"):
        assert out[key] == pytest.approx(ref[key], rel=1e-11, abs=1e-13)
    assert out["Gw"] + out["Gnb"] + out["Gt"] == pytest.approx(out["G"], rel=1e-12, abs=1e-15)
    assert 0 <= out["G"] <= 1
    assert (out["between"]["D_jh"] >= 0).all()
    assert (out["between"]["D_jh"] <= 1).all()


@settings(max_examples=30, deadline=None)
@given(values_strategy, st.floats(0.01, 1e4))
def test_property_scale_invariance(data, factor):
    y = np.array([float(v) for v, _ in data])
    g = np.array([lab for _, lab in data])
    if not y.sum() > 0:
        return
    a, b = dagum_decomposition(y, g), dagum_decomposition(y * factor, g)
    for key in ("G", "Gw", "Gnb", "Gt"):
        assert b[key] == pytest.approx(a[key], rel=1e-10, abs=1e-13)


# ---------------------------------------------------------------------------
# panels, notes and bad input
# ---------------------------------------------------------------------------
def panel(n_regions=24, periods=(2018, 2019, 2020), seed=0):
    rng = np.random.default_rng(seed)
    regions = [f"R{i:02d}" for i in range(n_regions)]
    idx = pd.MultiIndex.from_product([regions, list(periods)], names=["region", "period"])
    series = pd.Series(rng.lognormal(0, 0.6, len(idx)), index=idx)
    groups = {r: ["East", "Central", "West"][i % 3] for i, r in enumerate(regions)}
    return series, groups


def test_each_period_against_reference_and_groups_as_series_in_the_old_style():
    series, groups = panel()
    with pytest.warns(DeprecationWarning, match=r"pass groups to fit: DagumGini\(...\)\.fit\(series, groups\)"):
        model = sc.DagumGini(pd.Series(groups))
    res = model.fit(series)
    pd.testing.assert_frame_equal(res.table, sc.DagumGini().fit(series, pd.Series(groups)).table)
    assert list(res.table.index) == [2018, 2019, 2020]
    for period in (2018, 2019, 2020):
        sub = series.xs(period, level="period")
        ref = pairwise_dagum(sub.to_numpy(), [groups[r] for r in sub.index])
        assert_matches_reference(res, ref, period=period)
    gm = res.group_means
    assert set(gm.columns) >= {"rank", "n", "mean", "p_j", "s_j"}
    for period in (2018, 2019, 2020):
        assert gm.xs(period, level="period")["s_j"].sum() == pytest.approx(1.0)
        assert list(gm.xs(period, level="period")["mean"]) == sorted(
            gm.xs(period, level="period")["mean"], reverse=True
        )


def test_fit_does_not_mutate_and_result_is_immutable():
    series, groups = panel()
    before = series.copy()
    res = sc.DagumGini().fit(series, groups)
    pd.testing.assert_series_equal(series, before)
    with pytest.raises(AttributeError):
        res.bootstrap = 5
    t = res.table
    t.iloc[0, 0] = -1
    assert res.table.iloc[0, 0] != -1


def test_negative_value_names_region_and_period():
    series, groups = panel()
    series.loc[("R05", 2019)] = -0.5
    with pytest.raises(ValueError, match=r"negative.*R05.*2019"):
        sc.DagumGini().fit(series, groups)


def test_all_zero_period_named():
    series, groups = panel()
    series.loc[pd.IndexSlice[:, 2019]] = 0.0
    with pytest.raises(ValueError, match="period 2019"):
        sc.DagumGini().fit(series, groups)


def test_regions_without_group_listed():
    series, groups = panel()
    del groups["R03"], groups["R17"]
    with pytest.raises(ValueError, match=r"2 region\(s\) without a group: 'R03', 'R17'"):
        sc.DagumGini().fit(series, groups)
    # a NaN group counts as no group
    gs = pd.Series(panel()[1])
    gs["R07"] = np.nan
    with pytest.raises(ValueError, match="R07"):
        sc.DagumGini().fit(series.drop(index=["R03", "R17"], level="region"), gs)


def test_region_label_type_mismatch_explained():
    series, _groups = one_period([1.0, 2.0, 3.0], ["a", "a", "b"])
    keyed_by_int = dict(enumerate(["a", "a", "b"]))
    with pytest.raises(ValueError, match="regions are str but groups is keyed by int"):
        sc.DagumGini().fit(series, keyed_by_int)


def test_group_without_members_in_a_period_is_reported():
    series, groups = panel()
    west = [r for r, g in groups.items() if g == "West"]
    series = series.drop(index=[(r, 2019) for r in west])
    res = sc.DagumGini().fit(series, groups)
    assert res.table.loc[2019, "groups"] == 2
    assert res.table.loc[2018, "groups"] == 3
    assert any("2019" in n and "'West'" in n and "no members" in n for n in res.notes)
    assert any("2019" in n and "unbalanced" in n for n in res.notes)
    sub = series.xs(2019, level="period")
    assert_matches_reference(res, pairwise_dagum(sub.to_numpy(), [groups[r] for r in sub.index]), period=2019)


def test_unbalanced_panel_uses_regions_present():
    series, groups = panel()
    series = series.drop(index=[("R01", 2020), ("R02", 2020), ("R00", 2018)])
    res = sc.DagumGini().fit(series, groups)
    assert list(res.table.index) == [2018, 2019, 2020]  # periods in order
    series, groups = panel()
    series = series.drop(index=[("R01", 2020), ("R02", 2020)])
    res = sc.DagumGini().fit(series, groups)
    assert res.table.loc[2020, "n"] == 22
    assert any("2020" in n and "R01" in n and "R02" in n for n in res.notes)
    sub = series.xs(2020, level="period")
    assert_matches_reference(res, pairwise_dagum(sub.to_numpy(), [groups[r] for r in sub.index]), period=2020)


def test_zero_mean_group_defined_as_zero_and_reported():
    y = [0.0, 0.0, 0.0, 1.0, 2.0, 5.0, 3.0]
    series, groups = one_period(y, ["Z", "Z", "Z", "A", "A", "B", "B"])
    res = sc.DagumGini().fit(series, groups)
    w = res.within.xs(2020, level="period")
    assert w.loc["Z", "G_jj"] == 0.0
    assert any("'Z'" in n and "G_jj" in n for n in res.notes)
    assert_matches_reference(res, pairwise_dagum(y, ["Z", "Z", "Z", "A", "A", "B", "B"]))


def test_unused_groups_entries_reported():
    series, groups = panel()
    groups["Elsewhere"] = "East"
    res = sc.DagumGini().fit(series, groups)
    assert any("Elsewhere" in n for n in res.notes)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"bootstrap": -1}, "bootstrap"),
        ({"bootstrap": 1}, "bootstrap=1"),
        ({"bootstrap": 2.5}, "bootstrap"),
        ({"alpha": 1.5}, "alpha"),
        ({"seed": -3}, "seed"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"ci": "bca"}, "ci must be"),
    ],
)
def test_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sc.DagumGini(**kwargs)


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("alpha", 5.0, r"alpha must be a number in \(0, 1\); got 5.0"),
        ("bootstrap", 1, "bootstrap=1"),
        ("ci", "bca", "ci must be one of"),
        ("seed", -1, "seed must be"),
        ("n_jobs", 0, "n_jobs must be"),
    ],
)
def test_settings_changed_after_construction_are_checked_by_fit(name, value, match):
    series, groups = panel()
    model = sc.DagumGini(bootstrap=10, seed=1)
    setattr(model, name, value)
    with pytest.raises(ValueError, match=match):
        model.fit(series, groups)


def test_bad_groups():
    series, _ = panel()
    with pytest.raises(TypeError, match="mapping"):
        sc.DagumGini().fit(series, ["a", "b"])
    with pytest.raises(ValueError, match="empty"):
        sc.DagumGini().fit(series, {})
    with pytest.raises(ValueError, match=r"listed twice.*'r1'"):
        sc.DagumGini().fit(series, pd.Series(["a", "b", "c"], index=["r1", "r1", "r2"]))
    with pytest.raises(TypeError, match=r"needs the groups.*fit\(series, groups\)"):
        sc.DagumGini().fit(series)


def test_groups_given_twice_refused():
    series, groups = panel()
    with pytest.warns(DeprecationWarning, match="pass groups to fit"):
        model = sc.DagumGini(groups)
    with pytest.raises(ValueError, match=r"groups given both to the constructor.*fit only"):
        model.fit(series, groups)
    with pytest.warns(DeprecationWarning, match="pass groups to fit"):
        theil_model = sc.TheilIndex(groups)
    with pytest.raises(ValueError, match="groups given both"):
        theil_model.fit(series, groups)


# ---------------------------------------------------------------------------
# bootstrap
# ---------------------------------------------------------------------------
def test_bootstrap_reproducible_and_independent_of_n_jobs():
    series, groups = panel(n_regions=18)
    a = sc.DagumGini(bootstrap=40, seed=123).fit(series, groups)
    b = sc.DagumGini(bootstrap=40, seed=123).fit(series, groups)
    c = sc.DagumGini(bootstrap=40, seed=123, n_jobs=2).fit(series, groups)
    d = sc.DagumGini(bootstrap=40, seed=124).fit(series, groups)
    for name in ("table", "within", "between"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
        pd.testing.assert_frame_equal(getattr(a, name), getattr(c, name))
    assert not np.allclose(a.table["G_lower"], d.table["G_lower"])
    from joblib import parallel_config

    with parallel_config(backend="threading", n_jobs=2):
        e = sc.DagumGini(bootstrap=40, seed=123).fit(series, groups)
    pd.testing.assert_frame_equal(a.between, e.between)
    # every reported number has limits
    for frame, cols in (
        (a.table, ["G", "Gw", "Gnb", "Gt", "Gw_share"]),
        (a.within, ["G_jj", "mean", "s_j"]),
        (a.between, ["G_jh", "D_jh", "d_jh", "p_jh"]),
    ):
        for col in cols:
            assert f"{col}_lower" in frame.columns
            assert f"{col}_upper" in frame.columns


def test_bootstrap_follows_documented_resampling_scheme():
    rng = np.random.default_rng(42)
    y = rng.lognormal(0, 0.5, 14)
    g = ["b", "a", "c", "a", "b", "b", "c", "a", "a", "b", "c", "c", "a", "b"]
    series, groups = one_period(y, g)
    B, seed = 25, 9
    res = sc.DagumGini(bootstrap=B, seed=seed, ci="percentile").fit(series, groups)
    # regions in group order (a, b, c), within group by region name
    regions = sorted(groups, key=lambda r: (groups[r], r))
    vals = series.xs(2020, level="period").loc[regions].to_numpy()
    labs = np.array([groups[r] for r in regions])
    sizes = np.array([np.sum(labs == lab) for lab in ("a", "b", "c")])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    high, low = np.repeat(sizes, sizes), np.repeat(starts, sizes)
    seqs = np.random.SeedSequence(seed).spawn(1)[0].spawn(B)
    reps = [
        pairwise_dagum(
            vals[low + np.floor(np.random.default_rng(s).random(vals.size) * high).astype(int)],
            labs,
        )
        for s in seqs
    ]
    row = res.table.loc[2020]
    for key in ("G", "Gw", "Gnb", "Gt"):
        draws = np.array([r[key] for r in reps])
        assert row[f"{key}_lower"] == pytest.approx(np.quantile(draws, 0.025), rel=1e-10)
        assert row[f"{key}_upper"] == pytest.approx(np.quantile(draws, 0.975), rel=1e-10)
    within = res.within.xs(2020, level="period")
    for lab in ("a", "b", "c"):
        draws = np.array([r["G_jj"][lab] for r in reps])
        assert within.loc[lab, "G_jj_upper"] == pytest.approx(np.quantile(draws, 0.975), rel=1e-10)
    between = res.between.xs(2020, level="period")
    for (gj, gh), bt in between.iterrows():
        draws = np.array([r["pairs"][frozenset((gj, gh))]["G_jh"] for r in reps])
        assert bt["G_jh_lower"] == pytest.approx(np.quantile(draws, 0.025), rel=1e-10)


def test_bootstrap_interval_contains_estimate_with_sizeable_groups():
    rng = np.random.default_rng(1)
    y = np.concatenate([rng.lognormal(0.6, 0.4, 80), rng.lognormal(0.0, 0.5, 80), rng.lognormal(-0.4, 0.3, 80)])
    series, groups = one_period(y, ["hi"] * 80 + ["mid"] * 80 + ["lo"] * 80)
    res = sc.DagumGini(bootstrap=199, seed=2).fit(series, groups)
    row = res.table.loc[2020]
    for key in ("G", "Gw", "Gnb", "Gt", "Gw_share", "Gnb_share", "Gt_share"):
        assert row[f"{key}_lower"] <= row[key] <= row[f"{key}_upper"], key
    for frame, cols in (
        (res.within, ["G_jj", "mean", "s_j"]),
        (res.between, ["G_jh", "D_jh", "d_jh", "p_jh"]),
    ):
        for col in cols:
            assert (frame[f"{col}_lower"] <= frame[col]).all(), col
            assert (frame[col] <= frame[f"{col}_upper"]).all(), col


def test_bias_corrected_levels_by_formula():
    draws = np.arange(1000, dtype=float)[:, None]
    estimate = np.array([299.5])  # 300 of 1000 replicates lie below
    lo, hi = _intervals(draws, estimate, 0.1, "bc")
    z0 = norm.ppf(0.3)
    z = norm.ppf(0.95)
    assert lo[0] == pytest.approx(np.quantile(draws[:, 0], norm.cdf(2 * z0 - z)), rel=1e-12)
    assert hi[0] == pytest.approx(np.quantile(draws[:, 0], norm.cdf(2 * z0 + z)), rel=1e-12)
    plo, phi = _intervals(draws, estimate, 0.1, "percentile")
    assert plo[0] == pytest.approx(np.quantile(draws[:, 0], 0.05))
    assert phi[0] == pytest.approx(np.quantile(draws[:, 0], 0.95))


def test_percentile_outside_interval_reported_with_the_reason():
    # 8 groups of 3: resampled within-group Ginis shrink by about 2/3, so Gw falls above its
    # percentile interval
    rng = np.random.default_rng(4)
    series, groups = one_period(rng.lognormal(0, 0.6, 24), [f"g{i % 8}" for i in range(24)])
    res = sc.DagumGini(bootstrap=200, seed=1, ci="percentile").fit(series, groups)
    row = res.table.loc[2020]
    assert row["Gw"] > row["Gw_upper"]
    note = next(n for n in res.notes if "outside their percentile interval" in n)
    assert "(n_j − 1)/n_j" in note
    assert "ci='symmetric-t'" in note
    assert any("do not allow for the bias" in n for n in res.notes)
    bc = sc.DagumGini(bootstrap=200, seed=1, ci="bc").fit(series, groups)
    assert bc.ci == "bc"
    assert "bc intervals" in bc.summary()


# ---------------------------------------------------------------------------
# export and plots
# ---------------------------------------------------------------------------
def test_export_and_plots(tmp_path):
    import matplotlib.pyplot as plt

    series, groups = panel(n_regions=12)
    res = sc.DagumGini(bootstrap=20, seed=0).fit(series, groups)
    csv = pd.read_csv(res.export(tmp_path / "dagum.csv"), index_col=0)
    np.testing.assert_allclose(csv["G"], res.table["G"])
    sheets = pd.read_excel(res.export(tmp_path / "dagum.xlsx"), sheet_name=None)
    assert set(sheets) == {"table", "within", "between", "group_means"}
    assert "G_jh" in sheets["between"].columns
    assert "Gnb" in res.export(tmp_path / "dagum.md").read_text()
    assert "\\toprule" in res.export(tmp_path / "dagum.tex").read_text()
    for kind in ("decomposition", "within", "between"):
        fig = res.plot(kind=kind)
        assert fig.axes
        plt.close(fig)
    fig = res.plot(kind="between", period=2018, value="D_jh")
    plt.close(fig)
    assert res.export(tmp_path / "between.png", kind="between").stat().st_size > 0
    with pytest.raises(ValueError, match="1999"):
        res.plot(kind="between", period=1999)
    with pytest.raises(ValueError, match="kind"):
        res.plot(kind="pie")
    assert "Dagum" in res.summary()


# ---------------------------------------------------------------------------
# Theil, Gini, CV
# ---------------------------------------------------------------------------
def test_theil_T_matches_pysal_with_decomposition():
    series, groups = panel(n_regions=30, seed=3)
    res = sc.TheilIndex(kind="T").fit(series, groups)
    with pytest.warns(DeprecationWarning, match=r"pass groups to fit: TheilIndex\(...\)\.fit\(series, groups\)"):
        old_style = sc.TheilIndex(groups, kind="T")
    pd.testing.assert_frame_equal(old_style.fit(series).table, res.table)
    for period in (2018, 2019, 2020):
        sub = series.xs(period, level="period")
        y = sub.to_numpy()
        part = np.array([groups[r] for r in sub.index])
        td = PysalTheilD(y, part)
        row = res.table.loc[period]
        assert row["theil"] == pytest.approx(float(np.squeeze(PysalTheil(y).T)), rel=1e-12)
        assert row["between"] == pytest.approx(float(np.squeeze(td.bg)), rel=1e-12)
        assert row["within"] == pytest.approx(float(np.squeeze(td.wg)), rel=1e-10)
        assert theil(y, "T") == pytest.approx(float(np.squeeze(PysalTheil(y).T)), rel=1e-12)


def test_theil_L_by_formula():
    series, groups = panel(n_regions=21, seed=6)
    res = sc.TheilIndex(kind="L").fit(series, groups)
    for period in (2018, 2019, 2020):
        sub = series.xs(period, level="period")
        y = sub.to_numpy()
        mu = y.mean()
        lab = np.array([groups[r] for r in sub.index])
        total = sum(math.log(mu / v) for v in y) / y.size
        between = sum((lab == g).mean() * math.log(mu / y[lab == g].mean()) for g in set(lab))
        within = sum((lab == g).mean() * np.mean(np.log(y[lab == g].mean() / y[lab == g])) for g in set(lab))
        row = res.table.loc[period]
        assert row["theil"] == pytest.approx(total, rel=1e-12)
        assert row["between"] == pytest.approx(between, rel=1e-12)
        assert row["within"] == pytest.approx(within, rel=1e-12)
        assert theil(y, "L") == pytest.approx(total, rel=1e-12)


def test_theil_without_groups_and_zero_values():
    series, _ = panel(seed=9)
    series.iloc[0] = 0.0  # 0 ln 0 = 0 for T
    res = sc.TheilIndex().fit(series)
    period = series.index[0][1]
    y = series.xs(period, level="period").to_numpy()
    assert res.table.loc[period, "theil"] == pytest.approx(float(np.squeeze(PysalTheil(y).T)), rel=1e-9)
    assert "within" not in res.table.columns
    with pytest.raises(ValueError, match=r"> 0.*R00.*2018"):
        sc.TheilIndex(kind="L").fit(series)
    with pytest.raises(ValueError, match="kind"):
        sc.TheilIndex(kind="X")
    model = sc.TheilIndex()
    model.kind = "X"
    with pytest.raises(ValueError, match="kind must be one of 'T', 'L'; got 'X'"):
        model.fit(series)
    fig = res.plot()
    assert fig.axes


def test_theil_regions_without_group_listed():
    series, groups = panel()
    del groups["R10"]
    with pytest.raises(ValueError, match="R10"):
        sc.TheilIndex().fit(series, groups)


def test_plain_functions():
    rng = np.random.default_rng(12)
    y = rng.lognormal(0, 1, 333)
    assert gini(y) == pytest.approx(PysalGini(y).g, rel=1e-12)
    assert gini([1, 1, 1]) == 0.0
    assert gini([0, 0, 0, 4]) == pytest.approx(3 / 4)  # (n - 1) / n
    assert coefficient_of_variation(y) == pytest.approx(np.sqrt(np.mean((y - y.mean()) ** 2)) / y.mean(), rel=1e-12)
    assert coefficient_of_variation(y, ddof=1) == pytest.approx(
        np.sqrt(np.sum((y - y.mean()) ** 2) / (y.size - 1)) / y.mean(), rel=1e-12
    )
    assert isinstance(gini(y), float)
    assert isinstance(theil(y), float)
    assert isinstance(coefficient_of_variation(y), float)
    with pytest.raises(ValueError, match="negative at positions 1"):
        gini([1.0, -1.0, 2.0])
    with pytest.raises(ValueError, match="mean is 0"):
        theil([0.0, 0.0])
    with pytest.raises(ValueError, match="non-positive at positions 0"):
        theil([0.0, 1.0], kind="L")
    with pytest.raises(ValueError, match="1-D"):
        coefficient_of_variation(np.ones((2, 2)))
    with pytest.raises(ValueError, match="missing"):
        gini([1.0, np.nan])


def test_mexico_published_theil_and_dagum_identity():
    """Mexican state GDP per capita 1940-2000 (libpysal example) by the hanson98 regions:
    the Theil T decomposition printed in the ``inequality`` package's documentation."""
    libpysal = pytest.importorskip("libpysal")
    f = libpysal.io.open(libpysal.examples.get_path("mexico.csv"))
    years = list(range(1940, 2010, 10))
    states = f.by_col("State")
    wide = pd.DataFrame({yr: f.by_col[f"pcgdp{yr}"] for yr in years}, index=states)
    series = wide.stack()
    series.index.names = ["region", "period"]
    regimes = dict(zip(states, f.by_col("hanson98"), strict=True))
    res = sc.TheilIndex(kind="T").fit(series, regimes)
    published_T = [
        0.20894344,
        0.15222451,
        0.10472941,
        0.10194725,
        0.09560113,
        0.10511256,
        0.10660832,
    ]
    published_bg = [
        0.0345889,
        0.02816853,
        0.05260921,
        0.05931219,
        0.03205257,
        0.02963731,
        0.03635872,
    ]
    published_wg = [
        0.17435454,
        0.12405598,
        0.0521202,
        0.04263506,
        0.06354856,
        0.07547525,
        0.0702496,
    ]
    np.testing.assert_allclose(res.table["theil"], published_T, atol=1e-8)
    np.testing.assert_allclose(res.table["between"], published_bg, atol=1e-8)
    np.testing.assert_allclose(res.table["within"], published_wg, atol=1e-8)
    dagum = sc.DagumGini().fit(series, regimes)
    for yr in years:
        row = dagum.table.loc[yr]
        assert row["G"] == pytest.approx(PysalGini(wide[yr].to_numpy()).g, rel=1e-12)
        assert row["Gw"] + row["Gnb"] + row["Gt"] == pytest.approx(row["G"], rel=1e-12)
        ref = pairwise_dagum(wide[yr].to_numpy(), [regimes[s] for s in states])
        assert_matches_reference(dagum, ref, period=yr)

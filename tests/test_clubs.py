"""Phillips–Sul club convergence, checked against computations written out here and against
numbers produced by R ConvergenceClubs 2.2.5 (Sichera & Pizzuto) on the same data."""

from __future__ import annotations

import importlib.util
import math
import re

import numpy as np
import pandas as pd
import pytest

import spatialcoupling as sc
from spatialcoupling.clubs import ClubConvergence, hp_trend


def _series(X: np.ndarray, regions=None, start=2000) -> pd.Series:
    """Region × period Series of exp(X) from a units × periods array of log values."""
    n, T = X.shape
    regions = regions if regions is not None else [f"r{i:02d}" for i in range(n)]
    idx = pd.MultiIndex.from_product([regions, range(start, start + T)], names=["region", "period"])
    return pd.Series(np.exp(X).ravel(), index=idx)


def _hand_panel() -> np.ndarray:
    n, T = 5, 24
    t = np.arange(1, T + 1)
    i = np.arange(n)[:, None]
    return 4 + 0.03 * t + (i - 2) * 0.8 * np.exp(-0.12 * t) + 0.02 * np.sin(1.7 * i + 0.9 * t)


def _log_t_by_hand(X: np.ndarray, r: float, hac: str) -> tuple[float, float, float]:
    """The log t regression written out: h, H, OLS by lstsq, long-run variance by explicit loops."""
    T = X.shape[1]
    h = X / X.mean(axis=0)
    H = ((h - 1) ** 2).mean(axis=0)
    s = round(r * T)
    t = np.arange(s + 1, T + 1)
    y = np.log(H[0] / H[s:]) - 2 * np.log(np.log(t))
    D = np.column_stack([np.ones(t.size), np.log(t)])
    coef = np.linalg.lstsq(D, y, rcond=None)[0]
    e = y - D @ coef
    n = e.size
    if hac == "bartlett":  # Newey–West, Bartlett weights, L = floor(4 (n/100)^(2/9))
        L = math.floor(4 * (n / 100) ** (2 / 9))
        lrv = sum(e[k] ** 2 for k in range(n)) / n
        for j in range(1, L + 1):
            lrv += 2 * (1 - j / (L + 1)) * sum(e[k] * e[k + j] for k in range(n - j)) / n
    else:  # QS kernel, Andrews AR(1) bandwidth, autocovariances of the first n-1 residuals (R ConvergenceClubs)
        rho = sum(e[k] * e[k + 1] for k in range(n - 1)) / sum(e[k] ** 2 for k in range(n - 1))
        S = 1.3221 * (4 * rho**2 / (1 - rho) ** 4 * n) ** 0.2
        lrv = sum(e[k] ** 2 for k in range(n)) / (n - 1)
        for j in range(1, n - 1):
            z = 1.2 * math.pi * j / S
            w = 3 / z**2 * (math.sin(z) / z - math.cos(z))
            lrv += 2 * w * sum(e[k] * e[k + j] for k in range(n - 1 - j)) / (n - 1)
    se = math.sqrt(lrv * np.linalg.inv(D.T @ D)[1, 1])
    return coef[1], se, coef[1] / se


@pytest.mark.parametrize("hac", ["qs", "bartlett"])
@pytest.mark.parametrize("r", [0.3, 1 / 3])
def test_log_t_regression_by_hand(hac, r):
    X = _hand_panel()
    res = ClubConvergence(r=r, hac=hac).fit(_series(X))
    b, se, t = _log_t_by_hand(X, r, hac)
    assert res.log_t.b == pytest.approx(b, rel=1e-10)
    assert res.log_t.std_error == pytest.approx(se, rel=1e-10)
    assert res.log_t.t == pytest.approx(t, rel=1e-10)
    assert res.log_t.p_value == pytest.approx(0.5 * math.erfc(-t / math.sqrt(2)), abs=1e-12)
    assert res.settings["discarded"] == round(r * 24)


@pytest.mark.parametrize(
    ("r", "expected"),
    [
        # R: estimateMod(computeH(X), time_trim, HACmethod = "FQSB") on the same log values
        (0.3, (2.927164402085152, 0.168357445453777, 17.386604995077608)),
        (1 / 3, (3.117375039606086, 0.153464249753802, 20.313363174857905)),
    ],
)
def test_log_t_matches_r_convergenceclubs(r, expected):
    res = ClubConvergence(r=r).fit(_series(_hand_panel()))
    assert (res.log_t.b, res.log_t.std_error, res.log_t.t) == pytest.approx(expected, rel=1e-9)


def test_bartlett_lags_setting():
    X = _hand_panel()
    a = ClubConvergence(hac="bartlett").fit(_series(X))
    b = ClubConvergence(hac="bartlett", lags=2).fit(_series(X))  # n = 17 periods used: the rule gives 2
    assert a.settings["lags"] == 2
    assert a.log_t.std_error == pytest.approx(b.log_t.std_error, rel=1e-14)
    c = ClubConvergence(hac="bartlett", lags=0).fit(_series(X))
    assert c.log_t.std_error != pytest.approx(a.log_t.std_error, rel=1e-3)


def _two_clubs(seed=7, n=12, T=30):
    rng = np.random.default_rng(seed)
    t = np.arange(1, T + 1)
    level = np.repeat([9.5, 8.0], n)
    X = level[:, None] + 0.02 * t + rng.uniform(-0.6, 0.6, 2 * n)[:, None] * np.exp(-0.2 * t)
    X += 0.002 * rng.standard_normal((2 * n, T))
    regions = [f"{'hi' if g == 9.5 else 'lo'}{i:02d}" for i, g in enumerate(level)]
    return X, regions


@pytest.mark.parametrize("merge", [False, "ps", "vlt"])
def test_two_separated_clubs_are_recovered_exactly(merge):
    X, regions = _two_clubs()
    res = ClubConvergence(merge=merge).fit(_series(X, regions))
    expected = pd.Series(["club1" if r.startswith("hi") else "club2" for r in regions], index=regions)
    assert (res.clubs.loc[regions] == expected).all()
    assert not res.log_t.converges
    assert res.log_t.t < -1.65
    assert res.n_clubs == 2
    assert res.divergent == []
    assert list(res.table["n_regions"]) == [12, 12]
    assert res.table["converges"].all()
    # each club's row is the log t test of its members, as computed by hand
    hi = X[[r.startswith("hi") for r in regions]]
    assert res.table.loc["club1", "t"] == pytest.approx(_log_t_by_hand(hi, 0.3, "qs")[2], rel=1e-9)
    # ordering by the mean of the last half gives the same clubs
    alt = ClubConvergence(merge=merge, order_by=0.5).fit(_series(X, regions))
    assert alt.clubs.equals(res.clubs)


def test_one_common_path_converges():
    rng = np.random.default_rng(3)
    n, T = 15, 25
    t = np.arange(1, T + 1)
    X = 9 + 0.02 * t + rng.uniform(-1, 1, n)[:, None] * np.exp(-0.15 * t) + 0.002 * rng.standard_normal((n, T))
    res = ClubConvergence().fit(_series(X))
    assert res.log_t.converges
    assert res.log_t.t > -1.65
    assert res.log_t.b > 0
    assert (res.clubs == "club1").all()
    assert list(res.table.index) == ["club1"]
    assert res.table.loc["club1", "t"] == pytest.approx(res.log_t.t, rel=1e-12)
    assert res.log_t.t == pytest.approx(_log_t_by_hand(X, 0.3, "qs")[2], rel=1e-9)


def test_divergent_region_is_reported():
    rng = np.random.default_rng(3)
    n, T = 15, 25
    t = np.arange(1, T + 1)
    X = 9 + 0.02 * t + rng.uniform(-1, 1, n)[:, None] * np.exp(-0.15 * t) + 0.002 * rng.standard_normal((n, T))
    X[4] = 9 + 0.08 * t  # grows away from the others
    res = ClubConvergence().fit(_series(X))
    assert not res.log_t.converges
    assert res.divergent == ["r04"]
    assert res.clubs.drop("r04").eq("club1").all()
    assert res.table.loc["divergent", "n_regions"] == 1
    assert np.isnan(res.table.loc["divergent", "t"])
    assert res.members("divergent") == ["r04"]


def _r_panel():
    """The panel behind the R reference below (log values; R got ``np.log`` of these levels)."""
    n, T = 24, 30
    rng = np.random.default_rng(1817)
    t = np.arange(1, T + 1)
    level = np.array([9.0, 8.6, 8.2, 7.6])[np.arange(n) % 4]
    speed = rng.uniform(0.05, 0.3, n)
    X = level[:, None] + 0.02 * t + rng.standard_normal(n)[:, None] * np.exp(-speed[:, None] * t)
    X += 0.01 * rng.standard_normal((n, T)).cumsum(1)
    X[-1] += 0.04 * t
    return X


# R ConvergenceClubs 2.2.5: findClubs(X, time_trim = 0.3, cstar = 0, HACmethod = "FQSB"), then
# mergeClubs(mergeMethod = "PS" / "vLT", mergeDivergent = FALSE / TRUE); labels of r00..r23
R_LABELS = {
    "initial": "1 2 2 d 1 3 2 2 2 3 2 4 2 1 d 3 1 3 3 4 2 3 3 1",
    "ps": "1 1 1 d 1 1 1 1 1 1 1 2 1 1 d 1 1 1 1 2 1 1 1 1",
    "vlt": "1 2 2 d 1 2 2 2 2 2 2 3 2 1 d 2 1 2 2 3 2 2 2 1",
    "ps_divergent": "1 1 1 d 1 1 1 1 1 1 1 2 1 1 1 1 1 1 1 2 1 1 1 1",
}


def _labels(code: str) -> list[str]:
    return ["divergent" if c == "d" else f"club{c}" for c in code.split()]


@pytest.mark.parametrize(
    ("key", "kwargs"),
    [
        ("initial", {"merge": False}),
        ("ps", {"merge": "ps"}),
        ("vlt", {"merge": "vlt"}),
        ("ps_divergent", {"merge": True, "merge_divergent": True}),
    ],
)
def test_clubs_match_r_convergenceclubs(key, kwargs):
    res = ClubConvergence(core="max_abs_t", **kwargs).fit(_series(_r_panel()))
    assert res.clubs.tolist() == _labels(R_LABELS[key])
    if key == "initial":
        assert res.initial_clubs.equals(res.clubs)
        # R's club models (beta, std.err, tvalue) and the whole-panel test
        ref = {
            "club1": (1.476224920255749, 0.107042003234194, 13.791080843526055),
            "club2": (0.1054066854505594, 0.0122396824144663, 8.6118807564792252),
            "club3": (0.1270672135750388, 0.0197081402379649, 6.4474482138229474),
            "club4": (0.1026212865522552, 1.3761481333260122, 0.0745713953804013),
        }
        for club, values in ref.items():
            row = res.table.loc[club]
            assert (row["b"], row["std_error"], row["t"]) == pytest.approx(values, rel=1e-9)
        lt = res.log_t
        expected = (-0.205807660979938, 0.0124319628093155, -16.5547198086631)
        assert (lt.b, lt.std_error, lt.t) == pytest.approx(expected, rel=1e-9)
    else:
        assert res.initial_clubs.tolist() == _labels(R_LABELS["initial"])


def test_core_rule_phillips_sul_versus_r():
    X = _r_panel()
    ps_rule = ClubConvergence(merge=False).fit(_series(X))
    r_rule = ClubConvergence(merge=False, core="max_abs_t").fit(_series(X))
    # on this panel R's |t| rule picks a different core group, so the initial clubs differ ...
    assert not ps_rule.clubs.equals(r_rule.clubs)
    # ... and every club found under the Phillips–Sul rule still passes its own test
    assert ps_rule.table.drop("divergent", errors="ignore")["converges"].all()


def test_merge_notes_and_tables():
    res = ClubConvergence(merge="ps", core="max_abs_t").fit(_series(_r_panel()))
    assert res.table.loc["club1", "merged_from"] == "club1+club2+club3"
    assert any("club1 merges initial clubs club1+club2+club3" in n for n in res.notes)
    assert list(res.initial_table.index) == ["club1", "club2", "club3", "club4", "divergent"]
    assert res.table.loc["divergent", "n_regions"] == 2


def test_hp_filter_against_dense_solve_and_statsmodels():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 3)).cumsum(0)
    T = x.shape[0]
    D = np.zeros((T - 2, T))
    for i in range(T - 2):
        D[i, i : i + 3] = [1, -2, 1]
    dense = np.linalg.solve(np.eye(T) + 400 * D.T @ D, x)
    assert hp_trend(x, 400) == pytest.approx(dense, abs=1e-10)
    hp = pytest.importorskip("statsmodels.tsa.filters.hp_filter")
    _, trend = hp.hpfilter(x[:, 0], lamb=400)
    assert hp_trend(x[:, 0], 400) == pytest.approx(np.asarray(trend), abs=1e-10)


def test_hp_option_filters_log_values():
    X, regions = _two_clubs()
    noisy = X + 0.03 * np.sin(np.arange(X.shape[1]))  # a common cycle
    res = ClubConvergence(hp_lambda=400).fit(_series(noisy, regions))
    trend = hp_trend(noisy.T, 400).T
    assert res.transition_paths.to_numpy() == pytest.approx(trend / trend.mean(0), rel=1e-12)
    assert any("Hodrick–Prescott" in n for n in res.notes)


def _norm(name: str) -> str:
    return re.sub("[^a-z]", "", name.lower())


PUBLISHED = {  # R ConvergenceClubs: findClubs(filteredGDP, dataCols = 2:35, refCol = 35, time_trim = 1/3)
    "club1": "antigua australia austria belgium bermuda botswana brunei canada capeverde chile china cyprus denmark "
    "dominica equatorialguinea finland france germany hongkong iceland ireland israel italy japan "
    "korearepublicof kuwait luxembourg macao malaysia maldives malta mauritius netherlands newzealand norway "
    "oman portugal puertorico qatar singapore spain stkittsnevis stvincentgrenadines sweden switzerland "
    "taiwan thailand unitedarabemirates unitedkingdom unitedstates",
    "club2": "argentina bahamas bahrain barbados belize brazil colombia costarica dominicanrepublic egypt gabon greece "
    "grenada hungary india indonesia mexico netherlandsantilles panama poland saudiarabia southafrica "
    "srilanka stlucia swaziland tonga trinidadtobago tunisia turkey uruguay",
    "club3": "algeria bhutan cuba ecuador elsalvador fiji guatemala iran jamaica lesotho micronesiafedsts morocco "
    "namibia pakistan papuanewguinea paraguay peru philippines romania suriname venezuela",
    "club4": "benin bolivia burkinafaso cameroon cotedivoire ethiopia ghana guinea honduras jordan koreademrep laos "
    "mali mauritania mozambique nepal nicaragua samoa solomonislands syria tanzania uganda vanuatu zimbabwe",
    "club5": "cambodia chad comoros congorepublicof gambiathe iraq kenya kiribati malawi mongolia nigeria "
    "saotomeandprincipe senegal sudan",
    "club6": "afghanistan burundi centralafricanrepublic guineabissau madagascar niger rwanda sierraleone somalia "
    "togo zambia",
    "club7": "congodemrep liberia",
}


def _published_gdp() -> pd.Series:
    """GDP per head of 152 countries, 1970–2003 (Phillips & Sul 2009), as shipped with R
    ConvergenceClubs; read from the ``convergence-clubs`` package's copy when it is installed."""
    if importlib.util.find_spec("convergence_clubs") is None:
        pytest.skip("the ConvergenceClubs example data are not installed (pip install convergence-clubs)")
    from importlib.resources import files

    frame = pd.read_csv(files("convergence_clubs") / "data" / "gdp.csv", index_col=0)
    frame.columns = frame.columns.astype(int)
    return frame.stack().rename_axis(["region", "period"])


def test_reproduces_published_convergenceclubs_example():
    gdp = _published_gdp()
    model = ClubConvergence(r=1 / 3, hp_lambda=400, merge=False)
    res = model.fit(gdp)
    got = {_norm(k): v for k, v in res.clubs.items()}
    for club, members in PUBLISHED.items():
        assert sorted(k for k, v in got.items() if v == club) == sorted(members.split())
    assert res.log_t.t == pytest.approx(-159.555111636, rel=1e-6)
    assert res.table["t"].tolist() == pytest.approx(
        [
            9.282267780505,
            6.9043574569889,
            3.4024756633849,
            2.0548787218811,
            1.700778963709,
            6.023844083419,
            -0.558544576973,
        ],
        rel=1e-6,
    )
    merged = ClubConvergence(r=1 / 3, hp_lambda=400, merge="ps").fit(gdp)
    assert merged.table["n_regions"].tolist() == [50, 30, 21, 38, 11, 2]
    assert merged.table.loc["club4", "t"] == pytest.approx(-0.63602552176364, rel=1e-6)


def test_bad_inputs_name_the_problem():
    X, regions = _two_clubs()
    s = _series(X, regions)
    bad = s.copy()
    bad.loc[("hi03", 2010)] = 0.0
    with pytest.raises(ValueError, match=r"'hi03', 2010"):
        ClubConvergence().fit(bad)
    with pytest.raises(ValueError, match=r"'hi03', 2010"):
        ClubConvergence(log=False).fit(bad)
    with pytest.raises(ValueError, match=r"unbalanced.*'lo20', 2005"):
        ClubConvergence().fit(s.drop(("lo20", 2005)))
    short = s[s.index.get_level_values("period") < 2006]  # 6 periods: 2 discarded, 4 left
    with pytest.raises(ValueError, match=r"6 periods.*= 2 leaves 4 .*at least 5"):
        ClubConvergence().fit(short)
    with pytest.raises(ValueError, match=r"change sign"):
        ClubConvergence().fit(s / s.groupby(level="period").transform("mean"))  # values on both sides of 1
    with pytest.raises(ValueError, match="at least 2 regions"):
        ClubConvergence().fit(s.loc[["hi00"]])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"r": 0}, "r must"),
        ({"r": 1.0}, "r must"),
        ({"hp_lambda": -1}, "hp_lambda"),
        ({"critical": np.nan}, "critical"),
        ({"merge": "average"}, "merge"),
        ({"hac": "hc1"}, "hac"),
        ({"lags": 3}, "hac='bartlett'"),
        ({"hac": "bartlett", "lags": -1}, "lags"),
        ({"order_by": "first"}, "order_by"),
        ({"core": "all"}, "core"),
    ],
)
def test_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ClubConvergence(**kwargs)


def test_result_is_immutable_and_exports(tmp_path):
    X, regions = _two_clubs()
    res = sc.ClubConvergence().fit(_series(X, regions))
    with pytest.raises(AttributeError):
        res.log_t = None
    table = res.table
    table.loc["club1", "t"] = 0.0
    assert res.table.loc["club1", "t"] != 0.0
    paths = res.transition_paths
    assert paths.shape == (24, 30)
    assert paths.to_numpy() == pytest.approx(X / X.mean(0), rel=1e-12)
    text = res.summary()
    assert "club1 (12): hi00" in text
    assert "convergence rejected" in text
    assert "2 clubs" in repr(res)
    fig = res.plot()
    assert len(fig.axes[0].lines) == 24 + 2 + 1
    res.export(tmp_path / "clubs.csv")
    assert pd.read_csv(tmp_path / "clubs.csv", index_col=0).loc["club2", "n_regions"] == 12
    res.export(tmp_path / "clubs.xlsx")
    assert set(pd.read_excel(tmp_path / "clubs.xlsx", sheet_name=None)) == {
        "table",
        "initial_table",
        "clubs",
        "transition_paths",
    }

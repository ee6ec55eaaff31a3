"""Objective weights and subsystem scores against formulas written out in the tests."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spatialcoupling as sc

SYSTEM = sc.IndicatorSystem.from_dict(
    {"MS": {"d1": {"m1": "+", "m2": "-"}, "d2": {"m3": "+"}}, "AM": {"d3": {"a1": "+", "a2": "+"}}}
)


def make_panel(seed=0, n=6, periods=range(2009, 2014)):
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product([[f"r{i}" for i in range(n)], list(periods)], names=["region", "period"])
    frame = pd.DataFrame(rng.lognormal(size=(len(idx), 5)), index=idx, columns=["m1", "m2", "m3", "a1", "a2"])
    return sc.read_panel(frame.reset_index())


def entropy_by_hand(x, directions, shift=1e-4):
    """Entropy weights written loop by loop from the formulas."""
    m, k = x.shape
    weights, ent = [], []
    for j in range(k):
        col = x[:, j]
        lo, hi = min(col), max(col)
        z = [((v - lo) if directions[j] > 0 else (hi - v)) / (hi - lo) + shift for v in col]
        total = sum(z)
        e = -sum((v / total) * np.log(v / total) for v in z) / np.log(m)
        ent.append(e)
    d = [1 - e for e in ent]
    weights = [v / sum(d) for v in d]
    return np.array(weights), np.array(ent)


def test_entropy_pooled_matches_hand_computation():
    panel = make_panel()
    scores = sc.EntropyWeights().fit(panel, SYSTEM)
    w = scores.weights.set_index("indicator")
    x = panel.data
    expected, ent = entropy_by_hand(x[["m1", "m2", "m3"]].to_numpy(), [1, -1, 1])
    np.testing.assert_allclose(w.loc[["m1", "m2", "m3"], "weight"], expected, rtol=1e-12)
    np.testing.assert_allclose(w.loc[["m1", "m2", "m3"], "entropy"], ent, rtol=1e-12)
    # U = sum w z on un-shifted z
    z1 = (x["m1"] - x["m1"].min()) / (x["m1"].max() - x["m1"].min())
    z2 = (x["m2"].max() - x["m2"]) / (x["m2"].max() - x["m2"].min())
    z3 = (x["m3"] - x["m3"].min()) / (x["m3"].max() - x["m3"].min())
    u = expected[0] * z1 + expected[1] * z2 + expected[2] * z3
    np.testing.assert_allclose(scores.scores["MS"], u, rtol=1e-12)


def test_entropy_period_scope_per_period_weights():
    panel = make_panel()
    scores = sc.EntropyWeights(scope="period").fit(panel, SYSTEM)
    w = scores.weights
    assert "period" in w.columns
    x2011 = panel.data.xs(2011, level="period")
    expected, _ = entropy_by_hand(x2011[["a1", "a2"]].to_numpy(), [1, 1])
    got = w[(w["period"] == 2011) & (w["subsystem"] == "AM")]["weight"].to_numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # per period min-max: every period has a region at U's extremes of each indicator's z
    z = scores.standardized.xs(2011, level="period")
    assert z.min().max() == 0
    assert z.max().min() == 1
    # MS in 2012, with its negative indicator: weights and U by hand
    x2012 = panel.data.xs(2012, level="period")[["m1", "m2", "m3"]]
    w_ms, _ = entropy_by_hand(x2012.to_numpy(), [1, -1, 1])
    got_w = w[(w["period"] == 2012) & (w["subsystem"] == "MS")]["weight"].to_numpy()
    np.testing.assert_allclose(got_w, w_ms, rtol=1e-12)
    zx = (x2012 - x2012.min()) / (x2012.max() - x2012.min())
    zx["m2"] = 1 - zx["m2"]
    np.testing.assert_allclose(scores.scores.xs(2012, level="period")["MS"], zx.to_numpy() @ w_ms, rtol=1e-12)


def test_dimension_weights_sum_indicator_weights():
    scores = sc.EntropyWeights().fit(make_panel(), SYSTEM)
    dims = scores.dimension_weights.set_index(["subsystem", "dimension"])["weight"]
    w = scores.weights.set_index("indicator")["weight"]
    assert dims[("MS", "d1")] == pytest.approx(w["m1"] + w["m2"])
    assert dims[("AM", "d3")] == pytest.approx(1.0)


def test_critic_by_hand():
    panel = make_panel(seed=3)
    scores = sc.CriticWeights().fit(panel, SYSTEM)
    x = panel.data[["m1", "m2", "m3"]]
    z = ((x - x.min()) / (x.max() - x.min())).to_numpy().copy()
    z[:, 1] = 1 - z[:, 1]  # m2 is negative: (max - x) / (max - min)
    sd = z.std(axis=0, ddof=1)
    r = pd.DataFrame(z).corr().to_numpy()
    c = np.array([sd[j] * sum(1 - r[j, k] for k in range(3)) for j in range(3)])
    got = scores.weights.set_index("indicator").loc[["m1", "m2", "m3"], "weight"]
    np.testing.assert_allclose(got, c / c.sum(), rtol=1e-12)


def test_cv_by_hand():
    panel = make_panel(seed=4)
    scores = sc.CVWeights().fit(panel, SYSTEM)
    x = panel.data[["a1", "a2"]]
    cv = x.std() / x.mean()
    got = scores.weights.set_index("indicator").loc[["a1", "a2"], "weight"]
    np.testing.assert_allclose(got, cv / cv.sum(), rtol=1e-12)


def test_equal_and_combined():
    panel = make_panel(seed=5)
    eq = sc.EqualWeights().fit(panel, SYSTEM).weights.set_index("indicator")["weight"]
    assert eq["m1"] == pytest.approx(1 / 3)
    assert eq["a1"] == pytest.approx(0.5)
    ent = sc.EntropyWeights().fit(panel, SYSTEM).weights.set_index("indicator")["weight"]
    cri = sc.CriticWeights().fit(panel, SYSTEM).weights.set_index("indicator")["weight"]
    comb = (
        sc.CombinedWeights([sc.EntropyWeights(), sc.CriticWeights()])
        .fit(panel, SYSTEM)
        .weights.set_index("indicator")["weight"]
    )
    ms = ["m1", "m2", "m3"]
    prod = ent[ms] * cri[ms]
    np.testing.assert_allclose(comb[ms], prod / prod.sum(), rtol=1e-12)
    mean = sc.CombinedWeights([sc.EntropyWeights(), sc.CriticWeights()], how="mean").fit(panel, SYSTEM)
    np.testing.assert_allclose(mean.weights.set_index("indicator")["weight"][ms], (ent[ms] + cri[ms]) / 2, rtol=1e-12)


def test_constant_indicator_error_and_drop():
    panel = make_panel()
    data = panel.data
    data["m3"] = 7.0
    panel = sc.read_panel(data.reset_index())
    with pytest.raises(ValueError, match=r"'m3'.*constant='drop'"):
        sc.EntropyWeights().fit(panel, SYSTEM)
    scores = sc.EntropyWeights(constant="drop").fit(panel, SYSTEM)
    assert "m3" not in set(scores.weights["indicator"])
    assert any("m3" in n for n in scores.notes)


def test_missing_values_point_to_interpolate():
    data = make_panel().data
    data.loc[("r2", 2010), "a1"] = np.nan
    panel = sc.read_panel(data.reset_index())
    with pytest.raises(ValueError, match=r"\('r2', 2010, 'a1'\).*interpolate"):
        sc.EntropyWeights().fit(panel, SYSTEM)


def test_missing_indicator_column():
    data = make_panel().data.drop(columns=["a2", "m1"])
    with pytest.raises(ValueError, match=r"\['m1', 'a2'\]"):
        sc.EntropyWeights().fit(sc.read_panel(data.reset_index()), SYSTEM)


def test_bad_settings_rejected_in_constructor():
    with pytest.raises(ValueError, match="scope"):
        sc.EntropyWeights(scope="year")
    with pytest.raises(ValueError, match="shift"):
        sc.EntropyWeights(shift=-1)
    with pytest.raises(ValueError, match="at least two"):
        sc.CombinedWeights([sc.EntropyWeights()])


@pytest.mark.parametrize(
    ("make", "name", "value", "match"),
    [
        (
            sc.EntropyWeights,
            "scope",
            "year",
            r"EntropyWeights: scope must be one of 'pooled', 'period', 'period_minmax'; got 'year'",
        ),
        (sc.CriticWeights, "shift", -1.0, r"CriticWeights: shift must be a number >= 0; got -1.0"),
        (sc.CVWeights, "constant", "skip", "constant must be one of 'error', 'drop'"),
        (sc.EqualWeights, "score_on", "z", "score_on must be one of 'raw', 'shifted'"),
        (lambda: sc.GivenWeights(weights={"m1": 1.0}), "weights", {"m1": -1.0}, r"finite numbers >= 0; got 'm1': -1.0"),
        (
            lambda: sc.CombinedWeights([sc.EntropyWeights(), sc.CriticWeights()]),
            "how",
            "max",
            "how must be one of 'multiplicative', 'mean'",
        ),
    ],
)
def test_settings_changed_after_construction_are_checked_by_fit(make, name, value, match):
    """``fit`` checks the settings again, so ``m.scope = "year"`` is not silently read as
    per-period weights (nor ``how="max"`` as the mean)."""
    model = make()
    setattr(model, name, value)
    with pytest.raises(ValueError, match=match):
        model.fit(make_panel(), SYSTEM)


def test_combined_checks_its_methods_again_in_fit():
    combined = sc.CombinedWeights([sc.EntropyWeights(), sc.CriticWeights()])
    combined.methods[1].scope = "year"  # a part changed after construction
    with pytest.raises(ValueError, match="CriticWeights: scope must be"):
        combined.fit(make_panel(), SYSTEM)
    combined = sc.CombinedWeights([sc.EntropyWeights(), sc.CriticWeights()])
    combined.methods.pop()
    with pytest.raises(ValueError, match="at least two"):
        combined.fit(make_panel(), SYSTEM)


def test_score_of_and_the_deprecated_U():
    scores = sc.EntropyWeights().fit(make_panel(), SYSTEM)
    ms = scores.score_of("MS")
    assert ms.name == "U_MS"
    pd.testing.assert_series_equal(ms, scores.scores["MS"].rename("U_MS"))
    with pytest.warns(DeprecationWarning, match=r"score_of\('MS'\)"):
        old = scores.U("MS")
    pd.testing.assert_series_equal(old, ms)
    with pytest.raises(KeyError, match=r"unknown subsystem 'XX'.*'MS', 'AM'"):
        scores.score_of("XX")


def test_weights_chart_has_a_legend_naming_the_colour_of_each_subsystem():
    import matplotlib
    import matplotlib.pyplot as plt

    for scope in ("pooled", "period"):
        scores = sc.EntropyWeights(scope=scope).fit(make_panel(), SYSTEM)
        fig = scores.plot("weights")
        ax = fig.axes[0]
        leg = ax.get_legend()
        assert leg is not None
        assert leg.get_title().get_text() == "subsystem"
        assert [t.get_text() for t in leg.get_texts()] == ["MS", "AM"]
        legend_colour = {
            t.get_text(): matplotlib.colors.to_hex(p.get_facecolor())
            for t, p in zip(leg.get_texts(), leg.get_patches(), strict=True)
        }
        bars = [matplotlib.colors.to_hex(b.get_facecolor()) for b in ax.patches]
        names = [t.get_text() for t in ax.get_yticklabels()]
        subsystem = dict(zip(SYSTEM.table["indicator"], SYSTEM.table["subsystem"], strict=True))
        assert names == ["m1", "m2", "m3", "a1", "a2"]
        assert bars == [legend_colour[subsystem[n]] for n in names]
        assert legend_colour["MS"] != legend_colour["AM"]
        plt.close(fig)


def test_weighting_module_is_an_alias_of_scores():
    from spatialcoupling import scores, weighting

    for name in weighting.__all__:
        assert getattr(weighting, name) is getattr(scores, name)
    assert sc.EntropyWeights is scores.EntropyWeights


def test_fit_does_not_mutate_and_result_immutable():
    panel = make_panel()
    before = panel.data.copy()
    scores = sc.EntropyWeights().fit(panel, SYSTEM)
    pd.testing.assert_frame_equal(panel.data, before)
    with pytest.raises(AttributeError):
        scores.method = "x"
    table = scores.scores
    table.iloc[0, 0] = 99  # a copy: the result is unchanged
    assert scores.scores.iloc[0, 0] != 99


def test_export_tables(tmp_path):
    scores = sc.EntropyWeights().fit(make_panel(), SYSTEM)
    scores.export(tmp_path / "s.xlsx")
    sheets = pd.read_excel(tmp_path / "s.xlsx", sheet_name=None)
    assert set(sheets) == {"scores", "weights", "dimension_weights"}
    scores.export(tmp_path / "s.csv")
    scores.export(tmp_path / "s.md")
    scores.export(tmp_path / "s.tex")
    assert "\\toprule" in (tmp_path / "s.tex").read_text()
    scores.export(tmp_path / "s.png", kind="weights")
    assert (tmp_path / "s.png").stat().st_size > 1000
    assert "entropy" in scores.summary()


# integer-valued levels: distinct values differ by at least 1, so min-max standardisation is
# well conditioned and rescaling changes results only at rounding level
panel_values = st.lists(st.integers(1, 10**6).map(float), min_size=15, max_size=15)


@settings(max_examples=40, deadline=None)
@given(a=panel_values, b=panel_values, c=panel_values, scale=st.floats(0.01, 1000))
def test_properties_weights_scores_and_rescaling(a, b, c, scale):
    idx = pd.MultiIndex.from_product([["r0", "r1", "r2", "r3", "r4"], [1, 2, 3]], names=["region", "period"])
    frame = pd.DataFrame({"x": a, "y": b, "z": c}, index=idx)
    if (frame.max() == frame.min()).any():
        return
    system = sc.IndicatorSystem.from_dict({"S": {"d": {"x": "+", "y": "-"}}, "T": {"d": {"z": "+"}}})
    scores = sc.EntropyWeights().fit(sc.read_panel(frame.reset_index()), system)
    assert scores.weights.groupby("subsystem")["weight"].sum().to_numpy() == pytest.approx([1, 1])
    # U from the weights and an independent min-max of the raw data, before any clipping
    w = scores.weights.set_index("indicator")["weight"]
    z = (frame - frame.min()) / (frame.max() - frame.min())
    z["y"] = 1 - z["y"]
    u_s = w["x"] * z["x"] + w["y"] * z["y"]
    assert ((u_s >= -1e-12) & (u_s <= 1 + 1e-12)).all()
    np.testing.assert_allclose(scores.scores["S"], u_s, rtol=1e-9, atol=1e-12)
    ccd = sc.CouplingCoordination().fit(scores)
    assert ((ccd.D >= 0) & (ccd.D <= 1)).all()
    rescaled = frame.assign(x=frame["x"] * scale)
    ccd2 = sc.CouplingCoordination().fit(sc.EntropyWeights().fit(sc.read_panel(rescaled.reset_index()), system))
    np.testing.assert_allclose(ccd2.D, ccd.D, rtol=1e-8, atol=1e-12)


# -- CV weights need ratio-scale data -------------------------------------------------------
def test_cv_refuses_negative_values_and_names_the_indicator():
    panel = make_panel(seed=3)
    data = panel.data
    # a growth-rate-like indicator: mean near 0, both signs; sd/|mean| would dwarf the others
    data["m2"] = data["m2"] - data["m2"].mean() + 1e-6
    panel = sc.read_panel(data.reset_index())
    with pytest.raises(
        ValueError,
        match=r"CV weights need ratio-scale data.*'m2' \(min -[0-9.]+ at \('r[0-9]', 20[0-9]{2}\).*CriticWeights\(\)",
    ):
        sc.CVWeights().fit(panel, SYSTEM)
    with pytest.raises(ValueError, match=r"'m2'"):
        sc.CombinedWeights([sc.EntropyWeights(), sc.CVWeights()]).fit(panel, SYSTEM)
    sc.CriticWeights().fit(panel, SYSTEM)  # the suggested alternative works on the same data


def test_cv_accepts_zeros():
    panel = make_panel(seed=4)
    data = panel.data
    data.iloc[0, data.columns.get_loc("m1")] = 0.0  # a count that is 0 somewhere is ratio scale
    scores = sc.CVWeights().fit(sc.read_panel(data.reset_index()), SYSTEM)
    w = scores.weights.set_index("indicator")
    x = data[["m1", "m2", "m3"]]
    cv = x.std(ddof=1) / x.mean()
    np.testing.assert_allclose(w.loc[["m1", "m2", "m3"], "weight"], cv / cv.sum(), rtol=1e-12)


# -- given (subjective) weights ---------------------------------------------------------------
GIVEN_TABLE = pd.DataFrame(
    {
        "indicator": ["m1", "m2", "m3", "a1", "a2"],
        "subsystem": ["MS", "MS", "MS", "AM", "AM"],
        "dimension": ["d1", "d1", "d2", "d3", "d3"],
        "direction": ["+", "-", "+", "+", "+"],
        # global AHP weights (sum 1 over the system, not within each subsystem)
        "weight": [0.25, 0.15, 0.10, 0.30, 0.20],
    }
)


def test_given_weights_by_hand():
    panel = make_panel()
    system = sc.IndicatorSystem.from_frame(GIVEN_TABLE)
    scores = sc.GivenWeights().fit(panel, system)
    w = scores.weights.set_index("indicator")["weight"]
    # within MS: 0.25, 0.15, 0.10 over 0.5; within AM: 0.30, 0.20 over 0.5
    assert w.to_dict() == pytest.approx({"m1": 0.5, "m2": 0.3, "m3": 0.2, "a1": 0.6, "a2": 0.4}, rel=1e-12)
    x = panel.data
    z = {c: (x[c] - x[c].min()) / (x[c].max() - x[c].min()) for c in ["m1", "m3", "a1", "a2"]}
    z["m2"] = (x["m2"].max() - x["m2"]) / (x["m2"].max() - x["m2"].min())
    np.testing.assert_allclose(scores.scores["MS"], 0.5 * z["m1"] + 0.3 * z["m2"] + 0.2 * z["m3"], rtol=1e-12)
    np.testing.assert_allclose(scores.scores["AM"], 0.6 * z["a1"] + 0.4 * z["a2"], rtol=1e-12)
    assert scores.method == "given"
    assert any("normalised to sum to 1 within each subsystem" in n and "'MS': 0.5" in n for n in scores.notes)


def test_given_weights_summing_to_one_have_no_note_and_override():
    panel = make_panel()
    table = GIVEN_TABLE.assign(weight=[0.5, 0.3, 0.2, 0.6, 0.4])
    scores = sc.GivenWeights().fit(panel, sc.IndicatorSystem.from_frame(table))
    assert not any("normalised" in n for n in scores.notes)
    # weights= overrides (or supplies) the system's
    own = sc.GivenWeights(weights={"m1": 1, "m2": 1, "m3": 2, "a1": 1, "a2": 3}).fit(panel, SYSTEM)
    assert own.weights.set_index("indicator")["weight"].to_dict() == pytest.approx(
        {"m1": 0.25, "m2": 0.25, "m3": 0.5, "a1": 0.25, "a2": 0.75}
    )


def test_given_weights_errors_named():
    panel = make_panel()
    with pytest.raises(ValueError, match=r"carries no given weights.*'weight' column"):
        sc.GivenWeights().fit(panel, SYSTEM)
    partial = sc.IndicatorSystem.from_frame(GIVEN_TABLE.assign(weight=[0.25, None, 0.10, 0.30, None]))
    with pytest.raises(ValueError, match=r"no given weight for indicator\(s\) 'm2', 'a2'"):
        sc.GivenWeights().fit(panel, partial)
    zero = sc.IndicatorSystem.from_frame(GIVEN_TABLE.assign(weight=[0.25, 0.15, 0.10, 0.0, 0.0]))
    with pytest.raises(ValueError, match=r"subsystem\(s\) \['AM'\] are all 0"):
        sc.GivenWeights().fit(panel, zero)
    with pytest.raises(ValueError, match=r"'m1': -1"):
        sc.GivenWeights(weights={"m1": -1})
    with pytest.raises(ValueError, match="at most one GivenWeights"):
        sc.CombinedWeights([sc.GivenWeights(), sc.GivenWeights()])


def test_objective_methods_say_given_weights_were_not_used():
    panel = make_panel()
    system = sc.IndicatorSystem.from_frame(GIVEN_TABLE)
    for model in (
        sc.EntropyWeights(),
        sc.CriticWeights(),
        sc.CombinedWeights([sc.EntropyWeights(), sc.CriticWeights()]),
    ):
        with pytest.warns(UserWarning, match=r"given weights for 5 indicator\(s\).*GivenWeights\(\)") as record:
            scores = model.fit(panel, system)
        assert record[0].filename == __file__  # the warning points at the caller's fit
        assert any("did not use them" in n and "CombinedWeights" in n for n in scores.notes)


def test_combined_given_and_entropy_by_hand():
    panel = make_panel()
    system = sc.IndicatorSystem.from_frame(GIVEN_TABLE)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a combination that uses the given weights does not warn
        scores = sc.CombinedWeights([sc.GivenWeights(), sc.EntropyWeights()]).fit(panel, system)
        mean = sc.CombinedWeights([sc.GivenWeights(), sc.EntropyWeights()], how="mean").fit(panel, system)
    went, _ = entropy_by_hand(panel.data[["m1", "m2", "m3"]].to_numpy(), [1, -1, 1])
    g = np.array([0.5, 0.3, 0.2])
    w = scores.weights.set_index("indicator")
    np.testing.assert_allclose(w.loc[["m1", "m2", "m3"], "weight"], g * went / (g * went).sum(), rtol=1e-12)
    np.testing.assert_allclose(w.loc[["m1", "m2", "m3"], "w_given"], g, rtol=1e-12)
    np.testing.assert_allclose(
        mean.weights.set_index("indicator").loc[["m1", "m2", "m3"], "weight"], (g + went) / 2, rtol=1e-12
    )


def test_declared_settings_have_their_defaults_for_the_study_schema():
    from spatialcoupling._params import describe

    classes = (sc.EntropyWeights, sc.CriticWeights, sc.CVWeights, sc.EqualWeights, sc.GivenWeights, sc.CombinedWeights)
    for cls in classes:
        rows = {r["parameter"]: r["default"] for r in describe(cls)}
        assert rows["scope"] == "'pooled'", cls
        assert rows["shift"] == "0.0001", cls
        assert rows["constant"] == "'error'", cls
    assert {r["parameter"]: r["default"] for r in describe(sc.CombinedWeights)}["methods"] == "(required)"

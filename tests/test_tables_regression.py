"""Regression tables like esttab / xsmle: stars, parenthesised standard errors, blocks, footer."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import spatialcoupling as sc
from spatialcoupling.tables import (
    ModelColumn,
    beta_columns,
    impacts_table,
    regression_table,
    to_latex,
    to_markdown,
)


def _column(name="M", **stats_):
    coef = pd.DataFrame(
        {
            "coef": [-0.44708, 0.2, 0.3, 0.4, 0.5, 0.11265, 0.0016],
            "std_error": [0.030193, 0.1, 0.1, 0.1, 0.1, 0.072359, np.nan],
            "p_value": [0.009, 0.049, 0.099, 0.1, 0.5, 0.1195, np.nan],
        },
        index=["ln_y", "x1", "x2", "x3", "x4", "rho", "sigma2"],
    )
    return ModelColumn(name, coef, stats_ or {"N": 435, "Region FE": "Yes", "Log-likelihood": 732.5641})


def _cells(table, column=0):
    return dict(zip(table.body.index, table.body.iloc[:, column], strict=True))


def test_stars_and_parenthesised_standard_errors():
    table = regression_table([_column()])
    cells = _cells(table)
    # * p < 0.1, ** p < 0.05, *** p < 0.01: a p-value at a level does not earn its stars
    assert cells[("Main", "ln_y", "coef")] == "-0.447***"
    assert cells[("Main", "ln_y", "se")] == "(0.030)"
    assert cells[("Main", "x1", "coef")] == "0.200**"
    assert cells[("Main", "x2", "coef")] == "0.300*"
    assert cells[("Main", "x3", "coef")] == "0.400"
    assert cells[("Main", "x4", "coef")] == "0.500"
    assert cells[("Spatial", "ρ", "coef")] == "0.113"
    assert cells[("Spatial", "ρ", "se")] == "(0.072)"
    # σ² has no standard error: no empty row under it
    assert cells[("Variance", "σ²", "coef")] == "0.002"
    assert ("Variance", "σ²", "se") not in cells
    # the footer
    assert cells[("Statistics", "N", "value")] == "435"
    assert cells[("Statistics", "Region FE", "value")] == "Yes"
    assert cells[("Statistics", "Log-likelihood", "value")] == "732.564"
    assert "* p < 0.1, ** p < 0.05, *** p < 0.01." in table.notes
    assert "Standard errors in parentheses." in table.notes


def test_star_levels_and_what_is_under_the_coefficient_are_configurable():
    table = regression_table([_column()], stars=(0.05, 0.01), below="ci")
    cells = _cells(table)
    assert cells[("Main", "ln_y", "coef")] == "-0.447**"
    assert cells[("Main", "x1", "coef")] == "0.200*"
    assert cells[("Main", "x2", "coef")] == "0.300"
    assert ("Main", "ln_y", "ci") not in cells  # the model gives no intervals: no empty row
    assert "95% confidence intervals in brackets." in table.notes
    with_ci = _column()
    with_ci.coefficients["ci_lower"] = with_ci.coefficients["coef"] - 0.1
    with_ci.coefficients["ci_upper"] = with_ci.coefficients["coef"] + 0.1
    assert _cells(regression_table([with_ci], below="ci"))[("Main", "ln_y", "ci")] == "[-0.547, -0.347]"
    marks = regression_table([_column()], stars={0.1: "†", 0.05: "*"})
    assert _cells(marks)[("Main", "ln_y", "coef")] == "-0.447*"
    assert _cells(marks)[("Main", "x2", "coef")] == "0.300†"
    plain = regression_table([_column()], stars=False, below="statistic")
    assert _cells(plain)[("Main", "ln_y", "coef")] == "-0.447"
    assert _cells(plain)[("Main", "ln_y", "stat")] == f"({-0.44708 / 0.030193:.2f})"
    with pytest.raises(ValueError, match=r"significance level 5\.0 is not in \(0, 1\)"):
        regression_table([_column()], stars=(5,))
    with pytest.raises(ValueError, match="below must be one of"):
        regression_table([_column()], below="se")


def test_models_side_by_side_in_xsmle_blocks():
    a = ModelColumn(
        "SAR",
        pd.DataFrame({"coef": [-0.1, 0.2], "std_error": [0.01, 0.05], "p_value": [0.0, 0.02]}, index=["ln_y", "rho"]),
        {"N": 10},
        group="Absolute",
    )
    b = ModelColumn(
        "SDM",
        pd.DataFrame(
            {"coef": [-0.2, 0.5, 0.3, 0.1], "std_error": [0.02, 0.1, 0.2, 0.05], "p_value": [0.0, 0.3, 0.0, 0.04]},
            index=["ln_y", "x", "W_ln_y", "rho"],
        ),
        {"N": 10, "Lee–Yu": "Yes"},
        group="Conditional",
    )
    table = regression_table([a, b], labels={"ln_y": "ln D"})
    keys = [k[:2] for k in table.body.index if k[2] == "coef"]
    assert keys == [("Main", "ln D"), ("Main", "x"), ("Wx", "ln D"), ("Spatial", "ρ")]
    assert list(table.body.columns) == [("Absolute", "SAR"), ("Conditional", "SDM")]
    assert table.body.loc[("Main", "x", "coef"), ("Absolute", "SAR")] == ""  # a term the model does not have
    assert table.body.loc[("Wx", "ln D", "coef"), ("Conditional", "SDM")] == "0.300***"
    footer = table.body.xs("Statistics", level="block")
    assert list(footer.index.get_level_values("term")) == ["Lee–Yu", "N"]  # in the canonical order
    # print: blocks are panels, the statistic level is hidden, the standard error row has no label
    rows = table.print_rows()
    assert ("panel", "Wx") in [(r[0], r[1]) for r in rows]
    se_row = next(r for r in rows if r[0] == "row" and r[3][1] == "(0.100)")
    assert se_row[2] == [""]
    md = to_markdown(table)
    assert "| Absolute SAR | Conditional SDM |" in md
    assert "| *Wx* |" in md
    tex = to_latex(table)
    assert r"\multicolumn{1}{c}{Absolute}" in tex
    assert r"\cmidrule(lr){2-2}" in tex
    assert r"$-$0.200\makebox[1.20em][l]{\textsuperscript{***}}" in tex
    assert r"(0.100\makebox[1.20em][l]{)}" in tex  # the number, not the parenthesis, on the right edge
    assert r"$\rho$" in tex


def test_duplicate_model_names_are_numbered():
    table = regression_table([_column("FE"), _column("FE")])
    assert list(table.body.columns) == ["(1) FE", "(2) FE"]


# -- adapters on the package's results ---------------------------------------------------------------
@pytest.fixture(scope="module")
def munnell():
    import geopandas as gpd
    import libpysal

    d = sc.datasets.load("us_productivity")
    abb = d["st_abb"].groupby(level=0).first()
    name_of = {a: r for r, a in abb.items()}
    g = gpd.read_file(libpysal.examples.get_path("us48.shp"))
    g["region"] = g["STATE_ABBR"].map(name_of)
    g = g.set_index("region").loc[abb.index]
    w = libpysal.weights.Queen.from_dataframe(g, use_index=True)
    w.transform = "r"
    y = np.log(d["gsp"])
    X = np.log(d[["p_cap", "pc", "emp"]])
    return y, X, w


@pytest.fixture(scope="module")
def sdm(munnell):
    y, X, w = munnell
    return sc.SpatialPanel("sdm", "twoway", draws=200, seed=1).fit(y, X, w)


def _expected(coef: float, p: float) -> str:
    marks = "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""
    return f"{coef:.3f}".replace("-0.000", "0.000") + marks


def test_spatial_panel_column(sdm):
    column = ModelColumn.from_spatial_panel(sdm)
    table = regression_table([column])
    cells = _cells(table)
    for term in ("p_cap", "pc", "emp"):
        assert cells[("Main", term, "coef")] == _expected(sdm.params[term], sdm.pvalues[term])
        assert cells[("Main", term, "se")] == f"({sdm.std_errors[term]:.3f})"
        assert cells[("Wx", term, "coef")] == _expected(sdm.params[f"W_{term}"], sdm.pvalues[f"W_{term}"])
    assert cells[("Spatial", "ρ", "coef")] == _expected(sdm.params["rho"], sdm.pvalues["rho"])
    assert cells[("Variance", "σ²", "coef")] == f"{sdm.sigma2:.3f}"
    footer = {k[1]: v for k, v in cells.items() if k[0] == "Statistics"}
    assert footer == {
        "Model": "SDM",
        "Region FE": "Yes",
        "Year FE": "Yes",
        "Lee–Yu": "Yes",
        "N": "816",
        "Regions": "48",
        "Periods": "17",
        "Log-likelihood": f"{sdm.loglik:.3f}",
        "AIC": f"{sdm.aic:.3f}",
        "BIC": f"{sdm.bic:.3f}",
    }
    impacts = impacts_table([ModelColumn.from_impacts(sdm, "SDM")])
    icells = _cells(impacts)
    for term in ("p_cap", "pc", "emp"):  # every regressor, not only the first
        for effect in ("direct", "indirect", "total"):
            row = sdm.impacts.loc[(term, effect)]
            assert icells[(effect.capitalize(), term, "coef")] == _expected(row["estimate"], row["p_value"])
            assert icells[(effect.capitalize(), term, "se")] == f"({row['std_error']:.3f})"


def test_panel_ols_column_uses_t_intervals():
    D = _growth_panel()
    beta = sc.BetaConvergence(kind="absolute", model="fe", effects="twoway").fit(D)
    fit = beta.detail
    column = ModelColumn.from_panel_ols(fit, "FE")
    frame = column.frame().set_index("term")
    half = stats.t.ppf(0.975, fit.dof) * fit.std_errors["ln_y"]
    assert frame.loc["ln_y", "ci_lower"] == pytest.approx(fit.params["ln_y"] - half, rel=1e-12)
    assert column.stats["N"] == fit.nobs
    assert column.stats["Regions"] == 10
    assert column.stats["Periods"] == 7
    assert column.statistic == "t"
    table = regression_table([ModelColumn.from_beta(beta, "FE")])
    cells = _cells(table)
    assert cells[("Convergence", "Speed", "coef")] == f"{beta.speed:.3f}"  # no stars on the speed
    assert cells[("Convergence", "Half-life", "se")] == f"({beta.half_life_se:.3f})"
    assert any("t distribution" in n for n in table.notes)


def test_beta_columns_per_group_with_a_group_not_estimable():
    ok = types.SimpleNamespace(
        model="fe",
        speed=0.2,
        speed_se=0.02,
        half_life=3.4,
        half_life_se=0.3,
        reason=None,
        detail=types.SimpleNamespace(
            model="fe",
            effects="individual",
            nobs=60,
            dof=50,
            sigma2=0.01,
            params=pd.Series({"ln_y": -0.2, "x": 0.1}),
            std_errors=pd.Series({"ln_y": 0.05, "x": 0.2}),
            tstats=pd.Series({"ln_y": -4.0, "x": 0.5}),
            pvalues=pd.Series({"ln_y": 0.0002, "x": 0.6}),
            resid=pd.Series(dtype=float),
        ),
    )
    broken = types.SimpleNamespace(model="fe", detail=None, reason="group 'West' (2 region(s)) not estimable")
    result = types.SimpleNamespace(**vars(ok), by_group={"East": ok, "West": broken})
    columns = beta_columns(result, group="Conditional")
    assert [c.name for c in columns] == ["All regions", "East", "West"]
    table = regression_table(columns)
    assert table.body.loc[("Main", "x", "coef"), ("Conditional", "East")] == "0.100"  # control coefficients per group
    assert table.body.loc[("Main", "x", "coef"), ("Conditional", "West")] == ""
    assert "West: group 'West' (2 region(s)) not estimable" in table.notes


def test_bad_coefficient_frames_are_named():
    with pytest.raises(ValueError, match=r"model 'M': the coefficient frame lacks column\(s\) \['p_value'\]"):
        ModelColumn("M", pd.DataFrame({"coef": [1.0], "std_error": [0.1]}, index=["x"]))
    with pytest.raises(ValueError, match="needs at least one ModelColumn"):
        regression_table([])
    with pytest.raises(ValueError, match="has no impacts"):
        ModelColumn.from_impacts(types.SimpleNamespace(impacts=None), "OLS")


def _growth_panel() -> pd.Series:
    rng = np.random.default_rng(7)
    regions = [f"R{i}" for i in range(10)]
    years = list(range(2000, 2008))
    y = np.exp(rng.normal(0, 0.3, (10, 1)) + np.cumsum(rng.normal(0.02, 0.05, (10, 8)), axis=1))
    idx = pd.MultiIndex.from_product([regions, years], names=["region", "period"])
    return pd.Series(y.ravel(), index=idx)

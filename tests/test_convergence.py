"""Sigma convergence checked against formulas written out here and scipy's linregress."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from spatialcoupling import SigmaConvergence
from spatialcoupling.datasets import load


@pytest.fixture(scope="module")
def income():
    s = load("us_income")
    return s[s.index.get_level_values("period") >= 1990]


@pytest.mark.parametrize("measure", ["cv", "sd", "sd_log", "gini", "theil"])
def test_sigma_measures_and_trend(income, measure):
    res = SigmaConvergence(measure).fit(income)
    wide = income.unstack("period")
    for year in (1990, 2009):
        y = wide[year].to_numpy()
        mu = y.mean()
        expected = {
            "cv": np.sqrt(((y - mu) ** 2).mean()) / mu,
            "sd": np.sqrt(((y - mu) ** 2).mean()),
            "sd_log": np.std(np.log(y)),
            "gini": np.abs(y[:, None] - y[None, :]).sum() / (2 * y.size**2 * mu),
            "theil": np.mean(y / mu * np.log(y / mu)),
        }[measure]
        assert res.table.loc[("overall", year), measure] == pytest.approx(expected, rel=1e-12)
    series = res.table.loc["overall", measure]
    lr = stats.linregress(series.index.to_numpy(float), series.to_numpy())
    tr = res.trend.loc["overall"]
    assert tr["slope"] == pytest.approx(lr.slope, rel=1e-10)
    assert tr["std_error"] == pytest.approx(lr.stderr, rel=1e-10)
    assert tr["p_value"] == pytest.approx(lr.pvalue, rel=1e-8)


def test_sigma_groups_and_notes(income):
    regions = income.index.get_level_values("region").unique()
    groups = {r: ("A" if i % 2 else "B") for i, r in enumerate(regions[:-1])}
    res = SigmaConvergence("cv", groups=groups).fit(income)
    a = [r for r, g in groups.items() if g == "A"]
    y = income.loc[a].xs(2000, level="period").to_numpy()
    assert res.table.loc[("A", 2000), "cv"] == pytest.approx(y.std() / y.mean())
    assert res.table.loc[("A", 2000), "n_regions"] == len(a)
    assert any(repr(regions[-1]) in n for n in res.notes)
    fig = res.plot()
    assert len(fig.axes[0].lines) == 3


def test_sigma_bad_inputs():
    with pytest.raises(ValueError, match="measure"):
        SigmaConvergence("variance")
    idx = pd.MultiIndex.from_product([["a", "b", "c"], [2000, 2001, 2002]])
    s = pd.Series(np.arange(1.0, 10.0), index=idx)
    s.loc[("b", 2001)] = 0.0
    with pytest.raises(ValueError, match=r"'b', 2001"):
        SigmaConvergence("sd_log").fit(s)

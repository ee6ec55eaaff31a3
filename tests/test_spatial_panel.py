"""Tests for the spatial panel module's data: the bundled Munnell panel and US income."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spatialcoupling.datasets import load


def test_us_productivity_matches_linearmodels():
    munnell = pytest.importorskip("linearmodels.datasets.munnell")
    ref = munnell.load()
    ours = load("us_productivity")
    assert ours.shape == (48 * 17, 9)
    assert ours.index.names == ["region", "period"]
    ref = ref.assign(region=ref["STATE"].str.title()).set_index(["region", "YR"]).sort_index()
    for col in ["P_CAP", "HWY", "WATER", "UTIL", "PC", "GSP", "EMP", "UNEMP"]:
        np.testing.assert_allclose(ours[col.lower()].to_numpy(), ref[col].to_numpy())


def test_us_income_long_matches_usjoin():
    import libpysal

    wide = pd.read_csv(libpysal.examples.get_path("usjoin.csv"))
    ours = load("us_income")
    assert ours.shape == (48 * 81,)
    row = wide.loc[wide["Name"] == "Alabama"]
    assert ours.loc[("Alabama", 1929)] == float(row["1929"].iloc[0])
    assert ours.loc[("Wyoming", 2009)] == float(wide.loc[wide["Name"] == "Wyoming", "2009"].iloc[0])

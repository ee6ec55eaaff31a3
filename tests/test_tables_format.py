"""Missing cells print empty whatever kind of missing value pandas hands over."""

import numpy as np
import pandas as pd
import pytest

from spatialcoupling.tables._format import format_cell, is_missing


@pytest.mark.parametrize("value", [None, float("nan"), np.float32("nan"), pd.NA, pd.NaT, np.datetime64("NaT")])
def test_missing_values_are_missing(value):
    assert is_missing(value)
    assert format_cell(value) == ""


@pytest.mark.parametrize("value", [0, 0.0, "", "x", np.array([1.0, np.nan])])
def test_present_values_are_not_missing(value):
    assert not is_missing(value)


def test_a_nullable_integer_column_prints_its_gap_empty():
    column = pd.array([3, None], dtype="Int64")
    assert [format_cell(v, "integer") for v in column] == ["3", ""]

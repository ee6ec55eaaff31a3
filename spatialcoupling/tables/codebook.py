"""What the columns of the package's tables mean, and the ``about``/``codebook`` sheets of a workbook.

:data:`COLUMN_DESCRIPTIONS` describes the column names that the results of the package use (``D``,
``Gnb_share``, ``p_sim`` …); :func:`codebook_frame` lists every column of every sheet with its
description and kind, :func:`settings_frame` flattens nested settings into ``item``/``value`` rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from .table import PaperTable

__all__ = ["COLUMN_DESCRIPTIONS", "codebook_frame", "describe_column", "settings_frame"]

#: descriptions of column names used by the package's result tables
COLUMN_DESCRIPTIONS: dict[str, str] = {
    "region": "region id",
    "period": "period (year)",
    "C": "coupling degree C",
    "T": "comprehensive coordination index T = sum of theta U",
    "D": "coupling coordination degree D = sqrt(C T)",
    "grade": "coordination grade (1-10, intervals of width 0.1)",
    "grade_label": "name of the coordination grade",
    "indicator": "indicator",
    "subsystem": "subsystem",
    "dimension": "first-level dimension of the indicator system",
    "direction": "direction of the indicator (+ larger is better, - smaller is better)",
    "entropy": "information entropy e of the indicator",
    "d": "divergence 1 - e of the indicator",
    "weight": "weight (sums to 1 within a subsystem)",
    "I": "Moran's I",
    "EI": "expected value of Moran's I under the null, -1/(n-1)",
    "z_norm": "z statistic under normality",
    "p_norm": "p-value under normality",
    "z_rand": "z statistic under randomisation",
    "p_rand": "p-value under randomisation",
    "p_sim": "pseudo p-value from random permutations",
    "Ii": "local Moran's I of the region",
    "quadrant": "Moran scatterplot quadrant (HH, LH, LL, HL)",
    "cluster": "LISA cluster (HH, LL, LH, HL, ns: not significant)",
    "n": "number of regions",
    "groups": "number of groups",
    "mean": "mean",
    "G": "overall Gini coefficient",
    "Gw": "within-group Gini contribution",
    "Gnb": "net between-group Gini contribution",
    "Gt": "transvariation (intensity of overlap) contribution",
    "Gw_share": "share of G from within-group inequality",
    "Gnb_share": "share of G from net between-group inequality",
    "Gt_share": "share of G from transvariation",
    "G_jj": "Gini coefficient within group j",
    "G_jh": "Gini coefficient between groups j and h",
    "D_jh": "relative economic affluence of group j over h",
    "p_j": "population share of group j",
    "s_j": "income share of group j",
    "beta": "convergence coefficient beta of ln y",
    "std_error": "standard error",
    "p_value": "p-value",
    "coef": "coefficient",
    "z": "z statistic",
    "t": "t statistic",
    "ci_lower": "lower limit of the 95% confidence interval",
    "ci_upper": "upper limit of the 95% confidence interval",
    "speed": "convergence speed s = -ln(1 + beta)/tau",
    "half_life": "half-life ln 2 / s (periods)",
    "estimate": "estimate",
    "effect": "direct, indirect or total effect (LeSage & Pace)",
    "variable": "regressor",
    "term": "term of the model",
    "block": "block of the model (Main, Wx, Spatial, Variance)",
    "statistic": "what the row holds: the coefficient, or its standard error (t/z, interval) under it",
    "N": "number of observations",
    "sd": "standard deviation (n - 1 in the denominator)",
    "min": "minimum",
    "max": "maximum",
    "slope": "slope of the trend on time",
}
_PREFIX = re.compile(r"^(?P<base>.+?)_(?P<tail>lower|upper|se|contrib|contrib_share)$")


def describe_column(name: Any, extra: Mapping[str, str] | None = None) -> str:
    """The description of a column name ('' when unknown); ``extra`` overrides the package's."""
    key = str(name)
    if extra and key in extra:
        return extra[key]
    if key in COLUMN_DESCRIPTIONS:
        return COLUMN_DESCRIPTIONS[key]
    if key.startswith("U_"):
        return f"composite score U of subsystem {key[2:]}"
    head, _, rest = key.partition(" ")
    if rest and head in COLUMN_DESCRIPTIONS:  # a flat label "D 2009": spanner and column
        return f"{COLUMN_DESCRIPTIONS[head]} ({rest})"
    match = _PREFIX.match(key)
    if match and match.group("base") in COLUMN_DESCRIPTIONS:
        base = COLUMN_DESCRIPTIONS[match.group("base")]
        tail = {
            "lower": "lower interval limit of",
            "upper": "upper interval limit of",
            "se": "standard error of",
            "contrib": "contribution to G of",
            "contrib_share": "share of G contributed by",
        }[match.group("tail")]
        return f"{tail} {base}"
    return ""


def settings_frame(settings: Any) -> pd.DataFrame:
    """Settings as ``item``/``value`` rows; nested mappings become dotted items (``beta.model``).

    Examples
    --------
    >>> settings_frame({"beta": {"model": "sdm", "kinds": ["absolute", "conditional"]}, "seed": 1})["value"].tolist()
    ['sdm', 'absolute, conditional', 1]
    """
    if isinstance(settings, pd.DataFrame):
        return settings
    if isinstance(settings, pd.Series):
        return settings.rename("value").rename_axis("item").to_frame()
    if not isinstance(settings, Mapping):
        raise TypeError(f"about must be a mapping of settings or a DataFrame, got {type(settings).__name__}")
    rows: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, list | tuple):
            rows[prefix] = ", ".join(str(v) for v in value)
        else:
            rows[prefix] = value if isinstance(value, int | float | str | bool) or value is None else str(value)

    walk("", settings)
    return pd.DataFrame({"value": pd.Series(rows, dtype=object)}).rename_axis("item")


def codebook_frame(tables: Mapping[str, PaperTable], extra: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per column of every sheet: sheet, column, kind and description; a first row per
    sheet (column ``(table)``) holds its caption and notes."""
    rows = []
    for sheet, table in tables.items():
        about = " ".join(p for p in [table.caption, *table.notes] if p)
        if about:
            rows.append({"sheet": sheet, "column": "(table)", "kind": "", "description": about})
        for column, kind in table.flat_kinds().items():
            rows.append({"sheet": sheet, "column": column, "kind": kind, "description": describe_column(column, extra)})
    return pd.DataFrame(rows, columns=["sheet", "column", "kind", "description"])

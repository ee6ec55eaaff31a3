"""Theil indices per period, decomposed within and between region groups.

``T = (1/n) Σ (y_i/μ) ln(y_i/μ)`` (``0 ln 0 = 0``) and the mean log deviation
``L = (1/n) Σ ln(μ/y_i)`` (needs ``y > 0``), with the exact decompositions
``T = Σ_j s_j T_j + Σ_j s_j ln(μ_j/μ)`` and ``L = Σ_j p_j L_j + Σ_j p_j ln(μ/μ_j)``
(``p_j = n_j/n``, ``s_j = n_j μ_j/(n μ)``): the first sum is the within-group part, the second
the between-group part.

PySAL's ``inequality`` package has Theil's T and its decomposition (``TheilD``), not L; it is
the cross-check of the tests.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from scipy.special import xlogy

from .._groups import as_groups, group_codes
from .._params import Model, Options
from .._results import Result, copied
from .._series import PERIOD, REGION, _plain, _preview, as_region_period_series
from .measures import theil_of

__all__ = ["TheilIndex", "TheilResult"]


class TheilIndex(Model):
    """Theil's T or L (mean log deviation) per period, decomposed within/between groups.

    Settings go to the constructor, data to :meth:`fit`: ``TheilIndex(kind="L").fit(series, groups)``.

    Parameters
    ----------
    groups : mapping or pandas.Series, optional
        Deprecated: pass the groups to :meth:`fit`. Still accepted (with a
        ``DeprecationWarning``) and used when ``fit`` is given none.
    kind : {"T", "L"}
        ``"T"`` (Theil's T, weights by value shares ``s_j``) or ``"L"`` (mean log
        deviation, weights by population shares ``p_j``; needs values > 0).

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> income = sc.datasets.load("us_income")
    >>> res = TheilIndex(kind="T").fit(income, sc.datasets.load("us_states")["SUB_REGION"])
    >>> bool(np.allclose(res.table["within"] + res.table["between"], res.table["theil"]))
    True

    Notes
    -----
    ``T = Σ_j s_j T_j + Σ_j s_j ln(μ_j/μ)``; ``L = Σ_j p_j L_j + Σ_j p_j ln(μ/μ_j)``.
    The first sum is the within-group part, the second the between-group part.
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {"kind": [Options("T", "L")]}

    def __init__(self, groups: Mapping[Any, Any] | pd.Series | None = None, kind: Literal["T", "L"] = "T"):
        self.kind = kind
        self._validate_params()
        self.groups = None
        if groups is not None:
            warnings.warn("pass groups to fit: TheilIndex(...).fit(series, groups)", DeprecationWarning, stacklevel=2)
            self.groups = as_groups(groups, "TheilIndex")

    def fit(self, series: pd.Series, groups: Mapping[Any, Any] | pd.Series | None = None) -> TheilResult:
        """Compute the index of ``series`` in every period.

        Parameters
        ----------
        series : pandas.Series
            Values indexed by ``(region, period)``: non-negative for T, positive for L.
        groups : mapping or pandas.Series, optional
            Group of every region of ``series``; without it only the overall index is computed.
            A region without a group is an error naming it.

        Returns
        -------
        TheilResult
        """
        self._validate_params()
        who = f"TheilIndex(kind={self.kind!r})"
        if groups is not None and self.groups is not None:
            raise ValueError(
                "TheilIndex: groups given both to the constructor (deprecated) and to fit; pass them to fit only"
            )
        mapping = as_groups(groups, "TheilIndex") if groups is not None else self.groups
        y = as_region_period_series(series, name=f"{who}: series", nonnegative=True, positive=self.kind == "L")
        regions = y.index.get_level_values(REGION)
        notes: list[str] = []
        if mapping is not None:
            codes, labels, notes = group_codes(regions, mapping, who)
        else:
            codes, labels = np.zeros(len(y), dtype=np.intp), ["all"]
        frame = pd.DataFrame({"y": y.to_numpy(), "g": codes, PERIOD: y.index.get_level_values(PERIOD)})
        rows, grows = [], []
        n_regions = pd.unique(regions).size
        for period, sub in frame.groupby(PERIOD, sort=False):
            v = sub["y"].to_numpy()
            row = _overall_row(period, v, self.kind, n_regions, who, notes)
            if mapping is not None:
                group_rows = _group_rows(period, v, sub["g"].to_numpy(), labels, row["mean"], self.kind, notes)
                row.update(_decomposition(group_rows, row["theil"]))
                grows.extend(group_rows)
            rows.append(row)
        table = pd.DataFrame(rows).set_index(PERIOD)
        groups_df = pd.DataFrame(grows).set_index([PERIOD, "group"]) if grows else pd.DataFrame()
        return TheilResult(table=table, within=groups_df, kind=self.kind, notes=notes)


def _overall_row(period: Any, v: np.ndarray, kind: str, n_regions: int, who: str, notes: list[str]) -> dict:
    """The index of one period; a note when regions are missing from it."""
    n, mu = v.size, v.mean()
    if not mu > 0:
        raise ValueError(f"{who}: every value is 0 in period {_plain(period)!r}, so the index is undefined")
    if n < n_regions:
        notes.append(f"period {_plain(period)!r}: {n} of {n_regions} regions observed (unbalanced panel)")
    return {PERIOD: period, "n": n, "mean": mu, "theil": theil_of(v, mu, kind)}


def _group_rows(
    period: Any, v: np.ndarray, g: np.ndarray, labels: list, mu: float, kind: str, notes: list[str]
) -> list[dict]:
    """One row per group present in the period: its own index, weight and contributions."""
    n = v.size
    present = np.unique(g)
    absent = [labels[c] for c in np.setdiff1d(np.arange(len(labels)), present)]
    if absent:
        notes.append(f"period {_plain(period)!r}: group(s) {_preview(absent)} have no members")
    rows = []
    for c in present:
        vg = v[g == c]
        nj, muj = vg.size, vg.mean()
        pj, sj = nj / n, nj * muj / (n * mu)
        if kind == "T":
            tj = theil_of(vg, muj, "T") if muj > 0 else 0.0
            if muj == 0:
                notes.append(
                    f"period {_plain(period)!r}: every value of group {_plain(labels[c])!r} is 0; "
                    "its T_j is set to 0 (weight s_j = 0)"
                )
            wgt, bterm = sj, xlogy(sj, muj / mu) if muj > 0 else 0.0
        else:
            tj = theil_of(vg, muj, "L")
            wgt, bterm = pj, pj * np.log(mu / muj)
        rows.append(
            {
                PERIOD: period,
                "group": labels[c],
                "n": nj,
                "mean": muj,
                "p_j": pj,
                "s_j": sj,
                "theil": tj,
                "weight": wgt,
                "within_contrib": wgt * tj,
                "between_contrib": bterm,
            }
        )
    return rows


def _decomposition(group_rows: list[dict], total: float) -> dict:
    """Within and between parts (sums over the groups, in group order) and their shares."""
    within = between = 0.0
    for r in group_rows:
        within += r["weight"] * r["theil"]
        between += r["between_contrib"]
    return {
        "within": within,
        "between": between,
        "within_share": within / total if total > 0 else np.nan,
        "between_share": between / total if total > 0 else np.nan,
    }


class TheilResult(Result):
    """Theil index per period with its within/between decomposition.

    Attributes
    ----------
    table : DataFrame
        One row per period: n, mean, theil (the index of ``kind``) and, with groups,
        within, between, within_share, between_share.
    within : DataFrame
        (period, group) rows: n, mean, p_j, s_j, theil (the group's own index),
        weight (s_j for T, p_j for L), within_contrib, between_contrib.
    kind : str
        "T" or "L".
    """

    _table_names = ("table", "within")

    def __init__(self, *, table, within, kind, notes):
        self._table = table
        self._within = within
        self.kind = kind
        self._notes = list(notes)
        self._freeze()

    table = copied("_table")

    within = copied("_within")

    @property
    def theil(self) -> pd.Series:
        return self._table["theil"].copy()

    def plot(self, ax=None):
        """The index over time, stacked into within and between parts when grouped."""
        from ..plotting.inequality import theil_chart

        return theil_chart(self.table, self.kind, ax=ax)

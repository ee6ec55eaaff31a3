r"""The tables of coupling-coordination papers, from plain frames.

:func:`growth_table`
    D at chosen years and the average annual growth of D in each sub-period, per region, per
    group and nationally (Table 4 of the service-manufacturing study). A sub-period ``t0~t1`` runs
    from D in year t0 to D in year t1: ``t1 − t0`` annual changes (``2015~2019`` uses D_2015 and
    D_2019, four changes; to report the growth *years* 2015–2019 from D_2014, pass the span
    ``(2014, 2019)`` with the label ``"2015~2019"``). Two growth forms:

    - geometric mean rate between the end points: :math:`r = (D_{t1}/D_{t0})^{1/(t1-t0)} - 1`;
    - arithmetic mean of the annual rates: :math:`r = \frac{1}{t1-t0}\sum_{t=t0+1}^{t1}(D_t/D_{t-1} - 1)`
      (needs every year from t0 to t1).

    Group and national rows use either the growth of the mean (the rate of the mean D of the
    members, consistent with the mean D shown in the same row) or the mean of the members'
    regional rates; both are offered and named in the table note. A region whose D is missing
    (NaN) or 0 where a rate needs it gets an empty cell, named in the note (see
    :func:`growth_table` for what it does to the group rows).
:func:`dagum_table`, :func:`dagum_within_table`, :func:`dagum_between_table`
    The Dagum decomposition as papers print it: rows = years, columns G, Gw, Gnb, Gt and their
    contributions (%); the within-group G_jj per group and the between-group G_jh per pair, with a
    stable column order (the groups' mean rank over all years, or the caller's order).
:func:`weights_table`
    Subsystem, first-level dimension, indicator, direction, weight, with dimension subtotals
    (Table 3 of the papers).
:func:`descriptive_table`
    N, mean, standard deviation (``n − 1`` in the denominator, as Stata's ``summarize``), min and
    max, pooled or per period.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._aliases import in_region_order
from .._groups import as_groups, group_codes
from .._series import PERIOD, as_region_period_series
from .table import PaperTable

__all__ = [
    "dagum_between_table",
    "dagum_table",
    "dagum_within_table",
    "descriptive_table",
    "growth_table",
    "weights_table",
]

_GROWTH = ("geometric", "arithmetic", "both")
_AGGREGATE = ("growth_of_mean", "mean_of_growth", "both")
_GROWTH_SPANNER = {"geometric": "Geometric mean rate", "arithmetic": "Mean of annual rates"}
_AGG_NAME = {"growth_of_mean": "growth of the mean", "mean_of_growth": "mean of regional rates"}


def _show(items: Sequence[Any], limit: int = 8) -> str:
    items = list(items)
    text = ", ".join(repr(i.item() if hasattr(i, "item") else i) for i in items[:limit])
    return text + (f" … and {len(items) - limit} more" if len(items) > limit else "")


def _spans(spans: Sequence[tuple[Any, Any]] | Mapping[str, tuple[Any, Any]]) -> list[tuple[str, Any, Any]]:
    if isinstance(spans, Mapping):
        items = [(str(k), *tuple(v)) for k, v in spans.items()]
    else:
        items = []
        for span in spans:
            pair = tuple(span)
            if len(pair) != 2:
                raise ValueError(f"growth_table: span {span!r} is not a pair (t0, t1)")
            items.append((f"{pair[0]}~{pair[1]}", *pair))
    labels = [i[0] for i in items]
    twice = sorted({x for x in labels if labels.count(x) > 1})
    if twice:
        raise ValueError(f"growth_table: span labels {twice} appear twice; give each sub-period its own label")
    return items


def _rates(wide: pd.DataFrame, t0: Any, t1: Any, form: str, label: str, *, warn: bool = True) -> pd.Series:
    """Average annual growth of every row of ``wide`` from column t0 to t1 (NaN where a value it needs
    is missing or a start value is 0; with ``warn``, those rows are named in a warning)."""
    years = int(t1 - t0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if form == "geometric":
            needed = wide[[t0, t1]].to_numpy(float)
            rate = (wide[t1] / wide[t0]) ** (1.0 / years) - 1.0
        else:
            steps = list(range(int(t0), int(t1) + 1))
            needed = block = wide[steps].to_numpy(float)
            rate = pd.Series(np.mean(block[:, 1:] / block[:, :-1] - 1.0, axis=1), index=wide.index)
    bad = ~np.isfinite(rate.to_numpy(float))
    if bad.any() and warn:
        missing = np.isnan(needed).any(axis=1)
        causes = [
            (bad & missing, "a value it needs is missing"),
            (bad & ~missing, "D = 0 at the start of a year"),
        ]
        text = "; ".join(f"{why} for {_show(wide.index[rows])}" for rows, why in causes if rows.any())
        warnings.warn(f"growth {label} ({form}) undefined: {text}; those cells are empty", RuntimeWarning, stacklevel=4)
    return rate.where(~bad)


def _check_spans(items: list[tuple[str, Any, Any]], periods: pd.Index, forms: list[str]) -> None:
    """Each span's end points are periods of D, the end after the start, every year there for annual rates."""
    for label, t0, t1 in items:
        missing = [t for t in (t0, t1) if t not in periods]
        if missing:
            raise ValueError(
                f"growth_table: span {label} ({t0}, {t1}): period(s) {_show(missing)} not in D "
                f"(periods {_show(periods, 20)})"
            )
        if not t1 > t0:
            raise ValueError(f"growth_table: span {label} ({t0}, {t1}): the end must come after the start")
        if "arithmetic" in forms:
            gaps = [t for t in range(int(t0), int(t1) + 1) if t not in periods]
            if gaps or t0 != int(t0) or t1 != int(t1):
                raise ValueError(
                    f"growth_table: span {label}: the mean of annual rates needs every year from {t0} "
                    f"to {t1}; missing {_show(gaps)}; use growth='geometric'"
                )


def growth_table(
    D: pd.Series,
    spans: Sequence[tuple[Any, Any]] | Mapping[str, tuple[Any, Any]],
    *,
    years: Sequence[Any] | None = None,
    groups: Any = None,
    growth: str = "geometric",
    aggregate: str = "growth_of_mean",
    national: str | None = "National",
    group_order: Sequence[Any] | None = None,
    decimals: int = 3,
    caption: str = "",
    name: str = "growth",
    value: str = "D",
) -> PaperTable:
    """D at chosen years and its average annual growth per sub-period (Table 4 layout).

    Parameters
    ----------
    D : Series
        Region × period values (numeric periods: years).
    spans : sequence of (t0, t1) or mapping label → (t0, t1)
        Sub-periods; a pair is labelled ``"t0~t1"``. The growth runs from D in t0 to D in t1.
    years : sequence, optional
        Years whose D is shown (default: every end point of the spans, sorted).
    groups : mapping or Series, optional
        Region → group. Regions are then listed under their group, followed by the group's row.
    growth : {"geometric", "arithmetic", "both"}
        Geometric mean rate between the end points, arithmetic mean of the annual rates, or both
        (two column blocks).
    aggregate : {"growth_of_mean", "mean_of_growth", "both"}
        Group and national rows: growth of the mean D of the members, the mean of their regional
        rates, or both (two rows). A region without a rate in a sub-period (D = 0 at its start, or
        at the start of a year in it under the arithmetic form; D missing (NaN) in a year the rate
        needs: an end point, or any year under the arithmetic form) has an empty cell, and leaves
        the mean of regional rates of its group and of the country empty for that sub-period: a
        rate from zero is unbounded, a missing one unknown, and leaving the region out would make
        the mean that of another group. A missing D also leaves the group's and the country's mean
        D empty in that year, and so the growth of the mean in the sub-periods that need the year:
        the mean over the remaining members would compare different sets of regions between the
        years of one row (a region missing in 2019 only would move the "mean" of 2019 but not of
        2015). The growth of the mean stays defined where D is 0. The table note names each
        region and sub-period without a rate and says which of these rules applied. Missing D
        outside the years a rate needs changes nothing.
    national : str or None
        Label of the national rows (None: no national row).
    group_order : sequence, optional
        Order of the groups (default: sorted labels).
    decimals : int
        Decimals of D; growth rates are printed in percent with one decimal fewer.
    caption, name : str
    value : str
        Name of the variable in headers and notes (``"D"``).

    Returns
    -------
    PaperTable
        Rows keyed by (group, level, name) with level ``region``, ``group`` or ``national``
        (without groups: (level, name)); columns ``(value, year)`` and ``(growth form, span)``,
        growth rates as fractions (kind ``percent``).

    Raises
    ------
    ValueError
        Non-numeric periods, a year or span end not in the data, a span that does not end after
        it starts, years missing inside a span under the arithmetic form, a region without a
        group, an unknown group in ``group_order`` (each named).
    """
    if growth not in _GROWTH:
        raise ValueError(f"growth must be one of {', '.join(map(repr, _GROWTH))}; got {growth!r}")
    if aggregate not in _AGGREGATE:
        raise ValueError(f"aggregate must be one of {', '.join(map(repr, _AGGREGATE))}; got {aggregate!r}")
    series = as_region_period_series(D, name="growth_table: D", allow_nan=True)
    wide = in_region_order(series.unstack(PERIOD), 0)
    periods = wide.columns
    if not pd.api.types.is_numeric_dtype(periods.dtype) or pd.api.types.is_bool_dtype(periods.dtype):
        raise ValueError(
            f"growth_table needs numeric periods (years) for an annual rate; the periods are "
            f"{_show(periods)}; relabel them as years"
        )
    items = _spans(spans)
    forms = ["geometric", "arithmetic"] if growth == "both" else [growth]
    _check_spans(items, periods, forms)
    shown_years = sorted({t for _, t0, t1 in items for t in (t0, t1)}) if years is None else list(years)
    absent = [y for y in shown_years if y not in periods]
    if absent:
        raise ValueError(f"growth_table: years {_show(absent)} not in D (periods {_show(periods, 20)})")
    window = sorted({t for _, t0, t1 in items for t in (t0, t1)} | set(shown_years))
    used = wide[[p for p in periods if window[0] <= p <= window[-1]]]
    aggregates = ["growth_of_mean", "mean_of_growth"] if aggregate == "both" else [aggregate]

    def rows_for(frame: pd.DataFrame, warn: bool = True) -> pd.DataFrame:
        out = {(value, str(y)): frame[y] for y in shown_years}
        for form in forms:
            for label, t0, t1 in items:
                out[(_GROWTH_SPANNER[form] if growth == "both" else "Average annual growth", label)] = _rates(
                    frame, t0, t1, form, label, warn=warn
                )
        return pd.DataFrame(out)

    regional = rows_for(used)

    def aggregate_rows(members: np.ndarray, label: str, level: str) -> list[tuple[str, pd.Series]]:
        out = []
        for agg in aggregates:
            if agg == "growth_of_mean":
                # a member without D in a year: the mean of that year is not the group's (empty)
                row = rows_for(used.loc[members].mean(axis=0, skipna=False).to_frame().T, warn=False).iloc[0]
            else:
                row = regional.loc[members].mean(axis=0, skipna=False)
            out.append((label if len(aggregates) == 1 else f"{label}: {_AGG_NAME[agg]}", row))
        return out

    regions = used.index.to_numpy()
    values = regional.to_numpy()
    keys: list[list[np.ndarray]] = []  # per block: one array per index level
    blocks: list[np.ndarray] = []

    def add(prefix: tuple[str, ...], labels: np.ndarray, rows: np.ndarray) -> None:
        keys.append([*(np.full(len(labels), p, dtype=object) for p in prefix), labels])
        blocks.append(rows)

    def add_regions(prefix: tuple[str, ...], take: np.ndarray) -> None:
        add(prefix, pd.Index(regions[take]).astype(str).to_numpy(dtype=object), values[take])

    def add_aggregates(prefix: tuple[str, ...], members: np.ndarray, label: str, level: str) -> None:
        for name_, row in aggregate_rows(members, label, level):
            add(prefix, np.array([name_], dtype=object), row.to_numpy(dtype=float)[None, :])

    notes = [_growth_note(forms, value, decimals)]
    if groups is not None:
        labels_of = as_groups(groups, "growth_table")
        codes, group_labels, group_notes = group_codes(pd.Index(regions), labels_of, "growth_table")
        notes += group_notes
        order = _group_order(group_labels, group_order)
        for g in order:
            take = np.flatnonzero(codes == group_labels.index(g))
            add_regions((str(g), "region"), take)
            add_aggregates((str(g), "group"), regions[take], str(g), "group")
        if national:
            add_aggregates((national, "national"), regions, national, "national")
        names = ["group", "level", "name"]
    else:
        add_regions(("region",), np.arange(len(regions)))
        if national:
            add_aggregates((national,), regions, national, "national")
        names = ["level", "name"]
    body = pd.DataFrame(
        np.concatenate(blocks) if blocks else np.empty((0, regional.shape[1])),
        columns=regional.columns,
        index=pd.MultiIndex.from_arrays(
            [np.concatenate([k[i] for k in keys]) if keys else np.array([], dtype=object) for i in range(len(names))],
            names=names,
        ),
    )
    if groups is not None or national:
        notes.append(_aggregate_note(aggregates, value))
    undefined = _undefined_rates_note(
        regional, used, items, forms, value, aggregates if (groups is not None or national) else []
    )
    if undefined:
        notes.append(undefined)
    kinds = {c: ("number" if c[0] == value else "percent") for c in body.columns}
    if groups is not None:
        return PaperTable(
            body,
            caption=caption,
            name=name,
            notes=notes,
            kinds=kinds,
            decimals=decimals,
            panel="group",
            unlabelled_panels=(national,) if national else (),
            hidden=("level",),
            key_labels={"name": "Region"},
        )
    return PaperTable(
        body,
        caption=caption,
        name=name,
        notes=notes,
        kinds=kinds,
        decimals=decimals,
        panel="level",
        unlabelled_panels=("region", national) if national else ("region",),
        key_labels={"name": "Region"},
    )


def _group_order(labels: list[Any], order: Sequence[Any] | None) -> list[Any]:
    if order is None:
        return list(labels)
    order = list(order)
    unknown = [g for g in order if g not in labels]
    missing = [g for g in labels if g not in order]
    if unknown or missing:
        raise ValueError(
            f"group_order must list every group once: unknown {_show(unknown)}, missing "
            f"{_show(missing)} (the groups are {_show(labels)})"
        )
    return order


def _growth_note(forms: list[str], value: str, decimals: int) -> str:
    parts = []
    if "geometric" in forms:
        parts.append(f"geometric mean rate ({value}_t1 / {value}_t0)^(1/(t1 - t0)) - 1")
    if "arithmetic" in forms:
        parts.append(f"arithmetic mean of the annual rates {value}_t / {value}_(t-1) - 1 for t = t0+1, …, t1")
    return (
        f"{value} at the years shown; average annual growth of {value} in percent: "
        + "; ".join(parts)
        + f". A sub-period t0~t1 runs from {value} in t0 to {value} in t1 (t1 - t0 annual changes)."
    )


def _undefined_rates_note(
    regional: pd.DataFrame,
    used: pd.DataFrame,
    items: list[tuple[str, Any, Any]],
    forms: list[str],
    value: str,
    aggregates: list[str],
) -> str:
    """The regions and sub-periods without a growth rate (``value`` 0 at the start, or missing in a year
    the rate needs), and what that does to the aggregate rows."""
    zero: list[str] = []
    missing: list[str] = []
    for form in forms:
        for label, t0, t1 in items:
            needed = [t0, t1] if form == "geometric" else list(range(int(t0), int(t1) + 1))
            column = next(
                c for c in regional.columns if c[0] != value and c[1] == label and _form_of(c[0]) in (form, "")
            )
            empty = regional[column].isna().to_numpy()
            gap = used[needed].isna().any(axis=1).to_numpy()
            tail = "" if column[0] == "Average annual growth" else f" ({column[0].lower()})"
            if (empty & ~gap).any():
                zero.append(f"{_show(regional.index[empty & ~gap])} in {label}{tail}")
            if (empty & gap).any():
                missing.append(f"{_show(regional.index[empty & gap])} in {label}{tail}")
    text = []
    if zero:
        text.append(
            f"No growth rate (the region's {value} is 0 at the start of the sub-period or of a year in it; the cell "
            "is empty): " + "; ".join(zero) + "."
        )
    if missing:
        text.append(
            f"No growth rate (the region's {value} is missing in a year the rate needs; the cell is empty): "
            + "; ".join(missing)
            + "."
        )
    if text and "mean_of_growth" in aggregates:
        why = "a rate from zero is unbounded" if zero else ""
        if missing:
            why += (", " if why else "") + "a missing rate is unknown"
        tail = "bias the mean downwards" if not missing else "make it the mean of another set of regions"
        text.append(
            "The mean of regional rates of a group or the country that includes such a region is empty for that "
            f"sub-period: {why}, and leaving the region out would {tail}"
            + ("; the growth of the mean is defined." if "growth_of_mean" in aggregates and not missing else ".")
        )
    if missing and "growth_of_mean" in aggregates:
        text.append(
            f"The mean {value} of a group or the country with a member whose {value} is missing is empty in that "
            "year, and so is the growth of the mean in the sub-periods that need the year: a mean over the other "
            "members would compare different sets of regions within one row"
            + (f"; where {value} is 0 the growth of the mean is defined." if zero else ".")
        )
    return " ".join(text)


def _form_of(spanner: str) -> str:
    """The growth form a column's spanner names ('' for the single-form spanner)."""
    return next((form for form, name in _GROWTH_SPANNER.items() if name == spanner), "")


def _aggregate_note(aggregates: list[str], value: str) -> str:
    text = {
        "growth_of_mean": f"the growth of the mean {value} of the regions in the group (or the country)",
        "mean_of_growth": "the mean of the regional growth rates",
    }
    return f"Group and national rows: mean {value}; growth: " + "; or ".join(text[a] for a in aggregates) + "."


# -- Dagum ---------------------------------------------------------------------------------------
def _require(frame: pd.DataFrame, columns: Sequence[str], who: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{who}: the frame lacks column(s) {missing}; it has {list(frame.columns)}")


def dagum_table(table: pd.DataFrame, *, decimals: int = 3, caption: str = "", name: str = "dagum") -> PaperTable:
    """Rows = periods; columns G, Gw, Gnb, Gt and their contributions to G in percent.

    Parameters
    ----------
    table : DataFrame
        One row per period with ``G``, ``Gw``, ``Gnb``, ``Gt``, ``Gw_share``, ``Gnb_share``,
        ``Gt_share`` (a Dagum result's ``table``).
    """
    _require(table, ["G", "Gw", "Gnb", "Gt", "Gw_share", "Gnb_share", "Gt_share"], "dagum_table")
    body = pd.DataFrame(
        {
            ("Gini", "G"): table["G"],
            ("Gini", "Gw"): table["Gw"],
            ("Gini", "Gnb"): table["Gnb"],
            ("Gini", "Gt"): table["Gt"],
            ("Contribution", "Gw"): table["Gw_share"],
            ("Contribution", "Gnb"): table["Gnb_share"],
            ("Contribution", "Gt"): table["Gt_share"],
        }
    )
    body.index = table.index.rename(table.index.name or "period")
    kinds = {c: ("percent" if c[0] == "Contribution" else "number") for c in body.columns}
    notes = (
        (
            "Dagum (1997): G = Gw (within groups) + Gnb (net between groups) + Gt (transvariation); "
            "contributions are shares of G in percent."
        ),
    )
    return PaperTable(
        body,
        caption=caption,
        name=name,
        notes=notes,
        kinds=kinds,
        decimals=decimals,
        key_labels={body.index.name: "Year"},
    )


def _rank_order(ranks: pd.DataFrame, order: Sequence[Any] | None, who: str) -> list[Any]:
    """Groups by mean rank over periods (1 = largest mean), ties in order of appearance."""
    groups = list(dict.fromkeys(ranks["group"]))
    if order is not None:
        return _group_order(groups, order)
    mean_rank = ranks.groupby("group", sort=False)["rank"].mean()
    position = pd.Series(np.arange(len(groups)), index=groups)
    frame = pd.DataFrame({"rank": mean_rank.reindex(groups), "first": position})
    return list(frame.sort_values(["rank", "first"], kind="stable").index)


_WITHIN_VALUES = ("G_jj", "Gw_contrib", "Gw_contrib_share", "mean", "p_j", "s_j")
_BETWEEN_VALUES = ("G_jh", "D_jh", "d_jh", "p_jh", "Gnb_contrib", "Gt_contrib", "Gnb_contrib_share", "Gt_contrib_share")


def dagum_within_table(
    within: pd.DataFrame,
    *,
    value: str = "G_jj",
    order: Sequence[Any] | None = None,
    decimals: int = 3,
    caption: str = "",
    name: str = "dagum_within",
) -> PaperTable:
    """Rows = periods, one column per group: the within-group Gini G_jj (or another ``value``).

    The groups are in a stable order: by their mean rank over all periods (1 = the group with the
    largest mean), or the caller's ``order``.

    Parameters
    ----------
    within : DataFrame
        Indexed by (period, group) with ``rank`` and ``value`` (a Dagum result's ``within``).
    value : {"G_jj", "Gw_contrib", "Gw_contrib_share", "mean", "p_j", "s_j"}
    """
    if value not in _WITHIN_VALUES:
        raise ValueError(f"value must be one of {', '.join(_WITHIN_VALUES)}; got {value!r}")
    _require(within, ["rank", value], "dagum_within_table")
    if within.index.nlevels != 2:
        raise ValueError(
            f"dagum_within_table: within must be indexed by (period, group); got {within.index.nlevels} level(s)"
        )
    flat = within.reset_index()
    period, group = flat.columns[0], flat.columns[1]
    ranks = flat.rename(columns={group: "group"})[["group", "rank"]]
    groups = _rank_order(ranks, order, "dagum_within_table")
    body = flat.pivot(index=period, columns=group, values=value).reindex(columns=groups)
    body.columns = pd.Index([str(g) for g in groups], dtype=object)
    how = "the order given" if order is not None else "the groups' mean rank over all periods (1 = largest mean)"
    kind = "percent" if value.endswith("share") else "number"
    notes = (f"{value} per group; columns in {how}.",)
    return PaperTable(
        body,
        caption=caption,
        name=name,
        notes=notes,
        kinds=dict.fromkeys(body.columns, kind),
        decimals=decimals,
        key_labels={str(period): "Year"},
    )


def dagum_between_table(
    between: pd.DataFrame,
    *,
    value: str = "G_jh",
    order: Sequence[Any] | None = None,
    decimals: int = 3,
    caption: str = "",
    name: str = "dagum_between",
    separator: str = "–",
) -> PaperTable:
    """Rows = periods, one column per pair of groups ``j–h``: the between-group G_jh (or another ``value``).

    A Dagum result labels each pair richer-first in every period, so the same pair can be
    ``(A, B)`` one year and ``(B, A)`` the next. Here every pair has one orientation for all
    periods: j is the group of better mean rank over all periods (or earlier in ``order``), and
    pairs are in the order of (j, h). Symmetric values (G_jh, contributions) are unchanged by the
    orientation; for a period in which h was the richer group, D_jh changes sign and d_jh and p_jh
    swap, so that they always describe j against h.

    Parameters
    ----------
    between : DataFrame
        Indexed by (period, group_j, group_h) with ``rank_j``, ``rank_h`` and ``value`` (a Dagum
        result's ``between``).
    value : {"G_jh", "D_jh", "d_jh", "p_jh", "Gnb_contrib", "Gt_contrib", "Gnb_contrib_share", "Gt_contrib_share"}
    order : sequence, optional
        Group order (default: mean rank over all periods).
    separator : str
        Between the two group names of a column label.
    """
    if value not in _BETWEEN_VALUES:
        raise ValueError(f"value must be one of {', '.join(_BETWEEN_VALUES)}; got {value!r}")
    needed = ["rank_j", "rank_h", value] + (["d_jh", "p_jh"] if value in ("d_jh", "p_jh") else [])
    _require(between, needed, "dagum_between_table")
    if between.index.nlevels != 3:
        raise ValueError(
            f"dagum_between_table: between must be indexed by (period, group_j, group_h); got "
            f"{between.index.nlevels} level(s)"
        )
    flat = between.reset_index()
    period, gj, gh = flat.columns[:3]
    ranks = pd.concat(
        [
            flat[[period, gj, "rank_j"]].set_axis([period, "group", "rank"], axis=1),
            flat[[period, gh, "rank_h"]].set_axis([period, "group", "rank"], axis=1),
        ]
    )
    ranks = ranks.drop_duplicates([period, "group"])
    groups = _rank_order(ranks[["group", "rank"]], order, "dagum_between_table")
    position = {g: i for i, g in enumerate(groups)}
    pj = flat[gj].map(position).to_numpy()
    ph = flat[gh].map(position).to_numpy()
    swap = pj > ph
    first = np.where(swap, flat[gh].to_numpy(dtype=object), flat[gj].to_numpy(dtype=object))
    second = np.where(swap, flat[gj].to_numpy(dtype=object), flat[gh].to_numpy(dtype=object))
    values = flat[value].to_numpy(float)
    if value == "D_jh":
        values = np.where(swap, -values, values)
    elif value in ("d_jh", "p_jh"):
        other = flat["p_jh" if value == "d_jh" else "d_jh"].to_numpy(float)
        values = np.where(swap, other, values)
    labels = pd.Series([f"{a}{separator}{b}" for a, b in zip(first, second, strict=True)])
    keys = pd.Series(np.minimum(pj, ph) * len(groups) + np.maximum(pj, ph))
    long = pd.DataFrame({period: flat[period], "pair": labels, "key": keys, "value": values})
    if long.duplicated([period, "pair"]).any():
        twice = long.loc[long.duplicated([period, "pair"]), [period, "pair"]].values.tolist()[:5]
        raise ValueError(f"dagum_between_table: pairs listed twice in a period: {twice}")
    pairs = long.drop_duplicates("pair").sort_values("key")["pair"].tolist()
    body = long.pivot(index=period, columns="pair", values="value").reindex(columns=pairs)
    body.columns = pd.Index(pairs, dtype=object)
    how = "the order given" if order is not None else "the groups' mean rank over all periods (1 = largest mean)"
    kind = "percent" if value.endswith("share") else "number"
    note = f"{value} per pair j{separator}h, j the group earlier in {how}, in every period."
    if value in ("D_jh", "d_jh", "p_jh"):
        note += (
            f" In periods in which h had the larger mean the value is re-expressed for j against h "
            f"({'D_jh changes sign' if value == 'D_jh' else 'd_jh and p_jh swap'})."
        )
    return PaperTable(
        body,
        caption=caption,
        name=name,
        notes=(note,),
        kinds=dict.fromkeys(body.columns, kind),
        decimals=decimals,
        key_labels={str(period): "Year"},
    )


# -- indicator weights ---------------------------------------------------------------------------------
def weights_table(
    weights: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    subtotals: bool = True,
    decimals: int = 4,
    caption: str = "",
    name: str = "weights",
) -> PaperTable:
    """Subsystem, first-level dimension, indicator, direction and weight, with dimension subtotals.

    Parameters
    ----------
    weights : DataFrame
        One row per indicator: ``indicator``, ``subsystem``, ``dimension`` (may be empty for every
        indicator: then no dimension level), ``direction``, ``weight`` (a scores result's
        ``weights``).
    labels : mapping, optional
        Printed names of indicators (codes by default).
    subtotals : bool
        A ``Subtotal`` row after each dimension (the sum of its weights).
    decimals : int
        Decimals of the weights (4, as the papers print them).

    Raises
    ------
    ValueError
        Missing columns, or a dimension given for some indicators of a subsystem and not for
        others (named).
    """
    _require(weights, ["indicator", "subsystem", "direction", "weight"], "weights_table")
    frame = weights.reset_index(drop=True).copy()
    has_dimension = "dimension" in frame.columns and frame["dimension"].notna().any()
    if has_dimension:
        missing = frame.loc[frame["dimension"].isna(), "indicator"].tolist()
        if missing:
            raise ValueError(
                f"weights_table: indicators {_show(missing)} have no dimension while others have one; "
                "give every indicator a dimension, or none"
            )
    subsystems = list(dict.fromkeys(frame["subsystem"]))
    frame["_s"] = frame["subsystem"].map({s: i for i, s in enumerate(subsystems)})
    if has_dimension:
        dims = list(dict.fromkeys(zip(frame["subsystem"], frame["dimension"], strict=True)))
        frame["_d"] = [dims.index(k) for k in zip(frame["subsystem"], frame["dimension"], strict=True)]
    else:
        frame["_d"] = 0
    frame = frame.sort_values(["_s", "_d"], kind="stable")
    shown = frame["indicator"].map(lambda i: (labels or {}).get(i, i)).astype(str)
    rows = pd.DataFrame(
        {
            "subsystem": frame["subsystem"].astype(str).to_numpy(),
            "dimension": frame["dimension"].astype(str).to_numpy() if has_dimension else "",
            "indicator": shown.to_numpy(),
            "direction": frame["direction"].astype(str).to_numpy(),
            "weight": frame["weight"].to_numpy(float),
            "_s": frame["_s"].to_numpy(),
            "_d": frame["_d"].to_numpy(),
            "_o": 0,
        }
    )
    notes = ["Weights sum to 1 within each subsystem; direction + (larger is better) or - (smaller is better)."]
    if has_dimension and subtotals:
        sums = (
            rows.groupby(["_s", "_d"], sort=False)
            .agg(subsystem=("subsystem", "first"), dimension=("dimension", "first"), weight=("weight", "sum"))
            .reset_index()
        )
        sums["indicator"], sums["direction"], sums["_o"] = "Subtotal", "", 1
        rows = pd.concat([rows, sums[rows.columns]], ignore_index=True).sort_values(["_s", "_d", "_o"], kind="stable")
        notes.append("Subtotal: the weight of the dimension, the sum of its indicators' weights.")
    keys = ["subsystem", "dimension", "indicator"] if has_dimension else ["subsystem", "indicator"]
    body = rows.set_index(keys)[["direction", "weight"]].rename(columns={"direction": "Direction", "weight": "Weight"})
    return PaperTable(
        body,
        caption=caption,
        name=name,
        notes=notes,
        kinds={"Direction": "text", "Weight": "number"},
        decimals=decimals,
        panel="subsystem",
        key_labels={"dimension": "Dimension", "indicator": "Indicator"},
    )


# -- descriptive statistics -----------------------------------------------------------------------------
_STATS = ("N", "mean", "sd", "min", "max")
_STAT_LABELS = {"N": "N", "mean": "Mean", "sd": "SD", "min": "Min", "max": "Max"}


def descriptive_table(
    data: pd.DataFrame | pd.Series | Mapping[str, pd.Series],
    *,
    by: str | None = None,
    columns: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    decimals: int = 3,
    caption: str = "",
    name: str = "descriptive",
) -> PaperTable:
    """N, mean, standard deviation, minimum and maximum of each variable, pooled or per ``by``.

    Parameters
    ----------
    data : DataFrame, Series or mapping name → Series
        Variables in columns (a mapping is joined on its index, e.g. indicators and D).
    by : str, optional
        An index level (``"period"``) or column to compute the statistics per value of.
    columns : sequence of str, optional
        Variables to describe (default: every numeric column except ``by``).
    labels : mapping, optional
        Printed names of the variables.

    Raises
    ------
    ValueError
        A column that is not numeric, or ``by`` that is neither an index level nor a column (named).
    """
    if isinstance(data, Mapping):
        frame = pd.concat({str(k): v for k, v in data.items()}, axis=1)
    elif isinstance(data, pd.Series):
        frame = data.to_frame(data.name if data.name is not None else "value")
    else:
        frame = data.copy()
    if by is not None:
        if by in (frame.index.names or []):
            frame = frame.reset_index(level=by)
        elif by not in frame.columns:
            raise ValueError(
                f"descriptive_table: by={by!r} is neither an index level {list(frame.index.names)} nor a column"
            )
    if columns is None:
        columns = [
            c
            for c in frame.columns
            if c != by
            and pd.api.types.is_numeric_dtype(frame[c].dtype)
            and not pd.api.types.is_bool_dtype(frame[c].dtype)
        ]
    else:
        columns = list(columns)
        unknown = [c for c in columns if c not in frame.columns]
        if unknown:
            raise ValueError(f"descriptive_table: columns {unknown} are not in the data ({list(frame.columns)})")
        text = [c for c in columns if not pd.api.types.is_numeric_dtype(frame[c].dtype)]
        if text:
            raise ValueError(f"descriptive_table: columns {text} are not numeric; leave them out of columns")
    if not columns:
        raise ValueError("descriptive_table: no numeric column to describe")
    values = frame[list(columns)].astype(float)
    if by is None:
        stats = pd.DataFrame(
            {
                "N": values.count(),
                "mean": values.mean(),
                "sd": values.std(ddof=1),
                "min": values.min(),
                "max": values.max(),
            }
        )
        stats.index = pd.Index([(labels or {}).get(c, c) for c in columns], name="variable")
        panel = None
    else:
        grouped = values.groupby(frame[by].to_numpy(), sort=True)
        parts = {
            "N": grouped.count(),
            "mean": grouped.mean(),
            "sd": grouped.std(ddof=1),
            "min": grouped.min(),
            "max": grouped.max(),
        }
        stats = pd.concat({k: v.stack(future_stack=True) for k, v in parts.items()}, axis=1)
        stats.index = stats.index.set_names([by, "variable"])
        stats = stats.swaplevel().sort_index(level=0, sort_remaining=False)
        order = {c: i for i, c in enumerate(columns)}
        codes = stats.index.get_level_values("variable").map(order).to_numpy()
        stats = stats.iloc[np.argsort(codes, kind="stable")]
        stats.index = stats.index.set_levels(
            [stats.index.levels[0].map(lambda c: (labels or {}).get(c, c)), stats.index.levels[1]]
        )
        panel = "variable"
    stats["N"] = stats["N"].astype(int)
    stats.columns = [_STAT_LABELS[c] for c in _STATS]
    notes = ["SD: standard deviation with n - 1 in the denominator; N counts non-missing values."]
    return PaperTable(
        stats,
        caption=caption,
        name=name,
        notes=notes,
        kinds={"N": "integer"},
        decimals=decimals,
        panel=panel,
        key_labels={"variable": "Variable", **({by: "Period"} if by else {})},
    )

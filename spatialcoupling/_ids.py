"""Region ids: one normalisation for every place that reads or matches them.

Text ids are stripped of surrounding white space when they are read (reported by
the caller). Two different spellings that are equal after stripping and case
folding (``"Beijing"``, ``"BEIJING"``) are taken as a mistake in the data, never
as two regions and never silently as one: :func:`id_collisions` lists them so the
caller can refuse them with the spellings named.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd


def is_text(values: pd.Series | pd.Index) -> bool:
    """True when every non-missing value is a string."""
    return pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")


def strip_ids(values: pd.Series) -> tuple[pd.Series, str | None]:
    """Text ids without surrounding white space, and a note on what changed (None if nothing).

    Non-text ids (numbers) are returned unchanged.
    """
    if not is_text(values):
        return values, None
    stripped = values.str.strip()
    changed = values.notna() & (stripped != values)
    if not changed.any():
        return values, None
    pairs = pd.DataFrame({"was": values[changed], "now": stripped[changed]}).drop_duplicates()
    items = [f"{w!r} → {n!r}" for w, n in zip(pairs["was"][:5], pairs["now"][:5], strict=True)]
    shown = ", ".join(items) + (f" … and {len(pairs) - 5} more" if len(pairs) > 5 else "")
    note = f"stripped surrounding white space from {len(pairs)} id spelling(s) in {int(changed.sum())} row(s): {shown}"
    return stripped, note


def id_collisions(values: pd.Series | pd.Index, keys: Sequence[str] | None = None) -> list[list]:
    """Groups of distinct ids that are equal after stripping and case folding.

    Parameters
    ----------
    values : Series or Index
        The ids as spelled.
    keys : sequence of str, optional
        A comparison key per id (e.g. the text form that matches numbers with their
        text); case folded here. Default: the stripped text of text ids (ids that
        are not all text then have no collisions).

    Returns
    -------
    list of list
        Each group lists the colliding spellings; empty when there is none.
    """
    values = pd.Index(values)
    if keys is None:
        if values.empty or not is_text(values):
            return []
        folded = pd.Index(values.str.strip().str.casefold())
    else:
        folded = pd.Index(pd.Index(list(keys), dtype=object).astype(str).str.casefold())
    frame = pd.DataFrame({"id": values.astype(object), "key": folded}).dropna()
    frame = frame[~frame.duplicated()]
    repeated = frame["key"].duplicated(keep=False)
    if not repeated.any():
        return []
    groups = frame[repeated].groupby("key", sort=True)["id"].agg(list)
    return [sorted(g, key=str) for g in groups]


def describe_collisions(groups: list[list[str]], limit: int = 5) -> str:
    """``'Beijing' / 'BEIJING'; …`` for an error message."""
    shown = "; ".join(" / ".join(repr(s) for s in g) for g in groups[:limit])
    more = f"; … and {len(groups) - limit} more" if len(groups) > limit else ""
    return shown + more


def id_keys(values: Iterable) -> list[str]:
    """Comparable keys for ids that may come as numbers in one place and text in another.

    ``110000``, ``110000.0``, ``numpy.int64(110000)`` and ``" 110000"`` all give ``"110000"``;
    text ids are stripped. Every place that matches ids (boundaries to a panel, a panel to
    spatial weights, a user matrix to the regions) compares these keys.
    """
    if isinstance(values, pd.Index | pd.Series | np.ndarray) and len(values):
        kind = pd.api.types.infer_dtype(values, skipna=False)
        if kind == "string":  # Python's own strip, as below
            return pd.Index(np.asarray(values, dtype=object), dtype=object).str.strip().tolist()
        if kind == "integer":  # str() of an integer (numpy or Python) has no spaces to strip
            return np.asarray(values).astype(str).tolist()
    out = []
    for value in values:
        v = value
        item = getattr(v, "item", None)
        if callable(item) and getattr(v, "ndim", 1) == 0:
            v = item()
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        out.append(str(v).strip())
    return out

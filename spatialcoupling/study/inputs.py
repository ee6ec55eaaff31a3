"""Reading a study's inputs from its settings: the panel, the indicator system, the boundaries
and the spatial weights.

Each function takes the settings of its section (``cfg``) and the folder relative paths are
taken from (``base_dir``); none keeps state, so what a run reads once is passed on by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .schema import setting

__all__ = ["boundaries", "indicator_system", "input_files", "match", "panel", "preview", "spatial_weights"]


def preview(items: Any, limit: int = 10) -> str:
    """The first ``limit`` items for a message, with a count of the rest."""
    items = list(items)

    def plain(value: Any) -> Any:
        item = getattr(value, "item", None)
        if isinstance(value, tuple):
            return tuple(plain(v) for v in value)
        return item() if callable(item) and getattr(value, "ndim", 1) == 0 else value

    shown = ", ".join(repr(plain(i)) for i in items[:limit])
    more = f" … and {len(items) - limit} more" if len(items) > limit else ""
    return shown + more


def input_files(settings: Mapping[str, Any], base_dir: Path, source: Path | None) -> list[Path]:
    """The files a study reads: the study file, data, indicator, boundary and weights matrix files
    (with a Shapefile's companion files)."""
    files = [source] if source is not None else []
    shapes = []
    for section, key in (("data", "path"), ("indicators", "file"), ("regions", "file"), ("weights", "matrix")):
        block = settings.get(section)
        value = block.get(key) if isinstance(block, Mapping) else None
        if isinstance(value, str):
            files.append(base_dir / value)
            if section == "regions" and value.lower().endswith(".shp"):
                shapes.append(base_dir / value)
    for shape in shapes:  # the shapefile's companion files
        files += [f for f in shape.parent.glob(shape.stem + ".*") if f != shape]
    return files


def panel(cfg: Mapping[str, Any], base_dir: Path) -> Any:
    """The :class:`~spatialcoupling.Panel` of ``[data]``, interpolated as the settings say."""
    from .. import datasets
    from ..panel import read_panel

    src: Any = datasets.load(cfg["dataset"]) if "dataset" in cfg else base_dir / cfg["path"]
    if isinstance(src, pd.DataFrame) and isinstance(src.index, pd.MultiIndex):
        src = src.reset_index()
    options = {
        k: cfg[k]
        for k in ("sheets", "indicator", "header_row", "na_values", "thousands", "encoding", "sep", "regions")
        if k in cfg
    }
    try:
        result = read_panel(
            src,
            region=setting(cfg, "data", "region"),
            period=setting(cfg, "data", "period"),
            sheet=cfg.get("sheet"),
            wide=setting(cfg, "data", "wide"),
            columns=cfg.get("columns"),
            **options,
        )
    except ValueError as exc:
        # read_panel names its settings as keywords (sheets=); in a study they are keys of [data]
        raise ValueError(str(exc).replace("read_panel: ", "")) from None
    if "rename_regions" in cfg:
        result = _keyed(
            "data.rename_regions",
            result.rename_regions,
            _region_mapping(result, cfg["rename_regions"], cfg.get("regions")),
        )
    if "drop_regions" in cfg:
        result = _keyed(
            "data.drop_regions",
            result.drop,
            regions=[_region_of(result, r, cfg.get("regions")) for r in cfg["drop_regions"]],
        )
    interp = setting(cfg, "data", "interpolate")
    if interp:
        result = result.interpolate("linear" if interp is True else interp, extrapolate=cfg.get("extrapolate"))
    for name, expression in (cfg.get("derive") or {}).items():
        result = _keyed(f"data.derive.{name}", result.derive, name, expression)
    if "periods" in cfg:
        first, last = cfg["periods"]
        result = _keyed("data.periods", result.between, first, last)
    return result


def _keyed(path: str, method: Any, *args: Any, **kwargs: Any) -> Any:
    """``method(*args, **kwargs)``; a ValueError names the key path ``path``."""
    try:
        return method(*args, **kwargs)
    except (ValueError, KeyError, TypeError) as exc:
        text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        raise ValueError(f"{path}: {text}") from None


def _region_of(panel: Any, given: Any, table: str | None) -> Any:
    """The panel's region id that ``given`` names: the id itself (a number or its text), or, when the
    ids were replaced by adcodes (``data.regions``), any spelling of the alias table."""
    from .._aliases import resolve
    from .._ids import id_keys

    keys = dict(zip(id_keys(panel.regions), panel.regions, strict=True))
    key = id_keys([given])[0]
    if key in keys:
        return keys[key]
    if table is not None:
        res = resolve([given], table)
        if res.codes and res.codes[given] in set(panel.regions):
            return res.codes[given]
    return given  # unknown: the panel method names it


def _region_mapping(panel: Any, mapping: Mapping[str, Any], table: str | None) -> dict[Any, Any]:
    return {_region_of(panel, old, table): new for old, new in mapping.items()}


def indicator_system(cfg: Mapping[str, Any], base_dir: Path) -> Any:
    """The :class:`~spatialcoupling.IndicatorSystem` of ``[indicators]``."""
    from ..indicators import IndicatorSystem

    if "file" in cfg:
        return IndicatorSystem.from_file(base_dir / cfg["file"])
    if "dataset" in cfg:
        from ..datasets.simulate import china_demo_system

        return china_demo_system()
    return IndicatorSystem.from_dict(dict(cfg))


def boundaries(cfg: Mapping[str, Any], base_dir: Path) -> Any:
    """Every boundary of ``[regions]`` (maps draw regions without data too), indexed by the id
    column when one is set."""
    from .. import datasets
    from ..regions import read_regions

    if "dataset" in cfg:
        regions = datasets.load(cfg["dataset"])
    else:
        regions = read_regions(base_dir / cfg["file"], layer=cfg.get("layer"))
    id_col = cfg.get("id")
    if id_col == "region" and id_col in regions.columns:
        regions = regions.set_index("region")  # the id column becomes the index (no copy left behind)
    elif id_col and id_col in regions.columns:
        regions = regions.set_index(regions[id_col].rename("region"))
    return regions


def match(cfg: Mapping[str, Any], all_boundaries: Any, data: Any) -> Any:
    """The boundaries matched to the panel ``data``: one row per panel region, indexed by its id."""
    from ..regions import match_regions

    return match_regions(all_boundaries, data, on=cfg.get("id"), extra=setting(cfg, "regions", "extra"))


def spatial_weights(cfg: Mapping[str, Any], base_dir: Path, regions: Any, data: Any) -> Any:
    """The weights of ``[weights]`` over the matched ``regions``, in the panel's region order, as plain
    data (:func:`spatialcoupling.spatialweights.sparse_weights`: a run does not import libpysal;
    ``StudyResult["w"]`` is the libpysal ``W``)."""
    from ..spatialweights import sparse_weights as build

    options = dict(cfg)
    kind = options.pop("kind", setting(cfg, "weights", "kind"))
    standardize = options.pop("standardize", setting(cfg, "weights", "standardize"))
    if "variable" in options:
        if options["variable"] not in data.columns:
            raise ValueError(
                f"weights.variable: column {options['variable']!r} is not in the data; columns: "
                f"{preview(data.columns, 8)}"
            )
        options["variable"] = data[options["variable"]]
    if "matrix" in options:
        options["matrix"] = base_dir / options["matrix"]
    ids: Sequence[Any] = list(data.regions)
    return build(regions, kind=kind, ids=ids, standardize=None if standardize == "none" else standardize, **options)

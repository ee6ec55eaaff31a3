"""Shared behaviour of result objects: immutability, tidy tables, summary, export.

Every ``.fit`` returns a subclass of :class:`Result`. A result holds tidy pandas
tables (``.table`` plus named tables listed by ``.tables``), prints a plain-text
``.summary()``, draws ``.plot()`` and writes itself with ``.export(path)``, the
format chosen from the suffix.

The table writers shared by ``Result.export`` and the study runner live in
:mod:`spatialcoupling.tables.writers` (atomic files, neutralised formulas, flat Excel
sheets, Excel size limits, LaTeX escaping); their 0.1 names are re-exported here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ._files import atomic_path  # noqa: F401  (0.1 import path)
from .tables.writers import TABLE_SUFFIXES

FIGURE_SUFFIXES = {".png", ".svg", ".pdf"}
GEO_SUFFIXES = {".gpkg", ".shp", ".geojson"}


def copied(attribute: str, doc: str | None = None) -> property:
    """A read-only property returning a copy of ``self.<attribute>``.

    Results hand out copies of their tables so that a caller cannot change a
    result through a table it was given.
    """

    def getter(self: Any) -> Any:
        return getattr(self, attribute).copy()

    return property(getter, doc=doc)


class Result:
    """Base class of immutable analysis results.

    Subclasses set their attributes in ``__init__`` and then call
    ``self._freeze()``; afterwards attributes cannot be rebound. Tables are
    returned as copies so that a caller cannot change the result through them.
    """

    _frozen: bool = False
    #: names of the tables written by ``export`` (attribute names); ``table`` first
    _table_names: tuple[str, ...] = ("table",)

    def _freeze(self) -> None:
        object.__setattr__(self, "_frozen", True)

    def __setattr__(self, key: str, value: Any) -> None:
        if self._frozen:
            raise AttributeError(f"{type(self).__name__} is immutable; fit the model again to change it")
        object.__setattr__(self, key, value)

    # -- tables -----------------------------------------------------------
    @property
    def table(self) -> pd.DataFrame:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """All named tables of the result, ``table`` first."""
        out = {}
        for name in self._table_names:
            value = getattr(self, name)
            if isinstance(value, pd.Series):
                value = value.to_frame()
            if isinstance(value, pd.DataFrame):
                out[name] = value
        return out

    @property
    def notes(self) -> list[str]:
        """What was filled, clipped, excluded or otherwise worth knowing."""
        return list(getattr(self, "_notes", []))

    def summary(self) -> str:
        """Plain-text summary: the class name, notes and the main table."""
        lines = [type(self).__name__, "=" * len(type(self).__name__)]
        lines += [f"note: {n}" for n in self.notes]
        with pd.option_context("display.width", 120, "display.max_columns", 30, "display.max_rows", 60):
            lines.append(self.table.to_string(float_format=lambda v: f"{v:.4f}"))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {len(self.table)} rows>"

    def plot(self, *args: Any, **kwargs: Any):  # pragma: no cover - overridden
        raise NotImplementedError(f"{type(self).__name__} has no plot")

    # -- export -------------------------------------------------------------
    def export(self, path: str | Path, **kwargs: Any) -> Path:
        """Write the result; the format follows the suffix.

        ``.csv``, ``.tex``, ``.md``, ``.parquet``: the main table. ``.xlsx``: every named
        table as a sheet. ``.png``, ``.svg``, ``.pdf``: the figure from ``.plot(**kwargs)``.
        Results with geometry also accept ``.gpkg``, ``.shp`` and ``.geojson``.

        Tables and figures are written to a temporary file next to ``path`` and moved
        into place when complete, so an error never leaves a broken file.

        Raises
        ------
        ValueError
            Unknown suffix; for ``.xlsx``, a table larger than an Excel sheet (named,
            with the advice to export it as .csv or .parquet).
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in TABLE_SUFFIXES | FIGURE_SUFFIXES | GEO_SUFFIXES:
            raise ValueError(
                f"cannot export to {path.name!r}: unknown suffix {suffix!r}; use one of "
                f"{sorted(TABLE_SUFFIXES | FIGURE_SUFFIXES)}"
            )
        if suffix in TABLE_SUFFIXES:
            tables = self.tables
            if suffix == ".xlsx":
                _refuse_oversized(tables)  # before anything is created
            path.parent.mkdir(parents=True, exist_ok=True)
            write_tables(tables, path)
        elif suffix in FIGURE_SUFFIXES:
            from ._figures import save_figure

            save_figure(self.plot(**kwargs), path, close=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._export_geo(path, **kwargs)
        return path

    def _export_geo(self, path: Path, **kwargs: Any) -> None:
        raise ValueError(f"{type(self).__name__} has no geometry; export it as .csv/.xlsx/.tex/.md instead")


# -- writing files -----------------------------------------------------------------------------
# The writers live in :mod:`spatialcoupling.tables.writers`; these names keep 0.1's imports working.
from .tables import writers as _writers  # noqa: E402
from .tables.writers import (  # noqa: E402, F401
    FORMULA_PREFIXES,
    LATEX_ESCAPES,
    XLSX_MAX_COLS,
    XLSX_MAX_ROWS,
    latex_escape,
    neutralise_formulas,
    sheet_names,
    write_tables,
    xlsx_size,
)
from .tables.writers import refuse_oversized as _refuse_oversized  # noqa: E402, F401
from .tables.writers import to_latex as _latex  # noqa: E402, F401
from .tables.writers import to_markdown as _markdown  # noqa: E402, F401


def xlsx_fits(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` fits on one Excel sheet of at most :data:`XLSX_MAX_ROWS` rows and
    :data:`XLSX_MAX_COLS` columns (this module's limits; see :func:`spatialcoupling.tables.xlsx_fits`)."""
    return _writers.xlsx_fits(frame, max_rows=XLSX_MAX_ROWS, max_cols=XLSX_MAX_COLS)

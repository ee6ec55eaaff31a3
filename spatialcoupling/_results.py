"""Shared behaviour of result objects: immutability, tidy tables, summary, export.

The contract every analysis object follows (CONTRIBUTING.md, "The result contract"):

- **Settings to the constructor, data to ``fit``.** A model object holds only settings,
  declared once as parameter constraints (:mod:`spatialcoupling._params`) and checked at
  construction and again at the top of ``fit``. Everything that is data — the series, the
  spatial weights, region groups, controls — is an argument of ``fit``:
  ``GlobalMoran(permutations=999, seed=1).fit(D, w)``, ``DagumGini(bootstrap=999).fit(D,
  groups)``, ``BetaConvergence(model="sdm").fit(D, w=w, controls=X)``. The 0.1 style that passed
  data to the constructor keeps working with a ``DeprecationWarning``.
- **Fitting never mutates its inputs and returns an immutable result** (a subclass of
  :class:`Result`): attributes cannot be rebound, tables are handed out as copies, arrays are
  read-only and ``settings`` is a read-only mapping.
- **Every result has** ``.table`` (tidy), named tables (``.tables``), ``.notes`` (what was
  filled, clipped, aliased or excluded), ``.settings``, ``.summary()``, ``.plot()`` (a
  matplotlib Figure drawn by :mod:`spatialcoupling.plotting` from the result's tables),
  ``.export(path)`` (format by suffix), ``str()`` (the summary) and ``_repr_html_`` (for
  notebooks).
- **Estimators also have** ``params``, ``std_errors``, ``tstats`` (t-based inference) or
  ``zstats`` (normal-based), ``pvalues``, ``cov`` and ``nobs``, with these names everywhere.

The table writers shared by ``Result.export`` and the study runner live in
:mod:`spatialcoupling.tables.writers` (atomic files, neutralised formulas, flat Excel
sheets, Excel size limits, LaTeX escaping); their 0.1 names are re-exported here.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
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

    @property
    def settings(self) -> Mapping[str, Any]:
        """The settings that produced the result (read-only)."""
        return self.__dict__.get("_settings", MappingProxyType({}))

    @settings.setter
    def settings(self, value: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_settings", MappingProxyType(dict(value)))

    def summary(self) -> str:
        """Plain-text summary: the class name, notes and the main table."""
        lines = [type(self).__name__, "=" * len(type(self).__name__)]
        lines += [f"note: {n}" for n in self.notes]
        with pd.option_context("display.width", 120, "display.max_columns", 30, "display.max_rows", 60):
            lines.append(self.table.to_string(float_format=lambda v: f"{v:.4f}"))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {len(self.table)} rows>"

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        """The summary for notebooks: the text part, then the main table as HTML."""
        text = self.summary()
        head = text.split("\n\n", 1)[0] if "\n\n" in text else "\n".join(text.splitlines()[:2])
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        table = self.table.to_html(max_rows=30, float_format=lambda v: f"{v:.4f}", border=0)
        return f"<div><pre>{html.escape(head)}</pre>" + (f"<ul>{notes}</ul>" if notes else "") + table + "</div>"

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
from .tables.writers import refuse_oversized as _refuse_oversized  # noqa: E402
from .tables.writers import to_latex as _latex  # noqa: E402, F401
from .tables.writers import to_markdown as _markdown  # noqa: E402, F401


def xlsx_fits(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` fits on one Excel sheet of at most :data:`XLSX_MAX_ROWS` rows and
    :data:`XLSX_MAX_COLS` columns (this module's limits; see :func:`spatialcoupling.tables.xlsx_fits`)."""
    return _writers.xlsx_fits(frame, max_rows=XLSX_MAX_ROWS, max_cols=XLSX_MAX_COLS)

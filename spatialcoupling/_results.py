"""Shared behaviour of result objects: immutability, tidy tables, summary, export.

Every ``.fit`` returns a subclass of :class:`Result`. A result holds tidy pandas
tables (``.table`` plus named tables listed by ``.tables``), prints a plain-text
``.summary()``, draws ``.plot()`` and writes itself with ``.export(path)``, the
format chosen from the suffix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

TABLE_SUFFIXES = {".csv", ".xlsx", ".tex", ".md"}
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

        ``.csv``, ``.tex``, ``.md``: the main table. ``.xlsx``: every named table as
        a sheet. ``.png``, ``.svg``, ``.pdf``: the figure from ``.plot(**kwargs)``.
        Results with geometry also accept ``.gpkg``, ``.shp`` and ``.geojson``.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix in TABLE_SUFFIXES:
            write_tables(self.tables, path)
        elif suffix in FIGURE_SUFFIXES:
            import matplotlib.pyplot as plt

            fig = self.plot(**kwargs)
            fig.savefig(path, dpi=200, bbox_inches="tight")
            plt.close(fig)
        elif suffix in GEO_SUFFIXES:
            self._export_geo(path, **kwargs)
        else:
            raise ValueError(
                f"cannot export to {path.name!r}: unknown suffix {suffix!r}; use one of "
                f"{sorted(TABLE_SUFFIXES | FIGURE_SUFFIXES)}"
            )
        return path

    def _export_geo(self, path: Path, **kwargs: Any) -> None:
        raise ValueError(f"{type(self).__name__} has no geometry; export it as .csv/.xlsx/.tex/.md instead")


def write_tables(tables: dict[str, pd.DataFrame], path: Path) -> None:
    """Write the first table to .csv/.tex/.md, or all tables as sheets of one .xlsx."""
    suffix = path.suffix.lower()
    first = next(iter(tables.values()))
    if suffix == ".csv":
        first.to_csv(path)
    elif suffix == ".md":
        path.write_text(first.to_markdown() if _has_tabulate() else _markdown(first), encoding="utf-8")
    elif suffix == ".tex":
        path.write_text(_latex(first), encoding="utf-8")
    elif suffix == ".xlsx":
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            for name, frame in tables.items():
                frame.to_excel(writer, sheet_name=name[:31])
    else:  # pragma: no cover - guarded by caller
        raise ValueError(suffix)


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _markdown(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table without extra dependencies."""
    flat = frame.reset_index()
    header = "| " + " | ".join(str(c) for c in flat.columns) + " |"
    rule = "|" + "|".join("---" for _ in flat.columns) + "|"
    rows = ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in flat.itertuples(index=False)]
    return "\n".join([header, rule, *rows]) + "\n"


def _latex(frame: pd.DataFrame) -> str:
    """A booktabs LaTeX tabular without jinja2 (pandas' Styler needs it)."""
    flat = frame.reset_index()

    def esc(text: Any) -> str:
        s = _fmt(text)
        for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"), ("#", r"\#")):
            s = s.replace(a, b)
        return s

    cols = "l" * len(flat.columns)
    lines = [f"\\begin{{tabular}}{{{cols}}}", "\\toprule", " & ".join(esc(c) for c in flat.columns) + r" \\", "\\midrule"]
    lines += [" & ".join(esc(v) for v in row) + r" \\" for row in flat.itertuples(index=False)]
    lines += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(lines) + "\n"

"""The one writer of a study run's files: step outputs in, the output folder's files out.

:class:`OutputWriter` turns each :class:`~spatialcoupling.study.steps.StepOutput` into files as
soon as its step is done:

- ``tables/<name>.csv`` / ``.md``: every table as the result gives it (long, full precision;
  csv in UTF-8 with a byte-order mark).
- The tables a paper prints (a step's :class:`~spatialcoupling.study.steps.Table` with a paper
  layout, :mod:`spatialcoupling.tables`): ``tables/<name>.tex``, ``tables/paper/<name>.csv`` and
  ``.md``, all of them in one Word document ``tables/tables.docx`` (three-line tables).
- ``tables/tables.xlsx``: one workbook of flat sheets: ``about`` (data source, notes), the paper
  tables (sheets ``paper_<name>``), every table, and a ``codebook`` of the columns;
  ``tables/README.txt`` repeats the about sheet. A table too large for an Excel sheet is written
  as csv only, with a note.
- ``figures/`` and ``maps/``: every figure once per format of ``output.figures``, through
  :func:`spatialcoupling._figures.save_figure` (a PNG preview for the report when PNG is not
  among them). Figures of the synthetic demo data carry a mark saying so. They are saved by
  forked background processes while the next steps run (``output.workers``,
  :mod:`spatialcoupling._background`), as are the table files, the layers and the workbook;
  :meth:`OutputWriter.finish` waits for them.
- ``layers/<name>.gpkg``: the GIS layers, with a QGIS style ``<name>.qml`` beside those that have one.
- ``study.lock.toml``: the resolved settings, the versions of the packages used, and the input
  files (size, SHA-256), aliases, fills and derivations (:mod:`spatialcoupling.study.lock`).

File names made from labels (periods, groupings) are slugs (:func:`safe_name`): no path
separators, no ``..``, unique within their folder.
"""

from __future__ import annotations

import copy
import datetime as _dt
import importlib.metadata
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import _results
from .._aliases import in_region_order
from .._background import Background
from .._figures import FIGURE_DPI, save_figure
from .checks import Inputs
from .interpret import translate, translate_header, translate_note, translate_paper
from .schema import SYNTHETIC_NOTE, setting
from .steps import Figure, Layer, StepOutput, Table

__all__ = ["OutputWriter", "Written", "resolved_settings", "safe_name", "settings_toml"]

#: tables of fewer cells are written in the run's process (forking a process takes 10-40 ms)
_BACKGROUND_CELLS = 20_000
_UNSAFE_NAME = re.compile(r"[^\w-]+")
_VERSIONS = ("spatialcoupling", "numpy", "pandas", "scipy", "geopandas", "libpysal", "esda", "spreg", "matplotlib")


def safe_name(label: Any) -> str:
    """A file-name slug of ``label``: letters, digits, ``_`` and ``-`` only (no path separator, no ``..``).

    Runs of other characters become one ``-`` (``"2009/10"`` -> ``"2009-10"``); an empty
    result becomes ``"x"``.
    """
    return _UNSAFE_NAME.sub("-", str(label)).strip("-") or "x"


@dataclass
class Written:
    """What writing one step output gave: notes on the output, and the PNG of each figure (by name)."""

    notes: list[str] = field(default_factory=list)
    pngs: dict[str, Path] = field(default_factory=dict)


class OutputWriter:
    """Writes the files of one run into ``folder``.

    Parameters
    ----------
    folder : Path
        The (temporary) output folder.
    formats : mapping
        ``{"tables": [...], "figures": [...]}``, the formats of ``[output]``.
    synthetic : bool
        The study runs on the synthetic demo panel: figures and the workbook say so.
    language : {"en", "zh"}
        The language of the paper tables, the workbook's headers and the words the writers add.
    workers : int
        Background processes writing files at once (:class:`spatialcoupling._background.Background`);
        0 writes each file before the method that takes it returns.

    Attributes
    ----------
    files : list of Path
        Every file written, in order (not the report's PNG previews).
    """

    def __init__(
        self,
        folder: Path,
        formats: Mapping[str, Sequence[str]],
        *,
        synthetic: bool,
        language: str = "en",
        workers: int = 0,
    ) -> None:
        self.folder = Path(folder)
        #: the language of the paper tables, the workbook's headers and the words the writers add
        #: (``"zh"``: Chinese); the csv and md files of ``tables/`` keep the results' column names
        self.language = language
        self.formats = {"tables": list(formats["tables"]), "figures": list(formats["figures"])}
        self.synthetic = synthetic
        self.files: list[Path] = []
        #: the workbook's tables by name, in the order they were written
        self.tables: dict[str, pd.DataFrame] = {}
        #: the paper layouts of the tables, by name, in the order they were written
        self.papers: dict[str, Any] = {}
        #: tables left out of tables.xlsx because they do not fit on a sheet
        self.too_large: list[str] = []
        #: the CSV file of each table (the workbook lists it for a table too large to be a sheet)
        self.table_files: dict[str, list[Path]] = {}
        self._names: dict[str, set[str]] = {}
        self._work = Background(workers)
        #: the step of each job handed to the background processes, by the file it writes
        self._job_steps: dict[str, str] = {}

    def _file_name(self, sub: str, name: Any) -> str:
        """A slug of ``name`` that no other file of folder ``sub`` uses in this run."""
        used = self._names.setdefault(sub, set())
        base = safe_name(name)
        stem, k = base, 2
        while stem.casefold() in used:
            stem, k = f"{base}-{k}", k + 1
        used.add(stem.casefold())
        return stem

    def _subfolder(self, sub: str) -> Path:
        folder = self.folder / sub
        folder.mkdir(exist_ok=True)
        return folder

    # -- one step ---------------------------------------------------------------------------------
    def write_step(self, out: StepOutput) -> Written:
        """Write the tables, figures and layers of a step (every figure is closed afterwards)."""
        import matplotlib.pyplot as plt

        written = Written()
        try:
            for name, table in out.tables.items():
                written.notes += self.write_table(name, table, step=out.name)
            for name, figure in out.figures.items():
                written.pngs[name] = self.write_figure(name, figure, step=out.name)
            for name, layer in out.layers.items():
                self.write_layer(name, layer, step=out.name)
        finally:
            for figure in out.figures.values():
                if not callable(figure.figure):  # drawn by the writer, and closed there
                    plt.close(figure.figure)
        return written

    def write_table(self, name: str, table: Table, *, step: str = "") -> list[str]:
        """Write ``table`` in every table format (in the background); the notes on what could not go
        to the workbook."""
        notes = []
        stem = self._file_name("tables", name)
        frame = in_region_order(table.frame)
        self.tables[name] = frame
        folder = self._subfolder("tables")
        requested = self.formats["tables"]
        formats = [f for f in requested if f in ("csv", "md")]
        if "xlsx" in requested and not _results.xlsx_fits(frame):
            self.too_large.append(name)
            notes.append(
                f"output: table {name!r} ({len(frame):,} rows × {frame.shape[1]:,} columns) is larger than an Excel "
                f"sheet ({_results.XLSX_MAX_ROWS:,} rows, {_results.XLSX_MAX_COLS:,} columns); it is not in "
                f"tables.xlsx but in tables/{stem}.csv"
            )
            if "csv" not in formats:
                formats.insert(0, "csv")
        paths = [folder / f"{stem}.{fmt}" for fmt in formats]
        self.files += paths
        if "csv" in formats:
            self.table_files[name] = [folder / f"{stem}.csv"]
        paper = table.paper_table(name)
        if paper is not None and hasattr(paper, "body"):
            paper = paper.replace(body=in_region_order(paper.body))
        targets = self._paper_targets(stem, name, paper) if paper is not None else []
        words = self.words
        work = lambda: _write_table_files(name, frame, paths, targets, words)  # noqa: E731
        if frame.size < _BACKGROUND_CELLS:  # written faster than a process is forked
            work()
        else:
            self._in_background(f"tables/{stem}", step, work)
        return notes

    def _paper_targets(self, stem: str, name: str, paper: Any) -> list[tuple[Path, Any]]:
        """The files of the paper layout of table ``name`` (``.tex`` beside the table, csv and md in
        ``tables/paper/``), each with the layout in the tables' language."""
        paper = translate_paper(paper, self.language)
        self.papers[name] = paper
        requested = self.formats["tables"]
        targets = [self.folder / "tables" / f"{stem}.tex"] if "tex" in requested else []
        targets += [self._subfolder("tables/paper") / f"{stem}.{fmt}" for fmt in ("csv", "md") if fmt in requested]
        self.files += targets
        return [(path, paper) for path in targets]

    def _in_background(self, tag: str, step: str, work: Any) -> None:
        """Hand ``work`` to the background processes; :meth:`finish` collects what it gives."""
        self._job_steps[tag] = step
        self._work.submit(tag, work)

    @property
    def words(self) -> Any:
        """The words the table writers add (``"Table"``, ``"Notes:"``, the codebook's) in the language of
        the tables; None for English."""
        if self.language == "en":
            return None
        language = self.language
        return lambda text: translate(text, language)

    def _in_language(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A workbook sheet with its header row (and key names) in the tables' language, grade names
        translated; numbers and the names of variables, regions and periods unchanged."""
        if self.language == "en":
            return frame
        language = self.language
        out = frame.rename(columns=lambda c: translate_header(c, language))
        out = out.rename_axis(index=[translate_header(n, language) for n in frame.index.names])
        if "grade_label" in frame.columns:
            out[translate_header("grade_label", language)] = frame["grade_label"].map(
                lambda v: translate(v, language) if isinstance(v, str) else v
            )
        return out

    def write_figure(self, name: str, figure: Figure, *, step: str = "") -> Path:
        """Save ``figure`` once per figure format (drawn first when it is given as a function; both in
        the background, see :meth:`finish`); the PNG the report shows."""
        stem = self._file_name(figure.folder, name)
        folder = self._subfolder(figure.folder)
        targets = [(folder / f"{stem}.{fmt}", FIGURE_DPI) for fmt in self.formats["figures"] or ["png"]]
        self.files += [path for path, _ in targets]
        png = folder / f"{stem}.png"
        if all(path != png for path, _ in targets):  # the report embeds a PNG: a preview when PNG is not a format
            targets.append((png, 150))
        mark = self.language if self.synthetic else None
        self._in_background(f"{figure.folder}/{stem}", step, lambda: _draw_and_save(figure.figure, targets, mark))
        return png

    def finish(self) -> list[tuple[str, list[str], list[Any]]]:
        """Wait until every file handed to the background processes is written; ``(step, notes,
        warnings)`` per job, in the order handed over.

        Raises the first failure (its exception, with a note naming the file)."""
        done = self._work.wait()
        return [
            (self._job_steps.pop(tag, ""), [f"output: {n}" for n in notes or []], caught) for tag, notes, caught in done
        ]

    def cancel(self) -> None:
        """Stop the background processes (the run failed)."""
        self._work.cancel()

    def write_layer(self, name: str, layer: Layer, *, step: str = "") -> None:
        """Write ``layer`` as ``layers/<name>.gpkg`` (in the background); :meth:`finish` gives a note
        when its boundaries are stored once (:func:`spatialcoupling.layers.write_geopackage_layer`)."""
        path = self._subfolder("layers") / f"{self._file_name('layers', name)}.gpkg"
        self.files.append(path)
        if layer.style == "lisa":
            self.files.append(path.with_suffix(".qml"))
        self._in_background(f"layers/{path.stem}", step, lambda: _write_layer_files(layer, path))

    # -- the run's files ------------------------------------------------------------------------------
    def about(self, notes: Sequence[str], settings: Mapping[str, Any]) -> pd.DataFrame:
        """What the tables are: data source, synthetic or not, notes, tables left out of the workbook."""
        data = settings.get("data") or {}
        source = f"bundled data set {data['dataset']!r}" if "dataset" in data else f"file {data.get('path')}"
        rows = {"data": source, "generated by": "spatialcoupling study run", "notes": " | ".join(notes) or "none"}
        if self.too_large:
            rows["not in this workbook"] = (
                f"{', '.join(self.too_large)}: larger than an Excel sheet; see the csv files of the same names"
            )
        if self.synthetic:
            rows["WARNING"] = SYNTHETIC_NOTE
        return pd.DataFrame({"value": rows}).rename_axis("item")

    def write_workbook(self, notes: Sequence[str], settings: Mapping[str, Any]) -> None:
        """``tables/README.txt``, and in the background ``tables/tables.xlsx`` and ``tables/tables.docx``
        (when they are table formats; :meth:`finish` waits for them)."""
        about = self.about(notes, settings)
        tables = self._subfolder("tables")
        readme = tables / "README.txt"
        with _results.atomic_path(readme) as tmp:
            tmp.write_text("\n".join(f"{k}: {v}" for k, v in about["value"].items()) + "\n", encoding="utf-8")
        self.files.append(readme)
        from .. import tables as papers

        if "docx" in self.formats["tables"] and self.papers:
            docx, layouts, words = tables / "tables.docx", list(self.papers.values()), self.words
            self.files.append(docx)
            self._in_background(
                "tables/tables.docx", "output", lambda: _quiet(papers.write_docx, layouts, docx, words=words)
            )
        if "xlsx" not in self.formats["tables"] or not self.tables:
            return
        path = tables / "tables.xlsx"
        given = papers.settings_frame({"settings": dict(settings)})
        given["value"] = given["value"].astype(str)
        sheets: dict[str, Any] = {"about": self._about_in_language(about.astype({"value": str}), given)}
        sheets.update({f"paper_{k}": v for k, v in self.papers.items() if _results.xlsx_fits(v.flat())})
        tidy = {k: v for k, v in self.tables.items() if k not in self.too_large and k != "about"}
        if "about" in self.tables and "about" not in self.too_large:
            tidy["about_table"] = self.tables["about"]
        sheets.update({k: self._in_language(v) for k, v in tidy.items()})
        codebook, words, written = self._descriptions(tidy.values()), self.words, dict(self.table_files)
        self.files.append(path)
        self._in_background(
            "tables/tables.xlsx",
            "output",
            lambda: _quiet(papers.write_xlsx, sheets, path, codebook=codebook, words=words, written=written),
        )

    def _about_in_language(self, about: pd.DataFrame, given: pd.DataFrame) -> pd.DataFrame:
        """The about sheet: what the tables are (its items, header and notes in the tables' language),
        then the settings as the study file gives them."""
        if self.language == "en":
            return pd.concat([about, given])
        language = self.language
        values = about["value"].copy()
        if "notes" in values.index and values["notes"] != "none":
            values["notes"] = " | ".join(translate_note(n, language) for n in str(values["notes"]).split(" | "))
        values = values.map(lambda v: translate(v, language) if isinstance(v, str) else v)
        header, item = translate("value", language), translate("item", language)
        out = pd.DataFrame({header: values.to_numpy()}, index=[translate(str(i), language) for i in about.index])
        settings = pd.DataFrame({header: given["value"].to_numpy()}, index=given.index)
        return pd.concat([out, settings]).rename_axis(item)

    def _descriptions(self, frames: Any) -> bool | dict[str, str]:
        """The codebook's descriptions of the translated headers of the tidy sheets (True: the
        package's descriptions as they are, in English)."""
        if self.language == "en":
            return True
        from ..tables import describe_column

        out: dict[str, str] = {}
        for frame in frames:
            for column in [*frame.columns, *frame.index.names]:
                if isinstance(column, str):
                    shown = translate_header(column, self.language)
                    text = describe_column(column)
                    if shown != column and text:
                        out[shown] = text
        return out or True

    def write_lock(self, settings: Mapping[str, Any], record: Mapping[str, Any] | None = None) -> None:
        """``study.lock.toml``: when, the resolved settings, the package versions, and ``record`` (the
        inputs and what was done to the data, see :mod:`spatialcoupling.study.lock`)."""
        import tomli_w

        versions = {}
        for pkg in _VERSIONS:
            try:
                versions[pkg] = importlib.metadata.version(pkg)
            except importlib.metadata.PackageNotFoundError:
                versions[pkg] = "not installed"
        lock = {
            "generated": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "settings": settings,
            "versions": versions,
            **dict(record or {}),
        }
        path = self.folder / "study.lock.toml"
        path.write_text(tomli_w.dumps(_toml_safe(lock)), encoding="utf-8")
        self.files.append(path)

    def write_report(self, html_text: str) -> None:
        """``report.html``."""
        path = self.folder / "report.html"
        path.write_text(html_text, encoding="utf-8")
        self.files.append(path)


def resolved_settings(inputs: Inputs) -> dict[str, Any]:
    """The settings with the defaults the run used filled in (the output formats, the data
    columns, the weighting and coupling models' settings)."""
    settings = copy.deepcopy(dict(inputs.settings))
    output = settings.setdefault("output", {})
    for key in ("tables", "figures"):
        output.setdefault(key, setting({}, "output", key))
    data = settings.setdefault("data", {})
    for key in ("region", "period", "interpolate", "wide"):
        data.setdefault(key, setting({}, "data", key))
    w = inputs.models["weighting"]
    settings.setdefault("weighting", {}).update(
        {"method": w.method, "scope": w.scope, "shift": w.shift, "constant": w.constant, "score_on": w.score_on}
    )
    c = inputs.models["coupling"]
    coupling = settings.setdefault("coupling", {})
    coupling.update({"model": c.model, "lag_bands": list(c.lag_bands), "grades": [[u, label] for u, label in c.grades]})
    if c.contributions is None:
        subsystems = inputs.system.subsystems
        coupling["contributions"] = {s: 1.0 / len(subsystems) for s in subsystems}
    return settings


def settings_toml(settings: Mapping[str, Any]) -> str:
    """The resolved settings as the TOML the report shows."""
    import tomli_w

    return tomli_w.dumps(_toml_safe({"settings": settings}))


def _toml_safe(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _toml_safe(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_toml_safe(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return value


def _draw_and_save(figure: Any, targets: Sequence[tuple[Path, int]], mark: str | None) -> None:
    """Save ``figure`` (a matplotlib Figure, or a function that draws one) to each ``(path, dpi)``,
    with the synthetic-data mark in language ``mark`` (None: no mark)."""
    import matplotlib.pyplot as plt

    fig = figure() if callable(figure) else figure
    try:
        if mark is not None:
            _mark_synthetic(fig, mark)
        _save_targets(fig, targets)
    finally:
        if callable(figure):
            plt.close(fig)


def _save_targets(fig: Any, targets: Sequence[tuple[Path, int]]) -> None:
    """Save ``fig`` to each ``(path, dpi)``."""
    for path, dpi in targets:
        save_figure(fig, path, dpi=dpi)


def _quiet(write: Any, *args: Any, **kwargs: Any) -> None:
    """``write(*args, **kwargs)``, its return value (the path written) dropped."""
    write(*args, **kwargs)


def _write_table_files(
    name: str, frame: pd.DataFrame, paths: Sequence[Path], papers: Sequence[tuple[Path, Any]], words: Any
) -> None:
    """Table ``name`` as each of ``paths`` (csv, md) and its paper layout as each ``(path, layout)``."""
    from .. import tables

    for path in paths:
        _results.write_tables({name: frame}, path)
    for path, paper in papers:
        tables.write_table(paper, path, name=name, words=words)


def _write_layer_files(layer: Layer, path: Path) -> list[str]:
    """``layer`` as the GeoPackage ``path`` (and its QGIS style beside it); the writer's note, if any."""
    from ..layers import lisa_qml, write_geopackage_layer

    note = write_geopackage_layer(layer.frame, path, layer.layer, metadata=layer.metadata or None)
    if layer.style == "lisa":
        path.with_suffix(".qml").write_text(lisa_qml("cluster"), encoding="utf-8")
    return [note] if note else []


def _mark_synthetic(fig: Any, language: str) -> None:
    """A small "synthetic data" mark at the bottom right, below everything already drawn (the
    settings caption included), so it never overprints it; saved figures are cropped to their
    content, which includes the mark."""
    from ..plotting._base import font_kwargs

    text = "合成数据 (china_demo)" if language == "zh" else "synthetic data (china_demo)"
    renderer = fig.canvas.get_renderer()
    content = fig.get_tightbbox(renderer)  # inches
    x = min(content.x1 / fig.get_figwidth(), 0.995)
    y = content.y0 / fig.get_figheight() - 0.005
    fig.text(x, y, text, ha="right", va="top", fontsize=7, color="0.35", **font_kwargs([text]))

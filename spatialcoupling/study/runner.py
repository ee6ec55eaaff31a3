"""The study: its settings, checked at construction; ``check`` and ``run``.

``Study.run(out)`` checks the output folder, then the study (:meth:`Study.check`: the inputs are
read and the models built once, here), runs the steps in order (:mod:`~spatialcoupling.study.steps`)
and hands each step's output to the one writer (:mod:`~spatialcoupling.study.output`) as soon as
the step is done; the report (:mod:`~spatialcoupling.study.report`) is rendered last. Warnings
raised by a step (or while reading what it uses) become notes of the run, named by the step.

The output folder (see :mod:`spatialcoupling._outdir`): everything goes to a temporary folder
next to ``out`` that is renamed into place when the run succeeds; the finished folder carries a
``.spatialcoupling-output`` marker with the run's metadata. An existing ``out`` is replaced only
with ``force=True`` and only when it carries that marker (or is empty); ``out`` may not be the
current folder or one of its parents, nor hold any input of the study (the study file, data,
indicator, boundary or weights matrix file). A folder that appears at ``out`` during a run is
never removed: without ``force`` the run fails and keeps its result in a named folder next to it.
"""

from __future__ import annotations

import copy
import time
import tomllib
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._outdir import OutputFolder
from .._parallel import progress_bar
from .._progress import Callback, reporting
from . import inputs as read
from . import models
from .checks import Inputs, prepare, warning_notes
from .output import OutputWriter, resolved_settings
from .report import render_report
from .schema import StudyError, is_synthetic, setting, validate
from .steps import StepOutput, steps_of


def lock_record(found: Inputs, files: list[Path], base_dir: Path, notes: list[str]) -> dict[str, Any]:
    """The inputs and the data record of the lock file (see :mod:`spatialcoupling.study.lock`)."""
    from .lock import data_record, input_records

    return {"inputs": input_records(files, base_dir), "data": data_record(found.panel, notes, found.settings)}


__all__ = ["DEMOS", "Study", "StudyResult", "demo_study", "run_demo"]

DEMOS = {
    "china_demo": "china_demo_study.toml",
    "us_productivity": "us_productivity_study.toml",
}

_DATA_DIR = Path(__file__).parent.parent / "datasets" / "data"
_STEP_ERRORS = (ValueError, KeyError, TypeError)
#: the models built while validating the settings (they need no data)
_BUILDERS = {"weighting": models.weighting_model, "coupling": models.coupling_model}


@dataclass
class StudyResult:
    """What a study run produced: the analysis results and the files written."""

    out: Path
    results: dict[str, Any] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: wall seconds of ``"inputs"`` (reading the data, building the weights), of each step (computing,
    #: drawing its figures, handing its files to the background processes), of ``"files (waiting)"``
    #: (for the background processes after the last step), of ``"workbook and report"`` (tables.xlsx
    #: and tables.docx in the background while report.html is written) and of ``"lock"``; all but
    #: the last also in ``study.lock.toml`` (``[seconds]``)
    seconds: dict[str, float] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.results[name]


def _read_toml(path: Path) -> dict[str, Any]:
    """The settings of the study file ``path``; a :class:`StudyError` naming it when it cannot be used."""
    if path.is_dir():
        found = sorted(p.name for p in path.glob("*.toml"))
        hint = f"; it holds {', '.join(found)}" if found else ""
        raise StudyError([f"{path}: is a folder, not a study file; give the study's .toml file{hint}"])
    if not path.exists():
        raise FileNotFoundError(f"study file not found: {path}")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except PermissionError as exc:
        raise StudyError(
            [f"{path}: cannot be read ({exc.strerror or 'permission denied'}); check the file's permissions"]
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        from .._io import toml_hint

        hint = toml_hint(exc, path.read_bytes().decode("utf-8", errors="replace"))
        raise StudyError([f"{path.name}: not valid TOML: {exc}{hint}"]) from exc
    except UnicodeDecodeError as exc:
        raise StudyError([f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"]) from exc


class Study:
    """A study: settings for every step of the chain, validated at construction.

    Parameters
    ----------
    settings : mapping
        The parsed study file (the sections and keys are listed by
        :func:`spatialcoupling.study.schema.reference_markdown`).
    base_dir : path, optional
        Folder that relative paths in the settings are taken from.

    Raises
    ------
    StudyError
        Listing every problem with its key path.

    Examples
    --------
    >>> from spatialcoupling.study import demo_study
    >>> study = demo_study("china_demo")
    >>> sorted(study.settings)[:3]
    ['beta', 'coupling', 'dagum']
    """

    def __init__(self, settings: Mapping[str, Any], base_dir: str | Path | None = None):
        self.base_dir = Path(base_dir) if base_dir is not None else Path.cwd()
        self.settings = copy.deepcopy(dict(settings))
        #: the study file this study was read from (None for settings given in Python)
        self.source: Path | None = None
        problems, built = validate(self.settings, self.base_dir, _BUILDERS)
        if problems:
            raise StudyError(problems)
        # the models validation built, with the settings they were built from (reused while those stay)
        self._built = {name: (copy.deepcopy(self._section(name)), model) for name, model in built.items()}

    @classmethod
    def from_file(cls, path: str | Path) -> Study:
        """Read a TOML study file; relative paths are taken from its folder.

        Raises
        ------
        FileNotFoundError
            No file at ``path``.
        StudyError
            ``path`` is a folder, cannot be read, is not TOML (or not UTF-8), or its settings
            have problems.
        """
        path = Path(path)
        study = cls(_read_toml(path), base_dir=path.parent)
        study.source = path
        return study

    @classmethod
    def from_dict(cls, settings: Mapping[str, Any], base_dir: str | Path | None = None) -> Study:
        """A study from settings given in Python (relative paths from ``base_dir``)."""
        return cls(settings, base_dir=base_dir)

    # -- building blocks ----------------------------------------------------------------------
    def _section(self, name: str) -> dict[str, Any]:
        return dict(self.settings.get(name) or {})

    def inputs(self) -> list[Path]:
        """The files the study reads: the study file, data, indicator, boundary and weights matrix files."""
        return read.input_files(self.settings, self.base_dir, self.source)

    def load_panel(self) -> Any:
        """The panel of ``[data]``."""
        return read.panel(self._section("data"), self.base_dir)

    def indicator_system(self) -> Any:
        """The indicator system of ``[indicators]``."""
        return read.indicator_system(self._section("indicators"), self.base_dir)

    def weighting(self) -> Any:
        """The weighting object of ``[weighting]``."""
        return models.weighting_model(self._section("weighting"))

    def coupling_model(self) -> Any:
        """The coupling model of ``[coupling]``."""
        return models.coupling_model(self._section("coupling"))

    def boundaries(self) -> Any:
        """All boundaries of the regions file, indexed by the id column when one is set (for maps)."""
        return read.boundaries(self._section("regions"), self.base_dir)

    def load_regions(self, panel: Any, boundaries: Any = None) -> Any:
        """Boundaries matched to the panel: one row per panel region, indexed by its id.

        ``boundaries`` (from :meth:`boundaries`) saves reading the file again.
        """
        everything = self.boundaries() if boundaries is None else boundaries
        return read.match(self._section("regions"), everything, panel)

    def spatial_weights(self, regions: Any, panel: Any) -> Any:
        """Spatial weights in the panel's region order (``regions`` from :meth:`load_regions`)."""
        return read.spatial_weights(self._section("weights"), self.base_dir, regions, panel)

    @staticmethod
    def groups(regions: Any, grouping: str) -> Any:
        """The ``grouping`` column of matched regions: region id -> group."""
        return regions[grouping]

    # -- checking and running -------------------------------------------------------------------
    def check(self) -> list[str]:
        """Validate the settings and the inputs without computing.

        Reads the data and the boundaries, builds the spatial weights and constructs
        every model the run would fit (weighting, coupling, Moran, LISA, Dagum,
        sigma and beta convergence, the spatial panel), so that every setting a
        run would refuse is found here; checks what only the data can tell (periods
        of ``lisa.periods``, ``coupling.spans`` and ``beta.interval``, control
        columns: missing cells, and collinearity once the fixed effects are
        removed). No permutations, bootstraps or fits are run.

        Returns
        -------
        list of str
            Notes on the inputs (what would be filled, dropped or linked), including
            the text of any warning raised while checking.

        Raises
        ------
        StudyError
            Listing every problem with its key path.
        """
        found = self._prepare()
        return found.notes + warning_notes([w for _, w in found.caught], found.notes)

    def _prepare(self) -> Inputs:
        """The inputs and models of a run (:func:`~spatialcoupling.study.checks.prepare`); raises
        :class:`StudyError` with every problem."""
        built = {name: model for name, (cfg, model) in self._built.items() if cfg == self._section(name)}
        found = prepare(self.settings, self.base_dir, built)
        if found.problems:
            raise StudyError(found.problems)
        return found

    def run(self, out: str | Path, *, force: bool = False, progress: bool | None = None) -> StudyResult:
        """Run every step and write the output folder ``out``.

        ``out`` is checked first (see the module docstring), then the study
        (:meth:`check`); the steps write into a temporary folder next to ``out``
        that is renamed to ``out`` when they all succeed.

        Parameters
        ----------
        out : path
            The output folder.
        force : bool
            Replace an existing output folder written by spatialcoupling (one that
            carries the ``.spatialcoupling-output`` marker).
        progress : bool, optional
            Show a progress bar naming the current step (default: only in a terminal).

        Raises
        ------
        spatialcoupling._outdir.OutputFolderError
            ``out`` cannot be used: the current folder or a parent of it, holds an
            input of the study, is a file, is not writable, or (with ``force``) was
            not written by spatialcoupling.
        FileExistsError
            ``out`` exists and ``force`` is not set. Its subclass
            ``OutputFolderTaken`` (attribute ``kept``): a folder appeared at ``out``
            during the run; the result was kept in a named folder next to it.
        StudyError
            Problems found by :meth:`check`.
        """
        import spatialcoupling

        given = Path(out)
        meta = {
            "version": getattr(spatialcoupling, "__version__", None),
            "study": str(self.source.resolve()) if self.source is not None else "settings given in Python",
        }
        folder = OutputFolder(given, inputs=self.inputs(), force=force, meta=meta)
        started = time.perf_counter()
        found = self._prepare()
        prepared = {"inputs": round(time.perf_counter() - started, 3)}  # reading the data, building W
        try:
            tmp = folder.open()
            notes = []
            if folder.swept:
                notes.append(
                    f"removed {len(folder.swept)} temporary folder(s) of earlier runs that were stopped "
                    f"before they finished: {read.preview([p.name for p in folder.swept])}"
                )
            result = self._run_into(tmp, progress, notes, inputs=found, seconds=prepared)
            folder.commit()
        except BaseException:
            folder.discard()
            raise
        result.out = given
        result.files = [given / f.relative_to(tmp) for f in result.files]
        return result

    def _run_into(
        self,
        folder: Path,
        progress: bool | None,
        notes: list[str] | None = None,
        *,
        inputs: Inputs | None = None,
        seconds: dict[str, float] | None = None,
    ) -> StudyResult:
        """Run the steps into ``folder`` with the inputs and models the check built."""
        found = inputs if inputs is not None else self._prepare()
        output = self._section("output")
        writer = OutputWriter(
            folder,
            {"tables": setting(output, "output", "tables"), "figures": setting(output, "output", "figures")},
            synthetic=is_synthetic(self.settings),
            language=_report_language(self.settings),
            workers=setting(output, "output", "workers"),
        )
        try:
            return self._steps_into(writer, found, progress, list(notes or []), dict(seconds or {}))
        except BaseException:
            writer.cancel()
            raise

    def _steps_into(
        self,
        writer: OutputWriter,
        found: Inputs,
        progress: bool | None,
        run_notes: list[str],
        seconds: dict[str, float],
    ) -> StudyResult:
        """Run the steps, then write the workbook, the lock file and the report."""
        import matplotlib as mpl

        folder = writer.folder
        done: dict[str, Any] = {}
        reported: list[tuple[StepOutput, Mapping[str, Path]]] = []
        steps = steps_of(self.settings)
        bar = progress_bar(steps, desc="study", progress=progress)
        found.on_progress = lambda step, k, total, label: _show_step(bar, _part(step, k, total, label))
        for name, step in bar:
            _show_step(bar, name)
            started = time.perf_counter()
            # figures stay open until the writer saves them: no warning about many open figures
            with (
                warnings.catch_warnings(record=True) as caught,
                mpl.rc_context({"figure.max_open_warning": 0}),
                reporting(_inner_progress(bar, name)),
            ):
                warnings.simplefilter("always")
                try:
                    out = step(found, done)
                    written = writer.write_step(out)
                except _STEP_ERRORS as exc:
                    # name the step (the section of the study file) that failed
                    raise type(exc)(f"{name}: {exc.args[0] if exc.args else exc}") from exc
            done.update(out.results)
            run_notes += [n for n in out.notes if n not in run_notes]
            run_notes += written.notes
            # warnings of a step are kept as notes of the run (and shown in the report)
            run_notes += [f"{name}: {text}" for text in warning_notes([*found.warnings_of(name), *caught], run_notes)]
            reported.append((out, written.pngs))
            seconds[name] = round(time.perf_counter() - started, 3)
        # files are written by background processes while the steps run: wait for the last ones
        started = time.perf_counter()
        _show_step(bar, "writing files")
        _collect_background(writer, run_notes)
        seconds["files (waiting)"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        settings = resolved_settings(found)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            writer.write_workbook(run_notes, self.settings)  # in the background, while the report is written
            writer.write_report(
                render_report(
                    reported,
                    run_notes,
                    settings,
                    synthetic=is_synthetic(self.settings),
                    language=_report_language(self.settings),
                )
            )
            done_notes = list(run_notes)
            _collect_background(writer, done_notes)
            seconds["workbook and report"] = round(time.perf_counter() - started, 3)
            started = time.perf_counter()
            writer.write_lock(
                settings, {**lock_record(found, self.inputs(), self.base_dir, run_notes), "seconds": dict(seconds)}
            )
        run_notes = done_notes + [f"output: {text}" for text in warning_notes(caught, done_notes)]
        seconds["lock"] = round(time.perf_counter() - started, 3)
        return StudyResult(out=folder, results=done, files=writer.files, notes=run_notes, seconds=seconds)


def _collect_background(writer: OutputWriter, run_notes: list[str]) -> None:
    """Wait for the files handed to the writer's background processes; their notes, and their
    warnings (as notes of the step they belong to), are added to ``run_notes``."""
    for step, notes, caught in writer.finish():
        run_notes += [n for n in notes if n not in run_notes]
        run_notes += [f"{step}: {text}" for text in warning_notes(caught, run_notes)]


#: readable names of the work that the analysis modules report inside a step
_TASK_NAMES = {
    "LISA permutations": "lisa permutations",
    "Dagum bootstrap": "dagum bootstrap",
    "Dagum": "dagum",
    "grid": "robustness grid",
    "runs": "detector runs",
}


def _part(task: str, done: int | None, total: int | None, label: str) -> str:
    """``"lisa permutations 3/8 2011"``: the work, how much of it is finished, what it is on."""
    count = "" if done is None else f"{done}/{total}" if total is not None else str(done)  # total unknown: "17"
    return " ".join(p for p in (_TASK_NAMES.get(task, task), count, label) if p)


def _inner_progress(bar: Iterable[Any], step: str) -> Callback | None:
    """The listener that shows the progress reported inside step ``step`` on the bar (None without a bar)."""
    if not callable(getattr(bar, "set_description", None)):
        return None

    def show(task: str, done: int | None, total: int | None, label: str) -> None:
        _show_step(bar, f"{step} · {_part(task, done, total, label)}")

    return show


def _show_step(bar: Iterable[Any], name: str) -> None:
    """Name the current step (and the part of it being worked on) on the progress bar, when there is one."""
    describe = getattr(bar, "set_description", None)
    if callable(describe):
        describe(f"study: {name}", refresh=True)


def _report_language(settings: Mapping[str, Any]) -> str:
    """``report.language``, else the top-level ``language``, else English."""
    report = settings.get("report") or {}
    return str(report.get("language") or settings.get("language") or "en")


# -- demos --------------------------------------------------------------------------------------------
def demo_study(name: str = "china_demo") -> Study:
    """The bundled demo study ``name`` (see :data:`DEMOS`)."""
    if name not in DEMOS:
        raise ValueError(f"unknown demo {name!r}; demos: {', '.join(DEMOS)}")
    return Study.from_file(_DATA_DIR / DEMOS[name])


def run_demo(
    name: str = "china_demo", out: str | Path = "demo-output", *, force: bool = False, quiet: bool = False
) -> Path:
    """Run a bundled demo study into ``out``."""
    result = demo_study(name).run(out, force=force, progress=False if quiet else None)
    return result.out

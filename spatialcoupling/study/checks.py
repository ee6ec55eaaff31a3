"""The check of a study: read its inputs, build its models, and find every problem at once.

:func:`prepare` reads the data and the boundaries (once), builds the spatial weights and every
model of the run (weighting, coupling, Moran, LISA, Dagum, sigma and beta convergence), and
checks what only the data can tell (periods of ``lisa.periods``, ``coupling.spans`` and
``beta.interval``; the control columns: missing cells, and collinearity once the fixed effects
are removed). It fits nothing. What it read and built (:class:`Inputs`) is what a run uses, so
nothing is read or built twice; the warnings raised meanwhile are kept with the step they
belong to, for the run's notes.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._notes import notes_of
from . import inputs as read
from . import models
from .schema import SECTIONS, model_message, probe, setting, value_problems, well_typed

__all__ = ["Inputs", "control_problems", "prepare", "warning_notes"]

_READ_ERRORS = (ValueError, KeyError, FileNotFoundError, TypeError)


@dataclass
class Inputs:
    """What the check of a study read and built: the inputs and models of its run.

    Attributes
    ----------
    settings : mapping
        The study's settings.
    base_dir : Path
        The folder relative paths are taken from.
    panel, system : Panel, IndicatorSystem or None
        The data and the indicator system (None when they could not be read).
    boundaries, regions : GeoDataFrame or None
        Every boundary of ``[regions]`` (for maps), and those matched to the panel.
    w : libpysal W or None
        The spatial weights of ``[weights]``.
    models : dict
        The analysis objects by name: ``weighting``, ``coupling``, ``moran``, ``lisa``,
        ``dagum``, ``sigma``, ``beta_absolute``, ``beta_conditional`` (those of the study).
    notes : list of str
        Notes on the inputs (what was filled, dropped or linked).
    problems : list of str
        Every problem found, with its key path.
    caught : list of (step, warning)
        Warnings raised while reading and building, with the step they belong to.
    """

    settings: Mapping[str, Any]
    base_dir: Path
    panel: Any = None
    system: Any = None
    boundaries: Any = None
    regions: Any = None
    w: Any = None
    models: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    caught: list[tuple[str, warnings.WarningMessage]] = field(default_factory=list)
    #: called as ``on_progress(step, done, total, label)`` by :meth:`progress` counters (the runner's bar)
    on_progress: Callable[[str, int, int, str], None] | None = None

    def progress(self, step: str, total: int) -> Callable[..., None]:
        """A counter for the work of ``step`` in ``total`` parts: each call ``tick(label="")`` counts
        one part and tells :attr:`on_progress` (nothing when no one listens)."""
        count = [0]

        def tick(label: Any = "") -> None:
            count[0] += 1
            if self.on_progress is not None:
                self.on_progress(step, count[0], total, str(label))

        return tick

    def section(self, name: str) -> dict[str, Any]:
        """The settings of section ``name`` (empty when absent)."""
        return dict(self.settings.get(name) or {})

    def groups(self, grouping: str) -> pd.Series:
        """The ``grouping`` column of the matched regions: region id -> group."""
        return self.regions[grouping]

    def warnings_of(self, step: str) -> list[warnings.WarningMessage]:
        """The warnings raised while reading or building what step ``step`` uses."""
        return [w for s, w in self.caught if s == step]

    @contextlib.contextmanager
    def recording(self, step: str) -> Iterator[None]:
        """Keep the warnings raised in the block as warnings of ``step``."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        self.caught += [(step, w) for w in caught]


def prepare(settings: Mapping[str, Any], base_dir: Path, built: Mapping[str, Any] | None = None) -> Inputs:
    """Read the inputs of a study and build its models; every problem in ``.problems``.

    ``built``: models already built from the settings (by section), used instead of building
    them again.
    """
    found = Inputs(settings=settings, base_dir=base_dir)
    with found.recording("check"):  # warnings of no step in particular
        _read_panel(found)
        for section, step, build in (
            ("weighting", "scores", models.weighting_model),
            ("coupling", "coupling", models.coupling_model),
        ):
            if built and section in built:
                found.models[section] = built[section]
            else:
                _build(found, section, step, build)
        _read_indicator_system(found)
        if found.panel is not None:
            found.problems += _beta_data_problems(found)
            found.problems += _period_problems(found)
            if "regions" in settings:
                _read_regions(found)
        if "weights" in settings and found.regions is not None:
            _build_weights(found)
        _build_analysis_models(found)
    found.problems = list(dict.fromkeys(found.problems))
    return found


def _build_weights(found: Inputs) -> None:
    with found.recording("weights"):
        try:
            found.w = read.spatial_weights(found.section("weights"), found.base_dir, found.regions, found.panel)
            found.notes += notes_of(found.w)
        except _READ_ERRORS as exc:
            found.problems.append(_keyed("weights", exc))


def _keyed(section: str, exc: BaseException) -> str:
    return model_message(section, exc)


def _read_panel(found: Inputs) -> None:
    with found.recording("data"):
        try:
            found.panel = read.panel(found.section("data"), found.base_dir)
            found.notes += list(found.panel.notes)
        except _READ_ERRORS as exc:
            found.problems.append(_keyed("data", exc))


def _build(found: Inputs, section: str, step: str, build: Callable[[Mapping[str, Any]], Any]) -> None:
    with found.recording(step):
        problems, model = probe(section, found.section(section), build)
    found.problems += problems
    if model is not None:
        found.models[section] = model


def _read_indicator_system(found: Inputs) -> None:
    with found.recording("scores"):
        try:
            found.system = system = read.indicator_system(found.section("indicators"), found.base_dir)
            if found.panel is None:
                return
            data = found.panel.data
            system.check_columns(data)
            x = data[system.indicators]
            if x.isna().any().any():
                cells = x.isna().stack()
                found.problems.append(
                    f"data.interpolate: {int(cells.sum())} indicator cell(s) still missing after reading, e.g. "
                    f"{read.preview(cells[cells].index, 3)}; set data.interpolate = 'linear' or fill them"
                )
            coupling = found.section("coupling")
            names = list(coupling.get("contributions") or {}) + [p for pair in coupling.get("pairs", []) for p in pair]
            unknown = sorted({s for s in names if s not in system.subsystems})
            if unknown:
                found.problems.append(f"coupling: unknown subsystem(s) {unknown}; subsystems are {system.subsystems}")
        except (ValueError, KeyError, FileNotFoundError) as exc:
            found.problems.append(_keyed("indicators", exc))


def _period_problems(found: Inputs) -> list[str]:
    periods = list(found.panel.periods)
    known = set(periods)
    problems = []
    for section, key in (
        ("lisa", "periods"),
        ("density", "years"),
        ("hotspots", "periods"),
        ("bivariate", "periods"),
        ("coupling", "years"),
    ):
        given = found.section(section).get(key, [])
        bad = [p for p in given if p not in known] if isinstance(given, list) else []
        if bad:
            problems.append(f"{section}.{key}: {bad} not in the data's periods {periods}")
    spans = found.section("coupling").get("spans", [])
    bad = [s for s in spans if isinstance(s, list) and any(t not in known for t in s)]
    if bad:
        problems.append(f"coupling.spans: {bad} use periods not in the data")
    return problems


def _read_regions(found: Inputs) -> None:
    cfg = found.section("regions")
    with found.recording("regions"):
        try:
            found.boundaries = read.boundaries(cfg, found.base_dir)
            found.regions = read.match(cfg, found.boundaries, found.panel)
            found.notes += notes_of(found.regions)
            for g in setting(cfg, "regions", "groupings"):
                if g not in found.regions.columns:
                    found.problems.append(f"regions.groupings: column {g!r} not in the boundary file")
        except (*_READ_ERRORS, ImportError) as exc:
            found.problems.append(_keyed("regions", exc))


def _beta_data_problems(found: Inputs) -> list[str]:
    """Problems of ``[beta]`` that only the data shows: interval, control columns and their rank."""
    if "beta" not in found.settings:
        return []
    cfg, panel = found.section("beta"), found.panel
    problems = []
    n_periods = len(panel.periods)
    tau = setting(cfg, "beta", "interval")
    whole = isinstance(tau, int) and not isinstance(tau, bool)
    if whole and tau >= n_periods:
        problems.append(
            f"beta.interval: growth over {tau} periods needs more than {tau} periods; the data has {n_periods} "
            f"({panel.periods[0]}–{panel.periods[-1]}); use an interval of at most {n_periods - 1}"
        )
    controls = cfg.get("controls", [])
    if not isinstance(controls, list):
        return problems
    missing = [c for c in controls if c not in panel.columns]
    if missing:
        problems.append(f"beta.controls: column(s) {missing} not in the data")
    kinds = setting(cfg, "beta", "kinds")
    present = [c for c in controls if c in panel.columns]
    if present and whole and 1 <= tau < n_periods and isinstance(kinds, list) and "conditional" in kinds:
        effects = models.beta_effects(cfg) or "none"
        if setting(cfg, "beta", "model") == "ols" or effects in ("random", "pooled"):
            effects = "none"
        if effects in ("none", "individual", "time", "twoway"):  # others: refused by the model
            used = list(panel.periods)[: n_periods - tau]
            problems += control_problems(panel.data[present], used, effects)
    return problems


# -- the analysis models -------------------------------------------------------------------------------
def _stand_in_weights(ids: list) -> Any:
    """A ring of the ids: weights to construct models with when the study's weights could not be built."""
    import numpy as np
    import scipy.sparse as sp

    from .._weights import SpatialWeights

    n = len(ids)
    rows = np.repeat(np.arange(n), 2)
    cols = np.column_stack([(np.arange(n) - 1) % n, (np.arange(n) + 1) % n]).ravel()
    return SpatialWeights.of(ids, sp.csr_matrix((np.ones(2 * n), (rows, cols)), shape=(n, n)))


def _build_analysis_models(found: Inputs) -> None:
    """Check the keys of every analysis section and build its model (on stand-ins for inputs that
    could not be read, so that every setting is still checked)."""
    settings = found.settings
    ids = list(found.panel.regions) if found.panel is not None else ["a", "b", "c", "d"]
    w = found.w if found.w is not None else _stand_in_weights(ids)

    def groups_of(section: str) -> pd.Series | None:
        grouping = found.section(section).get("grouping")
        if grouping is None:
            return None
        if found.regions is not None and grouping in found.regions.columns:
            return found.groups(grouping)
        return pd.Series(["g1", "g2"] * (len(ids) // 2) + ["g1"] * (len(ids) % 2), index=ids)

    builds: dict[str, Callable[[Mapping[str, Any]], Any]] = {
        "moran": lambda cfg: models.moran_model(cfg, w),
        "lisa": lambda cfg: models.lisa_model(cfg, w),
        "dagum": lambda cfg: models.dagum_model(cfg, groups_of("dagum")),
        "sigma": lambda cfg: models.sigma_model(cfg, groups_of("sigma")),
        "beta": _beta_builder(found, w if "weights" in settings else None, groups_of),
        "density": models.density_model,
        "markov": lambda cfg: models.markov_models(cfg, w),
        "space_time": lambda cfg: models.space_time_models(cfg, w),
        "gravity": lambda cfg: models.gravity_model(cfg, found.regions),
        "obstacle": models.obstacle_model,
        "detector": lambda cfg: models.detector_model(cfg, _columns(found, "detector", cfg.get("factors"))),
        "hotspots": lambda cfg: models.hotspots_model(cfg, w),
        "bivariate": lambda cfg: models.bivariate_model(cfg, _column(found, "bivariate", cfg.get("column")), w),
        "robustness": lambda cfg: models.robustness_model(
            cfg,
            found.models.get("weighting"),
            found.models.get("coupling"),
            found.system,
            w,
            groups_of("dagum") if "dagum" in settings else None,
        ),
    }
    for section, build in builds.items():
        if section not in settings:
            continue
        cfg = well_typed(settings, section)
        with found.recording(section):
            bad = value_problems(SECTIONS[section], cfg, model_keys=True, own_keys=False)
            found.problems += [p for ps in bad.values() for p in ps]
            problems, built = probe(section, {k: v for k, v in cfg.items() if k not in bad}, build)
        found.problems += problems
        if isinstance(built, dict):
            found.models.update(built)
        elif built is not None:
            found.models[section] = built


def _columns(found: Inputs, section: str, names: Any) -> pd.DataFrame | None:
    """The columns ``names`` of the data for ``section`` (None when the data could not be read)."""
    if found.panel is None or not isinstance(names, list):
        return None
    missing = [c for c in names if c not in found.panel.columns]
    if missing:
        raise ValueError(f"column(s) {missing} not in the data; it has {list(found.panel.columns)}")
    return found.panel.data[names]


def _column(found: Inputs, section: str, name: Any) -> pd.Series | None:
    """The column ``name`` of the data for ``section``."""
    frame = _columns(found, section, [name] if isinstance(name, str) else None)
    return None if frame is None else frame[name]


def _beta_builder(
    found: Inputs, w: Any, groups_of: Callable[[str], pd.Series | None]
) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    cfg = found.section("beta")
    kinds = setting(cfg, "beta", "kinds")
    kinds = [k for k in kinds if k in ("absolute", "conditional")] if isinstance(kinds, list) else []
    controls = None
    if found.panel is not None and "conditional" in kinds:
        present = [c for c in cfg.get("controls", []) if c in found.panel.columns]
        data = found.panel.data
        controls = (
            data[present] if present else pd.DataFrame({"control": np.arange(len(data), dtype=float)}, index=data.index)
        )

    def build(settings: Mapping[str, Any]) -> dict[str, Any]:
        built = {f"beta_{kind}": models.beta_model(settings, kind, w, controls, groups_of("beta")) for kind in kinds}
        models.spatial_panel_model(settings)
        return built

    return build


# -- the rank of the controls ------------------------------------------------------------------------
def control_problems(controls: pd.DataFrame, periods: list, effects: str) -> list[str]:
    """Missing cells and collinear columns of the controls in ``periods``, after removing ``effects``.

    ``effects`` is "individual", "time", "twoway" or "none" (a constant). A column that
    does not vary once the effects are removed, or that is a linear combination of the
    columns before it, is named with its partners.
    """
    frame = controls[controls.index.get_level_values(1).isin(periods)]
    problems = []
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if text:
        problems.append(f"beta.controls: column(s) {text} are not numeric")
        frame = frame.drop(columns=text)
    if frame.shape[1] == 0:
        return problems
    missing = frame.isna()
    if missing.any().any():
        for column in frame.columns[missing.any().to_numpy()]:
            cells = frame.index[missing[column].to_numpy()]
            problems.append(
                f"beta.controls: column {column!r} has {len(cells)} missing cell(s) in the periods the growth "
                f"equation uses, e.g. {read.preview(list(cells), 3)}; fill them (data.interpolate) or drop the column"
            )
        frame = frame.dropna()
    if len(frame) == 0:
        return problems
    x = frame.astype(float)
    scale = np.sqrt(((x - x.mean()) ** 2).sum()).to_numpy()
    removed = {
        "none": "the constant is",
        "individual": "the region effects are",
        "time": "the period effects are",
        "twoway": "the region and period effects are",
    }[effects]
    why = {
        "none": "it is constant",
        "individual": "it is constant within each region",
        "time": "it is the same for every region in each period",
        "twoway": "it is a sum of a region part and a period part",
    }[effects]
    z = _demean(x, effects).to_numpy()
    names = list(x.columns)
    kept: list[int] = []
    for j, name in enumerate(names):  # one pass over the columns (not the regions)
        norm = float(np.linalg.norm(z[:, j]))
        if scale[j] == 0 or norm <= 1e-8 * scale[j]:
            problems.append(
                f"beta.controls: column {name!r} does not vary once {removed} removed ({why}); "
                "drop it or change beta.effects"
            )
            continue
        col = z[:, j] / norm
        if kept:
            basis = z[:, kept] / np.linalg.norm(z[:, kept], axis=0)
            coef, *_ = np.linalg.lstsq(basis, col, rcond=None)
            if np.linalg.norm(col - basis @ coef) <= 1e-8:
                partners = [names[kept[i]] for i in np.flatnonzero(np.abs(coef) > 1e-6)]
                problems.append(
                    f"beta.controls: column {name!r} is a linear combination of {partners} once {removed} "
                    "removed (collinear controls); drop one of them"
                )
                continue
        kept.append(j)
    return problems


def _demean(x: pd.DataFrame, effects: str) -> pd.DataFrame:
    """``x`` without the constant, or the region, period or both kinds of effects (alternating means)."""
    region, period = x.index.get_level_values(0), x.index.get_level_values(1)
    if effects == "none":
        return x - x.mean()
    if effects == "individual":
        return x - x.groupby(region).transform("mean")
    if effects == "time":
        return x - x.groupby(period).transform("mean")
    out = x - x.mean()
    scale = 1 + float(np.abs(x).to_numpy().max())
    for _ in range(200):  # one sweep is exact on a balanced panel
        out = out - out.groupby(region).transform("mean")
        out = out - out.groupby(period).transform("mean")
        if float(np.abs(out.groupby(region).transform("mean")).to_numpy().max()) <= 1e-12 * scale:
            break
    return out


# -- warnings as notes -------------------------------------------------------------------------------
_GLYPH = re.compile(r"Glyph (\d+) \(.*\) missing from (?:current )?font\(s\) (.+?)\.?$")


def warning_notes(caught: list[warnings.WarningMessage], known: list[str]) -> list[str]:
    """Texts of caught warnings (not deprecations) that are not already among the notes ``known``.

    Matplotlib warns once per character a font lacks: those become one note per font.
    """
    out: list[str] = []
    glyphs: dict[str, list[str]] = {}
    for warning in caught:
        text = str(warning.message)
        if issubclass(warning.category, DeprecationWarning) or text in out:
            continue
        glyph = _GLYPH.match(text)
        if glyph:
            glyphs.setdefault(glyph.group(2), []).append(chr(int(glyph.group(1))))
            continue
        if any(text in n or n in text for n in known if n):
            continue
        out.append(text)
    for font, found in glyphs.items():
        chars = list(dict.fromkeys(found))
        text = (
            f"{len(chars)} character(s) missing from font(s) {font} in the figures (drawn as boxes): "
            f"{read.preview(chars, 8)}"
        )
        if text not in known:
            out.append(text)
    return out

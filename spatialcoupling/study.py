"""Studies: the whole chain from indicators to convergence, run from one settings file.

A study file (TOML) has one section per step; a step runs when its section is
present::

    [data]          dataset = "china_demo" | path = "panel.csv"; region, period, sheet, wide,
                    interpolate = "linear" | false, extrapolate
    [indicators]    dataset = "china_demo" | file = "indicators.toml" | inline
                    [indicators.MS.factor_supply] tables
    [weighting]     method = "entropy" | "critic" | "cv" | "equal" | "combined"; scope, shift,
                    constant, methods (for combined), how
    [coupling]      contributions = {MS = 0.4, AM = 0.6}; model; pairs; spans; threshold
    [regions]       dataset = "china_provinces" | file = "x.shp"; id; layer; groupings; extra
    [weights]       kind = "queen" | "rook" | "knn" | ...; islands; standardize; other options;
                    matrix = "w.csv" (kind = "matrix"); geographic (kind = "nested")
    [moran]         permutations, seed
    [lisa]          permutations, alpha, seed, adjust, alternative = "two-sided" | "directed",
                    periods (maps), language = "en" | "zh" (map legends)
    [dagum]         grouping, bootstrap, seed, ci = "percentile" | "bc", alpha
    [sigma]         measure, grouping
    [beta]          kinds, model, effects, controls, interval, grouping, draws, seed, lee_yu, tests
    [output]        tables = ["csv", "xlsx", "tex", "md"]; figures = ["png", "svg", "pdf"]

Relative paths are taken from the study file's folder. ``Study.check()`` validates
every setting and the inputs without computing and reports every problem at once,
each with its key path (``coupling.contributions: must sum to 1, got 0.9``): it
reads the data and the boundaries, builds the spatial weights and constructs every
model of the run (weighting, coupling, Moran, LISA, Dagum, sigma and beta
convergence), and checks what only the data can tell (periods, the rank of the
controls after removing the fixed effects). Warnings raised meanwhile become notes.
``Study.run`` runs the same checks before computing.

``Study.run(out)`` writes ``tables/`` (csv and one ``tables.xlsx``), ``figures/``
(png, svg), ``maps/``, ``layers/`` (GeoPackage), LaTeX tables, ``report.html``
(self-contained) and ``study.lock.toml`` (resolved settings and package versions).
Every note of every step is kept (report, ``tables/README.txt``, the workbook's
``about`` sheet). File names made from labels (periods, groupings) are slugs: no
path separators, no ``..``, unique within their folder. Tables too large for an
Excel sheet are written as csv only, with a note.

The output folder (see :mod:`spatialcoupling._outdir`): everything goes to a
temporary folder next to ``out`` that is renamed into place when the run succeeds;
the finished folder carries a ``.spatialcoupling-output`` marker with the run's
metadata. An existing ``out`` is replaced only with ``force=True`` and only when it
carries that marker (or is empty); ``out`` may not be the current folder or one of
its parents, nor hold any input of the study (the study file, data, indicator,
boundary or weights matrix file). A folder that appears at ``out`` during a run is
never removed: without ``force`` the run fails and keeps its result in a named
folder next to it.
"""

from __future__ import annotations

import base64
import copy
import datetime as _dt
import html
import importlib.metadata
import re
import tomllib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._outdir import OutputFolder
from ._parallel import progress_bar
from ._series import _preview

DEMOS = {
    "china_demo": "china_demo_study.toml",
    "us_productivity": "us_productivity_study.toml",
}

_DATA_DIR = Path(__file__).parent / "datasets" / "data"


class StudyError(ValueError):
    """Every problem found in a study file, one per line with its key path."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("invalid study:\n  " + "\n  ".join(self.problems))


# -- the schema ---------------------------------------------------------------------
_NUM = (int, float)
_SCHEMA: dict[str, dict[str, tuple]] = {
    "data": {
        "dataset": (str,), "path": (str,), "region": (str,), "period": (str,), "sheet": (str, int),
        "wide": (bool,), "interpolate": (str, bool), "extrapolate": (str,), "columns": (list,),
    },
    "indicators": {"dataset": (str,), "file": (str,)},  # plus inline subsystems
    "weighting": {"method": (str,), "scope": (str,), "shift": _NUM, "constant": (str,), "methods": (list,), "how": (str,)},
    "coupling": {"contributions": (dict,), "model": (str,), "pairs": (list,), "spans": (list,), "threshold": _NUM, "grouping": (str,)},
    "regions": {"dataset": (str,), "file": (str,), "id": (str,), "layer": (str,), "groupings": (list,), "extra": (str,)},
    "weights": {"kind": (str,), "islands": (str,), "standardize": (str,), "k": (int,), "threshold": _NUM,
                "power": _NUM, "cutoff": _NUM, "binary": (bool,), "variable": (str,), "matrix": (str,),
                "geographic": (str,)},
    "moran": {"permutations": (int,), "seed": (int,)},
    "lisa": {"permutations": (int,), "alpha": _NUM, "seed": (int,), "adjust": (str,), "periods": (list,),
             "alternative": (str,), "language": (str,)},
    "dagum": {"grouping": (str,), "bootstrap": (int,), "seed": (int,), "ci": (str,), "alpha": _NUM},
    "sigma": {"measure": (str,), "grouping": (str,)},
    "beta": {"kinds": (list,), "model": (str,), "effects": (str,), "controls": (list,), "interval": (int,), "seed": (int,),
             "grouping": (str,), "draws": (int,), "lee_yu": (bool,), "tests": (bool,)},
    "output": {"tables": (list,), "figures": (list,)},
}
_CHOICES = {
    ("weighting", "method"): ("entropy", "critic", "cv", "equal", "given", "combined"),
    ("weighting", "scope"): ("pooled", "period"),
    ("weighting", "constant"): ("error", "drop"),
    ("weighting", "how"): ("multiplicative", "mean"),
    ("coupling", "model"): ("classic", "revised"),
    ("data", "extrapolate"): ("nearest", "linear"),
    ("weights", "islands"): ("nearest", "error", "keep"),
    ("weights", "standardize"): ("r", "b", "none"),
    ("lisa", "adjust"): ("none", "fdr", "bonferroni"),
    ("lisa", "alternative"): ("two-sided", "directed"),
    ("lisa", "language"): ("en", "zh"),
    ("sigma", "measure"): ("cv", "sd", "sd_log", "gini", "theil"),
    ("beta", "model"): ("ols", "fe", "sar", "sem", "sdm", "sdem", "sac", "slx"),
    ("regions", "extra"): ("error", "drop"),
}
# beta.effects, dagum.ci, seeds and the numeric ranges are checked by the model classes themselves
# (Study.check constructs them), so the study accepts exactly what they accept.
_NEEDS_WEIGHTS = ("moran", "lisa")
_DEFAULT_OUTPUT = {"tables": ["csv", "xlsx", "tex"], "figures": ["png", "svg"]}


def _validate(settings: Mapping[str, Any], base_dir: Path) -> list[str]:
    problems: list[str] = []
    for section in settings:
        if section not in _SCHEMA:
            problems.append(f"{section}: unknown section; sections are {', '.join(_SCHEMA)}")
    for section, keys in _SCHEMA.items():
        block = settings.get(section)
        if block is None:
            continue
        if not isinstance(block, Mapping):
            problems.append(f"{section}: must be a table of settings")
            continue
        for key, value in block.items():
            path = f"{section}.{key}"
            if key not in keys:
                if section == "indicators" and isinstance(value, Mapping):
                    continue  # an inline subsystem
                problems.append(f"{path}: unknown setting; {section} takes {', '.join(keys)}")
                continue
            types = keys[key]
            if isinstance(value, bool) and bool not in types:
                problems.append(f"{path}: must be {' or '.join(t.__name__ for t in types)}, got {value!r}")
            elif not isinstance(value, types):
                problems.append(f"{path}: must be {' or '.join(t.__name__ for t in types)}, got {value!r}")
            elif (section, key) in _CHOICES and isinstance(value, str) and value not in _CHOICES[(section, key)]:
                problems.append(f"{path}: must be one of {', '.join(_CHOICES[(section, key)])}, got {value!r}")
    data = settings.get("data")
    if data is None:
        problems.append("data: missing section; give data.dataset or data.path")
    elif isinstance(data, Mapping):
        if ("dataset" in data) == ("path" in data):
            problems.append("data: give exactly one of data.dataset or data.path")
        problems += _check_file(data.get("path"), base_dir, "data.path")
        problems += _check_dataset(data.get("dataset"), "data.dataset")
    ind = settings.get("indicators")
    if ind is None:
        problems.append("indicators: missing section; give indicators.file, indicators.dataset or inline subsystems")
    elif isinstance(ind, Mapping):
        problems += _check_file(ind.get("file"), base_dir, "indicators.file")
        if "dataset" in ind and ind["dataset"] != "china_demo":
            problems.append(f"indicators.dataset: only 'china_demo' ships an indicator system, got {ind['dataset']!r}")
    if isinstance(data, Mapping) and isinstance(data.get("interpolate"), str) and data["interpolate"] != "linear":
        problems.append(f"data.interpolate: must be 'linear' or false, got {data['interpolate']!r}")
    weighting = settings.get("weighting")
    if isinstance(weighting, Mapping):
        shift = weighting.get("shift")
        if isinstance(shift, _NUM) and not isinstance(shift, bool) and shift < 0:
            problems.append(f"weighting.shift: must be >= 0, got {shift!r}")
        methods = weighting.get("methods")
        if isinstance(methods, list):
            bad = [m for m in methods if m not in ("entropy", "critic", "cv", "equal", "given")]
            if bad:
                problems.append(f"weighting.methods: unknown method(s) {bad}; use entropy, critic, cv, equal, given")
            elif len(methods) < 2:
                problems.append("weighting.methods: combined weights need at least two methods")
    coupling = settings.get("coupling")
    if isinstance(coupling, Mapping) and isinstance(coupling.get("contributions"), Mapping):
        values = list(coupling["contributions"].values())
        if not all(isinstance(v, _NUM) and not isinstance(v, bool) for v in values):
            problems.append("coupling.contributions: values must be numbers")
        elif any(v < 0 for v in values):
            problems.append(f"coupling.contributions: must be >= 0, got {dict(coupling['contributions'])}")
        elif abs(sum(values) - 1) > 1e-9:
            problems.append(f"coupling.contributions: must sum to 1, got {sum(values):g}")
    if isinstance(coupling, Mapping):
        for i, span in enumerate(coupling.get("spans", []) if isinstance(coupling.get("spans"), list) else []):
            if not (isinstance(span, list) and len(span) == 2):
                problems.append(f"coupling.spans[{i}]: must be [start, end], got {span!r}")
            elif not span[1] > span[0]:
                problems.append(f"coupling.spans[{i}]: the end must come after the start, got {span!r}")
        for i, pair in enumerate(coupling.get("pairs", []) if isinstance(coupling.get("pairs"), list) else []):
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair) and pair[0] != pair[1]):
                problems.append(f"coupling.pairs[{i}]: must be two different subsystem names, got {pair!r}")
    regions = settings.get("regions")
    if isinstance(regions, Mapping):
        if ("dataset" in regions) == ("file" in regions):
            problems.append("regions: give exactly one of regions.dataset or regions.file")
        problems += _check_file(regions.get("file"), base_dir, "regions.file")
        problems += _check_dataset(regions.get("dataset"), "regions.dataset")
    for section in (*_NEEDS_WEIGHTS, "weights"):
        if section in settings and "regions" not in settings:
            problems.append(f"{section}: needs a [regions] section (boundaries for the spatial weights)")
    if "regions" in settings and any(s in settings for s in _NEEDS_WEIGHTS) and "weights" not in settings:
        problems.append("weights: missing section; moran/lisa need spatial weights (e.g. weights.kind = 'queen')")
    beta = settings.get("beta")
    if isinstance(beta, Mapping):
        kinds = beta.get("kinds", ["absolute"])
        bad = [k for k in kinds if k not in ("absolute", "conditional")] if isinstance(kinds, list) else []
        if bad:
            problems.append(f"beta.kinds: each must be 'absolute' or 'conditional', got {bad}")
        if isinstance(kinds, list) and "conditional" in kinds and not beta.get("controls"):
            problems.append("beta.controls: conditional convergence needs control columns")
        if beta.get("model", "ols") not in ("ols", "fe") and "weights" not in settings:
            problems.append(f"beta.model: {beta.get('model')!r} is a spatial model and needs a [weights] section")
    dagum = settings.get("dagum")
    if isinstance(dagum, Mapping) and "grouping" not in dagum:
        problems.append("dagum.grouping: missing; the decomposition needs region groups, one of regions.groupings")
    for section in ("dagum", "sigma", "beta"):
        block = settings.get(section)
        if isinstance(block, Mapping) and "grouping" in block:
            reg = settings.get("regions") or {}
            groupings = reg.get("groupings", []) if isinstance(reg, Mapping) else []
            if block["grouping"] not in groupings:
                problems.append(f"{section}.grouping: {block['grouping']!r} is not among regions.groupings {groupings}")
    weights = settings.get("weights")
    if isinstance(weights, Mapping):
        from .spatial import KINDS

        kind = weights.get("kind", "queen")
        if isinstance(kind, str) and kind not in KINDS:
            problems.append(f"weights.kind: must be one of {', '.join(KINDS)}, got {kind!r}")
        problems += _check_file(weights.get("matrix"), base_dir, "weights.matrix")
    output = settings.get("output")
    if isinstance(output, Mapping):
        for key, allowed in (("tables", ("csv", "xlsx", "tex", "md")), ("figures", ("png", "svg", "pdf"))):
            bad = [v for v in output.get(key, []) if v not in allowed]
            if bad:
                problems.append(f"output.{key}: unknown format(s) {bad}; use {', '.join(allowed)}")
    return problems


def _check_file(value: Any, base_dir: Path, key: str) -> list[str]:
    if isinstance(value, str) and not (base_dir / value).exists():
        return [f"{key}: file not found: {base_dir / value}"]
    return []


def _check_dataset(value: Any, key: str) -> list[str]:
    if value is None:
        return []
    from . import datasets

    if value not in datasets._REGISTRY:
        return [f"{key}: unknown data set {value!r}; available: {', '.join(datasets._REGISTRY)}"]
    return []


# -- results ---------------------------------------------------------------------------------
@dataclass
class StudyResult:
    """What a study run produced: the analysis results and the files written."""

    out: Path
    results: dict[str, Any] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> Any:
        return self.results[name]


@dataclass
class _Section:
    title: str
    caption: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: list[Path] = field(default_factory=list)


class Study:
    """A study: settings for every step of the chain, validated at construction.

    Parameters
    ----------
    settings : mapping
        The parsed study file (see the module docstring for its sections).
    base_dir : path, optional
        Folder that relative paths in the settings are taken from.

    Raises
    ------
    StudyError
        Listing every problem with its key path.
    """

    def __init__(self, settings: Mapping[str, Any], base_dir: str | Path | None = None):
        self.base_dir = Path(base_dir) if base_dir is not None else Path.cwd()
        self.settings = copy.deepcopy(dict(settings))
        #: the study file this study was read from (None for settings given in Python)
        self.source: Path | None = None
        problems = _validate(self.settings, self.base_dir)
        if problems:
            raise StudyError(problems)

    @classmethod
    def from_file(cls, path: str | Path) -> Study:
        """Read a TOML study file; relative paths are taken from its folder."""
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"study file not found: {path}")
        try:
            with path.open("rb") as fh:
                settings = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise StudyError([f"{path.name}: not valid TOML: {exc}"]) from exc
        study = cls(settings, base_dir=path.parent)
        study.source = path
        return study

    @classmethod
    def from_dict(cls, settings: Mapping[str, Any], base_dir: str | Path | None = None) -> Study:
        return cls(settings, base_dir=base_dir)

    # -- building blocks -----------------------------------------------------------------
    def _section(self, name: str) -> dict[str, Any]:
        return dict(self.settings.get(name) or {})

    def inputs(self) -> list[Path]:
        """The files the study reads: the study file, data, indicator, boundary and weights matrix files."""
        files = [self.source] if self.source is not None else []
        for section, key in (("data", "path"), ("indicators", "file"), ("regions", "file"), ("weights", "matrix")):
            value = self._section(section).get(key)
            if isinstance(value, str):
                files.append(self.base_dir / value)
        if "regions" in self.settings and isinstance(self._section("regions").get("file"), str):
            shape = self.base_dir / self._section("regions")["file"]
            if shape.suffix.lower() == ".shp":  # the shapefile's companion files
                files += [f for f in shape.parent.glob(shape.stem + ".*") if f != shape]
        return files

    def load_panel(self):
        from . import datasets
        from .panel import read_panel

        data = self._section("data")
        region, period = data.get("region", "region"), data.get("period", "period")
        src = datasets.load(data["dataset"]) if "dataset" in data else self.base_dir / data["path"]
        if isinstance(src, pd.DataFrame) and isinstance(src.index, pd.MultiIndex):
            src = src.reset_index()
        panel = read_panel(src, region=region, period=period, sheet=data.get("sheet"), wide=data.get("wide", False), columns=data.get("columns"))
        interp = data.get("interpolate", "linear")
        if interp:
            panel = panel.interpolate("linear" if interp is True else interp, extrapolate=data.get("extrapolate"))
        return panel

    def indicator_system(self):
        from .indicators import IndicatorSystem

        ind = self._section("indicators")
        if "file" in ind:
            return IndicatorSystem.from_file(self.base_dir / ind["file"])
        if "dataset" in ind:
            from .datasets.simulate import china_demo_system

            return china_demo_system()
        return IndicatorSystem.from_dict(ind)

    def weighting(self):
        from . import weighting as wmod

        cfg = self._section("weighting")
        method = cfg.pop("method", "entropy")
        classes = {"entropy": wmod.EntropyWeights, "critic": wmod.CriticWeights, "cv": wmod.CVWeights,
                   "equal": wmod.EqualWeights, "given": wmod.GivenWeights}
        common = {k: cfg[k] for k in ("scope", "shift", "constant") if k in cfg}
        if method == "combined":
            parts = [classes[m](**common) for m in cfg.get("methods", ["entropy", "critic"])]
            return wmod.CombinedWeights(parts, how=cfg.get("how", "multiplicative"), **common)
        return classes[method](**common)

    def coupling_model(self):
        from .coupling import CouplingCoordination

        cfg = self._section("coupling")
        pairs = [tuple(p) for p in cfg["pairs"]] if "pairs" in cfg else None
        return CouplingCoordination(contributions=cfg.get("contributions"), model=cfg.get("model", "classic"), pairs=pairs)

    def load_regions(self, panel):
        """Boundaries matched to the panel: one row per panel region, indexed by its id."""
        from .regions import match_regions

        cfg = self._section("regions")
        return match_regions(self.boundaries(), panel, on=cfg.get("id"), extra=cfg.get("extra", "error"))

    def boundaries(self):
        """All boundaries of the regions file, indexed by the id column when one is set (for maps)."""
        from . import datasets
        from .regions import read_regions

        cfg = self._section("regions")
        if "dataset" in cfg:
            regions = datasets.load(cfg["dataset"])
        else:
            regions = read_regions(self.base_dir / cfg["file"], layer=cfg.get("layer"))
        id_col = cfg.get("id")
        if id_col == "region" and id_col in regions.columns:
            regions = regions.set_index("region")  # the id column becomes the index (no copy left behind)
        elif id_col and id_col in regions.columns:
            regions = regions.set_index(regions[id_col].rename("region"))
        return regions

    def spatial_weights(self, regions, panel):
        """Spatial weights in the panel's region order (``regions`` from :meth:`load_regions`)."""
        from .spatial import spatial_weights

        cfg = self._section("weights")
        kind = cfg.pop("kind", "queen")
        standardize = cfg.pop("standardize", "r")
        if "variable" in cfg:
            if cfg["variable"] not in panel.columns:
                raise ValueError(f"weights.variable: column {cfg['variable']!r} is not in the data; columns: {_preview(panel.columns, 8)}")
            cfg["variable"] = panel[cfg["variable"]]
        if "matrix" in cfg:
            cfg["matrix"] = self.base_dir / cfg["matrix"]
        return spatial_weights(regions, kind=kind, ids=list(panel.regions), standardize=None if standardize == "none" else standardize, **cfg)

    # the models of the analysis steps, built from the settings (Study.check builds them too);
    # ``cfg`` replaces the section's settings (check probes one setting at a time)
    def _moran_model(self, w: Any, cfg: Mapping[str, Any] | None = None):
        from .autocorrelation import GlobalMoran

        cfg = self._section("moran") if cfg is None else cfg
        return GlobalMoran(w, permutations=cfg.get("permutations", 999), seed=cfg.get("seed", 1))

    def _lisa_model(self, w: Any, cfg: Mapping[str, Any] | None = None):
        from .autocorrelation import LocalMoran

        cfg = self._section("lisa") if cfg is None else cfg
        adjust = cfg.get("adjust", "none")
        options = {"alternative": cfg["alternative"]} if "alternative" in cfg else {}
        return LocalMoran(w, permutations=cfg.get("permutations", 999), alpha=cfg.get("alpha", 0.05),
                          seed=cfg.get("seed", 1), adjust=None if adjust == "none" else adjust, **options)

    def _dagum_model(self, groups: pd.Series, cfg: Mapping[str, Any] | None = None):
        from .inequality import DagumGini

        cfg = self._section("dagum") if cfg is None else cfg
        options = {k: cfg[k] for k in ("ci", "alpha") if k in cfg}
        return DagumGini(groups=groups, bootstrap=cfg.get("bootstrap", 0), seed=cfg.get("seed", 1), **options)

    def _sigma_model(self, groups: pd.Series | None, cfg: Mapping[str, Any] | None = None):
        from .convergence import SigmaConvergence

        cfg = self._section("sigma") if cfg is None else cfg
        return SigmaConvergence(measure=cfg.get("measure", "cv"), groups=groups)

    def _beta_effects(self, cfg: Mapping[str, Any] | None = None) -> str | None:
        """``beta.effects``, or the default of the model: two-way for FE and spatial models, none for OLS."""
        cfg = self._section("beta") if cfg is None else cfg
        if "effects" in cfg:
            return cfg["effects"]
        return None if cfg.get("model", "ols") == "ols" else "twoway"

    def _beta_model(self, kind: str, w: Any, controls: pd.DataFrame | None, groups: pd.Series | None,
                    cfg: Mapping[str, Any] | None = None):
        from .convergence import BetaConvergence

        cfg = self._section("beta") if cfg is None else cfg
        effects = self._beta_effects(cfg)
        options = {"effects": effects} if effects is not None else {}
        return BetaConvergence(
            kind=kind, model=cfg.get("model", "ols"), w=w, controls=controls if kind == "conditional" else None,
            interval=cfg.get("interval", 1), groups=groups, lee_yu=cfg.get("lee_yu", True),
            draws=cfg.get("draws", 1000), seed=cfg.get("seed", 0), tests=cfg.get("tests", True), **options,
        )

    def _spatial_panel(self, cfg: Mapping[str, Any] | None = None):
        """The :class:`~spatialcoupling.SpatialPanel` a spatial ``[beta]`` model fits (None for OLS/FE).

        Also refuses a negative ``beta.seed`` (the seed of the impact simulations) for every model.
        """
        from .spatial_panel import SpatialPanel

        cfg = self._section("beta") if cfg is None else cfg
        model = cfg.get("model", "ols")
        seed = cfg.get("seed", 0)
        if isinstance(seed, int) and not isinstance(seed, bool) and seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        if model in ("ols", "fe"):
            return None
        return SpatialPanel(model, self._beta_effects(cfg) or "individual", lee_yu=cfg.get("lee_yu", True),
                            draws=cfg.get("draws", 1000), seed=seed)

    @staticmethod
    def groups(regions, grouping: str) -> pd.Series:
        """The ``grouping`` column of matched regions: region id -> group."""
        return regions[grouping]

    # -- checking and running ----------------------------------------------------------------
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
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            problems, notes = self._inspect()
        notes += _warning_notes(caught, notes)
        if problems:
            raise StudyError(list(dict.fromkeys(problems)))
        return notes

    def _inspect(self) -> tuple[list[str], list[str]]:
        problems: list[str] = []
        notes: list[str] = []
        panel = None
        try:
            panel = self.load_panel()
            notes += panel.notes
        except (ValueError, KeyError, FileNotFoundError, TypeError) as exc:
            problems.append(_keyed("data", exc))
        for key, build in (("weighting", self.weighting), ("coupling", self.coupling_model)):
            try:
                build()
            except (ValueError, TypeError) as exc:
                problems.append(_keyed(key, exc))
        try:
            system = self.indicator_system()
            if panel is not None:
                system.check_columns(panel.data)
                x = panel.data[system.indicators]
                if x.isna().any().any():
                    cells = x.isna().stack()
                    problems.append(
                        f"data.interpolate: {int(cells.sum())} indicator cell(s) still missing after reading, e.g. "
                        f"{_preview(cells[cells].index, 3)}; set data.interpolate = 'linear' or fill them"
                    )
                coupling = self._section("coupling")
                names = list(coupling.get("contributions") or {}) + [p for pair in coupling.get("pairs", []) for p in pair]
                unknown = sorted({s for s in names if s not in system.subsystems})
                if unknown:
                    problems.append(f"coupling: unknown subsystem(s) {unknown}; subsystems are {system.subsystems}")
        except (ValueError, KeyError, FileNotFoundError) as exc:
            problems.append(_keyed("indicators", exc))
        regions = None
        if panel is not None:
            problems += self._check_beta_data(panel)
            lisa = self._section("lisa")
            bad = [p for p in lisa.get("periods", []) if p not in set(panel.periods)]
            if bad:
                problems.append(f"lisa.periods: {bad} not in the data's periods {list(panel.periods)}")
            spans = self._section("coupling").get("spans", [])
            bad = [s for s in spans if isinstance(s, list) and any(t not in set(panel.periods) for t in s)]
            if bad:
                problems.append(f"coupling.spans: {bad} use periods not in the data")
            if "regions" in self.settings:
                try:
                    regions = self.load_regions(panel)
                    notes += list(regions.attrs.get("spatialcoupling_notes", []))
                    for g in self._section("regions").get("groupings", []):
                        if g not in regions.columns:
                            problems.append(f"regions.groupings: column {g!r} not in the boundary file")
                except (ValueError, KeyError, FileNotFoundError, ImportError, TypeError) as exc:
                    problems.append(_keyed("regions", exc))
        w = None
        if "weights" in self.settings and regions is not None:
            try:
                w = self.spatial_weights(regions, panel)
                notes += list(getattr(w, "spatialcoupling_notes", []))
            except (ValueError, KeyError, FileNotFoundError, TypeError) as exc:
                problems.append(_keyed("weights", exc))
        problems += self._check_models(panel, regions, w)
        return problems, notes

    def _check_beta_data(self, panel) -> list[str]:
        """Problems of ``[beta]`` that only the data shows: interval, control columns and their rank."""
        cfg = self._section("beta")
        if "beta" not in self.settings:
            return []
        problems = []
        n_periods = len(panel.periods)
        tau = cfg.get("interval", 1)
        tau_ok = isinstance(tau, int) and not isinstance(tau, bool) and 1 <= tau < n_periods
        if isinstance(tau, int) and not isinstance(tau, bool) and tau >= n_periods:
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
        kinds = cfg.get("kinds", ["absolute"])
        present = [c for c in controls if c in panel.columns]
        if present and tau_ok and isinstance(kinds, list) and "conditional" in kinds:
            model = cfg.get("model", "ols")
            effects = self._beta_effects() or "none"
            if model == "ols" or effects in ("random", "pooled"):
                effects = "none"
            if effects in ("none", "individual", "time", "twoway"):  # others: refused by the model (below)
                used = list(panel.periods)[: n_periods - tau]
                problems += _control_problems(panel.data[present], used, effects)
        return problems

    def _check_models(self, panel, regions, w) -> list[str]:
        """Construct every model of the run; each error with the key path of its section."""
        ids = list(panel.regions) if panel is not None else ["a", "b", "c", "d"]
        w_use = w if w is not None else _stand_in_weights(ids)

        def groups_of(section: str) -> pd.Series | None:
            grouping = self._section(section).get("grouping")
            if grouping is None:
                return None
            if regions is not None and grouping in regions.columns:
                return self.groups(regions, grouping)
            return pd.Series(["g1", "g2"] * (len(ids) // 2) + ["g1"] * (len(ids) % 2), index=ids)

        # each builder takes the section's settings; see _probe
        builds: list[tuple[str, Callable[[Mapping[str, Any]], Any]]] = []
        if "moran" in self.settings:
            builds.append(("moran", lambda cfg: self._moran_model(w_use, cfg)))
        if "lisa" in self.settings:
            builds.append(("lisa", lambda cfg: self._lisa_model(w_use, cfg)))
        if "dagum" in self.settings:
            builds.append(("dagum", lambda cfg: self._dagum_model(groups_of("dagum"), cfg)))
        if "sigma" in self.settings:
            builds.append(("sigma", lambda cfg: self._sigma_model(groups_of("sigma"), cfg)))
        if "beta" in self.settings:
            cfg = self._section("beta")
            kinds = cfg.get("kinds", ["absolute"])
            kinds = [k for k in kinds if k in ("absolute", "conditional")] if isinstance(kinds, list) else []
            controls = None
            if panel is not None and "conditional" in kinds:
                present = [c for c in cfg.get("controls", []) if c in panel.columns]
                controls = panel.data[present] if present else pd.DataFrame(
                    {"control": np.arange(len(panel.data), dtype=float)}, index=panel.data.index)
            beta_w = w_use if "weights" in self.settings else None

            def beta(cfg: Mapping[str, Any]) -> None:
                for kind in kinds:
                    self._beta_model(kind, beta_w, controls, groups_of("beta"), cfg)
                self._spatial_panel(cfg)

            builds.append(("beta", beta))
        problems = []
        for section, build in builds:
            problems += _probe(section, self._section(section), build)
        return problems

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
            Show a progress bar (default: only in a terminal).

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
        meta = {"version": getattr(spatialcoupling, "__version__", None),
                "study": str(self.source.resolve()) if self.source is not None else "settings given in Python"}
        folder = OutputFolder(given, inputs=self.inputs(), force=force, meta=meta)
        self.check()
        try:
            tmp = folder.open()
            notes = []
            if folder.swept:
                notes.append(f"removed {len(folder.swept)} temporary folder(s) of earlier runs that were stopped before "
                             f"they finished: {_preview([p.name for p in folder.swept])}")
            result = self._run_into(tmp, progress, notes)
            final = folder.commit()
        except BaseException:
            folder.discard()
            raise
        del final  # the absolute form of `given`
        result.out = given
        result.files = [given / f.relative_to(tmp) for f in result.files]
        return result

    def _steps(self) -> list[tuple[str, Callable[[_RunState], None]]]:
        steps: list[tuple[str, Callable[[_RunState], None]]] = [("data", _step_data), ("scores", _step_scores), ("coupling", _step_coupling)]
        if "regions" in self.settings:
            steps.append(("regions", _step_regions))
        if "weights" in self.settings:
            steps.append(("weights", _step_weights))
        for name, func in (("moran", _step_moran), ("lisa", _step_lisa), ("dagum", _step_dagum), ("sigma", _step_sigma), ("beta", _step_beta)):
            if name in self.settings:
                steps.append((name, func))
        return steps

    def _run_into(self, folder: Path, progress: bool | None, notes: list[str] | None = None) -> StudyResult:
        state = _RunState(study=self, folder=folder, formats={**_DEFAULT_OUTPUT, **self._section("output")})
        state.notes += list(notes or [])
        for name, step in progress_bar(self._steps(), desc="study", progress=progress):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    step(state)
                except (ValueError, KeyError, TypeError) as exc:
                    # name the step (the section of the study file) that failed
                    raise type(exc)(f"{name}: {exc.args[0] if exc.args else exc}") from exc
            # warnings of a step are kept as notes of the run (and shown in the report)
            state.notes += [f"{name}: {text}" for text in _warning_notes(caught, state.notes)]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            state.write_workbook()
            state.write_lock()
            state.write_report()
        state.notes += [f"output: {text}" for text in _warning_notes(caught, state.notes)]
        return StudyResult(out=folder, results=state.results, files=state.files, notes=state.notes)


def _warning_notes(caught: list[warnings.WarningMessage], known: list[str]) -> list[str]:
    """Texts of caught warnings (not deprecations) that are not already among the notes ``known``."""
    out: list[str] = []
    glyphs: dict[str, list[str]] = {}
    for warning in caught:
        text = str(warning.message)
        if issubclass(warning.category, DeprecationWarning) or text in out:
            continue
        glyph = _GLYPH.match(text)
        if glyph:  # matplotlib warns once per missing character: one note per font
            glyphs.setdefault(glyph.group(2), []).append(chr(int(glyph.group(1))))
            continue
        if any(text in n or n in text for n in known if n):
            continue
        out.append(text)
    for font, chars in glyphs.items():
        chars = list(dict.fromkeys(chars))
        text = f"{len(chars)} character(s) missing from font(s) {font} in the figures (drawn as boxes): {_preview(chars, 8)}"
        if text not in known:
            out.append(text)
    return out


_GLYPH = re.compile(r"Glyph (\d+) \(.*\) missing from (?:current )?font\(s\) (.+?)\.?$")


_MODEL_ERRORS = (ValueError, TypeError, KeyError)


#: settings that others depend on (e.g. which effects a model takes): probed with each other setting
_ANCHORS = {"beta": ("model",)}


def _probe(section: str, cfg: Mapping[str, Any], build: Callable[[Mapping[str, Any]], Any]) -> list[str]:
    """Problems of constructing a model from the settings ``cfg`` of ``section``.

    A model stops at its first bad setting, so when the whole section fails each
    setting is tried alone as well (the others left at their defaults, except the
    section's anchors such as ``beta.model``, which stay when they are valid): every
    bad setting is reported with its own key path, and settings that are only wrong
    together with the section's name.
    """
    try:
        build(cfg)
        return []
    except _MODEL_ERRORS as exc:
        whole = _keyed(section, exc)
    problems, bad = [], set()
    anchors: dict[str, Any] = {}
    for key in _ANCHORS.get(section, ()):
        if key in cfg:
            try:
                build({key: cfg[key]})
                anchors[key] = cfg[key]
            except _MODEL_ERRORS as exc:
                problems.append(_keyed(f"{section}.{key}", exc))
                bad.add(key)
    for key, value in cfg.items():
        if key in anchors or key in bad:
            continue
        try:
            build({**anchors, key: value})
        except _MODEL_ERRORS as exc:
            problems.append(_keyed(f"{section}.{key}", exc))
            bad.add(key)
    if not bad:
        return [whole]
    try:  # the other settings together
        build({k: v for k, v in cfg.items() if k not in bad})
    except _MODEL_ERRORS as exc:
        problems.append(_keyed(section, exc))
    return problems


def _keyed(section: str, exc: BaseException) -> str:
    """The message of ``exc`` with the key path of ``section`` in front (once)."""
    message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    if message.startswith((f"{section}.", f"{section}:")):
        return message
    return f"{section}: {message}"


def _stand_in_weights(ids: list) -> Any:
    """A ring of the ids: weights to construct models with when the study's weights could not be built."""
    from libpysal.weights import W

    n = len(ids)
    return W({ids[i]: [ids[(i - 1) % n], ids[(i + 1) % n]] for i in range(n)}, silence_warnings=True)


def _control_problems(controls: pd.DataFrame, periods: list, effects: str) -> list[str]:
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
                f"equation uses, e.g. {_preview(list(cells), 3)}; fill them (data.interpolate) or drop the column"
            )
        frame = frame.dropna()
    if len(frame) == 0:
        return problems
    x = frame.astype(float)
    scale = np.sqrt(((x - x.mean()) ** 2).sum()).to_numpy()
    removed = {"none": "the constant is", "individual": "the region effects are", "time": "the period effects are",
               "twoway": "the region and period effects are"}[effects]
    why = {"none": "it is constant", "individual": "it is constant within each region",
           "time": "it is the same for every region in each period",
           "twoway": "it is a sum of a region part and a period part"}[effects]
    z = _demean(x, effects).to_numpy()
    names = list(x.columns)
    kept: list[int] = []
    for j, name in enumerate(names):
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
    for _ in range(200):  # one sweep is exact on a balanced panel
        out = out - out.groupby(region).transform("mean")
        out = out - out.groupby(period).transform("mean")
        if float(np.abs(out.groupby(region).transform("mean")).to_numpy().max()) <= 1e-12 * (1 + float(np.abs(x).to_numpy().max())):
            break
    return out


# -- the steps --------------------------------------------------------------------------------
_UNSAFE_NAME = re.compile(r"[^\w-]+")


def safe_name(label: Any) -> str:
    """A file-name slug of ``label``: letters, digits, ``_`` and ``-`` only (no path separator, no ``..``).

    Runs of other characters become one ``-`` (``"2009/10"`` -> ``"2009-10"``); an empty
    result becomes ``"x"``.
    """
    return _UNSAFE_NAME.sub("-", str(label)).strip("-") or "x"


@dataclass
class _RunState:
    study: Study
    folder: Path
    formats: dict[str, list[str]]
    results: dict[str, Any] = field(default_factory=dict)
    sections: list[_Section] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    names: dict[str, set[str]] = field(default_factory=dict)
    #: tables left out of tables.xlsx because they do not fit on a sheet
    too_large: list[str] = field(default_factory=list)

    def file_name(self, sub: str, name: Any) -> str:
        """A slug of ``name`` that no other file of folder ``sub`` uses in this run."""
        used = self.names.setdefault(sub, set())
        base = safe_name(name)
        stem, k = base, 2
        while stem.casefold() in used:
            stem, k = f"{base}-{k}", k + 1
        used.add(stem.casefold())
        return stem

    def add_table(self, name: str, table: pd.DataFrame, *, latex: bool = False) -> None:
        from ._results import XLSX_MAX_COLS, XLSX_MAX_ROWS, write_tables, xlsx_fits

        stem = self.file_name("tables", name)
        self.tables[name] = table
        folder = self.folder / "tables"
        folder.mkdir(exist_ok=True)
        formats = [f for f in self.formats["tables"] if not (f == "xlsx" or (f == "tex" and not latex))]
        if "xlsx" in self.formats["tables"] and not xlsx_fits(table):
            self.too_large.append(name)
            self.notes.append(
                f"output: table {name!r} ({len(table):,} rows × {table.shape[1]:,} columns) is larger than an Excel "
                f"sheet ({XLSX_MAX_ROWS:,} rows, {XLSX_MAX_COLS:,} columns); it is not in tables.xlsx but in "
                f"tables/{stem}.csv"
            )
            if "csv" not in formats:
                formats.insert(0, "csv")
        for fmt in formats:
            path = folder / f"{stem}.{fmt}"
            write_tables({name: table}, path)
            self.files.append(path)

    def add_figure(self, name: str, fig, *, sub: str = "figures") -> Path:
        import matplotlib.pyplot as plt

        from ._figures import save_figure

        stem = self.file_name(sub, name)
        folder = self.folder / sub
        folder.mkdir(exist_ok=True)
        if _is_synthetic(self.study):
            fig.text(0.995, 0.003, "synthetic data (china_demo)", ha="right", va="bottom", fontsize=7, color="0.35")
        try:
            for fmt in self.formats["figures"] or ["png"]:
                self.files.append(save_figure(fig, folder / f"{stem}.{fmt}"))
            png = folder / f"{stem}.png"
            if not png.exists():  # the report embeds a PNG: a preview when PNG is not an output format
                save_figure(fig, png, dpi=150)
        finally:
            plt.close(fig)
        return png

    def section(self, title: str, caption: str) -> _Section:
        sec = _Section(title, caption)
        self.sections.append(sec)
        return sec

    def about(self) -> pd.DataFrame:
        """What the tables are: data source, synthetic or not, notes, tables left out of the workbook."""
        data = self.study._section("data")
        source = f"bundled data set {data['dataset']!r}" if "dataset" in data else f"file {data.get('path')}"
        rows = {"data": source, "generated by": "spatialcoupling study run", "notes": " | ".join(self.notes) or "none"}
        if self.too_large:
            rows["not in this workbook"] = (
                f"{', '.join(self.too_large)}: larger than an Excel sheet; see the csv files of the same names"
            )
        if _is_synthetic(self.study):
            rows["WARNING"] = SYNTHETIC_NOTE
        return pd.DataFrame({"value": rows}).rename_axis("item")

    def write_workbook(self) -> None:
        from ._results import atomic_path, write_tables

        tables = self.folder / "tables"
        tables.mkdir(exist_ok=True)
        readme = tables / "README.txt"
        with atomic_path(readme) as tmp:
            tmp.write_text("\n".join(f"{k}: {v}" for k, v in self.about()["value"].items()) + "\n", encoding="utf-8")
        self.files.append(readme)
        if "xlsx" not in self.formats["tables"] or not self.tables:
            return
        path = tables / "tables.xlsx"
        sheets = {"about": self.about(), **{k: v for k, v in self.tables.items() if k not in self.too_large and k != "about"}}
        if "about" in self.tables and "about" not in self.too_large:
            sheets["about_table"] = self.tables["about"]
        write_tables(sheets, path)
        self.files.append(path)

    def write_lock(self) -> None:
        import tomli_w

        versions = {}
        for pkg in ("spatialcoupling", "numpy", "pandas", "scipy", "geopandas", "libpysal", "esda", "spreg", "matplotlib"):
            try:
                versions[pkg] = importlib.metadata.version(pkg)
            except importlib.metadata.PackageNotFoundError:
                versions[pkg] = "not installed"
        lock = {
            "generated": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "settings": _resolved_settings(self.study),
            "versions": versions,
        }
        path = self.folder / "study.lock.toml"
        path.write_text(tomli_w.dumps(_toml_safe(lock)), encoding="utf-8")
        self.files.append(path)

    def write_report(self) -> None:
        path = self.folder / "report.html"
        path.write_text(_render_report(self), encoding="utf-8")
        self.files.append(path)


def _resolved_settings(study: Study) -> dict[str, Any]:
    settings = copy.deepcopy(study.settings)
    settings.setdefault("output", {})
    for key, value in _DEFAULT_OUTPUT.items():
        settings["output"].setdefault(key, value)
    data = settings.setdefault("data", {})
    for key, value in (("region", "region"), ("period", "period"), ("interpolate", "linear"), ("wide", False)):
        data.setdefault(key, value)
    w = study.weighting()
    settings.setdefault("weighting", {}).update(
        {"method": w.method, "scope": w.scope, "shift": w.shift, "constant": w.constant, "score_on": w.score_on}
    )
    c = study.coupling_model()
    coupling = settings.setdefault("coupling", {})
    coupling.update({"model": c.model, "lag_bands": list(c.lag_bands), "grades": [[u, label] for u, label in c.grades]})
    if c.contributions is None:
        subsystems = study.indicator_system().subsystems
        coupling["contributions"] = {s: 1.0 / len(subsystems) for s in subsystems}
    return settings


def _toml_safe(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _toml_safe(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_toml_safe(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return value


SYNTHETIC_NOTE = (
    "SYNTHETIC DATA: 'china_demo' is generated by spatialcoupling.datasets.simulate_panel; "
    "its numbers are not statistics of any province"
)


def _is_synthetic(study: Study) -> bool:
    return study._section("data").get("dataset") == "china_demo"


def _step_data(state: _RunState) -> None:
    panel = state.study.load_panel()
    state.results["panel"] = panel
    state.notes += panel.notes
    sec = state.section(
        "Data",
        f"{len(panel.regions)} regions × {len(panel.periods)} periods ({panel.periods[0]}–{panel.periods[-1]}), "
        f"{len(panel.columns)} columns. Gaps are filled by linear interpolation within each region along time; "
        "every filled cell is listed in tables/filled_cells.",
    )
    if _is_synthetic(state.study):
        sec.caption += (
            " The data set 'china_demo' is SYNTHETIC (generated by spatialcoupling.datasets.simulate_panel): "
            "it has the shape of a provincial study but is not yearbook data. Swap in real data with data.path."
        )
    filled = panel.filled.stack()
    cells = filled[filled].index.to_frame(index=False)
    cells.columns = ["region", "period", "column"]
    state.add_table("filled_cells", cells.set_index(["region", "period"]))
    sec.tables["Filled cells"] = cells


def _step_scores(state: _RunState) -> None:
    model = state.study.weighting()
    system = state.study.indicator_system()
    scores = model.fit(state.results["panel"], system)
    state.results["scores"] = scores
    state.notes += scores.notes
    sec = state.section(
        "Indicator weights and subsystem scores",
        f"Objective weights by the {scores.method} method (scope: {scores.scope}; min-max standardisation with "
        f"direction, shift {scores.shift:g}); composite scores U = Σ w z per subsystem, in [0, 1].",
    )
    state.add_table("weights", scores.weights.set_index("indicator"))
    state.add_table("dimension_weights", scores.dimension_weights.set_index(["subsystem", "dimension"]))
    state.add_table("scores", scores.scores)
    sec.tables["Weights by dimension"] = scores.dimension_weights
    sec.tables["Indicator weights"] = scores.weights
    sec.figures.append(state.add_figure("scores_over_time", scores.plot("scores")))
    sec.figures.append(state.add_figure("indicator_weights", scores.plot("weights")))


def _step_coupling(state: _RunState) -> None:
    model = state.study.coupling_model()
    ccd = model.fit(state.results["scores"])
    state.results["coupling"] = ccd
    state.notes += ccd.notes
    cfg = state.study._section("coupling")
    sec = state.section(
        "Coupling coordination degree",
        f"{ccd.model.capitalize()} coupling degree C, coordination index T = Σ θ U with θ = {ccd.theta}, "
        "D = √(C·T); grades are left-open, right-closed intervals of width 0.1 (grade 1 includes D = 0).",
    )
    state.add_table("coupling", ccd.table)
    wide = ccd.D.unstack("period")
    state.add_table("coupling_D_wide", wide)
    state.add_table("grade_counts", ccd.grade_counts())
    sec.tables["D by region and period"] = wide
    sec.tables["Regions per grade"] = ccd.grade_counts()
    if ccd._pair_tables:
        state.add_table("coupling_pairs", ccd.pairs)
    state.results["D"] = ccd.D
    sec.figures.append(state.add_figure("coupling_D_mean", ccd.plot()))
    spans = [tuple(s) for s in cfg.get("spans", [])]
    state.results["coupling_spans"] = spans
    if spans:
        growth = ccd.growth(spans)
        state.add_table("D_growth", growth)
        sec.tables["Average annual growth of D, (D_t1 / D_t0)^(1/(t1 - t0)) - 1"] = growth
    if "threshold" in cfg:
        state.add_table("D_first_period", ccd.first_period_at_or_above(cfg["threshold"]).to_frame())


def _step_regions(state: _RunState) -> None:
    regions = state.study.load_regions(state.results["panel"])
    state.results["regions"] = regions
    state.results["boundaries"] = state.study.boundaries()  # maps draw regions without data too
    ccd = state.results["coupling"]
    cfg = state.study._section("coupling")
    sec = state.section("Regions and groups", "Boundaries matched to the panel's region ids; group means of D per period.")
    for grouping in state.study._section("regions").get("groupings", []):
        groups = state.study.groups(regions, grouping)
        by = ccd.by_group(groups)
        state.add_table(f"D_by_{grouping}", by)
        sec.tables[f"Mean D by {grouping}"] = by
        sec.figures.append(state.add_figure(f"D_by_{grouping}", ccd.plot(groups=groups)))
        if state.results.get("coupling_spans"):
            growth = ccd.growth(state.results["coupling_spans"], groups=groups)
            state.add_table(f"D_growth_{grouping}", growth)
            sec.tables[f"Average annual growth of D by {grouping}"] = growth
        if "threshold" in cfg:
            first = ccd.first_period_at_or_above(cfg["threshold"], groups=groups).to_frame()
            state.add_table(f"D_first_period_{grouping}", first)
    layers = state.folder / "layers"
    layers.mkdir(exist_ok=True)
    wide = state.results["D"].unstack("period")
    wide.columns = [f"D_{c}" for c in wide.columns]
    layer = regions.join(wide)
    layer.columns = [str(c) for c in layer.columns]
    id_name = layer.index.name or "region"
    if id_name in layer.columns:
        if layer[id_name].astype(str).tolist() == layer.index.astype(str).tolist():
            layer = layer.drop(columns=id_name)  # the id column itself
        else:
            layer = layer.rename_axis(f"{id_name}_id")
            state.notes.append(f"regions: the boundary file has its own column {id_name!r}; the region ids are in "
                               f"column '{id_name}_id' of layers/coupling.gpkg")
    path = layers / "coupling.gpkg"
    layer.reset_index().to_file(path, layer="coupling", driver="GPKG")
    state.files.append(path)
    notes = list(regions.attrs.get("spatialcoupling_notes", []))
    state.notes += notes
    sec.caption += (" " + " ".join(notes)) if notes else ""


def _step_weights(state: _RunState) -> None:
    w = state.study.spatial_weights(state.results["regions"], state.results["panel"])
    state.results["w"] = w
    notes = list(getattr(w, "spatialcoupling_notes", []))
    state.notes += notes
    cfg = state.study._section("weights")
    sec = state.section(
        "Spatial weights",
        f"{cfg.get('kind', 'queen')} weights over {w.n} regions, mean {w.mean_neighbors:.2f} neighbours, "
        f"standardisation {cfg.get('standardize', 'r')}; islands: {cfg.get('islands', 'nearest')}."
        + (" " + " ".join(notes) if notes else ""),
    )
    del sec


def _add_notes(state: _RunState, name: str, res: Any) -> None:
    """The notes of result ``res`` of step ``name`` as notes of the run."""
    state.notes += [f"{name}: {n}" for n in res.notes if f"{name}: {n}" not in state.notes]


def _step_moran(state: _RunState) -> None:
    cfg = state.study._section("moran")
    res = state.study._moran_model(state.results["w"]).fit(state.results["D"])
    state.results["moran"] = res
    _add_notes(state, "moran", res)
    sec = state.section(
        "Global Moran's I of D",
        f"Per period; inference under normality, randomisation and {cfg.get('permutations', 999)} random permutations "
        f"(seed {cfg.get('seed', 1)}).",
    )
    state.add_table("global_moran", res.table, latex=True)
    sec.tables["Global Moran's I"] = res.table
    sec.figures.append(state.add_figure("global_moran", res.plot()))


def _step_lisa(state: _RunState) -> None:
    cfg = state.study._section("lisa")
    adjust = cfg.get("adjust", "none")
    model = state.study._lisa_model(state.results["w"])
    lisa = model.fit(state.results["D"])
    state.results["lisa"] = lisa
    _add_notes(state, "lisa", lisa)
    regions = state.results["boundaries"]
    language = cfg.get("language", "en")
    sec = state.section(
        "LISA clusters of D",
        f"Local Moran's I with {model.permutations} conditional permutations (seed {cfg.get('seed', 1)}); significant "
        f"when the {model.alternative} pseudo p ≤ {model.alpha} (adjustment: {adjust}); clusters HH, LL, LH, HL as "
        "in GeoDa; units without neighbours are 'isolated'.",
    )
    state.add_table("lisa", lisa.table)
    state.add_table("lisa_counts", lisa.counts)
    sec.tables["Regions per cluster and period"] = lisa.counts
    periods = cfg.get("periods") or list(state.results["panel"].periods)[:: max(1, len(state.results["panel"].periods) // 4)]
    panels = lisa.plot(periods=periods, regions=regions, language=language)
    sec.figures.append(state.add_figure("lisa_clusters_panel", panels, sub="maps"))
    for period in periods:
        fig = lisa.plot(period=period, regions=regions, language=language)
        state.add_figure(f"lisa_clusters_{period}", fig, sub="maps")
    state.add_figure("moran_scatter_last", lisa.plot(period=periods[-1], regions=regions, kind="scatter"))
    layers = state.folder / "layers"
    layers.mkdir(exist_ok=True)
    path = layers / "clusters.gpkg"
    lisa.export(path, regions=state.results["regions"])
    state.files.append(path)


def _step_dagum(state: _RunState) -> None:
    cfg = state.study._section("dagum")
    groups = state.study.groups(state.results["regions"], cfg["grouping"])
    res = state.study._dagum_model(groups).fit(state.results["D"])
    state.results["dagum"] = res
    _add_notes(state, "dagum", res)
    sec = state.section(
        f"Dagum Gini decomposition of D by {cfg['grouping']}",
        "Dagum (1997): G = Gw (within) + Gnb (net between) + Gt (transvariation); groups ordered by mean D in each period.",
    )
    state.add_table("dagum", res.table, latex=True)
    state.add_table("dagum_within", res.within)
    state.add_table("dagum_between", res.between)
    sec.tables["Decomposition"] = res.table
    sec.figures.append(state.add_figure("dagum_shares", res.plot()))


def _step_sigma(state: _RunState) -> None:
    cfg = state.study._section("sigma")
    groups = state.study.groups(state.results["regions"], cfg["grouping"]) if "grouping" in cfg else None
    res = state.study._sigma_model(groups).fit(state.results["D"])
    state.results["sigma"] = res
    _add_notes(state, "sigma", res)
    sec = state.section("Sigma convergence of D", f"Dispersion ({cfg.get('measure', 'cv')}) per period, overall and by group; trend slope on time.")
    state.add_table("sigma", res.table)
    state.add_table("sigma_trend", res.trend, latex=True)
    sec.tables["Trend of the dispersion on time (negative slope: sigma convergence)"] = res.trend
    sec.figures.append(state.add_figure("sigma", res.plot()))


def _step_beta(state: _RunState) -> None:
    cfg = state.study._section("beta")
    panel = state.results["panel"]
    effects = state.study._beta_effects()
    sec = state.section(
        "Beta convergence of D",
        f"Growth ln(D_t+τ / D_t) on ln D_t, model {cfg.get('model', 'ols')}, effects {effects or 'none (pooled)'}; "
        "speed s = -ln(1 + β)/τ (β from total growth over τ periods), half-life ln 2 / s, delta-method s.e.",
    )
    groups = state.study.groups(state.results["regions"], cfg["grouping"]) if "grouping" in cfg else None
    tables, impacts, tests = [], {}, {}
    for kind in cfg.get("kinds", ["absolute"]):
        controls = panel.data[cfg["controls"]] if kind == "conditional" else None
        model = state.study._beta_model(kind, state.results.get("w"), controls, groups)
        res = model.fit(state.results["D"])
        state.results[f"beta_{kind}"] = res
        state.notes += [f"beta ({kind}): {n}" for n in res.notes]
        tables.append(res.table)
        if res.impacts is not None:
            impacts[kind] = res.impacts
        if res.tests is not None:
            tests[kind] = res.tests
    table = pd.concat(tables)
    state.add_table("beta", table, latex=True)
    sec.tables["Beta convergence"] = table
    if impacts:
        frame = pd.concat(impacts, names=["kind"])
        state.add_table("beta_impacts", frame, latex=True)
        sec.tables["Direct, indirect and total effects of ln D (LeSage & Pace; s.e. from simulated draws)"] = frame
    if tests:
        frame = pd.concat(tests, names=["kind"])
        state.add_table("beta_tests", frame, latex=True)
        sec.tables["Model-choice tests: LM on OLS residuals, Wald and LR of SDM against SAR and SEM"] = frame
    fit = state.results[f"beta_{cfg.get('kinds', ['absolute'])[-1]}"].detail
    if hasattr(fit, "table"):
        state.add_table("beta_model", fit.table, latex=True)
        sec.tables[f"Spatial panel estimates, {fit.model.upper()} ({fit.effects} effects), last kind"] = fit.table


# -- the report ----------------------------------------------------------------------------------
_CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
h1 { border-bottom: 2px solid #333; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.82em; margin: 0.6em 0 1.2em; }
td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; } th { background: #f3f3f3; }
.caption { color: #444; font-style: italic; } .note { color: #8a5a00; } img { max-width: 100%; }
pre { background: #f7f7f7; padding: 1em; overflow-x: auto; font-size: 0.8em; }
"""


def _render_report(state: _RunState) -> str:
    import tomli_w

    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>spatialcoupling study report</title>", f"<style>{_CSS}</style></head><body>"]
    parts.append("<h1>Study report</h1>")
    if _is_synthetic(state.study):
        parts.append("<p class='note'><b>Synthetic data.</b> This study runs on 'china_demo', a simulated panel shaped like a "
                     "provincial coupling study; its numbers are not statistics of any province.</p>")
    if state.notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li class='note'>{html.escape(n)}</li>" for n in state.notes) + "</ul>")
    for sec in state.sections:
        parts.append(f"<h2>{html.escape(sec.title)}</h2><p class='caption'>{html.escape(sec.caption)}</p>")
        for title, table in sec.tables.items():
            shown = table if len(table) <= 60 else table.head(60)
            more = f" (first 60 of {len(table)} rows; all in tables/)" if len(table) > 60 else ""
            parts.append(f"<h3>{html.escape(title)}{more}</h3>")
            parts.append(shown.to_html(float_format=lambda v: f"{v:.4f}", border=0))
        for fig in sec.figures:
            data = base64.b64encode(fig.read_bytes()).decode("ascii")
            parts.append(f"<figure><img alt='{html.escape(fig.stem)}' src='data:image/png;base64,{data}'><figcaption>{html.escape(fig.stem)}</figcaption></figure>")
    lock = tomli_w.dumps(_toml_safe({"settings": _resolved_settings(state.study)}))
    parts.append(f"<h2>Settings</h2><pre>{html.escape(lock)}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)


# -- demos ------------------------------------------------------------------------------------------
def demo_study(name: str = "china_demo") -> Study:
    """The bundled demo study ``name`` (see :data:`DEMOS`)."""
    if name not in DEMOS:
        raise ValueError(f"unknown demo {name!r}; demos: {', '.join(DEMOS)}")
    return Study.from_file(_DATA_DIR / DEMOS[name])


def run_demo(name: str = "china_demo", out: str | Path = "demo-output", *, force: bool = False, quiet: bool = False) -> Path:
    """Run a bundled demo study into ``out``."""
    result = demo_study(name).run(out, force=force, progress=False if quiet else None)
    return result.out

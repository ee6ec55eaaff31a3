"""Tables that go into a paper unchanged, from plain data (frames, dicts, strings).

Like :mod:`spatialcoupling.plotting`, nothing here takes a result object: results and the study
hand their tables (DataFrames) to these functions, which return a :class:`PaperTable` (cells,
caption, notes and print layout) that the writers put in ``.xlsx``, ``.csv``, ``.tex``, ``.docx``
and ``.md`` files.

Layouts
    :func:`regression_table` (models side by side as esttab/xsmle print them, from
    :class:`ModelColumn`; :func:`beta_columns` for a beta-convergence result and its groups),
    :func:`impacts_table`, :func:`growth_table` (D at chosen years and the average annual growth
    per sub-period: Table 4 of the service-manufacturing study), :func:`dagum_table`,
    :func:`dagum_within_table`, :func:`dagum_between_table`, :func:`weights_table` (indicator
    weights with dimension subtotals), :func:`descriptive_table`.
Writers
    :func:`write_tables` (by suffix), :func:`write_xlsx`, :func:`write_csv`, :func:`write_docx`,
    :func:`to_latex`, :func:`to_markdown`.
"""

from __future__ import annotations

from ._format import format_number, format_p, latex_escape, stars
from .codebook import COLUMN_DESCRIPTIONS, codebook_frame, describe_column, settings_frame
from .layouts import (
    dagum_between_table,
    dagum_table,
    dagum_within_table,
    descriptive_table,
    growth_table,
    weights_table,
)
from .regression import ModelColumn, beta_columns, impacts_table, regression_table
from .table import PaperTable, column_kinds, mark_kinds
from .writers import (
    neutralise_formulas,
    sheet_names,
    to_latex,
    to_markdown,
    write_csv,
    write_docx,
    write_table,
    write_tables,
    write_xlsx,
    xlsx_fits,
)

__all__ = [
    "COLUMN_DESCRIPTIONS",
    "ModelColumn",
    "PaperTable",
    "beta_columns",
    "codebook_frame",
    "column_kinds",
    "dagum_between_table",
    "dagum_table",
    "dagum_within_table",
    "describe_column",
    "descriptive_table",
    "format_number",
    "format_p",
    "growth_table",
    "impacts_table",
    "latex_escape",
    "mark_kinds",
    "neutralise_formulas",
    "regression_table",
    "settings_frame",
    "sheet_names",
    "stars",
    "to_latex",
    "to_markdown",
    "weights_table",
    "write_csv",
    "write_docx",
    "write_table",
    "write_tables",
    "write_xlsx",
    "xlsx_fits",
]

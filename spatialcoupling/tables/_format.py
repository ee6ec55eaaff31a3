"""Formatting of table cells: numbers, significance stars, LaTeX escapes.

Conventions (shared by every writer of :mod:`spatialcoupling.tables`):

- numbers are printed with a fixed number of decimals (3 unless a table says otherwise), so that
  right-aligned columns are aligned on the decimal point; ``-0.000`` is printed ``0.000``;
- a nonzero number too small to show any digit at that precision is printed in scientific
  notation (``6.2e-05``) rather than as ``0.000``; a p-value below ``10^-decimals`` is printed
  ``<0.001``;
- percentages are stored as fractions and printed times 100 (the header says ``%``);
- significance stars follow Stata's ``esttab, star(* 0.10 ** 0.05 *** 0.01)``: a p-value strictly
  below a level earns that level's stars;
- missing values (NaN, None) are printed as an empty cell.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

__all__ = [
    "DEFAULT_STARS",
    "LATEX_ESCAPES",
    "UNICODE_LATEX",
    "format_cell",
    "format_number",
    "format_p",
    "is_missing",
    "latex_escape",
    "star_levels",
    "stars",
]

#: p-value thresholds and their marks, from the loosest to the strictest (esttab's ``star()``)
DEFAULT_STARS: tuple[tuple[float, str], ...] = ((0.1, "*"), (0.05, "**"), (0.01, "***"))


def is_missing(value: Any) -> bool:
    """Whether ``value`` is None or a float NaN (pandas' NA included)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # NaN, NaT, pd.NA
    except (TypeError, ValueError):  # an array of several values is not one missing cell
        return False


def format_number(value: Any, decimals: int = 3) -> str:
    """A number with ``decimals`` decimals, tiny nonzero numbers in scientific notation.

    Examples
    --------
    >>> format_number(-0.44708), format_number(-0.0001), format_number(0.00003), format_number(12)
    ('-0.447', '-1.0e-04', '3.0e-05', '12.000')
    >>> format_number(float("nan")), format_number(-0.0)
    ('', '0.000')
    """
    if is_missing(value):
        return ""
    x = float(value)
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x != 0 and abs(x) < 0.5 * 10.0 ** (-decimals):
        return f"{x:.1e}"
    text = f"{x:.{decimals}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text


def format_p(value: Any, decimals: int = 3) -> str:
    """A p-value: ``decimals`` decimals, ``<0.001`` (at 3 decimals) below the smallest printable value.

    Examples
    --------
    >>> format_p(0.0421), format_p(1e-49), format_p(1.0)
    ('0.042', '<0.001', '1.000')
    """
    if is_missing(value):
        return ""
    x = float(value)
    floor = 10.0 ** (-decimals)
    if x < floor:
        return f"<{floor:.{decimals}f}"
    return f"{x:.{decimals}f}"


def star_levels(levels: Mapping[float, str] | Sequence[float] | bool | None) -> tuple[tuple[float, str], ...]:
    """Star thresholds as ``((level, mark), ...)`` sorted from the loosest level to the strictest.

    ``True``/``None`` give the default (* 0.1, ** 0.05, *** 0.01); ``False`` or an empty sequence
    gives no stars; a sequence of levels gets 1, 2, 3 … stars from the loosest; a mapping gives
    the marks explicitly.

    Raises
    ------
    ValueError
        A level outside (0, 1), naming it.
    """
    if levels is None or levels is True:
        return DEFAULT_STARS
    if levels is False:
        return ()
    if isinstance(levels, Mapping):
        pairs = [(float(k), str(v)) for k, v in levels.items()]
    else:
        ordered = sorted((float(v) for v in levels), reverse=True)
        pairs = [(lv, "*" * (i + 1)) for i, lv in enumerate(ordered)]
    for level, _ in pairs:
        if not 0 < level < 1:
            raise ValueError(f"stars: significance level {level!r} is not in (0, 1); use e.g. (0.1, 0.05, 0.01)")
    return tuple(sorted(pairs, key=lambda p: -p[0]))


def stars(p: Any, levels: Sequence[tuple[float, str]] = DEFAULT_STARS) -> str:
    """The mark of the strictest level that ``p`` is below ('' when none, or p is missing).

    Examples
    --------
    >>> stars(0.004), stars(0.03), stars(0.07), stars(0.1), stars(float("nan"))
    ('***', '**', '*', '', '')
    """
    if is_missing(p):
        return ""
    mark = ""
    for level, sign in levels:  # loosest first: a stricter level overrides
        if float(p) < level:
            mark = sign
    return mark


def format_cell(value: Any, kind: str = "number", decimals: int = 3) -> str:
    """A cell as text by column kind: ``number``, ``percent`` (times 100), ``integer``, ``p``, ``text``."""
    if is_missing(value):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if kind == "text" or not (isinstance(value, int | float) or hasattr(value, "__float__")):
        return str(value)
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    return _format_float(x, kind, decimals)


def _format_float(x: float, kind: str, decimals: int) -> str:
    """A number cell by column kind (see :func:`format_cell`)."""
    if kind == "percent":
        return format_number(100 * x, max(decimals - 1, 0))
    if kind == "integer":
        return format_number(x, 0) if x == int(x) else format_number(x, decimals)
    if kind == "p":
        return format_p(x, decimals)
    return format_number(x, decimals)


# -- LaTeX --------------------------------------------------------------------------------------
#: replacements of the characters that are special in LaTeX text mode
LATEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
#: characters outside pdfLaTeX's default input encoding that the tables use, as LaTeX commands
UNICODE_LATEX = {
    "α": r"$\alpha$",
    "β": r"$\beta$",
    "γ": r"$\gamma$",
    "δ": r"$\delta$",
    "ε": r"$\varepsilon$",
    "η": r"$\eta$",
    "θ": r"$\theta$",
    "λ": r"$\lambda$",
    "μ": r"$\mu$",
    "ρ": r"$\rho$",
    "σ": r"$\sigma$",
    "τ": r"$\tau$",
    "φ": r"$\phi$",
    "χ": r"$\chi$",
    "ψ": r"$\psi$",
    "ω": r"$\omega$",
    "Σ": r"$\Sigma$",
    "Δ": r"$\Delta$",
    "²": r"\textsuperscript{2}",
    "³": r"\textsuperscript{3}",
    "–": "--",
    "—": "---",
    "−": r"$-$",
    "×": r"$\times$",
    "±": r"$\pm$",
    "≤": r"$\leq$",
    "≥": r"$\geq$",
    "≠": r"$\neq$",
    "→": r"$\rightarrow$",
    "·": r"$\cdot$",
    "…": r"\ldots{}",
    "’": "'",
    "‘": "`",
    "“": "``",
    "”": "''",
    "√": r"$\surd$",
    "∞": r"$\infty$",
    "°": r"\textdegree{}",
    "～": r"\textasciitilde{}",
}
_LATEX_SPECIAL = re.compile("|".join(re.escape(c) for c in (*LATEX_ESCAPES, *UNICODE_LATEX)))


def latex_escape(text: Any) -> str:
    r"""``text`` with every LaTeX special character escaped and common symbols (Greek letters, ²,
    dashes, ×, ≤ …) written as LaTeX commands, so that pdfLaTeX compiles it.

    Numbers are formatted as in the tables (4 decimals for a bare float, for 0.1 compatibility).
    Text in other scripts (Chinese) is left as is: compile such tables with XeLaTeX and ``ctex``.

    Examples
    --------
    >>> print(latex_escape("x_1 & 50% ρ"))
    x\_1 \& 50\% $\rho$
    """
    if isinstance(text, float):
        text = f"{text:.4f}"
    return _LATEX_SPECIAL.sub(lambda m: LATEX_ESCAPES.get(m.group(), UNICODE_LATEX.get(m.group(), "")), str(text))

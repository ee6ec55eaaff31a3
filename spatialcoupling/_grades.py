"""The grades of the coupling coordination degree D: one table for the model and the maps.

The default is the ten grades of width 0.1 used by the service–manufacturing and the
science-and-technology studies (left-open, right-closed intervals; D = 0 belongs to grade 1).
A user may pass their own table of ``(upper bound, label)`` pairs; :func:`grade_of`,
``CouplingCoordination(grades=...)`` and the grade maps all read the same table.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DEFAULT_GRADES", "GRADE_LABELS_ZH", "grade_bins", "grade_labels", "grade_of", "validate_grades"]

#: the ten grades: (upper bound, English label)
DEFAULT_GRADES: tuple[tuple[float, str], ...] = (
    (0.1, "Extremely maladjusted"),
    (0.2, "Seriously maladjusted"),
    (0.3, "Moderately maladjusted"),
    (0.4, "Slightly maladjusted"),
    (0.5, "On the verge of maladjustment"),
    (0.6, "Barely coordinated"),
    (0.7, "Primary coordinated"),
    (0.8, "Moderately coordinated"),
    (0.9, "Well coordinated"),
    (1.0, "High-quality coordinated"),
)
#: the Chinese names of the ten default grades, as the studies print them
GRADE_LABELS_ZH: tuple[str, ...] = (
    "极度失调",
    "严重失调",
    "中度失调",
    "轻度失调",
    "濒临失调",
    "勉强协调",
    "初级协调",
    "中级协调",
    "良好协调",
    "优质协调",
)


def validate_grades(grades: Any) -> tuple[tuple[float, str], ...]:
    """A grade table as ``((upper, label), ...)``: None gives the default ten grades.

    Accepts a sequence of pairs or a DataFrame with columns ``upper`` and ``label``. The
    upper bounds must increase strictly and the last must be at least 1 (D can reach 1).
    """
    if grades is None:
        return DEFAULT_GRADES
    if isinstance(grades, pd.DataFrame):
        if not {"upper", "label"} <= set(grades.columns):
            raise ValueError("grades table needs columns 'upper' and 'label'")
        grades = list(zip(grades["upper"], grades["label"], strict=True))
    grades = tuple((float(u), str(lab)) for u, lab in grades)
    uppers = [u for u, _ in grades]
    if not grades or any(b <= a for a, b in itertools.pairwise(uppers)):
        raise ValueError(f"grade upper bounds must be strictly increasing, got {uppers}")
    if uppers[-1] < 1.0:
        raise ValueError(f"the last grade's upper bound must be >= 1 (D can reach 1), got {uppers[-1]}")
    return grades


def grade_of(
    d: np.ndarray | pd.Series, grades: Sequence[tuple[float, str]] = DEFAULT_GRADES
) -> tuple[np.ndarray, np.ndarray]:
    """Grade numbers (1-based) and labels of D for right-closed intervals ``(b_{k-1}, b_k]``.

    Values at or below the first upper bound (including 0) get grade 1.

    Examples
    --------
    >>> grade_of(np.array([0.0, 0.1, 0.1000001, 0.95]))[0]
    array([ 1,  1,  2, 10])
    """
    uppers = np.array([u for u, _ in grades], dtype=float)
    labels = np.array([lab for _, lab in grades], dtype=object)
    values = np.asarray(d, dtype=float)
    idx = np.searchsorted(uppers, values, side="left")
    over = idx >= len(uppers)
    if over.any():
        raise ValueError(f"D values {values[over][:5]} exceed the top grade bound {uppers[-1]}")
    return idx + 1, labels[idx]


def grade_bins(grades: Sequence[tuple[float, str]] = DEFAULT_GRADES) -> tuple[float, ...]:
    """Class edges ``(0, b_1, …, b_k)`` of a grade table (for maps and legends)."""
    return (0.0, *(float(u) for u, _ in grades))


def grade_labels(grades: Sequence[tuple[float, str]] = DEFAULT_GRADES, language: str = "en") -> tuple[str, ...]:
    """The labels of a grade table; ``language="zh"`` gives the Chinese names of the default table
    (a custom table keeps its own labels)."""
    labels = tuple(lab for _, lab in grades)
    if language == "zh" and tuple(grades) == DEFAULT_GRADES:
        return GRADE_LABELS_ZH
    return labels

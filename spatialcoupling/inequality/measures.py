"""Plain inequality measures of one cross-section given as a 1-D array.

- Gini ``G = Σ_i Σ_r |y_i − y_r| / (2 n² μ)`` (normalised by ``n²``, as in Dagum's
  decomposition, so that the decomposition is exact);
- Theil's T ``(1/n) Σ (y/μ) ln(y/μ)`` (``0 ln 0 = 0``) and L, the mean log deviation
  ``(1/n) Σ ln(μ/y)`` (needs ``y > 0``);
- coefficient of variation ``σ / μ``.

PySAL's ``inequality`` package has the Gini and Theil's T; it is the cross-check of the tests.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from scipy.special import xlogy

from .._series import _preview

__all__ = ["coefficient_of_variation", "gini", "theil", "theil_of"]


def as_values(values: Any, what: str, *, positive: bool = False) -> np.ndarray:
    """``values`` as a finite 1-D float array with a positive mean, checked.

    Parameters
    ----------
    values : array-like, 1-D
    what : str
        The caller, named in messages.
    positive : bool
        Require values > 0 (a logarithm is taken) instead of >= 0.

    Raises
    ------
    ValueError
        Not 1-D, empty, missing or infinite values, negative (or non-positive) values, a mean of 0;
        the positions are named.
    """
    y = np.asarray(values, dtype=float)
    if y.ndim != 1:
        raise ValueError(f"{what}: expected a 1-D array of values, got shape {y.shape}")
    if y.size == 0:
        raise ValueError(f"{what}: no values")
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise ValueError(f"{what}: missing or infinite values at positions {_preview(bad)}")
    if positive:
        bad = np.flatnonzero(y <= 0)
        if bad.size:
            raise ValueError(
                f"{what}: values must be > 0 (a logarithm is taken); non-positive at positions {_preview(bad)}"
            )
    else:
        bad = np.flatnonzero(y < 0)
        if bad.size:
            raise ValueError(f"{what}: values must be >= 0; negative at positions {_preview(bad)}")
    if not y.mean() > 0:
        raise ValueError(f"{what}: the mean is 0 (all values are 0); the index is undefined")
    return y


def gini(values: Any) -> float:
    """Gini coefficient ``Σ_i Σ_r |y_i − y_r| / (2 n² μ)`` of non-negative values.

    Parameters
    ----------
    values : array-like, 1-D
        Non-negative values with a positive mean.

    Returns
    -------
    float
        The Gini coefficient (0 = equality; ``(n − 1)/n`` when one unit has everything).

    Examples
    --------
    >>> gini([1, 1, 1, 1])
    0.0
    >>> gini([0, 0, 0, 1])
    0.75
    """
    y = as_values(values, "gini")
    ys = np.sort(y)
    ys -= ys[0]
    n = ys.size
    ranks = 2.0 * np.arange(1, n + 1) - n - 1
    return float(ranks @ ys / (n * n * y.mean()))


def theil_of(v: np.ndarray, mu: float, kind: str) -> float:
    """Theil's T or L of checked values ``v`` with mean ``mu`` (no checks)."""
    r = v / mu
    if kind == "T":
        return float(np.mean(xlogy(r, r)))
    return float(-np.mean(np.log(r)))


def theil(values: Any, kind: Literal["T", "L"] = "T") -> float:
    """Theil's T, ``(1/n) Σ (y/μ) ln(y/μ)``, or L (mean log deviation), ``(1/n) Σ ln(μ/y)``.

    Parameters
    ----------
    values : array-like, 1-D
        Non-negative values with a positive mean (strictly positive for ``kind="L"``).
    kind : {"T", "L"}
        Which index.

    Returns
    -------
    float

    Examples
    --------
    >>> round(theil([1, 3], kind="T"), 6)
    0.130812
    """
    if kind not in ("T", "L"):
        raise ValueError(f"kind must be 'T' or 'L', got {kind!r}")
    y = as_values(values, f"theil(kind={kind!r})", positive=kind == "L")
    return theil_of(y, float(y.mean()), kind)


def coefficient_of_variation(values: Any, ddof: int = 0) -> float:
    """Coefficient of variation ``σ / μ`` of non-negative values.

    Parameters
    ----------
    values : array-like, 1-D
        Non-negative values with a positive mean.
    ddof : int
        Delta degrees of freedom of the standard deviation: 0 (default) for the
        cross-section's own dispersion ``sqrt(mean((y − μ)²))``, 1 for the sample
        standard deviation.

    Returns
    -------
    float

    Examples
    --------
    >>> coefficient_of_variation([1, 3])
    0.5
    """
    y = as_values(values, "coefficient_of_variation")
    if y.size - ddof <= 0:
        raise ValueError(f"coefficient_of_variation: {y.size} value(s) are too few for ddof={ddof}")
    return float(np.std(y, ddof=ddof) / y.mean())

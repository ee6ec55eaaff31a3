"""Discrete states and the arithmetic of Markov chains, shared by the Markov objects.

* :func:`discretise` turns a region × period table into state codes: quantiles of the pooled
  values or of each period (the quantile rule of mapclassify's ``Quantiles``, which giddy uses:
  linear-interpolation percentiles at ``100/k, 200/k, …, 100``, intervals closed on the right,
  repeated bounds collapsed), the coordination grades (``spatialcoupling._grades``), or given
  break points (``(-inf, b1], (b1, b2], …, (b_last, inf)``).
* :func:`count_transitions` counts moves by (stratum, origin, destination) with one
  ``numpy.bincount``.
* :func:`chain_summary` gives the transition probabilities, the steady state and the mean
  first passage times (giddy's ``ergodic.steady_state`` and ``ergodic.mfpt``, which find the
  communication classes with quantecon), and the sojourn times ``1 / (1 - p_ii)``.

States that are never observed are left out of the steady state and the passage times (NaN);
a state observed only at the end of the transitions (no move out of it) is treated as
absorbing there, as giddy's ``fill_empty_classes`` does; both are reported in the notes.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._grades import validate_grades
from .._series import PERIOD, _preview

__all__ = [
    "Classes",
    "chain_summary",
    "count_transitions",
    "discretise",
    "hitting_times",
    "homogeneity_test",
    "probabilities",
    "relative_to_mean",
]


@dataclass
class Classes:
    """State codes (0-based, regions × periods), labels and bounds of a discretisation."""

    codes: np.ndarray
    labels: list[str]
    bounds: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def k(self) -> int:
        return len(self.labels)


def relative_to_mean(wide: pd.DataFrame, who: str) -> pd.DataFrame:
    """Every value divided by the mean of its period (the relative income of Rey 2001).

    Raises
    ------
    ValueError
        When a period's mean is not positive (naming the periods).
    """
    mean = wide.mean(axis=0)
    bad = mean.index[~(mean > 0)]
    if len(bad):
        raise ValueError(
            f"{who}: relative=True divides by the period mean, which is not positive in period(s) "
            f"{_preview(bad)}; use relative=False for this series"
        )
    return wide / mean


def _quantile_bins(values: np.ndarray, k: int) -> np.ndarray:
    pct = np.linspace(100.0 / k, 100.0, k)
    return np.unique(np.percentile(values, pct))


def _cell(wide: pd.DataFrame, mask: np.ndarray) -> str:
    rows, cols = np.nonzero(mask)
    cells = [(wide.index[r], wide.columns[c]) for r, c in zip(rows[:10], cols[:10], strict=True)]
    return _preview(cells) + (f" … {int(mask.sum()) - 10} more" if mask.sum() > 10 else "")


def discretise(
    wide: pd.DataFrame, *, method: str, k: int, scope: str, breaks: Any, grades: Any, who: str, what: str = "value"
) -> Classes:
    """State codes of every cell of ``wide`` (regions × periods).

    Parameters
    ----------
    wide : DataFrame
        Regions as rows, periods as columns.
    method : {"quantile", "grades", "breaks"}
    k : int
        Number of quantile classes.
    scope : {"pooled", "period"}
        Quantiles of all values together or of each period.
    breaks : sequence of float or None
        Interior break points (``method="breaks"``).
    grades : grade table or None
        ``(upper, label)`` pairs (``method="grades"``; None: the ten default grades).
    who, what : str
        Names for messages (the model, and "value" or "lag").
    """
    values = wide.to_numpy(dtype=float)
    notes: list[str] = []
    if method == "quantile":
        if scope == "pooled":
            bins = _quantile_bins(values.ravel(), k)
            codes = np.searchsorted(bins, values, side="left")
            lower = np.concatenate([[values.min()], bins[:-1]])
            labels = [f"Q{i + 1}" for i in range(len(bins))]
            bounds = pd.DataFrame(
                {"lower": lower, "upper": bins, "count": np.bincount(codes.ravel(), minlength=len(bins))},
                index=pd.Index(labels, name="class"),
            )
            if len(bins) < k:
                notes.append(
                    f"{what}: only {len(bins)} distinct quantile bounds (tied values); "
                    f"{len(bins)} classes instead of {k}"
                )
        else:
            codes = np.empty(values.shape, dtype=np.intp)
            rows = []
            collapsed = []
            for t, period in enumerate(wide.columns):  # one quantile rule per period
                col = values[:, t]
                bins = _quantile_bins(col, k)
                if len(bins) < k:
                    collapsed.append(period)
                codes[:, t] = np.searchsorted(bins, col, side="left")
                lower = np.concatenate([[col.min()], bins[:-1]])
                counts = np.bincount(codes[:, t], minlength=len(bins))
                rows += [
                    (period, f"Q{i + 1}", lo, up, c)
                    for i, (lo, up, c) in enumerate(zip(lower, bins, counts, strict=True))
                ]
            labels = [f"Q{i + 1}" for i in range(int(codes.max()) + 1)]
            bounds = pd.DataFrame(rows, columns=[PERIOD, "class", "lower", "upper", "count"]).set_index(
                [PERIOD, "class"]
            )
            if collapsed:
                notes.append(
                    f"{what}: tied values leave fewer than {k} distinct quantile bounds in period(s) "
                    f"{_preview(collapsed)}; there the top classes are empty"
                )
    elif method == "breaks":
        b = _check_breaks(breaks, who, "breaks" if what == "value" else "lag_breaks")
        codes = np.searchsorted(b, values, side="left")
        labels = [f"<={b[0]:g}", *[f"({lo:g}, {up:g}]" for lo, up in itertools.pairwise(b)], f">{b[-1]:g}"]
        bounds = pd.DataFrame(
            {
                "lower": np.concatenate([[-np.inf], b]),
                "upper": np.concatenate([b, [np.inf]]),
                "count": np.bincount(codes.ravel(), minlength=len(b) + 1),
            },
            index=pd.Index(labels, name="class"),
        )
    elif method == "grades":
        table = validate_grades(grades)
        uppers = np.array([u for u, _ in table], dtype=float)
        below = values < 0
        above = values > uppers[-1]
        if below.any() or above.any():
            raise ValueError(
                f"{who}: classes='grades' classifies coupling coordination degrees in [0, {uppers[-1]:g}]; "
                f"the {what}s at (region, period) {_cell(wide, below | above)} are outside; "
                "use classes='quantile' or classes='breaks' for other variables"
            )
        codes = np.searchsorted(uppers, values, side="left")
        labels = [lab for _, lab in table]
        bounds = pd.DataFrame(
            {
                "lower": np.concatenate([[0.0], uppers[:-1]]),
                "upper": uppers,
                "count": np.bincount(codes.ravel(), minlength=len(uppers)),
            },
            index=pd.Index(labels, name="class"),
        )
    else:  # pragma: no cover - guarded by the constraints
        raise ValueError(method)
    return Classes(codes.astype(np.intp), labels, bounds, notes)


def _check_breaks(breaks: Any, who: str, name: str) -> np.ndarray:
    if breaks is None:
        raise ValueError(f"{who}: classes='breaks' needs {name}=[b1, b2, ...] (increasing interior break points)")
    b = np.asarray(breaks, dtype=float).ravel()
    if len(b) == 0 or not np.all(np.isfinite(b)) or np.any(np.diff(b) <= 0):
        raise ValueError(
            f"{who}: {name} must be finite and strictly increasing, got {list(np.asarray(breaks).ravel())}"
        )
    return b


def count_transitions(
    origin: np.ndarray, dest: np.ndarray, k: int, stratum: np.ndarray | None = None, m: int = 1
) -> np.ndarray:
    """Counts ``(m, k, k)`` of moves from ``origin`` to ``dest`` by ``stratum`` (all 0-based)."""
    origin = np.asarray(origin, dtype=np.intp).ravel()
    dest = np.asarray(dest, dtype=np.intp).ravel()
    s = np.zeros_like(origin) if stratum is None else np.asarray(stratum, dtype=np.intp).ravel()
    idx = (s * k + origin) * k + dest
    return np.bincount(idx, minlength=m * k * k).reshape(m, k, k).astype(float)


def probabilities(counts: np.ndarray) -> np.ndarray:
    """Row-normalised counts; rows without a transition are NaN (no estimate, not zero)."""
    rows = counts.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(rows > 0, counts / np.where(rows > 0, rows, 1.0), np.nan)


def chain_summary(counts: np.ndarray, labels: list[str], where: str = "") -> dict[str, Any]:
    """Probabilities, steady state, mean first passage times and sojourn times of one chain.

    Returns
    -------
    dict
        ``p`` (k, k) with NaN rows for unobserved origins, ``steady`` (k,), ``mfpt`` (k, k),
        ``sojourn`` (k,), ``notes`` (list of str).
    """
    from giddy.ergodic import mfpt, steady_state

    k = counts.shape[0]
    p = probabilities(counts)
    rows = counts.sum(axis=1)
    cols = counts.sum(axis=0)
    visited = (rows > 0) | (cols > 0)
    steady = np.full(k, np.nan)
    passage = np.full((k, k), np.nan)
    notes: list[str] = []
    prefix = f"{where}: " if where else ""
    if (~visited).any():
        notes.append(
            prefix + f"state(s) {_preview([labels[i] for i in np.flatnonzero(~visited)])} never observed; "
            "left out of the steady state and the first passage times"
        )
    sub = np.flatnonzero(visited)
    ps = np.nan_to_num(p[np.ix_(sub, sub)])
    empty = rows[sub] == 0
    if empty.any():
        ps[np.flatnonzero(empty), np.flatnonzero(empty)] = 1.0
        notes.append(
            prefix + f"no move out of state(s) {_preview([labels[sub[i]] for i in np.flatnonzero(empty)])} "
            "(reached only at the end); treated as absorbing for the steady state and first passage times"
        )
    if len(sub):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # inf passage times of reducible chains
            ss = np.asarray(steady_state(ps), dtype=float)
            try:
                passage[np.ix_(sub, sub)] = np.asarray(mfpt(ps), dtype=float)
            except np.linalg.LinAlgError:  # giddy's mfpt fails on some reducible chains
                passage[np.ix_(sub, sub)] = hitting_times(ps)
        if ss.ndim == 1:
            steady[sub] = ss
        else:
            notes.append(prefix + f"the chain has {ss.shape[0]} recurrent classes, so no unique steady state (NaN)")
    with np.errstate(divide="ignore"):
        sojourn = 1.0 / (1.0 - np.diag(p))
    return {"p": p, "steady": steady, "mfpt": passage, "sojourn": sojourn, "notes": notes}


def hitting_times(p: np.ndarray) -> np.ndarray:
    """Mean first passage times of any chain: ``m_ij`` solves ``m_ij = 1 + Σ_{k≠j} p_ik m_kj`` over the
    states that can reach ``j`` (inf for the others); the diagonal is the mean return time."""
    k = p.shape[0]
    reach = (p > 0) | np.eye(k, dtype=bool)
    for _ in range(k):  # transitive closure of "can reach"
        reach = reach | ((reach.astype(int) @ reach.astype(int)) > 0)
    out = np.full((k, k), np.inf)
    for j in range(k):  # one linear system per destination (k is small)
        others = np.flatnonzero((np.arange(k) != j) & reach[:, j])
        if len(others):
            a = np.eye(len(others)) - p[np.ix_(others, others)]
            out[others, j] = np.linalg.solve(a, np.ones(len(others)))
        back = p[j, others] @ out[others, j] if len(others) else 0.0
        out[j, j] = 1.0 + back if reach[j].any() else np.inf
    return out


def homogeneity_test(counts: np.ndarray) -> dict[str, float]:
    """Bickenbach and Bode's (2003) LR and Q tests that ``m`` count matrices ``(m, k, k)`` share one
    transition matrix (giddy's ``markov.homogeneity``; degrees of freedom corrected for empty cells)."""
    from giddy.markov import homogeneity

    res = homogeneity(counts)
    return {
        "LR": float(res.LR),
        "Q": float(res.Q),
        "dof": int(res.dof),
        "p_LR": float(res.LR_p_value),
        "p_Q": float(res.Q_p_value),
    }

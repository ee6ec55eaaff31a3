"""Kernel density of a region × period series in every period, and what papers read from it.

For each period (and each region group) the density of the regions' values is estimated on
one grid shared by all periods, so the curves can be overlaid, stacked as a ridgeline or drawn
as the 3-D surface (period × value × density) of the coupling-coordination literature.

Conventions
-----------
* Kernels: Gaussian, ``K(u) = exp(-u²/2) / √(2π)``, and Epanechnikov scaled to unit variance,
  ``K(u) = 3/(4√5) (1 - u²/5)`` for ``|u| < √5`` (the scaling of R's ``density`` and Stata's
  ``kdensity``), so the bandwidth ``h`` is the standard deviation of the kernel for both and the
  same rule of thumb suits both. The density is ``f(x) = 1/(n h) Σ K((x - x_i)/h)``.
* Bandwidths: ``"silverman"`` is Silverman's (1986, eq. 3.31) rule
  ``0.9 min(s, IQR/1.34) n^(-1/5)`` (R's ``bw.nrd0``, Stata's default); ``"scott"`` is
  ``1.06 min(s, IQR/1.34) n^(-1/5)`` (R's ``bw.nrd``, Scott 1992); ``s`` is the standard deviation
  with ``n - 1``, IQR from linear-interpolation quartiles. A number gives the same bandwidth to
  every period. scipy's ``gaussian_kde`` names differ: its "silverman" is ``1.06 s n^(-1/5)``
  and its "scott" ``s n^(-1/5)``.
* The grid spans ``[min - cut·h, max + cut·h]`` over all periods and groups (``cut = 3`` as R).
* Modes are the local maxima of the density on the grid at least ``mode_threshold`` times the
  height of the highest one; ``peak`` and ``height`` are the highest mode; the tails
  (``tail_left``, ``tail_right``) are the distances from the highest mode to the outermost grid
  points where the density is still ``tail_level`` times that height (how far the distribution
  stretches: "right tail", "extension"); ``spread`` is the standard deviation, ``iqr`` the
  interquartile range, ``skewness`` the moment coefficient g1.

The Gaussian curves are scipy's ``gaussian_kde`` evaluated with the chosen bandwidth (scipy's
own rules are not R's and Stata's, so the bandwidth is computed here); scipy has no Epanechnikov
kernel, so that density is computed here, exactly, from running sums over the sorted values.

Data goes to ``fit``, settings to the constructor: ``KernelDensity(kernel="gaussian").fit(D, groups=None)``.

References: Silverman, B. W. (1986) Density Estimation for Statistics and Data Analysis;
Scott, D. W. (1992) Multivariate Density Estimation.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._groups import as_groups, group_codes
from .._params import Interval, Model, Options
from .._series import PERIOD
from ._base import DynamicsResult, balanced_panel

__all__ = ["ALL", "DensityResult", "KernelDensity", "bandwidth_rule", "kernel_density"]

#: label of the whole sample when densities are also computed by group
ALL = "all"
_SQRT5 = np.sqrt(5.0)


def bandwidth_rule(x: np.ndarray, rule: str) -> float:
    """Silverman's (``0.9``) or Scott's (``1.06``) ``× min(s, IQR/1.34) × n^(-1/5)`` for values ``x``.

    As R's ``bw.nrd0``/``bw.nrd``: when the IQR is 0 the standard deviation is used.

    Examples
    --------
    >>> round(float(bandwidth_rule(np.array([1.0, 2.0, 4.0, 8.0]), "silverman")), 6)
    1.65428
    """
    n = len(x)
    s = float(np.std(x, ddof=1))
    q75, q25 = np.percentile(x, [75, 25])
    spread = min(s, (q75 - q25) / 1.34) or s
    factor = {"silverman": 0.9, "scott": 1.06}[rule]
    return factor * spread * n ** (-0.2)


def kernel_density(x: np.ndarray, grid: np.ndarray, h: float, kernel: str = "gaussian") -> np.ndarray:
    """``f(grid) = 1/(n h) Σ K((grid - x_i)/h)`` for a Gaussian or unit-variance Epanechnikov kernel.

    The Gaussian density is scipy's ``gaussian_kde`` with bandwidth ``h`` (its factor ``h / s``);
    the Epanechnikov density is exact from running sums of the sorted values: with ``N``, ``S1``,
    ``S2`` the count, sum and sum of squares of the values within ``√5 h`` of a grid point ``g``,
    ``f(g) = 3/(4√5 n h) (N - (N g² - 2 g S1 + S2) / (5 h²))``.
    """
    x = np.asarray(x, dtype=float)
    grid = np.asarray(grid, dtype=float)
    n = len(x)
    centre = x.mean()
    xs = np.sort(x - centre)
    g = grid - centre
    if kernel == "gaussian":
        s = float(np.std(xs, ddof=1)) if n > 1 else 0.0
        if s > 0:
            from scipy.stats import gaussian_kde

            return gaussian_kde(xs, bw_method=h / s)(g)
        return np.exp(-0.5 * (g / h) ** 2) / (np.sqrt(2.0 * np.pi) * h)  # every value equal
    half = _SQRT5 * h
    lo = np.searchsorted(xs, g - half, side="right")
    hi = np.searchsorted(xs, g + half, side="left")
    c1 = np.concatenate([[0.0], np.cumsum(xs)])
    c2 = np.concatenate([[0.0], np.cumsum(xs * xs)])
    count = (hi - lo).astype(float)
    s1 = c1[hi] - c1[lo]
    s2 = c2[hi] - c2[lo]
    f = count - (count * g * g - 2.0 * g * s1 + s2) / (5.0 * h * h)
    return np.maximum(f, 0.0) * 0.75 / _SQRT5 / (n * h)


def _modes(grid: np.ndarray, f: np.ndarray, threshold: float) -> np.ndarray:
    """Grid indices of the local maxima at least ``threshold`` × the highest, highest first."""
    inner = np.flatnonzero((f[1:-1] > f[:-2]) & (f[1:-1] >= f[2:])) + 1
    if len(inner) == 0:
        inner = np.array([int(np.argmax(f))])
    keep = inner[f[inner] >= threshold * f[inner].max()]
    return keep[np.argsort(-f[keep], kind="stable")]


class KernelDensity(Model):
    """Kernel density of the values in each period (and region group).

    Data goes to ``fit``, settings to the constructor:
    ``KernelDensity(kernel="gaussian", bandwidth="silverman").fit(D, groups=None)``.

    Parameters
    ----------
    kernel : {"gaussian", "epanechnikov"}
        Kernel (Epanechnikov scaled to unit variance, see the module docstring).
    bandwidth : {"silverman", "scott"} or float
        Rule of thumb applied to each period (and group) separately, or one bandwidth (> 0).
    grid : int
        Points of the evaluation grid shared by all periods (>= 16).
    cut : float
        The grid reaches ``cut`` bandwidths beyond the smallest and largest values.
    mode_threshold : float
        Local maxima lower than this share of the highest are not counted as modes (in [0, 1)).
    tail_level : float
        Share of the highest mode's height at which the tails are measured (in (0, 1)).

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> income = sc.datasets.load("us_income")
    >>> kd = KernelDensity().fit(income / income.groupby(level="period").transform("mean"))
    >>> int(kd.table.loc[1929, "modes"])
    1
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "kernel": [Options("gaussian", "epanechnikov")],
        "bandwidth": [Options("silverman", "scott"), Interval(float, 0, None, closed="neither")],
        "grid": [Interval(int, 16, None)],
        "cut": [Interval(float, 0, None)],
        "mode_threshold": [Interval(float, 0, 1, closed="left")],
        "tail_level": [Interval(float, 0, 1, closed="neither")],
    }

    def __init__(
        self,
        kernel: str = "gaussian",
        bandwidth: str | float = "silverman",
        grid: int = 512,
        cut: float = 3.0,
        mode_threshold: float = 0.05,
        tail_level: float = 0.05,
    ) -> None:
        self.kernel = kernel
        self.bandwidth = bandwidth
        self.grid = grid
        self.cut = cut
        self.mode_threshold = mode_threshold
        self.tail_level = tail_level
        self._validate_params()

    def fit(self, series: pd.Series, groups: Any = None) -> DensityResult:
        """Densities, modes and tails of every period (and of every group when ``groups`` is given).

        Parameters
        ----------
        series : pandas.Series
            Region × period values, balanced.
        groups : mapping or Series, optional
            Region → group; the densities of each group are added to those of all regions
            (group ``"all"``).
        """
        self._validate_params()
        who = type(self).__name__
        wide = balanced_panel(series, who, min_periods=1, min_regions=2)
        values = wide.to_numpy(dtype=float)
        periods = list(wide.columns)
        notes: list[str] = []
        units: list[tuple[Any, np.ndarray]] = [(ALL, np.ones(len(wide), dtype=bool))]
        if groups is not None:
            g = as_groups(groups, who)
            codes, labels, gnotes = group_codes(wide.index, g, who)
            notes += gnotes
            if ALL in labels:
                raise ValueError(f"{who}: a group is labelled {ALL!r}, the label of all regions; rename that group")
            units += [(lab, codes == i) for i, lab in enumerate(labels)]
            small = [lab for lab, mask in units if mask.sum() < 2]
            if small:
                raise ValueError(f"{who}: group(s) {small} have fewer than 2 regions; a density needs at least 2")

        bws = np.empty((len(units), len(periods)))
        for u, (_, mask) in enumerate(units):
            for t, period in enumerate(periods):  # one rule per group and period
                x = values[mask, t]
                h = bandwidth_rule(x, self.bandwidth) if isinstance(self.bandwidth, str) else float(self.bandwidth)
                if not h > 0:
                    raise ValueError(
                        f"{who}: all values are equal in period {period!r}"
                        + (f" of group {units[u][0]!r}" if u else "")
                        + "; the bandwidth rule gives 0: pass bandwidth=<a number> or leave that period out"
                    )
                bws[u, t] = h
        lo = min(values[mask].min() - self.cut * bws[u].max() for u, (_, mask) in enumerate(units))
        hi = max(values[mask].max() + self.cut * bws[u].max() for u, (_, mask) in enumerate(units))
        grid = np.linspace(lo, hi, self.grid)

        summary_rows, peak_rows, curve_parts = [], [], []
        for u, (label, mask) in enumerate(units):
            for t, period in enumerate(periods):
                x = values[mask, t]
                f = kernel_density(x, grid, bws[u, t], self.kernel)
                modes = _modes(grid, f, self.mode_threshold)
                top = modes[0]
                above = np.flatnonzero(f >= self.tail_level * f[top])
                mean = x.mean()
                centred = x - mean
                m2 = float(np.mean(centred**2))
                q75, q25 = np.percentile(x, [75, 25])
                summary_rows.append(
                    {
                        "group": label,
                        PERIOD: period,
                        "n": int(mask.sum()),
                        "bandwidth": bws[u, t],
                        "peak": grid[top],
                        "height": f[top],
                        "modes": len(modes),
                        "mean": mean,
                        "spread": float(np.std(x, ddof=1)),
                        "iqr": q75 - q25,
                        "skewness": float(np.mean(centred**3)) / m2**1.5 if m2 > 0 else np.nan,
                        "tail_left": grid[top] - grid[above[0]],
                        "tail_right": grid[above[-1]] - grid[top],
                    }
                )
                peak_rows += [
                    {
                        "group": label,
                        PERIOD: period,
                        "mode": i + 1,
                        "location": grid[j],
                        "height": f[j],
                        "relative_height": f[j] / f[top],
                    }
                    for i, j in enumerate(modes)
                ]
                curve_parts.append(
                    pd.DataFrame(
                        {"group": label, PERIOD: period, "point": np.arange(len(grid)), "x": grid, "density": f}
                    )
                )
        index = ["group", PERIOD] if groups is not None else [PERIOD]
        drop = [] if groups is not None else ["group"]
        table = pd.DataFrame(summary_rows).drop(columns=drop).set_index(index)
        peaks = pd.DataFrame(peak_rows).drop(columns=drop).set_index([*index, "mode"])
        curves = pd.concat(curve_parts, ignore_index=True).drop(columns=drop).set_index([*index, "point"])
        mass = curves.groupby(level=index)["density"].sum() * (grid[1] - grid[0])
        low = mass[mass < 0.99]
        if len(low):
            notes.append(f"the grid holds less than 99% of the density for {len(low)} curve(s) (increase cut)")
        settings = {
            "variable": str(getattr(series, "name", None) or "series"),
            **self.get_params(),
            "grid_step": float(grid[1] - grid[0]),
            "regions": wide.shape[0],
            "periods": f"{periods[0]}-{periods[-1]}",
            "groups": "none" if groups is None else len(units) - 1,
        }
        return DensityResult({"table": table, "peaks": peaks, "curves": curves}, settings, notes)


class DensityResult(DynamicsResult):
    """Kernel densities per period (and group).

    Tables: ``table`` (per period, or group and period: ``n``, ``bandwidth``, ``peak`` and
    ``height`` of the highest mode, number of ``modes``, ``mean``, ``spread`` (standard
    deviation), ``iqr``, ``skewness``, ``tail_left``, ``tail_right``), ``peaks`` (every mode:
    location, height, height relative to the highest), ``curves`` (the density on the grid:
    ``x``, ``density`` per period and grid point).
    """

    _table_names = ("table", "peaks", "curves")
    _summary_tables = ("peaks",)

    @property
    def peaks(self) -> pd.DataFrame:
        return self._get("peaks")

    @property
    def curves(self) -> pd.DataFrame:
        return self._get("curves")

    def _curves_of(self, group: Any) -> pd.DataFrame:
        curves = self._store["curves"]
        if "group" not in curves.index.names:
            if group not in (None, ALL):
                raise ValueError(f"no groups in this result (fitted without groups); got group={group!r}")
            return curves
        groups = list(curves.index.get_level_values("group").unique())
        group = ALL if group is None else group
        if group not in groups:
            raise ValueError(f"group {group!r} is not in the result; groups: {groups}")
        return curves.xs(group, level="group")

    def plot(
        self,
        kind: str = "curves",
        periods: Any = None,
        group: Any = None,
        ax: Any = None,
        language: str = "en",
        **kwargs: Any,
    ) -> Any:
        """``kind="curves"``: overlaid curves of ``periods`` (default: up to six evenly spaced
        periods); ``"surface"``: the 3-D surface period × value × density; ``"ridgeline"``: one
        curve per period, stacked. ``group`` selects a group (default: all regions)."""
        from ..plotting import dynamics as dplot

        curves = self._curves_of(group).reset_index()
        title = f"Kernel density of {self.settings['variable']}" + (f" ({group})" if group not in (None, ALL) else "")
        caption = f"{self.settings['kernel']} kernel, bandwidth {self.settings['bandwidth']}"
        if kind == "curves":
            return dplot.density_curves(
                curves, periods=periods, ax=ax, title=title, caption=caption, language=language, **kwargs
            )
        if kind == "surface":
            return dplot.density_surface(
                curves, periods=periods, title=title, caption=caption, language=language, **kwargs
            )
        if kind == "ridgeline":
            return dplot.density_ridgeline(
                curves, periods=periods, title=title, caption=caption, language=language, **kwargs
            )
        raise ValueError(f"kind must be 'curves', 'surface' or 'ridgeline', got {kind!r}")

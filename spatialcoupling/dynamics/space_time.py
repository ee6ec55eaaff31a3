"""Space-time dynamics of LISA: quadrant transitions (LISA Markov), Rey's transition types, LISA
time paths and the directional rose.

Every region-period sits in a quadrant of the Moran scatterplot (HH, LH, LL, HL: own value and
spatial lag above or below the mean), read from :class:`spatialcoupling.LocalMoran`'s table.

* LISA Markov (Rey 2001): the 4 × 4 chain of quadrant moves (in PySAL's order HH, LH, LL, HL),
  with its steady state, and Rey's chi-square test that the moves of a region and of its
  neighbours are independent (expected moves from the Kronecker product of the two 2-state
  chains, as giddy's ``LISA_Markov``).
* Transition types (Rey 2001): type 0, no move; type I, only the region moves (HH↔LH, LL↔HL);
  type II, only its neighbourhood moves (HH↔HL, LH↔LL); type III, both move, IIIA in the same
  direction (HH↔LL) and IIIB in opposite directions (LH↔HL). Studies in Chinese number them
  I–IV with type 0 as IV. ``cohesion`` is the share of type 0 (Rey's space-time cohesion).
* LISA time paths (Rey, Murray and Anselin 2011; Ye and Rey 2013): the path of a region's point
  (own value, spatial lag) over the periods; ``length`` is the sum of its steps,
  ``relative_length`` the length over the mean length of all regions (n L_i / Σ L), ``tortuosity``
  the length over the straight distance between the first and the last point (1: straight,
  larger: winding), ``direction`` the angle of the start-to-end vector (degrees counter-clockwise
  from the own-value axis) and ``movement`` its quadrant: 0–90° both rise, 90–180° neighbours
  rise while the region falls, 180–270° both fall, 270–360° the region rises while its neighbours
  fall.
* Directional rose (Rey, Murray and Anselin 2011): the start-to-end vectors counted in ``sectors``
  equal circular sectors, with pseudo p-values from random spatial permutations of the regions'
  value pairs (the same rule as giddy's ``Rose.permute``: "two-sided", or "positive"/"negative"
  co-movement with sectors of quadrants I and III expected higher/lower).

Coordinates (``scale``): ``"z"`` the standardised values and their lags of the LISA table;
``"relative"`` values over the period mean (as Rey's relative incomes) and their lags; ``"raw"``.

What is used and what is written here: the quadrants and significance come from
``spatialcoupling.LocalMoran``; the LISA Markov chain and its steady state use the counting and
giddy's ergodic functions shared with :mod:`spatialcoupling.dynamics.markov`, the chi-square giddy's
``markov.chi2``. giddy's ``LISA_Markov`` runs esda's local Moran per period again and its
``Rose.permute`` draws from numpy's global random state in a Python loop (no seed of its own);
both are replaced by a vectorised computation with a seed.

Data goes to ``fit``, settings to the constructor: ``SpaceTimeLISA(permutations=999, seed=1).fit(D, w)``.

References: Rey, S. J. (2001) Spatial empirics for economic growth and convergence,
Geographical Analysis 33(3); Rey, S. J., Murray, A. T. and Anselin, L. (2011) Visualizing
regional income distribution dynamics, Letters in Spatial and Resource Sciences 4(1); Ye, X. and
Rey, S. J. (2013) A framework for exploratory space-time analysis of economic data, The Annals of
Regional Science 50(1).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._params import InstanceOf, Interval, Model, Options, Seed
from .._series import PERIOD, REGION, _preview
from ._base import DynamicsResult, aligned_weights, balanced_panel, read_only, require
from ._chains import chain_summary, count_transitions

__all__ = ["QUADRANTS", "TYPES", "SpaceTimeLISA", "SpaceTimeLISAResult", "directional_rose", "transition_type"]

#: quadrants in PySAL's order (own, lag): 1 HH, 2 LH, 3 LL, 4 HL
QUADRANTS = ("HH", "LH", "LL", "HL")
#: Rey's transition types
TYPES = ("0", "I", "II", "IIIA", "IIIB")
_OWN_HIGH = np.array([1, 0, 0, 1])
_LAG_HIGH = np.array([1, 1, 0, 0])
_MOVEMENT = ("both rise", "neighbours rise", "both fall", "own rises")


def transition_type(q0: np.ndarray, q1: np.ndarray) -> np.ndarray:
    """Rey's type (index into :data:`TYPES`) of moves from quadrant codes ``q0`` to ``q1`` (0–3 as
    :data:`QUADRANTS`)."""
    own = _OWN_HIGH[q0] != _OWN_HIGH[q1]
    lag = _LAG_HIGH[q0] != _LAG_HIGH[q1]
    same_start = _OWN_HIGH[q0] == _LAG_HIGH[q0]  # HH or LL
    return np.select([~own & ~lag, own & ~lag, ~own & lag, same_start], [0, 1, 2, 3], default=4)


def _positive_sectors(sectors: int) -> np.ndarray:
    mid = (np.arange(sectors) + 0.5) * 360.0 / sectors
    return ((mid < 90) | ((mid >= 180) & (mid < 270))).astype(float)


def _sector_counts(values: np.ndarray, sparse: Any, sectors: int) -> np.ndarray:
    """Counts per sector of the vectors (Δ value, Δ lag) of ``values`` (n, 2, B) → (B, sectors)."""
    n, _, b = values.shape
    lag = np.asarray(sparse @ values.reshape(n, 2 * b)).reshape(n, 2, b)
    dx = values[:, 1] - values[:, 0]
    dy = lag[:, 1] - lag[:, 0]
    theta = np.mod(np.arctan2(dy, dx), 2.0 * np.pi)
    idx = np.minimum((theta / (2.0 * np.pi) * sectors).astype(np.intp), sectors - 1)
    flat = idx.T + sectors * np.arange(b)[:, None]
    return np.bincount(flat.ravel(), minlength=b * sectors).reshape(b, sectors)


def directional_rose(
    values: np.ndarray,
    sparse: Any,
    sectors: int = 8,
    permutations: Any = 99,
    alternative: str = "two-sided",
    rng: np.random.Generator | None = None,
) -> pd.DataFrame:
    """Sector counts of LISA vectors and their permutation p-values.

    Parameters
    ----------
    values : ndarray (n, 2)
        Values of the regions at the start and the end.
    sparse : sparse matrix (n, n)
        Spatial weights (row-standardised) in the order of ``values``.
    sectors : int
        Number of equal sectors, counted counter-clockwise from the own-value axis.
    permutations : int or ndarray (B, n)
        Number of random permutations, or the permutations themselves (rows of region indices).
    alternative : {"two-sided", "positive", "negative"}
        As giddy's ``Rose.permute``.
    rng : numpy Generator, optional
        Source of the permutations.

    Returns
    -------
    DataFrame
        One row per sector: ``lower``, ``upper`` (degrees), ``count``, ``expected`` (mean count over
        the permutations), ``p_value``.
    """
    values = np.asarray(values, dtype=float)
    observed = _sector_counts(values[:, :, None], sparse, sectors)[0]
    edges = np.linspace(0.0, 360.0, sectors + 1)
    out = pd.DataFrame(
        {"lower": edges[:-1], "upper": edges[1:], "count": observed}, index=pd.RangeIndex(1, sectors + 1, name="sector")
    )
    if isinstance(permutations, np.ndarray):
        perms = permutations.astype(np.intp)
    elif permutations:
        rng = rng if rng is not None else np.random.default_rng()
        perms = rng.permuted(np.tile(np.arange(len(values)), (int(permutations), 1)), axis=1)
    else:
        out["expected"] = np.nan
        out["p_value"] = np.nan
        return out
    b = len(perms)
    sims = np.concatenate(
        [_sector_counts(np.moveaxis(values[perms[s : s + 200]], 0, 2), sparse, sectors) for s in range(0, b, 200)]
    )  # blocks of permutations bound the memory
    larger = (sims >= observed).sum(axis=0)
    smaller = (sims <= observed).sum(axis=0)
    big = (larger + 1.0) / (b + 1.0)
    small = (smaller + 1.0) / (b + 1.0)
    if alternative == "two-sided":
        p = np.where(big < 0.5, 2.0 * big, 2.0 * (1.0 - big))
    else:
        pos = _positive_sectors(sectors)
        if alternative == "negative":
            pos = 1.0 - pos
        p = pos * big + (1.0 - pos) * small
    out["expected"] = sims.mean(axis=0)
    out["p_value"] = p
    return out


def _lisa_table(lisa: Any, wide: pd.DataFrame, who: str) -> pd.DataFrame:
    table = lisa.table if hasattr(lisa, "table") else lisa
    if not isinstance(table, pd.DataFrame) or not {"quadrant", "cluster"} <= set(table.columns):
        raise TypeError(f"{who}: lisa must be a LocalMoran result or its .table (columns quadrant, cluster, z, lag)")
    full = pd.MultiIndex.from_product([wide.index, wide.columns], names=[REGION, PERIOD])
    missing = full.difference(table.index)
    if len(missing):
        raise ValueError(
            f"{who}: the LISA table has no row for (region, period) {_preview(missing)}; "
            "fit LocalMoran on the same series"
        )
    return table.reindex(full)


class SpaceTimeLISA(Model):
    """LISA Markov chain, Rey's transition types, LISA time paths and the directional rose.

    Data goes to ``fit``, settings to the constructor:
    ``SpaceTimeLISA(permutations=999, alpha=0.05, seed=1).fit(D, w)``.

    Parameters
    ----------
    permutations : int
        Conditional permutations of the local Moran's I (its pseudo p-values mark significant
        endpoints in the ``moves`` table).
    alpha : float
        Significance level of the LISA clusters.
    seed : None, int or SeedSequence
        Seed of the LISA permutations and of the rose's permutations.
    scale : {"z", "relative", "raw"}
        Coordinates of the time paths and the rose (see the module docstring).
    sectors : int
        Sectors of the directional rose (>= 2; 8 as giddy's default, 4 for the quadrants).
    rose_permutations : int
        Random spatial permutations for the rose's p-values (0: none).
    alternative : {"two-sided", "positive", "negative"}
        Alternative of the rose's test.
    rose_periods : (start, end), optional
        Periods whose vectors the rose counts (default: the first and the last).

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> income = sc.datasets.load("us_income")
    >>> w = sc.spatial_weights(sc.datasets.load("us_states"), kind="queen")
    >>> st = SpaceTimeLISA(permutations=99, seed=1).fit(income, w)
    >>> st.counts.loc["HH"].tolist()
    [1169, 1087, 44, 4, 34]
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "permutations": [Interval(int, 1, None)],
        "alpha": [Interval(float, 0, 1, closed="neither")],
        "seed": [Seed()],
        "scale": [Options("z", "relative", "raw")],
        "sectors": [Interval(int, 2, None)],
        "rose_permutations": [Interval(int, 0, None)],
        "alternative": [Options("two-sided", "positive", "negative")],
        "rose_periods": [
            None,
            InstanceOf((list, tuple), "a pair (start, end) of periods", check=lambda v: len(v) == 2),
        ],
    }

    def __init__(
        self,
        permutations: int = 999,
        alpha: float = 0.05,
        seed: Any = None,
        scale: str = "z",
        sectors: int = 8,
        rose_permutations: int = 999,
        alternative: str = "two-sided",
        rose_periods: Any = None,
    ) -> None:
        self.permutations = permutations
        self.alpha = alpha
        self.seed = seed
        self.scale = scale
        self.sectors = sectors
        self.rose_permutations = rose_permutations
        self.alternative = alternative
        self.rose_periods = rose_periods
        self._validate_params()

    def fit(self, series: pd.Series, w: Any, lisa: Any = None) -> SpaceTimeLISAResult:
        """Quadrant moves, their types, the time paths and the rose.

        Parameters
        ----------
        series : pandas.Series
            Region × period values, balanced.
        w : libpysal W or Graph, or SpatialWeights
            Spatial weights on the regions of the series.
        lisa : LocalMoranResult or DataFrame, optional
            A local Moran result of the same series and weights (or its ``.table``) to reuse;
            by default ``LocalMoran(w, permutations, alpha, seed)`` is fitted here.
        """
        self._validate_params()
        require("giddy")
        who = type(self).__name__
        wide = balanced_panel(series, who, min_periods=2, min_regions=3)
        sw = aligned_weights(w, wide.index, who)
        periods = list(wide.columns)
        n, T = wide.shape
        notes: list[str] = []
        ss = self.seed if isinstance(self.seed, np.random.SeedSequence) else np.random.SeedSequence(self.seed)
        if lisa is None:
            from ..autocorrelation import LocalMoran

            lisa_seed = int(ss.generate_state(1)[0])
            lisa = LocalMoran(permutations=self.permutations, alpha=self.alpha, seed=lisa_seed).fit(series, w)
        else:
            notes.append("quadrants and clusters from the given LISA result")
        table = _lisa_table(lisa, wide, who)
        quad = table["quadrant"].astype(object).to_numpy()
        codes = pd.Index(QUADRANTS).get_indexer(quad)
        if (codes < 0).any():
            bad = table.index[codes < 0]
            raise ValueError(f"{who}: no quadrant (isolated or missing) at (region, period) {_preview(bad)}")
        q = codes.reshape(n, T)
        sig = (table["cluster"].astype(str).to_numpy() != "ns").reshape(n, T)

        # LISA Markov chain and Rey's independence test
        counts = count_transitions(q[:, :-1], q[:, 1:], 4)[0]
        stats = chain_summary(counts, list(QUADRANTS))
        notes += stats["notes"]
        chi = _independence_test(q, counts)
        rows = counts.sum(axis=1)
        labels = list(QUADRANTS)
        prob = pd.DataFrame(stats["p"], index=pd.Index(labels, name="from"), columns=pd.Index(labels, name="to"))
        prob.insert(0, "n", rows.astype(int))
        cnt = pd.DataFrame(counts.astype(int), index=prob.index, columns=prob.columns[1:])
        cnt.insert(0, "n", rows.astype(int))
        steady = pd.DataFrame(
            {
                "initial": np.bincount(q[:, 0], minlength=4) / n,
                "final": np.bincount(q[:, -1], minlength=4) / n,
                "steady_state": stats["steady"],
                "sojourn": stats["sojourn"],
            },
            index=pd.Index(labels, name="quadrant"),
        )

        # transition types per interval
        kinds = transition_type(q[:, :-1], q[:, 1:])
        per = np.stack([np.bincount(kinds[:, t], minlength=5) for t in range(T - 1)])
        names = [f"{periods[t]}-{periods[t + 1]}" for t in range(T - 1)]
        types = pd.DataFrame(
            np.vstack([per, per.sum(axis=0)]), columns=list(TYPES), index=pd.Index([*names, "all"], name="interval")
        )
        total = types.sum(axis=1)
        for column in TYPES:
            types[f"share_{column}"] = types[column] / total
        types["cohesion"] = types["share_0"]
        q_labels = np.asarray(QUADRANTS, dtype=object)
        moves = pd.DataFrame(
            {
                "to_period": np.tile(periods[1:], n),
                "from": q_labels[q[:, :-1].ravel()],
                "to": q_labels[q[:, 1:].ravel()],
                "type": np.asarray(TYPES, dtype=object)[kinds.ravel()],
                "significant_from": sig[:, :-1].ravel(),
                "significant_to": sig[:, 1:].ravel(),
            },
            index=pd.MultiIndex.from_product([wide.index, periods[:-1]], names=[REGION, PERIOD]),
        )

        # time paths
        x, y = self._coordinates(wide, table, sw)
        paths, points = _time_paths(x, y, wide)
        flat = paths["tortuosity"].isna()
        if flat.any():
            notes.append(f"{int(flat.sum())} region(s) end where they started; their tortuosity is undefined (NaN)")

        # directional rose
        start, end = self.rose_periods if self.rose_periods is not None else (periods[0], periods[-1])
        for p in (start, end):
            if p not in set(periods):
                raise ValueError(
                    f"{who}: rose_periods: period {p!r} is not in the series; periods: {_preview(periods)}"
                )
        i0, i1 = periods.index(start), periods.index(end)
        base = x if self.scale != "z" else table["z"].to_numpy(dtype=float).reshape(n, T)
        pair = np.column_stack([base[:, i0], base[:, i1]])
        rng = np.random.default_rng(ss.spawn(1)[0])
        rose = directional_rose(pair, sw.sparse, self.sectors, self.rose_permutations, self.alternative, rng)

        tests = pd.DataFrame(
            [
                {
                    "test": "independence of own and neighbourhood moves",
                    "statistic": chi[0],
                    "dof": float(chi[2]),
                    "p_value": chi[1],
                }
            ]
        ).set_index("test")
        lisa_settings = getattr(lisa, "settings", {})
        settings = {
            "variable": str(getattr(series, "name", None) or "series"),
            **self.get_params(),
            "seed": self.seed if self.seed is not None else ss.entropy,
            "rose_periods": f"{start}-{end}",
            "lisa_seed": lisa_settings.get("seed", "given"),
            "weights": sw.name or "given",
            "regions": n,
            "periods": f"{periods[0]}-{periods[-1]}",
        }
        tables = {
            "table": prob,
            "counts": cnt,
            "steady_state": steady,
            "tests": tests,
            "types": types,
            "moves": moves,
            "paths": paths,
            "path_points": points,
            "rose": rose,
        }
        return SpaceTimeLISAResult(tables, settings, notes, read_only(q.copy()))

    def _coordinates(self, wide: pd.DataFrame, table: pd.DataFrame, sw: Any) -> tuple[np.ndarray, np.ndarray]:
        n, T = wide.shape
        if self.scale == "z":
            return (table["z"].to_numpy(dtype=float).reshape(n, T), table["lag"].to_numpy(dtype=float).reshape(n, T))
        values = wide.to_numpy(dtype=float)
        if self.scale == "relative":
            values = values / values.mean(axis=0)
        return values, np.asarray(sw.sparse @ values)


def _independence_test(q: np.ndarray, counts: np.ndarray) -> tuple[float, float, int]:
    """Rey's chi-square of the LISA moves against independent moves of the region and its lag."""
    from giddy.markov import chi2

    own = _OWN_HIGH[q]
    lag = _LAG_HIGH[q]
    # state 0 = above the mean, 1 = below (the order of giddy's chains of the boolean "below the mean")
    p_own = _two_state(1 - own)
    p_lag = _two_state(1 - lag)
    a = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0]])
    kp = a @ np.kron(p_own, p_lag) @ a.T
    expected = np.diag(counts.sum(axis=1)) @ kp
    stat, p, dof = chi2(counts, expected)
    return float(stat), float(p), int(dof)


def _two_state(low: np.ndarray) -> np.ndarray:
    c = count_transitions(low[:, :-1], low[:, 1:], 2)[0]
    return c / c.sum(axis=1, keepdims=True)


def _time_paths(x: np.ndarray, y: np.ndarray, wide: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    steps = np.hypot(np.diff(x, axis=1), np.diff(y, axis=1))
    length = steps.sum(axis=1)
    dx, dy = x[:, -1] - x[:, 0], y[:, -1] - y[:, 0]
    straight = np.hypot(dx, dy)
    with np.errstate(divide="ignore", invalid="ignore"):
        tortuosity = np.where(straight > 0, length / straight, np.nan)
    direction = np.mod(np.degrees(np.arctan2(dy, dx)), 360.0)
    movement = np.asarray(_MOVEMENT, dtype=object)[np.minimum((direction // 90).astype(int), 3)]
    paths = pd.DataFrame(
        {
            "length": length,
            "relative_length": len(length) * length / length.sum(),
            "tortuosity": tortuosity,
            "displacement": straight,
            "direction": direction,
            "movement": movement,
        },
        index=wide.index,
    )
    points = pd.DataFrame(
        {"x": x.ravel(), "y": y.ravel()},
        index=pd.MultiIndex.from_product([wide.index, wide.columns], names=[REGION, PERIOD]),
    )
    return paths, points


class SpaceTimeLISAResult(DynamicsResult):
    """LISA space-time dynamics.

    Tables: ``table`` (LISA Markov probabilities, quadrant at t → t + 1, with ``n``), ``counts``,
    ``steady_state`` (initial, final and steady-state shares of the quadrants, sojourn times),
    ``tests`` (Rey's chi-square of independent own and neighbourhood moves), ``types`` (counts and
    shares of the types 0, I, II, IIIA, IIIB per interval and over all, and the cohesion),
    ``moves`` (every region's move per interval: quadrants, type, significance of both ends),
    ``paths`` (per region: length, relative_length, tortuosity, displacement, direction,
    movement), ``path_points`` (the path coordinates), ``rose`` (sector counts, expected counts and
    p-values). ``quadrants`` is the (regions × periods) array of quadrant codes (0–3, as
    :data:`QUADRANTS`).
    """

    _table_names = ("table", "counts", "steady_state", "tests", "types", "moves", "paths", "path_points", "rose")
    _summary_tables = ("steady_state", "tests", "rose")
    #: quadrant codes (regions × periods, 0-3 as QUADRANTS), read-only
    quadrants: np.ndarray

    def __init__(
        self, tables: dict[str, pd.DataFrame], settings: dict[str, Any], notes: list[str], quadrants: np.ndarray
    ) -> None:
        object.__setattr__(self, "quadrants", quadrants)
        super().__init__(tables, settings, notes)

    @property
    def counts(self) -> pd.DataFrame:
        return self._get("counts")

    @property
    def steady_state(self) -> pd.DataFrame:
        return self._get("steady_state")

    @property
    def tests(self) -> pd.DataFrame:
        return self._get("tests")

    @property
    def types(self) -> pd.DataFrame:
        return self._get("types")

    @property
    def moves(self) -> pd.DataFrame:
        return self._get("moves")

    @property
    def paths(self) -> pd.DataFrame:
        return self._get("paths")

    @property
    def path_points(self) -> pd.DataFrame:
        return self._get("path_points")

    @property
    def rose(self) -> pd.DataFrame:
        return self._get("rose")

    def plot(
        self, kind: str = "paths", regions: Any = None, ax: Any = None, language: str = "en", **kwargs: Any
    ) -> Any:
        """``kind="paths"``: LISA time paths (``regions``, default the 12 longest); ``"rose"``: the
        directional rose; ``"matrix"``: the LISA Markov probabilities; ``"types"``: the shares of the
        transition types per interval."""
        from ..plotting import dynamics as dplot

        var = self.settings["variable"]
        if kind == "paths":
            points = self._store["path_points"].reset_index()
            points["length"] = points["region"].map(self._store["paths"]["length"])
            return dplot.lisa_paths(
                points,
                regions=regions,
                ax=ax,
                title=f"LISA time paths of {var}",
                caption=f"coordinates: {self.settings['scale']}",
                language=language,
                **kwargs,
            )
        if kind == "rose":
            return dplot.rose_diagram(
                self._store["rose"],
                title=f"Directional rose of {var}",
                caption=f"{self.settings['rose_periods']}; {self.settings['rose_permutations']} "
                f"permutations, {self.settings['alternative']}",
                language=language,
                **kwargs,
            )
        if kind == "matrix":
            return dplot.transition_heatmap(
                self._store["table"].drop(columns="n"),
                ax=ax,
                title=f"LISA Markov chain of {var}",
                language=language,
                **kwargs,
            )
        if kind == "types":
            shares = self._store["types"].drop(index="all")[[f"share_{t}" for t in TYPES]]
            shares.columns = list(TYPES)
            return dplot.transition_types(
                shares, ax=ax, title=f"Space-time transition types of {var}", language=language, **kwargs
            )
        raise ValueError(f"kind must be 'paths', 'rose', 'matrix' or 'types', got {kind!r}")

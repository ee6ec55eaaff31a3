"""Robustness grid: how much the key conclusions move under other reasonable choices.

The grid reruns the chain panel → weights → scores → coupling → spatial evidence for every
combination of

* an indicator weighting (``weightings``: e.g. entropy, CRITIC, CV, equal, combined),
* contribution coefficients of the coordination index (``contributions``: e.g. 0.5/0.5,
  0.4/0.6, 0.6/0.4),
* a coupling model (``models``: ``"classic"`` and/or ``"revised"``),
* spatial weights (given to :meth:`RobustnessGrid.fit`: queen, k-nearest, inverse distance,
  economic …),

through the public API only (``sc.CouplingCoordination``, ``sc.GlobalMoran``, ``sc.DagumGini``,
``sc.BetaConvergence``), and compares every cell with the baseline, the first choice of each
axis:

* D ranks: Spearman's and Kendall's rank correlation of each period's D across regions with the
  baseline's, averaged over the periods (and the smallest over the periods);
* global Moran's I of D per period: its sign and whether it is significant (``p <= alpha``; the
  permutation p ``p_sim`` when ``permutations > 0``, else the randomisation p ``p_rand``); a cell
  agrees when both match the baseline's in every period;
* β convergence of D (``beta`` settings of :class:`~spatialcoupling.BetaConvergence`; a spatial
  model uses each cell's weights, a non-spatial one is fitted once per D): the sign and the
  significance of β;
* Dagum Gini shares (with ``groups``): the mean over the periods of the within, net between and
  transvariation shares, and which of the three is largest.

Cells run in parallel through :func:`spatialcoupling._parallel.parallel_map` (joblib), one task
per (weighting, contributions, model) with all its spatial weights; every cell's seed is a child
of ``numpy.random.SeedSequence(seed)`` spawned in grid order, so the numbers do not depend on
``n_jobs``. A cell that fails (e.g. a spatial model that does not converge) keeps NaN with its
reason in the ``reason`` column and the notes.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from itertools import product
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .._params import InstanceOf, Interval, Model, NJobs, Options, Seed
from .._series import PERIOD
from ._base import DriverResult, seed_sequence

__all__ = ["DEFAULT_BETA", "RobustnessGrid", "RobustnessResult", "default_weightings"]

_SPATIAL = {"sar", "sem", "sdm", "sdem", "sac", "slx"}
_SHARES = ("Gw_share", "Gnb_share", "Gt_share")
#: the default β settings: absolute β of a two-way SAR panel, no impacts and no model-choice tests, the
#: log-determinant interpolated between exact sparse-LU values (relative error below 1e-12), whose pieces
#: every cell with the same spatial weights reuses
DEFAULT_BETA: Mapping[str, Any] = MappingProxyType(
    {"kind": "absolute", "model": "sar", "effects": "twoway", "draws": 0, "tests": False, "logdet": "interpolated"}
)


def default_weightings() -> dict[str, Any]:
    """Entropy, CRITIC, CV, equal and combined (entropy × CRITIC) weightings, default settings."""
    import spatialcoupling as sc

    return {
        "entropy": sc.EntropyWeights(),
        "critic": sc.CriticWeights(),
        "cv": sc.CVWeights(),
        "equal": sc.EqualWeights(),
        "combined": sc.CombinedWeights([sc.EntropyWeights(), sc.CriticWeights()]),
    }


class RobustnessGrid(Model):
    """Rerun D ranks, Moran's I, Dagum shares and β over a grid of alternative choices.

    Settings go to the constructor, data (panel, indicator system, spatial weights, groups) to
    :meth:`fit`: ``RobustnessGrid(contributions=[(0.5, 0.5), (0.4, 0.6)]).fit(panel, system, weights)``.

    Parameters
    ----------
    weightings : mapping name -> weighting object, optional
        E.g. ``{"entropy": sc.EntropyWeights(), "critic": sc.CriticWeights()}``; default
        :func:`default_weightings`. The first is the baseline.
    contributions : sequence
        Contribution coefficients: each a mapping subsystem -> θ, a sequence of θ in the order of
        the system's subsystems, or None (equal). The first is the baseline.
    models : sequence of {"classic", "revised"}
        Coupling models; the first is the baseline.
    permutations : int
        Permutations of global Moran's I (0: the randomisation p).
    alpha : float
        Significance level for I and β.
    beta : mapping or None
        Settings of :class:`~spatialcoupling.BetaConvergence` (``kind``, ``model``, ``effects``,
        ``interval``, ``logdet`` …); None skips β. Default (:data:`DEFAULT_BETA`): absolute β of a two-way
        SAR panel without impacts or model-choice tests (``draws=0, tests=False``), with the interpolated
        log-determinant (``logdet="interpolated"``; a W that is not row-standardised falls back to
        ``"auto"``, noted).
    seed : None, int >= 0 or numpy.random.SeedSequence
    n_jobs : None or int
        Parallel tasks (joblib; -1 every core).
    progress : bool or None
        Progress bar (default: only in a terminal).
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "weightings": [None, InstanceOf(Mapping, "a mapping name -> weighting object", check=lambda v: len(v) > 0)],
        "contributions": [InstanceOf((list, tuple), "a list of contribution settings", check=lambda v: len(v) > 0)],
        "models": [
            InstanceOf(
                (list, tuple),
                "a list of 'classic'/'revised'",
                check=lambda v: len(v) > 0 and all(m in ("classic", "revised") for m in v),
            )
        ],
        "permutations": [Interval(int, 0, None)],
        "alpha": [Interval(float, 0, 1, closed="neither")],
        "beta": [None, InstanceOf(Mapping, "a mapping of BetaConvergence settings")],
        "seed": [Seed()],
        "n_jobs": [NJobs()],
        "progress": [None, Options(True, False)],
    }

    def __init__(
        self,
        weightings: Mapping[str, Any] | None = None,
        contributions: Sequence[Any] = (None,),
        models: Sequence[str] = ("classic",),
        permutations: int = 99,
        alpha: float = 0.05,
        beta: Mapping[str, Any] | None = DEFAULT_BETA,
        seed: Any = None,
        n_jobs: int | None = 1,
        progress: bool | None = None,
    ) -> None:
        self.weightings = weightings
        self.contributions = contributions
        self.models = models
        self.permutations = permutations
        self.alpha = alpha
        self.beta = beta
        self.seed = seed
        self.n_jobs = n_jobs
        self.progress = progress
        self._validate_params()

    def fit(
        self,
        panel: Any,
        system: Any,
        weights: Mapping[str, Any],
        groups: Any = None,
        controls: pd.DataFrame | None = None,
    ) -> RobustnessResult:
        """Run every cell of the grid and compare it with the baseline.

        Parameters
        ----------
        panel : Panel or DataFrame
            The indicator panel.
        system : IndicatorSystem
        weights : mapping name -> spatial weights or a function returning them
            E.g. ``{"queen": w, "knn5": lambda: sc.spatial_weights(regions, kind="knn", k=5)}``; the
            first is the baseline. Functions are called once, here.
        groups : mapping or Series region -> group, optional
            Groups of the Dagum decomposition (skipped without).
        controls : DataFrame, optional
            Controls of a conditional β (``beta={"kind": "conditional", ...}``).
        """
        self._validate_params()
        if not isinstance(weights, Mapping) or not weights:
            raise TypeError(
                "RobustnessGrid.fit: weights must be a non-empty mapping name -> spatial weights "
                "(or a function that builds them)"
            )
        built = {str(k): (v() if callable(v) and not hasattr(v, "sparse") else v) for k, v in weights.items()}
        weightings = dict(self.weightings) if self.weightings is not None else default_weightings()
        subsystems = list(dict.fromkeys(system.table["subsystem"]))
        contributions = [self._contribution(c, subsystems) for c in self.contributions]
        labels = [self._contribution_label(c, subsystems) for c in contributions]
        from .._parallel import parallel_map

        scores = parallel_map(
            _fit_scores,
            [(weightings[name], panel, system) for name in weightings],
            n_jobs=self.n_jobs,
            desc="weightings",
            progress=self.progress,
        )
        notes: list[str] = []
        for name, s in zip(weightings, scores, strict=True):
            notes += [f"[{name}] {n}" for n in s.notes]
        cells = list(product(range(len(weightings)), range(len(contributions)), range(len(self.models))))
        ss, entropy = seed_sequence(self.seed)
        seeds = ss.spawn(len(cells) * len(built))
        tasks = []
        for c, (i, j, m) in enumerate(cells):
            cell_seeds = [int(s.generate_state(1)[0]) for s in seeds[c * len(built) : (c + 1) * len(built)]]
            tasks.append(
                {
                    "scores": scores[i],
                    "contributions": contributions[j],
                    "model": self.models[m],
                    "weights": built,
                    "seeds": cell_seeds,
                    "groups": groups,
                    "controls": controls,
                    "permutations": self.permutations,
                    "beta": dict(self.beta) if self.beta else None,
                    "alpha": self.alpha,
                }
            )
        results = parallel_map(_run_cell, tasks, n_jobs=self.n_jobs, desc="grid", progress=self.progress)
        rows = []
        D = {}
        for (i, j, m), res in zip(cells, results, strict=True):
            key = (list(weightings)[i], labels[j], self.models[m])
            D[key] = res["D"]
            notes += [f"[{', '.join(key)}] {n}" for n in res["notes"]]
            for wname, record in res["records"].items():
                rows.append({"weighting": key[0], "contributions": key[1], "model": key[2], "weights": wname, **record})
        base_key = next(iter(D))
        cells_table = self._compare(
            pd.DataFrame(rows).set_index(["weighting", "contributions", "model", "weights"]), D, base_key
        )
        summary = self._conclusions(cells_table, groups is not None)
        if groups is None:
            notes.append("no groups given: the Dagum decomposition was not run")
        if self.beta is None:
            notes.append("beta=None: β convergence was not run")
        settings = {
            "weightings": list(weightings),
            "contributions": labels,
            "models": list(self.models),
            "weights": list(built),
            "permutations": self.permutations,
            "alpha": self.alpha,
            "beta": dict(self.beta) if self.beta else "none",
            "seed": self.seed if entropy is None else entropy,
            "n_jobs": self.n_jobs,
            "baseline": " / ".join([*base_key, next(iter(built))]),
        }
        return RobustnessResult({"table": summary, "cells": cells_table}, settings, notes)

    # -- settings -------------------------------------------------------------------------
    @staticmethod
    def _contribution(c: Any, subsystems: list[str]) -> dict[str, float] | None:
        if c is None:
            return None
        if isinstance(c, Mapping):
            return {str(k): float(v) for k, v in c.items()}
        values = list(c)
        if len(values) != len(subsystems):
            raise ValueError(
                f"RobustnessGrid: contributions {c!r} give {len(values)} value(s) for the "
                f"{len(subsystems)} subsystems {subsystems}; give one per subsystem or a mapping"
            )
        return dict(zip(subsystems, map(float, values), strict=True))

    @staticmethod
    def _contribution_label(c: dict[str, float] | None, subsystems: list[str]) -> str:
        if c is None:
            return "equal"
        return "/".join(f"{c.get(s, np.nan):g}" for s in subsystems)

    # -- comparison -----------------------------------------------------------------------
    def _compare(self, cells: pd.DataFrame, D: dict[tuple, pd.DataFrame], base_key: tuple) -> pd.DataFrame:
        base_D = D[base_key]
        out = cells.copy()
        spear, kend, spear_min = {}, {}, {}
        for key, frame in D.items():
            wide = frame.loc[base_D.index, base_D.columns]
            r_a = stats.rankdata(wide.to_numpy(), axis=0)
            r_b = stats.rankdata(base_D.to_numpy(), axis=0)
            ra, rb = r_a - r_a.mean(axis=0), r_b - r_b.mean(axis=0)
            rho = (ra * rb).sum(axis=0) / np.sqrt((ra**2).sum(axis=0) * (rb**2).sum(axis=0))
            tau = np.array(
                [stats.kendalltau(wide.iloc[:, t], base_D.iloc[:, t]).statistic for t in range(base_D.shape[1])]
            )
            spear[key], kend[key], spear_min[key] = rho.mean(), tau.mean(), rho.min()
        keys = list(
            zip(
                out.index.get_level_values(0), out.index.get_level_values(1), out.index.get_level_values(2), strict=True
            )
        )
        out.insert(0, "spearman", [spear[k] for k in keys])
        out.insert(1, "spearman_min", [spear_min[k] for k in keys])
        out.insert(2, "kendall", [kend[k] for k in keys])
        base = out.iloc[0]
        out["I_agrees"] = [row["I_pattern"] == base["I_pattern"] for _, row in out.iterrows()]
        if "beta" in out:
            out["beta_agrees"] = [
                (np.sign(row["beta"]) == np.sign(base["beta"]))
                and (row["beta_p"] <= self.alpha) == (base["beta_p"] <= self.alpha)
                for _, row in out.iterrows()
            ]
        if "largest_share" in out:
            out["dagum_agrees"] = out["largest_share"] == base["largest_share"]
        agree_cols = [c for c in ("I_agrees", "beta_agrees", "dagum_agrees") if c in out]
        out["kept"] = out[agree_cols].all(axis=1)
        return out

    def _conclusions(self, cells: pd.DataFrame, dagum: bool) -> pd.DataFrame:
        base = cells.iloc[0]
        rows = []

        def numeric(name: str, column: str, statement: str) -> None:
            v = cells[column].astype(float)
            rows.append(
                {
                    "conclusion": name,
                    "statement": statement,
                    "baseline": float(base[column]),
                    "min": v.min(),
                    "median": v.median(),
                    "max": v.max(),
                    "agree": np.nan,
                    "cells": len(v),
                }
            )

        numeric("D ranks: Spearman with the baseline", "spearman", "mean over periods of the rank correlation")
        numeric("D ranks: Kendall with the baseline", "kendall", "mean over periods of Kendall's tau")
        positive = cells["I_positive"].astype(float)
        rows.append(
            {
                "conclusion": "Moran's I: sign and significance",
                "statement": str(base["I_pattern_text"]),
                "baseline": float(base["I_positive"]),
                "min": positive.min(),
                "median": positive.median(),
                "max": positive.max(),
                "agree": float(cells["I_agrees"].mean()),
                "cells": len(cells),
            }
        )
        numeric("Moran's I: mean over periods", "I_mean", "mean of I over the periods")
        if "beta" in cells:
            b = cells["beta"].astype(float)
            word = "negative" if base["beta"] < 0 else "not negative"
            sig = "significant" if base["beta_p"] <= self.alpha else "not significant"
            rows.append(
                {
                    "conclusion": "β convergence: sign and significance",
                    "statement": f"β {word}, {sig}",
                    "baseline": float(base["beta"]),
                    "min": b.min(),
                    "median": b.median(),
                    "max": b.max(),
                    "agree": float(cells["beta_agrees"].mean()),
                    "cells": int(b.notna().sum()),
                }
            )
        if dagum:
            for share in _SHARES:
                numeric(f"Dagum: {share}", share, "mean over periods")
            rows.append(
                {
                    "conclusion": "Dagum: largest source",
                    "statement": str(base["largest_share"]),
                    "baseline": np.nan,
                    "min": np.nan,
                    "median": np.nan,
                    "max": np.nan,
                    "agree": float(cells["dagum_agrees"].mean()),
                    "cells": len(cells),
                }
            )
        return pd.DataFrame(rows).set_index("conclusion")


def _fit_scores(item: tuple[Any, Any, Any]) -> Any:
    weighting, panel, system = item
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return weighting.fit(panel, system)


def _run_cell(task: dict[str, Any]) -> dict[str, Any]:
    """One (weighting, contributions, model) cell with every spatial weights: D, its Dagum shares,
    and Moran's I and β per spatial weights."""
    import spatialcoupling as sc

    notes: list[str] = []
    ccd = sc.CouplingCoordination(contributions=task["contributions"], model=task["model"]).fit(task["scores"])
    D = ccd.D
    wide = D.unstack(PERIOD)
    notes += ccd.notes
    dagum: dict[str, Any] = {}
    if task["groups"] is not None:
        table = sc.DagumGini().fit(D, task["groups"]).table
        means = {share: float(table[share].mean()) for share in _SHARES}
        dagum = {**means, "largest_share": max(means, key=lambda k: means[k])}
    beta_once: dict[str, Any] | None = None
    records = {}
    for (name, w), seed in zip(task["weights"].items(), task["seeds"], strict=True):
        record: dict[str, Any] = {}
        reasons = []
        try:
            moran = sc.GlobalMoran(permutations=task["permutations"], seed=seed).fit(D, w).table
            p = moran["p_sim"] if task["permutations"] else moran["p_rand"]
            sig = p <= task["alpha"]
            pattern = "".join(np.select([sig & (moran["I"] > 0), sig & (moran["I"] < 0)], ["+", "-"], "0"))
            record.update(
                {
                    "I_mean": float(moran["I"].mean()),
                    "I_positive": float((moran["I"] > 0).mean()),
                    "I_significant": float(sig.mean()),
                    "I_pattern": pattern,
                    "I_pattern_text": _pattern_text(moran["I"], sig),
                }
            )
        except (ValueError, TypeError, RuntimeError) as err:
            reasons.append(f"Moran's I: {err}")
            record.update(
                {
                    "I_mean": np.nan,
                    "I_positive": np.nan,
                    "I_significant": np.nan,
                    "I_pattern": "",
                    "I_pattern_text": "failed",
                }
            )
        if task["beta"] is not None:
            spatial = task["beta"].get("model", "ols") in _SPATIAL
            if spatial or beta_once is None:
                beta = _beta(task, D, w if spatial else None, seed)
                if not spatial:
                    beta_once = beta
            else:
                beta = beta_once
            if beta.get("reason"):
                reasons.append(f"β: {beta['reason']}")
            if beta.get("note") and spatial:
                notes.append(f"weights {name!r}: {beta['note']}")
            record.update({k: v for k, v in beta.items() if k not in ("reason", "note")})
        record.update(dagum)
        record["reason"] = "; ".join(reasons)
        if reasons:
            notes.append(f"weights {name!r}: " + "; ".join(reasons))
        records[name] = record
    return {"D": wide, "records": records, "notes": notes}


def _beta(task: dict[str, Any], D: pd.Series, w: Any, seed: int) -> dict[str, Any]:
    import spatialcoupling as sc

    settings = dict(task["beta"])
    settings.setdefault("seed", seed % (2**31))
    note = ""
    if settings.get("logdet") == "interpolated" and w is not None and not _rows_sum_to_one(w):
        settings["logdet"] = "auto"
        note = "the weights are not row-standardised: β with logdet='auto' instead of 'interpolated'"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            res = sc.BetaConvergence(**settings).fit(D, w=w, controls=task["controls"])
    except (ValueError, TypeError, RuntimeError, np.linalg.LinAlgError) as err:
        return {"beta": np.nan, "beta_p": np.nan, "reason": str(err), "note": note}
    return {"beta": float(res.beta), "beta_p": float(res.p_value), "note": note}


def _rows_sum_to_one(w: Any) -> bool:
    from .._weights import as_weights

    sums = np.asarray(as_weights(w).sparse.sum(axis=1)).ravel()
    return bool(np.allclose(sums, 1.0))


def _pattern_text(stat: pd.Series, sig: pd.Series) -> str:
    pos = int(((stat > 0) & sig).sum())
    neg = int(((stat < 0) & sig).sum())
    return f"I > 0 and significant in {pos}/{len(stat)} period(s), < 0 and significant in {neg}"


class RobustnessResult(DriverResult):
    """How much each conclusion moves across the robustness grid.

    Attributes
    ----------
    table : DataFrame
        One row per conclusion: statement (the baseline's conclusion), baseline, min, median and max
        over the cells, agree (share of cells reaching the baseline's conclusion) and cells.
    cells : DataFrame
        One row per (weighting, contributions, model, weights) cell: spearman, spearman_min,
        kendall (D ranks against the baseline), I_mean, I_positive, I_significant (shares of the
        periods), I_pattern (one character per period: ``+`` I > 0 and significant, ``-`` I < 0 and
        significant, ``0`` not significant), beta, beta_p, the Dagum shares and largest_share, whether each
        conclusion agrees
        with the baseline, kept (all agree) and reason (why a part failed, empty otherwise).
    """

    _table_names = ("table", "cells")
    _title = "Robustness grid"

    @property
    def cells(self) -> pd.DataFrame:
        return self._get("cells")

    def plot(self, ax: Any = None, title: str | None = None, language: str = "en"):
        """Each cell's Spearman correlation of D with the baseline, coloured by whether the cell keeps
        the baseline's conclusions."""
        from ..plotting import drivers as figures

        cells = self._tables["cells"].copy()
        cells.index = [" / ".join(map(str, i)) for i in cells.index]
        return figures.robustness_chart(
            cells, ax=ax, language=language, title=title or "Robustness of D ranks and conclusions"
        )

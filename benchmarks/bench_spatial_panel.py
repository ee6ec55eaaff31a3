"""Benchmark: SpatialPanel SAR (individual effects) against spreg's Panel_FE_Lag (ML_LagFE).

Rook lattice W (libpysal.weights.lat2W), T = 16; quick mode N = 900 (30×30),
full mode N = 2,500 (50×50).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd


def _data(side: int, t: int = 16, seed: int = 0):
    import libpysal
    import scipy.sparse as sp

    w = libpysal.weights.lat2W(side, side, rook=True)
    w.transform = "r"
    n = w.n
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, t, 2))
    mu = rng.normal(size=(n, 1))
    W = sp.csr_matrix(w.sparse)
    A = sp.identity(n) - 0.4 * W
    y = np.empty((n, t))
    lu = sp.linalg.splu(sp.csc_matrix(A))
    for j in range(t):
        y[:, j] = lu.solve(x[:, j] @ np.array([1.0, -0.5]) + mu[:, 0] + rng.normal(size=n))
    idx = pd.MultiIndex.from_product([list(w.id_order), range(t)], names=["region", "period"])
    return w, pd.Series(y.ravel(), index=idx), pd.DataFrame(x.reshape(n * t, 2), index=idx, columns=["x1", "x2"])


def run(quick: bool = True) -> list[dict]:
    import spreg

    from spatialcoupling.spatial_panel import SpatialPanel

    side = 30 if quick else 50
    w, y, X = _data(side)
    n, t = w.n, 16
    t0 = time.perf_counter()
    SpatialPanel("sar", "individual", lee_yu=False).fit(y, X, w)
    ours = time.perf_counter() - t0
    yy = y.to_numpy().reshape(n, t).T.reshape(-1, 1)
    xx = X.to_numpy().reshape(n, t, 2).transpose(1, 0, 2).reshape(-1, 2)
    t0 = time.perf_counter()
    spreg.Panel_FE_Lag(yy, xx, w)
    peer = time.perf_counter() - t0
    return [{"task": "SAR individual FE", "size": f"N={n} T={t}", "ours_s": ours, "peer": "spreg Panel_FE_Lag",
             "peer_s": peer, "ratio": peer / ours}]


if __name__ == "__main__":
    print(pd.DataFrame(run(quick="--full" not in sys.argv)).to_string(index=False))

"""The global statistics' permutation kernel: the row gather and the quadratic form on the upper
triangle, against plain numpy on the same permutations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from spatialcoupling.autocorrelation._permutation import _gathered, _QuadraticForm


def _permuted_forms_by_hand(W: np.ndarray, values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """v'Wv of every period's values permuted by every row of ``rows``, one at a time."""
    out = np.empty((len(rows), values.shape[1]))
    for b, perm in enumerate(rows):
        for t in range(values.shape[1]):
            v = values[perm, t]
            out[b, t] = v @ W @ v
    return out


def test_gather_and_quadratic_form_match_a_direct_computation():
    """An asymmetric W with self-weights (k-nearest-like, unequal weights, a non-zero diagonal) and a
    column-major panel, as a frame's ``to_numpy`` gives."""
    rng = np.random.default_rng(4)
    n, periods, batch = 40, 3, 5
    dense = np.where(rng.random((n, n)) < 0.15, rng.random((n, n)), 0.0)
    np.fill_diagonal(dense, np.where(rng.random(n) < 0.3, 0.5, 0.0))
    values = np.asfortranarray(rng.normal(size=(n, periods)))
    rows = np.stack([rng.permutation(n) for _ in range(batch)])
    block = _gathered(values, rows)
    assert block.shape == (n, batch * periods)
    for b in range(batch):
        for t in range(periods):
            np.testing.assert_array_equal(block[:, b * periods + t], values[rows[b], t])
    got = _QuadraticForm(sp.csr_matrix(dense))(block, batch)
    np.testing.assert_allclose(got, _permuted_forms_by_hand(dense, values, rows), rtol=1e-12, atol=1e-12)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # z_sim divides by the sd of equal values
def test_global_moran_and_g_permutations_reproduce_the_statistic_under_the_identity(monkeypatch):
    """With the permutations replaced by the identity, every simulated I and G equals the observed
    one up to rounding, so the folded p counts them all as ties (p = 1)."""
    import libpysal

    import spatialcoupling as sc
    from spatialcoupling.autocorrelation import global_stats

    lattice = libpysal.weights.lat2W(7, 7, rook=False)
    ids = [f"r{i}" for i in lattice.id_order]
    w = libpysal.weights.W({f"r{k}": [f"r{j}" for j in v] for k, v in lattice.neighbors.items()}, id_order=ids)
    rng = np.random.default_rng(0)
    idx = pd.MultiIndex.from_product([ids, [2000, 2001]], names=["region", "period"])
    y = pd.Series(rng.lognormal(size=len(idx)), index=idx)

    def identity(permutations, seed, n, cells, stat):
        return stat(np.tile(np.arange(n), (permutations, 1))), 0

    monkeypatch.setattr(global_stats, "_simulate", identity)
    moran = sc.GlobalMoran(permutations=9, seed=1).fit(y, w)
    g = sc.GetisOrdG(permutations=9, seed=1).fit(y, w)
    np.testing.assert_allclose(moran.table["EI_sim"], moran.table["I"], rtol=1e-12)
    np.testing.assert_allclose(g.table["EG_sim"], g.table["G"], rtol=1e-12)
    assert (moran.table["p_sim"] == 1.0).all()
    assert (g.table["p_sim"] == 1.0).all()

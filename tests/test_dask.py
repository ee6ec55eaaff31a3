"""Per-period and per-permutation work goes through joblib, so a Dask cluster runs it unchanged.

A user scales out with::

    from dask.distributed import Client
    import joblib
    client = Client(...)                       # an existing cluster
    with joblib.parallel_config(backend="dask"):
        sc.LocalMoran(seed=1, n_jobs=-1).fit(D, w)

The numbers are identical to a local run with the same seed.
"""

import numpy as np
import pandas as pd
import pytest
from libpysal.weights import lat2W

import spatialcoupling as sc

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def panel_series(n_side=6, periods=4, seed=0):
    w = lat2W(n_side, n_side)
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product([w.id_order, range(periods)], names=["region", "period"])
    return w, pd.Series(rng.lognormal(size=len(idx)), index=idx)


def test_lisa_on_dask_equals_local(client):
    w, y = panel_series()
    local = sc.LocalMoran(permutations=199, seed=7).fit(y, w).table
    with distributed.get_task_stream(client) as stream, joblib.parallel_config(backend="dask"):
        remote = sc.LocalMoran(permutations=199, seed=7, n_jobs=-1).fit(y, w).table
    assert len(stream.data) > 0, "no task ran on the cluster"
    pd.testing.assert_frame_equal(local, remote)


def test_dagum_bootstrap_on_dask_equals_local(client):
    _, y = panel_series()
    regions = y.index.get_level_values("region").unique()
    groups = pd.Series([f"g{int(r) % 3}" for r in regions], index=regions)
    local = sc.DagumGini(bootstrap=50, seed=3).fit(y, groups)
    with distributed.get_task_stream(client) as stream, joblib.parallel_config(backend="dask"):
        remote = sc.DagumGini(bootstrap=50, seed=3, n_jobs=-1).fit(y, groups)
    assert len(stream.data) > 0, "no task ran on the cluster"
    pd.testing.assert_frame_equal(local.table, remote.table)

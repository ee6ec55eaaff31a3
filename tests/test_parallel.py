"""parallel_map: serial without joblib unless a backend is configured; a configured backend is used."""

from __future__ import annotations

import subprocess
import sys


def test_serial_work_does_not_import_joblib():
    """n_jobs=1 without a configured backend runs in the caller and leaves joblib unimported (checked in a
    fresh interpreter, where nothing imported joblib before)."""
    script = (
        "import sys\n"
        "from spatialcoupling._parallel import parallel_map\n"
        "print(parallel_map(lambda x: x * x, [1, 2, 3], n_jobs=1, report=False), 'joblib' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split("]")[0] + "]" == "[1, 4, 9" + "]"
    assert done.stdout.strip().endswith("False")


def test_a_configured_backend_is_still_seen():
    """With joblib imported, a backend the user registers and configures (Dask's, say) is detected, so
    that parallel_map hands the work to it even with n_jobs=1; joblib's own backends are not."""
    from joblib import parallel_config, register_parallel_backend
    from joblib._parallel_backends import ThreadingBackend

    from spatialcoupling._parallel import _user_configured_backend

    class ClusterBackend(ThreadingBackend):
        pass

    register_parallel_backend("cluster", ClusterBackend)
    assert not _user_configured_backend()
    with parallel_config(backend="threading"):
        assert not _user_configured_backend()
    with parallel_config(backend="cluster"):
        assert _user_configured_backend()

"""Per-period work in parallel through joblib, and progress bars that stay quiet off a terminal.

Going through joblib lets a user hand the work to a Dask cluster with
``joblib.parallel_config(backend="dask")`` without any change here. Without such a setting the
workers are threads (``prefer="threads"``), and ``n_jobs=1`` (every default of the package) runs
in the calling thread without joblib.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def progress_enabled(progress: bool | None = None) -> bool:
    """Whether to show a progress bar: off when asked, when not in a terminal, or when
    ``SPATIALCOUPLING_PROGRESS=0``."""
    if progress is not None:
        return bool(progress)
    if os.environ.get("SPATIALCOUPLING_PROGRESS", "") == "0":
        return False
    return sys.stderr.isatty()


def progress_bar(
    iterable: Iterable[T], *, desc: str = "", total: int | None = None, progress: bool | None = None
) -> Iterable[T]:
    """Wrap ``iterable`` in a tqdm bar when :func:`progress_enabled`."""
    if not progress_enabled(progress):
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total, leave=False)


def parallel_map(
    func: Callable[..., R],
    items: Sequence[Any],
    *,
    n_jobs: int | None = 1,
    desc: str = "",
    progress: bool | None = None,
    report: bool = True,
) -> list[R]:
    """``[func(item) for item in items]``, in parallel through joblib when ``n_jobs != 1``.

    Results come back in the order of ``items``. With ``n_jobs=1`` no joblib
    machinery is started unless a joblib backend has been configured by the user
    (``joblib.parallel_config``), in which case that backend is used. Each finished item is
    told to the progress listener (:mod:`spatialcoupling._progress`) as a part of ``desc``
    unless ``report=False`` (for work that counts its own parts).
    """
    from ._progress import counter

    tick = counter(desc, len(items)) if report else None
    if n_jobs == 1 and not _user_configured_backend():
        out = []
        for item in progress_bar(items, desc=desc, total=len(items), progress=progress):
            out.append(func(item))
            if tick is not None:
                tick()
        return out
    from joblib import Parallel, delayed

    # threads by default: the per-period work is numpy that releases the GIL, and worker processes
    # (loky) pay for pickling the arrays: on 2 cores loky made the LISA 1.85x slower than serial,
    # threads within 5% of it (benchmarks/results/scale.md). A backend the user configures
    # (joblib.parallel_config(backend="loky"/"dask")) takes precedence over this hint.
    runner = Parallel(n_jobs=n_jobs, return_as="generator", prefer="threads")
    gen = runner(delayed(func)(item) for item in items)
    out = []
    for res in progress_bar(gen, desc=desc, total=len(items), progress=progress):
        out.append(res)
        if tick is not None:
            tick()
    return out


def _user_configured_backend() -> bool:
    """Whether the user configured a joblib backend other than joblib's own (e.g. Dask).

    A backend can only be configured after importing joblib, so without joblib imported the
    answer is no, and joblib (about 0.15 s to import) is not imported to find it out."""
    if "joblib" not in sys.modules:
        return False
    try:
        from joblib.parallel import _get_active_backend
    except Exception:  # pragma: no cover - joblib internals moved
        return False
    try:
        backend, _ = _get_active_backend()
    except Exception:  # pragma: no cover
        return False
    return type(backend).__name__ not in {
        "LokyBackend",
        "SequentialBackend",
        "MultiprocessingBackend",
        "ThreadingBackend",
    }

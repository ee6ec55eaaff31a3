"""Work handed to forked child processes while the caller goes on: a study run's figures.

A map at county scale takes about a second to render and encode at 300 dpi in each format, and a
study saves a dozen figures; the run's own process keeps one core busy with the next step's
numbers. A child forked from the run renders on another core meanwhile. Forking (not spawning a
fresh interpreter, as :mod:`concurrent.futures` and loky do) means that the child holds the
figure, the registered fonts and the rcParams exactly as the run has them: nothing is pickled on
the way out, so the files are byte for byte those the run's own process would write, and no
``__main__`` module is imported again (a user's script without a ``__main__`` guard is safe).
What comes back through a pipe is small: the work's return value, the warnings it raised and,
on failure, the exception with the child's traceback.

Children run at a lower scheduling priority (``nice`` 10), so the run's process keeps its core;
at most ``max_children`` are alive at once: while they are all busy, the caller does the next job
itself rather than wait. Forking is only used
where it is safe for this (Linux); elsewhere, and with ``max_children=0``, the work runs at once
in the calling process, with the same results.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Background", "can_fork"]


def can_fork() -> bool:
    """Whether work can go to forked children here (Linux, with ``os.fork``)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


@dataclass
class _Job:
    tag: str
    process: Any = None
    conn: Any = None
    result: Any = None
    warnings: list[warnings.WarningMessage] = field(default_factory=list)
    error: BaseException | None = None
    done: bool = False


class Background:
    """Run callables in forked children and collect their return values, warnings and errors.

    Parameters
    ----------
    max_children : int
        Children alive at once; ``0`` runs every callable at once in the calling process.

    Examples
    --------
    >>> from pathlib import Path
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> jobs = Background(max_children=2)
    >>> jobs.submit("a", lambda: (folder / "a.txt").write_text("a"))
    >>> jobs.submit("b", lambda: (folder / "b.txt").write_text("b"))
    >>> [(tag, result) for tag, result, _ in jobs.wait()]
    [('a', 1), ('b', 1)]
    >>> sorted(p.name for p in folder.iterdir())
    ['a.txt', 'b.txt']
    """

    def __init__(self, max_children: int = 4) -> None:
        if not isinstance(max_children, int) or isinstance(max_children, bool) or max_children < 0:
            raise ValueError(f"max_children must be a whole number >= 0, not {max_children!r}")
        self.max_children = max_children if can_fork() else 0
        self._jobs: list[_Job] = []

    def submit(self, tag: str, work: Callable[[], Any]) -> None:
        """Run ``work()`` in a child (or at once, without children); ``tag`` names it in :meth:`wait`."""
        job = _Job(tag)
        self._jobs.append(job)
        if self.max_children == 0:
            _run_here(job, work)
            return
        running = [j for j in self._jobs[:-1] if not j.done]
        for j in running:
            if j.conn.poll():  # finished: collect it without waiting
                _collect(j)
        if sum(not j.done for j in running) >= self.max_children:  # every child busy: do it here meanwhile
            _run_here(job, work)
            return
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        job.process = context.Process(target=_child, args=(work, send), daemon=True, name=f"spatialcoupling {tag}")
        with warnings.catch_warnings():  # Python 3.12+ warns about forking a process with threads
            warnings.filterwarnings("ignore", message=r".*fork\(\)", category=DeprecationWarning)
            job.process.start()
        send.close()
        job.conn = receive

    def wait(self) -> list[tuple[str, Any, list[warnings.WarningMessage]]]:
        """Wait for every job; ``(tag, return value, warnings)`` per job in the order submitted.

        Raises
        ------
        BaseException
            The first failed job's exception (its type when it could be sent back, else
            :class:`RuntimeError`), with a note naming the job and the child's traceback.
            The other jobs are finished first.
        """
        for job in self._jobs:
            if not job.done:
                _collect(job)
        jobs, self._jobs = self._jobs, []
        failed = next((j for j in jobs if j.error is not None), None)
        if failed is not None and failed.error is not None:
            raise failed.error
        return [(j.tag, j.result, j.warnings) for j in jobs]

    def cancel(self) -> None:
        """Stop the children still running (their files are left unfinished in their temporary names)."""
        for job in self._jobs:
            if job.process is not None and not job.done:
                job.process.terminate()
                job.process.join()
                job.conn.close()
                job.done = True
        self._jobs = []


def _run_here(job: _Job, work: Callable[[], Any]) -> None:
    """Run ``work`` in this process (its exception is raised at once, the job then counts as done)."""
    job.done = True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        job.result = work()
    job.warnings = list(caught)


def _child(work: Callable[[], Any], send: Any) -> None:
    """The child's side: run ``work`` and send back ``(return value, warnings, error)``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run's process stops its children itself
    for stop in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)):
        if stop is not None:  # not the run's handlers (they clean up the run's folder): just end
            signal.signal(stop, signal.SIG_DFL)
    os.nice(10)
    error: tuple[Any, str] | None = None
    result = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = work()
        except BaseException as exc:  # sent to the run's process, which raises it
            error = (exc, traceback.format_exc())
    sent = [(_picklable(w.message), w.category, w.filename, w.lineno) for w in caught]
    try:
        send.send((result, sent, error))
    except Exception as exc:  # something does not pickle: send texts
        if error is None:
            error = (exc, traceback.format_exc())
        text = (RuntimeError(f"{type(error[0]).__name__}: {error[0]}"), error[1])
        send.send((None, [(UserWarning(str(m)), UserWarning, f, n) for m, _, f, n in sent], text))
    send.close()


def _picklable(message: Any) -> Any:
    return message if isinstance(message, Warning) else UserWarning(str(message))


def _collect(job: _Job) -> None:
    """Receive what ``job``'s child sent and wait for it to end."""
    try:
        job.result, sent, error = job.conn.recv()
    except EOFError:  # the child ended without a word: killed, or crashed in compiled code
        job.process.join()
        sent, error = [], (RuntimeError(f"the process ended with exit code {job.process.exitcode}"), "")
    job.conn.close()
    job.process.join()
    job.warnings = [
        warnings.WarningMessage(message, category, filename, lineno) for message, category, filename, lineno in sent
    ]
    if error is not None:
        exc, trace = error
        exc.add_note(f"raised in the background process of {job.tag}" + (f"; its traceback:\n{trace}" if trace else ""))
        job.error = exc
    job.done = True

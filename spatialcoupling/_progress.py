"""Progress inside long computations, told to whoever listens (the study's progress bar).

A caller that wants to hear about progress sets a callback for a block of code with
:func:`reporting`; long loops (the LISA permutation blocks, the Dagum bootstrap batches, the
robustness grid cells, the spatial panel fits) call :func:`report` or a :func:`counter` once per
block of work, never per draw. Without a listener nothing happens and nothing is printed, so the
library API stays silent and the numbers never depend on whether anyone listens.

The callback is context-local (:mod:`contextvars`): it is seen by the code the block runs in the
same thread. A :func:`counter` made in that thread keeps the callback it saw and may be ticked from
worker threads (ticks are counted under a lock); a counter sent to another process ticks nothing
there (it travels without its callback).

The callback is called as ``callback(task, done, total, label)``: ``task`` names the work
("LISA permutations"), ``done`` of ``total`` parts are finished (both None for a report without a
count; ``total`` None when the number of parts is not known beforehand, as for the evaluations of
a likelihood search that stops when it converges) and ``label`` says what is being worked on (a
period, a model), possibly empty.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

Callback = Callable[[str, "int | None", "int | None", str], None]

_LISTENER: ContextVar[Callback | None] = ContextVar("spatialcoupling_progress", default=None)

__all__ = ["Callback", "Counter", "counter", "listening", "report", "reporting"]


@contextlib.contextmanager
def reporting(callback: Callback | None) -> Iterator[None]:
    """Send the progress of the code run in the block to ``callback`` (None: to no one).

    Examples
    --------
    >>> calls = []
    >>> with reporting(lambda task, done, total, label: calls.append((task, done, total))):
    ...     tick = counter("work", 2)
    ...     tick()
    ...     tick()
    >>> calls
    [('work', 1, 2), ('work', 2, 2)]
    >>> report("work", 1, 2)  # no listener: nothing happens
    """
    token = _LISTENER.set(callback)
    try:
        yield
    finally:
        _LISTENER.reset(token)


def listening() -> bool:
    """Whether a callback listens in this context."""
    return _LISTENER.get() is not None


def report(task: str, done: int | None = None, total: int | None = None, label: Any = "") -> None:
    """Tell the listener (if any) that ``done`` of ``total`` parts of ``task`` are finished."""
    callback = _LISTENER.get()
    if callback is not None:
        callback(task, done, total, str(label))


class Counter:
    """Counts the finished parts of one task and tells the listener seen when it was made.

    Call it once per finished part (``tick(label="")``); safe to call from worker threads.
    ``total`` None: the number of parts is not known (the listener gets ``total=None``).
    """

    def __init__(self, task: str, total: int | None) -> None:
        self.task = task
        self.total = None if total is None else int(total)
        self.done = 0
        self._callback = _LISTENER.get()
        self._pid = os.getpid()
        self._lock = threading.Lock()

    def __call__(self, label: Any = "") -> None:
        if self._callback is None or os.getpid() != self._pid:
            return
        with self._lock:
            self.done += 1
            done = self.done
        self._callback(self.task, done, self.total, str(label))

    def each(self, items: Iterable[T]) -> Iterator[T]:
        """The items of ``items``, counting one part each time the consumer has finished with one."""
        for item in items:
            yield item
            self()

    def __getstate__(self) -> dict[str, Any]:
        # sent to a worker process: no callback (it may hold a terminal bar) and no lock
        return {"task": self.task, "total": self.total, "done": self.done, "_pid": -1}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _callback=None, _lock=threading.Lock())


def counter(task: str, total: int | None) -> Counter:
    """A :class:`Counter` of ``total`` parts of ``task`` for the current listener (``total`` None:
    not known beforehand).

    Examples
    --------
    >>> calls = []
    >>> with reporting(lambda task, done, total, label: calls.append((done, total, label))):
    ...     tick = counter("likelihood search", None)
    ...     tick("SAR")
    ...     tick("SAR")
    >>> calls
    [(1, None, 'SAR'), (2, None, 'SAR')]
    """
    return Counter(task, total)

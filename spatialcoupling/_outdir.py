"""Output folders of study runs: written aside, put in place by rename, never deleting what is not ours.

A run writes into a temporary folder next to the output folder,
``.<name>.sctmp-<pid>-<hex>``, which carries the temporary marker
:data:`TEMP_MARKER` (the owning process id, its start time and host). When the run
has finished, the folder gets the output marker :data:`MARKER` (the run's metadata)
and is renamed to the output folder:

- when nothing is at the output path, one rename that refuses to replace anything
  (``renameat2(RENAME_NOREPLACE)`` on Linux) puts it in place, so a folder that
  appeared meanwhile (another run, the user) is never removed;
- with ``force``, an existing folder is replaced only when it carries :data:`MARKER`
  (or is empty): it is renamed aside to ``.<name>.scold-<pid>-<hex>``, the new folder
  is renamed in, and only that aside folder is removed;
- without ``force``, a folder that appeared during the run is kept and the new
  result goes to a named sibling folder (:class:`OutputFolderTaken` says where).

The output path is refused before any computing (:class:`OutputFolderError`) when it
is the current folder or one of its parents, holds an input of the study, is a file,
lies under a file, or cannot be written. Temporary folders left by killed runs
(carrying :data:`TEMP_MARKER`, on this host, whose process is gone) are removed by
the next run into the same parent folder. Folders are created with ``os.mkdir``,
so they get the usual permissions (the umask applies).
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as _dt
import errno
import os
import secrets
import shutil
import signal
import socket
import sys
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

#: file in every output folder a run wrote; ``force`` replaces only folders that carry it
MARKER = ".spatialcoupling-output"
#: file in the temporary folder of a run while it is going
TEMP_MARKER = ".spatialcoupling-tmp"
_TEMP_TAG = ".sctmp-"
_ASIDE_TAG = ".scold-"
_TOOL = "spatialcoupling"


class OutputFolderError(ValueError):
    """The output folder cannot be used (found before computing)."""


class OutputFolderTaken(FileExistsError):
    """The output folder appeared (or changed) during the run; the result was kept elsewhere.

    Attributes
    ----------
    kept : Path
        Where this run's complete result is.
    """

    def __init__(self, message: str, kept: Path):
        super().__init__(message)
        self.kept = kept


# -- markers ----------------------------------------------------------------------------
def _toml_line(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return f"{key} = {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"{key} = {value}"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'{key} = "{text}"'


def _write_marker(path: Path, meta: Mapping[str, Any], comment: str) -> None:
    lines = [f"# {comment}", *(_toml_line(k, v) for k, v in meta.items() if v is not None)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_marker(folder: Path, name: str = MARKER) -> dict[str, Any] | None:
    """The metadata of ``folder``'s marker ``name``, or None when it has none (or not ours)."""
    try:
        with (Path(folder) / name).open("rb") as fh:
            meta = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    return meta if meta.get("tool") == _TOOL else None


def is_output_folder(folder: Path) -> bool:
    """Whether ``folder`` is a directory that carries this tool's output marker."""
    folder = Path(folder)
    return folder.is_dir() and not folder.is_symlink() and read_marker(folder) is not None


def _is_empty_dir(folder: Path) -> bool:
    try:
        with os.scandir(folder) as it:
            return next(it, None) is None
    except OSError:
        return False


# -- processes --------------------------------------------------------------------------
def _start_time(pid: int) -> str | None:
    """The start time of process ``pid`` in clock ticks since boot (Linux), else None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None


def _alive(pid: Any, start: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
        if state[state.rindex(")") + 2 :].split()[0] == "Z":
            return False  # exited, not yet reaped
    except (OSError, IndexError, ValueError):
        pass
    now = _start_time(pid)
    return start is None or now is None or str(start) == now


def _owner() -> dict[str, Any]:
    return {"tool": _TOOL, "pid": os.getpid(), "start": _start_time(os.getpid()), "host": socket.gethostname()}


def sweep_stale(parent: Path) -> list[Path]:
    """Remove temporary folders of earlier runs in ``parent`` whose process is gone.

    Only directories named like this tool's temporary or aside folders that carry
    :data:`TEMP_MARKER` with a process of this host that no longer runs are removed.
    Returns the removed folders.
    """
    removed: list[Path] = []
    try:
        candidates = [
            p
            for p in Path(parent).iterdir()
            if p.name.startswith(".") and (_TEMP_TAG in p.name or _ASIDE_TAG in p.name)
        ]
    except OSError:
        return removed
    host = socket.gethostname()
    for folder in candidates:
        if folder.is_symlink() or not folder.is_dir():
            continue
        meta = read_marker(folder, TEMP_MARKER)
        if meta is None or meta.get("host") != host or _alive(meta.get("pid"), meta.get("start")):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    return removed


# -- renaming ---------------------------------------------------------------------------
def _load_renameat2() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


_RENAMEAT2 = _load_renameat2()
_AT_FDCWD = -100
_RENAME_NOREPLACE = 1


def rename_noreplace(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst``; FileExistsError when anything is at ``dst`` (never replaced).

    Atomic on Linux (``renameat2`` with ``RENAME_NOREPLACE``); elsewhere, or on file
    systems without that flag, ``dst`` is checked just before an ordinary rename
    (which still refuses a non-empty folder).
    """
    if _RENAMEAT2 is not None:
        if _RENAMEAT2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
            return
        err = ctypes.get_errno()
        if err in (errno.EEXIST, errno.ENOTEMPTY):
            raise FileExistsError(err, os.strerror(err), str(dst))
        if err not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), str(src), None, str(dst))
    if os.path.lexists(dst):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst))
    try:
        os.rename(src, dst)
    except OSError as exc:
        if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
            raise FileExistsError(exc.errno, exc.strerror, str(dst)) from exc
        raise


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block is done (renames and clean-up finish)."""
    sigs = {signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _fresh_name(parent: Path, stem: str, tag: str) -> Path:
    return parent / f".{stem}{tag}{os.getpid()}-{secrets.token_hex(3)}"


# -- the output folder of one run -----------------------------------------------------------
class OutputFolder:
    """The output folder of one run: checked at once, written aside, put in place at the end.

    Parameters
    ----------
    out : path
        The output folder the user asked for.
    inputs : iterable of paths
        Files the study reads; ``out`` must not hold any of them.
    force : bool
        Replace an existing output folder written by this tool.
    meta : mapping
        Run metadata written to the output marker.

    Raises
    ------
    OutputFolderError
        ``out`` is the current folder or a parent of it, holds an input, is a file or
        lies under one, cannot be written, or exists without this tool's marker (with
        ``force``).
    FileExistsError
        ``out`` exists and ``force`` is not set.
    """

    def __init__(
        self,
        out: str | Path,
        *,
        inputs: Iterable[str | Path] = (),
        force: bool = False,
        meta: Mapping[str, Any] | None = None,
    ):
        self.given = Path(out)
        self.force = bool(force)
        self.meta = dict(meta or {})
        self.target = self._check(self.given, [Path(p) for p in inputs])
        self.tmp: Path | None = None
        self.created: list[Path] = []
        self.swept: list[Path] = []

    def _label(self) -> str:
        return f"output folder {str(self.given)!r} (--out)"

    def _check(self, out: Path, inputs: list[Path]) -> Path:
        label = f"output folder {str(out)!r} (--out)"
        target = Path(os.path.abspath(out))
        real = target.resolve()
        cwd = Path.cwd().resolve()
        if real == cwd or real in cwd.parents:
            where = "the current folder" if real == cwd else f"a parent of the current folder {str(cwd)!r}"
            raise OutputFolderError(
                f"{label} is {where}; a run replaces its output folder as a whole, so it cannot be a folder "
                "you work in; choose a new folder, e.g. --out results"
            )
        held = [p for p in inputs if (q := p.resolve()) == real or real in q.parents]
        if held:
            names = ", ".join(repr(str(p)) for p in held)
            raise OutputFolderError(
                f"{label} holds input(s) of the study: {names}; a run replaces its output folder as a whole, "
                "which would delete them; choose a folder that holds no input, e.g. a new subfolder such as "
                f"{str(out / 'results')!r}"
            )
        if os.path.lexists(target):
            if target.is_symlink() or not target.is_dir():
                what = "a symbolic link" if target.is_symlink() else "a file"
                raise OutputFolderError(f"{label} is {what}, not a folder; choose another --out or move it away")
            if not self.force:
                raise FileExistsError(
                    f"output folder {str(out)!r} exists; pass force=True (--force) to replace it "
                    "(only folders written by spatialcoupling are replaced)"
                )
            if not is_output_folder(target) and not _is_empty_dir(target):
                raise OutputFolderError(
                    f"{label} exists and was not written by spatialcoupling (it has no {MARKER} file); --force "
                    "replaces only output folders of this tool; choose another --out, or empty or remove the "
                    "folder yourself"
                )
            if not os.access(target, os.W_OK | os.X_OK):
                raise OutputFolderError(f"{label} is read-only, so it cannot be replaced; choose another --out")
        ancestor = target.parent
        while not os.path.lexists(ancestor) and ancestor != ancestor.parent:
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise OutputFolderError(f"{label} cannot be created: {str(ancestor)!r} is a file, not a folder")
        if not os.access(ancestor, os.W_OK | os.X_OK):
            raise OutputFolderError(
                f"{label} cannot be written: {str(ancestor)!r} is not writable; choose a folder you can write to"
            )
        return target

    # -- the run ---------------------------------------------------------------------------
    def open(self) -> Path:
        """Create the temporary folder (and missing parents); remove stale ones of killed runs."""
        parent = self.target.parent
        missing = []
        p = parent
        while not os.path.lexists(p):
            missing.append(p)
            p = p.parent
        try:
            for folder in reversed(missing):
                os.mkdir(folder)
                self.created.append(folder)
            self.swept = sweep_stale(parent)
            while self.tmp is None:
                tmp = _fresh_name(parent, self.target.name, _TEMP_TAG)
                with contextlib.suppress(FileExistsError):
                    os.mkdir(tmp)  # mode 0o777 minus the umask, as mkdir
                    self.tmp = tmp
            _write_marker(
                tmp / TEMP_MARKER,
                {**_owner(), "out": str(self.target)},
                "temporary folder of a running spatialcoupling study; removed when the run ends",
            )
        except OSError as exc:
            self.discard()
            raise OutputFolderError(f"{self._label()} cannot be written: {exc.strerror or exc}") from exc
        return tmp

    def commit(self) -> Path:
        """Put the finished temporary folder in place; returns the output folder.

        Raises
        ------
        OutputFolderTaken
            Something appeared at the output path during the run (without ``force``, or
            a folder not written by this tool); the result is kept in a named folder.
        """
        assert self.tmp is not None, "open() first"
        tmp, target = self.tmp, self.target
        meta = {"tool": _TOOL, **self.meta, "created": _now(), "pid": os.getpid(), "host": socket.gethostname()}
        _write_marker(
            tmp / MARKER,
            meta,
            "written by spatialcoupling: this folder is the output of a study run; "
            "'spatialcoupling run --force' may replace it",
        )
        with signals_deferred():
            try:
                rename_noreplace(tmp, target)
            except FileExistsError:
                self._replace(tmp, target)
            except OSError as exc:  # e.g. the parent became read-only: keep the result where it is
                self.tmp = None
                raise OSError(
                    f"could not put the result in place as {str(self.given)!r} (--out): "
                    f"{exc.strerror or exc}; this run's result is in {str(tmp)!r}"
                ) from exc
            self.tmp = None
            with contextlib.suppress(OSError):
                (target / TEMP_MARKER).unlink()
        return target

    def _replace(self, tmp: Path, target: Path) -> None:
        if not self.force:
            kept = self._keep(tmp)
            raise OutputFolderTaken(
                f"output folder {str(self.given)!r} (--out) appeared while this run was going (another run, or "
                f"created by hand) and was left as it is; this run's result is in {str(kept)!r}",
                kept,
            )
        if not (is_output_folder(target) or _is_empty_dir(target)):
            kept = self._keep(tmp)
            raise OutputFolderTaken(
                f"output folder {str(self.given)!r} (--out) was replaced during the run by a folder not written by "
                f"spatialcoupling, which was left as it is; this run's result is in {str(kept)!r}",
                kept,
            )
        aside = _fresh_name(target.parent, target.name, _ASIDE_TAG)
        os.rename(target, aside)  # a fresh name: nothing is replaced
        if not (is_output_folder(aside) or _is_empty_dir(aside)):
            # swapped for a foreign folder between the check and the rename: put it back
            with contextlib.suppress(OSError):
                rename_noreplace(aside, target)
            kept = self._keep(tmp)
            raise OutputFolderTaken(
                f"output folder {str(self.given)!r} (--out) changed during the run and was left as it is "
                f"(it may now be at {str(aside)!r}); this run's result is in {str(kept)!r}",
                kept,
            )
        with contextlib.suppress(OSError):
            _write_marker(
                aside / TEMP_MARKER,
                {**_owner(), "out": str(target)},
                "replaced output folder of spatialcoupling, being removed",
            )
        try:
            rename_noreplace(tmp, target)
        except FileExistsError:
            kept = self._keep(tmp)
            old = self._keep(aside, suffix="replaced")
            raise OutputFolderTaken(
                f"output folder {str(self.given)!r} (--out) appeared again while it was being replaced and was "
                f"left as it is; this run's result is in {str(kept)!r}, the folder it replaced in {str(old)!r}",
                kept,
            ) from None
        if aside.is_dir():
            shutil.rmtree(aside, ignore_errors=True)

    def _keep(self, folder: Path, suffix: str = "") -> Path:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        base = f"{self.target.name}-{suffix + '-' if suffix else ''}{stamp}"
        for k in range(1, 1000):
            kept = self.target.parent / (base if k == 1 else f"{base}-{k}")
            try:
                rename_noreplace(folder, kept)
            except FileExistsError:
                continue
            self.tmp = None
            with contextlib.suppress(OSError):
                (kept / TEMP_MARKER).unlink()
            return kept
        raise OSError(
            f"no free name next to {str(self.target)!r} to keep the result of this run in"
        )  # pragma: no cover

    def discard(self) -> None:
        """Remove this run's temporary folder and the parent folders it created (when empty)."""
        with signals_deferred():
            tmp, self.tmp = self.tmp, None
            if tmp is not None and tmp.is_dir() and not tmp.is_symlink():
                meta = read_marker(tmp, TEMP_MARKER)
                if meta is None or meta.get("pid") == os.getpid():
                    shutil.rmtree(tmp, ignore_errors=True)
            for folder in reversed(self.created):
                with contextlib.suppress(OSError):
                    os.rmdir(folder)  # only when empty
            self.created = []


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

"""The lock file of a run: what it read and what it did to the data, to check a run against its inputs later.

``study.lock.toml`` in the output folder holds, besides the resolved settings and the package
versions the writer adds:

- ``[[inputs]]``: every input file (the study file, data, indicator, boundary and weights matrix
  files, a Shapefile's companions) with its path relative to the study's folder, size in bytes
  and SHA-256;
- ``[data]``: the aliases applied to region names, the cells interpolation filled (``fills``:
  ``[region, period, column]``, with counts per column), and the derived columns (``derived``:
  name and expression, in order).

:func:`verify` compares the inputs of a study file with a lock file and names each file whose
size or content changed, that is missing, or that the lock does not list
(``spatialcoupling check --lock OUT study.toml``).
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["LOCK_NAME", "data_record", "file_record", "input_records", "lock_path", "verify"]

LOCK_NAME = "study.lock.toml"
_CHUNK = 1 << 20


def file_record(path: Path, base_dir: Path) -> dict[str, Any]:
    """``{"path", "size", "sha256"}`` of one file; the path relative to ``base_dir`` when inside it."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return {
        "path": _relative(path, base_dir),
        "size": path.stat().st_size,
        "sha256": digest.hexdigest(),
    }


def _relative(path: Path, base_dir: Path) -> str:
    try:
        return Path(os.path.relpath(path.resolve(), base_dir.resolve())).as_posix()
    except ValueError:  # another drive
        return path.resolve().as_posix()


def input_records(files: Sequence[Path], base_dir: Path) -> list[dict[str, Any]]:
    """The records of the input files that exist (bundled data sets have no file)."""
    seen: set[Path] = set()
    out = []
    for file in files:
        f = Path(file)
        if f.is_file() and f.resolve() not in seen:
            seen.add(f.resolve())
            out.append(file_record(f, base_dir))
    return out


def data_record(panel: Any, notes: Sequence[str], settings: Mapping[str, Any]) -> dict[str, Any]:
    """Aliases applied, cells filled and columns derived (see the module docstring)."""
    aliases = [n for n in notes if "alias" in n]
    record: dict[str, Any] = {"aliases": list(dict.fromkeys(aliases))}
    if panel is not None:
        filled = panel.filled.stack()
        cells = filled[filled].index.tolist()
        record["fills"] = [[str(r), str(p), str(c)] for r, p, c in cells]
        counts = filled[filled].groupby(level=2).size()
        record["fill_counts"] = {str(k): int(v) for k, v in counts.items()}
    derive = (settings.get("data") or {}).get("derive") or {}
    record["derived"] = [{"name": str(k), "expression": str(v)} for k, v in derive.items()]
    return record


def lock_path(given: str | Path) -> Path:
    """The lock file of ``given``: the file itself, or ``study.lock.toml`` in a folder."""
    path = Path(given)
    return path / LOCK_NAME if path.is_dir() else path


def verify(lock: str | Path, files: Sequence[Path], base_dir: Path) -> list[str]:
    """Differences between the input files of a study and a lock file, one line per file.

    Parameters
    ----------
    lock : path
        A lock file or the output folder that holds one.
    files : sequence of Path
        The study's input files now (``Study.inputs()``).
    base_dir : Path
        The study's folder (the lock's paths are relative to it).

    Raises
    ------
    FileNotFoundError
        No lock file there.
    ValueError
        The lock file is not TOML or lists no inputs.
    """
    path = lock_path(lock)
    if not path.is_file():
        raise FileNotFoundError(f"--lock: no lock file {path} (a run writes {LOCK_NAME} into its output folder)")
    try:
        recorded = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"--lock: {path} is not a lock file: {exc}") from None
    entries = recorded.get("inputs")
    if not isinstance(entries, list):
        raise ValueError(
            f"--lock: {path} lists no [[inputs]] (written by a spatialcoupling before the lock recorded its inputs?)"
        )
    by_path = {e["path"]: e for e in entries if isinstance(e, Mapping) and "path" in e}
    now = {_relative(Path(f), base_dir): Path(f) for f in files}
    problems = []
    for rel, entry in by_path.items():
        file = now.get(rel, base_dir / rel)
        if not file.is_file():
            problems.append(f"{rel}: missing (the lock records {entry.get('size')} bytes)")
            continue
        current = file_record(file, base_dir)
        if current["size"] != entry.get("size") or current["sha256"] != entry.get("sha256"):
            problems.append(
                f"{rel}: changed ({entry.get('size')} → {current['size']} bytes, "
                f"sha256 {str(entry.get('sha256'))[:12]}… → {current['sha256'][:12]}…)"
            )
    for rel, file in now.items():
        if rel not in by_path and file.is_file():
            problems.append(f"{rel}: an input of the study that the lock does not list")
    return problems

"""The study runner's output folder: it only ever deletes what it made.

Concurrency and signals are tested with real subprocesses of the command line.
"""

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import spatialcoupling as sc
from spatialcoupling._outdir import (
    MARKER,
    TEMP_MARKER,
    OutputFolderError,
    OutputFolderTaken,
    read_marker,
    sweep_stale,
)
from spatialcoupling.cli import main

QUICK = (
    '[data]\n{data}\n[indicators]\ndataset = "china_demo"\n'
    '[coupling]\ncontributions = {{MS = 0.4, AM = 0.6}}\n[output]\ntables = ["csv"]\nfigures = ["png"]\n'
)
# a run that spends most of its time in one long step (the Dagum bootstrap), to be stopped there
SLOW = QUICK.format(data='dataset = "china_demo"') + (
    '[regions]\ndataset = "china_provinces"\nid = "name_en"\ngroupings = ["zone8"]\nextra = "drop"\n'
    '[dagum]\ngrouping = "zone8"\nbootstrap = 150000\nseed = 1\n'
)
SETTINGS = {
    "data": {"dataset": "china_demo"},
    "indicators": {"dataset": "china_demo"},
    "coupling": {"contributions": {"MS": 0.4, "AM": 0.6}},
    "output": {"tables": ["csv"], "figures": ["png"]},
}


def _project(folder: Path, data_file: bool = True) -> Path:
    """A study folder: study.toml and (optionally) its data file panel.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    if data_file:
        sc.datasets.load("china_demo").to_csv(folder / "panel.csv", index=False)
        text = QUICK.format(data='path = "panel.csv"')
    else:
        text = QUICK.format(data='dataset = "china_demo"')
    (folder / "study.toml").write_text(text)
    return folder / "study.toml"


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if ".sctmp-" in p.name or ".scold-" in p.name]


#: run the command line as a shell starts it: no blocked signals, Ctrl-C raising KeyboardInterrupt (a
#: test worker's own signal state is inherited by its children and must not reach the command under test)
_CLEAN_START = (
    "import runpy, signal\n"
    "if hasattr(signal, 'pthread_sigmask'):\n"
    "    signal.pthread_sigmask(signal.SIG_SETMASK, [])\n"
    "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    "for name in ('SIGTERM', 'SIGHUP'):\n"
    "    if hasattr(signal, name):\n"
    "        signal.signal(getattr(signal, name), signal.SIG_DFL)\n"
    "runpy.run_module('spatialcoupling.cli', run_name='__main__', alter_sys=True)\n"
)


def _cli(*args: str, cwd: Path | None = None, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "MPLBACKEND": "Agg", "SPATIALCOUPLING_PROGRESS": "0"}
    return subprocess.Popen(
        [sys.executable, "-c", _CLEAN_START, *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


# -- refusing an output folder that holds what the user has -----------------------------------
def test_out_dot_in_the_study_folder_is_refused(tmp_path, monkeypatch, capsys):
    study = _project(tmp_path / "proj")
    before = _tree(tmp_path / "proj")
    monkeypatch.chdir(tmp_path / "proj")
    assert main(["run", "study.toml", "--out", ".", "--force", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--out" in err
    assert "current folder" in err
    assert "Errno" not in err
    assert _tree(tmp_path / "proj") == before
    assert study.exists()


def test_out_that_is_a_parent_of_the_current_folder_is_refused(tmp_path, monkeypatch, capsys):
    _project(tmp_path / "proj")
    (tmp_path / "proj" / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "proj" / "sub")
    assert main(["run", "../study.toml", "--out", "..", "--force", "--quiet"]) == 2
    assert "parent of the current folder" in capsys.readouterr().err
    assert (tmp_path / "proj" / "panel.csv").exists()


def test_out_holding_the_inputs_is_refused(tmp_path, capsys):
    _project(tmp_path / "proj")
    before = _tree(tmp_path / "proj")
    assert main(["run", str(tmp_path / "proj" / "study.toml"), "--out", str(tmp_path / "proj"), "--force"]) == 2
    err = capsys.readouterr().err
    assert "holds input(s) of the study" in err
    assert "panel.csv" in err
    assert "study.toml" in err
    assert _tree(tmp_path / "proj") == before
    # the study file alone (bundled data) is an input too
    _project(tmp_path / "bundled", data_file=False)
    assert main(["run", str(tmp_path / "bundled" / "study.toml"), "--out", str(tmp_path / "bundled"), "--force"]) == 2
    assert (tmp_path / "bundled" / "study.toml").exists()


def test_inputs_cover_every_file_the_study_reads(tmp_path):
    for name in ("panel.csv", "system.toml", "w.csv"):
        (tmp_path / name).write_text("x")
    boundaries = sc.datasets.load("china_provinces").reset_index(drop=True)
    boundaries.to_file(tmp_path / "prov.shp")
    study = sc.Study.from_dict(
        {
            "data": {"path": "panel.csv"},
            "indicators": {"file": "system.toml"},
            "regions": {"file": "prov.shp", "id": "name_en"},
            "weights": {"kind": "matrix", "matrix": "w.csv"},
        },
        base_dir=tmp_path,
    )
    names = {p.name for p in study.inputs()}
    assert {"panel.csv", "system.toml", "w.csv", "prov.shp", "prov.dbf", "prov.shx"} <= names
    with pytest.raises(OutputFolderError, match="holds input"):
        study.run(tmp_path, force=True)


def test_force_replaces_only_marked_folders(tmp_path, capsys):
    study = _project(tmp_path / "proj")
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("years of work")
    assert main(["run", str(study), "--out", str(foreign), "--force", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "was not written by spatialcoupling" in err
    assert MARKER in err
    assert (foreign / "thesis.docx").read_text() == "years of work"
    # an output of an earlier run is replaced, and carries the marker with the run's metadata
    out = tmp_path / "results"
    assert main(["run", str(study), "--out", str(out), "--quiet"]) == 0
    meta = read_marker(out)
    assert meta["tool"] == "spatialcoupling"
    assert meta["study"] == str(study.resolve())
    assert meta["version"]
    (out / "stale.txt").write_text("from the first run")
    assert main(["run", str(study), "--out", str(out), "--force", "--quiet"]) == 0
    assert not (out / "stale.txt").exists()
    assert (out / "report.html").exists()
    assert not _leftovers(tmp_path)
    assert not (out / TEMP_MARKER).exists()
    # an empty folder (made by hand for the output) can be used with --force
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["run", str(study), "--out", str(empty), "--force", "--quiet"]) == 0
    assert (empty / MARKER).exists()


def test_unusable_out_fails_before_computing_and_names_out(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("nothing may be computed")

    monkeypatch.setattr(sc.Study, "_run_into", refuse)
    monkeypatch.setattr(sc.Study, "check", refuse)
    study = sc.Study.from_dict(SETTINGS)
    blocker = tmp_path / "file.txt"
    blocker.write_text("keep me")
    with pytest.raises(OutputFolderError, match=r"'.*file\.txt' \(--out\) is a file"):
        study.run(blocker, force=True)
    with pytest.raises(OutputFolderError, match=r"\(--out\) cannot be created: .*file\.txt' is a file") as info:
        study.run(blocker / "sub" / "out")
    assert ".sctmp" not in str(info.value)
    assert blocker.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]


@pytest.fixture
def shared_tmp():
    """A folder every user can enter (pytest's own temporary folders are private to their owner)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="sc-test-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    for p in folder.rglob("*"):
        if p.is_dir():
            p.chmod(0o755)
    shutil.rmtree(folder)


def test_read_only_parent_fails_fast_with_exit_2(shared_tmp):
    tmp_path = shared_tmp
    parent = tmp_path / "ro"
    parent.mkdir()
    study = _project(tmp_path / "proj", data_file=False)
    (tmp_path / "proj").chmod(0o755)
    study.chmod(0o644)
    parent.chmod(0o555)
    cmd = ["run", str(study), "--out", str(parent / "out"), "--quiet"]
    prefix: list[str] = []
    if os.geteuid() == 0:  # root writes anywhere: run the command as an unprivileged user
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv")
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    env = {**os.environ, "MPLBACKEND": "Agg", "HOME": str(tmp_path), "MPLCONFIGDIR": str(tmp_path / "mpl")}
    start = time.perf_counter()
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "spatialcoupling.cli", *cmd],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    elapsed = time.perf_counter() - start
    parent.chmod(0o755)
    assert proc.returncode == 2, proc.stderr
    assert "(--out) cannot be written" in proc.stderr
    assert "not writable" in proc.stderr
    assert ".sctmp" not in proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(parent.iterdir()) == []
    assert elapsed < 60


def test_output_folder_respects_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        result = sc.Study.from_dict(SETTINGS).run(tmp_path / "out", progress=False)
    finally:
        os.umask(old)
    assert stat.S_IMODE(result.out.stat().st_mode) == 0o750
    assert stat.S_IMODE((result.out / "tables").stat().st_mode) == 0o750
    assert stat.S_IMODE((result.out / "report.html").stat().st_mode) == 0o640
    old = os.umask(0o022)
    try:
        result = sc.Study.from_dict(SETTINGS).run(tmp_path / "out2", progress=False)
    finally:
        os.umask(old)
    assert stat.S_IMODE(result.out.stat().st_mode) == 0o755


# -- a folder that appears during the run is never removed --------------------------------------
def _appearing(monkeypatch, out: Path, make) -> None:
    original = sc.Study._run_into

    def run_then_appear(self, folder, *args, **kwargs):
        result = original(self, folder, *args, **kwargs)
        make(out)  # another process (or the user) creates the output folder meanwhile
        return result

    monkeypatch.setattr(sc.Study, "_run_into", run_then_appear)


def _users_folder(out: Path) -> None:
    out.mkdir()
    (out / "notes.txt").write_text("the user's")


def test_folder_appearing_during_the_run_is_kept(tmp_path, monkeypatch):
    out = tmp_path / "out"
    _appearing(monkeypatch, out, _users_folder)
    with pytest.raises(OutputFolderTaken, match="appeared while this run was going") as info:
        sc.Study.from_dict(SETTINGS).run(out, progress=False)
    assert _tree(out) == {"notes.txt": b"the user's"}
    kept = info.value.kept
    assert kept.parent == tmp_path
    assert kept.name.startswith("out-")
    assert str(kept) in str(info.value)
    assert (kept / "report.html").exists()
    assert (kept / MARKER).exists()
    assert not (kept / TEMP_MARKER).exists()
    assert not _leftovers(tmp_path)


def test_force_never_replaces_a_foreign_folder_that_appeared(tmp_path, monkeypatch):
    out = tmp_path / "out"
    _appearing(monkeypatch, out, _users_folder)
    with pytest.raises(OutputFolderTaken, match="not written by spatialcoupling") as info:
        sc.Study.from_dict(SETTINGS).run(out, force=True, progress=False)
    assert _tree(out) == {"notes.txt": b"the user's"}
    assert (info.value.kept / "report.html").exists()


def test_force_replaces_a_marked_folder_that_appeared(tmp_path, monkeypatch):
    out = tmp_path / "out"

    def other_run(path: Path) -> None:
        path.mkdir()
        (path / MARKER).write_text('tool = "spatialcoupling"\n')
        (path / "old.txt").write_text("old")

    _appearing(monkeypatch, out, other_run)
    result = sc.Study.from_dict(SETTINGS).run(out, force=True, progress=False)
    assert (result.out / "report.html").exists()
    assert not (out / "old.txt").exists()
    assert not _leftovers(tmp_path)


def test_cli_exit_code_when_the_folder_appeared(tmp_path, monkeypatch, capsys):
    study = _project(tmp_path / "proj", data_file=False)
    out = tmp_path / "out"
    _appearing(monkeypatch, out, _users_folder)
    assert main(["run", str(study), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "appeared while this run was going" in err
    assert "this run's result is in" in err


def test_two_runs_into_the_same_folder(tmp_path):
    study = _project(tmp_path / "proj", data_file=False)
    out = tmp_path / "out"
    procs = [_cli("run", str(study), "--out", str(out), "--quiet") for _ in range(2)]
    done = [(p, *p.communicate(timeout=600)) for p in procs]
    codes = sorted(p.returncode for p, _, _ in done)
    assert codes[0] == 0, [e for _, _, e in done]
    assert codes[1] in (1, 2), [e for _, _, e in done]
    winner = next(p for p, _, _ in done if p.returncode == 0)
    loser_err = next(e for p, _, e in done if p.returncode != 0)
    assert read_marker(out)["pid"] == winner.pid
    assert (out / "report.html").exists()
    if "this run's result is in" in loser_err:  # it got as far as the end: its result is kept
        kept = [p for p in tmp_path.iterdir() if p.name.startswith("out-")]
        assert len(kept) == 1
        assert (kept[0] / "report.html").exists()
        assert kept[0].name in loser_err
    else:
        assert "exists" in loser_err
    assert not _leftovers(tmp_path)


def test_two_forced_runs_into_the_same_folder(tmp_path):
    study = _project(tmp_path / "proj", data_file=False)
    out = tmp_path / "out"
    procs = [_cli("run", str(study), "--out", str(out), "--force", "--quiet") for _ in range(2)]
    done = [(p, *p.communicate(timeout=600)) for p in procs]
    assert [p.returncode for p, _, _ in done] == [0, 0], [e for _, _, e in done]
    assert read_marker(out)["pid"] in {p.pid for p, _, _ in done}
    assert (out / "report.html").exists()
    assert (out / "tables" / "coupling.csv").exists()
    assert not _leftovers(tmp_path)


# -- stopped runs --------------------------------------------------------------------------------
def _wait_for_temp(parent: Path, proc: subprocess.Popen, timeout: float = 240) -> Path:
    """The temporary folder of ``proc``, once the run is in its long step (layers written)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        assert proc.poll() is None, proc.communicate()
        for folder in parent.glob(".out.sctmp-*"):
            if (folder / "layers").is_dir():
                return folder
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the run did not get to its long step")


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_stopped_run_cleans_up(tmp_path, sig, code):
    study = tmp_path / "study.toml"
    study.write_text(SLOW)
    proc = _cli("run", str(study), "--out", str(tmp_path / "out"), "--quiet")
    temp = _wait_for_temp(tmp_path, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert "Traceback" not in err
    assert "nothing was written" in err
    assert not temp.exists()
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.toml"]


def test_killed_run_is_swept_by_the_next(tmp_path):
    study = tmp_path / "study.toml"
    study.write_text(SLOW)
    proc = _cli("run", str(study), "--out", str(tmp_path / "out"), "--quiet")
    temp = _wait_for_temp(tmp_path, proc)
    proc.kill()
    proc.communicate(timeout=60)
    assert temp.exists()
    assert read_marker(temp, TEMP_MARKER)["pid"] == proc.pid
    # a temporary folder of a running process, and folders without the marker, stay
    alive = tmp_path / ".other.sctmp-1-abc"
    alive.mkdir()
    (alive / TEMP_MARKER).write_text(
        (temp / TEMP_MARKER)
        .read_text()
        .replace(f"pid = {proc.pid}", f"pid = {os.getpid()}")
        .replace("start = ", "start_was = ")
    )
    foreign = tmp_path / ".mine.sctmp-2-abc"
    foreign.mkdir()
    result = sc.Study.from_dict(SETTINGS).run(tmp_path / "out", progress=False)
    assert not temp.exists()
    assert alive.exists()
    assert foreign.exists()
    assert any("temporary folder(s) of earlier runs" in n and temp.name in n for n in result.notes)


def test_sweep_needs_the_marker_and_a_dead_process(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    for name, pid in ((".a.sctmp-1-x", dead.pid), (".b.sctmp-1-y", os.getpid()), (".c.scold-1-z", dead.pid)):
        (tmp_path / name).mkdir()
        (tmp_path / name / TEMP_MARKER).write_text(
            f'tool = "spatialcoupling"\npid = {pid}\nhost = "{os.uname().nodename}"\n'
        )
    (tmp_path / ".d.sctmp-1-w").mkdir()  # no marker
    (tmp_path / "e.sctmp-1-v").mkdir()  # not a hidden name of this tool
    (tmp_path / "e.sctmp-1-v" / TEMP_MARKER).write_text(f'tool = "spatialcoupling"\npid = {dead.pid}\n')
    removed = sorted(p.name for p in sweep_stale(tmp_path))
    assert removed == [".a.sctmp-1-x", ".c.scold-1-z"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".b.sctmp-1-y", ".d.sctmp-1-w", "e.sctmp-1-v"]


def test_signal_handlers_are_restored_after_the_run(tmp_path):
    before = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP))
    study = _project(tmp_path / "proj", data_file=False)
    assert main(["run", str(study), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == before


# -- the command line's input and output ------------------------------------------------------------
def test_study_file_that_is_a_folder_is_bad_input(tmp_path, capsys):
    folder = tmp_path / "proj"
    _project(folder, data_file=False)
    for command in (["check", str(folder)], ["run", str(folder), "--out", str(tmp_path / "out")]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert f"{folder}: is a folder, not a study file" in err
        assert "study.toml" in err
        assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_unreadable_study_file_is_bad_input(shared_tmp):
    study = _project(shared_tmp / "proj", data_file=False)
    (shared_tmp / "proj").chmod(0o755)
    study.chmod(0o000)
    prefix: list[str] = []
    if os.geteuid() == 0:  # root reads anything: run the command as an unprivileged user
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv")
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    env = {**os.environ, "MPLBACKEND": "Agg", "HOME": str(shared_tmp), "MPLCONFIGDIR": str(shared_tmp / "mpl")}
    for command in (["check", str(study)], ["run", str(study), "--out", str(shared_tmp / "out")]):
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", "spatialcoupling.cli", *command],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 2, proc.stderr
        assert f"{study}: cannot be read" in proc.stderr
        assert "Traceback" not in proc.stderr
    study.chmod(0o644)


def test_quiet_hides_the_progress_bar_not_the_notes(tmp_path, monkeypatch, capsys):
    study = _project(tmp_path / "proj", data_file=False)  # china_demo: interpolation fills cells, with notes
    monkeypatch.delenv("SPATIALCOUPLING_PROGRESS", raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # as in a terminal
    assert main(["run", str(study), "--out", str(tmp_path / "loud")]) == 0
    loud = capsys.readouterr()
    assert "note: interpolate: filled" in loud.out
    assert "study: coupling" in loud.err
    assert main(["run", str(study), "--out", str(tmp_path / "quiet"), "--quiet"]) == 0
    quiet = capsys.readouterr()
    assert "study:" not in quiet.err
    assert [line for line in quiet.out.splitlines() if line.startswith("note: ")] == [
        line for line in loud.out.splitlines() if line.startswith("note: ")
    ]


def test_progress_bar_names_the_current_step(tmp_path, capsys):
    sc.Study.from_dict(SETTINGS).run(tmp_path / "out", progress=True)
    err = capsys.readouterr().err
    assert [step for step in ("data", "scores", "coupling") if f"study: {step}" in err] == [
        "data",
        "scores",
        "coupling",
    ]


def test_every_option_has_help():
    import argparse

    from spatialcoupling.cli import _build_parser

    parser = _build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) == {"run", "check", "demo", "datasets"}
    for name, command in commands.choices.items():
        for action in command._actions:
            assert action.help, f"{name} {action.dest}: no help text"

"""The version is written once, in pyproject.toml, and read from the installed metadata."""

import importlib.metadata
import tomllib
from pathlib import Path

import pytest

import spatialcoupling as sc

ROOT = Path(__file__).resolve().parent.parent


def pyproject_version():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_version_is_the_one_in_pyproject():
    assert sc.__version__ == pyproject_version()
    assert sc.__version__ == importlib.metadata.version("spatialcoupling")


def test_uninstalled_tree_reads_pyproject(monkeypatch):
    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert sc._read_version() == pyproject_version()


def test_package_ships_py_typed():
    assert (ROOT / "spatialcoupling" / "py.typed").is_file()
    files = importlib.metadata.files("spatialcoupling") or []
    if not any(str(f).endswith("spatialcoupling/py.typed") for f in files):
        # an editable install lists no package files; the wheel's package data is declared in pyproject
        package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
        assert "py.typed" in package_data["package-data"]["spatialcoupling"]


@pytest.mark.parametrize("name", ["LICENSE", "CHANGELOG.md", "CONTRIBUTING.md"])
def test_project_files_exist(name):
    assert (ROOT / name).is_file()

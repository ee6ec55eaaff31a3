"""MkDocs hook: pages generated at build time from the repository, so that they cannot drift from it.

- ``reference/study-file.md`` is :func:`spatialcoupling.study.schema.reference_markdown` (the schema and
  the models' declared parameter constraints).
- ``gallery/<name>.ipynb`` is each notebook of ``notebooks/``, copied for the build into a temporary
  folder (removed after the build; nothing is linked or copied into ``docs/``) and executed by
  mkdocs-jupyter. This hook runs before the plugins (``event_priority``) so that mkdocs-jupyter sees the
  notebooks among the site's files. The copy is needed because mkdocs-jupyter reads a notebook from its
  file's source folder, which a generated file without a copy does not have.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
_COPIES: list[Path] = []


@event_priority(100)
def on_files(files: Files, config: Any) -> Files:
    """Add the generated study-file reference and the gallery's notebooks to the site's files."""
    from spatialcoupling.study.schema import reference_markdown

    files.append(File.generated(config, "reference/study-file.md", content=reference_markdown()))
    source = Path(tempfile.mkdtemp(prefix="spatialcoupling-gallery-"))
    _COPIES.append(source)
    (source / "gallery").mkdir()
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        shutil.copy2(notebook, source / "gallery" / notebook.name)
        files.append(
            File(
                f"gallery/{notebook.name}",
                src_dir=str(source),
                dest_dir=config.site_dir,
                use_directory_urls=config.use_directory_urls,
            )
        )
    return files


def on_post_build(config: Any) -> None:
    """Remove the build's copies of the notebooks."""
    while _COPIES:
        shutil.rmtree(_COPIES.pop(), ignore_errors=True)

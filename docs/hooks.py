"""MkDocs hook: the study-file reference generated at build time, so that it cannot drift from the code.

``reference/study-file.md`` is :func:`spatialcoupling.study.schema.reference_markdown` (the schema and
the models' declared parameter constraints). The gallery's notebooks are links to ``notebooks/``,
executed by mkdocs-jupyter.
"""

from __future__ import annotations

from typing import Any

from mkdocs.structure.files import File, Files


def on_files(files: Files, config: Any) -> Files:
    """Add the generated study-file reference to the site's files."""
    from spatialcoupling.study.schema import reference_markdown

    files.append(File.generated(config, "reference/study-file.md", content=reference_markdown()))
    return files

"""The one figure writer: every figure the package saves goes through :func:`save_figure`.

Figures are saved at 300 dpi (what journals ask of raster figures), cropped to their
content, written atomically (a temporary file in the target folder, moved into place when
complete), with SVG text kept as text (``svg.fonttype = "none"``) so a reader can edit it,
and without creation dates, so the same figure gives the same file. PNG files are compressed
at zlib level 3 rather than Pillow's 6: on a 300-dpi county map that encodes in two thirds of
the time (0.26 → 0.17 s) into a file 7% smaller; charts come out about a fifth larger.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["FIGURE_DPI", "FIGURE_SUFFIXES", "save_figure"]

#: resolution of raster figures
FIGURE_DPI = 300
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")
_METADATA: dict[str, dict[str, Any]] = {".svg": {"Date": None}, ".pdf": {"CreationDate": None}, ".png": {}}
_WRITER_OPTIONS: dict[str, dict[str, Any]] = {".png": {"pil_kwargs": {"compress_level": 3}}, ".svg": {}, ".pdf": {}}


def save_figure(fig: Any, path: str | Path, *, dpi: int = FIGURE_DPI, close: bool = False) -> Path:
    """Save ``fig`` to ``path`` (.png, .svg or .pdf, chosen by the suffix) and return the path.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : path
        Target file; its folder is created when missing.
    dpi : int
        Resolution of the PNG (and of raster parts of vector files).
    close : bool
        Close the figure afterwards (frees its memory).
    """
    import matplotlib as mpl

    from ._files import atomic_path

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FIGURE_SUFFIXES:
        raise ValueError(f"figures are saved as .png, .svg or .pdf, not {path.suffix!r} ({path.name})")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "spatialcoupling"}), atomic_path(path) as tmp:
            fig.savefig(
                tmp,
                dpi=dpi,
                bbox_inches="tight",
                format=suffix[1:],
                metadata=_METADATA[suffix],
                **_WRITER_OPTIONS[suffix],
            )
    finally:
        if close:
            import matplotlib.pyplot as plt

            plt.close(fig)
    return path

"""The HTML report of a study run, rendered from the steps' report sections.

One self-contained page: the notes of every step, then one section per step (title, caption,
its tables — the first 60 rows, the rest in ``tables/`` — and its figures embedded as PNG),
and the resolved settings.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from pathlib import Path

from .steps import StepOutput

__all__ = ["render_report"]

#: rows of a table the report shows
MAX_ROWS = 60

_CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto; \
color: #222; }
h1 { border-bottom: 2px solid #333; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.82em; margin: 0.6em 0 1.2em; }
td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; } th { background: #f3f3f3; }
.caption { color: #444; font-style: italic; } .note { color: #8a5a00; } img { max-width: 100%; }
pre { background: #f7f7f7; padding: 1em; overflow-x: auto; font-size: 0.8em; }
"""

_SYNTHETIC = ("<p class='note'><b>Synthetic data.</b> This study runs on 'china_demo', a simulated panel shaped like a "
              "provincial coupling study; its numbers are not statistics of any province.</p>")


def _section_html(out: StepOutput, pngs: Mapping[str, Path]) -> list[str]:
    sec = out.section
    if sec is None:
        return []
    parts = [f"<h2>{html.escape(sec.title)}</h2><p class='caption'>{html.escape(sec.caption)}</p>"]
    for name in sec.tables:
        table = out.tables[name]
        frame = table.shown()
        shown = frame if len(frame) <= MAX_ROWS else frame.head(MAX_ROWS)
        more = f" (first {MAX_ROWS} of {len(frame)} rows; all in tables/)" if len(frame) > MAX_ROWS else ""
        parts.append(f"<h3>{html.escape(table.caption or name)}{more}</h3>")
        parts.append(shown.to_html(float_format=lambda v: f"{v:.4f}", border=0))
    for name in sec.figures:
        png = pngs[name]
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        label = html.escape(png.stem)
        parts.append(f"<figure><img alt='{label}' src='data:image/png;base64,{data}'><figcaption>{label}"
                     "</figcaption></figure>")
    return parts


def render_report(steps: Sequence[tuple[StepOutput, Mapping[str, Path]]], notes: Sequence[str], settings_text: str,
                  *, synthetic: bool) -> str:
    """The report page.

    Parameters
    ----------
    steps : sequence of (StepOutput, mapping)
        Each step's output with the PNG file of each of its figures (by figure name).
    notes : sequence of str
        The notes of the run.
    settings_text : str
        The resolved settings (TOML).
    synthetic : bool
        The study runs on the synthetic demo panel (said at the top).
    """
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>spatialcoupling study report</title>",
             f"<style>{_CSS}</style></head><body>", "<h1>Study report</h1>"]
    if synthetic:
        parts.append(_SYNTHETIC)
    if notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li class='note'>{html.escape(n)}</li>" for n in notes) + "</ul>")
    for out, pngs in steps:
        parts += _section_html(out, pngs)
    parts.append(f"<h2>Settings</h2><pre>{html.escape(settings_text)}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)

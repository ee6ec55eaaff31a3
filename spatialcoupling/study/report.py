"""The HTML report of a study run, rendered from the steps' report sections.

One self-contained page that reads like a study: the data source, then one numbered section per
step in the order of the analysis, each with its caption, the warnings to read first, numbered
tables (the paper layout where a step has one, else the table with readable column names and no
row numbers; the first 60 rows, the rest in ``tables/``) and numbered figures with their captions
(embedded PNG), and the sentences of interpretation generated from the numbers; then the notes of
every step, each distinct note once (with a count when it was repeated), and the settings as a
compact table at the end (collapsed). Wide tables scroll inside their box.

Headings, captions, sentences, the notes of the run, the tables' column headers and the paper
tables' row labels are in English or Chinese (``language``; :data:`ZH`); names of variables,
regions and periods and the settings are shown as they are.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .._aliases import in_region_order
from .interpret import ZH, translate, translate_cells, translate_header, translate_note, translate_paper
from .steps import StepOutput, Table

__all__ = ["ZH", "distinct_notes", "render_report", "settings_rows", "translate"]

#: rows of a table the report shows
MAX_ROWS = 60

_SYNTHETIC = (
    "This study runs on 'china_demo', a simulated panel shaped like a provincial coupling study; its numbers are "
    "not statistics of any province."
)

_CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, 'Noto Sans CJK SC', sans-serif; max-width: 1100px;
margin: 2em auto; color: #222; line-height: 1.45; }
h1 { border-bottom: 2px solid #333; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
.tablebox { overflow-x: auto; max-width: 100%; margin: 0.4em 0 1.2em; }
table { border-collapse: collapse; font-size: 0.82em; }
table.paper { border-top: 2px solid #222; border-bottom: 2px solid #222; }
table.paper thead tr:last-child th { border-bottom: 1px solid #222; }
td, th { padding: 2px 8px; text-align: right; white-space: nowrap; } th { font-weight: 600; }
td.key, th.key { text-align: left; } tr.panel td { text-align: left; font-style: italic; padding-top: 0.5em; }
tr.rule td { border-top: 1px solid #999; padding: 0; }
table.plain td, table.plain th { border: 1px solid #ddd; } table.plain th { background: #f3f3f3; }
.caption { color: #444; } .tablecaption, figcaption { font-weight: 600; margin-top: 1em; }
.tablenotes { font-size: 0.8em; color: #444; margin-top: 0.2em; }
.interpretation { background: #f4f8fb; border-left: 3px solid #4a7ab0; padding: 0.4em 0.8em; }
.warning { background: #fff6e5; border-left: 3px solid #d08a00; padding: 0.4em 0.8em; }
.note { color: #8a5a00; } img { max-width: min(100%, 860px); } figure { margin: 1em 0; }
details summary { cursor: pointer; font-weight: 600; }
"""


class _Numbers:
    """Running numbers of tables and figures."""

    def __init__(self) -> None:
        self.table = 0
        self.figure = 0


def _paper_html(paper: Any, limit: int, language: str = "en") -> tuple[str, int]:
    """A paper table as a three-line HTML table (its print layout); the number of rows it has."""
    paper = translate_paper(paper.replace(body=in_region_order(paper.body)), language)
    notes = [str(n) for n in paper.notes]
    spanners, labels = paper.print_spanners(), paper.print_labels()
    keys = [paper.key_labels.get(k, k) for k in paper.print_keys()]
    head = []
    if any(spanners):
        cells = [f"<th class='key' colspan='{len(keys)}'></th>"] if keys else []
        i = 0
        while i < len(spanners):
            j = i
            while j < len(spanners) and spanners[j] == spanners[i]:
                j += 1
            cells.append(f"<th colspan='{j - i}' style='text-align:center'>{html.escape(spanners[i])}</th>")
            i = j
        head.append("<tr>" + "".join(cells) + "</tr>")
    head.append(
        "<tr>"
        + "".join(f"<th class='key'>{html.escape(k)}</th>" for k in keys)
        + "".join(f"<th>{html.escape(c)}</th>" for c in labels)
        + "</tr>"
    )
    width = len(keys) + len(labels)
    body, n = [], 0
    for kind, _, key_cells, cells in paper.print_rows():
        if kind == "row":
            n += 1
            if n > limit:
                continue
            body.append(
                "<tr>"
                + "".join(f"<td class='key'>{html.escape(str(c))}</td>" for c in key_cells)
                + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells)
                + "</tr>"
            )
        elif n < limit:
            if kind == "panel":
                body.append(f"<tr class='panel'><td colspan='{width}'>{html.escape(key_cells[0])}</td></tr>")
            else:
                body.append(f"<tr class='rule'><td colspan='{width}'></td></tr>")
    text = (
        "<div class='tablebox'><table class='paper'><thead>"
        + "".join(head)
        + "</thead><tbody>"
        + "".join(body)
        + "</tbody></table></div>"
    )
    if paper.notes:
        text += "<p class='tablenotes'>" + " ".join(html.escape(str(n)) for n in notes) + "</p>"
    return text, n


def _frame_html(table: Table, limit: int, language: str = "en") -> tuple[str, int]:
    """A tidy table with readable headers (in ``language``) and its keys as columns (no 0…n column);
    China's provinces in yearbook order, as in the table files."""
    frame = dataclasses.replace(table, frame=in_region_order(table.frame)).shown()
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
        frame = frame.reset_index()
    frame.columns.name = None
    frame = translate_cells(frame, language)
    if isinstance(frame.columns, pd.MultiIndex):
        frame.columns = [" ".join(str(translate_header(p, language)) for p in c if str(p)) for c in frame.columns]
    else:
        frame.columns = [translate_header(c, language) for c in frame.columns]
    shown = frame.head(limit)
    text = shown.to_html(float_format=lambda v: f"{v:.4f}", border=0, index=False, classes="plain", na_rep="")
    return f"<div class='tablebox'>{text}</div>", len(frame)


def _table_html(name: str, table: Table, numbers: _Numbers, language: str) -> str:
    paper = table.paper_table(name)
    if paper is not None:
        body, n = _paper_html(paper, MAX_ROWS, language)
        caption = paper.caption or table.caption or name
    else:
        body, n = _frame_html(table, MAX_ROWS, language)
        caption = table.caption or name
    if n == 0:
        return ""  # no empty tables
    numbers.table += 1
    more = ""
    if n > MAX_ROWS:
        more = translate(f" (first {MAX_ROWS} of {n} rows; all in tables/)", language)
    label = translate("Table", language)
    caption = translate(caption, language)
    return f"<p class='tablecaption'>{label} {numbers.table}. {html.escape(caption)}{html.escape(more)}</p>{body}"


def _figure_html(name: str, png: Path, caption: str | None, numbers: _Numbers, language: str) -> str:
    numbers.figure += 1
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    text = html.escape(translate(caption or name.replace("_", " "), language))
    label = translate("Figure", language)
    return (
        f"<figure><img alt='{text}' src='data:image/png;base64,{data}'><figcaption>{label} {numbers.figure}. "
        f"{text}</figcaption></figure>"
    )


def _section_html(index: int, out: StepOutput, pngs: Mapping[str, Path], numbers: _Numbers, language: str) -> list[str]:
    sec = out.section
    if sec is None:
        return []
    title = translate(sec.title, language)
    parts = [
        f"<h2 id='s{index}'>{index}. {html.escape(title)}</h2>",
        f"<p class='caption'>{html.escape(translate(sec.caption, language))}</p>",
    ]
    if sec.before:
        parts.append(
            "<div class='warning'>"
            + "".join(f"<p>{html.escape(translate(t, language))}</p>" for t in sec.before)
            + "</div>"
        )
    for name in sec.tables:
        if name in out.tables:
            parts.append(_table_html(name, out.tables[name], numbers, language))
    for name in sec.figures:
        if name in pngs:
            figure = out.figures.get(name)
            parts.append(_figure_html(name, pngs[name], getattr(figure, "caption", None), numbers, language))
    if sec.interpretation:
        parts.append(
            "<div class='interpretation'>"
            + "".join(f"<p>{html.escape(translate(t, language))}</p>" for t in sec.interpretation)
            + "</div>"
        )
    return parts


_STEP_PREFIX = re.compile(r"^([\w ()-]+?): ")


def distinct_notes(notes: Sequence[str]) -> list[tuple[str, int]]:
    """Each distinct note once, in order of first appearance, with how often it was given.

    Notes that differ only in the step named at their start (``"beta (absolute): x"`` and
    ``"beta (conditional): x"``) count as one note, shown with its first prefix.
    """
    seen: dict[str, list[Any]] = {}
    for note in notes:
        match = _STEP_PREFIX.match(note)
        body = note[match.end() :] if match else note
        if body in seen:
            seen[body][1] += 1
        else:
            seen[body] = [note, 1]
    return [(text, count) for text, count in seen.values()]


def settings_rows(settings: Mapping[str, Any]) -> pd.DataFrame:
    """The resolved settings as rows ``setting`` (dotted key) and ``value`` (TOML-like text)."""
    rows: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping) and not (
            value and all(not isinstance(v, Mapping) for v in value.values()) and prefix.count(".") >= 1
        ):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
            return
        if isinstance(value, Mapping):
            text = ", ".join(f"{k} = {v}" for k, v in value.items())
        elif isinstance(value, list | tuple):
            text = ", ".join(str(v) for v in value)
        else:
            text = str(value)
        rows.append((prefix, text))

    walk("", settings)
    return pd.DataFrame(rows, columns=["setting", "value"])


def render_report(
    steps: Sequence[tuple[StepOutput, Mapping[str, Path]]],
    notes: Sequence[str],
    settings: Mapping[str, Any] | str,
    *,
    synthetic: bool,
    language: str = "en",
) -> str:
    """The report page.

    Parameters
    ----------
    steps : sequence of (StepOutput, mapping)
        Each step's output with the PNG file of each of its figures (by figure name).
    notes : sequence of str
        The notes of the run (every step's; each distinct note is shown once).
    settings : mapping or str
        The resolved settings (a mapping: shown as a table; text: shown as it is).
    synthetic : bool
        The study runs on the synthetic demo panel (said at the top).
    language : {"en", "zh"}
        Language of the headings and fixed captions.
    """
    lang = "zh-Hans" if language == "zh" else "en"
    title = translate("Study report", language)
    parts = [
        (
            f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>spatialcoupling "
            f"{html.escape(title)}</title>"
        ),
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if synthetic:
        parts.append(
            f"<p class='warning'><b>{translate('Synthetic data.', language)}</b> {translate(_SYNTHETIC, language)}</p>"
        )
    sections = [(out, pngs) for out, pngs in steps if out.section is not None]
    if sections:
        items = "".join(
            f"<li><a href='#s{i}'>{html.escape(translate(out.section.title, language))}</a></li>"
            for i, (out, _) in enumerate(sections, 1)
            if out.section is not None
        )
        parts.append(f"<nav><b>{translate('Contents', language)}</b><ol>{items}</ol></nav>")
    numbers = _Numbers()
    for i, (out, pngs) in enumerate(sections, 1):
        parts += _section_html(i, out, pngs, numbers, language)
    if notes:
        items = "".join(
            f"<li class='note'>{html.escape(translate_note(text, language))}"
            + (f" <b>(×{count})</b>" if count > 1 else "")
            + "</li>"
            for text, count in distinct_notes(notes)
        )
        parts.append(f"<h2>{translate('Notes', language)}</h2><ul>{items}</ul>")
    heading = translate("Settings", language)
    if isinstance(settings, str):
        body = f"<pre>{html.escape(settings)}</pre>"
    else:
        rows = settings_rows(settings).rename(
            columns={"setting": translate("setting", language), "value": translate("value", language)}
        )
        body = "<div class='tablebox'>" + rows.to_html(index=False, border=0, classes="plain") + "</div>"
    parts.append(f"<h2>{heading}</h2><details><summary>{heading}</summary>{body}</details>")
    parts.append("</body></html>")
    return "\n".join(parts)

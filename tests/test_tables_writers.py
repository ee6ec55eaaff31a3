"""Writers of paper tables: flat Excel sheets, CSV for Excel, Word three-line tables, LaTeX that
compiles, Markdown; and the tables package takes plain data only."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from spatialcoupling.tables import (
    ModelColumn,
    PaperTable,
    dagum_between_table,
    descriptive_table,
    growth_table,
    regression_table,
    to_latex,
    to_markdown,
    weights_table,
    write_docx,
    write_table,
    write_tables,
)

PACKAGE = Path(__file__).resolve().parents[1] / "spatialcoupling"
SPECIAL = "50% & $x_1$ {a} #2 ~b^c \\d <e> |f| ρ σ² – ×"


def _D() -> pd.Series:
    rng = np.random.default_rng(5)
    regions = ["Anhui", "Beijing", "Fujian", "Gansu", "Hebei", "Jilin", "Hunan", "Yunnan"]
    years = list(range(2009, 2025))
    values = rng.uniform(0.2, 0.4, (len(regions), 1)) * np.exp(np.cumsum(rng.uniform(0, 0.05, (8, 16)), axis=1))
    idx = pd.MultiIndex.from_product([regions, years], names=["region", "period"])
    return pd.Series(values.ravel(), index=idx, name="D")


GROUPS = {
    "Anhui": "Central",
    "Beijing": "East",
    "Fujian": "East",
    "Gansu": "West",
    "Hebei": "East",
    "Jilin": "Central",
    "Hunan": "Central",
    "Yunnan": "West",
}


def _regression() -> PaperTable:
    a = ModelColumn(
        "FE",
        pd.DataFrame(
            {"coef": [-0.17, 0.02], "std_error": [0.017, 0.004], "p_value": [1e-9, 0.03]}, index=["ln_y", "sigma2"]
        ),
        {"N": 435, "Region FE": "Yes", "Year FE": "Yes"},
        group="Absolute",
        statistic="t",
    )
    b = ModelColumn(
        "SDM",
        pd.DataFrame(
            {
                "coef": [-0.447, 0.052, 0.392, 0.113],
                "std_error": [0.03, 0.017, 0.061, 0.072],
                "p_value": [1e-49, 0.0017, 1e-10, 0.12],
            },
            index=["ln_y", "human_capital", "W_ln_y", "rho"],
        ),
        {"N": 435, "Region FE": "Yes", "Year FE": "Yes", "Lee–Yu": "Yes", "Log-likelihood": 732.56},
        group="Conditional",
    )
    return regression_table([a, b], labels={"ln_y": "ln D"}, caption="Beta convergence of D", name="beta")


def _tables() -> dict[str, PaperTable]:
    D = _D()
    between = pd.DataFrame(
        {"rank_j": [1, 1, 2] * 2, "rank_h": [2, 3, 3] * 2, "G_jh": np.linspace(0.1, 0.6, 6)},
        index=pd.MultiIndex.from_tuples(
            [
                (2009, "East", "Central"),
                (2009, "East", "West"),
                (2009, "Central", "West"),
                (2010, "Central", "East"),
                (2010, "Central", "West"),
                (2010, "East", "West"),
            ],
            names=["period", "group_j", "group_h"],
        ),
    )
    weights = pd.DataFrame(
        {
            "indicator": ["gdp", "jobs", "patents"],
            "subsystem": ["MS", "MS", "AM"],
            "dimension": ["scale", "scale", "innovation"],
            "direction": ["+", "-", "+"],
            "weight": [0.6, 0.4, 1.0],
        }
    )
    return {
        "beta": _regression(),
        "growth": growth_table(
            D,
            [(2009, 2014), (2014, 2019), (2019, 2024), (2009, 2024)],
            groups=GROUPS,
            growth="both",
            aggregate="both",
            caption="D and its average annual growth",
        ),
        "between": dagum_between_table(between, caption="Between-group Gini"),
        "weights": weights_table(weights, caption="Indicator system and weights"),
        "descriptive": descriptive_table(D, by="period", caption="Descriptive statistics of D"),
    }


# -- Excel ------------------------------------------------------------------------------------------
def test_workbook_sheets_read_back_flat(tmp_path):
    tables = _tables()
    path = write_tables(tables, tmp_path / "tables.xlsx", about={"beta": {"model": "sdm"}, "seed": 1}, codebook=True)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["about", "beta", "growth", "between", "weights", "descriptive", "codebook"]
    for ws in book.worksheets:
        assert not ws.merged_cells.ranges, ws.title
        header = [c.value for c in ws[1]]
        assert all(isinstance(h, str) and h for h in header), ws.title
        assert all(c.font.b for c in ws[1]), ws.title
        assert ws.freeze_panes is not None, ws.title
        assert ws.freeze_panes.endswith("2"), ws.title
    for name, table in tables.items():
        ws = book[name]
        keys = table.key_names
        assert [c.value for c in ws[1]][: len(keys)] == keys
        for col in range(1, len(keys) + 1):  # every key column is full: no blank, no merged cell
            values = [ws.cell(row=r, column=col).value for r in range(2, ws.max_row + 1)]
            assert len(values) == len(table.body), (name, col)
            assert all(v not in (None, "") for v in values), (name, col)
    growth = book["growth"]
    header = [c.value for c in growth[1]]
    assert "D 2009" in header
    assert "Geometric mean rate 2009~2014" in header
    geo = header.index("Geometric mean rate 2009~2014") + 1
    assert growth.cell(row=2, column=geo).number_format == "0.00%"
    assert growth.cell(row=2, column=header.index("D 2009") + 1).number_format == "0.000"
    beta = pd.read_excel(path, sheet_name="beta")
    row = beta[(beta["term"] == "ln D") & (beta["statistic"] == "coef") & (beta["block"] == "Main")]
    assert row["Conditional SDM"].iloc[0] == "-0.447***"
    assert "Absolute FE" in beta.columns
    about = pd.read_excel(path, sheet_name="about", index_col=0)
    assert about.loc["beta.model", "value"] == "sdm"
    codebook = pd.read_excel(path, sheet_name="codebook")
    caption = codebook[(codebook["sheet"] == "growth") & (codebook["column"] == "(table)")]["description"].iloc[0]
    assert caption.startswith("D and its average annual growth")
    assert "geometric mean rate" in caption
    described = codebook.set_index(["sheet", "column"])["description"]
    assert described[("growth", "D 2009")] == "coupling coordination degree D = sqrt(C T) (2009)"


def test_csv_of_a_paper_table_is_flat_utf8_with_bom(tmp_path):
    path = write_table(_tables()["growth"], tmp_path / "growth.csv")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    back = pd.read_csv(path)
    assert list(back.columns[:3]) == ["group", "level", "name"]
    assert back["group"].notna().all()
    first = back.loc[0, "name"]  # the first region (yearbook order for China's provinces)
    assert back.loc[0, "D 2009"] == pytest.approx(_D().loc[(first, 2009)])  # full precision


# -- Word --------------------------------------------------------------------------------------------
def _borders(element, tag):
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    found = element.find(f".//w:{tag}", ns)
    if found is None:
        return {}
    return {child.tag.split("}")[1]: (child.get(f"{{{ns['w']}}}val"), child.get(f"{{{ns['w']}}}sz")) for child in found}


def test_docx_has_three_line_tables_with_the_latex_content(tmp_path):
    docx = pytest.importorskip("docx")
    tables = _tables()
    path = write_docx(list(tables.values()), tmp_path / "tables.docx")
    document = docx.Document(str(path))
    assert len(document.tables) == len(tables)
    captions = [p for p in document.paragraphs if p.text.startswith("Table ")]
    assert [c.text for c in captions][:2] == [
        "Table 1.  Beta convergence of D",
        "Table 2.  D and its average annual growth",
    ]
    assert "SEQ Table" in captions[0]._p.xml  # a Word caption number, so cross-references work
    for table, paper in zip(document.tables, tables.values(), strict=True):
        tbl = table._tbl
        borders = _borders(tbl, "tblBorders")
        assert borders["top"] == ("single", "12")
        assert borders["bottom"] == ("single", "12")
        assert all(borders[k][0] == "nil" for k in ("left", "right", "insideH", "insideV"))
        header_rows = 2 if any(paper.spanners()) else 1
        ruled = [i for i, row in enumerate(table.rows) if _borders(row._tr, "tcBorders")]
        assert ruled == [header_rows - 1]  # the rule under the header, on no other row
        cells = {
            (b.get("bottom") or ("", ""))[0]
            for row in table.rows[header_rows - 1 : header_rows]
            for b in [_borders(row._tr, "tcBorders")]
        }
        assert cells == {"single"}
        # the same content as the LaTeX table: every printed row, in order
        texts = [[c.text for c in row.cells] for row in table.rows[header_rows:]]
        printed = [r for r in paper.print_rows() if r[0] != "rule"]
        assert len(texts) == len(printed)
        for got, (kind, _, keys, values) in zip(texts, printed, strict=True):
            assert got[0] == keys[0] if kind == "panel" else got == [*keys, *values]
    notes = [p.text for p in document.paragraphs if p.text.startswith("Notes:")]
    assert notes[0].startswith("Notes: Standard errors in parentheses.")


# -- LaTeX -------------------------------------------------------------------------------------------
def test_latex_escapes_captions_notes_and_cells():
    body = pd.DataFrame({SPECIAL: [SPECIAL], "x": [1.5]}, index=pd.Index([SPECIAL], name="k_ey"))
    tex = to_latex(PaperTable(body, caption=SPECIAL, notes=[SPECIAL], name="sp_ecial"))
    escaped = (
        r"50\% \& \$x\_1\$ \{a\} \#2 \textasciitilde{}b\textasciicircum{}c \textbackslash{}d "
        r"\textless{}e\textgreater{} \textbar{}f\textbar{} $\rho$ $\sigma$\textsuperscript{2} -- $\times$"
    )
    assert tex.count(escaped) == 5  # caption, header, key cell, value cell, notes
    assert rf"\textit{{Notes:}} {escaped}" in tex
    assert r"\label{tab:sp_ecial}" in tex
    assert "k\\_ey" in tex


def test_latex_numbers_align_on_the_decimal_point():
    tex = to_latex(_regression())
    assert r"$-$0.447\makebox[1.20em][l]{\textsuperscript{***}}" in tex
    assert r"(0.030\makebox[1.20em][l]{)}" in tex
    assert r"\begin{tabular}{@{}lrr@{}}" in tex or r"\begin{longtable}{@{}lrr@{}}" in tex
    assert r"\midrule" in tex.split(r"\textit{Spatial}")[1]  # the footer below a rule


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_every_tex_table_compiles_within_the_page(tmp_path):
    tables = dict(_tables())
    tables["special"] = PaperTable(
        pd.DataFrame({SPECIAL: [SPECIAL], "x": [1.5]}, index=pd.Index(["a"], name="k")),
        caption=SPECIAL,
        notes=[SPECIAL],
        name="special",
    )
    rng = np.random.default_rng(2)
    tables["long_wide"] = PaperTable(
        pd.DataFrame(
            rng.normal(size=(90, 30)),
            columns=[f"column_{i}" for i in range(30)],
            index=pd.Index([f"region {i}" for i in range(90)], name="region"),
        ),
        caption="A long and wide table",
        name="long_wide",
    )
    inputs = []
    for name, table in tables.items():
        write_table(table, tmp_path / f"{name}.tex")
        inputs.append(rf"\input{{{name}.tex}}\clearpage")
    doc = tmp_path / "doc.tex"
    doc.write_text(
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{booktabs,array,longtable}\n"
        "\\begin{document}\n" + "\n".join(inputs) + "\n\\end{document}\n"
    )
    for _ in range(2):  # longtable settles its column widths on the second run
        run = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert run.returncode == 0, log[-3000:]
    assert not re.findall(r"Overfull \\hbox[^\n]*", log)
    assert "Float too large" not in log


# -- Markdown ------------------------------------------------------------------------------------------
def test_markdown_table():
    md = to_markdown(_regression())
    lines = md.splitlines()
    assert lines[0] == "**Beta convergence of D**"
    assert lines[2] == "|  | Absolute FE | Conditional SDM |"
    assert lines[3] == "|:---|---:|---:|"
    assert "| ln D | -0.170*** | -0.447*** |" in md
    assert "| *Wx* |  |  |" in md
    assert "| N | 435 | 435 |" in md
    assert lines[-1].startswith("*Notes:* Standard errors in parentheses.")
    piped = to_markdown(PaperTable(pd.DataFrame({"a|b": ["x|y"]})))
    assert "a\\|b" in piped
    assert "x\\|y" in piped


# -- layering ------------------------------------------------------------------------------------------
def test_tables_take_plain_data_only():
    """Like plotting, the tables package imports no analysis module (results call tables)."""
    analysis = (
        "autocorrelation",
        "inequality",
        "spatial_panel",
        "convergence",
        "study",
        "scores",
        "coupling",
        "cli",
        "weighting",
        "clubs",
        "panel",
        "indicators",
        "regions",
        "spatial",
        "spatialweights",
        "maps",
    )
    bad = []
    for path in (PACKAGE / "tables").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level >= 2 and (node.module or "").split(".")[0] in analysis:
                bad.append((path.name, node.module))
            if (
                isinstance(node, ast.ImportFrom)
                and node.level == 0
                and (node.module or "").startswith("spatialcoupling")
            ):
                bad.append((path.name, node.module))
    assert bad == []


def test_docx_body_rows_carry_their_texts_alignment_and_fonts(tmp_path):
    """Body rows are written from one formatted template row: every cell still has its own text,
    numbers right-aligned, keys left-aligned, the cell font and size; a text with a line break
    goes through python-docx's own runs."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    from spatialcoupling.tables import write_docx

    frame = pd.DataFrame(
        {"D": [0.1234, 0.5, 0.25], "label": ["a", " spaced ", "two\nlines"]},
        index=pd.Index(["Beijing", "Tianjin", "Hebei"], name="region"),
    )
    path = write_docx([frame], tmp_path / "t.docx")
    table = docx.Document(str(path)).tables[0]
    body = table.rows[1:]
    assert [r.cells[0].text for r in body] == ["Beijing", "Tianjin", "Hebei"]
    assert [r.cells[2].text for r in body] == ["a", " spaced ", "two\nlines"]
    for row in body:
        assert row.cells[0].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.LEFT
        assert row.cells[1].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
        run = row.cells[1].paragraphs[0].runs[0]
        assert run.font.size.pt == 10.5
        assert run.font.name == "Times New Roman"
        assert run.element.rPr.rFonts.get(qn("w:eastAsia")) == "SimSun"
    assert float(body[0].cells[1].text) == pytest.approx(0.123, abs=5e-4)


def test_sheet_column_width_of_numbers_equals_the_widest_printed_value():
    """The width of a numeric sheet column comes from four candidates (largest, smallest, nearest 0 on
    either side); it must equal the widest of all values printed with 3 decimals."""
    from spatialcoupling.tables._format import format_number
    from spatialcoupling.tables.writers import _number_width, _text_width

    rng = np.random.default_rng(0)
    for trial in range(500):
        x = rng.normal(scale=10.0 ** rng.integers(-6, 6), size=rng.integers(0, 30))
        if trial % 3 == 0 and x.size:
            x[rng.integers(0, x.size)] = 0.0
        if trial % 5 == 0:
            x = np.abs(x)
        assert _number_width(x) == max((len(format_number(v, 3)) for v in x), default=4)
    assert _text_width(["abc", "北京市", "Hebei Province"]) == 14
    assert _text_width(["内蒙古自治区"]) == 12
    assert _text_width([]) == 0


def test_docx_cells_copied_from_a_prototype_equal_cells_styled_by_python_docx(tmp_path):
    """Header, spanner and panel cells are copies of one styled paragraph per style with the text set;
    each must be the XML python-docx itself makes for that text and style (leading and trailing
    spaces preserved, a stale ``xml:space`` dropped; empty texts and line breaks styled directly)."""
    import docx
    from docx.oxml.ns import qn
    from lxml import etree

    from spatialcoupling.tables.writers import _PrototypeFill

    def styled(paragraph, text, right, center, italic):
        paragraph.alignment = 1 if center else 2 if right else 0
        paragraph.paragraph_format.space_after = 0
        run = paragraph.add_run(text)
        run.italic = italic or None
        run.font.name = "Times New Roman"

    document = docx.Document()
    texts = ["Region", " lead", "trail ", "plain", "", "two\nlines", "tab\there", "x y"]
    styles = [(False, False, False), (True, False, False), (False, True, False), (False, False, True)]
    made = document.add_table(rows=2 * len(styles), cols=len(texts))
    fill = _PrototypeFill(styled)
    for i, (right, center, italic) in enumerate(styles):
        for j, text in enumerate(texts):
            fill(made.cell(2 * i, j), text, right=right, center=center, italic=italic)
            styled(made.cell(2 * i + 1, j).paragraphs[0], text, right, center, italic)
    assert len(fill.prototypes) == len(styles)
    for i in range(len(styles)):
        for j, text in enumerate(texts):
            copied = made.cell(2 * i, j)._tc.find(qn("w:p"))
            direct = made.cell(2 * i + 1, j)._tc.find(qn("w:p"))
            assert etree.tostring(copied) == etree.tostring(direct), (styles[i], text)
            assert made.cell(2 * i, j).text == text

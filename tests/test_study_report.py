"""The study's paper tables, report, GIS layers and new sections, on the real-data US demo.

One run of the US productivity demo (Munnell 1990) with fast settings, a spatial Durbin β of
both kinds with a grouping, and every section of the distribution dynamics and drivers; the
tests read its files back with openpyxl, python-docx and geopandas and check the report's
sentences against numbers computed here from the results' tables (and Moran's I against esda).
"""

from __future__ import annotations

import html
import re
import shutil

import numpy as np
import pandas as pd
import pytest

import spatialcoupling as sc
from spatialcoupling.study import StudyError, demo_study

SECTIONS_NEW = {
    "density": {"bandwidth": "scott", "years": [1970, 1978, 1986]},
    "markov": {"k": 4, "spatial": True},
    "space_time": {"permutations": 99, "rank": True},
    "gravity": {},
    "obstacle": {"top": 3},
    "detector": {"factors": ["unemp", "pc"], "k": 4},
    "hotspots": {"permutations": 99, "periods": [1986]},
    "bivariate": {"column": "unemp", "permutations": 99, "periods": [1986]},
}


def _us_settings(**extra):
    settings = demo_study("us_productivity").settings
    settings["moran"]["permutations"] = 99
    settings["lisa"]["permutations"] = 99
    settings["beta"] = {
        "kinds": ["absolute", "conditional"],
        "model": "sdm",
        "controls": ["unemp"],
        "draws": 100,
        "grouping": "SUB_REGION",
    }
    settings["output"] = {"tables": ["csv", "xlsx", "tex", "docx", "md"], "figures": ["png"]}
    settings.update(extra)
    return settings


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = demo_study("us_productivity").base_dir
    study = sc.Study.from_dict(_us_settings(**SECTIONS_NEW), base_dir=base)
    out = tmp_path_factory.mktemp("us") / "out"
    result = study.run(out, progress=False)
    yield result
    shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="module")
def report(run):
    return (run.out / "report.html").read_text(encoding="utf-8")


# -- tables ------------------------------------------------------------------------------------------
def test_every_sheet_is_flat_with_a_full_region_column(run):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(run.out / "tables" / "tables.xlsx")
    names = book.sheetnames
    assert names[0] == "about"
    assert names[-1] == "codebook"
    assert {"paper_beta", "paper_weights", "paper_dagum", "paper_D_growth", "lisa", "coupling"} <= set(names)
    for ws in book.worksheets:
        assert not ws.merged_cells.ranges, ws.title
        assert ws.freeze_panes is not None, ws.title
        assert ws.freeze_panes[-1] == "2", ws.title  # the header row frozen
        header = [c.value for c in ws[1]]
        assert all(h is not None and h != "" for h in header), ws.title
        for label in ("region", "Region"):
            if label in header:
                column = header.index(label) + 1
                values = [ws.cell(row=r, column=column).value for r in range(2, ws.max_row + 1)]
                assert all(v not in (None, "") for v in values), (ws.title, label)
    lisa = pd.read_excel(run.out / "tables" / "tables.xlsx", sheet_name="lisa")
    assert len(lisa) == 48 * 17
    assert lisa["region"].notna().all()


def test_regression_table_has_stars_parentheses_and_footer(run):
    sheet = pd.read_excel(run.out / "tables" / "tables.xlsx", sheet_name="paper_beta", dtype=str)
    res = run["beta_conditional"]
    terms = sheet[sheet["term"] == "ln D(t)"]
    coef = terms[terms["statistic"] == "coef"]
    se = terms[terms["statistic"] == "se"]
    columns = [c for c in sheet.columns if c.startswith("Conditional")]
    assert columns
    assert any(c.startswith("Absolute") for c in sheet.columns)
    national = columns[0]
    # the coefficient of ln D printed with 3 decimals and the stars its p-value earns (* .1, ** .05, *** .01)
    p = float(res.p_value)
    stars = "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""
    assert coef[national].iloc[0] == f"{res.beta:.3f}{stars}"
    assert se[national].iloc[0] == f"({res.std_error:.3f})"
    footer = set(sheet.loc[sheet["block"] == "Statistics", "term"])
    assert {"N", "Regions", "Periods", "Log-likelihood", "Region FE", "Year FE"} <= footer
    # a column per group of SUB_REGION, for both kinds
    groups = sorted(run["regions"]["SUB_REGION"].unique())
    assert len(columns) == 1 + len(groups)
    tex = (run.out / "tables" / "beta.tex").read_text()
    assert "\\begin{table}" in tex or "\\begin{longtable}" in tex
    assert "***" in tex
    assert "\\caption" in tex


def test_impacts_table_covers_every_regressor(run):
    sheet = pd.read_excel(run.out / "tables" / "tables.xlsx", sheet_name="paper_beta_impacts", dtype=str)
    blocks = set(sheet["block"])
    assert {"Direct", "Indirect", "Total"} <= blocks
    assert {"ln D(t)", "unemp"} <= set(sheet.loc[sheet["block"] == "Total", "term"])


def test_growth_table_matches_hand_computation(run):
    D = run["D"].unstack("period")
    sheet = pd.read_csv(run.out / "tables" / "paper" / "D_growth.csv", encoding="utf-8-sig")
    rows = sheet.set_index(sheet.columns[1])
    ca = rows.loc["CA"]
    by_hand = (D.loc["CA", 1978] / D.loc["CA", 1970]) ** (1 / 8) - 1
    growth = next(c for c in sheet.columns if "1970~1978" in c)
    assert float(ca[growth]) == pytest.approx(by_hand, rel=1e-9)
    national = rows.loc[next(i for i in rows.index if str(i).startswith("National"))]
    mean = D.mean()
    assert float(national[growth]) == pytest.approx((mean[1978] / mean[1970]) ** (1 / 8) - 1, rel=1e-9)


def test_docx_has_every_paper_table_with_three_rules(run):
    docx = pytest.importorskip("docx")
    from docx.oxml.ns import qn

    document = docx.Document(str(run.out / "tables" / "tables.docx"))
    assert len(document.tables) >= 8
    for table in document.tables:
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        values = {b.tag.split("}")[1]: b.get(qn("w:val")) for b in borders}
        assert values["top"] == "single"
        assert values["bottom"] == "single"
        assert values["insideV"] in ("nil", "none")
        assert values["left"] in ("nil", "none")
        header = list(table.rows[0]._tr.iter(qn("w:tcBorders"))) + [
            c for r in table.rows[:2] for c in r._tr.iter(qn("w:tcBorders"))
        ]
        assert header  # the rule under the header
    captions = [p.text for p in document.paragraphs if p.text.startswith("Table ")]
    assert captions[0].startswith("Table 1.")
    assert any("Beta convergence" in c for c in captions)


def test_csv_files_are_utf8_with_bom(run):
    for path in [run.out / "tables" / "coupling.csv", run.out / "tables" / "paper" / "dagum.csv"]:
        assert path.read_bytes()[:3] == b"\xef\xbb\xbf", path.name


# -- report --------------------------------------------------------------------------------------------
def test_report_numbers_tables_and_figures(report):
    tables = [int(n) for n in re.findall(r"<p class='tablecaption'>Table (\d+)\.", report)]
    figures = [int(n) for n in re.findall(r"<figcaption>Figure (\d+)\.", report)]
    assert tables == list(range(1, len(tables) + 1))
    assert len(tables) > 20
    assert figures == list(range(1, len(figures) + 1))
    assert len(figures) > 10
    assert "Munnell" in report
    assert "<details>" in report.split("<h2>Settings</h2>")[1]
    assert "VI_norm" not in report
    assert "z_rand" not in report
    # no empty tables: every table shown has a body row
    for block in report.split("<p class='tablecaption'>")[1:]:
        assert "<td" in block.split("</table>")[0]
    headings = re.findall(r"<h2 id='s\d+'>(\d+)\. ([^<]+)</h2>", report)
    titles = [t for _, t in headings]
    assert (
        titles.index("Global Moran&#x27;s I of D")
        < titles.index("LISA clusters of D")
        < titles.index("Beta convergence of D")
        < titles.index("Kernel density of D")
    )


def test_moran_sentence_counts_the_significant_years(run, report):
    esda = pytest.importorskip("esda")
    table = run["moran"].table
    w = run["w"]
    D = run["D"]
    ids = list(w.neighbors) if hasattr(w, "neighbors") else None
    year = table.index[0]
    values = D.xs(year, level="period")
    if ids is not None:
        values = values.reindex(ids)
        wl = w
    else:
        wl = w.to_libpysal() if hasattr(w, "to_libpysal") else w
    mi = esda.Moran(values.to_numpy(), wl, permutations=0)
    assert pytest.approx(table.loc[year, "I"], rel=1e-9) == mi.I
    k = int(((table["p_sim"] <= 0.05) & (table["I"] > 0)).sum())
    n = len(table)
    if k:
        assert f"positive and significant at 5% in {k} of {n} periods" in report
    else:
        assert f"not significant at 5% in any of the {n} periods" in report


def test_dagum_and_beta_sentences_follow_the_numbers(run, report):
    dagum = run["dagum"].table
    share = (dagum["Gnb"] / dagum["G"]).mean()  # by hand, not the share column
    assert f"net between-group component contributes {100 * share:.0f}%" in report
    res = run["beta_absolute"]
    assert f"Absolute β = {res.beta:.4f}" in report
    impacts = res.impacts
    total = impacts.loc["total"] if impacts.index.nlevels == 1 else impacts.xs("ln_y").loc["total"]
    if res.p_value <= 0.05 and total["p_value"] > 0.05:
        assert "the speed and half-life implied by it are not significant either" in html.unescape(report)


def test_notes_are_shown_once_with_a_count(report):
    notes = re.findall(r"<li class='note'>(.*?)</li>", report)
    bodies = [re.sub(r" <b>\(×\d+\)</b>$", "", n) for n in notes]
    assert len(bodies) == len(set(bodies))


def test_distinct_notes_merge_notes_that_differ_only_by_step():
    from spatialcoupling.study.report import distinct_notes

    notes = ["beta (absolute): impacts: traces exact", "beta (conditional): impacts: traces exact", "dagum: x"]
    assert distinct_notes(notes) == [("beta (absolute): impacts: traces exact", 2), ("dagum: x", 1)]


def test_lisa_warning_when_moran_is_never_significant():
    from spatialcoupling.study.interpret import lisa_sentences

    moran = pd.DataFrame({"I": [0.01, -0.02], "p_sim": [0.4, 0.7]}, index=[2000, 2001])
    counts = pd.DataFrame({"HH": [1, 0], "LL": [0, 1], "LH": [0, 0], "HL": [1, 0], "ns": [27, 28]}, index=[2000, 2001])
    text = lisa_sentences(moran, counts, 29, 0.05, None)
    assert text[0].startswith("Global Moran's I is not significant at 5% in any of the 2 periods")
    assert "from 1 to 2 of 29" in text[1]
    assert "about 1.5 regions per period are expected to be significant" in text[2]


def test_beta_sentence_when_beta_is_not_significant():
    from types import SimpleNamespace

    from spatialcoupling.study.interpret import beta_sentences

    res = SimpleNamespace(beta=-0.02, p_value=0.31, speed=0.02, half_life=34.0, impacts=None)
    text = beta_sentences({"absolute": res})
    assert "not significant at 5% (p = 0.310)" in text[0]
    assert "half-life are not significant either" in text[0]


# -- layers ---------------------------------------------------------------------------------------------
def test_layers_have_every_boundary_and_period(run):
    gpd = pytest.importorskip("geopandas")
    coupling = gpd.read_file(run.out / "layers" / "coupling.gpkg")
    boundaries = run["boundaries"]
    assert len(coupling) == len(boundaries) * 17
    assert {"U_INFRA", "U_ECON", "C", "T", "D", "grade", "grade_label", "date", "SUB_REGION"} <= set(coupling.columns)
    assert not {"AREA", "PERIMETER", "1929"} & set(coupling.columns)  # no foreign columns
    assert pd.api.types.is_datetime64_any_dtype(coupling["date"])
    assert (coupling["date"].dt.year == coupling["period"]).all()
    csv = pd.read_csv(run.out / "tables" / "coupling.csv", encoding="utf-8-sig")
    shared = [c for c in coupling.columns if c not in ("region", "period", "date", "SUB_REGION", "geometry")]
    assert set(shared) <= set(csv.columns)  # one field name per concept
    clusters = gpd.read_file(run.out / "layers" / "clusters.gpkg")
    lisa = pd.read_csv(run.out / "tables" / "lisa.csv", encoding="utf-8-sig")
    assert {"significant", "cluster", "p_sim"} <= set(clusters.columns)
    assert "signif" not in clusters.columns
    assert set(clusters.columns) - {"date", "geometry"} <= set(lisa.columns)
    qml = (run.out / "layers" / "clusters.qml").read_text()
    assert 'attr="cluster"' in qml
    assert "255,0,0,255" in qml
    assert "0,0,255,255" in qml


def test_layer_keeps_boundaries_without_data():
    from spatialcoupling.layers import coupling_layer

    gpd = pytest.importorskip("geopandas")
    from shapely.geometry import box

    boundaries = gpd.GeoDataFrame(
        {"zone": ["n", "s", "s"], "AREA": [1, 2, 3]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
        index=pd.Index(["a", "b", "c"], name="region"),
        crs="EPSG:4326",
    )
    index = pd.MultiIndex.from_product([["a", "b"], [2000, 2001]], names=["region", "period"])
    table = pd.DataFrame(
        {"U_X": [0.1, 0.2, 0.3, 0.4], "C": 1.0, "T": 0.5, "D": [0.3, 0.4, 0.5, 0.6], "grade": [4, 5, 5, 6], "other": 9},
        index=index,
    )
    layer = coupling_layer(table, boundaries, groupings=["zone"])
    assert len(layer) == 6
    assert list(layer.columns) == [
        "region",
        "period",
        "date",
        "U_X",
        "C",
        "T",
        "D",
        "grade",
        "zone",
        "geometry",
    ]
    assert layer.loc[layer["region"] == "c", "D"].isna().all()


# -- new sections ----------------------------------------------------------------------------------------
def test_new_sections_write_tables_figures_and_report(run, report):
    files = {p.relative_to(run.out).as_posix() for p in run.files}
    for table in (
        "density",
        "markov",
        "spatial_markov_tests",
        "space_time",
        "rank_mobility",
        "gravity",
        "obstacle_top",
        "detector",
        "hotspot_counts",
        "bivariate_counts",
    ):
        assert f"tables/{table}.csv" in files, table
    for figure in (
        "figures/density_surface.png",
        "figures/markov.png",
        "figures/space_time_rose.png",
        "maps/gravity.png",
        "figures/obstacle.png",
        "figures/detector.png",
        "maps/hotspots_1986.png",
        "maps/bivariate_1986.png",
    ):
        assert figure in files, figure
    for title in (
        "Kernel density of D",
        "Markov chains of D",
        "Space-time transitions of LISA",
        "Centre of gravity of D",
        "Obstacle degree",
        "Geographic detector",
        "Hot and cold spots of D",
        "Bivariate LISA",
    ):
        assert f". {title}</h2>" in report, title
    density = run["density"].table
    assert f"from {density['peak'].iloc[0]:.3f} in 1970 to {density['peak'].iloc[-1]:.3f} in 1986" in report


def test_sections_absent_are_not_run(tmp_path):
    settings = {
        "data": {"dataset": "us_productivity", "region": "st_abb", "columns": ["hwy", "gsp", "emp"]},
        "indicators": {"A": {"infra": {"hwy": "+"}}, "B": {"econ": {"gsp": "+", "emp": "+"}}},
        "output": {"tables": ["csv"], "figures": ["png"]},
    }
    result = sc.Study.from_dict(settings).run(tmp_path / "out", progress=False)
    names = {p.name for p in result.files}
    assert "density.csv" not in names
    assert "markov.csv" not in names
    assert "hotspot_counts.csv" not in names
    assert {"data", "scores", "coupling"} <= set(result.results) | {"data", "scores"}


@pytest.mark.parametrize(
    ("section", "cfg", "path"),
    [
        ("density", {"kernel": "box"}, "density.kernel"),
        ("markov", {"k": 1}, "markov.k"),
        ("space_time", {"permutations": 0}, "space_time.permutations"),
        ("gravity", {"variant": "bogus"}, "gravity.variant"),
        ("obstacle", {"top": 0}, "obstacle.top"),
        ("detector", {"factors": ["unemp"], "k": 1}, "detector.k"),
        ("detector", {"factors": ["no_such_column"]}, "detector"),
        ("detector", {}, "detector.factors"),
        ("hotspots", {"periods": [1901]}, "hotspots.periods"),
        ("bivariate", {"column": "unemp", "alpha": 2.0}, "bivariate.alpha"),
        ("density", {"years": [1901]}, "density.years"),
    ],
)
def test_check_refuses_bad_settings_of_new_sections(section, cfg, path):
    settings = _us_settings(**{section: cfg})
    with pytest.raises(StudyError) as info:
        sc.Study.from_dict(settings, base_dir=demo_study("us_productivity").base_dir).check()
    assert any(p.startswith(path) for p in info.value.problems), info.value.problems


def test_markov_spatial_needs_weights():
    settings = {
        "data": {"dataset": "us_productivity", "region": "st_abb", "columns": ["hwy", "gsp"]},
        "indicators": {"A": {"x": {"hwy": "+"}}, "B": {"y": {"gsp": "+"}}},
        "markov": {"spatial": True},
    }
    with pytest.raises(StudyError, match=r"markov\.spatial"):
        sc.Study.from_dict(settings)


def test_reference_documents_new_sections_and_language():
    from spatialcoupling.study.schema import reference_markdown

    text = reference_markdown()
    for heading in (
        "## [density]",
        "## [markov]",
        "## [space_time]",
        "## [gravity]",
        "## [obstacle]",
        "## [detector]",
        "## [hotspots]",
        "## [bivariate]",
        "## [robustness]",
        "## [report]",
        "## Top-level keys",
    ):
        assert heading in text
    assert "| `language` |" in text.split("## [data]")[0]


# -- language ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run_zh(tmp_path_factory):
    """The study of ``run`` in Chinese (one LISA map), with the languages the LISA maps were drawn in."""
    from spatialcoupling.autocorrelation import local

    seen = []
    original = local.LocalMoranResult.plot

    def spy(self, *args, **kwargs):
        seen.append(kwargs.get("language"))
        return original(self, *args, **kwargs)

    # every section but the space-time transitions (their English run is ``run``), smaller where it saves time
    sections = {**SECTIONS_NEW, "markov": {"k": 4}}
    del sections["space_time"]
    settings = _us_settings(language="zh", **sections)
    settings["lisa"]["periods"] = [1986]
    settings["beta"] = {"kinds": ["absolute", "conditional"], "model": "sdm", "controls": ["unemp"], "draws": 50}
    # workers = 0: the maps are drawn in this process, where the spy sees them
    settings["output"] = {"tables": ["tex", "docx", "xlsx", "md"], "figures": ["png"], "workers": 0}
    out = tmp_path_factory.mktemp("zh") / "o"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(local.LocalMoranResult, "plot", spy)
        result = sc.Study.from_dict(settings, base_dir=demo_study("us_productivity").base_dir).run(out, progress=False)
    yield result, (result.out / "report.html").read_text(encoding="utf-8"), seen
    shutil.rmtree(out, ignore_errors=True)


def test_language_zh_reaches_report_and_maps(run_zh):
    _, text, seen = run_zh
    assert "<h1>研究报告</h1>" in text
    assert "表 1." in text
    assert "图 1." in text
    assert "耦合协调度" in text
    assert "zh" in seen


def _report_text(page: str) -> str:
    """The words of a report page before its notes (tags removed, entities decoded)."""
    body = re.split(r"<h2>(?:Notes|说明)</h2>", page)[0]
    body = re.sub(r"<style>.*?</style>|<img [^>]*>", " ", body, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", "\n", body))


def test_language_zh_leaves_no_english_phrase_of_the_table(run_zh):
    _, page, _ = run_zh
    text = _report_text(page)
    assert _english_left(text) == []  # no literal stretch of three English words of the table
    captions = re.findall(r"<p class='tablecaption'>(.*?)</p>|<figcaption>(.*?)</figcaption>", page)
    captions += re.findall(r"<p class='caption'>(.*?)</p>", page)
    sentences = re.findall(r"<div class='(?:interpretation|warning)'>(.*?)</div>", page, flags=re.DOTALL)
    english = re.compile(r"[A-Za-z]+ (?:of|in|the|and|is|per|by|from) [A-Za-z]+")
    for item in [*captions, *sentences]:
        joined = "".join(item) if isinstance(item, tuple) else item
        plain = html.unescape(re.sub(r"<[^>]+>", " ", joined))
        assert not english.search(plain.replace("Getis-Ord", "")), plain


def test_language_zh_sentences_follow_the_numbers(run_zh):
    run, page, _ = run_zh
    report = html.unescape(page)
    moran = run["moran"].table
    k = int(((moran["p_sim"] <= 0.05) & (moran["I"] > 0)).sum())
    n = len(moran)
    if k:
        assert f"在 {n} 期中有 {k} 期在 5% 水平上显著为正" in report
    else:
        assert f"在全部 {n} 期中均未在 5% 水平上显著" in report
        assert f"全局莫兰指数在全部 {n} 期中均未在 5% 水平上显著：下列局部聚类不应被解读为 D 的空间格局" in report
    dagum = run["dagum"].table
    share = (dagum["Gnb"] / dagum["G"]).mean()  # by hand, not the share column
    assert f"组间净差分量贡献 {100 * share:.0f}%" in report
    res = run["beta_absolute"]
    assert f"绝对 β = {res.beta:.4f}" in report
    trend = run["sigma"].trend.loc["overall"]
    assert f"斜率每期 {trend['slope']:.4f}" in report
    # the tex and docx captions are translated too
    tex = (run.out / "tables" / "dagum.tex").read_text(encoding="utf-8")
    assert "Dagum 基尼系数分解" in tex
    docx = pytest.importorskip("docx")
    captions = [p.text for p in docx.Document(run.out / "tables" / "tables.docx").paragraphs if "Dagum" in p.text]
    assert any("基尼系数分解" in c for c in captions)


def _english_left(text: str, escape=None) -> list[str]:
    """The literal stretches (between fields) of three or more English words (formulas are not words)
    of the phrase table's texts that ``text`` still contains (``escape``: how the file writes text,
    e.g. LaTeX escapes)."""
    from spatialcoupling.study.interpret import ZH

    left = []
    for en in ZH:
        for raw in re.split(r"\{\w+\}", en):
            piece = raw.strip(" ;:,.()'")
            if len(re.findall(r"[A-Za-z]{2,}", piece)) < 3:
                continue
            if piece in text or (escape is not None and escape(piece) in text):
                left.append(piece)
    return sorted(set(left))


def test_language_zh_translates_notes_headers_tables_and_workbook(run_zh):
    """Nothing of the phrase table stays English under zh: the run's notes, the report's column
    headers, the paper tables' panels and footers (.tex, .docx, paper .md), the grade names, the word
    "Table" of the Word captions, the workbook's header rows and its codebook and about sheets."""
    import openpyxl

    from spatialcoupling.tables import latex_escape

    run, page, _ = run_zh
    settings = page.index("<h2>设置</h2>")  # the settings at the end are shown as the study file gives them
    text = html.unescape(
        re.sub(r"<[^>]+>", "\n", re.sub(r"<style>.*?</style>|<img [^>]*>", " ", page[:settings], flags=re.S))
    )
    assert _english_left(text) == []
    notes = re.findall(r"<li class='note'>(.*?)</li>", page)
    assert notes
    assert all(re.search(r"[\u4e00-\u9fff]", n) for n in notes), notes
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", page[:settings])
    assert "伪 p 值（置换）" in headers  # pseudo p (permutations)
    assert "1 极度失调" in headers
    assert "10 优质协调" in headers
    for word in ("解释变量", "空间项", "直接效应", "间接效应", "总效应", "观测值", "地区数", "时期数", "对数似然值"):
        assert word in text, word
    assert "地区固定效应" in text
    assert "是" in text

    tables = run.out / "tables"
    for tex in tables.glob("*.tex"):
        content = tex.read_text(encoding="utf-8")
        assert _english_left(content, latex_escape) == [], tex.name
        assert "Notes:" not in content
    for md in (tables / "paper").glob("*.md"):
        assert _english_left(md.read_text(encoding="utf-8")) == [], md.name
    beta = (tables / "beta.tex").read_text(encoding="utf-8")
    assert "地区固定效应" in beta
    assert "观测值" in beta
    assert "对数似然值" in beta

    docx = pytest.importorskip("docx")
    document = docx.Document(tables / "tables.docx")
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions
    assert all(c.startswith("表 ") for c in captions), captions[:3]
    words = [p.text for p in document.paragraphs]
    words += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert _english_left("\n".join(words)) == []

    book = openpyxl.load_workbook(tables / "tables.xlsx", read_only=True)
    header_rows = []
    for ws in book.worksheets:
        header_rows.append([str(c.value) for c in next(ws.iter_rows(max_row=1))])
    assert _english_left("\n".join("\t".join(r) for r in header_rows)) == []
    assert header_rows[book.sheetnames.index("codebook")] == ["工作表", "列", "类型", "说明"]
    codebook = pd.read_excel(tables / "tables.xlsx", sheet_name="codebook")
    described = codebook.set_index(["工作表", "列"])["说明"]
    assert described.loc[("coupling", "时期")] == "时期（年份）"
    assert "grade_counts" in book.sheetnames
    grade_header = header_rows[book.sheetnames.index("grade_counts")]
    assert "5 濒临失调" in grade_header
    about = pd.read_excel(tables / "tables.xlsx", sheet_name="about", index_col=0)
    assert about.index.name == "项目"
    assert list(about.columns) == ["取值"]
    assert "说明" in about.index
    assert "数据" in about.index


def test_language_must_be_known():
    settings = _us_settings(language="fr")
    with pytest.raises(StudyError, match="language"):
        sc.Study.from_dict(settings, base_dir=demo_study("us_productivity").base_dir)


# -- progress ------------------------------------------------------------------------------------------------
def test_progress_counter_reports_parts_of_a_step():
    from spatialcoupling.study.checks import Inputs

    seen = []
    inputs = Inputs(settings={}, base_dir=".")
    tick = inputs.progress("lisa maps", 3)
    tick()  # nobody listens: nothing happens
    inputs.on_progress = lambda *args: seen.append(args)
    tick(1986)
    tick()
    assert seen == [("lisa maps", 2, 3, "1986"), ("lisa maps", 3, 3, "")]


def test_descriptive_table_matches_pandas(run):
    sheet = pd.read_csv(run.out / "tables" / "paper" / "descriptive.csv", encoding="utf-8-sig")
    row = sheet.set_index(sheet.columns[0]).loc["D"]
    D = run["D"]
    assert float(row["Mean"]) == pytest.approx(D.mean())
    assert int(row["N"]) == D.size
    assert float(row["SD"]) == pytest.approx(D.std(ddof=1))
    assert np.isfinite(float(row["Max"]))


def test_robustness_section_runs_the_grid(tmp_path):
    settings = {
        "data": {"dataset": "us_productivity", "region": "st_abb", "columns": ["hwy", "water", "gsp", "emp"]},
        "indicators": {"A": {"infra": {"hwy": "+", "water": "+"}}, "B": {"econ": {"gsp": "+", "emp": "+"}}},
        "regions": {"dataset": "us_states", "id": "STATE_ABBR"},
        "weights": {"kind": "queen"},
        "robustness": {"weightings": ["equal"], "models": ["revised"], "permutations": 0},
        "output": {"tables": ["csv"], "figures": ["png"]},
    }
    result = sc.Study.from_dict(settings).run(tmp_path / "out", progress=False)
    grid = result["robustness"]
    assert (result.out / "tables" / "robustness.csv").exists()
    assert (result.out / "figures" / "robustness.png").exists()
    # 2 weightings (the study's, equal) x 2 coupling models (the study's classic, revised) x 1 weights
    assert len(grid.table) >= 3
    with pytest.raises(StudyError, match=r"robustness\.weightings"):
        sc.Study.from_dict({**settings, "robustness": {"weightings": ["magic"]}})


def test_beta_sentence_when_the_total_effect_is_not_significant():
    from types import SimpleNamespace

    from spatialcoupling.study.interpret import beta_sentences

    impacts = pd.DataFrame(
        {"estimate": [-0.4, 0.39, -0.01], "p_value": [1e-6, 1e-5, 0.6]},
        index=pd.MultiIndex.from_product([["ln_y"], ["direct", "indirect", "total"]]),
    )
    res = SimpleNamespace(beta=-0.4, p_value=1e-6, speed=0.5, half_life=1.4, impacts=impacts)
    text = beta_sentences({"absolute": res})
    assert text[0] == "Absolute β = -0.4000 is negative and significant at 5% (p < 0.001)."
    assert "(-0.0100, p = 0.600) is not significant at 5%" in text[1]
    assert "not significant either" in text[1]
    assert "converges" not in text[0]


def test_progress_bar_shows_parts_of_long_steps(tmp_path, capsys):
    settings = {
        "data": {"dataset": "us_productivity", "region": "st_abb", "columns": ["hwy", "gsp"]},
        "indicators": {"A": {"x": {"hwy": "+"}}, "B": {"y": {"gsp": "+"}}},
        "regions": {"dataset": "us_states", "id": "STATE_ABBR"},
        "weights": {"kind": "queen"},
        "lisa": {"permutations": 99, "periods": [1970, 1986]},
        "output": {"tables": ["csv"], "figures": ["png"]},
    }
    sc.Study.from_dict(settings).run(tmp_path / "out", progress=True)
    err = capsys.readouterr().err
    # inside the step, the permutation blocks advance on the bar (the maps are drawn by the writer)
    blocks = [int(m) for m in re.findall(r"study: lisa · lisa permutations (\d+)/\d+", err)]
    assert len(blocks) > 1
    assert blocks == sorted(blocks)
    assert blocks[0] == 1


def test_growth_forms_of_the_study_match_hand_computation(tmp_path):
    settings = {
        "data": {"dataset": "us_productivity", "region": "st_abb", "columns": ["hwy", "gsp", "emp"]},
        "indicators": {"A": {"infra": {"hwy": "+"}}, "B": {"econ": {"gsp": "+", "emp": "+"}}},
        "coupling": {"spans": [[1970, 1974]], "growth": "both", "growth_rows": "both", "years": [1970, 1974]},
        "output": {"tables": ["csv"], "figures": ["png"]},
    }
    result = sc.Study.from_dict(settings).run(tmp_path / "out", progress=False)
    sheet = pd.read_csv(result.out / "tables" / "paper" / "D_growth.csv", encoding="utf-8-sig")
    D = result["D"].unstack("period")
    geometric, arithmetic = "Geometric mean rate 1970~1974", "Mean of annual rates 1970~1974"
    row = sheet[sheet["name"] == "TX"].iloc[0]
    annual = [D.loc["TX", t + 1] / D.loc["TX", t] - 1 for t in range(1970, 1974)]
    assert float(row[geometric]) == pytest.approx((D.loc["TX", 1974] / D.loc["TX", 1970]) ** (1 / 4) - 1, rel=1e-9)
    assert float(row[arithmetic]) == pytest.approx(np.mean(annual), rel=1e-9)
    national = sheet[sheet["level"] == "National"].set_index("name")
    mean = D.mean()
    # the two national rows: growth of the mean D, and the mean of the regional rates
    assert national.loc["National: growth of the mean", geometric] == pytest.approx(
        (mean[1974] / mean[1970]) ** (1 / 4) - 1, rel=1e-9
    )
    regional = (D[1974] / D[1970]) ** (1 / 4) - 1
    shown = national.loc["National: mean of regional rates", geometric]
    if np.isfinite(regional).all():
        assert shown == pytest.approx(regional.mean(), rel=1e-9)
    else:  # a region with D = 0 at the start has no rate: the mean is not defined either
        assert np.isnan(shown)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_every_study_tex_table_compiles_within_the_page(run, tmp_path):
    import subprocess

    tex = sorted((run.out / "tables").glob("*.tex"))
    assert {"beta.tex", "beta_impacts.tex", "dagum.tex", "weights.tex", "D_growth.tex", "markov.tex"} <= {
        p.name for p in tex
    }
    for path in tex:
        shutil.copy(path, tmp_path / path.name)
    body = "\n".join(f"\\input{{{p.name}}}\\clearpage" for p in tex)
    doc = tmp_path / "all.tex"
    doc.write_text(
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage[utf8]{inputenc}\n"
        "\\usepackage{booktabs,array,longtable}\n\\usepackage{textcomp}\n"
        f"\\begin{{document}}\n{body}\n\\end{{document}}\n",
        encoding="utf-8",
    )
    for _ in range(2):  # longtable settles its column widths on the second run
        done = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    log = (tmp_path / "all.log").read_text(errors="replace")
    assert done.returncode == 0, log[-3000:]
    assert not re.findall(r"Overfull \\hbox \((\d{2,}|[5-9])\.", log), re.findall(r"Overfull.*", log)[:5]


def test_about_sheet_names_the_source_and_the_settings(run):
    about = pd.read_excel(run.out / "tables" / "tables.xlsx", sheet_name="about").set_index("item")["value"]
    assert about["data"] == "bundled data set 'us_productivity'"
    assert about["settings.beta.model"] == "sdm"
    assert about["settings.markov.k"] == "4"
    codebook = pd.read_excel(run.out / "tables" / "tables.xlsx", sheet_name="codebook")
    assert {"paper_beta", "lisa"} <= set(codebook.iloc[:, 0])

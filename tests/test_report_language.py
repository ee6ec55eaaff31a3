"""Paper tables, notes and the writers' own words in Chinese (``language = "zh"``), on small tables
built here: the fixed labels are translated, names of regions and variables and every number are kept,
and English output is unchanged."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from spatialcoupling.study.interpret import ZH, translate_header, translate_note, translate_paper
from spatialcoupling.tables import ModelColumn, growth_table, regression_table, to_latex, to_markdown, write_docx


def _regression():
    coef = pd.DataFrame(
        {"coef": [-0.447, 0.25, 0.012], "std_error": [0.03, 0.07, np.nan], "p_value": [1e-9, 0.0004, np.nan]},
        index=["ln_y", "rho", "sigma2"],
    )
    stats = {"Model": "SAR", "Region FE": "Yes", "Year FE": "No", "N": 435, "Regions": 29, "Periods": 15}
    stats["Log-likelihood"] = 812.3
    return regression_table([ModelColumn("SAR", coef, stats)], caption="Beta convergence", name="beta")


def test_regression_table_blocks_footer_and_cells_in_chinese():
    en = _regression()
    zh = translate_paper(en, "zh")
    text = to_markdown(zh)
    for word in ("解释变量", "空间项", "方差", "模型", "地区固定效应", "时间固定效应", "观测值", "地区数", "时期数"):
        assert word in text, word
    assert "对数似然值" in text
    rows = {r[2][0]: r[3][0] for r in zh.print_rows() if r[0] == "row" and r[2] and r[2][0]}
    assert rows["地区固定效应"] == "是"
    assert rows["时间固定效应"] == "否"
    assert rows["观测值"] == "435"
    assert rows["ln_y"] == "-0.447***"  # the variable's name and the number with its stars kept
    assert "括号内为标准误。" in zh.notes
    # the flat view (csv, xlsx) has the translated key names and the same cells
    flat_en, flat_zh = en.flat(), zh.flat()
    assert list(flat_zh.columns) == ["模块", "变量", "统计量", "SAR"]
    assert flat_zh["SAR"].tolist() == [ZH.get(v, v) if v in ("Yes", "No") else v for v in flat_en["SAR"]]
    assert translate_paper(en, "en") is en  # English: the table itself


def test_growth_table_keeps_region_names_that_look_like_words():
    """A region called SD (South Dakota) or N keeps its name; the aggregate rows and headers are Chinese;
    rates are unchanged."""
    idx = pd.MultiIndex.from_product([["SD", "N", "area"], [2010, 2013]], names=["region", "period"])
    D = pd.Series([0.4, 0.5, 0.2, 0.3, 0.6, 0.66], index=idx, name="D")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        en = growth_table(D, [(2010, 2013)], groups={"SD": "g1", "N": "g1", "area": "g2"}, aggregate="both")
    zh = translate_paper(en, "zh")
    keys = [r[2][0] for r in zh.print_rows() if r[0] == "row"]
    assert set(keys[:2]) == {"SD", "N"}
    assert "area" in keys
    assert "g1：均值的增长率" in keys
    assert "全国：各地区增长率的均值" in keys
    assert zh.print_spanners()[-1] == "年均增长率 (%)"  # still a percentage column
    np.testing.assert_array_equal(zh.body.to_numpy(float), en.body.to_numpy(float))
    assert zh.key_labels[translate_header("name", "zh")] == "地区"


def test_notes_keep_their_step_and_translate_nested_parts():
    note = (
        "markov (spatial): lag Q1: state(s) 'Q3' never observed; left out of the steady state and the first "
        "passage times"
    )
    assert translate_note(note, "zh") == "markov (spatial)：lag Q1：状态 'Q3' 从未出现；不计入稳态分布与首达时间"
    assert translate_note(note, "en") == note
    unknown = "detector: something the phrase table does not know"
    assert translate_note(unknown, "zh") == unknown  # kept whole, not half translated
    assert translate_header("5 On the verge of maladjustment", "zh") == "5 濒临失调"
    assert translate_header(2009, "zh") == 2009


def test_writers_words_in_chinese_and_english_unchanged(tmp_path):
    docx = pytest.importorskip("docx")
    table = translate_paper(_regression(), "zh")
    words = {"Table": "表", "Notes:": "注：", "(continued)": "（续）"}.get
    write_docx([table], tmp_path / "zh.docx", words=lambda w: words(w, w))
    caption = next(p.text for p in docx.Document(tmp_path / "zh.docx").paragraphs if p.style.name == "Caption")
    assert caption.startswith("表 1.")
    write_docx([_regression()], tmp_path / "en.docx")
    caption = next(p.text for p in docx.Document(tmp_path / "en.docx").paragraphs if p.style.name == "Caption")
    assert caption == "Table 1.  Beta convergence"
    assert r"\textit{注：}" in to_latex(table, words=lambda w: words(w, w))
    assert r"\textit{Notes:}" in to_latex(_regression())
    assert "*注：*" in to_markdown(table, words=lambda w: words(w, w))
    assert "*Notes:*" in to_markdown(_regression())

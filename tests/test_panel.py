"""Panel reading, validation, interpolation and derived indicators."""

import numpy as np
import pandas as pd
import pytest

import spatialcoupling as sc


def long_frame():
    return pd.DataFrame(
        {
            "province": ["A", "A", "A", "A", "B", "B", "B", "B"],
            "year": [2000, 2001, 2002, 2003, 2000, 2001, 2002, 2003],
            "gdp": [10.0, np.nan, 14.0, 16.0, 5.0, 6.0, np.nan, np.nan],
            "inv": [1.0, 1.1, 1.21, 1.331, 2.0, 2.2, 2.42, 2.662],
        }
    )


def test_read_long_dataframe_sorted_index():
    frame = long_frame().sample(frac=1, random_state=1)
    panel = sc.read_panel(frame, region="province", period="year")
    assert panel.data.index.names == ["region", "period"]
    assert panel.data.index.is_monotonic_increasing
    assert list(panel.regions) == ["A", "B"]
    assert list(panel.periods) == [2000, 2001, 2002, 2003]
    assert panel.is_balanced


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_read_files(tmp_path, suffix):
    frame = long_frame()
    path = tmp_path / f"panel{suffix}"
    {".csv": frame.to_csv, ".xlsx": frame.to_excel, ".parquet": frame.to_parquet}[suffix](path, index=False)
    panel = sc.read_panel(path, region="province", period="year")
    assert panel.data.loc[("A", 2003), "gdp"] == 16.0
    assert np.isnan(panel.data.loc[("A", 2001), "gdp"])


def test_read_excel_sheet(tmp_path):
    path = tmp_path / "p.xlsx"
    with pd.ExcelWriter(path) as w:
        pd.DataFrame({"x": [1]}).to_excel(w, sheet_name="notes", index=False)
        long_frame().to_excel(w, sheet_name="data", index=False)
    panel = sc.read_panel(path, region="province", period="year", sheet="data")
    assert len(panel) == 8


def test_read_wide():
    wide = pd.DataFrame(
        {
            "region": ["A", "B"],
            "gdp_2000": [1.0, 2.0],
            "gdp_2001": [3.0, 4.0],
            "pop_2000": [5.0, 6.0],
            "pop_2001": [7.0, 8.0],
        }
    )
    panel = sc.read_panel(wide, wide=True)
    assert panel.data.loc[("B", 2001), "gdp"] == 4.0
    assert panel.data.loc[("A", 2001), "pop"] == 7.0
    assert set(panel.columns) == {"gdp", "pop"}


def test_wide_with_label_column_asks_for_columns():
    wide = pd.DataFrame({"region": ["A"], "name": ["x"], "gdp_2000": [1.0]})
    with pytest.raises(ValueError, match="name"):
        sc.read_panel(wide, wide=True)
    assert sc.read_panel(wide, wide=True, columns=["gdp"]).columns == ["gdp"]


def test_missing_region_column_named():
    with pytest.raises(ValueError, match=r"'prov'.*province"):
        sc.read_panel(long_frame(), region="prov", period="year")


def test_missing_period_column_named():
    with pytest.raises(ValueError, match="'yr'"):
        sc.read_panel(long_frame(), region="province", period="yr")


def test_duplicates_listed():
    frame = pd.concat([long_frame(), long_frame().iloc[[1]]])
    with pytest.raises(ValueError, match=r"duplicate region-periods: \('A', 2001\)"):
        sc.read_panel(frame, region="province", period="year")


def test_non_numeric_cell_named():
    frame = long_frame().astype({"gdp": object})
    frame.loc[2, "gdp"] = "n/a*"
    with pytest.raises(ValueError, match=r"column 'gdp', region 'A', period 2002: 'n/a\*'"):
        sc.read_panel(frame, region="province", period="year")


def test_empty_panel():
    with pytest.raises(ValueError, match="empty"):
        sc.read_panel(long_frame().iloc[:0], region="province", period="year")


def test_unknown_file_and_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        sc.read_panel(tmp_path / "nope.csv")
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(ValueError, match=r"x\.json"):
        sc.read_panel(tmp_path / "x.json")


def test_unbalanced_reported():
    frame = long_frame().drop(index=[6])  # B, 2002 absent
    panel = sc.read_panel(frame, region="province", period="year")
    assert not panel.is_balanced
    assert panel.missing().to_dict("records") == [{"region": "B", "period": 2002}]
    assert any("unbalanced" in n for n in panel.notes)


def test_interpolate_inside_only_and_reported():
    panel = sc.read_panel(long_frame(), region="province", period="year")
    filled = panel.interpolate()
    # A 2001 lies between 10 (2000) and 14 (2002): 12
    assert filled.data.loc[("A", 2001), "gdp"] == pytest.approx(12.0)
    # B 2002 and 2003 lie after B's last observation: not extrapolated
    assert np.isnan(filled.data.loc[("B", 2002), "gdp"])
    assert filled.filled.loc[("A", 2001), "gdp"]
    assert not filled.filled.loc[("A", 2000), "gdp"]
    assert int(filled.filled["gdp"].sum()) == 1
    assert any("filled 1 cell(s) of 'gdp'" in n for n in filled.notes)
    assert any("left missing" in n for n in filled.notes)
    # the input panel is unchanged
    assert np.isnan(panel.data.loc[("A", 2001), "gdp"])


def test_interpolate_leaves_complete_columns_and_fills_only_the_gaps():
    """A column without missing cells comes back as floats with nothing marked filled; in a column
    with gaps only the gap inside a region's span is filled (by hand: halfway between 1 and 3)."""
    frame = pd.DataFrame(
        {
            "r": ["A"] * 3 + ["B"] * 3 + ["C"] * 3,
            "t": [2000, 2001, 2002] * 3,
            "whole": [1, 2, 3, 4, 5, 6, 7, 8, 9],
            "gappy": [1.0, np.nan, 3.0, np.nan, np.nan, np.nan, 5.0, 6.0, np.nan],
        }
    )
    filled = sc.read_panel(frame, region="r", period="t").interpolate()
    assert filled.data["whole"].dtype == float
    assert filled.data["whole"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    assert not filled.filled["whole"].any()
    assert filled.data.loc[("A", 2001), "gappy"] == 2.0
    assert filled.filled["gappy"].sum() == 1
    assert filled.data["gappy"].isna().sum() == 4  # B has no observation; C 2002 lies after C's last
    assert not any("'whole'" in n for n in filled.notes)
    assert any("filled 1 cell(s) of 'gappy'" in n for n in filled.notes)


def test_interpolate_respects_period_spacing_and_absent_rows():
    frame = pd.DataFrame(
        {"r": ["A"] * 3 + ["B"] * 4, "t": [2000, 2001, 2004, 2000, 2001, 2002, 2004], "x": [0.0, 1.0, 4.0, 1, 1, 1, 1]}
    )
    panel = sc.read_panel(frame, region="r", period="t")
    assert not panel.is_balanced
    out = panel.interpolate()
    # absent (A, 2002) is created and filled on the line through (2001, 1) and (2004, 4);
    # 2003 is in no region's data, so the period grid does not include it
    assert out.data.loc[("A", 2002), "x"] == pytest.approx(2.0)
    assert 2003 not in out.periods
    assert out.is_balanced
    assert out.filled.loc[("A", 2002), "x"]


@pytest.mark.parametrize(("how", "expected"), [("nearest", [6.0, 6.0]), ("linear", [7.0, 8.0])])
def test_extrapolate(how, expected):
    panel = sc.read_panel(long_frame(), region="province", period="year").interpolate(extrapolate=how)
    assert list(panel.data.loc["B", "gdp"].iloc[2:]) == pytest.approx(expected)


def test_growth_rate_first_period_nan_reported():
    panel = sc.read_panel(long_frame(), region="province", period="year")
    out = panel.growth_rate("inv")
    assert np.isnan(out.data.loc[("A", 2000), "inv_growth"])
    np.testing.assert_allclose(out.data.loc["A", "inv_growth"].iloc[1:], 0.1)
    assert any("undefined in 2 cell(s)" in n for n in out.notes)


def test_share_and_zero_denominator():
    frame = long_frame()
    frame["den"] = 2.0
    panel = sc.read_panel(frame, region="province", period="year")
    assert panel.share("inv", "den").data.loc[("B", 2000), "inv_share"] == 1.0
    frame.loc[3, "den"] = 0.0
    with pytest.raises(ValueError, match=r"\('A', 2003\)"):
        sc.read_panel(frame, region="province", period="year").share("inv", "den")


def test_deflate_rebases_each_region():
    frame = long_frame()
    frame["price"] = [100, 110, 121, 133.1, 50, 55, 60.5, 66.55]
    panel = sc.read_panel(frame, region="province", period="year").deflate("inv", "price", 2000)
    # inv grows 10% a year as does the price index: real investment is flat at the base value
    np.testing.assert_allclose(panel.data["inv_real"].unstack().to_numpy(), [[1.0] * 4, [2.0] * 4])


def test_capital_stock_perpetual_inventory_by_hand():
    panel = sc.read_panel(long_frame(), region="province", period="year")
    out = panel.capital_stock("inv", depreciation=0.1)
    # A: I = 1, 1.1, 1.21, 1.331 -> g = (1.331/1)^(1/3) - 1 = 0.1; K0 = 1 / 0.2 = 5
    k = [5.0]
    for inv in [1.1, 1.21, 1.331]:
        k.append(0.9 * k[-1] + inv)
    np.testing.assert_allclose(out.data.loc["A", "capital_stock"], k)
    with pytest.raises(ValueError, match="depreciation"):
        panel.capital_stock("inv", depreciation=1.5)


def test_capital_stock_requires_complete_investment():
    panel = sc.read_panel(long_frame(), region="province", period="year")
    with pytest.raises(ValueError, match=r"\('A', 2001\).*interpolate"):
        panel.capital_stock("gdp")


def test_unknown_column_named():
    panel = sc.read_panel(long_frame(), region="province", period="year")
    with pytest.raises(KeyError, match="'nope'"):
        panel["nope"]


# -- input data that must not turn into wrong numbers silently ---------------------------
def _provinces_frame(names, periods=(2009, 2010)):
    rows = [
        {"province": r, "year": t, "gdp": float(i + 2009 + k)}
        for i, r in enumerate(names)
        for k, t in enumerate(periods)
    ]
    return pd.DataFrame(rows)


def test_region_ids_stripped_on_read_and_noted():
    frame = _provinces_frame(["Beijing", "Tianjin"])
    frame.loc[1, "province"] = "Beijing "  # (Beijing, 2010) with a trailing space
    frame.loc[2, "province"] = "\u3000Tianjin"  # an ideographic space, as Chinese Excel files carry
    panel = sc.read_panel(frame, region="province", period="year")
    assert list(panel.regions) == ["Beijing", "Tianjin"]
    assert panel.is_balanced
    assert any("'Beijing ' → 'Beijing'" in n and "2 row(s)" in n for n in panel.notes)


def test_region_ids_differing_in_case_refused_with_spellings():
    frame = _provinces_frame(["Beijing", "Tianjin"])
    frame.loc[1, "province"] = "BEIJING"
    with pytest.raises(ValueError, match=r"'BEIJING' / 'Beijing'.*one spelling"):
        sc.read_panel(frame, region="province", period="year")


def _excel_serial(year):
    return (pd.Timestamp(f"{year}-01-01") - pd.Timestamp("1899-12-30")).days


@pytest.mark.parametrize("as_text", [False, True])
def test_excel_serial_periods_refused_with_conversion(tmp_path, as_text):
    frame = _provinces_frame(["A", "B"], periods=[_excel_serial(y) for y in (2008, 2009, 2010)])
    assert list(frame["year"].unique()) == [39448, 39814, 40179]  # Excel's serials of 1 January
    path = tmp_path / "serials.csv"
    frame.astype({"year": str} if as_text else {}).to_csv(path, index=False)
    with pytest.raises(
        ValueError, match=r"'year' holds Excel date serials.*39448 = 2008-01-01.*pd\.to_datetime"
    ) as err:
        sc.read_panel(path, region="province", period="year")
    assert 'origin="1899-12-30"' in str(err.value)


def test_year_quarter_codes_are_not_excel_serials():
    frame = _provinces_frame(["A", "B"], periods=[20091, 20092, 20093, 20094, 20101])
    assert list(sc.read_panel(frame, region="province", period="year").periods) == [20091, 20092, 20093, 20094, 20101]


def test_year_labels_read_as_years_with_note():
    frame = _provinces_frame(["A", "B"], periods=["2009年", "2010 年", "2011年末", "２０１２年", "2013"])
    panel = sc.read_panel(frame, region="province", period="year")
    assert list(panel.periods) == [2009, 2010, 2011, 2012, 2013]
    assert pd.api.types.is_integer_dtype(panel.periods.dtype)
    assert any("4 text label(s) read as years" in n and "'2011年末'" in n for n in panel.notes)
    grown = panel.growth_rate("gdp")  # numeric periods: one-year steps, no gap
    assert grown.data.loc[("A", 2010), "gdp_growth"] == pytest.approx(2010 / 2009 - 1)


def test_academic_year_labels_stay_text():
    frame = _provinces_frame(["A", "B"], periods=["2009/10", " 2010/11"])
    panel = sc.read_panel(frame, region="province", period="year")
    assert list(panel.periods) == ["2009/10", "2010/11"]
    assert any("stripped surrounding white space" in n for n in panel.notes)


def test_wide_columns_with_year_labels():
    wide = pd.DataFrame({"region": ["A", "B"], "gdp_2009年": [1.0, 2.0], "gdp_2010年": [3.0, 4.0]})
    panel = sc.read_panel(wide, wide=True)
    assert list(panel.periods) == [2009, 2010]
    assert panel.data.loc[("B", 2010), "gdp"] == 4.0


def test_wide_sep_and_sep_for_a_dataframe_refused():
    wide = pd.DataFrame({"region": ["A", "B"], "gdp-2009": [1.0, 2.0], "gdp-2010": [3.0, 4.0]})
    assert list(sc.read_panel(wide, wide=True, wide_sep="-").periods) == [2009, 2010]
    with pytest.raises(ValueError, match=r"CSV files.*wide_sep="):
        sc.read_panel(wide, wide=True, sep="-")


def test_gb18030_csv_falls_back_with_note(tmp_path):
    frame = pd.DataFrame(
        {
            "省份": ["北京", "北京", "天津", "天津"],
            "年份": [2009, 2010, 2009, 2010],
            "地区生产总值": [1.0, 2.0, 3.0, 4.0],
        }
    )
    path = tmp_path / "gbk.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    panel = sc.read_panel(path, region="省份", period="年份")
    assert list(panel.regions) == ["北京", "天津"]
    assert panel.data.loc[("天津", 2010), "地区生产总值"] == 4.0
    assert any("'gbk.csv'" in n and "GB18030" in n for n in panel.notes)
    explicit = sc.read_panel(path, region="省份", period="年份", encoding="gb18030")
    assert list(explicit.regions) == ["北京", "天津"]
    assert not explicit.notes
    with pytest.raises(ValueError, match=r"'gbk.csv' is not valid utf-8.*encoding="):
        sc.read_panel(path, region="省份", period="年份", encoding="utf-8")


def test_utf8_bom_csv(tmp_path):
    path = tmp_path / "bom.csv"
    _provinces_frame(["北京", "天津"]).to_csv(path, index=False, encoding="utf-8-sig")
    panel = sc.read_panel(path, region="province", period="year")
    assert list(panel.regions) == ["北京", "天津"]
    assert not panel.notes


def test_empty_and_unparsable_csv_name_the_file(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ValueError, match=r"'empty.csv' is empty"):
        sc.read_panel(tmp_path / "empty.csv")
    (tmp_path / "header.csv").write_text("province,year,gdp\n")
    with pytest.raises(ValueError, match=r"'header.csv'.*empty"):
        sc.read_panel(tmp_path / "header.csv", region="province", period="year")
    (tmp_path / "ragged.csv").write_text("province,year,gdp\nA,2009,1\nA,2010,1,7\n")
    with pytest.raises(ValueError, match=r"cannot parse panel file 'ragged.csv'.*line 3"):
        sc.read_panel(tmp_path / "ragged.csv", region="province", period="year")


def test_semicolon_csv_hints_at_sep(tmp_path):
    path = tmp_path / "semi.csv"
    _provinces_frame(["A", "B"]).to_csv(path, index=False, sep=";")
    with pytest.raises(ValueError, match=r"'semi.csv'.*single column.*sep=';'"):
        sc.read_panel(path, region="province", period="year")
    panel = sc.read_panel(path, region="province", period="year", sep=";")
    assert panel.data.loc[("B", 2010), "gdp"] == 2011.0


def test_encoding_for_excel_refused(tmp_path):
    path = tmp_path / "p.xlsx"
    long_frame().to_excel(path, index=False)
    with pytest.raises(ValueError, match=r"'p.xlsx'.*encoding= apply to CSV files only"):
        sc.read_panel(path, region="province", period="year", encoding="gbk")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"wide": "yes"}, r"read_panel: wide must be True or False; got 'yes'"),
        ({"columns": "gdp"}, r"columns must be one of None or a list of column names; got 'gdp'"),
        ({"region": 0}, r"region must be a column name; got 0"),
        ({"sheet": True}, r"sheet must be one of None or a sheet name or a sheet number; got True"),
        ({"sep": ""}, r"sep must be one of None or a non-empty string such as ',' or ';'; got ''"),
        ({"wide_sep": ""}, r"wide_sep must be a non-empty string"),
    ],
)
def test_settings_checked_against_the_declared_constraints(kwargs, match):
    """The settings of read_panel are declared once (READ_PANEL_CONSTRAINTS) and checked first:
    ``wide="yes"`` is not read as True, ``columns="gdp"`` not as the columns 'g', 'd', 'p'."""
    from spatialcoupling.panel import READ_PANEL_CONSTRAINTS

    assert set(kwargs) <= set(READ_PANEL_CONSTRAINTS)
    settings = {"region": "province", "period": "year", **kwargs}
    with pytest.raises(ValueError, match=match):
        sc.read_panel(long_frame(), **settings)


def test_every_keyword_of_read_panel_is_declared():
    import inspect

    from spatialcoupling.panel import READ_PANEL_CONSTRAINTS

    keywords = set(inspect.signature(sc.read_panel).parameters) - {"src"}
    assert keywords == set(READ_PANEL_CONSTRAINTS)


def test_missing_cells_of_balanced_unbalanced_and_duplicated_indexes():
    """The full grid's absent cells; a repeated cell never makes up for an absent one."""
    from spatialcoupling._series import missing_cells

    full = pd.MultiIndex.from_product([["a", "b"], [1, 2]], names=["region", "period"])
    assert len(missing_cells(full)) == 0
    assert list(missing_cells(full.delete(1))) == [("a", 2)]
    repeated = pd.MultiIndex.from_tuples([("a", 1), ("a", 1), ("b", 1), ("b", 2)], names=["region", "period"])
    assert list(missing_cells(repeated)) == [("a", 2)]

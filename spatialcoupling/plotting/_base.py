"""What every figure shares: fonts that can draw Chinese, new axes, titles, captions, legends.

Chinese text is drawn with Noto Sans SC (SIL Open Font License), shipped by the dependency
``pylopdf-fonts-zh-cn``. It is registered with matplotlib when a figure first needs it
(``FontManager.addfont``, so a stale font cache or a machine without any CJK system font does
not matter) and added as a *fallback* family after the families in use (``font.family``): Latin text keeps its
font, and glyphs that font lacks (Chinese) come from Noto Sans SC. When that package is missing,
installed CJK fonts are looked for on disk (``findSystemFonts``), not only in matplotlib's cache.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import Any

__all__ = [
    "CJK_FONTS",
    "KEEP_WORDS",
    "LANGUAGES",
    "TRANSLATIONS",
    "caption",
    "check_language",
    "cjk_font",
    "font_kwargs",
    "has_cjk",
    "legend",
    "new_ax",
    "set_title",
    "tr",
    "translate_text",
]

#: languages of figure text
LANGUAGES = ("en", "zh")
#: the one translation table of figure text: English -> Chinese
TRANSLATIONS: dict[str, str] = {
    # maps
    "No data": "无数据",
    "South China Sea": "南海诸岛",
    "LISA clusters": "LISA 集聚图",
    "LISA significance": "LISA 显著性",
    "LISA cluster transitions": "LISA 集聚类型转移",
    "High-High": "高-高",
    "Low-Low": "低-低",
    "Low-High": "低-高",
    "High-Low": "高-低",
    "Not significant": "不显著",
    "Isolated": "孤立",
    "value": "数值",
    "regions": "地区数",
    "from": "起始",
    "to": "终止",
    # scatterplots and statistics over time
    "Moran scatterplot": "Moran 散点图",
    "standardised": "标准化",
    "spatial lag": "空间滞后",
    "slope": "斜率",
    "Year": "年份",
    "not significant": "不显著",
    "by year": "逐年变化",
    "expected value E[I]": "期望值 E[I]",
    # inequality
    "Dagum Gini decomposition": "Dagum 基尼系数分解",
    "share of G (%)": "贡献率 (%)",
    "overall Gini G": "总体基尼系数 G",
    "within (Gw)": "区域内 (Gw)",
    "net between (Gnb)": "区域间净值 (Gnb)",
    "transvariation (Gt)": "超变密度 (Gt)",
    "G (bootstrap interval)": "G (自助法区间)",
    "Gini within groups": "区域内基尼系数",
    "within-group Gini": "区域内基尼系数",
    "Gini between groups": "区域间基尼系数",
    "between-group Gini": "区域间基尼系数",
    "contribution (%)": "贡献率 (%)",
    "Between-group": "区域间",
    "diagonal": "对角线",
    "within": "区域内",
    "between": "区域间",
    # settings captions
    "LISA of": "LISA:",
    "permutations": "次置换",
    "seed": "随机种子",
    "pseudo p": "伪 p 值",
    "two-sided": "双侧",
    "directed": "定向",
    "neighbours": "邻居数",
    "islands": "孤立单元",
    "transform": "变换",
    "adjustment": "多重检验校正",
    "none": "无",
}
#: words kept as they are in Chinese figures (names of statistics and methods)
KEEP_WORDS = frozenset({"LISA", "Moran", "Dagum", "Gini", "Theil", "E", "I", "G", "Gw", "Gnb", "Gt", "W", "p"})


def check_language(language: str) -> str:
    """``language`` when it is one of :data:`LANGUAGES`; otherwise an error naming it."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be 'en' or 'zh', got {language!r}")
    return language


def tr(text: str, language: str = "en") -> str:
    """``text`` in ``language``: the entry of :data:`TRANSLATIONS` (the text itself for English
    or a text the table does not hold)."""
    if check_language(language) == "en":
        return text
    return TRANSLATIONS.get(text, text)


def translate_text(text: str, language: str = "en") -> str:
    """Every phrase of :data:`TRANSLATIONS` inside ``text`` replaced, longest first (settings
    captions, composed titles); whole words only."""
    if check_language(language) == "en" or not text:
        return text
    for en in sorted(TRANSLATIONS, key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z]){re.escape(en)}(?![A-Za-z])", TRANSLATIONS[en], text)
    return text


CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans CJK",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "SimHei",
    "Microsoft YaHei",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "PingFang SC",
    "Heiti SC",
    "STHeiti",
    "Arial Unicode MS",
)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def has_cjk(texts: Any) -> bool:
    """Whether any of ``texts`` contains Chinese, Japanese or Korean characters."""
    if isinstance(texts, str):
        texts = [texts]
    return any(_CJK.search(str(t)) for t in texts if t is not None)


_REGISTERED: dict[str, str | None] = {}
_CJK_FILE_HINTS = ("cjk", "notosanssc", "notoserifsc", "sourcehan", "wqy", "simhei", "msyh", "pingfang", "heiti")


def _bundled_font_file() -> str | None:
    """Path of the bundled Noto Sans SC, or None when the font package is not installed."""
    try:
        from importlib import resources

        path = resources.files("pylopdf_fonts_zh_cn") / "NotoSansSC-Regular.otf"
    except (ImportError, ModuleNotFoundError):
        return None
    return str(path) if path.is_file() else None


def _system_font_files() -> list[str]:
    """CJK font files installed on the system (searched on disk, not in matplotlib's cache)."""
    from matplotlib import font_manager

    files = font_manager.findSystemFonts(fontext="ttf") + font_manager.findSystemFonts(fontext="otf")  # type: ignore[arg-type]  # the stubs omit "otf"
    return sorted(
        f for f in set(files) if any(h in f.lower().replace("-", "").replace("_", "") for h in _CJK_FILE_HINTS)
    )


def cjk_font() -> str | None:
    """Name of a CJK-capable font registered with matplotlib, registering one on first use.

    The bundled Noto Sans SC first; else a font already known to matplotlib; else one found on
    disk. The font is also added as the last, fallback entry of ``font.family``. None when there is none.
    """
    if "name" in _REGISTERED:
        return _REGISTERED["name"]
    import matplotlib as mpl
    from matplotlib import font_manager

    name = None
    bundled = _bundled_font_file()
    if bundled is not None:
        font_manager.fontManager.addfont(bundled)
        name = font_manager.FontProperties(fname=bundled).get_name()
    if name is None:
        known = {f.name for f in font_manager.fontManager.ttflist}
        name = next((c for c in CJK_FONTS if c in known), None)
    if name is None:
        for path in _system_font_files():
            try:
                font_manager.fontManager.addfont(path)
                name = font_manager.FontProperties(fname=path).get_name()
                break
            except (OSError, RuntimeError):  # pragma: no cover - unreadable font file
                continue
    if name is not None:
        families = list(mpl.rcParams["font.family"])
        if name not in families:  # a fallback: glyphs the first families lack come from it
            mpl.rcParams["font.family"] = [*families, name]
    _REGISTERED["name"] = name
    return name


def font_kwargs(texts: Any) -> dict[str, Any]:
    """``fontfamily`` for text that needs a CJK font; warns when none can be found."""
    if not has_cjk(texts):
        return {}
    font = cjk_font()
    if font is None:
        warnings.warn(
            "labels contain Chinese characters but no CJK-capable font was found, so they will show as "
            "boxes; reinstall spatialcoupling's dependency pylopdf-fonts-zh-cn (Noto Sans SC) or install a CJK "
            "font (e.g. `apt install fonts-noto-cjk`)",
            UserWarning,
            stacklevel=3,
        )
        return {}
    return {"fontfamily": [font, "sans-serif"]}


def new_ax(ax: Any, figsize: tuple[float, float]) -> tuple[Any, Any]:
    """``(figure, axes)``: the given axes and its figure, or a new figure of ``figsize``."""
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax.figure, ax
    fig, new = plt.subplots(figsize=figsize)
    return fig, new


def set_title(ax: Any, text: str, fontsize: float = 10, language: str = "en") -> None:
    """An axes title (translated phrase by phrase for ``language="zh"``), in a CJK font when it
    needs one."""
    text = translate_text(text, language)
    ax.set_title(text, fontsize=fontsize, **font_kwargs([text]))


def caption(fig: Any, text: str, language: str = "en") -> Any:
    """A small settings caption at the bottom left, below everything already drawn (axes, tick
    labels, axis labels, legends), so it never overprints them; saved figures are cropped to
    their content, which includes it."""
    text = translate_text(text, language)
    if any(ax.axison for ax in fig.axes):
        fig.canvas.draw()  # fixes the ticks of charts (maps have none; their boxes are known)
    renderer = fig.canvas.get_renderer()
    boxes = [ax.get_tightbbox(renderer) for ax in fig.axes if ax.get_visible()]
    bottoms = [b.y0 for b in boxes if b is not None]
    lowest = min(bottoms) if bottoms else fig.bbox.y0 + 0.05 * fig.bbox.height
    y = fig.transFigure.inverted().transform((0, lowest))[1] - 0.01
    return fig.text(0.01, y, text, fontsize=6, color="#333333", ha="left", va="top", wrap=True, **font_kwargs([text]))


def legend_handles(
    labels: Sequence[str], colors: Sequence[str], hatches: Sequence[str | None] | None = None
) -> tuple[list[Any], dict[str, Any]]:
    """Patches of a class legend and the font properties its labels need."""
    from matplotlib.patches import Patch

    hatches = list(hatches) if hatches is not None else [None] * len(labels)
    handles = [
        Patch(facecolor=c, edgecolor="#555555", linewidth=0.4, label=lab, hatch=h)
        for lab, c, h in zip(labels, colors, hatches, strict=True)
    ]
    font = font_kwargs(list(labels))
    prop = {"size": 7, "family": font["fontfamily"]} if font else {"size": 7}
    return handles, prop


def legend(
    ax: Any, labels: Sequence[str], colors: Sequence[str], title: str | None = None, loc: str = "lower left"
) -> None:
    """A legend of coloured patches (map classes), in a CJK font when the labels need one."""
    handles, prop = legend_handles(labels, colors)
    ax.legend(handles=handles, loc=loc, title=title, title_fontsize=7, frameon=False, prop=prop)


# Figures drawn by the package may carry Chinese names (indicators, provinces): register the CJK
# fallback as soon as plotting is used, before any text is laid out.
cjk_font()

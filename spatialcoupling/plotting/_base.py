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
    "queen": "后式邻接",
    "rook": "车式邻接",
    "knn": "k 近邻",
    "min/mean/max": "最小/平均/最大",
    "transform=r": "变换=行标准化",
    "transform=R": "变换=行标准化",
    "transform=b": "变换=二元",
    "transform=B": "变换=二元",
    "transform=o": "变换=原始",
    "transform=O": "变换=原始",
    "adjust": "多重检验校正",
    "p_sim": "伪 p 值",
    "p_norm": "正态 p 值",
    "weights": "权重",
    "alpha": "显著性水平",
    "fdr": "FDR",
    "bonferroni": "Bonferroni",
    # distribution dynamics
    "quantile": "分位数",
    "quantiles": "分位数",
    "equal_interval": "等间距",
    "grades": "等级",
    "density": "密度",
    "Kernel density of": "核密度估计:",
    "kernel": "核函数",
    "bandwidth": "带宽",
    "gaussian": "高斯",
    "epanechnikov": "Epanechnikov",
    "scott": "Scott",
    "silverman": "Silverman",
    "state at t + step": "t + 步长 时的状态",
    "state at t": "t 时的状态",
    "share of regions": "地区占比",
    "type": "类型",
    "initial": "初始",
    "final": "最终",
    "steady state": "稳态",
    "Markov chain of": "马尔可夫链:",
    "Spatial Markov chain of": "空间马尔可夫链:",
    "LISA Markov chain of": "LISA 马尔可夫链:",
    "LISA time paths of": "LISA 时间路径:",
    "coordinates": "坐标",
    "Directional rose of": "方向玫瑰图:",
    "Kendall's τ": "Kendall τ",
    "spatial τ": "空间 τ",
    "Rank mobility of": "位序变动:",
    "Rank change of": "位序变化:",
    "rank change": "位序变化",
    "positive: moved up": "正值: 位次上升",
    "Centre of gravity of": "重心:",
    "Centre of gravity weighted by": "重心, 权重:",
    "ellipses": "标准差椭圆",
    "one standard deviation": "一倍标准差",
    "arcgis": "ArcGIS",
    "crimestat": "CrimeStat",
    "plain": "无修正",
    "path of the centre": "重心轨迹",
    # drivers
    "Hot spot (99%)": "热点 (99%)",
    "Hot spot (95%)": "热点 (95%)",
    "Hot spot (90%)": "热点 (90%)",
    "Cold spot (99%)": "冷点 (99%)",
    "Cold spot (95%)": "冷点 (95%)",
    "Cold spot (90%)": "冷点 (90%)",
    "isolated": "孤立",
    "Hot and cold spots (Gi*) per period": "各年冷热点 (Gi*)",
    "Hot and cold spots": "冷热点",
    "Clusters": "集聚类型",
    "q statistic": "q 统计量",
    "Geographic detector: q by factor": "地理探测器: 各因子 q 值",
    "Interaction detector": "交互作用探测",
    "Mean obstacle degree by indicator": "各指标平均障碍度",
    "Mean obstacle degree by dimension": "各维度平均障碍度",
    "obstacle degree": "障碍度",
    "Robustness of D ranks and conclusions": "D 位序与结论的稳健性",
    "Spearman": "Spearman",
    "Kendall": "Kendall",
    "rank correlation of D with the baseline": "与基准 D 的秩相关系数",
    "conclusions kept": "结论不变",
    "a conclusion changed": "结论改变",
    # scores and coupling
    "Subsystem scores": "子系统得分",
    "mean composite score U": "平均综合得分 U",
    "Indicator weights": "指标权重",
    "weight within subsystem": "子系统内权重",
    "mean over periods": "各年均值",
    "subsystem": "子系统",
    "entropy": "熵值法",
    "critic": "CRITIC",
    "equal": "等权",
    "coupling coordination degree": "耦合协调度",
    "Coupling coordination": "耦合协调",
    "model": "模型",
    "classic": "经典",
    "mean": "均值",
    "All": "全部",
    "all": "全部",
    "overall": "全部",
    # convergence
    "Sigma convergence": "σ 收敛",
    "cv": "变异系数",
    "coefficient of variation": "变异系数",
    "sd_log": "对数标准差",
    "Beta convergence": "β 收敛",
    "absolute": "绝对",
    "conditional": "条件",
    "Coefficient of ln y": "ln y 的系数",
    "β (95% interval)": "β (95% 区间)",
    "half-life": "半衰期",
    "not estimated": "未估计",
    "no convergence (β not in (−1, 0))": "不收敛 (β 不在 (−1, 0) 内)",
    "speed per period (95% interval)": "每期收敛速度 (95% 区间)",
    "Speed and half-life": "收敛速度与半衰期",
    "Convergence clubs (Phillips–Sul)": "收敛俱乐部 (Phillips–Sul)",
    "relative transition h": "相对转移系数 h",
    "divergent": "发散",
    "Club": "俱乐部",
    # spatial panel
    "Impacts (95% intervals)": "效应分解 (95% 区间)",
    "direct": "直接效应",
    "indirect": "间接效应",
    "total": "总效应",
    "effect": "效应",
    "effects": "效应",
    "coefficient (95% interval)": "系数 (95% 区间)",
    "Coefficients": "系数",
    "Spatial panel": "空间面板",
    "individual": "个体",
    "time": "时间",
    "two-way": "双向",
    "fixed": "固定",
    "random": "随机",
    "ols": "OLS",
    "pooled": "混合",
    "lag": "滞后",
}
#: words kept as they are in Chinese figures (names of statistics and methods)
KEEP_WORDS = frozenset(
    {
        "LISA",
        "Moran",
        "Dagum",
        "Gini",
        "Theil",
        "E",
        "I",
        "G",
        "Gw",
        "Gnb",
        "Gt",
        "W",
        "p",
        "Gi",
        "Kendall",
        "Spearman",
        "ArcGIS",
        "CrimeStat",
        "FDR",
        "Bonferroni",
        "CRITIC",
        "OLS",
        "Phillips",
        "Sul",
        "Epanechnikov",
        "Scott",
        "Silverman",
        "ln",
        "km",
        "SAR",
        "SEM",
        "SDM",
    }
)


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
    text = _wrap(text, 0.6 * fig.get_figwidth())
    return fig.text(0.01, y, text, fontsize=6, color="#333333", ha="left", va="top", **font_kwargs([text]))


def _wrap(text: str, inches: float, fontsize: float = 6.0) -> str:
    """``text`` broken into lines of at most ``inches`` (an average glyph is about half the font
    size wide, a Chinese one the full size), so the caption leaves the bottom right corner free."""
    import textwrap

    per_char = fontsize / 72 * (1.0 if has_cjk(text) else 0.5)
    width = max(20, int(inches / per_char))
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


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
    ax: Any,
    labels: Sequence[str],
    colors: Sequence[str],
    title: str | None = None,
    loc: str = "lower left",
    bbox_to_anchor: tuple[float, float] | None = None,
) -> None:
    """A legend of coloured patches (map classes), in a CJK font when the labels need one;
    ``bbox_to_anchor`` places it outside the axes (e.g. ``loc="center left"``, ``(1.01, 0.5)``)."""
    handles, prop = legend_handles(labels, colors)
    title_font = font_kwargs([title]) if title else {}
    title_prop = {"size": 7, "family": title_font["fontfamily"]} if title_font else {"size": 7}
    place = {"bbox_to_anchor": bbox_to_anchor} if bbox_to_anchor is not None else {}
    ax.legend(handles=handles, loc=loc, title=title, title_fontproperties=title_prop, frameon=False, prop=prop, **place)


# Figures drawn by the package may carry Chinese names (indicators, provinces): register the CJK
# fallback as soon as plotting is used, before any text is laid out.
cjk_font()

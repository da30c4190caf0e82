#!/usr/bin/env python3
"""Build the fonts Pingcha ships: Noto Serif CJK SC subset to GBK.

Reads the Debian fonts-noto-cjk collections, extracts the Simplified Chinese
face, keeps every character of GBK (no private-use area) plus ASCII, Latin-1
and the punctuation Chinese official documents use, and writes CFF-flavoured
OTF files next to this script. Needs fontTools (pip install fonttools).

Usage: python3 fonts/make-fonts.py [regular|bold ...]   (default: regular)
"""
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCES = {
    "regular": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
                "NotoSerifSC-Regular-GBK.otf"),
    "bold": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
             "NotoSerifSC-Bold-GBK.otf"),
}
PUNCTUATION = "〔〕“”‘’—―…·、。，；：？！（）《》「」【】〇　"
MUST_HAVE = "玥喆堃昇" + PUNCTUATION


def gbk_code_points():
    points = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    for lead in range(0x81, 0xFF):
        for trail in list(range(0x40, 0x7F)) + list(range(0x80, 0xFF)):
            try:
                text = bytes([lead, trail]).decode("gbk")
            except UnicodeDecodeError:
                continue
            point = ord(text)
            if not 0xE000 <= point <= 0xF8FF:
                points.add(point)
    points.update(ord(c) for c in PUNCTUATION)
    return sorted(points)


def simplified_chinese_face(collection):
    for index, font in enumerate(collection.fonts):
        family = font["name"].getDebugName(1) or ""
        if family.endswith(" SC"):
            return index, font
    raise SystemExit("no SC face in the collection")


def build(weight, points):
    ttc_path, out_name = SOURCES[weight]
    index, font = simplified_chinese_face(TTCollection(ttc_path))
    print(f"{weight}: face {index} = {font['name'].getDebugName(4)}")
    options = subset.Options()
    options.layout_features = []  # printpdf maps through the cmap only
    options.name_IDs = ["*"]  # keep copyright and licence records
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.desubroutinize = True  # a PDF subset then carries only the outlines it uses
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=points)
    subsetter.subset(font)
    cmap = font.getBestCmap()
    missing = [c for c in MUST_HAVE if ord(c) not in cmap]
    if missing:
        raise SystemExit(f"{weight}: missing {''.join(missing)}")
    covered = sum(1 for p in points if p in cmap)
    out = Path(__file__).with_name(out_name)
    font.save(out)
    print(f"{weight}: {covered}/{len(points)} code points, "
          f"{len(font.getGlyphOrder())} glyphs, {out.stat().st_size} bytes -> {out}")


def main():
    weights = sys.argv[1:] or ["regular"]
    points = gbk_code_points()
    for weight in weights:
        build(weight, points)


if __name__ == "__main__":
    main()

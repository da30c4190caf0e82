#!/usr/bin/env python3
"""Build the fonts Pingcha ships: Noto Serif CJK SC subset to GB 18030 level 2 (GBK and
CJK Extension A), plus two fallback faces cut from HanaMin (GlyphWiki) for what Noto lacks:
the rare name characters of Extensions B–F and the few GBK symbols Noto has no glyph for.

Reads the Debian fonts-noto-cjk collections and the fonts-hanazono files (unpack the
package with `apt-get download fonts-hanazono && dpkg-deb -x fonts-hanazono_*.deb DIR`
and pass DIR/usr/share/fonts/truetype/hanazono with --hanazono), writes the files next to
this script. Needs fontTools (pip install fonttools).

Usage: python3 fonts/make-fonts.py [--hanazono DIR] [regular|bold|fallback ...]
       (default: regular bold fallback)
"""
import sys
import unicodedata
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

NOTO = {
    "regular": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
                "NotoSerifSC-Regular-GB18030.otf"),
    "bold": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
             "NotoSerifSC-Bold-GB18030.otf"),
}
HANAZONO = "/usr/share/fonts/truetype/hanazono"
SYMBOLS_OUT = "GlyphWikiMin-Symbols.ttf"  # from HanaMinA: GB 18030 characters Noto lacks
EXT_OUT = "GlyphWikiMin-ExtB-F.ttf"  # from HanaMinB: CJK Extensions B–F
PUNCTUATION = "〔〕“”‘’—―…·、。，；：？！（）《》「」【】〇　"
MUST_HAVE = "玥喆堃昇䶮𠀾" + PUNCTUATION

# Han blocks and the GB 18030-2022 code points outside GBK's two-byte area that level 2
# covers: CJK Extension A, the rest of the URO, radicals, strokes, vertical forms, and the
# six Extension B characters GB 18030-2005 had mapped into the private-use area.
LEVEL2_RANGES = [
    (0x3400, 0x4DB5),  # CJK Extension A as in GB 18030 (6,582 characters)
    (0x4E00, 0x9FEA),  # CJK Unified Ideographs (URO) through Unicode 10
    (0x2E80, 0x2EFF),  # CJK Radicals Supplement
    (0x2F00, 0x2FDF),  # Kangxi Radicals
    (0x2FF0, 0x2FFF),  # Ideographic Description Characters
    (0x3000, 0x303F),  # CJK Symbols and Punctuation
    (0x31C0, 0x31EF),  # CJK Strokes
    (0xFE10, 0xFE1F),  # Vertical Forms
    (0xFE30, 0xFE4F),  # CJK Compatibility Forms
]
LEVEL2_EXTRA = [0x20087, 0x20089, 0x200CC, 0x215D7, 0x2298F, 0x241FE]
# Rare name characters: everything HanaMinB has in Extensions B–F.
EXTENSIONS_B_TO_F = [(0x20000, 0x2A6DF), (0x2A700, 0x2EBEF)]
# Extensions Noto's SC face also has some of (kept in the Noto subsets, same style).
NOTO_EXTENSIONS = EXTENSIONS_B_TO_F + [(0x30000, 0x323AF)]


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
    return points


def level2_code_points():
    points = gbk_code_points()
    for first, last in LEVEL2_RANGES:
        points.update(p for p in range(first, last + 1) if unicodedata.category(chr(p)) != "Cn")
    points.update(LEVEL2_EXTRA)
    return points


def ranges(spans):
    return {point for first, last in spans for point in range(first, last + 1)}


def simplified_chinese_face(collection):
    for index, font in enumerate(collection.fonts):
        family = font["name"].getDebugName(1) or ""
        if family.endswith(" SC"):
            return index, font
    raise SystemExit("no SC face in the collection")


def options(cff):
    result = subset.Options()
    result.layout_features = []  # printpdf maps through the cmap only
    result.name_IDs = ["*"]  # keep copyright and licence records
    result.name_languages = ["*"]
    result.notdef_outline = True
    result.desubroutinize = cff  # a PDF subset then carries only the outlines it uses
    result.drop_tables += ["FFTM"]
    return result


def cut(font, points, out_name, cff):
    subsetter = subset.Subsetter(options(cff))
    subsetter.populate(unicodes=sorted(points))
    subsetter.subset(font)
    out = Path(__file__).with_name(out_name)
    font.recalcTimestamp = False  # keep the source's date: the same input, the same bytes
    font.save(out)
    cmap = font.getBestCmap()
    print(f"  {len(cmap)} code points, {len(font.getGlyphOrder())} glyphs, "
          f"{out.stat().st_size} bytes -> {out.name}")
    return cmap


def noto_face(weight):
    ttc_path, _ = NOTO[weight]
    index, font = simplified_chinese_face(TTCollection(ttc_path))
    print(f"{weight}: face {index} = {font['name'].getDebugName(4)}")
    return font


def build_noto(weight):
    font = noto_face(weight)
    # Newer URO and Extension A additions Noto has are kept too (same style).
    wanted = level2_code_points() | ranges(NOTO_EXTENSIONS) | ranges([(0x3400, 0x4DBF), (0x4E00, 0x9FFF)])
    cmap = cut(font, wanted, NOTO[weight][1], cff=True)
    missing = [c for c in MUST_HAVE if ord(c) not in cmap]
    if missing:
        raise SystemExit(f"{weight}: missing {''.join(missing)}")
    return cmap


def rename(font, family):
    """HanaMin's OFL reserves its names: a modified copy carries another family name."""
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 3, 4, 6, 16, 17, 18, 21, 22):
            names.removeNames(nameID=record.nameID)
    names.setName(family, 1, 3, 1, 0x409)
    names.setName("Regular", 2, 3, 1, 0x409)
    names.setName(f"{family}; Pingcha subset", 3, 3, 1, 0x409)
    names.setName(family, 4, 3, 1, 0x409)
    names.setName(family.replace(" ", ""), 6, 3, 1, 0x409)


def build_fallback(hanazono):
    noto = set(noto_face("regular").getBestCmap())
    level2 = level2_code_points()

    symbols = TTFont(Path(hanazono) / "HanaMinA.ttf")
    needed = {point for point in level2 - noto if point in symbols.getBestCmap()}
    print(f"symbols: {len(needed)} GB 18030 level 2 code points Noto lacks, from HanaMinA")
    rename(symbols, "GlyphWiki Min Symbols")
    covered = cut(symbols, needed, SYMBOLS_OUT, cff=False)

    ext = TTFont(Path(hanazono) / "HanaMinB.ttf")
    wanted = {p for p in ranges(EXTENSIONS_B_TO_F) if p not in noto}
    print(f"extensions: Extensions B–F from HanaMinB, less {len(noto & ranges(EXTENSIONS_B_TO_F))} in Noto")
    rename(ext, "GlyphWiki Min ExtB-F")
    ext_cmap = cut(ext, wanted, EXT_OUT, cff=False)

    everything = noto | set(covered) | set(ext_cmap)
    for char in "䶮𠀾𪚥":
        if ord(char) not in everything:
            raise SystemExit(f"fallback: {char} not covered")
    left = sorted(level2 - everything)
    print(f"GB 18030 level 2 code points no shipped face has: {len(left)}"
          + (f" ({' '.join(f'U+{p:04X}' for p in left[:40])}{' …' if len(left) > 40 else ''})"
             if left else ""))


def main():
    args = sys.argv[1:]
    hanazono = HANAZONO
    if "--hanazono" in args:
        at = args.index("--hanazono")
        hanazono = args[at + 1]
        del args[at:at + 2]
    for what in args or ["regular", "bold", "fallback"]:
        if what == "fallback":
            build_fallback(hanazono)
        else:
            build_noto(what)


if __name__ == "__main__":
    main()

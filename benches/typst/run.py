#!/usr/bin/env python3
"""Typst baseline for Pingcha's document benchmark.

Compiles the same three documents from the same JSON data that
`cargo run --release --example bench_documents -- <dir>` writes, with the same
fonts (fonts/NotoSerifSC-*-GBK.otf), and prints time per document and per page
and file size. "cold" is one compile in a fresh process (fonts found and loaded,
the way a clerk's one-off run goes); "warm" has the fonts loaded by an earlier
compile of another document. Needs `pip install typst` (the compiler ships in the wheel).

Usage: python3 benches/typst/run.py <dir written by bench_documents>
"""
import subprocess
import sys
import time
from pathlib import Path

import typst

HERE = Path(__file__).resolve().parent
FONTS = HERE.parent.parent / "fonts"
DOCUMENTS = [("score_sheet", "score_sheet.typ"), ("batch", "batch.typ"), ("bulletin", "bulletin.typ")]


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])


PROBE = """
import sys, time, typst
here, fonts, source, data, out = sys.argv[1:6]
options = dict(root="/", font_paths=[fonts], ignore_system_fonts=True, pdf_tags=False)
start = time.perf_counter()
if sys.argv[6] == "warm":
    # Load the fonts with another document first; comemo then has nothing of this data.
    typst.compile(here + "/empty.typ", output=out + ".empty.pdf", **options)
    start = time.perf_counter()
typst.compile(here + "/" + source, output=out, sys_inputs={"data": data}, **options)
print(time.perf_counter() - start)
"""


def timed(source: str, data: Path, out: Path, mode: str) -> float:
    """Best of three fresh processes (typst memoises within a process)."""
    best = float("inf")
    for _ in range(3):
        result = subprocess.run([sys.executable, "-c", PROBE, str(HERE), str(FONTS), source, str(data), str(out), mode],
                                capture_output=True, text=True, check=True)
        best = min(best, float(result.stdout.strip()))
    return best


def main() -> None:
    data = Path(sys.argv[1] if len(sys.argv) > 1 else "target/bench-documents").resolve()
    print(f"typst {typst.__version__}; best of 3 fresh processes")
    for name, source in DOCUMENTS:
        out = data / f"{name}.typst.pdf"
        cold = timed(source, data / f"{name}.json", out, "cold")
        warm = timed(source, data / f"{name}.json", out, "warm")
        count = pages(out)
        print(f"{name:<12} cold {cold * 1e3:8.1f} ms  warm {warm * 1e3:8.1f} ms  {count:4} pages  "
              f"{warm * 1e3 / count:6.2f} ms/page warm  {out.stat().st_size:9} bytes")


if __name__ == "__main__":
    main()

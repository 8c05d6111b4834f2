"""OCR pages per second: pincite's reader with --ocr (PDFium render at 300 dpi → Tesseract, one
thread, → page model → segmenter) on the scans of corpus-real, one process, against the
`tesseract` command alone on the same rendered pages.

    python bench/bench_ocr.py [corpus-real/pdf/scanned_un]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pypdfium2 as pdfium

from pincite.errors import DocumentError
from pincite.ingest.pipeline import parse_file
from pincite.ingest.readers import ocr

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = (
    Path(os.environ.get("PINCITE_SHARED", ROOT.parent / "shared")) / "corpus-real" / "pdf" / "scanned_un"
)


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    files = sorted(folder.glob("*.pdf"))
    pages = 0
    t_pincite = t_raw = 0.0
    for f in files:
        n = len(pdfium.PdfDocument(f.read_bytes()))
        pages += n
        t = time.perf_counter()
        try:
            meta, units = parse_file(f, f.name, f.stem, options={"ocr": True})
            got = f"{len(units)} units, {meta.get('ocr')}, lang {meta.get('lang')}, symbol {meta.get('symbol', '-')}, date {meta.get('date', '-')}"
        except DocumentError as e:
            got = f"{e.status}: {e.reason}"
        t_pincite += time.perf_counter() - t
        t = time.perf_counter()
        doc = pdfium.PdfDocument(f.read_bytes())
        for i in range(n):
            image, _, _ = ocr.render(doc[i])
            subprocess.run(
                ["tesseract", "-", "-", "-l", "eng"], input=image, capture_output=True, env=ocr._env()
            )
        t_raw += time.perf_counter() - t
        print(f"{f.name[:50]:50s} {n:3d} pages: {got}")
    print(f"{len(files)} scans, {pages} pages")
    print(f"pincite --ocr (reader + segmenter): {pages / t_pincite:.2f} pages/s ({t_pincite:.1f} s)")
    print(f"render + tesseract -l eng alone   : {pages / t_raw:.2f} pages/s ({t_raw:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

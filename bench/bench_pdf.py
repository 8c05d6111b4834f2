"""Pages per second: pincite's PDF reader + segmenter against raw pypdf `extract_text()`.

Three figures on the same files, interleaved in each repeat; each is the median over the repeats of
(total pages / total seconds). Scans are included: pincite stops at "needs OCR", pypdf returns empty
text.
- raw pypdf `extract_text()`, one process;
- pincite's reader + segmenter, one process (what a core does);
- pincite's whole ingestion (`add_paths` + `parse_pending`: hashing, the store, one worker process per
  document with its time-out and memory cap, `--jobs` workers at a time) into a fresh home.

    python bench/bench_pdf.py [corpus-real/pdf] [--repeats 3]
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

from pincite.corpus.store import Store
from pincite.errors import DocumentError
from pincite.ingest import pipeline, readers
from pincite.ingest.segment import segment

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = Path(os.environ.get("PINCITE_SHARED", ROOT.parent / "shared")) / "corpus-real" / "pdf"


def raw_pypdf(data: bytes) -> int:
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        page.extract_text()
    return len(reader.pages)


def pincite(data: bytes, name: str) -> None:
    try:
        segment(readers.read(data, "pdf", name), "bench", name)
    except DocumentError:
        pass


def ingest(folder: Path, jobs: int) -> None:
    with tempfile.TemporaryDirectory() as home:
        store = Store(Path(home))
        pipeline.add_paths(store, [folder])
        pipeline.parse_pending(store, jobs=jobs)


def run(files: list[tuple[str, bytes]], repeats: int, folder: Path, jobs: int) -> dict:
    pages = sum(len(PdfReader(io.BytesIO(d)).pages) for _, d in files)
    out: dict = {"files": len(files), "pages": pages, "pypdf": [], "pincite": [], "ingest": []}
    for _ in range(repeats):
        t = time.perf_counter()
        ingest(folder, jobs)
        out["ingest"].append(pages / (time.perf_counter() - t))
        t = time.perf_counter()
        for _, d in files:
            raw_pypdf(d)
        out["pypdf"].append(pages / (time.perf_counter() - t))
        t = time.perf_counter()
        for name, d in files:
            pincite(d, name)
        out["pincite"].append(pages / (time.perf_counter() - t))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    files = [(p.name, p.read_bytes()) for p in sorted(args.folder.rglob("*.pdf"))]
    res = run(files, args.repeats, args.folder, args.jobs)
    py, pc = statistics.median(res["pypdf"]), statistics.median(res["pincite"])
    ing = statistics.median(res["ingest"])
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"pypdf {__import__('pypdf').__version__}"
    )
    print(f"{res['files']} files, {res['pages']} pages, median of {args.repeats} runs")
    print(f"raw pypdf extract_text : {py:7.1f} pages/s")
    print(f"pincite reader+segment : {pc:7.1f} pages/s")
    print(f"ratio pincite/pypdf    : {pc / py:7.2f}")
    print(f"pincite ingest, {args.jobs} jobs : {ing:7.1f} pages/s  (ratio to raw pypdf {ing / py:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

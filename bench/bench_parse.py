"""Parse-only CPU of a folder of PDFs, per engine: every file read into the page model and segmented
(`pipeline.parse_file`: units and metadata, languages identified), no store and no index.

Each measurement is a fresh process that loads what an ingest worker has loaded before its first
document (the modules, the language model, PDFium) and then parses every PDF of the folder once; its
figure is the CPU seconds (user + system) of the parse. A repeat runs every contender once, in turn
(interleaved, so a change in the load of the shared machine touches all alike); each figure is the
median over the repeats.

`--against SRC` adds another source tree (a `src` folder, e.g. an unpacked `git archive` of the
commit before a change) as a contender, to compare a change with its baseline in one run.
`--profile` runs one engine under cProfile in this process instead and prints where the time goes.

    python bench/bench_parse.py [corpus-real/pdf] [--repeats 5] [--engine pdfium] [--against DIR]
    python bench/bench_parse.py [corpus-real/pdf] --profile [--engine pdfium] [--top 40]
    python bench/bench_parse.py [corpus-real/pdf] --shares [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = Path(os.environ.get("PINCITE_SHARED", ROOT.parent / "shared")) / "corpus-real" / "pdf"
ENGINES = ("pdfium", "pypdf")


def pdfs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".pdf" and p.is_file())


def warm(engine: str) -> None:
    """Load what a worker has loaded before its first document, so that only parsing is timed."""
    from pincite.ingest import lang, pipeline  # noqa: F401
    from pincite.ingest.readers import pdf  # noqa: F401

    lang._identifier()
    if engine == "pypdf":
        import pypdf  # noqa: F401
    else:
        from pincite.ingest.readers import pdfium

        pdfium._fns()


def parse_all(files: list[Path], engine: str) -> tuple[int, int]:
    """Parse every file; (documents with units, units)."""
    from pincite.errors import DocumentError
    from pincite.ingest.pipeline import parse_file

    docs = units = 0
    for f in files:
        try:
            _, got = parse_file(f, f.name, "d", options={"engine": engine})
        except DocumentError:
            continue
        docs += 1
        units += len(got)
    return docs, units


def once(folder: Path, engine: str) -> dict:
    logging.disable(logging.WARNING)
    files = pdfs(folder)
    warm(engine)
    t0, c0 = time.perf_counter(), time.process_time()
    docs, units = parse_all(files, engine)
    return {
        "cpu": time.process_time() - c0,
        "wall": time.perf_counter() - t0,
        "files": len(files),
        "docs": docs,
        "units": units,
    }


def measure(folder: Path, engine: str, src: Path | None) -> dict:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    cmd = [sys.executable, str(Path(__file__).resolve()), str(folder), "--once", "--engine", engine]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def profile(folder: Path, engine: str, top: int) -> None:
    import cProfile
    import pstats

    logging.disable(logging.WARNING)
    files = pdfs(folder)
    warm(engine)
    prof = cProfile.Profile()
    prof.enable()
    parse_all(files, engine)
    prof.disable()
    stats = pstats.Stats(prof, stream=sys.stdout)
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def shares(folder: Path, repeats: int) -> None:
    """The PDFium engine's parse split by where its CPU goes, timed in this process around the two
    calls into PDFium that load a page (`pdfium.Page.__init__`: FPDF_LoadPage and FPDFText_LoadPage)
    and the page's runs (`Page.runs`: the C walk over its text objects); the rest is pincite's reading
    of lines, blocks and notes and the segmenter. Unlike cProfile, nothing but those two is wrapped."""
    from pincite.ingest.readers import pdfium

    logging.disable(logging.WARNING)
    files = pdfs(folder)
    warm("pdfium")
    spent = {"load": 0.0, "runs": 0.0}
    load, runs = pdfium.Page.__init__, pdfium.Page.runs

    def timed_load(self, *a, **k):
        c = time.process_time()
        try:
            load(self, *a, **k)
        finally:
            spent["load"] += time.process_time() - c

    def timed_runs(self, *a, **k):
        c = time.process_time()
        try:
            return runs(self, *a, **k)
        finally:
            spent["runs"] += time.process_time() - c

    pdfium.Page.__init__, pdfium.Page.runs = timed_load, timed_runs
    rows = []
    for _ in range(repeats):
        spent.update(load=0.0, runs=0.0)
        c = time.process_time()
        parse_all(files, "pdfium")
        total = time.process_time() - c
        rows.append((total, spent["load"], spent["runs"]))
    total, load_s, runs_s = (statistics.median(r[i] for r in rows) for i in range(3))
    print(
        f"parse {total:.2f} CPU s (median of {repeats}): PDFium page and text-page loading {load_s:.2f} s "
        f"({load_s / total:.0%}), the runs {runs_s:.2f} s ({runs_s / total:.0%}), "
        f"the rest {total - load_s - runs_s:.2f} s ({(total - load_s - runs_s) / total:.0%})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--engine", action="append", choices=ENGINES, help="default: both")
    ap.add_argument("--against", action="append", type=Path, default=[], help="another src folder to time")
    ap.add_argument("--profile", action="store_true", help="profile one engine in this process")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--shares", action="store_true", help="split the PDFium parse's CPU (this process)")
    ap.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    engines = args.engine or list(ENGINES)
    if args.once:
        print(json.dumps(once(args.folder, engines[0])))
        return
    if args.profile:
        profile(args.folder, engines[0], args.top)
        return
    if args.shares:
        shares(args.folder, args.repeats)
        return
    contenders: list[tuple[str, Path | None]] = [("this tree", None)]
    contenders += [(str(p), p.resolve()) for p in args.against]
    print(f"{len(pdfs(args.folder))} PDFs in {args.folder}; load {os.getloadavg()[0]:.2f}", file=sys.stderr)
    got: dict[tuple[str, str], list[dict]] = {}
    for rep in range(args.repeats):
        for engine in engines:
            for label, src in contenders:
                r = measure(args.folder, engine, src)
                got.setdefault((label, engine), []).append(r)
                print(
                    f"  repeat {rep + 1} {engine:6} {label}: {r['cpu']:.2f} s CPU, {r['units']} units",
                    file=sys.stderr,
                )
    print(f"load after: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    print(f"{'engine':8} {'source':40} {'CPU s':>7} {'wall s':>7} {'units':>7} {'× first':>8}")
    for engine in engines:
        first = None
        for label, _ in contenders:
            rs = got[(label, engine)]
            cpu = statistics.median(r["cpu"] for r in rs)
            wall = statistics.median(r["wall"] for r in rs)
            first = first or cpu
            print(f"{engine:8} {label[-40:]:40} {cpu:7.2f} {wall:7.2f} {rs[0]['units']:7} {cpu / first:8.2f}")


if __name__ == "__main__":
    main()

"""PDF ingest against its peers, measured side by side in one run on the same folder.

Each repeat runs every contender once, in turn (interleaved, so a change in the load on the shared
machine touches all of them alike), each repeat starting one contender further on; each figure is
the median wall time over the repeats. The paired ratio is the median of the repeat-by-repeat
ratios to recollindex, with its 95 % interval (bootstrap): on a machine whose speed drifts between
minutes it says whether a ratio near 1 is ahead, behind, or neither.

- raw pypdf `extract_text()` and raw pypdfium2 `get_text_range()`, one process, text only;
- `pdftotext` (poppler), one process per file, text only;
- `recollindex` (Recoll, the desktop indexer) into a fresh configuration: whole documents indexed;
- `pincite ingest` through the CLI into a fresh home, once per PDF engine: files stored, every page
  read into the page model, paragraphs segmented, languages identified and the index written.

Scans are included: pincite records them as needing OCR, the others find no text. Each pincite checkout
is byte-compiled first, as an installed package is. CPU seconds are those of the contender's processes
on all cores (user + system): with two cores the wall time can at best be half of them.

    python bench/bench_pdf.py [corpus-real/pdf] [--repeats 5] [--jobs 2] [--engines pdfium,pypdf] [--baseline CHECKOUT]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = Path(os.environ.get("PINCITE_SHARED", ROOT.parent / "shared")) / "corpus-real" / "pdf"


def raw_pypdf(files: list[Path]) -> None:
    from pypdf import PdfReader

    for f in files:
        for page in PdfReader(io.BytesIO(f.read_bytes())).pages:
            page.extract_text()


def raw_pdfium(files: list[Path]) -> None:
    import pypdfium2 as pdfium

    for f in files:
        doc = pdfium.PdfDocument(f.read_bytes())
        for page in doc:
            tp = page.get_textpage()
            tp.get_text_range()
            tp.close()
            page.close()
        doc.close()


def pdftotext(files: list[Path]) -> None:
    for f in files:
        subprocess.run(["pdftotext", "-q", str(f), "-"], stdout=subprocess.DEVNULL, check=False)


def recollindex(folder: Path) -> None:
    with tempfile.TemporaryDirectory() as conf:
        Path(conf, "recoll.conf").write_text(f"topdirs = {folder}\n")
        subprocess.run(
            ["recollindex", "-c", conf, "-z"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )


def pincite_ingest(folder: Path, engine: str, jobs: int, src: Path | None = None) -> dict:
    """`src`: another checkout's `src` folder to run pincite from (a baseline), else this one's."""
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, PINCITE_HOME=home)
        if src is not None:
            env["PYTHONPATH"] = str(src)
        cmd = [
            sys.executable,
            "-m",
            "pincite.cli",
            "ingest",
            "--pdf-engine",
            engine,
            "-j",
            str(jobs),
            str(folder),
        ]
        c, t = _cpu(), time.perf_counter()
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        took = (time.perf_counter() - t, _cpu() - c)  # the ingest alone, not the status read below
        if "Traceback" in r.stderr:
            raise SystemExit(r.stderr)
        st = subprocess.run(
            [sys.executable, "-m", "pincite.cli", "status", "--format", "json"],
            env=env,
            capture_output=True,
            text=True,
        )
        try:
            return {**json.loads(st.stdout), "_took": took}
        except ValueError:
            return {"_took": took}


def _cpu() -> float:
    """CPU seconds (user + system) used so far by this process and the children it waited for."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn, *args) -> tuple[float, float, object]:
    """Wall seconds, CPU seconds (this process and its children: all cores), result."""
    c, t = _cpu(), time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, _cpu() - c, out


def compiled(src: Path) -> None:
    """Byte-compile a checkout's pincite once, as installing a package does: with
    PYTHONDONTWRITEBYTECODE set (as on some machines) every run would compile it again (~0.3 s)."""
    import compileall

    compileall.compile_dir(str(src / "pincite"), quiet=1)


def _interval(ratios: list[float], draws: int = 2000) -> tuple[float, float]:
    """A 95 % interval of the median of `ratios` (a percentile bootstrap, its seed fixed)."""
    rng = random.Random(0)
    medians = sorted(statistics.median(rng.choices(ratios, k=len(ratios))) for _ in range(draws))
    return medians[int(0.025 * draws)], medians[int(0.975 * draws) - 1]


def _paired(ts: list[float], against: list[float]) -> str:
    """The median of the repeat-by-repeat ratios, and its 95 % interval."""
    ratios = [t / r for t, r in zip(ts, against, strict=True)]
    lo, hi = _interval(ratios)
    return f"{statistics.median(ratios):.2f}x ({lo:.2f}-{hi:.2f})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--skip-pypdf-raw", action="store_true", help="Leave out raw pypdf (the slowest).")
    ap.add_argument(
        "--engines", default="pdfium,pypdf", help="pincite's PDF engines to run (comma-separated)."
    )
    ap.add_argument(
        "--baseline",
        type=Path,
        help="Also run pincite (PDFium) from this other checkout (its src/ folder is put first on PYTHONPATH).",
    )
    args = ap.parse_args()
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    files = sorted(args.folder.rglob("*.pdf"))
    if not files:
        raise SystemExit(f"no PDFs under {args.folder} (give the folder, or set PINCITE_SHARED)")
    import pypdfium2 as pdfium

    pages = sum(len(pdfium.PdfDocument(f.read_bytes())) for f in files)
    engines = args.engines.split(",")
    contenders = {}
    if "pdfium" in engines:
        contenders["pincite ingest, pdfium"] = lambda: pincite_ingest(args.folder, "pdfium", args.jobs)
    contenders["recollindex"] = lambda: recollindex(args.folder)
    if args.baseline:
        src = args.baseline.resolve() / "src"
        contenders[f"pincite ingest, pdfium, baseline {args.baseline.name}"] = lambda: pincite_ingest(
            args.folder, "pdfium", args.jobs, src
        )
    if "pypdf" in engines:
        contenders["pincite ingest, pypdf"] = lambda: pincite_ingest(args.folder, "pypdf", args.jobs)
    contenders["raw pypdfium2 text"] = lambda: raw_pdfium(files)
    contenders["pdftotext"] = lambda: pdftotext(files)
    if not args.skip_pypdf_raw:
        contenders["raw pypdf extract_text"] = lambda: raw_pypdf(files)
    if not shutil.which("recollindex"):
        print("recollindex not installed (apt-get install recoll): left out", file=sys.stderr)
        del contenders["recollindex"]
    compiled(ROOT / "src")
    if args.baseline:
        compiled(args.baseline.resolve() / "src")
    load_start = os.getloadavg()
    times: dict[str, list[float]] = {k: [] for k in contenders}
    cpus: dict[str, list[float]] = {k: [] for k in contenders}
    status: dict = {}
    names = list(contenders)
    for r in range(args.repeats):
        # each repeat starts with the next contender: none always runs first, or after the same one
        for name in names[r % len(names) :] + names[: r % len(names)]:
            fn = contenders[name]
            t, c, out = timed(fn)
            if isinstance(out, dict) and "_took" in out:
                t, c = out.pop("_took")
            times[name].append(t)
            cpus[name].append(c)
            if name.startswith("pincite") and out:
                status[name] = out
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}; pypdf {__import__('pypdf').__version__}, pypdfium2 {__import__('pypdfium2.version').version.PYPDFIUM_INFO}"
    )
    print(
        f"{len(files)} files, {pages} pages, median of {args.repeats} interleaved runs, pincite -j {args.jobs}; "
        f"load average {load_start[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    )
    base = statistics.median(times["recollindex"]) if "recollindex" in times else None
    cpu_base = statistics.median(cpus["recollindex"]) if "recollindex" in cpus else None
    print(
        "| contender | median s | pages/s | runs (s) | ratio to recollindex | paired ratio | CPU s (all cores) | CPU ratio |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    for name, ts in times.items():
        med, cpu = statistics.median(ts), statistics.median(cpus[name])
        ratio = f"{med / base:.2f}x" if base else "-"
        # each run against recollindex's run of the same repeat (a minute's load touches both), the
        # median of those ratios: steadier than the ratio of the medians on a machine whose speed drifts
        paired = _paired(ts, times["recollindex"]) if base else "-"
        cratio = f"{cpu / cpu_base:.2f}x" if cpu_base else "-"
        runs = ", ".join(f"{t:.2f}" for t in ts)
        print(f"| {name} | {med:.2f} | {pages / med:.1f} | {runs} | {ratio} | {paired} | {cpu:.2f} | {cratio} |")
    for name, st in status.items():
        print(f"{name}: {st.get('by_status')}, {st.get('units')} units")
    baseline = next((n for n in times if "baseline" in n), None)
    if baseline and "pincite ingest, pdfium" in times:
        pairs = [t / b for t, b in zip(times["pincite ingest, pdfium"], times[baseline], strict=True)]
        lo, hi = _interval(pairs)
        print(
            f"pincite ingest, pdfium against the baseline, repeat by repeat: median ratio "
            f"{statistics.median(pairs):.3f} (95 % interval {lo:.3f}-{hi:.3f}; faster in "
            f"{sum(p < 1 for p in pairs)} of {len(pairs)})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

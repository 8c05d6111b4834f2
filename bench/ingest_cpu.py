"""Where one `pincite ingest` spends its CPU: the seconds (user and system) and page faults of each of
its processes, the parent, every parse worker and every index writer, median over --runs ingests into
fresh homes.

Runs the CLI in a child process with the worker and writer functions wrapped so that each process
writes its own `getrusage` when it is done (forked processes exit without running `atexit`). The
wall time printed is the child's, start-up included. One ingest is a few seconds on a shared machine
whose speed changes from minute to minute: read the processes of one run against each other, and
compare trees with bench/bench_pdf.py (same run, interleaved). Not a test.

    python bench/ingest_cpu.py [corpus-real/pdf] [--runs 5] [--src SRC] [-- extra ingest options]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = Path(os.environ.get("PINCITE_SHARED", HERE.parent.parent / "shared")) / "corpus-real" / "pdf"

# run in the child: wrap, then run the CLI; each process appends one JSON line to PINCITE_CPU_LOG
CHILD = r"""
import json, os, resource, sys
import pincite.ingest.pipeline as pipeline
import pincite.index.manager as manager

LOG = os.environ["PINCITE_CPU_LOG"]

def report(kind):
    r = resource.getrusage(resource.RUSAGE_SELF)
    with open(LOG, "a") as f:
        f.write(json.dumps({"kind": kind, "user": r.ru_utime, "sys": r.ru_stime, "faults": r.ru_minflt}) + "\n")

def wrapped(function, kind):
    def run(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            report(kind)
    return run

pipeline._worker = wrapped(pipeline._worker, "parse worker")
manager.IndexManager._segment_worker = wrapped(manager.IndexManager._segment_worker, "index writer")
from pincite.cli import main
sys.argv = ["pincite", "ingest", *sys.argv[1:]]
try:
    main()
finally:
    report("parent")
"""


def one(folder: Path, src: Path | None, extra: list[str]) -> tuple[float, list[dict]]:
    with tempfile.TemporaryDirectory() as home:
        log = Path(home) / "cpu.jsonl"
        env = dict(os.environ, PINCITE_HOME=str(Path(home) / "home"), PINCITE_CPU_LOG=str(log))
        if src is not None:
            env["PYTHONPATH"] = str(src.resolve())
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", CHILD, str(folder), *extra],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        wall = time.perf_counter() - t
        return wall, [json.loads(line) for line in log.read_text().splitlines()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--src", type=Path, help="another checkout's src folder to run pincite from")
    ap.add_argument("extra", nargs="*", help="options for `pincite ingest` (after --)")
    args = ap.parse_args()
    walls, per_kind = [], {}
    for _ in range(args.runs):
        wall, procs = one(args.folder, args.src, args.extra)
        walls.append(wall)
        seen: dict[str, list[dict]] = {}
        for p in procs:
            seen.setdefault(p["kind"], []).append(p)
        for kind, ps in seen.items():
            per_kind.setdefault(kind, []).append(ps)
    print(f"{args.folder}: {args.runs} ingests, wall median {statistics.median(walls):.2f} s")
    print("| process | how many | CPU s each (median: user + system) | system s | page faults |")
    print("|---|---|---|---|---|")
    total = []
    for kind in ("parent", "parse worker", "index writer"):
        runs = per_kind.get(kind, [])
        if not runs:
            continue
        each = [p["user"] + p["sys"] for ps in runs for p in ps]
        total.append(statistics.median([sum(p["user"] + p["sys"] for p in ps) for ps in runs]))
        print(
            f"| {kind} | {statistics.median(len(ps) for ps in runs):g} | {statistics.median(each):.3f} "
            f"(runs: {min(each):.3f}–{max(each):.3f}) | {statistics.median(p['sys'] for ps in runs for p in ps):.3f} "
            f"| {statistics.median(p['faults'] for ps in runs for p in ps):.0f} |"
        )
    print(f"all processes: {sum(total):.2f} CPU s (sum of the medians of each kind's total)")


if __name__ == "__main__":
    main()

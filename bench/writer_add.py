"""CPU of writing an ingested home's units into one new Whoosh segment: adding the units
(`IndexManager._add_docs`) and finishing the segment.

By default in this process, min of --repeats: the second and later repeats find every word's forms
remembered (the analysers' memo), so they time the rest of the writer. With `--fresh N`, each of N
runs is a new process that writes once, as an ingest's writer process does (its memo empty, so
stemming each new word counts), the median printed with the time spent in `forms()` (finding a new
word's stems); `--half` writes the first of the two shares an ingest's two writer processes take.
Compare trees by running it with PYTHONPATH=<other checkout>/src, interleaved.

    python bench/writer_add.py HOME [--repeats 5]
    python bench/writer_add.py HOME --fresh 9 [--half]
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
from collections import Counter
from pathlib import Path

import whoosh.index as wi

import pincite.index.manager as manager
from pincite.corpus.store import Store
from pincite.index import analysis
from pincite.index.manager import IndexManager
from pincite.index.schema import build_schema


def _docs(store: Store, im: IndexManager, half: bool) -> list[str]:
    ids = sorted(store.unit_counts())
    return im._runs(ids, im._costs(store.unit_sizes()), 2)[0] if half else ids


def once(home: Path, half: bool) -> dict:
    """One write in this process: add and finish CPU seconds, and the seconds inside forms()."""
    store = Store(home, create=False)
    im = IndexManager(store, procs=1)
    docs = _docs(store, im, half)
    versions = {d: "v" for d in docs}
    spent = [0.0]
    forms = analysis.StemFoldFilter.forms

    def timed(self, text):
        t = time.perf_counter()
        try:
            return forms(self, text)
        finally:
            spent[0] += time.perf_counter() - t

    analysis.StemFoldFilter.forms = timed
    units, add, finish = write(im, docs, versions)
    return {"units": units, "add": add, "finish": finish, "forms": spent[0]}


def write(im: IndexManager, docs: list[str], versions: dict[str, str]) -> tuple[int, float, float]:
    """These documents' units written into a new segment: (units, CPU s adding them, CPU s finishing)."""
    ix = wi.create_in(tempfile.mkdtemp(), build_schema())
    w = manager.SEGMENT_WRITER(ix, _lk=False)
    t = time.process_time()
    units = im._add_docs(w, docs, versions, Counter())
    add = time.process_time() - t
    w._finalize_segment()
    return units, add, time.process_time() - t - add


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("home", type=Path)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--fresh", type=int, default=0, help="runs, each in a new process")
    ap.add_argument("--half", action="store_true", help="the first of two writer processes' shares")
    ap.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.once:
        print(json.dumps(once(args.home, args.half)))
        return
    if args.fresh:
        cmd = [sys.executable, __file__, str(args.home), "--once"] + (["--half"] if args.half else [])
        runs = [
            json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True, env=os.environ).stdout)
            for _ in range(args.fresh)
        ]
        med = {k: statistics.median(r[k] for r in runs) for k in ("add", "finish", "forms")}
        totals = ", ".join(f"{r['add'] + r['finish']:.3f}" for r in runs)
        print(
            f"{runs[0]['units']} units, {args.fresh} fresh processes (medians): add {med['add']:.3f} s "
            f"(in forms() {med['forms']:.3f} s), finish {med['finish']:.3f} s; "
            f"add + finish: {totals}"
        )
        return
    store = Store(args.home, create=False)
    im = IndexManager(store, procs=1)
    docs = _docs(store, im, args.half)
    versions = {d: "v" for d in docs}
    res = [write(im, docs, versions) for _ in range(args.repeats)]
    print(f"{res[0][0]} units: add {min(r[1] for r in res):.3f} s, finish {min(r[2] for r in res):.3f} s")


if __name__ == "__main__":
    main()

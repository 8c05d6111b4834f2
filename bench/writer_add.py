"""CPU of writing an ingested home's units into one new Whoosh segment, in this process: adding the
units (`IndexManager._add_docs`) and finishing the segment, min of --repeats. Compare trees by
running it with PYTHONPATH=<other checkout>/src, interleaved.

    python bench/writer_add.py HOME [--repeats 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

import whoosh.index as wi

import pincite.index.manager as manager
from pincite.corpus.store import Store
from pincite.index.manager import IndexManager
from pincite.index.schema import build_schema


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("home", type=Path)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    store = Store(args.home, create=False)
    counts = store.unit_counts()
    versions = {d: "v" for d in counts}
    im = IndexManager(store, procs=1)
    res = []
    for _ in range(args.repeats):
        ix = wi.create_in(tempfile.mkdtemp(), build_schema())
        w = manager.SEGMENT_WRITER(ix, _lk=False)
        t = time.process_time()
        im._add_docs(w, sorted(counts), versions, Counter())
        add = time.process_time() - t
        w._finalize_segment()
        res.append((add, time.process_time() - t - add))
    print(f"{sum(counts.values())} units: add {min(r[0] for r in res):.3f} s, finish {min(r[1] for r in res):.3f} s")


if __name__ == "__main__":
    main()

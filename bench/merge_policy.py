"""Merge policy for incremental syncs, measured: Whoosh's MERGE_SMALL (pincite's choice) against never
merging (NO_MERGE) and merging everything at every sync (OPTIMIZE).

    python bench/merge_policy.py HOME [--syncs 30] [--queries 100]

HOME is a built pincite home (the lifecycle benchmark's `run-10000/home`); it is copied, never changed.
For each policy: from the same rebuilt index, `--syncs` incremental syncs each bringing one new
document (50 paragraphs), timed; then the number of segments, and the in-process query median on the
result. Prints a Markdown table. Not a test: compare the rows of one run.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from whoosh import writing  # noqa: E402

from pincite.corpus.store import Store  # noqa: E402
from pincite.index import manager, reading  # noqa: E402
from pincite.index.manager import IndexManager  # noqa: E402
from pincite.ingest import pipeline  # noqa: E402
from pincite.search import engine  # noqa: E402

POLICIES = {"MERGE_SMALL (default)": writing.MERGE_SMALL, "NO_MERGE": writing.NO_MERGE, "OPTIMIZE": writing.OPTIMIZE}


def new_doc(folder: Path, i: int, template: str) -> Path:
    p = folder / f"merge-bench-{i:03d}.txt"
    p.write_text(template.replace("Statement", f"Merge statement {i}", 1), encoding="utf-8")
    return p


def run(home_src: Path, policy, syncs: int, queries: list[str], template: str) -> dict:
    work = Path(tempfile.mkdtemp(prefix="pincite-merge-"))
    try:
        home = work / "home"
        shutil.copytree(home_src, home)
        store = Store(home)
        m = IndexManager(store)
        m.rebuild()
        manager.MERGE_POLICY = policy
        times = []
        for i in range(syncs):
            path = new_doc(work, i, template)
            pipeline.add_paths(store, [path])
            pipeline.parse_pending(store, isolate=False)
            t = time.perf_counter()
            m.sync()
            times.append(time.perf_counter() - t)
        ix = m.open()
        segments = len(ix._segments())
        ix.close()
        reading._OPEN.clear()
        for q in queries[:5]:
            engine.search(store, q)
        lat = []
        for q in queries:
            t = time.perf_counter()
            engine.search(store, q)
            lat.append(time.perf_counter() - t)
        return {
            "sync_median": statistics.median(times),
            "sync_max": max(times),
            "segments": segments,
            "query_ms": statistics.median(lat) * 1e3,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("home", type=Path)
    ap.add_argument("--syncs", type=int, default=30)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--corpus", type=Path, help="the generated corpus (for queries) [HOME/../../corpus-N]")
    a = ap.parse_args()
    from lifecycle import queries

    corpus = a.corpus or next(a.home.parent.parent.glob("corpus-*"))
    qs = queries(corpus, a.queries)
    template = next((corpus / "docs").rglob("*.txt")).read_text(encoding="utf-8")
    units = Store(a.home).unit_total()
    print(f"{units:,} units rebuilt, then {a.syncs} syncs of one 50-paragraph document each\n")
    print("| policy | sync median | sync max | segments after | query median |")
    print("|---|---|---|---|---|")
    for name, policy in POLICIES.items():
        r = run(a.home, policy, a.syncs, qs, template)
        print(f"| {name} | {r['sync_median']:.2f} s | {r['sync_max']:.2f} s | {r['segments']} | {r['query_ms']:.2f} ms |")


if __name__ == "__main__":
    main()

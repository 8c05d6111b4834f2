"""The embedded Whoosh index beside PostgreSQL, on the same generated corpus, in one run.

    python bench/bench_backends.py --units 10000 [--queries 60] [--cold 7] [--readers 8] [--work DIR]
                                   [--database URL] [--json OUT]

Builds a corpus (bench/gen_corpus.py), parses it once into a home, then measures for each backend:

- **index**: publishing the parsed units — `pincite index --rebuild` for Whoosh, the first
  `pincite --database URL index` (every document into the database) for PostgreSQL;
- **query, in process**: pincite's `search` (top 10, snippets, citations) over the AND, relaxed and
  question sets of bench/queries.py, median and p95 after a warm-up;
- **query, cold CLI**: `pincite search` as a new process each time, interleaved between backends;
- **readers while a writer ingests**: READERS processes search in a loop while another process
  ingests 20 new documents; their median and p95 latency, and that none failed.

Without --database a throwaway PostgreSQL cluster is started (tests/pgcluster.py) and stopped at the
end. Not a test: a shared machine is noisy, so compare the two backends within one run (the load
average is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(HERE))

from queries import pct, query_sets  # noqa: E402


def cli(home: Path, *args: str, database: str = "", check: bool = True) -> tuple[float, str]:
    env = dict(os.environ, PINCITE_HOME=str(home), PYTHONPATH=str(ROOT / "src"))
    env.pop("PINCITE_DATABASE", None)
    if database:
        env["PINCITE_DATABASE"] = database
    t = time.perf_counter()
    r = subprocess.run([PY, "-m", "pincite.cli", *args], env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if check and r.returncode not in (0, 1):
        raise SystemExit(f"pincite {' '.join(args)} failed: {r.stderr[-2000:]}")
    return dt, r.stdout


def summary(xs: list[float]) -> dict:
    return {"median_ms": round(statistics.median(xs) * 1000, 1), "p95_ms": round(pct(xs, 0.95) * 1000, 1), "n": len(xs)}


READER = r"""
import sys, time, json
sys.path.insert(0, {src!r})
from pincite.workspace import Workspace
ws = Workspace({home!r}, database={db!r})
qs = {qs!r}
lat, errors, end = [], 0, time.monotonic() + {secs}
i = 0
while time.monotonic() < end:
    t = time.perf_counter()
    try:
        ws.search(qs[i % len(qs)], limit=10)
    except Exception as e:
        errors += 1
    lat.append(time.perf_counter() - t)
    i += 1
print(json.dumps({{"lat": lat, "errors": errors}}))
"""


def readers_while_writing(home: Path, db: str, qs: list[str], new_docs: Path, writer_home: Path, n: int) -> dict:
    secs = 25
    code = READER.format(src=str(ROOT / "src"), home=str(home), db=db, qs=qs, secs=secs)
    procs = [subprocess.Popen([PY, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(n)]
    time.sleep(3)
    dt, _ = cli(writer_home, "ingest", str(new_docs), database=db)
    lat, errors = [], 0
    for p in procs:
        out, err = p.communicate(timeout=secs + 120)
        if p.returncode:
            errors += 1
            print(err[-500:], file=sys.stderr)
            continue
        got = json.loads(out)
        lat += got["lat"]
        errors += got["errors"]
    return {"writer_ingest_s": round(dt, 2), "readers": n, "errors": errors, **summary(lat)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--cold", type=int, default=7)
    ap.add_argument("--readers", type=int, default=8)
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--database", default="")
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args()
    work = a.work or Path(tempfile.mkdtemp(prefix="pincite-bench-backends-"))
    corpus = work / f"corpus-{a.units}"
    if not (corpus / "paragraphs.jsonl").is_file():
        subprocess.run([PY, str(HERE / "gen_corpus.py"), str(work), "--units", str(a.units)], check=True)
    extra = work / "extra" / "corpus-1000"  # 20 more documents for the writer
    if not extra.is_dir():
        subprocess.run([PY, str(HERE / "gen_corpus.py"), str(work / "extra"), "--units", "1000"], check=True)
    cluster = None
    db = a.database
    if not db:
        from pgcluster import Cluster, find_bindir

        cluster = Cluster(find_bindir()).start()
        db = cluster.createdb("bench")
    out: dict = {"units": a.units, "load": os.getloadavg()}
    try:
        whoosh, pg = work / "home-whoosh", work / "home-pg"
        for h in (whoosh, pg):
            shutil.rmtree(h, ignore_errors=True)
        dt, _ = cli(whoosh, "ingest", str(corpus))
        out["parse_and_index_whoosh_s"] = round(dt, 2)
        shutil.copytree(whoosh, pg, ignore=shutil.ignore_patterns("index"))
        dt, _ = cli(whoosh, "index", "--rebuild")
        out["index_whoosh_s"] = round(dt, 2)
        dt, _ = cli(pg, "index", database=db)
        out["index_postgres_s"] = round(dt, 2)
        sets = query_sets(corpus, a.queries // 3 or 1)
        qs = [q for v in sets.values() for q in v]
        from pincite.workspace import Workspace

        for name, ws in (("whoosh", Workspace(whoosh, database="")), ("postgres", Workspace(pg, database=db))):
            store = ws.reader()
            from pincite.search.engine import search

            for q in qs[:5]:
                search(store, q)
            per: dict = {}
            for kind, items in sets.items():
                lat = []
                for q in items:
                    t = time.perf_counter()
                    search(store, q, limit=10)
                    lat.append(time.perf_counter() - t)
                per[kind] = summary(lat)
            out[f"query_{name}"] = per
        cold: dict = {"whoosh": [], "postgres": []}
        for q in qs[: a.cold]:
            cold["whoosh"].append(cli(whoosh, "search", q, "--limit", "10")[0])
            cold["postgres"].append(cli(pg, "search", q, "--limit", "10", database=db)[0])
        out["cold_cli"] = {k: summary(v) for k, v in cold.items()}
        # readers while a writer ingests: on Whoosh the writer is the same home; on PostgreSQL another home
        out["concurrent_whoosh"] = readers_while_writing(whoosh, "", qs, extra, whoosh, a.readers)
        other = work / "home-pg-writer"
        shutil.rmtree(other, ignore_errors=True)
        out["concurrent_postgres"] = readers_while_writing(pg, db, qs, extra, other, a.readers)
        out["load_after"] = os.getloadavg()
    finally:
        if cluster is not None:
            cluster.stop()
    text = json.dumps(out, indent=2)
    print(text)
    if a.json:
        a.json.write_text(text)


if __name__ == "__main__":
    main()

"""The embedded Whoosh index beside PostgreSQL, on the same corpus, in one run.

    python bench/bench_backends.py --units 10000 [--queries 20] [--cold 7] [--readers 8] [--work DIR]
                                   [--database URL] [--json OUT]
    python bench/bench_backends.py --home HOME --corpus CORPUS [--work DIR] …

The first form builds a corpus (bench/gen_corpus.py) and parses it into a home, timing both ingests
from scratch: `pincite ingest` into the embedded home, and `pincite --database URL ingest` into an
empty database from another home (parse, analyse, write). The second takes a home already built from
a generated corpus (at 100k and 1M units a from-scratch ingest takes long: bench/gen_corpus.py then
`pincite ingest`) and copies it into WORK first (the original is only read). Then, for both backends:

- **publish**: the home into an empty database, `pincite --database URL index` (copied from the
  home's embedded index: nothing parsed or analysed again);
- **query, in process**: pincite's `search` (top 10, snippets, citations) over the AND, relaxed, and4
  and question sets of bench/queries.py, each query on both backends back to back; median and p95;
- **query, cold CLI**: `pincite search` as a new process, interleaved between backends;
- **readers while a writer ingests**: READERS processes search in a loop while another process
  ingests 20 new documents (Whoosh: into the same home; PostgreSQL: from another home into the same
  database); their median and p95 latency, and that none failed.

Without --database a throwaway PostgreSQL cluster is started (tests/pgcluster.py; fsync off, default
memory settings) under WORK and stopped at the end. Not a test: a shared machine is noisy, so compare
the two backends within one run (the load average is printed before and after).
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
from pincite.search.engine import search
ws = Workspace({home!r}, database={db!r})
qs = {qs!r}
lat, errors, end = [], 0, time.monotonic() + {secs}
i = 0
print("ready", file=sys.stderr, flush=True)
while time.monotonic() < end:
    t = time.perf_counter()
    try:
        search(ws.reader(), qs[i % len(qs)], limit=10)
    except Exception as e:
        errors += 1
        print(repr(e), file=sys.stderr)
    lat.append(time.perf_counter() - t)
    i += 1
print(json.dumps({{"lat": lat, "errors": errors}}))
"""


def readers_while_writing(home: Path, db: str, qs: list[str], new_docs: Path, writer_home: Path, n: int) -> dict:
    secs = 40
    code = READER.format(src=str(ROOT / "src"), home=str(home), db=db, qs=qs, secs=secs)
    procs = [subprocess.Popen([PY, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(n)]
    time.sleep(8)  # the readers open the index and run their first queries
    dt, _ = cli(writer_home, "ingest", str(new_docs), database=db)
    lat, errors = [], 0
    for p in procs:
        out, err = p.communicate(timeout=secs + 300)
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
    ap.add_argument("--home", type=Path, default=None, help="a home built from CORPUS (only read; copied into WORK)")
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--queries", type=int, default=20, help="queries per set")
    ap.add_argument("--cold", type=int, default=7)
    ap.add_argument("--readers", type=int, default=8)
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--database", default="", help="an empty database (default: a throwaway cluster under WORK)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--shared", type=Path, default=None, help="the shared material gen_corpus.py reads")
    a = ap.parse_args()
    shared = a.shared or next((p for p in (ROOT.parent / "shared", ROOT.parents[1] / "shared") if p.is_dir()), None)
    gen = [PY, str(HERE / "gen_corpus.py"), *(["--shared", str(shared)] if shared else [])]
    work = a.work or Path(tempfile.mkdtemp(prefix="pincite-bench-backends-"))
    work.mkdir(parents=True, exist_ok=True)
    if a.home:
        if not a.corpus:
            raise SystemExit("--home needs --corpus (the generated corpus it was built from)")
        corpus = a.corpus
    else:
        corpus = work / f"corpus-{a.units}"
        if not (corpus / "paragraphs.jsonl").is_file():
            subprocess.run([*gen, str(work), "--units", str(a.units)], check=True)
    extra = work / "extra" / "corpus-1000"  # 20 more documents for the writer
    if not extra.is_dir():
        subprocess.run([*gen, str(work / "extra"), "--units", "1000"], check=True)
    cluster = None
    db = a.database
    if not db:
        from pgcluster import Cluster, find_bindir

        shutil.rmtree(work / "pg", ignore_errors=True)
        cluster = Cluster(find_bindir(), base=work / "pg").start()
        db = cluster.createdb("bench")
        scratch = cluster.createdb("bench_scratch")
    out: dict = {"load_before": [round(x, 2) for x in os.getloadavg()]}
    try:
        home = work / "home"
        shutil.rmtree(home, ignore_errors=True)
        if a.home:
            t = time.perf_counter()
            shutil.copytree(a.home, home, ignore=shutil.ignore_patterns("database-origin", "database-raw"))
            out["copy_home_s"] = round(time.perf_counter() - t, 1)
        else:
            dt, _ = cli(home, "ingest", str(corpus))
            out["ingest_whoosh_s"] = round(dt, 2)  # parse + index, from scratch
            if cluster is not None:
                dt, _ = cli(work / "home-scratch", "ingest", str(corpus), database=scratch)
                out["ingest_postgres_s"] = round(dt, 2)  # parse + analyse + write, from scratch
                dt, _ = cli(home, "index", "--rebuild")
                out["index_rebuild_whoosh_s"] = round(dt, 2)  # the parsed units indexed again
        from pincite.workspace import Workspace

        out["units"] = Workspace(home, database="").store.unit_total()
        dt, _ = cli(home, "index", database=db)
        out["publish_postgres_s"] = round(dt, 2)  # the home into an empty database, from its index

        from pincite.search.engine import search

        sets = query_sets(corpus, a.queries)
        stores = {"whoosh": Workspace(home, database="").reader(), "postgres": Workspace(home, database=db).reader()}
        for store in stores.values():  # warm up: open the index, read the vocabulary
            for q in sets["and"][:3]:
                search(store, q)
        lat: dict = {(b, k): [] for b in stores for k in sets}
        for i in range(a.queries):  # interleaved: a busy moment hits both backends and every set alike
            for k, qs in sets.items():
                for b, store in stores.items():
                    t = time.perf_counter()
                    search(store, qs[i], limit=10)
                    lat[(b, k)].append(time.perf_counter() - t)
        for b in stores:
            out[f"query_{b}"] = {k: summary(lat[(b, k)]) for k in sets}
            out[f"query_{b}"]["all"] = summary([x for k in sets for x in lat[(b, k)]])
        qs = [q for v in sets.values() for q in v]
        cold: dict = {"whoosh": [], "postgres": []}
        for q in qs[:: max(1, len(qs) // a.cold)][: a.cold]:
            cold["whoosh"].append(cli(home, "search", q, "--limit", "10")[0])
            cold["postgres"].append(cli(home, "search", q, "--limit", "10", database=db)[0])
        out["cold_cli"] = {k: summary(v) for k, v in cold.items()}
        if a.readers:
            other = work / "home-pg-writer"
            shutil.rmtree(other, ignore_errors=True)
            out["concurrent_postgres"] = readers_while_writing(home, db, qs, extra, other, a.readers)
            # last: the Whoosh writer changes the home's own index
            out["concurrent_whoosh"] = readers_while_writing(home, "", qs, extra, home, a.readers)
        out["load_after"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        if cluster is not None:
            cluster.stop()
    text = json.dumps(out, indent=2)
    print(text)
    if a.json:
        a.json.write_text(text)


if __name__ == "__main__":
    main()

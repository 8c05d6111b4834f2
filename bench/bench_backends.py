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
- **readers while a writer ingests**: READERS processes search in a loop, from before another
  process ingests 20 documents that neither the home nor the database holds (generated with another
  seed and names) until after it is done (Whoosh: into the same home; PostgreSQL: from another home
  into the same database); their latency overall and while the writer ran, every failed search (an
  exception, or a page short of the hits its total says exist), the writer's exit code, the units it
  added, and how many readers find a new document afterwards.
- **the same answers**: every in-process query's hits (documents, units, scores to 9 places) and
  total compared between the backends; the queries that differ are listed (none expected).

Without --database a throwaway PostgreSQL cluster is started (tests/pgcluster.py; fsync off, the
settings of SERVER below unless --pg-setting is given) under WORK and stopped at the end. Not a
test: a shared machine is noisy, so compare the two backends within one run (the load average is
printed before, between the phases and after).
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

# The throwaway server's settings, as a deployment would set them on a machine of this size (24 GiB):
# shared buffers that hold the posting arrays and units a query reads (the default 128 MB holds a
# tenth of them at 1M units, the rest come from the OS's cache one 8 kB page at a time); no JIT
# compilation (PostgreSQL 15 turns it on by default, and it costs short queries more than it saves).
SERVER = {"shared_buffers": "2GB", "effective_cache_size": "12GB", "jit": "off"}


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
import sys, time, json, os
sys.path.insert(0, {src!r})
from pincite.workspace import Workspace
from pincite.search.engine import search
ws = Workspace({home!r}, database={db!r})
qs = {qs!r}
stop = {stop!r}
rows, errors = [], []
def one(q):
    res = search(ws.reader(), q, limit=10)
    if len(res.hits) < min(10, res.total):  # a hit whose unit its catalogue did not hold
        raise AssertionError(f"{{q!r}}: {{len(res.hits)}} hits of {{res.total}}")
    return res
one(qs[0])  # warm: the index opened, the vocabulary read
print("ready", flush=True)
i, end = 0, time.monotonic() + {secs}
while not os.path.exists(stop) and time.monotonic() < end:
    t0 = time.time()
    t = time.perf_counter()
    ok = True
    try:
        one(qs[i % len(qs)])
    except Exception as e:
        ok = False
        errors.append(repr(e)[:300])
    rows.append((t0, time.perf_counter() - t, ok))
    i += 1
probe = search(ws.reader(), {probe!r}, limit=1, filters={{"doc": {probe_doc!r}}}).total
print(json.dumps({{"rows": rows, "errors": errors, "saw_new": probe > 0}}))
"""


def readers_while_writing(
    home: Path, db: str, qs: list[str], new_docs: Path, writer_home: Path, n: int, probe: tuple[str, str]
) -> dict:
    """N reader processes search in a loop, from before a writer ingests new documents until after it
    is done; every failed search is counted (an exception, or a page short of hits its total says
    exist), and so is a reader process that died. Latencies are given overall and for the searches
    that started while the writer ran; at the end each reader searches for a new document."""
    from pincite.workspace import Workspace

    stop = Path(tempfile.mkdtemp(prefix="pincite-bench-stop-")) / "stop"
    code = READER.format(src=str(ROOT / "src"), home=str(home), db=db, qs=qs, secs=900, stop=str(stop),
                         probe=probe[1], probe_doc=probe[0])  # fmt: skip
    before = Workspace(writer_home if db else home, database=db).reader().unit_total()
    procs = [subprocess.Popen([PY, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(n)]
    ready = sum(p.stdout.readline().strip() == "ready" for p in procs)  # all warm before the writer starts
    time.sleep(2)
    w0 = time.time()
    t = time.perf_counter()
    env = dict(os.environ, PINCITE_HOME=str(writer_home), PYTHONPATH=str(ROOT / "src"))
    env.pop("PINCITE_DATABASE", None)
    if db:
        env["PINCITE_DATABASE"] = db
    w = subprocess.run([PY, "-m", "pincite.cli", "ingest", "-q", str(new_docs)], env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t
    w1 = time.time()
    time.sleep(2)
    stop.touch()
    rows, errors, died, saw = [], [], 0, 0
    for p in procs:
        out, err = p.communicate(timeout=600)
        if p.returncode:
            died += 1
            errors.append(f"reader exited {p.returncode}: {err.strip()[-500:]}")
            continue
        got = json.loads(out.strip().splitlines()[-1])
        rows += got["rows"]
        errors += got["errors"]
        saw += got["saw_new"]
    after = Workspace(writer_home if db else home, database=db).reader().unit_total()
    during = [r[1] for r in rows if w0 <= r[0] <= w1]
    failed = sum(1 for r in rows if not r[2])
    out = {
        "readers": n, "ready": ready, "reader_processes_died": died, "searches": len(rows),
        "searches_failed": failed, "errors": errors[:5],
        "writer_exit": w.returncode, "writer_stderr": w.stderr.strip()[-300:], "writer_ingest_s": round(dt, 2),
        "units_added": after - before, "readers_saw_new_documents": saw,
        "all": summary([r[1] for r in rows]) if rows else {},
        "while_writing": summary(during) if during else {"n": 0},
    }  # fmt: skip
    shutil.rmtree(stop.parent, ignore_errors=True)
    return out


def same_hits(a, b) -> bool:
    return [(h.doc.id, h.unit.seq, round(h.score, 9)) for h in a.hits] == [
        (h.doc.id, h.unit.seq, round(h.score, 9)) for h in b.hits
    ] and a.total == b.total


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
    ap.add_argument("--pg-setting", action="append", default=[], metavar="NAME=VALUE",
                    help="a setting of the throwaway server, instead of SERVER's (repeatable)")  # fmt: skip
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
    # 20 documents for the writer, which neither the home nor the database holds (other paragraphs,
    # other names: the corpus's own first documents would be the same bytes, and nothing to write)
    extra = work / "writer" / "corpus-1000"
    if not (extra / ".complete").is_file():
        subprocess.run([*gen, str(work / "writer"), "--units", "1000", "--seed", "4242", "--prefix", "extra"], check=True)
    with open(extra / "paragraphs.jsonl", encoding="utf-8") as f:
        last = [json.loads(line) for line in f][-1]
    probe = (last["doc"], " ".join(sorted(set(last["text"].split()), key=len)[-3:]))
    cluster = None
    db = a.database
    if not db:
        from pgcluster import Cluster, find_bindir

        shutil.rmtree(work / "pg", ignore_errors=True)
        settings = dict(kv.split("=", 1) for kv in a.pg_setting) if a.pg_setting else dict(SERVER)
        out_settings = settings
        cluster = Cluster(find_bindir(), base=work / "pg", settings=settings).start()
        db = cluster.createdb("bench")
        scratch = cluster.createdb("bench_scratch")
    out: dict = {"load_before": [round(x, 2) for x in os.getloadavg()]}
    if cluster is not None:
        out["server_settings"] = out_settings
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
        differ = []
        for i in range(a.queries):  # interleaved: a busy moment hits both backends and every set alike
            for k, qs in sets.items():
                got = {}
                for b, store in stores.items():
                    t = time.perf_counter()
                    got[b] = search(store, qs[i], limit=10)
                    lat[(b, k)].append(time.perf_counter() - t)
                if not same_hits(got["whoosh"], got["postgres"]):
                    differ.append(qs[i])
        out["queries_with_other_hits_or_scores"] = differ  # the backends answer alike: [] expected
        out["load_after_queries"] = [round(x, 2) for x in os.getloadavg()]
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
            out["concurrent_postgres"] = readers_while_writing(home, db, qs, extra / "docs", other, a.readers, probe)
            out["load_after_concurrent_postgres"] = [round(x, 2) for x in os.getloadavg()]
            # last: the Whoosh writer changes the home's own index
            out["concurrent_whoosh"] = readers_while_writing(home, "", qs, extra / "docs", home, a.readers, probe)
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

"""Index lifecycle benchmark: pincite against raw Whoosh, measured side by side in one run.

    python bench/lifecycle.py --units 10000 [--units 100000] [--work /tmp/pincite-bench] [--json OUT]

For each corpus size: raw Whoosh indexing of the same paragraphs (default writer) vs `pincite ingest`
(parse + index, cold CLI) and `pincite index --rebuild` with one and two writer processes; `pincite
index` with nothing changed and `pincite ingest` of one new document, as fractions of the full ingest;
query latency in-process and as a cold process (pincite CLI vs a raw Whoosh script on the same
index); index size on disk; peak memory (maxrss) of each child process. Prints a Markdown section.
Not a test: numbers on a shared 2-core machine are noisy; compare ratios within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

from gen_corpus import generate  # noqa: E402

MEASURE = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
dt = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
json.dump({"seconds": dt, "maxrss_mb": ru.ru_maxrss / 1024, "cpu": ru.ru_utime + ru.ru_stime, "rc": r.returncode,
           "stderr": r.stderr.decode()[-2000:], "stdout": r.stdout.decode()[-2000:]}, open(sys.argv[1], "w"))
"""


def env(home: Path | None = None, **extra) -> dict:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT / "src")
    if home is not None:
        e["PINCITE_HOME"] = str(home)
    e.update({k: str(v) for k, v in extra.items()})
    return e


def measure(cmd: list[str], e: dict, tmp: Path) -> dict:
    """Wall time and the peak memory of one child process (its own maxrss, through a wrapper)."""
    out = tmp / "measure.json"
    subprocess.run([PY, "-c", MEASURE, str(out), *cmd], env=e, check=True)
    res = json.loads(out.read_text())
    if res["rc"] not in (0, 1) or "Traceback" in res["stderr"]:
        raise SystemExit(f"{cmd} failed ({res['rc']}): {res['stderr']}")
    return res


def pincite(*args: str) -> list[str]:
    return [PY, "-m", "pincite.cli", *args]


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def queries(corpus: Path, n: int, seed: int = 7) -> list[str]:
    """Two-word AND queries from mid-frequency English content words of the corpus."""
    from collections import Counter

    c: Counter = Counter()
    with open(corpus / "paragraphs.jsonl", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i > 3000:
                break
            c.update(w for w in re.findall(r"[a-z]{6,}", json.loads(line)["text"].lower()))
    common = [w for w, _ in c.most_common(400)[20:]]
    rnd = random.Random(seed)
    return [f"{rnd.choice(common)} {rnd.choice(common)}" for _ in range(n)]


def bench(units: int, work: Path, shared: Path, n_queries: int, cold_runs: int, repeat: int) -> dict:
    corpus = generate(work, units, shared)
    run = work / f"run-{units}"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    home = run / "home"
    r: dict = {"units_requested": units}

    # pincite: ingest (parse + index) from a cold CLI.
    r["ingest"] = measure(pincite("ingest", "-q", str(corpus / "docs")), env(home), run)
    # Raw Whoosh (default writer, same paragraphs) and pincite rebuilds with 1 and 2 writer
    # processes, interleaved and repeated on small corpora: the machine is shared and noisy.
    raw_dir = run / "raw-index"
    trials: dict[str, list[dict]] = {"raw_index": [], "rebuild_procs1": [], "rebuild_procs2": []}
    for _ in range(repeat):
        shutil.rmtree(raw_dir, ignore_errors=True)
        trials["raw_index"].append(
            measure([PY, str(HERE / "raw_whoosh.py"), "index", str(raw_dir), str(corpus / "paragraphs.jsonl")], env(), run)
        )
        for procs in (1, 2):
            m = measure(pincite("index", "--rebuild"), env(home, PINCITE_INDEX_PROCS=procs), run)
            m["index_seconds"] = float(re.search(r"in ([\d.]+) s", m["stderr"]).group(1))
            trials[f"rebuild_procs{procs}"].append(m)
    for key, ms in trials.items():
        r[key] = {k: statistics.median(m[k] for m in ms) for k in ms[0] if isinstance(ms[0][k], float)}
        r[key]["runs"] = [round(m["seconds"], 2) for m in ms]
    r["raw_index"]["bytes"] = du(raw_dir)
    # Leave the index as the default choice builds it (procs by size) for what follows.
    measure(pincite("index", "--rebuild"), env(home), run)

    sys.path.insert(0, str(ROOT / "src"))
    from pincite.corpus.store import Store
    from pincite.index.manager import IndexManager

    store = Store(home)
    r["units"] = store.unit_total()
    gen = IndexManager(store).current_path()
    r["index_bytes"] = du(gen)

    # Nothing changed; one new document; removing it again.
    noop = [measure(pincite("index"), env(home), run)["seconds"] for _ in range(3)]
    r["index_noop_seconds"] = statistics.median(noop)
    newdoc = run / "new" / "one-more-statement.txt"
    newdoc.parent.mkdir()
    first = next((corpus / "docs").rglob("*.txt"))
    newdoc.write_text(first.read_text(encoding="utf-8").replace("Statement", "Further statement", 1), encoding="utf-8")
    r["ingest_one"] = measure(pincite("ingest", "-q", str(newdoc)), env(home), run)
    r["remove_one"] = measure(pincite("remove", "one-more-statement"), env(home), run)
    # The index's own share: the document is already parsed, `pincite index` only syncs.
    from pincite.ingest import pipeline

    pipeline.add_paths(store, [newdoc])
    pipeline.parse_pending(store, isolate=False)
    r["index_one"] = measure(pincite("index"), env(home), run)
    r["index_one"]["index_seconds"] = float(re.search(r"in ([\d.]+) s", r["index_one"]["stderr"]).group(1))
    measure(pincite("remove", "one-more-statement"), env(home), run)

    # Queries in-process: pincite's search (parse, filter, score, snippets, citations) vs raw Whoosh
    # (parse and score, top 10 with stored fields) on the same index.
    from whoosh import index as windex
    from whoosh import qparser

    from pincite.search.engine import search

    qs = queries(corpus, n_queries)
    for q in qs[:5]:
        search(store, q)
    lat, hits = [], []
    for q in qs:
        t = time.perf_counter()
        res = search(store, q)
        lat.append(time.perf_counter() - t)
        hits.append(res.total)
    gen = IndexManager(store).current_path()
    ix = windex.open_dir(str(gen))
    fields = [f for f in ix.schema.names() if f.startswith("text")] + ["title", "headings"]
    parser = qparser.MultifieldParser(fields, ix.schema, group=qparser.AndGroup)
    raw_lat = []
    with ix.searcher() as s:
        for q in qs:
            t = time.perf_counter()
            for h in s.search(parser.parse(q), limit=10):
                h.fields()
            raw_lat.append(time.perf_counter() - t)
    r["query_inproc"] = {"median_ms": statistics.median(lat) * 1e3, "p95_ms": pct(lat, 0.95) * 1e3,
                         "median_hits": statistics.median(hits)}
    r["query_inproc_raw"] = {"median_ms": statistics.median(raw_lat) * 1e3, "p95_ms": pct(raw_lat, 0.95) * 1e3}

    # Cold processes: the pincite CLI vs the raw Whoosh query script, interleaved.
    cli, raw = [], []
    for q in qs[:cold_runs]:
        cli.append(measure(pincite("search", "--format", "json", *q.split()), env(home), run)["seconds"])
        raw.append(measure([PY, str(HERE / "raw_whoosh.py"), "query", str(gen), *q.split()], env(), run)["seconds"])
    r["query_cold_cli"] = {"median_ms": statistics.median(cli) * 1e3, "p95_ms": pct(cli, 0.95) * 1e3}
    r["query_cold_raw"] = {"median_ms": statistics.median(raw) * 1e3, "p95_ms": pct(raw, 0.95) * 1e3}
    return r


def importtime(args: list[str], home: Path) -> tuple[float, list[tuple[int, str]]]:
    p = subprocess.run([PY, "-X", "importtime", "-m", "pincite.cli", *args], env=env(home),
                       capture_output=True, text=True)
    rows = []
    for line in p.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| ( *)(\S+)", line)
        if m and not m.group(2):
            rows.append((int(m.group(1)), m.group(3)))
    return sum(us for us, _ in rows) / 1e3, sorted(rows, reverse=True)[:5]


def markdown(results: list[dict], meta: dict) -> str:
    f = lambda x: f"{x:.2f}"  # noqa: E731
    out = [
        f"### Run of {meta['date']} — {meta['machine']}",
        "",
        f"Python {meta['python']}, whoosh-reloaded {meta['whoosh']}; `python bench/lifecycle.py {meta['args']}`. "
        "Each figure is one cold process unless runs or a median are given (indexing: median of the runs listed); ratios are against baselines measured in the "
        "same run. Peak memory is the child's maxrss.",
        "",
    ]
    for r in results:
        raw = r["raw_index"]["seconds"]
        ing = r["ingest"]["seconds"]
        p1, p2 = r["rebuild_procs1"], r["rebuild_procs2"]
        out += [
            f"**{r['units']:,} units** ({r['units_requested']:,} paragraphs generated)",
            "",
            "| measure | pincite | raw Whoosh | ratio |",
            "|---|---|---|---|",
            f"| ingest (parse + index), cold CLI | {f(ing)} s | {f(raw)} s (index only) | {ing / raw:.2f}× |",
            f"| `index --rebuild`, 1 writer process, wall (runs {p1['runs']} vs raw {r['raw_index']['runs']}) | {f(p1['seconds'])} s ({f(p1['index_seconds'])} s in the writer) | {f(raw)} s | {p1['seconds'] / raw:.2f}× |",
            f"| `index --rebuild`, 1 writer process, CPU | {f(p1['cpu'])} s | {f(r['raw_index']['cpu'])} s | {p1['cpu'] / r['raw_index']['cpu']:.2f}× |",
            f"| `index --rebuild`, 2 writer processes, wall (runs {p2['runs']}) | {f(p2['seconds'])} s ({f(p2['index_seconds'])} s in the writer) | {f(raw)} s | {p2['seconds'] / raw:.2f}× |",
            f"| `index`, nothing changed (median of 3) | {f(r['index_noop_seconds'])} s | | {100 * r['index_noop_seconds'] / ing:.1f} % of ingest |",
            f"| `ingest` one new document | {f(r['ingest_one']['seconds'])} s | | {100 * r['ingest_one']['seconds'] / ing:.1f} % of ingest |",
            f"| `index` one new document, already parsed | {f(r['index_one']['seconds'])} s ({f(r['index_one']['index_seconds'])} s in the sync) | | {100 * r['index_one']['seconds'] / ing:.1f} % of ingest |",
            f"| `remove` that document | {f(r['remove_one']['seconds'])} s | | {100 * r['remove_one']['seconds'] / ing:.1f} % of ingest |",
            f"| query in-process, median / p95 ({meta['queries']} AND queries) | {f(r['query_inproc']['median_ms'])} / {f(r['query_inproc']['p95_ms'])} ms | {f(r['query_inproc_raw']['median_ms'])} / {f(r['query_inproc_raw']['p95_ms'])} ms | {r['query_inproc']['median_ms'] / r['query_inproc_raw']['median_ms']:.2f}× |",
            f"| query as a cold process, median / p95 ({meta['cold']} runs) | {f(r['query_cold_cli']['median_ms'])} / {f(r['query_cold_cli']['p95_ms'])} ms | {f(r['query_cold_raw']['median_ms'])} / {f(r['query_cold_raw']['p95_ms'])} ms | {r['query_cold_cli']['median_ms'] / r['query_cold_raw']['median_ms']:.2f}× |",
            f"| index on disk | {r['index_bytes'] / 2**20:.1f} MB | {r['raw_index']['bytes'] / 2**20:.1f} MB | {r['index_bytes'] / r['raw_index']['bytes']:.2f}× |",
            f"| peak memory: ingest / rebuild 1 proc / rebuild 2 procs | {r['ingest']['maxrss_mb']:.0f} / {p1['maxrss_mb']:.0f} / {p2['maxrss_mb']:.0f} MB | {r['raw_index']['maxrss_mb']:.0f} MB | |",
            "",
        ]
    out += [
        f"CLI start-up: `-X importtime` total for `pincite --help` {meta['import_help_ms']:.1f} ms "
        f"(largest: {', '.join(f'{m} {us / 1e3:.1f} ms' for us, m in meta['import_help_top'])}); "
        f"for `pincite search`: {meta['import_search_ms']:.1f} ms "
        f"(largest: {', '.join(f'{m} {us / 1e3:.1f} ms' for us, m in meta['import_search_top'])}).",
        "",
    ]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, action="append")
    ap.add_argument("--work", type=Path, default=Path("/tmp/pincite-bench"))
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--cold", type=int, default=15)
    ap.add_argument("--repeat", type=int, help="Runs of each indexing measure [3 up to 20,000 units, else 1].")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    sizes = a.units or [10_000]
    import importlib.metadata

    results = [bench(n, a.work, a.shared, a.queries, a.cold, a.repeat or (3 if n <= 20_000 else 1)) for n in sizes]
    home = a.work / f"run-{sizes[0]}" / "home"
    help_ms, help_top = importtime(["--help"], home)
    search_ms, search_top = importtime(["search", "migration"], home)
    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()} (shared, noisy)",
        "python": platform.python_version(),
        "whoosh": importlib.metadata.version("whoosh-reloaded"),
        "args": " ".join(sys.argv[1:]),
        "queries": a.queries,
        "cold": a.cold,
        "import_help_ms": help_ms,
        "import_help_top": help_top,
        "import_search_ms": search_ms,
        "import_search_top": search_top,
    }
    if a.json:
        a.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2, default=str))
    print(markdown(results, meta))


if __name__ == "__main__":
    main()

"""Web benchmark: the results page of `pincite serve` against the CLI's in-process search, in one run.

    python bench/bench_web.py --home HOME --corpus CORPUS [--queries 40] [--json OUT]

HOME is a pincite home built from a generated corpus (bench/gen_corpus.py --units 100000, then
`pincite ingest`), CORPUS that corpus's folder; the queries are bench/queries.py's sets (`a AND b`,
relaxed `a b c d`, `what is the a of b?`) from its mid-frequency words.

For each query, interleaved and in alternating order so that a busy moment hits both sides alike:

- **cli**: `Workspace.search(q)` and the text rendering, in this process: what `pincite search q`
  does once it has started (limit 10, no facets).
- **cli + facets**: the same with `facets=True` (the page shows facets, which count every match).
- **page**: `GET /?q=…` from a `pincite serve` process on loopback (keep-alive client): the whole
  results page (hits, snippets, citations, HTML; the facets come after), timed to its last byte.
- **partial**: the same with htmx's headers: the results fragment that typing in the box fetches.
- **facets**: `GET /facets?q=…`, the counts the page fetches once it shows the hits.
- **api**: `GET /api/search?q=…` (the CLI's JSON).

The target of issue 14: page ≤ 1.5× cli (medians). Not a test: a shared machine is noisy, compare
within one run (the load average is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

from queries import ms, query_sets  # noqa: E402 - bench/queries.py, beside this file


def start_server(home: Path) -> tuple[subprocess.Popen, str]:
    cmd = [sys.executable, "-m", "pincite.cli", "--home", str(home), "serve", "--port", "0"]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stderr.readline()
    m = re.search(r"at (http://\S+/) ", line)
    if not m:
        proc.kill()
        raise SystemExit(f"pincite serve did not start: {line}{proc.stderr.read()[-2000:]}")
    return proc, m.group(1).rstrip("/")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    import httpx

    from pincite import render
    from pincite.workspace import Workspace

    ws = Workspace(args.home)
    sets = query_sets(args.corpus, args.queries)
    proc, base = start_server(args.home)
    client = httpx.Client(base_url=base, timeout=120)
    hx = {"HX-Request": "true", "HX-Request-Type": "partial"}

    def cli(q: str, facets: bool = False) -> None:
        res = ws.search(q, facets=facets)
        render.render([h.dump() for h in res.hits], "text", render.hit_text(False), render.HIT_COLUMNS)

    def get(path: str, q: str, headers: dict | None = None) -> None:
        r = client.get(path, params={"q": q}, headers=headers)
        if r.status_code != 200:
            raise SystemExit(f"{path}?q={q!r}: {r.status_code} {r.text[:500]}")

    sides = {
        "cli": cli,
        "cli_facets": lambda q: cli(q, facets=True),
        "page": lambda q: get("/", q),
        "partial": lambda q: get("/", q, hx),
        "facets": lambda q: get("/facets", q, hx),
        "api": lambda q: get("/api/search", q),
    }
    load = [os.getloadavg()[0]]
    try:
        for q in sets["and"][:5] + sets["relaxed"][:5]:  # warm both processes: imports, readers, caches
            for fn in sides.values():
                fn(q)
        lat: dict[str, dict[str, list[float]]] = {k: {s: [] for s in sides} for k in sets}
        order = list(sides)
        for i in range(args.queries):
            for k, qs in sets.items():
                for name in order:
                    t = time.perf_counter()
                    sides[name](qs[i])
                    lat[k][name].append(time.perf_counter() - t)
                order.reverse()  # alternate who goes first
        load.append(os.getloadavg()[0])
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=30)
    out: dict = {"units": ws.store.unit_total(), "queries": args.queries, "load_average": load}
    for k in sets:
        row = {name: ms(xs) for name, xs in lat[k].items()}
        cli_median = statistics.median(lat[k]["cli"])
        for name in ("cli_facets", "page", "partial", "facets", "api"):
            row[f"{name}_ratio"] = statistics.median(lat[k][name]) / cli_median
        out[k] = row
    text = json.dumps(out, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text)


if __name__ == "__main__":
    main()

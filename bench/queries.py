"""Query benchmark: AND queries against relaxed natural queries, beside raw Whoosh, in one run.

    python bench/queries.py --home HOME --corpus CORPUS [--queries 100] [--cold 9] [--json OUT]

HOME is a pincite home built from a generated corpus (bench/gen_corpus.py, then `pincite ingest`),
CORPUS that corpus's folder (its paragraphs.jsonl gives the words). Query sets, from mid-frequency
content words as bench/lifecycle.py draws them:

- **AND**: `a AND b`, written explicitly, so never relaxed.
- **relaxed**: `a b c` where c is a word of another paragraph, so that few or no paragraphs hold all
  three and the query relaxes to paragraphs with two of them (checked: a query that did not relax is
  counted and reported).
- **and4**: the relaxed set's four words written with AND (`a AND b AND c AND d`): the AND query of
  the same words, which finds few or none.
- **question**: `what is the a of b?`: stop and question words, not relaxed unless a and b are rare.

In process: pincite's `search` (parse, tiers, score, proximity, snippets, citations) against raw
Whoosh searching the same generation with its own parser, top 10 with stored fields (AND for the AND
set, OR of the words for the relaxed set: the nearest thing raw Whoosh has). Cold: the pincite CLI
against bench/raw_whoosh.py on the same index, interleaved, after one untimed run of each; both
with bytecode written to a temporary PYTHONPYCACHEPREFIX, so that a cold run reads compiled modules
as an installed pincite and Whoosh do (with PYTHONDONTWRITEBYTECODE set, as on the benchmark
machine, every run compiled pincite's own modules from source while Whoosh's came compiled from
site-packages). Not a test: numbers on a shared machine are noisy; compare within one run.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
# --src TREE measures another checkout's code (main, say) with this script: same sets, same run
SRC = Path(sys.argv[sys.argv.index("--src") + 1]).resolve() if "--src" in sys.argv else ROOT / "src"
sys.path.insert(0, str(SRC))


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def words(corpus: Path) -> list[str]:
    c: Counter = Counter()
    with open(corpus / "paragraphs.jsonl", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i > 3000:
                break
            c.update(re.findall(r"[a-z]{6,}", json.loads(line)["text"].lower()))
    return [w for w, _ in c.most_common(400)[20:]]


def query_sets(corpus: Path, n: int, seed: int = 7) -> dict[str, list[str]]:
    common = words(corpus)
    rnd = random.Random(seed)
    pairs = [(rnd.choice(common), rnd.choice(common)) for _ in range(n)]
    relaxed = [f"{a} {b} {rnd.choice(common)} {rnd.choice(common)}" for a, b in pairs]
    return {
        "and": [f"{a} AND {b}" for a, b in pairs],
        "relaxed": relaxed,
        "and4": [" AND ".join(q.split()) for q in relaxed],
        "question": [f"what is the {a} of {b}?" for a, b in pairs],
    }


def ms(xs: list[float]) -> dict:
    return {"median_ms": statistics.median(xs) * 1e3, "p95_ms": pct(xs, 0.95) * 1e3}


def run_cold(cmd: list[str], env: dict) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, env=env)
    dt = time.perf_counter() - t
    if b"Traceback" in r.stderr:
        raise SystemExit(f"{cmd} failed:\n{r.stderr.decode()[-2000:]}")
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--cold", type=int, default=9)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--src", type=Path, help="the src folder of the code to measure (default: this checkout's)")
    args = ap.parse_args()

    import os

    from whoosh import index as windex
    from whoosh import qparser

    from pincite.corpus.store import Store
    from pincite.index.manager import IndexManager
    from pincite.search.engine import search

    store = Store(args.home)
    sets = query_sets(args.corpus, args.queries)
    out: dict = {"units": store.unit_total(), "queries": args.queries, "src": str(SRC), "load_start": os.getloadavg()}
    for q in sets["and"][:5]:
        search(store, q)
    lat: dict[str, list[float]] = {k: [] for k in sets}
    relaxed_count = 0
    for i in range(args.queries):  # interleaved, so that a busy moment hits every set alike
        for k, qs in sets.items():
            t = time.perf_counter()
            res = search(store, qs[i])
            lat[k].append(time.perf_counter() - t)
            if k == "relaxed" and res.relaxed.get("min_matched", 4) < 4:
                relaxed_count += 1
    for k in sets:
        out[f"inproc_{k}"] = ms(lat[k])
    out["relaxed_share"] = relaxed_count / args.queries

    gen = IndexManager(store).current_path()
    ix = windex.open_dir(str(gen))
    fields = [f for f in ix.schema.names() if f.startswith("text")] + ["title", "headings"]
    and_p = qparser.MultifieldParser(fields, ix.schema, group=qparser.AndGroup)
    or_p = qparser.MultifieldParser(fields, ix.schema, group=qparser.OrGroup)
    raw = {"and": [], "relaxed": []}
    with ix.searcher() as s:
        for i in range(args.queries):
            for k, p in (("and", and_p), ("relaxed", or_p)):
                t = time.perf_counter()
                for h in s.search(p.parse(sets[k][i]), limit=10):
                    h.fields()
                raw[k].append(time.perf_counter() - t)
    out["raw_and"], out["raw_or"] = ms(raw["and"]), ms(raw["relaxed"])

    import tempfile

    pyc = tempfile.TemporaryDirectory(prefix="pincite-bench-pyc-")
    env = dict(os.environ, PYTHONPATH=str(SRC), PINCITE_HOME=str(args.home), PYTHONPYCACHEPREFIX=pyc.name)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    pincite = [PY, "-m", "pincite.cli"] if not (Path(PY).parent / "pincite").exists() else [str(Path(PY).parent / "pincite")]
    cold = {"cli_and": [], "cli_relaxed": [], "raw_and": []}
    run_cold([*pincite, "search", "--format", "json", sets["and"][-1]], env)  # untimed: compiles the modules
    run_cold([PY, str(HERE / "raw_whoosh.py"), "query", str(gen), *sets["and"][-1].split(" AND ")], env)
    for i in range(args.cold):
        a, r = sets["and"][i], sets["relaxed"][i]
        cold["cli_and"].append(run_cold([*pincite, "search", "--format", "json", a], env))
        cold["cli_relaxed"].append(run_cold([*pincite, "search", "--format", "json", r], env))
        cold["raw_and"].append(run_cold([PY, str(HERE / "raw_whoosh.py"), "query", str(gen), *a.split(" AND ")], env))
    pyc.cleanup()
    for k, xs in cold.items():
        out[f"cold_{k}"] = ms(xs)
    out["load_end"] = os.getloadavg()
    text = json.dumps(out, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text)


if __name__ == "__main__":
    main()

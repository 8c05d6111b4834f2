"""Where a PostgreSQL query's time goes: round trips, bytes fetched, server time, Python time.

    python bench/pg_profile.py --home HOME --corpus CORPUS --database URL [--queries 20] [--explain]
                               [--cprofile OUT] [--sets and,relaxed,and4,question]

HOME is a home already published into the database URL (`pincite --database URL index`), CORPUS the
generated corpus it was built from (its words make the query sets of bench/queries.py). Each query
of each set is searched once untimed (the reader's caches are then warm, as in a process that
searches again) and once measured: the statements it sent (psycopg's execute, counted at the
client), the bytes of the values they returned, the time spent waiting on them, and the rest (numpy
and Python). `--explain` prints EXPLAIN (ANALYZE, BUFFERS) of each statement kind once;
`--cprofile OUT` writes a cProfile of the measured searches. Not a test; CPU profiles are robust to
a loaded machine, wall times are not (the load average is printed).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

import psycopg  # noqa: E402
from queries import pct, query_sets  # noqa: E402

LOG: list[tuple[str, float, int, int]] = []  # (statement kind, seconds, bytes, rows)
SEEN: dict[str, tuple] = {}  # kind -> (sql, params) of its first use, for --explain
_execute = psycopg.Cursor.execute


def kind_of(sql) -> str:
    s = sql if isinstance(sql, str) else sql.as_string(None)
    s = re.sub(r"\s+", " ", s).strip()
    return s[:90]


def counted(self, query, params=None, **kw):
    t = time.perf_counter()
    out = _execute(self, query, params, **kw)
    dt = time.perf_counter() - t
    nbytes = rows = 0
    res = self.pgresult
    if res is not None and res.ntuples:
        rows = res.ntuples
        for r in range(res.ntuples):
            for c in range(res.nfields):
                v = res.get_value(r, c)
                nbytes += len(v) if v is not None else 0
    k = kind_of(query)
    LOG.append((k, dt, nbytes, rows))
    SEEN.setdefault(k, (query, params))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--database", required=True)
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--sets", default="and,relaxed,and4,question")
    ap.add_argument("--explain", action="store_true")
    ap.add_argument("--cprofile", type=Path)
    a = ap.parse_args()

    from pincite.search.engine import search
    from pincite.workspace import Workspace

    sets = {k: v for k, v in query_sets(a.corpus, a.queries).items() if k in a.sets.split(",")}
    store = Workspace(a.home, database=a.database).reader()
    for q in sets[next(iter(sets))][:3]:
        search(store, q, limit=10)
    for qs in sets.values():  # untimed: the reader's term statistics and vocabulary read once
        for q in qs:
            search(store, q, limit=10)
    psycopg.Cursor.execute = counted
    prof = cProfile.Profile() if a.cprofile else None
    print(f"load {os.getloadavg()}", flush=True)
    per_set: dict = {}
    by_kind: dict = defaultdict(lambda: [0, 0.0, 0, 0])
    for name, qs in sets.items():
        wall, sql, trips, nbytes = [], [], [], []
        for q in qs:
            LOG.clear()
            if prof:
                prof.enable()
            t = time.perf_counter()
            search(store, q, limit=10)
            dt = time.perf_counter() - t
            if prof:
                prof.disable()
            wall.append(dt)
            sql.append(sum(x[1] for x in LOG))
            trips.append(len(LOG))
            nbytes.append(sum(x[2] for x in LOG))
            for k, s, b, r in LOG:
                e = by_kind[k]
                e[0] += 1
                e[1] += s
                e[2] += b
                e[3] += r
        per_set[name] = {
            "median_ms": round(statistics.median(wall) * 1e3, 1),
            "p95_ms": round(pct(wall, 0.95) * 1e3, 1),
            "sql_median_ms": round(statistics.median(sql) * 1e3, 1),
            "round_trips_median": statistics.median(trips),
            "bytes_median": int(statistics.median(nbytes)),
            "bytes_max": max(nbytes),
        }
    psycopg.Cursor.execute = _execute
    print(f"load {os.getloadavg()}")
    for name, r in per_set.items():
        print(f"{name:9s} {r}")
    n = sum(len(v) for v in sets.values())
    print(f"\nper statement kind, over {n} measured searches: calls, ms total, bytes total, rows total")
    for k, (c, s, b, r) in sorted(by_kind.items(), key=lambda kv: -kv[1][1]):
        print(f"{c:6d} {s * 1e3:9.1f} ms {b:12d} B {r:8d} rows  {k}")
    if a.explain:
        conn = psycopg.connect(a.database)
        for k, (q, p) in SEEN.items():
            if not k.upper().startswith("SELECT"):
                continue
            print(f"\n--- {k}")
            try:
                with conn.cursor(binary=True) as cur:
                    cur.execute(b"EXPLAIN (ANALYZE, BUFFERS) " + (q.encode() if isinstance(q, str) else q), p)
                    for (line,) in cur:
                        print("   ", line if isinstance(line, str) else bytes(line).decode())
            except psycopg.Error as e:
                print("    (explain failed:", str(e).splitlines()[0], ")")
                conn.rollback()
        conn.close()
    if prof:
        prof.dump_stats(str(a.cprofile))


if __name__ == "__main__":
    main()

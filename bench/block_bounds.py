"""Could block-max skipping (WAND / MaxScore over Whoosh's posting blocks) collect a top N without
reading every block? Per query of bench/queries.py's AND set: the N-th best score of the AND tier
(theta) against the upper bounds Whoosh's W3 block headers allow (BM25F of the block's highest
weight at its shortest length: `scorer.block_quality`).

    python bench/block_bounds.py --home HOME --corpus CORPUS [--queries 20] [--top 50]

A block of one word can be skipped only if its bound plus the best any other word can add stays at
or under theta; the script counts such blocks (against each other word's highest block bound, the
most a skip test could know) and prints the spread of the bounds. Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = Path(sys.argv[sys.argv.index("--src") + 1]).resolve() if "--src" in sys.argv else HERE.parent / "src"
sys.path.insert(0, str(SRC))
sys.path.insert(0, str(HERE))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--top", type=int, default=50)
    ap.add_argument("--src", type=Path)
    args = ap.parse_args()

    import queries
    from whoosh.matching.wrappers import FilterMatcher
    from whoosh.searching import Searcher

    from pincite.corpus.store import Store
    from pincite.index.backend import open_backend
    from pincite.search import engine, natural

    view = open_backend(Store(args.home)).view()
    r = view.reader
    blocks_all = skippable_all = 0
    with Searcher(r, weighting=engine.BM25(**engine.BM25_PARAMS), closereader=False) as s:
        for q in queries.query_sets(args.corpus, args.queries)["and"]:
            plan = engine.plan_query(q, r.schema, r, None, view.vocabulary)
            buckets, _ = natural.by_words_matched(s, plan.leaves)
            n = len(plan.leaves)
            top = buckets.ranked(n, args.top)
            theta = top[-1][0] if len(top) == args.top else 0.0
            bounds = []
            for terms in plan.leaves:
                bs = []
                for sub, _ in s.leaf_searchers():
                    rd = sub.reader()
                    for f, t, boost in terms:
                        if (f, t) not in rd:
                            continue
                        sc = s.weighting.scorer(sub, f, t)
                        m = rd.postings(f, t, scorer=sc)
                        m = m.child if isinstance(m, FilterMatcher) else m
                        while m.is_active():
                            bs.append(sc.block_quality(m) * boost)
                            m._next_block()
                bounds.append(bs)
            best = [max(bs) for bs in bounds]
            skip = [sum(1 for b in bs if b + sum(best) - best[i] <= theta) for i, bs in enumerate(bounds)]
            blocks_all += sum(map(len, bounds))
            skippable_all += sum(skip)
            spread = ["/".join(f"{x:.2f}" for x in statistics.quantiles(bs, n=4)) if len(bs) > 1 else "-" for bs in bounds]
            print(f"{q:40s} AND units {buckets.size(n):6d}  theta {theta:5.2f}  block bounds (quartiles) {spread}  "
                  f"blocks {[len(b) for b in bounds]}  skippable {skip}")
    print(f"blocks {blocks_all}, skippable at top {args.top}: {skippable_all} ({skippable_all / max(1, blocks_all):.1%})")


if __name__ == "__main__":
    main()

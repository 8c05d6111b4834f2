"""Measured relevance: run judged queries and score the ranking with MRR and nDCG@k.

A judged query names the units that answer it, graded 1–3, by citation (as `pincite search` prints it),
by DOC#SEQ, or by DOC~the first words of the unit. Every name must resolve to exactly one unit, so that
a stale judgement fails loudly instead of silently scoring zero.

    from pincite.search.evaluate import load, evaluate
    report = evaluate(store, [j for j in load(path) if j.corpus == "samples"])
    report.mrr, report.ndcg
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pincite.corpus.store import Store
from pincite.search.citation import resolve
from pincite.search.engine import search

K = 10


@dataclass(frozen=True)
class Judged:
    q: str
    relevant: dict[str, int]  # citation or DOC#SEQ → grade
    corpus: str = "samples"


@dataclass
class QueryScore:
    q: str
    rr: float
    ndcg: float
    ranked: list[str] = field(default_factory=list)  # uids of the top k


@dataclass
class Report:
    queries: list[QueryScore]

    @property
    def mrr(self) -> float:
        return sum(s.rr for s in self.queries) / len(self.queries) if self.queries else 0.0

    @property
    def ndcg(self) -> float:
        return sum(s.ndcg for s in self.queries) / len(self.queries) if self.queries else 0.0


def load(path: Path | str) -> list[Judged]:
    with open(path, "rb") as f:
        data = tomllib.load(f)
    out = []
    for item in data.get("query", []):
        rel = {str(k): int(v) for k, v in item.get("relevant", {}).items()}
        if not item.get("q") or not rel or any(g < 0 for g in rel.values()):
            raise ValueError(f"{path}: a judged query needs q and graded relevant units: {item!r}")
        out.append(Judged(q=item["q"], relevant=rel, corpus=item.get("corpus", "samples")))
    return out


def units_named(store: Store, name: str) -> list:
    """The units a judgement names: a citation, DOC#SEQ, or DOC~first words of the unit's text (the
    sturdiest: it survives segmentation changes that renumber a document's units)."""
    if "~" in name:
        doc, _, start = name.partition("~")
        want = " ".join(start.split())
        return [u for u in store.units(doc) if " ".join(u.text.split()).startswith(want)]
    return resolve(store, name).units


def grades_by_uid(store: Store, judged: Judged) -> dict[str, int]:
    grades: dict[str, int] = {}
    for name, grade in judged.relevant.items():
        units = units_named(store, name)
        if len(units) != 1:
            raise ValueError(f"judged unit {name!r} (query {judged.q!r}) names {len(units)} units, not one")
        grades[units[0].uid] = max(grade, grades.get(units[0].uid, 0))
    return grades


def dcg(gains: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at(ranked_grades: list[int], all_grades: list[int], k: int = K) -> float:
    ideal = dcg(sorted(all_grades, reverse=True)[:k])
    return dcg(ranked_grades[:k]) / ideal if ideal else 0.0


def reciprocal_rank(ranked_grades: list[int], k: int = K) -> float:
    for i, g in enumerate(ranked_grades[:k]):
        if g > 0:
            return 1.0 / (i + 1)
    return 0.0


def evaluate(store: Store, judged: list[Judged], *, k: int = K, **search_kw) -> Report:
    """Score each judged query's top k; `search_kw` (boosts=…) goes to `search`."""
    scores = []
    for j in judged:
        grades = grades_by_uid(store, j)
        res = search(store, j.q, limit=k, suggest=False, **search_kw)
        uids = [h.unit.uid for h in res.hits]
        ranked = [grades.get(u, 0) for u in uids]
        scores.append(
            QueryScore(
                q=j.q,
                rr=reciprocal_rank(ranked, k),
                ndcg=ndcg_at(ranked, list(grades.values()), k),
                ranked=uids,
            )
        )
    return Report(scores)

"""Search: parse a query, run it with BM25F, and turn Whoosh hits into `Hit`s with citations.

Whoosh's query language (AND by default, OR, NOT, "phrases", prefix*, fuzzy~, grouping) over every
language's text field at once, with `type:`, `lang:`, `year:`, `symbol:`, `doc:`, `part:` and
`kind:` filters.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from whoosh import highlight, qparser, scoring
from whoosh.query import And, Every, NumericRange, Or, Query, Term

from pincite.corpus.model import Document, Unit
from pincite.corpus.store import Store
from pincite.errors import BadQuery
from pincite.index.analysis import TEXT_FIELDS
from pincite.index.manager import IndexManager
from pincite.search.citation import cite

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
FIELD_ALIASES = {"doctype": ["type"], "doc": ["document"], "kind": ["k"]}
FILTER_FIELDS = ("doctype", "lang", "year", "symbol", "doc", "part", "kind")


@dataclass(frozen=True)
class Hit:
    """A unit that matched, with its document, score, snippet and citation."""

    unit: Unit
    doc: Document
    score: float
    snippet: str
    cite: str

    def dump(self) -> dict:
        u, d = self.unit, self.doc
        return {
            "doc": d.id,
            "symbol": d.symbol,
            "title": d.title,
            "date": d.date,
            "doctype": d.doctype,
            "lang": u.lang,
            "part": u.part,
            "kind": u.kind,
            "ref": u.ref,
            "numbered": u.numbered,
            "cite": self.cite,
            "text": u.text,
            "notes": list(u.notes),
            "headings": list(u.headings),
            "source": d.source,
            "score": round(self.score, 4),
            "snippet": self.snippet,
        }


@dataclass
class Results:
    hits: list[Hit]
    total: int
    query: str
    facets: dict = field(default_factory=dict)
    suggestion: str = ""

    def dump(self) -> dict:
        return asdict(self)


class _MarkFormatter(highlight.Formatter):
    """Marks matched terms with <mark>…</mark>; the renderer turns that into colour or plain text."""

    between = " … "

    def format_token(self, text, token, replace=False):
        return f"{MARK_OPEN}{highlight.get_text(text, token, replace)}{MARK_CLOSE}"


def _parser(schema) -> qparser.QueryParser:
    p = qparser.MultifieldParser(list(TEXT_FIELDS) + ["title", "headings"], schema, group=qparser.AndGroup)
    p.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
    p.add_plugin(qparser.FuzzyTermPlugin())
    p.add_plugin(qparser.GtLtPlugin())
    return p


def filter_query(filters: dict) -> Query | None:
    """Filters given as options (--type, --lang, --year, --doc, --kind, --part, --symbol)."""
    clauses: list[Query] = []
    for key, value in filters.items():
        if value in (None, "", ()):
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        alts: list[Query] = []
        for v in values:
            v = str(v)
            if key == "year":
                m = re.fullmatch(r"(\d{4})?\s*(?:\.\.|-|–)\s*(\d{4})?", v)
                if m and (m.group(1) or m.group(2)):
                    lo = int(m.group(1)) if m.group(1) else None
                    hi = int(m.group(2)) if m.group(2) else None
                    alts.append(NumericRange("year", lo, hi))
                elif v.isdigit():
                    alts.append(NumericRange("year", int(v), int(v)))
                else:
                    raise BadQuery(f"--year takes a year or a range such as 2013..2017, not {v!r}")
            elif key == "part":
                alts.append(Term("partkey", v.lower().replace(" ", "_")))
            else:
                alts.append(Term(key, v.lower() if key != "doc" else v))
        clauses.append(alts[0] if len(alts) == 1 else Or(alts))
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else And(clauses)


def search(
    store: Store,
    query: str,
    *,
    limit: int = 10,
    offset: int = 0,
    filters: dict | None = None,
) -> Results:
    if limit < 0 or offset < 0:
        raise BadQuery("--limit and --offset must be zero or more")
    manager = IndexManager(store)
    ix = manager.open()
    if ix is None:
        return Results(hits=[], total=0, query=query)
    parser = _parser(ix.schema)
    text = query.strip()
    try:
        q = parser.parse(text) if text else Every()
    except Exception as e:  # Whoosh raises several types for malformed input
        raise BadQuery(f"cannot read the query {query!r}: {e}") from e
    fq = filter_query(filters or {})
    docs = {d.id: d for d in store.documents()}
    hits: list[Hit] = []
    with ix.searcher(weighting=scoring.BM25F()) as s:
        results = s.search(q, filter=fq, limit=offset + limit if limit else None, terms=True)
        results.fragmenter = highlight.ContextFragmenter(maxchars=240, surround=60)
        results.formatter = _MarkFormatter()
        total = len(results)
        for r in results[offset : offset + limit] if limit else []:
            stored = r.fields()
            doc = docs.get(stored["doc"])
            if doc is None:
                continue
            unit = store.unit(stored["doc"], stored["seq"])
            if unit is None:
                continue
            snippet = ""
            for f in TEXT_FIELDS:
                if f in stored:
                    snippet = r.highlights(f, top=2) or ""
                    if not snippet:
                        snippet = stored[f][:240] + ("…" if len(stored[f]) > 240 else "")
                    break
            hits.append(Hit(unit=unit, doc=doc, score=float(r.score or 0.0), snippet=snippet, cite=cite(doc, unit)))
    return Results(hits=hits, total=total, query=query)

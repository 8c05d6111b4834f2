"""Search: parse a query, run it with BM25F, and turn Whoosh hits into `Hit`s with citations.

The query language is Whoosh's (AND by default, OR, NOT, "phrases", prefix*, fuzzy~, grouping with
parentheses) over every language's text field at once, plus the headings above a unit and its
document's title, with filters written into the query:

    type:speech  lang:es  year:2013  year:2013..2017  symbol:A/68/190  doc:ID  part:annex  kind:footnote

The same filters come as options (`filters=`). A query that cannot be read as written is read
leniently (an unbalanced quote or parenthesis is dropped, and said so in `Results.notice`); one that
still cannot be read raises `BadQuery`, never a Whoosh exception.

Hits are ordered by score, then document id, then position in the document, so that paging with
`offset` is stable.
"""

from __future__ import annotations

import bisect
import copy
import math
import re
import sys
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from whoosh import qparser, scoring
from whoosh.query import (
    And,
    CompoundQuery,
    ConstantScoreQuery,
    Every,
    FuzzyTerm,
    NullQuery,
    NumericRange,
    Or,
    Prefix,
    Query,
    Term,
    Wildcard,
)
from whoosh.reading import MultiReader
from whoosh.searching import Searcher

from pincite.corpus.model import FOOTNOTE, HEADING, PARAGRAPH, Document, Unit
from pincite.corpus.store import Store
from pincite.errors import BadQuery
from pincite.index.analysis import OTHER, TEXT_FIELDS, TOKEN, analyzer, field_for, field_language, fold
from pincite.index.backend import open_backend
from pincite.index.vocabulary import Vocabulary
from pincite.search import natural
from pincite.search.citation import cite, unit_record

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
SNIPPET_CHARS = 240
SUGGEST_BELOW = 3  # offer a did-you-mean when a query finds fewer hits than this

# Query-time field boosts for BM25F (tuned on tests/judged/queries.toml; see BENCHMARKS.md).
BOOSTS = {"title": 0.5, "headings": 0.5}
# A prefix, wildcard or fuzzy word expands to at most this many words as written (the most frequent).
EXPAND_MAX = 512
BM25_PARAMS = {"B": 0.5, "K1": 1.2}


class BM25(scoring.BM25F):
    """BM25F with the usual BM25 idf. Whoosh's own, log(N/(df+1)) + 1, never falls below 1, so that
    with no stop words "of" and "as" outweighed the words a query is about."""

    def idf(self, searcher, fieldname, text):
        n = searcher.doc_count_all()
        df = searcher.doc_frequency(fieldname, text)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))


# Filters a user may write in a query or give as options, and the index field each one searches.
FILTERS = {
    "type": "doctype",
    "doctype": "doctype",
    "lang": "lang",
    "year": "year",
    "symbol": "symbol",
    "doc": "doc",
    "part": "partkey",
    "kind": "kind",
}
KIND_ALIASES = {
    "paragraph": PARAGRAPH,
    "para": PARAGRAPH,
    "footnote": FOOTNOTE,
    "note": FOOTNOTE,
    "fn": FOOTNOTE,
    "heading": HEADING,
}
# Fields a user may search by name besides the filters.
SEARCHABLE = {"title", "headings", *TEXT_FIELDS}
# Fields whose words a prefix*, wildcard or fuzzy~ word is matched against.
WORD_FIELDS = frozenset(SEARCHABLE)


@dataclass(frozen=True)
class Hit:
    """A unit that matched, with its document, score, snippet and citation."""

    unit: Unit
    doc: Document
    score: float
    snippet: str
    cite: str

    def dump(self) -> dict:
        return {**unit_record(self.doc, self.unit, self.cite), "score": round(self.score, 4), "snippet": self.snippet}


@dataclass
class Results:
    hits: list[Hit]
    total: int
    query: str
    offset: int = 0
    limit: int = 10
    facets: dict = field(default_factory=dict)
    suggestion: str = ""
    notice: str = ""
    relaxed: dict = field(default_factory=dict)  # a natural query's words, unmatched words, min matched

    def dump(self) -> dict:
        return asdict(self)


# -- reading the query ------------------------------------------------------------------------------
class _Parser(qparser.QueryParser):
    """Whoosh's parser, except that prefix*, wildcard and fuzzy~ words keep the text as typed (folded)
    instead of being stemmed: `_expand` matches them against words as written."""

    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True, removestops=True):
        if termclass in (Prefix, Wildcard, FuzzyTerm) and fieldname in WORD_FIELDS:
            return termclass(fieldname, fold(text), boost=boost)
        return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)


_PARSERS: OrderedDict[tuple, qparser.QueryParser] = OrderedDict()


def _parser(schema, boosts: dict | None = None) -> qparser.QueryParser:
    """A parser for this schema and these boosts, built once (a fifth of a short query's time)."""
    boosts = BOOSTS if boosts is None else boosts
    key = (id(schema), tuple(sorted(boosts.items())))
    p = _PARSERS.get(key)
    if p is None or p.schema is not schema:
        p = _PARSERS[key] = _new_parser(schema, boosts)
        while len(_PARSERS) > 8:
            _PARSERS.popitem(last=False)
    return p


def _new_parser(schema, boosts: dict) -> qparser.QueryParser:
    fields = list(TEXT_FIELDS) + ["title", "headings"]
    fieldboosts = {f: boosts.get(f, 1.0) for f in fields}
    p = _Parser(None, schema, group=qparser.AndGroup)  # Whoosh's MultifieldParser, as a subclass
    p.add_plugin(qparser.MultifieldPlugin(fields, fieldboosts=fieldboosts))
    p.add_plugin(qparser.FuzzyTermPlugin())
    p.add_plugin(qparser.GtLtPlugin())
    # +must, -not, only at the start of a word (ad-hoc, post-2015 are words); AND is the default anyway
    p.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+(?=\S)", minusexpr=r"(?<![^\s(])-(?=\S)"))
    return p


def _quote(v: str) -> str:
    return "'" + v.replace("'", " ") + "'"


def _year_syntax(v: str) -> str:
    v = v.strip("\"'")
    if re.fullmatch(r"\d{4}", v):
        return f"year:{v}"
    m = re.fullmatch(r"(\d{4})?\s*(?:\.\.|–)\s*(\d{4})?", v)
    if m and (m.group(1) or m.group(2)):
        lo, hi = m.group(1), m.group(2)
        return f"year:[{lo + ' ' if lo else ''}TO{' ' + hi if hi else ''}]"
    if re.fullmatch(r"[<>]=?\d{4}", v):
        return f"year:{v}"
    raise BadQuery(f"year: takes a year or a range such as year:2013..2017, not {v!r}")


def _kind(v: str, how: str) -> str:
    k = KIND_ALIASES.get(v.lower().strip("\"'"))
    if k is None:
        raise BadQuery(f"{how} takes paragraph, footnote or heading, not {v!r}")
    return k


def _field_syntax(name: str, value: str) -> str:
    """One `name:value` the user wrote, as Whoosh syntax over the index fields."""
    key = name.lower()
    if key not in FILTERS:
        if name in SEARCHABLE:
            return f"{name}:{value}"
        return f"{name} {value}"  # not a field: read both as words
    raw = value.strip()
    if raw[:1] in "\"'" and raw[-1:] == raw[:1] and len(raw) > 1:
        raw = raw[1:-1]
    if not raw:
        raise BadQuery(f"{name}: needs a value, as in {name}:{'2013' if key == 'year' else 'x'}")
    if key == "year":
        return _year_syntax(raw)
    if key == "kind":
        return f"kind:{_quote(_kind(raw, 'kind:'))}"
    if key == "part":
        return f"partkey:{_quote(raw.lower().replace(' ', '_'))}"
    if key == "doc":
        return f"doc:{_quote(raw)}"
    return f"{FILTERS[key]}:{_quote(raw.lower())}"


_FIELD = re.compile(r"""(?<![\w.])(?P<name>[A-Za-z_]\w*):(?P<value>"[^"]*"|'[^']*'|[^\s()"]+)""")


def rewrite(text: str) -> tuple[str, list[str]]:
    """The query in Whoosh's syntax over our fields, made balanced; and notes on what was dropped."""
    notes: list[str] = []
    # split into quoted phrases and the rest; a quote without a partner is dropped
    pieces: list[tuple[bool, str]] = []
    i = 0
    while i < len(text):
        j = text.find('"', i)
        if j < 0:
            pieces.append((False, text[i:]))
            break
        k = text.find('"', j + 1)
        if k < 0:
            pieces.append((False, text[i:j] + " " + text[j + 1 :]))
            notes.append("an unbalanced quote was ignored")
            break
        # a field value in quotes (part:"annex I") stays with its field
        pieces.append((False, text[i:j]))
        pieces.append((True, text[j : k + 1]))
        i = k + 1
    out = []
    for quoted, piece in pieces:
        if quoted:
            prev = out[-1] if out else ""
            m = re.search(r"(?<![\w.])([A-Za-z_]\w*):$", prev)
            if m:
                out[-1] = prev[: m.start()] + _field_syntax(m.group(1), piece)
            else:
                out.append(piece)
            continue
        out.append(_FIELD.sub(lambda m: _field_syntax(m.group("name"), m.group("value")), piece))
    joined = "".join(out)
    # balance parentheses outside phrases and quoted terms
    res, depth, dropped, inq = [], 0, False, ""
    for ch in joined:
        if inq:
            inq = "" if ch == inq else inq
        elif ch in "\"'":
            inq = ch if ch == '"' else ""  # single quotes are term quotes we wrote; they never hold parens
        elif ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                dropped = True
                continue
            depth -= 1
        res.append(ch)
    if depth:
        res.append(")" * depth)
    if dropped or depth:
        notes.append("unbalanced parentheses were closed or dropped")
    return "".join(res), notes


def _expand(q: Query, vocabulary: Callable[[], Vocabulary], notes: list[str]) -> Query:
    """Prefix, wildcard and fuzzy words match words as written: each becomes the terms that the
    matching words of the vocabulary are indexed as in its field, scored as one constant, as
    Whoosh scores its own multi-term queries."""
    if isinstance(q, (Prefix, Wildcard, FuzzyTerm)) and q.fieldname in WORD_FIELDS:
        vocab = vocabulary()
        if isinstance(q, Prefix):
            words = vocab.prefixed(q.text)
        elif isinstance(q, FuzzyTerm):
            words = vocab.within(q.text, q.maxdist, q.prefixlength)
        else:
            words = vocab.matching(q.text)
        if len(words) > EXPAND_MAX:
            note = f"{q.text!r} matches {len(words)} words; the {EXPAND_MAX} most frequent were searched"
            if note not in notes:
                notes.append(note)
            words = vocab.most_frequent(words, EXPAND_MAX)
        lang = field_language(q.fieldname)
        terms = sorted({t for w in words for t in _index_forms(lang, w)})
        if not terms:  # matches nothing, and an AND around it must not drop it
            return Term(q.fieldname, "", boost=q.boost)
        inner = Term(q.fieldname, terms[0]) if len(terms) == 1 else Or([Term(q.fieldname, t) for t in terms])
        return ConstantScoreQuery(inner, score=q.boost)
    return _map_children(q, lambda sub: _expand(sub, vocabulary, notes))


def _map_children(q: Query, fn: Callable[[Query], Query], *, into_child: bool = True) -> Query:
    """`q` with `fn` applied to its sub-queries (compound queries) or its child (wrappers such as
    boosts and NOT); `q` itself when nothing changed, so an unchanged query is never copied (Whoosh
    copies deeply)."""
    if isinstance(q, CompoundQuery):
        subs = [fn(sub) for sub in q.subqueries]
        if all(a is b for a, b in zip(subs, q.subqueries, strict=True)):
            return q
        c = copy.copy(q)
        c.subqueries = subs
        return c
    if into_child and hasattr(q, "child"):
        child = fn(q.child)
        if child is q.child:
            return q
        c = copy.copy(q)
        c.child = child
        return c
    return q


_SYNTAX = re.compile(r"""["'()\[\]{}^~*?:<>\\]|\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE|TO)\b""")


def parse_query(
    text: str, schema, boosts: dict | None = None, vocabulary: Callable[[], Vocabulary] | None = None
) -> tuple[Query, list[str]]:
    """The query as Whoosh objects, and notes on how it was read. `vocabulary` gives the words as
    written that prefix, wildcard and fuzzy words are matched against (none: they match nothing)."""
    text = text.strip()
    if not text:
        return Every(), []
    parser = _parser(schema, boosts)
    written, notes = rewrite(text)
    try:
        q = parser.parse(written)
    except Exception:  # Whoosh raises several types for malformed input
        plain = _SYNTAX.sub(" ", text)
        try:
            q = parser.parse(plain)
        except Exception as e:
            raise BadQuery(f"cannot read the query {text!r}: {e}") from e
        notes.append(f"read as plain words: {' '.join(plain.split())!r}")
    q = _expand(q, vocabulary or Vocabulary, notes).normalize()
    if q is NullQuery:
        raise BadQuery(f"the query {text!r} has no words to search for")
    return q, notes


def filter_query(filters: dict) -> Query | None:
    """Filters given as options (--type, --lang, --year, --doc, --kind, --part, --symbol)."""
    clauses: list[Query] = []
    for key, value in filters.items():
        if value in (None, "", ()):
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        alts: list[Query] = []
        for v in values:
            v = str(v).strip()
            if key == "year":
                m = re.fullmatch(r"(\d{4})?\s*(?:\.\.|–|-)\s*(\d{4})?", v)
                if m and (m.group(1) or m.group(2)):
                    lo = int(m.group(1)) if m.group(1) else None
                    hi = int(m.group(2)) if m.group(2) else None
                    alts.append(NumericRange("year", lo, hi))
                elif re.fullmatch(r"\d{4}", v):
                    alts.append(NumericRange("year", int(v), int(v)))
                else:
                    raise BadQuery(f"--year takes a year or a range such as 2013..2017, not {v!r}")
            elif key == "part":
                alts.append(Term("partkey", v.lower().replace(" ", "_")))
            elif key == "kind":
                alts.append(Term("kind", _kind(v, "--kind")))
            elif key == "doc":
                alts.append(Term("doc", v))
            elif key in FILTERS:
                alts.append(Term(FILTERS[key], v.lower()))
            else:
                raise BadQuery(f"unknown filter {key!r}")
        clauses.append(alts[0] if len(alts) == 1 else Or(alts))
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else And(clauses)


# -- snippets -----------------------------------------------------------------------------------------
_WORD = re.compile(TOKEN)  # the index's tokenizer, as a plain regex: no token objects


_FORMS: dict[str, dict[str, frozenset[str]]] = {}  # per language: word → the terms it is indexed as
_FORMS_MAX = 100_000


def _index_forms(lang: str, word: str) -> frozenset[str]:
    """The terms a word is indexed as in a language's field (remembered: words repeat across hits)."""
    forms = _FORMS.setdefault(lang, {})
    f = forms.get(word)
    if f is None:
        if len(forms) >= _FORMS_MAX:
            forms.clear()
        f = forms[word] = frozenset(t.text for t in analyzer(lang)(word, mode="index"))
    return f


def term_head(term: str) -> str:
    """What every word indexed as `term` holds, folded (apostrophes as '): a stem keeps its word's
    first two letters, after an elided article (l'homme: "l'" or "ho"), and irregular English stems
    (dying → die) are short, so a term of up to three letters gives only its first.
    tests/test_search_snippets.py checks it on every word of the shared corpus and the samples."""
    return (term[:2] if len(term) > 3 else term[:1]).replace("’", "'")


def snippet(text: str, lang: str, terms: set[tuple[str, str]], maxchars: int = SNIPPET_CHARS) -> str:
    """The best window of `text` with matched words in <mark>…</mark>."""
    tfield = field_for(lang)
    an_lang = lang if tfield != f"text_{OTHER}" else OTHER
    want_lang = {t for f, t in terms if f == tfield}
    spans: list[tuple[int, int]] = []
    if want_lang:
        # a word is analysed only if it holds a wanted term's head (a new process has no stems
        # remembered: analysing every word of ten paragraphs was a tenth of a cold search)
        heads = {term_head(t) for t in want_lang}
        for m in _WORD.finditer(text):
            w = m.group()
            fw = fold(w).replace("’", "'")
            if any(h in fw for h in heads) and not want_lang.isdisjoint(_index_forms(an_lang, w)):
                spans.append(m.span())
    start, end = 0, len(text)
    if len(text) > maxchars:
        best, best_n = 0, -1
        for s, _ in spans or [(0, 0)]:
            lo = max(0, s - 60)
            n = sum(1 for a, b in spans if a >= lo and b <= lo + maxchars)
            if n > best_n:
                best, best_n = lo, n
        start = best
        if start > 0:
            sp = text.find(" ", start)
            start = sp + 1 if 0 <= sp < start + 20 else start
        end = min(len(text), start + maxchars)
        if end < len(text):
            sp = text.rfind(" ", start, end)
            end = sp if sp > start + maxchars // 2 else end
    out, pos = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(text[pos:s] + MARK_OPEN + text[s:e] + MARK_CLOSE)
        pos = e
    out.append(text[pos:end])
    body = "".join(out).strip()
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


# -- searching -----------------------------------------------------------------------------------------
def _column(reader, name: str):
    """A column of the reader, opened once per reader: opening one reads its whole offset table
    (a third of a query's time on 10,000 units), and a generation's reader is kept and reused. A
    reader of several segments opens each segment's column when a unit of it is first asked for
    (_SegmentColumns): a page's ten hits need few of the 18 segments of 10^6 units."""
    cache = reader.__dict__.setdefault("_pincite_columns", {})
    if name not in cache:
        if not reader.has_column(name):
            cache[name] = None
        elif isinstance(reader, MultiReader):
            cache[name] = _SegmentColumns(reader, name)
        else:
            cache[name] = reader.column_reader(name)
    return cache[name]


class _SegmentColumns:
    """Whoosh's MultiReader.column_reader (a MultiColumnReader over each segment holding the column,
    found by its first unit), with each segment's column reader opened on first use."""

    def __init__(self, reader: MultiReader, name: str) -> None:
        self._name = name
        self._readers = [r for r in reader.readers if r.has_column(name)]
        self._offsets = [reader.doc_offsets[i] for i, r in enumerate(reader.readers) if r.has_column(name)]
        self._open: dict[int, object] = {}

    def __getitem__(self, docnum: int):
        i = max(0, bisect.bisect_right(self._offsets, docnum) - 1)
        col = self._open.get(i)
        if col is None:
            col = self._open[i] = self._readers[i].column_reader(self._name)
        return col[docnum - self._offsets[i]]


def _suggest(vocab: Vocabulary, text: str) -> str:
    """The query with each word the corpus does not hold replaced by the nearest one it does
    (fewest edits, then most units)."""
    free = _FIELD.sub(" ", text)
    changed = text
    any_change = False
    for m in re.finditer(TOKEN, free):
        word = m.group(0)
        if word in ("AND", "OR", "NOT") or word.isdigit() or len(word) < 3:
            continue
        folded = fold(word)
        if folded in vocab:
            continue
        for dist in (1, 2):
            cands = [w for w in vocab.within(folded, dist, prefix=1) if w != folded]
            if cands:
                best = vocab.most_frequent(cands, 1)[0]
                changed = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", best, changed, count=1)
                any_change = True
                break
    return changed if any_change else ""


SORTS = ("relevance", "date", "-date")
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _date_bounds(value: str, how: str) -> tuple[str, str]:
    """The first and last day a date as written (2013, 2013-05, 2013-05-02) stands for."""
    m = _DATE.fullmatch(value.strip())
    if not m or (m.group(2) and not 1 <= int(m.group(2)) <= 12) or (m.group(3) and not 1 <= int(m.group(3)) <= 31):
        raise BadQuery(f"{how} takes a date as YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}")
    y, mo, d = m.group(1), m.group(2), m.group(3)
    return f"{y}-{mo or '01'}-{d or '01'}", f"{y}-{mo or '12'}-{d or '31'}"


def _doc_dates(store: Store) -> dict[str, str]:
    return {d.id: d.date for d in store.documents()}


def _date_filter(dates: dict[str, str], since: str | None, until: str | None) -> set[str] | None:
    """The documents dated (at least partly) between since and until; None when no bound is given.
    A document without a date is left out once a bound is given."""
    if not since and not until:
        return None
    lo = _date_bounds(since, "--since")[0] if since else "0000-00-00"
    hi = _date_bounds(until, "--until")[1] if until else "9999-99-99"
    if lo > hi:
        raise BadQuery(f"--since {since} comes after --until {until}")
    keep = set()
    for doc_id, date in dates.items():
        try:
            first, last = _date_bounds(date, "date")
        except BadQuery:
            continue
        if last >= lo and first <= hi:
            keep.add(doc_id)
    return keep


@dataclass
class _Plan:
    """How a query is run: explicit (one query, as written) or natural (tiers of fewer words)."""

    tiers: list[tuple[int, Query]]  # (words each unit of the tier holds, query); explicit: [(n, q)]
    words: list[str]  # the content words of a natural query
    unmatched: list[str]  # content words that no unit holds
    pairs: dict[str, list[tuple[str, str, int]]]  # per text field: consecutive words' terms and gap
    notes: list[str]
    natural: bool = False
    # a natural query without filters written into it, or an explicit one of words ANDed: per word,
    # the (field, term, boost) it is searched as, for natural.by_words_matched (None: run the
    # tiers' queries)
    leaves: list[list[tuple[str, str, float]]] | None = None


def plan_query(text: str, schema, reader, boosts: dict | None, vocabulary) -> _Plan:
    """Read a query: natural (pincite.search.natural) unless it uses explicit syntax."""
    split = natural.split_natural(text.strip(), set(FILTERS), SEARCHABLE)
    if split is not None and split[0]:
        words, filters = split
        boosts = BOOSTS if boosts is None else boosts
        fields = list(TEXT_FIELDS) + ["title", "headings"]
        analysed = natural.analyse(words, schema, fields)
        content, seen = [], set()
        for w in analysed:
            key = tuple(sorted(w.terms.items()))
            if not w.stop and key not in seen:
                seen.add(key)
                content.append(w)
        if content:
            notes: list[str] = []
            fq = None
            if filters:
                written, fnotes = rewrite(" ".join(filters))
                notes += fnotes
                fq = _parser(schema, boosts).parse(written).normalize()
            prefetch = getattr(reader, "prefetch_terms", None)  # a reader that reads them in one go
            if prefetch is not None:
                prefetch([(f, t) for w in content for f, t in w.terms.items()])
            found = [w for w in content if any(reader.doc_frequency(f, t) for f, t in w.terms.items())]
            unmatched = [w.text for w in content if w not in found]
            # each word searches only the fields that hold it: the same scores, and a union of two or
            # three posting lists instead of seven (a third of a relaxed query's time at 100k units)
            held = [{f: t for f, t in w.terms.items() if reader.doc_frequency(f, t)} for w in found]
            groups = [
                natural.Word(w.text, w.pos, w.stop, h).query({f: boosts.get(f, 1.0) for f in fields})
                for w, h in zip(found, held, strict=True)
            ]
            leaves = [[(f, t, boosts.get(f, 1.0)) for f, t in h.items()] for h in held] if fq is None else None
            tiers: list[tuple[int, Query]] = []
            for k in range(len(groups), 0, -1):
                core = groups[0] if len(groups) == 1 else And(groups) if k == len(groups) else natural.MinMatch(groups, k)
                tiers.append((k, core if fq is None else And([fq, core])))
            pairs: dict[str, list[tuple[str, str, int]]] = {}
            for a, b in zip(found, found[1:], strict=False):
                for f in TEXT_FIELDS:
                    if f in a.terms and f in b.terms:
                        pairs.setdefault(f, []).append((a.terms[f], b.terms[f], b.pos - a.pos))
            return _Plan(tiers, [w.text for w in content], unmatched, pairs, notes, natural=True, leaves=leaves)
    q, notes = parse_query(text, schema, boosts, vocabulary)
    prefetch = getattr(reader, "prefetch_terms", None)
    if prefetch is not None:
        prefetch([(f, t) for f, t in q.iter_all_terms() if isinstance(t, str)])
    q = _prune(q, reader)
    leaves = _flat_words(q)
    return _Plan([(len(leaves) if leaves else 0, q)], [], [], {}, notes, leaves=leaves)


def _flat_words(q: Query) -> list[list[tuple[str, str, float]]] | None:
    """An explicit query that is only words ANDed (`a AND b`, `a b`, `+a +b`: terms, or ORs of a
    word's fields, boosts on terms only), as the (field, term, boost) of each word, for
    natural.by_words_matched, which scores exactly its units as Whoosh's And would. None for
    anything else (phrases, NOT, OR of words, prefixes, ranges…), which Whoosh runs as written."""

    def word(sub: Query) -> list[tuple[str, str, float]] | None:
        if type(sub) is Term and isinstance(sub.text, str):
            return [(sub.fieldname, sub.text, sub.boost)]
        if type(sub) is Or and sub.boost == 1.0 and not sub.minmatch and sub.scale is None:
            if all(type(t) is Term and isinstance(t.text, str) for t in sub.subqueries):
                return [(t.fieldname, t.text, t.boost) for t in sub.subqueries]
        return None

    subs = q.subqueries if type(q) is And and q.boost == 1.0 else [q]
    out = [word(sub) for sub in subs]
    return out if out and all(out) else None


def _prune(q: Query, reader) -> Query:
    """The query without the alternatives of an OR that no unit holds (a word's fields that lack it):
    they score nothing, and each costs the union matcher a step at every document."""
    if isinstance(q, Or) and not isinstance(q, natural.MinMatch):
        subs = [_prune(s, reader) for s in q.subqueries]
        kept = [s for s in subs if not (type(s) is Term and not reader.doc_frequency(s.fieldname, s.text))]
        kept = kept or subs[:1]
        if len(kept) == len(q.subqueries) and all(a is b for a, b in zip(kept, q.subqueries, strict=False)):
            return q
        if len(kept) == 1:
            return kept[0] if q.boost == 1.0 else kept[0].with_boost(kept[0].boost * q.boost)
        c = copy.copy(q)
        c.subqueries = kept
        return c
    return _map_children(q, lambda sub: _prune(sub, reader), into_child=not isinstance(q, ConstantScoreQuery))


def _query_terms(q: Query) -> set[tuple[str, str]]:
    """The text-field terms a query searches (for marking snippets)."""
    out = set()
    for f, t in q.iter_all_terms():
        if f in TEXT_FIELDS:
            out.add((f, t.decode("utf-8") if isinstance(t, bytes) else str(t)))
    return out


def _count(s: Searcher, q: Query, allow: set | None, mask: set) -> int:
    """The exact number of units a query matches within a filter, without scoring them."""
    n = 0
    for d in s.docs_for_query(q):
        if (allow is None or d in allow) and d not in mask:
            n += 1
    return n


def _rescore(s: Searcher, ranked: list[tuple[float, int]], pairs: dict, lang_col, positions=None) -> list[tuple[float, int]]:
    """The first WINDOW (score, docnum) rescored by how near the query's consecutive words stand;
    `positions(docnums, field, terms)` reads them (natural.positions from the index, when not given)."""
    if not pairs or len(ranked) < 2:
        return ranked
    head, tail = ranked[: natural.WINDOW], ranked[natural.WINDOW :]
    reader = s.reader()
    prox: dict[int, float] = {}
    if positions:
        # A unit is indexed in one text field (its language's): the positions read in a field are
        # those of its units, so each field is asked about every unit, and a unit's language (a
        # column to open in every segment) is not looked up
        docnums = sorted(d for _, d in head)
        for f, fpairs in pairs.items():
            pos = positions(docnums, f, {t for a, b, _ in fpairs for t in (a, b)}, fpairs)
            for d, held in pos.items():
                prox[d] = natural.proximity(held, fpairs)
    else:
        by_field: dict[str, list[int]] = {}
        for _, d in head:
            lang = lang_col[d] if lang_col is not None else ""
            if isinstance(lang, bytes):
                lang = lang.decode("utf-8")
            f = field_for(lang or OTHER)
            if f in pairs:
                by_field.setdefault(f, []).append(d)
        for f, docnums in by_field.items():
            terms = {t for a, b, _ in pairs[f] for t in (a, b)}
            pos = natural.positions(reader, sorted(docnums), f, terms)
            for d in docnums:
                prox[d] = natural.proximity(pos.get(d, {}), pairs[f])
    w = natural.PROXIMITY_WEIGHT
    head = sorted(((sc * (1 + w * prox.get(d, 0.0)), d) for sc, d in head), key=lambda r: (-r[0], r[1]))
    return head + tail


def _rank(r: tuple[float, int]) -> tuple[float, int]:
    return (-r[0], r[1])


# Natural queries score every tier in one pass over the words' postings (natural.by_words_matched)
# instead of one Whoosh search per tier; False runs the tiers' queries (kept for comparison: tests).
FAST_TIERS = True
# ...unless the words' posting lists hold more than this many postings (words in most units of a
# large index): the pass keeps a score per unit holding any word; Whoosh's matchers walk instead.
FAST_POSTINGS_MAX = 4_000_000
# The pass runs on numpy arrays (the same scores and tiers) once the words hold this many postings,
# in a process that searches again (a server, a script: the import is paid once), or whenever numpy
# is imported already. A new process's one small query keeps the Python loop (about a microsecond
# a posting): numpy's import (~90 ms) would cost it more. The arrays need no FAST_POSTINGS_MAX.
VECTOR_TIERS = True
VECTOR_POSTINGS_MIN = 100_000
_SEARCHED = 0  # searches this process has run


def search(
    store: Store,
    query: str,
    *,
    limit: int = 10,
    offset: int = 0,
    filters: dict | None = None,
    group: bool = False,
    facets: bool = False,
    suggest: bool = True,
    boosts: dict | None = None,
    bm25: dict | None = None,
    sort: str = "relevance",
    since: str | None = None,
    until: str | None = None,
) -> Results:
    """Search the index. Relevance order is score, then index order (stable paging); a natural
    query relaxes its words tier by tier until the page can be filled (pincite.search.natural).
    Only the top of each tier is scored unless facets, grouping or a date order need every match."""
    if limit < 0 or offset < 0:
        raise BadQuery("--limit and --offset must be zero or more")
    if sort not in SORTS:
        raise BadQuery(f"--sort takes one of {', '.join(SORTS)}, not {sort!r}")
    view = open_backend(store).view()
    out = Results(hits=[], total=0, query=query, offset=offset, limit=limit)
    if view is None:
        return out
    reader = view.reader
    store = view.catalogue or store  # the database's catalogue when the index lives there
    dates = _doc_dates(store) if (since or until or sort != "relevance") else {}
    keep_docs = _date_filter(dates, since, until)
    words = view.vocabulary  # read only when a query needs it
    schema = reader.schema  # the index's schema read from its reader (once per generation)
    plan = plan_query(query, schema, reader, boosts, words)
    notes = list(plan.notes)
    fq = filter_query(filters or {})
    if keep_docs is not None:
        if not keep_docs:
            out.notice = "; ".join(notes + ["no document is dated in that range"])
            return out
        dq = Or([Term("doc", d) for d in sorted(keep_docs)]) if len(keep_docs) > 1 else Term("doc", next(iter(keep_docs)))
        fq = dq if fq is None else And([fq, dq])
    collect_all = facets or group or sort != "relevance"
    need = max(1, offset + limit)
    with Searcher(reader, weighting=BM25(**(bm25 or BM25_PARAMS)), closereader=False) as s:
        reader = s.reader()
        doc_col, seq_col, lang_col = _column(reader, "doc"), _column(reader, "seq"), _column(reader, "lang")
        allow = None
        ranked: list[tuple[float, int]] = []
        mask: set[int] = set()
        total = 0
        reached = None
        every = None  # units holding every word of the query (None: not known)
        relaxed_pool = None
        buckets = None
        postings = sum(reader.doc_frequency(f, t) for w in plan.leaves or () for f, t, _ in w)
        global _SEARCHED
        _SEARCHED += 1
        vector = VECTOR_TIERS and (postings >= VECTOR_POSTINGS_MIN or _SEARCHED > 1 or "numpy" in sys.modules)
        if plan.leaves is not None and FAST_TIERS and (vector or postings <= FAST_POSTINGS_MAX):
            if fq is not None:
                allow = s._filter_to_comb(fq)
            top = None if collect_all else max(need, natural.WINDOW)
            buckets, kept = natural.by_words_matched(s, plan.leaves, allow, top, vector=vector)
        for k, q in plan.tiers:
            if buckets is not None:  # every tier from one pass: each exactly the units with k words
                n = buckets.size(k)
                tier = buckets.ranked(k, None if collect_all else max(need, natural.WINDOW))
                tier = _rescore(s, tier, plan.pairs, lang_col, kept.positions)
            else:
                res = s.search(q, filter=fq, mask=mask or None, limit=None if collect_all else max(need, natural.WINDOW))
                tier = [(float(sc or 0.0), d) for sc, d in res.top_n]
                tier.sort(key=_rank)
                if collect_all or len(tier) < max(need, natural.WINDOW):
                    n = len(tier)  # every match was collected
                elif res.has_exact_length():  # counted while scoring (no block skipping): within filter and mask
                    n = len(res)
                else:
                    if fq is not None and allow is None:
                        allow = s._filter_to_comb(fq)
                    n = _count(s, q, allow, mask)
                if plan.natural:
                    tier = _rescore(s, tier, plan.pairs, lang_col)
            if relaxed_pool is None:
                ranked += tier
                relaxed_pool = [] if plan.natural else None
            else:
                relaxed_pool += tier
            total += n
            reached = k
            if plan.natural and every is None:
                every = 0 if plan.unmatched else n  # units holding every word
            if group:
                enough = len({_doc_of(s, doc_col, d) for _, d in ranked}) >= natural.RELAX_UNTIL
            else:
                enough = total >= natural.RELAX_UNTIL
            if enough or not plan.natural:
                break
            if buckets is None:  # the one pass's tiers are disjoint already
                mask.update(d for _, d in tier)
        ranked += relaxed_pool or []
        if plan.natural:
            n_words = len(plan.words)
            if plan.unmatched:
                what = ", ".join(repr(w) for w in plan.unmatched)
                notes.append(f"{what} matched nothing")
            if reached is not None and reached < n_words and total:
                held = (
                    f"only {every} paragraph{'' if every == 1 else 's'} hold{'s' if every == 1 else ''} all {n_words} words, then come"
                    if every
                    else f"no paragraph holds all {n_words} words; shown are"
                )
                notes.append(f"relaxed: {held} those holding most of them (down to {reached})")
                out.relaxed = {"words": plan.words, "unmatched": plan.unmatched, "min_matched": reached}
            elif plan.unmatched:
                out.relaxed = {"words": plan.words, "unmatched": plan.unmatched, "min_matched": reached or 0}
        out.notice = "; ".join(notes)
        if sort == "relevance" and not group:
            # only the page's units need their document and place (facets count the others by docnum):
            # a column is read (and, per segment, opened) for those only
            keyed = list(ranked)
            for i in range(offset, min(offset + limit, len(ranked))):
                sc, d = ranked[i]
                keyed[i] = (sc, d, _doc_of(s, doc_col, d), _seq_of(s, seq_col, d))
        else:
            keyed = [(sc, d, _doc_of(s, doc_col, d), _seq_of(s, seq_col, d)) for sc, d in ranked]
        if sort != "relevance":  # by each document's first day (2017 counts as 2017-01-01), then relevance
            day = {}
            for r in keyed:
                if r[2] not in day:
                    try:
                        day[r[2]] = _date_bounds(dates.get(r[2], ""), "date")[0]
                    except BadQuery:
                        day[r[2]] = ""
            dated = [r for r in keyed if day[r[2]]]
            dated.sort(key=lambda r: day[r[2]], reverse=sort == "-date")  # stable: relevance within a day
            keyed = dated + [r for r in keyed if not day[r[2]]]  # undated documents last
        if facets:
            out.facets = _facets(s, [r[1] for r in keyed])
        if group:
            seen: set[str] = set()
            keyed = [r for r in keyed if not (r[2] in seen or seen.add(r[2]))]
            total = len(keyed)
        out.total = total
        page = keyed[offset : offset + limit]
        terms = set().union(*(_query_terms(q) for _, q in plan.tiers[:1])) if page else set()
        docs, units = store.page([(r[2], r[3]) for r in page])  # only the page's documents and units
        for score, _docnum, doc_id, seq in page:
            doc = docs.get(doc_id)
            unit = units.get((doc_id, seq)) if doc else None
            if doc is None or unit is None:
                continue
            snip = snippet(unit.text, unit.lang or doc.lang, terms)
            out.hits.append(Hit(unit=unit, doc=doc, score=score, snippet=snip, cite=cite(doc, unit)))
        full = total if every is None else every
        if suggest and full < SUGGEST_BELOW and query.strip():
            alt = _suggest(words(), query)
            if alt:
                try:
                    aplan = plan_query(alt, schema, reader, boosts, words)
                    if not aplan.unmatched and len(s.search(aplan.tiers[0][1], filter=fq, limit=1)) > full:
                        out.suggestion = alt
                except BadQuery:
                    pass
    return out


def _doc_of(s: Searcher, col, docnum: int) -> str:
    v = col[docnum] if col is not None else s.stored_fields(docnum)["doc"]
    return v.decode("utf-8") if isinstance(v, bytes) else v


def _seq_of(s: Searcher, col, docnum: int) -> int:
    return col[docnum] if col is not None else s.stored_fields(docnum)["seq"]


def _facets(searcher, docnums: list[int]) -> dict:
    """Counts of matching units by document type, year, language and document."""
    reader = searcher.reader()
    out: dict[str, dict] = {}
    for name, fieldname in (("type", "doctype"), ("year", "year"), ("lang", "lang"), ("doc", "doc")):
        col = _column(reader, fieldname)
        counts: Counter = Counter()
        for n in docnums:
            v = col[n] if col is not None else searcher.stored_fields(n).get(fieldname, "")
            if isinstance(v, bytes):
                v = v.decode("utf-8")
            if fieldname == "year" and (not isinstance(v, int) or v <= 0 or v > 9999):
                v = ""
            counts[str(v) if v != "" else "(none)"] += 1
        out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return out

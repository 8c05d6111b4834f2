"""Queries as people type them: plain words, questions, half-remembered phrases.

A query with no explicit syntax (no `AND`/`OR`/`NOT`, no "phrase", no +must or -not, no field:, no
prefix*, fuzzy~, boost^ or parentheses; filters such as `lang:es` are allowed) is read as a natural
query:

- **Stop words and question words do not decide matching.** `the`, `of`, `de`, `du`, `la`, `que`…
  (Whoosh's lists for English, Spanish, French and Portuguese, plus question forms: how, why, what,
  ¿qué, comment, pourquoi…) are left out of the words a paragraph must hold. Which list applies is
  the query's own language, guessed as the one whose stop words cover most of its words (so that
  English `son` stays a word while Spanish `son` is dropped). A query made only of such words keeps
  them all. Question marks and exclamation marks are punctuation here, not wildcards.
- **Minimum should match, relaxed step by step** (as Lucene's and Elasticsearch's
  `minimum_should_match`): paragraphs holding every content word come first; when fewer than the
  page needs exist, the paragraphs holding all but one follow, then all but two, and so on down to
  one word. Each tier is its own ranked search, masked by the tiers above it, so a tier holds
  exactly its number of words and paging stays stable. Words that match nothing are said so.
- **Proximity**: within each tier, the top `WINDOW` paragraphs are rescored by how close the query's
  words stand (`proximity`): consecutive query words found as written (a phrase, the stop words
  between them included) or within a few words of each other raise a paragraph's score.

An explicit query is obeyed as written (pincite.search.engine.parse_query), never relaxed.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from itertools import chain

from whoosh.matching import Matcher, NullMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import CompoundQuery, Or, Term
from whoosh.scoring import BM25F, BM25FScorer

from pincite.index import whoosh_compat
from pincite.index.analysis import TEXT_FIELDS, TOKEN, fold

# -- words that carry no meaning -------------------------------------------------------------------
# Question forms besides the stop lists (which already hold how/what/why, qué, qui…), and the verbs
# that frame a question rather than carry it ("what did X say about…").
QUESTION_WORDS = {
    "en": "how why what which who whom whose when where are is was were do does did can could shall should "
    "would will may might must say says said tell told happen happens many much",
    "es": "qué que cómo como cuál cuáles cual cuales quién quiénes cuándo cuando dónde donde cuánto cuánta "
    "cuántos cuántas por porqué dice dicen dijo pasa",
    "fr": "quel quelle quels quelles lequel laquelle lesquels comment pourquoi quand où combien quoi qui que "
    "est-ce les dit disent",
    "pt": "qual quais quem quando onde como porque porquê quanto quanta quantos quantas",
}
QUERY_LANGS = ("en", "es", "fr", "pt")


@cache
def stop_words(lang: str) -> frozenset[str]:
    """A language's stop words and question forms, folded (lower case, no accents)."""
    from whoosh.lang.stopwords import stoplists

    words = set(stoplists.get(lang, ())) | set(QUESTION_WORDS.get(lang, "").split())
    return frozenset(fold(w) for w in words)


def query_stop_words(words: list[str]) -> frozenset[str]:
    """The stop words of the query's language: the language(s) whose lists cover most of its words."""
    folded = [fold(w) for w in words]
    cover = {lang: sum(1 for w in folded if w in stop_words(lang)) for lang in QUERY_LANGS}
    best = max(cover.values())
    if best == 0:
        return frozenset()
    return frozenset().union(*(stop_words(lang) for lang, n in cover.items() if n == best))


# -- telling a natural query from an explicit one --------------------------------------------------
_EXPLICIT = re.compile(
    r"""["()\[\]{}^~*\\]"""  # phrases, grouping, ranges, boosts, fuzzy, wildcards, escapes
    r"""|\?(?=\w)"""  # a wildcard ? inside a word (a final ? is a question mark)
    r"""|(?:^|(?<=\s))[+-](?=\S)"""  # +must, -not
    r"""|\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b"""
)
_FIELD = re.compile(r"""(?<![\w.])(?P<name>[A-Za-z_]\w*):(?P<value>"[^"]*"|'[^']*'|[^\s()"]+)""")
_WORD = re.compile(TOKEN)


def split_natural(text: str, filter_names, field_names) -> tuple[list[str], list[str]] | None:
    """(words, filters as written) of a natural query, or None when the query uses explicit syntax.
    `filter_names` are the field names read as filters (lang, year, type…), `field_names` those
    searched by name (title:…), which make a query explicit; any other `word:word` is two words."""
    filters: list[str] = []
    explicit = False

    def take(m: re.Match) -> str:
        nonlocal explicit
        if m.group("name").lower() in filter_names:
            filters.append(m.group(0))
            return " "
        if m.group("name") in field_names:
            explicit = True
        return m.group(0).replace(":", " ", 1)

    rest = _FIELD.sub(take, text)
    if explicit or _EXPLICIT.search(rest):
        return None
    words = []
    for w in _WORD.findall(rest):
        m = _INVERSION.match(w)
        words += [m.group(1), m.group(2)] if m else [w]
    return words, filters


# A French question's inverted pronoun (devient-il, a-t-elle, est-ce): the verb and a stop word.
_INVERSION = re.compile(r"^(\w+)-(?:t-)?(il|elle|ils|elles|on|je|tu|nous|vous|ce)$", re.IGNORECASE)


# -- minimum should match --------------------------------------------------------------------------
class MinMatchMatcher(Matcher):
    """Documents that at least `k` of the child matchers match, scored by the sum of those that do.

    At each step, with the children sorted by their current document, the k-th smallest document c
    is the first that can have k matches: a document before c is held by fewer than k children. The
    children before c skip to c; once the k first all stand on c, c matches."""

    def __init__(self, children: list[Matcher], k: int) -> None:
        self._kids = [m for m in children if m.is_active()]
        self._all = list(children)
        self.k = max(1, k)
        self._id: int | None = None
        self._find()

    def _find(self) -> None:
        kids, k = [m for m in self._kids if m.is_active()], self.k
        while len(kids) >= k:
            kids.sort(key=lambda m: m.id())
            c = kids[k - 1].id()
            if kids[0].id() == c:
                self._kids, self._id = kids, c
                return
            for m in kids[: k - 1]:
                if m.id() < c:
                    m.skip_to(c)
            kids = [m for m in kids if m.is_active()]
        self._kids, self._id = kids, None

    def is_active(self) -> bool:
        return self._id is not None

    def id(self) -> int:
        return self._id

    def next(self) -> None:
        cur = self._id
        for m in self._kids:
            if m.is_active() and m.id() == cur:
                m.next()
        self._find()

    def skip_to(self, id) -> None:
        if self._id is None or id <= self._id:
            return
        for m in self._kids:
            if m.is_active() and m.id() < id:
                m.skip_to(id)
        self._find()

    def _here(self) -> list[Matcher]:
        cur = self._id
        return [m for m in self._kids if m.is_active() and m.id() == cur]

    def score(self) -> float:
        return sum(m.score() for m in self._here())

    def weight(self) -> float:
        return sum(m.weight() for m in self._here())

    def matched(self) -> int:
        return len(self._here())

    def children(self):
        return self._here()

    def supports_block_quality(self) -> bool:
        return False

    def supports(self, astype) -> bool:
        return False

    def copy(self) -> MinMatchMatcher:
        return MinMatchMatcher([m.copy() for m in self._all], self.k)

    def reset(self) -> None:
        for m in self._all:
            m.reset()
        self._kids = [m for m in self._all if m.is_active()]
        self._find()

    def replace(self, minquality=0):
        return self if self.is_active() else NullMatcher()


class MinMatch(CompoundQuery):
    """Matches documents that match at least `k` of the subqueries (Whoosh's own `Or(minmatch=)` is
    declared but not implemented)."""

    JOINT = " | "
    intersect_merge = False

    def __init__(self, subqueries, k: int, boost: float = 1.0) -> None:
        super().__init__(subqueries, boost=boost)
        self.k = k

    def __repr__(self) -> str:
        return f"MinMatch({self.subqueries!r}, k={self.k})"

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.k == self.k and other.subqueries == self.subqueries

    __hash__ = CompoundQuery.__hash__

    def normalize(self):
        return self

    def estimate_size(self, ixreader) -> int:
        return sum(q.estimate_size(ixreader) for q in self.subqueries)

    def matcher(self, searcher, context=None):
        ms = [q.matcher(searcher, context) for q in self.subqueries]
        return MinMatchMatcher(ms, self.k)


# -- every tier in one pass ---------------------------------------------------------------------------
class Postings:
    """The posting blocks by_words_matched read, kept to answer `positions` for the units it ranks
    first without reading and unpickling the blocks again (proximity was a fifth of a relaxed query)."""

    def __init__(self, schema) -> None:
        self.schema = schema
        # (field, term) → its blocks in index order: [last docnum, segment offset, docnums, values];
        # values may be a function that returns them (unpickled on first need: posting_blocks)
        self.blocks: dict[tuple[str, str], list[list]] = {}

    def add(self, fieldname: str, text: str, offset: int, ids, values) -> None:
        if len(ids):
            self.blocks.setdefault((fieldname, text), []).append([ids[-1] + offset, offset, ids, values])

    def positions(self, docnums: list[int], fieldname: str, terms, pairs=None) -> dict[int, dict[str, list[int]]]:
        """As natural.positions, for the terms of `fieldname` this pass read. With `pairs` (the
        query's consecutive (a, b, gap)), a unit's positions of a term are read only when the unit
        holds the other term of one of its pairs too: `proximity` scores nothing else, and reading
        positions unpickles the term's block."""
        fmt = self.schema[fieldname].format
        if not fmt.supports("positions"):
            return {}
        decode = whoosh_compat.positions_decoder(fmt)
        found: dict[int, dict[str, tuple[list, int]]] = {}
        for t in terms:
            blocks = self.blocks.get((fieldname, t))
            if not blocks:
                continue
            lasts = [b[0] for b in blocks]
            for d in docnums:
                i = bisect.bisect_left(lasts, d)
                if i == len(blocks):
                    continue
                block = blocks[i]
                ids = block[2]
                j = bisect.bisect_left(ids, d - block[1])
                if j < len(ids) and ids[j] == d - block[1]:
                    found.setdefault(d, {})[t] = (block, j)
        out: dict[int, dict[str, list[int]]] = {}
        for d, held in found.items():
            if pairs is not None:
                wanted = {x for a, b, _ in pairs if a in held and b in held for x in (a, b)}
            else:
                wanted = held
            for t in wanted:
                block, j = held[t]
                values = block[3]
                if isinstance(values, whoosh_compat.BlockValues):
                    value = values.one(j)  # only this unit's: the block's others stay in their pickle
                else:
                    if callable(values):
                        values = block[3] = values()
                    value = values[j]
                out.setdefault(d, {})[t] = decode(value)
        return out


def _matchers(weighting, schema, sub, terms):
    """Each of a word's (field, term, boost) that the leaf searcher `sub` holds, with its scorer, its
    postings' matcher (deleted units left in: the passes drop them) and the field's length bytes when
    the scorer is BM25F's (None otherwise: the postings are walked Whoosh's way).

    With BM25F and the field's lengths, the passes take from the scorer only its idf, average field
    length, B and K1: it is made with those (the parent searcher's, as BM25FScorer takes them) but
    without BM25FScorer's set-up (the term's block quality and a length function, for Whoosh's own
    matchers), and the matcher from one look-up of the term (whoosh_compat.term_matcher)."""
    reader = sub.reader()
    bm25f = type(weighting).scorer is BM25F.scorer
    for fieldname, text, tb, boost in whoosh_compat.encoded_terms(schema, terms):
        scorable = bm25f and schema[fieldname].scorable
        lengths = whoosh_compat.field_lengths(reader, fieldname) if scorable else None
        if lengths is None or not lengths[0]:  # Whoosh's way: its scorer and matcher
            if (fieldname, tb) not in reader:
                continue
            scorer = weighting.scorer(sub, fieldname, tb)
            m = reader.postings(fieldname, tb, scorer=scorer)
            if isinstance(m, FilterMatcher):
                m = m.child
            yield fieldname, text, boost, scorer, m, lengths if type(scorer) is BM25FScorer else None
            continue
        m = whoosh_compat.term_matcher(reader, fieldname, tb)
        if m is None:
            continue
        parent = sub.get_parent()
        scorer = BM25FScorer.__new__(BM25FScorer)
        scorer.idf = parent.idf(fieldname, tb)
        scorer.avgfl = parent.avg_field_length(fieldname) or 1
        scorer.B = weighting._field_B.get(fieldname, weighting.B)
        scorer.K1, scorer.qf = weighting.K1, 1
        yield fieldname, text, boost, scorer, m, lengths


def by_words_matched(
    searcher,
    words: list[list[tuple[str, str, float]]],
    allow=None,
    top: int | None = None,
    *,
    vector: bool = False,
) -> tuple[Buckets | ArrayBuckets, Postings]:
    """The units holding any of the query's words, by how many of the words each holds: {k: [(score,
    docnum), …]}, docnums global, only those in `allow` when given; and the postings read, for
    proximity. `words` holds, per word, the (field, term, boost) it is searched as.

    One pass, a term at a time, over each term's posting blocks: the same units and the same BM25F
    scores as the tiers' own queries (And of the words, then MinMatch(k) masked by the tiers above:
    exactly the units with k words), where each tier walked the union of the posting lists again
    through Whoosh's matchers, a Python call per posting and matcher. A score is the sum of the
    word's field scores (each BM25F, times the field's boost), summed over the words, as Whoosh's
    Or, And and MinMatch matchers sum their children, always in the same order (Whoosh's matchers
    sum in an order that varies from unit to unit, so that equal scores could differ in the last
    bit and tie at random; here they tie exactly and fall back to index order).

    `top`: how many of each tier the caller ranks (None: all), so that a reader that scores the pass
    itself (the PostgreSQL backend's arrays) need not list the rest (count() does).
    `vector`: the same pass with numpy arrays (`_by_words_matched_arrays`): the same floats, summed
    in the same order, and the same tiers; worth numpy's import (~90 ms in a new process) once the
    words hold some 10⁵ postings, where the pass below costs about a microsecond a posting."""
    own = getattr(searcher.reader(), "words_matched", None)
    if own is not None:
        got = own(searcher, words, allow, top)
        if got is not None:
            return got
    if vector:
        return _by_words_matched_arrays(searcher, words, allow)
    count: Counter = Counter()
    total: dict[int, float] = {}
    weighting, schema = searcher.weighting, searcher.schema
    kept = Postings(schema)
    leaves = searcher.leaf_searchers()
    for terms in words:
        word: dict[int, float] = {}
        for sub, offset in leaves:
            reader = sub.reader()
            deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
            for fieldname, text, boost, scorer, m, lengths in _matchers(weighting, schema, sub, terms):
                keep = fieldname in TEXT_FIELDS
                if lengths is None or not lengths[0]:
                    ids, values = [], []
                    while m.is_active():  # Whoosh's way, a posting at a time
                        d = m.id()
                        if d not in deleted:
                            g = d + offset
                            word[g] = word.get(g, 0.0) + m.score() * boost
                            if keep:
                                ids.append(d)
                                values.append(m.value())
                        m.next()
                    if keep:
                        kept.add(fieldname, text, offset, ids, values)
                    continue
                data = lengths[0]
                idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
                k1p1 = k1 + 1
                # whoosh.scoring.bm25's denominator for each of the 255 lengths a byte stands for
                norm = whoosh_compat.length_norms(k1, b, avgfl)
                get = word.get
                for ids, weights, values in whoosh_compat.posting_blocks(m, values=False):
                    if keep:
                        kept.add(fieldname, text, offset, ids, values)
                    if not deleted and boost == 1.0:  # the common case, without its two tests
                        for d, w in zip(ids, weights, strict=True):
                            g = d + offset
                            word[g] = get(g, 0.0) + idf * ((w * k1p1) / (w + norm[data[d]]))
                        continue
                    for d, w in zip(ids, weights, strict=True):
                        if d in deleted:
                            continue
                        sc = idf * ((w * k1p1) / (w + norm[data[d]]))
                        if boost != 1.0:
                            sc *= boost
                        g = d + offset
                        word[g] = word.get(g, 0.0) + sc
        count.update(word.keys())
        if not total:
            total.update(word)
        else:
            tget = total.get
            for g, sc in word.items():
                total[g] = tget(g, 0.0) + sc
    return Buckets(total, count, allow), kept


def _rank(r: tuple[float, int]) -> tuple[float, int]:
    return (-r[0], r[1])


class Buckets:
    """{k: [(score, docnum), …]} of by_words_matched, each k listed when first asked for (a query
    mostly needs its first tier or two, and a unit holding one word of four is the common case)."""

    def __init__(self, total: dict[int, float], count: Counter, allow) -> None:
        self._total, self._count, self._allow = total, count, allow
        self._made: dict[int, list] = {}

    def count(self, k: int) -> int:
        return len(self.get(k))

    def get(self, k: int, default=None) -> list:
        out = self._made.get(k)
        if out is None:
            total, allow = self._total, self._allow
            out = [(total[g], g) for g, c in self._count.items() if c == k and (allow is None or g in allow)]
            self._made[k] = out
        return out

    def size(self, k: int) -> int:
        """How many units hold exactly k of the words."""
        return len(self.get(k))

    def ranked(self, k: int, top: int | None) -> list[tuple[float, int]]:
        """The `top` best (score, docnum) of tier k (all when None), by score, then index order."""
        pool = self.get(k)
        if top is not None and top < len(pool):
            return heapq.nsmallest(top, pool, key=_rank)
        return sorted(pool, key=_rank)


class ArrayBuckets:
    """Buckets over numpy arrays (one score and one count of words per unit of the index): a tier's
    units are found and its top ranked without a Python step per unit."""

    def __init__(self, np, total, count) -> None:
        self._np, self._total, self._count = np, total, count
        self._made: dict[int, object] = {}

    def _ids(self, k: int):
        ids = self._made.get(k)
        if ids is None:
            ids = self._made[k] = self._np.flatnonzero(self._count == k)
        return ids

    def size(self, k: int) -> int:
        return len(self._ids(k))

    def get(self, k: int, default=None) -> list:
        return self.ranked(k, None)

    def ranked(self, k: int, top: int | None) -> list[tuple[float, int]]:
        np = self._np
        ids = self._ids(k)
        sc = self._total[ids]
        if top is not None and top < len(ids):
            if top <= 0:
                return []
            # every unit scoring at least the top-th best (ties included), then ordered exactly
            cut = -np.partition(-sc, top - 1)[top - 1]
            sel = np.flatnonzero(sc >= cut)
            ids, sc = ids[sel], sc[sel]
        order = np.lexsort((ids, -sc))
        if top is not None:
            order = order[:top]
        return list(zip(sc[order].tolist(), ids[order].tolist(), strict=True))


def _by_words_matched_arrays(searcher, words, allow) -> tuple[ArrayBuckets, Postings]:
    """by_words_matched with numpy: per word, its fields' scores added into one array over the
    index's units, in the same order as the dicts of the pass above (a unit without the word adds
    0.0, which changes no float), and the words added likewise; a unit's count of words is the
    number of words' arrays that hold it."""
    import numpy as np

    weighting, schema = searcher.weighting, searcher.schema
    kept = Postings(schema)
    leaves = searcher.leaf_searchers()
    n_all = searcher.doc_count_all()
    total = np.zeros(n_all)
    count = np.zeros(n_all, np.int16)
    gone: list[int] = []
    lengths_np: dict[tuple[int, str], object] = {}
    norms: dict[tuple, object] = {}
    for terms in words:
        word = np.zeros(n_all)
        held = np.zeros(n_all, bool)
        for sub, offset in leaves:
            reader = sub.reader()
            for fieldname, text, boost, scorer, m, lengths in _matchers(weighting, schema, sub, terms):
                keep = fieldname in TEXT_FIELDS
                if lengths is None or not lengths[0]:
                    ids_l, sc_l, values = [], [], []
                    while m.is_active():  # Whoosh's way, a posting at a time
                        ids_l.append(m.id())
                        sc_l.append(m.score() * boost)
                        if keep:
                            values.append(m.value())
                        m.next()
                    if keep:
                        kept.add(fieldname, text, offset, ids_l, values)
                    ids = np.array(ids_l, np.int64)
                    sc = np.array(sc_l, np.float64)
                else:
                    key = (id(reader), fieldname)
                    data_np = lengths_np.get(key)
                    if data_np is None:
                        data_np = lengths_np[key] = np.frombuffer(lengths[0], np.uint8)
                    # whoosh.scoring.bm25's denominator for each length byte, as in the pass above:
                    # the same for every segment (the parent's average length), made once per field
                    k1, b, avgfl = scorer.K1, scorer.B, scorer.avgfl
                    norm = norms.get((fieldname, k1, b, avgfl))
                    if norm is None:
                        norm = norms[(fieldname, k1, b, avgfl)] = np.array(whoosh_compat.length_norms(k1, b, avgfl))
                    id_blocks, w_blocks = [], []
                    for bids, weights, values in whoosh_compat.posting_blocks(m, values=False):
                        if keep:
                            kept.add(fieldname, text, offset, bids, values)
                        id_blocks.append(bids)
                        w_blocks.append(weights)
                    ids = np.fromiter(chain.from_iterable(id_blocks), np.int64)
                    w = np.fromiter(chain.from_iterable(w_blocks), np.float64)
                    sc = scorer.idf * ((w * (scorer.K1 + 1)) / (w + norm[data_np[ids]]))
                    if boost != 1.0:
                        sc *= boost
                g = ids + offset if offset else ids
                word[g] += sc
                held[g] = True
        total += word
        count += held
    for sub, offset in leaves:
        reader = sub.reader()
        if reader.has_deletions():
            gone.extend(d + offset for d in reader.deleted_docs_set)
    if gone:
        count[np.array(gone, np.int64)] = 0
    if allow is not None:
        mask = np.zeros(n_all, bool)
        mask[np.fromiter(allow, np.int64)] = True
        count[~mask] = 0
    return ArrayBuckets(np, total, count), kept


# -- the words of a natural query, as index terms ----------------------------------------------------
@dataclass
class Word:
    text: str  # as typed
    pos: int  # position in the query, counting stop words
    stop: bool
    terms: dict[str, str] = field(default_factory=dict)  # field → the term it is searched as

    def query(self, boosts: dict[str, float]) -> Or | Term:
        subs = [Term(f, t, boost=boosts.get(f, 1.0)) for f, t in self.terms.items()]
        return subs[0] if len(subs) == 1 else Or(subs)


def analyse(words: list[str], schema, fields: list[str]) -> list[Word]:
    """Each word with the terms it is searched as in each field, and whether it is a stop word."""
    stops = query_stop_words(words)
    out: list[Word] = []
    for i, w in enumerate(words):
        terms = {}
        for f in fields:
            toks = [t.text for t in schema[f].analyzer(w, mode="query")]
            if toks:
                terms[f] = toks[0]
        if terms:
            out.append(Word(w, i, fold(w) in stops, terms))
    if out and all(w.stop for w in out):  # only stop words: they are the query
        for w in out:
            w.stop = False
    return out


# -- proximity ---------------------------------------------------------------------------------------
RELAX_UNTIL = 10  # relax while fewer units than this (a page) hold the words: the same for every page
WINDOW = 50  # paragraphs of each tier rescored by proximity (a fixed window keeps paging stable)
NEAR = 4  # words apart (beyond the query's own gap) that still count as near
# A paragraph with every consecutive pair as a phrase scores 1.25×. Measured on the judged sets
# (BENCHMARKS.md): 0 to 1 within noise of each other on these short paragraphs, 2 worse.
PROXIMITY_WEIGHT = 0.25


def positions(reader, docnums: list[int], fieldname: str, terms) -> dict[int, dict[str, list[int]]]:
    """Per unit (docnums ascending), the positions of `terms` in its field, read from the postings:
    one posting list per term, skipped forward from unit to unit."""
    out: dict[int, dict[str, list[int]]] = {}
    for t in terms:
        try:
            m = reader.postings(fieldname, t)
        except Exception:  # noqa: BLE001 - a term the index does not hold (TermNotFound)
            continue
        if not m.supports("positions"):
            continue
        for d in docnums:
            if not m.is_active():
                break
            if m.id() < d:
                m.skip_to(d)
            if m.is_active() and m.id() == d:
                out.setdefault(d, {})[t] = list(m.value_as("positions"))
    return out


def proximity(pos: dict[str, list[int]], pairs: list[tuple[str, str, int]]) -> float:
    """0..1: how many consecutive query pairs (a, b, gap in the query) stand near each other: 1 for
    each pair found at its query gap in order (a phrase), less the further apart, 0 beyond NEAR."""
    if not pairs:
        return 0.0
    total = 0.0
    for a, b, gap in pairs:
        pa, pb = pos.get(a), pos.get(b)
        if not pa or not pb:
            continue
        best = 0.0
        for x in pa:
            for y in pb:
                d = y - x
                if d == gap:
                    best = 1.0
                    break
                off = abs(d - gap) if d > 0 else abs(d) + gap
                if off <= NEAR:
                    best = max(best, 0.6 * (1 - off / (NEAR + 1)))
            if best == 1.0:
                break
        total += best
    return total / len(pairs)


def text_fields() -> tuple[str, ...]:
    return TEXT_FIELDS

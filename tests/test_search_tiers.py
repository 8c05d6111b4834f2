"""Natural queries (and explicit ones of words ANDed) score every tier in one pass over the words'
postings (pincite.search.natural.by_words_matched): the same hits, order, totals and notes as
running each tier's own Whoosh query, on a store of several segments with deletions, with filters
and paging."""

from __future__ import annotations

import pytest

from lifecycle_helpers import SAMPLES, add, write_docs
from pincite.corpus.store import Store
from pincite.index import reading
from pincite.index.manager import IndexManager
from pincite.search import engine

QUERIES = [
    "migration governance return",  # every word held by many units
    "return reintegration labour smuggling trafficking",  # relaxed down several tiers
    "what is the role of regional consultative processes?",
    "migrantes retorno",  # Spanish
    "governance zzzunheard",  # a word that matches nothing
    "migration lang:en",  # a filter written into the query: the tiers' own queries
    # explicit queries of words ANDed, also scored in one pass; the others as written
    "migration AND governance",
    "+return +migration",
    "title:migration",
    "migration AND type:speech",
    "migration AND zzzunheard",
    "migration OR governance",
    '"return migration" OR trafficking',
]


def _answers(store: Store, **kw) -> list:
    out = []
    for q in QUERIES:
        r = engine.search(store, q, suggest=False, **kw)
        hits = [(h.unit.uid, round(h.score, 6)) for h in r.hits]
        out.append((q, r.total, r.notice, r.relaxed, sorted(hits, key=lambda x: (-x[1], x[0]))))
    return out


@pytest.fixture
def store(home, tmp_path, monkeypatch):
    from pincite.index import manager

    s = Store(home)
    add(s, SAMPLES, *write_docs(tmp_path / "a", 8, paras=12, seed=3), index=True)
    monkeypatch.setattr(manager, "SEGMENT_UNITS", 40)
    IndexManager(s, procs=1).rebuild()
    add(s, *write_docs(tmp_path / "b", 2, paras=12, seed=9, prefix="late"))
    s.remove("gen-002")
    IndexManager(s).sync()  # a segment more, and deleted units in the old ones
    assert len(IndexManager(s).open()._segments()) > 2
    return s


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"limit": 3, "offset": 2},
        {"filters": {"lang": "en"}},
        {"group": True},
        {"facets": True},
        {"sort": "-date"},
    ],
)
def test_one_pass_tiers_answer_as_the_tiers_queries(store, monkeypatch, kw):
    monkeypatch.setattr(engine, "FAST_TIERS", False)
    slow = _answers(store, **kw)
    monkeypatch.setattr(engine, "FAST_TIERS", True)
    for vector in (False, True):  # the pass in Python, and on numpy arrays
        monkeypatch.setattr(engine, "VECTOR_TIERS", vector)
        monkeypatch.setattr(engine, "VECTOR_POSTINGS_MIN", 0)
        fast = _answers(store, **kw)
        assert fast == slow, vector
        assert any(rel.get("min_matched") for _, _, _, rel, _ in fast)  # some query relaxed
        assert all(total for q, total, *_ in fast if "zzz" not in q)


def test_the_pass_takes_numpy_only_when_it_pays(store, monkeypatch):
    """A new process's small query runs the pass in Python, so that it does not import numpy for
    it; a query of many postings, a process's later queries, or any query once numpy is imported,
    run it on arrays."""
    import sys

    from pincite.search import natural

    used = []
    real = natural.by_words_matched
    monkeypatch.setattr(natural, "by_words_matched", lambda *a, vector, **k: used.append(vector) or real(*a, vector=vector, **k))
    monkeypatch.setattr(engine, "sys", type("Sys", (), {"modules": {}}))  # as if numpy were not imported
    monkeypatch.setattr(engine, "_SEARCHED", 0)  # a new process
    engine.search(store, "migration governance", suggest=False)
    engine.search(store, "migration governance", suggest=False)  # the same process searches again
    monkeypatch.setattr(engine, "_SEARCHED", 0)
    monkeypatch.setattr(engine, "VECTOR_POSTINGS_MIN", 1)
    engine.search(store, "migration governance", suggest=False)
    monkeypatch.setattr(engine, "_SEARCHED", 0)
    monkeypatch.setattr(engine, "VECTOR_POSTINGS_MIN", 10**9)
    monkeypatch.setattr(engine, "sys", type("Sys", (), {"modules": {"numpy": sys.modules.get("numpy")}}))
    engine.search(store, "migration governance", suggest=False)
    assert used == [False, True, True, True]


def test_deleted_units_never_come_back(store):
    r = engine.search(store, "migration governance", limit=1000, suggest=False)
    assert r.hits and not [h for h in r.hits if h.doc.id == "gen-002"]
    assert r.total == len(r.hits)


def test_which_explicit_queries_are_scored_in_one_pass(store):
    reader = reading.open_view(IndexManager(store)).reader
    plan = lambda q: engine.plan_query(q, reader.schema, reader, None, None)  # noqa: E731
    # an OR of terms is one group: its units hold any of them, scored by the sum, as Whoosh's Or;
    # (a OR b) AND c is two
    flat = ("migration AND governance", "+return +migration", "title:migration", "migration OR governance")
    for q in (*flat, "(migration OR return) AND governance"):
        assert plan(q).leaves, q
    for q in ('"return migration"', "migration NOT governance", "year:2013", "(migration AND governance) OR return"):
        assert plan(q).leaves is None, q
    natural = plan("return reintegration labour")
    assert natural.natural and len(natural.leaves) == 3
    assert plan("return lang:en").leaves is None  # a filter in a natural query: the tiers' queries


def test_posting_blocks_read_as_whoosh_reads_them(store):
    """The pass reads a term's blocks from one read of its extent: the same units, weights and
    values, deleted units included, as Whoosh's own matcher walking them."""
    from whoosh.matching.wrappers import FilterMatcher

    from pincite.index import whoosh_compat

    reader = reading.open_view(IndexManager(store)).reader
    checked = 0
    for seg, _ in reader.leaf_readers():
        terms = [t for t in seg.lexicon("text_en")][:200:7]
        for t in terms:
            m = seg.postings("text_en", t)
            leaf = m.child if isinstance(m, FilterMatcher) else m
            fast = [(d, w, v) for ids, ws, vs in whoosh_compat.posting_blocks(leaf) for d, w, v in zip(ids, ws, vs, strict=True)]
            leaf.reset()
            lazy = [(d, w, v) for ids, ws, vs in whoosh_compat.posting_blocks(leaf, values=False) for d, w, v in zip(ids, ws, vs(), strict=True)]
            leaf.reset()
            # one value at a time, the last first: walked through the block's pickle, none unpickled
            one = []
            for ids, ws, vs in whoosh_compat.posting_blocks(leaf, values=False):
                got = {j: vs.one(j) for j in reversed(range(len(ids)))}
                assert isinstance(vs, whoosh_compat.BlockValues) and vs._all is None
                one += [(d, w, got[j]) for j, (d, w) in enumerate(zip(ids, ws, strict=True))]
            leaf.reset()
            slow = []
            while leaf.is_active():
                slow.append((leaf.id(), leaf.weight(), leaf.value()))
                leaf.next()
            assert fast == slow == lazy == one, t
            checked += 1
    assert checked > 20
    assert any(seg.has_deletions() for seg, _ in reader.leaf_readers())


def test_columns_open_per_segment_and_read_as_whooshs(store):
    """engine._column of a reader of several segments opens a segment's column when one of its
    units is asked for, and gives what Whoosh's MultiReader.column_reader gives for every unit."""
    reader = reading.open_view(IndexManager(store)).reader
    reader.__dict__.pop("_pincite_columns", None)
    n = reader.doc_count_all()
    for name in ("doc", "seq", "lang"):
        col = engine._column(reader, name)
        assert isinstance(col, engine._SegmentColumns) and not col._open
        assert col[n - 1] == reader.column_reader(name)[n - 1] and len(col._open) == 1
        whooshs = reader.column_reader(name)
        assert [col[d] for d in range(n)] == [whooshs[d] for d in range(n)]
    assert engine._column(reader, "text_en") is None  # a field without a column


def test_a_terms_matcher_and_scorer_from_one_look_up(store):
    """natural._matchers makes each term's matcher from one look-up of the term
    (whoosh_compat.term_matcher) and its BM25F scorer without Whoosh's set-up: the same postings as
    reader.postings() (deleted units included), the same idf, average length, B and K1 as
    Whoosh's BM25FScorer, and nothing for a term or a field a segment does not hold."""
    from whoosh.matching.wrappers import FilterMatcher
    from whoosh.searching import Searcher

    from pincite.index import whoosh_compat
    from pincite.search import natural

    reader = reading.open_view(IndexManager(store)).reader

    def walk(m):
        out = []
        while m.is_active():
            out.append((m.id(), m.weight(), m.value()))
            m.next()
        return out

    with Searcher(reader, weighting=engine.BM25(**engine.BM25_PARAMS), closereader=False) as s:
        checked = 0
        for sub, _ in s.leaf_searchers():
            seg = sub.reader()
            words = [t.decode() for t in list(seg.lexicon("text_en"))[:300:11]] + ["zzzunheard"]
            for w in words:
                terms = [("text_en", w, 1.0), ("title", w, 0.5), ("text_es", w, 1.0), ("nosuchfield", w, 1.0)]
                got = list(natural._matchers(s.weighting, s.schema, sub, terms))
                held = [(f, t) for f, t, _ in terms if f in s.schema and (f, s.schema[f].to_bytes(t)) in seg]
                assert [(f, t) for f, t, *_ in got] == held
                for f, t, _boost, scorer, m, lengths in got:
                    want = s.weighting.scorer(sub, f, s.schema[f].to_bytes(t))
                    assert (scorer.idf, scorer.avgfl, scorer.B, scorer.K1) == (want.idf, want.avgfl, want.B, want.K1)
                    theirs = seg.postings(f, t)
                    theirs = theirs.child if isinstance(theirs, FilterMatcher) else theirs
                    theirs.reset()  # the filter of deleted units had moved it past the first ones
                    assert walk(m) == walk(theirs) and lengths is not None
                    checked += 1
            assert whoosh_compat.term_matcher(seg, "text_en", b"zzzunheard") is None
    assert checked > 20

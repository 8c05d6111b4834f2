"""The write-path speed-ups (repeated values, length columns, segments, bulk syncs) must not change
what the index holds or answers."""

from __future__ import annotations

import pickle

import pytest
from whoosh.fields import TEXT

from lifecycle_helpers import SAMPLES, add
from pincite.corpus.store import Store
from pincite.index import whoosh_compat
from pincite.index.analysis import analyzer
from pincite.index.manager import IndexManager
from pincite.index.schema import RepeatedTEXT, build_schema

WHOOSH_DOC_FIELD_LENGTH = whoosh_compat.ORIGINALS["W3PerDocReader.doc_field_length"]


def test_repeated_text_indexes_each_value_exactly_like_text():
    plain, repeated = TEXT(analyzer=analyzer("en")), RepeatedTEXT(analyzer=analyzer("en"))
    values = [
        "Report on migration",
        "Report on migration",
        "Annex: return and reintegration",
        "Report on migration",
    ]
    for v in values + values[::-1]:
        assert list(repeated.index(v)) == list(plain.index(v))
    assert list(repeated.index("Report on migration", mode="query")) == list(
        plain.index("Report on migration", mode="query")
    )


def test_the_remembered_value_stays_out_of_the_pickled_schema():
    schema = build_schema()
    list(schema["title"].index("A title"))
    again = pickle.loads(pickle.dumps(schema))
    assert "_last" not in again["title"].__dict__
    assert list(again["title"].index("A title")) == list(schema["title"].index("A title"))


def test_field_lengths_survive_absent_length_columns(home):
    # The samples are English and Spanish: text_pt and text_xx have no length column in the segment.
    s = Store(home)
    add(s, SAMPLES, index=True)
    ix = IndexManager(s).open()
    with ix.searcher() as searcher:
        r = searcher.reader()
        langs = r.column_reader("lang")
        en = [d for d in range(r.doc_count_all()) if langs[d] == "en"]
        assert en
        for _ in range(2):  # the second time from the remembered absence
            assert r.doc_field_length(en[0], "text_pt") == 0
            assert r.doc_field_length(en[0], "text_en") > 0
        assert searcher.doc_count() == s.unit_total()


def test_field_lengths_read_whole_equal_whooshs_own(home):
    """The length column read once gives, for every unit and field, what Whoosh reads byte by byte."""
    s = Store(home)
    add(s, SAMPLES, index=True)
    ix = IndexManager(s).open()
    with ix.reader() as r:
        for seg_reader, _ in r.leaf_readers():
            perdoc = seg_reader._perdoc
            fresh = type(perdoc)(perdoc._storage, perdoc._segment)  # nothing cached yet
            n = seg_reader.doc_count_all()
            for name in ix.schema.scorable_names():
                got = [perdoc.doc_field_length(d, name) for d in range(n)]
                assert got == [WHOOSH_DOC_FIELD_LENGTH(fresh, d, name) for d in range(n)]
                assert any(got) or name in ("text_fr", "text_pt", "text_xx")


def _answers(store: Store, limit: int = 100) -> list:
    from pincite.search.engine import search

    out = []
    for q in ["migration", "governance return", "traffick*", "kind:footnote", "reintegraton~"]:
        r = search(store, q, limit=limit, suggest=False)
        out.append((q, r.total, [(h.unit.uid, round(h.score, 4)) for h in r.hits]))
    return out


def test_a_rebuild_in_many_segments_answers_as_one(home, tmp_path, monkeypatch):
    """Rebuilds split into segments (per writer process, and per SEGMENT_UNITS within one) give the
    same hits, scores and order as a rebuild into a single segment."""
    from lifecycle_helpers import write_docs
    from pincite.index import manager

    s = Store(home)
    add(s, SAMPLES, *write_docs(tmp_path / "docs", 6, paras=10, seed=4))
    IndexManager(s, procs=1).rebuild()
    assert len(IndexManager(s).open()._segments()) == 1
    one = _answers(s)
    assert all(total for _, total, _ in one)
    monkeypatch.setattr(manager, "SEGMENT_UNITS", 40)
    for procs in (1, 2):
        IndexManager(s, procs=procs).rebuild()
        ix = IndexManager(s).open()
        assert len(ix._segments()) > 3
        assert ix.doc_count() == s.unit_total()
        assert _answers(s) == one


@pytest.mark.parametrize("procs", [1, 2])
def test_a_bulk_sync_answers_as_a_rebuild(home, tmp_path, monkeypatch, procs):
    """A sync that brings many units writes them as new segments (in parallel with two processes),
    replacing and removing documents as usual: the index then answers as a rebuild of the same store."""
    from lifecycle_helpers import write_docs
    from pincite.index import manager

    s = Store(home)
    first = write_docs(tmp_path / "a", 6, paras=10, seed=5)
    add(s, SAMPLES, *first, index=True)
    monkeypatch.setattr(manager, "BULK_UNITS", 30)
    monkeypatch.setattr(manager, "SEGMENT_UNITS", 25)
    first[0].write_text(first[0].read_text(encoding="utf-8").replace("noted", "recorded"), encoding="utf-8")
    add(s, first[0], *write_docs(tmp_path / "b", 4, paras=10, seed=6, prefix="bulk"))
    s.remove("gen-001")
    rep = IndexManager(s, procs=procs).sync()
    assert rep.added and rep.replaced == ["gen-000"] and rep.removed == ["gen-001"]
    ix = IndexManager(s).open()
    assert len(ix._segments()) > 2 and ix.doc_count() == s.unit_total()
    assert IndexManager(s).status(verify=True).healthy
    # the same hits; scores may differ, as after any sync with deletions: BM25's statistics count
    # deleted units until their segment is merged
    after_sync = _hit_sets(s)
    IndexManager(s, procs=1).rebuild()
    assert _hit_sets(s) == after_sync


def _hit_sets(store: Store) -> list:
    return [(q, total, sorted(uid for uid, _ in hits)) for q, total, hits in _answers(store, 10_000)] + [
        ("bulk1x*", search_total(store, "bulk1x*"), [])
    ]


def search_total(store: Store, q: str) -> int:
    from pincite.search.engine import search

    return search(store, q).total


def test_shares_are_consecutive_balanced_and_never_more_than_the_processes(home, tmp_path):
    from lifecycle_helpers import write_docs

    s = Store(home)
    add(
        s,
        *write_docs(tmp_path / "a", 3, paras=30, seed=7),
        *write_docs(tmp_path / "b", 7, paras=3, seed=8, prefix="small"),
    )
    ids = sorted(s.versions())
    counts = s.unit_counts()
    for parts in (1, 2, 3, 4):
        shares = IndexManager._runs(ids, counts, parts)
        assert [d for share in shares for d in share] == ids  # consecutive, all, once
        assert len(shares) <= parts
    two = [sum(counts[d] for d in share) for share in IndexManager._runs(ids, counts, 2)]
    assert len(two) == 2 and max(two) <= 0.75 * sum(two)


def test_shares_have_the_lightest_heaviest_run_there_is():
    """`_runs` against every way of cutting small random lists into consecutive runs: its heaviest
    run weighs what the best cut's does (the greedy cut it replaced overshot whenever a heavy document
    sat at the boundary)."""
    import itertools
    import random

    rnd = random.Random(11)
    for _ in range(400):
        ids = [f"d{i:02d}" for i in range(rnd.randint(1, 12))]
        weights = {d: rnd.choice([0, 1, 3, 40, 300, 1200]) for d in ids}
        n = rnd.randint(1, 4)
        shares = IndexManager._runs(ids, weights, n)
        assert [d for share in shares for d in share] == ids and all(shares) and len(shares) <= n
        best = min(
            max(sum(weights[d] for d in ids[a:b]) for a, b in zip((0, *cuts), (*cuts, len(ids)), strict=True))
            for k in range(min(n, len(ids)))
            for cuts in itertools.combinations(range(1, len(ids)), k)
        )
        assert max(sum(weights[d] for d in share) for share in shares) == best


def test_writers_share_documents_by_the_text_they_write(home, tmp_path):
    """A document of long paragraphs costs its writer more than one of as many short ones: the
    catalogue gives each document's characters, and a unit weighs its text and UNIT_CHARS more."""
    from lifecycle_helpers import write_docs
    from pincite.index.manager import UNIT_CHARS

    s = Store(home)
    add(s, *write_docs(tmp_path / "a", 2, paras=5, seed=3))
    sizes = s.unit_sizes()
    assert sizes.keys() == s.unit_counts().keys()
    for doc, (n, chars) in sizes.items():
        assert n == s.unit_counts()[doc]
        assert chars == sum(len(u.text) for u in s.units(doc))
    costs = IndexManager._costs({"short": (10, 500), "long": (10, 20_000)})
    assert costs == {"short": 10 * UNIT_CHARS + 500, "long": 10 * UNIT_CHARS + 20_000}


def test_segments_are_separate_files_read_on_demand(home):
    """No compound segment files: Whoosh copies a compound segment's postings into memory whenever a
    reader opens it (every search process read the whole index first)."""
    s = Store(home)
    add(s, SAMPLES, index=True)
    files = [p.name for p in IndexManager(s).current_path().iterdir()]
    assert not [f for f in files if f.endswith(".seg")]
    assert [f for f in files if f.endswith(".pst")] and [f for f in files if f.endswith(".trm")]


def _index_contents(store: Store) -> tuple:
    """Everything the live generation holds: each term's postings (document numbers and weights),
    each unit's field lengths and `seq` column, the unit count."""
    ix = IndexManager(store).open()
    with ix.reader() as r:
        terms = {}
        for field, term in r.all_terms():
            m, got = r.postings(field, term), []
            while m.is_active():
                got.append((m.id(), round(m.weight(), 6)))
                m.next()
            terms[(field, term)] = got
        lengths = {
            (n, f): r.doc_field_length(n, f)
            for n in range(r.doc_count_all())
            for f in r.schema.names()
            if r.schema[f].scorable
        }
        seqs = list(r.column_reader("seq"))
        return terms, lengths, seqs, r.doc_count()


@pytest.mark.parametrize("procs", ["1", "2"])
def test_an_ingest_writes_the_units_it_parsed_as_a_rebuild_reads_them_back(home, monkeypatch, procs):
    """The units an ingest has just parsed go into the index without being read back from the
    catalogue (`parse_pending`'s `keep`, `sync(parsed=...)`), in one process or in two writer
    processes: the index holds what a rebuild from the catalogue writes."""
    from pincite.workspace import Workspace

    monkeypatch.setenv("PINCITE_INDEX_PROCS", procs)
    real_units = Store.units

    def no_reading_back(self, *a, **k):
        raise AssertionError("the ingest read its units back from the catalogue")

    monkeypatch.setattr(Store, "units", no_reading_back)  # the forked writers inherit it
    ws = Workspace(home)
    report = ws.ingest([SAMPLES], jobs=2)
    assert report.index.units > 100 and not report.failures
    ingested = _index_contents(ws.store)
    monkeypatch.setattr(Store, "units", real_units)
    IndexManager(ws.store, procs=int(procs)).rebuild()
    assert _index_contents(ws.store) == ingested


def test_units_kept_from_a_parse_are_written_only_if_the_catalogue_still_holds_that_version(home):
    """Another process may have stored a document again since this one parsed it: its kept units
    are then not the catalogue's, and the catalogue's are read instead."""
    from pincite.corpus.model import Unit

    s = Store(home)
    add(s, SAMPLES)
    versions = s.versions()
    doc = sorted(versions)[0]
    stale = [Unit(doc=doc, seq=0, kind="paragraph", ref="1", numbered=True, text="Units of an older parse.")]
    m = IndexManager(s)
    m._parsed = {doc: ("another version", stale)}
    assert [u.text for _, u in m._units_for([doc], versions)] == [u.text for u in s.units(doc)]
    m._parsed = {doc: (versions[doc], stale)}
    assert [u.text for _, u in m._units_for([doc], versions)] == ["Units of an older parse."]

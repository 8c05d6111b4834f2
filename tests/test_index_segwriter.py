"""The bulk segment writer (pincite.index.segwriter) must write the files Whoosh's own SegmentWriter
writes, byte for byte, from the same units, when it compresses every block as Whoosh does: the
query side reads Whoosh's posting blocks directly. With its own policy (small blocks not
compressed) every posting must read back the same through Whoosh's reader and pincite's."""

from __future__ import annotations

import hashlib

import pytest
from whoosh.writing import SegmentWriter

from conftest import CORPUS_REAL, needs_shared
from lifecycle_helpers import SAMPLES, add
from pincite.corpus.store import Store
from pincite.index import manager, segwriter
from pincite.index.manager import IndexManager
from pincite.index.segwriter import BulkSegmentWriter
from pincite.index.whoosh_compat import posting_blocks


def _segment_files(store: Store, writer, monkeypatch) -> dict[str, str]:
    """Rebuild with `writer`; the new segment's files by kind (the part of the name after the
    segment's random id) → SHA-256."""
    monkeypatch.setattr(manager, "SEGMENT_WRITER", writer)
    rep = IndexManager(store, procs=1).rebuild()
    gen = store.index_dir / rep.generation
    files = {
        f.name.split(".", 1)[1]: hashlib.sha256(f.read_bytes()).hexdigest()
        for f in gen.iterdir()
        if f.name.startswith("MAIN_") and "." in f.name
    }
    assert "pst" in files and "trm" in files
    return files


def _same_files(store: Store, monkeypatch) -> None:
    whoosh = _segment_files(store, SegmentWriter, monkeypatch)
    monkeypatch.setattr(segwriter, "COMPRESS_FROM", 1)  # every block compressed, as Whoosh does
    bulk = _segment_files(store, BulkSegmentWriter, monkeypatch)
    assert bulk == whoosh


def _postings(store: Store, writer, monkeypatch) -> tuple[dict, list[int]]:
    """Rebuild with `writer`; every (field, term) → its postings as Whoosh's matcher walks them
    (checked equal to what pincite's block reader gives), and each block's compression level."""
    monkeypatch.setattr(manager, "SEGMENT_WRITER", writer)
    IndexManager(store, procs=1).rebuild()
    ix = IndexManager(store).open()
    out, levels = {}, []
    with ix.reader() as r:
        for field, term in r.all_terms():
            m = r.postings(field, term)
            walked = []
            while m.is_active():
                if m._i == 0 and hasattr(m, "_compression"):
                    levels.append(m._compression)
                walked.append((m.id(), m.weight(), m.value()))
                m.next()
            blocks = [
                (i, w, v)
                for ids, weights, values in posting_blocks(r.postings(field, term))
                for i, w, v in zip(ids, weights, values, strict=True)
            ]
            assert [(i, w) for i, w, _ in blocks] == [(i, w) for i, w, _ in walked], (field, term)
            out[(field, term)] = walked
    return out, levels


def test_small_blocks_are_stored_plain_and_every_posting_reads_back_the_same(home, monkeypatch):
    s = Store(home)
    add(s, SAMPLES)
    whoosh, whoosh_levels = _postings(s, SegmentWriter, monkeypatch)
    bulk, bulk_levels = _postings(s, BulkSegmentWriter, monkeypatch)
    assert bulk == whoosh and len(bulk) > 1000
    assert whoosh_levels and all(whoosh_levels)  # Whoosh compresses every block
    # ours: the small blocks plain, the others compressed as Whoosh does
    assert 0 in bulk_levels and any(bulk_levels)
    assert len(bulk_levels) == len(whoosh_levels)


def test_the_samples_index_is_written_byte_for_byte_as_whoosh_writes_it(home, monkeypatch):
    s = Store(home)
    add(s, SAMPLES)
    _same_files(s, monkeypatch)


@needs_shared
def test_the_un_charter_in_six_languages_is_written_as_whoosh_writes_it(home, monkeypatch):
    # many units per term (posting lists of several blocks), every analyser, long units
    s = Store(home)
    add(s, *sorted((CORPUS_REAL / "txt" / "un_charter").glob("raw_un_charter_*.txt")))
    assert s.unit_total() > 500
    _same_files(s, monkeypatch)


def _written(tmp_path, writer_class, docs: list[dict]) -> dict[str, str]:
    """The files of one segment written by `writer_class` from `docs`, by kind → SHA-256."""
    from whoosh import index as windex

    from pincite.index.schema import build_schema

    tmp_path.mkdir()
    ix = windex.create_in(str(tmp_path), build_schema())
    w = writer_class(ix, _lk=False, compound=False)
    for d in docs:
        w.add_document(**d)
    w.commit()
    return {
        f.name.split(".", 1)[1]: hashlib.sha256(f.read_bytes()).hexdigest()
        for f in tmp_path.iterdir()
        if f.name.startswith("MAIN_") and "." in f.name
    }


def test_boosts_and_given_tokens_are_written_as_whoosh_writes_them(tmp_path, monkeypatch):
    # per-document and per-field boosts take the plain path; the tokens a caller cut are the ones
    # the text field would have cut (Whoosh's writer ignores them)
    from pincite.index.vocabulary import cut as tokens_of

    texts = ["Migration and return, return again.", "Les migrations: l'attention, la migration.", "x"]
    docs = []
    for i, text in enumerate(texts):
        d = {
            "doc": f"d{i % 2}",
            "seq": i,
            "title": "A title",
            "headings": "Part I / Return",
            "year": 2000 + i,
        }
        d["text_en" if i != 1 else "text_fr"] = text
        d[segwriter.TOKENS + ("text_en" if i != 1 else "text_fr")] = tokens_of(text)
        docs.append(d)
    docs[1]["_boost"] = 2.0
    docs[2]["_title_boost"] = 3.0
    monkeypatch.setattr(segwriter, "COMPRESS_FROM", 1)
    assert _written(tmp_path / "bulk", BulkSegmentWriter, docs) == _written(
        tmp_path / "whoosh", SegmentWriter, docs
    )


def test_an_unknown_field_is_refused_before_the_unit_is_begun(tmp_path):
    from whoosh import index as windex
    from whoosh.fields import UnknownFieldError

    from pincite.index.schema import build_schema

    tmp_path.mkdir(exist_ok=True)
    ix = windex.create_in(str(tmp_path), build_schema())
    w = BulkSegmentWriter(ix)
    try:
        with pytest.raises(UnknownFieldError):
            w.add_document(doc="d", seq=0, nowhere="x")
        w.add_document(doc="d", seq=0, text_en="still written")  # the writer goes on
        assert w.docnum == 1 and w.perdocwriter._doccount == 1
    finally:
        w.cancel()

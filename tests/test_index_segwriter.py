"""The bulk segment writer (pincite.index.segwriter) must write the files Whoosh's own SegmentWriter
writes, byte for byte, from the same units: the query side reads Whoosh's posting blocks directly."""

from __future__ import annotations

import hashlib

from whoosh.writing import SegmentWriter

from conftest import CORPUS_REAL, needs_shared
from lifecycle_helpers import SAMPLES, add
from pincite.corpus.store import Store
from pincite.index import manager
from pincite.index.manager import IndexManager
from pincite.index.segwriter import BulkSegmentWriter


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
    bulk = _segment_files(store, BulkSegmentWriter, monkeypatch)
    assert bulk == whoosh


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

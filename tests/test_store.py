"""The store: raw files by hash, documents identified by their source, parsed units kept."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3

import pytest

from pincite.corpus.model import Unit
from pincite.corpus.store import SCHEMA_VERSION, Store, _checked_chunks, doc_id_for
from pincite.errors import DocumentError


def test_raw_files_are_kept_by_hash(tmp_path):
    s = Store(tmp_path / "h")
    sha, path = s.put_raw(b"hello", ".txt")
    assert path.read_bytes() == b"hello" and path.name == f"{sha}.txt"
    assert s.put_raw(b"hello", ".txt") == (sha, path)
    assert not list(path.parent.glob(".tmp-*"))


def test_a_file_is_kept_whole_under_the_hash_of_its_bytes(tmp_path):
    # several megabytes of bytes that do not repeat: a copy cut short or out of order shows
    data = os.urandom(3 * (1 << 20) + 12345)
    src = tmp_path / "report.pdf"
    src.write_bytes(data)
    s = Store(tmp_path / "h")
    sha, path = s.put_raw_file(src, ".pdf")
    assert sha == hashlib.sha256(data).hexdigest() and path.name == f"{sha}.pdf"
    assert path.read_bytes() == data
    assert s.put_raw_file(src, ".pdf") == (sha, path)
    assert not list(path.parent.glob(".tmp-*"))


def test_a_file_that_no_longer_hashes_as_it_did_is_not_kept(tmp_path):
    # what put_raw_file meets when a file changes between its hash and its copy: nothing is kept
    src = tmp_path / "report.pdf"
    src.write_bytes(b"%PDF-1.4 the bytes as they are now")
    s = Store(tmp_path / "h")
    stale = hashlib.sha256(b"%PDF-1.4 the bytes as they were").hexdigest()
    with pytest.raises(DocumentError, match="changed while it was being read"):
        s._write_atomic(s.raw_path(stale, ".pdf"), _checked_chunks(src, stale))
    assert not [p for p in s.raw_dir.rglob("*") if p.is_file()]


def test_same_source_same_bytes_is_unchanged_and_new_bytes_replace(tmp_path):
    s = Store(tmp_path / "h")
    a, _ = s.put_raw(b"one")
    b, _ = s.put_raw(b"two")
    r1 = s.register("/x/report.txt", a)
    assert (r1.change, r1.doc) == ("new", "report")
    s.save_parsed("report", {"title": "T"}, [Unit("report", 1, "paragraph", "1", False, "old")], parser="p1")
    assert s.register("/x/report.txt", a).change == "same"
    r3 = s.register("/x/report.txt", b)
    assert (r3.change, r3.doc) == ("changed", "report")
    assert list(s.units("report")) == []  # stale units are gone until it is parsed again
    assert s.pending("p1") == [("report", b, "", "/x/report.txt")]


def test_same_bytes_at_two_sources_are_one_document(tmp_path):
    s = Store(tmp_path / "h")
    a, _ = s.put_raw(b"same bytes")
    first = s.register("https://a.org/doc.pdf", a)
    second = s.register("https://mirror.org/copy.pdf", a)
    assert second.change == "alias" and second.doc == first.doc
    assert s.document(first.doc).sources == ("https://a.org/doc.pdf", "https://mirror.org/copy.pdf")
    assert len(s.documents()) == 1


def test_a_source_that_now_serves_known_bytes_drops_its_orphan(tmp_path):
    s = Store(tmp_path / "h")
    a, _ = s.put_raw(b"A")
    b, _ = s.put_raw(b"B")
    s.register("/1.txt", a)
    s.register("/2.txt", b)
    r = s.register("/2.txt", a)
    assert r.change == "alias" and r.dropped == ("2",)
    assert [d.id for d in s.documents()] == ["1"]


def test_ids_are_readable_and_unique(tmp_path):
    s = Store(tmp_path / "h")
    x, _ = s.put_raw(b"x")
    y, _ = s.put_raw(b"y")
    assert s.register("/a/Report 2013.pdf", x).doc == "report-2013"
    assert s.register("/b/report-2013.pdf", y).doc == "report-2013-2"
    assert doc_id_for("https://www.oas.org/docs/CP-CAM-123.pdf?x=1") == "cp-cam-123"


def test_units_round_trip(tmp_path):
    s = Store(tmp_path / "h")
    a, _ = s.put_raw(b"x")
    s.register("/d.md", a)
    u = Unit("d", 1, "paragraph", "8 (c)", True, "Text", "annex", ("Chair's Summary",), "en", ("a", "b"), 3)
    s.save_parsed("d", {"symbol": "A/68/190", "date": "2013-06-28"}, [u], parser="p")
    assert list(s.units("d")) == [u]
    assert s.document("d").symbol == "A/68/190" and s.document("d").year == 2013
    assert s.counts() == {"d": {"paragraph": 1}}
    assert s.remove("d") and s.document("d") is None and list(s.units("d")) == []


def test_a_catalogue_of_schema_1_gains_the_content_type_column(tmp_path):
    import sqlite3

    home = tmp_path / "old"
    s = Store(home)
    s.register("/x/a.txt", "a" * 64, ".txt")
    s.db.close()
    db = sqlite3.connect(home / "catalogue.sqlite")
    db.executescript(
        "CREATE TABLE sources_old AS SELECT location, doc, fetched, etag, last_modified FROM sources;"
        "DROP TABLE sources; ALTER TABLE sources_old RENAME TO sources;"
        "UPDATE meta SET value = '1' WHERE key = 'schema';"
    )
    db.commit()
    db.close()
    again = Store(home)
    assert again.content_type("/x/a.txt") == ""
    assert again.doc_for_source("/x/a.txt")
    again.register("/x/b.html", "b" * 64, ".html", content_type="text/html; charset=koi8-r")
    assert again.content_type("/x/b.html") == "text/html; charset=koi8-r"
    assert again.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0] == str(SCHEMA_VERSION)


def _units_in_the_file_alone(store: Store, dest) -> int:
    """Units in a copy of the store's catalogue file without its write-ahead log."""
    dest.mkdir()
    copy = shutil.copy(store.db_path, dest)
    conn = sqlite3.connect(copy)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'units'").fetchone():
            return 0
        return conn.execute("SELECT count(*) FROM units").fetchone()[0]
    finally:
        conn.close()


def test_checkpoint_copies_the_write_ahead_log_into_the_catalogue(tmp_path):
    s = Store(tmp_path / "h")
    a, _ = s.put_raw(b"x")
    s.register("/d.md", a)
    units = [Unit("d", i, "paragraph", str(i), True, "Text " * 50, "", (), "en", (), 1) for i in range(1, 200)]
    s.save_parsed("d", {}, units, parser="p")
    assert _units_in_the_file_alone(s, tmp_path / "before") == 0  # in the log only
    s.checkpoint()
    assert _units_in_the_file_alone(s, tmp_path / "after") == 199
    assert len(list(s.units("d"))) == 199


def test_a_unit_evolved_is_the_unit_dataclasses_replace_makes():
    from dataclasses import replace

    import pytest

    from pincite.corpus.model import Unit

    u = Unit(doc="d", seq=3, kind="paragraph", ref="8 (c)", numbered=True, text="A text.", headings=("I. Title",))
    for changes in ({"lang": "fr"}, {"part": "annex", "lang": "en"}, {"qual": "2"}, {"ocr": True}, {}):
        got = u.evolve(**changes)
        assert got == replace(u, **changes) and type(got) is Unit and got is not u
        assert hash(got) == hash(replace(u, **changes))
    assert u.lang == "" and u.part == ""  # the original unchanged
    with pytest.raises(TypeError, match="languag"):
        u.evolve(language="fr")
    with pytest.raises(AttributeError):  # still frozen
        u.evolve(lang="fr").lang = "es"

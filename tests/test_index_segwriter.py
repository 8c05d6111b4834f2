"""The bulk segment writer (pincite.index.segwriter) must write the files Whoosh's own SegmentWriter
writes, byte for byte, from the same units, when it compresses every block as Whoosh does: the
query side reads Whoosh's posting blocks directly. With its own policy (small blocks not
compressed) every posting must read back the same through Whoosh's reader and pincite's. Its
terms are written in C (`_terms`) where that is built, else in Python: both must write the same
bytes (the Python path pickles with pickle.dumps and compresses with zlib.compress), on real units
and on made-up postings of every shape the C path reads or hands back."""

from __future__ import annotations

import hashlib
import math
import random
import shutil
import sysconfig
from pathlib import Path

import pytest
from whoosh import columns
from whoosh.writing import SegmentWriter

from conftest import CORPUS_REAL, needs_shared
from lifecycle_helpers import SAMPLES, add
from pincite.corpus.store import Store
from pincite.index import manager, segwriter
from pincite.index.manager import IndexManager
from pincite.index.segwriter import BulkSegmentWriter
from pincite.index.whoosh_compat import posting_blocks

needs_c = pytest.mark.skipif(segwriter._terms is None, reason="the C _write_terms is not built")


@pytest.fixture(params=["c", "python"])
def terms_path(request, monkeypatch):
    """Each test that takes it runs once with the C terms writer, once with the Python one."""
    if request.param == "python":
        monkeypatch.setattr(segwriter, "_terms", None)
    elif segwriter._terms is None:
        pytest.skip("the C _write_terms is not built")
    return request.param


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


def test_small_blocks_are_stored_plain_and_every_posting_reads_back_the_same(home, monkeypatch, terms_path):
    s = Store(home)
    add(s, SAMPLES)
    whoosh, whoosh_levels = _postings(s, SegmentWriter, monkeypatch)
    bulk, bulk_levels = _postings(s, BulkSegmentWriter, monkeypatch)
    assert bulk == whoosh and len(bulk) > 1000
    assert whoosh_levels and all(whoosh_levels)  # Whoosh compresses every block
    # ours: the small blocks plain, the others compressed as Whoosh does
    assert 0 in bulk_levels and any(bulk_levels)
    assert len(bulk_levels) == len(whoosh_levels)


def test_the_samples_index_is_written_byte_for_byte_as_whoosh_writes_it(home, monkeypatch, terms_path):
    s = Store(home)
    add(s, SAMPLES)
    _same_files(s, monkeypatch)


@needs_shared
def test_the_un_charter_in_six_languages_is_written_as_whoosh_writes_it(home, monkeypatch, terms_path):
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


def test_boosts_and_given_tokens_are_written_as_whoosh_writes_them(tmp_path, monkeypatch, terms_path):
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


# ---- the C terms writer and the Python one ---------------------------------------------------------


def _by_path(monkeypatch, write) -> dict:
    """`write(tag)` with the C terms writer, then with the Python one; the C one's answer, after
    checking both the same."""
    c = write("c")
    with monkeypatch.context() as m:
        m.setattr(segwriter, "_terms", None)
        python = write("python")
    assert c == python
    return c


@needs_c
@needs_shared
@pytest.mark.slow
def test_the_real_pdfs_index_is_the_same_from_the_c_and_the_python_terms_writers(home, monkeypatch):
    s = Store(home)
    add(s, *sorted(p for p in (CORPUS_REAL / "pdf").rglob("*.pdf") if "scanned_un" not in p.parts))
    assert s.unit_total() > 3000
    in_c = []  # for each field written in Python: was the C writer there?
    python_terms = segwriter._write_terms_python
    monkeypatch.setattr(
        segwriter,
        "_write_terms_python",
        lambda *a: (in_c.append(segwriter._terms is not None), python_terms(*a)),
    )
    files = _by_path(monkeypatch, lambda _: _segment_files(s, BulkSegmentWriter, monkeypatch))
    assert files and in_c and not any(in_c)  # the C writer read every field of the real units


_SHARED = b"\x00\x00\x00\x02\x80\x02]q\x00(K\x01K\x05e."  # one value object in many postings


def _made_up_postings(seed: int, far: bool = True) -> tuple[dict, dict]:
    """Postings of every shape: terms of 1 to 1,000 postings (blocks of 128, partial blocks, blocks
    of fewer than COMPRESS_FROM), weights of 1.0, of one other value, whole, fractional, zero and
    negative, values empty, None, of one byte (distinct objects, whose strs in the pickle are
    CPython's one str per latin-1 character, fetched back from the memo the second time), with
    bytes above 0x7f, the same object in many postings, docnum gaps of every pickle int size, lengths
    given, 0, missing or past the last length byte, term bytes of 0 to 200 bytes (MD5's padding at
    55, 56 and 64), and enough terms for the term index's positions to pass 65,535. Not `far`: no
    docnum past 2**24 (the C path then reads the lengths into an array, not from the dict)."""
    rnd = random.Random(seed)
    sizes = [1, 2, 3, 4, 5, 7, 8, 9, 127, 128, 129, 255, 256, 257, 300, 1000]
    weights = [
        lambda i: 1.0,
        lambda i: 2.5,
        lambda i: float(1 + i % 4),
        lambda i: 0.1 * (1 + i % 3),
        lambda i: 1.0 / 3.0 if i % 5 else 1.0,
        lambda i: 0.0,
        lambda i: -1.5 if i % 2 else 0.5,
        lambda i: -0.0,
        lambda i: 1e-30 * (i + 1),
        lambda i: 3e38 if i == 0 else 1.0,
    ]
    values = [
        lambda i: b"\x00\x00\x00\x01\x80\x02]q\x00K%ca." % (i % 256),
        lambda i: _SHARED,
        lambda i: b"" if i % 3 else b"\x00\x00\x00\x01",
        lambda i: None if i % 2 else bytes([i % 256]),
        lambda i: bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 40))),
        lambda i: b"",
        lambda i: bytes([0xC3, 0xA9, 0xFF]) * (1 + i % 3),
        lambda i: (65 + i % 3 + 120 * (i % 2)).to_bytes(1, "big"),  # new objects, not bytes' own singletons
    ]
    gaps = [1, 1, 2, 255, 256, 65535, 65536, 1 << 24]
    lengths: dict[int, int] = {}
    text: dict[bytes, list] = {}
    fixed: dict[bytes, list] = {}
    exists: dict[bytes, list] = {}
    for t in range(400):
        n = sizes[t % len(sizes)] if t < 3 * len(sizes) else rnd.choice(sizes[:6])
        w, v = weights[t % len(weights)], values[(t // 3) % len(values)]
        docnum, postings = rnd.randrange(3), []
        for i in range(n):
            postings.append((docnum, w(i), v(i)))
            docnum += rnd.choice(gaps if far else gaps[:-1]) if t % 7 == 0 else rnd.choice(gaps[:3])
            if docnum >= 1 << 31:
                break
        term = (b"t%04d" % t) + bytes(rnd.randrange(256) for _ in range(t % 201))
        text[term] = postings
        fixed[term] = [(d, w, b"\x00\x00\x00\x03" if i % 4 else b"") for i, (d, w, _) in enumerate(postings)]
        exists[term[:8]] = [(d, 1.0, b"") for d, _, _ in postings]
        for d, _, _ in postings:
            if rnd.random() < 0.8:
                lengths[d] = rnd.choice([1, 2, 3, 17, 0, 1000, 200_000])
    for postings in text.values():  # a block without lengths after one with fails (see below)
        if len(postings) > 128:
            for d, _, _ in postings:
                if not lengths.get(d):
                    lengths[d] = 5
    for t in range(3000):  # many short terms
        text[b"z%05d" % t] = [(t, 1.0, _SHARED)]
    text[b""] = [(0, 1.0, b"\x80")]
    last = max(lengths) + 1  # the last docnum with a length, alone in its term
    text[b"last"], lengths[last] = [(last, 1.0, b"\x00\x00\x00\x01")], 9
    return {"text_en": text, "partkey": fixed, "doc": exists}, {"text_en": lengths}


def _made_up_files(tmp_path: Path, postings: dict, lengths: dict, docs: int = 4) -> dict[str, str]:
    """The files of one segment whose postings and lengths are these (as units would have left
    them), by kind → SHA-256."""
    from whoosh import index as windex

    from pincite.index.schema import build_schema

    if tmp_path.exists():
        shutil.rmtree(tmp_path)
    tmp_path.mkdir(parents=True)
    ix = windex.create_in(str(tmp_path), build_schema())
    w = BulkSegmentWriter(ix, _lk=False, compound=False)
    for i in range(docs):
        w.add_document(doc=f"d{i}", seq=i, text_en="a text")
    w._postings = {f: dict(terms) for f, terms in postings.items()}
    w._lengths = {f: dict(ls) for f, ls in lengths.items()}
    w.commit()
    return {
        f.name.split(".", 1)[1]: hashlib.sha256(f.read_bytes()).hexdigest()
        for f in tmp_path.iterdir()
        if f.name.startswith("MAIN_") and "." in f.name
    }


@needs_c
@pytest.mark.parametrize(("compress_from", "far"), [(1, True), (segwriter.COMPRESS_FROM, True), (1, False)])
def test_made_up_postings_of_every_shape_are_written_the_same_in_c_and_in_python(
    tmp_path, monkeypatch, compress_from, far
):
    monkeypatch.setattr(segwriter, "COMPRESS_FROM", compress_from)
    postings, lengths = _made_up_postings(seed=compress_from, far=far)
    assert (max(lengths["text_en"]) >= 1 << 24) == far
    fell_back = []
    python_terms = segwriter._write_terms_python
    monkeypatch.setattr(segwriter, "_write_terms_python", lambda *a: (fell_back.append(1), python_terms(*a)))
    files = _by_path(monkeypatch, lambda tag: _made_up_files(tmp_path / tag, postings, lengths))
    assert "pst" in files and "trm" in files
    assert len(fell_back) == 3  # the C run read every field; the Python run wrote the three


@needs_c
def test_postings_the_c_writer_does_not_read_are_written_by_the_python_one(tmp_path, monkeypatch):
    # each field below holds one posting the C path hands back (the field is then written in
    # Python, whatever the others are written with): the files are the same either way
    odd_postings = [
        (1 << 31, 1.0, b"\x00\x00\x00\x01"),  # a docnum past 32 signed bits
        (3, 2, b"\x00\x00\x00\x01"),  # an int weight
        (3, True, b"\x00\x00\x00\x01"),
        (3, 1.0, bytearray(b"\x00\x00\x00\x01")),  # a value that is not bytes
        (True, 1.0, b"\x00\x00\x00\x01"),  # a docnum that is a bool
        [3, 1.0, b"\x00\x00\x00\x01"],  # a list, not a tuple
    ]
    fell_back = []
    python_terms = segwriter._write_terms_python
    monkeypatch.setattr(segwriter, "_write_terms_python", lambda *a: (fell_back.append(1), python_terms(*a)))
    for k, odd in enumerate(odd_postings):
        postings = {
            "text_en": {b"alpha": [(0, 1.0, b"\x00\x00\x00\x01\x80\x02]q\x00K\x00a."), odd]},
            "doc": {b"d0": [(0, 1.0, b"")], b"d1": [(1, 1.0, b"")]},
        }
        fell_back.clear()
        _by_path(monkeypatch, lambda tag, k=k, p=postings: _made_up_files(tmp_path / f"{tag}{k}", p, {}))
        assert fell_back == [1, 1, 1], odd  # C: text_en only; Python: both fields
    # a NaN weight: Python's order of comparisons decides, so Python writes it
    nan = {"text_en": {b"alpha": [(0, math.nan, b"\x00\x00\x00\x01"), (1, 1.0, b"\x00\x00\x00\x01")]}}
    _by_path(monkeypatch, lambda tag: _made_up_files(tmp_path / f"{tag}nan", nan, {}))
    # a string length is no int the C path reads
    s_lengths = {"text_en": {0: "3"}}
    with pytest.raises(TypeError):
        _made_up_files(tmp_path / "str-length", {"text_en": {b"a": [(0, 1.0, b"\x00")]}}, s_lengths)


@pytest.mark.parametrize("path", ["c", "python"])
def test_a_term_whose_later_block_has_no_lengths_fails_as_whoosh_fails(tmp_path, monkeypatch, path):
    # W3TermInfo.add_block: min(a length, None) - Whoosh's writer raises TypeError, and so do both
    if path == "python":
        monkeypatch.setattr(segwriter, "_terms", None)
    elif segwriter._terms is None:
        pytest.skip("the C _write_terms is not built")
    postings = {"text_en": {b"a": [(d, 1.0, b"\x00\x00\x00\x01") for d in range(300)]}}
    with pytest.raises(TypeError):
        _made_up_files(tmp_path / "x", postings, {"text_en": {d: 2 for d in range(128)}})


@needs_c
def test_the_c_hash_tables_are_the_python_ones_and_refuse_what_they_cannot_read():
    class Index:
        def __init__(self, buckets):
            self.buckets, self.directory = buckets, []
            import io

            self.dbfile = io.BytesIO(b"x" * 16)

    rnd = random.Random(5)
    buckets = [[] for _ in range(256)]
    for pos in range(16, 40_000, 7):
        h = rnd.getrandbits(32) if pos % 3 else (rnd.getrandbits(8) | (pos % 5) << 8)  # collisions too
        buckets[h & 255].append((h, pos))
    a, b = Index([list(x) for x in buckets]), Index([list(x) for x in buckets])
    segwriter._write_hashes(a)
    segwriter._write_hashes_python(b)
    assert a.dbfile.getvalue() == b.dbfile.getvalue() and a.directory == b.directory
    assert segwriter._terms.hash_tables([[(1 << 32, 20)]], 0) is None
    assert segwriter._terms.hash_tables([[(1.0, 20)]], 0) is None
    assert segwriter._terms.hash_tables([[], []], 5) == (b"", [(5, 0), (5, 0)])


def test_the_c_terms_writer_is_built_where_a_compiler_is():
    """An install on a machine with a C compiler, Python's headers and zlib's builds the writer
    (setup.py marks it optional, so a failed build would otherwise go unnoticed and the index be
    written more slowly)."""
    headers = Path(sysconfig.get_paths()["include"], "Python.h").is_file()
    zlib_h = any(Path(d, "zlib.h").is_file() for d in ("/usr/include", "/usr/local/include"))
    if not (shutil.which("cc") or shutil.which("gcc")) or not headers or not zlib_h:
        pytest.skip("no C compiler, no Python headers or no zlib headers here")
    assert segwriter._terms is not None


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


COLUMN_CASES = [  # (column, doccount, {docnum: value}): what a segment's columns are given
    (columns.NumericColumn("I"), 5, {0: 3, 1: 0, 3: 7}),  # a default in between, none at the end
    (columns.NumericColumn("B", default=0), 4, {}),  # nothing but defaults
    (columns.NumericColumn("i", default=-1), 3, {0: -1, 2: 2**31 - 1}),
    (columns.NumericColumn("d"), 3, {1: 2.5}),
    (columns.VarBytesColumn(), 6, {0: b"en", 2: b"", 3: b"fr"}),  # gaps, an empty value, none at the end
    (columns.VarBytesColumn(), 0, {}),
    (columns.VarBytesColumn(), 3, {0: b"x" * 300, 2: b"y"}),  # lengths past a byte
    (columns.VarBytesColumn(), 2, {0: b"z" * 70_000, 1: b"w"}),  # lengths past two bytes
    (columns.VarBytesColumn(write_offsets_cutoff=4), 6, {1: b"ab", 4: b"c" * 400}),  # offsets written
    (columns.VarBytesColumn(allow_offsets=False, write_offsets_cutoff=4), 6, {1: b"ab"}),
    (columns.VarBytesColumn(write_offsets_cutoff=4), 6, {1: b"ab", 2: b"c"}),  # offsets, a tail that fits
    (columns.VarBytesColumn(write_offsets_cutoff=4), 5, {0: b"a", 4: b"b" * 300}),  # offsets, no tail
]


def _random_column_case(rnd: random.Random):
    doccount = rnd.randint(0, 40)
    docs = sorted(rnd.sample(range(doccount), rnd.randint(0, doccount)))
    if rnd.random() < 0.5:
        column = columns.NumericColumn(rnd.choice("BHiI"), default=rnd.choice([0, 1]))
        top = {"B": 255, "H": 65535, "i": 2**31 - 1, "I": 2**32 - 1}[column._typecode]
        return column, doccount, {d: rnd.choice([0, 1, top, rnd.randint(0, top)]) for d in docs}
    column = columns.VarBytesColumn(write_offsets_cutoff=rnd.choice([2**15, 3, 10]))
    sizes = [0, 1, 5, 200, 300, 70_000]
    return column, doccount, {d: b"v" * rnd.choice(sizes) for d in docs}


COLUMN_CASES += [_random_column_case(random.Random(seed)) for seed in range(60)]


@pytest.mark.parametrize(("column", "doccount", "values"), COLUMN_CASES)
def test_columns_written_at_the_end_are_the_bytes_whooshs_writers_write(column, doccount, values):
    from io import BytesIO

    from whoosh.filedb.structfile import StructFile

    from pincite.index.segwriter import _AT_END

    def written(make) -> bytes:
        f = StructFile(BytesIO())
        writer = make(f)
        for docnum in sorted(values):
            writer.add(docnum, values[docnum])
        writer.finish(doccount)
        return f.file.getvalue()

    whoosh = written(column.writer)
    ours = written(lambda f: _AT_END[type(column)](f, column))
    assert ours == whoosh

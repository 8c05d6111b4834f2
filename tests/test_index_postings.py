"""The per-unit loops of writing the index in C (src/pincite/index/_postings.c) must give what the
Python code gives: the same tokens as `re.findall(TOKEN, ...)`, the same postings appended in the
same order with the same weights and value bytes, the same folded words, the same memos, and a
rebuild of the real PDFs the same files."""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
import sysconfig
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.formats import Positions

import conftest
from conftest import CORPUS_REAL, needs_shared
from pincite.index import analysis, schema, vocabulary
from pincite.index.analysis import OTHER, STEMMED, TOKEN, _MemoFilter
from pincite.index.manager import IndexManager
from pincite.index.schema import FastTEXT, RepeatedTEXT
from pincite.workspace import Workspace

C = schema._postings
needs_c = pytest.mark.skipif(C is None, reason="the C postings were not built (no C compiler)")
pytestmark = needs_c
LANGS = (*STEMMED, OTHER)
_TOKEN = re.compile(TOKEN)

MADE_UP = [
    *conftest.MADE_UP,
    "word word word Word WORD wörd " * 400,  # more than a pickle batch of 1,000 positions
    "a- -b 'c' d.. e.-f g’h ’i_j __ _ x\u00ady ½ ² ﬁnance 𝐀𝐁 𝟏2 \U00020000\U00020001",
]


def test_the_c_postings_are_built_where_a_compiler_is():
    """An install on a machine with a C compiler and Python's headers builds the module (setup.py
    marks it optional, so a failed build would otherwise go unnoticed and the writer be slower)."""
    headers = Path(sysconfig.get_paths()["include"], "Python.h").is_file()
    if not (shutil.which("cc") or shutil.which("gcc")) or not headers:
        pytest.skip("no C compiler or no Python headers here")
    assert C is not None


@pytest.fixture
def python_only(monkeypatch):
    """Turn the C module off where it is used: the Python paths."""

    def off() -> None:
        monkeypatch.setattr(schema, "_postings", None)
        monkeypatch.setattr(vocabulary, "_postings", None)
        monkeypatch.setattr(vocabulary, "cut", _TOKEN.findall)

    return off


# ---- cut ------------------------------------------------------------------------------------------
def test_cut_is_tokens_findall_for_every_character():
    chars = [chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i <= 0xDFFF]
    for context in ("{}", "a{}b", "a-{}", "{}'x", "x.{}{}", "1{}’2"):
        text = " ".join(context.replace("{}", c) for c in chars)
        assert C.cut(text) == _TOKEN.findall(text), context


@settings(max_examples=400, deadline=None)
@given(st.text("aZé_’'.-\u00ad 1½²ﬁ\u0301𝐀,\n", max_size=40) | st.text(max_size=40))
def test_cut_is_tokens_findall(text):
    assert C.cut(text) == _TOKEN.findall(text)


def test_cut_takes_only_text():
    with pytest.raises(TypeError):
        C.cut(b"bytes")


# ---- Positions.encode ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "positions",
    [
        [0],
        [255],
        [256],
        [65535],
        [65536],
        [2**31 - 1],
        [2**31],
        [2**39 - 1],
        [2**39],
        [2**62],
        [0, 1, 255, 511, 70_000, 2**31 + 70_000, 2**40],
        list(range(999)),
        list(range(1000)),
        list(range(1001)),
        list(range(0, 6003, 3)),
    ],
)
def test_positions_are_encoded_as_whoosh_encodes_them(positions):
    assert C.encode_positions(positions) == Positions().encode(positions)


# ---- a field's postings ----------------------------------------------------------------------------
def _postings(lang: str, texts: list[str], boost: float = 1.0, field=FastTEXT):
    """Each text's postings added as a segment writer adds them (docnum = its place), with an
    analyser of its own (a memo of its own); (terms, lengths, the memo)."""
    f = field(analyzer=analysis.analyzer.__wrapped__(lang))
    terms: dict = {}
    lengths = []
    for docnum, text in enumerate(texts):
        tokens = _TOKEN.findall(text) if docnum % 2 else None  # given by the caller, or cut
        lengths.append(f.add_postings(text, tokens, docnum, boost, terms))
    return terms, lengths, f.analyzer.items[1].memo


def _same_postings(lang: str, texts: list[str], python_only, boost: float = 1.0, field=FastTEXT):
    c = _postings(lang, texts, boost, field)
    python_only()
    py = _postings(lang, texts, boost, field)
    assert list(c[0]) == list(py[0])  # the terms in the order first met
    assert c[0] == py[0]
    for t, plist in c[0].items():  # the same types too: floats, bytes
        assert [tuple(map(type, p)) for p in plist] == [tuple(map(type, p)) for p in py[0][t]]
    assert c[1] == py[1]
    assert list(c[2].items()) == list(py[2].items())


@pytest.mark.parametrize("lang", LANGS)
def test_postings_equal_pythons_on_made_up_text(lang, python_only):
    _same_postings(lang, MADE_UP, python_only)


@pytest.mark.parametrize("boost", [2.5, 0.1, 3])
def test_postings_equal_pythons_with_a_boost(boost, python_only):
    _same_postings("fr", MADE_UP, python_only, boost)


def test_postings_equal_pythons_when_the_memo_starts_afresh(monkeypatch, python_only):
    monkeypatch.setattr(_MemoFilter, "MEMO", 3)
    _same_postings("pt", MADE_UP * 2, python_only)


def test_postings_equal_pythons_when_the_term_bytes_start_afresh(monkeypatch, python_only):
    monkeypatch.setattr(schema, "BYTES_KEPT", 2)
    _same_postings("en", MADE_UP * 2, python_only)


class _Odd(str):
    pass


class _OddForms(analysis.FoldFilter):
    """forms() as a filter of someone else's might give them: a list, a str of a subclass."""

    def forms(self, text):
        return [text.lower(), None] if len(text) % 2 else (_Odd(text.upper()), None)


def test_forms_the_c_loop_does_not_know_are_left_to_python(python_only):
    from whoosh.analysis import RegexTokenizer

    def added() -> tuple[dict, int]:
        f = FastTEXT(analyzer=RegexTokenizer(TOKEN) | _OddForms(OTHER))
        terms: dict = {}
        return terms, f.add_postings(MADE_UP[4], None, 0, 1.0, terms)

    c = added()
    python_only()
    assert c == added() and c[1] > 0


def test_repeated_fields_add_the_same_postings(python_only):
    texts = ["Charter of the United Nations", "Charter of the United Nations", "Carta / Preamble", ""]
    _same_postings("en", texts, python_only, field=RepeatedTEXT)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text("abé ’'.-Σİ\u0308 ões", max_size=30), max_size=5))
def test_postings_equal_pythons_on_generated_text(texts):
    for lang in ("pt", OTHER):
        c = _postings(lang, texts)
        saved = schema._postings
        schema._postings = None
        try:
            py = _postings(lang, texts)
        finally:
            schema._postings = saved
        assert list(c[0].items()) == list(py[0].items()) and c[1] == py[1]


def test_items_are_added_as_python_adds_them(python_only):
    items = [(b"a", 1, 1.0, b"x"), (b"b", 2, 2.0, None), (b"a", 1, 0.5, b"")]

    def add() -> tuple[dict, list]:
        terms: dict = {}
        return terms, [schema._add_items(items, d, 1.5, terms) for d in range(3)]

    c = add()
    python_only()
    assert add() == c
    terms: dict = {}
    assert C.add_items([(b"a", 1, 1.0)], 0, 1.0, terms) is None and terms == {}  # not four: Python's
    assert schema._add_items(iter(items), 0, 1.0, terms) == 4  # an iterator is taken too


# ---- folded words -------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(st.text("aZé’'.-\u00ad Σİ\u0308ß1ﬁ", max_size=30))
def test_folded_words_equal_pythons(text):
    c = vocabulary.words_of(text), vocabulary.words_of(text, C.cut(text))
    saved = vocabulary._postings
    vocabulary._postings = None
    try:
        py = vocabulary.words_of(text), vocabulary.words_of(text, _TOKEN.findall(text))
    finally:
        vocabulary._postings = saved
    assert c == py


def test_folded_words_memo_starts_afresh(monkeypatch):
    monkeypatch.setattr(vocabulary, "MEMO", 2)
    memo: dict = {"x": "x", "y": "y"}
    text = "Émigré Émigré B"
    assert C.fold_words(text, C.cut(text), memo, analysis.fold, 2, vocabulary.REFOLD) == {"emigre", "b"}
    assert memo == {"Émigré": "emigre", "B": "b"}


@pytest.mark.parametrize("text", ["İstanbul", "a\u0308", "ΟΔΟΣ", "x \u0331"])
def test_a_text_to_fold_whole_is_left_to_python(text):
    memo: dict = {}
    assert C.fold_words(text, C.cut(text), memo, analysis.fold, 2, vocabulary.REFOLD) is None
    assert memo == {}


# ---- the real PDFs -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real(tmp_path_factory):
    if not CORPUS_REAL.is_dir():
        pytest.skip("../shared/corpus-real is absent")
    folder = tmp_path_factory.mktemp("real")
    shutil.copytree(CORPUS_REAL / "pdf", folder / "pdf", ignore=shutil.ignore_patterns("scanned_un"))
    ws = Workspace(tmp_path_factory.mktemp("real-home") / "home")
    ws.ingest([folder])
    return ws.store


def _rebuilt(store) -> dict[str, str]:
    """A one-process rebuild's files (named without the segment's random id) → SHA-256."""
    rep = IndexManager(store, procs=1).rebuild()
    gen = store.index_dir / rep.generation
    files = {}
    for f in gen.iterdir():
        if not f.name.endswith(".toc") and f.name != "PINCITE":  # both name the segment
            name = f.name.split(".", 1)[-1] if f.name.startswith("MAIN_") else f.name
            files[name] = hashlib.sha256(f.read_bytes()).hexdigest()
    return files


@needs_shared
@pytest.mark.slow
def test_the_real_pdfs_are_indexed_alike(real, python_only):
    units = list(real.units())
    assert len(units) > 3000
    texts = {}
    for u in units:
        assert C.cut(u.text) == _TOKEN.findall(u.text), u.uid
        texts.setdefault(u.lang, []).append(u.text)
    c_words = [vocabulary.words_of(u.text, C.cut(u.text)) for u in units]
    c_files = _rebuilt(real)
    python_only()
    assert [vocabulary.words_of(u.text, _TOKEN.findall(u.text)) for u in units] == c_words
    assert _rebuilt(real) == c_files
    assert {"WORDS", "pst", "trm"} <= set(c_files)


@needs_shared
@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_the_real_units_postings_equal_pythons(real, lang, python_only):
    texts = [u.text for u in real.units() if analysis.field_for(u.lang) == f"text_{lang}"]
    if lang != "pt":
        assert texts
    _same_postings(lang, texts, python_only)

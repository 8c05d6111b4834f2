"""FastTEXT computes a unit's postings in one loop over its words: Whoosh's writer must get from it
exactly what it gets from Whoosh's own TEXT field (same terms, in the same order, same frequencies,
weights and encoded positions), for every analyser and on real text."""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.fields import TEXT
from whoosh.support.charset import accent_map

import conftest
from conftest import CORPUS_REAL, needs_shared
from pincite.index.analysis import (
    OTHER,
    STEMMED,
    TOKEN,
    StemFoldFilter,
    _MemoFilter,
    _unaccented,
    analyzer,
    fold,
)
from pincite.index.schema import FastTEXT, RepeatedTEXT

LANGS = (*STEMMED, OTHER)
MADE_UP = [*conftest.MADE_UP, "word word word Word WORD wörd"]


def _same(lang: str, texts: list[str]) -> None:
    plain, fast, repeated = (cls(analyzer=analyzer(lang)) for cls in (TEXT, FastTEXT, RepeatedTEXT))
    for text in texts:
        want = list(plain.index(text))
        assert list(fast.index(text)) == want, text[:80]
        assert list(repeated.index(text)) == want, text[:80]
        # anything but the plain index call goes through Whoosh's own path
        assert list(fast.index(text, mode="query")) == list(plain.index(text, mode="query"))


@pytest.mark.parametrize("lang", LANGS)
def test_fast_text_postings_equal_whooshs_on_made_up_text(lang):
    _same(lang, MADE_UP)


def test_fast_text_stays_equal_when_the_word_memo_starts_afresh(monkeypatch):
    monkeypatch.setattr(_MemoFilter, "MEMO", 3)
    for lang in ("fr", OTHER):
        _same(lang, MADE_UP * 2)


@needs_shared
@pytest.mark.parametrize("lang", LANGS)
def test_fast_text_postings_equal_whooshs_on_the_un_charter(lang):
    charter = CORPUS_REAL / "txt" / "un_charter"
    paragraphs = [
        p
        for f in sorted(charter.glob("raw_un_charter_*.txt"))
        for p in f.read_text(encoding="utf-8").split("\n\n")
        if p.strip()
    ]
    assert len(paragraphs) > 500
    _same(lang, paragraphs)


# ---- folding: the translation skipped only where it changes nothing ------------------------------
def test_every_character_is_folded_as_lower_then_translate():
    for i in range(sys.maxunicode + 1):
        if not 0xD800 <= i <= 0xDFFF:
            c = chr(i)
            assert fold(c) == c.lower().translate(accent_map), hex(i)
            assert _unaccented(c) == c.translate(accent_map), hex(i)


@settings(max_examples=300, deadline=None)
@given(st.text("aZHIJNPSTWYhijnpstwy1 é-İ̈ß", max_size=12) | st.text(max_size=12))
def test_text_is_folded_as_lower_then_translate(text):
    assert fold(text) == text.lower().translate(accent_map)
    assert _unaccented(text) == text.translate(accent_map)


def _forms_translating_everything(f: StemFoldFilter, text: str) -> tuple[str, str | None]:
    """StemFoldFilter.forms as it was, translating every stem and word."""
    word = text.lower()
    if f.elision is not None:
        word = f.elision.sub("", word)
    for pattern, singular in f.plurals:
        if pattern.search(word):
            word = pattern.sub(singular, word)
            break
    first = f.stem(word).translate(accent_map)
    folded = word.translate(accent_map)
    if folded != word:
        second = f.stem(folded)
        if second != first:
            return first, second
    return first, None


@pytest.mark.parametrize("lang", STEMMED)
def test_stems_are_folded_as_when_every_stem_was_translated(lang):
    f = StemFoldFilter(lang)
    words = {w for text in MADE_UP for w in re.findall(TOKEN, text)}
    words |= {"HIJ", "Nations", "SYSTEM", "2018", "A/68", "l'Union", "Ações", "PÁGINA", "naïve", "ÎLE"}
    if CORPUS_REAL.is_dir():
        for path in sorted((CORPUS_REAL / "txt" / "un_charter").glob("raw_un_charter_*.txt")):
            words |= set(re.findall(TOKEN, path.read_text(encoding="utf-8")))
    for w in sorted(words):
        assert f.forms(w) == _forms_translating_everything(f, w), w

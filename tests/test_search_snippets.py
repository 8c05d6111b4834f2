"""Snippets analyse only the words that can be indexed as a query's term (engine.term_head): the
pre-test must never leave out a word the index would match, in any language's analyser."""

from __future__ import annotations

import re
from functools import cache

import pytest

from conftest import CORPUS_REAL, SAMPLES, needs_shared
from pincite.index.analysis import OTHER, STEMMED, TOKEN, analyzer, fold
from pincite.search import engine


@cache
def _words(shared: bool) -> frozenset[str]:
    words = {"dying", "Lying", "tying", "l’homme", "L'Organisation", "qu’il", "d’une", "ações", "nações", "skies", "news"}
    files = [p for p in SAMPLES.iterdir() if p.suffix in (".md", ".txt")]
    if shared:
        files = [p for sub in ("txt", "html", "xml") for p in (CORPUS_REAL / sub).rglob("*") if p.is_file()]
    for p in files:
        words.update(re.findall(TOKEN, p.read_text(encoding="utf-8", errors="ignore")))
    return frozenset(words)


def _missed(lang: str, words) -> list:
    an = analyzer(lang)
    missed = []
    for w in words:
        fw = fold(w).replace("’", "'")
        missed += [(w, t.text) for t in an(w, mode="index") if engine.term_head(t.text) not in fw]
    return missed


@pytest.mark.parametrize("lang", [*STEMMED, OTHER])
def test_every_word_holds_the_head_of_each_term_it_is_indexed_as(lang):
    assert not _missed(lang, _words(False))


@needs_shared
@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize("lang", [*STEMMED, OTHER])
def test_every_word_of_the_shared_corpus_holds_its_terms_heads(lang):
    assert not _missed(lang, _words(True))


def test_snippet_marks_the_words_of_irregular_stems_and_elisions():
    en = {("text_en", "die"), ("text_en", "lie")}
    assert engine.snippet("Many were dying; others lying.", "en", en) == "Many were <mark>dying</mark>; others <mark>lying</mark>."
    fr = {("text_fr", t.text) for t in analyzer("fr")("homme", mode="query")}
    assert "<mark>l’homme</mark>" in engine.snippet("Les droits de l’homme.", "fr", fr)

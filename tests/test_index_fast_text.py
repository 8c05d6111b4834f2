"""FastTEXT computes a unit's postings in one loop over its words: Whoosh's writer must get from it
exactly what it gets from Whoosh's own TEXT field (same terms, in the same order, same frequencies,
weights and encoded positions), for every analyser and on real text."""

from __future__ import annotations

import pytest
from whoosh.fields import TEXT

from conftest import CORPUS_REAL, needs_shared
from pincite.index.analysis import OTHER, STEMMED, _MemoFilter, analyzer
from pincite.index.schema import FastTEXT, RepeatedTEXT

LANGS = (*STEMMED, OTHER)
MADE_UP = [
    "",
    "   ",
    "Réunion sur la sécurité: l'attention qu'il porte aux migrations, jusqu'à présent.",
    "As nações e a nação; informações, razões e opiniões sobre migração.",
    "The migrants' return-and-reintegration (A/68/190, para. 10 (a)) was U.N.-led in 2018.",
    "Migración, reunión, reunion: MIGRACIÓN y migracion; 1.5 % de 2.000.",
    "Права человека и миграция — 国际移民 — الهجرة الدولية",
    "word word word Word WORD wörd",
]


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

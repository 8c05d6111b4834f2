"""Segmentation of real PDFs scored against gold paragraph lists, with floors in tests/floors.toml."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest

from conftest import CORPUS_REAL, needs_shared
from pincite.corpus.model import FOOTNOTE, HEADING, PARAGRAPH, Unit
from pincite.ingest import readers
from pincite.ingest.evaluate import evaluate, gold_pairs, score

FLOORS = tomllib.loads((Path(__file__).parent / "floors.toml").read_text(encoding="utf-8"))


def unit(seq: int, kind: str, ref: str, text: str, numbered: bool = True) -> Unit:
    return Unit(doc="d", seq=seq, kind=kind, ref=ref, numbered=numbered, text=text)


def test_scorer_needs_the_number_and_the_first_words(tmp_path):
    gold = tmp_path / "g_en_fr.json"
    paras = [
        "Distr.: General 14 August 2019 Original: English",
        "I. Background",
        "1. The present report was prepared pursuant to resolutions 5/1 and 16/21.",
        "2. Joint Submission 7 noted Italy had not ratified the Convention.",
        "(a) the first item of the list;",
        "Bearing in mind its resolution 1/ of 1993,",
        "3. A paragraph that the segmenter lost entirely.",
    ]
    gold.write_text(json.dumps({"paragraphs": [{"main_language": p, "other_language": ""} for p in paras]}))
    units = [
        unit(1, HEADING, "I", "I. Background"),
        unit(2, PARAGRAPH, "1", "The present report was prepared pursuant to resolutions 5/1 and 16/21."),
        unit(
            3, PARAGRAPH, "7", "Joint Submission 7 noted Italy had not ratified the Convention."
        ),  # wrong number
        unit(4, PARAGRAPH, "2 (a)", "the first item of the list;"),
        unit(5, PARAGRAPH, "4", "Bearing in mind its resolution of 1993,", numbered=False),  # call removed
        unit(6, FOOTNOTE, "1", "A/48/803."),
        unit(7, PARAGRAPH, "8", "Page 3"),
    ]
    s = score(gold, units, ["Distr.: General", "14 August 2019", "Original: English"])
    assert (s.found, s.gold, s.masthead) == (5, 7, 1)
    assert s.missed == [paras[3][:100], paras[6][:100]]
    # precision asks whether a unit is a gold paragraph at all (not its number); notes and headings
    # are left out, "Page 3" is not one
    assert (s.matched_units, s.units) == (4, 5)
    assert s.furniture == ["Page 3"]  # a running head that leaked into the units
    s = score(gold, units + [unit(8, PARAGRAPH, "9", "GE.19-13879 resumed text")], [])
    assert s.furniture == ["Page 3", "GE.19-13879 resumed text"] and s.masthead == 0


@pytest.fixture(scope="module", params=readers.ENGINES)
def scores(request):
    """Scores with each PDF engine: the floors hold for both."""
    old = os.environ.get(readers.ENGINE_ENV)
    os.environ[readers.ENGINE_ENV] = request.param
    try:
        return {s.doc: s for s in evaluate(CORPUS_REAL)}
    finally:
        if old is None:
            del os.environ[readers.ENGINE_ENV]
        else:
            os.environ[readers.ENGINE_ENV] = old


@needs_shared
def test_every_gold_document_has_a_floor():
    docs = {doc for doc, _, _ in gold_pairs(CORPUS_REAL)}
    assert len(docs) == 16
    assert docs == set(FLOORS)


@needs_shared
@pytest.mark.parametrize("doc", sorted(FLOORS))
def test_recall_whole_and_precision_floors(scores, doc):
    s = scores[doc]
    assert s.recall >= FLOORS[doc]["recall"], f"{doc}: recall {s.recall:.3f}; missed: {s.missed[:5]}"
    assert s.whole_share >= FLOORS[doc]["whole"], (
        f"{doc}: whole {s.whole_share:.3f}; partial: {s.partial[:5]}"
    )
    assert s.precision >= FLOORS[doc]["precision"], (
        f"{doc}: precision {s.precision:.3f}; extra: {s.extra[:5]}"
    )
    assert s.furniture == [], f"{doc}: running heads or page numbers in units: {s.furniture[:5]}"


@needs_shared
def test_english_gold_documents_reach_ninety_percent(scores):
    for doc in ("ohchr_1_en", "ohchr_2_en", "plan_1_en", "plan_2_en", "ihrda_1_en", "ihrda_2_en"):
        assert scores[doc].recall >= 0.9, doc

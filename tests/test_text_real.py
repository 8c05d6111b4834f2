"""The text reader on real text: General Debate speeches and the UN Charter (../shared)."""

from __future__ import annotations

import re

import pytest

from conftest import CORPUS_REAL, needs_shared
from pincite.ingest.blocks import ReadResult
from pincite.ingest.pipeline import parse_file
from pincite.ingest.readers.text import blocks_from_text
from pincite.ingest.segment import segment


def test_wrapped_text_breaks_after_a_short_sentence_final_line():
    wrapped = "x" * 70
    text = f"{wrapped}\n{wrapped}\nends here.\nNext paragraph {wrapped}\n{wrapped}\n{wrapped}\nend."
    units = segment(ReadResult(blocks_from_text(text)), "t").units
    assert [u.text[:14] for u in units] == [wrapped[:14], "Next paragraph"]


@needs_shared
def test_general_debate_speech_with_bom_and_numbered_paragraphs():
    path = CORPUS_REAL / "txt/ungdc/MEX_35_1980.txt"
    meta, units = parse_file(path, path.name, "mex")
    paras = [u for u in units if u.kind == "paragraph"]
    assert not paras[0].numbered and paras[0].ref == "1"  # the first paragraph prints no number
    assert [u.ref for u in paras[1:6]] == ["2", "3", "4", "5", "6"] and all(u.numbered for u in paras[1:])
    assert "\ufeff" not in paras[0].text
    assert meta["lang"] == "en" and meta["date"] == "1980"


@needs_shared
@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_un_charter_articles_are_headings_and_paragraphs_stay_whole(lang):
    path = CORPUS_REAL / f"txt/un_charter/raw_un_charter_{lang}.txt"
    meta, units = parse_file(path, path.name, f"charter-{lang}")
    heads = [u.text for u in units if u.kind == "heading"]
    articles = [h for h in heads if re.match(r"^(Article|Artículo) \d+$", h)]
    assert len(articles) >= 100  # the Charter has 111 articles
    assert meta["lang"] == lang
    paras = [u for u in units if u.kind == "paragraph"]
    assert all(len(u.text) < 2500 for u in paras)  # no article swallowed its neighbours
    assert sum(1 for u in paras if u.lang == lang) / len(paras) > 0.9

"""Segmentation never loses a non-space character of the body text.

Documents are generated from words, punctuation, list labels, note calls and note bodies, in the
plain-text and markdown layouts. Every non-space character of the input must come out in a unit's
text, in a printed label or note marker the segmenter consumed, or in the furniture it set aside.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pincite.ingest.blocks import ReadResult
from pincite.ingest.readers.markdown import blocks_from_markdown
from pincite.ingest.readers.text import blocks_from_text
from pincite.ingest.segment import segment

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzáéñçABCDEFGHXYZ0123456789", min_size=1, max_size=9)
PUNCT = st.sampled_from(["", "", "", ",", ";", ".", ":"])
LABEL = st.sampled_from(["", "", "", "1. ", "2. ", "(a) ", "(b) ", "(i) ", "3) ", "[4] ", "- ", "· "])


@st.composite
def paragraph(draw):
    words = draw(st.lists(st.tuples(WORD, PUNCT), min_size=1, max_size=25))
    text = " ".join(w + p for w, p in words)
    return draw(LABEL) + text


def chars(s: str) -> Counter:
    return Counter(c for c in s if not c.isspace())


def check(text: str, seg) -> None:
    got = Counter()
    for u in seg.units:
        got.update(chars(u.text))
    for d in seg.dropped:
        got.update(chars(d))
    want = chars(text)
    missing = want - got
    # what may be missing: the label punctuation and bullets taken off into refs
    allowed = Counter()
    for u in seg.units:
        if u.kind == "paragraph" and u.numbered:
            allowed.update(chars(u.ref.split(" ")[-1]) + Counter(".)]([" * 1))
    allowed.update({"-": len(seg.units), "·": len(seg.units)})
    assert not (missing - allowed), f"lost {missing - allowed} from {text!r}"
    # and nothing is invented beyond labels the segmenter shows in refs
    extra = got - want
    assert not extra, f"invented {extra}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(paragraph(), min_size=1, max_size=12))
def test_plain_text_loses_nothing(paras):
    text = "\n\n".join(paras)
    check(text, segment(ReadResult(blocks_from_text(text)), "p"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(paragraph(), min_size=1, max_size=12), st.integers(min_value=1, max_value=4))
def test_hard_wrapped_text_loses_nothing(paras, width_words):
    # wrap every paragraph every few words, the way text pulled from a PDF is
    wrapped = []
    for p in paras:
        words = p.split(" ")
        wrapped.append("\n".join(" ".join(words[i : i + width_words + 2]) for i in range(0, len(words), width_words + 2)))
    text = "\n\n".join(wrapped)
    check(text, segment(ReadResult(blocks_from_text(text)), "p"))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(paragraph(), min_size=1, max_size=10))
def test_markdown_loses_nothing(paras):
    text = "\n\n".join(p.replace("- ", "") for p in paras)
    check(text, segment(ReadResult(blocks_from_markdown(text)), "p"))

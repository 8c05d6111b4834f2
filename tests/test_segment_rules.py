"""Segmentation rules, as tables of (input, expected units). Each rule serves every format."""

from __future__ import annotations

import pytest

from pincite.ingest.blocks import HARD, LINE, PAGE, PARA, Block, ReadResult
from pincite.ingest.readers.markdown import blocks_from_markdown
from pincite.ingest.readers.text import blocks_from_text, layout_of
from pincite.ingest.segment import join_lines, parse_label, segment


def seg_text(text: str):
    return segment(ReadResult(blocks_from_text(text)), "t").units


def seg_md(text: str):
    return segment(ReadResult(blocks_from_markdown(text)), "m").units


def refs(units, kind="paragraph"):
    return [(u.ref, u.numbered) for u in units if u.kind == kind]


LONG = "This sentence is long enough to be a body paragraph and not a heading of any kind at all."


@pytest.mark.parametrize(
    "a, b, joined",
    [
        ("a consid-", "erable effort", "a considerable effort"),
        ("the High-", "level Dialogue", "the High-level Dialogue"),
        ("the post-", "2015 agenda", "the post-2015 agenda"),
        ("ends here", "next line", "ends here next line"),
        ("a dash --", "next", "a dash -- next"),
    ],
)
def test_join_lines_dehyphenates_only_split_words(a, b, joined):
    assert join_lines(a, b) == joined


@pytest.mark.parametrize(
    "text, label",
    [
        ("1. Text", ("num-dot", "1")),
        ("10.\tText", ("num-dot", "10")),
        ("3) Text", ("num-close", "3")),
        ("(a) Text", ("alpha-paren", "a")),
        ("(iv) Text", ("roman-paren", "iv")),
        ("[3] Text", ("num-bracket", "3")),
        ("(1) Text", ("num-paren", "1")),
        ("a. Text", ("alpha-dot", "a")),
        ("2013. Text", ("num-dot", "2013")),
        ("1.5 million people", None),
        ("e.g. something", None),
        ("Text (a) inside", None),
    ],
)
def test_labels(text, label):
    got = parse_label(text)
    assert (got[:2] if got else None) == label


@pytest.mark.parametrize(
    "doc, expected",
    [
        # numbered paragraphs with sub-items and sub-sub-items
        (
            f"1. {LONG}\n\n(a) {LONG}\n\n(i) {LONG}\n\n(ii) {LONG}\n\n(b) {LONG}\n\n2. {LONG}",
            [("1", True), ("1 (a)", True), ("1 (a) (i)", True), ("1 (a) (ii)", True), ("1 (b)", True), ("2", True)],
        ),
        # (i) after (h) is the ninth letter, not a roman numeral
        (
            "\n\n".join([f"5. {LONG}"] + [f"({c}) {LONG}" for c in "abcdefghij"]),
            [("5", True)] + [(f"5 ({c})", True) for c in "abcdefghij"],
        ),
        # unnumbered paragraphs take their position, printed numbers are kept
        (f"{LONG}\n\n{LONG}\n\n1) {LONG}\n\n{LONG}", [("1", False), ("2", False), ("1", True), ("4", False)]),
        # bracketed numbers
        (f"[1] {LONG}\n\n[2] {LONG}", [("1", True), ("2", True)]),
    ],
)
def test_numbering_levels(doc, expected):
    assert refs(seg_text(doc)) == expected


def test_numbering_restarts_in_an_annex():
    doc = f"1. {LONG}\n\n2. {LONG}\n\nAnnex\n\n1. {LONG}\n\n(a) {LONG}"
    units = seg_text(doc)
    assert [(u.part, u.ref) for u in units if u.kind == "paragraph"] == [
        ("", "1"), ("", "2"), ("annex", "1"), ("annex", "1 (a)"),
    ]  # fmt: skip


@pytest.mark.parametrize("marker", ["CONSIDERANDO:", "RESUELVE:", "VISTO:", "Annex II", "Enclosure"])
def test_parts(marker):
    units = seg_text(f"1. {LONG}\n\n{marker}\n\n1. {LONG}")
    parts = [u.part for u in units if u.kind == "paragraph"]
    assert parts[0] == "" and parts[1] != "" and parts[1].lower().startswith(marker.split()[0].lower().rstrip(":"))


@pytest.mark.parametrize(
    "brk, nxt, joins",
    [
        (PAGE, "continues the sentence here.", True),
        (PAGE, "New sentence on a new page.", True),  # the paragraph had not ended
        (PARA, "continues in lower case.", True),
        (PARA, "Starts a new paragraph.", False),
        (HARD, "continues in lower case.", False),
    ],
)
def test_page_and_paragraph_breaks(brk, nxt, joins):
    blocks = [Block("The text runs on to the next page", brk=PARA), Block(nxt, brk=brk)]
    units = segment(ReadResult(blocks), "t").units
    assert (len(units) == 1) == joins


def test_page_break_after_a_finished_sentence_starts_a_new_paragraph():
    blocks = [Block(LONG, brk=PARA), Block("Another paragraph on the next page, long enough to count.", brk=PAGE)]
    assert len(segment(ReadResult(blocks), "t").units) == 2


def test_line_blocks_split_where_a_label_starts_after_a_full_stop():
    blocks = [Block("Intro ends here:\n(a) first item;\n(b) second item.", brk=PARA)]
    units = segment(ReadResult(blocks), "t").units
    assert [u.text for u in units] == ["Intro ends here:", "first item;", "second item."]
    assert [u.ref for u in units] == ["1", "[1] (a)", "[1] (b)"]  # "(a)" printed, "1" assigned


def test_notes_between_a_paragraph_and_its_continuation():
    blocks = [
        Block("A paragraph that is cut by the page foot in the", brk=PARA),
        Block("A note body.", note="1"),
        Block("middle of its sentence.", brk=PAGE),
    ]
    units = segment(ReadResult(blocks), "t").units
    assert [(u.kind, u.text) for u in units] == [
        ("paragraph", "A paragraph that is cut by the page foot in the middle of its sentence."),
        ("footnote", "A note body."),
    ]


@pytest.mark.parametrize(
    "md, text, notes",
    [
        ("Word^a and more^12 here.", "Word and more here.", ("a", "12")),
        ("The 11<sup>th</sup> meeting<sup>2</sup>.", "The 11th meeting.", ("2",)),
        ("See the list* and *italic* text.", "See the list and italic text.", ("*",)),
        ("A [link](http://x.org) and **bold**.", "A link and bold.", ()),
        ("A footnote[^3] here.", "A footnote here.", ("3",)),
    ],
)
def test_markdown_inline(md, text, notes):
    units = seg_md(md + "\n\n* Note.\n" if "*" in md and "list*" in md else md)
    body = [u for u in units if u.kind == "paragraph"]
    assert body[0].text == text and body[0].notes == notes


@pytest.mark.parametrize(
    "md, ref, text",
    [
        ("Body^a text here.\n\n^a The note.", "a", "The note."),
        ("Body<sup>1</sup> text.\n\n<sup>1</sup> The note.", "1", "The note."),
        ("Body[^n1] text.\n\n[^n1]: The note.", "n1", "The note."),
    ],
)
def test_markdown_note_bodies(md, ref, text):
    notes = [u for u in seg_md(md) if u.kind == "footnote"]
    assert [(n.ref, n.text) for n in notes] == [(ref, text)]


def test_text_layouts():
    double = "line one of text\n\nline two of text\n\n \n\nnext para\n\n" * 3
    assert layout_of(double.split("\n")) == "double-spaced"
    assert layout_of(("x" * 200 + "\n").split("\n") * 3) == "lines"


def test_headings_in_capitals_and_short_title_lines():
    units = seg_text(f"FIRST SESSION\n\n{LONG}\n\nSession introduction\n\n{LONG}")
    assert [(u.kind, u.text) for u in units][:3] == [
        ("heading", "FIRST SESSION"), ("paragraph", LONG), ("heading", "Session introduction"),
    ]  # fmt: skip
    assert units[-1].headings == ("FIRST SESSION", "Session introduction")


def test_a_short_last_line_is_not_a_heading():
    units = seg_text(f"{LONG}\n\nLima, 23 May 2013")
    assert units[-1].kind == "paragraph" and not units[-1].numbered


def test_toc_lines_are_not_paragraphs():
    units = seg_text(f"Introduction ........ 3\n\nBackground . . . . . . 5\n\n{LONG}")
    assert [u.text for u in units] == [LONG]


def test_line_blocks_in_one_paragraph():
    blocks = [Block("first line of a", brk=PARA), Block("paragraph that wraps", brk=LINE)]
    assert [u.text for u in segment(ReadResult(blocks), "t").units] == ["first line of a paragraph that wraps"]

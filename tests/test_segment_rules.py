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
            [
                ("1", True),
                ("1 (a)", True),
                ("1 (a) (i)", True),
                ("1 (a) (ii)", True),
                ("1 (b)", True),
                ("2", True),
            ],
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
    assert (
        parts[0] == ""
        and parts[1] != ""
        and parts[1].lower().startswith(marker.split()[0].lower().rstrip(":"))
    )


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
    blocks = [
        Block(LONG, brk=PARA),
        Block("Another paragraph on the next page, long enough to count.", brk=PAGE),
    ]
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
    assert [u.text for u in segment(ReadResult(blocks), "t").units] == [
        "first line of a paragraph that wraps"
    ]


def seg_blocks(*texts: str, brk: str = PARA):
    return segment(ReadResult([Block(text=t, brk=brk) for t in texts]), "b").units


def test_a_table_of_contents_under_its_heading_is_not_paragraphs():
    """A statute's ARRANGEMENT OF SECTIONS (no dot leaders): its entries are not the sections; the
    contents end where the title is printed again."""
    units = seg_blocks(
        "THE PREVENTION OF TRAFFICKING IN PERSONS ACT, 2009.", "ARRANGEMENT OF SECTIONS.", "PART I—PRELIMINARY",
        "1. Commencement", "2. Interpretation", "17. Absence of Victims and Court Awards.",
        "THE PREVENTION OF TRAFFICKING IN PERSONS ACT, 2009.", "1. Commencement.",
        "This Act shall come into force upon publication in the Gazette.", "2. Interpretation.",
    )  # fmt: skip
    numbered = [(u.ref, u.text) for u in units if u.numbered and u.kind == "paragraph"]
    assert numbered == [("1", "Commencement."), ("2", "Interpretation.")]
    assert not any("ARRANGEMENT" in u.text or "Absence" in u.text for u in units)


def test_contents_end_at_the_first_sentence():
    units = seg_blocks("Contents", "1. Introduction", "2. Scope", f"1. {LONG}", f"2. {LONG}")
    assert [u.ref for u in units if u.kind == "paragraph"] == ["1", "2"]
    assert all(u.text == LONG for u in units if u.kind == "paragraph")


def test_endnotes_under_a_notes_heading_with_bracketed_calls():
    units = seg_blocks(
        f"1. Hace 30 años, en Estocolmo [1]. {LONG}", f"2. En Río de Janeiro [2], convinimos. {LONG}",
        "Notas:", "(1) Informe de la Conferencia, Estocolmo.", "(2) Informe de la Conferencia, Río.",
        "Declaración aprobada en la 17ª sesión plenaria.",
    )  # fmt: skip
    paras = {u.ref: u for u in units if u.kind == "paragraph" and u.numbered}
    notes_ = {u.ref: u.text for u in units if u.kind == "footnote"}
    assert notes_ == {"1": "Informe de la Conferencia, Estocolmo.", "2": "Informe de la Conferencia, Río."}
    assert paras["1"].notes == ("1",) and "[1]" not in paras["1"].text
    assert paras["2"].notes == ("2",) and paras["2"].text.startswith("En Río de Janeiro, convinimos.")
    assert any(u.text.startswith("Declaración aprobada") and u.kind == "paragraph" for u in units)


def test_bracketed_numbers_are_calls_only_when_the_notes_exist():
    units = seg_blocks(f"1. As in [3] above. {LONG}", "Notes", "(1) A note.")
    assert "[3]" in next(u.text for u in units if u.ref == "1" and u.kind == "paragraph")


def test_statute_sections_keep_their_subsections_under_them():
    """ "19. Extra-Territorial Jurisdiction." then its text, then (1)…; "In this Act, unless the context
    otherwise requires—" introduces the list (not a heading); "13." after "(11)" is a new section."""
    units = seg_blocks(
        "2. Interpretation.", "In this Act, unless the context otherwise requires—", "(a) “child” means a person;",
        "(b) “Gazette” means the Uganda Gazette;", "12. Protection of victims.", "(1) A victim shall be protected.",
        "(11) The protection shall be provided by Government.", "13. Confidentiality.",
        "(1) At any stage of the trial the privacy of the victim shall be respected.",
    )  # fmt: skip
    got = [u.ref for u in units if u.kind == "paragraph" and u.numbered]
    assert got == ["2", "2 (a)", "2 (b)", "12", "12 (1)", "12 (11)", "13", "13 (1)"]
    assert not any(u.kind == "heading" for u in units)


def test_a_capital_heading_before_a_page_break_does_not_run_on():
    units = segment(
        ReadResult([Block(text="JUDGMENT"), Block(text="VAN DER WESTHUIZEN J (Khampepe J concurring):", brk=PAGE),
                    Block(text=f"[1] {LONG}")]), "b").units  # fmt: skip
    assert units[0].text == "JUDGMENT"


def test_a_session_range_in_the_masthead_is_not_the_documents_date():
    """ "1" and "- 5 December 2014" (a session's dates, set as two masthead pieces) do not date a
    statement that prints its own date under its title."""
    seg = segment(
        ReadResult([Block(text="ELEVENTH REGULAR SESSION", role="masthead"), Block(text="1", role="masthead"),
                    Block(text="- 5 December 2014", role="masthead"),
                    Block(text="Declaration on membership\nWCPFC11-2014-OP16\n01 December 2014", heading=2),
                    Block(text=LONG)]), "b")  # fmt: skip
    assert seg.meta["date"] == "2014-12-01"


def test_an_address_set_line_by_line_is_a_contact_block():
    units = seg_blocks("PO Box 240, Apia,\nSamoa\nE: sprep@sprep.org\nT: +685 21929", LONG)
    assert [u.text for u in units] == [LONG]


@pytest.mark.parametrize("read", [seg_text, seg_md, lambda t: seg_blocks(t.replace("\n", " "))])
def test_paragraphs_that_run_on_inline_are_split_in_every_reader(read):
    text = (
        "1. The meeting opened with a statement of the Chair. 2. Representatives of chairs and secretariats "
        "participated, as in para. 3. They met in 2013. 3. As host of the third meeting, Botswana spoke. "
        "4) is not the next number."
    )
    got = [(u.ref, u.text[:24]) for u in read(text) if u.kind == "paragraph"]
    assert got == [
        ("1", "The meeting opened with "), ("2", "Representatives of chair"), ("3", "As host of the third mee"),
    ]  # fmt: skip


def test_a_run_on_split_keeps_the_note_calls_where_they_were():
    units = segment(
        ReadResult([Block(text="1. First ends here. 2. Second starts here.", calls=((19, "7"), (24, "8")))]),
        "b",
    ).units
    assert [(u.ref, u.text, u.notes) for u in units] == [
        ("1", "First ends here.", ("7",)),
        ("2", "Second starts here.", ("8",)),
    ]


def test_numbered_agenda_items_are_items_not_headings():
    md = (
        "# Procès-verbal de la réunion\n\n## 1. Ouverture de la séance\n\n"
        f"La séance est ouverte à 10 heures. {LONG}\n\n## 2. Adoption de l'ordre du jour\n\n"
        f"L'ordre du jour est adopté. {LONG}\n"
    )
    units = seg_md(md)
    assert [(u.ref, u.text) for u in units if u.numbered] == [
        ("1", "Ouverture de la séance"), ("2", "Adoption de l'ordre du jour")
    ]  # fmt: skip
    assert [u.kind for u in units].count("heading") == 1


def test_a_numbered_section_title_over_numbered_paragraphs_stays_a_heading():
    units = seg_md(f"## 1. Introduction\n\n1.1 {LONG}\n\n1.2 {LONG}\n")
    assert units[0].kind == "heading" and [u.ref for u in units[1:]] == ["1.1", "1.2"]


def test_markdown_headings_typed_without_a_space():
    units = seg_md(f"##Protocol against the Smuggling of Migrants\n\n{LONG}\n\n#hashtag {LONG}\n")
    assert units[0].kind == "heading" and units[0].text == "Protocol against the Smuggling of Migrants"
    assert units[2].text.startswith("#hashtag")

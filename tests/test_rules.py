"""Table tests of the shared document-family rules (pincite.ingest.rules): one row per rule."""

from __future__ import annotations

import pytest

from pincite.ingest.rules import furniture, labels, notes, parts


# ---- the grammar of printed labels: input line -> (style, value, rank, rest) ----------------------
@pytest.mark.parametrize(
    "line, style, value, rank, rest",
    [
        ("8. The Committee welcomed", "num-dot", "8", 1, "The Committee welcomed"),
        ("60. 2017 saw the entry into force", "num-dot", "60", 1, "2017 saw the entry into force"),
        ("5.", "num-dot", "5", 1, ""),
        ("115.6 Ratify the Convention", "legal", "115.6", 2, "Ratify the Convention"),
        ("1.2.3 Scope of the rule", "legal", "1.2.3", 3, "Scope of the rule"),
        ("3.1.", "legal", "3.1", 2, ""),
        ("140.252 Continue its efforts", "legal", "140.252", 2, "Continue its efforts"),
        ("(a) the first item;", "alpha-paren", "a", 2, "the first item;"),
        ("(aa) a letter past z", "alpha-paren", "aa", 2, "a letter past z"),
        ("a. Do not detain children", "alpha-dot", "a", 2, "Do not detain children"),
        ("a) species which may be affected", "alpha-dot", "a", 2, "species which may be affected"),
        ("(iv) modification to gear", "roman-paren", "iv", 3, "modification to gear"),
        ("iv. The right to work", "roman-dot", "iv", 3, "The right to work"),
        ("i. The right to work", "alpha-dot", "i", 2, "The right to work"),  # the segmenter decides in context
        ("ii) training State agents", "roman-dot", "ii", 3, "training State agents"),
        ("[3] It is trite that sentences", "num-bracket", "3", 1, "It is trite that sentences"),
        ("[12]", "num-bracket", "12", 1, ""),
        ("(2) Participation in the meeting", "num-paren", "2", 2, "Participation in the meeting"),
        ("3) This October 2013 second", "num-close", "3", 1, "This October 2013 second"),
        ("5., 6., 7., 8., 9. Accepted", "num-group", "5-9", 1, "Accepted"),
        ("12., 14. and 15. Noted", "num-group", "12,14,15", 1, "Noted"),
        ("40., 41., 42., 43., 44. Supported", "num-group", "40-44", 1, "Supported"),
    ],
)
def test_label_grammar(line, style, value, rank, rest):
    lab = labels.parse(line)
    assert lab is not None, line
    assert (lab.style, lab.value, lab.rank, lab.rest) == (style, value, rank, rest)


@pytest.mark.parametrize(
    "line",
    [
        "3.5 per cent of the population",  # a decimal, not a multi-level number
        "2013 was a year of change",  # a year opening a sentence
        "a. m. on Monday",  # a dotted letter needs a capital after it
        "Mornah v. Benin",
        "iv) ",  # a closing-bracket label needs its text
        "1/ Official Records",  # a note label, not a paragraph label
        "12.30 hours",
        "[2013] ZACC 15",  # a neutral citation's year
    ],
)
def test_not_labels(line):
    assert labels.parse(line) is None


def test_old_un_note_labels_are_note_rules():
    lab = labels.parse("2/ A/48/803.", kinds=("note",))
    assert lab is not None and (lab.style, lab.value, lab.kind, lab.rest) == ("note-slash", "2", "note", "A/48/803.")


@pytest.mark.parametrize(
    "line, starts",
    [
        ("115.6 Ratify", True),
        ("(iv) modification", True),
        ("[3] It is", True),
        ("48/246. Financing of", True),
        ("- a bullet", True),
        ("20 May 2022, and its Progress", False),  # a wrapped line opening with a date is no item
        ("and the Convention", False),
    ],
)
def test_item_starts(line, starts):
    assert labels.starts_item(line) is starts


@pytest.mark.parametrize(
    "text, bare, only",
    [("5.", False, True), ("(a)", False, True), ("[3]", False, True), ("iv.", False, True), ("3.1.", False, True),
     ("5., 6.", False, True), ("12", False, False), ("12", True, True), ("5. Text", False, False)],
)  # fmt: skip
def test_label_only(text, bare, only):
    assert labels.label_only(text, bare=bare) is only


# ---- page furniture and mastheads ----------------------------------------------------------------
@pytest.mark.parametrize(
    "line, kind",
    [
        ("GE.15-10722 (E)", "ge-job"),
        ("GE:09-17825 Page 4", "ge-job"),
        ("13-37899 (E) 210819", "job"),
        ("21-02065 2/2", "job-page"),
        ("2/2 21-02065", "page-job"),
        ("- 2 -", "dash-page"),
        ("–7–", "dash-page"),
        ("Page 4", "page-word"),
        ("Página 3 de 12", "page-word"),
        ("2/5", "page-of"),
        ("17", "bare-page"),
        ("xiv", "roman-page"),
        ("*1913879*", "barcode"),
        ("Please recycle", "recycle"),
        ("/...", "continued"),
        ("The Commission adopted the agenda.", ""),
        ("2017 saw the entry into force", ""),
    ],
)
def test_furniture(line, kind):
    assert furniture.furniture_kind(line) == kind


@pytest.mark.parametrize(
    "text, leak",
    [("GE.15-10722 (E)", True), ("resumed text GE.19-13879 more", True), ("Page 3", True), ("4", True),
     ("The 1990 Convention", False), ("resolution 57/301 of 2003", False)],
)  # fmt: skip
def test_leaks(text, leak):
    assert furniture.leaks(text) is leak


@pytest.mark.parametrize(
    "line, masthead",
    [("United Nations", True), ("Distr.: General", True), ("Original: English", True), ("Seventy-sixth session", True),
     ("Human Rights Council", True), ("The General Assembly,", False)],
)  # fmt: skip
def test_masthead(line, masthead):
    assert furniture.is_masthead_line(line) is masthead


def test_symbol_running_heads():
    assert furniture.SYMBOL_HEAD_RE.match("A/HRC/WG.6/34/ITA/3")
    assert furniture.SYMBOL_HEAD_RE.match("A/68/190 page 4")
    assert not furniture.SYMBOL_HEAD_RE.match("and/or more")


# ---- parts that restart the numbering -------------------------------------------------------------
@pytest.mark.parametrize(
    "line, part, rest",
    [
        ("Annex", "annex", ""),
        ("Annex II", "annex II", ""),
        ("Anexo I", "annex I", ""),
        ("Enclosure", "enclosure", ""),
        ("Appendix to the report", "appendix", ""),
        ("CONSIDERANDO:", "considerando", ""),
        ("RESUELVE:", "resuelve", ""),
        ("Decides:", "decides", ""),
        ("VOTO DISIDENTE DEL JUEZ A. A. CANÇADO TRINDADE", "voto disidente", ""),
        ("Artículo I. Todo ser humano tiene derecho", "article I", "Todo ser humano tiene derecho"),
        ("Principio 3 .- Debe mantenerse", "principle 3", "Debe mantenerse"),
        ("Section 4 – Aggravated trafficking", "section 4", "Aggravated trafficking"),
    ],
)
def test_parts(line, part, rest):
    assert parts.parse_part(line) == (part, rest)


@pytest.mark.parametrize(
    "line",
    ["Article 7 of the American Convention contains", "Annexes to this report are many", "Section heads met",
     "Artículo 5", "ARTICLE 12"],  # alone on a line: a heading, not (yet) a part
)
def test_not_parts(line):
    assert parts.parse_part(line) is None


# ---- tables of contents and notes under a heading of their own --------------------------------------
@pytest.mark.parametrize(
    "line, toc",
    [("ARRANGEMENT OF SECTIONS.", True), ("Contents", True), ("Table of contents", True), ("Índice", True),
     ("Sommaire", True), ("Table des matières", True), ("Содержание", True), ("Contents of the report", False),
     ("The contents of the Act", False)],
)  # fmt: skip
def test_toc_headings(line, toc):
    assert furniture.is_toc_heading(line) is toc


@pytest.mark.parametrize(
    "entry, key",
    [("I. Introduction ........................ 1-4 3", "I. Introduction"), ("17. Absence of Victims.", "17. Absence of Victims."),
     ("Annex … 24", "Annex")],
)  # fmt: skip
def test_toc_tails(entry, key):
    assert furniture.TOC_TAIL_RE.sub("", entry) == key


@pytest.mark.parametrize(
    "line, heading",
    [("Notas:", True), ("Notes", True), ("Endnotes", True), ("Notes de fin", True), ("Примечания", True),
     ("Notes on the agenda", False), ("Note verbale", False)],
)  # fmt: skip
def test_notes_headings(line, heading):
    assert notes.notes_heading(line) is heading


@pytest.mark.parametrize(
    "text, note",
    [("(1) Informe de la Conferencia", ("1", 4)), ("12. Ibid., vol. 2", ("12", 4)), ("[3] See above", ("3", 4)),
     ("4 A/78/292.", ("4", 2)), ("Declaración aprobada en la 17ª sesión", None)],
)  # fmt: skip
def test_note_bodies_under_a_heading(text, note):
    assert notes.note_body(text) == note


@pytest.mark.parametrize(
    "text, calls",
    [("deterioro ambiental [1]. Hace", ["1"]), ("Río de Janeiro [2], convinimos", ["2"]),
     ("[3] at a paragraph start", []), ("in paragraph[12] of", ["12"])],
)  # fmt: skip
def test_bracket_calls(text, calls):
    assert [m.group(1) for m in notes.BRACKET_CALL_RE.finditer(text)] == calls

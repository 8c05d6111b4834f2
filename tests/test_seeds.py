"""The traps of the user's five sample documents (shared/seeds/README.md), one table row each."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SAMPLES
from pincite.ingest import readers
from pincite.ingest.pipeline import parse_file, read_sidecar
from pincite.ingest.segment import segment

LETTER = "letter-peru-unga-rcp-chairs-summary-2013.md"
SPEECH = "speech-iom-closing-remarks-lima-2013.txt"
BRIEFING = "briefing-unitar-rcps-2006.md"
REPORT = "report-oas-cam-rcm-sacm-2017.txt"
MINUTES = "minutes-rcm-sacm-virtual-meeting-2017.md"


@pytest.fixture(scope="module")
def parsed():
    out = {}
    for name in (LETTER, SPEECH, BRIEFING, REPORT, MINUTES):
        path = SAMPLES / name
        out[name] = parse_file(path, name, Path(name).stem, read_sidecar(path))
    return out


def units(parsed, name, kind=None, part=None):
    return [u for u in parsed[name][1] if (kind is None or u.kind == kind) and (part is None or u.part == part)]


def unit(parsed, name, ref, kind="paragraph", part=None, numbered=True):
    found = [u for u in units(parsed, name, kind, part) if u.ref == ref and u.numbered == numbered]
    assert len(found) == 1, f"{name}: {kind} {ref} in {part}: {found}"
    return found[0]


# ---- the letter and its annex -----------------------------------------------------------------
def test_letter_part_is_unnumbered_and_annex_restarts_numbering(parsed):
    letter = units(parsed, LETTER, "paragraph", "letter")
    assert letter and all(not u.numbered for u in letter)
    assert letter[0].text.startswith("I have the honour")
    annex = [u.ref for u in units(parsed, LETTER, "paragraph", "annex") if u.numbered]
    top = [r for r in annex if " " not in r]
    assert top == [str(i) for i in range(1, 12)]


@pytest.mark.parametrize(
    "ref, start",
    [
        ("8 (a)", "Migration has become"),
        ("8 (c)", "There are major potential benefits"),
        ("8 (f)", "Participants acknowledged the role of IOM"),
        ("10 (a)", "Regional consultative processes and emerging"),
        ("10 (e)", "Deepening the evidence base"),
    ],
)
def test_sub_items_belong_to_the_paragraph_before(parsed, ref, start):
    assert unit(parsed, LETTER, ref, part="annex").text.startswith(start)


def test_sub_item_broken_by_a_page_break_is_whole(parsed):
    text = unit(parsed, LETTER, "8 (c)", part="annex").text
    assert "High-level Dialogue on International Migration and Development and the IOM" in text
    assert text.endswith("International Dialogue on Migration;")
    assert not any(u.text.startswith("International Migration and Development and the IOM") for u in parsed[LETTER][1])


def test_note_calls_leave_the_text_and_are_listed(parsed):
    p2 = unit(parsed, LETTER, "2", part="annex")
    assert p2.notes == ("a", "b")
    assert "^" not in p2.text and "processes, regional bodies and interregional" in p2.text


@pytest.mark.parametrize(
    "ref, part, start",
    [("a", "annex", "Abu Dhabi Dialogue;"), ("b", "annex", "European Union,"), ("*", "letter", "A/68/50.")],
)
def test_note_bodies_are_footnotes_without_their_marker(parsed, ref, part, start):
    note = unit(parsed, LETTER, ref, kind="footnote", part=part)
    assert note.text.startswith(start)


def test_markup_is_removed(parsed):
    texts = " ".join(u.text for u in parsed[LETTER][1])
    assert "**" not in texts and "*Regional" not in texts
    assert "entitled Regional Inter-State Consultation Mechanisms" in texts


def test_letter_metadata(parsed):
    meta = parsed[LETTER][0]
    assert meta["date"] == "2013-06-28"  # the Distr. date, not the letter's own date
    assert meta["doctype"] == "letter"
    assert meta["title"].startswith("Letter dated 26 June 2013 from the Permanent Representative of Peru")
    assert meta["issuer"] == "Peru"


def test_masthead_is_not_paragraphs(parsed):
    texts = [u.text for u in parsed[LETTER][1]]
    for furniture in ("General Assembly", "Original: English", "Sixty-eighth session", "Distr.: General"):
        assert not any(t.startswith(furniture) for t in texts), furniture


# ---- the speech ---------------------------------------------------------------------------------
def test_speech_items_are_printed_numbers(parsed):
    numbered = [u.ref for u in units(parsed, SPEECH, "paragraph") if u.numbered]
    assert numbered == ["1", "2", "3"]


def test_speech_item_runs_across_the_page_break(parsed):
    text = unit(parsed, SPEECH, "1").text
    assert "making this information exchange platform a reliable source" in text
    assert text.endswith("the RCPs that requested its establishment.")


def test_speech_item_3_starts_after_the_page_break(parsed):
    assert unit(parsed, SPEECH, "3").text.startswith("This October 2013")


def test_speech_blank_lines_are_not_paragraph_breaks(parsed):
    p = [u for u in units(parsed, SPEECH, "paragraph") if u.text.startswith("I come away")][0]
    assert p.text.endswith("that might otherwise prove intractable.")
    assert not p.numbered


def test_speech_spanish_paragraphs_are_tagged_es(parsed):
    spanish = [u for u in parsed[SPEECH][1] if u.text.startswith(("Sr Viceministro quisiera", "Finalmente"))]
    assert len(spanish) == 2 and {u.lang for u in spanish} == {"es"}
    assert unit(parsed, SPEECH, "1").lang == "en"
    assert parsed[SPEECH][0]["lang"] == "en"


def test_speech_has_no_invented_date_or_title_without_its_sidecar():
    data = (SAMPLES / SPEECH).read_bytes()
    seg = segment(readers.read(data, "text"), "speech", SPEECH)
    assert seg.meta.get("title", "") == ""
    assert seg.meta["date"] == "2013"  # only the year the file name gives
    assert seg.meta["doctype"] == "speech"


# ---- the briefing ---------------------------------------------------------------------------------
def test_briefing_sup_note_is_footnote_1_and_ordinal_is_not(parsed):
    notes = units(parsed, BRIEFING, "footnote")
    assert [(n.ref, n.text) for n in notes] == [("1", "This Series is financially supported by UNFPA")]
    heading = [u for u in units(parsed, BRIEFING, "heading") if u.text.startswith("UNITAR/UNFPA/IOM KEY")][0]
    assert heading.notes == ("1",) and "<sup>" not in heading.text
    assert any("its 31st Session last March" in u.text for u in parsed[BRIEFING][1])


def test_briefing_headings_give_the_section_path(parsed):
    p = [u for u in parsed[BRIEFING][1] if u.text.startswith("Mr. Robert Paiva")][0]
    assert p.headings[-1] == "Session I: What is an RCP? Experience of the Secretariats of RCPs"
    assert "SUMMARY OF INTERVENTIONS" in p.headings
    assert p.text.startswith("Mr. Robert Paiva, Director")  # bold speaker name, markup gone


def test_briefing_links_and_contact_block(parsed):
    texts = [u.text for u in parsed[BRIEFING][1]]
    assert any("available from info@unitarny.org or at www.unitarny.org" in t for t in texts)
    assert not any("TEL 212.963.9196" in t or "1 United Nations Plaza" in t for t in texts)
    assert parsed[BRIEFING][0]["date"] == "2006-06-20"
    assert all(not u.numbered for u in units(parsed, BRIEFING, "paragraph"))


# ---- the OAS report -------------------------------------------------------------------------------
def test_report_capital_headings_including_one_broken_over_two_lines(parsed):
    heads = [u.text for u in units(parsed, REPORT, "heading")]
    for h in ("INAUGURAL SESSION", "FIRST SESSION", "SECOND SESSION", "CLOSING SESSION"):
        assert h in heads
    assert "INAUGURAL" not in [u.text for u in parsed[REPORT][1]]


def test_report_bullets_introduce_speakers(parsed):
    speaker = [u for u in parsed[REPORT][1] if u.text.startswith("OAS Assistant Secretary General")]
    assert len(speaker) == 1 and speaker[0].kind == "paragraph" and not speaker[0].numbered
    assert not any(u.text.startswith("·") for u in parsed[REPORT][1])


def test_report_inline_list_stays_inside_its_paragraph(parsed):
    p = [u for u in parsed[REPORT][1] if "1) data compilation; 2) information-sharing" in u.text]
    assert len(p) == 1 and p[0].text.startswith("During consolidation")
    assert "4) organization of information" in p[0].text


def test_report_paragraphs_are_numbered_in_reading_order(parsed):
    paras = units(parsed, REPORT, "paragraph")
    assert [u.ref for u in paras] == [str(i) for i in range(1, len(paras) + 1)]
    assert all(not u.numbered for u in paras)
    assert parsed[REPORT][0]["doctype"] == "report"


# ---- the minutes ------------------------------------------------------------------------------------
def test_minutes_have_no_footnotes_and_keep_ordinals(parsed):
    assert units(parsed, MINUTES, "footnote") == []
    texts = " ".join(u.text for u in parsed[MINUTES][1])
    assert "June 8th" in texts and "the 30th and 31st" in texts and "4th meeting" in texts
    assert all(not u.notes for u in parsed[MINUTES][1])


def test_minutes_bullets_are_paragraphs_and_the_stray_paragraph_too(parsed):
    paras = units(parsed, MINUTES, "paragraph")
    stray = [u for u in paras if u.text.startswith("Panama inquires if IOM knows")]
    assert len(stray) == 1
    before = [u for u in paras if u.text.startswith("Panama mentions that regarding")][0]
    after = [u for u in paras if u.text.startswith("Paraguay asks Chile")][0]
    assert int(before.ref) + 1 == int(stray[0].ref) == int(after.ref) - 1


def test_minutes_item_cut_off_mid_sentence_stays_alone(parsed):
    cut = [u for u in parsed[MINUTES][1] if u.text.endswith("to elaborate inputs for the")]
    assert len(cut) == 1
    assert parsed[MINUTES][0]["date"] == "2017-05-11"
    assert parsed[MINUTES][0]["doctype"] == "minutes"


def test_document_types_are_told_apart(parsed):
    types = {parsed[n][0]["doctype"] for n in parsed}
    assert {"letter", "speech", "report", "minutes"} <= types

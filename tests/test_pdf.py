"""The PDF reader: page geometry → blocks, checked end to end through the segmenter.

Synthetic PDFs (tests/pdfmaker.py) pin each behaviour on a page built for it; the real UN, OAS and
court PDFs in ../shared/corpus-real check the same behaviours where they actually occur. Every test
runs with both engines (PDFium and pypdf): the page model must not depend on which one read the page.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import CORPUS_REAL, needs_shared
from pdfmaker import encrypt, make_pdf
from pincite.corpus.model import FOOTNOTE, HEADING, NEEDS_OCR, NEEDS_PASSWORD, PARAGRAPH
from pincite.errors import DocumentError
from pincite.ingest import readers
from pincite.ingest.pipeline import parse_file
from pincite.ingest.readers import pdf as pdf_reader
from pincite.ingest.segment import segment

PDF = CORPUS_REAL / "pdf"


@pytest.fixture(scope="module", params=readers.ENGINES, autouse=True)
def engine(request):
    """Run the module once per PDF engine (the default engine is read from the environment)."""
    old = os.environ.get(readers.ENGINE_ENV)
    os.environ[readers.ENGINE_ENV] = request.param
    yield request.param
    if old is None:
        del os.environ[readers.ENGINE_ENV]
    else:
        os.environ[readers.ENGINE_ENV] = old


def parse_bytes(data: bytes, name: str = "test.pdf"):
    seg = segment(readers.read(data, "pdf", name), "t", name)
    return seg.meta, seg.units, seg.dropped


def by_ref(units, ref: str, kind: str = PARAGRAPH, part: str = ""):
    found = [u for u in units if u.kind == kind and u.ref == ref and u.numbered and u.part == part]
    assert found, f"no {kind} {ref!r} in part {part!r}"
    return found[0]


# ---- synthetic pages ---------------------------------------------------------------------------
PAGE1 = [
    (56, 800, 10, "United Nations"), (450, 800, 12, "A/70/999"),
    (400, 780, 10, "Distr.: General"), (400, 768, 10, "3 March 2020"), (400, 756, 10, "Original: English"),
    (72, 700, 14, "Report on synthetic documents"),
    (72, 660, 10, "1."), (100, 660, 10, "The first paragraph has a consid-"),
    (72, 648, 10, "erable length and mentions a High-"),
    (72, 636, 10, "level meeting held in Geneva. It closes with a framework"),
    (330, 640, 6, "1"), (334, 636, 10, "."),
    (72, 612, 10, "2."), (100, 612, 10, "The second paragraph runs over the page and does not"),
    (72, 100, 8, "1 A note at the foot of the page."),
    (72, 40, 9, "GE.20-01234 (E)"),
]  # fmt: skip
PAGE2 = [
    (56, 800, 9, "A/70/999"),
    (72, 760, 10, "finish before the break."),
    (72, 736, 10, "3."), (100, 736, 10, "A third paragraph with sub-items:"),
    (100, 712, 10, "(a) the first item;"), (100, 700, 10, "(b) the second item."),
    (500, 40, 9, "2/2"),
]  # fmt: skip


@pytest.fixture(scope="module")
def synthetic(engine):
    return parse_bytes(make_pdf([PAGE1, PAGE2]), "synthetic.pdf")


def test_masthead_is_metadata_not_paragraphs(synthetic):
    meta, units, dropped = synthetic
    assert meta["symbol"] == "A/70/999"
    assert meta["date"] == "2020-03-03"
    assert meta["title"] == "Report on synthetic documents"
    assert meta["pages"] == 2
    texts = [u.text for u in units]
    assert not any("Distr" in t or "Original" in t or t == "United Nations" for t in texts)
    assert "Distr.: General" in dropped


def test_superscript_call_leaves_the_text(synthetic):
    _, units, _ = synthetic
    first = by_ref(units, "1")
    assert first.notes == ("1",)
    assert "framework." in first.text and "framework1" not in first.text
    note = by_ref(units, "1", FOOTNOTE)
    assert note.text == "A note at the foot of the page."


def test_a_call_raised_by_text_rise_is_a_call(engine):
    # Word processors raise a call with the text rise operator (Ts), not by moving the text matrix.
    # pypdf's text visitor does not apply the rise: with pypdf the call stays on the baseline.
    if engine == "pypdf":
        pytest.skip("pypdf does not report the text rise (Ts); PDFium does")
    page = [
        (72, 700, 10, "1."), (100, 700, 10, "The Assembly adopted the resolution"),
        (268, 700, 6, "2", 3.5), (276, 700, 10, "without a vote."),
        (72, 100, 8, "2 Resolution 70/1 of 25 September 2015."),
    ]  # fmt: skip
    _, units, _ = parse_bytes(make_pdf([page]), "rise.pdf")
    para = by_ref(units, "1")
    assert para.text == "The Assembly adopted the resolution without a vote."
    assert para.notes == ("2",)
    assert by_ref(units, "2", FOOTNOTE).text == "Resolution 70/1 of 25 September 2015."


def test_a_note_that_reads_like_a_running_head_is_a_note():
    """Notes whose whole text is a symbol or a short citation ("34 A/HRC/53/26.", "Resolution 70/1.")
    sit in the page's bottom band and repeat from page to page: their raised label says they are notes."""
    pages = []
    for n in range(1, 4):
        pages.append([
            (72, 700, 10, f"{n}."), (100, 700, 10, "The Assembly took note of the report"),
            (262, 704, 6, str(n)), (268, 700, 10, "of the Special Rapporteur on the matter."),
            (72, 60, 6, str(n)), (80, 56, 8, f"A/HRC/5{n}/26."),
            (500, 30, 9, f"{n}/3"),
        ])  # fmt: skip
    _, units, _ = parse_bytes(make_pdf(pages), "notes.pdf")
    assert [(u.ref, u.text) for u in units if u.kind == FOOTNOTE] == [
        ("1", "A/HRC/51/26."),
        ("2", "A/HRC/52/26."),
        ("3", "A/HRC/53/26."),
    ]


def test_a_sub_item_runs_on_across_the_page_break_after_the_running_head_and_footer():
    """ "(c) …" breaks over the page; the next page opens, after its running head, with the rest of
    (c), indented as (c)'s own lines: it is (c)'s text, and (d)-(f) stay under 8."""
    page1 = [
        (56, 800, 9, "A/HRC/10/1"),
        (72, 700, 10, "8."), (100, 700, 10, "The Council recommends that the State:"),
        (100, 686, 10, "(a) ratify the Convention on the Rights of Migrant Workers;"),
        (100, 672, 10, "(b) adopt a national plan of action against trafficking in persons;"),
        (100, 658, 10, "(c) ensure that every child born on its territory is registered at birth,"),
        (100, 644, 10, "whatever the status of the parents, and that the registration by the"),
        (72, 40, 9, "GE.09-17825 (E)"),
    ]  # fmt: skip
    page2 = [
        (56, 800, 9, "A/HRC/10/1"),
        (100, 760, 10, "Civil Registry is free of charge and open to every family in its territory;"),
        (100, 746, 10, "(d) protect the rights of asylum seekers;"),
        (100, 732, 10, "(e) train its border officials;"),
        (100, 718, 10, "(f) report on these measures."),
        (72, 694, 10, "9. The Council also took note of the answers given by the delegation of the"),
        (72, 680, 10, "State under review to the questions raised during the interactive dialogue"),
        (72, 666, 10, "and welcomed the commitment to follow up on the recommendations made."),
        (72, 40, 9, "GE.09-17825 (E)"),
    ]  # fmt: skip
    _, units, _ = parse_bytes(make_pdf([page1, page2]), "hrc.pdf")
    numbered = [u.ref for u in units if u.kind == PARAGRAPH and u.numbered]
    assert numbered == ["8", "8 (a)", "8 (b)", "8 (c)", "8 (d)", "8 (e)", "8 (f)", "9"]
    assert by_ref(units, "8 (c)").text.endswith(
        "registration by the Civil Registry is free of charge and open to every family in its territory;"
    )
    assert not any(u.kind == PARAGRAPH and not u.numbered for u in units)


def test_calls_in_body_type_raised_by_a_text_rise_are_calls(engine):
    """ "processes,ᵃ regional bodiesᵇ": letter calls set in the body's type size, raised by Ts only."""
    if engine == "pypdf":
        pytest.skip("pypdf does not report the text rise (Ts); PDFium does")
    page = [
        (72, 700, 10, "2."), (100, 700, 10, "Representatives of processes,"),
        (250, 700, 10, "a", 3.5), (256, 700, 10, " regional bodies"), (340, 700, 10, "b", 3.5),
        (346, 700, 10, " and forums took part."),
        (72, 110, 6, "a", 3.0), (78, 110, 8, "Abu Dhabi Dialogue; Bali Process."),
        (72, 98, 6, "b", 3.0), (78, 98, 8, "African Union; League of Arab States."),
    ]  # fmt: skip
    _, units, _ = parse_bytes(make_pdf([page]), "rise.pdf")
    para = by_ref(units, "2")
    assert para.text == "Representatives of processes, regional bodies and forums took part."
    assert para.notes == ("a", "b")


def test_both_engines_build_the_same_page_model():
    """The segmenter cannot tell which engine read a page: same lines, sizes, baselines, calls."""

    def model(engine: str):
        data = make_pdf([PAGE1, PAGE2])
        runs = (
            pdf_reader._pages_pypdf(data, "s.pdf")
            if engine == "pypdf"
            else pdf_reader._pages_pdfium(data, "s.pdf")
        )
        return [
            (ln.text, round(ln.size, 1), round(ln.y), round(ln.x0), ln.calls)
            for no, _, _, _, rs in runs
            for ln in pdf_reader.build_lines(rs, no)
        ]

    assert model("pdfium") == model("pypdf")


@needs_shared
def test_both_engines_read_real_pages_alike():
    from pypdf import PdfReader

    from pincite.ingest.readers import pdfium

    data = (PDF / "un" / "hrdtee_ohchr_1_en.pdf").read_bytes()
    page = PdfReader(__import__("io").BytesIO(data)).pages[1]
    a = [(ln.text, round(ln.size), ln.calls) for ln in pdf_reader.build_lines(pdf_reader.page_runs(page), 2)]
    with pdfium.Document(data, "x") as doc:
        p = doc.page(1)
        b = [(ln.text, round(ln.size), ln.calls) for ln in pdf_reader.build_lines(p.runs(), 2)]
        p.close()
    assert len(a) == len(b) > 30
    assert sum(x == y for x, y in zip(a, b, strict=True)) >= 0.95 * len(a)
    assert ("made regarding the establishment of a NHRI.", 10, [(43, "13")]) in b  # a 6 pt call


def test_line_end_hyphens(synthetic):
    text = by_ref(synthetic[1], "1").text
    assert "considerable length" in text  # consid- + erable: one word
    assert "High-level meeting" in text  # High- + level: the word keeps its hyphen


def test_paragraph_runs_over_the_page_break(synthetic):
    _, units, _ = synthetic
    assert by_ref(units, "2").text.endswith("does not finish before the break.")
    assert not any(u.text.startswith("finish before") for u in units)


def test_sub_items_nest_under_their_paragraph(synthetic):
    _, units, _ = synthetic
    assert by_ref(units, "3 (a)").text == "the first item;"
    assert by_ref(units, "3 (b)").text == "the second item."


def test_running_heads_and_feet_are_dropped(synthetic):
    _, units, dropped = synthetic
    texts = " | ".join(u.text for u in units)
    assert "GE.20" not in texts and "2/2" not in texts
    assert not any(u.text == "A/70/999" for u in units)
    assert "2/2" in dropped and "GE.20-01234 (E)" in dropped


def test_table_of_contents_is_not_paragraphs():
    page = [
        (72, 760, 14, "Contents"),
        (72, 730, 10, "I. Introduction ........................................ 1-4 3"),
        (72, 718, 10, "II. A heading long enough to run over"),
        (90, 706, 10, "two lines ................................................ 5-9 4"),
        (72, 680, 10, "1. The body starts here and is a real paragraph of the document."),
    ]
    _, units, _ = parse_bytes(make_pdf([page]))
    assert [u.text for u in units if u.kind == PARAGRAPH] == [
        "The body starts here and is a real paragraph of the document."
    ]


def test_a_page_without_text_needs_ocr():
    with pytest.raises(DocumentError) as e:
        readers.read(make_pdf([[], []]), "pdf", "scan.pdf")
    assert e.value.status == NEEDS_OCR
    assert "OCR" in e.value.reason


def test_encrypted_with_a_password_needs_it():
    data = encrypt(make_pdf([PAGE1]), user_password="secret")
    with pytest.raises(DocumentError) as e:
        readers.read(data, "pdf", "locked.pdf")
    assert e.value.status == NEEDS_PASSWORD
    assert "password" in e.value.reason


def test_encrypted_with_the_empty_password_opens():
    data = encrypt(make_pdf([PAGE1, PAGE2]), user_password="")
    meta, units, _ = parse_bytes(data)
    assert meta["symbol"] == "A/70/999"
    assert by_ref(units, "3 (b)").text == "the second item."


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "empty"),
        (b"%PDF-1.4\n" + b"x" * 500, "damaged"),
        (b"hello, not a pdf at all", "not a PDF"),
    ],
)
def test_broken_files_fail_with_a_reason(data, words):
    with pytest.raises(DocumentError) as e:
        readers.read(data, "pdf", "bad.pdf")
    assert e.value.status == "failed"
    assert words in e.value.reason


def test_truncated_file_fails_with_a_reason():
    data = make_pdf([PAGE1, PAGE2])
    with pytest.raises(DocumentError) as e:
        readers.read(data[: len(data) // 2], "pdf", "cut.pdf")
    assert e.value.status == "failed"


# ---- the real corpus -----------------------------------------------------------------------------
UN_FILES = sorted(p.name for p in (PDF / "un").glob("*.pdf")) if (PDF / "un").is_dir() else []


@pytest.fixture(scope="module")
def parsed(engine):
    """Parse each corpus PDF once per engine, through the pipeline's entry point."""
    cache: dict[str, tuple] = {}

    def get(rel: str):
        if rel not in cache:
            path = PDF / rel
            cache[rel] = parse_file(path, path.name, Path(rel).stem)
        return cache[rel]

    return get


@needs_shared
@pytest.mark.parametrize(
    "rel, symbol, date, doctype",
    [
        ("un/hrdtee_ohchr_1_en.pdf", "A/HRC/WG.6/34/ITA/3", "2019-08-14", "report"),
        ("un/hrdtee_ohchr_1_ru.pdf", "A/HRC/WG.6/34/ITA/3", "2019-08-14", None),
        ("un/hrdtee_ohchr_2_en.pdf", "A/HRC/WG.6/7/ITA/1", "2009-11-16", "national report"),  # it says so
        ("un/hrdtee_ohchr_2_fr.pdf", "A/HRC/WG.6/7/ITA/1", "2009-11-16", "national report"),
        ("un/hrdtee_plan_1_en.pdf", "A/RES/48/246", "1994-05-11", "resolution"),
        ("un/hrdtee_plan_1_es.pdf", "A/RES/48/246", "1994-05-11", "resolution"),
        ("un/hrdtee_plan_2_en.pdf", "A/RES/48/161", "1994-01-21", "resolution"),
        ("un/hrdtee_plan_2_fr.pdf", "A/RES/48/161", "1994-01-21", "resolution"),
        ("un/ppe_test_A_INF_76_1.pdf", "A/INF/76/1", "2021-02-15", "note"),
    ],
)
def test_un_masthead(rel, symbol, date, doctype, parsed):
    meta, units = parsed(rel)
    assert meta["symbol"] == symbol
    assert meta["date"] == date
    if doctype:
        assert meta["doctype"] == doctype
    assert meta["pages"] >= 2
    assert not any(u.text.startswith(("Distr", "Original:")) for u in units)


@needs_shared
def test_un_titles(parsed):
    assert parsed("un/hrdtee_ohchr_1_en.pdf")[0]["title"] == "Summary of Stakeholders’ submissions on Italy"
    assert parsed("un/hrdtee_plan_1_en.pdf")[0]["title"].startswith("48/246. Financing of the United Nations")


@needs_shared
def test_printed_paragraph_numbers_ohchr(parsed):
    _, units = parsed("un/hrdtee_ohchr_1_en.pdf")
    refs = [u.ref for u in units if u.kind == PARAGRAPH and u.numbered]
    assert refs == [str(i) for i in range(1, 95)]
    assert by_ref(units, "5").text.startswith("Volontariato Internazionale per lo Sviluppo (VIS) noted")
    # paragraph 11 runs from page 2 onto page 3
    p11 = by_ref(units, "11")
    assert "the Roma community" in p11.text and p11.page == 2
    # section headings are headings, not paragraphs numbered 1, 2, 3 again
    assert any(u.kind == HEADING and u.text == "1. Cross-cutting issues" for u in units)


@needs_shared
def test_endnotes_are_footnotes_and_calls_leave_the_text(parsed):
    _, units = parsed("un/hrdtee_ohchr_1_en.pdf")
    notes = {u.ref: u for u in units if u.kind == FOOTNOTE}
    assert set(map(str, range(1, 151))) <= set(notes)
    assert notes["*"].text.startswith("The present document was not edited")
    assert notes["124"].text.startswith("JS2")
    body = " ".join(u.text for u in units if u.kind != FOOTNOTE)
    assert "framework9" not in body and "one.10" not in body
    assert not re.search(r"[a-z]{3}[.,;]?\d{1,3}\b", body.replace("JS", "").replace("ASSO", ""))
    heading_b = next(u for u in units if u.kind == HEADING and u.text == "B. National human rights framework")
    assert heading_b.notes == ("9",)
    assert by_ref(units, "1").notes == ("1",)


@needs_shared
def test_footnotes_at_the_page_foot_and_across_pages(parsed):
    _, units = parsed("oas_iachr/pf_cejil2_IACHR_Report146-18_en.pdf")
    notes = {u.ref: u for u in units if u.kind == FOOTNOTE}
    assert set(map(str, range(1, 140))) <= set(notes)
    # note 130 opens in body-size type under a raised label, and its second line is small type
    assert notes["130"].text.startswith("Special Rapporteur on contemporary forms of racism")
    assert "Mutuma Ruteere" in notes["130"].text
    assert not any("Mutuma Ruteere" in u.text for u in units if u.kind != FOOTNOTE)
    # a note running over onto the next page stays one note
    _, units = parsed("african_courts/pf_ihrda_2_ZACC_Mpofu_2013_en.pdf")
    body = " ".join(u.text for u in units if u.kind != FOOTNOTE)
    assert "[A]n applicant could raise a constitutional matter" not in body
    carried = [u for u in units if u.kind == FOOTNOTE and "[A]n applicant could raise" in u.text]
    assert len(carried) == 1 and not carried[0].text.startswith("“[A]n")  # appended to its note


@needs_shared
def test_numbered_lists_quoted_in_notes_are_not_notes(parsed):
    _, units = parsed("oas_iachr/pf_cejil5_IACtHR_dissent_Rios_en.pdf")
    assert [u.ref for u in units if u.kind == FOOTNOTE] == [str(i) for i in range(1, 26)]
    first = by_ref(units, "1", FOOTNOTE, part="dissenting opinion")
    assert "The judgments and orders for discontinuance" in first.text  # the rule it quotes, "1. …"
    # notes numbered in plain type, in sequence, where the calls were not seen as superscripts
    _, units = parsed("oas_iachr/hrdtee_cejil_1_es.pdf")
    assert [u.ref for u in units if u.kind == FOOTNOTE] == ["*"] + [str(i) for i in range(1, 28)]


@needs_shared
def test_calls_pypdf_glued_to_the_word_before(parsed):
    # these calls are raised by moving the text matrix, so pypdf reads "edad1." as one word
    _, units = parsed("oas_iachr/hrdtee_cejil_1_es.pdf")
    first = by_ref(units, "1", part="visto")
    assert first.text.endswith("con un enfoque de género y edad.") and first.notes == ("1",)
    assert by_ref(units, "2", part="considerando que").notes == ("2", "3")
    body = " ".join(u.text for u in units if u.kind != FOOTNOTE)
    assert "edad1" not in body and "continuación2" not in body and "mantenimiento3" not in body
    _, units = parsed("oas_iachr/hrdtee_cejil_2_es.pdf")
    assert "víctima3, tres testigos4 y tres peritos/as5" not in " ".join(u.text for u in units)


@needs_shared
def test_old_style_calls_and_typed_footnotes(parsed):
    _, units = parsed("un/hrdtee_plan_1_en.pdf")
    having = next(u for u in units if u.text.startswith("Having considered"))
    assert having.notes == ("1", "2") and " 1/" not in having.text and " 2/" not in having.text
    notes = {u.ref: u.text for u in units if u.kind == FOOTNOTE}
    assert notes["1"] == "A/48/803."
    assert [u.ref for u in units if u.kind == PARAGRAPH and u.numbered] == [str(i) for i in range(1, 13)]
    assert by_ref(units, "2").text.endswith("oral report;")  # "2/" became a call
    # page 2 opens with a new preambular paragraph (indented), though page 1 ended on a comma
    assert any(u.text.startswith("Recalling its previous decision regarding the fact") for u in units)
    assert not any("Recalling its previous decision" in u.text[1:] for u in units)


@needs_shared
def test_table_of_contents_lines_are_not_units(parsed):
    for rel in (
        "un/hrdtee_ohchr_2_en.pdf",
        "un/hrdtee_ohchr_2_fr.pdf",
        "african_courts/hrdtee_ihrda_1_en.pdf",
    ):
        _, units = parsed(rel)
        assert not [u.text for u in units if re.search(r"(\.\s?){6,}", u.text)], rel
        assert not [u.text for u in units if u.text in ("Paragraphs Page", "Paragraphes Page")], rel


FURNITURE_RES = [
    re.compile(r"\bGE\.\d"),
    re.compile(r"(?<![\d/.,-])\d{2}-\d{5}(?![\d/-])"),
    re.compile(r"^\d+\s*/\s*\d+$"),
    re.compile(r"^-\s*\d+\s*-$"),
    re.compile(r"^Page \d+$", re.I),
    re.compile(r"^\d{1,4}$"),
    re.compile(r"^/\s?\.\.\.$"),
]


@needs_shared
@pytest.mark.parametrize("name", UN_FILES)
def test_no_running_heads_page_numbers_or_job_numbers_in_un_units(name, parsed):
    meta, units = parsed(f"un/{name}")
    for u in units:
        assert not any(r.search(u.text) for r in FURNITURE_RES), (u.ref, u.text[:80])
        assert u.text.strip("* ") != meta.get("symbol"), u


@needs_shared
@pytest.mark.parametrize(
    "rel",
    ["oas_iachr/hrdtee_cejil_1_es.pdf", "african_courts/pf_ihrda_2_ZACC_Mpofu_2013_en.pdf",
     "oas_iachr/pf_cejil2_IACHR_Report146-18_en.pdf", "other/pf_ihrda_4_Uganda_TIP_Act_2009_en.pdf"],
)  # fmt: skip
def test_no_page_numbers_in_other_corpora(rel, parsed):
    _, units = parsed(rel)
    assert not [u.text for u in units if any(r.search(u.text) for r in FURNITURE_RES[2:])]


@needs_shared
def test_numbering_restarts_in_each_part(parsed):
    _, units = parsed("oas_iachr/hrdtee_cejil_1_es.pdf")
    parts = {u.part for u in units if u.kind == PARAGRAPH and u.ref == "1" and u.numbered}
    assert {"visto", "considerando que", "resuelve"} <= parts
    assert by_ref(units, "1", part="visto").text.startswith("La Resolución emitida por la Corte")


@needs_shared
def test_bracketed_paragraph_numbers_and_judge_running_head(parsed):
    _, units = parsed("african_courts/pf_ihrda_2_ZACC_Mpofu_2013_en.pdf")
    assert by_ref(units, "1").text.startswith("Children are a particularly vulnerable group")
    assert by_ref(units, "3").text.startswith("It is trite that sentences")
    assert not any(u.text == "VAN DER WESTHUIZEN J" for u in units)
    assert len([u for u in units if u.kind == FOOTNOTE]) > 40


@needs_shared
@pytest.mark.parametrize(
    "rel",
    sorted(f"scanned_un/{p.name}" for p in (PDF / "scanned_un").glob("*.pdf") if "A_L.632" not in p.name)
    + ["other/dla_ocr_sample_french_scan.pdf"],
)
def test_scans_without_text_need_ocr(rel):
    with pytest.raises(DocumentError) as e:
        parse_file(PDF / rel, rel, "scan")
    assert e.value.status == NEEDS_OCR


@needs_shared
def test_noisy_ocr_layer_is_indexed_as_it_is(parsed):
    meta, units = parsed("scanned_un/1971-09-29_A_L.632-EN.pdf")
    assert meta["symbol"] == "A/L.632"
    texts = [u.text for u in units]
    assert "Recalling the provisions of the Charter of the United Nations," in texts
    assert "UN UBRAR'(" in texts  # the library stamp, read as the OCR layer has it


@needs_shared
def test_act_title_running_head_and_a_table_with_its_note(parsed):
    _, units = parsed("other/pf_ihrda_4_Uganda_TIP_Act_2009_en.pdf")
    assert not [u.text for u in units if u.text.startswith("Act 7 Prevention of Trafficking")]
    assert any(u.ref.endswith("(a)") and u.text.startswith("“child” means a person below") for u in units)
    _, units = parsed("un/ppe_test_A_INF_76_1.pdf")
    note = by_ref(units, "a", FOOTNOTE)
    assert note.text.startswith("In accordance with paragraph 6 (b) of resolution 67/290")
    # the table is one unit that carries the note, not ten one-row headings
    table = [u for u in units if u.text.startswith("Session Opening date of the session")]
    assert len(table) == 1 and table[0].kind == PARAGRAPH and table[0].notes == ("a",)
    assert "Eighty-fourth Tuesday, 18 September 2029" in table[0].text
    assert not [u for u in units if u.kind == HEADING and u.text.startswith(("Seventy", "Eight"))]


def _mutants():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    base = make_pdf([PAGE1, PAGE2])

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(
        st.lists(st.tuples(st.integers(0, len(base) - 1), st.integers(0, 255)), max_size=8),
        st.integers(16, len(base)),
    )
    def check(flips, keep):
        data = bytearray(base)
        for pos, byte in flips:
            data[pos] = byte
        del data[keep:]
        try:
            result = readers.read(bytes(data), "pdf", "mutant.pdf")
        except DocumentError as e:
            assert e.reason
            return
        assert result.meta["pages"] >= 1

    return check


def test_damaged_bytes_give_a_document_error_or_text():
    """Flipped bytes anywhere in a PDF, or a cut: a DocumentError with a reason, or a result; never
    another exception (which the pipeline would only report as a parser bug)."""
    _mutants()()


def test_sideways_text_is_read_when_a_page_has_nothing_else():
    lines = ["1. A landscape table of results set sideways on its page.", "2. Its second row."]
    sideways = [(300 + 14 * i, 100, 10, t, True) for i, t in enumerate(lines)]
    stamp = [(560, 100, 8, "RECEIVED 3 MARCH 2020", True)]
    _, units, _ = parse_bytes(make_pdf([PAGE2 + stamp, sideways]))
    texts = [u.text for u in units]
    assert not any("RECEIVED" in t for t in texts)  # a stamp beside upright text is left out
    assert any("landscape table of results" in t for t in texts)


def test_pipeline_records_pdf_statuses(tmp_path):
    """Through the store and the worker pool: a scan is kept as needs-ocr, a locked file as
    needs-password, and a readable PDF gets its symbol and page count."""
    from pincite.corpus.store import Store
    from pincite.ingest.pipeline import add_paths, parse_pending

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "report.pdf").write_bytes(make_pdf([PAGE1, PAGE2]))
    (tmp_path / "in" / "scan.pdf").write_bytes(make_pdf([[]]))
    (tmp_path / "in" / "locked.pdf").write_bytes(encrypt(make_pdf([PAGE1]), user_password="secret"))
    store = Store(tmp_path / "home")
    add_paths(store, [tmp_path / "in"])
    outcomes = {Path(o.location).name: o for o in parse_pending(store, jobs=2)}
    assert outcomes["report.pdf"].status == "ok"
    assert outcomes["scan.pdf"].status == NEEDS_OCR
    assert outcomes["locked.pdf"].status == NEEDS_PASSWORD and "password" in outcomes["locked.pdf"].message
    doc = store.document(outcomes["report.pdf"].doc)
    assert doc.symbol == "A/70/999" and doc.pages == 2 and doc.fmt == "pdf"


@needs_shared
def test_inline_enumeration_runs_over_the_page(parsed):
    # page 2 ends "(iii) … aplicáveis; e que" on a full line, page 3 opens "(iv) o Estado adotasse …"
    _, units = parsed("oas_iachr/hrdtee_cejil_1_pt.pdf")
    assert not [u for u in units if u.text.startswith("(iv) o Estado adotasse")]
    assert any("; e que (iv) o Estado adotasse as medidas" in u.text for u in units)

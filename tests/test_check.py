"""`pincite check`: citations and quotations of drafts, checked against the corpus.

The planted-error drafts (tests/drafts, written from the bundled samples; expected statuses in
tests/drafts/expected.toml) are checked as markdown, and as DOCX and PDF files written here from the
same paragraphs, through pincite's own readers. The share classified right is pinned in
tests/floors_check.toml.
"""

from __future__ import annotations

import io
import json
import textwrap
import tomllib
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from conftest import CORPUS_REAL, needs_shared
from pdfmaker import make_pdf
from pincite.cli import cli
from pincite.search import check
from pincite.workspace import Workspace

DRAFTS = Path(__file__).parent / "drafts"
EXPECTED = tomllib.loads((DRAFTS / "expected.toml").read_text(encoding="utf-8"))["draft"]
FLOORS = tomllib.loads((Path(__file__).parent / "floors_check.toml").read_text(encoding="utf-8"))


# ---- drafts in other formats, from the markdown ------------------------------------------------------
def paragraphs(md: str) -> list[tuple[bool, str]]:
    """(is a heading, text) for each paragraph of a markdown draft."""
    out = []
    for block in md.split("\n\n"):
        block = " ".join(block.split())
        if block:
            out.append((block.startswith("#"), block.lstrip("# ")))
    return out


def to_docx(md: str) -> bytes:
    d = docx.Document()
    for heading, text in paragraphs(md):
        if heading:
            d.add_heading(text, level=1)
        else:
            d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def to_pdf(md: str) -> bytes:
    """An A4 PDF: 10-point lines wrapped at spaces, a blank line's worth between paragraphs."""
    pages: list[list[tuple]] = [[]]
    y = 780.0
    for heading, text in paragraphs(md):
        size = 13.0 if heading else 10.0
        lines = textwrap.wrap(text, 78 if not heading else 60, break_on_hyphens=False)
        # a line that starts "[2])." reads as a paragraph printed "[2]" (the segmenter's rule for
        # court judgments), which cuts the citation in two: a known limit (see the issue note), kept
        # out of these drafts by carrying the word before it down
        for i in range(1, len(lines)):
            if lines[i].startswith("[") and " " in lines[i - 1]:
                head, last = lines[i - 1].rsplit(" ", 1)
                lines[i - 1], lines[i] = head, f"{last} {lines[i]}"
        for line in lines:
            if y < 60:
                pages.append([])
                y = 780.0
            pages[-1].append((72, y, size, line))
            y -= size * 1.35
        y -= 12
    return make_pdf(pages)


def draft_file(tmp_path: Path, name: str, fmt: str) -> Path:
    md = (DRAFTS / name).read_text(encoding="utf-8")
    stem = Path(name).stem
    if fmt == "md":
        p = tmp_path / name
        p.write_text(md, encoding="utf-8")
    elif fmt == "docx":
        p = tmp_path / f"{stem}.docx"
        p.write_bytes(to_docx(md))
    else:
        p = tmp_path / f"{stem}.pdf"
        p.write_bytes(to_pdf(md))
    return p


@pytest.fixture(scope="module")
def store(samples_home):
    return Workspace(samples_home).reader()


SHARED_PDFS = ["un/hrdtee_plan_1_en.pdf", "un/hrdtee_plan_1_es.pdf", "un/hrdtee_ohchr_2_en.pdf",
               "un/hrdtee_ohchr_2_fr.pdf"]  # fmt: skip


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    """A home with two documents in two languages each (the HURIDOCS gold PDFs)."""
    if not CORPUS_REAL.is_dir():
        pytest.skip("../shared/corpus-real is absent")
    ws = Workspace(tmp_path_factory.mktemp("versions") / "home")
    ws.ingest([CORPUS_REAL / "pdf" / p for p in SHARED_PDFS])
    return ws.reader()


def right(expected: dict, findings: list[check.Finding]) -> list[bool]:
    cited = [f for f in findings if f.status != "uncited"]
    out = []
    for i, want in enumerate(expected["citations"]):
        got = cited[i] if i < len(cited) else None
        ok = (
            got is not None
            and " ".join(got.cite.split()) == want["cite"]
            and got.status == want["status"]
            and ("suggest" not in want or want["suggest"] in got.suggest)
        )
        out.append(ok)
    out += [False] * max(0, len(cited) - len(expected["citations"]))  # a citation that is not one
    for want in expected.get("uncited", []):
        found = [f for f in findings if f.status == "uncited" and f.quote == want["quote"]]
        out.append(bool(found) and want["suggest"] in found[0].suggest)
    return out


@pytest.mark.parametrize("fmt", ["md", "docx", "pdf"])
@pytest.mark.parametrize("draft", [d for d in EXPECTED if d.get("corpus") != "shared"], ids=lambda d: d["file"])
def test_planted_errors_are_classified_right(store, tmp_path, draft, fmt):
    path = draft_file(tmp_path, draft["file"], fmt)
    findings = check.check_file(store, path, find_sources=True)
    marks = right(draft, findings)
    got = [(f.cite, f.status, f.suggest) for f in findings]
    assert sum(marks) / len(marks) >= FLOORS["planted"], got


@needs_shared
@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["md", "docx", "pdf"])
@pytest.mark.parametrize("draft", [d for d in EXPECTED if d.get("corpus") == "shared"], ids=lambda d: d["file"])
def test_planted_errors_over_language_versions(shared_store, tmp_path, draft, fmt):
    path = draft_file(tmp_path, draft["file"], fmt)
    findings = check.check_file(shared_store, path)
    marks = right(draft, findings)
    got = [(f.cite, f.status, f.suggest) for f in findings]
    assert sum(marks) / len(marks) >= FLOORS["planted"], got


@needs_shared
@pytest.mark.slow
def test_lang_chooses_the_version_checked(shared_store, tmp_path):
    draft = tmp_path / "d.md"
    draft.write_text("It “[r]eaffirms the importance of the role of the Advisory Committee” (A/RES/48/246, para. 1).\n")
    (en,) = check.check_file(shared_store, draft)
    assert en.status == "ok" and en.unit["lang"] == "en"
    (es,) = check.check_file(shared_store, draft, lang="es")  # the Spanish text does not hold it
    assert es.status == "quote-differs" and es.unit["lang"] == "es"


def test_every_kind_of_planted_error_is_in_the_drafts():
    planted = {c["status"] for d in EXPECTED for c in d["citations"]}
    assert planted >= {"ok", "quote-differs", "no-such-paragraph", "no-such-document"}
    kinds = " ".join(c["planted"] for d in EXPECTED for c in d["citations"])
    for kind in ("wrong paragraph", "wrong sub-item", "misquote", "missing document", "ibid."):
        assert kind in kinds


def test_line_numbers_in_text_and_paragraph_numbers_elsewhere(store, tmp_path):
    md = draft_file(tmp_path, "briefing-note.md", "md")
    lines = [f.line for f in check.check_file(store, md)]
    assert lines == [3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23]
    dx = draft_file(tmp_path, "briefing-note.md", "docx")
    found = check.check_file(store, dx)
    assert [f.where for f in found] == ["paragraph"] * 11 and [f.line for f in found][:3] == [2, 3, 4]


# ---- finding citations and quotations in text --------------------------------------------------------
@pytest.mark.parametrize(
    "text, doc, parts, kind, refs",
    [
        ("as agreed (A/68/190, annex, para. 10 (e)).", "A/68/190", ["annex"], "paragraph", ["10 (e)"]),
        ("see A/68/190, annex ¶ 10(e), and more", "A/68/190", ["annex"], "paragraph", ["10 (e)"]),
        ("A/RES/73/195, paras. 3–5 say", "A/RES/73/195", [], "paragraph", ["3", "4", "5"]),
        ("A/RES/73/195, paras. 3 and 7", "A/RES/73/195", [], "paragraph", ["3", "7"]),
        ("in A/HRC/WG.6/34/ITA/3, paragraph 115.6,", "A/HRC/WG.6/34/ITA/3", [], "paragraph", ["115.6"]),
        ("A/68/190, annex, footnote a.", "A/68/190", ["annex"], "footnote", ["a"]),
        ("S/2019/100, annex II, para. 2", "S/2019/100", ["annex II"], "paragraph", ["2"]),
        ("A/68/190, para. [3]", "A/68/190", [], "paragraph", ["[3]"]),
        ("E/CN.4/1998/53/Add.2, annex, para. 1 (a) (ii)", "E/CN.4/1998/53/Add.2", ["annex"], "paragraph",
         ["1 (a) (ii)"]),  # fmt: skip
    ],
)
def test_citations_in_free_text(store, text, doc, parts, kind, refs):
    (m,) = check.Finder(store).mentions(text)
    assert (m.doc, m.parts, m.pin.kind, m.pin.refs) == (doc, parts, kind, refs)


def test_a_symbol_alone_and_ibid(store):
    ms = check.Finder(store).mentions("A/68/190 was circulated. Ibid., para. 5. Id. at 3 is not one.")
    assert [(m.doc, m.ibid, m.pin.refs if m.pin else None) for m in ms] == [
        ("A/68/190", False, None),
        ("", True, ["5"]),
    ]


def test_a_pin_without_its_part_names_the_one_part_that_has_it(store, tmp_path):
    draft = tmp_path / "d.txt"
    draft.write_text("The Chairs called for “deepening the evidence base” (A/68/190, para. 10 (e)).\n")
    (f,) = check.check_file(store, draft)
    assert (f.status, f.resolved) == ("ok", "A/68/190, annex, para. 10 (e)")


def test_a_document_named_by_title_is_cited_only_with_a_pin(store):
    name = "IOM, Closing remarks, fourth Global Meeting of Chairs and Secretariats of Regional…, 23 May 2013"
    finder = check.Finder(store)
    assert finder.mentions(f"As {name} shows, and A/68/190 too.")[0].doc == "A/68/190"
    (m,) = finder.mentions(f"As {name}, para. [2] shows.")
    assert m.doc == name and m.pin.refs == ["[2]"]


@pytest.mark.parametrize(
    "text, quote",
    [
        ("It said “a b c” (A/1/2, para. 3).", "a b c"),
        ("A/1/2, para. 3, says “a b c”.", "a b c"),
        ("«a b c» (A/1/2, para. 3).", "a b c"),
        ('It said "a b c" (A/1/2, para. 3).', "a b c"),
        ("They wrote “a b c”. The report agrees (A/1/2, para. 3).", "a b c"),  # the sentence before
    ],
)
def test_the_quotation_that_goes_with_a_citation(store, text, quote):
    ms = check.Finder(store).mentions(text)
    check.attach_quotes(text, ms, check.quotations(text))
    assert ms[0].quote == quote


def test_a_quotation_before_an_earlier_citation_is_not_taken_twice(store):
    text = "“x y z” (A/1/2, para. 3); A/1/2, para. 4."
    ms = check.Finder(store).mentions(text)
    check.attach_quotes(text, ms, check.quotations(text))
    assert [m.quote for m in ms] == ["x y z", ""]


@pytest.mark.parametrize(
    "quote, held",
    [
        ("the evidence base", True),
        ("The  Evidence\nbase", True),  # case and spaces
        ("evi- dence base", True),  # a line-end hyphen
        ("[d]eepening the evidence base … an important next step", True),  # ellipsis, [d]
        ("deepening the evidence base [...] next step", True),
        ("“lessons learned,” particularly", True),  # quotation marks inside the quotation
        ("‘Deepening the evidence base’", True),
        ("next step … deepening", False),  # the pieces out of order
        ("deepening the evidence basis", False),
    ],
)
def test_holds(quote, held):
    text = "Deepening the evidence base, information exchange and the sharing of lessons learned, particularly on enhancing the benefits, constitutes an important next step in this field."  # noqa: E501
    assert check.holds(text, quote) is held


def test_similarity_is_high_for_a_near_quote_and_low_for_another_text():
    text = "Participants expressed deep gratitude to the Government of Peru for generously hosting."
    assert check.similarity(text, "deep gratitude to the Government of Chile") > 0.8
    assert check.similarity(text, "an entirely different sentence about fisheries") < 0.5


# ---- ambiguity, from a real home --------------------------------------------------------------------
def test_a_citation_that_fits_two_documents_is_ambiguous(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, word in (("draft", "first"), ("final", "second")):
        (docs / f"{name}.txt").write_text(f"A/AC.99/1\n\n1. The {word} text of paragraph one.\n\n2. Two.\n")
        (docs / f"{name}.txt.meta.toml").write_text('symbol = "A/AC.99/1"\nlang = "en"\n')
    ws = Workspace(tmp_path / "home")
    ws.ingest([docs])
    store = ws.reader()
    assert len([d for d in store.documents() if d.symbol == "A/AC.99/1"]) == 2
    draft = tmp_path / "d.md"
    draft.write_text("As A/AC.99/1, para. 1 says.\n\nIt says “the second text” (A/AC.99/1, para. 1).\n")
    a, b = check.check_file(store, draft)
    assert a.status == "ambiguous" and len(a.candidates) == 2
    assert b.status == "ok" and "second" in b.unit["text"]  # the quotation tells them apart


# ---- the command --------------------------------------------------------------------------------------
def test_cli_exit_codes_and_formats(samples_home, tmp_path, monkeypatch):
    monkeypatch.setenv("PINCITE_HOME", str(samples_home))
    runner = CliRunner()
    good = tmp_path / "good.md"
    good.write_text("They are “critical pieces of the global institutional architecture on migration” "
                    "(A/68/190, annex, para. 10 (a)).\n")  # fmt: skip
    r = runner.invoke(cli, ["check", str(good)])
    assert r.exit_code == 0, r.output
    assert "ok  A/68/190, annex, para. 10 (a)" in r.stdout
    bad = draft_file(tmp_path, "briefing-note.md", "md")
    r = runner.invoke(cli, ["check", str(bad), "--format", "json"])
    assert r.exit_code == 1
    rows = json.loads(r.stdout)
    assert {"cite", "line", "status", "quote", "unit", "similarity", "suggest"} <= set(rows[0])
    assert rows[0]["unit"]["cite"] == "A/68/190, annex, para. 10 (a)" and rows[0]["unit"]["text"]
    r = runner.invoke(cli, ["check", str(bad), "--format", "csv"])
    assert r.exit_code == 1 and r.stdout.splitlines()[0].startswith("file,line,status,cite")
    r = runner.invoke(cli, ["check", str(tmp_path / "missing.md")])
    assert r.exit_code == 2
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"\x00\x01\x02 not a pdf")
    r = runner.invoke(cli, ["check", str(junk)])
    assert r.exit_code == 2 and "junk.pdf" in r.stderr and "Traceback" not in r.output
    r = runner.invoke(cli, ["check", str(bad), "--format", "text"])
    assert "quote-differs (0.37)  A/68/190, annex, para. 8 (b)" in r.stdout
    assert "held by: A/68/190, annex, para. 8 (c)" in r.stdout

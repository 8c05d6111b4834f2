"""Choosing the PDF engine from the command line and the environment: both read the same units."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from conftest import CORPUS_REAL, needs_shared
from pdfmaker import make_pdf
from pincite.cli import cli

PAGE = [
    (56, 800, 10, "United Nations"), (450, 800, 12, "A/70/998"),
    (72, 700, 14, "Report on engines"),
    (72, 660, 10, "1."), (100, 660, 10, "The first paragraph of the report on engines."),
    (72, 636, 10, "2."), (100, 636, 10, "The second paragraph closes the report."),
]  # fmt: skip


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)


def units() -> list[tuple[str, str]]:
    r = run("export", "--format", "json")
    assert r.exit_code == 0, r.stderr
    return [(u["ref"], u["text"]) for u in json.loads(r.stdout)]


def _readings(home) -> dict[str, str]:
    from pincite.corpus.store import Store

    return {source.rsplit("/", 1)[-1]: parser for _, _, _, source, parser in Store(home).readings()}


def test_a_document_is_read_again_when_another_engine_is_asked_for(home, tmp_path):
    from pincite.ingest.segment import PARSER_VERSION

    src = tmp_path / "in"
    src.mkdir()
    (src / "r.pdf").write_bytes(make_pdf([PAGE]))
    (src / "notes.txt").write_text("A plain text note about engines, which no PDF engine reads.\n")
    r = run("ingest", "--pdf-engine", "pypdf", str(src))
    assert r.exit_code == 0, r.stderr
    assert _readings(home) == {"r.pdf": f"{PARSER_VERSION}+pypdf", "notes.txt": PARSER_VERSION}
    first = units()
    r = run("ingest", "--pdf-engine", "pdfium", str(src))
    assert r.exit_code == 0, r.stderr
    assert " 1 parsed" in r.stderr  # the PDF, not the text file
    assert _readings(home)["r.pdf"] == f"{PARSER_VERSION}+pdfium"
    assert units() == first  # the same page model: the same units
    for again in (["--pdf-engine", "pdfium"], []):  # the same engine, or none asked for: nothing to do
        r = run("ingest", *again, str(src))
        assert r.exit_code == 0 and " 0 parsed" in r.stderr, r.stderr
        assert _readings(home)["r.pdf"] == f"{PARSER_VERSION}+pdfium"
    st = json.loads(run("status", "--format", "json").stdout)
    assert st["awaiting_parse"] == 0 and st["healthy"]


def test_each_engine_from_the_option_or_the_environment(home, tmp_path, monkeypatch):
    src = tmp_path / "r.pdf"
    src.write_bytes(make_pdf([PAGE]))
    seen = {}
    for engine, how in (("pypdf", "option"), ("pdfium", "env")):
        monkeypatch.setenv("PINCITE_HOME", str(tmp_path / engine))
        if how == "option":
            r = run("ingest", "--pdf-engine", engine, str(src))
        else:
            r = run("ingest", str(src), env={"PINCITE_PDF_ENGINE": engine})
        assert r.exit_code == 0, r.stderr
        seen[engine] = units()
    assert seen["pypdf"] == seen["pdfium"]
    assert ("1", "The first paragraph of the report on engines.") in seen["pdfium"]


def test_an_unknown_engine_is_a_usage_error(home, tmp_path):
    src = tmp_path / "r.pdf"
    src.write_bytes(make_pdf([PAGE]))
    r = run("ingest", "--pdf-engine", "mupdf", str(src))
    assert r.exit_code == 2 and "mupdf" in r.stderr and "pdfium" in r.stderr
    r = run("ingest", str(src), env={"PINCITE_PDF_ENGINE": "poppler"})
    assert r.exit_code == 2 and "poppler" in r.stderr


# ---- OCR -------------------------------------------------------------------------------------------
needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
SCANS = CORPUS_REAL / "pdf" / "scanned_un"


@needs_shared
def test_scans_stay_needs_ocr_and_the_summary_says_how_to_read_them(home, tmp_path):
    src = tmp_path / "scan.pdf"
    src.write_bytes((SCANS / "1947-10-08_Sixth_Commitee_Letter.pdf").read_bytes())
    r = run("ingest", str(src))
    assert r.exit_code == 0  # kept, waiting for OCR: not a failure (the README's exit-code table)
    assert "needs-ocr" in r.stderr and "pincite ingest --ocr" in r.stderr


def test_ocr_without_tesseract_says_what_to_install(home, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    src = tmp_path / "r.pdf"
    src.write_bytes(make_pdf([PAGE]))
    r = run("ingest", "--ocr", str(src))
    assert r.exit_code == 2 and "apt-get install tesseract-ocr" in r.stderr


@pytest.mark.slow
@needs_shared
@needs_tesseract
def test_a_bad_ocr_layer_is_read_again_with_ocr(home, tmp_path):
    # A/L.632 carries an old OCR text layer ("rrwenty-sixth session"): with --ocr it is read again
    # and a scan recorded as needs-ocr by an ingest without OCR is read by the next one with it
    src = tmp_path / "in"
    src.mkdir()
    (src / "scan.pdf").write_bytes((SCANS / "1947-10-08_Sixth_Commitee_Letter.pdf").read_bytes())
    r = run("ingest", str(src))
    assert "needs-ocr" in r.stderr
    (src / "a.pdf").write_bytes((SCANS / "1971-09-29_A_L.632-EN.pdf").read_bytes())
    r = run("ingest", "--ocr", str(src))
    assert r.exit_code == 0, r.stderr
    docs = {d["doc"]: d for d in json.loads(run("docs", "--format", "json").stdout)}
    a = next(d for d in docs.values() if d["symbol"] == "A/L.632")
    assert a["date"] == "1971-09-29" and a["lang"] == "en"
    texts = [t for ref, t in units()]
    assert any(t.startswith("Recalling the provisions of the Charter") for t in texts)
    assert not any("rrwenty" in t for t in texts)
    assert all(d["status"] == "ok" for d in docs.values())


@pytest.mark.slow
@needs_shared
@needs_tesseract
def test_documents_read_without_ocr_are_read_again_with_it(home, tmp_path):
    # The first ingest, without --ocr, keeps A/L.632's old OCR layer as its text and records the
    # Russian resolution as needs-ocr. The second, with --ocr, must read both again (not skip the
    # known document), the third, without --ocr, must keep what OCR read.
    from pincite.ingest.segment import PARSER_VERSION

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.pdf").write_bytes((SCANS / "1971-09-29_A_L.632-EN.pdf").read_bytes())
    (src / "ru.pdf").write_bytes((SCANS / "1971-10-25_GA_Resolution_2758_ru.pdf").read_bytes())
    r = run("ingest", str(src))
    assert r.exit_code == 0, r.stderr
    assert "ru.pdf: needs-ocr" in r.stderr
    before = units()
    assert ("", "UN UBRAR'(") in before or any(t == "UN UBRAR'(" for _, t in before)  # the old layer
    r = run("ingest", "--ocr", str(src))
    assert r.exit_code == 0, r.stderr
    assert " 2 parsed" in r.stderr
    assert _readings(home) == {n: f"{PARSER_VERSION}+pdfium+ocr" for n in ("a.pdf", "ru.pdf")}
    docs = json.loads(run("docs", "--format", "json").stdout)
    by_symbol = {d["symbol"]: d for d in docs}
    a = by_symbol["A/L.632"]
    assert a["status"] == "ok" and a["date"] == "1971-09-29" and a["lang"] == "en"
    ru = next(d for d in docs if d["doc"] != a["doc"])
    assert ru["status"] == "ok" and ru["lang"] == "ru"
    exported = json.loads(run("export", "--format", "json").stdout)
    assert exported and all(u["ocr"] for u in exported)
    texts = [u["text"] for u in exported]
    assert not any("rrwenty" in t or t == "UN UBRAR'(" for t in texts)
    assert any(t.startswith("Recalling the provisions of the Charter") for t in texts)
    ru_text = " ".join(u["text"] for u in exported if u["doc"] == ru["doc"])
    assert "Генеральная Ассамблея" in ru_text or "ГЕНЕРАЛЬНАЯ АССАМБЛЕЯ" in ru_text.upper()
    assert all(u["lang"] == "ru" for u in exported if u["doc"] == ru["doc"] and len(u["text"]) > 40)
    hits = json.loads(run("search", "--format", "json", "Ассамблея").stdout)
    assert hits and all(h["doc"] == ru["doc"] for h in hits)
    r = run("ingest", str(src))
    assert r.exit_code == 0, r.stderr
    assert _readings(home) == {n: f"{PARSER_VERSION}+pdfium+ocr" for n in ("a.pdf", "ru.pdf")}
    assert json.loads(run("export", "--format", "json").stdout) == exported


@pytest.mark.slow
@needs_shared
@needs_tesseract
def test_the_russian_resolution_is_read_in_russian():
    from pincite.ingest.pipeline import parse_file

    meta, units_ = parse_file(
        SCANS / "1971-10-25_GA_Resolution_2758_ru.pdf", "2758.pdf", "r", options={"ocr": True}
    )
    assert meta["ocr"].startswith("rus") and meta["lang"] == "ru"
    assert all(u.ocr for u in units_)
    text = " ".join(u.text for u in units_)
    assert "Генеральная Ассамблея" in text or "ГЕНЕРАЛЬНАЯ АССАМБЛЕЯ" in text.upper()


def test_the_pdfium_text_path_loads_only_the_raw_bindings_and_the_helpers_still_work_after(tmp_path):
    """A parse worker reads a text PDF with pypdfium2's raw bindings alone (the library set up by
    the reader); pypdfium2's helpers, which OCR uses, load and read a document in the same process
    after it."""
    import subprocess
    import sys

    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(make_pdf([PAGE]))
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from pincite.ingest.pipeline import parse_file\n"
        f"meta, units = parse_file(Path({str(pdf)!r}), 'a.pdf', 'a', options={{'engine': 'pdfium'}})\n"
        "print(len(units), 'pypdfium2' in sys.modules)\n"
        "import pypdfium2\n"
        f"doc = pypdfium2.PdfDocument({str(pdf)!r})\n"
        "print(doc[0].get_textpage().get_text_range().split()[0])\n"
        "doc.close()\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split("\n")
    n, helpers = out[0].split()
    assert int(n) >= 2 and helpers == "False"
    assert out[1] == "United"

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
def test_the_russian_resolution_is_read_in_russian():
    from pincite.ingest.pipeline import parse_file

    meta, units_ = parse_file(
        SCANS / "1971-10-25_GA_Resolution_2758_ru.pdf", "2758.pdf", "r", options={"ocr": True}
    )
    assert meta["ocr"].startswith("rus") and meta["lang"] == "ru"
    assert all(u.ocr for u in units_)
    text = " ".join(u.text for u in units_)
    assert "Генеральная Ассамблея" in text or "ГЕНЕРАЛЬНАЯ АССАМБЛЕЯ" in text.upper()

"""Choosing the PDF engine from the command line and the environment: both read the same units."""

from __future__ import annotations

import json

from click.testing import CliRunner

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

"""`pincite show CITATION --context N` and `pincite cite CITATION --style`, through the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pincite.cli import cli


@pytest.fixture
def run(backend_home):
    """The CLI over the samples, on each index backend (conftest.backend_home)."""

    def invoke(*args):
        return CliRunner().invoke(cli, [*backend_home, *args])

    return invoke


def refs(rows):
    return [r["cite"] for r in rows]


def test_show_without_context(run):
    r = run("show", "A/68/190, annex, para. 8 (b)", "--format", "json")
    assert r.exit_code == 0
    (row,) = json.loads(r.stdout)
    assert row["cite"] == "A/68/190, annex, para. 8 (b)"
    assert "before" not in row and "after" not in row


def test_show_context_stays_in_the_part(run):
    r = run("show", "A/68/190, annex, para. 8 (b)", "--context", "2", "--format", "json")
    (row,) = json.loads(r.stdout)
    assert refs(row["before"]) == ["A/68/190, annex, para. 8", "A/68/190, annex, para. 8 (a)"]
    assert refs(row["after"]) == ["A/68/190, annex, para. 8 (c)", "A/68/190, annex, para. 8 (d)"]
    # the first paragraph of the annex: its context does not reach back into the letter
    r = run("show", "A/68/190, annex, para. 1", "-C", "3", "--format", "json")
    (row,) = json.loads(r.stdout)
    assert all(c["part"] == "annex" for c in row["before"] + row["after"])
    assert "footnote" not in {c["kind"] for c in row["before"] + row["after"]}
    assert len(row["after"]) == 3


def test_show_context_in_text_and_footnotes(run):
    r = run("show", "A/68/190, annex, para. 3", "--context", "1")
    assert r.exit_code == 0
    out = r.stdout
    assert (
        out.index("A/68/190, annex, para. 2")
        < out.index("A/68/190, annex, para. 3")
        < out.index("A/68/190, annex, para. 4")
    )
    # the footnotes a paragraph calls come with it, in JSON and in text, with or without context
    r = run("show", "A/68/190, annex, para. 2", "--context", "1", "--format", "json")
    (row,) = json.loads(r.stdout)
    assert refs(row["footnotes"]) == ["A/68/190, annex, footnote a", "A/68/190, annex, footnote b"]
    assert refs(row["before"]) == ["A/68/190, annex, para. 1"]
    assert refs(row["after"]) == ["A/68/190, annex, para. 3"]  # footnotes are not context
    r = run("show", "A/68/190, annex, para. 2", "--context", "1")
    assert "Abu Dhabi Dialogue" in r.stdout


def test_show_unknown_citation_is_a_message(run):
    r = run("show", "A/99/999, para. 1")
    assert r.exit_code == 1 and "no paragraph matches" in r.stderr and "Traceback" not in r.output
    r = run("show", "A/68/190, annex, para. 1", "--context", "-1")
    assert r.exit_code == 2


@pytest.mark.parametrize(
    "style, want",
    [
        ("un", "A/68/190, annex, para. 10 (a)"),
        ("bluebook", "A/68/190, annex ¶ 10(a)"),
        ("plain", "A/68/190, annex, paragraph 10 (a)"),
    ],
)
def test_cite_styles(run, style, want):
    r = run("cite", "A/68/190, annex, para. 10 (a)", "--style", style)
    assert r.exit_code == 0
    assert r.stdout.strip() == want


def test_cite_default_style_footnote_and_unnumbered(run):
    assert run("cite", "A/68/190, annex, footnote a").stdout.strip() == "A/68/190, annex, footnote a"
    assert (
        run("cite", "A/68/190, annex, footnote a", "--style", "bluebook").stdout.strip()
        == "A/68/190, annex n.a"
    )
    plain = run("cite", "A/68/190, para. [1]", "--style", "plain").stdout.strip()
    assert plain == "A/68/190, letter, paragraph 1 (position; not printed)" or "not printed" in plain


def test_cite_by_doc_and_seq_and_formats(run):
    r = run("cite", "letter-peru-unga-rcp-chairs-summary-2013#30", "--format", "json")
    (row,) = json.loads(r.stdout)
    assert row == {"cite": "A/68/190, annex, para. 10 (a)", "style": "un",
                   "doc": "letter-peru-unga-rcp-chairs-summary-2013", "seq": 30}  # fmt: skip
    r = run("cite", "A/68/190, annex, para. 10 (a)", "--format", "csv", "--style", "plain")
    assert r.stdout.splitlines()[0] == "cite,style,doc,seq"
    assert r.stdout.splitlines()[1].startswith('"A/68/190, annex, paragraph 10 (a)",plain,')


def test_cite_errors(run):
    r = run("cite", "nothing like a citation")
    assert r.exit_code == 1 and "no paragraph matches" in r.stderr
    r = run("cite", "A/68/190, annex, para. 1", "--style", "apa")
    assert r.exit_code == 2


def test_search_cite_show_round_trip(run):
    r = run("search", "deep gratitude", "--format", "jsonl")
    first = json.loads(r.stdout.splitlines()[0])
    r = run("show", first["cite"], "--format", "json")
    assert json.loads(r.stdout)[0]["text"] == first["text"]


def test_show_as_csv_flattens_context_and_notes(run):
    import csv
    import io

    r = run("show", "A/68/190, annex, para. 2", "--context", "1", "--format", "csv")
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(x["role"], x["cite"]) for x in rows] == [
        ("before", "A/68/190, annex, para. 1"),
        ("cited", "A/68/190, annex, para. 2"),
        ("note", "A/68/190, annex, footnote a"),
        ("note", "A/68/190, annex, footnote b"),
        ("after", "A/68/190, annex, para. 3"),
    ]

"""Every command and exit code, through the CLI, on a real home with a real Whoosh index."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from click.testing import CliRunner

from conftest import SAMPLES
from pincite.cli import cli


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def corpus(home, tmp_path):
    """A home with the five samples ingested from a folder of the user's."""
    src = tmp_path / "docs"
    shutil.copytree(SAMPLES, src)
    r = run("ingest", str(src))
    assert r.exit_code == 0, r.stderr
    return src


def test_search_answers_from_the_samples_when_the_home_is_empty(home):
    r = run("search", "labour mobility")
    assert r.exit_code == 0
    assert "bundled sample corpus" in r.stderr and "bundled" not in r.stdout
    assert "A/68/190, annex, para. 7" in r.stdout


def test_deepening_the_evidence_base_then_show_its_cite(corpus):
    r = run("search", '"Deepening the evidence base"', "--format", "json")
    hits = json.loads(r.stdout)
    assert r.exit_code == 0 and hits[0]["cite"] == "A/68/190, annex, para. 10 (e)"
    assert (hits[0]["part"], hits[0]["ref"], hits[0]["kind"], hits[0]["numbered"]) == ("annex", "10 (e)", "paragraph", True)
    assert "<mark>Deepening</mark>" in hits[0]["snippet"]
    s = run("show", hits[0]["cite"], "--format", "json")
    shown = json.loads(s.stdout)
    assert s.exit_code == 0 and len(shown) == 1
    assert shown[0]["text"].startswith("Deepening the evidence base") and shown[0]["cite"] == hits[0]["cite"]


def test_show_accepts_every_cite_search_prints(corpus):
    for q in ("migration", "Peru", "Abu Dhabi", "OIM", "troikas"):
        r = run("search", q, "--format", "json", "--limit", "50")
        for hit in json.loads(r.stdout):
            s = run("show", hit["cite"], "--format", "json")
            assert s.exit_code == 0, hit["cite"]
            assert hit["text"] in [u["text"] for u in json.loads(s.stdout)]


def test_footnote_a_is_found_by_its_body(corpus):
    hits = json.loads(run("search", "Abu Dhabi Dialogue", "--format", "json").stdout)
    note = [h for h in hits if h["kind"] == "footnote"][0]
    assert note["cite"] == "A/68/190, annex, footnote a" and note["text"].startswith("Abu Dhabi Dialogue;")


def test_show_prints_the_footnotes_a_paragraph_calls(corpus):
    r = run("show", "A/68/190, annex, para. 2", "--format", "json")
    row = json.loads(r.stdout)[0]
    assert row["notes"] == ["a", "b"]
    assert [n["ref"] for n in row["footnotes"]] == ["a", "b"]
    text = run("show", "A/68/190, annex, para. 2").stdout
    assert "Abu Dhabi Dialogue" in text and "European Union" in text


def test_assigned_numbers_are_cited_in_brackets(corpus):
    hits = json.loads(run("search", "honoured co-organizer", "--format", "json").stdout)
    assert hits[0]["numbered"] is False
    assert hits[0]["cite"].endswith(f"para. [{hits[0]['ref']}]")
    assert hits[0]["cite"].startswith("IOM, Closing remarks")
    assert run("show", hits[0]["cite"]).exit_code == 0


def test_search_exit_codes_and_empty_json(corpus):
    r = run("search", "xyzzyquux", "--format", "json")
    assert (r.exit_code, json.loads(r.stdout)) == (1, [])
    r = run("search", "xyzzyquux")
    assert r.exit_code == 1 and r.stdout == "" and "no paragraph matches" in r.stderr
    assert run("search", "migration", "--limit", "-1").exit_code == 2
    assert run("search").exit_code == 2
    assert run("search", "migration", "--format", "yaml").exit_code == 2


def test_search_formats(corpus):
    jl = run("search", "Global Compact", "--format", "jsonl", "--limit", "3").stdout.splitlines()
    assert len(jl) == 3 and all(json.loads(line)["cite"] for line in jl)
    rows = list(csv.DictReader(io.StringIO(run("search", "Global Compact", "--format", "csv", "--limit", "3").stdout)))
    assert len(rows) == 3 and {"cite", "score", "snippet", "text", "source"} <= set(rows[0])
    text = run("search", "Global Compact", "--limit", "2").stdout
    assert "<mark>" not in text and "\x1b[" not in text  # nothing that breaks a pipe


def test_limit_and_offset_page_through_hits(corpus):
    all_hits = [h["cite"] for h in json.loads(run("search", "migration", "--format", "json", "--limit", "6").stdout)]
    page2 = [h["cite"] for h in json.loads(run("search", "migration", "--format", "json", "--limit", "3", "--offset", "3").stdout)]
    assert page2 == all_hits[3:6]


def test_json_fields(corpus):
    hit = json.loads(run("search", "Chile troikas", "--format", "json").stdout)[0]
    for key in ("doc", "symbol", "title", "date", "doctype", "lang", "part", "kind", "ref", "numbered", "cite",
                "text", "notes", "source", "score", "snippet"):  # fmt: skip
        assert key in hit
    assert hit["doctype"] == "minutes" and hit["date"] == "2017-05-11"


def test_spanish_paragraphs_found_and_tagged(corpus):
    hits = json.loads(run("search", "agradecerle", "--format", "json").stdout)
    assert hits and hits[0]["lang"] == "es"


def test_docs_lists_metadata_and_counts(corpus):
    rows = {d["doc"]: d for d in json.loads(run("docs", "--format", "json").stdout)}
    letter = rows["letter-peru-unga-rcp-chairs-summary-2013"]
    assert (letter["symbol"], letter["date"], letter["doctype"], letter["status"]) == ("A/68/190", "2013-06-28", "letter", "ok")
    assert letter["footnotes"] == 3 and letter["paragraphs"] > 20
    assert rows["minutes-rcm-sacm-virtual-meeting-2017"]["footnotes"] == 0
    assert len({d["doctype"] for d in rows.values()}) >= 4
    assert str(corpus) in letter["source"]
    assert "A/68/190" in run("docs").stdout


def test_export_every_unit(corpus):
    lines = run("export").stdout.splitlines()
    units = [json.loads(x) for x in lines]
    assert len(units) > 150 and all(u["cite"] for u in units)
    one = run("export", "--doc", "minutes-rcm-sacm-virtual-meeting-2017", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(one)))
    assert rows and {r["doc"] for r in rows} == {"minutes-rcm-sacm-virtual-meeting-2017"}
    r = run("export", "--doc", "nope")
    assert r.exit_code == 1 and "no document with id 'nope'" in r.stderr


def test_show_unknown_citation(corpus):
    r = run("show", "A/68/190, annex, para. 99")
    assert r.exit_code == 1 and "no paragraph matches" in r.stderr and "Traceback" not in r.stderr


def test_ingest_names_bad_files_and_keeps_the_others(home, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "good.txt").write_text("1. A paragraph about labour migration that is long enough to index.\n")
    (d / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    (d / "blob.bin").write_bytes(bytes(range(256)) * 4)
    r = run("ingest", str(d), str(tmp_path / "missing.txt"))
    assert r.exit_code == 1
    for name in ("broken.pdf", "blob.bin", "missing.txt"):
        assert name in r.stderr
    assert "Traceback" not in r.stderr
    hits = json.loads(run("search", "labour migration", "--format", "json").stdout)
    assert [h["doc"] for h in hits] == ["good"]


def test_reingest_is_a_no_op_and_a_changed_file_replaces_its_units(home, tmp_path):
    f = tmp_path / "note.txt"
    f.write_text("1. The old paragraph speaks of remittances and nothing else at all.\n")
    assert run("ingest", str(f)).exit_code == 0
    r = run("ingest", str(f))
    assert "0 new or changed, 1 unchanged" in r.stderr
    f.write_text("1. The new paragraph speaks of diaspora bonds and nothing else at all.\n")
    assert run("ingest", str(f)).exit_code == 0
    assert run("search", "remittances").exit_code == 1
    assert run("search", "diaspora").exit_code == 0


def test_index_command(corpus):
    r = run("index")
    assert r.exit_code == 0 and "+0 ~0 -0" in r.stderr
    r = run("index", "--rebuild")
    assert r.exit_code == 0 and "rebuilt" in r.stderr
    assert run("search", "labour mobility").exit_code == 0


def test_every_command_has_help():
    for name, cmd in cli.commands.items():
        assert cmd.help, name
        assert run(name, "--help").exit_code == 0

"""`pincite status [--verify]` and `pincite remove`: the catalogue and the index, compared."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from lifecycle_helpers import SAMPLES, add, index_state
from pincite.cli import cli
from pincite.corpus.store import Store
from pincite.index.manager import IndexManager

SPEECH = "speech-iom-closing-remarks-lima-2013"


@pytest.fixture
def store(home):
    s = Store(home)
    add(s, SAMPLES, index=True)
    return s


def status(*args):
    r = CliRunner().invoke(cli, ["status", "--format", "json", *args])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.output
    return r.exit_code, json.loads(r.stdout)


def test_status_of_a_fresh_home_is_healthy(store):
    code, st = status("--verify")
    assert code == 0
    assert st["healthy"] and st["index"]["verified"] and st["index"]["problems"] == []
    assert st["by_status"]["ok"] == 5 and st["documents"] == 5
    assert st["units"] == store.unit_total() == st["index"]["units"] > 100
    assert st["index"]["documents"] == 5
    assert st["index"]["generation"] == IndexManager(store).current_name() != ""
    assert st["index"]["size_bytes"] > 10_000


def test_status_text_names_what_is_out_of_date_and_how_to_repair(store, tmp_path):
    extra = tmp_path / "more"
    extra.mkdir()
    shutil.copy(SAMPLES / "report-oas-cam-rcm-sacm-2017.txt", extra / "copy-report.txt")
    (extra / "copy-report.txt").write_text(
        (extra / "copy-report.txt").read_text() + "\n\n99. A paragraph only this copy has.\n"
    )
    add(store, extra)  # parsed, not indexed
    store.remove("briefing-unitar-rcps-2006")  # gone from the catalogue, still in the index
    r = CliRunner().invoke(cli, ["status"])
    assert r.exit_code == 1
    assert "1 not indexed, 0 stale, 1 removed" in r.stdout
    assert "copy-report" in r.stdout and "briefing-unitar-rcps-2006" in r.stdout
    assert "run `pincite index`" in r.stdout
    r = CliRunner().invoke(cli, ["index"])
    assert r.exit_code == 0, r.output
    code, st = status("--verify")
    assert code == 0 and st["index"]["not_indexed"] == st["index"]["removed"] == []


def test_status_sees_a_stale_document(store, home, tmp_path):
    src = tmp_path / "doc.txt"
    src.write_text("1. First version of the paragraph on return migration.\n")
    add(store, src, index=True)
    src.write_text("1. Second version of the paragraph on return migration.\n\n2. And a new one.\n")
    add(store, src)
    code, st = status()
    assert code == 1 and st["index"]["stale"] == ["doc"] and not st["healthy"]
    CliRunner().invoke(cli, ["index"])
    code, st = status("--verify")
    assert code == 0 and st["index"]["stale"] == []


def test_status_counts_failed_documents_without_calling_the_index_unhealthy(store, tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_text("   \n")
    add(store, bad, index=True)
    code, st = status("--verify")
    assert st["by_status"]["failed"] == 1 and st["by_status"]["ok"] == 5
    assert code == 0


def test_verify_catches_a_unit_count_mismatch_and_rebuild_repairs_it(store):
    # The catalogue gains a unit behind the index's back (same document version).
    u = next(store.units(SPEECH))
    store.db.execute(
        "INSERT INTO units SELECT doc, 9999, kind, ref, numbered, text, part, headings, lang, notes, page, last_page, qual, ocr"
        " FROM units WHERE doc = ? AND seq = ?",
        (SPEECH, u.seq),
    )
    assert status()[0] == 0  # versions agree: only --verify can see it
    code, st = status("--verify")
    assert code == 1
    assert any(SPEECH in p for p in st["index"]["problems"])
    assert any("--rebuild" in p for p in st["index"]["problems"])
    r = CliRunner().invoke(cli, ["status", "--verify"])
    assert "pincite index --rebuild" in r.stdout and r.exit_code == 1
    assert CliRunner().invoke(cli, ["index", "--rebuild"]).exit_code == 0
    assert status("--verify")[0] == 0


def test_status_without_an_index(home):
    s = Store(home)
    add(s, SAMPLES)  # parsed, never indexed
    code, st = status("--verify")
    assert code == 1 and st["index"]["generation"] == ""
    assert len(st["index"]["not_indexed"]) == 5
    assert any("no index" in p for p in st["index"]["problems"])


def test_remove_takes_a_document_out_of_catalogue_and_index(store, home):
    gen0, before = index_state(home)
    assert any(t.startswith(SPEECH + "|") for t in before)
    r = CliRunner().invoke(cli, ["remove", SPEECH])
    assert r.exit_code == 0, r.output
    assert store.document(SPEECH) is None and list(store.units(SPEECH)) == []
    gen1, after = index_state(home)
    assert gen1 != gen0
    assert after == {t for t in before if not t.startswith(SPEECH + "|")}
    r = CliRunner().invoke(cli, ["search", "closing", "remarks", "--doc", SPEECH])
    assert r.exit_code == 1
    assert status("--verify")[0] == 0


def test_remove_unknown_id_removes_nothing(store, home):
    _, before = index_state(home)
    r = CliRunner().invoke(cli, ["remove", SPEECH, "no-such-doc"])
    assert r.exit_code == 1
    assert "no-such-doc" in r.stderr and "nothing removed" in r.stderr
    assert "Traceback" not in r.output
    assert store.document(SPEECH) is not None
    assert index_state(home)[1] == before


def test_verify_notices_a_missing_word_list_and_rebuild_repairs_it(store):
    path = IndexManager(store).current_path()
    assert CliRunner().invoke(cli, ["search", "--format", "json", "migra*"]).exit_code == 0
    (path / "WORDS").unlink()
    code, st = status("--verify")
    assert code == 1 and any("WORDS" in p for p in st["index"]["problems"])
    assert CliRunner().invoke(cli, ["index", "--rebuild"]).exit_code == 0
    assert status("--verify")[0] == 0
    r = CliRunner().invoke(cli, ["search", "--format", "json", "migra*"])
    assert r.exit_code == 0 and json.loads(r.stdout)

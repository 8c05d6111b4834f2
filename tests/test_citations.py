"""Citations you can paste: unique within a language, resolvable in every style, with pages, from a
read-only home too. The real-corpus checks read ../shared and skip when it is absent."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from collections import Counter

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CORPUS_REAL, SAMPLES, needs_shared
from pincite.cli import cli
from pincite.corpus.model import HEADING, PARAGRAPH, Unit
from pincite.corpus.naming import disambiguate, document_name
from pincite.search import citation
from pincite.workspace import Workspace

STYLES = citation.STYLES


def u(seq, ref, *, part="", kind=PARAGRAPH, headings=(), page=None, numbered=True):
    return Unit(doc="d", seq=seq, kind=kind, ref=ref, numbered=numbered, text=f"t{seq}", part=part,
                headings=headings, page=page)  # fmt: skip


# ---- naming, as a table ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ({"symbol": "A/HRC/WG.6/7/SVN/2/Corr.1", "title": "Summary"}, "A/HRC/WG.6/7/SVN/2/Corr.1"),
        ({"issuer": "Mexico", "title": "General Debate, 73rd session", "date": "2018"},
         "Mexico, General Debate, 73rd session, 2018"),
        ({"issuer": "IOM", "title": "Closing remarks", "date": "2013-05-23"}, "IOM, Closing remarks, 23 May 2013"),
        ({"date": "2018"}, "doc-id"),  # never a bare date
        ({"issuer": "Peru", "date": "2013-06-28"}, "doc-id"),  # no title: the stable id
        ({"issuer": "Peru", "title": "Peru's statement"}, "Peru's statement"),  # the issuer is not repeated
    ],
)  # fmt: skip
def test_document_names(fields, name):
    assert document_name("doc-id", **fields) == name


def test_units_sharing_a_number_are_told_apart_by_heading_then_page_then_occurrence():
    units = [
        u(1, "8", headings=("ARRANGEMENT OF SECTIONS",), page=1),
        u(2, "8", headings=("PART II—OFFENCES",), page=4),
        u(3, "A", kind=HEADING, headings=("I. Background",)),
        u(4, "A", kind=HEADING, headings=("II. Findings",)),
        u(5, "3", page=2),
        u(6, "3", page=5),
        u(7, "4", page=2),
        u(8, "4", page=2),
        u(9, "9"),  # unique: no qualifier
    ]
    out = disambiguate(units)
    quals = [x.qual for x in out]
    assert quals[:2] == ["under “ARRANGEMENT OF SECTIONS”", "under “PART II—OFFENCES”"]
    assert quals[2:4] == ["sect. I", "sect. II"]
    assert quals[4:6] == ["p. 2", "p. 5"]
    assert quals[6:8] == ["p. 2, 1st occurrence", "p. 2, 2nd occurrence"]
    assert quals[8] == ""
    keys = Counter((x.part, x.kind, x.ref, x.qual) for x in out)
    assert max(keys.values()) == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["1", "2", "a"]), st.sampled_from(["", "annex"]),
                          st.sampled_from([(), ("I. One",), ("II. Two",)]), st.sampled_from([None, 1, 2])),
                max_size=12))  # fmt: skip
def test_disambiguation_always_gives_unique_citations(rows):
    units = [u(i + 1, ref, part=part, headings=h, page=p) for i, (ref, part, h, p) in enumerate(rows)]
    out = disambiguate(units)
    from pincite.corpus.model import Document

    doc = Document(id="d", sha256="", source="x", symbol="A/1")
    cites = [citation.cite(doc, x, s) for x in out for s in STYLES[:1]]
    assert len(set(cites)) == len(cites)


# ---- resolution on the samples -----------------------------------------------------------------------
@pytest.fixture
def run(samples_home):
    def invoke(*args):
        return CliRunner().invoke(cli, ["--home", str(samples_home), *args])

    return invoke


@pytest.mark.parametrize("style", STYLES)
def test_every_unit_of_the_samples_reads_back_in_every_style(samples_home, style):
    store = Workspace(samples_home).reader()
    docs = {d.id: d for d in store.documents()}
    units = list(store.units())
    assert len(units) > 100
    for unit in units:
        text = citation.cite(docs[unit.doc], unit, style)
        assert citation.resolve(store, text).units == [unit], text


def test_plain_and_bluebook_citations_read_back_through_the_cli(run):
    for style in ("plain", "bluebook"):
        r = run("cite", "A/68/190, annex, para. 10 (e)", "--style", style)
        assert r.exit_code == 0
        back = run("show", r.stdout.strip(), "--format", "json")
        assert back.exit_code == 0, back.stderr
        assert json.loads(back.stdout)[0]["cite"] == "A/68/190, annex, para. 10 (e)"


def test_a_hand_typed_variant_still_resolves(run):
    r = run("show", "A/68/190, annex, para 10(e)", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)[0]["ref"] == "10 (e)"


def test_an_ambiguous_citation_lists_its_candidates_and_exits_1(home, tmp_path):
    # the same symbol in two languages: without --lang it fits both, never an arbitrary pick
    for lang, words in (("en", "The meeting closed."), ("fr", "La séance est levée.")):
        f = tmp_path / f"doc-{lang}.txt"
        f.write_text(f"1. {words} The participants thanked the hosts for their work.\n", encoding="utf-8")
        (tmp_path / f"doc-{lang}.txt.meta.toml").write_text(
            f'symbol = "A/99/1"\ntitle = "A test"\nlang = "{lang}"\n', encoding="utf-8"
        )
    runner = CliRunner()
    assert runner.invoke(cli, ["--home", str(home), "ingest", str(tmp_path)]).exit_code == 0
    r = runner.invoke(cli, ["--home", str(home), "show", "A/99/1, para. 1"])
    assert r.exit_code == 1
    assert "fits 2 units" in r.stderr and "[en]" in r.stderr and "[fr]" in r.stderr
    r = runner.invoke(cli, ["--home", str(home), "show", "A/99/1, para. 1", "--lang", "fr", "--format", "json"])
    assert r.exit_code == 0 and "séance" in json.loads(r.stdout)[0]["text"]
    r = runner.invoke(cli, ["--home", str(home), "show", "A/99/1, para. 1", "--lang", "ru"])
    assert r.exit_code == 1 and "exists in en, fr" in r.stderr


# ---- a read-only home ----------------------------------------------------------------------------
def _mount_read_only(src, dst) -> bool:
    dst.mkdir()
    ok = subprocess.run(["mount", "--bind", str(src), str(dst)], capture_output=True).returncode == 0
    if ok and subprocess.run(["mount", "-o", "remount,bind,ro", str(dst)], capture_output=True).returncode:
        subprocess.run(["umount", str(dst)], capture_output=True)
        return False
    return ok


def test_a_home_mounted_read_only_answers_every_read_command(tmp_path):
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    src = tmp_path / "home"
    Workspace(src).ingest([SAMPLES])
    ro = tmp_path / "ro"
    if not _mount_read_only(src, ro):
        pytest.skip("cannot bind-mount read-only here (needs root)")
    try:
        def pincite(*args):
            return subprocess.run([sys.executable, "-m", "pincite.cli", "--home", str(ro), *args],
                                  capture_output=True, text=True, timeout=120)  # fmt: skip

        r = pincite("search", "labour mobility", "--format", "json")
        assert r.returncode == 0, r.stderr
        cite = json.loads(r.stdout)[0]["cite"]
        for args in (("show", cite), ("cite", cite, "--style", "bluebook"), ("docs",), ("export",), ("status",)):
            r = pincite(*args)
            assert r.returncode == 0, (args, r.stderr)
            assert "Traceback" not in r.stderr
        r = pincite("ingest", str(SAMPLES))
        assert r.returncode == 1 and "read-only" in r.stderr and "Traceback" not in r.stderr
    finally:
        subprocess.run(["umount", str(ro)], capture_output=True)


# ---- the mixed real corpus ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """The issue's corpus: the real PDFs, the General Debate speeches and the seeds (no sidecars)."""
    if not CORPUS_REAL.is_dir():
        pytest.skip("../shared/corpus-real is absent")
    folder = tmp_path_factory.mktemp("mixed")
    shutil.copytree(CORPUS_REAL / "pdf", folder / "pdf", ignore=shutil.ignore_patterns("scanned_un"))
    shutil.copytree(CORPUS_REAL / "txt" / "ungdc", folder / "ungdc", ignore=shutil.ignore_patterns("*README*"))
    seeds = CORPUS_REAL.parent / "seeds"
    shutil.copytree(seeds, folder / "seeds", ignore=shutil.ignore_patterns("README.md"))
    ws = Workspace(tmp_path_factory.mktemp("mixed-home") / "home")
    ws.ingest([folder])
    return ws


@needs_shared
@pytest.mark.slow
def test_no_two_units_of_a_real_mixed_corpus_share_a_citation_in_a_language(mixed):
    rows = list(mixed.export())
    assert len(rows) > 3000
    dup = Counter((r["cite"], r["doc_lang"]) for r in rows)
    shared = {k: n for k, n in dup.items() if n > 1}
    assert not shared, list(shared)[:10]
    assert not [r["cite"] for r in rows if re.match(r"^\d{4}\b", r["cite"])]  # never a bare date
    pdf_units = [r for r in rows if r["source"].endswith(".pdf")]
    assert all(r["page"] for r in pdf_units)  # every unit of a paged document has its page


@needs_shared
@pytest.mark.slow
def test_a_seeded_sample_of_real_citations_resolves_to_its_own_unit_in_every_style(mixed):
    store = mixed.reader()
    docs = {d.id: d for d in store.documents()}
    units = list(store.units())
    rng = random.Random(10)
    for unit in rng.sample(units, 300):
        doc = docs[unit.doc]
        for style in STYLES:
            text = citation.cite(doc, unit, style)
            got = citation.resolve(store, text, lang=doc.lang).units
            assert got == [unit], (style, text, got)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("MEX_73_2018.txt", {"issuer": "Mexico", "title": "General Debate, 73rd session", "date": "2018"}),
        ("USA_25_1970.txt", {"issuer": "United States of America", "title": "General Debate, 25th session"}),
        ("IRN_45_1990.txt", {"issuer": "Iran (Islamic Republic of)"}),
        ("/x/y/PHL_45_1990.txt", {"issuer": "Philippines", "date": "1990"}),
        ("MEX_73_2019.txt", {}),  # session and year disagree: not a General Debate file
        ("ABC_12_1957.txt", {}),  # no such country
        ("MEX_73_2018.pdf", {}),
    ],
)
def test_general_debate_statements_are_named_from_the_corpus_file_names(name, expected):
    from pincite.ingest.identity import from_filename

    got = from_filename(name)
    assert {k: got.get(k) for k in expected} == expected
    assert bool(got) == bool(expected)


def test_a_general_debate_statement_is_cited_by_country_and_session(home, tmp_path):
    f = tmp_path / "MEX_73_2018.txt"
    f.write_text("At the outset, I have the pleasure of congratulating you on your election.\n\n"
                 "Migration is a shared responsibility of countries of origin, transit and destination.\n",
                 encoding="utf-8")  # fmt: skip
    runner = CliRunner()
    assert runner.invoke(cli, ["--home", str(home), "ingest", str(f)]).exit_code == 0
    r = runner.invoke(cli, ["--home", str(home), "search", "shared responsibility", "--format", "json"])
    hit = json.loads(r.stdout)[0]
    assert hit["cite"] == "Mexico, General Debate, 73rd session, 2018, para. [2]"
    assert hit["doctype"] == "speech"

"""The search experience through the CLI, over the bundled samples: query language, filters,
languages, paging, grouping, facets, snippets, suggestions and output formats."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from pincite.cli import cli

LETTER = "letter-peru-unga-rcp-chairs-summary-2013"
SPEECH = "speech-iom-closing-remarks-lima-2013"
BRIEFING = "briefing-unitar-rcps-2006"
MINUTES = "minutes-rcm-sacm-virtual-meeting-2017"
REPORT = "report-oas-cam-rcm-sacm-2017"


@pytest.fixture
def run(backend_home, monkeypatch):
    """The CLI over the samples, on each index backend (conftest.backend_home)."""
    monkeypatch.delenv("NO_COLOR", raising=False)

    def invoke(*args, env=None):
        return CliRunner().invoke(cli, [*backend_home, *args], env=env)

    return invoke


def hits(run, *args) -> dict:
    r = run("search", "--format", "json", "--facets", "--limit", "100", *args)  # the object form
    assert r.exit_code in (0, 1), r.output
    assert "Traceback" not in r.output
    assert r.stdout.strip(), (r.exit_code, r.output)  # JSON even when nothing is found
    return json.loads(r.stdout)


def cites(run, *args) -> list[str]:
    return [h["cite"] for h in hits(run, *args)["hits"]]


def docs_of(run, *args) -> set[str]:
    return {h["doc"] for h in hits(run, *args)["hits"]}


# -- query language -------------------------------------------------------------------------------------
def test_words_are_anded_then_relaxed(run):
    # one paragraph holds both words: it comes first, then those holding one of them (relaxed)
    both = hits(run, "gratitude Peru")
    assert both["hits"][0]["cite"] == "A/68/190, annex, para. 11"
    assert both["total"] > 1 and both["relaxed"]["min_matched"] == 1
    assert len(hits(run, "gratitude")["hits"]) == 2
    # written with AND, the query is obeyed as written: never relaxed
    anded = hits(run, "gratitude AND Peru")
    assert [h["cite"] for h in anded["hits"]] == ["A/68/190, annex, para. 11"] and "relaxed" not in anded


def test_a_relaxed_query_says_so_on_stderr(run):
    r = run("search", "are smuggled migrants liable to criminal prosecution?")
    assert r.exit_code == 0, r.output
    assert "relaxed: no paragraph holds all" in r.stderr
    assert "'liable', 'prosecution' matched nothing" in r.stderr
    assert r.stdout.strip()
    out = hits(run, "are smuggled migrants liable to criminal prosecution?")
    assert out["relaxed"]["unmatched"] == ["liable", "prosecution"]
    assert out["relaxed"]["words"] == ["smuggled", "migrants", "liable", "criminal", "prosecution"]
    # a query every word of which one paragraph holds is not relaxed, and says nothing
    r = run("search", "gratitude")
    assert "relaxed" not in r.stderr and "matched nothing" not in r.stderr


def test_explicit_syntax_is_never_relaxed(run):
    for q in ['"gratitude to Peru"', "+gratitude +zzzqqq", "gratitude AND zzzqqq", "title:zzzqqq gratitude",
              "(gratitude zzzqqq)", "gratitud* zzzqqq"]:  # fmt: skip
        r = run("search", "--format", "json", q)
        assert r.exit_code == 1, (q, r.output)
        assert json.loads(r.stdout) == [] and "relaxed" not in r.stderr, q
    # -not excludes, +must requires
    assert not any("gratitude" in h["snippet"].lower() for h in hits(run, "Peru -gratitude")["hits"])
    assert hits(run, "Peru -gratitude")["total"] > 0
    assert cites(run, "+gratitude +Peru") == ["A/68/190, annex, para. 11"]


def test_question_forms_and_stop_words_do_not_decide_matching(run):
    plain = cites(run, "gratitude Peru hosting")
    for q in ["what gratitude did Peru have for hosting?", "¿qué gratitude Peru hosting?",
              "the gratitude of Peru for the hosting", "pourquoi gratitude Peru hosting ?"]:  # fmt: skip
        r = hits(run, q)
        assert [h["cite"] for h in r["hits"]][:3] == plain[:3], q
        assert "unmatched" not in r.get("relaxed", {}) or r["relaxed"]["unmatched"] == [], q
    # a query of stop words only keeps them
    assert hits(run, "the of")["total"] > 0
    # inside a phrase a stop word counts: the phrase must stand as written
    assert hits(run, '"Government of Peru"')["total"] > 0
    assert hits(run, '"Government the Peru"')["total"] == 0


def test_sort_by_date_and_since_until(run):
    # the report is dated 2017 only: it counts as 2017-01-01; the minutes (2017-05-11) never say migration
    days = {BRIEFING: "2006-06-20", SPEECH: "2013-05-23", LETTER: "2013-06-28", REPORT: "2017-01-01", MINUTES: "2017-05-11"}
    order = [h["doc"] for h in hits(run, "--sort", "date", "migration")["hits"]]
    assert order == sorted(order, key=days.get) and order[0] == BRIEFING and len(set(order)) == 4
    newest = [h["doc"] for h in hits(run, "--sort", "-date", "migration")["hits"]]
    assert newest == sorted(newest, key=days.get, reverse=True) and newest[0] == REPORT
    assert [h["doc"] for h in hits(run, "--sort", "-date", "meeting")["hits"]][0] == MINUTES
    # relevance orders the hits within one document's date
    rel = [h["cite"] for h in hits(run, "migration")["hits"] if h["doc"] == REPORT]
    by_date = [h["cite"] for h in hits(run, "--sort", "date", "migration")["hits"] if h["doc"] == REPORT]
    n = min(len(rel), len(by_date))  # both are cut at --limit 100
    assert n > 10 and by_date[:n] == rel[:n]
    assert docs_of(run, "--since", "2013-06", "meeting") == {LETTER, REPORT, MINUTES}
    assert docs_of(run, "--since", "2013-06", "--until", "2013", "migration") == {LETTER}
    assert docs_of(run, "--until", "2013-05-23", "migration") == {BRIEFING, SPEECH}
    assert docs_of(run, "--since", "2017-06-01", "migration") == {REPORT}  # a year-only date spans its year
    r = run("search", "--since", "2030", "migration")
    assert r.exit_code == 1 and "no document is dated in that range" in r.stderr
    for bad in (["--since", "2013-13"], ["--until", "May 2013"], ["--since", "2017", "--until", "2013"]):
        r = run("search", *bad, "migration")
        assert r.exit_code == 2 and "Traceback" not in r.output and "--" in r.stderr, bad


def test_words_near_each_other_rank_first(run):
    # "human rights" as a phrase beats paragraphs where human and rights stand apart
    top = hits(run, "human rights migrants")["hits"][:3]
    assert all("human rights" in h["snippet"].replace("<mark>", "").replace("</mark>", "").lower() for h in top)


def test_stop_words_do_not_defeat_and(run):
    # "the" must not be demanded of a field that drops it: both gratitude paragraphs contain "the"
    assert len(hits(run, "the gratitude")["hits"]) == 2


def test_or_not_and_grouping(run):
    assert len(hits(run, "gratitude OR troikas")["hits"]) > len(hits(run, "gratitude")["hits"])
    assert docs_of(run, "gratitude NOT Peru") == {SPEECH}
    assert docs_of(run, "(Switzerland OR Peru) gratitude") == {LETTER, SPEECH}
    assert docs_of(run, "(Switzerland OR Peru) AND gratitude NOT hosting") == {SPEECH}


def test_phrase_is_exact_and_ordered(run):
    ph = cites(run, '"deep gratitude"')
    assert ph == ["A/68/190, annex, para. 11"]
    assert cites(run, '"gratitude deep"') == []


def test_prefix_and_fuzzy_match_words_as_written(run):
    # migration* would miss on stems (migrat); it searches unstemmed words
    assert hits(run, "migration*")["total"] > 0
    assert hits(run, "troika*")["total"] == hits(run, "troikas")["total"] > 0
    assert hits(run, "gratitud~")["total"] == 2
    assert hits(run, "gratitudd~")["total"] == 2
    assert hits(run, "grattiude~")["total"] == 0  # two edits
    assert hits(run, "grattiude~2")["total"] == 2


def test_prefix_hits_are_marked_in_snippets(run):
    h = hits(run, "troika*")["hits"][0]
    assert "<mark>troika" in h["snippet"].lower()


@pytest.mark.parametrize(
    "query, want",
    [
        ("type:speech gratitude", {SPEECH}),
        ("type:Letter gratitude", {LETTER}),
        ("lang:es reunión", {SPEECH}),
        ("year:2013 gratitude", {LETTER, SPEECH}),
        ("year:2006..2013 regional", {BRIEFING, LETTER, SPEECH}),
        ("year:2014.. regional", {MINUTES, REPORT}),
        ("year:..2006 regional", {BRIEFING}),
        ("symbol:A/68/190 gratitude", {LETTER}),
        ("symbol:a/68/190 gratitude", {LETTER}),
        (f"doc:{SPEECH} gratitude", {SPEECH}),
        ("(type:speech OR type:letter) gratitude", {LETTER, SPEECH}),
        ("NOT type:letter gratitude", {SPEECH}),
    ],
)
def test_filters_in_the_query(run, query, want):
    assert docs_of(run, query) == want


def test_part_and_kind_in_the_query(run):
    annex = hits(run, "part:annex benefits")["hits"]
    assert annex and all(h["part"] == "annex" for h in annex)
    assert hits(run, 'part:"annex I" benefits')["total"] == 0  # the sample letter's annex has no number
    notes = hits(run, "kind:footnote")["hits"]
    assert notes and {h["kind"] for h in notes} == {"footnote"}
    assert {h["kind"] for h in hits(run, "kind:note")["hits"]} == {"footnote"}
    assert "A/68/190, annex, footnote a" in cites(run, "kind:footnote part:annex")


def test_filters_as_options(run):
    assert docs_of(run, "gratitude", "--type", "speech") == {SPEECH}
    assert docs_of(run, "gratitude", "--type", "speech", "--type", "letter") == {SPEECH, LETTER}
    assert docs_of(run, "reunión", "--lang", "es") == {SPEECH}
    assert (
        docs_of(run, "regional", "--lang", "ES") == {SPEECH}
        or docs_of(run, "regional", "--lang", "ES") == set()
    )
    assert docs_of(run, "regional", "--year", "2014..2017") == {MINUTES, REPORT}
    assert docs_of(run, "regional", "--year", "2006") == {BRIEFING}
    assert docs_of(run, "gratitude", "--doc", LETTER) == {LETTER}
    assert docs_of(run, "gratitude", "--symbol", "A/68/190") == {LETTER}
    annex = hits(run, "benefits", "--part", "annex")["hits"]
    assert annex and {h["part"] for h in annex} == {"annex"}
    assert {h["kind"] for h in hits(run, "*", "--kind", "footnote")["hits"]} == {"footnote"}


def test_bad_filter_values_are_messages_not_tracebacks(run):
    for args, needle in [
        (["year:20x3"], "year"),
        (["x", "--year", "soon"], "--year"),
        (["kind:table"], "kind"),
        (["("], "no words"),
    ]:
        r = run("search", *args)
        assert r.exit_code == 2, (args, r.output)
        assert needle in r.stderr and "Traceback" not in r.output


@pytest.mark.parametrize(
    "query", ['"deep gratitude', "gratitude)", "(gratitude", '((gratitude OR "deep', "gratitude^", "x:"]
)
def test_unbalanced_queries_are_read_leniently(run, query):
    r = run("search", "--format", "json", query)
    assert r.exit_code in (0, 1), r.output
    assert "Traceback" not in r.output
    json.loads(r.stdout)


def test_unbalanced_quote_still_finds_and_says_so(run):
    r = run("search", '"deep gratitude')
    assert r.exit_code == 0
    assert "A/68/190, annex, para. 11" in r.stdout
    assert "unbalanced quote" in r.stderr


# -- languages ------------------------------------------------------------------------------------------
def test_accents_are_folded_both_ways(run):
    assert docs_of(run, "reunion") == {SPEECH}
    assert docs_of(run, "reunión") == {SPEECH}
    assert docs_of(run, "preparacion") == docs_of(run, "preparación") == {SPEECH}
    assert REPORT in docs_of(run, "Asuncion")
    assert docs_of(run, "Asuncion") == docs_of(run, "Asunción")


def test_stemming_per_language(run):
    # English: "consultations" finds "consultation"; Spanish: "reuniones" finds "reunión"
    assert hits(run, "consultations")["total"] >= hits(run, '"consultations"')["total"]
    assert docs_of(run, "reuniones") == {SPEECH}


def test_a_query_searches_every_language_unless_narrowed(run):
    assert {h["lang"] for h in hits(run, "agradecerle")["hits"]} == {"es"}
    assert {h["lang"] for h in hits(run, "OIM")["hits"]} == {"en", "es"}
    assert {h["lang"] for h in hits(run, "OIM", "--lang", "es")["hits"]} == {"es"}
    assert {h["lang"] for h in hits(run, "lang:en OIM")["hits"]} == {"en"}


# -- results ----------------------------------------------------------------------------------------------
def test_paging_is_stable_and_complete(run):
    full = cites(run, "migration", "--limit", "1000")
    assert len(full) == hits(run, "migration", "--limit", "0")["total"] > 20
    paged = []
    for off in range(0, len(full), 7):
        paged += cites(run, "migration", "--limit", "7", "--offset", str(off))
    assert paged == full
    assert cites(run, "migration", "--limit", "1000") == full  # deterministic


def test_ties_are_broken_by_document_then_position(run):
    hs = hits(run, "kind:footnote")["hits"]  # a filter alone scores every hit the same
    keys = [(h["doc"], h["seq"]) for h in hs]
    assert keys == sorted(keys)


def test_limit_zero_reports_total(run):
    out = hits(run, "migration", "--limit", "0")
    assert out["hits"] == [] and out["total"] > 20
    r = run("search", "migration", "--limit", "0")
    assert r.exit_code == 0


def test_group_keeps_the_best_unit_per_document(run):
    all_hits = hits(run, "regional")["hits"]
    grouped = hits(run, "regional", "--group")
    docs = [h["doc"] for h in grouped["hits"]]
    assert len(docs) == len(set(docs)) == grouped["total"]
    best = {}
    for h in all_hits:
        best.setdefault(h["doc"], h["cite"])
    assert [h["cite"] for h in grouped["hits"]] == [best[d] for d in docs]


def test_facets_count_hits(run):
    out = hits(run, "gratitude", "--facets")
    f = out["facets"]
    assert f["type"] == {"letter": 1, "speech": 1}
    assert f["year"] == {"2013": 2}
    assert f["lang"] == {"en": 2}
    assert f["doc"] == {LETTER: 1, SPEECH: 1}
    many = hits(run, "migration", "--facets", "--limit", "1")
    assert sum(many["facets"]["doc"].values()) == many["total"]
    plain = run("search", "--format", "json", "gratitude")
    assert isinstance(json.loads(plain.stdout), list)  # without --facets, JSON is the list of hits


def test_facets_in_text_follow_the_hits(run):
    r = run("search", "gratitude", "--facets")
    assert r.exit_code == 0
    assert "type: letter 1, speech 1" in r.stdout
    assert r.stdout.index("A/68/190, annex, para. 11") < r.stdout.index("type:")
    r = run("search", "gratitude", "--facets", "--format", "jsonl")
    assert "type: letter 1, speech 1" in r.stderr and "type:" not in r.stdout


def test_snippets_mark_matches(run):
    h = hits(run, "gratitude Peru")["hits"][0]
    assert "<mark>gratitude</mark>" in h["snippet"] and "<mark>Peru</mark>" in h["snippet"]
    es = hits(run, "reunion")["hits"][0]
    assert "<mark>reunión</mark>" in es["snippet"]
    long = hits(run, "Montevideo")["hits"][0]  # a long paragraph: the snippet is a window around the match
    assert len(long["snippet"]) < len(long["text"]) and "<mark>Montevideo</mark>" in long["snippet"]


def test_no_marks_or_colour_in_a_pipe(run):
    r = run("search", "gratitude")
    assert "<mark>" not in r.stdout and "\x1b[" not in r.stdout
    assert "gratitude" in r.stdout


class _Tty:
    def isatty(self):
        return True


def test_colour_on_a_terminal_unless_no_color(run, monkeypatch):
    from pincite import render

    assert render.use_colour(_Tty()) is True
    assert render.use_colour(io.StringIO()) is False
    real = render.use_colour
    monkeypatch.setattr(
        render, "use_colour", lambda stream=None, mode="auto": real(_Tty(), mode)
    )  # as if stdout were a terminal
    r = run("search", "gratitude")
    assert "\x1b[1;33mgratitude\x1b[0m" in r.stdout and "<mark>" not in r.stdout
    monkeypatch.setenv("NO_COLOR", "1")
    assert render.use_colour(_Tty()) is False
    r = run("search", "gratitude")
    assert "\x1b[" not in r.stdout and "<mark>" not in r.stdout


def test_did_you_mean(run):
    r = run("search", "gratitdue")
    assert r.exit_code == 1
    assert "did you mean: gratitude" in r.stderr
    out = hits(run, "gratitdue Peru")  # relaxed to the paragraphs with Peru, and the typo noticed
    assert out["relaxed"]["unmatched"] == ["gratitdue"] and out["suggestion"] == "gratitude Peru"
    assert "suggestion" not in hits(run, "gratitude")
    assert "suggestion" not in hits(run, "qqqqqqqq")  # nothing near: no suggestion


# -- formats ----------------------------------------------------------------------------------------------
def test_text_format_is_one_block_per_hit(run):
    r = run("search", "gratitude")
    blocks = r.stdout.strip().split("\n\n")
    assert len(blocks) == 2
    first = blocks[0].splitlines()
    assert first[0] == "A/68/190, annex, para. 11"
    assert first[-1].strip().startswith("—") and first[-1].endswith(".md")
    assert "2 hits" in r.stderr


def test_jsonl_and_csv(run):
    r = run("search", "gratitude", "--format", "jsonl")
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["cite"] for x in lines][0] == "A/68/190, annex, para. 11" and len(lines) == 2
    r = run("search", "gratitude", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert (
        len(rows) == 2 and rows[0]["cite"] == "A/68/190, annex, para. 11" and rows[0]["symbol"] == "A/68/190"
    )
    assert "<mark>gratitude</mark>" in rows[0]["snippet"]  # machine formats keep the marks, as JSON does
    r = run("search", "qqqqqq", "--format", "csv")
    assert r.exit_code == 1 and r.stdout.startswith("cite,")


def test_exit_codes(run):
    assert run("search", "gratitude").exit_code == 0
    assert run("search", "qqqqqq").exit_code == 1
    assert run("search", "year:x").exit_code == 2


def test_more_fields_in_the_query(run):
    assert docs_of(run, "doctype:speech gratitude") == {SPEECH}
    assert docs_of(run, "title:Lima") == {SPEECH}  # the speech's title names Lima; the letter's does not
    assert hits(run, "headings:objectives")["total"] > 0
    assert docs_of(run, "headings:objectives") == {BRIEFING}
    # a word followed by a colon that is no field is read as words
    assert docs_of(run, "gratitude:Peru") == docs_of(run, "gratitude Peru")


def test_a_lone_not_and_odd_input_do_not_crash(run):
    for q in ["NOT gratitude", "AND", "OR OR", "*", "year:>2013 gratitude", "\\", "'", "[1 TO"]:
        r = run("search", "--format", "json", q)
        assert r.exit_code in (0, 1, 2), (q, r.output)
        assert "Traceback" not in r.output, q


def test_group_in_text_counts_documents(run):
    r = run("search", "regional", "--group")
    assert r.exit_code == 0
    assert "5 documents" in r.stderr
    assert len(r.stdout.strip().split("\n\n")) == 5


def test_facets_text_shows_the_largest_values():
    from pincite.render import facets_text

    counts = {f"d{i:02d}": 20 - i for i in range(12)}
    line = facets_text({"doc": counts})
    assert line.startswith("doc: d00 20, d01 19") and line.endswith("… 2 more") and "d10" not in line


def test_show_and_cite_as_jsonl(run):
    r = run("show", "A/68/190, annex, para. 8 (b)", "-C", "1", "--format", "jsonl")
    (row,) = [json.loads(x) for x in r.stdout.splitlines()]
    assert row["cite"] == "A/68/190, annex, para. 8 (b)" and len(row["before"]) == 1
    r = run("cite", "A/68/190, annex, para. 8 (b)", "--format", "jsonl", "--style", "bluebook")
    assert json.loads(r.stdout)["cite"] == "A/68/190, annex ¶ 8(b)"


def test_phrases_in_spanish_with_or_without_accents(run):
    assert cites(run, '"esta reunión"') == cites(run, '"esta reunion"')
    assert {h["doc"] for h in hits(run, '"esta reunion"')["hits"]} == {SPEECH}
    assert hits(run, '"reunion esta"')["total"] == 0


def test_a_relaxed_query_with_a_few_full_matches_does_not_say_there_are_none(run):
    # one paragraph of the samples holds "gratitude" and "Peru": it comes first, and the note says so
    r = run("search", "gratitude Peru")
    assert r.exit_code == 0, r.output
    assert "only 1 paragraph holds all 2 words" in r.stderr
    assert "no paragraph holds all" not in r.stderr


def test_a_search_process_starts_one_blas_thread(tmp_path):
    """numpy's OpenBLAS starts a thread per core when imported; a search process (which imports numpy
    for the one-pass tiers of a large index, and multiplies no matrices) asks for one, unless the
    user said otherwise or numpy was imported before."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import os, sys\n"
        "from pincite.search import engine\n"
        "engine.VECTOR_POSTINGS_MIN = 0  # the numpy pass even on the samples\n"
        "from pincite import cli\n"
        "sys.argv = ['pincite', 'search', '-c', 'migration']\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        "print('numpy' in sys.modules, os.environ.get('OPENBLAS_NUM_THREADS'), len(os.listdir('/proc/self/task')))\n"
    )
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    env.update(PYTHONPATH=src, PINCITE_HOME=str(tmp_path / "home"))

    def run(**extra):
        r = subprocess.run([sys.executable, "-c", code], env={**env, **extra}, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        return r.stdout.split()[-3:]

    assert run() == ["True", "1", "1"]  # numpy imported, and no thread besides the main one
    assert run(OPENBLAS_NUM_THREADS="2")[:2] == ["True", "2"]  # the user's choice stands

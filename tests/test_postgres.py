"""The PostgreSQL backend against a real server (a throwaway cluster, conftest.pg_cluster): the same
results as the embedded index, one corpus shared by several homes, concurrent and failed writers,
schema migrations. The CLI and search tests also run on it (conftest.backend_home)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest
from click.testing import CliRunner

from conftest import CORPUS_REAL, ROOT, SAMPLES, needs_shared
from lifecycle_helpers import cli_env
from pincite.cli import cli
from pincite.errors import IndexBusy, StoreError
from pincite.index import postgres
from pincite.index.backend import open_backend
from pincite.search.engine import search
from pincite.search.evaluate import evaluate, load
from pincite.workspace import Workspace

JUDGED = load(ROOT / "tests" / "judged" / "queries.toml")
QUESTIONS = load(ROOT / "tests" / "judged" / "questions.toml")
QUERIES = [
    "labour mobility", '"regional consultative"', "migra*", "migraton~", "type:speech closing",
    "protection NOT refugees", "year:2013..2017 cooperation", "part:annex dialogue", "kind:footnote",
    "lang:es migración", "mobility -labour", "(return OR readmission) AND cooperation", "",
    "what did the chairs say about labour migration", "title:migration",
]  # fmt: skip


def pg(url, home):
    return Workspace(home, database=url)


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


def dump(res):
    return {k: getattr(res, k) for k in ("total", "facets", "notice", "suggestion", "relaxed")} | {
        "hits": [(h.doc.id, h.unit.seq, h.cite, round(h.score, 9), h.snippet) for h in res.hits]
    }


@pytest.mark.parametrize("query", QUERIES)
def test_the_same_hits_scores_facets_and_notes_as_the_embedded_index(query, pg_samples, samples_home):
    home, url = pg_samples
    whoosh = Workspace(samples_home).reader()
    shared = pg(url, home).reader()
    for kw in (
        {"limit": 10}, {"limit": 5, "offset": 3, "facets": True}, {"group": True, "limit": 20},
        {"limit": 10, "filters": {"type": "speech"}}, {"limit": 10, "filters": {"lang": "en", "year": "2013..2017"}},
    ):  # fmt: skip
        assert dump(search(shared, query, **kw)) == dump(search(whoosh, query, **kw)), (query, kw)


def test_judged_set_ndcg_within_002_of_whoosh(pg_samples, samples_home):
    home, url = pg_samples
    judged = [j for j in JUDGED if j.corpus == "samples"]
    w = evaluate(Workspace(samples_home).reader(), judged)
    p = evaluate(pg(url, home).reader(), judged)
    assert len(judged) >= 25
    assert abs(p.ndcg - w.ndcg) <= 0.02, (p.ndcg, w.ndcg)
    assert p.ndcg > 0.5  # it really ranks (the floors of test_relevance hold the embedded index)


@needs_shared
@pytest.mark.shared
@pytest.mark.slow
def test_every_judged_set_scores_within_002_ndcg_of_whoosh(pg_samples, samples_home, pg_cluster, tmp_path):
    """Every judged set of tests/judged (keywords and questions) over every corpus it names: the
    samples, the UN Charter in three languages and the General Debate speeches, each ingested into
    an embedded home and, parsed and analysed again, into the database from another home."""
    txt = CORPUS_REAL / "txt"
    files = {
        "charter": [txt / "un_charter" / f"raw_un_charter_{lang}.txt" for lang in ("en", "es", "fr")],
        "ungdc": sorted((txt / "ungdc").glob("*_*_*.txt")),
    }
    stores = {"samples": (Workspace(samples_home).reader(), pg(pg_samples[1], pg_samples[0]).reader())}
    for corpus, paths in files.items():
        embedded = Workspace(tmp_path / f"{corpus}-whoosh")
        embedded.ingest(paths)
        db = pg_cluster.createdb(f"judged_{corpus}_{os.getpid()}")  # a corpus's statistics are its own
        shared = pg(db, tmp_path / f"{corpus}-pg")
        shared.ingest(paths)
        stores[corpus] = (embedded.reader(), shared.reader())
    seen = set()
    for name, judged in (("queries", JUDGED), ("questions", QUESTIONS)):
        for corpus, (whoosh, shared) in stores.items():
            mine = [j for j in judged if j.corpus == corpus]
            if not mine:
                continue
            seen.add((name, corpus))
            w, p = evaluate(whoosh, mine), evaluate(shared, mine)
            assert abs(p.ndcg - w.ndcg) <= 0.02, (name, corpus, p.ndcg, w.ndcg)
            assert abs(p.mrr - w.mrr) <= 0.02, (name, corpus, p.mrr, w.mrr)
            assert w.ndcg > 0.3, (name, corpus, w.ndcg)  # both really rank
    assert seen == {("queries", "samples"), ("queries", "charter"), ("questions", "samples"),
                    ("questions", "charter"), ("questions", "ungdc")}  # fmt: skip


def test_a_document_ingested_from_one_home_is_found_from_another(pg_url, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    pa = write(tmp_path / "docs-a", "alpha.txt", "1. The quixotic wombat committee met in Lima on return policy.\n")
    pb = write(tmp_path / "docs-b", "beta.txt", "1. Bilateral labour agreements on zebrafish inspection.\n")
    pg(pg_url, a).ingest([pa])
    pg(pg_url, b).ingest([pb])
    # home b never saw alpha.txt: search, show, cite, docs and open all read the database
    r = CliRunner().invoke(cli, ["--home", str(b), "--database", pg_url, "search", "wombat", "--format", "json"])
    assert r.exit_code == 0, r.output
    hit = json.loads(r.stdout)[0]
    assert hit["doc"] == "alpha" and "wombat" in hit["snippet"]
    r = CliRunner().invoke(cli, ["--home", str(b), "--database", pg_url, "show", hit["cite"], "--format", "json"])
    assert r.exit_code == 0 and "quixotic" in r.stdout, r.output
    r = CliRunner().invoke(cli, ["--home", str(b), "--database", pg_url, "docs", "--format", "json"])
    assert {d["doc"] for d in json.loads(r.stdout)} == {"alpha", "beta"}
    pa.unlink()  # the file as ingested is gone: `open` gives the copy the database keeps
    got = pg(pg_url, b).locate(hit["cite"])
    assert got["path"].startswith(str(b)) and open(got["path"], encoding="utf-8").read().startswith("1. The quixotic")
    # a sync from home b leaves home a's document alone; home a's removal takes it out for everyone
    assert open_backend(pg(pg_url, b).store).sync().removed == []
    pg(pg_url, a).remove(["alpha"])
    assert search(pg(pg_url, b).reader(), "wombat").total == 0
    assert search(pg(pg_url, b).reader(), "zebrafish").total == 1


def test_a_changed_document_replaces_its_units(pg_url, tmp_path):
    home = tmp_path / "h"
    p = write(tmp_path / "docs", "note.txt", "1. Seasonal workers from Guatemala.\n")
    ws = pg(pg_url, home)
    ws.ingest([p])
    p.write_text("1. Circular migration schemes for nurses.\n", encoding="utf-8")
    rep = ws.ingest([p]).index
    assert rep.replaced == ["note"] and rep.units == 1
    reader = ws.reader()
    assert search(reader, "guatemala").total == 0
    assert search(reader, "nurses").total == 1
    st = ws.status(verify=True)["index"]
    assert st["healthy"], (st["problems"], st["not_indexed"], st["stale"], st["removed"])


def test_a_failed_sync_changes_nothing(pg_url, tmp_path, monkeypatch):
    home = tmp_path / "h"
    ws = pg(pg_url, home)
    ws.ingest([write(tmp_path / "d1", "one.txt", "1. Remittance corridors in Central America.\n")])
    before = ws.status()["index"]

    def broken(self, conn, touched):  # fails after the units and postings were copied in
        raise postgres._psycopg().OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(postgres.PostgresBackend, "_restat", broken)
    with pytest.raises(StoreError, match="nothing was changed"):
        ws.ingest([write(tmp_path / "d2", "two.txt", "1. Diaspora bonds and remittance taxes.\n")])
    monkeypatch.undo()
    after = pg(pg_url, home).status()["index"]
    assert (after["generation"], after["documents"], after["units"]) == (before["generation"], 1, 1)
    assert search(ws.reader(), "diaspora").total == 0
    assert pg(pg_url, home).reindex()[1].added == ["two"]  # the next sync brings it
    assert search(ws.reader(), "diaspora").total == 1


def test_a_writer_waits_for_another_then_says_busy(pg_url, tmp_path):
    home = tmp_path / "h"
    ws = pg(pg_url, home)
    ws.ingest([write(tmp_path / "d", "one.txt", "1. Text.\n")])
    holder = postgres.connect(pg_url)
    with holder.transaction():
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (postgres.LOCK_KEY,))
        with pytest.raises(IndexBusy, match="busy"):
            open_backend(ws.store).sync(rebuild=True, wait=0.3)
        r = CliRunner().invoke(cli, ["--home", str(home), "--database", pg_url, "index", "--rebuild", "--wait", "0.2"])
        assert r.exit_code == 3, r.output
    holder.close()
    assert open_backend(ws.store).sync(rebuild=True).rebuilt


@pytest.mark.slow
def test_two_ingests_from_two_homes_at_once_lose_nothing(pg_url, tmp_path):
    procs = []
    for who in ("a", "b"):
        folder = tmp_path / f"docs-{who}"
        for i in range(6):
            write(folder, f"{who}{i}.txt", f"1. Report {who}{i} on labour migration, word{who}{i}.\n")
        env = cli_env(tmp_path / who) | {"PINCITE_DATABASE": pg_url}
        procs.append(subprocess.Popen([sys.executable, "-m", "pincite.cli", "ingest", str(folder)], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))  # fmt: skip
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    reader = pg(pg_url, tmp_path / "a").reader()
    assert len(reader.documents()) == 12
    assert all(search(reader, f"word{w}{i}").total == 1 for w in "ab" for i in range(6))


def test_readers_see_a_whole_sync_or_none_of_it(pg_url, tmp_path):
    home = tmp_path / "h"
    ws = pg(pg_url, home)
    ws.ingest([write(tmp_path / "d0", "base.txt", "1. Baseline paragraph about asylum.\n")])
    totals, stop = [], threading.Event()

    def read():
        reader = pg(pg_url, tmp_path / "r").reader()
        while not stop.is_set():
            res = search(reader, "asylum", limit=0)
            totals.append(res.total)

    t = threading.Thread(target=read)
    t.start()
    try:
        folder = tmp_path / "d1"
        for i in range(5):
            write(folder, f"n{i}.txt", "".join(f"{k}. Asylum paragraph {k} of file {i}.\n\n" for k in range(1, 21)))
        ws.ingest([folder])
    finally:
        stop.set()
        t.join(30)
    assert totals and set(totals) <= {1, 101}  # never part of the five new documents


def test_schema_is_versioned_and_a_newer_one_is_refused(pg_url, tmp_path):
    conn = postgres.connect(pg_url)
    assert postgres.migrate(conn) == 0  # a new database: every migration ran
    assert postgres.migrate(conn) == postgres.SCHEMA_VERSION  # and only once
    assert conn.execute("SELECT value FROM pincite_meta WHERE key = 'schema'").fetchone()[0] == str(
        postgres.SCHEMA_VERSION
    )
    conn.execute("UPDATE pincite_meta SET value = '99' WHERE key = 'schema'")
    conn.commit()
    postgres._MIGRATED.discard(pg_url)
    r = CliRunner().invoke(cli, ["--home", str(tmp_path / "h"), "--database", pg_url, "ingest", str(SAMPLES)])
    assert r.exit_code != 0 and "newer pincite" in r.output and "Traceback" not in r.output


def test_a_database_that_cannot_be_reached_is_a_message(tmp_path):
    bad = f"postgresql://nobody@/nodb?host={tmp_path}/no-socket-here"
    r = CliRunner().invoke(cli, ["--home", str(tmp_path / "h"), "--database", bad, "ingest", str(SAMPLES)])
    assert r.exit_code != 0 and "cannot connect to the database" in r.output and "Traceback" not in r.output


def test_the_environment_variable_and_the_config_name_the_database(pg_samples, tmp_path, monkeypatch):
    _, url = pg_samples
    other = tmp_path / "h"
    other.mkdir()
    env = cli_env(other) | {"PINCITE_DATABASE": url}
    r = subprocess.run([sys.executable, "-m", "pincite.cli", "status", "--format", "json"], env=env,
                       capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode in (0, 1), r.stderr
    assert json.loads(r.stdout)["index"]["documents"] == 5
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'database = "{url}"\n')
    env = cli_env(other) | {"PINCITE_CONFIG": str(cfg)}
    env.pop("PINCITE_DATABASE", None)
    r = subprocess.run([sys.executable, "-m", "pincite.cli", "search", "wombat OR mobility", "--format", "json", "--facets"],
                       env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["total"] > 0 and "samples" not in r.stderr


def test_two_homes_giving_one_id_to_different_files_never_overwrite_each_other(pg_url, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write(tmp_path / "x", "report.txt", "1. Ostriches crossing the border.\n")
    write(tmp_path / "y", "report.txt", "1. Pelicans crossing the border.\n")
    write(tmp_path / "z", "same.txt", "1. Identical bytes in two homes.\n")
    assert pg(pg_url, a).ingest([tmp_path / "x" / "report.txt", tmp_path / "z" / "same.txt"]).index.conflicts == []
    r = CliRunner().invoke(cli, ["--home", str(b), "--database", pg_url, "ingest", str(tmp_path / "y"), str(tmp_path / "z")])
    assert r.exit_code == 1 and "report: another home's different document has this id" in r.stderr, r.output
    reader = pg(pg_url, b).reader()
    assert search(reader, "ostriches").total == 1 and search(reader, "pelicans").total == 0
    assert search(reader, "identical").total == 1 and len(reader.documents()) == 2


def test_an_existing_home_moves_into_the_database_without_analysing_again(pg_url, tmp_path, monkeypatch):
    home = tmp_path / "h"
    Workspace(home, database="").ingest([SAMPLES])  # an embedded home, as a user has it
    whoosh = Workspace(home, database="").reader()

    def no(*a, **k):
        raise AssertionError("the units were analysed again")

    monkeypatch.setattr(postgres.PostgresBackend, "_add", no)
    rep = pg(pg_url, home).reindex()[1]  # `pincite --database URL index`: copied from the home's index
    monkeypatch.undo()
    assert rep.units == Workspace(home, database="").store.unit_total() and len(rep.added) == 5
    shared = pg(pg_url, tmp_path / "other").reader()
    for query in QUERIES:
        assert dump(search(shared, query, limit=10)) == dump(search(whoosh, query, limit=10)), query
    # and the copy is a database like any other: a home adds to it, removes from it, and it verifies
    ws = pg(pg_url, home)
    ws.ingest([write(tmp_path / "d", "extra.txt", "1. Pangolin trafficking across the Sahel.\n")])
    gone = shared.documents()[0].id
    ws.remove([gone])
    reader = pg(pg_url, tmp_path / "other").reader()
    assert search(reader, "pangolin").total == 1
    assert all(h.doc.id != gone for h in search(reader, "migration", limit=50).hits)
    st = ws.status(verify=True)["index"]
    assert st["healthy"], (st["problems"], st["not_indexed"], st["stale"], st["removed"])


def test_a_database_analysed_by_another_index_format_is_refused_until_rebuilt(pg_url, tmp_path):
    from pincite.index.generations import INDEX_FORMAT

    a, b = tmp_path / "a", tmp_path / "b"
    pg(pg_url, a).ingest([write(tmp_path / "docs-a", "alpha.txt", "1. International cooperation on returns.\n")])
    conn = postgres.connect(pg_url, autocommit=True)
    assert postgres.analysis_of(conn) == INDEX_FORMAT
    conn.execute("DELETE FROM pincite_meta WHERE key = 'analysis'")  # written before the key was kept
    assert postgres.analysis_of(conn) == 4
    cli_a = ["--home", str(a), "--database", pg_url]
    for args in (["search", "international"], ["index"]):  # a search would miss words; so would an update
        r = CliRunner().invoke(cli, [*cli_a, *args])
        assert r.exit_code == 1 and not r.stdout, (args, r.output)  # a failure (README: exit codes)
        assert "another version of pincite (index format 4" in r.output and "Traceback" not in r.output
        assert "pincite index --rebuild" in r.output
    r = CliRunner().invoke(cli, [*cli_a, "index", "--rebuild"])  # this home published everything: allowed
    assert r.exit_code == 0, r.output
    assert postgres.analysis_of(conn) == INDEX_FORMAT
    r = CliRunner().invoke(cli, [*cli_a, "search", "--format", "json", "international"])
    assert r.exit_code == 0 and [h["doc"] for h in json.loads(r.stdout)] == ["alpha"], r.output
    # with another home's documents in it, one home cannot rebuild it alone
    pg(pg_url, b).ingest([write(tmp_path / "docs-b", "beta.txt", "1. Labour mobility in the region.\n")])
    conn.execute("UPDATE pincite_meta SET value = '4' WHERE key = 'analysis'")
    r = CliRunner().invoke(cli, [*cli_a, "index", "--rebuild"])
    assert r.exit_code == 1 and "1 other home(s)" in r.output and "new, empty database" in r.output
    assert conn.execute("SELECT count(*) FROM pincite_documents").fetchone()[0] == 2  # nothing lost


def test_every_command_works_with_pincite_database_set(pg_url, tmp_path, monkeypatch):
    """Each command of the CLI, run with PINCITE_DATABASE naming the database (no --database): what
    it writes goes into the database, what it reads comes from there."""
    from crawlsite import Reply, Site
    from webhome import Server

    monkeypatch.setenv("PINCITE_DATABASE", pg_url)
    home, other = tmp_path / "home", tmp_path / "other"
    other.mkdir()

    def run(*args, at=home):
        return CliRunner().invoke(cli, ["--home", str(at), *args], catch_exceptions=False)

    doc = write(tmp_path / "docs", "levies.txt", "1. Recruitment fees charged to seasonal workers are banned.\n\n"
                "2. Employers repay the visa costs of domestic workers.\n")  # fmt: skip
    r = run("ingest", "-q", str(doc))
    assert r.exit_code == 0, r.output
    page = b"<html><head><title>index</title></head><body><a href='summary.txt'>summary</a></body></html>"
    text = b"1. Circular migration schemes for caregivers were renewed.\n"
    with Site({"/robots.txt": Reply(404)}) as site:
        site.routes["/t/index.html"] = Reply(200, page, {"Content-Type": "text/html"})
        site.routes["/t/summary.txt"] = Reply(200, text, {"Content-Type": "text/plain; charset=utf-8"})
        r = run("crawl", f"{site.base}/t/index.html", "--delay", "0.01", "--type", "text", "--contact",
                "https://example.org/tests", "-q")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert run("index").exit_code == 0
    r = run("status", "--verify", "--format", "json")
    assert r.exit_code == 0, r.output
    st = json.loads(r.stdout)["index"]
    assert st["documents"] == 2 and st["pointer"].startswith("postgresql://")
    # read from another home: everything comes from the database
    r = run("search", "recruitment fees", "--format", "json", at=other)
    assert r.exit_code == 0, r.output
    hit = json.loads(r.stdout)[0]
    assert hit["doc"] == "levies"
    assert run("search", "caregivers", "-c", at=other).stdout.strip() == "1"
    r = run("show", hit["cite"], "--format", "json", at=other)
    assert r.exit_code == 0 and "seasonal workers" in r.stdout, r.output
    r = run("cite", hit["cite"], "--style", "plain", at=other)
    assert r.exit_code == 0 and r.stdout.strip(), r.output
    r = run("open", hit["cite"], "--print", at=other)
    assert r.exit_code == 0 and r.stdout.split("\t")[0].endswith(".txt"), r.output
    r = run("docs", "--format", "json", at=other)
    assert {d["doc"] for d in json.loads(r.stdout)} == {"levies", "summary"}, r.stdout
    r = run("export", "--format", "jsonl", at=other)
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 3, r.output
    quote = "Recruitment fees charged to seasonal workers are banned"
    draft = write(tmp_path / "drafts", "note.md", f"The text says that “{quote}” ({hit['cite']}).\n")
    r = run("check", str(draft), "--format", "json", at=other)
    assert r.exit_code == 0 and '"ok"' in r.stdout, r.output
    server = Server(other)
    try:
        import httpx

        body = httpx.get(server.url + "/", params={"q": "visa costs"}, timeout=30).text
        assert "domestic workers" in body
    finally:
        server.stop()
    r = run("remove", "levies")
    assert r.exit_code == 0, r.output
    assert run("search", "recruitment fees", at=other).exit_code == 1


def test_a_process_reading_from_many_homes_keeps_a_few_connections(pg_samples, tmp_path):
    # each read command keeps its catalogue's connection for the process; one per home would run the
    # server out of clients in a process that reads for many homes (a server, the test suite)
    _, url = pg_samples
    for i in range(3 * postgres.KEPT_CATALOGUES):
        pg(url, tmp_path / f"h{i}")  # a home of its own
        r = CliRunner().invoke(cli, ["--home", str(tmp_path / f"h{i}"), "--database", url, "docs"])
        assert r.exit_code == 0, r.output
    conn = postgres.connect(url, autocommit=True)
    dbname = conn.info.dbname
    held = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (dbname,)).fetchone()[0]
    assert held <= postgres.KEPT_CATALOGUES + 2, held  # the kept catalogues, a reader, this connection

"""`pincite ingest --dask SCHEDULER`: parsing on a real Dask cluster (a LocalCluster of two worker
processes on loopback), one task per document, failures per document as a local ingest reports them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import SAMPLES
from pincite.cli import cli
from pincite.corpus.model import FAILED
from pincite.corpus.store import Store
from pincite.ingest import pipeline

distributed = pytest.importorskip("distributed", reason="Dask is not installed: pip install 'pincite[dask]'")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scheduler():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
        memory_limit="3GiB",
    )  # fmt: skip
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def export(home) -> list[dict]:
    r = CliRunner().invoke(cli, ["--home", str(home), "export", "--format", "jsonl"])
    assert r.exit_code == 0, r.output
    return [json.loads(line) for line in r.stdout.splitlines()]


def test_ingest_on_dask_gives_what_a_local_ingest_gives(scheduler, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for p in SAMPLES.iterdir():
        (folder / p.name).write_bytes(p.read_bytes())
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n this is no PDF at all \n%%EOF\n")
    local, remote = tmp_path / "local", tmp_path / "remote"
    a = CliRunner().invoke(cli, ["--home", str(local), "ingest", str(folder)])
    b = CliRunner().invoke(cli, ["--home", str(remote), "ingest", str(folder), "--dask", scheduler])
    assert a.exit_code == b.exit_code == 1  # one file failed, the others went in
    assert "broken.pdf" in b.stderr
    assert export(remote) == export(local) and len(export(remote)) > 100
    ra, rb = Store(local), Store(remote)
    assert [(d.id, d.status, d.message) for d in rb.documents()] == [(d.id, d.status, d.message) for d in ra.documents()]
    # recorded as read the same way (a PDF with its engine), so a later local ingest reads nothing again
    assert sorted(rb.readings()) == sorted(ra.readings())
    assert any("+" in r[-1] for r in rb.readings())  # the PDF's reading names its engine
    assert pipeline.pending(rb) == []
    r = CliRunner().invoke(cli, ["--home", str(remote), "search", "labour mobility", "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout)


def test_each_task_has_its_time_out_and_memory_cap(scheduler, tmp_path):
    from pincite.ingest.cluster import parse_on_dask

    s = Store(tmp_path / "h")
    pipeline.add_paths(s, [SAMPLES / "briefing-unitar-rcps-2006.md"])
    out = parse_on_dask(s, scheduler, timeout=0.0)
    assert [(o.status, o.message) for o in out] == [(FAILED, "parsing took longer than 0 s")]
    s.mark_stale(out[0].doc)
    out = parse_on_dask(s, scheduler, memory_mb=8)  # far too little to parse anything
    assert out[0].status == FAILED and ("memory" in out[0].message or "crashed" in out[0].message), out[0].message
    s.mark_stale(out[0].doc)
    out = parse_on_dask(s, scheduler)  # the workers survived both
    assert out[0].status == "ok" and len(list(s.units(out[0].doc))) > 5


def test_a_scheduler_that_cannot_be_reached_is_a_message(tmp_path, monkeypatch):
    from pincite.ingest import cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 2.0)
    r = CliRunner().invoke(cli, ["--home", str(tmp_path / "h"), "ingest", str(SAMPLES), "--dask", "tcp://127.0.0.1:9"])
    assert r.exit_code == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in r.output
    assert "Traceback" not in r.output


def test_ingest_on_dask_into_the_database_is_found_from_another_home(scheduler, pg_url, tmp_path):
    r = CliRunner().invoke(cli, ["--home", str(tmp_path / "a"), "--database", pg_url, "ingest", str(SAMPLES),
                                 "--dask", scheduler])  # fmt: skip
    assert r.exit_code == 0, r.output
    local = tmp_path / "local"
    assert CliRunner().invoke(cli, ["--home", str(local), "ingest", "-q", str(SAMPLES)]).exit_code == 0
    (tmp_path / "b").mkdir()  # a home of its own that holds nothing
    got = CliRunner().invoke(cli, ["--home", str(tmp_path / "b"), "--database", pg_url, "search", "labour mobility",
                                   "--format", "json"])  # fmt: skip
    want = CliRunner().invoke(cli, ["--home", str(local), "search", "labour mobility", "--format", "json"])
    assert got.exit_code == 0 and json.loads(got.stdout) == json.loads(want.stdout)

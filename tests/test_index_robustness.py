"""The index survives what happens to real programs: a second writer, kill -9 at any point, write
errors and a full disk. After each, the index opens and holds either the old generation or the new
one, whole, and the next `pincite index` repairs what is left without being asked."""

from __future__ import annotations

import errno
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import whoosh.filedb.filestore as filestore
import whoosh.writing
from click.testing import CliRunner

from lifecycle_helpers import SAMPLES, add, cli_env, index_state, run_cli, write_docs
from pincite.cli import cli
from pincite.corpus.store import Store
from pincite.errors import StoreError
from pincite.index.manager import MARKER, IndexManager
from pincite.search.engine import search


def expected_state(home: Path) -> frozenset[str]:
    """What a whole, up-to-date index must hold, from the catalogue alone."""
    s = Store(home)
    counts = s.unit_counts()
    return frozenset(f"{d}|{v}|{counts.get(d, 0)}" for d, v in s.versions().items())


def healthy(home: Path) -> bool:
    r = run_cli(home, "status", "--verify", "--format", "json")
    return r.returncode == 0 and json.loads(r.stdout)["healthy"]


def leftovers(home: Path) -> list[str]:
    m = IndexManager(Store(home))
    return [g for g in m.generations() if g not in m.complete_generations()]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A home with an index (old state) and a catalogue that has moved on since (new state)."""
    base = tmp_path_factory.mktemp("crash")
    home = base / "home"
    s = Store(home)
    add(s, SAMPLES, *write_docs(base / "docs", 40, seed=1), index=True)
    old = index_state(home)[1]
    add(s, *write_docs(base / "docs2", 12, seed=2, prefix="new"))
    s.remove("gen-003")
    s.close()
    new = expected_state(home)
    assert old != new
    return home, old, new


def copy_home(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


# ---- two writers --------------------------------------------------------------------------------
def test_second_writer_waits_then_reports_busy(template, tmp_path):
    home = copy_home(template[0], tmp_path / "home")
    before = index_state(home)
    with IndexManager(Store(home)).lock():
        t0 = time.monotonic()
        r = run_cli(home, "index", "--wait", "0.5")
        waited = time.monotonic() - t0
    assert r.returncode == 3
    assert "busy" in r.stderr and "Traceback" not in r.stderr
    assert waited >= 0.5
    assert index_state(home) == before  # untouched
    assert run_cli(home, "index").returncode == 0  # and it works once the lock is free
    assert index_state(home)[1] == template[2]


def test_second_writer_goes_ahead_when_the_first_finishes_in_time(template, tmp_path):
    home = copy_home(template[0], tmp_path / "home")
    m = IndexManager(Store(home))
    held = threading.Event()

    def first():
        with m.lock():
            held.set()
            time.sleep(0.6)

    t = threading.Thread(target=first)
    t.start()
    held.wait(5)
    r = run_cli(home, "index", "--wait", "10")
    t.join()
    assert r.returncode == 0, r.stderr
    assert index_state(home)[1] == template[2]


def test_busy_inside_the_cli_is_a_message_not_a_traceback(template, tmp_path, monkeypatch):
    home = copy_home(template[0], tmp_path / "home")
    monkeypatch.setenv("PINCITE_HOME", str(home))
    with IndexManager(Store(home)).lock():
        r = CliRunner().invoke(cli, ["index", "--wait", "0.1"])
    assert r.exit_code == 3 and "busy" in r.stderr
    assert isinstance(r.exception, SystemExit)


# ---- kill -9 at random points -------------------------------------------------------------------
def _duration(home: Path, args: list[str]) -> float:
    t0 = time.monotonic()
    r = run_cli(home, *args)
    assert r.returncode == 0, r.stderr
    return time.monotonic() - t0


@pytest.mark.slow
@pytest.mark.parametrize(
    "args,procs",
    [(["index"], "1"), (["index", "--rebuild"], "1"), (["index", "--rebuild"], "2")],
    ids=["incremental", "rebuild", "rebuild-2procs"],
)
def test_kill_9_leaves_old_or_new_and_the_next_run_repairs(template, tmp_path, monkeypatch, args, procs):
    monkeypatch.setenv("PINCITE_INDEX_PROCS", procs)  # 2: the rebuild forks two writer processes
    src, old, new = template
    full = _duration(copy_home(src, tmp_path / "timing"), args)
    outcomes = []
    for seed in range(5):
        home = copy_home(src, tmp_path / f"home-{seed}")
        delay = random.Random(seed).uniform(0.1, full)
        proc = subprocess.Popen(
            [sys.executable, "-m", "pincite.cli", *args],
            env=cli_env(home),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        # A reader right after the crash: the index opens, and it is one of the two, whole.
        gen, state = index_state(home)
        assert state in (old, new), f"seed {seed}: killed at {delay:.2f}s, index holds neither"
        outcomes.append("new" if state == new and state != old else "old")
        # The next run repairs without being asked, and leaves nothing half-written behind; no
        # orphaned helper process of the killed run still holds the lock.
        r = run_cli(home, "index", "--wait", "3")
        assert r.returncode == 0, r.stderr
        assert index_state(home)[1] == new
        assert leftovers(home) == []
        assert not (home / "index" / "CURRENT.tmp").exists()
        assert healthy(home)
    print(f"{args}: full run {full:.2f}s; after kill -9: {outcomes}")


# ---- a broken pointer, partial generations, foreign indexes ----------------------------------------
@pytest.fixture
def indexed(home):
    s = Store(home)
    add(s, SAMPLES, index=True)
    return s


def test_current_naming_a_missing_generation_falls_back_then_is_repaired(indexed, home):
    m = IndexManager(indexed)
    live = m.current_name()
    _, before = index_state(home)
    (home / "index" / "CURRENT").write_text("gen-000099\n")
    assert m.live_name() == live  # readers fall back to the newest whole generation
    assert search(indexed, "migration").hits
    r = run_cli(home, "status")
    assert r.returncode == 1 and "gen-000099" in r.stdout and "pincite index" in r.stdout
    r = run_cli(home, "index")
    assert r.returncode == 0 and "repaired" in r.stderr
    assert m.current_name() == live and index_state(home)[1] == before
    assert healthy(home)


def test_partial_generations_are_never_opened_and_are_cleaned(indexed, home, monkeypatch):
    m = IndexManager(indexed)
    live = m.current_name()
    _, before = index_state(home)
    # An interrupted build: a newer directory with Whoosh files but no marker, and CURRENT naming it.
    partial = home / "index" / "gen-000007"
    shutil.copytree(home / "index" / live, partial)
    (partial / MARKER).unlink()
    (home / "index" / "CURRENT").write_text("gen-000007\n")
    (home / "index" / "CURRENT.tmp").write_text("gen-000008\n")
    opened = []
    real = IndexManager._open_path
    monkeypatch.setattr(IndexManager, "_open_path", staticmethod(lambda p: opened.append(p.name) or real(p)))
    assert m.live_name() == live
    st = m.status(verify=True)
    assert st.incomplete == ["gen-000007"] and st.fallback and not st.healthy
    rep = m.sync()
    assert any("gen-000007" in line for line in rep.recovered)
    assert "gen-000007" not in opened
    assert not partial.exists() and not (home / "index" / "CURRENT.tmp").exists()
    assert index_state(home)[1] == before and m.status(verify=True).healthy


@pytest.mark.parametrize("pointer", ["../../etc", "gen-1", "", "gen-000001/../../x"])
def test_a_malformed_pointer_is_ignored(indexed, home, pointer):
    m = IndexManager(indexed)
    live = m.current_name()
    (home / "index" / "CURRENT").write_text(pointer)
    assert m.current_name() == "" and m.live_name() == live
    m.sync()
    assert m.current_name() == live


def test_an_index_without_our_marker_is_rebuilt_not_opened(home, monkeypatch):
    s = Store(home)
    add(s, SAMPLES)
    foreign = home / "index" / "gen-000001"
    foreign.mkdir(parents=True)
    from whoosh import fields, index

    index.create_in(str(foreign), fields.Schema(x=fields.ID(stored=True)))
    (home / "index" / "CURRENT").write_text("gen-000001\n")
    opened = []
    real = IndexManager._open_path
    monkeypatch.setattr(IndexManager, "_open_path", staticmethod(lambda p: opened.append(p.name) or real(p)))
    m = IndexManager(s)
    assert m.open() is None
    rep = m.sync()
    assert rep.rebuilt and rep.generation == "gen-000002"
    assert "gen-000001" not in opened and not foreign.exists()
    assert m.status(verify=True).healthy


# ---- write errors -------------------------------------------------------------------------------
def _fail_add_after(monkeypatch, n: int):
    """Adding units fails with a full disk after `n` of them, in Whoosh's writer (incremental
    syncs) and in pincite's bulk segment writer (rebuilds) alike."""
    from pincite.index.segwriter import BulkSegmentWriter

    calls = {"n": 0}
    for cls in (whoosh.writing.SegmentWriter, BulkSegmentWriter):
        real = cls.__dict__["add_document"]

        def add_document(self, _real=real, **fields):
            calls["n"] += 1
            if calls["n"] > n:
                raise OSError(errno.ENOSPC, "No space left on device")
            return _real(self, **fields)

        monkeypatch.setattr(cls, "add_document", add_document)


def _fail_create(monkeypatch, suffix: str):
    real = filestore.FileStorage.create_file

    def create_file(self, name, *a, **kw):
        if suffix in name:
            raise OSError(errno.EIO, "Input/output error")
        return real(self, name, *a, **kw)

    monkeypatch.setattr(filestore.FileStorage, "create_file", create_file)


FAULTS = {
    "add_document": lambda mp: _fail_add_after(mp, 30),
    "segment file": lambda mp: _fail_create(mp, ".pst"),  # a segment's postings
    "toc file": lambda mp: _fail_create(mp, ".toc"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize(
    "rebuild,procs", [(False, 1), (True, 1), (True, 2)], ids=["incremental", "rebuild", "rebuild-2procs"]
)
def test_a_write_error_leaves_the_previous_generation_live(template, tmp_path, monkeypatch, fault, rebuild, procs):
    # with 2 processes the fault strikes in the forked writers (they inherit the patched Whoosh)
    home = copy_home(template[0], tmp_path / "home")
    s = Store(home)
    m = IndexManager(s, procs=procs)
    live, before = index_state(home)
    FAULTS[fault](monkeypatch)
    with pytest.raises(StoreError, match="previous index stays live"):
        m.sync(rebuild=rebuild)
    monkeypatch.undo()
    assert index_state(home) == (live, before)
    assert leftovers(home) == [] and m.generations()[-1] == live
    assert search(s, "migration governance").hits
    m.sync()
    assert index_state(home)[1] == template[2]


def test_a_failing_fsync_leaves_the_previous_generation_live(template, tmp_path, monkeypatch):
    home = copy_home(template[0], tmp_path / "home")
    m = IndexManager(Store(home))
    live, before = index_state(home)
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    with pytest.raises(StoreError):
        m.sync()
    monkeypatch.undo()
    assert index_state(home) == (live, before) and leftovers(home) == []


def _limit_file_size(limit: int):
    def pre():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return pre


@pytest.mark.parametrize(
    "args,procs",
    [(["index"], "1"), (["index", "--rebuild"], "1"), (["index", "--rebuild"], "2")],
    ids=["incremental", "rebuild", "rebuild-2procs"],
)
def test_a_full_disk_leaves_the_previous_generation_live_and_searchable(template, tmp_path, args, procs):
    home = copy_home(template[0], tmp_path / "home")
    live, before = index_state(home)
    r = subprocess.run(
        [sys.executable, "-m", "pincite.cli", *args],
        env={**cli_env(home), "PINCITE_INDEX_PROCS": procs},
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_file_size(8_000),
    )
    assert r.returncode == 1, r.stderr
    assert "could not write the index" in r.stderr and "Traceback" not in r.stderr
    assert index_state(home) == (live, before) and leftovers(home) == []
    hits = run_cli(home, "search", "migration", "governance", "--format", "json")
    assert hits.returncode == 0 and json.loads(hits.stdout)
    assert run_cli(home, "index").returncode == 0
    assert index_state(home)[1] == template[2] and healthy(home)


def test_files_a_writer_settled_are_listed_as_it_listed_them(tmp_path):
    """An index writer process syncs and hashes its own segment files as it finishes
    (`_settle`); the generation's list of files takes those entries and reads only the others,
    or one whose size is no longer the one listed."""
    import hashlib

    from pincite.index.generations import _file_list, _settle

    gen = tmp_path / "gen-000001"
    gen.mkdir()
    (gen / "MAIN_a.trm").write_bytes(b"x" * 10)
    (gen / "_MAIN_1.toc").write_bytes(b"y" * 5)
    settled = _settle(gen, ["MAIN_a.trm"])
    assert settled == {"MAIN_a.trm": [10, hashlib.sha256(b"x" * 10).hexdigest()]}
    listed = _file_list(gen, {}, None, {"MAIN_a.trm": [10, "as its writer listed it"]})
    assert listed == {
        "MAIN_a.trm": [10, "as its writer listed it"],
        "_MAIN_1.toc": [5, hashlib.sha256(b"y" * 5).hexdigest()],
    }
    (gen / "MAIN_a.trm").write_bytes(b"x" * 11)
    assert _file_list(gen, {}, None, settled)["MAIN_a.trm"] == [11, hashlib.sha256(b"x" * 11).hexdigest()]

"""Ingestion: each document parsed in a worker with a time-out and a memory cap; one bad file never
stops the others. Faults are injected into the real parser, and the forked workers inherit them."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from conftest import children_of
from pincite.corpus.store import Store
from pincite.ingest import pipeline

GOOD = "1. A paragraph about circular migration, long enough to be a body paragraph of the text.\n"


def make_files(tmp_path, names):
    d = tmp_path / "in"
    d.mkdir()
    for n in names:
        (d / f"{n}.txt").write_text(GOOD.replace("circular", n))
    return d


def children() -> set[int]:
    """This process's child processes, zombies included; compare with those there before a test
    (a server another test started may be one)."""
    return children_of(os.getpid())


def faulty_parse(real, seen: Path | None = None):
    """parse_file with faults for the documents named hang, crash and bomb (a memory bomb past a
    600 MB cap); `seen` gets a file per document parsed (doc.pid). Forked workers inherit it."""

    def faulty(path, name, doc_id, overrides=None, content_type="", options=None):
        if seen is not None:
            (seen / f"{doc_id}.{os.getpid()}").touch()
        if doc_id == "hang":
            time.sleep(60)
        if doc_id == "crash":
            os.kill(os.getpid(), signal.SIGKILL)
        if doc_id == "bomb":
            blob = bytearray(2 * 1024**3)  # past the cap
            blob[-1] = 1
        return real(path, name, doc_id, overrides)

    return faulty


def test_hang_crash_and_memory_bomb_are_recorded_and_the_rest_go_in(tmp_path, monkeypatch):
    d = make_files(tmp_path, ["hang", "crash", "bomb", "fine", "also"])
    monkeypatch.setattr(pipeline, "parse_file", faulty_parse(pipeline.parse_file))
    store = Store(tmp_path / "h")
    pipeline.add_paths(store, [d])
    t0 = time.monotonic()
    out = {o.doc: o for o in pipeline.parse_pending(store, jobs=2, timeout=3, memory_mb=600)}
    assert time.monotonic() - t0 < 30
    assert "longer than 3 s" in out["hang"].message
    assert "crashed" in out["crash"].message and "signal 9" in out["crash"].message
    assert "memory" in out["bomb"].message.lower()
    assert not out["fine"].failed and not out["also"].failed
    status = {doc.id: doc.status for doc in store.documents()}
    assert status == {"hang": "failed", "crash": "failed", "bomb": "failed", "fine": "ok", "also": "ok"}
    assert [u.text for u in store.units("fine")][0].startswith("A paragraph about fine migration")


def test_parser_exceptions_become_a_reason_naming_the_error(tmp_path, monkeypatch):
    d = make_files(tmp_path, ["oops"])

    def broken(path, name, doc_id, overrides=None, content_type="", options=None):
        raise ValueError("unexpected token")

    monkeypatch.setattr(pipeline, "parse_file", broken)
    store = Store(tmp_path / "h")
    pipeline.add_paths(store, [d])
    (out,) = pipeline.parse_pending(store)
    assert out.failed and "ValueError: unexpected token" in out.message


def test_only_new_or_changed_documents_are_parsed(tmp_path):
    d = make_files(tmp_path, ["one", "two"])
    store = Store(tmp_path / "h")
    pipeline.add_paths(store, [d])
    assert len(pipeline.parse_pending(store, isolate=False)) == 2
    pipeline.add_paths(store, [d])
    assert pipeline.parse_pending(store, isolate=False) == []
    (d / "two.txt").write_text(GOOD.replace("circular", "seasonal"))
    pipeline.add_paths(store, [d])
    assert [o.doc for o in pipeline.parse_pending(store, isolate=False)] == ["two"]


def test_workers_take_the_largest_files_first(tmp_path):
    """A large document taken last would keep one core busy alone at the end of the parse: the
    workers take documents by size, largest first (one worker: they finish in that order)."""
    d = tmp_path / "docs"
    d.mkdir()
    sizes = {"a-small": 1, "b-large": 40, "c-tiny": 0, "d-middle": 10}  # not in the order of their ids
    for name, paras in sizes.items():
        (d / f"{name}.txt").write_text(GOOD + "".join(f"\n\n{i + 2}. Paragraph {i} of {name}." for i in range(paras)))
    store = Store(tmp_path / "h")
    pipeline.add_paths(store, [d])
    done = [Path(o.location).stem for o in pipeline.parse_pending(store, jobs=1, timeout=30)]
    assert done == sorted(sizes, key=lambda n: -sizes[n])


def test_files_copied_side_by_side_are_registered_in_their_order(tmp_path):
    """The store's copies are made by several threads (`KEEPERS`); the catalogue registers the
    files one after another in the order of the walk: identical bytes are one document, new where
    the walk met them first, however the copies raced."""
    names = [f"n{i:02d}" for i in range(3 * pipeline.KEEPERS)]
    d = make_files(tmp_path, names)
    for twin in ("n03", "n07"):
        (d / f"{twin}-copy.txt").write_bytes((d / f"{twin}.txt").read_bytes())
    store = Store(tmp_path / "h")
    out = pipeline.add_paths(store, [d])
    walked = [str(p.resolve()) for p in sorted(d.iterdir())]
    assert [o.location for o in out] == walked
    by_name = {Path(o.location).name: o for o in out}
    for twin in ("n03", "n07"):
        first, then = sorted((by_name[f"{twin}.txt"], by_name[f"{twin}-copy.txt"]), key=out.index)
        assert first.change == "new" and then.change == "alias" and then.doc == first.doc
    kept = {o.doc for o in out if o.doc}
    assert len(kept) == len(names)
    assert len(list(store.raw_dir.rglob("*.txt"))) == len(kept)


def test_files_are_copied_only_a_few_ahead_of_the_catalogue(tmp_path):
    """When registering fails (here the progress callback), the copies stop too: at most the files
    already handed to the threads are in the store, not the whole folder."""
    d = make_files(tmp_path, [f"f{i:02d}" for i in range(10 * pipeline.KEEPERS)])
    store = Store(tmp_path / "h")

    def fail(_outcome):
        raise RuntimeError("the progress display broke")

    try:
        pipeline.add_paths(store, [d], progress=fail)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the callback's error was not raised")
    copied = len(list(store.raw_dir.rglob("*.txt")))
    assert 1 <= copied <= 1 + 2 * pipeline.KEEPERS


def test_sidecar_metadata_overrides_and_reparses_when_it_changes(tmp_path):
    d = make_files(tmp_path, ["talk"])
    side = d / "talk.txt.meta.toml"
    side.write_text('title = "Opening statement"\ndate = "2019-12-10"\ndoctype = "speech"\n')
    store = Store(tmp_path / "h")
    pipeline.add_paths(store, [d])
    pipeline.parse_pending(store, isolate=False)
    doc = store.document("talk")
    assert (doc.title, doc.date, doc.doctype) == ("Opening statement", "2019-12-10", "speech")
    side.write_text('title = "Closing statement"\n')
    (o,) = pipeline.add_paths(store, [d])
    assert o.change == "changed"
    pipeline.parse_pending(store, isolate=False)
    assert store.document("talk").title == "Closing statement"


def test_a_broken_sidecar_is_named(tmp_path):
    d = make_files(tmp_path, ["x"])
    (d / "x.meta.toml").write_text("title = [unclosed")
    (o,) = pipeline.add_paths(Store(tmp_path / "h"), [d])
    assert o.failed and "cannot read metadata" in o.message


def test_workers_started_before_the_files_parse_them_and_are_gone_after(tmp_path, monkeypatch):
    before = children()
    d = make_files(tmp_path, ["one", "two", "hang"])
    real = pipeline.parse_file

    def slow(path, name, doc_id, overrides=None, content_type="", options=None):
        if doc_id == "hang":
            time.sleep(60)
        return real(path, name, doc_id, overrides)

    monkeypatch.setattr(pipeline, "parse_file", slow)
    store = Store(tmp_path / "h")
    with pipeline.Workers(2, memory_mb=600) as workers:
        pipeline.add_paths(store, [d])
        out = {o.doc: o for o in pipeline.parse_pending(store, timeout=3, workers=workers)}
    assert not out["one"].failed and not out["two"].failed
    assert "longer than 3 s" in out["hang"].message
    assert [u.text for u in store.units("two")][0].startswith("A paragraph about two migration")
    assert children() == before  # every worker reaped, the zygote's adopted ones too


def test_documents_given_while_the_files_are_added_are_parsed_once_with_the_same_faults_caught(
    tmp_path, monkeypatch
):
    """An ingest gives the first new documents to the workers as soon as they are registered
    (`Workers.give`), before `parse_pending`: each is parsed once, and a hang, a crash or a memory
    bomb among them is caught as in any other worker (the zygote's workers, adopted, on Linux)."""
    before = children()
    d = make_files(tmp_path, ["bomb", "crash", "fine", "hang", "also"])
    seen = tmp_path / "parsed"
    seen.mkdir()
    monkeypatch.setattr(pipeline, "parse_file", faulty_parse(pipeline.parse_file, seen))
    store = Store(tmp_path / "h")
    given = []
    t0 = time.monotonic()
    with pipeline.Workers(2, memory_mb=600) as workers:

        def give(doc_id, sha, ext, location):
            given.append(workers.give(store, doc_id, sha, ext, location, None))

        pipeline.add_paths(store, [d], new=give)
        out = {o.doc: o for o in pipeline.parse_pending(store, timeout=3, workers=workers)}
    assert given == [True, True, False, False, False]  # one for each worker, then parse_pending's
    assert time.monotonic() - t0 < 30
    assert "longer than 3 s" in out["hang"].message
    assert "crashed" in out["crash"].message and "signal 9" in out["crash"].message
    assert "memory" in out["bomb"].message.lower()
    assert not out["fine"].failed and not out["also"].failed
    assert sorted(p.name.split(".")[0] for p in seen.iterdir()) == sorted(out)  # each document once
    assert children() == before


def test_a_document_sent_ahead_to_a_worker_that_dies_is_parsed_by_the_next(tmp_path, monkeypatch):
    """A busy worker is sent its next document before it is done (`parse_pending`'s `ahead`): when
    it crashes, runs out of memory or time on the one it has, the one sent ahead goes to another
    worker, parsed once; the others are parsed as before."""
    d = tmp_path / "in"
    d.mkdir()
    for name, paras in {"crash": 40, "bomb": 30, "hang": 20, "one": 3, "two": 2, "three": 1}.items():
        (d / f"{name}.txt").write_text(GOOD.replace("circular", name) + "".join(f"\n\n{i + 2}. More {i}." for i in range(paras)))
    seen = tmp_path / "parsed"
    seen.mkdir()
    monkeypatch.setattr(pipeline, "parse_file", faulty_parse(pipeline.parse_file, seen))
    store = Store(tmp_path / "h")
    pipeline.add_paths(store, [d])
    # one worker at a time: each takes the largest left, and the next largest is sent ahead to it
    out = {o.doc: o for o in pipeline.parse_pending(store, jobs=1, timeout=3, memory_mb=600)}
    assert "crashed" in out["crash"].message and "memory" in out["bomb"].message.lower()
    assert "longer than 3 s" in out["hang"].message
    assert all(not out[n].failed for n in ("one", "two", "three"))
    assert sorted(p.name.split(".")[0] for p in seen.iterdir()) == sorted(out)  # each once


def test_a_zygote_that_dies_before_its_workers_are_forked_costs_nothing(tmp_path):
    """The documents given to workers that never came (their zygote killed) are parsed by workers
    the parse forks itself."""
    before = children()
    d = make_files(tmp_path, ["one", "two", "three"])
    store = Store(tmp_path / "h")
    with pipeline.Workers(2) as workers:
        if workers._zygote is not None:
            workers._zygote.kill()
        pipeline.add_paths(store, [d], new=lambda *a: workers.give(store, *a, None))
        out = pipeline.parse_pending(store, timeout=30, workers=workers)
    assert sorted(o.doc for o in out if not o.failed) == ["one", "three", "two"]
    assert all(store.units(doc) for doc in ("one", "two", "three"))
    assert children() == before


def test_workers_with_nothing_to_parse_are_ended_at_once(tmp_path):
    before = children()
    d = make_files(tmp_path, ["one"])
    store = Store(tmp_path / "h")
    pipeline.add_paths(store, [d])
    pipeline.parse_pending(store, isolate=False)
    t0 = time.monotonic()
    with pipeline.Workers(2) as workers:
        assert pipeline.parse_pending(store, workers=workers) == []
    assert time.monotonic() - t0 < 10
    assert children() == before


def test_a_command_collects_less_often_unless_told_otherwise():
    import gc

    from pincite import collector

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        collector.for_a_command()
        assert gc.get_threshold() == (collector.COMMAND_THRESHOLD, 10, 10)
        gc.set_threshold(10 * collector.COMMAND_THRESHOLD, 10, 10)  # rarer already: left alone
        collector.for_a_command()
        assert gc.get_threshold()[0] == 10 * collector.COMMAND_THRESHOLD
        gc.set_threshold(700, 10, 10)
        gc.disable()  # off (PYTHONGC-like choices of the user's): left off, threshold untouched
        collector.for_a_command()
        assert not gc.isenabled() and gc.get_threshold()[0] == 700
    finally:
        gc.enable()
        gc.set_threshold(*before)


def test_the_collector_is_made_rarer_for_a_block_and_put_back():
    import gc

    from pincite import collector

    before = gc.get_threshold()
    with collector.rarer(before[0] * 10):
        assert gc.get_threshold() == (before[0] * 10, *before[1:])
    assert gc.get_threshold() == before
    with collector.rarer(1):  # already rarer than that: left alone
        assert gc.get_threshold() == before
    gc.disable()
    try:
        with collector.rarer(before[0] * 10):  # off: left off and alone
            assert gc.get_threshold() == before and not gc.isenabled()
    finally:
        gc.enable()


def test_an_ingest_forks_its_workers_before_loading_the_index_and_loads_it_while_they_parse(tmp_path):
    """The parent of an ingest imports neither Whoosh (the index) nor the segmenter before its parse
    workers start: each is ~0.1 s of start-up before any document is parsed. The workers' side
    loads the segmenter (their zygote, on Linux, once for both); the parent loads the index while
    they parse (`meanwhile`: both workers are its children then, busy), and the ingest still
    indexes every document."""
    import subprocess
    import sys

    d = make_files(tmp_path, ["one", "two"])
    code = f"""
import os, sys
from pathlib import Path
from pincite.ingest import pipeline
def children():
    me = os.getpid()
    return [e for e in os.listdir("/proc") if e.isdigit() and os.path.exists(f"/proc/{{e}}/stat")
            and int(open(f"/proc/{{e}}/stat").read().rsplit(")", 1)[1].split()[1]) == me]
from pincite.workspace import Workspace
seen = {{}}
started = pipeline.Workers.__init__
def watch(self, *a, **k):
    seen["at fork"] = sorted(m for m in ("whoosh", "pincite.index", "pincite.ingest.segment") if m in sys.modules)
    started(self, *a, **k)
pipeline.Workers.__init__ = watch
parse = pipeline.parse_pending
def parse_watched(*a, meanwhile=None, **k):
    def then():
        seen["busy"] = len(children())
        meanwhile()
        seen["loaded"] = "whoosh" in sys.modules
    return parse(*a, meanwhile=then, **k)
pipeline.parse_pending = parse_watched
report = Workspace({str(tmp_path / "h")!r}).ingest([Path({str(d)!r})], jobs=2)
print(seen["at fork"], seen["busy"], seen["loaded"], report.index.units)
"""
    import pincite

    env = {**os.environ, "PYTHONPATH": str(Path(pincite.__file__).parents[1])}  # this checkout's pincite
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[]", "2", "True", "2"]

"""The embedded index's write path: schema to Whoosh documents, rebuilds and incremental syncs.

`IndexManager` is the default backend (`pincite.index.backend.Backend`): it keeps `<home>/index` in
step with the store. Every change makes a new generation (`pincite.index.generations`), never edits
the live one: a rebuild writes a fresh directory; an incremental sync hard-links the live generation's
files into a new directory (Whoosh never rewrites a file it has written: segments are immutable,
deletions and the TOC go into new files) and commits the changes there. Either way the new generation
is fsynced, opened and counted, gets its marker, and only then does CURRENT switch to it. A crash at
any point leaves the old generation live and whole; the next writer removes what the crash left
behind. Readers holding the old generation keep it until they close (we keep one previous generation
on disk).

Reading what a generation holds is in `pincite.index.reading`, its health in `pincite.index.health`.
Only `pincite.index` imports Whoosh's index and writing API.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import sys
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import accumulate
from pathlib import Path

from whoosh import index as windex
from whoosh import writing as _writing
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError

from pincite import collector
from pincite.corpus.model import OK, Document, Unit
from pincite.corpus.store import Store
from pincite.errors import IndexBusy, StoreError
from pincite.index import reading
from pincite.index.analysis import field_for
from pincite.index.backend import LOCK_WAIT, IndexStatus, SearchView, SyncReport
from pincite.index.generations import (
    GEN_RE,
    INDEX_FORMAT,
    MARKER,
    Generations,
    _file_list,
    _fsync_dir,
    _fsync_tree,
    _settle,
    _why,
    _write_failed,
)
from pincite.index.health import whoosh_status
from pincite.index.schema import build_schema
from pincite.index.segwriter import TOKENS, BulkSegmentWriter
from pincite.index.vocabulary import Vocabulary, cut, words_of

__all__ = [  # names other modules and tests import from here
    "GEN_RE", "INDEX_FORMAT", "LOCK_WAIT", "MARKER", "IndexManager", "IndexStatus",
    "SyncReport", "unit_fields",
]  # fmt: skip

# Rebuilds of at least this many units use one writer process per core (at most MAX_PROCS), each
# writing its own segment. Measured on two cores: 181 units 0.10 s in one process, 0.08 s in two;
# 2,170 units 0.55 s and 0.31 s; 10,200 units 5.3 s and 3.0 s (see BENCHMARKS.md). Each segment
# costs a little at query time, so tiny stores keep one.
PARALLEL_UNITS = 1_000
MAX_PROCS = 4
# Whoosh packs each segment's files into one compound file by default, and a reader opening a compound
# segment copies its postings into memory (BytesIO over the mmap): at 1M units every search process
# read the whole 1 GB index first (RSS 2 GB, most of a cold query's 0.8 s). Separate files are read
# on demand.
COMPOUND = False
# An incremental sync that brings at least this many units writes them as a rebuild does (new
# segments, one writer process per core) instead of through one writer.
BULK_UNITS = 5_000
# How an incremental sync merges segments: Whoosh's default, which merges only the smallest ones
# (bench/merge_policy.py measures it against never merging and merging everything).
MERGE_POLICY = _writing.MERGE_SMALL
# A rebuild writes segments of at most this many units, each sorted in memory by Whoosh's posting
# pool (POOL_MB, its default is 128): a pool that overflows spills sorted runs to disk and merges them
# at the end, which cost a 10,000-unit rebuild as much again, and a 100,000-unit one 40 % more (see
# BENCHMARKS.md). 50,000 units filled about 650 MB of pool, 0.95 GB of memory.
SEGMENT_UNITS = 60_000
POOL_MB = 1024
# What writes a rebuild's segments: pincite.index.segwriter sorts and writes postings a term at a time
# (the same files as Whoosh's SegmentWriter, which handles each posting in Python three times).
SEGMENT_WRITER = BulkSegmentWriter
# Writer processes share a rebuild's documents by what their units cost to write: a unit as much as
# this many characters of its text, besides its text (`IndexManager._costs`). Measured on the real PDFs
# (3,663 units, one process, least squares over the documents): 121 us a unit and 0.33 us a character.
UNIT_CHARS = 360
# Below this many documents to write, read them one by one; above, scan the catalogue once.
BATCH_DOCS = 64


# A parallel rebuild forks writer processes: if the parent is killed they would write on, holding
# the index lock they inherited, for nobody. While a parallel build runs, each forked child asks the
# kernel to kill it when its parent dies (Linux PR_SET_PDEATHSIG).
_parallel_parent = 0
_libc = None


def _die_with_parent() -> None:
    if not _parallel_parent or _libc is None:
        return
    try:
        _libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort: no prctl on this system
        return
    if os.getppid() != _parallel_parent:  # the parent died before we asked
        os._exit(1)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_die_with_parent)


@contextmanager
def _children_die_with_us() -> Iterator[None]:
    global _parallel_parent, _libc
    if _libc is None and sys.platform.startswith("linux"):
        try:
            import ctypes

            _libc = ctypes.CDLL(None)
        except OSError:
            pass
    _parallel_parent = os.getpid()
    try:
        yield
    finally:
        _parallel_parent = 0


# While segments are written: a segment's postings are ~10^5 tuples and lists that live until it is
# written, and the default collector walked them ~400 times (0.2 s of a 3,663-unit rebuild); every
# 200,000 allocations it runs 4 times.
WRITE_GC_THRESHOLD = 200_000


def unit_fields(doc: Document, unit: Unit, version: str) -> dict:
    """The Whoosh document for one unit (see pincite.index.schema)."""
    part = unit.part.lower()
    fields = {
        "doc": doc.id,
        "docver": f"{doc.id}|{version}",
        "seq": unit.seq,
        "kind": unit.kind,
        "partkey": " ".join(dict.fromkeys([part.split(" ")[0], part.replace(" ", "_")])) if part else "",
        "symbol": doc.symbol.lower(),
        "doctype": doc.doctype.lower(),
        "lang": unit.lang or doc.lang,
        "title": doc.title,
        "headings": " / ".join(unit.headings),
        field_for(unit.lang or doc.lang): unit.text,
    }
    if doc.year:
        fields["year"] = doc.year
    return fields


class IndexManager(Generations):
    """Keeps `<home>/index` in step with the store: the embedded Whoosh backend."""

    name = "whoosh"

    def __init__(self, store: Store, *, procs: int | None = None) -> None:
        self.store = store
        self.root = store.index_dir
        if procs is None and os.environ.get("PINCITE_INDEX_PROCS", "").isdigit():
            procs = int(os.environ["PINCITE_INDEX_PROCS"])
        self.procs = procs  # writer processes for rebuilds; None chooses by size
        # units just stored by this process, {doc_id: (version, units)} (`sync`'s `parsed`)
        self._parsed: dict = {}

    # -- generations ----------------------------------------------------------------------------
    # -- writing ------------------------------------------------------------------------------------
    def _units_for(self, doc_ids: list[str], versions: dict[str, str]) -> Iterator[tuple[Document, Unit]]:
        """Each unit of these documents with its document, in document and unit order: a
        document's units kept from its parse (`_parsed`) when they are of the version the store
        holds now, else read from the store."""
        wanted = set(doc_ids)
        kept = {
            d: hit[1] for d in wanted if (hit := self._parsed.get(d)) is not None and hit[0] == versions.get(d)
        }
        small = len(wanted) <= BATCH_DOCS
        if small:  # one look-up each
            docs = {d: doc for d in doc_ids if (doc := self.store.document(d)) is not None}
        else:
            docs = {d.id: d for d in self.store.documents(status=OK) if d.id in wanted}
        if small or len(kept) == len(wanted):  # document by document
            for doc_id in doc_ids:
                if doc_id in docs:
                    for unit in kept[doc_id] if doc_id in kept else self.store.units(doc_id):
                        yield docs[doc_id], unit
            return
        for unit in self.store.units(between=(min(wanted), max(wanted))):  # one read of the range
            doc = docs.get(unit.doc)
            if doc is not None:
                yield doc, unit

    def _add_docs(self, writer, doc_ids: Iterable[str], versions: dict[str, str], words: Counter) -> int:
        """Add the units of these documents; count their words (units per word) into `words`."""
        n = 0
        add = writer.add_document
        count = words.update
        last_doc = last_headings = None
        heading_words: set[str] = set()
        for doc, unit in self._units_for(sorted(doc_ids), versions):
            fields = unit_fields(doc, unit, versions[doc.id])
            # the text cut once, for its postings and its words
            tokens = fields[TOKENS + field_for(unit.lang or doc.lang)] = cut(unit.text)
            add(**fields)
            if doc.id != last_doc:
                last_doc = doc.id
                count(words_of(doc.title))
            words = words_of(unit.text, tokens)
            if unit.headings:
                if unit.headings != last_headings:  # the same over a run of paragraphs
                    last_headings = unit.headings
                    heading_words = words_of(" ".join(unit.headings))
                words |= heading_words
            count(words)
            n += 1
        return n

    def _finish(
        self,
        path: Path,
        units: int,
        docs: int,
        known: dict | None = None,
        known_dir: Path | None = None,
        settled: dict | None = None,
    ) -> None:
        """Make a written generation durable, check it, and mark it whole. `known`: the list of
        files of the generation it was cloned from (their hashes need not be computed again);
        `settled`: files its writer processes synced and listed (`_settle`)."""
        _fsync_tree(path, settled)
        files = _file_list(path, known or {}, known_dir, settled)
        ix = self._open_path(path)
        with ix.searcher() as s:
            got = s.doc_count()
            list(s.lexicon("docver"))
        if got != units:
            raise StoreError(
                f"the new index at {path} holds {got} units, not {units}; the old one stays live"
            )
        marker = path / MARKER
        with open(marker, "w") as f:
            f.write(json.dumps({"format": INDEX_FORMAT, "units": units, "documents": docs, "files": files}))
            f.flush()
            os.fsync(f.fileno())
        _fsync_dir(path)

    def _clone(self, live: str, name: str) -> Path:
        """A new generation sharing the live one's files (hard links; copies if links fail)."""
        src, dst = self.root / live, self.root / name
        dst.mkdir()
        for f in src.iterdir():
            if not f.is_file() or f.name == MARKER or f.name.endswith("WRITELOCK"):
                continue
            try:
                os.link(f, dst / f.name)
            except OSError:
                shutil.copy2(f, dst / f.name)
        return dst

    @contextmanager
    def _building(self, path: Path) -> Iterator[None]:
        """Remove a half-written generation on any failure; report disk errors as domain errors."""
        try:
            yield
        except BaseException as e:
            shutil.rmtree(path, ignore_errors=True)
            if isinstance(e, OSError):
                raise _write_failed(e) from e
            raise

    def _procs_for(self, units: int) -> int:
        if self.procs is not None:
            return max(1, self.procs)
        return min(os.cpu_count() or 1, MAX_PROCS) if units >= PARALLEL_UNITS else 1

    @staticmethod
    def _runs(ids: list[str], weights: dict[str, int], n: int) -> list[list[str]]:
        """`ids` (sorted) cut into at most `n` runs of consecutive documents, the heaviest run as light
        as it can be (`weights`: per document, a missing one weighs 0). A document is never split.

        The least heaviest run is found by bisection: a run may weigh at most `cap` if runs filled
        greedily up to `cap` are at most `n`; each try finds a run's end in the running totals by
        bisection, so a try costs n look-ups, not one step per document."""
        if not ids:
            return []
        sums = list(accumulate((weights.get(d, 0) for d in ids), initial=0))

        def cut(cap: int) -> list[int] | None:
            ends, start = [], 0
            while start < len(ids):
                if len(ends) == n:
                    return None
                # the last document that keeps the run at `cap` or under (at least one document)
                end = max(start + 1, bisect_right(sums, sums[start] + cap) - 1)
                ends.append(end)
                start = end
            return ends

        lo = max(sums[i + 1] - sums[i] for i in range(len(ids)))
        hi = sums[-1]
        while lo < hi:
            mid = (lo + hi) // 2
            if cut(mid) is None:
                lo = mid + 1
            else:
                hi = mid
        ends = cut(lo) or [len(ids)]
        return [ids[a:b] for a, b in zip([0, *ends], ends, strict=False)]

    @staticmethod
    def _costs(sizes: dict[str, tuple[int, int]]) -> dict[str, int]:
        """What writing each document's units costs, in characters of text: a unit costs its text's
        characters and as much again as UNIT_CHARS characters (the fields, columns and lengths every
        unit has). Balances writer processes better than units alone: a document of long paragraphs
        takes longer than one of as many short ones."""
        return {d: n * UNIT_CHARS + chars for d, (n, chars) in sizes.items()}

    def _write_segments(
        self, path: Path, doc_ids: list[str], versions: dict[str, str], counts: dict[str, int], words: Counter
    ) -> tuple[list, int]:
        """Write these documents into the new generation as segments of equal size, as few as hold
        at most SEGMENT_UNITS units each (51,000 units make one segment, 120,000 two of 60,000), each
        sorted in memory: Whoosh's posting pool never spills to disk. Returns the segments (not yet
        listed in the table of contents) and the number of units."""
        ix = windex.open_dir(str(path))
        ids = sorted(doc_ids)
        n_segments = math.ceil(sum(counts.get(d, 0) for d in ids) / SEGMENT_UNITS)
        segments, n = [], 0
        for run in self._runs(ids, counts, n_segments):
            writer = SEGMENT_WRITER(ix, _lk=False, limitmb=POOL_MB, compound=COMPOUND)
            try:
                with collector.rarer(WRITE_GC_THRESHOLD):
                    n += self._add_docs(writer, run, versions, words)
                    segments.append(writer._finalize_segment())
            except BaseException:
                try:
                    writer.cancel()
                except Exception:  # noqa: BLE001 - the first error is the one to report
                    pass
                raise
        return segments, n

    def _segment_worker(
        self, path: Path, doc_ids: list[str], versions: dict[str, str], counts: dict[str, int], conn
    ) -> None:
        """In a forked process: write these documents' units as segments of the new generation and
        send back (segments, units, words, files): its segments' files synced and listed
        (`_settle`), while the other writers still work. Its own catalogue connection: SQLite
        connections must not cross a fork."""
        try:
            mine = IndexManager(Store(self.store.home, create=False))
            mine._parsed = self._parsed  # this process's copy of the parent's
            words: Counter = Counter()
            segments, n = mine._write_segments(path, doc_ids, versions, counts, words)
            storage = FileStorage(str(path))  # the directory's files (open_dir would read its TOC again)
            files = _settle(path, [name for seg in segments for name in seg.list_files(storage)])
            conn.send(("ok", segments, n, words, files))
        except BaseException as e:  # noqa: BLE001 - reported to the parent, which raises it
            why = _why(e) if isinstance(e, OSError) else f"{type(e).__name__}: {e}"
            conn.send(("error", why, 0, None, None))
        finally:
            conn.close()

    def _new_segments(
        self,
        path: Path,
        doc_ids: list[str],
        versions: dict[str, str],
        counts: dict[str, int],
        words: Counter,
        settled: dict | None = None,
    ) -> tuple[list, int]:
        """The segments holding these documents' units, written into the new generation by one
        writer process per core (`_procs_for`), each from its own share of the catalogue: runs of
        consecutive document ids with about equal numbers of units, so that each process reads one
        key range. Not yet listed in the table of contents.

        Whoosh's own `procs=N, multisegment=True` writer has its parent build and pickle every
        document for its workers; on two cores that third busy process cost a third of the gain
        (see BENCHMARKS.md). Here each worker reads the catalogue itself. `counts`: units per
        document (`Store.unit_counts`); `settled` gets the files the writer processes synced and
        listed (`_settle`)."""
        ids = sorted(doc_ids)
        procs = self._procs_for(sum(counts.get(d, 0) for d in ids))
        if procs == 1:
            return self._write_segments(path, ids, versions, counts, words)
        costs = self._costs(self.store.unit_sizes())
        import multiprocessing  # here: ~10 ms of start-up that searches never need

        ctx = multiprocessing.get_context("fork")
        kids, pipes = [], []
        segments, n = [], 0
        with _children_die_with_us():
            try:
                for part in self._runs(ids, costs, procs):
                    recv, send = ctx.Pipe(duplex=False)
                    kid = ctx.Process(
                        target=self._segment_worker, args=(path, part, versions, counts, send), daemon=True
                    )
                    kid.start()
                    send.close()
                    kids.append(kid)
                    pipes.append(recv)
                self.store.checkpoint()  # I/O for this process while the writers work
                for kid, recv in zip(kids, pipes, strict=True):
                    try:
                        status, got, units, kid_words, kid_files = recv.recv()
                    except EOFError:
                        kid.join(5)
                        raise StoreError(
                            f"could not write the index: a writer process died (exit code {kid.exitcode}); "
                            "the previous index stays live"
                        ) from None
                    if status != "ok":
                        raise StoreError(f"could not write the index: {got}; the previous index stays live")
                    segments += got
                    n += units
                    words.update(kid_words)
                    if settled is not None:
                        settled.update(kid_files)
            finally:
                for kid in kids:
                    kid.join(1)
                    if kid.is_alive():
                        kid.kill()
                        kid.join()
        return segments, n

    @staticmethod
    def _commit_segments(writer, segments: list) -> None:
        """Commit `writer` with segments written beside it, as Whoosh's commit does: the merge policy
        first (it may merge small segments into this writer), then a table of contents listing
        what remains, this writer's own segment if it holds anything, and `segments`."""
        final = writer._merge_segments(MERGE_POLICY, None, None)
        if writer._added:
            final.append(writer._finalize_segment())
        else:
            writer._close_segment()
        writer._commit_toc(final + segments)
        writer._finish()

    def _rebuild_locked(self, report: SyncReport) -> SyncReport:
        t0 = time.perf_counter()
        name = self._next_name()
        path = self.root / name
        versions = self.store.versions()
        with self._building(path):
            path.mkdir()
            ix = windex.create_in(str(path), build_schema())
            words: Counter = Counter()
            settled: dict = {}
            segments, n = self._new_segments(
                path, list(versions), versions, self.store.unit_counts(), words, settled
            )
            writer = ix.writer()
            try:
                self._commit_segments(writer, segments)
            except BaseException:
                try:
                    writer.cancel()
                except Exception:  # noqa: BLE001 - the first error is the one to report
                    pass
                raise
            Vocabulary(words).save(path)
            self._finish(path, n, len(versions), settled=settled)
        self._switch(name)
        self.cleanup()
        report.generation = name
        report.added = sorted(versions)
        report.units = n
        report.rebuilt = True
        report.seconds = time.perf_counter() - t0
        return report

    def rebuild(
        self, progress: Callable[[str], None] | None = None, *, wait: float = LOCK_WAIT
    ) -> SyncReport:
        """Build a fresh generation from the store, check it, then switch to it."""
        return self.sync(rebuild=True, wait=wait)

    def sync(self, *, rebuild: bool = False, wait: float = LOCK_WAIT, parsed: dict | None = None) -> SyncReport:
        """Bring the index up to date with the store: add new, replace changed, drop removed.
        `parsed`: units this process has just stored (`Backend.sync`), written without reading
        them back where their version is the store's."""
        self._parsed = parsed or {}
        try:
            return self._sync(rebuild, wait)
        finally:
            self._parsed = {}

    def _sync(self, rebuild: bool, wait: float) -> SyncReport:
        with self.lock(wait):
            t0 = time.perf_counter()
            report = SyncReport(recovered=self.recover())
            live = self.current_name()
            if live and not rebuild:
                try:
                    ix = self.open(self.root / live)
                except StoreError as e:  # damaged or planted files: rebuild from the catalogue
                    report.recovered.append(f"{live} could not be used ({e}); rebuilt from the catalogue")
                    rebuild = True
            if rebuild or not live:
                return self._rebuild_locked(report)
            wanted = self.store.versions()
            have = self.indexed_versions(ix)
            report.generation = live
            report.added = sorted(d for d in wanted if d not in have)
            report.replaced = sorted(d for d in wanted if d in have and have[d] != wanted[d])
            report.removed = sorted(d for d in have if d not in wanted)
            report.unchanged = len(wanted) - len(report.added) - len(report.replaced)
            if not report.changed:
                report.seconds = time.perf_counter() - t0
                return report
            with ix.searcher() as s:
                before = s.doc_count()
            name = self._next_name()
            path = self.root / name
            with self._building(path):
                self._clone(live, name)
                try:
                    writer = self._open_path(path).writer(timeout=wait, delay=0.1, compound=COMPOUND)
                except LockError as e:  # nobody else should hold it: we hold the directory lock
                    raise IndexBusy(f"the index is busy (waited {wait:g} s); try again") from e
                words: Counter = Counter()
                settled: dict = {}
                todo = report.added + report.replaced
                counts = self.store.unit_counts() if len(todo) > 1 else {}
                bulk = sum(counts.get(d, 0) for d in todo) >= BULK_UNITS
                try:
                    deleted = 0
                    for d in report.replaced + report.removed:
                        deleted += writer.delete_by_term("doc", d)
                    if bulk:  # a large batch: new segments, written as a rebuild writes them
                        segments, report.units = self._new_segments(path, todo, wanted, counts, words, settled)
                        self._commit_segments(writer, segments)
                    else:
                        report.units = self._add_docs(writer, todo, wanted, words)
                        writer.commit(mergetype=MERGE_POLICY)
                except BaseException:
                    try:
                        writer.cancel()
                    except Exception:  # noqa: BLE001
                        pass
                    raise
                Vocabulary.load(self.root / live).merged(words).save(path)
                self._finish(
                    path,
                    before - deleted + report.units,
                    len(wanted),
                    self._manifest(live),
                    self.root / live,
                    settled,
                )
            self._switch(name)
            self.cleanup()
            report.generation = name
            report.seconds = time.perf_counter() - t0
            return report

    # -- health and reading ---------------------------------------------------------------------
    def status(self, *, verify: bool = False) -> IndexStatus:
        """Compare the index with the catalogue. `verify` also checks every document's unit count
        and that the index holds nothing else. Reads only: never takes the lock, never repairs."""
        return whoosh_status(self, verify=verify)

    def indexed_versions(self, ix) -> dict[str, str]:
        """Per document, the version the index holds."""
        return reading.indexed_versions(ix)

    @staticmethod
    def indexed_counts(ix) -> tuple[dict[str, tuple[str, int]], int]:
        """Per document (version, live units) and the total of live units in the index."""
        return reading.indexed_counts(ix)

    def view(self) -> SearchView | None:
        """The live generation for searching (kept open across searches in this process)."""
        return reading.open_view(self)

    def catalogue(self) -> Store:
        return self.store

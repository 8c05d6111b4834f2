"""The index on disk: generations, incremental sync with the store, atomic switches, recovery.

Layout under `<home>/index/`::

    CURRENT          the name of the live generation (replaced atomically with os.replace)
    LOCK             held (flock) by the one process that writes; readers never take it
    gen-000003/      a Whoosh index, with a PINCITE marker file written last, once it is whole

Every change makes a new generation, never edits the live one: a rebuild writes a fresh directory;
an incremental sync hard-links the live generation's files into a new directory (Whoosh never
rewrites a file it has written: segments are immutable, deletions and the TOC go into new files)
and commits the changes there. Either way the new generation is fsynced, opened and counted, gets
its marker, and only then does CURRENT switch to it. A crash at any point leaves the old generation
live and whole; the next writer removes what the crash left behind. Readers holding the old
generation keep it until they close (we keep one previous generation on disk).

When CURRENT is missing or names a generation that is not whole, readers fall back to the newest
generation that carries our marker, and the next writer points CURRENT at it (or rebuilds).

Whoosh pickles its schema: we open only generations that carry our marker, inside our own home (a
generation or a CURRENT that is a symbolic link is refused), and Whoosh's unpickling is restricted to
its own classes (`pincite.index.trusted`, put in place by `pincite.index.whoosh_compat`). The marker lists every file of the generation with its size
and SHA-256: a reader checks the sizes (a truncated file is caught before Whoosh reads it, and the
next `pincite index` rebuilds), `status --verify` reads every file and checks its hash.
This module is the only one that imports Whoosh's index and writing API, so that another engine can
sit beside it later.
"""

from __future__ import annotations

import errno
import fcntl
import json
import math
import os
import re
import shutil
import signal
import stat
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from whoosh import index as windex
from whoosh import writing as _writing
from whoosh.index import LockError
from whoosh.writing import SegmentWriter

from pincite.corpus.model import OK, Document, Unit
from pincite.corpus.store import Store
from pincite.errors import IndexBusy, StoreError
from pincite.index import trusted
from pincite.index.analysis import field_for
from pincite.index.schema import build_schema
from pincite.index.vocabulary import WORDS, Vocabulary, words_of

MARKER = "PINCITE"
INDEX_FORMAT = 4  # 2: no stop words, accent variants, facet columns; 3: fr elision, pt plurals;
# 4: stems only (words as written in WORDS), nothing stored, seq a column
LOCK_WAIT = 10.0
GEN_RE = re.compile(r"^gen-(\d{6})$")
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


@dataclass
class SyncReport:
    generation: str = ""
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    units: int = 0
    rebuilt: bool = False
    recovered: list[str] = field(default_factory=list)  # what the sync repaired before it started
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed or self.rebuilt)


@dataclass
class IndexStatus:
    """What the index holds compared with the catalogue."""

    generation: str = ""  # the live generation ("" when there is none)
    pointer: str = ""  # what CURRENT says
    fallback: bool = False  # CURRENT is missing or broken and readers use `generation` instead
    generations: list[str] = field(default_factory=list)  # whole generations on disk
    incomplete: list[str] = field(default_factory=list)  # generations without a marker
    size_bytes: int = 0  # the live generation on disk
    total_bytes: int = 0  # everything under index/
    documents: int = 0  # documents in the live generation
    units: int = 0  # units in the live generation
    not_indexed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    verified: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def out_of_date(self) -> bool:
        return bool(self.not_indexed or self.stale or self.removed)

    @property
    def healthy(self) -> bool:
        return not (self.out_of_date or self.problems or self.fallback)

    def dump(self) -> dict:
        d = asdict(self)
        d.update(out_of_date=self.out_of_date, healthy=self.healthy)
        return d


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    for f in path.iterdir():
        if f.is_file():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(path)


def _file_list(path: Path, known: dict, known_dir: Path | None = None) -> dict[str, list]:
    """Every file of a generation (but its marker and lock): name → [size, sha256]. A file that is
    the same file (a hard link) as the one of that name in `known_dir`, listed in `known`, keeps its
    hash: Whoosh never rewrites a file, so only the new ones are read."""
    import hashlib

    out = {}
    for f in sorted(path.iterdir()):
        if not f.is_file() or f.name == MARKER or f.name.endswith("WRITELOCK"):
            continue
        st = f.stat()
        old = known.get(f.name)
        if old and known_dir is not None and old[0] == st.st_size:
            try:
                same = os.stat(known_dir / f.name).st_ino == st.st_ino
            except OSError:
                same = False
            if same:
                out[f.name] = old
                continue
        with open(f, "rb") as fh:
            out[f.name] = [st.st_size, hashlib.file_digest(fh, "sha256").hexdigest()]
    return out


def _dir_size(path: Path) -> int:
    """Bytes on disk under `path`, counting hard-linked files once."""
    total, seen = 0, set()
    for p in path.rglob("*"):
        try:
            st = p.stat()
        except OSError:
            continue
        if p.is_file() and (st.st_dev, st.st_ino) not in seen:
            seen.add((st.st_dev, st.st_ino))
            total += st.st_size
    return total


def _why(e: OSError) -> str:
    why = e.strerror or str(e)
    if e.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        why = f"{why} (the disk or a size limit is full)"
    return why


def _write_failed(e: OSError) -> StoreError:
    return StoreError(f"could not write the index: {_why(e)}; the previous index stays live")


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


class IndexManager:
    """Keeps `<home>/index` in step with the store."""

    def __init__(self, store: Store, *, procs: int | None = None) -> None:
        self.store = store
        self.root = store.index_dir
        if procs is None and os.environ.get("PINCITE_INDEX_PROCS", "").isdigit():
            procs = int(os.environ["PINCITE_INDEX_PROCS"])
        self.procs = procs  # writer processes for rebuilds; None chooses by size

    # -- generations ----------------------------------------------------------------------------
    def _complete(self, name: str) -> bool:
        """A generation we wrote, whole: a well-formed name and our marker, of our format."""
        if not GEN_RE.match(name):
            return False
        try:
            marker = json.loads((self.root / name / MARKER).read_text())
        except (OSError, ValueError):
            return False
        return isinstance(marker, dict) and marker.get("format") == INDEX_FORMAT

    def pointer(self) -> str:
        """What CURRENT says: a generation name, "" when it is missing, or a description in
        parentheses of why it names nothing (a symbolic link, a directory, bytes that are no name).
        Never follows a link, never prints what another file holds."""
        path = self.root / "CURRENT"
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:
            return ""
        except OSError as e:
            if e.errno == errno.ELOOP:
                return "(a symbolic link, refused)"
            return "(a directory)" if path.is_dir() else f"(unreadable: {e.strerror})"
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return "(not a regular file)"
            raw = os.read(fd, 64)
        except OSError as e:
            return "(a directory)" if e.errno == errno.EISDIR else f"(unreadable: {e.strerror})"
        finally:
            os.close(fd)
        name = raw.decode("ascii", "replace").strip()
        return name if GEN_RE.match(name) else "(not a generation name)"

    def current_name(self) -> str:
        """The generation CURRENT names, if it is whole; else ""."""
        name = self.pointer()
        return name if name and self._complete(name) else ""

    def live_name(self) -> str:
        """The generation readers use: CURRENT's, else the newest whole one."""
        name = self.current_name()
        if name:
            return name
        done = self.complete_generations()
        return done[-1] if done else ""

    def current_path(self) -> Path | None:
        name = self.live_name()
        return self.root / name if name else None

    def generations(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if GEN_RE.match(p.name) and not p.is_symlink() and p.is_dir()  # a link may lead anywhere
        )

    def complete_generations(self) -> list[str]:
        return [g for g in self.generations() if self._complete(g)]

    def _next_name(self) -> str:
        nums = [int(g.split("-")[1]) for g in self.generations()]
        return f"gen-{(max(nums) + 1 if nums else 1):06d}"

    def _switch(self, name: str) -> None:
        cur = self.root / "CURRENT"
        if cur.is_dir() and not cur.is_symlink():  # a planted or damaged CURRENT: os.replace cannot
            shutil.rmtree(cur)
        tmp = self.root / "CURRENT.tmp"
        with open(tmp, "w") as f:
            f.write(name + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.root / "CURRENT")
        _fsync_dir(self.root)

    def cleanup(self, keep: int = 1) -> list[str]:
        """Remove generations older than the live one (keeping `keep`), newer ones and leftovers.

        Call it only while holding the lock: a generation without a marker may be one being built.
        """
        live = self.current_name()
        if not live:
            return []
        gens = self.generations()
        older = [g for g in gens if g < live and self._complete(g)]
        doomed = older[: max(0, len(older) - keep)]
        doomed += [g for g in gens if g > live or (g < live and not self._complete(g))]
        for g in doomed:
            shutil.rmtree(self.root / g, ignore_errors=True)
        for p in self.root.iterdir():
            if p.name.startswith("CURRENT.tmp") or (p.is_dir() and p.name.startswith(".tmp-")):
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        return sorted(doomed)

    def recover(self) -> list[str]:
        """Repair what a crash or a damaged home left, under the lock: point CURRENT at a whole
        generation when it names none, and remove incomplete and surplus generations. Returns
        what it did, one line each."""
        done: list[str] = []
        pointer = self.pointer()
        if not self.current_name():
            whole = self.complete_generations()
            if whole:
                self._switch(whole[-1])
                done.append(
                    f"CURRENT named {pointer or 'nothing'!r}, not a whole generation; now {whole[-1]}"
                )
        done += [f"removed {g}" for g in self.cleanup()]
        return done

    @contextmanager
    def lock(self, wait: float = LOCK_WAIT) -> Iterator[None]:
        """The one-writer lock over the whole index directory, with a bounded wait.

        An flock: the OS releases it when the holder dies, so a crash never leaves it stuck."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise IndexBusy(
                            f"the index is busy: another pincite process is writing it "
                            f"(waited {wait:g} s); try again"
                        ) from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def open(self, path: Path | None = None):
        """The live Whoosh index (or the generation at `path`, one of `current_path`'s answers), or
        None when there is none."""
        path = path or self.current_path()
        if path is None:
            name = self.pointer()
            if name and GEN_RE.match(name) and (self.root / name / MARKER).is_file():
                raise StoreError(
                    f"the index at {self.root / name} was built by another version of pincite; "
                    "run `pincite index --rebuild`"
                )
            return None
        damage = self.damage(path.name)
        if damage:
            raise StoreError(f"the index at {path} is damaged ({damage}); run `pincite index` to rebuild it")
        return self._open_path(path)

    def damage(self, name: str) -> str:
        """What is wrong with a generation's files, judged by their sizes against its marker ("" when
        they match, or when the marker predates the list of files). A few stat calls: cheap enough
        for every open."""
        files = self._manifest(name)
        if not files:
            return ""
        gen = self.root / name
        for fname, (size, _) in files.items():
            try:
                got = os.stat(gen / fname, follow_symlinks=False).st_size
            except OSError:
                return f"{fname} is missing"
            if got != size:
                return f"{fname} holds {got} bytes, not the {size} written"
        try:
            extra = [f for f in os.listdir(gen) if f.endswith(".toc") and f not in files]
        except OSError as e:
            return e.strerror or str(e)
        return f"{extra[0]} was not written by pincite" if extra else ""

    def _manifest(self, name: str) -> dict[str, list]:
        """The marker's list of files: name → [size, sha256]; {} for a marker without one."""
        try:
            files = json.loads((self.root / name / MARKER).read_text()).get("files") or {}
        except (OSError, ValueError, AttributeError):
            return {}
        return files if isinstance(files, dict) else {}

    @staticmethod
    def _open_path(path: Path):
        try:
            return windex.open_dir(str(path))
        except trusted.UntrustedIndex as e:
            raise StoreError(f"the index at {path} is not one pincite wrote ({e}); run `pincite index`") from e
        except (windex.EmptyIndexError, OSError, EOFError, ValueError) as e:
            raise StoreError(
                f"the index at {path} cannot be opened ({e}); run `pincite index --rebuild`"
            ) from e
        except Exception as e:  # noqa: BLE001 - a damaged file can make Whoosh fail in any way
            raise StoreError(
                f"the index at {path} cannot be opened ({type(e).__name__}: {e}); run `pincite index --rebuild`"
            ) from e

    def _read_everything(self, name: str) -> list[str]:
        """Read every file of a generation and check it against its marker: what is wrong, one line
        each (a truncated or altered postings file, a file missing, a file pincite did not write)."""
        import hashlib

        files = self._manifest(name)
        if not files:
            return []
        gen = self.root / name
        out = []
        for fname, (size, digest) in sorted(files.items()):
            try:
                with open(gen / fname, "rb") as fh:
                    got = hashlib.file_digest(fh, "sha256").hexdigest()
                    n = fh.tell()
            except OSError as e:
                out.append(f"{fname}: {e.strerror or e}")
                continue
            if n != size:
                out.append(f"{fname} holds {n} bytes, not the {size} written")
            elif got != digest:
                out.append(f"{fname} is not the file written (its SHA-256 differs)")
        for f in sorted(os.listdir(gen)):
            if f not in files and f != MARKER and not f.endswith("WRITELOCK"):
                out.append(f"{f} was not written by pincite")
        return out

    # -- what the index holds -------------------------------------------------------------------
    @staticmethod
    def _docver_units(ix) -> dict[str, int]:
        """Live units per `docver` term ("doc|version"), in term order. Counted per segment: a
        segment without deletions gives each term's document frequency from its term index, and
        only segments with deletions have their postings read (looking each term up across all
        segments took 2 s of a no-change sync at 1M units)."""
        counts: dict[str, int] = {}
        with ix.reader() as r:
            for seg, _ in r.leaf_readers():
                deletions = seg.has_deletions()
                for term in seg.lexicon("docver"):
                    t = term.decode("utf-8") if isinstance(term, bytes) else term
                    if deletions:  # postings leave deleted units out
                        n = sum(1 for _ in seg.postings("docver", t).all_ids())
                    else:
                        n = seg.doc_frequency("docver", t)
                    if n:
                        counts[t] = counts.get(t, 0) + n
        return dict(sorted(counts.items()))

    def indexed_versions(self, ix) -> dict[str, str]:
        """Per document, the version the index holds."""
        out: dict[str, str] = {}
        for t in self._docver_units(ix):
            doc, _, ver = t.partition("|")
            out[doc] = ver
        return out

    @staticmethod
    def indexed_counts(ix) -> tuple[dict[str, tuple[str, int]], int]:
        """Per document (version, live units) and the total of live units in the index."""
        out: dict[str, tuple[str, int]] = {}
        for t, n in IndexManager._docver_units(ix).items():
            doc, _, ver = t.partition("|")
            if doc in out:  # two versions of one document at once
                out[doc] = (out[doc][0] + "," + ver, out[doc][1] + n)
            else:
                out[doc] = (ver, n)
        return out, ix.doc_count()

    # -- writing ------------------------------------------------------------------------------------
    def _units_for(self, doc_ids: list[str]) -> Iterator[tuple[Document, Unit]]:
        wanted = set(doc_ids)
        if len(wanted) <= BATCH_DOCS:
            for doc_id in doc_ids:
                doc = self.store.document(doc_id)
                if doc is not None:
                    for unit in self.store.units(doc_id):
                        yield doc, unit
            return
        docs = {d.id: d for d in self.store.documents(status=OK) if d.id in wanted}
        for unit in self.store.units(between=(min(wanted), max(wanted))):
            doc = docs.get(unit.doc)
            if doc is not None:
                yield doc, unit

    def _add_docs(self, writer, doc_ids: Iterable[str], versions: dict[str, str], words: Counter) -> int:
        """Add the units of these documents; count their words (units per word) into `words`."""
        n = 0
        add = writer.add_document
        count = words.update
        last_doc = None
        for doc, unit in self._units_for(sorted(doc_ids)):
            add(**unit_fields(doc, unit, versions[doc.id]))
            if doc.id != last_doc:
                last_doc = doc.id
                count(words_of(doc.title))
            count(
                words_of(unit.text + " " + " ".join(unit.headings)) if unit.headings else words_of(unit.text)
            )
            n += 1
        return n

    def _finish(
        self, path: Path, units: int, docs: int, known: dict | None = None, known_dir: Path | None = None
    ) -> None:
        """Make a written generation durable, check it, and mark it whole. `known`: the list of
        files of the generation it was cloned from (their hashes need not be computed again)."""
        _fsync_tree(path)
        files = _file_list(path, known or {}, known_dir)
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
    def _runs(ids: list[str], counts: dict[str, int], n: int) -> list[list[str]]:
        """`ids` (sorted) cut into at most `n` runs of consecutive documents with about equal numbers
        of units. A document is never split."""
        target = sum(counts.get(d, 0) for d in ids) / max(1, n)
        out: list[list[str]] = [[]]
        acc = 0
        for d in ids:
            if out[-1] and len(out) < n and acc + counts.get(d, 0) > target * len(out) + target * 0.02:
                out.append([])
            out[-1].append(d)
            acc += counts.get(d, 0)
        return [r for r in out if r]

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
            writer = SegmentWriter(ix, _lk=False, limitmb=POOL_MB, compound=COMPOUND)
            try:
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
        send back (segments, units, words). Its own catalogue connection: SQLite connections must
        not cross a fork."""
        try:
            mine = IndexManager(Store(self.store.home, create=False))
            words: Counter = Counter()
            segments, n = mine._write_segments(path, doc_ids, versions, counts, words)
            conn.send(("ok", segments, n, words))
        except BaseException as e:  # noqa: BLE001 - reported to the parent, which raises it
            why = _why(e) if isinstance(e, OSError) else f"{type(e).__name__}: {e}"
            conn.send(("error", why, 0, None))
        finally:
            conn.close()

    def _new_segments(
        self, path: Path, doc_ids: list[str], versions: dict[str, str], counts: dict[str, int], words: Counter
    ) -> tuple[list, int]:
        """The segments holding these documents' units, written into the new generation by one
        writer process per core (`_procs_for`), each from its own share of the catalogue: runs of
        consecutive document ids with about equal numbers of units, so that each process reads one
        key range. Not yet listed in the table of contents.

        Whoosh's own `procs=N, multisegment=True` writer has its parent build and pickle every
        document for its workers; on two cores that third busy process cost a third of the gain
        (see BENCHMARKS.md). Here each worker reads the catalogue itself. `counts`: units per
        document (`Store.unit_counts`)."""
        ids = sorted(doc_ids)
        procs = self._procs_for(sum(counts.get(d, 0) for d in ids))
        if procs == 1:
            return self._write_segments(path, ids, versions, counts, words)
        import multiprocessing  # here: ~10 ms of start-up that searches never need

        ctx = multiprocessing.get_context("fork")
        kids, pipes = [], []
        segments, n = [], 0
        with _children_die_with_us():
            try:
                for part in self._runs(ids, counts, procs):
                    recv, send = ctx.Pipe(duplex=False)
                    kid = ctx.Process(
                        target=self._segment_worker, args=(path, part, versions, counts, send), daemon=True
                    )
                    kid.start()
                    send.close()
                    kids.append(kid)
                    pipes.append(recv)
                for kid, recv in zip(kids, pipes, strict=True):
                    try:
                        status, got, units, kid_words = recv.recv()
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
            segments, n = self._new_segments(path, list(versions), versions, self.store.unit_counts(), words)
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
            self._finish(path, n, len(versions))
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

    def sync(self, *, rebuild: bool = False, wait: float = LOCK_WAIT) -> SyncReport:
        """Bring the index up to date with the store: add new, replace changed, drop removed."""
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
                todo = report.added + report.replaced
                counts = self.store.unit_counts() if len(todo) > 1 else {}
                bulk = sum(counts.get(d, 0) for d in todo) >= BULK_UNITS
                try:
                    deleted = 0
                    for d in report.replaced + report.removed:
                        deleted += writer.delete_by_term("doc", d)
                    if bulk:  # a large batch: new segments, written as a rebuild writes them
                        segments, report.units = self._new_segments(path, todo, wanted, counts, words)
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
                self._finish(path, before - deleted + report.units, len(wanted), self._manifest(live), self.root / live)
            self._switch(name)
            self.cleanup()
            report.generation = name
            report.seconds = time.perf_counter() - t0
            return report

    # -- health ---------------------------------------------------------------------------------
    def status(self, *, verify: bool = False) -> IndexStatus:
        """Compare the index with the catalogue. `verify` also checks every document's unit count
        and that the index holds nothing else. Reads only: never takes the lock, never repairs."""
        st = IndexStatus(pointer=self.pointer(), generations=self.complete_generations())
        st.incomplete = [g for g in self.generations() if g not in st.generations]
        st.generation = self.live_name()
        st.fallback = bool(st.generation) and st.generation != self.current_name()
        if self.root.is_dir():
            st.total_bytes = _dir_size(self.root)
        wanted = self.store.versions()
        if not st.generation:
            st.not_indexed = sorted(wanted)
            if wanted:
                st.problems.append("there is no index; run `pincite index`")
            st.verified = verify
            return st
        path = self.root / st.generation
        st.size_bytes = _dir_size(path)
        damaged = self._read_everything(st.generation) if verify else []
        try:
            if damaged:
                raise StoreError(f"the index at {path} is damaged ({damaged[0]}); run `pincite index --rebuild`")
            ix = self.open(path)
            counts, total = self.indexed_counts(ix)
            ix.close()
        except StoreError as e:
            st.problems += [str(e), *(f"{st.generation}: {d}" for d in damaged[1:])]
            st.not_indexed = sorted(wanted)
            st.verified = verify
            return st
        st.documents = len(counts)
        st.units = total
        st.not_indexed = sorted(d for d in wanted if d not in counts)
        st.stale = sorted(d for d in wanted if d in counts and counts[d][0] != wanted[d])
        st.removed = sorted(d for d in counts if d not in wanted)
        if st.fallback:
            st.problems.append(
                f"CURRENT names {st.pointer or 'nothing'!r}, not a whole generation; readers use "
                f"{st.generation}; `pincite index` repairs it"
            )
        if verify:
            st.verified = True
            found = len(st.problems)
            if not self._manifest(st.generation):
                st.problems.append(
                    f"{st.generation} was written by an older pincite, without the list of its files "
                    "that verify checks"
                )
            bad_units = self.store.damaged_units()
            if bad_units:
                st.problems.append(
                    f"the catalogue's text of {len(bad_units)} document(s) is damaged ({', '.join(bad_units[:5])}); "
                    "`pincite index --rebuild` parses them again"
                )
            if not (path / WORDS).is_file():
                st.problems.append(
                    f"{st.generation} has no list of words (WORDS): prefix and fuzzy words match nothing"
                )
            expect = self.store.unit_counts()
            for d, ver in sorted(wanted.items()):
                if d in counts and counts[d][0] == ver and counts[d][1] != expect.get(d, 0):
                    st.problems.append(
                        f"{d}: the index holds {counts[d][1]} units, the catalogue {expect.get(d, 0)}"
                    )
            if sum(n for _, n in counts.values()) != total:
                st.problems.append(
                    f"the index holds {total} units but only "
                    f"{sum(n for _, n in counts.values())} belong to a document version"
                )
            if len(st.problems) > found:
                st.problems.append("repair with `pincite index --rebuild`")
        return st

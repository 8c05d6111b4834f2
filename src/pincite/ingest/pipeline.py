"""Ingestion: files (or fetched bytes) → the store → parsed units.

`add_paths` and `add_bytes` keep the raw bytes under their hash and record the source; `parse_pending`
parses every document whose units were not made by this parser version. Documents are parsed by a few
forked worker processes (one per job), each reading one document after another under a memory cap,
with a wall-clock time-out per document: a hang, a crash or a decompression bomb in one file is
recorded against that file, its worker is replaced, and the others go on.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import pickle
import resource
import signal
import sqlite3
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from pincite import collector
from pincite.corpus.model import FAILED, OK
from pincite.corpus.store import Store, version_of
from pincite.errors import DocumentError, StoreError
from pincite.ingest import readers, valid
from pincite.ingest.discover import SIDECAR_SUFFIX, FileSelection
from pincite.ingest.discover import iter_files as walk_files
from pincite.ingest.version import PARSER_VERSION

OVERRIDE_KEYS = ("title", "date", "symbol", "doctype", "issuer", "lang")
DEFAULT_TIMEOUT = 120.0
DEFAULT_MEMORY_MB = 2048
# A DOCX is a zip: its text part may unpack to far more than the file's size. Past this, refuse it
# with a reason instead of letting the XML parser fail inside the memory cap ("unknown error").
DOCX_XML_MAX = 256 * 1024 * 1024
OCR_TIMEOUT = 900.0  # a document's time-out when scans are read with OCR


@dataclass(frozen=True)
class Outcome:
    """What happened to one file or URL."""

    location: str
    doc: str = ""
    change: str = ""  # new | changed | same | alias | skipped | removed (left out of a folder)
    status: str = OK  # ok | failed | needs-ocr | needs-password
    message: str = ""

    @property
    def failed(self) -> bool:
        """Could not be read. A scan to OCR or a locked PDF is kept, waiting: not a failure."""
        return self.status == FAILED

    @property
    def waiting(self) -> bool:
        """Kept, but without text until something is done (needs-ocr, needs-password)."""
        return self.status not in (OK, FAILED)


# ---- adding files ---------------------------------------------------------------------------------
def format_of(data: bytes, location: str, content_type: str = "") -> str:
    """The format of a file or a download, decided once, from its bytes, its name (the last part of
    a path or of a URL's path) and the Content-Type it was served with. The store keeps the raw file
    under the format's suffix, so parsing reads the decision back instead of guessing again.
    Raises DocumentError for what pincite does not read."""
    if not data:
        raise DocumentError(location, "empty file", status=FAILED)
    name = location
    if "://" in location:
        from urllib.parse import urlsplit

        name = urlsplit(location).path
    name = name.rstrip("/").rsplit("/", 1)[-1]
    fmt = readers.sniff(data, name, content_type)
    if fmt in ("unknown", "zip"):
        raise DocumentError(
            location, "unsupported file type (not text, markdown, PDF, HTML or DOCX)", status=FAILED
        )
    return fmt


def read_sidecar(path: Path) -> dict:
    """Metadata a user wrote beside a file (`report.pdf.meta.toml` or `report.meta.toml`)."""
    for side in (path.with_name(path.name + SIDECAR_SUFFIX), path.with_suffix(SIDECAR_SUFFIX)):
        if side.is_file():
            import tomllib  # here: only a file with a sidecar needs it (~3 ms of every ingest's start)

            try:
                data = tomllib.loads(side.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as e:
                raise DocumentError(str(side), f"cannot read metadata: {e}") from e
            return {k: str(v) for k, v in data.items() if k in OVERRIDE_KEYS}
    return {}


def add_paths(
    store: Store,
    paths: Iterable[Path],
    selection: FileSelection | None = None,
    progress: Callable[[Outcome], None] | None = None,
    new: Callable[[str, str, str, str], None] | None = None,
) -> list[Outcome]:
    """Add files and folders to the store (of folders, the files `selection` takes). Nothing is
    parsed yet: see `parse_pending`. `new(doc_id, sha, ext, location)` is told of each document new
    to the store as soon as it is registered (`Workers.give` starts parsing it).

    A file whose document was removed (`pincite remove`) is left out of folders (change `removed`)
    until it is given by name again."""
    removed = store.removed_sources()
    out: list[Outcome] = []
    files = iter(walk_files(paths, selection))
    # the files are read, hashed and copied into the store (each fsynced: I/O waits, without the
    # GIL) by a few threads, a few files ahead of the catalogue, which registers them here one
    # after another in the walk's order
    with ThreadPoolExecutor(max_workers=KEEPERS) as pool:
        ahead: deque = deque()

        def more() -> None:
            while len(ahead) < 2 * KEEPERS:
                f = next(files, None)
                if f is None:
                    return
                ahead.append(pool.submit(_keep, store, *f, removed))

        try:
            more()
            while ahead:
                got = ahead.popleft().result()
                more()
                out.append(got if isinstance(got, Outcome) else _register(store, *got, removed))
                if new is not None and out[-1].change == "new":
                    new(out[-1].doc, got[2], got[1], out[-1].location)
                if progress:
                    progress(out[-1])
        except BaseException:
            for waiting in ahead:  # those not started are not copied (at most KEEPERS are under way)
                waiting.cancel()
            raise
    return out


KEEPERS = 4  # threads that copy files into the store while the catalogue registers them (2x that ahead)


def _keep(store: Store, path: Path, err: str, named: bool, removed: set[str]) -> Outcome | tuple:
    """A file's bytes kept in the store under their hash: (location, its format's suffix, sha, the
    sidecar's overrides), or the Outcome of a file that is not kept."""
    # a name that is not UTF-8 gets \xNN escapes: the location is text the catalogue can hold
    location = valid.location(path.absolute() if err else path.resolve())
    if err:
        return Outcome(location, change="skipped", status=FAILED, message=err)
    if location in removed and not named:
        return Outcome(location, change="removed")
    try:
        with open(path, "rb") as f:
            head = f.read(65536)
        fmt = format_of(head, path.name)
        overrides = read_sidecar(path)
        sha, _ = store.put_raw_file(path, readers.SUFFIX_FOR[fmt])
    except DocumentError as e:
        return Outcome(location, change="skipped", status=FAILED, message=e.reason)
    except OSError as e:
        if _disk_full(e):
            raise StoreError(f"could not keep {location} in {store.raw_dir}: {e.strerror}") from e
        return Outcome(location, status=FAILED, message=e.strerror or str(e))
    return location, readers.SUFFIX_FOR[fmt], sha, overrides


def _register(
    store: Store, location: str, suffix: str, sha: str, overrides: dict, removed: set[str]
) -> Outcome:
    """A kept file's source and document in the catalogue (a removed one, given by name, is back)."""
    if location in removed:
        store.restore_source(location)
    reg = store.register(location, sha, suffix)
    if overrides != store.overrides(reg.doc):
        if reg.change in ("alias", "same") and store.shared(reg.doc):
            # The same bytes elsewhere with other metadata: this copy becomes a document of its
            # own, so that its sidecar does not retitle the other copy.
            reg = replace(reg, doc=store.detach(location), change="new")
        store.set_overrides(reg.doc, overrides)
        if reg.change == "same":
            reg = replace(reg, change="changed")
            store.mark_stale(reg.doc)
    return Outcome(location, doc=reg.doc, change=reg.change)


def _disk_full(e: OSError) -> bool:
    import errno

    return e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def add_bytes(
    store: Store,
    data: bytes,
    location: str,
    *,
    content_type: str = "",
    fetched: str = "",
    etag: str = "",
    last_modified: str = "",
    fmt: str = "",
) -> Outcome:
    """Add fetched bytes with their provenance (the crawler's entry point). `fmt`: the format the
    caller already decided with `format_of`."""
    try:
        fmt = fmt or format_of(data, location, content_type)
    except DocumentError as e:
        return Outcome(location, change="skipped", status=FAILED, message=e.reason)
    try:
        sha, _ = store.put_raw(data, readers.SUFFIX_FOR[fmt])
    except OSError as e:
        raise StoreError(f"could not keep {location} in {store.raw_dir}: {e.strerror or e}") from e
    reg = store.register(
        location,
        sha,
        readers.SUFFIX_FOR[fmt],
        fetched=fetched,
        etag=etag,
        last_modified=last_modified,
        content_type=content_type,
    )
    return Outcome(location, doc=reg.doc, change=reg.change)


# ---- parsing --------------------------------------------------------------------------------------
# A parse makes a hundred thousand objects or more (runs, lines, blocks, paragraphs) that live until
# it ends and hardly ever form a cycle: the collector's passes over them, one per 700 allocations by
# default, freed nothing and took ~3 % of a PDF's parse. During a parse it passes less often; the
# objects are freed by their reference counts as before.
PARSE_GC_THRESHOLD = 20_000
# units `parse_pending` keeps for the index at most (`keep`): ~1 KB each in memory
KEEP_UNITS = 200_000


def parse_file(
    path: Path,
    name: str,
    doc_id: str,
    overrides: dict | None = None,
    content_type: str = "",
    options: dict | None = None,
) -> tuple[dict, list]:
    """Read and segment one file (`content_type`: the HTTP header it was served with, if fetched;
    `options`: the reader's, see `readers.read`). The format is the one `format_of` decided when the
    file came in: the stored file's suffix says it. Raises DocumentError with a status for what
    cannot be parsed."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DocumentError(name, e.strerror or str(e)) from e
    fmt = readers.EXTENSIONS.get(path.suffix.lower()) or format_of(data, name, content_type)
    if fmt == "docx":
        _check_docx(data, name)
    from pincite.ingest.segment import segment  # here: the parent of an ingest never segments

    with collector.rarer(PARSE_GC_THRESHOLD):
        result = readers.read(data, fmt, name, content_type, options)
        seg = segment(result, doc_id, name)
    meta = dict(seg.meta)
    meta["fmt"] = fmt
    meta.update({k: v for k, v in (overrides or {}).items() if v})
    if not seg.units:
        raise DocumentError(name, "no text found in the document", status=FAILED)
    if meta.get("ocr"):  # the reader ran OCR: every unit's text may be misread
        return meta, [replace(u, ocr=True) for u in seg.units]
    return meta, seg.units


def _check_docx(data: bytes, name: str) -> None:
    """Refuse a DOCX whose text part unpacks past DOCX_XML_MAX, naming the size (read from the zip's
    directory: nothing is unpacked)."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            size = sum(
                i.file_size
                for i in z.infolist()
                if i.filename.startswith("word/") and i.filename.endswith(".xml")
            )
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise DocumentError(name, f"damaged DOCX (not a readable zip: {e})", status=FAILED) from e
    if size > DOCX_XML_MAX:
        raise DocumentError(
            name,
            f"too large to read: its text unpacks to {size / 1048576:,.0f} MB "
            f"(the limit is {DOCX_XML_MAX / 1048576:,.0f} MB); split the document",
            status=FAILED,
        )


def _die_with_parent(parent: int) -> None:
    """In a worker: be killed when the ingest that forked it dies (Linux PR_SET_PDEATHSIG), and let go
    of the caller's stdin, stdout and stderr, so that a script reading pincite's output sees it end
    when pincite ends, not when the last worker does."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before we asked
        os._exit(1)
    try:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)
    except OSError:
        pass


def _parsed(
    path: str,
    name: str,
    doc_id: str,
    overrides: dict,
    memory_mb: int,
    content_type: str,
    options: dict | None,
) -> tuple[tuple, bool]:
    """In a worker: one document's result, ("ok", meta, units) or ("error", status, reason), and
    whether the worker must stop after it (its memory or its stack gave out: the next document
    gets a fresh process)."""
    try:
        meta, units = parse_file(Path(path), name, doc_id, overrides, content_type, options)
        return ("ok", meta, units), False
    except DocumentError as e:
        return ("error", e.status, e.reason), False
    except MemoryError:
        return ("error", FAILED, f"over the memory cap of {memory_mb} MB"), True
    except RecursionError:
        return ("error", FAILED, "document structure too deeply nested"), True
    except Exception as e:  # a parser bug or a malformed file: record it, never crash the run
        tb = traceback.extract_tb(e.__traceback__)
        where = f" at {tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else ""
        return ("error", FAILED, f"parser error: {type(e).__name__}: {e}{where}"), False


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # the worker reports what is wrong with it
        return 0


def _cap_memory(memory_mb: int) -> None:
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _answer(task: tuple, memory_mb: int, with_stop: bool) -> tuple[bytes, bool]:
    """In a worker: a task's (path, name, doc_id, overrides, content_type, options) result, pickled
    as (result, stop) or, `with_stop` false, the result alone; and whether the worker must stop. A
    result too large to pickle under the memory cap is reported as the cap, like one too large to
    make."""
    path, name, doc_id, overrides, content_type, options = task
    try:
        result, stop = _parsed(path, name, doc_id, overrides, memory_mb, content_type, options)
        return pickle.dumps((result, stop) if with_stop else result), stop
    except MemoryError:
        result = ("error", FAILED, f"over the memory cap of {memory_mb} MB")
        return pickle.dumps((result, True) if with_stop else result), True


def _child(
    conn,
    path: str,
    name: str,
    doc_id: str,
    overrides: dict,
    memory_mb: int,
    content_type: str = "",
    parent: int = 0,
    options: dict | None = None,
) -> None:
    """Run in a forked process for one document (a Dask task's): cap memory, parse, send the result
    (or the error) back."""
    try:
        _die_with_parent(parent)
        _cap_memory(memory_mb)
        data, _ = _answer((path, name, doc_id, overrides, content_type, options), memory_mb, with_stop=False)
        conn.send_bytes(data)
    finally:
        conn.close()


def _worker(conn, memory_mb: int, parent: int, warm: bool = False) -> None:
    """A forked parse worker that reads documents one after another: each task, (path, name, doc_id,
    overrides, content_type, options), is answered with the pickled (result, stop). Its memory cap
    is set once; a document that runs out of memory or stack is reported, and the worker stops.
    `warm`: started before the documents were known (`Workers`): it loads the language model and the
    PDF reader itself while the parent adds the files."""
    try:
        _die_with_parent(parent)
        _cap_memory(memory_mb)
        if warm:
            try:
                _warm(("pdf",))
            except Exception:  # noqa: BLE001 - the first document loads what it needs, and says what failed
                pass
        while True:
            try:
                task = conn.recv()
            except (EOFError, OSError):
                break
            if task is None:
                break
            data, stop = _answer(task, memory_mb, with_stop=True)
            conn.send_bytes(data)
            if stop:
                break
    finally:
        conn.close()


def _warm(formats: Iterable[str] = ()) -> None:
    """Load what the workers need once, before forking, so that they share it instead of each
    importing pypdf or BeautifulSoup and loading the language model again."""
    import importlib

    from pincite.ingest import lang, segment  # noqa: F401 - loaded for the workers

    lang._identifier()
    for fmt in set(formats):
        if fmt in readers.READERS:
            importlib.import_module(f"pincite.ingest.readers.{readers.READERS[fmt]}")


def reading_of(ext: str, options: dict | None = None) -> str:
    """What a document is recorded as read with: the parser version and, for a PDF, the engine and
    whether OCR was on (`seg-4+pdfium+ocr`). `options` are the reader's (`readers.read`)."""
    if readers.EXTENSIONS.get(ext.lower()) != "pdf":
        return PARSER_VERSION
    options = options or {}
    return f"{PARSER_VERSION}+{options.get('engine') or readers.default_engine()}" + (
        "+ocr" if options.get("ocr") else ""
    )


def _read_again(recorded: str, ext: str, options: dict | None) -> bool:
    """Must a document read as `recorded` be read again? When another parser version made its units,
    and, for a PDF, when the engine asked for is not the one that read it or OCR is asked for and was
    not on. Without an engine or --ocr asked for, any reading of this parser version stands: a
    document read with OCR is not read again without it."""
    version, *how = recorded.split("+")
    if version != PARSER_VERSION:
        return True
    if not options or readers.EXTENSIONS.get(ext.lower()) != "pdf":
        return False
    engine = options.get("engine")
    return bool((engine and engine not in how) or (options.get("ocr") and "ocr" not in how))


def save_outcome(store: Store, doc_id: str, source: str, result: tuple, reading: str) -> Outcome:
    """Store one document's parse, ("ok", meta, units), or its failure, ("error", status, reason), as
    read with `reading` (`reading_of`), whichever process or machine parsed it."""
    if result[0] == "ok":
        _, meta, units = result
        try:
            store.save_parsed(doc_id, meta, units, parser=reading)
        except (UnicodeError, ValueError, OverflowError, sqlite3.InterfaceError) as e:
            # what the catalogue cannot hold is this document's fault, never the home's
            result = ("error", FAILED, f"cannot be stored: {type(e).__name__}: {e}")
        else:
            return Outcome(source, doc=doc_id, change="parsed")
    _, status, reason = result
    store.save_parsed(doc_id, {}, [], parser=reading, status=status, message=reason)
    return Outcome(source, doc=doc_id, change="parsed", status=status, message=reason)


def pending(store: Store, options: dict | None = None) -> list[tuple[str, str, str, str, dict]]:
    """Documents to parse: (id, sha, ext, source, the reader's options for it). A document once read
    with OCR keeps OCR when it is read again (for a new engine or parser version)."""
    out = []
    for doc_id, sha, ext, source, recorded in store.readings():
        opts = _reading_options(recorded, ext, options)
        if opts is not None:
            out.append((doc_id, sha, ext, source, opts))
    return out


def _reading_options(recorded: str, ext: str, options: dict | None) -> dict | None:
    """The reader's options for a document read as `recorded` ('' never), or None when it need
    not be read again (`_read_again`)."""
    if not _read_again(recorded, ext, options):
        return None
    opts = dict(options or {})
    if "ocr" in recorded.split("+")[1:] and readers.EXTENSIONS.get(ext.lower()) == "pdf":
        opts["ocr"] = True
    return opts


def _task(store: Store, doc_id: str, sha: str, ext: str, source: str, opts: dict) -> tuple:
    """What a worker is sent for one document (`_answer`)."""
    return (
        str(store.raw_path(sha, ext)),
        source,
        doc_id,
        store.overrides(doc_id),
        store.content_type(source),
        opts or None,
    )


PR_SET_CHILD_SUBREAPER = 36  # prctl: orphaned descendants become this process's children


_HATCHING = [0]  # zygotes whose workers this process is waiting to adopt


def _subreaper(on: bool) -> bool:
    """Make this process adopt its orphaned descendants (Linux) while a zygote's workers are on
    their way, and stop when none is; whether it could."""
    if not sys.platform.startswith("linux"):
        return False
    if not on:
        _HATCHING[0] -= 1
        if _HATCHING[0]:
            return True
    elif _HATCHING[0]:
        _HATCHING[0] += 1
        return True
    try:
        import ctypes

        ok = ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) == 0
    except (OSError, AttributeError):
        ok = False
    if on and ok:
        _HATCHING[0] += 1
    return ok


class Adopted:
    """A parse worker forked by the zygote (`_zygote`) and adopted by this process when the zygote
    ended: what `parse_pending` asks of a `multiprocessing.Process` (kill, join, exitcode,
    is_alive), through its pid."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.exitcode: int | None = None

    def _reap(self, block: bool) -> None:
        if self.exitcode is not None:
            return
        try:
            pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:  # reaped already (not ours to wait for): it is gone
            self.exitcode = 0
            return
        if pid:
            self.exitcode = os.waitstatus_to_exitcode(status)

    def is_alive(self) -> bool:
        self._reap(block=False)
        return self.exitcode is None

    def join(self, timeout: float | None = None) -> None:
        if timeout is None:
            self._reap(block=True)
            return
        deadline = time.monotonic() + timeout
        while self.is_alive() and time.monotonic() < deadline:
            time.sleep(0.001)

    def kill(self) -> None:
        if self.is_alive():
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _zygote(conns: list, memory_mb: int, parent: int, report) -> None:
    """In a process forked when an ingest starts: load what a parse worker needs (`_warm`) once,
    then fork the workers from this warm process, one per connection, send their pids to the parent
    and end, so that the parent (a subreaper) adopts them. Two workers warming themselves did the
    same loading twice, while the parent added the files on the same two cores."""
    _die_with_parent(parent)
    try:
        _warm(("pdf",))
    except Exception:  # noqa: BLE001 - the first document loads what it needs, and says what failed
        pass
    zygote = os.getpid()
    pids = []
    # the forks and their report all or nothing: a SIGTERM (`Workers.close`) waits until the
    # parent can know every worker it will adopt
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    for i, conn in enumerate(conns):
        try:
            pid = os.fork()
        except OSError:  # none of them, then: the parse forks its own
            for forked in pids:
                os.kill(forked, signal.SIGKILL)
                os.waitpid(forked, 0)
            raise
        if pid == 0:
            code = 1
            try:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
                for j, other in enumerate(conns):
                    if j != i:
                        other.close()
                report.close()
                _adopted_worker(conn, memory_mb, parent, zygote)
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
    for conn in conns:
        conn.close()
    report.send(pids)
    report.close()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def _adopted_worker(conn, memory_mb: int, parent: int, zygote: int) -> None:
    """A worker forked by the zygote: once the zygote has ended and the ingest adopted it, the
    worker loop (`_worker`), warm already. Ends if the ingest died meanwhile."""
    deadline = time.monotonic() + 30
    while (ppid := os.getppid()) != parent:
        if ppid != zygote or time.monotonic() > deadline:
            os._exit(1)  # neither the zygote nor the ingest: the ingest is gone
        time.sleep(0.0005)
    _worker(conn, memory_mb, parent)


def _retire(proc, conn, kill: bool = False) -> None:
    """A worker done with: killed first if `kill`, its connection closed, its end waited for."""
    if kill:
        proc.kill()
    conn.close()
    proc.join(5)


def _let_go(proc, conn) -> None:
    """A worker told to end (sent None): given a second to, killed if it has not."""
    proc.join(1)
    if proc.is_alive():
        proc.kill()
    _retire(proc, conn)


class Workers:
    """Parse workers started before the documents to parse are known, so that what they need (the
    language model, the PDF engine and the segmenter's rules: ~0.05 s) is loaded while the parent
    adds the files, instead of by the parent after, alone, before forking. On Linux one process
    (`_zygote`) loads it and forks the workers; elsewhere each worker loads it. Hand them to
    `parse_pending`; `close()` ends those it did not use (a run with nothing to parse waits for none
    of them)."""

    def __init__(self, jobs: int | None = None, memory_mb: int = DEFAULT_MEMORY_MB) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.memory_mb = memory_mb
        self.idle: list = []
        # documents given before `parse_pending` (`give`): connection → (doc_id, source, ext,
        # options, when given)
        self.given: dict = {}
        # workers parse_pending told to end: their exits (a few ms each) are waited for by `close`
        self.ending: list = []
        self._zygote = None
        ctx = multiprocessing.get_context("fork")
        if _subreaper(True):
            try:
                pipes = [ctx.Pipe() for _ in range(self.jobs)]
                self._report, report = ctx.Pipe(duplex=False)
                self._zygote = ctx.Process(
                    target=_zygote, args=([c for _, c in pipes], memory_mb, os.getpid(), report), daemon=True
                )
                self._zygote.start()
            except BaseException:
                _subreaper(False)
                raise
            report.close()
            for _, child in pipes:
                child.close()
            self._conns = [conn for conn, _ in pipes]
            return
        for _ in range(self.jobs):
            conn, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(child, memory_mb, os.getpid(), True), daemon=True)
            proc.start()
            child.close()
            self.idle.append((proc, conn))
        self._conns = [conn for _, conn in self.idle]

    def give(self, store: Store, doc_id: str, sha: str, ext: str, source: str, options: dict | None) -> bool:
        """Send a document new to the store (`add_paths`' `new`) to a worker that has none yet, while
        the files are still being added: the parse starts as soon as a worker is ready, not once
        every file is in. A worker still getting ready (the zygote's) finds it waiting in its pipe.
        False when every worker has one already: `parse_pending` gives out the rest."""
        opts = _reading_options("", ext, options)
        free = [conn for conn in self._conns if conn not in self.given]
        if opts is None or not free:
            return False
        try:
            free[0].send(_task(store, doc_id, sha, ext, source, opts))
        except OSError:  # the worker is gone: parse_pending parses the document
            return False
        self.given[free[0]] = (doc_id, source, ext, opts, time.monotonic())
        return True

    def _hatched(self, wait: bool = True) -> None:
        """The zygote's workers, adopted: in `idle` (none if the zygote died: the parse then forks
        its own)."""
        if self._zygote is None:
            return
        zygote, self._zygote = self._zygote, None
        if not wait and not self._report.poll(0):
            zygote.terminate()  # still loading: it ends before forking, or reports what it forked
            zygote.join()
        try:  # its report, or the end of its connection (it died first): this process holds no end
            pids = self._report.recv()
        except (EOFError, OSError):
            pids = []
        zygote.join()  # its children are ours from its end on
        self._report.close()
        _subreaper(False)
        if len(pids) != len(self._conns):
            for conn in self._conns:
                conn.close()
            self.given.clear()  # nobody read them: parse_pending gives them out again
            return
        self.idle = [(Adopted(pid), conn) for pid, conn in zip(pids, self._conns, strict=True)]

    def take(self) -> tuple[list, list]:
        """The workers, for `parse_pending`: those waiting for a document, [(process, conn)], and
        those given one already, [(process, conn, (doc_id, source, ext, options, when given))]."""
        self._hatched()
        idle, self.idle = self.idle, []
        given, self.given = self.given, {}
        return [w for w in idle if w[1] not in given], [(p, c, given[c]) for p, c in idle if c in given]

    def close(self) -> None:
        self._hatched(wait=False)
        idle, given = self.take()
        for proc, conn, *_ in idle + given:
            _retire(proc, conn, kill=True)  # holds nothing the store keeps: parse_pending never took it
        ending, self.ending = self.ending, []
        for proc, conn in ending:
            _let_go(proc, conn)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def parse_pending(
    store: Store,
    *,
    jobs: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    isolate: bool = True,
    only: Iterable[str] | None = None,
    progress: Callable[[Outcome], None] | None = None,
    options: dict | None = None,
    workers: Workers | None = None,
    meanwhile: Callable[[], None] | None = None,
    keep: dict | None = None,
) -> list[Outcome]:
    """Parse every document whose units are missing or were made by another parser version, or
    (PDFs) read with another engine than the one asked for, or without the OCR asked for.
    `options` go to the readers (`readers.read`); `workers`: started already (their number and
    memory cap replace `jobs` and `memory_mb`); `meanwhile`: the parent's own work, done once the
    first documents are with the workers (not when parsing in this process); `keep` gets the
    units of each document stored, {doc_id: (version, units)} (`Store.versions`' version), up to
    KEEP_UNITS in all: the index can write them without reading them back."""
    todo = pending(store, options)
    if only is not None:
        wanted = set(only)
        todo = [t for t in todo if t[0] in wanted]
    if not todo:
        return []
    if workers is not None and isolate:
        jobs, memory_mb = workers.jobs, workers.memory_mb
    else:
        _warm(readers.EXTENSIONS.get(ext, "") for _, _, ext, _, _ in todo)
    jobs = max(1, jobs or os.cpu_count() or 1)
    outcomes: list[Outcome] = []

    def limit(opts: dict) -> float:
        # OCR takes seconds a page (an 11-page scan took ~2 min on a loaded machine)
        return max(timeout, OCR_TIMEOUT) if opts.get("ocr") else timeout

    shas = {t[0]: t[1] for t in todo}
    kept = 0  # units in `keep`

    def record(doc_id: str, source: str, result: tuple, reading: str) -> None:
        nonlocal kept
        oc = save_outcome(store, doc_id, source, result, reading)
        outcomes.append(oc)
        if keep is not None and oc.status == OK and result[0] == "ok" and kept < KEEP_UNITS:
            keep[doc_id] = (version_of(shas.get(doc_id), reading), result[2])
            kept += len(result[2])
        if progress:
            progress(oc)

    if not isolate:
        for doc_id, sha, ext, source, opts in todo:
            try:
                meta, units = parse_file(
                    store.raw_path(sha, ext),
                    source,
                    doc_id,
                    store.overrides(doc_id),
                    store.content_type(source),
                    opts or None,
                )
                record(doc_id, source, ("ok", meta, units), reading_of(ext, opts))
            except DocumentError as e:
                record(doc_id, source, ("error", e.status, e.reason), reading_of(ext, opts))
        return outcomes

    ctx = multiprocessing.get_context("fork")
    # the largest files first: the last documents a worker takes are then small ones, and the
    # workers end close together (a large document taken last keeps one core busy alone)
    queue = sorted(todo, key=lambda t: -_size(store.raw_path(t[1], t[2])))
    # workers waiting for a document: (process, conn); and those given one while the files were added
    idle, given = workers.take() if workers is not None else ([], [])
    busy: dict = {}  # conn → (process, doc_id, source, started, time-out, reading)

    def start(proc, conn, doc_id: str, source: str, ext: str, opts: dict, when: float) -> None:
        busy[conn] = (proc, doc_id, source, when, limit(opts), reading_of(ext, opts))

    for proc, conn, (doc_id, source, ext, opts, when) in given:
        start(proc, conn, doc_id, source, ext, opts, when)
    if given:
        taken = {g[2][0] for g in given}
        queue = [t for t in queue if t[0] not in taken]

    def spawn():
        conn, child = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(child, memory_mb, os.getpid()), daemon=True)
        proc.start()
        child.close()
        return proc, conn

    def assign() -> None:
        while queue and (idle or len(busy) < jobs):
            fresh = not idle
            proc, conn = idle.pop() if idle else spawn()
            doc_id, sha, ext, source, opts = queue.pop(0)
            task = _task(store, doc_id, sha, ext, source, opts)
            try:
                conn.send(task)
            except OSError as e:  # the worker died while it waited: the document goes to another
                _retire(proc, conn, kill=True)
                if fresh:
                    record(
                        doc_id,
                        source,
                        ("error", FAILED, f"no parse worker could start ({e})"),
                        reading_of(ext, opts),
                    )
                else:
                    queue.insert(0, (doc_id, sha, ext, source, opts))
                continue
            start(proc, conn, doc_id, source, ext, opts, time.monotonic())
        prefetch()

    # conn → the next document, sent to a busy worker, which reads it as soon as it is done with the
    # one it has: it need not wait for this process to take its result and store it (30-50 ms a
    # worker over the real PDFs). Only while more documents wait than there are workers: the last
    # ones go to whichever worker is free, so that none waits behind a long one at the end.
    ahead: dict = {}

    def prefetch() -> None:
        for conn in list(busy):
            if len(queue) <= jobs:
                return
            if conn in ahead:
                continue
            item = queue.pop(0)
            try:
                conn.send(_task(store, *item))
            except OSError:  # the worker is gone: the document stays in the queue
                queue.insert(0, item)
                continue
            ahead[conn] = item

    def requeue(conn) -> None:
        """The document sent ahead to a worker that stopped before it read it: parsed by another."""
        item = ahead.pop(conn, None)
        if item is not None:
            queue.insert(0, item)

    try:
        assign()
        if meanwhile is not None:
            meanwhile()
        while queue or busy:
            assign()
            done = []
            for conn in multiprocessing.connection.wait(list(busy), timeout=0.5):
                proc, doc_id, source, _, _, reading = busy.pop(conn)
                try:
                    result, stop = pickle.loads(conn.recv_bytes())
                except (EOFError, OSError):
                    proc.join(5)
                    code = proc.exitcode
                    why = f"killed by signal {-code}" if code and code < 0 else f"exit code {code}"
                    result, stop = ("error", FAILED, f"the parser crashed ({why})"), True
                if stop:
                    _retire(proc, conn)
                    requeue(conn)
                elif conn in ahead:  # it has begun the next one
                    nxt, _, ext, nsource, opts = ahead.pop(conn)
                    start(proc, conn, nxt, nsource, ext, opts, time.monotonic())
                else:
                    idle.append((proc, conn))
                done.append((doc_id, source, result, reading))
            assign()  # the workers go on while the catalogue stores what they sent
            for item in done:
                record(*item)
            now = time.monotonic()
            for conn, (proc, doc_id, source, started, limit_s, reading) in list(busy.items()):
                if now - started > limit_s:
                    del busy[conn]
                    _retire(proc, conn, kill=True)
                    requeue(conn)
                    record(
                        doc_id, source, ("error", FAILED, f"parsing took longer than {limit_s:g} s"), reading
                    )
    finally:
        for _, conn in idle:
            try:
                conn.send(None)
            except OSError:
                pass
        if workers is not None:  # told to end: reaped by `Workers.close`, not waited for here
            workers.ending += idle
        else:
            for proc, conn in idle:
                _let_go(proc, conn)
        for conn, (proc, *_) in busy.items():
            _retire(proc, conn, kill=True)
    return outcomes

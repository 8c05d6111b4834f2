"""The store: a home directory with raw files by content hash, a SQLite catalogue and parsed units.

Layout of a home::

    raw/ab/abcdef….pdf   every file ever added, named by the SHA-256 of its bytes
    catalogue.sqlite     documents, their sources (paths or URLs) and their parsed units
    index/               the search index (owned by pincite.index)

A document is identified by its source: new bytes at a known source replace that document; the same
bytes at a second source are one document with two sources. Parsed units are kept with the parser
version that made them, so indexing never parses again and a new parser re-parses only what it must.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pincite.corpus.model import OK, Document, Unit
from pincite.errors import DocumentError, StoreError

# Pages the write-ahead log may hold before a commit copies them into the catalogue (SQLite's
# default is 1,000, 4 MB): an ingest of the 32 real PDFs wrote that much three times while its
# workers parsed, and the copy (with two fdatasyncs) fell into whichever document's save was then
# under way, the last one among them, which nothing overlaps. With 64 MB the log is copied while
# the index writers work (`checkpoint`) and as the catalogue is closed.
WAL_PAGES = 16_384
SCHEMA_VERSION = 3  # 2: sources.content_type (the HTTP header, for the charset)
# 3: documents.name (how citations name it), units.last_page and units.qual (citation qualifier)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    ext TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    symbol TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL DEFAULT '',
    doctype TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT '',
    issuer TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending',
    message TEXT NOT NULL DEFAULT '',
    fmt TEXT NOT NULL DEFAULT '',
    pages INTEGER NOT NULL DEFAULT 0,
    parser TEXT NOT NULL DEFAULT '',
    overrides TEXT NOT NULL DEFAULT '{}',
    added TEXT NOT NULL,
    updated TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS documents_sha ON documents(sha256);
CREATE TABLE IF NOT EXISTS sources (
    location TEXT PRIMARY KEY,
    doc TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    fetched TEXT NOT NULL DEFAULT '',
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS sources_doc ON sources(doc);
CREATE TABLE IF NOT EXISTS units (
    doc TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    numbered INTEGER NOT NULL,
    text TEXT NOT NULL,
    part TEXT NOT NULL DEFAULT '',
    headings TEXT NOT NULL DEFAULT '[]',
    lang TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '[]',
    page INTEGER,
    last_page INTEGER,
    qual TEXT NOT NULL DEFAULT '',
    ocr INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (doc, seq)
);
"""
_UNIT_COLUMNS = ("doc", "seq", "kind", "ref", "numbered", "text", "part", "headings", "lang", "notes", "page",
                 "last_page", "qual", "ocr")  # fmt: skip
# the columns in Unit's order, which SELECT * is not once a catalogue was migrated
_SELECT_UNITS = f"SELECT {', '.join(_UNIT_COLUMNS)} FROM units"
_MIGRATIONS = [  # (table, column, definition): what each schema added, applied in order when missing
    ("sources", "content_type", "TEXT NOT NULL DEFAULT ''"),
    ("documents", "name", "TEXT NOT NULL DEFAULT ''"),
    ("units", "last_page", "INTEGER"),
    ("units", "qual", "TEXT NOT NULL DEFAULT ''"),
    ("units", "ocr", "INTEGER NOT NULL DEFAULT 0"),
]

_DOC_COLUMNS = "id, sha256, source, symbol, title, date, doctype, lang, issuer, status, message, fmt, pages, name"


def default_home() -> Path:
    """`$PINCITE_HOME`, else `$XDG_DATA_HOME/pincite`, else `~/.local/share/pincite`."""
    env = os.environ.get("PINCITE_HOME")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "pincite"


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def version_of(sha: str, parser: str) -> str:
    """A document's version as the index records it: its bytes' hash and what read them."""
    return f"{sha}:{parser}"


def sha256_bytes(data: bytes) -> str:
    import hashlib  # imports of ingestion only stay out of a search's start-up

    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    import hashlib

    with open(path, "rb") as f:  # through one buffer, reused (a fresh megabyte a read is ~250 page faults)
        return hashlib.file_digest(f, "sha256").hexdigest()


def _checked_chunks(path: Path, sha: str) -> Iterator[memoryview]:
    """A file's bytes, read through one buffer, reused (each chunk is written before the next is
    read), hashed as they go: after the last, a DocumentError if they do not hash to `sha` (the file
    changed since it was hashed), so that `Store._write_atomic` keeps nothing."""
    import hashlib

    h = hashlib.sha256()
    buf = bytearray(1 << 18)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            h.update(view[:n])
            yield view[:n]
    if h.hexdigest() != sha:
        raise DocumentError(str(path), "the file changed while it was being read: ingest it again")


def slugify(text: str, limit: int = 60) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return s[:limit].strip("-") or "doc"


def doc_id_for(location: str) -> str:
    """A readable id from a path or URL: the file's stem, slugified."""
    tail = location.rstrip("/").split("?")[0].split("#")[0]
    tail = re.split(r"[/\\]", tail)[-1] or location
    stem = tail.rsplit(".", 1)[0] if "." in tail else tail
    return slugify(stem)


class DamagedCatalogue(StoreError):
    """Units whose text SQLite cannot decode; `docs` names their documents."""

    def __init__(self, docs: list[str], message: str) -> None:
        super().__init__(message)
        self.docs = docs


@dataclass(frozen=True)
class Registration:
    """What adding bytes at a source did: `new`, `changed`, `same` (nothing to do) or `alias`
    (the bytes belong to a document that another source already brought)."""

    doc: str
    change: str
    sha256: str
    dropped: tuple[str, ...] = ()  # documents that lost their last source and were removed



def _cause(e: sqlite3.Error) -> str:
    """Why SQLite could not write, from its result code (the primary code: SQLITE_IOERR_WRITE is an
    SQLITE_IOERR): "full" for a full disk or a failed write, "read-only", or ""."""
    code = getattr(e, "sqlite_errorcode", None)
    if code is None:  # an error raised without a result code: only its message is left
        why = str(e)
        return "full" if ("full" in why or "disk I/O" in why) else "read-only" if "readonly" in why else ""
    primary = code & 0xFF
    if primary in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR):
        return "full"
    if primary == sqlite3.SQLITE_READONLY:
        return "read-only"
    return ""

_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False), made once


def _json_list(items) -> str:
    """A unit's headings or notes as the catalogue keeps them (a JSON list; most units have no notes)."""
    return _ENCODE(list(items)) if items else "[]"


class Store:
    """A pincite home. Thread-safe for reads; one process writes at a time (SQLite's own lock)."""

    def __init__(self, home: Path | str | None = None, *, create: bool = True) -> None:
        self.home = Path(home) if home is not None else default_home()
        self.raw_dir = self.home / "raw"
        self.index_dir = self.home / "index"
        self.db_path = self.home / "catalogue.sqlite"
        self._local = threading.local()
        # A home on a read-only file system (or one this user cannot write) still answers every read
        # command; a write command says why it cannot run (`require_writable`).
        self.read_only = self.db_path.exists() and not (
            os.access(self.home, os.W_OK) and os.access(self.db_path, os.W_OK)
        )
        if create and not self.read_only:
            try:
                self.raw_dir.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"cannot create the pincite home {self.home}: {e.strerror}") from e
        elif not self.db_path.exists():
            raise StoreError(f"no pincite home at {self.home}")
        try:
            if self.read_only:
                self._check_schema()
                return
            self.db.executescript(_SCHEMA)
            self._migrate()
            self.db.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
            )
        except sqlite3.OperationalError as e:
            if _cause(e) == "full":  # not damage: no room to open it for writing
                raise self._write_error(e) from e
            raise StoreError(f"the catalogue {self.db_path} is not usable: {e}") from e
        except sqlite3.DatabaseError as e:
            raise StoreError(f"the catalogue {self.db_path} is not usable: {e}") from e

    def _missing_columns(self) -> list[tuple[str, str, str]]:
        have: dict[str, set[str]] = {}
        for table, _, _ in _MIGRATIONS:
            if table not in have:
                have[table] = {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
        return [(t, c, d) for t, c, d in _MIGRATIONS if c not in have[t]]

    def _migrate(self) -> None:
        """Bring a catalogue written by an older pincite up to this schema, in place."""
        missing = self._missing_columns()
        if missing:
            with self.tx() as db:
                for table, column, definition in missing:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
                if any(c == "name" for _, c, _ in missing):
                    # units stored before names and qualifiers existed are parsed again to get them
                    db.execute("UPDATE documents SET parser = '' WHERE status = 'ok'")
                db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA_VERSION),))
        self.db.execute("CREATE INDEX IF NOT EXISTS documents_name ON documents(name COLLATE NOCASE)")

    def _check_schema(self) -> None:
        if self._missing_columns():
            raise StoreError(
                f"the catalogue {self.db_path} was written by an older pincite and the home is read-only:"
                " run `pincite index` once on a writable copy of the home"
            )

    def require_writable(self) -> None:
        """Raise a clear error when this home cannot be written (read-only file system or permissions)."""
        if self.read_only:
            raise StoreError(f"the pincite home {self.home} is read-only: it can be searched, not changed")

    # -- connection ---------------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = self._connect_read_only() if self.read_only else self._connect()
            except sqlite3.Error as e:
                raise StoreError(f"cannot open the catalogue {self.db_path}: {e}") from e
            self._local.conn = conn
        return conn

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES}")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def _connect_read_only(self) -> sqlite3.Connection:
        """Read-only: `mode=ro` where SQLite can share the WAL index; on read-only media, where it
        cannot create one, `immutable=1` (nobody can be writing there)."""
        uri = self.db_path.resolve().as_uri()
        try:
            conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30, isolation_level=None)
            conn.execute("SELECT 1 FROM meta LIMIT 1").fetchall()
        except sqlite3.OperationalError:
            conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)
        conn.row_factory = sqlite3.Row
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the catalogue now (SQLite's PASSIVE checkpoint: it waits for
        no reader and no writer), so that closing the last connection, which checkpoints, has little
        left to copy and sync. Called while this process waits on others (the index writers): that
        copy otherwise came after all the work, alone. Best effort: a checkpoint that cannot run now
        is made at close as before."""
        if self.read_only:
            return
        try:
            self.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            pass

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction. A full disk (or a write SQLite cannot make) is a StoreError that
        says so: the transaction is rolled back and nothing committed before is lost."""
        self.require_writable()
        db = self.db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.OperationalError as e:
            if db.in_transaction:
                try:
                    db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            raise self._write_error(e) from e

    def _write_error(self, e: sqlite3.Error) -> StoreError:
        why = str(e)
        cause = _cause(e)
        if cause == "full":
            why += " (the disk, or a size limit, is full: free some space and run the command again)"
        elif cause == "read-only":
            why += " (the home is read-only)"
        return StoreError(f"could not write the catalogue {self.db_path}: {why}; nothing already stored is lost")

    # -- raw files ----------------------------------------------------------------------------
    def raw_path(self, sha: str, ext: str = "") -> Path:
        return self.raw_dir / sha[:2] / f"{sha}{ext}"

    def _write_atomic(self, path: Path, chunks: Iterable[bytes]) -> None:
        """Write to a temporary file beside `path`, fsync it, then rename it into place."""
        path.parent.mkdir(parents=True, exist_ok=True)
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_raw(self, data: bytes, ext: str = "") -> tuple[str, Path]:
        """Keep bytes under their hash."""
        sha = sha256_bytes(data)
        path = self.raw_path(sha, ext)
        if not path.exists():
            self._write_atomic(path, [data])
        return sha, path

    def put_raw_file(self, src: Path, ext: str = "") -> tuple[str, Path]:
        """Keep a file under its hash: hashed first (a file already kept is not copied again), then
        copied and hashed again as it is copied, so that what is kept is what was hashed."""
        sha = sha256_file(src)
        path = self.raw_path(sha, ext)
        if not path.exists():
            self._write_atomic(path, _checked_chunks(src, sha))
        return sha, path

    # -- sources and documents ----------------------------------------------------------------
    def register(
        self,
        location: str,
        sha: str,
        ext: str = "",
        *,
        fetched: str = "",
        etag: str = "",
        last_modified: str = "",
        content_type: str = "",
    ) -> Registration:
        """Record that `location` now holds the bytes `sha`, and say what that changes."""
        stamp = now_iso()
        with self.tx() as db:
            row = db.execute(
                "SELECT s.doc, d.sha256 FROM sources s JOIN documents d ON d.id = s.doc WHERE s.location = ?",
                (location,),
            ).fetchone()
            same_bytes = db.execute(
                "SELECT id FROM documents WHERE sha256 = ? ORDER BY added LIMIT 1", (sha,)
            ).fetchone()
            provenance = (fetched or stamp, etag, last_modified, content_type)
            if row is not None and row["sha256"] == sha:
                db.execute(
                    "UPDATE sources SET fetched=?, etag=?, last_modified=?, content_type=? WHERE location=?",
                    (*provenance, location),
                )
                return Registration(row["doc"], "same", sha)
            if row is not None:
                old = row["doc"]
                if same_bytes is not None and same_bytes["id"] != old:
                    # The source now serves bytes another document already has.
                    db.execute(
                        "UPDATE sources SET doc=?, fetched=?, etag=?, last_modified=?, content_type=? WHERE location=?",
                        (same_bytes["id"], *provenance, location),
                    )
                    dropped = self._drop_if_orphan(db, old)
                    return Registration(same_bytes["id"], "alias", sha, dropped)
                others = db.execute(
                    "SELECT COUNT(*) FROM sources WHERE doc = ? AND location != ?", (old, location)
                ).fetchone()[0]
                if others:
                    # Other sources still serve the old bytes: this source becomes its own document.
                    new_id = self._new_id(db, location)
                    self._insert_doc(db, new_id, sha, ext, location, stamp)
                    db.execute(
                        "UPDATE sources SET doc=?, fetched=?, etag=?, last_modified=?, content_type=? WHERE location=?",
                        (new_id, *provenance, location),
                    )
                    return Registration(new_id, "new", sha)
                db.execute(
                    "UPDATE documents SET sha256=?, ext=?, status='pending', parser='', updated=? WHERE id=?",
                    (sha, ext, stamp, old),
                )
                db.execute("DELETE FROM units WHERE doc = ?", (old,))
                db.execute(
                    "UPDATE sources SET fetched=?, etag=?, last_modified=?, content_type=? WHERE location=?",
                    (*provenance, location),
                )
                return Registration(old, "changed", sha)
            if same_bytes is not None:
                db.execute(
                    "INSERT INTO sources(location, doc, fetched, etag, last_modified, content_type)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (location, same_bytes["id"], *provenance),
                )
                return Registration(same_bytes["id"], "alias", sha)
            new_id = self._new_id(db, location)
            self._insert_doc(db, new_id, sha, ext, location, stamp)
            db.execute(
                "INSERT INTO sources(location, doc, fetched, etag, last_modified, content_type)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (location, new_id, *provenance),
            )
            return Registration(new_id, "new", sha)

    @staticmethod
    def _insert_doc(
        db: sqlite3.Connection, doc_id: str, sha: str, ext: str, location: str, stamp: str
    ) -> None:
        db.execute(
            "INSERT INTO documents(id, sha256, ext, source, status, added, updated)"
            " VALUES (?, ?, ?, ?, 'pending', ?, ?)",
            (doc_id, sha, ext, location, stamp, stamp),
        )

    @staticmethod
    def _new_id(db: sqlite3.Connection, location: str) -> str:
        base = doc_id_for(location)
        candidate, n = base, 1
        while db.execute("SELECT 1 FROM documents WHERE id = ?", (candidate,)).fetchone():
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    @staticmethod
    def _drop_if_orphan(db: sqlite3.Connection, doc_id: str) -> tuple[str, ...]:
        left = db.execute("SELECT COUNT(*) FROM sources WHERE doc = ?", (doc_id,)).fetchone()[0]
        if left:
            return ()
        db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        return (doc_id,)

    def shared(self, doc_id: str) -> bool:
        """Whether more than one source holds this document (byte-identical copies)."""
        return self.db.execute("SELECT COUNT(*) FROM sources WHERE doc = ?", (doc_id,)).fetchone()[0] > 1

    def detach(self, location: str) -> str:
        """Make `location` a document of its own (same bytes, parsed anew) and return its id: a copy
        whose metadata differs from the other copies' must not change theirs."""
        stamp = now_iso()
        with self.tx() as db:
            row = db.execute(
                "SELECT s.doc, d.sha256, d.ext, d.source FROM sources s JOIN documents d ON d.id = s.doc"
                " WHERE s.location = ?",
                (location,),
            ).fetchone()
            new_id = self._new_id(db, location)
            self._insert_doc(db, new_id, row["sha256"], row["ext"], location, stamp)
            db.execute("UPDATE sources SET doc = ? WHERE location = ?", (new_id, location))
            if row["source"] == location:
                other = db.execute("SELECT location FROM sources WHERE doc = ? ORDER BY location", (row["doc"],))
                db.execute("UPDATE documents SET source = ? WHERE id = ?", (other.fetchone()[0], row["doc"]))
            return new_id

    def set_overrides(self, doc_id: str, overrides: dict) -> None:
        with self.tx() as db:
            db.execute(
                "UPDATE documents SET overrides=? WHERE id=?", (json.dumps(overrides, sort_keys=True), doc_id)
            )

    def overrides(self, doc_id: str) -> dict:
        row = self.db.execute("SELECT overrides FROM documents WHERE id=?", (doc_id,)).fetchone()
        return json.loads(row["overrides"]) if row else {}

    def save_parsed(
        self,
        doc_id: str,
        meta: dict,
        units: Iterable[Unit],
        *,
        parser: str,
        status: str = OK,
        message: str = "",
    ) -> None:
        """Replace a document's metadata and units in one transaction."""
        fields = {k: meta.get(k, "") for k in ("symbol", "title", "date", "doctype", "lang", "issuer", "fmt")}
        rows = [
            (
                doc_id,
                u.seq,
                u.kind,
                u.ref,
                int(u.numbered),
                u.text,
                u.part,
                _json_list(u.headings),
                u.lang,
                _json_list(u.notes),
                u.page,
                u.last_page,
                u.qual,
                int(u.ocr),
            )
            for u in units
        ]
        with self.tx() as db:
            name = self._unique_name(db, doc_id, meta) if status == OK else ""
            db.execute(
                "UPDATE documents SET symbol=?, title=?, date=?, doctype=?, lang=?, issuer=?, fmt=?,"
                " pages=?, status=?, message=?, parser=?, updated=?, name=? WHERE id=?",
                (
                    *(
                        str(fields[k] or "")
                        for k in ("symbol", "title", "date", "doctype", "lang", "issuer", "fmt")
                    ),
                    int(meta.get("pages") or 0),
                    status,
                    message,
                    parser,
                    now_iso(),
                    name,
                    doc_id,
                ),
            )
            db.execute("DELETE FROM units WHERE doc = ?", (doc_id,))
            cols = ", ".join(_UNIT_COLUMNS)
            db.executemany(f"INSERT INTO units ({cols}) VALUES ({', '.join('?' * len(_UNIT_COLUMNS))})", rows)

    @staticmethod
    def _unique_name(db: sqlite3.Connection, doc_id: str, meta: dict) -> str:
        """The document's citation name, told apart from another document's in the same language.

        The document that had the name first keeps it, so that citations already printed stay true."""
        from pincite.corpus.naming import document_name

        base = document_name(
            doc_id,
            symbol=str(meta.get("symbol") or ""),
            issuer=str(meta.get("issuer") or ""),
            title=str(meta.get("title") or ""),
            date=str(meta.get("date") or ""),
        )
        lang = str(meta.get("lang") or "")
        taken = db.execute(
            "SELECT 1 FROM documents WHERE name = ? COLLATE NOCASE AND lang = ? AND id != ? LIMIT 1",
            (base, lang, doc_id),
        ).fetchone()
        return f"{base} [{doc_id}]" if taken and base != doc_id else base

    def mark_stale(self, doc_id: str) -> None:
        """Make a document parse again (its metadata overrides changed, say)."""
        with self.tx() as db:
            db.execute("UPDATE documents SET parser='' WHERE id=?", (doc_id,))

    def remove(self, doc_id: str) -> bool:
        """Take a document out: its row, units and sources, and its raw bytes unless another
        document has the same. Its sources are remembered as removed (`removed_sources`), so that a
        later ingest of their folder, or a crawl that finds them by a link, leaves them out."""
        with self.tx() as db:
            row = db.execute("SELECT sha256, ext FROM documents WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                return False
            locations = [r[0] for r in db.execute("SELECT location FROM sources WHERE doc = ?", (doc_id,))]
            db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
            shared = db.execute("SELECT 1 FROM documents WHERE sha256 = ? LIMIT 1", (row["sha256"],)).fetchone()
            self._ensure_removed(db)
            stamp = now_iso()
            db.executemany(
                "INSERT OR REPLACE INTO removed_sources(location, removed) VALUES (?, ?)",
                [(loc, stamp) for loc in locations],
            )
        if shared is None:
            for path in self.raw_path(row["sha256"]).parent.glob(row["sha256"] + "*"):
                path.unlink(missing_ok=True)
        return True

    # Sources removed by the user, kept out of folder ingests. A table created when first needed, so
    # that opening an older catalogue (perhaps read-only) changes nothing.
    @staticmethod
    def _ensure_removed(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS removed_sources (location TEXT PRIMARY KEY, removed TEXT NOT NULL)")

    def removed_sources(self) -> set[str]:
        exists = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'removed_sources'"
        ).fetchone()
        if not exists:
            return set()
        return {r[0] for r in self.db.execute("SELECT location FROM removed_sources")}

    def restore_source(self, location: str) -> None:
        """A removed source given by name again: it may come back."""
        with self.tx() as db:
            self._ensure_removed(db)
            db.execute("DELETE FROM removed_sources WHERE location = ?", (location,))

    # -- reading ------------------------------------------------------------------------------
    def _doc_from_row(self, row: sqlite3.Row, sources: tuple[str, ...] | None = None) -> Document:
        if sources is None:
            sources = tuple(
                r[0]
                for r in self.db.execute(
                    "SELECT location FROM sources WHERE doc = ? ORDER BY location", (row["id"],)
                )
            )
        return Document(
            id=row["id"],
            sha256=row["sha256"],
            source=row["source"] if row["source"] in sources or not sources else sources[0],
            symbol=row["symbol"],
            title=row["title"],
            date=row["date"],
            doctype=row["doctype"],
            lang=row["lang"],
            issuer=row["issuer"],
            status=row["status"],
            message=row["message"],
            fmt=row["fmt"],
            pages=row["pages"],
            sources=sources,
            name=row["name"],
        )

    def documents(self, status: str | None = None) -> list[Document]:
        sql = f"SELECT {_DOC_COLUMNS} FROM documents"
        args: tuple = ()
        if status:
            sql += " WHERE status = ?"
            args = (status,)
        rows = self.db.execute(sql + " ORDER BY id", args).fetchall()
        sources: dict[str, list[str]] = {}
        for doc, location in self.db.execute("SELECT doc, location FROM sources ORDER BY location"):
            sources.setdefault(doc, []).append(location)
        return [self._doc_from_row(r, tuple(sources.get(r["id"], ()))) for r in rows]

    def document(self, doc_id: str) -> Document | None:
        row = self.db.execute(f"SELECT {_DOC_COLUMNS} FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return self._doc_from_row(row) if row else None

    def doc_for_source(self, location: str) -> str | None:
        row = self.db.execute("SELECT doc FROM sources WHERE location = ?", (location,)).fetchone()
        return row[0] if row else None

    def source_info(self, location: str) -> dict | None:
        row = self.db.execute(
            "SELECT s.location, s.doc, s.fetched, s.etag, s.last_modified, s.content_type, d.sha256"
            " FROM sources s JOIN documents d ON d.id = s.doc WHERE s.location = ?",
            (location,),
        ).fetchone()
        return dict(row) if row else None

    def content_type(self, location: str) -> str:
        """The HTTP Content-Type a source was last fetched with ("" for files)."""
        row = self.db.execute("SELECT content_type FROM sources WHERE location = ?", (location,)).fetchone()
        return row[0] if row else ""

    def pending(self, parser: str) -> list[tuple[str, str, str, str]]:
        """Documents whose units were not made by this parser version: (id, sha, ext, source)."""
        return [
            tuple(r)
            for r in self.db.execute(
                "SELECT id, sha256, ext, source FROM documents WHERE parser != ? ORDER BY id", (parser,)
            )
        ]

    def readings(self) -> list[tuple[str, str, str, str, str]]:
        """Every document with what its units were made by: (id, sha, ext, source, parser), the
        parser as pincite.ingest.pipeline.reading_of recorded it ('' when never parsed)."""
        return [
            tuple(r) for r in self.db.execute("SELECT id, sha256, ext, source, parser FROM documents ORDER BY id")
        ]

    def versions(self) -> dict[str, str]:
        """Each document's version: its bytes and the parser that made its units (`version_of`)."""
        return {
            r[0]: version_of(r[1], r[2])
            for r in self.db.execute("SELECT id, sha256, parser FROM documents WHERE status = ?", (OK,))
        }

    def units(self, doc_id: str | None = None, *, between: tuple[str, str] | None = None) -> Iterator[Unit]:
        """Units in document order: of one document, of the documents whose ids lie `between` two
        ids (inclusive), or all."""
        sql = _SELECT_UNITS
        args: tuple = ()
        if doc_id is not None:
            sql += " WHERE doc = ?"
            args = (doc_id,)
        elif between is not None:
            sql += " WHERE doc >= ? AND doc <= ?"
            args = between
        cursor = self.db.cursor()
        cursor.row_factory = None  # plain tuples: a row read by name was most of making a unit
        try:
            for r in cursor.execute(sql + " ORDER BY doc, seq", args):
                yield _unit_from_row(r)
        except sqlite3.OperationalError as e:
            if "decode" not in str(e):
                raise
            bad = self.damaged_units()
            raise DamagedCatalogue(
                bad,
                f"the catalogue {self.db_path} holds damaged text for {', '.join(bad[:5]) or 'a document'}; "
                "run `pincite index` to parse it again",
            ) from e

    def damaged_units(self) -> list[str]:
        """Documents whose units hold text that is not valid UTF-8 (a damaged catalogue): every
        unit's text is read as bytes and decoded."""
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30)
        conn.text_factory = bytes
        bad: list[str] = []
        try:
            for row in conn.execute("SELECT doc, text, part, ref, kind, headings, lang, notes FROM units"):
                try:
                    for v in row:
                        if isinstance(v, bytes):
                            v.decode("utf-8")
                except UnicodeDecodeError:
                    doc = row[0].decode("utf-8", "replace")
                    if doc not in bad:
                        bad.append(doc)
        finally:
            conn.close()
        return sorted(bad)

    def mark_damaged(self, doc_ids: Iterable[str]) -> None:
        """Drop the units of these documents and have them parsed again from their raw files."""
        with self.tx() as db:
            for d in doc_ids:
                db.execute("DELETE FROM units WHERE doc = ?", (d,))
                db.execute("UPDATE documents SET parser='' WHERE id=?", (d,))

    def unit(self, doc_id: str, seq: int) -> Unit | None:
        r = self.db.execute(_SELECT_UNITS + " WHERE doc = ? AND seq = ?", (doc_id, seq)).fetchone()
        return _unit_from_row(r) if r else None

    def page(self, keys: list[tuple[str, int]]) -> tuple[dict[str, Document], dict[tuple[str, int], Unit]]:
        """The documents and units a page of hits names, by (doc id, seq); those not found left out
        (the database's catalogue reads them in one round trip: pincite.index.postgres)."""
        docs = {d: doc for d in dict.fromkeys(k[0] for k in keys) if (doc := self.document(d)) is not None}
        units = {k: u for k in keys if k[0] in docs and (u := self.unit(*k)) is not None}
        return docs, units

    def counts(self) -> dict[str, dict[str, int]]:
        """Per document, the number of units of each kind."""
        out: dict[str, dict[str, int]] = {}
        for doc, kind, n in self.db.execute("SELECT doc, kind, COUNT(*) FROM units GROUP BY doc, kind"):
            out.setdefault(doc, {})[kind] = n
        return out

    def unit_counts(self) -> dict[str, int]:
        """Per document in good standing (status ok), its number of units."""
        sql = "SELECT u.doc, COUNT(*) FROM units u JOIN documents d ON d.id = u.doc WHERE d.status = ? GROUP BY u.doc"
        return {doc: n for doc, n in self.db.execute(sql, (OK,))}

    def unit_sizes(self) -> dict[str, tuple[int, int]]:
        """Per document in good standing (status ok), its number of units and the characters of their
        texts: what writing its units into the index costs (pincite.index.manager)."""
        sql = (
            "SELECT u.doc, COUNT(*), SUM(LENGTH(u.text)) FROM units u JOIN documents d ON d.id = u.doc "
            "WHERE d.status = ? GROUP BY u.doc"
        )
        return {doc: (n, chars or 0) for doc, n, chars in self.db.execute(sql, (OK,))}

    def unit_total(self) -> int:
        """Units of documents in good standing: what a full index holds."""
        sql = "SELECT COUNT(*) FROM units u JOIN documents d ON d.id = u.doc WHERE d.status = ?"
        return self.db.execute(sql, (OK,)).fetchone()[0]

    def status_counts(self) -> dict[str, int]:
        """Documents per status (ok, failed, needs-ocr, needs-password, pending)."""
        return {s: n for s, n in self.db.execute("SELECT status, COUNT(*) FROM documents GROUP BY status")}

    def is_empty(self) -> bool:
        return self.db.execute("SELECT 1 FROM documents LIMIT 1").fetchone() is None


def _unit_from_row(r: Sequence) -> Unit:
    """A unit from a row of `_SELECT_UNITS` (its columns in `_UNIT_COLUMNS`' order)."""
    doc, seq, kind, ref, numbered, text, part, headings, lang, notes, page, last_page, qual, ocr = r
    return Unit(
        doc=doc,
        seq=seq,
        kind=kind,
        ref=ref,
        numbered=bool(numbered),
        text=text,
        part=part,
        headings=() if headings == "[]" else tuple(json.loads(headings)),
        lang=lang,
        notes=() if notes == "[]" else tuple(json.loads(notes)),
        page=page,
        last_page=last_page,
        qual=qual,
        ocr=bool(ocr),
    )

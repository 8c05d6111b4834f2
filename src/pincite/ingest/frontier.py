"""The crawl frontier: each URL a crawl job knows of and its state, in SQLite, so that a crawl killed
at any point continues where it stopped.

Why a separate `crawl.sqlite` next to `catalogue.sqlite` rather than tables in the catalogue: the
catalogue's schema belongs to `pincite.corpus.store` (the layer below), the frontier is disposable
working state (deleting `crawl.sqlite` forgets the crawls, never a document), and it is written once
per URL, many times more often than the catalogue. What must survive is in the catalogue: the bytes,
the source URL, when it was fetched, its ETag and Last-Modified.

A job (one named source, or one set of start URLs) is `running` until its frontier is empty. Starting
a job that is still `running` resumes it: URLs left `fetching` by a dead process go back to `queued`;
`done` ones stay done. Starting a finished job begins a new round from its start URLs.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pincite.corpus.store import now_iso
from pincite.errors import PinciteError

# URL states in the frontier.
QUEUED, FETCHING, DONE, FAILED, SKIPPED = "queued", "fetching", "done", "failed", "skipped"


class CrawlBusy(PinciteError):
    exit_code = 3


_STATE_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job TEXT PRIMARY KEY,
    state TEXT NOT NULL,            -- running | finished
    seeds TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS urls (
    job TEXT NOT NULL,
    url TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'page',      -- page | sitemap
    depth INTEGER NOT NULL,
    state TEXT NOT NULL,                    -- queued | fetching | done | failed | skipped
    result TEXT NOT NULL DEFAULT '',        -- new, changed, alias, same, not-modified, page, robots, scope…
    reason TEXT NOT NULL DEFAULT '',
    doc TEXT NOT NULL DEFAULT '',
    parent TEXT NOT NULL DEFAULT '',
    updated TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (job, url)
);
CREATE INDEX IF NOT EXISTS urls_queue ON urls(job, state, depth);
CREATE TABLE IF NOT EXISTS pages (          -- HTML pages read for links, across rounds:
    url TEXT PRIMARY KEY,                   -- what a 304 needs to go on following links
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL DEFAULT '',
    links TEXT NOT NULL DEFAULT '[]',
    fetched TEXT NOT NULL DEFAULT ''
);
"""


@dataclass(frozen=True)
class Claim:
    url: str
    kind: str
    depth: int


class CrawlState:
    """The frontier and each URL's state, in `<home>/crawl.sqlite` (or in memory for a dry run)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        if self.path != ":memory:":
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_STATE_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def start(self, job: str, seeds: Iterable[str]) -> bool:
        """Begin or resume `job`. True when resuming an unfinished one."""
        seeds = list(seeds)
        row = self.db.execute("SELECT state FROM jobs WHERE job = ?", (job,)).fetchone()
        with self._tx():
            if row is not None and row["state"] == "running":
                self.db.execute(
                    "UPDATE urls SET state = ? WHERE job = ? AND state = ?", (QUEUED, job, FETCHING)
                )
                for s in seeds:  # start URLs added to the command since the interrupted run
                    self._add(job, s, "page", 0, QUEUED)
                return True
            self.db.execute("DELETE FROM urls WHERE job = ?", (job,))
            self.db.execute(
                "INSERT OR REPLACE INTO jobs(job, state, seeds, started) VALUES (?, 'running', ?, ?)",
                (job, json.dumps(seeds), now_iso()),
            )
            for s in seeds:
                self._add(job, s, "page", 0, QUEUED)
        return False

    def finish(self, job: str) -> None:
        self.db.execute("UPDATE jobs SET state='finished', finished=? WHERE job=?", (now_iso(), job))

    def add(
        self,
        job: str,
        url: str,
        kind: str,
        depth: int,
        state: str = QUEUED,
        result: str = "",
        parent: str = "",
    ) -> bool:
        """Queue (or record as skipped) a URL the job has not seen yet. True if it was new."""
        return self._add(job, url, kind, depth, state, result, parent)

    def _add(
        self, job: str, url: str, kind: str, depth: int, state: str, result: str = "", parent: str = ""
    ) -> bool:
        cur = self.db.execute(
            "INSERT OR IGNORE INTO urls(job, url, kind, depth, state, result, parent, updated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (job, url, kind, depth, state, result, parent, now_iso()),
        )
        return cur.rowcount > 0

    def claim(self, job: str) -> Claim | None:
        """The next queued URL, breadth first (sitemaps before pages of the same depth), now `fetching`."""
        row = self.db.execute(
            "SELECT url, kind, depth FROM urls WHERE job = ? AND state = ?"
            " ORDER BY depth, kind = 'page', rowid LIMIT 1",
            (job, QUEUED),
        ).fetchone()
        if row is None:
            return None
        self.db.execute("UPDATE urls SET state = ? WHERE job = ? AND url = ?", (FETCHING, job, row["url"]))
        return Claim(row["url"], row["kind"], row["depth"])

    def settle(
        self, job: str, url: str, state: str, result: str = "", reason: str = "", doc: str = ""
    ) -> None:
        self.db.execute(
            "UPDATE urls SET state=?, result=?, reason=?, doc=?, updated=? WHERE job=? AND url=?",
            (state, result, reason, doc, now_iso(), job, url),
        )

    def state_of(self, job: str, url: str) -> str | None:
        row = self.db.execute("SELECT state FROM urls WHERE job = ? AND url = ?", (job, url)).fetchone()
        return row[0] if row else None

    def count(self, job: str, kind: str | None = None, state: str | None = None) -> int:
        sql, args = "SELECT COUNT(*) FROM urls WHERE job = ?", [job]
        if kind:
            sql, args = sql + " AND kind = ?", [*args, kind]
        if state:
            sql, args = sql + " AND state = ?", [*args, state]
        return self.db.execute(sql, args).fetchone()[0]

    def rows(self, job: str) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM urls WHERE job = ? ORDER BY rowid", (job,)).fetchall()

    # pages read for links
    def save_page(
        self, url: str, etag: str, last_modified: str, sha: str, links: list[str], fetched: str
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO pages(url, etag, last_modified, sha256, links, fetched) VALUES (?,?,?,?,?,?)",
            (url, etag, last_modified, sha, json.dumps(links), fetched),
        )

    def page(self, url: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM pages WHERE url = ?", (url,)).fetchone()

    @contextmanager
    def _tx(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")


@contextmanager
def crawl_lock(home: Path) -> Iterator[None]:
    """One crawl per home at a time: resuming resets URLs another live crawl may be fetching. The OS
    releases the lock when the process dies, even by `kill -9`."""
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(home / "crawl.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise CrawlBusy(f"another crawl is running in {home}") from e
        yield
    finally:
        os.close(fd)

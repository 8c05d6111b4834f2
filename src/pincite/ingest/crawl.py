"""`pincite crawl`: bring documents in from the web, politely, resumably, with their provenance.

The crawl is a loop over a frontier kept in SQLite::

    claim the next queued URL (breadth first) → robots → fetch (throttle, retries, checked redirects,
    size cap; conditional when we have validators) → sniff the type from the bytes → keep it with
    `pipeline.add_bytes` when its type is wanted → extract links (HTML) or entries (sitemaps) → queue
    those in scope → mark the URL done

Each step is a small component: `fetch.Fetcher` (HTTP), `Robots` (robots.txt with Protego), `Scope`
(which URLs may be fetched at all), `extract_links` / `parse_sitemap` (discovery), `CrawlState` (the
frontier). `crawl()` wires them; it never parses documents (see `pipeline.parse_pending`).

Why a separate `crawl.sqlite` next to `catalogue.sqlite` rather than tables in the catalogue: the
catalogue's schema belongs to `pincite.corpus.store` (the layer below), the frontier is disposable
working state (deleting `crawl.sqlite` forgets the crawls, never a document), and it is written once
per URL, many times more often than the catalogue. What must survive is in the catalogue: the bytes,
the source URL, when it was fetched, its ETag and Last-Modified.

Resuming: a job (one named source, or one set of start URLs) is `running` until its frontier is empty.
A run that finds its job still `running` (it was killed, or stopped at `max_urls`) puts the URLs left
in state `fetching` back in the queue and goes on; URLs already `done` are not asked for again. A run
that finds the job finished starts a new round from the start URLs, and asks conditionally for what the
store already has. Because a URL is marked done only after `add_bytes` has committed, a kill in between
costs one conditional re-request, never a duplicate document (the store deduplicates by SHA-256 anyway).
Downloads are held in memory up to the size cap and the store writes them to a temporary file that it
renames, so no partial file is ever taken for a document.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import sqlite3
import tomllib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from pincite.corpus.store import Store, now_iso
from pincite.errors import PinciteError
from pincite.ingest import pipeline, readers
from pincite.ingest.fetch import (
    DEFAULT_MAX_BYTES,
    Fetcher,
    FetchResult,
    RetryPolicy,
    host_of,
)
from pincite.ingest.fetch import (
    user_agent as make_user_agent,
)

ROBOTS_TOKEN = "pincite"  # the product token robots.txt groups are matched against
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 §2.5: parse at least 500 KiB
SITEMAP_MAX_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit (uncompressed)
MAX_URL_LENGTH = 2048
MAX_SITEMAPS = 50  # per job: sitemap indexes can nest and fan out
DEFAULT_TYPES = ("pdf", "docx", "html")
# Links with these endings are never documents pincite can read: not worth a request.
SKIP_SUFFIXES = (
    ".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".ico", ".bmp", ".tif", ".tiff",
    ".css", ".js", ".json", ".woff", ".woff2", ".ttf", ".eot",
    ".mp3", ".mp4", ".m4a", ".avi", ".mov", ".wmv", ".webm", ".ogg", ".wav",
    ".zip", ".gz", ".tgz", ".rar", ".7z", ".exe", ".dmg", ".iso",
    ".xls", ".xlsx", ".ppt", ".pptx", ".csv",
)  # fmt: skip

# URL states in the frontier, and the results a finished URL can have.
QUEUED, FETCHING, DONE, FAILED, SKIPPED = "queued", "fetching", "done", "failed", "skipped"
FETCHED_RESULTS = ("new", "changed", "alias", "page", "sitemap", "would-add")
UNCHANGED_RESULTS = ("not-modified", "same")


class CrawlBusy(PinciteError):
    exit_code = 3


class SourcesError(PinciteError):
    exit_code = 2


# ---- options and sources --------------------------------------------------------------------------
@dataclass(frozen=True)
class CrawlOptions:
    """How to crawl. Defaults follow trafilatura and Scrapy, slowed down for small public servers."""

    depth: int = 2  # links followed from the start URLs (0: only the start URLs)
    delay: float = 2.0  # seconds between two requests to a host (robots' Crawl-delay wins if longer)
    max_size: int = DEFAULT_MAX_BYTES  # bytes; larger downloads are aborted
    scopes: tuple[str, ...] = ()  # URL prefixes; default: each start URL's folder
    patterns: tuple[str, ...] = ()  # regexes; when given, a link is followed only if one matches
    types: tuple[str, ...] = DEFAULT_TYPES  # formats kept as documents (HTML pages are read for links anyway)
    contact: str = ""  # a URL where webmasters can reach the user, put in the User-Agent
    user_agent: str = ""  # replaces the whole User-Agent
    max_urls: int = 10_000  # URLs handled in one run; the job stays resumable past it
    tries: int = 3  # per request, for 429, 5xx and time-outs
    max_retry_wait: float = 60.0  # cap on Retry-After and back-off
    timeout: float = 30.0  # read time-out (connect: 10 s)

    @property
    def agent(self) -> str:
        return self.user_agent or make_user_agent(self.contact)


@dataclass(frozen=True)
class Source:
    """A named source from a sources file: its start URLs and how to crawl them."""

    name: str
    seeds: tuple[str, ...]
    options: CrawlOptions


_SOURCE_KEYS = {
    "start": "seeds",
    "scope": "scopes",
    "follow": "patterns",
    "types": "types",
    "depth": "depth",
    "delay": "delay",
    "max_size": "max_size",
    "contact": "contact",
    "user_agent": "user_agent",
    "max_urls": "max_urls",
}


def load_sources(path: Path | str, base: CrawlOptions = CrawlOptions()) -> list[Source]:
    """Read a sources file (TOML): an optional `[defaults]` table and one `[sources.NAME]` table per
    source. Unknown keys are errors, because a misspelt `scope` would silently widen a crawl."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise SourcesError(f"cannot read {path}: {e.strerror or e}") from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SourcesError(f"{path}: {e}") from e
    unknown = set(data) - {"defaults", "sources"}
    if unknown:
        raise SourcesError(f"{path}: unknown top-level keys {sorted(unknown)} (expected defaults, sources)")
    defaults = _options_from(data.get("defaults", {}), base, f"{path}: [defaults]")
    sources = data.get("sources", {})
    if not isinstance(sources, dict) or not sources:
        raise SourcesError(f"{path}: no [sources.NAME] tables")
    out = []
    for name, table in sources.items():
        where = f"{path}: [sources.{name}]"
        if not isinstance(table, dict):
            raise SourcesError(f"{where} is not a table")
        seeds = table.get("start")
        if isinstance(seeds, str):
            seeds = [seeds]
        if not seeds or not all(isinstance(s, str) for s in seeds):
            raise SourcesError(f"{where}: `start` must be a URL or a list of URLs")
        opts = _options_from({k: v for k, v in table.items() if k != "start"}, defaults, where)
        out.append(Source(name, tuple(seeds), opts))
    return out


def _options_from(table: dict, base: CrawlOptions, where: str) -> CrawlOptions:
    changes: dict = {}
    for key, value in table.items():
        if key not in _SOURCE_KEYS or key == "start":
            raise SourcesError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(_SOURCE_KEYS))})")
        attr = _SOURCE_KEYS[key]
        if attr in ("scopes", "patterns", "types"):
            value = [value] if isinstance(value, str) else value
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise SourcesError(f"{where}: {key} must be a string or a list of strings")
            value = tuple(value)
        elif attr == "max_size":
            if not isinstance(value, int | float) or value <= 0:
                raise SourcesError(f"{where}: max_size is in MB and must be positive")
            value = int(value * 1024 * 1024)
        elif attr in ("depth", "max_urls"):
            if not isinstance(value, int) or value < 0:
                raise SourcesError(f"{where}: {key} must be a whole number ≥ 0")
        elif attr == "delay":
            if not isinstance(value, int | float) or value < 0:
                raise SourcesError(f"{where}: delay must be a number of seconds ≥ 0")
            value = float(value)
        elif not isinstance(value, str):
            raise SourcesError(f"{where}: {key} must be a string")
        changes[attr] = value
    opts = replace(base, **changes)
    check_options(opts, where)
    return opts


def check_options(opts: CrawlOptions, where: str = "crawl") -> None:
    for p in opts.patterns:
        try:
            re.compile(p)
        except re.error as e:
            raise SourcesError(f"{where}: bad link pattern {p!r}: {e}") from e
    bad = [t for t in opts.types if t not in readers.SUFFIX_FOR]
    if bad:
        raise SourcesError(f"{where}: unknown types {bad} (known: {', '.join(readers.SUFFIX_FOR)})")


# ---- URLs and scope -------------------------------------------------------------------------------
def normalize(url: str, base: str = "") -> str | None:
    """An absolute http(s) URL without fragment, host in lower case, default port dropped; None for
    anything else (mailto:, javascript:, data:…)."""
    url = url.strip()
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port and port != {"http": 80, "https": 443}[scheme]:
        host = f"{host}:{port}"
    path = (parts.path or "/").replace(" ", "%20")
    return urlunsplit((scheme, host, path, parts.query, ""))


def folder_of(url: str) -> str:
    """A start URL's default scope: its host and the folder it sits in."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return urlunsplit((parts.scheme, parts.netloc, path[: path.rfind("/") + 1], "", ""))


class Scope:
    """Which URLs may be fetched: those under one of the prefixes (http and https alike, since sites
    move between them with a redirect), minus the link patterns when some are given."""

    def __init__(self, prefixes: Iterable[str], patterns: Iterable[str] = ()) -> None:
        self.prefixes = tuple(self._key(p) for p in prefixes if normalize(p))
        self.patterns = tuple(re.compile(p) for p in patterns)

    @staticmethod
    def _key(url: str) -> str:
        n = normalize(url) or url
        return n.split("://", 1)[-1]

    def contains(self, url: str) -> bool:
        key = self._key(url)
        return any(key.startswith(p) for p in self.prefixes)

    def follows(self, url: str) -> bool:
        return not self.patterns or any(p.search(url) for p in self.patterns)


# ---- robots.txt -----------------------------------------------------------------------------------
class Robots:
    """robots.txt per origin, fetched once per run and parsed by Protego (RFC 9309).

    What the answer means (RFC 9309 §2.3.1): 2xx, the rules it holds; 4xx (but 429), no rules, allow
    all; 5xx, 429 or no answer after the retries, "complete disallow", since a server in trouble is not
    one to crawl. A file past 512 KiB or more than five redirects count as unavailable (allow all),
    as the RFC allows.
    """

    def __init__(self, fetcher: Fetcher, token: str = ROBOTS_TOKEN) -> None:
        from protego import Protego

        self._parse = Protego.parse
        self.fetcher = fetcher
        self.token = token
        self._rules: dict[str, Protego] = {}
        self._blocked: dict[str, str] = {}  # origin → why everything there is disallowed

    @staticmethod
    def origin(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    def _load(self, origin: str) -> None:
        res = self.fetcher.fetch(origin + "/robots.txt", max_bytes=ROBOTS_MAX_BYTES)
        text = ""
        if res.status == 200 and res.data is not None:
            text = res.data.decode("utf-8", "replace")
        elif res.status == 429 or res.status >= 500 or (res.status == 0 and "larger than" not in res.error):
            self._blocked[origin] = f"robots.txt unavailable: {res.error}"
        self._rules[origin] = self._parse(text)

    def why_not(self, url: str) -> str:
        """'' when `url` may be fetched, otherwise the reason."""
        origin = self.origin(url)
        if origin not in self._rules:
            self._load(origin)
        if origin in self._blocked:
            return self._blocked[origin]
        return "" if self._rules[origin].can_fetch(url, self.token) else "disallowed by robots.txt"

    def allowed(self, url: str) -> bool:
        return not self.why_not(url)

    def crawl_delay(self, host: str) -> float:
        """The host's `Crawl-delay` if its robots.txt was read (0 otherwise)."""
        for origin, rules in self._rules.items():
            if host_of(origin) == host:
                delay = rules.crawl_delay(self.token)
                if delay:
                    return float(delay)
        return 0.0

    def sitemaps(self, url: str) -> list[str]:
        if not self.allowed(url):
            return []
        return list(self._rules[self.origin(url)].sitemaps)


# ---- discovery ------------------------------------------------------------------------------------
@dataclass
class PageLinks:
    links: list[str]
    nofollow: bool = False  # <meta name="robots" content="nofollow">
    noindex: bool = False  # <meta name="robots" content="noindex">: read for links, not kept


def extract_links(data: bytes, base: str) -> PageLinks:
    """Absolute links of an HTML page (`a`, `area`, frames, meta refresh), honouring `<base href>`,
    `rel="nofollow"` and the robots meta tag. BeautifulSoup with lxml, as everywhere in pincite."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "lxml")
    base_tag = soup.find("base", href=True)
    if base_tag is not None:
        base = urljoin(base, str(base_tag["href"]))
    out = PageLinks([])
    for meta in soup.find_all("meta", attrs={"name": True, "content": True}):
        if str(meta["name"]).lower() in ("robots", ROBOTS_TOKEN):
            words = {w.strip() for w in str(meta["content"]).lower().split(",")}
            out.nofollow |= bool(words & {"nofollow", "none"})
            out.noindex |= bool(words & {"noindex", "none"})
    if out.nofollow:
        return out
    raw: list[str] = []
    for tag in soup.find_all(["a", "area"], href=True):
        rel = tag.get("rel") or []
        if "nofollow" in [r.lower() for r in rel]:
            continue
        raw.append(str(tag["href"]))
    raw += [str(t["src"]) for t in soup.find_all(["frame", "iframe"], src=True)]
    for meta in soup.find_all("meta", attrs={"http-equiv": True, "content": True}):
        if str(meta["http-equiv"]).lower() == "refresh":
            m = re.search(r"url\s*=\s*['\"]?([^'\"\s]+)", str(meta["content"]), re.I)
            if m:
                raw.append(m.group(1))
    seen: set[str] = set()
    for href in raw:
        if href.strip().startswith("#"):  # a place in this page
            continue
        url = normalize(href, base)
        if url and url not in seen:
            seen.add(url)
            out.links.append(url)
    return out


def parse_sitemap(data: bytes) -> tuple[list[str], list[str]]:
    """(page URLs, nested sitemap URLs) of a sitemap or sitemap index; gzip is unpacked (capped).
    The XML parser resolves no entities and fetches nothing."""
    import gzip
    import io

    from lxml import etree

    if data[:2] == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            data = f.read(SITEMAP_MAX_BYTES + 1)[:SITEMAP_MAX_BYTES]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return [], []
    if root is None:
        return [], []
    pages, maps = [], []
    for loc in root.iter("{*}loc", "loc"):
        parent = loc.getparent()
        tag = etree.QName(parent).localname if parent is not None else ""
        url = normalize(loc.text or "")
        if url:
            (maps if tag == "sitemap" else pages).append(url)
    return pages, maps


def suffix_skipped(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return path.endswith(SKIP_SUFFIXES)


# ---- the frontier ---------------------------------------------------------------------------------
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


# ---- the report -----------------------------------------------------------------------------------
@dataclass
class CrawlEvent:
    """One URL handled, for progress displays."""

    url: str
    state: str
    result: str
    reason: str
    done: int
    queued: int


@dataclass
class CrawlReport:
    """What a job did (the whole job, across resumed runs): counts by outcome and the failures."""

    job: str
    resumed: bool = False
    finished: bool = False
    dry_run: bool = False
    requests: int = 0  # sent by this run, retries and robots.txt included
    results: dict[str, int] = field(default_factory=dict)  # result → URL count
    skipped: dict[str, list[str]] = field(default_factory=dict)  # robots | scope | type | pattern → URLs
    failed: list[tuple[str, str]] = field(default_factory=list)  # (URL, reason)
    documents: list[tuple[str, str, str]] = field(default_factory=list)  # (URL, doc id, change)
    would_add: list[tuple[str, str]] = field(default_factory=list)  # dry run: (URL, format)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # start URLs not fetched: (URL, why)

    @property
    def fetched(self) -> int:
        return sum(self.results.get(r, 0) for r in FETCHED_RESULTS)

    @property
    def unchanged(self) -> int:
        return sum(self.results.get(r, 0) for r in UNCHANGED_RESULTS)

    def summary(self) -> str:
        """One line: fetched, unchanged, skipped (by reason), failed, requests sent."""

        def detail(pairs: list[tuple[str, str]]) -> str:
            bits = [f"{self.results[key]} {label}" for key, label in pairs if self.results.get(key)]
            return f" ({', '.join(bits)})" if bits else ""

        fetched = f"{self.fetched} fetched" + detail(
            [
                ("new", "new"),
                ("changed", "changed"),
                ("alias", "same as another URL"),
                ("page", "read for links only"),
                ("would-add", "to add"),
            ]
        )
        unchanged = f"{self.unchanged} unchanged" + detail(
            [("not-modified", "not modified"), ("same", "same bytes")]
        )
        parts = [fetched, unchanged]
        for why in ("robots", "scope", "type", "pattern"):
            n = len(self.skipped.get(why, []))
            if n:
                parts.append(f"{n} skipped by {why}")
        parts.append(f"{len(self.failed)} failed")
        line = ", ".join(parts) + f"; {self.requests} requests"
        if self.dry_run:
            line += " (dry run: nothing kept)"
        if not self.finished:
            line += " (stopped before the end: run the same command again to continue)"
        return line


def _report(state: CrawlState, job: str, report: CrawlReport) -> CrawlReport:
    report.results, report.skipped, report.failed = {}, {}, []
    report.documents, report.would_add, report.warnings = [], [], []
    for row in state.rows(job):
        if row["state"] == DONE:
            report.results[row["result"]] = report.results.get(row["result"], 0) + 1
            if row["doc"]:
                report.documents.append((row["url"], row["doc"], row["result"]))
            elif row["result"] == "would-add":
                report.would_add.append((row["url"], row["reason"]))
        elif row["state"] == SKIPPED:
            report.skipped.setdefault(row["result"], []).append(row["url"])
            if row["depth"] == 0 and row["kind"] == "page":
                report.warnings.append((row["url"], row["reason"] or f"skipped by {row['result']}"))
        elif row["state"] == FAILED:
            report.failed.append((row["url"], row["reason"]))
    return report


def job_key(seeds: Iterable[str], name: str = "") -> str:
    if name:
        return f"source:{name}"
    digest = hashlib.sha256("\n".join(sorted(seeds)).encode()).hexdigest()[:16]
    return f"urls:{digest}"


# ---- the crawler ----------------------------------------------------------------------------------
class Crawler:
    """One job: the components wired together around the frontier."""

    def __init__(
        self,
        store: Store,
        state: CrawlState,
        job: str,
        seeds: list[str],
        opts: CrawlOptions,
        *,
        dry_run: bool = False,
        progress: Callable[[CrawlEvent], None] | None = None,
        fetcher: Fetcher | None = None,
    ) -> None:
        self.store = store
        self.state = state
        self.job = job
        self.seeds = seeds
        self.opts = opts
        self.dry_run = dry_run
        self.progress = progress
        self.scope = Scope(opts.scopes or [folder_of(s) for s in seeds], opts.patterns)
        self.seed_origins = {Robots.origin(s) for s in seeds}
        self.fetcher = fetcher or Fetcher(
            user_agent=opts.agent,
            delay_for=self._delay_for,
            retry=RetryPolicy(tries=max(1, opts.tries), max_wait=opts.max_retry_wait),
            timeout=httpx.Timeout(opts.timeout, connect=min(10.0, opts.timeout)),
        )
        self.robots = Robots(self.fetcher)

    def _delay_for(self, host: str) -> float:
        return max(self.opts.delay, self.robots.crawl_delay(host))

    # -- the loop ---------------------------------------------------------------------------------
    def run(self) -> CrawlReport:
        resumed = self.state.start(self.job, self.seeds)
        report = CrawlReport(self.job, resumed=resumed, dry_run=self.dry_run)
        if not resumed and self.opts.depth > 0:
            self._queue_sitemaps()
        handled = 0
        try:
            while handled < self.opts.max_urls:
                claim = self.state.claim(self.job)
                if claim is None:
                    self.state.finish(self.job)
                    report.finished = True
                    break
                handled += 1
                try:
                    state, result, reason, doc = self._handle(claim)
                except PinciteError:  # the store itself failed (disk full…): stop, resumable
                    raise
                except Exception as e:  # a bug or a page no parser survives: that URL only
                    state, result, reason, doc = (
                        FAILED,
                        "error",
                        f"internal error: {type(e).__name__}: {e}",
                        "",
                    )
                self.state.settle(self.job, claim.url, state, result, reason, doc)
                if self.progress:
                    self.progress(
                        CrawlEvent(
                            claim.url,
                            state,
                            result,
                            reason,
                            self.state.count(self.job) - self.state.count(self.job, state=QUEUED),
                            self.state.count(self.job, state=QUEUED),
                        )
                    )
        finally:
            report.requests = self.fetcher.requests
        return _report(self.state, self.job, report)

    def _queue_sitemaps(self) -> None:
        """Sitemaps offered by the start URLs' hosts: robots.txt `Sitemap:` lines, else /sitemap.xml.
        Their entries are queued as if linked from the start URLs (depth 1)."""
        for origin in sorted(self.seed_origins):
            listed = self.robots.sitemaps(origin + "/")
            for url in listed or [origin + "/sitemap.xml"]:
                n = normalize(url)
                if n and Robots.origin(n) in self.seed_origins:
                    self.state.add(self.job, n, "sitemap", 0)

    def _handle(self, claim: Claim) -> tuple[str, str, str, str]:
        """Fetch one URL and act on it: (state, result, reason, doc)."""
        why = self.robots.why_not(claim.url)
        if why:
            return SKIPPED, "robots", why, ""
        res = self.fetcher.fetch(
            claim.url,
            max_bytes=SITEMAP_MAX_BYTES if claim.kind == "sitemap" else self.opts.max_size,
            check=self._sitemap_hop_check if claim.kind == "sitemap" else self._hop_check,
            validators=None if claim.kind == "sitemap" else self._validators,
            enough=self._enough if self.dry_run and claim.kind == "page" else None,
        )
        if res.refused == "seen":  # redirected to a URL this job has handled already
            return DONE, "redirect", f"to {res.final_url} (already handled)", ""
        if res.refused:
            return SKIPPED, res.refused, f"redirected to {res.final_url}", ""
        if res.error:
            if claim.kind == "sitemap" and res.status in (404, 410):
                return DONE, "absent", res.error, ""
            return FAILED, "error", res.error, ""
        final = normalize(res.final_url) or res.final_url
        if final != claim.url:  # remember where the redirect led, so that a link to it is not fetched again
            self.state.add(self.job, final, claim.kind, claim.depth, FETCHING, parent=claim.url)
        outcome = self._sitemap(claim, res) if claim.kind == "sitemap" else self._page(claim, final, res)
        if final != claim.url:  # the outcome belongs to where the bytes came from
            self.state.settle(self.job, final, *outcome)
            return DONE, "redirect", f"to {final}", ""
        return outcome

    def _hop_check(self, url: str) -> str:
        """Whether to follow a redirect to `url`: in scope, allowed by robots.txt, and not a URL this
        job has already handled (many addresses often redirect to one page)."""
        n = normalize(url) or url
        if not self.scope.contains(n):
            return "scope"
        if not self.robots.allowed(n):
            return "robots"
        if self.state.state_of(self.job, n) in (DONE, FAILED, SKIPPED):
            return "seen"
        return ""

    def _sitemap_hop_check(self, url: str) -> str:
        """Sitemaps live at the root of a site, outside the folder a crawl is scoped to: a redirect of
        one may go anywhere on a start URL's site, not elsewhere."""
        n = normalize(url) or url
        if Robots.origin(n) not in self.seed_origins:
            return "scope"
        return "robots" if not self.robots.allowed(n) else ""

    def _validators(self, url: str) -> tuple[str, str]:
        """ETag and Last-Modified to ask conditionally with: the store's provenance for documents, the
        crawl's own record for pages kept only for their links."""
        n = normalize(url) or url
        info = self.store.source_info(n)
        if info and (info["etag"] or info["last_modified"]):
            return info["etag"], info["last_modified"]
        page = self.state.page(n)
        if page is not None:
            return page["etag"], page["last_modified"]
        return "", ""

    @staticmethod
    def _enough(head: bytes) -> bool:
        """Dry run: stop downloading once the type is known, unless it is a page to read links from."""
        return readers.sniff(head) != "html"

    # -- pages and documents ----------------------------------------------------------------------
    def _page(self, claim: Claim, url: str, res: FetchResult) -> tuple[str, str, str, str]:
        if res.not_modified:
            return self._not_modified(claim, url, res)
        data = res.data or b""
        name = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        fmt = readers.sniff(data, name, res.content_type)
        links = PageLinks([])
        if fmt == "html":
            links = extract_links(data, url)
            if not self.dry_run:
                self.state.save_page(
                    url,
                    res.etag,
                    res.last_modified,
                    hashlib.sha256(data).hexdigest(),
                    links.links,
                    res.fetched,
                )
            self._queue_links(links.links, claim.depth + 1, url)
        if fmt not in self.opts.types or links.noindex:
            if fmt == "html":
                return DONE, "page", "", ""
            return SKIPPED, "type", f"{fmt} is not among the kept types", ""
        if self.dry_run:
            return DONE, "would-add", fmt, ""
        out = pipeline.add_bytes(
            self.store,
            data,
            url,
            content_type=res.content_type,
            fetched=res.fetched,
            etag=res.etag,
            last_modified=res.last_modified,
        )
        if out.failed:
            return FAILED, "error", out.message, ""
        return DONE, out.change, "", out.doc

    def _not_modified(self, claim: Claim, url: str, res: FetchResult) -> tuple[str, str, str, str]:
        """A 304: refresh the provenance and follow the links we read last time."""
        info = self.store.source_info(url)
        if info is not None and not self.dry_run:
            self.store.register(
                url,
                info["sha256"],
                fetched=res.fetched,
                etag=res.etag or info["etag"],
                last_modified=res.last_modified or info["last_modified"],
            )
        links = self._known_links(url, info)
        if links is None and claim.depth < self.opts.depth:
            # We were told nothing changed but have lost what the page linked to: ask again in full.
            again = self.fetcher.fetch(url, max_bytes=self.opts.max_size, check=self._hop_check)
            if again.status == 200 and again.data is not None:
                return self._page(claim, url, again)
        self._queue_links(links or [], claim.depth + 1, url)
        return DONE, "not-modified", "", info["doc"] if info else ""

    def _known_links(self, url: str, info: dict | None) -> list[str] | None:
        page = self.state.page(url)
        if page is not None:
            return json.loads(page["links"])
        if info is not None:
            for ext in ("", *readers.SUFFIX_FOR.values()):
                path = self.store.raw_path(info["sha256"], ext)
                if path.is_file():
                    data = path.read_bytes()
                    return extract_links(data, url).links if readers.sniff(data) == "html" else []
        return None

    def _sitemap(self, claim: Claim, res: FetchResult) -> tuple[str, str, str, str]:
        pages, maps = parse_sitemap(res.data or b"")
        for m in maps:
            if (
                Robots.origin(m) in self.seed_origins
                and self.state.count(self.job, kind="sitemap") < MAX_SITEMAPS
            ):
                self.state.add(self.job, m, "sitemap", claim.depth, parent=claim.url)
        self._queue_links(pages, 1, claim.url)
        return DONE, "sitemap", f"{len(pages)} URLs, {len(maps)} sitemaps", ""

    def _queue_links(self, links: Iterable[str], depth: int, parent: str) -> None:
        if depth > self.opts.depth:
            return
        for url in links:
            if len(url) > MAX_URL_LENGTH:  # calendars and session ids: a crawler trap, not a document
                continue
            if not self.scope.contains(url):
                self.state.add(self.job, url, "page", depth, SKIPPED, "scope", parent)
            elif suffix_skipped(url):
                self.state.add(self.job, url, "page", depth, SKIPPED, "type", parent)
            elif not self.scope.follows(url):
                self.state.add(self.job, url, "page", depth, SKIPPED, "pattern", parent)
            else:
                self.state.add(self.job, url, "page", depth, QUEUED, parent=parent)


def crawl(
    store: Store,
    seeds: Iterable[str],
    options: CrawlOptions = CrawlOptions(),
    *,
    name: str = "",
    dry_run: bool = False,
    progress: Callable[[CrawlEvent], None] | None = None,
    **settings: object,
) -> CrawlReport:
    """Crawl from `seeds` into `store` and say what happened. Documents are added, not parsed.

    `settings` override fields of `options` (`crawl(store, [url], depth=1, delay=5)`).

    A dry run fetches what it must to discover links (robots.txt, sitemaps, HTML pages) and only the
    first bytes of documents (enough to know their type); it writes nothing to the store nor to the
    crawl state, and reports `would-add` for each document it would keep.
    """
    if settings:
        unknown = set(settings) - set(CrawlOptions.__dataclass_fields__)
        if unknown:
            raise TypeError(f"unknown crawl settings: {', '.join(sorted(unknown))}")
        options = replace(options, **settings)
    check_options(options)
    clean = []
    for s in seeds:
        n = normalize(s)
        if n is None:
            raise SourcesError(f"not an http(s) URL: {s!r}")
        clean.append(n)
    if not clean:
        raise SourcesError("no start URL")
    job = job_key(clean, name)
    if dry_run:
        return _run(store, CrawlState(":memory:"), job, clean, options, True, progress)
    with crawl_lock(store.home):
        return _run(store, CrawlState(store.home / "crawl.sqlite"), job, clean, options, False, progress)


def _run(
    store: Store,
    state: CrawlState,
    job: str,
    seeds: list[str],
    options: CrawlOptions,
    dry_run: bool,
    progress: Callable[[CrawlEvent], None] | None,
) -> CrawlReport:
    crawler = Crawler(store, state, job, seeds, options, dry_run=dry_run, progress=progress)
    try:
        return crawler.run()
    finally:
        crawler.fetcher.close()
        state.close()

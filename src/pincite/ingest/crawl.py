"""`pincite crawl`: bring documents in from the web, politely, resumably, with their provenance.

The crawl is a loop over a frontier kept in SQLite::

    claim the next queued URL (breadth first) → robots → fetch (throttle, retries, checked redirects,
    size cap; conditional when we have validators) → sniff the type from the bytes → keep it with
    `pipeline.add_bytes` when its type is wanted → extract links (HTML) or entries (sitemaps) → queue
    those in scope → mark the URL done

Each step is a small component: `fetch.Fetcher` (throttle, retries, checked redirects, size cap),
`discover.Robots` (robots.txt with Protego), `discover.Scope` (which URLs may be fetched at all),
`discover.extract_links` / `discover.parse_sitemap`, `frontier.CrawlState` (the frontier in
`<home>/crawl.sqlite`, see there why a file of its own). `crawl()` wires them; it never parses documents
(see `pipeline.parse_pending`).

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

import hashlib
import json
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx

from pincite.corpus.store import Store
from pincite.errors import DocumentError, PinciteError
from pincite.ingest import pipeline, readers
from pincite.ingest.discover import (
    MAX_URL_LENGTH,
    SITEMAP_MAX_BYTES,
    PageLinks,
    Robots,
    Scope,
    extract_links,
    folder_of,
    normalize,
    parse_sitemap,
    suffix_skipped,
)
from pincite.ingest.fetch import DEFAULT_MAX_BYTES, Fetcher, FetchResult, RetryPolicy
from pincite.ingest.fetch import user_agent as make_user_agent
from pincite.ingest.frontier import (
    DONE,
    FAILED,
    FETCHING,
    QUEUED,
    SKIPPED,
    Claim,
    CrawlBusy,
    CrawlState,
    crawl_lock,
)

__all__ = ["CrawlBusy", "CrawlOptions", "CrawlReport", "Source", "SourcesError", "crawl", "load_sources"]

MAX_SITEMAPS = 50  # per job: sitemap indexes can nest and fan out
DEFAULT_TYPES = ("pdf", "docx", "html")

# The results a finished URL can have, as the summary groups them.
FETCHED_RESULTS = ("new", "changed", "alias", "page", "sitemap", "would-add")
UNCHANGED_RESULTS = ("not-modified", "same")


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
    deadline: float = 300.0  # seconds for one whole download (a server may drip one byte a second)

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
        if self.skipped.get("removed"):
            parts.append(f"{len(self.skipped['removed'])} left out (removed with `pincite remove`)")
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
            deadline=opts.deadline,
        )
        self.robots = Robots(self.fetcher)
        self.removed = store.removed_sources()  # documents the user removed stay out unless named

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
            if self.robots.unreachable(claim.url):  # no answer at all: a failure, not a robots rule
                if claim.kind == "sitemap":  # the start URLs fail; the sitemap we guessed is not theirs
                    return DONE, "absent", why, ""
                return FAILED, "error", why, ""
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
        try:  # decided once: what the crawl does with the bytes and what the store keeps them as
            fmt = pipeline.format_of(data, url, res.content_type)
        except DocumentError as e:
            fmt, why = "", e.reason
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
            if not fmt:
                return SKIPPED, "type", why, ""
            return SKIPPED, "type", f"{fmt} is not among the kept types", ""
        if url in self.removed:
            if claim.depth > 0:  # found by a link: the user removed it; a start URL brings it back
                return SKIPPED, "removed", "removed with `pincite remove`", ""
            if not self.dry_run:
                self.store.restore_source(url)
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
            fmt=fmt,
        )
        if out.failed:
            return FAILED, "error", out.message, ""
        return DONE, out.change, "", out.doc

    def _not_modified(self, claim: Claim, url: str, res: FetchResult) -> tuple[str, str, str, str]:
        """A 304: refresh the provenance and follow the links we read last time."""
        if url in self.removed:  # not modified, but its document was removed
            if claim.depth > 0:
                return SKIPPED, "removed", "removed with `pincite remove`", ""
            again = self.fetcher.fetch(url, max_bytes=self.opts.max_size, check=self._hop_check)
            if again.status == 200 and again.data is not None:  # named again: bring it back in full
                return self._page(claim, url, again)
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

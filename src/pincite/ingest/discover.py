"""Discovery: which files of a folder to take (default types, --include / --exclude globs), and for
the crawler which URLs exist (links, sitemaps) and which may be fetched (scope, robots.txt), all as
plain functions and small classes with no state beyond one run.

HTML is read with BeautifulSoup and the lxml parser (pinned, as everywhere in pincite); sitemaps with
lxml's XML parser set to resolve no entities and fetch nothing; robots.txt with Protego (RFC 9309).
"""

from __future__ import annotations

import fnmatch
import gzip
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit, urlunsplit

from pincite.ingest.fetch import Fetcher, clean_path, host_of

ROBOTS_TOKEN = "pincite"  # the product token robots.txt groups are matched against
ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309 §2.5: parse at least the first 500 KiB (and use them)
SITEMAP_MAX_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit (uncompressed)
MAX_URL_LENGTH = 2048
# Links with these endings are never documents pincite can read: not worth a request.
SKIP_SUFFIXES = (
    ".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".ico", ".bmp", ".tif", ".tiff",
    ".css", ".js", ".json", ".woff", ".woff2", ".ttf", ".eot",
    ".mp3", ".mp4", ".m4a", ".avi", ".mov", ".wmv", ".webm", ".ogg", ".wav",
    ".zip", ".gz", ".tgz", ".rar", ".7z", ".exe", ".dmg", ".iso",
    ".xls", ".xlsx", ".ppt", ".pptx", ".csv",
)  # fmt: skip


# ---- files in folders -----------------------------------------------------------------------------
# What a folder gives by default: the formats pincite reads, by their usual endings. A file named on
# the command line (or on stdin) is always taken, whatever its name: its type comes from its bytes.
DEFAULT_FILE_TYPES = ("pdf", "html", "htm", "docx", "txt", "md")
SIDECAR_SUFFIX = ".meta.toml"


@dataclass
class FileSelection:
    """Which files of a folder to take: those matching an `include` glob (default: the endings of
    `DEFAULT_FILE_TYPES`), minus those matching an `exclude` glob. A glob without `/` is matched
    against each name (so `drafts` or `*.tmp` also leave out a folder of that name); one with `/`
    against the path relative to the folder given. What was left out is kept, to be named."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    skipped: list[Path] = field(default_factory=list)  # not of the types taken
    excluded: list[Path] = field(default_factory=list)  # matched an --exclude glob

    @staticmethod
    def _match(rel: PurePosixPath, pattern: str, *, parents: bool) -> bool:
        if "/" in pattern:
            return fnmatch.fnmatch(rel.as_posix(), pattern.strip("/"))
        names = rel.parts if parents else rel.parts[-1:]
        return any(fnmatch.fnmatch(n, pattern) for n in names)

    def takes(self, path: Path, rel: PurePosixPath) -> bool:
        if any(self._match(rel, p, parents=True) for p in self.exclude):
            self.excluded.append(path)
            return False
        if self.include:
            ok = any(self._match(rel, p, parents=False) for p in self.include)
        else:
            ok = path.suffix.lower().lstrip(".") in DEFAULT_FILE_TYPES
        if not ok:
            self.skipped.append(path)
        return ok


def iter_files(
    paths: Iterable[Path], selection: FileSelection | None = None
) -> Iterator[tuple[Path, str, bool]]:
    """(path, error, named) for the files under the given paths: a folder is walked recursively
    (hidden files and folders and `.meta.toml` sidecars left out, the rest chosen by `selection`); a
    file given by name is always yielded (`named` True). `error` says why a path cannot be read."""
    selection = selection if selection is not None else FileSelection()
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for sub in sorted(p.rglob("*")):
                rel = PurePosixPath(sub.relative_to(p).as_posix())
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if sub.name.endswith(SIDECAR_SUFFIX) or sub.is_dir():
                    continue
                why = _not_a_file(sub)
                if why:  # FIFOs, sockets, devices and dangling links are named, not skipped without a word
                    yield sub, why, False
                elif selection.takes(sub, rel):
                    yield sub, "", False
        else:
            yield p, _not_a_file(p), True


def _not_a_file(p: Path) -> str:
    """Why `p` (not a directory) is not a file to read, or '' when it is one. Never opens it: a FIFO
    would block the ingest."""
    import stat

    try:
        st = p.stat()
    except FileNotFoundError:
        return "a symbolic link to a missing file" if p.is_symlink() else "no such file or directory"
    except OSError as e:
        return e.strerror or str(e)
    if stat.S_ISREG(st.st_mode):
        return ""
    kind = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
            stat.S_IFBLK: "a block device"}.get(stat.S_IFMT(st.st_mode), "")  # fmt: skip
    return f"not a regular file ({kind})" if kind else "not a regular file"


# ---- URLs and scope -------------------------------------------------------------------------------
def normalize(url: str, base: str = "") -> str | None:
    """An absolute http(s) URL without fragment, host in lower case, default port dropped, path
    normalised as RFC 3986 says (dot segments removed, `%2E` decoded: `fetch.clean_path`); None for
    anything else (mailto:, javascript:, data:…). Every URL the crawler checks (scope, robots.txt)
    and fetches has been through here, so the check sees what the client sends."""
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
    path = clean_path((parts.path or "/").replace(" ", "%20"))
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
        key = self._key(url)  # normalised: dot segments cannot climb out of a prefix
        return any(key.startswith(p) for p in self.prefixes)

    def follows(self, url: str) -> bool:
        return not self.patterns or any(p.search(url) for p in self.patterns)


# ---- robots.txt -----------------------------------------------------------------------------------
class Robots:
    """robots.txt per origin, fetched once per run and parsed by Protego (RFC 9309).

    What the answer means (RFC 9309 §2.3.1): 2xx, the rules it holds; 4xx (but 429), no rules, allow
    all; 5xx, 429 or no answer after the retries, "complete disallow", since a server in trouble is not
    one to crawl. A file past 500 KiB is cut there and its first 500 KiB used (the last, cut line
    dropped), as §2.5 asks; more than five redirects count as unavailable (allow all), as it allows.
    A host that does not answer at all is told apart (`unreachable`): its URLs failed, they were not
    skipped by a robots rule.
    """

    def __init__(self, fetcher: Fetcher, token: str = ROBOTS_TOKEN) -> None:
        from protego import Protego

        self._parse = Protego.parse
        self.fetcher = fetcher
        self.token = token
        self._rules: dict[str, Protego] = {}
        self._blocked: dict[str, str] = {}  # origin → why everything there is disallowed
        self._unreachable: set[str] = set()  # origins that did not answer at all

    @staticmethod
    def origin(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    def _load(self, origin: str) -> None:
        res = self.fetcher.fetch(origin + "/robots.txt", max_bytes=ROBOTS_MAX_BYTES, keep_head=True)
        text = ""
        if res.status == 200 and res.data is not None:
            data = res.data
            if res.truncated:  # a rule cut in the middle is no rule
                data = data[: data.rfind(b"\n") + 1]
            text = data.decode("utf-8", "replace")
        elif res.status == 0 and "larger than" not in res.error:
            self._blocked[origin] = f"cannot reach {urlsplit(origin).netloc}: {res.error}"
            self._unreachable.add(origin)
        elif res.status == 429 or res.status >= 500:
            self._blocked[origin] = f"robots.txt unavailable: {res.error}"
        self._rules[origin] = self._parse(text)

    def why_not(self, url: str) -> str:
        """'' when `url` may be fetched, otherwise the reason."""
        url = normalize(url) or url
        origin = self.origin(url)
        if origin not in self._rules:
            self._load(origin)
        if origin in self._blocked:
            return self._blocked[origin]
        return "" if self._rules[origin].can_fetch(url, self.token) else "disallowed by robots.txt"

    def allowed(self, url: str) -> bool:
        return not self.why_not(url)

    def unreachable(self, url: str) -> bool:
        """Whether `url`'s host gave no answer at all (a failure of the crawl, not a robots rule)."""
        return self.origin(url) in self._unreachable

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

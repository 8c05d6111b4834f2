"""The HTTP side of the crawler: a pipeline of small components around one httpx client.

A fetch goes through, in order (the same split as Scrapy's downloader middlewares):

``Throttle``
    one request at a time per host, and at least the host's delay between two of them (the larger of
    the configured delay and the site's `Crawl-delay`). Robots fetches and retries count as requests.
``RetryPolicy``
    429, 5xx and time-outs are tried again after an exponential back-off with jitter, or after the
    server's `Retry-After` when it asks for longer (capped, so a hostile header cannot park the crawl);
    other 4xx are final at once.
manual redirects
    at most `MAX_REDIRECTS` hops, each hop checked by the caller's `check(url)` (scope, robots) *before*
    it is requested, so a redirect cannot lead the crawler off site or into a disallowed folder; a hop
    back to a URL of the same chain ends it at once (a loop, not worth five more requests).
``read_capped``
    the body is streamed and the download aborted past the size cap, whatever `Content-Length` says
    (it may be absent, as with chunked replies, or false). Content decoding happens before counting, so
    a gzip bomb is capped too.

The crawler is sequential, so "one request at a time per host" holds by construction; the throttle
only has to space requests out.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from pincite import __version__

if TYPE_CHECKING:
    import httpx  # imported where a request is made: reading local files never needs it (~70 ms)

MAX_REDIRECTS = 5
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 522, 524})
DEFAULT_TIMEOUT = (30.0, 10.0)  # seconds: for the whole request, and to connect
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_DEADLINE = 300.0  # seconds for one whole download: a server dripping bytes cannot hold a crawl


def user_agent(contact: str = "") -> str:
    """`pincite/VERSION (+CONTACT)`: names the tool and where a webmaster can reach its user."""
    return f"pincite/{__version__} (+{contact})" if contact else f"pincite/{__version__}"


_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _pct(m) -> str:
    c = chr(int(m.group(1), 16))
    return c if c in _UNRESERVED else "%" + m.group(1).upper()


def clean_path(path: str) -> str:
    """A URL path as RFC 3986 normalises it (§6.2.2): percent-encoded unreserved characters decoded
    (`%2E` is a dot), other escapes in upper case, then dot segments removed (§5.2.4), so that
    `/pub/../private/x` is checked as the `/private/x` an HTTP client sends."""
    import re

    path = re.sub(r"%([0-9A-Fa-f]{2})", _pct, path) if "%" in path else path
    if "." not in path:
        return path or "/"
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    result = "/".join(out)
    if not result.startswith("/"):
        result = "/" + result
    return result


def host_of(url: str) -> str:
    """The throttling key: scheme-less `host[:port]`, lower case."""
    return urlsplit(url).netloc.lower()


# ---- politeness -----------------------------------------------------------------------------------
# When each host last answered, for the whole process: two crawl jobs run one after the other (two
# sources on one site, say) must still space their requests to a host.
_LAST_REQUEST: dict[str, float] = {}


class Throttle:
    """Spaces requests to each host by at least that host's delay.

    `delay_for(host)` is asked at each request, so a `Crawl-delay` learnt from robots.txt applies from
    the next request on. The delay runs from the end of the previous request. `clock` and `sleep` are
    injectable for tests; the real clock is monotonic.
    """

    def __init__(
        self,
        delay_for: Callable[[str], float],
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        last: dict[str, float] | None = None,
    ) -> None:
        self._delay_for = delay_for
        self._clock = clock
        self._sleep = sleep
        self._last = _LAST_REQUEST if last is None else last

    def wait(self, host: str, at_least: float = 0.0) -> None:
        """Block until a request to `host` is allowed (and at least `at_least` seconds from now)."""
        now = self._clock()
        last = self._last.get(host)
        ready = now if last is None else last + self._delay_for(host)
        pause = max(ready - now, at_least)
        if pause > 0:
            self._sleep(pause)

    def done(self, host: str) -> None:
        """Record that a request to `host` has just finished (the delay runs from its end)."""
        self._last[host] = self._clock()


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before trying a transient failure again.

    Scrapy retries twice; we do the same (`tries=3`). The wait for try n (from 1) is
    `base * 2**(n-1)` plus up to 50 % jitter, so that many clients do not come back in step; a
    `Retry-After` longer than that wins, up to `max_wait`.
    """

    tries: int = 3
    base: float = 1.0
    max_wait: float = 60.0  # per URL: the waits before its tries add up to at most this

    def wait(
        self, attempt: int, retry_after: float | None = None, rand: Callable[[], float] = random.random
    ) -> float:
        backoff = self.base * (2 ** (attempt - 1))
        backoff += backoff * 0.5 * rand()
        if retry_after is not None:
            backoff = max(backoff, retry_after)
        return min(backoff, self.max_wait)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    import email.utils  # here: an ingest of local files imports this module, never an HTTP date

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


# ---- results --------------------------------------------------------------------------------------
class TooLarge(Exception):
    """The body passed the size cap; the download was aborted."""


class TooSlow(Exception):
    """The download passed its deadline; it was aborted."""


@dataclass
class FetchResult:
    """What one fetch (with its redirects and retries) ended with.

    `error` is empty on success (`status` 200 with `data`, or 304); otherwise it is a short reason
    for the summary. `refused` is set when a redirect hop was refused by `check` (its value is the
    reason the check gave: `scope`, `robots`…); that is a skip, not a failure. `truncated` says that
    the caller's `enough` stopped the download early on purpose (a dry run sniffing the type).
    """

    url: str  # the URL asked for
    final_url: str = ""  # where the answer came from, after redirects
    status: int = 0
    data: bytes | None = None
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""
    fetched: str = ""
    error: str = ""
    refused: str = ""
    truncated: bool = False
    redirects: list[str] = field(default_factory=list)
    attempts: int = 0

    @property
    def not_modified(self) -> bool:
        return self.status == 304 and not self.error


@dataclass
class _Reply:
    """One HTTP exchange, before the redirect and retry logic decide what it means."""

    status: int
    headers: httpx.Headers
    data: bytes | None = None
    truncated: bool = False


SNIFF_BYTES = 64 * 1024


def read_capped(
    chunks: Iterator[bytes],
    max_bytes: int,
    enough: Callable[[bytes], bool] | None = None,
    *,
    deadline: float | None = None,
    keep_head: bool = False,
) -> tuple[bytes, bool]:
    """Join streamed chunks, raising `TooLarge` as soon as they pass `max_bytes` (or, with
    `keep_head`, returning the first `max_bytes`, truncated), and `TooSlow` once the monotonic
    clock passes `deadline`.

    With `enough`, the first `SNIFF_BYTES` are shown to it once; if it says so, reading stops there
    and the second value is True (truncated on purpose).
    """
    buf = bytearray()
    asked = enough is None
    for chunk in chunks:
        buf += chunk
        if deadline is not None and time.monotonic() > deadline:
            raise TooSlow("the download took too long")
        if len(buf) > max_bytes:
            if keep_head:
                return bytes(buf[:max_bytes]), True
            raise TooLarge(f"larger than {max_bytes / 1048576:g} MB")
        if not asked and len(buf) >= SNIFF_BYTES:
            asked = True
            if enough(bytes(buf)):
                return bytes(buf), True
    return bytes(buf), False


# ---- the fetcher ----------------------------------------------------------------------------------
Check = Callable[[str], str]
Validators = Callable[[str], tuple[str, str]]


class Fetcher:
    """GET with politeness, retries, checked redirects and a size cap. Never raises for HTTP trouble:
    every outcome is a `FetchResult`."""

    def __init__(
        self,
        *,
        user_agent: str = user_agent(),
        delay_for: Callable[[str], float] = lambda host: 1.0,
        retry: RetryPolicy = RetryPolicy(),
        timeout: httpx.Timeout | tuple[float, float] = DEFAULT_TIMEOUT,
        max_redirects: int = MAX_REDIRECTS,
        sleep: Callable[[float], None] = time.sleep,
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        self.user_agent = user_agent
        self.deadline = deadline
        self.retry = retry
        self.max_redirects = max_redirects
        self.throttle = Throttle(delay_for, sleep=sleep)
        import httpx

        if isinstance(timeout, tuple):
            timeout = httpx.Timeout(timeout[0], connect=timeout[1])
        self.client = httpx.Client(
            timeout=timeout, follow_redirects=False, headers={"User-Agent": user_agent}
        )
        self.requests = 0  # every request sent, retries and robots included

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(
        self,
        url: str,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        check: Check | None = None,
        validators: Validators | None = None,
        enough: Callable[[bytes], bool] | None = None,
        keep_head: bool = False,
    ) -> FetchResult:
        """Fetch `url`, following up to `max_redirects` redirects.

        `check(url)` returns a reason to refuse a redirect target ('' to allow); it is not applied to
        `url` itself, which the caller has checked. `validators(url)` gives the stored
        (ETag, Last-Modified) to send as `If-None-Match` / `If-Modified-Since` for that URL; it is
        asked at every hop because the bytes are registered under the final URL. `keep_head`: a body
        past `max_bytes` is cut there (robots.txt) instead of failing.
        """
        result = FetchResult(url=url)
        self._keep_head = keep_head
        current = url
        for hop in range(self.max_redirects + 1):
            etag, modified = validators(current) if validators else ("", "")
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if modified:
                headers["If-Modified-Since"] = modified
            result.final_url = current
            reply = self._get_with_retries(current, headers, max_bytes, enough, result)
            if reply is None:
                return result
            result.status = reply.status
            result.fetched = datetime.now(UTC).replace(microsecond=0).isoformat()
            if reply.status in (301, 302, 303, 307, 308):
                location = reply.headers.get("Location", "")
                if not location:
                    result.error = f"HTTP {reply.status} without a Location"
                    return result
                target = urljoin(current, location).split("#", 1)[0]
                parts = urlsplit(target)
                target = parts._replace(path=clean_path(parts.path)).geturl()  # as the client sends it
                if urlsplit(target).scheme not in ("http", "https"):
                    result.error = f"redirect to a non-HTTP URL ({target})"
                    return result
                if target == url or target in result.redirects:
                    result.error = f"redirect loop ({len(result.redirects) + 1} hops)"
                    return result
                result.redirects.append(target)
                if hop == self.max_redirects:
                    break
                reason = check(target) if check else ""
                if reason:
                    result.refused, result.final_url = reason, target
                    return result
                current = target
                continue
            result.etag = reply.headers.get("ETag", "")
            result.last_modified = reply.headers.get("Last-Modified", "")
            if reply.status == 200:
                result.data, result.truncated = reply.data, reply.truncated
                result.content_type = reply.headers.get("Content-Type", "")
            elif reply.status != 304:
                result.error = f"HTTP {reply.status}"
            return result
        result.error = f"more than {self.max_redirects} redirects"
        return result

    def _get_with_retries(
        self,
        url: str,
        headers: dict[str, str],
        max_bytes: int,
        enough: Callable[[bytes], bool] | None,
        result: FetchResult,
    ) -> _Reply | None:
        """One request, tried again on transient failures. None (with `result.error` set) when it
        failed for good."""
        import httpx

        host = host_of(url)
        extra_wait = 0.0
        waited = 0.0  # the waits before this URL's tries, capped in total by retry.max_wait
        for attempt in range(1, self.retry.tries + 1):
            self.throttle.wait(host, extra_wait)
            result.attempts += 1
            retry_after: float | None = None
            try:
                reply = self._get_once(url, headers, max_bytes, enough)
            except httpx.TimeoutException:
                reason = "timed out"
            except httpx.NetworkError as e:
                reason = f"network error ({type(e).__name__})"
            except httpx.InvalidURL as e:
                result.error = f"invalid URL ({e})"
                return None
            except httpx.HTTPError as e:  # protocol errors, bad URLs: not worth a second try
                result.error = f"HTTP error ({type(e).__name__}: {e})"
                return None
            except TooLarge as e:
                result.error = str(e)
                return None
            except TooSlow:
                result.error = f"the download took longer than {self.deadline:g} s"
                return None
            else:
                if reply.status not in RETRY_STATUSES:
                    return reply
                reason = f"HTTP {reply.status}"
                result.status = reply.status
                retry_after = parse_retry_after(reply.headers.get("Retry-After"))
            finally:
                self.requests += 1
                self.throttle.done(host)
            if attempt < self.retry.tries:
                if retry_after is not None and waited + retry_after > self.retry.max_wait:
                    # the server asks for longer than this URL may wait: give it up now, not later
                    result.error = (
                        f"{reason}; the server asks to retry after {retry_after:g} s, more than the "
                        f"{self.retry.max_wait:g} s a URL may wait"
                    )
                    return None
                extra_wait = min(self.retry.wait(attempt, retry_after), self.retry.max_wait - waited)
                waited += extra_wait
        result.error = f"{reason} after {result.attempts} tries"
        return None

    def _get_once(
        self, url: str, headers: dict[str, str], max_bytes: int, enough: Callable[[bytes], bool] | None
    ) -> _Reply:
        deadline = time.monotonic() + self.deadline
        keep_head = getattr(self, "_keep_head", False)
        with self.client.stream("GET", url, headers=headers) as r:
            reply = _Reply(r.status_code, r.headers)
            if r.status_code != 200:
                return reply
            declared = r.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes and enough is None and not keep_head:
                # Trusting a large Content-Length spares the download; a small one proves nothing.
                raise TooLarge(f"larger than {max_bytes / 1048576:g} MB (Content-Length {declared})")
            reply.data, reply.truncated = read_capped(
                r.iter_bytes(), max_bytes, enough, deadline=deadline, keep_head=keep_head
            )
            return reply

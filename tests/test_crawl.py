"""The crawler against a real loopback site that misbehaves in the ways public sites do.

Assertions look at what the server received (paths, headers, timestamps), not only at pincite's report.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from crawlsite import Hit, Reply, Site, html
from pincite.corpus.store import Store
from pincite.ingest.crawl import CrawlOptions, SourcesError, crawl, load_sources
from pincite.ingest.discover import Scope, extract_links, normalize, parse_sitemap
from pincite.ingest.fetch import RetryPolicy, parse_retry_after
from pincite.ingest.frontier import CrawlBusy, crawl_lock

ROOT = Path(__file__).resolve().parents[1]
DELAY = 0.2
CRAWL_DELAY = 0.3
CONTACT = "https://example.org/pincite-tests"


def tiny_pdf() -> bytes:
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(width=72, height=72)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


PDF = tiny_pdf()
BIG_TOTAL = 32 * 1024 * 1024


def big_stream():
    chunk = b"x" * 65536
    for _ in range(BIG_TOTAL // len(chunk)):
        yield chunk


def flaky(site: Site, hit: Hit) -> Reply:
    """503 with Retry-After: 1 the first time it is asked, a page afterwards."""
    if len(site.hits("/site/flaky.html")) == 1:
        return Reply(503, b"busy", {"Retry-After": "1"}, etag=False)
    return Reply(200, html(title="flaky"), {"Content-Type": "text/html"})


def make_site(offsite: Site) -> Site:
    off = offsite.base
    s = Site()
    s.routes.update(
        {
            "/robots.txt": lambda site, hit: Reply(
                200,
                (
                    "User-agent: *\nDisallow: /site/private/\n"
                    f"Crawl-delay: {CRAWL_DELAY}\nSitemap: {site.base}/sitemap.xml\n"
                ).encode(),
                {"Content-Type": "text/plain"},
            ),
            "/sitemap.xml": lambda site, hit: Reply(
                200,
                (
                    '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<url><loc>{site.base}/site/from-sitemap.html</loc></url>"
                    f"<url><loc>{site.base}/elsewhere/not-in-scope.html</loc></url></urlset>"
                ).encode(),
                {"Content-Type": "application/xml"},
            ),
            "/site/index.html": Reply(
                200,
                html(
                    "page2.html",
                    "private/secret.html",
                    f"{off}/offsite.html",
                    "flaky.html",
                    "loop/a",
                    "big.bin",
                    "report.bin",
                    "copy-of-report.pdf",
                    "missing.html",
                    "../outside.html",
                    "image.png",
                    "redirect-out",
                    "redirect-private",
                    "dated.html",
                    "mailto:someone@example.org",
                    "#top",
                    title="index",
                ),
                {
                    "Content-Type": "text/html; charset=utf-8",
                    "Last-Modified": "Mon, 02 Jan 2017 10:00:00 GMT",
                },
            ),
            "/site/page2.html": Reply(
                200, html("sub/deep.html", "index.html", title="page2"), {"Content-Type": "text/html"}
            ),
            "/site/sub/deep.html": Reply(
                200, html("deeper.html", title="deep"), {"Content-Type": "text/html"}
            ),
            "/site/sub/deeper.html": Reply(200, html(title="deeper"), {"Content-Type": "text/html"}),
            "/site/from-sitemap.html": Reply(200, html(title="from sitemap"), {"Content-Type": "text/html"}),
            "/site/flaky.html": flaky,
            "/site/dated.html": Reply(
                200,
                html(title="dated"),
                {"Content-Type": "text/html", "Last-Modified": "Tue, 03 Jan 2017 10:00:00 GMT"},
                etag=False,
            ),
            "/site/loop/a": Reply(302, b"", {"Location": "/site/loop/b"}, etag=False),
            "/site/loop/b": Reply(302, b"", {"Location": "a"}, etag=False),
            "/site/big.bin": lambda site, hit: Reply(
                200, big_stream(), {"Content-Type": "application/octet-stream"}
            ),
            "/site/report.bin": Reply(200, PDF, {"Content-Type": "application/octet-stream"}),
            "/site/copy-of-report.pdf": Reply(200, PDF, {"Content-Type": "application/pdf"}),
            "/site/redirect-out": Reply(302, b"", {"Location": f"{off}/offsite.html"}, etag=False),
            "/site/redirect-private": Reply(302, b"", {"Location": "/site/private/secret.html"}, etag=False),
            "/site/private/secret.html": Reply(200, html(title="secret")),
            "/outside.html": Reply(200, html(title="outside")),
        }
    )
    return s


def options(**kw) -> CrawlOptions:
    base = dict(depth=2, delay=DELAY, max_size=256 * 1024, contact=CONTACT, max_retry_wait=5.0)
    base.update(kw)
    return CrawlOptions(**base)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One site crawled twice into one store: (site, offsite, store, first report, second report,
    request count after the first crawl)."""
    home = tmp_path_factory.mktemp("crawl") / "home"
    with Site({"/offsite.html": Reply(200, html(title="off"))}) as offsite, make_site(offsite) as site:
        store = Store(home)
        seed = f"{site.base}/site/index.html"
        first = crawl(store, [seed], options())
        n_first = len(site.log)
        second = crawl(store, [seed], options())
        yield site, offsite, store, first, second, n_first
        store.close()


def first_hits(crawled) -> list[Hit]:
    site, _, _, _, _, n = crawled
    return site.log[:n]


# ---- what the server saw --------------------------------------------------------------------------
def test_robots_disallowed_and_offsite_never_requested(crawled):
    site, offsite, _, first, _, _ = crawled
    paths = site.paths()
    assert not [p for p in paths if p.startswith("/site/private/")]
    assert offsite.log == []  # neither the link nor the redirect to the other server was followed
    assert "/outside.html" not in paths and "/elsewhere/not-in-scope.html" not in paths
    assert "/site/image.png" not in paths
    assert f"{site.base}/site/private/secret.html" in first.skipped["robots"]
    assert f"{offsite.base}/offsite.html" in first.skipped["scope"]
    assert f"{site.base}/outside.html" in first.skipped["scope"]


def test_user_agent_names_pincite_and_contact(crawled):
    for h in first_hits(crawled):
        assert h.headers["user-agent"].startswith("pincite/")
        assert CONTACT in h.headers["user-agent"]


def test_delay_between_requests_respects_crawl_delay(crawled):
    hits = first_hits(crawled)
    assert hits[0].path == "/robots.txt"  # read before anything else on the host
    gaps = [b.t - a.t for a, b in zip(hits, hits[1:], strict=False)]
    # The configured delay applies to the first request after robots.txt, Crawl-delay from then on.
    assert gaps[0] >= DELAY - 0.01
    assert min(gaps[1:]) >= CRAWL_DELAY - 0.01, gaps


def test_503_retried_after_retry_after_then_fetched(crawled):
    site, _, store, first, _, n = crawled
    hits = [h for h in site.log[:n] if h.path == "/site/flaky.html"]
    assert [h.status for h in hits] == [503, 200]
    assert hits[1].t - hits[0].t >= 1.0
    assert store.source_info(f"{site.base}/site/flaky.html") is not None


def test_redirect_loop_stops_after_five_hops(crawled):
    site, _, _, first, _, n = crawled
    loop = [h for h in site.log[:n] if h.path.startswith("/site/loop/")]
    assert 1 < len(loop) <= 6  # the first request and at most five redirects followed
    reasons = dict(first.failed)
    assert "redirect loop" in reasons[f"{site.base}/site/loop/a"]


def test_oversized_stream_aborted(crawled):
    site, _, store, first, _, n = crawled
    assert len([h for h in site.log[:n] if h.path == "/site/big.bin"]) == 1  # not retried
    assert site.sent["/site/big.bin"] < BIG_TOTAL  # the server could not send it all
    assert "larger than" in dict(first.failed)[f"{site.base}/site/big.bin"]
    assert store.source_info(f"{site.base}/site/big.bin") is None


def test_404_fails_once_without_retry(crawled):
    site, _, _, first, _, n = crawled
    assert len([h for h in site.log[:n] if h.path == "/site/missing.html"]) == 1
    assert dict(first.failed)[f"{site.base}/site/missing.html"] == "HTTP 404"


def test_redirect_to_disallowed_or_offsite_is_refused(crawled):
    site, _, _, first, _, _ = crawled
    assert f"{site.base}/site/redirect-private" in first.skipped["robots"]
    assert f"{site.base}/site/redirect-out" in first.skipped["scope"]


# ---- what went into the store ---------------------------------------------------------------------
def test_pdf_served_as_octet_stream_is_kept_as_pdf_and_copy_is_same_document(crawled):
    site, _, store, first, _, _ = crawled
    a = store.source_info(f"{site.base}/site/report.bin")
    b = store.source_info(f"{site.base}/site/copy-of-report.pdf")
    assert a and b and a["doc"] == b["doc"]
    ext = store.db.execute("SELECT ext FROM documents WHERE id = ?", (a["doc"],)).fetchone()[0]
    assert ext == ".pdf"
    assert store.raw_path(a["sha256"], ".pdf").read_bytes() == PDF
    assert first.results["alias"] == 1


def test_provenance_recorded(crawled):
    site, _, store, _, _, _ = crawled
    info = store.source_info(f"{site.base}/site/index.html")
    assert info["etag"].startswith('"') and info["fetched"]
    assert info["last_modified"] == "Mon, 02 Jan 2017 10:00:00 GMT"


def test_depth_sitemap_and_relative_links(crawled):
    site, _, store, first, _, n = crawled
    paths = [h.path for h in site.log[:n]]
    assert "/site/sub/deep.html" in paths  # depth 2, via a relative link of page2
    assert "/site/sub/deeper.html" not in paths  # depth 3
    assert "/site/from-sitemap.html" in paths  # only the sitemap links to it
    docs = {d.source for d in store.documents()}
    assert {
        f"{site.base}/site/{p}" for p in ("index.html", "page2.html", "sub/deep.html", "flaky.html")
    } <= docs
    assert first.finished and first.results["new"] == len(store.documents())


def test_second_crawl_is_conditional_and_adds_nothing(crawled):
    site, _, store, first, second, n = crawled
    again = site.log[n:]
    stored = {s for d in store.documents() for s in d.sources}
    for h in again:
        url = site.base + h.path
        if url in stored:
            assert "if-none-match" in h.headers or "if-modified-since" in h.headers, h.path
            assert h.status == 304, h.path
    (dated,) = [h for h in again if h.path == "/site/dated.html"]  # no ETag: asked by date
    assert dated.headers["if-modified-since"] == "Tue, 03 Jan 2017 10:00:00 GMT"
    (index,) = [h for h in again if h.path == "/site/index.html"]  # both validators when both are known
    assert (
        index.headers["if-modified-since"] == "Mon, 02 Jan 2017 10:00:00 GMT"
        and "if-none-match" in index.headers
    )
    assert {site.base + h.path for h in again} >= stored  # asked about everything it has
    assert second.results.get("new", 0) == second.results.get("changed", 0) == 0
    assert second.results["not-modified"] == len(stored)
    assert len(store.documents()) == first.results["new"]
    assert not [h for h in again if h.path.startswith("/site/private/")]


# ---- resuming -------------------------------------------------------------------------------------
RESUME_DOCS = [f"/r/doc{i}.html" for i in range(6)]


def resume_site() -> Site:
    s = Site({"/robots.txt": Reply(200, b"User-agent: *\nAllow: /\n")})
    s.routes["/r/index.html"] = Reply(200, html(*[p.rsplit("/", 1)[-1] for p in RESUME_DOCS], title="index"))
    for p in RESUME_DOCS:
        s.routes[p] = Reply(200, html(title=p))
    return s


def test_killed_crawl_resumes_without_duplicates_or_refetch(tmp_path):
    home = tmp_path / "home"
    kill_at = 6  # robots, sitemap, index, doc0, doc1, then the sixth hangs until the kill
    seen_nth, release = threading.Event(), threading.Event()
    with resume_site() as site:

        def on_request(hit: Hit) -> None:
            if len(site.log) == kill_at:
                seen_nth.set()
                release.wait(20)

        site.on_request = on_request
        seed = f"{site.base}/r/index.html"
        code = (
            "import sys; from pincite.corpus.store import Store;"
            "from pincite.ingest.crawl import crawl, CrawlOptions;"
            f"crawl(Store(sys.argv[1]), [{seed!r}], CrawlOptions(delay=0.05, depth=1))"
        )
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        proc = subprocess.Popen([sys.executable, "-c", code, str(home)], env=env)
        try:
            assert seen_nth.wait(30), "the crawl never reached the request to kill it at"
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
            release.set()
        site.on_request = None
        first_run = site.paths()[:kill_at]
        in_flight = first_run[-1]
        assert in_flight in RESUME_DOCS

        store = Store(home)
        report = crawl(store, [seed], CrawlOptions(delay=0.05, depth=1))
        second_run = site.paths()[kill_at:]
        assert report.resumed and report.finished
        # Nothing done before the kill is asked again (robots.txt is read once per run).
        assert set(second_run) & set(first_run[:-1]) <= {"/robots.txt"}
        assert in_flight in second_run
        assert sorted(p for p in second_run + first_run if p in RESUME_DOCS) == sorted(
            RESUME_DOCS + [in_flight]
        )
        docs = store.documents()
        assert len(docs) == 1 + len(RESUME_DOCS)
        assert len({d.sha256 for d in docs}) == len(docs)
        assert {d.source for d in docs} == {seed} | {site.base + p for p in RESUME_DOCS}
        store.close()


def test_one_crawl_per_home(tmp_path):
    store = Store(tmp_path / "home")
    with crawl_lock(store.home), pytest.raises(CrawlBusy):
        crawl(store, ["http://127.0.0.1:9/"], CrawlOptions(delay=0))


def test_dry_run_writes_nothing(tmp_path):
    with Site({"/robots.txt": Reply(404)}) as site:
        site.routes["/d/index.html"] = Reply(200, html("a.pdf", title="index"))
        site.routes["/d/a.pdf"] = Reply(200, PDF + b"%" + b"0" * 200_000, {"Content-Type": "application/pdf"})
        store = Store(tmp_path / "home")
        report = crawl(store, [f"{site.base}/d/index.html"], CrawlOptions(delay=0.01), dry_run=True)
        assert report.results["would-add"] == 2
        assert store.is_empty() and not (store.home / "crawl.sqlite").exists()
        assert [h.path for h in site.log].count("/d/a.pdf") == 1


# ---- components -----------------------------------------------------------------------------------
def test_retry_after_and_backoff():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("soon") is None
    policy = RetryPolicy(base=1.0, max_wait=10.0)
    assert policy.wait(1, rand=lambda: 0.0) == 1.0
    assert policy.wait(3, rand=lambda: 1.0) == 6.0  # 4 s plus 50 % jitter
    assert policy.wait(1, retry_after=3600, rand=lambda: 0.0) == 10.0  # capped


def test_normalize_and_scope():
    assert normalize("HTTP://Example.ORG:80/a b#frag") == "http://example.org/a%20b"
    assert normalize("mailto:x@y") is None and normalize("javascript:void(0)") is None
    assert normalize("../x.pdf", "https://h/a/b/c.html") == "https://h/a/x.pdf"
    scope = Scope(["http://h/rcp/"], [r"\.pdf$", r"/rcp/meetings/"])
    assert scope.contains("https://h/rcp/x.pdf")  # http and https alike
    assert not scope.contains("http://h/other/x.pdf") and not scope.contains("http://h2/rcp/x.pdf")
    assert scope.follows("http://h/rcp/x.pdf") and not scope.follows("http://h/rcp/news.html")


def test_extract_links_base_nofollow_and_meta_robots():
    page = (
        b'<html><head><base href="http://h/docs/"></head><body><a href="a.pdf">a</a>'
        b'<a rel="nofollow" href="b.pdf">b</a><a href="#x">x</a><iframe src="f.html"></iframe></body></html>'
    )
    assert extract_links(page, "http://h/index.html").links == ["http://h/docs/a.pdf", "http://h/docs/f.html"]
    closed = b'<html><head><meta name="robots" content="noindex, nofollow"></head><a href="a">a</a></html>'
    got = extract_links(closed, "http://h/")
    assert got.links == [] and got.noindex and got.nofollow


def test_parse_sitemap_index_and_urlset():
    index = (
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>http://h/s1.xml</loc></sitemap></sitemapindex>"
    )
    assert parse_sitemap(index) == ([], ["http://h/s1.xml"])
    assert parse_sitemap(b"<urlset><url><loc> http://h/a </loc></url></urlset>") == (["http://h/a"], [])
    assert parse_sitemap(b"not xml at all") == ([], [])
    import gzip

    assert parse_sitemap(gzip.compress(b"<urlset><url><loc>http://h/b</loc></url></urlset>")) == (
        ["http://h/b"],
        [],
    )
    entity = b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]><urlset><url><loc>&x;</loc></url></urlset>'
    assert parse_sitemap(entity) == ([], [])  # external entities are not resolved


def test_example_sources_file_loads():
    sources = load_sources(ROOT / "examples" / "rcp-sources.toml")
    assert len(sources) >= 4
    for s in sources:
        assert s.seeds and all(u.startswith("https://") for u in s.seeds)
        assert s.options.delay >= 2 and s.options.contact == ""  # users must set their own contact


def test_sources_file_rejects_unknown_keys(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('[sources.x]\nstart = "https://h/"\nscopes = ["https://h/"]\n')
    with pytest.raises(SourcesError, match="scopes"):
        load_sources(f)
    f.write_text(
        '[defaults]\ndelay = 3\n[sources.x]\nstart = "https://h/a/"\nfollow = "\\\\.pdf$"\nmax_size = 2\n'
    )
    (src,) = load_sources(f)
    assert src.options.delay == 3.0 and src.options.patterns == (r"\.pdf$",)
    assert src.options.max_size == 2 * 1024 * 1024


# ---- the command ----------------------------------------------------------------------------------
TEXT_DOC = (
    b"Chair's summary of the regional consultative process meeting\n\n"
    b"1. The participants discussed labour mobility and the protection of migrant workers in transit.\n\n"
    b"2. They agreed to meet again in Lima.\n"
)


def text_site() -> Site:
    s = Site({"/robots.txt": Reply(404)})
    s.routes["/t/index.html"] = Reply(
        200, html("summary.txt", "gone.txt", title="index"), {"Content-Type": "text/html"}
    )
    s.routes["/t/summary.txt"] = Reply(200, TEXT_DOC, {"Content-Type": "text/plain; charset=utf-8"})
    return s


def test_cli_crawl_parses_indexes_and_keeps_stdout_for_data(home, tmp_path):
    from click.testing import CliRunner

    from pincite.cli import cli

    with text_site() as site:
        seed = f"{site.base}/t/index.html"
        args = ["crawl", seed, "--delay", "0.01", "--type", "text", "--contact", CONTACT]
        dry = CliRunner().invoke(cli, [*args, "--dry-run"], catch_exceptions=False)
        assert dry.stdout == f"text\t{site.base}/t/summary.txt\n"
        assert not (home / "crawl.sqlite").exists()

        r = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert r.exit_code == 1  # gone.txt is a 404
        assert r.stdout == ""
        assert f"{site.base}/t/gone.txt: HTTP 404" in r.stderr
        assert "1 fetched" in r.stderr or "2 fetched" in r.stderr
        assert "1 failed" in r.stderr and "index" in r.stderr
        assert f"] new {site.base}/t/summary.txt" in r.stderr  # counted progress lines off a terminal

        found = CliRunner().invoke(
            cli, ["search", "labour mobility", "--format", "json"], catch_exceptions=False
        )
        assert found.exit_code == 0 and "summary" in found.stdout

        (tmp_path / "s.toml").write_text(
            f'[sources.loop]\nstart = "{seed}"\ntypes = ["text"]\ndelay = 0.01\ndepth = 1\n'
        )
        again = CliRunner().invoke(cli, ["crawl", "--sources", str(tmp_path / "s.toml"), "-q"])
        assert again.stderr == f"pincite: {site.base}/t/gone.txt: HTTP 404\n"
        asked = site.hits("/t/summary.txt")
        assert len(asked) == 3 and "if-none-match" in asked[-1].headers and asked[-1].status == 304


def test_cli_crawl_needs_urls_or_sources(home):
    from click.testing import CliRunner

    from pincite.cli import cli

    r = CliRunner().invoke(cli, ["crawl"])
    assert r.exit_code == 2 and "start URLs" in r.stderr


# ---- the fetcher on its own -----------------------------------------------------------------------
def fetcher_site() -> Site:
    import gzip

    def slow_once(site: Site, hit: Hit) -> Reply:
        if len(site.hits("/slow")) == 1:
            time.sleep(1.0)
        return Reply(200, b"late but here")

    def throttled_once(site: Site, hit: Hit) -> Reply:
        if len(site.hits("/429")) == 1:
            return Reply(429, b"", {"Retry-After": "3600"}, etag=False)
        return Reply(200, b"ok")

    bomb = gzip.compress(b"\0" * (8 * 1024 * 1024))
    return Site(
        {
            "/slow": slow_once,
            "/429": throttled_once,
            "/500": Reply(500, b"down", etag=False),
            "/403": Reply(403, b"no", etag=False),
            **{f"/chain/{i}": Reply(302, b"", {"Location": f"/chain/{i + 1}"}, etag=False) for i in range(9)},
            "/bomb": Reply(200, bomb, {"Content-Encoding": "gzip", "Content-Type": "text/plain"}),
        }
    )


def test_fetcher_retries_timeouts_429_and_5xx_but_not_403():
    import httpx

    from pincite.ingest.fetch import Fetcher

    with fetcher_site() as site:
        with Fetcher(
            delay_for=lambda host: 0.0,
            retry=RetryPolicy(tries=3, base=0.05, max_wait=0.3),
            timeout=httpx.Timeout(0.4, connect=1.0),
        ) as f:
            slow = f.fetch(site.base + "/slow")
            assert slow.status == 200 and slow.data == b"late but here" and slow.attempts == 2

            t0 = time.monotonic()
            limited = f.fetch(site.base + "/429")
            # Retry-After: 3600 is more than a URL may wait (0.3 s): given up at once, with the reason
            assert limited.status == 429 and limited.attempts == 1 and "retry after 3600 s" in limited.error
            assert time.monotonic() - t0 < 0.3

            down = f.fetch(site.base + "/500")
            assert down.error == "HTTP 500 after 3 tries" and len(site.hits("/500")) == 3

            denied = f.fetch(site.base + "/403")
            assert denied.error == "HTTP 403" and len(site.hits("/403")) == 1

            chain = f.fetch(site.base + "/chain/0")
            assert chain.error == "more than 5 redirects"
            assert [h.path for h in site.log if h.path.startswith("/chain/")] == [
                f"/chain/{i}" for i in range(6)
            ]

            bomb = f.fetch(site.base + "/bomb", max_bytes=1024 * 1024)
            assert bomb.data is None and "larger than 1 MB" in bomb.error  # counted after decoding


def test_max_urls_stops_and_the_next_run_continues(tmp_path):
    with resume_site() as site:
        store = Store(tmp_path / "home")
        seed = f"{site.base}/r/index.html"
        first = crawl(store, [seed], CrawlOptions(delay=0.01, depth=1, max_urls=3))
        assert not first.finished and "run the same command again" in first.summary()
        n = len(site.log)
        second = crawl(store, [seed], CrawlOptions(delay=0.01, depth=1))
        assert second.resumed and second.finished
        assert "/r/index.html" not in [h.path for h in site.log[n:]]
        assert sorted(p for p in site.paths() if p in RESUME_DOCS) == sorted(RESUME_DOCS)
        assert len(store.documents()) == 1 + len(RESUME_DOCS)


def test_redirects_to_a_handled_page_are_not_fetched_again(tmp_path):
    with Site({"/robots.txt": Reply(404)}) as site:
        site.routes["/x/index.html"] = Reply(200, html("old", "older", "page.html", title="index"))
        site.routes["/x/page.html"] = Reply(200, html(title="page"))
        site.routes["/x/old"] = Reply(301, b"", {"Location": "page.html"}, etag=False)
        site.routes["/x/older"] = Reply(301, b"", {"Location": "/x/page.html"}, etag=False)
        # The sitemap moved to the root of the site, outside the crawl's folder: still followed.
        site.routes["/sitemap.xml"] = Reply(301, b"", {"Location": "/maps/main.xml"}, etag=False)
        site.routes["/maps/main.xml"] = Reply(
            200, f"<urlset><url><loc>{site.base}/x/old</loc></url></urlset>".encode()
        )
        store = Store(tmp_path / "home")
        report = crawl(store, [f"{site.base}/x/index.html"], delay=0.01)
        assert "/maps/main.xml" in site.paths() and report.results["sitemap"] == 1
        assert site.paths().count("/x/page.html") == 1
        assert report.results["redirect"] == 3 and report.results["new"] == 2
        assert store.source_info(f"{site.base}/x/old") is None  # the bytes belong to where they came from


def test_robots_unavailable_means_nothing_fetched(tmp_path):
    with Site({"/robots.txt": Reply(503, b"", {"Retry-After": "0"}, etag=False)}) as site:
        site.routes["/y/index.html"] = Reply(200, html(title="index"))
        store = Store(tmp_path / "home")
        report = crawl(
            store,
            [f"{site.base}/y/index.html"],
            CrawlOptions(delay=0.01, tries=2, max_retry_wait=0.1),
        )
        assert set(site.paths()) == {"/robots.txt"}
        assert report.warnings and "robots.txt unavailable" in report.warnings[0][1]


def test_delay_holds_across_jobs_on_one_host(tmp_path):
    """Two sources on one site, crawled one after the other, still space their requests."""
    with Site({"/robots.txt": Reply(404)}) as site:
        site.routes["/a/index.html"] = Reply(200, html(title="a"))
        site.routes["/b/index.html"] = Reply(200, html(title="b"))
        store = Store(tmp_path / "home")
        crawl(store, [f"{site.base}/a/index.html"], delay=0.3, depth=0, name="a")
        crawl(store, [f"{site.base}/b/index.html"], delay=0.3, depth=0, name="b")
        times = [h.t for h in site.log]
        assert [h.path for h in site.log] == ["/robots.txt", "/a/index.html", "/robots.txt", "/b/index.html"]
        assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.29


def test_one_page_breaking_the_link_extractor_fails_only_that_page(tmp_path, monkeypatch):
    from pincite.ingest import crawl as crawlmod

    real = crawlmod.extract_links

    def fragile(data: bytes, base: str):
        if base.endswith("/bad.html"):
            raise RecursionError("maximum recursion depth exceeded")
        return real(data, base)

    monkeypatch.setattr(crawlmod, "extract_links", fragile)
    with Site({"/robots.txt": Reply(404)}) as site:
        site.routes["/z/index.html"] = Reply(200, html("bad.html", "good.html", title="index"))
        site.routes["/z/bad.html"] = Reply(200, html(title="bad"))
        site.routes["/z/good.html"] = Reply(200, html(title="good"))
        report = crawl(Store(tmp_path / "home"), [f"{site.base}/z/index.html"], delay=0.01)
        assert report.finished and report.results["new"] == 2
        assert "internal error: RecursionError" in dict(report.failed)[f"{site.base}/z/bad.html"]


# ---- the HTTP charset reaches the reader -----------------------------------------------------------
LATIN9_PAGE = (
    "<html><head><title>Presupuesto regional</title></head><body><main>"
    "<p>1. El presupuesto del programa regional de migración es de 5 millones € y la contribución del "
    "Estado es de 2 millones € según el informe anual del año pasado.</p>"
    "<p>2. La Conferencia Regional sobre Migración aprobó el presupuesto del año próximo.</p>"
    "</main></body></html>"
)


def test_a_charset_given_only_by_the_http_header_decides_the_decoding(home):
    """A legacy page whose charset is in the Content-Type header alone: detection guesses wrong
    (cp1250: "ańo", "¤"); the header, kept with the source's provenance, decodes it right, also when
    the document is parsed again later."""
    from click.testing import CliRunner

    from pincite.cli import cli

    data = LATIN9_PAGE.encode("iso-8859-15")
    s = Site({"/robots.txt": Reply(404)})
    s.routes["/p/budget.html"] = Reply(200, data, {"Content-Type": "text/html; charset=ISO-8859-15"})
    with s as site:
        url = f"{site.base}/p/budget.html"
        r = CliRunner().invoke(cli, ["crawl", url, "--delay", "0.01", "--contact", CONTACT, "-q"])
        assert r.exit_code == 0, r.output
    store = Store(home)
    doc = store.doc_for_source(url)
    assert store.content_type(url) == "text/html; charset=ISO-8859-15"
    texts = " ".join(u.text for u in store.units(doc))
    assert "año pasado" in texts and "5 millones €" in texts and "ańo" not in texts
    found = CliRunner().invoke(cli, ["search", "año", "--format", "json"])
    assert found.exit_code == 0 and "budget" in found.stdout
    # parsed again (a new parser version): the header is still applied
    store.db.execute("UPDATE documents SET parser = 'old' WHERE id = ?", (doc,))
    from pincite.ingest import pipeline

    pipeline.parse_pending(store, isolate=True)
    assert "año pasado" in " ".join(u.text for u in store.units(doc))

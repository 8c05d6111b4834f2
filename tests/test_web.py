"""`pincite serve` over HTTP: a real uvicorn server on a loopback port, over a real home.

The API must give the CLI's JSON byte for byte; the pages must escape what documents and queries
carry, answer a bad query with a 400 and the CLI's message, an unknown citation with a 404 page, and
never a traceback; the file route serves only the home's own copies.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
from html import unescape
from urllib.parse import parse_qs, quote, urlparse

import httpx
import pytest

from pincite.web.app import marked, partial
from webhome import HOSTILE_TITLE, SAMPLES, SYMBOL, TRANSHUMANCE_CITE, Server, build_home, run


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    home, src = build_home(tmp_path_factory.mktemp("web"))
    server = Server(home)
    yield home, src, server.url
    server.stop()


def get(base: str, path: str, **kw) -> httpx.Response:
    return httpx.get(base + path, timeout=60, **kw)


def no_traceback(r: httpx.Response) -> None:
    assert "Traceback" not in r.text and 'File "' not in r.text


# -- the API is the CLI's JSON ------------------------------------------------------------------------
SEARCHES = [
    ("labour mobility", []),  # a relaxed natural query
    ("migration", ["--type", "report", "--limit", "3"]),
    ("migration", ["--offset", "5", "--limit", "4", "--facets"]),
    ("regional OR global", ["--group", "--sort", "-date"]),
    ('"regional consultative processes"', ["--lang", "en", "--year", "2013..2017"]),
    ("kind:footnote", ["--facets"]),
    ("zzzyzzy", []),  # nothing: the CLI prints [] and exits 1; the API gives the same []
    ("transhumance", ["--doc", "pastoral-mobility", "--kind", "paragraph", "--since", "2000"]),
]


def api_params(q: str, opts: list[str]) -> list[tuple[str, str]]:
    params, i = [("q", q)], 0
    names = {"--type": "type", "--limit": "limit", "--offset": "offset", "--lang": "lang", "--year": "year",
             "--doc": "doc", "--kind": "kind", "--sort": "sort", "--since": "since"}  # fmt: skip
    while i < len(opts):
        if opts[i] in ("--facets", "--group"):
            params.append((opts[i][2:], "1"))
            i += 1
        else:
            params.append((names[opts[i]], opts[i + 1]))
            i += 2
    return params


@pytest.mark.parametrize("q,opts", SEARCHES, ids=[f"{q} {' '.join(o)}" for q, o in SEARCHES])
def test_api_search_is_the_cli_json_byte_for_byte(site, q, opts):
    home, _, base = site
    cli = run("--home", str(home), "search", q, "--format", "json", *opts)
    assert cli.exit_code in (0, 1), cli.stderr
    r = get(base, "/api/search", params=api_params(q, opts))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.content == cli.stdout_bytes
    if q != "zzzyzzy":
        assert json.loads(r.content), "the comparison must be over some hits"


@pytest.mark.parametrize(
    "cite,opts",
    [("A/68/190, annex, para. 2", ["--context", "1"]), (TRANSHUMANCE_CITE, ["--lang", "fr"]),
     ("pastoral-mobility#4", [])],
)  # fmt: skip
def test_api_show_is_the_cli_json_byte_for_byte(site, cite, opts):
    home, _, base = site
    cli = run("--home", str(home), "show", cite, "--format", "json", *opts)
    assert cli.exit_code == 0, cli.stderr
    params = {"cite": cite, **{o[2:]: v for o, v in zip(opts[::2], opts[1::2], strict=True)}}
    r = get(base, "/api/show", params=params)
    assert r.status_code == 200 and r.content == cli.stdout_bytes
    row = json.loads(r.content)[0]
    if cite.startswith("A/68/190"):
        assert [n["ref"] for n in row["footnotes"]] == ["a", "b"] and row["before"] and row["after"]


def test_api_errors_are_the_cli_messages_with_4xx(site):
    home, _, base = site
    for q in ("year:abc", "kind:nothing"):
        cli = run("--home", str(home), "search", q, "--format", "json")
        assert cli.exit_code == 2
        r = get(base, "/api/search", params={"q": q})
        assert r.status_code == 400 and "pincite: " + r.json()["error"] == cli.stderr.strip()
    cli = run("--home", str(home), "show", "A/68/190, annex, para. 99", "--format", "json")
    r = get(base, "/api/show", params={"cite": "A/68/190, annex, para. 99"})
    assert r.status_code == 404 and "pincite: " + r.json()["error"] == cli.stderr.strip()
    assert get(base, "/api/search").status_code == 400
    assert get(base, "/api/search", params={"q": "x", "limit": "-1"}).status_code == 400


# -- pages ------------------------------------------------------------------------------------------
def test_results_page_shows_what_the_cli_prints(site):
    home, _, base = site
    hits = json.loads(run("--home", str(home), "search", "migration", "--format", "json").stdout)
    r = get(base, "/", params={"q": "migration"})
    assert r.status_code == 200 and r.headers["content-security-policy"].startswith("default-src 'none'")
    html = r.text
    assert 'value="migration"' in html and " autofocus" in html
    cites = [unescape(c) for c in re.findall(r'<a class="cite" href="[^"]*">([^<]*)</a>', html)]
    assert cites == [h["cite"] for h in hits]  # the same hits, in the CLI's order
    assert f"{len(hits)} hit" in html or "hits, showing 1–10" in html
    assert html.count("<mark>") >= len(hits)  # the matched words marked
    for h in hits:
        assert f'data-copy="{_attr(h["cite"])}"' in html
        href = re.search(rf'<a class="cite" href="([^"]*)">{re.escape(_attr(h["cite"]))}</a>', html).group(1)
        qs = parse_qs(urlparse(unescape(href)).query)
        assert qs["cite"] == [h["cite"]]  # a link to its paragraph page


def _attr(s: str) -> str:
    return s.replace("&", "&amp;").replace('"', "&#34;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")


def test_facets_filter_and_chips_take_them_off(site):
    _, _, base = site
    page = get(base, "/", params={"q": "migration"}).text
    lazy = re.search(r'<aside class="facets"[^>]* hx-get="([^"]*)" hx-trigger="load"', page)
    assert lazy, "the page fetches its facets once it shows the hits"
    html = get(base, unescape(lazy.group(1))).text
    assert html.startswith('<aside class="facets"') and "<html" not in html
    inline = get(base, "/", params={"q": "migration", "facets": "1"}).text  # without JavaScript
    assert re.search(r'<a href="[^"]*type=letter[^"]*">letter</a>', inline)
    link = re.search(r'<a href="([^"]*type=letter[^"]*)">letter</a>', html)
    assert link, "a facet value links to the search with its filter"
    r = get(base, unescape(link.group(1)))
    types = re.findall(r"· (\w+) · en\s*<br>", r.text)
    assert types and set(types) == {"letter"}
    chip = re.search(r'<a class="chip" href="([^"]*)"', r.text)
    assert chip and "type=letter" not in unescape(chip.group(1))


def test_paging_moves_by_the_limit(site):
    _, _, base = site
    first = get(base, "/", params={"q": "migration"}).text
    nxt = re.search(r'<a rel="next" href="([^"]*)"', first)
    assert nxt
    second = get(base, unescape(nxt.group(1))).text
    assert "showing 11–20" in second and 'rel="prev"' in second
    assert not set(re.findall(r'data-copy="([^"]*)"', first)) & set(re.findall(r'data-copy="([^"]*)"', second))


def test_a_query_with_script_is_shown_not_run(site):
    _, _, base = site
    q = '<script>alert("x")</script> "><img src=x onerror=alert(1)>'
    r = get(base, "/", params={"q": q})
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "<img src=x" not in r.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in r.text


def test_document_text_and_titles_are_escaped_everywhere(site):
    _, _, base = site
    pages = [
        get(base, "/", params={"q": "apostrophe OR onerror"}),
        get(base, "/show", params={"cite": "hostile#1"}),
        get(base, "/docs"),
    ]
    for r in pages:
        assert r.status_code == 200
        body = r.text.split("<body>", 1)[1]
        assert "<script>window" not in body and "<img src=x" not in body and "<b>migration" not in body
        assert "&lt;script&gt;window.pwned" in body
    assert HOSTILE_TITLE.replace("<", "&lt;").replace(">", "&gt;") in pages[2].text
    snippet = marked('<mark>a</mark> <script>x</script> <mark>"b"</mark>')
    assert str(snippet) == "<mark>a</mark> &lt;script&gt;x&lt;/script&gt; <mark>&#34;b&#34;</mark>"


def test_show_page_has_notes_context_metadata_versions_and_the_page_link(site):
    _, _, base = site
    r = get(base, "/show", params={"cite": "A/68/190, annex, para. 2"})
    assert r.status_code == 200
    assert '<h1 class="cite">A/68/190, annex, para. 2</h1>' in r.text
    assert 'class="footnotes"' in r.text and r.text.count('class="context before"') == 2
    assert "A/68/190, annex ¶ 2" in r.text  # the other citation styles
    pdf = get(base, "/show", params={"cite": TRANSHUMANCE_CITE, "lang": "en"})
    assert pdf.status_code == 200
    assert 'href="/file/pastoral-mobility#page=2"' in pdf.text and "at p. 2" in pdf.text
    assert f"<dd>{SYMBOL}</dd>" in pdf.text
    fr = re.search(r'<a href="([^"]*)" hreflang="fr">fr</a>', pdf.text)
    assert fr, "the French version is listed"
    r = get(base, unescape(fr.group(1)))
    assert r.status_code == 200 and "couloirs de transhumance" in r.text
    more = get(base, "/show", params={"cite": "A/68/190, annex, para. 2", "context": "5"})
    assert more.text.count('class="context before"') == 5


def test_unknown_citation_is_a_404_page_and_an_ambiguous_one_lists_its_candidates(site):
    _, _, base = site
    r = get(base, "/show", params={"cite": "A/68/190, annex, para. 99"})
    assert r.status_code == 404 and "no paragraph matches the citation" in r.text
    no_traceback(r)
    r = get(base, "/show", params={"cite": TRANSHUMANCE_CITE})  # English and French print the same
    assert r.status_code == 300
    links = re.findall(r'<li><a href="/show\?cite=([^"&]*)">', r.text)
    assert sorted(links) == [quote("mobilite-pastorale#4"), quote("pastoral-mobility#4")]


def test_bad_input_is_a_4xx_page_with_the_cli_message_never_a_500(site):
    home, _, base = site
    cli = run("--home", str(home), "search", "year:abc")
    for path, params, code in [
        ("/", {"q": "year:abc"}, 400),
        ("/", {"q": "x", "limit": "many"}, 400),
        ("/", {"q": "x", "sort": "sideways"}, 400),
        ("/", {"q": "x", "since": "last week"}, 400),
        ("/", {"q": "x", "group": "perhaps"}, 400),
        ("/show", {}, 400),
        ("/show", {"cite": "hostile#1", "context": "-2"}, 400),
        ("/nowhere", {}, 404),
        ("/file/no-such-doc", {}, 404),
        ("/file/..%2F..%2Fcatalogue.sqlite", {}, 404),
    ]:
        r = get(base, path, params=params)
        assert r.status_code == code, (path, params, r.status_code)
        assert r.headers["content-type"].startswith("text/html")
        no_traceback(r)
    r = get(base, "/", params={"q": "year:abc"})
    assert cli.stderr.strip().removeprefix("pincite: ").replace("'", "&#39;") in r.text


def test_file_route_serves_the_stored_copy_only(site):
    home, src, base = site
    r = get(base, "/file/pastoral-mobility")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content == (src / "pastoral-mobility.pdf").read_bytes()
    t = get(base, "/file/hostile")
    assert t.status_code == 200 and t.headers["content-type"].startswith("text/plain")
    assert t.headers["content-security-policy"].startswith("sandbox")  # never run in the site's origin
    (src / "pastoral-mobility.pdf").unlink()  # the home's copy is served, not the user's file
    assert get(base, "/file/pastoral-mobility").content[:5] == b"%PDF-"


def test_htmx_requests_get_the_results_only_and_history_restores_the_page(site):
    _, _, base = site
    frag = get(base, "/", params={"q": "migration"}, headers={"HX-Request": "true", "HX-Request-Type": "partial"})
    assert frag.text.startswith('<main id="results"') and "<html" not in frag.text
    bad = get(base, "/", params={"q": "year:abc"}, headers={"HX-Request": "true"})
    assert bad.status_code == 400 and bad.text.startswith('<main id="results" class="error"')
    full = get(base, "/", params={"q": "migration"},
               headers={"HX-Request": "true", "HX-History-Restore-Request": "true", "HX-Request-Type": "full"})  # fmt: skip
    assert full.text.startswith("<!doctype html>")

    class R:
        headers = {"hx-request": "true", "hx-request-type": "full"}

    assert not partial(R())


def test_home_page_and_docs(site):
    home, _, base = site
    r = get(base, "/")
    assert r.status_code == 200 and "Search 8 documents" in r.text and " autofocus" in r.text
    docs = json.loads(run("--home", str(home), "docs", "--format", "json").stdout)
    page = get(base, "/docs").text
    for d in docs:
        assert f"<code class=\"id\">{d['doc']}</code>" in page
    link = re.search(r'<a href="(/\?doc=pastoral-mobility)">', page)
    n = run("--home", str(home), "search", "", "--doc", "pastoral-mobility", "--count").stdout.strip()
    assert link and f"{n} hits" in get(base, link.group(1)).text and int(n) >= 4


# -- the command --------------------------------------------------------------------------------------
def test_serve_says_where_it_listens_and_stops_on_sigterm(site):
    home, _, _ = site
    s = Server(home)
    assert s.first_line.startswith(f"pincite: serving {home} at http://127.0.0.1:")
    t = time.monotonic()
    code, err = s.stop()
    assert code == 0 and time.monotonic() - t < 10 and "Traceback" not in err
    assert err.strip().endswith("pincite: stopped (SIGTERM)")
    s = Server(home)  # Ctrl-C
    s.proc.send_signal(signal.SIGINT)
    _, err = s.proc.communicate(timeout=30)
    assert s.proc.returncode == 0 and err.strip().endswith("pincite: stopped (SIGINT)")


def test_a_port_in_use_or_a_missing_home_is_a_clear_error(site, tmp_path):
    home, _, _ = site
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "pincite.cli", "--home", str(home), "serve", "--port", str(port)],
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in r.stderr and "Traceback" not in r.stderr
    r = run("--home", str(tmp_path / "nothing"), "serve", "--port", "0")
    assert r.exit_code == 1 and "no pincite home at" in r.stderr


def test_an_empty_home_answers_from_the_samples_and_says_so(tmp_path):
    from pincite.workspace import Workspace

    home = tmp_path / "empty"
    Workspace(home)  # a home with no documents
    s = Server(home)
    try:
        r = get(s.url, "/", params={"q": "labour mobility"})
        assert r.status_code == 200 and "bundled sample corpus" in r.text and "A/68/190, annex, para. 7" in r.text
        f = get(s.url, "/file/letter-peru-unga-rcp-chairs-summary-2013")
        assert f.status_code == 200
        assert f.content == (SAMPLES / "letter-peru-unga-rcp-chairs-summary-2013.md").read_bytes()
    finally:
        s.stop()

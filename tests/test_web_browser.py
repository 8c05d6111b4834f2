"""`pincite serve` in a real headless browser: Debian's chromium driven by Playwright (no browser is
downloaded). A person types a query, sees the first hit's citation, copies it, follows it to the
paragraph page and opens the PDF at its page; on a laptop and on a phone.

Each page is photographed into a folder (PINCITE_SCREENSHOTS, else a temporary one, printed) so a
person can look at what the test saw. Skipped only when chromium is not installed (`.ci/run`
installs it).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from playwright import sync_api

from webhome import HOSTILE, TRANSHUMANCE_CITE, Server, build_home, run

CHROMIUM = os.environ.get("PINCITE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# The closed network makes Chromium wait on connections it would make for itself: none of them.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
LAPTOP, PHONE = {"width": 1280, "height": 860}, {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).is_file(), reason=f"no chromium at {CHROMIUM} (apt-get install chromium)"
    ),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    home, src = build_home(tmp_path_factory.mktemp("webb"))
    server = Server(home)
    yield home, src, server.url
    server.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    d = Path(os.environ.get("PINCITE_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    d.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots in {d}")
    return d


@pytest.fixture(scope="module")
def browser(site, tmp_path_factory):
    _, _, base = site
    with sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")),  # a fresh profile
            executable_path=CHROMIUM, headless=True, args=ARGS, viewport=LAPTOP,
            permissions=["clipboard-read", "clipboard-write"], base_url=base,
        )  # fmt: skip
        ctx.set_default_timeout(30_000)
        yield ctx
        ctx.close()


@pytest.fixture
def page(browser):
    """A tab that records what went wrong in it: script errors, console errors (CSP refusals among
    them) and dialogs (a script that ran)."""
    pg = browser.new_page()
    pg.problems = []
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(f"console: {m.text}"))

    def dialog(d):
        pg.problems.append(f"dialog: {d.message}")
        d.dismiss()

    pg.on("dialog", dialog)
    yield pg
    assert pg.problems == []
    pg.close()


def first_hit(home: Path, q: str) -> dict:
    hits = json.loads(run("--home", str(home), "search", q, "--format", "json").stdout)
    assert hits, q
    return hits[0]


def test_type_a_query_see_the_first_citation_and_the_url_holds_it(site, page, shots):
    home, _, _ = site
    page.goto("/")
    assert page.evaluate("document.activeElement.id") == "q"  # the search box is focused
    page.screenshot(path=shots / "home.png")
    page.keyboard.type("transhumance corridors")  # live: results replace themselves as one types
    want = first_hit(home, "transhumance corridors")["cite"]
    sync_api.expect(page.locator(".hit .cite").first).to_have_text(want)
    sync_api.expect(page).to_have_url("/?q=transhumance+corridors")
    sync_api.expect(page.locator(".facets a", has_text="report")).to_be_visible()  # fetched after the hits
    page.screenshot(path=shots / "results.png")
    # Enter searches too, and the URL is shareable: a reload shows the same, Back the one before
    page.fill("#q", "labour mobility")
    page.press("#q", "Enter")
    other = first_hit(home, "labour mobility")["cite"]
    sync_api.expect(page.locator(".hit .cite").first).to_have_text(other)
    sync_api.expect(page).to_have_url("/?q=labour+mobility")
    page.reload()
    sync_api.expect(page.locator(".hit .cite").first).to_have_text(other)
    assert page.input_value("#q") == "labour mobility"
    page.go_back()
    sync_api.expect(page.locator(".hit .cite").first).to_have_text(want)


def test_copy_the_citation_then_open_its_paragraph_and_the_pdf_at_its_page(site, page, shots):
    home, src, _ = site
    page.goto("/?q=transhumance+corridors")
    hit = first_hit(home, "transhumance corridors")
    assert hit["cite"] == TRANSHUMANCE_CITE and hit["page"] == 2
    button = page.locator(".hit button.copy").first
    button.click()
    sync_api.expect(button).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == hit["cite"]
    page.locator(".hit a.cite").first.click()
    page.wait_for_url("**/show?*")
    sync_api.expect(page.locator("h1.cite")).to_have_text(hit["cite"])
    sync_api.expect(page.locator(".show .passage")).to_have_text(hit["text"])
    sync_api.expect(page.locator(".versions a[hreflang=fr]")).to_be_visible()  # the French version
    page.screenshot(path=shots / "show.png", full_page=True)
    link = page.locator("a.pdf")
    assert link.get_attribute("href") == f"/file/{hit['doc']}#page={hit['page']}"
    pdf = page.request.get(link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body() == (src / "pastoral-mobility.pdf").read_bytes()
    page.locator("button.copy[data-copy]").nth(1).click()  # the citation styles copy too
    assert page.evaluate("navigator.clipboard.readText()") == page.locator(".styles .text").first.inner_text()


def test_scripts_in_queries_and_documents_are_shown_not_run(site, page, shots):
    q = '<script>alert("q")</script><img src=x onerror=alert(1)>'
    page.goto("/?" + __import__("urllib.parse").parse.urlencode({"q": q}))
    assert page.input_value("#q") == q
    page.fill("#q", "apostrophe OR onerror")
    page.press("#q", "Enter")
    sync_api.expect(page.locator(".hit").first).to_be_visible()
    page.locator(".hit a.cite", has_text="para. 1").first.click()
    page.wait_for_url("**/show?*")
    sync_api.expect(page.locator(".show .passage")).to_have_text(HOSTILE.split("\n\n")[0][3:])
    assert page.evaluate("window.pwned") is None
    page.goto("/docs")
    assert page.evaluate("window.pwned") is None
    page.screenshot(path=shots / "docs.png", full_page=True)


def test_readable_on_a_phone(site, page, shots):
    page.set_viewport_size(PHONE)
    for name, path in [
        ("phone-results", "/?q=migration"),
        ("phone-show", "/show?cite=A%2F68%2F190%2C+annex%2C+para.+2"),
    ]:
        page.goto(path)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= PHONE["width"], f"{path} scrolls sideways on a phone ({wide}px)"
        size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main')).fontSize)")
        assert size >= 15
        page.screenshot(path=shots / f"{name}.png", full_page=False)


def test_errors_are_pages_in_the_browser_too(site, page, shots):
    r = page.goto("/show?cite=A%2F68%2F190%2C+annex%2C+para.+99")
    assert r.status == 404
    sync_api.expect(page.locator(".message")).to_contain_text("no paragraph matches the citation")
    page.goto("/")
    page.fill("#q", "year:abc")
    page.press("#q", "Enter")
    sync_api.expect(page.locator(".message")).to_contain_text("year: takes a year or a range")
    page.screenshot(path=shots / "bad-query.png")
    page.problems = [p for p in page.problems if "400" not in p and "404" not in p]  # the browser logs them

"""The HTML reader, through the segmenter: what a reader of the page would cite, and nothing of the
page's furniture."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CORPUS_REAL, needs_shared
from pincite.errors import DocumentError
from pincite.ingest.pipeline import parse_file
from pincite.ingest.readers import html as reader
from pincite.ingest.segment import segment


def units_of(page: str | bytes, content_type: str = ""):
    data = page.encode("utf-8") if isinstance(page, str) else page
    result = reader.read_html(data, "page.html", content_type)
    seg = segment(result, "d", "page.html")
    return seg.meta, seg.units


def texts(units) -> list[str]:
    return [u.text for u in units]


LONG = "The States members of the Regional Conference on Migration reaffirmed their commitment"

PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Declaration of the Conference | Regional Conference on Migration</title>
<meta name="description" content="The declaration adopted in Lima.">
<meta property="article:published_time" content="2013-11-21T10:00:00Z">
<script>var tracking = "SCRIPT TEXT MUST NOT APPEAR";</script>
<style>.x {{ color: red }}</style>
</head><body>
<div id="cookie-banner">We use cookies to improve your experience. Accept all cookies?</div>
<header class="site-header"><a href="/">Home</a> <a href="/about">About us</a></header>
<nav><ul><li><a href="/news">News</a></li><li><a href="/docs">Documents</a></li></ul></nav>
<div class="layout">
  <aside class="sidebar"><p>Related: another declaration that is not part of this page at all.</p></aside>
  <main>
    <h1>Declaration of Lima</h1>
    <p>{LONG} to the protection of the human rights of migrants, whatever their status.</p>
    <h2>Commitments</h2>
    <p>The participants agreed, after long deliberation, on the following commitments, in this order:</p>
    <ol>
      <li>to strengthen cooperation on consular protection;</li>
      <li>to share information on migration flows, in particular:
        <ol type="a"><li>statistics on returns;</li><li>data on unaccompanied children;</li></ol>
      </li>
      <li>to meet again in 2014.</li>
    </ol>
    <ul><li>Costa Rica</li><li>Panama</li></ul>
    <form><input name="q"><button>Search</button></form>
    <div class="share-buttons"><a href="#">Share on Twitter</a></div>
  </main>
</div>
<footer><p>Copyright 2013 Regional Conference on Migration. All rights reserved. Privacy policy.</p></footer>
<script>document.write("MORE SCRIPT TEXT");</script>
</body></html>"""


# ---- main content --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "furniture",
    [
        "SCRIPT TEXT",
        "cookies",
        "About us",
        "Documents",
        "Related:",
        "Copyright",
        "Search",
        "Share on Twitter",
        "color",
    ],
)
def test_furniture_is_not_in_the_units(furniture):
    _, units = units_of(PAGE)
    assert not any(furniture in t for t in texts(units))


def test_main_paragraphs_lists_and_headings():
    meta, units = units_of(PAGE)
    got = [(u.kind, u.ref if u.numbered else f"[{u.ref}]", u.text) for u in units]
    assert got[:2] == [
        ("heading", "[1]", "Declaration of Lima"),
        (
            "paragraph",
            "[1]",
            f"{LONG} to the protection of the human rights of migrants, whatever their status.",
        ),
    ]
    by_text = {u.text: u for u in units}
    assert by_text["to strengthen cooperation on consular protection;"].ref == "1"
    assert by_text["to share information on migration flows, in particular:"].ref == "2"
    assert by_text["statistics on returns;"].ref == "2 a"
    assert by_text["data on unaccompanied children;"].ref == "2 b"
    assert by_text["to meet again in 2014."].ref == "3"
    assert not by_text["Costa Rica"].numbered  # <ul> items are bullets: no printed number
    assert by_text["to meet again in 2014."].headings == ("Declaration of Lima", "Commitments")


def test_metadata_from_the_head():
    meta, _ = units_of(PAGE)
    assert meta["title"] == "Declaration of the Conference | Regional Conference on Migration"
    assert meta["date"] == "2013-11-21"
    assert meta["lang"] == "en"
    assert meta["description"] == "The declaration adopted in Lima."


@pytest.mark.parametrize(
    "attrs, labels",
    [
        ("", ["1.", "2.", "3."]),
        ('start="4"', ["4.", "5.", "6."]),
        ('type="a"', ["a.", "b.", "c."]),
        ('type="i" start="2"', ["ii.", "iii.", "iv."]),
        ('type="A"', ["A.", "B.", "C."]),
        ("reversed", ["3.", "2.", "1."]),
    ],
)
def test_ordered_list_labels(attrs, labels):
    page = f"<html><body><ol {attrs}><li>first item</li><li>second item</li><li>third item</li></ol></body></html>"
    blocks = reader.read_html(page.encode(), "p.html").blocks
    assert [b.label for b in blocks] == labels
    assert [b.text for b in blocks] == ["first item", "second item", "third item"]


def test_li_value_resets_the_counter():
    page = "<html><body><ol><li>one</li><li value='7'>seven</li><li>eight</li></ol><ul><li>dot</li></ul></body></html>"
    blocks = reader.read_html(page.encode(), "p.html").blocks
    assert [(b.label, b.bullet) for b in blocks] == [("1.", False), ("7.", False), ("8.", False), ("", True)]


# ---- notes ---------------------------------------------------------------------------------------------
WIKI = """<html lang="en"><body><div id="content" role="main"><div id="mw-content-text">
<p>Mozilla is a free-software community, created in 1998 by members of Netscape.<sup id="cite_ref-1" class="reference"><a href="#cite_note-1">[1]</a></sup>
The community is supported by the Mozilla Foundation.<sup class="reference"><a href="#cite_note-foundation-2">[2]</a></sup>
Its office opened on the 21<sup>st</sup> of May.<sup class="reference"><a href="#cite_note-1">[1]</a></sup></p>
<h2>References</h2>
<div class="reflist"><ol class="references">
<li id="cite_note-1"><span class="mw-cite-backlink">^ <a href="#cite_ref-1">a</a> <a href="#cite_ref-1b">b</a></span>
 <span class="reference-text">Mozilla Manifesto, mozilla.org, retrieved 2012-03-21.</span></li>
<li id="cite_note-foundation-2"><span class="mw-cite-backlink"><a href="#cite_ref-2">^</a></span>
 <span class="reference-text">About the Mozilla Foundation.</span></li>
</ol></div></div></div></body></html>"""

FN = """<html><body><article>
<p>Le premier rapport<sup><a href="#fn1" id="fnref1" role="doc-noteref">1</a></sup> fut présenté le 1<sup>er</sup> mars.</p>
<p>Le second rapport<a href="#fn2" class="footnote-ref"><sup>2</sup></a> suivit en 2<sup>e</sup> lecture.</p>
<section class="footnotes" role="doc-endnotes"><hr><ol>
<li id="fn1"><p>Document A/68/190, annexe.<a href="#fnref1" class="footnote-back">↩︎</a></p></li>
<li id="fn2"><p>Document A/69/207.<a href="#fnref2" class="footnote-back">↩︎</a></p></li>
</ol></section></article></body></html>"""


WORD = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<meta http-equiv=Content-Type content="text/html; charset=windows-1252"></head>
<body lang=ES><div class=WordSection1>
<p class=MsoNormal>1.&nbsp;&nbsp;La Conferencia Regional sobre Migraci\xf3n se cre\xf3 en 1996.<a href="#_ftn1" name="_ftnref1"
title=""><span class=MsoFootnoteReference><span style='mso-special-character:footnote'><![if !supportFootnotes]>[1]<![endif]></span></span></a></p>
</div><div style='mso-element:footnote-list'><hr align=left size=1 width="33%">
<div style='mso-element:footnote' id=ftn1><p class=MsoFootnoteText><a href="#_ftnref1" name="_ftn1" title=""><span
class=MsoFootnoteReference>[1]</span></a> Tambi\xe9n llamada Proceso Puebla.</p></div></div></body></html>"""


@pytest.mark.parametrize(
    "page, body, calls, notes",
    [
        (
            WIKI,
            "Mozilla is a free-software community, created in 1998 by members of Netscape. The community is "
            "supported by the Mozilla Foundation. Its office opened on the 21st of May.",
            ("1", "2"),
            [
                ("1", "Mozilla Manifesto, mozilla.org, retrieved 2012-03-21."),
                ("2", "About the Mozilla Foundation."),
            ],
        ),
        (
            FN,
            "Le premier rapport fut présenté le 1er mars.",
            ("1",),
            [("1", "Document A/68/190, annexe."), ("2", "Document A/69/207.")],
        ),
    ],
    ids=["wikipedia", "pandoc-fn"],
)
def test_note_calls_and_bodies(page, body, calls, notes):
    _, units = units_of(page)
    paras = [u for u in units if u.kind == "paragraph"]
    assert paras[0].text == body  # calls removed, ordinals (21st, 1er) kept
    assert paras[0].notes == calls
    assert [(u.ref, u.text) for u in units if u.kind == "footnote"] == notes
    assert not any("↩" in u.text or "^" in u.text for u in units)


def test_word_saved_as_html_footnotes():
    """Word's "Save as HTML": calls are `<a href="#_ftn1">[1]</a>` without <sup>, notes sit after the body."""
    _, units = units_of(WORD.encode("cp1252"))
    assert [(u.kind, u.ref, u.text, u.notes) for u in units] == [
        ("paragraph", "1", "La Conferencia Regional sobre Migración se creó en 1996.", ("1",)),
        ("footnote", "1", "También llamada Proceso Puebla.", ()),
    ]


def test_note_list_outside_the_main_container_is_still_read():
    page = f"""<html><body><nav><a href="/">Home</a></nav>
    <article><p>{LONG}, as stated in the Declaration.<sup><a href="#n1">1</a></sup></p></article>
    <div id="notes"><p id="n1">Declaration of Lima, 2013.</p></div></body></html>"""
    _, units = units_of(page)
    assert [(u.kind, u.ref, u.text) for u in units][-1] == ("footnote", "1", "Declaration of Lima, 2013.")
    assert units[0].notes == ("1",)


# ---- encodings and bad input ---------------------------------------------------------------------------
LATIN = "<html><head>{meta}</head><body><p>Declaración de San José sobre la migración</p></body></html>"


@pytest.mark.parametrize(
    "meta, data_encoding, content_type, expected",
    [
        # the HTTP header wins over a wrong <meta>
        ('<meta charset="utf-8">', "latin-1", "text/html; charset=ISO-8859-1", "cp1252"),
        # no header: the <meta> charset
        ('<meta charset="iso-8859-1">', "latin-1", "", "cp1252"),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">',
            "cp1252",
            "text/html",
            "cp1252",
        ),
        # a server's default latin-1 over a page that is UTF-8: UTF-8, not mojibake
        ('<meta charset="utf-8">', "utf-8", "text/html; charset=ISO-8859-1", "utf-8"),
        # a header naming an unknown charset is ignored
        ('<meta charset="utf-8">', "utf-8", "text/html; charset=x-bogus", "utf-8"),
        # XHTML: the XML declaration
        ('<?xml version="1.0" encoding="ISO-8859-15"?>', "iso-8859-15", "", "iso8859-15"),
        # nothing declared: UTF-8 when it decodes, else detection
        ("", "utf-8", "", "utf-8"),
        ("", "latin-1", "", None),
    ],
)
def test_charset_precedence(meta, data_encoding, content_type, expected):
    page = LATIN.format(meta=meta)
    if meta.startswith("<?xml"):
        page = meta + LATIN.format(meta="")
    data = page.encode(data_encoding)
    text, used = reader.decode_html(data, content_type)
    assert "Declaración de San José" in text
    if expected:
        assert used == expected


def test_wrong_meta_charset_falls_back_to_the_bytes():
    """A page that says utf-8 but is latin-1 must not become mojibake or replacement characters."""
    data = LATIN.format(meta='<meta charset="utf-8">').encode("latin-1")
    _, units = units_of(data)
    assert units[0].text == "Declaración de San José sobre la migración"


def test_broken_markup_is_tolerated():
    page = b"<html><body><div><p>First paragraph of the text <b>bold <i>both</b> still italic<p>Second paragraph</div></span></td>"
    _, units = units_of(page)
    assert texts(units) == ["First paragraph of the text bold both still italic", "Second paragraph"]


@pytest.mark.parametrize(
    "data, why",
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj", "a PDF"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "a PNG image"),
        (bytes(range(256)) * 8, "binary"),
        (b"   ", "empty"),
    ],
)
def test_non_html_bytes_are_refused(data, why):
    with pytest.raises(DocumentError) as e:
        reader.read_html(data, "blob.html", "text/html")
    assert why in e.value.reason


def test_line_breaks_and_pre():
    page = """<html><body><div>First line of an address<br>Second line of it<br><br>A new paragraph after two breaks</div>
    <pre>A preformatted paragraph
that wraps over two lines.

A second preformatted paragraph.</pre></body></html>"""
    _, units = units_of(page)
    assert texts(units) == [
        "First line of an address Second line of it",
        "A new paragraph after two breaks",
        "A preformatted paragraph that wraps over two lines.",
        "A second preformatted paragraph.",
    ]


def test_table_cells_are_units_not_headings():
    page = f"""<html><body><article><h2>Participants</h2><table>
    <tr><th>Country</th><th>Delegation</th></tr>
    <tr><td>Guatemala</td><td>Ministry of Foreign Affairs</td></tr></table>
    <p>{LONG} to the list of participants above, which the secretariat will keep.</p></article></body></html>"""
    _, units = units_of(page)
    assert [(u.kind, u.text) for u in units][:5] == [
        ("heading", "Participants"),
        ("paragraph", "Country"),
        ("paragraph", "Delegation"),
        ("paragraph", "Guatemala"),
        ("paragraph", "Ministry of Foreign Affairs"),
    ]
    assert units[-1].headings == ("Participants",)


def test_end_to_end_through_the_pipeline(tmp_path: Path):
    path = tmp_path / "declaration.html"
    path.write_bytes(PAGE.encode("utf-8"))
    meta, units = parse_file(path, "declaration.html", "decl")
    assert meta["fmt"] == "html"
    assert meta["title"].startswith("Declaration of the Conference")
    assert any(u.ref == "2 a" and u.numbered for u in units)
    assert all(u.doc == "decl" for u in units)


@pytest.mark.parametrize(
    "n, fmt, word, printed",
    [
        (4, "i", False, "iv"),
        (1994, "I", False, "MCMXCIV"),
        (27, "a", False, "aa"),  # a browser counts aa, ab…
        (28, "a", False, "ab"),
        (28, "lowerLetter", True, "bb"),  # Word counts aa, bb…
        (3, "decimalZero", True, "03"),
        (3, "bullet", True, ""),
        (2, "chicago", True, "†"),  # Word's note marks
        (5, "chicago", True, "**"),
    ],
)
def test_counters(n, fmt, word, printed):
    from pincite.ingest.readers.counters import format_number

    assert format_number(n, fmt, word) == printed


# ---- robustness ----------------------------------------------------------------------------------------

FRAGMENTS = ["<p>", "</p>", "<div class='nav'>", "</div>", "<ol start='x'>", "<li value='q'>", "</li>", "<br>",
             "<sup><a href='#n'>1</a></sup>", "<li id='n'>", "<table><tr><td>", "<pre>", "<h2>", "&amp;", "&#0;",
             "<!--", "-->", "<script>", "<article>", "text with words, ", "Déclaration ", "\x00", "<a href='#'>"]  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(FRAGMENTS), max_size=40),
    st.sampled_from(["", "text/html; charset=utf-8", "text/html; charset=bogus"]),
)
def test_any_markup_reads_or_fails_cleanly(parts, content_type):
    """Tag soup never crashes the reader: blocks, or a DocumentError that says why."""
    data = ("<html><body>" + "".join(parts)).encode("utf-8")
    try:
        result = reader.read_html(data, "soup.html", content_type)
    except DocumentError:
        return
    for b in result.blocks:
        assert b.text.strip()
        assert all(0 <= off <= len(b.text) for off, _ in b.calls)


def test_paragraphs_inside_a_list_item_or_a_note_stay_one_unit():
    page = f"""<html><body><article><ol>
    <li><p>{LONG}.</p><p>They also recalled the Declaration.<sup><a href="#fn1">1</a></sup></p>
      <ol type="a"><li>first sub-item;</li><li>second sub-item.</li></ol></li>
    <li><p>The second numbered paragraph of the declaration.</p></li></ol>
    <ol class="footnotes"><li id="fn1"><p>Adopted in 2013.</p><p>See also the annex.</p></li></ol>
    </article></body></html>"""
    _, units = units_of(page)
    assert [(u.kind, u.ref, u.text) for u in units] == [
        ("paragraph", "1", f"{LONG}. They also recalled the Declaration."),
        ("paragraph", "1 a", "first sub-item;"),
        ("paragraph", "1 b", "second sub-item."),
        ("paragraph", "2", "The second numbered paragraph of the declaration."),
        ("footnote", "1", "Adopted in 2013. See also the annex."),
    ]
    assert units[0].notes == ("1",)


@pytest.mark.parametrize(
    "wrapper, kept",
    [
        ('<div class="col-md-8 hidden-xs">', True),  # hidden on phones only: still the content
        ('<div class="d-none d-md-block">', True),
        ('<div class="hidden">', False),
        ('<div class="related-links">', False),
        ('<div class="comments">', False),
        ('<div id="CybotCookiebotDialog">', False),
    ],
)
def test_furniture_classes(wrapper, kept):
    main = "".join(f"<p>{LONG}, paragraph {i} of the declaration.</p>" for i in range(3))
    page = f"<html><body><div>{main}</div>{wrapper}<p>{LONG}, said the Chair of the meeting today.</p></div></body></html>"
    _, units = units_of(page)
    assert any("said the Chair" in t for t in texts(units)) is kept
    assert sum("paragraph" in t for t in texts(units)) == 3


def test_an_asp_net_form_around_the_whole_page_is_not_furniture():
    page = f"""<html><body><form id="aspnetForm" action="page.aspx"><input type="hidden" name="__VIEWSTATE">
    <div class="menu"><a href="/">Home</a></div><div id="content"><h1>Resolution</h1>
    <p>{LONG}, as the Permanent Council resolved.</p><p>{LONG}, and so on.</p></div>
    <input type="submit" value="Search"></form></body></html>"""
    _, units = units_of(page)
    assert [u.text for u in units] == [
        "Resolution",
        f"{LONG}, as the Permanent Council resolved.",
        f"{LONG}, and so on.",
    ]


def test_a_wrapper_named_like_an_advert_that_holds_the_page_is_kept():
    page = f"""<html><body><div><p>{LONG} with other words to be a real paragraph.</p></div>
    <div id="ad-portal"><p>{LONG}, said the Chair of the meeting today.</p><p>{LONG}, all agreed.</p></div></body></html>"""
    _, units = units_of(page)
    assert len(units) == 3


def test_a_table_laying_out_numbered_paragraphs_gives_numbered_units():
    page = f"""<html><body><article><p>The General Assembly,</p><table>
    <tr><td>1.</td><td>{LONG};</td></tr>
    <tr><td>2.</td><td>Urges the member states:</td></tr>
    <tr><td>(a)</td><td><p>to ratify the Convention;</p></td></tr>
    <tr><td></td><td>Country</td></tr></table></article></body></html>"""
    _, units = units_of(page)
    assert [(u.ref, u.numbered, u.text) for u in units][1:4] == [
        ("1", True, f"{LONG};"),
        ("2", True, "Urges the member states:"),
        ("2 (a)", True, "to ratify the Convention;"),
    ]


def test_binary_blob_named_html_fails_cleanly_through_the_pipeline(tmp_path: Path):
    path = tmp_path / "page.html"
    path.write_bytes(bytes(range(256)) * 16)
    with pytest.raises(DocumentError) as e:
        parse_file(path, "page.html", "d")
    assert "not HTML" in e.value.reason


@needs_shared
def test_wikipedia_references_become_footnotes():
    """On the real Wikipedia page: calls leave the text, every called note has its footnote unit."""
    data = (CORPUS_REAL / "html/readability_testpages/wikipedia__source.html").read_bytes()
    seg = segment(reader.read_html(data, "wikipedia.html"), "w", "wikipedia.html")
    paras = [u for u in seg.units if u.kind == "paragraph"]
    notes = {u.ref: u for u in seg.units if u.kind == "footnote"}
    lead = next(u for u in paras if u.text.startswith("Mozilla is a free-software community"))
    assert lead.notes == ("1", "2")
    assert "[1]" not in lead.text and "exceptions.[" not in lead.text
    assert notes["1"].text.startswith("For exceptions, see")
    called = {n for u in paras for n in u.notes}
    assert called <= set(notes)
    assert len(notes) == len(called) == 72
    assert not any(u.text.startswith("^") for u in notes.values())


def test_deep_nesting_is_read_in_linear_time():
    """bs4 turns a missing attribute into a subtree search: a deep page must not cost the square of its
    depth. Measured as a ratio (10x the depth may cost at most ~30x the time, where quadratic work costs
    100x), so that a loaded machine does not fail it."""
    import time

    def cost(depth: int) -> float:
        page = "<html><body>" + "<div>" * depth + f"<p>{LONG}.</p>" + "</div>" * depth + "</body></html>"
        started = time.perf_counter()
        blocks = reader.read_html(page.encode(), "deep.html").blocks
        assert [b.text for b in blocks] == [f"{LONG}."]
        return time.perf_counter() - started

    cost(400)  # warm the parser
    small = min(cost(400) for _ in range(3))
    large = min(cost(4000) for _ in range(2))
    assert large < 30 * small + 0.5, (small, large)


def test_a_long_page_with_many_notes_reads_in_linear_time():
    """Thousands of paragraphs and notes (a long report): no search of the page per note or per element.
    Measured as a ratio (four times the notes must not take sixteen times as long), so a loaded machine
    does not make it fail: the quadratic version took 15 s for 2,000 notes."""
    import time

    def page(n: int) -> bytes:
        body = "".join(
            f"<p>Paragraph {i} of the report on migration.<sup><a href='#fn{i}'>{i}</a></sup></p>"
            for i in range(1, n + 1)
        )
        notes = "".join(f"<li id='fn{i}'>Document A/68/{i}.</li>" for i in range(1, n + 1))
        return f"<html><body><article>{body}<ol class='footnotes'>{notes}</ol></article></body></html>".encode()

    def timed(n: int) -> tuple[float, list]:
        started = time.process_time()
        blocks = reader.read_html(page(n), "long.html").blocks
        return time.process_time() - started, blocks

    small, _ = min((timed(500) for _ in range(2)), key=lambda t: t[0])
    big, blocks = timed(2000)
    n = 2000
    assert big < 9 * max(small, 0.02)  # linear: about 4x; quadratic: 16x
    assert sum(1 for b in blocks if b.note) == n
    assert blocks[n - 1].calls == ((len(blocks[n - 1].text), str(n)),)


def test_notes_without_links():
    """Pages converted from Word or PDF: <sup>2</sup> after text calls the paragraph opening with <sup>2</sup>;
    an exponent with no such note stays text."""
    page = f"""<html><body><article>
    <p>{LONG}.<sup>2</sup> The budget was 10<sup>6</sup> dollars.</p>
    <p><sup>2</sup> Declaration of Lima, 2013.</p></article></body></html>"""
    _, units = units_of(page)
    assert [(u.kind, u.ref, u.text, u.notes) for u in units] == [
        ("paragraph", "1", f"{LONG}. The budget was 106 dollars.", ("2",)),
        ("footnote", "2", "Declaration of Lima, 2013.", ()),
    ]


def test_a_declared_language_travels_to_the_unit():
    page = f"""<html lang="en"><body><article><p>{LONG}, in English as the page is.</p>
    <blockquote lang="es-MX"><p>Los Estados miembros reafirmaron su compromiso con la protección de los migrantes.</p></blockquote>
    </article></body></html>"""
    meta, units = units_of(page)
    assert meta["lang"] == "en"
    assert [u.lang for u in units] == ["en", "es"]


@pytest.mark.parametrize(
    "notes_html",
    [
        '<p><a name="n1">1</a>. Declaration of Lima, 2013.</p>',  # an old-style anchor with the mark
        '<p id="n1">[1] Declaration of Lima, 2013.</p>',
        '<dl><dt id="n1">1</dt><dd>Declaration of Lima, 2013.</dd></dl>',
    ],
    ids=["anchor", "bracket", "dl"],
)
def test_note_bodies_lose_their_printed_mark(notes_html):
    page = f"""<html><body><article><p>{LONG}.<sup><a href="#n1">1</a></sup></p>
    <div class="notes">{notes_html}</div></article></body></html>"""
    _, units = units_of(page)
    assert [(u.kind, u.ref, u.text) for u in units][-1] == ("footnote", "1", "Declaration of Lima, 2013.")


def test_calls_that_look_alike_are_each_a_call():
    """Two identical-looking calls (<sup><a href="#n1">1</a></sup> twice) are two calls of one note."""
    page = f"""<html><body><article><p>{LONG}.<sup><a href="#n1">1</a></sup> Again.<sup><a href="#n1">1</a></sup></p>
    <ol><li id="n1">Declaration of Lima.<sup><a href="#n1">1</a></sup></li></ol></article></body></html>"""
    _, units = units_of(page)
    assert units[0].text == f"{LONG}. Again."
    assert units[-1].kind == "footnote" and units[-1].text.startswith("Declaration of Lima.")

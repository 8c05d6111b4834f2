"""HTML pages: the main content only, as blocks with layout hints.

A web page is mostly furniture (navigation, headers, footers, cookie banners, share buttons, related
links); a policy text is one container in it. The extraction cascade, in one place (`main_container`):

1. drop what is never content: scripts, styles, forms, navigation, hidden elements, and elements whose
   tag, ARIA role, class or id says boilerplate (`BOILERPLATE_RE`), unless they hold the page's text;
2. bound the search by a semantic container if the page declares one that holds most of the page's
   paragraph text: `<article>` (the largest), `[itemprop=articleBody]`, `<main>`, `[role=main]`;
3. inside it (or the body), the best-scored container (readability's scoring: each paragraph credits
   its parent and, less, its grandparents with its length and commas; a container's score is scaled
   down by its link density and up by a class or id that says content), widened to its parent while
   the parent holds clearly more paragraph text, and joined by sibling containers that hold paragraphs;
4. otherwise the semantic container, or `<body>`.

Inside the container, headings give the section path, and `p`, `li`, `blockquote`, `dd`, `dt`, table
cells and `pre` give blocks. A table row whose first cell holds only "1." or "(a)" is one numbered
paragraph; the paragraphs of one list item or one note run on as one block. `<ol>` items carry their
computed label (`start`, `type`, `value`, `reversed`) in `Block.label`; `<ul>` items are bullets.

Notes: a `<sup>` (or a `doc-noteref` link, or Word's `#_ftn1` link) that links to an element of the page
is a note call: it leaves the text and becomes `Block.calls`, and the element it links to (a Wikipedia
`ol.references` item, a `#fn1` footnote) becomes the note body `Block.note`. Without links, a paragraph
that opens with `<sup>2</sup>` is note 2 and a `<sup>2</sup>` after text calls it. Superscript ordinals
(`1<sup>er</sup>`, `21<sup>st</sup>`) and exponents stay text.

Encoding: a byte-order mark, then the declared HTTP charset (`read_html(content_type=...)`), then
`<meta charset>` / `http-equiv`, then an XHTML `<?xml encoding?>`, then UTF-8, then detection. A declared
legacy single-byte charset over bytes that are valid UTF-8 (a server default) gives way to UTF-8. Bytes
that are not text are refused with a `DocumentError` rather than indexed as garbage.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from pincite.errors import DocumentError
from pincite.ingest.blocks import CELL, HARD, PAGE, Block, ReadResult
from pincite.ingest.readers import charset_from_content_type
from pincite.ingest.readers.counters import as_label, format_number, label_only
from pincite.ingest.readers.text import blocks_from_text

PARSER = "lxml"  # pinned: html.parser and html5lib build different trees from the same broken markup

# ---- what is never content ---------------------------------------------------------------------------
DROP_TAGS = {
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "video",
    "audio", "map", "form", "button", "input", "select", "textarea", "label", "nav", "aside", "dialog",
    "menu", "link", "meta", "head", "title",
}  # fmt: skip
DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog", "menu",
              "menubar", "toolbar", "tablist", "alert"}  # fmt: skip
# class / id words that mark furniture (matched as whole words of the class or id, split on - _ space)
BOILERPLATE_WORDS = (
    "nav navbar navigation menu breadcrumb breadcrumbs footer site-footer sidebar side-bar widget widgets "
    "cookie cookies consent gdpr banner advert advertisement ad ads adsense sponsor sponsored promo "
    "newsletter subscribe subscription social share sharing shares sharebar related recommended "
    "recommendations outbrain taboola comment comments disqus popup modal overlay skip skiplink "
    "editsection mw-editsection navbox vertical-navbox catlinks printfooter mw-jump-link noprint "
    "toc masthead site-header paywall signup login byline-share tools toolbar pagination pager tags "
    "hidden visually-hidden sr-only screen-reader-text offscreen hatnote"
).split()
BOILERPLATE_RE = re.compile(
    r"(?:^|[\s_-])(?:"
    + "|".join(re.escape(w) for w in sorted(BOILERPLATE_WORDS, key=len, reverse=True))
    + r")(?:$|[\s_-])",
    re.I,
)
# consent managers name their banners in camel case ("CybotCookiebotDialog"): matched anywhere
CONSENT_RE = re.compile(r"cookie|consent|gdpr|onetrust|cookiebot|didomi|usercentrics", re.I)
# class / id words that mark the content (readability's positive list)
POSITIVE_RE = re.compile(
    r"article|body|content|entry|hentry|main|page|post|text|blog|story|reflist|references|footnotes", re.I
)
# containers a note list may live in: never dropped as boilerplate
NOTE_LIST_RE = re.compile(r"reflist|references|footnotes|endnotes|notes", re.I)

BLOCK_TAGS = {
    "p", "li", "blockquote", "dd", "dt", "td", "th", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "div",
    "section", "article", "main", "header", "footer", "ul", "ol", "dl", "table", "tr", "tbody", "thead",
    "tfoot", "figure", "figcaption", "caption", "address", "hr", "center", "details", "summary", "body",
    "html",
}  # fmt: skip
RUN_ON_TAGS = {"p", "div", "blockquote", "section"}  # inside an <li> or a note: line breaks, not new blocks
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
PARAGRAPH_TAGS = ("p", "li", "pre", "blockquote", "dd", "td")

# A note call's visible text: "1", "[1]", "(a)", "*", "†", "12".
CALL_TEXT_RE = re.compile(r"^[\[(]?\s*([0-9]{1,4}|[a-zA-Z]{1,2}|[ivxlc]{1,6}|\*{1,3}|[†‡§¶])\s*[\])]?$")
PAGE_FOOT_RE = re.compile(r"\[Page \d+\]$|^- ?\d+ ?-$|^Page \d+( of \d+)?$", re.I)
BACKLINK_TEXT = {"^", "↑", "↩", "↩︎", "⤴", "back"}


# ---- encoding -----------------------------------------------------------------------------------------
BOMS = [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")]
XML_ENCODING_RE = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")  # XHTML
META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
# WHATWG: these labels mean windows-1252 in a browser, and pages rely on it (curly quotes in "latin-1").
WHATWG_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252",
                  "ascii": "cp1252", "iso8859-1": "cp1252", "l1": "cp1252", "x-user-defined": "cp1252"}  # fmt: skip
BINARY_MAGIC = [
    (b"%PDF-", "a PDF"), (b"PK\x03\x04", "a ZIP archive"), (b"\x89PNG", "a PNG image"), (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"), (b"\x1f\x8b", "gzip-compressed data"), (b"\xd0\xcf\x11\xe0", "an OLE file (old Word/Excel)"),
]  # fmt: skip


SINGLE_BYTE = {"cp1252", "iso8859-1", "iso8859-15", "latin-1", "ascii"}


def _is_utf8(data: bytes) -> bool:
    """Valid UTF-8 with some non-ASCII text (pure ASCII decodes the same in every declared charset)."""
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _codec(label: str) -> str:
    import codecs

    label = label.strip().lower()
    label = WHATWG_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return ""


def check_binary(data: bytes, name: str) -> None:
    """Refuse bytes that are not text (a PDF or image served as text/html), before they become garbage."""
    for magic, what in BINARY_MAGIC:
        if data.lstrip()[: len(magic)] == magic:
            raise DocumentError(name or "input", f"not HTML: the bytes are {what}")
    sample = data[:8192]
    if not sample.strip():
        raise DocumentError(name or "input", "empty HTML document")
    if any(sample.startswith(bom) for bom, enc in BOMS if enc.startswith("utf-16")):
        return
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in sample or controls / len(sample) > 0.02:
        raise DocumentError(name or "input", "not HTML: the bytes are binary data, not text")


def decode_html(data: bytes, content_type: str = "") -> tuple[str, str]:
    """(text, encoding used). Precedence: BOM, HTTP charset, <meta> charset, the XML declaration (XHTML),
    UTF-8, detection. A declaration the bytes do not decode in is skipped."""
    for bom, enc in BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="replace"), enc
    candidates = [charset_from_content_type(content_type)]
    for pattern in (META_CHARSET_RE, XML_ENCODING_RE):
        m = pattern.search(data[:8192])
        candidates.append(m.group(1).decode("ascii", "ignore") if m else "")
    for label in candidates:
        enc = _codec(label) if label else ""
        if enc and not enc.startswith("utf-16"):  # a <meta> saying utf-16 in ASCII bytes is a lie
            if enc in SINGLE_BYTE and _is_utf8(data):
                # A server's default "ISO-8859-1" over a UTF-8 page: a legacy single-byte text is almost
                # never valid UTF-8 with non-ASCII letters by accident, and decoding it as declared
                # would index mojibake ("MigraciÃ³n").
                return data.decode("utf-8"), "utf-8"
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                pass  # the declaration is wrong: try the next source
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return str(best), best.encoding
    return data.decode("cp1252", errors="replace"), "cp1252"


# ---- cleaning and the main container ------------------------------------------------------------------
# CSS-framework classes that hide or show by screen size ("hidden-xs", "d-none d-md-block"), not furniture
RESPONSIVE_RE = re.compile(
    r"^(?:hidden|visible|d|show|hide)-(?:xs|sm|md|lg|xl|xxl|print|phone|tablet|desktop)\b"
)


def _words(tag: Tag) -> str:
    """A tag's class names and id, the words boilerplate patterns are matched against."""
    cls = tag.get("class") or []
    if isinstance(cls, str):
        cls = cls.split()
    cls = [c for c in cls if not RESPONSIVE_RE.match(c)]
    return " ".join([*cls, str(tag.get("id") or "")])


def _is_hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true":
        return True
    style = str(tag.get("style", "")).replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _holds_content(tag: Tag, mass: TextMass, total: int) -> bool:
    """Does a furniture-looking element hold the page's content (a layout wrapper named "ad-portal")?"""
    if tag.find(["article", "main"]) is not None or tag.find(attrs={"role": "main"}) is not None:
        return True
    return total > 0 and mass(tag) > 0.5 * total


def _is_boilerplate(tag: Tag, mass: TextMass, total: int) -> bool:
    if tag.name in ("html", "body", "main", "article"):
        return False
    if tag.name in DROP_TAGS and tag.name != "form":
        return True
    if str(tag.get("role", "")).lower() in DROP_ROLES:
        return True
    words = _words(tag)
    if NOTE_LIST_RE.search(words) or tag.get("itemprop") == "articleBody":
        return False
    if _is_hidden(tag):
        return True
    furniture = BOILERPLATE_RE.search(words) or CONSENT_RE.search(words)
    if words.strip() and furniture and not _holds_content(tag, mass, total):
        return True
    if tag.name == "header" and not tag.find(["h1", "h2"]):
        return True  # a site header (logo, menu); an article's header holds its title
    if tag.name == "footer" and not tag.find_parent(["article"]):
        return True
    return False


def _inside(el: Tag, ancestor: Tag) -> bool:
    """Is `el` inside `ancestor`? By identity: `x in tag.parents` compares tags by their markup (bs4's
    __eq__), so two equal-looking calls would be taken for one another."""
    return any(a is ancestor for a in el.parents)


def _gone(tag: Tag) -> bool:
    """Was `tag` removed (itself or with an ancestor)? Read from its __dict__: bs4's `decomposed` property
    and any missing attribute fall back to `tag.find(...)`, a search of the whole subtree each time."""
    d = tag.__dict__
    return bool(d.get("_decomposed")) or d.get("parent") is None


def clean(soup: BeautifulSoup) -> None:
    """Remove comments and every element that is furniture, in place."""
    for c in soup.find_all(string=lambda s: isinstance(s, Comment)):
        c.extract()
    for tag in soup.find_all(DROP_TAGS - {"form"}):
        if not _gone(tag) and tag.name not in ("html", "body"):
            tag.decompose()
    root = soup.body or soup
    mass = TextMass(root)  # counted before removals: "most of the page" means of the page as served
    total = mass(root)
    for tag in soup.find_all("form"):  # ASP.NET pages wrap the whole page in one <form>
        if not _gone(tag) and not _holds_content(tag, mass, total):
            tag.decompose()
    for tag in list(soup.find_all(True)):
        if _gone(tag):
            continue
        if _is_boilerplate(tag, mass, total):
            tag.decompose()


def _text_len(tag: Tag) -> int:
    return len(" ".join(tag.get_text(" ").split()))


def link_density(tag: Tag) -> float:
    total = _text_len(tag)
    if not total:
        return 0.0
    linked = sum(_text_len(a) for a in tag.find_all("a"))
    return min(1.0, linked / total)


class TextMass:
    """Characters of paragraph text (paragraphs that are not mostly links) under every element of a
    subtree, counted in one pass. Counting again for each element asked made the cascade quadratic on long
    pages (thousands of paragraphs and notes)."""

    def __init__(self, root: Tag) -> None:
        self._mass: dict[int, int] = {}
        self._alive: list[Tag] = []  # the counted elements, kept so that their id() stay theirs
        own = [root] if root.name in PARAGRAPH_TAGS else []
        for p in own + root.find_all(PARAGRAPH_TAGS):
            if p.find(PARAGRAPH_TAGS):
                continue  # count the innermost paragraph only
            t = _text_len(p)
            if t < 25 or link_density(p) >= 0.5:
                continue
            node: Tag | None = p
            while node is not None:
                if id(node) not in self._mass:
                    self._alive.append(node)
                self._mass[id(node)] = self._mass.get(id(node), 0) + t
                node = None if node is root else node.parent

    def __call__(self, tag: Tag) -> int:
        return self._mass.get(id(tag), 0)


def score_candidates(root: Tag) -> dict[int, tuple[float, Tag]]:
    """Readability's scoring: each paragraph credits its ancestors; links and class words adjust."""
    scores: dict[int, tuple[float, Tag]] = {}
    for p in root.find_all(PARAGRAPH_TAGS):
        if p.find(PARAGRAPH_TAGS):
            continue
        text = " ".join(p.get_text(" ").split())
        if len(text) < 25:
            continue
        s = 1 + text.count(",") + text.count("،") + min(len(text) // 100, 3)
        for depth, anc in enumerate(p.parents):
            if depth > 2 or anc is None or anc.name in ("html", "[document]"):
                break
            if anc is not root and not _inside(anc, root):
                break  # above the region being searched
            if id(anc) not in scores:
                base = 0.0
                words = _words(anc)
                if POSITIVE_RE.search(words):
                    base += 25  # (no malus for furniture words: what still has them holds the content)
                if anc.name in ("article", "main", "section", "div"):
                    base += 5
                scores[id(anc)] = (base, anc)
            old, tag = scores[id(anc)]
            scores[id(anc)] = (old + s / (1 if depth == 0 else 2 * depth), tag)
    return {k: (v * (1 - link_density(t)), t) for k, (v, t) in scores.items()}


def with_siblings(top: Tag, region: Tag, mass: TextMass) -> Tag:
    """The best container and its siblings that are content too (readability's sibling pass).

    Text split over sibling containers (a first paragraph in its own `<div>`) belongs together: when a
    sibling holds a real paragraph that is not mostly links, take the parent, without the siblings that
    hold neither a paragraph nor a heading. Never beyond `region`.
    """
    parent = top.parent
    if top is region or parent is None or top.name == "body" or parent.name in ("html", "[document]"):
        return top
    siblings = [c for c in parent.find_all(True, recursive=False) if c is not top]

    def content(tag: Tag) -> bool:
        return mass(tag) >= 80 and link_density(tag) < 0.3

    if not any(content(c) for c in siblings):
        return top
    for c in siblings:
        if not content(c) and c.name not in HEADINGS and not c.find(list(HEADINGS)):
            c.decompose()
    return parent


def best_scored(region: Tag, mass: TextMass) -> Tag | None:
    """The best-scored container inside `region` (step 3), or None when no container stands out."""
    total = mass(region)
    scores = score_candidates(region)
    if not scores:
        return None
    _, top = max(scores.values(), key=lambda st: st[0])
    # A parent whose other children are paragraphs too holds the whole text: climb while the parent has
    # clearly more paragraph text than the candidate.
    while top is not region and top.parent is not None:
        if mass(top.parent) > 1.4 * mass(top) and link_density(top.parent) < 0.35:
            top = top.parent
        else:
            break
    if total and mass(top) < 0.3 * total:
        return None
    return with_siblings(top, region, mass)


def main_container(soup: BeautifulSoup, semantic: bool = True) -> tuple[Tag, str]:
    """The element holding the main content, and which rules of the cascade chose it.

    A semantic container (`<article>`, `<main>`…) bounds the search; the scorer then finds the text
    inside it, because templates put share bars, captions and teasers inside `<main>` and `<article>`
    too. `semantic=False` skips the semantic step, to measure the scorer alone (evaluate_html).
    """
    body = soup.body or soup
    mass = TextMass(body)
    region, rule = body, ""
    if semantic:
        total = mass(body)
        candidates: list[tuple[str, list[Tag]]] = [
            ("article", soup.find_all("article")),
            ("articleBody", soup.find_all(attrs={"itemprop": "articleBody"})),
            ("main", soup.find_all("main")),
            ("role=main", soup.find_all(attrs={"role": "main"})),
        ]
        for name, tags in candidates:
            if not tags:
                continue
            best = max(tags, key=mass)
            if total and mass(best) >= 0.5 * total:
                region, rule = best, name
                break
    top = best_scored(region, mass)
    if top is not None:
        return top, f"{rule}+scored" if rule else "scored"
    return region, rule or "body"


# ---- notes ---------------------------------------------------------------------------------------------
def _call_target(sup: Tag) -> str:
    """The id a note call links to, or "" when this element is not a note call."""
    a = sup if sup.name == "a" else sup.find("a", href=True)
    if a is None:
        return ""
    href = str(a.get("href", ""))
    if "#" not in href:
        return ""
    return href.split("#", 1)[1]


@dataclass
class NoteLinks:
    """The page's note calls and the elements holding their texts.

    Elements are kept (not only their id()) so that the ids stay unique while the tree is edited.
    """

    calls: dict[int, tuple[str, str, Tag]] = field(default_factory=dict)  # id(call) → (label, target, call)
    bodies: dict[int, tuple[str, Tag]] = field(default_factory=dict)  # id(body) → (label, body)
    by_target: dict[str, tuple[str, Tag]] = field(default_factory=dict)  # target id → (label, copy of body)


def find_notes(soup: BeautifulSoup) -> NoteLinks:
    """Note calls and note bodies.

    A call is a `<sup>` whose link points into the page, an `<a role=doc-noteref>` / `a.footnote-ref`, or
    a Word-exported `<a href="#_ftn1">` (or, without links, see `unlinked_notes`); its label is the
    visible text without brackets. The body is the
    element the link points to or, when that is an anchor, the block around it. Links to headings, and
    links whose text is not a short label, are not notes.
    """
    notes = NoteLinks()
    anchors: dict[str, Tag] = {}  # id or name → element: one pass, not a search of the page per call
    for tag in soup.find_all(attrs={"name": True}):
        if tag.name == "a":
            anchors.setdefault(str(tag["name"]), tag)
    for tag in soup.find_all(id=True):
        anchors[str(tag["id"])] = tag  # an id wins over a name
    candidates = soup.find_all("sup") + soup.find_all("a", attrs={"role": "doc-noteref"})
    candidates += soup.find_all("a", class_=re.compile(r"footnote-ref|footnoteRef|fnref|noteref", re.I))
    candidates += soup.find_all("a", href=re.compile(r"^#_(?:ftn|edn)\d+$"))  # Word's "Save as HTML"
    for el in candidates:
        sup = el.find_parent("sup") if el.name == "a" else None
        if id(el) in notes.calls or (sup is not None and id(sup) in notes.calls):
            continue
        target = _call_target(el)
        if not target:
            continue
        label_m = CALL_TEXT_RE.match(" ".join(el.get_text("").split()))
        if not label_m:
            continue
        dest = anchors.get(target)
        if dest is None or dest.name in HEADINGS or dest is el or _inside(el, dest):
            continue
        body = _note_body(dest)
        if body.name in ("body", "html", "main", "article") or _inside(el, body):
            continue
        label = notes.by_target[target][0] if target in notes.by_target else label_m.group(1)
        if target not in notes.by_target:
            # a copy: the body may sit in a part of the page that cleaning removes (a footer)
            notes.by_target[target] = (label, copy.copy(body))
            notes.bodies[id(body)] = (label, body)
        notes.calls[id(el)] = (label, target, el)
    unlinked_notes(soup, notes)
    return notes


def _text_before(el: Tag, block: Tag) -> bool:
    """Does some text of `block` come before `el`? (Walks back from `el`: stops at the first text.)"""
    for node in el.previous_elements:
        if node is block:
            return False
        if isinstance(node, NavigableString) and not isinstance(node, Comment) and node.strip():
            return True
    return False


def unlinked_notes(soup: BeautifulSoup, notes: NoteLinks) -> None:
    """Notes without links, as pages converted from Word or PDF have them: a paragraph that opens with a
    superscript number is the body of that note, and the same number in superscript after some text is
    its call. A superscript number with no such note (10<sup>6</sup>) stays text."""
    marks: dict[str, tuple[Tag, Tag]] = {}  # label → (the <sup> opening the note, the note's block)
    inline: list[tuple[Tag, str]] = []
    for sup in soup.find_all("sup"):
        if id(sup) in notes.calls or sup.find("a") is not None:
            continue
        label = " ".join(sup.get_text("").split())
        block = sup.find_parent(["p", "li", "dd", "div", "td"])
        if not re.fullmatch(r"\d{1,3}", label) or block is None:
            continue
        if _text_before(sup, block):
            inline.append((sup, label))
        elif label not in marks and _text_len(block) < 3000:
            marks[label] = (sup, block)
    called = {label for _, label in inline if label in marks}
    for label in called:
        sup, block = marks[label]
        sup.extract()  # the mark is the note's label, not its text
        target = f"sup-note-{label}"
        notes.by_target[target] = (label, copy.copy(block))
        notes.bodies[id(block)] = (label, block)
    for sup, label in inline:
        if label in called:
            notes.calls[id(sup)] = (label, f"sup-note-{label}", sup)


def _note_body(dest: Tag) -> Tag:
    """The element holding a note's text: the target itself, the block around an anchor, or the `<dd>`
    after a `<dt>` that holds the mark."""
    if dest.name == "dt":
        dd = dest.find_next_sibling(True)
        return dd if dd is not None and dd.name == "dd" else dest
    if dest.name in ("a", "span", "sup", "b", "i", "em", "strong"):
        block = dest.find_parent(["li", "p", "div", "dd", "td", "section"])
        return block or dest
    return dest


def _is_backlink(tag: Tag) -> bool:
    words = _words(tag)
    if re.search(r"cite-backlink|footnote-back|fnback|backref|reversefootnote", words, re.I):
        return True
    if str(tag.get("role", "")) == "doc-backlink":
        return True
    if tag.name == "a" and re.match(r"#(cite_ref|fnref|ref|_ftnref|_ednref)", str(tag.get("href", ""))):
        return True
    return tag.name == "a" and tag.get_text(strip=True) in BACKLINK_TEXT


# ---- walking the tree into blocks ----------------------------------------------------------------------
@dataclass
class _Buf:
    """Inline content of the block being built: text pieces, line breaks and note calls."""

    parts: list[tuple[str, str]] = field(default_factory=list)

    def text(self, s: str) -> None:
        self.parts.append(("t", s))

    def br(self) -> None:
        self.parts.append(("br", ""))

    def call(self, label: str) -> None:
        self.parts.append(("call", label))

    def render(self, pre: bool = False) -> tuple[str, tuple[tuple[int, str], ...], bool]:
        """Collapse white space as a browser does; calls keep their offsets in the final text."""
        out = ""
        calls: list[tuple[int, str]] = []
        hard = False
        for kind, val in self.parts:
            if kind == "t":
                s = val if pre else re.sub(r"[ \t\r\n\f\u200b]+", " ", val)
                if not pre and (not out or out[-1] in " \n"):
                    s = s.lstrip(" ")
                out += s
            elif kind == "br":
                out = out.rstrip(" ") + "\n"
                hard = True
            else:
                calls.append((len(out.rstrip(" ")), val))
        lead = len(out) - len(out.lstrip())
        text = out.strip()
        fixed = tuple((min(max(0, off - lead), len(text)), lab) for off, lab in calls)
        return text, fixed, hard and "\n" in text


@dataclass
class _Ctx:
    """What the elements around the text being read say about it."""

    heading: int = 0
    note: str = ""
    lang: str = ""
    pre: bool = False
    item: bool = False  # inside a list item (its own paragraphs run on)
    cell: bool = False  # text straight in a table cell (not in a paragraph inside a layout table's cell)


class Walker:
    """Walks the main container in document order and flushes a block at every block boundary."""

    def __init__(self, notes: NoteLinks, doc_lang: str) -> None:
        self.notes = notes
        self.calls = notes.calls
        self.doc_lang = doc_lang
        self.blocks: list[Block] = []
        self.buf = _Buf()
        self.ctx = _Ctx()
        self.pending_label = ""  # an <li> label waits for the first block inside the item
        self.pending_bullet = False
        self.called: list[str] = []  # note targets called, in order
        self.pre_lines: dict[str, int] = {}  # lines of <pre> pages → how many pages repeat them

    def count_pre_lines(self, root: Tag) -> None:
        for pre in root.find_all("pre"):
            for t in {" ".join(ln.split()) for ln in pre.get_text().split("\n")}:
                if t and len(t) < 100:
                    self.pre_lines[t] = self.pre_lines.get(t, 0) + 1

    def flush(self) -> None:
        text, calls, hard = self.buf.render(self.ctx.pre)
        self.buf = _Buf()
        c = self.ctx
        if c.note:
            # the note's own mark printed at its head ("1. ", "[1] "): the label says it already
            m = re.match(rf"^[\[(]?{re.escape(c.note)}[\])]?\.?\s+", text)
            if m:
                text = text[m.end() :]
                calls = tuple((max(0, off - m.end()), lab) for off, lab in calls)
        if not text:
            return
        self.blocks.append(
            Block(
                text=text,
                brk=HARD,
                heading=c.heading,
                label=self.pending_label if not c.heading and not c.note else "",
                bullet=self.pending_bullet and not c.heading and not c.note,
                note=c.note,
                calls=calls,
                lang=c.lang if c.lang and c.lang != self.doc_lang else "",
                hardbreaks=hard,
                role=CELL if c.cell and not c.heading and not c.note else "",
            )
        )
        self.pending_label, self.pending_bullet = "", False

    def walk(self, node: Tag) -> None:
        for child in list(node.children):
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                self.buf.text(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            self.element(child)

    def element(self, el: Tag) -> None:
        name = el.name
        if id(el) in self.calls:
            label, target, _ = self.calls[id(el)]
            self.buf.call(label)
            if target not in self.called:
                self.called.append(target)
            return
        if name == "br":
            if self.buf.parts and self.buf.parts[-1][0] == "br":
                self.buf.parts.pop()
                self.flush()  # <br><br>: a paragraph break in pages without <p>
            else:
                self.buf.br()
            return
        if _is_backlink(el) and self.ctx.note:
            return
        note = self.notes.bodies[id(el)][0] if id(el) in self.notes.bodies else ""
        if name not in BLOCK_TAGS and not note:
            self.walk(el)  # inline element
            return
        if name in RUN_ON_TAGS and (self.ctx.item or self.ctx.note) and not note:
            # the paragraphs of one list item or one note are one unit: the item is what is cited
            self.buf.br()
            self.walk(el)
            self.buf.br()
            return
        self.flush()
        saved = self.ctx
        self.ctx = _Ctx(**vars(saved))
        lang = str(el.get("lang") or "").split("-")[0].lower()
        if lang:
            self.ctx.lang = lang
        if note:
            self.ctx.note = note
        self.ctx.cell = name in ("td", "th")
        self.ctx.item = name == "li"
        if name in HEADINGS:
            self.ctx.heading = HEADINGS[name]
        if name == "pre" and not self.ctx.note:
            self.preformatted(el)
            self.ctx = saved
            return
        if name == "pre":
            self.ctx.pre = True
        if name in ("ol", "ul"):
            self.list(el)
        elif name == "tr" and self.labelled_row(el):
            pass
        else:
            self.walk(el)
        self.flush()
        self.ctx = saved

    def labelled_row(self, tr: Tag) -> bool:
        """A row whose first cell is only a paragraph number ("1.", "(a)") and whose other cells hold the
        text is one numbered paragraph laid out with a table (resolutions, Word exports): read it so."""
        cells = tr.find_all(["td", "th"], recursive=False)
        if len(cells) < 2:
            return False
        first = " ".join(cells[0].get_text(" ").split())
        if not label_only(first) or not any(c.get_text(strip=True) for c in cells[1:]):
            return False
        self.pending_label = as_label(first)
        self.ctx.cell = False
        self.ctx.item = True  # the text cells run on into one block
        for cell in cells[1:]:
            self.buf.br()
            self.walk(cell)
        return True

    def preformatted(self, el: Tag) -> None:
        """A `<pre>` is a plain-text document inside the page (IETF drafts, old bulletins): the text
        reader's layout rules split it into paragraphs, and a `<pre>` that follows another is a new page.
        Running heads and feet (a line repeated on several pages, "[Page 3]") are furniture."""
        raw = el.get_text()
        prev = el.find_previous_sibling(True)
        page_break = prev is not None and prev.name == "pre"
        lines = [ln for ln in raw.split("\n") if not self._running(ln)]
        blocks = blocks_from_text("\n".join(lines))
        for i, b in enumerate(blocks):
            if i == 0:
                b.brk = PAGE if page_break else HARD
            if self.ctx.lang and self.ctx.lang != self.doc_lang:
                b.lang = self.ctx.lang
            b.page = 0
            self.blocks.append(b)

    def _running(self, line: str) -> bool:
        t = " ".join(line.split())
        return bool(PAGE_FOOT_RE.search(t)) or (bool(t) and self.pre_lines.get(t, 0) >= 3)

    def list(self, el: Tag) -> None:
        """List items: `<ol>` items get their printed label, `<ul>` items are bullets."""
        ordered = el.name == "ol"
        kind = str(el.get("type") or "1")
        reverse = el.has_attr("reversed")
        items = el.find_all("li", recursive=False)
        try:
            n = int(str(el.get("start")))
        except (TypeError, ValueError):
            n = len(items) if reverse else 1
        for child in list(el.children):
            if not isinstance(child, Tag) or child.name != "li":
                if isinstance(child, Tag):
                    self.element(child)
                continue
            if child.has_attr("value"):
                try:
                    n = int(str(child["value"]))
                except ValueError:
                    pass
            is_note = id(child) in self.notes.bodies
            if not self.ctx.note and not is_note:
                if ordered:
                    self.pending_label = f"{format_number(n, str(child.get('type') or kind))}."
                else:
                    self.pending_bullet = True
            self.element(child)
            self.pending_label, self.pending_bullet = "", False
            n = n - 1 if reverse else n + 1


# ---- metadata ------------------------------------------------------------------------------------------
DATE_META = ("article:published_time", "og:published_time", "datepublished", "dc.date", "dc.date.issued",
             "dcterms.date", "dcterms.issued", "dcterms.created", "date", "pubdate", "publishdate",
             "publication_date", "sailthru.date", "parsely-pub-date", "article.published", "dc.date.created")  # fmt: skip


def iso_date(value: str) -> str:
    m = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value or "")
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    m = re.match(r"\s*(\d{4})(\d{2})(\d{2})\b", value or "")
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    from pincite.ingest import metadata as md

    return md.first_date(value or "")


def page_meta(soup: BeautifulSoup) -> dict:
    """Title, date, language and description the page states in its head (and JSON-LD)."""
    metas: dict[str, str] = {}
    for m in soup.find_all("meta"):
        key = str(
            m.get("property") or m.get("name") or m.get("itemprop") or m.get("http-equiv") or ""
        ).lower()
        val = str(m.get("content") or "").strip()
        if key and val and key not in metas:
            metas[key] = val
    meta: dict = {}
    title_tag = soup.find("title")
    title = metas.get("og:title") or metas.get("dc.title") or (title_tag.get_text(" ") if title_tag else "")
    if not title:
        h1 = soup.find("h1")
        title = h1.get_text(" ") if h1 else ""
    meta["title"] = " ".join(title.split())
    for key in DATE_META:
        if metas.get(key):
            d = iso_date(metas[key])
            if d:
                meta["date"] = d
                break
    if "date" not in meta:
        for script in soup.find_all("script", type="application/ld+json"):
            m = re.search(r'"datePublished"\s*:\s*"([^"]+)"', script.string or "")
            if m and iso_date(m.group(1)):
                meta["date"] = iso_date(m.group(1))
                break
    if "date" not in meta:
        # a <time> that says it is the publication date, or the first one of the article (not the dates
        # of a "latest news" list elsewhere on the page)
        t = soup.find("time", attrs={"pubdate": True}) or soup.find(
            "time", attrs={"itemprop": "datePublished"}
        )
        article = soup.find("article")
        if t is None and article is not None:
            t = article.find("time", attrs={"datetime": True})
        if t is not None and iso_date(str(t.get("datetime") or t.get_text(" "))):
            meta["date"] = iso_date(str(t.get("datetime") or t.get_text(" ")))
    lang = ""
    for tag in (soup.find("html"), soup.find("body")):  # Word's "Save as HTML" puts it on <body>
        if tag is not None and not lang:
            lang = str(tag.get("lang") or tag.get("xml:lang") or "")
    lang = (
        lang
        or metas.get("content-language", "")
        or metas.get("og:locale", "")
        or metas.get("dc.language", "")
    )
    lang = re.split(r"[-_,;\s]", lang.strip())[0].lower() if lang.strip() else ""
    if lang:
        meta["lang"] = lang
    desc = metas.get("description") or metas.get("og:description") or metas.get("dc.description")
    if desc:
        meta["description"] = " ".join(desc.split())
    return meta


# ---- the reader ----------------------------------------------------------------------------------------
def read_html(data: bytes, name: str = "", content_type: str = "", *, semantic: bool = True) -> ReadResult:
    """Read an HTML page's main content. `content_type` is the HTTP header, when the page was fetched."""
    check_binary(data, name)
    text, encoding = decode_html(data, content_type)
    if text.count("\ufffd") > max(20, len(text) // 50):
        raise DocumentError(name or "input", "not HTML: the text does not decode in any encoding")
    soup = BeautifulSoup(text, PARSER)
    meta = page_meta(soup)  # before cleaning: <head> and <script> go
    meta["encoding"] = encoding
    notes = find_notes(soup)
    clean(soup)
    container, rule = main_container(soup, semantic)
    meta["extraction"] = rule
    walker = Walker(notes, meta.get("lang", ""))
    walker.count_pre_lines(container)
    if isinstance(container, BeautifulSoup):
        walker.walk(container)
    else:
        walker.element(container)
    walker.flush()
    # Note bodies the main content calls but that sit outside its container: bring them in, at the end.
    seen_labels = {b.note for b in walker.blocks if b.note}
    for target in walker.called:
        label, body = notes.by_target[target]
        if label in seen_labels:
            continue
        seen_labels.add(label)
        walker.ctx = _Ctx(note=label)
        walker.walk(body)
        walker.flush()
        walker.ctx = _Ctx()
    blocks = [b for b in walker.blocks if b.text.strip()]
    if not blocks:
        raise DocumentError(name or "input", "no text found in the HTML page", status="failed")
    return ReadResult(blocks=blocks, meta={k: v for k, v in meta.items() if v})


def read(data: bytes, name: str = "", content_type: str = "") -> ReadResult:
    """The reader interface (`readers.read`); `content_type` is the HTTP header a crawled page came
    with (a file has none)."""
    return read_html(data, name, content_type)


__all__ = ["read", "read_html", "decode_html", "main_container"]

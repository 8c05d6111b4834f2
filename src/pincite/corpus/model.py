"""The one currency between the stages: frozen dataclasses.

A `Document` is one published text (a letter with its annex, a report, a speech). It is made of
`Unit`s: a paragraph or sub-item, a footnote, or a heading, each with its reference as printed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

# Kinds of unit. Paragraphs and sub-items share one kind; the ref shows the nesting ("8 (c)").
PARAGRAPH = "paragraph"
FOOTNOTE = "footnote"
HEADING = "heading"
KINDS = (PARAGRAPH, FOOTNOTE, HEADING)

# Document statuses in the catalogue.
OK = "ok"
FAILED = "failed"
NEEDS_OCR = "needs-ocr"
NEEDS_PASSWORD = "needs-password"
STATUSES = (OK, FAILED, NEEDS_OCR, NEEDS_PASSWORD)


@dataclass(frozen=True)
class Unit:
    """A citable piece of a document.

    `ref` is the reference as printed ("10 (a)", "3", "a") or, when `numbered` is false, the
    position in reading order that pincite assigned ("4", cited as "[4]").
    """

    doc: str
    seq: int
    kind: str
    ref: str
    numbered: bool
    text: str
    part: str = ""
    headings: tuple[str, ...] = ()
    lang: str = ""
    notes: tuple[str, ...] = ()
    page: int | None = None  # the page the unit starts on (paged formats)
    last_page: int | None = None  # the page it ends on, when that is another page
    qual: str = ""  # what tells it apart from a unit with the same part and number (see corpus.naming)
    ocr: bool = False  # the text came from OCR (Tesseract) and may be misread

    @property
    def uid(self) -> str:
        return f"{self.doc}#{self.seq}"

    def dump(self) -> dict:
        d = asdict(self)
        d["headings"] = list(self.headings)
        d["notes"] = list(self.notes)
        return d

    @property
    def pages(self) -> str:
        """`p. 12`, `pp. 12–13`, or "" for a format without pages."""
        if not self.page:
            return ""
        if self.last_page and self.last_page != self.page:
            return f"pp. {self.page}–{self.last_page}"
        return f"p. {self.page}"

    def evolve(self, **changes) -> Unit:
        """This unit with some fields changed: `dataclasses.replace`, without its walk over the
        fields and its call of __init__ (8 us a unit against 1; a parse makes one per unit)."""
        if not changes.keys() <= _UNIT_FIELDS:
            raise TypeError(f"not fields of a unit: {sorted(changes.keys() - _UNIT_FIELDS)}")
        new = object.__new__(Unit)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        return new

    def __repr__(self) -> str:
        text = self.text if len(self.text) < 40 else self.text[:37] + "..."
        mark = self.ref if self.numbered else f"[{self.ref}]"
        return f"Unit({self.doc} {self.part or 'main'} {self.kind} {mark}: {text!r})"


_UNIT_FIELDS = frozenset(f.name for f in fields(Unit))


@dataclass(frozen=True)
class Source:
    """Where a document's bytes came from: a path or a URL, with what the server said."""

    location: str
    fetched: str = ""  # ISO timestamp
    etag: str = ""
    last_modified: str = ""


@dataclass(frozen=True)
class Document:
    """A document and its metadata. `id` is stable: the same source keeps the same id."""

    id: str
    sha256: str
    source: str
    symbol: str = ""
    title: str = ""
    date: str = ""  # ISO 8601, possibly only a year ("2013") or year-month
    doctype: str = ""
    lang: str = ""
    issuer: str = ""
    status: str = OK
    message: str = ""
    fmt: str = ""  # the reader that parsed it: text, markdown, pdf, html, docx
    pages: int = 0
    sources: tuple[str, ...] = field(default_factory=tuple)
    name: str = ""  # how citations name the document, unique in its language (see corpus.naming)

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date[:4].isdigit() else None

    def dump(self) -> dict:
        d = asdict(self)
        d["sources"] = list(self.sources)
        return d

    def __repr__(self) -> str:
        return f"Document({self.id!r}, {self.symbol or self.title[:30]!r}, {self.date!r}, {self.status})"


@dataclass(frozen=True)
class Parsed:
    """What ingestion makes of one file: the document's metadata and its units."""

    meta: dict
    units: tuple[Unit, ...]

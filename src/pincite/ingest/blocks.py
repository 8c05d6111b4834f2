"""The one stream between readers and the segmenter.

Every reader (text, markdown, PDF, HTML, DOCX) turns a file into a list of `Block`s: text with the
layout hints that format can give. The segmenter (`pincite.ingest.segment`) turns that stream into
units, the same way for every format, so a rule learnt on one format serves them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# How a block relates to the block before it.
HARD = "hard"  # certainly a new paragraph (HTML <p>, a DOCX paragraph, a markdown heading)
PARA = "para"  # a paragraph break as far as the format can tell; may be a page-break artefact
PAGE = "page"  # a page break: the text may run on from the block before
LINE = "line"  # a line break inside the same paragraph

# Roles a reader may already know.
BODY = ""
MASTHEAD = "masthead"  # front-page furniture: metadata, not paragraphs
FURNITURE = "furniture"  # running heads and feet, page numbers, job numbers
CONTACT = "contact"  # an address or contact block
TOC = "toc"  # a table of contents line
CELL = "cell"  # a table cell (HTML, DOCX): a unit of its own, never a heading because it is short


@dataclass
class Block:
    """A run of text with layout hints.

    `text` may hold newlines: they are line breaks inside the block (hard-wrapped text), which the
    segmenter joins (removing a line-end hyphen that splits a word). Note calls are already removed
    from `text` and listed in `calls` as (offset, label).
    """

    text: str
    brk: str = PARA
    page: int = 0
    heading: int = 0  # heading level the format declares (1 = top); 0 = not declared
    bullet: bool = False  # a bulleted list item (the bullet is not in `text`)
    label: str = ""  # a list label the format computed (DOCX numbering, HTML <ol>), e.g. "3." or "(a)"
    note: str = ""  # this block is the body of note `note` (the marker is not in `text`)
    calls: tuple[tuple[int, str], ...] = ()
    role: str = BODY
    size: float = 0.0  # font size, when known
    x: float = 0.0  # left edge, when known (points for PDF)
    y: float = 0.0  # top edge, when known
    indent: float = 0.0
    lang: str = ""  # language the format declares
    hardbreaks: bool = False  # the lines were broken on purpose (markdown "  " line ends, <br>)
    meta: dict = field(default_factory=dict)  # anything else a reader wants to pass on

    def __repr__(self) -> str:
        t = self.text if len(self.text) < 50 else self.text[:47] + "..."
        extra = "".join(
            f" {k}={v!r}"
            for k, v in (("h", self.heading), ("note", self.note), ("label", self.label), ("role", self.role))
            if v
        )
        return f"Block({self.brk}{' •' if self.bullet else ''} p{self.page}{extra}: {t!r})"


@dataclass
class ReadResult:
    """A reader's output: the blocks, plus metadata the format states outright."""

    blocks: list[Block]
    meta: dict = field(default_factory=dict)  # title, date, lang, pages, …
    fmt: str = ""

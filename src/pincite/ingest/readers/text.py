"""Plain text, as people save it from PDFs and web pages.

Three layouts are told apart by their shape, not by the file:
- *double-spaced hard wrap*: every wrapped line is followed by a blank line, so blank lines are not
  paragraph breaks; a line holding only spaces is one, and a line that starts with a space right after
  a line of text marks a page break inside the flow;
- *one paragraph per line*: long lines, each a paragraph; a line starting with a space after a line of
  text is the same page-break artefact (a heading broken over two lines);
- *classic*: blank lines separate paragraphs, single newlines wrap lines.
A form feed is a page break in every layout.
"""

from __future__ import annotations

import statistics

from pincite.ingest.blocks import HARD, LINE, PAGE, PARA, Block, ReadResult
from pincite.ingest.readers import decode_text

DOUBLE = "double-spaced"
PER_LINE = "per-line"
CLASSIC = "classic"


def layout_of(lines: list[str]) -> str:
    nonempty = [i for i, ln in enumerate(lines) if ln.strip()]
    if not nonempty:
        return CLASSIC
    median = statistics.median(len(lines[i].rstrip()) for i in nonempty)
    followed_by_empty = sum(1 for i in nonempty if i + 1 < len(lines) and lines[i + 1] == "")
    if len(nonempty) >= 6 and followed_by_empty / len(nonempty) > 0.6 and median < 120:
        return DOUBLE
    if median > 150:
        return PER_LINE
    return CLASSIC


def read(data: bytes, name: str = "") -> ReadResult:
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    return ReadResult(blocks=blocks_from_text(text), meta={})


def blocks_from_text(text: str) -> list[Block]:
    lines = text.split("\n")
    layout = layout_of(lines)
    blocks: list[Block] = []
    cur: list[str] = []
    brk = PARA
    page = 1

    def flush() -> None:
        nonlocal cur
        if cur:
            blocks.append(Block(text="\n".join(cur), brk=brk, page=page))
        cur = []

    prev_raw = ""
    for raw in lines:
        if "\f" in raw:
            flush()
            page += raw.count("\f")
            brk = PAGE
            raw = raw.replace("\f", "")
            if not raw.strip():
                prev_raw = ""
                continue
        line = raw.rstrip()
        if layout == DOUBLE:
            if raw == "":
                prev_raw = raw
                continue  # a wrap, not a break
            if not line.strip():  # a line of spaces: the paragraph ends
                flush()
                brk = HARD
                prev_raw = raw
                continue
            if raw.startswith(" ") and prev_raw.strip():
                flush()
                page += 1
                brk = PAGE
        elif layout == PER_LINE:
            if not line.strip():
                flush()
                brk = PARA
                prev_raw = raw
                continue
            flush()
            brk = PAGE if raw.startswith(" ") and prev_raw.strip() else PARA
            if brk == PAGE:
                page += 1
        else:  # classic
            if not line.strip():
                flush()
                brk = PARA
                prev_raw = raw
                continue
            if cur:
                cur.append(line.strip())
                prev_raw = raw
                continue
        if not cur and brk not in (PARA, HARD, PAGE):
            brk = LINE
        cur.append(line.strip())
        prev_raw = raw
    flush()
    return blocks

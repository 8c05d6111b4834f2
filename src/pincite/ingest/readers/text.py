"""Plain text, as people save it from PDFs and web pages.

Two layouts are told apart by their shape, not by the file:
- *double-spaced hard wrap*: every wrapped line is followed by a blank line, so blank lines are not
  paragraph breaks; a line holding only spaces is one, and a line that starts with a space right after
  a line of text marks a page break inside the flow;
- *lines*: blank lines separate paragraphs, and so does a line end, unless the line was wrapped (it
  nearly fills the local wrap width) or the next line goes on in lower case. This covers text with one
  paragraph per line, hard-wrapped text, and files that mix the two. A line starting with a space
  after a line of text is the page-break artefact again (a heading broken over two lines).
A form feed is a page break in every layout.
"""

from __future__ import annotations

import re
import statistics

from pincite.ingest.blocks import HARD, PAGE, PARA, Block, ReadResult
from pincite.ingest.readers import text_lines
from pincite.ingest.rules import labels

DOUBLE = "double-spaced"
LINES = "lines"
WRAP_MAX = 130  # wider than any wrap width people use: a longer line is a whole paragraph


def _starts_item(line: str) -> bool:
    return labels.starts_item(line)


TOC_LINE = re.compile(r"(?:\.\s?){4,}\s*\d+\s*$")  # a table-of-contents line: dot leaders, a page


def _page_artefact(raw: str) -> bool:
    """A line that starts with exactly one space: where the text ran over a page break (the PDF's
    line of the new page kept the space). Deeper indentation is indentation."""
    return raw.startswith(" ") and not raw.startswith("  ") and raw[1:2] != "\t"


def layout_of(lines: list[str]) -> str:
    nonempty = [i for i, ln in enumerate(lines) if ln.strip()]
    if not nonempty:
        return LINES
    median = statistics.median(len(lines[i].rstrip()) for i in nonempty)
    followed_by_empty = sum(1 for i in nonempty if i + 1 < len(lines) and lines[i + 1] == "")
    if len(nonempty) >= 6 and followed_by_empty / len(nonempty) > 0.6 and median < 120:
        return DOUBLE
    return LINES


def _wrapped(lines: list[str], i: int) -> bool:
    """Did line i end because it reached the wrap width, rather than because its paragraph ended?

    Decided locally, since one file can hold paragraph-per-line text and hard-wrapped text: a line
    is wrapped when it nearly fills the widest line around it, several lines around reach that width,
    and it is a plausible wrap width (nobody wraps at 200 characters).
    """
    n = len(lines[i].rstrip())
    if n > WRAP_MAX:
        return False
    window = [m for ln in lines[max(0, i - 6) : i + 7] if 0 < (m := len(ln.rstrip())) <= WRAP_MAX]
    width = max(window)
    # a wrap width shows itself in several lines of nearly that width
    return width >= 40 and n >= 0.72 * width and sum(1 for m in window if m >= 0.8 * width) >= 3


def read(data: bytes, name: str = "", content_type: str = "") -> ReadResult:
    return ReadResult(blocks=blocks_from_text(text_lines(data, content_type)), meta={})


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
    prev_i = -1
    for i, raw in enumerate(lines):
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
            if _page_artefact(raw) and prev_raw.strip():
                flush()
                page += 1
                brk = PAGE
        else:
            if not line.strip():
                flush()
                brk = PARA
                prev_raw = raw
                continue
            if cur:  # prev_i is the line cur ended with
                wrapped = _wrapped(lines, prev_i)
                if _page_artefact(raw) and not wrapped:
                    flush()  # the page-break artefact: a line starting with a space
                    page += 1
                    brk = PAGE
                elif (wrapped or line[:1].islower()) and not _starts_item(line) and not TOC_LINE.search(lines[prev_i]):
                    cur.append(line.strip())
                    prev_raw, prev_i = raw, i
                    continue
                else:
                    flush()
                    brk = PARA
        cur.append(line.strip())
        prev_raw, prev_i = raw, i
    flush()
    return blocks

"""Text is made valid once, where it enters pincite: what a reader returns and what a file is called.

Readers hand back whatever the file held: a PDF's ToUnicode map may send a glyph to a lone surrogate
(U+D800), a text file may hold NULs or terminal escapes, a file name may not be UTF-8. None of that
can be stored as SQLite text, and some of it acts on a terminal when printed. `result()` cleans a
reader's whole output (block text and metadata) before segmentation, so nothing downstream ever sees
such characters; `location()` gives a file name that is valid text and still names the file.

It also bounds what segmentation is given: a block longer than `MAX_BLOCK` characters (a 6 MB
"paragraph" of random text, say) is cut at spaces into blocks of at most that size, so the segmenter's
per-block work stays linear in the size of the file.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

from pincite.ingest.blocks import HARD, ReadResult

# Lone surrogates; C0 controls but tab, line feed, form feed and carriage return; DEL; C1 controls
# (the 8-bit terminal controls, CSI among them). Unicode's own "noncharacters" U+FFFE/U+FFFF too.
_INVALID = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
REPLACEMENT = "\ufffd"
MAX_BLOCK = 20_000  # characters: far longer than any real paragraph (the longest in the corpus: ~6,000)


def text(s: str) -> str:
    """`s` without characters that cannot be stored or printed safely: lone surrogates become U+FFFD,
    control characters (escape among them) spaces. One character for one, so offsets into the text
    (note calls) still hold."""
    if _INVALID.search(s) is None:
        return s
    return _INVALID.sub(lambda m: REPLACEMENT if "\ud800" <= m.group() <= "\udfff" else " ", s)


def _value(v):
    if isinstance(v, str):
        return text(v)
    if isinstance(v, list | tuple):
        return type(v)(_value(x) for x in v)
    if isinstance(v, dict):
        return {k: _value(x) for k, x in v.items()}
    return v


def _split(s: str, limit: int) -> list[str]:
    """`s` in pieces of at most `limit` characters, cut at the last space (or line end) before it."""
    out = []
    while len(s) > limit:
        cut = max(s.rfind(" ", 0, limit), s.rfind("\n", 0, limit))
        if cut < limit // 2:
            cut = limit
        out.append(s[:cut])
        s = s[cut:].lstrip(" \n")
    out.append(s)
    return out


def result(res: ReadResult, limit: int = MAX_BLOCK) -> ReadResult:
    """A reader's output made valid (see the module doc); the blocks keep their layout hints."""
    blocks = []
    for b in res.blocks:
        t = text(b.text)
        if t is not b.text:
            b = replace(b, text=t)
        if len(b.text) > limit:
            pieces = _split(b.text, limit)
            calls = tuple(c for c in b.calls if c[0] <= len(pieces[0]))
            blocks.append(replace(b, text=pieces[0], calls=calls))
            blocks += [replace(b, text=p, brk=HARD, calls=(), label="", heading=0) for p in pieces[1:]]
        else:
            blocks.append(b)
        if b.meta:
            b.meta = _value(b.meta)
    res.blocks = blocks
    res.meta = _value(res.meta)
    return res


def location(path: Path | str) -> str:
    """A path as valid text: bytes of a name that is not UTF-8 are written as \\xNN escapes, so the
    name still tells the user which file it is, and the same file always gets the same location."""
    raw = os.fsencode(path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return text(raw.decode("utf-8", "backslashreplace"))

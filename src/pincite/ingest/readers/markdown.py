"""Markdown, as converted from PDFs and Word files: headings, bullets, emphasis, links, `<sup>` and
`^a` note calls, note bodies (`^a …`, `<sup>1</sup> …`, `* …`, `[^1]: …`) and hard line breaks.
Markup is removed here; what it meant travels on as block hints."""

from __future__ import annotations

import html
import re

from pincite.ingest.blocks import HARD, PARA, Block, ReadResult
from pincite.ingest.readers import text_lines
from pincite.ingest.rules import labels

# Superscripts that are ordinals, not note calls (11<sup>th</sup>, 1<sup>er</sup>, 2<sup>a</sup>).
ORDINALS = {"st", "nd", "rd", "th", "er", "re", "e", "ème", "eme", "o", "a", "os", "as", "º", "ª", "d"}

# Private-use characters that carry note calls through text edits (see segment.CALL_RE).
CALL_OPEN, CALL_CLOSE = "\ue000", "\ue001"

# "## Protocol", and "##Protocol" as people type it (no space, but two marks or more and a capital or
# a digit after them: "#hashtag" stays text)
_HEADING = re.compile(r"^\s{0,3}(#{1,6})(?:\s+|(?<=##)(?=[A-ZÀ-Ý0-9]))(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])\s*(?:\1\s*){2,}$")
_BULLET = re.compile(r"^(\s*)[-+*]\s+(.*)$")
_NOTE_BODIES = [
    re.compile(r"^\^([a-z]|\d{1,3})\s+(.*)$"),
    re.compile(r"^<sup>\s*([a-z]|\d{1,3}|\*)\s*</sup>\s*(.*)$"),
    re.compile(r"^\[\^(\w+)\]:\s*(.*)$"),
]
_STAR_CALL = re.compile(r"(?<=[\w.)\]])\*(?=[\s.,;:)]|$)")


def call(label: str) -> str:
    return f"{CALL_OPEN}{label}{CALL_CLOSE}"


def _strip_emphasis(s: str) -> str:
    s = re.sub(r"\*\*(.+?)\*\*", r"\1", s, flags=re.S)
    s = re.sub(r"(?<!\w)__(.+?)__(?!\w)", r"\1", s, flags=re.S)
    s = re.sub(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])", r"\1", s, flags=re.S)
    s = re.sub(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])", r"\1", s, flags=re.S)
    return s


def _sup(m: re.Match) -> str:
    inner = m.group(1).strip()
    before = m.string[max(0, m.start() - 1) : m.start()]
    if inner.lower() in ORDINALS and before.isdigit():
        return inner
    if re.fullmatch(r"[a-z]|\d{1,3}|\*+|[ivx]{1,4}", inner):
        return call(inner)
    return inner


def inline(s: str, star_calls: bool) -> str:
    """Markdown inline markup to plain text, with note calls as CALL_OPEN…CALL_CLOSE."""
    s = re.sub(r"<br\s*/?>", "\n", s, flags=re.I)
    s = re.sub(r"!?\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)", r"\1", s)
    s = re.sub(r"<(https?://[^>]+|mailto:[^>]+)>", r"\1", s)
    s = re.sub(r"<sup>(.*?)</sup>", _sup, s, flags=re.I | re.S)
    s = re.sub(r"\[\^(\w+)\]", lambda m: call(m.group(1)), s)
    s = re.sub(r"(?<=\S)\^([a-z]|\d{1,3})(?![\w])", lambda m: call(m.group(1)), s)
    s = _strip_emphasis(s)
    if star_calls:
        s = _STAR_CALL.sub(lambda m: call("*"), s)
    s = re.sub(r"</?[A-Za-z][^>\n]*>", "", s)
    s = re.sub(r"\\([\\`*_{}\[\]()#+\-.!^])", r"\1", s)
    return html.unescape(s)


def _has_star_calls(lines: list[str]) -> bool:
    for ln in lines:
        if ln.lstrip().startswith(("* ", "- ", "+ ")):
            continue
        if _STAR_CALL.search(_strip_emphasis(ln)):
            return True
    return False


def read(data: bytes, name: str = "", content_type: str = "") -> ReadResult:
    return ReadResult(blocks=blocks_from_markdown(text_lines(data, content_type)), meta={})


def blocks_from_markdown(text: str) -> list[Block]:
    lines = text.split("\n")
    star_calls = _has_star_calls(lines)
    blocks: list[Block] = []
    cur: list[str] = []
    kind: dict = {}
    brk = PARA

    def flush() -> None:
        nonlocal cur, kind, brk
        if cur:
            raw = "\n".join(cur)
            hard = bool(re.search(r"(?:  |\\)\n", raw)) or "<br" in raw.lower()
            blocks.append(
                Block(
                    text=inline(raw, star_calls),
                    brk=kind.get("brk", brk),
                    heading=kind.get("heading", 0),
                    bullet=kind.get("bullet", False),
                    note=kind.get("note", ""),
                    hardbreaks=hard,
                )
            )
            brk = PARA
        cur, kind = [], {}

    for raw in lines:
        line = raw.rstrip("\n")
        if not line.strip():
            flush()
            continue
        if _RULE.match(line):
            flush()
            continue
        m = _HEADING.match(line)
        if m:
            flush()
            cur, kind = [m.group(2)], {"heading": len(m.group(1)), "brk": HARD}
            flush()
            continue
        note = None
        for pat in _NOTE_BODIES:
            nm = pat.match(line.strip())
            if nm:
                note = nm
                break
        if note is None and star_calls and line.startswith("* ") and not line.startswith("* *"):
            note = re.match(r"^(\*)\s+(.*)$", line)
        if note is not None:
            flush()
            cur, kind = [note.group(2)], {"note": note.group(1)}
            continue
        bm = _BULLET.match(line)
        if bm and not re.match(r"^\s*\*\S", line):
            flush()
            cur, kind = [bm.group(2)], {"bullet": True}
            continue
        if cur and labels.starts_item(line, bullets=False) and re.search(r"[.:;]\s*$", cur[-1]):
            flush()
        cur.append(line.strip() if not line.endswith("  ") else line.strip() + "  ")
    flush()
    return blocks

"""Notes collected under a heading of their own, as data: the heading's words and the call forms.

Endnotes are often printed after the text under "Notes" / "Notas:" / "Endnotes", each opened by a
label (`(1)`, `1.`, `[1]`, `1`), in body type, with calls in the text written `[1]` or raised.
`notes_heading(text)` tells such a heading; `BRACKET_CALL_RE` finds a call written in square
brackets after a word (`ambiental [1].`), which is a call only when a note of that number exists.
"""

from __future__ import annotations

import re

NOTES_HEADING_RE = re.compile(
    r"^(?:notes?|endnotes|end notes|notas?|notes de fin(?: de document)?|notes et r[ée]f[ée]rences|"
    r"anmerkungen|fu[ßs]noten|примечания|сноски|notas finales|notas de fim)\s*:?$",
    re.I,
)
# "… deterioro ambiental [1]." — a bracketed number after a word or closing punctuation
BRACKET_CALL_RE = re.compile(r"(?<=[\w.,;:”\"’)])\s?\[(\d{1,3})\]")
# the label that opens a note body under such a heading: "(1) …", "1. …", "[1] …", "1 …"
NOTE_BODY_RE = re.compile(r"^\s*(?:\((\d{1,3})\)|\[(\d{1,3})\]|(\d{1,3})\.?)\s+(?=\S)")


def notes_heading(text: str) -> bool:
    return bool(NOTES_HEADING_RE.match(text.strip()))


def note_body(text: str) -> tuple[str, int] | None:
    """(note number, characters the label takes) when a text opens like a note body."""
    m = NOTE_BODY_RE.match(text)
    if not m:
        return None
    return next(g for g in m.groups() if g), m.end()

"""List counters as printed: the one place where a number becomes "iv", "c" or "aa".

HTML (`<ol type>`) and Word (`w:numFmt`) name the same formats differently and count letters past "z"
differently (a browser goes on "aa, ab"; Word goes on "aa, bb"), so each reader says which it means.
"""

from __future__ import annotations

from pincite.ingest.rules import labels

ROMAN = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
         (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]  # fmt: skip

# A text that is only a paragraph number: "1", "1.", "12)", "(3)", "(a)", "a)", "(iv)" (a table cell
# laying out numbered paragraphs holds nothing else).
def label_only(text: str) -> bool:
    return labels.label_only(text, bare=True)


def as_label(text: str) -> str:
    """A number alone in a cell as the label the segmenter reads: "1" → "1.", "(a)" → "(a)"."""
    return f"{text}." if text.isdigit() else text


CHICAGO = "*†‡§"

# HTML `type` and CSS names → Word's numFmt names
FORMATS = {"1": "decimal", "a": "lowerLetter", "A": "upperLetter", "i": "lowerRoman", "I": "upperRoman"}


def to_roman(n: int) -> str:
    out = ""
    for v, s in ROMAN:
        while n >= v:
            out += s
            n -= v
    return out


def letters_browser(n: int) -> str:
    """1 → a, 26 → z, 27 → aa, 28 → ab (CSS lower-alpha)."""
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(97 + r) + s
    return s


def letters_word(n: int) -> str:
    """1 → a, 26 → z, 27 → aa, 28 → bb (Word's lowerLetter)."""
    return chr(97 + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ""


def format_number(n: int, fmt: str, word: bool = False) -> str:
    """A counter value in a format: an HTML `type` ("a", "I") or a Word `numFmt` ("lowerLetter")."""
    fmt = FORMATS.get(fmt, fmt)
    if fmt in ("lowerLetter", "upperLetter") and n > 0:
        s = letters_word(n) if word else letters_browser(n)
        return s.upper() if fmt == "upperLetter" else s
    if fmt in ("lowerRoman", "upperRoman") and n > 0:
        s = to_roman(n)
        return s.upper() if fmt == "upperRoman" else s
    if fmt == "chicago" and n > 0:  # Word's note marks: *, †, ‡, §, then doubled
        return CHICAGO[(n - 1) % 4] * ((n - 1) // 4 + 1)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("none", "bullet"):
        return ""
    return str(n)  # decimal, and the formats pincite does not spell out (ordinal, cardinalText…)

"""Page furniture and masthead lines, as data: what is printed on a page but is not the document's text.

`FURNITURE` are whole lines (page numbers, job numbers, barcodes, "/..." continuation marks) that a
reader drops wherever it meets them in a page's top or bottom band. `JOB_NUMBER_RE` and
`RUNNING_HEAD_RE` also find them inside a text (a unit that swallowed a footer), which is how the
evaluation checks that none leaked. `MASTHEAD` are the front-page lines of a UN (or OAS) document
that are metadata, not paragraphs.
"""

from __future__ import annotations

import re

# fmt: off
FURNITURE: list[tuple[str, re.Pattern]] = [
    ("dash-page", re.compile(r"^[-–]\s*\d{1,4}\s*[-–]$")),                                 # - 2 -
    ("page-of", re.compile(r"^\d{1,4}\s*/\s*\d{1,4}$")),                                   # 2/5
    ("page-word", re.compile(r"^(?:page|página|pág\.|p\.|seite|стр\.)\s*\d{1,4}(?:\s*(?:of|de|sur|/)\s*\d{1,4})?$", re.I)),
    ("bare-page", re.compile(r"^\d{1,4}$")),                                                # a bare page number
    ("roman-page", re.compile(r"^[ivxlc]{1,6}$", re.I)),                                    # a roman page number
    ("ge-job", re.compile(r"^ge\s?[.:]\s?\d{2}-\d{4,6}.*$", re.I)),                         # GE.19-13879, GE:09-17825 Page 4
    ("job", re.compile(r"^\d{2}-\d{5}\s*(?:\(\w\))?(?:\s+\d{6})?(?:\s+\d{6})?$")),          # 13-37899 (E) 210819
    ("job-page", re.compile(r"^\d{2}-\d{5}\s+\d{1,3}\s*/\s*\d{1,3}$")),                     # 21-02065 2/2
    ("page-job", re.compile(r"^\d{1,3}\s*/\s*\d{1,3}\s+\d{2}-\d{5}$")),
    ("barcode", re.compile(r"^\*\d{5,}\*$")),                                               # *1913879*
    ("recycle", re.compile(r"^please recycle$", re.I)),
    ("continued", re.compile(r"^/\s?(?:\.\s?){3}$|^/…$")),                                  # "/..." : continued overleaf
]
# fmt: on

# Job numbers where they are never anything else, also inside a text.
JOB_NUMBER_RE = re.compile(r"\bGE\s?[.:]\s?\d{2}-\d{4,6}\b|(?<![\d/.,-])\d{2}-\d{5}\s\(E\)")
# A symbol as a running head, with or without its page number ("A/HRC/10/1 page 4", "4 A/68/190").
SYMBOL_HEAD_RE = re.compile(
    r"^[A-Z]{1,6}(?:/[\w.\-]+){1,7}\*?(?:\s+(?:page\s+)?\d{1,4})?$|^(?:page\s+)?\d{1,4}\s+[A-Z]{1,6}(?:/[\w.\-]+){1,7}$",
    re.I,
)
# Text that only page furniture holds: a page number or a job number on its own, or a leaked footer.
LEAK_RES = [
    re.compile(r"\bGE\s?[.:]\s?\d{2}-\d{4,6}"),
    re.compile(r"(?<![\d/.,-])\d{2}-\d{5}(?![\d/-])"),
]
LEAK_WHOLE_RES = [
    re.compile(r"^\s*\d{1,4}\s*/\s*\d{1,4}\s*$"),
    re.compile(r"^\s*[-–]\s*\d{1,4}\s*[-–]\s*$"),
    re.compile(r"^\s*(?:Page|Página)\s+\d{1,4}\s*$", re.I),
    re.compile(r"^\s*\d{1,4}\s*$"),
]


def furniture_kind(line: str) -> str:
    """The kind of page furniture a whole line is ("" when it is text)."""
    t = line.strip()
    for name, pat in FURNITURE:
        if pat.match(t):
            return name
    return ""


def is_furniture(line: str) -> bool:
    return bool(furniture_kind(line))


def leaks(text: str) -> bool:
    """Does a unit's text hold page furniture (a job number anywhere, or only a page number)?"""
    return any(r.search(text) for r in LEAK_RES) or any(r.match(text) for r in LEAK_WHOLE_RES)


# ---- mastheads ---------------------------------------------------------------------------------
MASTHEAD: list[re.Pattern] = [
    re.compile(p, re.I)
    for p in (
        r"^united nations$|^nations unies$|^naciones unidas$|^organization of american states$",
        r"^(general assembly|security council|economic and social council|trusteeship council|human rights council)$",
        r"^(assembl[ée]e g[ée]n[ée]rale|asamblea general|conseil de s[ée]curit[ée]|consejo de seguridad)$",
        r"^distr\.?:?\s*(general|limited|restricted|générale|limitée|general|limitada|reservada)\b",
        r"^distr\.?:?$",
        r"^original:?\s+\w+$|^original\s*:\s*\w+$",
        r"^(english|french|spanish|arabic|russian|chinese)$",
        r"^\w+(-\w+)? (session|período de sesiones|session ordinaire)$",
        r"^(item|items|agenda item|tema|point)s? \d.*(list|agenda|programa|liste|del programa|provisional|preliminary)\*?$",
        r"^\*\d{5,}\*$",
        r"^\d{2}-\d{5}\s*(\(\w\))?(\s+\d{6})?(\s+\d{6})?$",
        r"^ge\s?[.:]\s?\d{2}-\d{4,6}.*$",
        r"^page \d+$",
        r"^please recycle$",
    )
]
# A masthead is recognised only where one of these says it is there.
MASTHEAD_SIGNAL = re.compile(
    r"^(united nations|nations unies|naciones unidas|distr\b|general assembly|security council|"
    r"economic and social council|organization of american states)",
    re.I,
)


def is_masthead_line(line: str) -> bool:
    t = line.strip().strip("*").strip()
    return bool(t) and any(p.match(t) for p in MASTHEAD)


# ---- tables of contents --------------------------------------------------------------------------
# The heading of a table of contents: the lines after it, up to the text it lists, are not paragraphs.
TOC_HEADING_RE = re.compile(
    r"^(?:(?:table of )?contents|arrangement of (?:sections|clauses|articles|regulations|rules|paragraphs)"
    r"|[íi]ndice(?: general)?|sumario|sum[áa]rio|sommaire|table des mati[èe]res|contenido|conte[úu]do"
    r"|содержание|inhalt(?:sverzeichnis)?|inhoud(?:sopgave)?)"
    r"(?:\s*\((?:continued|cont\.?|suite|continuaci[óo]n)\))?\s*[.:]?$",  # "CONTENTS (continued)" overleaf
    re.I,
)
# A contents entry's own furniture: dot leaders, and the page number or paragraph range at its end.
TOC_TAIL_RE = re.compile(r"(?:\s*(?:\.\s?){2,}|\s*…+)?\s*(?:\d{1,4}(?:\s*[-–]\s*\d{1,4})?\s*)*$")


def is_toc_heading(line: str) -> bool:
    return bool(TOC_HEADING_RE.match(line.strip()))

"""Document metadata read from text: UN symbols, dates, document types.

The symbol detector follows `reference/citations.md`: an organ prefix, `/`-separated parts, optional
suffixes, and a boundary on both sides so that `TCP/IP`, `and/or` and a final full stop are not taken.
"""

from __future__ import annotations

import re
from datetime import date

# ---- UN document symbols ---------------------------------------------------------------------
_ORGANS = r"(?:A|S|E|ST|T|DP|TD|UNEP|CRC|CEDAW|CCPR|CERD|CAT|CMW|CRPD|CED|CESCR|HRI|ECE|ESCAP|ECLAC|ECA|ESCWA|UNW|ICEF|JIU)"
_PART = r"(?:[A-Z]{1,8}(?:\.\d{1,4})?(?:-\d{1,3})?|\d{1,5}(?:\.\d{1,3})?(?:-\d{1,3})?|[A-Z]\d{1,3}|S-\d{1,2})"
_SUFFIX = r"(?:/(?:Add|Corr|Rev|Amend)\.\d{1,3}|/Summary)*"
SYMBOL_RE = re.compile(
    rf"(?<![\w/.-])({_ORGANS}(?:/{_PART}){{1,6}}{_SUFFIX}\*?)(?![\w/-])(?!\.\w)"
)
_OAS_RE = re.compile(r"(?<![\w/])(OEA/Ser\.[A-Z](?:/[A-Z0-9.\-]+)*)(?![\w/])")
_IOM_RE = re.compile(r"(?<![\w/])((?:C|MC|SCPF)/\d{2,4}(?:/[A-Z0-9.]+)*)(?![\w/])")


def find_symbols(text: str) -> list[str]:
    """Every UN or OAS document symbol in `text`, in order, without a trailing full stop."""
    out = []
    for m in SYMBOL_RE.finditer(text):
        sym = m.group(1)
        # A symbol needs a number or a known series part: "A/B" alone is not one.
        if not re.search(r"\d", sym) and "/INF" not in sym:
            continue
        out.append(sym.rstrip("*"))
    out += [m.group(1).rstrip(".") for m in _OAS_RE.finditer(text)]
    return out


def is_symbol_line(line: str) -> str:
    """If a line is just a symbol (a masthead or a running head), return it."""
    s = line.strip().rstrip("*").strip()
    syms = find_symbols(s)
    if len(syms) == 1 and syms[0] == s:
        return s
    m = _OAS_RE.fullmatch(s)
    return m.group(1) if m else ""


# ---- dates -----------------------------------------------------------------------------------
MONTHS = {
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    # Spanish
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    # French
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12,
    # Portuguese
    "janeiro": 1, "fevereiro": 2, "março": 3, "marco": 3, "maio": 5, "junho": 6, "julho": 7,
    "setembro": 9, "outubro": 10, "dezembro": 12,
}  # fmt: skip
_MONTH = r"(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"
_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th|er|º|°)?\s+(?:de\s+)?{_MONTH}\.?,?\s+(?:de\s+)?(\d{{4}})\b", re.I)
_MDY = re.compile(rf"\b{_MONTH}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_NUMERIC = re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b")


def _mk(y: int, m: int, d: int) -> str:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return ""


def find_dates(text: str) -> list[tuple[int, str]]:
    """All full dates in `text` as (offset, ISO date), in order."""
    found: list[tuple[int, str]] = []
    for m in _DMY.finditer(text):
        found.append((m.start(), _mk(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))))
    for m in _MDY.finditer(text):
        found.append((m.start(), _mk(int(m.group(3)), MONTHS[m.group(1).lower()], int(m.group(2)))))
    for m in _ISO.finditer(text):
        found.append((m.start(), _mk(int(m.group(1)), int(m.group(2)), int(m.group(3)))))
    for m in _NUMERIC.finditer(text):  # day first, as in UN and OAS usage
        found.append((m.start(), _mk(int(m.group(3)), int(m.group(2)), int(m.group(1)))))
    return sorted((o, d) for o, d in found if d)


def first_date(text: str) -> str:
    ds = find_dates(text)
    return ds[0][1] if ds else ""


def is_date_line(line: str) -> bool:
    """A line that is only a date (a dateline or the date in a masthead)."""
    s = line.strip().rstrip(".")
    ds = find_dates(s)
    if not ds:
        return False
    rest = _DMY.sub("", s)
    rest = _MDY.sub("", rest)
    rest = _ISO.sub("", rest)
    return not re.search(r"\w", rest)


def format_date(iso: str) -> str:
    """`2013-06-28` → `28 June 2013`; a bare year or year-month stays readable."""
    names = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]  # fmt: skip
    parts = iso.split("-")
    try:
        if len(parts) == 3:
            return f"{int(parts[2])} {names[int(parts[1]) - 1]} {parts[0]}"
        if len(parts) == 2:
            return f"{names[int(parts[1]) - 1]} {parts[0]}"
    except (ValueError, IndexError):
        return iso
    return iso


# ---- document types ----------------------------------------------------------------------------
# (type, pattern on the front matter). First match wins; order matters.
DOCTYPE_RULES: list[tuple[str, re.Pattern]] = [
    ("resolution", re.compile(r"/RES/|\bresolution adopted by\b|\bRESOLUCI[ÓO]N\b|\bresoluci[óo]n de la corte\b|\bRESOLUÇÃO\b|Резолюция, принятая", re.I)),
    ("letter", re.compile(r"^\s*(?:identical )?letters? dated\b|\bnote verbale dated\b|^\s*carta de fecha\b|^\s*lettre dat[ée]e\b|^\s*carta datada\b|^\s*Письмо\b", re.I | re.M)),
    ("minutes", re.compile(r"\bminutes\b|\bacta de la\b|\bproc[eè]s-verbal\b|\bsummary record\b", re.I)),
    ("judgment", re.compile(r"\bjudgment\b|\bjudgement\b|\bsentencia\b|\barr[êe]t\b|\bac[óo]rd[ãa]o\b|\bsentença\b|\bРешение суда\b", re.I)),
    ("report", re.compile(r"\breport\b|\binforme\b|\brapport\b|\brelat[óo]rio\b|\bдоклад\b|\bрезюме\b", re.I)),
    ("summary", re.compile(r"\bchair'?s summary\b|\bsummary\b", re.I)),
    ("declaration", re.compile(r"\bdeclaration\b|\bdeclaraci[óo]n\b", re.I)),
    ("note", re.compile(r"\bnote by the\b|\bnote verbale\b", re.I)),
    ("act", re.compile(r"\bact,? \d{4}\b|\bAN ACT\b", re.I)),
    ("speech", re.compile(r"\b(?:excellencies|ladies and gentlemen|distinguished delegates|señoras y señores|mesdames et messieurs)\b", re.I)),
]  # fmt: skip

# Words in a file name that say what a document is, when its text does not.
FILENAME_TYPES = {
    "speech": "speech", "statement": "speech", "remarks": "speech", "letter": "letter",
    "report": "report", "briefing": "report", "minutes": "minutes", "resolution": "resolution",
    "declaration": "declaration", "summary": "summary", "judgment": "judgment", "note": "note",
}  # fmt: skip


def doctype_from(front: str, body: str = "", filename: str = "", symbol: str = "") -> str:
    if symbol and "/RES/" in symbol:
        return "resolution"
    for kind, pat in DOCTYPE_RULES:
        if kind == "speech":
            continue
        if pat.search(front):
            return kind
    for word in re.split(r"[^a-z]+", filename.lower()):
        if word in FILENAME_TYPES:
            return FILENAME_TYPES[word]
    speech = dict(DOCTYPE_RULES)["speech"]
    if speech.search(body[:3000]):
        return "speech"
    return "document"


def year_from_filename(name: str) -> str:
    m = re.search(r"(?<!\d)(19[4-9]\d|20\d\d)(?!\d)", name)
    return m.group(1) if m else ""

"""Document metadata read from text: UN symbols, dates, document types.

The symbol detector follows `reference/citations.md`: an organ prefix, `/`-separated parts, optional
suffixes, and a boundary on both sides so that `TCP/IP`, `and/or` and a final full stop are not taken.
"""

from __future__ import annotations

import re
from datetime import date

from pincite.corpus.naming import format_date  # noqa: F401 - the one date formatter, re-exported here

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


# A date the text names as the document's own: "Decided on : 6 June 2013", "DATE OF ASSENT: 1st
# October, 2009", "adopted at its 17th plenary meeting, held on 4 September 2002", "celebrada el 4
# de septiembre de 2002", "Done at Apia, 2 December 2014". The date must follow within a few words.
_LABELLED = re.compile(
    r"\b(?:decided on|delivered on|judgment of|hearing of|date of (?:judgment|decision|assent|adoption|signature)|"
    r"adopted on|adopted at|approved on|signed (?:at|on)|done at|dated|fecha|celebrad[ao] el|aprobad[ao] (?:el|en)|"
    r"adoptad[ao] (?:el|en)|hecho en|fait à|adoptée? (?:le|à)|le|el)\b",
    re.I,
)


def labelled_date(text: str, reach: int = 70) -> str:
    """The first date that a label says is the document's own (see _LABELLED); "" if none."""
    for m in _LABELLED.finditer(text):
        if m.group(0).lower() in ("le", "el"):
            continue
        window = text[m.end() : m.end() + reach]
        ds = find_dates(window)
        if ds and not re.search(r"[.;]\s", window[: ds[0][0]]):
            return ds[0][1]
    return ""


# ---- document types ----------------------------------------------------------------------------
# What the document says it is, in its front matter. (type, pattern); first match wins, so the
# narrower type comes before the wider one ("draft resolution" before "resolution", "national
# report" before "report", "note verbale" before "letter").
DOCTYPE_RULES: list[tuple[str, re.Pattern]] = [
    ("corrigendum", re.compile(r"^\s*(?:corrigendum|rectificaci[óo]n|rectificatif|исправление)\s*$", re.I | re.M)),
    ("addendum", re.compile(r"^\s*(?:addendum|adición|additif|добавление)\s*$", re.I | re.M)),
    ("draft resolution", re.compile(r"\bdraft resolution\b|\bproyecto de resoluci[óo]n\b|\bprojet de r[ée]solution\b", re.I)),
    ("decision", re.compile(r"^\s*(?:\d{1,3}/\d{1,4}\.?\s+)?decision(?: adopted by)?\b(?! of the (?:court|commission))|\bdecision adopted by\b|^\s*d[ée]cisi[óo]n adoptad[ao] por\b", re.I | re.M)),
    ("resolution", re.compile(r"/RES/|\bresolution adopted by\b|\bRESOLUCI[ÓO]N\b|\bresoluci[óo]n de la corte\b|\bRESOLUÇÃO\b|Резолюция, принятая", re.I)),
    ("note verbale", re.compile(r"^\s*note verbale\b|^\s*nota verbal\b", re.I | re.M)),
    ("letter", re.compile(r"^\s*(?:identical )?letters? dated\b|^\s*carta de fecha\b|^\s*lettre dat[ée]e\b|^\s*carta datada\b|^\s*Письмо\b", re.I | re.M)),
    ("minutes", re.compile(r"\bminutes\b|\bacta de la\b|\bproc[eè]s-verbal\b|\bsummary record\b|\bcompte rendu analytique\b", re.I)),
    ("judgment", re.compile(r"\bjudgment\b|\bjudgement\b|\bsentencia\b|\barr[êe]t\b|\bac[óo]rd[ãa]o\b|\bsentença\b|\bРешение суда\b", re.I)),
    ("compilation", re.compile(r"\bcompilation (?:prepared|of information|of united nations information)\b|\bcompilaci[óo]n preparada\b", re.I)),
    ("national report", re.compile(r"\bnational report\b|\binforme nacional\b|\brapport national\b|\bнациональный доклад\b", re.I)),
    ("report", re.compile(r"\breport\b|\binforme\b|\brapport\b|\brelat[óo]rio\b|\bдоклад\b|\bрезюме\b", re.I)),
    ("summary", re.compile(r"\bchair'?s summary\b|\bsummary\b", re.I)),
    ("declaration", re.compile(r"\bdeclaration\b|\bdeclaraci[óo]n\b|\bdéclaration\b|\bdeclaração\b", re.I)),
    ("note", re.compile(r"\bnote by the\b|\bnota de la secretar[íi]a\b|\bnote du secr[ée]tariat\b", re.I)),
    ("act", re.compile(r"\bact,? \d{4}\b|\bAN ACT\b", re.I)),
    ("speech", re.compile(r"\b(?:excellencies|ladies and gentlemen|distinguished delegates|señoras y señores|mesdames et messieurs|mr\.? chairman|madam chair)\b", re.I)),
]  # fmt: skip

# What a document calls itself in its text when its front matter does not say ("in the present
# report", "this judgment"): read only where the front matter gave nothing.
SELF_RE = re.compile(
    r"\b(?:the present|this|the instant|el presente|la presente|este|esta|le présent|la présente|o presente)\s+"
    r"(report|informe|rapport|relatório|judgment|sentencia|decision|decisión|décision|resolution|resolución|note|nota)\b",
    re.I,
)
SELF_TYPES = {
    "report": "report", "informe": "report", "rapport": "report", "relatório": "report", "judgment": "judgment",
    "sentencia": "judgment", "decision": "decision", "decisión": "decision", "décision": "decision",
    "resolution": "resolution", "resolución": "resolution", "note": "note", "nota": "note",
}  # fmt: skip

# Words in a file name that say what a document is, when its text does not.
FILENAME_TYPES = {
    "speech": "speech", "statement": "speech", "remarks": "speech", "letter": "letter",
    "report": "report", "briefing": "report", "minutes": "minutes", "resolution": "resolution",
    "declaration": "declaration", "summary": "summary", "judgment": "judgment", "note": "note",
}  # fmt: skip


def doctype_from(front: str, body: str = "", filename: str = "", symbol: str = "") -> str:
    """The document's type from what it says it is: its symbol, its front matter, how its text
    refers to itself, its file name, and last the way a speech addresses its audience."""
    if symbol and re.search(r"/Corr\.\d+$", symbol):
        return "corrigendum"
    if symbol and "/RES/" in symbol:
        return "resolution"
    for kind, pat in DOCTYPE_RULES:
        if kind == "speech":
            continue
        if pat.search(front):
            return kind
    speech = dict(DOCTYPE_RULES)["speech"]
    if speech.search(front):
        return "speech"
    for word in re.split(r"[^a-z]+", filename.lower()):
        if word in FILENAME_TYPES:
            return FILENAME_TYPES[word]
    if speech.search(body[:3000]):
        return "speech"
    refs = [SELF_TYPES[m.group(1).lower()] for m in SELF_RE.finditer(body)]
    if refs:
        # the most named; on a tie the one named last (a report quotes "this resolution" early and
        # concludes "in this report"), never the order of a set, which changes from run to run
        return max(dict.fromkeys(refs), key=lambda k: (refs.count(k), len(refs) - refs[::-1].index(k)))
    return "document"


def year_from_filename(name: str) -> str:
    m = re.search(r"(?<!\d)(19[4-9]\d|20\d\d)(?!\d)", name)
    return m.group(1) if m else ""

"""A document's title and issuer as printed on its first page, as data and one choice.

A citation names a document without a symbol by its issuer, short title and date, so the title must be
the one a reader would look the document up by: the subject line of a UN document, the heading of a report,
the case name of a judgment, the short title of an act. Front pages also print things that look like titles
and are not: letterheads and the names of organisations (`AFRICAN UNION UNION AFRICAINE`, `CONSTITUTIONAL
COURT OF SOUTH AFRICA`), a document type with its issuer (`RESOLUCIÓN DE LA CORTE INTERAMERICANA …`),
numbered section headings (`I. INTRODUCTION`), gazette furniture (`ACTS SUPPLEMENT No. 6`), `Submitted by
…`, datelines and venues, and OCR noise. This module says which is which (`REJECT`, one table, each row
tested in `tests/test_rules.py`) and chooses (`choose`):

1. a letter's or note verbale's own title (`Letter dated … from … addressed to …`);
2. the heading that follows `…: draft resolution` (a UN draft's title);
3. a case name, assembled across the lines a court prints it on (`THE MATTER OF / X / V. / Y` →
   `X v. Y`; `In the matter between: X Applicant and Y First Respondent` → `X v. Y`; `Caso X vs. Y`);
4. an act's short title (`THE PREVENTION OF TRAFFICKING IN PERSONS ACT, 2009`);
5. the reader's most prominent heading when it is not rejected, else the first of the most prominent
   level of the front headings that is not rejected (one-word heading lines in a row, `CARTA /
   DEMOCRÁTICA / INTERAMERICANA`, are one title).

The organisation a rejected letterhead names is the issuer, when the document names none otherwise.
Titles set in capitals are given in title case (`display`), the way a citation prints them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ---- what a title is not ---------------------------------------------------------------------------
_ORG_NOUN = (
    r"court|cour|corte|tribunal|commission|comisi[óo]n|comiss[ãa]o|committee|comit[ée]|council|conseil|"
    r"consejo|union|uni[óo]n|uni[ãa]o|nations|naciones|nacoes|secretariat|secretar[íi]a|organi[sz]ation|"
    r"organizaci[óo]n|assembly|assembl[ée]e|asamblea|ministry|minist[èe]re|ministerio|embassy|ambassade|"
    r"embajada|permanent mission|mission permanente|misi[óo]n permanente|high commissioner|office"
)
ORG_HEAD_RE = re.compile(rf"\b(?:{_ORG_NOUN})\b", re.I)
# A whole line that is an organisation's name: an organisation noun, no verb-like lower-case run, no
# full stop at the end, and not a document that is *of* an organisation ("Report of the Committee").
_DOC_NOUNS = (
    r"report|rapport|informe|relat[óo]rio|resolution|r[ée]solution|resoluci[óo]n|resolu[çc][ãa]o|"
    r"decision|d[ée]cision|decisi[óo]n|judgment|judgement|arr[êe]t|sentencia|senten[çc]a|ac[óo]rd[ãa]o|"
    r"declaration|d[ée]claration|declaraci[óo]n|declara[çc][ãa]o|statement|d[ée]claration|minutes|"
    r"summary|r[ée]sum[ée]|resumen|note|nota|letter|lettre|carta|opinion|opini[óo]n|order|ordonnance|"
    r"auto|protocol|protocole|protocolo|convention|convenci[óo]n|conven[çc][ãa]o|charter|charte|"
    r"agenda|act|ley|loi|lei|draft|proyecto|projet"
)
DOC_START_RE = re.compile(rf"^(?:(?:the|la|le|el|o|a|les|los|las)\s+)?(?:{_DOC_NOUNS})\b", re.I)
DOC_ANY_RE = re.compile(rf"\b(?:{_DOC_NOUNS}|record|session|meeting|r[ée]union|reuni[óo]n|sesi[óo]n)\b", re.I)
PART_RE = re.compile(r"^(?:part|chapter|title|section|article|partie|chapitre|titre|parte|cap[íi]tulo|"
                     r"t[íi]tulo|art[íi]culo|objective|objectif|objetivo|principle|principe|principio|"
                     r"goal|target|rule|r[èe]gle|regla)\s+[\dIVXLC]+\b", re.I)
# "RESOLUCIÓN DE LA CORTE INTERAMERICANA DE DERECHOS HUMANOS DE 12 DE DICIEMBRE DE 2023": a document
# type and its issuer (and date): the type is not a title, the issuer is the issuer.
TYPE_OF_ISSUER_RE = re.compile(
    r"^(?:resoluci[óo]n|resolu[çc][ãa]o|r[ée]solution|resolution|judgment|sentencia|senten[çc]a|arr[êe]t|"
    r"ac[óo]rd[ãa]o|decision|d[ée]cision|decisi[óo]n|order|ordonnance|auto|opinion|opini[óo]n)\s+"
    r"(?:del?|da|do|des?|du|of|by)\s+(?:(?:la|el|the|a|o)\s+)?"
    r"(?:(?:presidente?|president|pr[ée]sident)\s+(?:de\s+la|del|da|do|of\s+the|de\s+la)\s+)?"
    r"(?P<issuer>.*?(?:" + _ORG_NOUN + r").*?)"
    r"(?:\s+(?:de|del|of|du|on)\s+\d{1,2}\b.*|\s+(?:de|del|of|du|on)\s+\w+\s+\d{1,2},?\s+\d{4}.*)?$",
    re.I,
)
SECTION_RE = re.compile(r"^(?:[IVXLC]{1,7}|[A-Z]|\d{1,3}(?:\.\d{1,3})*)[.)]\s+\S")
GENERIC_RE = re.compile(
    r"^(?:briefing report|report|minutes|summary|chair'?s summary|annex|agenda|attendees|background|"
    r"introduction|contents|table of contents|[íi]ndice|sommaire|table des mati[èe]res|resolution|note|"
    r"statement|speech|remarks|judgment|judgement|decision|d[ée]cision|arr[êe]t|ac[óo]rd[ãa]o|sentencia|"
    r"merits|fondo|order|preamble|pre[áa]mbulo|pr[ée]ambule|principles|principios|"
    r"note by the secretariat|note du secr[ée]tariat|nota de la secretar[íi]a|"
    r"(?:draft )?resolution adopted by the general assembly(?: on .*)?|"
    r"r[ée]solution adopt[ée]e par l.assembl[ée]e g[ée]n[ée]rale(?: le .*)?|"
    r"resoluci[óo]n aprobada por la asamblea general(?: el .*)?|"
    r"acts? supplement.*|bills? supplement.*|statutory instruments? supplement.*|arrangement of sections)[.:]?$",
    re.I,
)
SUBMITTED_RE = re.compile(
    r"^(?:submitted|prepared|presented|issued|transmitted)\s+by\s*:?\s*(?:the\s+)?(?P<who>.+?)\.?$"
    r"|^(?:présenté|soumis|préparé)\s+par\s+(?:la\s+|le\s+|l’|l')?(?P<qui>.+?)\.?$"
    r"|^(?:presentado|preparado)\s+por\s+(?:la\s+|el\s+)?(?P<quien>.+?)\.?$",
    re.I,
)
_NUMBER_ONLY = re.compile(r"^[\W\d_]*$")
DATE_WORDS = re.compile(
    r"^(?:on\s+|le\s+|el\s+|the\s+)?(?:\d{1,2}(?:\s*[-–]\s*\d{1,2})?(?:st|nd|rd|th|er)?\s+(?:de\s+)?\w+,?\s+(?:de\s+)?\d{4}"
    r"|\w+\s+\d{1,2}(?:\s*[-–]\s*\d{1,2})?,?\s+\d{4})$",
    re.I,
)


def ocr_noise(text: str) -> bool:
    """Text of OCR garbage rather than words: few letters, or mostly one- and two-letter fragments."""
    t = text.strip()
    if not t:
        return True
    compact = t.replace(" ", "")
    if sum(c.isalpha() for c in t) < 3 or sum(c.isalnum() for c in t) < 0.6 * len(compact):
        return True
    tokens = t.split()
    if len(tokens) >= 4 and sum(not any(c.isalnum() for c in w) for w in tokens) > 0.25 * len(tokens):
        return True  # stray marks between the words: ":, ., ,"
    if any(re.search(r"[^\W\d_]\d[^\W\d_]", w) for w in tokens):
        return True  # a digit read inside a word: "sess1on"
    words = re.findall(r"[^\W\d_]+", t)
    if len(words) >= 3 and sum(len(w) <= 2 for w in words) > 0.5 * len(words):
        return True
    # a run of consonants no language writes ("rnrnw", "tJJjjl"), or case flipping inside words
    odd = sum(
        1
        for w in words
        if len(w) > 3 and (re.search(r"[bcdfghjklmnpqrstvwxz]{5,}", w, re.I) or re.search(r"[a-z][A-Z][a-z]", w))
    )
    return len(words) > 0 and odd > 0.3 * len(words)


def is_org_line(text: str) -> bool:
    """A letterhead: a line that is the name of an organisation, not a document's title."""
    t = " ".join(text.split()).strip(" :,")
    if not t or len(t) > 160 or t.endswith(".") or len(t.split()) < 2 or PART_RE.match(t):
        return False
    m = ORG_HEAD_RE.search(t)
    # the organisation is what the line names first ("CONSTITUTIONAL COURT OF …", "IN THE COURT OF …"),
    # not what a title is about ("Opening dates of … sessions of the General Assembly")
    if not m or len(re.sub(r"^(?:in\s+)?(?:the\s+)?", "", t[: m.start()], flags=re.I).split()) > 3:
        return False
    if DOC_ANY_RE.search(t):
        return False
    if re.search(r"\d", t) and not re.search(r"\(\w+\)$", t):
        return False
    # an organisation's name has no verb run: "The Court decides that…" is a sentence
    return not re.search(r"\b(?:is|are|was|were|has|have|shall|decides?|notes?|recalls?)\b", t, re.I)


# (name, test): why a front-page line is not the document's title. Each row has a table test.
REJECT: list[tuple[str, object]] = [
    ("empty-or-number", lambda t: bool(_NUMBER_ONLY.match(t))),
    ("section-heading", lambda t: bool(SECTION_RE.match(t))),
    ("generic", lambda t: bool(GENERIC_RE.match(t.strip(" *")))),
    ("submitted-by", lambda t: bool(SUBMITTED_RE.match(t))),
    ("case-intro", lambda t: bool(CASE_INTRO_RE.fullmatch(t.strip()))),
    ("part-heading", lambda t: bool(PART_RE.match(t))),
    ("type-of-issuer", lambda t: bool(TYPE_OF_ISSUER_RE.match(t))),
    ("organisation", is_org_line),
    ("date", lambda t: bool(DATE_WORDS.match(t.strip(" .")))),
    ("one-letter", lambda t: len(re.sub(r"\W", "", t)) < 3),
    ("ocr-noise", ocr_noise),
]


def rejected(text: str) -> str:
    """Why `text` is not a title (a REJECT row's name), or "" when it may be one."""
    t = " ".join(text.split())
    for name, test in REJECT:
        if test(t):  # type: ignore[operator]
            return name
    return ""


# ---- case names ------------------------------------------------------------------------------------
CASE_INTRO_RE = re.compile(
    r"^(?:in\s+the\s+(?:case|matter)(?:\s+of|\s+between)?|the\s+matter\s+of|in\s+re|"
    r"dans\s+l\W?affaire|no\s+processo\s+que\s+envolve|en\s+el\s+(?:caso|asunto)(?:\s+de)?)\b\s*:?\s*",
    re.I,
)
CASE_LINE_RE = re.compile(r"^(?:caso|asunto|assunto|affaire|case\s+of|matter\s+of)\s+(?!n[°º.o]?\.?\s*\d|núm)\S", re.I)
PARTY_SEP_RE = re.compile(r"\s+(?:v\.?|vs\.?|c\.|contra|versus)\s+", re.I)
ROLE_RE = re.compile(
    r"\s+(?:(?:first|second|third|fourth|fifth)\s+)?(?:applicants?|appellants?|petitioners?|plaintiffs?|"
    r"respondents?|defendants?|requ[ée]rante?s?|d[ée]fendeurs?|demandeurs?|amicus\s+curiae|intervening\s+party)\b"
    r"(?:\s*\(?\d+\)?)?",
    re.I,
)
CASE_END_RE = re.compile(
    r"\s+(?:application|petition|peti[çc][ãa]o|requ[êe]te|affaire|case|judgment|arr[êe]t|ac[óo]rd[ãa]o)\s+"
    r"n[°º.o]*\b.*$|\s+(?:heard|decided|delivered)\s+on\b.*$|\s+together\s+with\b.*$",
    re.I,
)
_STOP_CASE = re.compile(
    r"^(?:judgment|judgement|arr[êe]t|ac[óo]rd[ãa]o|sentencia|decision|ruling|order|application|petition|"
    r"peti[çc][ãa]o|requ[êe]te|heard|decided|composition|between|entre)\b|^\d{1,2}\s+\w+\s+\d{4}$",
    re.I,
)


def _party(text: str) -> str:
    t = " ".join(text.split()).strip(" ,;:")
    # a final full stop goes, but not an abbreviation's ("et al.", "Ltd.", "S.A.")
    last = t.rsplit(" ", 1)[-1]
    if t.endswith(".") and len(last.rstrip(".")) > 3 and "." not in last.rstrip("."):
        t = t[:-1]
    return t


def case_name(lines: list[str]) -> str:
    """The case name a court's front page prints, assembled across lines, or ""."""
    for i, line in enumerate(lines):
        t = " ".join(line.split())
        m = CASE_INTRO_RE.match(t)
        if m:
            rest = t[m.end():]
            j = i + 1
            # "THE MATTER OF" / "X" / "V." / "Y": the parties follow on lines of their own
            while j < len(lines) and j <= i + 6 and not (rest and (PARTY_SEP_RE.search(rest) or ROLE_RE.search(rest)) and not re.search(r"(?:\s|^)(?:v\.?|vs\.?|c\.|and|et|e|y)$", rest, re.I)):
                nxt = " ".join(lines[j].split())
                if _STOP_CASE.match(nxt):
                    break
                rest = f"{rest} {nxt}".strip()
                j += 1
            name = _parties(rest)
            if name:
                return name
            continue
        if CASE_LINE_RE.match(t) and len(t.split()) <= 25:
            return _party(CASE_END_RE.sub("", t))
        if len(t.split()) <= 20 and PARTY_SEP_RE.search(t) and t[:1].isupper() and not t.endswith("."):
            name = _parties(t)
            if name:
                return name
    return ""


def _parties(text: str) -> str:
    text = CASE_END_RE.sub("", " ".join(text.split()))
    if ROLE_RE.search(text):
        # "X Applicant and Y First Respondent Z Second Respondent": the first party against the first other
        chunks = [c for c in ROLE_RE.split(text) if c and c.strip(" ,;:")]
        if len(chunks) >= 2:
            first = _party(chunks[0])
            second = _party(re.sub(r"^\s*(?:and|et|e|y|v\.?|vs\.?|c\.)\s+", "", chunks[1], flags=re.I))
            if first and second:
                return f"{first} v. {second}"
        return ""
    m = PARTY_SEP_RE.search(text)
    if not m:
        return ""
    first, second = _party(text[: m.start()]), _party(text[m.end():])
    if not first or not second or len(first.split()) > 14 or len(second.split()) > 14:
        return ""
    sep = m.group(0).strip()
    sep = "v." if sep.lower() in ("v", "v.", "versus") else sep.lower() if sep.isupper() else sep
    return f"{first} {sep} {second}"


# ---- acts, drafts, letters ---------------------------------------------------------------------------
ACT_RE = re.compile(r"^(?!act\s+\d)(?:the\s+)?[\w’'(),\- ]{3,120}?\bact,?\s+\d{4}\.?$", re.I)
DRAFT_RE = re.compile(r":\s*(?:revised\s+)?draft\s+(?:resolution|decision)$|:\s*projet\s+de\s+r[ée]solution$|"
                      r":\s*proyecto\s+de\s+resoluci[óo]n$", re.I)
LETTER_RE = re.compile(
    r"^(?:Identical letters|Letter|Note verbale|Carta|Lettre|Nota verbal)\s+(?:dated|de fecha|datée)\b.*",
    re.I,
)


# ---- issuers ----------------------------------------------------------------------------------------
_SECOND_LANG = re.compile(
    r"\s+(?=(?:cour|corte|tribunal|union|uni[óo]n|uni[ãa]o|commission|comisi[óo]n|comiss[ãa]o|nations|"
    r"naciones|organisation|organizaci[óo]n)\b)",
    re.I,
)


def letterhead_name(text: str) -> str:
    """The first name of a bilingual letterhead: `AFRICAN UNION UNION AFRICAINE` → `AFRICAN UNION`."""
    t = " ".join(text.split()).strip(" :,")
    first = ORG_HEAD_RE.search(t)
    if not first:
        return t
    for m in _SECOND_LANG.finditer(t):
        if m.start() >= first.end():
            return t[: m.start()].strip()
    return re.sub(r"^in\s+the\s+", "", t, flags=re.I)


def _issuer_rank(name: str) -> int:
    if re.search(r"\b(?:court|cour|corte|tribunal|commission|comisi[óo]n|comiss[ãa]o|committee)\b", name, re.I):
        return 0
    return 1


# ---- a court's neutral citation: its symbol ------------------------------------------------------------
NEUTRAL_RE = re.compile(r"^\[(?:19|20)\d{2}\]\s+[A-Z]{2,8}(?:\s+(?:Civ|Crim|Admin|Fam|Ch|QB|KB|Comm))?\s+\d{1,5}$")


def neutral_citation(line: str) -> str:
    """`[2013] ZACC 15`, `[2019] EWCA Civ 123`: a judgment's own citation, printed on its front page."""
    t = " ".join(line.split())
    return t if NEUTRAL_RE.match(t) else ""


# ---- casing -----------------------------------------------------------------------------------------
_SMALL = {
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "with",
    "v.", "vs.", "c.", "de", "del", "la", "las", "el", "los", "y", "e", "en", "da", "das", "do", "dos", "des",
    "du", "et", "le", "les", "à", "au", "aux", "em", "na", "no", "sur", "para", "por", "sobre",
}  # fmt: skip
_ROMAN = re.compile(r"^[IVXLC]{1,7}[.,:;]?$")


# "… Member to the WCPFC WCPFC11-2014 -OP16 01 December 2014 1830": a document code (and what follows
# it: a date, a time) set on the title's line is not part of the title
CODE_TAIL_RE = re.compile(r"(?<=\w)\s+[A-Z]{2,10}\d{0,3}[-/]\d{4}\b.*$")


def display(title: str) -> str:
    """A title set in capitals, in title case; a title in mixed case, as printed. A document code set on
    the title's line after three or more words is cut off."""
    t = " ".join(title.split())
    cut = CODE_TAIL_RE.search(t)
    if cut and len(t[: cut.start()].split()) >= 3:
        t = t[: cut.start()]
    letters = [c for c in t if c.isalpha()]
    if len(letters) < 4 or sum(c.isupper() for c in letters) < 0.8 * len(letters) or " " not in t:
        return t  # mixed case as printed; one word in capitals is an acronym (SPREP)
    out = []
    for i, w in enumerate(t.split(" ")):
        lw = w.lower()
        if _ROMAN.match(w) and lw not in ("c.", "v.", "vi", "di", "mi", "li") or re.search(r"\d", w):
            out.append(w if not re.match(r"^NO\.$", w) else "No.")
        elif w.startswith("(") and w.endswith(")") and len(w) <= 10 or re.fullmatch(r"[A-Z]{2,8}(?:/[A-Z]{2,8})+", w):
            out.append(w)  # an acronym in brackets, (ECOWAS), or acronyms joined, UNITAR/UNFPA/IOM
        elif i and lw in _SMALL:
            out.append(lw)
        elif lw in ("no.", "nº", "n°"):
            out.append(w.capitalize())
        else:
            out.append("-".join(_cap(p) for p in lw.split("-")))
    return " ".join(out)


def _cap(word: str) -> str:
    for i, c in enumerate(word):
        if c.isalpha():
            return word[:i] + c.upper() + word[i + 1 :]
    return word


# ---- the choice -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FrontLine:
    """A line of the front matter: its text, whether the format or the segmenter took it for a heading,
    and its heading level (1 = most prominent; 0 = not a heading)."""

    text: str
    level: int = 0


@dataclass(frozen=True)
class Choice:
    title: str
    issuer: str = ""
    rule: str = ""  # which rule chose it: letter | draft | case | act | hint | heading | none


def choose(lines: list[FrontLine], hint: str = "") -> Choice:
    """The document's title and issuer from its front lines (in reading order) and the reader's hint
    (its most prominent heading on the first page, if it has one)."""
    texts = [" ".join(ln.text.split()) for ln in lines if ln.text.strip()]
    heads = [ln for ln in lines if ln.level and ln.text.strip()]
    issuer = _issuer(texts)
    for t in texts:
        if LETTER_RE.match(t) and len(t) < 400:
            return Choice(t.rstrip(":").strip(), issuer, "letter")
    for i, ln in enumerate(heads):
        if DRAFT_RE.search(ln.text.strip()) and i + 1 < len(heads) and not rejected(heads[i + 1].text):
            return Choice(display(heads[i + 1].text.strip()), issuer, "draft")
    case = case_name(texts)
    if case:
        return Choice(display(case), issuer, "case")
    for t in texts:
        if ACT_RE.match(t) and not GENERIC_RE.match(t):
            return Choice(display(t.rstrip(".")), issuer, "act")
    hint = " ".join(hint.split())
    if hint and not rejected(hint):
        at = next((i for i, ln in enumerate(heads) if " ".join(ln.text.split()) == hint), -1)
        if at >= 0:
            return Choice(display(_run(heads, at)), issuer, "hint")
        return Choice(display(hint), issuer, "hint")
    # the body begins at its first numbered section or part ("I. Introduction", "Objective 1"): a heading
    # under it is the section's, not the document's
    why = [rejected(ln.text) for ln in heads]
    body = next((i for i, w in enumerate(why) if w in ("section-heading", "part-heading")), len(heads))
    heads, why = heads[:body], why[:body]
    usable = [i for i, w in enumerate(why) if not w]
    if usable:
        top = min(heads[i].level for i in usable)
        first = next(i for i in usable if heads[i].level == top)
        return Choice(display(_run(heads, first).rstrip(":").strip()), issuer, "heading")
    return Choice("", issuer, "none")


def _short(ln: FrontLine) -> bool:
    return len(ln.text.split()) <= 2 and not rejected(ln.text)


def _run(heads: list[FrontLine], at: int) -> str:
    """The heading at `at`, with the one- and two-word heading lines of its level around it when it is
    one of them: "CARTA" / "DEMOCRÁTICA" / "INTERAMERICANA" is one title set on three lines."""
    if not _short(heads[at]):
        return heads[at].text.strip()
    lo = hi = at
    while lo > 0 and heads[lo - 1].level == heads[at].level and _short(heads[lo - 1]):
        lo -= 1
    while hi + 1 < len(heads) and heads[hi + 1].level == heads[at].level and _short(heads[hi + 1]):
        hi += 1
    return " ".join(h.text.strip() for h in heads[lo : hi + 1])


def _issuer(texts: list[str]) -> str:
    found: list[str] = []
    for t in texts[:12]:
        m = SUBMITTED_RE.match(t)
        if m:
            who = next(g for g in m.groups() if g)
            return display(who.strip())
        m = TYPE_OF_ISSUER_RE.match(t)
        if m and not DOC_START_RE.match(m.group("issuer")):
            found.append(m.group("issuer"))
        elif is_org_line(t):
            found.append(letterhead_name(t))
    if not found:
        return ""
    best = min(found, key=_issuer_rank)
    return display(best)


"""The one segmenter: a stream of blocks (from any reader) → the document's units, as printed.

Stages, in order (each a function below):
1. `assemble`   join lines and page-broken runs into paragraphs; split where a list label starts;
2. `front`      mark the masthead (metadata, not paragraphs) and find the title;
3. `classify`   each paragraph: heading, part marker, note body, numbered item, bullet or plain;
4. `structure`  parts, numbering levels (`8 (c)`), assigned positions, heading paths, note links;
5. `metadata`   symbol, date, type, title, issuer and languages.

Note calls travel through every edit as CALL_OPEN label CALL_CLOSE, and leave the text at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from pincite.corpus import naming
from pincite.corpus.model import FOOTNOTE, HEADING, PARAGRAPH, Unit
from pincite.ingest import identity
from pincite.ingest import lang as langid
from pincite.ingest import metadata as md
from pincite.ingest.blocks import (
    CELL,
    FURNITURE,
    HARD,
    LINE,
    MASTHEAD,
    PAGE,
    PARA,
    TOC,
    Block,
    ReadResult,
)
from pincite.ingest.rules import furniture, labels, notes, parts, titles
from pincite.ingest.version import PARSER_VERSION  # noqa: F401 - where it is looked for

CALL_OPEN, CALL_CLOSE = "\ue000", "\ue001"
CALL_RE = re.compile(f"{CALL_OPEN}([^{CALL_CLOSE}]*){CALL_CLOSE}")

# ---- labels, parts and mastheads: the shared rules (pincite.ingest.rules) ----------------------
BULLET_RE = labels.BULLET_RE
SECTION_RE = labels.SECTION_RE  # "I. Background", "B. Framework"
TERMINAL = ".;:!?…\"”’)»"
FUNCTION_WORDS = set(
    "the a an of on in for to and or with by at from as that which into between than "
    "de la el los las del y en con por para que un una et des du le les au aux à dans sur "
    "com do da dos das e o os em no na".split()
)

MASTHEAD_SIGNAL = furniture.MASTHEAD_SIGNAL
CONTACT_RE = re.compile(r"\b(?:TEL|Tel\.?|FAX|Fax|E-?mail|P\.?\s?O\.? Box|Phone|Tél\.?)\b")
SIGNED_RE = re.compile(r"^\((?:Signed|Firmado|Signé)\)", re.I)
TOC_RE = re.compile(r"(?:\.\s?){4,}\s*\d+\s*$|\s\d+\s*[-–]\s*\d+\s+\d+\s*$")
SPACES_RE = re.compile(r"\s+")
WORD_RE = re.compile(r"[\wÀ-ÿ'-]+")
HYPHEN_END_RE = re.compile(r"([\wÀ-ÿ]+)-$")
HYPHENS_END_RE = re.compile(r"-[\wÀ-ÿ]+-$")
NON_WORD_RE = re.compile(r"[\W_]+")
ABBREVIATION_END_RE = re.compile(r"([\wÀ-ÿº°]+)\.\s*$")
LAST_WORD_RE = re.compile(r"([\wÀ-ÿº°]+)\W*$")


@dataclass
class Para:
    text: str  # with call markers
    brk: str = PARA
    page: int = 0
    heading: int = 0
    bullet: bool = False
    label: str = ""
    note: str = ""
    role: str = ""
    last_page: int = 0  # the page of its last line, when it runs on across a page break
    hardbreaks: bool = False
    lines: int = 1
    lang: str = ""
    size: float = 0.0
    # set by classify
    kind: str = ""  # paragraph | footnote | heading | part | drop
    style: str = ""
    value: str = ""
    printed: str = ""  # the printed number ("8", "c", "I")


@dataclass
class Segmented:
    meta: dict
    units: list[Unit]
    dropped: list[str] = field(default_factory=list)  # text kept out of the units (masthead, heads…)


# ---- helpers -----------------------------------------------------------------------------------
def plain(text: str) -> str:
    return CALL_RE.sub("", text) if CALL_OPEN in text else text


def calls_of(text: str) -> list[str]:
    out: list[str] = []
    for label in CALL_RE.findall(text):
        if label not in out:
            out.append(label)
    return out


def mark_calls(text: str, calls: tuple[tuple[int, str], ...]) -> str:
    if not calls:
        return text
    out, last = [], 0
    for off, label in sorted(calls):
        out.append(text[last:off])
        out.append(f"{CALL_OPEN}{label}{CALL_CLOSE}")
        last = off
    out.append(text[last:])
    return "".join(out)


def _ends_terminal(text: str) -> bool:
    t = plain(text).rstrip()
    return bool(t) and t[-1] in TERMINAL


def _last_word(text: str) -> str:
    words = WORD_RE.findall(plain(text))
    return words[-1].lower() if words else ""


def _first_char(text: str) -> str:
    t = plain(text).lstrip()
    return t[:1]


def join_lines(a: str, b: str) -> str:
    """Join two lines of one paragraph, removing a line-end hyphen that splits a word.

    `consid-` + `erable` → `considerable`; `High-` + `level` keeps its hyphen (a word that carries
    its own hyphen is written with a capital or a digit before it, or the next part is capitalised).
    """
    a = a.rstrip()
    b = b.lstrip()
    if not a:
        return b
    if not b:
        return a
    if a.endswith("-") and not a.endswith("--") and len(a) > 1 and a[-2].isalpha():
        m = HYPHEN_END_RE.search(a)
        head = m.group(1) if m else ""
        if b[:1].islower() and head and not head[:1].isupper() and not HYPHENS_END_RE.search(a):
            return a[:-1] + b
        return a + b
    return a + " " + b


def parse_label(text: str) -> labels.Label | None:
    """The label a text starts with (style, value, rest), by the shared grammar of printed labels."""
    return labels.parse(plain(text))


def _strip_prefix(text: str, n_plain: int) -> str:
    """Remove the first `n_plain` visible characters of a marked text, keeping markers after them."""
    i = seen = 0
    while i < len(text) and seen < n_plain:
        if text[i] == CALL_OPEN:
            i = text.index(CALL_CLOSE, i) + 1
            continue
        i += 1
        seen += 1
    return text[i:]


def _starts_item(text: str) -> bool:
    t = plain(text).lstrip()
    return bool(parse_label(t)) or bool(BULLET_RE.match(t))


# ---- 1. assemble -------------------------------------------------------------------------------
def _capitals_line(text: str) -> bool:
    """A short line set in capitals ("JUDGMENT", "PART II"): a heading's shape."""
    t = plain(text).strip()
    if len(t.split(None, 6)) > 6:  # (first: the text may be a whole paragraph, asked at a page break)
        return False
    letters = [c for c in t if c.isalpha()]
    return len(letters) >= 3 and not any(c.islower() for c in letters)


def _continues(prev: Para, nxt: Block, text: str) -> bool:
    """Does a block run on from the paragraph before it (a page or paragraph break mid-sentence)?"""
    if nxt.brk in (HARD,) or nxt.heading or nxt.note or nxt.bullet or nxt.label or nxt.role:
        return False
    if prev.kind or prev.heading or prev.note or prev.role:
        return False
    if _starts_item(text):
        return False
    first = _first_char(text)
    if nxt.brk == PAGE:
        if _capitals_line(prev.text) and not _capitals_line(text):
            return False  # "JUDGMENT" closing a cover page: a heading, not a sentence left open
        return not (_ends_terminal(prev.text) and (first.isupper() or first.isdigit() or first in "\"“‘¿¡("))
    if nxt.brk == PARA:
        if _ends_terminal(prev.text):
            return False
        return first.islower() or _last_word(prev.text) in FUNCTION_WORDS
    return nxt.brk == LINE


def assemble(blocks: list[Block], dropped: list[str], toc: list[str] | None = None) -> list[Para]:
    """`toc` collects the contents entries a reader marked (the segmenter ends a contents list
    where the body repeats one of them)."""
    paras: list[Para] = []
    last_body: int | None = None  # index of the last body paragraph (notes may sit after it)
    for b in blocks:
        text = mark_calls(b.text, b.calls)
        if b.role in (FURNITURE, TOC) or not plain(text).strip():
            if plain(text).strip():
                dropped.append(plain(text))
                if b.role == TOC and toc is not None:
                    toc.append(plain(text))
            continue
        lines = [ln for ln in text.split("\n") if plain(ln).strip()]
        short = len(lines) >= 3 and all(len(plain(ln).strip()) <= 40 for ln in lines)  # an address set line by line
        if (b.hardbreaks or short) and len(lines) >= 2 and CONTACT_RE.search(plain(text)):
            dropped.append(plain(text))
            continue
        first, rest = lines[0], lines[1:]
        target = paras[last_body] if last_body is not None else None
        if target is not None and _continues(target, b, first) and not paras[-1].heading:
            target.text = join_lines(target.text, first)
            target.lines += 1
            target.last_page = b.page
            cur = target
        else:
            cur = Para(
                text=first.strip(),
                brk=b.brk,
                page=b.page,
                heading=b.heading,
                bullet=b.bullet,
                label=b.label,
                note=b.note,
                role=b.role,
                hardbreaks=b.hardbreaks,
                lang=b.lang,
                size=b.size,
            )
            paras.append(cur)
        for ln in rest:
            if (
                not cur.heading
                and not cur.note
                and _ends_terminal(cur.text)  # (before _starts_item, which costs more)
                and _starts_item(ln)
                and not _ends_abbreviation(cur.text)  # "… 2006, para." / "[2])." is one citation
            ):
                cur = Para(text=ln.strip(), brk=PARA, page=b.page, lang=b.lang, size=b.size)
                paras.append(cur)
            else:
                cur.text = join_lines(cur.text, ln)
                cur.lines += 1
                if b.page and b.page != cur.page:
                    cur.last_page = b.page
        if not (cur.heading or cur.note or cur.role):
            if cur is paras[-1]:  # else cur is the continued paragraph, already at last_body
                last_body = len(paras) - 1
        elif cur.heading:
            last_body = None
    return paras


# ---- 2. front matter ---------------------------------------------------------------------------
def _is_masthead(text: str) -> bool:
    t = plain(text).strip().strip("*").strip()
    if not t:
        return False
    return furniture.is_masthead_line(t) or bool(md.is_symbol_line(t) or titles.neutral_citation(t))


def front(paras: list[Para], dropped: list[str]) -> dict:
    """Mark the masthead at the head of the document and read what it says."""
    meta: dict = {}
    seen_distr = False
    head = [plain(p.text).strip() for p in paras[:25] if not p.note]
    # Masthead patterns ("FIRST SESSION", "English") apply only where a masthead is plainly there.
    signal = any(MASTHEAD_SIGNAL.match(t) or md.is_symbol_line(t) for t in head)
    for i, p in enumerate(paras[:25]):
        t = plain(p.text).strip()
        if p.note:
            continue
        if len(t) > 200 or parse_label(t):
            break
        sym = md.is_symbol_line(t)
        if sym and i < 12:
            meta.setdefault("symbol", sym)
        neutral = titles.neutral_citation(t) if i < 12 else ""
        if neutral:  # a judgment's own citation: its symbol, and masthead, never a paragraph
            meta.setdefault("symbol", neutral)
            p.kind = "drop"
            dropped.append(t)
            continue
        if re.match(r"^distr", t, re.I):
            seen_distr = True
            d = md.first_date(t)
            if d:
                meta.setdefault("date", d)
        elif (seen_distr or p.role == MASTHEAD) and "date" not in meta and md.is_date_line(t) and t[:1] not in "-–—":
            # ("- 5 December 2014" ends a session's range "1 - 5 December 2014": the meeting's dates)
            meta["date"] = md.first_date(t)
            p.kind = "drop"
            dropped.append(t)
            continue
        elif "date" not in meta and p.role == MASTHEAD and t[:1].isalnum() and md.is_date_line(t):
            meta["date"] = md.first_date(t)  # the dateline a reader found in the front page's masthead zone
        m = re.match(r"^original\s*:?\s*(\w+)$", t, re.I)
        if m:
            meta["original"] = m.group(1)
        if p.role == MASTHEAD or (signal and _is_masthead(p.text)):
            p.kind = "drop"
            dropped.append(t)
    # A reader that knows the masthead from the page (PDF) marks it wherever it sits.
    for p in paras:
        if p.role == MASTHEAD and not p.kind:
            p.kind = "drop"
            dropped.append(plain(p.text).strip())
    return meta


# ---- 2b. contents and endnotes ---------------------------------------------------------------------
def _entry_key(text: str) -> str:
    """A contents entry or a heading reduced to its words: no label, leaders, page numbers or stops."""
    t = SPACES_RE.sub(" ", plain(text)).strip()
    t = furniture.TOC_TAIL_RE.sub("", t)
    sm = SECTION_RE.match(t)
    if sm:
        t = sm.group(2)
    else:
        lab = labels.parse(t)
        if lab and lab.rest.strip():
            t = lab.rest
    return NON_WORD_RE.sub(" ", t.lower()).strip()


def _sentence(key: str, text: str) -> bool:
    """Prose, not a title: six words or more ending a sentence, most longer words in lower case
    ("The body starts here and is …", not "Absence of Victims and Court Awards.")."""
    long = [w for w in key.split() if len(w) >= 4]
    capital = sum(1 for w in re.findall(r"[^\W\d_]{4,}", plain(text)) if w[0].isupper())
    return len(key.split()) >= 6 and _ends_terminal(text) and capital * 2 < len(long)


def contents(paras: list[Para], toc: list[str], dropped: list[str]) -> None:
    """A table of contents under its heading ("ARRANGEMENT OF SECTIONS", "Contents"): its entries
    ("1. Commencement", "PART I—PRELIMINARY") are not paragraphs. It ends where the text begins: a
    long paragraph, or a line that repeats one seen before the contents (the title) or one of its
    entries (the first heading of the body)."""
    for i, p in enumerate(paras):
        if p.kind or p.note or not furniture.is_toc_heading(plain(p.text)):
            continue
        before = {_entry_key(q.text) for q in paras[:i] if not q.note}
        entries = {k for k in (_entry_key(t) for t in toc) if len(k.split()) >= 2}
        p.kind = "toc"  # kept out of the units, and out of the front matter that types the document
        dropped.append(plain(p.text).strip())
        for q in paras[i + 1 :]:
            if q.note or q.kind:
                continue
            t = plain(q.text).strip()
            if furniture.is_toc_heading(t):  # "CONTENTS (continued)" on the next page
                q.kind = "toc"
                dropped.append(t)
                continue
            key = _entry_key(t)
            if len(t.split()) >= 20 or _sentence(key, t) or key in before or key in entries:
                break
            if len(key.split()) >= 2:
                entries.add(key)
            q.kind = "toc"
            dropped.append(t)
        return


def endnotes(paras: list[Para]) -> None:
    """Notes collected under a heading of their own ("Notas:", "Endnotes"), in body type: the
    labelled paragraphs after it are note bodies; calls written "[1]" in the text before are calls."""
    for i, p in enumerate(paras):
        if p.kind or p.note or not notes.notes_heading(plain(p.text)):
            continue
        found: list[str] = []
        for q in paras[i + 1 :]:
            if q.note or q.kind:
                continue
            got = notes.note_body(plain(q.text))
            if not got:
                break
            q.note = got[0]
            q.text = _strip_prefix(q.text.lstrip(), got[1])
            found.append(got[0])
        if not found:
            continue
        p.heading = p.heading or 2
        have = set(found)

        def call(m: re.Match, have: set[str] = have) -> str:
            return f"{CALL_OPEN}{m.group(1)}{CALL_CLOSE}" if m.group(1) in have else m.group(0)

        for q in paras[:i]:
            if not (q.note or q.kind) and "[" in q.text:
                q.text = notes.BRACKET_CALL_RE.sub(call, q.text)
        return


# ---- 3. classify ---------------------------------------------------------------------------------
def _looks_heading(p: Para, t: str) -> int:
    """A heading level for a paragraph that looks like one though the format did not say so."""
    words = t.split()
    if not words or len(t) > 110 or len(words) > 14 or p.lines > 3:
        return 0
    if t[-1] in ".;,!?—–" or p.bullet or p.note or p.role == CELL:
        return 0  # "… unless the context otherwise requires—" opens a list
    letters = [c for c in t if c.isalpha()]
    if len(letters) >= 3 and not any(c.islower() for c in letters):
        return 2  # a line in capitals
    if t[-1] == ":" and len(words) > 4:
        return 0
    if not (t[0].isupper() or t[0].isdigit() or t[0] in "\"“'"):
        return 0
    return 3


def split_named_parts(paras: list[Para]) -> None:
    """ "Artículo I. Todo ser humano …", "Principio 3 .- Debe …": the part's heading and its first
    paragraph share a line; make them two paragraphs, so the part opens and its text is a unit."""
    out: list[Para] = []
    for p in paras:
        t = plain(p.text).strip()
        found = None if (p.kind or p.note or p.role) else parts.parse_part(t)
        if found and found[1]:
            rest = found[1]
            head = replace(p, text=t[: len(t) - len(rest)].strip(), lines=1)
            body = replace(p, text=_strip_prefix(p.text.lstrip(), len(t) - len(rest)).lstrip(), heading=0)
            out += [head, body]
        else:
            out.append(p)
    paras[:] = out


ABBREVIATIONS = set(
    "para paras p pp no nos art arts vol vols chap ch sect sec op cit ibid al fig figs ann res doc e g i "
    "párr núm pág cap nº n°".split()
)


def _ends_abbreviation(text: str) -> bool:
    """Does the text end with an abbreviation's full stop ("para.", "p.", "No."), not a sentence's?"""
    m = ABBREVIATION_END_RE.search(plain(text))
    return bool(m) and m.group(1).lower() in ABBREVIATIONS


def split_run_on(paras: list[Para]) -> None:
    """A numbered paragraph whose next number runs on inline after a full stop ("… the meeting. 2.
    Representatives of …", "… ends here. 3) This October …"): split it there, whatever the reader.
    Only the next number after the paragraph's own, after a sentence end (not "para. 2."), before a
    capital: "in 2. The" or a list quoted inside do not follow the paragraph's own number."""
    out: list[Para] = []
    for p in paras:
        while not (p.kind or p.note or p.heading or p.role or p.label):
            t = plain(p.text)
            lab = labels.parse(t.lstrip())
            if not lab or lab.style not in ("num-dot", "num-close") or not lab.value.isdigit():
                break
            mark = "." if lab.style == "num-dot" else ")"
            nxt = str(int(lab.value) + 1)
            if nxt + mark not in t:  # the pattern below needs it: most paragraphs have none
                break
            m = None
            for m_ in re.finditer(rf"(?<=[.;:!?”\"’])\s+{nxt}{re.escape(mark)}\s+(?=[A-ZÀ-Ý“\"])", t):
                before = LAST_WORD_RE.findall(t[: m_.start()])
                if not before or before[0].lower() not in ABBREVIATIONS:
                    m = m_
                    break
            if m is None:
                break
            head_text = _prefix(p.text, m.start())
            rest = p.text[len(head_text) :].lstrip()
            out.append(replace(p, text=head_text.rstrip()))
            p = replace(p, text=rest, brk=PARA, heading=0)
        out.append(p)
    paras[:] = out


def _prefix(text: str, n_plain: int) -> str:
    """The first `n_plain` visible characters of a marked text, with the markers among and right
    after them (a call after the last word belongs to it)."""
    i = seen = 0
    while i < len(text) and (seen < n_plain or text[i] == CALL_OPEN):
        if text[i] == CALL_OPEN:
            i = text.index(CALL_CLOSE, i) + 1
            continue
        i += 1
        seen += 1
    return text[:i]


def _item_heading(paras: list[Para], i: int) -> bool:
    """Is heading i, which opens with "1." or "1)", a numbered item rather than a section's title?
    A section's title has numbered paragraphs under it ("1. Introduction", then "1.1" or "1."); an
    agenda item has unnumbered text under it, and a title of a few words."""
    if len(plain(paras[i].text).split()) > 14:
        return False
    for q in paras[i + 1 :]:
        if q.note or q.kind in ("drop", "toc", "merged"):
            continue
        if q.heading:
            t = plain(q.text).strip()
            nxt = parse_label(t)  # the next heading is the next item: "2. Adoption de l'ordre du jour"
            return bool(nxt) and nxt.style == parse_label(plain(paras[i].text).strip()).style
        t = plain(q.text).strip()
        # unnumbered text under it, not a sub-heading ("Право на труд …" before paragraph 45)
        return not parse_label(t) and not q.label and (_ends_terminal(t) or len(t.split()) > 14)
    return False


def classify(paras: list[Para]) -> None:
    endnotes(paras)
    split_run_on(paras)
    split_named_parts(paras)
    # A paragraph opened by "(Signed)" takes the short lines of the signature block after it.
    for i, p in enumerate(paras):
        if p.kind or not SIGNED_RE.match(plain(p.text)):
            continue
        j = i + 1
        while j < len(paras) and not paras[j].kind and not paras[j].note and not paras[j].heading:
            t = plain(paras[j].text).strip()
            if len(t.split()) > 10 or _ends_terminal(t) or parts.is_part(t):
                break
            p.text = f"{p.text}, {paras[j].text}"
            paras[j].kind = "merged"
            j += 1

    body_after = [False] * (len(paras) + 1)
    for i in range(len(paras) - 1, -1, -1):
        q = paras[i]
        body_after[i] = body_after[i + 1] or (
            not q.kind and not q.note and not q.heading and len(plain(q.text)) > 60
        )

    for i, p in enumerate(paras):
        if p.kind:
            continue
        t = plain(p.text).strip()
        if p.note:
            p.kind = FOOTNOTE
            p.printed = p.note
            continue
        if len(t) < 200 and t[-1:].isdigit() and TOC_RE.search(t):  # (t is stripped: it ends in the page)
            p.kind = "drop"
            continue
        if (p.heading or len(t) < 160) and parts.is_part(t):
            p.kind = "part"
            continue
        if titles.LETTER_RE.match(t) and len(t) < 300 and not _ends_terminal(t):
            p.kind = HEADING
            p.heading = p.heading or 1
            continue
        if p.label:
            # the reader knows this is a label: a capital after it lets "a." and "i." parse as labels too
            lab = parse_label(p.label + " X") or ("label", p.label.strip("().[] "), "")
            p.kind, p.style, p.value = PARAGRAPH, lab[0], lab[1]
            continue
        lab = parse_label(t) if p.heading else None
        if lab and lab.style in ("num-dot", "num-close") and lab.rest.strip() and _item_heading(paras, i):
            # "1. Ouverture de la séance": a numbered agenda item is the minutes' printed number,
            # though set as a heading; its discussion follows unnumbered (see structure: titled)
            p.kind, p.style, p.value, p.heading = PARAGRAPH, lab.style, lab.value, 0
            p.text = _strip_prefix(p.text.lstrip(), len(t) - len(lab.rest))
            continue
        if p.heading:
            p.kind = HEADING
            sm = SECTION_RE.match(t)
            if sm:
                p.printed = sm.group(1)
            continue
        sm = SECTION_RE.match(t)
        if sm and len(t) < 120 and not _ends_terminal(t):
            p.kind, p.heading, p.printed = HEADING, 1 if len(sm.group(1)) > 1 or sm.group(1) in "IVX" else 2, sm.group(1)
            continue
        lab = parse_label(t)
        if lab and lab[2].strip():  # a label with nothing after it (a lone `5.` at the end) stays text
            p.kind, p.style, p.value = PARAGRAPH, lab[0], lab[1]
            n = len(t) - len(lab[2])
            p.text = _strip_prefix(p.text.lstrip(), n)
            continue
        bm = BULLET_RE.match(t)
        if bm or p.bullet:
            p.kind, p.bullet = PARAGRAPH, True
            if bm:
                p.text = _strip_prefix(p.text.lstrip(), bm.end())
            continue
        level = _looks_heading(p, t)
        if level and body_after[i + 1]:
            p.kind, p.heading = HEADING, level
            continue
        p.kind = PARAGRAPH


# ---- 4. structure ------------------------------------------------------------------------------
def _roman_or_alpha(style: str, value: str, stack: list[tuple[str, str]]) -> str:
    """Decide whether "(i)" is the ninth letter or the first roman numeral (and so on)."""
    if style not in ("alpha-paren", "roman-paren", "alpha-dot", "roman-dot"):
        return style
    fam = style.split("-")[1]
    is_roman = bool(re.fullmatch(r"(?:x{0,3})(?:ix|iv|v?i{0,3})", value))
    is_alpha = len(value) == 1 or (len(value) == 2 and value[0] == value[1])
    if not (is_roman and is_alpha):
        return ("roman-" if is_roman else "alpha-") + fam
    prev_alpha = next((v.strip("()") for s, v in reversed(stack) if s == f"alpha-{fam}"), None)
    if prev_alpha and len(value) == 1 and ord(value) == ord(prev_alpha[0]) + 1:
        return f"alpha-{fam}"
    if prev_alpha or any(s == f"roman-{fam}" for s, _ in stack) or value == "i":
        return f"roman-{fam}"
    return f"alpha-{fam}"


def structure(paras: list[Para], doc_id: str) -> list[Unit]:
    units: list[Unit] = []
    part = ""
    stack: list[tuple[str, str]] = []  # (style, display) of the open numbering levels
    heads: list[tuple[int, str]] = []
    position = 0  # paragraphs in this part, numbered or not
    head_position = 0
    last_unnumbered = 0  # position of the last unnumbered paragraph, if it is the open one
    titled = False  # the open paragraph is a section's number and title only

    def emit(kind: str, ref: str, numbered: bool, p: Para, text: str) -> None:
        clean = " ".join(plain(text).split())  # SPACES_RE.sub(" ", …).strip(): str.isspace is re's \s
        if not clean:
            return
        units.append(
            Unit(
                doc=doc_id,
                seq=len(units) + 1,
                kind=kind,
                ref=ref,
                numbered=numbered,
                text=clean,
                part=part,
                headings=tuple(h for _, h in heads),
                lang=p.lang,
                notes=tuple(calls_of(text)),
                page=p.page or None,
                last_page=p.last_page if p.last_page and p.last_page != p.page else None,
            )
        )

    for p in paras:
        if p.kind in ("drop", "merged", "toc", ""):
            continue
        t = plain(p.text).strip()
        if p.kind == "part":
            found = parts.parse_part(t)
            assert found is not None
            part = found[0]
            stack, heads, position, head_position, last_unnumbered = [], [], 0, 0, 0
            head_position += 1
            emit(HEADING, str(head_position), False, p, p.text)
            heads = [(0, SPACES_RE.sub(" ", t))]
            titled = False
            continue
        if p.kind == HEADING:
            level = p.heading or 3
            while heads and heads[-1][0] >= level:
                heads.pop()
            head_position += 1
            if p.printed:
                emit(HEADING, p.printed, True, p, p.text)
            else:
                emit(HEADING, str(head_position), False, p, p.text)
            heads.append((level, SPACES_RE.sub(" ", t)))
            stack, last_unnumbered, titled = [], 0, False
            continue
        if p.kind == FOOTNOTE:
            emit(FOOTNOTE, p.note, True, p, p.text)
            continue
        # paragraphs
        if p.style:
            style = _roman_or_alpha(p.style, p.value, stack)
            if style == "num-group":  # "5., 6., 7." is one paragraph number at the paragraph level
                style = "num-dot"
            styles = [s for s, _ in stack]
            if style == "legal":
                stack = []
            elif style in styles:
                stack = stack[: styles.index(style)]
            elif not stack or style.startswith("num") and not any(s.startswith("num") for s in styles):
                if style.startswith("num"):
                    stack = []
            elif style in ("num-dot", "num-bracket") and stack[0][0] == "num-paren":
                stack = []  # "13." after "(11)": a paragraph number never nests under a subsection's
            if not stack and not style.startswith("num") and last_unnumbered:
                stack = [("assigned", f"[{last_unnumbered}]")]
            shown = f"({p.value})" if style.endswith("-paren") and not style.startswith("num") else p.value
            if style == "num-paren":
                shown = f"({p.value})" if stack else p.value
            stack.append((style, shown))
            if len(stack) == 1:
                position += 1
                last_unnumbered = 0
            emit(PARAGRAPH, " ".join(v for _, v in stack), True, p, p.text)
            # a section's number and title on a line of their own ("19. Extra-Territorial
            # Jurisdiction."): the text under it, and its subsections, are the section's
            titled = len(stack) == 1 and p.lines <= 2 and len(t.split()) <= 10
            continue
        # an unnumbered paragraph or a bullet: its position in reading order
        position += 1
        if titled and not p.bullet:
            titled = False
            emit(PARAGRAPH, str(position), False, p, p.text)
            continue
        stack = []
        last_unnumbered = position
        emit(PARAGRAPH, str(position), False, p, p.text)
    return units


# ---- 5. metadata ---------------------------------------------------------------------------------
ISSUER_RE = re.compile(
    r"\bfrom the (?:Permanent Representative|Chargé d'affaires a\.i\.|Deputy Permanent Representative|"
    r"Minister for Foreign Affairs|Permanent Mission) of (?:the )?(.+?) to the United Nations",
)


def metadata(paras: list[Para], units: list[Unit], front_meta: dict, name: str, hint: str = "") -> dict:
    """The document's metadata from its front matter (`hint`: the reader's most prominent first-page
    heading, which the title rules weigh with the rest)."""
    meta = dict(front_meta)
    front_lines: list[str] = []  # what the front matter says: headings and short lines before the body
    long_seen = 0
    opening = ""  # the start of the first long paragraph ("HEARING OF FEBRUARY 21, 2019, ON …")
    numbered = False  # the body proper has begun: the front matter is over
    items: list[titles.FrontLine] = []  # the front page as the title rules read it, in reading order
    for p in paras[:60]:
        if p.kind in ("merged", "toc"):
            continue
        t = SPACES_RE.sub(" ", plain(p.text)).strip()
        numbered = numbered or bool(p.kind == PARAGRAPH and p.style)
        if p.kind == "drop":
            if len(t.split()) <= 14 and not long_seen and not numbered:
                front_lines.append(t)
                items.append(titles.FrontLine(t))
            continue
        if p.kind == PARAGRAPH and len(t) > 60 and (len(t.split()) > 14 or long_seen):
            long_seen += 1
            if long_seen >= 3 or numbered:
                break
            if long_seen == 1:
                opening = t[:300]
                if not numbered and len(t.split()) <= 60:  # a case's parties, set as one block
                    items.append(titles.FrontLine(t))
            continue
        if p.kind in (HEADING, "part"):
            if not long_seen:
                items.append(titles.FrontLine(t, p.heading or 2))
            if not numbered:
                front_lines.append(t)
        elif p.kind == PARAGRAPH and len(t.split()) <= 40 and not numbered:
            if len(t.split()) <= 14:
                front_lines.append(t)
            if not long_seen:
                items.append(titles.FrontLine(t))
    chosen = titles.choose(items, hint)
    meta["title"] = chosen.title
    sym = meta.get("symbol", "")
    # a UN symbol names the document; the masthead's "United Nations" adds nothing. A court's neutral
    # citation does not say which court.
    if chosen.issuer and (not sym or titles.neutral_citation(sym)):
        meta["issuer"] = chosen.issuer
    head_text = "\n".join(front_lines)
    # dates: the masthead's (front), one the front matter names as the document's ("Decided on"),
    # the first in the front matter, one in the opening text, one in a closing "adopted … on" line,
    # and only then the file name's year
    if "date" not in meta:
        d = md.labelled_date(head_text) or md.labelled_date(opening)
        if d:
            meta["date"] = d
    if "date" not in meta:
        for h in front_lines:
            d = md.first_date(h) if h.lstrip()[:1] not in "-–" else ""
            if d:
                meta["date"] = d
                break
    if "date" not in meta:
        early = " ".join(u.text for u in units[:3] if u.kind != FOOTNOTE)
        d = md.first_date(early)
        if d and md.find_dates(early)[0][0] < 200:
            meta["date"] = d
    if "date" not in meta:
        tail = [u.text for u in units if u.kind != FOOTNOTE][-12:]
        for t in reversed(tail):
            d = md.labelled_date(t[:300])
            if d:
                meta["date"] = d
                break
    if "date" not in meta:
        meta["date"] = md.year_from_filename(name)
    body = "\n".join(u.text for u in units if u.kind == PARAGRAPH)
    meta["doctype"] = md.doctype_from(head_text, body, name, meta.get("symbol", ""))
    # a front page titled by a case name is a court's; one titled by an act's short title is an act,
    # where the words of the front page said no more than "report" or nothing
    if meta["doctype"] in ("report", "document") and chosen.rule in ("case", "act"):
        meta["doctype"] = "judgment" if chosen.rule == "case" else "act"
    im = ISSUER_RE.search(meta["title"])
    if im:
        meta["issuer"] = im.group(1)
    # a family that names its files by rule (UNGDC: MEX_73_2018.txt) says who spoke, where and when
    named = identity.from_filename(name)
    if named and not meta.get("symbol"):
        keep_date = str(meta.get("date", "")).startswith(named["date"]) and len(str(meta.get("date", ""))) > 4
        meta.update({k: v for k, v in named.items() if k != "date" or not keep_date})
    return meta


# ---- the whole -------------------------------------------------------------------------------
def segment(result: ReadResult, doc_id: str = "doc", name: str = "") -> Segmented:
    dropped: list[str] = []
    toc: list[str] = []
    paras = assemble(result.blocks, dropped, toc)
    front_meta = front(paras, dropped)
    contents(paras, toc, dropped)
    classify(paras)
    have = set(dropped)
    for p in paras:
        if p.kind == "drop" and plain(p.text) not in have:
            dropped.append(plain(p.text))
            have.add(dropped[-1])
    units = structure(paras, doc_id)
    meta = {k: v for k, v in result.meta.items() if v}
    # a title the format states (HTML <title>, DOCX properties) stands; a PDF reader's is a hint
    hint = meta.pop("title_hint", "")
    found = metadata(paras, units, front_meta, name, hint)
    for k, v in found.items():
        if v and not meta.get(k):
            meta[k] = v
    # languages: the document's, then each unit's own where it clearly differs
    # (texts shorter than unit_language asks about are asked by neither: a tenth of a PDF's units)
    langid.prepare(
        [
            u.text
            for u in units
            if len(u.text) >= langid.MIN_CHARS // 2 and (not u.lang or (not meta.get("lang") and u.kind != HEADING))
        ]
    )
    doc_lang = meta.get("lang") or langid.document_language([u.text for u in units if u.kind != HEADING])
    meta["lang"] = doc_lang
    main_part = "letter" if meta.get("doctype") == "letter" else ""
    final = naming.disambiguate(
        [u.evolve(part=u.part or main_part, lang=u.lang or langid.unit_language(u.text, doc_lang)) for u in units]
    )
    return Segmented(meta=meta, units=final, dropped=dropped)

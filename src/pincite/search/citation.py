"""Citations a person can paste into a report, and the way back from a citation to its unit.

UN style (reference/citations.md): `A/68/190, annex, para. 10 (a)`, `A/68/190, annex, footnote a`.
A number the document does not print is given in square brackets: `para. [4]`. How documents are named
and how units that share a number are told apart is `pincite.corpus.naming`'s business; this module
writes the citation in a style and reads any style back.

Every citation this module prints resolves to exactly its unit (`resolve(cite(u)) == [u]`, tested on real
corpora): resolution renders the candidate units' citations and compares, rather than parsing with a
grammar of its own that could drift from the one that printed them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from pincite.corpus.model import FOOTNOTE, HEADING, OK, Document, Unit
from pincite.corpus.naming import document_name, short_title  # noqa: F401 - short_title is public here
from pincite.corpus.store import Store

MAIN_PARTS = ("", "body", "letter")
STYLES = ("un", "bluebook", "plain")


def doc_base(doc: Document) -> str:
    """How the document itself is cited: the name it was given when stored (see corpus.naming)."""
    return doc.name or document_name(doc.id, doc.symbol, doc.issuer, doc.title, doc.date)


def locator(unit: Unit, style: str = "un") -> str:
    ref = unit.ref if unit.numbered else f"[{unit.ref}]"
    if style == "bluebook":
        if unit.kind == FOOTNOTE:
            return f"n.{ref}"
        if unit.kind == HEADING:  # a heading is not a paragraph: `¶ [1]` would name both
            return f"heading {ref}"
        return f"¶ {ref.replace(' (', '(')}"
    if style == "plain":
        where = "note" if unit.kind == FOOTNOTE else "heading" if unit.kind == HEADING else "paragraph"
        return f"{where} {unit.ref if unit.numbered else unit.ref + ' (position; not printed)'}"
    if unit.kind == FOOTNOTE:
        return f"footnote {ref}"
    if unit.kind == HEADING:
        return f"heading {ref}"
    return f"para. {ref}"


def _within(unit: Unit, style: str = "un", *, qualified: bool = True) -> str:
    """The citation without the document's name: `, annex, para. 10 (a)` or ` ¶ 10(a)`."""
    parts = []
    if unit.part not in MAIN_PARTS:
        parts.append(unit.part)
    if qualified and unit.qual:
        parts.append(unit.qual)
    if style == "bluebook":
        lead = "".join(f", {p}" for p in parts)
        return f"{lead} {locator(unit, style)}"
    return "".join(f", {p}" for p in [*parts, locator(unit, style)])


def cite(doc: Document, unit: Unit, style: str = "un") -> str:
    return doc_base(doc) + _within(unit, style)


def unit_record(doc: Document, unit: Unit, cite_text: str | None = None) -> dict:
    """A unit with its document's metadata and its citation: what every output format shows."""
    return {
        "doc": doc.id,
        "seq": unit.seq,
        "symbol": doc.symbol,
        "title": doc.title,
        "date": doc.date,
        "doctype": doc.doctype,
        "lang": unit.lang,
        "doc_lang": doc.lang,
        "part": unit.part,
        "kind": unit.kind,
        "ref": unit.ref,
        "numbered": unit.numbered,
        "qual": unit.qual,
        "cite": cite_text if cite_text is not None else cite(doc, unit),
        "text": unit.text,
        "notes": list(unit.notes),
        "headings": list(unit.headings),
        "source": doc.source,
        "page": unit.page,
        "last_page": unit.last_page or unit.page,
        "pages": unit.pages,
        "ocr": unit.ocr,
    }


def normalise(s: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    s = s.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("...", "…")
    s = s.replace("–", "-").replace("—", "-")
    return re.sub(r"\s+", " ", s).strip().casefold()


def _key(s: str) -> str:
    """The comparison key of the part of a citation after the document's name: spaces do not count
    (`¶ 10(e)` is `¶ 10 (e)`), nor a final full stop."""
    return re.sub(r"\s+", "", normalise(s)).rstrip(".")


# ---- the way back -----------------------------------------------------------------------------------
@dataclass
class Resolution:
    """What a citation names: `units` (exactly one when it resolves), and how it was matched."""

    units: list[Unit] = field(default_factory=list)
    exact: bool = True  # False: matched only when its qualifier (sect./p./occurrence) was left out
    languages: list[str] = field(default_factory=list)  # the languages it exists in, when --lang ruled out


_LOCATOR = re.compile(
    r"^(?:(?P<part>.+?),\s*)?(?P<kind>para\.?|paras?\.|paragraph|footnote|note|n\.|heading|¶)\s*(?P<ref>.+?)\s*$",
    re.I,
)


def _doc_candidates(store: Store, text: str) -> list[tuple[Document, str]]:
    """Documents whose name, symbol or id the citation starts with, and the rest of the citation."""
    want = normalise(text)
    out = []
    for doc in store.documents(status=OK):
        best = None
        for base in {doc_base(doc), doc.id, doc.symbol, doc.name}:
            b = normalise(base)
            if not b or not want.startswith(b):
                continue
            rest = want[len(b) :]
            if rest[:1] in (",", " ", "¶") and (best is None or len(b) > best[0]):
                best = (len(b), rest)
        if best:
            out.append((doc, best[1]))
    return out


def _lenient(u: Unit, rest: str) -> bool:
    """Does `rest` name this unit when its qualifier and style are not the ones pincite printed?"""
    lm = _LOCATOR.match(normalise(rest).lstrip(", "))
    if not lm:
        return False
    kind_word = lm.group("kind").lower().rstrip(".")
    kind = {"footnote": FOOTNOTE, "note": FOOTNOTE, "n": FOOTNOTE, "heading": HEADING}.get(kind_word, "paragraph")
    ref = lm.group("ref").replace("(position; not printed)", "").strip()
    numbered = not (ref.startswith("[") and ref.endswith("]")) and "position" not in lm.group("ref")
    ref = ref.strip("[]").strip()
    part = (lm.group("part") or "").strip()
    upart = u.part if u.part not in MAIN_PARTS else ""
    parts_ok = normalise(upart) == part or (u.qual and normalise(", ".join(x for x in (upart, u.qual) if x)) == part)
    return (
        u.kind == kind
        and _key(u.ref) == _key(ref)
        and u.numbered == numbered
        and bool(parts_ok or (not part and not upart))
    )


def resolve(store: Store, citation: str, *, lang: str | None = None) -> Resolution:
    """The units a citation names. Accepts what `cite` prints in every style, and `DOC#SEQ`.

    An exact match (the citation as printed) wins; else a citation without its qualifier, or in a
    hand-typed variant (`para 10(e)`, `paragraph 10 (e)`), names every unit it fits. With `lang`, only
    the version of the document in that language is considered."""
    text = citation.strip()
    m = re.fullmatch(r"([\w.-]+)#(\d+)", text)
    if m:
        u = store.unit(m.group(1), int(m.group(2)))
        return Resolution(units=[u] if u else [])
    cands = _doc_candidates(store, text)
    langs = sorted({d.lang for d, _ in cands if d.lang})
    if lang:
        cands = [(d, r) for d, r in cands if d.lang == lang or not d.lang]
    exact: list[Unit] = []
    loose: list[Unit] = []
    for doc, rest in cands:
        k = _key(rest)
        for u in store.units(doc.id):
            if any(_key(_within(u, style)) == k for style in STYLES):
                exact.append(u)
            elif _lenient(u, rest) or any(_key(_within(u, s, qualified=False)) == k for s in STYLES):
                loose.append(u)
    if exact:
        return Resolution(units=exact)
    if loose:
        return Resolution(units=loose, exact=False)
    return Resolution(languages=langs if lang else [])

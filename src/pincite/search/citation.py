"""Citations a person can paste into a report, and the way back from a citation to its unit.

UN style (reference/citations.md): `A/68/190, annex, para. 10 (a)`, `A/68/190, annex, footnote a`.
A document without a symbol is cited by issuer, short title and date. A number the document does not
print is given in square brackets: `para. [4]`.
"""

from __future__ import annotations

import re
import unicodedata

from pincite.corpus.model import FOOTNOTE, HEADING, Document, Unit
from pincite.corpus.store import Store

MAIN_PARTS = ("", "body", "letter")
STYLES = ("un", "bluebook", "plain")
TITLE_MAX = 90


def short_title(title: str, limit: int = TITLE_MAX) -> str:
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def doc_base(doc: Document) -> str:
    """How the document itself is cited: its symbol, else issuer, short title and date."""
    if doc.symbol:
        return doc.symbol
    from pincite.ingest.metadata import format_date  # here: its patterns cost a search's start-up 3.5 ms

    parts = [doc.issuer, short_title(doc.title), format_date(doc.date) if doc.date else ""]
    base = ", ".join(p for p in parts if p)
    return base or doc.id


def locator(unit: Unit, style: str = "un") -> str:
    ref = unit.ref if unit.numbered else f"[{unit.ref}]"
    if style == "bluebook":
        if unit.kind == FOOTNOTE:
            return f"n.{ref}"
        return f"¶ {ref.replace(' (', '(')}"
    if unit.kind == FOOTNOTE:
        return f"footnote {ref}"
    if unit.kind == HEADING:
        return f"heading {ref}"
    return f"para. {ref}"


def cite(doc: Document, unit: Unit, style: str = "un") -> str:
    parts = [doc_base(doc)]
    if unit.part not in MAIN_PARTS:
        parts.append(unit.part)
    if style == "plain":
        where = "note" if unit.kind == FOOTNOTE else "heading" if unit.kind == HEADING else "paragraph"
        ref = unit.ref if unit.numbered else f"{unit.ref} (position; not printed)"
        return f"{doc_base(doc)}{', ' + unit.part if unit.part not in MAIN_PARTS else ''}, {where} {ref}"
    if style == "bluebook":
        return f"{', '.join(parts)} {locator(unit, style)}"
    parts.append(locator(unit, style))
    return ", ".join(parts)


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
        "part": unit.part,
        "kind": unit.kind,
        "ref": unit.ref,
        "numbered": unit.numbered,
        "cite": cite_text if cite_text is not None else cite(doc, unit),
        "text": unit.text,
        "notes": list(unit.notes),
        "headings": list(unit.headings),
        "source": doc.source,
        "page": unit.page,
    }


def normalise(s: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    s = s.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("...", "…")
    return re.sub(r"\s+", " ", s).strip().casefold()


_LOCATOR = re.compile(
    r"^(?:(?P<part>.+?),\s*)?(?P<kind>para\.?|paragraph|footnote|note|heading|¶)\s*(?P<ref>.+?)\s*$", re.I
)


def resolve(store: Store, citation: str) -> list[Unit]:
    """The units a citation names. Accepts what `cite` prints, and `DOC#SEQ`."""
    text = citation.strip()
    m = re.fullmatch(r"([\w.-]+)#(\d+)", text)
    if m:
        u = store.unit(m.group(1), int(m.group(2)))
        return [u] if u else []
    want = normalise(text)
    found: list[Unit] = []
    for doc in store.documents():
        for base in {normalise(doc_base(doc)), normalise(doc.id), normalise(doc.symbol)} - {""}:
            if not want.startswith(base + ","):
                continue
            rest = want[len(base) + 1 :].strip()
            lm = _LOCATOR.match(rest)
            if not lm:
                continue
            part = (lm.group("part") or "").strip()
            kind_word = lm.group("kind").lower().rstrip(".")
            kind = {"footnote": FOOTNOTE, "note": FOOTNOTE, "heading": HEADING}.get(kind_word, "paragraph")
            ref = lm.group("ref")
            numbered = not (ref.startswith("[") and ref.endswith("]"))
            ref = ref.strip("[]").strip()
            for u in store.units(doc.id):
                upart = u.part if u.part not in MAIN_PARTS else ""
                if (
                    u.kind == kind
                    and normalise(u.ref) == ref
                    and u.numbered == numbered
                    and normalise(upart) == part
                ):
                    found.append(u)
            if found:
                return found
    return found

"""How a citation names a document and tells its units apart.

A document is named by what a reader would use to find it (`reference/citations.md`):

1. its symbol, as the document prints it (`A/HRC/WG.6/7/ITA/1`, a court's neutral citation
   `[2013] ZACC 15`);
2. otherwise its issuer, short title and date (`Mexico, General Debate, 73rd session, 2018`);
3. otherwise, when no title can be read, its stable id: never a date alone.

Within a document a unit is named by its part (`annex`, `resuelve`), its kind and its printed number
(`para. 10 (a)`, `footnote a`). When a document really prints the same number twice in one part, each of
those units gets a qualifier, the way a careful author tells them apart: the heading it stands under
(`sect. II`), else the page (`p. 12`), else its occurrence. The qualifier is part of the citation and is
read back by `show`; nothing is disambiguated silently.

Both the document's name and the qualifiers are decided once, when the document is stored, so that a
citation printed today still resolves tomorrow: a later document whose name would collide is the one that
gets told apart (`… [doc-id]`).
"""

from __future__ import annotations

import re
from collections import defaultdict

from pincite.corpus.model import Unit

TITLE_MAX = 90
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]  # fmt: skip


def format_date(iso: str) -> str:
    """`2013-06-28` → `28 June 2013`; a bare year or year-month stays readable."""
    parts = iso.split("-")
    try:
        if len(parts) == 3:
            return f"{int(parts[2])} {MONTH_NAMES[int(parts[1]) - 1]} {parts[0]}"
        if len(parts) == 2:
            return f"{MONTH_NAMES[int(parts[1]) - 1]} {parts[0]}"
    except (ValueError, IndexError):
        return iso
    return iso


def short_title(title: str, limit: int = TITLE_MAX) -> str:
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def document_name(doc_id: str, symbol: str = "", issuer: str = "", title: str = "", date: str = "") -> str:
    """The name a document is cited by, before any collision with another document is resolved."""
    if symbol:
        return symbol
    title = short_title(title)
    if not title:
        return doc_id  # an issuer and a date alone are not a name a reader can look up
    parts = [issuer, title, format_date(date) if date else ""]
    # "Mexico, Mexico, …": an issuer the title already starts with is not repeated
    if issuer and title.casefold().startswith(issuer.casefold()):
        parts = parts[1:]
    return ", ".join(p for p in parts if p)


def name_key(name: str) -> str:
    """Two names that a reader would take for the same one compare equal under this key."""
    return re.sub(r"\s+", " ", name).strip().casefold()


# ---- telling units apart ---------------------------------------------------------------------------
_HEAD_LABEL = re.compile(r"^\s*((?:[IVXLC]+|[A-Z]|\d{1,3}(?:\.\d{1,3})*)[.)]?)\s+\S")
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


def heading_mark(heading: str) -> str:
    """How a heading is named in a qualifier: its printed label (`sect. II`), else its words."""
    m = _HEAD_LABEL.match(heading)
    if m and len(heading) > len(m.group(1)) + 2:
        return f"sect. {m.group(1).rstrip('.)')}"
    words = " ".join(heading.split()).rstrip(":.")
    if len(words) > 40:
        words = words[:40].rsplit(" ", 1)[0] + "…"
    return f"under “{words}”"


def _distinct(values: list[str]) -> bool:
    return all(values) and len(set(values)) == len(values)


def _ordinal(n: int) -> str:
    return ORDINALS.get(n, f"{n}th") + " occurrence"


def unit_key(u: Unit) -> tuple:
    return (u.part, u.kind, u.ref, u.numbered)


def disambiguate(units: list[Unit]) -> list[Unit]:
    """Give a qualifier to every unit whose part, kind and number another unit of the document shares."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, u in enumerate(units):
        groups[unit_key(u)].append(i)
    out = list(units)
    for members in groups.values():
        if len(members) < 2:
            continue
        group = [units[i] for i in members]
        quals = _qualifiers(group)
        for i, q in zip(members, quals, strict=True):
            out[i] = out[i].evolve(qual=q)
    return out


def _qualifiers(group: list[Unit]) -> list[str]:
    depth = max(len(u.headings) for u in group)
    # the outermost heading level that tells them all apart, then the nearest heading
    for d in range(depth):
        marks = [heading_mark(u.headings[d]) if len(u.headings) > d else "" for u in group]
        if _distinct(marks):
            return marks
    nearest = [heading_mark(u.headings[-1]) if u.headings else "" for u in group]
    if _distinct(nearest):
        return nearest
    pages = [f"p. {u.page}" if u.page else "" for u in group]
    if _distinct(pages):
        return pages
    # same heading or page: the heading (when there is one) and the occurrence within it
    seen: dict[str, int] = defaultdict(int)
    quals = []
    for head, page in zip(nearest, pages, strict=True):
        where = head or page
        seen[where] += 1
        quals.append(", ".join(x for x in (where, _ordinal(seen[where])) if x))
    return quals

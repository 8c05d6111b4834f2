"""The index schema, declared in one place. One Whoosh document per unit."""

from __future__ import annotations

from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from pincite.index.analysis import OTHER, STEMMED, analyzer

# Field boosts for BM25F: a match in a heading or the document title says more than one in a paragraph.
BOOSTS = {"title": 2.0, "headings": 1.5}


def build_schema() -> Schema:
    fields = {
        "uid": ID(stored=True, unique=True),
        "doc": ID(stored=True),
        "docver": ID(),  # "doc|sha:parser": what version of a document the index holds
        "seq": NUMERIC(stored=True, sortable=True),
        "kind": ID(stored=True),
        "ref": ID(stored=True),
        "numbered": BOOLEAN(stored=True),
        "part": ID(stored=True),
        "partkey": KEYWORD(lowercase=True),  # "annex i" → "annex", "annex i"
        "symbol": ID(stored=True),
        "doctype": ID(stored=True),
        "year": NUMERIC(stored=True, sortable=True),
        "lang": ID(stored=True),
        "title": TEXT(analyzer=analyzer("en"), field_boost=BOOSTS["title"]),
        "headings": TEXT(analyzer=analyzer(OTHER), field_boost=BOOSTS["headings"], stored=True),
        "notes": STORED(),
    }
    for lang in (*STEMMED, OTHER):
        fields[f"text_{lang}"] = TEXT(analyzer=analyzer(lang), stored=True, chars=True)
    return Schema(**fields)

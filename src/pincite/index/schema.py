"""The index schema, declared in one place. One Whoosh document per unit."""

from __future__ import annotations

from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from pincite.index.analysis import OTHER, PLAIN, STEMMED, analyzer

# Field boosts are applied at query time (pincite.search.engine.BOOSTS), so tuning needs no rebuild.


def build_schema() -> Schema:
    fields = {
        "uid": ID(stored=True, unique=True),
        "doc": ID(stored=True, sortable=True),
        "docver": ID(),  # "doc|sha:parser": what version of a document the index holds
        "seq": NUMERIC(stored=True, sortable=True),
        "kind": ID(stored=True),
        "ref": ID(stored=True),
        "numbered": BOOLEAN(stored=True),
        "part": ID(stored=True),
        "partkey": KEYWORD(lowercase=True),  # "annex i" → "annex", "annex_i"
        "symbol": ID(stored=True),
        "doctype": ID(stored=True, sortable=True),
        "year": NUMERIC(stored=True, sortable=True),
        "lang": ID(stored=True, sortable=True),
        "title": TEXT(analyzer=analyzer("en")),
        "headings": TEXT(analyzer=analyzer(OTHER), stored=True),
        "notes": STORED(),
        # every unit's text, unstemmed: for prefix*, fuzzy~ and spelling suggestions
        PLAIN: TEXT(analyzer=analyzer(OTHER), spelling=True),
    }
    for lang in (*STEMMED, OTHER):
        fields[f"text_{lang}"] = TEXT(analyzer=analyzer(lang), stored=True, chars=True)
    return Schema(**fields)

"""The index schema, declared in one place. One Whoosh document per unit."""

from __future__ import annotations

from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from pincite.index.analysis import OTHER, PLAIN, STEMMED, analyzer

# Field boosts are applied at query time (pincite.search.engine.BOOSTS), so tuning needs no rebuild.


class RepeatedTEXT(TEXT):
    """A TEXT field whose value repeats from one Whoosh document to the next (a document's title on
    each of its units, the headings over a run of paragraphs): each value is analysed once per run.

    Whoosh analyses every field of every document; the title and the headings took ~12 % of a
    rebuild. The remembered value is left out of the pickled schema."""

    def index(self, value, **kwargs):
        key = (value, tuple(sorted(kwargs.items())))
        last = self.__dict__.get("_last")
        if last is not None and last[0] == key:
            return iter(last[1])
        items = list(super().index(value, **kwargs))
        self._last = (key, items)
        return iter(items)

    def __getstate__(self):
        d = self.__dict__.copy()
        d.pop("_last", None)
        return d


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
        "title": RepeatedTEXT(analyzer=analyzer("en")),
        "headings": RepeatedTEXT(analyzer=analyzer(OTHER), stored=True),
        "notes": STORED(),
        # every unit's text, unstemmed: for prefix*, fuzzy~ and spelling suggestions
        PLAIN: TEXT(analyzer=analyzer(OTHER), spelling=True),
    }
    for lang in (*STEMMED, OTHER):
        fields[f"text_{lang}"] = TEXT(analyzer=analyzer(lang), stored=True, chars=True)
    return Schema(**fields)

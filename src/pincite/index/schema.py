"""The index schema, declared in one place. One Whoosh document per unit."""

from __future__ import annotations

from pickle import dumps

from whoosh import columns, formats
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.system import pack_uint

from pincite.index.analysis import OTHER, STEMMED, TOKEN, analyzer, memo_filter, positions

try:  # the per-unit loops in C (src/pincite/index/_postings.c): optional, the same postings
    from pincite.index import _postings
except ImportError:  # pragma: no cover - built wherever there is a C compiler
    _postings = None

# Field boosts are applied at query time (pincite.search.engine.BOOSTS), so tuning needs no rebuild.


_ONE = pack_uint(1)


class FastTEXT(TEXT):
    """A TEXT field that gives Whoosh's writer the same (term, frequency, weight, positions)
    postings as TEXT does, computed in one loop over the words (`analysis.positions`) instead of
    through Whoosh's token pipeline. tests/test_index_write.py checks them equal on real units."""

    def add_postings(
        self, value: str, tokens: list[str] | None, docnum: int, boost: float, terms: dict
    ) -> int:
        """What a segment writer does with `index(value, tokens)`: each term's posting `(docnum,
        weight * boost, value)` appended to `terms` (term bytes → postings), the field's length
        returned; in one loop over the terms instead of two (pincite.index.segwriter)."""
        fmt = self.format
        if _postings is not None and type(fmt) is formats.Positions:
            length = _add_positions(self.analyzer, fmt, value, tokens, docnum, boost, terms)
            if length is not None:
                return length
        found = positions(self.analyzer, value, tokens) if type(fmt) is formats.Positions else None
        if found is None:
            return _add_items(super().index(value), docnum, boost, terms)
        get = terms.get
        fb, encode = fmt.field_boost, fmt.encode
        one, once = _ONCE.get, 1.0 * fb * boost
        length = 0
        for t, p in found.items():
            n = len(p)
            # as index below, the weight multiplied by the boost as the writer does
            posting = (
                (docnum, once, one(p[0]) or _once(p[0]))
                if n == 1
                else (docnum, float(n) * fb * boost, encode(p))
            )
            tbytes = t.encode("utf-8")
            plist = get(tbytes)
            if plist is None:
                terms[tbytes] = [posting]
            else:
                plist.append(posting)
            length += n
        return length

    def index(self, value, tokens: list[str] | None = None, **kwargs):
        """`tokens`: the value's, cut by `analysis.TOKEN`, if the caller has them."""
        fmt = self.format
        if kwargs or type(value) is not str or type(fmt) is not formats.Positions:
            return super().index(value, **kwargs)
        terms = positions(self.analyzer, value, tokens)
        if terms is None:
            return super().index(value, **kwargs)
        fb, encode = fmt.field_boost, fmt.encode
        one, once = _ONCE.get, 1.0 * fb
        # Whoosh sums a float boost of 1.0 per token: the weight is the count, as a float. A word
        # met once (most of them) is encoded here as Positions.encode does it: its one delta from 0,
        # pickled once per position
        return [
            (t.encode("utf-8"), 1, once, one(p[0]) or _once(p[0]))
            if len(p) == 1
            else (t.encode("utf-8"), len(p), float(len(p)) * fb, encode(p))
            for t, p in terms.items()
        ]


_ONCE: dict[int, bytes] = {}  # position → the encoding of a word met once, at that position


def _add_positions(
    analyzer, fmt, value: str, tokens: list[str] | None, docnum: int, boost: float, terms: dict
) -> int | None:
    """`FastTEXT.add_postings` in C (`_postings.add_positions`): the same postings, appended in
    the same order; None where the C module does not apply (an analyser that is not one of
    `analysis.analyzer()`'s, a boost that is not a float)."""
    last = memo_filter(analyzer)
    fb = fmt.field_boost
    if last is None or type(boost) is not float or type(fb) is not float:
        return None
    expression = analyzer.items[0].expression
    if expression.pattern != TOKEN:
        tokens = expression.findall(value)
    elif type(tokens) is not list:
        tokens = _postings.cut(value)
    return _postings.add_positions(
        tokens,
        last.memo,
        last.forms,
        last.MEMO,
        terms,
        docnum,
        1.0 * fb * boost,
        fb,
        boost,
        _BYTES,
        BYTES_KEPT,
    )


_BYTES: dict[str, bytes] = {}  # term → its UTF-8 bytes, for `_postings.add_positions`
BYTES_KEPT = 200_000  # terms whose bytes are remembered before starting afresh


def _add_items(items, docnum: int, boost: float, terms: dict) -> int:
    """`add_postings` from a field's `index` items (term bytes, frequency, weight, value)."""
    if _postings is not None:
        if type(items) is not list:
            items = list(items)
        length = _postings.add_items(items, docnum, boost, terms)
        if length is not None:
            return length
    get = terms.get
    length = 0
    for tbytes, freq, weight, vbytes in items:
        posting = (docnum, weight * boost, vbytes)
        plist = get(tbytes)
        if plist is None:
            terms[tbytes] = [posting]
        else:
            plist.append(posting)
        length += freq
    return length


def _once(pos: int) -> bytes:
    got = _ONE + dumps([pos], 2)
    if pos < 100_000:  # bounded: positions past that are rare and not kept
        _ONCE[pos] = got
    return got


class RepeatedTEXT(FastTEXT):
    """A TEXT field whose value repeats from one Whoosh document to the next (a document's title on
    each of its units, the headings over a run of paragraphs): each value is analysed once per run.

    Whoosh analyses every field of every document; the title and the headings took ~12 % of a
    rebuild. The remembered value is left out of the pickled schema."""

    def index(self, value, **kwargs):
        return iter(self._items(value, **kwargs))

    def _items(self, value, **kwargs) -> list:
        key = (value, tuple(sorted(kwargs.items())))
        last = self.__dict__.get("_last")
        if last is not None and last[0] == key:
            return last[1]
        items = list(super().index(value, **kwargs))
        self._last = (key, items)
        return items

    def add_postings(
        self, value: str, tokens: list[str] | None, docnum: int, boost: float, terms: dict
    ) -> int:
        return _add_items(self._items(value), docnum, boost, terms)

    def __getstate__(self):
        d = self.__dict__.copy()
        d.pop("_last", None)
        return d


class SeqColumn(COLUMN):
    """A unit's position in its document: a per-document number column for the stable tie-break,
    not indexed (as a NUMERIC field it cost eight terms per unit and was never searched)."""

    def __init__(self) -> None:
        super().__init__(columns.NumericColumn("I"))

    def to_column_value(self, value):
        return int(value)

    def from_column_value(self, value):
        return value


def build_schema() -> Schema:
    """What a unit is indexed as. Nothing is stored: hits are read from the catalogue by the `doc`
    and `seq` columns. Only fields that a query searches or filters on are indexed, and each word
    once per unit, as its stem (words as written live in the generation's vocabulary)."""
    fields = {
        "doc": ID(sortable=True),
        "docver": ID(),  # "doc|sha:parser": what version of a document the index holds
        "seq": SeqColumn(),
        "kind": ID(),
        "partkey": KEYWORD(lowercase=True),  # "annex i" → "annex", "annex_i"
        "symbol": ID(),
        "doctype": ID(sortable=True),
        # one term per unit (Whoosh's default, shift_step=4, indexed eight: 12 % of all postings);
        # a year range is a single term range over at most a few hundred years
        "year": NUMERIC(sortable=True, shift_step=0),
        "lang": ID(sortable=True),
        "title": RepeatedTEXT(analyzer=analyzer("en")),
        "headings": RepeatedTEXT(analyzer=analyzer(OTHER)),
    }
    for lang in (*STEMMED, OTHER):
        fields[f"text_{lang}"] = FastTEXT(analyzer=analyzer(lang))
    return Schema(**fields)

"""Every change pincite makes to Whoosh, in one place, applied by one call: `apply()`.

pincite runs on Whoosh-Reloaded 2.7.5 (`KNOWN_VERSIONS`). Each patch below fixes one behaviour of
that version and has a test in tests/test_whoosh_compat.py showing the behaviour it fixes:

- **pickle** (security): Whoosh unpickles its table of contents, postings blocks, term infos and
  columns; a file planted in a home would run any code it names. Every place Whoosh loads a pickle
  gets pincite's restricted unpickler (pincite.index.trusted), which rebuilds only Whoosh's and
  pincite's own classes and refuses anything else with `UntrustedIndex`.
- **absent length columns** (speed, writing): `W3PerDocReader._cached_reader` caches the readers of
  the length columns it finds but not the absence of one, so a field no unit of a segment uses
  (text_pt, say) cost a stat() per posting while a segment was written (~7 % of a rebuild).
- **field lengths** (speed, writing and scoring): `W3PerDocReader.doc_field_length` read one byte
  from the segment file per call: once per posting while writing, once per matching unit while BM25
  scores. The length column is read whole once per reader instead; the answers are the same.
- **start-up** (speed, every command that searches): Whoosh's compatibility module imports
  `urllib.request` (for `urlretrieve`, which pincite never calls), `whoosh.reading` imports the
  `cached_property` package, which imports `asyncio`, and `whoosh.query` imports
  `whoosh.lang.morph_en` (a thousand patterns compiled at import) for a Variations query pincite
  never builds: together most of the cost of importing Whoosh. When Whoosh is not imported yet,
  `apply()` imports it with stand-ins: a `urlretrieve` and a `variations` that import the real
  module on first call, and a `cached_property` descriptor of the same behaviour for plain methods
  (which is all Whoosh uses it for). The stand-ins are left in Whoosh's modules only; sys.modules
  is as before, so anything else importing those modules gets the real ones.

With another Whoosh version, `apply()` warns (`WhooshVersionWarning`, on stderr) and applies only
what does not depend on Whoosh's internals staying as they were: the pickle restriction, which
replaces pickle's loaders wherever a Whoosh module holds them. The speed patches reimplement
methods of Whoosh 2.7.5 and are left out; the start-up stand-ins too. If the restricted unpickler
cannot be put in place (Whoosh no longer imports pickle's loaders through whoosh.compat), `apply()`
refuses: `IncompatibleWhoosh`, as pincite must never open an index with plain pickle.
"""

from __future__ import annotations

import re
import struct
import sys
import types
import warnings
from array import array

KNOWN_VERSIONS = {(2, 7, 5)}


class WhooshVersionWarning(RuntimeWarning):
    """The installed Whoosh is not a version these patches were written for."""


class IncompatibleWhoosh(RuntimeError):
    """A patch pincite cannot do without could not be applied to the installed Whoosh."""


# What each patch replaced, by name (for tests and for comparing with Whoosh's own behaviour).
ORIGINALS: dict[str, object] = {}
APPLIED: list[str] = []


# -- start-up ----------------------------------------------------------------------------------------
def _urlretrieve(*args, **kwargs):
    """urllib.request.urlretrieve, imported on first use (whoosh.compat re-exports it)."""
    from urllib.request import urlretrieve

    return urlretrieve(*args, **kwargs)


class _cached_property:  # noqa: N801 - the name Whoosh imports
    """The `cached_property` package's descriptor for plain methods: computed once per instance,
    then an ordinary attribute of the instance (deleting it computes it again)."""

    def __init__(self, func) -> None:
        self.__doc__ = func.__doc__
        self.func = func

    def __get__(self, obj, cls):
        if obj is None:
            return self
        value = obj.__dict__[self.func.__name__] = self.func(obj)
        return value


def _variations(word):
    """whoosh.lang.morph_en.variations, imported on first use (whoosh.query.terms imports it for
    its Variations query, which pincite never builds; the module compiles ~1,000 patterns)."""
    from whoosh.lang.morph_en import variations

    return variations(word)


def _import_whoosh_lightly() -> bool:
    """Import whoosh.compat, whoosh.reading and whoosh.query with the start-up stand-ins, if none is
    imported yet. True when the stand-ins were used."""
    if any(m in sys.modules for m in ("whoosh.compat", "whoosh.reading", "whoosh.query")):
        return False
    stand_ins = {}
    if "whoosh.lang.morph_en" not in sys.modules:
        me = types.ModuleType("whoosh.lang.morph_en")
        me.variations = _variations
        stand_ins["whoosh.lang.morph_en"] = me
    if "urllib.request" not in sys.modules:
        ur = types.ModuleType("urllib.request")
        ur.urlretrieve = _urlretrieve
        stand_ins["urllib.request"] = ur
    if "cached_property" not in sys.modules:
        cp = types.ModuleType("cached_property")
        cp.cached_property = _cached_property
        stand_ins["cached_property"] = cp
    sys.modules.update(stand_ins)
    try:
        import whoosh.compat  # noqa: F401
        import whoosh.query  # noqa: F401
        import whoosh.reading  # noqa: F401
    finally:
        for name, mod in stand_ins.items():
            if sys.modules.get(name) is mod:
                del sys.modules[name]
    return bool(stand_ins)


# -- the length columns of a segment -----------------------------------------------------------------
def _cached_column_reader(self, fieldname, column):
    """Whoosh's W3PerDocReader._cached_reader, remembering also that a column is absent.
    Segments never change once written, so remembering the absence is safe."""
    try:
        return self._readers[fieldname]
    except KeyError:
        pass
    reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
    self._readers[fieldname] = reader
    return reader


_BYTE_TO_LENGTH: tuple = ()


def _doc_field_length(self, docnum, fieldname, default=0):
    """Whoosh's W3PerDocReader.doc_field_length, from the field's length column read whole, once
    per reader (one byte per unit; a segment never changes). Same results: a unit without the field
    gives `default` for a missing column and None for a zero byte, as Whoosh does."""
    from whoosh.codec import whoosh3

    if docnum > self._doccount:
        raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
    cache = self.__dict__.get("_pincite_lengths")
    if cache is None:
        cache = self._pincite_lengths = {}
    data = cache.get(fieldname)
    if data is None:
        reader = self._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
        if reader is None:
            data = False
        elif hasattr(reader, "_basepos"):  # a fixed-width column: one read
            data = reader._dbfile.get(reader._basepos, reader._count)
        else:
            data = bytes(reader[i] for i in range(self._doccount))
        cache[fieldname] = data
    if data is False:
        return default
    return _BYTE_TO_LENGTH[data[docnum]] if docnum < len(data) else None


def _patch_lengths() -> None:
    global _BYTE_TO_LENGTH
    from whoosh.codec import whoosh3
    from whoosh.util.numeric import byte_to_length

    cls = whoosh3.W3PerDocReader
    needed = ("_cached_reader", "doc_field_length", "column_reader", "has_column")
    if not all(hasattr(cls, a) for a in needed) or not hasattr(whoosh3, "_lenfield"):
        warnings.warn(
            "Whoosh's W3PerDocReader is not as pincite expects: field lengths are read Whoosh's way (slower)",
            WhooshVersionWarning,
            stacklevel=3,
        )
        return
    _BYTE_TO_LENGTH = (None, *(byte_to_length(b) for b in range(1, 256)))
    ORIGINALS["W3PerDocReader._cached_reader"] = cls._cached_reader
    ORIGINALS["W3PerDocReader.doc_field_length"] = cls.doc_field_length
    cls._cached_reader = _cached_column_reader
    cls.doc_field_length = _doc_field_length
    APPLIED.extend(["absent length columns", "field lengths"])


# -- reading postings whole ------------------------------------------------------------------------
def posting_blocks(matcher, values: bool = True):
    """(docnums, weights, encoded values) of a term's postings in one segment, a block at a time, from a matcher of
    `reader.postings()` (deleted units included: the caller drops them). Whoosh's own matchers walk
    a posting per Python call (id, weight, score, next); this reads each block's arrays once. Any
    matcher of another shape is walked Whoosh's way. `values=False`: each block's values come as a
    function that returns them, unpickled only when called (see _extent_blocks)."""
    from whoosh.codec.whoosh3 import W3LeafMatcher

    if type(matcher) is W3LeafMatcher and "field lengths" in APPLIED and not matcher._byteids:
        yield from _extent_blocks(matcher, values)
        return
    if isinstance(matcher, W3LeafMatcher) and "field lengths" in APPLIED:
        m = matcher
        while m.is_active():
            if m._ids is None:
                m._read_ids()
            if m._weights is None:
                m._read_weights()
            if m._values is None:
                m._read_values()  # already unpickled with the block: no cost but a reference
            i = m._i
            ids, weights, vs = m._ids, m._weights, m._values
            if i:
                ids, weights, vs = ids[i:], weights[i:], vs[i:]
            yield ids, weights, vs if values else (lambda v: lambda: v)(vs)
            m._next_block()
        return
    ids, weights, vs = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        vs.append(matcher.value())
        matcher.next()
    yield ids, weights, vs if values else (lambda v: lambda: v)(vs)


# A block's data is the pickle (protocol 2) of (ids, weights, values). Encoded values are bytes,
# which protocol 2 writes as a call of _codecs.encode: the first one names it (GLOBAL), and no byte
# before can spell these 16 (ids and weights are opcodes K, M, J, G, N, (, t, q, r with at most 8
# bytes of argument each, and none of those opcodes is among these bytes).
_VALUES_AT = b"c_codecs\nencode\n"


def _ids_weights(data: bytes, n: int):
    """(ids, weights, where its values start) of a block's decompressed pickle, without unpickling its values (two thirds
    of the unpickling: a string and a call per posting), or None when the pickle is not of that
    shape (read it whole then). The pickle up to the values, closed as a pair, is unpickled by the
    same restricted unpickler, and what comes back is checked to be of the block's shape."""
    from pincite.index import trusted

    i = data.find(_VALUES_AT)
    if i <= 0:
        return None
    cut = i - 1 if data[i - 1] == 0x28 else i  # the MARK of a tuple of more than three values
    try:
        ids, weights = trusted.loads(data[:cut] + b"\x86.")  # TUPLE2, STOP
    except Exception:  # noqa: BLE001 - not of the expected shape: read the block whole
        return None
    if type(ids) is not tuple or len(ids) != n or (n and type(ids[0]) is not int):
        return None
    if not (weights is None or type(weights) is float or (type(weights) is tuple and len(weights) == n)):
        return None
    return ids, weights, i


class BlockValues:
    """A block's encoded values, read only when asked for (posting_blocks with values=False): all of
    them by calling it, or the j-th by `one(j)`, which reads the pickle's opcodes up to that value
    instead of unpickling the block's 128 (proximity wants one unit's positions from a block: the
    whole unpickle took 60 us a block, the walk to the middle 25 us).

    Protocol 2 writes each value (bytes) as `_codecs.encode(text, 'latin1')`: the first as GLOBAL,
    BINPUT, BINUNICODE, BINPUT, BINUNICODE 'latin1', BINPUT, TUPLE2, BINPUT, REDUCE, BINPUT; each
    later one as BINGET of the function, BINUNICODE, BINPUT, BINGET of 'latin1', TUPLE2, BINPUT,
    REDUCE, BINPUT, the memo growing by three; a value that is the same object as one before
    (pincite's writer shares the value of a word met once at a given position) as a BINGET of that
    one's memo index. The walk checks every opcode and memo index between the texts against exactly
    that and takes a text's length from its BINUNICODE; anything else and the block is unpickled
    whole, as before."""

    __slots__ = ("_all", "_at", "_data", "_first", "_fixed", "_full", "_n", "_next", "_starts", "_walk_ok")

    def __init__(self, data: bytes, n: int, at: int, fixed) -> None:
        self._data, self._n, self._at, self._fixed = data, n, at, fixed
        self._all = None
        self._walk_ok = fixed is None or fixed < 0  # values of one size are one bytes, not a tuple
        self._starts: list[int] = []  # where each value's BINUNICODE stands, as far as walked
        self._full: list[int] = []  # the same, for the values written out (not BINGETs)
        self._next = None  # the walk's state: (where the next value starts, the function's memo index)
        self._first = None  # (the first value's BINUNICODE, the end of its opcodes, e); False: walk

    def __call__(self):
        if self._all is None:
            self._all = _shape_values(_trusted_loads(self._data)[2], self._n, self._fixed)
        return self._all

    def one(self, j: int):
        """The j-th value, as `self()[j]`."""
        if self._all is None and self._walk_ok and 0 <= j < self._n:
            try:
                v = self._find(j) if self._plain() else self._walk(j)
            except (IndexError, ValueError, struct.error):  # not of this shape (UnicodeError is a ValueError)
                v = None
            if v is not None:
                return v
            self._walk_ok = False  # unpickled whole from now on
        return self()[j]

    def _first_value(self):
        """(where the first value's BINUNICODE stands, where its opcodes end, the function's memo
        index), or None when the values do not start as protocol 2 writes them."""
        data = self._data
        e, p = _memo_arg(data, self._at + len(_VALUES_AT), 0x71, 0x72)  # BINPUT of the function
        if data[p] != 0x58:  # BINUNICODE
            return None
        end = p + 5 + _U32(data, p + 1)[0]
        tail = _put(e + 1) + _LATIN1 + _put(e + 2) + b"\x86" + _put(e + 3) + b"R" + _put(e + 4)
        if not data.startswith(tail, end):
            return None
        return p, end + len(tail), e

    def _plain(self) -> bool:
        """Whether every value of the block is written out (no BINGET of a value met before), so
        that `_find` can go to the j-th value straight away; worked out once per block.

        A text is latin-1 as UTF-8: every byte of it from 0x80 up follows 0xC2 or 0xC3 (or is one).
        So the two bytes "'latin1''s memo index, TUPLE2 (0x86)" stand only where a value's TUPLE2 is:
        not in a text, nor in a memo index (its opcode stands before it) or a text's length (one of
        34 kB and more, in a block smaller than that, is not there); and each value written out has
        one. Their count is the count of values written out."""
        if self._first is None:
            self._first = False
            data, at = self._data, self._at
            try:
                first = self._first_value()
            except (IndexError, ValueError, struct.error):
                first = None
            if first is not None and first[2] + 2 < 0x68 and len(data) < 0x8600:
                if data.count(bytes((first[2] + 2, 0x86)), at) == self._n:
                    self._first = first
        return self._first is not False

    def _find(self, j: int):
        """The j-th value of a block whose values are all written out: the opcodes after the
        (j-1)-th value's text (BINPUT m, BINGET of 'latin1', TUPLE2, BINPUT, REDUCE, BINPUT with
        the memo indices that only that value's have: see `_plain`) are found where they stand,
        and the j-th value's opcodes after them are checked as `_walk` checks them."""
        data = self._data
        x, end, e = self._first
        if j:
            tails = _tails(e, j)  # tails[k]: what follows the text of the k+2-th value
            if j == 1:
                p = end
            else:
                tail = tails[j - 2]
                p = data.find(tail, end)
                if p < 0:
                    return None
                p += len(tail)
            head = _get(e) + b"X"
            if not data.startswith(head, p):
                return None
            x = p + len(head) - 1
            if not data.startswith(tails[j - 1], x + 5 + _U32(data, x + 1)[0]):
                return None
        n = _U32(data, x + 1)[0]
        if x + 5 + n > len(data):
            return None
        return data[x + 5 : x + 5 + n].decode("utf-8").encode("latin-1")

    def _walk(self, j: int):
        data, starts, full = self._data, self._starts, self._full
        startswith = data.startswith
        if self._next is None:
            first = self._first_value()
            if first is None:
                return None
            starts.append(first[0])
            full.append(first[0])
            self._next = (first[1], first[2])
        p, e = self._next
        head = _get(e) + b"X"
        skip = len(head) - 1
        tails = _tails(e, j + 1)  # tails[k]: what follows the text of the k+2-th value written out
        append = starts.append
        while len(starts) <= j:
            if startswith(head, p):  # values written out, up to j or to the next BINGET
                k = len(full) - 1
                for tail in tails[k : k + j + 1 - len(starts)]:
                    if not startswith(head, p):
                        break
                    x = p + skip
                    end = x + 5 + _U32(data, x + 1)[0]
                    if not startswith(tail, end):
                        return None
                    append(x)
                    full.append(x)
                    p = end + len(tail)
            else:  # a BINGET of a value written out before (memo e + 4 + 3k for the k-th): that value
                r, p = _memo_arg(data, p, 0x68, 0x6A)
                k, rest = divmod(r - e - 4, 3)
                if rest or not 0 <= k < len(full):
                    return None
                append(full[k])
        self._next = (p, e)
        x = starts[j]
        n = _U32(data, x + 1)[0]
        if x + 5 + n > len(data):
            return None
        return data[x + 5 : x + 5 + n].decode("utf-8").encode("latin-1")


_U32 = struct.Struct("<I").unpack_from
_LATIN1 = b"X\x06\x00\x00\x00latin1"
_TAILS: dict[int, list[bytes]] = {}


def _tails(e: int, n: int) -> list[bytes]:
    """At least n of what follows the text of the 2nd, 3rd… value written out in a block whose
    function has memo index e ('latin1' e + 2): BINPUT, BINGET of 'latin1', TUPLE2, BINPUT, REDUCE,
    BINPUT (a pure function of e and k, made once per process)."""
    tails = _TAILS.setdefault(e, [])
    while len(tails) < n:
        m = e + 5 + 3 * len(tails)
        tails.append(_put(m) + _get(e + 2) + b"\x86" + _put(m + 1) + b"R" + _put(m + 2))
    return tails


def _memo_arg(data: bytes, p: int, short: int, long_: int) -> tuple[int, int]:
    """(memo index, position after) of the BINPUT/BINGET (`short`, one byte) or LONG_ form (four)
    at p; ValueError for another opcode."""
    op = data[p]
    if op == short:
        return data[p + 1], p + 2
    if op == long_:
        return _U32(data, p + 1)[0], p + 5
    raise ValueError(op)


def _put(n: int) -> bytes:
    return b"q" + bytes((n,)) if n < 256 else b"r" + n.to_bytes(4, "little")


def _get(n: int) -> bytes:
    return b"h" + bytes((n,)) if n < 256 else b"j" + n.to_bytes(4, "little")


def _shape_values(vs, n, fixed):
    if fixed is None or fixed < 0:
        return vs
    if fixed == 0:
        return (None,) * n
    return tuple(vs[i : i + fixed] for i in range(0, len(vs), fixed))


def _trusted_loads(data):
    from pincite.index import trusted

    return trusted.loads(data)


def _extent_blocks(m, want_values: bool = True):
    """posting_blocks of a W3LeafMatcher, every block of the term from its first (wherever the
    matcher stands: deleted units skipped already are dropped by the caller anyway), read from one
    read of the term's extent instead of three seeks and reads per block, and decoded as
    W3LeafMatcher decodes them (_goto, _read_ids, _read_weights, _read_values), through the same
    restricted unpickler; ids decoded by itertools.accumulate instead of a Python generator. With
    `want_values` False, a block's values are a function that unpickles them when called."""
    import io
    import zlib
    from itertools import accumulate

    from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
    from whoosh.system import unpack_int

    from pincite.index import trusted

    length = m._length  # Whoosh 2.7.5 stores the extent's length as a 1-tuple
    raw = m._postfile.get(m._startoffset, length[0] if isinstance(length, tuple) else length)
    if raw[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"Block tag error {raw[:4]!r}")
    fixed = m._fixedsize

    buf = io.BytesIO(raw)
    pos, end_all = 4, len(raw)
    while pos < end_all:
        (length,) = unpack_int(raw[pos : pos + 4])
        last = length < 0
        pos += 4
        end = pos + abs(length)
        buf.seek(pos)
        n, _maxid, _maxweight, comp, _mn, _mx = trusted.load(buf)
        data = raw[buf.tell() : end]
        if comp:
            data = zlib.decompress(data)
        pair = None if want_values else _ids_weights(data, n)
        if pair is None:
            ids, weights, values = trusted.loads(data)
            values = _shape_values(values, n, fixed)
            if not want_values:
                values = (lambda v: lambda: v)(values)
        else:
            ids, weights, at = pair
            values = BlockValues(data, n, at, fixed)
        ids = tuple(accumulate(ids))
        if weights is None:
            weights = (1.0,) * n
        elif isinstance(weights, float):
            weights = array("f", (weights,)) * n
        yield ids, weights, values
        if last:
            return
        pos = end


# A Positions value is a count (4 bytes) and the protocol 2 pickle of the positions' deltas: a list of
# ints, with nothing else in it (no global, no call) when it matches this.
_INT_LIST = re.compile(
    rb"\x80\x02\](?:q\x00)?(?:(?:K.|M..|J....)a|(?:\((?:K.|M..|J....)+e)+)\.?\Z", re.DOTALL
)


def positions_decoder(fmt):
    """fmt.decoder("positions"), faster for Whoosh's Positions format: a value whose pickle is a plain
    list of ints is read by pickle.loads directly (the restricted unpickler's set-up was most of the
    cost of one unit's positions), anything else by the format's own decoder."""
    from whoosh.formats import Positions

    decode = fmt.decoder("positions")
    if getattr(type(fmt), "decode_positions", None) is not Positions.decode_positions:
        return lambda value: list(decode(value))
    import pickle
    from itertools import accumulate

    loads, match = pickle.loads, _INT_LIST.match

    def decode_positions(value):
        if match(value, 4):
            return list(accumulate(loads(value[4:] if value[-1:] == b"." else value[4:] + b".")))
        return decode(value)

    return decode_positions


def length_norms(k1: float, b: float, avgfl: float) -> list[float]:
    """whoosh.scoring.bm25's denominator, k1 * ((1 - b) + b * length / avgfl), for each of the 256
    length bytes (0.0 for byte 0, which no posting has), written as bm25 writes it so that every score
    is bm25's to the bit. A pure function of its floats: remembered (the same for every segment and
    term of a field while its average length stands)."""
    key = (k1, b, avgfl)
    norm = _NORMS.get(key)
    if norm is None:
        from whoosh.util.numeric import byte_to_length

        if len(_NORMS) >= 1024:
            _NORMS.clear()
        norm = _NORMS[key] = [0.0] + [k1 * ((1 - b) + b * byte_to_length(i) / avgfl) for i in range(1, 256)]
    return norm


_NORMS: dict[tuple[float, float, float], list[float]] = {}


def encoded_terms(schema, terms):
    """Each (fieldname, text, term bytes, boost) of `terms` (fieldname, text, boost) whose field is in
    the schema and can encode the text: as Whoosh's Term, any other matches nothing."""
    for fieldname, text, boost in terms:
        if fieldname not in schema:
            continue
        try:
            tb = schema[fieldname].to_bytes(text)
        except ValueError:
            continue
        yield fieldname, text, tb, boost


def held_terms(schema, reader, terms):
    """Each (fieldname, text, term bytes, boost) of `terms` that `reader` holds (`encoded_terms`)."""
    for fieldname, text, tb, boost in encoded_terms(schema, terms):
        if (fieldname, tb) in reader:
            yield fieldname, text, tb, boost


def term_matcher(reader, fieldname: str, tb: bytes):
    """The matcher of a term's postings in a segment reader without a scorer and with deleted units
    left in (the one-pass tiers drop them), or None when the reader does not hold the term: from one
    look-up of the term in the segment's term table, where `(field, term) in reader`, the scorer's
    set-up and reader.postings() looked it up three times (85 us a term and segment). Another
    reader is asked as Whoosh asks it."""
    from whoosh.codec.whoosh3 import W3TermsReader
    from whoosh.matching.wrappers import FilterMatcher
    from whoosh.reading import TermNotFound

    terms = getattr(reader, "_terms", None)
    if type(terms) is W3TermsReader and "field lengths" in APPLIED and not reader.is_closed:
        try:
            info = terms.term_info(fieldname, tb)
        except TermNotFound:
            return None
        fmt = reader.schema[fieldname].format
        return terms._codec.postings_reader(terms._postfile, info, fmt, term=(fieldname, tb))
    if (fieldname, tb) not in reader:
        return None
    m = reader.postings(fieldname, tb)
    return m.child if isinstance(m, FilterMatcher) else m


def field_lengths(reader, fieldname):
    """A segment reader's length column for a field as (bytes, byte → length table), read once per
    reader (the "field lengths" patch); None when that patch is not applied or the reader is not a
    segment's."""
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is None or "field lengths" not in APPLIED or reader.doc_count_all() == 0:
        return None
    perdoc.doc_field_length(0, fieldname)  # reads the column into the reader's cache
    data = perdoc.__dict__.get("_pincite_lengths", {}).get(fieldname)
    if data is None:
        return None
    return (b"" if data is False else data), _BYTE_TO_LENGTH


# -- pickle ------------------------------------------------------------------------------------------
def _patch_pickle() -> None:
    from pincite.index import trusted

    if not trusted.install():
        raise IncompatibleWhoosh(
            "pincite cannot put its restricted unpickler in this Whoosh (whoosh.compat holds no "
            "pickle loaders): it will not open an index with plain pickle; install whoosh-reloaded 2.7.5"
        )
    APPLIED.append("pickle")


# -- the one call ------------------------------------------------------------------------------------
_applied = False


def whoosh_version() -> tuple:
    """The installed Whoosh's version, imported lightly when it is not imported yet."""
    import whoosh

    return tuple(getattr(whoosh, "__version__", ()))


def check_version(version: tuple | None = None) -> bool:
    """True for a version the patches were written for; a `WhooshVersionWarning` otherwise."""
    version = whoosh_version() if version is None else tuple(version)
    if version in KNOWN_VERSIONS:
        return True
    known = ", ".join(".".join(map(str, v)) for v in sorted(KNOWN_VERSIONS))
    warnings.warn(
        f"pincite was written for Whoosh {known}, and Whoosh {'.'.join(map(str, version)) or '(unknown)'} "
        "is installed: only the restricted unpickler is applied, not pincite's speed patches "
        "(install whoosh-reloaded==2.7.5 for them)",
        WhooshVersionWarning,
        stacklevel=3,
    )
    return False


def apply() -> list[str]:
    """Apply every patch (once per process; later calls do nothing) and return the names of those
    applied. Call it before opening any Whoosh index (pincite.index does, on import)."""
    global _applied
    if _applied:
        return list(APPLIED)
    import whoosh

    known = check_version(tuple(getattr(whoosh, "__version__", ())))
    if known and _import_whoosh_lightly():
        APPLIED.append("start-up")
    _patch_pickle()
    if known:
        _patch_lengths()
    _applied = True
    return list(APPLIED)

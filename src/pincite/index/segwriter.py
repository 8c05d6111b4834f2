"""A Whoosh segment writer that sorts and writes postings a term at a time instead of one by one.

Whoosh's `SegmentWriter` puts every posting of every field of every unit, as a (field, term,
docnum, weight, value) tuple, into a pool, sorts the pool at the end, and feeds it back one
posting per Python call through `FieldWriter.add_postings` and `W3PostingsWriter.add_posting`
(each asking the length column for the unit's field length). For the 215,000 postings of the
real PDFs that was ~60 % of writing the index. `BulkSegmentWriter` keeps each term's postings
together as units are added (already in docnum order), sorts the terms once, and writes each
term's blocks of 128 postings and its term info in one loop (`_write_terms`): the pickles,
statistics and records of Whoosh's W3 postings and field writers, computed as their code computes
them (handing them each block cost a dozen Python calls per block and term), so the files are
those Whoosh writes, byte for byte (tests/test_index_segwriter.py compares them). That loop, and
the term index's hash tables, run in C (`_terms.c`) where setup.py built it: the same bytes
(its own protocol 2 pickles, one zlib state reset for each block instead of a new one, MD5), a
fifth of a rebuild's instructions less; the Python functions stay for where it is not built, and
for postings the C path does not read. Everything per unit (stored fields, columns, length
columns) still goes through Whoosh's per-document writer.

One departure, in the bytes only: a block of fewer than `COMPRESS_FROM` postings is stored without
zlib. Whoosh compresses every block, and most terms are rare: on the real PDFs 13,400 of 17,750
blocks held fewer than 8 postings, a pickle of ~60-100 bytes that zlib cannot shrink, and each call
to `zlib.compress` costs tens of microseconds of set-up whatever its input (0.40 s of a 2.2 s
rebuild). Each block records its own compression level, and both Whoosh's reader and pincite's
(`whoosh_compat.posting_blocks`) decompress only the blocks that say so.

It writes new segments only: a writer that also merges old segments or deletes units (an
incremental sync) is Whoosh's own.
"""

from __future__ import annotations

import struct
import zlib
from array import array
from functools import partial
from hashlib import md5
from itertools import accumulate
from pickle import dumps

from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3FieldWriter,
    W3PerDocWriter,
    W3TermInfo,
    _lenfield,
)
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import ID, KEYWORD, NUMERIC
from whoosh.filedb.filetables import _dir_entry, _lengths, _pointer, md5_hash
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from pincite.index.schema import FastTEXT, _add_items

try:  # the loops of _write_terms and _write_hashes in C (setup.py builds it where it can)
    from pincite.index import _terms
except ImportError:  # pragma: no cover - no C compiler where pincite was installed
    _terms = None
else:  # its compressed blocks are zlib.compress's only with the same zlib
    if _terms.zlib_version() != zlib.ZLIB_RUNTIME_VERSION:  # pragma: no cover
        _terms = None

REMEMBER = 10_000  # values remembered per field before starting afresh
# `add_document(**{TOKENS + name: tokens})`: a text field's value already cut into tokens (by
# `analysis.TOKEN`), for the field's `index(value, tokens=...)` (schema.FastTEXT). Whoosh's own
# writer, like any field starting with "_", ignores it.
TOKENS = "_tokens_"
COMPRESS_FROM = 8  # postings in a block from which it is compressed (Whoosh: 1, every block)
_TERMINFO = W3TermInfo._struct
_EXTENT = struct.Struct("!qi")  # a term's postings: offset (pack_long) and length (pack_int)


def supports(schema) -> bool:
    """Can a schema's segments be written this way? Not with term vectors or separate spelling
    fields (pincite's schema has neither)."""
    return all(not f.vector and not f.separate_spelling() for _, f in schema.items())


class BulkSegmentWriter(SegmentWriter):
    """A `SegmentWriter` for a new segment holding only added units (see the module's docstring).
    Use `add_document` and `_finalize_segment` (or `commit`)."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        if not supports(self.schema):
            raise ValueError("BulkSegmentWriter: the schema has term vectors or spelling fields")
        if not isinstance(self.fieldwriter, W3FieldWriter) or not isinstance(
            self.perdocwriter, W3PerDocWriter
        ):
            raise ValueError("BulkSegmentWriter writes Whoosh's W3 codec only")
        # field name → term bytes → [(docnum, weight, value), ...] in docnum order
        self._postings: dict[str, dict[bytes, list]] = {}
        # field name → docnum → field length as the length column gives it back
        self._lengths: dict[str, dict[int, int]] = {}
        self._quantised: dict[int, tuple[int, int]] = {}  # length → (as read back, its byte)
        # Whoosh's ID, KEYWORD and NUMERIC fields index a value the same way each time, and a unit's
        # document id, version, symbol, type, year and language repeat over the document's units:
        # each value is indexed once (field name → value → postings)
        self._remembered = {name: {} for name, f in self.schema.items() if type(f) in (ID, KEYWORD, NUMERIC)}
        # pincite's text fields add their postings themselves (FastTEXT.add_postings)
        self._adders = {name: f.add_postings for name, f in self.schema.items() if isinstance(f, FastTEXT)}
        self._columns: dict[str, object] = {}  # column name → the per-document writer's column writer
        self._plans: dict[str, tuple] = {}  # field name → what add_document needs of it (`_plan`)

    def _plan(self, fieldname: str) -> tuple:
        """What `add_document` needs of a field, looked up once: (field, its adder, its remembered
        values, indexed, scorable, stored, column type, length column name, remembered column
        values)."""
        field = self.schema[fieldname]
        memo = self._remembered.get(fieldname)
        return (
            field,
            self._adders.get(fieldname),
            memo,
            field.indexed,
            field.scorable,
            field.stored,
            field.column_type,
            _lenfield(fieldname),
            {} if memo is not None else None,
        )

    def add_document(self, **fields) -> None:
        self._check_state()
        perdocwriter = self.perdocwriter
        docnum = self.docnum
        fieldnames = []
        special = False  # boosts or stored values given per field
        for name in fields:
            if name[:1] != "_":
                fieldnames.append(name)
            elif not name.startswith(TOKENS):
                special = True
        docboost = self._doc_boost(fields) if special else 1.0
        fieldnames.sort()
        plans = self._plans
        for name in fieldnames:
            if name not in plans:
                self._check_fields(self.schema, [name])
                plans[name] = self._plan(name)
        all_postings, all_lengths, quantised = self._postings, self._lengths, self._quantised
        columns = self._columns
        fieldlengths = perdocwriter._fieldlengths
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field, add, memo, indexed, scorable, stored, column, lenname, colmemo = plans[fieldname]
                length = 0
                if indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost) if special else docboost
                    terms = all_postings.get(fieldname)
                    if terms is None:
                        terms = all_postings[fieldname] = {}
                    if add is not None and type(value) is str:
                        length = add(value, fields.get(TOKENS + fieldname), docnum, fieldboost, terms)
                    elif memo is not None and type(value) in (str, int):  # as _add_items, one call fewer
                        items = memo.get(value)
                        if items is None:
                            if len(memo) >= REMEMBER:
                                memo.clear()
                            items = memo[value] = _checked(fieldname, field.index(value))
                        length = _add_items(items, docnum, fieldboost, terms)
                    else:
                        length = self._add_items(fieldname, field, value, fields, docnum, fieldboost, terms)
                    if not scorable:
                        length = 0
                    elif length:
                        q = quantised.get(length)
                        if q is None:
                            lb = length_to_byte(length)
                            q = quantised[length] = (byte_to_length(lb), lb)
                        lengths = all_lengths.get(fieldname)
                        if lengths is None:
                            lengths = all_lengths[fieldname] = {}
                        lengths[docnum] = q[0]
                customval = fields.get(f"_stored_{fieldname}", value) if special else value
                if stored:
                    perdocwriter.add_field(fieldname, field, customval, length)
                elif length:  # W3PerDocWriter.add_field: the length byte into the length column
                    writer = columns.get(lenname) or _column(perdocwriter, columns, lenname, LENGTHS_COLUMN)
                    writer.add(docnum, q[1])
                    fieldlengths[fieldname] += length
                if column and customval is not None:
                    writer = columns.get(fieldname) or _column(perdocwriter, columns, fieldname, column)
                    # an ID, KEYWORD or NUMERIC value's column value, like its postings, made once
                    if colmemo is not None and type(customval) in (str, int):
                        cv = colmemo.get(customval)
                        if cv is None:
                            if len(colmemo) >= REMEMBER:
                                colmemo.clear()
                            cv = colmemo[customval] = field.to_column_value(customval)
                    else:
                        cv = field.to_column_value(customval)
                    writer.add(docnum, cv)
        except Exception:  # as Whoosh's writer: the build is abandoned (a rebuild removes it)
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _add_items(
        self, fieldname: str, field, value, fields: dict, docnum: int, boost: float, terms: dict
    ) -> int:
        """Add a value's postings from `field.index` to `terms`; the field's length. A value of an
        ID, KEYWORD or NUMERIC field is indexed once (`_remembered`)."""
        memo = self._remembered.get(fieldname)
        if memo is not None and type(value) in (str, int):
            items = memo.get(value)
            if items is None:
                if len(memo) >= REMEMBER:
                    memo.clear()
                items = memo[value] = _checked(fieldname, field.index(value))
        else:
            tokens = fields.get(TOKENS + fieldname)
            items = _checked(
                fieldname, field.index(value) if tokens is None else field.index(value, tokens=tokens)
            )
        return _add_items(items, docnum, boost, terms)

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fw = self.fieldwriter
        for fieldname in sorted(self._postings):
            terms = self._postings[fieldname]
            if not terms:
                continue
            fieldobj = self.schema[fieldname]
            fw.start_field(fieldname, fieldobj)
            _write_terms(fw, terms, self._lengths.get(fieldname, {}))
            fw.finish_field()
        tindex = fw._tindex
        tindex._write_hashes = partial(_write_hashes, tindex)  # called by fw.close()
        tindex._write_directory = partial(_write_directory, tindex)  # and then this
        fw.close()
        self._postings.clear()
        self._lengths.clear()


_MAGIC = WHOOSH3_HEADER_MAGIC
_BUFFER = 1 << 20  # bytes of postings gathered before a write


def _checked(fieldname: str, items) -> list:
    items = list(items)
    for tbytes, _, _, vbytes in items:
        if type(tbytes) is not bytes or (vbytes is not None and type(vbytes) is not bytes):
            raise TypeError(f"field {fieldname!r} gave a posting that is not bytes")
    return items


def _column(perdocwriter: W3PerDocWriter, columns: dict, name: str, column):
    """The per-document writer's writer of column `name`, created as `add_column_value` creates it;
    for a number or a bytes column, one that writes its values at the end (`_NumbersAtEnd`,
    `_BytesAtEnd`)."""
    got = columns.get(name)
    if got is None:
        if not perdocwriter._has_column(name):
            kind = _AT_END.get(type(column))
            if kind is None:
                perdocwriter._create_column(name, column)
            else:  # as W3PerDocWriter._create_column, with our writer
                perdocwriter._colwriters[name] = kind(perdocwriter._cols.create_file(name), column)
        got = columns[name] = perdocwriter._get_column(name)
    return got


class _AtEnd:
    """A column writer that keeps each unit's value (docnum order) until `finish` writes them."""

    __slots__ = ("_dbfile", "_docs", "_values")

    def __init__(self, dbfile) -> None:
        self._dbfile = dbfile
        self._docs: list[int] = []
        self._values: list = []

    def add(self, docnum: int, value) -> None:
        self._docs.append(docnum)
        self._values.append(value)


class _NumbersAtEnd(_AtEnd):
    """Whoosh's `NumericColumn.Writer`, the values kept until `finish` and written in one go: each
    unit's value (a unit without one, the default) up to the last unit whose value is not the
    default, packed big-endian (`"!" + typecode`), the same bytes. Whoosh's writer makes four
    Python calls a value; a rebuild adds ~10 column values a unit (~17 % of adding units)."""

    __slots__ = ("_typecode", "_default")

    def __init__(self, dbfile, column: NumericColumn) -> None:
        super().__init__(dbfile)
        self._typecode = column._typecode
        self._default = column._default

    def add(self, docnum: int, value) -> None:
        if value != self._default:  # as Whoosh: the default is not written, but filled in
            self._docs.append(docnum)
            self._values.append(value)

    def finish(self, doccount: int) -> None:
        if not self._docs:
            return
        row = [self._default] * (self._docs[-1] + 1)
        for docnum, value in zip(self._docs, self._values, strict=True):
            row[docnum] = value
        self._dbfile.write(struct.pack(f"!{len(row)}{self._typecode}", *row))


class _BytesAtEnd(_AtEnd):
    """Whoosh's `VarBytesColumn.Writer`, the values kept until `finish` and written in one go: the
    values one after another, each unit's length (0 without a value) as a `GrowableArray` (the
    smallest type that holds them), big-endian, and its type code; past `cutoff` units the offsets
    (each unit's, the lengths before it) the same way, their type code and "X": the same bytes."""

    __slots__ = ("_offsets", "_cutoff")

    def __init__(self, dbfile, column: VarBytesColumn) -> None:
        super().__init__(dbfile)
        self._offsets = column.allow_offsets
        self._cutoff = column.write_offsets_cutoff

    def finish(self, doccount: int) -> None:
        at = self._docs[-1] + 1 if self._docs else 0  # the units up to the last with a value
        lengths = [0] * max(doccount, at)
        for docnum, value in zip(self._docs, self._values, strict=True):
            lengths[docnum] = len(value)
        dbfile = self._dbfile
        dbfile.write(b"".join(self._values))
        lengths_array = _growable(lengths)
        dbfile.write_array(lengths_array)
        offsets = None
        if self._offsets and doccount > self._cutoff:
            every = list(accumulate(lengths, initial=0))[:-1]  # each unit's: the lengths before it
            # Whoosh's finish takes the offsets' array before filling in the units after the last
            # value: where that fill outgrows the array's type, the array written is the one taken,
            # without them
            taken, offsets = _growable(every[:at]), _growable(every)
            if offsets.typecode != taken.typecode:
                offsets = taken
            dbfile.write_array(offsets)
        dbfile.write(lengths_array.typecode.encode("ascii"))
        if offsets is not None:
            dbfile.write(offsets.typecode.encode("ascii") + b"X")


def _growable(numbers: list[int]) -> array:
    """The array `GrowableArray(allow_longs=False)` holds after appending `numbers` (none below
    0): type "B", retyped at the first number that does not fit to the type of that number."""
    return array(_typecode(max(numbers, default=0)), numbers)


def _typecode(top: int) -> str:
    """`GrowableArray._retype`'s type for a number (longs not allowed)."""
    if top >= 2**32:
        raise OverflowError(f"{top!r} is too big to fit in an array")
    return "B" if top < 256 else "H" if top < 2**16 else "i" if top < 2**31 else "I"


_AT_END = {NumericColumn: _NumbersAtEnd, VarBytesColumn: _BytesAtEnd}


def _write_terms(fw: W3FieldWriter, terms: dict[bytes, list], lengths: dict[int, int]) -> None:
    """Write a field's terms (term bytes → postings in docnum order) as Whoosh's W3 field and
    postings writers would, one `start_term`, `add` per posting, `finish_term` at a time: each
    term's blocks of at most `blocklimit` postings into the postings file (a block of fewer than
    `COMPRESS_FROM` postings not compressed, see the module's docstring), its term info into the
    term index. The same pickles, statistics and bytes, in one loop per term instead of a dozen
    Python calls per block and per posting (they were two fifths of a rebuild); in C (`_terms`)
    where it is built and the postings are what it reads, else in Python (`_write_terms_python`)."""
    pw = fw._postwriter
    if pw._byteids or pw._inlinelimit > 1:
        raise ValueError("BulkSegmentWriter: postings with byte ids or inlined postings")
    tindex = fw._tindex
    fieldkey = pack_ushort(fw._fieldid)
    if fieldkey + min(terms) <= tindex.lastkey:
        raise ValueError("BulkSegmentWriter: fields written out of order")
    if _terms is not None and tindex.hashfn is md5_hash:
        fixedsize = fw._format.fixed_value_size()
        postfile, tfile = fw._postfile, tindex.dbfile
        got = _terms.write_terms(
            terms,
            lengths or None,
            pw._blocklimit,
            COMPRESS_FROM,
            pw._compression,
            -1 if fixedsize is None or fixedsize < 0 else fixedsize,
            fieldkey,
            postfile.tell(),
            tfile.tell(),
            length_to_byte,
            tindex.buckets,
        )
        if got is not None:
            postings, records, positions, tindex.lastkey = got
            postfile.write(postings)
            tfile.write(records)
            _extend(tindex.index, array("q", positions))
            return
    _write_terms_python(fw, terms, lengths)


def _extend(growable, positions: array) -> None:
    """`GrowableArray.extend` of increasing positions: the array retyped once, for the last (as
    appending them one by one retypes it, for each that does not fit, to the type of the first
    that fits it)."""
    if not positions:
        return
    try:
        array(growable.typecode, positions[-1:])
    except OverflowError:
        growable._retype(positions[-1])
    if isinstance(growable.array, array):
        growable.array.extend(array(growable.array.typecode, positions))
    else:  # pragma: no cover - GrowableArray's list, for numbers no array holds
        growable.array.extend(positions)


def _write_terms_python(fw: W3FieldWriter, terms: dict[bytes, list], lengths: dict[int, int]) -> None:
    """`_write_terms` in Python."""
    pw = fw._postwriter
    limit, small, level = pw._blocklimit, COMPRESS_FROM, pw._compression
    fixedsize = fw._format.fixed_value_size()
    postfile, tindex = fw._postfile, fw._tindex
    tfile = tindex.dbfile
    fieldkey = pack_ushort(fw._fieldid)
    hashfn = tindex.hashfn
    fast_md5 = hashfn is md5_hash
    buckets, tpositions = tindex.buckets, tindex.index
    tbase = tfile.tell()
    tbuf = bytearray()
    base = postfile.tell()
    buf = bytearray()
    tobyte: dict = {None: 0}
    lengths_get = lengths.get if lengths else None
    compress, pack_lengths, pack_info, pack_extent = (
        zlib.compress,
        _lengths.pack,
        _TERMINFO.pack,
        _EXTENT.pack,
    )
    key = b""
    for tbytes in sorted(terms):
        postings = terms[tbytes]
        if len(buf) >= _BUFFER:
            postfile.write(bytes(buf))
            base += len(buf)
            buf.clear()
        start = base + len(buf)
        buf += _MAGIC
        total = len(postings)
        t_weight = 0.0
        t_minlength = None
        t_maxlength = 0
        t_maxweight = 0
        first = postings[0][0]
        for at in range(0, total, limit):
            block = postings[at : at + limit] if total > limit else postings
            n = len(block)
            ids, weights, values = zip(*block, strict=True)
            warr = array("f", weights)
            top = max(weights)
            maxweight = top if top > 0 else 0
            minlength, maxlength = None, 0
            if lengths_get is not None:
                lens = [x for x in map(lengths_get, ids) if x]
                if lens:
                    minlength, maxlength = min(lens), max(lens)
            # the block's statistics into the term's (W3TermInfo.add_block)
            t_weight += sum(warr)
            t_minlength = minlength if t_minlength is None else min(t_minlength, minlength)
            t_maxlength = max(t_maxlength, maxlength)
            t_maxweight = max(t_maxweight, maxweight)
            # W3PostingsWriter._write_block: _mini_ids, _mini_weights, _mini_values
            if n == 1:
                mini_ids = ids
            else:
                mini_ids = (ids[0], *[b - a for a, b in zip(ids, ids[1:], strict=False)])
            if warr.count(1.0) == n:
                mini_weights = None
            else:
                w0 = warr[0]
                mini_weights = w0 if warr.count(w0) == n else tuple(warr)
            if fixedsize == 0:
                mini_values = None
            else:
                if not all(values):  # Whoosh keeps the values that are not empty
                    values = tuple([v for v in values if v])
                mini_values = values if fixedsize is None or fixedsize < 0 else b"".join(values)
            data = dumps((mini_ids, mini_weights, mini_values), 2)
            comp = level if n >= small else 0
            if comp:
                data = compress(data, comp)
            minbyte = tobyte.get(minlength)
            if minbyte is None:
                minbyte = tobyte[minlength] = length_to_byte(minlength)
            maxbyte = tobyte.get(maxlength)
            if maxbyte is None:
                maxbyte = tobyte[maxlength] = length_to_byte(maxlength)
            info = dumps((n, ids[-1], maxweight, comp, minbyte, maxbyte), 2)
            size = len(info) + len(data)
            buf += pack_int(-size if at + limit >= total else size)
            buf += info
            buf += data
        # the term info (W3TermInfo.to_bytes, not inlined) into the term index (OrderedHashWriter.add)
        minbyte = 0 if t_minlength is None else tobyte.get(t_minlength)
        if minbyte is None:
            minbyte = tobyte[t_minlength] = length_to_byte(t_minlength)
        maxbyte = tobyte.get(t_maxlength)
        if maxbyte is None:
            maxbyte = tobyte[t_maxlength] = length_to_byte(t_maxlength)
        value = pack_info(
            0, t_weight, total, minbyte, maxbyte, t_maxweight, first, postings[-1][0]
        ) + pack_extent(start, base + len(buf) - start)
        key = fieldkey + tbytes
        pos = tbase + len(tbuf)
        tpositions.append(pos)
        tbuf += pack_lengths(len(key), len(value))
        tbuf += key
        tbuf += value
        h = int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:]) if fast_md5 else hashfn(key)
        buckets[h & 255].append((h, pos))
    postfile.write(bytes(buf))
    tfile.write(bytes(tbuf))
    tindex.lastkey = key


def _write_hashes(tindex) -> None:
    """`HashWriter._write_hashes` (the 256 hash tables of a term index), all tables in one write
    instead of one per slot; in C where it is built (`_write_hashes_python` otherwise)."""
    if _terms is not None:
        got = _terms.hash_tables(tindex.buckets, tindex.dbfile.tell())
        if got is not None:
            tables, directory = got
            tindex.directory.extend(directory)
            tindex.dbfile.write(tables)
            return
    _write_hashes_python(tindex)


def _write_hashes_python(tindex) -> None:
    """`_write_hashes` in Python, each table in one write."""
    dbfile = tindex.dbfile
    null = (0, 0)
    pack = _pointer.pack
    for entries in tindex.buckets:
        pos = dbfile.tell()
        numslots = 2 * len(entries)
        tindex.directory.append((pos, numslots))
        hashtable = [null] * numslots
        for hashval, position in entries:
            slot = (hashval >> 8) % numslots
            while hashtable[slot] != null:
                slot = (slot + 1) % numslots
            hashtable[slot] = (hashval, position)
        if hashtable:
            dbfile.write(b"".join([pack(h, p) for h, p in hashtable]))


def _write_directory(tindex) -> None:
    """`HashWriter._write_directory` (where each of the 256 hash tables is) in one write instead of
    256."""
    pack = _dir_entry.pack
    tindex.dbfile.write(b"".join([pack(pos, slots) for pos, slots in tindex.directory]))

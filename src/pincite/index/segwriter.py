"""A Whoosh segment writer that sorts and writes postings a term at a time instead of one by one.

Whoosh's `SegmentWriter` puts every posting of every field of every unit, as a (field, term,
docnum, weight, value) tuple, into a pool, sorts the pool at the end, and feeds it back one
posting per Python call through `FieldWriter.add_postings` and `W3PostingsWriter.add_posting`
(each asking the length column for the unit's field length). For the 215,000 postings of the
real PDFs that was ~60 % of writing the index. `BulkSegmentWriter` keeps each term's postings
together as units are added (already in docnum order), sorts the terms once, and hands each
block of 128 postings to Whoosh's own W3 postings writer whole: the blocks are pickled,
compressed and described by Whoosh's code, so the files are those Whoosh writes, byte for byte
(tests/test_index_segwriter.py compares them). Everything per unit (stored fields, columns,
length columns) still goes through Whoosh's per-document writer.

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

from array import array

from whoosh.codec.whoosh3 import W3FieldWriter, W3PostingsWriter
from whoosh.fields import ID, KEYWORD, NUMERIC
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

REMEMBER = 10_000  # values remembered per field before starting afresh
COMPRESS_FROM = 8  # postings in a block from which it is compressed (Whoosh: 1, every block)


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
        if not isinstance(self.fieldwriter, W3FieldWriter):
            raise ValueError("BulkSegmentWriter writes Whoosh's W3 codec only")
        # field name → term bytes → [(docnum, weight, value), ...] in docnum order
        self._postings: dict[str, dict[bytes, list]] = {}
        # field name → docnum → field length as the length column gives it back
        self._lengths: dict[str, dict[int, int]] = {}
        self._quantised: dict[int, int] = {}
        # Whoosh's ID, KEYWORD and NUMERIC fields index a value the same way each time, and a unit's
        # document id, version, symbol, type, year and language repeat over the document's units:
        # each value is indexed once (field name → value → postings)
        self._remembered = {name: {} for name, f in self.schema.items() if type(f) in (ID, KEYWORD, NUMERIC)}

    def add_document(self, **fields) -> None:
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        all_postings, all_lengths, quantised = self._postings, self._lengths, self._quantised
        remembered = self._remembered
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    terms = all_postings.get(fieldname)
                    if terms is None:
                        terms = all_postings[fieldname] = {}
                    get = terms.get
                    memo = remembered.get(fieldname)
                    if memo is not None and type(value) in (str, int):
                        items = memo.get(value)
                        if items is None:
                            if len(memo) >= REMEMBER:
                                memo.clear()
                            items = memo[value] = list(field.index(value))
                    else:
                        items = field.index(value)
                    for tbytes, freq, weight, vbytes in items:
                        if type(tbytes) is not bytes or (vbytes is not None and type(vbytes) is not bytes):
                            raise TypeError(f"field {fieldname!r} gave a posting that is not bytes")
                        posting = (docnum, weight * fieldboost, vbytes)
                        plist = get(tbytes)
                        if plist is None:
                            terms[tbytes] = [posting]
                        else:
                            plist.append(posting)
                        length += freq
                    if not field.scorable:
                        length = 0
                    elif length:
                        q = quantised.get(length)
                        if q is None:
                            q = quantised[length] = byte_to_length(length_to_byte(length))
                        lengths = all_lengths.get(fieldname)
                        if lengths is None:
                            lengths = all_lengths[fieldname] = {}
                        lengths[docnum] = q
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        except Exception:  # as Whoosh's writer: the build is abandoned (a rebuild removes it)
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fw = self.fieldwriter
        for fieldname in sorted(self._postings):
            terms = self._postings[fieldname]
            if not terms:
                continue
            fieldobj = self.schema[fieldname]
            lengths = self._lengths.get(fieldname, {})
            fw.start_field(fieldname, fieldobj)
            pw = fw._postwriter
            level = pw._compression
            try:
                for tbytes in sorted(terms):
                    fw.start_term(tbytes)
                    _fill(pw, terms[tbytes], lengths, level)
                    fw.finish_term()
            finally:
                pw._compression = level
            fw.finish_field()
        fw.close()
        self._postings.clear()
        self._lengths.clear()


def _fill(pw: W3PostingsWriter, postings: list, lengths: dict[int, int], level: int) -> None:
    """Give a term's postings (docnum order) to Whoosh's postings writer a block at a time, with
    the block statistics `W3PostingsWriter.add_posting` would have kept one posting at a time,
    and the compression level for the block (`level`, or none for a small block)."""
    limit = pw._blocklimit
    small = COMPRESS_FROM
    for start in range(0, len(postings), limit):
        if start:
            pw._write_block()
        block = postings[start : start + limit]
        pw._compression = level if len(block) >= small else 0
        ids, weights, values = zip(*block, strict=True)
        pw._ids = array("I", ids)
        pw._weights = array("f", weights)
        pw._values = [v for v in values if v]
        top = max(weights)
        pw._maxweight = top if top > 0 else 0
        if lengths:
            lens = [n for n in map(lengths.get, ids) if n]
            if lens:
                pw._minlength = min(lens)
                pw._maxlength = max(lens)

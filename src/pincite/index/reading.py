"""Reading the embedded Whoosh index: what it holds per document, and the speed-ups of Whoosh's
per-document reader that both writing and scoring use."""

from __future__ import annotations

import os
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from whoosh.codec import whoosh3 as _whoosh3
from whoosh.util.numeric import byte_to_length

from pincite.index.backend import SearchView
from pincite.index.generations import MARKER
from pincite.index.vocabulary import Vocabulary

if TYPE_CHECKING:
    from pincite.index.manager import IndexManager


def _cached_column_reader(self, fieldname, column):
    """Whoosh's W3PerDocReader._cached_reader, remembering also that a column is absent.

    Whoosh caches the readers of the length columns it finds but not the absence of one, so a
    field no unit of a segment uses (text_pt, say) costs a stat() per posting while it writes the
    segment: 186,000 stat calls, ~7 % of a 10,000-unit rebuild. Segments never change once
    written, so remembering the absence is safe."""
    try:
        return self._readers[fieldname]
    except KeyError:
        pass
    reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
    self._readers[fieldname] = reader
    return reader


_BYTE_TO_LENGTH = (None, *(byte_to_length(b) for b in range(1, 256)))


def _doc_field_length(self, docnum, fieldname, default=0):
    """Whoosh's W3PerDocReader.doc_field_length, from the field's length column read whole, once.

    Whoosh reads the one-byte length from the segment file on every call: once per posting while
    it writes a segment (1.5 M calls in a 10,000-unit rebuild, ~12 % of it) and once per matching
    unit when BM25 scores. The column is one byte per unit and a segment never changes, so it is
    read once per reader. Same results: a unit without the field gives `default` for a missing
    column and None for a zero byte, as Whoosh does."""
    if docnum > self._doccount:
        raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
    cache = self.__dict__.get("_pincite_lengths")
    if cache is None:
        cache = self._pincite_lengths = {}
    data = cache.get(fieldname)
    if data is None:
        reader = self._cached_reader(_whoosh3._lenfield(fieldname), _whoosh3.LENGTHS_COLUMN)
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


WHOOSH_DOC_FIELD_LENGTH = _whoosh3.W3PerDocReader.doc_field_length  # the original, for tests
if hasattr(_whoosh3.W3PerDocReader, "_cached_reader"):
    _whoosh3.W3PerDocReader._cached_reader = _cached_column_reader
    _whoosh3.W3PerDocReader.doc_field_length = _doc_field_length


def docver_units(ix) -> dict[str, int]:
    """Live units per `docver` term ("doc|version"), in term order. Counted per segment: a
    segment without deletions gives each term's document frequency from its term index, and
    only segments with deletions have their postings read (looking each term up across all
    segments took 2 s of a no-change sync at 1M units)."""
    counts: dict[str, int] = {}
    with ix.reader() as r:
        for seg, _ in r.leaf_readers():
            deletions = seg.has_deletions()
            for term in seg.lexicon("docver"):
                t = term.decode("utf-8") if isinstance(term, bytes) else term
                if deletions:  # postings leave deleted units out
                    n = sum(1 for _ in seg.postings("docver", t).all_ids())
                else:
                    n = seg.doc_frequency("docver", t)
                if n:
                    counts[t] = counts.get(t, 0) + n
    return dict(sorted(counts.items()))


def indexed_versions(ix) -> dict[str, str]:
    """Per document, the version the index holds."""
    out: dict[str, str] = {}
    for t in docver_units(ix):
        doc, _, ver = t.partition("|")
        out[doc] = ver
    return out


def indexed_counts(ix) -> tuple[dict[str, tuple[str, int]], int]:
    """Per document (version, live units) and the total of live units in the index."""
    out: dict[str, tuple[str, int]] = {}
    for t, n in docver_units(ix).items():
        doc, _, ver = t.partition("|")
        if doc in out:  # two versions of one document at once
            out[doc] = (out[doc][0] + "," + ver, out[doc][1] + n)
        else:
            out[doc] = (ver, n)
    return out, ix.doc_count()


# -- searching ---------------------------------------------------------------------------------------
# Open generations, by path and the identity of their marker (inode, mtime): a generation never
# changes once written (every change makes a new one), so a process that searches again reuses its
# open segment files instead of reopening them (~8 ms). The path alone is not enough: a home rebuilt
# from nothing (or another home put in its place) starts again at gen-000001.
_OPEN: OrderedDict[str, tuple] = OrderedDict()
_OPEN_MAX = 2  # each holds its segments' files open (about 8 per segment)


def open_view(manager: IndexManager) -> SearchView | None:
    """The live generation's reader and vocabulary, or None when there is none. The path is read
    once, so that what the caller reads beside the reader (its vocabulary) belongs to the same
    generation even if a writer switches CURRENT meanwhile."""
    path = manager.current_path()
    key = ""
    if path is not None:
        try:
            st = os.stat(path / MARKER)
            key = f"{path}\0{st.st_dev}:{st.st_ino}:{st.st_mtime_ns}"
        except OSError:
            key = str(path)
    if key and key in _OPEN:
        _OPEN.move_to_end(key)
        return SearchView(_OPEN[key][1], lambda: _vocabulary(key), key)
    ix = manager.open(path)
    if ix is None:
        return None
    entry = (ix, ix.reader())
    _OPEN[key] = entry
    while len(_OPEN) > _OPEN_MAX:
        _, (_, old) = _OPEN.popitem(last=False)
        old.close()
    return SearchView(entry[1], lambda: _vocabulary(key), key)


@lru_cache(maxsize=_OPEN_MAX)
def _vocabulary(key: str) -> Vocabulary:
    """A generation's words as written, read on first need (a generation never changes)."""
    return Vocabulary.load(Path(key.split("\0", 1)[0]))

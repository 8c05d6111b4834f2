"""Reading the embedded Whoosh index: what it holds per document, and opening it for search. (The
speed-ups of Whoosh's per-document reader that writing and scoring use are in `whoosh_compat`.)"""

from __future__ import annotations

import os
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pincite.index.backend import SearchView
from pincite.index.generations import MARKER
from pincite.index.vocabulary import Vocabulary

if TYPE_CHECKING:
    from pincite.index.manager import IndexManager


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

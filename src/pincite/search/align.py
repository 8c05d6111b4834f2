"""The same paragraph in another language: alignment of the language versions of one document.

UN documents are issued in several languages under one symbol, with the same paragraph numbers. Two
versions are aligned in two steps:

1. **By part and printed number**: the n-th unit printed `5` (or `10 (a)`, footnote `3`) in the k-th
   part of one version is the n-th unit printed so in the k-th part of the other. Parts are paired by
   their order (`annex` is `anexo`), or by name when the two versions do not have as many parts.
   Pairs that would cross others (a misread number) are dropped: the longest run in order is kept.
2. **In order, between those anchors**, for units without a printed number (preambles, headings,
   numbered units left over): a dynamic-programming alignment (match, or leave a unit out on either
   side) scored by a similarity that needs no translation: the length of the texts (scaled by how
   much longer one language runs than the other), the numbers in them (`143,700` is `143.700`), the
   names and other words they share (accents folded, first five letters: `Haiti` and `Haití`,
   `financing` and `financiación`), their position in the document, and their kind.

Body units (paragraphs, headings) and notes are aligned apart: notes sit at page ends, and the
versions paginate differently.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field

from pincite.corpus.model import FOOTNOTE, HEADING, OK, Document, Unit
from pincite.corpus.store import Store

MATCH_FLOOR = 0.35  # an order match scoring below this is left unaligned


def versions(store: Store, doc: Document) -> list[Document]:
    """The other language versions of a document: the documents with its symbol in other languages."""
    if not doc.symbol:
        return []
    return sorted(
        (d for d in store.documents(status=OK) if d.symbol == doc.symbol and d.id != doc.id and d.lang != doc.lang),
        key=lambda d: (d.lang, d.id),
    )


# ---- features that work across languages ------------------------------------------------------------
def _fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).casefold()


_NUM = re.compile(r"\d(?:[\d,.\u00a0\u202f ]*\d)?")
_WORD = re.compile(r"[^\W\d_]{4,}")


@dataclass
class _Feat:
    length: int
    numbers: frozenset[str]
    stems: frozenset[str]
    pos: float
    kind: str


def _features(units: list[Unit]) -> list[_Feat]:
    n = max(1, len(units) - 1)
    out = []
    for i, u in enumerate(units):
        text = u.text
        nums = frozenset(re.sub(r"\D", "", m) for m in _NUM.findall(text))
        stems = frozenset(w[:5] for w in _WORD.findall(_fold(text)))
        out.append(_Feat(len(text), nums, stems, i / n, HEADING if u.kind == HEADING else u.kind))
    return out


def similarity(a: _Feat, b: _Feat, ratio: float = 1.0) -> float:
    """How alike two units of two language versions look, in [0, 1]. `ratio`: the length of the
    second version over the first's."""
    la, lb = a.length * ratio, b.length
    scores = [(0.3, min(la, lb) / max(la, lb, 1))]
    if a.numbers or b.numbers:
        scores.append((0.35, len(a.numbers & b.numbers) / len(a.numbers | b.numbers)))
    if a.stems and b.stems:
        shared = len(a.stems & b.stems) / min(len(a.stems), len(b.stems))
        scores.append((0.2, min(1.0, 2 * shared)))
    scores.append((0.25, max(0.0, 1 - 4 * abs(a.pos - b.pos))))
    s = sum(w * v for w, v in scores) / sum(w for w, _ in scores)
    if a.kind != b.kind:
        s *= 0.6
    return s


# ---- the alignment ----------------------------------------------------------------------------------
@dataclass
class Alignment:
    """seq in the first version → seq in the second, and how each pair was made."""

    pairs: dict[int, int] = field(default_factory=dict)
    how: dict[int, str] = field(default_factory=dict)  # "number" or "order"

    def reverse(self) -> Alignment:
        return Alignment({b: a for a, b in self.pairs.items()}, {self.pairs[a]: h for a, h in self.how.items()})


def _part_map(a: list[Unit], b: list[Unit]) -> dict[str, str]:
    pa = list(dict.fromkeys(u.part for u in a))
    pb = list(dict.fromkeys(u.part for u in b))
    if len(pa) == len(pb):
        return dict(zip(pa, pb, strict=True))
    return {p: p for p in pa if p in pb}


def _keys(units: list[Unit], parts: dict[str, str] | None) -> dict[tuple, int]:
    """(part, kind, printed number, occurrence) → index, for numbered units."""
    seen: dict[tuple, int] = defaultdict(int)
    out = {}
    for i, u in enumerate(units):
        if not u.numbered:
            continue
        part = parts.get(u.part) if parts is not None else u.part
        if part is None:
            continue
        k = (part, u.kind, re.sub(r"\s+", "", u.ref))
        seen[k] += 1
        out[(*k, seen[k])] = i
    return out


def _in_order(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of pairs increasing on both sides (pairs sorted by the first side)."""
    pairs = sorted(pairs)
    tails: list[int] = []
    tail_idx: list[int] = []
    prev = [-1] * len(pairs)
    for i, (_, b) in enumerate(pairs):
        k = bisect_left(tails, b)
        if k == len(tails):
            tails.append(b)
            tail_idx.append(i)
        else:
            tails[k] = b
            tail_idx[k] = i
        prev[i] = tail_idx[k - 1] if k else -1
    out = []
    i = tail_idx[-1] if tail_idx else -1
    while i >= 0:
        out.append(pairs[i])
        i = prev[i]
    return out[::-1]


def _dp(fa: list[_Feat], fb: list[_Feat], ia: list[int], ib: list[int], ratio: float) -> list[tuple[int, int]]:
    """Align two runs in order: maximise the sum over matches of (similarity - MATCH_FLOOR)."""
    n, m = len(ia), len(ib)
    if not n or not m:
        return []
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    move = [[0] * (m + 1) for _ in range(n + 1)]  # 1 match, 2 skip a, 3 skip b
    for i in range(1, n + 1):
        move[i][0] = 2
    for j in range(1, m + 1):
        move[0][j] = 3
    for i in range(1, n + 1):
        a = fa[ia[i - 1]]
        row, up = score[i], score[i - 1]
        for j in range(1, m + 1):
            best, how = up[j], 2
            if row[j - 1] > best:
                best, how = row[j - 1], 3
            gain = similarity(a, fb[ib[j - 1]], ratio) - MATCH_FLOOR
            if gain > 0 and up[j - 1] + gain >= best:
                best, how = up[j - 1] + gain, 1
            row[j], move[i][j] = best, how
    out = []
    i, j = n, m
    while i > 0 or j > 0:
        how = move[i][j]
        if how == 1:
            out.append((ia[i - 1], ib[j - 1]))
            i, j = i - 1, j - 1
        elif how == 2:
            i -= 1
        else:
            j -= 1
    return out[::-1]


def _align_class(a: list[Unit], b: list[Unit], parts: dict[str, str]) -> Alignment:
    out = Alignment()
    if not a or not b:
        return out
    ka, kb = _keys(a, parts), _keys(b, None)
    anchors = _in_order([(i, kb[k]) for k, i in ka.items() if k in kb])
    fa, fb = _features(a), _features(b)
    ratio = sum(f.length for f in fb) / max(1, sum(f.length for f in fa))
    # the runs between anchors (and before the first, after the last)
    bounds = [(-1, -1), *anchors, (len(a), len(b))]
    for (a0, b0), (a1, b1) in zip(bounds, bounds[1:], strict=False):
        ia, ib = list(range(a0 + 1, a1)), list(range(b0 + 1, b1))
        for i, j in _dp(fa, fb, ia, ib, ratio):
            out.pairs[a[i].seq], out.how[a[i].seq] = b[j].seq, "order"
    for i, j in anchors:
        out.pairs[a[i].seq], out.how[a[i].seq] = b[j].seq, "number"
    return out


def align(a: list[Unit], b: list[Unit]) -> Alignment:
    """Align the units of two language versions of one document (each in reading order)."""
    parts = _part_map(a, b)
    out = Alignment()
    for notes in (False, True):
        sa = [u for u in a if (u.kind == FOOTNOTE) == notes]
        sb = [u for u in b if (u.kind == FOOTNOTE) == notes]
        got = _align_class(sa, sb, parts)
        out.pairs.update(got.pairs)
        out.how.update(got.how)
    return out


class Aligner:
    """Alignments of the documents of a store, each computed once."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._done: dict[tuple[str, str], Alignment] = {}
        self._docs: dict[str, Document | None] = {}

    def document(self, doc_id: str) -> Document | None:
        if doc_id not in self._docs:
            self._docs[doc_id] = self.store.document(doc_id)
        return self._docs[doc_id]

    def alignment(self, a: str, b: str) -> Alignment:
        if (a, b) not in self._done:
            if (b, a) in self._done:
                self._done[(a, b)] = self._done[(b, a)].reverse()
            else:
                self._done[(a, b)] = align(list(self.store.units(a)), list(self.store.units(b)))
        return self._done[(a, b)]

    def version(self, unit: Unit, lang: str) -> Unit | None:
        """The unit's version in `lang`, or None when its document has none or nothing aligns."""
        doc = self.document(unit.doc)
        if doc is None:
            return None
        if doc.lang == lang:
            return unit
        for other in versions(self.store, doc):
            if other.lang != lang:
                continue
            seq = self.alignment(doc.id, other.id).pairs.get(unit.seq)
            if seq is not None:
                return self.store.unit(other.id, seq)
        return None

    def all_versions(self, unit: Unit) -> list[tuple[Document, Unit]]:
        """The unit in each language version of its document where it aligns (its own first)."""
        doc = self.document(unit.doc)
        if doc is None:
            return []
        out = [(doc, unit)]
        for other in versions(self.store, doc):
            seq = self.alignment(doc.id, other.id).pairs.get(unit.seq)
            u = self.store.unit(other.id, seq) if seq is not None else None
            if u is not None:
                out.append((other, u))
        return out

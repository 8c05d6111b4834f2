"""Posting lists of the PostgreSQL backend as arrays: one row per term and write (`pincite_blocks`),
read whole with one round trip per query and scored with numpy.

A block holds a term's postings in one field, in unit order, as big-endian arrays in bytea columns:
unit ids (int4), weights (float4, the term's frequency as Whoosh weighs it), the unit's field-length
byte (Whoosh's quantised length) and, for fields with positions, each posting's encoded value
(Whoosh's bytes, as the embedded index stores them) with its start offset. A sync appends one block
per term it touches (insert-only: readers' snapshots stay cheap); a term's blocks are merged into one
when it has `MERGE_AT`, and when a removed document's units are taken out of them.

`words_matched` is the one-pass tier scorer of `pincite.search.natural.by_words_matched` over these
arrays: the same BM25F arithmetic in the same order (each field's score, times its boost, summed over
the word's fields, then over the words), so the same scores to the bit, but a vector operation per
term instead of a Python step per posting, and only the top of each tier turned into Python tuples.
"""

from __future__ import annotations

import numpy as np

MERGE_AT = 8  # a term's blocks are merged into one when a sync finds this many
I4, F4 = np.dtype(">i4"), np.dtype(">f4")


class Block:
    """One term's postings in one field (possibly several stored blocks joined)."""

    __slots__ = ("codes", "ids", "starts", "vals", "weights")

    def __init__(self, ids, weights, codes, starts=None, vals=None) -> None:
        self.ids = ids  # int64 array, ascending
        self.weights = weights  # float32 array
        self.codes = codes  # uint8 array
        self.starts = starts  # int64 array (len n + 1) or None
        self.vals = vals  # bytes or None

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(cls, ids, weights, codes, values=None) -> Block:
        ids = np.asarray(ids, dtype=np.int64)
        starts = vals = None
        if values is not None and any(values):
            lens = np.fromiter((len(v or b"") for v in values), dtype=np.int64, count=len(values))
            starts = np.zeros(len(values) + 1, dtype=np.int64)
            np.cumsum(lens, out=starts[1:])
            vals = b"".join(v or b"" for v in values)
        return cls(ids, np.asarray(weights, dtype=np.float32), np.asarray(codes, dtype=np.uint8), starts, vals)

    @classmethod
    def from_row(cls, ids: bytes, weights: bytes, codes: bytes, starts: bytes | None, vals: bytes | None) -> Block:
        s = None
        if starts is not None:
            s = np.empty(len(starts) // 4 + 1, dtype=np.int64)
            s[:-1] = np.frombuffer(starts, I4)
            s[-1] = len(vals or b"")
        return cls(
            np.frombuffer(ids, I4).astype(np.int64),
            np.frombuffer(weights, F4).astype(np.float32),
            np.frombuffer(codes, np.uint8),
            s,
            bytes(vals) if vals is not None else None,
        )

    def row(self) -> tuple:
        """(n, ids, weights, codes, starts, vals) as the table stores them."""
        starts = self.starts[:-1].astype(I4).tobytes() if self.starts is not None else None
        return (
            len(self.ids),
            self.ids.astype(I4).tobytes(),
            self.weights.astype(F4).tobytes(),
            self.codes.astype(np.uint8).tobytes(),
            starts,
            self.vals,
        )

    @staticmethod
    def join(blocks: list[Block]) -> Block:
        if len(blocks) == 1:
            return blocks[0]
        ids = np.concatenate([b.ids for b in blocks])
        weights = np.concatenate([b.weights for b in blocks])
        codes = np.concatenate([b.codes for b in blocks])
        starts = vals = None
        if any(b.starts is not None for b in blocks):
            parts, offs, base = [], [], 0
            for b in blocks:
                if b.starts is None:
                    offs.append(np.full(len(b), base, dtype=np.int64))
                else:
                    offs.append(b.starts[:-1] + base)
                    parts.append(b.vals or b"")
                    base += len(b.vals or b"")
            starts = np.concatenate([*offs, np.array([base], dtype=np.int64)])
            vals = b"".join(parts)
        out = Block(ids, weights, codes, starts, vals)
        if len(ids) > 1 and (ids[1:] < ids[:-1]).any():  # blocks of several shards interleave
            out = out.take(np.argsort(ids, kind="stable"))
        return out

    def take(self, order) -> Block:
        """The postings at these positions, in this order."""
        if self.starts is None:
            return Block(self.ids[order], self.weights[order], self.codes[order])
        pieces = [self.vals[self.starts[i] : self.starts[i + 1]] for i in order.tolist()]
        return Block.build(self.ids[order], self.weights[order], self.codes[order], pieces)

    def keep(self, mask) -> Block:
        """The postings where `mask` (a boolean array over this block's postings) holds."""
        if mask.all():
            return self
        return self.take(np.flatnonzero(mask))

    def value(self, j: int) -> bytes | None:
        if self.starts is None:
            return None
        return self.vals[self.starts[j] : self.starts[j + 1]]

    def values(self) -> list | None:
        if self.starts is None:
            return None
        s, v = self.starts.tolist(), self.vals
        return [v[s[i] : s[i + 1]] for i in range(len(s) - 1)]


class Kept:
    """The blocks a pass read, for the proximity of the units it ranks first (as natural.Postings).
    With `fetch` the blocks were read without their values, and the positions of just the units
    asked for are read from the stored rows (`fetch(requests)`, see PgReader._values)."""

    def __init__(self, schema, fetch=None) -> None:
        self.schema = schema
        self.fetch = fetch
        self.blocks: dict[tuple[str, str], Block] = {}
        # (field, text) → (term bytes, [(seg, shard, that row's block), …]) when values are fetched
        self.rows: dict[tuple[str, str], tuple[bytes, list]] = {}

    def positions(self, docnums: list[int], fieldname: str, terms, pairs=None) -> dict[int, dict[str, list[int]]]:
        fmt = self.schema[fieldname].format
        if not fmt.supports("positions"):
            return {}
        decode = fmt.decoder("positions")
        out: dict[int, dict[str, list[int]]] = {}
        want = np.asarray(docnums, dtype=np.int64)
        if self.fetch is not None:
            asks, keys = [], []
            for t in terms:
                got = self.rows.get((fieldname, t))
                if got is None:
                    continue
                tb, rows = got
                for seg, shard, b in rows:
                    j = np.searchsorted(b.ids, want)
                    for d, i in zip(docnums, j.tolist(), strict=True):
                        if i < len(b) and b.ids[i] == d:
                            asks.append((fieldname, tb, seg, shard, i))
                            keys.append((d, t))
            for (d, t), value in zip(keys, self.fetch(asks), strict=True):
                if value:
                    out.setdefault(d, {})[t] = list(decode(value))
            return out
        for t in terms:
            b = self.blocks.get((fieldname, t))
            if b is None or b.starts is None or not len(b):
                continue
            j = np.searchsorted(b.ids, want)
            for d, i in zip(docnums, j.tolist(), strict=True):
                if i < len(b) and b.ids[i] == d:
                    out.setdefault(d, {})[t] = list(decode(b.value(i)))
        return out


class TopBuckets:
    """{k: [(score, docnum), …]} as natural.Buckets, from arrays: `count(k)` is the number of units
    holding exactly k words, `get(k)` only the ones that can rank in the first `top` (all of them when
    `top` is None; ties at the edge included, so that the caller's order by (-score, docnum) is exact)."""

    def __init__(self, total, count, mask, top: int | None, ids=None) -> None:
        # entry i is unit ids[i] (ascending) when `ids` is given, else unit i
        self._total, self._count, self._mask, self._top, self._ids = total, count, mask, top, ids
        self._idx: dict[int, np.ndarray] = {}
        self._made: dict[int, list] = {}

    def _units(self, k: int):
        idx = self._idx.get(k)
        if idx is None:
            hit = self._count == k
            if self._mask is not None:
                hit &= self._mask
            idx = self._idx[k] = np.flatnonzero(hit)
        return idx

    def count(self, k: int) -> int:
        return len(self._units(k))

    def size(self, k: int) -> int:
        return len(self._units(k))

    def ranked(self, k: int, top: int | None) -> list[tuple[float, int]]:
        out = sorted(self.get(k), key=lambda r: (-r[0], r[1]))
        return out if top is None else out[:top]

    def get(self, k: int, default=None) -> list:
        out = self._made.get(k)
        if out is None:
            idx = self._units(k)
            sc = self._total[idx]
            top = self._top
            if top is not None and 0 < top < len(idx):
                edge = np.partition(sc, len(idx) - top)[len(idx) - top]  # the top-th highest score
                sel = sc >= edge
                idx, sc = idx[sel], sc[sel]
            elif top == 0:
                idx, sc = idx[:0], sc[:0]
            if self._ids is not None:
                idx = self._ids[idx]
            out = self._made[k] = list(zip(sc.tolist(), idx.tolist(), strict=True))
        return out

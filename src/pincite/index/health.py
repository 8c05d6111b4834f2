"""The embedded index's health: what it holds compared with the catalogue (`pincite status`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pincite.errors import StoreError
from pincite.index.backend import IndexStatus
from pincite.index.generations import _dir_size
from pincite.index.reading import indexed_counts
from pincite.index.vocabulary import WORDS

if TYPE_CHECKING:
    from pincite.index.manager import IndexManager


def whoosh_status(self: IndexManager, *, verify: bool = False) -> IndexStatus:
    """Compare the index with the catalogue. `verify` also checks every document's unit count
    and that the index holds nothing else. Reads only: never takes the lock, never repairs."""
    st = IndexStatus(pointer=self.pointer(), generations=self.complete_generations())
    st.incomplete = [g for g in self.generations() if g not in st.generations]
    st.generation = self.live_name()
    st.fallback = bool(st.generation) and st.generation != self.current_name()
    if self.root.is_dir():
        st.total_bytes = _dir_size(self.root)
    wanted = self.store.versions()
    if not st.generation:
        st.not_indexed = sorted(wanted)
        if wanted:
            st.problems.append("there is no index; run `pincite index`")
        st.verified = verify
        return st
    path = self.root / st.generation
    st.size_bytes = _dir_size(path)
    damaged = self._read_everything(st.generation) if verify else []
    try:
        if damaged:
            raise StoreError(f"the index at {path} is damaged ({damaged[0]}); run `pincite index --rebuild`")
        ix = self.open(path)
        counts, total = indexed_counts(ix)
        ix.close()
    except StoreError as e:
        st.problems += [str(e), *(f"{st.generation}: {d}" for d in damaged[1:])]
        st.not_indexed = sorted(wanted)
        st.verified = verify
        return st
    st.documents = len(counts)
    st.units = total
    st.not_indexed = sorted(d for d in wanted if d not in counts)
    st.stale = sorted(d for d in wanted if d in counts and counts[d][0] != wanted[d])
    st.removed = sorted(d for d in counts if d not in wanted)
    if st.fallback:
        st.problems.append(
            f"CURRENT names {st.pointer or 'nothing'!r}, not a whole generation; readers use "
            f"{st.generation}; `pincite index` repairs it"
        )
    if verify:
        st.verified = True
        found = len(st.problems)
        if not self._manifest(st.generation):
            st.problems.append(
                f"{st.generation} was written by an older pincite, without the list of its files "
                "that verify checks"
            )
        bad_units = self.store.damaged_units()
        if bad_units:
            st.problems.append(
                f"the catalogue's text of {len(bad_units)} document(s) is damaged ({', '.join(bad_units[:5])}); "
                "`pincite index --rebuild` parses them again"
            )
        if not (path / WORDS).is_file():
            st.problems.append(
                f"{st.generation} has no list of words (WORDS): prefix and fuzzy words match nothing"
            )
        expect = self.store.unit_counts()
        for d, ver in sorted(wanted.items()):
            if d in counts and counts[d][0] == ver and counts[d][1] != expect.get(d, 0):
                st.problems.append(
                    f"{d}: the index holds {counts[d][1]} units, the catalogue {expect.get(d, 0)}"
                )
        if sum(n for _, n in counts.values()) != total:
            st.problems.append(
                f"the index holds {total} units but only "
                f"{sum(n for _, n in counts.values())} belong to a document version"
            )
        if len(st.problems) > found:
            st.problems.append("repair with `pincite index --rebuild`")
    return st

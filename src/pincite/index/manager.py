"""The index on disk: generations, incremental sync with the store, atomic switches.

Layout under `<home>/index/`::

    CURRENT          the name of the live generation (replaced atomically with os.replace)
    gen-000003/      a Whoosh index, with PINCITE marker file written by us

A rebuild writes a fresh generation, flushes it to disk, opens it and runs a query, and only then
switches CURRENT; readers holding the old generation keep it until they close. An incremental sync
updates the live generation under Whoosh's write lock with a bounded wait.

Whoosh pickles its schema: we open only generations that carry our marker, inside our own home.
This module is the only one that imports Whoosh's index and writing API, so that another engine can
sit beside it later.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as windex
from whoosh.index import LockError

from pincite.corpus.model import Document, Unit
from pincite.corpus.store import Store
from pincite.errors import IndexBusy, StoreError
from pincite.index.analysis import PLAIN, field_for
from pincite.index.schema import build_schema

MARKER = "PINCITE"
INDEX_FORMAT = 3  # 2: no stop words, accent variants, `plain`, facet columns; 3: fr elision, pt plurals
LOCK_WAIT = 10.0


@dataclass
class SyncReport:
    generation: str = ""
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    units: int = 0
    rebuilt: bool = False
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed or self.rebuilt)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    for f in path.iterdir():
        if f.is_file():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(path)


def unit_fields(doc: Document, unit: Unit, version: str) -> dict:
    """The Whoosh document for one unit."""
    part = unit.part.lower()
    fields = {
        "uid": unit.uid,
        "doc": doc.id,
        "docver": f"{doc.id}|{version}",
        "seq": unit.seq,
        "kind": unit.kind,
        "ref": unit.ref,
        "numbered": unit.numbered,
        "part": part,
        "partkey": " ".join(dict.fromkeys([part.split(" ")[0], part.replace(" ", "_")])) if part else "",
        "symbol": doc.symbol.lower(),
        "doctype": doc.doctype.lower(),
        "lang": unit.lang or doc.lang,
        "title": doc.title,
        "headings": " / ".join(unit.headings),
        "notes": list(unit.notes),
        field_for(unit.lang or doc.lang): unit.text,
        PLAIN: unit.text,
    }
    if doc.year:
        fields["year"] = doc.year
    return fields


class IndexManager:
    """Keeps `<home>/index` in step with the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.root = store.index_dir

    # -- generations ----------------------------------------------------------------------------
    def current_name(self) -> str:
        try:
            name = (self.root / "CURRENT").read_text().strip()
        except OSError:
            return ""
        return name if (self.root / name / MARKER).is_file() else ""

    def current_format(self) -> int:
        """The format of the live generation (0 when unknown or absent)."""
        name = self.current_name()
        if not name:
            return 0
        try:
            return int(json.loads((self.root / name / MARKER).read_text()).get("format", 0))
        except (OSError, ValueError, AttributeError):
            return 0

    def current_path(self) -> Path | None:
        name = self.current_name()
        return self.root / name if name else None

    def generations(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and p.name.startswith("gen-"))

    def _next_name(self) -> str:
        nums = [int(g.split("-")[1]) for g in self.generations() if g.split("-")[1].isdigit()]
        return f"gen-{(max(nums) + 1 if nums else 1):06d}"

    def _switch(self, name: str) -> None:
        tmp = self.root / "CURRENT.tmp"
        with open(tmp, "w") as f:
            f.write(name + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.root / "CURRENT")
        _fsync_dir(self.root)

    def cleanup(self, keep: int = 1) -> list[str]:
        """Remove generations older than the live one, keeping `keep` previous ones."""
        live = self.current_name()
        gens = self.generations()
        if not live:
            return []
        older = [g for g in gens if g < live]
        doomed = older[: max(0, len(older) - keep)] + [g for g in gens if g > live]
        for g in doomed:
            shutil.rmtree(self.root / g, ignore_errors=True)
        return doomed

    def open(self):
        """The live Whoosh index, or None when there is none."""
        path = self.current_path()
        if path is None:
            return None
        if self.current_format() != INDEX_FORMAT:
            raise StoreError(
                f"the index at {path} was built by another version of pincite; run `pincite index --rebuild`"
            )
        try:
            return windex.open_dir(str(path))
        except (windex.EmptyIndexError, OSError, EOFError, ValueError) as e:
            raise StoreError(f"the index at {path} cannot be opened ({e}); run `pincite index --rebuild`") from e

    # -- what the index holds -------------------------------------------------------------------
    def indexed_versions(self, ix) -> dict[str, str]:
        out: dict[str, str] = {}
        with ix.searcher() as s:
            for term in s.lexicon("docver"):
                t = term.decode("utf-8") if isinstance(term, bytes) else term
                if s.document_number(docver=t) is not None:
                    doc, _, ver = t.partition("|")
                    out[doc] = ver
        return out

    # -- writing ------------------------------------------------------------------------------------
    def _add_docs(self, writer, doc_ids: Iterable[str], versions: dict[str, str]) -> int:
        n = 0
        for doc_id in doc_ids:
            doc = self.store.document(doc_id)
            if doc is None:
                continue
            for unit in self.store.units(doc_id):
                writer.add_document(**unit_fields(doc, unit, versions[doc_id]))
                n += 1
        return n

    def rebuild(self, progress: Callable[[str], None] | None = None) -> SyncReport:
        """Build a fresh generation from the store, check it, then switch to it."""
        t0 = time.perf_counter()
        self.root.mkdir(parents=True, exist_ok=True)
        name = self._next_name()
        path = self.root / name
        path.mkdir()
        versions = self.store.versions()
        writer = None
        try:
            ix = windex.create_in(str(path), build_schema())
            writer = ix.writer(limitmb=256)
            n = self._add_docs(writer, sorted(versions), versions)
            writer.commit()
        except BaseException:
            if writer is not None:
                writer.cancel()
            shutil.rmtree(path, ignore_errors=True)
            raise
        (path / MARKER).write_text(json.dumps({"format": INDEX_FORMAT}))
        _fsync_tree(path)
        self._verify(path, len(versions))
        self._switch(name)
        self.cleanup()
        return SyncReport(
            generation=name, added=sorted(versions), units=n, rebuilt=True, seconds=time.perf_counter() - t0
        )

    @staticmethod
    def _verify(path: Path, docs: int) -> None:
        ix = windex.open_dir(str(path))
        with ix.searcher() as s:
            if docs and s.doc_count() == 0:
                raise StoreError(f"the new index at {path} is empty; the old one stays live")
            list(s.lexicon("doc"))

    def sync(self, *, rebuild: bool = False, wait: float = LOCK_WAIT) -> SyncReport:
        """Bring the index up to date with the store: add new, replace changed, drop removed."""
        stale = self.current_name() and self.current_format() != INDEX_FORMAT
        ix = None if rebuild or stale else self.open()
        if ix is None:
            return self.rebuild()
        t0 = time.perf_counter()
        wanted = self.store.versions()
        have = self.indexed_versions(ix)
        added = sorted(d for d in wanted if d not in have)
        replaced = sorted(d for d in wanted if d in have and have[d] != wanted[d])
        removed = sorted(d for d in have if d not in wanted)
        report = SyncReport(
            generation=self.current_name(),
            added=added,
            replaced=replaced,
            removed=removed,
            unchanged=len(wanted) - len(added) - len(replaced),
        )
        if not report.changed:
            report.seconds = time.perf_counter() - t0
            return report
        try:
            writer = ix.writer(timeout=wait, delay=0.1)
        except LockError as e:
            raise IndexBusy(
                f"the index is busy: another pincite process is writing it (waited {wait:g} s); try again"
            ) from e
        try:
            for d in replaced + removed:
                writer.delete_by_term("doc", d)
            report.units = self._add_docs(writer, added + replaced, wanted)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        report.seconds = time.perf_counter() - t0
        return report

"""The index backend interface: what search and ingest ask of an index, whichever engine holds it.

Two backends sit behind it:

- the embedded home (`pincite.index.manager.IndexManager`): Whoosh generations under `<home>/index`,
  the default;
- PostgreSQL (`pincite.index.postgres`), when `PINCITE_DATABASE` or `database = …` in the config names a
  database: the catalogue, units, raw files and the full-text index live there, shared by every home
  that names the same database.

Nothing above `pincite.index` knows which one runs: ingest calls `sync` and `status`, search opens a
`SearchView` (a Whoosh-compatible reader, so that parsing, BM25F scoring, natural-query relaxation,
facets and snippets are one code path for both) and reads hits from the view's catalogue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pincite.corpus.store import Store
    from pincite.index.vocabulary import Vocabulary

LOCK_WAIT = 10.0  # seconds a writer waits for another writer before giving up


@dataclass
class SyncReport:
    generation: str = ""
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    units: int = 0
    rebuilt: bool = False
    recovered: list[str] = field(default_factory=list)  # what the sync repaired before it started
    # a shared database: documents left out because another home's different document has their id
    conflicts: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed or self.rebuilt)


@dataclass
class IndexStatus:
    """What the index holds compared with the catalogue."""

    generation: str = ""  # the live generation ("" when there is none)
    pointer: str = ""  # what CURRENT says
    fallback: bool = False  # CURRENT is missing or broken and readers use `generation` instead
    generations: list[str] = field(default_factory=list)  # whole generations on disk
    incomplete: list[str] = field(default_factory=list)  # generations without a marker
    size_bytes: int = 0  # the live generation on disk
    total_bytes: int = 0  # everything under index/
    documents: int = 0  # documents in the live generation
    units: int = 0  # units in the live generation
    not_indexed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    verified: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def out_of_date(self) -> bool:
        return bool(self.not_indexed or self.stale or self.removed)

    @property
    def healthy(self) -> bool:
        return not (self.out_of_date or self.problems or self.fallback)

    def dump(self) -> dict:
        d = asdict(self)
        d.update(out_of_date=self.out_of_date, healthy=self.healthy)
        return d


@dataclass
class SearchView:
    """One consistent state of the index, as search reads it: a Whoosh `IndexReader` (or one that
    behaves as one), the words as written beside it, and a key that changes whenever the index does."""

    reader: Any
    vocabulary: Callable[[], Vocabulary]
    key: str
    catalogue: Any = None  # where hits' documents and units are read (None: the store searched)


class Backend(Protocol):
    """What the rest of pincite asks of an index."""

    name: str  # "whoosh" or "postgres"

    def sync(self, *, rebuild: bool = False, wait: float = LOCK_WAIT, parsed: dict | None = None) -> SyncReport:
        """Bring the index up to date with the store: add new, replace changed, drop removed.
        `parsed`: units this process has just stored, {doc_id: (version, units)}, which a backend
        may write instead of reading them back (only where the version is the store's)."""

    def rebuild(
        self, progress: Callable[[str], None] | None = None, *, wait: float = LOCK_WAIT
    ) -> SyncReport:
        """Build the index afresh from the store."""

    def status(self, *, verify: bool = False) -> IndexStatus:
        """Compare the index with the catalogue (reads only)."""

    def view(self) -> SearchView | None:
        """The live index for searching, or None when there is none."""

    def catalogue(self) -> Any:
        """What read commands read documents and units from (the store, or the shared database)."""


def database_url(store: Store | None = None) -> str:
    """The PostgreSQL database a store's index lives in, "" for the embedded index. The workspace sets
    it from `--database`, `$PINCITE_DATABASE` or `database = …` in the config; a store opened by
    itself (the bundled samples, tests) uses the embedded index."""
    return getattr(store, "database", "") if store is not None else ""


def open_backend(store: Store, **kw) -> Backend:
    """The backend for this store: PostgreSQL when a database is named, else the embedded Whoosh index."""
    url = database_url(store)
    if url:
        from pincite.index.postgres import PostgresBackend  # only with a database: psycopg is an extra

        return PostgresBackend(store, url)
    from pincite.index.manager import IndexManager

    return IndexManager(store, **kw)

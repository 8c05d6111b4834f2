"""The search index: schema, analysers per language, incremental and atomic writing.

Search and ingest ask a `Backend` (`pincite.index.backend.open_backend`): the embedded Whoosh home
(`IndexManager`, the default) or PostgreSQL (`pincite.index.postgres`). Nothing above this package
imports Whoosh's index API or a database driver.

Modules: `backend` (the interface), `manager` (the embedded write path), `generations` (generations,
markers, lock, recovery), `reading` (what a generation holds, opening it for search), `health`
(status), `vocabulary` (words as written), `schema` and `analysis`, `postgres` (the database backend).

Every change pincite makes to Whoosh is in `whoosh_compat`, applied here, once, before any index is
opened (and, when nothing imported Whoosh yet, before Whoosh is imported: see its start-up stand-ins).
"""

from pincite.index import whoosh_compat

whoosh_compat.apply()

from pincite.index.backend import Backend, IndexStatus, SearchView, SyncReport, open_backend  # noqa: E402
from pincite.index.manager import IndexManager  # noqa: E402 - after apply()

__all__ = ["Backend", "IndexManager", "IndexStatus", "SearchView", "SyncReport", "open_backend"]

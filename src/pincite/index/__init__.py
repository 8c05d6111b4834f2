"""The search index: schema, analysers per language, incremental and atomic writing.

Whoosh sits behind this package: the rest of pincite asks `IndexManager` and `pincite.search`, never
Whoosh directly, so that a faster or distributed engine can sit beside it later.

Every change pincite makes to Whoosh is in `whoosh_compat`, applied here, once, before any index is
opened (and, when nothing imported Whoosh yet, before Whoosh is imported: see its start-up stand-ins).
"""

from pincite.index import whoosh_compat

whoosh_compat.apply()

from pincite.index.manager import IndexManager, SyncReport  # noqa: E402 - after apply()

__all__ = ["IndexManager", "SyncReport"]

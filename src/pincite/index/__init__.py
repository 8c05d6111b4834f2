"""The search index: schema, analysers per language, incremental and atomic writing.

Whoosh sits behind this package: the rest of pincite asks `IndexManager` and `pincite.search`, never
Whoosh directly, so that a faster or distributed engine can sit beside it later.
"""

from pincite.index.manager import IndexManager, SyncReport

__all__ = ["IndexManager", "SyncReport"]

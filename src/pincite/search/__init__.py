"""Query parsing, filters, ranking, snippets and citations.

The names below load their module when first asked for: `pincite.search.citation` alone (what an
ingest needs) must not load the engine, which loads the index and Whoosh."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pincite.search.citation import cite, resolve
    from pincite.search.engine import Hit, Results, search

_WHERE = {"Hit": "engine", "Results": "engine", "search": "engine", "cite": "citation", "resolve": "citation"}
__all__ = ["Hit", "Results", "cite", "resolve", "search"]


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)

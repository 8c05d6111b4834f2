"""Query parsing, filters, ranking, snippets and citations."""

from pincite.search.citation import cite, resolve
from pincite.search.engine import Hit, Results, search

__all__ = ["Hit", "Results", "cite", "resolve", "search"]

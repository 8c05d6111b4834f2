"""The model (Document, Unit) and the store (raw files by hash, catalogue, parsed units)."""

from pincite.corpus.model import Document, Source, Unit
from pincite.corpus.store import Store, default_home

__all__ = ["Document", "Unit", "Source", "Store", "default_home"]

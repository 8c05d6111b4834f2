"""pincite: search policy documents and cite what you find down to the paragraph."""

__version__ = "0.1.0"

"""Domain exceptions. The CLI maps each to a message and an exit code, never a traceback."""

from __future__ import annotations


class PinciteError(Exception):
    """Base class of every error pincite reports to a user."""

    exit_code = 1


class DocumentError(PinciteError):
    """A document could not be read or parsed. Carries the file or URL it concerns."""

    def __init__(self, source: str, reason: str, status: str = "failed") -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
        self.status = status


class BadQuery(PinciteError):
    exit_code = 2


class NotFound(PinciteError):
    exit_code = 1


class IndexBusy(PinciteError):
    exit_code = 3


class StoreError(PinciteError):
    exit_code = 1


class Ambiguous(NotFound):
    """A citation fits more than one unit: never an arbitrary pick. `candidates` are their citations."""

    def __init__(self, message: str, candidates: list[str]) -> None:
        super().__init__(message)
        self.candidates = candidates

"""Python's cyclic garbage collector made to pass less often around work that makes many objects
that live until it ends and hardly ever form a cycle (a parse, a segment being written): reference
counting frees them, and the collector's passes over them freed nothing."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def rarer(threshold: int) -> Iterator[None]:
    """The collector's first-generation threshold raised to `threshold` allocations for the block
    (it still runs, so cyclic garbage stays bounded), and put back after; nothing changes when the
    collector is off or already rarer."""
    old = _raise(threshold)
    try:
        yield
    finally:
        if old is not None:
            gc.set_threshold(*old)


def _raise(threshold: int) -> tuple[int, ...] | None:
    """The first-generation threshold raised to `threshold` when the collector is on and passes
    more often; the thresholds it had, or None when nothing changed."""
    old = gc.get_threshold()
    if not gc.isenabled() or not old[0] or old[0] >= threshold:
        return None
    gc.set_threshold(threshold, *old[1:])
    return old


# A `pincite` command's own threshold (`pincite.cli.main`): a command's start-up imports a few
# hundred modules (their functions, classes and compiled patterns live until it ends) and an ingest
# unpickles every document's units; at Python's default (a collection every 700 allocations) the
# parent of an ingest of the real PDFs collected 63 times, 9-26 ms, a good part of it before its
# workers could start.
COMMAND_THRESHOLD = 20_000


def for_a_command() -> None:
    """Collect every COMMAND_THRESHOLD allocations instead of every 700, for the rest of the
    process (a command's; its forked workers inherit it, and raise it further where they need)."""
    _raise(COMMAND_THRESHOLD)

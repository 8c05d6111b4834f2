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
    old = gc.get_threshold()
    if not gc.isenabled() or not old[0] or old[0] >= threshold:
        yield
        return
    gc.set_threshold(threshold, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)

"""Progress of the long commands (ingest, index, crawl) on stderr: a tqdm bar per stage on a
terminal, one counted line per stage otherwise (a log, a pipe, CI), nothing when quiet.

The library takes any object with a `stage(name, total, unit)` context manager; `Progress()` with
`quiet=True` is the silent one, and what library callers get by default.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Stage:
    """One stage being counted: `tick()` per item done, `detail` said after the count."""

    def __init__(self, bar=None) -> None:
        self.bar = bar
        self.n = 0
        self.detail = ""

    def tick(self, what: str = "") -> None:
        self.n += 1
        if self.bar is not None:
            if what:
                self.bar.set_postfix_str(what[-40:], refresh=False)
            self.bar.update(1)


class Progress:
    def __init__(self, quiet: bool = False, stream: TextIO | None = None, bar: bool | None = None) -> None:
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.bar = (bool(isatty and isatty())) if bar is None else bar

    @contextmanager
    def stage(self, name: str, total: int | None = None, unit: str = "file", line: bool = True) -> Iterator[Stage]:
        """Count a stage. Off a terminal, `line` says whether its count is worth a line of its own."""
        if self.quiet:
            yield Stage()
            return
        if not self.bar:
            st = Stage()
            yield st
            if line:
                plural = unit if st.n == 1 else unit + "s"
                self.stream.write(f"pincite: {name}: {st.n} {plural}{st.detail}\n")
                self.stream.flush()
            return
        import os

        from tqdm import tqdm

        try:
            sized = os.get_terminal_size(self.stream.fileno()).columns > 0
        except (AttributeError, OSError, ValueError):
            sized = False
        bar = tqdm(
            total=total,
            desc=name,
            unit=unit,
            file=self.stream,
            dynamic_ncols=sized,
            ncols=None if sized else 80,  # a terminal that reports no size (some CI ptys)
            leave=False,
            bar_format=None if total or line else "{desc}… {elapsed}",  # a stage with nothing to count
        )
        try:
            yield Stage(bar)
        finally:
            bar.close()


QUIET = Progress(quiet=True)

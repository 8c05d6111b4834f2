"""Where one `pincite ingest` spends its wall time: the phases of the parent and of its worker and
writer processes, as seconds from the process's start.

Runs the CLI in this process, into a fresh home, with the pipeline's phases wrapped (their start and
end written to a log by every process, forked ones too) and prints, per run: when add_paths ran, when
the workers were warm, the first and last parse in each worker and its busy time, the index writers,
the parent's tail after them (commit, vocabulary, checks) and the interpreter's exit.

    python bench/ingest_timeline.py [corpus-real/pdf] [--runs 3] [--src SRC] [-- extra ingest options]

One ingest is a few seconds on a shared machine whose speed changes from minute to minute: read the
phases of one run against each other, and compare trees with bench/bench_pdf.py. The wrapping loads
the index modules before the command starts (an ingest loads them itself while its workers parse), so
the parent's start-up here is a little longer than untraced. Not a test.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = Path(os.environ.get("PINCITE_SHARED", HERE.parent.parent / "shared")) / "corpus-real" / "pdf"
WRAPPED = [  # (module, class or "", function)
    ("pincite.ingest.pipeline", "", "add_paths"),
    ("pincite.ingest.pipeline", "", "parse_pending"),
    ("pincite.ingest.pipeline", "", "parse_file"),
    ("pincite.ingest.pipeline", "", "_warm"),
    ("pincite.index.manager", "IndexManager", "sync"),
    ("pincite.index.manager", "IndexManager", "_new_segments"),
    ("pincite.index.manager", "IndexManager", "_segment_worker"),
    ("pincite.index.manager", "IndexManager", "_commit_segments"),
    ("pincite.index.manager", "IndexManager", "_finish"),
    ("pincite.index.vocabulary", "Vocabulary", "save"),
]


def _child(log: str, t0: float, args: list[str]) -> None:
    """In the traced process: wrap the phases, run the CLI, note the end of main and of the process."""

    def note(event: str) -> None:
        with open(log, "a") as f:
            f.write(f"{time.time() - t0:.4f} {os.getpid()} {event}\n")

    def wrap(module: str, cls: str, name: str) -> None:
        owner = importlib.import_module(module)
        owner = getattr(owner, cls) if cls else owner
        raw = owner.__dict__[name]
        static = isinstance(raw, staticmethod)  # _commit_segments: wrapped as what it is
        func = raw.__func__ if static else raw

        @functools.wraps(func)
        def traced(*a, **k):
            note(f"> {name}")
            try:
                return func(*a, **k)
            finally:
                note(f"< {name}")

        setattr(owner, name, staticmethod(traced) if static else traced)

    note("> main")  # the parent's first event: its pid is the parent's
    from pincite import cli

    for spec in WRAPPED:
        wrap(*spec)
    sys.argv = ["pincite", *args]
    try:
        cli.main()  # as the `pincite` command runs: its end (`cli._leave`) is in "process ends"
    finally:
        note("< main")


def _report(log: Path, wall: float) -> str:
    events = [line.split() for line in log.read_text().splitlines()]
    parent = next((pid for _, pid, mark, name in events if name == "main"), "")
    first: dict[tuple[str, str, str], float] = {}
    last: dict[tuple[str, str, str], float] = {}
    busy: dict[str, float] = {}
    started: dict[str, float] = {}
    for t, pid, mark, name in events:
        key = (pid, mark, name)
        first.setdefault(key, float(t))
        last[key] = float(t)
        if name == "parse_file":
            if mark == ">":
                started[pid] = float(t)
            else:
                busy[pid] = busy.get(pid, 0.0) + float(t) - started.pop(pid, float(t))

    def at(mark: str, name: str, pid: str = parent, table=first) -> str:
        got = table.get((pid, mark, name))
        return f"{got:.2f}" if got is not None else "-"

    kids = sorted({p for (p, _, n) in first if n == "parse_file"})
    writers = sorted({p for (p, _, n) in first if n == "_segment_worker"})
    parts = [
        f"add_paths {at('>', 'add_paths')}-{at('<', 'add_paths')}",
        "warm " + ", ".join(at("<", "_warm", p) for p in sorted({p for (p, _, n) in first if n == "_warm"})),
        "parse "
        + ", ".join(
            f"{at('>', 'parse_file', p)}-{at('<', 'parse_file', p, last)} (busy {busy.get(p, 0):.2f})"
            for p in kids
        ),
        "writers "
        + ", ".join(f"{at('>', '_segment_worker', p)}-{at('<', '_segment_worker', p)}" for p in writers),
        f"sync ends {at('<', 'sync')}",
        f"main returns {at('<', 'main')}",
        f"process ends {wall:.2f}",
    ]
    return " | ".join(parts)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        _, _, log, t0, *args = sys.argv
        _child(log, float(t0), args)
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--src", type=Path, default=HERE.parent / "src", help="the source tree to trace")
    ap.add_argument("extra", nargs="*", help="more `pincite ingest` options (after --)")
    opts = ap.parse_args()
    if not opts.folder.is_dir():
        sys.exit(f"no such folder: {opts.folder}")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(opts.src), os.environ.get("PYTHONPATH")])),
    }
    for run in range(1, opts.runs + 1):
        work = Path(tempfile.mkdtemp(prefix="pincite-timeline-"))
        try:
            log = work / "events.log"
            env["PINCITE_HOME"] = str(work / "home")
            t0 = time.time()
            cmd = [
                sys.executable,
                __file__,
                "--child",
                str(log),
                repr(t0),
                "ingest",
                "-q",
                *opts.extra,
                str(opts.folder),
            ]
            rc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            # a traceback is the tracing's fault (it once broke a static method, and the index was
            # never committed): no phases are read from such a run
            if not log.is_file() or "Traceback" in rc.stderr:
                sys.exit(f"the traced ingest failed (exit {rc.returncode}): {rc.stderr[-2000:]}")
            print(f"run {run} (exit {rc.returncode}): {_report(log, time.time() - t0)}")
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

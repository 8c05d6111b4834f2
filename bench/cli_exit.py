"""How long a `pincite` process takes to end once its command is done: from the moment the command
returns (its output written, its exit status decided) to the moment the process is gone, as the
shell waiting for it sees. Before `pincite.cli.main` ended the process itself (`cli._leave`), this
was the interpreter's teardown: freeing every object, the catalogue's connection among them.

Each run is a fresh process that calls `pincite.cli.main` as the `pincite` command does, with the
command wrapped so that it writes the time it returned; this script notes when the process has
exited. Trees are interleaved, run by run; `--src` adds another source tree (the `src` folder of an
older checkout, whose `main` still ended through the teardown). A tree with `Workspace.close`
closes its catalogues as the command ends, so before the time noted; an older one in its teardown,
so within it (a few ms of the older figure).

    python bench/cli_exit.py [--runs 8] [--src OTHER/src] -- ingest -q corpus-real/pdf
    python bench/cli_exit.py --home HOME [--runs 8] -- search "labour mobility"

`ingest` runs into a fresh home each time; other commands run against --home. Not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import sys, time
import pincite.cli as c
real, stamp = c.cli, sys.argv.pop(1)
def timed(*a, **k):
    try:
        return real(*a, **k)
    finally:
        with open(stamp, "w") as f:
            f.write(repr(time.time()))
c.cli = timed
sys.argv[0] = "pincite"
c.main()
"""


def once(src: Path, args: list[str], home: Path) -> float:
    with tempfile.TemporaryDirectory() as work:
        stamp = Path(work) / "returned"
        env = {**os.environ, "PYTHONPATH": str(src), "PINCITE_HOME": str(home)}
        subprocess.run(
            [sys.executable, "-c", CHILD, str(stamp), *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ended = time.time()
        if not stamp.is_file():
            sys.exit(f"the command did not return under {src}: run it by hand to see why")
        return ended - float(stamp.read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--src", type=Path, action="append", default=[], help="another tree's src folder")
    ap.add_argument("--home", type=Path, help="the home for commands other than ingest")
    ap.add_argument("command", nargs="+", help="the pincite command and its arguments (after --)")
    opts = ap.parse_args()
    trees = [HERE.parent / "src", *opts.src]
    fresh = opts.command[0] == "ingest"
    if not fresh and opts.home is None:
        sys.exit("--home HOME is needed for a command other than ingest")
    times: dict[Path, list[float]] = {t: [] for t in trees}
    for _ in range(opts.runs):
        for tree in trees:
            home = Path(tempfile.mkdtemp(prefix="pincite-exit-")) if fresh else opts.home
            try:
                times[tree].append(once(tree, opts.command, home / "home" if fresh else home))
            finally:
                if fresh:
                    shutil.rmtree(home, ignore_errors=True)
    print(f"pincite {' '.join(opts.command)}: from the command's return to the process's end, {opts.runs} runs")
    for tree, got in times.items():
        runs = ", ".join(f"{t * 1000:.1f}" for t in got)
        print(f"{tree}: median {statistics.median(got) * 1000:.1f} ms (runs: {runs})")


if __name__ == "__main__":
    main()

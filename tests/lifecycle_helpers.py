"""Helpers shared by the index lifecycle tests: small homes built without forking parsers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pincite.corpus.store import Store
from pincite.index.manager import IndexManager
from pincite.ingest import pipeline

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "pincite" / "samples"

WORDS = (
    "migration labour mobility return reintegration consular protection remittances smuggling "
    "trafficking asylum refugees displacement climate border governance cooperation dialogue "
    "regional consultative process member states capacity building data evidence integration "
    "diaspora health rights children women detention alternatives readmission visas skills"
).split()


def add(store: Store, *paths: Path, index: bool = False) -> None:
    """Add and parse in-process (fast); optionally bring the index up to date."""
    pipeline.add_paths(store, list(paths))
    pipeline.parse_pending(store, isolate=False)
    if index:
        IndexManager(store).sync()


def write_docs(folder: Path, n: int, paras: int = 30, seed: int = 0, prefix: str = "gen") -> list[Path]:
    """`n` plain-text documents of `paras` numbered paragraphs each, with distinctive words."""
    import random

    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        body = [f"Report {prefix} {i} on migration governance", ""]
        for p in range(1, paras + 1):
            words = " ".join(rnd.choice(WORDS) for _ in range(40))
            body.append(f"{p}. The meeting of {prefix}{i}x{p} noted {words}.")
            body.append("")
        path = folder / f"{prefix}-{i:03d}.txt"
        path.write_text("\n".join(body), encoding="utf-8")
        out.append(path)
    return out


def index_state(home: Path) -> tuple[str, frozenset[str]]:
    """The live generation and the docver terms it holds (what the index says it contains)."""
    m = IndexManager(Store(home))
    ix = m.open()
    if ix is None:
        return "", frozenset()
    try:
        counts, _ = m.indexed_counts(ix)
    finally:
        ix.close()
    return m.live_name(), frozenset(f"{d}|{v}|{n}" for d, (v, n) in counts.items())


def cli_env(home: Path) -> dict:
    env = dict(os.environ)
    env["PINCITE_HOME"] = str(home)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_cli(home: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pincite.cli", *args],
        env=cli_env(home),
        capture_output=True,
        text=True,
        timeout=120,
        **kw,
    )

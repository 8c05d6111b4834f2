"""Title accuracy: pincite's titles against titles read by hand from the documents' first pages.

`python -m pincite.ingest.evaluate_titles ../shared/corpus-real tests/titles_gold.toml` prints one row per
document and the share right. A title is right when, after folding case, accents and punctuation and
dropping a resolution's own number (`48/246.`), it equals the printed title or one of the `also` forms;
a document that prints no title (`title = ""`) is right only when pincite gives none.
"""

from __future__ import annotations

import re
import sys
import tomllib
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pincite.errors import DocumentError
from pincite.ingest.pipeline import parse_file


def fold(title: str) -> str:
    t = unicodedata.normalize("NFKD", title)
    t = "".join(c for c in t if not unicodedata.combining(c)).casefold()
    t = re.sub(r"^\d{1,3}/\d{1,4}\.\s*", "", t.strip())  # "48/246. Financing of …"
    return " ".join(re.findall(r"\w+", t))


def matches(ours: str, gold: str, also: list[str] = ()) -> bool:
    if not gold:
        return not ours.strip()
    return fold(ours) in {fold(g) for g in (gold, *also)}


@dataclass(frozen=True)
class TitleScore:
    path: str
    ours: str
    gold: str
    ok: bool
    symbol: str = ""
    symbol_ok: bool = True


def _score_one(args: tuple[Path, dict]) -> TitleScore:
    root, doc = args
    path = root / doc["path"]
    try:
        meta, _ = parse_file(path, path.name, "doc")
    except DocumentError as e:
        meta = {"title": f"<{e.status}: {e}>"}
    ours = meta.get("title", "") or ""
    want_sym = doc.get("symbol", "")
    return TitleScore(
        doc["path"], ours, doc["title"], matches(ours, doc["title"], doc.get("also", [])),
        meta.get("symbol", "") or "", not want_sym or meta.get("symbol") == want_sym,
    )


def evaluate(root: Path, gold: Path, workers: int = 2) -> list[TitleScore]:
    docs = tomllib.loads(gold.read_text(encoding="utf-8"))["doc"]
    docs = [d for d in docs if (root / d["path"]).exists()]
    with ProcessPoolExecutor(workers) as ex:
        return list(ex.map(_score_one, [(root, d) for d in docs]))


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Score pincite's document titles against a hand-read gold list.")
    ap.add_argument("corpus", type=Path, help="the corpus-real folder")
    ap.add_argument("gold", type=Path, help="the gold list (tests/titles_gold.toml)")
    args = ap.parse_args(argv)
    scores = evaluate(args.corpus, args.gold)
    print("| document | ok | pincite | gold |\n|---|---|---|---|")
    for s in scores:
        print(f"| {s.path} | {'yes' if s.ok and s.symbol_ok else 'no'} | {s.ours} | {s.gold} |")
    right = sum(s.ok for s in scores)
    print(f"\ntitles right: {right}/{len(scores)} = {right / max(1, len(scores)):.3f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""pincite's language identification (`lang._Fast`, in C) against py3langid's own, on the texts of
ingested homes: every unit's text and headings, as `detect` sees them (bounded), and prefixes of the
first 500 of 20, 39, 40 and 45 characters (around MIN_CHARS, where unit_language's thresholds bite).

    python bench/lang_parity.py HOME [HOME ...]

Prints the texts compared, those whose language differs, those whose probability falls on the other
side of 0.9 or 0.99 (unit_language's thresholds), and the largest difference of probability. Not a test
(tests/test_lang.py checks the same on fixed samples).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))


def texts_of(home: Path) -> list[str]:
    from pincite.ingest import lang

    db = sqlite3.connect(f"file:{home / 'catalogue.sqlite'}?mode=ro", uri=True)
    rows = [t for (t,) in db.execute("SELECT text FROM units")] + [
        h for (h,) in db.execute("SELECT headings FROM units")
    ]
    texts = [lang._bounded(t) for t in rows if t and t.strip()]
    return texts + [t[:n] for t in texts[:500] for n in (20, 39, 40, 45)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("homes", nargs="+", type=Path)
    opts = ap.parse_args()
    import py3langid.langid as langid

    from pincite.ingest import lang

    official = langid._load_identifier(norm_probs=True, langs=lang.LANGUAGES)
    fast = lang._Fast.load()
    if fast is None:
        sys.exit("the C language identifier is not built (or its cache cannot be written)")
    texts = [t for home in opts.homes for t in texts_of(home)]
    flips = crossings = 0
    worst = 0.0
    for text, (code, prob) in zip(texts, fast.classify_all(texts), strict=True):
        want, p = official.classify(text)
        p = float(p)
        flips += code != want
        crossings += any((p >= th) != (prob >= th) for th in (0.9, 0.99))
        worst = max(worst, abs(p - prob))
    print(
        f"{len(texts)} texts: {flips} of another language, {crossings} across 0.9 or 0.99, largest difference {worst:.2g}"
    )


if __name__ == "__main__":
    main()

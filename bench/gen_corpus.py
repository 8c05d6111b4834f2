"""Generate a realistic corpus for benchmarks from real UN sentences.

Paragraphs of ~80 words are stitched from sentences of the UN General Debate speeches (ungdc) and the
UN Parallel Corpus dev set (English, with a tenth Spanish and French), grouped into plain-text
documents of numbered paragraphs, ~50 per document. The same paragraphs go to `paragraphs.jsonl`
for the raw Whoosh baseline. Nothing is copied into the repository: the output goes to a work folder.

    python bench/gen_corpus.py OUT --units 10000 [--shared /work/shared] [--seed 42] [--prefix bench]

Another --seed gives other paragraphs, another --prefix other file names (documents a home or a
database does not hold yet, for a writer to add: bench/bench_backends.py).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

PER_DOC = 50
WORDS = 80


def sentences(shared: Path, lang: str) -> list[str]:
    txt = shared / "corpus-real" / "txt"
    out: list[str] = []
    if lang == "en":
        for f in sorted((txt / "ungdc").glob("*.txt")):
            for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
                out += [s for s in re.split(r"(?<=[.!?])\s+", line.strip()) if len(s.split()) >= 5]
    dev = txt / "unpc_v1_devset" / f"UNv1.0.devset.{lang}"
    if dev.is_file():
        out += [s.strip() for s in dev.read_text(encoding="utf-8").splitlines() if len(s.split()) >= 5]
    # Drop lines that would read as numbered paragraphs or headings of their own.
    return [re.sub(r"^[\d().\s]+", "", s) for s in out if not s.isupper()]


def paragraph(rnd: random.Random, pool: list[str]) -> str:
    words, parts = 0, []
    while words < WORDS:
        s = rnd.choice(pool)
        parts.append(s)
        words += len(s.split())
    return " ".join(parts)


def generate(out: Path, units: int, shared: Path, seed: int = 42, prefix: str = "bench") -> Path:
    rnd = random.Random(seed)
    pools = {lang: sentences(shared, lang) for lang in ("en", "es", "fr")}
    folder = out / f"corpus-{units}"
    done = folder / ".complete"
    if done.is_file():
        return folder
    docs = folder / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    n_docs = max(1, units // PER_DOC)
    with open(folder / "paragraphs.jsonl", "w", encoding="utf-8") as para_out:
        for d in range(n_docs):
            lang = "en" if d % 10 not in (3, 7) else ("es" if d % 10 == 3 else "fr")
            pool = pools[lang] or pools["en"]
            doc_id = f"{prefix}-{d:06d}"
            lines = [f"Statement {d} to the General Assembly", ""]
            for p in range(1, PER_DOC + 1):
                text = paragraph(rnd, pool)
                lines += [f"{p}. {text}", ""]
                para_out.write(json.dumps({"uid": f"{doc_id}#{p}", "doc": doc_id, "text": text}) + "\n")
            sub = docs / f"{d // 500:03d}"
            sub.mkdir(exist_ok=True)
            (sub / f"{doc_id}.txt").write_text("\n".join(lines), encoding="utf-8")
    done.write_text("")
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--prefix", default="bench", help="the documents' file names: PREFIX-000000.txt, …")
    a = ap.parse_args()
    print(generate(a.out, a.units, a.shared, a.seed, a.prefix))


if __name__ == "__main__":
    main()

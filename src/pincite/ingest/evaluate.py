"""Score segmentation against gold paragraph lists (HURIDOCS multilingual paragraph alignment).

Each gold file `<doc>_<l1>_<l2>.json` lists, in reading order, the paragraphs of `<doc>_<l1>.pdf`
(in the corpus `pdf/*/hrdtee_<doc>_<l1>.pdf`, as MANIFEST.tsv records) as printed: the paragraph number kept in the text ("5. Volontariato …"), superscript note calls
removed, running heads removed, masthead pieces kept as their own paragraphs. It is a high-recall
list of body paragraphs (only paragraphs aligned across two languages are listed), not an
exhaustive one, so the main figure is recall:

- a numbered gold paragraph ("5. Volontariato …", "(c) …", "[3] …") is *found* when a unit's
  reference ends with that number and its text starts with the same first words (normalised);
- an unnumbered one (a heading, a preambular paragraph) is found when a unit starts with the
  same first words;
- a masthead piece ("Distr.: General 14 August 2019 …") is not a paragraph in pincite, it is
  metadata: it counts as found when the segmenter kept it out of the units as masthead text, and
  the number of such entries is reported apart (`masthead`).

Each gold paragraph takes, of the units that qualify, the unused one whose length is closest to its
own. `whole` counts found paragraphs whose unit also ends where the gold paragraph ends (same number
of words, within 10 %): a unit that swallowed the next paragraph, or lost its second half, is found
but not whole.

`precision` is the share of paragraph units (not headings, not notes) that start like some gold
paragraph. Gold omits unaligned paragraphs, so it is a lower bound. `furniture` counts units
that hold a running head, a page number or a job number: it should be 0.

    python -m pincite.ingest.evaluate ../shared/corpus-real [--doc ohchr_1_en] [--missed]
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from pincite.corpus.model import HEADING, PARAGRAPH, Unit
from pincite.ingest import readers
from pincite.ingest.segment import parse_label, segment

FIRST_WORDS = 5
GOLD_DIR = Path("gold") / "huridocs_multilingual_paragraph_alignment"

FURNITURE_RES = [
    re.compile(r"\bGE\.\d{2}-\d{4,6}"),
    re.compile(r"(?<![\d/.,-])\d{2}-\d{5}(?![\d/-])"),
    re.compile(r"^\s*\d{1,4}\s*/\s*\d{1,4}\s*$"),
    re.compile(r"^\s*-\s*\d{1,4}\s*-\s*$"),
    re.compile(r"^\s*(?:Page|Página)\s+\d{1,4}\s*$", re.I),
    re.compile(r"^\s*\d{1,4}\s*$"),
]


@dataclass
class Score:
    doc: str
    pdf: str
    gold: int
    found: int
    masthead: int  # gold entries counted as found because they were kept out as masthead text
    whole: int  # found paragraphs whose unit has the gold's extent too (word count within 10 %)
    units: int
    matched_units: int
    furniture: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)  # body units that start like no gold paragraph
    partial: list[str] = field(default_factory=list)  # found, but not whole

    @property
    def whole_share(self) -> float:
        n = self.found - self.masthead
        return self.whole / n if n else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 0.0

    @property
    def precision(self) -> float:
        return self.matched_units / self.units if self.units else 0.0


def words(text: str) -> list[str]:
    """Lower-case word tokens without accents, old-style note calls ("2/") or stray marks."""
    t = unicodedata.normalize("NFKD", text)
    t = "".join(c for c in t if not unicodedata.combining(c)).lower()
    t = re.sub(r"(?:(?<=\s)|^)\d{1,2}/(?=[\s.,;:)]|$)", " ", t)
    t = re.sub(r"[’'`´]", "", t)
    return re.findall(r"\w+", t)


def _starts(unit_words: list[str], gold_words: list[str], n: int = FIRST_WORDS) -> bool:
    want = gold_words[:n]
    return bool(want) and unit_words[: len(want)] == want


def _last_number(ref: str) -> str:
    return ref.split()[-1].strip("()[]") if ref else ""


def _best(candidates: list[Unit], gold_words: list[str], used: set[int]) -> Unit | None:
    """Of the units that start like a gold paragraph, the one not yet matched whose length is
    closest to the gold's: "THE COURT" is the two-word heading, not "The Court composed of: …"."""
    if not candidates:
        return None
    return min(candidates, key=lambda u: (u.seq in used, abs(len(words(u.text)) - len(gold_words))))


def gold_pairs(corpus: Path) -> list[tuple[str, Path, Path]]:
    """(doc name, gold json, its PDF) for every gold file whose PDF is in the corpus."""
    out = []
    for g in sorted((corpus / GOLD_DIR).glob("*.json")):
        stem = g.stem  # ohchr_1_en_ru
        parts = stem.split("_")
        if len(parts) < 4:
            continue
        doc, lang = "_".join(parts[:-2]), parts[-2]
        pdfs = sorted((corpus / "pdf").glob(f"*/hrdtee_{doc}_{lang}.pdf"))
        if pdfs:
            out.append((f"{doc}_{lang}", g, pdfs[0]))
    return out


def score(gold_path: Path, units: list[Unit], dropped: list[str], name: str = "", pdf: str = "") -> Score:
    data = json.loads(gold_path.read_text(encoding="utf-8"))
    gold = [p["main_language"] for p in data["paragraphs"] if p.get("main_language", "").strip()]
    body = [u for u in units if u.kind == PARAGRAPH]
    uw = [(u, words(u.text)) for u in units]
    masthead_words = {w for d in dropped for w in words(d)}
    found = masthead = whole = 0
    missed: list[str] = []
    partial: list[str] = []
    used: set[int] = set()
    for g in gold:
        lab = parse_label(g)
        hit = None
        if lab:
            gw = words(lab[2])
            hit = _best(
                [u for u, w in uw if u.numbered and _last_number(u.ref) == lab[1] and _starts(w, gw)],
                gw,
                used,
            )
        if hit is None:
            gw = words(g)
            # a printed number the gold keeps in a form parse_label does not read ("48/246.")
            hit = _best(
                [
                    u
                    for u, w in uw
                    if _starts(w, gw) or (u.numbered and _starts(words(f"{u.ref} {u.text}"), gw))
                ],
                gw,
                used,
            )
            if hit is None:  # a heading printed over two lines that gold keeps as one paragraph
                hit = _best(
                    [u for u, w in uw if u.kind == HEADING and len(w) >= 3 and gw[: len(w)] == w], gw, used
                )
        if hit is not None:
            found += 1
            used.add(hit.seq)
            full = words(lab[2]) if lab and hit.numbered and not hit.kind == HEADING else words(g)
            mine = words(hit.text)
            if full and 0.9 <= len(mine) / len(full) <= 1.1:
                whole += 1
            else:
                partial.append(f"{len(mine)}/{len(full)} words: {g[:80]}")
            continue
        gw = words(g)[:FIRST_WORDS]
        if gw and set(gw) <= masthead_words:  # masthead pieces kept out of the units
            found += 1
            masthead += 1
            continue
        missed.append(g[:100])
    gold_w = [words(g) for g in gold]
    gold_w += [words(lab[2]) for g in gold if (lab := parse_label(g))]
    unmatched = [u for u in body if not (u.seq in used or any(_starts(words(u.text), gw) for gw in gold_w))]
    matched = len(body) - len(unmatched)
    furniture = [
        u.text
        for u in units
        if any(r.search(u.text) for r in FURNITURE_RES[:2]) or any(r.match(u.text) for r in FURNITURE_RES[2:])
    ]
    return Score(
        doc=name,
        pdf=pdf,
        gold=len(gold),
        found=found,
        masthead=masthead,
        whole=whole,
        units=len(body),
        matched_units=matched,
        furniture=furniture,
        missed=missed,
        partial=partial,
        extra=[f"{u.ref} {u.text[:90]}" for u in unmatched],
    )


def evaluate(corpus: Path, only: set[str] | None = None) -> list[Score]:
    """Parse every gold document's PDF with pincite's reader and segmenter, and score it."""
    out = []
    for doc, gold, pdf in gold_pairs(corpus):
        if only and doc not in only:
            continue
        data = pdf.read_bytes()
        seg = segment(readers.read(data, "pdf", pdf.name), doc, pdf.name)
        out.append(score(gold, seg.units, seg.dropped, doc, str(pdf.relative_to(corpus))))
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Score PDF segmentation against the HURIDOCS gold lists.")
    ap.add_argument("corpus", type=Path, help="the corpus-real folder (with pdf/ and gold/)")
    ap.add_argument("--doc", action="append", help="only this gold document (e.g. ohchr_1_en)")
    ap.add_argument("--missed", action="store_true", help="list the gold paragraphs not found")
    args = ap.parse_args(argv)
    for s in evaluate(args.corpus, set(args.doc) if args.doc else None):
        print(
            f"{s.doc:12} recall {s.recall:.3f} ({s.found}/{s.gold}, masthead {s.masthead}, "
            f"whole {s.whole_share:.3f})  "
            f"precision {s.precision:.3f} ({s.matched_units}/{s.units})  furniture {len(s.furniture)}"
        )
        if args.missed:
            for m in s.missed:
                print("    missed:", m)
            for m in s.partial:
                print("    partial:", m)
            for e in s.extra:
                print("    extra:", e)
            for f in s.furniture:
                print("    furniture:", f[:100])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Alignment of language versions scored against the HURIDOCS paragraph-alignment gold.

Each gold file `<doc>_<l1>_<l2>.json` pairs, in reading order, the paragraphs of `<doc>_<l1>.pdf` with
their translation in `<doc>_<l2>.pdf`. Both PDFs are read and segmented by pincite, aligned by
`pincite.search.align`, and scored two ways:

- **HURIDOCS's count** (their `alignment_benchmark.get_scores`): every aligned pair of body units is a
  prediction; it is right when both of its sides are a gold pair's texts, the way HURIDOCS's
  `LanguagesTexts.__eq__` compares them: the same text, or texts that differ only in at most four
  digits (and at most 5 % of their length), note calls removed. Gold keeps the printed number in
  the text (`5. Volontariato …`); pincite keeps it in the reference, so the number is compared with
  the unit's and taken off the text. What a removed call or a joined line leaves (a space before a
  full stop, a line-end hyphen) is normalised on both sides. Precision = right / predicted, recall = right / gold pairs,
  F1 their harmonic mean. Segmentation errors count against it, as in HURIDOCS's benchmark.
- **`show --lang`**: of the gold pairs whose two paragraphs pincite segmented (a unit starts with
  each side's first words, with its number), the share whose main unit aligns to the other unit.

    python -m pincite.search.evaluate_align ../shared/corpus-real
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path

from pincite.corpus.model import FOOTNOTE, Unit
from pincite.ingest.evaluate import GOLD_DIR, words
from pincite.ingest.segment import parse_label
from pincite.search.align import align

FIRST_WORDS = 6


@dataclass
class AlignScore:
    file: str
    gold: int
    predicted: int
    right: int
    segmented: int  # gold pairs both of whose paragraphs pincite segmented
    shown: int  # of those, pairs `show --lang` gives
    wrong: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.right / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.right / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def show_share(self) -> float:
        return self.shown / self.segmented if self.segmented else 0.0


def gold_files(corpus: Path) -> list[tuple[str, Path, Path, Path]]:
    """(name, gold json, main PDF, other PDF) for every gold file whose two PDFs are in the corpus."""
    out = []
    for g in sorted((corpus / GOLD_DIR).glob("*.json")):
        parts = g.stem.split("_")
        if len(parts) < 4:
            continue
        doc, l1, l2 = "_".join(parts[:-2]), parts[-2], parts[-1]
        a = sorted((corpus / "pdf").glob(f"*/hrdtee_{doc}_{l1}.pdf"))
        b = sorted((corpus / "pdf").glob(f"*/hrdtee_{doc}_{l2}.pdf"))
        if a and b:
            out.append((g.stem, g, a[0], b[0]))
    return out


@cache
def parse_pdf(path: Path) -> tuple[Unit, ...]:
    from pincite.ingest import readers
    from pincite.ingest.segment import segment

    seg = segment(readers.read(path.read_bytes(), "pdf", path.name), path.stem, path.name)
    return tuple(seg.units)


# ---- HURIDOCS's text equality -----------------------------------------------------------------------
def _clean(text: str) -> str:
    t = unicodedata.normalize("NFKC", text)
    t = re.sub(r"(?:(?<=\s)|^)\d{1,2}/(?=[\s.,;:)]|$)", " ", t)  # old-style note calls "2/"
    t = t.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    t = re.sub(r"\s+", " ", t)
    # what removing a note call or joining a line leaves behind: "НПЗУ ." (a call was before the full
    # stop) and "трудящихся- мигрантов" (a line-end hyphen) on one side, "НПЗУ." and a joined word on
    # the other
    t = re.sub(r" (?=[.,;:)\]])", "", t)
    t = re.sub(r"(?<=\w)- (?=\w)", "", t)
    return t.strip()


def similar_texts(a: str, b: str) -> bool:
    """HURIDOCS's `LanguagesTexts.are_similar_texts`: equal, or differing only in a few digits."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 4:
        return False
    diff = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b).get_opcodes():
        if tag in ("replace", "delete"):
            diff.append(a[i1:i2])
        if tag in ("replace", "insert"):
            diff.append(b[j1:j2])
    d = "".join(diff)
    return all(c.isnumeric() for c in d) and len(d) <= 4 and len(d) <= 0.05 * len(a) and len(d) <= 0.05 * len(b)


def _last_number(ref: str) -> str:
    return ref.split()[-1].strip("()[]") if ref else ""


def _gold_body(g: str) -> tuple[str, str]:
    """A gold paragraph's printed number (or "") and its text without it."""
    lab = parse_label(g)
    return (lab[1], lab[2]) if lab else ("", g)


def unit_is(u: Unit, g: str) -> bool:
    """Is this unit the gold paragraph, text and number, as HURIDOCS compares texts?"""
    num, body = _gold_body(g)
    if num and u.numbered and _last_number(u.ref) == num:
        return similar_texts(_clean(u.text), _clean(body))
    return similar_texts(_clean(u.text), _clean(g)) or (bool(num) and similar_texts(_clean(u.text), _clean(body)))


def _starts_like(u: Unit, g: str) -> bool:
    num, body = _gold_body(g)
    gw = words(body)[:FIRST_WORDS]
    if not gw:
        return False
    if num and u.numbered and _last_number(u.ref) == num:
        return words(u.text)[: len(gw)] == gw
    return words(u.text)[: len(words(g)[:FIRST_WORDS])] == words(g)[:FIRST_WORDS]


def locate(gold: list[str], units: list[Unit]) -> list[Unit | None]:
    """For each gold paragraph in order, the unit pincite segmented for it (or None): the first unused
    unit, at or after the last one found, that starts like it, else any unused one."""
    out: list[Unit | None] = []
    used: set[int] = set()
    at = 0
    for g in gold:
        order = list(range(at, len(units))) + list(range(at))
        hit = next((i for i in order if i not in used and _starts_like(units[i], g)), None)
        if hit is None:
            out.append(None)
            continue
        used.add(hit)
        at = hit + 1
        out.append(units[hit])
    return out


def score(name: str, gold_path: Path, main: list[Unit], other: list[Unit]) -> AlignScore:
    data = json.loads(gold_path.read_text(encoding="utf-8"))
    pairs = [(p["main_language"], p["other_language"]) for p in data["paragraphs"]]
    al = align(main, other)
    by_seq = {u.seq: u for u in other}
    predicted = [
        (u, by_seq[al.pairs[u.seq]]) for u in main if u.kind != FOOTNOTE and u.seq in al.pairs and al.pairs[u.seq] in by_seq
    ]
    right = 0
    matched_pred: set[int] = set()
    for gm, go in pairs:
        hit = next(
            (k for k, (a, b) in enumerate(predicted) if k not in matched_pred and unit_is(a, gm) and unit_is(b, go)), None
        )
        if hit is not None:
            right += 1
            matched_pred.add(hit)
    # HURIDOCS counts a prediction right when it equals some gold pair (ours: the ones matched above)
    wrong_pred = len(predicted) - len(matched_pred)
    seg_main = locate([g for g, _ in pairs], main)
    seg_other = locate([g for _, g in pairs], other)
    segmented = shown = 0
    wrong = []
    for (gm, _go), ua, ub in zip(pairs, seg_main, seg_other, strict=True):
        if ua is None or ub is None:
            continue
        segmented += 1
        if al.pairs.get(ua.seq) == ub.seq:
            shown += 1
        else:
            got = by_seq.get(al.pairs.get(ua.seq, -1))
            wrong.append(f"{gm[:60]!r} -> {got.text[:40] if got else None!r}, gold {ub.text[:40]!r}")
    return AlignScore(name, len(pairs), len(matched_pred) + wrong_pred, right, segmented, shown, wrong)


def evaluate(corpus: Path, only: set[str] | None = None) -> list[AlignScore]:
    out = []
    for name, gold, a, b in gold_files(corpus):
        if only and name not in only:
            continue
        out.append(score(name, gold, list(parse_pdf(a)), list(parse_pdf(b))))
    return out


def table(scores: list[AlignScore]) -> str:
    lines = ["| gold file | pairs | predicted | right | P | R | F1 | segmented | show --lang |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for s in scores:
        lines.append(
            f"| {s.file} | {s.gold} | {s.predicted} | {s.right} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} "
            f"| {s.segmented} | {s.shown} ({s.show_share:.3f}) |"
        )
    seg = sum(s.segmented for s in scores)
    shown = sum(s.shown for s in scores)
    mean = lambda f: sum(f(s) for s in scores) / len(scores) if scores else 0.0  # noqa: E731
    lines.append(
        f"| average | {sum(s.gold for s in scores)} | {sum(s.predicted for s in scores)} | "
        f"{sum(s.right for s in scores)} | {mean(lambda s: s.precision):.3f} | {mean(lambda s: s.recall):.3f} | "
        f"{mean(lambda s: s.f1):.3f} | {seg} | {shown} ({shown / seg if seg else 0:.3f}) |"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    corpus = Path(args[0]) if args else Path("../shared/corpus-real")
    only = set(args[1:]) or None
    scores = evaluate(corpus, only)
    print(table(scores))
    if "--wrong" in sys.argv:
        for s in scores:
            for w in s.wrong:
                print(f"{s.file}: {w}")

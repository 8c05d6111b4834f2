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
from pincite.ingest.rules import furniture as furniture_rules
from pincite.ingest.segment import parse_label, segment

FIRST_WORDS = 5
GOLD_DIR = Path("gold") / "huridocs_multilingual_paragraph_alignment"

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
    furniture = [u.text for u in units if furniture_rules.leaks(u.text)]
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


# ---- the development set: simple gold written by reading the documents ---------------------------
# tests/devgold/<doc>.toml (see tests/devgold/README.md): the file (relative to corpus-real), its
# family, the printed numbers in reading order as pincite's references write them ("8", "8 (c)"),
# the note markers, a few paragraph starts, furniture strings no unit may hold, the document type
# and the date the document prints.


@dataclass
class DevScore:
    doc: str
    family: str
    numbers: int  # printed numbers in the gold
    in_order: int  # of those, found in order (longest common subsequence with the units' references)
    numbered_units: int
    spurious: list[str] = field(default_factory=list)  # numbered units the gold does not have
    notes: int = 0
    notes_found: int = 0
    starts: int = 0
    starts_found: int = 0
    furniture: list[str] = field(default_factory=list)
    doctype: tuple[str, str] = ("", "")  # (want, got)
    date: tuple[str, str] = ("", "")
    date_ok: bool = True
    missed: list[str] = field(default_factory=list)

    @property
    def order(self) -> float:
        return self.in_order / self.numbers if self.numbers else 1.0

    @property
    def spurious_share(self) -> float:
        return len(self.spurious) / self.numbered_units if self.numbered_units else 0.0

    @property
    def notes_share(self) -> float:
        return self.notes_found / self.notes if self.notes else 1.0

    @property
    def doctype_ok(self) -> bool:
        return not self.doctype[0] or self.doctype[0] == self.doctype[1]


def _lcs(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """Index pairs of a longest common subsequence of two lists."""
    n, m = len(a), len(b)
    t = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            t[i][j] = t[i + 1][j + 1] + 1 if a[i] == b[j] else max(t[i + 1][j], t[i][j + 1])
    out, i, j = [], 0, 0
    while i < n and j < m:
        if a[i] == b[j]:
            out.append((i, j))
            i, j = i + 1, j + 1
        elif t[i + 1][j] >= t[i][j + 1]:
            i += 1
        else:
            j += 1
    return out


def _norm(text: str) -> str:
    return " ".join(words(text))


def dev_score(gold: dict, units: list[Unit], meta: dict, name: str = "") -> DevScore:
    from pincite.corpus.model import FOOTNOTE

    want = [str(n) for n in gold.get("numbers", [])]
    numbered = [u for u in units if u.kind == PARAGRAPH and u.numbered]
    if gold.get("levels") == 1:  # the gold lists top-level numbers only
        got: list[str] = []
        kept: list[Unit] = []
        for u in numbered:
            top = u.ref.split()[0]
            if top.startswith("["):
                continue
            if not got or got[-1] != top or kept[-1].part != u.part:
                got.append(top)
                kept.append(u)
        numbered = kept
    else:
        got = [u.ref for u in numbered]
    pairs = _lcs(want, got)
    # the parts that restart the numbering ("article 5", "principle 3"), in order
    want_parts = [str(p) for p in gold.get("parts", [])]
    if want_parts:
        seen_parts: list[str] = []
        for u in units:
            if u.part and (not seen_parts or seen_parts[-1] != u.part):
                seen_parts.append(u.part)
        part_pairs = _lcs([p.lower() for p in want_parts], [p.lower() for p in seen_parts])
    else:
        part_pairs = []
    hit_w = {i for i, _ in pairs}
    hit_g = {j for _, j in pairs}
    notes = [str(n) for n in gold.get("notes", [])]
    note_refs = [u.ref for u in units if u.kind == FOOTNOTE]
    pool = list(note_refs)
    notes_found = 0
    for n in notes:
        if n in pool:
            pool.remove(n)
            notes_found += 1
    texts = [_norm(u.text) for u in units]
    starts = gold.get("starts", [])
    starts_found = sum(1 for s in starts if any(t.startswith(_norm(s)) for t in texts))
    furniture = [f"{f!r} in {u.ref}: {u.text[:80]}" for f in gold.get("furniture", []) for u in units if f in u.text]
    dates = [gold["date"], *gold.get("date_also", [])] if gold.get("date") else []
    got_date = str(meta.get("date", "") or "")
    return DevScore(
        doc=name,
        family=gold.get("family", ""),
        numbers=len(want) + len(want_parts),
        in_order=len(pairs) + len(part_pairs),
        numbered_units=len(numbered),
        spurious=[f"{u.ref} {u.text[:70]}" for j, u in enumerate(numbered) if j not in hit_g],
        notes=len(notes),
        notes_found=notes_found,
        starts=len(starts),
        starts_found=starts_found,
        furniture=furniture,
        doctype=(gold.get("doctype", ""), str(meta.get("doctype", ""))),
        date=(gold.get("date", ""), got_date),
        date_ok=not dates or got_date in dates,
        missed=[want[i] for i in range(len(want)) if i not in hit_w],
    )


def dev_evaluate(corpus: Path, gold_dir: Path, only: set[str] | None = None) -> list[DevScore]:
    """Parse every dev-set document with pincite's readers and segmenter, and score it."""
    import tomllib

    out = []
    for g in sorted(gold_dir.glob("*.toml")):
        if only and g.stem not in only:
            continue
        gold = tomllib.loads(g.read_text(encoding="utf-8"))
        path = corpus / gold["file"]
        if not path.is_file():
            continue
        data = path.read_bytes()
        fmt = readers.sniff(data, path.name)
        seg = segment(readers.read(data, fmt, path.name), g.stem, path.name)
        out.append(dev_score(gold, seg.units, seg.meta, g.stem))
    return out


def dev_summary(scores: list[DevScore]) -> dict[str, dict[str, float]]:
    """Pooled figures per family and over all ("all")."""
    fams: dict[str, list[DevScore]] = {}
    for s in scores:
        fams.setdefault(s.family, []).append(s)
        fams.setdefault("all", []).append(s)
    out = {}
    for fam, ss in sorted(fams.items()):
        n = sum(s.numbers for s in ss)
        nu = sum(s.numbered_units for s in ss)
        nn = sum(s.notes for s in ss)
        out[fam] = {
            "docs": len(ss),
            "order": sum(s.in_order for s in ss) / n if n else 1.0,
            "worst": min(s.order for s in ss),
            "spurious": sum(len(s.spurious) for s in ss) / nu if nu else 0.0,
            "notes": sum(s.notes_found for s in ss) / nn if nn else 1.0,
            "furniture": sum(len(s.furniture) for s in ss),
            "doctype": sum(s.doctype_ok for s in ss) / len(ss),
            "date": sum(s.date_ok for s in ss) / len(ss),
        }
    return out


def dev_main(args) -> int:
    scores = dev_evaluate(args.corpus, args.dev, set(args.doc) if args.doc else None)
    for s in scores:
        print(
            f"{s.doc:44} {s.family:14} order {s.order:.3f} ({s.in_order}/{s.numbers})  "
            f"spurious {len(s.spurious)}/{s.numbered_units}  notes {s.notes_found}/{s.notes}  "
            f"starts {s.starts_found}/{s.starts}  furniture {len(s.furniture)}  "
            f"doctype {'ok' if s.doctype_ok else s.doctype}  date {'ok' if s.date_ok else s.date}"
        )
        if args.missed:
            if s.missed:
                print("    missed numbers:", " ".join(s.missed[:60]))
            for e in s.spurious[:40]:
                print("    spurious:", e)
            for f in s.furniture[:20]:
                print("    furniture:", f)
    print()
    for fam, d in dev_summary(scores).items():
        print(
            f"{fam:14} docs {d['docs']:2}  order {d['order']:.3f} (worst {d['worst']:.3f})  "
            f"spurious {d['spurious']:.3f}  notes {d['notes']:.3f}  furniture {d['furniture']}  "
            f"doctype {d['doctype']:.2f}  date {d['date']:.2f}"
        )
    return 0




def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Score PDF segmentation against the HURIDOCS gold lists.")
    ap.add_argument("corpus", type=Path, help="the corpus-real folder (with pdf/ and gold/)")
    ap.add_argument("--doc", action="append", help="only this gold document (e.g. ohchr_1_en)")
    ap.add_argument("--missed", action="store_true", help="list the gold paragraphs not found")
    ap.add_argument("--dev", type=Path, help="score the dev set: a folder of gold .toml files (tests/devgold)")
    args = ap.parse_args(argv)
    if args.dev:
        return dev_main(args)
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

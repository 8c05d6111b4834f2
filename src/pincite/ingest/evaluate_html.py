"""How well the HTML reader finds a page's main content, against mozilla/readability's gold pages.

For each test page (`X__source.html`, gold `X__expected.html`, `X__expected-metadata.json`):

- **recall**: the fraction of gold paragraphs (the text of the gold's `p`, `li` and `h1`–`h6`, innermost
  only, and the blank-line separated chunks of its `pre`) found in pincite's units (as a run of words inside the units' text);
- **precision**: the fraction of pincite's unit text (in characters) whose unit lies inside the gold text;
- **title**: whether pincite's title matches the gold title (equal, or one contains the other, after
  normalisation: sites append " - Site" to `<title>` and readability sometimes strips it).

Texts are compared as lower-case word runs without note calls ("[1]", "[citation needed]" markers
differ between a reader and the gold in punctuation only), so the scores measure what text was kept, not
how it was spaced.

    python -m pincite.ingest.evaluate_html [--scorer-only] [DIR]
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup

from pincite.ingest.readers.html import PAGE_FOOT_RE, PARSER, read_html
from pincite.ingest.segment import segment

# "^ a b c" links from a Wikipedia note back to its calls; readability keeps them as text, a reader
# of the note does not need them (pincite drops them).
BACKLINKS_RE = re.compile(r"^a b(?: [c-z](?= ))*\s*")
GOLD_TAGS = ["p", "li", "h1", "h2", "h3", "h4", "h5", "h6"]


def norm(text: str) -> str:
    """Lower-case words, no punctuation, no bracketed note calls."""
    t = unicodedata.normalize("NFKC", text).lower()
    t = re.sub(r"\[\s*(?:\d{1,4}|[a-z]|note \d+|citation needed|edit)\s*\]", " ", t)
    return " ".join(re.findall(r"\w+", t))


@dataclass
class PageScore:
    page: str
    recall: float
    precision: float
    title_ok: bool
    gold_paragraphs: int
    units: int
    extraction: str
    title: str
    gold_title: str

    def row(self) -> str:
        return (
            f"| {self.page} | {self.recall:.3f} | {self.precision:.3f} | {'yes' if self.title_ok else 'no'} "
            f"| {self.gold_paragraphs} | {self.units} | {self.extraction} |"
        )


def gold_paragraphs(html: str) -> tuple[list[str], str]:
    """The gold's paragraphs (innermost p/li/h*) and its whole text, normalised."""
    soup = BeautifulSoup(html, PARSER)
    for back in soup.select(".mw-cite-backlink"):  # "^ a b" links back to the calls: navigation
        back.decompose()
    paras = []
    for el in soup.find_all(GOLD_TAGS):
        if el.find(GOLD_TAGS):
            continue
        t = BACKLINKS_RE.sub("", norm(el.get_text(" ")))
        if t:
            paras.append(t)
    # A preformatted text: its paragraphs are blank-line separated; its running heads and feet (lines
    # repeated on three pages or more, "[Page 3]") are page furniture, not content, here as in the reader.
    pre_text = "\n\n".join(pre.get_text() for pre in soup.find_all("pre"))
    counts = Counter(" ".join(ln.split()) for ln in pre_text.split("\n"))
    kept = [
        ln
        for ln in pre_text.split("\n")
        if not (
            PAGE_FOOT_RE.search(" ".join(ln.split())) or (ln.strip() and counts[" ".join(ln.split())] >= 3)
        )
    ]
    if pre_text:
        for chunk in re.split(r"\n\s*\n", "\n".join(kept)):
            t = norm(chunk)
            if len(t.split()) >= 3:
                paras.append(t)
    return paras, norm(soup.get_text(" "))


def title_matches(ours: str, gold: str) -> bool:
    a, b = norm(ours), norm(gold)
    if not a or not b:
        return a == b
    return a == b or a in b or b in a


def score_page(source: Path, expected: Path, metadata: Path | None, semantic: bool = True) -> PageScore:
    page = source.name.split("__")[0]
    result = read_html(source.read_bytes(), source.name, semantic=semantic)
    seg = segment(result, page, source.name)
    # a reader sees a printed number with its text: "3. Storage model" (pincite keeps it in the ref)
    texts = [norm(f"{u.ref.split(' ')[-1]} {u.text}" if u.numbered and u.kind != "footnote" else u.text) for u in seg.units]
    texts = [t for t in texts if t]
    ours = " " + " ".join(texts) + " "
    paras, gold_text = gold_paragraphs(expected.read_text(encoding="utf-8", errors="replace"))
    found = sum(1 for p in paras if f" {p} " in ours)
    recall = found / len(paras) if paras else 1.0
    gold_padded = f" {gold_text} "
    inside = sum(len(t) for t in texts if f" {t} " in gold_padded)
    total = sum(len(t) for t in texts)
    precision = inside / total if total else 0.0
    gold_title = ""
    if metadata is not None and metadata.is_file():
        gold_title = json.loads(metadata.read_text(encoding="utf-8")).get("title") or ""
    title = seg.meta.get("title", "")
    return PageScore(
        page=page,
        recall=recall,
        precision=precision,
        title_ok=title_matches(title, gold_title),
        gold_paragraphs=len(paras),
        units=len(seg.units),
        extraction=str(result.meta.get("extraction", "")),
        title=title,
        gold_title=gold_title,
    )


def evaluate(directory: Path, semantic: bool = True) -> list[PageScore]:
    """Score every `X__source.html` in `directory` that has its `X__expected.html`.

    `semantic=False` ignores `<article>` / `<main>`: it measures the fallback scorer alone, as on the
    many policy sites whose templates declare neither.
    """
    scores = []
    for source in sorted(directory.glob("*__source.html")):
        page = source.name.split("__")[0]
        expected = directory / f"{page}__expected.html"
        if expected.is_file():
            meta = directory / f"{page}__expected-metadata.json"
            scores.append(score_page(source, expected, meta, semantic))
    return scores


def table(scores: list[PageScore]) -> str:
    lines = [
        "| page | recall | precision | title | gold paras | units | extraction |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [s.row() for s in scores]
    if scores:
        n = len(scores)
        lines.append(
            f"| **mean** | {sum(s.recall for s in scores) / n:.3f} | {sum(s.precision for s in scores) / n:.3f} "
            f"| {sum(s.title_ok for s in scores)}/{n} | | | |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    semantic = "--scorer-only" not in argv
    args = [a for a in argv if a != "--scorer-only"]
    default = Path(__file__).resolve().parents[3].parent / "shared/corpus-real/html/readability_testpages"
    directory = Path(args[0]) if args else default
    print(table(evaluate(directory, semantic)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

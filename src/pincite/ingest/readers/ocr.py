"""OCR for scanned PDFs: PDFium renders each page, Tesseract (the system's `tesseract` command)
reads it, and its words become the same `Run`s a text layer gives, so the page model and the
segmenter read an OCR page as any other.

The script is found first (Tesseract's orientation and script detection on the first page), then
the pages are read with the languages of that script that are installed: Latin → English, French,
Spanish; Cyrillic → Russian; Arabic; Han → simplified Chinese.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from pincite.errors import DocumentError

DPI = 300
INSTALL = "apt-get install tesseract-ocr tesseract-ocr-fra tesseract-ocr-spa tesseract-ocr-rus tesseract-ocr-ara tesseract-ocr-chi-sim"
SCRIPT_LANGS = {
    "Latin": ["eng", "fra", "spa"],
    "Cyrillic": ["rus", "eng"],
    "Arabic": ["ara", "eng"],
    "Han": ["chi_sim", "eng"],
    "HanS": ["chi_sim", "eng"],
}
PAGE_TIMEOUT = 90.0


def tesseract() -> str | None:
    return shutil.which("tesseract")


def missing_message() -> str:
    return f"OCR needs Tesseract, which is not installed: {INSTALL}"


def installed_languages() -> set[str]:
    exe = tesseract()
    if not exe:
        return set()
    r = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, check=False)
    return {ln.strip() for ln in r.stdout.splitlines()[1:] if ln.strip()}


def _env() -> dict:
    # one thread: the pipeline already runs one worker per core
    return dict(os.environ, OMP_THREAD_LIMIT="1")


def render(page) -> tuple[bytes, float, float]:
    """The page rendered in grey at DPI, as a binary PGM image (Tesseract reads PNM on stdin), and
    its width and height in points."""
    bitmap = page.render(scale=DPI / 72, grayscale=True)
    w, h, stride = bitmap.width, bitmap.height, bitmap.stride
    raw = bytes(bitmap.buffer)
    if stride != w:
        raw = b"".join(raw[y * stride : y * stride + w] for y in range(h))
    return b"P5\n%d %d\n255\n" % (w, h) + raw, w * 72 / DPI, h * 72 / DPI


def _run(args: list[str], image: bytes, name: str) -> str:
    exe = tesseract()
    if not exe:
        raise DocumentError(name, missing_message())
    try:
        r = subprocess.run(
            [exe, "-", "-", *args],
            input=image,
            capture_output=True,
            timeout=PAGE_TIMEOUT,
            env=_env(),
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise DocumentError(name, f"OCR of a page took longer than {PAGE_TIMEOUT:g} s") from e
    return r.stdout.decode("utf-8", "replace")


def script_languages(image: bytes, name: str, installed: set[str]) -> list[str]:
    """The installed Tesseract languages for the page's script (Latin when it cannot tell)."""
    script = "Latin"
    if "osd" in installed:
        m = re.search(r"^Script:\s*(\w+)", _run(["--psm", "0", "-l", "osd"], image, name), re.M)
        if m:
            script = m.group(1)
    langs = [lang for lang in SCRIPT_LANGS.get(script, SCRIPT_LANGS["Latin"]) if lang in installed]
    return langs or ([lang for lang in ("eng",) if lang in installed] or sorted(installed - {"osd"})[:1])


def page_runs(image: bytes, langs: list[str], width_pt: float, height_pt: float, bottom: float, name: str):
    """Tesseract's words on one rendered page → Runs (one per word, in reading order, each line's
    words at the line's size, in PDF points from the bottom of the page)."""
    from pincite.ingest.readers.pdf import Run

    tsv = _run(["-l", "+".join(langs), "--psm", "3", "tsv"], image, name)
    scale = 72 / DPI
    lines: dict[tuple, list[tuple[int, int, int, int, str]]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        key = (int(cols[2]), int(cols[3]), int(cols[4]))  # block, paragraph, line
        left, top, w, h = (int(c) for c in cols[6:10])
        lines.setdefault(key, []).append((left, top, w, h, cols[11].strip()))
    runs: list[Run] = []
    for key in sorted(lines, key=lambda k: min(t for _, t, _, _, _ in lines[k])):
        words = sorted(lines[key])
        heights = sorted(h for _, _, _, h, _ in words)
        size = max(4.0, heights[len(heights) // 2] * scale / 0.75)  # a word's box is ~3/4 of the em
        for left, top, w, h, text in words:
            # each word on its own baseline (the foot of its box): a skewed scan's "line" may hold
            # two printed lines side by side, which the page model then tells apart
            base = bottom + height_pt - (top + h) * scale
            runs.append(Run(" " + text, left * scale, base, size, False, w * scale, len(runs)))
    # Sizes measured from word boxes vary from line to line in the same type; taken as they are,
    # a line would pass for a superscript beside its neighbour. Type within a third of the page's
    # usual size is that size; headings in larger type keep theirs.
    if runs:
        sizes = sorted(r.size for r in runs)
        usual = sizes[len(sizes) // 2]
        for r in runs:
            if 0.7 * usual <= r.size <= 1.45 * usual:
                r.size = usual
    return runs

"""One reader per format. Each turns a file's bytes into a `ReadResult` of blocks with layout hints.

`read(data, fmt)` dispatches; `sniff(data, name)` decides the format from the bytes first and the name
second (a PDF served as `application/octet-stream` is still a PDF).
"""

from __future__ import annotations

import importlib
import re

from pincite.errors import DocumentError
from pincite.ingest.blocks import ReadResult

# format → module in this package with `read(data: bytes, name: str) -> ReadResult`
READERS = {
    "text": "text",
    "markdown": "markdown",
    "pdf": "pdf",
    "html": "html",
    "docx": "docx",
}

EXTENSIONS = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
    ".pdf": "pdf", ".html": "html", ".htm": "html", ".xhtml": "html", ".docx": "docx",
}  # fmt: skip

SUFFIX_FOR = {"text": ".txt", "markdown": ".md", "pdf": ".pdf", "html": ".html", "docx": ".docx"}

# The PDF engines (readers/pdf.py); here, so that what a document is recorded as read with
# (`pipeline.reading_of`) is known without loading the PDF reader (~60 ms) in the ingest's parent.
ENGINES = ("pdfium", "pypdf")
DEFAULT_ENGINE = "pdfium"
ENGINE_ENV = "PINCITE_PDF_ENGINE"


def default_engine() -> str:
    """The engine used when none is asked for: PINCITE_PDF_ENGINE if set, else DEFAULT_ENGINE."""
    import os

    return os.environ.get(ENGINE_ENV, "").strip().lower() or DEFAULT_ENGINE


def sniff(data: bytes, name: str = "", content_type: str = "") -> str:
    """The format of a file, from its bytes first, then its name, then the declared type."""
    head = data[:2048].lstrip()
    if data[:5] == b"%PDF-" or b"%PDF-" in data[:1024]:
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        return "docx" if b"word/" in data[:65536] or name.lower().endswith(".docx") else "zip"
    low = head[:1024].lower()
    if low.startswith((b"<!doctype html", b"<html", b"<?xml")) and b"<html" in data[:4096].lower():
        return "html"
    if b"<html" in low or b"<body" in low or b"<head" in low:
        return "html"
    ext = "." + name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if ext in EXTENSIONS:
        fmt = EXTENSIONS[ext]
        if fmt in ("pdf", "docx"):  # the name says binary, the bytes do not agree
            return "unknown"
        # the name says text: the bytes must agree (random bytes named .txt are not a document)
        return fmt if _looks_textual(data) else "unknown"
    ct = content_type.split(";")[0].strip().lower()
    if ct in ("text/html", "application/xhtml+xml"):
        return "html"
    if ct in ("text/markdown",):
        return "markdown"
    if ct.startswith("text/") or _looks_textual(data):
        return "text"
    return "unknown"


def _looks_textual(data: bytes) -> bool:
    """Text in some encoding, judged on the first 4 KiB: UTF-8 (a character cut at the end of the
    sample is fine), UTF-16 (a BOM, or every other byte NUL), or an 8-bit encoding with almost no
    control bytes. Random bytes fail: about one byte in eight is a control byte, some are NUL."""
    sample = data[:4096]
    if not sample:
        return False
    if sample.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return True
    if b"\x00" in sample:
        half = len(sample) / 2
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        return max(even, odd) > 0.4 * half and min(even, odd) < 0.02 * half
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as e:
        if e.start >= len(sample) - 3 and "end of data" in e.reason:
            return True
        text_chars = sum(1 for b in sample if b >= 32 or b in (9, 10, 12, 13))
        return text_chars / len(sample) > 0.95


def read(
    data: bytes, fmt: str, name: str = "", content_type: str = "", options: dict | None = None
) -> ReadResult:
    """Read bytes of a known format. `content_type` is the HTTP header the bytes were served with,
    if any: its charset decides how text and HTML are decoded. `options` go to the PDF reader
    (`engine`: pdfium or pypdf; `ocr`: read scans with Tesseract); other formats take none."""
    if fmt not in READERS:
        raise DocumentError(name or "input", f"unsupported format ({fmt})", status="failed")
    from pincite.ingest import valid

    mod = importlib.import_module(f"pincite.ingest.readers.{READERS[fmt]}")
    if fmt == "pdf" and options:
        raw = mod.read(data, name, content_type, **options)
    else:
        raw = mod.read(data, name, content_type)
    result = valid.result(raw)  # the one place text enters
    result.fmt = fmt
    return result


def charset_from_content_type(content_type: str) -> str:
    """The charset an HTTP Content-Type declares (`text/html; charset=ISO-8859-15` → iso-8859-15)."""
    m = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", content_type or "", re.I)
    return m.group(1).lower() if m else ""


def text_lines(data: bytes, content_type: str = "") -> str:
    """Decoded text (in the charset the HTTP header declared, if any) with every line ending "\\n"."""
    return (
        decode_text(data, charset_from_content_type(content_type)).replace("\r\n", "\n").replace("\r", "\n")
    )


def decode_text(data: bytes, declared: str = "") -> str:
    """Bytes to str: the declared charset, then UTF-8 (with or without BOM), then detection."""
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("latin-1")

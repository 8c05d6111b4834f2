"""Hostile inputs for the robustness tests: files built byte by byte to do what real attacks and
real accidents do (a PDF whose ToUnicode map yields a lone surrogate, a pickled index file that runs
a command, a DOCX whose text unpacks to hundreds of MB)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from pdfmaker import serialise

ROOT = Path(__file__).resolve().parents[1]


def surrogate_pdf(bad: str = "D800") -> bytes:
    """One page, two lines of Helvetica; the font's ToUnicode map sends the glyph of `X` to the
    UTF-16 code unit `bad` (a lone surrogate), as some PDF producers do."""
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def "
        b"1 begincodespacerange <00> <FF> endcodespacerange "
        b"1 beginbfchar <58> <" + bad.encode() + b"> endbfchar "
        b"1 beginbfrange <20> <57> <0020> endbfrange 1 beginbfrange <59> <7E> <0059> endbfrange "
        b"endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    lines = (
        b"BT /F1 12 Tf 72 700 Td (Paragraph one on regional consultative processes.) Tj ET\n"
        b"BT /F1 12 Tf 72 600 Td (Second paragraph X on labour mobility X here.) Tj ET\n"
    )
    objs: list[bytes] = []

    def add(b: bytes) -> int:
        objs.append(b)
        return len(objs)

    tu = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap))
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode %d 0 R >>" % tu)
    content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(lines), lines))
    page = add(
        b"<< /Type /Page /Parent 5 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
        b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (content, font)
    )
    assert add(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page) == 5
    cat = add(b"<< /Type /Catalog /Pages 5 0 R >>")
    return serialise(objs, cat, header=b"%PDF-1.4\n")


from whoosh.fields import Schema  # noqa: E402


class Evil(Schema):
    """A schema that unpickles as a call to os.system: what a planted index file would hold."""

    def __init__(self, command: str) -> None:
        super().__init__()
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def plant_toc(gen: Path, command: str) -> Path:
    """Write a Whoosh table of contents newer than any in `gen` whose schema runs `command` when
    unpickled (Whoosh opens the newest TOC of a directory)."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    numbers = [int(p.stem.rsplit("_", 1)[1]) for p in gen.glob("_MAIN_*.toc")]
    toc = TOC(Evil(command), [], max(numbers, default=0) + 1)
    toc.write(FileStorage(str(gen)), "MAIN")
    return gen / f"_MAIN_{toc.generation}.toc"


def huge_docx(path: Path, mb: int) -> None:
    """A DOCX whose word/document.xml unpacks to `mb` MB of paragraphs (the file itself is small)."""
    para = b"<w:p><w:r><w:t>Migration policy paragraph text repeated for size.</w:t></w:r></w:p>" * 1000
    ns = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>',
        )
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0"?><w:document ' + ns + b"><w:body>")
            written = 0
            while written < mb * 1024 * 1024:
                f.write(para)
                written += len(para)
            f.write(b"</w:body></w:document>")


def pincite(home: Path, *args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PINCITE_HOME": str(home), "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "pincite.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        errors="replace",
        **kw,
    )

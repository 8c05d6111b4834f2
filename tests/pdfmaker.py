"""Small synthetic PDFs for tests: text placed where a test wants it, in Helvetica.

Real corpus PDFs cover real layouts; these cover what the corpus cannot be made to do on demand
(a word split over two lines, an encrypted file, a page with no text) and run without ../shared.
"""

from __future__ import annotations

import io

# (x, y, size, text[, how]): y from the bottom of an A4 page, as in PDF; a fifth element set to
# True draws the text turned 90° anticlockwise, a number raises it by that many points with the
# text rise operator (Ts), as word processors set superscript note calls.
Item = tuple


def _draw(x: float, y: float, size: float, text: str, how: bool | float = False) -> bytes:
    if how is True:
        return b"BT /F1 %.2f Tf 0 1 -1 0 %.2f %.2f Tm (%s) Tj ET\n" % (size, x, y, _escape(text))
    if how:
        return b"BT /F1 %.2f Tf %.2f Ts %.2f %.2f Td (%s) Tj ET\n" % (size, how, x, y, _escape(text))
    return b"BT /F1 %.2f Tf %.2f %.2f Td (%s) Tj ET\n" % (size, x, y, _escape(text))


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def make_pdf(pages: list[list[Item]], width: float = 595.0, height: float = 842.0) -> bytes:
    """A PDF with one content stream per page, each item drawn in its own text object."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    pages_id = len(objects) + 2 * len(pages) + 1  # the Pages object comes after every page
    kids = []
    for items in pages:
        stream = b"".join(_draw(*item) for item in items)
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        page = add(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.0f %.0f] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (pages_id, width, height, content, font)
        )
        kids.append(page)
    assert (
        add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids)))
        == pages_id
    )
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    return serialise(objects, catalog)


def serialise(objects: list[bytes], root: int, header: bytes = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n") -> bytes:
    """Numbered objects (1, 2, …) as a PDF file: header, bodies, cross-reference table, trailer."""
    out = io.BytesIO()
    out.write(header)
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (i, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref))
    return out.getvalue()


def encrypt(data: bytes, user_password: str, owner_password: str = "owner") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password=owner_password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

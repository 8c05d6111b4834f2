"""Rendering, in one place: rows (dicts) as text, JSON, JSON lines, CSV, TSV or an aligned table.

Every command builds plain rows and hands them here, so a format behaves the same everywhere. Text is
for people (colour only on a terminal, and never with NO_COLOR); the other formats are for scripts.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import textwrap
from collections.abc import Callable, Iterable

FORMATS = ("text", "json", "jsonl", "csv", "tsv", "table")
MARK_RE = re.compile(r"<mark>(.*?)</mark>", re.S)


def use_colour(stream=None, mode: str = "auto") -> bool:
    """--color: `always`, `never`, or `auto` (a terminal, and no NO_COLOR)."""
    if mode in ("always", "never"):
        return mode == "always"
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def width() -> int:
    """Columns for text: the terminal's (or COLUMNS), 100 off a terminal; never under 40."""
    import shutil

    return max(40, shutil.get_terminal_size((100, 24)).columns)


def marks(text: str, colour: bool) -> str:
    """<mark>…</mark> to bold yellow on a terminal, to nothing elsewhere."""
    if colour:
        return MARK_RE.sub("\x1b[1;33m\\1\x1b[0m", text)
    return MARK_RE.sub(r"\1", text)


# C0 and C1 controls but tab and line feed: escape sequences (ESC, CSI), bells, carriage returns
# that overwrite a line, and lone surrogates that cannot be encoded.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def plain(s: str) -> str:
    """Text safe to print to a terminal: control characters (terminal escapes among them) become
    U+FFFD, visibly, so a title or a file name cannot move the cursor, recolour or retitle the
    terminal. Catalogues written before pincite cleaned text at entry may still hold them."""
    return _CONTROLS.sub("\ufffd", s) if isinstance(s, str) else s


def _plain_row(v):
    if isinstance(v, str):
        return plain(v)
    if isinstance(v, dict):
        return {k: _plain_row(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain_row(x) for x in v]
    return v


def _csv_value(v) -> str:
    if isinstance(v, (list, tuple)):
        v = ";".join(str(x) for x in v)
    elif isinstance(v, bool):
        return "true" if v else "false"
    s = "" if v is None else str(v)
    # OWASP's CSV-injection rule: a cell a spreadsheet would run as a formula starts with a quote
    if s[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.fullmatch(s):
        s = "'" + s
    return s


def render(
    rows: list[dict],
    fmt: str,
    text: Callable[[dict], str],
    columns: Iterable[str] | None = None,
    table: Iterable[str] | None = None,
) -> str:
    """Rows in a format. `columns` for CSV and TSV (default: the first row's keys), `table` for the
    table (default: `columns`)."""
    if fmt == "tsv":
        cols = list(columns or (rows[0].keys() if rows else []))
        lines = ["\t".join(cols)]
        lines += ["\t".join(_tsv_value(r.get(k)) for k in cols) for r in rows]
        return "\n".join(lines)
    if fmt == "table":
        return _table(rows, list(table or columns or (rows[0].keys() if rows else [])))
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2)
    if fmt == "jsonl":
        return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    if fmt == "csv":
        cols = list(columns or (rows[0].keys() if rows else []))
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: _csv_value(r.get(k)) for k in cols})
        return buf.getvalue().rstrip("\n")
    return "\n\n".join(text(_plain_row(r)) for r in rows)


def _tsv_value(v) -> str:
    """A TSV cell: tabs and line breaks, which TSV cannot hold, become spaces."""
    return re.sub(r"[\t\r\n]+", " ", _csv_value(v))


def _fit(widths: list[int], cols: list[str], room: int) -> None:
    """Narrow columns until a line fits `room`: first the last column (a title, a text) down to a
    third of the room, then the middle ones, then the last down to its header, then the first (which
    names the row), never below its header."""
    if not cols:
        return
    last = len(cols) - 1
    third = max(len(cols[-1]), room // 3)
    steps = [([last], third), (list(range(1, last)), 6), ([last], 0), ([0], 12)]
    for which, low in steps:
        while sum(widths) + 2 * last > room:
            cands = [i for i in which if widths[i] > max(low, len(cols[i]))]
            if not cands:
                break
            widths[max(cands, key=lambda i: widths[i])] -= 1


def _table(rows: list[dict], cols: list[str]) -> str:
    """Aligned columns with a header, each cell on one line; the last column is cut to fit the width."""
    cells = [[re.sub(r"\s+", " ", MARK_RE.sub(r"\1", _csv_value(r.get(k)))).strip() for k in cols] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
    _fit(widths, cols, width())

    def line(values: list[str]) -> str:
        out = []
        for i, v in enumerate(values):
            if len(v) > widths[i]:
                v = v[: widths[i] - 1] + "…"
            out.append(v if i == len(values) - 1 else v.ljust(widths[i]))
        return "  ".join(out).rstrip()

    return "\n".join([line(cols), line(["-" * w for w in widths])] + [line(r) for r in cells])


def _wrap(s: str, indent: str = "    ") -> str:
    return textwrap.fill(s, width=width(), initial_indent=indent, subsequent_indent=indent)


def _wrap_marked(s: str, colour: bool) -> str:
    """Wrap a snippet by the width of what is shown (not of its <mark> tags), then highlight."""
    marked = sorted(set(MARK_RE.findall(s)), key=len, reverse=True)
    out = _wrap(MARK_RE.sub(r"\1", s))
    if colour and marked:
        pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(m) for m in marked) + r")(?!\w)")
        out = pattern.sub("\x1b[1;33m\\1\x1b[0m", out)
    return out


def hit_text(colour: bool) -> Callable[[dict], str]:
    def fmt(r: dict) -> str:
        head = f"\x1b[1m{r['cite']}\x1b[0m" if colour else r["cite"]
        snippet = _wrap_marked(r["snippet"] or r["text"], colour)
        out = f"{head}\n{snippet}\n    — {where(r)}"
        if "also_lang" in r:  # search --also LANG: the hit's version in LANG
            v = r.get("also")
            if v:
                out += f"\n    [{r['also_lang']}] {v['cite']}\n" + _wrap(v["text"], "        ")
            elif r.get("lang") != r["also_lang"]:
                out += f"\n    [{r['also_lang']}] no version in the corpus"
        return out

    return fmt


def where(r: dict) -> str:
    """The file a unit comes from and the page(s) it sits on: what a person opens to check it."""
    return f"{r['source']}, {r['pages']}" if r.get("pages") else r["source"]


def json_object(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2)


def search_json(query: str, res, *, offset: int, limit: int, facets: bool, rows: list[dict] | None = None) -> str:
    """`search --format json` (and the web API's /api/search): the hits as a list, or with `facets`
    an object with the total, the facets and what relaxing did. `rows`: the hits as dumped, when the
    caller added to them (`--also LANG`)."""
    rows = [h.dump() for h in res.hits] if rows is None else rows
    if not facets:
        return json.dumps(rows, ensure_ascii=False, indent=2)  # a plain list: [] when nothing matches
    obj = {"query": query, "total": res.total, "offset": offset, "limit": limit, "hits": rows, "facets": res.facets}
    if res.relaxed:
        obj["relaxed"] = res.relaxed
    if res.suggestion:
        obj["suggestion"] = res.suggestion
    return json_object(obj)


def unit_text(r: dict) -> str:
    lines = []
    for c in r.get("before", []):
        lines += [f"  {c['cite']}", _wrap(c["text"], "      ")]
    lines += [r["cite"], _wrap(r["text"])]
    for n in r.get("footnotes", []):
        lines.append(_wrap(f"{n['ref']}  {n['text']}", "      "))
    if "footnotes" in r:  # the cited unit itself (not a context row): where to open it
        lines.append(f"    — {where(r)}")
    if len(r.get("versions", [])) > 1:
        lines.append("    versions: " + ", ".join(v["lang"] or "?" for v in r["versions"]))
    for c in r.get("after", []):
        lines += [f"  {c['cite']}", _wrap(c["text"], "      ")]
    return "\n".join(lines)


def check_text(r: dict) -> str:
    """A checked citation: `FILE:LINE: STATUS  CITE`, then what is wrong beside the quotation."""
    at = f"{r['file']}:{r['line']}" if r.get("where", "line") == "line" else f"{r['file']}: paragraph {r['line']}"
    sim = f" ({r['similarity']:.2f})" if r["status"] == "quote-differs" and r.get("similarity") is not None else ""
    head = f"{at}: {r['status']}{sim}  {r['cite'] or '(no citation)'}"
    lines = [head]
    if r["status"] == "ok":
        return head
    if r.get("message"):
        lines.append(f"    {r['message']}")
    if r.get("quote"):
        lines.append(_wrap(f"quoted: “{r['quote']}”", "    "))
    if r["status"] == "quote-differs" and r.get("unit"):
        text = " ".join(u["text"] for u in r.get("units") or [r["unit"]])
        lines.append(_wrap(f"{r['resolved']}: {text}", "    "))
    for c in r.get("candidates", []):
        lines.append(f"    could be: {c}")
    if r.get("suggest"):
        lines.append("    held by: " + "; ".join(r["suggest"]))
    elif r["status"] in ("quote-differs", "uncited") and r.get("quote"):
        lines.append("    held by: no unit of the corpus")
    return "\n".join(lines)


CHECK_COLUMNS = ["file", "line", "status", "cite", "resolved", "quote", "similarity", "suggest", "candidates",
                 "message"]  # fmt: skip


def doc_text(r: dict) -> str:
    what = " · ".join(x for x in (r["symbol"], r["doctype"], r["date"], r["lang"]) if x)
    counts = f"{plural(r['paragraphs'], 'paragraph')}, {plural(r['footnotes'], 'footnote')}"
    status = "" if r["status"] == "ok" else f"  [{r['status']}: {r['message']}]"
    return f"{r['doc']}  {what}{status}\n    {r['title'] or '(no title)'}\n    {counts} — {r['source']}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def flat_units(rows: list[dict]) -> list[dict]:
    """Rows from `show` with their context and notes as rows of their own, each with its `role`."""
    out = []
    for r in rows:
        out += [{**c, "role": "before"} for c in r.get("before", [])]
        out.append({**r, "role": "cited"})
        out += [{**n, "role": "note"} for n in r.get("footnotes", [])]
        out += [{**c, "role": "after"} for c in r.get("after", [])]
    return out


def facets_text(facets: dict, top: int = 10) -> str:
    """`type: report 3, letter 2` — one line per facet, its `top` largest values (JSON has them all)."""
    lines = []
    for name, counts in facets.items():
        items = [f"{k} {v}" for k, v in list(counts.items())[:top]]
        if len(counts) > top:
            items.append(f"… {len(counts) - top} more")
        lines.append(f"{name}: " + (", ".join(items) if items else "-"))
    return "\n".join(lines)


HIT_COLUMNS = ["cite", "doc", "seq", "symbol", "title", "date", "doctype", "lang", "part", "kind", "ref",
               "numbered", "score", "text", "notes", "source", "page", "last_page", "snippet"]  # fmt: skip
HIT_TABLE = ["cite", "pages", "score", "snippet"]
UNIT_TABLE = ["cite", "pages", "text"]
DOC_TABLE = ["doc", "symbol", "doctype", "date", "status", "paragraphs", "title"]
UNIT_COLUMNS = ["cite", "doc", "symbol", "title", "date", "doctype", "lang", "part", "kind", "ref",
                "numbered", "text", "notes", "headings", "source", "seq", "page", "last_page"]  # fmt: skip
DOC_COLUMNS = ["doc", "symbol", "title", "date", "doctype", "lang", "issuer", "source", "status",
               "message", "paragraphs", "footnotes", "headings", "fmt", "sources"]  # fmt: skip

"""A dump of what `parse_file` makes of every PDF in a folder, with each engine: the document's
meta and every unit's fields, one JSON line per document, in a fixed order. Two dumps compare with
`cmp` (or `diff`); `--blocks` dumps the reader's blocks instead: a change to the reader or the segmenter that is meant to be faster only must
leave it byte-identical.

    python bench/parse_dump.py /work/shared/corpus-real OUT.jsonl [--engine pdfium --engine pypdf] [--blocks]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from pathlib import Path

from pincite.errors import DocumentError
from pincite.ingest import readers
from pincite.ingest.pipeline import parse_file


def dump(folder: Path, engines: list[str], out, blocks: bool = False) -> int:
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".pdf" and p.is_file())
    for engine in engines:
        for f in files:
            rel = str(f.relative_to(folder))
            if blocks:  # the reader's output, before the segmenter: a stricter check of the reader
                try:
                    res = readers.read(f.read_bytes(), "pdf", rel, options={"engine": engine})
                    rec = {"file": rel, "engine": engine, "meta": res.meta}
                    rec["blocks"] = [dataclasses.asdict(b) for b in res.blocks]
                except DocumentError as e:
                    rec = {"file": rel, "engine": engine, "error": [e.status, str(e)]}
                out.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
                continue
            try:
                meta, units = parse_file(f, rel, "d", options={"engine": engine})
                rec = {"file": rel, "engine": engine, "meta": meta, "units": [u.dump() for u in units]}
            except DocumentError as e:
                rec = {"file": rel, "engine": engine, "error": [e.status, str(e)]}
            out.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
    return len(files)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--engine", action="append", choices=("pdfium", "pypdf"))
    ap.add_argument("--blocks", action="store_true", help="dump the reader's blocks instead of the units")
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    with args.out.open("w", encoding="utf-8") as out:
        n = dump(args.folder, args.engine or ["pdfium", "pypdf"], out, args.blocks)
    print(f"{n} PDFs → {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()

"""The baseline: plain Whoosh, default writer, no pincite.

    python bench/raw_whoosh.py index DIR paragraphs.jsonl     # one TEXT field, stemming analyser
    python bench/raw_whoosh.py query DIR WORD...              # AND query over pincite's text fields
"""

from __future__ import annotations

import json
import sys


def index(folder: str, jsonl: str) -> None:
    import os

    from whoosh import index as windex
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    os.makedirs(folder, exist_ok=True)
    schema = Schema(uid=ID(stored=True, unique=True), doc=ID(stored=True), text=TEXT(analyzer=StemmingAnalyzer(), stored=True))
    ix = windex.create_in(folder, schema)
    w = ix.writer()
    with open(jsonl, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            w.add_document(uid=r["uid"], doc=r["doc"], text=r["text"])
    w.commit()


def query(folder: str, words: list[str]) -> None:
    from whoosh import index as windex
    from whoosh import qparser

    ix = windex.open_dir(folder)
    fields = [f for f in ix.schema.names() if f.startswith("text")] + [
        f for f in ("title", "headings") if f in ix.schema
    ]
    q = qparser.MultifieldParser(fields, ix.schema, group=qparser.AndGroup).parse(" ".join(words))
    with ix.searcher() as s:
        for hit in s.search(q, limit=10):
            stored = hit.fields()  # pincite's index stores nothing; a raw index stores uid and text
            text = next((stored[f] for f in fields if f in stored), "")
            print(stored.get("uid", hit.docnum), round(hit.score, 4), text[:200].replace("\n", " "))


if __name__ == "__main__":
    cmd, folder, *rest = sys.argv[1:]
    index(folder, rest[0]) if cmd == "index" else query(folder, rest)

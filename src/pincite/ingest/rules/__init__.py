"""The rules of the document families, as data, in one place below the readers and the segmenter.

- `labels`: the grammar of printed paragraph labels (`8.`, `115.6`, `(a)`, `iv.`, `[3]`, `5., 6., 7.`)
  and of note labels (`1/`), one table, each rule with its own table test;
- `furniture`: page furniture (page numbers, job numbers, running heads, barcodes) and masthead lines;
- `notes`: endnotes under a heading of their own ("Notas:") and calls written `[1]`;
- `parts`: headings that open a part and restart the numbering (annex, appendix, enclosure,
  considerando, resuelve, decides, Article N, section N, a separate opinion).

Every reader and the segmenter ask these modules, so that "starts with a list label" or "is a page
number" means the same thing whatever the format. Symbols and dates stay in `ingest.metadata`.
"""

"""The library behind the CLI: one function per command, returning plain data.

A `Workspace` is a pincite home: the store, its index and the search over it. When the home holds no
documents, read commands answer from the sample corpus that ships inside the package (built once into
`<home>/samples`), and `Workspace.using_samples` says so, so that the CLI can tell the user.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pincite.corpus.model import FOOTNOTE, HEADING, OK, PARAGRAPH, STATUSES, Document, Unit
from pincite.corpus.store import Store, default_home
from pincite.errors import Ambiguous, BadQuery, NotFound, StoreError
from pincite.progress import QUIET, Progress
from pincite.search import citation

if TYPE_CHECKING:  # the ingestion pipeline loads parsers and language models, the search engine
    # Whoosh's query classes: each only where needed (an ingest never searches)
    from pincite.index.backend import SyncReport
    from pincite.ingest import pipeline
    from pincite.ingest.discover import FileSelection
    from pincite.search.engine import Results


def open_backend(store: Store):
    """The store's index backend (`pincite.index.backend.open_backend`). Imported when first asked
    for: the index loads Whoosh (~0.1 s), which an ingest needs only once its documents are parsed,
    and then loads while the parse workers work (`Workspace.ingest`), not before they start."""
    from pincite.index.backend import open_backend as backend_of

    return backend_of(store)


def _load_index() -> None:
    """Import the index (Whoosh), as `open_backend` will: done while the workers parse."""
    import pincite.index.backend  # noqa: F401


def _waiting(wait: float | None) -> dict:
    """`wait` for a backend's `sync`: its own default (`backend.LOCK_WAIT`) when None."""
    return {} if wait is None else {"wait": wait}


def samples_dir() -> Path:
    from importlib import resources  # here: only an empty home needs it (4 ms of start-up)

    return Path(str(resources.files("pincite") / "samples"))


@dataclass
class IngestReport:
    """What an ingest did. `results` says, for each file given or found, where its document stands
    now (so that running the same ingest again gives the same verdict): ok, failed (unreadable),
    needs-ocr or needs-password (kept, waiting); plus what folders left out and why."""

    added: list[pipeline.Outcome] = field(default_factory=list)
    parsed: list[pipeline.Outcome] = field(default_factory=list)
    index: SyncReport | None = None
    results: list[pipeline.Outcome] = field(default_factory=list)
    selection: FileSelection | None = None

    @property
    def failures(self) -> list[pipeline.Outcome]:
        return [o for o in self.results if o.failed]

    @property
    def waiting(self) -> list[pipeline.Outcome]:
        return [o for o in self.results if o.waiting]

    @property
    def removed(self) -> list[pipeline.Outcome]:
        """Files of a folder left out because their document was removed."""
        return [o for o in self.added if o.change == "removed"]


class Workspace:
    def __init__(self, home: Path | str | None = None, *, database: str | None = None) -> None:
        self.home = Path(home) if home else default_home()
        self.store = Store(self.home)
        # a PostgreSQL database shared by many homes (pincite.index.postgres), or "" for the embedded index
        self.store.database = database if database is not None else os.environ.get("PINCITE_DATABASE", "")
        self.using_samples = False
        self._opened: list[Store] = []  # the samples' catalogue, when `reader` built it

    def close(self) -> None:
        """Close the catalogues this workspace opened (SQLite copies its write-ahead log into the
        catalogue as the last connection closes). The CLI calls it at the end of every command
        (`pincite.cli._ws`): its process then ends without tearing its objects down one by one
        (`pincite.cli.main`). A shared database's connections are the process's, closed as it
        exits (`pincite.index.postgres`)."""
        for store in [*self._opened, self.store]:
            store.close()
        self._opened.clear()

    # -- writing ----------------------------------------------------------------------------------
    def ingest(
        self,
        paths: Iterable[Path],
        *,
        jobs: int | None = None,
        selection: FileSelection | None = None,
        progress: Progress = QUIET,
        options: dict | None = None,
        dask: str | None = None,
    ) -> IngestReport:
        """Add files and folders, parse what is new or changed, and bring the index up to date.
        `options` go to the readers (`readers.read`: the PDF engine, OCR); `dask`: a Dask scheduler's
        address to parse on (pincite.ingest.cluster), one task per document."""
        from pincite.ingest import pipeline
        from pincite.ingest.discover import FileSelection

        self.store.require_writable()
        report = IngestReport(selection=selection if selection is not None else FileSelection())
        # the parse workers start now and get ready while the files are added (not with Dask)
        with pipeline.Workers(jobs) if not dask else nullcontext() as workers:
            with progress.stage("files") as st:

                def give(doc_id: str, sha: str, ext: str, location: str) -> None:
                    workers.give(self.store, doc_id, sha, ext, location, options)

                report.added = pipeline.add_paths(
                    self.store,
                    paths,
                    report.selection,
                    progress=lambda o: st.tick(o.location),
                    new=give if workers is not None else None,
                )
                left = len(report.selection.skipped) + len(report.selection.excluded) + len(report.removed)
                st.detail = f" ({left} left out)" if left else ""
            kept: dict = {}  # the units just parsed, written into the index without reading them back
            report.parsed = self._parse(jobs, progress, options, dask, workers, kept)
            # the workers' ends are waited for after the index is written, not before
            with progress.stage("index", unit="document", line=False):
                report.index = open_backend(self.store).sync(parsed=kept)
        parsed = {o.doc: o for o in report.parsed}
        docs = {d.id: d for d in self.store.documents()}  # one read, not one per file
        for o in report.added:
            if not o.doc:
                if o.change != "removed":
                    report.results.append(o)
                continue
            doc = docs.get(o.doc)
            now = replace(o, status=doc.status, message=doc.message) if doc is not None else parsed.get(o.doc)
            report.results.append(now or o)
        return report

    def _parse(
        self,
        jobs: int | None,
        progress: Progress,
        options: dict | None = None,
        dask: str | None = None,
        workers: pipeline.Workers | None = None,
        keep: dict | None = None,
    ) -> list[pipeline.Outcome]:
        from pincite.ingest import pipeline

        todo = len(pipeline.pending(self.store, options))
        if not todo:
            return []
        with progress.stage("parse", total=todo, unit="document") as st:
            if dask:
                from pincite.ingest.cluster import parse_on_dask

                out = parse_on_dask(self.store, dask, progress=lambda o: st.tick(o.location), options=options)
            else:
                out = pipeline.parse_pending(
                    self.store,
                    jobs=jobs,
                    progress=lambda o: st.tick(o.location),
                    options=options,
                    workers=workers,
                    meanwhile=_load_index,
                    keep=keep,
                )
            waiting = sum(1 for o in out if o.waiting)
            failed = sum(1 for o in out if o.failed)
            bits = [f"{waiting} waiting for OCR or a password" if waiting else "", f"{failed} failed" if failed else ""]
            st.detail = f" ({', '.join(b for b in bits if b)})" if any(bits) else ""
        return out

    def reindex(
        self, *, rebuild: bool = False, jobs: int | None = None, wait: float | None = None, progress: Progress = QUIET
    ) -> tuple[list[pipeline.Outcome], SyncReport]:
        self.store.require_writable()
        parsed = self._parse(jobs, progress)
        try:
            with progress.stage("index", unit="document", line=False):
                return parsed, open_backend(self.store).sync(rebuild=rebuild, **_waiting(wait))
        except StoreError:  # damaged unit text (read here or in a writer process)? parse it again
            from pincite.ingest import pipeline

            bad = self.store.damaged_units()
            if not bad:
                raise
            self.store.mark_damaged(bad)
            parsed += pipeline.parse_pending(self.store, jobs=jobs, only=bad)
            report = open_backend(self.store).sync(rebuild=rebuild, **_waiting(wait))
            report.recovered.append(f"damaged text of {', '.join(bad)} in the catalogue: parsed again")
            return parsed, report

    def remove(self, doc_ids: Iterable[str], *, wait: float | None = None) -> tuple[list[str], SyncReport]:
        """Take documents out of the catalogue, the index and raw/ (bytes no other document has).
        Unknown ids remove nothing. A removed file stays out of later ingests of its folder until it
        is ingested by name again."""
        self.store.require_writable()
        ids = list(dict.fromkeys(doc_ids))
        unknown = [d for d in ids if self.store.document(d) is None]
        if unknown:
            names = ", ".join(repr(d) for d in unknown)
            raise NotFound(f"no document with id {names} (see `pincite docs`); nothing removed")
        for d in ids:
            self.store.remove(d)
        return ids, open_backend(self.store).sync(**_waiting(wait))

    def status(self, *, verify: bool = False) -> dict:
        """Documents by status, units, and the index compared with the catalogue."""
        st = open_backend(self.store).status(verify=verify)
        by_status = {s: 0 for s in STATUSES}
        by_status.update(self.store.status_counts())
        from pincite.ingest import pipeline

        awaiting = len(pipeline.pending(self.store))
        return {
            "home": str(self.home),
            "documents": sum(by_status.values()),
            "by_status": by_status,
            "awaiting_parse": awaiting,
            "units": self.store.unit_total(),
            "index": st.dump(),
            "healthy": st.healthy and not awaiting,
        }

    # -- reading ----------------------------------------------------------------------------------
    def reader(self) -> Store:
        """The store read commands use: the home's (or the shared database's catalogue), or the
        bundled samples when it is empty."""
        if self.store.database:
            shared = open_backend(self.store).catalogue()
            if not (shared.is_empty() and self.store.is_empty()):
                return shared
        elif not self.store.is_empty():
            return self.store
        self.using_samples = True
        from pincite.ingest import pipeline

        store = Store(self.home / "samples")
        self._opened.append(store)
        pipeline.add_paths(store, [samples_dir()])
        pipeline.parse_pending(store, isolate=False)
        open_backend(store).sync()
        return store

    def search(self, query: str, **kw) -> Results:
        from pincite.search.engine import search

        return search(self.reader(), query, **kw)

    def _resolve(self, store: Store, cite_text: str, lang: str | None = None) -> Unit:
        """The one unit a citation names; NotFound, or Ambiguous with the candidates listed."""
        res = citation.resolve(store, cite_text, lang=lang)
        if not res.units:
            hint = "copy one from `pincite search`"
            if res.languages:
                hint = f"it exists in {', '.join(res.languages)}, not in {lang!r}"
            raise NotFound(f"no paragraph matches the citation {cite_text!r} ({hint})")
        if len(res.units) == 1:
            return res.units[0]
        docs = {u.doc: store.document(u.doc) for u in res.units}
        langs = {d.lang for d in docs.values() if d}
        lines = []
        for u in res.units:
            d = docs[u.doc]
            assert d is not None
            where = f"  [{d.lang}]" if len(langs) > 1 else ""
            lines.append(f"{citation.cite(d, u)}{where}  ({u.uid}{', ' + u.pages if u.pages else ''})")
        how = "give --lang" if len(langs) > 1 and not lang else "use one of these citations"
        raise Ambiguous(
            f"the citation {cite_text!r} fits {len(res.units)} units ({how}):\n  " + "\n  ".join(lines),
            lines,
        )

    def _aligner(self, store: Store):
        from pincite.search.align import Aligner

        if getattr(self, "_aligned", None) is None or self._aligned.store is not store:
            self._aligned = Aligner(store)
        return self._aligned

    def _version(self, store: Store, cite_text: str, lang: str) -> Unit:
        """The version in `lang` of the unit a citation names (search.align): the citation read in
        every language version of its document, each unit it names followed to its aligned unit in
        `lang`. Those must agree on one unit."""
        res = citation.resolve(store, cite_text)
        if not res.units:
            return self._resolve(store, cite_text, lang)  # says what there is
        aligner = self._aligner(store)
        targets: dict[str, tuple[Unit, Unit]] = {}
        for u in res.units:
            t = aligner.version(u, lang)
            if t is not None:
                targets.setdefault(t.uid, (t, u))
        if len(targets) == 1:
            return next(iter(targets.values()))[0]
        if not targets:
            langs = sorted({d.lang for u in res.units if (d := store.document(u.doc)) and d.lang})
            raise NotFound(
                f"the citation {cite_text!r} has no version in {lang!r} (it exists in {', '.join(langs) or '?'})"
            )
        lines = []
        for t, u in targets.values():
            d, dt = store.document(u.doc), store.document(t.doc)
            assert d is not None and dt is not None
            lines.append(f"{citation.cite(d, u)} [{d.lang}] → {citation.cite(dt, t)} ({t.uid})")
        raise Ambiguous(
            f"the citation {cite_text!r} names different paragraphs in different languages; give DOC#SEQ:\n  "
            + "\n  ".join(lines),
            lines,
        )

    def also(self, rows: list[dict], lang: str) -> list[dict]:
        """`search --also LANG`: each hit with its version in `lang` (`also`: a unit record, or None)."""
        store = self.reader()
        aligner = self._aligner(store)
        out = []
        for r in rows:
            u = store.unit(r["doc"], r["seq"])
            v = aligner.version(u, lang) if u is not None else None
            d = store.document(v.doc) if v is not None else None
            out.append({**r, "also": citation.unit_record(d, v) if v is not None and d is not None and v is not u
                        else None, "also_lang": lang})  # fmt: skip
        return out

    def show(self, cite_text: str, *, context: int = 0, lang: str | None = None) -> list[dict]:
        """The unit a citation names, with the footnotes it calls, the languages it exists in
        (`versions`) and, with `context`, the units around it in the same part of its document
        (footnotes are not context). With `lang`, its version in that language (search.align)."""
        if context < 0:
            raise BadQuery("--context must be zero or more")
        store = self.reader()
        u = self._version(store, cite_text, lang) if lang else self._resolve(store, cite_text)
        row = self.unit_row(store, u, with_notes=True)
        row["versions"] = [
            {"lang": d.lang, "cite": citation.cite(d, v), "doc": d.id, "seq": v.seq}
            for d, v in self._aligner(store).all_versions(u)
        ]
        if context:
            around = [n for n in store.units(u.doc) if n.part == u.part and n.kind != FOOTNOTE]
            i = next(i for i, n in enumerate(around) if n.seq == u.seq) if u.kind != FOOTNOTE else None
            if i is None:
                before, after = [], []
            else:
                before, after = around[max(0, i - context) : i], around[i + 1 : i + 1 + context]
            row["before"] = [self.unit_row(store, n) for n in before]
            row["after"] = [self.unit_row(store, n) for n in after]
        return [row]

    def cite(self, cite_text: str, *, style: str = "un", lang: str | None = None) -> list[dict]:
        """The unit a citation names, cited in `style` (un, bluebook, plain)."""
        if style not in citation.STYLES:
            raise BadQuery(f"--style takes one of {', '.join(citation.STYLES)}, not {style!r}")
        store = self.reader()
        u = self._resolve(store, cite_text, lang)
        doc = store.document(u.doc)
        assert doc is not None
        return [{"cite": citation.cite(doc, u, style), "style": style, "doc": doc.id, "seq": u.seq}]

    def check(self, paths: list[Path], *, lang: str | None = None, find_sources: bool = False) -> list[dict]:
        """`check`: every citation of the drafts (and, with `find_sources`, every uncited quotation),
        checked against the corpus (see `pincite.search.check`)."""
        from pincite.search import check

        return [f.dump() for f in check.check_files(self.reader(), list(paths), lang=lang, find_sources=find_sources)]

    def docs(self) -> list[dict]:
        store = self.reader()
        counts = store.counts()
        rows = []
        for d in store.documents():
            c = counts.get(d.id, {})
            row = doc_row(d)
            row.update(
                paragraphs=c.get(PARAGRAPH, 0), footnotes=c.get(FOOTNOTE, 0), headings=c.get(HEADING, 0)
            )
            rows.append(row)
        return rows

    def export(self, doc_id: str | None = None) -> Iterable[dict]:
        store = self.reader()
        if doc_id is not None and store.document(doc_id) is None:
            raise NotFound(f"no document with id {doc_id!r} (see `pincite docs`)")
        docs = {d.id: d for d in store.documents(status=OK)}
        for u in store.units(doc_id):
            if u.doc in docs:
                yield citation.unit_record(docs[u.doc], u)

    def matching_documents(self, doc_hits: dict[str, int]) -> list[dict]:
        """`search -l`: the documents of a search's `doc` facet (most hits first), with their files."""
        store = self.reader()
        rows = []
        for doc_id, n in doc_hits.items():
            d = store.document(doc_id)
            if d is not None:
                rows.append({"doc": d.id, "hits": n, "source": d.source, "symbol": d.symbol, "title": d.title})
        return rows

    def locate(self, cite_text: str, lang: str | None = None) -> dict:
        """`open`: the file (or URL) a citation's unit comes from, and its page. The file as ingested
        if it is still there, else the home's own copy."""
        store = self.reader()
        u = self._resolve(store, cite_text, lang)
        doc = store.document(u.doc)
        assert doc is not None
        path = doc.source
        if "://" not in path and not Path(path).is_file():
            copies = sorted(store.raw_path(doc.sha256).parent.glob(doc.sha256 + "*"))
            if copies:
                path = str(copies[0])
        return {"doc": doc.id, "cite": citation.cite(doc, u), "path": path, "page": u.page}

    def unit_row(self, store: Store, u: Unit, *, with_notes: bool = False) -> dict:
        doc = store.document(u.doc)
        assert doc is not None
        row = citation.unit_record(doc, u)
        if with_notes:
            row["footnotes"] = [citation.unit_record(doc, n) for n in footnotes_of(store, u)]
        return row


def footnotes_of(store: Store, unit: Unit) -> list[Unit]:
    """The notes a unit calls: same document, same part, the nearest body with that label."""
    if not unit.notes:
        return []
    units = list(store.units(unit.doc))
    out = []
    for label in unit.notes:
        cands = [n for n in units if n.kind == FOOTNOTE and n.ref == label]
        if not cands:
            continue
        same_part = [n for n in cands if n.part == unit.part] or cands
        after = [n for n in same_part if n.seq > unit.seq]
        out.append(after[0] if after else same_part[-1])
    return out


def doc_row(d: Document) -> dict:
    return {
        "doc": d.id,
        "symbol": d.symbol,
        "title": d.title,
        "date": d.date,
        "doctype": d.doctype,
        "lang": d.lang,
        "issuer": d.issuer,
        "source": d.source,
        "sources": list(d.sources),
        "status": d.status,
        "message": d.message,
        "fmt": d.fmt,
    }

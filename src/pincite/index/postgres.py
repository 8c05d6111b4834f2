"""The PostgreSQL backend: the catalogue, the units, the raw files and the full-text index in one
database that many homes on many machines share (one ingests, all search).

Chosen when `PINCITE_DATABASE` (a libpq connection string or URL) is set, or `database = …` in the
config (`pincite --database`). The home stays where parsing happens (its SQLite catalogue stages what
an ingest parses); `sync` publishes the home's documents into the database, and every read command
(search, show, cite, docs, export, open) reads the database, so a document ingested from one home is
found from every other home on the same database.

The index is an inverted index in tables, with the terms pincite's own analysers make (the same
stems, accent folding, elision and plural rules as the embedded index, so that the query language,
prefix/fuzzy expansion and citations behave the same):

    pincite_postings(field, term, unit, weight, length, value)   one row per term per unit
    pincite_terms(field, term, df, maxweight, minlength)          term statistics for BM25F
    pincite_field_lengths(field, total)                           field totals (average lengths)
    pincite_units(id, doc, seq, lang, doctype, year, data)        id is the docnum search sees
    pincite_documents(id, version, origin, data)                  the catalogue, per origin home
    pincite_raw(sha256, name, data)                               the raw files
    pincite_words(word, units)                                    words as written (prefix*, fuzzy~)

Search reads it through `PgReader`, an implementation of Whoosh's `IndexReader` over these tables:
posting lists come from the primary key's B-tree (field, term, unit) in docnum order, term
statistics from `pincite_terms`, so Whoosh's searcher runs pincite's BM25F, natural-query relaxation,
phrases, filters and facets unchanged over the database. A reader holds one REPEATABLE READ
snapshot: a search never sees half of a sync.

Writers: one transaction per sync under a transaction-scoped advisory lock (two ingests from two
machines queue, the second waits at most `wait` seconds, then says the index is busy); a crash in
the middle rolls the whole sync back. The schema is versioned (`pincite_meta.schema`) and migrated
in order under its own advisory lock.
"""

from __future__ import annotations

import atexit
import json
import os
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import numpy as np
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.reading import IndexReader, TermInfo, TermNotFound
from whoosh.util.numeric import byte_to_length, length_to_byte

from pincite.corpus.model import FOOTNOTE, Document, Unit
from pincite.corpus.store import Store
from pincite.errors import IndexBusy, StoreError
from pincite.index.analysis import TEXT_FIELDS
from pincite.index.backend import LOCK_WAIT, IndexStatus, SearchView, SyncReport
from pincite.index.generations import INDEX_FORMAT
from pincite.index.pgblocks import I4, MERGE_AT, Block, Kept, TopBuckets
from pincite.index.schema import build_schema
from pincite.index.vocabulary import Vocabulary, words_of

SCHEMA_VERSION = 2
LOCK_KEY = 0x70696E63  # the writers' advisory lock ("pinc")
MIGRATE_KEY = LOCK_KEY + 1
# Every indexed field, by number (the number is what the tables hold; never reorder, only append).
FIELDS = (*TEXT_FIELDS, "title", "headings", "doc", "docver", "kind", "partkey", "symbol", "doctype", "lang", "year")
FIELD_ID = {f: i for i, f in enumerate(FIELDS)}
SCORED = (*TEXT_FIELDS, "title", "headings")
COLUMNS = ("doc", "seq", "lang", "doctype", "year")
BATCH_ROWS = 200_000  # unit rows fetched at most at once for the columns of matched units
COPY_POSTINGS = 4_000_000  # postings gathered in memory before they are written as blocks
COPY_UNITS = 20_000  # unit rows buffered before they are copied into the database
BLOCK_TYPES = ["int2", "bytea", "int8", "int2", "int4", "bytea", "bytea", "bytea", "bytea", "bytea"]
COPY_BLOCKS = "COPY pincite_blocks (field, term, seg, shard, n, ids, weights, codes, starts, vals) FROM STDIN (FORMAT BINARY)"
COPY_UNITS_SQL = "COPY pincite_units (id, doc, seq, lang, doctype, year, lengths, data, shard) FROM STDIN"


def shard_of(doc_id: str, shards: int) -> int:
    """The shard a document's units and postings live on (pincite.index.pgshards): by its id."""
    return zlib.crc32(doc_id.encode("utf-8")) % shards if shards > 1 else 0


def by_field(keys) -> tuple[str, list]:
    """A WHERE clause matching exactly these (field number, term) pairs, one `term = ANY` per field
    (the form an index scan, and postgres_fdw on a sharded database, take), and its parameters."""
    per: dict[int, list[bytes]] = {}
    for f, t in keys:
        per.setdefault(f, []).append(t)
    per = dict(sorted(per.items()))
    sql = " OR ".join("(field = %s AND term = ANY(%s))" for _ in per)
    return f"({sql})", [x for f, ts in sorted(per.items()) for x in (f, ts)]

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE pincite_documents (
            id text PRIMARY KEY, version text NOT NULL, origin text NOT NULL, data jsonb NOT NULL);
        CREATE TABLE pincite_raw (sha256 text PRIMARY KEY, name text NOT NULL, data bytea NOT NULL);
        CREATE TABLE pincite_units (
            id bigint PRIMARY KEY,
            doc text NOT NULL REFERENCES pincite_documents(id) ON DELETE CASCADE,
            seq int NOT NULL, lang text NOT NULL, doctype text NOT NULL, year int NOT NULL,
            lengths int[] NOT NULL, data jsonb NOT NULL, UNIQUE (doc, seq));
        CREATE TABLE pincite_postings (
            field smallint NOT NULL, term bytea NOT NULL, unit bigint NOT NULL,
            weight real NOT NULL, length smallint NOT NULL, value bytea,
            PRIMARY KEY (field, term, unit));
        CREATE INDEX pincite_postings_unit ON pincite_postings (unit);
        CREATE TABLE pincite_terms (
            field smallint NOT NULL, term bytea NOT NULL, df int NOT NULL, maxweight real NOT NULL,
            minlength int NOT NULL, PRIMARY KEY (field, term));
        CREATE TABLE pincite_field_lengths (field smallint PRIMARY KEY, total bigint NOT NULL);
        CREATE TABLE pincite_words (word text PRIMARY KEY, units bigint NOT NULL);
        INSERT INTO pincite_meta (key, value) VALUES ('generation', '0');
        """,
    ),
    (
        2,
        # a posting list per term and write, as arrays (pincite.index.pgblocks), instead of a row per
        # posting: a query reads a term with one row instead of thousands
        """
        CREATE TABLE pincite_blocks (
            field smallint NOT NULL, term bytea NOT NULL, seg bigint NOT NULL, shard smallint NOT NULL DEFAULT 0,
            n int NOT NULL, ids bytea NOT NULL, weights bytea NOT NULL, codes bytea NOT NULL, starts bytea,
            vals bytea, PRIMARY KEY (field, term, seg, shard));
        ALTER TABLE pincite_units ADD COLUMN shard smallint NOT NULL DEFAULT 0;
        ALTER TABLE pincite_blocks ALTER ids SET STORAGE EXTERNAL, ALTER weights SET STORAGE EXTERNAL,
            ALTER codes SET STORAGE EXTERNAL, ALTER starts SET STORAGE EXTERNAL, ALTER vals SET STORAGE EXTERNAL;
        INSERT INTO pincite_blocks (field, term, seg, n, ids, weights, codes, starts, vals)
        SELECT field, term, 0, count(*),
               string_agg(int4send(unit::int), ''::bytea ORDER BY unit),
               string_agg(float4send(weight), ''::bytea ORDER BY unit),
               string_agg(substring(int2send(length) FROM 2 FOR 1), ''::bytea ORDER BY unit),
               CASE WHEN bool_or(value IS NOT NULL) THEN string_agg(int4send(off::int), ''::bytea ORDER BY unit) END,
               CASE WHEN bool_or(value IS NOT NULL) THEN string_agg(coalesce(value, ''::bytea), ''::bytea ORDER BY unit) END
        FROM (SELECT field, term, unit, weight, length, value,
                     coalesce(sum(octet_length(value)) OVER (PARTITION BY field, term ORDER BY unit
                              ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS off
              FROM pincite_postings) p
        GROUP BY field, term;
        DROP TABLE pincite_postings;
        INSERT INTO pincite_meta (key, value) VALUES ('next_seg', '1') ON CONFLICT DO NOTHING;
        """,
    ),
]


def _psycopg():
    try:
        import psycopg
    except ImportError:
        raise StoreError(
            "a database is configured (PINCITE_DATABASE or `database` in the config) but the PostgreSQL "
            "driver is not installed: pip install 'pincite[postgres]'"
        ) from None
    return psycopg


def _redact(url: str) -> str:
    """The connection string without its password, for messages."""
    import re

    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", re.sub(r"password=\S+", "password=***", url))


def connect(url: str, **kw):
    psycopg = _psycopg()
    try:
        return psycopg.connect(url, **kw)
    except psycopg.Error as e:
        why = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise StoreError(f"cannot connect to the database {_redact(url)}: {why}") from None


def migrate(conn) -> int:
    """Bring the database's schema to SCHEMA_VERSION, one migration at a time, under an advisory lock
    (two processes starting at once migrate once). Returns the version found before."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_KEY,))
        conn.execute("CREATE TABLE IF NOT EXISTS pincite_meta (key text PRIMARY KEY, value text NOT NULL)")
        row = conn.execute("SELECT value FROM pincite_meta WHERE key = 'schema'").fetchone()
        found = int(row[0]) if row else 0
        if found > SCHEMA_VERSION:
            raise StoreError(
                f"the database was set up by a newer pincite (schema {found}; this one knows {SCHEMA_VERSION}); "
                "upgrade pincite"
            )
        for version, sql in MIGRATIONS:
            if version > found:
                conn.execute(sql)
        if found < SCHEMA_VERSION:
            conn.execute(
                "INSERT INTO pincite_meta (key, value) VALUES ('schema', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                (str(SCHEMA_VERSION),),
            )
    return found


def analysis_of(conn) -> int | None:
    """The index format whose analysers made the database's terms (`pincite_meta.analysis`; a
    database written before the key was kept holds format 4's), None for one that holds no units."""
    row = conn.execute("SELECT value FROM pincite_meta WHERE key = 'analysis'").fetchone()
    if row:
        return int(row[0])
    return 4 if conn.execute("SELECT 1 FROM pincite_units LIMIT 1").fetchone() else None


def _analysis_message(url: str, found: int) -> str:
    return (
        f"the database {_redact(url)} holds words analysed by another version of pincite (index format "
        f"{found}; this one is {INDEX_FORMAT}): its stems would not match this version's queries"
    )


_MIGRATED: set[str] = set()


def _ready(url: str, conn) -> None:
    if url not in _MIGRATED:
        migrate(conn)
        _MIGRATED.add(url)


def origin_of(store: Store) -> str:
    """This home's identity in a shared database (a random id kept in the home): a sync adds,
    replaces and removes documents as this home has them, and never removes another home's."""
    path = store.home / "database-origin"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    oid = uuid.uuid4().hex
    tmp = path.with_suffix(".tmp")
    tmp.write_text(oid + "\n")
    os.replace(tmp, path)
    return oid


def _doc_json(doc: Document) -> str:
    return json.dumps(asdict(doc))


def _doc_from(data: dict) -> Document:
    data = dict(data)
    data["sources"] = tuple(data.get("sources") or ())
    return Document(**data)


def _unit_from(data: dict) -> Unit:
    data = dict(data)
    data["headings"] = tuple(data.get("headings") or ())
    data["notes"] = tuple(data.get("notes") or ())
    return Unit(**data)


# -- writing ------------------------------------------------------------------------------------------
class PostgresBackend:
    """The index (and the catalogue) in PostgreSQL."""

    name = "postgres"

    def __init__(self, store: Store, url: str) -> None:
        self.store = store
        self.url = url

    def _connect(self):
        conn = connect(self.url)
        _ready(self.url, conn)
        return conn

    @staticmethod
    def _lock(conn, wait: float) -> None:
        deadline = time.monotonic() + wait
        while not conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
            if time.monotonic() >= deadline:
                raise IndexBusy(
                    f"the index is busy: another pincite process is writing the database (waited {wait:g} s); "
                    "try again"
                )
            time.sleep(0.05)

    def rebuild(self, progress=None, *, wait: float = LOCK_WAIT) -> SyncReport:
        return self.sync(rebuild=True, wait=wait)

    def sync(self, *, rebuild: bool = False, wait: float = LOCK_WAIT, parsed: dict | None = None) -> SyncReport:
        """Publish the home's documents: add new, replace changed, drop the ones this home removed.
        One transaction: readers see all of it or none of it. (`parsed` is not used: the units are
        read back from the store.)"""
        t0 = time.perf_counter()
        report = SyncReport()
        origin = origin_of(self.store) if not self.store.read_only else ""
        wanted = self.store.versions()
        conn = self._connect()
        psycopg = _psycopg()
        try:
            with conn.transaction():
                self._lock(conn, wait)
                have = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT id, version, origin FROM pincite_documents")}
                stale = self._other_analysis(conn, have, origin, rebuild)
                if stale:
                    have = {}  # the old words went whole: every document of this home is written again
                # ids are given per home: another home's document under the same id with other bytes is
                # another document, never replaced from here (the same bytes are the same document)
                taken = sorted(
                    d for d in wanted
                    if d in have and have[d][1] != origin and have[d][0].split(":")[0] != wanted[d].split(":")[0]
                )  # fmt: skip
                if taken:
                    report.conflicts = [
                        f"{d}: another home's different document has this id in the database; not published "
                        "(rename the file or give it a sidecar id)"
                        for d in taken
                    ]
                    wanted = {d: v for d, v in wanted.items() if d not in taken}
                if rebuild:
                    report.rebuilt = True
                    drop = sorted(d for d, (_, o) in have.items() if o == origin or d in wanted)
                    report.added = sorted(wanted)
                    report.removed = sorted(d for d in drop if d not in wanted)
                else:
                    report.added = sorted(d for d in wanted if d not in have)
                    report.replaced = sorted(d for d in wanted if d in have and have[d][0] != wanted[d])
                    report.removed = sorted(d for d, (_, o) in have.items() if o == origin and d not in wanted)
                    drop = report.replaced + report.removed
                if stale:
                    report.removed = sorted(d for d in stale if d not in wanted)
                report.unchanged = len(wanted) - len(report.added) - len(report.replaced)
                if not report.changed:
                    report.generation = self._generation(conn)
                    report.seconds = time.perf_counter() - t0
                    return report
                copied = self._from_whoosh(conn, wanted, origin) if not have else None
                if copied is not None:
                    report.units = copied
                else:
                    touched = self._delete(conn, drop)
                    todo = report.added + report.replaced
                    report.units = self._add(conn, todo, wanted, origin, touched)
                    self._restat(conn, touched)
                # what every reader asks first, kept beside the generation (a count of 10^6 rows is slow)
                units, limit = conn.execute("SELECT count(*), coalesce(max(id) + 1, 0) FROM pincite_units").fetchone()
                conn.execute(
                    "INSERT INTO pincite_meta (key, value) VALUES ('units', %s), ('limit', %s), ('analysis', %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    (str(units), str(limit), str(INDEX_FORMAT)),
                )
                gen = conn.execute(
                    "UPDATE pincite_meta SET value = (value::bigint + 1)::text WHERE key = 'generation' RETURNING value"
                ).fetchone()[0]
                report.generation = f"pg-{int(gen):06d}"
        except psycopg.Error as e:
            raise StoreError(f"could not write the database {_redact(self.url)}: {e}; nothing was changed") from e
        finally:
            conn.close()
        report.seconds = time.perf_counter() - t0
        return report

    def _other_analysis(self, conn, have: dict, origin: str, rebuild: bool) -> dict:
        """When the database's words were analysed by another index format: a rebuild from the one
        home that published them all empties the index (and returns what it held); anything else
        is refused, as a search or an update would miss the words stemmed the other way."""
        found = analysis_of(conn)
        if found in (None, INDEX_FORMAT):
            return {}
        others = {o for _, o in have.values() if o != origin}
        if not rebuild or others:
            how = (
                f"it holds the documents of {len(others)} other home(s): publish every home into a new, empty "
                "database (`pincite --database NEW index`)"
                if others
                else "rebuild it from this home: `pincite index --rebuild`"
            )
            raise StoreError(f"{_analysis_message(self.url, found)}; {how}")
        # DELETE, not TRUNCATE: TRUNCATE waits for every reader's snapshot to end (a process keeps its
        # reading connection open); rows deleted stay visible to those snapshots until they end
        for table in ("pincite_blocks", "pincite_terms", "pincite_words", "pincite_field_lengths", "pincite_units",
                      "pincite_documents"):  # fmt: skip
            conn.execute(f"DELETE FROM {table}")
        return have

    @staticmethod
    def _generation(conn) -> str:
        row = conn.execute("SELECT value FROM pincite_meta WHERE key = 'generation'").fetchone()
        return f"pg-{int(row[0]):06d}" if row else ""

    def _delete(self, conn, doc_ids: list[str]) -> set[tuple[int, bytes]]:
        """Remove these documents with their units; take the units out of the blocks of the terms they
        held (found by analysing the units again, from the database's copy) and restate those terms."""
        from pincite.index.manager import unit_fields

        touched: set[tuple[int, bytes]] = set()
        if not doc_ids:
            return touched
        rows = conn.execute(
            "SELECT u.id, u.lengths, u.data, d.data, d.version FROM pincite_units u "
            "JOIN pincite_documents d ON d.id = u.doc WHERE u.doc = ANY(%s)",
            (doc_ids,),
        ).fetchall()
        schema = build_schema()
        sums = [0] * len(SCORED)
        docs: dict[str, Document] = {}
        for _uid, lengths, udata, ddata, version in rows:
            unit = _unit_from(udata)
            doc = docs.get(unit.doc) or docs.setdefault(unit.doc, _doc_from(ddata))
            for name, value in unit_fields(doc, unit, version).items():
                fid = FIELD_ID.get(name)
                if fid is None or value is None:  # "" too: an index copied from Whoosh holds b"" of empty ids
                    continue
                for tb, *_ in schema[name].index(value):
                    touched.add((fid, tb))
            for i, n in enumerate(lengths[: len(SCORED)]):
                sums[i] += n
        conn.execute("DELETE FROM pincite_units WHERE doc = ANY(%s)", (doc_ids,))  # no cascade across shards
        conn.execute("DELETE FROM pincite_documents WHERE id = ANY(%s)", (doc_ids,))
        if rows:
            gone = np.array(sorted(r[0] for r in rows), dtype=np.int64)
            self._rewrite(conn, touched, gone)
            self._add_totals(conn, [-x for x in sums])
        return touched

    @staticmethod
    def _terms_table(conn, terms) -> None:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS pincite_touched (field smallint, term bytea) ON COMMIT DROP")
        conn.execute("DELETE FROM pincite_touched")
        with conn.cursor() as cur:
            with cur.copy("COPY pincite_touched (field, term) FROM STDIN (FORMAT BINARY)") as cp:
                cp.set_types(["int2", "bytea"])
                for f, t in terms:
                    cp.write_row((f, t))
            cur.execute("ANALYZE pincite_touched")

    def _rewrite(self, conn, terms, gone=None, *, restat: bool = True) -> None:
        """These terms' blocks joined into one each, without the units in `gone`; their statistics
        (units, highest weight, shortest length) recomputed when `restat`."""
        if not terms:
            return
        self._terms_table(conn, terms)
        where, args = by_field(terms)
        got: dict[tuple[int, bytes, int], list[Block]] = {}
        with conn.cursor(binary=True) as cur:
            cur.execute(
                "SELECT field, term, shard, ids, weights, codes, starts, vals FROM pincite_blocks "
                f"WHERE {where} ORDER BY field, term, shard, seg",
                args,
            )
            for f, t, sh, *rest in cur:
                got.setdefault((f, bytes(t), sh), []).append(Block.from_row(*rest))
        conn.execute(f"DELETE FROM pincite_blocks WHERE {where}", args)
        seg = self._next_seg(conn)
        per: dict[tuple[int, bytes], list] = {}
        with conn.cursor() as cur:
            with cur.copy(COPY_BLOCKS) as cp:
                cp.set_types(BLOCK_TYPES)
                for (f, t, sh), blocks in got.items():
                    b = Block.join(blocks)
                    if gone is not None and len(gone):
                        b = b.keep(~np.isin(b.ids, gone))
                    if not len(b):
                        continue
                    cp.write_row((f, t, seg, sh, *b.row()))
                    st = per.setdefault((f, t), [0, 0.0, 255])
                    st[0] += len(b)
                    st[1] = max(st[1], float(b.weights.max()))
                    st[2] = min(st[2], int(b.codes.min()))
        stats = [(f, t, *st) for (f, t), st in per.items()]
        if restat:
            conn.execute(
                "DELETE FROM pincite_terms s USING pincite_touched x WHERE s.field = x.field AND s.term = x.term"
            )
            with conn.cursor() as cur:
                with cur.copy("COPY pincite_terms (field, term, df, maxweight, minlength) FROM STDIN (FORMAT BINARY)") as cp:
                    cp.set_types(["int2", "bytea", "int4", "float4", "int4"])
                    for row in stats:
                        cp.write_row(row)

    @staticmethod
    def _shards(conn) -> int:
        row = conn.execute("SELECT value FROM pincite_meta WHERE key = 'shards'").fetchone()
        return int(row[0]) if row else 1

    @staticmethod
    def _next_seg(conn) -> int:
        return int(
            conn.execute(
                "INSERT INTO pincite_meta (key, value) VALUES ('next_seg', '2') ON CONFLICT (key) "
                "DO UPDATE SET value = (pincite_meta.value::bigint + 1)::text RETURNING value"
            ).fetchone()[0]
        ) - 1

    @staticmethod
    def _add_totals(conn, sums: list[int]) -> None:
        for name, delta in zip(SCORED, sums, strict=True):
            conn.execute(
                "INSERT INTO pincite_field_lengths (field, total) VALUES (%s, %s) ON CONFLICT (field) "
                "DO UPDATE SET total = pincite_field_lengths.total + EXCLUDED.total",
                (FIELD_ID[name], delta),
            )

    def _write_blocks(self, conn, postings: dict) -> None:
        """New postings, {(field, term): (ids, weights, codes, values)}, as one block per term, and the
        terms' statistics updated (units added, highest weight, shortest length)."""
        if not postings:
            return
        seg = self._next_seg(conn)
        with conn.cursor() as cur:
            cur.execute(
                "CREATE TEMP TABLE IF NOT EXISTS pincite_new_terms (field smallint, term bytea, df int, "
                "maxweight real, minlength int) ON COMMIT DROP"
            )
            cur.execute("DELETE FROM pincite_new_terms")
            with cur.copy(COPY_BLOCKS) as cp:
                cp.set_types(BLOCK_TYPES)
                stats = []
                for (f, t, sh), (ids, weights, codes, values) in postings.items():
                    b = Block.build(ids, weights, codes, values)
                    cp.write_row((f, t, seg, sh, *b.row()))
                    stats.append((f, t, len(b), float(b.weights.max()), int(b.codes.min())))
            with cur.copy("COPY pincite_new_terms (field, term, df, maxweight, minlength) FROM STDIN (FORMAT BINARY)") as cp:
                cp.set_types(["int2", "bytea", "int4", "float4", "int4"])
                for row in stats:
                    cp.write_row(row)
            cur.execute(
                "INSERT INTO pincite_terms (field, term, df, maxweight, minlength) "
                "SELECT field, term, sum(df), max(maxweight), min(minlength) FROM pincite_new_terms "
                "GROUP BY field, term ON CONFLICT (field, term) "
                "DO UPDATE SET df = pincite_terms.df + EXCLUDED.df, "
                "maxweight = greatest(pincite_terms.maxweight, EXCLUDED.maxweight), "
                "minlength = least(pincite_terms.minlength, EXCLUDED.minlength)"
            )
        postings.clear()

    def _from_whoosh(self, conn, wanted: dict[str, str], origin: str) -> int | None:
        """Publish the whole home into an empty database from its embedded index, when that is up to
        date with the catalogue: units, postings, term statistics and words copied as they are (the
        unit ids are the index's docnums, so scores are the home's to the bit), nothing parsed or
        analysed again. None (the caller analyses the units) when the home has no current index."""
        from pincite.index import whoosh_compat
        from pincite.index.manager import IndexManager
        from pincite.index.whoosh_compat import posting_blocks

        if not wanted:
            return None
        mgr = IndexManager(self.store)
        try:
            st = mgr.status()
            view = mgr.view() if st.generation and not (st.out_of_date or st.fallback or st.problems) else None
        except Exception:  # noqa: BLE001 - no usable embedded index: analyse the units instead
            return None
        if view is None:
            return None
        reader = view.reader
        leaves = reader.leaf_readers()
        limit = reader.doc_count_all()
        lengths: dict[str, np.ndarray] = {}
        for name in SCORED:
            arr = np.zeros(limit, dtype=np.uint8)
            for leaf, offset in leaves:
                got = whoosh_compat.field_lengths(leaf, name)
                if got is None:
                    return None  # the lengths patch is off: no column to copy from
                data = np.frombuffer(got[0], dtype=np.uint8)
                arr[offset : offset + len(data)] = data[: leaf.doc_count_all()]
            lengths[name] = arr
        live = np.ones(limit, dtype=bool)
        for leaf, offset in leaves:
            if leaf.has_deletions():
                for d in leaf.deleted_docs():
                    live[offset + d] = False
        docnum: dict[tuple[str, int], int] = {}
        doc_col, seq_col = reader.column_reader("doc"), reader.column_reader("seq")
        for d in np.flatnonzero(live).tolist():
            doc = doc_col[d]
            docnum[(doc.decode("utf-8") if isinstance(doc, bytes) else doc, seq_col[d])] = d
        docs = {d.id: d for d in self.store.documents() if d.id in wanted}
        shards = self._shards(conn)
        shard = np.zeros(limit, dtype=np.int16)
        n = 0
        with conn.cursor() as cur:
            with cur.copy("COPY pincite_documents (id, version, origin, data) FROM STDIN") as cp:
                for doc in docs.values():
                    cp.write_row((doc.id, wanted[doc.id], origin, _doc_json(doc)))
            for doc in docs.values():
                self._put_raw(cur, doc)
            byte_length = _BYTE_LENGTHS
            with cur.copy(COPY_UNITS_SQL) as cp:
                for unit in self.store.units():
                    doc = docs.get(unit.doc)
                    uid = docnum.get((unit.doc, unit.seq)) if doc is not None else None
                    if uid is None:
                        continue
                    sh = shard[uid] = shard_of(doc.id, shards)
                    cp.write_row(
                        (uid, doc.id, unit.seq, unit.lang or doc.lang, doc.doctype.lower(), doc.year or 0,
                         [byte_length[lengths[f][uid]] if lengths[f][uid] else 0 for f in SCORED],
                         json.dumps(asdict(unit)), sh)
                    )  # fmt: skip
                    n += 1
            if n != int(live.sum()):
                raise StoreError(
                    f"the home's index holds {int(live.sum())} units but {n} of them were found in its catalogue; "
                    "run `pincite index --rebuild` without the database first"
                )
            seg = self._next_seg(conn)
            stats = []
            with cur.copy(COPY_BLOCKS) as cp:
                cp.set_types(BLOCK_TYPES)
                for name in FIELDS:
                    fid, codes_of = FIELD_ID[name], lengths.get(name)
                    for tb in reader.lexicon(name):
                        parts = []
                        for leaf, offset in leaves:
                            if (name, tb) not in leaf:
                                continue
                            for ids, weights, values in posting_blocks(leaf.postings(name, tb)):
                                gids = np.asarray(ids, dtype=np.int64) + offset
                                parts.append(Block.build(gids, weights, np.zeros(len(gids), np.uint8), values))
                        if not parts:
                            continue
                        b = Block.join(parts)
                        if not live.all():
                            b = b.keep(live[b.ids])
                        if not len(b):
                            continue
                        if codes_of is not None:
                            b.codes = codes_of[b.ids]
                        if shards > 1:
                            where = shard[b.ids]
                            for sh in range(shards):
                                part = b.keep(where == sh)
                                if len(part):
                                    cp.write_row((fid, tb, seg, sh, *part.row()))
                        else:
                            cp.write_row((fid, tb, seg, 0, *b.row()))
                        info = reader.term_info(name, tb)
                        stats.append((fid, tb, info.doc_frequency(), float(info.max_weight()),
                                      length_to_byte(info.min_length()) if info.min_length() else 0))  # fmt: skip
            with cur.copy("COPY pincite_terms (field, term, df, maxweight, minlength) FROM STDIN (FORMAT BINARY)") as cp:
                cp.set_types(["int2", "bytea", "int4", "float4", "int4"])
                for row in stats:
                    cp.write_row(row)
            self._add_totals(conn, [reader.field_length(f) for f in SCORED])
            self._add_words(cur, Counter(view.vocabulary().counts))
        return n

    def _add(self, conn, doc_ids: list[str], versions: dict[str, str], origin: str, touched: set) -> int:
        """Write these documents, their raw files, units and postings (COPY); returns the units."""
        from pincite.index.manager import unit_fields

        schema = build_schema()
        fields = {name: schema[name] for name in FIELDS}
        words: Counter = Counter()
        n = 0
        todo = []
        for doc_id in doc_ids:
            doc = self.store.document(doc_id)
            if doc is None:
                continue
            todo.append((doc, list(self.store.units(doc_id))))
        if not todo:
            return 0
        # docnums are dense from 0 as Whoosh expects (NOT and filters walk 0..doc_count_all); the
        # ids of removed units stay gaps, deleted documents as Whoosh sees them. Writers hold the lock.
        next_id = conn.execute("SELECT coalesce(max(id) + 1, 0) FROM pincite_units").fetchone()[0]
        shards = self._shards(conn)
        sums = [0] * len(SCORED)
        postings: dict[tuple[int, bytes], tuple[list, list, list, list]] = {}
        held = 0
        with conn.cursor() as cur:
            for doc, _ in todo:
                cur.execute(
                    "INSERT INTO pincite_documents (id, version, origin, data) VALUES (%s, %s, %s, %s)",
                    (doc.id, versions[doc.id], origin, _doc_json(doc)),
                )
                self._put_raw(cur, doc)
            unit_rows: list[tuple] = []

            def flush_units() -> None:
                with cur.copy(COPY_UNITS_SQL) as cp:
                    for row in unit_rows:
                        cp.write_row(row)
                unit_rows.clear()

            for doc, units in todo:
                words.update(words_of(doc.title))
                sh = shard_of(doc.id, shards)
                for unit in units:
                    uid = next_id
                    next_id += 1
                    values = unit_fields(doc, unit, versions[doc.id])
                    lengths = [0] * len(SCORED)
                    for name, value in values.items():
                        fid = FIELD_ID.get(name)
                        if fid is None or value in ("", None):
                            continue
                        field = fields[name]
                        items = list(field.index(value))
                        length = sum(freq for _, freq, _, _ in items) if field.scorable else 0
                        code = length_to_byte(length) if length else 0
                        if name in SCORED:
                            lengths[SCORED.index(name)] = length
                        for tbytes, _freq, weight, vbytes in items:
                            key = (fid, tbytes, sh)
                            p = postings.get(key)
                            if p is None:
                                p = postings[key] = ([], [], [], [])
                                touched.add((fid, tbytes))
                            p[0].append(uid)
                            p[1].append(weight)
                            p[2].append(code)
                            p[3].append(vbytes or b"")
                            held += 1
                    for i, x in enumerate(lengths):
                        sums[i] += x
                    unit_rows.append(
                        (uid, doc.id, unit.seq, unit.lang or doc.lang, doc.doctype.lower(), doc.year or 0,
                         lengths, json.dumps(asdict(unit)), sh)
                    )  # fmt: skip
                    words.update(
                        words_of(unit.text + " " + " ".join(unit.headings)) if unit.headings else words_of(unit.text)
                    )
                    n += 1
                    if len(unit_rows) >= COPY_UNITS:
                        flush_units()
                    if held >= COPY_POSTINGS:
                        self._write_blocks(conn, postings)
                        held = 0
            flush_units()
            self._write_blocks(conn, postings)
            self._add_totals(conn, sums)
            self._add_words(cur, words)
        return n

    @staticmethod
    def _add_words(cur, words: Counter) -> None:
        if not words:
            return
        cur.execute("CREATE TEMP TABLE pincite_new_words (word text, units bigint) ON COMMIT DROP")
        with cur.copy("COPY pincite_new_words (word, units) FROM STDIN") as cp:
            for w, c in words.items():
                cp.write_row((w, c))
        cur.execute(
            "INSERT INTO pincite_words (word, units) SELECT word, units FROM pincite_new_words "
            "ON CONFLICT (word) DO UPDATE SET units = pincite_words.units + EXCLUDED.units"
        )

    def _put_raw(self, cur, doc: Document) -> None:
        """The document's raw file, once per content (shared by documents with the same bytes)."""
        if not doc.sha256:
            return
        if cur.execute("SELECT 1 FROM pincite_raw WHERE sha256 = %s", (doc.sha256,)).fetchone():
            return
        copies = sorted(self.store.raw_path(doc.sha256).parent.glob(doc.sha256 + "*"))
        if not copies:
            return
        cur.execute(
            "INSERT INTO pincite_raw (sha256, name, data) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
            (doc.sha256, copies[0].name, copies[0].read_bytes()),
        )

    def _restat(self, conn, touched: set[tuple[int, bytes]]) -> None:
        """The touched terms that now have MERGE_AT blocks or more, merged into one block each."""
        if not touched:
            return
        where, args = by_field(touched)
        many = [
            (f, bytes(t))
            for f, t in conn.execute(
                f"SELECT field, term FROM pincite_blocks WHERE {where} GROUP BY field, term, shard "
                "HAVING count(*) >= %s",
                (*args, MERGE_AT),
            )
        ]
        self._rewrite(conn, many, restat=False)

    # -- health ---------------------------------------------------------------------------------
    def status(self, *, verify: bool = False) -> IndexStatus:
        """The database compared with this home's catalogue. Reads only."""
        st = IndexStatus(pointer=_redact(self.url))
        wanted = self.store.versions()
        conn = self._connect()
        try:
            st.generation = self._generation(conn)
            st.generations = [st.generation]
            have = {r[0]: r[1] for r in conn.execute("SELECT id, version FROM pincite_documents")}
            counts = dict(conn.execute("SELECT doc, count(*) FROM pincite_units GROUP BY doc").fetchall())
            st.documents = len(have)
            st.units = sum(counts.values())
            st.total_bytes = st.size_bytes = conn.execute(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c "
                "WHERE c.relname LIKE 'pincite\\_%%' AND c.relkind = 'r'"
            ).fetchone()[0]
            st.not_indexed = sorted(d for d in wanted if d not in have)
            st.stale = sorted(d for d in wanted if d in have and have[d] != wanted[d])
            if verify:
                st.verified = True
                expect = self.store.unit_counts()
                for d, ver in sorted(wanted.items()):
                    if have.get(d) == ver and counts.get(d, 0) != expect.get(d, 0):
                        st.problems.append(f"{d}: the database holds {counts.get(d, 0)} units, the catalogue {expect.get(d, 0)}")
                live = np.array(sorted(r[0] for r in conn.execute("SELECT id FROM pincite_units")), dtype=np.int64)
                bad = 0
                with conn.cursor(binary=True) as cur:
                    cur.execute("SELECT ids FROM pincite_blocks")
                    for (ids,) in cur:
                        bad += int((~np.isin(np.frombuffer(ids, ">i4"), live)).sum())
                if bad:
                    st.problems.append(f"the database holds {bad} postings of units that are gone")
        finally:
            conn.close()
        return st

    # -- reading --------------------------------------------------------------------------------
    def view(self) -> SearchView | None:
        reader = _reader_for(self.url)
        if reader is None:
            return None
        # the page's units and documents read on the reader's connection, in its snapshot: the hits
        # are those of the generation that scored them, and a search opens no second connection
        catalogue = PgCatalogue(self.url, self.store.home, conn=reader.conn)
        return SearchView(reader, reader.vocabulary, f"{self.url}\0{reader.gen}", catalogue)

    def catalogue(self) -> PgCatalogue:
        """The database's catalogue for read commands, on a connection kept for the process."""
        key = (self.url, str(self.store.home))
        cat = _CATALOGUES.get(key)
        if cat is None or cat.broken:
            if cat is not None:
                cat.close()
            # a few kept, the oldest closed: a process that reads from many homes (tests, a server)
            # must not hold a connection per home until the server refuses new clients
            while len(_CATALOGUES) >= KEPT_CATALOGUES:
                _CATALOGUES.pop(next(iter(_CATALOGUES))).close()
            cat = _CATALOGUES[key] = PgCatalogue(self.url, self.store.home)
        return cat


# -- reading ------------------------------------------------------------------------------------------
_READERS: dict[str, PgReader] = {}
_CATALOGUES: dict[tuple[str, str], PgCatalogue] = {}
KEPT_CATALOGUES = 4


def _close_kept() -> None:
    """Close the connections kept for the process (a reader's snapshot, the catalogues) as it exits,
    so that the server sees each session end: the CLI's process does not wait for its objects to
    be freed one by one (`pincite.cli.main`), which closed them before."""
    for kept in [*_READERS.values(), *_CATALOGUES.values()]:
        kept.close()
    _READERS.clear()
    _CATALOGUES.clear()


atexit.register(_close_kept)


def _reader_for(url: str) -> PgReader | None:
    """The reader of the database's current generation: the one kept from an earlier search when no
    sync happened since (its caches stay good), else a new one on a fresh snapshot."""
    old = _READERS.get(url)
    if old is not None:
        try:
            old.conn.rollback()
            gen = old.read_generation()
        except Exception:  # noqa: BLE001 - a dropped connection: start again
            gen = None
        if gen is not None and gen == old.gen:
            return old
        old.close()
        _READERS.pop(url, None)
    conn = connect(url)
    try:
        _ready(url, conn)
        reader = PgReader(conn)
    except BaseException:  # a database this version cannot read: its connection is not kept either
        conn.close()
        raise
    if reader.doc_count() == 0 and reader.gen == 0:
        reader.close()
        return None
    _READERS[url] = reader
    return reader


_BYTE_LENGTHS = [byte_to_length(i) for i in range(256)]


class _Prefetch:
    """TopBuckets whose units' columns (doc, seq, lang) are read in one query when a tier is taken."""

    def __init__(self, buckets: TopBuckets, reader: PgReader) -> None:
        self.buckets, self.reader = buckets, reader

    def count(self, k: int) -> int:
        return self.buckets.count(k)

    def size(self, k: int) -> int:
        return self.buckets.count(k)

    def ranked(self, k: int, top: int | None) -> list[tuple[float, int]]:
        out = sorted(self.get(k), key=lambda r: (-r[0], r[1]))
        return out if top is None else out[:top]

    def get(self, k: int, default=None) -> list:
        out = self.buckets.get(k, default)
        rows = self.reader._rows
        self.reader._pending.update(d for _, d in out if d not in rows)
        return out


class PgMatcher(ListMatcher):
    """A posting list read from the database, with the bounds Whoosh's block-max scoring asks for."""

    def block_min_length(self):
        return 1  # a lower bound of any unit's length: the quality stays an upper bound

    def block_max_weight(self):
        return max(self._weights) if self._weights else 0.0

    def copy(self):
        return PgMatcher(self._ids, self._weights, self._values, self._format, self._scorer, self._i, None, self._term)


class _Column:
    def __init__(self, reader: PgReader, index: int) -> None:
        self.reader, self.index = reader, index

    def __getitem__(self, docnum: int):
        return self.reader._row(docnum)[self.index]

    def __len__(self) -> int:
        return self.reader.doc_count_all()


class PgReader(IndexReader):
    """Whoosh's IndexReader over the database, on one REPEATABLE READ snapshot."""

    def __init__(self, conn) -> None:
        psycopg = _psycopg()
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        self.conn = conn
        self.schema = build_schema()
        self.gen = self.read_generation()
        found = analysis_of(conn)
        if found not in (None, INDEX_FORMAT):
            raise StoreError(
                f"{_analysis_message(conn.info.dsn, found)}; rebuild it: `pincite index --rebuild` from the "
                "home that published it"
            )
        meta = dict(conn.execute("SELECT key, value FROM pincite_meta WHERE key IN ('units', 'limit')").fetchall())
        if len(meta) == 2:
            self._count, self._limit = int(meta["units"]), int(meta["limit"])
        else:  # a database written before the counts were kept
            self._count, self._limit = conn.execute(
                "SELECT count(*), coalesce(max(id) + 1, 0) FROM pincite_units"
            ).fetchone()
        self._alive: np.ndarray | None = None  # per unit number below the limit: a unit holds it
        self._deleted: frozenset | None = None
        row = conn.execute("SELECT value FROM pincite_meta WHERE key = 'shards'").fetchone()
        self.shards = int(row[0]) if row else 1
        self._totals = {
            FIELDS[f]: t for f, t in conn.execute("SELECT field, total FROM pincite_field_lengths")
        }
        self._terms: dict[tuple[str, bytes], tuple[int, float, int] | None] = {}
        self._lengths: dict[tuple[int, str], int] = {}
        self._rows: dict[int, tuple] = {}
        self._pending: set[int] = set()
        self._vocab: Vocabulary | None = None

    def read_generation(self) -> int:
        return int(self.conn.execute("SELECT value FROM pincite_meta WHERE key = 'generation'").fetchone()[0])

    def vocabulary(self) -> Vocabulary:
        if self._vocab is None:
            self._vocab = Vocabulary(dict(self.conn.execute("SELECT word, units FROM pincite_words").fetchall()))
        return self._vocab

    # -- the reader's shape --------------------------------------------------------------------
    def is_atomic(self):
        return True

    def leaf_readers(self):
        return [(self, 0)]

    def close(self):
        try:
            self.conn.close()
        except Exception:  # noqa: BLE001
            pass

    def generation(self):
        return self.gen

    def indexed_field_names(self):
        return FIELDS

    def supports_caches(self):
        return False

    # -- terms ---------------------------------------------------------------------------------
    def _bytes(self, fieldname: str, text) -> bytes:
        if isinstance(text, bytes):
            return text
        return self.schema[fieldname].to_bytes(text)

    def _stats(self, fieldname: str, text) -> tuple[int, float, int] | None:
        if fieldname not in FIELD_ID:
            return None
        tb = self._bytes(fieldname, text)
        key = (fieldname, tb)
        if key not in self._terms:
            row = self.conn.execute(
                "SELECT df, maxweight, minlength FROM pincite_terms WHERE field = %s AND term = %s",
                (FIELD_ID[fieldname], tb),
            ).fetchone()
            self._terms[key] = tuple(row) if row else None
        return self._terms[key]

    def prefetch_terms(self, terms) -> None:
        """The statistics of these (field, text) read in one round trip, for the `_stats` that follow
        (a query's words asked one field at a time are a round trip each in a new reader)."""
        want = {}
        for fieldname, text in terms:
            if fieldname in FIELD_ID:
                tb = self._bytes(fieldname, text)
                if (fieldname, tb) not in self._terms:
                    want[(FIELD_ID[fieldname], tb)] = (fieldname, tb)
        if not want:
            return
        where, args = by_field(want)
        for key in want.values():
            self._terms[key] = None
        for f, t, df, maxw, minlen in self.conn.execute(
            f"SELECT field, term, df, maxweight, minlength FROM pincite_terms WHERE {where}", args
        ):
            self._terms[(FIELDS[f], bytes(t))] = (df, maxw, minlen)

    def __contains__(self, term):
        return self._stats(*term) is not None

    def term_info(self, fieldname, text):
        st = self._stats(fieldname, text)
        if st is None:
            raise TermNotFound((fieldname, text))
        df, maxw, minlen = st
        return TermInfo(weight=float(df), df=df, minlength=byte_to_length(minlen) if minlen else 0,
                        maxlength=0, maxweight=maxw)  # fmt: skip

    def doc_frequency(self, fieldname, text):
        st = self._stats(fieldname, text)
        return st[0] if st else 0

    def frequency(self, fieldname, text):
        return float(self.doc_frequency(fieldname, text))

    def terms_from(self, fieldname, prefix):
        if fieldname not in FIELD_ID:
            return
        start = self._bytes(fieldname, prefix) if prefix else b""
        rows = self.conn.execute(
            "SELECT term FROM pincite_terms WHERE field = %s AND term >= %s ORDER BY term",
            (FIELD_ID[fieldname], start),
        ).fetchall()
        for (t,) in rows:
            yield (fieldname, bytes(t))

    def all_terms(self):
        for f, t in self.conn.execute("SELECT field, term FROM pincite_terms ORDER BY field, term").fetchall():
            yield (FIELDS[f], bytes(t))

    def lexicon(self, fieldname):
        for _, t in self.terms_from(fieldname, b""):
            yield t

    def expand_prefix(self, fieldname, prefix):
        prefix = self._bytes(fieldname, prefix)
        for _, t in self.terms_from(fieldname, prefix):
            if not t.startswith(prefix):
                return
            yield t

    # -- postings ------------------------------------------------------------------------------
    def _blocks(self, keys, rows: dict | None = None) -> dict[tuple[str, bytes], Block]:
        """The posting lists of these (field, term bytes), one round trip for all of them. With `rows`
        (a dict to fill: key → [(seg, shard, block), …]) without their values (positions), which are
        most of the bytes and which a query needs for a few units only (`_values`)."""
        keys = [(f, t) for f, t in keys if f in FIELD_ID]
        if not keys:
            return {}
        parts: dict[tuple[str, bytes], list[Block]] = {}
        where, args = by_field((FIELD_ID[f], t) for f, t in keys)
        cols = "NULL::bytea, NULL::bytea" if rows is not None else "starts, vals"
        with self.conn.cursor(binary=True) as cur:
            cur.execute(
                f"SELECT field, term, seg, shard, ids, weights, codes, {cols} FROM pincite_blocks WHERE {where} "
                "ORDER BY field, term, seg, shard",
                args,
            )
            for f, t, seg, shard, *rest in cur:
                key = (FIELDS[f], bytes(t))
                b = Block.from_row(*rest)
                parts.setdefault(key, []).append(b)
                if rows is not None:
                    rows.setdefault(key, []).append((seg, shard, b))
        return {k: Block.join(v) for k, v in parts.items()}

    def _values(self, asks: list[tuple[str, bytes, int, int, int]]) -> list[bytes | None]:
        """The encoded values (positions) of postings, each named by (field, term, seg, shard, index in
        that stored row): slices of the stored bytes, read without reading the rest (STORAGE EXTERNAL)."""
        if not asks:
            return []
        got: dict[int, bytes] = {}
        with self.conn.cursor(binary=True) as cur:
            cur.execute(
                "SELECT q.k, substring(b.vals FROM s.a + 1 FOR s.e - s.a) "
                "FROM unnest(%s::int[], %s::smallint[], %s::bytea[], %s::bigint[], %s::smallint[], %s::int[]) "
                "AS q(k, field, term, seg, shard, j) "
                "JOIN pincite_blocks b ON b.field = q.field AND b.term = q.term AND b.seg = q.seg AND b.shard = q.shard "
                "CROSS JOIN LATERAL (SELECT "
                "('x' || encode(substring(b.starts FROM q.j * 4 + 1 FOR 4), 'hex'))::bit(32)::int AS a, "
                "CASE WHEN q.j + 1 < b.n THEN ('x' || encode(substring(b.starts FROM q.j * 4 + 5 FOR 4), 'hex'))"
                "::bit(32)::int ELSE octet_length(b.vals) END AS e) s "
                "WHERE b.starts IS NOT NULL",
                (
                    list(range(len(asks))),
                    [FIELD_ID[a[0]] for a in asks],
                    [a[1] for a in asks],
                    [a[2] for a in asks],
                    [a[3] for a in asks],
                    [a[4] for a in asks],
                ),
            )
            for k, v in cur:
                got[k] = bytes(v)
        return [got.get(k) for k in range(len(asks))]

    def postings(self, fieldname, text, scorer=None):
        if fieldname not in FIELD_ID:
            return NullMatcher()
        tb = self._bytes(fieldname, text)
        b = self._blocks([(fieldname, tb)]).get((fieldname, tb))
        if b is not None and len(b) and b.ids[-1] >= self._limit:
            b = b.keep(b.ids < self._limit)
        if b is None or not len(b):
            raise TermNotFound((fieldname, text))
        ids = b.ids.tolist()
        if fieldname in SCORED:
            lengths = self._lengths
            for d, c in zip(ids, b.codes.tolist(), strict=True):
                lengths[(d, fieldname)] = c
        self._pending.update(i for i in ids if i not in self._rows)
        fmt = self.schema[fieldname].format
        return PgMatcher(ids, b.weights.tolist(), b.values(), fmt, scorer, term=(fieldname, tb))

    def words_matched(self, searcher, words: list[list[tuple[str, str, float]]], allow=None, top: int | None = None):
        """natural.by_words_matched over the database's blocks (pincite.index.pgblocks): the same
        units and scores; None when the weighting is not BM25F (the caller then walks the postings)."""
        from whoosh.scoring import BM25FScorer

        from pincite.index.whoosh_compat import held_terms, length_norms

        weighting, schema = searcher.weighting, searcher.schema
        plan = []
        for terms in words:
            mine = []
            for fieldname, text, tb, boost in held_terms(schema, self, terms):
                if fieldname not in FIELD_ID:
                    continue
                scorer = weighting.scorer(searcher, fieldname, tb)
                if type(scorer) is not BM25FScorer:
                    return None
                mine.append((fieldname, text, tb, boost, scorer))
            plan.append(mine)
        # one database: positions read later for the few units that need them; shards: with the
        # blocks (a join of a list of rows with foreign tables is not sent to the shards)
        lazy = self.shards == 1
        rows: dict | None = {} if lazy else None
        blocks = self._blocks({(f, tb) for mine in plan for f, _, tb, _, _ in mine}, rows)
        n = self._limit
        # Per word, its fields' scores summed into a scratch array over the index's units, then added
        # into the total at the units holding the word, in the order of natural.by_words_matched
        # (a unit without the word would add 0.0, which changes no float): the same scores to the
        # bit, with work in proportion to the postings read, not to the units of the index.
        total = np.zeros(n, dtype=np.float64)
        count = np.zeros(n, dtype=np.int16)
        word = np.zeros(n, dtype=np.float64)
        mark = np.zeros(n, dtype=bool)
        kept = Kept(schema, self._values if lazy else None)
        for mine in plan:
            where = []
            for fieldname, text, tb, boost, scorer in mine:
                b = blocks.get((fieldname, tb))
                if b is None or not len(b):
                    continue
                if b.ids[-1] >= n:  # a shard's snapshot a moment newer than the coordinator's
                    b = b.keep(b.ids < n)
                if fieldname in TEXT_FIELDS:
                    kept.blocks[(fieldname, text)] = b
                    if rows is not None:
                        kept.rows[(fieldname, text)] = (tb, rows.get((fieldname, tb), []))
                idf, avgfl, bb, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
                k1p1 = k1 + 1
                norm = np.array(length_norms(k1, bb, avgfl))  # whoosh.scoring.bm25's, per length byte
                w = b.weights.astype(np.float64)
                sc = idf * ((w * k1p1) / (w + norm[b.codes]))
                if boost != 1.0:
                    sc *= boost
                word[b.ids] += sc
                where.append(b.ids)
            if not where:
                continue
            if len(where) == 1:
                ids = where[0]
            else:  # the units holding the word in any field (np.unique sorts, and is slower by far)
                for x in where:
                    mark[x] = True
                ids = np.flatnonzero(mark)
                mark[ids] = False
            total[ids] += word[ids]
            count[ids] += 1
            word[ids] = 0.0
        units = np.flatnonzero(count)  # the units holding any word: a tier is chosen among them only
        mask = None
        if self.has_deletions():
            mask = self._live_units()[units]
        if allow is not None:
            got = np.fromiter((d for d in allow if 0 <= d < n), dtype=np.int64)
            am = np.isin(units, got)
            mask = am if mask is None else (mask & am)
        buckets = TopBuckets(total[units], count[units], mask, top, units)
        return _Prefetch(buckets, self), kept

    # -- documents -----------------------------------------------------------------------------
    def doc_count_all(self):
        return self._limit  # as Whoosh counts: deleted units (gaps left by removed documents) included

    def doc_count(self):
        return self._count

    def has_deletions(self):
        return self._count < self._limit

    @property
    def deleted_docs_set(self) -> frozenset:
        """The unit numbers below the limit that no unit holds (removed documents' gaps), as Whoosh's
        segment readers give them to the one-pass scorer (`search.natural`)."""
        if self._count == self._limit:
            return frozenset()
        if self._deleted is None:
            self._deleted = frozenset(np.flatnonzero(~self._live_units()).tolist())
        return self._deleted

    def _live_units(self) -> np.ndarray:
        """The live unit numbers, read once per snapshot (binary, as one array: 10^6 ids in one row)."""
        if self._alive is None:
            alive = np.zeros(self._limit, dtype=bool)
            with self.conn.cursor(binary=True) as cur:
                cur.execute("SELECT string_agg(int4send(id::int), ''::bytea) FROM pincite_units")
                got = cur.fetchone()[0]
            if got:
                ids = np.frombuffer(got, I4).astype(np.int64)
                alive[ids[ids < self._limit]] = True
            self._alive = alive
        return self._alive

    def is_deleted(self, docnum):
        if self._count == self._limit or not 0 <= docnum < self._limit:
            return not 0 <= docnum < self._limit
        return not self._live_units()[docnum]

    def all_doc_ids(self):
        for (i,) in self.conn.execute("SELECT id FROM pincite_units ORDER BY id").fetchall():
            yield i

    def iter_docs(self):
        for i in self.all_doc_ids():
            yield i, {}

    def stored_fields(self, docnum):
        return {}

    def all_stored_fields(self):
        for _ in self.all_doc_ids():
            yield {}

    def field_length(self, fieldname):
        return self._totals.get(fieldname, 0)

    def min_field_length(self, fieldname):
        return 0

    def max_field_length(self, fieldname):
        return 0

    def doc_field_length(self, docnum, fieldname, default=0):
        if fieldname not in SCORED:
            return default
        code = self._lengths.get((docnum, fieldname))
        if code is None:
            row = self.conn.execute(
                "SELECT lengths[%s] FROM pincite_units WHERE id = %s", (SCORED.index(fieldname) + 1, docnum)
            ).fetchone()
            code = length_to_byte(row[0]) if row and row[0] else 0
            self._lengths[(docnum, fieldname)] = code
        return byte_to_length(code) if code else default

    def has_vector(self, docnum, fieldname):
        return False

    def vector(self, docnum, fieldname, format_=None):
        raise KeyError(f"no term vectors in the database index ({fieldname})")

    def has_column(self, fieldname):
        return fieldname in COLUMNS

    def column_reader(self, fieldname, column=None, reverse=False, translate=False):
        if fieldname not in COLUMNS:
            raise KeyError(fieldname)
        return _Column(self, COLUMNS.index(fieldname))

    def _row(self, docnum: int) -> tuple:
        row = self._rows.get(docnum)
        if row is not None:
            return row
        want = {docnum}
        pending = self._pending
        while pending and len(want) < BATCH_ROWS:
            want.add(pending.pop())
        for r in self.conn.execute(
            "SELECT id, doc, seq, lang, doctype, year FROM pincite_units WHERE id = ANY(%s)", (list(want),)
        ):
            self._rows[r[0]] = tuple(r[1:])
        row = self._rows.get(docnum)
        if row is None:
            raise IndexError(f"no unit {docnum} in the database")
        return row


# -- the catalogue, read from the database --------------------------------------------------------------
class PgCatalogue:
    """What read commands ask of a store, answered from the database: every home's documents."""

    read_only = True

    def __init__(self, url: str, home: Path, conn=None) -> None:
        self.database = url
        self.home = Path(home)
        self._conn = conn  # given: a search reader's connection (its snapshot), not closed here
        self._own = conn is None

    @property
    def conn(self):
        if self._conn is None:
            self._conn = connect(self.url, autocommit=True)
            _ready(self.url, self._conn)
        return self._conn

    @property
    def broken(self) -> bool:
        """The kept connection was lost (the server restarted, say): a new catalogue connects again."""
        return self._conn is not None and (self._conn.closed or self._conn.broken)

    @property
    def url(self) -> str:
        return self.database

    def close(self) -> None:
        if self._conn is not None and self._own:
            self._conn.close()
        self._conn = None

    def is_empty(self) -> bool:
        return self.conn.execute("SELECT 1 FROM pincite_documents LIMIT 1").fetchone() is None

    def document(self, doc_id: str) -> Document | None:
        row = self.conn.execute("SELECT data FROM pincite_documents WHERE id = %s", (doc_id,)).fetchone()
        return _doc_from(row[0]) if row else None

    def documents(self, status: str | None = None) -> list[Document]:
        docs = [_doc_from(r[0]) for r in self.conn.execute("SELECT data FROM pincite_documents ORDER BY id")]
        return [d for d in docs if status is None or d.status == status]

    def unit(self, doc_id: str, seq: int) -> Unit | None:
        row = self.conn.execute(
            "SELECT data FROM pincite_units WHERE doc = %s AND seq = %s", (doc_id, seq)
        ).fetchone()
        return _unit_from(row[0]) if row else None

    def units(self, doc_id: str | None = None, *, between: tuple[str, str] | None = None) -> Iterator[Unit]:
        if doc_id is not None:
            rows = self.conn.execute("SELECT data FROM pincite_units WHERE doc = %s ORDER BY seq", (doc_id,))
        elif between is not None:
            rows = self.conn.execute(
                "SELECT data FROM pincite_units WHERE doc >= %s AND doc <= %s ORDER BY doc, seq", between
            )
        else:
            rows = self.conn.execute("SELECT data FROM pincite_units ORDER BY doc, seq")
        for (data,) in rows.fetchall():
            yield _unit_from(data)

    def page(self, keys: list[tuple[str, int]]) -> tuple[dict[str, Document], dict[tuple[str, int], Unit]]:
        """The documents and units of a page of hits, by (doc id, seq), in one round trip."""
        if not keys:
            return {}, {}
        docs: dict[str, Document] = {}
        units: dict[tuple[str, int], Unit] = {}
        rows = self.conn.execute(
            "SELECT u.doc, u.seq, u.data, d.data FROM unnest(%s::text[], %s::int[]) AS q(doc, seq) "
            "JOIN pincite_units u ON u.doc = q.doc AND u.seq = q.seq JOIN pincite_documents d ON d.id = u.doc",
            ([k[0] for k in keys], [k[1] for k in keys]),
        ).fetchall()
        for doc, seq, udata, ddata in rows:
            if doc not in docs:
                docs[doc] = _doc_from(ddata)
            units[(doc, seq)] = _unit_from(udata)
        return docs, units

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for doc, kind, n in self.conn.execute(
            "SELECT doc, data->>'kind', count(*) FROM pincite_units GROUP BY 1, 2"
        ):
            out.setdefault(doc, {})[kind] = n
        return out

    def unit_counts(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT doc, count(*) FROM pincite_units GROUP BY doc").fetchall())

    def unit_total(self) -> int:
        return self.conn.execute("SELECT count(*) FROM pincite_units").fetchone()[0]

    def raw_path(self, sha: str, ext: str = "") -> Path:
        """The raw file, copied out of the database into this home's cache (for `pincite open`)."""
        cache = self.home / "database-raw"
        row = self.conn.execute("SELECT name, data FROM pincite_raw WHERE sha256 = %s", (sha,)).fetchone()
        if row is None:
            return cache / (sha + ext)
        path = cache / row[0]
        if not path.is_file():
            cache.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_bytes(bytes(row[1]))
            os.replace(tmp, path)
        return path


__all__ = ["FOOTNOTE", "PgCatalogue", "PgReader", "PostgresBackend", "migrate"]

"""A sharded PostgreSQL backend: the units and their posting blocks partitioned by document over
several servers with `postgres_fdw`, behind one coordinator database that pincite names as usual.

    python -m pincite.index.pgshards COORDINATOR SHARD [SHARD …]

sets up an empty coordinator database and empty shard databases (libpq URLs; the shards may be on
other servers, each reachable from the coordinator's server). Then `PINCITE_DATABASE=COORDINATOR`:
every command works as with one database.

Layout:

- on the coordinator, as in one database: `pincite_meta` (with `shards`), `pincite_documents`,
  `pincite_raw`, `pincite_terms` (statistics over all shards), `pincite_field_lengths`,
  `pincite_words`; and `pincite_units` and `pincite_blocks` as tables partitioned by LIST (shard),
  each partition a foreign table on its shard (`pincite_shard_units`, `pincite_shard_blocks`);
- a document's units and its postings live on shard `crc32(document id) % shards`
  (`postgres.shard_of`): a term has one stored block per shard it occurs on; a query reads a term's
  blocks from every shard at once (postgres_fdw's asynchronous append) and joins them in unit order.

Writers go through the coordinator (rows are routed to their shard) under its advisory lock, in one
local transaction; postgres_fdw commits the shards' remote transactions when the local one commits,
which is not two-phase: a server lost at that moment can leave one shard's part of a sync behind
(`pincite status --verify` reports it; `pincite index --rebuild` from the home repairs it). A reader's
snapshot on each shard starts at its first read there, a moment after the coordinator's; units newer
than the coordinator's snapshot are ignored. Schema migrations after this layout's version must
handle it (`migrate` refuses nothing here: the coordinator is created at the current version).
"""

from __future__ import annotations

import argparse
import sys

from pincite.errors import StoreError
from pincite.index.postgres import SCHEMA_VERSION, _psycopg, _redact, connect

SHARD_DDL = """
CREATE TABLE pincite_shard_units (
    id bigint PRIMARY KEY, doc text NOT NULL, seq int NOT NULL, lang text NOT NULL, doctype text NOT NULL,
    year int NOT NULL, lengths int[] NOT NULL, data jsonb NOT NULL, shard smallint NOT NULL,
    UNIQUE (doc, seq));
CREATE TABLE pincite_shard_blocks (
    field smallint NOT NULL, term bytea NOT NULL, seg bigint NOT NULL, shard smallint NOT NULL,
    n int NOT NULL, ids bytea NOT NULL, weights bytea NOT NULL, codes bytea NOT NULL, starts bytea,
    vals bytea, PRIMARY KEY (field, term, seg, shard));
ALTER TABLE pincite_shard_blocks ALTER ids SET STORAGE EXTERNAL, ALTER weights SET STORAGE EXTERNAL,
    ALTER codes SET STORAGE EXTERNAL, ALTER starts SET STORAGE EXTERNAL, ALTER vals SET STORAGE EXTERNAL;
"""

COORDINATOR_DDL = """
CREATE TABLE pincite_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE pincite_documents (
    id text PRIMARY KEY, version text NOT NULL, origin text NOT NULL, data jsonb NOT NULL);
CREATE TABLE pincite_raw (sha256 text PRIMARY KEY, name text NOT NULL, data bytea NOT NULL);
CREATE TABLE pincite_terms (
    field smallint NOT NULL, term bytea NOT NULL, df int NOT NULL, maxweight real NOT NULL,
    minlength int NOT NULL, PRIMARY KEY (field, term));
CREATE TABLE pincite_field_lengths (field smallint PRIMARY KEY, total bigint NOT NULL);
CREATE TABLE pincite_words (word text PRIMARY KEY, units bigint NOT NULL);
CREATE TABLE pincite_units (
    id bigint NOT NULL, doc text NOT NULL, seq int NOT NULL, lang text NOT NULL, doctype text NOT NULL,
    year int NOT NULL, lengths int[] NOT NULL, data jsonb NOT NULL, shard smallint NOT NULL)
    PARTITION BY LIST (shard);
CREATE TABLE pincite_blocks (
    field smallint NOT NULL, term bytea NOT NULL, seg bigint NOT NULL, shard smallint NOT NULL,
    n int NOT NULL, ids bytea NOT NULL, weights bytea NOT NULL, codes bytea NOT NULL, starts bytea,
    vals bytea) PARTITION BY LIST (shard);
"""


def _quote(v: str) -> str:
    return "'" + str(v).replace("'", "''") + "'"


def create(coordinator: str, shards: list[str]) -> None:
    """Set up an empty coordinator database over these empty shard databases."""
    psycopg = _psycopg()
    from psycopg.conninfo import conninfo_to_dict

    if len(shards) < 2:
        raise StoreError("a sharded database needs two shards or more")
    conn = connect(coordinator)
    try:
        with conn.transaction():
            found = conn.execute("SELECT to_regclass('pincite_meta') IS NOT NULL").fetchone()[0]
            if found:
                raise StoreError(f"{_redact(coordinator)} already holds a pincite database")
            for url in shards:
                with connect(url, autocommit=True) as sc:
                    if sc.execute("SELECT to_regclass('pincite_shard_units') IS NOT NULL").fetchone()[0]:
                        raise StoreError(f"{_redact(url)} is already a shard")
                    sc.execute(SHARD_DDL)
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgres_fdw")
            conn.execute(COORDINATOR_DDL)
            for i, url in enumerate(shards):
                opts = {k: v for k, v in conninfo_to_dict(url).items() if v is not None}
                user = {k: opts.pop(k) for k in ("user", "password") if k in opts}
                server = f"pincite_shard_{i}"
                # async_capable: a query's foreign scans on the shards run at once
                options = ", ".join(
                    f"{k} {_quote(v)}" for k, v in {**opts, "async_capable": "true", "fetch_size": "2000"}.items()
                )
                conn.execute(f"CREATE SERVER {server} FOREIGN DATA WRAPPER postgres_fdw OPTIONS ({options})")
                mapping = ", ".join(f"{k} {_quote(v)}" for k, v in user.items())
                conn.execute(
                    f"CREATE USER MAPPING FOR CURRENT_USER SERVER {server}" + (f" OPTIONS ({mapping})" if mapping else "")
                )
                conn.execute(
                    f"CREATE FOREIGN TABLE pincite_units_{i} PARTITION OF pincite_units FOR VALUES IN ({i}) "
                    f"SERVER {server} OPTIONS (table_name 'pincite_shard_units')"
                )
                conn.execute(
                    f"CREATE FOREIGN TABLE pincite_blocks_{i} PARTITION OF pincite_blocks FOR VALUES IN ({i}) "
                    f"SERVER {server} OPTIONS (table_name 'pincite_shard_blocks')"
                )
            conn.execute(
                "INSERT INTO pincite_meta (key, value) VALUES ('schema', %s), ('generation', '0'), "
                "('next_seg', '1'), ('shards', %s)",
                (str(SCHEMA_VERSION), str(len(shards))),
            )
    except psycopg.Error as e:
        raise StoreError(f"could not set up the sharded database: {e}") from None
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pincite.index.pgshards", description=__doc__.splitlines()[0])
    ap.add_argument("coordinator")
    ap.add_argument("shards", nargs="+")
    a = ap.parse_args(argv)
    try:
        create(a.coordinator, a.shards)
    except StoreError as e:
        print(f"pincite: {e}", file=sys.stderr)
        return 2
    print(f"pincite: {_redact(a.coordinator)} shards its units over {len(a.shards)} databases", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

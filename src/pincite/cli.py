"""The command line: parse options, call one library function, render. Data to stdout; progress,
warnings and errors to stderr. Exit codes: 0 success (or hits), 1 nothing found or a document
failed, 2 usage error, 3 the index is busy."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from pincite import __version__
from pincite.errors import PinciteError

FORMATS = ("text", "json", "jsonl", "csv")


def _ws(ctx: click.Context):
    from pincite.workspace import Workspace

    ws = Workspace(ctx.obj["home"])
    return ws


def _note_samples(ws) -> None:
    if ws.using_samples:
        click.echo(
            "pincite: your home holds no documents yet; answering from the bundled sample corpus "
            "(add yours with `pincite ingest PATH`).",
            err=True,
        )


def domain_errors(f):
    """Turn library errors into a message and an exit code, never a traceback."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except PinciteError as e:
            click.echo(f"pincite: {e}", err=True)
            sys.exit(e.exit_code)
        except KeyboardInterrupt:
            click.echo("pincite: interrupted", err=True)
            sys.exit(130)

    return wrapper


def format_option(choices=FORMATS, default="text"):
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=default, show_default=True, help="Output format."
    )


def _out(text: str) -> None:
    if text:
        click.echo(text)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pincite")
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="PINCITE_HOME",
    help="Where pincite keeps files, catalogue and index [env PINCITE_HOME; default ~/.local/share/pincite].",
)
@click.pass_context
def cli(ctx: click.Context, home: Path | None) -> None:
    """Search policy documents and cite what you find down to the paragraph."""
    ctx.ensure_object(dict)
    ctx.obj["home"] = home


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--jobs", "-j", type=click.IntRange(1, 64), help="Parser processes [default: one per core].")
@click.option("--quiet", "-q", is_flag=True, help="Only report failures.")
@click.pass_context
@domain_errors
def ingest(ctx, paths, jobs, quiet):
    """Add files and folders (recursively), parse them and update the index.

    Each file that cannot be read is named on stderr; the others go in, and the exit code is 1.
    """
    ws = _ws(ctx)
    report = ws.ingest(paths, jobs=jobs)
    for o in report.failures:
        click.echo(f"pincite: {o.location}: {o.status}: {o.message}", err=True)
    if not quiet:
        new = sum(1 for o in report.added if o.change in ("new", "changed"))
        same = sum(1 for o in report.added if o.change in ("same", "alias"))
        parsed_ok = sum(1 for o in report.parsed if not o.failed)
        idx = report.index
        click.echo(
            f"pincite: {new} new or changed, {same} unchanged, {parsed_ok} parsed, "
            f"{len(report.failures)} failed; index {idx.generation if idx else '-'} "
            f"(+{len(idx.added) if idx else 0} ~{len(idx.replaced) if idx else 0} "
            f"-{len(idx.removed) if idx else 0} documents)",
            err=True,
        )
    sys.exit(1 if report.failures else 0)


wait_option = click.option(
    "--wait",
    type=click.FloatRange(0),
    default=10.0,
    show_default=True,
    help="Seconds to wait for another process writing the index.",
)


@cli.command()
@click.option("--rebuild", is_flag=True, help="Build the index from scratch.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), help="Parser processes [default: one per core].")
@wait_option
@click.pass_context
@domain_errors
def index(ctx, rebuild, jobs, wait):
    """Bring the index up to date with the store (only what changed).

    Also repairs what an interrupted run left behind. Exit 3 when another process is writing."""
    ws = _ws(ctx)
    parsed, rep = ws.reindex(rebuild=rebuild, jobs=jobs, wait=wait)
    failed = [o for o in parsed if o.failed]
    for o in failed:
        click.echo(f"pincite: {o.location}: {o.status}: {o.message}", err=True)
    for line in rep.recovered:
        click.echo(f"pincite: repaired: {line}", err=True)
    click.echo(
        f"pincite: index {rep.generation}: +{len(rep.added)} ~{len(rep.replaced)} -{len(rep.removed)} documents, "
        f"{rep.unchanged} unchanged{' (rebuilt)' if rep.rebuilt else ''} in {rep.seconds:.2f} s",
        err=True,
    )
    sys.exit(1 if failed else 0)


@cli.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", "-n", type=click.IntRange(0), default=10, show_default=True, help="Hits to show.")
@click.option("--offset", type=click.IntRange(0), default=0, show_default=True, help="Hits to skip.")
@click.option("--type", "doctype", multiple=True, help="Only this document type (speech, letter, report…).")
@click.option("--lang", multiple=True, help="Only units in this language (en, es, fr, pt…).")
@click.option("--year", multiple=True, help="A year or a range: 2013, 2013..2017.")
@click.option("--doc", multiple=True, help="Only this document id.")
@click.option("--kind", type=click.Choice(["paragraph", "footnote", "heading"]), multiple=True)
@format_option()
@click.pass_context
@domain_errors
def search(ctx, query, limit, offset, doctype, lang, year, doc, kind, fmt):
    """Search the corpus; each hit comes with a citation. Exit 0 with hits, 1 with none."""
    from pincite import render

    ws = _ws(ctx)
    filters = {"doctype": doctype, "lang": lang, "year": year, "doc": doc, "kind": kind}
    results = ws.search(" ".join(query), limit=limit, offset=offset, filters=filters)
    _note_samples(ws)
    rows = [h.dump() for h in results.hits]
    if fmt == "text" and not rows:
        click.echo(f"pincite: no paragraph matches {' '.join(query)!r}", err=True)
    else:
        _out(render.render(rows, fmt, render.hit_text(render.use_colour()), render.HIT_COLUMNS))
    sys.exit(0 if rows else 1)


@cli.command()
@click.argument("citation")
@format_option(("text", "json"))
@click.pass_context
@domain_errors
def show(ctx, citation, fmt):
    """Show the unit a citation names (as `search` printed it), with the footnotes it calls."""
    from pincite import render

    ws = _ws(ctx)
    rows = ws.show(citation)
    _note_samples(ws)
    _out(render.render(rows, fmt, render.unit_text))


@cli.command()
@format_option()
@click.pass_context
@domain_errors
def docs(ctx, fmt):
    """List the documents with their metadata and counts."""
    from pincite import render

    ws = _ws(ctx)
    rows = ws.docs()
    _note_samples(ws)
    _out(render.render(rows, fmt, render.doc_text, render.DOC_COLUMNS))


@cli.command()
@click.option("--doc", "doc_id", help="Only this document id.")
@format_option(("jsonl", "csv", "json"), default="jsonl")
@click.pass_context
@domain_errors
def export(ctx, doc_id, fmt):
    """Every unit with its citation and metadata, for analysis elsewhere."""
    from pincite import render

    ws = _ws(ctx)
    rows = list(ws.export(doc_id))
    _note_samples(ws)
    _out(render.render(rows, fmt, render.unit_text, render.UNIT_COLUMNS))


@cli.command()
@click.argument("doc_ids", nargs=-1, required=True, metavar="DOC...")
@wait_option
@click.pass_context
@domain_errors
def remove(ctx, doc_ids, wait):
    """Remove documents (by id, as `pincite docs` lists them) from the catalogue and the index.

    An unknown id removes nothing (exit 1). Ingesting the same file again brings a document back."""
    ws = _ws(ctx)
    removed, rep = ws.remove(doc_ids, wait=wait)
    click.echo(f"pincite: removed {', '.join(removed)}; index {rep.generation or '-'}", err=True)


@cli.command()
@click.option("--verify", is_flag=True, help="Also check every document's units in the index.")
@format_option(("text", "json"))
@click.pass_context
@domain_errors
def status(ctx, verify, fmt):
    """Documents by status, units, and whether the index is up to date.

    Exit 0 when the index matches the catalogue, 1 when it is out of date or damaged (the output
    says how to repair it)."""
    import json

    ws = _ws(ctx)
    st = ws.status(verify=verify)
    if fmt == "json":
        click.echo(json.dumps(st, indent=2, ensure_ascii=False))
    else:
        click.echo(_status_text(st))
    sys.exit(0 if st["healthy"] else 1)


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _status_text(st: dict) -> str:
    ix = st["index"]
    counts = ", ".join(f"{k} {v}" for k, v in st["by_status"].items() if v or k in ("ok", "failed"))
    lines = [f"home:       {st['home']}", f"documents:  {st['documents']} ({counts})"]
    if st["awaiting_parse"]:
        lines.append(f"            {st['awaiting_parse']} awaiting parsing")
    lines.append(f"units:      {st['units']}")
    if ix["generation"]:
        older = len(ix["generations"]) - 1
        lines.append(
            f"index:      {ix['generation']}, {_size(ix['size_bytes'])} on disk ({_size(ix['total_bytes'])} with "
            f"{older} older generation{'s' if older != 1 else ''}), {ix['units']} units in {ix['documents']} documents"
        )
    else:
        lines.append("index:      none")
    if ix["incomplete"]:
        lines.append(f"            incomplete: {', '.join(ix['incomplete'])} (a build in progress or interrupted)")
    stale = [("not indexed", ix["not_indexed"]), ("stale", ix["stale"]), ("removed", ix["removed"])]
    if ix["out_of_date"] or st["awaiting_parse"]:
        lines.append(
            "out of date: "
            + ", ".join(f"{len(v)} {k}" for k, v in stale)
            + (f", {st['awaiting_parse']} to parse" if st["awaiting_parse"] else "")
            + "; run `pincite index`"
        )
        for k, v in stale:
            if v:
                more = f" … (+{len(v) - 10})" if len(v) > 10 else ""
                lines.append(f"  {k}: {', '.join(v[:10])}{more}")
    else:
        lines.append("up to date")
    for p in ix["problems"]:
        lines.append(f"problem:    {p}")
    if ix["verified"]:
        lines.append("verify:     " + ("ok" if not ix["problems"] else "problems found (above)"))
    return "\n".join(lines)


def main() -> None:
    cli(obj={})


if __name__ == "__main__":
    main()

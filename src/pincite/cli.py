"""The command line: parse options, call one library function, render. Data to stdout; progress,
warnings and errors to stderr. Exit codes: 0 success (or hits), 1 nothing found or a document
failed, 2 usage error, 3 the index is busy."""

from __future__ import annotations

import functools
import sys
from dataclasses import replace
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


def _name_failures(outcomes) -> bool:
    """Name each file or URL that failed on stderr; say whether any did."""
    failed = False
    for o in outcomes:
        if o.failed:
            failed = True
            click.echo(f"pincite: {o.location}: {o.status}: {o.message}", err=True)
    return failed


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
    _name_failures(report.failures)
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
    failed = _name_failures(parsed)
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
@click.option("--year", multiple=True, help="A year or a range: 2013, 2013..2017, ..2015.")
@click.option("--doc", multiple=True, help="Only this document id.")
@click.option("--symbol", multiple=True, help="Only the document with this symbol (A/68/190).")
@click.option("--part", multiple=True, help="Only this part of a document: annex matches annex I, annex II…")
@click.option("--kind", type=click.Choice(["paragraph", "footnote", "heading"]), multiple=True)
@click.option("--group", is_flag=True, help="Only the best unit of each document.")
@click.option("--facets", is_flag=True, help="Also count the hits by type, year, language and document.")
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance", show_default=True,
              help="Order: best first, oldest first (date) or newest first (-date).")
@click.option("--since", metavar="DATE", help="Only documents dated on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Only documents dated on or before DATE.")
@format_option()
@click.pass_context
@domain_errors
def search(ctx, query, limit, offset, doctype, lang, year, doc, symbol, part, kind, group, facets, sort, since, until,
           fmt):
    """Search the corpus; each hit comes with a citation. Exit 0 with hits, 1 with none.

    \b
    Plain words and questions: paragraphs with every word first, then (relaxed, said on stderr)
    those with most of them; stop and question words (the, de, how, ¿qué…) do not decide matching.
    Explicit syntax is obeyed as written: AND, OR, NOT, +must, -not, "a phrase", prefix*, fuzzy~
    (one edit; ~2 two), (grouping), and filters in the query: type:speech lang:es year:2013
    year:2013..2017 symbol:A/68/190 doc:ID part:annex kind:footnote.
    """
    from pincite import render

    ws = _ws(ctx)
    filters = {"doctype": doctype, "lang": lang, "year": year, "doc": doc, "symbol": symbol, "part": part,
               "kind": kind}  # fmt: skip
    text = " ".join(query)
    res = ws.search(text, limit=limit, offset=offset, filters=filters, group=group, facets=facets, sort=sort,
                    since=since, until=until)  # fmt: skip
    _note_samples(ws)
    if res.notice:
        click.echo(f"pincite: {res.notice}", err=True)
    rows = [h.dump() for h in res.hits]
    if fmt == "json" and facets:
        obj = {"query": text, "total": res.total, "offset": offset, "limit": limit, "hits": rows,
               "facets": res.facets}  # fmt: skip
        if res.relaxed:
            obj["relaxed"] = res.relaxed
        if res.suggestion:
            obj["suggestion"] = res.suggestion
        _out(render.json_object(obj))
    elif fmt == "json":
        _out(render.render(rows, fmt, render.hit_text(False)))  # a plain list: [] when nothing matches
    elif fmt == "text":
        if rows:
            colour = render.use_colour()  # click strips escapes off a pipe itself unless told otherwise
            click.echo(render.render(rows, fmt, render.hit_text(colour), render.HIT_COLUMNS), color=colour)
        if facets:
            _out(("\n" if rows else "") + render.facets_text(res.facets))
        if not res.total:
            click.echo(f"pincite: no paragraph matches {text!r}", err=True)
        else:
            what = ("document" if group else "hit") + ("" if res.total == 1 else "s")
            shown = f", showing {offset + 1}–{offset + len(rows)}" if rows else ""
            click.echo(f"pincite: {res.total} {what}{shown}", err=True)
    else:
        if rows or fmt == "csv":
            _out(render.render(rows, fmt, render.hit_text(False), render.HIT_COLUMNS))
        if facets:
            click.echo(render.facets_text(res.facets), err=True)
    if res.suggestion:
        click.echo(f"pincite: did you mean: {res.suggestion}", err=True)
    sys.exit(0 if res.total else 1)


@cli.command()
@click.argument("citation")
@click.option("--context", "-C", type=click.IntRange(0), default=0, show_default=True,
              help="Also show this many units before and after, in the same part of the document.")  # fmt: skip
@click.option("--lang", help="The version of the document in this language (en, fr, es…).")
@format_option()
@click.pass_context
@domain_errors
def show(ctx, citation, context, lang, fmt):
    """Show the unit a citation names (as `search` printed it), with the footnotes it calls.

    In CSV each unit is a row of its own, its `role` saying how it relates: before, cited, note, after.
    """
    from pincite import render

    ws = _ws(ctx)
    rows = ws.show(citation, context=context, lang=lang)
    _note_samples(ws)
    if fmt == "csv":
        _out(render.render(render.flat_units(rows), fmt, render.unit_text, ["role", *render.UNIT_COLUMNS]))
    else:
        _out(render.render(rows, fmt, render.unit_text))


@cli.command()
@click.argument("citation")
@click.option("--style", type=click.Choice(["un", "bluebook", "plain"]), default="un", show_default=True)
@click.option("--lang", help="The version of the document in this language (en, fr, es…).")
@format_option(("text", "json", "jsonl", "csv"))
@click.pass_context
@domain_errors
def cite(ctx, citation, style, lang, fmt):
    """Print the citation of a unit in a style: un (A/68/190, annex, para. 10 (a)), bluebook, plain.

    CITATION is what `search` printed, or DOC#SEQ.
    """
    from pincite import render

    ws = _ws(ctx)
    rows = ws.cite(citation, style=style, lang=lang)
    _note_samples(ws)
    _out(render.render(rows, fmt, lambda r: r["cite"], ["cite", "style", "doc", "seq"]))


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
@click.argument("urls", nargs=-1)
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A TOML file of named sources (see examples/rcp-sources.toml).")
@click.option("--source", "only", multiple=True, help="Only this source of --sources (repeatable).")
@click.option("--depth", type=click.IntRange(0), help="Links to follow from the start URLs [default: 2].")
@click.option("--delay", type=click.FloatRange(0), help="Seconds between requests to a host [default: 2].")
@click.option("--max-size", type=click.FloatRange(0, min_open=True), help="Abort downloads past MB [default: 50].")
@click.option("--scope", multiple=True, help="Only fetch URLs under this prefix [default: the start URL's folder].")
@click.option("--follow", multiple=True, help="Only follow links matching this regular expression.")
@click.option("--type", "types", multiple=True, type=click.Choice(["pdf", "docx", "html", "text", "markdown"]),
              help="Formats to keep as documents [default: pdf, docx, html].")
@click.option("--contact", help="A URL where webmasters can reach you, sent in the User-Agent.")
@click.option("--user-agent", help="Replace the whole User-Agent.")
@click.option("--dry-run", is_flag=True, help="Discover and list what would be added; change nothing.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), help="Parser processes [default: one per core].")
@click.option("--quiet", "-q", is_flag=True, help="No progress or summary; failures only.")
@click.pass_context
@domain_errors
def crawl(ctx, urls, sources_file, only, depth, delay, max_size, scope, follow, types, contact, user_agent,
          dry_run, jobs, quiet):
    """Fetch documents from the web politely (robots.txt, delays, conditional requests), then parse them
    and update the index. An interrupted crawl continues where it stopped when run again.

    Progress and the summary go to stderr; with --dry-run, the URLs that would be added go to stdout.
    """
    from pincite.ingest import crawl as crawling

    given = {
        "depth": depth, "delay": delay, "scopes": tuple(scope) or None, "patterns": tuple(follow) or None,
        "types": tuple(types) or None, "contact": contact, "user_agent": user_agent,
        "max_size": int(max_size * 1024 * 1024) if max_size else None,
    }  # fmt: skip
    overrides = {k: v for k, v in given.items() if v is not None}
    jobs_to_run: list[tuple[str, tuple[str, ...], crawling.CrawlOptions]] = []
    if urls:
        jobs_to_run.append(("", tuple(urls), crawling.CrawlOptions(**overrides)))
    if sources_file:
        sources = crawling.load_sources(sources_file)
        unknown = set(only) - {s.name for s in sources}
        if unknown:
            raise click.UsageError(f"no source named {', '.join(sorted(unknown))} in {sources_file}")
        for s in sources:
            if not only or s.name in only:
                jobs_to_run.append((s.name, s.seeds, replace(s.options, **overrides)))
    if not jobs_to_run:
        raise click.UsageError("give start URLs or --sources FILE")
    ws = _ws(ctx)
    if not dry_run:
        ws.store.require_writable()
    failed = False
    for name, seeds, opts in jobs_to_run:
        label = f"crawl {name}" if name else "crawl"
        if not quiet and not opts.contact and not opts.user_agent:
            click.echo(f"pincite: {label}: no --contact given; webmasters cannot reach you from the User-Agent",
                       err=True)
        with _CrawlProgress(quiet) as progress:
            report = crawling.crawl(ws.store, seeds, opts, name=name, dry_run=dry_run, progress=progress)
        for url, fmt in report.would_add:
            click.echo(f"{fmt}\t{url}")
        for url, why in report.warnings:
            click.echo(f"pincite: {url}: not fetched: {why}", err=True)
        for url, reason in report.failed:
            click.echo(f"pincite: {url}: {reason}", err=True)
        failed |= bool(report.failed)
        if not quiet:
            resumed = " (resumed)" if report.resumed else ""
            click.echo(f"pincite: {label}{resumed}: {report.summary()}", err=True)
    if not dry_run:
        parsed, rep = ws.reindex(jobs=jobs)
        failed |= _name_failures(parsed)
        if not quiet:
            ok = sum(1 for o in parsed if not o.failed)
            click.echo(f"pincite: {ok} parsed; index {rep.generation}: +{len(rep.added)} ~{len(rep.replaced)} "
                       f"-{len(rep.removed)} documents", err=True)
    sys.exit(1 if failed else 0)


class _CrawlProgress:
    """Crawl progress on stderr: a tqdm bar on a terminal, one counted line per URL otherwise,
    nothing when quiet. Called with each `CrawlEvent`."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar = None

    def __enter__(self):
        if self.quiet:
            return None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=0, unit="url", file=sys.stderr, dynamic_ncols=True, leave=False)
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()

    def __call__(self, ev) -> None:
        what = ev.result if ev.state != "failed" else f"failed: {ev.reason}"
        if self.bar is not None:
            self.bar.total = ev.done + ev.queued
            self.bar.n = ev.done
            self.bar.set_postfix_str(what[:30], refresh=False)
            self.bar.refresh()
        else:
            click.echo(f"pincite: [{ev.done}/{ev.done + ev.queued}] {what} {ev.url}", err=True)


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

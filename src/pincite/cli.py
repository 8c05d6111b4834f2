"""The command line: parse options, call one library function, render. Data to stdout; progress,
warnings and errors to stderr.

Exit codes (the README has the same table):

    0  done (search, show…: something found)
    1  something failed: a file or URL could not be read, nothing matched, the home or index is unwell
    2  usage: a bad option, query or config file
    3  busy: another process is writing the index or crawling this home

Defaults for any option can come from a config file (see `pincite.config`).
"""

from __future__ import annotations

import functools
import sys
from dataclasses import replace
from pathlib import Path

import click
from click.core import ParameterSource

from pincite import __version__
from pincite.errors import PinciteError

FORMATS = ("text", "json", "jsonl", "csv", "tsv", "table")
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3


class NoHome(PinciteError):
    exit_code = EXIT_FAILED


class NoViewer(PinciteError):
    exit_code = EXIT_FAILED


def _ws(ctx: click.Context, *, write: bool = False):
    """The workspace of the home. A home named with --home (or in the config file) that does not
    exist is created only by a command that writes; a read command says there is none."""
    from pincite.workspace import Workspace

    root = ctx.find_root()
    home = root.obj.get("home")
    if home is not None and root.obj.get("home_named") and not write and not home.exists():
        raise NoHome(f"no pincite home at {home} (mistyped --home? `pincite --home {home} ingest PATH` creates one)")
    ws = Workspace(home, database=root.obj.get("database"))
    ctx.call_on_close(ws.close)  # as the command ends, its output and exit code decided
    return ws


def _one_blas_thread() -> None:
    """A search imports numpy for the one-pass tiers of a large index, and numpy's OpenBLAS starts a
    thread per core at import (0.10 s of CPU against 0.06 s with one, on 2 cores), though a search
    multiplies no matrices: a search process asks for one, unless numpy is imported already or
    OPENBLAS_NUM_THREADS is set."""
    if "numpy" not in sys.modules:
        import os

        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


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
            from pincite.render import plain

            click.echo(f"pincite: {plain(str(e))}", err=True)
            sys.exit(e.exit_code)
        except KeyboardInterrupt:
            click.echo("pincite: interrupted", err=True)
            sys.exit(130)

    return wrapper


def output_options(choices=FORMATS, default="text", colour=True):
    """--format (and --color) for a command that prints rows: one decorator, the same everywhere."""

    def deco(f):
        f = click.option(
            "--format", "fmt", type=click.Choice(choices), default=default, show_default=True,
            help="Output format: text for people, json / jsonl / csv / tsv for scripts, table for both.",
        )(f)  # fmt: skip
        if colour:
            f = click.option(
                "--color", "--colour", "color", type=click.Choice(["auto", "always", "never"]), default="auto",
                show_default=True, help="Colour in text output: auto means on a terminal, unless NO_COLOR is set.",
            )(f)  # fmt: skip
        return f

    return deco


format_option = output_options  # the name other branches know


def quiet_option(f):
    return click.option("--quiet", "-q", is_flag=True, help="No progress or summary; problems only.")(f)


def jobs_option(f):
    return click.option("--jobs", "-j", type=click.IntRange(1, 64), help="Parser processes [default: one per core].")(f)


def _progress(quiet: bool):
    from pincite.progress import Progress

    return Progress(quiet=quiet)


def _name_failures(outcomes) -> bool:
    """Name each file or URL that failed on stderr, and each kept but waiting for OCR or a password;
    say whether any failed (waiting is not failing)."""
    failed = False
    for o in outcomes:
        if o.failed:
            failed = True
            from pincite.render import plain

            click.echo(plain(f"pincite: {o.location}: {o.status}: {o.message}"), err=True)
        elif o.waiting:
            from pincite.render import plain

            click.echo(plain(f"pincite: {o.location}: {o.status}: {o.message} (kept; see `pincite status`)"), err=True)
    return failed


def _out(text: str) -> None:
    if text:
        click.echo(text)


def _render(rows, fmt, text, columns=None, table=None, colour=False) -> None:
    """Rows to stdout in the chosen format (`text` renders one row for people)."""
    from pincite import render

    out = render.render(rows, fmt, text, columns, table)
    if out:
        click.echo(out, color=colour)


class PinciteGroup(click.Group):
    """The command group, reading option defaults from the config file before parsing."""

    def make_context(self, info_name, args, parent=None, **extra):
        if "default_map" not in extra:
            from pincite import config

            try:
                path, explicit = config.config_path()
                extra["default_map"] = config.default_map(self, config.load(path, explicit), str(path))
            except config.ConfigError as e:
                click.echo(f"pincite: {e}", err=True)
                sys.exit(e.exit_code)
        return super().make_context(info_name, args, parent=parent, **extra)


@click.group(cls=PinciteGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="pincite")
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="PINCITE_HOME",
    help="Where pincite keeps files, catalogue and index [env PINCITE_HOME; default ~/.local/share/pincite].",
)
@click.option(
    "--database",
    envvar="PINCITE_DATABASE",
    metavar="URL",
    help="A PostgreSQL database (libpq string or URL) that holds the shared catalogue and index "
    "[env PINCITE_DATABASE; default: the embedded index in the home].",
)
@click.pass_context
def cli(ctx: click.Context, home: Path | None, database: str | None) -> None:
    """Search policy documents and cite what you find down to the paragraph.

    \b
    Examples:
      pincite ingest ~/rcp-documents
      pincite search "labour mobility" --type letter
      pincite show "A/68/190, annex, para. 10 (e)"
      pincite --home ~/other-home docs --format table

    \b
    Exit codes: 0 done, 1 something failed (or nothing found), 2 usage, 3 busy.
    Defaults for any option: ~/.config/pincite/config.toml (or $PINCITE_CONFIG).
    Shell completion: eval "$(_PINCITE_COMPLETE=bash_source pincite)" (zsh_source, fish_source).
    """
    ctx.ensure_object(dict)
    source = ctx.get_parameter_source("home")
    ctx.obj["home"] = home.expanduser() if home is not None else None
    ctx.obj["home_named"] = source in (ParameterSource.COMMANDLINE, ParameterSource.DEFAULT_MAP)
    ctx.obj["database"] = database or ""


def _read_stdin_paths() -> list[Path]:
    data = sys.stdin.read()
    sep = "\0" if "\0" in data else "\n"
    return [Path(line.rstrip("\r")) for line in data.split(sep) if line.strip()]


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PATH...")
@click.option("--include", multiple=True, metavar="GLOB",
              help="In folders, take only files matching GLOB (repeatable) [default: *.pdf *.html *.htm *.docx *.txt *.md].")  # fmt: skip
@click.option("--exclude", multiple=True, metavar="GLOB",
              help="In folders, leave out files or folders matching GLOB (repeatable).")  # fmt: skip
@click.option("--pdf-engine", type=click.Choice(["pdfium", "pypdf"]), envvar="PINCITE_PDF_ENGINE",
              help="Library that reads PDF pages [env PINCITE_PDF_ENGINE; default: pdfium].")  # fmt: skip
@click.option("--ocr", is_flag=True, envvar="PINCITE_OCR",
              help="Read scanned PDFs (and PDFs whose text layer is an old OCR) with Tesseract [env PINCITE_OCR].")  # fmt: skip
@jobs_option
@click.option("--dask", "dask", metavar="SCHEDULER", envvar="PINCITE_DASK",
              help="Parse on a Dask cluster: one task per document, e.g. tcp://10.0.0.5:8786 "
                   "[env PINCITE_DASK; needs pip install 'pincite[dask]'].")  # fmt: skip
@quiet_option
@click.pass_context
@domain_errors
def ingest(ctx, paths, include, exclude, pdf_engine, ocr, jobs, dask, quiet):
    """Add files and folders (recursively), parse them and update the index.

    Folders give their PDF, HTML, Word (.docx), text and Markdown files (or what --include names);
    a file named on the command line, or on stdin with `-`, is always taken. Each file that cannot be
    read is named on stderr and the others go in (exit 1); scans needing OCR and locked PDFs are kept
    and named as such, which is not a failure. The same command run again gives the same exit code.

    \b
    Examples:
      pincite ingest ~/rcp-documents
      pincite ingest report.pdf speech.docx
      pincite ingest ~/rcp --include '*.pdf' --exclude drafts
      find ~/rcp -name '*.pdf' -newer last-run | pincite ingest -
      pincite ingest ~/rcp --dask tcp://scheduler:8786
    """
    from pincite.ingest.discover import FileSelection

    if Path("-") in paths:
        paths = [p for p in paths if p != Path("-")] + _read_stdin_paths()
        if not paths:
            raise click.UsageError("no paths on stdin")
    if ocr:
        from pincite.ingest.readers import ocr as ocr_reader

        if not ocr_reader.tesseract():
            raise click.UsageError(ocr_reader.missing_message())
    options = {k: v for k, v in (("engine", pdf_engine), ("ocr", ocr)) if v} or None
    ws = _ws(ctx, write=True)
    selection = FileSelection(include=tuple(include), exclude=tuple(exclude))
    report = ws.ingest(paths, jobs=jobs, selection=selection, progress=_progress(quiet), options=options, dask=dask)
    failed = _name_failures(report.results)
    scans = sum(1 for o in report.results if o.status == "needs-ocr")
    if scans and not ocr:
        click.echo(
            f"pincite: {scans} scanned PDF(s) have no text layer: `pincite ingest --ocr` reads them with Tesseract",
            err=True,
        )
    conflicts = report.index.conflicts if report.index else []
    for line in conflicts:
        click.echo(f"pincite: {line}", err=True)
    if not quiet:
        _note_left_out(report)
        click.echo(_ingest_summary(report), err=True)
    sys.exit(EXIT_FAILED if failed or conflicts else EXIT_OK)


def _ingest_summary(report) -> str:
    new = sum(1 for o in report.added if o.change in ("new", "changed"))
    same = sum(1 for o in report.added if o.change in ("same", "alias"))
    parsed_ok = sum(1 for o in report.parsed if o.status == "ok")
    waiting = len(report.waiting)
    idx = report.index
    counts = f"(+{len(idx.added)} ~{len(idx.replaced)} -{len(idx.removed)} documents)" if idx else ""
    return (
        f"pincite: {new} new or changed, {same} unchanged, {parsed_ok} parsed, "
        + (f"{waiting} waiting for OCR or a password, " if waiting else "")
        + f"{len(report.failures)} failed; index {idx.generation if idx else '-'} {counts}".rstrip()
    )


def _names(paths, limit: int = 8) -> str:
    names = [str(p) for p in paths]
    more = f" … (+{len(names) - limit})" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _note_left_out(report) -> None:
    """Say what folders gave that was not taken, and how to take it."""
    from pincite import render

    sel = report.selection
    if sel is not None and sel.skipped:
        from collections import Counter

        kinds = Counter(p.suffix.lower() or "(no ending)" for p in sel.skipped)
        what = ", ".join(f"{k} {n}" for k, n in kinds.most_common())
        how = "not matching --include" if sel.include else "not of the types read by default"
        click.echo(
            f"pincite: left out {render.plural(len(sel.skipped), 'file')} {how} ({what}): {_names(sel.skipped)}; "
            "name a file, or use --include GLOB, to take it",
            err=True,
        )
    if sel is not None and sel.excluded:
        click.echo(f"pincite: left out {render.plural(len(sel.excluded), 'file')} by --exclude: {_names(sel.excluded)}", err=True)
    if report.removed:
        click.echo(
            f"pincite: left out {render.plural(len(report.removed), 'file')} removed with `pincite remove`: "
            f"{_names(o.location for o in report.removed)}; ingest a file by name to bring it back",
            err=True,
        )


wait_option = click.option(
    "--wait",
    type=click.FloatRange(0),
    default=10.0,
    show_default=True,
    help="Seconds to wait for another process writing the index.",
)


@cli.command()
@click.option("--rebuild", is_flag=True, help="Build the index from scratch.")
@jobs_option
@wait_option
@quiet_option
@click.pass_context
@domain_errors
def index(ctx, rebuild, jobs, wait, quiet):
    """Bring the index up to date with the store (only what changed).

    Also parses what a new pincite version reads differently, and repairs what an interrupted run
    left behind. Exit 3 when another process is writing.

    \b
    Examples:
      pincite index
      pincite index --rebuild --jobs 2
    """
    ws = _ws(ctx)
    parsed, rep = ws.reindex(rebuild=rebuild, jobs=jobs, wait=wait, progress=_progress(quiet))
    failed = _name_failures(parsed)
    for line in rep.recovered:
        click.echo(f"pincite: repaired: {line}", err=True)
    for line in rep.conflicts:
        click.echo(f"pincite: {line}", err=True)
    failed = failed or rep.conflicts
    if not quiet:
        click.echo(
            f"pincite: index {rep.generation}: +{len(rep.added)} ~{len(rep.replaced)} -{len(rep.removed)} documents, "
            f"{rep.unchanged} unchanged{' (rebuilt)' if rep.rebuilt else ''} in {rep.seconds:.2f} s",
            err=True,
        )
    sys.exit(EXIT_FAILED if failed else EXIT_OK)


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
@click.option("--kind", type=click.Choice(["paragraph", "footnote", "heading"]), multiple=True,
              help="Only units of this kind: numbered or plain paragraphs, footnotes, headings (repeatable).")  # fmt: skip
@click.option("--group", is_flag=True, help="Only the best unit of each document.")
@click.option("--facets", is_flag=True, help="Also count the hits by type, year, language and document.")
@click.option("--count", "-c", is_flag=True, help="Print only the number of hits (of documents with -l or --group).")
@click.option("--files", "-l", "files", is_flag=True,
              help="Print only the documents that match, most hits first: their files (or URLs) in text.")  # fmt: skip
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance", show_default=True,
              help="Order: best first, oldest first (date) or newest first (-date).")  # fmt: skip
@click.option("--since", metavar="DATE", help="Only documents dated on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Only documents dated on or before DATE.")
@click.option("--also", "also", metavar="LANG", help="Under each hit, its version in this language (fr, es…).")
@output_options()
@click.pass_context
@domain_errors
def search(ctx, query, limit, offset, doctype, lang, year, doc, symbol, part, kind, group, facets, count, files,
           sort, since, until, also, fmt, color):  # fmt: skip
    """Search the corpus; each hit comes with a citation, its file and page. Exit 0 with hits, 1 with none.

    \b
    Plain words and questions: paragraphs with every word first, then (relaxed, said on stderr)
    those with most of them; stop and question words (the, de, how, ¿qué…) do not decide matching.
    Explicit syntax is obeyed as written: AND, OR, NOT, +must, -not, "a phrase", prefix*, fuzzy~
    (one edit; ~2 two), (grouping), and filters in the query: type:speech lang:es year:2013
    year:2013..2017 symbol:A/68/190 doc:ID part:annex kind:footnote.

    \b
    Examples:
      pincite search "labour mobility"
      pincite search "are smuggled migrants liable to criminal prosecution?"
      pincite search '"evidence base" OR "lessons learned"' --type letter --limit 2
      pincite search reunion --lang es --format table
      pincite search migration --sort -date --since 2015
      pincite search migration -c
      pincite search remittances -l | xargs ls -l
      pincite search "kind:footnote part:annex" --format json | jq -r '.[].cite'
      pincite search "national human rights institution" --also fr
    """
    from pincite import render

    _one_blas_thread()
    ws = _ws(ctx)
    filters = {"doctype": doctype, "lang": lang, "year": year, "doc": doc, "symbol": symbol, "part": part,
               "kind": kind}  # fmt: skip
    text = " ".join(query)
    if files:
        facets, limit, offset = True, 0, 0
    res = ws.search(text, limit=0 if count else limit, offset=offset, filters=filters, group=group, facets=facets,
                    sort=sort, since=since, until=until)  # fmt: skip
    _note_samples(ws)
    if res.notice:
        click.echo(f"pincite: {res.notice}", err=True)
    if files:
        rows = ws.matching_documents(res.facets.get("doc", {}))
        if count:
            click.echo(len(rows))
        elif fmt == "text":
            _out("\n".join(r["source"] for r in rows))
        else:
            _render(rows, fmt, lambda r: r["source"], ["doc", "hits", "source", "symbol", "title"])
        sys.exit(EXIT_OK if rows else EXIT_FAILED)
    if count:
        click.echo(res.total)
        sys.exit(EXIT_OK if res.total else EXIT_FAILED)
    rows = [h.dump() for h in res.hits]
    if also:
        rows = ws.also(rows, also)
    if fmt == "json":  # the web API's /api/search gives the same (pincite.web)
        _out(render.search_json(text, res, offset=offset, limit=limit, facets=facets, rows=rows))
    elif fmt == "text":
        if rows:
            colour = render.use_colour(mode=color)  # click strips escapes off a pipe unless told otherwise
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
        if rows or fmt in ("csv", "tsv"):
            _render(rows, fmt, render.hit_text(False), render.HIT_COLUMNS, render.HIT_TABLE)
        if facets:
            click.echo(render.facets_text(res.facets), err=True)
    if res.suggestion:
        click.echo(f"pincite: did you mean: {res.suggestion}", err=True)
    sys.exit(EXIT_OK if res.total else EXIT_FAILED)


@cli.command()
@click.argument("citation")
@click.option("--context", "-C", type=click.IntRange(0), default=0, show_default=True,
              help="Also show this many units before and after, in the same part of the document.")  # fmt: skip
@click.option("--lang", help="The same unit in the version of its document in this language (en, fr, es…).")
@output_options(colour=False)
@click.pass_context
@domain_errors
def show(ctx, citation, context, lang, fmt):
    """Show the unit a citation names (as `search` printed it), with the footnotes it calls and the
    languages it exists in. With --lang, the same unit in another language version of its document
    (aligned by part and printed number, then in order).

    In CSV, TSV and tables each unit is a row of its own, its `role` saying how it relates: before,
    cited, note, after.

    \b
    Examples:
      pincite show "A/68/190, annex, para. 2"
      pincite show "A/68/190, annex, para. 10 (e)" --context 1
      pincite show letter-peru-unga-rcp-chairs-summary-2013#12 --format json
      pincite show "A/HRC/WG.6/7/ITA/1, para. 5" --lang fr
    """
    from pincite import render

    ws = _ws(ctx)
    rows = ws.show(citation, context=context, lang=lang)
    _note_samples(ws)
    if fmt in ("csv", "tsv", "table"):
        _render(render.flat_units(rows), fmt, render.unit_text, ["role", *render.UNIT_COLUMNS],
                ["role", *render.UNIT_TABLE])  # fmt: skip
    else:
        _render(rows, fmt, render.unit_text)


@cli.command()
@click.argument("citation")
@click.option("--style", type=click.Choice(["un", "bluebook", "plain"]), default="un", show_default=True,
              help="un: A/68/190, annex, para. 10 (e); bluebook: A/68/190, annex ¶ 10(e); plain: words only.")  # fmt: skip
@click.option("--lang", help="The version of the document in this language (en, fr, es…).")
@output_options(colour=False)
@click.pass_context
@domain_errors
def cite(ctx, citation, style, lang, fmt):
    """Print the citation of a unit in a style: un (A/68/190, annex, para. 10 (a)), bluebook, plain.

    CITATION is what `search` printed, or DOC#SEQ.

    \b
    Examples:
      pincite cite "A/68/190, annex, para. 10 (e)" --style bluebook
      pincite cite letter-peru-unga-rcp-chairs-summary-2013#12
    """
    ws = _ws(ctx)
    rows = ws.cite(citation, style=style, lang=lang)
    _note_samples(ws)
    _render(rows, fmt, lambda r: r["cite"], ["cite", "style", "doc", "seq"])


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
                metavar="FILE...")  # fmt: skip
@click.option("--lang", help="Check against the version of each document in this language [default: the draft's].")
@click.option("--find-sources", is_flag=True, help="Also look up every quotation that has no citation beside it.")
@output_options(("text", "json", "jsonl", "csv", "tsv"), colour=False)
@click.pass_context
@domain_errors
def check(ctx, files, lang, find_sources, fmt):
    """Check the citations and quotations of drafts (txt, md, docx, html, pdf) against the corpus.

    Each citation (`A/68/190, annex, para. 10 (e)`, `paras. 3–5`, `¶ 10(e)`, `ibid., para. 5`) gets a
    status: ok, quote-differs (with how close the quotation comes and the units that hold it),
    no-such-paragraph, no-such-document or ambiguous. Exit 0 when every citation is ok, 1 otherwise,
    2 for a usage error or a draft that cannot be read.

    \b
    Examples:
      pincite check briefing-note.docx
      pincite check draft.md --format json | jq '.[] | select(.status != "ok")'
      pincite check --find-sources statement.pdf --lang fr
    """
    from pincite import render

    ws = _ws(ctx)
    rows = ws.check(list(files), lang=lang, find_sources=find_sources)
    _note_samples(ws)
    if fmt == "text":
        _out(render.render(rows, fmt, render.check_text) if rows else "")
        bad = sum(1 for r in rows if r["status"] not in ("ok", "uncited"))
        cited = sum(1 for r in rows if r["status"] != "uncited")
        click.echo(f"pincite: {render.plural(cited, 'citation')}, {bad} with a problem", err=True)
    else:
        _render(rows, fmt, render.check_text, render.CHECK_COLUMNS)
    sys.exit(EXIT_OK if all(r["status"] in ("ok", "uncited") for r in rows) else EXIT_FAILED)


@cli.command()
@output_options(colour=False)
@click.pass_context
@domain_errors
def docs(ctx, fmt):
    """List the documents with their metadata and counts.

    \b
    Examples:
      pincite docs
      pincite docs --format table
      pincite docs --format csv > documents.csv
    """
    from pincite import render

    ws = _ws(ctx)
    rows = ws.docs()
    _note_samples(ws)
    _render(rows, fmt, render.doc_text, render.DOC_COLUMNS, render.DOC_TABLE)


@cli.command()
@click.option("--doc", "doc_id", help="Only this document id.")
@output_options(("jsonl", "csv", "tsv", "json"), default="jsonl", colour=False)
@click.pass_context
@domain_errors
def export(ctx, doc_id, fmt):
    """Every unit with its citation and metadata, for analysis elsewhere.

    \b
    Examples:
      pincite export > units.jsonl
      pincite export --doc letter-peru-unga-rcp-chairs-summary-2013 --format csv
    """
    from pincite import render

    ws = _ws(ctx)
    rows = list(ws.export(doc_id))
    _note_samples(ws)
    _render(rows, fmt, render.unit_text, render.UNIT_COLUMNS)


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
@jobs_option
@quiet_option
@click.pass_context
@domain_errors
def crawl(ctx, urls, sources_file, only, depth, delay, max_size, scope, follow, types, contact, user_agent,
          dry_run, jobs, quiet):
    """Fetch documents from the web politely (robots.txt, delays, conditional requests), then parse them
    and update the index. An interrupted crawl continues where it stopped when run again.

    Progress and the summary go to stderr; with --dry-run, the URLs that would be added go to stdout.
    Exit 1 when a URL or a document failed, a host that cannot be reached included.

    \b
    Examples:
      pincite crawl https://example.org/rcp/meetings/ --depth 2 --delay 5 --contact https://example.org/me
      pincite crawl --sources examples/rcp-sources.toml --source rcm --dry-run
    """
    from pincite.ingest import crawl as crawling

    given = {
        "depth": depth, "delay": delay, "scopes": tuple(scope) or None, "patterns": tuple(follow) or None,
        "types": tuple(types) or None, "contact": contact, "user_agent": user_agent,
        "max_size": int(max_size * 1024 * 1024) if max_size else None,
    }  # fmt: skip
    params = {"scopes": "scope", "patterns": "follow"}
    configured = {
        k for k in given if ctx.get_parameter_source(params.get(k, k)) == ParameterSource.DEFAULT_MAP
    }  # from the config file: below a sources file, not above it
    base = crawling.CrawlOptions(**{k: v for k, v in given.items() if v is not None and k in configured})
    overrides = {k: v for k, v in given.items() if v is not None and k not in configured}
    jobs_to_run: list[tuple[str, tuple[str, ...], crawling.CrawlOptions]] = []
    if urls:
        jobs_to_run.append(("", tuple(urls), replace(base, **overrides)))
    if sources_file:
        sources = crawling.load_sources(sources_file, base)
        unknown = set(only) - {s.name for s in sources}
        if unknown:
            raise click.UsageError(f"no source named {', '.join(sorted(unknown))} in {sources_file}")
        for s in sources:
            if not only or s.name in only:
                jobs_to_run.append((s.name, s.seeds, replace(s.options, **overrides)))
    if not jobs_to_run:
        raise click.UsageError("give start URLs or --sources FILE")
    ws = _ws(ctx, write=not dry_run)
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
        parsed, rep = ws.reindex(jobs=jobs, progress=_progress(quiet))
        failed |= _name_failures(parsed)
        if not quiet:
            ok = sum(1 for o in parsed if o.status == "ok")
            click.echo(f"pincite: {ok} parsed; index {rep.generation}: +{len(rep.added)} ~{len(rep.replaced)} "
                       f"-{len(rep.removed)} documents", err=True)
    sys.exit(EXIT_FAILED if failed else EXIT_OK)


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
    """Remove documents (by id, as `pincite docs` lists them) from the catalogue, the index and the
    kept files (raw bytes no other document has).

    An unknown id removes nothing (exit 1). A removed file stays out of later ingests of its folder;
    to bring it back, ingest it by name (`pincite ingest PATH/TO/FILE`).

    \b
    Examples:
      pincite remove briefing-unitar-rcps-2006
      pincite docs --format json | jq -r '.[] | select(.status == "failed") | .doc' | xargs pincite remove
    """
    ws = _ws(ctx)
    removed, rep = ws.remove(doc_ids, wait=wait)
    click.echo(f"pincite: removed {', '.join(removed)}; index {rep.generation or '-'}", err=True)


@cli.command()
@click.option("--verify", is_flag=True, help="Also check every document's units in the index.")
@output_options(("text", "json"), colour=False)
@click.pass_context
@domain_errors
def status(ctx, verify, fmt):
    """Documents by status, units, and whether the index is up to date.

    Exit 0 when the index matches the catalogue, 1 when it is out of date or damaged (the output
    says how to repair it).

    \b
    Examples:
      pincite status
      pincite status --verify --format json
    """
    import json

    ws = _ws(ctx)
    st = ws.status(verify=verify)
    if fmt == "json":
        click.echo(json.dumps(st, indent=2, ensure_ascii=False))
    else:
        click.echo(_status_text(st))
    sys.exit(EXIT_OK if st["healthy"] else EXIT_FAILED)


@cli.command("open")
@click.argument("citation")
@click.option("--print", "-p", "just_print", is_flag=True,
              help="Print the file (or URL) and the page, tab-separated, instead of opening it.")  # fmt: skip
@click.option("--viewer", metavar="COMMAND",
              help="The viewer to run, with {path} and {page} in it: 'zathura --page={page} {path}' "
                   "[default: zathura, evince, okular, qpdfview or mupdf at the page, else xdg-open].")  # fmt: skip
@click.option("--lang", help="The version of the document in this language (en, fr, es…).")
@click.pass_context
@domain_errors
def open_(ctx, citation, just_print, viewer, lang):
    """Open the file a citation comes from, at its page, with the desktop's viewer.

    The file is the one ingested if it is still there, else pincite's own copy in the home; a crawled
    document opens at its URL. Says so when there is no viewer (exit 1); --print then gives the file
    and page.

    \b
    Examples:
      pincite open "A/68/190, annex, para. 10 (e)"
      pincite open "A/68/190, annex, para. 10 (e)" --print
      pincite open report-2017#40 --viewer 'evince --page-label={page} {path}'
    """
    from pincite import viewer as viewers

    ws = _ws(ctx)
    target = ws.locate(citation, lang)
    _note_samples(ws)
    page = target["page"]
    if just_print:
        click.echo(f"{target['path']}\t{page or ''}")
        return
    cmd = viewers.command(target["path"], page, viewer)
    if cmd is None:
        at = f", p. {page}" if page else ""
        raise NoViewer(
            f"no desktop viewer found (looked for {', '.join(viewers.KNOWN)}, xdg-open); "
            f"the paragraph is in {target['path']}{at}"
        )
    viewers.launch(cmd.args)
    at = f" at p. {page}" if page and cmd.at_page else ""
    later = f"; the paragraph is on p. {page}" if page and not cmd.at_page else ""
    click.echo(f"pincite: opening {target['path']}{at} with {cmd.name}{later}", err=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 opens it to the network (anyone who reaches it reads the documents).")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=8642, show_default=True, help="Port (0: any free one).")
@click.option("--access-log", is_flag=True, help="Log every request on stderr.")
@click.pass_context
@domain_errors
def serve(ctx, host, port, access_log):
    """Serve the home's search, paragraphs and documents as a web page (read-only).

    The pages call the same library as `search`, `show` and `docs`; /api/search and /api/show give
    the JSON of `search --format json` and `show --format json`. Says on stderr where it listens;
    Ctrl-C or SIGTERM stops it.

    \b
    Examples:
      pincite serve
      pincite --home ~/other-home serve --port 8700
      curl 'http://127.0.0.1:8642/api/search?q=labour+mobility&type=letter'
    """
    from pincite.web import serve as run

    ws = _ws(ctx)
    run(ws, host, port, say=lambda line: click.echo(line, err=True), access_log=access_log)


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


_status = [1]  # the exit status `main` ends the process with: 1 unless the command gives one


def main() -> None:
    """The `pincite` command. Once it is done, the process ends without freeing its objects one by
    one (the interpreter's teardown: 30-45 ms after an ingest, up to 3 % of its time; see
    BENCHMARKS.md), as Instagram's servers end theirs: the threads are joined and the exit handlers
    run as usual, the last of them (`_leave`) flushes stdout and stderr and ends the process. What
    needs closing is closed before: the catalogues at the end of each command (`_ws`), a database's
    connections by their own exit handler. A command also collects cyclic garbage less often than
    Python's default (`collector.for_a_command`)."""
    import atexit

    from pincite import collector

    collector.for_a_command()
    atexit.register(_leave)  # the first registered, so the last run
    try:
        cli(obj={}, prog_name="pincite")
    except SystemExit as e:
        code = e.code
        # sys.exit("message") prints the message and exits 1, as Python does
        _status[0] = 0 if code is None else code if isinstance(code, int) else 1
        raise
    except KeyboardInterrupt:
        _status[0] = 130
        raise


def _leave() -> None:
    import os

    if "logging" in sys.modules:  # its handlers flushed, as its own exit handler would
        sys.modules["logging"].shutdown()
    status = _status[0]
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`): what Python's own exit gives
            status = status or 120
    os._exit(status & 0xFF)


if __name__ == "__main__":
    main()

"""The web application of `pincite serve`: search, paragraph and document pages, and a JSON API.

Every page calls the `Workspace` methods the CLI calls (`search`, `show`, `docs`) and the API answers
with the CLI's own JSON (`render.search_json`, `render.render`): there is no second search path. The
query parameters are the CLI's option names (`q`, `limit`, `offset`, `type`, `lang`, `year`, `doc`,
`symbol`, `part`, `kind`, `group`, `sort`, `since`, `until`; `context` and `lang` for `show`).

Pages are Jinja2 templates with autoescaping: every value from the home or the request is escaped,
snippets included (their `<mark>` tags are rebuilt around escaped text). The site is read-only; the
file route serves only the home's own copies of documents (its raw store). With htmx, typing in the
search box replaces the results in place and puts the query in the URL; without JavaScript the same
form submits as a plain GET.
"""

from __future__ import annotations

import mimetypes
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from pincite import __version__, render
from pincite.corpus.model import OK
from pincite.errors import Ambiguous, BadQuery, NotFound, PinciteError
from pincite.search import citation
from pincite.workspace import Workspace

HERE = Path(__file__).resolve().parent
PAGE = 10  # hits per page, as the CLI's --limit
MAX_LIMIT = 1000  # one request's hits at most (the CLI has no limit; a browser needs one)
CONTEXT = 2  # paragraphs before and after on the paragraph page
MAX_CONTEXT = 50
FACET_TOP = 8
# The CLI's filter options: query parameter, `filters` key of Workspace.search, facet name.
FILTERS = (("type", "doctype"), ("lang", "lang"), ("year", "year"), ("doc", "doc"), ("symbol", "symbol"),
           ("part", "part"), ("kind", "kind"))  # fmt: skip
FACET_PARAM = {"type": "type", "year": "year", "lang": "lang", "doc": "doc"}
KINDS = ("paragraph", "footnote", "heading")
SORTS = (("relevance", "best first"), ("-date", "newest"), ("date", "oldest"))
TRUE, FALSE = ("1", "true", "on", "yes"), ("", "0", "false", "off", "no")

# What a browser may do with the pages: nothing from elsewhere, no inline script, no framing.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


# -- reading the request -----------------------------------------------------------------------------
@dataclass
class SearchArgs:
    """A search as the CLI's `search` options give it, read from query parameters."""

    q: str = ""
    limit: int = PAGE
    offset: int = 0
    filters: dict = field(default_factory=dict)
    group: bool = False
    facets: bool = False
    sort: str = "relevance"
    since: str | None = None
    until: str | None = None

    def kwargs(self) -> dict:
        return {"limit": self.limit, "offset": self.offset, "filters": self.filters, "group": self.group,
                "facets": self.facets, "sort": self.sort, "since": self.since, "until": self.until}  # fmt: skip

    @property
    def filtered(self) -> bool:
        return any(self.filters.values()) or bool(self.since or self.until)


def _int(params, name: str, default: int, high: int) -> int:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise BadQuery(f"--{name} takes a whole number of zero or more, not {raw!r}")
    n = int(raw)
    if n > high:
        raise BadQuery(f"--{name} takes at most {high} here, not {n}")
    return n


def _flag(params, name: str) -> bool:
    raw = params.get(name, "").strip().lower()
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise BadQuery(f"{name} takes 1 or 0, not {raw!r}")


def search_args(params, *, facets: bool | None = None) -> SearchArgs:
    """The CLI's search options from query parameters; BadQuery (a 400) names what is wrong."""
    a = SearchArgs(q=params.get("q", "").strip())
    a.limit = _int(params, "limit", PAGE, MAX_LIMIT)
    a.offset = _int(params, "offset", 0, 10**9)
    a.filters = {key: tuple(v.strip() for v in params.getlist(name) if v.strip()) for name, key in FILTERS}
    a.group = _flag(params, "group")
    a.facets = _flag(params, "facets") if facets is None else facets
    a.sort = params.get("sort", "").strip() or "relevance"
    a.since = params.get("since", "").strip() or None
    a.until = params.get("until", "").strip() or None
    return a


# -- rendering -------------------------------------------------------------------------------------------
def marked(snippet: str) -> Markup:
    """A snippet with its matched words in <mark>, everything else escaped."""
    out, last = [], 0
    for m in render.MARK_RE.finditer(snippet or ""):
        out.append(escape(snippet[last : m.start()]))
        out.append(Markup("<mark>") + escape(m.group(1)) + Markup("</mark>"))
        last = m.end()
    out.append(escape((snippet or "")[last:]))
    return Markup("").join(out)


def _pairs(params, drop: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(k, v) for k, v in params.multi_items() if k not in drop and v.strip()]


def url(path: str, pairs) -> str:
    """A URL with these query parameters (a list of pairs, empty values left out)."""
    pairs = [(k, str(v)) for k, v in pairs if str(v) != ""]
    return path + ("?" + urlencode(pairs) if pairs else "")


def show_url(cite: str, lang: str | None = None) -> str:
    return url("/show", [("cite", cite), ("lang", lang or "")])


def file_url(doc: str, page: int | None = None) -> str:
    return f"/file/{quote(doc, safe='')}" + (f"#page={page}" if page else "")


def web_source(source: str) -> str | None:
    """A document's source as a link, when it is a web address (never another scheme)."""
    return source if re.match(r"https?://", source or "", re.I) else None


ENV = Environment(loader=PackageLoader("pincite.web", "templates"), autoescape=select_autoescape(default=True),
                  trim_blocks=True, lstrip_blocks=True)  # fmt: skip
ENV.globals.update(url=url, show_url=show_url, file_url=file_url, marked=marked, web_source=web_source,
                   plural=render.plural, version=__version__, kinds=KINDS, sorts=SORTS)  # fmt: skip


def page(request: Request, template: str, code: int = 200, **context) -> HTMLResponse:
    context.setdefault("q", "")
    context.setdefault("hidden", [])
    context.setdefault("live", False)
    html = ENV.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=code, headers=SECURITY_HEADERS)


def partial(request: Request) -> bool:
    """An htmx request for the results only (not a history restore, which wants the whole page)."""
    h = request.headers
    return (
        h.get("hx-request") == "true"
        and h.get("hx-history-restore-request") != "true"
        and h.get("hx-request-type", "partial") == "partial"
    )


# -- the application ---------------------------------------------------------------------------------
class Site:
    """The routes over one home. Library calls take a lock: the index reader the search keeps open
    is shared, and Whoosh readers are not made for concurrent use."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.lock = threading.Lock()

    @contextmanager
    def library(self):
        """The lock around library calls. `using_samples` is said afresh by each call (documents
        ingested while the server runs end the samples' turn)."""
        with self.lock:
            self.ws.using_samples = False
            yield self.ws

    def call(self, fn, *args, **kw):
        with self.library():
            return fn(*args, **kw)

    # pages
    def home_or_results(self, request: Request) -> Response:
        params = request.query_params
        try:
            a = search_args(params)  # facets come in a request of their own (/facets), unless asked
        except BadQuery as e:
            return self.error(request, 400, str(e))
        hidden = [
            (k, v) for k, v in _pairs(params, ("q", "offset", "facets")) if k != "limit" or v != str(PAGE)
        ]
        ctx = {"q": a.q, "hidden": hidden, "live": True, "autofocus": True}
        if not a.q and not a.filtered:
            ctx.update(docs=self.call(lambda: len(self.ws.reader().documents(status=OK))))
            ctx["samples"] = self.ws.using_samples
            return page(request, "_home.html" if partial(request) else "home.html", **ctx)
        try:
            res = self.call(self.ws.search, a.q, **a.kwargs())
        except BadQuery as e:
            ctx.update(message=str(e), status=400)
            return page(request, "_error.html" if partial(request) else "results.html", 400, **ctx)
        ctx.update(
            res=res, rows=[h.dump() for h in res.hits], args=a, params=_pairs(params, ("offset",)),
            facets=_facets(res.facets, a, _pairs(params, ("offset", "facets"))) if a.facets else None,
            chips=_chips(a, _pairs(params, ("offset", "facets"))),
            samples=self.ws.using_samples,
        )  # fmt: skip
        return page(request, "_results.html" if partial(request) else "results.html", **ctx)

    def facets(self, request: Request) -> Response:
        """The facets of a search, as the fragment the results page fetches once it has shown the
        hits: counting every match costs more than the page of hits, and should not delay it."""
        params = request.query_params
        try:
            a = search_args(params, facets=True)
            a.limit, a.offset = 0, 0
            res = self.call(self.ws.search, a.q, **a.kwargs())
        except BadQuery as e:
            return self.error(request, 400, str(e))
        pairs = _pairs(params, ("offset", "facets"))
        return page(request, "_facets.html", facets=_facets(res.facets, a, pairs))

    def show(self, request: Request) -> Response:
        params = request.query_params
        cite = params.get("cite", "").strip()
        lang = params.get("lang", "").strip() or None
        if not cite:
            return self.error(request, 400, "give a citation: /show?cite=A/68/190, annex, para. 2")
        try:
            context = _int(params, "context", CONTEXT, MAX_CONTEXT)
            with self.library():
                rows = self.ws.show(cite, context=context, lang=lang)
                row = rows[0]
                store = self.ws.reader()
                doc = store.document(row["doc"])
                unit = store.unit(row["doc"], row["seq"])
                styles = [(s, citation.cite(doc, unit, s)) for s in citation.STYLES]
                versions = _versions(store, doc)
                stored = _stored_file(store, doc) is not None
        except Ambiguous as e:
            # each candidate line ends with its unit's id (DOC#SEQ), which names it alone
            cands = [(c, m.group(1) if (m := re.search(r"\(([\w.-]+#\d+)", c)) else c) for c in e.candidates]
            return self.error(request, 300, str(e).split(":\n")[0], candidates=cands)
        except NotFound as e:
            return self.error(request, 404, str(e))
        except BadQuery as e:
            return self.error(request, 400, str(e))
        return page(
            request, "show.html", row=row, doc=doc, styles=styles, versions=versions, stored=stored,
            context=context, lang=lang, samples=self.ws.using_samples,
        )  # fmt: skip

    def docs(self, request: Request) -> Response:
        rows = self.call(self.ws.docs)
        return page(request, "docs.html", rows=rows, samples=self.ws.using_samples)

    def file(self, request: Request) -> Response:
        doc_id = request.path_params["doc"]
        with self.library():
            store = self.ws.reader()
            doc = store.document(doc_id)
            path = _stored_file(store, doc) if doc is not None else None
        if doc is None:
            return self.error(request, 404, f"no document with id {doc_id!r} (see /docs)")
        if path is None:
            return self.error(request, 404, f"the home keeps no copy of {doc_id!r}'s file")
        media = _media_type(doc, path)
        headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
        if media != "application/pdf":  # a stored HTML page must not run in this site's origin
            headers["Content-Security-Policy"] = (
                "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
            )
        name = Path(doc.source.split("?")[0].rstrip("/")).name or doc.id
        return FileResponse(
            path, media_type=media, headers=headers, filename=name, content_disposition_type="inline"
        )

    # the API: the CLI's JSON, byte for byte (with the newline click.echo adds)
    def api_search(self, request: Request) -> Response:
        params = request.query_params
        try:
            a = search_args(params)
            if "q" not in params and not a.filtered:
                raise BadQuery(
                    "give a query: /api/search?q=WORDS (the filters of `pincite search` as parameters)"
                )
            res = self.call(self.ws.search, a.q, **a.kwargs())
        except BadQuery as e:
            return _json_error(400, str(e))
        return _json(render.search_json(a.q, res, offset=a.offset, limit=a.limit, facets=a.facets))

    def api_show(self, request: Request) -> Response:
        params = request.query_params
        cite = params.get("cite", "").strip()
        try:
            if not cite:
                raise BadQuery("give a citation: /api/show?cite=CITATION")
            context = _int(params, "context", 0, MAX_CONTEXT)
            rows = self.call(self.ws.show, cite, context=context, lang=params.get("lang", "").strip() or None)
        except BadQuery as e:
            return _json_error(400, str(e))
        except NotFound as e:
            return _json_error(404, str(e))
        return _json(render.render(rows, "json", render.unit_text))

    # errors
    def error(self, request: Request, status: int, message: str, **extra) -> HTMLResponse:
        return page(request, "error.html", status, status=status, message=message, **extra)

    def not_found(self, request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return self.error(request, 404, f"there is no page {request.url.path!r} here")
        return self.error(request, exc.status_code, exc.detail or "that cannot be done here")

    def failed(self, request: Request, exc: Exception) -> Response:
        """A library error (the home or index is unwell) is said as the CLI says it; anything else
        goes to the server's log with its traceback (Starlette re-raises it to uvicorn), and the
        browser gets a page without one."""
        if isinstance(exc, PinciteError):
            return self.error(request, 503, str(exc))
        return self.error(request, 500, "something went wrong on the server (its log says what)")


def _json(text: str, status: int = 200) -> Response:
    return Response(text + "\n", status_code=status, media_type="application/json",
                    headers={"X-Content-Type-Options": "nosniff"})  # fmt: skip


def _json_error(status: int, message: str) -> Response:
    import json

    return _json(json.dumps({"error": message}, ensure_ascii=False), status)


def _facets(facets: dict, a: SearchArgs, pairs: list[tuple[str, str]]) -> list[dict]:
    """Facets as links: each value adds its filter to the search (or takes it off when it is on)."""
    out = []
    for name, counts in facets.items():
        param = FACET_PARAM.get(name)
        if param is None:
            continue
        on = set(a.filters.get(dict(FILTERS)[param], ()))
        items = []
        for value, n in list(counts.items())[:FACET_TOP]:
            if value == "(none)":
                items.append({"value": value, "n": n, "href": None, "on": False})
                continue
            if value in on:
                href = url("/", [(k, v) for k, v in pairs if not (k == param and v == value)])
            else:
                href = url("/", [*pairs, (param, value)])
            items.append({"value": value, "n": n, "href": href, "on": value in on})
        out.append({"name": name, "items": items, "more": max(0, len(counts) - FACET_TOP)})
    return out


def _chips(a: SearchArgs, pairs: list[tuple[str, str]]) -> list[dict]:
    """The filters in force, each with a link that takes it off."""
    names = {n for n, _ in FILTERS} | {"since", "until", "group", "sort"}
    out = []
    for k, v in pairs:
        if k in names and not (k == "sort" and v == "relevance"):
            out.append(
                {"name": k, "value": v, "href": url("/", [(x, y) for x, y in pairs if (x, y) != (k, v)])}
            )
    return out


def _versions(store, doc) -> list:
    """The document's versions in other languages: same symbol, or the same name, another language."""
    if doc is None:
        return []
    out = []
    for d in store.documents(status=OK):
        if d.id == doc.id or not d.lang or d.lang == doc.lang:
            continue
        if (doc.symbol and d.symbol == doc.symbol) or (doc.name and d.name == doc.name):
            out.append(d)
    return sorted(out, key=lambda d: d.lang)


def _stored_file(store, doc) -> Path | None:
    """The home's own copy of a document's file, inside its raw store; None when there is none."""
    if doc is None or not re.fullmatch(r"[0-9a-f]{16,128}", doc.sha256 or ""):
        return None
    raw = store.raw_dir.resolve()
    for p in sorted(store.raw_path(doc.sha256).parent.glob(doc.sha256 + "*")):
        try:
            real = p.resolve(strict=True)
        except OSError:
            continue
        if real.is_relative_to(raw) and real.is_file():
            return real
    return None


def _media_type(doc, path: Path) -> str:
    by_format = {"pdf": "application/pdf", "html": "text/html; charset=utf-8", "text": "text/plain; charset=utf-8",
                 "markdown": "text/plain; charset=utf-8",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}  # fmt: skip
    if doc.fmt in by_format:
        return by_format[doc.fmt]
    guess = mimetypes.guess_type(doc.source.split("?")[0])[0] or mimetypes.guess_type(path.name)[0]
    return guess or "application/octet-stream"


def create_app(home: Path | str | None = None, ws: Workspace | None = None) -> Starlette:
    """The application over a home (a Workspace the caller made, or one of `home`)."""
    site = Site(ws if ws is not None else Workspace(home))
    routes = [
        Route("/", site.home_or_results),
        Route("/show", site.show),
        Route("/docs", site.docs),
        Route("/facets", site.facets),
        Route("/file/{doc}", site.file),
        Route("/api/search", site.api_search),
        Route("/api/show", site.api_show),
        Route("/healthz", lambda request: PlainTextResponse("ok\n")),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: site.not_found, Exception: site.failed})
    app.state.site = site
    return app

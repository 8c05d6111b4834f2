"""A small misbehaving web site on loopback, for the crawler's tests.

Every request is logged (time, path, headers) so that tests check what the server saw, not only what
pincite says it did. Routes are functions of the handler returning a `Reply`; a body may be an iterator
of chunks, sent with chunked transfer encoding and no Content-Length.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass
class Reply:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True  # send an ETag, answer If-None-Match with 304 when it matches
    # (a Last-Modified header in `headers` is answered likewise when If-Modified-Since repeats it)


@dataclass
class Hit:
    t: float
    path: str
    headers: dict[str, str]
    status: int = 0


Route = Callable[["Site", Hit], Reply]


class Site:
    """A ThreadingHTTPServer on 127.0.0.1 with a route table and a request log."""

    def __init__(self, routes: dict[str, Route | Reply] | None = None) -> None:
        self.routes: dict[str, Route | Reply] = dict(routes or {})
        self.log: list[Hit] = []
        self.lock = threading.Lock()
        self.sent: dict[str, int] = {}  # path → body bytes written (for aborted streams)
        self.on_request: Callable[[Hit], None] | None = None
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                hit = Hit(time.monotonic(), self.path, {k.lower(): v for k, v in self.headers.items()})
                with site.lock:
                    site.log.append(hit)
                if site.on_request:
                    site.on_request(hit)
                route = site.routes.get(self.path.split("?")[0])
                reply = Reply(404, b"<html><body>not found</body></html>", etag=False)
                if route is not None:
                    reply = route(site, hit) if callable(route) else route
                self._send(hit, reply)

            def _send(self, hit: Hit, reply: Reply) -> None:
                headers = dict(reply.headers)
                if isinstance(reply.body, bytes):
                    body: bytes | None = reply.body
                    if reply.status == 200 and reply.etag:
                        tag = '"' + hashlib.sha256(reply.body).hexdigest()[:16] + '"'
                        headers["ETag"] = tag
                        if hit.headers.get("if-none-match") == tag:
                            reply, body = Reply(304), b""
                    modified = headers.get("Last-Modified")
                    if reply.status == 200 and modified and hit.headers.get("if-modified-since") == modified:
                        reply, body = Reply(304), b""
                    headers.setdefault("Content-Length", str(len(body)))
                else:
                    body = None
                    headers["Transfer-Encoding"] = "chunked"
                hit.status = reply.status
                self.send_response(reply.status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    if body is not None:
                        self.wfile.write(body)
                        site.sent[hit.path] = len(body)
                        return
                    n = 0
                    for chunk in reply.body:  # type: ignore[union-attr]
                        self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                        n += len(chunk)
                        site.sent[hit.path] = n
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # clients closing kept-alive connections, or aborting a download on purpose

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def paths(self) -> list[str]:
        with self.lock:
            return [h.path for h in self.log]

    def hits(self, path: str) -> list[Hit]:
        with self.lock:
            return [h for h in self.log if h.path == path]


def html(*links: str, title: str = "page", extra: str = "") -> bytes:
    body = "".join(f'<p><a href="{href}">link {i}</a></p>' for i, href in enumerate(links))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>{extra}</head>"
        f"<body><h1>{title}</h1><p>Text of {title} about regional consultative processes.</p>{body}</body></html>"
    ).encode()

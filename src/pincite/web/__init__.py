"""`pincite serve`: the home's search, paragraphs and documents as a small web application.

`create_app` builds the Starlette application (pincite.web.app); `serve` binds the socket first (so a
port in use is a clear error, not a log line) and runs it with uvicorn until SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import ipaddress
import signal
import socket
from pathlib import Path

from pincite.errors import PinciteError

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8642


class CannotListen(PinciteError):
    exit_code = 1


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free port)."""
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as e:
        raise CannotListen(f"cannot listen on {host}:{port}: {e.strerror or e}") from e
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(128)
    except OSError as e:
        sock.close()
        hint = " (is another `pincite serve` running? give --port)" if e.errno == 98 else ""
        raise CannotListen(f"cannot listen on {host}:{port}: {e.strerror or e}{hint}") from e
    sock.set_inheritable(True)
    return sock


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _server(config):
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, except that a stop asked for with SIGTERM or Ctrl-C ends the command
        normally (uvicorn re-raises the signal after its graceful shutdown, so the process would
        die of it, exit status -15, without a word)."""

        stopped_by: int | None = None

        def handle_exit(self, sig, frame) -> None:
            self.stopped_by = sig
            super().handle_exit(sig, frame)
            getattr(self, "_captured_signals", []).clear()

    return Server(config)


def serve(
    ws, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, say=print, access_log: bool = False
) -> None:
    """Serve the workspace's home until stopped (SIGTERM, SIGINT); `say` tells where it listens."""
    import uvicorn

    from pincite.web.app import create_app

    sock = bind(host, port)
    app = create_app(ws=ws)
    config = uvicorn.Config(app, log_level="info" if access_log else "warning", access_log=access_log,
                            server_header=False, lifespan="off")  # fmt: skip
    server = _server(config)
    home = Path(ws.home)
    say(f"pincite: serving {home} at {address(sock)} (Ctrl-C stops)")
    if not is_loopback(host):
        say(
            f"pincite: listening on {host}, not only this machine: anyone who can reach it can read these documents"
        )
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    if server.stopped_by is not None:
        say(f"pincite: stopped ({signal.Signals(server.stopped_by).name})")

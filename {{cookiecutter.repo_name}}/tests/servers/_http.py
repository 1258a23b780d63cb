"""What the test servers (KFP, GitHub, Slack) share: the HTTP plumbing around their own logic.

Each server decides what to answer; this module runs it on 127.0.0.1 in a daemon thread
(``BackgroundServer``: start/stop, a context manager, its URL), moves bytes between the socket
and that logic (``read_body``/``send``), and keeps a shell-started server up until Ctrl-C or
SIGTERM (``serve_until_stopped``).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

# A short poll interval keeps stop() (and so every fixture teardown) fast.
POLL_INTERVAL = 0.02


class LocalHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer on 127.0.0.1 (port 0: a free one) whose request threads never
    keep the test process alive."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", port), handler)


class BackgroundServer:
    """Serves ``httpd`` in a daemon thread between ``start()`` and ``stop()`` (or a ``with``
    block). ``path_prefix`` is appended to ``url`` (GitHub Enterprise serves under /api/v3)."""

    thread_name = "test-http-server"

    def __init__(self, httpd: ThreadingHTTPServer, *, path_prefix: str = "") -> None:
        self._httpd = httpd
        self._path_prefix = path_prefix
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{self._path_prefix}"

    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=self.thread_name,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """The request body as sent (Content-Length bytes; none without the header)."""
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    content_type: str,
    body: bytes,
    headers: Iterable[tuple[str, str]] = (),
) -> None:
    """One whole response; a HEAD request gets the headers only."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers:
        handler.send_header(name, value)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def serve_until_stopped() -> None:
    """Block until Ctrl-C or SIGTERM: the main loop of a server started from a shell."""
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()

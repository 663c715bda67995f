"""A readiness and liveness endpoint operations can probe (GET /ready, GET /live)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def serve_health(port: int, ready: threading.Event, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """Start answering on `port` in a daemon thread: /ready is 200 only while `ready` is set."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/live":
                status, body = 200, b"live\n"
            elif self.path == "/ready":
                status, body = (200, b"ready\n") if ready.is_set() else (503, b"not ready\n")
            else:
                status, body = 404, b"try /ready or /live\n"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Probes every few seconds would drown the log."""

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    return server

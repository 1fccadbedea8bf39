"""A local HTTP server for calendar-import tests: serves whatever a test puts at a path.

    with FeedServer() as server:
        server.serve("/verein.ics", body, etag='"v1"')
        url = server.url("/verein.ics")

Honours If-None-Match (304) when an ETag is set, and records every request's headers.
A route can also be a callable taking the request handler (for slow or odd answers).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def do_GET(self):
        server = self.server.feed_server
        server.requests.append({"path": self.path, "headers": dict(self.headers)})
        route = server.routes.get(self.path.split("?", 1)[0])
        if route is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if callable(route):
            route(self)
            return
        status, headers, body = route
        etag = headers.get("ETag")
        if etag and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FeedServer:
    def __init__(self):
        self.routes: dict = {}
        self.requests: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.feed_server = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: bytes | str, *, status: int = 200, etag: str = "", content_type="text/calendar"):
        body = body.encode("utf-8") if isinstance(body, str) else body
        headers = {"Content-Type": content_type}
        if etag:
            headers["ETag"] = etag
        self.routes[path] = (status, headers, body)

    def serve_with(self, path: str, handler):
        self.routes[path] = handler

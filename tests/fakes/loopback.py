"""What every fake vendor server shares: a threaded HTTP server on a free loopback port."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that timed out has hung up; writing to it fails, and that is expected.
        pass


class LoopbackFake:
    """Start/stop and context-manager plumbing; subclasses name their request handler,
    which reaches the fake as `self.server.fake`."""

    handler_class: type[BaseHTTPRequestHandler]

    def __init__(self):
        self._stopping = threading.Event()
        self._server: QuietServer | None = None
        self._thread: threading.Thread | None = None

    def start(self):
        self._stopping.clear()
        self._server = QuietServer(("127.0.0.1", 0), self.handler_class)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # wakes handlers sleeping on an injected delay
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


class OneShotHandler(BaseHTTPRequestHandler):
    """GET and POST go to `_handle`; one request per connection, so nothing stays open
    when the fake stops; no access log on the test output."""

    protocol_version = "HTTP/1.0"

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def log_message(self, format, *args):
        pass

    def _handle(self) -> None:
        raise NotImplementedError

"""A real HTTP receiver for webhook tests: each path answers as its script says, and
every request is verified independently with the ``standardwebhooks`` package."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError

#: (status, extra headers) for the n-th request (from 1) to a path.
Script = Callable[[int], tuple[int, dict[str, str]]]


def always(status: int, headers: dict[str, str] | None = None) -> Script:
    return lambda _n: (status, headers or {})


def fails_then(failures: int, status: int, then: int = 200) -> Script:
    return lambda n: (status if n <= failures else then, {})


@dataclass(frozen=True)
class Received:
    path: str
    webhook_id: str
    body: bytes
    headers: dict[str, str]
    #: Which of the path's secrets verified it (indexes), empty: none did.
    verified_by: tuple[int, ...]
    status: int


@dataclass
class Receiver:
    url: str = ""
    scripts: dict[str, Script] = field(default_factory=dict)
    secrets: dict[str, list[str]] = field(default_factory=dict)
    #: Paths that never answer (until the receiver stops).
    hang: set[str] = field(default_factory=set)
    #: Paths whose first request is held without an answer until the event is set.
    hold_first: dict[str, threading.Event] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)

    def of(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path]

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        length = int(handler.headers.get("content-length", "0"))
        body = handler.rfile.read(length)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self.lock:
            n = self.counts[path] = self.counts.get(path, 0) + 1
        if path in self.hang:
            self.stopping.wait(120)
            return
        if path in self.hold_first and n == 1:
            with self.lock:
                self.received.append(
                    Received(path, headers.get("webhook-id", ""), body, headers, (), 0)
                )
            self.hold_first[path].wait(60)
            handler.close_connection = True
            return
        status, extra = self.scripts.get(path, always(200))(n)
        verified = tuple(
            i for i, s in enumerate(self.secrets.get(path, [])) if _verifies(s, body, headers)
        )
        with self.lock:
            self.received.append(
                Received(path, headers.get("webhook-id", ""), body, headers, verified, status)
            )
        handler.send_response(status)
        for name, value in extra.items():
            handler.send_header(name, value)
        handler.send_header("content-length", "0")
        handler.end_headers()


def _verifies(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            receiver.handle(self)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield receiver
    finally:
        receiver.stopping.set()
        server.shutdown()
        server.server_close()
        time.sleep(0)

"""The attempt's time budget holds against an endpoint that answers a byte at a time.

Socket timeouts count per receive, so a server that drips its answer would keep
a worker thread for as long as it likes; the transport's watchdog cuts the
socket at the deadline. A real TCP server, no stand-ins.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from issuance.webhooks import transport, urls


def _drip(server: socket.socket, stop: threading.Event) -> None:
    conn, _ = server.accept()
    with conn:
        conn.recv(65536)
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
            if stop.is_set():
                return
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                return  # the client cut the connection: what the test wants
            stop.wait(0.1)  # well under the per-receive timeout


@pytest.fixture
def dripping_url() -> Iterator[str]:
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    thread = threading.Thread(target=_drip, args=(server, stop), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    stop.set()
    server.close()
    thread.join(timeout=5)


def test_a_dripping_answer_is_cut_at_the_budget(dripping_url: str) -> None:
    target = urls.resolve(dripping_url, allow_private=True)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        transport.post(target, b"{}", {"content-type": "application/json"}, timeout=1.0)
    took = time.monotonic() - started
    # Without the watchdog the drip (1,000 bytes, 0.1 s apart) takes 100 s.
    assert took < 3.0, f"the 1 s budget took {took:.1f} s"

"""Issue 19, item 9: an upload is capped while it is read. A Content-Length over the cap
is refused before a byte of the body is read; a body without one (chunked) is cut off
at the cap; a file within the cap is hashed and compared as before.

A counting middleware around the app measures what the app read from the request."""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from certflow.settings import load_settings
from chain.devnode import free_port
from tests.integration.web.conftest import Server
from tests.integration.web.test_admin_pages import admin_env
from web.uploads import FORM_OVERHEAD

CAP = 100_000
#: The most uvicorn hands the app in one piece (asyncio's socket read size): the piece
#: that crosses the cap is received whole, and dropped.
READ_CHUNK = 256 * 1024


class CountingBody:
    """Counts the request body bytes the app pulled through ``receive``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app, self.read = app, 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted() -> Message:
            message = await receive()
            self.read += len(message.get("body", b""))
            return message

        await self.app(scope, counted, send)


@pytest.fixture
def counting() -> CountingBody:
    return CountingBody(lambda scope, receive, send: None)  # type: ignore[arg-type,return-value]


@pytest.fixture
def capped_site(
    web_database_url: str, admin_database_url: str, counting: CountingBody
) -> Iterator[Server]:
    env = {**admin_env(web_database_url, admin_database_url), "MAX_UPLOAD_BYTES": str(CAP)}

    def wrap(app: ASGIApp) -> ASGIApp:
        counting.app = app
        return counting

    with Server(load_settings(env), free_port(), wrap=wrap) as server:
        yield server


def _post_raw(url: str, head: dict[str, str], body: Iterator[bytes]) -> str:
    """POST from a socket, sending the body on a thread while the response is read, so
    the answer is seen even when the server stops reading early; the status line."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=20)
    lines = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.hostname}:{parts.port}"]
    lines += [f"{name}: {value}" for name, value in head.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

    def send_body() -> None:
        try:
            for chunk in body:
                sock.sendall(chunk)
        except OSError:  # the server answered and closed: what we expect
            pass

    sender = threading.Thread(target=send_body, daemon=True)
    sender.start()
    answer = sock.makefile("rb").readline().decode()
    sock.close()
    return answer


def _multipart(boundary: str, size: int) -> Iterator[bytes]:
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    block = b"%" * 65_536
    for _ in range(size // len(block)):
        yield block
    yield f"\r\n--{boundary}--\r\n".encode()


def _chunked(pieces: Iterator[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


def test_a_declared_length_over_the_cap_is_refused_before_the_body_is_read(
    capped_site: Server, counting: CountingBody
) -> None:
    size = 200 * 1024 * 1024
    head = {
        "Content-Type": "multipart/form-data; boundary=xyz",
        "Content-Length": str(size),
    }

    status = _post_raw(capped_site.url + "/verify", head, _multipart("xyz", size))

    assert status.startswith("HTTP/1.1 413")
    assert counting.read == 0


def test_a_chunked_body_over_the_cap_is_cut_off_at_the_cap(
    capped_site: Server, counting: CountingBody
) -> None:
    head = {
        "Content-Type": "multipart/form-data; boundary=xyz",
        "Transfer-Encoding": "chunked",
    }

    status = _post_raw(
        capped_site.url + "/verify", head, _chunked(_multipart("xyz", 20 * 1024 * 1024))
    )

    assert status.startswith("HTTP/1.1 413")
    assert 0 < counting.read <= CAP + FORM_OVERHEAD + READ_CHUNK


def test_a_file_within_the_cap_is_hashed_and_compared(capped_site: Server) -> None:
    data = b"%PDF-1.7 not one of ours" * 100

    response = requests.post(
        capped_site.url + "/verify", files={"file": ("mine.pdf", data)}, timeout=10
    )

    assert response.status_code == 200
    assert hashlib.sha256(data).hexdigest() in response.text
    assert "does not match any certificate" in response.text

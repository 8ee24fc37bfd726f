"""Issue 19, item 2: a node that answers an error certflow does not recognise, with its
API key in the text, never flips the page's verdict nor shows its text: the page says
the chain could not be checked now, the JSON gives a code, and no log line, error or
traceback carries the key. The error is transient, so workers retry it (boundedly)."""

from __future__ import annotations

import json
import threading
import traceback
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from structlog.testing import capture_logs

from certflow.errors import ChainError
from certflow.settings import load_settings
from chain.devnode import free_port
from chain.rpc import chain_errors, make_web3
from tests.integration.web.conftest import Issue, Server
from workers import policy

KEY = "sk_live_0a1b2c3d4e5f60718293a4b5c6d7e8f9"


class EchoingNode:
    """A JSON-RPC endpoint (API key in its path and query) that answers every call with
    an error no node is known to send, quoting its own URL, key and bearer token."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                calls = request if isinstance(request, list) else [request]
                message = (
                    f"upstream exploded at https://rpc.example/v2/{KEY}?apikey={KEY}"
                    f" (sent Authorization: Bearer {KEY}; api_key={KEY})"
                )
                answers = [
                    {
                        "jsonrpc": "2.0",
                        "id": c.get("id"),
                        "error": {"code": -32099, "message": message},
                    }
                    for c in calls
                ]
                body = json.dumps(answers if isinstance(request, list) else answers[0]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v2/{KEY}?apikey={KEY}"

    def __enter__(self) -> EchoingNode:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def echoing() -> Iterator[EchoingNode]:
    with EchoingNode() as node:
        yield node


def test_an_unrecognised_node_error_is_transient_and_never_quotes_the_node(
    echoing: EchoingNode,
) -> None:
    w3 = make_web3(echoing.url, 5)

    with pytest.raises(ChainError) as caught, chain_errors("reading the block number"):
        w3.eth.get_block_number()

    error = caught.value
    assert error.transient
    assert error.user_message == (
        "reading the block number: the RPC node answered an error certflow does not"
        " recognise (code -32099)"
    )
    assert KEY not in "".join(traceback.format_exception(error))
    assert KEY not in policy.reason(error)


def test_the_page_says_could_not_check_now_and_shows_none_of_the_nodes_text(
    issue: Issue, web_env: dict[str, str], echoing: EchoingNode
) -> None:
    issued = issue()
    settings = load_settings({**web_env, "RPC_URL": echoing.url})

    with capture_logs() as logs, Server(settings, free_port()) as server:
        page = requests.get(f"{server.url}/verify/{issued.certificate.id}", timeout=30)
        api = requests.get(f"{server.url}/api/certificates/{issued.certificate.id}", timeout=30)

    assert page.status_code == 200
    assert "The chain could not be reached now" in page.text
    assert "Not verified" not in page.text
    body = api.json()
    assert body["verdict"] == "unconfirmed"
    assert {c["key"]: c["status"] for c in body["checks"]}["key"] == "unknown"
    for shown in (page.text, api.text, repr(logs)):
        assert KEY not in shown
        assert "upstream exploded" not in shown

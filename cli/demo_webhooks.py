"""The demo's app listening for webhooks: an endpoint registered as an admin does
(`certflow webhooks add`), and a local receiver that checks every delivery as an
app would, with the Standard Webhooks library (``standardwebhooks``).

Imported only when ``certflow demo`` runs. The receiver is on 127.0.0.1, so the
demo's processes run with WEBHOOK_ALLOW_PRIVATE=true (development only).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import sqlalchemy as sa
from standardwebhooks import Webhook, WebhookVerificationError

from db.engine import transaction
from db.webhooks import EVENT_TYPES

COMMUNITY = "default"


class DemoReceiver:
    """What the app's webhook URL received: event types verified, and ids refused."""

    def __init__(self) -> None:
        self.secret = ""
        self.verified: Counter[str] = Counter()
        self.ids: set[str] = set()
        self.refused = 0
        self._lock = threading.Lock()

    def receive(self, body: bytes, headers: dict[str, str]) -> int:
        try:
            event = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            with self._lock:
                self.refused += 1
            return 400
        with self._lock:
            if headers["webhook-id"] not in self.ids:  # at least once: drop repeats
                self.ids.add(headers["webhook-id"])
                self.verified[str(event["type"])] += 1
        return 204


@contextmanager
def receiving() -> Iterator[tuple[DemoReceiver, str]]:
    """A receiver on a free local port, and the URL to register."""
    receiver = DemoReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            self.send_response(
                receiver.receive(body, {k.lower(): v for k, v in self.headers.items()})
            )
            self.end_headers()

        def log_message(self, *_: object) -> None:  # the demo prints its own summary
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver, f"http://127.0.0.1:{server.server_port}/certflow-webhooks"
    finally:
        server.shutdown()
        server.server_close()


def register(env: dict[str, str], receiver: DemoReceiver, url: str) -> str:
    """`certflow webhooks add` for every event an app hears about; the endpoint's id."""
    events = ",".join(t for t in EVENT_TYPES if t != "webhook.test")
    argv = [sys.executable, "-m", "cli", "webhooks", "add", "--community", COMMUNITY]
    argv += ["--url", url, "--events", events, "--json"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    made = json.loads(done.stdout)
    receiver.secret = made["secret"]
    return str(made["id"])


def wait_delivered(engine: sa.Engine, timeout: float) -> dict[str, int]:
    """Wait until no delivery is pending; the deliveries by status."""
    deadline = time.monotonic() + timeout
    while True:
        with transaction(engine) as conn:
            rows = conn.execute(
                sa.text("SELECT status, count(*) FROM webhook_deliveries GROUP BY status")
            ).all()
        counts = {str(status): int(n) for status, n in rows}
        if not counts.get("pending") or time.monotonic() > deadline:
            return counts
        time.sleep(0.2)


def report(receiver: DemoReceiver, counts: dict[str, int]) -> None:
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(receiver.verified.items()))
    print(
        f"\nwebhooks: the app's endpoint received {sum(receiver.verified.values())} events,"
        f" each verified with standardwebhooks ({kinds}); refused {receiver.refused};"
        f" deliveries by status: {dict(sorted(counts.items()))}"
    )

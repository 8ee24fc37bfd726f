"""One POST to a checked address: no redirect followed, one time budget.

``http.client`` never follows redirects (a 3xx is an answer like any other)
and lets the connection be opened to an address of our choosing while the
Host header and the TLS server name (SNI, certificate check) stay the URL's
name: the transport connects only to the address ``urls.resolve`` checked.
Each worker thread keeps its connections alive, one per (scheme, name, port,
checked address): a name that resolves elsewhere next time gets a new one.
"""

from __future__ import annotations

import contextlib
import email.utils
import heapq
import http.client
import itertools
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from issuance.webhooks.urls import Target

#: Most of an answer's body that is read (and thrown away): the status is what counts.
_MAX_BODY = 64 * 1024
_TLS = ssl.create_default_context()
#: Errors of a kept-alive connection the endpoint closed meanwhile: sent again on a new one.
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
_POOL = threading.local()
Pool = dict[tuple[str, str, int, str], http.client.HTTPConnection]
#: Every thread's pool, so that ``close_idle`` reaches them (and a finished thread's
#: connections are closed by it, not left to the garbage collector).
_POOLS: list[Pool] = []
_POOLS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Answer:
    status: int
    #: Seconds the endpoint asked us to wait (Retry-After), if it said.
    retry_after: float | None


class _Pinned(http.client.HTTPConnection):
    """Plain HTTP to the checked address (development and tests only)."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedTls(http.client.HTTPSConnection):
    """TLS to the checked address, with the URL's host name for SNI and the certificate."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=_TLS)
        self.address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = _TLS.wrap_socket(sock, server_hostname=self.host)


def retry_after(value: str | None, now: float) -> float | None:
    """Retry-After in seconds from now: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def _connections() -> Pool:
    found: Pool | None = getattr(_POOL, "connections", None)
    if found is None:
        found = _POOL.connections = {}
        with _POOLS_LOCK:
            _POOLS.append(found)
    return found


def close_idle() -> None:
    """Close every kept-alive connection (a worker stopping)."""
    with _POOLS_LOCK:
        for pool in _POOLS:
            for key in list(pool):
                conn = pool.pop(key, None)
                if conn is not None:
                    conn.close()


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST ``body``; the answer's status. OSError (refused, reset, timed out) or
    http.client.HTTPException (not HTTP) when there is none."""
    deadline = time.monotonic() + timeout
    key = (target.scheme, target.host, target.port, target.address)
    pool = _connections()
    conn = pool.pop(key, None)
    if conn is not None:
        try:
            return _send(conn, pool, key, target, body, headers, deadline)
        except _STALE:
            conn.close()  # closed by the endpoint while idle: once more, on a new connection
    kind = _PinnedTls if target.scheme == "https" else _Pinned
    return _send(kind(target, timeout), pool, key, target, body, headers, deadline)


def _send(
    conn: http.client.HTTPConnection,
    pool: Pool,
    key: tuple[str, str, int, str],
    target: Target,
    body: bytes,
    headers: dict[str, str],
    deadline: float,
) -> Answer:
    kept = False
    # Socket timeouts count per receive: an endpoint that drips a byte now and then
    # would hold the thread for ever. The watchdog cuts the socket at the deadline.
    ticket = _WATCHDOG.watch(conn, deadline)
    try:
        conn.timeout = max(0.001, deadline - time.monotonic())
        if conn.sock is not None:
            conn.sock.settimeout(conn.timeout)
        conn.request("POST", target.path, body=body, headers=headers)
        # The budget covers the whole attempt: what connecting and sending used is gone.
        if conn.sock is not None:
            conn.sock.settimeout(max(0.001, deadline - time.monotonic()))
        response = conn.getresponse()
        response.read(_MAX_BODY)
        if not response.isclosed():
            response.close()
        elif not response.will_close:
            pool[key] = conn
            kept = True
        return Answer(response.status, retry_after(response.getheader("Retry-After"), time.time()))
    except (OSError, http.client.HTTPException) as exc:
        if time.monotonic() >= deadline:
            raise TimeoutError("the endpoint did not answer within the budget") from exc
        raise
    finally:
        _WATCHDOG.forget(ticket)
        if not kept:
            conn.close()


class _Watchdog:
    """One thread that shuts down the socket of any attempt still running at its deadline."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, http.client.HTTPConnection]] = []
        self._live: set[int] = set()
        self._tickets = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, conn: http.client.HTTPConnection, deadline: float) -> int:
        with self._wake:
            ticket = next(self._tickets)
            heapq.heappush(self._due, (deadline, ticket, conn))
            self._live.add(ticket)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="webhook-deadlines")
                self._thread.daemon = True
                self._thread.start()
            self._wake.notify()
            return ticket

    def forget(self, ticket: int) -> None:
        with self._wake:
            self._live.discard(ticket)

    def _run(self) -> None:
        with self._wake:
            while True:
                while self._due and self._due[0][1] not in self._live:
                    heapq.heappop(self._due)  # finished in time
                if not self._due:
                    self._wake.wait()
                    continue
                wait = self._due[0][0] - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                _, ticket, conn = heapq.heappop(self._due)
                self._live.discard(ticket)
                _cut(conn)


def _cut(conn: http.client.HTTPConnection) -> None:
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)


_WATCHDOG = _Watchdog()

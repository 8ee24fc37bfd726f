"""The status overview: the source's weekly-review queries, the queues and the signer, in
one picture. ``certflow status`` prints it and the admin page shows it.

Each part that depends on a service says so when the service is not there,
instead of failing the whole picture: ops open it precisely when things are down.
The queues to show are the caller's (``events.routes.QUEUES``), as for the
metrics collector: nothing here imports the layers above.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import redis
import sqlalchemy as sa

from certflow.errors import CertflowError, ConfigError
from certflow.settings import Settings
from chain.balance import balance_wei, in_ether
from chain.transactions import Signer
from db import overview as db_overview
from db.engine import transaction


def overview(settings: Settings, engine: sa.Engine, queues: Iterable[str]) -> dict[str, Any]:
    """The whole picture; ``queues``: the broker's queue names (each listed, even when empty)."""
    with transaction(engine) as conn:
        picture = db_overview.gather(conn, settings.chain_id)
        address = _signer_address(settings) or db_overview.last_signer(conn, settings.chain_id)
    letters = {row["queue"]: row["open"] for row in picture["dead_letters"]}
    picture["queues"] = queue_depths(settings, queues, letters)
    picture["signer"] = signer_status(settings, address)
    return picture


def queue_depths(
    settings: Settings, queues: Iterable[str], dead_letters: dict[str, int]
) -> list[dict[str, Any]]:
    """Per queue: messages ready, taken by a worker (not acked yet), delayed (retries
    waiting out their backoff), and open dead letters; read from dramatiq's Redis keys."""
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=3)
    depths = []
    try:
        for queue in sorted(set(queues)):
            key = f"{settings.broker_namespace}:{queue}"
            ready, stored, delayed = (
                client.llen(key),
                client.hlen(f"{key}.msgs"),
                client.hlen(f"{key}.DQ.msgs"),
            )
            depths.append(
                {
                    "queue": queue,
                    "ready": ready,
                    "in_flight": max(stored - ready, 0),
                    "delayed": delayed,
                    "dead_letters": dead_letters.get(queue, 0),
                }
            )
    except redis.RedisError as exc:
        return [{"error": f"Redis unreachable ({type(exc).__name__})"}]
    finally:
        client.close()
    return depths


def signer_status(settings: Settings, address: str | None) -> dict[str, Any]:
    """The signer's balance; skipped, saying why, without a signer or a reachable node."""
    if address is None:
        return {"skipped": "no signer: set SIGNER_PRIVATE_KEY or LOCK_MANAGER_ADDRESS"}
    try:
        wei = balance_wei(settings.rpc_url, address, settings.verify_rpc_timeout_seconds)
    except CertflowError as exc:
        return {"address": address, "skipped": f"chain unreachable: {exc.user_message}"}
    return {"address": address, "balance_wei": wei, "balance_eth": in_ether(wei)}


def _signer_address(settings: Settings) -> str | None:
    if settings.signer_private_key is not None:
        try:
            return str(Signer.from_key(settings.signer_private_key).address)
        except ConfigError:
            return None
    return settings.lock_manager_address

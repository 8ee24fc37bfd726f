"""What the relay, the scheduler and the web process export about the whole system.

Computed when Prometheus scrapes, not per event: one cheap snapshot from
Postgres (``certflow_metrics()``) and, where the caller passes a reader, the
signer's balance (the relay passes none: it never loads the chain stack).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import sqlalchemy as sa
import structlog
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from certflow.errors import CertflowError
from db.operations import metrics_snapshot

log = structlog.get_logger("certflow.metrics")

#: snapshot metric -> (exported name, help, label name or None, counter?)
_FAMILIES: dict[str, tuple[str, str, str | None, bool]] = {
    "outbox_pending": ("certflow_outbox_pending", "Outbox events not yet sent.", None, False),
    "outbox_oldest_pending_age_seconds": (
        "certflow_outbox_lag_seconds",
        "Age of the oldest outbox event not yet sent (0 when none waits).",
        None,
        False,
    ),
    "dead_letters": ("certflow_dead_letters", "Open dead letters per queue.", "queue", False),
    "chain_transactions": (
        "certflow_chain_transactions",
        "Chain transactions by status.",
        "status",
        False,
    ),
    "chain_gas_used": ("certflow_chain_gas_used", "Gas used by mined transactions.", None, True),
    "chain_pending_nonces": (
        "certflow_chain_pending_nonces",
        "Nonces signed or broadcast and not yet mined.",
        None,
        False,
    ),
    "chain_oldest_pending_age_seconds": (
        "certflow_chain_oldest_pending_seconds",
        "Age of the oldest transaction not yet mined (0 when none).",
        None,
        False,
    ),
}


#: Every status a chain transaction can have (sql/0005, 0013): each is exported, 0 included.
TX_STATUSES = ("signed", "broadcast", "mined", "failed", "superseded")


class OperationsCollector(Collector):
    """The Postgres snapshot and the signer's balance, read on each scrape.

    ``queues`` are exported with 0 dead letters when they have none, so a panel or
    an alert on a queue has a series before its first failure.
    """

    def __init__(
        self,
        engine: sa.Engine,
        balance: Callable[[], int] | None,
        queues: Iterable[str] = (),
    ) -> None:
        self.engine = engine
        self.balance = balance
        self.zeros = [("dead_letters", queue, 0.0) for queue in queues]
        self.zeros += [("chain_transactions", status, 0.0) for status in TX_STATUSES]

    def describe(self) -> Iterable[Metric]:
        return []  # computed on collect: nothing to describe ahead (no read at register)

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("certflow_database_up", "1 when the snapshot query answered.")
        try:
            samples = metrics_snapshot(self.engine)
        except CertflowError as exc:
            log.warning("metrics_snapshot_failed", error=exc.user_message)
            samples = None
        up.add_metric([], 0 if samples is None else 1)
        yield up
        if samples is not None:
            present = {(metric, label) for metric, label, _ in samples}
            missing = [zero for zero in self.zeros if zero[:2] not in present]
            yield from _families(samples + missing)
        if self.balance is not None:
            yield from _balance(self.balance)


def _balance(read: Callable[[], int]) -> Iterator[Metric]:
    try:
        value = read() / 10**18  # wei to ether (chain.balance is not imported: web3)
    except CertflowError as exc:
        log.warning("metrics_balance_failed", error=exc.user_message)
        return
    gauge = GaugeMetricFamily("certflow_signer_balance_eth", "The signer's balance, ether.")
    gauge.add_metric([], value)
    yield gauge


def _families(samples: list[tuple[str, str, float]]) -> Iterator[Metric]:
    families: dict[str, GaugeMetricFamily | CounterMetricFamily] = {}
    for key, (name, documentation, label, counter) in _FAMILIES.items():
        labels = [label] if label else None
        kind = CounterMetricFamily if counter else GaugeMetricFamily
        families[key] = kind(name, documentation, labels=labels)
    for metric, label, value in samples:
        family = families.get(metric)
        if family is not None:
            family.add_metric([label] if _FAMILIES[metric][2] else [], value)
    yield from families.values()

"""Prometheus metrics: the names each process type exports, and the localhost endpoint.

The names are listed here once: the Grafana dashboard (``ops/grafana/``) is
checked against them, and the acceptance tests scrape each process for them.
"""

from __future__ import annotations

import structlog
from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

log = structlog.get_logger("certflow.metrics")

#: Read from Postgres at scrape time (``certflow_metrics()``), by the relay, the
#: scheduler and the web process alike: the same figures, whichever answers.
OPERATIONS = (
    "certflow_database_up",
    "certflow_outbox_pending",
    "certflow_outbox_lag_seconds",
    "certflow_dead_letters",
    "certflow_chain_transactions",
    "certflow_chain_gas_used_total",
    "certflow_chain_pending_nonces",
    "certflow_chain_oldest_pending_seconds",
    "certflow_signer_balance_eth",
)
#: Counted in the relay process itself.
RELAY = ("certflow_relay_events_relayed_total", "certflow_relay_events_rejected_total")
#: Counted in the scheduler process itself.
SCHEDULER = (
    "certflow_scheduler_job_runs_total",
    "certflow_scheduler_job_last_success_timestamp_seconds",
)
#: Counted in the worker processes (the render and webhooks queues'), next to dramatiq's own.
WORKERS = (
    "certflow_certificates_rendered_total",
    "certflow_webhook_deliveries_total",
    "certflow_webhook_delivery_latency_seconds",
    "certflow_webhook_endpoints_disabled_total",
)
#: dramatiq's Prometheus middleware, under its own names (the worker processes).
DRAMATIQ = (
    "dramatiq_messages_total",
    "dramatiq_message_errors_total",
    "dramatiq_message_retries_total",
    "dramatiq_message_rejects_total",
    "dramatiq_messages_inprogress",
    "dramatiq_delayed_messages_inprogress",
    "dramatiq_message_duration_milliseconds",
)
ALL = frozenset(OPERATIONS + RELAY + SCHEDULER + WORKERS + DRAMATIQ)


def serve(host: str, port: int, process: str, registry: CollectorRegistry = REGISTRY) -> bool:
    """Expose ``registry`` on http://host:port/metrics from a daemon thread.

    Port 0 turns it off. A port already taken (a second replica on one host
    with the same setting) is logged and skipped: metrics never stop the work.
    """
    if port == 0:
        return False
    try:
        start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        log.warning("metrics_not_served", process=process, host=host, port=port, error=str(exc))
        return False
    log.info("metrics_listening", process=process, host=host, port=port)
    return True
